/* A run as hyperfine 1.15 writes --export-json (bt__export_hyperfine).
 *
 *   {"results": [{"command", "mean", "stddev", "median", "user", "system",
 *                 "min", "max", "times": [...], "exit_codes": [...],
 *                 "parameters": {...}}]}
 *
 * One entry per result that ran ok with time samples (export.h:
 * bt__export_time), in seconds; other results are left out (hyperfine
 * has no place for a failure). "command" is the result's name (what
 * hyperfine writes: the -n name, else the command text) with "{KEY}"
 * replaced by the value of param KEY, as hyperfine does, "parameters"
 * its params and non-default variant (bt__export_params), left out when
 * there are none, as hyperfine does. "stddev" is null below two samples.
 * "user" and "system" are the means of the "user_time" and "sys_time"
 * metrics (benchtrack exec records them per run), else 0. Exit codes are
 * the samples of the metric "exit_code" (exec --ignore-failure records
 * each run's status when some were non-zero), else 0, except that a
 * result with only the counter "exit_code_nonzero" (K runs exited
 * non-zero) has its last K given as 1. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"

static double metric_mean(const struct bt_result *r, const char *name)
{
	const struct bt_metric *m = bt_result_metric(r, name);
	double v = m && m->n_samples ? bt_stats_mean(m->samples, m->n_samples) : 0.0;
	return isfinite(v) ? v : 0.0;
}

static size_t nonzero_exits(const struct bt_result *r, size_t n)
{
	for (size_t i = 0; i < r->n_counters; i++)
		if (strcmp(r->counters[i].name, "exit_code_nonzero") == 0) {
			double k = r->counters[i].value;
			return !(k > 0) ? 0 : k >= (double)n ? n : (size_t)k;
		}
	return 0;
}

/* r's name with every "{KEY}" of its params replaced by the value, as
 * hyperfine names a command of -L/-P; NULL when out of memory. */
static json_t *command(const struct bt_result *r)
{
	struct bt_strbuf b = BT_STRBUF_INIT;
	int rc = 0;
	for (const char *p = r->name ? r->name : ""; !rc && *p; p++) {
		size_t k, len = 0;
		for (k = 0; *p == '{' && k < r->n_params; k++) {
			len = strlen(r->params[k].key);
			if (strncmp(p + 1, r->params[k].key, len) == 0 && p[1 + len] == '}')
				break;
		}
		if (*p == '{' && k < r->n_params) {
			rc = bt_strbuf_adds(&b, r->params[k].value ? r->params[k].value : "");
			p += len + 1;
		} else {
			rc = bt_strbuf_addc(&b, *p);
		}
	}
	json_t *v = rc ? NULL : json_string(bt_strbuf_str(&b));
	bt_strbuf_release(&b);
	return v;
}

static json_t *entry(const struct bt_result *r, const struct bt_metric *m, int *oom)
{
	json_t *o = json_object();
	if (!o) {
		*oom = 1;
		return NULL;
	}
	size_t n = m->n_samples;
	struct bt_stats st;
	if (bt_stats_summarize(m->samples, n, &st))
		*oom = 1;
	bt__export_set(o, "command", command(r), oom);
	bt__export_set(o, "mean", bt__export_num(st.mean), oom);
	bt__export_set(o, "stddev", n > 1 ? bt__export_num(st.std) : json_null(), oom);
	bt__export_set(o, "median", bt__export_num(st.median), oom);
	bt__export_set(o, "user", json_real(metric_mean(r, "user_time")), oom);
	bt__export_set(o, "system", json_real(metric_mean(r, "sys_time")), oom);
	bt__export_set(o, "min", bt__export_num(st.min), oom);
	bt__export_set(o, "max", bt__export_num(st.max), oom);
	json_t *times = json_array(), *codes = json_array();
	size_t bad = nonzero_exits(r, n);
	const struct bt_metric *ec = bt_result_metric(r, "exit_code");
	if (ec && ec->n_samples != n)
		ec = NULL;
	for (size_t i = 0; times && codes && i < n; i++) {
		bt__export_push(times, bt__export_num(m->samples[i]), oom);
		double c = ec ? ec->samples[i] : i >= n - bad ? 1 : 0;
		bt__export_push(codes, json_integer(isfinite(c) ? (json_int_t)c : 1), oom);
	}
	bt__export_set(o, "times", times, oom);
	bt__export_set(o, "exit_codes", codes, oom);
	struct bt_kv *kv;
	size_t np;
	if (bt__export_params(r, &kv, &np))
		*oom = 1;
	else if (np) {
		json_t *p = json_object();
		for (size_t i = 0; p && i < np; i++)
			bt__export_set(p, kv[i].key, json_string(kv[i].value ? kv[i].value : ""),
				       oom);
		bt__export_set(o, "parameters", p, oom);
	}
	free(kv);
	return o;
}

int bt__export_hyperfine(const struct bt_run *run, struct bt_strbuf *out)
{
	int oom = 0;
	json_t *root = json_object(), *results = json_array();
	for (size_t i = 0; root && results && i < run->n_results; i++) {
		const struct bt_result *r = &run->results[i];
		const struct bt_metric *m = bt__export_time(r);
		if (r->status == BT_STATUS_OK && m)
			bt__export_push(results, entry(r, m, &oom), &oom);
	}
	bt__export_set(root, "results", results, &oom);
	return bt__export_dump(root, oom, out);
}
