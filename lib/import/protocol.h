/* The metric protocol (docs/PROTOCOL.md), internal to lib/: what a
 * command run by bt_exec_run appends to the file named by
 * BENCHTRACK_METRICS, one JSON object per line, read after each run
 * (lib/import/protocol.c) and pooled over the runs of one command.
 *
 * A line is one of
 *   {"metric": M, "value": X | "values": [X...], "unit": U,
 *    "direction": "lower"|"higher", "benchmark": B, "params": {...}}
 *   {"benchmark": B, "params": {...}, "status": "failed"|"skipped",
 *    "message": TEXT}
 *   {"benchmark": B, "params": {...}, "validation": {"max_abs_err": X,
 *    "max_rel_err": X, "passed": BOOL}}
 * Samples of the same (benchmark, params, metric) pool over every line
 * and every run. Units: s, ms, us, ns (also "µs") convert to seconds as
 * the C API's; direction defaults to higher for units ending in "/s",
 * else lower.
 *
 * Usage, per command (per -L/-P combination):
 *     struct bt__proto *p = bt__proto_new();
 *     for each run: bt__proto_feed(p, text, len, label, warn);
 *     bt__proto_emit(p, run, own, err);
 *     bt__proto_free(p);
 */
#ifndef BENCHTRACK_PROTOCOL_H
#define BENCHTRACK_PROTOCOL_H

#include <stddef.h>

#include "benchtrack.h"

struct bt__proto; /* opaque */

/* A new empty accumulator; NULL when out of memory. */
struct bt__proto *bt__proto_new(void);
void bt__proto_free(struct bt__proto *p);

/* Reads the lines one run wrote (text need not end in '\n' nor be NUL-
 * terminated). label names the run in warnings ("run 3 of 'python
 * bench.py'"). A malformed line (bad JSON, a missing or mistyped field,
 * a non-finite value, an unknown status) appends one line
 * "LABEL: line N: PROBLEM\n" to warn, is skipped, and is counted against
 * the benchmark it names (the command's own when it names none or cannot
 * be read); a last line without '\n' that does not parse is reported as
 * "partial last line (the command was killed?)". Never fails for the
 * content: returns 0, or BT_ENOMEM. */
int bt__proto_feed(struct bt__proto *p, const char *text, size_t len,
		   const char *label, struct bt_strbuf *warn);

/* Adds what was fed to run. run->results[own] is the command's own result:
 * lines without "benchmark" (or naming the own result's name) add their
 * metrics to it (after its own; a protocol metric with the name of one
 * it has, "time", "user_time", ..., is stored as "reported_NAME" there so
 * the wall time stays), status and validation lines apply to it. Every
 * other benchmark (with its params, merged over the own result's params:
 * the -L/-P values; the line's value wins) becomes a new result appended
 * to run: that name, the own result's group and type, variant "default",
 * params sorted, its metrics in first-seen order ("time" first) with
 * bt_stats_summarize's statistics; when another result of run already
 * has that identity (a second command reporting the same benchmark), the
 * param "command" (the own result's name) is added. A benchmark that had
 * malformed lines gets the counter "protocol_bad_lines" (their count)
 * and, when ok, keeps status ok. Returns 0, BT_ENOMEM (err set). */
int bt__proto_emit(struct bt__proto *p, struct bt_run *run, size_t own,
		   struct bt_strbuf *err);

#endif
