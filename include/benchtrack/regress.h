/* Change points of a stored series, classified: the one rule shared by
 * `benchtrack history`, `benchtrack regressions`, `benchtrack serve`
 * (/api/regressions, /api/series) and the dashboard
 * (lib/analysis/regress.c).
 *
 *  - the values analysed are the points' medians, oldest first;
 *  - a change point is a regression when it is worse for the metric's
 *    direction (a higher mean for lower-is-better, a lower one for
 *    higher-is-better), else an improvement;
 *  - it is acknowledged when an ack of the series (benchtrack ack) matches
 *    the commit of a point within 3 points of it (the commit that caused
 *    it need not be the first run of the new regime).
 */
#ifndef BENCHTRACK_REGRESS_H
#define BENCHTRACK_REGRESS_H

#include <stddef.h>

#include "analysis.h"
#include "store.h"
#include "strbuf.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How far (in points) from a change point an ack's commit may be. */
#define BT_ACK_RADIUS 3

/* bt_changepoints on the values of s into *out (need not be initialised;
 * release with bt_cp_result_release). o NULL: bt_cp_opts_default. Returns
 * 0, BT_ENOMEM or the errors of bt_changepoints (*out empty then). */
int bt_series_changepoints(const struct bt_series *s, const struct bt_cp_opts *o,
			   struct bt_cp_result *out, struct bt_strbuf *err);

/* 1 when change point c of s is worse for the metric's direction. */
int bt_series_change_worse(const struct bt_series *s,
			   const struct bt_change_point *c);

/* 1 when an ack in acks (may be NULL: none) matches the commit of a point
 * of s within BT_ACK_RADIUS of index. */
int bt_series_change_acked(const struct bt_series *s, size_t index,
			   const struct bt_ack_list *acks);

/* What a series shows beside its confirmed change points (`history`,
 * `regressions`, serve and the dashboard alike):
 *  - pending: a suspected change in the newest points, not confirmed yet:
 *    a pending change point of cps (fewer than min_after points follow
 *    it), or an excursion (bt_excursions) whose return is among the last
 *    min_after points;
 *  - reverted: an excursion that came back, confirmed: min_after points
 *    follow its return. Both its edges are reported: the change at index
 *    and the return at end.
 * A pending change point at or inside an excursion (from one point before
 * its start to its return) is that excursion, not a second event; so is
 * a confirmed change point at its start or its return (E-divisive finds
 * one or both edges at times, and may drop them as points arrive):
 * bt_series_event_claims tells callers to show such a change point as the
 * excursion only.
 * A longer slowdown that was fixed is two confirmed change points, a
 * regression and a later improvement: when bt_series_change_fix finds its
 * level restored, it is reverted too, the same event (excursion 1, both
 * edges: index the regression, end the fix), with paired 1, cp the
 * regression and back_cp the fix (in cps->points), so it is not an open
 * regression but stays in the history. None in otava_compat. */
enum bt_event_status { BT_EVENT_PENDING, BT_EVENT_REVERTED };
struct bt_series_event {
	enum bt_event_status status;
	int excursion;          /* 1: points index..end-1 moved and came back */
	size_t index;           /* the first point of the change */
	size_t end;             /* excursion: the first point back; else 0 */
	double mean_before;     /* before the change */
	double mean_after;      /* after it (excursion: during it) */
	double mean_back;       /* excursion: after the return; else NAN */
	double rel_change;      /* mean_after / mean_before - 1 */
	double p_value;
	size_t points_after;    /* points after index (excursion: after end) */
	size_t more;            /* pending: more points that confirm it */
	int worse;              /* the change at index is worse for the metric */
	const struct bt_change_point *cp; /* a pending change point: its
				   evidence (in cps), or paired: the
				   regression (in cps->points); else NULL */
	int paired;             /* 1: a slowdown fixed later, its edges two
				   confirmed change points (cp, back_cp) */
	const struct bt_change_point *back_cp; /* paired: the fix, else NULL */
	struct bt_excursion exc; /* excursion: its evidence (paired: from cp,
				   n_after from back_cp) */
};
/* The events of s beside cps (its change points found with o; o NULL:
 * bt_cp_opts_default), ordered by index, into *out (malloc'd, caller
 * frees; NULL when none). Returns 0, BT_ENOMEM, BT_EINVAL. */
int bt_series_events(const struct bt_series *s, const struct bt_cp_opts *o,
		     const struct bt_cp_result *cps, struct bt_series_event **out,
		     size_t *n, struct bt_strbuf *err);
/* 1 when the change point at index is an edge (start or return) of an
 * excursion among ev[0..n): it is shown as that event, not on its own. */
int bt_series_event_claims(const struct bt_series_event *ev, size_t n, size_t index);
/* What became of the level of a confirmed regression (bt_series_change_fix). */
struct bt_change_fix {
	size_t back;            /* the change point (an index into cps->points)
				   that restored the level, or (partly) the
				   last improvement after the regression */
	size_t index;           /* its point: cps->points[back].index */
	int restored;           /* 1: back to within the regression's
				   min_change of the level before it, or
				   better; 0: partly */
	double mean_back;       /* the level after back (partly: the level
				   now, after the last change point) */
	double recovered;       /* the part of the change undone,
				   (after - now) / (after - before): 1 when
				   back exactly, below 1 partly */
};
/* Whether change point k of cps->points, a regression of s (worse for its
 * direction), was fixed later, as the same series' confirmed change points
 * say (none of otava_compat: it has no min_change). Walking the change
 * points after k, oldest first, skipping the edges of the short
 * excursions among ev[0..n_ev) (ev may be NULL; they stand for
 * themselves): the first whose level after it (mean_after) is not worse
 * than k's mean_before by more than k's min_change restored it (1,
 * restored 1; a new regression between them does not matter: it is
 * judged on its own). Else, when the level after the last of them is
 * better than k's mean_after by more than min_change, it was partly
 * fixed (1, restored 0, back the last improvement). Else, and for a point
 * that is no regression, 0 (*fix untouched). Only confirmed change points
 * count: a pending return leaves the regression open until it is
 * confirmed. */
int bt_series_change_fix(const struct bt_series *s, const struct bt_cp_result *cps,
			 size_t k, const struct bt_series_event *ev, size_t n_ev,
			 struct bt_change_fix *fix);
/* The partial fix of change point k (bt_series_change_fix, restored 0)
 * in *fix, returned; NULL when k is no regression (bt_series_change_worse),
 * was not fixed, or was fixed whole (then a reverted event). What
 * regressions, history, serve and the dashboard say of an open
 * regression. */
const struct bt_change_fix *bt_series_change_partly_fixed(
	const struct bt_series *s, const struct bt_cp_result *cps, size_t k,
	const struct bt_series_event *ev, size_t n_ev, struct bt_change_fix *fix);
/* "pending" or "reverted". */
const char *bt_event_status_name(enum bt_event_status st);

/* A cache of bt_series_changepoints and bt_series_events per series and
 * metric (lib/analysis/cpcache.c), kept in a file between calls (the
 * store's .cache/changepoints: `regressions`, the dashboard): a series
 * whose values (and direction) are those an entry was computed on gets
 * that entry's answers, any other is analysed and its entry replaced. So
 * a new run, a gc or a restore recomputes the series whose values they
 * changed, a reindex or an ack none. A file written by another detector
 * (it keeps the answers on a fixed probe series), with other options or
 * unreadable is an empty cache. */
struct bt_cp_cache;
/* Its file in a store (relative to the store's folder). */
#define BT_CP_CACHE_FILE ".cache/changepoints"
/* Opens the cache of options o (NULL: bt_cp_opts_default) at path (NULL:
 * in memory only). 0 or BT_ENOMEM. */
int bt_cp_cache_open(struct bt_cp_cache **out, const char *path,
		     const struct bt_cp_opts *o);
/* The change points (*cps, release with bt_cp_result_release; no weak
 * points, no update state) and events (*ev, free) of s, as
 * bt_series_changepoints and bt_series_events give them with the cache's
 * options. Errors as theirs (*cps and *ev empty). */
int bt_cp_cache_series(struct bt_cp_cache *c, const struct bt_series *s,
		       struct bt_cp_result *cps, struct bt_series_event **ev,
		       size_t *n_ev, struct bt_strbuf *err);
/* Writes the cache to its file when an entry changed (a temporary file
 * renamed over it, its folder made); a folder that cannot be written is
 * no error (nothing is kept). 0 or BT_ENOMEM. */
int bt_cp_cache_save(struct bt_cp_cache *c, struct bt_strbuf *err);
/* Entries answered from the cache and series analysed since open. */
void bt_cp_cache_stats(const struct bt_cp_cache *c, size_t *hits, size_t *misses);
void bt_cp_cache_close(struct bt_cp_cache *c);

#ifdef __cplusplus
}
#endif
#endif
