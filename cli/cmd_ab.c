/* benchtrack ab SUITE_A SUITE_B [runner flags]: the same cases from two
 * builds on one machine, interleaved in randomized ABBA blocks, then
 * compared. The recommended PR gate (docs/cmd/ab.md). */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "exec.h"


static uint64_t next_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Takes ab's own flags out of argv (in place); returns 2 on a bad value. */
static int own_flags(int *argc, char **argv, const char **names, const char **vals,
		     int n)
{
	int w = 1;
	for (int i = 1; i < *argc; i++) {
		int k, taken = 0;
		for (k = 0; k < n; k++) {
			size_t len = strlen(names[k]);
			if (strncmp(argv[i], names[k], len) != 0)
				continue;
			if (argv[i][len] == '=') {
				vals[k] = argv[i] + len + 1;
				taken = 1;
			} else if (argv[i][len] == '\0') {
				if (i + 1 >= *argc) {
					bt_front_error("ab: option '%s' needs a value", names[k]);
					return BT_EXIT_USAGE;
				}
				vals[k] = argv[++i];
				taken = 1;
			}
			if (taken)
				break;
		}
		if (!taken)
			argv[w++] = argv[i];
	}
	*argc = w;
	return 0;
}

/* ab --exec: SIGINT and SIGTERM set exec_sig (the engine watches it
 * and stops the running command). */
static volatile int exec_sig;

static void exec_on_signal(int sig)
{
	exec_sig = sig;
}

static int interrupted(void)
{
	return cli_tmp_interrupted() ? cli_tmp_interrupted() : exec_sig;
}

/* One process of a side with --exec: cmd run as bt_exec_run runs it,
 * the runner flags' --measurement-iterations runs after
 * --warmup-iterations warmups (--timeout a run), into dst (initialised
 * here). The benchmark is named "command" on both sides, so that the
 * sides match by identity; the suite is "ab". Returns 0 or BT_E* with
 * err set (BT_EINTR when interrupted). */
static int exec_once(const struct bt_front *f, const char *shell, const char *cmd,
		     struct bt_run *dst, struct bt_strbuf *err)
{
	struct bt_exec_opts o;
	struct bt_exec_cmd c = { "command", cmd, NULL, NULL, 0, NULL, NULL, NULL, NULL };
	struct bt_strbuf warn = BT_STRBUF_INIT;
	int rc;
	bt_exec_opts_init(&o);
	o.shell = shell && strcmp(shell, "none") == 0 ? NULL : shell ? shell : "sh";
	o.runs = f->cfg.measurement_iterations;
	o.warmup = f->cfg.warmup_iterations;
	o.timeout_s = f->cfg.timeout;
	o.seed = f->cfg.seed;
	o.stop = &exec_sig;
	if ((rc = bt_run_init(dst)))
		return bt_error(err, rc, "out of memory");
	if (!o.shell && !(c.argv = bt_exec_split(cmd, &warn))) {
		rc = bt_error(err, BT_EINVAL, "'%s': %s", cmd, bt_strbuf_str(&warn));
		bt_strbuf_release(&warn);
		return rc;
	}
	if (!(dst->suite = bt_run_strdup(dst, "ab")))
		return bt_error(err, BT_ENOMEM, "out of memory");
	rc = bt_exec_run(&o, &c, 1, dst, &warn, err);
	bt_exec_argv_free(c.argv);
	if (f->log_level >= BT_LOG_INFO)
		cli_exec_warnings("ab", &warn);
	bt_strbuf_release(&warn);
	for (size_t i = 0; !rc && i < dst->n_results; i++) {
		struct bt_result *r = &dst->results[i];
		char key[17];
		bt_series_key(dst->suite, r, "", r->n_metrics ? r->metrics[0].name
							: "time", key);
		if (!(r->series_key = bt_run_strdup(dst, key)))
			rc = bt_error(err, BT_ENOMEM, "out of memory");
	}
	return rc;
}

static int cmd_ab(int argc, char **argv)
{
	static const char *names[] = { "--blocks", "--threshold", "--alpha",
				       "--correction", "--metric", "--shell",
				       "--summary" };
	const char *vals[7] = { NULL, NULL, NULL, NULL, NULL, NULL, NULL };
	struct sigaction old_sa[2];
	int exec = 0, sig_set = 0, fail_on_noisy = 0;
	struct bt_front f;
	struct bt_strbuf err = BT_STRBUF_INIT, out = BT_STRBUF_INIT;
	struct bt_run side[2], one;
	struct cli_pool pool[2];
	struct bt_run_cmp c;
	struct bt_run_cmp_opts o;
	char *tmp = NULL;
	int have[2] = { 0, 0 }, code;
	long blocks = 3; /* 6 processes a side: docs/cmd/ab.md, "Measured" */
	char **args = NULL;

	memset(side, 0, sizeof side);
	memset(pool, 0, sizeof pool);
	memset(&c, 0, sizeof c);
	for (int i = 1, w = 1; i <= argc; i++) /* --exec: A and B are commands */
		if (i == argc)
			argc = w;
		else if (strcmp(argv[i], "--exec") == 0)
			exec = 1;
		else if (strcmp(argv[i], "--fail-on-noisy") == 0)
			fail_on_noisy = 1;
		else
			argv[w++] = argv[i];
	if ((code = own_flags(&argc, argv, names, vals, 7)))
		return code;
	if ((code = cli_front_opts(&f, argc, argv)) >= 0)
		goto out;
	code = BT_EXIT_USAGE;
	if (f.upload_to_hub || f.run_id) {
		bt_front_error("ab: %s: not supported: ab stores no run to upload "
			       "(run each side with `benchtrack run --upload-to-hub`)",
			       f.upload_to_hub ? "--upload-to-hub" : "--run-id");
		goto out;
	}
	if (vals[0]) {
		char *end;
		errno = 0;
		blocks = strtol(vals[0], &end, 10);
		if (end == vals[0] || *end || errno || blocks < 1 || blocks > 1000) {
			bt_front_error("ab: --blocks '%s': expected a number from 1 to 1000",
				       vals[0]);
			goto out;
		}
	}
	if (cli_cmp_opts("ab", f.format, vals[1], vals[2], vals[3], vals[4], &o))
		goto out;
	o.match_identity = 1; /* two builds: suite names and paths may differ */
	if (f.n_args != 2) {
		bt_front_error(exec ? "ab: expected two commands (usage: benchtrack ab "
				      "--exec COMMAND_A COMMAND_B [runner flags])"
				    : "ab: expected two suites (usage: benchtrack ab SUITE_A "
				      "SUITE_B [runner flags])");
		goto out;
	}
	if (vals[5] && !exec) {
		bt_front_error("ab: --shell needs --exec");
		goto out;
	}
	if (!exec && (cli_check_suite(f.args[0]) || cli_check_suite(f.args[1])))
		goto out;
	code = BT_EXIT_ERROR;
	if (exec) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = exec_on_signal;
		sigemptyset(&sa.sa_mask);
		exec_sig = 0;
		sigaction(SIGINT, &sa, &old_sa[0]);
		sigaction(SIGTERM, &sa, &old_sa[1]);
		sig_set = 1;
	} else if (!(tmp = cli_tmp_open("benchtrack-ab"))) {
		goto out;
	}
	args = calloc((size_t)f.n_forward + 10, sizeof *args);
	if (!args)
		goto out;

	uint64_t rng = f.cfg.seed ^ 0xab0bab0bULL;
	long total = 4 * blocks, done = 0;
	for (long b = 0; b < blocks; b++) {
		/* ABBA or BAAB, by a coin flip per block */
		int first = (int)(next_rand(&rng) & 1);
		int order[4] = { first, !first, !first, first };
		for (int k = 0; k < 4; k++) {
			int s = order[k], n = 0;
			for (int i = 0; i < f.n_forward; i++)
				args[n++] = f.forward[i];
			args[n++] = "--format";
			args[n++] = "none";
			args[n++] = "--log-level";
			args[n++] = "quiet";
			args[n++] = "--out";
			args[n++] = tmp;
			if (f.log_level >= BT_LOG_INFO)
				fprintf(stderr, "ab: block %ld/%ld, %s (%ld of %ld)\n", b + 1,
					blocks, s ? "B" : "A", ++done, total);
			struct bt_run *dst = have[s] ? &one : &side[s];
			int x = 0, rc = 0;
			if (exec)
				rc = exec_once(&f, vals[5], f.args[s], dst, &err);
			else
				x = cli_spawn_suite(f.args[s], args, n, &err);
			if (interrupted()) {
				bt_front_error("ab: interrupted by signal %d (%s)",
					       interrupted(), strsignal(interrupted()));
				code = 128 + interrupted();
				if (exec)
					bt_run_release(dst);
				goto out;
			}
			if (x < 0) {
				cli_fail(code, "ab", x, &err);
				goto out;
			}
			if (x != BT_EXIT_OK && x != BT_EXIT_CASE_FAILED) {
				bt_front_error("ab: %s exited with status %d", f.args[s], x);
				code = x == BT_EXIT_USAGE ? BT_EXIT_USAGE : BT_EXIT_ERROR;
				goto out;
			}
			if (rc == BT_EINVAL) {
				bt_front_error("ab: %s", bt_strbuf_str(&err));
				code = BT_EXIT_USAGE;
				if (have[s])
					bt_run_release(dst);
				goto out;
			}
			if (!exec) {
				rc = bt_run_init(dst);
				if (!rc)
					rc = bt_run_read_file(dst, tmp, &err);
			}
			if (!rc && !have[s])
				rc = cli_pool_init(&pool[s], &side[s], &err);
			else if (!rc)
				rc = cli_pool_add(&pool[s], &one, &err);
			if (have[s])
				bt_run_release(&one);
			if (rc) {
				bt_front_error("ab: %s: %s", f.args[s], bt_strbuf_str(&err));
				goto out;
			}
			have[s] = 1;
		}
	}
	int rc;
	cli_pool_finish(&pool[0], "ab", "A");
	cli_pool_finish(&pool[1], "ab", "B");
	if ((rc = bt_compare_runs(&side[0], &side[1], &o, &c, &err))) {
		cli_fail(code, "ab", rc, &err);
		goto out;
	}
	if ((rc = cli_render_comparison(f.format, &c, &side[0], &side[1], &o, &out,
					&err))) {
		cli_fail(code, "ab", rc, &err);
		goto out;
	}
	if (c.n == 0) {
		bt_front_error(exec ? "ab: the two commands have no result in common"
				    : "ab: the two suites have no benchmark case in common");
		goto out;
	}
	if (cli_write_stdout(&out) ||
	    cli_append_summary("ab", vals[6], &c, &side[0], &side[1], &o))
		goto out;
	code = c.counts[BT_VERDICT_REGRESSED] ||
			       (cli_noisy_warnings("ab", &c, fail_on_noisy) && fail_on_noisy)
		       ? BT_EXIT_REGRESSION
		       : BT_EXIT_OK;
out:
	cli_tmp_close();
	if (sig_set) {
		sigaction(SIGINT, &old_sa[0], NULL);
		sigaction(SIGTERM, &old_sa[1], NULL);
	}
	if (interrupted() && code < 128)
		code = 128 + interrupted();
	free(args);
	bt_run_cmp_release(&c);
	for (int s = 0; s < 2; s++)
		if (have[s])
			cli_pool_release(&pool[s]);
	bt_run_release(&side[0]);
	bt_run_release(&side[1]);
	bt_front_release(&f);
	bt_strbuf_release(&err);
	bt_strbuf_release(&out);
	return code;
}

const struct cli_cmd cli_cmd_ab = {
	"ab", "ab SUITE_A SUITE_B [runner flags] [--blocks N] [--threshold P]",
	"interleaved A/B comparison of two builds (the PR gate)", cmd_ab,
	CLI_NO_SIGPIPE
};
