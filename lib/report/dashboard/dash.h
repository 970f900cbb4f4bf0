/* The dashboard's room (lib/report/dashboard/): what its files share.
 * Internal to these files; the public contract is
 * include/benchtrack/dashboard.h, the files it writes are described in
 * dashboard.c.
 *
 *     dashboard.c   bt_dashboard_write: the folders, the run list, the
 *                   order of the steps, atomic file writes, stale files
 *     js.c          JavaScript text: strings, numbers (these helpers)
 *     trends.c      data/series/KEY.js (the trends) and the overview's
 *                   open regressions
 *     runs.c        data/runs/ID.js, written by a pool of threads
 *     index.c       data/index.js and the HTML pages
 */
#ifndef BENCHTRACK_DASHBOARD_DASH_H
#define BENCHTRACK_DASHBOARD_DASH_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "benchtrack/analysis.h"
#include "benchtrack/dashboard.h"
#include "benchtrack/error.h"
#include "benchtrack/regress.h"
#include "benchtrack/store.h"
#include "benchtrack/strbuf.h"

/* What one series adds to index.js (state.c): its entry in
 * index.series, its open regressions and events, and its counts. A build
 * makes one per series (the series callback); the next build reuses those
 * of the series that no new run touched. */
struct dash_rec {
	char *key, *metric, *stem;
	char *ix;                         /* its index.series entry (with ",\n") */
	struct reg { char *t; char *json; } *regs, *evs;
	size_t n_regs, n_evs;
	size_t points, acked, pending, reverted, kept;
};

/* One build of the dashboard: set up by bt_dashboard_write, filled by
 * the series callback and the run pool, read by the index writer. */
struct dash {
	struct bt_store *st;
	const char *dir;
	const char *title;
	char *store_real;                 /* realpath of the store */
	struct bt_strbuf *err;
	struct bt_strbuf *run_errors;     /* opts->run_errors, or NULL */
	struct bt_dashboard_stats stats;

	struct bt_store_list runs;        /* newest first */
	const struct bt_store_entry **by_id; /* sorted by run id */
	unsigned char *has_page;          /* per runs.items index */
	struct bt_ack_list acks;
	struct bt_cp_opts cp;

	struct bt_strbuf series_ix;       /* entries of index.series */
	struct reg *regs;
	size_t n_regs, alloc_regs, acked;
	/* pending changes and reverted excursions worse for the metric, not
	 * acknowledged (bt_series_events): index.js "events" */
	struct reg *evs;
	size_t n_evs, alloc_evs, n_pending, n_reverted;
	size_t stats_series_kept;        /* series files kept unchanged */
	char **written;                   /* series file stems written */
	size_t n_written, alloc_written;
	struct bt_strbuf file;            /* scratch: one file's text */
	struct bt_cp_cache *cpc;          /* the store's change points, or NULL */
	struct dash_rec *recs;            /* per series visited, in order */
	size_t n_recs, alloc_recs;
};

/* --- JavaScript text (js.c; the small ones inline here) --- */

/* A JSON string (valid JavaScript): quotes, backslashes, control
 * characters, '<' (no "</script>" can form) and U+2028/2029 escaped;
 * NULL is null. */
void bt__js_str(struct bt_strbuf *b, const char *s);

/* A number with 6 significant digits as %.6g writes it (hover text and
 * plots need no more); NAN and infinities are null. */
void bt__js_num(struct bt_strbuf *b, double v);

/* A whole number, without printf. */
static inline void bt__js_int(struct bt_strbuf *b, long long v)
{
	char t[24], *p = t + sizeof t;
	unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	bt_strbuf_add(b, p, (size_t)(t + sizeof t - p));
}

/* "key": */
static inline void bt__js_key(struct bt_strbuf *b, const char *k)
{
	bt_strbuf_addc(b, '"');
	bt_strbuf_adds(b, k);
	bt_strbuf_add(b, "\":", 2);
}

static inline void bt__js_kstr(struct bt_strbuf *b, const char *k, const char *v)
{
	bt__js_key(b, k);
	bt__js_str(b, v);
	bt_strbuf_addc(b, ',');
}

static inline void bt__js_knum(struct bt_strbuf *b, const char *k, double v)
{
	bt__js_key(b, k);
	bt__js_num(b, v);
	bt_strbuf_addc(b, ',');
}

static inline void bt__js_kint(struct bt_strbuf *b, const char *k, long long v)
{
	bt__js_key(b, k);
	bt__js_int(b, v);
	bt_strbuf_addc(b, ',');
}

/* Drops a trailing ',' before a closing bracket. */
static inline void bt__js_close(struct bt_strbuf *b, char c)
{
	if (b->len && b->buf[b->len - 1] == ',')
		b->len--;
	bt_strbuf_addc(b, c);
}

/* --- files (dashboard.c) --- */

/* Writes data to dir/rel atomically (temporary file + rename); tag tells
 * the temporary files of concurrent writers apart. The temporary file is
 * created new (O_EXCL, O_NOFOLLOW): a file or symlink planted under its
 * name is never written through; another name is tried instead. */
int bt__dash_put_file_at(const char *dir, const char *rel, const char *data, size_t len,
			 unsigned tag, struct bt_strbuf *err);

/* bt__dash_put_file_at into d->dir (tag 0), counted in d->stats.files;
 * BT_ENOMEM when d->file or d->series_ix ran out of memory (failed). */
int bt__dash_put_file(struct dash *d, const char *rel, const char *data, size_t len);

/* strcmp for qsort and bsearch over an array of char *. */
int bt__dash_cmp_str(const void *a, const void *b);

/* The run of that id in d->runs, or NULL (none, or id NULL). */
const struct bt_store_entry *bt__dash_find_run(const struct dash *d, const char *id);

/* --- series (trends.c) --- */

/* The bt_store_series callback (ud: the struct dash): writes the series
 * file of s (or keeps an unchanged one), adds its entry to d->series_ix,
 * its open regressions to d->regs and its file stem to d->written. A
 * series without points or whose key is no file name is skipped. */
int bt__dash_on_series(void *ud, const struct bt_series *s);

/* --- the state of the last build (state.c) --- */

/* DIR/data/.state: what the last build saw (its runs, acks) and its
 * series' records. */
struct dash_state {
	uint64_t runs_hash, acks_hash;
	size_t n_runs;
	struct dash_rec *recs;            /* ordered by key, then metric */
	size_t n_recs;
};

/* The hash of runs [from, to) of d->runs taken oldest first (run id,
 * time, type): what the series files' run indexes stand for. */
uint64_t bt__dash_runs_hash(const struct dash *d, size_t from, size_t to);
/* The hash of d->acks. */
uint64_t bt__dash_acks_hash(const struct dash *d);
/* Reads DIR/data/.state into *st; -1 when there is none usable (then *st
 * is empty). */
int bt__dash_state_read(const struct dash *d, struct dash_state *st);
/* Writes DIR/data/.state from d (its records, runs and acks); 0 or BT_E*. */
int bt__dash_state_write(struct dash *d);
void bt__dash_state_release(struct dash_state *st);
void bt__dash_rec_release(struct dash_rec *r);
/* Appends copies of the k entries of src (a NULL t or json copied as "")
 * to the vector *v of *n entries (capacity *alloc); 0, or BT_ENOMEM with
 * the entries copied so far counted in *n. */
int bt__dash_push_regs(struct reg **v, size_t *n, size_t *alloc, const struct reg *src,
		       size_t k);
/* Makes d->series_ix, d->regs, d->evs, their counts and d->written from
 * d->recs merged with the records of old (those whose key and metric d
 * has none of; old NULL: none), in series order; d->recs then holds them
 * all. */
int bt__dash_assemble(struct dash *d, struct dash_state *old);

/* --- run pages (runs.c) --- */

/* Run pages are written by RUN_THREADS workers, each with its own run,
 * buffers and error; they take runs in turn from a shared counter. Every
 * file depends only on its run, and the results are kept per run, so the
 * output does not depend on the interleaving. */
#define RUN_THREADS 2

struct run_worker {
	struct dash *d;
	unsigned tag;
	size_t *next;             /* shared: the next run index to take */
	unsigned char *state;     /* shared: PAGE_* per run (own indexes only) */
	char **why;               /* shared: per PAGE_ERROR run, why (own
				     indexes only; malloc'd, NULL when out of
				     memory) */
	int rc;                   /* the first fatal error of this worker */
	size_t rc_at;             /* ... at this run index */
	struct bt_strbuf err, file;
	size_t files;
};

struct run_pool {
	char **keep;
	unsigned char *state;
	char **why;
	struct run_worker w[RUN_THREADS];
	pthread_t th[RUN_THREADS];
	int started[RUN_THREADS];
	size_t n_keep, next;
	size_t n_why;             /* entries of why */
};

/* Starts the helper workers of run pages; the caller joins in with
 * bt__dash_runs_finish (so trends can be written meanwhile). */
int bt__dash_runs_start(struct dash *d, struct run_pool *p);

/* Joins the workers; with abort set (an earlier error), only stops them.
 * Without, p->keep then names the run files that have a page, sorted
 * (stale ones are removed once the index is written), and d->has_page,
 * d->stats and d->run_errors are filled in. */
int bt__dash_runs_finish(struct dash *d, struct run_pool *p, int abort);

/* Frees what bt__dash_runs_start and bt__dash_runs_finish left. */
void bt__dash_runs_release(struct run_pool *p);

/* --- index and pages (index.c) --- */

/* Writes data/index.js from d (sorting d->regs, newest first). */
int bt__dash_write_index(struct dash *d);

/* Writes the HTML pages (the title filled in) and the assets. */
int bt__dash_write_pages(struct dash *d);

#endif
