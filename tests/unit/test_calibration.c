/* Calibration and sampling against a fake clock: the benchmark body
 * advances the clock by a known cost per iteration, so iteration counts,
 * samples and phases are exact. Cases run in process (isolate = 0). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "internal.h"

static uint64_t fake_now;
static uint64_t cost_ns;       /* per iteration */
static uint64_t iterations;    /* total iterations run */
static uint64_t fake_clock(void) { return fake_now; }

static void bm_fixed(bt_state *s)
{
	while (bt_loop(s)) {
		fake_now += cost_ns;
		iterations++;
	}
}

static void bm_paused(bt_state *s)
{
	while (bt_loop(s)) {
		bt_pause(s);
		fake_now += 5000; /* excluded */
		bt_resume(s);
		fake_now += cost_ns;
	}
}

static void bm_metric(bt_state *s)
{
	bt_metric(s, "load_s", 2.0, "s"); /* before the loop: kept */
	while (bt_loop(s)) {
		fake_now += cost_ns;
		bt_metric(s, "ttft", 7.0, "s"); /* warmup ones dropped */
	}
}

/* The first slow_calls iterations cost slow_ns each (a lazy CUDA context,
 * autotuning, page faults), the later ones cost_ns. */
static uint64_t slow_ns;
static uint64_t slow_calls;
static void bm_lazy(bt_state *s)
{
	while (bt_loop(s)) {
		fake_now += iterations < slow_calls ? slow_ns : cost_ns;
		iterations++;
	}
}

static const struct bt_bench_def defs[] = {
	{ .fn = bm_lazy, .fn_name = "lazy" },
	{ .fn = bm_fixed, .fn_name = "fixed" },
	{ .fn = bm_paused, .fn_name = "paused" },
	{ .fn = bm_metric, .fn_name = "metric" },
	{ .fn = bm_fixed, .fn_name = "capped", .max_time = 5 },
};

/* The configuration and the run of each test: defaults and an empty run
 * before it (no slow calls), the run released after it. */
static struct bt_config cfg;
static struct bt_run run;

static int test_setup(void **state)
{
	(void)state;
	bt_config_defaults(&cfg);
	memset(&run, 0, sizeof run);
	slow_ns = slow_calls = 0;
	return 0;
}

static int test_teardown(void **state)
{
	(void)state;
	bt_run_release(&run);
	return 0;
}

/* Runs the one case that filter selects with cfg, under the fake clock,
 * into run; fails the test unless that succeeds. Its result. */
static const struct bt_result *measure(const char *filter)
{
	struct bt_plan plan;
	struct bt_strbuf err = BT_STRBUF_INIT;
	cfg.filter = filter;
	cfg.isolate = 0;
	fake_now = 1000000;
	iterations = 0;
	assert_int_equal(bt_plan_build(&plan, &cfg, &err), 0);
	assert_int_equal(plan.n_cases, 1);
	assert_int_equal(bt_run_init(&run), 0);
	run.suite = "calib";
	int rc = bt_plan_run(&plan, &cfg, &run, NULL, NULL, &err);
	bt_plan_release(&plan);
	bt_strbuf_release(&err);
	assert_int_equal(rc, 0);
	return &run.results[0];
}

static int setup(void **state)
{
	for (size_t i = 0; i < sizeof defs / sizeof *defs; i++)
		bt_register(&defs[i]);
	bt__clock = fake_clock;
	return 0;
}

/* 1 us per iteration, 1 ms per sample: batches 1, 10, 100, 1000 (x10 at
 * most per step); the 1000 batch is the first warmup sample. */
static void test_calibrates_to_min_sample_time(void **state)
{
	cfg.min_sample_time = 1e-3;
	cost_ns = 1000;
	const struct bt_result *r = measure("^fixed$");
	assert_int_equal(r->status, BT_STATUS_OK);
	assert_int_equal(r->iterations_per_sample, 1000);
	assert_int_equal(r->metrics[0].n_samples, 20);
	for (size_t i = 0; i < 20; i++)
		assert_true(r->metrics[0].samples[i] == 1e-6);
	assert_true(r->metrics[0].stats.std == 0);
	assert_int_equal(iterations, 1 + 10 + 100 + 1000 + 2 * 1000 + 20 * 1000);
}

/* The growth factor follows the measured time: 300 ns per iteration and
 * 5 ms per sample: 1 -> 10 -> 100 -> 1000 -> 10000 (x10 caps; 1000 takes
 * 0.3 ms, factor 1.4*5/0.3 = 23 capped to 10) and 10000 x 300 ns = 3 ms is
 * still short: x2.33 -> 23334 (7 ms). */
static void test_growth_follows_estimate(void **state)
{
	cfg.warmup_iterations = 0;
	cfg.measurement_iterations = 4;
	cost_ns = 300;
	const struct bt_result *r = measure("^fixed$");
	uint64_t want = (uint64_t)ceil(10000 * (1.4 * 5e6 / 3e6));
	assert_int_equal(r->iterations_per_sample, want);
	/* with no warmup the calibration batch is the first kept sample */
	assert_int_equal(iterations, 1 + 10 + 100 + 1000 + 10000 + 4 * want);
}

/* An operation longer than the sample time runs once per sample. */
static void test_long_operation_one_iteration(void **state)
{
	cost_ns = 2000000000ull; /* 2 s */
	const struct bt_result *r = measure("^fixed$");
	assert_int_equal(r->iterations_per_sample, 1);
	assert_int_equal(iterations, 3 + 20);
	assert_true(r->metrics[0].stats.median == 2.0);
}

/* A time budget replaces the sample count: 50 ms of 1 ms samples. */
static void test_time_budget(void **state)
{
	cfg.min_sample_time = 1e-3;
	cfg.time_budget = 0.05;
	cost_ns = 1000;
	measure("^fixed$");
	assert_int_equal(run.results[0].metrics[0].n_samples, 50);
}

/* .max_time caps a case's measuring time: 2 s calls, a 5 s cap: 3
 * samples (6 s), not the 20 asked for; at least 3 even when one call is
 * longer than the cap. */
static void test_max_time(void **state)
{
	cost_ns = 2000000000ull; /* 2 s */
	const struct bt_result *r = measure("^capped$");
	assert_int_equal(r->status, BT_STATUS_OK);
	assert_int_equal(r->metrics[0].n_samples, 3);
	assert_int_equal(iterations, 3 + 3);
	cost_ns = 9000000000ull; /* 9 s: still 3 samples */
	bt_run_release(&run);
	r = measure("^capped$");
	assert_int_equal(r->metrics[0].n_samples, 3);
	/* fast calls never reach the cap: the sample count decides */
	cfg.min_sample_time = 1e-3;
	cost_ns = 1000;
	bt_run_release(&run);
	r = measure("^capped$");
	assert_int_equal(r->metrics[0].n_samples, 20);
}

static void test_pause_excluded(void **state)
{
	cfg.min_sample_time = 1e-3;
	cost_ns = 1000;
	measure("^paused$");
	const struct bt_metric *t = bt_result_metric(&run.results[0], "time");
	assert_true(fabs(t->stats.median - 1e-6) < 1e-15);
	assert_true(fabs(t->stats.max - 1e-6) < 1e-15);
}

/* Metrics from calibration and warmup batches are dropped; those from
 * measured batches and from outside the loop are kept. */
static void test_metric_phases(void **state)
{
	cfg.min_sample_time = 1e-3;
	cfg.measurement_iterations = 5;
	cost_ns = 100000; /* 10 iterations per sample */
	const struct bt_result *r = measure("^metric$");
	assert_int_equal(r->iterations_per_sample, 10);
	assert_int_equal(bt_result_metric(r, "ttft")->n_samples, 5 * 10);
	assert_int_equal(bt_result_metric(r, "load_s")->n_samples, 1);
	assert_string_equal(r->metrics[0].name, "time");
}

/* measure of the lazy case: slow_calls first iterations of slow_ns each,
 * then cost_ns each. */
static const struct bt_result *measure_lazy(uint64_t cost, uint64_t slow, uint64_t calls)
{
	cost_ns = cost;
	slow_ns = slow;
	slow_calls = calls;
	return measure("^lazy$");
}

/* Every kept sample lasts at least the minimum sample time. */
static void assert_samples_long_enough(const struct bt_result *r, double mst)
{
	const struct bt_metric *t = bt_result_metric(r, "time");
	assert_non_null(t);
	for (size_t i = 0; i < t->n_samples; i++)
		assert_true(t->samples[i] * (double)r->iterations_per_sample >=
			    mst * (1 - 1e-12));
}

/* A first call of 6 ms and 100 us later: the first call alone decides
 * nothing. 1 (6 ms, first call: 1 iteration, to be confirmed) -> warmup
 * at 1 (0.1 ms: x10) -> 10 (1 ms: x7) -> 70 (7 ms, confirmed): 70
 * iterations per sample, not 1. */
static void test_lazy_first_call(void **state)
{
	const struct bt_result *r = measure_lazy(100000, 6000000, 1);
	assert_int_equal(r->status, BT_STATUS_OK);
	assert_int_equal(r->iterations_per_sample, 70);
	assert_int_equal(r->metrics[0].n_samples, 20);
	assert_true(r->metrics[0].stats.median == 1e-4);
	assert_samples_long_enough(r, cfg.min_sample_time);
	assert_int_equal(iterations, 1 + 1 + 10 + 70 + 20 * 70);
	assert_int_equal(bt_result_sample_warning(r, 1e-9, cfg.min_sample_time,
						  NULL), 0);
}

/* Without warmup the first call still decides nothing: the batches that
 * grow the count are discarded, the confirmed one too. */
static void test_lazy_first_call_no_warmup(void **state)
{
	cfg.warmup_iterations = 0;
	cfg.measurement_iterations = 5;
	const struct bt_result *r = measure_lazy(100000, 6000000, 1);
	assert_int_equal(r->iterations_per_sample, 70);
	assert_int_equal(r->metrics[0].n_samples, 5);
	assert_true(r->metrics[0].stats.max == 1e-4);
	assert_int_equal(iterations, 1 + 1 + 10 + 70 + 5 * 70);
}

/* Calibration goes on through warmup: two slow calls (6 ms) confirm 1
 * iteration, the third warmup sample (0.1 ms) is short, so the count grows
 * (10, then 70) and measuring waits for a sample that meets the time. */
static void test_recalibrates_after_warmup(void **state)
{
	const struct bt_result *r = measure_lazy(100000, 6000000, 2);
	assert_int_equal(r->iterations_per_sample, 70);
	assert_samples_long_enough(r, cfg.min_sample_time);
	assert_int_equal(iterations, 1 + 1 + 1 + 10 + 70 + 20 * 70);
}

/* A ~50 ns operation behind a 6 ms first call is calibrated to thousands
 * of iterations, far from the clock's resolution. */
static void test_fast_operation_after_slow_first_call(void **state)
{
	const struct bt_result *r = measure_lazy(50, 6000000, 1);
	assert_true(r->iterations_per_sample >= 100000);
	assert_true(r->metrics[0].stats.median == 50e-9);
	assert_samples_long_enough(r, cfg.min_sample_time);
	assert_int_equal(bt_result_sample_warning(r, 1e-6, cfg.min_sample_time,
						  NULL), 0);
}

/* bt_result_sample_warning of r, with a clock of resolution res and
 * cfg's minimum sample time, warns, saying says and naming the flag
 * advice. */
static void assert_warns(const struct bt_result *r, double res, const char *says,
			 const char *advice)
{
	struct bt_strbuf msg = BT_STRBUF_INIT;
	assert_int_equal(bt_result_sample_warning(r, res, cfg.min_sample_time, &msg), 1);
	assert_non_null(strstr(msg.buf, says));
	assert_non_null(strstr(msg.buf, advice));
	bt_strbuf_release(&msg);
}

/* Samples near the clock's resolution are flagged: 50 ns per operation
 * with a 100 ns minimum sample time gives 3 iterations (1 takes 50 ns:
 * x2.8), 150 ns samples, which a 1 us clock cannot time. */
static void test_warns_near_timer_resolution(void **state)
{
	cfg.min_sample_time = 100e-9;
	const struct bt_result *r = measure_lazy(50, 0, 0);
	assert_int_equal(r->iterations_per_sample, 3);
	/* a 10 ps clock times 150 ns samples well enough */
	assert_int_equal(bt_result_sample_warning(r, 1e-11, cfg.min_sample_time,
						  NULL), 0);
	assert_warns(r, 1e-6, "a sample lasts 150 ns (3 iterations), "
			      "near the clock's resolution of 1 us", "--min-sample-time");
}

/* A benchmark still slow after warmup, fast later: the kept samples fall
 * under the sample time, and that is said. */
static void test_warns_when_faster_after_calibration(void **state)
{
	const struct bt_result *r = measure_lazy(100000, 6000000, 3);
	assert_int_equal(r->iterations_per_sample, 1);
	assert_warns(r, 1e-9, "a sample lasts 100 us (1 iteration), "
			      "under the minimum sample time of 5 ms", "--warmup-iterations");
}

#define CALIB_TEST(f) cmocka_unit_test_setup_teardown(f, test_setup, test_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		CALIB_TEST(test_calibrates_to_min_sample_time),
		CALIB_TEST(test_growth_follows_estimate),
		CALIB_TEST(test_long_operation_one_iteration),
		CALIB_TEST(test_time_budget),
		CALIB_TEST(test_max_time),
		CALIB_TEST(test_pause_excluded),
		CALIB_TEST(test_metric_phases),
		CALIB_TEST(test_lazy_first_call),
		CALIB_TEST(test_lazy_first_call_no_warmup),
		CALIB_TEST(test_recalibrates_after_warmup),
		CALIB_TEST(test_fast_operation_after_slow_first_call),
		CALIB_TEST(test_warns_near_timer_resolution),
		CALIB_TEST(test_warns_when_faster_after_calibration),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
