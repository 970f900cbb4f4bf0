/* --measure instructions: the suite runs itself again under callgrind,
 * with a fixed, minimal stack (docs/MEASURE.md). The process the user
 * started (the launcher) makes a directory /tmp/btcg-XXXXXX holding a
 * link "s" to the suite executable and the file "args" (the arguments
 * and the environment), then runs
 *
 *     valgrind -q --tool=callgrind --collect-atstart=no --instr-atstart=no
 *              ... --callgrind-out-file=DIR/cg.%p DIR/s
 *
 * with address-space randomisation off (personality ADDR_NO_RANDOMIZE, as
 * setarch -R) and the environment BT_MEASURE_CHILD=DIR alone. The measured
 * process thus starts with the same argv, environment and auxiliary
 * vector whatever the user's environment, working directory, suite path
 * or options: the stack below main is the same, and so are the counts.
 * It reads the real arguments and environment from DIR/args into a
 * mapping of its own (not the heap, not the stack). The launcher waits,
 * removes DIR and exits as the measured process did. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "front.h"
#include "internal.h"
#include "run/counters.h"

extern char **environ;

#define CHILD_ENV "BT_MEASURE_CHILD"
#define TOOL_ENV "BT_MEASURE_TOOL"
#define CWD_ENV "BT_MEASURE_CWD"
#define ARGS_MAP (1u << 20) /* the args mapping grows by this much */

/* Appends the strings of v (NULL-terminated) and an empty string. */
static int put_list(struct bt_strbuf *b, char *const *v)
{
	int e = 0;
	for (size_t i = 0; v && v[i]; i++)
		e |= bt_strbuf_add(b, v[i], strlen(v[i]) + 1);
	e |= bt_strbuf_add(b, "", 1);
	return e;
}

int bt_front_measure_child(int *argc, char ***argv, char **dir)
{
	*dir = NULL;
	const char *d = getenv(CHILD_ENV);
	if (!d || !bt__on_valgrind())
		return 0;
	char *path = bt__pathf("%s/args", d);
	int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		bt_front_error("%s: %s", path ? path : d, strerror(errno));
		free(path);
		return -1;
	}
	free(path);
	/* the text, then the pointer arrays, in one mapping sized in whole
	 * MiBs: a bigger environment does not move what comes after it */
	size_t n = (size_t)st.st_size, words = 0;
	size_t need = n + 1 + (n + 4) * sizeof(char *);
	size_t size = (need + ARGS_MAP - 1) / ARGS_MAP * ARGS_MAP;
	char *m = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		close(fd);
		bt_front_error("%s", strerror(errno));
		return -1;
	}
	size_t off = 0;
	while (off < n) {
		ssize_t r = read(fd, m + off, n - off);
		if (r <= 0) {
			close(fd);
			bt_front_error("%s/args: short read", d);
			return -1;
		}
		off += (size_t)r;
	}
	close(fd);
	char **ptr = (char **)(void *)(m + ((n + 1 + 15) & ~(size_t)15));
	char **av = ptr, **ev = NULL;
	int ac = 0;
	for (size_t i = 0; i < n;) {
		size_t l = strlen(m + i);
		if (l == 0) {        /* the end of a list */
			ptr[words++] = NULL;
			if (!ev)
				ev = &ptr[words];
			i++;
			continue;
		}
		ptr[words++] = m + i;
		if (!ev)
			ac++;
		i += l + 1;
	}
	ptr[words] = NULL;
	if (!ev || ac < 1) {
		bt_front_error("%s/args: malformed", d);
		return -1;
	}
	*dir = strdup(d);
	environ = ev; /* also drops BT_MEASURE_CHILD */
	const char *cwd = getenv(CWD_ENV);
	if (!cwd || chdir(cwd) != 0) {
		bt_front_error("--measure instructions: cannot go back to %s: %s",
			       cwd ? cwd : "the working directory", strerror(errno));
		return -1;
	}
	unsetenv(CWD_ENV);
	*argc = ac;
	*argv = av;
	return *dir ? 1 : -1;
}

/* The valgrind version ("valgrind-3.19.0"), from `valgrind --version`. */
static void valgrind_version(const char *vg, char *out, size_t cap)
{
	snprintf(out, cap, "valgrind");
	int p[2];
	if (pipe(p) != 0)
		return;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], STDOUT_FILENO);
		close(p[0]);
		close(p[1]);
		execl(vg, vg, "--version", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	ssize_t r = pid > 0 ? read(p[0], out, cap - 1) : -1;
	close(p[0]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	if (r > 0) {
		out[r] = 0;
		out[strcspn(out, "\r\n")] = 0;
	} else {
		snprintf(out, cap, "valgrind");
	}
}

static volatile sig_atomic_t got_sig;
static void on_sig(int sig)
{
	got_sig = sig;
}

int bt_front_measure_reexec(int argc, char **argv, int cache_sim)
{
	char *vg = bt__valgrind_path();
	if (!vg) {
		bt_front_error("--measure instructions counts under valgrind's "
			       "callgrind, and there is no valgrind in PATH "
			       "(Debian/Ubuntu: apt-get install valgrind)");
		return BT_EXIT_ERROR;
	}
	char exe[PATH_MAX];
	ssize_t el = readlink("/proc/self/exe", exe, sizeof exe - 1);
	/* always /tmp, not $TMPDIR: the path's length is part of the stack */
	char dir[] = "/tmp/btcg-XXXXXX";
	if (el <= 0 || !mkdtemp(dir)) {
		bt_front_error("--measure instructions: %s: %s",
			       el <= 0 ? "/proc/self/exe" : "/tmp", strerror(errno));
		free(vg);
		return BT_EXIT_ERROR;
	}
	exe[el] = 0;
	char *link = bt__pathf("%s/s", dir), *args = bt__pathf("%s/args", dir);
	char *out = bt__pathf("%s/cg.%%p", dir);
	char *envc = bt__pathf(CHILD_ENV "=%s", dir);
	char ver[128], *tool = NULL;
	valgrind_version(vg, ver, sizeof ver);
	char **opts = bt__cg_options(out ? out : "", cache_sim, 0, 0);
	struct bt_strbuf b = BT_STRBUF_INIT;
	int code = BT_EXIT_ERROR;
	if (!link || !args || !out || !envc || !opts)
		goto done;
	/* what is recorded in the run's config */
	struct bt_strbuf t = BT_STRBUF_INIT;
	bt_strbuf_addf(&t, TOOL_ENV "=%s", ver);
	for (size_t i = 0; opts[i]; i++)
		if (strncmp(opts[i], "--callgrind-out-file", 20) != 0)
			bt_strbuf_addf(&t, " %s", opts[i]);
	bt_strbuf_addf(&t, "; ASLR off, fixed environment and path");
	tool = bt_strbuf_detach(&t);
	if (symlink(exe, link) != 0) {
		bt_front_error("--measure instructions: %s: %s", link, strerror(errno));
		goto done;
	}
	size_t ne = 0;
	while (environ[ne])
		ne++;
	char **env = calloc(ne + 3, sizeof *env);
	char cwd[PATH_MAX + 16];
	memcpy(cwd, CWD_ENV "=", sizeof CWD_ENV);
	if (!env || !getcwd(cwd + sizeof CWD_ENV, sizeof cwd - sizeof CWD_ENV)) {
		bt_front_error("--measure instructions: the working directory: %s",
			       strerror(errno));
		free(env);
		goto done;
	}
	memcpy(env, environ, ne * sizeof *env);
	env[ne] = tool;
	env[ne + 1] = cwd;
	int bad = put_list(&b, argv) || put_list(&b, env);
	free(env);
	if (bad ||
	    bt__write_file_atomic(args, b.buf, b.len, NULL) != 0) {
		bt_front_error("--measure instructions: cannot write %s", args);
		goto done;
	}
	(void)argc;
	size_t no = 0;
	while (opts[no])
		no++;
	char **vargv = calloc(no + 4, sizeof *vargv);
	if (!vargv)
		goto done;
	vargv[0] = vg;
	for (size_t i = 0; i < no; i++)
		vargv[1 + i] = opts[i];
	vargv[1 + no] = link;
	char *venv[] = { envc, NULL };
	fflush(NULL);
	struct sigaction sa, old_int, old_term;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sig;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	pid_t pid = fork();
	if (pid == 0) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
		/* Debian's valgrind is a shell script: the shell puts the
		 * working directory in PWD, on the client's stack. The
		 * measured process starts in DIR (fixed length) and goes
		 * back to the real one (BT_MEASURE_CWD) */
		if (chdir(dir) != 0)
			_exit(127);
		int pers = personality(0xffffffff);
		if (pers != -1)
			personality((unsigned long)pers | ADDR_NO_RANDOMIZE);
		execve(vg, vargv, venv);
		fprintf(stderr, "benchtrack: %s: %s\n", vg, strerror(errno));
		_exit(127);
	}
	int status = 0;
	if (pid > 0) {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			if (got_sig)
				kill(pid, got_sig);
		code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	} else {
		bt_front_error("fork: %s", strerror(errno));
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	free(vargv);
done:
	bt__rm_tree(dir, NULL);
	bt_strbuf_release(&b);
	bt_exec_argv_free(opts);
	free(vg);
	free(link);
	free(args);
	free(out);
	free(envc);
	free(tool);
	return code;
}

void bt_front_measure_done(char *dir)
{
	/* the launcher removes the directory; the dumps of the cases are
	 * removed as they are read */
	free(dir);
}

int bt_front_measure_check(const struct bt_front *f)
{
	int k = bt__measure_kind(f->cfg.measure);
	if (k != BT__M_CYCLES)
		return 0;
	struct bt__perf p;
	struct bt_strbuf err = BT_STRBUF_INIT;
	int rc = bt__perf_open(&p, &err);
	if (rc)
		bt_front_error("%s", bt_strbuf_str(&err));
	else
		bt__perf_close(&p);
	bt_strbuf_release(&err);
	return rc ? BT_EXIT_ERROR : 0;
}
