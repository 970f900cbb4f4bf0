/* File-system helpers of the store (lib/store). Internal. */
#ifndef BENCHTRACK_STORE_FSUTIL_H
#define BENCHTRACK_STORE_FSUTIL_H

#include "benchtrack.h"

/* malloc'd formatted path; NULL when out of memory. */
char *bt__pathf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* mkdir -p; 0 or BT_EIO naming the path. */
int bt__mkdir_p(const char *path, struct bt_strbuf *err);

/* Replaces (or creates) the symbolic link at linkpath pointing to target
 * (relative to linkpath's directory) atomically: a temporary link renamed
 * over it. Where the file system refuses symlinks, copies the file the
 * target names instead (copy_from: the target's real path). */
int bt__replace_symlink(const char *target, const char *linkpath,
			const char *copy_from, struct bt_strbuf *err);

/* Removes the directories above path, from its parent up to (not
 * including) top, a prefix of path, while they are empty; stops at the
 * first one that is not (or cannot be removed: best effort). Call it with
 * the store lock held: writers create directories under by-date/ under
 * it. 0 or BT_ENOMEM. */
int bt__rmdir_empty_parents(const char *path, const char *top);

/* fsync of the directory containing path (best effort). */
void bt__fsync_parent(const char *path);

/* Checks, without following links, that path lies in the store at dir as
 * the store wrote it: no component below dir (the store directory itself
 * may be a link) is a symbolic link, and path is a regular file (want_dir
 * 0) or a directory (want_dir 1). path is "DIR/..." or relative to dir;
 * any other path (a file the user named outside the store) is not
 * checked. 0, or BT_ENOTFOUND (missing), BT_EIO (a link, or not a
 * regular file / directory) naming the component. Readers of stored runs
 * call it before opening a file of the store. */
int bt__store_nolink(const char *dir, const char *path, int want_dir,
		     struct bt_strbuf *err);

/* Appends msg to out without a leading "path: " (notes and listings
 * carry the path beside the message); a leading "path:LINE:COL: " (a
 * parse error) becomes "line LINE, column COL: ". 0 or BT_ENOMEM. */
int bt__strip_path(struct bt_strbuf *out, const char *msg, const char *path);

/* The pid at the end of name after sep ("run.json.tmp.123" with sep
 * ".tmp.", "<id>.123" with sep ""), or 0 when name does not end that way. */
long bt__trailing_pid(const char *name, const char *sep);

/* 1 when process pid exists (a writer that is still running). */
int bt__pid_alive(long pid);

/* Exclusive lock on STORE/.lock (blocking); returns the fd or BT_EIO. */
int bt__store_lock(const char *dir, struct bt_strbuf *err);
void bt__store_unlock(int fd);

#endif
