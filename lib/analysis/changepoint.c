/* Change points: windowed E-divisive means with a pooled t-test, as Apache
 * Otava computes it (otava_compat), plus our defaults on top (contracts in
 * include/benchtrack/analysis.h, docs/internals/ARCHITECTURE.md §8).
 *
 * Qhat of a window is O(w^2): W(a, b) = sum of |y_i - y_j| over the pairs
 * a <= i < j < b is tabulated once per window, and for a segment [s, e)
 * split at tau with right end kappa the three sums of the statistic are
 * W(s, tau) (within X), W(tau, kappa) (within Y) and W(s, kappa) - both
 * (between). Means and standard deviations are summed in NumPy's pairwise
 * order so that the t statistics are the ones Otava computes, bit for bit.
 *
 * The update state (what bt_changepoints_update reuses) is defined in
 * lib/analysis/changepoint_state.h, kept and made bytes by
 * changepoint_state.c; the permutation test is changepoint_perm.c; the
 * search of one window (Otava's split step, and our box test) is
 * changepoint_split.c.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "benchtrack/analysis.h"
#include "benchtrack/error.h"
#include "internal.h"

#include "changepoint_state.h"

/* spike suppression: neighbours each side, reach of the local scale,
 * threshold in robust sd */
#define SPIKE_K 3
#define SPIKE_G 10
#define SPIKE_Z 4.0

void bt_cp_opts_default(struct bt_cp_opts *o)
{
	memset(o, 0, sizeof *o);
	o->window = 50;
	o->max_pvalue = 1e-4;
	o->min_magnitude = 0.005;
	o->noise_k = 1.0;
	o->autocorr = 1;
	o->rank_max_pvalue = 1e-4;
	o->permutations = 199;
	o->seed = 0x6265786368ull; /* any fixed value: results are reproducible */
	o->min_after = 5;
	o->suppress_spikes = 1;
	o->otava_compat = 0;
	o->perm_max_pvalue = 0.01;
	o->count_floor = 0.01;
}

double bt_cp_floor(const struct bt_cp_opts *o, double mean, double noise_sd)
{
	if (o->count_floor > o->min_magnitude && noise_sd >= 0 &&
	    noise_sd <= BT_CP_COUNT_NOISE * fabs(mean))
		return o->count_floor;
	return o->min_magnitude;
}

void bt_cp_opts_otava(struct bt_cp_opts *o, double max_pvalue)
{
	memset(o, 0, sizeof *o);
	o->window = 50;
	o->max_pvalue = max_pvalue;
	o->otava_compat = 1;
}

/* --- the result -------------------------------------------------------- */

void bt_cp_result_release(struct bt_cp_result *r)
{
	if (!r)
		return;
	free(r->points);
	free(r->weak);
	free(r->pending);
	bt__cp_state_free(r->state);
	memset(r, 0, sizeof *r);
}

/* --- statistics ----------------------------------------------------------- */

/* NumPy's pairwise summation (float64 add.reduce, contiguous). */
static double pw_sum(const double *a, size_t n)
{
	if (n < 8) {
		double res = 0.;
		size_t i;

		for (i = 0; i < n; i++)
			res += a[i];
		return res;
	} else if (n <= 128) {
		double r[8], res;
		size_t i, j;

		for (j = 0; j < 8; j++)
			r[j] = a[j];
		for (i = 8; i < n - (n % 8); i += 8)
			for (j = 0; j < 8; j++)
				r[j] += a[i + j];
		res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
		for (; i < n; i++)
			res += a[i];
		return res;
	} else {
		size_t n2 = n / 2;

		n2 -= n2 % 8;
		return pw_sum(a, n2) + pw_sum(a + n2, n - n2);
	}
}

/* np.mean and np.std (ddof 0; 0 for fewer than 2 points) of y[a..b). */
void bt__cp_seg_stats(const double *y, size_t a, size_t b, double *tmp,
		      double *mean, double *sd)
{
	size_t n = b - a, i;
	double m;

	m = (0.0 + pw_sum(y + a, n)) / (double)n;
	*mean = m;
	if (n < 2) {
		*sd = 0.0;
		return;
	}
	for (i = 0; i < n; i++) {
		double d = y[a + i] - m;
		tmp[i] = d * d;
	}
	*sd = sqrt((0.0 + pw_sum(tmp, n)) / (double)n);
}

/* scipy.stats.ttest_ind_from_stats(equal_var=True), two-sided; Otava's
 * convention p = 1 when there are no degrees of freedom. */
double bt__cp_pooled_p(double m1, double s1, size_t n1, double m2, double s2,
		       size_t n2)
{
	double df, svar, denom, t;

	if (n1 + n2 <= 2)
		return 1.0;
	df = (double)n1 + (double)n2 - 2.0;
	svar = (((double)n1 - 1) * (s1 * s1) + ((double)n2 - 1) * (s2 * s2)) / df;
	denom = sqrt(svar * (1.0 / (double)n1 + 1.0 / (double)n2));
	t = (m1 - m2) / denom; /* 0/0: NAN (p NAN), d/0: inf (p 0) */
	return bt_dist_t_p2(t, df);
}

struct cp_rec {
	size_t index;
	double qhat;
	double p, m1, m2, s1, s2;
	double perm_p; /* NAN: not computed for the current segments */
	double noise;  /* our defaults: robust sd of the two segments (NAN:
			* not computed yet, see rec_noise) */
	double rho;    /* their pooled lag-1 autocorrelation, in [0, RHO_MAX] */
	double rank_p; /* Mann-Whitney p of the two segments (NAN: not yet) */
	int apart;     /* and no value of one lies within the range of the
			* other (the smallest p their sizes allow) */
};

/* the largest autocorrelation believed: beyond it a segment is a trend */
#define RHO_MAX 0.9

/* Our t-test on y[a..c) against y[c..b): Otava's pooled t statistic with
 * the variance of each mean inflated by (1 + rho) / (1 - rho) and the
 * degrees of freedom of the effective sample size (AR(1) noise), rho the
 * lag-1 autocorrelation of both segments around their own means (>= 0).
 * Fills r->rho and r->p. */
static void rec_adjust(const double *y, size_t a, size_t c, size_t b,
		       int autocorr, struct cp_rec *r)
{
	double rho = 0, n = (double)(b - a), ne, df, denom, t;

	if (autocorr) {
		rho = bt_lag1_autocorr_split(y + a, b - a, c - a);
		if (!(rho > 0))
			rho = 0;
		if (rho > RHO_MAX)
			rho = RHO_MAX;
	}
	r->rho = rho;
	if (b - a <= 2 || rho == 0)
		return; /* r->p: the pooled test as is */
	ne = bt_effective_n(n, rho);
	df = ne - 2 > 1 ? ne - 2 : 1;
	denom = sqrt(((double)(c - a) * r->s1 * r->s1 + (double)(b - c) * r->s2 * r->s2) /
		     (n - 2) * (1.0 / (double)(c - a) + 1.0 / (double)(b - c)) *
		     (1 + rho) / (1 - rho));
	t = (r->m1 - r->m2) / denom;
	r->p = bt_dist_t_p2(t, df);
}

static void rec_compute(const double *y, size_t a, size_t c, size_t b,
			double *tmp, const struct bt_cp_opts *o, struct cp_rec *r)
{
	bt__cp_seg_stats(y, a, c, tmp, &r->m1, &r->s1);
	bt__cp_seg_stats(y, c, b, tmp, &r->m2, &r->s2);
	r->p = bt__cp_pooled_p(r->m1, r->s1, c - a, r->m2, r->s2, b - c);
	r->perm_p = NAN;
	r->noise = r->rho = r->rank_p = NAN;
	r->apart = 0;
	if (o && !o->otava_compat)
		rec_adjust(y, a, c, b, o->autocorr, r);
}

/* after / before - 1; from a mean of exactly 0 the relative change is
 * infinite (signed as the mean after), so that a step from 0 passes the
 * magnitude rule like any large change; 0 when both are 0. */
static double rel_fwd(const struct cp_rec *r)
{
	if (r->m1 == 0)
		return r->m2 == 0 ? 0.0 : copysign(INFINITY, r->m2);
	return r->m2 / r->m1 - 1.0;
}

/* Otava's change_magnitude: max(|after/before - 1|, |before/after - 1|). */
static double magnitude(const struct cp_rec *r)
{
	double f = r->m1 == 0 ? 0.0 : r->m2 / r->m1 - 1.0;
	double g = r->m2 == 0 ? 0.0 : r->m1 / r->m2 - 1.0;

	return fabs(f) > fabs(g) ? fabs(f) : fabs(g);
}

/* --- spike suppression ---------------------------------------------------- */

/* Median of a small array (sorted in place by insertion). */
static double median_small(double *v, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		double t = v[i];

		for (j = i; j > 0 && v[j - 1] > t; j--)
			v[j] = v[j - 1];
		v[j] = t;
	}
	return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* y[i] for i in [from, n): x[i], or the mean of the medians of its
 * neighbours when x[i] is an isolated spike. Depends on x[i-G .. i+G]. */
static void clean_points(const double *x, size_t n, size_t from, double *y)
{
	size_t i;

	for (i = from; i < n; i++) {
		double l[SPIKE_K], r[SPIKE_K], d[2 * SPIKE_G], ml, mr, dev, sc;
		size_t nl = 0, nr = 0, nd = 0, j, lo, hi;

		y[i] = x[i];
		if (i == 0 || i + 1 >= n)
			continue;
		for (j = i > SPIKE_K ? i - SPIKE_K : 0; j < i; j++)
			l[nl++] = x[j];
		for (j = i + 1; j < n && j <= i + SPIKE_K; j++)
			r[nr++] = x[j];
		/* differences x[j+1]-x[j] near i, not involving x[i] */
		lo = i > SPIKE_G ? i - SPIKE_G : 0;
		hi = i + SPIKE_G < n - 1 ? i + SPIKE_G : n - 1; /* j + 1 <= hi */
		for (j = lo; j < hi; j++) {
			if (j + 1 == i || j == i)
				continue;
			d[nd++] = fabs(x[j + 1] - x[j]);
		}
		if (nd < 4)
			continue;
		ml = median_small(l, nl);
		mr = median_small(r, nr);
		dev = x[i] - 0.5 * (ml + mr);
		if (!(fabs(ml - mr) <= 0.5 * fabs(dev)))
			continue; /* the neighbours do not agree: not a spike */
		/* nor is the middle of a short plateau: a next-door point on
		 * the spike's side, half-way or more */
		if ((x[i - 1] - 0.5 * (ml + mr)) / dev >= 0.5 ||
		    (x[i + 1] - 0.5 * (ml + mr)) / dev >= 0.5)
			continue;
		sc = 1.482602218505602 * median_small(d, nd) / M_SQRT2;
		if (fabs(dev) > SPIKE_Z * sc)
			y[i] = 0.5 * ml + 0.5 * mr; /* no overflow near DBL_MAX */
	}
}

/* --- merge ---------------------------------------------------------------- */

/* o NULL: Otava's statistics only */
static void rec_at(const double *y, size_t n, struct cp_rec *cp, size_t m,
		   size_t i, double *tmp, const struct bt_cp_opts *o)
{
	size_t a = i == 0 ? 0 : cp[i - 1].index;
	size_t b = i + 1 == m ? n : cp[i + 1].index;

	rec_compute(y, a, cp[i].index, b, tmp, o, &cp[i]);
}

static void rec_remove(struct cp_rec *cp, size_t *m, size_t i)
{
	memmove(&cp[i], &cp[i + 1], (*m - i - 1) * sizeof *cp);
	(*m)--;
}

/* cp[i].noise when not known yet: the robust sd from first differences
 * within its two segments, inflated by 1 / sqrt(1 - rho) from the sd of
 * differences to that of points (AR(1): var(d) = 2 sd^2 (1 - rho)). */
static void rec_noise(const double *y, size_t n, struct cp_rec *cp, size_t m,
		      size_t i, double *tmp)
{
	size_t a = i == 0 ? 0 : cp[i - 1].index;
	size_t b = i + 1 == m ? n : cp[i + 1].index;
	double rho = cp[i].rho > 0 ? cp[i].rho : 0;

	if (!isnan(cp[i].noise))
		return;
	cp[i].noise = bt_noise_sd_diff_split(y + a, b - a, cp[i].index - a, tmp) /
		      sqrt(1 - rho);
}

/* Otava's merge(), quirk included. */
static void merge_otava(const double *y, size_t n, struct cp_rec *cp,
			size_t *m, const struct bt_cp_opts *o, double *tmp)
{
	while (*m) {
		size_t w = 0, i;

		for (i = 1; i < *m; i++) /* Python max(): first maximum, NAN sticks */
			if (cp[i].p > cp[w].p)
				w = i;
		if (cp[w].p < o->max_pvalue) {
			w = 0;
			for (i = 1; i < *m; i++)
				if (magnitude(&cp[i]) < magnitude(&cp[w]))
					w = i;
			if (magnitude(&cp[w]) > o->min_magnitude)
				return;
		}
		rec_remove(cp, m, w);
		if (w < *m)
			rec_at(y, n, cp, *m, w, tmp, NULL);
		if (w + 1 < *m)
			rec_at(y, n, cp, *m, w + 1, tmp, NULL);
	}
}

/* The rank test of cp[i]: Mann-Whitney of its two segments, exact in the
 * tail when the counts fit (a short side's extreme ranks are judged
 * exactly). When the shorter segment is an excursion (its other end is a
 * change back the other way), it is tested against the segments on both
 * of its sides together: what a second mode of the noise cannot mimic is
 * a run of points beyond the range of both neighbourhoods. */
static int rank_test(const double *y, size_t n, struct cp_rec *cp,
		     size_t m, size_t i, double pmax, double *tmp, double *p)
{
	size_t a = i == 0 ? 0 : cp[i - 1].index, c = cp[i].index;
	size_t b = i + 1 == m ? n : cp[i + 1].index;
	size_t s0 = a, s1 = c, r0 = 0, r1 = 0, l0 = 0, l1 = 0;
	double d = cp[i].m2 - cp[i].m1;
	size_t nx = c - a, ny = b - c;
	struct bt_mwu u;
	int rc;

	if (b - c < c - a && i + 1 < m && (cp[i + 1].m2 - cp[i + 1].m1) * d < 0) {
		s0 = c, s1 = b;                 /* the excursion after c */
		l0 = a, l1 = c;
		r0 = b, r1 = i + 2 < m ? cp[i + 2].index : n;
	} else if (c - a <= b - c && i > 0 && (cp[i - 1].m2 - cp[i - 1].m1) * d < 0) {
		s0 = a, s1 = c;                 /* the excursion before c */
		l0 = i > 1 ? cp[i - 2].index : 0, l1 = a;
		r0 = c, r1 = b;
	}
	if (l1 > l0) {
		nx = s1 - s0;
		ny = (l1 - l0) + (r1 - r0);
		memcpy(tmp, y + l0, (l1 - l0) * sizeof *tmp);
		memcpy(tmp + (l1 - l0), y + r0, (r1 - r0) * sizeof *tmp);
		rc = bt_mann_whitney_u(y + s0, nx, tmp, ny, BT_MWU_EXACT, 1, &u);
	} else {
		rc = bt_mann_whitney_u(y + a, nx, y + c, ny, BT_MWU_EXACT, 1, &u);
	}
	if (rc)
		return rc;
	*p = u.p;
	/* wholly apart counts where the sizes cannot reach pmax (the
	 * smallest p is 2 / C(nx + ny, nx)), with 3 points a side or more:
	 * two neighbouring spikes are not an excursion */
	cp[i].apart = (u.u1 == 0 || u.u2 == 0) && nx >= 3 && ny >= 3 &&
		      M_LN2 - (lgamma((double)(nx + ny) + 1) - lgamma((double)nx + 1) -
			       lgamma((double)ny + 1)) > log(pmax);
	return 0;
}

/* The smallest change our defaults report at r: max(min_magnitude *
 * |mean before|, noise_k * noise), in the values' units; a series
 * without noise (a deterministic count) has the floor
 * max(min_magnitude, count_floor) instead. */
static double min_change(const struct cp_rec *r, const struct bt_cp_opts *o)
{
	double f = bt_cp_floor(o, r->m1, r->noise) * fabs(r->m1),
	       k = o->noise_k * r->noise;

	return k > f ? k : f; /* a NAN noise leaves the floor */
}

/* |mean after - mean before| / min_change: below 1 the change is too
 * small to report; 1 when no rule applies. */
static double change_margin(const struct cp_rec *r, const struct bt_cp_opts *o)
{
	double mc = min_change(r, o), d = fabs(r->m2 - r->m1);

	if (!(mc > 0)) /* no noise and no floor, or a step from 0 */
		return d > 0 || !(o->min_magnitude > 0) ? 1 : 0;
	return d / mc;
}

/* A short excursion between two change points (cp[i], cp[i + 1]: at most
 * CP_SHORT_MAX points that moved and came back, the two changes of opposite
 * sign, both confirmed by min_after points) is kept only when every point
 * of it lies beyond every point of its context (SHORT_CTX points on each
 * side, not across another change point; for one or two points the whole
 * segments on both sides), the rule of bt_excursions: on a long series a
 * second mode of the noise, or neighbouring spikes, put a few outliers in
 * a row somewhere (on null series of 1000 points 17% with a 10% mode at
 * 5 sd, 23% with 3% spikes were flagged so), and their other outliers
 * fall among the context (two neighbouring spikes often have none within
 * 20 points: so the whole sides). The points compared are the raw
 * values x, not the analysed ones: spike suppression replaces the other,
 * isolated outliers that should lie among the context, and two or three
 * neighbouring spikes then stood alone (half the null series with 3%
 * spikes flagged on fresh corpora of the reference design were such).
 * Returns the index of the change to remove (the one with the larger
 * t-test p), or (size_t)-1. */
#define SHORT_CTX 20
static size_t short_excursion(const double *x, size_t n, const struct cp_rec *cp,
			      size_t m, const struct bt_cp_opts *o)
{
	for (size_t i = 0; i + 1 < m; i++) {
		size_t s = cp[i].index, e = cp[i + 1].index, lo, hi, j;
		double d = cp[i].m2 - cp[i].m1, in_min = INFINITY, in_max = -INFINITY;
		double out_min = INFINITY, out_max = -INFINITY;
		int apart;

		if (e - s > CP_SHORT_MAX || d * (cp[i + 1].m2 - cp[i + 1].m1) >= 0 ||
		    n - e < o->min_after)
			continue;
		lo = i ? cp[i - 1].index : 0;
		hi = i + 2 < m ? cp[i + 2].index : n;
		if (e - s > 2) { /* one or two points: all of both sides */
			lo = s - lo > SHORT_CTX ? s - SHORT_CTX : lo;
			hi = hi - e > SHORT_CTX ? e + SHORT_CTX : hi;
		}
		for (j = s; j < e; j++) {
			in_min = x[j] < in_min ? x[j] : in_min;
			in_max = x[j] > in_max ? x[j] : in_max;
		}
		for (j = lo; j < hi; j++) {
			if (j == s)
				j = e;
			if (j >= hi)
				break;
			out_min = x[j] < out_min ? x[j] : out_min;
			out_max = x[j] > out_max ? x[j] : out_max;
		}
		apart = d > 0 ? in_min > out_max : in_max < out_min;
		if (!apart)
			return cp[i].p >= cp[i + 1].p ? i : i + 1;
	}
	return (size_t)-1;
}

/* Our merge: backward elimination with correct recomputation of both
 * neighbours; rules in order t-test, magnitude, rank test, short
 * excursions (short_excursion, on the raw values x), permutation test. */
static int merge_ours(struct bt_cp_state *st, const double *x, size_t n, struct cp_rec *cp,
		      size_t *m, const struct bt_cp_opts *o, int use_perm,
		      double *tmp)
{
	const double *y = st->y;

	while (*m) {
		size_t w = (size_t)-1, i;
		int rc;

		for (i = 0; i < *m; i++) {
			double p = isnan(cp[i].p) ? 1.0 : cp[i].p;

			if (p >= o->max_pvalue &&
			    (w == (size_t)-1 || p > (isnan(cp[w].p) ? 1.0 : cp[w].p)))
				w = i;
		}
		if (w == (size_t)-1) {
			double worst = 1;

			for (i = 0; i < *m; i++) {
				double r;

				rec_noise(y, n, cp, *m, i, tmp);
				r = change_margin(&cp[i], o);

				if (r < worst) {
					worst = r;
					w = i;
				}
			}
		}
		if (w == (size_t)-1 && use_perm && o->rank_max_pvalue > 0) {
			for (i = 0; i < *m; i++) {
				if (n - cp[i].index < o->min_after)
					continue; /* pending: judged on the evidence so far */
				if (isnan(cp[i].rank_p)) {
					rc = rank_test(y, n, cp, *m, i, o->rank_max_pvalue, tmp,
						       &cp[i].rank_p);
					if (rc)
						return rc;
				}
				/* short series: sides wholly apart pass */
				if (cp[i].rank_p > o->rank_max_pvalue && !cp[i].apart &&
				    (w == (size_t)-1 || cp[i].rank_p > cp[w].rank_p))
					w = i;
			}
		}
		if (w == (size_t)-1 && use_perm)
			w = short_excursion(x, n, cp, *m, o);
		if (w == (size_t)-1 && use_perm && o->permutations) {
			for (i = 0; i < *m; i++) {
				if (n - cp[i].index < o->min_after)
					continue;
				if (isnan(cp[i].perm_p)) {
					size_t a = i == 0 ? 0 : cp[i - 1].index;
					size_t b = i + 1 == *m ? n : cp[i + 1].index;

					rc = bt__cp_perm_p(st, o, a, cp[i].index, b, &cp[i].perm_p);
					if (rc)
						return rc;
				}
				if (cp[i].perm_p > o->perm_max_pvalue &&
				    (w == (size_t)-1 || cp[i].perm_p > cp[w].perm_p))
					w = i;
			}
		}
		if (w == (size_t)-1)
			return 0;
		rec_remove(cp, m, w);
		if (w > 0)
			rec_at(y, n, cp, *m, w - 1, tmp, o);
		if (w < *m)
			rec_at(y, n, cp, *m, w, tmp, o);
		/* the rank test looks two points away (excursions) */
		for (i = w > 2 ? w - 2 : 0; i < *m && i <= w + 1; i++)
			cp[i].rank_p = NAN;
	}
	return 0;
}

/* Our defaults: each point moves to the least-squares split of the data
 * between its neighbours (the maximum of n1 n2 / (n1 + n2) (m1 - m2)^2),
 * within h points of where E-divisive put it; E-divisive's argmax of Qhat
 * over a window is a coarser location estimate for a mean shift. Returns
 * whether a point moved. */
static int refine(const double *y, size_t n, struct cp_rec *cp, size_t m,
		  size_t h, double *tmp)
{
	size_t i, k;
	int moved = 0;

	for (i = 0; i < m; i++) {
		size_t a = i == 0 ? 0 : cp[i - 1].index;
		size_t b = i + 1 == m ? n : cp[i + 1].index, c = cp[i].index;
		size_t lo = c > h ? c - h : 1, hi = c + h, best = c;
		double tot = 0, left = 0, bestv = -1, y0 = y[a];

		if (lo < a + 1)
			lo = a + 1;
		if (hi > b - 1)
			hi = b - 1;
		for (k = a; k < b; k++) {
			tmp[k - a] = tot;   /* sum of y[a..k) - y0 */
			tot += y[k] - y0;
		}
		for (k = lo; k <= hi; k++) {
			double n1 = (double)(k - a), n2 = (double)(b - k), d, v;

			left = tmp[k - a];
			d = left / n1 - (tot - left) / n2;
			v = n1 * n2 / (n1 + n2) * d * d;
			if (v > bestv) {
				bestv = v;
				best = k;
			}
		}
		if (best != c) {
			cp[i].index = best;
			moved = 1;
		}
	}
	return moved;
}

/* --- driver --------------------------------------------------------------- */

static int cmp_rec(const void *a, const void *b)
{
	size_t x = ((const struct cp_rec *)a)->index, y = ((const struct cp_rec *)b)->index;

	return (x > y) - (x < y);
}

/* r is in the scaled values y; p in the caller's (scale: see the state).
 * o NULL: Otava's statistics only. */
static void to_public(const struct cp_rec *r, double scale,
		      const struct bt_cp_opts *o, struct bt_change_point *p)
{
	memset(p, 0, sizeof *p); /* padding too: results compare bytewise */
	p->noise_sd = p->autocorr = p->min_change = p->perm_p = p->rank_p = NAN;
	p->n_before = p->n_after = 0;
	p->ranks_apart = 0;
	if (o && !o->otava_compat) {
		p->noise_sd = r->noise / scale;
		p->autocorr = r->rho;
		p->min_change = min_change(r, o) / scale;
		p->perm_p = r->perm_p;
		p->rank_p = r->rank_p;
		p->ranks_apart = !isnan(r->rank_p) && r->apart;
	}
	p->index = r->index;
	p->p_value = r->p;
	p->mean_before = r->m1 / scale;
	p->mean_after = r->m2 / scale;
	p->std_before = r->s1 / scale;
	p->std_after = r->s2 / scale;
	p->rel_change = rel_fwd(r);
	p->qhat = r->qhat / scale;
}

/* The scale of x[0..n): 1 while the largest magnitude lies within
 * 2^-400..2^400 (every real timing, counter or rate), else the power of 4
 * that brings it near 1. Multiplying by a power of 2 is exact and every
 * statistic here is a ratio or scales with the data, so the result is the
 * same as on the unscaled values, without the overflow of squares near
 * 1e160 or their underflow near 1e-160. A power of 4 keeps square roots
 * exact too. */
static double pick_scale(const double *x, size_t n)
{
	double mx = 0;
	for (size_t i = 0; i < n; i++)
		if (fabs(x[i]) > mx)
			mx = fabs(x[i]);
	if (mx == 0 || (mx >= 0x1p-400 && mx <= 0x1p400))
		return 1.0;
	int k = -ilogb(mx);
	k -= k & 1;
	if (k > 1022)
		k = 1022;
	if (k < -1022)
		k = -1022;
	return ldexp(1.0, k);
}

static int check_opts(const struct bt_cp_opts *o, struct bt_strbuf *err)
{
	if (!o || o->window < 2 || !(o->max_pvalue > 0 && o->max_pvalue <= 1) ||
	    !(o->min_magnitude >= 0) ||
	    (!o->otava_compat && o->permutations && !(o->perm_max_pvalue > 0))) {
		bt_strbuf_addf(err, "invalid change-point options (window >= 2, "
				    "max_pvalue in (0,1], min_magnitude >= 0)");
		return BT_EINVAL;
	}
	return 0;
}

static int check_finite(const double *x, size_t from, size_t n,
			struct bt_strbuf *err)
{
	size_t i;

	for (i = from; i < n; i++)
		if (!isfinite(x[i])) {
			bt_strbuf_addf(err, "value at index %zu is not finite (%g)", i, x[i]);
			return BT_EINVAL;
		}
	return 0;
}

/* Continues the split from the windows kept in st, then merges and fills
 * out (whose state is st). */
static int run(const double *x, size_t n, const struct bt_cp_opts *o,
	       struct bt_cp_state *st, struct bt_cp_result *out)
{
	size_t w = o->window, step = w / 2, start = 0, i, m = 0, nrep;
	double *W = NULL, *tmp = NULL;
	struct cp_seg *segs = NULL;
	struct cp_rec *cp = NULL;
	double thr = o->max_pvalue < 0.05 ? o->max_pvalue * 10
		   : o->max_pvalue < 0.5 ? o->max_pvalue * 2 : o->max_pvalue;
	int rc = BT_ENOMEM;

	W = malloc((w + 1) * (w + 1) * sizeof *W);
	tmp = malloc((n > w ? n : w) * sizeof *tmp + 1);
	segs = malloc((w + 3) * sizeof *segs);
	if (!W || !tmp || !segs)
		goto out;
	if (st->n_win) {
		const struct cp_window *lw = &st->win[st->n_win - 1];
		size_t last = lw->count ? st->found[lw->first + lw->count - 1].index : 0;

		start = last > lw->start + step ? last : lw->start + step;
	}
	while (start < n) {
		size_t end = start + w < n ? start + w : n;
		const struct cp_window *lw;
		size_t last;

		rc = bt__cp_analyse_window(st->y, start, end, thr,
					   o->otava_compat ? 0 : thr * CP_BOX_P_FACTOR,
				    W, tmp, segs, st);
		if (rc)
			goto out;
		lw = &st->win[st->n_win - 1];
		last = lw->count ? st->found[lw->first + lw->count - 1].index : 0;
		start = last > start + step ? last : start + step;
	}
	/* the union of the windows' points, first discovery kept */
	rc = BT_ENOMEM;
	cp = malloc((st->n_found + 1) * sizeof *cp);
	if (!cp)
		goto out;
	for (i = 0; i < st->n_found; i++) {
		size_t j;

		for (j = 0; j < m; j++)
			if (cp[j].index == st->found[i].index)
				break;
		if (j < m)
			continue;
		cp[m].index = st->found[i].index;
		cp[m].qhat = st->found[i].qhat;
		m++;
	}
	qsort(cp, m, sizeof *cp, cmp_rec);
	for (i = 0; i < m; i++)
		rec_at(st->y, n, cp, m, i, tmp, NULL);
	out->weak = malloc((m + 1) * sizeof *out->weak);
	if (!out->weak)
		goto out;
	for (i = 0; i < m; i++)
		to_public(&cp[i], st->scale, NULL, &out->weak[i]);
	out->n_weak = m;
	if (o->otava_compat) {
		merge_otava(st->y, n, cp, &m, o, tmp);
	} else {
		/* t-test and magnitude; locations refined; then the same
		 * again with the (costlier) permutation test */
		for (i = 0; i < m; i++)
			rec_at(st->y, n, cp, m, i, tmp, o);
		rc = merge_ours(st, x, n, cp, &m, o, 0, tmp);
		if (rc)
			goto out;
		if (refine(st->y, n, cp, m, w / 2, tmp))
			for (i = 0; i < m; i++)
				rec_at(st->y, n, cp, m, i, tmp, o);
		rc = merge_ours(st, x, n, cp, &m, o, 1, tmp);
		if (rc)
			goto out;
	}
	rc = BT_ENOMEM;
	out->points = malloc((m + 1) * sizeof *out->points);
	out->pending = malloc((m + 1) * sizeof *out->pending);
	if (!out->points || !out->pending)
		goto out;
	nrep = 0;
	for (i = 0; i < m; i++) {
		int pend = !o->otava_compat && n - cp[i].index < o->min_after;
		struct bt_change_point *p = pend ? &out->pending[out->n_pending++]
						 : &out->points[nrep++];

		if (!o->otava_compat)
			rec_noise(st->y, n, cp, m, i, tmp);
		to_public(&cp[i], st->scale, o, p);
		if (!o->otava_compat) {
			p->n_before = cp[i].index - (i ? cp[i - 1].index : 0);
			p->n_after = (i + 1 < m ? cp[i + 1].index : n) - cp[i].index;
		}
	}
	out->n = nrep;
	out->n_series = n;
	rc = 0;
out:
	free(W);
	free(tmp);
	free(segs);
	free(cp);
	return rc;
}

static int set_y(struct bt_cp_state *st, const double *x, size_t n, size_t from,
		 const struct bt_cp_opts *o)
{
	int rc = bt__vec_reserve((void **)&st->y, &st->cap_y, n + 1, sizeof *st->y);

	if (rc)
		return rc;
	if (o->suppress_spikes && !o->otava_compat)
		clean_points(x, n, from, st->y);
	else
		memcpy(st->y + from, x + from, (n - from) * sizeof *x);
	if (st->scale != 1.0)
		for (size_t i = from; i < n; i++)
			st->y[i] *= st->scale;
	st->ny = n;
	return 0;
}

int bt_changepoints(const double *x, size_t n, const struct bt_cp_opts *o,
		    struct bt_cp_result *out, struct bt_strbuf *err)
{
	struct bt_cp_state *st;
	int rc;

	memset(out, 0, sizeof *out);
	rc = check_opts(o, err);
	if (rc)
		return rc;
	rc = check_finite(x, 0, n, err);
	if (rc)
		return rc;
	st = calloc(1, sizeof *st);
	if (!st)
		return BT_ENOMEM;
	st->opts = *o;
	st->scale = pick_scale(x, n);
	out->state = st;
	rc = set_y(st, x, n, 0, o);
	if (!rc)
		rc = run(x, n, o, st, out);
	if (rc)
		bt_cp_result_release(out);
	return rc;
}

int bt_changepoints_update(const double *x, size_t n,
			   const struct bt_cp_opts *o, struct bt_cp_result *res,
			   struct bt_strbuf *err)
{
	struct bt_cp_state *st = res->state;
	size_t n_old = res->n_series, guard, keep, from;
	int rc;

	if (!st || !o || !bt__cp_opts_same(&st->opts, o) || n < n_old || st->ny != n_old) {
		bt_cp_result_release(res);
		return bt_changepoints(x, n, o, res, err);
	}
	rc = check_finite(x, n_old, n, err);
	if (rc) {
		bt_cp_result_release(res);
		return rc;
	}
	if (n == n_old)
		return 0;
	if (pick_scale(x, n) != st->scale) { /* new values far out of range */
		bt_cp_result_release(res);
		return bt_changepoints(x, n, o, res, err);
	}
	/* values that can change: the new points and, with spike suppression,
	 * the cleaned values within the reach of the spike rule */
	guard = (o->suppress_spikes && !o->otava_compat) ? SPIKE_G : 0;
	from = n_old > guard ? n_old - guard : 0;
	/* windows whose every point is settled are kept */
	for (keep = 0; keep < st->n_win; keep++)
		if (st->win[keep].start + o->window > from)
			break;
	st->n_win = keep;
	st->n_found = keep ? st->win[keep - 1].first + st->win[keep - 1].count : 0;
	/* permutation p-values of segments reaching unsettled values go */
	{
		size_t i, j = 0;

		for (i = 0; i < st->n_perm; i++)
			if (st->perm[i].b <= from)
				st->perm[j++] = st->perm[i];
		st->n_perm = j;
	}
	rc = set_y(st, x, n, from, o);
	free(res->points);
	free(res->weak);
	free(res->pending);
	res->points = NULL;
	res->weak = NULL;
	res->pending = NULL;
	res->n = res->n_weak = res->n_pending = 0;
	if (!rc)
		rc = run(x, n, o, st, res);
	if (rc)
		bt_cp_result_release(res);
	return rc;
}
