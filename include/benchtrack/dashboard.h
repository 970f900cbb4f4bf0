/* The dashboard of a store (lib/report/dashboard/): static HTML pages
 * that work from file:// with no network, the same pages that
 * `benchtrack serve` serves live.
 *
 *     DIR/index.html            overview: latest run per type, open
 *                               regressions, rankings per commit
 *     DIR/...                   a trend page per series, a page per run
 *     DIR/data/...              a small index plus one file per series
 *                               (JavaScript files that assign data, so that
 *                               file:// pages can load them with <script>)
 *     DIR/assets/...            uPlot and the dashboard's script and style
 *
 * Each page loads only the data it shows. The library never prints.
 */
#ifndef BENCHTRACK_DASHBOARD_H
#define BENCHTRACK_DASHBOARD_H

#include <stddef.h>

#include "store.h"
#include "strbuf.h"

#ifdef __cplusplus
extern "C" {
#endif

struct bt_dashboard_opts {
	const char *title;        /* NULL: "benchtrack" */
	struct bt_strbuf *run_errors; /* NULL, or gets a line "RUN_ID: WHY\n"
				     per run that could not be read (no
				     page), in the store's order; WHY names
				     the file */
};

struct bt_dashboard_stats {
	size_t runs, series, points, files;
	size_t run_pages;       /* run data files written */
	size_t run_pages_kept;  /* run data files of an earlier dashboard kept
				   (a stored run never changes) */
	size_t run_errors;      /* runs whose file could not be read: no page */
	size_t series_read;     /* series read from the index; the others'
				   part of the overview is the last build's
				   (no run but newer ones since, the same
				   acks: DIR/data/.state) */
};

/* Writes the dashboard of st into dir (created when missing; every file
 * written atomically, files of an earlier dashboard replaced; stale
 * series and run files removed last, after data/index.js and the pages,
 * so an interrupted write leaves an index whose files all exist). Run
 * files are read only when they resolve to a path inside the store. o and
 * stats may be NULL. Returns 0 or BT_E* with the path in err.
 * Safe while other processes store runs, but not a snapshot: the run
 * list, the acknowledgements and the series are three separate reads of
 * the index (in that order), so a run stored or removed meanwhile may be
 * in one and not the other (a point of a run missing from the run list
 * links no run page); each file is whole, and the next write catches
 * up. */
int bt_dashboard_write(struct bt_store *st, const char *dir,
		       const struct bt_dashboard_opts *o,
		       struct bt_dashboard_stats *stats, struct bt_strbuf *err);

#ifdef __cplusplus
}
#endif
#endif
