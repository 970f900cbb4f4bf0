/* bt_export_run (lib/export/): a run built here, with params, a variant,
 * counters, a throughput, a failed case, a command benchmark's
 * user/sys times and a result without time, exported in every format
 * and read back with jansson: the shapes the peers write, the numbers
 * (pytest-benchmark's statistics against values its own Stats class
 * computed for the same data), what is left out, and that importing the
 * export (bt_import_text) gives the same time samples back. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "benchtrack.h"

static const double t_a[] = { 1e-3, 2e-3, 1.5e-3, 1.2e-3, 1.1e-3 };
static const double tok_a[] = { 10, 20, 30, 40, 50 };
static const double t_b[] = { 0.5, 0.1, 0.2, 0.9, 0.3, 0.25, 0.22 };
static const double t_d[] = { 0.011, 0.012, 0.013, 0.02 };
static const double u_d[] = { 0.001, 0.002, 0.003, 0.004 };
static const double s_d[] = { 0.0005, 0.0005, 0.0005, 0.0005 };
static const double rate_e[] = { 100, 200, 300 };

static void add_metric(struct bt_run *run, struct bt_result *r, const char *name,
		       const char *unit, enum bt_direction dir, const double *x, size_t n)
{
	struct bt_metric *m = bt_run_alloc(run, (r->n_metrics + 1) * sizeof *m);
	assert_non_null(m);
	if (r->n_metrics)
		memcpy(m, r->metrics, r->n_metrics * sizeof *m);
	struct bt_metric *nm = &m[r->n_metrics];
	nm->name = name;
	nm->unit = unit;
	nm->direction = dir;
	nm->samples = bt_run_alloc(run, n * sizeof *x);
	memcpy(nm->samples, x, n * sizeof *x);
	nm->n_samples = n;
	assert_int_equal(bt_stats_summarize(x, n, &nm->stats), 0);
	r->metrics = m;
	r->n_metrics++;
}

static void set_params(struct bt_run *run, struct bt_result *r, const char *const *kv,
		       size_t n)
{
	r->params = bt_run_alloc(run, n * sizeof *r->params);
	for (size_t i = 0; i < n; i++)
		r->params[i] = (struct bt_kv){ kv[2 * i], kv[2 * i + 1] };
	r->n_params = n;
}

static void set_counter(struct bt_run *run, struct bt_result *r, const char *name, double v)
{
	r->counters = bt_run_alloc(run, sizeof *r->counters);
	r->counters[0] = (struct bt_counter){ name, v };
	r->n_counters = 1;
}

/* A: attn (impl=flash, seq_len=128), 5 samples, tokens metric, counter,
 *    throughput, 10 iterations per sample;
 * B: attn (note="a,\"b\"", seq_len=256), variant opt, 7 samples;
 * C: fails, no samples;
 * D: "sleep 0.01", 4 samples with user_time, sys_time, one non-zero exit;
 * E: rate only (no time). */
static void make_run(struct bt_run *run)
{
	assert_int_equal(bt_run_init(run), 0);
	run->suite = "suite_x";
	run->run_id = "0123456789abcdef0123456789abcdef";
	run->timestamp = "2026-11-22T20:08:32Z";
	run->machine.name = "host1";
	run->machine.cpu_cores = 8;
	run->git.commit = "abcdef0123456789abcdef0123456789abcdef01";
	struct bt_result *r = bt_run_add_result(run);
	r->name = "attn";
	r->group = "g";
	r->variant = "default";
	static const char *const pa[] = { "impl", "flash", "seq_len", "128" };
	set_params(run, r, pa, 2);
	add_metric(run, r, "time", "s", BT_LOWER_IS_BETTER, t_a, 5);
	add_metric(run, r, "tokens_per_s", "tokens/s", BT_HIGHER_IS_BETTER, tok_a, 5);
	set_counter(run, r, "block_density", 0.5);
	r->throughput = (struct bt_throughput){ 1e5, "tokens/s", 128 };
	r->iterations_per_sample = 10;

	r = bt_run_add_result(run);
	r->name = "attn";
	r->variant = "opt";
	static const char *const pb[] = { "note", "a,\"b\"", "seq_len", "256" };
	set_params(run, r, pb, 2);
	add_metric(run, r, "time", "s", BT_LOWER_IS_BETTER, t_b, 7);

	r = bt_run_add_result(run);
	r->name = "broken";
	r->variant = "default";
	r->status = BT_STATUS_FAILED;
	r->message = "boom";

	r = bt_run_add_result(run);
	r->name = "sleep 0.01";
	r->variant = "default";
	add_metric(run, r, "time", "s", BT_LOWER_IS_BETTER, t_d, 4);
	add_metric(run, r, "user_time", "s", BT_LOWER_IS_BETTER, u_d, 4);
	add_metric(run, r, "sys_time", "s", BT_LOWER_IS_BETTER, s_d, 4);
	set_counter(run, r, "exit_code_nonzero", 1);
	r->iterations_per_sample = 1;

	r = bt_run_add_result(run);
	r->name = "rate";
	r->variant = "default";
	add_metric(run, r, "throughput", "items/s", BT_HIGHER_IS_BETTER, rate_e, 3);
}

static json_t *export_json(const struct bt_run *run, enum bt_format f)
{
	struct bt_strbuf out = BT_STRBUF_INIT, err = BT_STRBUF_INIT;
	assert_int_equal(bt_export_run(run, f, &out, &err), 0);
	json_error_t je;
	json_t *root = json_loads(bt_strbuf_str(&out), 0, &je);
	if (!root)
		fail_msg("export %s: not JSON: %s", bt_format_name(f), je.text);
	bt_strbuf_release(&out);
	bt_strbuf_release(&err);
	return root;
}

static void assert_close(double got, double want)
{
	if (!(fabs(got - want) <= 1e-12 * fabs(want) + 1e-300))
		fail_msg("got %.17g, want %.17g", got, want);
}

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	if (!s)
		fail_msg("no string '%s'", key);
	return s;
}

static double num(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	if (!json_is_number(v))
		fail_msg("no number '%s'", key);
	return json_number_value(v);
}

/* The rows of gbench's benchmarks named name, and of them the iterations. */
static size_t rows_named(const json_t *rows, const char *name, const char *run_type)
{
	size_t n = 0, i;
	json_t *row;
	json_array_foreach(rows, i, row)
		n += strcmp(str(row, "name"), name) == 0 &&
		     strcmp(str(row, "run_type"), run_type) == 0;
	return n;
}

static const json_t *row_at(const json_t *rows, const char *name, size_t rep)
{
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row)
		if (strcmp(str(row, "name"), name) == 0 &&
		    json_integer_value(json_object_get(row, "repetition_index")) == (json_int_t)rep)
			return row;
	fail_msg("no row %s #%zu", name, rep);
	return NULL;
}

static void test_gbench(void **state)
{
	(void)state;
	struct bt_run run;
	make_run(&run);
	json_t *root = export_json(&run, BT_FORMAT_GBENCH);
	const json_t *ctx = json_object_get(root, "context");
	assert_string_equal(str(ctx, "host_name"), "host1");
	assert_string_equal(str(ctx, "executable"), "suite_x");
	assert_string_equal(str(ctx, "date"), "2026-11-22T20:08:32+00:00");
	assert_string_equal(str(ctx, "commit"), run.git.commit);
	assert_int_equal(num(ctx, "num_cpus"), 8);
	const json_t *rows = json_object_get(root, "benchmarks");
	/* 5 + 7 + 4 iteration rows, 3 x 4 aggregates, 1 error row; no E */
	assert_int_equal(json_array_size(rows), 5 + 7 + 4 + 12 + 1);

	const char *a = "attn/impl:flash/seq_len:128";
	const char *b = "attn/note:a,\"b\"/seq_len:256/variant:opt";
	assert_int_equal(rows_named(rows, a, "iteration"), 5);
	assert_int_equal(rows_named(rows, b, "iteration"), 7);
	assert_int_equal(rows_named(rows, "sleep 0.01", "iteration"), 4);
	assert_int_equal(rows_named(rows, "attn/impl:flash/seq_len:128_mean", "aggregate"), 1);
	for (size_t i = 0; i < 5; i++) {
		const json_t *row = row_at(rows, a, i);
		assert_string_equal(str(row, "run_type"), "iteration");
		assert_string_equal(str(row, "run_name"), a);
		assert_string_equal(str(row, "time_unit"), "ns");
		assert_int_equal(num(row, "repetitions"), 5);
		assert_int_equal(num(row, "iterations"), 10);
		assert_int_equal(num(row, "family_index"), 0);
		assert_int_equal(num(row, "per_family_instance_index"), 0);
		assert_close(num(row, "real_time"), t_a[i] * 1e9);
		assert_close(num(row, "cpu_time"), t_a[i] * 1e9);
		assert_close(num(row, "tokens_per_s"), tok_a[i]);
		assert_close(num(row, "items_per_second"), 128 / t_a[i]);
		assert_close(num(row, "block_density"), 0.5);
	}
	assert_int_equal(num(row_at(rows, b, 0), "family_index"), 0);
	assert_int_equal(num(row_at(rows, b, 0), "per_family_instance_index"), 1);
	for (size_t i = 0; i < 4; i++) {
		const json_t *row = row_at(rows, "sleep 0.01", i);
		assert_int_equal(num(row, "family_index"), 2);
		assert_close(num(row, "cpu_time"), (u_d[i] + s_d[i]) * 1e9);
	}
	/* the aggregates of A, as gbench computes them */
	size_t i;
	json_t *row = NULL;
	int seen = 0;
	json_array_foreach(rows, i, row) {
		if (strncmp(str(row, "name"), a, strlen(a)) || !json_object_get(row, "aggregate_name"))
			continue;
		const char *agg = str(row, "aggregate_name");
		assert_string_equal(str(row, "run_name"), a);
		assert_int_equal(num(row, "iterations"), 5);
		double want = strcmp(agg, "mean") == 0	   ? 1.36e6
			      : strcmp(agg, "median") == 0 ? 1.2e6
			      : strcmp(agg, "stddev") == 0 ? 0.000403732584763727e9
							   : 0.000403732584763727 / 0.00136;
		assert_close(num(row, "real_time"), want);
		assert_string_equal(str(row, "aggregate_unit"),
				    strcmp(agg, "cv") == 0 ? "percentage" : "time");
		seen++;
	}
	assert_int_equal(seen, 4);
	/* the failure */
	json_array_foreach(rows, i, row)
		if (strcmp(str(row, "name"), "broken") == 0)
			break;
	assert_true(i < json_array_size(rows));
	assert_true(json_is_true(json_object_get(row, "error_occurred")));
	assert_string_equal(str(row, "error_message"), "failed: boom");
	assert_int_equal(num(row, "family_index"), 1);
	assert_int_equal(bt_export_left_out(&run, BT_FORMAT_GBENCH), 1);
	json_decref(root);
	bt_run_release(&run);
}

static void test_hyperfine(void **state)
{
	(void)state;
	struct bt_run run;
	make_run(&run);
	json_t *root = export_json(&run, BT_FORMAT_HYPERFINE);
	assert_int_equal(json_object_size(root), 1);
	const json_t *res = json_object_get(root, "results");
	assert_int_equal(json_array_size(res), 3); /* A, B, D */
	static const char *const keys[] = { "command", "mean", "stddev", "median", "user",
					    "system", "min", "max", "times", "exit_codes" };
	const json_t *d = json_array_get(res, 2), *b = json_array_get(res, 1);
	for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
		assert_non_null(json_object_get(d, keys[k]));
	assert_int_equal(json_object_size(d), 10); /* no parameters */
	assert_string_equal(str(d, "command"), "sleep 0.01");
	assert_close(num(d, "mean"), 0.014);
	assert_close(num(d, "median"), 0.0125);
	assert_close(num(d, "stddev"), 0.004082482904638631);
	assert_close(num(d, "user"), 0.0025);
	assert_close(num(d, "system"), 0.0005);
	assert_close(num(d, "min"), 0.011);
	assert_close(num(d, "max"), 0.02);
	for (size_t i = 0; i < 4; i++) {
		assert_close(json_number_value(json_array_get(json_object_get(d, "times"), i)),
			     t_d[i]);
		assert_int_equal(json_integer_value(json_array_get(json_object_get(d, "exit_codes"), i)),
				 i == 3);
	}
	const json_t *p = json_object_get(b, "parameters");
	assert_int_equal(json_object_size(p), 3);
	assert_string_equal(str(p, "seq_len"), "256");
	assert_string_equal(str(p, "variant"), "opt");
	assert_string_equal(str(p, "note"), "a,\"b\"");
	assert_int_equal(bt_export_left_out(&run, BT_FORMAT_HYPERFINE), 2);
	json_decref(root);
	bt_run_release(&run);
}

/* hyperfine names a command of -L/-P with the value in it */
static void test_hyperfine_command(void **state)
{
	(void)state;
	struct bt_run run;
	assert_int_equal(bt_run_init(&run), 0);
	struct bt_result *r = bt_run_add_result(&run);
	r->name = "sleep 0.0{n} {x} {nn}{n";
	r->variant = "default";
	static const char *const p[] = { "n", "1", "nn", "7" };
	set_params(&run, r, p, 2);
	add_metric(&run, r, "time", "s", BT_LOWER_IS_BETTER, t_d, 1);
	json_t *root = export_json(&run, BT_FORMAT_HYPERFINE);
	const json_t *e = json_array_get(json_object_get(root, "results"), 0);
	assert_string_equal(str(e, "command"), "sleep 0.01 {x} 7{n");
	assert_true(json_is_null(json_object_get(e, "stddev")));
	json_decref(root);
	bt_run_release(&run);
}

static void test_pytest_benchmark(void **state)
{
	(void)state;
	struct bt_run run;
	make_run(&run);
	json_t *root = export_json(&run, BT_FORMAT_PYTEST_BENCHMARK);
	assert_string_equal(str(root, "version"), "3.2.2");
	assert_string_equal(str(root, "datetime"), "2026-11-22T20:08:32");
	assert_string_equal(str(json_object_get(root, "commit_info"), "id"), run.git.commit);
	assert_string_equal(str(json_object_get(root, "machine_info"), "node"), "host1");
	const json_t *list = json_object_get(root, "benchmarks");
	assert_int_equal(json_array_size(list), 3);
	const json_t *a = json_array_get(list, 0), *b = json_array_get(list, 1);
	assert_string_equal(str(a, "name"), "attn[flash-128]");
	assert_string_equal(str(a, "fullname"), "suite_x::attn[flash-128]");
	assert_string_equal(str(a, "param"), "flash-128");
	assert_string_equal(str(a, "group"), "g");
	assert_true(json_is_integer(json_object_get(json_object_get(a, "params"), "seq_len")));
	assert_int_equal(num(json_object_get(a, "params"), "seq_len"), 128);
	assert_string_equal(str(b, "name"), "attn[a,\"b\"-256-opt]");
	assert_true(json_is_null(json_object_get(b, "group")));
	const json_t *tok = json_object_get(json_object_get(a, "extra_info"), "tokens_per_s");
	assert_string_equal(str(tok, "unit"), "tokens/s");
	assert_int_equal(json_array_size(json_object_get(tok, "samples")), 5);
	assert_close(num(json_object_get(a, "extra_info"), "block_density"), 0.5);
	/* pytest_benchmark.stats.Stats of the same data (3.2.2) */
	const json_t *s = json_object_get(a, "stats");
	assert_close(num(s, "mean"), 0.00136);
	assert_close(num(s, "stddev"), 0.000403732584763727);
	assert_close(num(s, "median"), 0.0012);
	assert_close(num(s, "q1"), 0.001075);
	assert_close(num(s, "q3"), 0.0016250000000000001);
	assert_close(num(s, "iqr"), 0.0005500000000000001);
	assert_close(num(s, "ops"), 735.2941176470588);
	assert_close(num(s, "total"), 0.0068000000000000005);
	assert_string_equal(str(s, "outliers"), "1;0");
	assert_int_equal(num(s, "rounds"), 5);
	assert_int_equal(num(s, "iterations"), 10);
	s = json_object_get(b, "stats");
	assert_close(num(s, "q1"), 0.20500000000000002);
	assert_close(num(s, "q3"), 0.45);
	assert_close(num(s, "ld15iqr"), 0.1);
	assert_close(num(s, "hd15iqr"), 0.9);
	assert_close(num(s, "stddev"), 0.27059898285804684);
	assert_string_equal(str(s, "outliers"), "1;1");
	s = json_object_get(json_array_get(list, 2), "stats");
	assert_close(num(s, "q1"), 0.0115);
	assert_close(num(s, "q3"), 0.0165);
	assert_close(num(s, "hd15iqr"), 0.02);
	for (size_t i = 0; i < 7; i++)
		assert_close(json_number_value(json_array_get(json_object_get(json_object_get(b, "stats"),
									      "data"),
							      i)),
			     t_b[i]);
	json_decref(root);
	bt_run_release(&run);
}

static void test_csv(void **state)
{
	(void)state;
	struct bt_run run;
	make_run(&run);
	struct bt_strbuf out = BT_STRBUF_INIT;
	assert_int_equal(bt_export_run(&run, BT_FORMAT_CSV, &out, NULL), 0);
	const char *s = bt_strbuf_str(&out);
	size_t lines = 0;
	for (const char *p = s; (p = strstr(p, "\r\n")); p += 2)
		lines++;
	assert_int_equal(lines, 1 + 5 + 5 + 7 + 4 * 3 + 3);
	assert_non_null(strstr(s, "suite,name,variant,params,metric,unit,sample,value,status\r\n"
				  "suite_x,attn,default,impl=flash;seq_len=128,time,s,0,0.001,ok\r\n"));
	assert_non_null(strstr(s, "\r\nsuite_x,attn,opt,\"note=a,\"\"b\"\";seq_len=256\","
				  "time,s,6,0.22,ok\r\n"));
	assert_non_null(strstr(s, "\r\nsuite_x,sleep 0.01,default,,sys_time,s,3,0.0005,ok\r\n"));
	assert_int_equal(bt_export_left_out(&run, BT_FORMAT_CSV), 1);
	bt_strbuf_release(&out);
	bt_run_release(&run);
}

static void test_bad_format(void **state)
{
	(void)state;
	struct bt_run run;
	make_run(&run);
	struct bt_strbuf out = BT_STRBUF_INIT, err = BT_STRBUF_INIT;
	assert_int_equal(bt_export_run(&run, BT_FORMAT_PYPERF, &out, &err), BT_EINVAL);
	assert_string_equal(bt_strbuf_str(&err), "cannot export to format 'pyperf': expected "
						 "gbench, hyperfine, pytest-benchmark or csv");
	assert_int_equal(out.len, 0);
	assert_int_equal(bt_export_run(&run, BT_FORMAT_COUNT_, &out, &err), BT_EINVAL);
	bt_strbuf_release(&out);
	bt_strbuf_release(&err);
	bt_run_release(&run);
}

/* Exporting then importing keeps the time samples of every exported
 * result, in order, to 1e-9 relative. */
static void roundtrip(enum bt_format f)
{
	struct bt_run run, back;
	make_run(&run);
	struct bt_strbuf out = BT_STRBUF_INIT, err = BT_STRBUF_INIT;
	assert_int_equal(bt_export_run(&run, f, &out, &err), 0);
	assert_int_equal(bt_run_init(&back), 0);
	struct bt_import_info info;
	memset(&info, 0, sizeof info);
	int rc = bt_import_text(&back, out.buf, out.len, "export", f, &info, &err);
	if (rc)
		fail_msg("import of the %s export: %s", bt_format_name(f), bt_strbuf_str(&err));
	static const double *const want[] = { t_a, t_b, t_d };
	static const size_t n_want[] = { 5, 7, 4 };
	size_t k = 0;
	for (size_t i = 0; i < back.n_results; i++) {
		const struct bt_metric *m = bt_result_metric(&back.results[i], "time");
		if (!m || back.results[i].status != BT_STATUS_OK)
			continue;
		assert_true(k < 3);
		assert_int_equal(m->n_samples, n_want[k]);
		for (size_t j = 0; j < m->n_samples; j++)
			if (!(fabs(m->samples[j] - want[k][j]) <= 1e-9 * want[k][j]))
				fail_msg("%s: result %zu sample %zu: %.17g, want %.17g",
					 bt_format_name(f), k, j, m->samples[j], want[k][j]);
		k++;
	}
	assert_int_equal(k, 3);
	bt_strbuf_release(&out);
	bt_strbuf_release(&err);
	bt_run_release(&back);
	bt_run_release(&run);
}

static void test_roundtrip_gbench(void **state)
{
	(void)state;
	roundtrip(BT_FORMAT_GBENCH);
}

static void test_roundtrip_hyperfine(void **state)
{
	(void)state;
	roundtrip(BT_FORMAT_HYPERFINE);
}

static void test_roundtrip_pytest(void **state)
{
	(void)state;
	roundtrip(BT_FORMAT_PYTEST_BENCHMARK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gbench),
		cmocka_unit_test(test_hyperfine),
		cmocka_unit_test(test_hyperfine_command),
		cmocka_unit_test(test_pytest_benchmark),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_bad_format),
		cmocka_unit_test(test_roundtrip_gbench),
		cmocka_unit_test(test_roundtrip_hyperfine),
		cmocka_unit_test(test_roundtrip_pytest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
