/* The HF benchmark_v2 formats (import.h): the seed's document, read by
 * organize (bt__import_hf_v2) and import, and the transformers runner's
 * result lines (bt__import_hf_v2_import). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchtrack/import.h"

#include "import.h"
#include "internal.h"

/* git.branch from br, a non-empty string (anything else: none). */
static int set_branch(struct bt_run *run, const json_t *br)
{
	if (!json_is_string(br) || !*json_string_value(br))
		return 0;
	run->git.branch = bt_run_strdup(run, json_string_value(br));
	return run->git.branch ? 0 : BT_ENOMEM;
}

/* The seed's document; source: keep the file's statistics as counters. */
static int hf_doc(struct bt_run *run, const json_t *root,
		  struct bt__import_found *f, struct bt_strbuf *why, int source)
{
	static const char *const skip_cfg[] = { "name", "model_id",
		"warmup_iterations", "measurement_iterations", NULL };
	f->format = "HF benchmark_v2";
	const json_t *sc = json_object_get(root, "benchmark_scenarios");
	size_t n = json_array_size(sc);
	if (n == 0)
		return bt_error(why, BT_EUNSUPPORTED, "HF benchmark_v2 with no scenarios");
	for (size_t i = 0; i < n; i++)
		if (!json_is_object(json_array_get(sc, i)))
			return bt_error(why, BT_EUNSUPPORTED, "HF benchmark_v2: benchmark_scenarios[%zu] "
					"is not an object", i);
	const json_t *model = json_object_get(root, "model_name");
	const char *model_name = json_is_string(model) ? json_string_value(model) : NULL;
	const json_t *meta0 = json_object_get(json_array_get(sc, 0), "metadata");
	if (!json_is_object(meta0))
		meta0 = NULL;
	const json_t *ts = meta0 ? json_object_get(meta0, "timestamp") : NULL;
	f->ts = ts && !json_is_null(ts) ? ts : json_object_get(root, "timestamp");
	if (f->ts && json_is_null(f->ts))
		f->ts = NULL;
	const json_t *t = json_object_get(root, "benchmark_type");
	if (json_is_string(t))
		f->type = json_string_value(t);
	static const char *const commit_keys[] = { "commit_id", "git_commit",
		"commit", NULL };
	const json_t *c = meta0 ? bt__imp_member(meta0, commit_keys) : NULL;
	int rc;
	if ((rc = bt__imp_set_commit(run, c ? c : bt__imp_member(root, commit_keys))))
		return rc;
	/* the branch as the runner and benchtrack-upload write it */
	static const char *const branch_keys[] = { "branch_name", "branch", NULL };
	const json_t *br = meta0 ? bt__imp_member(meta0, branch_keys) : NULL;
	if ((rc = set_branch(run, br ? br : bt__imp_member(root, branch_keys))))
		return rc;
	const json_t *hwo = meta0 ? json_object_get(meta0, "hardware_info") : NULL;
	if ((rc = bt__imp_machine(run, hwo ? hwo : json_object_get(root, "hardware_info"))))
		return rc;
	const json_t *cfg0 = meta0 ? json_object_get(meta0, "config") : NULL;
	if (json_is_object(cfg0)) {
		const json_t *w = json_object_get(cfg0, "warmup_iterations");
		const json_t *m = json_object_get(cfg0, "measurement_iterations");
		if (json_is_integer(w) && json_integer_value(w) >= 0 &&
		    json_integer_value(w) < 1000000000)
			run->config.warmup_iterations = (int)json_integer_value(w);
		if (json_is_integer(m) && json_integer_value(m) >= 0 &&
		    json_integer_value(m) < 1000000000)
			run->config.measurement_iterations = (int)json_integer_value(m);
	}
	for (size_t i = 0; i < n; i++) {
		const json_t *s = json_array_get(sc, i);
		struct bt__rb b;
		bt__rb_init(&b, run);
		b.source_stats = source;
		const json_t *nm = json_object_get(s, "scenario_name");
		if (!json_is_string(nm))
			nm = json_object_get(s, "name");
		if (json_is_string(nm) &&
		    !(b.name = bt_run_strdup(run, json_string_value(nm))))
			b.oom = 1;
		if (model_name) {
			const char *mv = bt_run_strdup(run, model_name);
			if (!mv)
				b.oom = 1;
			bt__rb_param(&b, "model", mv, 1);
		}
		const json_t *meta = json_object_get(s, "metadata");
		const json_t *cfg = json_is_object(meta) ? json_object_get(meta, "config") : NULL;
		const char *key;
		json_t *v;
		if (json_is_object(cfg))
			json_object_foreach((json_t *)cfg, key, v)
				if (!bt__imp_in_list(key, skip_cfg) && !json_is_null(v))
					bt__rb_param(&b, key, bt__imp_jtext(run, v, &b.oom), 0);
		const json_t *ms = json_object_get(s, "measurements");
		if (!json_is_object(ms))
			ms = json_object_get(s, "metrics");
		if (json_is_object(ms))
			bt__rb_metrics(&b, ms, NULL);
		const json_t *gm = json_object_get(s, "gpu_metrics");
		if (json_is_object(gm))
			json_object_foreach((json_t *)gm, key, v)
				if (json_is_number(v))
					bt__rb_counter(&b, key, json_number_value(v));
		const json_t *e = json_object_get(s, "error");
		if (json_is_string(e)) {
			b.status = BT_STATUS_FAILED;
			b.message = bt_run_strdup(run, json_string_value(e));
		}
		char fallback[32];
		snprintf(fallback, sizeof fallback, "scenario%zu", i + 1);
		if ((rc = bt__rb_finish(&b, fallback)))
			return rc;
	}
	return 0;
}

int bt__import_hf_v2(struct bt_run *run, const json_t *root,
		     struct bt__import_found *f, struct bt_strbuf *why)
{
	return hf_doc(run, root, f, why, 0);
}

/* --- `benchtrack import`: the document and the runner's lines ------------ */

/* One result line of the runner: {"benchmark_config_hash", "config",
 * "measurements", "metadata"}. */
static int is_line(const json_t *o)
{
	return json_is_object(o) && json_is_object(json_object_get(o, "config")) &&
	       json_object_get(o, "measurements") &&
	       (json_object_get(o, "benchmark_config_hash") ||
		json_is_object(json_object_get(o, "metadata")));
}

/* The runner's own file: {HASH: {"metadata", "measurements", "config"}}. */
static int is_hash_doc(const json_t *root)
{
	const char *k;
	json_t *v;
	if (!json_is_object(root) || json_object_size(root) == 0)
		return 0;
	json_object_foreach((json_t *)root, k, v)
		if (!is_line(v))
			return 0;
	return 1;
}

int bt__sniff_hf_v2_import(const json_t *root)
{
	if (json_is_array(root))
		return json_array_size(root) > 0 && is_line(json_array_get(root, 0));
	if (!json_is_object(root))
		return 0;
	return json_is_array(json_object_get(root, "benchmark_scenarios")) ||
	       (is_line(root) && json_object_get(root, "benchmark_config_hash")) ||
	       is_hash_doc(root);
}

/* The seed's document, checked first: scenarios that are objects, sample
 * arrays of numbers. */
static int read_doc(struct bt_run *run, const json_t *root, const char *label,
		    struct bt_import_info *info, struct bt_strbuf *err)
{
	const json_t *sc = json_object_get(root, "benchmark_scenarios");
	if (json_array_size(sc) == 0)
		return bt_error(err, BT_ESCHEMA, "%s: benchmark_scenarios: empty", label);
	for (size_t i = 0; i < json_array_size(sc); i++) {
		const json_t *s = json_array_get(sc, i);
		if (!json_is_object(s))
			return bt_error(err, BT_ESCHEMA, "%s: benchmark_scenarios[%zu]: "
					"not an object", label, i);
		const char *mk = "measurements";
		const json_t *ms = json_object_get(s, mk);
		if (!ms) {
			mk = "metrics";
			ms = json_object_get(s, mk);
		}
		if (ms && !json_is_object(ms))
			return bt_error(err, BT_ESCHEMA, "%s: benchmark_scenarios[%zu].%s: "
					"not an object", label, i, mk);
		const char *key;
		json_t *v;
		json_object_foreach((json_t *)ms, key, v) {
			/* the file's own statistics, read by the legacy reader when
			 * they are numbers: anything else is a broken file */
			static const char *const stat_keys[] = { "mean", "median", "std",
				"stddev", "min", "max", "p50", "p90", "p95", "p99", NULL };
			for (size_t k = 0; json_is_object(v) && stat_keys[k]; k++) {
				const json_t *st = json_object_get(v, stat_keys[k]);
				if (st && !json_is_null(st) && (!json_is_number(st) ||
								!isfinite(json_number_value(st))))
					return bt_error(err, BT_ESCHEMA, "%s: benchmark_scenarios"
							"[%zu].%s.%s.%s: not a number", label, i,
							mk, key, stat_keys[k]);
			}
			const json_t *a = json_is_object(v) ? json_object_get(v, "measurements")
							    : json_is_array(v) ? v : NULL;
			if (!a)
				continue;
			char path[256];
			snprintf(path, sizeof path, "benchmark_scenarios[%zu].%s.%s%s", i, mk,
				 key, json_is_object(v) ? ".measurements" : "");
			struct bt__imp_vec x = { 0 };
			int rc = bt__imp_numbers(a, 0, NULL, &x, label, path, err);
			free(x.x);
			if (rc)
				return rc;
		}
	}
	struct bt__import_found f = { 0 };
	struct bt_strbuf why = BT_STRBUF_INIT;
	int rc = hf_doc(run, root, &f, &why, 1);
	if (rc == BT_EUNSUPPORTED)
		rc = bt_error(err, BT_ESCHEMA, "%s: %s", label, bt_strbuf_str(&why));
	bt_strbuf_release(&why);
	if (rc)
		return rc;
	if (f.type && !(run->benchmark_type = bt_run_strdup(run, f.type)))
		return BT_ENOMEM;
	if ((rc = bt__imp_set_timestamp(run, f.ts)) < 0)
		return rc;
	return 0;
}

/* A metric of a line: the numbers of measurements.KEY, token lists
 * flattened, nulls skipped. */
static int line_metric(struct bt_run *run, const json_t *ms, const char *key,
		       const char *name, const char *at, const char *label,
		       struct bt__imp_vec *x, struct bt_strbuf *err)
{
	const json_t *a = json_object_get(ms, key);
	x->n = 0;
	if (!a || json_is_null(a))
		return 0;
	char path[320];
	snprintf(path, sizeof path, "%s%smeasurements.%s", at, *at ? "." : "", key);
	size_t nulls = 0;
	int rc = bt__imp_numbers(a, 1, &nulls, x, label, path, err);
	if (rc || x->n == 0)
		return rc;
	struct bt_result *r = bt__imp_last_result(run);
	return bt__imp_add_metric(run, r, name, "s", BT_LOWER_IS_BETTER, x->x, x->n);
}

/* The GPU monitor's samples of a line as counters: the mean utilization
 * (%) and the most memory used (GB), over every iteration. */
static void line_gpu(struct bt__rb *b, const json_t *gm)
{
	double sum = 0, peak = -1;
	size_t n = 0;
	for (size_t i = 0; i < json_array_size(gm); i++) {
		const json_t *g = json_array_get(gm, i);
		const json_t *u = json_object_get(g, "utilization");
		const json_t *m = json_object_get(g, "memory_used");
		for (size_t j = 0; j < json_array_size(u); j++)
			if (json_is_number(json_array_get(u, j))) {
				sum += json_number_value(json_array_get(u, j));
				n++;
			}
		for (size_t j = 0; j < json_array_size(m); j++)
			if (json_is_number(json_array_get(m, j)) &&
			    json_number_value(json_array_get(m, j)) > peak)
				peak = json_number_value(json_array_get(m, j));
	}
	if (n)
		bt__rb_counter(b, "gpu_utilization_mean_pct", sum / (double)n);
	if (peak >= 0)
		bt__rb_counter(b, "gpu_memory_used_max_gb", peak);
}

/* One line (at: "[3]" or the hash member's key, for messages). The first
 * line's metadata is the run's context; its config, the iteration counts. */
static int read_line(struct bt_run *run, const json_t *o, const char *at,
		     const char *label, int first, struct bt_strbuf *err)
{
	static const char *const skip_cfg[] = { "name", "model_id",
		"warmup_iterations", "measurement_iterations", NULL };
	if (!json_is_object(o))
		return bt_error(err, BT_ESCHEMA, "%s: %s: not an object", label, at);
	const json_t *cfg = json_object_get(o, "config");
	const json_t *ms = json_object_get(o, "measurements");
	const json_t *meta = json_object_get(o, "metadata");
	if (!json_is_object(cfg))
		return bt_error(err, BT_ESCHEMA, "%s: %s%sconfig: %s", label, at,
				*at ? "." : "", cfg ? "not an object" : "missing");
	if (!json_is_object(ms))
		return bt_error(err, BT_ESCHEMA, "%s: %s%smeasurements: %s", label, at,
				*at ? "." : "", ms ? "not an object" : "missing");
	if (meta && !json_is_null(meta) && !json_is_object(meta))
		return bt_error(err, BT_ESCHEMA, "%s: %s%smetadata: not an object", label,
				at, *at ? "." : "");
	int rc;
	if (first && json_is_object(meta)) {
		if ((rc = bt__imp_set_commit(run, json_object_get(meta, "commit_id"))) ||
		    (rc = bt__imp_machine(run, json_object_get(meta, "hardware_info"))))
			return rc;
		if ((rc = set_branch(run, json_object_get(meta, "branch_name"))))
			return rc;
		if ((rc = bt__imp_set_timestamp(run, json_object_get(meta, "timestamp"))) < 0)
			return rc;
	}
	if (first) {
		const json_t *w = json_object_get(cfg, "warmup_iterations");
		const json_t *m = json_object_get(cfg, "measurement_iterations");
		if (json_is_integer(w) && json_integer_value(w) >= 0 &&
		    json_integer_value(w) < 1000000000)
			run->config.warmup_iterations = (int)json_integer_value(w);
		if (json_is_integer(m) && json_integer_value(m) >= 0 &&
		    json_integer_value(m) < 1000000000)
			run->config.measurement_iterations = (int)json_integer_value(m);
	}
	struct bt__rb b;
	bt__rb_init(&b, run);
	const json_t *model = json_is_object(meta) ? json_object_get(meta, "model_id") : NULL;
	if (!json_is_string(model))
		model = json_object_get(cfg, "model_id");
	if (json_is_string(model) && !(b.name = bt_run_strdup(run, json_string_value(model))))
		b.oom = 1;
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)cfg, key, v) {
		if (bt__imp_in_list(key, skip_cfg) || json_is_null(v) ||
		    ((json_is_object(v) || json_is_array(v)) &&
		     json_object_size(v) + json_array_size(v) == 0))
			continue;
		bt__rb_param(&b, key, bt__imp_jtext(run, v, &b.oom), 1);
	}
	const json_t *ok = json_is_object(meta) ? json_object_get(meta, "success") : NULL;
	if (json_is_false(ok)) {
		b.status = BT_STATUS_FAILED;
		b.message = bt_run_strdup(run, "the runner reported a failure "
					   "(metadata.success false)");
	}
	line_gpu(&b, json_object_get(ms, "gpu_metrics"));
	if ((rc = bt__rb_finish(&b, "model")))
		return rc;
	struct bt__imp_vec x = { 0 };
	rc = line_metric(run, ms, "e2e_latency", "time", at, label, &x, err);
	size_t n_e2e = x.n;
	/* tokens/s of each iteration, as the runner prints it */
	const json_t *bs = json_object_get(cfg, "batch_size");
	const json_t *nt = json_object_get(cfg, "num_tokens_to_generate");
	if (!rc && n_e2e && json_is_integer(bs) && json_is_integer(nt) &&
	    json_integer_value(bs) > 0 && json_integer_value(nt) > 0) {
		double tokens = (double)json_integer_value(bs) * (double)json_integer_value(nt);
		int positive = 1;
		for (size_t i = 0; i < n_e2e; i++) {
			positive &= x.x[i] > 0;
			x.x[i] = tokens / x.x[i];
		}
		struct bt_result *r = bt__imp_last_result(run);
		if (positive) {
			rc = bt__imp_add_metric(run, r, "throughput", "tokens/s",
						BT_HIGHER_IS_BETTER, x.x, n_e2e);
			r = bt__imp_last_result(run);
			if (!rc) {
				r->throughput.value = r->metrics[r->n_metrics - 1].stats.median;
				r->throughput.unit = r->metrics[r->n_metrics - 1].unit;
				r->throughput.items_per_op = tokens;
			}
		}
	}
	if (!rc)
		rc = line_metric(run, ms, "time_to_first_token", "time_to_first_token", at,
				 label, &x, err);
	if (!rc)
		rc = line_metric(run, ms, "inter_token_latency", "inter_token_latency", at,
				 label, &x, err);
	free(x.x);
	struct bt_result *r = bt__imp_last_result(run);
	if (!rc && n_e2e == 0 && r->status == BT_STATUS_OK) {
		r->status = BT_STATUS_FAILED;
		if (!(r->message = bt_run_strdup(run, "no measurements "
						   "(measurements.e2e_latency is empty)")))
			rc = BT_ENOMEM;
	}
	return rc;
}

int bt__import_hf_v2_import(struct bt_run *run, const json_t *root, const char *label,
			    struct bt_import_info *info, struct bt_strbuf *err)
{
	int rc = 0;
	if (json_is_object(root) && json_object_get(root, "benchmark_scenarios")) {
		rc = read_doc(run, root, label, info, err);
	} else if (json_is_object(root) && is_line(root)) {
		rc = read_line(run, root, "", label, 1, err);
	} else if (is_hash_doc(root)) {
		const char *key;
		json_t *v;
		int first = 1;
		json_object_foreach((json_t *)root, key, v) {
			if ((rc = read_line(run, v, key, label, first, err)))
				break;
			first = 0;
		}
	} else if (json_is_array(root)) {
		if (json_array_size(root) == 0)
			return bt_error(err, BT_ESCHEMA, "%s: no result lines", label);
		for (size_t i = 0; !rc && i < json_array_size(root); i++) {
			char at[32];
			snprintf(at, sizeof at, "[%zu]", i);
			rc = read_line(run, json_array_get(root, i), at, label, i == 0, err);
		}
	} else {
		return bt_error(err, BT_ESCHEMA, "%s: neither benchmark_scenarios nor "
				"benchmark_v2 result lines (config, measurements)", label);
	}
	if (!rc)
		bt__imp_context_found(run, info);
	return rc ? rc : bt__imp_unique_names(run, 0);
}
