/* Unit tests of lib/analysis/twosample.c and verdict.c: Mann-Whitney U,
 * t-tests and Hodges-Lehmann against the SciPy 1.10 values of
 * tests/fixtures/stats-reference.json; hand-worked Holm, BH and HL
 * intervals; verdicts on constructed samples; and the acceptance
 * simulation of the defaults (A/A false alarms, power on a 10% shift). */
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

#include "benchtrack/analysis.h"
#include "benchtrack/error.h"

#ifndef BT_SOURCE_DIR
#error "BT_SOURCE_DIR must be defined"
#endif
#define REF_PATH BT_SOURCE_DIR "/tests/fixtures/stats-reference.json"
#include "refdata.h"
#include "runmaker.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Tolerances against SciPy (relative; see check_rel). The exact
 * Mann-Whitney p-values are ratios of exact integer counts; the asymptotic
 * ones differ from SciPy only by erfc vs. SciPy's ndtr; t-test p-values go
 * through dist.c's incomplete beta. */
#define TOL_U 0.0          /* U1, U2 are exact (half-)integers */
#define TOL_P_EXACT 1e-14
#define TOL_P_ASYM 1e-13
#define TOL_T 1e-12
#define TOL_DF 1e-14
#define TOL_P_T 1e-12
#define TOL_HL 1e-12

static double *jarray(const json_t *arr, size_t *n, const char *ctx)
{
	double *x;

	assert_true(json_is_array(arr));
	*n = json_array_size(arr);
	x = malloc((*n ? *n : 1) * sizeof *x);
	assert_non_null(x);
	for (size_t i = 0; i < *n; i++)
		x[i] = jnum(json_array_get(arr, i), ctx, "value");
	return x;
}

/* Largest relative error seen per quantity, printed at the end. */
struct maxerr {
	const char *what;
	double rel;
};
static struct maxerr errs[16];
static size_t n_errs;
static int recording; /* only the reference test records */

static void note_err(const char *what, double rel)
{
	size_t i;

	if (!recording)
		return;
	for (i = 0; i < n_errs; i++)
		if (!strcmp(errs[i].what, what))
			break;
	if (i == n_errs) {
		assert_true(n_errs < ARRAY_SIZE(errs));
		errs[n_errs++] = (struct maxerr){what, 0};
	}
	if (rel > errs[i].rel)
		errs[i].rel = rel;
}

/* got == want within rel * |want| (exactly for rel 0); NAN wants NAN,
 * +-inf wants the same infinity. */
static void check_rel(const char *ctx, const char *what, double got,
		      double want, double rel)
{
	double err;

	if (isnan(want) || isinf(want)) {
		int ok = isnan(want) ? isnan(got) : got == want;
		if (!ok)
			print_error("%s: %s = %.17g, want %g\n", ctx, what, got,
				    want);
		assert_true(ok);
		return;
	}
	err = fabs(got - want);
	if (!(err <= rel * fabs(want))) {
		print_error("%s: %s = %.17g, want %.17g (rel err %.3g, tol %.3g)\n",
			    ctx, what, got, want,
			    want != 0 ? err / fabs(want) : err, rel);
		fail();
	}
	note_err(what, want != 0 ? err / fabs(want) : err);
}

static void check_close(const char *what, double got, double want)
{
	check_rel("hand", what, got, want, 1e-12);
}

/* --- SciPy reference ---------------------------------------------------- */

static void check_mwu(const char *ctx, const json_t *ref_m, const double *x,
		      size_t nx, const double *y, size_t ny,
		      enum bt_mwu_method method, int cont, double tol,
		      const char *what)
{
	struct bt_mwu m;

	assert_int_equal(bt_mann_whitney_u(x, nx, y, ny, method, cont, &m), 0);
	check_rel(ctx, "U1", m.u1, jget(ref_m, "U1", ctx), TOL_U);
	check_rel(ctx, "U2", m.u2, jget(ref_m, "U2", ctx), TOL_U);
	check_rel(ctx, what, m.p, jget(ref_m, "pvalue", ctx), tol);
	assert_int_equal(m.exact, method == BT_MWU_EXACT);
}

static void check_t(const char *ctx, const json_t *ref_t, int rc,
		    const struct bt_ttest *t, int student)
{
	assert_int_equal(rc, 0);
	check_rel(ctx, student ? "student t" : "welch t", t->t,
		  jget(ref_t, "statistic", ctx), TOL_T);
	check_rel(ctx, student ? "student df" : "welch df", t->df,
		  jget(ref_t, "df_formula", ctx), TOL_DF);
	check_rel(ctx, student ? "student p" : "welch p", t->p,
		  jget(ref_t, "pvalue", ctx), TOL_P_T);
}

static void test_reference(void **state)
{
	json_t *cases = json_object_get(ref, "cases");
	size_t n_exact = 0, n_tied = 0;

	(void)state;
	assert_true(json_is_array(cases));
	assert_int_equal(json_array_size(cases), 58);
	recording = 1;
	for (size_t i = 0; i < json_array_size(cases); i++) {
		const json_t *c = json_array_get(cases, i);
		const char *ctx = json_string_value(json_object_get(c, "name"));
		const json_t *mw = json_object_get(c, "mannwhitneyu_two_sided");
		const json_t *tt = json_object_get(c, "ttest_ind_two_sided");
		const json_t *ex = json_object_get(mw, "exact");
		size_t nx, ny;
		double *x = jarray(json_object_get(c, "x"), &nx, ctx);
		double *y = jarray(json_object_get(c, "y"), &ny, ctx);
		struct bt_ttest t;
		struct bt_mwu m;
		double shift;

		if (json_is_object(ex)) {
			check_mwu(ctx, ex, x, nx, y, ny, BT_MWU_EXACT, 1,
				  TOL_P_EXACT, "exact p");
			/* AUTO: exact here (no ties, sizes <= 50) */
			assert_int_equal(bt_mann_whitney_u(x, nx, y, ny,
							   BT_MWU_AUTO, 0, &m),
					 0);
			assert_int_equal(m.exact, 1);
			n_exact++;
		} else {
			check_mwu(ctx, json_object_get(mw, "exact_ignoring_ties"),
				  x, nx, y, ny, BT_MWU_EXACT, 1, TOL_P_EXACT,
				  "exact p (ties ignored)");
			/* AUTO: asymptotic with continuity */
			assert_int_equal(bt_mann_whitney_u(x, nx, y, ny,
							   BT_MWU_AUTO, 0, &m),
					 0);
			assert_int_equal(m.exact, 0);
			check_rel(ctx, "asymptotic p", m.p,
				  jget(json_object_get(mw,
						       "asymptotic_continuity"),
				       "pvalue", ctx),
				  TOL_P_ASYM);
			n_tied++;
		}
		check_mwu(ctx, json_object_get(mw, "asymptotic_continuity"), x,
			  nx, y, ny, BT_MWU_ASYMPTOTIC, 1, TOL_P_ASYM,
			  "asymptotic p");
		check_mwu(ctx, json_object_get(mw, "asymptotic_no_continuity"),
			  x, nx, y, ny, BT_MWU_ASYMPTOTIC, 0, TOL_P_ASYM,
			  "asymptotic p");

		check_t(ctx, json_object_get(tt, "student_equal_var"),
			bt_ttest_student(x, nx, y, ny, &t), &t, 1);
		check_t(ctx, json_object_get(tt, "welch"),
			bt_ttest_welch(x, nx, y, ny, &t), &t, 0);

		assert_int_equal(bt_hodges_lehmann(x, nx, y, ny, 0.95, &shift,
						   NULL, NULL),
				 0);
		check_rel(ctx, "HL shift", shift,
			  jget(c, "hodges_lehmann_shift_y_minus_x", ctx),
			  TOL_HL);
		free(x);
		free(y);
	}
	recording = 0;
	assert_int_equal(n_exact, 29);
	assert_int_equal(n_tied, 29);
	for (size_t i = 0; i < n_errs; i++)
		print_message("max relative error vs SciPy: %-24s %.3g\n",
			      errs[i].what, errs[i].rel);
}

/* t-test from summary statistics against the sample versions. */
static void test_ttest_from_stats(void **state)
{
	const double x[] = {1, 2, 3}, y[] = {4, 5, 7, 9};
	struct bt_ttest a, b;

	(void)state;
	/* x: mean 2, sd 1; y: mean 6.25, sd sqrt(14.75/3) */
	assert_int_equal(bt_ttest_welch(x, 3, y, 4, &a), 0);
	assert_int_equal(bt_ttest_from_stats(2, 1, 3, 6.25, sqrt(14.75 / 3),
					     4, 0, &b),
			 0);
	check_close("welch t", b.t, a.t);
	check_close("welch df", b.df, a.df);
	check_close("welch p", b.p, a.p);
	assert_int_equal(bt_ttest_student(x, 3, y, 4, &a), 0);
	assert_int_equal(bt_ttest_from_stats(2, 1, 3, 6.25, sqrt(14.75 / 3),
					     4, 1, &b),
			 0);
	check_close("student t", b.t, a.t);
	check_close("student df", b.df, 5);
	check_close("student p", b.p, a.p);
	/* Student by hand: pooled var (2*1 + 14.75)/5 = 3.35,
	 * t = -4.25 / sqrt(3.35 * (1/3 + 1/4)) */
	check_close("student t hand", a.t, -4.25 / sqrt(3.35 * (7.0 / 12)));
	assert_int_equal(bt_ttest_from_stats(1, 1, 1, 2, 1, 5, 0, &b),
			 BT_EINVAL);
	assert_int_equal(bt_ttest_welch(x, 1, y, 4, &a), BT_EINVAL);
}

/* --- Mann-Whitney edge cases ------------------------------------------- */

static void test_mwu_hand(void **state)
{
	/* 3 vs 3: counts of U = 0..9 are 1 1 2 3 3 3 3 2 1 1 (of 20). */
	const double x[] = {1, 2, 3}, y[] = {4, 5, 6}, y2[] = {1.5, 2.5, 7};
	struct bt_mwu m;
	double nan_x[] = {1, NAN};

	(void)state;
	assert_int_equal(bt_mann_whitney_u(x, 3, y, 3, BT_MWU_AUTO, 1, &m), 0);
	assert_int_equal(m.exact, 1);
	assert_true(isnan(m.z));
	check_close("p 3v3 U=0", m.p, 2.0 / 20);
	/* x > y pairs: 2 > 1.5, 3 > 1.5, 3 > 2.5: U1 = 3, U2 = 6,
	 * P(U >= 6) = (3 + 2 + 1 + 1) / 20 = 7/20, p = 0.7 */
	assert_int_equal(bt_mann_whitney_u(x, 3, y2, 3, BT_MWU_EXACT, 1, &m),
			 0);
	check_close("U1", m.u1, 3);
	check_close("p 3v3 U=6", m.p, 0.7);
	/* asymptotic z = (9 - 4.5 - 0.5) / sqrt(9 * 7 / 12) */
	assert_int_equal(bt_mann_whitney_u(x, 3, y, 3, BT_MWU_ASYMPTOTIC, 1,
					   &m),
			 0);
	check_close("z", m.z, 4 / sqrt(63.0 / 12));
	assert_int_equal(bt_mann_whitney_u(x, 0, y, 3, BT_MWU_AUTO, 1, &m),
			 BT_EINVAL);
	assert_int_equal(bt_mann_whitney_u(nan_x, 2, y, 3, BT_MWU_AUTO, 1, &m),
			 BT_EINVAL);
}

/* x[0..n) vs y[0..n) in mode is exact, with a p-value within 0.01 of the
 * normal approximation's. */
static void check_exact_near_normal(const double *x, const double *y, size_t n,
				    enum bt_mwu_method mode)
{
	struct bt_mwu e, a;

	assert_int_equal(bt_mann_whitney_u(x, n, y, n, mode, 1, &e), 0);
	assert_int_equal(e.exact, 1);
	assert_int_equal(bt_mann_whitney_u(x, n, y, n, BT_MWU_ASYMPTOTIC, 1, &a), 0);
	assert_true(fabs(e.p - a.p) < 0.01);
}

/* The AUTO bound (50 per side) and the exact method on larger samples;
 * exact and normal p-values must agree roughly where both apply. */
static void test_mwu_sizes(void **state)
{
	double x[300], y[300];
	struct bt_mwu e, a;

	(void)state;
	for (size_t i = 0; i < 300; i++) {
		x[i] = (double)((i * 37) % 300) + 0.25;
		y[i] = (double)((i * 53) % 300) + 0.5 + (double)(i % 7) * 3;
	}
	check_exact_near_normal(x, y, 50, BT_MWU_AUTO);
	assert_int_equal(bt_mann_whitney_u(x, 51, y, 50, BT_MWU_AUTO, 1, &a),
			 0);
	assert_int_equal(a.exact, 0);
	/* explicit exact beyond the AUTO bound still exact while it fits */
	check_exact_near_normal(x, y, 60, BT_MWU_EXACT);
	/* 300 x 300: C(600, 300) does not fit: normal approximation */
	assert_int_equal(bt_mann_whitney_u(x, 300, y, 300, BT_MWU_EXACT, 1,
					   &e),
			 0);
	assert_int_equal(e.exact, 0);
	assert_false(isnan(e.p));
}

/* --- Hodges-Lehmann intervals by hand ------------------------------------ */

static void test_hl_hand(void **state)
{
	/* Differences y - x of {1,2,3} and {4,5,6}: 1 2 2 3 3 3 4 4 5.
	 * Null counts of U (3 vs 3): 1 1 2 3 3 ... of 20, so P(U <= 0) =
	 * 0.05, P(U <= 1) = 0.10, P(U <= 2) = 0.20. [d_(k), d_(10-k)] covers
	 * with probability 1 - 2 P(U <= k-1):
	 *   level 0.80: k = 2 (2 * 0.10 = 0.20 <= 0.20): [2, 4]
	 *   level 0.90: k = 1 (2 * 0.05 = 0.10):         [1, 5]
	 *   level 0.95: unreachable (k = 1 gives 0.90):  [1, 5] */
	const double x[] = {1, 2, 3}, y[] = {4, 5, 6};
	/* Ratios y/x of {1,2,4} and {2,4,8}: .5 1 1 2 2 2 4 4 8. */
	const double rx[] = {1, 2, 4}, ry[] = {2, 4, 8}, bad[] = {1, 0};
	double s, lo, hi;

	(void)state;
	assert_int_equal(bt_hodges_lehmann(x, 3, y, 3, 0.80, &s, &lo, &hi), 0);
	check_close("shift", s, 3);
	check_close("lo 0.80", lo, 2);
	check_close("hi 0.80", hi, 4);
	assert_int_equal(bt_hodges_lehmann(x, 3, y, 3, 0.90, &s, &lo, &hi), 0);
	check_close("lo 0.90", lo, 1);
	check_close("hi 0.90", hi, 5);
	assert_int_equal(bt_hodges_lehmann(x, 3, y, 3, 0.95, &s, &lo, &hi), 0);
	check_close("lo 0.95", lo, 1);
	check_close("hi 0.95", hi, 5);
	assert_int_equal(bt_hodges_lehmann_ratio(rx, 3, ry, 3, 0.80, &s, &lo,
						 &hi),
			 0);
	check_close("ratio", s, 2);
	check_close("ratio lo", lo, 1);
	check_close("ratio hi", hi, 4);
	assert_int_equal(bt_hodges_lehmann_ratio(bad, 2, ry, 3, 0.9, &s, &lo,
						 &hi),
			 BT_EINVAL);
	assert_int_equal(bt_hodges_lehmann(x, 3, y, 3, 1.0, &s, &lo, &hi),
			 BT_EINVAL);
	assert_int_equal(bt_hodges_lehmann(x, 0, y, 3, 0.9, &s, &lo, &hi),
			 BT_EINVAL);
}

/* Samples whose differences y_j - x_i = j - 100 i are all distinct and
 * sorted by i descending, then j ascending: the r-th smallest (1-based) of
 * an m x n grid is (r-1) % n - 100 (m-1 - (r-1) / n). */
static double grid_d(size_t m, size_t n, size_t r)
{
	return (double)((r - 1) % n) - 100.0 * (double)(m - 1 - (r - 1) / n);
}

static void test_hl_ranks(void **state)
{
	double x[60], y[60], s, lo, hi;

	(void)state;
	for (size_t i = 0; i < 60; i++) {
		x[i] = 100.0 * (double)i;
		y[i] = (double)i;
	}
	/* Exact, 10 vs 10 at 0.95: the two-sided 5% critical value of U is
	 * 23 (P(U <= 23) = 0.02163 <= 0.025 < P(U <= 24) = 0.02621), so
	 * k - 1 = 23: [d_(24), d_(77)]; median (d_(50) + d_(51)) / 2. */
	assert_int_equal(bt_hodges_lehmann(x, 10, y, 10, 0.95, &s, &lo, &hi),
			 0);
	check_close("10x10 lo", lo, grid_d(10, 10, 24));
	check_close("10x10 hi", hi, grid_d(10, 10, 77));
	check_close("10x10 med", s,
		    (grid_d(10, 10, 50) + grid_d(10, 10, 51)) / 2);
	check_close("10x10 lo value", lo, -697);
	/* Normal approximation, 60 vs 60 at 0.99: k = floor(1800 + 0.5 -
	 * 2.5758293 * sqrt(3600 * 121 / 12)) = floor(1309.74) = 1309:
	 * [d_(1309), d_(2292)]. */
	assert_int_equal(bt_hodges_lehmann(x, 60, y, 60, 0.99, &s, &lo, &hi),
			 0);
	check_close("60x60 lo", lo, grid_d(60, 60, 1309));
	check_close("60x60 hi", hi, grid_d(60, 60, 2292));
	check_close("60x60 lo value", lo, -3752);
	check_close("60x60 hi value", hi, -2089);
}

/* --- multiple testing ---------------------------------------------------- */

static void test_p_adjust(void **state)
{
	/* R: p.adjust(c(0.01,0.02,0.03,0.04,0.05), "holm"): multipliers
	 * 5 4 3 2 1 give .05 .08 .09 .08 .05, running max .05 .08 .09 .09
	 * .09. "BH": m/i p = 5*.01, 5/2*.02, 5/3*.03, 5/4*.04, 5/5*.05, all
	 * .05, running min from the top: .05 everywhere. */
	const double p[] = {0.01, 0.02, 0.03, 0.04, 0.05};
	const double holm[] = {0.05, 0.08, 0.09, 0.09, 0.09};
	/* Unsorted with a NAN (m = 3): sorted .01 .03 .04; Holm 3*.01 = .03,
	 * 2*.03 = .06, 1*.04 = .04 -> .03 .06 .06; BH .03, .045, .04 ->
	 * running min from the top .03 .04 .04. */
	double q[] = {0.04, NAN, 0.01, 0.03};
	const double q_holm[] = {0.06, NAN, 0.03, 0.06};
	const double q_bh[] = {0.04, NAN, 0.03, 0.04};
	/* Clipping: Holm 2*.5 = 1 -> 1 1; BH .6, min(1, .6) -> .6 .6.
	 * Ties: .02 .02 .5: Holm 3*.02 = .06 for both; BH 3/2*.02 = .03. */
	const double c[] = {0.5, 0.6}, t[] = {0.02, 0.5, 0.02};
	double adj[5];

	(void)state;
	bt_p_adjust_holm(p, 5, adj);
	for (size_t i = 0; i < 5; i++)
		check_rel("holm", "holm", adj[i], holm[i], 1e-15);
	bt_p_adjust_bh(p, 5, adj);
	for (size_t i = 0; i < 5; i++)
		check_rel("bh", "bh", adj[i], 0.05, 1e-15);
	bt_p_adjust_holm(q, 4, adj);
	for (size_t i = 0; i < 4; i++)
		check_rel("holm nan", "holm", adj[i], q_holm[i], 1e-15);
	/* in place */
	bt_p_adjust_bh(q, 4, q);
	for (size_t i = 0; i < 4; i++)
		check_rel("bh nan", "bh", q[i], q_bh[i], 1e-15);
	bt_p_adjust_holm(c, 2, adj);
	check_close("holm clip", adj[0], 1);
	check_close("holm clip", adj[1], 1);
	bt_p_adjust_bh(c, 2, adj);
	check_close("bh clip", adj[0], 0.6);
	check_close("bh clip", adj[1], 0.6);
	bt_p_adjust_holm(t, 3, adj);
	check_close("holm ties", adj[0], 0.06);
	check_close("holm ties", adj[2], 0.06);
	check_close("holm ties", adj[1], 0.5);
	bt_p_adjust_bh(t, 3, adj);
	check_close("bh ties", adj[0], 0.03);
	check_close("bh ties", adj[2], 0.03);
	check_close("bh ties", adj[1], 0.5);
	bt_p_adjust_holm(p, 0, adj); /* nothing to do */
}

/* --- verdicts ---------------------------------------------------------- */

/* 15 deterministic times around base with a spread of about +-0.5%. */
static void fill(double *v, size_t n, double base, double spread)
{
	for (size_t i = 0; i < n; i++)
		v[i] = base * (1 + spread * ((double)((i * 7) % n) / (double)n -
					     0.5));
}

static void test_verdicts(void **state)
{
	struct bt_verdict_opts o;
	struct bt_sample_cmp c;
	double a[40], b[40];

	(void)state;
	bt_verdict_opts_default(&o);
	assert_true(o.alpha == 0.01 && o.delta == 0.05 && o.min_n == 6 &&
		    o.warn_n == 10);
	assert_string_equal(bt_verdict_name(BT_VERDICT_UNCHANGED), "unchanged");
	assert_string_equal(bt_verdict_name(BT_VERDICT_REGRESSED), "regressed");
	assert_string_equal(bt_verdict_name(BT_VERDICT_IMPROVED), "improved");
	assert_string_equal(bt_verdict_name(BT_VERDICT_NOISY), "noisy");
	assert_string_equal(bt_verdict_name(BT_VERDICT_NEW), "new");
	assert_string_equal(bt_verdict_name(BT_VERDICT_MISSING), "missing");

	/* 20% slower */
	fill(a, 15, 100, 0.01);
	fill(b, 15, 120, 0.01);
	assert_int_equal(bt_compare_samples(a, 15, b, 15, 0, &o, &c), 0);
	assert_int_equal(c.verdict, BT_VERDICT_REGRESSED);
	assert_true(c.exact);
	assert_true(c.p_value < 1e-6);
	assert_true(c.ci_low > 1.05 && c.ci_low <= c.ratio &&
		    c.ratio <= c.ci_high);
	check_rel("regressed", "ratio", c.ratio, 1.2, 1e-9);
	assert_true(c.welch_log_p < 1e-6);
	assert_false(c.few);
	assert_non_null(c.reason);
	check_close("median a", c.median_a, 100 * (1 + 0.01 * (7.0 / 15 - 0.5)));

	/* 20% faster */
	fill(b, 15, 80, 0.01);
	assert_int_equal(bt_compare_samples(a, 15, b, 15, 0, &o, &c), 0);
	assert_int_equal(c.verdict, BT_VERDICT_IMPROVED);
	assert_true(c.ci_high < 1 / 1.05);

	/* same values: unchanged, p = 1 */
	fill(b, 15, 100, 0.01);
	assert_int_equal(bt_compare_samples(a, 15, b, 15, 0, &o, &c), 0);
	assert_int_equal(c.verdict, BT_VERDICT_UNCHANGED);
	check_close("p same", c.p_value, 1);
	check_close("ratio same", c.ratio, 1);

	/* 1% slower with tiny noise: significant, CI inside the threshold */
	fill(b, 15, 101, 0.001);
	fill(a, 15, 100, 0.001);
	assert_int_equal(bt_compare_samples(a, 15, b, 15, 0, &o, &c), 0);
	assert_true(c.p_value < o.alpha);
	assert_int_equal(c.verdict, BT_VERDICT_UNCHANGED);

	/* too few samples: noisy however large the change; few below 10 */
	fill(a, 5, 100, 0.01);
	fill(b, 5, 200, 0.01);
	assert_int_equal(bt_compare_samples(a, 5, b, 5, 0, &o, &c), 0);
	assert_int_equal(c.verdict, BT_VERDICT_NOISY);
	assert_true(c.few);
	fill(a, 8, 100, 0.01);
	fill(b, 8, 200, 0.01);
	assert_int_equal(bt_compare_samples(a, 8, b, 8, 0, &o, &c), 0);
	assert_int_equal(c.verdict, BT_VERDICT_REGRESSED);
	assert_true(c.few);

	/* straddling: a = 100..114, b = 108..122 (about +7.5%): U1 = 21 of
	 * 225, p ~ 1e-4 < alpha, but the 99% CI of the ratio spans 1.05 */
	for (size_t i = 0; i < 15; i++) {
		a[i] = 100 + (double)i;
		b[i] = 108 + (double)i;
	}
	assert_int_equal(bt_compare_samples(a, 15, b, 15, 0, &o, &c), 0);
	print_message("straddle: p %.3g ratio %.4f CI [%.4f, %.4f]\n",
		      c.p_value, c.ratio, c.ci_low, c.ci_high);
	assert_true(c.p_value < o.alpha);
	assert_true(c.ci_low < 1.05 && c.ci_high > 1.05);
	assert_int_equal(c.verdict, BT_VERDICT_NOISY);

	/* higher is better (throughput): 20% lower B is a regression */
	fill(a, 15, 1000, 0.01);
	fill(b, 15, 800, 0.01);
	assert_int_equal(bt_compare_samples(a, 15, b, 15, 1, &o, &c), 0);
	assert_int_equal(c.verdict, BT_VERDICT_REGRESSED);
	assert_int_equal(bt_compare_samples(a, 15, b, 15, 0, &o, &c), 0);
	assert_int_equal(c.verdict, BT_VERDICT_IMPROVED);
	assert_int_equal(bt_compare_samples(b, 15, a, 15, 1, &o, &c), 0);
	assert_int_equal(c.verdict, BT_VERDICT_IMPROVED);

	/* re-deciding after a suite correction */
	assert_int_equal(bt_compare_samples(a, 15, b, 15, 1, &o, &c), 0);
	c.p_adjusted = 0.5;
	bt_verdict_decide(&c, &o);
	/* not significant, yet the CI reaches far beyond delta: cannot tell */
	assert_int_equal(c.verdict, BT_VERDICT_NOISY);
	/* not significant and the whole CI within +-delta: unchanged */
	c.ci_low = 0.98;
	c.ci_high = 1.03;
	bt_verdict_decide(&c, &o);
	assert_int_equal(c.verdict, BT_VERDICT_UNCHANGED);
	c.ci_low = 0.90; /* reaches below 1/(1+delta) */
	bt_verdict_decide(&c, &o);
	assert_int_equal(c.verdict, BT_VERDICT_NOISY);

	/* ties from rounding: asymptotic p, still regressed */
	for (size_t i = 0; i < 20; i++) {
		a[i] = 100 + (double)(i % 3);
		b[i] = 110 + (double)(i % 3);
	}
	assert_int_equal(bt_compare_samples(a, 20, b, 20, 0, &o, &c), 0);
	assert_false(c.exact);
	assert_int_equal(c.verdict, BT_VERDICT_REGRESSED);

	/* values <= 0: the shift over |median A| gives the ratio */
	for (size_t i = 0; i < 10; i++) {
		a[i] = (double)i - 2;        /* median 2.5 */
		b[i] = (double)i - 2 + 5;    /* shift 5 */
	}
	assert_int_equal(bt_compare_samples(a, 10, b, 10, 0, &o, &c), 0);
	check_close("ratio from shift", c.ratio, 1 + 5 / 2.5);
	assert_true(isnan(c.welch_log_p));

	/* bad input */
	a[0] = NAN;
	assert_int_equal(bt_compare_samples(a, 10, b, 10, 0, &o, &c),
			 BT_EINVAL);
	assert_int_equal(bt_compare_samples(b, 0, b, 10, 0, &o, &c),
			 BT_EINVAL);
}

/* --- acceptance simulation: false alarms and power ------------------------- */

/* xoshiro256** seeded by splitmix64; Box-Muller normals. */
struct rng {
	uint64_t s[4];
	double spare;
	int has_spare;
};

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
	r->has_spare = 0;
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s, res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

/* uniform in (0, 1) */
static double rng_unif(struct rng *r)
{
	return ((double)(rng_next(r) >> 11) + 0.5) * 0x1.0p-53;
}

static double rng_unif_cb(void *r)
{
	return rng_unif(r);
}

static double rng_normal(struct rng *r)
{
	return bt_test_normal(rng_unif_cb, r, &r->has_spare, &r->spare);
}

/* lognormal times with median `median` and coefficient of variation cv */
static void lognormal(struct rng *r, double *v, size_t n, double median,
		      double cv)
{
	double sigma = sqrt(log(1 + cv * cv));
	for (size_t i = 0; i < n; i++)
		v[i] = median * exp(sigma * rng_normal(r));
}

#define SIM_PAIRS 2000
#define SIM_N 15

struct sim {
	unsigned regressed, improved, noisy;
	unsigned significant; /* p < alpha, whatever the CI */
	unsigned covered;     /* the 99% CI of the ratio holds the true one */
};

static void simulate(double shift, uint64_t seed, struct sim *s)
{
	struct bt_verdict_opts o;
	struct bt_sample_cmp c;
	struct rng r;
	double a[SIM_N], b[SIM_N];

	bt_verdict_opts_default(&o); /* alpha 0.01, delta 5% */
	rng_seed(&r, seed);
	memset(s, 0, sizeof *s);
	for (int k = 0; k < SIM_PAIRS; k++) {
		lognormal(&r, a, SIM_N, 100, 0.02);
		lognormal(&r, b, SIM_N, 100 * shift, 0.02);
		assert_int_equal(bt_compare_samples(a, SIM_N, b, SIM_N, 0, &o,
						    &c),
				 0);
		assert_true(c.exact);
		s->regressed += c.verdict == BT_VERDICT_REGRESSED;
		s->improved += c.verdict == BT_VERDICT_IMPROVED;
		s->noisy += c.verdict == BT_VERDICT_NOISY;
		s->significant += c.p_value < o.alpha;
		s->covered += c.ci_low <= shift && shift <= c.ci_high;
	}
}

static void test_acceptance(void **state)
{
	struct sim s;

	(void)state;
	simulate(1.0, 20240401, &s);
	print_message("A/A, n=%d per side, lognormal CV 2%%, delta 5%%, alpha "
		      "0.01, %d pairs: flagged %.2f%% (regressed %u, "
		      "improved %u), noisy %u, p < alpha %.2f%%, 99%% CI "
		      "covers 1: %.2f%%\n",
		      SIM_N, SIM_PAIRS,
		      100.0 * (s.regressed + s.improved) / SIM_PAIRS,
		      s.regressed, s.improved, s.noisy,
		      100.0 * s.significant / SIM_PAIRS,
		      100.0 * s.covered / SIM_PAIRS);
	assert_true(s.regressed + s.improved <= SIM_PAIRS / 100);
	/* the MWU test and the CI hold their levels (binomial slack) */
	assert_true(s.significant <= SIM_PAIRS * 2 / 100);
	assert_true(s.covered >= SIM_PAIRS * 98 / 100);

	simulate(1.10, 20240402, &s);
	print_message("+10%% shift, same setup: regressed %.2f%% (%u), "
		      "improved %u, noisy %u, 99%% CI covers 1.10: %.2f%%\n",
		      100.0 * s.regressed / SIM_PAIRS, s.regressed, s.improved,
		      s.noisy, 100.0 * s.covered / SIM_PAIRS);
	assert_true(s.regressed >= SIM_PAIRS * 95 / 100);
	assert_int_equal(s.improved, 0);
	assert_true(s.covered >= SIM_PAIRS * 98 / 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference),
		cmocka_unit_test(test_ttest_from_stats),
		cmocka_unit_test(test_mwu_hand),
		cmocka_unit_test(test_mwu_sizes),
		cmocka_unit_test(test_hl_hand),
		cmocka_unit_test(test_hl_ranks),
		cmocka_unit_test(test_p_adjust),
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_acceptance),
	};

	return cmocka_run_group_tests(tests, load_ref, free_ref);
}
