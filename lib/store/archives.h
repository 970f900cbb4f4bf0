/* Monthly archives of old runs (lib/store/archive.c): STORE/archive/
 * YYYY-MM.tar.gz, written with libarchive in a format tar reads. Each run
 * is the members "<run dir name>/run.json" and, when it has tags,
 * "<run dir name>/tags" right after it. Internal. */
#ifndef BENCHTRACK_STORE_ARCHIVES_H
#define BENCHTRACK_STORE_ARCHIVES_H

#include "index.h"

/* A growing set of run ids (malloc'd strings), unsorted. */
struct bt__idset {
	char **v;
	size_t n, alloc;
};
void bt__idset_release(struct bt__idset *s);

/* Adds every run of every archive under dir/archive to the index h (in
 * the caller's transaction), located by its archive file. Counts are
 * added to *n_runs and *n_results, the ids added to ids (optional). A
 * broken archive is BT_EIO naming it. */
int bt__archive_index_all(const char *dir, const struct bt_index_ops *ops,
			  void *h, size_t *n_runs, size_t *n_results,
			  struct bt__idset *ids, struct bt_strbuf *err);

/* --- the one tar reader (archive.c): gc, verify and the indexer read
 * archives through it ------------------------------------------------- */

struct archive;

/* Opens the archive at path for reading (any format and filter libarchive
 * reads). 0 with *out set (free it with archive_read_free), BT_ENOMEM, or
 * BT_EIO naming path with libarchive's message. */
int bt__tar_open(struct archive **out, const char *path, struct bt_strbuf *err);

/* Reads the current member of ar whole into *data: malloc'd and
 * NUL-terminated (also when empty), *len bytes; the caller frees it. More
 * than cap bytes is BT_ETOOBIG ("<arch>: <name>: member too large", or
 * without "<arch>: " when arch is NULL), a read error BT_EIO (the same
 * prefix and libarchive's message), else 0 or BT_ENOMEM. *data is NULL
 * on error. err may be NULL. */
int bt__tar_read_member(struct archive *ar, size_t cap, const char *arch,
			const char *name, char **data, size_t *len,
			struct bt_strbuf *err);

#endif
