/* What the files of command benchmarks share (internal to lib/run/exec.c,
 * exec_spawn.c and exec_words.c): one process started, timed and reaped,
 * the kills of its process group, and what became of it in words. */
#ifndef BENCHTRACK_EXECINT_H
#define BENCHTRACK_EXECINT_H

#include <signal.h>
#include <spawn.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "benchtrack.h"

#define BT__TAIL_MAX 4096 /* bytes of stderr kept, the last ones */

/* How every process of a bt_exec_run call is started: in a process group
 * of its own, signals unblocked and the usual ones at their default, stdin
 * from in_fd (rewound before each start) or /dev/null. Made by
 * bt__spawner_init, released by bt__spawner_release. */
struct bt__spawner {
	posix_spawnattr_t attr;
	int attr_ok;
	int devnull;             /* /dev/null, read-write, >= 3, close-on-exec */
	int in_fd;               /* --input, >= 3, close-on-exec; -1: none */
	enum bt_exec_output out;
	const char *out_file;
};

/* 0, or BT_EIO naming the file that cannot be opened (input_file), or
 * BT_ESYS. */
int bt__spawner_init(struct bt__spawner *sp, const char *input_file,
		     enum bt_exec_output out, const char *out_file,
		     struct bt_strbuf *err);
void bt__spawner_release(struct bt__spawner *sp);

/* What became of one process. */
struct bt__proc_res {
	int spawn_errno;         /* it could not be started (errno of
				    posix_spawnp: ENOENT, EACCES, ...);
				    nothing else is set */
	int status;              /* wait status (waitpid's) */
	int timed_out;           /* killed at timeout_s */
	int stopped;             /* killed because *stop was set */
	double wall_s;           /* start .. reaped, CLOCK_MONOTONIC */
	struct rusage ru;        /* wait4's */
	char tail[BT__TAIL_MAX]; /* the last bytes of its stderr */
	size_t tail_len;
};

/* The file execvp would run for name (a PATH search, once, instead of at
 * every start as posix_spawnp does it): malloc'd; NULL when name holds a
 * '/' (it is its own path), when nothing was found (then the start reports
 * why) or out of memory. */
char *bt__exec_resolve(const char *name);

/* Starts path (NULL: argv[0], with a PATH search when it has no '/')
 * with arguments argv and environment
 * envp, stdout as sp says (stdout_null: /dev/null whatever sp says, for
 * hooks), stderr through a pipe of which the last BT__TAIL_MAX bytes
 * are kept; waits for it (at most timeout_s when > 0; while stop is not
 * NULL, *stop is looked at every 50 ms). A run that times out or is
 * stopped has its process group sent SIGTERM, then SIGKILL after a grace
 * period. When kill_rest, whatever is left in its process group once it
 * has exited is killed (SIGKILL) before it is reaped. Returns 0 (see
 * res), or BT_ESYS when a pipe or the wait fails (err says which). */
int bt__proc_run(const struct bt__spawner *sp, const char *path, char *const argv[],
		 char *const envp[], int stdout_null, double timeout_s,
		 volatile int *stop, int kill_rest, struct bt__proc_res *res,
		 struct bt_strbuf *err);

/* A malloc'd copy of pre[] (NULL-terminated; may be NULL) followed by the
 * strings a, b (each may be NULL: left out); NULL when out of memory.
 * Free with bt_exec_argv_free. (lib/run/exec_words.c) */
char **bt__argv_join(char *const *pre, const char *a, const char *b);

/* What became of a process that did not end well, as one line (malloc'd;
 * NULL when out of memory): "command not found: 'X'", "timed out after
 * T s", "killed by signal N (SIGNAME)", "exit status N: <the last 1 KiB
 * of its stderr, printable>". what: NULL for the command itself, else
 * the hook ("prepare command 'TEXT'"), said first: "WHAT failed: ...". */
char *bt__proc_describe(const struct bt__proc_res *r, char *const argv[],
			const char *what, double timeout_s);

#endif
