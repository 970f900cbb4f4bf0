/* Tests of command benchmarks (lib/run/exec.c, lib/run/exec_spawn.c,
 * include/benchtrack/exec.h): word splitting, run counts, warmups,
 * failures, timeouts (no process left), crashes, hooks, the order of
 * interleaved rounds, stdin/stdout, the metric file, a stop, and the run
 * document it makes. Real processes (sh, true, cat, sleep); the work is
 * bounded, never the time. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal.h"
#include "helpers.h"

BT_TEST_TMPDIR_FIXTURE(tmpdir, "bt_test_exec")

static const char *tpath(const char *rel)
{
	static char buf[8][512];
	static int k;
	k = (k + 1) % 8;
	snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, rel);
	return buf[k];
}

/* A command text with every %s replaced by the test's directory. */
static const char *cmdf(const char *fmt)
{
	static char buf[8][1024];
	static int k;
	k = (k + 1) % 8;
	char *o = buf[k];
	size_t n = 0;
	for (const char *p = fmt; *p && n < sizeof buf[k] - 300; p++) {
		if (p[0] == '%' && p[1] == 's') {
			n += (size_t)snprintf(o + n, sizeof buf[k] - n, "%s", tmpdir);
			p++;
		} else {
			o[n++] = *p;
		}
	}
	o[n] = '\0';
	return o;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;
	struct dirent *e;
	while (d && (e = readdir(d)))
		n++;
	if (d)
		closedir(d);
	return n;
}

/* Opts for the tests: the shell sh, exact runs, metric files in tmpdir. */
static void opts(struct bt_exec_opts *o, int runs)
{
	bt_exec_opts_init(o);
	o->shell = "sh";
	o->runs = runs;
	o->seed = 7;
	o->tmpdir = tmpdir;
}

struct out {
	struct bt_run run;
	struct bt_strbuf warn, err;
	int rc;
};

static void run_cmds(struct out *out, const struct bt_exec_opts *o,
		     const struct bt_exec_cmd *c, size_t n)
{
	memset(out, 0, sizeof *out);
	assert_int_equal(bt_run_init(&out->run), 0);
	int fds = count_fds();
	out->rc = bt_exec_run(o, c, n, &out->run, &out->warn, &out->err);
	assert_int_equal(count_fds(), fds); /* no descriptor left open */
}

static void out_release(struct out *out)
{
	bt_run_release(&out->run);
	bt_strbuf_release(&out->warn);
	bt_strbuf_release(&out->err);
}

static size_t samples(const struct bt_result *r)
{
	return r->n_metrics ? r->metrics[0].n_samples : 0;
}

static void reset_file(const char *rel)
{
	unlink(tpath(rel));
}

/* --- bt_exec_split ------------------------------------------------------- */

static void expect_split(const char *text, const char *const *want)
{
	struct bt_strbuf err = BT_STRBUF_INIT;
	char **v = bt_exec_split(text, &err);
	assert_non_null(v);
	size_t i = 0;
	for (; want[i]; i++) {
		assert_non_null(v[i]);
		assert_string_equal(v[i], want[i]);
	}
	assert_null(v[i]);
	bt_exec_argv_free(v);
	bt_strbuf_release(&err);
}

static void expect_split_error(const char *text, const char *msg)
{
	struct bt_strbuf err = BT_STRBUF_INIT;
	assert_null(bt_exec_split(text, &err));
	assert_non_null(strstr(bt_strbuf_str(&err), msg));
	bt_strbuf_release(&err);
}

static void test_split(void **state)
{
	(void)state;
	expect_split("", (const char *[]){ NULL });
	expect_split("   \t\n ", (const char *[]){ NULL });
	expect_split("ls -l  /tmp", (const char *[]){ "ls", "-l", "/tmp", NULL });
	expect_split("echo 'a b'  \"c d\"", (const char *[]){ "echo", "a b", "c d", NULL });
	expect_split("a''b '' \"\"", (const char *[]){ "ab", "", "", NULL });
	expect_split("'it'\\''s'", (const char *[]){ "it's", NULL });
	expect_split("\"q\\\"b\\\\s\\$d\\`t\\n\"",
		     (const char *[]){ "q\"b\\s$d`t\\n", NULL });
	expect_split("'no \\escape \"here\"'",
		     (const char *[]){ "no \\escape \"here\"", NULL });
	expect_split("a\\ b c\\\\d \\'e", (const char *[]){ "a b", "c\\d", "'e", NULL });
	expect_split("one \\\ntwo", (const char *[]){ "one", "two", NULL });
	expect_split("x $HOME *.c ~ {a,b}",
		     (const char *[]){ "x", "$HOME", "*.c", "~", "{a,b}", NULL });
	expect_split("cmd # a comment\nnext a#b",
		     (const char *[]){ "cmd", "next", "a#b", NULL });
	expect_split_error("echo 'abc", "unterminated single quote");
	expect_split_error("echo \"abc\\\"", "unterminated double quote");
	expect_split_error("echo abc\\", "backslash at the end");
	bt_exec_argv_free(NULL);
}

/* --- counts ------------------------------------------------------------- */

struct prog {
	int warm, timed;
	size_t last_total, last_done;
	int stop_after;
	volatile int *stop;
};

static void on_progress(void *ud, const struct bt_exec_progress *p)
{
	struct prog *g = ud;
	if (p->warmup)
		g->warm++;
	else
		g->timed++;
	g->last_done = p->done;
	g->last_total = p->total;
	if (g->stop && (int)p->done == g->stop_after)
		*g->stop = 1;
}

static void test_runs_and_warmup(void **state)
{
	(void)state;
	reset_file("count");
	struct bt_exec_opts o;
	opts(&o, 5);
	o.warmup = 2;
	struct prog g = { 0 };
	o.progress = on_progress;
	o.ud = &g;
	struct bt_exec_cmd c = { .text = cmdf("echo x >> %s/count") };
	struct out out;
	run_cmds(&out, &o, &c, 1);
	assert_int_equal(out.rc, 0);
	assert_int_equal(out.run.n_results, 1);
	const struct bt_result *r = &out.run.results[0];
	assert_int_equal(r->status, BT_STATUS_OK);
	assert_null(r->message);
	assert_string_equal(r->name, c.text);
	assert_string_equal(r->group, "exec");
	assert_string_equal(r->variant, "default");
	assert_int_equal(samples(r), 5);
	assert_int_equal(g.warm, 2);
	assert_int_equal(g.timed, 5);
	assert_int_equal(g.last_done, 5);
	assert_int_equal(g.last_total, 5);
	char *text = bt_test_slurp(tpath("count"));
	assert_string_equal(text, "x\nx\nx\nx\nx\nx\nx\n"); /* 2 warmups + 5 */
	free(text);
	assert_int_equal(r->n_metrics, 4);
	assert_string_equal(r->metrics[0].name, "time");
	assert_string_equal(r->metrics[0].unit, "s");
	assert_string_equal(r->metrics[1].name, "user_time");
	assert_string_equal(r->metrics[2].name, "sys_time");
	assert_string_equal(r->metrics[3].name, "peak_rss");
	assert_string_equal(r->metrics[3].unit, "B");
	for (int m = 0; m < 4; m++) {
		assert_int_equal(r->metrics[m].n_samples, 5);
		assert_int_equal(r->metrics[m].direction, BT_LOWER_IS_BETTER);
		assert_int_equal(r->metrics[m].stats.n, 5);
		for (int i = 0; i < 5; i++)
			assert_true(r->metrics[m].samples[i] >= 0);
	}
	assert_true(r->peak_memory_bytes > 0);
	assert_true(r->metrics[3].stats.max == (double)r->peak_memory_bytes);
	assert_int_equal(r->iterations_per_sample, 1);
	assert_true(r->wall_s > 0);
	assert_true(out.run.duration_s >= r->wall_s);
	assert_int_equal(out.run.config.warmup_iterations, 2);
	assert_int_equal(out.run.config.measurement_iterations, 5);
	assert_int_equal(out.run.config.seed, 7);
	/* with a shell: its spawn cost, measured and subtracted */
	assert_int_equal(r->n_counters, 1);
	assert_string_equal(r->counters[0].name, "shell_spawn_s");
	/* seconds, not ms or ns; loose, as a loaded machine starts a shell slowly */
	assert_true(r->counters[0].value > 0 && r->counters[0].value < 30);
	out_release(&out);
}

static void test_automatic_runs(void **state)
{
	(void)state;
	struct bt_exec_opts o;
	opts(&o, 0);
	o.shell = NULL;
	o.min_runs = 3;
	o.max_runs = 6;
	o.time_budget_s = 1000; /* the cap decides */
	char *argv[] = { "true", NULL };
	struct bt_exec_cmd c[2] = { { .text = "true", .argv = argv },
				    { .text = "true 2", .name = "second", .argv = argv } };
	struct out out;
	run_cmds(&out, &o, c, 2);
	assert_int_equal(out.rc, 0);
	assert_int_equal(samples(&out.run.results[0]), 6);
	assert_int_equal(samples(&out.run.results[1]), 6);
	assert_string_equal(out.run.results[1].name, "second");
	assert_int_equal(out.run.results[0].n_counters, 0); /* no shell */
	out_release(&out);
	/* no budget: the minimum */
	o.time_budget_s = 0;
	o.interleave = 0;
	run_cmds(&out, &o, c, 2);
	assert_int_equal(out.rc, 0);
	assert_int_equal(samples(&out.run.results[0]), 3);
	assert_int_equal(samples(&out.run.results[1]), 3);
	out_release(&out);
	/* interleaved, each command its own count from its own runs: the
	 * slow one (>= 200 ms a run against a budget of 0.3 s: its count is
	 * the minimum, 2, whatever the load) drops out of the later rounds
	 * while the quick one runs on (to the cap, on a machine that starts
	 * a shell in under 10 ms; never fewer than the minimum) */
	reset_file("auto");
	o.shell = "sh";
	o.interleave = 1;
	o.min_runs = 2;
	o.max_runs = 30;
	o.time_budget_s = 0.3;
	struct bt_exec_cmd ab[2] = { { .text = cmdf("sleep 0.2; printf S >> %s/auto") },
				     { .text = cmdf("printf q >> %s/auto") } };
	run_cmds(&out, &o, ab, 2);
	assert_int_equal(out.rc, 0);
	size_t slow = samples(&out.run.results[0]), quick = samples(&out.run.results[1]);
	assert_int_equal(slow, 2);
	assert_true(quick >= slow && quick <= 30); /* 30 unless the machine crawls */
	char *order = bt_test_slurp(tpath("auto"));
	assert_int_equal(strlen(order), slow + quick);
	assert_null(strchr(order + 2 * slow, 'S')); /* none after its rounds */
	free(order);
	out_release(&out);
	o.shell = NULL;
	o.interleave = 0;
	/* a maximum below the default minimum lowers it */
	o.min_runs = 10;
	o.max_runs = 2;
	run_cmds(&out, &o, c, 1);
	assert_int_equal(samples(&out.run.results[0]), 2);
	out_release(&out);
}

/* --- failures ------------------------------------------------------------ */

static void test_failure_and_others_go_on(void **state)
{
	(void)state;
	struct bt_exec_opts o;
	opts(&o, 4);
	struct bt_exec_cmd c[2] = {
		{ .text = "echo first >&2; printf 'boom\\001\\n\\tnow' >&2; exit 3" },
		{ .text = "true" },
	};
	struct out out;
	run_cmds(&out, &o, c, 2);
	assert_int_equal(out.rc, 0);
	const struct bt_result *r = &out.run.results[0];
	assert_int_equal(r->status, BT_STATUS_FAILED);
	assert_string_equal(r->message, "exit status 3: first boom now");
	assert_int_equal(samples(r), 0);
	assert_int_equal(out.run.results[1].status, BT_STATUS_OK);
	assert_int_equal(samples(&out.run.results[1]), 4);
	out_release(&out);

	/* a long stderr: only its tail, printable */
	struct bt_exec_cmd big = {
		.text = "i=0; while [ $i -lt 300 ]; do echo \"line $i of some noise\" >&2; "
			"i=$((i+1)); done; echo 'the real error' >&2; exit 1"
	};
	run_cmds(&out, &o, &big, 1);
	r = &out.run.results[0];
	assert_int_equal(r->status, BT_STATUS_FAILED);
	assert_true(strncmp(r->message, "exit status 1: ...", 18) == 0);
	assert_true(strlen(r->message) < 1100);
	const char *end = r->message + strlen(r->message) - strlen("the real error");
	assert_string_equal(end, "the real error");
	for (const char *p = r->message; *p; p++)
		assert_true((unsigned char)*p >= ' ');
	out_release(&out);
}

static void test_ignore_failure(void **state)
{
	(void)state;
	struct bt_exec_opts o;
	opts(&o, 4);
	o.warmup = 1;
	o.ignore_failure = 1;
	struct bt_exec_cmd c = { .text = "echo bad >&2; exit 2" };
	struct out out;
	run_cmds(&out, &o, &c, 1);
	assert_int_equal(out.rc, 0);
	const struct bt_result *r = &out.run.results[0];
	assert_int_equal(r->status, BT_STATUS_OK);
	assert_int_equal(samples(r), 4);
	assert_int_equal(r->n_counters, 2);
	assert_string_equal(r->counters[0].name, "exit_code_nonzero");
	assert_true(r->counters[0].value == 4);
	/* each run's exit status is a sample too (hyperfine's exit_codes) */
	const struct bt_metric *code = bt_result_metric(r, "exit_code");
	assert_non_null(code);
	assert_int_equal(code->n_samples, 4);
	for (size_t i = 0; i < code->n_samples; i++)
		assert_true(code->samples[i] == 2);
	assert_non_null(strstr(bt_strbuf_str(&out.warn), "4 of 4 runs exited with a non-zero"));
	assert_non_null(strstr(bt_strbuf_str(&out.warn), "exit status 2: bad"));
	out_release(&out);
}

static void test_crash_and_not_found(void **state)
{
	(void)state;
	struct bt_exec_opts o;
	opts(&o, 3);
	o.shell = NULL;
	char *crash[] = { "sh", "-c", "kill -SEGV $$", NULL };
	char *missing[] = { "no-such-command-xyzzy", "x", NULL };
	assert_int_equal(bt_test_write_file(tmpdir, "plain", "data\n", 5), 0);
	char *noexec[] = { (char *)tpath("plain"), NULL };
	struct bt_exec_cmd c[3] = { { .text = "crash", .argv = crash },
				    { .text = "missing", .argv = missing },
				    { .text = "noexec", .argv = noexec } };
	struct out out;
	run_cmds(&out, &o, c, 3);
	assert_int_equal(out.rc, 0);
	assert_int_equal(out.run.results[0].status, BT_STATUS_CRASHED);
	assert_string_equal(out.run.results[0].message, "killed by signal 11 (SIGSEGV)");
	assert_int_equal(out.run.results[1].status, BT_STATUS_FAILED);
	assert_string_equal(out.run.results[1].message,
			    "command not found: 'no-such-command-xyzzy'");
	assert_int_equal(out.run.results[2].status, BT_STATUS_FAILED);
	assert_non_null(strstr(out.run.results[2].message, "permission denied"));
	out_release(&out);
	/* through the shell, the shell says so */
	opts(&o, 3);
	struct bt_exec_cmd s = { .text = "no-such-command-xyzzy" };
	run_cmds(&out, &o, &s, 1);
	assert_int_equal(out.run.results[0].status, BT_STATUS_FAILED);
	assert_true(strncmp(out.run.results[0].message,
			    "exit status 127 (command not found?): ", 38) == 0);
	assert_non_null(strstr(out.run.results[0].message, "not found"));
	out_release(&out);
}

/* Processes whose command line is exactly argv (not zombies). */
static int count_procs(const char *const *argv)
{
	char want[256];
	size_t wl = 0;
	for (int i = 0; argv[i]; i++) {
		size_t l = strlen(argv[i]) + 1;
		memcpy(want + wl, argv[i], l);
		wl += l;
	}
	int found = 0;
	DIR *d = opendir("/proc");
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		char path[300], buf[512];
		snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
		FILE *f = fopen(path, "rb");
		if (!f)
			continue;
		size_t n = fread(buf, 1, sizeof buf, f);
		fclose(f);
		if (n != wl || memcmp(buf, want, wl) != 0)
			continue;
		snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
		f = fopen(path, "rb");
		if (!f)
			continue;
		n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		buf[n] = '\0';
		char *rp = strrchr(buf, ')');
		if (rp && rp[1] == ' ' && rp[2] != 'Z' && rp[2] != 'X')
			found++;
	}
	if (d)
		closedir(d);
	return found;
}

/* Waits (boundedly: 60 s, as killed processes that are not ours are
 * reaped when their parent gets to it, late on a loaded machine) until no
 * such process is left; their count then. */
static int procs_left(const char *const *argv)
{
	int n = 0;
	for (int i = 0; i < 6000 && (n = count_procs(argv)) > 0; i++)
		usleep(10000);
	return n;
}

static void test_timeout(void **state)
{
	(void)state;
	static const char *const sleeper[] = { "sleep", "97.25", NULL };
	static const char *const stubborn[] = { "sleep", "97.5", NULL };
	struct bt_exec_opts o;
	opts(&o, 3);
	o.shell = NULL;
	o.timeout_s = 1.5;
	char *argv[] = { "sh", "-c", "sleep 97.25 & sleep 97.25", NULL };
	struct bt_exec_cmd c = { .text = "sleeps", .argv = argv };
	struct out out;
	run_cmds(&out, &o, &c, 1);
	assert_int_equal(out.rc, 0);
	const struct bt_result *r = &out.run.results[0];
	assert_int_equal(r->status, BT_STATUS_TIMEOUT);
	assert_string_equal(r->message, "timed out after 1.5 s");
	assert_int_equal(samples(r), 0);
	assert_int_equal(procs_left(sleeper), 0);
	out_release(&out);
	/* (that a command that ended early, timed out or failed, leaves the
	 * next ones their runs is test_failure_and_others_go_on's: the same
	 * path in exec.c. A timeout covers every command of a run, so a
	 * command meant to pass is not run under this short one.) */
	/* what ignores SIGTERM gets SIGKILL */
	opts(&o, 2);
	o.timeout_s = 0.2;
	struct bt_exec_cmd s = { .text = "trap '' TERM; sleep 97.5 & sleep 97.5; :" };
	run_cmds(&out, &o, &s, 1);
	assert_int_equal(out.run.results[0].status, BT_STATUS_TIMEOUT);
	assert_int_equal(procs_left(stubborn), 0);
	out_release(&out);
}

static void test_leftovers_killed(void **state)
{
	(void)state;
	static const char *const bg[] = { "sleep", "96.75", NULL };
	struct bt_exec_opts o;
	opts(&o, 2);
	struct bt_exec_cmd c = { .text = "sleep 96.75 & exit 0" };
	struct out out;
	run_cmds(&out, &o, &c, 1);
	assert_int_equal(out.run.results[0].status, BT_STATUS_OK);
	assert_int_equal(procs_left(bg), 0);
	out_release(&out);
}

static void test_stop(void **state)
{
	(void)state;
	struct bt_exec_opts o;
	opts(&o, 100);
	o.shell = NULL;
	volatile int stop = 0;
	struct prog g = { .stop = &stop, .stop_after = 3 };
	o.stop = &stop;
	o.progress = on_progress;
	o.ud = &g;
	char *argv[] = { "sleep", "0.01", NULL };
	struct bt_exec_cmd c = { .text = "sleep 0.01", .argv = argv };
	struct out out;
	run_cmds(&out, &o, &c, 1);
	assert_int_equal(out.rc, BT_EINTR);
	assert_int_equal(out.run.n_results, 1);
	assert_int_equal(samples(&out.run.results[0]), 3);
	assert_int_equal(out.run.results[0].status, BT_STATUS_FAILED);
	assert_string_equal(out.run.results[0].message, "interrupted after 3 of 100 runs");
	out_release(&out);
}

/* --- shell, order, hooks, stdio ----------------------------------------- */

static void test_shell_and_argv(void **state)
{
	(void)state;
	struct bt_exec_opts o;
	opts(&o, 1);
	o.output = BT_EXEC_OUT_FILE;
	o.output_file = tpath("out");
	struct bt_exec_cmd c = { .text = "echo $((1+2)) 'a  b' | tr a A" };
	struct out out;
	run_cmds(&out, &o, &c, 1);
	assert_int_equal(out.run.results[0].status, BT_STATUS_OK);
	char *text = bt_test_slurp(tpath("out"));
	assert_string_equal(text, "3 A  b\n");
	free(text);
	out_release(&out);
	/* without a shell the text is split, nothing expanded */
	o.shell = NULL;
	o.runs = 3;
	struct bt_exec_cmd n = { .text = "echo $((1+2)) 'a  b' $HOME" };
	run_cmds(&out, &o, &n, 1);
	assert_int_equal(out.run.results[0].status, BT_STATUS_OK);
	text = bt_test_slurp(tpath("out"));
	assert_string_equal(text, "$((1+2)) a  b $HOME\n"); /* truncated each run */
	free(text);
	assert_int_equal(out.run.results[0].n_counters, 0);
	out_release(&out);
	/* with a shell, a command given as argv runs without it: nothing
	 * subtracted */
	o.shell = "sh";
	o.output = BT_EXEC_OUT_NULL;
	char *argv[] = { "true", NULL };
	struct bt_exec_cmd mixed[2] = { { .text = "true", .argv = argv }, { .text = "true" } };
	run_cmds(&out, &o, mixed, 2);
	assert_int_equal(out.run.results[0].n_counters, 0);
	assert_int_equal(out.run.results[1].n_counters, 1);
	assert_string_equal(out.run.results[1].counters[0].name, "shell_spawn_s");
	out_release(&out);
	o.shell = NULL;
	o.output = BT_EXEC_OUT_FILE;
	/* a bad quote without a shell: an error naming the command */
	struct bt_exec_cmd bad = { .text = "echo 'x" };
	run_cmds(&out, &o, &bad, 1);
	assert_int_equal(out.rc, BT_EINVAL);
	assert_non_null(strstr(bt_strbuf_str(&out.err), "command 'echo 'x'"));
	assert_non_null(strstr(bt_strbuf_str(&out.err), "unterminated single quote"));
	assert_int_equal(out.run.n_results, 0);
	out_release(&out);
}

static void test_input(void **state)
{
	(void)state;
	assert_int_equal(bt_test_write_file(tmpdir, "in", "abc\n", 4), 0);
	reset_file("cat");
	struct bt_exec_opts o;
	opts(&o, 3);
	o.input_file = tpath("in");
	struct bt_exec_cmd c = { .text = cmdf("cat >> %s/cat") };
	struct out out;
	run_cmds(&out, &o, &c, 1);
	assert_int_equal(out.run.results[0].status, BT_STATUS_OK);
	char *text = bt_test_slurp(tpath("cat"));
	assert_string_equal(text, "abc\nabc\nabc\n"); /* from its start each run */
	free(text);
	out_release(&out);
	/* without --input: /dev/null */
	reset_file("cat");
	o.input_file = NULL;
	run_cmds(&out, &o, &c, 1);
	text = bt_test_slurp(tpath("cat"));
	assert_string_equal(text, "");
	free(text);
	out_release(&out);
	/* a missing input file */
	o.input_file = tpath("no-such-input");
	run_cmds(&out, &o, &c, 1);
	assert_int_equal(out.rc, BT_EIO);
	assert_non_null(strstr(bt_strbuf_str(&out.err), "no-such-input"));
	out_release(&out);
}

static char *order_of(int interleave, uint64_t seed)
{
	reset_file("order");
	struct bt_exec_opts o;
	opts(&o, 6);
	o.warmup = 1;
	o.interleave = interleave;
	o.seed = seed;
	struct bt_exec_cmd c[3] = { { .text = cmdf("printf A >> %s/order") },
				    { .text = cmdf("printf B >> %s/order") },
				    { .text = cmdf("printf C >> %s/order") } };
	struct out out;
	run_cmds(&out, &o, c, 3);
	assert_int_equal(out.rc, 0);
	out_release(&out);
	return bt_test_slurp(tpath("order"));
}

static void test_interleave(void **state)
{
	(void)state;
	char *a = order_of(1, 42), *b = order_of(1, 42), *c = order_of(1, 43);
	assert_int_equal(strlen(a), 21);
	assert_string_equal(a, b); /* the seed decides */
	/* rounds: the warmups, then 6 rounds of each command once */
	for (int k = 0; k < 7; k++) {
		char r[4] = { a[3 * k], a[3 * k + 1], a[3 * k + 2], 0 };
		assert_non_null(strchr(r, 'A'));
		assert_non_null(strchr(r, 'B'));
		assert_non_null(strchr(r, 'C'));
	}
	/* a fresh permutation per round: not the same round 7 times */
	int same = 1;
	for (int k = 1; k < 7; k++)
		same &= memcmp(a, a + 3 * k, 3) == 0;
	assert_false(same);
	assert_int_equal(strlen(c), 21);
	free(a);
	free(b);
	free(c);
	char *s = order_of(0, 42);
	assert_string_equal(s, "AAAAAAABBBBBBBCCCCCCC");
	free(s);
}

static void test_hooks(void **state)
{
	(void)state;
	reset_file("hooks");
	struct bt_exec_opts o;
	opts(&o, 3);
	o.warmup = 2;
	struct bt_exec_cmd c = {
		.text = cmdf("printf R >> %s/hooks"),
		.setup = cmdf("printf S >> %s/hooks"),
		.prepare = cmdf("printf P >> %s/hooks"),
		.conclude = cmdf("printf C >> %s/hooks"),
		.cleanup = cmdf("printf X >> %s/hooks"),
	};
	struct out out;
	run_cmds(&out, &o, &c, 1);
	assert_int_equal(out.rc, 0);
	assert_int_equal(out.run.results[0].status, BT_STATUS_OK);
	char *text = bt_test_slurp(tpath("hooks"));
	assert_string_equal(text, "SPRCPRCPRCPRCPRCX");
	free(text);
	out_release(&out);

	/* interleaved, two commands: each its own setup before its first run
	 * and cleanup after its last */
	reset_file("hooks");
	o.warmup = 0;
	o.runs = 2;
	struct bt_exec_cmd two[2] = {
		{ .text = cmdf("printf a >> %s/hooks"), .setup = cmdf("printf S >> %s/hooks"),
		  .cleanup = cmdf("printf X >> %s/hooks") },
		{ .text = cmdf("printf b >> %s/hooks"), .setup = cmdf("printf T >> %s/hooks"),
		  .cleanup = cmdf("printf Y >> %s/hooks") },
	};
	run_cmds(&out, &o, two, 2);
	text = bt_test_slurp(tpath("hooks"));
	assert_int_equal(strlen(text), 8);
	const char *S = strchr(text, 'S'), *T = strchr(text, 'T');
	assert_true(S && S < strchr(text, 'a') && T && T < strchr(text, 'b'));
	assert_true(strrchr(text, 'a') < strchr(text, 'X'));
	assert_true(strrchr(text, 'b') < strchr(text, 'Y'));
	free(text);
	out_release(&out);

	/* a failing hook fails the command, naming the hook; cleanup runs */
	reset_file("hooks");
	o.runs = 3;
	struct bt_exec_cmd f = {
		.text = cmdf("printf R >> %s/hooks"),
		.setup = cmdf("printf S >> %s/hooks"),
		.prepare = "echo no disk >&2; exit 4",
		.cleanup = cmdf("printf X >> %s/hooks"),
	};
	run_cmds(&out, &o, &f, 1);
	assert_int_equal(out.rc, 0);
	assert_int_equal(out.run.results[0].status, BT_STATUS_FAILED);
	assert_string_equal(out.run.results[0].message,
			    "prepare command 'echo no disk >&2; exit 4' failed: "
			    "exit status 4: no disk");
	text = bt_test_slurp(tpath("hooks"));
	assert_string_equal(text, "SX");
	free(text);
	out_release(&out);
}

/* --- the metric file ----------------------------------------------------- */

static void test_metrics_file(void **state)
{
	(void)state;
	reset_file("paths");
	setenv("BENCHTRACK_METRICS", "/inherited/is/replaced", 1);
	struct bt_exec_opts o;
	opts(&o, 3);
	o.warmup = 1;
	/* every run finds an empty regular file there, and may write to it */
	struct bt_exec_cmd c[3] = {
		{ .text = cmdf("M=\"$BENCHTRACK_METRICS\"; test -f \"$M\" && test ! -s \"$M\" && "
			       "echo \"$M\" >> %s/paths && "
			       "echo '{\"metric\": \"x\", \"value\": 1}' >> \"$M\"") },
		/* one that replaces it, one that removes it */
		{ .text = "M=\"$BENCHTRACK_METRICS\"; test -f \"$M\" && test ! -s \"$M\" && "
			  "echo '{\"metric\": \"y\", \"value\": 2}' > \"$M.new\" && "
			  "mv \"$M.new\" \"$M\"" },
		{ .text = "M=\"$BENCHTRACK_METRICS\"; test -f \"$M\" && test ! -s \"$M\" && "
			  "rm \"$M\"" },
	};
	struct out out;
	run_cmds(&out, &o, c, 3);
	unsetenv("BENCHTRACK_METRICS");
	assert_int_equal(out.rc, 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(out.run.results[i].status, BT_STATUS_OK);
		assert_int_equal(samples(&out.run.results[i]), 3);
	}
	/* what the timed runs wrote, pooled; the warmup's lines dropped */
	const struct bt_metric *x = bt_result_metric(&out.run.results[0], "x");
	const struct bt_metric *y = bt_result_metric(&out.run.results[1], "y");
	assert_non_null(x);
	assert_non_null(y);
	assert_int_equal(x->n_samples, 3);
	assert_int_equal(y->n_samples, 3);
	assert_true(y->samples[0] == 2);
	assert_string_equal(out.run.results[0].metrics[0].name, "time");
	assert_null(strstr(bt_strbuf_str(&out.warn), ": line "));
	char *text = bt_test_slurp(tpath("paths"));
	/* 4 runs; each path in tmpdir, none left behind */
	int lines = 0;
	for (char *p = text, *nl; (nl = strchr(p, '\n')); p = nl + 1) {
		*nl = '\0';
		assert_true(strncmp(p, tmpdir, strlen(tmpdir)) == 0);
		assert_non_null(strstr(p, "benchtrack-metrics-"));
		assert_int_not_equal(access(p, F_OK), 0);
		lines++;
	}
	assert_int_equal(lines, 4);
	free(text);
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	while (d && (e = readdir(d)))
		assert_null(strstr(e->d_name, "benchtrack-metrics-"));
	if (d)
		closedir(d);
	out_release(&out);
	/* a malformed line: a warning naming the run */
	o.warmup = 0;
	o.runs = 2;
	struct bt_exec_cmd bad = { .name = "badline",
				   .text = "echo 'not json' >> \"$BENCHTRACK_METRICS\"" };
	run_cmds(&out, &o, &bad, 1);
	assert_int_equal(out.rc, 0);
	assert_non_null(strstr(bt_strbuf_str(&out.warn), "run 1 of 'badline': line 1: "));
	assert_non_null(strstr(bt_strbuf_str(&out.warn), "run 2 of 'badline': line 1: "));
	out_release(&out);
	/* a directory that cannot take the file */
	o.tmpdir = tpath("no/such/dir");
	run_cmds(&out, &o, c, 1);
	assert_int_equal(out.rc, BT_EIO);
	assert_non_null(strstr(bt_strbuf_str(&out.err), "no/such/dir"));
	out_release(&out);
}

/* --- the run document ---------------------------------------------------- */

static void test_write_read_back(void **state)
{
	(void)state;
	struct bt_exec_opts o;
	opts(&o, 3);
	o.group = "tools";
	struct bt_kv params[2] = { { "size", "10" }, { "algo", "fast" } };
	struct bt_exec_cmd c[2] = {
		{ .text = "true", .name = "t {algo}", .params = params, .n_params = 2 },
		{ .text = "exit 5" },
	};
	struct out out;
	run_cmds(&out, &o, c, 2);
	assert_int_equal(out.rc, 0);
	struct bt_run *run = &out.run;
	run->suite = "exec";
	run->benchmark_type = "exec";
	assert_int_equal(bt_context_stamp(run), 0);
	assert_int_equal(bt_context_machine(run), 0);
	const struct bt_result *r = &run->results[0];
	assert_string_equal(r->group, "tools");
	assert_int_equal(r->n_params, 2);
	assert_string_equal(r->params[0].key, "algo"); /* sorted */
	assert_string_equal(r->params[1].key, "size");
	assert_true(r->params != (struct bt_kv *)params);
	struct bt_strbuf err = BT_STRBUF_INIT;
	const char *path = tpath("run.json");
	assert_int_equal(bt_run_write_file(run, path, &err), 0);
	struct bt_run back;
	assert_int_equal(bt_run_init(&back), 0);
	int rc = bt_run_read_file(&back, path, &err);
	if (rc)
		fail_msg("%s", bt_strbuf_str(&err));
	assert_int_equal(back.n_results, 2);
	const struct bt_result *b = &back.results[0];
	assert_string_equal(b->name, "t {algo}");
	assert_string_equal(b->params[0].value, "fast");
	assert_string_equal(b->metrics[0].name, "time");
	assert_int_equal(b->metrics[0].n_samples, 3);
	assert_true(b->metrics[0].samples[2] == r->metrics[0].samples[2]);
	assert_int_equal(b->n_metrics, 4);
	assert_true(b->peak_memory_bytes == r->peak_memory_bytes);
	assert_int_equal(b->n_counters, 1);
	assert_int_equal(back.results[1].status, BT_STATUS_FAILED);
	assert_string_equal(back.results[1].message, "exit status 5");
	bt_run_release(&back);
	bt_strbuf_release(&err);
	out_release(&out);
}

static void test_bad_options(void **state)
{
	(void)state;
	struct bt_exec_opts o;
	opts(&o, 1);
	struct bt_exec_cmd c = { .text = "true" };
	struct out out;
	run_cmds(&out, &o, &c, 0);
	assert_int_equal(out.rc, BT_EINVAL);
	assert_non_null(strstr(bt_strbuf_str(&out.err), "no command"));
	out_release(&out);
	o.output = BT_EXEC_OUT_FILE;
	run_cmds(&out, &o, &c, 1);
	assert_int_equal(out.rc, BT_EINVAL);
	out_release(&out);
	opts(&o, 1);
	o.shell = NULL;
	struct bt_exec_cmd h = { .text = "true", .prepare = "echo \"x" };
	run_cmds(&out, &o, &h, 1);
	assert_int_equal(out.rc, BT_EINVAL);
	assert_non_null(strstr(bt_strbuf_str(&out.err), "prepare command"));
	out_release(&out);
	opts(&o, 1);
	o.shell = "no-such-shell-xyzzy";
	run_cmds(&out, &o, &c, 1);
	assert_int_equal(out.rc, BT_EINVAL);
	assert_non_null(strstr(bt_strbuf_str(&out.err), "command not found"));
	out_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_runs_and_warmup),
		cmocka_unit_test(test_automatic_runs),
		cmocka_unit_test(test_failure_and_others_go_on),
		cmocka_unit_test(test_ignore_failure),
		cmocka_unit_test(test_crash_and_not_found),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_leftovers_killed),
		cmocka_unit_test(test_stop),
		cmocka_unit_test(test_shell_and_argv),
		cmocka_unit_test(test_input),
		cmocka_unit_test(test_interleave),
		cmocka_unit_test(test_hooks),
		cmocka_unit_test(test_metrics_file),
		cmocka_unit_test(test_write_read_back),
		cmocka_unit_test(test_bad_options),
	};
	return cmocka_run_group_tests(tests, setup_tmpdir, teardown_tmpdir);
}
