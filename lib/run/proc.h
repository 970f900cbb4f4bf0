/* What the files that start a child process share (internal to lib/run/:
 * isolate.c for a case, exec_spawn.c for a command, mpi_launch.c): its
 * pidfd, reading its pipes without blocking, writing to one whole, and
 * its process group killed and the child reaped. */
#ifndef BENCHTRACK_PROC_H
#define BENCHTRACK_PROC_H

#include <stddef.h>
#include <sys/resource.h>
#include <sys/types.h>

/* A pidfd of child pid (readable once it has exited), or -1 where the
 * kernel has none, or under valgrind (3.19 does not know the call: it
 * would warn at every case, then fail it); the caller closes it. */
int bt__pidfd_open(pid_t pid);

/* One read of what *fd (non-blocking) holds into buf (size bytes),
 * retried on EINTR: the bytes read (> 0); 0 when it holds nothing now;
 * -1 at end of file or on an error, with *fd closed and set to -1.
 * *fd < 0: -1. */
ptrdiff_t bt__read_some(int *fd, char *buf, size_t size);

/* Writes the n bytes of p to fd, retrying on EINTR and short writes:
 * 0, or -1 when a write fails (errno set) or writes nothing. */
int bt__write_all(int fd, const void *p, size_t n);

/* Waits for child pid to exit without reaping it: while it is a zombie
 * its process group id cannot be reused, so that what it left in its
 * group (pid's, the group it leads) can be killed safely, which kill_group
 * does (SIGKILL); then reaps it, its wait status into *status and its
 * resources into *ru (NULL: not wanted). Returns wait4's: pid, or -1 with
 * errno set. */
pid_t bt__reap_group(pid_t pid, int kill_group, int *status, struct rusage *ru);

#endif
