/* The seed proposal metadata format (bt__import_seed, import.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "import.h"
#include "internal.h"

/* Run config from a parameters object: "key=value" strings, iteration
 * counts. */
static int config_from(struct bt_run *run, const json_t *params)
{
	struct bt_config *c = &run->config;
	size_t n = json_object_size(params), i = 0;
	if (!n)
		return 0;
	c->params = bt_run_alloc(run, n * sizeof *c->params);
	if (!c->params)
		return BT_ENOMEM;
	const char *key;
	json_t *v;
	int oom = 0;
	json_object_foreach((json_t *)params, key, v) {
		const char *t = bt__imp_jtext(run, v, &oom);
		if (oom)
			return BT_ENOMEM;
		if (!t)
			continue;
		if (!(c->params[i++] = bt_run_printf(run, "%s=%s", key, t)))
			return BT_ENOMEM;
		double x = json_is_number(v) ? json_number_value(v) : -1;
		if (x >= 0 && x < 1e9 && x == floor(x)) {
			if (bt__imp_in_list(key, bt__imp_warm_keys))
				c->warmup_iterations = (int)x;
			else if (bt__imp_in_list(key, bt__imp_meas_keys))
				c->measurement_iterations = (int)x;
		}
	}
	c->n_params = i;
	return 0;
}

/* One seed result row. */
static int seed_row(struct bt_run *run, const json_t *row, const char *name,
		    const json_t *global)
{
	struct bt__rb b;
	bt__rb_init(&b, run);
	const json_t *u = bt__imp_member(row, (const char *const[]){ "unit", "time_unit",
							     "units", NULL });
	const char *hint = json_is_string(u) ? json_string_value(u) : NULL;
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)row, key, v)
		bt__rb_row_member(&b, key, v, hint);
	if (json_is_object(global))
		bt__rb_params(&b, global, 0);
	return bt__rb_finish(&b, name);
}

/* 1 when the results object is one result (flat members or only metric
 * objects), 0 when it maps names to results. */
static int single_result(const json_t *res)
{
	const char *key;
	json_t *v;
	int all_metrics = 1;
	json_object_foreach((json_t *)res, key, v) {
		if (json_is_number(v) || json_is_string(v) || json_is_boolean(v))
			return 1;
		if (!bt__rb_is_metric_object(v))
			all_metrics = 0;
	}
	return all_metrics;
}

int bt__import_seed(struct bt_run *run, const json_t *root,
		    struct bt__import_found *f, struct bt_strbuf *why)
{
	static const char *const ts_keys[] = { "timestamp", "date", "datetime",
		"created_at", "start_time", NULL };
	static const char *const commit_keys[] = { "git_commit", "commit",
		"commit_id", "git_hash", "commit_hash", NULL };
	static const char *const branch_keys[] = { "git_branch", "branch", NULL };
	static const char *const hw_keys[] = { "hardware", "hardware_info",
		"machine", "system", "environment", NULL };
	static const char *const par_keys[] = { "parameters", "params", "config",
		NULL };
	f->format = "seed metadata";
	const json_t *t = json_object_get(root, "benchmark_type");
	if (json_is_string(t))
		f->type = json_string_value(t);
	else if (t && !json_is_null(t))
		return bt_error(why, BT_EUNSUPPORTED, "seed metadata: benchmark_type is not a string");
	f->ts = bt__imp_member(root, ts_keys);
	const json_t *res = json_object_get(root, "results");
	if (!res || json_is_null(res))
		return bt_error(why, BT_EUNSUPPORTED, "seed metadata without results");
	if (!json_is_array(res) && !json_is_object(res))
		return bt_error(why, BT_EUNSUPPORTED, "seed metadata: results is neither an "
				"array nor an object");
	if ((json_is_array(res) ? json_array_size(res) : json_object_size(res)) == 0)
		return bt_error(why, BT_EUNSUPPORTED, "seed metadata with no results (results is empty)");

	int rc;
	const json_t *git = json_object_get(root, "git");
	const json_t *c = bt__imp_member(root, commit_keys);
	if (!c && json_is_object(git))
		c = json_object_get(git, "commit");
	if ((rc = bt__imp_set_commit(run, c)))
		return rc;
	const json_t *br = bt__imp_member(root, branch_keys);
	if (!br && json_is_object(git))
		br = json_object_get(git, "branch");
	if (json_is_string(br) && !(run->git.branch = bt_run_strdup(run, json_string_value(br))))
		return BT_ENOMEM;
	if ((rc = bt__imp_machine(run, bt__imp_member(root, hw_keys))))
		return rc;
	const json_t *params = bt__imp_member(root, par_keys);
	if (!json_is_object(params))
		params = NULL;
	if (params && (rc = config_from(run, params)))
		return rc;

	if (json_is_array(res)) {
		for (size_t i = 0; i < json_array_size(res); i++)
			if (!json_is_object(json_array_get(res, i)))
				return bt_error(why, BT_EUNSUPPORTED, "seed metadata: results[%zu] is "
						"not an object", i);
		for (size_t i = 0; i < json_array_size(res); i++)
			if ((rc = seed_row(run, json_array_get(res, i), "result", params)))
				return rc;
	} else if (single_result(res)) {
		if ((rc = seed_row(run, res, f->type ? f->type : "result", params)))
			return rc;
	} else {
		const char *key;
		json_t *v;
		json_object_foreach((json_t *)res, key, v)
			if (json_is_object(v) && (rc = seed_row(run, v, key, params)))
				return rc;
		if (run->n_results == 0)
			return bt_error(why, BT_EUNSUPPORTED, "seed metadata: results has no "
					"result objects");
	}
	return 0;
}
