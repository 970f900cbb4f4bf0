/* Readers of foreign result formats (lib/import/), internal to lib/.
 * bt_store_organize (lib/store/organize.c) recognises a file's format and
 * calls the reader here; the reader fills a struct bt_run (results,
 * config, git, machine) and says what it found besides (struct
 * bt__import_found). The run's id, type directory, timestamp, suite and
 * series keys are organize's (it places the run in the store).
 *
 *   hf_v2.c    the HF benchmark_v2 shape (bt__import_hf_v2)
 *   seed.c     the seed proposal metadata (bt__import_seed)
 *   legacy.c   what the readers share at the run level: text of JSON
 *              scalars, the commit, the suite from a file name
 *   rows.c     result rows: the keys of numbers (time, rate, memory,
 *              params, counters), statuses, the result builder
 *   machine.c  a hardware object as the run's machine
 *
 * `benchtrack import` (bt_import_path, bt_import_text) goes through
 * import.c: the JSON / JSON Lines parser with NaN and Infinity, detection
 * by the sniffers, dispatch, and the helpers the peer readers share
 * (bt__imp_num, bt__imp_add_metric, bt__imp_time_text, ...); then one
 * reader per peer format ("peer formats" below):
 *
 *   gbench.c            Google Benchmark's JSON
 *   hyperfine.c         hyperfine's --export-json
 *   pytest_benchmark.c  pytest-benchmark's --benchmark-json
 *
 * Memory: every string a reader keeps lives in the run's arena
 * (bt_run_strdup); the json_t values stay the caller's. Readers return 0,
 * BT_EUNSUPPORTED when the file is to be skipped (the reason in why) or
 * BT_ENOMEM. */
#ifndef BENCHTRACK_LIB_IMPORT_H
#define BENCHTRACK_LIB_IMPORT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "benchtrack.h"

/* What a reader found out besides the run. */
struct bt__import_found {
	const char *format;      /* "benchtrack run", "HF benchmark_v2", ... */
	const char *type;        /* benchmark type in the content, or NULL */
	const json_t *ts;        /* timestamp in the content, or NULL */
};

/* --- the formats ---------------------------------------------------------- */

/* HF benchmark_v2 (hf_v2.c); root has a "benchmark_scenarios" array.
 *      {"model_name": M, "benchmark_scenarios": [{"scenario_name": S,
 *        "metadata": {"timestamp", "commit_id", "branch_name",
 *                     "hardware_info", "config": {...}},
 *        "measurements" (or "metrics"): {KEY: {"mean", "median", "std",
 *            "min", "max", "p5".."p99", "unit", "measurements": [...]}
 *            or KEY: number},
 *        "gpu_metrics": {KEY: number}}]}
 * One result per scenario, named S (else "name", else "scenarioN"), with
 * params model=M plus the scalars of metadata.config (except name,
 * model_id and the iteration counts, which go to the run's config).
 * Every measurement becomes a metric (bt__rb_metrics: KEY naming it as
 * for the seed format; a "unit" member converts it); gpu_metrics become
 * counters; a string "error" marks the result failed with that message.
 * Timestamp (f->ts), commit, branch and hardware come from the first
 * scenario's metadata (or the same members at the top level); f->type
 * from a top-level "benchmark_type" string. No scenarios, or one that is
 * not an object: BT_EUNSUPPORTED. */
int bt__import_hf_v2(struct bt_run *run, const json_t *root,
		     struct bt__import_found *f, struct bt_strbuf *why);

/* Seed proposal metadata (seed.c); root has "benchmark_type".
 *      {"benchmark_type", "timestamp", "git_commit", "hardware",
 *       "parameters": {...}, "results": [...] or {...}}
 * Also accepted: "date"/"datetime"/"created_at"/"start_time" for the
 * timestamp, "commit"/"commit_id"/"git_hash"/"commit_hash"/"git":
 * {"commit", "branch"} and "git_branch"/"branch", "hardware_info"/
 * "machine"/"system"/"environment" for the hardware, "params"/"config"
 * for the parameters. "parameters" go to config.params ("key=value"; the
 * iteration counts also to config.warmup_iterations and
 * measurement_iterations) and into the params of every result (a
 * result's own value wins). "results" (rows: bt__rb_row_member):
 *   - an array: one result per object;
 *   - an object whose members are all metric objects, or that has a
 *     number, string or boolean member: one result, named by
 *     benchmark_type;
 *   - another object: one result per object member, named by its key.
 * BT_EUNSUPPORTED: benchmark_type not a string, no results (missing,
 * null, empty), results neither an array nor an object, an array item
 * that is not an object, an object without result objects. */
int bt__import_seed(struct bt_run *run, const json_t *root,
		    struct bt__import_found *f, struct bt_strbuf *why);

/* --- run-level pieces (legacy.c) ------------------------------------------ */

/* 1 when w is one of the NULL-terminated list. */
int bt__imp_in_list(const char *w, const char *const *list);

/* The first member of o among keys (NULL-terminated) that is there and
 * not null; NULL when none. */
const json_t *bt__imp_member(const json_t *o, const char *const *keys);

/* Canonical text of a JSON scalar for a param, in the arena of run:
 * strings as they are, numbers as the shortest "%.*g" that reads back,
 * true/false; objects and arrays as compact JSON with sorted keys. NULL
 * for null, or out of memory (then *oom is set). */
const char *bt__imp_jtext(struct bt_run *run, const json_t *v, int *oom);

/* Keys of iteration counts in parameters: warmup and measurement (NULL-
 * terminated). They go to the run's config, not to result params. */
extern const char *const bt__imp_warm_keys[];
extern const char *const bt__imp_meas_keys[];

/* git.commit from a commit text v (a string; anything else is ignored):
 * 4 to 64 hex digits, lower-cased; a "-dirty" suffix sets git.dirty;
 * anything that is not hex is dropped (git.dirty -1). 0 or BT_ENOMEM. */
int bt__imp_set_commit(struct bt_run *run, const json_t *v);

/* A time in the content into *t (UTC seconds): text that bt__parse_time
 * reads whole (ISO 8601 and the like), 10 or 13 digits (Unix seconds or
 * milliseconds), or a number of Unix seconds (milliseconds above 1e11);
 * 1970..2999. 0, or -1 when v is none of these. */
int bt__imp_time(const json_t *v, time_t *t);

/* t as "YYYY-MM-DDTHH:MM:SSZ" in the arena of run; NULL out of memory. */
char *bt__imp_iso(struct bt_run *run, time_t t);

/* run->timestamp from v (bt__imp_time): 1 when set, 0 when v is NULL or
 * not a time (nothing changed), BT_ENOMEM. */
int bt__imp_set_timestamp(struct bt_run *run, const json_t *v);

/* The suite of a converted file named base: the name without its
 * extension and without the date stamp [b, e) found in it (has_date) and
 * the separators and a zone word after it (UTC, GMT, Z:
 * "memory_20240131_142233_UTC.json" -> "memory"), so files of one series
 * share a suite; the whole stem when nothing else is left. In the arena
 * of run; NULL when out of memory. */
char *bt__imp_suite_name(struct bt_run *run, const char *base, int has_date,
			 size_t b, size_t e);

/* --- result rows (rows.c) ------------------------------------------------- */

/* A result being built. Set name (in the run's arena), status and message
 * directly, or through the calls below; an allocation failure sets oom,
 * and bt__rb_finish then returns BT_ENOMEM. */
struct bt__mb;          /* a metric being built (rows.c) */
struct bt__rb {
	struct bt_run *run;
	const char *name;
	enum bt_status status;
	const char *message;
	struct bt_kv *params;
	size_t n_params, a_params;
	struct bt_counter *counters;
	size_t n_counters, a_counters;
	struct bt__mb *metrics;
	size_t n_metrics, a_metrics;
	int64_t memory_bytes, peak_memory_bytes;
	int source_stats;  /* import: bt__rb_finish keeps every statistic the
			      file gave as a counter "<metric>.source_<stat>"
			      (mean, median, std, min, max, p5 .. p99) */
	int oom;
};

/* An empty builder for a result of run: status ok, memory unknown. */
void bt__rb_init(struct bt__rb *b, struct bt_run *run);

/* Sets param key (copied into the run) to value (already in the run; NULL
 * does nothing); replace: an existing value is replaced, else kept. */
void bt__rb_param(struct bt__rb *b, const char *key, const char *value,
		  int replace);

/* Sets counter key to v (a second value replaces the first). */
void bt__rb_counter(struct bt__rb *b, const char *key, double v);

/* The members of o as params; the run's parameters (replace == 0) without
 * the iteration counts (bt__imp_warm_keys, bt__imp_meas_keys), which are
 * the run's config. */
void bt__rb_params(struct bt__rb *b, const json_t *o, int replace);

/* Every member of a "metrics"/"measurements" object o is a metric: a
 * number (a value or a statistic, by its key), an object (a metric
 * object: statistics, "unit", sample arrays) or an array of samples.
 * Memory sizes and other numbers are metrics too here (bytes, or the unit
 * given); hint is the unit a "unit" member of the row gives, or NULL. */
void bt__rb_metrics(struct bt__rb *b, const json_t *o, const char *hint);

/* 1 when o looks like one metric: statistics or samples, and nothing else
 * but a unit, a name, a count or statistics without a field (p90). */
int bt__rb_is_metric_object(const json_t *o);

/* One member of a result row (a seed result object; HF scenarios use the
 * metric rules only); hint as for bt__rb_metrics.
 *   - name: "name", else "benchmark", "test", "kernel", "method",
 *     "implementation", "algorithm" (else bt__rb_finish's fallback);
 *   - "params"/"parameters"/"config" objects: params; other strings and
 *     booleans: params; "status" ("ok", "failed", "oom", ..., also
 *     "success", "error", "out_of_memory"; another word: failed with
 *     'legacy status "WORD"'), "error"/"error_message"/"message" (a
 *     failure): status and message; an error marks an ok row failed and
 *     leaves a status that says more (oom, timeout, crashed) as it is;
 *     "success": false marks an ok row failed;
 *   - numbers, by their key split into words at '_', '-', '.', ' ' and
 *     lower/upper case changes:
 *       time-like (a word time, latency, duration, elapsed, runtime,
 *       ttft, tpot, itl, or a unit word s/sec/seconds, ms, us, ns):
 *         a metric in seconds (ms, us, ns converted; no unit word: the
 *         row's "unit"/"time_unit" string, else seconds). The unit and
 *         a statistic word (mean/avg, median/p50, std, min, max, p5, p25,
 *         p75, p95, p99) are taken out; what is left names the metric,
 *         "time" when it is empty or one of time, latency, duration,
 *         elapsed, runtime, wall_time, total_time, ... so
 *         {"name": "flash", "mean_ms": 12.3} is metric "time" with
 *         stats.mean 0.0123;
 *       rate-like ("X_per_second", "X_per_ms", throughput, tps, qps,
 *         gflops, tflops, bandwidth): a metric, higher is better, unit
 *         "X/s" (tokens_per_second: "tokens/s"); the first one is also
 *         the result's throughput;
 *       memory-like (memory, mem, rss, vram, bytes, or a unit word b, kb,
 *         mb, gb, kib, mib, gib): a counter under its key, and with a unit
 *         word also peak_memory_bytes (a word peak or max) or memory_bytes;
 *       a whole number whose key names a size or count of the problem
 *         (seq_len, batch_size, num_heads, head_dim, block_size, n, ...):
 *         a param;
 *       any other number: a counter under its key;
 *   - arrays of numbers under keys like samples, times, timings,
 *     latencies, measurements, values (with unit words as above): raw
 *     samples of the metric;
 *   - objects with statistic members ({"mean": .., "p99": .., "unit":
 *     "ms"}): a metric named by the key; "metrics"/"measurements" objects:
 *     bt__rb_metrics;
 *   - "unit", "description", "notes", "timestamp", "date" and the like
 *     are ignored. */
void bt__rb_row_member(struct bt__rb *b, const char *key, const json_t *v,
		       const char *hint);

/* Turns the builder into a result of run (name: b->name, else
 * fallback_name; variant "default"; params sorted by key) and frees the
 * builder (it is left empty). Metrics: "time" first, then in the order
 * of the file; a metric given without samples gets one sample (its
 * median, else its mean, min, max, ...), n = 1; its mean, median, min
 * and max are the file's or that sample, its other statistics the file's
 * or unknown (NaN); a metric with only a std is dropped. Rate metrics are
 * higher-is-better, the others lower. 0 or BT_ENOMEM (also when b->oom). */
int bt__rb_finish(struct bt__rb *b, const char *fallback_name);

/* Words of a key, lower-cased, split at non-alphanumerics and where a
 * lower-case letter or digit meets an upper-case one; at most
 * BT__IMP_MAX_WORDS of at most 31 characters. Returns how many. */
#define BT__IMP_MAX_WORDS 16
size_t bt__imp_split_words(const char *key, char w[BT__IMP_MAX_WORDS][32]);

/* Bytes per unit word (lower case: b, byte(s), kb, kib, mb, mib, gb, gib,
 * tb, tib; k = 1024), 0 when w is not one. */
double bt__imp_mem_unit(const char *w);

/* --- the machine (machine.c) ---------------------------------------------- */

/* Fills run->machine from a hardware object hwo (NULL or not an object:
 * nothing known). Keys (any case): cpu (a string, or an object of model,
 * cores, physical_cores, mhz), cpu_model, cpu_count/cpu_cores/num_cpus,
 * physical_cores, a key with mhz or ghz, memory (bytes with a unit in
 * the key or the string, "64 GB"; a bare number: below 2048 GiB, below
 * 2^24 MiB, else bytes), gpu/gpus/gpu_name (a string, an object of
 * name, driver, count, memory, or an array of them; at most 64),
 * gpu_count, gpu_memory..., driver..., hostname, os/platform, kernel,
 * arch. A bare memory key
 * (memory, mem; not ram/host/system) that comes right after GPU keys
 * (gpu*, cuda*, device*, driver), when no GPU memory is given otherwise,
 * is the GPU's memory, else the host's. The fingerprint is computed as
 * lib/run/context.c does from what is known, "unknown" when nothing is.
 * Strings in the arena of run. 0 or BT_ENOMEM. */
int bt__imp_machine(struct bt_run *run, const json_t *hwo);

/* --- peer formats for `benchtrack import` (one file each) ---------------- */

/* The text of an import parsed as JSON (import.c): one document, or JSON
 * Lines (every non-empty line an object: *jsonl set, the root an array
 * of them). Python's and Google Benchmark's literals NaN, Infinity and
 * -Infinity outside strings are read as the strings "NaN", "Infinity",
 * "-Infinity" (jansson has no NaN); bt__imp_num reads them back. NULL
 * with err "LABEL: line L column C: problem" when it is neither, or with
 * *jsonl set to -1 when memory ran out (BT_ENOMEM, not BT_EPARSE). */
json_t *bt__import_parse(const char *text, size_t len, const char *label,
			 int *jsonl, struct bt_strbuf *err);

/* A number of v into *x: a JSON number, or one of the strings "NaN",
 * "Infinity", "-Infinity" above. 1 when v is one, else 0. */
int bt__imp_num(const json_t *v, double *x);

/* Appends to r a metric name (unit, direction dir) with the samples
 * x[0..n) copied into the run and its statistics by bt_stats_summarize
 * (import.c). Pointers to r's earlier metrics move. 0 or BT_ENOMEM. */
int bt__imp_add_metric(struct bt_run *run, struct bt_result *r, const char *name,
		       const char *unit, enum bt_direction dir, const double *x, size_t n);

/* Sets counter name of r to v (replaces a counter of that name). 0 or
 * BT_ENOMEM. */
int bt__imp_add_counter(struct bt_run *run, struct bt_result *r, const char *name, double v);

/* The statistics a source computed of its times (hyperfine's, pytest-
 * benchmark's): for each name stats[k] (NULL-terminated) a member of o
 * (NULL: none) that is a number (bt__imp_num) into sv[k], have[k] set;
 * absent or null: have[k] 0. Returns the index of the first member that
 * is something else (the caller names it), or -1. */
int bt__imp_source_stats(const json_t *o, const char *const *stats, double *sv, int *have);

/* Appends to r the metric "time" (seconds, lower is better) of the
 * samples x[0..n), then the statistics bt__imp_source_stats read as the
 * counters "time.source_NAME". 0 or BT_ENOMEM. */
int bt__imp_add_time(struct bt_run *run, struct bt_result *r, const double *x, size_t n,
		     const char *const *stats, const double *sv, const int *have);

/* The members of object o (NULL: none) as the params of r, values as
 * bt__imp_jtext gives them (null members left out), sorted by key. 0 or
 * BT_ENOMEM. */
int bt__imp_set_params(struct bt_run *run, struct bt_result *r, const json_t *o);

/* 1 when one of run->results[0..upto) has r's name and params (r's
 * params sorted), else 0. */
int bt__imp_identity_taken(const struct bt_run *run, size_t upto, const struct bt_result *r);

/* A time text s (bt__parse_time's forms; digits of a fraction past the
 * seconds allowed, no zone meaning UTC) as "YYYY-MM-DDTHH:MM:SSZ" in the
 * arena of run, into *out. 1 when read, 0 when s is not one (or NULL),
 * BT_ENOMEM. */
int bt__imp_time_text(struct bt_run *run, const char *s, const char **out);

/* Sets run->machine.fingerprint from what the reader filled in (as
 * lib/run/context.c computes it), "unknown" when nothing is known. 0 or
 * BT_ENOMEM. */
int bt__imp_fingerprint(struct bt_run *run);

/* Each reader fills run from root (what bt__import_parse gave; label
 * names the file in errors, "LABEL: FIELD: problem", BT_EPARSE or
 * BT_ESCHEMA) and sets what it learns in info (has_git, has_machine,
 * has_timestamp, note). Each sniffer says whether root looks like its
 * format (1) or not (0), by the members only that format has. */
struct bt_import_info;
#define BT__IMPORT_READER(fmt)                                                 \
	int bt__import_##fmt(struct bt_run *run, const json_t *root,         \
			     const char *label, struct bt_import_info *info, \
			     struct bt_strbuf *err);                         \
	int bt__sniff_##fmt(const json_t *root);
BT__IMPORT_READER(gbench)            /* gbench.c */
BT__IMPORT_READER(hyperfine)         /* hyperfine.c */
BT__IMPORT_READER(pytest_benchmark)  /* pytest_benchmark.c */
BT__IMPORT_READER(pyperf)            /* pyperf.c */
BT__IMPORT_READER(asv)               /* asv.c */
BT__IMPORT_READER(hf_v2_import)      /* hf_v2.c: the seed document (an
					object) or the runner's JSONL (an
					array of line objects) */
BT__IMPORT_READER(criterion)         /* criterion.c: one sample.json
					(root), named by the benchmark.json
					beside it when label is its path */
#undef BT__IMPORT_READER

/* criterion's output directory (target/criterion, or one benchmark's
 * directory): every sample.json in a "new" directory under path, with its
 * benchmark.json, one result each (criterion.c). */
int bt__import_criterion_dir(struct bt_run *run, const char *path,
			     struct bt_import_info *info, struct bt_strbuf *err);

/* --- what the peer readers share (peers.c) -------------------------------- */

/* A growable vector of doubles (x malloc'd: free(v.x)). */
struct bt__imp_vec {
	double *x;
	size_t n, alloc;
};

/* Appends the numbers of the array a (bt__imp_num: a JSON number or the
 * strings "NaN"/"Infinity") to v. flat: nested arrays are flattened;
 * nulls: null items are skipped and counted there (NULL: an error).
 * Anything else, and a number that is not finite, is BT_ESCHEMA "LABEL:
 * PATH[i]: not a number" / "not a finite number"; a missing or non-array
 * a is "LABEL: PATH: missing" / "not an array". 0 or BT_ENOMEM. */
int bt__imp_numbers(const json_t *a, int flat, size_t *nulls, struct bt__imp_vec *v,
		    const char *label, const char *path, struct bt_strbuf *err);

/* Appends a sentence to info->note ("; " between), as far as it fits. */
void bt__imp_note(struct bt_import_info *info, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* info->has_git, has_machine, has_timestamp from what run holds: a
 * commit, a known machine fingerprint, a timestamp. */
void bt__imp_context_found(const struct bt_run *run, struct bt_import_info *info);

/* The last result of run (the one bt__rb_finish just made); NULL when none. */
struct bt_result *bt__imp_last_result(struct bt_run *run);

/* Results from..n_results-1 of run whose name and params an earlier
 * result already has are renamed "NAME (2)", "NAME (3)", ... (as the
 * hyperfine reader does), so that every identity is stored once. 0 or
 * BT_ENOMEM. */
int bt__imp_unique_names(struct bt_run *run, size_t from);

#endif
