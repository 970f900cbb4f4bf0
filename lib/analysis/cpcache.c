/* A cache of the change points and events of series (bt_cp_cache_*,
 * contract in include/benchtrack/regress.h).
 *
 * An entry per series and metric (the FNV-1a of "KEY\0METRIC") holds the
 * hash of what the analysis read (the direction, the number of points and
 * every value's bits) and its answers: the confirmed and pending change
 * points and the events, and the state of bt_changepoints_update. A
 * series whose values hash the same gets a copy of them; one whose first
 * values hash as the entry's (points were appended) is updated from that
 * state (only the windows that see the new points are analysed again);
 * any other is analysed in full. Either way its entry is replaced. What changes a
 * series' values (a new run, a gc, a restore) thus misses; what does not
 * (a reindex, an ack: acknowledgement is decided by the caller) hits.
 *
 * The file: "BTCPC" with a format number, the sizes of the structs it
 * holds, the hash of the options, a probe (the hash of the answers of the
 * code that wrote it on two fixed synthetic series: a detector that
 * answers otherwise, a newer or older benchtrack, discards the file; a
 * change of the detector that answers those the same needs a new
 * CACHE_MAGIC), the count of entries, then the entries (native byte order: a cache of this
 * machine). Anything that does not check out is an empty cache, never an
 * error. Saved with bt__write_file_atomic.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../internal.h"
#include "benchtrack/regress.h"

#define CACHE_MAGIC "BTCPC\0\0\6" /* 6: boxes (a plateau that moved and
					    came back) split in the window
					    search; 5: slowdowns fixed later
					    are reverted events */
#define CACHE_CAP (512u << 20) /* a larger file is not read */

struct entry {
	uint64_t key, hash;
	size_t n_points;
	struct bt_change_point *cps, *pending;
	size_t n_cps, n_pending;
	struct bt_series_event *ev;
	size_t n_ev;
	char *state;              /* the update state (bt__cp_state_pack) */
	size_t state_len;
	int used;
};

struct bt_cp_cache {
	char *path;
	struct bt_cp_opts o;
	uint64_t opts_hash, probe;
	struct entry *e;          /* open addressing by key; e[i].key 0: free */
	size_t n, cap;
	int dirty;
	size_t hits, misses, updates;
};

struct head {
	char magic[8];
	uint32_t sz_cp, sz_ev;
	uint64_t opts, probe, n;
};

struct ehead {
	uint64_t key, hash, n_points, n_cps, n_pending, n_ev, state_len;
};

/* --- hashing --------------------------------------------------------------- */

#define mix bt__hash_u64
#define mix_dbl bt__hash_dbl

static uint64_t opts_hash(const struct bt_cp_opts *o)
{
	uint64_t h = BT__FNV_INIT;
	h = mix(h, o->window);
	h = mix_dbl(h, o->max_pvalue);
	h = mix_dbl(h, o->min_magnitude);
	h = mix_dbl(h, o->noise_k);
	h = mix(h, (uint64_t)o->autocorr);
	h = mix_dbl(h, o->rank_max_pvalue);
	h = mix(h, o->permutations);
	h = mix(h, o->seed);
	h = mix(h, o->min_after);
	h = mix(h, (uint64_t)o->suppress_spikes);
	h = mix(h, (uint64_t)o->otava_compat);
	h = mix_dbl(h, o->perm_max_pvalue);
	h = mix_dbl(h, o->count_floor);
	return h;
}

static uint64_t series_key(const struct bt_series *s)
{
	uint64_t h = bt__fnv1a(BT__FNV_INIT, s->series_key ? s->series_key : "",
			       s->series_key ? strlen(s->series_key) + 1 : 1);
	const char *m = s->metric ? s->metric : "time";
	h = bt__fnv1a(h, m, strlen(m) + 1);
	return h ? h : 1; /* 0 marks a free slot */
}

/* What the analysis of the first n points of s reads. */
static uint64_t values_hash(const struct bt_series *s, size_t n)
{
	uint64_t h = mix(BT__FNV_INIT, (uint64_t)s->direction);
	h = mix(h, n);
	for (size_t i = 0; i < n; i++)
		h = mix_dbl(h, s->points[i].value);
	return h;
}

static uint64_t cp_hash(uint64_t h, const struct bt_change_point *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h = mix(h, c[i].index);
		h = mix_dbl(h, c[i].p_value);
		h = mix_dbl(h, c[i].mean_before);
		h = mix_dbl(h, c[i].mean_after);
		h = mix_dbl(h, c[i].rank_p);
		h = mix_dbl(h, c[i].perm_p);
	}
	return mix(h, n);
}

/* --- analysis -------------------------------------------------------------- */

static int analyse(const struct bt_series *s, const struct bt_cp_opts *o,
		   struct bt_cp_result *cps, struct bt_series_event **ev, size_t *n_ev,
		   struct bt_strbuf *err)
{
	int rc = bt_series_changepoints(s, o, cps, err);
	*ev = NULL;
	*n_ev = 0;
	if (rc)
		return rc;
	return bt_series_events(s, o, cps, ev, n_ev, err);
}

/* The hash of the answers of this code on a fixed series: noise from a
 * fixed generator, shape 0 a step at 80 with an excursion at 40..43,
 * shape 1 one-point spikes and a two-point excursion at 10 noise sd. */
static uint64_t probe_one(const struct bt_cp_opts *o, int shape, uint64_t h)
{
	enum { N = 160 };
	struct bt_series_point pts[N];
	struct bt_series s;
	struct bt_cp_result cps;
	struct bt_series_event *ev = NULL;
	size_t n_ev = 0;
	uint64_t r = 0x9e3779b97f4a7c15ull + (uint64_t)shape;

	memset(&s, 0, sizeof s);
	memset(pts, 0, sizeof pts);
	for (size_t i = 0; i < N; i++) {
		double level = 1.0, noise;
		r ^= r << 13, r ^= r >> 7, r ^= r << 17;
		noise = ((double)(r >> 11) * 0x1.0p-53 - 0.5) * 0.02;
		if (shape == 0 && i >= 40 && i < 44)
			level = 1.3;
		else if (shape == 0 && i >= 80)
			level = 1.1;
		else if (shape == 1 && (i % 37 == 5 || i == 100 || i == 101))
			level = 1.1;
		pts[i].value = level * (1 + noise);
	}
	s.series_key = "probe";
	s.metric = "time";
	s.direction = BT_LOWER_IS_BETTER;
	s.points = pts;
	s.n = N;
	if (analyse(&s, o, &cps, &ev, &n_ev, NULL)) {
		bt_cp_result_release(&cps);
		free(ev);
		return mix(h, 1);
	}
	h = cp_hash(h, cps.points, cps.n);
	h = cp_hash(h, cps.pending, cps.n_pending);
	for (size_t i = 0; i < n_ev; i++) {
		h = mix(h, ev[i].index);
		h = mix(h, ev[i].end);
		h = mix(h, (uint64_t)ev[i].status);
		h = mix_dbl(h, ev[i].p_value);
		h = mix_dbl(h, ev[i].mean_after);
	}
	bt_cp_result_release(&cps);
	free(ev);
	return mix(h, n_ev);
}

/* The probe that tells a cache written by another detector. */
static uint64_t probe(const struct bt_cp_opts *o)
{
	return probe_one(o, 1, probe_one(o, 0, BT__FNV_INIT));
}

/* --- entries --------------------------------------------------------------- */

static void entry_free(struct entry *e)
{
	free(e->cps);
	free(e->pending);
	free(e->ev);
	free(e->state);
}

static size_t slot(const struct bt_cp_cache *c, uint64_t key)
{
	size_t i = (size_t)key & (c->cap - 1);
	while (c->e[i].key && c->e[i].key != key)
		i = (i + 1) & (c->cap - 1);
	return i;
}

/* The slot of key, made when missing (the table grown); NULL when out of
 * memory. */
static struct entry *entry_for(struct bt_cp_cache *c, uint64_t key)
{
	if (2 * (c->n + 1) > c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 256;
		struct entry *e = calloc(cap, sizeof *e);
		if (!e)
			return NULL;
		struct bt_cp_cache g = *c;
		g.e = e;
		g.cap = cap;
		for (size_t i = 0; i < c->cap; i++)
			if (c->e[i].key)
				e[slot(&g, c->e[i].key)] = c->e[i];
		free(c->e);
		c->e = e;
		c->cap = cap;
	}
	struct entry *e = &c->e[slot(c, key)];
	if (!e->key) {
		e->key = key;
		c->n++;
	}
	return e;
}

static void *dup_mem(const void *p, size_t n, int *oom)
{
	void *q;
	if (!n)
		return NULL;
	q = malloc(n);
	if (!q) {
		*oom = 1;
		return NULL;
	}
	memcpy(q, p, n);
	return q;
}

/* The change point at index among cp[0..n), or NULL. */
static const struct bt_change_point *cp_at(const struct bt_change_point *cp, size_t n,
					   size_t index)
{
	for (size_t k = 0; k < n; k++)
		if (cp[k].index == index)
			return &cp[k];
	return NULL;
}

/* The events' pointers to their change points: a pending change's (e->cp)
 * into cps->pending, a paired excursion's edges (e->cp, e->back_cp) into
 * cps->points. */
static void fix_events(struct bt_series_event *ev, size_t n_ev,
		       const struct bt_cp_result *cps)
{
	for (size_t i = 0; i < n_ev; i++) {
		ev[i].cp = NULL;
		ev[i].back_cp = NULL;
		if (ev[i].paired) {
			ev[i].cp = cp_at(cps->points, cps->n, ev[i].index);
			ev[i].back_cp = cp_at(cps->points, cps->n, ev[i].end);
		} else if (!ev[i].excursion) {
			ev[i].cp = cp_at(cps->pending, cps->n_pending, ev[i].index);
		}
	}
}

/* The answers for s whose first e->n_points values are those of e: the
 * incremental update (bt_changepoints_update) from e's state, then the
 * events. */
static int extend(struct bt_cp_cache *c, const struct entry *e, const struct bt_series *s,
		  struct bt_cp_result *cps, struct bt_series_event **ev, size_t *n_ev,
		  struct bt_strbuf *err)
{
	double *v;
	int rc = bt__cp_state_unpack(cps, e->state, e->state_len);
	if (rc == -1 || (!rc && cps->n_series != e->n_points)) {
		bt_cp_result_release(cps);
		return analyse(s, &c->o, cps, ev, n_ev, err);
	}
	if (rc || !(v = malloc(s->n * sizeof *v))) {
		bt_cp_result_release(cps);
		return bt_error(err, BT_ENOMEM, "%s", bt_strerror(BT_ENOMEM));
	}
	for (size_t i = 0; i < s->n; i++)
		v[i] = s->points[i].value;
	rc = bt_changepoints_update(v, s->n, &c->o, cps, err);
	free(v);
	c->updates++;
	if (rc)
		return rc;
	return bt_series_events(s, &c->o, cps, ev, n_ev, err);
}

int bt_cp_cache_series(struct bt_cp_cache *c, const struct bt_series *s,
		       struct bt_cp_result *cps, struct bt_series_event **ev,
		       size_t *n_ev, struct bt_strbuf *err)
{
	uint64_t key = series_key(s), hash = values_hash(s, s->n);
	struct entry *e = NULL;
	int oom = 0, rc;

	memset(cps, 0, sizeof *cps);
	*ev = NULL;
	*n_ev = 0;
	if (c->cap) {
		e = &c->e[slot(c, key)];
		if (!e->key)
			e = NULL;
	}
	if (e && e->hash == hash && e->n_points == s->n) {
		e->used = 1;
		cps->points = dup_mem(e->cps, e->n_cps * sizeof *e->cps, &oom);
		cps->pending = dup_mem(e->pending, e->n_pending * sizeof *e->pending, &oom);
		*ev = dup_mem(e->ev, e->n_ev * sizeof *e->ev, &oom);
		if (oom) {
			bt_cp_result_release(cps);
			free(*ev);
			*ev = NULL;
			return bt_error(err, BT_ENOMEM, "%s", bt_strerror(BT_ENOMEM));
		}
		cps->n = e->n_cps;
		cps->n_pending = e->n_pending;
		cps->n_series = s->n;
		*n_ev = e->n_ev;
		fix_events(*ev, *n_ev, cps);
		c->hits++;
		return 0;
	}
	c->misses++;
	if (e && e->state && e->n_points < s->n && e->hash == values_hash(s, e->n_points))
		rc = extend(c, e, s, cps, ev, n_ev, err); /* points were appended */
	else
		rc = analyse(s, &c->o, cps, ev, n_ev, err);
	if (rc)
		return rc;
	e = entry_for(c, key);
	if (!e)
		return 0; /* not remembered */
	entry_free(e);
	e->state_len = bt__cp_state_size(cps);
	if (e->state_len && (e->state = malloc(e->state_len)))
		bt__cp_state_pack(cps, e->state);
	else
		e->state_len = 0;
	e->hash = hash;
	e->n_points = s->n;
	e->cps = dup_mem(cps->points, cps->n * sizeof *cps->points, &oom);
	e->pending = dup_mem(cps->pending, cps->n_pending * sizeof *cps->pending, &oom);
	e->ev = dup_mem(*ev, *n_ev * sizeof **ev, &oom);
	e->n_cps = cps->n;
	e->n_pending = cps->n_pending;
	e->n_ev = *n_ev;
	e->used = 1;
	if (oom) {
		/* forgotten: a later call analyses again */
		entry_free(e);
		e->cps = e->pending = NULL;
		e->ev = NULL;
		e->state = NULL;
		e->n_cps = e->n_pending = e->n_ev = e->state_len = 0;
		e->hash = 0;
		e->n_points = (size_t)-1;
	}
	for (size_t i = 0; e->ev && i < e->n_ev; i++)
		e->ev[i].cp = e->ev[i].back_cp = NULL; /* fixed up when read */
	c->dirty = 1;
	return 0;
}

/* --- the file -------------------------------------------------------------- */

/* Takes n bytes at *p (of end) into out; -1 past the end. */
static int take(const char **p, const char *end, void *out, size_t n)
{
	if ((size_t)(end - *p) < n)
		return -1;
	memcpy(out, *p, n);
	*p += n;
	return 0;
}

/* A copy of k elements of size bytes at *p, NULL for none; *bad on a
 * short file or no memory. */
static void *take_arr(const char **p, const char *end, uint64_t k, size_t size, int *bad)
{
	void *v;
	if (*bad || !k)
		return NULL;
	if (k > (uint64_t)(end - *p) / size || !(v = malloc((size_t)k * size))) {
		*bad = 1;
		return NULL;
	}
	take(p, end, v, (size_t)k * size);
	return v;
}

/* The entries of the file at c->path into c when it checks out. */
static void load(struct bt_cp_cache *c)
{
	char *buf = NULL;
	size_t len = 0;
	struct head h;
	const char *p, *end;

	if (bt__read_file(c->path, CACHE_CAP, &buf, &len, NULL) != 0)
		return;
	p = buf;
	end = buf + len;
	if (take(&p, end, &h, sizeof h) != 0 || memcmp(h.magic, CACHE_MAGIC, 8) != 0 ||
	    h.sz_cp != sizeof(struct bt_change_point) ||
	    h.sz_ev != sizeof(struct bt_series_event) || h.opts != c->opts_hash ||
	    h.probe != c->probe) {
		free(buf);
		return;
	}
	for (uint64_t i = 0; i < h.n; i++) {
		struct ehead eh;
		struct entry tmp, *e;
		int bad = 0;
		memset(&tmp, 0, sizeof tmp);
		if (take(&p, end, &eh, sizeof eh) != 0 || !eh.key)
			break;
		tmp.cps = take_arr(&p, end, eh.n_cps, sizeof *tmp.cps, &bad);
		tmp.pending = take_arr(&p, end, eh.n_pending, sizeof *tmp.pending, &bad);
		tmp.ev = take_arr(&p, end, eh.n_ev, sizeof *tmp.ev, &bad);
		tmp.state = take_arr(&p, end, eh.state_len, 1, &bad);
		tmp.state_len = (size_t)eh.state_len;
		if (bad || !(e = entry_for(c, eh.key))) {
			entry_free(&tmp);
			break;
		}
		entry_free(e);
		tmp.key = eh.key;
		tmp.hash = eh.hash;
		tmp.n_points = (size_t)eh.n_points;
		tmp.n_cps = (size_t)eh.n_cps;
		tmp.n_pending = (size_t)eh.n_pending;
		tmp.n_ev = (size_t)eh.n_ev;
		for (size_t k = 0; k < tmp.n_ev; k++)
			tmp.ev[k].cp = tmp.ev[k].back_cp = NULL;
		*e = tmp;
	}
	free(buf);
}

int bt_cp_cache_open(struct bt_cp_cache **out, const char *path,
		     const struct bt_cp_opts *o)
{
	struct bt_cp_cache *c = calloc(1, sizeof *c);
	*out = NULL;
	if (!c)
		return BT_ENOMEM;
	if (o)
		c->o = *o;
	else
		bt_cp_opts_default(&c->o);
	if (path && !(c->path = strdup(path))) {
		free(c);
		return BT_ENOMEM;
	}
	c->opts_hash = opts_hash(&c->o);
	c->probe = probe(&c->o);
	if (c->path)
		load(c);
	*out = c;
	return 0;
}

int bt_cp_cache_save(struct bt_cp_cache *c, struct bt_strbuf *err)
{
	struct bt_strbuf b = BT_STRBUF_INIT;
	struct head h;
	char *dir, *slash;
	int e;

	(void)err;
	if (!c || !c->path || !c->dirty)
		return 0;
	memset(&h, 0, sizeof h);
	memcpy(h.magic, CACHE_MAGIC, 8);
	h.sz_cp = sizeof(struct bt_change_point);
	h.sz_ev = sizeof(struct bt_series_event);
	h.opts = c->opts_hash;
	h.probe = c->probe;
	for (size_t i = 0; i < c->cap; i++)
		h.n += c->e[i].key && c->e[i].n_points != (size_t)-1;
	e = bt_strbuf_add(&b, (const char *)&h, sizeof h);
	for (size_t i = 0; !e && i < c->cap; i++) {
		const struct entry *en = &c->e[i];
		struct ehead eh;
		if (!en->key || en->n_points == (size_t)-1)
			continue;
		eh.key = en->key;
		eh.hash = en->hash;
		eh.n_points = en->n_points;
		eh.n_cps = en->n_cps;
		eh.n_pending = en->n_pending;
		eh.n_ev = en->n_ev;
		eh.state_len = en->state_len;
		e |= bt_strbuf_add(&b, (const char *)&eh, sizeof eh);
		if (en->n_cps)
			e |= bt_strbuf_add(&b, (const char *)en->cps, en->n_cps * sizeof *en->cps);
		if (en->n_pending)
			e |= bt_strbuf_add(&b, (const char *)en->pending,
					   en->n_pending * sizeof *en->pending);
		if (en->n_ev)
			e |= bt_strbuf_add(&b, (const char *)en->ev, en->n_ev * sizeof *en->ev);
		if (en->state_len)
			e |= bt_strbuf_add(&b, en->state, en->state_len);
	}
	if (e) {
		bt_strbuf_release(&b);
		return BT_ENOMEM;
	}
	/* the folder (the store's .cache/) is made when missing; a store
	 * that cannot be written keeps no cache */
	if ((dir = strdup(c->path)) && (slash = strrchr(dir, '/')) && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0755);
	}
	free(dir);
	if (bt__write_file_atomic(c->path, b.buf, b.len, NULL) == 0)
		c->dirty = 0;
	bt_strbuf_release(&b);
	return 0;
}

void bt_cp_cache_stats(const struct bt_cp_cache *c, size_t *hits, size_t *misses)
{
	*hits = c ? c->hits : 0;
	*misses = c ? c->misses : 0;
}

void bt_cp_cache_close(struct bt_cp_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->cap; i++)
		if (c->e[i].key)
			entry_free(&c->e[i]);
	free(c->e);
	free(c->path);
	free(c);
}
