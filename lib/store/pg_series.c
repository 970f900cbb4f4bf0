/* Series of the PostgreSQL store (contract: bt_store_series in store.h).
 * In one read-only transaction: the runs (ids, commits, times, machines;
 * only those of the selected series when the filter names a key, a name
 * or runs), the series the filter selects (by key), and their points in
 * one pass over the points table (no order: the table lies in run order,
 * so reading it series by series would read it again for each), kept in
 * memory, about 70 bytes a point. The points come as a binary COPY
 * (bt__pg_copy): rows streamed and decoded as they arrive, with no
 * float8 text made by the server and parsed here, and no result or
 * cursor's store held on either side; with values_only, only the columns
 * the caller reads (the server's cost is per value sent). Then, with the
 * transaction over (the callback may use the store), the points grouped
 * by series and metric, and one call per series and metric with its
 * points sorted by time.
 */
#include <math.h>
#include <pthread.h>
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
	size_t first, n; /* its rows: order[first..first + n) */
};

struct prow {
	uint32_t ser, run, metric, unit;
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
	uint32_t *rid_ix;  /* rid - rid_lo -> index in runs (UINT32_MAX: none);
			      NULL: find_run searches */
	long long rid_lo;
	size_t n_rid_ix;
	struct sser *ser;
	size_t n_ser;
	struct prow *rows;
	size_t n_rows, alloc_rows;
	const char **strs; /* metric and unit names */
	uint32_t metric_id; /* of q->metric in strs */
	int n_cols;         /* of the rows read_points asks for */
	int bad_row;        /* a row of the points had other columns */
	size_t n_strs, alloc_strs;
	long long *map;    /* sid -> index in ser + 1 (open addressing: sids
			      in mkeys) */
	long long *mkeys;
	size_t map_cap;
	uint32_t *order;   /* the rows grouped by series, then metric */
};

static void sq_reset(struct sq *q)
{
	bt__arena_free(q->a);
	free(q->runs);
	free(q->rid_ix);
	free(q->ser);
	free(q->rows);
	free(q->strs);
	free(q->map);
	free(q->mkeys);
	free(q->order);
	const struct bt_series_filter *f = q->f;
	const char *m = q->metric;
	memset(q, 0, sizeof *q);
	q->f = f;
	q->metric = m;
}

/* The index of the name s[0..len) (len < 0: none) in q->strs, added
 * when new. */
static int intern(struct sq *q, const char *s, int len, uint32_t *out)
{
	for (size_t i = 0; i < q->n_strs; i++) {
		const char *t = q->strs[i];
		if (len < 0 ? !t : t && strncmp(t, s, (size_t)len) == 0 && !t[len]) {
			*out = (uint32_t)i;
			return 0;
		}
	}
	if (bt__vec_reserve((void **)&q->strs, &q->alloc_strs, q->n_strs + 1, sizeof *q->strs))
		return BT_ENOMEM;
	const char *c = len >= 0 ? bt__arena_strndup(q->a, s, (size_t)len) : NULL;
	if (len >= 0 && !c)
		return BT_ENOMEM;
	q->strs[q->n_strs] = c;
	*out = (uint32_t)q->n_strs++;
	return 0;
}

/* The index in q->runs of the run rid, or n_runs: a direct look-up
 * when the rids are dense (a sequence: they are), else a binary search
 * (q->runs is in rid order). */
static size_t find_run(const struct sq *q, long long rid)
{
	if (q->rid_ix) {
		if (rid < q->rid_lo || (unsigned long long)(rid - q->rid_lo) >= q->n_rid_ix)
			return q->n_runs;
		uint32_t k = q->rid_ix[rid - q->rid_lo];
		return k == UINT32_MAX ? q->n_runs : k;
	}
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

/* q->rid_ix for find_run when the rids span at most a few times their
 * count; none (a binary search) otherwise. */
static int rid_index(struct sq *q)
{
	if (!q->n_runs || q->n_runs >= UINT32_MAX)
		return 0;
	unsigned long long span = (unsigned long long)(q->runs[q->n_runs - 1].rid -
							q->runs[0].rid) + 1;
	if (span > 4 * (unsigned long long)q->n_runs + 4096)
		return 0;
	q->rid_ix = malloc(span * sizeof *q->rid_ix);
	if (!q->rid_ix)
		return BT_ENOMEM;
	memset(q->rid_ix, 0xff, span * sizeof *q->rid_ix);
	q->rid_lo = q->runs[0].rid;
	q->n_rid_ix = (size_t)span;
	for (size_t i = 0; i < q->n_runs; i++)
		q->rid_ix[q->runs[i].rid - q->rid_lo] = (uint32_t)i;
	return 0;
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
	return oom ? BT_ENOMEM : rid_index(q);
}

/* The map from sid to series index. */
static int map_build(struct sq *q)
{
	q->map_cap = 16;
	while (q->map_cap < 2 * q->n_ser)
		q->map_cap *= 2;
	q->map = calloc(q->map_cap, sizeof *q->map);
	q->mkeys = calloc(q->map_cap, sizeof *q->mkeys);
	if (!q->map || !q->mkeys)
		return BT_ENOMEM;
	for (size_t i = 0; i < q->n_ser; i++) {
		size_t h = (size_t)((unsigned long long)q->ser[i].sid * 0x9e3779b97f4a7c15ULL >> 20);
		while (q->map[h & (q->map_cap - 1)])
			h++;
		q->map[h & (q->map_cap - 1)] = (long long)i + 1;
		q->mkeys[h & (q->map_cap - 1)] = q->ser[i].sid;
	}
	return 0;
}

/* The series index of sid, or n_ser when it is not selected. */
static size_t map_find(const struct sq *q, long long sid)
{
	size_t h = (size_t)((unsigned long long)sid * 0x9e3779b97f4a7c15ULL >> 20);
	for (;; h++) {
		size_t k = h & (q->map_cap - 1);
		if (!q->map[k])
			return q->n_ser;
		if (q->mkeys[k] == sid)
			return (size_t)(q->map[k] - 1);
	}
}

/* The columns read_points asks for: the spread and n only when the
 * caller reads them (not values_only), the metric last, only when every
 * metric is read (else it is q->metric). */
enum { C_SID, C_RID, C_UNIT, C_DIR, C_MEDIAN, C_P25, C_N = C_P25 + 4 };

/* One row of the points (bt__pg_row_fn): kept when its series is
 * selected and its run passes the filter. */
static int add_point(void *ud, const struct bt__pg_field *f, int nf)
{
	struct sq *q = ud;
	if (nf != q->n_cols) {
		q->bad_row = 1;
		return BT_EIO;
	}
	size_t ser = map_find(q, bt__pg_field_i64(&f[C_SID]));
	size_t run = find_run(q, bt__pg_field_i64(&f[C_RID]));
	if (ser >= q->n_ser || run >= q->n_runs || !q->runs[run].ok)
		return 0;
	if (bt__vec_reserve((void **)&q->rows, &q->alloc_rows, q->n_rows + 1, sizeof *q->rows))
		return BT_ENOMEM;
	struct prow *w = &q->rows[q->n_rows];
	w->ser = (uint32_t)ser;
	w->run = (uint32_t)run;
	w->metric = q->metric_id;
	if ((!q->metric && intern(q, (const char *)f[nf - 1].p, f[nf - 1].len, &w->metric)) ||
	    intern(q, (const char *)f[C_UNIT].p, f[C_UNIT].len, &w->unit))
		return BT_ENOMEM;
	w->direction = bt__pg_field_i32(&f[C_DIR]);
	w->v[0] = bt__pg_field_f64(&f[C_MEDIAN]);
	if (q->f->values_only) {
		w->v[1] = w->v[2] = w->v[3] = w->v[4] = NAN;
		w->n = 0;
	} else {
		for (int k = 0; k < 4; k++)
			w->v[1 + k] = bt__pg_field_f64(&f[C_P25 + k]);
		long long pn = bt__pg_field_i64(&f[C_N]);
		w->n = pn < 0 ? 0 : (size_t)pn;
	}
	q->ser[ser].n++;
	q->n_rows++;
	return 0;
}

/* The points of the selected series, in one pass over the table: a
 * binary COPY, in the order the server reads them. */
static int read_points(struct bt_pg *pg, struct sq *q, const char *where, int n,
		       const char **v, struct bt_strbuf *err)
{
	struct bt_strbuf sql = BT_STRBUF_INIT;
	int rc = 0, any = strcmp(where, " WHERE true") != 0;
	if (q->metric) {
		v[n++] = q->metric;
		if (intern(q, q->metric, (int)strlen(q->metric), &q->metric_id))
			return bt_error(err, BT_ENOMEM, "%s: out of memory", pg->shown);
	}
	q->n_cols = (q->f->values_only ? C_P25 : C_N + 1) + !q->metric;
	if (bt_strbuf_addf(&sql, "SELECT p.sid, p.rid, p.unit, p.direction, p.median%s%s"
			   " FROM points p%s%s",
			   q->f->values_only ? "" : ", p.p25, p.p75, p.min, p.max, p.n",
			   q->metric ? "" : ", p.metric",
			   any ? " JOIN series s ON s.sid = p.sid" : "", any ? where : " WHERE true") ||
	    (q->metric && bt_strbuf_addf(&sql, " AND p.metric = $%d", n)))
		rc = bt_error(err, BT_ENOMEM, "%s: out of memory", pg->shown);
	if (!rc)
		rc = bt__pg_copy(pg, sql.buf, n, v, add_point, q, err);
	if (q->bad_row)
		rc = bt_error(err, BT_EIO, "%s: unexpected columns in the points", pg->shown);
	bt_strbuf_release(&sql);
	return rc;
}

/* The runs, the selected series and their points (one transaction). */
static int series_body(struct bt_pg *pg, void *ud, struct bt_strbuf *err)
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
		rc = oom ? BT_ENOMEM : map_build(q);
	}
	if (!rc && q->n_ser)
		rc = read_points(pg, q, where.buf, n, v, err);
	free(keylow);
	bt_strbuf_release(&where);
	bt_strbuf_release(&sql);
	bt_strbuf_release(&runs);
	if (rc == BT_ENOMEM)
		bt_error(err, rc, "%s: out of memory", pg->shown);
	return rc;
}

static const struct sq *sort_q; /* for qsort's comparator (one walk at a time) */

/* Rows of one series: by metric name, then as they came. */
static int metric_cmp(const void *a, const void *b)
{
	const struct prow *x = &sort_q->rows[*(const uint32_t *)a];
	const struct prow *y = &sort_q->rows[*(const uint32_t *)b];
	int c = x->metric == y->metric ? 0
		: strcmp(sort_q->strs[x->metric] ? sort_q->strs[x->metric] : "",
			 sort_q->strs[y->metric] ? sort_q->strs[y->metric] : "");
	return c ? c : (*(const uint32_t *)a > *(const uint32_t *)b) -
			       (*(const uint32_t *)a < *(const uint32_t *)b);
}

/* q->order: the rows grouped by series (a counting sort), each series'
 * by metric. */
static int group_rows(struct sq *q)
{
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	if (q->n_rows > UINT32_MAX)
		return BT_ENOMEM;
	q->order = malloc((q->n_rows ? q->n_rows : 1) * sizeof *q->order);
	if (!q->order)
		return BT_ENOMEM;
	size_t at = 0;
	for (size_t i = 0; i < q->n_ser; i++) {
		q->ser[i].first = at;
		at += q->ser[i].n;
		q->ser[i].n = 0;
	}
	for (size_t k = 0; k < q->n_rows; k++) {
		struct sser *x = &q->ser[q->rows[k].ser];
		q->order[x->first + x->n++] = (uint32_t)k;
	}
	pthread_mutex_lock(&mu);
	sort_q = q;
	for (size_t i = 0; i < q->n_ser; i++) {
		const uint32_t *o = q->order + q->ser[i].first;
		size_t k = 1;
		while (k < q->ser[i].n && q->rows[o[k]].metric == q->rows[o[0]].metric)
			k++;
		if (k < q->ser[i].n) /* several metrics */
			qsort(q->order + q->ser[i].first, q->ser[i].n, sizeof *q->order,
			      metric_cmp);
	}
	pthread_mutex_unlock(&mu);
	return 0;
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
	int rc = bt__pg_tx(st->pg, 0, series_body, &q, err);
	if (!rc && group_rows(&q))
		rc = bt_error(err, BT_ENOMEM, "%s: out of memory", st->pg->shown);
	struct bt_series_point *pts = NULL;
	size_t alloc = 0;
	for (size_t i = 0; !rc && i < q.n_ser; i++) {
		const struct sser *s = &q.ser[i];
		const uint32_t *o = q.order + s->first;
		for (size_t a = 0; !rc && a < s->n;) {
			const struct prow *head = &q.rows[o[a]];
			size_t b = a;
			while (b < s->n && q.rows[o[b]].metric == head->metric)
				b++;
			if (bt__vec_reserve((void **)&pts, &alloc, b - a, sizeof *pts)) {
				rc = bt_error(err, BT_ENOMEM, "%s: out of memory", st->pg->shown);
				break;
			}
			for (size_t k = a; k < b; k++) {
				const struct prow *w = &q.rows[o[k]];
				const struct srun *run = &q.runs[w->run];
				struct bt_series_point *p = &pts[k - a];
				p->run_id = run->run_id;
				p->commit = run->commit;
				p->timestamp = run->timestamp;
				p->value = w->v[0];
				p->p25 = w->v[1];
				p->p75 = w->v[2];
				p->min = w->v[3];
				p->max = w->v[4];
				p->n = w->n;
			}
			/* in the order the table holds them: mostly time order */
			size_t k2 = 1;
			while (k2 < b - a && point_cmp(&pts[k2 - 1], &pts[k2]) <= 0)
				k2++;
			if (k2 < b - a)
				qsort(pts, b - a, sizeof *pts, point_cmp);
			struct bt_series cur;
			memset(&cur, 0, sizeof cur);
			cur.series_key = s->key;
			cur.suite = s->suite;
			cur.name = s->name;
			cur.variant = s->variant;
			cur.params = s->params;
			cur.fingerprint = s->fingerprint;
			cur.machine = q.runs[head->run].machine;
			cur.metric = q.strs[head->metric];
			cur.unit = q.strs[head->unit];
			cur.direction = head->direction > 0 ? BT_HIGHER_IS_BETTER
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
