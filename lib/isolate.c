/* Running one case in a forked child (or in process), and the
 * process-level figures: peak memory, CPU time, context switches. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

#define RESULT_CAP (256u << 20) /* bytes a child may send */

int64_t bt__peak_rss(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	if (!f)
		return -1;
	char line[256];
	int64_t kb = -1;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, "VmHWM:", 6) == 0) {
			kb = strtoll(line + 6, NULL, 10);
			break;
		}
	fclose(f);
	return kb < 0 ? -1 : kb * 1024;
}

int bt__reset_peak_rss(void)
{
	int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int ok = write(fd, "5", 1) == 1;
	close(fd);
	return ok ? 0 : -1;
}

static double tv_s(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec * 1e-6;
}

static double now_s(void)
{
	return (double)bt__clock() * 1e-9;
}

static void set_rusage(struct bt_result *r, const struct rusage *ru,
		       const struct rusage *before)
{
	r->cpu_user_s = tv_s(ru->ru_utime) - (before ? tv_s(before->ru_utime) : 0);
	r->cpu_sys_s = tv_s(ru->ru_stime) - (before ? tv_s(before->ru_stime) : 0);
	r->ctx_switches_voluntary = ru->ru_nvcsw - (before ? before->ru_nvcsw : 0);
	r->ctx_switches_involuntary = ru->ru_nivcsw - (before ? before->ru_nivcsw : 0);
}

static int run_in_process(const struct bt_case *c, const struct bt_config *cfg,
			  struct bt_run *run, struct bt_result *r)
{
	struct rusage before, after;
	int reset = bt__reset_peak_rss() == 0;
	getrusage(RUSAGE_SELF, &before);
	int rc = bt__exec_case(c, cfg, run, r);
	getrusage(RUSAGE_SELF, &after);
	set_rusage(r, &after, &before);
	r->peak_memory_bytes = reset ? bt__peak_rss() : -1;
	return rc;
}

/* The child: measure, send the result as JSON on fd, exit. Never returns. */
static void child(const struct bt_case *c, const struct bt_config *cfg, int fd)
{
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* the benchmark's own output must not mix with a table or JSON on
	 * stdout: send it to stderr */
	dup2(STDERR_FILENO, STDOUT_FILENO);
#ifndef BT_SANITIZE
	if (cfg->memory_limit > 0) {
		struct rlimit rl = { (rlim_t)cfg->memory_limit,
				     (rlim_t)cfg->memory_limit };
		setrlimit(RLIMIT_AS, &rl);
	}
#endif
	bt__reset_peak_rss();

	struct bt_run tmp;
	struct bt_strbuf out = BT_STRBUF_INIT;
	if (bt_run_init(&tmp))
		_exit(70);
	struct bt_result *r = bt_run_add_result(&tmp);
	if (!r || bt__result_identity(&tmp, r, c) || bt__exec_case(c, cfg, &tmp, r))
		_exit(71);
	r->peak_memory_bytes = bt__peak_rss();
	if (bt_result_to_json(r, &out, NULL))
		_exit(72);
	size_t off = 0;
	while (off < out.len) {
		ssize_t w = write(fd, out.buf + off, out.len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			_exit(73);
		off += (size_t)w;
	}
	_exit(0);
}

static const char *signame(int sig)
{
	const char *d = sigabbrev_np(sig);
	return d ? d : "?";
}

int bt__run_case(const struct bt_case *c, const struct bt_config *cfg,
		 struct bt_run *run, struct bt_result *r, struct bt_strbuf *err)
{
	int rc = bt__result_identity(run, r, c);
	if (rc)
		return rc;
	r->peak_memory_bytes = -1;
	r->memory_bytes = -1;
	double t0 = now_s();
	if (!cfg->isolate) {
		rc = run_in_process(c, cfg, run, r);
		r->wall_s = now_s() - t0;
		return rc;
	}

	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0)
		return bt_error(err, BT_ESYS, "pipe: %s", strerror(errno));
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		return bt_error(err, BT_ESYS, "fork: %s", strerror(e));
	}
	if (pid == 0) {
		close(p[0]);
		child(c, cfg, p[1]);
	}
	close(p[1]);
	setpgid(pid, pid); /* also done in the child: no race either way */

	struct bt_strbuf data = BT_STRBUF_INIT;
	int timed_out = 0, too_big = 0;
	double deadline = cfg->timeout > 0 ? t0 + cfg->timeout : 0;
	char buf[65536];
	for (;;) {
		int ms = -1;
		if (deadline > 0) {
			double left = deadline - now_s();
			if (left <= 0) {
				timed_out = 1;
				break;
			}
			ms = (int)(left * 1000) + 1;
		}
		struct pollfd pfd = { p[0], POLLIN, 0 };
		int n = poll(&pfd, 1, ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			continue; /* re-check the deadline */
		ssize_t got = read(p[0], buf, sizeof buf);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		if (data.len + (size_t)got > RESULT_CAP) {
			too_big = 1;
			break;
		}
		if (bt_strbuf_add(&data, buf, (size_t)got)) {
			too_big = 1;
			break;
		}
	}
	close(p[0]);
	if (timed_out || too_big) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
	}
	/* wait for the child without reaping it: while it is a zombie its
	 * process group id cannot be reused, so a grandchild left behind in
	 * the case's group can be killed safely; then reap it */
	siginfo_t si;
	while (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) < 0 && errno == EINTR)
		;
	kill(-pid, SIGKILL);
	int wst = 0;
	struct rusage ru;
	memset(&ru, 0, sizeof ru);
	while (wait4(pid, &wst, 0, &ru) < 0 && errno == EINTR)
		;

	if (timed_out) {
		r->status = BT_STATUS_TIMEOUT;
		r->message = bt_run_printf(run, "timed out after %g s", cfg->timeout);
	} else if (too_big) {
		r->status = BT_STATUS_FAILED;
		r->message = bt_run_printf(run, "result larger than %u bytes", RESULT_CAP);
	} else if (WIFSIGNALED(wst)) {
		int sig = WTERMSIG(wst);
		r->status = BT_STATUS_CRASHED;
		r->message = bt_run_printf(run, "SIG%s (%s)%s", signame(sig),
					   strsignal(sig),
					   sig == SIGKILL ? ", possibly the kernel's out-of-memory killer" : "");
	} else if (WEXITSTATUS(wst) != 0 || data.len == 0) {
		r->status = BT_STATUS_CRASHED;
		r->message = bt_run_printf(run, "exited with status %d before reporting a result",
					   WEXITSTATUS(wst));
	} else {
		struct bt_strbuf perr = BT_STRBUF_INIT;
		rc = bt_result_from_json(run, r, data.buf, data.len, "case result", &perr);
		if (rc == BT_ENOMEM) {
			bt_strbuf_release(&perr);
			bt_strbuf_release(&data);
			return rc;
		}
		if (rc) {
			bt__result_identity(run, r, c);
			r->status = BT_STATUS_FAILED;
			r->message = bt_run_printf(run, "unreadable result from the child: %s",
						   bt_strbuf_str(&perr));
		}
		bt_strbuf_release(&perr);
	}
	bt_strbuf_release(&data);
	set_rusage(r, &ru, NULL);
	if (r->peak_memory_bytes < 0 && ru.ru_maxrss > 0)
		r->peak_memory_bytes = (int64_t)ru.ru_maxrss * 1024;
	r->wall_s = now_s() - t0;
	return 0;
}
