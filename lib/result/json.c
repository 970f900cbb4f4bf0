/* The JSON form of a run (schema "benchtrack.run/1", docs/FORMAT.md): the
 * strict reader, on top of jansson, walking the field table of
 * lib/result/schema.c (as do the writer, json_write.c, and the fast
 * reader, json_scan.c). A compressed document (compress.c) is inflated
 * first. */
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
#include "schema.h"

#define RUN_MAX_BYTES ((size_t)256 << 20)

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

static void *alloc_n(struct rd *rd, size_t n, size_t size)
{
	if (n == 0)
		return NULL;
	if (n > SIZE_MAX / size)
		return NULL;
	void *p = bt__arena_alloc(rd->run->arena, n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

/* --- the table walk (schema.h) ------------------------------------------ */

static int rd_value(struct rd *rd, const json_t *v, const struct seg *at,
		    const struct bt__field *f, char *base);

/* Field f of the object base, its value v: the value, then the field's
 * hooks. */
static int rd_field(struct rd *rd, const json_t *v, const struct seg *at,
		    const struct bt__field *f, char *base)
{
	int rc = rd_value(rd, v, at, f, base);
	if (rc)
		return rc;
	if (f->post)
		f->post(base);
	if (f->check) {
		const char *why = f->check(base + f->off);
		if (why)
			return fail(rd, at, BT_ESCHEMA, "%s", why);
	}
	return 0;
}

/* The members of the object o into base, pass by pass. */
static int rd_object(struct rd *rd, const json_t *o, const struct seg *at,
		     const struct bt__obj *ob, char *base)
{
	const struct bt__field *late[4];
	const json_t *late_v[4];
	size_t n_late = 0;
	unsigned passes = 1;
	int rc;

	for (size_t i = 0; i < ob->n; i++)
		if (ob->f[i].pass >= passes)
			passes = ob->f[i].pass + 1u;
	for (unsigned p = 0; p < passes; p++)
		for (size_t i = 0; i < ob->n; i++) {
			const struct bt__field *f = &ob->f[i];
			if (f->pass != p)
				continue;
			json_t *v = json_object_get(o, f->key);
			struct seg s = { at, f->key, 0 };
			if (!v) {
				if (f->flags & BT__F_REQ)
					return fail(rd, &s, BT_ESCHEMA,
						    "missing required field");
				continue;
			}
			if ((f->flags & BT__F_LATE) && n_late < 4 &&
			    f->type == BT__T_LIST) {
				/* the type now, the content at the end */
				if (json_is_array(v) || (json_is_null(v) &&
							 !(f->flags & BT__F_REQ))) {
					late[n_late] = f;
					late_v[n_late++] = v;
					continue;
				}
				return wrong(rd, &s, "an array", v);
			}
			if ((rc = rd_field(rd, v, &s, f, base)))
				return rc;
		}
	for (size_t i = 0; i < n_late; i++) {
		struct seg s = { at, late[i]->key, 0 };
		if ((rc = rd_field(rd, late_v[i], &s, late[i], base)))
			return rc;
	}
	return 0;
}

static int rd_int(struct rd *rd, const json_t *v, const struct seg *at,
		  const struct bt__field *f, char *p)
{
	int64_t x = 0;
	int rc = val_i64(rd, v, at, f->lo, f->hi, &x);
	if (rc)
		return rc;
	if (f->type == BT__T_INT)
		*(int *)p = (int)x;
	else if (f->type == BT__T_SIZE)
		*(size_t *)p = (size_t)x;
	else
		*(int64_t *)p = x;
	return 0;
}

/* A LIST or MAP of n elements: allocated, zeroed, initialised. */
static char *rd_elems(struct rd *rd, const struct bt__field *f, size_t n)
{
	char *e = alloc_n(rd, n, f->esize);
	if (e && f->init)
		for (size_t i = 0; i < n; i++)
			f->init(e + i * f->esize);
	return e;
}

static int rd_value(struct rd *rd, const json_t *v, const struct seg *at,
		    const struct bt__field *f, char *base)
{
	char *p = base + f->off;
	int req = f->flags & BT__F_REQ;
	int rc;

	switch (f->type) {
	case BT__T_STR:
		if (json_is_null(v)) /* optional: keep; required: wrong */
			return req ? wrong(rd, at, "a string", v) : 0;
		return val_str(rd, v, at, (const char **)p);
	case BT__T_NUM:
		return val_num(rd, v, at, (double *)p);
	case BT__T_INT:
	case BT__T_I64:
	case BT__T_SIZE:
		return json_is_null(v) ? 0 : rd_int(rd, v, at, f, p);
	case BT__T_U64:
		return json_is_null(v) ? 0 : val_u64(rd, v, at, (uint64_t *)p);
	case BT__T_BOOL:
	case BT__T_TRI:
		if (json_is_null(v)) {
			if (f->type == BT__T_TRI)
				*(int *)p = -1;
			return 0;
		}
		if (!json_is_boolean(v))
			return wrong(rd, at, "a boolean", v);
		*(int *)p = json_is_true(v);
		return 0;
	case BT__T_ENUM: {
		if (json_is_null(v) && !req)
			return 0;
		if (!json_is_string(v))
			return wrong(rd, at, "a string", v);
		int x;
		if (f->en->parse(json_string_value(v), &x))
			return fail(rd, at, BT_ESCHEMA, "unknown %s \"%.40s\"%s",
				    f->en->what, json_string_value(v), f->en->hint);
		*(int *)p = x;
		return 0;
	}
	case BT__T_CONST:
		if (!json_is_string(v))
			return wrong(rd, at, "a string", v);
		if (strcmp(json_string_value(v), f->cval))
			return fail(rd, at, BT_ESCHEMA,
				    "unsupported %s \"%.60s\" (expected \"%s\")",
				    f->key, json_string_value(v), f->cval);
		return val_str(rd, v, at, (const char **)p);
	case BT__T_OBJ:
		if (json_is_null(v) && !req)
			return 0;
		if (!json_is_object(v))
			return wrong(rd, at, "an object", v);
		if (f->pres == BT__P_FLAG)
			*(int *)(base + f->pres_off) = 1;
		return rd_object(rd, v, at, f->sub, p);
	case BT__T_LIST: {
		if (json_is_null(v) && !req)
			return 0;
		if (!json_is_array(v))
			return wrong(rd, at, "an array", v);
		size_t n = json_array_size(v);
		char *e = rd_elems(rd, f, n);
		if (n && !e)
			return nomem(rd);
		for (size_t i = 0; i < n; i++) {
			struct seg s = { at, NULL, i };
			if ((rc = rd_value(rd, json_array_get(v, i), &s, f->val,
					   e + i * f->esize)))
				return rc;
		}
		memcpy(p, &e, sizeof e);
		*(size_t *)(base + f->n_off) = n;
		return 0;
	}
	case BT__T_MAP: {
		if (json_is_null(v) && !req)
			return 0;
		if (!json_is_object(v))
			return wrong(rd, at, "an object", v);
		size_t n = json_object_size(v), i = 0;
		char *e = rd_elems(rd, f, n);
		const char *k;
		json_t *x;
		if (n && !e)
			return nomem(rd);
		json_object_foreach((json_t *)v, k, x) {
			struct seg s = { at, k, 0 };
			char *el = e + i * f->esize;
			const char *key = bt__arena_strdup(rd->run->arena, k);
			if (!key)
				return nomem(rd);
			memcpy(el + f->key_off, &key, sizeof key);
			if ((rc = rd_value(rd, x, &s, f->val, el)))
				return rc;
			i++;
		}
		memcpy(p, &e, sizeof e);
		*(size_t *)(base + f->n_off) = i;
		return 0;
	}
	}
	return fail(rd, at, BT_ESCHEMA, "unknown field type");
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
	int oom;
	json_t *root = bt__json_loadb(text ? text : "", text ? len : 0,
				      JSON_REJECT_DUPLICATES, &je, &oom);
	if (oom)
		*rc = bt_error(rd->err, BT_ENOMEM, "%s: out of memory", rd->name);
	else if (!root)
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
	char *plain = NULL;
	if (bt__run_compressed(text, len)) {
		if ((rc = bt__run_inflate(rd.name, text, len, RUN_MAX_BYTES, &plain,
					  &len, err)))
			return rc;
		text = plain;
	}
	json_t *root = parse(&rd, text, len, &rc);
	free(plain);
	if (!root)
		return rc;
	rc = rd_value(&rd, root, NULL, &bt__schema_run, (char *)run);
	if (!rc)
		rc = bt__run_check_identity(run, rd.name, err);
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
	rc = rd_value(&rd, root, NULL, &bt__schema_result, (char *)r);
	json_decref(root);
	return rc;
}
