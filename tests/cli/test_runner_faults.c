/* The runner against real misbehaving processes: the fixture suite
 * tests/fixtures/suite_faults.c crashes, hangs, fails validation, runs out
 * of memory under --memory-limit (adaptive retry), fails and skips; the
 * normal cases must still be complete and the exit code 4.
 *
 * Nothing here depends on how busy the machine is: the main run has a
 * timeout far beyond its work (the hang case runs alone with a short
 * one), and timing checks hold by construction, not by speed. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "benchtrack.h"
#include "helpers.h"

static char *dir;
static struct bt_run run;
static int exit_code;
static char *stderr_text;
static char pidfile[512]; /* leaves_child writes its child's pid there */

static const struct bt_result *find(const char *name, const char *param,
				    const char *value)
{
	for (size_t i = 0; i < run.n_results; i++) {
		const struct bt_result *r = &run.results[i];
		if (strcmp(r->name, name) != 0)
			continue;
		if (!param)
			return r;
		for (size_t k = 0; k < r->n_params; k++)
			if (strcmp(r->params[k].key, param) == 0 &&
			    strcmp(r->params[k].value, value) == 0)
				return r;
	}
	return NULL;
}

static int setup(void **state)
{
	dir = bt_test_tmpdir();
	char out[512], err[512], json[512];
	snprintf(out, sizeof out, "%s/stdout", dir);
	snprintf(err, sizeof err, "%s/stderr", dir);
	snprintf(json, sizeof json, "%s/run.json", dir);
	snprintf(pidfile, sizeof pidfile, "%s/pid", dir);
	setenv("BT_FAULTS_PIDFILE", pidfile, 1);
	/* every case but hang (test_hang_times_out) with a timeout no case
	 * comes near, however loaded the machine: a timeout of 2 s made the
	 * 256 MiB out-of-memory retry time out under load */
	char *argv[] = { BT_BINARY_DIR "/suite_faults", "--exclude", "^hang$",
			 "--timeout", "240s", "--memory-limit", "512M",
			 "--min-sample-time", "1ms", "--measurement-iterations", "8",
			 "--out", json, "--type", "regression", NULL };
	exit_code = bt_test_spawn(argv, out, err);
	unsetenv("BT_FAULTS_PIDFILE");
	stderr_text = bt_test_slurp(err);
	return bt_test_read_run(&run, json);
}

static int teardown(void **state)
{
	bt_run_release(&run);
	free(stderr_text);
	free(dir);
	return 0;
}

static void test_exit_code_is_4(void **state)
{
	assert_int_equal(exit_code, 4);
	assert_int_equal(run.n_results, 11);
	assert_string_equal(run.benchmark_type, "regression");
	assert_string_equal(run.suite, "suite_faults");
}

static void test_normal_cases_complete(void **state)
{
	const char *names[] = { "sum", "sum_unrolled" };
	const char *ns[] = { "64", "1024" };
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 2; j++) {
			const struct bt_result *r = find(names[i], "n", ns[j]);
			assert_non_null(r);
			assert_int_equal(r->status, BT_STATUS_OK);
			assert_null(r->message);
			const struct bt_metric *t = bt_result_metric(r, "time");
			assert_non_null(t);
			assert_string_equal(t->unit, "s");
			assert_int_equal(t->n_samples, 8);
			assert_int_equal(t->stats.n, 8);
			assert_true(t->stats.median > 0 && t->stats.median < 1e-3);
			assert_true(t->stats.min <= t->stats.median);
			assert_true(t->stats.median <= t->stats.max);
			assert_true(t->stats.median_ci_low <= t->stats.median);
			assert_true(r->iterations_per_sample >= 1);
			/* how long a sample lasts against the minimum sample
			 * time depends on the clock and on the machine's load
			 * during calibration: test_calibration checks it with a
			 * fake clock */
			assert_true(r->peak_memory_bytes > 0);
			assert_non_null(r->series_key);
			assert_int_equal(strlen(r->series_key), 16);
		}
	const struct bt_result *r = find("sum", "n", "1024");
	assert_true(r->validation.checked);
	assert_true(r->validation.passed);
	assert_non_null(r->throughput.unit);
	assert_string_equal(r->throughput.unit, "elements/s");
	assert_true(fabs(r->throughput.value * bt_result_metric(r, "time")->stats.median - 1024) < 1e-6);
	assert_int_equal(r->n_counters, 1);
	assert_true(r->counters[0].value == 1024);
	/* a per-sample metric recorded after the loop keeps its own stats */
	const struct bt_metric *m = bt_result_metric(find("sum_unrolled", "n", "64"), "setup_ms");
	assert_non_null(m);
	assert_int_equal(m->n_samples, 1);
	assert_true(m->stats.median == 1.5);
}

static void test_crash(void **state)
{
	const struct bt_result *r = find("crash", NULL, NULL);
	assert_non_null(r);
	assert_int_equal(r->status, BT_STATUS_CRASHED);
	assert_non_null(strstr(r->message, "SIGSEGV"));
}

/* The hang case alone, with a short timeout: it never ends by itself,
 * so the outcome does not depend on the machine's speed. */
static void test_hang_times_out(void **state)
{
	char json[512], err[512];
	snprintf(json, sizeof json, "%s/hang.json", dir);
	snprintf(err, sizeof err, "%s/hang.err", dir);
	char *argv[] = { BT_BINARY_DIR "/suite_faults", "--filter", "^hang$",
			 "--timeout", "1s", "--out", json, NULL };
	assert_int_equal(bt_test_spawn(argv, NULL, err), 4);
	char *e = bt_test_slurp(err);
	assert_non_null(strstr(e, "hang: timeout: timed out after 1 s"));
	free(e);
	struct bt_run h;
	assert_int_equal(bt_test_read_run(&h, json), 0);
	assert_int_equal(h.n_results, 1);
	const struct bt_result *r = &h.results[0];
	assert_string_equal(r->name, "hang");
	assert_int_equal(r->status, BT_STATUS_TIMEOUT);
	assert_string_equal(r->message, "timed out after 1 s");
	assert_true(r->wall_s >= 1.0);
	bt_run_release(&h);
}

static void test_failed_validation(void **state)
{
	const struct bt_result *r = find("bad_validation", NULL, NULL);
	assert_int_equal(r->status, BT_STATUS_FAILED);
	assert_non_null(strstr(r->message, "validation failed"));
	assert_true(r->validation.checked);
	assert_false(r->validation.passed);
	assert_true(fabs(r->validation.max_rel_err - 0.1) < 1e-9);
	assert_true(fabs(r->validation.max_abs_err - 0.1) < 1e-9);
}

static void test_fail_and_skip(void **state)
{
	const struct bt_result *f = find("fails", NULL, NULL);
	assert_int_equal(f->status, BT_STATUS_FAILED);
	assert_string_equal(f->message, "input file weights.bin is missing");
	const struct bt_result *s = find("skips", NULL, NULL);
	assert_int_equal(s->status, BT_STATUS_SKIPPED);
	assert_string_equal(s->message, "needs a GPU");
}

static void test_oom_adaptive_retry(void **state)
{
	const struct bt_result *r = find("oom_adaptive", NULL, NULL);
	assert_non_null(r);
	assert_int_equal(r->status, BT_STATUS_OK);
	assert_string_equal(r->adaptive.param, "batch");
	assert_string_equal(r->adaptive.requested, "16");
	assert_string_equal(r->adaptive.ran, "4");
	assert_int_equal(r->adaptive.retries, 2);
	assert_string_equal(r->params[0].value, "4");
	assert_true(r->memory_bytes == 4 * (64 << 20));
	assert_true(r->peak_memory_bytes >= 4 * (64 << 20));
}

/* A process the case left behind dies with the case, and is reaped: its
 * pid (from the pid file) names no process, not even a zombie. */
static void test_leftover_process_killed(void **state)
{
	const struct bt_result *r = find("leaves_child", NULL, NULL);
	assert_int_equal(r->status, BT_STATUS_OK);
	char *s = bt_test_slurp(pidfile);
	long pid = strtol(s, NULL, 10);
	free(s);
	assert_true(pid > 0);
	int alive = kill((pid_t)pid, 0) == 0 || errno != ESRCH;
	if (alive)
		kill((pid_t)pid, SIGKILL);
	assert_false(alive);
}

static void test_variant_from_options(void **state)
{
	const struct bt_result *r = find("options", NULL, NULL);
	assert_string_equal(r->variant, "fast+cache");
	assert_int_equal(r->n_options, 2);
}

static void test_failures_reported_on_stderr(void **state)
{
	assert_non_null(strstr(stderr_text, "crash: crashed"));
	assert_non_null(strstr(stderr_text, "11 cases: 7 ok, 2 failed, 1 crashed, 1 skipped"));
}

/* Filters, --list and usage errors. */
static void test_filter_list_and_usage(void **state)
{
	char out[512];
	snprintf(out, sizeof out, "%s/list", dir);
	char *a1[] = { BT_BINARY_DIR "/suite_faults", "--list", "--filter", "^sum",
		       "--exclude", "unrolled", "--param", "n=8,16,32", NULL };
	assert_int_equal(bt_test_spawn(a1, out, NULL), 0);
	char *s = bt_test_slurp(out);
	assert_string_equal(s, "sum/n=8\nsum/n=16\nsum/n=32\n");
	free(s);

	char *a2[] = { BT_BINARY_DIR "/suite_faults", "--list", "--ablation",
		       "--filter", "^options", NULL };
	assert_int_equal(bt_test_spawn(a2, out, NULL), 0);
	s = bt_test_slurp(out);
	assert_string_equal(s, "options:none\noptions:fast\noptions:cache\noptions:fast+cache\n");
	free(s);

	char err[512];
	snprintf(err, sizeof err, "%s/err", dir);
	char *a3[] = { BT_BINARY_DIR "/suite_faults", "--warmup-iterations", "x", NULL };
	assert_int_equal(bt_test_spawn(a3, NULL, err), 2);
	s = bt_test_slurp(err);
	assert_non_null(strstr(s, "--warmup-iterations: 'x' is not an integer"));
	free(s);

	char *a4[] = { BT_BINARY_DIR "/suite_faults", "--param", "n=1..", NULL };
	assert_int_equal(bt_test_spawn(a4, NULL, err), 2);
	s = bt_test_slurp(err);
	assert_non_null(strstr(s, "n=1.."));
	free(s);

	/* a misspelt axis is an error, not a silent full sweep */
	char *a7[] = { BT_BINARY_DIR "/suite_faults", "--list", "--param", "nn=3", NULL };
	assert_int_equal(bt_test_spawn(a7, NULL, err), 2);
	s = bt_test_slurp(err);
	assert_non_null(strstr(s, "no benchmark has a parameter 'nn'"));
	free(s);

	/* --quick cuts declared sweeps (n=64,1K keeps both; batch=16 stays)
	 * but never the values asked for with --param */
	char *a8[] = { BT_BINARY_DIR "/suite_faults", "--list", "--quick", "--param",
		       "n=1,2,3", "--filter", "^sum/", NULL };
	assert_int_equal(bt_test_spawn(a8, out, NULL), 0);
	s = bt_test_slurp(out);
	assert_string_equal(s, "sum/n=1\nsum/n=2\nsum/n=3\n");
	free(s);

	char *a5[] = { BT_BINARY_DIR "/suite_faults", "--filter", "(", NULL };
	assert_int_equal(bt_test_spawn(a5, NULL, err), 2);

	char *a6[] = { BT_BINARY_DIR "/suite_faults", "--options", "nosuch", NULL };
	assert_int_equal(bt_test_spawn(a6, NULL, err), 2);
	s = bt_test_slurp(err);
	assert_non_null(strstr(s, "nosuch"));
	free(s);
}

/* In process (--no-isolate) with a time budget, JSON on stdout; and the
 * Markdown table. */
static void test_no_isolate_budget_json_md(void **state)
{
	char out[512];
	snprintf(out, sizeof out, "%s/stdout.json", dir);
	char *a[] = { BT_BINARY_DIR "/suite_faults", "--no-isolate", "--filter", "^sum/n=64$",
		      "--min-sample-time", "1ms", "--time-budget", "30ms", "--format", "json",
		      "--seed", "7", NULL };
	assert_int_equal(bt_test_spawn(a, out, NULL), 0);
	struct bt_run r;
	assert_int_equal(bt_test_read_run(&r, out), 0);
	assert_int_equal(r.n_results, 1);
	assert_false(r.config.isolate);
	assert_true(r.config.seed == 7);
	assert_true(r.config.time_budget == 0.03);
	const struct bt_metric *t = bt_result_metric(&r.results[0], "time");
	/* samples until their total reaches the budget, and at least 3 (how
	 * many depends on the machine, so only the rule is checked): the
	 * samples hold seconds per iteration */
	assert_true(t->n_samples >= 3);
	double ips = (double)r.results[0].iterations_per_sample, sum = 0;
	for (size_t i = 0; i < t->n_samples; i++)
		sum += t->samples[i] * ips;
	double last = t->samples[t->n_samples - 1] * ips;
	assert_true(sum >= 0.03 * (1 - 1e-9));
	assert_true(t->n_samples == 3 || sum - last < 0.03 * (1 + 1e-9));
	assert_true(r.results[0].peak_memory_bytes > 0);
	bt_run_release(&r);

	char *m[] = { BT_BINARY_DIR "/suite_faults", "--filter", "^(sum|fails)", "--min-sample-time",
		      "1ms", "--measurement-iterations", "6", "--format", "md", NULL };
	assert_int_equal(bt_test_spawn(m, out, NULL), 4);
	char *md = bt_test_slurp(out);
	assert_true(strncmp(md, "| benchmark |", 13) == 0);
	assert_non_null(strstr(md, "| fails |"));
	assert_non_null(strstr(md, "**Crossovers**"));
	free(md);
}

/* benchtrack run forwards the flags and gives the same statuses. */
static void test_benchtrack_run_forwards(void **state)
{
	char out[512], json[512];
	snprintf(out, sizeof out, "%s/run-table", dir);
	snprintf(json, sizeof json, "%s/run2.json", dir);
	char *argv[] = { BT_BINARY_DIR "/benchtrack", "run", "--no-store",
			 BT_BINARY_DIR "/suite_faults", "--filter", "^(sum|crash|fails)",
			 "--min-sample-time", "1ms", "--measurement-iterations", "6",
			 "--out", json, NULL };
	assert_int_equal(bt_test_spawn(argv, out, NULL), 4);
	struct bt_run r2;
	assert_int_equal(bt_test_read_run(&r2, json), 0);
	assert_int_equal(r2.n_results, 6);
	size_t ok = 0;
	for (size_t i = 0; i < r2.n_results; i++)
		ok += r2.results[i].status == BT_STATUS_OK;
	assert_int_equal(ok, 4);
	bt_run_release(&r2);
	char *table = bt_test_slurp(out);
	assert_non_null(strstr(table, "speedup"));
	assert_non_null(strstr(table, "1.00x"));
	assert_non_null(strstr(table, "SIGSEGV"));
	free(table);

	/* two suites where the filter matches only in one: the run goes on */
	char *two[] = { BT_BINARY_DIR "/benchtrack", "run", "--no-store", BT_BINARY_DIR "/suite_faults",
			BT_BINARY_DIR "/suite_faults", "--filter", "^sum/n=64$",
			"--min-sample-time", "1ms", "--measurement-iterations", "6",
			"--format", "csv", NULL };
	assert_int_equal(bt_test_spawn(two, out, NULL), 0);
	char *csv2 = bt_test_slurp(out);
	size_t rows = 0;
	for (char *p = csv2; (p = strstr(p, "\nsum,")); p++)
		rows++;
	assert_int_equal(rows, 2);
	free(csv2);
	/* under benchtrack run a --param axis no benchmark declares is a
	 * usage error, as in the suite; one that only filtered-out cases
	 * declare is warned about */
	char errp[512];
	snprintf(errp, sizeof errp, "%s/run-warn", dir);
	char *typo[] = { BT_BINARY_DIR "/benchtrack", "run", "--no-store", BT_BINARY_DIR "/suite_faults",
			 "--param", "nn=1", "--filter", "^sum/n=64$", "--min-sample-time", "1ms",
			 "--measurement-iterations", "6", "--format", "none", NULL };
	assert_int_equal(bt_test_spawn(typo, NULL, errp), 2);
	char *w = bt_test_slurp(errp);
	assert_non_null(strstr(w, "--param nn=1: no benchmark has a parameter 'nn'"));
	free(w);
	char *warn[] = { BT_BINARY_DIR "/benchtrack", "run", "--no-store", BT_BINARY_DIR "/suite_faults",
			 "--param", "batch=8", "--filter", "^sum/n=64$", "--min-sample-time", "1ms",
			 "--measurement-iterations", "6", "--format", "none", NULL };
	assert_int_equal(bt_test_spawn(warn, NULL, errp), 0);
	w = bt_test_slurp(errp);
	assert_non_null(strstr(w, "warning: --param batch=8: no case has a parameter 'batch'"));
	free(w);

	char *none[] = { BT_BINARY_DIR "/benchtrack", "run", "--no-store", BT_BINARY_DIR "/suite_faults",
			 "--filter", "^nothing$", NULL };
	assert_int_equal(bt_test_spawn(none, NULL, NULL), 2);

	/* show prints the same table from the file */
	char *show[] = { BT_BINARY_DIR "/benchtrack", "show", json, "--format", "csv", NULL };
	assert_int_equal(bt_test_spawn(show, out, NULL), 0);
	char *csv = bt_test_slurp(out);
	assert_non_null(strstr(csv, "median_s"));
	assert_non_null(strstr(csv, "crashed"));
	free(csv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_code_is_4),
		cmocka_unit_test(test_normal_cases_complete),
		cmocka_unit_test(test_crash),
		cmocka_unit_test(test_hang_times_out),
		cmocka_unit_test(test_failed_validation),
		cmocka_unit_test(test_fail_and_skip),
		cmocka_unit_test(test_oom_adaptive_retry),
		cmocka_unit_test(test_leftover_process_killed),
		cmocka_unit_test(test_variant_from_options),
		cmocka_unit_test(test_failures_reported_on_stderr),
		cmocka_unit_test(test_filter_list_and_usage),
		cmocka_unit_test(test_no_isolate_budget_json_md),
		cmocka_unit_test(test_benchtrack_run_forwards),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
