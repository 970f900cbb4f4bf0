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
 * or out of memory (not skipped). Runs are keyed by an integer (rid) that
 * is never reused (AUTOINCREMENT); repeated texts by their strings id (the
 * tables of schema 2 are described at SCHEMA2_TABLES). Of the metrics,
 * only what the series read (the points), no samples.
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
 *
 * Files: this one holds the connection, the schema, transactions, bulk
 * mode and check; sqlite_write.c the writes of runs, sqlite_query.c the
 * queries of runs, sqlite_series.c those of series; sqliteint.h what
 * they share.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "internal.h"
#include "sqliteint.h"

#define BUSY_TIMEOUT_MS 10000

/* --- schema --------------------------------------------------------------- */

/* Schema 2 (the tables of the migration 1 -> 2 and of a new index):
 *
 *   runs     one row per run; rid, its integer key, is what the other
 *            tables refer to (run_id, the text id, only here)
 *   strings  the texts that repeat in every run (case names, groups,
 *            variants, types, params, units, metric names), each once;
 *            results and points hold their ids
 *   series   one row per series key (sid its integer key)
 *   results  one row per result, keyed (rid, idx): no rowid, no index
 *            of its own for the run's results
 *   points   the metric summaries the series queries read, clustered by
 *            (sid, rid, metric, idx): the points of a series lie
 *            together, in run order. Only results with status ok and a
 *            series key, only metrics with a median: the summaries of
 *            other results are in the run files, not in the index
 *   tags     (rid, tag)
 *
 * A run's points go with it through the trigger runs_points (results and
 * tags by foreign key cascade). */
#define SCHEMA2_TABLES                                                   \
	"CREATE TABLE runs ("                                            \
	" rid INTEGER PRIMARY KEY AUTOINCREMENT,"                        \
	" run_id TEXT NOT NULL UNIQUE,"                                  \
	" type TEXT NOT NULL,"                                           \
	" suite TEXT,"                                                   \
	" timestamp TEXT NOT NULL,"                                      \
	" duration_s REAL,"                                              \
	" commit_hash TEXT,"                                             \
	" branch TEXT,"                                                  \
	" dirty INTEGER,"                                                \
	" commit_time TEXT,"                                             \
	" machine_name TEXT,"                                            \
	" fingerprint TEXT,"                                             \
	" cpu_model TEXT,"                                               \
	" os TEXT,"                                                      \
	" path TEXT,"                                                    \
	" archive TEXT,"                                                 \
	" n_results INTEGER NOT NULL DEFAULT 0,"                         \
	" n_failed INTEGER NOT NULL DEFAULT 0,"                          \
	" schema TEXT);"                                                 \
	"CREATE TABLE strings ("                                         \
	" id INTEGER PRIMARY KEY,"                                       \
	" s TEXT NOT NULL UNIQUE);"                                      \
	"CREATE TABLE series ("                                          \
	" sid INTEGER PRIMARY KEY,"                                      \
	" series_key TEXT NOT NULL UNIQUE,"                              \
	" suite TEXT, name TEXT, variant TEXT, params TEXT,"             \
	" fingerprint TEXT, metric TEXT);"                               \
	"CREATE TABLE results ("                                         \
	" rid INTEGER NOT NULL REFERENCES runs(rid) ON DELETE CASCADE,"  \
	" idx INTEGER NOT NULL,"                                         \
	" name INTEGER, grp INTEGER, variant INTEGER, type INTEGER,"     \
	" params INTEGER," /* strings(id) */                             \
	" status TEXT,"                                                  \
	" message TEXT,"                                                 \
	" sid INTEGER," /* series(sid) */                                \
	" throughput REAL,"                                              \
	" throughput_unit INTEGER," /* strings(id) */                    \
	" peak_memory_bytes INTEGER,"                                    \
	" memory_bytes INTEGER,"                                         \
	" max_rel_err REAL,"                                             \
	" PRIMARY KEY (rid, idx)) WITHOUT ROWID;"                        \
	"CREATE TABLE points ("                                          \
	" sid INTEGER NOT NULL,"                                         \
	" rid INTEGER NOT NULL,"                                         \
	" metric INTEGER NOT NULL," /* strings(id) */                    \
	" idx INTEGER NOT NULL,"                                         \
	" unit INTEGER," /* strings(id) */                               \
	" direction INTEGER,"                                            \
	" n INTEGER,"                                                    \
	" median REAL NOT NULL, p25 REAL, p75 REAL, min REAL, max REAL," \
	" PRIMARY KEY (sid, rid, metric, idx)) WITHOUT ROWID;"           \
	"CREATE TABLE tags ("                                            \
	" rid INTEGER NOT NULL REFERENCES runs(rid) ON DELETE CASCADE,"  \
	" tag TEXT NOT NULL,"                                            \
	" PRIMARY KEY (rid, tag)) WITHOUT ROWID;"                        \
	"CREATE TRIGGER runs_points BEFORE DELETE ON runs BEGIN"         \
	" DELETE FROM points WHERE rid = old.rid AND sid IN"             \
	" (SELECT sid FROM results WHERE rid = old.rid AND"              \
	" sid IS NOT NULL); END;"

#define SCHEMA2_RUNS_INDEXES                                             \
	"CREATE INDEX runs_type_time ON runs(type, timestamp, run_id);"  \
	"CREATE INDEX runs_time ON runs(timestamp, run_id);"             \
	"CREATE INDEX runs_commit ON runs(commit_hash);"                 \
	"CREATE INDEX runs_branch ON runs(branch);"                      \
	"CREATE INDEX runs_machine ON runs(machine_name);"               \
	"CREATE INDEX runs_fingerprint ON runs(fingerprint);"            \
	"CREATE INDEX tags_tag ON tags(tag);"

/* The secondary indexes of results: a reindex (bulk mode) drops them
 * while it fills the table and builds them again at the end, in the same
 * transaction (an index built from the whole table is several times
 * faster than one kept up row by row). Keep them in step with the
 * latest schema. */
#define RESULTS_INDEXES                                                  \
	"CREATE INDEX results_name ON results(name);"
#define RESULTS_INDEXES_DROP                                             \
	"DROP INDEX IF EXISTS results_name;"

/* A text column of schema 1 as its strings id (NULL stays NULL). */
#define V1_SID(col) "(SELECT id FROM strings WHERE s = " col ")"

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
	"CREATE INDEX results_run ON results(run_id, idx);"
	"CREATE INDEX results_name ON results(name, run_id);"
	"CREATE INDEX results_series ON results(series_key);"
	"CREATE INDEX tags_tag ON tags(tag);",
	/* 1 -> 2: integer keys, interned strings, the points of the series
	 * clustered by series. Every run, result, series and tag is copied;
	 * of the metric summaries, those the series read (status ok, a
	 * series key, a median). */
	"DROP INDEX runs_type_time; DROP INDEX runs_time;"
	" DROP INDEX runs_commit; DROP INDEX runs_branch;"
	" DROP INDEX runs_machine; DROP INDEX runs_fingerprint;"
	" DROP INDEX IF EXISTS results_run; DROP INDEX IF EXISTS results_name;"
	" DROP INDEX IF EXISTS results_series; DROP INDEX tags_tag;"
	"ALTER TABLE tags RENAME TO v1_tags;"
	"ALTER TABLE metrics RENAME TO v1_metrics;"
	"ALTER TABLE results RENAME TO v1_results;"
	"ALTER TABLE series RENAME TO v1_series;"
	"ALTER TABLE runs RENAME TO v1_runs;"
	SCHEMA2_TABLES
	"INSERT INTO runs (run_id, type, suite, timestamp, duration_s,"
	" commit_hash, branch, dirty, commit_time, machine_name, fingerprint,"
	" cpu_model, os, path, archive, n_results, n_failed, schema)"
	" SELECT run_id, type, suite, timestamp, duration_s, commit_hash,"
	" branch, dirty, commit_time, machine_name, fingerprint, cpu_model,"
	" os, path, archive, n_results, n_failed, schema FROM v1_runs"
	" ORDER BY timestamp, run_id;"
	"INSERT INTO strings (s) SELECT s FROM (SELECT name AS s FROM v1_results"
	" UNION SELECT grp FROM v1_results UNION SELECT variant FROM v1_results"
	" UNION SELECT type FROM v1_results UNION SELECT params FROM v1_results"
	" UNION SELECT throughput_unit FROM v1_results"
	" UNION SELECT name FROM v1_metrics UNION SELECT unit FROM v1_metrics)"
	" WHERE s IS NOT NULL ORDER BY s;"
	"INSERT INTO series (series_key, suite, name, variant, params,"
	" fingerprint, metric) SELECT series_key, suite, name, variant, params,"
	" fingerprint, metric FROM v1_series ORDER BY series_key;"
	"INSERT OR IGNORE INTO series (series_key, suite, name, variant, params,"
	" fingerprint, metric) SELECT r.series_key, ru.suite, r.name, r.variant,"
	" r.params, ru.fingerprint, NULL FROM v1_results r JOIN v1_runs ru"
	" ON ru.run_id = r.run_id WHERE r.series_key IS NOT NULL;"
	"INSERT OR IGNORE INTO results (rid, idx, name, grp, variant, type,"
	" params, status, message, sid, throughput, throughput_unit,"
	" peak_memory_bytes, memory_bytes, max_rel_err) SELECT ru.rid, r.idx,"
	" " V1_SID("r.name") ", " V1_SID("r.grp") ", " V1_SID("r.variant") ","
	" " V1_SID("r.type") ", " V1_SID("r.params") ", r.status, r.message,"
	" (SELECT sid FROM series WHERE series_key = r.series_key),"
	" r.throughput, " V1_SID("r.throughput_unit") ", r.peak_memory_bytes,"
	" r.memory_bytes, r.max_rel_err FROM v1_results r JOIN runs ru"
	" ON ru.run_id = r.run_id ORDER BY ru.rid, r.idx;"
	"INSERT OR IGNORE INTO points (sid, rid, metric, idx, unit, direction,"
	" n, median, p25, p75, min, max) SELECT s.sid, ru.rid,"
	" " V1_SID("m.name") ", r.idx, " V1_SID("m.unit") ", m.direction, m.n,"
	" m.median, m.p25, m.p75, m.min, m.max FROM v1_metrics m"
	" JOIN v1_results r ON r.id = m.result_id"
	" JOIN runs ru ON ru.run_id = r.run_id"
	" JOIN series s ON s.series_key = r.series_key"
	" WHERE r.status = 'ok' AND m.median IS NOT NULL ORDER BY 1, 2, 3, 4;"
	"INSERT OR IGNORE INTO tags (rid, tag) SELECT ru.rid, t.tag FROM v1_tags t"
	" JOIN runs ru ON ru.run_id = t.run_id;"
	"DROP TABLE v1_metrics; DROP TABLE v1_tags; DROP TABLE v1_results;"
	" DROP TABLE v1_series; DROP TABLE v1_runs;"
	SCHEMA2_RUNS_INDEXES
	RESULTS_INDEXES,
};

#define SCHEMA_VERSION ((int)(sizeof migrations / sizeof migrations[0]))

/* --- cached statements ---------------------------------------------------- */

/* The SQL of each enum stmt_id (sqliteint.h). */
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
	[ST_INS_RESULT] = "INSERT OR FAIL INTO results (rid, idx, name, grp,"
			  " variant, type, params, status, message, sid,"
			  " throughput, throughput_unit, peak_memory_bytes,"
			  " memory_bytes, max_rel_err) VALUES (?1, ?2, ?3, ?4,"
			  " ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
	[ST_INS_POINT] = "INSERT OR IGNORE INTO points (sid, rid, metric, idx,"
			 " unit, direction, n, median, p25, p75, min, max)"
			 " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
			 " ?11, ?12)",
	[ST_INS_SERIES] = "INSERT INTO series (series_key, suite, name, variant,"
			  " params, fingerprint, metric) VALUES"
			  " (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[ST_GET_SERIES] = "SELECT sid FROM series WHERE series_key = ?1",
	[ST_INS_STR] = "INSERT INTO strings (s) VALUES (?1)",
	[ST_GET_STR] = "SELECT id FROM strings WHERE s = ?1",
	[ST_INS_TAG] = "INSERT OR IGNORE INTO tags (rid, tag)"
		       " VALUES (?1, ?2)",
	[ST_DEL_TAGS] = "DELETE FROM tags WHERE rid = ?1",
	[ST_HAS_RUN] = "SELECT rid FROM runs WHERE run_id = ?1",
	[ST_SET_LOC] = "UPDATE runs SET path = ?2, archive = ?3"
		       " WHERE run_id = ?1",
};


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

int bt__sqlite_writable(struct sqlite_index *h, struct bt_strbuf *err)
{
	if (h->readonly)
		return bt_error(err, BT_EINVAL, "%s: index opened read-only",
				h->path);
	return 0;
}

/* --- statement helpers ---------------------------------------------------- */

int bt__sqlite_stmt(struct sqlite_index *h, enum stmt_id id, sqlite3_stmt **out,
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
int bt__sqlite_step_done(struct sqlite_index *h, sqlite3_stmt *s,
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
	int rc = bt__sqlite_stmt(h, id, &s, err);
	return rc ? rc : bt__sqlite_step_done(h, s, err);
}

/* --- transactions --------------------------------------------------------- */

/* Every write operation is atomic on its own: outside begin/commit it runs
 * in its own BEGIN IMMEDIATE transaction (*local = 1). Inside the caller's
 * transaction (*local = 0) it runs under a savepoint when savepoint != 0,
 * so a failed operation leaves nothing behind; add_run does without one
 * (a savepoint copies every page it touches, a fifth of the cost of a
 * reindex): it validates the run before writing, and after an SQLite
 * failure the caller rolls back, as index.h asks. */
int bt__sqlite_op_enter(struct sqlite_index *h, int savepoint, int *local,
			struct bt_strbuf *err)
{
	*local = sqlite3_get_autocommit(h->db) != 0;
	if (*local)
		return run_simple(h, ST_BEGIN, err);
	return savepoint ? run_simple(h, ST_SAVEPOINT, err) : 0;
}

/* Ends what op_enter started: commits/releases when rc == 0, else rolls
 * back (err keeps the first error). Returns the final code. */
int bt__sqlite_op_leave(struct sqlite_index *h, int savepoint, int local, int rc,
			struct bt_strbuf *err)
{
	if (local || rc)
		bt__sqlite_forget(h);
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
	int from = version;
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
	/* a conversion leaves the old tables' pages free: the file shrinks
	 * to the new size (once; another process holding the index open
	 * only delays it to a later migration-free open: never needed) */
	if (!rc && from >= 1 && from < SCHEMA_VERSION)
		sqlite3_exec(h->db, "VACUUM", NULL, NULL, NULL);
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
	int rc = sqlite3_open_v2(name, &h->db, flags | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		rc = sql_error(h->db, h->path, rc, err);
		sqlite3_close_v2(h->db);
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
			sqlite3_close_v2(h->db);
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
		sqlite3_close_v2(h->db);
	}
	bt_strbuf_release(&h->params);
	bt__sqlite_forget(h);
	free(h->path);
	free(h);
}

/* --- transactions (ops) --------------------------------------------------- */

static int sq_begin(void *vh, struct bt_strbuf *err)
{
	struct sqlite_index *h = vh;
	int rc = bt__sqlite_writable(h, err);
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
	}
	bt__sqlite_forget(h);
	return run_simple(vh, ST_COMMIT, err);
}

static void sq_rollback(void *vh)
{
	struct sqlite_index *h = vh;
	if (h) {
		h->dropped = 0; /* the rollback brings them back */
		bt__sqlite_forget(h);
	}
	if (h && !sqlite3_get_autocommit(h->db))
		run_simple(h, ST_ROLLBACK, NULL);
}

/* --- ids of strings and series ------------------------------------------ */

/* Writing a run looks up the ids of its strings and series, nearly all
 * of them known already (one per case, not per run): the ids met in a
 * transaction are kept here, so that a rebuild asks SQLite once per
 * string. Forgotten when the transaction ends. */
static size_t map_slot(char *const *tab, size_t cap, const char *key)
{
	size_t i = (size_t)bt__fnv1a_str(BT__FNV_INIT, key) & (cap - 1);
	while (tab[i] && strcmp(tab[i], key))
		i = (i + 1) & (cap - 1);
	return i;
}

int bt__sqlite_map_get(const struct sq_map *m, const char *key,
		       sqlite3_int64 *val)
{
	if (!m->cap)
		return 0;
	size_t i = map_slot(m->keys, m->cap, key);
	if (!m->keys[i])
		return 0;
	*val = m->vals[i];
	return 1;
}

void bt__sqlite_map_put(struct sq_map *m, const char *key, sqlite3_int64 val)
{
	if (2 * (m->n + 1) > m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 1024;
		char **keys = calloc(cap, sizeof *keys);
		sqlite3_int64 *vals = malloc(cap * sizeof *vals);
		if (!keys || !vals) {
			free(keys);
			free(vals);
			return;
		}
		for (size_t i = 0; i < m->cap; i++)
			if (m->keys[i]) {
				size_t j = map_slot(keys, cap, m->keys[i]);
				keys[j] = m->keys[i];
				vals[j] = m->vals[i];
			}
		free(m->keys);
		free(m->vals);
		m->keys = keys;
		m->vals = vals;
		m->cap = cap;
	}
	size_t i = map_slot(m->keys, m->cap, key);
	if (!m->keys[i]) {
		if (!(m->keys[i] = strdup(key)))
			return;
		m->n++;
	}
	m->vals[i] = val;
}

static void map_reset(struct sq_map *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof *m);
}

void bt__sqlite_forget(struct sqlite_index *h)
{
	map_reset(&h->strs);
	map_reset(&h->sids);
}

/* --- bulk mode and clear ------------------------------------------------- */

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
	int rc = bt__sqlite_writable(h, err);
	if (!rc)
		rc = db_exec(h, "DELETE FROM tags; DELETE FROM points; "
			     "DELETE FROM results; DELETE FROM series; "
			     "DELETE FROM strings; DELETE FROM runs;", err);
	bt__sqlite_forget(h);
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
	.add_run = bt__sqlite_add_run,
	.remove_run = bt__sqlite_remove_run,
	.clear = sq_clear,
	.bulk = sq_bulk,
	.set_tags = bt__sqlite_set_tags,
	.set_location = bt__sqlite_set_location,
	.query = bt__sqlite_query,
	.census = bt__sqlite_census,
	.find_prefix = bt__sqlite_find_prefix,
	.check = sq_check,
	.series = bt__sqlite_series,
};
