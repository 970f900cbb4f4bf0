/* Checks and repairs of the whole store: bt_store_verify (see
 * include/benchtrack/store.h).
 *
 * The files are the record. Every run directory under by-type/ is read and
 * placed (where its type, timestamp and id say); the by-date links,
 * latest/ and the index are compared with what those runs (and the
 * archives) imply, and README.md with a fresh rendering of the index.
 *
 * The checks come first and see the store as it is; with repair, the fixes
 * follow in an order where each step can rely on the ones before:
 * misplaced and broken runs (moved into place or into quarantine/), tags
 * files, leftovers of interrupted writes, by-date links, the index
 * (bt_store_reindex), latest/ and README.md. A problem that is only the
 * consequence of another one (the link of a quarantined run, the missing
 * link of a misplaced run) is not reported twice: it is fixed with the
 * problem it comes from. Repairs happen under the store lock; the lock is
 * given up while bt_store_reindex runs (it takes the lock itself).
 *
 * Files: this one holds the context, the run directories, leftovers and
 * the entry point; verify_links.c checks by-date/ and latest/,
 * verify_index.c the archives, index.db and README.md; verifyint.h is
 * what they share.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "index.h"
#include "verifyint.h"
#include "pgint.h"

#define TAGS_CAP (1u << 20)

/* --- small helpers ------------------------------------------------------ */

const char *bt__verify_afmt(struct ctx *c, const char *fmt, ...)
{
	struct bt_strbuf sb = BT_STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	int rc = bt_strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	const char *s = rc ? NULL : bt__arena_strdup(c->a, bt_strbuf_str(&sb));
	bt_strbuf_release(&sb);
	return s;
}

/* The absolute (store-prefixed) path of rel, in the arena. */
const char *bt__verify_abs_path(struct ctx *c, const char *rel)
{
	return bt__verify_afmt(c, "%s/%s", c->st->dir, rel);
}

void bt__verify_vnote(struct ctx *c, const char *what, const char *rel,
		      const char *fmt, va_list ap)
{
	if (!c->note)
		return;
	struct bt_strbuf d = BT_STRBUF_INIT;
	bt_strbuf_vaddf(&d, fmt, ap);
	char *p = rel ? bt__pathf("%s/%s", c->st->dir, rel) : NULL;
	c->note(c->ud, what, p ? p : c->st->dir, bt_strbuf_str(&d));
	free(p);
	bt_strbuf_release(&d);
}

void bt__verify_vnote_f(struct ctx *c, const char *what, const char *rel,
			const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bt__verify_vnote(c, what, rel, fmt, ap);
	va_end(ap);
}

/* A repair that failed: the first one is the result of bt_store_verify,
 * the others are tried all the same. */
void bt__verify_repair_failed(struct ctx *c, int rc, const struct bt_strbuf *e)
{
	if (c->rc)
		return;
	c->rc = rc;
	bt_error(c->err, rc, "%s", e && e->len ? e->buf : bt_strerror(rc));
}

/* The end of a repair with the detail in err (released): BT_ENOMEM is
 * passed on; any other failure goes to repair_failed and verify goes on
 * (0). */
int bt__verify_repair_done(struct ctx *c, int rc, struct bt_strbuf *err)
{
	if (rc && rc != BT_ENOMEM)
		bt__verify_repair_failed(c, rc, err);
	bt_strbuf_release(err);
	return rc == BT_ENOMEM ? rc : 0;
}

/* Removes the leftover rel (a repair). */
void bt__verify_remove_leftover(struct ctx *c, const char *rel)
{
	struct bt_strbuf err = BT_STRBUF_INIT;
	const char *p = bt__verify_abs_path(c, rel);
	int rc = p ? bt__rm_tree(p, &err) : BT_ENOMEM;
	if (rc)
		bt__verify_repair_failed(c, rc, &err);
	else
		repaired(c, rel, "removed");
	bt_strbuf_release(&err);
}

/* 1 when name is the temporary file of an interrupted atomic write or
 * link replacement ("X.tmp.PID" of a process that is gone); 2 when it is
 * the temporary file of a live process (leave it alone); else 0. */
int bt__verify_tmp_leftover(const char *name)
{
	long pid = bt__trailing_pid(name, ".tmp.");
	if (!pid)
		return 0;
	return bt__pid_alive(pid) ? 2 : 1;
}

/* Moves rel into STORE/quarantine/<base> (base.1, base.2, ... when taken);
 * *where receives the new relative path. */
int bt__verify_quarantine(struct ctx *c, const char *rel, const char *base,
			  const char **where, struct bt_strbuf *err)
{
	const char *qd = bt__verify_abs_path(c, "quarantine");
	if (!qd)
		return BT_ENOMEM;
	int rc = bt__mkdir_p(qd, err);
	if (rc)
		return rc;
	for (int i = 0; i < 1000; i++) {
		const char *q = i ? bt__verify_afmt(c, "quarantine/%s.%d", base, i)
				  : bt__verify_afmt(c, "quarantine/%s", base);
		const char *qa = q ? bt__verify_abs_path(c, q) : NULL;
		const char *from = bt__verify_abs_path(c, rel);
		if (!qa || !from)
			return BT_ENOMEM;
		struct stat sb;
		if (lstat(qa, &sb) == 0)
			continue;
		if (rename(from, qa) != 0)
			return bt_error(err, BT_EIO, "%s: cannot move to %s: %s", from,
					qa, strerror(errno));
		bt__fsync_parent(qa);
		bt__fsync_parent(from);
		*where = q;
		return 0;
	}
	return bt_error(err, BT_EEXISTS, "%s/quarantine/%s: too many copies", c->st->dir,
			base);
}

static int split_date(const char *ts, char ym[8], char day[3], char hm[5])
{
	char y[5], mo[3];
	if (bt__store_split_time(ts, y, mo, day, hm))
		return -1;
	snprintf(ym, 8, "%s-%s", y, mo);
	return 0;
}

/* The error text without a leading "PATH: " (notes carry the path), in
 * the arena ("?" when out of memory). */
const char *bt__verify_strip_path_c(struct ctx *c, const char *msg, const char *path)
{
	struct bt_strbuf sb = BT_STRBUF_INIT;
	bt__strip_path(&sb, msg, path);
	const char *s = bt__arena_strdup(c->a, bt_strbuf_str(&sb));
	bt_strbuf_release(&sb);
	return s ? s : "?";
}

/* The entries of dir sorted by name (*n of them, malloc'd; free_list),
 * or NULL when dir cannot be read (missing, not a directory). */
struct dirent **bt__verify_list_dir(const char *dir, int *n)
{
	struct dirent **v;
	*n = scandir(dir, &v, NULL, alphasort);
	return *n < 0 ? NULL : v;
}

void bt__verify_free_list(struct dirent **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* --- by-type ------------------------------------------------------------ */

static struct vrun *new_run(struct ctx *c)
{
	if (bt__vec_reserve((void **)&c->runs, &c->runs_alloc, c->n_runs + 1,
			    sizeof *c->runs))
		return NULL;
	struct vrun *r = &c->runs[c->n_runs++];
	memset(r, 0, sizeof *r);
	return r;
}

/* Reads the tags file of the run directory rel: valid tags into r, the
 * first invalid line into r->tags_why. */
static int read_tags(struct ctx *c, struct vrun *r, const char *rel)
{
	const char *p = bt__verify_abs_path(c, bt__verify_afmt(c, "%s/tags", rel));
	char *data;
	size_t len;
	struct bt_strbuf e = BT_STRBUF_INIT;
	if (!p)
		return BT_ENOMEM;
	struct stat ls;
	if (lstat(p, &ls) == 0 && S_ISLNK(ls.st_mode)) {
		/* never read through a link */
		bt__store_nolink(c->st->dir, p, 0, &e);
		r->tags_why = bt__verify_strip_path_c(c, bt_strbuf_str(&e), p);
		bt_strbuf_release(&e);
		return 0;
	}
	int rc = bt__read_file(p, TAGS_CAP, &data, &len, &e);
	if (rc == BT_ENOTFOUND) {
		bt_strbuf_release(&e);
		return 0;
	}
	if (rc == BT_ENOMEM) {
		bt_strbuf_release(&e);
		return rc;
	}
	if (rc) {
		r->tags_why = bt__verify_afmt(c, "cannot be read: %s",
					       bt__verify_strip_path_c(c, bt_strbuf_str(&e), p));
		bt_strbuf_release(&e);
		return 0;
	}
	bt_strbuf_release(&e);
	size_t cap = 1, line = 0;
	for (size_t i = 0; i < len; i++)
		cap += data[i] == '\n';
	r->tags = bt__arena_alloc(c->a, cap * sizeof *r->tags);
	if (!r->tags) {
		free(data);
		return BT_ENOMEM;
	}
	if (memchr(data, '\0', len))
		r->tags_why = "contains a NUL byte";
	for (char *s = data, *nl; s && s < data + len; s = nl ? nl + 1 : NULL) {
		nl = memchr(s, '\n', (size_t)(data + len - s));
		if (nl)
			*nl = '\0';
		line++;
		if (!*s)
			continue; /* empty lines are skipped, as by the store */
		if (bt__store_valid_tag(s))
			r->tags[r->n_tags++] = bt__arena_strdup(c->a, s);
		else if (!r->tags_why)
			r->tags_why = bt__verify_afmt(c, "line %zu: invalid tag '%.80s' "
						      "(letters, digits, '.', '_', '-', ':', "
						      "at most 64)", line, s);
	}
	free(data);
	return 0;
}

/* One entry N of by-type/T. */
static int scan_run(struct ctx *c, const char *t, const char *n)
{
	struct vrun *r = new_run(c);
	if (!r)
		return BT_ENOMEM;
	r->cur = bt__verify_afmt(c, "by-type/%s/%s", t, n);
	r->base = bt__arena_strdup(c->a, n);
	const char *dir = r->cur ? bt__verify_abs_path(c, r->cur) : NULL;
	if (!dir || !r->base)
		return BT_ENOMEM;
	struct stat sb;
	if (lstat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		char t[256];
		ssize_t k = S_ISLNK(sb.st_mode) ? readlink(dir, t, sizeof t - 1) : -1;
		t[k > 0 ? k : 0] = '\0';
		r->action = RUN_QUARANTINE;
		r->why = k > 0 ? bt__verify_afmt(c, "a symbolic link (to %s), not a run directory: "
						 "the store never reads its files through links", t)
			: "not a run directory";
		return r->why ? 0 : BT_ENOMEM;
	}
	/* leftovers of interrupted writes inside (tags.tmp.PID) */
	DIR *d = opendir(dir);
	struct dirent *e;
	int has_run = 0;
	while (d && (e = readdir(d))) {
		if (strcmp(e->d_name, "run.json") == 0)
			has_run = 1;
		if (bt__verify_tmp_leftover(e->d_name) == 1) {
			const char *rel = bt__verify_afmt(c, "%s/%s", r->cur, e->d_name);
			if (!rel) {
				closedir(d);
				return BT_ENOMEM;
			}
			problem(c, rel, "left over from an interrupted write");
			if (c->repair)
				bt__verify_remove_leftover(c, rel);
		}
	}
	if (d)
		closedir(d);
	const char *file = bt__verify_afmt(c, "%s/run.json", dir);
	if (!file)
		return BT_ENOMEM;
	if (!has_run) {
		r->action = RUN_QUARANTINE;
		r->why = "run directory without run.json";
		return 0;
	}
	struct bt_run run;
	struct bt_strbuf err = BT_STRBUF_INIT;
	int rc = bt_run_init(&run);
	/* a run.json that is a link (out of the store) is not read */
	if (!rc)
		rc = bt__store_nolink(c->st->dir, file, 0, &err);
	if (!rc)
		rc = bt_run_read_file(&run, file, &err);
	if (rc == BT_ENOMEM) {
		bt_run_release(&run);
		bt_strbuf_release(&err);
		return rc;
	}
	if (rc) {
		r->action = RUN_QUARANTINE;
		r->where = bt__verify_afmt(c, "%s/run.json", r->cur);
		const char *msg = err.len ? err.buf : bt_strerror(rc);
		r->why = bt__verify_afmt(c, "%s", bt__verify_strip_path_c(c, msg, file));
		bt_run_release(&run);
		bt_strbuf_release(&err);
		return r->why ? 0 : BT_ENOMEM;
	}
	bt_strbuf_release(&err);
	char hm[5];
	const char *type = run.benchmark_type;
	if (!type || !bt__store_valid_type(type))
		r->why = bt__verify_afmt(c, "run.json: benchmark_type '%s' cannot name a directory",
					 type ? type : "");
	else if (!bt__store_valid_id(run.run_id))
		r->why = bt__verify_afmt(c, "run.json: run_id '%s': expected hex digits",
					 run.run_id);
	else if (split_date(run.timestamp, r->ym, r->day, hm))
		r->why = bt__verify_afmt(c, "run.json: timestamp '%s': expected "
					 "YYYY-MM-DDTHH:MM:SSZ",
					 run.timestamp);
	if (r->why) {
		r->action = RUN_QUARANTINE;
		r->where = bt__verify_afmt(c, "%s/run.json", r->cur);
		bt_run_release(&run);
		return 0;
	}
	r->type = bt__arena_strdup(c->a, type);
	r->id = bt__arena_strdup(c->a, run.run_id);
	r->ts = bt__arena_strdup(c->a, run.timestamp);
	r->name = bt__verify_afmt(c, "%s-%s-%s-UTC-%.8s", r->ym, r->day, hm, run.run_id);
	r->n_results = run.n_results;
	bt_run_release(&run);
	if (!r->type || !r->id || !r->ts || !r->name)
		return BT_ENOMEM;
	r->dest = bt__verify_afmt(c, "by-type/%s/%s", r->type, r->name);
	if (!r->dest)
		return BT_ENOMEM;
	if (strcmp(r->dest, r->cur) != 0) {
		struct stat ds;
		const char *da = bt__verify_abs_path(c, r->dest);
		if (!da)
			return BT_ENOMEM;
		if (lstat(da, &ds) == 0) {
			r->action = RUN_QUARANTINE;
			r->why = bt__verify_afmt(c, "run %s (type %s, %s) belongs at %s, "
						 "which is taken",
						 r->id, r->type, r->ts, r->dest);
		} else {
			r->action = RUN_MOVE;
			r->why = bt__verify_afmt(c, "run %s (type %s, %s) belongs at %s", r->id,
						 r->type, r->ts, r->dest);
		}
		if (!r->why)
			return BT_ENOMEM;
	}
	return read_tags(c, r, r->cur);
}

static int cmp_id(const void *a, const void *b)
{
	const struct vrun *x = *(const struct vrun *const *)a;
	const struct vrun *y = *(const struct vrun *const *)b;
	int d = strcmp(x->id, y->id);
	return d ? d : strcmp(x->cur, y->cur);
}

int bt__verify_cmp_name(const void *a, const void *b)
{
	const struct vrun *x = *(const struct vrun *const *)a;
	const struct vrun *y = *(const struct vrun *const *)b;
	int d = strcmp(x->type, y->type);
	return d ? d : strcmp(x->name, y->name);
}

static int scan_by_type(struct ctx *c)
{
	const char *bt = bt__verify_abs_path(c, "by-type");
	if (!bt)
		return BT_ENOMEM;
	struct dirent **types;
	int nt = scandir(bt, &types, NULL, alphasort);
	if (nt < 0)
		return errno == ENOENT ? 0 : bt_error(c->err, BT_EIO, "%s: %s", bt,
						      strerror(errno));
	int rc = 0;
	for (int i = 0; i < nt; i++) {
		const char *t = types[i]->d_name;
		if (rc || t[0] == '.')
			continue;
		const char *td = bt__verify_afmt(c, "%s/%s", bt, t);
		struct stat sb;
		if (!td) {
			rc = BT_ENOMEM;
			continue;
		}
		if (lstat(td, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
			struct vrun *r = new_run(c);
			if (!r || !(r->cur = bt__verify_afmt(c, "by-type/%s", t)) ||
			    !(r->base = bt__arena_strdup(c->a, t))) {
				rc = BT_ENOMEM;
				continue;
			}
			r->action = RUN_QUARANTINE;
			r->why = "not a type directory";
			continue;
		}
		struct dirent **runs;
		int nr = scandir(td, &runs, NULL, alphasort);
		if (nr < 0) {
			rc = bt_error(c->err, BT_EIO, "%s: %s", td, strerror(errno));
			continue;
		}
		for (int k = 0; k < nr; k++) {
			if (!rc && runs[k]->d_name[0] != '.')
				rc = scan_run(c, t, runs[k]->d_name);
			free(runs[k]);
		}
		free(runs);
	}
	for (int i = 0; i < nt; i++)
		free(types[i]);
	free(types);
	if (rc)
		return rc;

	/* one directory per run id: the second of a pair goes */
	struct vrun **v = malloc((c->n_runs + 1) * sizeof *v);
	size_t n = 0;
	if (!v)
		return BT_ENOMEM;
	for (size_t i = 0; i < c->n_runs; i++)
		if (c->runs[i].action != RUN_QUARANTINE)
			v[n++] = &c->runs[i];
	qsort(v, n, sizeof *v, cmp_id);
	for (size_t i = 1; i < n; i++)
		if (strcmp(v[i]->id, v[i - 1]->id) == 0) {
			v[i]->action = RUN_QUARANTINE;
			v[i]->why = bt__verify_afmt(c, "run %s is also stored at %s", v[i]->id,
						    v[i - 1]->cur);
		}
	free(v);
	return 0;
}

/* Reports the problems of the runs and, with repair, moves them. */
static int place_runs(struct ctx *c)
{
	for (size_t i = 0; i < c->n_runs; i++) {
		struct vrun *r = &c->runs[i];
		if (r->action != RUN_OK)
			problem(c, r->where ? r->where : r->cur, "%s",
				r->why ? r->why : "broken");
		if (r->tags_why && r->action != RUN_QUARANTINE)
			problem(c, bt__verify_afmt(c, "%s/tags", r->cur), "%s", r->tags_why);
	}
	for (size_t i = 0; c->repair && i < c->n_runs; i++) {
		struct vrun *r = &c->runs[i];
		struct bt_strbuf err = BT_STRBUF_INIT;
		int rc = 0;
		if (r->action == RUN_QUARANTINE) {
			const char *q = NULL;
			rc = bt__verify_quarantine(c, r->cur, r->base, &q, &err);
			if (!rc)
				repaired(c, r->cur, "moved to %s (nothing was deleted)", q);
		} else if (r->action == RUN_MOVE) {
			const char *from = bt__verify_abs_path(c, r->cur);
			const char *to = bt__verify_abs_path(c, r->dest);
			const char *td = bt__verify_afmt(c, "%s/by-type/%s", c->st->dir, r->type);
			if (!from || !to || !td)
				rc = BT_ENOMEM;
			else if (!(rc = bt__mkdir_p(td, &err)) && rename(from, to) != 0)
				rc = bt_error(&err, BT_EIO, "%s: cannot move to %s: %s", from,
					      to, strerror(errno));
			if (!rc) {
				bt__fsync_parent(to);
				bt__fsync_parent(from);
				r->moved = 1;
				repaired(c, r->cur, "moved to %s", r->dest);
			}
		}
		if (!rc && r->tags_why && r->action != RUN_QUARANTINE) {
			/* keep the original in quarantine/, write back the valid tags */
			const char *tf = bt__verify_afmt(c, "%s/tags", r->dest);
			const char *q = NULL;
			const char *qb = bt__verify_afmt(c, "%s.tags", r->base);
			struct bt_strbuf o = BT_STRBUF_INIT;
			for (size_t k = 0; k < r->n_tags; k++)
				bt_strbuf_addf(&o, "%s\n", r->tags[k]);
			if (!tf || !qb)
				rc = BT_ENOMEM;
			else if (!(rc = bt__verify_quarantine(c, tf, qb, &q, &err)) && r->n_tags)
				rc = bt__write_file_atomic(bt__verify_abs_path(c, tf), o.buf,
							   o.len, &err);
			if (!rc)
				repaired(c, tf, "kept the valid tags; the original is %s", q);
			bt_strbuf_release(&o);
		}
		if ((rc = bt__verify_repair_done(c, rc, &err)))
			return rc;
	}
	/* the runs that stay, by type and name */
	c->good = malloc((c->n_runs + 1) * sizeof *c->good);
	if (!c->good)
		return BT_ENOMEM;
	for (size_t i = 0; i < c->n_runs; i++)
		if (c->runs[i].action != RUN_QUARANTINE)
			c->good[c->n_good++] = &c->runs[i];
	qsort(c->good, c->n_good, sizeof *c->good, bt__verify_cmp_name);
	return 0;
}

/* --- leftovers ------------------------------------------------------------ */

/* STORE/.tmp/<id>.<pid> of writers that are gone, and X.tmp.PID files at
 * the top of the store. */
static int scan_leftovers(struct ctx *c)
{
	const char *tmp = bt__verify_abs_path(c, ".tmp");
	if (!tmp)
		return BT_ENOMEM;
	struct dirent **v;
	int n = scandir(tmp, &v, NULL, alphasort);
	if (n < 0 && errno != ENOENT)
		return bt_error(c->err, BT_EIO, "%s: %s", tmp, strerror(errno));
	for (int i = 0; i < n; i++) {
		const char *e = v[i]->d_name;
		if (strcmp(e, ".") && strcmp(e, "..")) {
			long pid = bt__trailing_pid(e, "");
			if (!pid || !bt__pid_alive(pid)) {
				const char *rel = bt__verify_afmt(c, ".tmp/%s", e);
				if (rel) {
					if (pid)
						problem(c, rel, "left over from an interrupted "
							"write (process %ld is gone)", pid);
					else
						problem(c, rel, "left over from an interrupted write");
					if (c->repair)
						bt__verify_remove_leftover(c, rel);
				}
			}
		}
		free(v[i]);
	}
	if (n >= 0)
		free(v);
	n = scandir(c->st->dir, &v, NULL, alphasort);
	if (n < 0)
		return bt_error(c->err, BT_EIO, "%s: %s", c->st->dir, strerror(errno));
	for (int i = 0; i < n; i++) {
		if (bt__verify_tmp_leftover(v[i]->d_name) == 1) {
			problem(c, v[i]->d_name, "left over from an interrupted write");
			if (c->repair)
				bt__verify_remove_leftover(c, v[i]->d_name);
		}
		free(v[i]);
	}
	free(v);
	return 0;
}

/* --- repairs of the derived files ----------------------------------------- */

static void relock(struct ctx *c)
{
	struct bt_strbuf err = BT_STRBUF_INIT;
	c->lock = bt__store_lock(c->st->dir, &err);
	if (c->lock < 0) {
		bt__verify_repair_failed(c, c->lock, &err);
		c->lock = -1;
	}
	bt_strbuf_release(&err);
}

static void repair_derived(struct ctx *c)
{
	int reindexed = 0;
	if (c->index_bad) {
		struct bt_strbuf err = BT_STRBUF_INIT;
		size_t runs = 0, results = 0;
		/* bt_store_reindex takes the store lock itself */
		bt__store_unlock(c->lock);
		c->lock = -1;
		int rc = bt_store_reindex(c->st, &runs, &results, &err);
		relock(c);
		if (rc) {
			bt__verify_repair_failed(c, rc, &err);
		} else {
			reindexed = 1;
			repaired(c, "index.db", "rebuilt from the files: %zu runs, %zu results",
				 runs, results);
		}
		bt_strbuf_release(&err);
	}
	for (size_t i = 0; i < c->n_latest_fix; i++)
		bt__verify_fix_latest(c, c->latest_fix[i], reindexed);
	if (c->readme_bad && reindexed) {
		repaired(c, "README.md", "rewritten from the rebuilt index");
	} else if (c->readme_bad && !c->index_bad) {
		struct bt_strbuf err = BT_STRBUF_INIT;
		int rc = bt_store_write_readme(c->st, &err);
		if (rc)
			bt__verify_repair_failed(c, rc, &err);
		else
			repaired(c, "README.md", "rewritten from the index");
		bt_strbuf_release(&err);
	}
}

/* --- entry point ---------------------------------------------------------- */

int bt_store_verify(struct bt_store *st, int repair, bt_store_note_fn note,
		    void *ud, size_t *n_problems, struct bt_strbuf *err)
{
	if (n_problems)
		*n_problems = 0;
	if (repair && (st->flags & BT_STORE_READONLY))
		return bt_error(err, BT_EINVAL, "%s: store opened read-only; cannot repair",
				st->dir);
	if (st->pg)
		return bt__pg_verify(st, repair, note, ud, n_problems, err);
	struct ctx c;
	memset(&c, 0, sizeof c);
	c.st = st;
	c.repair = repair != 0;
	c.note = note;
	c.ud = ud;
	c.err = err;
	c.lock = -1;
	if (!(c.a = bt__arena_new()))
		return BT_ENOMEM;
	int rc = 0;
	struct stat sb;
	if (stat(st->dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		rc = stat(st->dir, &sb) == 0
			? bt_error(err, BT_EINVAL, "%s: not a directory (a store is a "
				   "directory)", st->dir)
			: bt_error(err, BT_ENOTFOUND, "%s: no such store", st->dir);
		goto out;
	}
	/* a consistent view: writers change the layout under the lock. A check
	 * takes it only where that writes nothing (.lock exists, writable). */
	char *lockf = bt__pathf("%s/.lock", st->dir);
	if (!lockf) {
		rc = BT_ENOMEM;
		goto out;
	}
	if (repair || access(lockf, W_OK) == 0) {
		c.lock = bt__store_lock(st->dir, err);
		if (c.lock < 0) {
			rc = repair ? c.lock : 0;
			c.lock = -1;
			if (!repair)
				bt_strbuf_reset(err);
		}
	}
	free(lockf);
	if (rc)
		goto out;
	if ((rc = scan_by_type(&c)) || (rc = place_runs(&c)) ||
	    (rc = scan_leftovers(&c)) || (rc = bt__verify_scan_by_date(&c)) ||
	    (rc = bt__verify_scan_archives(&c)) || (rc = bt__verify_check_index(&c)) ||
	    (rc = bt__verify_check_latest(&c)))
		goto out;
	if (repair)
		repair_derived(&c);
	rc = c.rc;
out:
	if (n_problems)
		*n_problems = c.problems;
	bt__store_unlock(c.lock);
	free(c.runs);
	free(c.arch);
	free(c.bad_arch);
	free(c.good);
	free(c.latest_fix);
	bt__arena_free(c.a);
	return rc;
}
