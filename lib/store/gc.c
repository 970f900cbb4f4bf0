/* Retention: old runs move into monthly archives (bt_store_gc) and come
 * back on demand (bt_store_restore). See include/benchtrack/store.h and
 * lib/store/archives.h for the member layout.
 *
 * Crash safety: a run is always in its directory or in a complete archive
 * (possibly both for a moment). An archive is only ever replaced whole: a
 * new one is written next to it (YYYY-MM.tar.gz.tmp.<pid>), fsync'd and
 * renamed over it. gc removes a run directory only after the archive that
 * holds it is durable and the index names it, and removes it by renaming
 * it out of by-type/ first (into STORE/.tmp/<name>.gc.<pid>), so that a
 * crash never leaves half a directory; restore rewrites the archive only
 * after the run directory is back in place. What a crash leaves is
 * finished from what is on disk by the next gc (and by verify --repair,
 * bt__gc_recover): a run both in by-type/ and, intact, in the archive of
 * its month loses its directory; one whose copies differ keeps its
 * directory and leaves the archive; temporary files of processes that
 * are gone are removed.
 *
 * Files: this one selects and archives (gc) and brings runs back
 * (restore), with the steps they share with the recovery (storeint.h);
 * gc_recover.c is the recovery, archive_write.c the rewriting of an
 * archive (archives.h).
 */
#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "archives.h"
#include "index.h"
#include "storeint.h"
#include "pgint.h"
#include "internal.h"

#define DEFAULT_KEEP_DAYS 30

/* --- small helpers ----------------------------------------------------- */

/* 1 when s is usable as one path component from an archive or the index:
 * not empty, no '/', not starting with '.'. */
int bt__gc_plain_name(const char *s, size_t n)
{
	if (n == 0 || s[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '/' || s[i] == '\0')
			return 0;
	return 1;
}

/* The run directory name of an index path "by-type/<type>/<name>/run.json"
 * (malloc'd), and in *dirlen the length of its directory part; NULL when
 * path has another shape (or out of memory). */
static char *run_dir_name(const char *path, size_t *dirlen)
{
	static const char sfx[] = "/run.json";
	size_t n = path ? strlen(path) : 0, k = sizeof sfx - 1;
	if (strncmp(path ? path : "", "by-type/", 8) != 0 || n <= 8 + k ||
	    strcmp(path + n - k, sfx) != 0 || strstr(path, "/../") ||
	    strstr(path, "/./"))
		return NULL;
	const char *end = path + n - k, *start = end;
	while (start > path && start[-1] != '/')
		start--;
	if (!bt__gc_plain_name(start, (size_t)(end - start)))
		return NULL;
	*dirlen = (size_t)(end - path);
	return strndup(start, (size_t)(end - start));
}

/* --- index helpers ----------------------------------------------------- */

/* Query through the open index h into l (given its own arena). */
static int query(struct bt_store *st, void *h, const struct bt_store_filter *f,
		 struct bt_store_list *l, struct bt_strbuf *err)
{
	memset(l, 0, sizeof *l);
	if (!(l->arena = bt__arena_new()))
		return BT_ENOMEM;
	return st->ops->query(h, f, l, err);
}

/* Sets the location of the runs ids[0..n) to loc in one transaction. */
static int relocate(struct bt_store *st, void *h, const char *const *ids,
		    size_t n, const struct bt_index_loc *loc, struct bt_strbuf *err)
{
	int rc = st->ops->begin(h, err);
	for (size_t i = 0; !rc && i < n; i++)
		rc = st->ops->set_location(h, ids[i], loc, err);
	if (rc)
		st->ops->rollback(h);
	else
		rc = st->ops->commit(h, err);
	return rc;
}

/* latest/<type>.json after runs of type left by-type/: it follows the
 * newest run still there, and is removed when none is left (it must never
 * name a removed directory). Called with the lock held. */
int bt__gc_follow_latest(struct bt_store *st, void *h, const char *type,
			 struct bt_strbuf *err)
{
	int rc = bt__store_update_latest(st, h, type, err);
	if (rc)
		return rc;
	struct bt_store_filter f = { .type = type, .limit = 1 };
	struct bt_store_list l;
	rc = query(st, h, &f, &l, err);
	if (!rc && (l.n == 0 || !l.items[0].path)) {
		char *link = bt__pathf("%s/latest/%s.json", st->dir, type);
		if (!link)
			rc = BT_ENOMEM;
		else if (unlink(link) != 0 && errno != ENOENT)
			rc = bt_error(err, BT_EIO, "%s: %s", link, strerror(errno));
		else
			bt__fsync_parent(link);
		free(link);
	}
	bt_store_list_release(&l);
	return rc;
}

/* --- crash points (tests) ----------------------------------------------- */

/* With BT_GC_KILL_AT=N in the environment (for tests only: they check
 * that a gc killed at any of its steps leaves a store the next gc heals),
 * gc raises SIGKILL at its N-th step. Read afresh by each bt_store_gc. */
static long kill_at, kill_step;

static void kill_reset(void)
{
	const char *e = getenv("BT_GC_KILL_AT");
	kill_at = e && *e ? strtol(e, NULL, 10) : 0;
	kill_step = 0;
}

static void crash_point(void)
{
	if (kill_at > 0 && ++kill_step == kill_at)
		raise(SIGKILL);
}

/* Removes the run directory rundir whole: renamed out of by-type/ (into
 * STORE/.tmp/<name>.gc.<pid>) first, so that a crash leaves either the
 * whole directory or a leftover that the next gc removes. */
int bt__gc_remove_run_dir(struct bt_store *st, const char *rundir,
			  const char *name, struct bt_strbuf *err)
{
	char *tmpd = bt__pathf("%s/.tmp", st->dir);
	char *away = bt__pathf("%s/.tmp/%s.gc.%ld", st->dir, name, (long)getpid());
	int rc = !tmpd || !away ? BT_ENOMEM : bt__mkdir_p(tmpd, err);
	if (!rc)
		rc = bt__rm_tree(away, err);
	if (!rc && rename(rundir, away) != 0) {
		if (errno != ENOENT)
			rc = bt_error(err, BT_EIO, "%s: %s", rundir, strerror(errno));
	} else if (!rc) {
		bt__fsync_parent(rundir);
		crash_point();
		rc = bt__rm_tree(away, err);
	}
	free(tmpd);
	free(away);
	return rc;
}

/* The by-date directory (malloc'd, NULL without memory) that holds the
 * link of the run directory name ("YYYY-MM-DD-...") of type. */
static char *date_dir(struct bt_store *st, const char *type, const char *name)
{
	return bt__pathf("%s/by-date/%.7s/%.2s/%s", st->dir, name, name + 8, type);
}

/* Removes the by-date link of the run directory name ("YYYY-MM-DD-...")
 * of type, and the date directories it leaves empty. */
int bt__gc_remove_date_link(struct bt_store *st, const char *type,
			    const char *name, struct bt_strbuf *err)
{
	char *dir = date_dir(st, type, name);
	char *link = dir ? bt__pathf("%s/%s", dir, name) : NULL;
	free(dir);
	char *top = bt__pathf("%s/by-date", st->dir);
	int rc = !link || !top ? BT_ENOMEM : bt__rm_tree(link, err);
	/* and the date directories it leaves empty (under the lock, which
	 * bt_store_put holds to make them) */
	if (!rc)
		rc = bt__rmdir_empty_parents(link, top);
	free(link);
	free(top);
	return rc;
}

/* Makes (or replaces) the by-date link of the run directory name
 * ("YYYY-MM-DD-...") of type. */
int bt__gc_make_date_link(struct bt_store *st, const char *type,
			  const char *name, struct bt_strbuf *err)
{
	char *dir = date_dir(st, type, name);
	char *link = dir ? bt__pathf("%s/%s", dir, name) : NULL;
	char *target = bt__pathf("../../../../by-type/%s/%s", type, name);
	char *rundir = bt__pathf("%s/by-type/%s/%s", st->dir, type, name);
	int rc = !dir || !link || !target || !rundir ? BT_ENOMEM
		: bt__mkdir_p(dir, err);
	if (!rc)
		rc = bt__replace_symlink(target, link, rundir, err);
	free(dir);
	free(link);
	free(target);
	free(rundir);
	return rc;
}

/* --- gc ---------------------------------------------------------------- */

/* "YYYY-MM-DDTHH:MM:SSZ" keep_days before now (o_now, or the clock). */
static int cutoff_time(const char *o_now, int keep_days, char out[32],
		       struct bt_strbuf *err)
{
	time_t t;
	if (o_now) {
		/* exactly this shape, read by the one timestamp parser */
		static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
		const char *end = NULL;
		int bad = strlen(o_now) != sizeof shape - 1;
		for (size_t i = 0; !bad && shape[i]; i++)
			bad = shape[i] == 'd' ? !isdigit((unsigned char)o_now[i])
				: o_now[i] != shape[i];
		if (bad || bt__parse_time(o_now, &t, &end) || *end)
			return bt_error(err, BT_EINVAL, "now '%s': expected "
					"YYYY-MM-DDTHH:MM:SSZ", o_now);
	} else {
		t = time(NULL);
	}
	t -= (time_t)keep_days * 86400;
	struct tm tm;
	if (!gmtime_r(&t, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		return bt_error(err, BT_EINVAL, "keep_days %d: out of range", keep_days);
	return 0;
}

/* A run chosen for the archive. */
struct cand {
	const struct bt_store_entry *e;
	char *name;    /* run directory name (member directory) */
	char *rundir;  /* absolute */
	char *file;    /* rundir/run.json */
	char month[8]; /* "YYYY-MM" */
	int ok;        /* checked, goes into the archive */
	int done;      /* its month was handled */
};

static void cands_free(struct cand *c, size_t n)
{
	for (size_t i = 0; c && i < n; i++) {
		free(c[i].name);
		free(c[i].rundir);
		free(c[i].file);
	}
	free(c);
}

/* Checks, under the lock, that c can go into an archive: its run.json
 * parses and is the run the index says, neither it nor its directory nor
 * its tags file is a symbolic link, and its tags file does not say
 * milestone. Problems are reported as note("skip", ...) and leave c->ok 0;
 * only running out of memory is an error. */
static int check_cand(struct bt_store *st, struct cand *c, bt_store_note_fn note,
		      void *ud)
{
	struct bt_strbuf why = BT_STRBUF_INIT, terr = BT_STRBUF_INIT;
	struct bt_run run;
	struct bt_arena *a = bt__arena_new();
	const char **tags = NULL;
	size_t nt = 0;
	int rc = bt_run_init(&run);
	if (rc || !a) {
		bt_run_release(&run);
		bt__arena_free(a);
		return BT_ENOMEM;
	}
	/* the run directory and its files as the store wrote them: a link
	 * out of the store is never copied into an archive */
	rc = bt__store_nolink(st->dir, c->file, 0, &why);
	if (!rc)
		rc = bt_run_read_file(&run, c->file, &why);
	if (rc == BT_ENOMEM)
		goto out;
	if (rc) {
		bt_strbuf_addf(&why, "; not archived (`benchtrack verify` checks the store)");
	} else if (!run.run_id || strcmp(run.run_id, c->e->run_id) != 0) {
		bt_error(&why, BT_EINVAL, "holds run %s, the index says %s; not "
			 "archived (`benchtrack reindex` rebuilds the index)",
			 run.run_id ? run.run_id : "?", c->e->run_id);
	} else if ((rc = bt__store_read_tags(c->rundir, a, &tags, &nt, &terr)) == BT_ENOMEM) {
		goto out;
	} else if (rc) {
		/* the reader's own reason (e.g. "a symbolic link") */
		if (terr.len)
			bt_error(&why, rc, "%s; not archived", terr.buf);
		else
			bt_error(&why, rc, "%s/tags: cannot be read; not archived", c->rundir);
	} else {
		c->ok = 1;
		for (size_t i = 0; i < nt; i++)
			if (strcmp(tags[i], "milestone") == 0)
				c->ok = 0;
		if (!c->ok)
			bt_error(&why, BT_EINVAL, "tagged milestone; not archived");
	}
	rc = 0;
	if (!c->ok && note)
		note(ud, "skip", c->file, bt_strbuf_str(&why));
out:
	bt_run_release(&run);
	bt__arena_free(a);
	bt_strbuf_release(&why);
	bt_strbuf_release(&terr);
	return rc;
}

/* Moves the checked runs of one month (c[idx[0..n)]) into
 * archive/<month>.tar.gz: the new archive (old members, then these runs)
 * replaces the old one durably; then the index names the archive; then
 * latest/ follows; then the by-date links and run directories go. */
static int archive_month(struct bt_store *st, void *h, struct cand *c,
			 const size_t *idx, size_t n, int keep,
			 bt_store_note_fn note, void *ud, size_t *count,
			 struct bt_strbuf *err)
{
	const char *month = c[idx[0]].month;
	char *rel = bt__pathf("archive/%s.tar.gz", month);
	char *adir = bt__pathf("%s/archive", st->dir);
	char *final = rel ? bt__pathf("%s/%s", st->dir, rel) : NULL;
	const char **names = calloc(n + 1, sizeof *names);
	const char **ids = calloc(n + 1, sizeof *ids);
	struct bt__awriter w;
	int rc = 0;
	size_t k = 0;
	if (!rel || !adir || !final || !names || !ids) {
		rc = BT_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (c[idx[i]].ok) {
			names[k] = c[idx[i]].name;
			ids[k++] = c[idx[i]].e->run_id;
		}
	if (k == 0)
		goto out;
	if ((rc = bt__mkdir_p(adir, err)) || (rc = bt__aw_open(&w, final, err)))
		goto out;
	/* old members first; a run already there (left by a crash) is
	 * written again from its directory, once */
	rc = bt__aw_copy(&w, final, names, k, err);
	for (size_t i = 0; !rc && i < n; i++) {
		struct cand *x = &c[idx[i]];
		if (!x->ok)
			continue;
		char *m = bt__pathf("%s/run.json", x->name);
		char *mt = bt__pathf("%s/tags", x->name);
		char *tf = bt__pathf("%s/tags", x->rundir);
		rc = !m || !mt || !tf ? BT_ENOMEM : bt__aw_add_file(&w, m, x->file, 0, err);
		if (!rc)
			rc = bt__aw_add_file(&w, mt, tf, 1, err);
		free(m);
		free(mt);
		free(tf);
	}
	if (rc) {
		bt__aw_abort(&w);
		goto out;
	}
	crash_point();
	if ((rc = bt__aw_commit(&w, final, err)))
		goto out;
	crash_point();

	/* durable: from here on the runs are safe in the archive */
	struct bt_index_loc loc = { NULL, rel };
	if ((rc = relocate(st, h, ids, k, &loc, err))) {
		struct bt_strbuf m = BT_STRBUF_INIT;
		bt_strbuf_addf(&m, "archived %zu runs into %s, but the index: %s; "
			       "their directories are kept (`benchtrack gc` again "
			       "finishes)", k, final, bt_strbuf_str(err));
		bt_error(err, rc, "%s", bt_strbuf_str(&m));
		bt_strbuf_release(&m);
		goto out;
	}
	crash_point();
	for (size_t i = 0; !rc && i < n; i++) {
		const char *type = c[idx[i]].e->type;
		int seen = !c[idx[i]].ok;
		for (size_t j = 0; j < i && !seen; j++)
			seen = c[idx[j]].ok && strcmp(c[idx[j]].e->type, type) == 0;
		if (!seen)
			rc = bt__gc_follow_latest(st, h, type, err);
	}
	crash_point();
	if (rc) {
		/* latest/ might still name a run directory: keep them all */
		bt__store_half_done(err, rc, "their directories are kept",
				    "archived runs into %s", final);
		goto out;
	}
	/* remove what the archive now holds; go on past a failure so that as
	 * little as possible is left half-done, report the first one */
	for (size_t i = 0; i < n; i++) {
		struct cand *x = &c[idx[i]];
		if (!x->ok)
			continue;
		int r = bt__gc_remove_date_link(st, x->e->type, x->name, rc ? NULL : err);
		crash_point();
		if (!r)
			r = bt__gc_remove_run_dir(st, x->rundir, x->name, rc ? NULL : err);
		crash_point();
		if (!r) {
			(*count)++;
			if (note) {
				struct bt_strbuf m = BT_STRBUF_INIT;
				bt_strbuf_addf(&m, "older than %d days; now in %s", keep, rel);
				note(ud, "archive", x->file, bt_strbuf_str(&m));
				bt_strbuf_release(&m);
			}
		}
		if (r && !rc)
			rc = r;
	}
	if (rc)
		bt__store_half_done(err, rc, NULL, "archived runs into %s", final);
out:
	free(rel);
	free(adir);
	free(final);
	free(names);
	free(ids);
	return rc;
}

int bt_store_gc(struct bt_store *st, const struct bt_gc_opts *o,
		bt_store_note_fn note, void *ud, size_t *n_archived,
		struct bt_strbuf *err)
{
	size_t count = 0;
	int keep = o && o->keep_days ? o->keep_days : DEFAULT_KEEP_DAYS;
	int dry = o && o->dry_run;
	char cutoff[32];
	if (n_archived)
		*n_archived = 0;
	if (keep < 0)
		return bt_error(err, BT_EINVAL, "keep_days %d: expected a positive "
				"number of days", keep);
	int rc = cutoff_time(o ? o->now : NULL, keep, cutoff, err);
	if (rc)
		return rc;
	if (st->pg) {
		if (!dry && (st->flags & BT_STORE_READONLY))
			return bt_error(err, BT_EINVAL, "%s: store opened read-only", st->dir);
		return bt__pg_gc(st, cutoff, dry, note, ud, n_archived, err);
	}
	if (!dry && (st->flags & BT_STORE_READONLY))
		return bt_error(err, BT_EINVAL, "%s: store opened read-only", st->dir);

	int lock = -1;
	void *h = NULL;
	struct bt_store_list l;
	struct cand *c = NULL;
	size_t nc = 0, *idx = NULL;
	memset(&l, 0, sizeof l);
	kill_reset();
	if (!dry && (lock = bt__store_lock(st->dir, err)) < 0)
		return lock;
	/* first what an interrupted gc left, from what is on disk */
	if (!dry && (rc = bt__gc_recover(st, note, ud, &count, err)))
		goto out;
	rc = bt__store_index_open(st, &h, dry, err);
	if (rc == BT_ENOTFOUND && dry) {
		/* no index yet: nothing is stored */
		h = NULL;
		rc = 0;
		goto out;
	}
	if (rc) {
		h = NULL;
		goto out;
	}
	struct bt_store_filter f = { .include_archived = 0 };
	if ((rc = query(st, h, &f, &l, err)))
		goto out;
	if (!(c = calloc(l.n + 1, sizeof *c)) || !(idx = calloc(l.n + 1, sizeof *idx))) {
		rc = BT_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < l.n; i++) {
		const struct bt_store_entry *e = &l.items[i];
		char y[5], mo[3], d[3], hm[5];
		size_t dl = 0;
		if (e->archive || !e->path || e->milestone || !e->timestamp ||
		    strcmp(e->timestamp, cutoff) >= 0)
			continue;
		struct cand *x = &c[nc];
		x->e = e;
		if (bt__store_split_time(e->timestamp, y, mo, d, hm) ||
		    !bt__store_valid_type(e->type) || !(x->name = run_dir_name(e->path, &dl))) {
			free(x->name);
			x->name = NULL;
			if (note) {
				char *p = bt__pathf("%s/%s", st->dir, e->path);
				note(ud, "skip", p ? p : e->path, "the index gives an unexpected "
				     "timestamp, type or path; not archived (`benchtrack "
				     "reindex` rebuilds the index)");
				free(p);
			}
			continue;
		}
		snprintf(x->month, sizeof x->month, "%s-%s", y, mo);
		x->rundir = bt__pathf("%s/%.*s", st->dir, (int)dl, e->path);
		x->file = bt__pathf("%s/%s", st->dir, e->path);
		nc++;
		if (!x->rundir || !x->file) {
			rc = BT_ENOMEM;
			goto out;
		}
	}
	/* the same checks in a dry run (they only read), so that it lists
	 * what a real gc would move and skips what it would skip */
	for (size_t i = 0; !rc && i < nc; i++)
		rc = check_cand(st, &c[i], note, ud);
	if (dry) {
		/* oldest first, as the archives fill */
		for (size_t i = nc; !rc && i-- > 0;) {
			if (!c[i].ok)
				continue;
			if (note) {
				struct bt_strbuf m = BT_STRBUF_INIT;
				bt_strbuf_addf(&m, "older than %d days", keep);
				note(ud, "archive", c[i].file, bt_strbuf_str(&m));
				bt_strbuf_release(&m);
			}
			count++;
		}
		goto out;
	}
	/* one archive per month, the oldest month first */
	while (!rc) {
		const char *month = NULL;
		for (size_t i = 0; i < nc; i++)
			if (!c[i].done && (!month || strcmp(c[i].month, month) < 0))
				month = c[i].month;
		if (!month)
			break;
		/* the list is newest first: runs go in oldest first */
		size_t n = 0;
		for (size_t i = nc; i-- > 0;)
			if (!c[i].done && strcmp(c[i].month, month) == 0)
				idx[n++] = i;
		for (size_t i = 0; i < n; i++)
			c[idx[i]].done = 1;
		rc = archive_month(st, h, c, idx, n, keep, note, ud, &count, err);
	}
out:
	if (h)
		st->ops->close(h);
	if (!dry && lock >= 0) {
		/* README.md follows even after a partial failure (and after a
		 * gc killed before it wrote it) */
		struct bt_strbuf e2 = BT_STRBUF_INIT;
		int r = bt_store_write_readme(st, rc ? &e2 : err);
		if (!rc)
			rc = r;
		bt_strbuf_release(&e2);
	}
	bt__store_unlock(lock);
	bt_store_list_release(&l);
	cands_free(c, nc);
	free(idx);
	if (n_archived)
		*n_archived = count;
	return rc;
}

/* --- restore ----------------------------------------------------------- */


/* Finds the run ref names: a run id or unique prefix (looked up in l,
 * every run, archived ones included), else a commit hash or prefix (the
 * runs at it go into cl, released by the caller): the newest archived run
 * at that commit, or the newest run when none is archived. */
static int find_run(struct bt_store *st, void *h, const char *ref,
		    const struct bt_store_list *l, struct bt_store_list *cl,
		    struct bt_arena *a, const struct bt_store_entry **out,
		    struct bt_strbuf *err)
{
	*out = NULL;
	if (!bt__is_hex(ref, 4, SIZE_MAX))
		return bt_error(err, BT_ENOTFOUND, "'%s': not a run id or commit "
				"(at least 4 hex digits)", ref);
	const char **ids = NULL;
	size_t n = 0;
	int rc = st->ops->find_prefix(h, ref, &ids, &n, 8, a, err);
	if (rc)
		return rc;
	if (n > 1) {
		struct bt_strbuf m = BT_STRBUF_INIT;
		for (size_t i = 0; i < n; i++)
			bt_strbuf_addf(&m, "%s%s", i ? ", " : "", ids[i]);
		rc = bt_error(err, BT_EINVAL, "run id prefix '%s' is ambiguous: %s%s",
			      ref, bt_strbuf_str(&m), n == 8 ? ", ..." : "");
		bt_strbuf_release(&m);
		return rc;
	}
	if (n == 1) {
		for (size_t i = 0; i < l->n; i++)
			if (strcmp(l->items[i].run_id, ids[0]) == 0) {
				*out = &l->items[i];
				return 0;
			}
	}
	/* not a run id: a commit (newest first) */
	struct bt_store_filter f = { .commit = ref, .include_archived = 1 };
	if ((rc = query(st, h, &f, cl, err)))
		return rc;
	for (size_t i = 0; i < cl->n; i++) {
		const struct bt_store_entry *e = &cl->items[i];
		if (!*out)
			*out = e;
		if (e->archive) {
			*out = e;
			break;
		}
	}
	if (!*out)
		return bt_error(err, BT_ENOTFOUND, "%s: no run id or commit '%s'",
				st->dir, ref);
	return 0;
}

/* Writes the files of run id's directory in the archive at arch into dir
 * (which exists); *name receives the member directory name (malloc'd).
 * That directory is the one whose "run.json" holds the run id (its name
 * ends with the first 8 digits of the id). BT_ENOTFOUND when the archive
 * holds no such run. */
static int extract_run(const char *arch, const char *id, const char *dir,
		       char **name, struct bt_strbuf *err)
{
	struct archive *ar;
	*name = NULL;
	int rc = bt__tar_open_existing(&ar, arch, err);
	if (rc == BT_ENOTFOUND)
		return bt_error(err, BT_ENOTFOUND, "%s: no such archive", arch);
	if (rc)
		return rc;
	struct archive_entry *e;
	size_t idl = strlen(id) < 8 ? strlen(id) : 8;
	int more;
	const char *p;
	size_t dl;
	while ((more = bt__tar_next_file(ar, arch, &e, &p, &dl, err)) == 1) {
		const char *rest = p + dl + 1;
		int mine = *name && strlen(*name) == dl && strncmp(p, *name, dl) == 0;
		int candidate = !*name && strcmp(rest, "run.json") == 0 && dl > idl &&
			p[dl - idl - 1] == '-' && strncasecmp(p + dl - idl, id, idl) == 0 &&
			bt__gc_plain_name(p, dl);
		if ((!mine && !candidate) || !bt__gc_plain_name(rest, strlen(rest)))
			continue;
		char *data = NULL, *out = NULL;
		size_t len = 0;
		if ((rc = bt__tar_read_member(ar, BT__MEMBER_CAP, arch, p, &data, &len, err)))
			break;
		if (candidate) {
			struct bt_run run;
			struct bt_strbuf e2 = BT_STRBUF_INIT;
			bt_run_init(&run);
			int r = bt_run_from_json(&run, data, len, p, &e2);
			candidate = !r && run.run_id && strcmp(run.run_id, id) == 0;
			bt_run_release(&run);
			bt_strbuf_release(&e2);
			if (candidate && !(*name = strndup(p, dl)))
				rc = BT_ENOMEM;
		}
		if (!rc && (mine || candidate)) {
			if (!(out = bt__pathf("%s/%s", dir, rest)))
				rc = BT_ENOMEM;
			else
				rc = bt__write_file_atomic(out, data, len, err);
		}
		free(out);
		free(data);
		if (rc)
			break;
	}
	archive_read_free(ar);
	if (!rc && more < 0)
		rc = more;
	if (rc) {
		free(*name);
		*name = NULL;
		return rc;
	}
	if (!*name)
		return bt_error(err, BT_ENOTFOUND, "%s: holds no run %s (`benchtrack "
				"reindex` rebuilds the index)", arch, id);
	return 0;
}

int bt_store_restore(struct bt_store *st, const char *ref, char **path,
		     struct bt_strbuf *err)
{
	if (path)
		*path = NULL;
	if (st->flags & BT_STORE_READONLY)
		return bt_error(err, BT_EINVAL, "%s: store opened read-only", st->dir);
	if (!ref || !*ref)
		return bt_error(err, BT_EINVAL, "empty run reference");
	if (st->pg)
		return bt__pg_restore(st, ref, path, err);
	int lock = bt__store_lock(st->dir, err);
	if (lock < 0)
		return lock;
	void *h = NULL;
	struct bt_store_list l, cl;
	struct bt_arena *a = bt__arena_new();
	const struct bt_store_entry *e = NULL;
	char *arch = NULL, *tmpdir = NULL, *name = NULL, *typedir = NULL;
	char *rundir = NULL, *rel = NULL, *datedir = NULL, *datelink = NULL;
	char *datetarget = NULL;
	char y[5], mo[3], d[3], hm[5];
	int rc = 0, placed = 0;
	memset(&l, 0, sizeof l);
	memset(&cl, 0, sizeof cl);
	if (!a) {
		rc = BT_ENOMEM;
		goto out;
	}
	if ((rc = bt__store_index_open(st, &h, 0, err))) {
		h = NULL;
		goto out;
	}
	struct bt_store_filter f = { .include_archived = 1 };
	if ((rc = query(st, h, &f, &l, err)) ||
	    (rc = find_run(st, h, ref, &l, &cl, a, &e, err)))
		goto out;
	if (!e->archive) {
		rc = bt_error(err, BT_EINVAL, "run %s is not archived (it is %s/%s)",
			      e->run_id, st->dir, e->path ? e->path : "?");
		goto out;
	}
	if (strncmp(e->archive, "archive/", 8) != 0 || strstr(e->archive, "..") ||
	    !bt__store_valid_type(e->type) ||
	    bt__store_split_time(e->timestamp, y, mo, d, hm)) {
		rc = bt_error(err, BT_EINVAL, "run %s: the index gives an unexpected "
			      "archive, type or timestamp (`benchtrack reindex` "
			      "rebuilds the index)", e->run_id);
		goto out;
	}
	arch = bt__pathf("%s/%s", st->dir, e->archive);
	tmpdir = bt__pathf("%s/.tmp/%s.restore.%ld", st->dir, e->run_id, (long)getpid());
	typedir = bt__pathf("%s/by-type/%s", st->dir, e->type);
	datedir = bt__pathf("%s/by-date/%s-%s/%s/%s", st->dir, y, mo, d, e->type);
	if (!arch || !tmpdir || !typedir || !datedir) {
		rc = BT_ENOMEM;
		goto out;
	}
	if ((rc = bt__rm_tree(tmpdir, err)) || (rc = bt__mkdir_p(tmpdir, err)) ||
	    (rc = bt__mkdir_p(typedir, err)) || (rc = bt__mkdir_p(datedir, err)) ||
	    (rc = extract_run(arch, e->run_id, tmpdir, &name, err)))
		goto out;
	rundir = bt__pathf("%s/%s", typedir, name);
	rel = bt__pathf("by-type/%s/%s/run.json", e->type, name);
	datelink = bt__pathf("%s/%s", datedir, name);
	datetarget = bt__pathf("../../../../by-type/%s/%s", e->type, name);
	if (!rundir || !rel || !datelink || !datetarget) {
		rc = BT_ENOMEM;
		goto out;
	}
	/* the run appears whole: its directory is renamed into place */
	if (rename(tmpdir, rundir) != 0) {
		int en = errno;
		char *f2 = bt__pathf("%s/run.json", rundir);
		struct stat s;
		if ((en == EEXIST || en == ENOTEMPTY) && f2 && stat(f2, &s) == 0) {
			/* still there (a crash between archiving and removing):
			 * the directory is the record */
			rc = bt__rm_tree(tmpdir, err);
		} else {
			rc = bt_error(err, BT_EIO, "%s: %s", rundir, strerror(en));
		}
		free(f2);
		if (rc)
			goto out;
	}
	placed = 1;
	bt__fsync_parent(rundir);
	if ((rc = bt__replace_symlink(datetarget, datelink, rundir, err)))
		goto out;
	/* the run is back: only now does it leave its archive */
	struct bt__awriter w;
	const char *skip[1] = { name };
	if ((rc = bt__aw_open(&w, arch, err)))
		goto out;
	if ((rc = bt__aw_copy(&w, arch, skip, 1, err))) {
		bt__aw_abort(&w);
		goto out;
	}
	if ((rc = bt__aw_commit(&w, arch, err)))
		goto out;
	struct bt_index_loc loc = { rel, NULL };
	const char *ids[1] = { e->run_id };
	if ((rc = relocate(st, h, ids, 1, &loc, err)) ||
	    (rc = bt__store_update_latest(st, h, e->type, err)))
		goto out;
	st->ops->close(h);
	h = NULL;
	rc = bt_store_write_readme(st, err);
out:
	if (rc && placed)
		bt__store_half_done(err, rc, NULL, "restored %s", rundir);
	if (tmpdir && !placed)
		bt__rm_tree(tmpdir, NULL);
	if (h)
		st->ops->close(h);
	bt__store_unlock(lock);
	if (!rc && path && !(*path = bt__pathf("%s/run.json", rundir)))
		rc = BT_ENOMEM;
	bt_store_list_release(&l);
	bt_store_list_release(&cl);
	bt__arena_free(a);
	free(arch);
	free(tmpdir);
	free(name);
	free(typedir);
	free(rundir);
	free(rel);
	free(datedir);
	free(datelink);
	free(datetarget);
	return rc;
}
