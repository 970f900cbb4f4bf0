/* Internals of the SQLite index backend, shared by its files:
 *
 *   sqlite.c         the connection: open (WAL, immutable read-only
 *                    fallback, replacing a damaged index), schema and
 *                    migrations, transactions, bulk mode and clear, check,
 *                    the vtable bt__index_sqlite
 *   sqlite_write.c   writing runs: add_run, remove_run, set_tags,
 *                    set_location
 *   sqlite_query.c   reading runs: query, find_prefix
 *   sqlite_series.c  reading series
 *
 * The contract of the backend as a whole is the comment at the top of
 * sqlite.c and lib/store/index.h. Nothing else includes this header: the
 * rest of the store sees the index only through struct bt_index_ops.
 */
#ifndef BENCHTRACK_STORE_SQLITEINT_H
#define BENCHTRACK_STORE_SQLITEINT_H

#include <sqlite3.h>

#include "index.h"

/* The cached statements of a handle, prepared on first use (their SQL is
 * stmt_sql in sqlite.c). */
enum stmt_id {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_SAVEPOINT,
	ST_RELEASE,
	ST_ROLLBACK_TO,
	ST_DEL_RUN,
	ST_INS_RUN,
	ST_INS_RESULT,
	ST_INS_POINT,
	ST_INS_SERIES,
	ST_GET_SERIES,
	ST_INS_STR,
	ST_GET_STR,
	ST_INS_TAG,
	ST_DEL_TAGS,
	ST_HAS_RUN,
	ST_SET_LOC,
	ST_COUNT
};

/* A map from strings to integer keys (open addressing), for the ids of
 * strings and series while a transaction writes. */
struct sq_map {
	char **keys;
	sqlite3_int64 *vals;
	size_t n, cap;
};

/* A handle of the index (the void *h of struct bt_index_ops). */
struct sqlite_index {
	sqlite3 *db;
	char *path;               /* as given to open, for messages */
	int readonly;
	int bulk;                 /* foreign keys off (sq_bulk): no cascade */
	int dropped;              /* results indexes dropped in this
				     transaction (sq_clear in bulk mode) */
	struct sq_map strs;       /* strings(s) -> id, and */
	struct sq_map sids;       /* series(series_key) -> sid, known in
				     this transaction: forgotten when it
				     ends (bt__sqlite_forget) */
	sqlite3_stmt *st[ST_COUNT]; /* prepared on first use, kept */
	struct bt_strbuf params;  /* scratch: canonical params of a result */
};

/* The connection of handle h. */
struct sqlite3 *bt__sqlite_db(void *h);
/* An SQLite result code as BT_E* with a message naming the index
 * (busy/locked BT_EBUSY, out of memory BT_ENOMEM, not a database or
 * corrupt BT_EIO asking for a reindex, else BT_EIO). */
int bt__sqlite_error(void *h, int rc, struct bt_strbuf *err);

/* BT_EINVAL "<path>: index opened read-only" for a read-only handle,
 * else 0. Every write operation starts with it. */
int bt__sqlite_writable(struct sqlite_index *h, struct bt_strbuf *err);

/* The cached statement id of h into *out (prepared on first use, kept
 * until close; the caller binds, steps and resets it, never finalizes
 * it). 0, or the SQLite error as BT_E* naming the index. */
int bt__sqlite_stmt(struct sqlite_index *h, enum stmt_id id, sqlite3_stmt **out,
		    struct bt_strbuf *err);

/* Steps s to completion (a row it may return is ignored) and resets it,
 * also on failure. 0, or the SQLite error as BT_E* naming the index. */
int bt__sqlite_step_done(struct sqlite_index *h, sqlite3_stmt *s,
			 struct bt_strbuf *err);

/* Makes one write operation atomic: outside the caller's begin/commit it
 * opens its own BEGIN IMMEDIATE transaction (*local = 1); inside one
 * (*local = 0) it sets a savepoint when savepoint != 0, else nothing (then
 * a failure leaves the caller to roll back). Each bt__sqlite_op_enter that
 * returned 0 is ended by one bt__sqlite_op_leave with the same savepoint
 * and local. */
int bt__sqlite_op_enter(struct sqlite_index *h, int savepoint, int *local,
			struct bt_strbuf *err);
/* Commits (or releases the savepoint) when rc == 0, else rolls back what
 * op_enter started; err keeps the first error. Returns the final code. */
int bt__sqlite_op_leave(struct sqlite_index *h, int savepoint, int local, int rc,
			struct bt_strbuf *err);

/* The value of key in m into *val: 1, or 0 when it is not there. */
int bt__sqlite_map_get(const struct sq_map *m, const char *key,
		       sqlite3_int64 *val);
/* Sets key to val in m; out of memory it is just not remembered. */
void bt__sqlite_map_put(struct sq_map *m, const char *key, sqlite3_int64 val);
/* Forgets the ids of strings and series known to h: at the end of every
 * transaction (another connection may renumber them after it: a
 * reindex) and at a clear. */
void bt__sqlite_forget(struct sqlite_index *h);

/* The operations of struct bt_index_ops (contracts in index.h) defined
 * outside sqlite.c. */
int bt__sqlite_add_run(void *h, const struct bt_run *run,
		       const struct bt_index_loc *loc, const char *const *tags,
		       size_t n_tags, struct bt_strbuf *err);
int bt__sqlite_remove_run(void *h, const char *run_id, struct bt_strbuf *err);
int bt__sqlite_set_tags(void *h, const char *run_id, const char *const *tags,
			size_t n_tags, struct bt_strbuf *err);
int bt__sqlite_set_location(void *h, const char *run_id,
			    const struct bt_index_loc *loc,
			    struct bt_strbuf *err);
int bt__sqlite_query(void *h, const struct bt_store_filter *f,
		     struct bt_store_list *out, struct bt_strbuf *err);
int bt__sqlite_census(void *h, size_t *n_runs, size_t *n_archived,
		      const char ***types, size_t *n_types,
		      struct bt_arena *arena, struct bt_strbuf *err);
int bt__sqlite_find_prefix(void *h, const char *prefix, const char ***ids,
			   size_t *n, size_t max, struct bt_arena *arena,
			   struct bt_strbuf *err);
int bt__sqlite_series(void *h, const struct bt_series_filter *f,
		      bt_series_fn fn, void *ud, size_t *n_series,
		      struct bt_strbuf *err);

#endif
