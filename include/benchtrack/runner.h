/* The runner: expands registered benchmarks into cases and measures them.
 *
 * A case is one benchmark x one parameter combination x one variant
 * (a set of boolean options). Cases run in a forked child by default, so a
 * crash, a hang past the timeout, failed validation or an out-of-memory
 * condition marks that case and the run goes on
 * (docs/internals/ARCHITECTURE.md §5).
 */
#ifndef BENCHTRACK_RUNNER_H
#define BENCHTRACK_RUNNER_H

#include <stddef.h>
#include <stdint.h>

#include "bench.h"
#include "result.h"
#include "strbuf.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Defaults of struct bt_config (the seed runner's 3 warmup, 20 measured). */
#define BT_DEFAULT_WARMUP 3
#define BT_DEFAULT_MEASUREMENT 20
#define BT_DEFAULT_MIN_SAMPLE_TIME 0.005 /* s */
#define BT_DEFAULT_TIMEOUT 300.0         /* s per case */
#define BT_DEFAULT_GPU_SAMPLE_INTERVAL 0.05 /* s */

/* Sets *cfg to the defaults (isolate on, seed 42, strict names, everything
 * else off). */
void bt_config_defaults(struct bt_config *cfg);

/* The registered benchmarks (in registration order, i.e. source order
 * within a file). Pointers are static. */
const struct bt_bench_def *const *bt_registry(size_t *n);

struct bt_case {
	const struct bt_bench_def *def;
	const char *name;       /* def->name or def->fn_name */
	struct bt_kv *params;   /* n_params, in declaration order */
	size_t n_params;
	const char **options;   /* options on */
	size_t n_options;
	const char *variant;    /* "default", "none", or "a+b" */
	const char *id;         /* "name/k=v/k=v" plus ":variant" unless default;
				   what --filter/--exclude match */
};

struct bt_plan {
	struct bt_case *cases;
	size_t n_cases;
	struct bt_arena *arena; /* owns everything in the plan */
};

/* Expands the registry into cases using cfg: with cfg->preset, only the
 * preset's cases (struct bt_preset_def; an unknown name is BT_ENOTFOUND
 * listing the presets there are); with cfg->models_dir, the model names
 * there (bt_model_names) as the values of every axis `model`; parameter
 * specs with the
 * --param overrides (cfg->params) and --range (cfg->range: "PRESET" applies
 * to the axis declared with an @preset, else to "seq_len"; "AXIS=PRESET"
 * names the axis), --quick (each declared integer axis keeps its two
 * smallest values; applied before --range and --param, which it never
 * cuts), variants from cfg->options / cfg->ablation, then cfg->filter /
 * cfg->exclude (POSIX extended regexes, searched in the case id). An
 * invalid spec or regex is BT_EPARSE naming the benchmark and the spec; an
 * --options name or a --param axis no benchmark declares is BT_ENOTFOUND
 * when cfg->strict_names (the default). */
int bt_plan_build(struct bt_plan *plan, const struct bt_config *cfg,
		  struct bt_strbuf *err);
void bt_plan_release(struct bt_plan *plan);

/* Called before each case (done == NULL) and after it (done = its result).
 * index counts from 0. */
typedef void (*bt_progress_fn)(void *ud, size_t index, size_t total,
			       const struct bt_case *c,
			       const struct bt_result *done);

/* Runs every case of plan into run (results appended in plan order; the
 * run's config is copied from cfg, with gpu_monitoring set: while each
 * case runs, a thread of this process samples the GPUs through NVML every
 * cfg->gpu_sample_interval s when libnvidia-ml.so.1 loads, and the result
 * gets the gpu_* counters; machine/git/timestamp are not touched:
 * see bt_context_*). Each result gets its series_key from run->suite and
 * run->machine.fingerprint, so set those first. Returns 0 when the cases
 * ran (whatever their status), or BT_E* when the runner itself could not
 * go on (fork failure, out of memory). A process-wide effect: SIGPIPE,
 * when at its default, is set to ignored (a closed stderr must not end
 * the run); the cases' children get the default back. While an isolated
 * case runs, the process is a child subreaper (PR_SET_CHILD_SUBREAPER);
 * after it, every process the case started is killed and reaped. */
int bt_plan_run(const struct bt_plan *plan, const struct bt_config *cfg,
		struct bt_run *run, bt_progress_fn progress, void *ud,
		struct bt_strbuf *err);

/* --- presets (BT_PRESET, --suite-preset; lib/run/presets.c) --------- */

/* One preset of the suite: declared with BT_PRESET (def set), or only
 * named in some benchmark's .presets (def NULL). */
struct bt_preset {
	const char *name;
	const struct bt_preset_def *def;
};

/* The presets of the registry: those declared with BT_PRESET in
 * registration order, then the names that only .presets lists, in the
 * order first met. *out is malloc'd (caller frees; its pointers are
 * static). Returns 0 or BT_ENOMEM; a BT_PRESET name declared twice is
 * BT_EINVAL naming both places. */
int bt_presets(struct bt_preset **out, size_t *n, struct bt_strbuf *err);

/* The model names for --models DIR: the *.safetensors files of DIR (not
 * its subdirectories) without the extension, smallest file first (then by
 * name). *out and its strings are malloc'd (bt_model_names_free).
 * BT_ENOTFOUND when DIR is not a readable directory or holds no such file;
 * BT_EINVAL for a name that cannot be a parameter value (a ',', ';', '='
 * or a space in it), naming the file. */
int bt_model_names(const char *dir, char ***out, size_t *n,
		   struct bt_strbuf *err);
void bt_model_names_free(char **names, size_t n);

/* --- discovery (benchtrack run DIR; lib/run/discover.c) -------------- */

/* 1 when path is a regular executable ELF file that holds the bytes
 * BT_MAIN embeds (BT__SUITE_MARKER), read without running it; 0 when it
 * is not; BT_ESYS when it cannot be read (err names it). */
int bt_is_suite_file(const char *path, struct bt_strbuf *err);

/* Every suite executable under dir (recursively; hidden entries and
 * symbolic links to directories skipped), as bt_is_suite_file says, as
 * paths dir/... sorted bytewise. *out and its strings are malloc'd
 * (bt_model_names_free frees them too). 0 (also with none found), or
 * BT_ESYS when dir cannot be read. */
int bt_discover_suites(const char *dir, char ***out, size_t *n,
		       struct bt_strbuf *err);

/* Timer characteristics measured once per process (cached). */
void bt_timer_info(double *resolution_s, double *overhead_s);

/* Number of results of run that are not ok or skipped. */
size_t bt_run_failures(const struct bt_run *run);

#ifdef __cplusplus
}
#endif
#endif
