/* A slowdown that was fixed later, longer than a short excursion: two
 * confirmed change points (a regression, then an improvement) paired by
 * bt_series_change_fix into one reverted event (bt_series_events), as the
 * short excursions are; a partial fix stays open, saying how much came
 * back. Hand-made series: level 10 with 1% Gaussian noise. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "benchtrack/analysis.h"
#include "benchtrack/error.h"
#include "benchtrack/regress.h"
#include "benchtrack/result.h"
#include "rng.h"

#define N 70

/* x[i] = 10 * level(i) + 1% noise, level given by steps: from each
 * at[k] on, level[k] (1 before the first). */
static void make(double *x, size_t n, const size_t *at, const double *level, size_t n_steps,
		 uint64_t seed)
{
	for (size_t i = 0; i < n; i++) {
		double l = 1;
		for (size_t k = 0; k < n_steps; k++)
			if (i >= at[k])
				l = level[k];
		x[i] = 10 * l + 0.1 * bt_test_gauss(&seed);
	}
}

struct fixture {
	struct bt_series s;
	struct bt_series_point p[N];
	double x[N];
	struct bt_cp_result cps;
	struct bt_series_event *ev;
	size_t n_ev;
};

/* The series of x (lower is better), its change points and events. */
static void analyse(struct fixture *f, enum bt_direction dir)
{
	memset(&f->s, 0, sizeof f->s);
	memset(f->p, 0, sizeof f->p);
	for (size_t i = 0; i < N; i++)
		f->p[i].value = f->x[i];
	f->s.series_key = "0123456789abcdef";
	f->s.points = f->p;
	f->s.n = N;
	f->s.direction = dir;
	assert_int_equal(bt_series_changepoints(&f->s, NULL, &f->cps, NULL), 0);
	assert_int_equal(bt_series_events(&f->s, NULL, &f->cps, &f->ev, &f->n_ev, NULL), 0);
}

static void release(struct fixture *f)
{
	free(f->ev);
	bt_cp_result_release(&f->cps);
}

/* The index in cps->points of the change point at point i (fails when
 * none). */
static size_t cp_at(const struct bt_cp_result *cps, size_t i)
{
	for (size_t k = 0; k < cps->n; k++)
		if (cps->points[k].index == i)
			return k;
	fail_msg("no change point at %zu", i);
	return 0;
}

/* 20% slower for 12 points (20..31), then back: one reverted event with
 * both edges, paired, and neither edge an open regression. */
static void test_fixed_slowdown(void **state)
{
	struct fixture f;
	struct bt_change_fix fix;
	size_t at[] = { 20, 32 };
	double lv[] = { 1.2, 1 };

	(void)state;
	make(f.x, N, at, lv, 2, 7);
	analyse(&f, BT_LOWER_IS_BETTER);
	assert_int_equal(f.cps.n, 2);
	assert_int_equal(bt_series_change_fix(&f.s, &f.cps, cp_at(&f.cps, 20), f.ev, f.n_ev,
					      &fix), 1);
	assert_int_equal(fix.restored, 1);
	assert_int_equal(fix.index, 32);
	assert_int_equal(fix.back, 1);
	assert_true(fabs(fix.recovered - 1) < 0.1);
	assert_true(fabs(fix.mean_back - 10) < 0.1);
	/* the improvement is no regression: nothing to fix */
	assert_int_equal(bt_series_change_fix(&f.s, &f.cps, 1, f.ev, f.n_ev, &fix), 0);

	assert_int_equal(f.n_ev, 1);
	assert_int_equal(f.ev[0].status, BT_EVENT_REVERTED);
	assert_int_equal(f.ev[0].excursion, 1);
	assert_int_equal(f.ev[0].paired, 1);
	assert_int_equal(f.ev[0].index, 20);
	assert_int_equal(f.ev[0].end, 32);
	assert_int_equal(f.ev[0].worse, 1);
	assert_int_equal(f.ev[0].points_after, N - 32);
	assert_int_equal(f.ev[0].more, 0);
	assert_ptr_equal(f.ev[0].cp, &f.cps.points[0]);
	assert_ptr_equal(f.ev[0].back_cp, &f.cps.points[1]);
	assert_true(fabs(f.ev[0].rel_change - 0.2) < 0.02);
	assert_true(fabs(f.ev[0].mean_back / f.ev[0].mean_before - 1) < 0.01);
	assert_true(bt_series_event_claims(f.ev, f.n_ev, 20));
	assert_true(bt_series_event_claims(f.ev, f.n_ev, 32));
	release(&f);

	/* higher is better: 20% lower throughput for 12 points, then back */
	double lv2[] = { 0.8, 1 };
	make(f.x, N, at, lv2, 2, 22);
	analyse(&f, BT_HIGHER_IS_BETTER);
	assert_int_equal(f.cps.n, 2);
	assert_int_equal(f.n_ev, 1);
	assert_int_equal(f.ev[0].paired, 1);
	assert_int_equal(f.ev[0].worse, 1);
	release(&f);
}

/* Back only halfway: the regression stays open (no event), partly fixed
 * at the improvement, about half of it undone. */
static void test_partial_fix(void **state)
{
	struct fixture f;
	struct bt_change_fix fix;
	size_t at[] = { 20, 32 };
	double lv[] = { 1.2, 1.1 };

	(void)state;
	make(f.x, N, at, lv, 2, 9);
	analyse(&f, BT_LOWER_IS_BETTER);
	assert_int_equal(f.cps.n, 2);
	assert_int_equal(f.n_ev, 0);
	assert_false(bt_series_event_claims(f.ev, f.n_ev, 20));
	assert_int_equal(bt_series_change_fix(&f.s, &f.cps, 0, f.ev, f.n_ev, &fix), 1);
	assert_int_equal(fix.restored, 0);
	assert_int_equal(fix.index, 32);
	assert_true(fabs(fix.recovered - 0.5) < 0.1);
	assert_true(fabs(fix.mean_back - 11) < 0.1);
	release(&f);
}

/* Fixed, then a new regression: the first is reverted, the second stays
 * open (nothing after it brings it back). */
static void test_fixed_then_new_regression(void **state)
{
	struct fixture f;
	struct bt_change_fix fix;
	size_t at[] = { 15, 27, 45 };
	double lv[] = { 1.2, 1, 1.2 };

	(void)state;
	make(f.x, N, at, lv, 3, 10);
	analyse(&f, BT_LOWER_IS_BETTER);
	assert_int_equal(f.cps.n, 3);
	assert_int_equal(f.n_ev, 1);
	assert_int_equal(f.ev[0].index, 15);
	assert_int_equal(f.ev[0].end, 27);
	assert_int_equal(f.ev[0].paired, 1);
	assert_false(bt_series_event_claims(f.ev, f.n_ev, 45));
	assert_int_equal(bt_series_change_fix(&f.s, &f.cps, cp_at(&f.cps, 45), f.ev,
					      f.n_ev, &fix), 0);
	release(&f);
}

/* An improvement, then a regression back to the old level: nothing
 * paired, the regression open. */
static void test_improvement_then_regression(void **state)
{
	struct fixture f;
	struct bt_change_fix fix;
	size_t at[] = { 20, 35 };
	double lv[] = { 0.8, 1 };

	(void)state;
	make(f.x, N, at, lv, 2, 11);
	analyse(&f, BT_LOWER_IS_BETTER);
	assert_int_equal(f.cps.n, 2);
	assert_int_equal(f.n_ev, 0);
	assert_int_equal(bt_series_change_fix(&f.s, &f.cps, 0, NULL, 0, &fix), 0);
	assert_int_equal(bt_series_change_fix(&f.s, &f.cps, 1, NULL, 0, &fix), 0);
	release(&f);
}

/* Two series: a slowdown in one and its fix-like step in the other are
 * not paired (each series is judged on its own change points). */
static void test_series_independent(void **state)
{
	struct fixture a, b;
	size_t at_a[] = { 20 }, at_b[] = { 32 };
	double lv_a[] = { 1.2 }, lv_b[] = { 0.8 };

	(void)state;
	make(a.x, N, at_a, lv_a, 1, 12);
	make(b.x, N, at_b, lv_b, 1, 13);
	analyse(&a, BT_LOWER_IS_BETTER);
	analyse(&b, BT_LOWER_IS_BETTER);
	assert_int_equal(a.cps.n, 1);
	assert_int_equal(b.cps.n, 1);
	assert_int_equal(a.n_ev, 0);
	assert_int_equal(b.n_ev, 0);
	assert_true(bt_series_change_worse(&a.s, &a.cps.points[0]));
	assert_false(bt_series_change_worse(&b.s, &b.cps.points[0]));
	release(&a);
	release(&b);
}

/* --otava-compat pairs nothing (no min_change), its change points the
 * same as before. */
static void test_otava_compat_unpaired(void **state)
{
	struct fixture f;
	struct bt_change_fix fix;
	struct bt_cp_opts o;
	struct bt_cp_result cps;
	struct bt_series_event *ev;
	size_t n_ev, at[] = { 20, 32 };
	double lv[] = { 1.2, 1 };

	(void)state;
	make(f.x, N, at, lv, 2, 7);
	analyse(&f, BT_LOWER_IS_BETTER);
	bt_cp_opts_default(&o);
	o.otava_compat = 1;
	assert_int_equal(bt_series_changepoints(&f.s, &o, &cps, NULL), 0);
	assert_true(cps.n >= 2);
	assert_int_equal(bt_series_events(&f.s, &o, &cps, &ev, &n_ev, NULL), 0);
	assert_int_equal(n_ev, 0);
	for (size_t k = 0; k < cps.n; k++)
		assert_int_equal(bt_series_change_fix(&f.s, &cps, k, NULL, 0, &fix), 0);
	bt_cp_result_release(&cps);
	release(&f);
}

/* The cache (a file, read back) gives the same paired event, its change
 * points pointing into the change points it returns. */
static void test_cache_round_trip(void **state)
{
	struct fixture f;
	char path[600];
	size_t at[] = { 20, 32 };
	double lv[] = { 1.2, 1 };

	(void)state;
	const char *tmp = getenv("TMPDIR");
	char tmpl[512];
	snprintf(tmpl, sizeof tmpl, "%s/bt-fixed-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(tmpl));
	snprintf(path, sizeof path, "%s/cp", tmpl);
	make(f.x, N, at, lv, 2, 7);
	analyse(&f, BT_LOWER_IS_BETTER);
	for (int round = 0; round < 2; round++) {
		struct bt_cp_cache *c;
		struct bt_cp_result cps;
		struct bt_series_event *ev;
		size_t n_ev, hits, misses;

		assert_int_equal(bt_cp_cache_open(&c, path, NULL), 0);
		assert_int_equal(bt_cp_cache_series(c, &f.s, &cps, &ev, &n_ev, NULL), 0);
		bt_cp_cache_stats(c, &hits, &misses);
		assert_int_equal(hits, (size_t)round);
		assert_int_equal(n_ev, 1);
		assert_int_equal(ev[0].paired, 1);
		assert_int_equal(ev[0].index, 20);
		assert_int_equal(ev[0].end, 32);
		assert_int_equal(cps.n, 2);
		assert_ptr_equal(ev[0].cp, &cps.points[0]);
		assert_ptr_equal(ev[0].back_cp, &cps.points[1]);
		assert_int_equal(bt_cp_cache_save(c, NULL), 0);
		bt_cp_cache_close(c);
		free(ev);
		bt_cp_result_release(&cps);
	}
	unlink(path);
	rmdir(tmpl);
	release(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed_slowdown),
		cmocka_unit_test(test_partial_fix),
		cmocka_unit_test(test_fixed_then_new_regression),
		cmocka_unit_test(test_improvement_then_regression),
		cmocka_unit_test(test_series_independent),
		cmocka_unit_test(test_otava_compat_unpaired),
		cmocka_unit_test(test_cache_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
