/* The suites' temporary output for run and ab (contracts in cli/cmd.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"

/* ---
 * A private directory under $TMPDIR (default /tmp) holds the --out file
 * and the suite's own atomic-write temporaries. While it exists, SIGINT
 * and SIGTERM are caught: the signal is forwarded to the running suite
 * (which a SIGTERM sent to benchtrack alone would not reach), the caller
 * sees cli_tmp_interrupted() != 0, removes the directory and exits
 * 128 + the signal. */
extern char **environ;
static volatile sig_atomic_t tmp_sig;
static volatile sig_atomic_t tmp_child; /* pid of the running suite, or 0 */
static struct sigaction tmp_old_int, tmp_old_term;
static char tmp_dir[4096], tmp_file[4200];
static int tmp_made;

static void tmp_on_signal(int sig)
{
	tmp_sig = sig;
	if (tmp_child > 0)
		kill((pid_t)tmp_child, sig);
}

int cli_tmp_interrupted(void)
{
	return tmp_sig;
}

char *cli_tmp_open(const char *prefix)
{
	const char *dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	if (snprintf(tmp_dir, sizeof tmp_dir, "%s/%s-XXXXXX", dir, prefix) >=
	    (int)sizeof tmp_dir) {
		bt_front_error("cannot create a temporary directory in %s: %s", dir,
			       strerror(ENAMETOOLONG));
		return NULL;
	}
	if (!mkdtemp(tmp_dir)) {
		bt_front_error("cannot create a temporary directory %s: %s", tmp_dir,
			       strerror(errno));
		return NULL;
	}
	snprintf(tmp_file, sizeof tmp_file, "%s/run.json", tmp_dir);
	tmp_made = 1;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = tmp_on_signal; /* no SA_RESTART: a blocking call returns */
	sigemptyset(&sa.sa_mask);
	tmp_sig = 0;
	tmp_child = 0;
	sigaction(SIGINT, &sa, &tmp_old_int);
	sigaction(SIGTERM, &sa, &tmp_old_term);
	return tmp_file;
}

void cli_tmp_close(void)
{
	if (!tmp_made)
		return;
	DIR *d = opendir(tmp_dir);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
				unlinkat(dirfd(d), e->d_name, 0);
		closedir(d);
	}
	if (rmdir(tmp_dir) != 0 && errno != ENOENT)
		bt_front_error("cannot remove the temporary directory %s: %s", tmp_dir,
			       strerror(errno));
	tmp_made = 0;
	sigaction(SIGINT, &tmp_old_int, NULL);
	sigaction(SIGTERM, &tmp_old_term, NULL);
}

int cli_spawn_suite(const char *suite, char **args, int n_args,
		     struct bt_strbuf *err)
{
	char **av = calloc((size_t)n_args + 2, sizeof *av);
	if (!av)
		return bt_error(err, -1, "out of memory");
	av[0] = (char *)suite;
	for (int i = 0; i < n_args; i++)
		av[i + 1] = args[i];
	/* block the two signals until the child's pid is known, so that one
	 * arriving meanwhile is still forwarded; the child starts with the
	 * caller's mask and default dispositions */
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	posix_spawnattr_t at;
	posix_spawnattr_init(&at);
	posix_spawnattr_setsigmask(&at, &old);
	sigset_t dflt = block;
	sigaddset(&dflt, SIGPIPE); /* run and ab ignore it; the suite must not */
	posix_spawnattr_setsigdefault(&at, &dflt);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	pid_t pid = 0;
	int rc = tmp_sig ? EINTR : posix_spawn(&pid, suite, NULL, &at, av, environ);
	posix_spawnattr_destroy(&at);
	free(av);
	if (rc == 0)
		tmp_child = pid;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		return bt_error(err, -1, "%s: cannot run: %s", suite, strerror(rc));
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			tmp_child = 0;
			return bt_error(err, -1, "%s: wait: %s", suite, strerror(errno));
		}
	tmp_child = 0;
	if (tmp_sig)
		return bt_error(err, -1, "%s: interrupted by signal %d (%s)", suite,
				(int)tmp_sig, strsignal(tmp_sig));
	if (WIFSIGNALED(st))
		return bt_error(err, -1, "%s: killed by signal %d (%s)", suite,
				WTERMSIG(st), strsignal(WTERMSIG(st)));
	return WEXITSTATUS(st);
}

