/* benchtrack continuous BASE HEAD --build CMD SUITE... [flags]: the
 * pull-request gate in one command (docs/cmd/continuous.md). Both commits
 * are checked out in temporary git worktrees (the user's checkout is not
 * touched), built with CMD, and each SUITE of the two builds is compared
 * by benchtrack ab (interleaved processes; counted once with --measure
 * instructions). The worktrees are removed afterwards, also after SIGINT
 * or SIGTERM. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"

/* lines of a failed build's log shown */
#define LOG_TAIL_LINES 20
#define LOG_TAIL_BYTES 8192

/* SIGINT and SIGTERM while a build or git runs: the signal, forwarded to
 * the child's process group (ab catches them itself while it runs) */
static volatile sig_atomic_t cont_sig;
static volatile sig_atomic_t cont_child;
static const char *cont_tmp; /* the temporary directory, for git_line */
static volatile sig_atomic_t cont_cleaning; /* removing the worktrees: a
					       signal does not stop that */

static void on_signal(int sig)
{
	cont_sig = sig;
	if (cont_child > 0 && !cont_cleaning)
		kill(-(pid_t)cont_child, sig);
}

/* The state to clean up: the temporary directory and the worktrees made
 * in it. */
struct cont {
	char top[4096];     /* the repository's top directory */
	char dir[4096];     /* the temporary directory */
	char wt[2][4200];   /* the worktrees (base, head) */
	int made[2];        /* worktree i was added */
	char log[2][4200];  /* the build logs */
	char commit[2][41]; /* BASE and HEAD resolved */
};

/* Runs argv (argv[0] found on PATH) in cwd (NULL: ours) in its own
 * process group, stdout and stderr to log (NULL: /dev/null), stdin from
 * /dev/null. Returns its exit status, 128 + a signal that ended it, or -1
 * when it cannot be started (errno set). */
static int run_child(char *const argv[], const char *cwd, const char *log)
{
	sigset_t block, old;
	pid_t pid;
	int st;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	if (cont_sig && !cont_cleaning) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		errno = EINTR;
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		int out = open(log ? log : "/dev/null",
			       log ? O_WRONLY | O_CREAT | O_APPEND : O_WRONLY, 0644);
		setpgid(0, 0);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		sigprocmask(SIG_SETMASK, &old, NULL);
		if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 ||
		    dup2(out, 2) < 0 || (cwd && chdir(cwd) != 0))
			_exit(127);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid < 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		return -1;
	}
	setpgid(pid, pid); /* also here: no race with a signal */
	cont_child = pid;
	sigprocmask(SIG_SETMASK, &old, NULL);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			cont_child = 0;
			return -1;
		}
	cont_child = 0;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The first line git prints for args (run in the cwd) into out; 0, or -1
 * when git fails or prints nothing. */
static int git_line(char *const args[], char *out, size_t size)
{
	char path[4300];
	FILE *fp;
	int rc;

	snprintf(path, sizeof path, "%s/git.out", cont_tmp);
	unlink(path);
	rc = run_child(args, NULL, path);
	fp = fopen(path, "r");
	out[0] = '\0';
	if (fp) {
		if (!fgets(out, (int)size, fp))
			out[0] = '\0';
		fclose(fp);
	}
	unlink(path);
	out[strcspn(out, "\r\n")] = '\0';
	return rc == 0 && out[0] ? 0 : -1;
}

/* Prints the last LOG_TAIL_LINES lines of path on stderr, indented. */
static void show_tail(const char *path)
{
	char buf[LOG_TAIL_BYTES + 1];
	size_t n = 0;
	int fd = open(path, O_RDONLY), lines = 0;
	struct stat sb;

	if (fd < 0)
		return;
	if (fstat(fd, &sb) == 0 && sb.st_size > LOG_TAIL_BYTES)
		lseek(fd, sb.st_size - LOG_TAIL_BYTES, SEEK_SET);
	for (ssize_t r; n < LOG_TAIL_BYTES &&
			(r = read(fd, buf + n, LOG_TAIL_BYTES - n)) > 0;)
		n += (size_t)r;
	close(fd);
	buf[n] = '\0';
	if (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	size_t start = n;
	while (start > 0 && lines < LOG_TAIL_LINES)
		if (buf[--start] == '\n')
			lines++;
	if (buf[start] == '\n')
		start++;
	if (start == 0 && n == 0) {
		fprintf(stderr, "    (the log is empty)\n");
		return;
	}
	for (char *p = buf + start, *nl; p && *p; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		fprintf(stderr, "    %.*s\n", nl ? (int)(nl - p) : (int)strlen(p), p);
	}
}

/* Removes the worktrees and the temporary directory (also after an
 * error or a signal); says so when a worktree cannot be removed. */
static void cleanup(struct cont *c)
{
	cont_cleaning = 1;
	for (int i = 0; i < 2; i++) {
		if (!c->made[i])
			continue;
		char *rm[] = { "git", "-C", c->top, "worktree", "remove", "--force",
			       c->wt[i], NULL };
		if (run_child(rm, NULL, NULL) != 0)
			cli_warn("continuous", "cannot remove the worktree %s: "
				 "remove it with git worktree remove --force", c->wt[i]);
		c->made[i] = 0;
	}
	if (c->dir[0]) {
		char *prune[] = { "git", "-C", c->top, "worktree", "prune", NULL };
		if (c->top[0])
			run_child(prune, NULL, NULL);
		for (int i = 0; i < 2; i++)
			if (c->log[i][0])
				unlink(c->log[i]);
		char path[4300];
		snprintf(path, sizeof path, "%s/git.out", c->dir);
		unlink(path);
		if (rmdir(c->dir) != 0 && errno != ENOENT)
			cli_warn("continuous", "cannot remove %s: %s", c->dir,
				 strerror(errno));
		c->dir[0] = '\0';
	}
	cont_cleaning = 0;
}

/* Takes continuous's own options out of argv (in place): names[k] with a
 * value into vals[k]; --fail-on-noisy into *noisy. Returns 0, or 2 with
 * the error printed. */
static int own_flags(int *argc, char **argv, const char *const *names,
		     const char **vals, int n, int *noisy)
{
	int w = 1;
	for (int i = 1; i < *argc; i++) {
		int taken = 0;
		if (strcmp(argv[i], "--fail-on-noisy") == 0) {
			*noisy = 1;
			continue;
		}
		if (strcmp(argv[i], "--") == 0) { /* the rest is positional */
			while (i < *argc)
				argv[w++] = argv[i++];
			break;
		}
		for (int k = 0; k < n && !taken; k++) {
			size_t len = strlen(names[k]);
			if (strncmp(argv[i], names[k], len) != 0)
				continue;
			if (argv[i][len] == '=') {
				vals[k] = argv[i] + len + 1;
				taken = 1;
			} else if (argv[i][len] == '\0') {
				if (i + 1 >= *argc) {
					bt_front_error("continuous: option '%s' needs a value",
						       names[k]);
					return BT_EXIT_USAGE;
				}
				vals[k] = argv[++i];
				taken = 1;
			}
		}
		if (!taken)
			argv[w++] = argv[i];
	}
	*argc = w;
	return 0;
}

/* Checks out commit i in its worktree and builds it with cmd; an exit
 * code (0, 3, or 128 + a signal). */
static int prepare(struct cont *c, int i, const char *ref, const char *cmd,
		   int quiet)
{
	const char *side = i ? "HEAD" : "BASE";
	char *add[] = { "git", "-C", c->top, "worktree", "add", "--detach",
			"--quiet", c->wt[i], c->commit[i], NULL };
	char *sh[] = { "sh", "-c", (char *)cmd, NULL };
	int st;

	if (!quiet)
		fprintf(stderr, "continuous: %s %s (%.12s): checking out in %s\n", side,
			ref, c->commit[i], c->wt[i]);
	st = run_child(add, NULL, c->log[i]);
	if (cont_sig)
		return 128 + cont_sig;
	if (st != 0) {
		bt_front_error("continuous: cannot check out %s %s (commit %.12s) in "
			       "a worktree (git worktree add: status %d):", side, ref,
			       c->commit[i], st);
		show_tail(c->log[i]);
		return BT_EXIT_ERROR;
	}
	c->made[i] = 1;
	if (!quiet)
		fprintf(stderr, "continuous: %s %s (%.12s): building: %s\n", side, ref,
			c->commit[i], cmd);
	st = run_child(sh, c->wt[i], c->log[i]);
	if (cont_sig)
		return 128 + cont_sig;
	if (st != 0) {
		bt_front_error("continuous: the build of %s %s (commit %.12s) failed "
			       "(`%s` exited with status %d); the end of its log:",
			       side, ref, c->commit[i], cmd, st < 0 ? 127 : st);
		show_tail(c->log[i]);
		return BT_EXIT_ERROR;
	}
	return 0;
}

static int cmd_continuous(int argc, char **argv)
{
	static const char *const names[] = { "--build", "--summary", "--measure",
					     "--blocks", "--threshold", "--alpha",
					     "--correction", "--metric" };
	enum { O_BUILD, O_SUMMARY, O_MEASURE, O_BLOCKS, O_N = 8 };
	const char *vals[O_N] = { NULL };
	struct sigaction sa, old_int, old_term;
	struct bt_front f;
	struct cont c;
	int noisy = 0, code, sig_set = 0, regressed = 0, quiet;
	char **args = NULL;

	memset(&c, 0, sizeof c);
	if ((code = own_flags(&argc, argv, names, vals, O_N, &noisy)))
		return code;
	if ((code = cli_front_opts(&f, argc, argv)) >= 0)
		return code;
	code = BT_EXIT_USAGE;
	quiet = f.log_level < BT_LOG_INFO;
	if (f.n_args < 3) {
		bt_front_error("continuous: expected BASE, HEAD and at least one SUITE "
			       "(usage: benchtrack continuous BASE HEAD --build CMD "
			       "SUITE...)");
		goto out;
	}
	if (!vals[O_BUILD] || !*vals[O_BUILD]) {
		bt_front_error("continuous: --build CMD is needed: the command that "
			       "builds the suites in a checkout (e.g. --build 'make "
			       "bench')");
		goto out;
	}
	if (vals[O_MEASURE] && strcmp(vals[O_MEASURE], "time") != 0 &&
	    strcmp(vals[O_MEASURE], "instructions") != 0) {
		bt_front_error("continuous: --measure '%s': expected time or "
			       "instructions", vals[O_MEASURE]);
		goto out;
	}
	for (int i = 2; i < f.n_args; i++)
		if (f.args[i][0] == '/' || strncmp(f.args[i], "../", 3) == 0) {
			bt_front_error("continuous: SUITE '%s': expected a path inside "
				       "the repository, from its top (such as "
				       "build/bench)", f.args[i]);
			goto out;
		}

	code = BT_EXIT_ERROR;
	/* the repository and the two commits, before anything is made */
	{
		const char *dir = getenv("TMPDIR");
		char *top[] = { "git", "rev-parse", "--show-toplevel", NULL };
		snprintf(c.dir, sizeof c.dir, "%s/benchtrack-continuous-XXXXXX",
			 dir && *dir ? dir : "/tmp");
		if (!mkdtemp(c.dir)) {
			bt_front_error("continuous: cannot create a temporary directory "
				       "%s: %s", c.dir, strerror(errno));
			c.dir[0] = '\0';
			goto out;
		}
		cont_tmp = c.dir;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		cont_sig = 0;
		sigaction(SIGINT, &sa, &old_int);
		sigaction(SIGTERM, &sa, &old_term);
		sig_set = 1;
		if (git_line(top, c.top, sizeof c.top)) {
			bt_front_error("continuous: not in a git repository (or git is "
				       "missing): run it in the checkout of the project");
			goto out;
		}
		for (int i = 0; i < 2; i++) {
			char ref[4200];
			snprintf(ref, sizeof ref, "%s^{commit}", f.args[i]);
			char *rev[] = { "git", "rev-parse", "--verify", "-q", ref, NULL };
			if (git_line(rev, c.commit[i], sizeof c.commit[i])) {
				bt_front_error("continuous: %s '%s': not a commit of this "
					       "repository", i ? "HEAD" : "BASE", f.args[i]);
				goto out;
			}
			snprintf(c.wt[i], sizeof c.wt[i], "%s/%s", c.dir, i ? "head" : "base");
			snprintf(c.log[i], sizeof c.log[i], "%s/build-%s.log", c.dir,
				 i ? "head" : "base");
		}
	}
	for (int i = 0; i < 2; i++)
		if ((code = prepare(&c, i, f.args[i], vals[O_BUILD], quiet)))
			goto out;
	code = BT_EXIT_ERROR;

	/* each SUITE: ab of the two builds */
	args = calloc((size_t)f.n_forward + 32, sizeof *args);
	if (!args) {
		bt_front_error("continuous: out of memory");
		goto out;
	}
	for (int s = 2; s < f.n_args; s++) {
		char pa[4400], pb[4400];
		struct stat sb;
		int n = 0, x;
		for (int i = 0; i < 2; i++) {
			snprintf(i ? pb : pa, sizeof pa, "%s/%s", c.wt[i], f.args[s]);
			if (stat(i ? pb : pa, &sb) != 0 || !S_ISREG(sb.st_mode)) {
				bt_front_error("continuous: the build of %s %s (commit "
					       "%.12s) made no suite %s (no such file "
					       "in its worktree after --build)",
					       i ? "HEAD" : "BASE", f.args[i], c.commit[i],
					       f.args[s]);
				goto out;
			}
		}
		if (vals[O_SUMMARY] && *vals[O_SUMMARY]) {
			FILE *fp = fopen(vals[O_SUMMARY], "a");
			if (!fp || fprintf(fp, "### benchtrack continuous: `%s` on %s "
					       "(`%.12s`) against %s (`%.12s`)\n\n",
					   f.args[s], f.args[1], c.commit[1], f.args[0],
					   c.commit[0]) < 0 ||
			    fclose(fp) != 0) {
				bt_front_error("continuous: --summary %s: %s", vals[O_SUMMARY],
					       strerror(errno));
				goto out;
			}
		}
		args[n++] = "ab";
		args[n++] = pa;
		args[n++] = pb;
		for (int i = 0; i < f.n_forward; i++)
			args[n++] = f.forward[i];
		if (f.format) {
			args[n++] = "--format";
			args[n++] = (char *)f.format;
		}
		if (vals[O_MEASURE] && strcmp(vals[O_MEASURE], "instructions") == 0) {
			/* counted: one block (two processes a side) is plenty */
			args[n++] = "--measure";
			args[n++] = "instructions";
			if (!vals[O_BLOCKS]) {
				args[n++] = "--blocks";
				args[n++] = "1";
			}
		}
		for (int k = O_BLOCKS; k < O_N; k++)
			if (vals[k]) {
				args[n++] = (char *)names[k];
				args[n++] = (char *)vals[k];
			}
		if (vals[O_SUMMARY]) {
			args[n++] = "--summary";
			args[n++] = (char *)vals[O_SUMMARY];
		}
		if (noisy)
			args[n++] = "--fail-on-noisy";
		args[n] = NULL;
		if (!quiet)
			fprintf(stderr, "continuous: %s: BASE %.12s against HEAD %.12s "
				"(benchtrack ab)\n", f.args[s], c.commit[0], c.commit[1]);
		fflush(stdout);
		x = cli_cmd_ab.fn(n, args);
		fflush(stdout);
		if (x >= 128 || cont_sig) {
			code = x >= 128 ? x : 128 + cont_sig;
			goto out;
		}
		if (x == BT_EXIT_REGRESSION) {
			regressed = 1;
		} else if (x != BT_EXIT_OK) {
			bt_front_error("continuous: %s: the comparison failed (exit %d)",
				       f.args[s], x);
			code = x == BT_EXIT_USAGE ? BT_EXIT_USAGE : BT_EXIT_ERROR;
			goto out;
		}
	}
	code = regressed ? BT_EXIT_REGRESSION : BT_EXIT_OK;
out:
	if (cont_sig && code < 128)
		code = 128 + cont_sig;
	if (code >= 128)
		bt_front_error("continuous: interrupted by signal %d (%s); removing "
			       "the worktrees", code - 128, strsignal(code - 128));
	cleanup(&c);
	if (sig_set) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
	}
	cont_tmp = NULL;
	free(args);
	bt_front_release(&f);
	return code;
}

const struct cli_cmd cli_cmd_continuous = {
	"continuous", "continuous BASE HEAD --build CMD SUITE... [flags]",
	"build two commits in worktrees and compare their suites (the PR gate)",
	cmd_continuous, CLI_NO_SIGPIPE
};
