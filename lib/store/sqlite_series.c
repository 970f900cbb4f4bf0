/* Series queries of the SQLite index (contract: bt_store_series in
 * include/benchtrack/store.h). The runs (their ids, commits, times and
 * machines) are read once; then, series by series in key order, the
 * points of each (one range of the points table, clustered by series),
 * sorted by time and handed to the callback. */
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "sqliteint.h"

static const char *text(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

static double real(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? NAN
							: sqlite3_column_double(s, i);
}

/* Copies column i into a (NULL stays NULL); sets *oom on failure. */
static const char *dup(struct bt_arena *a, sqlite3_stmt *s, int i, int *oom)
{
	const char *t = text(s, i);
	char *c;

	if (!t)
		return NULL;
	c = bt__arena_strdup(a, t);
	if (!c)
		*oom = 1;
	return c;
}

/* The smallest string above every string starting with hex prefix p (in
 * lowercase), or NULL when p is all 'f' (no upper bound). */
static char *upper_bound(const char *p)
{
	size_t n = strlen(p);
	char *u = strdup(p);

	if (!u)
		return NULL;
	while (n > 0) {
		char c = u[n - 1];
		if (c == 'f') {
			u[--n] = '\0';
			continue;
		}
		u[n - 1] = c == '9' ? 'a' : (char)(c + 1);
		return u;
	}
	free(u);
	return NULL;
}

/* Oldest first: timestamp, then run id. */
static int point_cmp(const void *a, const void *b)
{
	const struct bt_series_point *x = a, *y = b;
	int c = strcmp(x->timestamp, y->timestamp);
	return c ? c : strcmp(x->run_id, y->run_id);
}

/* A run as the points see it; ok: it passes the filter's run tests. Its
 * key first (find_id). */
struct srun {
	sqlite3_int64 rid;
	const char *run_id, *commit, *timestamp, *machine, *fingerprint;
	int ok;
};

/* A strings row, its key first (find_id). */
struct sstr {
	sqlite3_int64 id;
	const char *s;
};

/* A row of the points of one series. */
struct srow {
	sqlite3_int64 metric, unit;
	int direction;
	const struct srun *run;
	struct bt_series_point p;
};

struct sq {
	sqlite3 *db;
	void *h;
	struct bt_arena *a;       /* runs and strings, for the whole call */
	struct srun *runs;
	size_t n_runs;
	struct sstr *strs;
	size_t n_strs;
	struct srow *rows;
	size_t n_rows, alloc_rows;
	struct bt_series_point *pts;
	size_t alloc_pts;
	sqlite3_int64 *sids;      /* filter runs: the series they touch */
	size_t n_sids;
};

/* The index of the element with key id in base[0..n) (elements of size
 * bytes, each starting with its sqlite3_int64 key, ascending), or n. */
static size_t find_id(const void *base, size_t n, size_t size, sqlite3_int64 id)
{
	size_t lo = 0, hi = n;
	sqlite3_int64 k = 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		memcpy(&k, (const char *)base + mid * size, sizeof k);
		if (k < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < n)
		memcpy(&k, (const char *)base + lo * size, sizeof k);
	return lo < n && k == id ? lo : n;
}

static const struct srun *find_run(const struct sq *q, sqlite3_int64 rid)
{
	size_t i = find_id(q->runs, q->n_runs, sizeof *q->runs, rid);
	return i < q->n_runs ? &q->runs[i] : NULL;
}

static const char *find_str(const struct sq *q, sqlite3_int64 id)
{
	size_t i = find_id(q->strs, q->n_strs, sizeof *q->strs, id);
	return i < q->n_strs ? q->strs[i].s : NULL;
}

/* The runs (ordered by rid) and strings (by id) into q. */
static int load_runs(struct sq *q, const struct bt_series_filter *f,
		     struct bt_strbuf *err)
{
	sqlite3_stmt *s = NULL;
	size_t alloc = 0;
	int src, oom = 0;

	src = sqlite3_prepare_v2(q->db, "SELECT rid, run_id, commit_hash, timestamp,"
				 " machine_name, fingerprint, suite FROM runs ORDER BY rid",
				 -1, &s, NULL);
	while ((src == SQLITE_OK || src == SQLITE_ROW) &&
	       (src = sqlite3_step(s)) == SQLITE_ROW) {
		struct srun *r;
		const char *m, *fp, *su;
		if (bt__vec_reserve((void **)&q->runs, &alloc, q->n_runs + 1, sizeof *q->runs)) {
			sqlite3_finalize(s); /* else the connection cannot close */
			return BT_ENOMEM;
		}
		r = &q->runs[q->n_runs++];
		r->rid = sqlite3_column_int64(s, 0);
		r->run_id = dup(q->a, s, 1, &oom);
		r->commit = dup(q->a, s, 2, &oom);
		r->timestamp = dup(q->a, s, 3, &oom);
		r->machine = dup(q->a, s, 4, &oom);
		r->fingerprint = dup(q->a, s, 5, &oom);
		m = r->machine, fp = r->fingerprint, su = text(s, 6);
		r->ok = !(f && f->machine && !(m && !strcmp(m, f->machine)) &&
			  !(fp && !strcmp(fp, f->machine))) &&
			!(f && f->since && strcmp(r->timestamp ? r->timestamp : "", f->since) < 0) &&
			!(f && f->suite && !(su && !strcmp(su, f->suite)));
		if (!r->run_id || !r->timestamp)
			r->ok = 0;
	}
	sqlite3_finalize(s);
	s = NULL;
	if (src == SQLITE_DONE) {
		alloc = 0;
		src = sqlite3_prepare_v2(q->db, "SELECT id, s FROM strings ORDER BY id", -1,
					 &s, NULL);
	}
	while ((src == SQLITE_OK || src == SQLITE_ROW) &&
	       (src = sqlite3_step(s)) == SQLITE_ROW) {
		if (bt__vec_reserve((void **)&q->strs, &alloc, q->n_strs + 1, sizeof *q->strs)) {
			sqlite3_finalize(s);
			return BT_ENOMEM;
		}
		q->strs[q->n_strs].id = sqlite3_column_int64(s, 0);
		q->strs[q->n_strs++].s = dup(q->a, s, 1, &oom);
	}
	sqlite3_finalize(s);
	if (oom)
		return BT_ENOMEM;
	return src == SQLITE_DONE ? 0 : bt__sqlite_error(q->h, src, err);
}

static int sid_cmp(const void *a, const void *b)
{
	sqlite3_int64 x = *(const sqlite3_int64 *)a, y = *(const sqlite3_int64 *)b;
	return (x > y) - (x < y);
}

/* The series (sids, sorted) with a point from the runs of f->runs: from
 * the results of each run (its rows lie together). */
static int touched_sids(struct sq *q, const struct bt_series_filter *f,
			struct bt_strbuf *err)
{
	sqlite3_stmt *s = NULL;
	size_t alloc = 0;
	int src = sqlite3_prepare_v2(q->db, "SELECT DISTINCT sid FROM results WHERE rid = ?1"
				     " AND sid IS NOT NULL", -1, &s, NULL);
	for (size_t i = 0; src == SQLITE_OK && i < f->n_runs; i++) {
		sqlite3_int64 rid = 0;
		for (size_t k = 0; k < q->n_runs && !rid; k++)
			if (f->runs[i] && q->runs[k].run_id && !strcmp(q->runs[k].run_id, f->runs[i]))
				rid = q->runs[k].rid;
		if (!rid)
			continue;
		sqlite3_reset(s);
		sqlite3_bind_int64(s, 1, rid);
		while ((src = sqlite3_step(s)) == SQLITE_ROW) {
			if (bt__vec_reserve((void **)&q->sids, &alloc, q->n_sids + 1,
					    sizeof *q->sids)) {
				sqlite3_finalize(s);
				return BT_ENOMEM;
			}
			q->sids[q->n_sids++] = sqlite3_column_int64(s, 0);
		}
		if (src == SQLITE_DONE)
			src = SQLITE_OK;
	}
	sqlite3_finalize(s);
	if (src != SQLITE_OK)
		return bt__sqlite_error(q->h, src, err);
	if (q->n_sids)
		qsort(q->sids, q->n_sids, sizeof *q->sids, sid_cmp);
	return 0;
}

/* Hands the rows of q (the points of series cur, one or more metrics) to
 * fn, one series per metric in name order; *visited counts them. */
static int emit(struct sq *q, struct bt_series *cur, bt_series_fn fn, void *ud,
		size_t *visited)
{
	sqlite3_int64 *ms = NULL;
	size_t nm = 0, alloc = 0;
	int rc = 0;

	/* the metrics of the series, by name (byte order): a few */
	for (size_t i = 0; i < q->n_rows; i++) {
		sqlite3_int64 m = q->rows[i].metric;
		const char *name = find_str(q, m);
		size_t k = 0;
		while (k < nm && ms[k] != m)
			k++;
		if (k < nm)
			continue;
		if (bt__vec_reserve((void **)&ms, &alloc, nm + 1, sizeof *ms)) {
			free(ms);
			return BT_ENOMEM;
		}
		for (k = nm; k > 0; k--) {
			const char *o = find_str(q, ms[k - 1]);
			if (strcmp(o ? o : "", name ? name : "") <= 0)
				break;
			ms[k] = ms[k - 1];
		}
		ms[k] = m;
		nm++;
	}
	if (bt__vec_reserve((void **)&q->pts, &q->alloc_pts, q->n_rows ? q->n_rows : 1,
			    sizeof *q->pts))
		rc = BT_ENOMEM;
	for (size_t k = 0; !rc && k < nm; k++) {
		const struct srow *first = NULL;
		size_t n = 0;
		for (size_t i = 0; i < q->n_rows; i++) {
			if (q->rows[i].metric != ms[k])
				continue;
			if (!first)
				first = &q->rows[i];
			q->pts[n++] = q->rows[i].p;
		}
		cur->metric = find_str(q, ms[k]);
		cur->unit = find_str(q, first->unit);
		cur->direction = first->direction > 0 ? BT_HIGHER_IS_BETTER : BT_LOWER_IS_BETTER;
		cur->machine = first->run->machine;
		cur->points = q->pts;
		cur->n = n;
		/* in rid order, which is mostly time order already */
		size_t k2 = 1;
		while (k2 < n && point_cmp(&cur->points[k2 - 1], &cur->points[k2]) <= 0)
			k2++;
		if (k2 < n)
			qsort(cur->points, n, sizeof *cur->points, point_cmp);
		(*visited)++;
		rc = fn(ud, cur);
	}
	free(ms);
	return rc;
}

int bt__sqlite_series(void *h, const struct bt_series_filter *f,
		      bt_series_fn fn, void *ud, size_t *n_series,
		      struct bt_strbuf *err)
{
	struct sq q;
	struct bt_strbuf sql = BT_STRBUF_INIT;
	const char *binds[32];
	char *key_lo = NULL, *key_hi = NULL;
	int nb = 0, rc = 0, src, e = 0;
	size_t visited = 0;
	sqlite3_stmt *s = NULL, *ps = NULL;
	struct bt_arena *a = NULL;
	sqlite3_int64 metric_id = 0;
	const char *metric = f && f->metric ? f->metric : "time";
	int all = strcmp(metric, "*") == 0; /* every metric, one series each */
	int began = 0;

	memset(&q, 0, sizeof q);
	q.h = h;
	q.db = bt__sqlite_db(h);
	if (n_series)
		*n_series = 0;
	if (f && f->n_params > 16)
		return bt_error(err, BT_EINVAL, "too many parameter filters (at most 16)");
	if (!(q.a = bt__arena_new()))
		return bt_error(err, BT_ENOMEM, "%s", bt_strerror(BT_ENOMEM));
	/* every series' points: a larger page cache and memory-mapped reads
	 * for this connection (it is opened per call) */
	sqlite3_exec(q.db, "PRAGMA cache_size = -65536; PRAGMA mmap_size = 268435456",
		     NULL, NULL, NULL);
	/* one read transaction for the runs and every series */
	began = sqlite3_get_autocommit(q.db) &&
		sqlite3_exec(q.db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
	if ((rc = load_runs(&q, f, err)))
		goto out;
	if (!all) {
		size_t i;
		for (i = 0; i < q.n_strs && strcmp(q.strs[i].s ? q.strs[i].s : "", metric); i++)
			;
		if (i == q.n_strs)
			goto out; /* no point has that metric */
		metric_id = q.strs[i].id;
	}
	if (f && f->n_runs && (rc = touched_sids(&q, f, err)))
		goto out;
	e |= bt_strbuf_adds(&sql, "SELECT sid, series_key, suite, name, variant, params,"
				  " fingerprint FROM series WHERE 1");
	if (f && f->series_key && *f->series_key) {
		key_lo = strdup(f->series_key);
		if (!key_lo) {
			rc = BT_ENOMEM;
			goto out;
		}
		for (char *p = key_lo; *p; p++)
			if (*p >= 'A' && *p <= 'F')
				*p = (char)(*p - 'A' + 'a');
		key_hi = upper_bound(key_lo);
		e |= bt_strbuf_addf(&sql, " AND series_key >= ?%d", nb + 1);
		binds[nb++] = key_lo;
		if (key_hi) {
			e |= bt_strbuf_addf(&sql, " AND series_key < ?%d", nb + 1);
			binds[nb++] = key_hi;
		}
	}
	if (f && f->name) {
		e |= bt_strbuf_addf(&sql, " AND name = ?%d", nb + 1);
		binds[nb++] = f->name;
	}
	if (f && f->variant) {
		e |= bt_strbuf_addf(&sql, " AND variant = ?%d", nb + 1);
		binds[nb++] = f->variant;
	}
	for (size_t i = 0; f && i < f->n_params; i++) {
		e |= bt_strbuf_addf(&sql,
			       " AND instr(';' || ifnull(params, '') || ';',"
			       " ';' || ?%d || ';') > 0", nb + 1);
		binds[nb++] = f->params[i];
	}
	e |= bt_strbuf_adds(&sql, " ORDER BY series_key");
	if (e) {
		rc = BT_ENOMEM;
		goto out;
	}
	src = sqlite3_prepare_v2(q.db, sql.buf, -1, &s, NULL);
	if (src == SQLITE_OK)
		src = sqlite3_prepare_v2(q.db, all ? "SELECT rid, metric, unit, direction, n,"
					 " median, p25, p75, min, max FROM points WHERE sid = ?1"
					 : "SELECT rid, metric, unit, direction, n, median, p25,"
					 " p75, min, max FROM points WHERE sid = ?1 AND metric = ?2",
					 -1, &ps, NULL);
	if (src != SQLITE_OK) {
		rc = bt__sqlite_error(h, src, err);
		goto out;
	}
	for (int i = 0; i < nb; i++)
		sqlite3_bind_text(s, i + 1, binds[i], -1, SQLITE_STATIC);

	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		struct bt_series cur;
		int oom = 0;

		if (f && f->n_runs && !bsearch(&(sqlite3_int64){ sqlite3_column_int64(s, 0) },
					       q.sids, q.n_sids, sizeof *q.sids, sid_cmp))
			continue; /* not touched by those runs */
		q.n_rows = 0;
		sqlite3_reset(ps);
		sqlite3_bind_int64(ps, 1, sqlite3_column_int64(s, 0));
		if (!all)
			sqlite3_bind_int64(ps, 2, metric_id);
		while ((src = sqlite3_step(ps)) == SQLITE_ROW) {
			const struct srun *r = find_run(&q, sqlite3_column_int64(ps, 0));
			struct srow *w;
			sqlite3_int64 n;
			if (!r || !r->ok)
				continue;
			if (bt__vec_reserve((void **)&q.rows, &q.alloc_rows, q.n_rows + 1,
					    sizeof *q.rows)) {
				rc = BT_ENOMEM;
				goto out;
			}
			w = &q.rows[q.n_rows++];
			w->run = r;
			w->metric = sqlite3_column_int64(ps, 1);
			w->unit = sqlite3_column_int64(ps, 2);
			w->direction = sqlite3_column_int(ps, 3);
			n = sqlite3_column_int64(ps, 4);
			w->p.run_id = r->run_id;
			w->p.commit = r->commit;
			w->p.timestamp = r->timestamp;
			w->p.value = real(ps, 5);
			w->p.p25 = real(ps, 6);
			w->p.p75 = real(ps, 7);
			w->p.min = real(ps, 8);
			w->p.max = real(ps, 9);
			w->p.n = n < 0 ? 0 : (size_t)n;
		}
		if (src != SQLITE_DONE) {
			rc = bt__sqlite_error(h, src, err);
			goto out;
		}
		if (!q.n_rows)
			continue;
		if (!(a = bt__arena_new())) {
			rc = BT_ENOMEM;
			goto out;
		}
		memset(&cur, 0, sizeof cur);
		cur.series_key = dup(a, s, 1, &oom);
		cur.suite = dup(a, s, 2, &oom);
		cur.name = dup(a, s, 3, &oom);
		cur.variant = dup(a, s, 4, &oom);
		cur.params = dup(a, s, 5, &oom);
		if (!cur.params && !oom)
			cur.params = "";
		cur.fingerprint = dup(a, s, 6, &oom);
		if (oom) {
			rc = BT_ENOMEM;
			goto out;
		}
		rc = emit(&q, &cur, fn, ud, &visited);
		bt__arena_free(a);
		a = NULL;
		if (rc)
			goto out;
	}
	if (src != SQLITE_DONE)
		rc = bt__sqlite_error(h, src, err);
out:
	if (n_series)
		*n_series = visited;
	if (rc == BT_ENOMEM)
		bt_error(err, rc, "%s", bt_strerror(rc));
	sqlite3_finalize(s);
	sqlite3_finalize(ps);
	if (began)
		sqlite3_exec(q.db, "COMMIT", NULL, NULL, NULL);
	bt__arena_free(a);
	bt__arena_free(q.a);
	free(q.runs);
	free(q.strs);
	free(q.rows);
	free(q.pts);
	free(q.sids);
	bt_strbuf_release(&sql);
	free(key_lo);
	free(key_hi);
	return rc;
}
