/* A run as pytest-benchmark 3.2.2 writes --benchmark-json
 * (bt__export_pytest), so that `python3 -m pytest_benchmark compare`
 * reads it:
 *
 *   {"machine_info": {"node", "processor", "machine", "release",
 *                     "system", "cpu": {"brand", "count", "arch"}},
 *    "commit_info": {"id", "time", "author_time", "dirty", "project",
 *                    "branch"},
 *    "benchmarks": [{"group", "name", "fullname", "params", "param",
 *                    "extra_info", "options", "stats": {"min", "max",
 *                    "mean", "stddev", "rounds", "median", "iqr", "q1",
 *                    "q3", "iqr_outliers", "stddev_outliers", "outliers",
 *                    "ld15iqr", "hd15iqr", "ops", "total", "data",
 *                    "iterations"}}],
 *    "datetime", "version": "3.2.2"}
 *
 * One benchmark per result that ran ok with time samples (export.h:
 * bt__export_time; pytest-benchmark leaves failed tests out of its JSON
 * too): "data" are the samples (seconds per iteration, as pytest-
 * benchmark's), the other stats computed from them as pytest-benchmark's
 * Stats class computes them (its quartiles, outlier counts, ops = rounds
 * / total). name is "NAME[ID]" with ID the param values joined by '-' as
 * pytest's parametrize ids, fullname "SUITE::NAME[ID]", params the params
 * and the non-default variant (bt__export_params: numbers as JSON
 * numbers when the text is one that reads back the same, else strings),
 * null without any. extra_info holds the other metrics, each as
 * {"unit", "median", "samples": [...]}, and the counters. machine_info has
 * what a run knows of the machine (no Python fields: there is no
 * interpreter); commit_info id is "unversioned" without a commit, as
 * pytest-benchmark writes it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "internal.h"

/* pytest-benchmark's Stats (pytest_benchmark/stats.py) over sorted d. */
static double quartile(const double *d, size_t n, int third)
{
	if (n == 1)
		return d[0];
	if (n % 2) { /* method 3 */
		size_t k = n / 4, q = n % 4;
		if (!third)
			return q == 1 ? 0.25 * d[k - 1] + 0.75 * d[k] : 0.75 * d[k] + 0.25 * d[k + 1];
		return q == 1 ? 0.75 * d[3 * k] + 0.25 * d[3 * k + 1]
			      : 0.25 * d[3 * k + 1] + 0.75 * d[3 * k + 2];
	}
	/* method 2: the median of the lower or upper half */
	return third ? bt_stats_median_sorted(d + n / 2, n / 2) : bt_stats_median_sorted(d, n / 2);
}

static json_t *stats(const struct bt_metric *m, uint64_t iterations, int *oom)
{
	size_t n = m->n_samples;
	double *d = malloc(n * sizeof *d);
	json_t *o = json_object(), *data = json_array();
	if (!d || !o || !data) {
		free(d);
		json_decref(o);
		json_decref(data);
		*oom = 1;
		return NULL;
	}
	memcpy(d, m->samples, n * sizeof *d);
	bt_stats_sort(d, n);
	double total = 0;
	for (size_t i = 0; i < n; i++) {
		total += m->samples[i];
		bt__export_push(data, bt__export_num(m->samples[i]), oom);
	}
	double mean = bt_stats_mean(d, n), sd = n > 1 ? bt_stats_std(d, n) : 0;
	double q1 = quartile(d, n, 0), q3 = quartile(d, n, 1), iqr = q3 - q1;
	size_t sd_out = 0, iqr_out = 0;
	for (size_t i = 0; i < n; i++) {
		sd_out += d[i] < mean - sd || d[i] > mean + sd;
		iqr_out += d[i] < q1 - 1.5 * iqr || d[i] > q3 + 1.5 * iqr;
	}
	/* ld15iqr: the lowest datum >= q1 - 1.5 iqr (bisect_left); hd15iqr:
	 * the datum after the last <= q3 + 1.5 iqr (bisect_right), else the
	 * highest, as pytest-benchmark has it */
	size_t lo = 0, hi = 0;
	while (lo < n && d[lo] < q1 - 1.5 * iqr)
		lo++;
	while (hi < n && d[hi] <= q3 + 1.5 * iqr)
		hi++;
	double ld = n == 1 ? d[0] : d[lo < n ? lo : n - 1];
	double hd = n == 1 ? d[0] : d[hi < n ? hi : n - 1];
	char outliers[48];
	snprintf(outliers, sizeof outliers, "%zu;%zu", sd_out, iqr_out);
	bt__export_set(o, "min", bt__export_num(d[0]), oom);
	bt__export_set(o, "max", bt__export_num(d[n - 1]), oom);
	bt__export_set(o, "mean", bt__export_num(mean), oom);
	bt__export_set(o, "stddev", bt__export_num(sd), oom);
	bt__export_set(o, "rounds", json_integer((json_int_t)n), oom);
	bt__export_set(o, "median", bt__export_num(bt_stats_median_sorted(d, n)), oom);
	bt__export_set(o, "iqr", bt__export_num(iqr), oom);
	bt__export_set(o, "q1", bt__export_num(q1), oom);
	bt__export_set(o, "q3", bt__export_num(q3), oom);
	bt__export_set(o, "iqr_outliers", json_integer((json_int_t)iqr_out), oom);
	bt__export_set(o, "stddev_outliers", json_integer((json_int_t)sd_out), oom);
	bt__export_set(o, "outliers", json_string(outliers), oom);
	bt__export_set(o, "ld15iqr", bt__export_num(ld), oom);
	bt__export_set(o, "hd15iqr", bt__export_num(hd), oom);
	bt__export_set(o, "ops", bt__export_num(total ? (double)n / total : 0), oom);
	bt__export_set(o, "total", bt__export_num(total), oom);
	bt__export_set(o, "data", data, oom);
	bt__export_set(o, "iterations",
		       json_integer(iterations > 0 && iterations < (uint64_t)INT64_MAX
					    ? (json_int_t)iterations
					    : 1),
		       oom);
	free(d);
	return o;
}

/* A param value as JSON: a number when s is the text the number reads
 * back as (bt__csv_number's), else the string. */
static json_t *param_value(const char *s, struct bt_strbuf *tmp)
{
	char *end;
	double v = s && *s ? strtod(s, &end) : NAN;
	bt_strbuf_reset(tmp);
	if (!isfinite(v) || *end || bt__csv_number(tmp, v) || strcmp(bt_strbuf_str(tmp), s))
		return json_string(s ? s : "");
	if (v == floor(v) && fabs(v) < 9007199254740992.0 && !strpbrk(s, ".eE"))
		return json_integer((json_int_t)v);
	return json_real(v);
}

static json_t *extra_info(const struct bt_result *r, const struct bt_metric *t, int *oom)
{
	json_t *o = json_object();
	for (size_t k = 0; o && k < r->n_metrics; k++) {
		const struct bt_metric *m = &r->metrics[k];
		if (m == t || m->n_samples == 0 || json_object_get(o, m->name))
			continue;
		json_t *mo = json_object(), *samples = json_array();
		for (size_t i = 0; samples && i < m->n_samples; i++)
			bt__export_push(samples, bt__export_num(m->samples[i]), oom);
		bt__export_set(mo, "unit", json_string(m->unit ? m->unit : ""), oom);
		bt__export_set(mo, "median", bt__export_num(m->stats.median), oom);
		bt__export_set(mo, "samples", samples, oom);
		bt__export_set(o, m->name, mo, oom);
	}
	for (size_t k = 0; o && k < r->n_counters; k++)
		if (!json_object_get(o, r->counters[k].name))
			bt__export_set(o, r->counters[k].name, bt__export_num(r->counters[k].value),
				       oom);
	return o;
}

static json_t *options(const struct bt_run *run, int *oom)
{
	const struct bt_config *c = &run->config;
	json_t *o = json_object();
	bt__export_set(o, "disable_gc", json_false(), oom);
	bt__export_set(o, "timer", json_string(c->clock ? c->clock : "CLOCK_MONOTONIC"), oom);
	bt__export_set(o, "min_rounds", json_integer(c->measurement_iterations), oom);
	bt__export_set(o, "max_time", bt__export_num(c->time_budget), oom);
	bt__export_set(o, "min_time", bt__export_num(c->min_sample_time), oom);
	bt__export_set(o, "warmup", json_boolean(c->warmup_iterations > 0), oom);
	return o;
}

static json_t *benchmark(const struct bt_run *run, const struct bt_result *r,
			 const struct bt_metric *t, int *oom)
{
	struct bt_strbuf id = BT_STRBUF_INIT, name = BT_STRBUF_INIT, tmp = BT_STRBUF_INIT;
	struct bt_kv *kv = NULL;
	size_t np = 0;
	json_t *o = json_object(), *params = NULL;
	if (bt__export_params(r, &kv, &np))
		*oom = 1;
	if (np)
		params = json_object();
	for (size_t i = 0; i < np; i++) {
		const char *v = kv[i].value ? kv[i].value : "";
		if (bt_strbuf_addf(&id, "%s%s", i ? "-" : "", v))
			*oom = 1;
		bt__export_set(params, kv[i].key, param_value(v, &tmp), oom);
	}
	if (bt_strbuf_adds(&name, r->name ? r->name : "") ||
	    (np && bt_strbuf_addf(&name, "[%s]", bt_strbuf_str(&id))))
		*oom = 1;
	bt__export_set(o, "group", r->group ? json_string(r->group) : json_null(), oom);
	bt__export_set(o, "name", json_string(bt_strbuf_str(&name)), oom);
	bt_strbuf_reset(&tmp);
	if (bt_strbuf_addf(&tmp, "%s::%s", run->suite ? run->suite : "benchtrack",
			   bt_strbuf_str(&name)))
		*oom = 1;
	bt__export_set(o, "fullname", json_string(bt_strbuf_str(&tmp)), oom);
	bt__export_set(o, "params", params ? params : json_null(), oom);
	bt__export_set(o, "param", np ? json_string(bt_strbuf_str(&id)) : json_null(), oom);
	bt__export_set(o, "extra_info", extra_info(r, t, oom), oom);
	bt__export_set(o, "options", options(run, oom), oom);
	bt__export_set(o, "stats", stats(t, r->iterations_per_sample, oom), oom);
	free(kv);
	bt_strbuf_release(&id);
	bt_strbuf_release(&name);
	bt_strbuf_release(&tmp);
	return o;
}

static json_t *machine_info(const struct bt_run *run, int *oom)
{
	const struct bt_machine *m = &run->machine;
	json_t *o = json_object(), *cpu = json_object();
	bt__export_set(o, "node", json_string(m->name ? m->name : ""), oom);
	bt__export_set(o, "processor", json_string(m->arch ? m->arch : ""), oom);
	bt__export_set(o, "machine", json_string(m->arch ? m->arch : ""), oom);
	bt__export_set(o, "release", json_string(m->kernel ? m->kernel : ""), oom);
	bt__export_set(o, "system", json_string(m->kernel ? "Linux" : ""), oom);
	bt__export_set(cpu, "brand", json_string(m->cpu_model ? m->cpu_model : ""), oom);
	bt__export_set(cpu, "count", json_integer(m->cpu_cores > 0 ? m->cpu_cores : 0), oom);
	bt__export_set(cpu, "arch", json_string(m->arch ? m->arch : ""), oom);
	bt__export_set(o, "cpu", cpu, oom);
	return o;
}

static json_t *commit_info(const struct bt_run *run, int *oom)
{
	const struct bt_git *g = &run->git;
	json_t *o = json_object();
	bt__export_set(o, "id", json_string(g->commit ? g->commit : "unversioned"), oom);
	bt__export_set(o, "time", g->commit_time ? json_string(g->commit_time) : json_null(),
		       oom);
	bt__export_set(o, "author_time", json_null(), oom);
	bt__export_set(o, "dirty", json_boolean(g->dirty == 1), oom);
	bt__export_set(o, "project", json_string(run->suite ? run->suite : ""), oom);
	bt__export_set(o, "branch", json_string(g->branch ? g->branch : "(unknown)"), oom);
	return o;
}

int bt__export_pytest(const struct bt_run *run, struct bt_strbuf *out)
{
	int oom = 0;
	char when[64];
	json_t *root = json_object(), *list = json_array();
	bt__export_set(root, "machine_info", machine_info(run, &oom), &oom);
	bt__export_set(root, "commit_info", commit_info(run, &oom), &oom);
	for (size_t i = 0; list && !oom && i < run->n_results; i++) {
		const struct bt_result *r = &run->results[i];
		const struct bt_metric *t = bt__export_time(r);
		if (r->status == BT_STATUS_OK && t)
			bt__export_push(list, benchmark(run, r, t, &oom), &oom);
	}
	bt__export_set(root, "benchmarks", list, &oom);
	bt__export_time_text(run, "%Y-%m-%dT%H:%M:%S", when, sizeof when);
	bt__export_set(root, "datetime", json_string(when), &oom);
	bt__export_set(root, "version", json_string("3.2.2"), &oom);
	return bt__export_dump(root, oom, out);
}
