/* SQLite backend of the store index (lib/store/index.h;
 * docs/internals/ARCHITECTURE.md §7).
 *
 * Handles: one handle is one sqlite3 connection, used by one thread at a
 * time and never across fork() (a child opens its own). The database is in
 * WAL mode (synchronous=NORMAL, foreign keys on) with a 10 s busy timeout,
 * so several processes may read and write one index.db: writers queue on
 * the write lock, and a lock still held after the timeout is BT_EBUSY
 * "<path>: locked by another process". Every message starts with the path
 * given to open.
 *
 * Open: a file that is not a database is BT_EIO "<path>: file is not a
 * database; run benchtrack reindex"; read-only, a missing file is
 * BT_ENOTFOUND (nothing is created). A read-only open of a store whose
 * directory cannot be written still works when no -wal file is left (the
 * database is then read as immutable).
 *
 * Schema: PRAGMA user_version is the schema version; migrations[i] brings
 * version i to i + 1 and all pending ones are applied in one transaction
 * when the index is opened writable. A version newer than this code knows
 * is BT_EUNSUPPORTED; an older one opened read-only is BT_EUNSUPPORTED too
 * (open it writable, or reindex).
 *
 * Values: NaN doubles and unknown (-1) counts are stored as NULL; params as
 * the canonical text "k=v;k=v" sorted by key; status as its name ("ok",
 * "crashed", ...); runs.n_failed counts results failed, crashed, timed out
 * or out of memory (not skipped). Metric summaries only, no samples.
 *
 * Writes: every write operation is atomic on its own (outside begin/commit
 * it is its own transaction). Inside the caller's transaction, remove_run,
 * set_tags and set_location run under a savepoint; add_run validates the
 * run first (BT_EINVAL leaves nothing written) but after an SQLite failure
 * (disk full, I/O) part of the run may be written: roll back, as index.h
 * asks. remove_run, set_tags and set_location of a run that is not in the
 * index are BT_ENOTFOUND; a read-only handle refuses writes (BT_EINVAL).
 *
 * Queries: commit and run-id prefixes match as ranges of the index (no
 * LIKE wildcards), case-insensitively when they are all hex digits;
 * find_prefix with max == 0 returns every match, in ascending order.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "internal.h"
#include "index.h"

#define BUSY_TIMEOUT_MS 10000

/* --- schema --------------------------------------------------------------- */

/* The secondary indexes of results: a reindex (bulk mode) drops them
 * while it fills the table and builds them again at the end, in the same
 * transaction (an index built from the whole table is several times
 * faster than one kept up row by row). Keep them in step with the
 * latest schema. */
#define RESULTS_INDEXES                                                  \
	"CREATE INDEX results_run ON results(run_id, idx);"              \
	"CREATE INDEX results_name ON results(name, run_id);"            \
	"CREATE INDEX results_series ON results(series_key);"
#define RESULTS_INDEXES_DROP                                             \
	"DROP INDEX IF EXISTS results_run;"                              \
	"DROP INDEX IF EXISTS results_name;"                             \
	"DROP INDEX IF EXISTS results_series;"

static const char *const migrations[] = {
	/* 0 -> 1: the initial schema */
	"CREATE TABLE runs ("
	" run_id TEXT PRIMARY KEY NOT NULL,"
	" type TEXT NOT NULL,"
	" suite TEXT,"
	" timestamp TEXT NOT NULL,"
	" duration_s REAL,"
	" commit_hash TEXT,"
	" branch TEXT,"
	" dirty INTEGER,"
	" commit_time TEXT,"
	" machine_name TEXT,"
	" fingerprint TEXT,"
	" cpu_model TEXT,"
	" os TEXT,"
	" path TEXT,"
	" archive TEXT,"
	" n_results INTEGER NOT NULL DEFAULT 0,"
	" n_failed INTEGER NOT NULL DEFAULT 0,"
	" schema TEXT);"
	"CREATE TABLE results ("
	" id INTEGER PRIMARY KEY,"
	" run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,"
	" idx INTEGER NOT NULL,"
	" name TEXT,"
	" grp TEXT,"
	" variant TEXT,"
	" type TEXT,"
	" params TEXT,"
	" status TEXT,"
	" message TEXT,"
	" series_key TEXT,"
	" throughput REAL,"
	" throughput_unit TEXT,"
	" peak_memory_bytes INTEGER,"
	" memory_bytes INTEGER,"
	" max_rel_err REAL);"
	"CREATE TABLE metrics ("
	" result_id INTEGER NOT NULL REFERENCES results(id) ON DELETE CASCADE,"
	" name TEXT NOT NULL,"
	" unit TEXT,"
	" direction INTEGER,"
	" n INTEGER,"
	" mean REAL, median REAL, std REAL, min REAL, max REAL,"
	" p5 REAL, p25 REAL, p75 REAL, p95 REAL, p99 REAL,"
	" mad REAL, iqr REAL, cv REAL, ci_low REAL, ci_high REAL,"
	" outliers INTEGER,"
	" PRIMARY KEY (result_id, name)) WITHOUT ROWID;"
	"CREATE TABLE series ("
	" series_key TEXT PRIMARY KEY NOT NULL,"
	" suite TEXT, name TEXT, variant TEXT, params TEXT,"
	" fingerprint TEXT, metric TEXT) WITHOUT ROWID;"
	"CREATE TABLE tags ("
	" run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,"
	" tag TEXT NOT NULL,"
	" PRIMARY KEY (run_id, tag)) WITHOUT ROWID;"
	"CREATE INDEX runs_type_time ON runs(type, timestamp, run_id);"
	"CREATE INDEX runs_time ON runs(timestamp, run_id);"
	"CREATE INDEX runs_commit ON runs(commit_hash);"
	"CREATE INDEX runs_branch ON runs(branch);"
	"CREATE INDEX runs_machine ON runs(machine_name);"
	"CREATE INDEX runs_fingerprint ON runs(fingerprint);"
	RESULTS_INDEXES
	"CREATE INDEX tags_tag ON tags(tag);",
};

#define SCHEMA_VERSION ((int)(sizeof migrations / sizeof migrations[0]))

/* --- cached statements ---------------------------------------------------- */

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
	ST_INS_METRIC,
	ST_INS_SERIES,
	ST_INS_TAG,
	ST_DEL_TAGS,
	ST_HAS_RUN,
	ST_SET_LOC,
	ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_SAVEPOINT] = "SAVEPOINT bt_op",
	[ST_RELEASE] = "RELEASE bt_op",
	[ST_ROLLBACK_TO] = "ROLLBACK TO bt_op",
	[ST_DEL_RUN] = "DELETE FROM runs WHERE run_id = ?1",
	[ST_INS_RUN] = "INSERT OR FAIL INTO runs (run_id, type, suite,"
		       " timestamp, duration_s, commit_hash, branch, dirty,"
		       " commit_time, machine_name, fingerprint, cpu_model, os,"
		       " path, archive, n_results, n_failed, schema) VALUES"
		       " (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
		       " ?13, ?14, ?15, ?16, ?17, ?18)",
	[ST_INS_RESULT] = "INSERT OR FAIL INTO results (run_id, idx, name, grp,"
			  " variant, type, params, status, message, series_key,"
			  " throughput, throughput_unit, peak_memory_bytes,"
			  " memory_bytes, max_rel_err) VALUES (?1, ?2, ?3, ?4,"
			  " ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
	[ST_INS_METRIC] = "INSERT OR IGNORE INTO metrics (result_id, name,"
			  " unit, direction, n, mean, median, std, min, max,"
			  " p5, p25, p75, p95, p99, mad, iqr, cv, ci_low,"
			  " ci_high, outliers) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
			  " ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
			  " ?17, ?18, ?19, ?20, ?21)",
	[ST_INS_SERIES] = "INSERT OR IGNORE INTO series (series_key, suite,"
			  " name, variant, params, fingerprint, metric) VALUES"
			  " (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[ST_INS_TAG] = "INSERT OR IGNORE INTO tags (run_id, tag)"
		       " VALUES (?1, ?2)",
	[ST_DEL_TAGS] = "DELETE FROM tags WHERE run_id = ?1",
	[ST_HAS_RUN] = "SELECT 1 FROM runs WHERE run_id = ?1",
	[ST_SET_LOC] = "UPDATE runs SET path = ?2, archive = ?3"
		       " WHERE run_id = ?1",
};

struct sqlite_index {
	sqlite3 *db;
	char *path;               /* as given to open, for messages */
	int readonly;
	int bulk;                 /* foreign keys off (sq_bulk): no cascade */
	int dropped;              /* results indexes dropped in this
				     transaction (sq_clear in bulk mode) */
	char **seen;              /* while dropped: the series keys inserted
				     in this transaction (open addressing) */
	size_t n_seen, seen_cap;
	sqlite3_stmt *st[ST_COUNT]; /* prepared on first use, kept */
	struct bt_strbuf params;  /* scratch: canonical params of a result */
};

static void seen_reset(struct sqlite_index *h);

/* --- errors --------------------------------------------------------------- */

/* Maps an SQLite result code to a BT_E* code with a message naming path.
 * db may be NULL (then the generic text of rc is used). */
static int sql_error(sqlite3 *db, const char *path, int rc,
		     struct bt_strbuf *err)
{
	const char *msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return bt_error(err, BT_EBUSY, "%s: locked by another process",
				path);
	case SQLITE_NOMEM:
		return bt_error(err, BT_ENOMEM, "%s: out of memory", path);
	case SQLITE_NOTADB:
		return bt_error(err, BT_EIO,
				"%s: file is not a database; run benchtrack "
				"reindex", path);
	case SQLITE_CORRUPT:
		return bt_error(err, BT_EIO,
				"%s: database is corrupt (%s); run benchtrack "
				"reindex", path, msg);
	default:
		return bt_error(err, BT_EIO, "%s: %s", path, msg);
	}
}

static int db_error(struct sqlite_index *h, int rc, struct bt_strbuf *err)
{
	return sql_error(h->db, h->path, rc, err);
}

static int writable(struct sqlite_index *h, struct bt_strbuf *err)
{
	if (h->readonly)
		return bt_error(err, BT_EINVAL, "%s: index opened read-only",
				h->path);
	return 0;
}

/* --- statement helpers ---------------------------------------------------- */

static int stmt(struct sqlite_index *h, enum stmt_id id, sqlite3_stmt **out,
		struct bt_strbuf *err)
{
	if (!h->st[id]) {
		int rc = sqlite3_prepare_v3(h->db, stmt_sql[id], -1,
					    SQLITE_PREPARE_PERSISTENT,
					    &h->st[id], NULL);
		if (rc != SQLITE_OK) {
			h->st[id] = NULL;
			return db_error(h, rc, err);
		}
	}
	*out = h->st[id];
	return 0;
}

/* Steps s to completion (statements that return at most a row we ignore)
 * and resets it. */
static int step_done(struct sqlite_index *h, sqlite3_stmt *s,
		     struct bt_strbuf *err)
{
	int rc = sqlite3_step(s);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW) {
		sqlite3_reset(s);
		return 0;
	}
	int e = db_error(h, rc, err);
	sqlite3_reset(s);
	return e;
}

/* Runs one of the argument-less cached statements (transaction control). */
static int run_simple(struct sqlite_index *h, enum stmt_id id,
		      struct bt_strbuf *err)
{
	sqlite3_stmt *s = NULL;
	int rc = stmt(h, id, &s, err);
	return rc ? rc : step_done(h, s, err);
}

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

/* --- transactions --------------------------------------------------------- */

/* Every write operation is atomic on its own: outside begin/commit it runs
 * in its own BEGIN IMMEDIATE transaction (*local = 1). Inside the caller's
 * transaction (*local = 0) it runs under a savepoint when savepoint != 0,
 * so a failed operation leaves nothing behind; add_run does without one
 * (a savepoint copies every page it touches, a fifth of the cost of a
 * reindex): it validates the run before writing, and after an SQLite
 * failure the caller rolls back, as index.h asks. */
static int op_enter(struct sqlite_index *h, int savepoint, int *local,
		    struct bt_strbuf *err)
{
	*local = sqlite3_get_autocommit(h->db) != 0;
	if (*local)
		return run_simple(h, ST_BEGIN, err);
	return savepoint ? run_simple(h, ST_SAVEPOINT, err) : 0;
}

/* Ends what op_enter started: commits/releases when rc == 0, else rolls
 * back (err keeps the first error). Returns the final code. */
static int op_leave(struct sqlite_index *h, int savepoint, int local, int rc,
		    struct bt_strbuf *err)
{
	if (!local && !savepoint)
		return rc;
	if (rc == 0) {
		rc = run_simple(h, local ? ST_COMMIT : ST_RELEASE, err);
		if (rc == 0)
			return 0;
	}
	/* SQLite may already have rolled back the whole transaction (I/O
	 * error, disk full): then there is nothing left to undo. */
	if (sqlite3_get_autocommit(h->db))
		return rc;
	if (local) {
		run_simple(h, ST_ROLLBACK, NULL);
	} else {
		run_simple(h, ST_ROLLBACK_TO, NULL);
		run_simple(h, ST_RELEASE, NULL);
	}
	return rc;
}

static int has_run(struct sqlite_index *h, const char *run_id,
		   struct bt_strbuf *err)
{
	sqlite3_stmt *s = NULL;
	int rc = stmt(h, ST_HAS_RUN, &s, err);
	if (rc)
		return rc;
	bind_str(s, 1, run_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
		sqlite3_reset(s);
		if (rc == SQLITE_ROW)
			return 0;
		return bt_error(err, BT_ENOTFOUND,
				"%s: run %s is not in the index", h->path,
				run_id);
	}
	rc = db_error(h, rc, err);
	sqlite3_reset(s);
	return rc;
}

/* --- open / close --------------------------------------------------------- */

/* Reads an integer pragma (user_version). *src (optional) receives the
 * SQLite code of a failure. */
static int pragma_int(sqlite3 *db, const char *path, const char *sql,
		      int *out, int *src, struct bt_strbuf *err)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			*out = sqlite3_column_int(s, 0);
			rc = SQLITE_OK;
		} else if (rc == SQLITE_DONE) {
			*out = 0;
			rc = SQLITE_OK;
		}
	}
	int code = rc == SQLITE_OK ? 0 : sql_error(db, path, rc, err);
	if (src)
		*src = rc;
	sqlite3_finalize(s);
	return code;
}

static int db_exec(struct sqlite_index *h, const char *sql,
		   struct bt_strbuf *err)
{
	int rc = sqlite3_exec(h->db, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : db_error(h, rc, err);
}

/* Switches the database to WAL (a no-op when it is in WAL already).
 * Changing the journal mode needs the database to itself, and SQLite does
 * not call the busy handler for that: while other processes create or
 * open the same new index it answers SQLITE_BUSY at once. So the switch
 * is retried here, for as long as the busy timeout. A file system without
 * shared memory keeps the rollback journal, which is still correct. */
static int set_wal(struct sqlite_index *h, struct bt_strbuf *err)
{
	int waited = 0, delay = 1;
	for (;;) {
		sqlite3_stmt *s = NULL;
		int rc = sqlite3_prepare_v2(h->db, "PRAGMA journal_mode=WAL",
					    -1, &s, NULL);
		if (rc == SQLITE_OK) {
			rc = sqlite3_step(s);
			if (rc == SQLITE_ROW || rc == SQLITE_DONE)
				rc = SQLITE_OK;
		}
		int busy = (rc & 0xff) == SQLITE_BUSY ||
			   (rc & 0xff) == SQLITE_LOCKED;
		int code = rc == SQLITE_OK ? 0 : db_error(h, rc, err);
		sqlite3_finalize(s);
		if (!busy || waited >= BUSY_TIMEOUT_MS)
			return code;
		sqlite3_sleep(delay);
		waited += delay;
		delay = delay < 32 ? delay * 2 : 50;
	}
}

static int too_new(struct sqlite_index *h, int version, struct bt_strbuf *err)
{
	return bt_error(err, BT_EUNSUPPORTED,
			"%s: schema version %d is newer than this benchtrack "
			"(%d)", h->path, version, SCHEMA_VERSION);
}

/* Brings the schema from version to SCHEMA_VERSION in one transaction. */
static int migrate(struct sqlite_index *h, int version, struct bt_strbuf *err)
{
	if (version > SCHEMA_VERSION)
		return too_new(h, version, err);
	if (version == SCHEMA_VERSION)
		return 0;
	if (version < 0)
		return bt_error(err, BT_EIO, "%s: invalid schema version %d; "
				"run benchtrack reindex", h->path, version);
	int tables = 0;
	if (h->readonly && version == 0 &&
	    pragma_int(h->db, h->path, "SELECT count(*) FROM sqlite_master",
		       &tables, NULL, NULL) == 0 && tables == 0)
		/* empty: a first writer is creating it right now */
		return bt_error(err, BT_ENOTFOUND, "%s: no index yet", h->path);
	if (h->readonly)
		return bt_error(err, BT_EUNSUPPORTED,
				"%s: schema version %d is older than this "
				"benchtrack (%d); run benchtrack reindex",
				h->path, version, SCHEMA_VERSION);
	int rc = db_exec(h, "BEGIN IMMEDIATE", err);
	if (rc)
		return rc;
	/* another process may have migrated while we waited for the lock */
	rc = pragma_int(h->db, h->path, "PRAGMA user_version", &version, NULL,
			err);
	if (!rc && version > SCHEMA_VERSION)
		rc = too_new(h, version, err);
	for (int i = version; !rc && i < SCHEMA_VERSION; i++)
		rc = db_exec(h, migrations[i], err);
	if (!rc && version < SCHEMA_VERSION) {
		char sql[64];
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d",
			 SCHEMA_VERSION);
		rc = db_exec(h, sql, err);
	}
	if (!rc)
		rc = db_exec(h, "COMMIT", err);
	if (rc && !sqlite3_get_autocommit(h->db))
		sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* "file:" URI of path with immutable=1, for reading a clean WAL database
 * in a directory where its -shm file cannot be created. NULL on ENOMEM. */
static char *immutable_uri(const char *path)
{
	struct bt_strbuf sb = BT_STRBUF_INIT;
	int rc = bt_strbuf_adds(&sb, path[0] == '/' ? "file://" : "file:");
	for (const unsigned char *p = (const unsigned char *)path; !rc && *p;
	     p++) {
		if (*p == '%' || *p == '?' || *p == '#' || *p <= ' ' ||
		    *p >= 0x7f)
			rc = bt_strbuf_addf(&sb, "%%%02X", *p);
		else
			rc = bt_strbuf_addc(&sb, (char)*p);
	}
	if (!rc)
		rc = bt_strbuf_adds(&sb, "?immutable=1");
	if (rc) {
		bt_strbuf_release(&sb);
		return NULL;
	}
	return bt_strbuf_detach(&sb);
}

static int db_connect(struct sqlite_index *h, const char *name, int flags,
		      struct bt_strbuf *err)
{
	int rc = sqlite3_open_v2(name, &h->db, flags, NULL);
	if (rc != SQLITE_OK) {
		rc = sql_error(h->db, h->path, rc, err);
		sqlite3_close(h->db);
		h->db = NULL;
		return rc;
	}
	sqlite3_busy_timeout(h->db, BUSY_TIMEOUT_MS);
	return 0;
}

/* The -wal file next to path exists. */
static int wal_exists(const char *path)
{
	struct bt_strbuf sb = BT_STRBUF_INIT;
	struct stat st;
	int yes = bt_strbuf_addf(&sb, "%s-wal", path) == 0 &&
		  stat(sb.buf, &st) == 0;
	bt_strbuf_release(&sb);
	return yes;
}

static void sq_close(void *vh);

static int sq_open1(void **out, const char *location, int readonly,
		    int *damaged, struct bt_strbuf *err);

/* Open; with BT__INDEX_REPLACE_DAMAGED (writable only), a file that is
 * not a usable index (not a database, corrupt, an invalid or newer schema
 * version) is removed with its -wal and -shm files and created afresh;
 * any other failure (permission, I/O, locked) leaves the file alone. */
static int sq_open(void **out, const char *location, int flags,
		   struct bt_strbuf *err)
{
	int readonly = flags & BT__INDEX_READONLY;
	if (!(flags & BT__INDEX_REPLACE_DAMAGED) || readonly) {
		int damaged = 0;
		return sq_open1(out, location, readonly, &damaged, err);
	}
	int damaged = 0;
	struct bt_strbuf why = BT_STRBUF_INIT;
	int rc = sq_open1(out, location, 0, &damaged, &why);
	if (!rc) {
		/* damage past the header shows only when read: check the
		 * pages (cheap next to the rebuild that follows) */
		struct sqlite_index *h = *out;
		sqlite3_stmt *q = NULL;
		int r = sqlite3_prepare_v2(h->db, "PRAGMA quick_check(1)", -1, &q,
					   NULL);
		if (r == SQLITE_OK)
			r = sqlite3_step(q);
		if (r == SQLITE_ROW) {
			const char *t = (const char *)sqlite3_column_text(q, 0);
			if (!t || strcmp(t, "ok") != 0) {
				damaged = 1;
				bt_error(&why, BT_EIO, "%s: database is corrupt (%s)",
					 location, t ? t : "?");
			}
		} else if ((r & 0xff) == SQLITE_CORRUPT || (r & 0xff) == SQLITE_NOTADB) {
			damaged = 1;
			sql_error(h->db, location, r, &why);
		} else if (r != SQLITE_DONE) {
			rc = sql_error(h->db, location, r, &why);
		}
		sqlite3_finalize(q);
		if (rc || damaged) {
			sq_close(h);
			*out = NULL;
			rc = rc ? rc : BT_EIO;
		}
	}
	if (rc && !damaged) {
		rc = bt_error(err, rc, "%s", bt_strbuf_str(&why));
	} else if (rc) {
		static const char *const sfx[] = { "", "-wal", "-shm" };
		rc = 0;
		for (int i = 0; i < 3 && !rc; i++) {
			struct bt_strbuf f = BT_STRBUF_INIT;
			if (bt_strbuf_addf(&f, "%s%s", location, sfx[i]))
				rc = BT_ENOMEM;
			else if (unlink(f.buf) != 0 && errno != ENOENT)
				rc = bt_error(err, BT_EIO, "%s: cannot remove the "
					      "damaged index (%s): %s", f.buf,
					      bt_strbuf_str(&why), strerror(errno));
			bt_strbuf_release(&f);
		}
		if (!rc)
			rc = sq_open1(out, location, 0, &damaged, err);
	}
	bt_strbuf_release(&why);
	return rc;
}

static int sq_open1(void **out, const char *location, int readonly,
		    int *damaged, struct bt_strbuf *err)
{
	*out = NULL;
	if (!location || !*location)
		return bt_error(err, BT_EINVAL, "index: no location given");
	struct sqlite_index *h = calloc(1, sizeof *h);
	if (!h)
		return BT_ENOMEM;
	h->readonly = readonly != 0;
	h->path = strdup(location);
	if (!h->path) {
		free(h);
		return BT_ENOMEM;
	}

	int rc;
	int version = 0;
	if (readonly) {
		struct stat st;
		if (stat(location, &st) != 0) {
			int e = errno;
			rc = bt_error(err, e == ENOENT ? BT_ENOTFOUND : BT_EIO,
				      "%s: %s", location, strerror(e));
			goto fail;
		}
		rc = db_connect(h, location, SQLITE_OPEN_READONLY, err);
		if (rc)
			goto fail;
		struct bt_strbuf tmp = BT_STRBUF_INIT;
		int ec = SQLITE_OK;
		rc = pragma_int(h->db, h->path, "PRAGMA user_version",
				&version, &ec, &tmp);
		ec &= 0xff;
		if (rc && (ec == SQLITE_CANTOPEN || ec == SQLITE_READONLY) &&
		    !wal_exists(location)) {
			/* A WAL database in a directory we cannot write (its
			 * -shm file cannot be made): without a -wal file it
			 * is fully checkpointed, so the main file alone is
			 * the whole database. */
			char *uri = immutable_uri(location);
			sqlite3_close(h->db);
			h->db = NULL;
			if (!uri) {
				bt_strbuf_release(&tmp);
				rc = BT_ENOMEM;
				goto fail;
			}
			rc = db_connect(h, uri,
					SQLITE_OPEN_READONLY | SQLITE_OPEN_URI,
					err);
			free(uri);
			if (!rc)
				rc = pragma_int(h->db, h->path,
						"PRAGMA user_version",
						&version, NULL, &tmp);
		}
		if (rc)
			bt_error(err, rc, "%s", bt_strbuf_str(&tmp));
		bt_strbuf_release(&tmp);
		if (rc)
			goto fail;
	} else {
		rc = db_connect(h, location,
				SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
				err);
		if (rc)
			goto fail;
		/* reads the header: a file that is not a database fails here */
		int ec = SQLITE_OK;
		rc = pragma_int(h->db, h->path, "PRAGMA user_version",
				&version, &ec, err);
		if (rc) {
			*damaged = (ec & 0xff) == SQLITE_NOTADB ||
				   (ec & 0xff) == SQLITE_CORRUPT;
			goto fail;
		}
		rc = set_wal(h, err);
		if (rc) {
			int e = sqlite3_errcode(h->db) & 0xff;
			*damaged = e == SQLITE_NOTADB || e == SQLITE_CORRUPT;
			goto fail;
		}
	}
	rc = db_exec(h, "PRAGMA synchronous=NORMAL;"
		     "PRAGMA foreign_keys=ON;"
		     "PRAGMA temp_store=MEMORY;"
		     "PRAGMA cache_size=-16384", err);
	if (rc)
		goto fail;
	if (!readonly && (version < 0 || version > SCHEMA_VERSION))
		*damaged = 1; /* not an index this code can update */
	rc = migrate(h, version, err);
	if (rc) {
		int e = sqlite3_errcode(h->db) & 0xff;
		if (e == SQLITE_NOTADB || e == SQLITE_CORRUPT)
			*damaged = 1;
		goto fail;
	}
	*out = h;
	return 0;
fail:
	sq_close(h);
	return rc;
}

static void sq_close(void *vh)
{
	struct sqlite_index *h = vh;
	if (!h)
		return;
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(h->st[i]);
	if (h->db) {
		if (!sqlite3_get_autocommit(h->db))
			sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
		sqlite3_close(h->db);
	}
	bt_strbuf_release(&h->params);
	seen_reset(h);
	free(h->path);
	free(h);
}

/* --- transactions (ops) --------------------------------------------------- */

static int sq_begin(void *vh, struct bt_strbuf *err)
{
	struct sqlite_index *h = vh;
	int rc = writable(h, err);
	return rc ? rc : run_simple(h, ST_BEGIN, err);
}

static int db_exec(struct sqlite_index *h, const char *sql,
		   struct bt_strbuf *err);

static int sq_commit(void *vh, struct bt_strbuf *err)
{
	struct sqlite_index *h = vh;
	if (h->dropped) {
		/* the indexes sq_clear dropped, built from the new rows; on
		 * failure the caller rolls back, which restores the old ones */
		int rc = db_exec(h, RESULTS_INDEXES, err);
		if (rc)
			return rc;
		h->dropped = 0;
		seen_reset(h);
	}
	return run_simple(vh, ST_COMMIT, err);
}

static void sq_rollback(void *vh)
{
	struct sqlite_index *h = vh;
	if (h) {
		h->dropped = 0; /* the rollback brings them back */
		seen_reset(h);
	}
	if (h && !sqlite3_get_autocommit(h->db))
		run_simple(h, ST_ROLLBACK, NULL);
}

/* --- series keys of a rebuild ------------------------------------------- */

/* A rebuild inserts the series of every result, and nearly all of them
 * are there already (one per case and machine, not per run): the keys
 * inserted since sq_clear are remembered so that the INSERT OR IGNORE is
 * skipped for them. Forgotten at the end of the transaction. */
static size_t seen_slot(char *const *tab, size_t cap, const char *key)
{
	size_t i = (size_t)bt__fnv1a_str(BT__FNV_INIT, key) & (cap - 1);
	while (tab[i] && strcmp(tab[i], key))
		i = (i + 1) & (cap - 1);
	return i;
}

static int seen_has(const struct sqlite_index *h, const char *key)
{
	return h->seen_cap && h->seen[seen_slot(h->seen, h->seen_cap, key)];
}

/* Remembers key; out of memory it is just not remembered. */
static void seen_add(struct sqlite_index *h, const char *key)
{
	if (2 * (h->n_seen + 1) > h->seen_cap) {
		size_t cap = h->seen_cap ? 2 * h->seen_cap : 1024;
		char **tab = calloc(cap, sizeof *tab);
		if (!tab)
			return;
		for (size_t i = 0; i < h->seen_cap; i++)
			if (h->seen[i])
				tab[seen_slot(tab, cap, h->seen[i])] = h->seen[i];
		free(h->seen);
		h->seen = tab;
		h->seen_cap = cap;
	}
	size_t i = seen_slot(h->seen, h->seen_cap, key);
	if (!h->seen[i] && (h->seen[i] = strdup(key)))
		h->n_seen++;
}

static void seen_reset(struct sqlite_index *h)
{
	for (size_t i = 0; i < h->seen_cap; i++)
		free(h->seen[i]);
	free(h->seen);
	h->seen = NULL;
	h->n_seen = h->seen_cap = 0;
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
	struct bt_strbuf *sb = &h->params;
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

static int insert_run_row(struct sqlite_index *h, const struct bt_run *run,
			  const struct bt_index_loc *loc, struct bt_strbuf *err)
{
	sqlite3_stmt *s = NULL;
	int rc = stmt(h, ST_INS_RUN, &s, err);
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
	return step_done(h, s, err);
}

static int insert_metric(struct sqlite_index *h, sqlite3_stmt *s,
			 sqlite3_int64 result_id, const struct bt_metric *m,
			 struct bt_strbuf *err)
{
	const struct bt_stats *st = &m->stats;
	int b = SQLITE_OK, x;
	B(sqlite3_bind_int64(s, 1, result_id));
	B(bind_str(s, 2, m->name));
	B(bind_str(s, 3, m->unit));
	B(sqlite3_bind_int(s, 4, (int)m->direction));
	B(bind_size(s, 5, st->n));
	B(bind_real(s, 6, st->mean));
	B(bind_real(s, 7, st->median));
	B(bind_real(s, 8, st->std));
	B(bind_real(s, 9, st->min));
	B(bind_real(s, 10, st->max));
	B(bind_real(s, 11, st->p5));
	B(bind_real(s, 12, st->p25));
	B(bind_real(s, 13, st->p75));
	B(bind_real(s, 14, st->p95));
	B(bind_real(s, 15, st->p99));
	B(bind_real(s, 16, st->mad));
	B(bind_real(s, 17, st->iqr));
	B(bind_real(s, 18, st->cv));
	B(bind_real(s, 19, st->median_ci_low));
	B(bind_real(s, 20, st->median_ci_high));
	B(bind_size(s, 21, st->outliers));
	if (b != SQLITE_OK) {
		sqlite3_reset(s);
		return bind_fail(h, b, err);
	}
	return step_done(h, s, err);
}

static int insert_result(struct sqlite_index *h, const struct bt_run *run,
			 size_t idx, sqlite3_stmt *sr, sqlite3_stmt *sm,
			 sqlite3_stmt *ss, struct bt_strbuf *err)
{
	const struct bt_result *r = &run->results[idx];
	if (canonical_params(h, r))
		return bt_error(err, BT_ENOMEM, "%s: out of memory", h->path);
	const char *params = h->params.buf ? h->params.buf : "";
	int b = SQLITE_OK, x;
	B(bind_str(sr, 1, run->run_id));
	B(bind_size(sr, 2, idx));
	B(bind_str(sr, 3, r->name));
	B(bind_str(sr, 4, r->group));
	B(bind_str(sr, 5, r->variant));
	B(bind_str(sr, 6, r->type));
	B(bind_str(sr, 7, params));
	B(bind_str(sr, 8, bt_status_name(r->status)));
	B(bind_str(sr, 9, r->message));
	B(bind_str(sr, 10, r->series_key));
	if (r->throughput.unit || r->throughput.value != 0)
		B(bind_real(sr, 11, r->throughput.value));
	else
		B(sqlite3_bind_null(sr, 11));
	B(bind_str(sr, 12, r->throughput.unit));
	B(bind_known(sr, 13, r->peak_memory_bytes));
	B(bind_known(sr, 14, r->memory_bytes));
	if (r->validation.checked)
		B(bind_real(sr, 15, r->validation.max_rel_err));
	else
		B(sqlite3_bind_null(sr, 15));
	if (b != SQLITE_OK) {
		sqlite3_reset(sr);
		return bind_fail(h, b, err);
	}
	int rc = step_done(h, sr, err);
	if (rc)
		return rc;
	sqlite3_int64 id = sqlite3_last_insert_rowid(h->db);
	for (size_t j = 0; j < r->n_metrics; j++) {
		rc = insert_metric(h, sm, id, &r->metrics[j], err);
		if (rc)
			return rc;
	}
	if (r->series_key && !(h->dropped && seen_has(h, r->series_key))) {
		B(bind_str(ss, 1, r->series_key));
		B(bind_str(ss, 2, run->suite));
		B(bind_str(ss, 3, r->name));
		B(bind_str(ss, 4, r->variant));
		B(bind_str(ss, 5, params));
		B(bind_str(ss, 6, run->machine.fingerprint));
		B(bind_str(ss, 7, r->n_metrics ? r->metrics[0].name : "time"));
		if (b != SQLITE_OK) {
			sqlite3_reset(ss);
			return bind_fail(h, b, err);
		}
		rc = step_done(h, ss, err);
		if (!rc && h->dropped)
			seen_add(h, r->series_key);
	}
	return rc;
}
#undef B

static int insert_tags(struct sqlite_index *h, const char *run_id,
		       const char *const *tags, size_t n_tags,
		       struct bt_strbuf *err)
{
	if (!n_tags)
		return 0;
	sqlite3_stmt *s = NULL;
	int rc = stmt(h, ST_INS_TAG, &s, err);
	for (size_t i = 0; !rc && i < n_tags; i++) {
		if (!tags[i])
			continue;
		int b = bind_str(s, 1, run_id);
		if (b == SQLITE_OK)
			b = bind_str(s, 2, tags[i]);
		rc = b == SQLITE_OK ? step_done(h, s, err)
				    : bind_fail(h, b, err);
	}
	return rc;
}

/* In bulk mode there is no cascade: a run replaced in the same rebuild
 * (two directories with one run id) takes its rows along by hand. */
static int delete_children(struct sqlite_index *h, const char *run_id,
			   struct bt_strbuf *err)
{
	static const char *const sql[] = {
		"DELETE FROM metrics WHERE result_id IN "
		"(SELECT id FROM results WHERE run_id = ?1)",
		"DELETE FROM results WHERE run_id = ?1",
		"DELETE FROM tags WHERE run_id = ?1",
	};
	for (size_t i = 0; i < sizeof sql / sizeof *sql; i++) {
		sqlite3_stmt *s = NULL;
		int rc = sqlite3_prepare_v2(h->db, sql[i], -1, &s, NULL);
		if (rc == SQLITE_OK) {
			sqlite3_bind_text(s, 1, run_id, -1, SQLITE_STATIC);
			rc = sqlite3_step(s);
		}
		sqlite3_finalize(s);
		if (rc != SQLITE_DONE && rc != SQLITE_OK)
			return db_error(h, rc, err);
	}
	return 0;
}

static int add_run_rows(struct sqlite_index *h, const struct bt_run *run,
			const struct bt_index_loc *loc, const char *const *tags,
			size_t n_tags, struct bt_strbuf *err)
{
	sqlite3_stmt *del, *sr, *sm, *ss;
	int rc = stmt(h, ST_DEL_RUN, &del, err);
	if (!rc)
		rc = stmt(h, ST_INS_RESULT, &sr, err);
	if (!rc)
		rc = stmt(h, ST_INS_METRIC, &sm, err);
	if (!rc)
		rc = stmt(h, ST_INS_SERIES, &ss, err);
	if (rc)
		return rc;
	/* the old version goes with its results, metrics and tags (cascade) */
	bind_str(del, 1, run->run_id);
	rc = step_done(h, del, err);
	if (!rc && h->bulk && sqlite3_changes(h->db) > 0)
		rc = delete_children(h, run->run_id, err);
	if (!rc)
		rc = insert_run_row(h, run, loc, err);
	for (size_t i = 0; !rc && i < run->n_results; i++)
		rc = insert_result(h, run, i, sr, sm, ss, err);
	if (!rc)
		rc = insert_tags(h, run->run_id, tags, n_tags, err);
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

static int sq_add_run(void *vh, const struct bt_run *run,
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
		rc = writable(h, err);
	if (!rc)
		rc = op_enter(h, 0, &local, err);
	if (rc)
		return rc;
	rc = add_run_rows(h, run, loc, tags, n_tags, err);
	return op_leave(h, 0, local, rc, err);
}

/* --- remove_run / set_tags / set_location --------------------------------- */

/* The start of a one-run write: checks that the handle may write,
 * prepares statement id into *s and enters a savepoint (*local). */
static int run_write_enter(struct sqlite_index *h, enum stmt_id id,
			   sqlite3_stmt **s, int *local, struct bt_strbuf *err)
{
	int rc = writable(h, err);
	if (!rc)
		rc = stmt(h, id, s, err);
	if (!rc)
		rc = op_enter(h, 1, local, err);
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

static int sq_remove_run(void *vh, const char *run_id, struct bt_strbuf *err)
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
	rc = step_done(h, s, err);
	if (!rc)
		rc = changed_run(h, run_id, err);
	return op_leave(h, 1, local, rc, err);
}

/* Bulk loading (reindex) on this connection: no foreign-key checks (the
 * rows come straight from the files, and with checks on SQLite deletes
 * and inserts row by row) and a large page cache. Outside a transaction
 * only: SQLite ignores PRAGMA foreign_keys inside one. */
static int sq_bulk(void *vh, int on, struct bt_strbuf *err)
{
	struct sqlite_index *h = vh;
	int rc = db_exec(h, on ? "PRAGMA foreign_keys=OFF; PRAGMA cache_size=-262144;"
				: "PRAGMA foreign_keys=ON; PRAGMA cache_size=-2000;", err);
	if (!rc)
		h->bulk = on;
	return rc;
}

/* Everything out, in the caller's transaction. DELETE without WHERE lets
 * SQLite truncate each table (children first: no cascade work). */
static int sq_clear(void *vh, struct bt_strbuf *err)
{
	struct sqlite_index *h = vh;
	int rc = writable(h, err);
	if (!rc)
		rc = db_exec(h, "DELETE FROM tags; DELETE FROM metrics; "
			     "DELETE FROM results; DELETE FROM series; "
			     "DELETE FROM runs;", err);
	/* a rebuild in bulk mode fills results without its secondary
	 * indexes; sq_commit builds them again (inside a transaction only:
	 * readers never see the index without them) */
	if (!rc && h->bulk && !h->dropped && !sqlite3_get_autocommit(h->db)) {
		rc = db_exec(h, RESULTS_INDEXES_DROP, err);
		if (!rc)
			h->dropped = 1;
	}
	return rc;
}

static int sq_set_tags(void *vh, const char *run_id, const char *const *tags,
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
	rc = has_run(h, run_id, err);
	if (!rc) {
		bind_str(s, 1, run_id);
		rc = step_done(h, s, err);
	}
	if (!rc)
		rc = insert_tags(h, run_id, tags, n_tags, err);
	return op_leave(h, 1, local, rc, err);
}

static int sq_set_location(void *vh, const char *run_id,
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
	rc = step_done(h, s, err);
	if (!rc)
		rc = changed_run(h, run_id, err);
	return op_leave(h, 1, local, rc, err);
}

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
	" FROM tags WHERE tags.run_id = runs.run_id) FROM runs WHERE 1"

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
		rc = bt_strbuf_addf(sql, " AND run_id IN (SELECT run_id FROM"
				    " results WHERE name = ?%d)",
				    ADD_BIND(f->benchmark));
	if (!rc && f->tag)
		rc = bt_strbuf_addf(sql, " AND run_id IN (SELECT run_id FROM"
				    " tags WHERE tag = ?%d)", ADD_BIND(f->tag));
	if (!rc && !f->include_archived)
		rc = bt_strbuf_adds(sql, " AND archive IS NULL");
#undef ADD_BIND
	return rc ? BT_ENOMEM : 0;
}

static int sq_query(void *vh, const struct bt_store_filter *f,
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
		rc = db_error(h, src, err);
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
		rc = db_error(h, src, err);
		goto done;
	}
	out->items = NULL;
	if (n) {
		out->items = bt__arena_alloc(a, n * sizeof *items);
		if (!out->items) {
			rc = BT_ENOMEM;
			goto done;
		}
		memcpy(out->items, items, n * sizeof *items);
	}
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

/* --- find_prefix ---------------------------------------------------------- */

/* max == 0 means no limit. Ids come in ascending order. */
static int sq_find_prefix(void *vh, const char *prefix, const char ***ids,
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
		rc = db_error(h, src, err);
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
		rc = db_error(h, src, err);
		goto done;
	}
	if (cnt) {
		const char **res = bt__arena_alloc(arena, cnt * sizeof *res);
		if (!res) {
			rc = BT_ENOMEM;
			goto done;
		}
		memcpy(res, list, cnt * sizeof *res);
		*ids = res;
		*n = cnt;
	}
done:
	sqlite3_finalize(s);
	free(list);
	bt__arena_free(tmp);
	return rc;
}

/* --- check ---------------------------------------------------------------- */

/* One row of a checking pragma, described into msg. */
static void add_problem(struct bt_strbuf *msg, sqlite3_stmt *s, int ok_row)
{
	const char *c0 = (const char *)sqlite3_column_text(s, 0);
	if (ok_row) {
		bt_strbuf_adds(msg, c0 ? c0 : "?");
		return;
	}
	/* foreign_key_check: table, rowid, parent table, fk id */
	const char *parent = (const char *)sqlite3_column_text(s, 2);
	bt_strbuf_addf(msg, "row %lld of %s refers to a missing %s row",
		       (long long)sqlite3_column_int64(s, 1), c0 ? c0 : "?",
		       parent ? parent : "?");
}

/* Runs a checking pragma; its rows other than a single "ok" are problems,
 * the first few of which go into the message. */
static int check_pragma(struct sqlite_index *h, const char *pragma,
			int ok_row, struct bt_strbuf *err)
{
	sqlite3_stmt *s = NULL;
	struct bt_strbuf msg = BT_STRBUF_INIT;
	size_t problems = 0;
	int rc = 0;
	int src = sqlite3_prepare_v2(h->db, pragma, -1, &s, NULL);
	if (src != SQLITE_OK)
		return db_error(h, src, err);
	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(s, 0);
		if (ok_row && t && !strcmp(t, "ok"))
			continue;
		if (problems < 5) {
			if (problems)
				bt_strbuf_adds(&msg, "; ");
			add_problem(&msg, s, ok_row);
		}
		problems++;
	}
	if (src != SQLITE_DONE)
		rc = db_error(h, src, err);
	else if (problems)
		rc = bt_error(err, BT_EIO, "%s: %s: %zu problem%s: %s%s",
			      h->path, pragma + 7, problems,
			      problems == 1 ? "" : "s", bt_strbuf_str(&msg),
			      problems > 5 ? "; ..." : "");
	sqlite3_finalize(s);
	bt_strbuf_release(&msg);
	return rc;
}

static int sq_check(void *vh, struct bt_strbuf *err)
{
	struct sqlite_index *h = vh;
	int rc = check_pragma(h, "PRAGMA quick_check", 1, err);
	if (!rc)
		rc = check_pragma(h, "PRAGMA integrity_check", 1, err);
	if (!rc)
		rc = check_pragma(h, "PRAGMA foreign_key_check", 0, err);
	return rc;
}

struct sqlite3 *bt__sqlite_db(void *vh)
{
	return ((struct sqlite_index *)vh)->db;
}

int bt__sqlite_error(void *vh, int rc, struct bt_strbuf *err)
{
	return db_error(vh, rc, err);
}

const struct bt_index_ops bt__index_sqlite = {
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.add_run = sq_add_run,
	.remove_run = sq_remove_run,
	.clear = sq_clear,
	.bulk = sq_bulk,
	.set_tags = sq_set_tags,
	.set_location = sq_set_location,
	.query = sq_query,
	.find_prefix = sq_find_prefix,
	.check = sq_check,
	.series = bt__sqlite_series,
};
