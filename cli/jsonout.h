/* The JSON the tool writes about the store (cli/jsonout.c), one writer
 * for list, history, regressions and serve's API, so that each thing has
 * one shape and one vocabulary everywhere, that of docs/FORMAT.md:
 *   params     an object {name: value} of strings ({} for none), as in a
 *              run file and in compare's rows
 *   direction  "lower" or "higher" (which way is better)
 *   numbers    null when unknown or not finite (JSON has no NaN)
 * Each returns a new reference, or NULL when out of memory. */
#ifndef BENCHTRACK_CLI_JSONOUT_H
#define BENCHTRACK_CLI_JSONOUT_H

#include <jansson.h>

#include "benchtrack.h"

/* A stored run: {run_id, type, timestamp, commit, branch, dirty (true,
 * false or null when unknown), machine, fingerprint, suite, path,
 * archive, n_results, n_failed, milestone, tags: [...]}
 * (list --format json, /api/runs). */
json_t *cli_json_entry(const struct bt_store_entry *e);

/* The canonical params of a series, "k=v;k=v" ("" or NULL for none), as
 * {"k": "v", ...} in that order. */
json_t *cli_json_params(const char *params);

/* "lower" or "higher" for BT_LOWER_IS_BETTER / BT_HIGHER_IS_BETTER. */
const char *cli_json_direction(int direction);

/* v, or null when it is not finite. */
json_t *cli_json_num(double v);

/* A series without its points: {series_key, suite, name, variant, params,
 * machine, fingerprint, metric, unit, direction, n_points}. */
json_t *cli_json_series_head(const struct bt_series *s);

/* Point i of s: {index, run_id, commit, timestamp, value, p25, p75, min,
 * max, n}. */
json_t *cli_json_point(const struct bt_series *s, size_t i);

/* A change point c of s: {index, run_id, commit, timestamp, p_value,
 * mean_before, mean_after, rel_change, verdict ("regressed" when worse
 * for the metric, else "improved"), acknowledged (an ack of acks near
 * it)}. */
json_t *cli_json_change(const struct bt_series *s, const struct bt_change_point *c,
			const struct bt_ack_list *acks);

/* A change point c of s that regressions reports (cli_series_regressions),
 * with its series: {timestamp, commit, run_id, status ("confirmed"),
 * verdict, series_key,
 * suite, name, variant, params, metric, unit, direction, mean_before,
 * mean_after, rel_change, p_value, acknowledged, machine}
 * (/api/regressions). */
json_t *cli_json_regression(const struct bt_series *s, const struct bt_change_point *c,
			    int worse, int acked);
/* The same for an event e of s: status "confirmed" in the above, here
 * "pending" or "reverted", with kind, back, mean_back, points_after and
 * points_to_confirm as in cli_json_event. */
json_t *cli_json_regression_event(const struct bt_series *s,
				  const struct bt_series_event *e, int acked);
/* The whole answer of /api/regressions (and regressions --format json):
 * {series, found, acknowledged, pending, reverted, regressions} with the
 * counts of q (struct cli_regressions, cmd.h) and list, the entries above
 * (a reference taken). NULL: out of memory. */
struct cli_regressions;
json_t *cli_json_regressions(size_t n_series, const struct cli_regressions *q,
			     json_t *list);

/* An event of s (bt_series_events: a pending change, a reverted
 * excursion): {status ("pending" or "reverted"), kind ("step" or
 * "excursion"), index, run_id, commit, timestamp (its first point),
 * back: {index, run_id, commit, timestamp} of an excursion's first point
 * back (else null), mean_before, mean_after (an excursion: during it),
 * mean_back (after an excursion's return, else null), rel_change,
 * p_value, verdict ("regressed" when the change is worse for the metric,
 * else "improved"), points_after (after its first point; an excursion:
 * after its return), points_to_confirm (pending: how many more points
 * confirm it; 0 for reverted), acknowledged}. */
json_t *cli_json_event(const struct bt_series *s, const struct bt_series_event *e,
		       const struct bt_ack_list *acks);

/* The series with every point and its change points cps: the head plus
 * {points: [...], change_points: [...], pending: [...], reverted: [...]}
 * (history --format json, /api/series/KEY): change_points the confirmed
 * ones (cli_json_change) but the edges of an excursion, pending and
 * reverted the events ev[0..n_ev) of those statuses (cli_json_event). */
json_t *cli_json_series(const struct bt_series *s, const struct bt_cp_result *cps,
			const struct bt_series_event *ev, size_t n_ev,
			const struct bt_ack_list *acks);

/* Adds to o, the JSON of change point c (or, c NULL, of event e) of s
 * found with opts, why it was reported: "evidence" {noise_sd (the noise
 * it was judged against), change_in_noise_sd, min_change (the smallest
 * change that would have passed), min_change_rule ("noise": noise_k noise
 * sd; "floor": --min-change; "count_floor": a series without noise),
 * autocorrelation, rank_p, permutation_p, ranks_apart, n_before, n_after}
 * (numbers null when not run; the whole null for a point of
 * --otava-compat), and "explanation", the lines history and regressions
 * print under it, unindented (cli_cp_explain, cli_event_explain). unit
 * NULL: plain numbers. Returns 0, or -1 when out of memory (o is then
 * left as it is or partly filled; the caller drops it). */
int cli_json_explain(json_t *o, const struct bt_series *s,
		     const struct bt_change_point *c, const struct bt_series_event *e,
		     const struct bt_cp_opts *opts, const char *unit);

/* Sets "recovered" in o, the JSON of regression c of s: null, or for one
 * partly fixed later (fix: bt_series_change_fix, restored 0; NULL: none)
 * {index, run_id, commit, timestamp (the first point of the last
 * improvement since), mean_back (the level now), fraction (of the change
 * undone)}; with fix, appends its line (cli_fix_explain, in unit) to o's
 * "explanation" when o has one. 0, or -1 when out of memory. */
int cli_json_fix(json_t *o, const struct bt_series *s, const struct bt_change_point *c,
		 const struct bt_change_fix *fix, const char *unit);

/* Appends root as JSON text (jansson's dump flags) and a newline to out;
 * root is not released. 0, or BT_ENOMEM when root is NULL or memory ran
 * out: never a document with a member left out (bt__json_dumps). */
int cli_json_print(const json_t *root, size_t flags, struct bt_strbuf *out);

#endif
