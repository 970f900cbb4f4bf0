/* The dashboard's series files and the overview's open regressions
 * (bt__dash_on_series, contract in dash.h).
 *
 * data/series/ID.js (ID: the series key, KEY-HASH for a metric other
 * than time, see series_id): a first line SERIES_FORMAT HASH (the hash of
 * all the file is made of), then {key, name, suite, variant, params, machine,
 * fingerprint, metric, unit, dir, type, r [] (the point's run: an index
 * into index.rt, -1 unknown), v [], p25 [], p75 [], min [], max [], n []
 * (one entry per point, oldest first; numbers with 6 significant digits),
 * cps [{i, p, before, after, rel, worse, acked, fx (a regression partly
 * fixed later: the point of the fix, else -1), fb, fr (then: the level
 * now, the part undone)}] (not the edges of an excursion, a slowdown
 * fixed later included), ev [{s (0 pending, 1 reverted), x (1: an excursion), i, e
 * (its return), before, after, back, rel, p, pa (points after i, or
 * after e), more (points that confirm it), worse, acked}] (the events of
 * bt_series_events), acks [{commit, reason,
 * who, when, i (the first point at that commit, -1 none)}]}. A rebuild
 * keeps a series file whose hash is unchanged and reads its change points
 * back instead of computing them.
 *
 * Open regressions follow the rule shared with `benchtrack regressions`
 * and `history` (include/benchtrack/regress.h): change points of
 * bt_series_changepoints with bt_cp_opts_default where the metric got
 * worse (bt_series_change_worse), not acknowledged
 * (bt_series_change_acked), not an edge of a reverted event (a short
 * excursion, or a slowdown fixed later: bt_series_change_fix); one
 * partly fixed later says so ("back", "recovered", "backCommit").
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../internal.h"
#include "../../result/json_scan.h"
#include "../../result/schema.h"
#include "dash.h"

#define SPARK_SIDE 30     /* points either side of a regression's sparkline */
/* + hash; v6: the detector splits boxes (its change points differ); v5:
 * slowdowns fixed later are reverted events, partial fixes */
#define SERIES_FORMAT "/* benchtrack dashboard series v6 "

/* Appends {t, json} to the list *regs of *n (d->regs or d->evs). */
static int add_to(struct reg **regs, size_t *n, size_t *alloc, const char *t,
		  struct bt_strbuf *json)
{
	if (bt__vec_reserve((void **)regs, alloc, *n + 1, sizeof **regs))
		return BT_ENOMEM;
	(*regs)[*n].t = strdup(t ? t : "");
	(*regs)[*n].json = bt_strbuf_detach(json);
	if (!(*regs)[*n].t || !(*regs)[*n].json) {
		free((*regs)[*n].t);
		free((*regs)[*n].json);
		return BT_ENOMEM;
	}
	(*n)++;
	return 0;
}

static int add_reg(struct dash *d, const char *t, struct bt_strbuf *json)
{
	return add_to(&d->regs, &d->n_regs, &d->alloc_regs, t, json);
}

static void js_points(struct bt_strbuf *b, const char *k, const struct bt_series *s,
		      size_t off)
{
	bt__js_key(b, k);
	bt_strbuf_addc(b, '[');
	for (size_t i = 0; i < s->n; i++) {
		if (i)
			bt_strbuf_addc(b, ',');
		bt__js_num(b, *(const double *)((const char *)&s->points[i] + off));
	}
	bt_strbuf_add(b, "],", 2);
}

/* The id of a series on the dashboard (its file's stem, "k"): the key of
 * the time metric's series, KEY-HASH for another metric of the same
 * results (HASH: 8 hex digits of FNV-1a of the metric's name), so that
 * every metric of a run has its trend. */
static void series_id(const struct bt_series *s, char out[40])
{
	if (!s->metric || strcmp(s->metric, "time") == 0)
		snprintf(out, 40, "%s", s->series_key);
	else
		snprintf(out, 40, "%s-%08x", s->series_key,
			 (unsigned)(bt__fnv1a(BT__FNV_INIT, s->metric, strlen(s->metric)) &
				    0xffffffffu));
}

/* The identity members shared by the series file, index.series and
 * index.regs. */
static void js_identity(struct bt_strbuf *b, const struct bt_series *s, const char *type)
{
	char id[40];
	series_id(s, id);
	bt__js_kstr(b, "k", id);
	bt__js_kstr(b, "name", s->name);
	bt__js_kstr(b, "suite", s->suite);
	bt__js_kstr(b, "variant", s->variant);
	bt__js_kstr(b, "params", s->params);
	bt__js_kstr(b, "machine", s->machine ? s->machine : s->fingerprint);
	bt__js_kstr(b, "metric", s->metric);
	bt__js_kstr(b, "unit", s->unit ? s->unit : "s");
	bt__js_kint(b, "dir", s->direction == BT_HIGHER_IS_BETTER ? 1 : -1);
	bt__js_kstr(b, "type", type);
}

/* --- the hash of a series file's inputs --- */


/* FNV-1a (bt__fnv1a) of s with its NUL; NULL hashes as "\1". */
static uint64_t h_str(uint64_t h, const char *s)
{
	if (!s)
		return bt__fnv1a(h, "\1", 1);
	return bt__fnv1a(h, s, strlen(s) + 1);
}

/* one multiply per word: inputs are mostly numbers */
#define h_u64 bt__hash_u64
#define h_dbl bt__hash_dbl

/* Everything the series file of s is made of: its identity, type, run
 * indexes, points (with their commits and times) and the acks of the
 * series. Equal hashes: the same file, with the same change points. */
static uint64_t series_hash(const struct dash *d, const struct bt_series *s,
			    const char *type, const long long *ri)
{
	uint64_t h = BT__FNV_INIT;
	const char *ids[] = { s->series_key, s->name, s->suite, s->variant, s->params,
			      s->machine, s->fingerprint, s->metric, s->unit, type };
	for (size_t i = 0; i < sizeof ids / sizeof *ids; i++)
		h = h_str(h, ids[i]);
	h = h_u64(h, (uint64_t)s->direction);
	h = h_u64(h, s->n);
	for (size_t i = 0; i < s->n; i++) {
		const struct bt_series_point *p = &s->points[i];
		h = h_u64(h, (uint64_t)ri[i]);
		h = h_dbl(h, p->value);
		h = h_dbl(h, p->p25);
		h = h_dbl(h, p->p75);
		h = h_dbl(h, p->min);
		h = h_dbl(h, p->max);
		h = h_u64(h, p->n);
		h = h_str(h, p->run_id);
		h = h_str(h, p->commit);
		h = h_str(h, p->timestamp);
	}
	for (size_t a = 0; a < d->acks.n; a++) {
		const struct bt_ack *ak = &d->acks.items[a];
		if (!ak->series_key || strcmp(ak->series_key, s->series_key) != 0)
			continue;
		h = h_str(h, ak->commit);
		h = h_str(h, ak->reason);
		h = h_str(h, ak->who);
		h = h_str(h, ak->when);
	}
	return h;
}

/* Reads DIR/rel when it starts with head; NULL otherwise. */
/* Reads fd into buf from got up to want bytes; the bytes it has. */
static size_t read_upto(int fd, char *buf, size_t got, size_t want)
{
	while (got < want) {
		ssize_t r = read(fd, buf + got, want - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	return got;
}

static char *read_if_current(const struct dash *d, const char *rel, const char *head,
			     size_t *len)
{
	char *path = bt__pathf("%s/%s", d->dir, rel), *buf = NULL;
	size_t hl = strlen(head), size, got;
	struct stat sb;
	int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	free(path);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &sb) == 0 && sb.st_size >= (off_t)hl &&
	    (buf = malloc((size = (size_t)sb.st_size) + 1))) {
		/* the head first: a series that got a point differs there,
		 * and the rest of its file is not read */
		got = read_upto(fd, buf, 0, hl);
		if (got == hl && memcmp(buf, head, hl) == 0)
			got = read_upto(fd, buf, got, size);
		if (got != size || memcmp(buf, head, hl) != 0) {
			free(buf);
			buf = NULL;
		} else {
			buf[got] = '\0';
			*len = got;
		}
	}
	close(fd);
	return buf;
}

/* A change point as bt__dash_on_series writes it ("worse" and "acked" are
 * recomputed, so only checked), with its partial fix (fx the point, -1
 * none; fb the level now, fr the part undone): a field table for the
 * fast reader's lexer (lib/result/schema.h, lib/result/json_scan.h). */
struct dash_cp {
	struct bt_change_point c;
	int64_t fx;
	double fb, fr;
};
static const struct bt__field cp_fields[] = {
	{ .key = "i", .klen = 1, .type = BT__T_SIZE, .lo = 0, .hi = INT64_MAX,
	  .off = offsetof(struct dash_cp, c.index) },
	{ .key = "p", .klen = 1, .type = BT__T_NUM,
	  .off = offsetof(struct dash_cp, c.p_value) },
	{ .key = "before", .klen = 6, .type = BT__T_NUM,
	  .off = offsetof(struct dash_cp, c.mean_before) },
	{ .key = "after", .klen = 5, .type = BT__T_NUM,
	  .off = offsetof(struct dash_cp, c.mean_after) },
	{ .key = "rel", .klen = 3, .type = BT__T_NUM,
	  .off = offsetof(struct dash_cp, c.rel_change) },
	{ .key = "fx", .klen = 2, .type = BT__T_I64, .lo = -1, .hi = INT64_MAX,
	  .flags = BT__F_REQ, .off = offsetof(struct dash_cp, fx) },
	{ .key = "fb", .klen = 2, .type = BT__T_NUM, .off = offsetof(struct dash_cp, fb) },
	{ .key = "fr", .klen = 2, .type = BT__T_NUM, .off = offsetof(struct dash_cp, fr) },
};
static const struct bt__obj cp_obj = { cp_fields, 8, 0 };
static const struct bt__field cp_value = {
	.type = BT__T_OBJ, .flags = BT__F_REQ, .sub = &cp_obj
};
/* what a list field is scanned into */
struct list {
	void *items;
	size_t n;
};
static const struct bt__field cps_field = {
	.type = BT__T_LIST, .flags = BT__F_REQ, .val = &cp_value,
	.off = offsetof(struct list, items),
	.n_off = offsetof(struct list, n),
	.esize = sizeof(struct dash_cp)
};

/* An event (bt_series_events) as bt__dash_on_series writes it in "ev"
 * (s status, x excursion, i index, e end, before, after, back, rel, p,
 * pa points_after, more, worse), read back for a kept file. */
static const struct bt__field ev_fields[] = {
	{ .key = "s", .klen = 1, .type = BT__T_INT, .lo = 0, .hi = 1,
	  .off = offsetof(struct bt_series_event, status) },
	{ .key = "x", .klen = 1, .type = BT__T_INT, .lo = 0, .hi = 1,
	  .off = offsetof(struct bt_series_event, excursion) },
	{ .key = "i", .klen = 1, .type = BT__T_SIZE, .lo = 0, .hi = INT64_MAX,
	  .off = offsetof(struct bt_series_event, index) },
	{ .key = "e", .klen = 1, .type = BT__T_SIZE, .lo = 0, .hi = INT64_MAX,
	  .off = offsetof(struct bt_series_event, end) },
	{ .key = "before", .klen = 6, .type = BT__T_NUM,
	  .off = offsetof(struct bt_series_event, mean_before) },
	{ .key = "after", .klen = 5, .type = BT__T_NUM,
	  .off = offsetof(struct bt_series_event, mean_after) },
	{ .key = "back", .klen = 4, .type = BT__T_NUM,
	  .off = offsetof(struct bt_series_event, mean_back) },
	{ .key = "rel", .klen = 3, .type = BT__T_NUM,
	  .off = offsetof(struct bt_series_event, rel_change) },
	{ .key = "p", .klen = 1, .type = BT__T_NUM,
	  .off = offsetof(struct bt_series_event, p_value) },
	{ .key = "pa", .klen = 2, .type = BT__T_SIZE, .lo = 0, .hi = INT64_MAX,
	  .off = offsetof(struct bt_series_event, points_after) },
	{ .key = "more", .klen = 4, .type = BT__T_SIZE, .lo = 0, .hi = INT64_MAX,
	  .off = offsetof(struct bt_series_event, more) },
	{ .key = "worse", .klen = 5, .type = BT__T_INT, .lo = 0, .hi = 1,
	  .off = offsetof(struct bt_series_event, worse) },
};
static const struct bt__obj ev_obj = { ev_fields, 12, 0 };
static const struct bt__field ev_value = {
	.type = BT__T_OBJ, .flags = BT__F_REQ, .sub = &ev_obj
};
static const struct bt__field evs_field = {
	.type = BT__T_LIST, .flags = BT__F_REQ, .val = &ev_value,
	.off = offsetof(struct list, items),
	.n_off = offsetof(struct list, n),
	.esize = sizeof(struct bt_series_event)
};

/* The list that follows key (",\"NAME\":[") in a series file, read by
 * field (a BT__T_LIST of struct list), into *items (malloc'd, NULL when
 * empty) and *n; -1 when it cannot be read back (*items NULL). */
static int parse_list(const char *text, const char *key, const struct bt__field *field,
		      void **items, size_t *n)
{
	const char *p = strstr(text, key);
	struct list got = { NULL, 0 };
	struct bt_arena *a;
	size_t used;
	int rc;

	*items = NULL;
	*n = 0;
	if (!p || !(a = bt__arena_new()))
		return -1;
	p += strlen(key) - 1; /* at the '[' */
	rc = bt__scan_value(p, strlen(p), field, &got, a, &used);
	if (!rc && got.n) {
		*items = malloc(got.n * field->esize);
		if (*items) {
			memcpy(*items, got.items, got.n * field->esize);
			*n = got.n;
		} else {
			rc = -1;
		}
	}
	bt__arena_free(a);
	return rc ? -1 : 0;
}

/* The events of a series file ("ev":[...]) into *out (malloc'd, NULL when
 * none) and *n; -1 when they cannot be read back or one lies past the
 * series' n_points. */
static int parse_events(const char *text, size_t n_points, struct bt_series_event **out,
			size_t *n)
{
	int rc = parse_list(text, ",\"ev\":[", &evs_field, (void **)out, n);

	for (size_t i = 0; !rc && i < *n; i++)
		if ((*out)[i].index >= n_points || (*out)[i].end > n_points)
			rc = -1;
	if (rc) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

/* The change points of a series file written by bt__dash_on_series
 * ("cps":[{"i", "p", "before", "after", "rel", ..., "fx", "fb", "fr"}])
 * into *out (zeroed first) and their partial fixes into *fixes (malloc'd,
 * one per change point; index SIZE_MAX: none); -1 when they cannot be
 * read back or one lies past the series' n_points (then they are
 * computed). */
static int parse_cps(const char *text, size_t n_points, struct bt_cp_result *out,
		     struct bt_change_fix **fixes)
{
	struct dash_cp *dc = NULL;
	size_t n = 0;
	int rc;

	memset(out, 0, sizeof *out);
	*fixes = NULL;
	rc = parse_list(text, ",\"cps\":[", &cps_field, (void **)&dc, &n);
	if (!rc && n && (!(out->points = malloc(n * sizeof *out->points)) ||
			 !(*fixes = malloc(n * sizeof **fixes))))
		rc = -1;
	for (size_t i = 0; !rc && i < n; i++) {
		struct bt_change_fix *f = &(*fixes)[i];
		out->points[i] = dc[i].c;
		memset(f, 0, sizeof *f);
		f->index = dc[i].fx >= 0 ? (size_t)dc[i].fx : SIZE_MAX;
		f->mean_back = dc[i].fb;
		f->recovered = dc[i].fr;
		if (dc[i].c.index >= n_points || (dc[i].fx >= 0 && (size_t)dc[i].fx >= n_points))
			rc = -1;
	}
	out->n = rc ? 0 : n;
	free(dc);
	if (rc) {
		free(out->points);
		free(*fixes);
		*fixes = NULL;
		memset(out, 0, sizeof *out);
	}
	return rc;
}

/* "t", "commit" and "run" of point p (an overview entry's). */
static void js_at(struct bt_strbuf *b, const struct bt_series_point *p)
{
	bt__js_kstr(b, "t", p->timestamp);
	bt__js_kstr(b, "commit", p->commit);
	bt__js_kstr(b, "run", p->run_id);
}

/* "spark": the values of the SPARK_SIDE points either side of point
 * index, and "sparkAt": its place among them (an overview entry's). */
static void js_spark(struct bt_strbuf *b, const struct bt_series *s, size_t index)
{
	size_t lo = index > SPARK_SIDE ? index - SPARK_SIDE : 0;
	size_t hi = index + SPARK_SIDE < s->n ? index + SPARK_SIDE : s->n;

	bt__js_key(b, "spark");
	bt_strbuf_addc(b, '[');
	for (size_t i = lo; i < hi; i++) {
		if (i > lo)
			bt_strbuf_addc(b, ',');
		bt__js_num(b, s->points[i].value);
	}
	bt_strbuf_add(b, "],", 2);
	bt__js_kint(b, "sparkAt", (long long)(index - lo));
}

/* The record of series s (dash.h): what it added to d since ix0, regs0
 * and evs0, copied. */
static int add_rec(struct dash *d, const struct bt_series *s, const char *stem, size_t ix0,
		   size_t regs0, size_t evs0, size_t acked, size_t pending, size_t reverted,
		   size_t kept)
{
	struct dash_rec *r;
	size_t alloc_regs = 0, alloc_evs = 0;
	int oom = 0;
	if (bt__vec_reserve((void **)&d->recs, &d->alloc_recs, d->n_recs + 1, sizeof *d->recs))
		return BT_ENOMEM;
	r = &d->recs[d->n_recs];
	memset(r, 0, sizeof *r);
	r->key = strdup(s->series_key);
	r->metric = strdup(s->metric ? s->metric : "time");
	r->stem = strdup(stem);
	r->ix = strndup(bt_strbuf_str(&d->series_ix) + ix0, d->series_ix.len - ix0);
	oom = !r->key || !r->metric || !r->stem || !r->ix || d->series_ix.failed;
	if (!oom)
		oom = bt__dash_push_regs(&r->regs, &r->n_regs, &alloc_regs, d->regs + regs0,
					 d->n_regs - regs0) ||
		      bt__dash_push_regs(&r->evs, &r->n_evs, &alloc_evs, d->evs + evs0,
					 d->n_evs - evs0);
	r->points = s->n;
	r->acked = acked;
	r->pending = pending;
	r->reverted = reverted;
	r->kept = kept;
	d->n_recs++;
	if (oom) {
		bt__dash_rec_release(r);
		d->n_recs--;
		return BT_ENOMEM;
	}
	return 0;
}

int bt__dash_on_series(void *ud, const struct bt_series *s)
{
	struct dash *d = ud;
	struct bt_strbuf *f = &d->file, reg = BT_STRBUF_INIT, cperr = BT_STRBUF_INIT;
	struct bt_cp_result cps;
	struct bt_series_event *ev = NULL;
	size_t n_ev = 0;
	const struct bt_store_entry *last;
	const char *type;
	char stem[128], rel[200], head[80];
	long long *ri;
	char *old = NULL;
	size_t open_regs = 0, old_len = 0;
	struct bt_change_fix *kept_fix = NULL; /* a kept file's partial fixes */
	int rc = 0, kept = 0;

	memset(&cps, 0, sizeof cps);
	/* a key that is no file name (an index built before the readers
	 * checked keys): no trend */
	if (!s->n || !bt__is_series_key(s->series_key))
		return 0;
	/* where this series' part of the overview starts (its record) */
	size_t ix0 = d->series_ix.len, regs0 = d->n_regs, evs0 = d->n_evs;
	size_t acked0 = d->acked, pend0 = d->n_pending, rev0 = d->n_reverted;
	size_t kept0 = d->stats_series_kept;
	last = bt__dash_find_run(d, s->points[s->n - 1].run_id);
	type = last ? last->type : NULL;
	ri = malloc(s->n * sizeof *ri);
	if (!ri)
		return BT_ENOMEM;
	/* each point's run: its index in index.js's run table (oldest
	 * first, so that new runs do not renumber the old), -1 unknown (a
	 * run stored after the run list was read) */
	for (size_t i = 0; i < s->n; i++) {
		/* points are in time order, as the run table: the run after
		 * the last point's is tried first */
		const struct bt_store_entry *e = NULL;
		long long next = i && ri[i - 1] >= 0 ? ri[i - 1] + 1 : -1;
		if (next >= 0 && (size_t)next < d->runs.n) {
			const struct bt_store_entry *c = &d->runs.items[d->runs.n - 1 - (size_t)next];
			if (c->run_id && s->points[i].run_id && !strcmp(c->run_id, s->points[i].run_id))
				e = c;
		}
		if (!e)
			e = bt__dash_find_run(d, s->points[i].run_id);
		ri[i] = e ? (long long)(d->runs.n - 1 - (size_t)(e - d->runs.items)) : -1;
	}

	/* the readers accept nothing but 16 hex digits (the check above
	 * skips the rest): the key is the file name, as in web/dashboard.js */
	series_id(s, stem);
	snprintf(rel, sizeof rel, "data/series/%s.js", stem);
	snprintf(head, sizeof head, SERIES_FORMAT "%016llx */\n",
		 (unsigned long long)series_hash(d, s, type, ri));
	/* an unchanged series: keep its file and the change points in it */
	if ((old = read_if_current(d, rel, head, &old_len)) &&
	    parse_cps(old, s->n, &cps, &kept_fix) == 0 &&
	    parse_events(old, s->n, &ev, &n_ev) == 0) {
		kept = 1;
	} else {
		bt_cp_result_release(&cps);
		memset(&cps, 0, sizeof cps);
		free(kept_fix);
		kept_fix = NULL;
		if (d->cpc) {
			/* an error: no events; no change points either when
			 * those failed (e.g. a NAN value) */
			if (bt_cp_cache_series(d->cpc, s, &cps, &ev, &n_ev, &cperr)) {
				free(ev);
				ev = NULL, n_ev = 0;
			}
		} else if (bt_series_changepoints(s, &d->cp, &cps, &cperr))
			memset(&cps, 0, sizeof cps); /* e.g. a NAN value: no change points */
		else if (bt_series_events(s, &d->cp, &cps, &ev, &n_ev, &cperr))
			ev = NULL, n_ev = 0;
	}
	free(old);
	bt_strbuf_release(&cperr);

	bt_strbuf_reset(f);
	bt_strbuf_adds(f, head);
	bt_strbuf_adds(f, "btData(\"series\",");
	bt__js_str(f, stem); /* the id trend.html asks for */
	bt_strbuf_adds(f, ",{");
	bt__js_kstr(f, "key", s->series_key);
	js_identity(f, s, type);
	bt__js_kstr(f, "fingerprint", s->fingerprint);
	bt__js_key(f, "r");
	bt_strbuf_addc(f, '[');
	for (size_t i = 0; i < s->n; i++) {
		if (i)
			bt_strbuf_addc(f, ',');
		bt__js_int(f, ri[i]);
	}
	bt_strbuf_add(f, "],", 2);
	if (!kept) {
		js_points(f, "v", s, offsetof(struct bt_series_point, value));
		js_points(f, "p25", s, offsetof(struct bt_series_point, p25));
		js_points(f, "p75", s, offsetof(struct bt_series_point, p75));
		js_points(f, "min", s, offsetof(struct bt_series_point, min));
		js_points(f, "max", s, offsetof(struct bt_series_point, max));
		bt__js_key(f, "n");
		bt_strbuf_addc(f, '[');
		for (size_t i = 0; i < s->n; i++) {
			if (i)
				bt_strbuf_addc(f, ',');
			bt__js_int(f, (long long)s->points[i].n);
		}
		bt_strbuf_add(f, "],", 2);
		bt__js_key(f, "cps");
		bt_strbuf_addc(f, '[');
	}

	for (size_t k = 0; k < cps.n; k++) {
		const struct bt_change_point *c = &cps.points[k];
		const struct bt_series_point *p = &s->points[c->index];
		int worse = bt_series_change_worse(s, c);
		int acked = bt_series_change_acked(s, c->index, &d->acks);
		struct bt_change_fix fix;
		const struct bt_change_fix *fx = NULL; /* partly fixed later */
		if (bt_series_event_claims(ev, n_ev, c->index))
			continue; /* an edge of an excursion: shown as that */
		if (kept)
			fx = kept_fix[k].index < s->n ? &kept_fix[k] : NULL;
		else
			fx = bt_series_change_partly_fixed(s, &cps, k, ev, n_ev, &fix);
		if (!kept) {
			bt_strbuf_addc(f, '{');
			bt__js_kint(f, "i", (long long)c->index);
			bt__js_knum(f, "p", c->p_value);
			bt__js_knum(f, "before", c->mean_before);
			bt__js_knum(f, "after", c->mean_after);
			bt__js_knum(f, "rel", c->rel_change);
			bt__js_kint(f, "worse", worse);
			bt__js_kint(f, "acked", acked);
			bt__js_kint(f, "fx", fx ? (long long)fx->index : -1);
			if (fx) {
				bt__js_knum(f, "fb", fx->mean_back);
				bt__js_knum(f, "fr", fx->recovered);
			}
			bt__js_close(f, '}');
			bt_strbuf_addc(f, ',');
		}
		if (!worse)
			continue;
		if (acked) {
			d->acked++;
			continue;
		}
		open_regs++;
		/* an open regression for the overview, with a sparkline */
		bt_strbuf_reset(&reg);
		bt_strbuf_addc(&reg, '{');
		js_identity(&reg, s, type);
		js_at(&reg, p);
		bt__js_knum(&reg, "before", c->mean_before);
		bt__js_knum(&reg, "after", c->mean_after);
		bt__js_knum(&reg, "rel", c->rel_change);
		bt__js_knum(&reg, "p", c->p_value);
		bt__js_kint(&reg, "i", (long long)c->index);
		if (fx) {
			/* partly fixed later: the level now, where, how much */
			const struct bt_series_point *b = &s->points[fx->index];
			bt__js_knum(&reg, "back", fx->mean_back);
			bt__js_knum(&reg, "recovered", fx->recovered);
			bt__js_kstr(&reg, "backCommit", b->commit);
			bt__js_kstr(&reg, "backT", b->timestamp);
		}
		js_spark(&reg, s, c->index);
		bt__js_close(&reg, '}');
		if ((rc = add_reg(d, p->timestamp, &reg)))
			goto out;
	}
	if (!kept) {
		bt__js_close(f, ']');
		bt_strbuf_addc(f, ',');
		bt__js_key(f, "ev");
		bt_strbuf_addc(f, '[');
		for (size_t k = 0; k < n_ev; k++) {
			const struct bt_series_event *e = &ev[k];
			bt_strbuf_addc(f, '{');
			bt__js_kint(f, "s", (long long)e->status);
			bt__js_kint(f, "x", e->excursion);
			bt__js_kint(f, "i", (long long)e->index);
			bt__js_kint(f, "e", (long long)e->end);
			bt__js_knum(f, "before", e->mean_before);
			bt__js_knum(f, "after", e->mean_after);
			bt__js_knum(f, "back", e->mean_back);
			bt__js_knum(f, "rel", e->rel_change);
			bt__js_knum(f, "p", e->p_value);
			bt__js_kint(f, "pa", (long long)e->points_after);
			bt__js_kint(f, "more", (long long)e->more);
			bt__js_kint(f, "worse", e->worse);
			bt__js_kint(f, "acked", bt_series_change_acked(s, e->index, &d->acks));
			bt__js_close(f, '}');
			bt_strbuf_addc(f, ',');
		}
		bt__js_close(f, ']');
		bt_strbuf_addc(f, ',');

		bt__js_key(f, "acks");
		bt_strbuf_addc(f, '[');
		for (size_t a = 0; a < d->acks.n; a++) {
			const struct bt_ack *ak = &d->acks.items[a];
			long long at = -1;
			if (!ak->series_key || strcmp(ak->series_key, s->series_key) != 0)
				continue;
			for (size_t i = 0; i < s->n && at < 0 && ak->commit && *ak->commit; i++)
				if (s->points[i].commit &&
				    strncmp(s->points[i].commit, ak->commit, strlen(ak->commit)) == 0)
					at = (long long)i;
			bt_strbuf_addc(f, '{');
			bt__js_kstr(f, "commit", ak->commit);
			bt__js_kstr(f, "reason", ak->reason);
			bt__js_kstr(f, "who", ak->who);
			bt__js_kstr(f, "when", ak->when);
			bt__js_kint(f, "i", at);
			bt__js_close(f, '}');
			bt_strbuf_addc(f, ',');
		}
		bt__js_close(f, ']');
		bt_strbuf_adds(f, "});\n");
		if ((rc = bt__dash_put_file(d, rel, f->buf, f->len)))
			goto out;
	} else {
		d->stats_series_kept++;
	}
	/* pending changes and reverted excursions that got worse, for the
	 * overview */
	for (size_t k = 0; k < n_ev; k++) {
		const struct bt_series_event *e = &ev[k];
		const struct bt_series_point *p = &s->points[e->index];
		const struct bt_series_point *b = e->excursion && e->end < s->n
							  ? &s->points[e->end] : NULL;
		if (!e->worse || bt_series_change_acked(s, e->index, &d->acks))
			continue;
		bt_strbuf_reset(&reg);
		bt_strbuf_addc(&reg, '{');
		js_identity(&reg, s, type);
		bt__js_kstr(&reg, "status", bt_event_status_name(e->status));
		bt__js_kstr(&reg, "kind", e->excursion ? "excursion" : "step");
		js_at(&reg, p);
		bt__js_knum(&reg, "before", e->mean_before);
		bt__js_knum(&reg, "after", e->mean_after);
		bt__js_knum(&reg, "back", e->mean_back);
		bt__js_knum(&reg, "rel", e->rel_change);
		bt__js_knum(&reg, "p", e->p_value);
		bt__js_kint(&reg, "i", (long long)e->index);
		bt__js_kint(&reg, "end", e->excursion ? (long long)e->end : -1);
		bt__js_kstr(&reg, "backCommit", b ? b->commit : NULL);
		bt__js_kstr(&reg, "backT", b ? b->timestamp : NULL);
		bt__js_kint(&reg, "more", (long long)e->more);
		js_spark(&reg, s, e->index);
		bt__js_close(&reg, '}');
		if ((rc = add_to(&d->evs, &d->n_evs, &d->alloc_evs, p->timestamp, &reg)))
			goto out;
		if (e->status == BT_EVENT_PENDING)
			d->n_pending++;
		else
			d->n_reverted++;
	}

	/* the index entry: identity and the last value, no points */
	struct bt_strbuf *ix = &d->series_ix;
	const struct bt_series_point *lp = &s->points[s->n - 1];
	bt_strbuf_addc(ix, '{');
	js_identity(ix, s, type);
	bt__js_kint(ix, "n", (long long)s->n);
	bt__js_knum(ix, "last", lp->value);
	bt__js_kstr(ix, "lastT", lp->timestamp);
	bt__js_kstr(ix, "lastCommit", lp->commit);
	bt__js_kint(ix, "regs", (long long)open_regs);
	bt__js_close(ix, '}');
	bt_strbuf_add(ix, ",\n", 2);

	if (bt__vec_reserve((void **)&d->written, &d->alloc_written, d->n_written + 1,
			    sizeof *d->written) ||
	    !(d->written[d->n_written] = strdup(stem))) {
		rc = BT_ENOMEM;
		goto out;
	}
	d->n_written++;
	d->stats.series++;
	d->stats.points += s->n;
	rc = add_rec(d, s, stem, ix0, regs0, evs0, d->acked - acked0, d->n_pending - pend0,
		     d->n_reverted - rev0, d->stats_series_kept - kept0);
out:
	free(ev);
	free(kept_fix);
	bt_cp_result_release(&cps);
	bt_strbuf_release(&reg);
	free(ri);
	return rc;
}
