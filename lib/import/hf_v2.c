/* The HF benchmark_v2 format (bt__import_hf_v2, import.h). */
#include <stdio.h>
#include <string.h>

#include "import.h"
#include "internal.h"

int bt__import_hf_v2(struct bt_run *run, const json_t *root,
		     struct bt__import_found *f, struct bt_strbuf *why)
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
