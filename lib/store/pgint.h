/* Internals of the PostgreSQL store (docs/STORE.md "Team stores"), shared
 * by its files:
 *
 *   pg.c         the connection: URLs, errors (SQLSTATE to BT_E*, the
 *                password kept out of every message), transactions with
 *                retries and reconnects, the schema and its migrations,
 *                the index vtable bt__index_pg
 *   pg_write.c   put (the document and its index rows in one
 *                transaction), tags, acks, comparisons, gc, reindex
 *   pg_query.c   query, prefixes, resolve and load, acks, census, verify
 *   pg_series.c  series
 *
 * A PostgreSQL store keeps everything in the database: the run documents
 * (zstd-compressed run.json, bytea) and the same index rows as the SQLite
 * index (runs, results, series, points, tags), plus acks and saved
 * comparisons. store.c, series.c, gc.c and verify.c hand every public
 * call on such a store (st->pg != NULL) to the bt__pg_* functions below.
 * One struct bt_pg is one connection, used under its mutex (the
 * dashboard's worker threads load runs through one store).
 */
#ifndef BENCHTRACK_STORE_PGINT_H
#define BENCHTRACK_STORE_PGINT_H

#include <pthread.h>

#include <libpq-fe.h>

#include "storeint.h"

/* The schema version this code writes (schema_version table). */
#define BT__PG_SCHEMA 1

struct bt_pg {
	PGconn *conn;
	char *spec;        /* as given (may hold a password): reconnects only */
	char *shown;       /* spec without its password: every message */
	char *secret;      /* the password when the spec or PGPASSWORD has one:
			      scrubbed from server and libpq messages */
	char *raw;         /* the password as written in the URL (percent-
			      encoded): scrubbed too (libpq quotes a token
			      it cannot parse) */
	int readonly;
	int schema;        /* version found at open (0: no schema yet) */
	int attempt;       /* of the transaction bt__pg_tx runs now (0 first) */
	int transient;     /* the last error may pass: retry */
	long retry_ms;     /* the waits between tries may add up to this
			      (BENCHTRACK_PG_RETRY_S; default 10.5 s) */
	pthread_mutex_t mu;
};

/* Connects (with retries for transient failures), checks or creates and
 * migrates the schema (not when readonly: an empty database then reads as
 * an empty store), into *out. Errors name the URL without its password:
 * BT_EUNREACHABLE, BT_EAUTH, BT_EUNSUPPORTED (a schema newer than this
 * code), BT_EIO. */
int bt__pg_open(struct bt_pg **out, const char *spec, int readonly,
		struct bt_strbuf *err);
void bt__pg_close(struct bt_pg *pg);

/* One transaction: BEGIN (read-only when !write), body, COMMIT. A
 * transient failure (connection lost, server shutting down or starting,
 * serialization failure, deadlock) rolls back, waits (0.5, 1, 2, 3,
 * then 4 s each, up to pg->retry_ms in all: 5 retries over 10.5 s by
 * default), reconnects and runs body again;
 * body must therefore start from scratch each time (pg->attempt says
 * which try it is). After the last try a lost server is BT_EUNREACHABLE.
 * The mutex is held throughout. */
typedef int (*bt__pg_body)(struct bt_pg *pg, void *ud, struct bt_strbuf *err);
int bt__pg_tx(struct bt_pg *pg, int write, bt__pg_body body, void *ud,
	      struct bt_strbuf *err);

/* Runs sql with n text parameters (NULL: SQL NULL; lens NULL: C strings;
 * a parameter whose lens[i] is >= 0 is binary, for bytea). NULL on
 * failure with *rc and err set (and pg->transient); else the result
 * (PQclear it). */
PGresult *bt__pg_exec(struct bt_pg *pg, const char *sql, int n,
		      const char *const *vals, const int *lens, int *rc,
		      struct bt_strbuf *err);
/* The error of a failed statement (res may be NULL: the connection) as
 * BT_E* with err set and pg->transient; res is not freed. */
int bt__pg_fail(struct bt_pg *pg, PGresult *res, struct bt_strbuf *err);
/* The next rows (up to count) of the open cursor named cursor, in binary
 * form (bytea as its bytes, integers and float8 in network byte order,
 * text as is: bt__pg_bin_*); none left: a result of 0 rows. NULL on
 * failure with *rc and err set. */
PGresult *bt__pg_fetch(struct bt_pg *pg, const char *cursor, int count, int *rc,
		       struct bt_strbuf *err);
/* A binary int8 / int4 / float8 column (NULL: 0, or NaN). */
long long bt__pg_bin_i64(PGresult *r, int row, int col);
int bt__pg_bin_i32(PGresult *r, int row, int col);
double bt__pg_bin_f64(PGresult *r, int row, int col);

/* A field of a binary row: its len bytes at p; SQL NULL: p NULL, len -1. */
struct bt__pg_field {
	const unsigned char *p;
	int len;
};
/* A binary int8 / int4 / float8 field, in network byte order (NULL or
 * another length: 0, or NaN). */
long long bt__pg_field_i64(const struct bt__pg_field *f);
int bt__pg_field_i32(const struct bt__pg_field *f);
double bt__pg_field_f64(const struct bt__pg_field *f);
/* The header a binary COPY's data starts with (signature, flags,
 * extension area) at buf[0..n): its length, or -1 when it is none or
 * asks for what we do not read (OIDs, critical flags). */
int bt__pg_copy_header(const unsigned char *buf, size_t n);
/* One tuple of a binary COPY at buf[0..n): its fields into f[0..max) and
 * *nf, the bytes it took into *used; 1 a tuple, 0 the trailer (a count
 * of -1), -1 malformed (truncated, more than max fields). The fields
 * point into buf. */
int bt__pg_copy_tuple(const unsigned char *buf, size_t n, struct bt__pg_field *f,
		      int max, int *nf, size_t *used);
/* Runs COPY (query) TO STDOUT in binary form, query's $1..$n being vals
 * (inlined as quoted literals: COPY takes no parameters; NULL: SQL
 * NULL), calling fn for each row with its fields (at most 32) in the
 * order of the query's columns. The rows stream as the server sends
 * them: no cursor, no result held (a plain SELECT or a cursor's FETCH
 * costs the server and libpq about twice as much per row). 0, fn's
 * error (the rest is read and dropped), or a failure as bt__pg_exec's. */
typedef int (*bt__pg_row_fn)(void *ud, const struct bt__pg_field *f, int nf);
int bt__pg_copy(struct bt_pg *pg, const char *query, int n, const char *const *vals,
		bt__pg_row_fn fn, void *ud, struct bt_strbuf *err);
/* bt__pg_exec without a result to read: 0 or the error. */
int bt__pg_cmd(struct bt_pg *pg, const char *sql, int n,
	       const char *const *vals, struct bt_strbuf *err);

/* A PostgreSQL array literal being built ("{...}"): elements quoted. */
int bt__pg_arr_str(struct bt_strbuf *a, const char *v);
int bt__pg_arr_real(struct bt_strbuf *a, double v);   /* NaN: NULL */
int bt__pg_arr_int(struct bt_strbuf *a, long long v, int known);
int bt__pg_arr_end(struct bt_strbuf *a);              /* closes "{..." */

/* The run document of run as stored: its JSON text (pretty, as run.json)
 * zstd-compressed, malloc'd into *out. */
int bt__pg_doc(const struct bt_run *run, char **out, size_t *len,
	       struct bt_strbuf *err);
/* Inserts the index rows of run (rid its runs row): series, results,
 * points. */
int bt__pg_index_rows(struct bt_pg *pg, const char *rid, const struct bt_run *run,
		      struct bt_strbuf *err);

/* A column of row r as text in arena a (NULL for SQL NULL). */
const char *bt__pg_col(struct bt_arena *a, PGresult *res, int r, int c, int *oom);

/* The public calls on a PostgreSQL store (contracts in store.h). */
int bt__pg_put(struct bt_store *st, const struct bt_run *run, char **path,
	       struct bt_strbuf *err);
int bt__pg_query(struct bt_store *st, const struct bt_store_filter *f,
		 struct bt_store_list *out, struct bt_strbuf *err);
int bt__pg_resolve(struct bt_store *st, const char *ref, char **run_id,
		   struct bt_strbuf *err);
int bt__pg_load(struct bt_store *st, const char *ref, struct bt_run *run,
		struct bt_strbuf *err);
/* bt__pg_load; summary: without the samples (the fast reader first). */
int bt__pg_load_as(struct bt_store *st, const char *ref, struct bt_run *run,
		   int summary, struct bt_strbuf *err);
int bt__pg_tag(struct bt_store *st, const char *ref, const char *tag, int add,
	       struct bt_strbuf *err);
int bt__pg_reindex(struct bt_store *st, bt_store_note_fn note, void *ud,
		   size_t *n_runs, size_t *n_results, size_t *n_unreadable,
		   struct bt_strbuf *err);
/* gc: the runs before cutoff (a timestamp) that are not milestones are
 * flagged archived (dry_run: only named through note). */
int bt__pg_gc(struct bt_store *st, const char *cutoff, int dry_run,
	      bt_store_note_fn note, void *ud, size_t *n_archived,
	      struct bt_strbuf *err);
int bt__pg_restore(struct bt_store *st, const char *ref, char **path,
		   struct bt_strbuf *err);
int bt__pg_verify(struct bt_store *st, int repair, bt_store_note_fn note,
		  void *ud, size_t *n_problems, struct bt_strbuf *err);
int bt__pg_series(struct bt_store *st, const struct bt_series_filter *f,
		  bt_series_fn fn, void *ud, size_t *n_series,
		  struct bt_strbuf *err);
int bt__pg_ack_many(struct bt_store *st, const struct bt_ack_req *req, size_t n,
		    const char *reason, const char *who, const char *when,
		    enum bt_ack_outcome *out, struct bt_strbuf *err);
int bt__pg_acks(struct bt_store *st, struct bt_ack_list *out,
		struct bt_strbuf *err);
int bt__pg_stamp(struct bt_store *st, char *out, size_t size, struct bt_strbuf *err);
int bt__pg_save_comparison(struct bt_store *st, const char *name,
			   const struct bt_store_file *files, size_t n,
			   char **dir, struct bt_strbuf *err);

#endif
