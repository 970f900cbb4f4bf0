/* The results store (docs/STORE.md; docs/internals/ARCHITECTURE.md §7).
 *
 *     STORE/
 *       README.md                         generated index of the store
 *       index.db                          SQLite index: a cache of the files
 *       by-type/<type>/<YYYY-MM-DD-HHMM-UTC>-<id8>/run.json (+ tags)
 *       by-date/YYYY-MM/DD/<type>/<same dir name>  -> symlink to the run dir
 *       latest/<type>.json                -> symlink to the newest run.json
 *       comparisons/ archive/             saved comparisons, monthly archives
 *
 * The files are the record; index.db is rebuilt from them by
 * bt_store_reindex. A run directory appears whole or not at all (written
 * under STORE/.tmp, then renamed into place). Layout changes (links,
 * README, index) happen under an exclusive lock on STORE/.lock, so several
 * processes may store runs at once. Where symlinks cannot be made, copies
 * are written instead.
 *
 * The library never prints: problems and actions are reported through
 * callbacks and err.
 */
#ifndef BENCHTRACK_STORE_H
#define BENCHTRACK_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "result.h"
#include "strbuf.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BT_STORE_DEFAULT_DIR "benchmark_results"

struct bt_store; /* opaque */

enum bt_store_flags {
	BT_STORE_CREATE = 1,   /* create the store when missing */
	BT_STORE_READONLY = 2, /* never write (list, show, verify), but for
				* a missing index.db rebuilt on open */
	BT_STORE_NO_REBUILD = 4, /* leave a missing index.db missing (reindex, verify) */
};

/* Opens the store at dir (NULL: $BENCHTRACK_STORE, else
 * BT_STORE_DEFAULT_DIR). Without BT_STORE_CREATE a missing store is
 * BT_ENOTFOUND; a path that is not a directory is BT_EINVAL. The index is
 * opened (and created or migrated) lazily, except that a missing index.db
 * of a store holding runs is rebuilt here from the files, under the store
 * lock, also with BT_STORE_READONLY (the index is a cache), unless
 * BT_STORE_NO_REBUILD; the notify hook (bt_store_set_notify) reports it,
 * and where the store cannot be written that is an error naming
 * `benchtrack reindex`. *out is freed with bt_store_close. Errors name the
 * path.
 *
 * A PostgreSQL store: dir a "postgresql://" or "postgres://" URL or a libpq
 * key=value string ("host=... dbname=..."; PG* variables and ~/.pgpass
 * fill in as for psql). The database holds everything (docs/STORE.md
 * "Team stores"); a writable open creates or migrates the schema, a
 * read-only one of an empty database reads as an empty store. Messages
 * name it without its password. Then every function here may also
 * return, after retrying transient failures with reconnects for about
 * 10 s: BT_EUNREACHABLE (connection refused or lost, server shutting
 * down or starting: the store cannot be reached; `run` keeps the run in
 * a local file), BT_EAUTH (password or privileges refused),
 * BT_EUNSUPPORTED (a schema newer than this code). */
int bt_store_open(struct bt_store **out, const char *dir, int flags,
		  struct bt_strbuf *err);
void bt_store_close(struct bt_store *st);
/* The store's directory (owned by st); for a PostgreSQL store its URL
 * without the password (what messages print). */
const char *bt_store_dir(const struct bt_store *st);
/* 1 for a PostgreSQL store (no directory: the runs, acks and comparisons
 * are in the database; README.md, latest/ and the caches are not kept). */
int bt_store_is_remote(const struct bt_store *st);
/* Where a cache of the store named name (a relative path: ".cache/...")
 * is kept: STORE/name for a directory store; for a PostgreSQL store a
 * cache of this machine, $XDG_CACHE_HOME/benchtrack/pg-HASH/name (else
 * ~/.cache/benchtrack/...; HASH of the URL without its password), its
 * folder made. malloc'd; NULL when out of memory or when there is no
 * such place (no HOME): then keep no cache. */
char *bt_store_cache_path(const struct bt_store *st, const char *name);
/* A short text (into out, size bytes) that changes whenever runs, tags or
 * acks of a PostgreSQL store change (serve's watch); "" for a directory
 * store, whose files say it. */
int bt_store_stamp(struct bt_store *st, char *out, size_t size,
		   struct bt_strbuf *err);

/* Stores run: its directory, the by-date link, latest/<type>.json when it
 * is the newest of its type, the index and README.md. run must have
 * run_id, benchmark_type and timestamp. On success *path (if not NULL) is
 * the malloc'd path of the stored run.json (caller frees). A run id that is
 * already stored is BT_EEXISTS. On a failure after the run directory was
 * renamed into place the run is kept (the files are the record) and the
 * error says that verify --repair completes it. On a PostgreSQL store
 * the run and its rows are one transaction keyed by the run id (whole or
 * not at all; BT_EEXISTS when the id is there, except for this put's own
 * run after a commit whose answer was lost); *path is "URL#RUNID". */
int bt_store_put(struct bt_store *st, const struct bt_run *run, char **path,
		 struct bt_strbuf *err);

/* One run as the index knows it. Strings owned by the list. */
struct bt_store_entry {
	const char *run_id;
	const char *type;
	const char *suite;
	const char *timestamp;
	const char *commit;      /* NULL when unknown */
	const char *branch;
	int dirty;               /* 1, 0, -1 unknown */
	const char *machine;     /* machine name */
	const char *fingerprint;
	const char *path;        /* run.json relative to the store; NULL when archived */
	const char *archive;     /* archive file relative to the store, or NULL */
	size_t n_results, n_failed;
	int milestone;           /* tagged "milestone" */
	const char **tags;
	size_t n_tags;
};

struct bt_store_list {
	struct bt_store_entry *items; /* newest first */
	size_t n;
	struct bt_arena *arena;
};

/* Filters of bt_store_query; NULL / 0 fields do not filter. */
struct bt_store_filter {
	const char *run_id;      /* exactly this run */
	const char *type;
	const char *since;       /* timestamp >= since (ISO 8601 date or time) */
	const char *until;       /* timestamp < until; a bare date includes that day */
	const char *commit;      /* prefix of the commit hash */
	const char *branch;
	const char *machine;     /* machine name or fingerprint */
	const char *benchmark;   /* runs with a result of that benchmark name */
	const char *tag;
	int include_archived;
	size_t limit;            /* 0 = all */
};

/* Runs matching f, newest first. out need not be initialised; release
 * with bt_store_list_release (on failure it is left empty, released). */
int bt_store_query(struct bt_store *st, const struct bt_store_filter *f,
		   struct bt_store_list *out, struct bt_strbuf *err);
void bt_store_list_release(struct bt_store_list *l);

/* Resolves a reference to a stored run: a run id or a unique prefix of
 * one (at least 4 hex digits), a path to a run.json or run directory
 * (absolute, relative to the cwd or to the store), "latest" (newest run),
 * "latest:TYPE", or a commit hash / prefix (the newest run at that
 * commit). Ambiguous prefixes are BT_EINVAL listing candidates; nothing
 * found is BT_ENOTFOUND. A path that names something else than a file or
 * directory (a FIFO) is BT_EIO; so is a stored run (found through the
 * index or by a path relative to the store) whose run.json or directory
 * is a symbolic link: store files are never read through links, while a
 * path given as is (absolute or relative to the working directory) is.
 * *path receives the malloc'd run.json path. On a PostgreSQL store only
 * a file path resolves (a stored run is no file: BT_EUNSUPPORTED; use
 * bt_store_load). */
int bt_store_resolve(struct bt_store *st, const char *ref, char **path,
		     struct bt_strbuf *err);

/* Loads a resolved run into run (initialised, empty). */
int bt_store_load(struct bt_store *st, const char *ref, struct bt_run *run,
		  struct bt_strbuf *err);

/* Rebuilds index.db from the files (run directories, archives, tags): the
 * old contents are cleared and the files added in one transaction, so
 * readers see the old index or the new one; an unreadable index.db is
 * replaced. A run both in by-type/ and in an archive (an interrupted gc)
 * is indexed and counted once, as archived. *n_runs and *n_results
 * (optional) receive the counts. A run directory whose run.json (or tags
 * file) cannot be read, or is a symbolic link, is left out: every other
 * run is indexed and the new index committed all the same, and then the
 * result is the error of the first such run (BT_EPARSE, BT_EIO...) with
 * err naming it and saying how many there were. So is a by-type/<type>
 * directory that cannot be opened (permission, I/O; BT_EIO naming it):
 * the runs of the other types are indexed and committed. An archive
 * that cannot be read stops the rebuild (the old index stays). */
int bt_store_reindex(struct bt_store *st, size_t *n_runs, size_t *n_results,
		     struct bt_strbuf *err);

/* Adds (add != 0) or removes a tag of a stored run (ref as in resolve).
 * Tags are kept in the run directory (file "tags") and in the index. */
int bt_store_tag(struct bt_store *st, const char *ref, const char *tag,
		 int add, struct bt_strbuf *err);

/* Regenerates README.md from the index. */
int bt_store_write_readme(struct bt_store *st, struct bt_strbuf *err);

/* Progress and problem reports of the long operations below: what is a
 * short verb ("archive", "restore", "place", "skip", "problem",
 * "repaired"), path the file concerned, detail a sentence or NULL. */
typedef void (*bt_store_note_fn)(void *ud, const char *what, const char *path,
				 const char *detail);

/* bt_store_reindex that also reports each run left out through
 * note(ud, "unreadable", path of its run.json, why), and each type
 * directory that could not be opened through note(ud, "unreadable", its
 * path, strerror), and counts both in *n_unreadable (optional; 0 unless
 * the new index was committed without them: a non-zero count with an
 * error means the others are indexed). */
int bt_store_reindex_notes(struct bt_store *st, bt_store_note_fn note, void *ud,
			   size_t *n_runs, size_t *n_results,
			   size_t *n_unreadable, struct bt_strbuf *err);

/* The reporter of what the store does on its own, unasked: a missing
 * index.db rebuilt by bt_store_open (note(ud, "rebuilt", path of
 * index.db, "missing: rebuilt from N runs...")) and the runs that rebuild
 * left out (note "unreadable"). Process-wide; NULL (the default) reports
 * nothing. Set it before opening stores (it is not synchronised). */
void bt_store_set_notify(bt_store_note_fn fn, void *ud);

/* Retention (lib/store/gc.c): runs older than keep_days (by their
 * timestamp, against now, or o->now when set: "YYYY-MM-DDTHH:MM:SSZ")
 * that are not tagged "milestone" move into STORE/archive/YYYY-MM.tar.gz
 * (by the run's month; gzip-compressed tar, readable by tar); their
 * directories and by-date links are removed, the index keeps their
 * summaries with the archive as location, latest/ and README.md follow.
 * With dry_run nothing changes and note() lists what would move. */
struct bt_gc_opts {
	int keep_days;    /* default 30 when 0 */
	int dry_run;
	const char *now;  /* NULL: the current time */
};
int bt_store_gc(struct bt_store *st, const struct bt_gc_opts *o,
		bt_store_note_fn note, void *ud, size_t *n_archived,
		struct bt_strbuf *err);

/* Brings an archived run (ref: run id or prefix, or commit) back into
 * by-type/ (and its link into by-date/), removes it from its archive, and
 * updates the index. *path (optional) receives its run.json path. */
int bt_store_restore(struct bt_store *st, const char *ref, char **path,
		     struct bt_strbuf *err);

/* Migration of a flat folder of legacy result files (lib/store/organize.c):
 * every regular file of src (not recursive unless recursive) is read,
 * never changed: benchtrack runs, the seed proposal's metadata JSON and
 * the HF benchmark_v2 JSON are converted to runs and stored, their
 * originals copied to STORE/archive/legacy/; every file that cannot be
 * placed is reported through note("skip", path, reason). Duplicates (same
 * content) are placed once. With dry_run, st may be NULL (no store yet)
 * and placements are reported as note("would place", ...). */
struct bt_organize_opts {
	int dry_run;
	int recursive;
};
int bt_store_organize(struct bt_store *st, const char *src,
		      const struct bt_organize_opts *o, bt_store_note_fn note,
		      void *ud, size_t *n_placed, size_t *n_skipped,
		      struct bt_strbuf *err);

/* Checks the whole store (lib/store/verify.c): every run file parses and
 * matches the schema and sits where its type, timestamp and id say; no
 * dangling or missing by-date / latest links; README.md current; the
 * index consistent with the files (same runs, locations, tags) and
 * passing its integrity check; no leftovers in .tmp. Each problem goes to
 * note("problem", path, what). With repair, what can be derived is fixed
 * (links, README, index, leftovers; a broken run file is moved to
 * STORE/quarantine/, never deleted) and reported as note("repaired", ...).
 * *n_problems counts the problems found (before repair). */
int bt_store_verify(struct bt_store *st, int repair, bt_store_note_fn note,
		    void *ud, size_t *n_problems, struct bt_strbuf *err);

/* --- Series and acknowledgements (lib/store/series.c) ---------------------
 * A series is what one result of a benchmark measures over time: the runs
 * whose result has the same series_key (suite, name, variant, params,
 * machine fingerprint, metric, version: docs/internals/ARCHITECTURE.md
 * §6). One point per run. */
struct bt_series_point {
	const char *run_id;
	const char *commit;      /* NULL when unknown */
	const char *timestamp;
	double value;            /* median of the metric */
	double p25, p75, min, max; /* spread of that run's samples (NAN unknown) */
	size_t n;                /* samples */
};

struct bt_series {
	const char *series_key;
	const char *suite, *name, *variant;
	const char *params;      /* canonical "k=v;k=v" ("" for none) */
	const char *fingerprint, *machine;
	const char *metric, *unit;
	int direction;           /* BT_LOWER_IS_BETTER / BT_HIGHER_IS_BETTER */
	struct bt_series_point *points; /* oldest first (timestamp, run id) */
	size_t n;
};

/* Which series bt_store_series visits; NULL / 0 fields do not filter.
 * params are "k=v" strings that must all hold. */
struct bt_series_filter {
	const char *series_key;  /* the key or a unique prefix of it */
	const char *suite, *name, *variant;
	const char *machine;     /* machine name or fingerprint */
	const char *const *params;
	size_t n_params;
	const char *metric;      /* metric to read (NULL: "time"; "*": every
				    metric, one series per key and metric,
				    by key, then metric name) */
	const char *since;       /* points at or after this timestamp */
	const char *const *runs; /* with n_runs: only the series that have a
				    point from one of these runs (run ids;
				    every point of them is read): what new
				    runs touched */
	size_t n_runs;
	int values_only;         /* the caller reads only each point's value,
				    run, commit and time: a store may leave
				    p25, p75, min and max NaN and n 0 (the
				    PostgreSQL store then moves half the
				    data: `regressions`) */
};

/* Calls fn once per matching series (ordered by series key) with the
 * points of its results that ran ok (failed cases have no value); the series and its strings live until fn returns. A non-zero
 * return of fn stops the walk and is returned. Series without a point of
 * the metric are skipped. *n_series (optional) receives how many were
 * visited. Errors name the index. */
typedef int (*bt_series_fn)(void *ud, const struct bt_series *s);
int bt_store_series(struct bt_store *st, const struct bt_series_filter *f,
		    bt_series_fn fn, void *ud, size_t *n_series,
		    struct bt_strbuf *err);

/* An accepted change of a series (benchtrack ack): from commit on, the
 * series' new level is intended. Kept in STORE/acks.json (the record; the
 * index does not hold them). */
struct bt_ack {
	const char *series_key;
	const char *commit;      /* full hash or prefix as given */
	const char *reason;
	const char *who;         /* user name */
	const char *when;        /* ISO 8601 UTC */
};

struct bt_ack_list {
	struct bt_ack *items;    /* in the order they were made */
	size_t n;
	struct bt_arena *arena;
};

/* Records an acknowledgement (under the store lock, written atomically).
 * who NULL: $USER / the login name. One entry per series and commit: an
 * ack of a series at a commit it already has (the same commit, or one a
 * prefix of the other) is not stored twice; with the same reason nothing
 * changes, with another the entry's reason, who and when are replaced. */
int bt_store_ack(struct bt_store *st, const char *series_key,
		 const char *commit, const char *reason, const char *who,
		 struct bt_strbuf *err);
/* The same for n series at once, in one write (benchtrack ack --filter),
 * with what became of each in out[i]. Nothing is written when nothing
 * changes. */
struct bt_ack_req {
	const char *series_key;
	const char *commit;      /* full hash */
};
enum bt_ack_outcome {
	BT_ACK_ADDED,            /* a new entry */
	BT_ACK_EXISTS,           /* the same series, commit and reason: kept */
	BT_ACK_UPDATED,          /* the same series and commit: reason replaced */
};
int bt_store_ack_many(struct bt_store *st, const struct bt_ack_req *req, size_t n,
		      const char *reason, const char *who, enum bt_ack_outcome *out,
		      struct bt_strbuf *err);
/* All acknowledgements (an empty list when there are none). out need not
 * be initialised; release with bt_ack_list_release. A malformed acks.json
 * is BT_EPARSE naming the file and entry. */
int bt_store_acks(struct bt_store *st, struct bt_ack_list *out,
		  struct bt_strbuf *err);
void bt_ack_list_release(struct bt_ack_list *l);
/* 1 when commit (a full hash) is acknowledged for series_key: an ack whose
 * commit is a prefix of it. */
int bt_ack_matches(const struct bt_ack_list *l, const char *series_key,
		   const char *commit);

/* Saves the files of a comparison under STORE/comparisons/NAME/ (each
 * written atomically; files of the same name are replaced). name must be
 * [A-Za-z0-9._-], not starting with '.', at most 64 bytes. *dir
 * (optional) receives the malloc'd directory path. */
struct bt_store_file {
	const char *name;
	const char *data;
	size_t len;
};
int bt_store_save_comparison(struct bt_store *st, const char *name,
			     const struct bt_store_file *files, size_t n,
			     char **dir, struct bt_strbuf *err);

#ifdef __cplusplus
}
#endif
#endif
