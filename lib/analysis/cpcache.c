/* A cache of the change points and events of series (bt_cp_cache_*,
 * contract in include/benchtrack/regress.h).
 *
 * An entry per series and metric (the FNV-1a of "KEY\0METRIC") holds the
 * hash of what the analysis read (the direction, the number of points and
 * every value's bits) and its answers: the confirmed and pending change
 * points and the events. A series whose values hash the same gets a copy
 * of them; any other is analysed and its entry replaced. What changes a
 * series' values (a new run, a gc, a restore) thus misses; what does not
 * (a reindex, an ack: acknowledgement is decided by the caller) hits.
 *
 * The file: "BTCPC" with a format number, the sizes of the structs it
 * holds, the hash of the options, a probe (the hash of the answers of the
 * code that wrote it on a fixed synthetic series: a detector that answers
 * otherwise, a newer or older benchtrack, discards the file), the count
 * of entries, then the entries (native byte order: a cache of this
 * machine). Anything that does not check out is an empty cache, never an
 * error. Saved to a temporary file renamed over the old one.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../internal.h"
#include "benchtrack/regress.h"

#define CACHE_MAGIC "BTCPC\0\0\2"
#define CACHE_CAP (512u << 20) /* a larger file is not read */

struct entry {
	uint64_t key, hash;
	size_t n_points;
	struct bt_change_point *cps, *pending;
	size_t n_cps, n_pending;
	struct bt_series_event *ev;
	size_t n_ev;
	int used;
};

struct bt_cp_cache {
	char *path;
	struct bt_cp_opts o;
	uint64_t opts_hash, probe;
	struct entry *e;          /* open addressing by key; e[i].key 0: free */
	size_t n, cap;
	int dirty;
	size_t hits, misses;
};

struct head {
	char magic[8];
	uint32_t sz_cp, sz_ev;
	uint64_t opts, probe, n;
};

struct ehead {
	uint64_t key, hash, n_points, n_cps, n_pending, n_ev;
};

/* --- hashing --------------------------------------------------------------- */

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v;
	h *= 0x100000001b3ull;
	h ^= h >> 29;
	return h;
}

static uint64_t mix_dbl(uint64_t h, double v)
{
	uint64_t u;
	memcpy(&u, &v, sizeof u);
	return mix(h, u);
}

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

/* What the analysis of s reads. */
static uint64_t values_hash(const struct bt_series *s)
{
	uint64_t h = mix(BT__FNV_INIT, (uint64_t)s->direction);
	h = mix(h, s->n);
	for (size_t i = 0; i < s->n; i++)
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

/* The answers of this code on a fixed series (a step, an excursion and
 * noise from a fixed generator): the probe that tells a cache written by
 * another detector. */
static uint64_t probe(const struct bt_cp_opts *o)
{
	enum { N = 160 };
	struct bt_series_point pts[N];
	struct bt_series s;
	struct bt_cp_result cps;
	struct bt_series_event *ev = NULL;
	size_t n_ev = 0;
	uint64_t r = 0x9e3779b97f4a7c15ull, h;

	memset(&s, 0, sizeof s);
	memset(pts, 0, sizeof pts);
	for (size_t i = 0; i < N; i++) {
		r ^= r << 13, r ^= r >> 7, r ^= r << 17;
		double noise = ((double)(r >> 11) * 0x1.0p-53 - 0.5) * 0.02;
		double level = i < 80 ? 1.0 : 1.1;
		if (i >= 40 && i < 44)
			level = 1.3;
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
		return 1;
	}
	h = cp_hash(BT__FNV_INIT, cps.points, cps.n);
	h = cp_hash(h, cps.pending, cps.n_pending);
	for (size_t i = 0; i < n_ev; i++) {
		h = mix(h, ev[i].index);
		h = mix(h, ev[i].end);
		h = mix(h, (uint64_t)ev[i].status);
		h = mix_dbl(h, ev[i].p_value);
	}
	bt_cp_result_release(&cps);
	free(ev);
	return mix(h, n_ev);
}

/* --- entries --------------------------------------------------------------- */

static void entry_free(struct entry *e)
{
	free(e->cps);
	free(e->pending);
	free(e->ev);
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

/* The events' pointers to their pending change points (e->cp), into
 * pending. */
static void fix_events(struct bt_series_event *ev, size_t n_ev,
		       const struct bt_change_point *pending, size_t n_pending)
{
	for (size_t i = 0; i < n_ev; i++) {
		const struct bt_change_point *cp = NULL;
		if (ev[i].cp || !ev[i].excursion)
			for (size_t k = 0; k < n_pending && !cp; k++)
				if (pending[k].index == ev[i].index)
					cp = &pending[k];
		ev[i].cp = ev[i].excursion ? NULL : cp;
	}
}

int bt_cp_cache_series(struct bt_cp_cache *c, const struct bt_series *s,
		       struct bt_cp_result *cps, struct bt_series_event **ev,
		       size_t *n_ev, struct bt_strbuf *err)
{
	uint64_t key = series_key(s), hash = values_hash(s);
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
		fix_events(*ev, *n_ev, cps->pending, cps->n_pending);
		c->hits++;
		return 0;
	}
	c->misses++;
	rc = analyse(s, &c->o, cps, ev, n_ev, err);
	if (rc)
		return rc;
	e = entry_for(c, key);
	if (!e)
		return 0; /* not remembered */
	entry_free(e);
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
		e->n_cps = e->n_pending = e->n_ev = 0;
		e->hash = 0;
		e->n_points = (size_t)-1;
	}
	for (size_t i = 0; e->ev && i < e->n_ev; i++)
		e->ev[i].cp = NULL; /* fixed up when read */
	c->dirty = 1;
	return 0;
}

/* --- the file -------------------------------------------------------------- */

static int read_all(int fd, void *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

/* The entries of the file at c->path into c when it checks out. */
static void load(struct bt_cp_cache *c)
{
	struct head h;
	struct stat sb;
	int fd = open(c->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size > (off_t)CACHE_CAP ||
	    read_all(fd, &h, sizeof h) != 0 || memcmp(h.magic, CACHE_MAGIC, 8) != 0 ||
	    h.sz_cp != sizeof(struct bt_change_point) ||
	    h.sz_ev != sizeof(struct bt_series_event) || h.opts != c->opts_hash ||
	    h.probe != c->probe) {
		close(fd);
		return;
	}
	for (uint64_t i = 0; i < h.n; i++) {
		struct ehead eh;
		struct entry tmp, *e;
		memset(&tmp, 0, sizeof tmp);
		if (read_all(fd, &eh, sizeof eh) != 0 || !eh.key ||
		    eh.n_cps > (uint64_t)sb.st_size / sizeof *tmp.cps ||
		    eh.n_pending > (uint64_t)sb.st_size / sizeof *tmp.pending ||
		    eh.n_ev > (uint64_t)sb.st_size / sizeof *tmp.ev)
			break;
		tmp.n_cps = (size_t)eh.n_cps;
		tmp.n_pending = (size_t)eh.n_pending;
		tmp.n_ev = (size_t)eh.n_ev;
		tmp.cps = tmp.n_cps ? malloc(tmp.n_cps * sizeof *tmp.cps) : NULL;
		tmp.pending = tmp.n_pending ? malloc(tmp.n_pending * sizeof *tmp.pending) : NULL;
		tmp.ev = tmp.n_ev ? malloc(tmp.n_ev * sizeof *tmp.ev) : NULL;
		if ((tmp.n_cps && (!tmp.cps || read_all(fd, tmp.cps, tmp.n_cps * sizeof *tmp.cps))) ||
		    (tmp.n_pending && (!tmp.pending ||
				       read_all(fd, tmp.pending, tmp.n_pending * sizeof *tmp.pending))) ||
		    (tmp.n_ev && (!tmp.ev || read_all(fd, tmp.ev, tmp.n_ev * sizeof *tmp.ev))) ||
		    !(e = entry_for(c, eh.key))) {
			entry_free(&tmp);
			break;
		}
		entry_free(e);
		tmp.key = eh.key;
		tmp.hash = eh.hash;
		tmp.n_points = (size_t)eh.n_points;
		for (size_t k = 0; k < tmp.n_ev; k++)
			tmp.ev[k].cp = NULL;
		*e = tmp;
	}
	close(fd);
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

static int write_all(int fd, const void *buf, size_t n)
{
	size_t off = 0;
	while (off < n) {
		ssize_t w = write(fd, (const char *)buf + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		off += (size_t)w;
	}
	return 0;
}

int bt_cp_cache_save(struct bt_cp_cache *c, struct bt_strbuf *err)
{
	struct head h;
	char *tmp, *dir, *slash;
	int fd, bad = 0;

	(void)err;
	if (!c || !c->path || !c->dirty)
		return 0;
	/* the folder (the store's .cache/) is made when missing */
	if (!(dir = strdup(c->path)))
		return BT_ENOMEM;
	if ((slash = strrchr(dir, '/'))) {
		*slash = '\0';
		if (*dir)
			mkdir(dir, 0755);
	}
	free(dir);
	if (!(tmp = bt__pathf("%s.tmp.%ld", c->path, (long)getpid())))
		return BT_ENOMEM;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		free(tmp);
		return 0; /* a store that cannot be written: no cache */
	}
	memset(&h, 0, sizeof h);
	memcpy(h.magic, CACHE_MAGIC, 8);
	h.sz_cp = sizeof(struct bt_change_point);
	h.sz_ev = sizeof(struct bt_series_event);
	h.opts = c->opts_hash;
	h.probe = c->probe;
	h.n = 0;
	for (size_t i = 0; i < c->cap; i++)
		h.n += c->e[i].key && c->e[i].n_points != (size_t)-1;
	bad |= write_all(fd, &h, sizeof h);
	for (size_t i = 0; !bad && i < c->cap; i++) {
		const struct entry *e = &c->e[i];
		struct ehead eh;
		if (!e->key || e->n_points == (size_t)-1)
			continue;
		eh.key = e->key;
		eh.hash = e->hash;
		eh.n_points = e->n_points;
		eh.n_cps = e->n_cps;
		eh.n_pending = e->n_pending;
		eh.n_ev = e->n_ev;
		bad |= write_all(fd, &eh, sizeof eh);
		if (e->n_cps)
			bad |= write_all(fd, e->cps, e->n_cps * sizeof *e->cps);
		if (e->n_pending)
			bad |= write_all(fd, e->pending, e->n_pending * sizeof *e->pending);
		if (e->n_ev)
			bad |= write_all(fd, e->ev, e->n_ev * sizeof *e->ev);
	}
	bad |= close(fd) != 0;
	if (bad || rename(tmp, c->path) != 0)
		unlink(tmp);
	else
		c->dirty = 0;
	free(tmp);
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
