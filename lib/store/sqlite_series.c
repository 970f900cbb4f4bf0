/* Series queries of the SQLite index (contract: bt_store_series in
 * include/benchtrack/store.h). One query ordered by series key and time;
 * the rows of one series are gathered and handed to the callback. */
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

int bt__sqlite_series(void *h, const struct bt_series_filter *f,
		      bt_series_fn fn, void *ud, size_t *n_series,
		      struct bt_strbuf *err)
{
	sqlite3 *db = bt__sqlite_db(h);
	struct bt_strbuf sql = BT_STRBUF_INIT;
	const char *binds[32];
	char *key_lo = NULL, *key_hi = NULL;
	int nb = 0, rc = 0, src, e = 0;
	size_t visited = 0;
	sqlite3_stmt *s = NULL;
	struct bt_arena *a = NULL;
	struct bt_series cur;
	size_t alloc = 0;
	const char *metric = f && f->metric ? f->metric : "time";
	int all = strcmp(metric, "*") == 0; /* every metric, one series each */

	if (n_series)
		*n_series = 0;
	if (f && f->n_params > 16)
		return bt_error(err, BT_EINVAL, "too many parameter filters (at most 16)");
	e |= bt_strbuf_adds(&sql,
		"SELECT r.series_key, ru.suite, r.name, r.variant, r.params,"
		" ru.fingerprint, ru.machine_name, m.unit, m.direction,"
		" ru.run_id, ru.commit_hash, ru.timestamp, m.median, m.p25,"
		" m.p75, m.min, m.max, m.n, m.name"
		" FROM results r JOIN runs ru ON ru.run_id = r.run_id"
		" JOIN metrics m ON m.result_id = r.id");
	if (!all) {
		e |= bt_strbuf_adds(&sql, " AND m.name = ?1");
		binds[nb++] = metric;
	}
	e |= bt_strbuf_adds(&sql, " WHERE r.series_key IS NOT NULL AND r.status = 'ok'"
				  " AND m.median IS NOT NULL");
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
		e |= bt_strbuf_addf(&sql, " AND r.series_key >= ?%d", nb + 1);
		binds[nb++] = key_lo;
		if (key_hi) {
			e |= bt_strbuf_addf(&sql, " AND r.series_key < ?%d", nb + 1);
			binds[nb++] = key_hi;
		}
	}
	if (f && f->suite) {
		e |= bt_strbuf_addf(&sql, " AND ru.suite = ?%d", nb + 1);
		binds[nb++] = f->suite;
	}
	if (f && f->name) {
		e |= bt_strbuf_addf(&sql, " AND r.name = ?%d", nb + 1);
		binds[nb++] = f->name;
	}
	if (f && f->variant) {
		e |= bt_strbuf_addf(&sql, " AND r.variant = ?%d", nb + 1);
		binds[nb++] = f->variant;
	}
	if (f && f->machine) {
		e |= bt_strbuf_addf(&sql, " AND (ru.machine_name = ?%d OR ru.fingerprint = ?%d)",
			       nb + 1, nb + 1);
		binds[nb++] = f->machine;
	}
	if (f && f->since) {
		e |= bt_strbuf_addf(&sql, " AND ru.timestamp >= ?%d", nb + 1);
		binds[nb++] = f->since;
	}
	for (size_t i = 0; f && i < f->n_params; i++) {
		e |= bt_strbuf_addf(&sql,
			       " AND instr(';' || ifnull(r.params, '') || ';',"
			       " ';' || ?%d || ';') > 0", nb + 1);
		binds[nb++] = f->params[i];
	}
	/* ordered by key only, which the index on results(series_key) gives
	 * without a sort of every row; each series' points are sorted by time
	 * here (a series holds far fewer rows than the table) */
	/* "*": by metric within a key, a sort of each key's rows only */
	e |= bt_strbuf_adds(&sql, all ? " ORDER BY r.series_key, m.name"
				      : " ORDER BY r.series_key");
	if (e) {
		rc = BT_ENOMEM;
		goto out;
	}
	/* a walk over the whole results table: a larger page cache and
	 * memory-mapped reads for this connection (it is opened per call) */
	sqlite3_exec(db, "PRAGMA cache_size = -65536; PRAGMA mmap_size = 268435456",
		     NULL, NULL, NULL);
	src = sqlite3_prepare_v2(db, sql.buf, -1, &s, NULL);
	if (src != SQLITE_OK) {
		rc = bt__sqlite_error(h, src, err);
		goto out;
	}
	for (int i = 0; i < nb; i++)
		sqlite3_bind_text(s, i + 1, binds[i], -1, SQLITE_STATIC);

	memset(&cur, 0, sizeof cur);
	for (;;) {
		int oom = 0;
		const char *key;

		src = sqlite3_step(s);
		if (src != SQLITE_ROW && src != SQLITE_DONE) {
			rc = bt__sqlite_error(h, src, err);
			goto out;
		}
		key = src == SQLITE_ROW ? text(s, 0) : NULL;
		if (cur.series_key &&
		    (!key || strcmp(key, cur.series_key) != 0 ||
		     (all && strcmp(text(s, 18) ? text(s, 18) : "", cur.metric) != 0))) {
			visited++;
			qsort(cur.points, cur.n, sizeof *cur.points, point_cmp);
			rc = fn(ud, &cur);
			bt__arena_free(a);
			a = NULL;
			memset(&cur, 0, sizeof cur);
			alloc = 0;
			if (rc)
				goto out;
		}
		if (!key)
			break;
		if (!cur.series_key) {
			a = bt__arena_new();
			if (!a) {
				rc = BT_ENOMEM;
				goto out;
			}
			cur.series_key = dup(a, s, 0, &oom);
			cur.suite = dup(a, s, 1, &oom);
			cur.name = dup(a, s, 2, &oom);
			cur.variant = dup(a, s, 3, &oom);
			cur.params = dup(a, s, 4, &oom);
			if (!cur.params && !oom)
				cur.params = "";
			cur.fingerprint = dup(a, s, 5, &oom);
			cur.machine = dup(a, s, 6, &oom);
			cur.metric = all ? dup(a, s, 18, &oom)
					 : bt__arena_strdup(a, metric);
			cur.unit = dup(a, s, 7, &oom);
			cur.direction = sqlite3_column_int(s, 8) > 0
						? BT_HIGHER_IS_BETTER
						: BT_LOWER_IS_BETTER;
		}
		if (cur.n == alloc) {
			size_t na = alloc ? 2 * alloc : 64;
			struct bt_series_point *np =
				bt__arena_alloc(a, na * sizeof *np);
			if (!np) {
				rc = BT_ENOMEM;
				goto out;
			}
			if (cur.n)
				memcpy(np, cur.points, cur.n * sizeof *np);
			cur.points = np;
			alloc = na;
		}
		{
			struct bt_series_point *p = &cur.points[cur.n++];
			sqlite3_int64 n = sqlite3_column_int64(s, 17);
			p->run_id = dup(a, s, 9, &oom);
			p->commit = dup(a, s, 10, &oom);
			p->timestamp = dup(a, s, 11, &oom);
			p->value = real(s, 12);
			p->p25 = real(s, 13);
			p->p75 = real(s, 14);
			p->min = real(s, 15);
			p->max = real(s, 16);
			p->n = n < 0 ? 0 : (size_t)n;
		}
		if (oom || !cur.metric) {
			rc = BT_ENOMEM;
			goto out;
		}
	}
out:
	if (n_series)
		*n_series = visited;
	if (rc == BT_ENOMEM)
		bt_error(err, rc, "%s", bt_strerror(rc));
	sqlite3_finalize(s);
	bt__arena_free(a);
	bt_strbuf_release(&sql);
	free(key_lo);
	free(key_hi);
	return rc;
}
