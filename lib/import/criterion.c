/* criterion.rs's saved measurements (bt__import_criterion,
 * bt__import_criterion_dir; import.h). Criterion writes, for every
 * benchmark, target/criterion/<directory_name>/new/ (src/analysis/mod.rs):
 *
 *   sample.json     {"sampling_mode": "Linear"|"Flat", "iters": [n...],
 *                    "times": [t...]}: sample i took times[i] ns in total
 *                    for iters[i] iterations (criterion 0.2 wrote
 *                    [[iters...], [times...]])
 *   benchmark.json  {"group_id", "function_id", "value_str", "throughput":
 *                    null | {"Bytes"|"BytesDecimal"|"Elements"|"Bits": n},
 *                    "full_id", "directory_name", "title"}
 *   estimates.json  {"mean"|"median"|"median_abs_dev"|"std_dev"|"slope":
 *                    {"point_estimate" (ns), "standard_error",
 *                     "confidence_interval": {...}}} (slope may be null)
 *
 * A sample is times[i] / iters[i], in seconds. The result: name group_id,
 * "/function_id" when there is one; group group_id; param "value" =
 * value_str. estimates.json gives time.source_mean, _median, _std, _mad
 * and _slope (s); the throughput is per iteration at the median time. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "import.h"
#include "internal.h"
#include "benchtrack/import.h"

#define CRITERION_MAX_BYTES (64u << 20)
#define CRITERION_MAX_DEPTH 16

int bt__sniff_criterion(const json_t *root)
{
	if (json_is_object(root))
		return json_is_array(json_object_get(root, "iters")) &&
		       json_is_array(json_object_get(root, "times")) &&
		       json_is_string(json_object_get(root, "sampling_mode"));
	/* criterion 0.2: [[iters...], [times...]] */
	const json_t *a = json_array_get(root, 0), *b = json_array_get(root, 1);
	return json_array_size(root) == 2 && json_array_size(a) > 0 &&
	       json_array_size(a) == json_array_size(b) &&
	       json_is_number(json_array_get(a, 0)) && json_is_number(json_array_get(b, 0));
}

/* A JSON file beside the sample (dir/name), parsed; *out NULL when it is
 * not there. */
static int beside(const char *dir, const char *name, json_t **out, struct bt_strbuf *err)
{
	*out = NULL;
	char *path = bt__pathf("%s/%s", dir, name);
	if (!path)
		return BT_ENOMEM;
	struct stat st;
	int rc = 0;
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
		char *text = NULL;
		size_t len = 0;
		int jsonl = 0;
		rc = bt__read_file(path, CRITERION_MAX_BYTES, &text, &len, err);
		if (!rc && !(*out = bt__import_parse(text, len, path, &jsonl, err)))
			rc = jsonl < 0 ? BT_ENOMEM : BT_EPARSE;
		free(text);
	}
	free(path);
	return rc;
}

/* The parent directory of label when label names a file (malloc'd),
 * else NULL; NULL with *oom set when memory ran out. */
static char *dir_of(const char *label, int *oom)
{
	struct stat st;
	if (stat(label, &st) != 0 || !S_ISREG(st.st_mode))
		return NULL;
	const char *slash = strrchr(label, '/');
	char *d = !slash ? strdup(".") : slash == label ? strdup("/")
		: strndup(label, (size_t)(slash - label));
	*oom = !d;
	return d;
}

/* A name from the directories when benchmark.json is missing: the one
 * above "new" (".../Fibonacci/Iterative/new" gives "Iterative"). */
static const char *dir_name(struct bt_run *run, const char *dir)
{
	if (!dir)
		return NULL;
	size_t n = strlen(dir);
	if (n >= 4 && !strcmp(dir + n - 4, "/new"))
		n -= 4;
	size_t b = n;
	while (b && dir[b - 1] != '/')
		b--;
	if (b == n)
		return NULL;
	char name[256];
	snprintf(name, sizeof name, "%.*s", (int)(n - b), dir + b);
	return bt_run_strdup(run, name);
}

/* An optional string member of benchmark.json. */
static int bench_str(const json_t *bj, const char *key, const char *bpath,
		     const char **out, struct bt_strbuf *err)
{
	const json_t *v = json_object_get(bj, key);
	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return bt_error(err, BT_ESCHEMA, "%s: %s: not a string", bpath, key);
	*out = json_string_value(v);
	return 0;
}

/* Name, group, params and throughput from benchmark.json (bj, at bpath). */
static int identity(struct bt__rb *b, const json_t *bj, const char *bpath,
		    double *items, const char **tunit, struct bt_strbuf *err)
{
	struct bt_run *run = b->run;
	const char *group, *fn, *value;
	int rc;
	if (!json_is_object(bj))
		return bt_error(err, BT_ESCHEMA, "%s: not an object", bpath);
	if ((rc = bench_str(bj, "group_id", bpath, &group, err)) ||
	    (rc = bench_str(bj, "function_id", bpath, &fn, err)) ||
	    (rc = bench_str(bj, "value_str", bpath, &value, err)))
		return rc;
	if (!group)
		return bt_error(err, BT_ESCHEMA, "%s: group_id: missing", bpath);
	b->name = fn ? bt_run_printf(run, "%s/%s", group, fn) : bt_run_strdup(run, group);
	if (!b->name)
		b->oom = 1;
	if (value)
		bt__rb_param(b, "value", bt_run_strdup(run, value), 1);
	const json_t *tp = json_object_get(bj, "throughput");
	if (!tp || json_is_null(tp))
		return 0;
	static const char *const kinds[][2] = { { "Bytes", "B/s" },
		{ "BytesDecimal", "B/s" }, { "Elements", "elements/s" }, { "Bits", "bits/s" } };
	for (size_t i = 0; json_is_object(tp) && i < sizeof kinds / sizeof *kinds; i++) {
		const json_t *n = json_object_get(tp, kinds[i][0]);
		if (!n)
			continue;
		if (!json_is_number(n) || json_number_value(n) < 0)
			return bt_error(err, BT_ESCHEMA, "%s: throughput.%s: not a count",
					bpath, kinds[i][0]);
		*items = json_number_value(n);
		*tunit = kinds[i][1];
		return 0;
	}
	return bt_error(err, BT_ESCHEMA, "%s: throughput: not one of Bytes, "
			"BytesDecimal, Elements, Bits", bpath);
}

/* estimates.json (ej, at epath) as counters time.source_*. */
static int estimates(struct bt__rb *b, const json_t *ej, const char *epath,
		     struct bt_strbuf *err)
{
	static const char *const map[][2] = { { "mean", "mean" }, { "median", "median" },
		{ "std_dev", "std" }, { "median_abs_dev", "mad" }, { "slope", "slope" } };
	if (!json_is_object(ej))
		return bt_error(err, BT_ESCHEMA, "%s: not an object", epath);
	for (size_t i = 0; i < sizeof map / sizeof *map; i++) {
		const json_t *e = json_object_get(ej, map[i][0]);
		if (!e || json_is_null(e))
			continue;
		const json_t *pe = json_object_get(e, "point_estimate");
		double x;
		if (!json_is_object(e) || !bt__imp_num(pe, &x))
			return bt_error(err, BT_ESCHEMA, "%s: %s.point_estimate: %s", epath,
					map[i][0], pe ? "not a number" : "missing");
		char key[48];
		snprintf(key, sizeof key, "time.source_%s", map[i][1]);
		bt__rb_counter(b, key, x / 1e9);
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int bt__import_criterion(struct bt_run *run, const json_t *root, const char *label,
			 struct bt_import_info *info, struct bt_strbuf *err)
{
	const json_t *iters, *times;
	const char *ik = "iters", *tk = "times";
	if (json_is_object(root)) {
		iters = json_object_get(root, "iters");
		times = json_object_get(root, "times");
	} else if (json_is_array(root) && json_array_size(root) == 2) {
		iters = json_array_get(root, 0);
		times = json_array_get(root, 1);
		ik = "[0]";
		tk = "[1]";
	} else {
		return bt_error(err, BT_ESCHEMA, "%s: not a criterion sample.json "
				"(an object with iters and times)", label);
	}
	struct bt__imp_vec it = { 0 }, tm = { 0 };
	int rc = bt__imp_numbers(iters, 0, NULL, &it, label, ik, err);
	if (!rc)
		rc = bt__imp_numbers(times, 0, NULL, &tm, label, tk, err);
	if (!rc && it.n != tm.n)
		rc = bt_error(err, BT_ESCHEMA, "%s: %s: %zu values for %zu %s", label, tk,
			      tm.n, it.n, ik);
	if (!rc && it.n == 0)
		rc = bt_error(err, BT_ESCHEMA, "%s: %s: empty", label, ik);
	for (size_t i = 0; !rc && i < it.n; i++) {
		if (!(it.x[i] > 0))
			rc = bt_error(err, BT_ESCHEMA, "%s: %s[%zu]: not a positive count",
				      label, ik, i);
		else if (tm.x[i] < 0)
			rc = bt_error(err, BT_ESCHEMA, "%s: %s[%zu]: negative", label, tk, i);
		else
			tm.x[i] = tm.x[i] / it.x[i] / 1e9; /* ns per iteration, in s */
	}

	int oom = 0;
	char *dir = rc ? NULL : dir_of(label, &oom);
	if (oom)
		rc = BT_ENOMEM;
	json_t *bj = NULL, *ej = NULL;
	if (dir && !(rc = beside(dir, "benchmark.json", &bj, err)))
		rc = beside(dir, "estimates.json", &ej, err);

	struct bt__rb b;
	bt__rb_init(&b, run);
	double items = -1;
	const char *tunit = NULL;
	if (!rc && bj) {
		char *bpath = bt__pathf("%s/benchmark.json", dir);
		rc = bpath ? identity(&b, bj, bpath, &items, &tunit, err) : BT_ENOMEM;
		free(bpath);
	} else if (!rc) {
		b.name = dir_name(run, dir);
	}
	if (!rc && ej) {
		char *epath = bt__pathf("%s/estimates.json", dir);
		rc = epath ? estimates(&b, ej, epath, err) : BT_ENOMEM;
		free(epath);
	}
	const char *group = bj && json_is_string(json_object_get(bj, "group_id"))
		? bt_run_strdup(run, json_string_value(json_object_get(bj, "group_id"))) : NULL;
	json_decref(bj);
	json_decref(ej);
	free(dir);
	if (rc) {
		free(b.params); /* the builder holds no metrics yet */
		free(b.counters);
		free(it.x);
		free(tm.x);
		return rc;
	}
	rc = bt__rb_finish(&b, "criterion");
	struct bt_result *r = bt__imp_last_result(run);
	if (!rc) {
		r->group = group;
		rc = bt__imp_add_metric(run, r, "time", "s", BT_LOWER_IS_BETTER, tm.x, tm.n);
	}
	if (!rc) {
		/* iterations per sample: the median count (they grow linearly
		 * in "Linear" mode) */
		qsort(it.x, it.n, sizeof *it.x, cmp_double);
		r->iterations_per_sample = (uint64_t)llround(it.x[it.n / 2]);
		double med = r->metrics[0].stats.median;
		if (tunit && med > 0) {
			r->throughput.value = items / med;
			r->throughput.unit = bt_run_strdup(run, tunit);
			r->throughput.items_per_op = items;
			if (!r->throughput.unit)
				rc = BT_ENOMEM;
		}
	}
	free(it.x);
	free(tm.x);
	(void)info;
	return rc ? rc : bt__imp_unique_names(run, run->n_results - 1);
}

/* --- a directory of criterion's output ------------------------------------ */

struct walk {
	struct bt_run *run;
	struct bt_import_info *info;
	struct bt_strbuf *err;
	size_t found;
};

/* dir/sample.json when dir is a "new" directory that has one. */
static int read_new(struct walk *w, const char *dir)
{
	char *path = bt__pathf("%s/sample.json", dir);
	if (!path)
		return BT_ENOMEM;
	struct stat st;
	int rc = 0;
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
		char *text = NULL;
		size_t len = 0;
		int jsonl = 0;
		json_t *root = NULL;
		rc = bt__read_file(path, CRITERION_MAX_BYTES, &text, &len, w->err);
		if (!rc && !(root = bt__import_parse(text, len, path, &jsonl, w->err)))
			rc = jsonl < 0 ? BT_ENOMEM : BT_EPARSE;
		free(text);
		if (!rc)
			rc = bt__import_criterion(w->run, root, path, w->info, w->err);
		json_decref(root);
		if (!rc)
			w->found++;
	}
	free(path);
	return rc;
}

static int walk(struct walk *w, const char *dir, int depth)
{
	size_t n = strlen(dir);
	if (n >= 4 && !strcmp(dir + n - 4, "/new"))
		return read_new(w, dir);
	if (depth > CRITERION_MAX_DEPTH)
		return 0;
	struct dirent **ents = NULL;
	int k = scandir(dir, &ents, NULL, alphasort);
	if (k < 0)
		return bt_error(w->err, BT_EIO, "%s: %s", dir, strerror(errno));
	int rc = 0;
	for (int i = 0; i < k; i++) {
		const char *e = ents[i]->d_name;
		if (!rc && strcmp(e, ".") && strcmp(e, "..") && strcmp(e, "report")) {
			char *sub = bt__pathf("%s/%s", dir, e);
			struct stat st;
			if (!sub)
				rc = BT_ENOMEM;
			else if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
				rc = walk(w, sub, depth + 1);
			free(sub);
		}
		free(ents[i]);
	}
	free(ents);
	return rc;
}

int bt__import_criterion_dir(struct bt_run *run, const char *path,
			     struct bt_import_info *info, struct bt_strbuf *err)
{
	struct walk w = { run, info, err, 0 };
	char *dir = strdup(path);
	if (!dir)
		return BT_ENOMEM;
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		dir[--n] = '\0';
	int rc = walk(&w, dir, 0);
	free(dir);
	if (!rc && w.found == 0)
		rc = bt_error(err, BT_ENOTFOUND, "%s: no criterion results under it "
			      "(no <benchmark>/new/sample.json)", path);
	if (!rc)
		bt__imp_note(info, "%zu benchmarks from criterion's new/ directories",
			     w.found);
	return rc;
}
