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

/* Exclusive lock on STORE/.lock (blocking); returns the fd or BT_EIO. */
int bt__store_lock(const char *dir, struct bt_strbuf *err);
void bt__store_unlock(int fd);

#endif
