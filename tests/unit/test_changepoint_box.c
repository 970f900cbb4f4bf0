/* A plateau that moved and came back (a "box": a slowdown fixed later)
 * of more than a short excursion, inside the first window: Otava's split
 * tests its candidate on the two whole sides, where the box is diluted by
 * the equal levels before and after it, and found no change point at all
 * for a 20% slowdown of 12 points at 1% noise (20 sd). Our defaults test
 * the box against the rest of its segment (box_p in
 * lib/analysis/changepoint.c). Hand-made series of 60 points: level 10,
 * 1% Gaussian noise, the generator of test_fixed_regression.c; every
 * seed below found nothing before the box test. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "benchtrack/analysis.h"
#include "rng.h"

#define N 60
#define LEN 12

/* x[i] = 10 * (level on [at, at + LEN), else 1) + 1% noise */
static void make(double *x, size_t at, double level, uint64_t seed)
{
	for (size_t i = 0; i < N; i++)
		x[i] = 10 * (i >= at && i < at + LEN ? level : 1) + 0.1 * bt_test_gauss(&seed);
}

/* Both edges found, exactly, and nothing else. */
static void expect_box(size_t at, double level, uint64_t seed)
{
	double x[N];
	struct bt_cp_opts o;
	struct bt_cp_result r;

	make(x, at, level, seed);
	bt_cp_opts_default(&o);
	assert_int_equal(bt_changepoints(x, N, &o, &r, NULL), 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.n_pending, 0);
	assert_int_equal(r.points[0].index, at);
	assert_int_equal(r.points[1].index, at + LEN);
	assert_true(fabs(r.points[0].rel_change - (level - 1)) < 0.02);
	assert_true(fabs(r.points[1].mean_after / r.points[0].mean_before - 1) < 0.01);
	assert_true(r.points[0].p_value < 1e-6 && r.points[1].p_value < 1e-6);
	bt_cp_result_release(&r);
}

static void test_box_after_10(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 6; seed++) {
		expect_box(10, 1.2, seed);
		expect_box(10, 0.8, seed);
	}
}

static void test_box_after_14(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 3; seed++) {
		expect_box(14, 1.2, seed);
		expect_box(14, 0.8, seed);
	}
}

static void test_box_after_20(void **state)
{
	(void)state;
	expect_box(20, 1.2, 9);
	expect_box(20, 1.2, 10);
	expect_box(20, 0.8, 1);
	expect_box(20, 0.8, 2);
	expect_box(20, 0.8, 8);
}

/* The box test adds no change point to flat series, and otava_compat
 * keeps Otava's answer: no box test there. */
static void test_box_null_and_otava(void **state)
{
	double x[N];
	struct bt_cp_opts o;
	struct bt_cp_result r;

	(void)state;
	for (uint64_t seed = 100; seed < 160; seed++) {
		make(x, 0, 1, seed);
		bt_cp_opts_default(&o);
		assert_int_equal(bt_changepoints(x, N, &o, &r, NULL), 0);
		assert_int_equal(r.n + r.n_pending, 0);
		bt_cp_result_release(&r);
	}
	make(x, 10, 1.2, 1);
	bt_cp_opts_otava(&o, 1e-4);
	assert_int_equal(bt_changepoints(x, N, &o, &r, NULL), 0);
	assert_int_equal(r.n, 0);
	bt_cp_result_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_box_after_10),
		cmocka_unit_test(test_box_after_14),
		cmocka_unit_test(test_box_after_20),
		cmocka_unit_test(test_box_null_and_otava),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
