/* The JSON form of a run (schema "benchtrack.run/1", docs/FORMAT.md):
 * a writer and a strict reader, both on top of jansson. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "internal.h"

#define RUN_MAX_BYTES ((size_t)256 << 20)

/* ---------------------------------------------------------------------
 * Writer
 * ------------------------------------------------------------------- */

struct wr {
	int oom;
};

static int utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	for (size_t i = 0, k; i < n; i += k)
		if (!(k = bt__utf8_seq(p + i, n - i)))
			return 0;
	return 1;
}

/* Copy of s with every invalid UTF-8 byte replaced by U+FFFD, so a stray
 * byte in a benchmark's message never loses the whole run. malloc'd. */
static char *utf8_sanitize(const char *s)
{
	size_t n = strlen(s);
	if (n > (SIZE_MAX - 1) / 3)
		return NULL;
	char *out = malloc(n * 3 + 1);
	if (!out)
		return NULL;
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		size_t k = bt__utf8_seq(p + i, n - i);
		if (k) {
			memcpy(out + o, p + i, k);
			o += k;
			i += k;
		} else {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	out[o] = '\0';
	return out;
}

static json_t *jstr(struct wr *w, const char *s)
{
	if (!s)
		return json_null();
	json_t *v;
	if (utf8_valid(s)) {
		v = json_string_nocheck(s);
	} else {
		char *clean = utf8_sanitize(s);
		v = clean ? json_string_nocheck(clean) : NULL;
		free(clean);
	}
	if (!v)
		w->oom = 1;
	return v;
}

static json_t *jnum(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

static json_t *jint(int64_t x)
{
	return json_integer((json_int_t)x);
}

/* Unsigned 64-bit: an integer when it fits int64, else a decimal string. */
static json_t *juint(uint64_t x)
{
	if (x <= (uint64_t)INT64_MAX)
		return json_integer((json_int_t)x);
	char buf[24];
	snprintf(buf, sizeof buf, "%" PRIu64, x);
	return json_string(buf);
}

static json_t *jbool(int b)
{
	return json_boolean(b != 0);
}

/* 1 -> true, 0 -> false, anything else (-1) -> null */
static json_t *jtri(int b)
{
	return b == 1 ? json_true() : b == 0 ? json_false() : json_null();
}

/* Sets obj[key] = v, taking v (jansson releases it on failure too). Keys
 * may be user text (metric, counter, param names): made valid UTF-8. */
static void put(struct wr *w, json_t *obj, const char *key, json_t *v)
{
	const char *k = key ? key : "";
	char *clean = NULL;

	if (!v) {
		w->oom = 1;
		return;
	}
	if (!utf8_valid(k)) {
		clean = utf8_sanitize(k);
		if (!clean) {
			json_decref(v);
			w->oom = 1;
			return;
		}
		k = clean;
	}
	if (json_object_set_new_nocheck(obj, k, v))
		w->oom = 1;
	free(clean);
}

static void append(struct wr *w, json_t *arr, json_t *v)
{
	if (!v || json_array_append_new(arr, v))
		w->oom = 1;
}

static json_t *stats_json(struct wr *w, const struct bt_stats *s)
{
	json_t *o = json_object();
	put(w, o, "n", juint(s->n));
	put(w, o, "mean", jnum(s->mean));
	put(w, o, "median", jnum(s->median));
	put(w, o, "std", jnum(s->std));
	put(w, o, "min", jnum(s->min));
	put(w, o, "max", jnum(s->max));
	put(w, o, "p5", jnum(s->p5));
	put(w, o, "p25", jnum(s->p25));
	put(w, o, "p75", jnum(s->p75));
	put(w, o, "p95", jnum(s->p95));
	put(w, o, "p99", jnum(s->p99));
	put(w, o, "mad", jnum(s->mad));
	put(w, o, "iqr", jnum(s->iqr));
	put(w, o, "cv", jnum(s->cv));
	put(w, o, "ci_level", jnum(s->ci_level));
	put(w, o, "median_ci_low", jnum(s->median_ci_low));
	put(w, o, "median_ci_high", jnum(s->median_ci_high));
	put(w, o, "outliers", juint(s->outliers));
	return o;
}

static json_t *metric_json(struct wr *w, const struct bt_metric *m)
{
	json_t *o = json_object();
	put(w, o, "unit", jstr(w, m->unit));
	put(w, o, "direction",
	    json_string(m->direction == BT_HIGHER_IS_BETTER ? "higher"
							    : "lower"));
	json_t *a = json_array();
	for (size_t i = 0; a && i < m->n_samples; i++)
		append(w, a, jnum(m->samples[i]));
	put(w, o, "samples", a);
	put(w, o, "stats", stats_json(w, &m->stats));
	return o;
}

static json_t *result_json(struct wr *w, const struct bt_result *r)
{
	json_t *o = json_object(), *x;

	put(w, o, "name", jstr(w, r->name));
	put(w, o, "group", jstr(w, r->group));
	put(w, o, "type", jstr(w, r->type));
	put(w, o, "variant", jstr(w, r->variant));
	x = json_object();
	for (size_t i = 0; x && i < r->n_params; i++)
		put(w, x, r->params[i].key, jstr(w, r->params[i].value));
	put(w, o, "params", x);
	x = json_array();
	for (size_t i = 0; x && i < r->n_options; i++)
		append(w, x, jstr(w, r->options[i]));
	put(w, o, "options", x);
	put(w, o, "version", jint(r->version));
	put(w, o, "status", json_string(bt_status_name(r->status)));
	put(w, o, "message", jstr(w, r->message));
	x = json_object();
	for (size_t i = 0; x && i < r->n_metrics; i++)
		put(w, x, r->metrics[i].name, metric_json(w, &r->metrics[i]));
	put(w, o, "metrics", x);
	x = json_object();
	for (size_t i = 0; x && i < r->n_counters; i++)
		put(w, x, r->counters[i].name, jnum(r->counters[i].value));
	put(w, o, "counters", x);
	if (r->throughput.unit) {
		x = json_object();
		put(w, x, "value", jnum(r->throughput.value));
		put(w, x, "unit", jstr(w, r->throughput.unit));
		put(w, x, "items_per_op", jnum(r->throughput.items_per_op));
	} else {
		x = json_null();
	}
	put(w, o, "throughput", x);
	if (r->bytes_throughput.unit) { /* only when set: older documents */
		x = json_object();
		put(w, x, "value", jnum(r->bytes_throughput.value));
		put(w, x, "unit", jstr(w, r->bytes_throughput.unit));
		put(w, x, "bytes_per_op", jnum(r->bytes_throughput.items_per_op));
		put(w, o, "bytes_throughput", x);
	}
	put(w, o, "iterations_per_sample", juint(r->iterations_per_sample));
	put(w, o, "peak_memory_bytes", jint(r->peak_memory_bytes));
	put(w, o, "memory_bytes", jint(r->memory_bytes));
	x = json_object();
	put(w, x, "user_s", jnum(r->cpu_user_s));
	put(w, x, "sys_s", jnum(r->cpu_sys_s));
	put(w, o, "cpu", x);
	x = json_object();
	put(w, x, "voluntary", jint(r->ctx_switches_voluntary));
	put(w, x, "involuntary", jint(r->ctx_switches_involuntary));
	put(w, o, "ctx_switches", x);
	put(w, o, "wall_s", jnum(r->wall_s));
	if (r->validation.checked) {
		x = json_object();
		put(w, x, "max_abs_err", jnum(r->validation.max_abs_err));
		put(w, x, "max_rel_err", jnum(r->validation.max_rel_err));
		put(w, x, "tolerance", jnum(r->validation.tolerance));
		put(w, x, "passed", jbool(r->validation.passed));
	} else {
		x = json_null();
	}
	put(w, o, "validation", x);
	if (r->adaptive.param) {
		x = json_object();
		put(w, x, "param", jstr(w, r->adaptive.param));
		put(w, x, "requested", jstr(w, r->adaptive.requested));
		put(w, x, "ran", jstr(w, r->adaptive.ran));
		put(w, x, "retries", jint(r->adaptive.retries));
	} else {
		x = json_null();
	}
	put(w, o, "adaptive", x);
	put(w, o, "series_key", jstr(w, r->series_key));
	return o;
}

static json_t *run_json(struct wr *w, const struct bt_run *run)
{
	json_t *o = json_object(), *x, *y, *z;

	put(w, o, "schema", jstr(w, run->schema ? run->schema : BT_RUN_SCHEMA));
	put(w, o, "run_id", jstr(w, run->run_id));
	put(w, o, "benchmark_type", jstr(w, run->benchmark_type));
	put(w, o, "suite", jstr(w, run->suite));
	put(w, o, "timestamp", jstr(w, run->timestamp));
	put(w, o, "duration_s", jnum(run->duration_s));

	x = json_object();
	put(w, x, "commit", jstr(w, run->git.commit));
	put(w, x, "branch", jstr(w, run->git.branch));
	put(w, x, "dirty", jtri(run->git.dirty));
	put(w, x, "commit_time", jstr(w, run->git.commit_time));
	put(w, o, "git", x);

	const struct bt_machine *m = &run->machine;
	x = json_object();
	put(w, x, "name", jstr(w, m->name));
	put(w, x, "fingerprint", jstr(w, m->fingerprint));
	put(w, x, "arch", jstr(w, m->arch));
	y = json_object();
	put(w, y, "model", jstr(w, m->cpu_model));
	put(w, y, "cores", jint(m->cpu_cores));
	put(w, y, "physical_cores", jint(m->cpu_physical_cores));
	put(w, y, "mhz", jnum(m->cpu_mhz));
	z = json_object();
	put(w, z, "l1d", jint(m->cache_l1d));
	put(w, z, "l2", jint(m->cache_l2));
	put(w, z, "l3", jint(m->cache_l3));
	put(w, y, "cache", z);
	put(w, x, "cpu", y);
	put(w, x, "memory_bytes", jint(m->memory_bytes));
	put(w, x, "os", jstr(w, m->os));
	put(w, x, "kernel", jstr(w, m->kernel));
	put(w, x, "governor", jstr(w, m->governor));
	y = json_array();
	for (size_t i = 0; y && i < m->n_gpus; i++) {
		z = json_object();
		put(w, z, "name", jstr(w, m->gpus[i].name));
		put(w, z, "memory_bytes", jint(m->gpus[i].memory_bytes));
		put(w, z, "driver", jstr(w, m->gpus[i].driver));
		append(w, y, z);
	}
	put(w, x, "gpus", y);
	put(w, o, "machine", x);

	x = json_object();
	put(w, x, "compiler", jstr(w, run->build.compiler));
	put(w, x, "flags", jstr(w, run->build.flags));
	put(w, x, "optimized", jtri(run->build.optimized));
	put(w, x, "benchtrack_version", jstr(w, run->build.benchtrack_version));
	put(w, o, "build", x);

	const struct bt_config *c = &run->config;
	x = json_object();
	put(w, x, "warmup_iterations", jint(c->warmup_iterations));
	put(w, x, "measurement_iterations", jint(c->measurement_iterations));
	put(w, x, "min_sample_time", jnum(c->min_sample_time));
	put(w, x, "time_budget", jnum(c->time_budget));
	put(w, x, "timeout", jnum(c->timeout));
	put(w, x, "memory_limit", jint(c->memory_limit));
	put(w, x, "isolate", jbool(c->isolate));
	put(w, x, "seed", juint(c->seed));
	put(w, x, "quick", jbool(c->quick));
	put(w, x, "ablation", jbool(c->ablation));
	put(w, x, "filter", jstr(w, c->filter));
	put(w, x, "exclude", jstr(w, c->exclude));
	y = json_array();
	for (size_t i = 0; y && i < c->n_params; i++)
		append(w, y, jstr(w, c->params[i]));
	put(w, x, "params", y);
	put(w, x, "range", jstr(w, c->range));
	put(w, x, "options", jstr(w, c->options));
	y = json_object();
	put(w, y, "clock", jstr(w, c->clock));
	put(w, y, "resolution_s", jnum(c->timer_resolution_s));
	put(w, y, "overhead_s", jnum(c->timer_overhead_s));
	put(w, x, "timer", y);
	put(w, o, "config", x);

	x = json_array();
	for (size_t i = 0; x && i < run->n_results; i++)
		append(w, x, result_json(w, &run->results[i]));
	put(w, o, "results", x);
	return o;
}

static int dump(struct wr *w, json_t *root, int pretty, struct bt_strbuf *out,
		struct bt_strbuf *err)
{
	if (w->oom || !root) {
		json_decref(root);
		return bt_error(err, BT_ENOMEM, "out of memory writing JSON");
	}
	size_t flags = JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17);
	flags |= pretty ? JSON_INDENT(2) : JSON_COMPACT;
	char *s = json_dumps(root, flags);
	json_decref(root);
	if (!s)
		return bt_error(err, BT_ENOMEM, "out of memory writing JSON");
	int rc = bt_strbuf_adds(out, s);
	free(s);
	if (rc)
		return bt_error(err, rc, "out of memory writing JSON");
	return 0;
}

int bt_run_to_json(const struct bt_run *run, int pretty, struct bt_strbuf *out,
		   struct bt_strbuf *err)
{
	if (!run || !out)
		return bt_error(err, BT_EINVAL, "bt_run_to_json: no run/output");
	struct wr w = { 0 };
	return dump(&w, run_json(&w, run), pretty, out, err);
}

int bt_run_write_file(const struct bt_run *run, const char *path,
		      struct bt_strbuf *err)
{
	if (!path)
		return bt_error(err, BT_EINVAL, "bt_run_write_file: no path");
	struct bt_strbuf sb = BT_STRBUF_INIT;
	int rc = bt_run_to_json(run, 1, &sb, err);
	if (!rc)
		rc = bt_strbuf_addc(&sb, '\n');
	if (!rc)
		rc = bt__write_file_atomic(path, sb.buf, sb.len, err);
	bt_strbuf_release(&sb);
	return rc;
}

int bt_result_to_json(const struct bt_result *r, struct bt_strbuf *out,
		      struct bt_strbuf *err)
{
	if (!r || !out)
		return bt_error(err, BT_EINVAL,
				"bt_result_to_json: no result/output");
	struct wr w = { 0 };
	return dump(&w, result_json(&w, r), 0, out, err);
}

/* ---------------------------------------------------------------------
 * Reader
 *
 * Every function gets the location of the value it reads as a chain of
 * path segments on the stack; the "results[3].metrics.time" text is built
 * only when an error is reported. The first error wins and is returned.
 * ------------------------------------------------------------------- */

struct seg {
	const struct seg *up;
	const char *key; /* NULL: array element [index] */
	size_t index;
};

struct rd {
	struct bt_run *run;
	const char *name;
	struct bt_strbuf *err;
};

static void path_add(struct bt_strbuf *sb, const struct seg *s, size_t start)
{
	if (!s)
		return;
	path_add(sb, s->up, start);
	if (s->key) {
		if (sb->len > start)
			bt_strbuf_addc(sb, '.');
		bt_strbuf_adds(sb, s->key);
	} else {
		bt_strbuf_addf(sb, "[%zu]", s->index);
	}
}

__attribute__((format(printf, 4, 5)))
static int fail(struct rd *rd, const struct seg *at, int code,
		const char *fmt, ...)
{
	if (!rd->err)
		return code;
	struct bt_strbuf sb = BT_STRBUF_INIT;
	bt_strbuf_adds(&sb, rd->name);
	bt_strbuf_adds(&sb, ": ");
	size_t start = sb.len;
	path_add(&sb, at, start);
	if (sb.len > start)
		bt_strbuf_adds(&sb, ": ");
	va_list ap;
	va_start(ap, fmt);
	bt_strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	bt_error(rd->err, code, "%s", bt_strbuf_str(&sb));
	bt_strbuf_release(&sb);
	return code;
}

static int nomem(struct rd *rd)
{
	return bt_error(rd->err, BT_ENOMEM, "%s: out of memory", rd->name);
}

static const char *jtype(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "object";
	case JSON_ARRAY:
		return "array";
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "boolean";
	case JSON_NULL:
		return "null";
	}
	return "unknown";
}

static int wrong(struct rd *rd, const struct seg *at, const char *want,
		 const json_t *v)
{
	return fail(rd, at, BT_ESCHEMA, "expected %s, got %s", want, jtype(v));
}

/* Looks key up in obj. Optional: absent or null give *out = NULL (keep the
 * default). Required: absent is an error; null is passed back for the
 * caller to reject as the wrong type. */
static int field(struct rd *rd, const json_t *obj, const struct seg *at,
		 const char *key, int required, json_t **out)
{
	json_t *v = json_object_get(obj, key);
	*out = NULL;
	if (!v || json_is_null(v)) {
		if (!required)
			return 0;
		struct seg s = { at, key, 0 };
		if (!v)
			return fail(rd, &s, BT_ESCHEMA,
				    "missing required field");
	}
	*out = v;
	return 0;
}

static int val_str(struct rd *rd, const json_t *v, const struct seg *at,
		   const char **out)
{
	if (json_is_null(v)) {
		*out = NULL;
		return 0;
	}
	if (!json_is_string(v))
		return wrong(rd, at, "a string", v);
	char *s = bt__arena_strndup(rd->run->arena, json_string_value(v),
				    json_string_length(v));
	if (!s)
		return nomem(rd);
	*out = s;
	return 0;
}

static int val_num(struct rd *rd, const json_t *v, const struct seg *at,
		   double *out)
{
	if (json_is_null(v)) {
		*out = NAN;
		return 0;
	}
	if (!json_is_number(v))
		return wrong(rd, at, "a number", v);
	*out = json_number_value(v);
	return 0;
}

static int val_i64(struct rd *rd, const json_t *v, const struct seg *at,
		   int64_t lo, int64_t hi, int64_t *out)
{
	if (!json_is_integer(v))
		return wrong(rd, at, "an integer", v);
	json_int_t x = json_integer_value(v);
	if (x < lo || x > hi)
		return fail(rd, at, BT_ESCHEMA,
			    "integer %lld out of range [%lld, %lld]",
			    (long long)x, (long long)lo, (long long)hi);
	*out = (int64_t)x;
	return 0;
}

static int val_u64(struct rd *rd, const json_t *v, const struct seg *at,
		   uint64_t *out)
{
	if (json_is_integer(v)) {
		json_int_t x = json_integer_value(v);
		if (x < 0)
			return fail(rd, at, BT_ESCHEMA,
				    "integer %lld out of range [0, %" PRIu64
				    "]",
				    (long long)x, UINT64_MAX);
		*out = (uint64_t)x;
		return 0;
	}
	if (!json_is_string(v))
		return wrong(rd, at, "an unsigned integer", v);
	/* a decimal string, for values above INT64_MAX */
	const char *s = json_string_value(v);
	if (bt__parse_u64_dec(s, json_string_length(v), out) == 0)
		return 0;
	return fail(rd, at, BT_ESCHEMA,
		    "expected an unsigned integer, got string \"%.40s\"", s);
}

/* Optional fields: absent or null leave *out unchanged (the default). */
static int get_str(struct rd *rd, const json_t *obj, const struct seg *at,
		   const char *key, int required, const char **out)
{
	json_t *v;
	int rc = field(rd, obj, at, key, required, &v);
	if (rc || !v)
		return rc;
	struct seg s = { at, key, 0 };
	if (json_is_null(v))
		return wrong(rd, &s, "a string", v); /* required */
	return val_str(rd, v, &s, out);
}

static int get_num(struct rd *rd, const json_t *obj, const struct seg *at,
		   const char *key, double *out)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return 0;
	struct seg s = { at, key, 0 };
	return val_num(rd, v, &s, out);
}

static int get_i64(struct rd *rd, const json_t *obj, const struct seg *at,
		   const char *key, int64_t *out)
{
	json_t *v;
	int rc = field(rd, obj, at, key, 0, &v);
	if (rc || !v)
		return rc;
	struct seg s = { at, key, 0 };
	return val_i64(rd, v, &s, INT64_MIN, INT64_MAX, out);
}

static int get_int(struct rd *rd, const json_t *obj, const struct seg *at,
		   const char *key, int *out)
{
	json_t *v;
	int rc = field(rd, obj, at, key, 0, &v);
	if (rc || !v)
		return rc;
	struct seg s = { at, key, 0 };
	int64_t x;
	rc = val_i64(rd, v, &s, INT_MIN, INT_MAX, &x);
	if (!rc)
		*out = (int)x;
	return rc;
}

static int get_size(struct rd *rd, const json_t *obj, const struct seg *at,
		    const char *key, size_t *out)
{
	json_t *v;
	int rc = field(rd, obj, at, key, 0, &v);
	if (rc || !v)
		return rc;
	struct seg s = { at, key, 0 };
	int64_t x;
	rc = val_i64(rd, v, &s, 0, INT64_MAX, &x);
	if (!rc)
		*out = (size_t)x;
	return rc;
}

static int get_u64(struct rd *rd, const json_t *obj, const struct seg *at,
		   const char *key, uint64_t *out)
{
	json_t *v;
	int rc = field(rd, obj, at, key, 0, &v);
	if (rc || !v)
		return rc;
	struct seg s = { at, key, 0 };
	return val_u64(rd, v, &s, out);
}

/* Booleans; with tri != 0 null means -1 (unknown). */
static int get_bool(struct rd *rd, const json_t *obj, const struct seg *at,
		    const char *key, int tri, int *out)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return 0;
	struct seg s = { at, key, 0 };
	if (json_is_null(v)) {
		if (tri)
			*out = -1;
		return 0;
	}
	if (!json_is_boolean(v))
		return wrong(rd, &s, "a boolean", v);
	*out = json_is_true(v);
	return 0;
}

/* An optional (or required) member of a JSON type: *out NULL when absent
 * or null; is() tests the type, what names it in the error. */
static int get_typed(struct rd *rd, const json_t *obj, const struct seg *at,
		     const char *key, int required, json_t **out,
		     int (*is)(const json_t *), const char *what)
{
	int rc = field(rd, obj, at, key, required, out);
	if (rc || !*out)
		return rc;
	struct seg s = { at, key, 0 };
	if (!is(*out))
		return wrong(rd, &s, what, *out);
	return 0;
}

static int is_object(const json_t *v)
{
	return json_is_object(v);
}

static int is_array(const json_t *v)
{
	return json_is_array(v);
}

static int get_obj(struct rd *rd, const json_t *obj, const struct seg *at,
		   const char *key, int required, json_t **out)
{
	return get_typed(rd, obj, at, key, required, out, is_object, "an object");
}

static int get_arr(struct rd *rd, const json_t *obj, const struct seg *at,
		   const char *key, int required, json_t **out)
{
	return get_typed(rd, obj, at, key, required, out, is_array, "an array");
}

static void *alloc_n(struct rd *rd, size_t n, size_t size)
{
	if (n == 0)
		return NULL;
	if (n > SIZE_MAX / size)
		return NULL;
	return bt__arena_alloc(rd->run->arena, n * size);
}

/* An array of strings (null elements allowed: NULL). */
static int read_strings(struct rd *rd, const json_t *arr, const struct seg *at,
			const char ***out, size_t *n)
{
	size_t len = json_array_size(arr);
	const char **a = alloc_n(rd, len, sizeof *a);
	if (len && !a)
		return nomem(rd);
	for (size_t i = 0; i < len; i++) {
		struct seg s = { at, NULL, i };
		int rc = val_str(rd, json_array_get(arr, i), &s, &a[i]);
		if (rc)
			return rc;
	}
	*out = a;
	*n = len;
	return 0;
}

static void stats_nan(struct bt_stats *s)
{
	s->n = 0;
	s->mean = s->median = s->std = s->min = s->max = NAN;
	s->p5 = s->p25 = s->p75 = s->p95 = s->p99 = NAN;
	s->mad = s->iqr = s->cv = NAN;
	s->ci_level = s->median_ci_low = s->median_ci_high = NAN;
	s->outliers = 0;
}

static int read_stats(struct rd *rd, const json_t *o, const struct seg *at,
		      struct bt_stats *st)
{
	int rc = 0;
	rc = rc ? rc : get_size(rd, o, at, "n", &st->n);
	rc = rc ? rc : get_num(rd, o, at, "mean", &st->mean);
	rc = rc ? rc : get_num(rd, o, at, "median", &st->median);
	rc = rc ? rc : get_num(rd, o, at, "std", &st->std);
	rc = rc ? rc : get_num(rd, o, at, "min", &st->min);
	rc = rc ? rc : get_num(rd, o, at, "max", &st->max);
	rc = rc ? rc : get_num(rd, o, at, "p5", &st->p5);
	rc = rc ? rc : get_num(rd, o, at, "p25", &st->p25);
	rc = rc ? rc : get_num(rd, o, at, "p75", &st->p75);
	rc = rc ? rc : get_num(rd, o, at, "p95", &st->p95);
	rc = rc ? rc : get_num(rd, o, at, "p99", &st->p99);
	rc = rc ? rc : get_num(rd, o, at, "mad", &st->mad);
	rc = rc ? rc : get_num(rd, o, at, "iqr", &st->iqr);
	rc = rc ? rc : get_num(rd, o, at, "cv", &st->cv);
	rc = rc ? rc : get_num(rd, o, at, "ci_level", &st->ci_level);
	rc = rc ? rc : get_num(rd, o, at, "median_ci_low", &st->median_ci_low);
	rc = rc ? rc : get_num(rd, o, at, "median_ci_high", &st->median_ci_high);
	rc = rc ? rc : get_size(rd, o, at, "outliers", &st->outliers);
	return rc;
}

static int read_metric(struct rd *rd, const json_t *o, const struct seg *at,
		       struct bt_metric *m)
{
	json_t *v;
	int rc;

	if (!json_is_object(o))
		return wrong(rd, at, "an object", o);
	m->direction = BT_LOWER_IS_BETTER;
	stats_nan(&m->stats);
	if ((rc = get_str(rd, o, at, "unit", 0, &m->unit)))
		return rc;
	v = json_object_get(o, "direction");
	if (v && !json_is_null(v)) {
		struct seg s = { at, "direction", 0 };
		if (!json_is_string(v))
			return wrong(rd, &s, "a string", v);
		const char *d = json_string_value(v);
		if (!strcmp(d, "lower"))
			m->direction = BT_LOWER_IS_BETTER;
		else if (!strcmp(d, "higher"))
			m->direction = BT_HIGHER_IS_BETTER;
		else
			return fail(rd, &s, BT_ESCHEMA,
				    "unknown direction \"%.40s\" (expected "
				    "\"lower\" or \"higher\")", d);
	}
	if ((rc = get_arr(rd, o, at, "samples", 0, &v)))
		return rc;
	if (v) {
		struct seg s = { at, "samples", 0 };
		size_t n = json_array_size(v);
		m->samples = alloc_n(rd, n, sizeof *m->samples);
		if (n && !m->samples)
			return nomem(rd);
		for (size_t i = 0; i < n; i++) {
			struct seg e = { &s, NULL, i };
			if ((rc = val_num(rd, json_array_get(v, i), &e,
					  &m->samples[i])))
				return rc;
		}
		m->n_samples = n;
	}
	if ((rc = get_obj(rd, o, at, "stats", 0, &v)))
		return rc;
	if (v) {
		struct seg s = { at, "stats", 0 };
		if ((rc = read_stats(rd, v, &s, &m->stats)))
			return rc;
	}
	return 0;
}


static int kv_cmp(const void *a, const void *b)
{
	const struct bt_kv *x = a, *y = b;
	return strcmp(x->key, y->key);
}

static int read_result(struct rd *rd, const json_t *o, const struct seg *at,
		       struct bt_result *r)
{
	json_t *v, *x;
	const char *k;
	int rc;

	if (!json_is_object(o))
		return wrong(rd, at, "an object", o);

	/* required */
	if ((rc = get_str(rd, o, at, "name", 1, &r->name)))
		return rc;
	if ((rc = field(rd, o, at, "status", 1, &v)))
		return rc;
	{
		struct seg s = { at, "status", 0 };
		if (!json_is_string(v))
			return wrong(rd, &s, "a string", v);
		int st = bt_status_parse(json_string_value(v));
		if (st < 0)
			return fail(rd, &s, BT_ESCHEMA,
				    "unknown status \"%.40s\"",
				    json_string_value(v));
		r->status = (enum bt_status)st;
	}
	if ((rc = get_obj(rd, o, at, "metrics", 1, &v)))
		return rc;
	{
		struct seg s = { at, "metrics", 0 };
		size_t n = json_object_size(v), i = 0, time = 0;
		r->metrics = alloc_n(rd, n, sizeof *r->metrics);
		if (n && !r->metrics)
			return nomem(rd);
		json_object_foreach(v, k, x) {
			struct seg e = { &s, k, 0 };
			struct bt_metric *m = &r->metrics[i];
			m->name = bt__arena_strdup(rd->run->arena, k);
			if (!m->name)
				return nomem(rd);
			if ((rc = read_metric(rd, x, &e, m)))
				return rc;
			if (!strcmp(k, "time") && !time)
				time = i + 1;
			i++;
		}
		r->n_metrics = i;
		if (time > 1) {
			/* the primary metric goes first */
			struct bt_metric t = r->metrics[time - 1];
			memmove(&r->metrics[1], &r->metrics[0],
				(time - 1) * sizeof t);
			r->metrics[0] = t;
		}
	}

	/* optional */
	if ((rc = get_str(rd, o, at, "group", 0, &r->group)) ||
	    (rc = get_str(rd, o, at, "type", 0, &r->type)) ||
	    (rc = get_str(rd, o, at, "variant", 0, &r->variant)))
		return rc;
	if ((rc = get_obj(rd, o, at, "params", 0, &v)))
		return rc;
	if (v) {
		struct seg s = { at, "params", 0 };
		size_t n = json_object_size(v), i = 0;
		r->params = alloc_n(rd, n, sizeof *r->params);
		if (n && !r->params)
			return nomem(rd);
		json_object_foreach(v, k, x) {
			struct seg e = { &s, k, 0 };
			if (!json_is_string(x))
				return wrong(rd, &e, "a string", x);
			r->params[i].key = bt__arena_strdup(rd->run->arena, k);
			if (!r->params[i].key)
				return nomem(rd);
			if ((rc = val_str(rd, x, &e, &r->params[i].value)))
				return rc;
			i++;
		}
		r->n_params = i;
		if (i > 1)
			qsort(r->params, i, sizeof *r->params, kv_cmp);
	}
	if ((rc = get_arr(rd, o, at, "options", 0, &v)))
		return rc;
	if (v) {
		struct seg s = { at, "options", 0 };
		if ((rc = read_strings(rd, v, &s, &r->options, &r->n_options)))
			return rc;
	}
	if ((rc = get_int(rd, o, at, "version", &r->version)) ||
	    (rc = get_str(rd, o, at, "message", 0, &r->message)))
		return rc;
	if ((rc = get_obj(rd, o, at, "counters", 0, &v)))
		return rc;
	if (v) {
		struct seg s = { at, "counters", 0 };
		size_t n = json_object_size(v), i = 0;
		r->counters = alloc_n(rd, n, sizeof *r->counters);
		if (n && !r->counters)
			return nomem(rd);
		json_object_foreach(v, k, x) {
			struct seg e = { &s, k, 0 };
			r->counters[i].name =
				bt__arena_strdup(rd->run->arena, k);
			if (!r->counters[i].name)
				return nomem(rd);
			if ((rc = val_num(rd, x, &e, &r->counters[i].value)))
				return rc;
			i++;
		}
		r->n_counters = i;
	}
	if ((rc = get_obj(rd, o, at, "throughput", 0, &v)))
		return rc;
	if (v) {
		struct seg s = { at, "throughput", 0 };
		if ((rc = get_num(rd, v, &s, "value", &r->throughput.value)) ||
		    (rc = get_str(rd, v, &s, "unit", 0, &r->throughput.unit)) ||
		    (rc = get_num(rd, v, &s, "items_per_op",
				  &r->throughput.items_per_op)))
			return rc;
	}
	if ((rc = get_obj(rd, o, at, "bytes_throughput", 0, &v)))
		return rc;
	if (v) {
		struct seg s = { at, "bytes_throughput", 0 };
		if ((rc = get_num(rd, v, &s, "value", &r->bytes_throughput.value)) ||
		    (rc = get_str(rd, v, &s, "unit", 0, &r->bytes_throughput.unit)) ||
		    (rc = get_num(rd, v, &s, "bytes_per_op",
				  &r->bytes_throughput.items_per_op)))
			return rc;
	}
	if ((rc = get_u64(rd, o, at, "iterations_per_sample",
			  &r->iterations_per_sample)) ||
	    (rc = get_i64(rd, o, at, "peak_memory_bytes",
			  &r->peak_memory_bytes)) ||
	    (rc = get_i64(rd, o, at, "memory_bytes", &r->memory_bytes)))
		return rc;
	if ((rc = get_obj(rd, o, at, "cpu", 0, &v)))
		return rc;
	if (v) {
		struct seg s = { at, "cpu", 0 };
		if ((rc = get_num(rd, v, &s, "user_s", &r->cpu_user_s)) ||
		    (rc = get_num(rd, v, &s, "sys_s", &r->cpu_sys_s)))
			return rc;
	}
	if ((rc = get_obj(rd, o, at, "ctx_switches", 0, &v)))
		return rc;
	if (v) {
		struct seg s = { at, "ctx_switches", 0 };
		if ((rc = get_i64(rd, v, &s, "voluntary",
				  &r->ctx_switches_voluntary)) ||
		    (rc = get_i64(rd, v, &s, "involuntary",
				  &r->ctx_switches_involuntary)))
			return rc;
	}
	if ((rc = get_num(rd, o, at, "wall_s", &r->wall_s)))
		return rc;
	if ((rc = get_obj(rd, o, at, "validation", 0, &v)))
		return rc;
	if (v) {
		struct seg s = { at, "validation", 0 };
		struct bt_validation *va = &r->validation;
		va->checked = 1;
		if ((rc = get_num(rd, v, &s, "max_abs_err", &va->max_abs_err)) ||
		    (rc = get_num(rd, v, &s, "max_rel_err", &va->max_rel_err)) ||
		    (rc = get_num(rd, v, &s, "tolerance", &va->tolerance)) ||
		    (rc = get_bool(rd, v, &s, "passed", 0, &va->passed)))
			return rc;
	}
	if ((rc = get_obj(rd, o, at, "adaptive", 0, &v)))
		return rc;
	if (v) {
		struct seg s = { at, "adaptive", 0 };
		struct bt_adaptive *ad = &r->adaptive;
		if ((rc = get_str(rd, v, &s, "param", 0, &ad->param)) ||
		    (rc = get_str(rd, v, &s, "requested", 0, &ad->requested)) ||
		    (rc = get_str(rd, v, &s, "ran", 0, &ad->ran)) ||
		    (rc = get_int(rd, v, &s, "retries", &ad->retries)))
			return rc;
	}
	if ((rc = get_str(rd, o, at, "series_key", 0, &r->series_key)))
		return rc;
	/* the dashboard uses the key as a file name: nothing but the 16
	 * lowercase hex digits bt_series_key() writes */
	if (r->series_key && !bt__is_series_key(r->series_key)) {
		struct seg s = { at, "series_key", 0 };
		return fail(rd, &s, BT_ESCHEMA, "expected 16 hex digits");
	}
	return 0;
}

static int read_machine(struct rd *rd, const json_t *o, const struct seg *at,
			struct bt_machine *m)
{
	json_t *v, *c;
	int rc;

	if ((rc = get_str(rd, o, at, "name", 0, &m->name)) ||
	    (rc = get_str(rd, o, at, "fingerprint", 0, &m->fingerprint)) ||
	    (rc = get_str(rd, o, at, "arch", 0, &m->arch)))
		return rc;
	if ((rc = get_obj(rd, o, at, "cpu", 0, &v)))
		return rc;
	if (v) {
		struct seg s = { at, "cpu", 0 };
		if ((rc = get_str(rd, v, &s, "model", 0, &m->cpu_model)) ||
		    (rc = get_int(rd, v, &s, "cores", &m->cpu_cores)) ||
		    (rc = get_int(rd, v, &s, "physical_cores",
				  &m->cpu_physical_cores)) ||
		    (rc = get_num(rd, v, &s, "mhz", &m->cpu_mhz)))
			return rc;
		if ((rc = get_obj(rd, v, &s, "cache", 0, &c)))
			return rc;
		if (c) {
			struct seg cs = { &s, "cache", 0 };
			if ((rc = get_i64(rd, c, &cs, "l1d", &m->cache_l1d)) ||
			    (rc = get_i64(rd, c, &cs, "l2", &m->cache_l2)) ||
			    (rc = get_i64(rd, c, &cs, "l3", &m->cache_l3)))
				return rc;
		}
	}
	if ((rc = get_i64(rd, o, at, "memory_bytes", &m->memory_bytes)) ||
	    (rc = get_str(rd, o, at, "os", 0, &m->os)) ||
	    (rc = get_str(rd, o, at, "kernel", 0, &m->kernel)) ||
	    (rc = get_str(rd, o, at, "governor", 0, &m->governor)))
		return rc;
	if ((rc = get_arr(rd, o, at, "gpus", 0, &v)))
		return rc;
	if (v) {
		struct seg s = { at, "gpus", 0 };
		size_t n = json_array_size(v);
		m->gpus = alloc_n(rd, n, sizeof *m->gpus);
		if (n && !m->gpus)
			return nomem(rd);
		for (size_t i = 0; i < n; i++) {
			struct seg e = { &s, NULL, i };
			struct bt_gpu *g = &m->gpus[i];
			json_t *go = json_array_get(v, i);
			g->memory_bytes = -1;
			if (!json_is_object(go))
				return wrong(rd, &e, "an object", go);
			if ((rc = get_str(rd, go, &e, "name", 0, &g->name)) ||
			    (rc = get_i64(rd, go, &e, "memory_bytes",
					  &g->memory_bytes)) ||
			    (rc = get_str(rd, go, &e, "driver", 0, &g->driver)))
				return rc;
			m->n_gpus = i + 1;
		}
	}
	return 0;
}

static int read_config(struct rd *rd, const json_t *o, const struct seg *at,
		       struct bt_config *c)
{
	json_t *v;
	int rc;

	if ((rc = get_int(rd, o, at, "warmup_iterations",
			  &c->warmup_iterations)) ||
	    (rc = get_int(rd, o, at, "measurement_iterations",
			  &c->measurement_iterations)) ||
	    (rc = get_num(rd, o, at, "min_sample_time", &c->min_sample_time)) ||
	    (rc = get_num(rd, o, at, "time_budget", &c->time_budget)) ||
	    (rc = get_num(rd, o, at, "timeout", &c->timeout)) ||
	    (rc = get_i64(rd, o, at, "memory_limit", &c->memory_limit)) ||
	    (rc = get_bool(rd, o, at, "isolate", 0, &c->isolate)) ||
	    (rc = get_u64(rd, o, at, "seed", &c->seed)) ||
	    (rc = get_bool(rd, o, at, "quick", 0, &c->quick)) ||
	    (rc = get_bool(rd, o, at, "ablation", 0, &c->ablation)) ||
	    (rc = get_str(rd, o, at, "filter", 0, &c->filter)) ||
	    (rc = get_str(rd, o, at, "exclude", 0, &c->exclude)))
		return rc;
	if ((rc = get_arr(rd, o, at, "params", 0, &v)))
		return rc;
	if (v) {
		struct seg s = { at, "params", 0 };
		if ((rc = read_strings(rd, v, &s, &c->params, &c->n_params)))
			return rc;
	}
	if ((rc = get_str(rd, o, at, "range", 0, &c->range)) ||
	    (rc = get_str(rd, o, at, "options", 0, &c->options)))
		return rc;
	if ((rc = get_obj(rd, o, at, "timer", 0, &v)))
		return rc;
	if (v) {
		struct seg s = { at, "timer", 0 };
		if ((rc = get_str(rd, v, &s, "clock", 0, &c->clock)) ||
		    (rc = get_num(rd, v, &s, "resolution_s",
				  &c->timer_resolution_s)) ||
		    (rc = get_num(rd, v, &s, "overhead_s",
				  &c->timer_overhead_s)))
			return rc;
	}
	return 0;
}

static int read_run(struct rd *rd, const json_t *o)
{
	struct bt_run *run = rd->run;
	json_t *v;
	int rc;

	if (!json_is_object(o))
		return wrong(rd, NULL, "an object", o);

	/* the schema first: a newer document gets this error, not another */
	if ((rc = field(rd, o, NULL, "schema", 1, &v)))
		return rc;
	{
		struct seg s = { NULL, "schema", 0 };
		if (!json_is_string(v))
			return wrong(rd, &s, "a string", v);
		if (strcmp(json_string_value(v), BT_RUN_SCHEMA))
			return fail(rd, &s, BT_ESCHEMA,
				    "unsupported schema \"%.60s\" (expected "
				    "\"%s\")", json_string_value(v),
				    BT_RUN_SCHEMA);
		if ((rc = val_str(rd, v, &s, &run->schema)))
			return rc;
	}
	if ((rc = get_str(rd, o, NULL, "run_id", 1, &run->run_id)) ||
	    (rc = get_str(rd, o, NULL, "timestamp", 1, &run->timestamp)) ||
	    (rc = get_str(rd, o, NULL, "suite", 1, &run->suite)) ||
	    (rc = get_str(rd, o, NULL, "benchmark_type", 0,
			  &run->benchmark_type)) ||
	    (rc = get_num(rd, o, NULL, "duration_s", &run->duration_s)))
		return rc;

	/* results must be there before we look at optional sections, so a
	 * document without them is reported as such */
	json_t *res;
	if ((rc = get_arr(rd, o, NULL, "results", 1, &res)))
		return rc;

	if ((rc = get_obj(rd, o, NULL, "git", 0, &v)))
		return rc;
	if (v) {
		struct seg s = { NULL, "git", 0 };
		if ((rc = get_str(rd, v, &s, "commit", 0, &run->git.commit)) ||
		    (rc = get_str(rd, v, &s, "branch", 0, &run->git.branch)) ||
		    (rc = get_bool(rd, v, &s, "dirty", 1, &run->git.dirty)) ||
		    (rc = get_str(rd, v, &s, "commit_time", 0,
				  &run->git.commit_time)))
			return rc;
	}
	if ((rc = get_obj(rd, o, NULL, "machine", 0, &v)))
		return rc;
	if (v) {
		struct seg s = { NULL, "machine", 0 };
		if ((rc = read_machine(rd, v, &s, &run->machine)))
			return rc;
	}
	if ((rc = get_obj(rd, o, NULL, "build", 0, &v)))
		return rc;
	if (v) {
		struct seg s = { NULL, "build", 0 };
		if ((rc = get_str(rd, v, &s, "compiler", 0,
				  &run->build.compiler)) ||
		    (rc = get_str(rd, v, &s, "flags", 0, &run->build.flags)) ||
		    (rc = get_bool(rd, v, &s, "optimized", 1,
				   &run->build.optimized)) ||
		    (rc = get_str(rd, v, &s, "benchtrack_version", 0,
				  &run->build.benchtrack_version)))
			return rc;
	}
	if ((rc = get_obj(rd, o, NULL, "config", 0, &v)))
		return rc;
	if (v) {
		struct seg s = { NULL, "config", 0 };
		if ((rc = read_config(rd, v, &s, &run->config)))
			return rc;
	}

	size_t n = json_array_size(res);
	if (n && run->results_alloc < n) {
		/* one array of the right size instead of doublings */
		run->results = alloc_n(rd, n, sizeof *run->results);
		if (!run->results) {
			run->results_alloc = 0;
			return nomem(rd);
		}
		run->results_alloc = n;
	}
	struct seg rs = { NULL, "results", 0 };
	for (size_t i = 0; i < n; i++) {
		struct seg e = { &rs, NULL, i };
		struct bt_result *r = bt_run_add_result(run);
		if (!r)
			return nomem(rd);
		if ((rc = read_result(rd, json_array_get(res, i), &e, r)))
			return rc;
	}
	return bt__run_check_identity(run, rd->name, rd->err);
}

/* --- series identity (bt__run_check_identity, lib/internal.h) --------- */

/* r as "name [variant] k=v k=v" (variant when not "default"). */
static void identity_text(struct bt_strbuf *sb, const struct bt_result *r)
{
	bt_strbuf_addf(sb, "\"%.80s", r->name ? r->name : "");
	if (r->variant && strcmp(r->variant, "default") != 0)
		bt_strbuf_addf(sb, " [%.40s]", r->variant);
	for (size_t i = 0; i < r->n_params && i < 16; i++)
		bt_strbuf_addf(sb, " %.40s=%.40s", r->params[i].key ? r->params[i].key : "",
			       r->params[i].value ? r->params[i].value : "");
	bt_strbuf_addc(sb, '"');
	if (r->version != 1)
		bt_strbuf_addf(sb, " version %d", r->version);
}

/* 1 when key is r's series key with suite s[0..n) and one of r's metric
 * names (or "time"). */
static int key_for_suite(const char *key, const struct bt_run *run,
			 const struct bt_result *r, const char *s, size_t n)
{
	char small[256], k[17];
	char *buf = n < sizeof small ? small : malloc(n + 1);
	int found = 0;
	if (!buf)
		return 0;
	memcpy(buf, s, n);
	buf[n] = '\0';
	for (size_t m = 0; m <= r->n_metrics && !found; m++) {
		const char *metric = m < r->n_metrics ? r->metrics[m].name : "time";
		if (!metric || (m == r->n_metrics && bt_result_metric(r, "time")))
			continue;
		bt_series_key(buf, r, run->machine.fingerprint, metric, k);
		found = strcmp(k, key) == 0;
	}
	if (buf != small)
		free(buf);
	return found;
}

/* 1 when key is what bt_series_key gives r. The suite: the run's, or a
 * '+'-joined part of it (a run of several suites merged by `benchtrack
 * run A B` keeps each result's key from its own suite; a suite's own name
 * may hold '+'). The metric: any of r's, or "time" (the writers take the
 * first metric, and the readers move "time" first). */
static int key_matches(const struct bt_run *run, const struct bt_result *r,
		       const char *key)
{
	const char *suite = run->suite ? run->suite : "";
	size_t total = strlen(suite);

	if (key_for_suite(key, run, r, suite, total))
		return 1;
	if (!strchr(suite, '+'))
		return 0;
	/* every run of parts: at most 32 parts looked at */
	const char *start[33];
	size_t np = 0;
	start[np++] = suite;
	for (const char *p = suite; *p && np < 33; p++)
		if (*p == '+')
			start[np++] = p + 1;
	for (size_t i = 0; i < np; i++)
		for (size_t j = i; j < np; j++) {
			const char *e = j + 1 < np ? start[j + 1] - 1 : suite + total;
			if (i == 0 && e == suite + total)
				continue; /* the whole suite: done above */
			if (key_for_suite(key, run, r, start[i], (size_t)(e - start[i])))
				return 1;
		}
	return 0;
}

struct ident {
	char key[17];
	size_t index;
};

static int ident_cmp(const void *a, const void *b)
{
	const struct ident *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c ? c : (x->index > y->index) - (x->index < y->index);
}

int bt__run_check_identity(const struct bt_run *run, const char *name,
			   struct bt_strbuf *err)
{
	struct bt_strbuf m = BT_STRBUF_INIT;
	int rc = 0;

	if (!name)
		name = "<input>";
	for (size_t i = 0; i < run->n_results; i++) {
		const struct bt_result *r = &run->results[i];
		if (!r->series_key || key_matches(run, r, r->series_key))
			continue;
		if (!err)
			return BT_ESCHEMA;
		char k[17];
		bt_series_key(run->suite, r, run->machine.fingerprint,
			      r->n_metrics && r->metrics[0].name ? r->metrics[0].name
								 : "time", k);
		bt_strbuf_addf(&m, "%s: results[%zu].series_key: \"%s\" is not the key of "
				   "the result's identity (", name, i, r->series_key);
		identity_text(&m, r);
		bt_strbuf_addf(&m, " of suite \"%.80s\" on machine %.40s gives \"%s\"): "
				   "a forged or damaged series key",
			       run->suite ? run->suite : "",
			       run->machine.fingerprint ? run->machine.fingerprint : "(none)", k);
		rc = bt_error(err, BT_ESCHEMA, "%s", bt_strbuf_str(&m));
		bt_strbuf_release(&m);
		return rc;
	}
	if (run->n_results < 2)
		return 0;
	/* duplicates: the identity without suite, machine and metric, which
	 * are the same for every result of a run */
	struct ident *id = malloc(run->n_results * sizeof *id);
	if (!id)
		return bt_error(err, BT_ENOMEM, "%s: out of memory", name);
	for (size_t i = 0; i < run->n_results; i++) {
		bt_series_key("", &run->results[i], "", "", id[i].key);
		id[i].index = i;
	}
	qsort(id, run->n_results, sizeof *id, ident_cmp);
	/* of each group of equal keys (sorted by index), its first two; the
	 * pair whose second comes first in the run is reported */
	size_t first = 0, second = 0;
	for (size_t g = 0, i; g < run->n_results; g = i) {
		for (i = g + 1; i < run->n_results && !strcmp(id[i].key, id[g].key); i++)
			;
		if (i - g > 1 && (!second || id[g + 1].index < second)) {
			first = id[g].index;
			second = id[g + 1].index;
		}
	}
	free(id);
	if (!second)
		return 0;
	if (!err)
		return BT_ESCHEMA;
	bt_strbuf_addf(&m, "%s: results[%zu] and results[%zu]: the same benchmark "
			   "identity (", name, first, second);
	identity_text(&m, &run->results[second]);
	bt_strbuf_adds(&m, ") twice in one run");
	rc = bt_error(err, BT_ESCHEMA, "%s", bt_strbuf_str(&m));
	bt_strbuf_release(&m);
	return rc;
}

static json_t *parse(struct rd *rd, const char *text, size_t len, int *rc)
{
	json_error_t je;

	if (len > RUN_MAX_BYTES) {
		*rc = bt_error(rd->err, BT_ETOOBIG, "%s: larger than %zu bytes",
			       rd->name, RUN_MAX_BYTES);
		return NULL;
	}
	json_t *root = json_loadb(text ? text : "", text ? len : 0,
				  JSON_REJECT_DUPLICATES, &je);
	if (!root)
		*rc = bt_error(rd->err, BT_EPARSE, "%s:%d:%d: %s", rd->name,
			       je.line, je.column, je.text);
	else
		*rc = 0;
	return root;
}

int bt_run_from_json(struct bt_run *run, const char *text, size_t len,
		     const char *name, struct bt_strbuf *err)
{
	struct rd rd = { run, name ? name : "<input>", err };
	int rc;

	if (!run || !run->arena || run->n_results)
		return bt_error(err, BT_EINVAL,
				"%s: run not initialised or not empty",
				rd.name);
	json_t *root = parse(&rd, text, len, &rc);
	if (!root)
		return rc;
	rc = read_run(&rd, root);
	json_decref(root);
	return rc;
}

int bt_run_read_file(struct bt_run *run, const char *path,
		     struct bt_strbuf *err)
{
	char *data;
	size_t len;

	if (!path)
		return bt_error(err, BT_EINVAL, "bt_run_read_file: no path");
	int rc = bt__read_file(path, RUN_MAX_BYTES, &data, &len, err);
	if (rc)
		return rc;
	rc = bt_run_from_json(run, data, len, path, err);
	free(data);
	return rc;
}

int bt_result_from_json(struct bt_run *run, struct bt_result *r,
			const char *text, size_t len, const char *name,
			struct bt_strbuf *err)
{
	struct rd rd = { run, name ? name : "<input>", err };
	int rc;

	if (!run || !run->arena || !r)
		return bt_error(err, BT_EINVAL, "%s: run not initialised",
				rd.name);
	bt__result_defaults(r);
	json_t *root = parse(&rd, text, len, &rc);
	if (!root)
		return rc;
	rc = read_result(&rd, root, NULL, r);
	json_decref(root);
	return rc;
}
