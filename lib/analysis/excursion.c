/* Short excursions: a few points that move away and come back (a
 * regression at one commit, fixed a few commits later), which the windowed
 * E-divisive step of changepoint.c does not find: a 3-point segment hardly
 * moves its energy statistic. Contract in include/benchtrack/analysis.h;
 * the reasons for each rule are in docs/cmd/history.md ("Excursions"). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "benchtrack/analysis.h"
#include "benchtrack/error.h"
#include "benchtrack/stats.h"

/* The context of a candidate: at most CTX points on each side, at least
 * MIN_BEFORE before it (and one after it: the return). 60, not 20: a
 * second mode or spikes put a few outliers in a row somewhere, and the
 * wider context holds the others (null series of 1000 points with a 10%
 * mode at 5 sd had an excursion 9% of the time with 20, 0 to 1% with 60;
 * the corpus' 3-point excursions were found as often). */
#define CTX 60
#define MIN_BEFORE 5
/* A two-point excursion (a slowdown fixed two commits later) must stand
 * out more: two neighbouring outliers (3% spikes at 6 sd, a second mode)
 * are common. It must reach TWO_K noise sd (a 20% slowdown at 1% noise is
 * 20 sd, at 2% noise 10). */
#define TWO_K 10.0
/* The lag-1 autocorrelation is estimated on up to CTXR points on each
 * side (not across a change point): on the 20 of the context it is
 * biased low (AR(1) noise of phi 0.6 read as 0 to 0.3), and the t-test
 * on effective sample sizes then took slow wanders for excursions (10%
 * of such null series of 1000 points). */
#define CTXR 100
/* The t-test's p must reach a tenth of max_pvalue: six lengths are tried
 * at every point (on the dev corpus p <= max_pvalue alone flagged 1.4% of
 * Gaussian and 7% of AR(1) 0.6 null series; a tenth, none and 3%). */
#define P_FACTOR 0.1

struct cand {
	struct bt_excursion e;
	double score; /* |t|: the strongest of overlapping candidates wins */
};

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double mean_of(const double *x, size_t n)
{
	double s = 0;

	for (size_t i = 0; i < n; i++)
		s += x[i];
	return s / (double)n;
}

/* The first change point of cps after index a (n when none). */
static size_t cp_after(const struct bt_cp_result *cps, size_t a, size_t n)
{
	for (size_t i = 0; cps && i < cps->n; i++)
		if (cps->points[i].index > a)
			return cps->points[i].index;
	return n;
}

/* The last change point of cps before index a (0 when none). */
static size_t cp_before(const struct bt_cp_result *cps, size_t a)
{
	size_t p = 0;

	for (size_t i = 0; cps && i < cps->n; i++)
		if (cps->points[i].index < a)
			p = cps->points[i].index;
	return p;
}

/* Tests x[s..e) against its context; 1 and *c filled when it passes. */
static int test_one(const double *x, size_t n, size_t s, size_t e, size_t lo,
		    size_t hi, size_t wlo, size_t whi, const struct bt_cp_opts *o,
		    double *ctx, double *work, struct cand *c)
{
	size_t L = e - s, nl = s - lo, nr = hi - e, nc, i;
	double emin = INFINITY, emax = -INFINITY, cmin = INFINITY, cmax = -INFINITY;
	double mb, md, ma, mc, sd, msd, r, need, le, lc, t, df;
	int up;

	if (nl < MIN_BEFORE || nr < 1)
		return 0;
	/* cheap first: the neighbours on both sides must lie on one side of
	 * the whole excursion */
	for (i = s; i < e; i++) {
		if (x[i] < emin)
			emin = x[i];
		if (x[i] > emax)
			emax = x[i];
	}
	up = x[s - 1] < emin;
	if (up ? !(x[e] < emin) : !(x[s - 1] > emax && x[e] > emax))
		return 0;
	/* wholly apart from every context point: what a second mode of the
	 * noise (a few slow runs here and there) cannot mimic, since its other
	 * points fall among the context */
	for (i = lo; i < hi; i++) {
		if (i == s)
			i = e;
		if (i >= hi)
			break;
		if (x[i] < cmin)
			cmin = x[i];
		if (x[i] > cmax)
			cmax = x[i];
	}
	if (up ? !(cmax < emin) : !(cmin > emax))
		return 0;
	nc = nl + nr;
	memcpy(ctx, x + lo, nl * sizeof *ctx);
	memcpy(ctx + nl, x + e, nr * sizeof *ctx);
	mb = mean_of(x + lo, nl);
	ma = mean_of(x + e, nr);
	md = mean_of(x + s, L);
	mc = mean_of(ctx, nc);
	/* it came back: the level after is nearer the level before than the
	 * excursion */
	if (!(fabs(ma - mb) <= 0.5 * fabs(md - mb)))
		return 0;
	/* and its neighbours are at the level, not part of it: the last point
	 * of a 3-point slowdown that is its smallest would otherwise make the
	 * other two a 2-point excursion, "apart" from a context holding it */
	if (!(fabs(x[s - 1] - mb) <= 0.5 * fabs(md - mb)) ||
	    !(fabs(x[e] - ma) <= 0.5 * fabs(md - mb)))
		return 0;
	/* the noise of the context, robust (MAD of first differences), scaled
	 * for autocorrelation as the change points' noise rule does */
	sd = bt_noise_sd_diff_split(ctx, nc, nl, work);
	r = bt_lag1_autocorr_split(ctx, nc, nl);
	if (whi - e > nr || s - wlo > nl) { /* the wider estimate, when larger */
		double rw;

		memcpy(work, x + wlo, (s - wlo) * sizeof *work);
		memcpy(work + (s - wlo), x + e, (whi - e) * sizeof *work);
		rw = bt_lag1_autocorr_split(work, (s - wlo) + (whi - e), s - wlo);
		if (rw > r)
			r = rw;
	}
	if (!(r > 0))
		r = 0;
	if (r > 0.9)
		r = 0.9;
	if (!(sd > 0))
		sd = 0;
	sd /= sqrt(1 - r);
	/* and at least the robust sd of the context's values themselves: a
	 * slow wander is larger than its differences tell */
	memcpy(work, ctx, nc * sizeof *work);
	qsort(work, nc, sizeof *work, cmp_d);
	msd = 1.4826 * bt_stats_mad_sorted(work, nc);
	if (msd > sd)
		sd = msd;
	need = bt_cp_floor(o, mb, sd) * fabs(mb);
	if (o->noise_k * sd > need)
		need = o->noise_k * sd;
	if (L == 2 && TWO_K * sd > need)
		need = TWO_K * sd;
	if (!(fabs(md - mc) >= need) || !(fabs(md - mc) > 0))
		return 0;
	/* a t-test of its mean against the context's, on effective sample
	 * sizes, with the robust sd */
	le = bt_effective_n((double)L, r);
	lc = bt_effective_n((double)nc, r);
	if (!(le > 0) || !(lc > 0))
		return 0;
	if (sd > 0) {
		t = (md - mc) / (sd * sqrt(1 / le + 1 / lc));
		df = le + lc - 2;
		if (df < 1)
			df = 1;
		c->e.p_value = bt_dist_t_p2(t, df);
	} else {
		t = INFINITY;
		c->e.p_value = 0;
	}
	if (!(c->e.p_value <= o->max_pvalue * P_FACTOR))
		return 0;
	c->e.start = s;
	c->e.end = e;
	c->e.mean_before = mb;
	c->e.mean_during = md;
	c->e.mean_after = ma;
	c->e.rel_change = mb != 0 ? md / mb - 1 : md > 0 ? INFINITY : md < 0 ? -INFINITY : 0;
	c->e.noise_sd = sd;
	c->e.autocorr = r;
	c->e.min_change = need;
	c->e.n_before = nl;
	c->e.n_after = nr;
	c->e.points_after = n - e;
	c->score = fabs(t);
	return 1;
}

static int by_score(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return (x->e.start > y->e.start) - (x->e.start < y->e.start);
}

static int by_start(const void *a, const void *b)
{
	const struct bt_excursion *x = a, *y = b;

	return (x->start > y->start) - (x->start < y->start);
}

int bt_excursions(const double *x, size_t n, const struct bt_cp_opts *o,
		  const struct bt_cp_result *cps, struct bt_excursion **out,
		  size_t *n_out, struct bt_strbuf *err)
{
	struct bt_cp_opts def;
	struct cand *c = NULL;
	double *ctx = NULL, *work = NULL;
	size_t nc = 0, cap = 0, k = 0;
	int rc = 0;

	*out = NULL;
	*n_out = 0;
	if (!o) {
		bt_cp_opts_default(&def);
		o = &def;
	}
	if (o->otava_compat || n < 2 * BT_EXCURSION_MIN_LEN)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isfinite(x[i]))
			return bt_error(err, BT_EINVAL, "excursions: point %zu is not finite", i);
	ctx = malloc(2 * CTX * sizeof *ctx);
	work = malloc(2 * CTXR * sizeof *work);
	if (!ctx || !work) {
		rc = BT_ENOMEM;
		goto out;
	}
	for (size_t s = 1; s < n; s++) {
		for (size_t L = BT_EXCURSION_MIN_LEN; L <= BT_EXCURSION_MAX_LEN && s + L < n; L++) {
			size_t e = s + L, lo, hi, b, wlo, whi, w = CTX;
			struct cand cd;

			/* no change point inside it (its edges may be change
			 * points: E-divisive finds one or both at times); the
			 * context does not reach across one */
			if (cp_after(cps, s, n) < e)
				break;
			b = cp_before(cps, s);
			lo = s > w ? s - w : 0;
			wlo = s > CTXR ? s - CTXR : 0;
			if (lo < b)
				lo = b;
			if (wlo < b)
				wlo = b;
			hi = e + w < n ? e + w : n;
			whi = e + CTXR < n ? e + CTXR : n;
			b = cp_after(cps, e, n);
			if (hi > b)
				hi = b;
			if (whi > b)
				whi = b;
			memset(&cd, 0, sizeof cd);
			if (!test_one(x, n, s, e, lo, hi, wlo, whi, o, ctx, work, &cd))
				continue;
			if (nc == cap) {
				size_t ncap = cap ? 2 * cap : 8;
				struct cand *p = realloc(c, ncap * sizeof *p);

				if (!p) {
					rc = BT_ENOMEM;
					goto out;
				}
				c = p;
				cap = ncap;
			}
			c[nc++] = cd;
		}
	}
	if (!nc)
		goto out;
	/* the strongest of overlapping candidates (a 3-point excursion is
	 * also a 4-point one with a neighbour) */
	qsort(c, nc, sizeof *c, by_score);
	for (size_t i = 0; i < nc; i++) {
		size_t j;

		for (j = 0; j < k; j++)
			if (c[i].e.start < c[j].e.end + 1 && c[j].e.start < c[i].e.end + 1)
				break;
		if (j == k)
			c[k++] = c[i];
	}
	*out = malloc(k * sizeof **out);
	if (!*out) {
		rc = BT_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < k; i++)
		(*out)[i] = c[i].e;
	qsort(*out, k, sizeof **out, by_start);
	*n_out = k;
out:
	free(c);
	free(ctx);
	free(work);
	if (rc)
		bt_error(err, rc, "excursions: %s", bt_strerror(rc));
	return rc;
}
