/* Unit tests of the report table model, its renderers and the number
 * formatting (lib/report/). */
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
#include "benchtrack/report.h"
#include "helpers.h"

#define MS 1e-3
#define MIB (1024.0 * 1024.0)

/* --- building runs by hand ------------------------------------------------ */

/* params: "n=1024" or "h=8;n=1024" (sorted by key). */
static struct bt_result *add(struct bt_run *run, const char *name,
			     const char *group, const char *variant,
			     const char *params, double median)
{
	struct bt_result *r = bt_run_add_result(run);
	assert_non_null(r);
	r->name = bt_run_strdup(run, name);
	r->group = bt_run_strdup(run, group);
	r->variant = bt_run_strdup(run, variant ? variant : "default");
	if (params && *params) {
		char tmp[256];
		size_t n = 1;
		for (const char *p = params; *p; p++)
			n += *p == ';';
		r->params = bt_run_alloc(run, n * sizeof *r->params);
		assert_non_null(r->params);
		snprintf(tmp, sizeof tmp, "%s", params);
		char *save = NULL;
		for (char *kv = strtok_r(tmp, ";", &save); kv;
		     kv = strtok_r(NULL, ";", &save)) {
			char *eq = strchr(kv, '=');
			assert_non_null(eq);
			*eq = '\0';
			r->params[r->n_params].key = bt_run_strdup(run, kv);
			r->params[r->n_params].value = bt_run_strdup(run, eq + 1);
			r->n_params++;
		}
	}
	r->status = BT_STATUS_OK;
	if (median > 0) {
		r->metrics = bt_run_alloc(run, sizeof *r->metrics);
		assert_non_null(r->metrics);
		r->n_metrics = 1;
		struct bt_metric *m = &r->metrics[0];
		m->name = bt_run_strdup(run, "time");
		m->unit = bt_run_strdup(run, "s");
		m->direction = BT_LOWER_IS_BETTER;
		m->stats.n = 10;
		m->stats.median = median;
		m->stats.mean = median;
		m->stats.ci_level = 0.95;
		m->stats.median_ci_low = median * 0.975;
		m->stats.median_ci_high = median * 1.025;
		m->stats.p95 = median * 1.1;
		m->stats.p99 = median * 1.2;
	}
	return r;
}

static void crash(struct bt_run *run, struct bt_result *r, const char *msg)
{
	r->status = BT_STATUS_CRASHED;
	r->message = bt_run_strdup(run, msg);
	r->metrics = NULL;
	r->n_metrics = 0;
}

static void check(struct bt_result *r, double relerr)
{
	r->validation.checked = 1;
	r->validation.max_rel_err = relerr;
	r->validation.passed = 1;
}

/* The main fixture: group "attention" with naive/tiled/dilated over
 * n=1024,2048 in the runner's order (benchmark-major), dilated crashing
 * at 2048 and unchecked, plus an ablation benchmark "sparse". */
static void make_run(struct bt_run *run)
{
	struct bt_result *r;

	assert_int_equal(bt_run_init(run), 0);
	r = add(run, "naive", "attention", NULL, "n=1024", 2 * MS);
	check(r, 3.1e-7);
	r->peak_memory_bytes = (int64_t)(10 * MIB);
	r = add(run, "naive", "attention", NULL, "n=2048", 8 * MS);
	check(r, 3.1e-7);
	r = add(run, "tiled", "attention", NULL, "n=1024", 1 * MS);
	check(r, 1.2e-6);
	r = add(run, "tiled", "attention", NULL, "n=2048", 2 * MS);
	check(r, 1.2e-6);
	r = add(run, "dilated", "attention", NULL, "n=1024", 4 * MS);
	r = add(run, "dilated", "attention", NULL, "n=2048", 0);
	crash(run, r, "SIGSEGV, \"boom\"");
	for (size_t i = 0; i < run->n_results; i++) {
		r = &run->results[i];
		if (r->status == BT_STATUS_OK) {
			r->throughput.unit = bt_run_strdup(run, "tokens/s");
			r->throughput.value = 1024 / r->metrics[0].stats.median;
		}
	}
	r = add(run, "sparse", NULL, "none", "n=1024", 4 * MS);
	r->peak_memory_bytes = (int64_t)(100 * MIB);
	r = add(run, "sparse", NULL, "pattern_cache", "n=1024", 2 * MS);
	r->peak_memory_bytes = (int64_t)(125 * MIB);
	r = add(run, "sparse", NULL, "pattern_cache+memory_pool", "n=1024", 1 * MS);
	r->peak_memory_bytes = (int64_t)(75 * MIB);
}

static int col(const struct bt_table *t, const char *csv_name)
{
	int k = bt_table_find_column(t, csv_name);
	if (k < 0)
		fail_msg("no column '%s'", csv_name);
	return k;
}

/* The row of (benchmark, variant, param n). */
static const struct bt_table_row *find_row(const struct bt_table *t,
					   const char *name,
					   const char *variant, const char *n)
{
	int kb = col(t, "benchmark"), kn = col(t, "n");
	int kv = bt_table_find_column(t, "variant");

	for (size_t i = 0; i < t->n_rows; i++) {
		const struct bt_table_row *row = &t->rows[i];
		if (strcmp(row->cells[kb].text, name) == 0 &&
		    strcmp(row->cells[kn].text, n) == 0 &&
		    (!variant || kv < 0 ||
		     strcmp(row->cells[kv].text, variant) == 0))
			return row;
	}
	fail_msg("no row %s/%s/%s", name, variant ? variant : "", n);
	return NULL;
}

static const char *cell(const struct bt_table *t, const char *name,
			const char *variant, const char *n, const char *column)
{
	return find_row(t, name, variant, n)->cells[col(t, column)].text;
}

/* --- formatting ------------------------------------------------------------- */

static void test_format_duration(void **state)
{
	char b[BT_FORMAT_MAX];
	(void)state;
	assert_string_equal(bt_format_duration(812e-9, b, sizeof b), "812 ns");
	assert_string_equal(bt_format_duration(999e-9, b, sizeof b), "999 ns");
	assert_string_equal(bt_format_duration(999.4e-9, b, sizeof b), "999 ns");
	assert_string_equal(bt_format_duration(999.6e-9, b, sizeof b), "1.00 us");
	assert_string_equal(bt_format_duration(1e-6, b, sizeof b), "1.00 us");
	assert_string_equal(bt_format_duration(1.234e-3, b, sizeof b), "1.23 ms");
	assert_string_equal(bt_format_duration(9.996e-3, b, sizeof b), "10.0 ms");
	assert_string_equal(bt_format_duration(123.4e-3, b, sizeof b), "123 ms");
	assert_string_equal(bt_format_duration(0.9999, b, sizeof b), "1.00 s");
	assert_string_equal(bt_format_duration(4.56, b, sizeof b), "4.56 s");
	assert_string_equal(bt_format_duration(1234, b, sizeof b), "1234 s");
	assert_string_equal(bt_format_duration(0.5e-9, b, sizeof b), "0.50 ns");
	assert_string_equal(bt_format_duration(0, b, sizeof b), "0 s");
	assert_string_equal(bt_format_duration(-1, b, sizeof b), "-");
	assert_string_equal(bt_format_duration(NAN, b, sizeof b), "-");
	assert_string_equal(bt_format_duration(INFINITY, b, sizeof b), "-");
	/* truncation is safe */
	char small[4];
	assert_string_equal(bt_format_duration(1.234e-3, small, sizeof small), "1.2");
}

static void test_format_bytes_rate(void **state)
{
	char b[BT_FORMAT_MAX];
	(void)state;
	assert_string_equal(bt_format_bytes(0, b, sizeof b), "0 B");
	assert_string_equal(bt_format_bytes(1023, b, sizeof b), "1023 B");
	assert_string_equal(bt_format_bytes(1024, b, sizeof b), "1.00 KiB");
	assert_string_equal(bt_format_bytes(1023 * 1024.0, b, sizeof b), "1023 KiB");
	assert_string_equal(bt_format_bytes(1.5 * MIB, b, sizeof b), "1.50 MiB");
	assert_string_equal(bt_format_bytes(5 * 1024 * MIB, b, sizeof b), "5.00 GiB");
	assert_string_equal(bt_format_bytes(-1, b, sizeof b), "-");

	assert_string_equal(bt_format_rate(3.4e6, "tokens/s", b, sizeof b),
			    "3.40 M tokens/s");
	assert_string_equal(bt_format_rate(1.234e6, "tokens/s", b, sizeof b),
			    "1.23 M tokens/s");
	assert_string_equal(bt_format_rate(999, "items/s", b, sizeof b), "999 items/s");
	assert_string_equal(bt_format_rate(999.6, "items/s", b, sizeof b),
			    "1.00 k items/s");
	assert_string_equal(bt_format_rate(2.5e9, "B/s", b, sizeof b), "2.50 GB/s");
	assert_string_equal(bt_format_rate(512, "B/s", b, sizeof b), "512 B/s");
	assert_string_equal(bt_format_rate(3.4e6, NULL, b, sizeof b), "3.40 M");
	assert_string_equal(bt_format_rate(12, "", b, sizeof b), "12.0");
	assert_string_equal(bt_format_rate(-3.4e6, "x/s", b, sizeof b), "-3.40 M x/s");

	assert_string_equal(bt_format_quantity(1.234e-3, "s", b, sizeof b), "1.23 ms");
	assert_string_equal(bt_format_quantity(2048, "B", b, sizeof b), "2.00 KiB");
	assert_string_equal(bt_format_quantity(2e3, "tokens/s", b, sizeof b),
			    "2.00 k tokens/s");
}

static void test_format_ratio_percent_relerr(void **state)
{
	(void)state;
	char b[BT_FORMAT_MAX];
	assert_string_equal(bt_format_ratio(2.0, b, sizeof b), "2.00x");
	assert_string_equal(bt_format_ratio(2.314, b, sizeof b), "2.31x");
	assert_string_equal(bt_format_ratio(0.5, b, sizeof b), "0.50x");
	assert_string_equal(bt_format_ratio(99.99, b, sizeof b), "99.99x");
	assert_string_equal(bt_format_ratio(99.996, b, sizeof b), "100x");
	assert_string_equal(bt_format_ratio(123.4, b, sizeof b), "123x");
	assert_string_equal(bt_format_ratio(0.0043, b, sizeof b), "0.0043x");
	assert_string_equal(bt_format_ratio(-1, b, sizeof b), "-");

	assert_string_equal(bt_format_percent(2.14, 0, b, sizeof b), "2.1%");
	assert_string_equal(bt_format_percent(12.5, 1, b, sizeof b), "+12.5%");
	assert_string_equal(bt_format_percent(12.5, 0, b, sizeof b), "12.5%");
	assert_string_equal(bt_format_percent(-4, 1, b, sizeof b), "-4.0%");
	assert_string_equal(bt_format_percent(0.04, 1, b, sizeof b), "0.0%");
	assert_string_equal(bt_format_percent(-0.04, 1, b, sizeof b), "0.0%");
	assert_string_equal(bt_format_percent(999.9, 0, b, sizeof b), "999.9%");
	assert_string_equal(bt_format_percent(1234.4, 0, b, sizeof b), "1234%");
	assert_string_equal(bt_format_percent(NAN, 0, b, sizeof b), "-");

	assert_string_equal(bt_format_relerr(3.1e-7, b, sizeof b), "3.1e-07");
	assert_string_equal(bt_format_relerr(0, b, sizeof b), "0");
	assert_string_equal(bt_format_relerr(NAN, b, sizeof b), "-");
}

/* --- the model ---------------------------------------------------------------- */

/* The run, table and texts of the table tests: empty before each test
 * (which builds them), released after it. */
static struct bt_run run;
static struct bt_table t;
static struct bt_strbuf out, err;

static int table_setup(void **state)
{
	(void)state;
	memset(&run, 0, sizeof run);
	memset(&t, 0, sizeof t);
	out = (struct bt_strbuf)BT_STRBUF_INIT;
	err = (struct bt_strbuf)BT_STRBUF_INIT;
	return 0;
}

static int table_teardown(void **state)
{
	(void)state;
	bt_strbuf_release(&out);
	bt_strbuf_release(&err);
	bt_table_release(&t);
	bt_run_release(&run);
	return 0;
}

static void test_columns(void **state)
{
	static const char *const want[] = {
		"benchmark", "variant", "n", "median_s", "median_ci_low_s",
		"median_ci_high_s", "p95_s", "p99_s", "throughput_per_s",
		"throughput_unit", "peak_memory_bytes", "max_rel_err",
		"speedup", "mem_change_pct", "status", "message",
	};
	static const char *const shown[] = {
		"benchmark", "variant", "n", "median", "p95", "p99",
		"throughput", "peak mem", "max rel err", "speedup",
		"mem change", "status",
	};
	(void)state;

	make_run(&run);
	assert_int_equal(bt_table_from_run(&run, NULL, &t, NULL), 0);
	assert_int_equal(t.n_columns, sizeof want / sizeof *want);
	size_t s = 0;
	for (size_t k = 0; k < t.n_columns; k++) {
		assert_string_equal(t.columns[k].csv_name, want[k]);
		if (!t.columns[k].csv_only)
			assert_string_equal(t.columns[k].name, shown[s++]);
	}
	assert_int_equal(s, sizeof shown / sizeof *shown);
	assert_int_equal(t.columns[col(&t, "n")].kind, BT_COL_PARAM);
	assert_string_equal(t.columns[col(&t, "n")].param, "n");
	assert_int_equal(t.columns[col(&t, "median_s")].align, BT_ALIGN_RIGHT);
	assert_int_equal(t.columns[col(&t, "status")].align, BT_ALIGN_LEFT);
	assert_int_equal(bt_table_find_column(&t, "memory_bytes"), -1);
	assert_int_equal(t.n_rows, 9);
	assert_int_equal(t.n_groups, 3);
}

static void test_columns_minimal(void **state)
{
	(void)state;

	/* no variants, no groups, no throughput/memory/validation: only the
	 * columns that always exist; two param axes, one per column */
	assert_int_equal(bt_run_init(&run), 0);
	add(&run, "sum", NULL, NULL, "n=1024;type=f32", 1e-6);
	struct bt_result *r = add(&run, "sum", NULL, NULL, "n=4096", 4e-6);
	r->memory_bytes = 4096;
	assert_int_equal(bt_table_from_run(&run, NULL, &t, NULL), 0);
	static const char *const want[] = {
		"benchmark", "n", "type", "median_s", "median_ci_low_s",
		"median_ci_high_s", "p95_s", "p99_s", "memory_bytes", "status",
		"message",
	};
	assert_int_equal(t.n_columns, sizeof want / sizeof *want);
	for (size_t k = 0; k < t.n_columns; k++)
		assert_string_equal(t.columns[k].csv_name, want[k]);
	assert_string_equal(t.columns[col(&t, "memory_bytes")].name, "mem");
	/* a case without an axis shows "-" */
	assert_string_equal(t.rows[1].cells[col(&t, "type")].text, "-");
	assert_string_equal(t.rows[1].cells[col(&t, "memory_bytes")].text, "4.00 KiB");
	assert_string_equal(t.rows[0].cells[col(&t, "memory_bytes")].text, "-");
	assert_int_equal(t.n_groups, 2);
}

static void test_grouping(void **state)
{
	static const char *const order[][2] = {
		{ "naive", "1024" }, { "tiled", "1024" }, { "dilated", "1024" },
		{ "naive", "2048" }, { "tiled", "2048" }, { "dilated", "2048" },
		{ "sparse", "1024" }, { "sparse", "1024" }, { "sparse", "1024" },
	};
	(void)state;

	make_run(&run);
	assert_int_equal(bt_table_from_run(&run, NULL, &t, NULL), 0);
	int kb = col(&t, "benchmark"), kn = col(&t, "n");
	for (size_t i = 0; i < t.n_rows; i++) {
		assert_string_equal(t.rows[i].cells[kb].text, order[i][0]);
		assert_string_equal(t.rows[i].cells[kn].text, order[i][1]);
		assert_int_equal(t.rows[i].group_start, i == 0 || i == 3 || i == 6);
		assert_string_equal(run.results[t.rows[i].result].name, order[i][0]);
	}
}

static void test_speedup(void **state)
{
	(void)state;

	make_run(&run);
	assert_int_equal(bt_table_from_run(&run, NULL, &t, NULL), 0);
	assert_string_equal(cell(&t, "naive", NULL, "1024", "speedup"), "1.00x");
	assert_string_equal(cell(&t, "tiled", NULL, "1024", "speedup"), "2.00x");
	assert_string_equal(cell(&t, "dilated", NULL, "1024", "speedup"), "0.50x");
	assert_string_equal(cell(&t, "naive", NULL, "2048", "speedup"), "1.00x");
	assert_string_equal(cell(&t, "tiled", NULL, "2048", "speedup"), "4.00x");
	assert_string_equal(cell(&t, "dilated", NULL, "2048", "speedup"), "-");
	const struct bt_table_cell *c =
		&find_row(&t, "tiled", NULL, "1024")->cells[col(&t, "speedup")];
	assert_true(c->has_value);
	assert_true(c->value == 2.0);
	assert_int_equal(c->style, BT_STYLE_GOOD);
	c = &find_row(&t, "dilated", NULL, "1024")->cells[col(&t, "speedup")];
	assert_int_equal(c->style, BT_STYLE_BAD);
	c = &find_row(&t, "dilated", NULL, "2048")->cells[col(&t, "speedup")];
	assert_false(c->has_value);
	bt_table_release(&t);

	/* a crashed baseline makes its whole comparison set incomparable */
	crash(&run, &run.results[0], "SIGBUS");
	assert_int_equal(bt_table_from_run(&run, NULL, &t, NULL), 0);
	assert_string_equal(cell(&t, "naive", NULL, "1024", "speedup"), "-");
	assert_string_equal(cell(&t, "tiled", NULL, "1024", "speedup"), "-");
	assert_string_equal(cell(&t, "tiled", NULL, "2048", "speedup"), "4.00x");
}

static void test_speedup_variants_and_no_group(void **state)
{
	(void)state;

	/* the comparison set includes the variant; ungrouped -> "-" */
	assert_int_equal(bt_run_init(&run), 0);
	add(&run, "a", "g", "fp32", "n=1", 4 * MS);
	add(&run, "a", "g", "fp16", "n=1", 2 * MS);
	add(&run, "b", "g", "fp32", "n=1", 1 * MS);
	add(&run, "b", "g", "fp16", "n=1", 1 * MS);
	add(&run, "c", NULL, "fp32", "n=1", 1 * MS);
	assert_int_equal(bt_table_from_run(&run, NULL, &t, NULL), 0);
	assert_string_equal(cell(&t, "b", "fp32", "1", "speedup"), "4.00x");
	assert_string_equal(cell(&t, "b", "fp16", "1", "speedup"), "2.00x");
	assert_string_equal(cell(&t, "a", "fp16", "1", "speedup"), "1.00x");
	assert_string_equal(cell(&t, "c", "fp32", "1", "speedup"), "-");
	bt_table_release(&t);
	bt_run_release(&run);

	/* an implementation whose options name its variant is still compared
	 * with a baseline that has none: the group is about implementations */
	assert_int_equal(bt_run_init(&run), 0);
	add(&run, "naive", "attn", NULL, "n=1", 6 * MS);
	add(&run, "dilated", "attn", "cache+pool", "n=1", 2 * MS);
	assert_int_equal(bt_table_from_run(&run, NULL, &t, NULL), 0);
	assert_string_equal(cell(&t, "dilated", "cache+pool", "1", "speedup"), "3.00x");
}

static void test_baseline_override(void **state)
{
	struct bt_table_opts opts = { .baseline = "tiled" };
	(void)state;

	make_run(&run);
	assert_int_equal(bt_table_from_run(&run, &opts, &t, &err), 0);
	assert_string_equal(cell(&t, "tiled", NULL, "1024", "speedup"), "1.00x");
	assert_string_equal(cell(&t, "naive", NULL, "1024", "speedup"), "0.50x");
	assert_string_equal(cell(&t, "dilated", NULL, "1024", "speedup"), "0.25x");
	assert_string_equal(cell(&t, "naive", NULL, "2048", "speedup"), "0.25x");
	/* the ablation benchmark keeps comparing against "none" */
	assert_string_equal(cell(&t, "sparse", "pattern_cache", "1024", "speedup"),
			    "2.00x");
	bt_table_release(&t);

	opts.baseline = "nope";
	memset(&t, 0xff, sizeof t);
	assert_int_equal(bt_table_from_run(&run, &opts, &t, &err), BT_ENOTFOUND);
	assert_non_null(strstr(bt_strbuf_str(&err), "'nope'"));
	assert_null(t.rows);
	assert_int_equal(t.n_rows, 0);
}

static void test_ablation(void **state)
{
	(void)state;

	make_run(&run);
	assert_int_equal(bt_table_from_run(&run, NULL, &t, NULL), 0);
	assert_string_equal(cell(&t, "sparse", "none", "1024", "speedup"), "1.00x");
	assert_string_equal(cell(&t, "sparse", "none", "1024", "mem_change_pct"),
			    "0.0%");
	assert_string_equal(cell(&t, "sparse", "pattern_cache", "1024", "speedup"),
			    "2.00x");
	assert_string_equal(cell(&t, "sparse", "pattern_cache", "1024",
				 "mem_change_pct"), "+25.0%");
	assert_string_equal(cell(&t, "sparse", "pattern_cache+memory_pool", "1024",
				 "speedup"), "4.00x");
	assert_string_equal(cell(&t, "sparse", "pattern_cache+memory_pool", "1024",
				 "mem_change_pct"), "-25.0%");
	/* not an ablation benchmark: no memory change */
	assert_string_equal(cell(&t, "naive", NULL, "1024", "mem_change_pct"), "-");
	assert_string_equal(cell(&t, "naive", NULL, "1024", "variant"), "default");
	const struct bt_table_cell *c =
		&find_row(&t, "sparse", "pattern_cache", "1024")
			 ->cells[col(&t, "mem_change_pct")];
	assert_true(c->has_value);
	assert_true(fabs(c->value - 25.0) < 1e-9);
}

static void test_cells(void **state)
{
	(void)state;

	make_run(&run);
	assert_int_equal(bt_table_from_run(&run, NULL, &t, NULL), 0);
	/* CI half-width 2.5% of the median */
	assert_string_equal(cell(&t, "naive", NULL, "1024", "median_s"),
			    "2.00 ms +-2.5%");
	assert_string_equal(cell(&t, "naive", NULL, "1024", "p95_s"), "2.20 ms");
	assert_string_equal(cell(&t, "naive", NULL, "1024", "p99_s"), "2.40 ms");
	assert_string_equal(cell(&t, "tiled", NULL, "1024", "throughput_per_s"),
			    "1.02 M tokens/s");
	assert_string_equal(cell(&t, "naive", NULL, "1024", "peak_memory_bytes"),
			    "10.0 MiB");
	assert_string_equal(cell(&t, "tiled", NULL, "1024", "peak_memory_bytes"), "-");
	assert_string_equal(cell(&t, "naive", NULL, "1024", "max_rel_err"), "3.1e-07");
	assert_string_equal(cell(&t, "dilated", NULL, "1024", "max_rel_err"), "-");
	assert_string_equal(cell(&t, "naive", NULL, "1024", "status"), "ok");
	assert_string_equal(cell(&t, "dilated", NULL, "2048", "status"),
			    "crashed: SIGSEGV, \"boom\"");
	assert_string_equal(cell(&t, "dilated", NULL, "2048", "median_s"), "-");
	const struct bt_table_row *row = find_row(&t, "dilated", NULL, "2048");
	assert_string_equal(row->cells[col(&t, "status")].raw, "crashed");
	assert_int_equal(row->cells[col(&t, "status")].style, BT_STYLE_BAD);
	assert_false(row->cells[col(&t, "median_s")].has_value);
}

static void test_status_message_shortened(void **state)
{
	(void)state;

	assert_int_equal(bt_run_init(&run), 0);
	struct bt_result *r = add(&run, "a", NULL, NULL, "n=1", 0);
	r->status = BT_STATUS_FAILED;
	r->message = bt_run_strdup(&run,
		"validation failed: max rel err 1.5e-02 above tolerance 1e-05 at index 17");
	r = add(&run, "b", NULL, NULL, "n=1", 0);
	r->status = BT_STATUS_TIMEOUT;
	r->message = bt_run_strdup(&run, "ran past 10 s\nsecond line");
	r = add(&run, "c", NULL, NULL, "n=1", 0);
	r->status = BT_STATUS_SKIPPED;
	r->message = bt_run_strdup(&run, "no\tGPU");
	/* a cut inside a UTF-8 sequence backs off to its start */
	r = add(&run, "d", NULL, NULL, "n=1", 0);
	r->status = BT_STATUS_FAILED;
	r->message = bt_run_strdup(&run,
		"0123456789012345678901234567890123456789\xc3\xa9 tail");
	r = add(&run, "e", NULL, NULL, "n=1", 0);
	r->status = BT_STATUS_FAILED;
	r->message = bt_run_strdup(&run,
		"012345678901234567890123456789012345678\xc3\xa9 tail");
	assert_int_equal(bt_table_from_run(&run, NULL, &t, NULL), 0);
	int ks = col(&t, "status"), km = col(&t, "message");
	assert_string_equal(t.rows[0].cells[ks].text,
			    "failed: validation failed: max rel err 1.5e-02 a...");
	assert_string_equal(t.rows[0].cells[km].text, run.results[0].message);
	assert_string_equal(t.rows[1].cells[ks].text, "timeout: ran past 10 s...");
	assert_string_equal(t.rows[2].cells[ks].text, "skipped: no GPU");
	assert_int_equal(t.rows[2].cells[ks].style, BT_STYLE_WARN);
	assert_string_equal(t.rows[3].cells[ks].text,
			    "failed: 0123456789012345678901234567890123456789...");
	assert_string_equal(t.rows[4].cells[ks].text,
			    "failed: 012345678901234567890123456789012345678...");
}

static void test_metric_option(void **state)
{
	struct bt_table_opts opts = { .metric = "tps" };
	(void)state;

	/* a higher-is-better metric: speedup is this / baseline */
	assert_int_equal(bt_run_init(&run), 0);
	const double tps[] = { 1000, 3000 };
	for (int i = 0; i < 2; i++) {
		struct bt_result *r = add(&run, i ? "fast" : "slow", "g", NULL,
					  "n=1", 1 * MS);
		struct bt_metric *m = bt_run_alloc(&run, 2 * sizeof *m);
		m[0] = r->metrics[0];
		m[1].name = "tps";
		m[1].unit = "tokens/s";
		m[1].direction = BT_HIGHER_IS_BETTER;
		m[1].stats.n = 5;
		m[1].stats.median = tps[i];
		m[1].stats.median_ci_low = m[1].stats.median_ci_high = NAN;
		m[1].stats.p95 = m[1].stats.p99 = tps[i];
		r->metrics = m;
		r->n_metrics = 2;
	}
	assert_int_equal(bt_table_from_run(&run, &opts, &t, &err), 0);
	assert_string_equal(t.columns[col(&t, "median_tokens_per_s")].name,
			    "tps median");
	assert_string_equal(cell(&t, "fast", NULL, "1", "median_tokens_per_s"),
			    "3.00 k tokens/s");
	assert_string_equal(cell(&t, "fast", NULL, "1", "speedup"), "3.00x");
	bt_table_release(&t);

	opts.metric = "ttft";
	assert_int_equal(bt_table_from_run(&run, &opts, &t, &err), BT_ENOTFOUND);
	assert_non_null(strstr(bt_strbuf_str(&err), "'ttft'"));
}

static void test_empty_and_invalid(void **state)
{
	(void)state;

	assert_int_equal(bt_run_init(&run), 0);
	assert_int_equal(bt_table_from_run(&run, NULL, &t, NULL), 0);
	assert_int_equal(t.n_rows, 0);
	assert_int_equal(bt_table_render_text(&t, 0, &out), 0);
	assert_string_equal(bt_strbuf_str(&out),
			    "benchmark  median  p95  p99  status\n"
			    "---------  ------  ---  ---  ------\n");
	bt_strbuf_reset(&out);
	assert_int_equal(bt_table_render_csv(&t, &out), 0);
	assert_string_equal(bt_strbuf_str(&out),
			    "benchmark,median_s,median_ci_low_s,median_ci_high_s,"
			    "p95_s,p99_s,status,message\r\n");
	bt_table_release(&t);
	bt_table_release(&t); /* twice is fine */

	assert_int_equal(bt_table_from_run(NULL, NULL, &t, NULL), BT_EINVAL);
	assert_int_equal(bt_table_from_run(&run, NULL, NULL, NULL), BT_EINVAL);
	assert_int_equal(bt_table_render_text(NULL, 0, &out), BT_EINVAL);
	assert_int_equal(bt_table_render_markdown(&t, NULL), BT_EINVAL);
	bt_strbuf_release(&out);
	bt_run_release(&run);
}

/* --- renderers ------------------------------------------------------------ */

/* Splits s at '\n' into a NULL-terminated array (strdup'd; free_lines). */
static char **split_lines(const char *s, size_t *n)
{
	size_t cap = 1;
	for (const char *p = s; *p; p++)
		cap += *p == '\n';
	char **v = calloc(cap + 1, sizeof *v);
	assert_non_null(v);
	*n = 0;
	while (*s) {
		const char *e = strchr(s, '\n');
		assert_non_null(e); /* every line ends with '\n' */
		v[(*n)++] = strndup(s, (size_t)(e - s));
		s = e + 1;
	}
	return v;
}

static void free_lines(char **v)
{
	for (size_t i = 0; v[i]; i++)
		free(v[i]);
	free(v);
}

static void test_render_text(void **state)
{
	size_t n;
	(void)state;

	make_run(&run);
	assert_int_equal(bt_table_from_run(&run, NULL, &t, NULL), 0);
	assert_int_equal(bt_table_render_text(&t, 0, &out), 0);
	const char *s = bt_strbuf_str(&out);
	for (const char *p = s; *p; p++)
		assert_true((unsigned char)*p < 0x80 && *p != '\033');
	assert_null(strstr(s, "median_ci")); /* CSV-only columns left out */
	assert_null(strstr(s, "message"));

	char **lines = split_lines(s, &n);
	/* header, rule, 9 rows, 2 blank lines between the 3 groups */
	assert_int_equal(n, 2 + 9 + 2);
	assert_int_equal(strlen(lines[5]), 0);
	assert_int_equal(strlen(lines[9]), 0);
	assert_non_null(strstr(lines[0], "benchmark"));
	size_t width = strlen(lines[0]);
	const char *rule = lines[1];
	/* every non-blank line has the same width; the rule is dashes in
	 * columns separated by two spaces */
	for (size_t i = 0; i < n; i++)
		if (*lines[i])
			assert_int_equal(strlen(lines[i]), width);
	/* spans of the columns from the rule; each cell is aligned in its
	 * span (right-aligned: last char set; left-aligned: first char set)
	 * and the separators are blank */
	size_t v = 0;
	for (size_t k = 0; k < t.n_columns; k++) {
		if (t.columns[k].csv_only)
			continue;
		size_t start = 0, end, seen = 0;
		for (size_t p = 0; p < width && seen <= v; p++)
			if (rule[p] == '-' && (p == 0 || rule[p - 1] == ' ')) {
				if (seen++ == v)
					start = p;
			}
		end = start;
		while (end < width && rule[end] == '-')
			end++;
		for (size_t i = 0; i < n; i++) {
			if (!*lines[i] || i == 1)
				continue;
			if (t.columns[k].align == BT_ALIGN_RIGHT)
				assert_true(lines[i][end - 1] != ' ');
			else
				assert_true(lines[i][start] != ' ');
			if (end < width) {
				assert_true(lines[i][end] == ' ');
				assert_true(lines[i][end + 1] == ' ');
			}
		}
		v++;
	}
	assert_non_null(strstr(lines[3], "tiled"));
	assert_non_null(strstr(lines[3], "2.00x"));
	free_lines(lines);

	/* colours: status and speedup only, padding outside the codes */
	bt_strbuf_reset(&out);
	assert_int_equal(bt_table_render_text(&t, 1, &out), 0);
	s = bt_strbuf_str(&out);
	static const char *const has[] = {
		"\033[32mok\033[0m",
		"\033[32m2.00x\033[0m",
		"\033[31m0.50x\033[0m",
		"\033[31mcrashed: SIGSEGV",
	};
	assert_string_equal(BT_TEST_MISSING(s, has), "");
	assert_null(strstr(s, "\033[32m1.00x")); /* baseline is plain */
}

static void test_render_text_utf8_and_control(void **state)
{
	size_t n;
	(void)state;

	assert_int_equal(bt_run_init(&run), 0);
	add(&run, "caf\xc3\xa9", NULL, NULL, "n=1", 1 * MS);
	add(&run, "bad\033name", NULL, NULL, "n=1", 1 * MS);
	assert_int_equal(bt_table_from_run(&run, NULL, &t, NULL), 0);
	assert_int_equal(bt_table_render_text(&t, 0, &out), 0);
	assert_null(strchr(bt_strbuf_str(&out), '\033'));
	assert_non_null(strstr(bt_strbuf_str(&out), "bad?name"));
	char **lines = split_lines(bt_strbuf_str(&out), &n);
	/* "café" is 4 columns wide though 5 bytes */
	assert_int_equal(strlen(lines[2]) - 1, strlen(lines[0]));
	assert_int_equal(strlen(lines[4]), strlen(lines[0]));
	free_lines(lines);
}

static void test_render_markdown(void **state)
{
	size_t n;
	(void)state;

	assert_int_equal(bt_run_init(&run), 0);
	add(&run, "a|b", "g", NULL, "n=1", 2 * MS);
	add(&run, "c", "g", NULL, "n=1", 1 * MS);
	add(&run, "c", "g", NULL, "n=2", 1 * MS);
	assert_int_equal(bt_table_from_run(&run, NULL, &t, NULL), 0);
	assert_int_equal(bt_table_render_markdown(&t, &out), 0);
	char **lines = split_lines(bt_strbuf_str(&out), &n);
	assert_int_equal(n, 2 + 3); /* no blank lines inside the table */
	assert_string_equal(lines[0],
			    "| benchmark | n | median | p95 | p99 | speedup | status |");
	assert_string_equal(lines[1], "| --- | ---: | ---: | ---: | ---: | ---: | --- |");
	assert_string_equal(lines[2],
			    "| a\\|b | 1 | 2.00 ms +-2.5% | 2.20 ms | 2.40 ms | 1.00x | ok |");
	assert_string_equal(lines[3],
			    "| c | 1 | 1.00 ms +-2.5% | 1.10 ms | 1.20 ms | 2.00x | ok |");
	free_lines(lines);
}

/* One name renders one way: the tables (`show --format md`, the report's
 * tables) and the report's prose escape the same characters. */
static void test_markdown_one_escaper(void **state)
{
	struct bt_strbuf tab = BT_STRBUF_INIT, rep = BT_STRBUF_INIT;
	(void)state;

	assert_int_equal(bt_run_init(&run), 0);
	run.suite = bt_run_strdup(&run, "s*u_i[t]");
	add(&run, "x*y_z<w>", "g", NULL, "n=1", 2 * MS);
	assert_int_equal(bt_table_from_run(&run, NULL, &t, NULL), 0);
	assert_int_equal(bt_table_render_markdown(&t, &tab), 0);
	assert_non_null(strstr(bt_strbuf_str(&tab), "| x\\*y\\_z\\<w\\> |"));
	assert_int_equal(bt_report_markdown(&run, NULL, NULL, &rep, NULL), 0);
	static const char *const has[] = { "s\\*u\\_i\\[t\\]", "| x\\*y\\_z\\<w\\> |" };
	assert_string_equal(BT_TEST_MISSING(bt_strbuf_str(&rep), has), "");
	assert_null(strstr(bt_strbuf_str(&rep), "x*y"));
	bt_strbuf_release(&tab);
	bt_strbuf_release(&rep);
}

static void test_render_csv(void **state)
{
	(void)state;

	make_run(&run);
	run.results[2].metrics[0].stats.median = 0.1; /* tiled n=1024 */
	run.results[2].metrics[0].stats.median_ci_low = 1.0 / 3;
	assert_int_equal(bt_table_from_run(&run, NULL, &t, NULL), 0);
	assert_int_equal(bt_table_render_csv(&t, &out), 0);
	const char *s = bt_strbuf_str(&out);
	/* CRLF line ends only */
	for (const char *p = s; *p; p++)
		if (*p == '\n')
			assert_true(p > s && p[-1] == '\r');
	const char *eol = strstr(s, "\r\n");
	assert_non_null(eol);
	assert_int_equal((size_t)(eol - s),
			 strlen("benchmark,variant,n,median_s,median_ci_low_s,"
				"median_ci_high_s,p95_s,p99_s,throughput_per_s,"
				"throughput_unit,peak_memory_bytes,max_rel_err,"
				"speedup,mem_change_pct,status,message"));
	assert_memory_equal(s, "benchmark,variant,n,median_s,", 29);
	/* raw numbers: the shortest text (15 to 17 digits) that reads back
	 * exactly */
	static const char *const has[] = {
		"\r\nnaive,default,1024,0.002,0.00195,0.0020499999999999997,"
		"0.0022,0.0024,"
		"512000,tokens/s,10485760,3.1e-07,1,,ok,\r\n",
		"\r\ntiled,default,1024,0.1,"
		"0.3333333333333333,",
		/* the crashed case: missing values empty, message quoted */
		"\r\ndilated,default,2048,,,,,,,,,,,,crashed,"
		"\"SIGSEGV, \"\"boom\"\"\"\r\n",
		"\r\nsparse,pattern_cache,1024,0.002,",
		",2,25,ok,\r\n",
		",4,-25,ok,\r\n",
	};
	assert_string_equal(BT_TEST_MISSING(s, has), "");
}

static void test_render_csv_quoting(void **state)
{
	(void)state;

	assert_int_equal(bt_run_init(&run), 0);
	struct bt_result *r = add(&run, " lead", NULL, NULL, "s=a,b", 0);
	r->status = BT_STATUS_FAILED;
	r->message = bt_run_strdup(&run, "line1\nline2 \"q\"");
	add(&run, "plain", NULL, NULL, "s=x\"y", 0);
	assert_int_equal(bt_table_from_run(&run, NULL, &t, NULL), 0);
	assert_int_equal(bt_table_render_csv(&t, &out), 0);
	assert_string_equal(bt_strbuf_str(&out),
			    "benchmark,s,median_s,median_ci_low_s,median_ci_high_s,"
			    "p95_s,p99_s,status,message\r\n"
			    "\" lead\",\"a,b\",,,,,,failed,\"line1\nline2 \"\"q\"\"\"\r\n"
			    "plain,\"x\"\"y\",,,,,,ok,\r\n");
}

static void test_table_outlives_run(void **state)
{
	struct bt_strbuf a = BT_STRBUF_INIT, b = BT_STRBUF_INIT;
	(void)state;

	make_run(&run);
	assert_int_equal(bt_table_from_run(&run, NULL, &t, NULL), 0);
	assert_int_equal(bt_table_render_markdown(&t, &a), 0);
	bt_run_release(&run); /* the table owns copies of everything */
	assert_int_equal(bt_table_render_markdown(&t, &b), 0);
	assert_string_equal(bt_strbuf_str(&a), bt_strbuf_str(&b));
	bt_strbuf_release(&a);
	bt_strbuf_release(&b);
}

#define TABLE_TEST(f) cmocka_unit_test_setup_teardown(f, table_setup, table_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_duration),
		cmocka_unit_test(test_format_bytes_rate),
		cmocka_unit_test(test_format_ratio_percent_relerr),
		TABLE_TEST(test_columns),
		TABLE_TEST(test_columns_minimal),
		TABLE_TEST(test_grouping),
		TABLE_TEST(test_speedup),
		TABLE_TEST(test_speedup_variants_and_no_group),
		TABLE_TEST(test_baseline_override),
		TABLE_TEST(test_ablation),
		TABLE_TEST(test_cells),
		TABLE_TEST(test_status_message_shortened),
		TABLE_TEST(test_metric_option),
		TABLE_TEST(test_empty_and_invalid),
		TABLE_TEST(test_render_text),
		TABLE_TEST(test_render_text_utf8_and_control),
		TABLE_TEST(test_render_markdown),
		TABLE_TEST(test_markdown_one_escaper),
		TABLE_TEST(test_render_csv),
		TABLE_TEST(test_render_csv_quoting),
		TABLE_TEST(test_table_outlives_run),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
