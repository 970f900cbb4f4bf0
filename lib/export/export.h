/* Writers of runs in peer formats (lib/export/), internal to lib/.
 * bt_export_run (export.c, include/benchtrack/import.h) dispatches to one
 * writer per format:
 *
 *   gbench.c            Google Benchmark 1.7 JSON (bt__export_gbench)
 *   hyperfine.c         hyperfine --export-json (bt__export_hyperfine)
 *   pytest_benchmark.c  pytest --benchmark-json, 3.2.2 (bt__export_pytest)
 *   csv.c               one row per sample (bt__export_csv)
 *
 * Beside them, not behind bt_export_run (a run there is several files):
 * hf_v2.c lays a run out as the Hugging Face dataset of the transformers
 * benchmark runner and hub.c pushes it (bt_hub_layout, bt_hub_push,
 * include/benchtrack/hub.h).
 *
 * Every writer appends the whole document to out and returns 0 or
 * BT_ENOMEM; it writes only complete documents (out may hold a prefix of
 * one after BT_ENOMEM: the caller discards it). The helpers below are
 * what the writers share: which metric is a result's time, how its
 * params and variant are named, JSON values from doubles, timestamps. */
#ifndef BENCHTRACK_LIB_EXPORT_H
#define BENCHTRACK_LIB_EXPORT_H

#include <stddef.h>

#include <jansson.h>

#include "benchtrack.h"

int bt__export_gbench(const struct bt_run *run, struct bt_strbuf *out);
int bt__export_hyperfine(const struct bt_run *run, struct bt_strbuf *out);
int bt__export_pytest(const struct bt_run *run, struct bt_strbuf *out);
int bt__export_csv(const struct bt_run *run, struct bt_strbuf *out);

/* The metric of r that the timing formats carry (their times): "time",
 * else the first metric whose unit is "s"; NULL when r has neither or it
 * has no samples. The JSON formats export only this metric's samples as
 * times (the others as counters or extra info where the format has a
 * place for them). */
const struct bt_metric *bt__export_time(const struct bt_result *r);

/* The parameters a peer sees of r: r's params (sorted by key) and, when
 * r's variant is set and not "default" and no param is named "variant",
 * a pseudo-parameter "variant" with its value, in key order. *kv is
 * malloc'd (caller frees; its strings point into r), *n its length.
 * 0 or BT_ENOMEM. */
int bt__export_params(const struct bt_result *r, struct bt_kv **kv, size_t *n);

/* A JSON number for v, null when v is not finite (jansson has no NaN);
 * NULL when out of memory. */
json_t *bt__export_num(double v);

/* Sets key of object o to v (a new reference, stolen; NULL counts as out
 * of memory and sets *oom; jansson's failures too); only releases v
 * when *oom is already set. */
void bt__export_set(json_t *o, const char *key, json_t *v, int *oom);
/* Appends v (stolen, as above) to array a. */
void bt__export_push(json_t *a, json_t *v, int *oom);

/* Appends root as indented JSON (2 spaces, members in insertion order,
 * doubles with 17 significant digits, so that they read back exactly)
 * and a newline to out, then releases root. 0 or BT_ENOMEM (also when
 * oom is set, or root is NULL). */
int bt__export_dump(json_t *root, int oom, struct bt_strbuf *out);

/* The run's timestamp in UTC as strftime(fmt) writes it into buf; ""
 * when the run has none or it does not parse. */
void bt__export_time_text(const struct bt_run *run, const char *fmt, char *buf,
			  size_t size);

#endif
