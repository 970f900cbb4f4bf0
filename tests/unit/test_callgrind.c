/* Counting instead of timing (lib/run/counters.c): callgrind's output
 * files summed from their totals lines, the estimated cycles of
 * --cache-sim (iai-callgrind's formula), and a case run with --measure
 * instructions outside callgrind or --measure cycles without counters
 * failing with a message that says why. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "internal.h"
#include "run/counters.h"

static char dir[64];

static int make_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "%s/bt-cg-XXXXXX",
		 getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	(void)state;
	return bt__rm_tree(dir, NULL) == 0 ? 0 : -1;
}

static void put(const char *name, const char *text)
{
	char *p = bt__pathf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(p);
}

static void test_totals_summed(void **state)
{
	(void)state;
	put("cg.7.1", "# callgrind format\nversion: 1\ncreator: callgrind-3.19.0\n"
		      "events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw\n"
		      "summary: 1 1 1 1 1 1 1 1 1\n"
		      "fn=(0) main\n0 999 1 1\n"
		      "totals: 1000 300 200 10 20 10 2 5 3\n");
	/* trailing zero events may be left out of a line */
	put("cg.7.2", "events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw\n"
		      "totals: 500 100\n");
	put("cg.8.1", "events: Ir\ntotals: 123456\n"); /* another process */
	struct bt__cg_totals t;
	memset(&t, 0, sizeof t);
	struct bt_strbuf err = BT_STRBUF_INIT;
	assert_int_equal(bt__cg_read(dir, "cg.7.", 1, &t, &err), 0);
	assert_int_equal(t.files, 2);
	assert_true(t.cache);
	assert_string_equal(t.creator, "callgrind-3.19.0");
	assert_true(t.ir == 1500 && t.dr == 400 && t.dw == 200);
	assert_true(bt__cg_l1_misses(&t) == 40);
	assert_true(bt__cg_ll_misses(&t) == 10);
	/* L1 hits 2100 - 40, LL hits 40 - 10, RAM hits 10 */
	assert_true(bt__cg_est_cycles(&t) == 2060 + 5 * 30 + 35 * 10);
	/* read files are removed; the other process's stays */
	char *p = bt__pathf("%s/cg.7.1", dir);
	assert_int_not_equal(access(p, F_OK), 0);
	free(p);
	memset(&t, 0, sizeof t);
	assert_int_equal(bt__cg_read(dir, "cg.", 0, &t, &err), 0);
	assert_int_equal(t.files, 1);
	assert_false(t.cache);
	assert_true(t.ir == 123456);
	bt_strbuf_release(&err);
}

static void test_not_callgrind(void **state)
{
	(void)state;
	put("cg.9.1", "events: Ir\nno totals here\n");
	struct bt__cg_totals t;
	memset(&t, 0, sizeof t);
	struct bt_strbuf err = BT_STRBUF_INIT;
	assert_int_equal(bt__cg_read(dir, "cg.9.", 1, &t, &err), BT_EIO);
	assert_non_null(strstr(bt_strbuf_str(&err), "cg.9.1: not a callgrind output file"));
	bt_strbuf_release(&err);
}

static void test_kinds(void **state)
{
	(void)state;
	assert_int_equal(bt__measure_kind(NULL), BT__M_TIME);
	assert_int_equal(bt__measure_kind("time"), BT__M_TIME);
	assert_int_equal(bt__measure_kind("instructions"), BT__M_INSTRUCTIONS);
	assert_int_equal(bt__measure_kind("cycles"), BT__M_CYCLES);
	assert_int_equal(bt__measure_kind("ticks"), -1);
}

static void bm_loop(bt_state *s)
{
	volatile int x = 0;
	while (bt_loop(s))
		x++;
}

static const struct bt_bench_def def = { .fn = bm_loop, .fn_name = "loop" };

/* Runs bm_loop in process with measure; returns the result's status and
 * copies its message into msg. */
static int run_measured(const char *measure, char *msg, size_t cap,
			struct bt_run *run)
{
	struct bt_config cfg;
	bt_config_defaults(&cfg);
	cfg.isolate = 0;
	cfg.measurement_iterations = 3;
	cfg.warmup_iterations = 0;
	cfg.min_sample_time = 1e-4;
	cfg.measure = measure;
	struct bt_case c = { .def = &def, .name = "loop", .variant = "default",
			     .id = "loop" };
	assert_int_equal(bt_run_init(run), 0);
	struct bt_result *r = bt_run_add_result(run);
	assert_non_null(r);
	assert_int_equal(bt__result_identity(run, r, &c), 0);
	assert_int_equal(bt__exec_case(&c, &cfg, run, r), 0);
	snprintf(msg, cap, "%s", r->message ? r->message : "");
	return (int)r->status;
}

static void test_instructions_outside_callgrind(void **state)
{
	(void)state;
	struct bt_run run;
	char msg[512];
	assert_int_equal(run_measured("instructions", msg, sizeof msg, &run),
			 BT_STATUS_FAILED);
	assert_non_null(strstr(msg, "does not run under callgrind"));
	bt_run_release(&run);
}

static void test_cycles(void **state)
{
	(void)state;
	struct bt_run run;
	char msg[1024];
	struct bt__perf p;
	struct bt_strbuf err = BT_STRBUF_INIT;
	int avail = bt__perf_open(&p, &err) == 0;
	if (avail)
		bt__perf_close(&p);
	else
		assert_non_null(strstr(bt_strbuf_str(&err), "perf_event_paranoid is"));
	int st = run_measured("cycles", msg, sizeof msg, &run);
	if (avail) {
		assert_int_equal(st, BT_STATUS_OK);
		const struct bt_result *r = &run.results[0];
		int found = 0;
		for (size_t i = 0; i < r->n_metrics; i++)
			found += strcmp(r->metrics[i].name, "cycles") == 0 ||
				 strcmp(r->metrics[i].name, "hw_instructions") == 0;
		assert_int_equal(found, 2);
	} else {
		/* this machine: no PMU, or a paranoid kernel */
		assert_int_equal(st, BT_STATUS_FAILED);
		assert_string_equal(msg, bt_strbuf_str(&err));
		assert_non_null(strstr(msg, "--measure cycles: perf_event_open"));
	}
	bt_strbuf_release(&err);
	bt_run_release(&run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_totals_summed, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_not_callgrind, make_dir, remove_dir),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_instructions_outside_callgrind),
		cmocka_unit_test(test_cycles),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
