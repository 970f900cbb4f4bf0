/* Run context: the machine, the git state of the code, the timestamp and
 * the run id (the "Context" section of benchtrack/result.h).
 *
 * Everything here is best effort: information that cannot be read stays
 * unknown and is never an error. Only running out of memory in the run's
 * arena is reported (BT_ENOMEM). Every file is read with a size cap and
 * every child process (git, nvidia-smi) runs without a shell, with its
 * output capped and a time limit.
 *
 * The machine is read from the files of /proc, /sys and /etc, under the
 * root that bt__context_set_root gives (tests point it at the trees of
 * tests/fixtures/context/); with the host's root, the logical cores and
 * the memory come from sysconf first, as they always have. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#if defined(__has_include)
#if __has_include(<sys/random.h>)
#include <sys/random.h>
#define BT_HAVE_GETRANDOM 1
#endif
#endif

#include "internal.h"

extern char **environ;

#define CPUINFO_CAP ((size_t)16 << 20)  /* /proc/cpuinfo of big machines */
#define TEXT_FILE_CAP ((size_t)64 << 10) /* meminfo, os-release */
#define GIT_OUT_CAP 4096
#define GPU_OUT_CAP ((size_t)64 << 10)
#define GIT_TIMEOUT_MS 20000
#define GPU_TIMEOUT_MS 10000
#define MAX_GPUS 64
#define MAX_CPUS 65536
#define MAX_CACHE_INDEX 64
#define ROOT_MAX (PATH_MAX - 256) /* leaves room for the longest file */

/* --- the root of the files read ------------------------------------------ */

/* "" for the host; else a directory without a trailing '/'. */
static char ctx_root[ROOT_MAX];

int bt__context_set_root(const char *dir)
{
	size_t n = dir ? strlen(dir) : 0;
	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (n >= sizeof ctx_root)
		return BT_EINVAL;
	if (n == 1 && dir[0] == '/')
		n = 0;
	if (n)
		memcpy(ctx_root, dir, n);
	ctx_root[n] = '\0';
	return 0;
}

/* path (absolute) under the root, into buf[PATH_MAX]; returns buf. */
static const char *rooted(char buf[PATH_MAX], const char *path)
{
	snprintf(buf, PATH_MAX, "%s%s", ctx_root, path);
	return buf;
}

/* --- small helpers ------------------------------------------------------ */

/* Copies s (NULL allowed) into the run's arena at *dst. BT_ENOMEM only when
 * s was not NULL and the copy failed. */
static int set_str(struct bt_run *run, const char **dst, const char *s)
{
	*dst = NULL;
	if (!s)
		return 0;
	char *p = bt_run_strdup(run, s);
	if (!p)
		return BT_ENOMEM;
	*dst = p;
	return 0;
}

/* Trims whitespace at both ends in place; returns the new start. */
static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* Replaces every run of whitespace with one space, in place. */
static void squeeze(char *s)
{
	char *w = s;
	int space = 0;
	for (char *r = s; *r; r++) {
		if (isspace((unsigned char)*r)) {
			space = 1;
			continue;
		}
		if (space && w != s)
			*w++ = ' ';
		space = 0;
		*w++ = *r;
	}
	*w = '\0';
}

/* Copies n bytes of src into dst[size] (truncating), trimmed. */
static void copy_trimmed(char *dst, size_t size, const char *src, size_t n)
{
	if (n > size - 1)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	char *t = trim(dst);
	memmove(dst, t, strlen(t) + 1);
}

/* Reads at most size-1 bytes of a small (sysfs) file into buf, trimmed.
 * Returns 0, or -1 when it cannot be read or is empty. */
static int read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -1;
	size_t n = 0;
	while (n < size - 1) {
		ssize_t r = read(fd, buf + n, size - 1 - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	char *t = trim(buf);
	if (!*t)
		return -1;
	memmove(buf, t, strlen(t) + 1);
	return 0;
}

/* Iterates "key SEP value" lines of text. At each call takes the line at
 * *pp, copies its trimmed key and value (truncated to the buffers; a line
 * without sep gives the whole line as key and an empty value) and advances
 * *pp. Returns 0 at the end of the text. */
static int kv_next(const char **pp, char sep, char *key, size_t ksize,
		   char *val, size_t vsize)
{
	const char *p = *pp;
	if (!p || !*p)
		return 0;
	const char *end = strchr(p, '\n');
	if (!end)
		end = p + strlen(p);
	const char *s = memchr(p, sep, (size_t)(end - p));
	if (s) {
		copy_trimmed(key, ksize, p, (size_t)(s - p));
		copy_trimmed(val, vsize, s + 1, (size_t)(end - s - 1));
	} else {
		copy_trimmed(key, ksize, p, (size_t)(end - p));
		val[0] = '\0';
	}
	*pp = *end ? end + 1 : end;
	return 1;
}

/* Value of the first line whose key is key, into val. Returns 0 or -1. */
static int kv_find(const char *text, char sep, const char *key, char *val,
		   size_t vsize)
{
	char k[128];
	const char *p = text;
	while (kv_next(&p, sep, k, sizeof k, val, vsize))
		if (strcmp(k, key) == 0)
			return 0;
	val[0] = '\0';
	return -1;
}

/* "32K", "1024K", "8M", "512" -> bytes; -1 when malformed. */
static int64_t parse_size(const char *s)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (end == s || errno || *s == '-')
		return -1;
	while (*end == ' ')
		end++;
	unsigned shift = 0;
	switch (toupper((unsigned char)*end)) {
	case '\0':
		break;
	case 'K':
		shift = 10;
		break;
	case 'M':
		shift = 20;
		break;
	case 'G':
		shift = 30;
		break;
	default:
		return -1;
	}
	if (v > ((unsigned long long)INT64_MAX >> shift))
		return -1;
	return (int64_t)(v << shift);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static long elapsed_ms(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long)(t.tv_sec - t0->tv_sec) * 1000 +
	       (long)(t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* --- child processes ---------------------------------------------------- */

struct capture {
	char *buf;     /* caller's buffer; NUL-terminated on return */
	size_t cap;    /* its size; at most cap - 1 bytes are kept */
	size_t len;    /* bytes kept */
	int truncated; /* there was more output (read and discarded) */
};

/* Moves fd above the standard descriptors (close-on-exec), so that dup2 in
 * the child never meets fd == target. Returns the fd or -1 (fd closed). */
static int fd_above_stdio(int fd)
{
	if (fd < 0 || fd > 2)
		return fd;
	int nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	close(fd);
	return nfd;
}

/* Runs argv[0] found on PATH (no shell) with envp, stdin and stderr on
 * /dev/null and stdout captured into c, in a process group of its own.
 * The group is killed after timeout_ms. Returns its exit status (0-255), or -1 when it could not be
 * started, was killed or timed out. */
static int run_capture(const char *const argv[], char *const envp[],
		       int timeout_ms, struct capture *c)
{
	c->len = 0;
	c->truncated = 0;
	c->buf[0] = '\0';

	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0)
		return -1;
	fds[0] = fd_above_stdio(fds[0]);
	fds[1] = fd_above_stdio(fds[1]);
	if (fds[0] < 0 || fds[1] < 0) {
		if (fds[0] >= 0)
			close(fds[0]);
		if (fds[1] >= 0)
			close(fds[1]);
		return -1;
	}

	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	int ok_fa = posix_spawn_file_actions_init(&fa) == 0;
	int ok_attr = ok_fa && posix_spawnattr_init(&attr) == 0;
	pid_t pid = -1;
	int err = !ok_attr;
	if (!err) {
		sigset_t none, dfl;
		sigemptyset(&none);
		sigemptyset(&dfl);
		sigaddset(&dfl, SIGPIPE);
		err = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null",
						       O_RDONLY, 0) ||
		      posix_spawn_file_actions_adddup2(&fa, fds[1], 1) ||
		      posix_spawn_file_actions_addopen(&fa, 2, "/dev/null",
						       O_WRONLY, 0) ||
		      posix_spawnattr_setsigmask(&attr, &none) ||
		      posix_spawnattr_setsigdefault(&attr, &dfl) ||
		      posix_spawnattr_setpgroup(&attr, 0) ||
		      posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
							      POSIX_SPAWN_SETSIGDEF |
							      POSIX_SPAWN_SETPGROUP);
	}
	if (!err)
		err = posix_spawnp(&pid, argv[0], &fa, &attr,
				   (char *const *)argv, envp) != 0;
	if (ok_attr)
		posix_spawnattr_destroy(&attr);
	if (ok_fa)
		posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (err) {
		close(fds[0]);
		return -1;
	}

	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int failed = 0;
	char scratch[4096];
	for (;;) {
		long left = timeout_ms - elapsed_ms(&t0);
		if (left <= 0) {
			failed = 1;
			break;
		}
		struct pollfd pfd = { .fd = fds[0], .events = POLLIN };
		int pr = poll(&pfd, 1, (int)left);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0) {
			failed = 1;
			break;
		}
		char *dst = scratch;
		size_t room = sizeof scratch;
		if (c->len < c->cap - 1) {
			dst = c->buf + c->len;
			room = c->cap - 1 - c->len;
		}
		ssize_t r = read(fds[0], dst, room);
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			failed = 1;
			break;
		}
		if (r == 0)
			break;
		if (dst == scratch)
			c->truncated = 1;
		else
			c->len += (size_t)r;
	}
	close(fds[0]);
	c->buf[c->len] = '\0';

	/* reap it; a child that closed stdout but lingers is killed at the
	 * deadline like one that keeps writing (with its own children: it
	 * leads its own process group) */
	if (failed)
		kill(-pid, SIGKILL);
	int st = 0;
	long nap_us = 200;
	for (;;) {
		pid_t w = waitpid(pid, &st, failed ? 0 : WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		if (elapsed_ms(&t0) >= timeout_ms) {
			kill(-pid, SIGKILL);
			failed = 1;
			continue;
		}
		struct timespec nap = { 0, nap_us * 1000 };
		nanosleep(&nap, NULL);
		if (nap_us < 20000)
			nap_us *= 2;
	}
	if (failed || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* --- machine ------------------------------------------------------------ */

/* CPU model from cpuinfo: the first key present among the fallbacks. */
static void cpu_model(const char *cpuinfo, char *out, size_t size)
{
	static const char *const keys[] = { "model name", "Hardware",
					    "cpu model", "uarch", "cpu", NULL };
	out[0] = '\0';
	for (int i = 0; keys[i]; i++) {
		if (kv_find(cpuinfo, ':', keys[i], out, size) == 0 && out[0]) {
			squeeze(out);
			return;
		}
	}
	out[0] = '\0';
}

/* Physical cores from unique (physical id, core id) pairs; -1 unknown. */
static int physical_cores_cpuinfo(const char *cpuinfo)
{
	size_t n = 0, alloc = 64;
	uint64_t *pairs = malloc(alloc * sizeof *pairs);
	if (!pairs)
		return -1;
	char k[64], v[64];
	long phys = -1, core = -1;
	const char *p = cpuinfo;
	int more;
	do {
		more = kv_next(&p, ':', k, sizeof k, v, sizeof v);
		int block_end = !more || strcmp(k, "processor") == 0 ||
				(k[0] == '\0' && v[0] == '\0');
		if (block_end) {
			if (phys >= 0 && core >= 0 && n < MAX_CPUS) {
				if (n == alloc) {
					uint64_t *q = realloc(pairs, 2 * alloc *
								     sizeof *q);
					if (!q)
						break;
					pairs = q;
					alloc *= 2;
				}
				pairs[n++] = ((uint64_t)(uint32_t)phys << 32) |
					     (uint32_t)core;
			}
			phys = core = -1;
		} else if (strcmp(k, "physical id") == 0) {
			phys = strtol(v, NULL, 10);
		} else if (strcmp(k, "core id") == 0) {
			core = strtol(v, NULL, 10);
		}
	} while (more);
	int count = -1;
	if (n > 0) {
		qsort(pairs, n, sizeof *pairs, cmp_u64);
		count = 1;
		for (size_t i = 1; i < n; i++)
			count += pairs[i] != pairs[i - 1];
	}
	free(pairs);
	return count;
}

/* The number of CPUs in a list such as sysfs's online file, "0-7,9";
 * -1 when malformed. */
static int cpu_list_count(const char *s)
{
	long count = 0;
	while (*s) {
		char *end;
		errno = 0;
		long lo = strtol(s, &end, 10), hi = lo;
		if (end == s || errno || lo < 0)
			return -1;
		s = end;
		if (*s == '-') {
			s++;
			hi = strtol(s, &end, 10);
			if (end == s || errno || hi < lo)
				return -1;
			s = end;
		}
		if (hi - lo >= MAX_CPUS || (count += hi - lo + 1) > MAX_CPUS)
			return -1;
		if (*s == ',')
			s++;
		else if (*s)
			return -1;
	}
	return count > 0 ? (int)count : -1;
}

/* Logical cores online: sysconf on the host, else the root's
 * /sys/devices/system/cpu/online; -1 unknown. */
static int logical_cores(void)
{
	if (!ctx_root[0]) {
		long online = sysconf(_SC_NPROCESSORS_ONLN);
		return online > 0 && online <= INT32_MAX ? (int)online : -1;
	}
	char path[PATH_MAX], buf[4096];
	if (read_small(rooted(path, "/sys/devices/system/cpu/online"), buf,
		       sizeof buf) != 0)
		return -1;
	return cpu_list_count(buf);
}

/* Physical cores from the distinct core_cpus_list (or, on older kernels,
 * thread_siblings_list) of the online CPUs in sysfs; -1 unknown. */
static int physical_cores_sysfs(void)
{
	char dir[PATH_MAX];
	DIR *d = opendir(rooted(dir, "/sys/devices/system/cpu"));
	if (!d)
		return -1;
	size_t n = 0, alloc = 0;
	char **lists = NULL;
	struct dirent *e;
	while ((e = readdir(d)) && n < MAX_CPUS) {
		const char *s = e->d_name;
		if (strncmp(s, "cpu", 3) != 0 || !isdigit((unsigned char)s[3]))
			continue;
		if (strspn(s + 3, "0123456789") != strlen(s + 3))
			continue;
		char path[PATH_MAX + 320], buf[256];
		snprintf(path, sizeof path, "%s/%s/topology/core_cpus_list",
			 dir, s);
		if (read_small(path, buf, sizeof buf) != 0) {
			snprintf(path, sizeof path,
				 "%s/%s/topology/thread_siblings_list", dir, s);
			if (read_small(path, buf, sizeof buf) != 0)
				continue;
		}
		if (n == alloc) {
			size_t na = alloc ? 2 * alloc : 64;
			char **q = realloc(lists, na * sizeof *q);
			if (!q)
				break;
			lists = q;
			alloc = na;
		}
		if (!(lists[n] = strdup(buf)))
			break;
		n++;
	}
	closedir(d);
	int count = -1;
	if (n > 0) {
		qsort(lists, n, sizeof *lists, cmp_str);
		count = 1;
		for (size_t i = 1; i < n; i++)
			count += strcmp(lists[i], lists[i - 1]) != 0;
	}
	for (size_t i = 0; i < n; i++)
		free(lists[i]);
	free(lists);
	return count;
}

/* Nominal/maximum MHz: cpufreq's cpuinfo_max_freq, else the "@ 2.40GHz" of
 * the model name, else cpuinfo's "cpu MHz"; 0 unknown. */
static double cpu_mhz(const char *cpuinfo, const char *model)
{
	char buf[64], path[PATH_MAX];
	rooted(path, "/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq");
	if (read_small(path, buf, sizeof buf) == 0) {
		double khz = strtod(buf, NULL);
		if (khz > 0)
			return khz / 1000.0;
	}
	const char *at = model ? strstr(model, "@ ") : NULL;
	if (at) {
		char *end;
		double v = strtod(at + 2, &end);
		if (v > 0 && strncmp(end, "GHz", 3) == 0)
			return v * 1000.0;
		if (v > 0 && strncmp(end, "MHz", 3) == 0)
			return v;
	}
	if (cpuinfo && kv_find(cpuinfo, ':', "cpu MHz", buf, sizeof buf) == 0) {
		double v = strtod(buf, NULL);
		if (v > 0)
			return v;
	}
	return 0;
}

/* Cache sizes of cpu0 from sysfs. */
static void caches(struct bt_machine *m)
{
	char base[PATH_MAX];
	DIR *d = opendir(rooted(base, "/sys/devices/system/cpu/cpu0/cache"));
	if (!d)
		return;
	struct dirent *e;
	int seen = 0;
	while ((e = readdir(d)) && seen < MAX_CACHE_INDEX) {
		if (strncmp(e->d_name, "index", 5) != 0)
			continue;
		seen++;
		char path[PATH_MAX + 320], level[16], type[32], size[32];
		snprintf(path, sizeof path, "%s/%s/level", base, e->d_name);
		if (read_small(path, level, sizeof level) != 0)
			continue;
		snprintf(path, sizeof path, "%s/%s/type", base, e->d_name);
		if (read_small(path, type, sizeof type) != 0)
			continue;
		snprintf(path, sizeof path, "%s/%s/size", base, e->d_name);
		if (read_small(path, size, sizeof size) != 0)
			continue;
		int64_t bytes = parse_size(size);
		if (bytes <= 0)
			continue;
		int unified = strcmp(type, "Unified") == 0;
		if (strcmp(level, "1") == 0 && strcmp(type, "Data") == 0)
			m->cache_l1d = bytes;
		else if (strcmp(level, "2") == 0 && unified)
			m->cache_l2 = bytes;
		else if (strcmp(level, "3") == 0 && unified)
			m->cache_l3 = bytes;
	}
	closedir(d);
}

/* Total memory in bytes: sysconf on the host, else (or when that fails)
 * MemTotal of /proc/meminfo; -1 unknown. */
static int64_t memory_bytes(void)
{
	if (!ctx_root[0]) {
		long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
		if (pages > 0 && psize > 0 && pages <= INT64_MAX / psize)
			return (int64_t)pages * psize;
	}
	char *text, path[PATH_MAX];
	size_t len;
	int64_t bytes = -1;
	if (bt__read_file(rooted(path, "/proc/meminfo"), TEXT_FILE_CAP, &text,
			  &len, NULL))
		return -1;
	char v[64];
	if (kv_find(text, ':', "MemTotal", v, sizeof v) == 0) {
		char *end;
		long long kb = strtoll(v, &end, 10);
		if (end != v && kb > 0 && kb <= INT64_MAX / 1024)
			bytes = (int64_t)kb * 1024;
	}
	free(text);
	return bytes;
}

/* Undoes the shell-like quoting of an os-release value in place. */
static void unquote(char *s)
{
	char q = s[0];
	if (q != '"' && q != '\'')
		return;
	char *w = s;
	for (char *r = s + 1; *r && *r != q; r++) {
		if (q == '"' && *r == '\\' && r[1])
			r++;
		*w++ = *r;
	}
	*w = '\0';
}

/* PRETTY_NAME (else NAME) of os-release into out; "" unknown. */
static void os_name(char *out, size_t size)
{
	static const char *const files[] = { "/etc/os-release",
					     "/usr/lib/os-release", NULL };
	out[0] = '\0';
	for (int i = 0; files[i] && !out[0]; i++) {
		char *text, path[PATH_MAX];
		size_t len;
		if (bt__read_file(rooted(path, files[i]), TEXT_FILE_CAP, &text,
				  &len, NULL))
			continue;
		if (kv_find(text, '=', "PRETTY_NAME", out, size) != 0)
			kv_find(text, '=', "NAME", out, size);
		free(text);
		unquote(out);
		char *t = trim(out);
		memmove(out, t, strlen(t) + 1);
	}
}

static int gpus(struct bt_run *run, struct bt_machine *m)
{
	static const char *const argv[] = {
		"nvidia-smi", "--query-gpu=name,memory.total,driver_version",
		"--format=csv,noheader,nounits", NULL
	};
	struct capture c = { .buf = malloc(GPU_OUT_CAP), .cap = GPU_OUT_CAP };
	if (!c.buf)
		return BT_ENOMEM;
	int st = run_capture(argv, environ, GPU_TIMEOUT_MS, &c);
	if (st != 0 || c.truncated) {
		free(c.buf);
		return 0;
	}
	size_t lines = 0;
	for (const char *p = c.buf; *p; p++)
		lines += *p == '\n';
	lines++;
	if (lines > MAX_GPUS)
		lines = MAX_GPUS;
	int rc = 0;
	m->gpus = bt_run_alloc(run, lines * sizeof *m->gpus);
	if (!m->gpus) {
		free(c.buf);
		return BT_ENOMEM;
	}
	char *save = NULL;
	for (char *line = strtok_r(c.buf, "\n", &save);
	     line && m->n_gpus < lines; line = strtok_r(NULL, "\n", &save)) {
		/* name may contain commas: split at the last two */
		char *c2 = strrchr(line, ',');
		if (!c2)
			continue;
		*c2 = '\0';
		char *c1 = strrchr(line, ',');
		if (!c1)
			continue;
		*c1 = '\0';
		char *name = trim(line), *mem = trim(c1 + 1),
		     *drv = trim(c2 + 1);
		if (!*name)
			continue;
		struct bt_gpu *g = &m->gpus[m->n_gpus];
		char *end;
		errno = 0;
		long long mib = strtoll(mem, &end, 10);
		g->memory_bytes = -1;
		if (end != mem && !*end && !errno && mib > 0 &&
		    mib <= INT64_MAX / 1048576)
			g->memory_bytes = (int64_t)mib * 1048576;
		if (!*drv || drv[0] == '[') /* "[N/A]" */
			drv = NULL;
		if ((rc = set_str(run, &g->name, name)) ||
		    (rc = set_str(run, &g->driver, drv)))
			break;
		m->n_gpus++;
	}
	if (m->n_gpus == 0)
		m->gpus = NULL;
	free(c.buf);
	return rc;
}

void bt__machine_fingerprint(const struct bt_machine *m, char out[17])
{
	char num[32];
	uint64_t h = BT__FNV_INIT;
	h = bt__fnv1a_str(h, m->arch);
	h = bt__fnv1a_str(h, m->cpu_model);
	snprintf(num, sizeof num, "%d", m->cpu_cores);
	h = bt__fnv1a_str(h, num);
	int64_t gib = m->memory_bytes < 0 ?
			      -1 :
			      (m->memory_bytes + ((int64_t)1 << 29)) >> 30;
	snprintf(num, sizeof num, "%" PRId64, gib);
	h = bt__fnv1a_str(h, num);
	snprintf(num, sizeof num, "%" PRId64, m->cache_l1d);
	h = bt__fnv1a_str(h, num);
	snprintf(num, sizeof num, "%" PRId64, m->cache_l2);
	h = bt__fnv1a_str(h, num);
	snprintf(num, sizeof num, "%" PRId64, m->cache_l3);
	h = bt__fnv1a_str(h, num);
	h = bt__fnv1a_str(h, m->os);
	snprintf(num, sizeof num, "%zu", m->n_gpus);
	h = bt__fnv1a_str(h, num);
	for (size_t i = 0; i < m->n_gpus; i++)
		h = bt__fnv1a_str(h, m->gpus[i].name);
	snprintf(out, 17, "%016" PRIx64, h);
}

int bt_context_machine(struct bt_run *run)
{
	struct bt_machine *m = &run->machine;
	memset(m, 0, sizeof *m);
	m->cpu_cores = -1;
	m->cpu_physical_cores = -1;
	m->cache_l1d = m->cache_l2 = m->cache_l3 = -1;
	m->memory_bytes = -1;

	int rc = 0;
	char *cpuinfo = NULL;
	size_t len;
	char buf[512], path[PATH_MAX];

	struct utsname u;
	if (uname(&u) == 0) {
		if ((rc = set_str(run, &m->name, u.nodename[0] ? u.nodename : NULL)) ||
		    (rc = set_str(run, &m->arch, u.machine[0] ? u.machine : NULL)) ||
		    (rc = set_str(run, &m->kernel, u.release[0] ? u.release : NULL)))
			goto out;
	}

	if (bt__read_file(rooted(path, "/proc/cpuinfo"), CPUINFO_CAP, &cpuinfo,
			  &len, NULL))
		cpuinfo = NULL;
	if (cpuinfo) {
		cpu_model(cpuinfo, buf, sizeof buf);
		if ((rc = set_str(run, &m->cpu_model, buf[0] ? buf : NULL)))
			goto out;
	}
	m->cpu_cores = logical_cores();
	if (cpuinfo)
		m->cpu_physical_cores = physical_cores_cpuinfo(cpuinfo);
	if (m->cpu_physical_cores <= 0)
		m->cpu_physical_cores = physical_cores_sysfs();
	m->cpu_mhz = cpu_mhz(cpuinfo, m->cpu_model);
	caches(m);
	m->memory_bytes = memory_bytes();

	os_name(buf, sizeof buf);
	if ((rc = set_str(run, &m->os, buf[0] ? buf : NULL)))
		goto out;
	rooted(path, "/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor");
	if (read_small(path, buf, sizeof buf) == 0 &&
	    (rc = set_str(run, &m->governor, buf)))
		goto out;
	if ((rc = gpus(run, m)))
		goto out;

	char fp[17];
	bt__machine_fingerprint(m, fp);
	rc = set_str(run, &m->fingerprint, fp);
out:
	free(cpuinfo);
	return rc;
}

/* --- git ---------------------------------------------------------------- */

/* Variables that tie git to a particular repository (git's own
 * local_repo_env): the caller's must not redirect the child away from
 * dir. */
static const char *const git_repo_env[] = {
	"GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_CONFIG", "GIT_OBJECT_DIRECTORY",
	"GIT_DIR", "GIT_WORK_TREE", "GIT_IMPLICIT_WORK_TREE", "GIT_GRAFT_FILE",
	"GIT_INDEX_FILE", "GIT_NO_REPLACE_OBJECTS", "GIT_REPLACE_REF_BASE",
	"GIT_PREFIX", "GIT_INTERNAL_SUPER_PREFIX", "GIT_SHALLOW_FILE",
	"GIT_COMMON_DIR", "GIT_OPTIONAL_LOCKS", NULL
};

/* The caller's environment without git_repo_env, plus
 * GIT_OPTIONAL_LOCKS=0 (status must not write the index of a tree someone
 * else may be using). malloc'd array of borrowed strings; NULL on ENOMEM. */
static char **git_env(void)
{
	static char no_locks[] = "GIT_OPTIONAL_LOCKS=0";
	size_t n = 0;
	for (char **e = environ; e && *e; e++)
		n++;
	char **env = malloc((n + 2) * sizeof *env);
	if (!env)
		return NULL;
	size_t k = 0;
	for (char **e = environ; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		size_t nl = eq ? (size_t)(eq - *e) : strlen(*e);
		int drop = 0;
		for (int i = 0; git_repo_env[i] && !drop; i++)
			drop = strlen(git_repo_env[i]) == nl &&
			       strncmp(*e, git_repo_env[i], nl) == 0;
		if (!drop)
			env[k++] = *e;
	}
	env[k++] = no_locks;
	env[k] = NULL;
	return env;
}

static int is_hash(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");
	return s[n] == '\0' && (n == 40 || n == 64);
}

int bt_context_git(struct bt_run *run, const char *dir)
{
	struct bt_git *g = &run->git;
	g->commit = g->branch = g->commit_time = NULL;
	g->dirty = -1;
	if (!dir)
		dir = ".";

	char **env = git_env();
	if (!env)
		return BT_ENOMEM;
	char buf[GIT_OUT_CAP];
	struct capture c = { .buf = buf, .cap = sizeof buf };
	int rc = 0, st;

	const char *rev[] = { "git", "-C", dir, "rev-parse", "--verify", "-q",
			      "HEAD", NULL };
	st = run_capture(rev, env, GIT_TIMEOUT_MS, &c);
	if (st == 0 && !c.truncated && is_hash(trim(buf)) &&
	    (rc = set_str(run, &g->commit, trim(buf))))
		goto out;

	const char *sym[] = { "git", "-C", dir, "symbolic-ref", "--short",
			      "-q", "HEAD", NULL };
	st = run_capture(sym, env, GIT_TIMEOUT_MS, &c);
	if (st == 0 && !c.truncated && *trim(buf) &&
	    (rc = set_str(run, &g->branch, trim(buf))))
		goto out;
	if (!g->commit && st != 0)
		goto out; /* not a repository (or no git) */

	const char *status[] = { "git", "-C", dir, "status", "--porcelain",
				 "--untracked-files=no", NULL };
	st = run_capture(status, env, GIT_TIMEOUT_MS, &c);
	if (st == 0)
		g->dirty = c.len > 0 || c.truncated;

	if (!g->commit)
		goto out; /* unborn branch: no commit time */
	/* %ct (seconds since the epoch) is the committer time in any zone */
	const char *show[] = { "git", "-C", dir, "-c",
			       "log.showSignature=false", "show", "-s",
			       "--format=%ct", "HEAD", NULL };
	st = run_capture(show, env, GIT_TIMEOUT_MS, &c);
	if (st == 0 && !c.truncated) {
		char *s = trim(buf), *end;
		errno = 0;
		long long t = strtoll(s, &end, 10);
		time_t tt = (time_t)t;
		struct tm tm;
		char ts[32];
		if (end != s && !*end && !errno && (long long)tt == t &&
		    gmtime_r(&tt, &tm) &&
		    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm))
			rc = set_str(run, &g->commit_time, ts);
	}
out:
	free(env);
	return rc;
}

/* --- stamp -------------------------------------------------------------- */

static void random_bytes(unsigned char *out, size_t n)
{
	size_t got = 0;
#ifdef BT_HAVE_GETRANDOM
	while (got < n) {
		ssize_t r = getrandom(out + got, n - got, GRND_NONBLOCK);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (got == n)
		return;
#endif
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		got = 0;
		while (got < n) {
			ssize_t r = read(fd, out + got, n - got);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			got += (size_t)r;
		}
		close(fd);
		if (got == n)
			return;
	}
	/* last resort: time, pid and a counter, mixed */
	static atomic_uint_fast64_t counter;
	struct timespec rt = { 0, 0 }, mono = { 0, 0 };
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	uint64_t x = bt__mix64((uint64_t)rt.tv_sec * 1000000000u +
			       (uint64_t)rt.tv_nsec);
	x = bt__mix64(x ^ ((uint64_t)mono.tv_sec << 32) ^ (uint64_t)mono.tv_nsec);
	x = bt__mix64(x ^ (uint64_t)getpid());
	x = bt__mix64(x ^ atomic_fetch_add(&counter, 1));
	x = bt__mix64(x ^ (uint64_t)(uintptr_t)&rt);
	for (size_t i = 0; i < n; i++) {
		if (i % 8 == 0)
			x = bt__mix64(x);
		out[i] = (unsigned char)(x >> (8 * (i % 8)));
	}
}

int bt_context_stamp(struct bt_run *run)
{
	run->timestamp = NULL;
	run->run_id = NULL;
	int rc;
	/* millisecond resolution: runs started in the same second still
	 * order newest first */
	struct timespec now;
	struct tm tm;
	char ts[32], full[48];
	if (clock_gettime(CLOCK_REALTIME, &now) == 0 &&
	    gmtime_r(&now.tv_sec, &tm) &&
	    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm)) {
		snprintf(full, sizeof full, "%s.%03ldZ", ts, now.tv_nsec / 1000000);
		if ((rc = set_str(run, &run->timestamp, full)))
			return rc;
	}

	unsigned char id[16];
	char hex[33];
	random_bytes(id, sizeof id);
	for (size_t i = 0; i < sizeof id; i++)
		snprintf(hex + 2 * i, 3, "%02x", id[i]);
	return set_str(run, &run->run_id, hex);
}
