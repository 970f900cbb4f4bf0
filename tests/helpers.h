/* Helpers for tests that run real processes. Header-only: each test binary
 * is its own program. */
#ifndef BT_TEST_HELPERS_H
#define BT_TEST_HELPERS_H

#include <fcntl.h>
#include <ftw.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Waits for child pid: its exit status, 128+signal when a signal ended
 * it, or -1 when it cannot be waited for. */
static inline int bt_test_wait(pid_t pid)
{
	int st;
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Runs argv (argv[0] a path), stdout to out_path and stderr to err_path
 * when not NULL (else /dev/null). Returns the exit status, or 128+signal. */
static inline int bt_test_spawn(char *const argv[], const char *out_path,
				const char *err_path)
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, out_path ? out_path : "/dev/null",
					 O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_addopen(&fa, 2, err_path ? err_path : "/dev/null",
					 O_WRONLY | O_CREAT | O_TRUNC, 0644);
	pid_t pid;
	int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	return rc != 0 ? -1 : bt_test_wait(pid);
}

/* The whole file as a malloc'd string ("" when missing). */
static inline char *bt_test_slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return strdup("");
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *s = malloc((size_t)n + 1);
	size_t got = fread(s, 1, (size_t)n, f);
	s[got] = '\0';
	fclose(f);
	return s;
}

/* Writes data[0..len) to dir/name (created or truncated); 0 or -1. */
static inline int bt_test_write_file(const char *dir, const char *name,
				     const void *data, size_t len)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	int ok = fwrite(data, 1, len, f) == len;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* Creates $TMPDIR/<name>.XXXXXX (or under /tmp) into buf; 0 or -1. */
static inline int bt_test_make_tmpdir(char *buf, size_t size, const char *name)
{
	const char *base = getenv("TMPDIR");
	snprintf(buf, size, "%s/%s.XXXXXX", base && *base ? base : "/tmp", name);
	return mkdtemp(buf) ? 0 : -1;
}

static inline int bt_test_rm_one(const char *path, const struct stat *st,
				 int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

/* rm -rf dir without a shell (links are removed, not followed); 0 or -1. */
static inline int bt_test_rmtree(const char *dir)
{
	return nftw(dir, bt_test_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Defines char var[256] and the cmocka group fixtures setup_tmpdir
 * (makes $TMPDIR/<name>.XXXXXX into var) and teardown_tmpdir (removes it
 * with its contents): the per-binary directory of the unit tests. */
#define BT_TEST_TMPDIR_FIXTURE(var, name)                                    \
	static char var[256];                                                \
	static int setup_tmpdir(void **state)                                \
	{                                                                    \
		(void)state;                                                 \
		return bt_test_make_tmpdir(var, sizeof var, name);           \
	}                                                                    \
	static int teardown_tmpdir(void **state)                             \
	{                                                                    \
		(void)state;                                                 \
		return bt_test_rmtree(var) == 0 ? 0 : -1;                    \
	}

/* The directories of bt_test_tmpdir: add one (path not NULL; 0, or -1 when
 * 8 are registered), or remove them all (path NULL) when called by the
 * process that registered them (not by a forked child that exits). */
static inline int bt_test_tmpdirs(const char *path)
{
	static char dirs[8][512];
	static int n;
	static pid_t owner;
	if (path) {
		if (n == 8 || strlen(path) >= sizeof dirs[0])
			return -1;
		owner = getpid();
		strcpy(dirs[n++], path);
		return 0;
	}
	for (; n > 0 && owner == getpid(); n--)
		bt_test_rmtree(dirs[n - 1]);
	return 0;
}

static inline void bt_test_tmpdirs_at_exit(void)
{
	bt_test_tmpdirs(NULL);
}

/* A fresh temporary directory $TMPDIR/bt-test-XXXXXX (or under /tmp), as
 * a malloc'd path; it is removed with its contents when the process
 * exits, so a test leaves nothing in the temporary directory. NULL on
 * failure. */
static inline char *bt_test_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	size_t size = strlen(base && *base ? base : "/tmp") + 32;
	char *t = malloc(size);
	if (!t)
		return NULL;
	snprintf(t, size, "%s/bt-test-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(t)) {
		free(t);
		return NULL;
	}
	if (bt_test_tmpdirs(t) == 0)
		atexit(bt_test_tmpdirs_at_exit);
	return t;
}

#include "benchtrack.h"

/* Reads the run file at path into run (initialized here: release it with
 * bt_run_release); returns bt_run_read_file's code, with its message on
 * stderr when not 0. */
static inline int bt_test_read_run(struct bt_run *run, const char *path)
{
	struct bt_strbuf e = BT_STRBUF_INIT;
	bt_run_init(run);
	int rc = bt_run_read_file(run, path, &e);
	if (rc)
		fprintf(stderr, "read %s: %s\n", path, bt_strbuf_str(&e));
	bt_strbuf_release(&e);
	return rc;
}

/* Whether the file at path holds the text needle. */
static inline int bt_test_file_has(const char *path, const char *needle)
{
	char *t = bt_test_slurp(path);
	int has = strstr(t, needle) != NULL;
	free(t);
	return has;
}

/* The first of the n texts in needles that text lacks, or "" when it has
 * them all: assert_string_equal(BT_TEST_MISSING(text, needles), "") names
 * the missing one. */
static inline const char *bt_test_missing(const char *text, const char *const needles[],
					  size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strstr(text, needles[i]))
			return needles[i];
	return "";
}
#define BT_TEST_MISSING(text, needles)                                       \
	bt_test_missing(text, needles, sizeof(needles) / sizeof *(needles))

/* bt_test_make_tmpdir, and the paths dir/out and dir/err written into out
 * and err (io_size bytes each): the files a test sends the stdout and
 * stderr of the processes it runs to. 0 or -1. */
static inline int bt_test_make_tmpdir_io(char *dir, size_t size, const char *name,
					 char *out, char *err, size_t io_size)
{
	if (bt_test_make_tmpdir(dir, size, name))
		return -1;
	snprintf(out, io_size, "%s/out", dir);
	snprintf(err, io_size, "%s/err", dir);
	return 0;
}

#endif
