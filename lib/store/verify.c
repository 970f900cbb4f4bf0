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
 */
#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archives.h"
#include "index.h"
#include "storeint.h"
#include "internal.h"

#define MEMBER_CAP (256u << 20)
#define TAGS_CAP (1u << 20)
#define README_CAP (64u << 20)
/* index differences reported one by one; the rest are summed up */
#define MAX_INDEX_NOTES 20

enum { RUN_OK, RUN_MOVE, RUN_QUARANTINE };

/* One entry of by-type/<type>/. */
struct vrun {
	const char *cur;      /* "by-type/T/N" as found */
	const char *dest;     /* where it belongs ("by-type/type/name"); NULL broken */
	const char *base;     /* N: the name used in quarantine/ */
	const char *type, *name, *id, *ts; /* from run.json (NULL when broken) */
	char ym[8], day[3];   /* date directories of its by-date link */
	size_t n_results;
	const char **tags;    /* the valid tags of its tags file */
	size_t n_tags;
	const char *why;      /* what is wrong with it (action != RUN_OK) */
	const char *where;    /* the path that problem is reported with */
	const char *tags_why; /* what is wrong with its tags file, or NULL */
	int action;
	int moved;            /* the repair moved it to dest */
	int linked;           /* its by-date link was found */
	int archived_too;     /* its id is also in an archive */
};

/* One run of an archive. */
struct varch {
	const char *id, *type, *ts, *archive;
	size_t n_results;
	const char **tags;
	size_t n_tags;
};

/* A run as the index should list it. */
struct vexp {
	const char *id, *type, *ts, *path, *archive;
	size_t n_results;
	const char **tags;
	size_t n_tags;
};

struct ctx {
	struct bt_store *st;
	int repair;
	bt_store_note_fn note;
	void *ud;
	size_t problems;
	struct bt_arena *a;
	struct vrun *runs;
	size_t n_runs, runs_alloc;
	struct varch *arch;
	size_t n_arch, arch_alloc;
	const char **bad_arch; /* archives that cannot be read (relative) */
	size_t n_bad_arch, bad_arch_alloc;
	struct vrun **good;    /* runs that stay in by-type, by type and name */
	size_t n_good;
	int lock;
	int index_bad;         /* the index needs a rebuild */
	int readme_bad;
	const char **latest_fix; /* latest/ entries to fix (file names) */
	size_t n_latest_fix, latest_fix_alloc;
	int rc;                /* first failed repair */
	struct bt_strbuf *err;
};

/* --- small helpers ------------------------------------------------------ */

static const char *afmt(struct ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static const char *afmt(struct ctx *c, const char *fmt, ...)
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
static const char *abs_path(struct ctx *c, const char *rel)
{
	return afmt(c, "%s/%s", c->st->dir, rel);
}

static void vnote(struct ctx *c, const char *what, const char *rel,
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

static void vnote_f(struct ctx *c, const char *what, const char *rel,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void vnote_f(struct ctx *c, const char *what, const char *rel,
		    const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vnote(c, what, rel, fmt, ap);
	va_end(ap);
}

/* A problem found (counted) and a repair made, as notes; printf-checked
 * through vnote_f. */
#define problem(c, rel, ...) ((c)->problems++, vnote_f((c), "problem", (rel), __VA_ARGS__))
#define repaired(c, rel, ...) vnote_f((c), "repaired", (rel), __VA_ARGS__)

/* A repair that failed: the first one is the result of bt_store_verify,
 * the others are tried all the same. */
static void repair_failed(struct ctx *c, int rc, const struct bt_strbuf *e)
{
	if (c->rc)
		return;
	c->rc = rc;
	bt_error(c->err, rc, "%s", e && e->len ? e->buf : bt_strerror(rc));
}

/* The end of a repair with the detail in err (released): BT_ENOMEM is
 * passed on; any other failure goes to repair_failed and verify goes on
 * (0). */
static int repair_done(struct ctx *c, int rc, struct bt_strbuf *err)
{
	if (rc && rc != BT_ENOMEM)
		repair_failed(c, rc, err);
	bt_strbuf_release(err);
	return rc == BT_ENOMEM ? rc : 0;
}

/* Removes the leftover rel (a repair). */
static void remove_leftover(struct ctx *c, const char *rel)
{
	struct bt_strbuf err = BT_STRBUF_INIT;
	const char *p = abs_path(c, rel);
	int rc = p ? bt__rm_tree(p, &err) : BT_ENOMEM;
	if (rc)
		repair_failed(c, rc, &err);
	else
		repaired(c, rel, "removed");
	bt_strbuf_release(&err);
}

/* 1 when name is the temporary file of an interrupted atomic write or
 * link replacement ("X.tmp.PID" of a process that is gone); 2 when it is
 * the temporary file of a live process (leave it alone); else 0. */
static int tmp_leftover(const char *name)
{
	long pid = bt__trailing_pid(name, ".tmp.");
	if (!pid)
		return 0;
	return bt__pid_alive(pid) ? 2 : 1;
}

/* Moves rel into STORE/quarantine/<base> (base.1, base.2, ... when taken);
 * *where receives the new relative path. */
static int quarantine(struct ctx *c, const char *rel, const char *base,
		      const char **where, struct bt_strbuf *err)
{
	const char *qd = abs_path(c, "quarantine");
	if (!qd)
		return BT_ENOMEM;
	int rc = bt__mkdir_p(qd, err);
	if (rc)
		return rc;
	for (int i = 0; i < 1000; i++) {
		const char *q = i ? afmt(c, "quarantine/%s.%d", base, i)
				  : afmt(c, "quarantine/%s", base);
		const char *qa = q ? abs_path(c, q) : NULL;
		const char *from = abs_path(c, rel);
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
static const char *strip_path_c(struct ctx *c, const char *msg, const char *path)
{
	struct bt_strbuf sb = BT_STRBUF_INIT;
	bt__strip_path(&sb, msg, path);
	const char *s = bt__arena_strdup(c->a, bt_strbuf_str(&sb));
	bt_strbuf_release(&sb);
	return s ? s : "?";
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
	const char *p = abs_path(c, afmt(c, "%s/tags", rel));
	char *data;
	size_t len;
	struct bt_strbuf e = BT_STRBUF_INIT;
	if (!p)
		return BT_ENOMEM;
	struct stat ls;
	if (lstat(p, &ls) == 0 && S_ISLNK(ls.st_mode)) {
		/* never read through a link */
		bt__store_nolink(c->st->dir, p, 0, &e);
		r->tags_why = strip_path_c(c, bt_strbuf_str(&e), p);
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
		r->tags_why = afmt(c, "cannot be read: %s", strip_path_c(c, bt_strbuf_str(&e), p));
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
			r->tags_why = afmt(c, "line %zu: invalid tag '%.80s' (letters, "
					   "digits, '.', '_', '-', ':', at most 64)", line, s);
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
	r->cur = afmt(c, "by-type/%s/%s", t, n);
	r->base = bt__arena_strdup(c->a, n);
	const char *dir = r->cur ? abs_path(c, r->cur) : NULL;
	if (!dir || !r->base)
		return BT_ENOMEM;
	struct stat sb;
	if (lstat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		char t[256];
		ssize_t k = S_ISLNK(sb.st_mode) ? readlink(dir, t, sizeof t - 1) : -1;
		t[k > 0 ? k : 0] = '\0';
		r->action = RUN_QUARANTINE;
		r->why = k > 0 ? afmt(c, "a symbolic link (to %s), not a run directory: "
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
		if (tmp_leftover(e->d_name) == 1) {
			const char *rel = afmt(c, "%s/%s", r->cur, e->d_name);
			if (!rel) {
				closedir(d);
				return BT_ENOMEM;
			}
			problem(c, rel, "left over from an interrupted write");
			if (c->repair)
				remove_leftover(c, rel);
		}
	}
	if (d)
		closedir(d);
	const char *file = afmt(c, "%s/run.json", dir);
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
		r->where = afmt(c, "%s/run.json", r->cur);
		r->why = afmt(c, "%s", strip_path_c(c, err.len ? err.buf : bt_strerror(rc), file));
		bt_run_release(&run);
		bt_strbuf_release(&err);
		return r->why ? 0 : BT_ENOMEM;
	}
	bt_strbuf_release(&err);
	char hm[5];
	const char *type = run.benchmark_type;
	if (!type || !bt__store_valid_type(type))
		r->why = afmt(c, "run.json: benchmark_type '%s' cannot name a directory",
			      type ? type : "");
	else if (!bt__store_valid_id(run.run_id))
		r->why = afmt(c, "run.json: run_id '%s': expected hex digits", run.run_id);
	else if (split_date(run.timestamp, r->ym, r->day, hm))
		r->why = afmt(c, "run.json: timestamp '%s': expected YYYY-MM-DDTHH:MM:SSZ",
			      run.timestamp);
	if (r->why) {
		r->action = RUN_QUARANTINE;
		r->where = afmt(c, "%s/run.json", r->cur);
		bt_run_release(&run);
		return 0;
	}
	r->type = bt__arena_strdup(c->a, type);
	r->id = bt__arena_strdup(c->a, run.run_id);
	r->ts = bt__arena_strdup(c->a, run.timestamp);
	r->name = afmt(c, "%s-%s-%s-UTC-%.8s", r->ym, r->day, hm, run.run_id);
	r->n_results = run.n_results;
	bt_run_release(&run);
	if (!r->type || !r->id || !r->ts || !r->name)
		return BT_ENOMEM;
	r->dest = afmt(c, "by-type/%s/%s", r->type, r->name);
	if (!r->dest)
		return BT_ENOMEM;
	if (strcmp(r->dest, r->cur) != 0) {
		struct stat ds;
		const char *da = abs_path(c, r->dest);
		if (!da)
			return BT_ENOMEM;
		if (lstat(da, &ds) == 0) {
			r->action = RUN_QUARANTINE;
			r->why = afmt(c, "run %s (type %s, %s) belongs at %s, which is taken",
				      r->id, r->type, r->ts, r->dest);
		} else {
			r->action = RUN_MOVE;
			r->why = afmt(c, "run %s (type %s, %s) belongs at %s", r->id,
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

static int cmp_name(const void *a, const void *b)
{
	const struct vrun *x = *(const struct vrun *const *)a;
	const struct vrun *y = *(const struct vrun *const *)b;
	int d = strcmp(x->type, y->type);
	return d ? d : strcmp(x->name, y->name);
}

static int scan_by_type(struct ctx *c)
{
	const char *bt = abs_path(c, "by-type");
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
		const char *td = afmt(c, "%s/%s", bt, t);
		struct stat sb;
		if (!td) {
			rc = BT_ENOMEM;
			continue;
		}
		if (lstat(td, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
			struct vrun *r = new_run(c);
			if (!r || !(r->cur = afmt(c, "by-type/%s", t)) ||
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
			v[i]->why = afmt(c, "run %s is also stored at %s", v[i]->id,
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
			problem(c, afmt(c, "%s/tags", r->cur), "%s", r->tags_why);
	}
	for (size_t i = 0; c->repair && i < c->n_runs; i++) {
		struct vrun *r = &c->runs[i];
		struct bt_strbuf err = BT_STRBUF_INIT;
		int rc = 0;
		if (r->action == RUN_QUARANTINE) {
			const char *q = NULL;
			rc = quarantine(c, r->cur, r->base, &q, &err);
			if (!rc)
				repaired(c, r->cur, "moved to %s (nothing was deleted)", q);
		} else if (r->action == RUN_MOVE) {
			const char *from = abs_path(c, r->cur), *to = abs_path(c, r->dest);
			const char *td = afmt(c, "%s/by-type/%s", c->st->dir, r->type);
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
			const char *tf = afmt(c, "%s/tags", r->dest);
			const char *q = NULL;
			const char *qb = afmt(c, "%s.tags", r->base);
			struct bt_strbuf o = BT_STRBUF_INIT;
			for (size_t k = 0; k < r->n_tags; k++)
				bt_strbuf_addf(&o, "%s\n", r->tags[k]);
			if (!tf || !qb)
				rc = BT_ENOMEM;
			else if (!(rc = quarantine(c, tf, qb, &q, &err)) && r->n_tags)
				rc = bt__write_file_atomic(abs_path(c, tf), o.buf, o.len, &err);
			if (!rc)
				repaired(c, tf, "kept the valid tags; the original is %s", q);
			bt_strbuf_release(&o);
		}
		if ((rc = repair_done(c, rc, &err)))
			return rc;
	}
	/* the runs that stay, by type and name */
	c->good = malloc((c->n_runs + 1) * sizeof *c->good);
	if (!c->good)
		return BT_ENOMEM;
	for (size_t i = 0; i < c->n_runs; i++)
		if (c->runs[i].action != RUN_QUARANTINE)
			c->good[c->n_good++] = &c->runs[i];
	qsort(c->good, c->n_good, sizeof *c->good, cmp_name);
	return 0;
}

/* The run directory of r now (relative). */
static const char *run_now(const struct vrun *r)
{
	return r->action == RUN_MOVE && !r->moved ? r->cur : r->dest;
}

static struct vrun *find_good(struct ctx *c, const char *type, const char *name)
{
	struct vrun key = { .type = type, .name = name }, *kp = &key;
	struct vrun **f = bsearch(&kp, c->good, c->n_good, sizeof *c->good, cmp_name);
	return f ? *f : NULL;
}

/* The run (broken or misplaced) that was found at rel, or NULL. */
static struct vrun *find_moving(struct ctx *c, const char *rel)
{
	for (size_t i = 0; i < c->n_runs; i++)
		if (c->runs[i].action != RUN_OK && strcmp(c->runs[i].cur, rel) == 0)
			return &c->runs[i];
	return NULL;
}

/* --- leftovers ------------------------------------------------------------ */

/* STORE/.tmp/<id>.<pid> of writers that are gone, and X.tmp.PID files at
 * the top of the store. */
static int scan_leftovers(struct ctx *c)
{
	const char *tmp = abs_path(c, ".tmp");
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
				const char *rel = afmt(c, ".tmp/%s", e);
				if (rel) {
					if (pid)
						problem(c, rel, "left over from an interrupted "
							"write (process %ld is gone)", pid);
					else
						problem(c, rel, "left over from an interrupted write");
					if (c->repair)
						remove_leftover(c, rel);
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
		if (tmp_leftover(v[i]->d_name) == 1) {
			problem(c, v[i]->d_name, "left over from an interrupted write");
			if (c->repair)
				remove_leftover(c, v[i]->d_name);
		}
		free(v[i]);
	}
	free(v);
	return 0;
}

/* --- by-date -------------------------------------------------------------- */

static int same_file(const char *a, const char *b)
{
	struct stat x, y;
	return stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev &&
	       x.st_ino == y.st_ino;
}

/* The link target that by-date/YM/DD/T/N should have. */
static const char *date_target(struct ctx *c, const struct vrun *r)
{
	return afmt(c, "../../../../%s", r->dest);
}

static const char *date_link(struct ctx *c, const struct vrun *r)
{
	return afmt(c, "by-date/%s/%s/%s/%s", r->ym, r->day, r->type, r->name);
}

/* Makes (or replaces) the by-date link of r. */
static int make_date_link(struct ctx *c, const struct vrun *r,
			  struct bt_strbuf *err)
{
	const char *rel = date_link(c, r), *target = date_target(c, r);
	const char *dir = afmt(c, "%s/by-date/%s/%s/%s", c->st->dir, r->ym, r->day,
			       r->type);
	const char *link = rel ? abs_path(c, rel) : NULL;
	const char *rundir = abs_path(c, r->dest);
	if (!target || !dir || !link || !rundir)
		return BT_ENOMEM;
	int rc = bt__mkdir_p(dir, err);
	return rc ? rc : bt__replace_symlink(target, link, rundir, err);
}

/* by-date/YM/DD/T/E. */
static int check_date_entry(struct ctx *c, const char *ym, const char *dd,
			    const char *t, const char *e)
{
	const char *rel = afmt(c, "by-date/%s/%s/%s/%s", ym, dd, t, e);
	const char *p = rel ? abs_path(c, rel) : NULL;
	if (!p)
		return BT_ENOMEM;
	struct stat ls;
	if (lstat(p, &ls) != 0)
		return 0; /* gone meanwhile */
	struct bt_strbuf err = BT_STRBUF_INIT;
	int rc = 0;
	struct vrun *r = find_good(c, t, e);
	if (r && (strcmp(r->ym, ym) || strcmp(r->day, dd)))
		r = NULL;
	char target[PATH_MAX];
	ssize_t tl = S_ISLNK(ls.st_mode) ? readlink(p, target, sizeof target - 1) : -1;
	target[tl > 0 ? tl : 0] = '\0';
	if (r) {
		r->linked = 1;
		const char *want = date_target(c, r);
		const char *rundir = abs_path(c, run_now(r));
		if (!want || !rundir)
			return BT_ENOMEM;
		int ok;
		if (S_ISLNK(ls.st_mode))
			ok = same_file(p, rundir) ||
			     (r->action == RUN_MOVE && !r->moved && strcmp(target, want) == 0);
		else if (S_ISDIR(ls.st_mode)) /* a copy where symlinks cannot be made */
			ok = access(afmt(c, "%s/run.json", p), F_OK) == 0;
		else
			ok = 0;
		if (ok || r->action == RUN_MOVE)
			; /* a misplaced run's link follows it */
		else if (S_ISLNK(ls.st_mode))
			problem(c, rel, "points at %s, not at %s", target, r->dest);
		else
			problem(c, rel, "not a link to %s", r->dest);
		if (!ok && c->repair && (r->action != RUN_MOVE || r->moved)) {
			const char *q = NULL;
			if (!S_ISLNK(ls.st_mode))
				rc = quarantine(c, rel, afmt(c, "by-date-%s-%s-%s-%s", ym, dd,
							      t, e), &q, &err);
			if (!rc)
				rc = make_date_link(c, r, &err);
			if (!rc)
				repaired(c, rel, "linked to %s%s%s", r->dest,
					 q ? "; the old entry is " : "", q ? q : "");
		}
	} else {
		/* which run directory it names (links written by the store are
		 * "../../../../by-type/T/N") */
		const char *named = NULL;
		if (tl > 0 && strncmp(target, "../../../../by-type/", 20) == 0)
			named = target + 12;
		struct vrun *m = named ? find_moving(c, named) : NULL;
		struct stat ts;
		int dangling = S_ISLNK(ls.st_mode) && stat(p, &ts) != 0;
		if (m)
			; /* reported with the run it names */
		else if (dangling)
			problem(c, rel, "dangling link to %s", target);
		else if (S_ISLNK(ls.st_mode))
			problem(c, rel, "links to %s, which is not a stored run of type %s "
				"dated %s-%s", target, t, ym, dd);
		else
			problem(c, rel, "not a link to a stored run");
		if (c->repair) {
			const char *q = NULL;
			if (S_ISLNK(ls.st_mode)) {
				if (unlink(p) != 0)
					rc = bt_error(&err, BT_EIO, "%s: %s", p, strerror(errno));
			} else {
				rc = quarantine(c, rel, afmt(c, "by-date-%s-%s-%s-%s", ym, dd,
							      t, e), &q, &err);
			}
			if (!rc && m)
				repaired(c, rel, "removed the link to %s (%s)", m->cur,
					 m->action == RUN_MOVE ? "moved" : "quarantined");
			else if (!rc)
				repaired(c, rel, q ? "moved to %s" : "removed%s", q ? q : "");
		}
	}
	return repair_done(c, rc, &err);
}

/* The entries of dir sorted by name (*n of them, malloc'd; free_list),
 * or NULL when dir cannot be read (missing, not a directory). */
static struct dirent **list_dir(const char *dir, int *n)
{
	struct dirent **v;
	*n = scandir(dir, &v, NULL, alphasort);
	return *n < 0 ? NULL : v;
}

static void free_list(struct dirent **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Visits by-date/<month>/<day>/<type>/<entry>: names[0..3] are the path
 * components below by-date (depth 0 at by-date itself). Hidden entries
 * are skipped; leftovers of interrupted writes are reported (and removed
 * with repair) at the entry level. */
static int walk_by_date(struct ctx *c, const char *dir, const char **names,
			int depth)
{
	int n, rc = 0;
	struct dirent **l = list_dir(dir, &n);
	for (int i = 0; !rc && l && i < n; i++) {
		const char *e = l[i]->d_name;
		names[depth] = e;
		if (depth < 3) {
			if (e[0] == '.')
				continue;
			const char *sub = afmt(c, "%s/%s", dir, e);
			rc = sub ? walk_by_date(c, sub, names, depth + 1) : BT_ENOMEM;
			continue;
		}
		int tl = tmp_leftover(e);
		if (e[0] == '.' || tl == 2)
			continue;
		if (tl == 1) {
			const char *rel = afmt(c, "by-date/%s/%s/%s/%s", names[0],
					       names[1], names[2], e);
			problem(c, rel, "left over from an interrupted write");
			if (c->repair)
				remove_leftover(c, rel);
			continue;
		}
		rc = check_date_entry(c, names[0], names[1], names[2], e);
	}
	if (l)
		free_list(l, n);
	/* a month, day or type directory left empty (by gc before it removed
	 * them, or by the repairs above): rmdir removes only an empty one,
	 * and bt_store_put makes them under the lock, which repair holds */
	if (!rc && l && depth >= 1 && c->repair && rmdir(dir) == 0) {
		const char *rel = afmt(c, "by-date/%s%s%s%s%s", names[0],
				       depth > 1 ? "/" : "", depth > 1 ? names[1] : "",
				       depth > 2 ? "/" : "", depth > 2 ? names[2] : "");
		bt__fsync_parent(dir);
		if (!rel)
			return BT_ENOMEM;
		repaired(c, rel, "removed the empty directory");
	}
	return rc;
}

static int scan_by_date(struct ctx *c)
{
	const char *bd = abs_path(c, "by-date");
	if (!bd)
		return BT_ENOMEM;
	const char *names[4];
	int rc = walk_by_date(c, bd, names, 0);
	if (rc)
		return rc;
	/* the runs without a link */
	for (size_t i = 0; i < c->n_good; i++) {
		struct vrun *r = c->good[i];
		if (r->linked)
			continue;
		const char *rel = date_link(c, r);
		if (!rel)
			return BT_ENOMEM;
		if (r->action != RUN_MOVE)
			problem(c, rel, "missing link to %s", r->dest);
		if (c->repair && (r->action != RUN_MOVE || r->moved)) {
			struct bt_strbuf err = BT_STRBUF_INIT;
			int e = make_date_link(c, r, &err);
			if (e)
				repair_failed(c, e, &err);
			else
				repaired(c, rel, "linked to %s", r->dest);
			bt_strbuf_release(&err);
		}
	}
	return 0;
}

/* --- latest --------------------------------------------------------------- */

/* The newest run of type (runs that are also archived do not count, as in
 * the index), or NULL. */
static struct vrun *newest(struct ctx *c, const char *type)
{
	struct vrun *best = NULL;
	struct vrun key = { .type = type, .name = "" }, *kp = &key;
	/* good is sorted by type: find the first of the type */
	size_t lo = 0, hi = c->n_good;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (cmp_name(&c->good[mid], &kp) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < c->n_good && !strcmp(c->good[i]->type, type); i++) {
		struct vrun *r = c->good[i];
		if (r->archived_too)
			continue;
		int d = best ? strcmp(r->ts, best->ts) : 1;
		if (!best || d > 0 || (d == 0 && strcmp(r->id, best->id) > 0))
			best = r;
	}
	return best;
}

static int add_latest_fix(struct ctx *c, const char *file)
{
	if (bt__vec_reserve((void **)&c->latest_fix, &c->latest_fix_alloc,
			    c->n_latest_fix + 1, sizeof *c->latest_fix))
		return BT_ENOMEM;
	c->latest_fix[c->n_latest_fix++] = file;
	return 0;
}

/* Same content as the run.json of r (a copy where symlinks cannot be
 * made). */
static int same_content(struct ctx *c, const char *p, const struct vrun *r)
{
	char *x = NULL, *y = NULL;
	size_t xl = 0, yl = 0;
	const char *q = abs_path(c, afmt(c, "%s/run.json", run_now(r)));
	int same = q && !bt__read_file(p, MEMBER_CAP, &x, &xl, NULL) &&
		   !bt__read_file(q, MEMBER_CAP, &y, &yl, NULL) && xl == yl &&
		   memcmp(x, y, xl) == 0;
	free(x);
	free(y);
	return same;
}

static int check_latest(struct ctx *c)
{
	/* each type with a run: latest/<type>.json names the newest */
	for (size_t i = 0; i < c->n_good; i++) {
		if (i && !strcmp(c->good[i]->type, c->good[i - 1]->type))
			continue;
		struct vrun *r = newest(c, c->good[i]->type);
		if (!r)
			continue;
		const char *file = afmt(c, "%s.json", r->type);
		const char *rel = file ? afmt(c, "latest/%s", file) : NULL;
		const char *p = rel ? abs_path(c, rel) : NULL;
		const char *want = afmt(c, "../%s/run.json", r->dest);
		const char *runfile = abs_path(c, afmt(c, "%s/run.json", run_now(r)));
		if (!p || !want || !runfile)
			return BT_ENOMEM;
		struct stat ls;
		char target[PATH_MAX];
		int ok = 0;
		if (lstat(p, &ls) != 0) {
			problem(c, rel, "missing; the newest %s run is %s", r->type, r->dest);
		} else if (S_ISLNK(ls.st_mode)) {
			ssize_t tl = readlink(p, target, sizeof target - 1);
			target[tl > 0 ? tl : 0] = '\0';
			ok = same_file(p, runfile) ||
			     (r->action == RUN_MOVE && strcmp(target, want) == 0);
			if (!ok)
				problem(c, rel, "points at %s, not at the newest %s run %s",
					target, r->type, r->dest);
		} else if (S_ISREG(ls.st_mode)) {
			ok = same_content(c, p, r);
			if (!ok)
				problem(c, rel, "is not a copy of the newest %s run %s",
					r->type, r->dest);
		} else {
			problem(c, rel, "not a link to the newest %s run %s", r->type,
				r->dest);
		}
		if (!ok && add_latest_fix(c, file))
			return BT_ENOMEM;
	}
	/* entries of types without a run in by-type; leftovers */
	const char *ld = abs_path(c, "latest");
	if (!ld)
		return BT_ENOMEM;
	int n;
	struct dirent **v = list_dir(ld, &n);
	for (int i = 0; v && i < n; i++) {
		const char *e = v[i]->d_name;
		size_t len = strlen(e);
		int tl = tmp_leftover(e);
		if (tl == 1) {
			const char *rel = afmt(c, "latest/%s", e);
			problem(c, rel, "left over from an interrupted write");
			if (c->repair)
				remove_leftover(c, rel);
		} else if (!tl && e[0] != '.' && len > 5 && !strcmp(e + len - 5, ".json")) {
			char *type = strndup(e, len - 5);
			if (!type) {
				free_list(v, n);
				return BT_ENOMEM;
			}
			if (!newest(c, type)) {
				problem(c, afmt(c, "latest/%s", e), "no run of type %s is in "
					"by-type", type);
				if (add_latest_fix(c, bt__arena_strdup(c->a, e))) {
					free(type);
					free_list(v, n);
					return BT_ENOMEM;
				}
			}
			free(type);
		}
	}
	if (v)
		free_list(v, n);
	return 0;
}

/* Points latest/<file> at the newest run of its type, or takes it away
 * when there is none. */
static void fix_latest(struct ctx *c, const char *file, int reindexed)
{
	size_t len = strlen(file);
	char *type = strndup(file, len - 5);
	const char *rel = afmt(c, "latest/%s", file);
	const char *p = rel ? abs_path(c, rel) : NULL;
	struct bt_strbuf err = BT_STRBUF_INIT;
	struct vrun *r = type ? newest(c, type) : NULL;
	int rc = 0;
	if (!type || !p) {
		rc = BT_ENOMEM;
	} else if (r && reindexed && !c->rc) {
		/* bt_store_reindex pointed it at the newest run of the rebuilt
		 * index (newer runs may have come meanwhile) */
		repaired(c, rel, "points at the newest %s run", type);
	} else if (r) {
		const char *want = afmt(c, "../%s/run.json", r->dest);
		const char *real = abs_path(c, afmt(c, "%s/run.json", r->dest));
		rc = !want || !real ? BT_ENOMEM : bt__replace_symlink(want, p, real, &err);
		if (!rc)
			repaired(c, rel, "points at %s", r->dest);
	} else {
		struct stat ls;
		const char *q = NULL;
		if (lstat(p, &ls) == 0 && S_ISREG(ls.st_mode))
			rc = quarantine(c, rel, afmt(c, "latest-%s", file), &q, &err);
		else if (unlink(p) != 0 && errno != ENOENT)
			rc = bt_error(&err, BT_EIO, "%s: %s", p, strerror(errno));
		if (!rc)
			repaired(c, rel, q ? "moved to %s" : "removed%s", q ? q : "");
	}
	if (rc)
		repair_failed(c, rc, &err);
	bt_strbuf_release(&err);
	free(type);
}

/* --- archives ------------------------------------------------------------- */

/* The runs of one archive (members "<dir>/run.json", "<dir>/tags"). */
static int read_archive(struct ctx *c, const char *rel)
{
	const char *path = abs_path(c, rel);
	struct archive *ar = NULL;
	struct bt_strbuf oe = BT_STRBUF_INIT;
	int rc = path ? bt__tar_open(&ar, path, &oe) : BT_ENOMEM;
	if (rc == BT_ENOMEM) {
		bt_strbuf_release(&oe);
		return rc;
	}
	size_t first = c->n_arch;
	const char *why = NULL, *last_dir = NULL;
	if (rc) {
		why = afmt(c, "cannot be read: %s", strip_path_c(c, bt_strbuf_str(&oe), path));
		rc = 0;
	} else {
		struct archive_entry *e;
		int r;
		while (!why && !rc && (r = archive_read_next_header(ar, &e)) == ARCHIVE_OK) {
			const char *name = archive_entry_pathname(e);
			const char *slash = name ? strrchr(name, '/') : NULL;
			if (!slash)
				continue;
			int is_run = strcmp(slash, "/run.json") == 0;
			int is_tags = strcmp(slash, "/tags") == 0 && last_dir &&
				      strlen(last_dir) == (size_t)(slash - name) &&
				      !strncmp(last_dir, name, (size_t)(slash - name));
			if (!is_run && !is_tags)
				continue;
			char *data = NULL;
			size_t len = 0;
			int mr = bt__tar_read_member(ar, MEMBER_CAP, NULL, name, &data,
						     &len, NULL);
			if (mr == BT_ENOMEM) {
				rc = mr;
				break;
			}
			if (mr) {
				why = afmt(c, "member %s: %s", name, mr == BT_ETOOBIG
					   ? "too large" : archive_error_string(ar));
				break;
			}
			if (is_run) {
				struct bt_run run;
				struct bt_strbuf err = BT_STRBUF_INIT;
				const char *label = afmt(c, "%s:%s", rel, name);
				int pr = bt_run_init(&run);
				if (!pr)
					pr = bt_run_from_json(&run, data, len, label, &err);
				if (pr == BT_ENOMEM) {
					rc = pr;
				} else if (pr) {
					why = afmt(c, "member %s: %s", name,
						   strip_path_c(c, err.len ? err.buf : bt_strerror(pr),
							      label));
				} else if (bt__vec_reserve((void **)&c->arch, &c->arch_alloc,
							   c->n_arch + 1, sizeof *c->arch)) {
					rc = BT_ENOMEM;
				} else {
					struct varch *v = &c->arch[c->n_arch++];
					memset(v, 0, sizeof *v);
					v->id = bt__arena_strdup(c->a, run.run_id);
					v->type = bt__arena_strdup(c->a, run.benchmark_type
								   ? run.benchmark_type : "");
					v->ts = bt__arena_strdup(c->a, run.timestamp);
					v->archive = rel;
					v->n_results = run.n_results;
					last_dir = bt__arena_strndup(c->a, name,
								     (size_t)(slash - name));
					if (!v->id || !v->type || !v->ts || !last_dir)
						rc = BT_ENOMEM;
				}
				bt_run_release(&run);
				bt_strbuf_release(&err);
			} else {
				struct varch *v = &c->arch[c->n_arch - 1];
				size_t cap = 1;
				for (size_t i = 0; i < len; i++)
					cap += data[i] == '\n';
				v->tags = bt__arena_alloc(c->a, cap * sizeof *v->tags);
				if (!v->tags)
					rc = BT_ENOMEM;
				for (char *s = data, *save = NULL, *t;
				     v->tags && (t = strtok_r(s, "\n", &save)); s = NULL)
					if (*t)
						v->tags[v->n_tags++] = bt__arena_strdup(c->a, t);
			}
			free(data);
		}
		if (!why && !rc && r != ARCHIVE_EOF && r != ARCHIVE_OK)
			why = afmt(c, "cannot be read: %s", archive_error_string(ar));
	}
	archive_read_free(ar);
	bt_strbuf_release(&oe);
	if (rc)
		return rc;
	if (why) {
		/* its runs cannot be known: leave them out of the comparisons */
		c->n_arch = first;
		problem(c, rel, "%s (verify cannot repair an archive: restore it "
			"from a backup or move it away, then `benchtrack reindex`)", why);
		if (bt__vec_reserve((void **)&c->bad_arch, &c->bad_arch_alloc,
				    c->n_bad_arch + 1, sizeof *c->bad_arch))
			return BT_ENOMEM;
		c->bad_arch[c->n_bad_arch++] = rel;
	}
	return 0;
}

static int cmp_arch(const void *a, const void *b)
{
	return strcmp(((const struct varch *)a)->id, ((const struct varch *)b)->id);
}

/* Runs both in by-type and in an archive (a gc or restore that was
 * interrupted): the index has the archived one, as reindex does. */
/* The notes of bt__gc_recover as repairs. */
static void recover_note(void *ud, const char *what, const char *path,
			 const char *detail)
{
	struct ctx *c = ud;
	if (c->note && (!strcmp(what, "finished") || !strcmp(what, "kept")))
		c->note(c->ud, "repaired", path, detail);
}

static int mark_archived(struct ctx *c)
{
	size_t n_too = 0;
	if (!c->n_arch)
		return 0;
	qsort(c->arch, c->n_arch, sizeof *c->arch, cmp_arch);
	for (size_t i = 0; i < c->n_good; i++) {
		struct vrun *r = c->good[i];
		struct varch key = { .id = r->id };
		struct varch *a = bsearch(&key, c->arch, c->n_arch, sizeof *c->arch,
					  cmp_arch);
		if (!a)
			continue;
		r->archived_too = 1;
		n_too++;
		problem(c, r->cur, "run %s is also in %s (an interrupted gc or restore: "
			"`benchtrack gc` or `verify --repair` finishes the gc, "
			"`benchtrack restore %.8s` then brings the run back)", r->id,
			a->archive, r->id);
	}
	if (c->repair && n_too) {
		/* as the next gc would: from what is on disk */
		struct bt_strbuf err = BT_STRBUF_INIT;
		return repair_done(c, bt__gc_recover(c->st, recover_note, c, NULL, &err),
				   &err);
	}
	return 0;
}

static int scan_archives(struct ctx *c)
{
	const char *ad = abs_path(c, "archive");
	if (!ad)
		return BT_ENOMEM;
	int n, rc = 0;
	struct dirent **v = list_dir(ad, &n);
	for (int i = 0; v && i < n; i++) {
		const char *e = v[i]->d_name;
		size_t l = strlen(e);
		if (!rc && tmp_leftover(e) == 1) {
			const char *rel = afmt(c, "archive/%s", e);
			if (!rel) {
				rc = BT_ENOMEM;
				continue;
			}
			problem(c, rel, "left over from an interrupted write");
			if (c->repair)
				remove_leftover(c, rel);
		} else if (!rc && e[0] != '.' && l > 7 && !strcmp(e + l - 7, ".tar.gz")) {
			const char *rel = afmt(c, "archive/%s", e);
			rc = rel ? read_archive(c, rel) : BT_ENOMEM;
		}
	}
	if (v)
		free_list(v, n);
	return rc ? rc : mark_archived(c);
}

/* --- the index ------------------------------------------------------------ */

static int cmp_exp(const void *a, const void *b)
{
	return strcmp(((const struct vexp *)a)->id, ((const struct vexp *)b)->id);
}

static int cmp_entry(const void *a, const void *b)
{
	const struct bt_store_entry *x = *(const struct bt_store_entry *const *)a;
	const struct bt_store_entry *y = *(const struct bt_store_entry *const *)b;
	return strcmp(x->run_id, y->run_id);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Tags as sorted text "a b c" (arena). */
static const char *tags_text(struct ctx *c, const char *const *tags, size_t n)
{
	const char **v = bt__arena_alloc(c->a, (n + 1) * sizeof *v);
	struct bt_strbuf sb = BT_STRBUF_INIT;
	if (!v)
		return NULL;
	if (n) {
		memcpy(v, tags, n * sizeof *v);
		qsort(v, n, sizeof *v, cmp_str);
	}
	for (size_t i = 0; i < n; i++)
		if (!i || strcmp(v[i], v[i - 1]))
			bt_strbuf_addf(&sb, "%s%s", sb.len ? " " : "", v[i]);
	const char *s = bt__arena_strdup(c->a, bt_strbuf_str(&sb));
	bt_strbuf_release(&sb);
	return s;
}

static int is_bad_archive(struct ctx *c, const char *rel)
{
	for (size_t i = 0; rel && i < c->n_bad_arch; i++)
		if (!strcmp(c->bad_arch[i], rel))
			return 1;
	return 0;
}

/* One index difference: counted, reported up to MAX_INDEX_NOTES. */
static void index_diff(struct ctx *c, size_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void index_diff(struct ctx *c, size_t *n, const char *fmt, ...)
{
	c->index_bad = 1;
	c->problems++;
	if ((*n)++ >= MAX_INDEX_NOTES)
		return;
	va_list ap;
	va_start(ap, fmt);
	vnote(c, "problem", "index.db", fmt, ap);
	va_end(ap);
}

static int compare_index(struct ctx *c, const struct bt_store_list *l)
{
	size_t ne = 0, nd = 0;
	struct vexp *exp = calloc(c->n_good + c->n_arch + 1, sizeof *exp);
	const struct bt_store_entry **ent = malloc((l->n + 1) * sizeof *ent);
	if (!exp || !ent) {
		free(exp);
		free(ent);
		return BT_ENOMEM;
	}
	/* archives win over by-type for a run in both, as in reindex */
	for (size_t i = 0; i < c->n_arch; i++) {
		const struct varch *a = &c->arch[i];
		exp[ne++] = (struct vexp){ a->id, a->type, a->ts, NULL, a->archive,
					   a->n_results, a->tags, a->n_tags };
	}
	for (size_t i = 0; i < c->n_good; i++) {
		struct vrun *r = c->good[i];
		if (r->archived_too)
			continue;
		exp[ne++] = (struct vexp){ r->id, r->type, r->ts,
					   afmt(c, "%s/run.json", r->dest), NULL,
					   r->n_results, r->tags, r->n_tags };
	}
	qsort(exp, ne, sizeof *exp, cmp_exp);
	for (size_t i = 0; i < l->n; i++)
		ent[i] = &l->items[i];
	qsort(ent, l->n, sizeof *ent, cmp_entry);
	size_t i = 0, k = 0;
	while (i < ne || k < l->n) {
		int d = i == ne ? 1 : k == l->n ? -1 : strcmp(exp[i].id, ent[k]->run_id);
		if (d < 0) {
			const struct vexp *x = &exp[i++];
			index_diff(c, &nd, "run %s (%s) is not in the index", x->id,
				   x->path ? x->path : x->archive);
			continue;
		}
		if (d > 0) {
			const struct bt_store_entry *e = ent[k++];
			if (is_bad_archive(c, e->archive))
				continue;
			index_diff(c, &nd, "lists run %s at %s, which has no valid run file",
				   e->run_id, e->path ? e->path : e->archive ? e->archive : "?");
			continue;
		}
		const struct vexp *x = &exp[i++];
		const struct bt_store_entry *e = ent[k++];
		const char *xl = x->path ? x->path : x->archive;
		const char *el = e->path ? e->path : e->archive ? e->archive : "nowhere";
		const char *xt = tags_text(c, x->tags, x->n_tags);
		const char *et = tags_text(c, e->tags, e->n_tags);
		if (!xt || !et) {
			free(exp);
			free(ent);
			return BT_ENOMEM;
		}
		if ((x->path && (!e->path || strcmp(x->path, e->path))) ||
		    (x->archive && (!e->archive || strcmp(x->archive, e->archive))))
			index_diff(c, &nd, "run %s is at %s, the index says %s", x->id, xl, el);
		else if (strcmp(x->type, e->type) || strcmp(x->ts, e->timestamp) ||
			 x->n_results != e->n_results)
			index_diff(c, &nd, "run %s: type, timestamp or number of results "
				   "differ from %s", x->id, xl);
		else if (strcmp(xt, et))
			index_diff(c, &nd, "run %s: tags '%s', the files say '%s'", x->id,
				   et, xt);
	}
	if (nd > MAX_INDEX_NOTES)
		vnote_f(c, "problem", "index.db", "and %zu more differences from "
			"the files", nd - MAX_INDEX_NOTES);
	free(exp);
	free(ent);
	return 0;
}

/* README.md against the text bt_store_write_readme gives for the index's
 * runs l (as check_index read them), rendered here: nothing is written. */
static int check_readme(struct ctx *c, const struct bt_store_list *l)
{
	char *have = NULL;
	size_t hl = 0;
	struct bt_strbuf want = BT_STRBUF_INIT;
	int rc = bt__store_readme_render(l, &want);
	if (rc) { /* out of memory */
		bt_strbuf_release(&want);
		return rc;
	}
	const char *p = abs_path(c, "README.md");
	int hr = p ? bt__read_file(p, README_CAP, &have, &hl, NULL) : BT_ENOMEM;
	if (hr == BT_ENOMEM)
		rc = hr;
	else if (hr == BT_ENOTFOUND)
		problem(c, "README.md", "missing");
	else if (hr || hl != want.len || memcmp(have, want.buf, want.len) != 0)
		problem(c, "README.md", "not what the index gives (edited by hand, "
			"or an interrupted write)");
	else
		hr = -1;
	if (hr != -1)
		c->readme_bad = 1;
	free(have);
	bt_strbuf_release(&want);
	return rc;
}

static int check_index(struct ctx *c)
{
	void *h = NULL;
	struct bt_strbuf err = BT_STRBUF_INIT;
	const char *idx = abs_path(c, "index.db");
	if (!idx)
		return BT_ENOMEM;
	int rc = bt__store_index_open(c->st, &h, 1, &err);
	if (rc == BT_ENOTFOUND) {
		bt_strbuf_release(&err);
		if (c->n_good || c->n_arch) {
			problem(c, "index.db", "missing (the store has %zu runs)",
				c->n_good + c->n_arch);
			c->index_bad = 1;
		}
		return 0; /* nothing to render README.md from */
	}
	if (rc == BT_ENOMEM) {
		bt_strbuf_release(&err);
		return rc;
	}
	if (rc) {
		problem(c, "index.db", "cannot be opened: %s",
			strip_path_c(c, bt_strbuf_str(&err), idx));
		c->index_bad = 1;
		bt_strbuf_release(&err);
		return 0;
	}
	rc = c->st->ops->check(h, &err);
	if (rc) {
		c->st->ops->close(h);
		if (rc == BT_ENOMEM) {
			bt_strbuf_release(&err);
			return rc;
		}
		problem(c, "index.db", "integrity check failed: %s",
			strip_path_c(c, bt_strbuf_str(&err), idx));
		c->index_bad = 1;
		bt_strbuf_release(&err);
		return 0;
	}
	struct bt_store_filter all = { .include_archived = 1 };
	struct bt_store_list l;
	memset(&l, 0, sizeof l);
	rc = c->st->ops->query(h, &all, &l, &err);
	c->st->ops->close(h);
	if (rc && rc != BT_ENOMEM) {
		problem(c, "index.db", "cannot be read: %s",
			strip_path_c(c, bt_strbuf_str(&err), idx));
		c->index_bad = 1;
		rc = 0;
	} else if (!rc) {
		rc = compare_index(c, &l);
		if (!rc)
			rc = check_readme(c, &l);
	}
	bt_store_list_release(&l);
	bt_strbuf_release(&err);
	return rc;
}

/* --- repairs of the derived files ----------------------------------------- */

static void relock(struct ctx *c)
{
	struct bt_strbuf err = BT_STRBUF_INIT;
	c->lock = bt__store_lock(c->st->dir, &err);
	if (c->lock < 0) {
		repair_failed(c, c->lock, &err);
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
			repair_failed(c, rc, &err);
		} else {
			reindexed = 1;
			repaired(c, "index.db", "rebuilt from the files: %zu runs, %zu results",
				 runs, results);
		}
		bt_strbuf_release(&err);
	}
	for (size_t i = 0; i < c->n_latest_fix; i++)
		fix_latest(c, c->latest_fix[i], reindexed);
	if (c->readme_bad && reindexed) {
		repaired(c, "README.md", "rewritten from the rebuilt index");
	} else if (c->readme_bad && !c->index_bad) {
		struct bt_strbuf err = BT_STRBUF_INIT;
		int rc = bt_store_write_readme(c->st, &err);
		if (rc)
			repair_failed(c, rc, &err);
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
	    (rc = scan_leftovers(&c)) || (rc = scan_by_date(&c)) ||
	    (rc = scan_archives(&c)) || (rc = check_index(&c)) ||
	    (rc = check_latest(&c)))
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
