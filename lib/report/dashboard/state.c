/* The state of the last dashboard build (DIR/data/.state) and the
 * assembly of the overview from per-series records (contracts in dash.h).
 *
 * A rebuild after new runs reads only the series they touched (the index
 * finds them from the new runs' results: bt_series_filter.runs) and takes
 * every other series' part of index.js from the record the last build
 * left: valid when the last build saw exactly the oldest runs of this one
 * (the same ids, times and types, oldest first: the run indexes in the
 * series files stand) and the same acknowledgements. Anything else (a
 * removed, restored or older run, an ack, no state, a state this code did
 * not write) is a full build. The overview is then the same bytes a full
 * build writes: the records are put in series order (key, then metric,
 * the order bt_store_series gives) before index.js is made from them.
 *
 * The file (native byte order, a cache of this machine): the magic (with
 * the series file format), the hash of the runs and of the acks, the
 * number of runs, the number of records, then each record: key, metric,
 * stem, index entry, points, acked, pending, reverted, and its
 * regressions and events (t, json). Strings are a 32-bit length and the
 * bytes. Written to a temporary file renamed over the old one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../internal.h"
#include "dash.h"

#define STATE_FILE "data/.state"
#define STATE_MAGIC "BTDS\0\0\0\6" /* the last byte: the series format */
#define STATE_CAP (1u << 30)

static uint64_t h_str(uint64_t h, const char *s)
{
	return s ? bt__fnv1a(h, s, strlen(s) + 1) : bt__fnv1a(h, "\1", 1);
}

uint64_t bt__dash_runs_hash(const struct dash *d, size_t from, size_t to)
{
	uint64_t h = BT__FNV_INIT;
	/* d->runs is newest first: oldest first is from the end */
	for (size_t i = from; i < to; i++) {
		const struct bt_store_entry *e = &d->runs.items[d->runs.n - 1 - i];
		h = h_str(h, e->run_id);
		h = h_str(h, e->timestamp);
		h = h_str(h, e->type);
	}
	return h;
}

uint64_t bt__dash_acks_hash(const struct dash *d)
{
	uint64_t h = BT__FNV_INIT;
	for (size_t i = 0; i < d->acks.n; i++) {
		const struct bt_ack *a = &d->acks.items[i];
		h = h_str(h, a->series_key);
		h = h_str(h, a->commit);
		h = h_str(h, a->reason);
		h = h_str(h, a->who);
		h = h_str(h, a->when);
	}
	return h;
}

void bt__dash_rec_release(struct dash_rec *r)
{
	free(r->key);
	free(r->metric);
	free(r->stem);
	free(r->ix);
	for (size_t i = 0; r->regs && i < r->n_regs; i++) {
		free(r->regs[i].t);
		free(r->regs[i].json);
	}
	for (size_t i = 0; r->evs && i < r->n_evs; i++) {
		free(r->evs[i].t);
		free(r->evs[i].json);
	}
	free(r->regs);
	free(r->evs);
	memset(r, 0, sizeof *r);
}

void bt__dash_state_release(struct dash_state *st)
{
	for (size_t i = 0; i < st->n_recs; i++)
		bt__dash_rec_release(&st->recs[i]);
	free(st->recs);
	memset(st, 0, sizeof *st);
}

/* --- reading --------------------------------------------------------------- */

struct rd {
	const char *p, *end;
	int bad;
};

static uint64_t rd_u64(struct rd *r)
{
	uint64_t v = 0;
	if (r->bad || (size_t)(r->end - r->p) < sizeof v) {
		r->bad = 1;
		return 0;
	}
	memcpy(&v, r->p, sizeof v);
	r->p += sizeof v;
	return v;
}

static char *rd_str(struct rd *r)
{
	uint32_t n = 0;
	char *s;
	if (r->bad || (size_t)(r->end - r->p) < sizeof n) {
		r->bad = 1;
		return NULL;
	}
	memcpy(&n, r->p, sizeof n);
	r->p += sizeof n;
	if ((size_t)(r->end - r->p) < n || !(s = malloc((size_t)n + 1))) {
		r->bad = 1;
		return NULL;
	}
	memcpy(s, r->p, n);
	s[n] = '\0';
	r->p += n;
	return s;
}

static struct reg *rd_regs(struct rd *r, size_t *n)
{
	uint64_t k = rd_u64(r);
	struct reg *v;
	*n = 0;
	if (r->bad || !k)
		return NULL;
	if (k > (uint64_t)(r->end - r->p) || !(v = calloc((size_t)k, sizeof *v))) {
		r->bad = 1;
		return NULL;
	}
	*n = (size_t)k;
	for (size_t i = 0; i < *n; i++) {
		v[i].t = rd_str(r);
		v[i].json = rd_str(r);
	}
	return v;
}

int bt__dash_state_read(const struct dash *d, struct dash_state *st)
{
	char *path = bt__pathf("%s/%s", d->dir, STATE_FILE), *buf = NULL;
	size_t len = 0, alloc = 0;
	struct rd r;
	uint64_t n;

	memset(st, 0, sizeof *st);
	if (!path || bt__read_file(path, STATE_CAP, &buf, &len, NULL) != 0 || len < 8 ||
	    memcmp(buf, STATE_MAGIC, 8) != 0) {
		free(path);
		free(buf);
		return -1;
	}
	free(path);
	r.p = buf + 8;
	r.end = buf + len;
	r.bad = 0;
	st->runs_hash = rd_u64(&r);
	st->acks_hash = rd_u64(&r);
	st->n_runs = (size_t)rd_u64(&r);
	n = rd_u64(&r);
	for (uint64_t i = 0; !r.bad && i < n; i++) {
		struct dash_rec *rec;
		if (bt__vec_reserve((void **)&st->recs, &alloc, st->n_recs + 1, sizeof *st->recs)) {
			r.bad = 1;
			break;
		}
		rec = &st->recs[st->n_recs++];
		memset(rec, 0, sizeof *rec);
		rec->key = rd_str(&r);
		rec->metric = rd_str(&r);
		rec->stem = rd_str(&r);
		rec->ix = rd_str(&r);
		rec->points = (size_t)rd_u64(&r);
		rec->acked = (size_t)rd_u64(&r);
		rec->pending = (size_t)rd_u64(&r);
		rec->reverted = (size_t)rd_u64(&r);
		rec->regs = rd_regs(&r, &rec->n_regs);
		rec->evs = rd_regs(&r, &rec->n_evs);
		rec->kept = 1; /* its file is not written again */
	}
	if (!r.bad && r.p != r.end)
		r.bad = 1;
	free(buf);
	if (r.bad) {
		bt__dash_state_release(st);
		return -1;
	}
	return 0;
}

/* --- writing --------------------------------------------------------------- */

/* Each returns nonzero when out of memory. */
static int w_u64(struct bt_strbuf *b, uint64_t v)
{
	return bt_strbuf_add(b, (const char *)&v, sizeof v);
}

static int w_str(struct bt_strbuf *b, const char *s)
{
	uint32_t n = s ? (uint32_t)strlen(s) : 0;
	return bt_strbuf_add(b, (const char *)&n, sizeof n) | (n ? bt_strbuf_add(b, s, n) : 0);
}

static int w_regs(struct bt_strbuf *b, const struct reg *v, size_t n)
{
	int e = w_u64(b, n);
	for (size_t i = 0; i < n; i++)
		e |= w_str(b, v[i].t) | w_str(b, v[i].json);
	return e;
}

int bt__dash_state_write(struct dash *d)
{
	struct bt_strbuf b = BT_STRBUF_INIT;
	int rc, e;

	e = bt_strbuf_add(&b, STATE_MAGIC, 8);
	e |= w_u64(&b, bt__dash_runs_hash(d, 0, d->runs.n));
	e |= w_u64(&b, bt__dash_acks_hash(d));
	e |= w_u64(&b, d->runs.n);
	e |= w_u64(&b, d->n_recs);
	for (size_t i = 0; !e && i < d->n_recs; i++) {
		const struct dash_rec *r = &d->recs[i];
		e |= w_str(&b, r->key) | w_str(&b, r->metric) | w_str(&b, r->stem) |
		     w_str(&b, r->ix);
		e |= w_u64(&b, r->points) | w_u64(&b, r->acked) | w_u64(&b, r->pending) |
		     w_u64(&b, r->reverted);
		e |= w_regs(&b, r->regs, r->n_regs) | w_regs(&b, r->evs, r->n_evs);
	}
	if (e)
		rc = BT_ENOMEM;
	else
		rc = bt__dash_put_file_at(d->dir, STATE_FILE, b.buf, b.len, 0, d->err);
	bt_strbuf_release(&b);
	return rc;
}

/* --- assembly -------------------------------------------------------------- */

/* Series order: key, then metric (byte order). */
static int rec_cmp(const void *a, const void *b)
{
	const struct dash_rec *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c ? c : strcmp(x->metric, y->metric);
}

int bt__dash_push_regs(struct reg **v, size_t *n, size_t *alloc, const struct reg *src,
		       size_t k)
{
	if (k && bt__vec_reserve((void **)v, alloc, *n + k, sizeof **v))
		return BT_ENOMEM;
	for (size_t i = 0; i < k; i++) {
		(*v)[*n].t = strdup(src[i].t ? src[i].t : "");
		(*v)[*n].json = strdup(src[i].json ? src[i].json : "");
		if (!(*v)[*n].t || !(*v)[*n].json) {
			free((*v)[*n].t);
			free((*v)[*n].json);
			return BT_ENOMEM;
		}
		(*n)++;
	}
	return 0;
}

int bt__dash_assemble(struct dash *d, struct dash_state *old)
{
	size_t fresh = d->n_recs;
	int rc = 0;

	/* the old records of series not read again join the fresh ones */
	if (old && old->n_recs) {
		if (fresh) /* recs is NULL without any */
			qsort(d->recs, fresh, sizeof *d->recs, rec_cmp);
		for (size_t i = 0; i < old->n_recs; i++) {
			struct dash_rec *r = &old->recs[i];
			if (fresh && bsearch(r, d->recs, fresh, sizeof *d->recs, rec_cmp))
				continue;
			if (bt__vec_reserve((void **)&d->recs, &d->alloc_recs, d->n_recs + 1,
					    sizeof *d->recs))
				return BT_ENOMEM;
			d->recs[d->n_recs++] = *r;
			memset(r, 0, sizeof *r); /* moved */
		}
	}
	if (d->n_recs)
		qsort(d->recs, d->n_recs, sizeof *d->recs, rec_cmp);

	/* the overview from the records, in that order */
	for (size_t i = 0; i < d->n_regs; i++) {
		free(d->regs[i].t);
		free(d->regs[i].json);
	}
	for (size_t i = 0; i < d->n_evs; i++) {
		free(d->evs[i].t);
		free(d->evs[i].json);
	}
	for (size_t i = 0; i < d->n_written; i++)
		free(d->written[i]);
	d->n_regs = d->n_evs = d->n_written = 0;
	d->acked = d->n_pending = d->n_reverted = 0;
	d->stats.series = d->stats.points = 0;
	d->stats_series_kept = 0;
	bt_strbuf_reset(&d->series_ix);
	for (size_t i = 0; !rc && i < d->n_recs; i++) {
		const struct dash_rec *r = &d->recs[i];
		rc = bt_strbuf_adds(&d->series_ix, r->ix) ? BT_ENOMEM : 0;
		if (!rc)
			rc = bt__dash_push_regs(&d->regs, &d->n_regs, &d->alloc_regs, r->regs, r->n_regs);
		if (!rc)
			rc = bt__dash_push_regs(&d->evs, &d->n_evs, &d->alloc_evs, r->evs, r->n_evs);
		if (!rc && bt__vec_reserve((void **)&d->written, &d->alloc_written,
					   d->n_written + 1, sizeof *d->written))
			rc = BT_ENOMEM;
		if (!rc && !(d->written[d->n_written++] = strdup(r->stem))) {
			d->n_written--;
			rc = BT_ENOMEM;
		}
		d->acked += r->acked;
		d->n_pending += r->pending;
		d->n_reverted += r->reverted;
		d->stats.series++;
		d->stats.points += r->points;
		d->stats_series_kept += r->kept;
	}
	return rc;
}
