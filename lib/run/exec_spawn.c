/* One process of a command benchmark: started with posix_spawn (a vfork
 * in glibc, so a start costs what an exec costs) in a process group of its
 * own, timed from start to reap, waited for with a pidfd while its stderr
 * is drained, killed with its process group at a timeout or a stop. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "run/execint.h"
#include "run/proc.h"

#define GRACE_S 0.5  /* SIGTERM .. SIGKILL */
#define STOP_POLL_MS 50

static double now_s(void)
{
	return (double)bt__clock() * 1e-9;
}

/* fd moved to >= 3 (close-on-exec), so that the dup2s onto 0, 1, 2 of a
 * child never overwrite one another; -1 (fd closed) when that fails. */
static int fd_high(int fd)
{
	if (fd < 0 || fd > 2)
		return fd;
	int h = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	close(fd);
	return h;
}

static int pipe_high(int p[2])
{
	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	p[0] = fd_high(p[0]);
	p[1] = fd_high(p[1]);
	if (p[0] < 0 || p[1] < 0) {
		if (p[0] >= 0)
			close(p[0]);
		if (p[1] >= 0)
			close(p[1]);
		return -1;
	}
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	return 0;
}

int bt__spawner_init(struct bt__spawner *sp, const char *input_file,
		     enum bt_exec_output out, const char *out_file,
		     struct bt_strbuf *err)
{
	memset(sp, 0, sizeof *sp);
	sp->devnull = sp->in_fd = -1;
	sp->out = out;
	sp->out_file = out_file;
	sp->devnull = fd_high(open("/dev/null", O_RDWR | O_CLOEXEC));
	if (sp->devnull < 0)
		return bt_error(err, BT_ESYS, "/dev/null: %s", strerror(errno));
	if (input_file) {
		sp->in_fd = fd_high(open(input_file, O_RDONLY | O_CLOEXEC));
		if (sp->in_fd < 0) {
			int e = errno;
			bt__spawner_release(sp);
			return bt_error(err, BT_EIO, "%s: %s", input_file, strerror(e));
		}
	}
	if (posix_spawnattr_init(&sp->attr) != 0) {
		bt__spawner_release(sp);
		return bt_error(err, BT_ESYS, "posix_spawnattr_init failed");
	}
	sp->attr_ok = 1;
	sigset_t none, dfl;
	sigemptyset(&none);
	sigemptyset(&dfl);
	/* what a caller may ignore or handle must not stay so in the command */
	static const int sigs[] = { SIGPIPE, SIGINT, SIGQUIT, SIGTERM, SIGHUP,
				    SIGCHLD, SIGALRM, SIGUSR1, SIGUSR2, SIGTSTP,
				    SIGTTIN, SIGTTOU };
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaddset(&dfl, sigs[i]);
	posix_spawnattr_setsigmask(&sp->attr, &none);
	posix_spawnattr_setsigdefault(&sp->attr, &dfl);
	posix_spawnattr_setpgroup(&sp->attr, 0);
	posix_spawnattr_setflags(&sp->attr, POSIX_SPAWN_SETPGROUP |
					    POSIX_SPAWN_SETSIGMASK |
					    POSIX_SPAWN_SETSIGDEF);
	return 0;
}

void bt__spawner_release(struct bt__spawner *sp)
{
	if (sp->attr_ok)
		posix_spawnattr_destroy(&sp->attr);
	if (sp->devnull >= 0)
		close(sp->devnull);
	if (sp->in_fd >= 0)
		close(sp->in_fd);
	sp->attr_ok = 0;
	sp->devnull = sp->in_fd = -1;
}

char *bt__exec_resolve(const char *name)
{
	if (!name || !*name || strchr(name, '/'))
		return NULL;
	const char *path = getenv("PATH");
	if (!path)
		path = "/bin:/usr/bin"; /* glibc's execvp without PATH */
	size_t nl = strlen(name);
	for (const char *p = path;; p++) {
		const char *e = strchr(p, ':');
		size_t dl = e ? (size_t)(e - p) : strlen(p);
		char *f = malloc(dl + nl + 3);
		if (!f)
			return NULL;
		if (dl == 0) {
			memcpy(f, name, nl + 1); /* an empty entry: the directory we are in */
		} else {
			memcpy(f, p, dl);
			f[dl] = '/';
			memcpy(f + dl + 1, name, nl + 1);
		}
		struct stat st;
		if (stat(f, &st) == 0 && S_ISREG(st.st_mode) && access(f, X_OK) == 0) {
			if (dl == 0) { /* "./name", so that it is a path */
				memmove(f + 2, f, nl + 1);
				f[0] = '.';
				f[1] = '/';
			}
			return f;
		}
		free(f);
		if (!e)
			return NULL;
		p = e;
	}
}

/* Keeps the last BT__TAIL_MAX bytes of what fd gives; discards it when
 * res is NULL. Reads until the pipe is empty (or closed: fd set to -1). */
static void drain(int *fd, struct bt__proc_res *res)
{
	char buf[16384];
	ptrdiff_t got;
	while ((got = bt__read_some(fd, buf, sizeof buf)) > 0) {
		if (!res)
			continue;
		size_t n = (size_t)got;
		const char *p = buf;
		if (n >= BT__TAIL_MAX) {
			p += n - BT__TAIL_MAX;
			n = BT__TAIL_MAX;
			res->tail_len = 0;
		} else if (res->tail_len + n > BT__TAIL_MAX) {
			size_t drop = res->tail_len + n - BT__TAIL_MAX;
			memmove(res->tail, res->tail + drop, res->tail_len - drop);
			res->tail_len -= drop;
		}
		memcpy(res->tail + res->tail_len, p, n);
		res->tail_len += n;
	}
}

/* 1 when pid has exited (not reaped: WNOWAIT), waiting at most ms
 * milliseconds (0: only a look). */
static int exited_within(pid_t pid, int pidfd, int ms)
{
	if (pidfd >= 0) {
		struct pollfd p = { pidfd, POLLIN, 0 };
		int n;
		while ((n = poll(&p, 1, ms)) < 0 && errno == EINTR)
			;
		if (n > 0)
			return 1;
		if (n == 0)
			return 0;
	}
	double end = now_s() + ms * 1e-3;
	for (;;) {
		siginfo_t si;
		memset(&si, 0, sizeof si);
		if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
		    si.si_pid == pid)
			return 1;
		if (now_s() >= end)
			return 0;
		usleep(2000);
	}
}

/* SIGTERM to the group, a grace period, SIGKILL to the group. */
static void kill_group(pid_t pid, int pidfd)
{
	kill(-pid, SIGTERM);
	kill(pid, SIGTERM);
	/* a stopped process group would never see the SIGTERM */
	kill(-pid, SIGCONT);
	if (!exited_within(pid, pidfd, (int)(GRACE_S * 1000)))
		kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
}

int bt__proc_run(const struct bt__spawner *sp, const char *path, char *const argv[],
		 char *const envp[], int stdout_null, double timeout_s,
		 volatile int *stop, int kill_rest, struct bt__proc_res *res,
		 struct bt_strbuf *err)
{
	memset(res, 0, offsetof(struct bt__proc_res, tail));
	res->tail_len = 0;
	int ep[2], op[2] = { -1, -1 };
	enum bt_exec_output out = stdout_null ? BT_EXEC_OUT_NULL : sp->out;
	if (pipe_high(ep) != 0)
		return bt_error(err, BT_ESYS, "pipe: %s", strerror(errno));
	if (out == BT_EXEC_OUT_PIPE && pipe_high(op) != 0) {
		int e = errno;
		close(ep[0]);
		close(ep[1]);
		return bt_error(err, BT_ESYS, "pipe: %s", strerror(e));
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	if (sp->in_fd >= 0) {
		lseek(sp->in_fd, 0, SEEK_SET);
		posix_spawn_file_actions_adddup2(&fa, sp->in_fd, 0);
	} else {
		posix_spawn_file_actions_adddup2(&fa, sp->devnull, 0);
	}
	switch (out) {
	case BT_EXEC_OUT_NULL:
		posix_spawn_file_actions_adddup2(&fa, sp->devnull, 1);
		break;
	case BT_EXEC_OUT_PIPE:
		posix_spawn_file_actions_adddup2(&fa, op[1], 1);
		break;
	case BT_EXEC_OUT_FILE:
		posix_spawn_file_actions_addopen(&fa, 1, sp->out_file,
						 O_WRONLY | O_CREAT | O_TRUNC, 0666);
		break;
	case BT_EXEC_OUT_INHERIT:
		break;
	}
	posix_spawn_file_actions_adddup2(&fa, ep[1], 2);

	pid_t pid;
	double t0 = now_s();
	int rc = path ? posix_spawn(&pid, path, &fa, &sp->attr, argv, envp) :
		 posix_spawnp(&pid, argv[0], &fa, &sp->attr, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	close(ep[1]);
	if (op[1] >= 0)
		close(op[1]);
	if (rc != 0) {
		res->spawn_errno = rc;
		close(ep[0]);
		if (op[0] >= 0)
			close(op[0]);
		return 0;
	}
	int pidfd = bt__pidfd_open(pid);
	double deadline = timeout_s > 0 ? t0 + timeout_s : 0;
	int exited = 0;
	while (!exited) {
		int ms = -1;
		if (deadline > 0) {
			double left = deadline - now_s();
			if (left <= 0) {
				res->timed_out = 1;
				break;
			}
			ms = left > 1e6 ? 1000000000 : (int)(left * 1000) + 1;
		}
		if (stop && (ms < 0 || ms > STOP_POLL_MS))
			ms = STOP_POLL_MS;
		if (pidfd < 0 && (ms < 0 || ms > 10))
			ms = 10; /* no pidfd (old kernel): look every 10 ms */
		struct pollfd pfd[3];
		int nf = 0, ix_x = -1;
		if (pidfd >= 0)
			pfd[ix_x = nf++] = (struct pollfd){ pidfd, POLLIN, 0 };
		if (ep[0] >= 0)
			pfd[nf++] = (struct pollfd){ ep[0], POLLIN, 0 };
		if (op[0] >= 0)
			pfd[nf++] = (struct pollfd){ op[0], POLLIN, 0 };
		int n = poll(pfd, (nfds_t)nf, ms);
		if (n < 0 && errno != EINTR)
			usleep(10000); /* should not happen: look again soon */
		drain(&ep[0], res);
		drain(&op[0], NULL);
		if (n > 0 && ix_x >= 0)
			exited = pfd[ix_x].revents != 0;
		else if (ix_x < 0)
			exited = exited_within(pid, -1, 0);
		if (!exited && stop && *stop) {
			res->stopped = 1;
			break;
		}
	}
	if (res->timed_out || res->stopped)
		kill_group(pid, pidfd);
	/* what it left in its group is killed before it is reaped */
	int wst = 0;
	pid_t got = bt__reap_group(pid, kill_rest || res->timed_out || res->stopped, &wst,
				   &res->ru);
	res->wall_s = now_s() - t0;
	int e = errno;
	if (pidfd >= 0)
		close(pidfd);
	drain(&ep[0], res);
	drain(&op[0], NULL);
	if (ep[0] >= 0)
		close(ep[0]);
	if (op[0] >= 0)
		close(op[0]);
	if (got != pid)
		return bt_error(err, BT_ESYS, "wait4: %s", strerror(e));
	res->status = wst;
	return 0;
}
