/* Unit tests of the between-process test and what feeds it: per-process
 * medians in the run format (both readers, old documents), the test
 * (bt_process_test) against SciPy's Welch t-test, the per-sample means
 * of a metric recorded once per iteration (bt_block_means), why a
 * verdict is noisy, and bt_compare_runs using both. */
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
#include "internal.h"
#include "result/json_scan.h"
#include "runmaker.h"

#ifndef BT_SOURCE_DIR
#error "BT_SOURCE_DIR must be defined"
#endif

static void near(double got, double want, double rel)
{
	if (!(fabs(got - want) <= rel * fabs(want)))
		fail_msg("got %.17g, want %.17g", got, want);
}

/* SciPy 1.10: stats.ttest_ind(log(a), log(b), equal_var=False) and, with
 * a value <= 0, on the values themselves. */
static void test_process_test(void **state)
{
	const double a[] = { 10.0, 10.5, 9.8, 10.2 };
	const double b[] = { 11.5, 11.9, 11.2, 12.0, 11.6 };
	const double c[] = { 1.0, 2.0, -1.0, 0.5 };
	const double d[] = { 3.0, 2.5, 4.0 };
	const double e[] = { 10.0, NAN, 10.5, 9.8, 10.2, INFINITY };
	struct bt_ttest t;

	(void)state;
	assert_int_equal(bt_process_test(a, 4, b, 5, &t), 0);
	near(t.t, -7.257987765554665, 1e-12);
	near(t.p, 0.00026621585246583505, 1e-10);
	assert_int_equal(bt_process_test(c, 4, d, 3, &t), 0);
	near(t.t, -3.322881735287344, 1e-12);
	near(t.p, 0.021545165825259702, 1e-10);
	/* non-finite medians are left out */
	assert_int_equal(bt_process_test(e, 6, b, 5, &t), 0);
	near(t.p, 0.00026621585246583505, 1e-10);
	assert_int_equal(bt_process_test(a, 1, b, 5, &t), BT_EINVAL);
	assert_int_equal(bt_process_test(e + 4, 2, b, 5, &t), BT_EINVAL);
}

static void test_block_means(void **state)
{
	double x[10], out[10];

	(void)state;
	for (int i = 0; i < 10; i++)
		x[i] = i + 1;
	/* blocks [0,3) [3,6) [6,10) */
	assert_int_equal(bt_block_means(x, 10, 3, out), 0);
	near(out[0], 2, 0);
	near(out[1], 5, 0);
	near(out[2], 8.5, 0);
	assert_int_equal(bt_block_means(x, 10, 10, out), 0);
	for (int i = 0; i < 10; i++)
		near(out[i], x[i], 0);
	assert_int_equal(bt_block_means(x, 10, 1, out), 0);
	near(out[0], 5.5, 0);
	assert_int_equal(bt_block_means(x, 10, 0, out), BT_EINVAL);
	assert_int_equal(bt_block_means(x, 10, 11, out), BT_EINVAL);
}

static void fill(double *v, size_t n, double level, double spread)
{
	for (size_t i = 0; i < n; i++)
		v[i] = level * (1 + spread * ((double)i / (double)n - 0.5));
}

/* Each noisy verdict names the test that did not pass and what would
 * decide it. */
static void test_noisy_causes(void **state)
{
	struct bt_verdict_opts o;
	struct bt_sample_cmp c;
	double a[20], b[20];

	(void)state;
	bt_verdict_opts_default(&o);
	assert_string_equal(bt_noisy_cause_name(BT_NOISY_NONE), "");
	assert_string_equal(bt_noisy_cause_name(BT_NOISY_FEW), "few_samples");
	assert_string_equal(bt_noisy_cause_name(BT_NOISY_SAMPLE_TEST), "sample_test");
	assert_string_equal(bt_noisy_cause_name(BT_NOISY_CI), "ci_threshold");
	assert_string_equal(bt_noisy_cause_name(BT_NOISY_PROCESSES),
			    "between_processes");

	fill(a, 15, 100, 0.01);
	fill(b, 15, 120, 0.01);
	assert_int_equal(bt_compare_samples(a, 15, b, 15, 0, &o, &c), 0);
	assert_int_equal(c.verdict, BT_VERDICT_REGRESSED);
	assert_int_equal(c.cause, BT_NOISY_NONE);
	assert_null(c.decide);
	assert_int_equal(c.process_test, 0);
	assert_true(isnan(c.p_process));

	/* the between-process test did not pass: noisy, more processes */
	c.process_test = 1;
	c.p_process = 0.2;
	bt_verdict_decide(&c, &o);
	assert_int_equal(c.verdict, BT_VERDICT_NOISY);
	assert_int_equal(c.cause, BT_NOISY_PROCESSES);
	assert_non_null(strstr(c.reason, "between-process test"));
	assert_non_null(strstr(c.decide, "--blocks"));
	/* it passed: the samples' verdict stands */
	c.p_process = 0.001;
	bt_verdict_decide(&c, &o);
	assert_int_equal(c.verdict, BT_VERDICT_REGRESSED);
	/* p = NAN (equal medians) does not pass */
	c.p_process = NAN;
	bt_verdict_decide(&c, &o);
	assert_int_equal(c.cause, BT_NOISY_PROCESSES);

	/* too few samples */
	assert_int_equal(bt_compare_samples(a, 5, b, 5, 0, &o, &c), 0);
	assert_int_equal(c.cause, BT_NOISY_FEW);
	assert_non_null(strstr(c.decide, "--measurement-iterations"));

	/* the CI straddles the threshold (about +7.5%, p < alpha) */
	for (size_t i = 0; i < 15; i++) {
		a[i] = 100 + (double)i;
		b[i] = 108 + (double)i;
	}
	assert_int_equal(bt_compare_samples(a, 15, b, 15, 0, &o, &c), 0);
	assert_int_equal(c.cause, BT_NOISY_CI);
	assert_non_null(strstr(c.reason, "straddles"));

	/* the sample test did not pass, the CI reaches beyond */
	assert_int_equal(bt_compare_samples(a, 15, b, 15, 0, &o, &c), 0);
	c.p_adjusted = 0.5;
	bt_verdict_decide(&c, &o);
	assert_int_equal(c.cause, BT_NOISY_SAMPLE_TEST);
	assert_non_null(strstr(c.reason, "sample test"));
	/* unchanged clears the cause */
	c.ci_low = 0.99;
	c.ci_high = 1.01;
	bt_verdict_decide(&c, &o);
	assert_int_equal(c.verdict, BT_VERDICT_UNCHANGED);
	assert_int_equal(c.cause, BT_NOISY_NONE);
}

/* A run of one case "spin" whose time has n samples level * (1 + noise),
 * and, when procs > 0, the medians of procs processes: level times
 * 1 + spread * (k - (procs - 1) / 2) / procs. */
static void make_run(struct bt_run *run, double level, size_t n, size_t procs,
		     double spread, uint64_t seed)
{
	assert_int_equal(bt_run_init(run), 0);
	run->suite = "s";
	run->run_id = "0123456789abcdef0123456789abcdef";
	run->timestamp = "2026-12-01T00:00:00Z";
	run->machine.fingerprint = "00000000000000ff";
	struct bt_result *r = bt_test_add_case(run, NULL, "spin", "k", "1", level, n,
					       &seed);
	assert_non_null(r);
	if (!procs)
		return;
	struct bt_metric *m = &r->metrics[0];
	m->process_medians = bt_run_alloc(run, procs * sizeof(double));
	assert_non_null(m->process_medians);
	m->n_process_medians = procs;
	for (size_t k = 0; k < procs; k++)
		m->process_medians[k] =
			level * (1 + spread * ((double)k - (double)(procs - 1) / 2) /
					     (double)procs);
}

/* Written, read back by the strict and the fast reader: the medians
 * survive; a run without them writes no "processes" member. */
static void test_format(void **state)
{
	struct bt_run run, back, scan;
	struct bt_strbuf js = BT_STRBUF_INIT, js2 = BT_STRBUF_INIT, err = BT_STRBUF_INIT;

	(void)state;
	make_run(&run, 1e-3, 12, 4, 0.1, 7);
	assert_int_equal(bt_run_to_json(&run, 1, &js, &err), 0);
	assert_non_null(strstr(js.buf, "\"processes\": {"));
	assert_non_null(strstr(js.buf, "\"medians\": ["));
	for (int strict = 1; strict >= 0; strict--) {
		struct bt_run *x = strict ? &back : &scan;
		assert_int_equal(bt_run_init(x), 0);
		if (strict)
			assert_int_equal(bt_run_from_json(x, js.buf, js.len, "m.json", &err), 0);
		else
			assert_int_equal(bt__run_scan(x, js.buf, js.len, BT__SCAN_SAMPLES), 0);
		const struct bt_metric *m = &x->results[0].metrics[0];
		assert_int_equal(m->n_process_medians, 4);
		for (size_t k = 0; k < 4; k++)
			assert_true(m->process_medians[k] ==
				    run.results[0].metrics[0].process_medians[k]);
	}
	/* read and written again: the same bytes */
	assert_int_equal(bt_run_to_json(&back, 1, &js2, &err), 0);
	assert_string_equal(js.buf, js2.buf);
	bt_run_release(&back);
	bt_run_release(&scan);
	bt_run_release(&run);

	/* one process: no member at all, as documents before the field */
	bt_strbuf_reset(&js);
	make_run(&run, 1e-3, 12, 0, 0, 7);
	assert_int_equal(bt_run_to_json(&run, 1, &js, &err), 0);
	assert_null(strstr(js.buf, "processes"));
	bt_run_release(&run);

	/* a wrong type is refused by both readers */
	const char *bad =
		"{\"schema\": \"benchtrack.run/1\", \"run_id\": \"0\", \"suite\": \"s\","
		" \"timestamp\": \"2026-11-22T20:08:32Z\", \"results\": [{\"name\": \"b\","
		" \"status\": \"ok\", \"metrics\": {\"time\": {\"samples\": [1.0],"
		" \"processes\": {\"medians\": [\"x\"]}}}}]}";
	assert_int_equal(bt_run_init(&back), 0);
	bt_strbuf_reset(&err);
	assert_int_equal(bt_run_from_json(&back, bad, strlen(bad), "bad.json", &err),
			 BT_ESCHEMA);
	assert_non_null(strstr(bt_strbuf_str(&err),
			       "results[0].metrics.time.processes.medians[0]"));
	bt_run_release(&back);
	assert_int_equal(bt_run_init(&scan), 0);
	assert_true(bt__run_scan(&scan, bad, strlen(bad), 0) != 0);
	bt_run_release(&scan);

	/* old fixtures still load, without medians, through both readers */
	const char *old[] = { BT_SOURCE_DIR "/tests/fixtures/run-attention.json",
			      BT_SOURCE_DIR "/tests/fixtures/run-extreme.json" };
	for (size_t i = 0; i < 2; i++) {
		char *text;
		size_t len;
		assert_int_equal(bt_run_init(&back), 0);
		assert_int_equal(bt_run_read_file(&back, old[i], &err), 0);
		for (size_t k = 0; k < back.n_results; k++)
			for (size_t j = 0; j < back.results[k].n_metrics; j++)
				assert_int_equal(back.results[k].metrics[j].n_process_medians, 0);
		assert_int_equal(bt__read_file(old[i], 1 << 26, &text, &len, &err), 0);
		assert_int_equal(bt_run_init(&scan), 0);
		assert_int_equal(bt__run_scan(&scan, text, len, BT__SCAN_SAMPLES), 0);
		assert_int_equal(scan.n_results, back.n_results);
		free(text);
		bt_run_release(&scan);
		bt_run_release(&back);
	}
	bt_strbuf_release(&js);
	bt_strbuf_release(&js2);
	bt_strbuf_release(&err);
}

/* compare: the between-process test with 3+ processes a side, the
 * sample test alone otherwise. */
static void test_compare_processes(void **state)
{
	struct bt_run a, b;
	struct bt_run_cmp c;
	struct bt_strbuf err = BT_STRBUF_INIT, notes = BT_STRBUF_INIT;

	(void)state;
	/* 20 samples a side, 10% slower: regressed on the samples; the
	 * processes' medians spread by 40%: the between-process test fails */
	make_run(&a, 1e-3, 20, 4, 0.4, 1);
	make_run(&b, 1.1e-3, 20, 4, 0.4, 2);
	assert_int_equal(bt_compare_runs(&a, &b, NULL, &c, &err), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.rows[0].s.process_test, 1);
	assert_int_equal(c.rows[0].s.procs_a, 4);
	assert_int_equal(c.rows[0].s.procs_b, 4);
	assert_true(c.rows[0].s.p_process > 0.01);
	assert_int_equal(c.rows[0].s.verdict, BT_VERDICT_NOISY);
	assert_int_equal(c.rows[0].s.cause, BT_NOISY_PROCESSES);
	assert_int_equal(bt_comparison_notes(&c, 0, &notes), 0);
	assert_non_null(strstr(notes.buf, "between-process test: every series"));
	assert_non_null(strstr(notes.buf, "noisy (between processes): 1 series"));
	bt_run_cmp_release(&c);
	bt_run_release(&a);
	bt_run_release(&b);

	/* processes that agree: regressed */
	make_run(&a, 1e-3, 20, 4, 0.01, 1);
	make_run(&b, 1.1e-3, 20, 4, 0.01, 2);
	assert_int_equal(bt_compare_runs(&a, &b, NULL, &c, &err), 0);
	assert_int_equal(c.rows[0].s.process_test, 1);
	assert_true(c.rows[0].s.p_process < 0.01);
	assert_int_equal(c.rows[0].s.verdict, BT_VERDICT_REGRESSED);
	bt_run_cmp_release(&c);
	bt_run_release(&b);

	/* 2 processes in B: the sample test alone, and the notes say so */
	make_run(&b, 1.1e-3, 20, 2, 0.4, 2);
	assert_int_equal(bt_compare_runs(&a, &b, NULL, &c, &err), 0);
	assert_int_equal(c.rows[0].s.process_test, 0);
	assert_int_equal(c.rows[0].s.procs_b, 2);
	assert_int_equal(c.rows[0].s.verdict, BT_VERDICT_REGRESSED);
	bt_strbuf_reset(&notes);
	assert_int_equal(bt_comparison_notes(&c, 0, &notes), 0);
	assert_non_null(strstr(notes.buf, "sample test only"));
	bt_run_cmp_release(&c);
	bt_run_release(&a);
	bt_run_release(&b);
	bt_strbuf_release(&notes);
	bt_strbuf_release(&err);
}

/* Adds to the first result of run a metric "tok" recorded once per
 * iteration: per_sample values per time sample, sample k's values
 * level * (1 + shift_k) with a shared shift per sample (a sample's
 * values are not independent) and a tiny spread inside it. */
static void add_per_iteration(struct bt_run *run, size_t per_sample, double level,
			      uint64_t seed)
{
	struct bt_result *r = &run->results[0];
	size_t n = r->metrics[0].n_samples;
	struct bt_metric *m = bt_run_alloc(run, 2 * sizeof *m);
	assert_non_null(m);
	m[0] = r->metrics[0];
	r->metrics = m;
	r->n_metrics = 2;
	m[1].name = "tok";
	m[1].unit = "s";
	m[1].direction = BT_LOWER_IS_BETTER;
	m[1].n_samples = n * per_sample;
	m[1].samples = bt_run_alloc(run, m[1].n_samples * sizeof(double));
	assert_non_null(m[1].samples);
	for (size_t k = 0; k < n; k++) {
		double shift = 0.05 * bt_test_noise(&seed);
		for (size_t j = 0; j < per_sample; j++)
			m[1].samples[k * per_sample + j] =
				level * (1 + shift + 1e-4 * bt_test_noise(&seed));
	}
	assert_int_equal(bt_stats_summarize(m[1].samples, m[1].n_samples, &m[1].stats), 0);
}

/* A metric recorded once per iteration (20 samples of 101 iterations:
 * 2,020 values) is tested as 20 per-sample means: a 0.3% difference
 * under 5% noise between samples is no regression, and the row says how
 * many values there were. */
static void test_per_iteration(void **state)
{
	struct bt_run a, b;
	struct bt_run_cmp c;
	struct bt_run_cmp_opts o;
	struct bt_strbuf err = BT_STRBUF_INIT, notes = BT_STRBUF_INIT;

	(void)state;
	make_run(&a, 1e-3, 20, 0, 0, 1);
	make_run(&b, 1e-3, 20, 0, 0, 2);
	add_per_iteration(&a, 101, 1.0, 11);
	add_per_iteration(&b, 101, 1.003, 11); /* the same sample shifts */
	bt_run_cmp_opts_default(&o);
	o.metric = "tok";
	o.verdict.delta = 0.001;
	assert_int_equal(bt_compare_runs(&a, &b, &o, &c, &err), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.rows[0].s.n_a, 20);
	assert_int_equal(c.rows[0].s.n_b, 20);
	assert_int_equal(c.rows[0].values_a, 2020);
	assert_int_equal(c.rows[0].values_b, 2020);
	/* 20 means of 101 values, each sample's shift shared by A and B:
	 * the ratio is still 1.003, but no 2,020-value certainty */
	near(c.rows[0].s.ratio, 1.003, 1e-3);
	assert_true(c.rows[0].s.ci_high - c.rows[0].s.ci_low > 0.01);
	/* taken as 2,020 independent values the interval would be far
	 * narrower than the data allow */
	{
		struct bt_sample_cmp raw;
		const struct bt_metric *ma = &a.results[0].metrics[1];
		const struct bt_metric *mb = &b.results[0].metrics[1];
		assert_int_equal(bt_compare_samples(ma->samples, ma->n_samples,
						    mb->samples, mb->n_samples, 0,
						    &o.verdict, &raw), 0);
		assert_true(raw.ci_high - raw.ci_low <
			    (c.rows[0].s.ci_high - c.rows[0].s.ci_low) / 3);
	}
	assert_int_equal(bt_comparison_notes(&c, 0, &notes), 0);
	assert_non_null(strstr(notes.buf, "recorded once per iteration"));
	bt_run_cmp_release(&c);

	/* the time metric itself is never regrouped */
	o.metric = "time";
	assert_int_equal(bt_compare_runs(&a, &b, &o, &c, &err), 0);
	assert_int_equal(c.rows[0].values_a, 0);
	assert_int_equal(c.rows[0].s.n_a, 20);
	bt_run_cmp_release(&c);
	bt_run_release(&a);
	bt_run_release(&b);
	bt_strbuf_release(&notes);
	bt_strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_process_test),
		cmocka_unit_test(test_block_means),
		cmocka_unit_test(test_noisy_causes),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_compare_processes),
		cmocka_unit_test(test_per_iteration),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
