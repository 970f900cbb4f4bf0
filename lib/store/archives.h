/* Monthly archives of old runs (lib/store/archive.c reads them,
 * archive_write.c rewrites them): STORE/archive/
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

/* Opens the archive at path for reading as bt__tar_open does, but a
 * missing file is BT_ENOTFOUND with err untouched. */
int bt__tar_open_existing(struct archive **out, const char *path,
			  struct bt_strbuf *err);

/* The next member header of ar: 1 with *e set, 0 at the end, or BT_EIO
 * naming path with libarchive's message. */
struct archive_entry;
int bt__tar_next(struct archive *ar, const char *path, struct archive_entry **e,
		 struct bt_strbuf *err);

/* The next regular file of ar below a directory ("DIR/REST"): 1 with *e,
 * *name (the member's path, owned by *e) and *dl (the length of DIR) set,
 * 0 at the end, or BT_EIO as bt__tar_next. Other members are passed over. */
int bt__tar_next_file(struct archive *ar, const char *path,
		      struct archive_entry **e, const char **name, size_t *dl,
		      struct bt_strbuf *err);

/* --- rewriting an archive (archive_write.c): gc, restore and the
 * recovery after an interrupted gc replace an archive only whole -------- */

/* The most bytes of one run.json or tags file that gc, restore and the
 * recovery read into memory (or write into an archive). */
#define BT__MEMBER_CAP (256u << 20)

/* A replacement for the archive at final being written to
 * "<final>.tmp.<pid>": gzip-compressed restricted pax (plain tar for
 * readers). bt__aw_commit makes it durable and renames it over final;
 * bt__aw_abort removes it. Either must follow a successful bt__aw_open. */
struct bt__awriter {
	struct archive *a;
	int fd;
	char *tmp;
	size_t n_members;
};

/* Starts a replacement of the archive at final (written to
 * "<final>.tmp.<pid>", created 0644). 0, BT_ENOMEM, or BT_EIO naming the
 * temporary file; on failure nothing is left to abort. */
int bt__aw_open(struct bt__awriter *w, const char *final, struct bt_strbuf *err);

/* Adds the file at path as the member name (mode 0644, the file's mtime),
 * read whole up to BT__MEMBER_CAP. A missing file is skipped when
 * optional, else BT_ENOTFOUND; BT_EIO/BT_ETOOBIG naming it. */
int bt__aw_add_file(struct bt__awriter *w, const char *name, const char *path,
		    int optional, struct bt_strbuf *err);

/* Copies every member of the archive at path into w, except the members
 * of the directories named in skip[0..n_skip). A missing archive copies
 * nothing; an unreadable one is BT_EIO naming it (nothing is dropped
 * silently). */
int bt__aw_copy(struct bt__awriter *w, const char *path, const char *const *skip,
		size_t n_skip, struct bt_strbuf *err);

/* Finishes the archive and puts it in place of final, durably: close,
 * fsync, rename, fsync of the directory. With no members at all, final is
 * removed instead. On error final is unchanged and the temporary file
 * gone. Either way w is finished (no bt__aw_abort after it). */
int bt__aw_commit(struct bt__awriter *w, const char *final, struct bt_strbuf *err);

/* Gives up the replacement: the temporary file is removed, final is
 * untouched. */
void bt__aw_abort(struct bt__awriter *w);

#endif
