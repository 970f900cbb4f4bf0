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
 * vectors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "import.h"
#include "internal.h"
#include "protocol.h"

/* The caps (docs/PROTOCOL.md "Limits"): a runaway script cannot make
 * benchtrack use more than a bounded amount of memory. */
#define MAX_LINE ((size_t)1 << 20)     /* bytes of one line */
#define MAX_LINES 100000               /* lines read of one run */
#define MAX_SAMPLES 1000000            /* samples kept per command */
#define MAX_ENTITIES 1000              /* benchmarks (name and params) */
#define MAX_SERIES 10000               /* metrics of all benchmarks */
#define MAX_PARAMS 64                  /* params of one line */
#define MAX_NAME 256                   /* bytes of a name, key or value */
#define MAX_UNIT 64                    /* bytes of a unit */
#define MAX_MESSAGE 4096               /* bytes of a status message kept */
#define MAX_WARNED 20                  /* malformed lines shown per run */

struct entity {
	const char *name;       /* NULL: the command's own */
	struct bt_kv *params;   /* sorted by key */
	size_t n_params;
	const char *key;        /* its hash key */
	enum bt_status status;  /* ok, failed or skipped */
	const char *message;
	struct bt_validation val;
	size_t bad;             /* malformed lines counted against it */
	int seen;               /* a valid line named it */
};

struct series {
	size_t entity;
	const char *metric;
	const char *unit;       /* after conversion: "s" for time units */
	enum bt_direction dir;
	const char *key;
	double *v;
	size_t n, alloc;
};

struct map {
	size_t *slot;           /* index + 1; 0 empty */
	size_t cap;             /* a power of two, or 0 */
};

struct bt__proto {
	struct bt_run scratch;  /* its arena holds the strings */
	struct entity *ent;
	size_t n_ent, a_ent;
	struct series *ser;
	size_t n_ser, a_ser;
	struct map ent_map, ser_map;
	size_t n_samples;       /* kept, all series */
	/* per feed */
	size_t warned;          /* malformed lines shown */
	size_t unshown;         /* malformed lines past MAX_WARNED */
	int capped;             /* the sample cap was announced */
};

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

static int kv_cmp(const void *a, const void *b)
{
	return strcmp(((const struct bt_kv *)a)->key, ((const struct bt_kv *)b)->key);
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
	qsort(L->params, L->n_params, sizeof *L->params, kv_cmp);
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

/* The larger of a running maximum m (NaN: none yet) and x (NaN: not
 * given); lower: the smaller. */
static double fold(double m, double x, int lower)
{
	if (isnan(x))
		return m;
	return isnan(m) || (lower ? x < m : x > m) ? x : m;
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
		v->max_abs_err = fold(v->max_abs_err, L->abs_err, 0);
		v->max_rel_err = fold(v->max_rel_err, L->rel_err, 0);
		v->tolerance = fold(v->tolerance, L->tol, 1); /* the strictest */
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
	json_t *o = json_loadb(s, n, JSON_REJECT_DUPLICATES, &je);
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

/* --- emitting ----------------------------------------------------------------- */

/* A result being made from entities. */
struct target {
	const char *name;        /* in the run's arena */
	struct bt_kv *params;    /* merged, sorted, in the run's arena */
	size_t n_params;
	size_t result;           /* index in run->results; own for the own */
	enum bt_status status;
	const char *message;
	struct bt_validation val;
	size_t bad;
	int made;                /* 1 once a result exists for it */
};

static int same_params(const struct bt_kv *a, size_t na, const struct bt_kv *b,
		       size_t nb)
{
	if (na != nb)
		return 0;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i].key, b[i].key) || strcmp(a[i].value ? a[i].value : "",
							 b[i].value ? b[i].value : ""))
			return 0;
	return 1;
}

/* The own result's params overridden and extended by e's (sorted), plus
 * extra (key "command", when not NULL), in run's arena; NULL on OOM. */
static struct bt_kv *merge_params(struct bt_run *run, const struct bt_result *own,
				  const struct entity *e, const char *extra,
				  size_t *n)
{
	size_t cap = own->n_params + e->n_params + 1;
	struct bt_kv *kv = bt_run_alloc(run, cap * sizeof *kv);
	if (!kv)
		return NULL;
	*n = 0;
	for (size_t i = 0; i < e->n_params; i++) {
		kv[*n].key = bt_run_strdup(run, e->params[i].key);
		kv[*n].value = bt_run_strdup(run, e->params[i].value);
		if (!kv[*n].key || !kv[*n].value)
			return NULL;
		(*n)++;
	}
	for (size_t i = 0; i < own->n_params; i++) {
		int dup = 0;
		for (size_t j = 0; j < e->n_params; j++)
			dup |= !strcmp(own->params[i].key, e->params[j].key);
		if (!dup)
			kv[(*n)++] = own->params[i];
	}
	if (extra) {
		int dup = 0;
		for (size_t j = 0; j < *n; j++)
			dup |= !strcmp(kv[j].key, "command");
		if (!dup) {
			kv[*n].key = "command";
			kv[(*n)++].value = extra;
		}
	}
	qsort(kv, *n, sizeof *kv, kv_cmp);
	return kv;
}

/* 1 when a result of run other than skip has the identity (name, variant
 * "default", params, version 1). */
static int taken(const struct bt_run *run, size_t skip, const char *name,
		 const struct bt_kv *kv, size_t n)
{
	for (size_t i = 0; i < run->n_results; i++) {
		const struct bt_result *r = &run->results[i];
		if (i != skip && r->name && !strcmp(r->name, name) &&
		    r->variant && !strcmp(r->variant, "default") && r->version == 1 &&
		    same_params(r->params, r->n_params, kv, n))
			return 1;
	}
	return 0;
}

static void merge_status(struct target *t, const struct entity *e)
{
	if (e->status != BT_STATUS_OK &&
	    (t->status == BT_STATUS_OK ||
	     (t->status == BT_STATUS_SKIPPED && e->status == BT_STATUS_FAILED))) {
		t->status = e->status;
		t->message = e->message;
	}
	if (e->val.checked) {
		struct bt_validation *v = &t->val;
		if (!v->checked) {
			*v = e->val;
		} else {
			v->max_abs_err = fold(v->max_abs_err, e->val.max_abs_err, 0);
			v->max_rel_err = fold(v->max_rel_err, e->val.max_rel_err, 0);
			v->tolerance = fold(v->tolerance, e->val.tolerance, 1);
			v->passed = v->passed && e->val.passed;
		}
	}
	t->bad += e->bad;
}

/* The metrics of target ti (series of the entities mapped to it, pooled by
 * name in first-seen order) appended to result r (an index of run). */
static int put_metrics(struct bt__proto *p, struct bt_run *run, size_t r,
		       const size_t *tgt, size_t ti, int is_own,
		       struct bt_strbuf *err)
{
	size_t want = 0;
	for (size_t i = 0; i < p->n_ser; i++)
		want += tgt[p->ser[i].entity] == ti;
	if (!want)
		return 0;
	struct bt_result *res = &run->results[r];
	struct bt_metric *m = bt_run_alloc(run, (res->n_metrics + want) * sizeof *m);
	size_t *done = calloc(p->n_ser, sizeof *done);
	double *buf = NULL;
	size_t n = res->n_metrics, a_buf = 0;
	int rc = BT_ENOMEM;
	if (!m || !done)
		goto out;
	if (n)
		memcpy(m, res->metrics, n * sizeof *m);
	/* a protocol "time" goes first in a result of its own, as the
	 * reader puts it */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < p->n_ser; i++) {
			const struct series *s = &p->ser[i];
			if (tgt[s->entity] != ti || done[i] ||
			    (!is_own && !pass && strcmp(s->metric, "time")) || (is_own && !pass))
				continue;
			size_t k = 0;
			for (size_t j = i; j < p->n_ser; j++) {
				const struct series *o = &p->ser[j];
				if (tgt[o->entity] != ti || done[j] || strcmp(o->metric, s->metric))
					continue;
				done[j] = 1;
				if (bt__vec_reserve((void **)&buf, &a_buf, k + o->n, sizeof *buf))
					goto out;
				memcpy(buf + k, o->v, o->n * sizeof *buf);
				k += o->n;
			}
			struct bt_metric *x = &m[n];
			memset(x, 0, sizeof *x);
			x->name = bt_run_strdup(run, s->metric);
			/* in the own result, a name it has (time, user_time, ...)
			 * stays the command's: the protocol's is "reported_NAME" */
			while (is_own && x->name && bt_result_metric(&(struct bt_result){
				       .metrics = m, .n_metrics = n }, x->name))
				x->name = bt_run_printf(run, "reported_%s", x->name);
			x->unit = bt_run_strdup(run, s->unit);
			x->direction = s->dir;
			x->samples = bt_run_alloc(run, (k ? k : 1) * sizeof *x->samples);
			if (!x->name || !x->unit || !x->samples)
				goto out;
			memcpy(x->samples, buf, k * sizeof *buf);
			x->n_samples = k;
			if ((rc = bt_stats_summarize(x->samples, k, &x->stats)))
				goto out;
			rc = BT_ENOMEM;
			n++;
		}
	res->metrics = m;
	res->n_metrics = n;
	rc = 0;
out:
	free(done);
	free(buf);
	if (rc)
		bt_error(err, rc, "metric protocol: out of memory");
	return rc;
}

/* Sets the status, validation and bad-line counter of target t on result r. */
static int put_rest(struct bt_run *run, struct bt_result *r, const struct target *t)
{
	if (t->status != BT_STATUS_OK && r->status == BT_STATUS_OK) {
		r->status = t->status;
		r->message = t->message ? bt_run_strdup(run, t->message)
			   : bt_run_strdup(run, t->status == BT_STATUS_SKIPPED
						? "skipped by the command"
						: "failed, said the command");
		if (!r->message)
			return BT_ENOMEM;
	}
	if (t->val.checked) {
		r->validation = t->val;
		if (!t->val.passed && r->status == BT_STATUS_OK) {
			r->status = BT_STATUS_FAILED;
			r->message = isnan(t->val.max_rel_err)
				? bt_run_strdup(run, "validation failed (said the command)")
				: bt_run_printf(run, "validation failed: max relative error %.3g "
						"(said the command)", t->val.max_rel_err);
			if (!r->message)
				return BT_ENOMEM;
		}
	}
	if (t->bad) {
		struct bt_counter *c = NULL;
		for (size_t i = 0; i < r->n_counters; i++)
			if (!strcmp(r->counters[i].name, "protocol_bad_lines"))
				c = &r->counters[i];
		if (!c) {
			struct bt_counter *a = bt_run_alloc(run, (r->n_counters + 1) * sizeof *a);
			if (!a)
				return BT_ENOMEM;
			if (r->n_counters)
				memcpy(a, r->counters, r->n_counters * sizeof *a);
			c = &a[r->n_counters];
			if (!(c->name = bt_run_strdup(run, "protocol_bad_lines")))
				return BT_ENOMEM;
			r->counters = a;
			r->n_counters++;
		}
		c->value += (double)t->bad;
	}
	return 0;
}

int bt__proto_emit(struct bt__proto *p, struct bt_run *run, size_t own,
		   struct bt_strbuf *err)
{
	if (!p || !run || own >= run->n_results)
		return bt_error(err, BT_EINVAL, "metric protocol: no such result");
	struct target *t = calloc(p->n_ent + 1, sizeof *t);
	size_t *tgt = calloc(p->n_ent, sizeof *tgt), nt = 1;
	int rc = BT_ENOMEM;
	if (!t || !tgt)
		goto out;
	const struct bt_result *o = &run->results[own];
	const char *own_name = o->name ? o->name : "";
	t[0].name = own_name;
	t[0].result = own;
	t[0].made = 1;
	/* every entity with something valid to a target: the own, or one
	 * made here by name and merged params */
	for (size_t i = 1; i < p->n_ent; i++) {
		const struct entity *e = &p->ent[i];
		o = &run->results[own];
		tgt[i] = (size_t)-1;
		if (!e->seen)
			continue;
		const char *name = e->name ? e->name : own_name;
		size_t n = 0;
		struct bt_kv *kv = merge_params(run, o, e, NULL, &n);
		if (!kv)
			goto out;
		if (!strcmp(name, own_name) && same_params(kv, n, o->params, o->n_params)) {
			tgt[i] = 0;
			continue;
		}
		for (size_t k = 1; k < nt && tgt[i] == (size_t)-1; k++)
			if (!strcmp(t[k].name, name) &&
			    same_params(t[k].params, t[k].n_params, kv, n))
				tgt[i] = k;
		if (tgt[i] != (size_t)-1)
			continue;
		/* another command's result (or an earlier one's report) with
		 * that identity: this command's is told apart by a param */
		if (taken(run, own, name, kv, n) &&
		    !(kv = merge_params(run, o, e, own_name, &n)))
			goto out;
		if (!(t[nt].name = bt_run_strdup(run, name)))
			goto out;
		t[nt].params = kv;
		t[nt].n_params = n;
		tgt[i] = nt++;
	}
	/* malformed lines only: to the first target of that name, else the
	 * own result */
	for (size_t i = 1; i < p->n_ent; i++) {
		const struct entity *e = &p->ent[i];
		if (e->seen)
			continue;
		tgt[i] = 0;
		for (size_t k = 1; k < nt && e->name; k++)
			if (!strcmp(t[k].name, e->name)) {
				tgt[i] = k;
				break;
			}
	}
	for (size_t i = 0; i < p->n_ent; i++)
		merge_status(&t[tgt[i]], &p->ent[i]);
	for (size_t k = 0; k < nt; k++) {
		if (!t[k].made) {
			const struct bt_result *src = &run->results[own];
			const char *group = src->group, *type = src->type;
			struct bt_result *r = bt_run_add_result(run);
			if (!r)
				goto out;
			r->name = t[k].name;
			r->group = group;
			r->type = type;
			r->variant = bt_run_strdup(run, "default");
			r->params = t[k].params;
			r->n_params = t[k].n_params;
			if (!r->variant)
				goto out;
			t[k].result = run->n_results - 1;
			t[k].made = 1;
		}
		if ((rc = put_metrics(p, run, t[k].result, tgt, k, k == 0, err)))
			goto out;
		rc = BT_ENOMEM;
		if (put_rest(run, &run->results[t[k].result], &t[k]))
			goto out;
	}
	rc = 0;
out:
	free(t);
	free(tgt);
	if (rc == BT_ENOMEM && (!err || !err->len))
		bt_error(err, rc, "metric protocol: out of memory");
	return rc;
}
