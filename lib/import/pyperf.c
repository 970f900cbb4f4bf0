/* pyperf's JSON (bt__import_pyperf, import.h), as pyperf writes it with
 * -o FILE and documents in doc/api.rst "pyperf JSON format":
 *
 *   {"version": "1.0", "metadata": {common to every benchmark},
 *    "benchmarks": [{"metadata": {"name", "unit", ... common to its runs},
 *                    "runs": [{"metadata": {"date", "duration", "loops",
 *                                           ...},
 *                              "warmups": [[loops, value], ...],
 *                              "values": [value, ...]}, ...]}]}
 *
 * Metadata merge run over benchmark over file. Values are already per
 * loop iteration (the raw timing divided by loops x inner_loops); warmups
 * are not samples; a run with warmups alone is a calibration run. The
 * unit is "second" (default), "byte" or "integer". Format versions 6
 * (pyperf 0.9.6) and 5 (0.8.3, values under "samples") are read too. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "import.h"
#include "internal.h"
#include "benchtrack/import.h"

int bt__sniff_pyperf(const json_t *root)
{
	if (!json_is_object(root) || json_object_get(root, "context") ||
	    json_object_get(root, "machine_info") || !json_object_get(root, "version"))
		return 0;
	const json_t *b0 = json_array_get(json_object_get(root, "benchmarks"), 0);
	return json_is_object(b0) && json_is_array(json_object_get(b0, "runs"));
}

/* key in the first of the metadata objects that has it (run, benchmark,
 * file; NULL ones skipped). */
static const json_t *md(const char *key, const json_t *a, const json_t *b,
			const json_t *c)
{
	const json_t *o[3] = { a, b, c };
	for (int i = 0; i < 3; i++) {
		const json_t *v = json_object_get(o[i], key);
		if (v && !json_is_null(v))
			return v;
	}
	return NULL;
}

/* A metadata member that must be an object when present. */
static int md_object(const json_t *o, const char *label, const char *path,
		     const json_t **out, struct bt_strbuf *err)
{
	const json_t *m = json_object_get(o, "metadata");
	*out = NULL;
	if (!m || json_is_null(m))
		return 0;
	if (!json_is_object(m))
		return bt_error(err, BT_ESCHEMA, "%s: %smetadata: not an object", label, path);
	*out = m;
	return 0;
}

/* The machine from pyperf's metadata names. */
static int context(struct bt_run *run, const json_t *rmd, const json_t *bmd,
		   const json_t *root_md)
{
	static const char *const map[][2] = { { "hostname", "hostname" },
		{ "cpu_model_name", "cpu_model" }, { "cpu_count", "cpu_count" },
		{ "platform", "os" } };
	json_t *hw = json_object();
	int bad = !hw;
	for (size_t i = 0; !bad && i < sizeof map / sizeof *map; i++) {
		const json_t *v = md(map[i][0], rmd, bmd, root_md);
		if (v)
			bad = json_object_set_new(hw, map[i][1], json_deep_copy(v));
	}
	int rc = bad ? BT_ENOMEM : bt__imp_machine(run, hw);
	json_decref(hw);
	if (!rc)
		rc = bt__imp_set_commit(run, md("commit_id", rmd, bmd, root_md));
	const json_t *br = md("commit_branch", rmd, bmd, root_md);
	if (!rc && json_is_string(br) &&
	    !(run->git.branch = bt_run_strdup(run, json_string_value(br))))
		rc = BT_ENOMEM;
	return rc;
}

/* A positive whole number of metadata (loops, inner_loops), else 1. */
static double whole(const json_t *v)
{
	return json_is_integer(v) && json_integer_value(v) > 0
		? (double)json_integer_value(v) : 1;
}

/* One benchmark: a result with every run's values as samples. */
static int benchmark(struct bt_run *run, const json_t *b, size_t i, int v6,
		     const json_t *root_md, const char *label, time_t *first,
		     struct bt_import_info *info, struct bt_strbuf *err)
{
	char at[48];
	snprintf(at, sizeof at, "benchmarks[%zu].", i);
	if (!json_is_object(b))
		return bt_error(err, BT_ESCHEMA, "%s: benchmarks[%zu]: not an object", label, i);
	const json_t *bmd;
	int rc = md_object(b, label, at, &bmd, err);
	if (rc)
		return rc;
	const json_t *runs = json_object_get(b, "runs");
	if (!json_is_array(runs))
		return bt_error(err, BT_ESCHEMA, "%s: %sruns: %s", label, at,
				runs ? "not an array" : "missing");
	const json_t *nm = md("name", NULL, bmd, root_md);
	if (nm && !json_is_string(nm))
		return bt_error(err, BT_ESCHEMA, "%s: %smetadata.name: not a string", label, at);
	const json_t *un = md("unit", NULL, bmd, root_md);
	const char *unit = json_is_string(un) ? json_string_value(un) : "second";
	const char *metric, *mu;
	if (un && !json_is_string(un))
		return bt_error(err, BT_ESCHEMA, "%s: %smetadata.unit: not a string", label, at);
	if (!strcmp(unit, "second"))
		metric = "time", mu = "s";
	else if (!strcmp(unit, "byte"))
		metric = "memory", mu = "B";
	else if (!strcmp(unit, "integer"))
		metric = "value", mu = NULL;
	else
		return bt_error(err, BT_ESCHEMA, "%s: %smetadata.unit: unknown unit \"%s\" "
				"(second, byte, integer)", label, at, unit);

	struct bt__imp_vec x = { 0 };
	size_t warmups = 0, value_runs = 0;
	double loops = 0, inner = 0, duration = 0;
	for (size_t j = 0; j < json_array_size(runs); j++) {
		const json_t *r = json_array_get(runs, j);
		char rat[96];
		snprintf(rat, sizeof rat, "%sruns[%zu]", at, j);
		if (!json_is_object(r)) {
			free(x.x);
			return bt_error(err, BT_ESCHEMA, "%s: %s: not an object", label, rat);
		}
		char rmdp[100];
		snprintf(rmdp, sizeof rmdp, "%s.", rat);
		const json_t *rmd;
		if ((rc = md_object(r, label, rmdp, &rmd, err))) {
			free(x.x);
			return rc;
		}
		const json_t *w = json_object_get(r, "warmups");
		if (w && !json_is_null(w) && !json_is_array(w)) {
			free(x.x);
			return bt_error(err, BT_ESCHEMA, "%s: %s.warmups: not an array", label, rat);
		}
		warmups += json_array_size(w);
		const char *vk = v6 ? "values" : "samples";
		const json_t *vals = json_object_get(r, vk);
		if (vals && !json_is_null(vals)) {
			char vp[112];
			snprintf(vp, sizeof vp, "%s.%s", rat, vk);
			size_t before = x.n;
			if ((rc = bt__imp_numbers(vals, 0, NULL, &x, label, vp, err))) {
				free(x.x);
				return rc;
			}
			/* pyperf itself refuses values <= 0 (Run: "values must be
			 * a sequence of number > 0.0"); a negative one is a broken file */
			for (size_t k = before; k < x.n; k++)
				if (x.x[k] < 0) {
					free(x.x);
					return bt_error(err, BT_ESCHEMA, "%s: %s[%zu]: negative "
							"(pyperf's values are > 0)", label, vp,
							k - before);
				}
			if (x.n > before && value_runs++ == 0) {
				loops = whole(md("loops", rmd, bmd, root_md));
				inner = whole(md("inner_loops", rmd, bmd, root_md));
			}
		}
		const json_t *d = md("duration", rmd, NULL, NULL);
		if (json_is_number(d))
			duration += json_number_value(d);
		time_t t;
		const json_t *date = md("date", rmd, NULL, NULL);
		if (date && bt__imp_time(date, &t) == 0 && (*first < 0 || t < *first))
			*first = t;
	}

	struct bt__rb rb;
	bt__rb_init(&rb, run);
	if (nm && !(rb.name = bt_run_strdup(run, json_string_value(nm))))
		rb.oom = 1;
	if (x.n == 0) {
		rb.status = BT_STATUS_FAILED;
		rb.message = bt_run_strdup(run, "no values (only calibration or warmup runs)");
	}
	if (value_runs) {
		bt__rb_counter(&rb, "runs", (double)value_runs);
		bt__rb_counter(&rb, "loops", loops);
		if (inner > 1)
			bt__rb_counter(&rb, "inner_loops", inner);
	}
	char fallback[32];
	snprintf(fallback, sizeof fallback, "benchmark%zu", i + 1);
	rc = bt__rb_finish(&rb, fallback);
	struct bt_result *res = bt__imp_last_result(run);
	if (!rc && x.n) {
		rc = bt__imp_add_metric(run, res, metric, mu, BT_LOWER_IS_BETTER, x.x, x.n);
		if (loops * inner < 1.8e19) /* else out of range: unknown */
			res->iterations_per_sample = (uint64_t)(loops * inner);
	}
	if (!rc && duration > 0)
		res->wall_s = duration;
	if (warmups)
		bt__imp_note(info, "%s: %zu warmup values not counted as samples",
			     res && res->name ? res->name : fallback, warmups);
	free(x.x);
	return rc;
}

int bt__import_pyperf(struct bt_run *run, const json_t *root, const char *label,
		      struct bt_import_info *info, struct bt_strbuf *err)
{
	if (!json_is_object(root))
		return bt_error(err, BT_ESCHEMA, "%s: not a pyperf document (an object)", label);
	const json_t *ver = json_object_get(root, "version");
	int v6;
	if (json_is_string(ver) && !strcmp(json_string_value(ver), "1.0"))
		v6 = 1;
	else if (json_is_integer(ver) && (json_integer_value(ver) == 6 ||
					  json_integer_value(ver) == 5))
		v6 = json_integer_value(ver) == 6;
	else if (!ver)
		return bt_error(err, BT_ESCHEMA, "%s: version: missing", label);
	else
		return bt_error(err, BT_ESCHEMA, "%s: version: unsupported pyperf format "
				"version (\"1.0\", 6 and 5 are read)", label);
	const json_t *root_md;
	int rc = md_object(root, label, "", &root_md, err);
	if (rc)
		return rc;
	if (!v6 && !root_md)
		root_md = json_object_get(root, "common_metadata");
	const json_t *bs = json_object_get(root, "benchmarks");
	if (!json_is_array(bs))
		return bt_error(err, BT_ESCHEMA, "%s: benchmarks: %s", label,
				bs ? "not an array" : "missing");
	if (json_array_size(bs) == 0)
		return bt_error(err, BT_ESCHEMA, "%s: benchmarks: empty", label);
	time_t first = -1;
	for (size_t i = 0; i < json_array_size(bs); i++)
		if ((rc = benchmark(run, json_array_get(bs, i), i, v6, root_md, label,
				    &first, info, err)))
			return rc;
	const json_t *b0 = json_array_get(bs, 0);
	const json_t *bmd = json_object_get(b0, "metadata");
	const json_t *rmd = json_object_get(json_array_get(json_object_get(b0, "runs"), 0),
					    "metadata");
	if ((rc = context(run, json_is_object(rmd) ? rmd : NULL,
			  json_is_object(bmd) ? bmd : NULL, root_md)))
		return rc;
	if (first >= 0 && !(run->timestamp = bt__imp_iso(run, first)))
		return BT_ENOMEM;
	bt__imp_context_found(run, info);
	return bt__imp_unique_names(run, 0);
}
