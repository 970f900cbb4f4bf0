/* The runner against cases that leave processes behind or flood their
 * output (the fixture suite tests/fixtures/suite_procs.c):
 * - a case is over when its own process exits, even while a process it
 *   started holds its pipes open;
 * - every process a case started is killed and reaped after the case,
 *   whatever its session or process group;
 * - a case's output reaches stderr capped (head and tail, with a line
 *   saying how much was dropped);
 * - a closed stderr (a reader that went away) ends no run.
 * Statuses and sizes are checked, never durations. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "benchtrack.h"
#include "helpers.h"

#define SUITE BT_BINARY_DIR "/suite_procs"

static char *dir;

static int setup(void **state)
{
	dir = bt_test_tmpdir();
	return dir ? 0 : -1;
}

static int teardown(void **state)
{
	free(dir);
	return 0;
}

static void read_run(struct bt_run *run, const char *path)
{
	assert_int_equal(bt_test_read_run(run, path), 0);
}

/* The run in path has n results, all ok. */
static void assert_run_all_ok(const char *path, size_t n)
{
	struct bt_run run;
	read_run(&run, path);
	assert_int_equal(run.n_results, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(run.results[i].status, BT_STATUS_OK);
	bt_run_release(&run);
}

static const struct bt_result *find(const struct bt_run *run, const char *name)
{
	for (size_t i = 0; i < run->n_results; i++)
		if (strcmp(run->results[i].name, name) == 0)
			return &run->results[i];
	return NULL;
}

/* Checks that every pid of the pid file names no process (not even a
 * zombie); kills the ones still there so that a failure leaks nothing.
 * Returns how many pids the file held. */
static size_t check_pids_gone(const char *pidfile)
{
	char *s = bt_test_slurp(pidfile);
	size_t n = 0, alive = 0;
	char name[64];
	long pid;
	int used;
	for (const char *p = s; sscanf(p, "%63s %ld%n", name, &pid, &used) == 2; p += used) {
		n++;
		if (pid <= 0) {
			fprintf(stderr, "%s: no pid\n", name);
			alive++;
			continue;
		}
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) {
			fprintf(stderr, "%s: process %ld is still there\n", name, pid);
			kill((pid_t)pid, SIGKILL);
			alive++;
		}
	}
	free(s);
	assert_int_equal(alive, 0);
	return n;
}

/* Every process-leaving case ends ok and at once (a timeout far away:
 * the runner used to wait for the pipes to close, i.e. for the timeout),
 * and none of their processes outlives the run. */
static void test_processes_killed(void **state)
{
	char json[512], err[512], pidfile[512];
	snprintf(json, sizeof json, "%s/procs.json", dir);
	snprintf(err, sizeof err, "%s/procs.err", dir);
	snprintf(pidfile, sizeof pidfile, "%s/procs.pids", dir);
	setenv("BT_PROCS_PIDFILE", pidfile, 1);
	char *argv[] = { SUITE, "--exclude", "^loud", "--timeout", "60s",
			 "--min-sample-time", "1ms", "--warmup-iterations", "1",
			 "--measurement-iterations", "3", "--out", json,
			 "--format", "none", NULL };
	int code = bt_test_spawn(argv, NULL, err);
	unsetenv("BT_PROCS_PIDFILE");
	size_t npids = check_pids_gone(pidfile);
	assert_int_equal(code, 0);
	assert_int_equal(npids, 6); /* tree notes two */
	struct bt_run run;
	read_run(&run, json);
	const char *names[] = { "fork_sleeper", "tree", "setsid_child", "daemon",
				"escape_pgrp" };
	assert_int_equal(run.n_results, 5);
	for (size_t i = 0; i < 5; i++) {
		const struct bt_result *r = find(&run, names[i]);
		assert_non_null(r);
		if (r->status != BT_STATUS_OK)
			fprintf(stderr, "%s: %s: %s\n", names[i],
				bt_status_name(r->status), r->message ? r->message : "");
		assert_int_equal(r->status, BT_STATUS_OK);
		assert_null(r->message);
	}
	bt_run_release(&run);
}

/* The same through `benchtrack run`, whose suite is the runner: the
 * processes die and benchtrack itself (the runner's parent, in whose
 * process group escape_pgrp ends up) is left alone and exits 0. */
static void test_processes_killed_under_benchtrack_run(void **state)
{
	char json[512], pidfile[512];
	snprintf(json, sizeof json, "%s/procs2.json", dir);
	snprintf(pidfile, sizeof pidfile, "%s/procs2.pids", dir);
	setenv("BT_PROCS_PIDFILE", pidfile, 1);
	char *argv[] = { BT_BINARY_DIR "/benchtrack", "run", "--no-store", SUITE,
			 "--filter", "^(daemon|escape_pgrp)$", "--timeout", "60s",
			 "--min-sample-time", "1ms", "--warmup-iterations", "1",
			 "--measurement-iterations", "3", "--out", json,
			 "--format", "none", NULL };
	int code = bt_test_spawn(argv, NULL, NULL);
	unsetenv("BT_PROCS_PIDFILE");
	assert_int_equal(check_pids_gone(pidfile), 2);
	assert_int_equal(code, 0);
	assert_run_all_ok(json, 2);
}

/* 50 MB of output: the first and last 64 KiB reach stderr, with the
 * number of bytes dropped between them. */
static void test_output_capped(void **state)
{
	char json[512], err[512];
	snprintf(json, sizeof json, "%s/loud.json", dir);
	snprintf(err, sizeof err, "%s/loud.err", dir);
	char *argv[] = { SUITE, "--filter", "^loud", "--min-sample-time", "1ms",
			 "--measurement-iterations", "3", "--out", json, NULL };
	assert_int_equal(bt_test_spawn(argv, NULL, err), 0);
	char *s = bt_test_slurp(err);
	size_t len = strlen(s);
	assert_true(len > 2 * 65536 && len < 2 * 65536 + 4096);
	/* after the runner's own progress line, if any */
	char *head = strstr(s, "loud: first line\n");
	assert_non_null(head);
	char want[128];
	snprintf(want, sizeof want, "\n[benchtrack: %u bytes of output dropped]\n",
		 50000000u - 2 * 65536u);
	char *m = strstr(s, want);
	assert_non_null(m);
	/* the head: 64 KiB exactly, then the message, then the tail */
	assert_int_equal((size_t)(m - head), 65536);
	char *tail = m + strlen(want);
	char *last = strstr(tail, "loud: last line\n");
	assert_non_null(last);
	assert_int_equal((size_t)(last + 16 - tail), 65536);
	/* the runner's own summary still follows */
	assert_non_null(strstr(last, "1 case: 1 ok"));
	free(s);
	struct bt_run run;
	read_run(&run, json);
	assert_int_equal(run.results[0].status, BT_STATUS_OK);
	bt_run_release(&run);
}

/* Output between the head and head + tail sizes passes whole, without a
 * message. */
static void test_output_under_cap_whole(void **state)
{
	char err[512];
	snprintf(err, sizeof err, "%s/quiet.err", dir);
	char *argv[] = { SUITE, "--filter", "^loud", "--param", "bytes=100000",
			 "--min-sample-time", "1ms", "--measurement-iterations", "3",
			 "--format", "none", NULL };
	assert_int_equal(bt_test_spawn(argv, NULL, err), 0);
	char *s = bt_test_slurp(err);
	char *head = strstr(s, "loud: first line\n");
	assert_non_null(head);
	char *last = strstr(head, "loud: last line\n");
	assert_non_null(last);
	assert_int_equal((size_t)(last + 16 - head), 100000);
	assert_null(strstr(s, "dropped"));
	free(s);
}

/* Runs argv with stdout to out_path and stderr into a pipe whose reading
 * end is already closed (as `2>&1 | head` once head is gone), SIGPIPE at
 * its default. Returns the exit status, or 128 + signal. */
static int spawn_closed_stderr(char *const argv[], const char *out_path)
{
	int p[2];
	if (pipe(p) != 0)
		return -1;
	close(p[0]);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_adddup2(&fa, p[1], 2);
	posix_spawnattr_t at;
	posix_spawnattr_init(&at);
	sigset_t dfl;
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	posix_spawnattr_setsigdefault(&at, &dfl);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF);
	pid_t pid;
	int rc = posix_spawn(&pid, argv[0], &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(p[1]);
	return rc != 0 ? -1 : bt_test_wait(pid);
}

/* A closed stderr: the case (whose output goes there) and the run go on;
 * the --out file and the table are written and the exit status is the
 * usual one (0: every case ok). */
static void test_closed_stderr_ends_nothing(void **state)
{
	char json[512], out[512];
	snprintf(json, sizeof json, "%s/pipe.json", dir);
	snprintf(out, sizeof out, "%s/pipe.out", dir);
	char *argv[] = { SUITE, "--filter", "^(loud/|fork_sleeper$)", "--param",
			 "bytes=1000000", "--timeout", "60s", "--min-sample-time",
			 "1ms", "--measurement-iterations", "3", "--out", json, NULL };
	assert_int_equal(spawn_closed_stderr(argv, out), 0);
	assert_run_all_ok(json, 2);
	assert_true(bt_test_file_has(out, "loud"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_processes_killed),
		cmocka_unit_test(test_processes_killed_under_benchtrack_run),
		cmocka_unit_test(test_output_capped),
		cmocka_unit_test(test_output_under_cap_whole),
		cmocka_unit_test(test_closed_stderr_ends_nothing),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
