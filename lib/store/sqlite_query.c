/* Reading runs from the SQLite index: query (the runs of a filter, newest
 * first, with their tags) and find_prefix (run ids by prefix). Commit and
 * run-id prefixes match as ranges of the index, not LIKE patterns (see
 * the top of sqlite.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "sqliteint.h"

/* --- query ---------------------------------------------------------------- */

/* Copy of prefix in a, lowercased when it is all hex digits (run ids and
 * commit hashes are lowercase hex). */
static char *norm_prefix(struct bt_arena *a, const char *prefix)
{
	char *p = bt__arena_strdup(a, prefix);
	if (p && bt__is_hex(p, 1, SIZE_MAX))
		for (char *q = p; *q; q++)
			if (*q >= 'A' && *q <= 'F')
				*q = (char)(*q - 'A' + 'a');
	return p;
}

/* The smallest string above every string starting with prefix (byte
 * order), in a; *none = 1 when there is none (empty or all 0xff). NULL
 * only when out of memory. Turns "prefix%" into an indexable range. */
static char *prefix_upper(struct bt_arena *a, const char *prefix, int *none)
{
	size_t n = strlen(prefix);
	while (n && (unsigned char)prefix[n - 1] == 0xff)
		n--;
	*none = n == 0;
	char *p = bt__arena_strndup(a, prefix, n);
	if (p && n)
		p[n - 1] = (char)((unsigned char)p[n - 1] + 1);
	return p;
}

/* The exclusive upper bound for until: a bare date "YYYY-MM-DD" means the
 * whole day, so it becomes the next day; anything else is used as is.
 * BT_EINVAL for a bare date that does not exist. */
static int until_bound(struct sqlite_index *h, struct bt_arena *a,
		       const char *until, const char **out,
		       struct bt_strbuf *err)
{
	int y, m, d, len = 0;
	*out = until;
	if (strlen(until) != 10 || until[4] != '-' || until[7] != '-')
		return 0;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (until[i] < '0' || until[i] > '9'))
			return 0;
	if (sscanf(until, "%4d-%2d-%2d%n", &y, &m, &d, &len) != 3 || len != 10)
		return 0;
	if (m < 1 || m > 12 || d < 1 || d > bt__days_in_month(y, m))
		return bt_error(err, BT_EINVAL, "%s: until: invalid date '%s'",
				h->path, until);
	if (++d > bt__days_in_month(y, m)) {
		d = 1;
		if (++m > 12) {
			m = 1;
			y++;
		}
	}
	char *p = bt__arena_alloc(a, 16);
	if (!p)
		return BT_ENOMEM;
	snprintf(p, 16, "%04d-%02d-%02d", y % 10000, m, d);
	*out = p;
	return 0;
}

static const char *col_str(struct bt_arena *a, sqlite3_stmt *s, int i,
			   int *oom)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	if (!t) {
		if (sqlite3_column_type(s, i) != SQLITE_NULL)
			*oom = 1;
		return NULL;
	}
	char *p = bt__arena_strndup(a, (const char *)t,
				    (size_t)sqlite3_column_bytes(s, i));
	if (!p)
		*oom = 1;
	return p;
}

/* A copy in a of the heap array v[0..n) of size-byte elements: NULL when
 * n is 0, else the copy; 0, or BT_ENOMEM. */
static int arena_copy(struct bt_arena *a, void **out, const void *v, size_t n,
		      size_t size)
{
	*out = NULL;
	if (!n)
		return 0;
	*out = bt__arena_alloc(a, n * size);
	if (!*out)
		return BT_ENOMEM;
	memcpy(*out, v, n * size);
	return 0;
}

static size_t col_size(sqlite3_stmt *s, int i)
{
	sqlite3_int64 v = sqlite3_column_int64(s, i);
	return v < 0 ? 0 : (size_t)v;
}

/* Parses the packed tag list "<bytes>:<tag><bytes>:<tag>..." of the query
 * into e->tags (sorted by the tags primary key) and sets milestone. */
static int unpack_tags(struct bt_arena *a, const char *packed, size_t len,
		       struct bt_store_entry *e)
{
	size_t n = 0;
	for (int pass = 0; pass < 2; pass++) {
		size_t pos = 0, k = 0;
		while (pos < len) {
			char *end;
			unsigned long long tl;
			tl = strtoull(packed + pos, &end, 10);
			size_t colon = (size_t)(end - packed);
			if (end == packed + pos || colon >= len ||
			    packed[colon] != ':' || tl > len - colon - 1)
				break;
			const char *tag = packed + colon + 1;
			if (pass == 1) {
				char *t = bt__arena_strndup(a, tag, (size_t)tl);
				if (!t)
					return BT_ENOMEM;
				e->tags[k] = t;
				if (!strcmp(t, "milestone"))
					e->milestone = 1;
			}
			k++;
			pos = colon + 1 + (size_t)tl;
		}
		if (pass == 0) {
			n = k;
			if (!n)
				return 0;
			e->tags = bt__arena_alloc(a, n * sizeof *e->tags);
			if (!e->tags)
				return BT_ENOMEM;
		} else {
			e->n_tags = k;
		}
	}
	return 0;
}

#define QUERY_COLUMNS                                                        \
	"SELECT run_id, type, suite, timestamp, commit_hash, branch, dirty," \
	" machine_name, fingerprint, path, archive, n_results, n_failed,"   \
	" (SELECT group_concat(length(CAST(tag AS BLOB)) || ':' || tag, '')" \
	" FROM tags WHERE tags.rid = runs.rid) FROM runs WHERE 1"

static int build_query(struct sqlite_index *h, const struct bt_store_filter *f,
		       struct bt_arena *tmp, struct bt_strbuf *sql,
		       const char **binds, int *nb, struct bt_strbuf *err)
{
	int rc = bt_strbuf_adds(sql, QUERY_COLUMNS);
	*nb = 0;
#define ADD_BIND(v) (binds[(*nb)++] = (v), *nb)
	if (!f)
		return rc ? BT_ENOMEM : 0;
	if (!rc && f->run_id)
		rc = bt_strbuf_addf(sql, " AND run_id = ?%d", ADD_BIND(f->run_id));
	if (!rc && f->type)
		rc = bt_strbuf_addf(sql, " AND type = ?%d", ADD_BIND(f->type));
	if (!rc && f->since)
		rc = bt_strbuf_addf(sql, " AND timestamp >= ?%d",
				    ADD_BIND(f->since));
	if (!rc && f->until) {
		const char *u;
		int e = until_bound(h, tmp, f->until, &u, err);
		if (e)
			return e;
		rc = bt_strbuf_addf(sql, " AND timestamp < ?%d", ADD_BIND(u));
	}
	if (!rc && f->commit) {
		int none;
		char *lo = norm_prefix(tmp, f->commit);
		char *hi = lo ? prefix_upper(tmp, lo, &none) : NULL;
		if (!hi)
			return BT_ENOMEM;
		rc = bt_strbuf_addf(sql, " AND commit_hash >= ?%d",
				    ADD_BIND(lo));
		if (!rc && !none)
			rc = bt_strbuf_addf(sql, " AND commit_hash < ?%d",
					    ADD_BIND(hi));
	}
	if (!rc && f->branch)
		rc = bt_strbuf_addf(sql, " AND branch = ?%d",
				    ADD_BIND(f->branch));
	if (!rc && f->machine) {
		int i = ADD_BIND(f->machine);
		rc = bt_strbuf_addf(sql, " AND (machine_name = ?%d OR"
				    " fingerprint = ?%d)", i, i);
	}
	if (!rc && f->benchmark)
		rc = bt_strbuf_addf(sql, " AND rid IN (SELECT rid FROM"
				    " results WHERE name = (SELECT id FROM"
				    " strings WHERE s = ?%d))",
				    ADD_BIND(f->benchmark));
	if (!rc && f->tag)
		rc = bt_strbuf_addf(sql, " AND rid IN (SELECT rid FROM"
				    " tags WHERE tag = ?%d)", ADD_BIND(f->tag));
	if (!rc && !f->include_archived)
		rc = bt_strbuf_adds(sql, " AND archive IS NULL");
#undef ADD_BIND
	return rc ? BT_ENOMEM : 0;
}

int bt__sqlite_query(void *vh, const struct bt_store_filter *f,
		     struct bt_store_list *out, struct bt_strbuf *err)
{
	struct sqlite_index *h = vh;
	struct bt_strbuf sql = BT_STRBUF_INIT;
	struct bt_arena *tmp = bt__arena_new();
	struct bt_store_entry *items = NULL;
	size_t n = 0, alloc = 0;
	sqlite3_stmt *s = NULL;
	const char *binds[16];
	int nb = 0, created = 0, rc;

	if (!tmp)
		return BT_ENOMEM;
	if (!out->arena) {
		out->arena = bt__arena_new();
		if (!out->arena) {
			bt__arena_free(tmp);
			return BT_ENOMEM;
		}
		created = 1;
	}
	struct bt_arena *a = out->arena;
	rc = build_query(h, f, tmp, &sql, binds, &nb, err);
	if (!rc)
		rc = bt_strbuf_adds(&sql, " ORDER BY timestamp DESC,"
				    " run_id DESC") ? BT_ENOMEM : 0;
	if (!rc && f && f->limit)
		rc = bt_strbuf_addf(&sql, " LIMIT %llu",
				    (unsigned long long)(f->limit > INT64_MAX
							 ? INT64_MAX
							 : f->limit))
			     ? BT_ENOMEM : 0;
	if (rc)
		goto done;
	int src = sqlite3_prepare_v2(h->db, sql.buf, -1, &s, NULL);
	for (int i = 0; src == SQLITE_OK && i < nb; i++)
		src = sqlite3_bind_text(s, i + 1, binds[i], -1, SQLITE_STATIC);
	if (src != SQLITE_OK) {
		rc = bt__sqlite_error(h, src, err);
		goto done;
	}
	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		if (bt__vec_reserve((void **)&items, &alloc, n + 1, sizeof *items)) {
			rc = BT_ENOMEM;
			goto done;
		}
		struct bt_store_entry *e = &items[n];
		int oom = 0;
		memset(e, 0, sizeof *e);
		e->run_id = col_str(a, s, 0, &oom);
		e->type = col_str(a, s, 1, &oom);
		e->suite = col_str(a, s, 2, &oom);
		e->timestamp = col_str(a, s, 3, &oom);
		e->commit = col_str(a, s, 4, &oom);
		e->branch = col_str(a, s, 5, &oom);
		e->dirty = sqlite3_column_type(s, 6) == SQLITE_NULL
				   ? -1 : sqlite3_column_int(s, 6);
		e->machine = col_str(a, s, 7, &oom);
		e->fingerprint = col_str(a, s, 8, &oom);
		e->path = col_str(a, s, 9, &oom);
		e->archive = col_str(a, s, 10, &oom);
		e->n_results = col_size(s, 11);
		e->n_failed = col_size(s, 12);
		const char *packed = (const char *)sqlite3_column_text(s, 13);
		if (packed &&
		    unpack_tags(a, packed, (size_t)sqlite3_column_bytes(s, 13),
				e))
			oom = 1;
		if (oom) {
			rc = BT_ENOMEM;
			goto done;
		}
		n++;
	}
	if (src != SQLITE_DONE) {
		rc = bt__sqlite_error(h, src, err);
		goto done;
	}
	rc = arena_copy(a, (void **)&out->items, items, n, sizeof *items);
	if (rc)
		goto done;
	out->n = n;
done:
	sqlite3_finalize(s);
	free(items);
	bt_strbuf_release(&sql);
	bt__arena_free(tmp);
	if (rc == BT_ENOMEM && err && !err->len)
		bt_error(err, BT_ENOMEM, "%s: out of memory", h->path);
	if (rc && created) {
		bt__arena_free(out->arena);
		out->arena = NULL;
	}
	if (rc) {
		out->items = NULL;
		out->n = 0;
	}
	return rc;
}

/* --- census --------------------------------------------------------------- */

int bt__sqlite_census(void *vh, size_t *n_runs, size_t *n_archived,
		      const char ***types, size_t *n_types,
		      struct bt_arena *arena, struct bt_strbuf *err)
{
	struct sqlite_index *h = vh;
	const char **v = NULL;
	size_t n = 0, alloc = 0;
	sqlite3_stmt *s = NULL;
	int rc = 0, oom = 0;
	*n_runs = *n_archived = 0;
	*types = NULL;
	*n_types = 0;
	int src = sqlite3_prepare_v2(h->db, "SELECT count(*), count(archive) FROM runs",
				     -1, &s, NULL);
	if (src == SQLITE_OK && (src = sqlite3_step(s)) == SQLITE_ROW) {
		*n_runs = col_size(s, 0);
		*n_archived = col_size(s, 1);
		src = SQLITE_DONE;
	}
	sqlite3_finalize(s);
	s = NULL;
	/* the types by skipping along the runs_type_time index: one seek per
	 * type, where DISTINCT would read all of it. count(archive) above is
	 * what still reads every run's row (in SQLite, building nothing:
	 * 2-5 ms at 10,000 runs; the archive column has no index) */
	if (src == SQLITE_DONE)
		src = sqlite3_prepare_v2(h->db, "WITH RECURSIVE t(type) AS ("
					 "SELECT min(type) FROM runs UNION ALL"
					 " SELECT (SELECT min(type) FROM runs WHERE"
					 " type > t.type) FROM t WHERE t.type IS NOT"
					 " NULL) SELECT type FROM t WHERE type IS"
					 " NOT NULL", -1, &s, NULL);
	while (src == SQLITE_OK || src == SQLITE_ROW) {
		if ((src = sqlite3_step(s)) != SQLITE_ROW)
			break;
		if (bt__vec_reserve((void **)&v, &alloc, n + 1, sizeof *v)) {
			oom = 1;
			break;
		}
		v[n] = col_str(arena, s, 0, &oom);
		if (oom)
			break;
		n += v[n] != NULL;
	}
	if (oom)
		rc = BT_ENOMEM;
	else if (src != SQLITE_DONE)
		rc = bt__sqlite_error(h, src, err);
	else
		rc = arena_copy(arena, (void **)types, v, n, sizeof *v);
	sqlite3_finalize(s);
	free(v);
	if (!rc)
		*n_types = n;
	if (rc == BT_ENOMEM && err && !err->len)
		bt_error(err, BT_ENOMEM, "%s: out of memory", h->path);
	return rc;
}

/* --- find_prefix ---------------------------------------------------------- */

/* max == 0 means no limit. Ids come in ascending order. */
int bt__sqlite_find_prefix(void *vh, const char *prefix, const char ***ids,
			   size_t *n, size_t max, struct bt_arena *arena,
			   struct bt_strbuf *err)
{
	struct sqlite_index *h = vh;
	*ids = NULL;
	*n = 0;
	if (!prefix || !arena)
		return bt_error(err, BT_EINVAL, "%s: find_prefix: no prefix "
				"or arena", h->path);
	struct bt_arena *tmp = bt__arena_new();
	if (!tmp)
		return BT_ENOMEM;
	int none, rc = 0, src;
	sqlite3_stmt *s = NULL;
	const char **list = NULL;
	size_t cnt = 0, alloc = 0;
	char *lo = norm_prefix(tmp, prefix);
	char *hi = lo ? prefix_upper(tmp, lo, &none) : NULL;
	if (!hi) {
		rc = BT_ENOMEM;
		goto done;
	}
	/* "prefix%" as a range, so the primary key index serves it */
	const char *sql = none ? "SELECT run_id FROM runs WHERE run_id >= ?1"
				 " ORDER BY run_id LIMIT ?3"
			       : "SELECT run_id FROM runs WHERE run_id >= ?1"
				 " AND run_id < ?2 ORDER BY run_id LIMIT ?3";
	src = sqlite3_prepare_v2(h->db, sql, -1, &s, NULL);
	if (src == SQLITE_OK)
		src = sqlite3_bind_text(s, 1, lo, -1, SQLITE_STATIC);
	if (src == SQLITE_OK && !none)
		src = sqlite3_bind_text(s, 2, hi, -1, SQLITE_STATIC);
	if (src == SQLITE_OK) /* LIMIT -1: no limit */
		src = sqlite3_bind_int64(s, 3, max == 0 || max > INT64_MAX
					 ? -1 : (sqlite3_int64)max);
	if (src != SQLITE_OK) {
		rc = bt__sqlite_error(h, src, err);
		goto done;
	}
	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		if (bt__vec_reserve((void **)&list, &alloc, cnt + 1, sizeof *list)) {
			rc = BT_ENOMEM;
			goto done;
		}
		int oom = 0;
		list[cnt] = col_str(arena, s, 0, &oom);
		if (oom) {
			rc = BT_ENOMEM;
			goto done;
		}
		cnt++;
	}
	if (src != SQLITE_DONE) {
		rc = bt__sqlite_error(h, src, err);
		goto done;
	}
	rc = arena_copy(arena, (void **)ids, list, cnt, sizeof *list);
	if (!rc)
		*n = cnt;
done:
	sqlite3_finalize(s);
	free(list);
	bt__arena_free(tmp);
	return rc;
}
