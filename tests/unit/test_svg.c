/* SVG plots from runs built by hand: the charts a run calls for, one path
 * per implementation, axes and labels, log axes for geometric sweeps,
 * escaped names, ablation bars, determinism; and every document is
 * well-formed XML (xmllint, when installed). The axes at the ends of the
 * double range (subnormals, 1e308) in bounded time, and the layout: every
 * text of every plot inside the image, whole, overlapping no other, with
 * 4 to 6 ticks on every axis. */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "benchtrack.h"
#include "benchtrack/report.h"
#include "internal.h"
#include "helpers.h"

static struct bt_result *add(struct bt_run *run, const char *name, const char *group,
			     const char *variant, const char *n, const char *h,
			     double median, long long peak)
{
	struct bt_result *r = bt_run_add_result(run);
	r->name = bt_run_strdup(run, name);
	r->group = bt_run_strdup(run, group);
	r->variant = bt_run_strdup(run, variant);
	r->params = bt_run_alloc(run, 2 * sizeof *r->params);
	r->params[0] = (struct bt_kv){ "h", bt_run_strdup(run, h) };
	r->params[1] = (struct bt_kv){ "n", bt_run_strdup(run, n) };
	r->n_params = 2;
	r->metrics = bt_run_alloc(run, sizeof *r->metrics);
	r->metrics[0].name = "time";
	r->metrics[0].unit = "s";
	r->metrics[0].direction = BT_LOWER_IS_BETTER;
	r->metrics[0].stats.n = 10;
	r->metrics[0].stats.median = median;
	r->n_metrics = 1;
	r->peak_memory_bytes = peak;
	r->throughput.unit = "tokens/s";
	r->throughput.value = atof(n) / median;
	return r;
}

static size_t count(const char *s, const char *needle)
{
	size_t n = 0;
	for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* xmllint --noout on the document, when xmllint is installed. */
static void well_formed(const char *svg, size_t len)
{
	if (system("command -v xmllint >/dev/null 2>&1") != 0)
		return;
	char path[] = "/tmp/bt_test_svg_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, svg, len), (ssize_t)len);
	close(fd);
	char cmd[256];
	snprintf(cmd, sizeof cmd, "xmllint --noout %s", path);
	int rc = system(cmd);
	unlink(path);
	assert_int_equal(rc, 0);
}

/* The chart of kind k for group; fails the test when there is none. */
static const struct bt_chart *find(const struct bt_charts *c, enum bt_chart_kind k,
				   const char *group)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->items[i].kind == k && strcmp(c->items[i].group, group) == 0)
			return &c->items[i];
	fail_msg("no chart of kind %d for group '%s'", (int)k, group);
	return NULL;
}

/* find, and the chart is written to file and has n_series series. */
static const struct bt_chart *chart(const struct bt_charts *c, enum bt_chart_kind k,
				    const char *group, const char *file, size_t n_series)
{
	const struct bt_chart *ch = find(c, k, group);
	assert_string_equal(ch->file, file);
	assert_int_equal(ch->n_series, n_series);
	return ch;
}

/* The run and the charts of the tests that build charts: an empty run
 * before each test, both released after it. */
static struct bt_run run;
static struct bt_charts c;

static int charts_setup(void **state)
{
	(void)state;
	memset(&c, 0, sizeof c);
	return bt_run_init(&run);
}

static int charts_teardown(void **state)
{
	(void)state;
	bt_charts_release(&c);
	bt_run_release(&run);
	return 0;
}

static void test_geometric(void **state)
{
	const double a[] = { 1024, 2048, 4096, 8192 }, b[] = { 1, 2, 3, 4 },
		     c[] = { 100, 1, 10, 10, 1000 }, d[] = { 100, 200, 300 },
		     e[] = { 1, 3, 9, 20 }, f[] = { 1, 1.5, 2.25 }, g[] = { 1, 1.1, 1.21 },
		     h[] = { 0, 1, 2, 4 }, i[] = { 5, 5 }, j[] = { 1000, 2000, 4000, 8000, 12000, 16000 };
	assert_true(bt_svg_is_geometric(a, 4));
	assert_false(bt_svg_is_geometric(b, 4));
	assert_true(bt_svg_is_geometric(c, 5));   /* order and duplicates ignored */
	assert_false(bt_svg_is_geometric(d, 3));
	assert_true(bt_svg_is_geometric(e, 4));   /* every step >= 2 */
	assert_true(bt_svg_is_geometric(f, 3));   /* constant ratio 1.5 */
	assert_false(bt_svg_is_geometric(g, 3));  /* ratio too close to 1 */
	assert_false(bt_svg_is_geometric(h, 4));  /* not all positive */
	assert_false(bt_svg_is_geometric(i, 2));  /* one distinct value */
	assert_false(bt_svg_is_geometric(a, 1));
	assert_false(bt_svg_is_geometric(j, 6));  /* production preset: 1.5, 1.33 */
}

static void test_line_charts(void **state)
{
	const char *ns[] = { "1024", "2048", "4096", "8192" };
	for (int k = 0; k < 4; k++) {
		double n = atof(ns[k]);
		add(&run, "naive", "attn", "default", ns[k], "4", n * n * 1e-9, 1000000 + (long long)n * 100);
		add(&run, "tiled", "attn", "default", ns[k], "4", n * n * 0.5e-9, 1000000);
		add(&run, "sparse", "attn", "default", ns[k], "4", n * 1e-6, 900000);
	}
	assert_int_equal(bt_report_charts(&run, NULL, &c, NULL), 0);
	assert_int_equal(c.n, 4); /* time, throughput, memory, speedup */
	const struct bt_chart *t = chart(&c, BT_CHART_TIME, "attn", "attn-time.svg", 3);
	static const char *const has[] = {
		"id=\"series-1-naive\"",
		"id=\"series-2-tiled\"",
		"id=\"series-3-sparse\"",
		"<title>attn: median time vs n</title>",
		"<g class=\"axis x-axis\" data-scale=\"log\">",
		"<g class=\"axis y-axis\" data-scale=\"log\">",
		">n (log scale)</text>",
		">median time per op (s)</text>",
		/* one x tick per swept value, y ticks in time units */
		">2048</text>",
		" ms</text>",
	};
	assert_string_equal(BT_TEST_MISSING(t->svg, has), "");
	assert_string_equal(t->title, "attn: median time vs n");
	assert_int_equal(count(t->svg, "<path"), 3);
	assert_int_equal(count(t->svg, "<path class=\"series\""), 3);
	/* legend: one label per implementation */
	assert_int_equal(count(t->svg, "class=\"legend-label\""), 3);
	assert_non_null(strstr(t->svg, ">tiled</text>"));
	/* a path has one point per value: M and 3 L */
	const char *p = strstr(t->svg, "<path");
	const char *e = strchr(p, '>');
	size_t ls = 0;
	for (const char *q = p; q < e; q++)
		ls += *q == 'L';
	assert_int_equal(ls, 3);
	well_formed(t->svg, t->svg_len);

	const struct bt_chart *th = find(&c, BT_CHART_THROUGHPUT, "attn");
	const struct bt_chart *m = find(&c, BT_CHART_MEMORY, "attn");
	assert_string_equal(th->file, "attn-throughput.svg");
	assert_string_equal(m->file, "attn-memory.svg");
	assert_int_equal(count(th->svg, "<path"), 3);
	assert_int_equal(count(m->svg, "<path"), 3);
	assert_non_null(strstr(th->svg, ">throughput (tokens/s)</text>"));
	assert_non_null(strstr(m->svg, ">peak memory (B)</text>"));
	assert_non_null(strstr(m->svg, " KiB</text>") ? strstr(m->svg, " KiB</text>")
						      : strstr(m->svg, " MiB</text>"));
	well_formed(th->svg, th->svg_len);
	well_formed(m->svg, m->svg_len);

	/* deterministic: the same bytes again */
	struct bt_charts c2;
	assert_int_equal(bt_report_charts(&run, NULL, &c2, NULL), 0);
	assert_int_equal(c2.n, c.n);
	for (size_t i = 0; i < c.n; i++)
		assert_string_equal(c.items[i].svg, c2.items[i].svg);
	bt_charts_release(&c2);
}

static void test_linear_and_series_split(void **state)
{
	/* n = 100, 200, 300: linear; h varies too; b ran two variants; c
	 * failed everywhere; no throughput unit, no peak memory */
	const char *ns[] = { "100", "200", "300" };
	for (int k = 0; k < 3; k++) {
		struct bt_result *r;
		r = add(&run, "a", "g", "default", ns[k], "4", 1e-3 * (k + 1), -1);
		r->throughput.unit = NULL;
		r = add(&run, "a", "g", "default", ns[k], "8", 2e-3 * (k + 1), -1);
		r->throughput.unit = NULL;
		r = add(&run, "b", "g", "x", ns[k], "4", 1e-3, -1);
		r->throughput.unit = NULL;
		r = add(&run, "b", "g", "y", ns[k], "4", 1e-3, -1);
		r->throughput.unit = NULL;
		r = add(&run, "c", "g", "default", ns[k], "4", 1e-3, -1);
		r->throughput.unit = NULL;
		r->status = BT_STATUS_CRASHED;
	}
	assert_int_equal(bt_report_charts(&run, NULL, &c, NULL), 0);
	/* time, the speedup over a, time against h (the second axis) */
	assert_int_equal(c.n, 3);
	assert_int_equal(c.items[1].kind, BT_CHART_SPEEDUP);
	assert_string_equal(c.items[1].file, "g-speedup.svg");
	assert_int_equal(c.items[2].kind, BT_CHART_TIME);
	assert_string_equal(c.items[2].file, "g-time-by-h.svg");
	assert_string_equal(c.items[2].title, "g: median time vs h");
	const struct bt_chart *t = &c.items[0];
	assert_int_equal(t->kind, BT_CHART_TIME);
	static const char *const has[] = {
		"<g class=\"axis x-axis\" data-scale=\"linear\">",
		"<g class=\"axis y-axis\" data-scale=\"linear\">",
		">n</text>",
	};
	assert_string_equal(BT_TEST_MISSING(t->svg, has), "");
	/* a h=4, a h=8, b:x h=4, b:y h=4 drawn; c in the legend only */
	assert_int_equal(t->n_series, 4);
	assert_int_equal(count(t->svg, "<path"), 4);
	assert_int_equal(count(t->svg, "class=\"legend-label\""), 5);
	assert_non_null(strstr(t->svg, "data-series=\"a h=8\""));
	assert_non_null(strstr(t->svg, "data-series=\"b:y h=4\""));
	assert_null(strstr(t->svg, "data-series=\"c h=4\" d="));
	assert_non_null(strstr(t->svg, ">c h=4</text>"));
	/* linear y from 0 */
	assert_non_null(strstr(t->svg, ">0 s</text>"));
	well_formed(t->svg, t->svg_len);
}

/* A model suite of its own: metrics with samples (ttft lower, tokens/s
 * higher is better), a numeric prompt_len, a model named by text whose
 * counter "params" gives it a size, a counter that names no axis
 * (threads: the same everywhere), and a load benchmark with only the
 * model: a chart per metric along prompt_len, a speedup chart, the time
 * against the model size. */
static void set_metric(struct bt_run *rn, struct bt_result *r, const char *name,
		       const char *unit, enum bt_direction dir, double v)
{
	struct bt_metric *m = bt_run_alloc(rn, (r->n_metrics + 1) * sizeof *m);
	memcpy(m, r->metrics, r->n_metrics * sizeof *m);
	struct bt_metric *x = &m[r->n_metrics];
	memset(x, 0, sizeof *x);
	x->name = name;
	x->unit = unit;
	x->direction = dir;
	x->samples = bt_run_alloc(rn, sizeof(double));
	x->samples[0] = v;
	x->n_samples = 1;
	x->stats.n = 1;
	x->stats.median = v;
	r->metrics = m;
	r->n_metrics++;
}

static struct bt_result *model_case(const char *name, const char *group, const char *model,
				    const char *prompt_len, double t)
{
	struct bt_result *r = add(&run, name, group, "default", "1", "1", t, 1000000);
	r->params[0] = (struct bt_kv){ "model", bt_run_strdup(&run, model) };
	if (prompt_len)
		r->params[1] = (struct bt_kv){ "prompt_len", bt_run_strdup(&run, prompt_len) };
	r->n_params = prompt_len ? 2 : 1;
	r->counters = bt_run_alloc(&run, 2 * sizeof *r->counters);
	r->counters[0] = (struct bt_counter){ "threads", 4 };
	r->counters[1] = (struct bt_counter){ "params", strcmp(model, "tiny") ? 15e6 : 1e6 };
	r->n_counters = 2;
	r->throughput.value = 100 / t;
	return r;
}

static void test_metric_and_counter_axes(void **state)
{
	const char *pl[] = { "32", "64", "128", "256" }, *models[] = { "tiny", "small" };
	const char *impls[] = { "gen.eager", "gen.fast" };
	for (int v = 0; v < 2; v++)
		for (int m = 0; m < 2; m++)
			for (int k = 0; k < 4; k++) {
				double t = (1 + m * 9) * (k + 1) * 1e-3 / (v ? 4 : 1);
				struct bt_result *r = model_case(impls[v], "llm.gen", models[m], pl[k], t);
				set_metric(&run, r, "ttft", "s", BT_LOWER_IS_BETTER, t / 10);
				set_metric(&run, r, "tokens_per_s", "tokens/s", BT_HIGHER_IS_BETTER, 32 / t);
			}
	for (int v = 0; v < 2; v++)
		for (int m = 0; m < 2; m++)
			model_case(v ? "load.fast" : "load.eager", "llm.load", models[m], NULL,
				   (1 + m * 14) * 1e-3);
	assert_int_equal(bt_report_charts(&run, NULL, &c, NULL), 0);
	static const char *const files[] = {
		"llm.gen-time.svg", "llm.gen-ttft.svg", "llm.gen-tokens_per_s.svg",
		"llm.gen-throughput.svg", "llm.gen-memory.svg", "llm.gen-speedup.svg",
		"llm.gen-time-by-model.svg", "llm.load-time.svg", "llm.load-throughput.svg",
		"llm.load-memory.svg", "llm.load-speedup.svg",
	};
	assert_int_equal(c.n, sizeof files / sizeof *files);
	for (size_t i = 0; i < c.n; i++) {
		assert_string_equal(c.items[i].file, files[i]);
		well_formed(c.items[i].svg, c.items[i].svg_len);
	}
	/* per metric: its unit and direction; a series per implementation and model */
	const struct bt_chart *tt = &c.items[1], *tp = &c.items[2];
	assert_int_equal(tt->kind, BT_CHART_METRIC);
	assert_string_equal(tt->title, "llm.gen: median ttft vs prompt_len (lower is better)");
	assert_int_equal(tt->n_series, 4);
	static const char *const tth[] = {
		">median ttft (s)</text>", ">prompt_len (log scale)</text>",
		"data-series=\"gen.eager model=tiny\"", "data-series=\"gen.fast model=small\"",
		" ms</text>",
	};
	assert_string_equal(BT_TEST_MISSING(tt->svg, tth), "");
	assert_non_null(strstr(tp->svg, ">median tokens_per_s (tokens/s)</text>"));
	assert_string_equal(tp->title, "llm.gen: median tokens_per_s vs prompt_len (higher is better)");
	/* the speedup of fast over eager: 4x, a line at 1x, eager not drawn */
	const struct bt_chart *sp = chart(&c, BT_CHART_SPEEDUP, "llm.gen", "llm.gen-speedup.svg", 2);
	static const char *const sph[] = {
		"<title>llm.gen: speedup over gen.eager vs prompt_len</title>",
		"<line class=\"reference\"", ">1x</text>", ">speedup over gen.eager</text>",
		"data-series=\"gen.fast model=tiny\"", ">4x</text>",
	};
	assert_string_equal(BT_TEST_MISSING(sp->svg, sph), "");
	assert_null(strstr(sp->svg, "data-series=\"gen.eager"));
	/* the model by its size: the counter that maps it one to one */
	const struct bt_chart *bm = &c.items[6];
	assert_string_equal(bm->title, "llm.gen: median time vs model (params)");
	assert_non_null(strstr(bm->svg, ">model (params, log scale)</text>"));
	assert_non_null(strstr(bm->svg, " M params</text>"));
	assert_int_equal(bm->n_series, 8); /* 2 implementations x 4 prompt lengths */
	const struct bt_chart *lt = chart(&c, BT_CHART_TIME, "llm.load", "llm.load-time.svg", 2);
	assert_string_equal(lt->title, "llm.load: median time vs model (params)");
	assert_non_null(strstr(lt->svg, "data-series=\"load.fast\""));
}

static void test_no_sweep_no_chart(void **state)
{
	add(&run, "a", "g", "default", "100", "4", 1e-3, 100);
	add(&run, "b", "g", "default", "100", "4", 2e-3, 100);
	struct bt_result *r = add(&run, "s", NULL, "default", "x", "4", 1e-3, 100);
	r = add(&run, "s", NULL, "default", "y", "4", 1e-3, 100); /* not numeric */
	(void)r;
	assert_int_equal(bt_report_charts(&run, NULL, &c, NULL), 0);
	assert_int_equal(c.n, 0);
}

static void test_escaping(void **state)
{
	const char *bad = "a<b>&\"c'\x01\xff";
	add(&run, bad, "g&h <x>", "default", "1", "4", 1e-3, 100);
	add(&run, bad, "g&h <x>", "default", "2", "4", 2e-3, 100);
	add(&run, "z", "g&h <x>", "default", "1", "4", 1e-3, 100);
	add(&run, "z", "g&h <x>", "default", "2", "4", 1e-3, 100);
	assert_int_equal(bt_report_charts(&run, NULL, &c, NULL), 0);
	assert_true(c.n >= 1);
	const struct bt_chart *t = &c.items[0];
	assert_string_equal(t->file, "g_h__x_-time.svg");
	assert_null(strstr(t->svg, "<b>"));
	assert_null(strstr(t->svg, "\xff"));
	static const char *const has[] = {
		"a&lt;b&gt;&amp;&quot;c&apos;??",
		"<title>g&amp;h &lt;x&gt;: median time vs n</title>",
		"id=\"series-1-a_b___c___\"",
	};
	assert_string_equal(BT_TEST_MISSING(t->svg, has), "");
	assert_int_equal(count(t->svg, "<path"), 2);
	for (size_t i = 0; i < c.n; i++)
		well_formed(c.items[i].svg, c.items[i].svg_len);
	bt_charts_release(&c);

	/* two groups whose names give the same slug get distinct files */
	add(&run, "q", "g_h _x>", "default", "1", "4", 1e-3, 100);
	add(&run, "q", "g_h _x>", "default", "2", "4", 1e-3, 100);
	assert_int_equal(bt_report_charts(&run, NULL, &c, NULL), 0);
	const struct bt_chart *t2 = find(&c, BT_CHART_TIME, "g_h _x>");
	assert_string_equal(t2->file, "g_h__x_-time-2.svg");
}

static void test_ablation(void **state)
{
	/* none 4 ms / 1000 B; a: 2x faster at both sizes, +10% memory; b: 4x
	 * and 1x (geometric mean 2x), -20%; a+b failed at n=2 */
	add(&run, "base", "g", "default", "1", "4", 8e-3, 1000);
	add(&run, "base", "g", "default", "2", "4", 8e-3, 1000);
	add(&run, "d", "g", "none", "1", "4", 4e-3, 1000);
	add(&run, "d", "g", "a", "1", "4", 2e-3, 1100);
	add(&run, "d", "g", "b", "1", "4", 1e-3, 800);
	add(&run, "d", "g", "a+b", "1", "4", 4e-3, 1500);
	add(&run, "d", "g", "none", "2", "4", 4e-3, 1000);
	add(&run, "d", "g", "a", "2", "4", 2e-3, 1100);
	add(&run, "d", "g", "b", "2", "4", 4e-3, 800);
	struct bt_result *r = add(&run, "d", "g", "a+b", "2", "4", 4e-3, 1500);
	r->status = BT_STATUS_FAILED;
	assert_int_equal(bt_report_charts(&run, NULL, &c, NULL), 0);
	const struct bt_chart *a = chart(&c, BT_CHART_ABLATION, "g", "d-ablation.svg", 3);
	assert_string_equal(a->benchmark, "d");
	assert_int_equal(count(a->svg, "<path"), 0);
	assert_int_equal(count(a->svg, "<rect class=\"bar speedup\""), 3);
	assert_int_equal(count(a->svg, "<rect class=\"bar memory\""), 3);
	static const char *const has[] = {
		"data-variant=\"a+b\"",
		">2.00x</text>",
		">+10.0%</text>",
		">-20.0%</text>",
	};
	assert_string_equal(BT_TEST_MISSING(a->svg, has), "");
	assert_non_null(strstr(a->svg, ">1.00x</text>")); /* a+b at n=1 only */
	static const char *const has2[] = {
		">+50.0%</text>",
		">speedup vs none</text>",
		">peak memory change vs none</text>",
	};
	assert_string_equal(BT_TEST_MISSING(a->svg, has2), "");
	well_formed(a->svg, a->svg_len);
	/* the line chart draws every variant of d, and base */
	const struct bt_chart *t = find(&c, BT_CHART_TIME, "g");
	assert_int_equal(count(t->svg, "<path"), 5);
	assert_non_null(strstr(t->svg, "data-series=\"d:none\""));
	/* time, throughput, memory, then the ablation */
	assert_int_equal(c.n, 4);
	assert_int_equal(c.items[3].kind, BT_CHART_ABLATION);
}

static void test_direct_charts(void **state)
{
	struct bt_strbuf out = BT_STRBUF_INIT;
	struct bt_svg_line_chart lc = { .title = "empty", .x_label = "x", .y_label = "y" };
	assert_int_equal(bt_svg_line_chart(&lc, &out), 0);
	assert_int_equal(count(out.buf, "<path"), 0);
	assert_non_null(strstr(out.buf, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg "));
	well_formed(out.buf, out.len);
	bt_strbuf_reset(&out);
	/* a log axis drops points <= 0; one point still gives a path */
	const double x[] = { 0, 10 }, y[] = { 1, 5 };
	struct bt_svg_series s = { "only", x, y, 2 };
	struct bt_svg_line_chart l2 = { .title = "one", .x_label = "x", .y_label = "y",
					.y_unit = "s", .x_log = 1, .y_log = 1, .series = &s,
					.n_series = 1 };
	assert_int_equal(bt_svg_line_chart(&l2, &out), 0);
	assert_int_equal(count(out.buf, "<path"), 1);
	assert_int_equal(count(out.buf, "<circle"), 1);
	assert_null(strstr(out.buf, "class=\"reference\""));
	assert_null(strstr(out.buf, "class=\"mark\""));
	assert_null(strstr(out.buf, "nan"));
	assert_null(strstr(out.buf, "inf"));
	well_formed(out.buf, out.len);
	bt_strbuf_reset(&out);
	/* a reference line at 1x below the data (the y range takes it in),
	 * crossovers marked at x = 3 and, outside the data, 50 (left out) */
	const double x3[] = { 1, 4, 9 }, y3[] = { 2, 3, 4 }, marks[] = { 3, 50 };
	const char *const ml[] = { "b overtakes a at n ~ 3 & <more>", "outside" };
	struct bt_svg_series s3 = { "b", x3, y3, 3 };
	struct bt_svg_line_chart l3 = { .title = "speedup", .x_label = "n", .y_label = "speedup",
					.y_unit = "x", .series = &s3, .n_series = 1,
					.y_ref_on = 1, .y_ref = 1, .y_ref_label = "1x",
					.x_marks = marks, .x_mark_labels = ml, .n_x_marks = 2 };
	assert_int_equal(bt_svg_line_chart(&l3, &out), 0);
	assert_int_equal(count(out.buf, "<line class=\"reference\""), 1);
	assert_int_equal(count(out.buf, "<line class=\"mark\""), 1);
	assert_non_null(strstr(out.buf, "data-label=\"b overtakes a at n ~ 3 &amp; &lt;more&gt;\""));
	assert_non_null(strstr(out.buf, "class=\"reference-label\""));
	assert_non_null(strstr(out.buf, ">1x</text>"));
	assert_null(strstr(out.buf, "outside"));
	assert_int_equal(count(out.buf, "<title>"), 1);
	well_formed(out.buf, out.len);
	bt_strbuf_reset(&out);
	struct bt_svg_bar bars[] = { { "v", NAN, NAN } };
	struct bt_svg_bar_chart bc = { "bars", NULL, bars, 1 };
	assert_int_equal(bt_svg_bar_chart(&bc, &out), 0);
	assert_int_equal(count(out.buf, "<rect class=\"bar"), 0);
	well_formed(out.buf, out.len);
	assert_int_equal(bt_svg_line_chart(NULL, &out), BT_EINVAL);
	assert_int_equal(bt_svg_bar_chart(&bc, NULL), BT_EINVAL);
	bt_strbuf_release(&out);
}

static void test_markdown_report(void **state)
{
	run.suite = "demo";
	add(&run, "naive", "attn", "default", "1024", "4", 4e-3, 100);
	add(&run, "naive", "attn", "default", "2048", "4", 16e-3, 100);
	add(&run, "tiled", "attn", "default", "1024", "4", 8e-3, 100);
	add(&run, "tiled", "attn", "default", "2048", "4", 8e-3, 100);
	struct bt_result *r = add(&run, "solo", NULL, "default", "1", "4", 1e-3, 100);
	r->status = BT_STATUS_FAILED;
	r->message = "boom ``` here\nline two";
	r->validation.checked = 1;
	r->validation.max_rel_err = 0.5;
	r->validation.tolerance = 1e-4;
	assert_int_equal(bt_report_charts(&run, NULL, &c, NULL), 0);
	struct bt_strbuf md = BT_STRBUF_INIT;
	assert_int_equal(bt_report_markdown(&run, NULL, &c, &md, NULL), 0);
	static const char *const has[] = {
		"# Benchmark report: demo\n",
		"\n## attn\n",
		"\n## solo\n",
		"![attn: median time vs n](attn-time.svg)",
		"- tiled vs naive: overtakes at n ~ 1448",
		"| solo/h=4/n=1 | 0 | 5.0e-01 | 1.0e-04 | **no** |",
		"- `solo/h=4/n=1`: **failed**\n\n  ````\n  boom ``` here\n  line two\n  ````\n",
		"- **Cases:** 5: 4 ok, 1 failed\n",
	};
	assert_string_equal(BT_TEST_MISSING(md.buf, has), "");
	/* without charts: no image links */
	bt_strbuf_reset(&md);
	assert_int_equal(bt_report_markdown(&run, NULL, NULL, &md, NULL), 0);
	assert_null(strstr(md.buf, "!["));
	/* an unknown baseline is an error */
	struct bt_table_opts o = { "nosuch", NULL };
	struct bt_strbuf err = BT_STRBUF_INIT;
	assert_int_equal(bt_report_markdown(&run, &o, NULL, &md, &err), BT_ENOTFOUND);
	assert_non_null(strstr(err.buf, "nosuch"));
	/* the baseline applies to the group that has it */
	bt_strbuf_reset(&md);
	o.baseline = "tiled";
	assert_int_equal(bt_report_markdown(&run, &o, NULL, &md, NULL), 0);
	assert_non_null(strstr(md.buf, "- naive vs tiled: falls behind"));
	bt_strbuf_release(&err);
	bt_strbuf_release(&md);
}

/* --- layout ------------------------------------------------------------ */

struct box {
	double x0, y0, x1, y1;
	char text[512];
	char cls[32];
};

/* The value of attribute name in the tag [p, e) into out; 0 when none. */
static int attr(const char *p, const char *e, const char *name, char *out, size_t size)
{
	char pat[64];
	snprintf(pat, sizeof pat, " %s=\"", name);
	const char *a = strstr(p, pat);
	if (!a || a >= e)
		return 0;
	a += strlen(pat);
	const char *z = strchr(a, '"');
	size_t n = (size_t)(z - a) < size - 1 ? (size_t)(z - a) : size - 1;
	memcpy(out, a, n);
	out[n] = '\0';
	return 1;
}

/* XML text s[0..n) with the entities of the plots undone. */
static void unescape(const char *s, size_t n, char *out, size_t size)
{
	static const char *const ent[][2] = { { "&amp;", "&" }, { "&lt;", "<" }, { "&gt;", ">" },
					      { "&quot;", "\"" }, { "&apos;", "'" } };
	size_t k = 0;
	for (size_t i = 0; i < n && k + 1 < size;) {
		size_t j;
		for (j = 0; j < 5; j++) {
			size_t l = strlen(ent[j][0]);
			if (i + l <= n && strncmp(s + i, ent[j][0], l) == 0) {
				out[k++] = ent[j][1][0];
				i += l;
				break;
			}
		}
		if (j == 5)
			out[k++] = s[i++];
	}
	out[k] = '\0';
}

/* The box of every <text> of svg as the plots estimate it
 * (bt__text_width; 0.8 of the font size above the baseline, 0.25 below;
 * rotate(-90 X Y) turns it), and the viewBox's size. Returns the count. */
static size_t text_boxes(const char *svg, struct box *b, size_t max, double *w, double *h)
{
	char v[128];
	const char *root = strstr(svg, "<svg ");
	assert_non_null(root);
	assert_true(attr(root, strchr(root, '>'), "viewBox", v, sizeof v));
	assert_int_equal(sscanf(v, "0 0 %lf %lf", w, h), 2);
	size_t n = 0;
	for (const char *p = svg; (p = strstr(p, "<text ")); p++) {
		const char *e = strchr(p, '>'), *z = strstr(e, "</text>");
		assert_non_null(z);
		assert_true(n < max);
		struct box *x = &b[n++];
		double tx, ty, fs = 12, cx, cy;
		assert_true(attr(p, e, "x", v, sizeof v));
		tx = atof(v);
		assert_true(attr(p, e, "y", v, sizeof v));
		ty = atof(v);
		if (attr(p, e, "font-size", v, sizeof v))
			fs = atof(v);
		if (!attr(p, e, "class", x->cls, sizeof x->cls))
			x->cls[0] = '\0';
		unescape(e + 1, (size_t)(z - e - 1), x->text, sizeof x->text);
		double tw = bt__text_width(x->text, fs);
		if (attr(p, e, "font-weight", v, sizeof v) && strcmp(v, "bold") == 0)
			tw *= 1.12;
		double left = tx;
		if (attr(p, e, "text-anchor", v, sizeof v))
			left = strcmp(v, "middle") == 0 ? tx - tw / 2 : strcmp(v, "end") == 0 ? tx - tw : tx;
		x->x0 = left;
		x->x1 = left + tw;
		x->y0 = ty - 0.8 * fs;
		x->y1 = ty + 0.25 * fs;
		if (attr(p, e, "transform", v, sizeof v)) {
			assert_int_equal(sscanf(v, "rotate(-90 %lf %lf)", &cx, &cy), 2);
			/* (x, y) -> (cx + (y - cy), cy - (x - cx)) */
			struct box r = *x;
			x->x0 = cx + (r.y0 - cy);
			x->x1 = cx + (r.y1 - cy);
			x->y0 = cy - (r.x1 - cx);
			x->y1 = cy - (r.x0 - cx);
		}
	}
	return n;
}

/* Every text of the plot svg inside the image and overlapping no other;
 * tick labels whole; every numeric axis with 4 to 6 ticks, each labelled. */
static void check_layout(const char *svg, const char *what)
{
	static struct box b[512];
	double w, h;
	size_t n = text_boxes(svg, b, 512, &w, &h);
	for (size_t i = 0; i < n; i++) {
		if (b[i].x0 < 0 || b[i].y0 < 0 || b[i].x1 > w || b[i].y1 > h)
			fail_msg("%s: text '%s' (%.1f,%.1f)-(%.1f,%.1f) outside the image %.0fx%.0f",
				 what, b[i].text, b[i].x0, b[i].y0, b[i].x1, b[i].y1, w, h);
		if (strcmp(b[i].cls, "tick-label") == 0 && strstr(b[i].text, "\xe2\x80\xa6"))
			fail_msg("%s: tick label '%s' cut", what, b[i].text);
		for (size_t j = 0; j < i; j++)
			if (b[i].x0 < b[j].x1 - 0.5 && b[j].x0 < b[i].x1 - 0.5 &&
			    b[i].y0 < b[j].y1 - 0.5 && b[j].y0 < b[i].y1 - 0.5)
				fail_msg("%s: text '%s' overlaps '%s'", what, b[i].text, b[j].text);
	}
	size_t axes = 0;
	for (const char *p = svg; (p = strstr(p, "<g class=\"axis ")); p++) {
		const char *e = strstr(p, "</g>");
		assert_non_null(e);
		if (strstr(p, "data-scale=\"band\"") == strchr(p, '>') - strlen("data-scale=\"band\""))
			continue;
		size_t ticks = 0, labels = 0;
		char seen[8][128];
		for (const char *q = p; (q = strstr(q, "<line class=\"tick\"")) && q < e; q++)
			ticks++;
		for (const char *q = p; (q = strstr(q, "class=\"tick-label\"")) && q < e; q++) {
			const char *t = strchr(q, '>') + 1;
			size_t l = (size_t)(strchr(t, '<') - t);
			if (labels < 8) {
				snprintf(seen[labels], sizeof seen[labels], "%.*s", (int)l, t);
				for (size_t k = 0; k < labels; k++)
					if (strcmp(seen[k], seen[labels]) == 0)
						fail_msg("%s: tick label '%s' twice", what, seen[k]);
			}
			labels++;
		}
		if (ticks < 4 || ticks > 6 || labels != ticks)
			fail_msg("%s: an axis with %zu ticks and %zu labels, want 4 to 6 of each",
				 what, ticks, labels);
		axes++;
	}
	assert_true(axes >= 2);
}

static void check_charts(const struct bt_charts *c, const char *what)
{
	for (size_t i = 0; i < c->n; i++) {
		char name[256];
		snprintf(name, sizeof name, "%s: %s", what, c->items[i].file);
		check_layout(c->items[i].svg, name);
		well_formed(c->items[i].svg, c->items[i].svg_len);
	}
}

/* Ticks of the axis over [mn, mx]: finite, increasing, inside the domain,
 * want_min to 6 of them, with distinct labels in unit. */
static void check_axis(int log, double mn, double mx, int from_zero, const char *unit,
		       size_t want_min)
{
	struct bt__axis a;
	memset(&a, 0, sizeof a);
	a.log = log;
	bt__axis_setup(&a, mn, mx, from_zero, NULL, 0, unit);
	if (a.n_ticks < want_min || a.n_ticks > 6)
		fail_msg("%s axis [%g, %g] %s: %zu ticks", log ? "log" : "linear", mn, mx,
			 unit ? unit : "", a.n_ticks);
	if (log) {
		if (!(isfinite(a.llo) && isfinite(a.lhi) && a.llo < a.lhi && a.llo <= log10(mn) &&
		      a.lhi >= log10(mx)))
			fail_msg("log axis [%g, %g]: domain 1e[%g, %g]", mn, mx, a.llo, a.lhi);
	} else {
		if (!(isfinite(a.lo) && isfinite(a.hi) && a.lo < a.hi && a.lo <= mn && a.hi >= mx))
			fail_msg("linear axis [%g, %g]: domain [%g, %g]", mn, mx, a.lo, a.hi);
	}
	char prev[BT_FORMAT_MAX] = "", lab[BT_FORMAT_MAX];
	for (size_t i = 0; i < a.n_ticks; i++) {
		double t = a.ticks[i];
		assert_true(isfinite(t));
		if (i)
			assert_true(t > a.ticks[i - 1]);
		if (log) {
			assert_true(t > 0);
			assert_true(log10(t) >= a.llo - 1e-9 && log10(t) <= a.lhi + 1e-9);
		} else {
			assert_true(t >= a.lo && t <= a.hi);
		}
		bt__axis_label(&a, i, unit, lab, sizeof lab);
		assert_null(strstr(lab, "inf"));
		assert_null(strstr(lab, "nan"));
		assert_true(strlen(lab) < 32);
		if (i)
			assert_string_not_equal(lab, prev);
		strcpy(prev, lab);
	}
}

static void test_axis_extremes(void **state)
{
	/* the subnormal hang: bounds that underflowed to 0, and overflowed */
	check_axis(1, 1e-320, 1e-3, 0, "s", 4);
	check_axis(1, 1e-320, 1e308, 0, "s", 4);
	check_axis(1, DBL_TRUE_MIN, DBL_MAX, 0, "s", 4);
	check_axis(1, DBL_TRUE_MIN, DBL_MAX, 0, "B", 4);
	check_axis(1, 1e307, DBL_MAX, 0, "s", 4);
	check_axis(1, DBL_MAX, DBL_MAX, 0, "s", 1);
	check_axis(1, DBL_TRUE_MIN, DBL_TRUE_MIN, 0, "s", 1);
	check_axis(1, 1e-320, 1e-320, 0, "s", 1);
	check_axis(1, 1e-320, 8e-320, 0, "elements/s", 1);
	check_axis(0, 0, 1e-320, 1, "s", 4);
	check_axis(0, 1e-320, 4e-320, 1, "s", 4);
	check_axis(0, 0, DBL_MAX, 1, "s", 4);
	check_axis(0, 1.7e308, DBL_MAX, 1, "s", 4);
	check_axis(0, DBL_MAX, DBL_MAX, 0, NULL, 2);
	check_axis(0, -DBL_MAX, DBL_MAX, 0, NULL, 4);
	check_axis(0, 1, 1 + 1e-15, 0, NULL, 2);
	check_axis(0, 0, 0, 1, "s", 4);
	check_axis(0, -5, -5, 0, NULL, 4);
	/* ordinary ranges: 4 to 6 round ticks */
	check_axis(1, 2.33e-3, 0.274, 0, "s", 4);
	check_axis(1, 5.75e3, 110e3, 0, "tokens/s", 4);
	check_axis(1, 2.69 * 1048576, 25.8 * 1048576, 0, "B", 4);
	check_axis(0, 0, 158e6, 1, "elements/s", 4);
	check_axis(0, 0, 5.1, 1, NULL, 4);
	check_axis(0, 1000, 16000, 0, NULL, 4);
	/* and many more: every log span from a hundredth of a decade to 600
	 * decades, every linear range, at magnitudes across the double range */
	unsigned long long r = 12345;
	for (int i = 0; i < 20000; i++) {
		r = r * 6364136223846793005ULL + 1442695040888963407ULL;
		double u = (double)(r >> 11) / 9007199254740992.0;
		r = r * 6364136223846793005ULL + 1442695040888963407ULL;
		double v = (double)(r >> 11) / 9007199254740992.0;
		double l0 = -300 + 600 * u, span = pow(10, -2 + 4.7 * v);
		if (l0 + span > 300)
			span = 300 - l0;
		/* bytes: whole ones */
		const char *unit = i % 3 == 0 ? "s" : i % 3 == 1 && l0 > 1 ? "B" : "items/s";
		check_axis(1, pow(10, l0), pow(10, l0 + span), 0, unit, 4);
		check_axis(0, i % 2 ? 0 : pow(10, l0), pow(10, l0 + fmin(span, 5)), i % 2, unit, 4);
	}
	/* swept values as ticks: all of 4 to 6, every other of 12 */
	struct bt__axis a = { .log = 1 };
	const double d[] = { 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048 };
	bt__axis_setup(&a, 1, 8, 0, d, 4, NULL);
	assert_int_equal(a.n_ticks, 4);
	assert_true(a.ticks[3] == 8);
	bt__axis_setup(&a, 1, 2048, 0, d, 12, NULL);
	assert_int_equal(a.n_ticks, 6);
	assert_true(a.ticks[1] == 4);
}

/* The labels of the axis over [mn, mx], joined by " | ". */
static void axis_labels(int log, double mn, double mx, int from_zero, const char *unit,
			char *out, size_t size)
{
	struct bt__axis a = { .log = log };
	char lab[BT_FORMAT_MAX];
	bt__axis_setup(&a, mn, mx, from_zero, NULL, 0, unit);
	out[0] = '\0';
	for (size_t i = 0; i < a.n_ticks; i++) {
		bt__axis_label(&a, i, unit, lab, sizeof lab);
		snprintf(out + strlen(out), size - strlen(out), "%s%s", i ? " | " : "", lab);
	}
}

/* Every tick label of an axis in one style: all in scientific notation or
 * none, and the same number of significant digits (mantissas of one
 * length; fixed numbers with a point: one count of significant digits). */
static void check_label_style(int log, double mn, double mx, int from_zero, const char *unit)
{
	struct bt__axis a = { .log = log };
	bt__axis_setup(&a, mn, mx, from_zero, NULL, 0, unit);
	int sci = -1, digits = -1;
	for (size_t i = 0; i < a.n_ticks; i++) {
		char lab[BT_FORMAT_MAX], num[BT_FORMAT_MAX];
		bt__axis_label(&a, i, unit, lab, sizeof lab);
		sscanf(lab, "%63s", num);
		char *n = num + (num[0] == '-');
		if (strcmp(n, "0") == 0)
			continue;
		char *e = strchr(n, 'e');
		int s = e != NULL, d = 0, lead = 1;
		if (sci >= 0 && s != sci)
			fail_msg("axis [%g, %g] %s: '%s' in another notation than tick 0", mn, mx,
				 unit ? unit : "", lab);
		sci = s;
		if (!s && !strchr(n, '.'))
			continue; /* a whole number: its trailing zeros tell nothing */
		for (char *c = n; *c && c != e; c++) {
			if (*c == '.' || (lead && *c == '0'))
				continue;
			lead = 0;
			d++;
		}
		if (digits >= 0 && d != digits)
			fail_msg("axis [%g, %g] %s: '%s' with %d significant digits, another tick %d", mn,
				 mx, unit ? unit : "", lab, d, digits);
		digits = d;
	}
}

static void test_axis_label_style(void **state)
{
	char l[512];
	(void)state;
	/* the review's "1e-12 s" next to "1.00e-05", "0.01 elements/s" next
	 * to "1.00e-03 elements/s": one notation per axis */
	axis_labels(1, 1e-12, 1e-5, 0, "s", l, sizeof l);
	assert_string_equal(l, "1e-12 s | 1e-10 s | 1e-08 s | 1e-06 s");
	axis_labels(1, 1e-3, 0.1, 0, "elements/s", l, sizeof l);
	assert_string_equal(l, "1e-03 elements/s | 3e-03 elements/s | 1e-02 elements/s | "
			       "3e-02 elements/s | 1e-01 elements/s");
	/* one number of digits: "1.0 s" beside "1.5 s", not "1.00 s" */
	axis_labels(0, 0, 1.5, 1, "s", l, sizeof l);
	assert_string_equal(l, "0 s | 500 ms | 1.0 s | 1.5 s");
	axis_labels(1, 2.33e-3, 0.274, 0, "s", l, sizeof l);
	assert_string_equal(l, "3 ms | 10 ms | 30 ms | 100 ms | 300 ms");
	axis_labels(0, 0, 158e6, 1, "elements/s", l, sizeof l);
	assert_string_equal(l, "0 elements/s | 50 M elements/s | 100 M elements/s | "
			       "150 M elements/s | 200 M elements/s");
	axis_labels(1, 1e-7, 1e-3, 0, NULL, l, sizeof l);
	assert_string_equal(l, "1e-07 | 1e-06 | 1e-05 | 1e-04 | 1e-03");
	axis_labels(0, 0, 0.75, 1, NULL, l, sizeof l);
	assert_string_equal(l, "0 | 0.2 | 0.4 | 0.6 | 0.8");
	/* round byte counts on a memory axis print short, not 1.1718750 MiB */
	axis_labels(0, 1000.0 * 1024, 1.75 * 1048576, 0, "B", l, sizeof l);
	print_message("memory axis: %s\n", l);
	assert_null(strstr(l, "0000"));
	assert_null(strstr(l, ".1718"));
	/* and across ranges and units */
	const char *units[] = { "s", "B", "elements/s", "B/s", NULL };
	for (size_t u = 0; u < sizeof units / sizeof *units; u++)
		for (int e = -14; e <= 20; e += 1) {
			double lo = pow(10, e);
			if (units[u] && strcmp(units[u], "B") == 0 && lo < 1)
				continue;
			check_label_style(1, lo, lo * 50, 0, units[u]);
			check_label_style(1, lo, lo * 1e6, 0, units[u]);
			check_label_style(0, 0, lo * 3.7, 1, units[u]);
			check_label_style(0, lo, lo * 1.3, 0, units[u]);
		}
}

/* Flat data (every value the same) in the middle of its axis, not on an
 * edge: the axis pads around the one value, also when it starts at 0. */
static void test_axis_flat(void **state)
{
	const double vals[] = { 5e-3, 7, 1e-9, 123456, 3e300 };
	(void)state;
	for (size_t i = 0; i < sizeof vals / sizeof *vals; i++) {
		for (int z = 0; z <= 1; z++) {
			double v = vals[i];
			struct bt__axis a = { .log = 0 };
			bt__axis_setup(&a, v, v, z, NULL, 0, "s");
			if (!(a.lo < v && v < a.hi && fabs((v - a.lo) - (a.hi - v)) <= v * 1e-9))
				fail_msg("flat %g (from zero %d): axis [%g, %g], not centred", v, z, a.lo,
					 a.hi);
			assert_true(a.n_ticks >= 4 && a.n_ticks <= 6);
		}
		struct bt__axis l = { .log = 1 };
		bt__axis_setup(&l, vals[i], vals[i], 0, NULL, 0, "s");
		assert_true(fabs(l.llo + l.lhi - 2 * log10(vals[i])) < 1e-9);
	}
	struct bt__axis n = { .log = 0 };
	bt__axis_setup(&n, -5, -5, 0, NULL, 0, NULL);
	assert_true(n.lo < -5 && -5 < n.hi && fabs((-5 - n.lo) - (n.hi + 5)) < 1e-9);
}

static void test_format_extremes(void **state)
{
	char b[BT_FORMAT_MAX];
	assert_string_equal(bt_format_duration(1e-320, b, sizeof b), "1.00e-320 s");
	assert_string_equal(bt_format_duration(DBL_MAX, b, sizeof b), "1.80e+308 s");
	assert_string_equal(bt_format_duration(1e308, b, sizeof b), "1.00e+308 s");
	assert_string_equal(bt_format_duration(999999, b, sizeof b), "999999 s");
	assert_string_equal(bt_format_duration(0.004e-9, b, sizeof b), "4.00e-12 s");
	assert_string_equal(bt_format_duration(0.005e-9, b, sizeof b), "0.01 ns");
	assert_string_equal(bt_format_bytes(DBL_MAX, b, sizeof b), "1.80e+308 B");
	assert_string_equal(bt_format_bytes(1023 * 1125899906842624.0, b, sizeof b), "1023 PiB");
	assert_string_equal(bt_format_rate(1e308, "elements/s", b, sizeof b), "1.00e+308 elements/s");
	assert_string_equal(bt_format_rate(-1e308, "B/s", b, sizeof b), "-1.00e+308 B/s");
	assert_string_equal(bt_format_rate(999e15, "x/s", b, sizeof b), "999 P x/s");
	assert_string_equal(bt_format_rate(DBL_TRUE_MIN, "items/s", b, sizeof b), "4.94e-324 items/s");
	assert_string_equal(bt_format_rate(0, "items/s", b, sizeof b), "0.00 items/s");
	assert_string_equal(bt_format_ratio(1e308, b, sizeof b), "1.00e+308x");
	assert_string_equal(bt_format_ratio(123456, b, sizeof b), "123456x");
	assert_string_equal(bt_format_percent(-1e308, 1, b, sizeof b), "-1.00e+308%");
	assert_string_equal(bt_format_percent(1e300, 1, b, sizeof b), "+1.00e+300%");
}

/* The plots of the bundled runs: the attention fixture, and the run whose
 * medians reach from subnormal numbers (1e-320) to 1.8e308. */
static void test_layout_fixtures(void **state)
{
	static const char *const files[] = { BT_SOURCE_DIR "/tests/fixtures/run-attention.json",
					     BT_SOURCE_DIR "/tests/fixtures/run-extreme.json" };
	for (size_t f = 0; f < 2; f++) {
		struct bt_run run;
		struct bt_charts c;
		struct bt_strbuf err = BT_STRBUF_INIT, md = BT_STRBUF_INIT;
		bt_run_init(&run);
		if (bt_run_read_file(&run, files[f], &err))
			fail_msg("%s: %s", files[f], err.buf);
		assert_int_equal(bt_report_charts(&run, NULL, &c, NULL), 0);
		assert_true(c.n >= 4);
		check_charts(&c, files[f]);
		assert_int_equal(bt_report_markdown(&run, NULL, &c, &md, NULL), 0);
		assert_null(strstr(md.buf, "inf "));
		if (f == 1) {
			assert_int_equal(c.n, 15); /* 4 groups: time, throughput, memory; 3 with a speedup */
			assert_non_null(strstr(md.buf, "1.00e-320 s"));
			assert_non_null(strstr(md.buf, "1.80e+308 s"));
		}
		bt_strbuf_release(&md);
		bt_strbuf_release(&err);
		bt_charts_release(&c);
		bt_run_release(&run);
	}
}

/* Long names, many series, a long group name, large and negative bars. */
static void test_layout_long(void **state)
{
	const char *ns[] = { "1024", "2048", "4096", "8192", "16384" };
	char name[256];
	for (int s = 0; s < 24; s++) {
		snprintf(name, sizeof name, "%s%d", s == 3 ? "an_implementation_with_a_name_that_goes_on_"
							     "and_on_and_on_well_past_any_legend_width_"
							     "that_a_plot_could_give_it_"
							   : "impl_",
			 s);
		for (int k = 0; k < 5; k++)
			add(&run, name, "a group with a rather long name, as groups go, used as the title",
			    "default", ns[k], "4", atof(ns[k]) * (s + 1) * 1e-9, 1000000LL << k);
	}
	add(&run, "d", "abl", "none", "1", "4", 4e-3, 1000);
	add(&run, "d", "abl", "a_variant_with_a_long_name+another_option+a_third_option", "1", "4",
	    4e-9, 100);
	add(&run, "d", "abl", "b", "1", "4", 4e-1, 1000000);
	add(&run, "d", "abl", "none", "2", "4", 4e-3, 1000);
	add(&run, "d", "abl", "a_variant_with_a_long_name+another_option+a_third_option", "2", "4",
	    4e-9, 100);
	add(&run, "d", "abl", "b", "2", "4", 4e-1, 1000000);
	/* memory changes too small for one decimal */
	add(&run, "e", "abl2", "none", "1", "4", 4e-3, 100000000);
	add(&run, "e", "abl2", "a", "1", "4", 4e-3, 100001000);
	add(&run, "e", "abl2", "b", "1", "4", 4e-3, 100002000);
	assert_int_equal(bt_report_charts(&run, NULL, &c, NULL), 0);
	check_charts(&c, "long names");
	const struct bt_chart *t = find(&c, BT_CHART_TIME,
					"a group with a rather long name, as groups go, used as the title");
	assert_int_equal(count(t->svg, "class=\"legend-label\""), 24);
	assert_non_null(strstr(t->svg, ">impl_23</text>"));
	const struct bt_chart *a = find(&c, BT_CHART_ABLATION, "abl");
	assert_non_null(strstr(a->svg, ">a_variant_with_a_long_name+another_option+a_third_option</text>"));
	assert_non_null(strstr(a->svg, ">1.00e+06x</text>"));
}

#define CHARTS_TEST(f) cmocka_unit_test_setup_teardown(f, charts_setup, charts_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_geometric),
		CHARTS_TEST(test_line_charts),
		CHARTS_TEST(test_linear_and_series_split),
		CHARTS_TEST(test_metric_and_counter_axes),
		CHARTS_TEST(test_no_sweep_no_chart),
		CHARTS_TEST(test_escaping),
		CHARTS_TEST(test_ablation),
		cmocka_unit_test(test_direct_charts),
		CHARTS_TEST(test_markdown_report),
		cmocka_unit_test(test_axis_extremes),
		cmocka_unit_test(test_axis_label_style),
		cmocka_unit_test(test_axis_flat),
		cmocka_unit_test(test_format_extremes),
		cmocka_unit_test(test_layout_fixtures),
		CHARTS_TEST(test_layout_long),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
