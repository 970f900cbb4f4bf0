/* Unit tests of deterministic metrics: bt_compare_counts on
 * constructed counts, bt_compare_runs on constructed runs whose metric is
 * marked deterministic (no p-values, out of the correction, the 1%
 * default and a given threshold), the field's JSON round trip, and the
 * change-point floor of a series without noise. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "benchtrack.h"
#include "benchtrack/analysis.h"
#include "runmaker.h"

/* n counts of level, the i-th one level + jitter[i % 3] */
static void counts(double *x, size_t n, double level, double jitter)
{
	for (size_t i = 0; i < n; i++)
		x[i] = level + jitter * (double)(i % 3);
}

static void test_rule(void **state)
{
	struct bt_sample_cmp c;
	struct bt_verdict_opts o;
	double a[5], b[5];
	(void)state;
	bt_verdict_opts_default(&o);
	assert_true(o.count_delta == 0.01);

	/* the same count: unchanged, no p-value, one value a side is enough */
	counts(a, 5, 1e6, 0);
	assert_int_equal(bt_compare_counts(a, 1, a, 1, 0, &o, &c), 0);
	assert_int_equal(c.verdict, BT_VERDICT_UNCHANGED);
	assert_true(c.deterministic);
	assert_true(isnan(c.p_value) && isnan(c.p_adjusted));
	assert_true(c.ratio == 1.0);
	assert_string_equal(c.reason, "deterministic count: the change is within "
				      "the threshold");

	/* +1.5%: regressed; +0.5%: unchanged; -2%: improved */
	counts(b, 5, 1.015e6, 0);
	assert_int_equal(bt_compare_counts(a, 5, b, 5, 0, &o, &c), 0);
	assert_int_equal(c.verdict, BT_VERDICT_REGRESSED);
	assert_true(fabs(c.ratio - 1.015) < 1e-12);
	counts(b, 5, 1.005e6, 0);
	assert_int_equal(bt_compare_counts(a, 5, b, 5, 0, &o, &c), 0);
	assert_int_equal(c.verdict, BT_VERDICT_UNCHANGED);
	counts(b, 5, 0.98e6, 0);
	assert_int_equal(bt_compare_counts(a, 5, b, 5, 0, &o, &c), 0);
	assert_int_equal(c.verdict, BT_VERDICT_IMPROVED);
	/* higher is better: the same -2% is a regression */
	assert_int_equal(bt_compare_counts(a, 5, b, 5, 1, &o, &c), 0);
	assert_int_equal(c.verdict, BT_VERDICT_REGRESSED);

	/* at a resolution of 0.01%: a count 0.9999..% larger (1% more work
	 * plus the loop's own overhead) is 1%, one 0.99% larger is not */
	counts(b, 5, 1.0099995e6, 0);
	assert_int_equal(bt_compare_counts(a, 5, b, 5, 0, &o, &c), 0);
	assert_int_equal(c.verdict, BT_VERDICT_REGRESSED);
	counts(b, 5, 1.0099e6, 0);
	assert_int_equal(bt_compare_counts(a, 5, b, 5, 0, &o, &c), 0);
	assert_int_equal(c.verdict, BT_VERDICT_UNCHANGED);
	counts(b, 5, 1e6 / 1.0099995, 0);
	assert_int_equal(bt_compare_counts(a, 5, b, 5, 0, &o, &c), 0);
	assert_int_equal(c.verdict, BT_VERDICT_IMPROVED);

	/* a threshold of 0.2% flags +0.5% */
	o.count_delta = 0.002;
	counts(b, 5, 1.005e6, 0);
	assert_int_equal(bt_compare_counts(a, 5, b, 5, 0, &o, &c), 0);
	assert_int_equal(c.verdict, BT_VERDICT_REGRESSED);

	/* a jitter of a few counts (ASLR, 1e-5) is within half the
	 * threshold; one of 0.6% a side is not: noisy, count_spread */
	o.count_delta = 0.01;
	counts(a, 5, 1e6, 10);
	counts(b, 5, 1.02e6, 10);
	assert_int_equal(bt_compare_counts(a, 5, b, 5, 0, &o, &c), 0);
	assert_int_equal(c.verdict, BT_VERDICT_REGRESSED);
	counts(b, 5, 1.02e6, 3000);
	assert_int_equal(bt_compare_counts(a, 5, b, 5, 0, &o, &c), 0);
	assert_int_equal(c.verdict, BT_VERDICT_NOISY);
	assert_int_equal(c.cause, BT_NOISY_COUNTS);
	assert_string_equal(bt_noisy_cause_name(c.cause), "count_spread");

	/* refused: empty, NAN; no ratio from a zero count: noisy */
	assert_int_equal(bt_compare_counts(a, 0, b, 5, 0, &o, &c), BT_EINVAL);
	b[0] = NAN;
	assert_int_equal(bt_compare_counts(a, 5, b, 5, 0, &o, &c), BT_EINVAL);
	counts(b, 5, 0, 0);
	assert_int_equal(bt_compare_counts(a, 5, b, 5, 0, &o, &c), 0);
	assert_int_equal(c.verdict, BT_VERDICT_NOISY);
}

/* A run of two results: "k" with an instruction count of level
 * (deterministic, n samples) and "t" with a time of 1 ms * tlevel (1%
 * noise, 20 samples). */
static void make_run(struct bt_run *run, double level, size_t n, double tlevel,
		     uint64_t seed)
{
	char skey[17];
	assert_int_equal(bt_run_init(run), 0);
	run->suite = "s";
	run->machine.fingerprint = "f00d";
	run->run_id = bt_run_printf(run, "run%g", level);
	struct bt_result *r = bt_run_add_result(run);
	r->name = "k";
	r->variant = "default";
	r->metrics = bt_run_alloc(run, sizeof *r->metrics);
	r->n_metrics = 1;
	struct bt_metric *m = &r->metrics[0];
	m->name = "instructions";
	m->unit = "instr";
	m->deterministic = 1;
	m->samples = bt_run_alloc(run, n * sizeof *m->samples);
	m->n_samples = n;
	for (size_t i = 0; i < n; i++)
		m->samples[i] = level;
	assert_int_equal(bt_stats_summarize(m->samples, n, &m->stats), 0);
	bt_series_key(run->suite, r, run->machine.fingerprint, "instructions", skey);
	r->series_key = bt_run_strdup(run, skey);
	assert_non_null(bt_test_add_case(run, NULL, "t", "n", "1", 1e-3 * tlevel, 20,
					 &seed));
}

static void test_runs(void **state)
{
	struct bt_run a, b;
	struct bt_run_cmp_opts o;
	struct bt_run_cmp c;
	(void)state;
	make_run(&a, 1000000, 3, 1, 1);
	make_run(&b, 1012000, 3, 1, 2);
	bt_run_cmp_opts_default(&o);
	o.metric = "instructions";
	assert_int_equal(bt_compare_runs(&a, &b, &o, &c, NULL), 0);
	/* only "k" has the metric: one row, regressed by 1.2%, no p-value, out
	 * of the correction */
	assert_int_equal(c.n, 1);
	assert_string_equal(c.rows[0].name, "k");
	assert_int_equal(c.rows[0].s.verdict, BT_VERDICT_REGRESSED);
	assert_true(c.rows[0].s.deterministic);
	assert_true(isnan(c.rows[0].s.p_value));
	assert_int_equal(c.n_family, 0);
	assert_int_equal(c.counts[BT_VERDICT_REGRESSED], 1);
	{
		struct bt_strbuf notes = BT_STRBUF_INIT;
		assert_int_equal(bt_comparison_notes(&c, 0, &notes), 0);
		assert_non_null(strstr(bt_strbuf_str(&notes),
				       "1 series of a deterministic metric (counts): "
				       "judged by the threshold"));
		assert_null(strstr(bt_strbuf_str(&notes), "sample test only"));
		bt_strbuf_release(&notes);
	}
	bt_run_cmp_release(&c);
	/* a 2% threshold: unchanged */
	o.verdict.count_delta = 0.02;
	assert_int_equal(bt_compare_runs(&a, &b, &o, &c, NULL), 0);
	assert_int_equal(c.rows[0].s.verdict, BT_VERDICT_UNCHANGED);
	bt_run_cmp_release(&c);
	/* the default metric: "k" on its primary (counted) metric by the
	 * threshold, "t" on its time through the tests, alone in the family */
	o.metric = "time";
	assert_int_equal(bt_compare_runs(&a, &b, &o, &c, NULL), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.rows[0].name, "k");
	assert_true(c.rows[0].s.deterministic);
	assert_string_equal(c.rows[1].name, "t");
	assert_false(c.rows[1].s.deterministic);
	assert_true(isfinite(c.rows[1].s.p_value));
	assert_int_equal(c.n_family, 1);
	bt_run_cmp_release(&c);
	bt_run_release(&a);
	bt_run_release(&b);
}

static void test_json(void **state)
{
	struct bt_run a, back;
	struct bt_strbuf js = BT_STRBUF_INIT;
	(void)state;
	make_run(&a, 5000, 2, 1, 3);
	a.timestamp = "2026-12-04T00:00:00Z";
	a.benchmark_type = "kernel";
	assert_int_equal(bt_run_to_json(&a, 1, &js, NULL), 0);
	/* written on the counted metric only */
	const char *s = bt_strbuf_str(&js), *p = strstr(s, "\"deterministic\": true");
	assert_non_null(p);
	assert_null(strstr(p + 1, "\"deterministic\""));
	assert_int_equal(bt_run_init(&back), 0);
	assert_int_equal(bt_run_from_json(&back, s, strlen(s), "t.json", NULL), 0);
	assert_int_equal(back.results[0].metrics[0].deterministic, 1);
	assert_int_equal(back.results[1].metrics[0].deterministic, 0);
	bt_run_release(&back);
	bt_strbuf_release(&js);
	bt_run_release(&a);
}

/* n points of level, then m of level * (1 + step), with a jitter of
 * `jitter` counts */
static size_t series(double *x, size_t n, size_t m, double level, double step,
		     double jitter)
{
	for (size_t i = 0; i < n + m; i++)
		x[i] = (i < n ? level : level * (1 + step)) + jitter * (double)(i % 2);
	return n + m;
}

static void test_changepoint_floor(void **state)
{
	struct bt_cp_opts o;
	struct bt_cp_result r;
	double x[100];
	(void)state;
	bt_cp_opts_default(&o);
	assert_true(o.count_floor == 0.01);
	assert_true(bt_cp_floor(&o, 1e6, 0) == 0.01);
	assert_true(bt_cp_floor(&o, 1e6, 1000) == o.min_magnitude);
	assert_true(bt_cp_floor(&o, 1e6, NAN) == o.min_magnitude);

	/* a count that steps by 0.7%: below the 1% floor of a series without
	 * noise (the 0.5% floor of a timed series would report it) */
	size_t n = series(x, 60, 40, 1e6, 0.007, 0);
	assert_int_equal(bt_changepoints(x, n, &o, &r, NULL), 0);
	assert_int_equal(r.n, 0);
	bt_cp_result_release(&r);
	/* with the floor off, the same step is reported */
	o.count_floor = 0;
	assert_int_equal(bt_changepoints(x, n, &o, &r, NULL), 0);
	assert_int_equal(r.n, 1);
	bt_cp_result_release(&r);
	o.count_floor = 0.01;
	/* 1.5% is, at its index, also with a jitter of 2 counts */
	n = series(x, 60, 40, 1e6, 0.015, 2);
	assert_int_equal(bt_changepoints(x, n, &o, &r, NULL), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.points[0].index, 60);
	bt_cp_result_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule),
		cmocka_unit_test(test_runs),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_changepoint_floor),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
