/* Two-sample tests and estimators (contracts in include/benchtrack/analysis.h):
 * Mann-Whitney U, Student and Welch t, Hodges-Lehmann shift and ratio with
 * their distribution-free intervals, Holm and Benjamini-Hochberg.
 *
 * Conventions follow SciPy 1.10 (tests/fixtures/stats-reference.json).
 *
 * Exact null distribution of U (no ties). The number of arrangements of
 * m x's and n y's with U = u is the coefficient of q^u in the Gaussian
 * binomial [m+n choose m]_q = prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i)
 * (Harding 1984). We build it factor by factor on a polynomial truncated at
 * the degree we need (the lower tail only), in unsigned 128-bit integers:
 * multiplying by (1 - q^a) and by 1/(1 - q^i) = sum q^(k i) are ring
 * operations, so arithmetic modulo 2^128 gives the exact counts as long as
 * the true counts are below 2^128, which we check (C(m+n, m) (m+n+1) <
 * 2^126, e.g. 60 x 60 fits, 70 x 70 does not).
 * Cost O(min(m,n) * L) for L coefficients. P-values are then one division
 * of two exactly known integers (relative error ~2e-16).
 *
 * BT_MWU_AUTO rule: exact when the pooled sample has no ties and both
 * samples have at most MWU_EXACT_MAX (50) values; else the normal
 * approximation with tie and continuity correction. At 50 x 50 the exact
 * p-value costs about 125k 128-bit additions (tens of microseconds); beyond
 * that the normal approximation is within ~1e-3 absolute anyway.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "benchtrack/analysis.h"
#include "benchtrack/error.h"

#define MWU_EXACT_MAX 50

#if defined(__SIZEOF_INT128__)
__extension__ typedef unsigned __int128 bt__count;
#define BT__COUNT_LOG2_MAX 126.0
#else
typedef uint64_t bt__count;
#define BT__COUNT_LOG2_MAX 62.0
#endif

/* --- helpers --------------------------------------------------------------- */

static int has_nan(const double *x, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (isnan(x[i]))
			return 1;
	return 0;
}

/* log2 C(m+n, m) */
static double log2_binom(size_t m, size_t n)
{
	return (lgamma((double)(m + n) + 1) - lgamma((double)m + 1) -
		lgamma((double)n + 1)) / M_LN2;
}

/* Whether the exact counts of U for sizes m, n fit our integer type. */
static int exact_fits(size_t m, size_t n)
{
	return log2_binom(m, n) + log2((double)(m + n) + 1) <
	       BT__COUNT_LOG2_MAX;
}

/* c[0..L]: number of arrangements with U = 0..L (no ties), exact. */
static void mwu_counts(size_t m, size_t n, size_t L, bt__count *c)
{
	if (m > n) {
		size_t t = m;
		m = n;
		n = t;
	}
	memset(c, 0, (L + 1) * sizeof *c);
	c[0] = 1;
	for (size_t i = 1; i <= m; i++) {
		/* divide by (1 - q^i) */
		for (size_t j = i; j <= L; j++)
			c[j] += c[j - i];
		/* multiply by (1 - q^(n+i)) */
		if (n + i <= L)
			for (size_t j = L; j >= n + i; j--)
				c[j] -= c[j - n - i];
	}
}

static bt__count binom_count(size_t m, size_t n)
{
	bt__count c = 1;
	if (m > n) {
		size_t t = m;
		m = n;
		n = t;
	}
	for (size_t i = 1; i <= m; i++)
		c = c * (bt__count)(n + i) / (bt__count)i;
	return c;
}

/* --- Mann-Whitney U ---------------------------------------------------------- */

struct tagged {
	double v;
	int from_x;
};

static int cmp_tagged(const void *a, const void *b)
{
	double x = ((const struct tagged *)a)->v;
	double y = ((const struct tagged *)b)->v;
	return (x > y) - (x < y);
}

/* U1 (pairs x > y plus half the ties) and the tie term sum(t^3 - t). */
static int mwu_stat(const double *x, size_t nx, const double *y, size_t ny,
		    double *u1, double *tie_term)
{
	size_t n = nx + ny;
	struct tagged *t = malloc(n * sizeof *t);
	double u = 0, tt = 0, y_before = 0;

	if (!t)
		return BT_ENOMEM;
	for (size_t i = 0; i < nx; i++)
		t[i] = (struct tagged){x[i], 1};
	for (size_t j = 0; j < ny; j++)
		t[nx + j] = (struct tagged){y[j], 0};
	qsort(t, n, sizeof *t, cmp_tagged);
	for (size_t i = 0; i < n;) {
		size_t j = i, cx = 0, cy = 0;
		while (j < n && t[j].v == t[i].v) {
			if (t[j].from_x)
				cx++;
			else
				cy++;
			j++;
		}
		u += (double)cx * (y_before + 0.5 * (double)cy);
		y_before += (double)cy;
		if (j - i > 1) {
			double g = (double)(j - i);
			tt += g * g * g - g;
		}
		i = j;
	}
	free(t);
	*u1 = u;
	*tie_term = tt;
	return 0;
}

/* P(U >= k) * 2 clipped to 1, exact (no ties). BT_ENOMEM or 0. */
static int mwu_exact_p(size_t m, size_t n, double umax, double *p)
{
	size_t mn = m * n;
	size_t k = (size_t)umax;  /* truncated, as SciPy */
	size_t L = mn - k;        /* P(U >= k) = P(U <= mn - k) */
	bt__count *c = malloc((L + 1) * sizeof *c), sum = 0;
	double pv;

	if (!c)
		return BT_ENOMEM;
	mwu_counts(m, n, L, c);
	for (size_t j = 0; j <= L; j++)
		sum += c[j];
	free(c);
	pv = 2.0 * ((double)sum / (double)binom_count(m, n));
	*p = pv > 1 ? 1 : pv;
	return 0;
}

int bt_mann_whitney_u(const double *x, size_t nx, const double *y, size_t ny,
		      enum bt_mwu_method method, int continuity,
		      struct bt_mwu *out)
{
	double u1, tie_term, umax, n1n2, n, mu, s, num;
	int rc;

	if (!x || !y || !out || nx == 0 || ny == 0 || has_nan(x, nx) ||
	    has_nan(y, ny))
		return BT_EINVAL;
	rc = mwu_stat(x, nx, y, ny, &u1, &tie_term);
	if (rc)
		return rc;
	n1n2 = (double)nx * (double)ny;
	out->u1 = u1;
	out->u2 = n1n2 - u1;
	umax = fmax(out->u1, out->u2);
	out->exact = 0;
	out->z = NAN;

	if (method == BT_MWU_AUTO) {
		if (tie_term == 0 && nx <= MWU_EXACT_MAX &&
		    ny <= MWU_EXACT_MAX)
			method = BT_MWU_EXACT;
		else {
			method = BT_MWU_ASYMPTOTIC;
			continuity = 1;
		}
	}
	if (method == BT_MWU_EXACT && exact_fits(nx, ny)) {
		rc = mwu_exact_p(nx, ny, umax, &out->p);
		if (rc)
			return rc;
		out->exact = 1;
		return 0;
	}
	/* asymptotic (also BT_MWU_EXACT beyond what the exact counts fit) */
	n = (double)(nx + ny);
	mu = n1n2 / 2;
	s = sqrt(n1n2 / 12 * ((n + 1) - tie_term / (n * (n - 1))));
	num = umax - mu;
	if (continuity)
		num -= 0.5;
	if (s > 0)
		out->z = num / s;
	else /* all values tied: SciPy's 0/0 and -0.5/0 */
		out->z = num < 0 ? -INFINITY : (num > 0 ? INFINITY : NAN);
	if (isnan(out->z))
		out->p = NAN;
	else {
		double pv = 2 * bt_dist_normal_sf(out->z);
		out->p = pv > 1 ? 1 : pv;
	}
	return 0;
}

/* --- t-tests ------------------------------------------------------------------- */

/* Mean (with one refinement pass) and variance (ddof 1). */
static void mean_var(const double *x, size_t n, double *mean, double *var)
{
	double s = 0, m, c = 0, ss = 0;

	for (size_t i = 0; i < n; i++)
		s += x[i];
	m = s / (double)n;
	for (size_t i = 0; i < n; i++)
		c += x[i] - m;
	m += c / (double)n;
	for (size_t i = 0; i < n; i++) {
		double d = x[i] - m;
		ss += d * d;
	}
	*mean = m;
	*var = n > 1 ? ss / (double)(n - 1) : NAN;
}

/* SciPy's _ttest_ind_from_stats with variances v1, v2. */
static void ttest_core(double m1, double v1, size_t n1, double m2, double v2,
		       size_t n2, int equal_var, struct bt_ttest *out)
{
	double a = (double)n1, b = (double)n2, df, denom, d = m1 - m2;

	if (equal_var) {
		df = a + b - 2;
		double svar = ((a - 1) * v1 + (b - 1) * v2) / df;
		denom = sqrt(svar * (1.0 / a + 1.0 / b));
	} else {
		double vn1 = v1 / a, vn2 = v2 / b;
		double den = vn1 * vn1 / (a - 1) + vn2 * vn2 / (b - 1);
		df = den > 0 ? (vn1 + vn2) * (vn1 + vn2) / den : NAN;
		denom = sqrt(vn1 + vn2);
	}
	out->df = df;
	if (denom > 0)
		out->t = d / denom;
	else
		out->t = d > 0 ? INFINITY : (d < 0 ? -INFINITY : NAN);
	if (isnan(out->t))
		out->p = NAN;
	else if (isinf(out->t))
		out->p = 0; /* SciPy: df nan -> 1, sf(inf) = 0 */
	else
		out->p = bt_dist_t_p2(out->t, isnan(df) ? 1.0 : df);
}

static int ttest(const double *x, size_t nx, const double *y, size_t ny,
		 int equal_var, struct bt_ttest *out)
{
	double m1, v1, m2, v2;

	if (!x || !y || !out || nx < 2 || ny < 2)
		return BT_EINVAL;
	mean_var(x, nx, &m1, &v1);
	mean_var(y, ny, &m2, &v2);
	ttest_core(m1, v1, nx, m2, v2, ny, equal_var, out);
	return 0;
}

int bt_ttest_student(const double *x, size_t nx, const double *y, size_t ny,
		     struct bt_ttest *out)
{
	return ttest(x, nx, y, ny, 1, out);
}

int bt_ttest_welch(const double *x, size_t nx, const double *y, size_t ny,
		   struct bt_ttest *out)
{
	return ttest(x, nx, y, ny, 0, out);
}

int bt_ttest_from_stats(double mean1, double sd1, size_t n1, double mean2,
			double sd2, size_t n2, int equal_var,
			struct bt_ttest *out)
{
	if (!out || n1 < 2 || n2 < 2)
		return BT_EINVAL;
	ttest_core(mean1, sd1 * sd1, n1, mean2, sd2 * sd2, n2, equal_var, out);
	return 0;
}

/* --- Hodges-Lehmann ------------------------------------------------------------ */

/* Quickselect (Hoare partition, median-of-three pivot): puts the k-th
 * smallest (0-based) of a[0..n) at a[k], smaller-or-equal values before it,
 * greater-or-equal after it; returns it. */
static double select_kth(double *a, size_t n, size_t k)
{
	ptrdiff_t lo = 0, hi = (ptrdiff_t)n - 1, kk = (ptrdiff_t)k;

	while (lo < hi) {
		double p0 = a[lo], p1 = a[lo + (hi - lo) / 2], p2 = a[hi], t;
		ptrdiff_t i = lo, j = hi;

		if (p0 > p1) { t = p0; p0 = p1; p1 = t; }
		if (p1 > p2) { t = p1; p1 = p2; p2 = t; }
		if (p0 > p1) { t = p0; p0 = p1; p1 = t; }
		while (i <= j) {
			while (a[i] < p1)
				i++;
			while (a[j] > p1)
				j--;
			if (i <= j) {
				t = a[i];
				a[i] = a[j];
				a[j] = t;
				i++;
				j--;
			}
		}
		if (kk <= j)
			hi = j;
		else if (kk >= i)
			lo = i;
		else
			return a[kk];
	}
	return a[kk];
}

/* The CI rank k (1-based): the interval is [d_(k), d_(N+1-k)], N = m n.
 *
 * Coverage of that interval is 1 - 2 P(U <= k - 1) under the no-ties null
 * distribution of U. Exact (both sizes <= 50 and the counts fit): k is the
 * largest k >= 1 with P(U <= k - 1) <= (1 - level) / 2 (with a relative
 * slack of 1e-9 so that levels such as 0.9 at 3 vs 3, where the bound is
 * attained exactly, are not lost to rounding of 1 - level). Normal
 * approximation otherwise (no tie correction: slightly conservative with
 * ties): k = floor(m n / 2 + 0.5 - z_{(1+level)/2} sqrt(m n (m+n+1) / 12)),
 * the continuity-corrected version of the same rule. When no k >= 1
 * satisfies it the level cannot be reached and k = 1 ([min d, max d]). */
static int hl_rank(size_t m, size_t n, double level, size_t *kout)
{
	size_t N = m * n, kmax = (N + 1) / 2, k = 1;
	double half_alpha = (1 - level) / 2;

	if (m <= MWU_EXACT_MAX && n <= MWU_EXACT_MAX &&
	    exact_fits(m, n)) {
		size_t L = N / 2;
		bt__count *c = malloc((L + 1) * sizeof *c), cum = 0;
		double total = (double)binom_count(m, n);
		double bound = half_alpha * total * (1 + 1e-9);

		if (!c)
			return BT_ENOMEM;
		mwu_counts(m, n, L, c);
		/* k - 1 = j is admissible while cum(j) <= bound */
		for (size_t j = 0; j <= L; j++) {
			cum += c[j];
			if ((double)cum > bound)
				break;
			k = j + 1;
		}
		free(c);
		if (k < 1)
			k = 1;
	} else {
		double z = bt_dist_normal_quantile(1 - half_alpha);
		double s = sqrt((double)N * (double)(m + n + 1) / 12);
		double kk = floor((double)N / 2 + 0.5 - z * s);
		k = kk < 1 ? 1 : (size_t)kk;
	}
	if (k > kmax)
		k = kmax;
	*kout = k;
	return 0;
}

static int hl_core(const double *x, size_t nx, const double *y, size_t ny,
		   double level, double *shift, double *lo, double *hi)
{
	size_t N, k, h;
	double *d, med, l, u;
	int rc;

	if (!x || !y || nx == 0 || ny == 0 || !bt__all_finite(x, nx) ||
	    !bt__all_finite(y, ny) || !(level > 0 && level < 1))
		return BT_EINVAL;
	if (ny > SIZE_MAX / sizeof(double) / nx)
		return BT_ENOMEM;
	N = nx * ny;
	rc = hl_rank(nx, ny, level, &k);
	if (rc)
		return rc;
	d = malloc(N * sizeof *d);
	if (!d)
		return BT_ENOMEM;
	for (size_t i = 0; i < nx; i++)
		for (size_t j = 0; j < ny; j++)
			d[i * ny + j] = y[j] - x[i];
	/* Order statistics by three selections: the upper bound d_(N+1-k)
	 * (0-based N-k) on everything, then the lower bound and the median
	 * among the N-k values below it (N-k >= N/2, so both lie there). */
	h = N / 2;
	u = select_kth(d, N, N - k);
	l = k - 1 == N - k ? u : select_kth(d, N - k, k - 1);
	if (N % 2)
		med = h == N - k ? u : select_kth(d, N - k, h);
	else {
		double a = select_kth(d, N - k, h - 1);
		double b = h == N - k ? u : select_kth(d + h, N - k - h, 0);
		med = (a + b) / 2;
	}
	if (lo)
		*lo = l;
	if (hi)
		*hi = u;
	if (shift)
		*shift = med;
	free(d);
	return 0;
}

int bt_hodges_lehmann(const double *x, size_t nx, const double *y, size_t ny,
		      double level, double *shift, double *lo, double *hi)
{
	return hl_core(x, nx, y, ny, level, shift, lo, hi);
}

int bt_hodges_lehmann_ratio(const double *x, size_t nx, const double *y,
			    size_t ny, double level, double *ratio,
			    double *lo, double *hi)
{
	double *lx, *ly, s = NAN, l = NAN, h = NAN;
	int rc;

	if (!x || !y || nx == 0 || ny == 0)
		return BT_EINVAL;
	for (size_t i = 0; i < nx; i++)
		if (!(x[i] > 0) || isinf(x[i]))
			return BT_EINVAL;
	for (size_t j = 0; j < ny; j++)
		if (!(y[j] > 0) || isinf(y[j]))
			return BT_EINVAL;
	lx = malloc((nx + ny) * sizeof *lx);
	if (!lx)
		return BT_ENOMEM;
	ly = lx + nx;
	for (size_t i = 0; i < nx; i++)
		lx[i] = log(x[i]);
	for (size_t j = 0; j < ny; j++)
		ly[j] = log(y[j]);
	rc = hl_core(lx, nx, ly, ny, level, &s, &l, &h);
	free(lx);
	if (rc)
		return rc;
	if (ratio)
		*ratio = exp(s);
	if (lo)
		*lo = exp(l);
	if (hi)
		*hi = exp(h);
	return 0;
}

/* --- multiple testing -------------------------------------------------------- */

struct pidx {
	double p;
	size_t i;
};

static int cmp_pidx(const void *a, const void *b)
{
	const struct pidx *x = a, *y = b;
	if (x->p != y->p)
		return (x->p > y->p) - (x->p < y->p);
	return (x->i > y->i) - (x->i < y->i);
}

/* Sorted non-NAN p-values with their indices; NULL on OOM (*m = count). */
static struct pidx *sorted_p(const double *p, size_t n, size_t *m)
{
	struct pidx *s = malloc((n ? n : 1) * sizeof *s);
	size_t k = 0;

	*m = 0;
	for (size_t i = 0; i < n; i++)
		if (!isnan(p[i]))
			k++;
	*m = k;
	if (!s)
		return NULL;
	k = 0;
	for (size_t i = 0; i < n; i++)
		if (!isnan(p[i]))
			s[k++] = (struct pidx){p[i], i};
	qsort(s, k, sizeof *s, cmp_pidx);
	return s;
}

/* Out of memory: Bonferroni, an upper bound of both corrections. */
static void bonferroni(const double *p, size_t n, size_t m, double *adj)
{
	for (size_t i = 0; i < n; i++)
		adj[i] = isnan(p[i]) ? NAN : fmin(1.0, (double)m * p[i]);
}

/* The start of Holm and BH: the m non-NaN p-values of p sorted, with
 * adj[i] = NAN where p[i] is NaN (the caller frees the array). NULL, with
 * adj filled by the Bonferroni fallback, when sorted_p gives none. */
static struct pidx *adjust_start(const double *p, size_t n, size_t *m,
				 double *adj)
{
	struct pidx *s = sorted_p(p, n, m);

	if (!s) {
		bonferroni(p, n, *m, adj);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		if (isnan(p[i]))
			adj[i] = NAN;
	return s;
}

void bt_p_adjust_holm(const double *p, size_t n, double *adj)
{
	size_t m;
	struct pidx *s = adjust_start(p, n, &m, adj);
	double run = 0;

	if (!s)
		return;
	for (size_t r = 0; r < m; r++) {
		double v = (double)(m - r) * s[r].p;
		if (v > run)
			run = v;
		adj[s[r].i] = run > 1 ? 1 : run;
	}
	free(s);
}

void bt_p_adjust_bh(const double *p, size_t n, double *adj)
{
	size_t m;
	struct pidx *s = adjust_start(p, n, &m, adj);
	double run = INFINITY;

	if (!s)
		return;
	for (size_t r = m; r-- > 0;) {
		double v = (double)m / (double)(r + 1) * s[r].p;
		if (v < run)
			run = v;
		adj[s[r].i] = run > 1 ? 1 : run;
	}
	free(s);
}
