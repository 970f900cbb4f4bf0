/* Command benchmarks (lib/run/exec.c): any command, in any language, timed
 * as hyperfine times it, as results of a struct bt_run. The CLI
 * (`benchtrack exec`, cli/cmd_exec.c) parses hyperfine's options into a
 * struct bt_exec_opts and a list of struct bt_exec_cmd, calls bt_exec_run,
 * then stamps the run's context, stores and prints it like `run` does.
 *
 * Every timed run of a command is one sample: metric "time" (wall, s),
 * "user_time" and "sys_time" (s, from wait4's rusage), peak RSS (the
 * highest ru_maxrss, into peak_memory_bytes, and metric "peak_rss" in B).
 * With a shell, the shell's own spawn cost (measured once per call to
 * bt_exec_run, as hyperfine does: the mean of running the shell with an
 * empty command) is subtracted from wall, user and system time (clamped
 * at 0). For each run the command gets BENCHTRACK_METRICS, the path of a
 * fresh empty file it may append metric lines to (docs/PROTOCOL.md);
 * what it wrote is read after the run (lib/import/protocol.h) and pooled
 * over the runs.
 *
 * The library never prints: progress goes to the callback, warnings (a
 * failed --ignore-failure run, a malformed metric line, ...) are appended
 * to warn as lines of text.
 */
#ifndef BENCHTRACK_EXEC_H
#define BENCHTRACK_EXEC_H

#include <stddef.h>
#include <stdint.h>

#include "result.h"
#include "strbuf.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One command to benchmark (after -L/-P expansion: one per combination). */
struct bt_exec_cmd {
	const char *name;        /* benchmark name (-n, else the command text) */
	const char *text;        /* the command as given ({NAME} substituted) */
	char **argv;             /* NULL-terminated: run without a shell (-N);
				    NULL: run text with opts->shell */
	const struct bt_kv *params; /* -L/-P values of this combination; they
				    become the result's params (sorted by the
				    library); may be NULL with n_params 0 */
	size_t n_params;
	/* hyperfine's hooks, shell text each (run with opts->shell, or split
	 * like argv without one); NULL: none. The {NAME} substitution is the
	 * caller's. */
	const char *setup;       /* -s: once, before this command's first run */
	const char *prepare;     /* -p: before every run (warmup and timed) */
	const char *conclude;    /* -C: after every run (warmup and timed) */
	const char *cleanup;     /* -c: once, after this command's last run */
};

/* What becomes of a command's stdout (hyperfine --output). */
enum bt_exec_output {
	BT_EXEC_OUT_NULL = 0,    /* /dev/null (default) */
	BT_EXEC_OUT_PIPE,        /* read and discarded through a pipe */
	BT_EXEC_OUT_INHERIT,     /* benchtrack's own stdout */
	BT_EXEC_OUT_FILE         /* output_file, truncated before each run */
};

struct bt_exec_progress {
	size_t cmd;              /* index of the command that just ran */
	size_t done, total;      /* timed runs so far and planned, of all
				    the commands (total may grow or shrink
				    while the time budget decides) */
	int warmup;              /* 1: it was a warmup run */
	double last_s;           /* wall time of that run */
	size_t cmd_done, cmd_total; /* the same for that command alone */
};

struct bt_exec_opts {
	const char *shell;       /* "sh" style shell run as SHELL -c TEXT;
				    NULL: no shell (every cmd has argv) */
	int warmup;              /* -w: warmup runs per command (default 0) */
	int runs;                /* -r: exact timed runs; 0: automatic */
	int min_runs;            /* -m (default 10) */
	int max_runs;            /* -M; 0: no limit */
	double time_budget_s;    /* automatic: at least min_runs and this
				    long per command (default 3 s) */
	double timeout_s;        /* per run; 0: none. The run's process
				    group is killed (SIGKILL after SIGTERM
				    and a grace period) and the result marked
				    timeout */
	int ignore_failure;      /* -i: a non-zero exit is a sample, not a
				    failure (the exit codes still recorded) */
	int interleave;          /* 1 (default): commands in randomized
				    rounds; 0: one command after another */
	uint64_t seed;           /* for the round order; 0: random */
	const char *input_file;  /* --input: stdin of each run; NULL:
				    /dev/null */
	enum bt_exec_output output;
	const char *output_file; /* BT_EXEC_OUT_FILE */
	const char *group;       /* the results' group (default "exec") */
	const char *tmpdir;      /* where the metric files are made; NULL:
				    $TMPDIR or /tmp */
	void (*progress)(void *ud, const struct bt_exec_progress *p);
	void *ud;
	const char *measure;     /* NULL or "time"; "instructions": every
				    run under valgrind's callgrind (children
				    traced, ASLR off), the metric
				    "instructions" (deterministic) first,
				    with cache_sim also l1_misses, ll_misses,
				    est_cycles (docs/MEASURE.md); the run's
				    config.measure says so */
	int cache_sim;
	volatile int *stop;      /* non-NULL and set (e.g. by a signal
				    handler): the running command's process
				    group is killed and bt_exec_run returns
				    BT_EINTR (the results so far stay in run) */
};

/* The defaults above (interleave 1, min_runs 10, budget 3 s, shell NULL:
 * the caller sets "sh" unless -N). */
void bt_exec_opts_init(struct bt_exec_opts *o);

/* Runs the n commands and appends one result per command to run (in the
 * order of cmds; name, group, params, metrics, status, message; variant
 * "default"), then the results the commands reported through the metric
 * protocol. Results: status ok; failed (the run's exit status, "exit
 * status 2: <tail of stderr>") unless ignore_failure; crashed (signal);
 * timeout. A failed command stops being run; the others go on. Also
 * sets, per result, wall_s (all its runs), cpu_user_s/cpu_sys_s (sums),
 * counters "exit_code_nonzero" (runs with a non-zero exit, when
 * ignore_failure) and "shell_spawn_s" (the subtracted cost, with a
 * shell); the metrics time, user_time, sys_time, peak_rss and, when some
 * runs exited non-zero (ignore_failure), exit_code (each run's status). run's context (id, timestamp, git, machine) is the caller's;
 * run->duration_s and run->config (warmup, runs, budget, timeout, seed
 * used, clock) are set.
 * The details, as hyperfine where it has them:
 * - a run is started with posix_spawn in a process group of its own
 *   (stdin from input_file, rewound, or /dev/null; stderr through a pipe
 *   of which the last 4 KiB are kept for the message); what it leaves in
 *   its group when it exits is killed. A timeout or a stop sends SIGTERM
 *   to the group, SIGKILL after 0.5 s. A signal ends the command crashed
 *   even with ignore_failure.
 * - peak RSS is wait4's ru_maxrss: the kernel counts the pages of
 *   benchtrack itself at the start of a process (as for any fork or
 *   vfork), so a command smaller than benchtrack's resident set (a few
 *   MiB) shows that size.
 * - hooks run with stdout to /dev/null, no timeout and without
 *   BENCHTRACK_METRICS; setup before the command's first run (warmups
 *   included), cleanup after its last one, also after it failed. With
 *   interleave the setups and cleanups of the commands are apart in
 *   time, not nested.
 * - automatic runs: after each timed run, planned = budget / the mean
 *   time of one run with its prepare and conclude, at least min_runs
 *   (lowered to max_runs when that is below), at most max_runs.
 * - each run finds an empty file at BENCHTRACK_METRICS (a command may
 *   append to it, replace or remove it); what warmups and failed runs
 *   wrote is discarded; label "run N of 'NAME'".
 * Returns 0 (even when commands failed: see the statuses), BT_EINVAL for
 * bad options (err says which), or BT_EIO/BT_ENOMEM when something of
 * ours fails (a command that cannot be found is its result's failure,
 * "command not found"), BT_EINTR when *o->stop was set. */
int bt_exec_run(const struct bt_exec_opts *o, const struct bt_exec_cmd *cmds,
		size_t n, struct bt_run *run, struct bt_strbuf *warn,
		struct bt_strbuf *err);

/* Splits text into words like a POSIX shell would, without expansions:
 * blanks separate words, '...' and "..." quote (\" \\ \$ \` escape inside
 * double quotes), a backslash escapes the next character. Returns a
 * malloc'd NULL-terminated array (free with bt_exec_argv_free), or NULL
 * with err set ("unterminated quote", out of memory). */
char **bt_exec_split(const char *text, struct bt_strbuf *err);
void bt_exec_argv_free(char **argv);

#ifdef __cplusplus
}
#endif
#endif
