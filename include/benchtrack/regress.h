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

#ifdef __cplusplus
}
#endif
#endif
