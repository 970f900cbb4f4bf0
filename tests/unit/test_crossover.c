/* Crossover points on runs built by hand, with values worked out by hand
 * (log-log interpolation between the bracketing points). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "benchtrack.h"
#include "benchtrack/report.h"

static void add(struct bt_run *run, const char *name, const char *group,
		const char *n, const char *h, double median)
{
	struct bt_result *r = bt_run_add_result(run);
	r->name = bt_run_strdup(run, name);
	r->group = bt_run_strdup(run, group);
	r->variant = "default";
	r->params = bt_run_alloc(run, 2 * sizeof *r->params);
	r->params[0] = (struct bt_kv){ "h", h };
	r->params[1] = (struct bt_kv){ "n", n };
	r->n_params = 2;
	r->metrics = bt_run_alloc(run, sizeof *r->metrics);
	r->metrics[0].name = "time";
	r->metrics[0].unit = "s";
	r->metrics[0].stats.n = 10;
	r->metrics[0].stats.median = median;
	r->n_metrics = 1;
}

struct point {
	const char *name, *n, *h;
	double median;
};

/* Initializes run with one result of group "g" per point. */
static void build(struct bt_run *run, const struct point *p, size_t k)
{
	bt_run_init(run);
	for (size_t i = 0; i < k; i++)
		add(run, p[i].name, "g", p[i].n, p[i].h, p[i].median);
}
#define BUILD(run, ...)                                               \
	build(run, (const struct point[]){ __VA_ARGS__ },             \
	      sizeof((const struct point[]){ __VA_ARGS__ }) / sizeof(struct point))

static void test_overtakes_and_falls_behind(void **state)
{
	struct bt_run run;
	struct bt_crossovers c;
	BUILD(&run,
	      /* speedups of x vs base: 0.5, 1.0, 2.0 -> crossing exactly at 2048 */
	      { "base", "1024", "4", 1e-3 }, { "base", "2048", "4", 4e-3 },
	      { "base", "4096", "4", 16e-3 }, { "x", "1024", "4", 2e-3 },
	      { "x", "2048", "4", 4e-3 }, { "x", "4096", "4", 8e-3 },
	      /* y: 2.0 at 1024, 0.5 at 4096 (2048 missing): falls behind at
	       * the geometric middle sqrt(1024 * 4096) = 2048 */
	      { "y", "1024", "4", 0.5e-3 }, { "y", "4096", "4", 32e-3 },
	      /* z: always 4x faster */
	      { "z", "1024", "4", 0.25e-3 }, { "z", "2048", "4", 1e-3 },
	      /* w: one point, slower */
	      { "w", "4096", "4", 32e-3 });
	assert_int_equal(bt_report_crossovers(&run, NULL, &c, NULL), 0);
	assert_int_equal(c.n, 4);

	assert_string_equal(c.items[0].name, "x");
	assert_string_equal(c.items[0].baseline, "base");
	assert_string_equal(c.items[0].param, "n");
	assert_int_equal(c.items[0].kind, BT_CROSS_OVERTAKES);
	assert_true(fabs(c.items[0].at - 2048) < 1e-9);
	/* a speedup of exactly 1 at 2048 is on neither side: the crossover
	 * is bracketed by 1024 (slower) and 4096 (faster) */
	assert_true(c.items[0].lo == 1024 && c.items[0].hi == 4096);

	assert_string_equal(c.items[1].name, "y");
	assert_int_equal(c.items[1].kind, BT_CROSS_FALLS_BEHIND);
	assert_true(fabs(c.items[1].at - 2048) < 1e-9);

	assert_int_equal(c.items[2].kind, BT_CROSS_ALWAYS_FASTER);
	assert_true(fabs(c.items[2].min_speedup - 4) < 1e-12);
	assert_int_equal(c.items[2].points, 2);

	assert_int_equal(c.items[3].kind, BT_CROSS_ALWAYS_SLOWER);
	assert_int_equal(c.items[3].points, 1);

	struct bt_strbuf out = BT_STRBUF_INIT;
	assert_int_equal(bt_crossovers_render(&c, 0, &out), 0);
	assert_non_null(strstr(out.buf, "x vs base: overtakes at n ~ 2048 (interpolated between 1024 and 4096)\n"));
	assert_non_null(strstr(out.buf, "z vs base: faster at every n from 1024 to 2048 (4.00x to 4.00x), no crossover\n"));
	bt_strbuf_reset(&out);
	assert_int_equal(bt_crossovers_render(&c, 1, &out), 0);
	assert_true(strncmp(out.buf, "- x vs base:", 12) == 0);
	/* in Markdown, names and the parameter escaped as in the tables */
	bt_strbuf_reset(&out);
	const char *name0 = c.items[0].name, *param0 = c.items[0].param;
	c.items[0].name = "a|b*c_<x>";
	c.items[0].param = "seq_len";
	assert_int_equal(bt_crossovers_render(&c, 1, &out), 0);
	const char *want = "- a\\|b\\*c\\_\\<x\\> vs base: overtakes at seq\\_len ~";
	if (strncmp(out.buf, want, strlen(want)) != 0)
		fail_msg("markdown: %s", out.buf);
	bt_strbuf_reset(&out);
	assert_int_equal(bt_crossovers_render(&c, 0, &out), 0);
	assert_true(strncmp(out.buf, "a|b*c_<x> vs base: overtakes at seq_len", 39) == 0);
	c.items[0].name = name0;
	c.items[0].param = param0;
	bt_strbuf_release(&out);
	bt_crossovers_release(&c);

	/* baseline override: compared with z instead */
	assert_int_equal(bt_report_crossovers(&run, "z", &c, NULL), 0);
	assert_string_equal(c.items[0].baseline, "z");
	assert_string_equal(c.items[0].name, "base");
	assert_int_equal(c.items[0].kind, BT_CROSS_ALWAYS_SLOWER);
	bt_crossovers_release(&c);
	bt_run_release(&run);
}

/* Two varying axes: no single sweep, no crossover reported; failed
 * results are left out. */
static void test_needs_one_swept_axis(void **state)
{
	struct bt_run run;
	struct bt_crossovers c;
	BUILD(&run, { "a", "1024", "4", 1e-3 }, { "a", "2048", "8", 1e-3 },
	      { "b", "1024", "4", 1e-3 });
	assert_int_equal(bt_report_crossovers(&run, NULL, &c, NULL), 0);
	assert_int_equal(c.n, 0);
	bt_crossovers_release(&c);
	bt_run_release(&run);

	BUILD(&run, { "a", "1024", "4", 1e-3 }, { "a", "2048", "4", 2e-3 },
	      { "b", "1024", "4", 2e-3 }, { "b", "2048", "4", 1e-3 });
	run.results[3].status = BT_STATUS_CRASHED;
	assert_int_equal(bt_report_crossovers(&run, NULL, &c, NULL), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.items[0].kind, BT_CROSS_ALWAYS_SLOWER);
	assert_int_equal(c.items[0].points, 1);
	bt_crossovers_release(&c);
	bt_run_release(&run);
}

/* Gives result i of run k samples evenly spread over median * (1 +- spread)
 * (k odd: the median is exactly median), in a fixed scrambled order. */
static void give_samples(struct bt_run *run, size_t i, size_t k, double spread)
{
	struct bt_metric *m = &run->results[i].metrics[0];
	double med = m->stats.median;

	m->samples = bt_run_alloc(run, k * sizeof *m->samples);
	m->n_samples = k;
	for (size_t j = 0; j < k; j++) {
		size_t pos = (j * 5) % k; /* k not a multiple of 5 */
		m->samples[pos] = med * (1 + spread * (2.0 * (double)j / (double)(k - 1) - 1));
	}
	m->stats.n = k;
}

/* Speedups of 0.98x to 1.01x whose intervals all
 * contain 1 are no crossover (the point estimates alone cross 1 three
 * times: overtakes / falls behind / overtakes), but "no significant
 * difference". With tight samples the same speedups are significant and
 * the crossovers are real; a mixed sweep crosses only between values
 * significant on opposite sides. */
static void test_crossover_needs_significance(void **state)
{
	struct bt_run run;
	struct bt_crossovers c;
	struct bt_strbuf out = BT_STRBUF_INIT;
	static const char *ns[5] = { "1024", "2048", "4096", "16384", "32768" };
	static const double sp[5] = { 0.98, 1.01, 0.99, 1.005, 0.985 };

	for (int tight = 0; tight < 2; tight++) {
		bt_run_init(&run);
		for (int i = 0; i < 5; i++)
			add(&run, "base", "g", ns[i], "4", 1e-3);
		for (int i = 0; i < 5; i++)
			add(&run, "online", "g", ns[i], "4", 1e-3 / sp[i]);
		for (size_t i = 0; i < run.n_results; i++)
			give_samples(&run, i, 21, tight ? 0.001 : 0.10);
		assert_int_equal(bt_report_crossovers(&run, NULL, &c, NULL), 0);
		if (!tight) {
			assert_int_equal(c.n, 1);
			assert_int_equal(c.items[0].kind, BT_CROSS_NO_DIFFERENCE);
			assert_int_equal(c.items[0].n_faster, 0);
			assert_int_equal(c.items[0].n_slower, 0);
			assert_int_equal(c.items[0].points, 5);
			assert_int_equal(bt_crossovers_render(&c, 0, &out), 0);
			assert_string_equal(out.buf, "online vs base: no significant difference at any "
					    "n from 1024 to 32768 (0.98x to 1.01x)\n");
		} else {
			/* 0.98 < 1.01 > 0.99 < 1.005 > 0.985, each significant */
			assert_int_equal(c.n, 4);
			assert_int_equal(c.items[0].kind, BT_CROSS_OVERTAKES);
			assert_int_equal(c.items[1].kind, BT_CROSS_FALLS_BEHIND);
			assert_true(c.items[0].lo == 1024 && c.items[0].hi == 2048);
		}
		bt_strbuf_reset(&out);
		bt_crossovers_release(&c);
		bt_run_release(&run);
	}

	/* slower (0.7x, 0.8x), not different (1.0x), faster (1.3x, 1.5x):
	 * one crossover, bracketed by the last slower and first faster value,
	 * and faster at 2 of 3 where the third is not significant */
	static const double sp2[5] = { 0.7, 0.8, 1.0, 1.3, 1.5 };
	bt_run_init(&run);
	for (int i = 0; i < 5; i++)
		add(&run, "base", "g", ns[i], "4", 1e-3);
	for (int i = 0; i < 5; i++)
		add(&run, "tiled", "g", ns[i], "4", 1e-3 / sp2[i]);
	for (int i = 0; i < 3; i++)
		add(&run, "fused", "g", ns[i], "4", 1e-3 / (i == 1 ? 1.0 : 1.5));
	for (size_t i = 0; i < run.n_results; i++)
		give_samples(&run, i, 21, 0.02);
	assert_int_equal(bt_report_crossovers(&run, NULL, &c, NULL), 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.items[0].kind, BT_CROSS_OVERTAKES);
	assert_true(c.items[0].lo == 2048 && c.items[0].hi == 16384);
	assert_true(fabs(c.items[0].at - 4096) < 1e-6); /* where r is exactly 1 */
	assert_int_equal(c.items[0].n_faster, 2);
	assert_int_equal(c.items[0].n_slower, 2);
	assert_int_equal(c.items[1].kind, BT_CROSS_ALWAYS_FASTER);
	assert_int_equal(c.items[1].n_faster, 2);
	assert_int_equal(bt_crossovers_render(&c, 0, &out), 0);
	assert_non_null(strstr(out.buf, "fused vs base: faster at 2 of 3 n values from 1024 "
			       "to 4096 (1.00x to 1.50x), no significant difference at the "
			       "others, no crossover\n"));
	bt_strbuf_release(&out);
	bt_crossovers_release(&c);
	bt_run_release(&run);

	/* without samples, the medians' intervals: overlapping -> no difference */
	bt_run_init(&run);
	add(&run, "base", "g", "1024", "4", 1e-3);
	add(&run, "base", "g", "2048", "4", 1e-3);
	add(&run, "x", "g", "1024", "4", 0.99e-3);
	add(&run, "x", "g", "2048", "4", 1.01e-3);
	for (size_t i = 0; i < run.n_results; i++) {
		struct bt_stats *st = &run.results[i].metrics[0].stats;
		st->median_ci_low = st->median * 0.95;
		st->median_ci_high = st->median * 1.05;
	}
	assert_int_equal(bt_report_crossovers(&run, NULL, &c, NULL), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.items[0].kind, BT_CROSS_NO_DIFFERENCE);
	bt_crossovers_release(&c);
	bt_run_release(&run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_overtakes_and_falls_behind),
		cmocka_unit_test(test_needs_one_swept_axis),
		cmocka_unit_test(test_crossover_needs_significance),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
