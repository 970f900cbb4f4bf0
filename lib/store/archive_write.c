/* Rewriting a monthly archive (archives.h): a new archive is written next
 * to the old one, made durable and renamed over it, so that an archive is
 * only ever replaced whole. gzip-compressed restricted pax, which tar
 * reads.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "archives.h"
#include "internal.h"

/* 1 when member name lies in the directory dir ("<dir>/..."). */
static int in_dir(const char *name, const char *dir)
{
	size_t n = strlen(dir);
	return strncmp(name, dir, n) == 0 && name[n] == '/';
}

/* --- writing an archive ------------------------------------------------ */

void bt__aw_abort(struct bt__awriter *w)
{
	if (w->a)
		archive_write_free(w->a);
	if (w->fd >= 0)
		close(w->fd);
	if (w->tmp)
		unlink(w->tmp);
	free(w->tmp);
	memset(w, 0, sizeof *w);
	w->fd = -1;
}

int bt__aw_open(struct bt__awriter *w, const char *final, struct bt_strbuf *err)
{
	memset(w, 0, sizeof *w);
	w->fd = -1;
	if (!(w->tmp = bt__pathf("%s.tmp.%ld", final, (long)getpid())))
		return BT_ENOMEM;
	w->fd = open(w->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (w->fd < 0) {
		int rc = bt_error(err, BT_EIO, "%s: %s", w->tmp, strerror(errno));
		free(w->tmp);
		w->tmp = NULL;
		return rc;
	}
	int rc = 0;
	if (!(w->a = archive_write_new()))
		rc = BT_ENOMEM;
	else if (archive_write_set_format_pax_restricted(w->a) != ARCHIVE_OK ||
		 archive_write_add_filter_gzip(w->a) < ARCHIVE_WARN ||
		 archive_write_open_fd(w->a, w->fd) != ARCHIVE_OK)
		rc = bt_error(err, BT_EIO, "%s: %s", w->tmp, archive_error_string(w->a));
	if (rc)
		bt__aw_abort(w);
	return rc;
}

/* Writes the data of the member whose header was just written. */
static int aw_data(struct bt__awriter *w, const char *name, const char *data,
		   size_t len, struct bt_strbuf *err)
{
	while (len > 0) {
		la_ssize_t n = archive_write_data(w->a, data, len);
		if (n <= 0)
			return bt_error(err, BT_EIO, "%s: %s: %s", w->tmp, name,
					archive_error_string(w->a));
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Adds a regular file member name with data (mode 0644, mtime). */
static int aw_add(struct bt__awriter *w, const char *name, const char *data,
		  size_t len, time_t mtime, struct bt_strbuf *err)
{
	struct archive_entry *e = archive_entry_new();
	if (!e)
		return BT_ENOMEM;
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_entry_set_mtime(e, mtime, 0);
	int rc = 0;
	if (archive_write_header(w->a, e) != ARCHIVE_OK)
		rc = bt_error(err, BT_EIO, "%s: %s: %s", w->tmp, name,
			      archive_error_string(w->a));
	else
		rc = aw_data(w, name, data, len, err);
	archive_entry_free(e);
	if (!rc)
		w->n_members++;
	return rc;
}

/* Adds the file at path as member name; a missing file is skipped when
 * optional (else BT_ENOTFOUND / BT_EIO naming it). */
int bt__aw_add_file(struct bt__awriter *w, const char *name, const char *path,
		    int optional, struct bt_strbuf *err)
{
	char *data;
	size_t len;
	struct stat s;
	if (optional && lstat(path, &s) != 0 && errno == ENOENT)
		return 0;
	int rc = bt__read_file(path, BT__MEMBER_CAP, &data, &len, err);
	if (rc)
		return rc;
	rc = aw_add(w, name, data, len, stat(path, &s) == 0 ? s.st_mtime : time(NULL), err);
	free(data);
	return rc;
}

/* Copies every member of the archive at path into w, except the members
 * of the directories named in skip. A missing archive copies nothing; an
 * unreadable one is BT_EIO naming it (nothing is dropped silently). */
int bt__aw_copy(struct bt__awriter *w, const char *path, const char *const *skip,
		size_t n_skip, struct bt_strbuf *err)
{
	struct archive *ar;
	int rc = bt__tar_open_existing(&ar, path, err);
	if (rc == BT_ENOTFOUND)
		return 0;
	if (rc)
		return rc;
	struct archive_entry *e;
	char buf[65536];
	int more;
	while ((more = bt__tar_next(ar, path, &e, err)) == 1) {
		const char *name = archive_entry_pathname(e);
		int skipped = 0;
		for (size_t i = 0; name && i < n_skip && !skipped; i++)
			skipped = in_dir(name, skip[i]);
		if (skipped)
			continue;
		if (archive_write_header(w->a, e) != ARCHIVE_OK) {
			rc = bt_error(err, BT_EIO, "%s: %s: %s", w->tmp, name ? name : "?",
				      archive_error_string(w->a));
			break;
		}
		la_ssize_t n = 0;
		while (!rc && (n = archive_read_data(ar, buf, sizeof buf)) > 0)
			rc = aw_data(w, name ? name : "?", buf, (size_t)n, err);
		if (!rc && n < 0)
			rc = bt_error(err, BT_EIO, "%s: %s: %s", path, name ? name : "?",
				      archive_error_string(ar));
		if (rc)
			break;
		w->n_members++;
	}
	archive_read_free(ar);
	return rc ? rc : more < 0 ? more : 0;
}

/* Finishes the archive and puts it in place of final, durably: close,
 * fsync, rename, fsync of the directory. With no members at all, final is
 * removed instead. On error final is unchanged and the temp file gone. */
int bt__aw_commit(struct bt__awriter *w, const char *final, struct bt_strbuf *err)
{
	int rc = 0;
	if (archive_write_close(w->a) != ARCHIVE_OK)
		rc = bt_error(err, BT_EIO, "%s: %s", w->tmp, archive_error_string(w->a));
	archive_write_free(w->a);
	w->a = NULL;
	if (!rc && fsync(w->fd) != 0)
		rc = bt_error(err, BT_EIO, "%s: %s", w->tmp, strerror(errno));
	if (close(w->fd) != 0 && !rc)
		rc = bt_error(err, BT_EIO, "%s: %s", w->tmp, strerror(errno));
	w->fd = -1;
	if (!rc && w->n_members == 0) {
		unlink(w->tmp);
		if (unlink(final) != 0 && errno != ENOENT)
			rc = bt_error(err, BT_EIO, "%s: %s", final, strerror(errno));
		else
			bt__fsync_parent(final);
	} else if (!rc) {
		if (rename(w->tmp, final) != 0)
			rc = bt_error(err, BT_EIO, "%s: %s", final, strerror(errno));
		else
			bt__fsync_parent(final);
	}
	if (rc)
		unlink(w->tmp);
	free(w->tmp);
	w->tmp = NULL;
	return rc;
}
