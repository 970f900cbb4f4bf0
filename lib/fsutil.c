/* File-system helpers shared by lib/ (declared in internal.h): paths,
 * directories, links, the store lock. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

char *bt__pathf(const char *fmt, ...)
{
	struct bt_strbuf sb = BT_STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	int rc = bt_strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	if (rc) {
		bt_strbuf_release(&sb);
		return NULL;
	}
	return bt_strbuf_detach(&sb);
}

int bt__mkdir_p(const char *path, struct bt_strbuf *err)
{
	return bt__mkdir_p_mode(path, 0755, err);
}

int bt__mkdir_p_mode(const char *path, unsigned mode, struct bt_strbuf *err)
{
	char *p = strdup(path);
	if (!p)
		return BT_ENOMEM;
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s)
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, (mode_t)mode) == 0) {
			bt__fsync_parent(p); /* the new entry survives a crash */
		} else if (errno != EEXIST) {
			int e = errno;
			int rc = bt_error(err, BT_EIO, "%s: %s", p, strerror(e));
			free(p);
			return rc;
		}
		*s = c;
		if (!c)
			break;
	}
	struct stat st;
	int ok = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
	free(p);
	return ok ? 0 : bt_error(err, BT_EIO, "%s: not a directory", path);
}

void bt__fsync_parent(const char *path)
{
	char *d = strdup(path);
	if (!d)
		return;
	int fd = open(dirname(d), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(d);
}

int bt__rm_tree(const char *path, struct bt_strbuf *err)
{
	struct stat s;
	if (lstat(path, &s) != 0)
		return errno == ENOENT ? 0 : bt_error(err, BT_EIO, "%s: %s", path,
						      strerror(errno));
	if (!S_ISDIR(s.st_mode))
		return unlink(path) == 0 || errno == ENOENT ? 0
			: bt_error(err, BT_EIO, "%s: %s", path, strerror(errno));
	DIR *d = opendir(path);
	if (!d)
		return bt_error(err, BT_EIO, "%s: %s", path, strerror(errno));
	int rc = 0;
	struct dirent *e;
	while (!rc && (e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char *p = bt__pathf("%s/%s", path, e->d_name);
		rc = p ? bt__rm_tree(p, err) : BT_ENOMEM;
		free(p);
	}
	closedir(d);
	if (!rc && rmdir(path) != 0 && errno != ENOENT)
		rc = bt_error(err, BT_EIO, "%s: %s", path, strerror(errno));
	return rc;
}

int bt__file_equals(const char *path, const char *data, size_t len)
{
	struct stat ls;
	if (lstat(path, &ls) != 0)
		return errno == ENOENT && !data;
	if (!S_ISREG(ls.st_mode) || !data || (uintmax_t)ls.st_size != len)
		return 0;
	char *have;
	size_t hl;
	if (bt__read_file(path, len, &have, &hl, NULL))
		return 0;
	int same = hl == len && memcmp(have, data, len) == 0;
	free(have);
	return same;
}

static int copy_file(const char *from, const char *to, struct bt_strbuf *err)
{
	char *data;
	size_t len;
	int rc = bt__read_file(from, 1u << 30, &data, &len, err);
	if (rc)
		return rc;
	rc = bt__write_file_atomic(to, data, len, err);
	free(data);
	return rc;
}

int bt__replace_symlink(const char *target, const char *linkpath,
			const char *copy_from, struct bt_strbuf *err)
{
	char *tmp = bt__pathf("%s.tmp.%ld", linkpath, (long)getpid());
	if (!tmp)
		return BT_ENOMEM;
	unlink(tmp);
	int rc = 0;
	if (symlink(target, tmp) == 0) {
		if (rename(tmp, linkpath) != 0) {
			rc = bt_error(err, BT_EIO, "%s: %s", linkpath, strerror(errno));
			unlink(tmp);
		}
	} else if (errno == EPERM || errno == EOPNOTSUPP || errno == ENOSYS) {
		/* no symlinks here (some network and FAT file systems) */
		struct stat st;
		if (copy_from && stat(copy_from, &st) == 0 && S_ISDIR(st.st_mode)) {
			char *src = bt__pathf("%s/run.json", copy_from);
			char *dst = bt__pathf("%s/run.json", linkpath);
			rc = !src || !dst ? BT_ENOMEM : bt__mkdir_p(linkpath, err);
			if (!rc)
				rc = copy_file(src, dst, err);
			free(src);
			free(dst);
		} else if (copy_from) {
			rc = copy_file(copy_from, linkpath, err);
		} else {
			rc = bt_error(err, BT_EIO, "%s: %s", linkpath, strerror(errno));
		}
	} else {
		rc = bt_error(err, BT_EIO, "%s: %s", linkpath, strerror(errno));
	}
	free(tmp);
	return rc;
}

int bt__rmdir_empty_parents(const char *path, const char *top)
{
	size_t tl = strlen(top);
	if (strncmp(path, top, tl) != 0 || path[tl] != '/')
		return 0;
	char *p = strdup(path);
	if (!p)
		return BT_ENOMEM;
	for (;;) {
		char *s = strrchr(p, '/');
		if (!s || (size_t)(s - p) <= tl)
			break;
		*s = '\0';
		if (rmdir(p) != 0)
			break;
		bt__fsync_parent(p);
	}
	free(p);
	return 0;
}

int bt__store_nolink(const char *dir, const char *path, int want_dir,
		     struct bt_strbuf *err)
{
	size_t dl = strlen(dir);
	const char *rel;
	if (strncmp(path, dir, dl) == 0 && path[dl] == '/')
		rel = path + dl + 1;
	else if (path[0] != '/')
		rel = path;
	else
		return 0;
	char *p = bt__pathf("%s/%s", dir, rel);
	if (!p)
		return BT_ENOMEM;
	int rc = 0;
	/* each component from the store down: p is cut at the next '/' */
	for (char *s = p + dl + 1;; s++) {
		if (*s && *s != '/')
			continue;
		char c = *s;
		*s = '\0';
		struct stat st;
		size_t n = strlen(p);
		int last = !c || !s[1 + strspn(s + 1, "/")];
		if (n > dl + 1 && p[n - 1] != '/') {
			if (lstat(p, &st) != 0) {
				rc = bt_error(err, errno == ENOENT ? BT_ENOTFOUND : BT_EIO,
					      "%s: %s", p, strerror(errno));
			} else if (S_ISLNK(st.st_mode)) {
				char t[256];
				ssize_t k = readlink(p, t, sizeof t - 1);
				t[k > 0 ? k : 0] = '\0';
				rc = bt_error(err, BT_EIO, "%s: a symbolic link (to %s%s): "
					      "the store never reads its files through links",
					      p, t, k == (ssize_t)sizeof t - 1 ? "..." : "");
			} else if (!last && !S_ISDIR(st.st_mode)) {
				rc = bt_error(err, BT_EIO, "%s: not a directory", p);
			} else if (last && want_dir && !S_ISDIR(st.st_mode)) {
				rc = bt_error(err, BT_EIO, "%s: not a directory", p);
			} else if (last && !want_dir && !S_ISREG(st.st_mode)) {
				rc = bt_error(err, BT_EIO, S_ISDIR(st.st_mode)
					      ? "%s: is a directory" : "%s: not a regular file", p);
			}
		}
		*s = c;
		if (rc || last)
			break;
	}
	free(p);
	return rc;
}

int bt__strip_path(struct bt_strbuf *out, const char *msg, const char *path)
{
	size_t n = path ? strlen(path) : 0;
	if (n && strncmp(msg, path, n) == 0 && msg[n] == ':') {
		const char *s = msg + n + 1;
		if (*s == ' ')
			return bt_strbuf_adds(out, s + 1);
		size_t l = strspn(s, "0123456789"), c = l && s[l] == ':'
			? strspn(s + l + 1, "0123456789") : 0;
		if (l && c && s[l + 1 + c] == ':')
			return bt_strbuf_addf(out, "line %.*s, column %.*s:%s", (int)l, s,
					      (int)c, s + l + 1, s + l + 2 + c);
		if (l && s[l] == ':')
			return bt_strbuf_addf(out, "line %.*s:%s", (int)l, s, s + l + 1);
	}
	return bt_strbuf_adds(out, msg);
}

int bt__pid_alive(long pid)
{
	if (pid <= 0 || pid > INT_MAX)
		return 0;
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

long bt__trailing_pid(const char *name, const char *sep)
{
	const char *p = strrchr(name, '.');
	size_t sl = strlen(sep);
	if (!p || !p[1] || (size_t)(p - name) + 1 < sl ||
	    strncmp(p + 1 - sl, sep, sl) != 0)
		return 0;
	long pid = 0;
	for (const char *q = p + 1; *q; q++) {
		if (*q < '0' || *q > '9' || pid > INT_MAX / 10)
			return 0;
		pid = pid * 10 + (*q - '0');
	}
	return pid;
}

int bt__store_lock(const char *dir, struct bt_strbuf *err)
{
	char *p = bt__pathf("%s/.lock", dir);
	if (!p)
		return BT_ENOMEM;
	int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		int rc = bt_error(err, BT_EIO, "%s: %s", p, strerror(errno));
		free(p);
		return rc;
	}
	while (flock(fd, LOCK_EX) != 0) {
		if (errno == EINTR)
			continue;
		int rc = bt_error(err, BT_EIO, "%s: lock: %s", p, strerror(errno));
		close(fd);
		free(p);
		return rc;
	}
	free(p);
	return fd;
}

void bt__store_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* releases the flock */
}
