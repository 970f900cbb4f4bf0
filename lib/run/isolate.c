/* Running one case in a forked child (or in process), and the
 * process-level figures: peak memory, CPU time, context switches. The
 * child's output is passed on to stderr, capped; every process a case
 * started is killed and reaped after it. */
#include <dirent.h>
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

#include "counters.h"
#include "dist.h"
#include "internal.h"
#include "proc.h"

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
	if (r->peak_memory_bytes < 0) /* a distributed case's: set */
		r->peak_memory_bytes = reset ? bt__peak_rss() : -1;
	return rc;
}

/* SIGPIPE is ignored in the runner (a closed stderr, e.g. piped into
 * `head`, must not end the run: writes then fail with EPIPE); the case's
 * child gets back the default when it was the default before. */
static int sigpipe_was_default;

void bt__ignore_sigpipe(void)
{
	static int done;
	if (done)
		return;
	done = 1;
	struct sigaction old;
	if (sigaction(SIGPIPE, NULL, &old) == 0 && !(old.sa_flags & SA_SIGINFO) &&
	    old.sa_handler == SIG_DFL) {
		signal(SIGPIPE, SIG_IGN);
		sigpipe_was_default = 1;
	}
}

/* The child: measure, send the result as JSON on fd, exit. Its stdout
 * and stderr go to out_fd. Never returns. A distributed case (mpi_result
 * set) execs mpirun, which writes the result to mpi_result; fd then gets
 * why mpirun could not be started, if it could not. */
static void child(const struct bt_case *c, const struct bt_config *cfg, int fd,
		  int out_fd, pid_t parent, const char *mpi_result)
{
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(74); /* the runner died before the line above */
	if (sigpipe_was_default)
		signal(SIGPIPE, SIG_DFL);
	/* the benchmark's own output must not mix with a table or JSON on
	 * stdout: both streams go to the runner, which passes them on to its
	 * stderr (capped); lines show as they are written */
	dup2(out_fd, STDOUT_FILENO);
	dup2(out_fd, STDERR_FILENO);
	if (out_fd > STDERR_FILENO)
		close(out_fd);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (mpi_result) /* a distributed case: mpirun, its ranks apply
			   --memory-limit after MPI_Init (mpi_launch.c) */
		bt__mpi_exec(c, cfg, mpi_result, fd);
#ifndef BT_SANITIZE
	if (cfg->memory_limit > 0 && !bt__on_valgrind()) {
		/* (valgrind reserves address space of its own: a limit on
		 * it would stop the simulation, not the benchmark) */
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
	fflush(stdout);
	fflush(stderr);
	r->peak_memory_bytes = bt__peak_rss();
	if (bt_result_to_json(r, &out, NULL))
		_exit(72);
	if (bt__write_all(fd, out.buf, out.len))
		_exit(73);
	_exit(0);
}

static const char *signame(int sig)
{
	const char *d = sigabbrev_np(sig);
	return d ? d : "?";
}

/* --- the case's output, passed on to stderr ---------------------------
 * The first OUTPUT_HEAD bytes go on as they come; the last OUTPUT_TAIL
 * bytes are kept and go on when the case ends, after a line saying how
 * many bytes in between were dropped. A write error on stderr (EPIPE: a
 * reader that went away) stops the passing on, not the reading. */
#define OUTPUT_HEAD (64u << 10)
#define OUTPUT_TAIL (64u << 10)

struct passthru {
	size_t total;        /* bytes the case wrote */
	size_t head;         /* bytes passed on as they came */
	char *tail;          /* ring of OUTPUT_TAIL bytes, NULL until needed */
	size_t tail_len;     /* bytes in the ring */
	size_t tail_pos;     /* where the next byte goes */
	char last;           /* the last byte passed on ('\n' at first) */
	int broken;          /* stderr failed */
};

static void out_write(struct passthru *o, const char *b, size_t n)
{
	if (n)
		o->last = b[n - 1];
	while (n && !o->broken) {
		ssize_t w = write(STDERR_FILENO, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			o->broken = 1;
			break;
		}
		b += w;
		n -= (size_t)w;
	}
}

static void out_add(struct passthru *o, const char *b, size_t n)
{
	o->total += n;
	size_t h = OUTPUT_HEAD - o->head;
	if (h > n)
		h = n;
	if (h) {
		if (o->head == 0)
			fflush(stderr); /* after the runner's own lines */
		out_write(o, b, h);
		o->head += h;
		b += h;
		n -= h;
	}
	if (!n || (!o->tail && !(o->tail = malloc(OUTPUT_TAIL))))
		return; /* without a ring, the rest counts as dropped */
	if (n >= OUTPUT_TAIL) {
		memcpy(o->tail, b + n - OUTPUT_TAIL, OUTPUT_TAIL);
		o->tail_len = OUTPUT_TAIL;
		o->tail_pos = 0;
		return;
	}
	size_t first = OUTPUT_TAIL - o->tail_pos;
	if (first > n)
		first = n;
	memcpy(o->tail + o->tail_pos, b, first);
	memcpy(o->tail, b + first, n - first);
	o->tail_pos = (o->tail_pos + n) % OUTPUT_TAIL;
	o->tail_len = o->tail_len + n > OUTPUT_TAIL ? OUTPUT_TAIL : o->tail_len + n;
}

static void out_finish(struct passthru *o)
{
	size_t dropped = o->total - o->head - o->tail_len;
	if (dropped) {
		char msg[96];
		int k = snprintf(msg, sizeof msg,
				 "%s[benchtrack: %zu bytes of output dropped]\n",
				 o->last == '\n' ? "" : "\n", dropped);
		out_write(o, msg, (size_t)k);
	}
	if (o->tail_len == OUTPUT_TAIL) {
		out_write(o, o->tail + o->tail_pos, OUTPUT_TAIL - o->tail_pos);
		out_write(o, o->tail, o->tail_pos);
	} else if (o->tail_len) {
		out_write(o, o->tail, o->tail_len);
	}
	free(o->tail);
	o->tail = NULL;
}

/* Reads what fd holds now (at most max_reads reads), into the result
 * (out == NULL: data, up to RESULT_CAP, else *too_big) or through out.
 * Closes *fd and sets it to -1 at end of file or on an error. */
static void drain(int *fd, struct bt_strbuf *data, int *too_big,
		  struct passthru *out, int max_reads)
{
	char buf[65536];
	ptrdiff_t got;
	for (int i = 0; i < max_reads && (got = bt__read_some(fd, buf, sizeof buf)) > 0; i++) {
		if (out) {
			out_add(out, buf, (size_t)got);
		} else if (!*too_big) {
			if (data->len + (size_t)got > RESULT_CAP ||
			    bt_strbuf_add(data, buf, (size_t)got))
				*too_big = 1;
		}
	}
}

/* --- every process the case started ----------------------------------
 * While a case runs, the runner is a child subreaper
 * (PR_SET_CHILD_SUBREAPER): a process whose parent dies is re-parented to
 * the runner, not to init, whatever its session or process group. So
 * every living process the case started descends from the runner through
 * a child the runner did not have before the case, and those are killed
 * and reaped after the case. Children the runner had before it, and what
 * descends from them, are left alone (unless an orphan of theirs was
 * re-parented to the runner while the case ran); nothing above the
 * runner is ever looked at. */
struct proc {
	pid_t pid, ppid;
};

static int cmp_proc(const void *a, const void *b)
{
	pid_t x = ((const struct proc *)a)->pid, y = ((const struct proc *)b)->pid;
	return (x > y) - (x < y);
}

/* Every process of /proc with its parent, sorted by pid (malloc'd; NULL
 * with *n = 0 when /proc cannot be read). */
static struct proc *list_procs(size_t *n)
{
	*n = 0;
	DIR *d = opendir("/proc");
	if (!d)
		return NULL;
	struct proc *v = NULL;
	size_t cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 0)
			continue;
		char path[64], buf[512];
		snprintf(path, sizeof path, "/proc/%ld/stat", pid);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t got = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (got <= 0)
			continue;
		buf[got] = '\0';
		/* "pid (comm) state ppid ...": comm may hold spaces and ')' */
		char *rp = strrchr(buf, ')'), state;
		long ppid;
		if (!rp || sscanf(rp + 1, " %c %ld", &state, &ppid) != 2)
			continue;
		if (bt__vec_reserve((void **)&v, &cap, *n + 1, sizeof *v))
			break;
		v[(*n)++] = (struct proc){ (pid_t)pid, (pid_t)ppid };
	}
	closedir(d);
	if (v)
		qsort(v, *n, sizeof *v, cmp_proc);
	return v;
}

static int has_pid(const pid_t *v, size_t n, pid_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == pid)
			return 1;
	return 0;
}

/* 1 when this process has no child at all (cheap: no /proc scan). */
static int no_children(void)
{
	siginfo_t si;
	memset(&si, 0, sizeof si);
	return waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 && errno == ECHILD;
}

/* The children this process has now (malloc'd, count in *n; NULL when
 * none). */
static pid_t *children_now(size_t *n)
{
	*n = 0;
	if (no_children())
		return NULL;
	size_t np;
	struct proc *p = list_procs(&np);
	pid_t *v = p ? malloc(np * sizeof *v) : NULL;
	pid_t self = getpid();
	for (size_t i = 0; v && i < np; i++)
		if (p[i].ppid == self)
			v[(*n)++] = p[i].pid;
	free(p);
	return v;
}

/* Kills (SIGKILL) and reaps every process descended from this one through
 * a child not in keep[0..nkeep), until none is left. */
static void sweep(const pid_t *keep, size_t nkeep)
{
	pid_t self = getpid();
	for (int round = 0; round < 10000; round++) {
		if (nkeep == 0 && no_children())
			return;
		size_t n;
		struct proc *p = list_procs(&n);
		unsigned char *mark = p ? calloc(n, 1) : NULL;
		if (!mark) {
			free(p);
			return;
		}
		/* a process is marked when its parent is: sorted by pid,
		 * parents mostly come first, so this ends in a pass or two */
		size_t found = 0;
		for (int changed = 1; changed;) {
			changed = 0;
			for (size_t i = 0; i < n; i++) {
				if (mark[i])
					continue;
				int m;
				if (p[i].ppid == self) {
					m = !has_pid(keep, nkeep, p[i].pid);
				} else {
					struct proc key = { p[i].ppid, 0 };
					struct proc *par = bsearch(&key, p, n, sizeof *p, cmp_proc);
					m = par && mark[par - p];
				}
				if (m) {
					mark[i] = 1;
					found++;
					changed = 1;
				}
			}
		}
		for (size_t i = 0; i < n; i++)
			if (mark[i])
				kill(p[i].pid, SIGKILL);
		/* reap the children among them; the others are re-parented to
		 * this process as their parents die, and reaped next round */
		size_t reaped = 0;
		for (size_t i = 0; i < n; i++)
			if (mark[i] && p[i].ppid == self) {
				while (waitpid(p[i].pid, NULL, 0) < 0 && errno == EINTR)
					;
				reaped++;
			}
		free(mark);
		free(p);
		if (!found)
			return;
		if (!reaped)
			usleep(1000); /* let the killed ones die */
	}
}

int bt__run_case(const struct bt_case *c, const struct bt_config *cfg,
		 struct bt_run *run, struct bt_result *r, struct bt_strbuf *err)
{
	int rc = bt__result_identity(run, r, c);
	if (rc)
		return rc;
	bt__ignore_sigpipe();
	r->peak_memory_bytes = -1;
	r->memory_bytes = -1;
	double t0 = now_s();
	/* a distributed case outside a world: one mpirun launch (--mpi) */
	char mpi_result[4096];
	int mpi = bt__case_distributed(c) && bt__dist_size == 0;
	if (mpi && (rc = bt__mpi_prepare(c, cfg, run, r, mpi_result,
					 sizeof mpi_result, err)) != 0)
		return rc < 0 ? rc : 0; /* 1: skipped, r says why */
	if (!cfg->isolate && !mpi) {
		rc = run_in_process(c, cfg, run, r);
		r->wall_s = now_s() - t0;
		return rc;
	}

	int p[2], o[2];
	if (pipe2(p, O_CLOEXEC) != 0)
		return bt_error(err, BT_ESYS, "pipe: %s", strerror(errno));
	if (pipe2(o, O_CLOEXEC) != 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		return bt_error(err, BT_ESYS, "pipe: %s", strerror(e));
	}
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	fcntl(o[0], F_SETFL, O_NONBLOCK);
	size_t nkeep;
	pid_t *keep = children_now(&nkeep);
	int was_reaper = 0;
	prctl(PR_GET_CHILD_SUBREAPER, &was_reaper);
	if (!was_reaper)
		prctl(PR_SET_CHILD_SUBREAPER, 1);
	fflush(stdout);
	fflush(stderr);
	pid_t self = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		close(o[0]);
		close(o[1]);
		if (!was_reaper)
			prctl(PR_SET_CHILD_SUBREAPER, 0);
		free(keep);
		return bt_error(err, BT_ESYS, "fork: %s", strerror(e));
	}
	if (pid == 0) {
		close(p[0]);
		close(o[0]);
		child(c, cfg, p[1], o[1], self, mpi ? mpi_result : NULL);
	}
	close(p[1]);
	close(o[1]);
	setpgid(pid, pid); /* also done in the child: no race either way */
	int pidfd = bt__pidfd_open(pid);

	/* The case is over when its child exits, not when the pipes close:
	 * a process it started may hold them open. */
	struct bt_strbuf data = BT_STRBUF_INIT;
	struct passthru out = { .last = '\n' };
	int timed_out = 0, too_big = 0, exited = 0;
	double deadline = cfg->timeout > 0 ? t0 + cfg->timeout : 0;
	while (!exited && !too_big) {
		int ms = -1;
		if (deadline > 0) {
			double left = deadline - now_s();
			if (left <= 0) {
				timed_out = 1;
				break;
			}
			ms = left > 1e6 ? 1000000000 : (int)(left * 1000) + 1;
		}
		if (pidfd < 0 && (ms < 0 || ms > 20))
			ms = 20; /* no pidfd (old kernel): look every 20 ms */
		struct pollfd pfd[3];
		int nf = 0, ix_p = -1, ix_o = -1, ix_x = -1;
		if (p[0] >= 0)
			pfd[ix_p = nf++] = (struct pollfd){ p[0], POLLIN, 0 };
		if (o[0] >= 0)
			pfd[ix_o = nf++] = (struct pollfd){ o[0], POLLIN, 0 };
		if (pidfd >= 0)
			pfd[ix_x = nf++] = (struct pollfd){ pidfd, POLLIN, 0 };
		int n = poll(pfd, (nfds_t)nf, ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) /* should not happen: look every 20 ms instead */
			usleep(20000);
		if (n > 0 && ix_p >= 0 && pfd[ix_p].revents)
			drain(&p[0], &data, &too_big, NULL, 16);
		if (n > 0 && ix_o >= 0 && pfd[ix_o].revents)
			drain(&o[0], NULL, NULL, &out, 16);
		if (n >= 0 && ix_x >= 0) {
			exited = n > 0 && pfd[ix_x].revents != 0;
		} else {
			siginfo_t si;
			memset(&si, 0, sizeof si);
			exited = waitid(P_PID, (id_t)pid, &si,
					WEXITED | WNOHANG | WNOWAIT) == 0 &&
				 si.si_pid == pid;
		}
	}
	if (timed_out || too_big) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
	}
	/* a grandchild left behind in the case's group is killed before the
	 * child is reaped */
	int wst = 0;
	struct rusage ru;
	memset(&ru, 0, sizeof ru);
	bt__reap_group(pid, 1, &wst, &ru);
	sweep(keep, nkeep);
	if (!was_reaper)
		prctl(PR_SET_CHILD_SUBREAPER, 0);
	free(keep);
	if (pidfd >= 0)
		close(pidfd);
	/* every writer is gone: what the pipes hold is the rest */
	drain(&p[0], &data, &too_big, NULL, INT32_MAX);
	drain(&o[0], NULL, NULL, &out, INT32_MAX);
	/* a launch: the pipe held why mpirun did not start, if it did not;
	 * the result is in its file */
	struct bt_strbuf launch = BT_STRBUF_INIT;
	if (mpi) {
		launch = data;
		bt_strbuf_init(&data);
		bt__mpi_collect(mpi_result, &data, RESULT_CAP, &too_big);
	}
	if (p[0] >= 0)
		close(p[0]);
	if (o[0] >= 0)
		close(o[0]);
	out_finish(&out);

	if (timed_out) {
		r->status = BT_STATUS_TIMEOUT;
		r->message = bt_run_printf(run, "timed out after %g s", cfg->timeout);
	} else if (too_big) {
		r->status = BT_STATUS_FAILED;
		r->message = bt_run_printf(run, "result larger than %u bytes", RESULT_CAP);
	} else if (launch.len) {
		r->status = BT_STATUS_CRASHED;
		r->message = bt_run_printf(run, "%s", bt_strbuf_str(&launch));
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
			bt_strbuf_release(&launch);
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
	bt_strbuf_release(&launch);
	set_rusage(r, &ru, NULL);
	if (r->peak_memory_bytes < 0 && ru.ru_maxrss > 0)
		r->peak_memory_bytes = (int64_t)ru.ru_maxrss * 1024;
	r->wall_s = now_s() - t0;
	return 0;
}
