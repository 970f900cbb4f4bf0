/* What the files of bt_store_verify share (internal to lib/store):
 *
 *   verify.c         the context and its helpers, the run directories of
 *                    by-type/ (read, placed, moved or quarantined),
 *                    leftovers of interrupted writes, the repairs of the
 *                    derived files and the entry point bt_store_verify
 *   verify_links.c   the links derived from the runs: by-date/ and latest/
 *   verify_index.c   the archives, index.db and README.md
 *
 * The order of the checks and repairs, and why, is the comment at the top
 * of verify.c. Every function here reports through c (notes, problems,
 * c->rc); paths called rel are relative to the store, and strings made
 * by them live in c->a.
 */
#ifndef BENCHTRACK_STORE_VERIFYINT_H
#define BENCHTRACK_STORE_VERIFYINT_H

#include <dirent.h>
#include <stdarg.h>

#include "storeint.h"
#include "internal.h"

/* The most bytes read of a run.json or an archive member. */
#define MEMBER_CAP (256u << 20)

/* What becomes of a run directory of by-type/ (struct vrun action). */
enum { RUN_OK, RUN_MOVE, RUN_QUARANTINE };

/* One entry of by-type/<type>/. */
struct vrun {
	const char *cur;      /* "by-type/T/N" as found */
	const char *dest;     /* where it belongs ("by-type/type/name"); NULL broken */
	const char *base;     /* N: the name used in quarantine/ */
	const char *type, *name, *id, *ts; /* from run.json (NULL when broken) */
	char ym[8], day[3];   /* date directories of its by-date link */
	size_t n_results;
	const char **tags;    /* the valid tags of its tags file */
	size_t n_tags;
	const char *why;      /* what is wrong with it (action != RUN_OK) */
	const char *where;    /* the path that problem is reported with */
	const char *tags_why; /* what is wrong with its tags file, or NULL */
	int action;
	int moved;            /* the repair moved it to dest */
	int linked;           /* its by-date link was found */
	int archived_too;     /* its id is also in an archive */
};

/* One run of an archive. */
struct varch {
	const char *id, *type, *ts, *archive;
	size_t n_results;
	const char **tags;
	size_t n_tags;
};

/* One bt_store_verify: its options, what it found, and the first failed
 * repair (rc, detail in err). */
struct ctx {
	struct bt_store *st;
	int repair;
	bt_store_note_fn note;
	void *ud;
	size_t problems;
	struct bt_arena *a;
	struct vrun *runs;
	size_t n_runs, runs_alloc;
	struct varch *arch;
	size_t n_arch, arch_alloc;
	const char **bad_arch; /* archives that cannot be read (relative) */
	size_t n_bad_arch, bad_arch_alloc;
	struct vrun **good;    /* runs that stay in by-type, by type and name */
	size_t n_good;
	int lock;
	int index_bad;         /* the index needs a rebuild */
	int readme_bad;
	const char **latest_fix; /* latest/ entries to fix (file names) */
	size_t n_latest_fix, latest_fix_alloc;
	int rc;                /* first failed repair */
	struct bt_strbuf *err;
};

/* --- helpers (verify.c) --------------------------------------------------- */

/* printf into the arena; NULL when out of memory. */
const char *bt__verify_afmt(struct ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The absolute (store-prefixed) path of rel, in the arena; NULL when out
 * of memory. */
const char *bt__verify_abs_path(struct ctx *c, const char *rel);

/* A note (what: "problem", "repaired") about rel (NULL: the store) to
 * c->note, if any; nothing is counted. */
void bt__verify_vnote(struct ctx *c, const char *what, const char *rel,
		      const char *fmt, va_list ap);
void bt__verify_vnote_f(struct ctx *c, const char *what, const char *rel,
			const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* A problem found (counted) and a repair made, as notes; printf-checked
 * through vnote_f. */
#define problem(c, rel, ...) \
	((c)->problems++, bt__verify_vnote_f((c), "problem", (rel), __VA_ARGS__))
#define repaired(c, rel, ...) bt__verify_vnote_f((c), "repaired", (rel), __VA_ARGS__)

/* A repair that failed: the first one (with its detail e, may be NULL)
 * becomes the result of bt_store_verify; the others are tried all the
 * same. */
void bt__verify_repair_failed(struct ctx *c, int rc, const struct bt_strbuf *e);

/* The end of a repair with the detail in err (released): BT_ENOMEM is
 * passed on; any other failure goes to bt__verify_repair_failed and
 * verify goes on (0). */
int bt__verify_repair_done(struct ctx *c, int rc, struct bt_strbuf *err);

/* Removes the leftover rel with everything in it (a repair, noted). */
void bt__verify_remove_leftover(struct ctx *c, const char *rel);

/* 1 when name is the temporary file of an interrupted atomic write or
 * link replacement ("X.tmp.PID" of a process that is gone); 2 when it is
 * the temporary file of a live process (leave it alone); else 0. */
int bt__verify_tmp_leftover(const char *name);

/* Moves rel into STORE/quarantine/<base> (base.1, base.2, ... when
 * taken); *where receives the new relative path. BT_EIO when it cannot be
 * moved, BT_EEXISTS after 1000 copies, BT_ENOMEM. */
int bt__verify_quarantine(struct ctx *c, const char *rel, const char *base,
			  const char **where, struct bt_strbuf *err);

/* The error text msg without a leading "<path>: " (notes carry the
 * path), in the arena ("?" when out of memory). */
const char *bt__verify_strip_path_c(struct ctx *c, const char *msg,
				    const char *path);

/* The entries of dir sorted by name (*n of them, malloc'd; free them with
 * bt__verify_free_list), or NULL when dir cannot be read (missing, not a
 * directory). */
struct dirent **bt__verify_list_dir(const char *dir, int *n);
void bt__verify_free_list(struct dirent **v, int n);

/* The order of c->good (struct vrun * by type, then name), for qsort and
 * bsearch. */
int bt__verify_cmp_name(const void *a, const void *b);

/* --- links (verify_links.c) ----------------------------------------------- */

/* Checks every entry of by-date/ against c->good and the runs that move
 * (and, with repair, fixes it), then the good runs without a link. */
int bt__verify_scan_by_date(struct ctx *c);

/* Checks latest/<type>.json of every type (the newest run of c->good that
 * is not also archived) and the entries of types without a run; the ones
 * to fix go into c->latest_fix. */
int bt__verify_check_latest(struct ctx *c);

/* Points latest/<file> at the newest run of its type, or takes it away
 * (into quarantine/ when it is a file) when there is none; reindexed:
 * bt_store_reindex already did it. A failure goes to repair_failed. */
void bt__verify_fix_latest(struct ctx *c, const char *file, int reindexed);

/* --- archives and the index (verify_index.c) ------------------------------ */

/* Reads the runs of every archive/<month>.tar.gz into c->arch (one that
 * cannot be read goes into c->bad_arch, a problem), marks the good runs
 * that are also archived and, with repair, finishes the interrupted gc
 * (bt__gc_recover). */
int bt__verify_scan_archives(struct ctx *c);

/* Opens and checks index.db and compares its runs with the files (sets
 * c->index_bad), then README.md with a rendering of those runs (sets
 * c->readme_bad). Nothing is written. */
int bt__verify_check_index(struct ctx *c);

#endif
