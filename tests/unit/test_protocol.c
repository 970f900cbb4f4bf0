/* Tests of the metric protocol's accumulator (lib/import/protocol.c,
 * docs/PROTOCOL.md): the issue's example lines, pooling over feeds (the
 * runs of a command), unit conversion and direction defaults, status and
 * validation lines, every kind of malformed line with its message and line
 * number, a partial last line, params merged with the own result's, a
 * protocol "time" kept apart from the wall time, the caps, two commands
 * reporting the same benchmark, and the run written and read back. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "import/protocol.h"
#include "internal.h"
#include "helpers.h"

/* got within tol of want (cmocka here has no assert_double_equal). */
#define assert_double_equal(got, want, tol)                                  \
	do {                                                                 \
		double g_ = (got), w_ = (want);                              \
		if (!(fabs(g_ - w_) <= (tol)))                               \
			fail_msg("%.17g is not %.17g", g_, w_);              \
	} while (0)

/* A run with one command result ("python bench.py", group exec, params
 * own_params "k=v" pairs, NULL-terminated, or NULL) that has the wall
 * time metric "time" (3 samples) and "user_time". */
static void make_run(struct bt_run *run, const char *name, const char *const *kv)
{
	assert_int_equal(bt_run_init(run), 0);
	run->suite = "exec";
	run->benchmark_type = "exec";
	assert_int_equal(bt_context_stamp(run), 0);
	run->machine.fingerprint = "0123456789abcdef";
	struct bt_result *r = bt_run_add_result(run);
	assert_non_null(r);
	r->name = bt_run_strdup(run, name);
	r->group = "exec";
	r->variant = "default";
	size_t n = 0;
	while (kv && kv[2 * n])
		n++;
	r->params = bt_run_alloc(run, (n + 1) * sizeof *r->params);
	for (size_t i = 0; i < n; i++) {
		r->params[i].key = kv[2 * i];
		r->params[i].value = kv[2 * i + 1];
	}
	r->n_params = n;
	static const double t[] = { 0.5, 0.6, 0.7 };
	r->metrics = bt_run_alloc(run, 2 * sizeof *r->metrics);
	const char *names[] = { "time", "user_time" };
	for (int i = 0; i < 2; i++) {
		struct bt_metric *m = &r->metrics[i];
		m->name = names[i];
		m->unit = "s";
		m->direction = BT_LOWER_IS_BETTER;
		m->samples = bt_run_alloc(run, sizeof t);
		memcpy(m->samples, t, sizeof t);
		m->n_samples = 3;
		assert_int_equal(bt_stats_summarize(t, 3, &m->stats), 0);
	}
	r->n_metrics = 2;
}

/* Feeds each text (NULL-terminated list) as one run, then emits into run
 * for result own; the warnings go to warn. */
static void feed_emit(struct bt_run *run, size_t own, struct bt_strbuf *warn, ...)
{
	struct bt__proto *p = bt__proto_new();
	struct bt_strbuf err = BT_STRBUF_INIT;
	va_list ap;
	int k = 0;
	assert_non_null(p);
	va_start(ap, warn);
	for (const char *t; (t = va_arg(ap, const char *));) {
		char label[32];
		snprintf(label, sizeof label, "run %d", ++k);
		assert_int_equal(bt__proto_feed(p, t, strlen(t), label, warn), 0);
	}
	va_end(ap);
	assert_int_equal(bt__proto_emit(p, run, own, &err), 0);
	bt_strbuf_release(&err);
	bt__proto_free(p);
}

static const struct bt_result *find(const struct bt_run *run, const char *name,
				    const char *params)
{
	for (size_t i = 0; i < run->n_results; i++) {
		const struct bt_result *r = &run->results[i];
		char buf[256] = "";
		for (size_t j = 0; j < r->n_params; j++)
			snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s=%s",
				 j ? "," : "", r->params[j].key, r->params[j].value);
		if (!strcmp(r->name, name) && !strcmp(buf, params))
			return r;
	}
	fail_msg("no result %s [%s]", name, params);
	return NULL;
}

static double counter(const struct bt_result *r, const char *name)
{
	for (size_t i = 0; i < r->n_counters; i++)
		if (!strcmp(r->counters[i].name, name))
			return r->counters[i].value;
	return -1;
}

/* Writes run as JSON and reads it back: the document is valid. */
static void roundtrip(const struct bt_run *run, struct bt_run *back)
{
	struct bt_strbuf js = BT_STRBUF_INIT, err = BT_STRBUF_INIT;
	assert_int_equal(bt_run_to_json(run, 1, &js, &err), 0);
	assert_int_equal(bt_run_init(back), 0);
	int rc = bt_run_from_json(back, js.buf, js.len, "proto", &err);
	if (rc)
		fail_msg("%s", bt_strbuf_str(&err));
	bt_strbuf_release(&js);
	bt_strbuf_release(&err);
}

/* --- the issue's example ------------------------------------------------- */

static const char issue_lines[] =
	"{\"metric\": \"ttft\", \"value\": 12.5, \"unit\": \"ms\"}\n"
	"{\"benchmark\": \"decode\", \"params\": {\"prompt_len\": 128}, \"metric\": "
	"\"tokens_per_s\", \"value\": 811.2, \"unit\": \"tokens/s\", \"direction\": "
	"\"higher\"}\n"
	"{\"benchmark\": \"decode\", \"params\": {\"prompt_len\": 128}, \"metric\": "
	"\"step_ms\", \"values\": [1.1, 1.0], \"unit\": \"ms\"}\n";

static void test_issue_example(void **state)
{
	struct bt_run run, back;
	struct bt_strbuf warn = BT_STRBUF_INIT;
	(void)state;
	make_run(&run, "python bench.py", NULL);
	feed_emit(&run, 0, &warn, issue_lines, NULL);
	assert_string_equal(bt_strbuf_str(&warn), "");
	assert_int_equal(run.n_results, 2);

	const struct bt_result *own = &run.results[0];
	assert_int_equal(own->n_metrics, 3);
	const struct bt_metric *m = bt_result_metric(own, "ttft");
	assert_non_null(m);
	assert_string_equal(m->unit, "s");
	assert_int_equal(m->direction, BT_LOWER_IS_BETTER);
	assert_int_equal(m->n_samples, 1);
	assert_double_equal(m->samples[0], 0.0125, 1e-15);
	assert_double_equal(m->stats.median, 0.0125, 1e-15);
	/* no counter; compared as a double: -1.0 to uintmax_t (what
	 * assert_int_equal does) is undefined and fails in a Release build */
	assert_true(counter(own, "protocol_bad_lines") == -1);

	const struct bt_result *d = find(&run, "decode", "prompt_len=128");
	assert_string_equal(d->group, "exec");
	assert_string_equal(d->variant, "default");
	assert_int_equal(d->status, BT_STATUS_OK);
	assert_int_equal(d->n_metrics, 2);
	assert_string_equal(d->metrics[0].name, "tokens_per_s");
	assert_string_equal(d->metrics[0].unit, "tokens/s");
	assert_int_equal(d->metrics[0].direction, BT_HIGHER_IS_BETTER);
	assert_double_equal(d->metrics[0].samples[0], 811.2, 1e-12);
	assert_string_equal(d->metrics[1].name, "step_ms");
	assert_string_equal(d->metrics[1].unit, "s");
	assert_int_equal(d->metrics[1].n_samples, 2);
	assert_double_equal(d->metrics[1].samples[0], 1.1e-3, 1e-15);
	assert_double_equal(d->metrics[1].samples[1], 1.0e-3, 1e-15);
	assert_int_equal(d->metrics[1].stats.n, 2);

	/* the run is a valid document: written, read back the same */
	roundtrip(&run, &back);
	assert_int_equal(back.n_results, 2);
	d = find(&back, "decode", "prompt_len=128");
	assert_int_equal(d->metrics[1].n_samples, 2);
	assert_double_equal(d->metrics[1].stats.median, 1.05e-3, 1e-15);
	assert_non_null(bt_result_metric(&back.results[0], "ttft"));
	bt_run_release(&back);
	bt_run_release(&run);
	bt_strbuf_release(&warn);
}

/* --- pooling --------------------------------------------------------------- */

static void test_pool_two_feeds(void **state)
{
	struct bt_run run, back;
	struct bt_strbuf warn = BT_STRBUF_INIT;
	(void)state;
	make_run(&run, "cmd", NULL);
	const char *a = "{\"benchmark\":\"step\",\"metric\":\"lat\",\"values\":[1,2,3],"
			"\"unit\":\"ms\"}\n{\"benchmark\":\"step\",\"metric\":\"lat\","
			"\"value\":4,\"unit\":\"ms\"}\n{\"metric\":\"x\",\"value\":7}\n";
	const char *b = "{\"benchmark\":\"step\",\"metric\":\"lat\",\"values\":[5,6],"
			"\"unit\":\"s\"}\n{\"metric\":\"x\",\"value\":8}"; /* no final \n */
	feed_emit(&run, 0, &warn, a, b, NULL);
	assert_string_equal(bt_strbuf_str(&warn), "");
	const struct bt_result *s = find(&run, "step", "");
	assert_int_equal(s->n_metrics, 1);
	const struct bt_metric *m = &s->metrics[0];
	assert_int_equal(m->n_samples, 6);
	const double want[] = { 1e-3, 2e-3, 3e-3, 4e-3, 5, 6 };
	for (int i = 0; i < 6; i++)
		assert_double_equal(m->samples[i], want[i], 1e-15);
	assert_int_equal(m->stats.n, 6);
	assert_double_equal(m->stats.median, 3.5e-3, 1e-15);
	m = bt_result_metric(&run.results[0], "x");
	assert_int_equal(m->n_samples, 2);
	assert_string_equal(m->unit, "");
	roundtrip(&run, &back);
	assert_int_equal(find(&back, "step", "")->metrics[0].n_samples, 6);
	bt_run_release(&back);
	bt_run_release(&run);
	bt_strbuf_release(&warn);
}

/* --- units and directions ---------------------------------------------- */

static void test_units_directions(void **state)
{
	struct bt_run run;
	struct bt_strbuf warn = BT_STRBUF_INIT;
	(void)state;
	make_run(&run, "cmd", NULL);
	feed_emit(&run, 0, &warn,
		  "{\"metric\":\"a\",\"value\":2,\"unit\":\"s\"}\n"
		  "{\"metric\":\"b\",\"value\":2,\"unit\":\"ms\"}\n"
		  "{\"metric\":\"c\",\"value\":2,\"unit\":\"us\"}\n"
		  "{\"metric\":\"d\",\"value\":2,\"unit\":\"\xc2\xb5s\"}\n"
		  "{\"metric\":\"e\",\"value\":2,\"unit\":\"\xce\xbcs\"}\n"
		  "{\"metric\":\"f\",\"value\":2,\"unit\":\"ns\"}\n"
		  "{\"metric\":\"g\",\"value\":2,\"unit\":\"tokens/s\"}\n"
		  "{\"metric\":\"h\",\"value\":2,\"unit\":\"B\"}\n"
		  "{\"metric\":\"i\",\"value\":2,\"unit\":\"ms\",\"direction\":\"higher\"}\n"
		  "{\"metric\":\"j\",\"value\":2,\"unit\":\"GB/s\",\"direction\":\"lower\"}\n"
		  "{\"metric\":\"k\",\"value\":2}\n"
		  "{\"metric\":\"l\",\"value\":2,\"unit\":\"Ms\"}\n",
		  NULL);
	assert_string_equal(bt_strbuf_str(&warn), "");
	static const struct {
		const char *name, *unit;
		double v;
		int dir;
	} want[] = {
		{ "a", "s", 2, -1 }, { "b", "s", 2e-3, -1 }, { "c", "s", 2e-6, -1 },
		{ "d", "s", 2e-6, -1 }, { "e", "s", 2e-6, -1 }, { "f", "s", 2e-9, -1 },
		{ "g", "tokens/s", 2, 1 }, { "h", "B", 2, -1 }, { "i", "s", 2e-3, 1 },
		{ "j", "GB/s", 2, -1 }, { "k", "", 2, -1 }, { "l", "Ms", 2, -1 },
	};
	for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
		const struct bt_metric *m = bt_result_metric(&run.results[0], want[i].name);
		assert_non_null(m);
		assert_string_equal(m->unit, want[i].unit);
		assert_double_equal(m->samples[0], want[i].v, want[i].v * 1e-12);
		assert_int_equal(m->direction, want[i].dir);
	}
	bt_run_release(&run);

	/* a second line with another unit or direction is malformed; times
	 * in ms and s pool (both seconds) */
	make_run(&run, "cmd", NULL);
	bt_strbuf_reset(&warn);
	feed_emit(&run, 0, &warn,
		  "{\"metric\":\"t\",\"value\":2,\"unit\":\"ms\"}\n"
		  "{\"metric\":\"t\",\"value\":1,\"unit\":\"s\"}\n"
		  "{\"metric\":\"t\",\"value\":3,\"unit\":\"B\"}\n"
		  "{\"metric\":\"t\",\"value\":3,\"unit\":\"s\",\"direction\":\"higher\"}\n",
		  NULL);
	assert_string_equal(bt_strbuf_str(&warn),
			    "run 1: line 3: metric \"t\": unit \"B\" differs from \"s\" of its "
			    "first line\n"
			    "run 1: line 4: metric \"t\": direction higher differs from lower "
			    "of its first line\n");
	assert_int_equal(bt_result_metric(&run.results[0], "t")->n_samples, 2);
	assert_int_equal(counter(&run.results[0], "protocol_bad_lines"), 2);
	bt_run_release(&run);
	bt_strbuf_release(&warn);
}

/* --- status and validation lines -------------------------------------- */

static void test_status_validation(void **state)
{
	struct bt_run run, back;
	struct bt_strbuf warn = BT_STRBUF_INIT;
	(void)state;
	make_run(&run, "cmd", NULL);
	feed_emit(&run, 0, &warn,
		  "{\"benchmark\":\"gpu\",\"status\":\"skipped\",\"message\":\"no GPU\"}\n"
		  "{\"benchmark\":\"blocked\",\"metric\":\"lat\",\"value\":1}\n"
		  "{\"benchmark\":\"blocked\",\"validation\":{\"max_abs_err\":1e-7,"
		  "\"max_rel_err\":2e-6,\"passed\":true}}\n"
		  "{\"benchmark\":\"broken\",\"metric\":\"lat\",\"value\":1}\n"
		  "{\"benchmark\":\"broken\",\"status\":\"failed\",\"message\":\"NaN out\"}\n"
		  "{\"benchmark\":\"wrong\",\"validation\":{\"max_rel_err\":0.5,"
		  "\"passed\":false}}\n"
		  "{\"status\":\"ok\"}\n",
		  "{\"benchmark\":\"blocked\",\"validation\":{\"max_abs_err\":3e-7,"
		  "\"max_rel_err\":1e-6,\"tolerance\":1e-4,\"passed\":true}}\n"
		  "{\"benchmark\":\"gpu\",\"status\":\"failed\"}\n",
		  NULL);
	assert_string_equal(bt_strbuf_str(&warn), "");
	assert_int_equal(run.results[0].status, BT_STATUS_OK);
	const struct bt_result *r = find(&run, "gpu", "");
	/* failed is worse than skipped: it wins, with its own message */
	assert_int_equal(r->status, BT_STATUS_FAILED);
	assert_string_equal(r->message, "failed, said the command");
	r = find(&run, "blocked", "");
	assert_int_equal(r->status, BT_STATUS_OK);
	assert_true(r->validation.checked);
	assert_true(r->validation.passed);
	assert_double_equal(r->validation.max_abs_err, 3e-7, 1e-20);
	assert_double_equal(r->validation.max_rel_err, 2e-6, 1e-20);
	assert_double_equal(r->validation.tolerance, 1e-4, 1e-20);
	r = find(&run, "broken", "");
	assert_int_equal(r->status, BT_STATUS_FAILED);
	assert_string_equal(r->message, "NaN out");
	assert_int_equal(r->n_metrics, 1);
	r = find(&run, "wrong", "");
	assert_int_equal(r->status, BT_STATUS_FAILED);
	assert_string_equal(r->message,
			    "validation failed: max relative error 0.5 (said the command)");
	assert_false(r->validation.passed);
	roundtrip(&run, &back);
	assert_int_equal(find(&back, "wrong", "")->status, BT_STATUS_FAILED);
	assert_true(find(&back, "blocked", "")->validation.passed);
	bt_run_release(&back);
	bt_run_release(&run);

	/* a status line for the own result; a failed command keeps its own
	 * status and message */
	make_run(&run, "cmd", NULL);
	feed_emit(&run, 0, &warn, "{\"status\":\"skipped\",\"message\":\"later\"}\n", NULL);
	assert_int_equal(run.results[0].status, BT_STATUS_SKIPPED);
	assert_string_equal(run.results[0].message, "later");
	bt_run_release(&run);
	make_run(&run, "cmd", NULL);
	run.results[0].status = BT_STATUS_FAILED;
	run.results[0].message = "exit status 2: boom";
	feed_emit(&run, 0, &warn, "{\"status\":\"skipped\",\"message\":\"later\"}\n", NULL);
	assert_int_equal(run.results[0].status, BT_STATUS_FAILED);
	assert_string_equal(run.results[0].message, "exit status 2: boom");
	bt_run_release(&run);
	bt_strbuf_release(&warn);
}

/* --- malformed lines ---------------------------------------------------- */

static void test_malformed(void **state)
{
	struct bt_run run, back;
	struct bt_strbuf warn = BT_STRBUF_INIT;
	(void)state;
	make_run(&run, "cmd", NULL);
	feed_emit(&run, 0, &warn,
		  "{\"metric\":\"ok\",\"value\":1}\n"                          /* 1 */
		  "{\"metric\": \"x\", \"value\": \n"                          /* 2 */
		  "[1, 2]\n"                                                   /* 3 */
		  "{\"value\": 1}\n"                                           /* 4 */
		  "\n"                                                         /* 5 */
		  "{\"metric\": 3, \"value\": 1}\n"                            /* 6 */
		  "{\"metric\": \"\", \"value\": 1}\n"                         /* 7 */
		  "{\"metric\": \"x\"}\n"                                      /* 8 */
		  "{\"metric\": \"x\", \"value\": \"12\"}\n"                   /* 9 */
		  "{\"metric\": \"x\", \"value\": NaN}\n"                      /* 10 */
		  "{\"metric\": \"x\", \"values\": [1, \"2\"]}\n"              /* 11 */
		  "{\"metric\": \"x\", \"values\": 3}\n"                       /* 12 */
		  "{\"metric\": \"x\", \"values\": []}\n"                      /* 13 */
		  "{\"metric\": \"x\", \"value\": 1, \"values\": [1]}\n"       /* 14 */
		  "{\"metric\": \"x\", \"value\": 1, \"direction\": \"up\"}\n" /* 15 */
		  "{\"metric\": \"x\", \"value\": 1, \"unit\": 5}\n"           /* 16 */
		  "{\"status\": \"crashed\"}\n",                               /* 17 */
		  "{\"benchmark\": \"d\", \"params\": [1], \"metric\": \"x\", \"value\": 1}\n"
		  "{\"benchmark\": \"d\", \"params\": {\"n\": [1]}, \"metric\": \"x\", \"value\": 1}\n"
		  "{\"benchmark\": \"d\", \"validation\": {\"max_abs_err\": 1}}\n"
		  "{\"benchmark\": \"d\", \"validation\": {\"passed\": true, \"max_rel_err\": \"a\"}}\n"
		  "{\"benchmark\": 7, \"metric\": \"x\", \"value\": 1}\n"      /* 5 */
		  "{\"metric\": \"x\", \"value\": 1, \"metric\": \"y\"}\n"     /* 6 */
		  "{\"benchmark\": \"d\", \"metric\": \"x\", \"value\": 2}\n"  /* 7: ok */
		  "{\"metric\": \"x\", \"value\": 1} trailing\n"               /* 8 */
		  "{\"metric\": \"a\\u0001b\", \"value\": 1}\n"                /* 9 */
		  "{\"benchmark\": \"d\", \"status\": \"failed\", \"message\": 3}\n",
		  NULL);
	static const char *const want[] = {
		"run 1: line 2: not JSON: ",
		"run 1: line 3: not a JSON object\n",
		"run 1: line 4: missing \"metric\" (nor a \"status\" or \"validation\" line)\n",
		"run 1: line 6: \"metric\": not a string\n",
		"run 1: line 7: \"metric\": \"\" is empty\n",
		"run 1: line 8: missing \"value\" (or \"values\")\n",
		"run 1: line 9: \"value\": not a finite number\n",
		"run 1: line 10: not JSON: ",
		": NaN and Infinity are not JSON numbers\n",
		"run 1: line 11: \"values\"[1]: not a finite number\n",
		"run 1: line 12: \"values\": not an array of finite numbers\n",
		"run 1: line 13: \"values\": an empty array\n",
		"run 1: line 14: both \"value\" and \"values\"\n",
		"run 1: line 15: \"direction\": \"up\" is not lower or higher\n",
		"run 1: line 16: \"unit\": not a string\n",
		"run 1: line 17: \"status\": \"crashed\" is not ok, failed or skipped\n",
		"run 2: line 1: \"params\": not an object\n",
		"run 2: line 2: \"params\".n: not a string, number or boolean\n",
		"run 2: line 3: \"validation\".passed: missing\n",
		"run 2: line 4: \"validation\".max_rel_err: not a finite number\n",
		"run 2: line 5: \"benchmark\": not a string\n",
		"run 2: line 6: not JSON: duplicate object key",
		"run 2: line 8: not JSON: ",
		"run 2: line 9: \"metric\": \"a?b\" has a control character\n",
		"run 2: line 10: \"message\": not a string\n",
	};
	const char *w = bt_strbuf_str(&warn);
	assert_string_equal(BT_TEST_MISSING(w, want), "");
	assert_null(strstr(w, "run 1: line 1:"));
	assert_null(strstr(w, "run 1: line 5:"));
	assert_null(strstr(w, "run 2: line 7:"));
	assert_null(strstr(w, "more malformed"));
	/* one line per problem */
	size_t lines = 0;
	for (const char *c = w; *c; c++)
		lines += *c == '\n';
	assert_int_equal(lines, 24);

	/* the valid lines are kept; the bad ones counted where they point */
	const struct bt_result *own = &run.results[0];
	assert_int_equal(bt_result_metric(own, "ok")->n_samples, 1);
	assert_null(bt_result_metric(own, "x"));
	const struct bt_result *d = find(&run, "d", "");
	assert_int_equal(d->status, BT_STATUS_OK);
	assert_int_equal(d->metrics[0].n_samples, 1);
	/* run 2's lines 1, 2 (params unreadable: the benchmark named), 3, 4
	 * and 10 */
	assert_int_equal(counter(d, "protocol_bad_lines"), 5);
	assert_int_equal(counter(own, "protocol_bad_lines"), 24 - 5);
	roundtrip(&run, &back);
	assert_int_equal(counter(find(&back, "d", ""), "protocol_bad_lines"), 5);
	bt_run_release(&back);
	bt_run_release(&run);
	bt_strbuf_release(&warn);
}

/* null is the same as an absent member; a key with '=' is malformed */
static void test_null_members(void **state)
{
	struct bt_run run;
	struct bt_strbuf warn = BT_STRBUF_INIT;
	(void)state;
	make_run(&run, "cmd", NULL);
	feed_emit(&run, 0, &warn,
		  "{\"benchmark\":null,\"params\":null,\"metric\":\"m\",\"value\":1,"
		  "\"unit\":null,\"direction\":null,\"values\":null,\"status\":null}\n"
		  "{\"metric\":null,\"value\":1}\n"
		  "{\"params\":{\"a=b\":1},\"metric\":\"m\",\"value\":1}\n"
		  "{\"metric\":\"m\",\"value\":2,\"later\":{\"x\":[1]}}\n",
		  NULL);
	assert_string_equal(bt_strbuf_str(&warn),
			    "run 1: line 2: missing \"metric\" (nor a \"status\" or "
			    "\"validation\" line)\n"
			    "run 1: line 3: \"params\": key \"a=b\" has a '='\n");
	assert_int_equal(run.n_results, 1);
	const struct bt_metric *m = bt_result_metric(&run.results[0], "m");
	assert_int_equal(m->n_samples, 2);
	assert_string_equal(m->unit, "");
	assert_int_equal(m->direction, BT_LOWER_IS_BETTER);
	bt_run_release(&run);
	bt_strbuf_release(&warn);
}

static void test_warning_cap(void **state)
{
	struct bt_run run;
	struct bt_strbuf warn = BT_STRBUF_INIT, text = BT_STRBUF_INIT;
	(void)state;
	for (int i = 0; i < 25; i++)
		bt_strbuf_adds(&text, "junk\n");
	bt_strbuf_adds(&text, "{\"metric\":\"m\",\"value\":1}\n");
	make_run(&run, "cmd", NULL);
	feed_emit(&run, 0, &warn, text.buf, text.buf, NULL);
	const char *w = bt_strbuf_str(&warn);
	assert_non_null(strstr(w, "run 1: line 20: not JSON"));
	assert_null(strstr(w, "run 1: line 21:"));
	assert_non_null(strstr(w, "run 1: 5 more malformed lines not shown\n"));
	assert_non_null(strstr(w, "run 2: line 1: not JSON"));
	assert_non_null(strstr(w, "run 2: 5 more malformed lines not shown\n"));
	assert_int_equal(counter(&run.results[0], "protocol_bad_lines"), 50);
	assert_int_equal(bt_result_metric(&run.results[0], "m")->n_samples, 2);
	bt_run_release(&run);
	bt_strbuf_release(&warn);
	bt_strbuf_release(&text);
}

static void test_partial_last_line(void **state)
{
	struct bt_run run;
	struct bt_strbuf warn = BT_STRBUF_INIT;
	(void)state;
	make_run(&run, "cmd", NULL);
	feed_emit(&run, 0, &warn,
		  "{\"benchmark\":\"b\",\"metric\":\"m\",\"values\":[1,2]}\n"
		  "{\"benchmark\":\"b\",\"metric\":\"m\",\"values\":[3,",
		  "{\"benchmark\":\"b\",\"metric\":\"m\",\"value\":4}", NULL);
	assert_string_equal(bt_strbuf_str(&warn),
			    "run 1: line 2: partial last line (the command was killed?)\n");
	const struct bt_result *b = find(&run, "b", "");
	assert_int_equal(b->metrics[0].n_samples, 3);
	assert_int_equal(counter(&run.results[0], "protocol_bad_lines"), 1);
	bt_run_release(&run);
	bt_strbuf_release(&warn);
}

/* --- params and names ------------------------------------------------- */

static void test_params_merge(void **state)
{
	struct bt_run run, back;
	struct bt_strbuf warn = BT_STRBUF_INIT;
	static const char *const own_kv[] = { "impl", "blocked", "seq", "256", NULL };
	(void)state;
	make_run(&run, "attn {impl}", own_kv);
	feed_emit(&run, 0, &warn,
		  /* the -L values and the line's */
		  "{\"benchmark\":\"decode\",\"params\":{\"prompt_len\":128,\"fp16\":true,"
		  "\"scale\":0.5,\"tag\":\"x y\"},\"metric\":\"m\",\"value\":1}\n"
		  /* the line's value wins over the command's */
		  "{\"benchmark\":\"decode\",\"params\":{\"seq\":512},\"metric\":\"m\","
		  "\"value\":2}\n"
		  /* the command's own: no benchmark, or its name, same params */
		  "{\"metric\":\"m\",\"value\":3}\n"
		  "{\"benchmark\":\"attn {impl}\",\"metric\":\"m\",\"value\":4}\n"
		  "{\"params\":{\"seq\":256},\"metric\":\"m\",\"value\":5}\n"
		  /* its name with other params: a result of its own */
		  "{\"params\":{\"seq\":1024},\"metric\":\"m\",\"value\":6}\n"
		  /* params given in another order are the same benchmark */
		  "{\"benchmark\":\"decode\",\"params\":{\"tag\":\"x y\",\"scale\":0.5,"
		  "\"fp16\":true,\"prompt_len\":128},\"metric\":\"m\",\"value\":7}\n",
		  NULL);
	assert_string_equal(bt_strbuf_str(&warn), "");
	assert_int_equal(run.n_results, 4);
	const struct bt_metric *m = bt_result_metric(&run.results[0], "m");
	assert_int_equal(m->n_samples, 3);
	const struct bt_result *d =
		find(&run, "decode", "fp16=true,impl=blocked,prompt_len=128,scale=0.5,seq=256,tag=x y");
	assert_int_equal(d->metrics[0].n_samples, 2);
	assert_double_equal(d->metrics[0].samples[1], 7, 0);
	d = find(&run, "decode", "impl=blocked,seq=512");
	assert_double_equal(d->metrics[0].samples[0], 2, 0);
	d = find(&run, "attn {impl}", "impl=blocked,seq=1024");
	assert_double_equal(d->metrics[0].samples[0], 6, 0);
	roundtrip(&run, &back);
	assert_int_equal(back.n_results, 4);
	bt_run_release(&back);
	bt_run_release(&run);
	bt_strbuf_release(&warn);
}

static void test_reported_time(void **state)
{
	struct bt_run run, back;
	struct bt_strbuf warn = BT_STRBUF_INIT;
	(void)state;
	make_run(&run, "cmd", NULL);
	feed_emit(&run, 0, &warn,
		  "{\"metric\":\"time\",\"values\":[10,20],\"unit\":\"ms\"}\n"
		  "{\"metric\":\"user_time\",\"value\":1,\"unit\":\"ms\"}\n"
		  "{\"benchmark\":\"inner\",\"metric\":\"tokens\",\"value\":9,"
		  "\"unit\":\"tokens/s\"}\n"
		  "{\"benchmark\":\"inner\",\"metric\":\"time\",\"value\":5,\"unit\":\"ms\"}\n",
		  NULL);
	assert_string_equal(bt_strbuf_str(&warn), "");
	const struct bt_result *own = &run.results[0];
	/* the wall time stays the command's */
	assert_string_equal(own->metrics[0].name, "time");
	assert_int_equal(own->metrics[0].n_samples, 3);
	assert_double_equal(own->metrics[0].samples[0], 0.5, 0);
	const struct bt_metric *m = bt_result_metric(own, "reported_time");
	assert_non_null(m);
	assert_int_equal(m->n_samples, 2);
	assert_double_equal(m->samples[1], 0.02, 1e-15);
	assert_non_null(bt_result_metric(own, "reported_user_time"));
	assert_int_equal(bt_result_metric(own, "user_time")->n_samples, 3);
	/* in a benchmark of its own, "time" is its time and comes first */
	const struct bt_result *in = find(&run, "inner", "");
	assert_string_equal(in->metrics[0].name, "time");
	assert_string_equal(in->metrics[1].name, "tokens");
	roundtrip(&run, &back);
	assert_string_equal(find(&back, "inner", "")->metrics[0].name, "time");
	assert_non_null(bt_result_metric(&back.results[0], "reported_time"));
	bt_run_release(&back);
	bt_run_release(&run);
	bt_strbuf_release(&warn);
}

/* Two commands of one exec reporting the same benchmark: the second one's
 * is told apart by a param "command". */
static void test_two_commands(void **state)
{
	struct bt_run run, back;
	struct bt_strbuf warn = BT_STRBUF_INIT;
	(void)state;
	make_run(&run, "a.py", NULL);
	struct bt_result *b = bt_run_add_result(&run);
	*b = run.results[0];
	b->name = "b.py";
	const char *line = "{\"benchmark\":\"decode\",\"metric\":\"m\",\"value\":1}\n";
	feed_emit(&run, 0, &warn, line, NULL);
	feed_emit(&run, 1, &warn, line, NULL);
	assert_int_equal(run.n_results, 4);
	find(&run, "decode", "");
	find(&run, "decode", "command=b.py");
	roundtrip(&run, &back);
	bt_run_release(&back);
	bt_run_release(&run);
	bt_strbuf_release(&warn);
}

/* The -L expansions of one command share its name: a line whose params
 * override the -L value ({"impl": "zzz"} under -L impl=a,b) names the same
 * benchmark from each; the "command" param then also says which expansion
 * (its params), so that no two results have one identity. */
static void test_expansions_one_benchmark(void **state)
{
	struct bt_run run, back;
	struct bt_strbuf warn = BT_STRBUF_INIT;
	(void)state;
	static const char *const a[] = { "impl", "a", NULL };
	const char *line = "{\"benchmark\":\"k\",\"params\":{\"impl\":\"zzz\"},"
			   "\"metric\":\"m\",\"value\":1}\n";
	for (int other = 0; other < 2; other++) {
		/* with another command before them ("x.sh"), or alone */
		make_run(&run, other ? "x.sh" : "s.sh {impl}", other ? NULL : a);
		size_t own = 0;
		if (other) {
			feed_emit(&run, 0, &warn, line, NULL);
			struct bt_result *r = bt_run_add_result(&run);
			*r = run.results[0];
			r->name = "s.sh {impl}";
			r->params = bt_run_alloc(&run, sizeof *r->params);
			r->params[0].key = "impl";
			r->params[0].value = "a";
			r->n_params = 1;
			own = run.n_results - 1;
		}
		feed_emit(&run, own, &warn, line, NULL);
		struct bt_result *r = bt_run_add_result(&run);
		*r = run.results[own];
		r->params = bt_run_alloc(&run, sizeof *r->params);
		r->params[0].key = "impl";
		r->params[0].value = "b";
		r->n_params = 1;
		feed_emit(&run, run.n_results - 1, &warn, line, NULL);
		for (size_t i = 0; i < run.n_results; i++)
			for (size_t j = i + 1; j < run.n_results; j++) {
				const struct bt_result *x = &run.results[i], *y = &run.results[j];
				int same = !strcmp(x->name, y->name) && x->n_params == y->n_params;
				for (size_t k = 0; same && k < x->n_params; k++)
					same = !strcmp(x->params[k].key, y->params[k].key) &&
					       !strcmp(x->params[k].value, y->params[k].value);
				if (same)
					fail_msg("results %zu and %zu: both %s with the same params",
						 i, j, x->name);
			}
		find(&run, "k", "impl=zzz");
		find(&run, "k", "command=s.sh {impl},impl=zzz");
		if (other)
			find(&run, "k", "command=s.sh {impl} (impl=b),impl=zzz");
		roundtrip(&run, &back);
		bt_run_release(&back);
		bt_run_release(&run);
	}
	bt_strbuf_release(&warn);
}

/* An integer too big for 64 bits is still a finite JSON number (Python's
 * json.dumps writes 10**20 so): a sample, not a malformed line. */
static void test_big_integer(void **state)
{
	struct bt_run run;
	struct bt_strbuf warn = BT_STRBUF_INIT;
	(void)state;
	make_run(&run, "big.py", NULL);
	feed_emit(&run, 0, &warn,
		  "{\"metric\": \"bytes\", \"value\": 123456789012345678901234567890, "
		  "\"unit\": \"B\"}\n"
		  "{\"benchmark\": \"k\", \"params\": {\"n\": 100000000000000000000}, "
		  "\"metric\": \"m\", \"values\": [1, 18446744073709551616]}\n",
		  NULL);
	assert_string_equal(bt_strbuf_str(&warn), "");
	const struct bt_metric *m = bt_result_metric(&run.results[0], "bytes");
	assert_non_null(m);
	assert_double_equal(m->samples[0], 1.2345678901234568e29, 1e14);
	const struct bt_result *k = find(&run, "k", "n=1e+20");
	m = bt_result_metric(k, "m");
	assert_non_null(m);
	assert_int_equal(m->n_samples, 2);
	assert_double_equal(m->samples[1], 18446744073709551616.0, 1);
	bt_run_release(&run);
	bt_strbuf_release(&warn);
}

/* --- the caps ------------------------------------------------------------- */

static void test_caps(void **state)
{
	struct bt_run run;
	struct bt_strbuf warn = BT_STRBUF_INIT, text = BT_STRBUF_INIT;
	(void)state;
	/* 11 lines of 100,000 samples: the 1,000,000 kept, a warning once */
	bt_strbuf_adds(&text, "{\"metric\":\"m\",\"values\":[1");
	for (int i = 1; i < 100000; i++)
		bt_strbuf_adds(&text, ",1");
	bt_strbuf_adds(&text, "]}\n");
	char *one = strdup(text.buf);
	for (int i = 1; i < 11; i++)
		bt_strbuf_adds(&text, one);
	free(one);
	make_run(&run, "cmd", NULL);
	feed_emit(&run, 0, &warn, text.buf, NULL);
	assert_string_equal(bt_strbuf_str(&warn),
			    "run 1: line 11: more than 1000000 samples in all: the rest "
			    "are ignored\n");
	assert_int_equal(bt_result_metric(&run.results[0], "m")->n_samples, 1000000);
	bt_run_release(&run);

	/* a line longer than 1 MiB; more than 100,000 lines */
	bt_strbuf_reset(&text);
	bt_strbuf_reset(&warn);
	bt_strbuf_adds(&text, "{\"metric\":\"m\",\"values\":[1");
	while (text.len <= ((size_t)1 << 20))
		bt_strbuf_adds(&text, ",1");
	bt_strbuf_adds(&text, "]}\n");
	for (int i = 1; i < 100005; i++)
		bt_strbuf_adds(&text, "{\"metric\":\"n\",\"value\":1}\n");
	make_run(&run, "cmd", NULL);
	feed_emit(&run, 0, &warn, text.buf, NULL);
	assert_string_equal(bt_strbuf_str(&warn),
			    "run 1: line 1: line longer than 1048576 bytes\n"
			    "run 1: more than 100000 lines: line 100001 and after are "
			    "ignored\n");
	assert_null(bt_result_metric(&run.results[0], "m"));
	assert_int_equal(bt_result_metric(&run.results[0], "n")->n_samples, 99999);
	bt_run_release(&run);

	/* more than 1000 benchmarks */
	bt_strbuf_reset(&text);
	bt_strbuf_reset(&warn);
	for (int i = 0; i < 1001; i++)
		bt_strbuf_addf(&text, "{\"benchmark\":\"b%d\",\"metric\":\"m\",\"value\":1}\n", i);
	make_run(&run, "cmd", NULL);
	feed_emit(&run, 0, &warn, text.buf, NULL);
	assert_string_equal(bt_strbuf_str(&warn),
			    "run 1: line 1000: more than 1000 benchmarks: ignored\n"
			    "run 1: line 1001: more than 1000 benchmarks: ignored\n");
	assert_int_equal(run.n_results, 1 + 999);
	bt_run_release(&run);
	bt_strbuf_release(&warn);
	bt_strbuf_release(&text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_issue_example),
		cmocka_unit_test(test_pool_two_feeds),
		cmocka_unit_test(test_units_directions),
		cmocka_unit_test(test_status_validation),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_null_members),
		cmocka_unit_test(test_warning_cap),
		cmocka_unit_test(test_partial_last_line),
		cmocka_unit_test(test_params_merge),
		cmocka_unit_test(test_reported_time),
		cmocka_unit_test(test_two_commands),
		cmocka_unit_test(test_expansions_one_benchmark),
		cmocka_unit_test(test_big_integer),
		cmocka_unit_test(test_caps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
