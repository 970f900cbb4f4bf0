/* Writing runs into the SQLite index: add_run (a run with its results,
 * metric summaries, series and tags), remove_run, set_tags and
 * set_location. The contract (values, atomicity, BT_ENOTFOUND for a run
 * that is not there) is at the top of sqlite.c; the helpers shared with it
 * are in sqliteint.h.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"
#include "sqliteint.h"
#include "storeint.h"

/* Binders: a NULL string, a NaN double and a negative "unknown" count bind
 * SQL NULL. Strings are bound without a copy: they must stay valid until
 * the statement is reset. Each returns an SQLite code. */
static int bind_str(sqlite3_stmt *s, int i, const char *v)
{
	return v ? sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC)
		 : sqlite3_bind_null(s, i);
}

static int bind_real(sqlite3_stmt *s, int i, double v)
{
	return isnan(v) ? sqlite3_bind_null(s, i)
			: sqlite3_bind_double(s, i, v);
}

static int bind_i64(sqlite3_stmt *s, int i, int64_t v)
{
	return sqlite3_bind_int64(s, i, (sqlite3_int64)v);
}

static int bind_known(sqlite3_stmt *s, int i, int64_t v)
{
	return v < 0 ? sqlite3_bind_null(s, i) : bind_i64(s, i, v);
}

static int bind_size(sqlite3_stmt *s, int i, size_t v)
{
	return bind_i64(s, i, v > INT64_MAX ? INT64_MAX : (int64_t)v);
}

static int bind_fail(struct sqlite_index *h, int rc, struct bt_strbuf *err)
{
	if (rc == SQLITE_NOMEM)
		return bt_error(err, BT_ENOMEM, "%s: out of memory", h->path);
	return bt_error(err, BT_EINVAL, "%s: cannot bind a value: %s",
			h->path, sqlite3_errstr(rc));
}

/* The rid of run_id into *rid (0 when it is not there, and
 * BT_ENOTFOUND unless quiet). */
static int run_rid(struct sqlite_index *h, const char *run_id, int quiet,
		   sqlite3_int64 *rid, struct bt_strbuf *err)
{
	sqlite3_stmt *s = NULL;
	*rid = 0;
	int rc = bt__sqlite_stmt(h, ST_HAS_RUN, &s, err);
	if (rc)
		return rc;
	bind_str(s, 1, run_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
		if (rc == SQLITE_ROW)
			*rid = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
		if (rc == SQLITE_ROW || quiet)
			return 0;
		return bt_error(err, BT_ENOTFOUND,
				"%s: run %s is not in the index", h->path,
				run_id);
	}
	rc = bt__sqlite_error(h, rc, err);
	sqlite3_reset(s);
	return rc;
}

/* --- add_run -------------------------------------------------------------- */

static int failed_status(enum bt_status st)
{
	return st == BT_STATUS_FAILED || st == BT_STATUS_CRASHED ||
	       st == BT_STATUS_TIMEOUT || st == BT_STATUS_OOM;
}

static const char *kv_key(const struct bt_kv *kv)
{
	return kv->key ? kv->key : "";
}

static const char *kv_value(const struct bt_kv *kv)
{
	return kv->value ? kv->value : "";
}

/* Order of params: key, then value, then position. */
static int kv_cmp(const struct bt_kv *p, size_t i, size_t j)
{
	int c = strcmp(kv_key(&p[i]), kv_key(&p[j]));
	if (!c)
		c = strcmp(kv_value(&p[i]), kv_value(&p[j]));
	if (!c)
		c = (i > j) - (i < j);
	return c;
}

/* Canonical params "k=v;k=v" sorted by key (then value) into h->params,
 * "" for none. Selection in sorted order without allocating: params are
 * few. Returns 0 or BT_ENOMEM. */
static int canonical_params(struct sqlite_index *h, const struct bt_result *r)
{
	return bt__store_params_text(&h->params, r);
}

int bt__store_params_text(struct bt_strbuf *sb, const struct bt_result *r)
{
	const struct bt_kv *p = r->params;
	size_t n = p ? r->n_params : 0, prev = n;
	bt_strbuf_reset(sb);
	int rc = bt_strbuf_add(sb, "", 0); /* NUL-terminated even when empty */
	for (size_t done = 0; !rc && done < n; done++) {
		size_t best = n;
		for (size_t i = 0; i < n; i++) {
			if (prev < n && kv_cmp(p, i, prev) <= 0)
				continue;
			if (best == n || kv_cmp(p, i, best) < 0)
				best = i;
		}
		if (done)
			rc = bt_strbuf_addc(sb, ';');
		if (!rc)
			rc = bt_strbuf_adds(sb, kv_key(&p[best]));
		if (!rc)
			rc = bt_strbuf_addc(sb, '=');
		if (!rc)
			rc = bt_strbuf_adds(sb, kv_value(&p[best]));
		prev = best;
	}
	return rc ? BT_ENOMEM : 0;
}

/* B(bind call): keeps the first failing SQLite code in b (with x as
 * scratch), so a run of binds is checked once. */
#define B(call)                                                     \
	do {                                                        \
		x = (call);                                         \
		if (x != SQLITE_OK && b == SQLITE_OK)               \
			b = x;                                      \
	} while (0)

/* Runs the cached statement id with text key bound to ?1 (and, for an
 * insert, the binds of ins) and returns the integer of its row (a
 * select) or the new rowid (an insert) in *id; 0 in *id when a select
 * found nothing. */
static int key_id(struct sqlite_index *h, enum stmt_id id, const char *key,
		  sqlite3_int64 *out, struct bt_strbuf *err)
{
	sqlite3_stmt *s = NULL;
	int rc = bt__sqlite_stmt(h, id, &s, err);
	*out = 0;
	if (rc)
		return rc;
	bind_str(s, 1, key);
	int src = sqlite3_step(s);
	if (src == SQLITE_ROW)
		*out = sqlite3_column_int64(s, 0);
	else if (src == SQLITE_DONE && id == ST_INS_STR)
		*out = sqlite3_last_insert_rowid(h->db);
	else if (src != SQLITE_DONE)
		rc = bt__sqlite_error(h, src, err);
	sqlite3_reset(s);
	return rc;
}

/* The strings id of v into *id (added when new); 0 for NULL. */
static int intern(struct sqlite_index *h, const char *v, sqlite3_int64 *id,
		  struct bt_strbuf *err)
{
	*id = 0;
	if (!v || bt__sqlite_map_get(&h->strs, v, id))
		return 0;
	int rc = key_id(h, ST_GET_STR, v, id, err);
	if (!rc && !*id)
		rc = key_id(h, ST_INS_STR, v, id, err);
	if (!rc)
		bt__sqlite_map_put(&h->strs, v, *id);
	return rc;
}

/* Binds the strings id of v (NULL for NULL) at i; an SQLite code
 * (SQLITE_NOMEM when memory ran out), or -1 with the error in err. */
static int bind_sid(struct sqlite_index *h, sqlite3_stmt *s, int i,
		    const char *v, struct bt_strbuf *err)
{
	sqlite3_int64 id;
	int rc = intern(h, v, &id, err);
	if (rc)
		return rc == BT_ENOMEM ? SQLITE_NOMEM : -1;
	return id ? sqlite3_bind_int64(s, i, id) : sqlite3_bind_null(s, i);
}

/* The sid of the series of result r (inserted when new) into *sid. */
static int series_sid(struct sqlite_index *h, const struct bt_run *run,
		      const struct bt_result *r, const char *params,
		      sqlite3_int64 *sid, struct bt_strbuf *err)
{
	if (bt__sqlite_map_get(&h->sids, r->series_key, sid))
		return 0;
	int rc = key_id(h, ST_GET_SERIES, r->series_key, sid, err);
	if (!rc && !*sid) {
		sqlite3_stmt *ss = NULL;
		int b = SQLITE_OK, x;
		rc = bt__sqlite_stmt(h, ST_INS_SERIES, &ss, err);
		if (rc)
			return rc;
#define B1(call)                                                    \
	do {                                                        \
		x = (call);                                         \
		if (x != SQLITE_OK && b == SQLITE_OK)               \
			b = x;                                      \
	} while (0)
		B1(bind_str(ss, 1, r->series_key));
		B1(bind_str(ss, 2, run->suite));
		B1(bind_str(ss, 3, r->name));
		B1(bind_str(ss, 4, r->variant));
		B1(bind_str(ss, 5, params));
		B1(bind_str(ss, 6, run->machine.fingerprint));
		B1(bind_str(ss, 7, r->n_metrics ? r->metrics[0].name : "time"));
#undef B1
		if (b != SQLITE_OK) {
			sqlite3_reset(ss);
			return bind_fail(h, b, err);
		}
		rc = bt__sqlite_step_done(h, ss, err);
		*sid = sqlite3_last_insert_rowid(h->db);
	}
	if (!rc)
		bt__sqlite_map_put(&h->sids, r->series_key, *sid);
	return rc;
}

static int insert_run_row(struct sqlite_index *h, const struct bt_run *run,
			  const struct bt_index_loc *loc, struct bt_strbuf *err)
{
	sqlite3_stmt *s = NULL;
	int rc = bt__sqlite_stmt(h, ST_INS_RUN, &s, err);
	if (rc)
		return rc;
	size_t n_failed = 0;
	for (size_t i = 0; i < run->n_results; i++)
		if (failed_status(run->results[i].status))
			n_failed++;
	int b = SQLITE_OK, x;
	B(bind_str(s, 1, run->run_id));
	B(bind_str(s, 2, run->benchmark_type));
	B(bind_str(s, 3, run->suite));
	B(bind_str(s, 4, run->timestamp));
	B(bind_real(s, 5, run->duration_s));
	B(bind_str(s, 6, run->git.commit));
	B(bind_str(s, 7, run->git.branch));
	B(bind_known(s, 8, run->git.dirty));
	B(bind_str(s, 9, run->git.commit_time));
	B(bind_str(s, 10, run->machine.name));
	B(bind_str(s, 11, run->machine.fingerprint));
	B(bind_str(s, 12, run->machine.cpu_model));
	B(bind_str(s, 13, run->machine.os));
	B(bind_str(s, 14, loc ? loc->path : NULL));
	B(bind_str(s, 15, loc ? loc->archive : NULL));
	B(bind_size(s, 16, run->n_results));
	B(bind_size(s, 17, n_failed));
	B(bind_str(s, 18, run->schema));
	if (b != SQLITE_OK) {
		sqlite3_reset(s);
		return bind_fail(h, b, err);
	}
	return bt__sqlite_step_done(h, s, err);
}

/* The point of metric m of result idx (a series point: status ok, a
 * series key, a median). */
static int insert_point(struct sqlite_index *h, sqlite3_stmt *s,
			sqlite3_int64 sid, sqlite3_int64 rid, size_t idx,
			const struct bt_metric *m, struct bt_strbuf *err)
{
	const struct bt_stats *st = &m->stats;
	int b = SQLITE_OK, x;
	if (isnan(st->median))
		return 0;
	B(sqlite3_bind_int64(s, 1, sid));
	B(sqlite3_bind_int64(s, 2, rid));
	B(bind_sid(h, s, 3, m->name, err));
	B(bind_size(s, 4, idx));
	B(bind_sid(h, s, 5, m->unit, err));
	B(sqlite3_bind_int(s, 6, (int)m->direction));
	B(bind_size(s, 7, st->n));
	B(bind_real(s, 8, st->median));
	B(bind_real(s, 9, st->p25));
	B(bind_real(s, 10, st->p75));
	B(bind_real(s, 11, st->min));
	B(bind_real(s, 12, st->max));
	if (b != SQLITE_OK) {
		sqlite3_reset(s);
		return b == -1 ? BT_EIO : bind_fail(h, b, err);
	}
	return bt__sqlite_step_done(h, s, err);
}

static int insert_result(struct sqlite_index *h, const struct bt_run *run,
			 sqlite3_int64 rid, size_t idx, sqlite3_stmt *sr,
			 sqlite3_stmt *sp, struct bt_strbuf *err)
{
	const struct bt_result *r = &run->results[idx];
	if (canonical_params(h, r))
		return bt_error(err, BT_ENOMEM, "%s: out of memory", h->path);
	const char *params = h->params.buf ? h->params.buf : "";
	sqlite3_int64 sid = 0;
	int rc = r->series_key ? series_sid(h, run, r, params, &sid, err) : 0;
	if (rc)
		return rc;
	int b = SQLITE_OK, x;
	B(sqlite3_bind_int64(sr, 1, rid));
	B(bind_size(sr, 2, idx));
	B(bind_sid(h, sr, 3, r->name, err));
	B(bind_sid(h, sr, 4, r->group, err));
	B(bind_sid(h, sr, 5, r->variant, err));
	B(bind_sid(h, sr, 6, r->type, err));
	B(bind_sid(h, sr, 7, params, err));
	B(bind_str(sr, 8, bt_status_name(r->status)));
	B(bind_str(sr, 9, r->message));
	if (sid)
		B(sqlite3_bind_int64(sr, 10, sid));
	else
		B(sqlite3_bind_null(sr, 10));
	if (r->throughput.unit || r->throughput.value != 0)
		B(bind_real(sr, 11, r->throughput.value));
	else
		B(sqlite3_bind_null(sr, 11));
	B(bind_sid(h, sr, 12, r->throughput.unit, err));
	B(bind_known(sr, 13, r->peak_memory_bytes));
	B(bind_known(sr, 14, r->memory_bytes));
	if (r->validation.checked)
		B(bind_real(sr, 15, r->validation.max_rel_err));
	else
		B(sqlite3_bind_null(sr, 15));
	if (b != SQLITE_OK) {
		sqlite3_reset(sr);
		return b == -1 ? BT_EIO : bind_fail(h, b, err);
	}
	rc = bt__sqlite_step_done(h, sr, err);
	if (rc || !sid || r->status != BT_STATUS_OK)
		return rc;
	for (size_t j = 0; !rc && j < r->n_metrics; j++)
		rc = insert_point(h, sp, sid, rid, idx, &r->metrics[j], err);
	return rc;
}
#undef B

static int insert_tags(struct sqlite_index *h, sqlite3_int64 rid,
		       const char *const *tags, size_t n_tags,
		       struct bt_strbuf *err)
{
	if (!n_tags)
		return 0;
	sqlite3_stmt *s = NULL;
	int rc = bt__sqlite_stmt(h, ST_INS_TAG, &s, err);
	for (size_t i = 0; !rc && i < n_tags; i++) {
		if (!tags[i])
			continue;
		int b = sqlite3_bind_int64(s, 1, rid);
		if (b == SQLITE_OK)
			b = bind_str(s, 2, tags[i]);
		rc = b == SQLITE_OK ? bt__sqlite_step_done(h, s, err)
				    : bind_fail(h, b, err);
	}
	return rc;
}

/* In bulk mode there is no cascade: a run replaced in the same rebuild
 * (two directories with one run id) takes its rows along by hand (its
 * points went with the trigger runs_points). */
static int delete_children(struct sqlite_index *h, sqlite3_int64 rid,
			   struct bt_strbuf *err)
{
	static const char *const sql[] = {
		"DELETE FROM results WHERE rid = ?1",
		"DELETE FROM tags WHERE rid = ?1",
	};
	for (size_t i = 0; i < sizeof sql / sizeof *sql; i++) {
		sqlite3_stmt *s = NULL;
		int rc = sqlite3_prepare_v2(h->db, sql[i], -1, &s, NULL);
		if (rc == SQLITE_OK) {
			sqlite3_bind_int64(s, 1, rid);
			rc = sqlite3_step(s);
		}
		sqlite3_finalize(s);
		if (rc != SQLITE_DONE && rc != SQLITE_OK)
			return bt__sqlite_error(h, rc, err);
	}
	return 0;
}

static int add_run_rows(struct sqlite_index *h, const struct bt_run *run,
			const struct bt_index_loc *loc, const char *const *tags,
			size_t n_tags, struct bt_strbuf *err)
{
	sqlite3_stmt *del, *sr, *sp;
	sqlite3_int64 old = 0, rid;
	int rc = bt__sqlite_stmt(h, ST_DEL_RUN, &del, err);
	if (!rc)
		rc = bt__sqlite_stmt(h, ST_INS_RESULT, &sr, err);
	if (!rc)
		rc = bt__sqlite_stmt(h, ST_INS_POINT, &sp, err);
	if (!rc)
		rc = run_rid(h, run->run_id, 1, &old, err);
	if (rc)
		return rc;
	/* the old version goes with its results, points and tags (cascade
	 * and trigger) */
	if (old) {
		bind_str(del, 1, run->run_id);
		rc = bt__sqlite_step_done(h, del, err);
		if (!rc && h->bulk)
			rc = delete_children(h, old, err);
	}
	if (!rc)
		rc = insert_run_row(h, run, loc, err);
	rid = sqlite3_last_insert_rowid(h->db);
	for (size_t i = 0; !rc && i < run->n_results; i++)
		rc = insert_result(h, run, rid, i, sr, sp, err);
	if (!rc)
		rc = insert_tags(h, rid, tags, n_tags, err);
	return rc;
}

/* What would fail half-way through add_run_rows is checked first. */
static int validate_run(struct sqlite_index *h, const struct bt_run *run,
			struct bt_strbuf *err)
{
	if (run->n_results && !run->results)
		return bt_error(err, BT_EINVAL, "%s: run %s: no results array",
				h->path, run->run_id);
	for (size_t i = 0; i < run->n_results; i++) {
		const struct bt_result *r = &run->results[i];
		if (r->n_metrics && !r->metrics)
			return bt_error(err, BT_EINVAL, "%s: run %s: result "
					"%zu: no metrics array", h->path,
					run->run_id, i);
		if (r->n_params && !r->params)
			return bt_error(err, BT_EINVAL, "%s: run %s: result "
					"%zu: no params array", h->path,
					run->run_id, i);
		for (size_t j = 0; j < r->n_metrics; j++)
			if (!r->metrics[j].name)
				return bt_error(err, BT_EINVAL,
						"%s: run %s: result %zu: "
						"metric %zu has no name",
						h->path, run->run_id, i, j);
	}
	return 0;
}

int bt__sqlite_add_run(void *vh, const struct bt_run *run,
		       const struct bt_index_loc *loc, const char *const *tags,
		       size_t n_tags, struct bt_strbuf *err)
{
	struct sqlite_index *h = vh;
	if (!run || !run->run_id || !run->benchmark_type || !run->timestamp)
		return bt_error(err, BT_EINVAL,
				"%s: a run needs run_id, benchmark_type and "
				"timestamp", h->path);
	int local, rc = validate_run(h, run, err);
	if (!rc)
		rc = bt__sqlite_writable(h, err);
	if (!rc)
		rc = bt__sqlite_op_enter(h, 0, &local, err);
	if (rc)
		return rc;
	rc = add_run_rows(h, run, loc, tags, n_tags, err);
	return bt__sqlite_op_leave(h, 0, local, rc, err);
}

/* --- remove_run / set_tags / set_location --------------------------------- */

/* The start of a one-run write: checks that the handle may write,
 * prepares statement id into *s and enters a savepoint (*local). */
static int run_write_enter(struct sqlite_index *h, enum stmt_id id,
			   sqlite3_stmt **s, int *local, struct bt_strbuf *err)
{
	int rc = bt__sqlite_writable(h, err);
	if (!rc)
		rc = bt__sqlite_stmt(h, id, s, err);
	if (!rc)
		rc = bt__sqlite_op_enter(h, 1, local, err);
	return rc;
}

/* BT_ENOTFOUND when the last statement changed no row. */
static int changed_run(struct sqlite_index *h, const char *run_id,
		       struct bt_strbuf *err)
{
	if (sqlite3_changes(h->db) == 0)
		return bt_error(err, BT_ENOTFOUND,
				"%s: run %s is not in the index", h->path,
				run_id);
	return 0;
}

int bt__sqlite_remove_run(void *vh, const char *run_id, struct bt_strbuf *err)
{
	struct sqlite_index *h = vh;
	if (!run_id)
		return bt_error(err, BT_EINVAL, "%s: no run id", h->path);
	int local;
	sqlite3_stmt *s = NULL;
	int rc = run_write_enter(h, ST_DEL_RUN, &s, &local, err);
	if (rc)
		return rc;
	bind_str(s, 1, run_id);
	rc = bt__sqlite_step_done(h, s, err);
	if (!rc)
		rc = changed_run(h, run_id, err);
	return bt__sqlite_op_leave(h, 1, local, rc, err);
}

int bt__sqlite_set_tags(void *vh, const char *run_id, const char *const *tags,
			size_t n_tags, struct bt_strbuf *err)
{
	struct sqlite_index *h = vh;
	if (!run_id)
		return bt_error(err, BT_EINVAL, "%s: no run id", h->path);
	int local;
	sqlite3_stmt *s = NULL;
	int rc = run_write_enter(h, ST_DEL_TAGS, &s, &local, err);
	if (rc)
		return rc;
	sqlite3_int64 rid = 0;
	rc = run_rid(h, run_id, 0, &rid, err);
	if (!rc) {
		sqlite3_bind_int64(s, 1, rid);
		rc = bt__sqlite_step_done(h, s, err);
	}
	if (!rc)
		rc = insert_tags(h, rid, tags, n_tags, err);
	return bt__sqlite_op_leave(h, 1, local, rc, err);
}

int bt__sqlite_set_location(void *vh, const char *run_id,
			    const struct bt_index_loc *loc,
			    struct bt_strbuf *err)
{
	struct sqlite_index *h = vh;
	if (!run_id || !loc)
		return bt_error(err, BT_EINVAL, "%s: no run id or location",
				h->path);
	int local;
	sqlite3_stmt *s = NULL;
	int rc = run_write_enter(h, ST_SET_LOC, &s, &local, err);
	if (rc)
		return rc;
	bind_str(s, 1, run_id);
	bind_str(s, 2, loc->path);
	bind_str(s, 3, loc->archive);
	rc = bt__sqlite_step_done(h, s, err);
	if (!rc)
		rc = changed_run(h, run_id, err);
	return bt__sqlite_op_leave(h, 1, local, rc, err);
}
