/* Other tools' results as runs, and runs in other tools' formats.
 *
 * Import (lib/import/): a file (or, for criterion, a directory) that a
 * peer tool wrote becomes the results of a struct bt_run: raw samples
 * wherever the format has them, statistics recomputed by
 * bt_stats_summarize, the source's own summary numbers kept beside them
 * as counters named "<metric>.source_<stat>" ("time.source_mean"), and
 * what the source says of the context (commit, branch, machine, time).
 * The caller (`benchtrack import`, cli/cmd_import.c) fills what the file
 * does not say from its flags or the current checkout and machine, then
 * stores the run like any other.
 *
 * Export (lib/export/): a stored run in a peer's format, so that the
 * peer's own tools read it (Google Benchmark's compare.py reads the gbench
 * export).
 */
#ifndef BENCHTRACK_IMPORT_H
#define BENCHTRACK_IMPORT_H

#include <stddef.h>

#include "result.h"
#include "strbuf.h"

#ifdef __cplusplus
extern "C" {
#endif

enum bt_format {
	BT_FORMAT_AUTO = 0,         /* import: detect from the content */
	BT_FORMAT_GBENCH,           /* Google Benchmark --benchmark_format=json */
	BT_FORMAT_HYPERFINE,        /* hyperfine --export-json */
	BT_FORMAT_PYTEST_BENCHMARK, /* pytest --benchmark-json */
	BT_FORMAT_PYPERF,           /* pyperf's JSON (-o FILE) */
	BT_FORMAT_CRITERION,        /* target/criterion/.../new/{sample,benchmark}.json */
	BT_FORMAT_ASV,              /* asv results/<machine>/<commit>-<env>.json */
	BT_FORMAT_HF_V2,            /* transformers benchmark_v2 (JSON or JSONL) */
	BT_FORMAT_CSV,              /* export only: one row per sample */
	BT_FORMAT_COUNT_
};

/* "auto", "gbench", "hyperfine", "pytest-benchmark", "pyperf",
 * "criterion", "asv", "hf-v2", "csv"; NULL for a value out of range. */
const char *bt_format_name(enum bt_format f);
/* The format named s (as above); -1 when s names none. */
int bt_format_parse(const char *s);

/* What an import found out besides the results. */
struct bt_import_info {
	enum bt_format format;   /* the format read */
	int detected;            /* 1 when chosen by BT_FORMAT_AUTO */
	int has_git;             /* the file gave the commit (run->git) */
	int has_machine;         /* the file gave the machine (run->machine) */
	int has_timestamp;       /* the file gave the time (run->timestamp) */
	char note[256];          /* one line worth saying (what was dropped:
				    "12 aggregate rows ignored"), or "" */
};

/* Reads path (a file, or a directory for criterion) in format f
 * (BT_FORMAT_AUTO: detect) into run (initialised, empty). Sets the
 * results (suite left NULL unless the file names one; series keys are
 * the caller's, once suite and machine are final) and what the file
 * gives of git, machine, timestamp and benchmark type.
 * Returns 0; BT_EPARSE/BT_ESCHEMA for a malformed or truncated file, err
 * "PATH: FIELD: problem" (the field as a path, "benchmarks[3].real_time");
 * BT_EUNSUPPORTED when auto-detection recognises no format (err lists
 * what it tried); BT_EIO, BT_ENOMEM, BT_ETOOBIG. On error run is left
 * valid (release it); nothing is half-imported that a caller could
 * store: discard run. */
int bt_import_path(struct bt_run *run, const char *path, enum bt_format f,
		   struct bt_import_info *info, struct bt_strbuf *err);

/* The same for text already in memory (what a harness printed); label
 * names it in messages. Criterion needs a directory: BT_EUNSUPPORTED. */
int bt_import_text(struct bt_run *run, const char *text, size_t len,
		   const char *label, enum bt_format f,
		   struct bt_import_info *info, struct bt_strbuf *err);

/* Writes run in format f (gbench, hyperfine, pytest-benchmark, csv) into
 * out. Every result with samples is exported with its samples (gbench:
 * one "iteration" row per sample plus the mean/median/stddev aggregates,
 * as --benchmark_repetitions writes them; hyperfine: "times"; pytest-
 * benchmark: "stats.data"), so that importing the export gives the same
 * samples back. BT_EINVAL for a format that cannot be exported (err says
 * which can), BT_ENOMEM. */
int bt_export_run(const struct bt_run *run, enum bt_format f,
		  struct bt_strbuf *out, struct bt_strbuf *err);

/* How many results of run an export in format f leaves out (lib/export/):
 * for hyperfine and pytest-benchmark those that did not run ok or have no
 * time samples; for gbench the ok ones without time samples (a failure
 * is a row with error_occurred); for csv those without samples. 0 for a
 * format that cannot be exported. */
size_t bt_export_left_out(const struct bt_run *run, enum bt_format f);

#ifdef __cplusplus
}
#endif
#endif
