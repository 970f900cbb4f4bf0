/* The store's index behind a backend vtable (SQLite now, PostgreSQL later).
 * Internal to lib/store; the commands only see include/benchtrack/store.h.
 *
 * The index is a cache of the files: every fact in it can be derived from
 * the run directories, their tags files and the archives. All strings
 * passed in are copied; nothing returned outlives the call except through
 * the caller's struct bt_store_list (its arena).
 */
#ifndef BENCHTRACK_STORE_INDEX_H
#define BENCHTRACK_STORE_INDEX_H

#include "benchtrack.h"
#include "benchtrack/store.h"

/* Where a run's file is: exactly one of path (run.json relative to the
 * store) or archive (archive file relative to the store, member name
 * "<run dir name>/run.json") is set. */
struct bt_index_loc {
	const char *path;
	const char *archive;
};

/* Flags of open. */
#define BT__INDEX_READONLY 1
/* Writable only (reindex): an index found damaged (not an index, corrupt,
 * a schema version this code cannot update) is deleted and created
 * afresh; any other failure to open (permission, I/O, locked) is returned
 * with the file left alone. */
#define BT__INDEX_REPLACE_DAMAGED 2

struct bt_index_ops {
	const char *name; /* "sqlite" */
	/* Opens (creating and migrating when not BT__INDEX_READONLY) the
	 * index at location (for SQLite a file path); flags as above. */
	int (*open)(void **h, const char *location, int flags,
		    struct bt_strbuf *err);
	void (*close)(void *h);
	/* Groups changes: begin ... commit (or rollback on error). */
	int (*begin)(void *h, struct bt_strbuf *err);
	int (*commit)(void *h, struct bt_strbuf *err);
	void (*rollback)(void *h);
	/* Inserts or replaces a run with its results, the points of its
	 * series (the summaries the series read: median, quartiles, min,
	 * max, count; no raw samples), series and tags. */
	int (*add_run)(void *h, const struct bt_run *run,
		       const struct bt_index_loc *loc, const char *const *tags,
		       size_t n_tags, struct bt_strbuf *err);
	int (*remove_run)(void *h, const char *run_id, struct bt_strbuf *err);
	/* Removes every run (inside the caller's transaction). */
	int (*clear)(void *h, struct bt_strbuf *err);
	/* Bulk mode on/off for a rebuild, outside a transaction: the backend
	 * may skip integrity checks that the data needs no more. */
	int (*bulk)(void *h, int on, struct bt_strbuf *err);
	int (*set_tags)(void *h, const char *run_id, const char *const *tags,
			size_t n_tags, struct bt_strbuf *err);
	int (*set_location)(void *h, const char *run_id,
			    const struct bt_index_loc *loc,
			    struct bt_strbuf *err);
	/* Runs matching f, newest first (timestamp, then run_id), into out
	 * (initialised by the caller with an arena). */
	int (*query)(void *h, const struct bt_store_filter *f,
		     struct bt_store_list *out, struct bt_strbuf *err);
	/* Run ids starting with prefix (at most max, into ids allocated in
	 * out's arena), for resolving references. */
	/* What README.md counts, without reading the runs: *n_runs (the
	 * archived included), *n_archived of them, and the distinct types
	 * of runs (*n_types, in byte order, allocated in arena). */
	int (*census)(void *h, size_t *n_runs, size_t *n_archived,
		      const char ***types, size_t *n_types,
		      struct bt_arena *arena, struct bt_strbuf *err);
	int (*find_prefix)(void *h, const char *prefix, const char ***ids,
			   size_t *n, size_t max, struct bt_arena *arena,
			   struct bt_strbuf *err);
	/* Integrity: 0 when the database is readable and consistent
	 * (PRAGMA integrity_check for SQLite), else BT_EIO with detail. */
	int (*check)(void *h, struct bt_strbuf *err);
	/* The series matching f, one call of fn per series (see
	 * bt_store_series in store.h). */
	int (*series)(void *h, const struct bt_series_filter *f,
		      bt_series_fn fn, void *ud, size_t *n_series,
		      struct bt_strbuf *err);
};

extern const struct bt_index_ops bt__index_sqlite;
/* Its internals are in lib/store/sqliteint.h. */

#endif
