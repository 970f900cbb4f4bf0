/* A distributed case run by one mpirun launch (benchtrack run --mpi N):
 * fork after MPI_Init is not safe, so the isolation of such a case is
 * the launch itself. The runner's forked child execs
 *     mpirun -n RANKS --oversubscribe [--allow-run-as-root] $BT_MPIRUN_ARGS
 *            -x BT_MPI_CASE -x BT_MPI_RESULT SUITE ARGS --param K=V ...
 * in the case's process group; the suite's ranks run that one case in
 * step and rank 0 writes its result as JSON to BT_MPI_RESULT. A crash
 * or a hang on any rank is the launch's (isolate.c marks it, kills the
 * group and sweeps every process it left). A launch that cannot start
 * says why on a pipe to the runner, which puts it in the case's message:
 * nothing here prints. No MPI call here. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "benchtrack/exec.h"
#include "dist.h"
#include "proc.h"

int bt__mpi_prepare(const struct bt_case *c, const struct bt_config *cfg,
		    struct bt_run *run, struct bt_result *r, char *result_path,
		    size_t cap, struct bt_strbuf *err)
{
	int ranks = bt__case_ranks(c);
	if (cfg->mpi <= 0 || ranks > cfg->mpi) {
		r->status = BT_STATUS_SKIPPED;
		r->message = cfg->mpi <= 0
			? bt_run_strdup(run, "distributed: runs with --mpi N or under mpirun")
			: bt_run_printf(run, "distributed on %d ranks: --mpi %d allows fewer",
					ranks, cfg->mpi);
		return r->message ? 1 : BT_ENOMEM;
	}
	const char *tmp = getenv("TMPDIR");
	if (!tmp || !*tmp)
		tmp = "/tmp";
	int k = snprintf(result_path, cap, "%s/benchtrack-mpi-XXXXXX", tmp);
	if (k < 0 || (size_t)k >= cap)
		return bt_error(err, BT_EINVAL, "TMPDIR '%s' is too long", tmp);
	int fd = mkstemp(result_path);
	if (fd < 0)
		return bt_error(err, BT_ESYS, "%s: %s", result_path, strerror(errno));
	close(fd);
	return 0;
}

void bt__mpi_collect(const char *result_path, struct bt_strbuf *data,
		     size_t cap, int *too_big)
{
	char *text = NULL;
	size_t len = 0;
	int rc = bt__read_file(result_path, cap, &text, &len, NULL);
	if (rc == BT_ETOOBIG)
		*too_big = 1;
	else if (rc == 0 && len && bt_strbuf_add(data, text, len))
		*too_big = 1;
	free(text);
	unlink(result_path);
}

/* Appends s to v (count *n, room for cap). */
static void push(char **v, size_t *n, size_t cap, const char *s)
{
	if (*n + 1 < cap && s)
		v[(*n)++] = (char *)s;
}

/* Why the launch cannot start, written to err_fd (at most 1 KiB), then
 * exit status 127. */
static void launch_fail(int err_fd, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));
static void launch_fail(int err_fd, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	size_t len = n < 0 ? 0 : (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1;
	bt__write_all(err_fd, msg, len);
	_exit(127);
}

void bt__mpi_exec(const struct bt_case *c, const struct bt_config *cfg,
		  const char *result_path, int err_fd)
{
	static char self[4096], nbuf[32];
	ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);
	if (k <= 0)
		launch_fail(err_fd, "/proc/self/exe: %s", strerror(errno));
	self[k] = '\0';
	const char *launcher = getenv("BT_MPIRUN");
	if (!launcher || !*launcher)
		launcher = "mpirun";
	struct bt_strbuf err = BT_STRBUF_INIT;
	char **extra = NULL;
	const char *ea = getenv("BT_MPIRUN_ARGS");
	if (ea && *ea && !(extra = bt_exec_split(ea, &err)))
		launch_fail(err_fd, "BT_MPIRUN_ARGS: %s", bt_strbuf_str(&err));
	size_t n_extra = 0, n_args = 0;
	while (extra && extra[n_extra])
		n_extra++;
	while (cfg->mpi_argv && cfg->mpi_argv[n_args])
		n_args++;
	size_t cap = 16 + n_extra + n_args + 2 * c->n_params;
	char **v = calloc(cap, sizeof *v);
	char **kv = calloc(c->n_params + 1, sizeof *kv);
	if (!v || !kv)
		launch_fail(err_fd, "out of memory");
	size_t n = 0;
	snprintf(nbuf, sizeof nbuf, "%d", bt__case_ranks(c));
	push(v, &n, cap, launcher);
	push(v, &n, cap, "-n");
	push(v, &n, cap, nbuf);
	push(v, &n, cap, "--oversubscribe");
	if (geteuid() == 0) {
		push(v, &n, cap, "--allow-run-as-root");
		setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
		setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
	}
	for (size_t i = 0; i < n_extra; i++)
		push(v, &n, cap, extra[i]);
	push(v, &n, cap, "-x");
	push(v, &n, cap, "BT_MPI_CASE");
	push(v, &n, cap, "-x");
	push(v, &n, cap, "BT_MPI_RESULT");
	push(v, &n, cap, self);
	for (size_t i = 1; i < n_args; i++)
		push(v, &n, cap, cfg->mpi_argv[i]);
	/* the case's own values last: they win over --range, --quick and
	 * the sweep (--find-limit's values are in no sweep) */
	for (size_t i = 0; i < c->n_params; i++) {
		if (asprintf(&kv[i], "%s=%s", c->params[i].key,
			     c->params[i].value) < 0)
			launch_fail(err_fd, "out of memory");
		push(v, &n, cap, "--param");
		push(v, &n, cap, kv[i]);
	}
	v[n] = NULL;
	setenv("BT_MPI_CASE", c->id, 1);
	setenv("BT_MPI_RESULT", result_path, 1);
	execvp(launcher, v);
	launch_fail(err_fd, "cannot run %s: %s (install openmpi-bin, or set BT_MPIRUN)",
		    launcher, strerror(errno));
}
