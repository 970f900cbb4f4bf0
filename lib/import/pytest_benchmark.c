/* pytest-benchmark's JSON (--benchmark-json, --benchmark-save) as a run
 * (bt__import_pytest_benchmark, bt__sniff_pytest_benchmark;
 * lib/import/import.h). Read against pytest-benchmark 3.2.2's source
 * (stats.py, plugin.py, utils.py):
 *
 *   {"machine_info": {"node", "machine", "system", "release",
 *                     "cpu": {"brand" | "brand_raw", "count", ...}},
 *    "commit_info": {"id", "dirty", "branch", "time", ...},
 *    "datetime": "2026-12-04T07:33:42.616572" (UTC, no zone),
 *    "benchmarks": [{"name", "fullname", "group", "params", "param",
 *        "extra_info", "stats": {"data": [...], "iterations", "rounds",
 *        "min", "max", "mean", "stddev", "median", "iqr", "q1", "q3",
 *        "ops", ...}}]}
 *
 * stats.data holds one value per round: the round's duration divided by
 * its iterations (Metadata.update), so each is a time per call in seconds
 * and a sample of "time"; stats.iterations is the iterations per sample.
 * Without data (--benchmark-json of an old version, or a trimmed file)
 * the median (else the mean) is the one sample. The source's statistics
 * are counters "time.source_STAT"; numbers of extra_info are counters.
 * A result is named by fullname ("tests/test_x.py::test_sum") without its
 * "[param]" part when params says the same, with params as params; group
 * is the result's group. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchtrack/import.h"
#include "import.h"
#include "internal.h"

int bt__sniff_pytest_benchmark(const json_t *root)
{
	return json_is_object(root) && json_is_array(json_object_get(root, "benchmarks")) &&
	       !json_object_get(root, "context") &&
	       (json_is_object(json_object_get(root, "machine_info")) ||
		json_is_object(json_object_get(root, "commit_info")));
}

static int schema(struct bt_strbuf *err, const char *label, size_t i, const char *field,
		  const char *what)
{
	return bt_error(err, BT_ESCHEMA, "%s: benchmarks[%zu]%s%s: %s", label, i,
			field ? "." : "", field ? field : "", what);
}

/* Name and params of result r from benchmark object o. */
static int identity(struct bt_run *run, struct bt_result *r, const json_t *o)
{
	const char *full = json_string_value(json_object_get(o, "fullname"));
	if (!full)
		full = json_string_value(json_object_get(o, "name"));
	const json_t *par = json_object_get(o, "params");
	size_t len = strlen(full);
	int rc = bt__imp_set_params(run, r, par);
	if (rc)
		return rc;
	/* "test_sum[100]": the bracket is what params say */
	const char *br = len && full[len - 1] == ']' ? strrchr(full, '[') : NULL;
	if (br && r->n_params)
		len = (size_t)(br - full);
	r->name = bt__arena_strndup(run->arena, full, len);
	return r->name ? 0 : BT_ENOMEM;
}

static int one(struct bt_run *run, const json_t *o, size_t i, const char *label,
	       struct bt_strbuf *err)
{
	if (!json_is_object(o))
		return schema(err, label, i, NULL, "expected an object");
	if (!json_is_string(json_object_get(o, "name")))
		return schema(err, label, i, "name", "expected a string");
	const json_t *fn = json_object_get(o, "fullname");
	if (fn && !json_is_string(fn))
		return schema(err, label, i, "fullname", "expected a string");
	const json_t *par = json_object_get(o, "params");
	if (par && !json_is_null(par) && !json_is_object(par))
		return schema(err, label, i, "params", "expected an object or null");
	const json_t *grp = json_object_get(o, "group");
	if (grp && !json_is_null(grp) && !json_is_string(grp))
		return schema(err, label, i, "group", "expected a string or null");
	const json_t *st = json_object_get(o, "stats");
	if (!json_is_object(st))
		return schema(err, label, i, "stats", "expected an object");
	const json_t *data = json_object_get(st, "data");
	if (data && !json_is_array(data))
		return schema(err, label, i, "stats.data", "expected an array of numbers");
	static const char *const stats[] = { "mean", "stddev", "median", "min", "max", "iqr",
		"q1", "q3", "ops", NULL };
	double sv[9];
	int have[9];
	int bad_stat = bt__imp_source_stats(st, stats, sv, have);
	if (bad_stat >= 0) {
		char f[32];
		snprintf(f, sizeof f, "stats.%s", stats[bad_stat]);
		return schema(err, label, i, f, "expected a number");
	}
	double it = 0;
	const json_t *itv = json_object_get(st, "iterations");
	if (itv && (!bt__imp_num(itv, &it) || !(it >= 1) || it > 1e18))
		return schema(err, label, i, "stats.iterations", "expected a whole number >= 1");
	size_t n = json_array_size(data);
	if (n == 0 && !have[2] && !have[0])
		return schema(err, label, i, "stats.data", "expected an array of numbers");
	double *x = malloc((n ? n : 1) * sizeof *x);
	if (!x)
		return BT_ENOMEM;
	for (size_t k = 0; k < n; k++) {
		if (!bt__imp_num(json_array_get(data, k), &x[k]) || !isfinite(x[k]) || x[k] < 0) {
			free(x);
			bt_error(err, BT_ESCHEMA,
				 "%s: benchmarks[%zu].stats.data[%zu]: expected a number >= 0", label,
				 i, k);
			return BT_ESCHEMA;
		}
	}
	if (n == 0) {
		x[0] = have[2] ? sv[2] : sv[0];
		n = 1;
	}
	int rc = BT_ENOMEM;
	struct bt_result *r = bt_run_add_result(run);
	if (!r)
		goto out;
	r->variant = bt_run_strdup(run, "default");
	if (!r->variant || (rc = identity(run, r, o)))
		goto out;
	rc = BT_ENOMEM;
	if (bt__imp_identity_taken(run, run->n_results - 1, r) && !(r->name = bt_run_printf(run, "%s", json_string_value(
								       fn ? fn : json_object_get(o, "name")))))
		goto out;
	if (json_is_string(grp) && !(r->group = bt_run_strdup(run, json_string_value(grp))))
		goto out;
	r->iterations_per_sample = (uint64_t)it;
	if ((rc = bt__imp_add_time(run, r, x, n, stats, sv, have)))
		goto out;
	const char *key;
	json_t *v;
	json_object_foreach(json_object_get(o, "extra_info"), key, v) {
		double c;
		if (json_is_number(v) && bt__imp_num(v, &c) &&
		    (rc = bt__imp_add_counter(run, r, key, c)))
			goto out;
	}
	rc = 0;
out:
	free(x);
	return rc;
}

/* The machine from machine_info. */
static int machine(struct bt_run *run, const json_t *mi, struct bt_import_info *info)
{
	if (!json_is_object(mi))
		return 0;
	struct bt_machine *m = &run->machine;
	const json_t *cpu = json_object_get(mi, "cpu");
	const char *node = json_string_value(json_object_get(mi, "node"));
	const char *arch = json_string_value(json_object_get(mi, "machine"));
	const char *sys = json_string_value(json_object_get(mi, "system"));
	const char *rel = json_string_value(json_object_get(mi, "release"));
	const char *brand = json_string_value(json_object_get(cpu, "brand_raw"));
	if (!brand || !*brand)
		brand = json_string_value(json_object_get(cpu, "brand"));
	double x;
	if (bt__imp_num(json_object_get(cpu, "count"), &x) && x > 0 && x < 1e6)
		m->cpu_cores = (int)x;
	if ((node && *node && !(m->name = bt_run_strdup(run, node))) ||
	    (arch && *arch && !(m->arch = bt_run_strdup(run, arch))) ||
	    (sys && *sys && !(m->os = bt_run_strdup(run, sys))) ||
	    (rel && *rel && !(m->kernel = bt_run_strdup(run, rel))) ||
	    (brand && *brand && !(m->cpu_model = bt_run_strdup(run, brand))))
		return BT_ENOMEM;
	info->has_machine = m->name || m->cpu_model;
	return info->has_machine ? bt__imp_fingerprint(run) : 0;
}

/* git from commit_info. */
static int git(struct bt_run *run, const json_t *ci, struct bt_import_info *info)
{
	if (!json_is_object(ci))
		return 0;
	int rc = bt__imp_set_commit(run, json_object_get(ci, "id"));
	if (rc || !run->git.commit)
		return rc;
	info->has_git = 1;
	const json_t *d = json_object_get(ci, "dirty");
	if (json_is_boolean(d))
		run->git.dirty = json_is_true(d);
	const char *b = json_string_value(json_object_get(ci, "branch"));
	if (b && *b && b[0] != '(' && !(run->git.branch = bt_run_strdup(run, b)))
		return BT_ENOMEM;
	rc = bt__imp_time_text(run, json_string_value(json_object_get(ci, "time")),
			       &run->git.commit_time);
	return rc < 0 ? rc : 0;
}

int bt__import_pytest_benchmark(struct bt_run *run, const json_t *root, const char *label,
				struct bt_import_info *info, struct bt_strbuf *err)
{
	const json_t *bm = json_object_get(root, "benchmarks");
	if (!json_is_array(bm))
		return bt_error(err, BT_ESCHEMA, "%s: benchmarks: expected an array", label);
	for (size_t i = 0; i < json_array_size(bm); i++) {
		int rc = one(run, json_array_get(bm, i), i, label, err);
		if (rc)
			return rc;
	}
	int rc = machine(run, json_object_get(root, "machine_info"), info);
	if (!rc)
		rc = git(run, json_object_get(root, "commit_info"), info);
	if (rc)
		return rc;
	rc = bt__imp_time_text(run, json_string_value(json_object_get(root, "datetime")),
			       &run->timestamp);
	if (rc < 0)
		return rc;
	info->has_timestamp = rc == 1;
	return 0;
}
