/* The links a verify derives from the runs (verifyint.h): by-date/
 * <month>/<day>/<type>/<run> and latest/<type>.json. A link is right when
 * it leads to the run directory (or, where symbolic links cannot be made,
 * is a copy); a misplaced run's link follows it when it is moved.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "verifyint.h"

/* The run directory of r now (relative). */
static const char *run_now(const struct vrun *r)
{
	return r->action == RUN_MOVE && !r->moved ? r->cur : r->dest;
}

static struct vrun *find_good(struct ctx *c, const char *type, const char *name)
{
	struct vrun key = { .type = type, .name = name }, *kp = &key;
	struct vrun **f = bsearch(&kp, c->good, c->n_good, sizeof *c->good, bt__verify_cmp_name);
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
	return bt__verify_afmt(c, "../../../../%s", r->dest);
}

static const char *date_link(struct ctx *c, const struct vrun *r)
{
	return bt__verify_afmt(c, "by-date/%s/%s/%s/%s", r->ym, r->day, r->type, r->name);
}

/* Makes (or replaces) the by-date link of r. */
static int make_date_link(struct ctx *c, const struct vrun *r,
			  struct bt_strbuf *err)
{
	const char *rel = date_link(c, r), *target = date_target(c, r);
	const char *dir = bt__verify_afmt(c, "%s/by-date/%s/%s/%s", c->st->dir, r->ym, r->day,
					  r->type);
	const char *link = rel ? bt__verify_abs_path(c, rel) : NULL;
	const char *rundir = bt__verify_abs_path(c, r->dest);
	if (!target || !dir || !link || !rundir)
		return BT_ENOMEM;
	int rc = bt__mkdir_p(dir, err);
	return rc ? rc : bt__replace_symlink(target, link, rundir, err);
}

/* by-date/YM/DD/T/E. */
static int check_date_entry(struct ctx *c, const char *ym, const char *dd,
			    const char *t, const char *e)
{
	const char *rel = bt__verify_afmt(c, "by-date/%s/%s/%s/%s", ym, dd, t, e);
	const char *p = rel ? bt__verify_abs_path(c, rel) : NULL;
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
		const char *rundir = bt__verify_abs_path(c, run_now(r));
		if (!want || !rundir)
			return BT_ENOMEM;
		int ok;
		if (S_ISLNK(ls.st_mode))
			ok = same_file(p, rundir) ||
			     (r->action == RUN_MOVE && !r->moved && strcmp(target, want) == 0);
		else if (S_ISDIR(ls.st_mode)) /* a copy where symlinks cannot be made */
			ok = access(bt__verify_afmt(c, "%s/run.json", p), F_OK) == 0;
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
				rc = bt__verify_quarantine(c, rel, bt__verify_afmt(c,
						"by-date-%s-%s-%s-%s", ym, dd, t, e), &q, &err);
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
				rc = bt__verify_quarantine(c, rel, bt__verify_afmt(c,
						"by-date-%s-%s-%s-%s", ym, dd, t, e), &q, &err);
			}
			if (!rc && m)
				repaired(c, rel, "removed the link to %s (%s)", m->cur,
					 m->action == RUN_MOVE ? "moved" : "quarantined");
			else if (!rc)
				repaired(c, rel, q ? "moved to %s" : "removed%s", q ? q : "");
		}
	}
	return bt__verify_repair_done(c, rc, &err);
}

/* Visits by-date/<month>/<day>/<type>/<entry>: names[0..3] are the path
 * components below by-date (depth 0 at by-date itself). Hidden entries
 * are skipped; leftovers of interrupted writes are reported (and removed
 * with repair) at the entry level. */
static int walk_by_date(struct ctx *c, const char *dir, const char **names,
			int depth)
{
	int n, rc = 0;
	struct dirent **l = bt__verify_list_dir(dir, &n);
	for (int i = 0; !rc && l && i < n; i++) {
		const char *e = l[i]->d_name;
		names[depth] = e;
		if (depth < 3) {
			if (e[0] == '.')
				continue;
			const char *sub = bt__verify_afmt(c, "%s/%s", dir, e);
			rc = sub ? walk_by_date(c, sub, names, depth + 1) : BT_ENOMEM;
			continue;
		}
		int tl = bt__verify_tmp_leftover(e);
		if (e[0] == '.' || tl == 2)
			continue;
		if (tl == 1) {
			const char *rel = bt__verify_afmt(c, "by-date/%s/%s/%s/%s", names[0],
							  names[1], names[2], e);
			problem(c, rel, "left over from an interrupted write");
			if (c->repair)
				bt__verify_remove_leftover(c, rel);
			continue;
		}
		rc = check_date_entry(c, names[0], names[1], names[2], e);
	}
	if (l)
		bt__verify_free_list(l, n);
	/* a month, day or type directory left empty (by gc before it removed
	 * them, or by the repairs above): rmdir removes only an empty one,
	 * and bt_store_put makes them under the lock, which repair holds */
	if (!rc && l && depth >= 1 && c->repair && rmdir(dir) == 0) {
		const char *rel = bt__verify_afmt(c, "by-date/%s%s%s%s%s", names[0],
						  depth > 1 ? "/" : "", depth > 1 ? names[1] : "",
						  depth > 2 ? "/" : "", depth > 2 ? names[2] : "");
		bt__fsync_parent(dir);
		if (!rel)
			return BT_ENOMEM;
		repaired(c, rel, "removed the empty directory");
	}
	return rc;
}

int bt__verify_scan_by_date(struct ctx *c)
{
	const char *bd = bt__verify_abs_path(c, "by-date");
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
				bt__verify_repair_failed(c, e, &err);
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
		if (bt__verify_cmp_name(&c->good[mid], &kp) < 0)
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
	const char *q = bt__verify_abs_path(c, bt__verify_afmt(c, "%s/run.json", run_now(r)));
	int same = q && !bt__read_file(p, MEMBER_CAP, &x, &xl, NULL) &&
		   !bt__read_file(q, MEMBER_CAP, &y, &yl, NULL) && xl == yl &&
		   memcmp(x, y, xl) == 0;
	free(x);
	free(y);
	return same;
}

int bt__verify_check_latest(struct ctx *c)
{
	/* each type with a run: latest/<type>.json names the newest */
	for (size_t i = 0; i < c->n_good; i++) {
		if (i && !strcmp(c->good[i]->type, c->good[i - 1]->type))
			continue;
		struct vrun *r = newest(c, c->good[i]->type);
		if (!r)
			continue;
		const char *file = bt__verify_afmt(c, "%s.json", r->type);
		const char *rel = file ? bt__verify_afmt(c, "latest/%s", file) : NULL;
		const char *p = rel ? bt__verify_abs_path(c, rel) : NULL;
		const char *want = bt__verify_afmt(c, "../%s/run.json", r->dest);
		const char *runfile = bt__verify_abs_path(c, bt__verify_afmt(c, "%s/run.json",
									      run_now(r)));
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
	const char *ld = bt__verify_abs_path(c, "latest");
	if (!ld)
		return BT_ENOMEM;
	int n;
	struct dirent **v = bt__verify_list_dir(ld, &n);
	for (int i = 0; v && i < n; i++) {
		const char *e = v[i]->d_name;
		size_t len = strlen(e);
		int tl = bt__verify_tmp_leftover(e);
		if (tl == 1) {
			const char *rel = bt__verify_afmt(c, "latest/%s", e);
			problem(c, rel, "left over from an interrupted write");
			if (c->repair)
				bt__verify_remove_leftover(c, rel);
		} else if (!tl && e[0] != '.' && len > 5 && !strcmp(e + len - 5, ".json")) {
			char *type = strndup(e, len - 5);
			if (!type) {
				bt__verify_free_list(v, n);
				return BT_ENOMEM;
			}
			if (!newest(c, type)) {
				problem(c, bt__verify_afmt(c, "latest/%s", e),
					"no run of type %s is in by-type", type);
				if (add_latest_fix(c, bt__arena_strdup(c->a, e))) {
					free(type);
					bt__verify_free_list(v, n);
					return BT_ENOMEM;
				}
			}
			free(type);
		}
	}
	if (v)
		bt__verify_free_list(v, n);
	return 0;
}

/* Points latest/<file> at the newest run of its type, or takes it away
 * when there is none. */
void bt__verify_fix_latest(struct ctx *c, const char *file, int reindexed)
{
	size_t len = strlen(file);
	char *type = strndup(file, len - 5);
	const char *rel = bt__verify_afmt(c, "latest/%s", file);
	const char *p = rel ? bt__verify_abs_path(c, rel) : NULL;
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
		const char *want = bt__verify_afmt(c, "../%s/run.json", r->dest);
		const char *real = bt__verify_abs_path(c, bt__verify_afmt(c, "%s/run.json",
									   r->dest));
		rc = !want || !real ? BT_ENOMEM : bt__replace_symlink(want, p, real, &err);
		if (!rc)
			repaired(c, rel, "points at %s", r->dest);
	} else {
		struct stat ls;
		const char *q = NULL;
		if (lstat(p, &ls) == 0 && S_ISREG(ls.st_mode))
			rc = bt__verify_quarantine(c, rel, bt__verify_afmt(c, "latest-%s", file),
						   &q, &err);
		else if (unlink(p) != 0 && errno != ENOENT)
			rc = bt_error(&err, BT_EIO, "%s: %s", p, strerror(errno));
		if (!rc)
			repaired(c, rel, q ? "moved to %s" : "removed%s", q ? q : "");
	}
	if (rc)
		bt__verify_repair_failed(c, rc, &err);
	bt_strbuf_release(&err);
	free(type);
}
