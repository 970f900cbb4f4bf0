/* Internals shared by the files of lib/store (store.c, gc.c, verify.c,
 * organize.c, archive.c). Not installed. */
#ifndef BENCHTRACK_STORE_INT_H
#define BENCHTRACK_STORE_INT_H

#include "benchtrack.h"
#include "index.h"

struct bt_store {
	char *dir;       /* without a trailing '/' */
	int flags;       /* BT_STORE_* */
	const struct bt_index_ops *ops;
};

/* Opens STORE/index.db through st->ops (readonly also when the store is
 * read-only). Close with st->ops->close(h). A missing index opened
 * read-only is BT_ENOTFOUND. */
int bt__store_index_open(struct bt_store *st, void **h, int readonly,
			 struct bt_strbuf *err);

/* 1 when t can be a type directory name ([A-Za-z0-9._-], no leading '.',
 * at most 64 bytes). */
int bt__store_valid_type(const char *t);

/* 1 when id is 8 to 64 hex digits (a run id). */
int bt__store_valid_id(const char *id);

/* 1 when s is a non-empty string of hex digits. */
int bt__all_hex(const char *s);

/* Splits "YYYY-MM-DDTHH:MM..." into year, month, day and "HHMM"; 0 when
 * the shape is right. The run directory name is
 * "YYYY-MM-DD-HHMM-UTC-<first 8 digits of the run id>". */
int bt__store_split_time(const char *ts, char y[5], char mo[3], char d[3],
			 char hm[5]);

/* Points STORE/latest/<type>.json at the newest indexed run of the type
 * (leaves it when the newest is archived). Called with the lock held. */
int bt__store_update_latest(struct bt_store *st, void *h, const char *type,
			    struct bt_strbuf *err);

/* The tags of a run directory (its "tags" file, one per line; none when
 * the file is missing), allocated in a. A file that cannot be read is
 * BT_EIO (or BT_ETOOBIG) with its path in err (may be NULL). */
int bt__store_read_tags(const char *rundir, struct bt_arena *a,
			const char ***tags, size_t *n, struct bt_strbuf *err);

#endif
