/* The change-point detector's update state (internal to
 * lib/analysis/changepoint.c, which fills and reads it,
 * lib/analysis/changepoint_state.c, which owns its lifetime and its bytes,
 * lib/analysis/changepoint_perm.c, which keeps its permutation
 * p-values, and lib/analysis/changepoint_split.c, which searches one
 * window).
 *
 * A state belongs to one bt_cp_result (result->state) and describes the
 * analysis of its first ny points under opts, so that
 * bt_changepoints_update can redo only what appended points can change:
 * the analysed values, the windows already searched with the points each
 * found, and the permutation p-values already computed. Its byte form
 * (bt__cp_state_size/pack/unpack, declared in lib/internal.h) is for a
 * cache on this machine only: raw structs in native byte order. */
#ifndef BENCHTRACK_CHANGEPOINT_STATE_H
#define BENCHTRACK_CHANGEPOINT_STATE_H

#include <stddef.h>

#include "benchtrack/analysis.h"

/* a point a window found, with its statistic */
struct cp_found {
	size_t index;
	double qhat;
};

/* a window searched: [start, end) of y, its points found[first ..
 * first + count) */
struct cp_window {
	size_t start, end;
	size_t first, count; /* its points in state->found */
};

/* the permutation p-value of the segment [a, b) split at c */
struct perm_entry {
	size_t a, c, b;
	double p;
};

/* Every array is owned; n_* <= cap_* (bt__vec_reserve's pair). Invariants
 * (unpack checks them): each window's points lie in found, each window on
 * y (start <= end <= ny). */
struct bt_cp_state {
	struct bt_cp_opts opts;
	double *y;           /* analysed values (spikes replaced) */
	size_t ny, cap_y;
	struct cp_window *win;
	size_t n_win, cap_win;
	struct cp_found *found; /* in discovery order, window by window */
	size_t n_found, cap_found;
	struct perm_entry *perm; /* permutation p-values already computed */
	size_t n_perm, cap_perm;
	double scale;        /* y = x * scale: a power of 4, 1 unless the
			      * values are so large or small that sums of
			      * squares would overflow or underflow */
};

/* Frees st and its arrays; NULL is a no-op. */
void bt__cp_state_free(struct bt_cp_state *st);

/* 1 when a state made under a can be updated under b (every field the
 * same), else 0. */
int bt__cp_opts_same(const struct bt_cp_opts *a, const struct bt_cp_opts *b);

/* The permutation p-value of st->y[a..c) against st->y[c..b), each side
 * cut to o->window points next to c, with o->permutations relabellings
 * seeded by o->seed: deterministic in (seed, the cut a, c, b). Taken from
 * st->perm when there, else computed and kept there (at most 4096 kept;
 * failing to keep one is not an error). 0 with *p in (0, 1], BT_ENOMEM. */
int bt__cp_perm_p(struct bt_cp_state *st, const struct bt_cp_opts *o,
		  size_t a, size_t c, size_t b, double *p);

/* --- shared by the detector's files (changepoint.c, changepoint_split.c) */

/* the longest short excursion (the short-excursion rules of the merge,
 * bt_excursions); longer boxes are the split step's box test */
#define CP_SHORT_MAX 8

/* the box test's p threshold is the split step's times this (1e-8 at the
 * default 1e-3): the box is the best of ~w^2/2 pairs (changepoint_split.c) */
#define CP_BOX_P_FACTOR 1e-5

/* a segment of a window in the split step */
struct cp_seg {
	size_t s, e;       /* window-relative [s, e) */
	int have;          /* candidate cached */
	size_t tau, kappa; /* kappa: the end of Y at Qhat's maximum */
	double qhat;
};

/* np.mean and np.std (ddof 0; 0 for fewer than 2 points) of y[a..b),
 * summed in NumPy's pairwise order; tmp holds b - a doubles. */
void bt__cp_seg_stats(const double *y, size_t a, size_t b, double *tmp,
		      double *mean, double *sd);

/* scipy.stats.ttest_ind_from_stats(equal_var=True), two-sided; p = 1 with
 * no degrees of freedom (Otava's convention). */
double bt__cp_pooled_p(double m1, double s1, size_t n1, double m2, double s2,
		       size_t n2);

/* Otava's ChangePointDetector on y[start..end): appends the points found
 * (absolute, ascending) to st->found and the window to st->win. Scratch:
 * W ((w+1)^2), tmp (w), segs (w + 3), w = end - start. box_thr > 0 (our
 * defaults; 0 for otava_compat): where Otava stops, a box of more than
 * CP_SHORT_MAX points against the rest of its segment with p <= box_thr
 * splits the segment at both edges. 0 or BT_ENOMEM. */
int bt__cp_analyse_window(const double *y, size_t start, size_t end,
			  double thr, double box_thr, double *W, double *tmp,
			  struct cp_seg *segs, struct bt_cp_state *st);

#endif
