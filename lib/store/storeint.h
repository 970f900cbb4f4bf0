/* Internals shared by the files of lib/store (store.c, gc.c,
 * gc_recover.c, verify*.c, organize.c, archive.c). Not installed. */
#ifndef BENCHTRACK_STORE_INT_H
#define BENCHTRACK_STORE_INT_H

#include "benchtrack.h"
#include "index.h"

struct bt_pg;

struct bt_store {
	char *dir;       /* without a trailing '/'; for a PostgreSQL store
			    the URL without its password */
	int flags;       /* BT_STORE_* */
	const struct bt_index_ops *ops; /* NULL for a PostgreSQL store */
	struct bt_pg *pg; /* a PostgreSQL store (lib/store/pgint.h): every
			     public call goes to bt__pg_* */
};

/* Opens STORE/index.db through st->ops (readonly also when the store is
 * read-only). Close with st->ops->close(h). A missing index opened
 * read-only is BT_ENOTFOUND. */
int bt__store_index_open(struct bt_store *st, void **h, int readonly,
			 struct bt_strbuf *err);

/* Canonical params of r, "k=v;k=v" sorted by key, then value ("" for
 * none), into sb (reset first): what the indexes store and the series
 * filter. 0 or BT_ENOMEM. (sqlite_write.c) */
int bt__store_params_text(struct bt_strbuf *sb, const struct bt_result *r);

/* bt_store_reindex with the store lock held (lib/store/reindex.c); 0 when
 * the new index was committed, *n_unreadable run files and type directories
 * left out of it (then err says which, and *first_rc (optional) is the
 * error to return). */
int bt__store_reindex_locked(struct bt_store *st, bt_store_note_fn note, void *ud,
			     size_t *n_runs, size_t *n_results, size_t *n_unreadable,
			     int *first_rc, struct bt_strbuf *err);

/* 1 when t can be a type directory name ([A-Za-z0-9._-], no leading '.',
 * at most 64 bytes). */
int bt__store_valid_type(const char *t);

/* 1 when id is 8 to 64 hex digits (a run id). */
int bt__store_valid_id(const char *id);

/* 1 when t is a valid tag (the rule of bt_store_tag): 1 to 64 of
 * [A-Za-z0-9._:-]; 0 for NULL. */
int bt__store_valid_tag(const char *t);

/* Splits "YYYY-MM-DDTHH:MM..." into year, month, day and "HHMM"; 0 when
 * the shape is right, else BT_EINVAL. The run directory name is
 * "YYYY-MM-DD-HHMM-UTC-<first 8 digits of the run id>". */
int bt__store_split_time(const char *ts, char y[5], char mo[3], char d[3],
			 char hm[5]);

/* Walks STORE/by-type/<type>/<name> (store.c): fn(ud, type, name,
 * typedir) for each name not starting with '.' in each type directory;
 * typedir is "<dir>/by-type/<type>". strict: only types that
 * bt__store_valid_type accepts and that are directories themselves (not
 * links); else every type not starting with '.'. A missing by-type/ has
 * no entries; one that cannot be opened is BT_EIO naming it. A type entry
 * that is no directory (a stray file) or is gone holds no runs; one that
 * cannot be opened for another reason (permission, I/O) is passed to
 * unopened with the errno (NULL: skipped), which returns 0 to go on.
 * Stops at the first nonzero return of fn or unopened and returns it;
 * else 0 or BT_ENOMEM. */
typedef int (*bt__store_run_fn)(void *ud, const char *type, const char *name,
				const char *typedir);
typedef int (*bt__store_unopened_fn)(void *ud, const char *type,
				     const char *typedir, int errnum);
int bt__store_walk_runs(const char *dir, int strict, bt__store_run_fn fn,
			bt__store_unopened_fn unopened, void *ud,
			struct bt_strbuf *err);

/* A step after the files were written failed: rewrites err as "<what
 * fmt says>, but <err>; `benchtrack verify --repair` completes the store"
 * (with kept: "...; <kept> (`benchtrack verify --repair` completes the
 * store)"), with code rc. err may be NULL. */
void bt__store_half_done(struct bt_strbuf *err, int rc, const char *kept,
			 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Points STORE/latest/<type>.json at the newest indexed run of the type
 * (leaves it when the newest is archived). Called with the lock held. */
int bt__store_update_latest(struct bt_store *st, void *h, const char *type,
			    struct bt_strbuf *err);

/* Appends the text of STORE/README.md to out: rendered from all, the
 * index's runs as its query with include_archived gives them (newest
 * first); nothing else is read, nothing written. 0 or BT_ENOMEM.
 * bt_store_write_readme writes it into the store; verify compares it
 * with the file. */
int bt__store_readme_render(const struct bt_store_list *all, struct bt_strbuf *out);

/* The tags of a run directory (its "tags" file, one per line; none when
 * the file is missing), allocated in a. A file that cannot be read, or
 * is a symbolic link, is BT_EIO (or BT_ETOOBIG) with its path in err (may
 * be NULL). */
int bt__store_read_tags(const char *rundir, struct bt_arena *a,
			const char ***tags, size_t *n, struct bt_strbuf *err);

/* Finishes what an interrupted gc (or restore) left, from what is on
 * disk (lib/store/gc_recover.c); called with the store lock held. A run directory
 * of by-type/ whose run is also in the archive of its month: when the
 * archive holds it intact (run.json and tags byte for byte), the index
 * names the archive and the directory and its by-date link go
 * (note "finished"); when the copies differ and the directory's run.json
 * reads, the directory is the record: the index names it and the copy
 * leaves the archive (note "kept"); otherwise it is left for verify (note
 * "skip"). Temporary files of gc and restore processes that are gone are
 * removed; latest/ and README.md follow. *n_finished (optional) counts
 * the runs finished. A by-type/<type> directory that cannot be opened
 * (permission, I/O) is BT_EIO naming it, before any run is touched. */
int bt__gc_recover(struct bt_store *st, bt_store_note_fn note, void *ud,
		   size_t *n_finished, struct bt_strbuf *err);

/* The steps gc, restore and the recovery share (lib/store/gc.c); called
 * with the store lock held. */

/* 1 when s[0..n) is usable as one path component from an archive or the
 * index: not empty, no '/' or NUL, not starting with '.'. */
int bt__gc_plain_name(const char *s, size_t n);

/* latest/<type>.json after runs of type left by-type/: it follows the
 * newest run still there (through the open index h), and is removed when
 * none is left (it must never name a removed directory). */
int bt__gc_follow_latest(struct bt_store *st, void *h, const char *type,
			 struct bt_strbuf *err);

/* Removes the run directory rundir (named name) whole: renamed out of
 * by-type/ into STORE/.tmp/<name>.gc.<pid> first, so that a crash leaves
 * either the whole directory or a leftover that the next gc removes. A
 * directory already gone is not an error. */
int bt__gc_remove_run_dir(struct bt_store *st, const char *rundir,
			  const char *name, struct bt_strbuf *err);

/* Removes the by-date link of the run directory name ("YYYY-MM-DD-...")
 * of type, and the date directories it leaves empty. */
int bt__gc_remove_date_link(struct bt_store *st, const char *type,
			    const char *name, struct bt_strbuf *err);

/* Makes (or replaces) the by-date link of the run directory name
 * ("YYYY-MM-DD-...") of type. */
int bt__gc_make_date_link(struct bt_store *st, const char *type,
			  const char *name, struct bt_strbuf *err);

#endif
