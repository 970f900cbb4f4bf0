/* Pending and reverted changes and `ack --filter` through the real
 * benchtrack binary (history, regressions, ack, acks, dashboard data).
 *
 * The store grows as a new user's would: series "online" n=1 is 20%
 * slower at commit c30 only for three commits (c30..c32), fixed at c33;
 * "online" n=2 and "naive" n=1 never change. One run per commit, 15
 * samples of 1% noise per case. The same slowdown is checked while it is
 * the newest point (pending), while its return is recent (pending, with
 * the return), and once 5 points follow the return (reverted, both
 * edges): never "no change points" and nothing. */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchtrack.h"
#include "helpers.h"
#include "runmaker.h"

#define BT BT_BINARY_DIR "/benchtrack"
#define SLOW_AT 30
#define SLOW_LEN 3
#define N_SAMPLES 15

static char dir[256], store[300], dash[300], out_path[320], err_path[320];
static char online_key[17];
static int n_stored;

static const char *commit_of(int i, char buf[41])
{
	snprintf(buf, 41, "c%02u%037d", (unsigned)i % 100u, 0); /* i < 100 */
	return buf;
}

/* Stores runs n_stored..upto-1. */
static void store_until(int upto)
{
	struct bt_store *st;
	struct bt_strbuf err = BT_STRBUF_INIT;

	assert_int_equal(bt_store_open(&st, store, BT_STORE_CREATE, NULL), 0);
	for (; n_stored < upto; n_stored++) {
		int i = n_stored, slow = i >= SLOW_AT && i < SLOW_AT + SLOW_LEN;
		struct bt_run run;
		struct bt_result *r;
		uint64_t seed = 500 + (uint64_t)i;
		char c[41];

		assert_int_equal(bt_run_init(&run), 0);
		run.run_id = bt_run_printf(&run, "%02d%030x", i, 0xe7);
		run.benchmark_type = bt_run_strdup(&run, "micro");
		run.suite = bt_run_strdup(&run, "demo");
		run.timestamp = bt_run_printf(&run, "2026-11-01T%02d:%02d:00Z", i / 60, i % 60);
		run.git.commit = bt_run_strdup(&run, commit_of(i, c));
		run.git.branch = bt_run_strdup(&run, "main");
		run.machine.name = bt_run_strdup(&run, "m1");
		run.machine.fingerprint = bt_run_strdup(&run, "f1f1f1f1f1f1f1f1");
		r = bt_test_add_case(&run, NULL, "online", "n", "1", slow ? 1.2e-3 : 1e-3,
				     N_SAMPLES, &seed);
		assert_non_null(r);
		memcpy(online_key, r->series_key, 17);
		assert_non_null(bt_test_add_case(&run, NULL, "online", "n", "2", 2e-3,
						 N_SAMPLES, &seed));
		assert_non_null(bt_test_add_case(&run, NULL, "naive", "n", "1", 5e-3,
						 N_SAMPLES, &seed));
		if (bt_store_put(st, &run, NULL, &err))
			fail_msg("put: %s", bt_strbuf_str(&err));
		bt_run_release(&run);
	}
	bt_store_close(st);
	bt_strbuf_release(&err);
}

static int setup(void **state)
{
	(void)state;
	if (bt_test_make_tmpdir_io(dir, sizeof dir, "bt-events", out_path, err_path,
				   sizeof out_path))
		return -1;
	snprintf(store, sizeof store, "%s/store", dir);
	snprintf(dash, sizeof dash, "%s/dash", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	bt_test_rmtree(dir);
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

static char *out(void)
{
	return bt_test_slurp(out_path);
}

static void assert_has(const char *text, const char *what)
{
	if (!text || !strstr(text, what))
		fail_msg("output lacks '%s':\n%s", what, text ? text : "(none)");
}

static void assert_lacks(const char *text, const char *what)
{
	if (text && strstr(text, what))
		fail_msg("output has '%s':\n%s", what, text);
}

static void assert_out_has(const char *what)
{
	char *o = out();
	assert_has(o, what);
	free(o);
}

static void assert_err_has(const char *what)
{
	char *e = bt_test_slurp(err_path);
	assert_has(e, what);
	free(e);
}

/* history --format json of the online n=1 series: its "pending" or
 * "reverted" array checked to hold one event at SLOW_AT. */
static json_t *history_event(const char *array)
{
	json_t *root, *s, *a, *e;
	char *o;

	assert_int_equal(bt("history", online_key, "--format", "json", NULL), 0);
	o = out();
	root = json_loads(o, 0, NULL);
	if (!root)
		fail_msg("history json: %s", o);
	free(o);
	s = json_array_get(json_object_get(root, "series"), 0);
	assert_int_equal(json_array_size(json_object_get(s, "change_points")), 0);
	a = json_object_get(s, array);
	if (json_array_size(a) != 1)
		fail_msg("history json: %zu %s events", json_array_size(a), array);
	e = json_incref(json_array_get(a, 0));
	assert_int_equal(json_integer_value(json_object_get(e, "index")), SLOW_AT);
	assert_string_equal(json_string_value(json_object_get(e, "verdict")), "regressed");
	assert_string_equal(json_string_value(json_object_get(e, "commit")),
			    "c30" "0000000000000000000000000000000000000");
	assert_true(json_real_value(json_object_get(e, "rel_change")) > 0.15);
	/* why, as the table says it */
	assert_true(json_real_value(json_object_get(json_object_get(e, "evidence"),
						    "noise_sd")) > 0);
	assert_has(json_string_value(json_object_get(e, "explanation")), "x the noise (sd ");
	json_decref(root);
	return e;
}

/* regressions --format json: one entry, of status, for online n=1 at
 * SLOW_AT, with its evidence and its explanation holding want; the
 * counts of the whole. */
static void regressions_json(const char *status, const char *want, int pending,
			     int reverted)
{
	json_t *root, *e, *ev;
	char *o;

	assert_int_equal(bt("regressions", "--format", "json", NULL), 0);
	o = out();
	if (!(root = json_loads(o, 0, NULL)))
		fail_msg("regressions json: %s", o);
	free(o);
	assert_int_equal(json_integer_value(json_object_get(root, "series")), 3);
	assert_int_equal(json_integer_value(json_object_get(root, "found")), 0);
	assert_int_equal(json_integer_value(json_object_get(root, "pending")), pending);
	assert_int_equal(json_integer_value(json_object_get(root, "reverted")), reverted);
	assert_int_equal(json_array_size(json_object_get(root, "regressions")), 1);
	e = json_array_get(json_object_get(root, "regressions"), 0);
	assert_string_equal(json_string_value(json_object_get(e, "status")), status);
	assert_string_equal(json_string_value(json_object_get(e, "series_key")), online_key);
	assert_string_equal(json_string_value(json_object_get(e, "name")), "online");
	assert_string_equal(json_string_value(json_object_get(e, "verdict")), "regressed");
	assert_int_equal(json_integer_value(json_object_get(e, "index")), SLOW_AT);
	assert_true(json_real_value(json_object_get(e, "mean_before")) < 1.02e-3);
	assert_true(json_real_value(json_object_get(e, "mean_after")) > 1.18e-3);
	/* judged against the noise of 1% points (15 samples each: less) */
	ev = json_object_get(e, "evidence");
	assert_true(json_real_value(json_object_get(ev, "noise_sd")) > 0);
	assert_true(json_real_value(json_object_get(ev, "noise_sd")) < 2e-5);
	assert_true(json_real_value(json_object_get(ev, "change_in_noise_sd")) > 10);
	assert_has(json_string_value(json_object_get(e, "explanation")), want);
	json_decref(root);
}

/* A 20% slowdown fixed three commits later, as the points arrive. */
static void test_slowdown_fixed_three_commits_later(void **state)
{
	json_t *e;
	char *o, path[400];

	(void)state;
	/* the slow commit is the newest: pending, 4 more points confirm it */
	store_until(SLOW_AT + 1);
	assert_int_equal(bt("history", online_key, NULL), 0);
	o = out();
	assert_has(o, "no change points\n");
	assert_has(o, "  pending: point 30  commit c30000000000");
	assert_has(o, "slower so far");
	assert_has(o, "4 more confirm it");
	free(o);
	e = history_event("pending");
	assert_string_equal(json_string_value(json_object_get(e, "kind")), "step");
	assert_int_equal(json_integer_value(json_object_get(e, "points_to_confirm")), 4);
	assert_true(json_is_null(json_object_get(e, "back")));
	json_decref(e);
	assert_int_equal(bt("regressions", NULL), 0);
	o = out();
	assert_has(o, "c30000000000  pending (slower)  online n=1");
	assert_has(o, "0 regressions in 3 series, 1 pending\n");
	free(o);
	regressions_json("pending", "pending: 1 point from it so far; 4 more confirm it\n"
				    "why: 30 points at 1.00 ms, then 1 at 1.20 ms", 1, 0);

	/* fixed at c33, two points later: pending, with its return */
	store_until(SLOW_AT + SLOW_LEN + 2);
	assert_int_equal(bt("history", online_key, NULL), 0);
	o = out();
	assert_has(o, "  pending: point 30  commit c30000000000");
	assert_has(o, "slower for 3 points");
	assert_has(o, "at point 33 (commit c33000000000");
	assert_has(o, "pending: 2 points after the return so far, 3 more confirm it");
	free(o);
	e = history_event("pending");
	assert_string_equal(json_string_value(json_object_get(e, "kind")), "excursion");
	assert_int_equal(json_integer_value(json_object_get(e, "points_to_confirm")), 3);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(e, "back"),
							    "index")), 33);
	json_decref(e);

	/* 10 points after the return: a reverted excursion, both edges */
	store_until(SLOW_AT + SLOW_LEN + 10);
	assert_int_equal(bt("history", online_key, NULL), 0);
	o = out();
	assert_has(o, "no change points\n");
	assert_has(o, "  reverted: point 30  commit c30000000000");
	assert_has(o, "regressed, then reverted");
	assert_has(o, "back to 1.00 ms at point 33 (commit c33000000000");
	assert_has(o, "and stayed back for 10 points");
	assert_lacks(o, "pending");
	free(o);
	e = history_event("reverted");
	assert_string_equal(json_string_value(json_object_get(e, "status")), "reverted");
	assert_string_equal(json_string_value(json_object_get(e, "kind")), "excursion");
	assert_int_equal(json_integer_value(json_object_get(e, "points_to_confirm")), 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(e, "back"),
							      "commit")),
			    "c33" "0000000000000000000000000000000000000");
	assert_true(json_real_value(json_object_get(e, "mean_back")) < 1.01e-3);
	json_decref(e);
	assert_int_equal(bt("regressions", NULL), 0);
	o = out();
	assert_has(o, "c30000000000  reverted (slower)  online n=1");
	assert_has(o, "0 regressions in 3 series, 1 reverted\n");
	free(o);
	regressions_json("reverted", "slower for 3 points (1.00 ms -> 1.20 ms), back to "
				     "1.00 ms at point 33", 0, 1);
	assert_int_equal(bt("regressions", "--format", "yaml", NULL), 2);
	assert_err_has("regressions: --format 'yaml': expected table or json");

	/* the dashboard's data: the event in index.js and the series file,
	 * the same when the series file is kept on a rebuild */
	for (int pass = 0; pass < 2; pass++) {
		assert_int_equal(bt("dashboard", "--out", dash, NULL), 0);
		snprintf(path, sizeof path, "%s/data/index.js", dash);
		o = bt_test_slurp(path);
		assert_has(o, "\"regressions\":0,\"acked\":0,\"pending\":0,\"reverted\":1}");
		assert_has(o, "\"status\":\"reverted\",\"kind\":\"excursion\"");
		assert_has(o, "\"backCommit\":\"c330000000000000000000000000000000000000\"");
		free(o);
		snprintf(path, sizeof path, "%s/data/series/%s.js", dash, online_key);
		o = bt_test_slurp(path);
		assert_has(o, "\"cps\":[],\"ev\":[{\"s\":1,\"x\":1,\"i\":30,\"e\":33,");
		free(o);
	}
}

/* ack --filter: every matching series at once, never twice. */
static void test_ack_filter(void **state)
{
	json_t *root;
	char *o;

	(void)state;
	store_until(SLOW_AT + SLOW_LEN + 10);
	assert_int_equal(bt("ack", "--filter", "name=online", "--at", "c300", "--reason",
			    "moved to the online kernel", NULL), 0);
	o = out();
	assert_has(o, "acknowledged series ");
	assert_has(o, " online n=1 at commit c30000000000\n");
	assert_has(o, " online n=2 at commit c30000000000\n");
	assert_lacks(o, "naive");
	assert_has(o, "2 series acknowledged at commit c300\n");
	free(o);
	/* the same again: kept, not stored twice */
	assert_int_equal(bt("ack", "--filter", "name=online", "--at", "c300", "--reason",
			    "moved to the online kernel", NULL), 0);
	assert_out_has("0 series acknowledged at commit c300, 2 already were\n");
	/* another reason for one of them: merged into its entry */
	assert_int_equal(bt("ack", online_key, "--at", "c300", "--reason", "expected", NULL), 0);
	assert_out_has("updated the reason of series ");
	assert_int_equal(bt("acks", "--format", "json", NULL), 0);
	o = out();
	root = json_loads(o, 0, NULL);
	if (!root)
		fail_msg("acks json: %s", o);
	free(o);
	json_t *items = json_is_array(root) ? root : json_object_get(root, "acks");
	assert_int_equal(json_array_size(items), 2);
	json_decref(root);
	/* the acknowledged excursion: marked, and off the dashboard's list */
	assert_int_equal(bt("regressions", NULL), 0);
	o = out();
	assert_has(o, "reverted (slower)  online n=1");
	assert_has(o, "(acknowledged)");
	free(o);
	/* a filter on a parameter; errors */
	assert_int_equal(bt("ack", "--filter", "name=naive,n=1", "--at", "c310", "--reason",
			    "x", NULL), 0);
	assert_out_has("1 series acknowledged at commit c310\n");
	assert_int_equal(bt("ack", "--filter", "name=nothing", "--at", "c300", "--reason",
			    "x", NULL), 3);
	assert_err_has("no series matches --filter 'name=nothing'");
	assert_int_equal(bt("ack", "--filter", "name=online", "--at", "ffff", "--reason",
			    "x", NULL), 3);
	assert_err_has("none of the 2 series matching --filter 'name=online' has a run at "
		       "commit ffff");
	assert_int_equal(bt("ack", "--filter", "online", "--at", "c300", "--reason", "x",
			    NULL), 2);
	assert_err_has("--filter: 'online' is not KEY=VALUE");
	assert_int_equal(bt("ack", online_key, "--filter", "name=online", "--at", "c300",
			    "--reason", "x", NULL), 2);
	assert_err_has("usage: benchtrack ack SERIES|--filter EXPR");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slowdown_fixed_three_commits_later),
		cmocka_unit_test(test_ack_filter),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
