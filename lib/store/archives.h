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

#endif
