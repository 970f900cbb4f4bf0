/* Descriptive statistics of benchmark samples (contract in
 * include/benchtrack/stats.h).
 *
 * NaN inputs are not rejected: they sort last, and the estimators that
 * look at every value (mean, variance, min, max) return NAN when one is
 * present. Estimators on sorted input read the NaNs like any value at the
 * end of the array, so callers wanting meaningful order statistics should
 * drop NaNs first.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "benchtrack.h"

void bt_welford_push(struct bt_welford *w, double x)
{
	double delta = x - w->mean;

	w->n++;
	w->mean += delta / (double)w->n;
	w->m2 += delta * (x - w->mean);
}

double bt_welford_variance(const struct bt_welford *w)
{
	if (w->n < 2)
		return NAN;
	return w->m2 / (double)(w->n - 1);
}

/* Ascending total order on doubles with every NaN after every number. */
static int cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	if (isnan(a))
		return isnan(b) ? 0 : 1;
	if (isnan(b))
		return -1;
	return (a > b) - (a < b);
}

void bt_stats_sort(double *x, size_t n)
{
	if (n > 1)
		qsort(x, n, sizeof(*x), cmp_double);
}

/* Neumaier-compensated sum: the mean of millions of samples keeps its
 * last digits. Falls back to the plain sum when it is not finite (the
 * compensation would turn inf into NaN). */
double bt_stats_mean(const double *x, size_t n)
{
	double sum = 0.0, c = 0.0;
	size_t i;

	if (n == 0)
		return NAN;
	for (i = 0; i < n; i++) {
		double t = sum + x[i];

		if (fabs(sum) >= fabs(x[i]))
			c += (sum - t) + x[i];
		else
			c += (x[i] - t) + sum;
		sum = t;
	}
	if (!isfinite(sum))
		return sum / (double)n;
	return (sum + c) / (double)n;
}

/* Welford on the values shifted by x[0]: the variance does not change, and
 * large values with a small spread (nanosecond timestamps around 1e9) keep
 * their digits (unshifted, 1e9 + {0..3} loses ~1e-10 relative). */
double bt_stats_variance(const double *x, size_t n)
{
	struct bt_welford w = { 0 };
	double shift;
	size_t i;

	if (n < 2)
		return NAN;
	shift = isfinite(x[0]) ? x[0] : 0.0;
	for (i = 0; i < n; i++)
		bt_welford_push(&w, x[i] - shift);
	return bt_welford_variance(&w);
}

double bt_stats_std(const double *x, size_t n)
{
	return sqrt(bt_stats_variance(x, n)); /* sqrt(NAN) is NAN */
}

/* The smallest (dir < 0) or largest (dir > 0) of x; NAN when n is 0 or
 * any value is NaN. */
static double extreme(const double *x, size_t n, int dir)
{
	double m;
	size_t i;

	if (n == 0)
		return NAN;
	m = x[0];
	for (i = 0; i < n; i++) {
		if (isnan(x[i]))
			return NAN;
		if (dir < 0 ? x[i] < m : x[i] > m)
			m = x[i];
	}
	return m;
}

double bt_stats_min(const double *x, size_t n)
{
	return extreme(x, n, -1);
}

double bt_stats_max(const double *x, size_t n)
{
	return extreme(x, n, 1);
}

double bt_stats_cv(const double *x, size_t n)
{
	double mean;

	if (n < 2)
		return NAN;
	mean = bt_stats_mean(x, n);
	if (mean == 0.0)
		return NAN;
	return bt_stats_std(x, n) / fabs(mean);
}

/* Linear interpolation as numpy 1.24 does it (_lerp): from a when t < 0.5
 * and from b otherwise, so t = 0 gives a and t = 1 gives b exactly. */
static double lerp(double a, double b, double t)
{
	double d = b - a;

	if (a == b)
		return a;
	if (t < 0.5)
		return a + d * t;
	return b - d * (1.0 - t);
}

double bt_stats_percentile_sorted(const double *sorted, size_t n, double p)
{
	double h, lo;
	size_t i;

	if (n == 0 || !(p >= 0.0 && p <= 100.0))
		return NAN;
	/* numpy: virtual index (n - 1) * (p / 100), split into floor and
	 * fraction. */
	h = (double)(n - 1) * (p / 100.0);
	lo = floor(h);
	i = (size_t)lo;
	if (i >= n - 1)
		return sorted[n - 1];
	return lerp(sorted[i], sorted[i + 1], h - lo);
}

double bt_stats_median_sorted(const double *sorted, size_t n)
{
	return bt_stats_percentile_sorted(sorted, n, 50.0);
}

double bt_stats_iqr_sorted(const double *sorted, size_t n)
{
	return bt_stats_percentile_sorted(sorted, n, 75.0) -
	       bt_stats_percentile_sorted(sorted, n, 25.0);
}

/* The deviations |x - m| of a sorted array from its median form two
 * ascending runs: leftwards from the median and rightwards from it.
 * Merging the two runs gives the deviations in ascending order without a
 * copy; the median of the deviations needs only the middle one or two. */
double bt_stats_mad_sorted(const double *sorted, size_t n)
{
	size_t lo_rank = (n - 1) / 2, hi_rank = n / 2;
	size_t left, right, s, r;
	double m, d = 0.0, d_lo = 0.0;

	if (n == 0)
		return NAN;
	m = bt_stats_median_sorted(sorted, n);

	/* s: first index with sorted[s] >= m (binary search) */
	left = 0;
	right = n;
	while (left < right) {
		size_t mid = left + (right - left) / 2;

		if (sorted[mid] < m)
			left = mid + 1;
		else
			right = mid;
	}
	s = left;

	/* left run: indices s-1 down to 0 (stored as left = count left);
	 * right run: indices s up to n-1 */
	left = s;
	right = s;
	for (r = 0; r <= hi_rank; r++) {
		double dl = 0.0, dr = 0.0;
		int take_left;

		if (left > 0)
			dl = m - sorted[left - 1];
		if (right < n)
			dr = sorted[right] - m;
		if (left == 0)
			take_left = 0;
		else if (right == n)
			take_left = 1;
		else
			take_left = dl <= dr;
		if (take_left) {
			d = dl;
			left--;
		} else {
			d = dr;
			right++;
		}
		if (r == lo_rank)
			d_lo = d;
	}
	if (lo_rank == hi_rank)
		return d_lo;
	return lerp(d_lo, d, 0.5);
}

/* Largest k >= 1 such that P(k <= K <= n - k) >= level for K ~ Bin(n, 1/2),
 * i.e. 2 * P(K <= k - 1) <= 1 - level. The cumulative sum runs over the
 * exact terms C(n, i) by the recurrence C(n, i+1) = C(n, i) (n - i)/(i + 1)
 * in a scaled linear domain: term and sum are divided by 2^900 whenever
 * the sum passes 2^930 and the scale is kept as a power of two, so there
 * is no overflow or underflow for any n and no lgamma (not reentrant).
 * The loop stops at the first rank that misses the level, about
 * n/2 - sqrt(n) steps: a few milliseconds for millions of samples. A
 * relative slack of 1e-9 keeps a level equal to an exact coverage value
 * (e.g. 1 - 22/1024 for n = 10) on the inclusive side. */
static size_t median_ci_rank(size_t n, double level)
{
	double log2_thr, thr, term = 1.0, sum = 0.0;
	long scale = 0; /* true value = scaled value * 2^scale */
	size_t i, k = 1;

	/* valid k = i + 1 iff C-sum(0..i) <= (1 - level) / 2 * 2^n */
	log2_thr = log2((1.0 - level) / 2.0) + (double)n;
	log2_thr += log2(1.0 + 1e-9);
	thr = exp2(log2_thr);
	for (i = 0; i < n / 2; i++) {
		sum += term;
		if (sum > 0x1p930) {
			sum = ldexp(sum, -900);
			term = ldexp(term, -900);
			scale += 900;
			thr = exp2(log2_thr - (double)scale);
		}
		if (!(sum <= thr))
			break;
		k = i + 1; /* 2 * P(K <= i) <= 1 - level */
		term = term * (double)(n - i) / (double)(i + 1);
	}
	/* k <= (n + 1) / 2 so that x_(k) <= x_(n-k+1) */
	if (k > (n + 1) / 2)
		k = (n + 1) / 2;
	if (k < 1)
		k = 1;
	return k;
}

int bt_stats_median_ci_sorted(const double *sorted, size_t n, double level,
			      double *lo, double *hi)
{
	size_t k;

	if (n == 0 || !(level > 0.0 && level < 1.0)) {
		*lo = NAN;
		*hi = NAN;
		return BT_EINVAL;
	}
	k = median_ci_rank(n, level);
	*lo = sorted[k - 1];
	*hi = sorted[n - k];
	return 0;
}

size_t bt_stats_outliers_tukey_sorted(const double *sorted, size_t n, double k)
{
	double q1, q3, iqr, lo, hi;
	size_t i, count = 0;

	if (n == 0)
		return 0;
	q1 = bt_stats_percentile_sorted(sorted, n, 25.0);
	q3 = bt_stats_percentile_sorted(sorted, n, 75.0);
	iqr = q3 - q1;
	lo = q1 - k * iqr;
	hi = q3 + k * iqr;
	for (i = 0; i < n; i++)
		if (sorted[i] < lo || sorted[i] > hi)
			count++;
	return count;
}

size_t bt_stats_outliers_mad_sorted(const double *sorted, size_t n, double k)
{
	double med, mad, limit;
	size_t i, count = 0;

	if (n == 0)
		return 0;
	mad = bt_stats_mad_sorted(sorted, n);
	if (!(mad > 0.0))
		return 0; /* MAD == 0 (or NaN) */
	med = bt_stats_median_sorted(sorted, n);
	limit = k * 1.4826 * mad;
	for (i = 0; i < n; i++)
		if (fabs(sorted[i] - med) > limit)
			count++;
	return count;
}

int bt_stats_summarize(const double *x, size_t n, struct bt_stats *out)
{
	double *s;

	memset(out, 0, sizeof(*out));
	out->n = n;
	if (n == 0) {
		out->mean = out->median = out->std = NAN;
		out->min = out->max = NAN;
		out->p5 = out->p25 = out->p75 = out->p95 = out->p99 = NAN;
		out->mad = out->iqr = out->cv = NAN;
		out->ci_level = NAN;
		out->median_ci_low = out->median_ci_high = NAN;
		out->outliers = 0;
		return 0;
	}
	s = malloc(n * sizeof(*s));
	if (!s) {
		out->n = 0;
		return BT_ENOMEM;
	}
	memcpy(s, x, n * sizeof(*s));
	bt_stats_sort(s, n);

	out->mean = bt_stats_mean(x, n);
	out->std = bt_stats_std(x, n);
	out->min = bt_stats_min(x, n);
	out->max = bt_stats_max(x, n);
	out->cv = bt_stats_cv(x, n);
	out->median = bt_stats_median_sorted(s, n);
	out->p5 = bt_stats_percentile_sorted(s, n, 5.0);
	out->p25 = bt_stats_percentile_sorted(s, n, 25.0);
	out->p75 = bt_stats_percentile_sorted(s, n, 75.0);
	out->p95 = bt_stats_percentile_sorted(s, n, 95.0);
	out->p99 = bt_stats_percentile_sorted(s, n, 99.0);
	out->mad = bt_stats_mad_sorted(s, n);
	out->iqr = out->p75 - out->p25;
	out->ci_level = 0.95;
	bt_stats_median_ci_sorted(s, n, out->ci_level, &out->median_ci_low,
				  &out->median_ci_high);
	out->outliers = bt_stats_outliers_tukey_sorted(s, n, 1.5);
	free(s);
	return 0;
}
