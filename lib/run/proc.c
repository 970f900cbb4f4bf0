/* A child process's pidfd, its pipes read without blocking or written
 * whole, its group killed and the child reaped (contracts in
 * lib/run/proc.h). */
#include <errno.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "counters.h"
#include "proc.h"

int bt__pidfd_open(pid_t pid)
{
#ifdef SYS_pidfd_open
	if (bt__on_valgrind())
		return -1;
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	return -1;
#endif
}

ptrdiff_t bt__read_some(int *fd, char *buf, size_t size)
{
	while (*fd >= 0) {
		ssize_t got = read(*fd, buf, size);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (got > 0)
			return (ptrdiff_t)got;
		close(*fd);
		*fd = -1;
	}
	return -1;
}

int bt__write_all(int fd, const void *p, size_t n)
{
	const char *b = p;
	size_t off = 0;

	while (off < n) {
		ssize_t w = write(fd, b + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		off += (size_t)w;
	}
	return 0;
}

pid_t bt__reap_group(pid_t pid, int kill_group, int *status, struct rusage *ru)
{
	siginfo_t si;
	pid_t got;

	while (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) < 0 && errno == EINTR)
		;
	if (kill_group)
		kill(-pid, SIGKILL);
	while ((got = wait4(pid, status, 0, ru)) < 0 && errno == EINTR)
		;
	return got;
}
