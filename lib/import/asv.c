/* airspeed velocity's results files, format version 2 (bt__import_asv,
 * import.h), as asv's docs/source/dev.rst describes them:
 * results/<machine>/<commit>-<env>.json =
 *
 *   {"version": 2, "commit_hash", "env_name", "date" (commit, ms),
 *    "params": {"machine", "arch", "cpu", "num_cpu", "os", "ram", ...},
 *    "result_columns": ["result", "params", "version", "started_at",
 *        "duration", "stats_ci_99_a", "stats_ci_99_b", "stats_q_25",
 *        "stats_q_75", "stats_number", "stats_repeat", "samples",
 *        "profile"],
 *    "results": {NAME: [values in the order of result_columns; trailing
 *                       missing ones dropped]}}
 *
 * A benchmark's params are lists of Python reprs, one list per
 * parameter; "result", "samples" and the stats_* are lists over their
 * cartesian product, the last parameter varying fastest. Each
 * combination is a result with its params (named by param_names of the
 * benchmarks.json two directories up when there is one, else param1,
 * param2, ...); a result null is a failure, NaN a skip. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "import.h"
#include "internal.h"
#include "benchtrack/import.h"

#define ASV_MAX_BYTES (64u << 20)

int bt__sniff_asv(const json_t *root)
{
	return json_is_object(root) &&
	       json_is_array(json_object_get(root, "result_columns")) &&
	       json_is_object(json_object_get(root, "results"));
}

enum col { C_RESULT, C_PARAMS, C_STARTED, C_DURATION, C_CI_A, C_CI_B, C_Q25,
	   C_Q75, C_NUMBER, C_REPEAT, C_SAMPLES, C_N };
static const char *const col_names[C_N] = { "result", "params", "started_at",
	"duration", "stats_ci_99_a", "stats_ci_99_b", "stats_q_25", "stats_q_75",
	"stats_number", "stats_repeat", "samples" };

/* What one benchmark is: its metric and unit, its parameters' names. */
struct kind {
	const char *metric, *unit;
	int mem;                 /* 1 memory, 2 peak memory */
	const json_t *names;     /* param_names of benchmarks.json, or NULL */
};

static void kind_of(const char *name, const json_t *bench, struct kind *k)
{
	const char *last = strrchr(name, '.');
	last = last ? last + 1 : name;
	const json_t *t = json_object_get(bench, "type");
	const char *type = json_is_string(t) ? json_string_value(t) : NULL;
	const json_t *u = json_object_get(bench, "unit");
	const char *unit = json_is_string(u) ? json_string_value(u) : NULL;
	memset(k, 0, sizeof *k);
	k->names = json_object_get(bench, "param_names");
	if (!type)
		type = !strncmp(last, "time_", 5) || !strncmp(last, "timeraw_", 8) ? "time"
			: !strncmp(last, "peakmem_", 8) ? "peakmem"
			: !strncmp(last, "mem_", 4) ? "memory" : "track";
	if (!strcmp(type, "time") || !strcmp(type, "timeraw")) {
		k->metric = "time", k->unit = "s";
	} else if (!strcmp(type, "memory") || !strcmp(type, "mem")) {
		k->metric = "memory", k->unit = "B", k->mem = 1;
	} else if (!strcmp(type, "peakmemory") || !strcmp(type, "peakmem")) {
		k->metric = "peak_memory", k->unit = "B", k->mem = 2;
	} else {
		k->metric = "value";
		k->unit = unit && strcmp(unit, "unit") ? unit : NULL;
	}
}

/* A parameter value: Python's repr of a string loses its quotes. */
static const char *param_text(struct bt_run *run, const char *repr)
{
	size_t n = strlen(repr);
	if (n >= 2 && (repr[0] == '\'' || repr[0] == '"') && repr[n - 1] == repr[0] &&
	    !memchr(repr + 1, repr[0], n - 2) && !memchr(repr, '\\', n))
		return bt_run_printf(run, "%.*s", (int)(n - 2), repr + 1);
	return bt_run_strdup(run, repr);
}

/* results.NAME's column c (NULL when the row is shorter or null). */
static const json_t *cell(const json_t *row, const int *at, enum col c)
{
	const json_t *v = at[c] >= 0 ? json_array_get(row, (size_t)at[c]) : NULL;
	return v && !json_is_null(v) ? v : NULL;
}

/* A param-list column: null, or an array of n items. */
static int plist(const json_t *row, const int *at, enum col c, size_t n,
		 const char *label, const char *name, struct bt_strbuf *err)
{
	const json_t *v = cell(row, at, c);
	if (!v)
		return 0;
	if (!json_is_array(v))
		return bt_error(err, BT_ESCHEMA, "%s: results.%s[%d] (%s): not an array",
				label, name, at[c], col_names[c]);
	if (json_array_size(v) != n)
		return bt_error(err, BT_ESCHEMA, "%s: results.%s[%d] (%s): %zu values for "
				"%zu parameter combinations", label, name, at[c], col_names[c],
				json_array_size(v), n);
	return 0;
}

/* The number of item i of param-list column c into *x: 1 a number, 0
 * absent (null), or an error. */
static int pnum(const json_t *row, const int *at, enum col c, size_t i, double *x,
		const char *label, const char *name, struct bt_strbuf *err)
{
	const json_t *v = json_array_get(cell(row, at, c), i);
	if (!v || json_is_null(v))
		return 0;
	if (!bt__imp_num(v, x))
		return bt_error(err, BT_ESCHEMA, "%s: results.%s[%d][%zu] (%s): not a number",
				label, name, at[c], i, col_names[c]);
	return 1;
}

/* One combination i of benchmark name (its params in combo[]). */
static int combination(struct bt_run *run, const char *name, const json_t *row,
		       const int *at, const json_t *params, size_t i, const struct kind *k,
		       const char *env, const char *label, struct bt_strbuf *err)
{
	struct bt__rb b;
	bt__rb_init(&b, run);
	if (!(b.name = bt_run_strdup(run, name)))
		b.oom = 1;
	/* the parameter values of combination i: last varies fastest */
	size_t rest = i;
	for (size_t p = json_array_size(params); p-- > 0;) {
		const json_t *vals = json_array_get(params, p);
		size_t n = json_array_size(vals);
		const json_t *pn = json_array_get(k->names, p);
		char key[32];
		snprintf(key, sizeof key, "param%zu", p + 1);
		const char *v = param_text(run, json_string_value(json_array_get(vals, rest % n)));
		b.oom |= !v;
		bt__rb_param(&b, json_is_string(pn) ? json_string_value(pn) : key, v, 1);
		rest /= n;
	}
	const char *ev = env ? bt_run_strdup(run, env) : NULL;
	b.oom |= env && !ev;
	bt__rb_param(&b, "env", ev, 1);

	const json_t *res = cell(row, at, C_RESULT);
	const json_t *rv = json_array_get(res, i);
	double x = NAN;
	int rc = 0;
	if (!rv || json_is_null(rv)) {
		b.status = BT_STATUS_FAILED;
		b.message = bt_run_strdup(run, "failed in asv (result null)");
	} else if (!bt__imp_num(rv, &x)) {
		rc = bt_error(err, BT_ESCHEMA, "%s: results.%s[%d][%zu] (result): not a number",
			      label, name, at[C_RESULT], i);
	} else if (isnan(x)) {
		b.status = BT_STATUS_SKIPPED;
		b.message = bt_run_strdup(run, "skipped by the benchmark (result NaN)");
	} else if (!isfinite(x)) {
		rc = bt_error(err, BT_ESCHEMA, "%s: results.%s[%d][%zu] (result): not finite",
			      label, name, at[C_RESULT], i);
	}
	/* the source's summary numbers */
	static const struct {
		enum col c;
		const char *stat;
	} st[] = { { C_CI_A, "ci99_low" }, { C_CI_B, "ci99_high" }, { C_Q25, "p25" },
		   { C_Q75, "p75" } };
	char key[160];
	double y;
	if (!rc && b.status == BT_STATUS_OK) {
		snprintf(key, sizeof key, "%s.source_result", k->metric);
		bt__rb_counter(&b, key, x);
	}
	for (size_t s = 0; !rc && s < sizeof st / sizeof *st; s++) {
		if ((rc = pnum(row, at, st[s].c, i, &y, label, name, err)) == 1) {
			snprintf(key, sizeof key, "%s.source_%s", k->metric, st[s].stat);
			bt__rb_counter(&b, key, y);
		}
		rc = rc < 0 ? rc : 0;
	}
	double number = 0;
	if (!rc && (rc = pnum(row, at, C_NUMBER, i, &number, label, name, err)) == 1)
		bt__rb_counter(&b, "number", number);
	rc = rc < 0 ? rc : 0;
	if (!rc && (rc = pnum(row, at, C_REPEAT, i, &y, label, name, err)) == 1)
		bt__rb_counter(&b, "repeat", y);
	rc = rc < 0 ? rc : 0;
	/* raw samples, else the result as one */
	struct bt__imp_vec v = { 0 };
	const json_t *sm = json_array_get(cell(row, at, C_SAMPLES), i);
	if (!rc && sm && !json_is_null(sm) && b.status == BT_STATUS_OK) {
		char path[300];
		snprintf(path, sizeof path, "results.%s[%d][%zu] (samples)", name,
			 at[C_SAMPLES], i);
		rc = bt__imp_numbers(sm, 0, NULL, &v, label, path, err);
	}
	if (rc) {
		free(b.params);
		free(b.counters);
		free(v.x);
		return rc;
	}
	if ((rc = bt__rb_finish(&b, name))) {
		free(v.x);
		return rc;
	}
	struct bt_result *r = bt__imp_last_result(run);
	if (r->status == BT_STATUS_OK) {
		rc = v.n ? bt__imp_add_metric(run, r, k->metric, k->unit, BT_LOWER_IS_BETTER,
					      v.x, v.n)
			 : bt__imp_add_metric(run, r, k->metric, k->unit, BT_LOWER_IS_BETTER,
					      &x, 1);
		if (number >= 1 && number < 1.8e19)
			r->iterations_per_sample = (uint64_t)number;
		if (k->mem && x >= 0 && x < 9.2e18)
			*(k->mem == 1 ? &r->memory_bytes : &r->peak_memory_bytes) =
				(int64_t)llround(x);
	}
	free(v.x);
	return rc;
}

/* benchmarks.json of the results directory (two up from the file) into
 * *out, or NULL when there is none or it cannot be read (noted); 0, or
 * BT_ENOMEM: the names are not guessed for want of memory. */
static int benchmarks_json(const char *label, struct bt_import_info *info, json_t **out)
{
	struct stat st;
	*out = NULL;
	if (stat(label, &st) != 0 || !S_ISREG(st.st_mode))
		return 0;
	/* results/<machine>/<file>: cut the last two names off the label */
	const char *s1 = strrchr(label, '/');
	size_t n1 = s1 ? (size_t)(s1 - label) : 0;
	size_t n2 = n1;
	while (n2 && label[n2 - 1] != '/')
		n2--;
	char *path = !s1 ? bt__pathf("../benchmarks.json")
		: n2 ? bt__pathf("%.*sbenchmarks.json", (int)n2, label)
		     : bt__pathf("benchmarks.json");
	if (!path)
		return BT_ENOMEM;
	json_t *root = NULL;
	int rc = 0;
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
		char *text = NULL;
		size_t len = 0;
		int jsonl = 0;
		struct bt_strbuf e = BT_STRBUF_INIT;
		if ((rc = bt__read_file(path, ASV_MAX_BYTES, &text, &len, &e)) == 0 &&
		    !(root = bt__import_parse(text, len, path, &jsonl, &e)) && jsonl < 0)
			rc = BT_ENOMEM;
		if (rc != BT_ENOMEM)
			rc = 0;
		if (!rc && !json_is_object(root)) {
			bt__imp_note(info, "%s unreadable: parameters named param1, ...", path);
			json_decref(root);
			root = NULL;
		}
		free(text);
		bt_strbuf_release(&e);
	}
	free(path);
	*out = root;
	return rc;
}

/* The machine from the file's params (asv's machine.json names). */
static int machine(struct bt_run *run, const json_t *p)
{
	static const char *const map[][2] = { { "machine", "hostname" },
		{ "cpu", "cpu_model" }, { "num_cpu", "cpu_count" }, { "os", "os" },
		{ "arch", "arch" }, { "ram", "ram_bytes" } };
	json_t *hw = json_object();
	int bad = !hw;
	for (size_t i = 0; !bad && json_is_object(p) && i < sizeof map / sizeof *map; i++) {
		const json_t *v = json_object_get(p, map[i][0]);
		const char *s = json_string_value(v);
		char *end;
		double x = s ? strtod(s, &end) : 0;
		int num = s && (!strcmp(map[i][0], "num_cpu") || !strcmp(map[i][0], "ram")) &&
			  end != s && !*end;
		/* a count out of json_int_t's range (or NaN) is no count */
		if (num && x >= 0 && x < 9.2e18)
			bad = json_object_set_new(hw, map[i][1], json_integer((json_int_t)x));
		else if (v && !num)
			bad = json_object_set_new(hw, map[i][1], json_deep_copy(v));
	}
	int rc = bad ? BT_ENOMEM : bt__imp_machine(run, hw);
	json_decref(hw);
	return rc;
}

int bt__import_asv(struct bt_run *run, const json_t *root, const char *label,
		   struct bt_import_info *info, struct bt_strbuf *err)
{
	if (!json_is_object(root))
		return bt_error(err, BT_ESCHEMA, "%s: not an asv results file (an object)", label);
	const json_t *ver = json_object_get(root, "version");
	if (!json_is_integer(ver) || json_integer_value(ver) != 2)
		return bt_error(err, BT_ESCHEMA, "%s: version: %s", label,
				ver ? "unsupported asv results version (2 is read)" : "missing");
	const json_t *cols = json_object_get(root, "result_columns");
	const json_t *results = json_object_get(root, "results");
	if (!json_is_array(cols))
		return bt_error(err, BT_ESCHEMA, "%s: result_columns: %s", label,
				cols ? "not an array" : "missing");
	if (!json_is_object(results))
		return bt_error(err, BT_ESCHEMA, "%s: results: %s", label,
				results ? "not an object" : "missing");
	int at[C_N];
	for (int c = 0; c < C_N; c++)
		at[c] = -1;
	for (size_t i = 0; i < json_array_size(cols); i++) {
		const json_t *cn = json_array_get(cols, i);
		if (!json_is_string(cn))
			return bt_error(err, BT_ESCHEMA, "%s: result_columns[%zu]: not a string",
					label, i);
		for (int c = 0; c < C_N; c++)
			if (!strcmp(json_string_value(cn), col_names[c]) && at[c] < 0)
				at[c] = (int)i;
	}
	if (at[C_RESULT] < 0)
		return bt_error(err, BT_ESCHEMA, "%s: result_columns: no \"result\" column",
				label);
	const json_t *env = json_object_get(root, "env_name");
	const char *env_name = json_is_string(env) && *json_string_value(env)
		? json_string_value(env) : NULL;
	json_t *bj;
	double started = INFINITY;
	int rc = benchmarks_json(label, info, &bj);
	const char *name;
	json_t *row;
	json_object_foreach((json_t *)results, name, row) {
		if (rc)
			break;
		if (!json_is_array(row)) {
			rc = bt_error(err, BT_ESCHEMA, "%s: results.%s: not an array", label, name);
			break;
		}
		const json_t *params = cell(row, at, C_PARAMS);
		size_t combos = 1;
		if (params && !json_is_array(params))
			rc = bt_error(err, BT_ESCHEMA, "%s: results.%s[%d] (params): not an array",
				      label, name, at[C_PARAMS]);
		for (size_t p = 0; !rc && p < json_array_size(params); p++) {
			const json_t *vals = json_array_get(params, p);
			for (size_t j = 0; json_is_array(vals) && j < json_array_size(vals); j++)
				if (!json_is_string(json_array_get(vals, j)))
					vals = NULL;
			if (!json_is_array(vals) || json_array_size(vals) == 0 ||
			    combos > 1000000 / json_array_size(vals))
				rc = bt_error(err, BT_ESCHEMA, "%s: results.%s[%d][%zu] (params): "
					      "not a non-empty list of values", label, name,
					      at[C_PARAMS], p);
			else
				combos *= json_array_size(vals);
		}
		for (int c = 0; !rc && c < C_N; c++)
			if (c == C_RESULT || c == C_SAMPLES || (c >= C_CI_A && c <= C_REPEAT))
				rc = plist(row, at, (enum col)c, combos, label, name, err);
		const json_t *sa = cell(row, at, C_STARTED);
		time_t t;
		if (!rc && sa && bt__imp_time(sa, &t) == 0 && (double)t < started)
			started = (double)t;
		struct kind k;
		kind_of(name, json_object_get(bj, name), &k);
		for (size_t i = 0; !rc && i < combos; i++)
			rc = combination(run, name, row, at, params, i, &k, env_name, label, err);
		if (rc)
			break;
		const json_t *du = cell(row, at, C_DURATION);
		if (combos == 1 && json_is_number(du))
			bt__imp_last_result(run)->wall_s = json_number_value(du);
	}
	json_decref(bj);
	if (!rc && run->n_results == 0)
		rc = bt_error(err, BT_ESCHEMA, "%s: results: empty", label);
	if (!rc)
		rc = bt__imp_set_commit(run, json_object_get(root, "commit_hash"));
	time_t ct;
	if (!rc && bt__imp_time(json_object_get(root, "date"), &ct) == 0 &&
	    !(run->git.commit_time = bt__imp_iso(run, ct)))
		rc = BT_ENOMEM;
	if (!rc)
		rc = machine(run, json_object_get(root, "params"));
	if (!rc && isfinite(started) && !(run->timestamp = bt__imp_iso(run, (time_t)started)))
		rc = BT_ENOMEM;
	if (!rc)
		bt__imp_context_found(run, info);
	return rc ? rc : bt__imp_unique_names(run, 0);
}
