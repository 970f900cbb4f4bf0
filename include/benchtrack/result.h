/* The run model: one benchmark run with its context and results, and its
 * JSON form (schema "benchtrack.run/1", documented in docs/FORMAT.md).
 *
 * Ownership: every pointer inside a struct bt_run (strings, arrays) is
 * allocated from the run's arena and freed at once by bt_run_release().
 * Build a run with bt_run_init() and the bt_run_* allocators; never free()
 * anything inside it. Strings are NUL-terminated UTF-8; a NULL string means
 * "absent" (written as JSON null or left out, see FORMAT.md).
 */
#ifndef BENCHTRACK_RESULT_H
#define BENCHTRACK_RESULT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "stats.h"
#include "strbuf.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BT_RUN_SCHEMA "benchtrack.run/1"

enum bt_status {
	BT_STATUS_OK = 0,
	BT_STATUS_FAILED,  /* bt_fail, failed validation, runner error */
	BT_STATUS_CRASHED, /* killed by a signal */
	BT_STATUS_TIMEOUT, /* ran past --timeout */
	BT_STATUS_OOM,     /* bt_oom, allocation failure under the limit, OOM kill */
	BT_STATUS_SKIPPED  /* bt_skip */
};
/* "ok", "failed", ... ; bt_status_parse returns -1 for unknown text. */
const char *bt_status_name(enum bt_status st);
int bt_status_parse(const char *s);

/* Whether lower or higher values of a metric are better. */
enum bt_direction { BT_LOWER_IS_BETTER = -1, BT_HIGHER_IS_BETTER = 1 };

struct bt_kv {
	const char *key;
	const char *value; /* canonical text (params) */
};

struct bt_counter {
	const char *name;
	double value;
};

struct bt_metric {
	const char *name;      /* "time" is the primary metric: seconds per op */
	const char *unit;      /* "s", "tokens/s", "B", ... */
	enum bt_direction direction;
	double *samples;       /* raw samples, in measurement order */
	size_t n_samples;
	struct bt_stats stats; /* summary of samples */
	double *process_medians; /* a run pooled over several processes (run
				    --repetitions, ab, merged runs): the
				    median of each process's samples, in
				    process order; NULL and 0 otherwise */
	size_t n_process_medians;
	int deterministic;     /* 1: a count that does not vary from run to
				  run (instructions under callgrind): judged
				  by a threshold on the ratio, no p-values
				  (benchtrack-compare(1)); 0 otherwise */
};

struct bt_validation {
	int checked;           /* 0: no bt_check_close call (rest meaningless) */
	double max_abs_err;
	double max_rel_err;    /* max|got-want| / max|want| (normwise) */
	double tolerance;      /* rel_tol of the strictest check */
	int passed;
};

struct bt_throughput {
	double value;          /* items (or bytes) per second at the median time */
	const char *unit;      /* "tokens/s", "B/s"; NULL when not set */
	double items_per_op;   /* as given to bt_set_items / bt_set_bytes */
};

struct bt_adaptive {
	const char *param;     /* NULL when the benchmark has no adaptive param */
	const char *requested; /* value before OOM retries */
	const char *ran;       /* value that ran (== requested without OOM) */
	int retries;
};

struct bt_result {
	const char *name;      /* benchmark name */
	const char *group;     /* comparison group; NULL = none */
	const char *type;      /* benchmark type declared by .type; NULL = none */
	const char *variant;   /* "default", or options joined with '+', "none" */
	struct bt_kv *params;  /* sorted by key */
	size_t n_params;
	const char **options;  /* boolean options on in this case */
	size_t n_options;
	int version;           /* .version of the benchmark (1 by default) */
	enum bt_status status;
	const char *message;   /* why it is not ok; NULL when ok */
	struct bt_metric *metrics; /* metrics[0] is "time" when measured */
	size_t n_metrics;
	struct bt_counter *counters;
	size_t n_counters;
	struct bt_throughput throughput; /* items when set, else bytes */
	uint64_t iterations_per_sample;
	int64_t peak_memory_bytes; /* case peak RSS (VmHWM), -1 unknown */
	int64_t memory_bytes;      /* bt_set_memory, -1 when not set */
	double cpu_user_s, cpu_sys_s;
	int64_t ctx_switches_voluntary, ctx_switches_involuntary;
	double wall_s;         /* wall time of the whole case incl. calibration */
	struct bt_validation validation;
	struct bt_adaptive adaptive;
	const char *series_key; /* 16 hex digits, see bt_series_key() */
	struct bt_throughput bytes_throughput; /* "B/s" when the benchmark
				  set both items and bytes; unit NULL else */
};

struct bt_git {
	const char *commit;      /* full hash; NULL outside a repository */
	const char *branch;      /* NULL when detached or unknown */
	int dirty;               /* 1, 0, or -1 unknown */
	const char *commit_time; /* ISO 8601 UTC */
};

struct bt_gpu {
	const char *name;
	int64_t memory_bytes;    /* -1 unknown */
	const char *driver;
};

struct bt_machine {
	const char *name;        /* hostname */
	const char *fingerprint; /* 16 hex digits; stable for the same hardware/OS */
	const char *arch;        /* "x86_64" */
	const char *cpu_model;
	int cpu_cores;           /* logical CPUs online */
	int cpu_physical_cores;  /* -1 unknown */
	double cpu_mhz;          /* nominal/maximum; 0 unknown */
	int64_t cache_l1d, cache_l2, cache_l3; /* bytes; -1 unknown */
	int64_t memory_bytes;
	const char *os;          /* PRETTY_NAME of os-release */
	const char *kernel;      /* uname release */
	const char *governor;    /* cpufreq governor of cpu0; NULL unknown */
	struct bt_gpu *gpus;
	size_t n_gpus;
};

struct bt_build {
	const char *compiler;    /* "gcc 12.2.0" */
	const char *flags;       /* as recorded at build time; NULL unknown */
	int optimized;           /* 1 when built with optimisation, 0, -1 unknown */
	const char *benchtrack_version;
};

struct bt_config {
	int warmup_iterations;      /* samples discarded */
	int measurement_iterations; /* samples kept (ignored with a budget) */
	double min_sample_time;     /* s */
	double time_budget;         /* s of measurement per case, 0 = none;
				       at least 3 samples are kept */
	double timeout;             /* s per case, 0 = none */
	int64_t memory_limit;       /* bytes, 0 = none */
	int isolate;
	uint64_t seed;
	int quick;
	int ablation;
	const char *filter;         /* NULL = all */
	const char *exclude;
	const char **params;        /* --param overrides as given */
	size_t n_params;
	const char *range;          /* --range preset */
	const char *options;        /* --options as given */
	double timer_resolution_s;  /* measured once per process */
	double timer_overhead_s;
	const char *clock;          /* "CLOCK_MONOTONIC" */
	int strict_names;           /* planning only, not stored: a --param
				       axis or --options name that no
				       benchmark declares is an error */
	const char *preset;         /* --suite-preset NAME, NULL none */
	const char *models_dir;     /* --models DIR, NULL none */
	double gpu_sample_interval; /* s between GPU samples, 0 = off
				       (--no-gpu-metrics) */
	const char *gpu_monitoring; /* set by bt_plan_run: "nvml",
				       "unavailable" (no NVML or no GPU),
				       "off"; NULL unknown */
	const char *measure;        /* --measure: NULL or "time",
				       "instructions" (callgrind), "cycles"
				       (perf_event_open); docs/MEASURE.md */
	int cache_sim;              /* --cache-sim (instructions) */
	const char *measure_tool;   /* what counted, as recorded: the
				       valgrind version and options, or the
				       perf events; NULL for time */
	const char *measure_dir;    /* not stored: where callgrind writes
				       its dumps (set by the runner front) */
	int mpi;                    /* --mpi N: distributed cases run by one
				       mpirun launch each, at most N ranks;
				       0 = none (they are skipped) */
	int mpi_world;              /* not stored: inside an MPI world, its
				       size (only the distributed cases of
				       that many ranks are planned) */
	const char *mpi_case;       /* not stored: the one case id a launch
				       runs (BT_MPI_CASE) */
	char *const *mpi_argv;      /* not stored: the suite's command line,
				       what a launch runs again */
	const char *find_limit;     /* --find-limit AXIS, NULL none */
};

struct bt_arena; /* opaque */

struct bt_run {
	const char *schema;         /* BT_RUN_SCHEMA */
	const char *run_id;         /* 32 hex digits, random */
	const char *benchmark_type; /* --type, default "comprehensive" */
	const char *suite;          /* suite name (executable basename) */
	const char *timestamp;      /* start, UTC ISO 8601 "2026-11-22T20:08:32Z" */
	double duration_s;
	struct bt_git git;
	struct bt_machine machine;
	struct bt_build build;
	struct bt_config config;
	struct bt_result *results;
	size_t n_results;
	size_t results_alloc;
	struct bt_arena *arena;     /* owns everything above */
};

/* Initialises an empty run with its own arena (schema set, everything else
 * zero/NULL, numeric "unknown" fields -1). Returns 0 or BT_ENOMEM. */
int bt_run_init(struct bt_run *run);
/* Frees the arena and everything in the run; run becomes zeroed. Safe on a
 * zeroed run. */
void bt_run_release(struct bt_run *run);

/* Arena allocations owned by run (zeroed memory / copies). NULL only when
 * out of memory; bt_run_strdup(run, NULL) returns NULL. */
void *bt_run_alloc(struct bt_run *run, size_t size);
char *bt_run_strdup(struct bt_run *run, const char *s);
char *bt_run_printf(struct bt_run *run, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Appends a zero-initialised result (fields needing -1 set so) and returns
 * it, NULL when out of memory. Pointers to earlier results may move. */
struct bt_result *bt_run_add_result(struct bt_run *run);

/* Stable hash of the identity of a series: suite, name, variant, params
 * (sorted by key), machine fingerprint, metric name and benchmark version.
 * Written as 16 lowercase hex digits into out[17]. Only results with equal
 * keys are ever compared. */
void bt_series_key(const char *suite, const struct bt_result *r,
		   const char *fingerprint, const char *metric, char out[17]);

/* The benchmark type that every result of run declares (.type), or NULL
 * when the run has no result, a result declares none, or two differ
 * (lib/result/result.c). The pointer is the first result's. */
const char *bt_run_declared_type(const struct bt_run *run);

/* Says whether the time samples of r are too short to trust: returns 1
 * and appends a sentence to msg (may be NULL) when r is ok and a typical
 * sample (median time x iterations per sample) lasts under 1000 steps of
 * the clock's resolution resolution_s, or under half of min_sample_time
 * (the benchmark got faster after calibration); else 0. A result without
 * a time metric gives 0. */
int bt_result_sample_warning(const struct bt_result *r, double resolution_s,
			     double min_sample_time, struct bt_strbuf *msg);

/* Finds a metric of r by name; NULL when absent. */
const struct bt_metric *bt_result_metric(const struct bt_result *r,
					 const char *name);

/* --- JSON (lib/result/json.c) ------------------------------------------------ */

/* Writes run as a JSON document (pretty when pretty != 0) to a buffer /
 * stream / file. The file is written atomically: a temporary file in the
 * same directory, fsync, rename. Returns 0 or BT_E* with detail in err. */
int bt_run_to_json(const struct bt_run *run, int pretty, struct bt_strbuf *out,
		   struct bt_strbuf *err);
int bt_run_write_file(const struct bt_run *run, const char *path,
		      struct bt_strbuf *err);

/* The forms of a run file. Every reader (bt_run_read_file,
 * bt_run_from_json, the store's) takes them all: a compressed one is told
 * by its first bytes. */
enum bt_run_file_form {
	BT_RUN_FILE_PLAIN = 0, /* the JSON text (bt_run_write_file) */
	BT_RUN_FILE_ZSTD = 1,  /* the JSON text in a zstd frame (RFC 8878),
				  with its checksum */
	BT_RUN_FILE_GZIP = 2,  /* the JSON text gzip-compressed (RFC 1952) */
	BT_RUN_FILE_STORE = 3  /* as the store writes it: ZSTD when the text
				  is BT_RUN_ZSTD_MIN bytes or more, else
				  PLAIN (docs/STORE.md) */
};
#define BT_RUN_ZSTD_MIN 16384

/* bt_run_write_file in the form form. */
int bt_run_write_file_as(const struct bt_run *run, const char *path,
			 enum bt_run_file_form form, struct bt_strbuf *err);

/* Reads a run document strictly (its text, or that text compressed with
 * zstd or gzip: a truncated or damaged stream is BT_EPARSE naming it): malformed or truncated JSON, a wrong type,
 * a missing required field, an unknown schema or status give BT_EPARSE or
 * BT_ESCHEMA with a message "<name>: <field path>: <problem>" (name is the
 * file name or the label given), never a crash. Input above 256 MiB is
 * BT_ETOOBIG. run must be initialised with bt_run_init and empty; on error
 * it is left valid (release it). */
int bt_run_from_json(struct bt_run *run, const char *text, size_t len,
		     const char *name, struct bt_strbuf *err);
int bt_run_read_file(struct bt_run *run, const char *path,
		     struct bt_strbuf *err);

/* One result alone, as the JSON object used inside "results" (the forked
 * child sends its result to the runner this way). The suite and
 * fingerprint needed for series_key are not involved. */
int bt_result_to_json(const struct bt_result *r, struct bt_strbuf *out,
		      struct bt_strbuf *err);
int bt_result_from_json(struct bt_run *run, struct bt_result *r,
			const char *text, size_t len, const char *name,
			struct bt_strbuf *err);

/* --- Context (lib/run/context.c) ------------------------------------------ */

/* Fills run->machine (CPU from /proc/cpuinfo and sysfs, memory, os-release,
 * uname, GPUs from nvidia-smi when present) and the fingerprint: a hash of
 * arch, CPU model, logical cores, memory rounded to GiB, cache sizes, OS
 * and GPU names, so it is stable across reboots but changes with the
 * hardware or OS. Missing information stays unknown; never fails for it.
 * Returns 0 or BT_ENOMEM. */
int bt_context_machine(struct bt_run *run);

/* Fills run->git from the repository containing dir (NULL = cwd) by running
 * git; leaves it unknown outside a repository or without git. */
int bt_context_git(struct bt_run *run, const char *dir);

/* Sets run->timestamp to now (UTC) and run->run_id to a fresh random id. */
int bt_context_stamp(struct bt_run *run);

#ifdef __cplusplus
}
#endif
#endif
