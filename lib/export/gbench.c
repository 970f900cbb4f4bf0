/* A run as Google Benchmark 1.7 writes --benchmark_format=json with
 * --benchmark_repetitions (bt__export_gbench), so that its compare.py
 * reads it:
 *
 *   {"context": {"date", "host_name", "executable", "num_cpus",
 *                "mhz_per_cpu", "cpu_scaling_enabled", "caches": [...],
 *                "load_avg": [], "library_build_type", and as custom
 *                context (strings): "run_id", "suite", "benchmark_type",
 *                "commit", "branch" when known},
 *    "benchmarks": [{"name", "family_index", "per_family_instance_index",
 *                    "run_name", "run_type": "iteration", "repetitions",
 *                    "repetition_index", "threads": 1, "iterations",
 *                    "real_time", "cpu_time", "time_unit": "ns",
 *                    COUNTER: value, ...}, ...]}
 *
 * Per result with time samples (export.h: bt__export_time), one
 * "iteration" row per sample (repetition_index i of repetitions n), its
 * time per iteration in ns; then, from two samples on, the aggregates
 * mean, median, stddev (n - 1) and cv ("NAME_mean", run_type "aggregate",
 * aggregate_name, aggregate_unit "time", "percentage" for cv, iterations
 * n) of every column, as the library computes them. The time unit is
 * always ns: compare.py pairs rows by name and unit, so two runs of one
 * benchmark must agree on it.
 *
 * Names: "NAME/k:v/k:v" (gbench's ArgNames style) over the params and
 * the non-default variant (bt__export_params); family_index counts
 * distinct names, per_family_instance_index the results of one name.
 * cpu_time is the sum of the "user_time" and "sys_time" samples where the
 * result has them per sample (benchtrack exec), else the real time.
 * Counters: every other metric (its sample i when it has as many samples
 * as the time, else its median), items_per_second / bytes_per_second from
 * the throughput (items or bytes per op over the sample's time), and the
 * result's counters; a name that gbench uses for a field of its own, or
 * one already used, is left out. A result that did not run ok is one row
 * with "error_occurred": true and "error_message" (its status and
 * message), as gbench writes a benchmark that called SkipWithError; an ok
 * result without time samples is left out. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "internal.h"

/* One column of the rows: real_time, cpu_time or a counter. */
struct col {
	const char *name;
	double *v;       /* n values, malloc'd */
};

struct cols {
	struct col *c;
	size_t n, alloc;
	size_t rows;
	int oom;
};

static const char *const reserved[] = {
	"name", "family_index", "per_family_instance_index", "run_name", "run_type",
	"repetitions", "repetition_index", "threads", "iterations", "real_time",
	"cpu_time", "time_unit", "aggregate_name", "aggregate_unit", "error_occurred",
	"error_message", "label", "big_o", "rms", "complexity", NULL
};

/* A new column named name (the caller fills v), or NULL when the name is
 * taken, or out of memory (c->oom), or reserved (except for the first
 * two columns: real_time and cpu_time themselves). */
static double *col_add(struct cols *c, const char *name)
{
	for (size_t i = 0; c->n >= 2 && reserved[i]; i++)
		if (strcmp(name, reserved[i]) == 0)
			return NULL;
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->c[i].name, name) == 0)
			return NULL;
	double *v = malloc(c->rows * sizeof *v);
	if (!v || bt__vec_reserve((void **)&c->c, &c->alloc, c->n + 1, sizeof *c->c)) {
		free(v);
		c->oom = 1;
		return NULL;
	}
	c->c[c->n++] = (struct col){ name, v };
	return v;
}

static void cols_release(struct cols *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->c[i].v);
	free(c->c);
}

/* The metric of r named name when it has n samples, else NULL. */
static const struct bt_metric *per_sample(const struct bt_result *r, const char *name,
					  size_t n)
{
	const struct bt_metric *m = bt_result_metric(r, name);
	return m && m->n_samples == n ? m : NULL;
}

/* The columns of r's rows: real_time and cpu_time in ns, the counters. */
static void build_cols(struct cols *c, const struct bt_result *r,
		       const struct bt_metric *t)
{
	size_t n = t->n_samples;
	c->rows = n;
	double *real = col_add(c, "real_time"), *cpu = col_add(c, "cpu_time");
	if (c->oom)
		return;
	const struct bt_metric *u = per_sample(r, "user_time", n),
			       *s = per_sample(r, "sys_time", n);
	for (size_t i = 0; i < n; i++) {
		real[i] = t->samples[i] * 1e9;
		cpu[i] = u || s ? ((u ? u->samples[i] : 0) + (s ? s->samples[i] : 0)) * 1e9
				: real[i];
	}
	for (size_t k = 0; k < r->n_metrics; k++) {
		const struct bt_metric *m = &r->metrics[k];
		double *v;
		if (m == t || m->n_samples == 0 || !(v = col_add(c, m->name)))
			continue;
		for (size_t i = 0; i < n; i++)
			v[i] = m->n_samples == n ? m->samples[i] : m->stats.median;
	}
	const struct bt_throughput *tp[2] = { &r->throughput, &r->bytes_throughput };
	for (int k = 0; k < 2; k++) {
		double *v;
		if (!tp[k]->unit || !(tp[k]->items_per_op > 0) ||
		    !(v = col_add(c, strcmp(tp[k]->unit, "B/s") == 0 ? "bytes_per_second"
								    : "items_per_second")))
			continue;
		for (size_t i = 0; i < n; i++)
			v[i] = t->samples[i] > 0 ? tp[k]->items_per_op / t->samples[i] : NAN;
	}
	for (size_t k = 0; k < r->n_counters; k++) {
		double *v = col_add(c, r->counters[k].name);
		for (size_t i = 0; v && i < n; i++)
			v[i] = r->counters[k].value;
	}
}

struct ctx {
	json_t *rows;
	const char *name;    /* the gbench name (and run_name) */
	size_t family, instance;
	int oom;
};

/* A row's leading members, as gbench orders them. */
static json_t *row_head(struct ctx *x, const char *name, const char *run_type,
			size_t reps)
{
	json_t *o = json_object();
	if (!o) {
		x->oom = 1;
		return NULL;
	}
	bt__export_set(o, "name", json_string(name), &x->oom);
	bt__export_set(o, "family_index", json_integer((json_int_t)x->family), &x->oom);
	bt__export_set(o, "per_family_instance_index",
		       json_integer((json_int_t)x->instance), &x->oom);
	bt__export_set(o, "run_name", json_string(x->name), &x->oom);
	bt__export_set(o, "run_type", json_string(run_type), &x->oom);
	bt__export_set(o, "repetitions", json_integer((json_int_t)reps), &x->oom);
	return o;
}

/* The times and counters of a row: value j of each column. */
static void row_values(struct ctx *x, json_t *o, json_int_t iterations,
		       const double *val, const struct cols *c)
{
	bt__export_set(o, "iterations", json_integer(iterations), &x->oom);
	bt__export_set(o, "real_time", bt__export_num(val[0]), &x->oom);
	bt__export_set(o, "cpu_time", bt__export_num(val[1]), &x->oom);
	bt__export_set(o, "time_unit", json_string("ns"), &x->oom);
	for (size_t k = 2; k < c->n; k++)
		bt__export_set(o, c->c[k].name, bt__export_num(val[k]), &x->oom);
}

static void error_row(struct ctx *x, const struct bt_result *r)
{
	json_t *o = row_head(x, x->name, "iteration", 1);
	if (!o)
		return;
	bt__export_set(o, "repetition_index", json_integer(0), &x->oom);
	bt__export_set(o, "threads", json_integer(1), &x->oom);
	bt__export_set(o, "error_occurred", json_true(), &x->oom);
	char *msg = bt__pathf("%s%s%s", bt_status_name(r->status), r->message ? ": " : "",
			      r->message ? r->message : "");
	bt__export_set(o, "error_message", msg ? json_string(msg) : NULL, &x->oom);
	free(msg);
	bt__export_set(o, "iterations", json_integer(0), &x->oom);
	bt__export_set(o, "real_time", json_real(0), &x->oom);
	bt__export_set(o, "cpu_time", json_real(0), &x->oom);
	bt__export_set(o, "time_unit", json_string("ns"), &x->oom);
	bt__export_push(x->rows, o, &x->oom);
}

static void result_rows(struct ctx *x, const struct bt_result *r,
			const struct bt_metric *t)
{
	struct cols c = { 0 };
	build_cols(&c, r, t);
	size_t n = t->n_samples;
	double *val = malloc((c.n + 1) * sizeof *val), *tmp = malloc(n * sizeof *tmp);
	if (c.oom || !val || !tmp) {
		x->oom = 1;
		goto out;
	}
	json_int_t iters = r->iterations_per_sample > 0 &&
					   r->iterations_per_sample < (uint64_t)INT64_MAX
				   ? (json_int_t)r->iterations_per_sample
				   : 1;
	for (size_t i = 0; i < n; i++) {
		json_t *o = row_head(x, x->name, "iteration", n);
		if (!o)
			break;
		bt__export_set(o, "repetition_index", json_integer((json_int_t)i), &x->oom);
		bt__export_set(o, "threads", json_integer(1), &x->oom);
		for (size_t k = 0; k < c.n; k++)
			val[k] = c.c[k].v[i];
		row_values(x, o, iters, val, &c);
		bt__export_push(x->rows, o, &x->oom);
	}
	static const char *const aggs[] = { "mean", "median", "stddev", "cv" };
	for (size_t a = 0; n >= 2 && a < 4; a++) {
		for (size_t k = 0; k < c.n; k++) {
			const double *v = c.c[k].v;
			if (a == 1) {
				memcpy(tmp, v, n * sizeof *tmp);
				bt_stats_sort(tmp, n);
			}
			val[k] = a == 0	  ? bt_stats_mean(v, n)
				 : a == 1 ? bt_stats_median_sorted(tmp, n)
				 : a == 2 ? bt_stats_std(v, n)
					  : bt_stats_cv(v, n);
			if (a == 3 && !isfinite(val[k]))
				val[k] = 0; /* gbench: 0 when the mean is 0 */
		}
		char *name = bt__pathf("%s_%s", x->name, aggs[a]);
		json_t *o = name ? row_head(x, name, "aggregate", n) : NULL;
		free(name);
		if (!o) {
			x->oom = 1;
			break;
		}
		bt__export_set(o, "threads", json_integer(1), &x->oom);
		bt__export_set(o, "aggregate_name", json_string(aggs[a]), &x->oom);
		bt__export_set(o, "aggregate_unit", json_string(a == 3 ? "percentage" : "time"),
			       &x->oom);
		row_values(x, o, (json_int_t)n, val, &c);
		bt__export_push(x->rows, o, &x->oom);
	}
out:
	free(val);
	free(tmp);
	cols_release(&c);
}

/* "NAME/k:v/k:v"; malloc'd, NULL when out of memory. */
static char *gbench_name(const struct bt_result *r)
{
	struct bt_strbuf b = BT_STRBUF_INIT;
	struct bt_kv *kv;
	size_t n;
	int rc = bt__export_params(r, &kv, &n) || bt_strbuf_adds(&b, r->name ? r->name : "");
	for (size_t i = 0; !rc && i < n; i++)
		rc = bt_strbuf_addf(&b, "/%s:%s", kv[i].key, kv[i].value ? kv[i].value : "");
	free(kv);
	char *s = rc ? NULL : bt_strbuf_detach(&b);
	bt_strbuf_release(&b);
	return s;
}

static void cache(json_t *a, const char *type, int level, int64_t size, int *oom)
{
	if (size <= 0)
		return;
	json_t *o = json_object();
	bt__export_set(o, "type", json_string(type), oom);
	bt__export_set(o, "level", json_integer(level), oom);
	bt__export_set(o, "size", json_integer(size), oom);
	bt__export_set(o, "num_sharing", json_integer(0), oom); /* not recorded */
	bt__export_push(a, o, oom);
}

static json_t *context(const struct bt_run *run, int *oom)
{
	const struct bt_machine *m = &run->machine;
	char date[64];
	json_t *o = json_object(), *caches = json_array();
	bt__export_time_text(run, "%Y-%m-%dT%H:%M:%S+00:00", date, sizeof date);
	bt__export_set(o, "date", json_string(date), oom);
	bt__export_set(o, "host_name", json_string(m->name ? m->name : ""), oom);
	bt__export_set(o, "executable", json_string(run->suite ? run->suite : ""), oom);
	bt__export_set(o, "num_cpus", json_integer(m->cpu_cores > 0 ? m->cpu_cores : 0), oom);
	bt__export_set(o, "mhz_per_cpu",
		       json_integer(m->cpu_mhz > 0 && m->cpu_mhz < 1e9 ? (json_int_t)m->cpu_mhz : 0),
		       oom);
	bt__export_set(o, "cpu_scaling_enabled",
		       json_boolean(m->governor && strcmp(m->governor, "performance") != 0), oom);
	if (caches) {
		cache(caches, "Data", 1, m->cache_l1d, oom);
		cache(caches, "Unified", 2, m->cache_l2, oom);
		cache(caches, "Unified", 3, m->cache_l3, oom);
	}
	bt__export_set(o, "caches", caches, oom);
	bt__export_set(o, "load_avg", json_array(), oom);
	bt__export_set(o, "library_build_type",
		       json_string(run->build.optimized == 0 ? "debug" : "release"), oom);
	const char *extra[][2] = { { "run_id", run->run_id },
				   { "suite", run->suite },
				   { "benchmark_type", run->benchmark_type },
				   { "commit", run->git.commit },
				   { "branch", run->git.branch } };
	for (size_t i = 0; i < sizeof extra / sizeof *extra; i++)
		if (extra[i][1])
			bt__export_set(o, extra[i][0], json_string(extra[i][1]), oom);
	return o;
}

/* 1 when r is written: it did not run ok, or it has time samples. */
static int exported(const struct bt_result *r)
{
	return r->status != BT_STATUS_OK || bt__export_time(r);
}

int bt__export_gbench(const struct bt_run *run, struct bt_strbuf *out)
{
	struct ctx x = { 0 };
	json_t *root = json_object();
	bt__export_set(root, "context", context(run, &x.oom), &x.oom);
	x.rows = json_array();
	/* family of each result: the first earlier result of its name */
	size_t *fam = calloc(run->n_results + 1, sizeof *fam),
	       *count = calloc(run->n_results + 1, sizeof *count), families = 0;
	if (!fam || !count)
		x.oom = 1;
	for (size_t i = 0; x.rows && !x.oom && i < run->n_results; i++) {
		const struct bt_result *r = &run->results[i];
		if (!exported(r))
			continue;
		const char *nm = r->name ? r->name : "";
		size_t j;
		for (j = 0; j < i; j++)
			if (exported(&run->results[j]) &&
			    strcmp(run->results[j].name ? run->results[j].name : "", nm) == 0)
				break;
		fam[i] = j < i ? fam[j] : families++;
		x.family = fam[i];
		x.instance = count[fam[i]]++;
		char *name = gbench_name(r);
		if (!name) {
			x.oom = 1;
			break;
		}
		x.name = name;
		if (r->status != BT_STATUS_OK)
			error_row(&x, r);
		else
			result_rows(&x, r, bt__export_time(r));
		free(name);
	}
	free(fam);
	free(count);
	bt__export_set(root, "benchmarks", x.rows, &x.oom);
	return bt__export_dump(root, x.oom, out);
}
