/* Series identity and date flags through the real benchtrack binary: a
 * run.json whose series_key is another result's (an
 * impostor claiming naive's series) and a run with one benchmark twice are
 * refused by compare and kept out of history; --since/--until of list,
 * history and regressions share one date parser and one message; history
 * --input finds a step from exactly 0 and survives values near DBL_MAX.
 *
 * The store: N_RUNS runs of suite "attn" on one machine, one a minute from
 * 2026-11-01T00:00:00Z, each with naive n=4096 (1 ms) and tiled n=4096
 * (10 us). */
#include <jansson.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdint.h>
#include <sys/stat.h>

#include "benchtrack.h"
#include "helpers.h"
#include "runmaker.h"

#define BT BT_BINARY_DIR "/benchtrack"
#define N_RUNS 8
#define DATE_MSG "expected a date (YYYY-MM-DD) or a UTC time (YYYY-MM-DDTHH:MM:SSZ)"

static char *dir;
static char store[512], out_path[512], err_path[512];
static char honest[512], forged[512], dupl[512], tampered[512];

/* Run i of the store (initialised here; the caller releases it). */
static void make_run(struct bt_run *run, int i)
{
	uint64_t seed = 77 + (uint64_t)i;
	assert_int_equal(bt_run_init(run), 0);
	run->run_id = bt_run_printf(run, "%02d%030x", i, 0x1d);
	run->benchmark_type = bt_run_strdup(run, "micro");
	run->suite = bt_run_strdup(run, "attn");
	run->timestamp = bt_run_printf(run, "2026-11-01T00:%02d:00Z", i);
	run->git.commit = bt_run_printf(run, "c%02d%037d", i, 0);
	run->machine.name = bt_run_strdup(run, "m1");
	run->machine.fingerprint = bt_run_strdup(run, "f1f1f1f1f1f1f1f1");
	assert_non_null(bt_test_add_case(run, NULL, "naive", "n", "4096", 1e-3, 15, &seed));
	assert_non_null(bt_test_add_case(run, NULL, "tiled", "n", "4096", 1e-5, 15, &seed));
}

static void write_run(const struct bt_run *run, const char *path)
{
	struct bt_strbuf err = BT_STRBUF_INIT;
	if (bt_run_write_file(run, path, &err))
		fail_msg("write %s: %s", path, bt_strbuf_str(&err));
	bt_strbuf_release(&err);
}

static int setup(void **state)
{
	(void)state;
	struct bt_store *st;
	struct bt_run run;
	if (!(dir = bt_test_tmpdir()))
		return -1;
	snprintf(store, sizeof store, "%s/store", dir);
	snprintf(out_path, sizeof out_path, "%s/out", dir);
	snprintf(err_path, sizeof err_path, "%s/err", dir);
	snprintf(honest, sizeof honest, "%s/honest.json", dir);
	snprintf(forged, sizeof forged, "%s/forged.json", dir);
	snprintf(dupl, sizeof dupl, "%s/dup.json", dir);
	if (bt_store_open(&st, store, BT_STORE_CREATE, NULL))
		return -1;
	for (int i = 0; i < N_RUNS; i++) {
		char *path = NULL;
		make_run(&run, i);
		if (bt_store_put(st, &run, &path, NULL))
			return -1;
		if (i == N_RUNS - 1)
			snprintf(tampered, sizeof tampered, "%s", path);
		free(path);
		bt_run_release(&run);
	}
	bt_store_close(st);

	/* the files: an honest run, one whose tiled claims naive's key, one
	 * with naive twice */
	make_run(&run, 50);
	write_run(&run, honest);
	run.results[1].series_key = run.results[0].series_key;
	write_run(&run, forged);
	bt_run_release(&run);
	make_run(&run, 51);
	run.results[1].name = run.results[0].name;
	run.results[1].series_key = run.results[0].series_key;
	write_run(&run, dupl);
	bt_run_release(&run);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	bt_test_rmtree(dir);
	free(dir);
	return 0;
}

/* Runs benchtrack with the arguments (NULL-terminated) and --store. */
static int bt(const char *first, ...)
{
	char *argv[32];
	int n = 0;
	va_list ap;
	argv[n++] = BT;
	argv[n++] = (char *)first;
	va_start(ap, first);
	for (const char *a; (a = va_arg(ap, const char *)) && n < 28;)
		argv[n++] = (char *)a;
	va_end(ap);
	argv[n++] = "--store";
	argv[n++] = store;
	argv[n] = NULL;
	return bt_test_spawn(argv, out_path, err_path);
}

static void assert_file_has(const char *path, const char *what)
{
	char *t = bt_test_slurp(path);
	if (!strstr(t, what))
		fail_msg("%s lacks '%s':\n%s", path, what, t);
	free(t);
}

static void assert_file_lacks(const char *path, const char *what)
{
	char *t = bt_test_slurp(path);
	if (strstr(t, what))
		fail_msg("%s has '%s':\n%s", path, what, t);
	free(t);
}

/* The number of points of the one series history --format json gives. */
static size_t history_points(void)
{
	json_error_t je;
	json_t *root = json_load_file(out_path, 0, &je);
	assert_non_null(root);
	json_t *series = json_object_get(root, "series");
	assert_int_equal(json_array_size(series), 1);
	size_t n = json_array_size(json_object_get(json_array_get(series, 0), "points"));
	json_decref(root);
	return n;
}

static void test_forged_key(void **state)
{
	(void)state;
	/* the honest pair compares: tiled against tiled */
	assert_int_equal(bt("compare", honest, honest, NULL), 0);

	/* the impostor is refused with the file, result and reason, not
	 * compared against naive as a 100x change */
	assert_int_equal(bt("compare", honest, forged, NULL), 3);
	assert_file_has(err_path, "forged.json: results[1].series_key: \"");
	assert_file_has(err_path, "is not the key of the result's identity (\"tiled n=4096\" "
				  "of suite \"attn\" on machine f1f1f1f1f1f1f1f1 gives \"");
	assert_file_has(err_path, "a forged or damaged series key");
	assert_file_lacks(out_path, "naive");
	assert_int_equal(bt("show", forged, NULL), 3);
	assert_file_has(err_path, "forged.json: results[1].series_key: \"");

	/* one benchmark twice in a run: refused, naming both results */
	assert_int_equal(bt("compare", dupl, honest, NULL), 3);
	assert_file_has(err_path, "dup.json: results[0] and results[1]: the same benchmark "
				  "identity (\"naive n=4096\") twice in one run");

	/* history: the series of naive has its N_RUNS points ... */
	assert_int_equal(bt("history", "--filter", "name=naive", "--format", "json", NULL), 0);
	assert_int_equal(history_points(), N_RUNS);
	/* ... and a run.json of the store forged in place and reindexed does
	 * not add the impostor's points to it */
	struct bt_run run;
	make_run(&run, N_RUNS - 1);
	run.results[1].series_key = run.results[0].series_key;
	write_run(&run, tampered);
	bt_run_release(&run);
	bt("reindex", NULL);
	assert_file_has(err_path, "run.json: results[1].series_key: \"");
	assert_int_equal(bt("history", "--filter", "name=naive", "--format", "json", NULL), 0);
	assert_int_equal(history_points(), N_RUNS - 1);
	/* the honest run back: all points again */
	make_run(&run, N_RUNS - 1);
	write_run(&run, tampered);
	bt_run_release(&run);
	assert_int_equal(bt("reindex", NULL), 0);
	assert_int_equal(bt("history", "--filter", "name=naive", "--format", "json", NULL), 0);
	assert_int_equal(history_points(), N_RUNS);
}

static void test_date_flags(void **state)
{
	(void)state;
	static const char *const bad[] = { "garbage", "2026-13-45", "2026-02-29",
					   "2026-11-01T24:00", "2026-11-1", "" };
	char want[256];
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		assert_int_equal(bt("list", "--since", bad[i], NULL), 2);
		snprintf(want, sizeof want, "list: --since '%s': " DATE_MSG, bad[i]);
		assert_file_has(err_path, want);
		assert_int_equal(bt("list", "--until", bad[i], NULL), 2);
		snprintf(want, sizeof want, "list: --until '%s': " DATE_MSG, bad[i]);
		assert_file_has(err_path, want);
		assert_int_equal(bt("history", "--filter", "name=naive", "--since", bad[i],
				    NULL), 2);
		snprintf(want, sizeof want, "history: --since '%s': " DATE_MSG, bad[i]);
		assert_file_has(err_path, want);
		assert_int_equal(bt("regressions", "--since", bad[i], NULL), 2);
		snprintf(want, sizeof want, "regressions: --since '%s': " DATE_MSG
			 ", or a commit (4 or more hex digits)", bad[i]);
		assert_file_has(err_path, want);
	}

	/* good dates and times still select */
	assert_int_equal(bt("list", "--since", "2026-11-01T00:05:00Z", "--format", "csv",
			    NULL), 0);
	assert_file_has(out_path, "2026-11-01T00:05:00Z");
	assert_file_lacks(out_path, "2026-11-01T00:04:00Z");
	assert_int_equal(bt("list", "--since", "2026-11-01", "--until", "2026-11-01",
			    "--format", "csv", NULL), 0);
	assert_file_has(out_path, "2026-11-01T00:00:00Z");
	assert_file_has(out_path, "2026-11-01T00:07:00Z");
	assert_int_equal(bt("list", "--until", "2026-11-01 00:02", "--format", "csv", NULL), 0);
	assert_file_has(out_path, "2026-11-01T00:01:00Z");
	assert_file_lacks(out_path, "2026-11-01T00:02:00Z");
	assert_int_equal(bt("list", "--since", "2024-02-29", NULL), 0);
	assert_int_equal(bt("history", "--filter", "name=naive", "--since", "2026-11-01T00:05",
			    "--format", "json", NULL), 0);
	assert_int_equal(history_points(), N_RUNS - 5);
	assert_int_equal(bt("regressions", "--since", "2026-11-01", NULL), 0);
	assert_int_equal(bt("regressions", "--since", "c00", NULL), 2);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void test_history_input_edges(void **state)
{
	(void)state;
	char csv[600], text[4096];
	snprintf(csv, sizeof csv, "%s/zero.csv", dir);

	/* a step from exactly 0 to 5 is found (as from 1 to 5) */
	size_t n = (size_t)snprintf(text, sizeof text, "value\n");
	for (int i = 0; i < 20; i++)
		n += (size_t)snprintf(text + n, sizeof text - n, "%d\n", i < 10 ? 0 : 5);
	write_text(csv, text);
	assert_int_equal(bt("history", "--input", csv, NULL), 0);
	assert_file_has(out_path, "index 10: 0 -> 5 (from 0), p ");
	assert_int_equal(bt("history", "--input", csv, "--format", "json", NULL), 0);
	assert_file_has(out_path, "\"mean_before\": 0.0,\n      \"mean_after\": 5.0,\n"
				  "      \"rel_change\": null");
	assert_int_equal(bt("history", "--input", csv, "--format", "csv", NULL), 0);
	assert_file_has(out_path, "\r\n10,");
	assert_file_has(out_path, ",0,5,\r\n");

	/* values near DBL_MAX: no NaN into an int (UBSan), a whole sparkline */
	n = (size_t)snprintf(text, sizeof text, "value\n");
	for (int i = 0; i < 20; i++)
		n += (size_t)snprintf(text + n, sizeof text - n, "%s\n",
				      i % 3 ? "1.7e308" : "-1.7e308");
	write_text(csv, text);
	assert_int_equal(bt("history", "--input", csv, NULL), 0);
	assert_file_has(out_path, "20 points\n\u2581\u2588\u2588\u2581\u2588\u2588");
}

/* A run whose median is 1e308 s shows as a number of seconds, not inf. */
static void test_huge_duration(void **state)
{
	(void)state;
	char path[600];
	struct bt_run run;
	snprintf(path, sizeof path, "%s/huge.json", dir);
	make_run(&run, 60);
	struct bt_metric *m = &run.results[0].metrics[0];
	for (size_t k = 0; k < m->n_samples; k++)
		m->samples[k] = 1e308;
	assert_int_equal(bt_stats_summarize(m->samples, m->n_samples, &m->stats), 0);
	write_run(&run, path);
	bt_run_release(&run);
	assert_int_equal(bt("show", path, NULL), 0);
	assert_file_lacks(out_path, "inf");
	assert_file_has(out_path, "e+308 s");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forged_key),
		cmocka_unit_test(test_date_flags),
		cmocka_unit_test(test_history_input_edges),
		cmocka_unit_test(test_huge_duration),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
