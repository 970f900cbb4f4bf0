/* The metric protocol's accumulator (contract in protocol.h, the format in
 * docs/PROTOCOL.md): the lines a command appended to BENCHTRACK_METRICS,
 * read run after run and pooled per (benchmark, params, metric), then
 * turned into metrics and results of the run.
 *
 * Inside: "entities" are the benchmarks the lines name (name and params;
 * entity 0 is the command's own, no name and no params), "series" their
 * metrics with the pooled samples. Both are found through one small
 * open-addressing hash table each, keyed by text: the entity by
 * "NAME\x1eK\x1fV\x1f..." (params sorted; names hold no control
 * characters), the series by "ENTITY\x1eMETRIC". Strings live in the
 * arena of a scratch run (bt__imp_jtext wants one), samples in malloc'd
 * vectors (protocolint.h). The results are made in protocol_emit.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "import.h"
#include "internal.h"
#include "protocolint.h"

/* --- the hash tables ---------------------------------------------------- */

static const char *ent_key(const struct bt__proto *p, size_t i)
{
	return p->ent[i].key;
}

static const char *ser_key(const struct bt__proto *p, size_t i)
{
	return p->ser[i].key;
}

/* Index of key in m, or (size_t)-1; *at the slot where it goes. */
static size_t map_find(const struct bt__proto *p, const struct map *m,
		       const char *(*keyof)(const struct bt__proto *, size_t),
		       const char *key, size_t *at)
{
	if (!m->cap)
		return (size_t)-1;
	size_t i = (size_t)bt__fnv1a_str(BT__FNV_INIT, key) & (m->cap - 1);
	for (; m->slot[i]; i = (i + 1) & (m->cap - 1))
		if (strcmp(keyof(p, m->slot[i] - 1), key) == 0)
			return m->slot[i] - 1;
	*at = i;
	return (size_t)-1;
}

/* Adds index idx (whose key keyof gives) to m, which holds n entries
 * before; grows it to keep it at most half full. 0 or BT_ENOMEM. */
static int map_add(const struct bt__proto *p, struct map *m,
		   const char *(*keyof)(const struct bt__proto *, size_t),
		   size_t idx, size_t n)
{
	if ((n + 1) * 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		size_t *s = calloc(cap, sizeof *s);
		if (!s)
			return BT_ENOMEM;
		for (size_t k = 0; k < m->cap; k++) {
			if (!m->slot[k])
				continue;
			size_t i = (size_t)bt__fnv1a_str(BT__FNV_INIT,
							 keyof(p, m->slot[k] - 1)) &
				   (cap - 1);
			while (s[i])
				i = (i + 1) & (cap - 1);
			s[i] = m->slot[k];
		}
		free(m->slot);
		m->slot = s;
		m->cap = cap;
	}
	size_t at = 0;
	map_find(p, m, keyof, keyof(p, idx), &at);
	m->slot[at] = idx + 1;
	return 0;
}

/* --- new, free ---------------------------------------------------------- */

struct bt__proto *bt__proto_new(void)
{
	struct bt__proto *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	if (bt_run_init(&p->scratch) ||
	    bt__vec_reserve((void **)&p->ent, &p->a_ent, 1, sizeof *p->ent))
		goto oom;
	struct entity *e = &p->ent[0];
	memset(e, 0, sizeof *e);
	e->key = "";
	p->n_ent = 1;
	if (map_add(p, &p->ent_map, ent_key, 0, 0))
		goto oom;
	return p;
oom:
	bt__proto_free(p);
	return NULL;
}

void bt__proto_free(struct bt__proto *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_ser; i++)
		free(p->ser[i].v);
	free(p->ser);
	free(p->ent);
	free(p->ent_map.slot);
	free(p->ser_map.slot);
	bt_run_release(&p->scratch);
	free(p);
}

/* --- reading one line ----------------------------------------------------- */

/* What one line says, once checked. */
struct line {
	const char *bench;            /* NULL: the command's own */
	struct bt_kv params[MAX_PARAMS];
	size_t n_params;
	int params_ok;                /* params read (or absent) */
	const char *metric;
	double one;                   /* "value" */
	const json_t *values;         /* "values" array, or NULL */
	const char *unit;
	double scale;                 /* to the stored unit */
	int dir;                      /* 0: the unit's default */
	int status;                   /* -1: no status line */
	const char *message;
	const json_t *validation;
	int passed;
	double abs_err, rel_err, tol;
};

/* NULL when s is a usable name (non-empty, at most max bytes, no control
 * characters), else the problem. */
static const char *name_problem(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (!n)
		return "is empty";
	if (n > max)
		return "is too long";
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		if (*c < 0x20 || *c == 0x7f)
			return "has a control character";
	return NULL;
}

/* A member that is absent or null: NULL. */
static const json_t *member(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);
	return v && !json_is_null(v) ? v : NULL;
}

/* A string member k of o as a name in *out (NULL when absent); 0, or 1
 * with the problem in prob. */
static int get_name(const json_t *o, const char *k, size_t max,
		    const char **out, char *prob, size_t np)
{
	const json_t *v = member(o, k);
	*out = NULL;
	if (!v)
		return 0;
	if (!json_is_string(v)) {
		snprintf(prob, np, "\"%s\": not a string", k);
		return 1;
	}
	const char *why = name_problem(json_string_value(v), max);
	if (why) {
		snprintf(prob, np, "\"%s\": \"%.40s\" %s", k, json_string_value(v), why);
		return 1;
	}
	*out = json_string_value(v);
	return 0;
}

/* The "params" object into L->params (text in the scratch arena), sorted. */
static int get_params(struct bt__proto *p, const json_t *o, struct line *L,
		      char *prob, size_t np, int *oom)
{
	const json_t *ps = member(o, "params");
	L->n_params = 0;
	if (!ps)
		return 0;
	if (!json_is_object(ps)) {
		snprintf(prob, np, "\"params\": not an object");
		return 1;
	}
	if (json_object_size(ps) > MAX_PARAMS) {
		snprintf(prob, np, "\"params\": more than %d members", MAX_PARAMS);
		return 1;
	}
	const char *k;
	const json_t *v;
	json_object_foreach((json_t *)ps, k, v) {
		const char *why = name_problem(k, MAX_NAME);
		if (!why && strchr(k, '='))
			why = "has a '='";
		if (why) {
			snprintf(prob, np, "\"params\": key \"%.40s\" %s", k, why);
			return 1;
		}
		if (!json_is_string(v) && !json_is_number(v) && !json_is_boolean(v)) {
			snprintf(prob, np, "\"params\".%.40s: not a string, number or "
				 "boolean", k);
			return 1;
		}
		const char *t = bt__imp_jtext(&p->scratch, v, oom);
		if (!t)
			return *oom ? 0 : 1;
		if ((why = name_problem(t, MAX_NAME)) && *t) {
			snprintf(prob, np, "\"params\".%.40s: \"%.40s\" %s", k, t, why);
			return 1;
		}
		L->params[L->n_params].key = k;
		L->params[L->n_params++].value = t;
	}
	qsort(L->params, L->n_params, sizeof *L->params, bt__proto_kv_cmp);
	return 0;
}

/* Seconds per time unit u, 0 when u is not one. */
static double time_scale(const char *u)
{
	static const struct {
		const char *u;
		double s;
	} t[] = { { "s", 1 }, { "ms", 1e-3 }, { "us", 1e-6 },
		  { "\xc2\xb5s", 1e-6 } /* U+00B5 micro sign */,
		  { "\xce\xbcs", 1e-6 } /* U+03BC greek mu */, { "ns", 1e-9 } };
	for (size_t i = 0; i < sizeof t / sizeof *t; i++)
		if (strcmp(u, t[i].u) == 0)
			return t[i].s;
	return 0;
}

static int finite_number(const json_t *v, double *x)
{
	if (!json_is_number(v))
		return 0;
	*x = json_number_value(v);
	return isfinite(*x);
}

/* The metric part of a line. 0, or 1 with the problem. */
static int get_metric(const json_t *o, struct line *L, char *prob, size_t np)
{
	const json_t *one = member(o, "value"), *many = member(o, "values");
	if (one && many) {
		snprintf(prob, np, "both \"value\" and \"values\"");
		return 1;
	}
	if (!one && !many) {
		snprintf(prob, np, "missing \"value\" (or \"values\")");
		return 1;
	}
	if (one && !finite_number(one, &L->one)) {
		snprintf(prob, np, "\"value\": not a finite number");
		return 1;
	}
	if (many) {
		if (!json_is_array(many)) {
			snprintf(prob, np, "\"values\": not an array of finite numbers");
			return 1;
		}
		if (!json_array_size(many)) {
			snprintf(prob, np, "\"values\": an empty array");
			return 1;
		}
		for (size_t i = 0; i < json_array_size(many); i++) {
			double x;
			if (!finite_number(json_array_get(many, i), &x)) {
				snprintf(prob, np, "\"values\"[%zu]: not a finite number", i);
				return 1;
			}
		}
		L->values = many;
	}
	if (get_name(o, "unit", MAX_UNIT, &L->unit, prob, np)) {
		/* "" is a unit too: none */
		const json_t *u = member(o, "unit");
		if (!json_is_string(u) || *json_string_value(u))
			return 1;
		L->unit = "";
	}
	if (!L->unit)
		L->unit = "";
	double f = time_scale(L->unit);
	L->scale = f > 0 ? f : 1;
	if (f > 0)
		L->unit = "s";
	const json_t *d = member(o, "direction");
	if (d) {
		const char *s = json_is_string(d) ? json_string_value(d) : NULL;
		if (s && !strcmp(s, "lower"))
			L->dir = BT_LOWER_IS_BETTER;
		else if (s && !strcmp(s, "higher"))
			L->dir = BT_HIGHER_IS_BETTER;
		else {
			if (s)
				snprintf(prob, np, "\"direction\": \"%.40s\" is not lower "
					 "or higher", s);
			else
				snprintf(prob, np, "\"direction\": not a string");
			return 1;
		}
	}
	return 0;
}

/* The status part. 0, or 1 with the problem. */
static int get_status(const json_t *o, struct line *L, char *prob, size_t np)
{
	const json_t *s = member(o, "status"), *m = member(o, "message");
	if (!json_is_string(s)) {
		snprintf(prob, np, "\"status\": not a string");
		return 1;
	}
	const char *w = json_string_value(s);
	L->status = !strcmp(w, "ok") ? BT_STATUS_OK
		  : !strcmp(w, "failed") ? BT_STATUS_FAILED
		  : !strcmp(w, "skipped") ? BT_STATUS_SKIPPED : -1;
	if (L->status < 0) {
		snprintf(prob, np, "\"status\": \"%.40s\" is not ok, failed or skipped", w);
		return 1;
	}
	if (m && !json_is_string(m)) {
		snprintf(prob, np, "\"message\": not a string");
		return 1;
	}
	L->message = m ? json_string_value(m) : NULL;
	return 0;
}

/* The validation part. 0, or 1 with the problem. */
static int get_validation(const json_t *o, struct line *L, char *prob, size_t np)
{
	static const char *const nums[] = { "max_abs_err", "max_rel_err", "tolerance" };
	const json_t *v = member(o, "validation");
	if (!json_is_object(v)) {
		snprintf(prob, np, "\"validation\": not an object");
		return 1;
	}
	double *dst[] = { &L->abs_err, &L->rel_err, &L->tol };
	for (size_t i = 0; i < 3; i++) {
		const json_t *x = member(v, nums[i]);
		*dst[i] = NAN;
		if (x && !finite_number(x, dst[i])) {
			snprintf(prob, np, "\"validation\".%s: not a finite number", nums[i]);
			return 1;
		}
	}
	const json_t *ok = json_object_get(v, "passed");
	if (!json_is_boolean(ok)) {
		snprintf(prob, np, "\"validation\".passed: %s",
			 ok ? "not a boolean" : "missing");
		return 1;
	}
	L->passed = json_is_true(ok);
	L->validation = v;
	return 0;
}

/* --- entities and series ------------------------------------------------- */

/* The entity of (name, params), made when new; *idx. 0, 1 when the cap is
 * reached (prob set), or BT_ENOMEM. */
static int entity(struct bt__proto *p, const char *name, const struct bt_kv *ps,
		  size_t n, size_t *idx, char *prob, size_t np)
{
	struct bt_strbuf k = BT_STRBUF_INIT;
	int rc = 0;
	if (!name && !n) {
		*idx = 0;
		return 0;
	}
	bt_strbuf_adds(&k, name ? name : "");
	bt_strbuf_addc(&k, '\x1e');
	for (size_t i = 0; i < n; i++)
		bt_strbuf_addf(&k, "%s\x1f%s\x1f", ps[i].key, ps[i].value);
	if (!k.buf)
		return BT_ENOMEM;
	size_t at = 0;
	size_t i = map_find(p, &p->ent_map, ent_key, k.buf, &at);
	if (i != (size_t)-1) {
		*idx = i;
		goto out;
	}
	if (p->n_ent >= MAX_ENTITIES) {
		snprintf(prob, np, "more than %d benchmarks: ignored", MAX_ENTITIES);
		rc = 1;
		goto out;
	}
	if (bt__vec_reserve((void **)&p->ent, &p->a_ent, p->n_ent + 1, sizeof *p->ent)) {
		rc = BT_ENOMEM;
		goto out;
	}
	struct entity *e = &p->ent[p->n_ent];
	memset(e, 0, sizeof *e);
	e->key = bt_run_strdup(&p->scratch, k.buf);
	e->name = name ? bt_run_strdup(&p->scratch, name) : NULL;
	e->params = n ? bt_run_alloc(&p->scratch, n * sizeof *e->params) : NULL;
	if (!e->key || (name && !e->name) || (n && !e->params)) {
		rc = BT_ENOMEM;
		goto out;
	}
	for (size_t j = 0; j < n; j++) {
		e->params[j].key = bt_run_strdup(&p->scratch, ps[j].key);
		e->params[j].value = ps[j].value; /* already in the arena */
		if (!e->params[j].key) {
			rc = BT_ENOMEM;
			goto out;
		}
	}
	e->n_params = n;
	if ((rc = map_add(p, &p->ent_map, ent_key, p->n_ent, p->n_ent)))
		goto out;
	*idx = p->n_ent++;
out:
	bt_strbuf_release(&k);
	return rc;
}

/* The series of metric L->metric of entity ei, made when new; 0, 1 with
 * the problem (another unit or direction than its first line, the cap),
 * or BT_ENOMEM. */
static int series(struct bt__proto *p, size_t ei, const struct line *L,
		  size_t *idx, char *prob, size_t np)
{
	char head[32];
	struct bt_strbuf k = BT_STRBUF_INIT;
	int rc = 0;
	size_t ul = strlen(L->unit);
	int dir = L->dir ? L->dir
		: ul >= 2 && !strcmp(L->unit + ul - 2, "/s") ? BT_HIGHER_IS_BETTER
							       : BT_LOWER_IS_BETTER;
	snprintf(head, sizeof head, "%zu\x1e", ei);
	bt_strbuf_adds(&k, head);
	bt_strbuf_adds(&k, L->metric);
	if (!k.buf)
		return BT_ENOMEM;
	size_t at = 0;
	size_t i = map_find(p, &p->ser_map, ser_key, k.buf, &at);
	if (i != (size_t)-1) {
		const struct series *s = &p->ser[i];
		if (strcmp(s->unit, L->unit)) {
			snprintf(prob, np, "metric \"%.40s\": unit \"%.20s\" differs from "
				 "\"%.20s\" of its first line", L->metric, L->unit, s->unit);
			rc = 1;
		} else if ((int)s->dir != dir) {
			snprintf(prob, np, "metric \"%.40s\": direction %s differs from "
				 "%s of its first line", L->metric,
				 dir > 0 ? "higher" : "lower", s->dir > 0 ? "higher" : "lower");
			rc = 1;
		}
		*idx = i;
		goto out;
	}
	if (p->n_ser >= MAX_SERIES) {
		snprintf(prob, np, "more than %d metrics: ignored", MAX_SERIES);
		rc = 1;
		goto out;
	}
	if (bt__vec_reserve((void **)&p->ser, &p->a_ser, p->n_ser + 1, sizeof *p->ser)) {
		rc = BT_ENOMEM;
		goto out;
	}
	struct series *s = &p->ser[p->n_ser];
	memset(s, 0, sizeof *s);
	s->entity = ei;
	s->dir = (enum bt_direction)dir;
	s->key = bt_run_strdup(&p->scratch, k.buf);
	s->metric = bt_run_strdup(&p->scratch, L->metric);
	s->unit = bt_run_strdup(&p->scratch, L->unit);
	if (!s->key || !s->metric || !s->unit) {
		rc = BT_ENOMEM;
		goto out;
	}
	if ((rc = map_add(p, &p->ser_map, ser_key, p->n_ser, p->n_ser)))
		goto out;
	*idx = p->n_ser++;
out:
	bt_strbuf_release(&k);
	return rc;
}

/* Appends the samples of L to series si, up to the cap. */
static int add_samples(struct bt__proto *p, size_t si, const struct line *L,
		       const char *label, size_t lineno, struct bt_strbuf *warn)
{
	struct series *s = &p->ser[si];
	size_t n = L->values ? json_array_size(L->values) : 1, room = MAX_SAMPLES - p->n_samples;
	if (n > room) {
		if (!p->capped &&
		    bt_strbuf_addf(warn, "%s: line %zu: more than %d samples in all: "
				   "the rest are ignored\n", label, lineno, MAX_SAMPLES))
			return BT_ENOMEM;
		p->capped = 1;
		n = room;
	}
	if (!n)
		return 0;
	if (bt__vec_reserve((void **)&s->v, &s->alloc, s->n + n, sizeof *s->v))
		return BT_ENOMEM;
	for (size_t i = 0; i < n; i++)
		s->v[s->n++] = (L->values ? json_number_value(json_array_get(L->values, i))
					  : L->one) * L->scale;
	p->n_samples += n;
	return 0;
}

/* --- feeding ----------------------------------------------------------------- */

/* Counts a malformed line against entity ei and says so. */
static int bad(struct bt__proto *p, size_t ei, const char *label, size_t lineno,
	       const char *prob, struct bt_strbuf *warn)
{
	p->ent[ei].bad++;
	if (p->warned >= MAX_WARNED) {
		p->unshown++;
		return 0;
	}
	p->warned++;
	char clean[320];
	size_t n = 0;
	for (; prob[n] && n + 1 < sizeof clean; n++)
		clean[n] = (unsigned char)prob[n] < 0x20 || prob[n] == 0x7f ? '?' : prob[n];
	clean[n] = '\0';
	return bt_strbuf_addf(warn, "%s: line %zu: %s\n", label, lineno, clean)
		       ? BT_ENOMEM : 0;
}

/* Applies the parsed, valid line L to entity ei (its status and
 * validation; the samples are add_samples'). */
static int apply(struct bt__proto *p, size_t ei, const struct line *L)
{
	struct entity *e = &p->ent[ei];
	e->seen = 1;
	if (L->status > 0 && (e->status == BT_STATUS_OK ||
			      (e->status == BT_STATUS_SKIPPED &&
			       L->status == BT_STATUS_FAILED))) {
		e->status = (enum bt_status)L->status;
		e->message = NULL;
		if (L->message) {
			size_t n = strlen(L->message);
			if (n > MAX_MESSAGE) {
				n = MAX_MESSAGE;
				while (n && ((unsigned char)L->message[n] & 0xc0) == 0x80)
					n--; /* not inside a UTF-8 sequence */
			}
			if (!(e->message = bt__arena_strndup(p->scratch.arena,
							     L->message, n)))
				return BT_ENOMEM;
		}
	}
	if (L->validation) {
		struct bt_validation *v = &e->val;
		if (!v->checked) {
			v->checked = 1;
			v->passed = 1;
			v->max_abs_err = v->max_rel_err = v->tolerance = NAN;
		}
		v->max_abs_err = bt__proto_fold(v->max_abs_err, L->abs_err, 0);
		v->max_rel_err = bt__proto_fold(v->max_rel_err, L->rel_err, 0);
		v->tolerance = bt__proto_fold(v->tolerance, L->tol, 1); /* the strictest */
		v->passed = v->passed && L->passed;
	}
	return 0;
}

/* One line [s, s+n) numbered lineno; partial: the last, without '\n'. */
static int feed_line(struct bt__proto *p, const char *s, size_t n, int partial,
		     size_t lineno, const char *label, struct bt_strbuf *warn)
{
	char prob[320];
	size_t i = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
		i++;
	if (i == n)
		return 0; /* blank */
	if (n > MAX_LINE)
		return bad(p, 0, label, lineno,
			   partial ? "partial last line (the command was killed?)"
				   : "line longer than 1048576 bytes", warn);
	json_error_t je;
	/* integers as doubles: one too big for 64 bits is still a finite
	 * number (a param's text is the same either way, bt__imp_jtext) */
	json_t *o = json_loadb(s, n, JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL, &je);
	if (!o) {
		if (partial)
			return bad(p, 0, label, lineno,
				   "partial last line (the command was killed?)", warn);
		snprintf(prob, sizeof prob, "not JSON: %s (column %d)%s", je.text,
			 je.column, strstr(je.text, "NaN") || strstr(je.text, "Infinity")
					    ? ": NaN and Infinity are not JSON numbers" : "");
		return bad(p, 0, label, lineno, prob, warn);
	}
	int rc = 0, oom = 0;
	size_t ei = 0;
	struct line *L = calloc(1, sizeof *L);
	if (!L) {
		json_decref(o);
		return BT_ENOMEM;
	}
	L->status = -1;
	if (!json_is_object(o)) {
		rc = bad(p, 0, label, lineno, "not a JSON object", warn);
		goto out;
	}
	/* whom the line is about, as far as it can be read */
	int broken = get_name(o, "benchmark", MAX_NAME, &L->bench, prob, sizeof prob);
	if (!broken) {
		broken = get_params(p, o, L, prob, sizeof prob, &oom);
		if (oom) {
			rc = BT_ENOMEM;
			goto out;
		}
		L->params_ok = !broken;
	}
	if (!broken || L->bench) {
		char capped[80];
		int r = entity(p, L->bench, L->params, L->params_ok ? L->n_params : 0,
			       &ei, capped, sizeof capped);
		if (r < 0) {
			rc = r;
			goto out;
		}
		if (r) { /* the cap: counted against the own */
			ei = 0;
			if (!broken)
				snprintf(prob, sizeof prob, "%s", capped);
			broken = 1;
		}
	}
	if (broken) {
		rc = bad(p, ei, label, lineno, prob, warn);
		goto out;
	}
	const json_t *m = member(o, "metric");
	int has_status = member(o, "status") != NULL;
	int has_val = member(o, "validation") != NULL;
	if (!m && !has_status && !has_val) {
		rc = bad(p, ei, label, lineno,
			 "missing \"metric\" (nor a \"status\" or \"validation\" line)", warn);
		goto out;
	}
	if ((m && (get_name(o, "metric", MAX_NAME, &L->metric, prob, sizeof prob) ||
		   get_metric(o, L, prob, sizeof prob))) ||
	    (has_status && get_status(o, L, prob, sizeof prob)) ||
	    (has_val && get_validation(o, L, prob, sizeof prob))) {
		rc = bad(p, ei, label, lineno, prob, warn);
		goto out;
	}
	size_t si = 0;
	if (L->metric) {
		int r = series(p, ei, L, &si, prob, sizeof prob);
		if (r < 0) {
			rc = r;
			goto out;
		}
		if (r) {
			rc = bad(p, ei, label, lineno, prob, warn);
			goto out;
		}
	}
	if ((rc = apply(p, ei, L)))
		goto out;
	if (L->metric)
		rc = add_samples(p, si, L, label, lineno, warn);
out:
	free(L);
	json_decref(o);
	return rc;
}

int bt__proto_feed(struct bt__proto *p, const char *text, size_t len,
		   const char *label, struct bt_strbuf *warn)
{
	size_t pos = 0, lineno = 0;
	int rc = 0;
	if (!label)
		label = "metrics";
	p->warned = p->unshown = 0;
	p->capped = 0;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		if (++lineno > MAX_LINES) {
			if (bt_strbuf_addf(warn, "%s: more than %d lines: line %zu and "
					   "after are ignored\n", label, MAX_LINES, lineno))
				return BT_ENOMEM;
			break;
		}
		if ((rc = feed_line(p, text + pos, end - pos, !nl, lineno, label, warn)))
			return rc;
		pos = end + 1;
	}
	if (p->unshown &&
	    bt_strbuf_addf(warn, "%s: %zu more malformed line%s not shown\n", label,
			   p->unshown, p->unshown == 1 ? "" : "s"))
		return BT_ENOMEM;
	return 0;
}
