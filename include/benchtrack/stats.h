/* Descriptive statistics of benchmark samples.
 *
 * Every estimator is a named, unit-tested function. Functions named *_sorted
 * require their input sorted ascending (use bt_stats_sort). None allocates
 * except bt_stats_summarize. For n == 0 every estimator returns NAN (counts
 * return 0); std/cv need n >= 2 and return NAN otherwise.
 */
#ifndef BENCHTRACK_STATS_H
#define BENCHTRACK_STATS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Welford's online mean/variance. Zero-initialise, then push. */
struct bt_welford {
	size_t n;
	double mean;
	double m2; /* sum of squared deviations from the running mean */
};
void bt_welford_push(struct bt_welford *w, double x);
/* Sample variance (ddof = 1); NAN below 2 values. */
double bt_welford_variance(const struct bt_welford *w);

/* Sorts x ascending in place (NaNs last). */
void bt_stats_sort(double *x, size_t n);

double bt_stats_mean(const double *x, size_t n);
/* Sample variance / standard deviation with ddof = 1, computed by Welford. */
double bt_stats_variance(const double *x, size_t n);
double bt_stats_std(const double *x, size_t n);
double bt_stats_min(const double *x, size_t n);
double bt_stats_max(const double *x, size_t n);
/* Coefficient of variation std / |mean|; NAN when mean == 0 or n < 2. */
double bt_stats_cv(const double *x, size_t n);

/* Percentile p in [0, 100] by linear interpolation between closest ranks
 * (Hyndman-Fan type 7, numpy.percentile's default). p outside [0,100]
 * gives NAN. */
double bt_stats_percentile_sorted(const double *sorted, size_t n, double p);
double bt_stats_median_sorted(const double *sorted, size_t n);
/* Interquartile range p75 - p25 (type 7). */
double bt_stats_iqr_sorted(const double *sorted, size_t n);
/* Median absolute deviation from the median, unscaled (no 1.4826). */
double bt_stats_mad_sorted(const double *sorted, size_t n);

/* Distribution-free confidence interval of the median from order
 * statistics: the narrowest symmetric pair (x_(k), x_(n-k+1)) whose exact
 * binomial(n, 1/2) coverage is >= level (e.g. 0.95). When n is too small to
 * reach the level (n < 6 for 0.95) the interval is [min, max]. Returns 0, or
 * BT_EINVAL for n == 0 or level outside (0,1). */
int bt_stats_median_ci_sorted(const double *sorted, size_t n, double level,
			      double *lo, double *hi);

/* Outliers by Tukey's fences: values below p25 - k*IQR or above
 * p75 + k*IQR (k = 1.5 conventionally). */
size_t bt_stats_outliers_tukey_sorted(const double *sorted, size_t n, double k);
/* Outliers by the MAD rule: |x - median| > k * 1.4826 * MAD (k = 3
 * conventionally); 0 when MAD == 0. */
size_t bt_stats_outliers_mad_sorted(const double *sorted, size_t n, double k);

/* All summary statistics of one metric's samples. */
struct bt_stats {
	size_t n;
	double mean, median, std, min, max;
	double p5, p25, p75, p95, p99;
	double mad;            /* unscaled */
	double iqr;
	double cv;             /* std / mean */
	double ci_level;       /* 0.95 */
	double median_ci_low;  /* bt_stats_median_ci_sorted at ci_level */
	double median_ci_high;
	size_t outliers;       /* Tukey, k = 1.5 */
};

/* Fills *out from n samples (x is not modified; a sorted copy is made).
 * n == 0 gives n = 0 and NAN everywhere. Returns 0 or BT_ENOMEM. */
int bt_stats_summarize(const double *x, size_t n, struct bt_stats *out);

#ifdef __cplusplus
}
#endif
#endif
