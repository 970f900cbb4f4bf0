/* Monthly archives of old runs: reading them back into the index. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "archives.h"
#include "internal.h"
#include "result/json_scan.h"

#define MEMBER_CAP (256u << 20)

int bt__tar_open(struct archive **out, const char *path, struct bt_strbuf *err)
{
	*out = NULL;
	struct archive *ar = archive_read_new();
	if (!ar)
		return BT_ENOMEM;
	archive_read_support_filter_all(ar);
	archive_read_support_format_all(ar);
	if (archive_read_open_filename(ar, path, 65536) != ARCHIVE_OK) {
		int rc = bt_error(err, BT_EIO, "%s: %s", path, archive_error_string(ar));
		archive_read_free(ar);
		return rc;
	}
	*out = ar;
	return 0;
}

int bt__tar_read_member(struct archive *ar, size_t cap, const char *arch,
			const char *name, char **data, size_t *len,
			struct bt_strbuf *err)
{
	struct bt_strbuf b = BT_STRBUF_INIT;
	char buf[65536];
	la_ssize_t n;
	*data = NULL;
	while ((n = archive_read_data(ar, buf, sizeof buf)) > 0) {
		if (b.len + (size_t)n > cap) {
			bt_strbuf_release(&b);
			return bt_error(err, BT_ETOOBIG, "%s%s%s: member too large",
					arch ? arch : "", arch ? ": " : "", name);
		}
		if (bt_strbuf_add(&b, buf, (size_t)n)) {
			bt_strbuf_release(&b);
			return BT_ENOMEM;
		}
	}
	if (n < 0) {
		bt_strbuf_release(&b);
		return bt_error(err, BT_EIO, "%s%s%s: %s", arch ? arch : "",
				arch ? ": " : "", name, archive_error_string(ar));
	}
	*len = b.len;
	*data = bt_strbuf_detach(&b);
	return *data ? 0 : BT_ENOMEM;
}

struct pending {
	struct bt_run run;
	int have;
	char *dir;   /* member directory */
	char *tags;  /* text of the tags member */
};

/* Opens the archive at path for reading. A missing file is BT_ENOTFOUND
 * (err untouched); an unreadable one BT_EIO naming it. */
int bt__tar_open_existing(struct archive **out, const char *path,
			  struct bt_strbuf *err)
{
	*out = NULL;
	struct stat s;
	if (stat(path, &s) != 0)
		return errno == ENOENT ? BT_ENOTFOUND
			: bt_error(err, BT_EIO, "%s: %s", path, strerror(errno));
	return bt__tar_open(out, path, err);
}

/* Next member header of ar: 1 with *e set, 0 at the end, or BT_EIO naming
 * path. */
int bt__tar_next(struct archive *ar, const char *path, struct archive_entry **e,
		 struct bt_strbuf *err)
{
	int r = archive_read_next_header(ar, e);
	if (r == ARCHIVE_EOF)
		return 0;
	if (r == ARCHIVE_OK || r == ARCHIVE_WARN)
		return 1;
	return bt_error(err, BT_EIO, "%s: %s", path, archive_error_string(ar));
}

int bt__tar_next_file(struct archive *ar, const char *path,
		      struct archive_entry **e, const char **name, size_t *dl,
		      struct bt_strbuf *err)
{
	int more;
	while ((more = bt__tar_next(ar, path, e, err)) == 1) {
		const char *p = archive_entry_pathname(*e);
		const char *slash = p ? strchr(p, '/') : NULL;
		if (slash && archive_entry_filetype(*e) == AE_IFREG) {
			*name = p;
			*dl = (size_t)(slash - p);
			return 1;
		}
	}
	return more;
}

void bt__idset_release(struct bt__idset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof *s);
}

static int idset_add(struct bt__idset *s, const char *id)
{
	if (bt__vec_reserve((void **)&s->v, &s->alloc, s->n + 1, sizeof *s->v) ||
	    !(s->v[s->n] = strdup(id)))
		return BT_ENOMEM;
	s->n++;
	return 0;
}

static int flush(struct pending *p, const char *rel, const struct bt_index_ops *ops,
		 void *h, size_t *n_runs, size_t *n_results, struct bt__idset *ids,
		 struct bt_strbuf *err)
{
	int rc = 0;
	if (p->have) {
		const char *tags[64];
		size_t nt = 0;
		for (char *s = p->tags, *save = NULL, *t;
		     s && nt < 64 && (t = strtok_r(s, "\n", &save)); s = NULL)
			if (*t)
				tags[nt++] = t;
		struct bt_index_loc loc = { NULL, rel };
		rc = ops->add_run(h, &p->run, &loc, tags, nt, err);
		if (!rc) {
			(*n_runs)++;
			*n_results += p->run.n_results;
		}
		if (!rc && ids && p->run.run_id)
			rc = idset_add(ids, p->run.run_id);
		bt_run_release(&p->run);
	}
	free(p->dir);
	free(p->tags);
	memset(p, 0, sizeof *p);
	return rc;
}

static int index_one(const char *path, const char *rel,
		     const struct bt_index_ops *ops, void *h, size_t *n_runs,
		     size_t *n_results, struct bt__idset *ids, struct bt_strbuf *err)
{
	struct archive *ar;
	int rc = bt__tar_open(&ar, path, err);
	if (rc)
		return rc;
	struct pending p;
	memset(&p, 0, sizeof p);
	struct archive_entry *e;
	int r;
	while (!rc && (r = archive_read_next_header(ar, &e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);
		const char *slash = name ? strrchr(name, '/') : NULL;
		if (!slash)
			continue;
		size_t dl = (size_t)(slash - name);
		char *data = NULL;
		size_t len = 0;
		if (strcmp(slash, "/run.json") == 0) {
			if ((rc = flush(&p, rel, ops, h, n_runs, n_results, ids, err)) ||
			    (rc = bt__tar_read_member(ar, MEMBER_CAP, NULL, name, &data, &len, err)))
				break;
			p.have = 1;
			p.dir = strndup(name, dl);
			/* the index keeps no samples: the fast reader without
			 * them, and on any doubt the strict one for the message */
			if ((rc = bt_run_init(&p.run)) || !p.dir) {
				rc = rc ? rc : BT_ENOMEM;
				free(data);
				break;
			}
			if (bt__run_scan(&p.run, data, len, 0) != 0) {
				bt_run_release(&p.run);
				struct bt_strbuf label = BT_STRBUF_INIT;
				rc = bt_run_init(&p.run);
				if (!rc && bt_strbuf_addf(&label, "%s:%s", path, name))
					rc = BT_ENOMEM;
				if (!rc)
					rc = bt_run_from_json(&p.run, data, len, label.buf, err);
				bt_strbuf_release(&label);
			}
			if (rc) {
				free(data);
				break;
			}
		} else if (strcmp(slash, "/tags") == 0 && p.have &&
			   strlen(p.dir) == dl && strncmp(p.dir, name, dl) == 0) {
			if ((rc = bt__tar_read_member(ar, MEMBER_CAP, NULL, name, &data, &len, err)))
				break;
			p.tags = data;
			data = NULL;
		}
		free(data);
	}
	if (!rc && r != ARCHIVE_EOF && r != ARCHIVE_OK)
		rc = bt_error(err, BT_EIO, "%s: %s", path, archive_error_string(ar));
	if (!rc)
		rc = flush(&p, rel, ops, h, n_runs, n_results, ids, err);
	else {
		if (p.have)
			bt_run_release(&p.run);
		free(p.dir);
		free(p.tags);
	}
	archive_read_free(ar);
	return rc;
}

static int is_archive_name(const char *n)
{
	size_t l = strlen(n);
	return n[0] != '.' && l > 7 && strcmp(n + l - 7, ".tar.gz") == 0;
}

int bt__archive_index_all(const char *dir, const struct bt_index_ops *ops,
			  void *h, size_t *n_runs, size_t *n_results,
			  struct bt__idset *ids, struct bt_strbuf *err)
{
	char *ad = bt__pathf("%s/archive", dir);
	if (!ad)
		return BT_ENOMEM;
	DIR *d = opendir(ad);
	int rc = 0;
	if (!d) {
		rc = errno == ENOENT ? 0 : bt_error(err, BT_EIO, "%s: %s", ad, strerror(errno));
		free(ad);
		return rc;
	}
	struct dirent *e;
	while (!rc && (e = readdir(d))) {
		if (!is_archive_name(e->d_name))
			continue;
		char *p = bt__pathf("%s/%s", ad, e->d_name);
		char *rel = bt__pathf("archive/%s", e->d_name);
		rc = p && rel ? index_one(p, rel, ops, h, n_runs, n_results, ids, err) : BT_ENOMEM;
		free(p);
		free(rel);
	}
	closedir(d);
	free(ad);
	return rc;
}
