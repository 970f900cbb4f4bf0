/* File-system helpers of the store: paths, directories, links, the lock. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
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
	char *p = strdup(path);
	if (!p)
		return BT_ENOMEM;
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s)
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, 0755) == 0) {
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
