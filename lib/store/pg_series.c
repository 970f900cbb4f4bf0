/* Series of the PostgreSQL store (contract: bt_store_series in store.h).
 * In one read-only transaction: the runs (ids, commits, times, machines;
 * only those of the selected series when the filter names a key, a name
 * or runs) and the series the filter selects, by key. Then, BATCH series
 * at a time, their points (one query), and with no transaction open (the
 * callback may use the store) one call per series and metric with its
 * points sorted by time. A run stored after the first transaction is not
 * in this walk.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "pgint.h"

struct srun {
	long long rid;
	const char *run_id, *commit, *timestamp, *machine;
	int ok;
};

struct sser {
	long long sid;
	const char *key, *suite, *name, *variant, *params, *fingerprint;
	size_t first, n; /* its rows (in the current batch) */
};

/* Series whose points are read at once: bounds memory (about 80 bytes a
 * point: BATCH x runs x metrics) and the transactions' length. */
#define BATCH 64

struct prow {
	uint32_t run, metric, unit;
	int direction;
	size_t n;
	double v[5]; /* median, p25, p75, min, max */
};

struct sq {
	const struct bt_series_filter *f;
	const char *metric; /* NULL: every metric */
	struct bt_arena *a;
	struct srun *runs;
	size_t n_runs;
	struct sser *ser;
	size_t n_ser;
	struct prow *rows;
	size_t n_rows, alloc_rows;
	const char **strs; /* metric and unit names */
	size_t n_strs, alloc_strs;
	size_t lo, hi;     /* the batch: ser[lo..hi) */
};

static void sq_reset(struct sq *q)
{
	bt__arena_free(q->a);
	free(q->runs);
	free(q->ser);
	free(q->rows);
	free(q->strs);
	const struct bt_series_filter *f = q->f;
	const char *m = q->metric;
	memset(q, 0, sizeof *q);
	q->f = f;
	q->metric = m;
}

static double num(PGresult *r, int i, int c)
{
	return PQgetisnull(r, i, c) ? NAN : strtod(PQgetvalue(r, i, c), NULL);
}

static int intern(struct sq *q, const char *s, uint32_t *out)
{
	for (size_t i = 0; i < q->n_strs; i++)
		if ((!s && !q->strs[i]) || (s && q->strs[i] && !strcmp(s, q->strs[i]))) {
			*out = (uint32_t)i;
			return 0;
		}
	if (bt__vec_reserve((void **)&q->strs, &q->alloc_strs, q->n_strs + 1, sizeof *q->strs))
		return BT_ENOMEM;
	const char *c = s ? bt__arena_strdup(q->a, s) : NULL;
	if (s && !c)
		return BT_ENOMEM;
	q->strs[q->n_strs] = c;
	*out = (uint32_t)q->n_strs++;
	return 0;
}

static size_t find_run(const struct sq *q, long long rid)
{
	size_t lo = 0, hi = q->n_runs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (q->runs[mid].rid < rid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < q->n_runs && q->runs[lo].rid == rid ? lo : q->n_runs;
}

/* The WHERE of the series filter into sql (parameters into v, *n). */
static int series_where(const struct bt_series_filter *f, struct bt_strbuf *sql,
			const char **v, int *n, char **keylow, struct bt_strbuf *runs)
{
	int e = bt_strbuf_adds(sql, " WHERE true");
	if (f->series_key && *f->series_key) {
		*keylow = strdup(f->series_key);
		for (char *p = *keylow; p && *p; p++)
			if (*p >= 'A' && *p <= 'F')
				*p = (char)(*p - 'A' + 'a');
		v[(*n)++] = *keylow;
		e |= !*keylow || bt_strbuf_addf(sql, " AND starts_with(s.series_key, $%d)", *n);
	}
	if (f->name) {
		v[(*n)++] = f->name;
		e |= bt_strbuf_addf(sql, " AND s.name = $%d", *n);
	}
	if (f->variant) {
		v[(*n)++] = f->variant;
		e |= bt_strbuf_addf(sql, " AND s.variant = $%d", *n);
	}
	for (size_t i = 0; i < f->n_params; i++) {
		v[(*n)++] = f->params[i];
		e |= bt_strbuf_addf(sql, " AND strpos(';' || coalesce(s.params, '') || ';',"
				    " ';' || $%d || ';') > 0", *n);
	}
	if (f->n_runs) {
		for (size_t i = 0; i < f->n_runs; i++)
			e |= bt__pg_arr_str(runs, f->runs[i]);
		e |= bt__pg_arr_end(runs);
		v[(*n)++] = runs->buf;
		e |= bt_strbuf_addf(sql, " AND s.sid IN (SELECT x.sid FROM results x JOIN runs r"
				    " ON r.rid = x.rid WHERE r.run_id = ANY($%d::text[]) AND"
				    " x.sid IS NOT NULL)", *n);
	}
	return e ? BT_ENOMEM : 0;
}

/* The runs (by rid) into q: with a narrow filter (a key, a name, runs)
 * only those with a point in the selected series, else all. */
static int load_runs(struct bt_pg *pg, struct sq *q, const char *where, int nv,
		     const char *const *v, struct bt_strbuf *err)
{
	const struct bt_series_filter *f = q->f;
	int rc, oom = 0;
	struct bt_strbuf sql = BT_STRBUF_INIT;
	int narrow = (f->series_key && *f->series_key) || f->name || f->n_runs;
	if (bt_strbuf_addf(&sql, "SELECT rid, run_id, commit_hash, timestamp, machine_name,"
			   " fingerprint, suite FROM runs%s%s%s ORDER BY rid",
			   narrow ? " WHERE rid IN (SELECT p.rid FROM points p JOIN series s ON"
			   " s.sid = p.sid" : "", narrow ? where : "", narrow ? ")" : "")) {
		bt_strbuf_release(&sql);
		return BT_ENOMEM;
	}
	PGresult *r = bt__pg_exec(pg, sql.buf, narrow ? nv : 0, v, NULL, &rc, err);
	bt_strbuf_release(&sql);
	if (!r)
		return rc;
	int n = PQntuples(r);
	q->runs = calloc(n ? (size_t)n : 1, sizeof *q->runs);
	oom = !q->runs;
	for (int i = 0; !oom && i < n; i++) {
		struct srun *x = &q->runs[q->n_runs++];
		const char *m = PQgetisnull(r, i, 4) ? NULL : PQgetvalue(r, i, 4);
		const char *fp = PQgetisnull(r, i, 5) ? NULL : PQgetvalue(r, i, 5);
		const char *su = PQgetisnull(r, i, 6) ? NULL : PQgetvalue(r, i, 6);
		x->rid = atoll(PQgetvalue(r, i, 0));
		x->run_id = bt__pg_col(q->a, r, i, 1, &oom);
		x->commit = bt__pg_col(q->a, r, i, 2, &oom);
		x->timestamp = bt__pg_col(q->a, r, i, 3, &oom);
		x->machine = bt__pg_col(q->a, r, i, 4, &oom);
		x->ok = !(f->machine && !(m && !strcmp(m, f->machine)) &&
			  !(fp && !strcmp(fp, f->machine))) &&
			!(f->since && strcmp(x->timestamp ? x->timestamp : "", f->since) < 0) &&
			!(f->suite && !(su && !strcmp(su, f->suite)));
	}
	PQclear(r);
	return oom ? BT_ENOMEM : 0;
}

/* The runs and the selected series (one transaction). */
static int list_body(struct bt_pg *pg, void *ud, struct bt_strbuf *err)
{
	struct sq *q = ud;
	struct bt_strbuf where = BT_STRBUF_INIT, sql = BT_STRBUF_INIT, runs = BT_STRBUF_INIT;
	const char *v[40];
	char *keylow = NULL;
	int n = 0, rc, oom = 0;
	sq_reset(q);
	if (!(q->a = bt__arena_new()))
		return BT_ENOMEM;
	rc = series_where(q->f, &where, v, &n, &keylow, &runs);
	if (!rc)
		rc = load_runs(pg, q, where.buf, n, v, err);
	if (!rc && bt_strbuf_addf(&sql, "SELECT s.sid, s.series_key, s.suite, s.name, s.variant,"
				  " s.params, s.fingerprint FROM series s%s ORDER BY s.series_key",
				  where.buf))
		rc = BT_ENOMEM;
	PGresult *r = rc ? NULL : bt__pg_exec(pg, sql.buf, n, v, NULL, &rc, err);
	if (r) {
		int ns = PQntuples(r);
		q->ser = calloc(ns ? (size_t)ns : 1, sizeof *q->ser);
		oom = !q->ser;
		for (int i = 0; !oom && i < ns; i++) {
			struct sser *x = &q->ser[q->n_ser++];
			x->sid = atoll(PQgetvalue(r, i, 0));
			x->key = bt__pg_col(q->a, r, i, 1, &oom);
			x->suite = bt__pg_col(q->a, r, i, 2, &oom);
			x->name = bt__pg_col(q->a, r, i, 3, &oom);
			x->variant = bt__pg_col(q->a, r, i, 4, &oom);
			x->params = bt__pg_col(q->a, r, i, 5, &oom);
			x->fingerprint = bt__pg_col(q->a, r, i, 6, &oom);
			if (!x->params)
				x->params = "";
		}
		PQclear(r);
		rc = oom ? BT_ENOMEM : 0;
	}
	free(keylow);
	bt_strbuf_release(&where);
	bt_strbuf_release(&sql);
	bt_strbuf_release(&runs);
	if (rc == BT_ENOMEM)
		bt_error(err, rc, "%s: out of memory", pg->shown);
	return rc;
}

/* The series of one batch, q->ser[lo..hi), by sid: its index, or hi. */
static size_t batch_find(const struct sq *q, long long sid)
{
	for (size_t i = q->lo; i < q->hi; i++)
		if (q->ser[i].sid == sid)
			return i;
	return q->hi;
}

/* The points of the batch q->ser[lo..hi) into q->rows, grouped by series
 * and, within one, by metric. */
static int batch_body(struct bt_pg *pg, void *ud, struct bt_strbuf *err)
{
	struct sq *q = ud;
	struct bt_strbuf ids = BT_STRBUF_INIT;
	int rc = 0, e = 0;
	q->n_rows = 0;
	for (size_t i = q->lo; i < q->hi; i++) {
		q->ser[i].n = 0;
		e |= bt__pg_arr_int(&ids, q->ser[i].sid, 1);
	}
	e |= bt__pg_arr_end(&ids);
	const char *v[2] = { ids.buf, q->metric };
	PGresult *r = e ? NULL
		: bt__pg_exec(pg, q->metric
			      ? "SELECT sid, rid, metric, unit, direction, n, median, p25, p75,"
				" min, max FROM points WHERE sid = ANY($1::bigint[]) AND metric = $2"
				" ORDER BY sid, metric"
			      : "SELECT sid, rid, metric, unit, direction, n, median, p25, p75,"
				" min, max FROM points WHERE sid = ANY($1::bigint[]) ORDER BY sid,"
				" metric", q->metric ? 2 : 1, v, NULL, &rc, err);
	bt_strbuf_release(&ids);
	if (e)
		rc = BT_ENOMEM;
	int nr = r ? PQntuples(r) : 0;
	size_t cur = q->hi;
	for (int i = 0; !rc && i < nr; i++) {
		long long sid = atoll(PQgetvalue(r, i, 0));
		if (cur == q->hi || q->ser[cur].sid != sid)
			cur = batch_find(q, sid); /* rows come by sid: a new one */
		size_t run = find_run(q, atoll(PQgetvalue(r, i, 1)));
		if (cur == q->hi || run == q->n_runs || !q->runs[run].ok)
			continue; /* (a run stored since the list: not in this walk) */
		if (bt__vec_reserve((void **)&q->rows, &q->alloc_rows, q->n_rows + 1,
				    sizeof *q->rows)) {
			rc = BT_ENOMEM;
			break;
		}
		struct prow *w = &q->rows[q->n_rows];
		w->run = (uint32_t)run;
		if (intern(q, PQgetvalue(r, i, 2), &w->metric) ||
		    intern(q, PQgetisnull(r, i, 3) ? NULL : PQgetvalue(r, i, 3), &w->unit)) {
			rc = BT_ENOMEM;
			break;
		}
		w->direction = atoi(PQgetvalue(r, i, 4));
		long long pn = PQgetisnull(r, i, 5) ? 0 : atoll(PQgetvalue(r, i, 5));
		w->n = pn < 0 ? 0 : (size_t)pn;
		for (int k = 0; k < 5; k++)
			w->v[k] = num(r, i, 6 + k);
		if (!q->ser[cur].n)
			q->ser[cur].first = q->n_rows;
		q->ser[cur].n++;
		q->n_rows++;
	}
	PQclear(r);
	if (rc == BT_ENOMEM)
		bt_error(err, rc, "%s: out of memory", pg->shown);
	return rc;
}

static int point_cmp(const void *a, const void *b)
{
	const struct bt_series_point *x = a, *y = b;
	int c = strcmp(x->timestamp, y->timestamp);
	return c ? c : strcmp(x->run_id, y->run_id);
}

int bt__pg_series(struct bt_store *st, const struct bt_series_filter *f,
		  bt_series_fn fn, void *ud, size_t *n_series,
		  struct bt_strbuf *err)
{
	struct bt_series_filter none;
	struct sq q;
	size_t visited = 0;
	memset(&none, 0, sizeof none);
	memset(&q, 0, sizeof q);
	if (n_series)
		*n_series = 0;
	q.f = f ? f : &none;
	q.metric = q.f->metric ? q.f->metric : "time";
	if (strcmp(q.metric, "*") == 0)
		q.metric = NULL;
	if (q.f->n_params > 16)
		return bt_error(err, BT_EINVAL, "too many parameter filters (at most 16)");
	if (!st->pg->schema)
		return 0;
	int rc = bt__pg_tx(st->pg, 0, list_body, &q, err);
	struct bt_series_point *pts = NULL;
	size_t alloc = 0;
	for (size_t i = 0; !rc && i < q.n_ser; i++) {
		if (i == q.hi) {
			/* the next batch of series: their points, then their
			 * calls with no transaction open (fn may use the store) */
			q.lo = i;
			q.hi = i + BATCH < q.n_ser ? i + BATCH : q.n_ser;
			if ((rc = bt__pg_tx(st->pg, 0, batch_body, &q, err)))
				break;
		}
		const struct sser *s = &q.ser[i];
		const struct prow *rows = q.rows + s->first;
		for (size_t a = 0; !rc && a < s->n;) {
			size_t b = a;
			while (b < s->n && rows[b].metric == rows[a].metric)
				b++;
			if (bt__vec_reserve((void **)&pts, &alloc, b - a, sizeof *pts)) {
				rc = bt_error(err, BT_ENOMEM, "%s: out of memory", st->pg->shown);
				break;
			}
			for (size_t k = a; k < b; k++) {
				const struct srun *run = &q.runs[rows[k].run];
				struct bt_series_point *p = &pts[k - a];
				p->run_id = run->run_id;
				p->commit = run->commit;
				p->timestamp = run->timestamp;
				p->value = rows[k].v[0];
				p->p25 = rows[k].v[1];
				p->p75 = rows[k].v[2];
				p->min = rows[k].v[3];
				p->max = rows[k].v[4];
				p->n = rows[k].n;
			}
			qsort(pts, b - a, sizeof *pts, point_cmp);
			struct bt_series cur;
			memset(&cur, 0, sizeof cur);
			cur.series_key = s->key;
			cur.suite = s->suite;
			cur.name = s->name;
			cur.variant = s->variant;
			cur.params = s->params;
			cur.fingerprint = s->fingerprint;
			cur.machine = q.runs[rows[a].run].machine;
			cur.metric = q.strs[rows[a].metric];
			cur.unit = q.strs[rows[a].unit];
			cur.direction = rows[a].direction > 0 ? BT_HIGHER_IS_BETTER
							      : BT_LOWER_IS_BETTER;
			cur.points = pts;
			cur.n = b - a;
			visited++;
			rc = fn(ud, &cur);
			a = b;
		}
	}
	free(pts);
	sq_reset(&q);
	if (n_series)
		*n_series = visited;
	return rc;
}
