/* The recovery after an interrupted gc or restore (bt__gc_recover,
 * storeint.h), from what is on disk: run directories of by-type/ whose
 * runs are also in the archive of their month, and the temporary files
 * of gc and restore processes that are gone. Run by every gc before it
 * starts and by verify --repair; see the crash-safety notes at the top of
 * gc.c.
 */
#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "archives.h"
#include "index.h"
#include "storeint.h"
#include "internal.h"

/* A run directory of by-type/ seen by the recovery, with the copy of its
 * run in the archive of its month when there is one. */
struct rdir {
	char *type, *name;   /* by-type/<type>/<name> */
	char month[8];
	char *arch_run;      /* the archive's "<name>/run.json" (malloc'd) */
	size_t arch_len;
	char *arch_tags;     /* its "<name>/tags", or NULL */
	size_t arch_tags_len;
	int in_arch;
};

static int cmp_rdir(const void *a, const void *b)
{
	return strcmp(((const struct rdir *)a)->name, ((const struct rdir *)b)->name);
}

static void rdirs_free(struct rdir *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].type);
		free(v[i].name);
		free(v[i].arch_run);
		free(v[i].arch_tags);
	}
	free(v);
}

/* The run directories of by-type/ whose names follow the store's
 * "YYYY-MM-DD-HHMM-UTC-<id>", sorted by name. */
struct rdir_list {
	struct rdir **out;
	size_t *n, cap;
	struct bt_strbuf *err;
};

/* A type directory that cannot be opened (permission, I/O) may hold a
 * run that is also in its archive: the recovery cannot tell, so it
 * stops and names the directory rather than finish without it. */
static int unopened_type(void *ud, const char *type, const char *td, int errnum)
{
	struct rdir_list *l = ud;
	(void)type;
	return bt_error(l->err, BT_EIO, "%s: %s; the recovery of an interrupted gc "
			"or restore needs every type directory (make it readable)",
			td, strerror(errnum));
}

static int add_rdir(void *ud, const char *type, const char *nm, const char *td)
{
	struct rdir_list *l = ud;
	static const char shape[] = "dddd-dd-dd-dddd-UTC-";
	int bad = strlen(nm) <= sizeof shape - 1 || !bt__gc_plain_name(nm, strlen(nm));
	(void)td;
	for (size_t k = 0; !bad && shape[k]; k++)
		bad = shape[k] == 'd' ? !isdigit((unsigned char)nm[k]) : nm[k] != shape[k];
	if (bad)
		return 0;
	if (bt__vec_reserve((void **)l->out, &l->cap, *l->n + 1, sizeof **l->out))
		return BT_ENOMEM;
	struct rdir *x = &(*l->out)[(*l->n)++];
	memset(x, 0, sizeof *x);
	snprintf(x->month, sizeof x->month, "%.7s", nm);
	x->type = strdup(type);
	x->name = strdup(nm);
	return !x->type || !x->name ? BT_ENOMEM : 0;
}

static int list_rdirs(struct bt_store *st, struct rdir **out, size_t *n,
		      struct bt_strbuf *err)
{
	*out = NULL;
	*n = 0;
	struct rdir_list l = { out, n, 0, err };
	int rc = bt__store_walk_runs(st->dir, 1, add_rdir, unopened_type, &l, err);
	if (!rc && *n)
		qsort(*out, *n, sizeof **out, cmp_rdir);
	return rc;
}

/* The directory of v[0..n) named name (of type, when the archive's
 * run.json says it), or NULL. */
static struct rdir *find_rdir(struct rdir *v, size_t n, const char *name,
			      size_t len)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int d = strncmp(v[mid].name, name, len);
		if (!d && v[mid].name[len])
			d = 1;
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && strlen(v[lo].name) == len && !strncmp(v[lo].name, name, len)
		? &v[lo] : NULL;
}

/* Reads from the archive of month (arch, relative rel) the copies of the
 * runs of v[0..n) of that month. A missing archive holds none. */
static int read_copies(const char *arch, const char *month, struct rdir *v,
		       size_t n, struct bt_strbuf *err)
{
	struct archive *ar;
	int rc = bt__tar_open_existing(&ar, arch, err);
	if (rc == BT_ENOTFOUND)
		return 0;
	if (rc)
		return rc;
	struct archive_entry *e;
	struct rdir *last = NULL;
	int more;
	const char *p;
	size_t dl;
	while ((more = bt__tar_next_file(ar, arch, &e, &p, &dl, err)) == 1) {
		const char *slash = p + dl;
		struct rdir *x = NULL;
		if (strcmp(slash, "/run.json") == 0)
			x = last = find_rdir(v, n, p, dl);
		else if (strcmp(slash, "/tags") == 0 && last &&
			 strlen(last->name) == dl && !strncmp(last->name, p, dl))
			x = last;
		if (!x || strcmp(x->month, month) != 0)
			continue;
		char *data;
		size_t len;
		if ((rc = bt__tar_read_member(ar, BT__MEMBER_CAP, arch, p, &data, &len, err)))
			break;
		if (strcmp(slash, "/run.json") == 0) {
			free(x->arch_run);
			free(x->arch_tags);
			x->arch_tags = NULL;
			x->arch_run = data;
			x->arch_len = len;
			x->in_arch = 1;
		} else {
			free(x->arch_tags);
			x->arch_tags = data;
			x->arch_tags_len = len;
		}
	}
	archive_read_free(ar);
	return rc ? rc : more < 0 ? more : 0;
}

/* 1 when the archive's copy of x is the run of its directory rundir
 * (file its run.json, tf its tags): the same bytes; or, the directory
 * being a real one that lost its run.json (and tags) to an older gc that
 * removed files one by one, whatever is left matches. Else 0, with why
 * set when the directory cannot be read as the store wrote it. */
static int finished_copy(struct bt_store *st, const char *rundir,
			 const char *file, const char *tf, const struct rdir *x,
			 struct bt_strbuf *why)
{
	int nl = bt__store_nolink(st->dir, file, 0, why);
	if (nl == BT_ENOTFOUND && bt__store_nolink(st->dir, rundir, 1, NULL) == 0) {
		struct stat ls;
		bt_strbuf_reset(why);
		return (lstat(tf, &ls) != 0 && errno == ENOENT) ||
		       bt__file_equals(tf, x->arch_tags, x->arch_tags_len);
	}
	return nl == 0 && bt__file_equals(file, x->arch_run, x->arch_len) &&
	       bt__file_equals(tf, x->arch_tags, x->arch_tags_len);
}

/* The tags of text (one per line) into a NULL-free array in a. */
static int split_tags(struct bt_arena *a, const char *text, size_t len,
		      const char ***tags, size_t *n)
{
	*tags = NULL;
	*n = 0;
	if (!text)
		return 0;
	char *t = bt__arena_strndup(a, text, len);
	const char **v = t ? bt__arena_alloc(a, (len / 2 + 2) * sizeof *v) : NULL;
	if (!v)
		return BT_ENOMEM;
	for (char *s = t, *save = NULL, *w; (w = strtok_r(s, "\n", &save)); s = NULL)
		if (*w)
			v[(*n)++] = w;
	*tags = v;
	return 0;
}

/* Indexes run (parsed from data) at loc with the tags text, in its own
 * transaction. */
static int index_copy(struct bt_store *st, void *h, const char *data,
		      size_t len, const char *label, const struct bt_index_loc *loc,
		      const char *tags_text, size_t tags_len, struct bt_strbuf *err)
{
	struct bt_run run;
	struct bt_arena *a = bt__arena_new();
	const char **tags = NULL;
	size_t nt = 0;
	int rc = bt_run_init(&run);
	if (!rc && !a)
		rc = BT_ENOMEM;
	if (!rc)
		rc = bt_run_from_json(&run, data, len, label, err);
	if (!rc)
		rc = split_tags(a, tags_text, tags_len, &tags, &nt);
	if (!rc && !(rc = st->ops->begin(h, err))) {
		rc = st->ops->add_run(h, &run, loc, tags, nt, err);
		if (rc)
			st->ops->rollback(h);
		else
			rc = st->ops->commit(h, err);
	}
	bt_run_release(&run);
	bt__arena_free(a);
	return rc;
}

/* Temporary files of gc and restore processes that are gone:
 * archive/<month>.tar.gz.tmp.<pid>, .tmp/<name>.gc.<pid>, and the
 * atomic writes of the store's own files they made (README.md.tmp.<pid>
 * at the top, latest/<type>.json.tmp.<pid>). */
static int remove_leftovers(struct bt_store *st, struct bt_strbuf *err)
{
	static const struct {
		const char *dir, *mark;
	} where[] = { { "archive", ".tmp." }, { ".tmp", ".gc." },
		      { ".", ".tmp." }, { "latest", ".tmp." } };
	int rc = 0;
	for (size_t k = 0; k < sizeof where / sizeof *where && !rc; k++) {
		char *d = bt__pathf("%s/%s", st->dir, where[k].dir);
		DIR *dir = d ? opendir(d) : NULL;
		struct dirent *e;
		if (!d)
			rc = BT_ENOMEM;
		while (!rc && dir && (e = readdir(dir))) {
			long pid = bt__trailing_pid(e->d_name, where[k].mark);
			if (!pid || bt__pid_alive(pid) || e->d_name[0] == '.')
				continue;
			char *p = bt__pathf("%s/%s", d, e->d_name);
			rc = p ? bt__rm_tree(p, err) : BT_ENOMEM;
			free(p);
		}
		if (dir)
			closedir(dir);
		free(d);
	}
	return rc;
}

int bt__gc_recover(struct bt_store *st, bt_store_note_fn note, void *ud,
		   size_t *n_finished, struct bt_strbuf *err)
{
	struct rdir *v = NULL;
	size_t n = 0, done = 0;
	void *h = NULL;
	int rc = remove_leftovers(st, err);
	if (!rc)
		rc = list_rdirs(st, &v, &n, err);
	/* the archives of the months that have run directories */
	/* v is sorted by name, which starts with the month: each month's
	 * directories are adjacent */
	for (size_t i = 0; !rc && i < n; i++) {
		if (i > 0 && strcmp(v[i - 1].month, v[i].month) == 0)
			continue;
		char *arch = bt__pathf("%s/archive/%s.tar.gz", st->dir, v[i].month);
		rc = arch ? read_copies(arch, v[i].month, v, n, err) : BT_ENOMEM;
		free(arch);
	}
	const char **drop = rc ? NULL : calloc(n + 1, sizeof *drop);
	if (!rc && !drop)
		rc = BT_ENOMEM;
	char **types = rc ? NULL : calloc(n + 1, sizeof *types);
	size_t nd = 0, ntypes = 0;
	if (!rc && !types)
		rc = BT_ENOMEM;
	for (size_t i = 0; !rc && i < n; i++) {
		struct rdir *x = &v[i];
		if (!x->in_arch)
			continue;
		char *rundir = bt__pathf("%s/by-type/%s/%s", st->dir, x->type, x->name);
		char *file = rundir ? bt__pathf("%s/run.json", rundir) : NULL;
		char *tf = rundir ? bt__pathf("%s/tags", rundir) : NULL;
		char *rel = bt__pathf("archive/%s.tar.gz", x->month);
		char *relpath = bt__pathf("by-type/%s/%s/run.json", x->type, x->name);
		struct bt_strbuf why = BT_STRBUF_INIT;
		if (!rundir || !file || !tf || !rel || !relpath) {
			rc = BT_ENOMEM;
		} else if (!h && (rc = bt__store_index_open(st, &h, 0, err))) {
			h = NULL;
		} else if (finished_copy(st, rundir, file, tf, x, &why)) {
			/* gc got as far as the archive: finish it */
			struct bt_index_loc loc = { NULL, rel };
			struct bt_run run;
			bt_run_init(&run);
			int pr = bt_run_from_json(&run, x->arch_run, x->arch_len, file, NULL);
			rc = pr ? 0 : index_copy(st, h, x->arch_run, x->arch_len, file,
						 &loc, x->arch_tags, x->arch_tags_len, err);
			if (!rc && !pr)
				rc = bt__gc_remove_date_link(st, x->type, x->name, err);
			if (!rc && !pr)
				rc = bt__gc_remove_run_dir(st, rundir, x->name, err);
			bt_run_release(&run);
			if (!rc && !pr) {
				done++;
				types[ntypes++] = x->type;
				if (note) {
					struct bt_strbuf m = BT_STRBUF_INIT;
					bt_strbuf_addf(&m, "also in %s, intact (an interrupted "
						       "gc): the directory is removed", rel);
					note(ud, "finished", file, bt_strbuf_str(&m));
					bt_strbuf_release(&m);
				}
			} else if (!rc && note) {
				note(ud, "skip", file, "also in the archive, but neither "
				     "copy reads; left for `benchtrack verify`");
			}
		} else {
			/* the copies differ: the directory is the record, if it reads */
			struct bt_run run;
			struct bt_strbuf e2 = BT_STRBUF_INIT;
			bt_run_init(&run);
			int pr = why.len ? BT_EIO : bt_run_read_file(&run, file, &e2);
			if (!pr) {
				drop[nd++] = x->name;
				char *tags = NULL;
				size_t tl = 0;
				struct bt_index_loc loc = { relpath, NULL };
				struct stat ls;
				if (lstat(tf, &ls) == 0 && S_ISREG(ls.st_mode))
					bt__read_file(tf, BT__MEMBER_CAP, &tags, &tl, NULL);
				char *data = NULL;
				size_t len = 0;
				rc = bt__read_file(file, BT__MEMBER_CAP, &data, &len, err);
				if (!rc)
					rc = index_copy(st, h, data, len, file, &loc, tags, tl, err);
				free(data);
				free(tags);
				/* back in by-type as a restore leaves it: its by-date
				 * link, latest/ */
				if (!rc)
					rc = bt__gc_make_date_link(st, x->type, x->name, err);
				if (!rc)
					types[ntypes++] = x->type;
				if (!rc && note) {
					struct bt_strbuf m = BT_STRBUF_INIT;
					bt_strbuf_addf(&m, "differs from its copy in %s (an "
						       "interrupted gc or restore): the directory "
						       "is kept, the copy leaves the archive", rel);
					note(ud, "kept", file, bt_strbuf_str(&m));
					bt_strbuf_release(&m);
				}
			} else if (note) {
				struct bt_strbuf m = BT_STRBUF_INIT;
				bt_strbuf_addf(&m, "also in %s, but this copy cannot be read "
					       "(%s); left for `benchtrack verify --repair`", rel,
					       why.len ? bt_strbuf_str(&why) : bt_strbuf_str(&e2));
				note(ud, "skip", file, bt_strbuf_str(&m));
				bt_strbuf_release(&m);
			}
			bt_run_release(&run);
			bt_strbuf_release(&e2);
		}
		bt_strbuf_release(&why);
		free(rundir);
		free(file);
		free(tf);
		free(rel);
		free(relpath);
	}
	/* the copies that lost to their directories leave their archives */
	for (size_t i = 0; !rc && i < nd; i++) {
		struct rdir *x = find_rdir(v, n, drop[i], strlen(drop[i]));
		int first = 1;
		for (size_t k = 0; k < i && first; k++)
			first = strncmp(find_rdir(v, n, drop[k], strlen(drop[k]))->month,
					x->month, 7) != 0;
		if (!first)
			continue;
		const char **skip = calloc(nd + 1, sizeof *skip);
		size_t ns = 0;
		for (size_t k = i; skip && k < nd; k++)
			if (!strcmp(find_rdir(v, n, drop[k], strlen(drop[k]))->month, x->month))
				skip[ns++] = drop[k];
		char *arch = bt__pathf("%s/archive/%s.tar.gz", st->dir, x->month);
		struct bt__awriter w;
		if (!skip || !arch)
			rc = BT_ENOMEM;
		else if (!(rc = bt__aw_open(&w, arch, err))) {
			if ((rc = bt__aw_copy(&w, arch, skip, ns, err)))
				bt__aw_abort(&w);
			else
				rc = bt__aw_commit(&w, arch, err);
		}
		free(skip);
		free(arch);
	}
	/* latest/ never names a removed directory */
	for (size_t i = 0; !rc && i < ntypes; i++) {
		int seen = 0;
		for (size_t k = 0; k < i && !seen; k++)
			seen = strcmp(types[k], types[i]) == 0;
		if (!seen)
			rc = bt__gc_follow_latest(st, h, types[i], err);
	}
	if (h)
		st->ops->close(h);
	if (!rc && (done || nd))
		rc = bt_store_write_readme(st, err);
	free(drop);
	free(types);
	rdirs_free(v, n);
	if (n_finished)
		*n_finished = done;
	return rc;
}
