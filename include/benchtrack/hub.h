/* Upload of runs to a Hugging Face dataset (lib/export/hub.c, the layout
 * and documents in lib/export/hf_v2.c): the files of the transformers
 * benchmark runner's dataset (docs/cmd/upload.md), pushed with git over
 * HTTP(S). */
#ifndef BENCHTRACK_HUB_H
#define BENCHTRACK_HUB_H

#include <stddef.h>

#include "benchtrack/result.h"
#include "benchtrack/strbuf.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Where runs go and under which names. Strings are borrowed. */
struct bt_hub_dest {
	const char *repo;       /* "OWNER/NAME" of the dataset (required) */
	const char *base_url;   /* NULL: "https://huggingface.co"; the git
				   repository is BASE/datasets/OWNER/NAME; a
				   user name in it (https://USER@host) is the
				   one given with the token, else "user" */
	const char *revision;   /* the branch pushed to; NULL: "main" */
	const char *token;      /* NULL: none (a server that asks fails);
				   only ever given to git in the environment
				   of the child, never in argv or a file */
	int scheduled;          /* the layout of scheduled runs:
				   DATE/benchmark_results_COMMIT/ */
	const char *run_number; /* NULL: none (GITHUB_RUN_NUMBER) */
	const char *run_id;     /* NULL: each run's own id */
};

/* One file of the dataset: its path in the repository and its content,
 * both malloc'd. */
struct bt_hub_file {
	char *path;
	char *data;
	size_t len;
};

struct bt_hub_files {
	struct bt_hub_file *v;
	size_t n, alloc;
};

/* The largest file the upload sends (10 MB: the Hub takes larger ones
 * only through LFS, which benchtrack does not speak). */
#define BT_HUB_MAX_FILE ((size_t)10 * 1000 * 1000)

/* Appends the files of run to files, laid out as d says (scheduled or
 * not, run number and id), with date the run's UTC date:
 *   DATE/runs/[NUMBER-]ID/benchmark_results/      (manual, pull request)
 *   DATE/benchmark_results_COMMIT/                 (scheduled)
 * holding benchmark_summary_STAMP.json, MODEL/MODEL_benchmark_STAMP.json
 * per model (the seed's document: model_name, benchmark_scenarios with
 * metadata, measurements and gpu_metrics; `import --format hf-v2` reads
 * it back) and run_STAMP.json (the run itself, docs/FORMAT.md). STAMP is
 * the run's start as YYYYmmdd_HHMMSS. BT_EINVAL (err says why) for a run
 * without a timestamp, a scheduled run without a commit, a file over
 * BT_HUB_MAX_FILE or a bad repo; BT_ENOMEM. On failure files keeps what
 * it had before. */
int bt_hub_layout(const struct bt_run *run, const struct bt_hub_dest *d,
		  struct bt_hub_files *files, struct bt_strbuf *err);

/* Frees the files and empties the list. */
void bt_hub_files_release(struct bt_hub_files *files);

/* Adds files to the dataset in one commit (message: its subject) with
 * git: a shallow clone of the branch into a private directory under
 * $TMPDIR, the files added, a commit, a push; a push refused because the
 * branch moved on is made again on the new tip (8 attempts in all). A
 * file whose path already exists in the dataset is never overwritten:
 * BT_EEXISTS, and nothing is pushed. What git said that the caller may show goes to log
 * (may be NULL; never the token). BT_EINVAL (a bad destination),
 * BT_ECHILD (git failed: err says what and why; "authentication failed"
 * when the server refused the token), BT_EEXISTS, BT_EIO, BT_ENOMEM. The
 * private directory is removed in every case. */
int bt_hub_push(const struct bt_hub_dest *d, const struct bt_hub_files *files,
		const char *message, struct bt_strbuf *log, struct bt_strbuf *err);

/* 1 when repo is a dataset name bt_hub_push takes: OWNER/NAME, each of
 * letters, digits, '.', '_' and '-', not starting with '.'; else 0. */
int bt_hub_valid_repo(const char *repo);

/* 1 when id can name a run's folder (--run-id): 1 to 128 letters,
 * digits, '.', '_' and '-', not starting with '.'; else 0. */
int bt_hub_valid_run_id(const char *id);

#ifdef __cplusplus
}
#endif
#endif
