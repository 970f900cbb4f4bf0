/* Unit tests of lib/stats.c: every estimator against the SciPy/NumPy
 * reference values in tests/fixtures/stats-reference.json, plus
 * hand-worked vectors for the median CI, outlier rules, edge cases. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "benchtrack.h"

#ifndef BT_SOURCE_DIR
#error "BT_SOURCE_DIR must be defined"
#endif
#define REF_PATH BT_SOURCE_DIR "/tests/fixtures/stats-reference.json"
#include "refdata.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* got == want within tol = rel * max(|want|, scale); a NaN want needs a NaN
 * got. scale is the magnitude of the data for location estimates (so a
 * percentile that happens to be ~0 in data of order 1 gets an absolute
 * tolerance), 0 for spread estimates (pure relative; exact 0 stays 0). */
static void check_close_scaled(const char *ctx, const char *what, double got,
			       double want, double rel, double scale)
{
	double tol = rel * fmax(fabs(want), scale);

	if (isnan(want)) {
		if (!isnan(got))
			print_error("%s: %s = %.17g, want nan\n", ctx, what,
				    got);
		assert_true(isnan(got));
		return;
	}
	if (!(fabs(got - want) <= tol))
		print_error("%s: %s = %.17g, want %.17g (tol %.3g)\n", ctx,
			    what, got, want, tol);
	assert_true(fabs(got - want) <= tol);
}

/* Hand-worked values: relative 1e-12, absolute 1e-12 near zero. */
static void check_close(const char *what, double got, double want)
{
	check_close_scaled("hand", what, got, want, 1e-12, 1.0);
}

static void check_nan(const char *what, double got)
{
	if (!isnan(got))
		print_error("%s = %.17g, want nan\n", what, got);
	assert_true(isnan(got));
}

/* One sample of one case: malloc'd values, name for messages. */
struct sample {
	char ctx[160];
	double *x;
	size_t n;
	double scale; /* max |x| */
	const json_t *stats;
};

static void sample_load(struct sample *s, const json_t *c, const char *which)
{
	const char *name = json_string_value(json_object_get(c, "name"));
	char key[16];
	json_t *arr = json_object_get(c, which);
	size_t i;

	snprintf(s->ctx, sizeof(s->ctx), "case %s, %s", name ? name : "?",
		 which);
	assert_non_null(arr);
	assert_true(json_is_array(arr));
	s->n = json_array_size(arr);
	assert_true(s->n > 0);
	s->x = malloc(s->n * sizeof(*s->x));
	assert_non_null(s->x);
	s->scale = 0.0;
	for (i = 0; i < s->n; i++) {
		s->x[i] = jnum(json_array_get(arr, i), s->ctx, "value");
		s->scale = fmax(s->scale, fabs(s->x[i]));
	}
	snprintf(key, sizeof(key), "%s_stats", which);
	s->stats = json_object_get(c, key);
	assert_non_null(s->stats);
}

static const double ref_pcts[] = { 5, 25, 75, 95, 99 };
static const char *const ref_pct_keys[] = { "5", "25", "75", "95", "99" };

static void check_sample(const struct sample *s)
{
	const json_t *pct = json_object_get(s->stats, "percentiles_linear");
	double *sorted;
	size_t i;

	assert_non_null(pct);
	if ((double)s->n != jget(s->stats, "n", s->ctx))
		print_error("%s: n = %zu\n", s->ctx, s->n);
	assert_true((double)s->n == jget(s->stats, "n", s->ctx));

	sorted = malloc(s->n * sizeof(*sorted));
	assert_non_null(sorted);
	memcpy(sorted, s->x, s->n * sizeof(*sorted));
	bt_stats_sort(sorted, s->n);
	for (i = 1; i < s->n; i++)
		assert_true(sorted[i - 1] <= sorted[i]);

	check_close_scaled(s->ctx, "mean", bt_stats_mean(s->x, s->n),
			   jget(s->stats, "mean", s->ctx), 1e-12, s->scale);
	check_close_scaled(s->ctx, "median",
			   bt_stats_median_sorted(sorted, s->n),
			   jget(s->stats, "median", s->ctx), 1e-12, s->scale);
	check_close_scaled(s->ctx, "std", bt_stats_std(s->x, s->n),
			   jget(s->stats, "std_ddof1", s->ctx), 1e-12, 0.0);
	check_close_scaled(s->ctx, "mad", bt_stats_mad_sorted(sorted, s->n),
			   jget(s->stats, "mad_unscaled", s->ctx), 1e-12, 0.0);
	for (i = 0; i < ARRAY_SIZE(ref_pcts); i++) {
		char what[32];

		snprintf(what, sizeof(what), "p%s", ref_pct_keys[i]);
		check_close_scaled(s->ctx, what,
				   bt_stats_percentile_sorted(sorted, s->n,
							      ref_pcts[i]),
				   jget(pct, ref_pct_keys[i], s->ctx), 1e-12,
				   s->scale);
	}
	free(sorted);
}

/* The same values through bt_stats_summarize; x must stay unmodified. */
static void check_summary(const struct sample *s)
{
	const json_t *pct = json_object_get(s->stats, "percentiles_linear");
	struct bt_stats st;
	double *copy = malloc(s->n * sizeof(*copy));
	double p25, p75;

	assert_non_null(copy);
	memcpy(copy, s->x, s->n * sizeof(*copy));
	assert_int_equal(bt_stats_summarize(s->x, s->n, &st), 0);
	assert_memory_equal(copy, s->x, s->n * sizeof(*copy));
	free(copy);

	assert_int_equal(st.n, s->n);
	check_close_scaled(s->ctx, "summary mean", st.mean,
			   jget(s->stats, "mean", s->ctx), 1e-12, s->scale);
	check_close_scaled(s->ctx, "summary median", st.median,
			   jget(s->stats, "median", s->ctx), 1e-12, s->scale);
	check_close_scaled(s->ctx, "summary std", st.std,
			   jget(s->stats, "std_ddof1", s->ctx), 1e-12, 0.0);
	check_close_scaled(s->ctx, "summary mad", st.mad,
			   jget(s->stats, "mad_unscaled", s->ctx), 1e-12, 0.0);
	check_close_scaled(s->ctx, "summary p5", st.p5,
			   jget(pct, "5", s->ctx), 1e-12, s->scale);
	p25 = jget(pct, "25", s->ctx);
	p75 = jget(pct, "75", s->ctx);
	check_close_scaled(s->ctx, "summary p25", st.p25, p25, 1e-12,
			   s->scale);
	check_close_scaled(s->ctx, "summary p75", st.p75, p75, 1e-12,
			   s->scale);
	check_close_scaled(s->ctx, "summary p95", st.p95,
			   jget(pct, "95", s->ctx), 1e-12, s->scale);
	check_close_scaled(s->ctx, "summary p99", st.p99,
			   jget(pct, "99", s->ctx), 1e-12, s->scale);
	check_close_scaled(s->ctx, "summary iqr", st.iqr, p75 - p25, 1e-12,
			   s->scale);
	assert_true(st.min <= st.median_ci_low);
	assert_true(st.median_ci_low <= st.median);
	assert_true(st.median <= st.median_ci_high);
	assert_true(st.median_ci_high <= st.max);
	assert_true(st.ci_level == 0.95);
}

static void for_each_sample(void (*fn)(const struct sample *))
{
	json_t *cases;
	size_t i, checked = 0;

	assert_non_null(ref);
	cases = json_object_get(ref, "cases");
	assert_true(json_is_array(cases));
	assert_true(json_array_size(cases) >= 58);
	for (i = 0; i < json_array_size(cases); i++) {
		static const char *const which[] = { "x", "y" };
		size_t j;

		for (j = 0; j < ARRAY_SIZE(which); j++) {
			struct sample s;

			sample_load(&s, json_array_get(cases, i), which[j]);
			fn(&s);
			free(s.x);
			checked++;
		}
	}
	assert_int_equal(checked, 2 * json_array_size(cases));
}

static void test_reference_estimators(void **state)
{
	(void)state;
	for_each_sample(check_sample);
}

static void test_reference_summarize(void **state)
{
	(void)state;
	for_each_sample(check_summary);
}

static void test_welford(void **state)
{
	static const double x[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
	struct bt_welford w = { 0 };
	size_t i;

	(void)state;
	check_nan("variance of nothing", bt_welford_variance(&w));
	bt_welford_push(&w, 2);
	check_nan("variance of one", bt_welford_variance(&w));
	w = (struct bt_welford){ 0 };
	for (i = 0; i < ARRAY_SIZE(x); i++)
		bt_welford_push(&w, x[i]);
	assert_int_equal(w.n, 8);
	check_close("welford mean", w.mean, 5.0);
	check_close("welford m2", w.m2, 32.0);
	check_close("welford variance", bt_welford_variance(&w), 32.0 / 7.0);
	check_close("variance", bt_stats_variance(x, 8), 32.0 / 7.0);
	check_close("std", bt_stats_std(x, 8), sqrt(32.0 / 7.0));
}

/* Welford stays accurate on large values with a small spread, where the
 * textbook sum-of-squares formula loses every digit. */
static void test_variance_large_offset(void **state)
{
	double x[1000];
	size_t i;

	(void)state;
	/* 1e9 + {0,1,2,3} repeated: variance of {0,1,2,3} * 1000 values */
	for (i = 0; i < ARRAY_SIZE(x); i++)
		x[i] = 1e9 + (double)(i % 4);
	/* sum of squared deviations: 250 * (2.25 + .25 + .25 + 2.25) */
	check_close("variance offset", bt_stats_variance(x, 1000),
		    1250.0 / 999.0);
	check_close("mean offset", bt_stats_mean(x, 1000), 1e9 + 1.5);
}

static void test_cv(void **state)
{
	static const double x[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
	static const double neg[] = { -2, -4, -4, -4, -5, -5, -7, -9 };
	static const double zero_mean[] = { -1, 1 };
	static const double one[] = { 3 };

	(void)state;
	check_close("cv", bt_stats_cv(x, 8), sqrt(32.0 / 7.0) / 5.0);
	/* |mean|: a negative mean gives a positive cv */
	check_close("cv negative", bt_stats_cv(neg, 8), sqrt(32.0 / 7.0) / 5.0);
	check_nan("cv zero mean", bt_stats_cv(zero_mean, 2));
	check_nan("cv n=1", bt_stats_cv(one, 1));
	check_nan("cv n=0", bt_stats_cv(NULL, 0));
}

static void test_percentile_hand(void **state)
{
	static const double x[] = { 1, 2, 3, 4 };

	(void)state;
	check_close("p50", bt_stats_percentile_sorted(x, 4, 50), 2.5);
	check_close("p10", bt_stats_percentile_sorted(x, 4, 10), 1.3);
	check_close("p90", bt_stats_percentile_sorted(x, 4, 90), 3.7);
	check_close("p0", bt_stats_percentile_sorted(x, 4, 0), 1);
	check_close("p100", bt_stats_percentile_sorted(x, 4, 100), 4);
	check_close("median", bt_stats_median_sorted(x, 4), 2.5);
	/* p25 = 1.75, p75 = 3.25 */
	check_close("iqr", bt_stats_iqr_sorted(x, 4), 1.5);
	check_nan("p<0", bt_stats_percentile_sorted(x, 4, -0.1));
	check_nan("p>100", bt_stats_percentile_sorted(x, 4, 100.1));
	check_nan("p=nan", bt_stats_percentile_sorted(x, 4, NAN));
	check_close("odd median", bt_stats_median_sorted(x, 3), 2);
}

static void test_mad_hand(void **state)
{
	/* median 2; |dev| 1 1 0 0 2 4 7 -> sorted 0 0 1 1 2 4 7 */
	static const double odd[] = { 1, 1, 2, 2, 4, 6, 9 };
	/* median 51.5; |dev| 50.5 49.5 48.5 48.5 49.5 948.5 */
	static const double even[] = { 1, 2, 3, 100, 101, 1000 };
	/* median 3; |dev| 2 1 1 5 -> 1 1 2 5 -> 1.5 */
	static const double skew[] = { 1, 2, 4, 8 };
	static const double constant[] = { 7, 7, 7 };

	(void)state;
	check_close("mad odd", bt_stats_mad_sorted(odd, 7), 1.0);
	check_close("mad even", bt_stats_mad_sorted(even, 6), 49.5);
	check_close("mad skew", bt_stats_mad_sorted(skew, 4), 1.5);
	check_close("mad constant", bt_stats_mad_sorted(constant, 3), 0.0);
	check_close("mad n=1", bt_stats_mad_sorted(constant, 1), 0.0);
	check_close("mad n=2", bt_stats_mad_sorted(skew, 2), 0.5);
}

/* bt_stats_median_ci_sorted(x, n, level) succeeds with [want_lo, want_hi]. */
static void check_median_ci(const char *what, const double *x, size_t n, double level,
			    double want_lo, double want_hi)
{
	double lo, hi;
	char name[96];

	assert_int_equal(bt_stats_median_ci_sorted(x, n, level, &lo, &hi), 0);
	snprintf(name, sizeof name, "%s lo", what);
	check_close(name, lo, want_lo);
	snprintf(name, sizeof name, "%s hi", what);
	check_close(name, hi, want_hi);
}

static void test_median_ci_n10(void **state)
{
	static const double x[] = { 10, 20, 30, 40, 50, 60, 70, 80, 90, 100 };

	(void)state;
	/* Bin(10, .5): P(K <= 1) = 11/1024, P(K <= 2) = 56/1024.
	 * k = 2: coverage 1 - 22/1024 = 0.978515625 >= .95;
	 * k = 3: 1 - 112/1024 = 0.890625 < .95. Ranks 2 and 9. */
	check_median_ci("n10", x, 10, 0.95, 20, 90);
	/* the exact coverage is still reached (>=) */
	check_median_ci("n10 at exact coverage", x, 10, 0.978515625, 20, 90);
	/* just above it, k = 1: coverage 1 - 2/1024 */
	check_median_ci("n10 .9786", x, 10, 0.9786, 10, 100);
	/* level .89 allows k = 3: ranks 3 and 8 */
	check_median_ci("n10 .89", x, 10, 0.89, 30, 80);
}

static void test_median_ci_small(void **state)
{
	static const double x[] = { 1, 2, 3, 4, 5, 6 };

	(void)state;
	/* n = 5: best coverage 1 - 2/32 = 0.9375 < .95 -> [min, max] */
	check_median_ci("n5", x, 5, 0.95, 1, 5);
	/* n = 6 reaches .95 only with k = 1 (0.96875) */
	check_median_ci("n6", x, 6, 0.95, 1, 6);
	/* n = 6 at level .75: k = 2 gives 1 - 14/64 = 0.78125 */
	check_median_ci("n6 .75", x, 6, 0.75, 2, 5);
	/* n = 1: the single value */
	check_median_ci("n1", x + 2, 1, 0.95, 3, 3);
}

static void test_median_ci_n20(void **state)
{
	double x[20];
	size_t i;

	(void)state;
	for (i = 0; i < 20; i++)
		x[i] = (double)(i + 1) * 1.5;
	/* P(K <= 5) = 21700/2^20: coverage 1 - 43400/2^20 = 0.9586;
	 * P(K <= 6) = 60460/2^20: 0.8847. Ranks 6 and 15. */
	check_median_ci("n20", x, 20, 0.95, 6 * 1.5, 15 * 1.5);
	/* .99: P(K <= 3) = 1351/2^20 -> 0.99742; P(K <= 4) = 6196/2^20 ->
	 * 0.98818. Ranks 4 and 17. */
	check_median_ci("n20 .99", x, 20, 0.99, 4 * 1.5, 17 * 1.5);
}

/* log P(K <= j) for K ~ Bin(n, 1/2), summed from j downwards with lgamma
 * (an independent method from the library's recurrence). */
static double log_binom_cdf_half(size_t n, size_t j)
{
	double lmax = 0.0, s = 0.0;
	size_t i;
	int first = 1;

	for (i = j + 1; i-- > 0;) {
		double l = lgamma((double)n + 1) - lgamma((double)i + 1) -
			   lgamma((double)(n - i) + 1) - (double)n * log(2.0);

		if (first) {
			lmax = l;
			first = 0;
		}
		s += exp(l - lmax);
		if (l - lmax < -50)
			break;
	}
	return lmax + log(s);
}

static void check_ci_rank(size_t n, double level, size_t want_k)
{
	double *x = malloc(n * sizeof(*x)), lo, hi;
	size_t i;

	assert_non_null(x);
	for (i = 0; i < n; i++)
		x[i] = (double)(i + 1);
	assert_int_equal(bt_stats_median_ci_sorted(x, n, level, &lo, &hi), 0);
	if (lo != (double)want_k || hi != (double)(n - want_k + 1))
		print_error("n=%zu level %g: [%g, %g], want ranks %zu, %zu\n",
			    n, level, lo, hi, want_k, n - want_k + 1);
	assert_true(lo == (double)want_k);
	assert_true(hi == (double)(n - want_k + 1));
	free(x);
}

static void test_median_ci_large(void **state)
{
	double *x, lo, hi, alpha_half = log(0.05 / 2);
	size_t n = 1000000, k;

	(void)state;
	/* ranks from exact integer arithmetic (Python fractions) */
	check_ci_rank(100, 0.95, 40);
	check_ci_rank(100, 0.99, 37);
	check_ci_rank(1000, 0.95, 469);
	check_ci_rank(1001, 0.99, 460);
	check_ci_rank(5000, 0.95, 2431);
	check_ci_rank(100000, 0.95, 49690);
	check_ci_rank(100000, 0.99, 49593);

	/* n = 10^6: k must satisfy P(K <= k-1) <= .025 < P(K <= k) */
	x = malloc(n * sizeof(*x));
	assert_non_null(x);
	for (k = 0; k < n; k++)
		x[k] = (double)k + 1;
	assert_int_equal(bt_stats_median_ci_sorted(x, n, 0.95, &lo, &hi), 0);
	k = (size_t)lo;
	assert_true(hi == (double)(n - k + 1));
	/* normal approximation: n/2 - 1.96 sqrt(n)/2 ~ 499020 */
	assert_true(k > 499000 && k < 499040);
	assert_true(log_binom_cdf_half(n, k - 1) <= alpha_half);
	assert_true(log_binom_cdf_half(n, k) > alpha_half);
	free(x);
}

static void test_median_ci_invalid(void **state)
{
	static const double x[] = { 1, 2, 3 };
	double lo = 0, hi = 0;

	(void)state;
	assert_int_equal(bt_stats_median_ci_sorted(x, 0, 0.95, &lo, &hi),
			 BT_EINVAL);
	check_nan("n0 lo", lo);
	check_nan("n0 hi", hi);
	assert_int_equal(bt_stats_median_ci_sorted(x, 3, 0.0, &lo, &hi),
			 BT_EINVAL);
	assert_int_equal(bt_stats_median_ci_sorted(x, 3, 1.0, &lo, &hi),
			 BT_EINVAL);
	assert_int_equal(bt_stats_median_ci_sorted(x, 3, -0.5, &lo, &hi),
			 BT_EINVAL);
	assert_int_equal(bt_stats_median_ci_sorted(x, 3, NAN, &lo, &hi),
			 BT_EINVAL);
}

static void test_outliers_tukey(void **state)
{
	/* p25 = 2.25, p75 = 6.75, iqr = 4.5: fences -4.5 and 13.5 */
	static const double two[] = { -50, 1, 2, 3, 4, 5, 6, 7, 8, 100 };
	/* p25 = 2, p75 = 4, iqr = 2: fences -1 and 7 (inclusive) */
	static const double on_fence[] = { -1, 2, 3, 4, 7 };
	static const double past_fence[] = { -1, 2, 3, 4, 7.5 };
	static const double constant[] = { 3, 3, 3, 3 };

	(void)state;
	assert_int_equal(bt_stats_outliers_tukey_sorted(two, 10, 1.5), 2);
	/* k = 10: fences -42.75 and 51.75 */
	assert_int_equal(bt_stats_outliers_tukey_sorted(two, 10, 10), 2);
	/* k = 15: fences -65.25 and 74.25: only 100 */
	assert_int_equal(bt_stats_outliers_tukey_sorted(two, 10, 15), 1);
	assert_int_equal(bt_stats_outliers_tukey_sorted(on_fence, 5, 1.5), 0);
	assert_int_equal(bt_stats_outliers_tukey_sorted(past_fence, 5, 1.5), 1);
	/* k = 0: everything outside [p25, p75] */
	assert_int_equal(bt_stats_outliers_tukey_sorted(on_fence, 5, 0), 2);
	assert_int_equal(bt_stats_outliers_tukey_sorted(constant, 4, 1.5), 0);
	assert_int_equal(bt_stats_outliers_tukey_sorted(NULL, 0, 1.5), 0);
}

static void test_outliers_mad(void **state)
{
	/* median 4, MAD 2: limit 3 * 1.4826 * 2 = 8.8956 */
	static const double one[] = { 1, 2, 3, 4, 5, 6, 100 };
	/* median 4, MAD 2: |12.9 - 4| = 8.9 > 8.8956 */
	static const double edge[] = { -4.8, 2, 3, 4, 5, 6, 12.9 };
	/* MAD 0 even though 9 is far: 0 by the rule */
	static const double zero_mad[] = { 5, 5, 5, 5, 9 };

	(void)state;
	assert_int_equal(bt_stats_outliers_mad_sorted(one, 7, 3), 1);
	/* |1 - 4| = 3 > 1 * 1.4826 * 2 = 2.9652: 1, 100 */
	assert_int_equal(bt_stats_outliers_mad_sorted(one, 7, 1), 2);
	/* |-4.8 - 4| = 8.8 is inside, 8.9 is outside */
	check_close("edge mad", bt_stats_mad_sorted(edge, 7), 2);
	assert_int_equal(bt_stats_outliers_mad_sorted(edge, 7, 3), 1);
	assert_int_equal(bt_stats_outliers_mad_sorted(zero_mad, 5, 3), 0);
	assert_int_equal(bt_stats_outliers_mad_sorted(NULL, 0, 3), 0);
}

static void test_empty(void **state)
{
	double lo, hi;
	struct bt_stats st;

	(void)state;
	check_nan("mean", bt_stats_mean(NULL, 0));
	check_nan("variance", bt_stats_variance(NULL, 0));
	check_nan("std", bt_stats_std(NULL, 0));
	check_nan("min", bt_stats_min(NULL, 0));
	check_nan("max", bt_stats_max(NULL, 0));
	check_nan("cv", bt_stats_cv(NULL, 0));
	check_nan("percentile", bt_stats_percentile_sorted(NULL, 0, 50));
	check_nan("median", bt_stats_median_sorted(NULL, 0));
	check_nan("iqr", bt_stats_iqr_sorted(NULL, 0));
	check_nan("mad", bt_stats_mad_sorted(NULL, 0));
	assert_int_equal(bt_stats_median_ci_sorted(NULL, 0, 0.95, &lo, &hi),
			 BT_EINVAL);
	bt_stats_sort(NULL, 0);

	memset(&st, 0x5a, sizeof(st));
	assert_int_equal(bt_stats_summarize(NULL, 0, &st), 0);
	assert_int_equal(st.n, 0);
	assert_int_equal(st.outliers, 0);
	check_nan("summary mean", st.mean);
	check_nan("summary median", st.median);
	check_nan("summary std", st.std);
	check_nan("summary min", st.min);
	check_nan("summary max", st.max);
	check_nan("summary p5", st.p5);
	check_nan("summary p25", st.p25);
	check_nan("summary p75", st.p75);
	check_nan("summary p95", st.p95);
	check_nan("summary p99", st.p99);
	check_nan("summary mad", st.mad);
	check_nan("summary iqr", st.iqr);
	check_nan("summary cv", st.cv);
	check_nan("summary ci low", st.median_ci_low);
	check_nan("summary ci high", st.median_ci_high);
}

static void test_single(void **state)
{
	static const double x[] = { 4.25 };
	struct bt_stats st;
	double lo, hi;

	(void)state;
	check_close("mean", bt_stats_mean(x, 1), 4.25);
	check_nan("variance", bt_stats_variance(x, 1));
	check_nan("std", bt_stats_std(x, 1));
	check_nan("cv", bt_stats_cv(x, 1));
	check_close("min", bt_stats_min(x, 1), 4.25);
	check_close("max", bt_stats_max(x, 1), 4.25);
	check_close("p5", bt_stats_percentile_sorted(x, 1, 5), 4.25);
	check_close("p99", bt_stats_percentile_sorted(x, 1, 99), 4.25);
	check_close("median", bt_stats_median_sorted(x, 1), 4.25);
	check_close("iqr", bt_stats_iqr_sorted(x, 1), 0);
	check_close("mad", bt_stats_mad_sorted(x, 1), 0);
	assert_int_equal(bt_stats_median_ci_sorted(x, 1, 0.95, &lo, &hi), 0);
	check_close("ci lo", lo, 4.25);
	check_close("ci hi", hi, 4.25);
	assert_int_equal(bt_stats_outliers_tukey_sorted(x, 1, 1.5), 0);
	assert_int_equal(bt_stats_outliers_mad_sorted(x, 1, 3), 0);

	assert_int_equal(bt_stats_summarize(x, 1, &st), 0);
	assert_int_equal(st.n, 1);
	check_close("summary mean", st.mean, 4.25);
	check_nan("summary std", st.std);
	check_nan("summary cv", st.cv);
	check_close("summary p95", st.p95, 4.25);
	check_close("summary ci low", st.median_ci_low, 4.25);
	check_close("summary ci high", st.median_ci_high, 4.25);
	assert_int_equal(st.outliers, 0);
}

static void test_sort_nan_last(void **state)
{
	double x[] = { 3, NAN, -1, INFINITY, NAN, -INFINITY, 0, 2.5 };
	static const double want[] = { -INFINITY, -1, 0, 2.5, 3, INFINITY };
	size_t i;

	(void)state;
	bt_stats_sort(x, ARRAY_SIZE(x));
	for (i = 0; i < ARRAY_SIZE(want); i++)
		assert_true(x[i] == want[i]);
	assert_true(isnan(x[6]));
	assert_true(isnan(x[7]));

	/* all NaN, one value, already sorted, reversed */
	{
		double all_nan[] = { NAN, NAN, NAN };
		double rev[] = { 5, 4, 3, 2, 1 };

		bt_stats_sort(all_nan, 3);
		assert_true(isnan(all_nan[0]) && isnan(all_nan[2]));
		bt_stats_sort(rev, 5);
		for (i = 0; i < 5; i++)
			assert_true(rev[i] == (double)(i + 1));
	}
}

static void test_nan_propagates(void **state)
{
	static const double x[] = { 1, NAN, 3 };

	(void)state;
	check_nan("mean with nan", bt_stats_mean(x, 3));
	check_nan("std with nan", bt_stats_std(x, 3));
	check_nan("min with nan", bt_stats_min(x, 3));
	check_nan("max with nan", bt_stats_max(x, 3));
}

static void test_min_max(void **state)
{
	static const double x[] = { 3, -2, 8, 0.5, 8, -2.5 };

	(void)state;
	check_close("min", bt_stats_min(x, 6), -2.5);
	check_close("max", bt_stats_max(x, 6), 8);
	check_close("mean", bt_stats_mean(x, 6), 15.0 / 6.0);
}

static void test_summarize_hand(void **state)
{
	static const double x[] = { 5, 1, 4, 2, 3 };
	static const double y[] = { 7, 100, 3, 1, 9, 2, 5, 4, 8, 6 };
	struct bt_stats st;

	(void)state;
	assert_int_equal(bt_stats_summarize(x, 5, &st), 0);
	assert_true(x[0] == 5 && x[1] == 1 && x[4] == 3); /* not sorted */
	assert_int_equal(st.n, 5);
	check_close("mean", st.mean, 3);
	check_close("median", st.median, 3);
	check_close("std", st.std, sqrt(2.5));
	check_close("min", st.min, 1);
	check_close("max", st.max, 5);
	check_close("p5", st.p5, 1.2);   /* h = 0.2 */
	check_close("p25", st.p25, 2);   /* h = 1 */
	check_close("p75", st.p75, 4);   /* h = 3 */
	check_close("p95", st.p95, 4.8); /* h = 3.8 */
	check_close("p99", st.p99, 4.96); /* h = 3.96 */
	check_close("mad", st.mad, 1);   /* |dev| 0 1 1 2 2 */
	check_close("iqr", st.iqr, 2);
	check_close("cv", st.cv, sqrt(2.5) / 3);
	check_close("ci level", st.ci_level, 0.95);
	check_close("ci low", st.median_ci_low, 1); /* n = 5: [min, max] */
	check_close("ci high", st.median_ci_high, 5);
	assert_int_equal(st.outliers, 0);

	/* sorted: 1 2 3 4 5 6 7 8 9 100 */
	assert_int_equal(bt_stats_summarize(y, 10, &st), 0);
	assert_int_equal(st.n, 10);
	check_close("y mean", st.mean, 14.5);
	check_close("y median", st.median, 5.5);
	check_close("y min", st.min, 1);
	check_close("y max", st.max, 100);
	check_close("y p25", st.p25, 3.25); /* h = 2.25 */
	check_close("y p75", st.p75, 7.75); /* h = 6.75 */
	check_close("y p95", st.p95, 9 + 0.55 * 91); /* h = 8.55 */
	check_close("y iqr", st.iqr, 4.5);
	/* |dev| from 5.5: .5 .5 1.5 1.5 2.5 2.5 3.5 3.5 4.5 94.5 */
	check_close("y mad", st.mad, 2.5);
	check_close("y ci low", st.median_ci_low, 2); /* ranks 2 and 9 */
	check_close("y ci high", st.median_ci_high, 9);
	/* fences 3.25 - 6.75 = -3.5 and 7.75 + 6.75 = 14.5: only 100 */
	assert_int_equal(st.outliers, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_estimators),
		cmocka_unit_test(test_reference_summarize),
		cmocka_unit_test(test_welford),
		cmocka_unit_test(test_variance_large_offset),
		cmocka_unit_test(test_cv),
		cmocka_unit_test(test_percentile_hand),
		cmocka_unit_test(test_mad_hand),
		cmocka_unit_test(test_median_ci_n10),
		cmocka_unit_test(test_median_ci_small),
		cmocka_unit_test(test_median_ci_n20),
		cmocka_unit_test(test_median_ci_large),
		cmocka_unit_test(test_median_ci_invalid),
		cmocka_unit_test(test_outliers_tukey),
		cmocka_unit_test(test_outliers_mad),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_single),
		cmocka_unit_test(test_sort_nan_last),
		cmocka_unit_test(test_nan_propagates),
		cmocka_unit_test(test_min_max),
		cmocka_unit_test(test_summarize_hand),
	};

	return cmocka_run_group_tests(tests, load_ref, free_ref);
}
