/* The runner command line shared by BT_MAIN executables (bt_main) and
 * `benchtrack run`: flag table, parsing, progress and output. This layer
 * prints; the library does not. */
#ifndef BENCHTRACK_FRONT_H
#define BENCHTRACK_FRONT_H

#include <stdio.h>

#include "benchtrack.h"

/* --log-level: quiet (= error) < warn < info < debug; each shows what the
 * ones before it show. */
enum bt_log_level { BT_LOG_QUIET = 0, BT_LOG_WARN = 1, BT_LOG_INFO = 2,
		    BT_LOG_DEBUG = 3 };

/* The name --log-level takes for a level ("quiet", "warn", "info",
 * "debug"). */
const char *bt_front_log_level_name(int level);

struct bt_front {
	struct bt_config cfg;
	const char *format;   /* table (default), json, csv, md, none */
	const char *out;      /* --out FILE: the run as JSON */
	const char *type;     /* --type */
	const char *suite;    /* --suite */
	const char *git_dir;  /* --git-dir: the repository of the run's git
				 state (default: the cwd's, else the
				 executable's directory's) */
	const char *baseline; /* --baseline */
	int list;             /* --list */
	const char *store;    /* --store DIR (benchtrack run) */
	int no_store;         /* --no-store (benchtrack run) */
	const char *upload_to_hub; /* --upload-to-hub OWNER/NAME (benchtrack
				 run): the run also goes to that dataset */
	const char *run_id;   /* --run-id ID: its folder there (benchtrack run) */
	int allow_empty;      /* --allow-empty: no matching case is not an
				 error (benchtrack run passes it to suites) */
	int allow_unknown_params; /* --allow-unknown-params: a --param axis
				 or --options name need not be declared in
				 this suite (benchtrack run: in some suite) */
	int repetitions;      /* --repetitions N (benchtrack run): each suite
				 runs N times in fresh processes, samples
				 pooled; 0 when not given */
	int help, version;
	int log_level;
	const char *params_store[64];
	char new_tokens[40];  /* --num-tokens-to-generate N as "new_tokens=N" */
	/* positional arguments (suites for `benchtrack run`) */
	char **args;
	int n_args;
	/* arguments to forward to a suite (everything but positionals and
	 * the flags `benchtrack run` handles itself) */
	char **forward;
	int n_forward;
};

/* Parses argv[1..argc) into f (initialised to the defaults first). Returns
 * 0, or BT_EINVAL / BT_EPARSE with a message naming the flag in err. The
 * arrays in f point into argv or are malloc'd (bt_front_release). */
int bt_front_parse(struct bt_front *f, int argc, char **argv,
		   struct bt_strbuf *err);
void bt_front_release(struct bt_front *f);

/* Stamps the run and fills its context: timestamp, id, machine, git,
 * type, suite, build. */
int bt_front_context(struct bt_front *f, struct bt_run *run,
		     const struct bt_build_info *build, const char *argv0);

/* Without --type or --ablation, gives run the benchmark type that all of
 * its results declare (bt_run_declared_type), when they agree; else
 * "comprehensive" (a merged run's results may differ). */
void bt_front_declared_type(const struct bt_front *f, struct bt_run *run);

/* Progress callback for bt_plan_run; ud is the struct bt_front. */
void bt_front_progress(void *ud, size_t index, size_t total,
		       const struct bt_case *c, const struct bt_result *done);

/* Writes run in the chosen --format to stdout and as JSON to --out.
 * Returns the exit code: 0, 3 (could not write), 4 (a case failed). */
int bt_front_emit(struct bt_front *f, const struct bt_run *run);

/* Prints "benchtrack: <msg>" to stderr (colour only on a terminal and
 * never with NO_COLOR). */
void bt_front_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* 1 when colours may be used on stream (a terminal and no NO_COLOR). */
int bt_front_color(FILE *stream);

/* The help text of a command, from docs/cmd/NAME.md; NULL when none.
 * Generated (front_docs.c, scripts/embed-docs.cmake) with run.md only:
 * every benchmark executable links it; the tool has the other pages
 * (cli_docs.c). */
const char *bt_front_doc(const char *name);

/* Plans and runs the registered benchmarks per f; prints; returns the
 * exit code. */
int bt_front_run_registered(struct bt_front *f,
			    const struct bt_build_info *build,
			    const char *argv0);

/* --measure (front/measure.c, docs/MEASURE.md). In a process started by
 * bt_front_measure_reexec (BT_MEASURE_CHILD set, under valgrind):
 * replaces *argc, *argv and environ by the real ones, sets *dir
 * (malloc'd: bt_front_measure_done) and returns 1; 0 in any other
 * process; -1 after printing an error. */
int bt_front_measure_child(int *argc, char ***argv, char **dir);
void bt_front_measure_done(char *dir);
/* Runs this suite again with the same arguments under callgrind (ASLR
 * off, fixed stack) and waits; returns its exit code (3 when valgrind is
 * missing, printed). */
int bt_front_measure_reexec(int argc, char **argv, int cache_sim);
/* --measure cycles: 0 when the counters open, else prints why not and
 * returns 3. 0 for the other measures. */
int bt_front_measure_check(const struct bt_front *f);

/* Distributed benchmarks (front/mpi.c): 1 when this process is a rank
 * started by mpirun; bt_front_mpi_main runs the suite in that world (or
 * the one case BT_MPI_CASE names) and returns the exit code. */
int bt_front_mpi_world(void);
int bt_front_mpi_main(struct bt_front *f, const struct bt_build_info *build,
		      const char *argv0);
/* --find-limit AXIS: per group of run's results, the largest value of the
 * axis that passed and the status and message of the step that did not. */
void bt_front_find_limit_summary(const struct bt_run *run, const char *axis,
				 FILE *to);

/* Exit codes (docs/internals/ARCHITECTURE.md §3). */
enum { BT_EXIT_OK = 0, BT_EXIT_REGRESSION = 1, BT_EXIT_USAGE = 2,
       BT_EXIT_ERROR = 3, BT_EXIT_CASE_FAILED = 4 };

#endif

