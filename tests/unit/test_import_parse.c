/* Tests of the import dispatcher (lib/import/import.c): the JSON and JSON
 * Lines parser with the NaN/Infinity literals (bt__import_parse,
 * bt__imp_num), its error positions in the terms of the original text,
 * detection by the sniffers and its errors, and the helpers the readers
 * share (bt__imp_add_metric, bt__imp_time_text). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "benchtrack/import.h"
#include "import/import.h"
#include "internal.h"

static json_t *parse(const char *text, int *jsonl, struct bt_strbuf *err)
{
	bt_strbuf_reset(err);
	return bt__import_parse(text, strlen(text), "f.json", jsonl, err);
}

static void test_literals(void **state)
{
	(void)state;
	struct bt_strbuf err = BT_STRBUF_INIT;
	int jsonl = 7;
	/* literals outside strings only; escaped quotes do not end a string */
	json_t *r = parse("{\"a\": NaN, \"b\": [Infinity, -Infinity, 1.5],"
			  " \"s\": \"NaN \\\" Infinity\", \"t\": \"x\\\\\", \"u\": NaN}",
			  &jsonl, &err);
	assert_non_null(r);
	assert_int_equal(jsonl, 0);
	double x;
	assert_true(bt__imp_num(json_object_get(r, "a"), &x) && isnan(x));
	assert_true(bt__imp_num(json_object_get(r, "u"), &x) && isnan(x));
	const json_t *b = json_object_get(r, "b");
	assert_true(bt__imp_num(json_array_get(b, 0), &x) && isinf(x) && x > 0);
	assert_true(bt__imp_num(json_array_get(b, 1), &x) && isinf(x) && x < 0);
	assert_true(bt__imp_num(json_array_get(b, 2), &x) && x == 1.5);
	assert_string_equal(json_string_value(json_object_get(r, "s")), "NaN \" Infinity");
	assert_string_equal(json_string_value(json_object_get(r, "t")), "x\\");
	assert_false(bt__imp_num(json_object_get(r, "s"), &x));
	assert_false(bt__imp_num(json_object_get(r, "missing"), &x));
	json_decref(r);
	bt_strbuf_release(&err);
}

static void test_errors(void **state)
{
	(void)state;
	struct bt_strbuf err = BT_STRBUF_INIT;
	int jsonl;
	/* the column counts the original text, not the quoted copy */
	assert_null(parse("{\"a\": [NaN, NaN,\n  Infinity, ]}", &jsonl, &err));
	assert_non_null(strstr(err.buf, "f.json: line 2 column "));
	assert_int_equal(atoi(strstr(err.buf, "column ") + 7), 13); /* the ']' */
	assert_null(parse("{\"a\": 1,", &jsonl, &err));
	assert_non_null(strstr(err.buf, "f.json: line 1 column "));
	assert_null(parse("  \n\t ", &jsonl, &err));
	assert_string_equal(err.buf, "f.json: empty: expected JSON");
	assert_null(parse("42", &jsonl, &err));
	assert_non_null(strstr(err.buf, "f.json: line 1 column "));
	bt_strbuf_release(&err);
}

static void test_jsonl(void **state)
{
	(void)state;
	struct bt_strbuf err = BT_STRBUF_INIT;
	int jsonl = 0;
	json_t *r = parse("{\"a\": 1}\n\n{\"b\": NaN}\r\n{\"c\": 3}\n", &jsonl, &err);
	assert_non_null(r);
	assert_int_equal(jsonl, 1);
	assert_int_equal(json_array_size(r), 3);
	double x;
	assert_true(bt__imp_num(json_object_get(json_array_get(r, 1), "b"), &x) && isnan(x));
	json_decref(r);
	/* a bad line is named by its number in the file */
	assert_null(parse("{\"a\": 1}\n{\"b\": 2}\n{\"c\": \n", &jsonl, &err));
	assert_non_null(strstr(err.buf, "f.json: line 3 column "));
	assert_null(parse("{\"a\": 1}\n[1]\n", &jsonl, &err));
	assert_string_equal(err.buf, "f.json: line 2: expected a JSON object (JSON Lines)");
	/* one line alone is one document */
	r = parse("{\"a\": 1}\n", &jsonl, &err);
	assert_non_null(r);
	assert_int_equal(jsonl, 0);
	assert_true(json_is_object(r));
	json_decref(r);
	bt_strbuf_release(&err);
}

static void test_detect(void **state)
{
	(void)state;
	struct bt_strbuf err = BT_STRBUF_INIT;
	struct bt_run run;
	struct bt_import_info info;
	const char *hf = "{\"results\": [{\"command\": \"true\", \"times\": [0.5, 0.25, 1]}]}";
	assert_int_equal(bt_run_init(&run), 0);
	assert_int_equal(bt_import_text(&run, hf, strlen(hf), "h", BT_FORMAT_AUTO, &info, &err), 0);
	assert_int_equal(info.format, BT_FORMAT_HYPERFINE);
	assert_int_equal(info.detected, 1);
	assert_int_equal(run.n_results, 1);
	assert_int_equal(run.results[0].metrics[0].stats.n, 3);
	assert_true(run.results[0].metrics[0].stats.median == 0.5);
	bt_run_release(&run);

	const char *none = "{\"x\": 1}";
	assert_int_equal(bt_run_init(&run), 0);
	assert_int_equal(bt_import_text(&run, none, strlen(none), "n", BT_FORMAT_AUTO, &info,
					&err),
			 BT_EUNSUPPORTED);
	assert_non_null(strstr(err.buf, "n: not a format benchtrack imports (tried gbench, "
					"hyperfine, pytest-benchmark"));
	bt_run_release(&run);

	/* a gbench document that also has hyperfine's members: ambiguous */
	const char *both = "{\"context\": {}, \"benchmarks\": [], \"results\": [{\"command\":"
			   " \"x\", \"times\": [1]}]}";
	bt_strbuf_reset(&err);
	assert_int_equal(bt_run_init(&run), 0);
	assert_int_equal(bt_import_text(&run, both, strlen(both), "b", BT_FORMAT_AUTO, &info,
					&err),
			 BT_EUNSUPPORTED);
	assert_string_equal(err.buf, "b: looks like both gbench and hyperfine: pass --format");
	bt_run_release(&run);

	/* criterion needs a directory; csv is export only */
	bt_strbuf_reset(&err);
	assert_int_equal(bt_run_init(&run), 0);
	assert_int_equal(bt_import_text(&run, hf, strlen(hf), "c", BT_FORMAT_CRITERION, &info,
					&err),
			 BT_EUNSUPPORTED);
	assert_int_equal(bt_import_text(&run, hf, strlen(hf), "c", BT_FORMAT_CSV, &info, &err),
			 BT_EINVAL);
	assert_int_equal(bt_import_path(&run, "/nonexistent/x.json", BT_FORMAT_AUTO, &info, &err),
			 BT_ENOTFOUND);
	bt_run_release(&run);
	bt_strbuf_release(&err);
}

/* Google Benchmark's run names: integer arguments and key:value options
 * read from the end, the time flags (UseRealTime, UseManualTime) as the
 * param time_type, a function name with '/' of its own (Name("a/b"))
 * kept whole in the name. */
static void test_gbench_names(void **state)
{
	(void)state;
	static const struct {
		const char *run_name, *name, *params;
	} cases[] = {
		{ "BM_sum/512/threads:2", "BM_sum", "arg0=512,threads=2" },
		{ "BM_tpl<int>/8/real_time", "BM_tpl<int>", "arg0=8,time_type=real_time" },
		{ "BM_m/iterations:5/manual_time", "BM_m", "iterations=5,time_type=manual_time" },
		{ "BM_p/-3/process_time/real_time", "BM_p", "arg0=-3,time_type=process_time/real_time" },
		{ "custom/name/3", "custom/name", "arg0=3" },
		{ "BM_named/size:64/mode:1", "BM_named", "mode=1,size=64" },
		{ "plain", "plain", "" },
		{ "BM_x//3", "BM_x//3", "" },
		{ "BM_x/1/1/n:1/n:2", "BM_x/1/1/n:1/n:2", "" },
	};
	struct bt_strbuf err = BT_STRBUF_INIT, text = BT_STRBUF_INIT;
	assert_int_equal(bt_strbuf_adds(&text, "{\"context\": {}, \"benchmarks\": ["), 0);
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		assert_int_equal(bt_strbuf_addf(&text, "%s{\"name\": \"%s\", \"run_name\": "
						"\"%s\", \"run_type\": \"iteration\", "
						"\"iterations\": 10, \"real_time\": 5, "
						"\"cpu_time\": 5, \"time_unit\": \"ns\"}",
						i ? ", " : "", cases[i].run_name,
						cases[i].run_name),
				 0);
	assert_int_equal(bt_strbuf_adds(&text, "]}"), 0);
	struct bt_run run;
	struct bt_import_info info;
	assert_int_equal(bt_run_init(&run), 0);
	int rc = bt_import_text(&run, text.buf, text.len, "g.json", BT_FORMAT_GBENCH, &info, &err);
	if (rc)
		fail_msg("%d %s", rc, bt_strbuf_str(&err));
	assert_int_equal(run.n_results, sizeof cases / sizeof *cases);
	for (size_t i = 0; i < run.n_results; i++) {
		const struct bt_result *r = &run.results[i];
		char buf[256] = "";
		for (size_t j = 0; j < r->n_params; j++)
			snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s=%s",
				 j ? "," : "", r->params[j].key, r->params[j].value);
		if (strcmp(r->name, cases[i].name) || strcmp(buf, cases[i].params))
			fail_msg("%s: name %s params [%s], want %s [%s]", cases[i].run_name,
				 r->name, buf, cases[i].name, cases[i].params);
	}
	bt_run_release(&run);
	bt_strbuf_release(&text);
	bt_strbuf_release(&err);
}

/* --benchmark_report_aggregates_only: the one sample is the median
 * aggregate, and its throughput and user counters are kept as those of
 * iteration rows are (the stddev and cv rows are not values of them). */
static void test_gbench_aggregates_only(void **state)
{
	(void)state;
	const char *agg = "{\"context\": {}, \"benchmarks\": ["
		"{\"name\": \"BM_v/8_mean\", \"run_name\": \"BM_v/8\", \"run_type\": "
		"\"aggregate\", \"aggregate_name\": \"mean\", \"aggregate_unit\": \"time\", "
		"\"iterations\": 4, \"real_time\": 21, \"cpu_time\": 20, \"time_unit\": \"ns\", "
		"\"bytes_per_second\": 1.9e9, \"items\": 590, \"plain\": 42},"
		"{\"name\": \"BM_v/8_median\", \"run_name\": \"BM_v/8\", \"run_type\": "
		"\"aggregate\", \"aggregate_name\": \"median\", \"aggregate_unit\": \"time\", "
		"\"iterations\": 4, \"real_time\": 20, \"cpu_time\": 19, \"time_unit\": \"ns\", "
		"\"bytes_per_second\": 2e9, \"items\": 585, \"plain\": 42},"
		"{\"name\": \"BM_v/8_stddev\", \"run_name\": \"BM_v/8\", \"run_type\": "
		"\"aggregate\", \"aggregate_name\": \"stddev\", \"aggregate_unit\": \"time\", "
		"\"iterations\": 4, \"real_time\": 1, \"cpu_time\": 1, \"time_unit\": \"ns\", "
		"\"bytes_per_second\": 1e7, \"items\": 3, \"plain\": 0}]}";
	struct bt_strbuf err = BT_STRBUF_INIT;
	struct bt_run run;
	struct bt_import_info info;
	assert_int_equal(bt_run_init(&run), 0);
	int rc = bt_import_text(&run, agg, strlen(agg), "a.json", BT_FORMAT_GBENCH, &info, &err);
	if (rc)
		fail_msg("%d %s", rc, bt_strbuf_str(&err));
	assert_int_equal(run.n_results, 1);
	const struct bt_result *r = &run.results[0];
	assert_int_equal(r->metrics[0].n_samples, 1);
	assert_true(r->metrics[0].samples[0] == 20e-9);
	/* 2e9 B/s at 20 ns: 40 bytes an iteration */
	assert_string_equal(r->throughput.unit ? r->throughput.unit : "(none)", "B/s");
	assert_true(fabs(r->throughput.items_per_op - 40) < 1e-9);
	double items = -1, plain = -1;
	for (size_t i = 0; i < r->n_counters; i++) {
		if (!strcmp(r->counters[i].name, "items"))
			items = r->counters[i].value;
		if (!strcmp(r->counters[i].name, "plain"))
			plain = r->counters[i].value;
	}
	assert_true(items == 585 && plain == 42);
	bt_run_release(&run);
	bt_strbuf_release(&err);
}

/* hyperfine -i: its exit_codes become what exec -i records, the counter
 * exit_code_nonzero and the metric exit_code (so that export writes them
 * back as they were). */
static void test_hyperfine_exit_codes(void **state)
{
	(void)state;
	const char *hf = "{\"results\": [{\"command\": \"exit 3\", \"times\": [0.5, 0.25, 1], "
			 "\"exit_codes\": [0, 3, 3]}]}";
	struct bt_strbuf err = BT_STRBUF_INIT;
	struct bt_run run;
	struct bt_import_info info;
	assert_int_equal(bt_run_init(&run), 0);
	assert_int_equal(bt_import_text(&run, hf, strlen(hf), "h", BT_FORMAT_HYPERFINE, &info,
					&err), 0);
	const struct bt_result *r = &run.results[0];
	double k = -1;
	for (size_t i = 0; i < r->n_counters; i++)
		if (!strcmp(r->counters[i].name, "exit_code_nonzero"))
			k = r->counters[i].value;
	assert_true(k == 2);
	const struct bt_metric *m = bt_result_metric(r, "exit_code");
	assert_non_null(m);
	assert_int_equal(m->n_samples, 3);
	assert_true(m->samples[0] == 0 && m->samples[1] == 3 && m->samples[2] == 3);
	bt_run_release(&run);
	bt_strbuf_release(&err);
}

/* Google Benchmark 1.8's SkipWithMessage: a row with "skipped": true is
 * not a sample (its times are 0); a benchmark with only such rows is
 * skipped with the message. */
static void test_gbench_skipped(void **state)
{
	(void)state;
	const char *gb = "{\"context\": {}, \"benchmarks\": ["
		"{\"name\": \"BM_s\", \"run_name\": \"BM_s\", \"run_type\": \"iteration\", "
		"\"repetitions\": 1, \"repetition_index\": 0, \"threads\": 1, \"skipped\": true, "
		"\"skip_message\": \"no GPU\", \"iterations\": 0, \"real_time\": 0, "
		"\"cpu_time\": 0, \"time_unit\": \"ns\"},"
		"{\"name\": \"BM_t\", \"run_name\": \"BM_t\", \"run_type\": \"iteration\", "
		"\"iterations\": 10, \"real_time\": 5, \"cpu_time\": 5, \"time_unit\": \"ns\"}]}";
	struct bt_strbuf err = BT_STRBUF_INIT;
	struct bt_run run;
	struct bt_import_info info;
	assert_int_equal(bt_run_init(&run), 0);
	assert_int_equal(bt_import_text(&run, gb, strlen(gb), "g", BT_FORMAT_GBENCH, &info, &err),
			 0);
	assert_int_equal(run.n_results, 2);
	const struct bt_result *r = &run.results[0];
	assert_string_equal(r->name, "BM_s");
	assert_int_equal(r->status, BT_STATUS_SKIPPED);
	assert_string_equal(r->message ? r->message : "(none)", "no GPU");
	assert_true(r->n_metrics == 0 || r->metrics[0].n_samples == 0);
	assert_int_equal(run.results[1].status, BT_STATUS_OK);
	bt_run_release(&run);
	bt_strbuf_release(&err);
}

static void test_helpers(void **state)
{
	(void)state;
	struct bt_run run;
	assert_int_equal(bt_run_init(&run), 0);
	struct bt_result *r = bt_run_add_result(&run);
	assert_non_null(r);
	double x[] = { 3, 1, 2, 10 };
	assert_int_equal(bt__imp_add_metric(&run, r, "time", "s", BT_LOWER_IS_BETTER, x, 4), 0);
	assert_int_equal(bt__imp_add_metric(&run, r, "rate", "items/s", BT_HIGHER_IS_BETTER, x, 2),
			 0);
	assert_int_equal(r->n_metrics, 2);
	assert_string_equal(r->metrics[0].name, "time");
	assert_true(r->metrics[0].stats.median == 2.5);
	assert_true(r->metrics[1].stats.median == 2);
	x[0] = 99; /* copied */
	assert_true(r->metrics[0].samples[0] == 3);
	assert_int_equal(bt__imp_add_counter(&run, r, "c", 1), 0);
	assert_int_equal(bt__imp_add_counter(&run, r, "c", 2), 0);
	assert_int_equal(r->n_counters, 1);
	assert_true(r->counters[0].value == 2);
	const char *t = NULL;
	assert_int_equal(bt__imp_time_text(&run, "2026-12-04T07:33:42.616572", &t), 1);
	assert_string_equal(t, "2026-12-04T07:33:42Z");
	assert_int_equal(bt__imp_time_text(&run, "2026-12-04T09:33:42+02:00", &t), 1);
	assert_string_equal(t, "2026-12-04T07:33:42Z");
	assert_int_equal(bt__imp_time_text(&run, "yesterday", &t), 0);
	assert_int_equal(bt__imp_time_text(&run, NULL, &t), 0);
	bt_run_release(&run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_literals), cmocka_unit_test(test_errors),
		cmocka_unit_test(test_jsonl),    cmocka_unit_test(test_detect),
		cmocka_unit_test(test_helpers),   cmocka_unit_test(test_gbench_names),
		cmocka_unit_test(test_gbench_aggregates_only),
		cmocka_unit_test(test_hyperfine_exit_codes),
		cmocka_unit_test(test_gbench_skipped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
