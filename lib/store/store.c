/* The results store on the file system, with its index behind the
 * backend vtable (index.h). See include/benchtrack/store.h. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archives.h"
#include "index.h"
#include "storeint.h"
#include "pgint.h"
#include "internal.h"
#include "result/json_scan.h"

#define RUN_CAP (256u << 20)


const char *bt_store_dir(const struct bt_store *st)
{
	return st->dir;
}

int bt_store_is_remote(const struct bt_store *st)
{
	return st && st->pg != NULL;
}

char *bt_store_cache_path(const struct bt_store *st, const char *name)
{
	if (!st->pg)
		return bt__pathf("%s/%s", st->dir, name);
	/* a PostgreSQL store: a cache of this machine, under
	 * $XDG_CACHE_HOME/benchtrack (else ~/.cache/benchtrack), one folder per
	 * store URL (without its password) */
	const char *x = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char *root = x && *x ? bt__pathf("%s/benchtrack", x)
		   : home && *home ? bt__pathf("%s/.cache/benchtrack", home) : NULL;
	if (!root)
		return NULL;
	uint64_t h = bt__fnv1a_str(UINT64_C(14695981039346656037), st->dir);
	char *path = bt__pathf("%s/pg-%016llx/%s", root, (unsigned long long)h, name);
	char *slash = path ? strrchr(path, '/') : NULL;
	free(root);
	if (slash) {
		*slash = '\0';
		bt__mkdir_p(path, NULL); /* best effort: no folder, no cache */
		*slash = '/';
	}
	return path;
}

int bt_store_stamp(struct bt_store *st, char *out, size_t size, struct bt_strbuf *err)
{
	if (size)
		out[0] = '\0';
	return st->pg ? bt__pg_stamp(st, out, size, err) : 0;
}

/* bt_store_open of a PostgreSQL URL: the database holds the store. */
static int open_pg(struct bt_store **out, const char *url, int flags,
		   struct bt_strbuf *err)
{
	struct bt_store *st = calloc(1, sizeof *st);
	if (!st || !(st->dir = bt__url_redact(url))) {
		free(st);
		return BT_ENOMEM;
	}
	st->flags = flags;
	int rc = bt__pg_open(&st->pg, url, (flags & BT_STORE_READONLY) != 0, err);
	if (rc) {
		bt_store_close(st);
		return rc;
	}
	*out = st;
	return 0;
}

static int is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The reporter of what the store does unasked (bt_store_set_notify). */
static bt_store_note_fn notify_fn;
static void *notify_ud;

void bt_store_set_notify(bt_store_note_fn fn, void *ud)
{
	notify_fn = fn;
	notify_ud = ud;
}

/* 1 when the store holds a run directory under by-type/ or an archive. */
static int has_runs(const char *dir)
{
	int found = 0;
	char *bt = bt__pathf("%s/by-type", dir);
	DIR *types = bt ? opendir(bt) : NULL;
	struct dirent *t;
	while (types && !found && (t = readdir(types))) {
		if (t->d_name[0] == '.')
			continue;
		char *td = bt__pathf("%s/%s", bt, t->d_name);
		DIR *runs = td ? opendir(td) : NULL;
		struct dirent *r;
		while (runs && !found && (r = readdir(runs)))
			found = r->d_name[0] != '.';
		if (runs)
			closedir(runs);
		free(td);
	}
	if (types)
		closedir(types);
	free(bt);
	char *ad = found ? NULL : bt__pathf("%s/archive", dir);
	DIR *a = ad ? opendir(ad) : NULL;
	struct dirent *e;
	while (a && !found && (e = readdir(a))) {
		size_t l = strlen(e->d_name);
		found = e->d_name[0] != '.' && l > 7 &&
			strcmp(e->d_name + l - 7, ".tar.gz") == 0;
	}
	if (a)
		closedir(a);
	free(ad);
	return found;
}

/* index.db is a cache of the files: when it is missing from a store that
 * holds runs (a store kept in git without *.db, a copy), it is rebuilt
 * under the lock, and the notify hook says so. A store that cannot be
 * written gets an error naming `benchtrack reindex`. */
static int rebuild_missing_index(struct bt_store *st, struct bt_strbuf *err)
{
	char *ip = bt__pathf("%s/index.db", st->dir);
	if (!ip)
		return BT_ENOMEM;
	struct stat sb;
	if (lstat(ip, &sb) == 0 || errno != ENOENT || !has_runs(st->dir)) {
		free(ip);
		return 0;
	}
	struct bt_strbuf e = BT_STRBUF_INIT;
	size_t runs = 0, results = 0, bad = 0;
	int rc = 0, lock = bt__store_lock(st->dir, &e);
	if (lock < 0) {
		rc = bt_error(err, lock, "%s: missing, and the store cannot be written "
			      "to rebuild it (%s); `benchtrack reindex --store %s` "
			      "rebuilds it where the store is writable", ip,
			      bt_strbuf_str(&e), st->dir);
		goto out;
	}
	if (lstat(ip, &sb) == 0)
		goto out; /* rebuilt by another process meanwhile */
	/* a -wal or -shm file without its database belongs to no index */
	static const char *const sfx[] = { "-wal", "-shm" };
	for (int i = 0; i < 2; i++) {
		char *f = bt__pathf("%s%s", ip, sfx[i]);
		if (f)
			unlink(f);
		free(f);
	}
	rc = bt__store_reindex_locked(st, notify_fn, notify_ud, &runs, &results, &bad, NULL, &e);
	if (rc == BT_ENOMEM)
		goto out;
	if (rc) {
		rc = bt_error(err, rc, "%s: missing, and rebuilding it failed: %s; "
			      "`benchtrack reindex --store %s` rebuilds it", ip,
			      bt_strbuf_str(&e), st->dir);
		goto out;
	}
	if (notify_fn) {
		struct bt_strbuf m = BT_STRBUF_INIT;
		bt_strbuf_addf(&m, "missing: rebuilt from %zu run%s", runs,
			       runs == 1 ? "" : "s");
		if (bad)
			bt_strbuf_addf(&m, "; left out: %s", bt_strbuf_str(&e));
		notify_fn(notify_ud, "rebuilt", ip, bt_strbuf_str(&m));
		bt_strbuf_release(&m);
	}
out:
	bt__store_unlock(lock);
	bt_strbuf_release(&e);
	free(ip);
	return rc;
}

int bt_store_open(struct bt_store **out, const char *dir, int flags,
		  struct bt_strbuf *err)
{
	*out = NULL;
	if (!dir || !*dir)
		dir = getenv("BENCHTRACK_STORE");
	if (!dir || !*dir)
		dir = BT_STORE_DEFAULT_DIR;
	if (bt__pg_is_url(dir))
		return open_pg(out, dir, flags, err);
	struct bt_store *st = calloc(1, sizeof *st);
	if (!st || !(st->dir = strdup(dir))) {
		free(st);
		return BT_ENOMEM;
	}
	size_t n = strlen(st->dir);
	while (n > 1 && st->dir[n - 1] == '/')
		st->dir[--n] = '\0';
	st->flags = flags;
	st->ops = &bt__index_sqlite;
	int rc = 0;
	struct stat sb;
	if (stat(st->dir, &sb) == 0 && !S_ISDIR(sb.st_mode))
		rc = bt_error(err, BT_EINVAL, "%s: not a directory (a store is a "
			      "directory)", st->dir);
	else if (!is_dir(st->dir)) {
		if (!(flags & BT_STORE_CREATE) || (flags & BT_STORE_READONLY))
			rc = bt_error(err, BT_ENOTFOUND, "%s: no such store", st->dir);
		else
			rc = bt__mkdir_p(st->dir, err);
	}
	if (!rc && !(flags & BT_STORE_NO_REBUILD))
		rc = rebuild_missing_index(st, err);
	if (rc) {
		bt_store_close(st);
		return rc;
	}
	*out = st;
	return 0;
}

void bt_store_close(struct bt_store *st)
{
	if (!st)
		return;
	bt__pg_close(st->pg);
	free(st->dir);
	free(st);
}

/* --- index access ------------------------------------------------------ */

int bt__store_index_open(struct bt_store *st, void **h, int readonly,
			 struct bt_strbuf *err)
{
	char *p = bt__pathf("%s/index.db", st->dir);
	if (!p)
		return BT_ENOMEM;
	int ro = readonly || (st->flags & BT_STORE_READONLY);
	int rc = st->ops->open(h, p, ro ? BT__INDEX_READONLY : 0, err);
	if (rc == BT_EUNSUPPORTED && ro && !(st->flags & BT_STORE_NO_REBUILD)) {
		/* an index of an older schema: migrated (a cache, as a
		 * missing one is rebuilt) where the store can be written;
		 * else, or for a newer schema, the first error stands */
		struct bt_strbuf e2 = BT_STRBUF_INIT;
		if (st->ops->open(h, p, 0, &e2) == 0) {
			st->ops->close(*h);
			*h = NULL;
			if (err)
				bt_strbuf_reset(err);
			rc = st->ops->open(h, p, BT__INDEX_READONLY, err);
		}
		bt_strbuf_release(&e2);
	}
	free(p);
	return rc;
}

/* --- naming ------------------------------------------------------------ */

/* A type is used as a directory name: [A-Za-z0-9._-], not starting with
 * '.', at most 64 bytes. */
int bt__store_valid_type(const char *t)
{
	size_t n = t ? strlen(t) : 0;
	if (n == 0 || n > 64 || t[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)t[i]) && !strchr("._-", t[i]))
			return 0;
	return 1;
}

int bt__store_valid_id(const char *id)
{
	return bt__is_hex(id, 8, 64);
}

/* "2026-11-22T20:08:32Z" -> fields; 0 when the shape is right, else
 * BT_EINVAL. */
int bt__store_split_time(const char *ts, char y[5], char mo[3], char d[3],
		      char hm[5])
{
	if (!ts || strlen(ts) < 16 || ts[4] != '-' || ts[7] != '-' ||
	    (ts[10] != 'T' && ts[10] != ' ') || ts[13] != ':')
		return BT_EINVAL;
	for (int i = 0; i < 16; i++)
		if (i != 4 && i != 7 && i != 10 && i != 13 &&
		    !isdigit((unsigned char)ts[i]))
			return BT_EINVAL;
	memcpy(y, ts, 4), y[4] = 0;
	memcpy(mo, ts + 5, 2), mo[2] = 0;
	memcpy(d, ts + 8, 2), d[2] = 0;
	memcpy(hm, ts + 11, 2), memcpy(hm + 2, ts + 14, 2), hm[4] = 0;
	return 0;
}

void bt__store_half_done(struct bt_strbuf *err, int rc, const char *kept,
			 const char *fmt, ...)
{
	struct bt_strbuf m = BT_STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	bt_strbuf_vaddf(&m, fmt, ap);
	va_end(ap);
	if (kept)
		bt_strbuf_addf(&m, ", but %s; %s (`benchtrack verify --repair` completes "
			       "the store)", bt_strbuf_str(err), kept);
	else
		bt_strbuf_addf(&m, ", but %s; `benchtrack verify --repair` completes "
			       "the store", bt_strbuf_str(err));
	bt_error(err, rc, "%s", bt_strbuf_str(&m));
	bt_strbuf_release(&m);
}

/* --- put --------------------------------------------------------------- */

/* Points latest/<type>.json at the newest indexed run of that type. */
int bt__store_update_latest(struct bt_store *st, void *h, const char *type,
			 struct bt_strbuf *err)
{
	struct bt_store_filter f = { .type = type, .limit = 1 };
	struct bt_store_list l;
	memset(&l, 0, sizeof l);
	int rc = st->ops->query(h, &f, &l, err);
	char *ld = bt__pathf("%s/latest", st->dir);
	if (!rc)
		rc = ld ? bt__mkdir_p(ld, err) : BT_ENOMEM;
	free(ld);
	if (!rc && l.n == 1 && l.items[0].path) {
		char *link = bt__pathf("%s/latest/%s.json", st->dir, type);
		char *target = bt__pathf("../%s", l.items[0].path);
		char *real = bt__pathf("%s/%s", st->dir, l.items[0].path);
		rc = !link || !target || !real ? BT_ENOMEM
			: bt__replace_symlink(target, link, real, err);
		free(link);
		free(target);
		free(real);
	}
	bt_store_list_release(&l);
	return rc;
}

int bt__store_read_tags(const char *rundir, struct bt_arena *a, const char ***tags,
		     size_t *n, struct bt_strbuf *err)
{
	*tags = NULL;
	*n = 0;
	char *p = bt__pathf("%s/tags", rundir), *data;
	size_t len;
	if (!p)
		return BT_ENOMEM;
	struct bt_strbuf e = BT_STRBUF_INIT;
	struct stat ls;
	/* a tags file is read only as the store wrote it: never a link */
	int rc = lstat(p, &ls) == 0 && !S_ISREG(ls.st_mode)
		? bt__store_nolink(rundir, p, 0, &e) : 0;
	if (!rc)
		rc = bt__read_file(p, 1 << 20, &data, &len, &e);
	free(p);
	if (rc && rc != BT_ENOTFOUND && rc != BT_ENOMEM)
		bt_error(err, rc, "%s", bt_strbuf_str(&e));
	bt_strbuf_release(&e);
	if (rc == BT_ENOTFOUND)
		return 0;
	if (rc)
		return rc;
	size_t cap = 1;
	for (size_t i = 0; i < len; i++)
		cap += data[i] == '\n';
	const char **v = bt__arena_alloc(a, cap * sizeof *v);
	if (!v) {
		free(data);
		return BT_ENOMEM;
	}
	for (char *s = data, *save = NULL, *t; (t = strtok_r(s, "\n", &save)); s = NULL)
		if (*t && !(v[(*n)++] = bt__arena_strdup(a, t))) {
			free(data);
			*n = 0;
			return BT_ENOMEM;
		}
	free(data);
	*tags = v;
	return 0;
}

/* Adds run (stored at rel, run dir absolute rundir) to the index and
 * refreshes latest/ and README.md; called with the store lock held. */
static int index_run(struct bt_store *st, const struct bt_run *run,
		     const char *rel, const char *rundir, struct bt_strbuf *err)
{
	void *h;
	int rc = bt__store_index_open(st, &h, 0, err);
	if (rc)
		return rc;
	struct bt_arena *a = bt__arena_new();
	const char **tags = NULL;
	size_t n_tags = 0;
	struct bt_index_loc loc = { rel, NULL };
	if (!a)
		rc = BT_ENOMEM;
	if (!rc)
		rc = bt__store_read_tags(rundir, a, &tags, &n_tags, err);
	if (!rc && !(rc = st->ops->begin(h, err))) {
		rc = st->ops->add_run(h, run, &loc, tags, n_tags, err);
		if (rc)
			st->ops->rollback(h);
		else
			rc = st->ops->commit(h, err);
	}
	if (!rc)
		rc = bt__store_update_latest(st, h, run->benchmark_type, err);
	st->ops->close(h);
	bt__arena_free(a);
	if (!rc)
		rc = bt_store_write_readme(st, err);
	return rc;
}

int bt_store_put(struct bt_store *st, const struct bt_run *run, char **path,
		 struct bt_strbuf *err)
{
	if (path)
		*path = NULL;
	if (st->flags & BT_STORE_READONLY)
		return bt_error(err, BT_EINVAL, "%s: store opened read-only", st->dir);
	const char *type = run->benchmark_type;
	char y[5], mo[3], d[3], hm[5];
	if (!bt__store_valid_type(type))
		return bt_error(err, BT_EINVAL, "benchmark type '%s': use letters, "
				"digits, '.', '_' and '-' (the store makes it a directory)",
				type ? type : "");
	if (!bt__store_valid_id(run->run_id))
		return bt_error(err, BT_EINVAL, "run_id '%s': expected hex digits",
				run->run_id ? run->run_id : "");
	if (bt__store_split_time(run->timestamp, y, mo, d, hm))
		return bt_error(err, BT_EINVAL, "timestamp '%s': expected "
				"YYYY-MM-DDTHH:MM:SSZ", run->timestamp ? run->timestamp : "");
	if (st->pg)
		return bt__pg_put(st, run, path, err);

	char *name = bt__pathf("%s-%s-%s-%s-UTC-%.8s", y, mo, d, hm, run->run_id);
	char *rel = name ? bt__pathf("by-type/%s/%s/run.json", type, name) : NULL;
	char *typedir = bt__pathf("%s/by-type/%s", st->dir, type);
	char *rundir = name ? bt__pathf("%s/%s", typedir, name) : NULL;
	char *tmpdir = bt__pathf("%s/.tmp/%s.%ld", st->dir, run->run_id, (long)getpid());
	char *tmpfile = tmpdir ? bt__pathf("%s/run.json", tmpdir) : NULL;
	char *datedir = bt__pathf("%s/by-date/%s-%s/%s/%s", st->dir, y, mo, d, type);
	char *datelink = name && datedir ? bt__pathf("%s/%s", datedir, name) : NULL;
	char *datetarget = name ? bt__pathf("../../../../by-type/%s/%s", type, name) : NULL;
	char *latest = bt__pathf("%s/latest", st->dir);
	char *cmp = bt__pathf("%s/comparisons", st->dir);
	char *arch = bt__pathf("%s/archive", st->dir);
	struct bt_strbuf js = BT_STRBUF_INIT;
	int rc = 0, lock = -1;
	if (!rel || !typedir || !rundir || !tmpfile || !datelink || !datetarget ||
	    !latest || !cmp || !arch) {
		rc = BT_ENOMEM;
		goto out;
	}
	if ((rc = bt__mkdir_p(tmpdir, err)) || (rc = bt__mkdir_p(typedir, err)) ||
	    (rc = bt__mkdir_p(latest, err)) ||
	    (rc = bt__mkdir_p(cmp, err)) || (rc = bt__mkdir_p(arch, err)))
		goto out;
	if ((rc = bt_run_to_json(run, 1, &js, err)) ||
	    (rc = bt_strbuf_addc(&js, '\n')) ||
	    (rc = bt__run_file_write(tmpfile, js.buf, js.len, BT_RUN_FILE_STORE, err)))
		goto out;
	/* everything from here on, the rename included, under the lock: a
	 * reader holding it (verify) never sees a run half stored */
	if ((lock = bt__store_lock(st->dir, err)) < 0) {
		rc = lock;
		goto out;
	}
	/* the run appears whole: its directory is renamed into place */
	if (rename(tmpdir, rundir) != 0) {
		int e = errno;
		rc = e == EEXIST || e == ENOTEMPTY
			? bt_error(err, BT_EEXISTS, "%s: run %s is already stored", rundir, run->run_id)
			: bt_error(err, BT_EIO, "%s: %s", rundir, strerror(e));
		goto out;
	}
	bt__fsync_parent(rundir);

	/* the by-date link is a view: its failure must not keep the run
	 * out of the index */
	rc = bt__mkdir_p(datedir, err);
	if (!rc)
		rc = bt__replace_symlink(datetarget, datelink, rundir, err);
	struct bt_strbuf e2 = BT_STRBUF_INIT;
	int rc2 = index_run(st, run, rel, rundir, rc ? &e2 : err);
	bt_strbuf_release(&e2);
	if (!rc)
		rc = rc2;
	if (rc)
		goto kept;
	goto out;
kept:
	/* the files are the record: keep the run, say how to finish */
	bt__store_half_done(err, rc, NULL, "stored %s", rundir);
out:
	bt__store_unlock(lock);
	if (rc && tmpdir && is_dir(tmpdir)) {
		unlink(tmpfile);
		rmdir(tmpdir);
	}
	if (!rc && path)
		*path = bt__pathf("%s/run.json", rundir);
	bt_strbuf_release(&js);
	free(name);
	free(rel);
	free(typedir);
	free(rundir);
	free(tmpdir);
	free(tmpfile);
	free(datedir);
	free(datelink);
	free(datetarget);
	free(latest);
	free(cmp);
	free(arch);
	return rc;
}

/* --- queries and references ------------------------------------------- */

int bt_store_query(struct bt_store *st, const struct bt_store_filter *f,
		   struct bt_store_list *out, struct bt_strbuf *err)
{
	memset(out, 0, sizeof *out);
	out->arena = bt__arena_new();
	if (!out->arena)
		return BT_ENOMEM;
	if (st->pg)
		return bt__pg_query(st, f, out, err);
	void *h;
	int rc = bt__store_index_open(st, &h, 1, err);
	if (rc == BT_ENOTFOUND)
		return 0; /* an empty store has no index yet */
	if (!rc) {
		struct bt_store_filter none;
		memset(&none, 0, sizeof none);
		rc = st->ops->query(h, f ? f : &none, out, err);
		st->ops->close(h);
	}
	if (rc) /* a failed query holds nothing to release */
		bt_store_list_release(out);
	return rc;
}

void bt_store_list_release(struct bt_store_list *l)
{
	bt__arena_free(l->arena);
	memset(l, 0, sizeof *l);
}

static int store_file_ok(struct bt_store *st, char **path, struct bt_strbuf *err);

/* First entry of a query as a malloc'd absolute path. */
static int first_path(struct bt_store *st, const struct bt_store_filter *f,
		      const char *ref, char **path, struct bt_strbuf *err)
{
	struct bt_store_list l;
	int rc = bt_store_query(st, f, &l, err);
	if (!rc && l.n == 0)
		rc = bt_error(err, BT_ENOTFOUND, "%s: no run matches '%s'", st->dir, ref);
	else if (!rc && !l.items[0].path)
		rc = bt_error(err, BT_ENOTFOUND, "run %s is archived in %s; "
			      "`benchtrack restore %.8s` brings it back",
			      l.items[0].run_id, l.items[0].archive, l.items[0].run_id);
	else if (!rc && !(*path = bt__pathf("%s/%s", st->dir, l.items[0].path)))
		rc = BT_ENOMEM;
	bt_store_list_release(&l);
	return rc ? rc : store_file_ok(st, path, err);
}

/* A path into the store (from the index, or relative to the store) is
 * read only where no link leads out of the store: else *path is freed
 * and the error names the link. */
static int store_file_ok(struct bt_store *st, char **path, struct bt_strbuf *err)
{
	int rc = bt__store_nolink(st->dir, *path, 0, err);
	if (rc) {
		free(*path);
		*path = NULL;
	}
	return rc;
}

/* ref as a path (base NULL: as the user gave it; else relative to base):
 * a run directory (its run.json) or a file. 0 with *path malloc'd;
 * BT_ENOTFOUND when there is nothing; BT_EIO naming it when it exists
 * but is neither a regular file nor a directory (a FIFO, a device). */
static int path_ref(const char *base, const char *ref, char **path,
		    struct bt_strbuf *err)
{
	char *p = base ? bt__pathf("%s/%s", base, ref) : strdup(ref);
	if (!p)
		return BT_ENOMEM;
	struct stat s;
	if (stat(p, &s) == 0 && S_ISDIR(s.st_mode)) {
		char *q = bt__pathf("%s/run.json", p);
		free(p);
		p = q;
		if (!p)
			return BT_ENOMEM;
	}
	int rc = BT_ENOTFOUND;
	if (stat(p, &s) == 0 && S_ISREG(s.st_mode)) {
		*path = p;
		return 0;
	}
	if (stat(p, &s) == 0)
		rc = bt_error(err, BT_EIO, "%s: not a regular file", p);
	free(p);
	return rc;
}

int bt_store_resolve(struct bt_store *st, const char *ref, char **path,
		     struct bt_strbuf *err)
{
	*path = NULL;
	if (!ref || !*ref)
		return bt_error(err, BT_EINVAL, "empty run reference");
	if (st->pg) {
		/* a file the user names; the store's runs have no path */
		int pr = path_ref(NULL, ref, path, err);
		if (pr != BT_ENOTFOUND)
			return pr;
		return bt_error(err, BT_EUNSUPPORTED, "%s: run '%s' is in the database, not "
				"a file (load it with bt_store_load)", st->dir, ref);
	}
	if (strcmp(ref, "latest") == 0) {
		struct bt_store_filter f = { .limit = 1 };
		return first_path(st, &f, ref, path, err);
	}
	if (strncmp(ref, "latest:", 7) == 0) {
		struct bt_store_filter f = { .type = ref + 7, .limit = 1 };
		return first_path(st, &f, ref, path, err);
	}
	/* a path the user gave is read as given; one into the store as the
	 * store wrote it */
	int pr = path_ref(NULL, ref, path, err);
	if (pr != BT_ENOTFOUND)
		return pr;
	if ((pr = path_ref(st->dir, ref, path, err)) == 0)
		return store_file_ok(st, path, err);
	if (pr != BT_ENOTFOUND)
		return pr;
	if (bt__is_hex(ref, 4, SIZE_MAX)) {
		void *h;
		int rc = bt__store_index_open(st, &h, 1, err);
		if (rc)
			return rc;
		struct bt_arena *a = bt__arena_new();
		const char **ids = NULL;
		size_t n = 0;
		rc = a ? st->ops->find_prefix(h, ref, &ids, &n, 8, a, err) : BT_ENOMEM;
		st->ops->close(h);
		if (!rc && n > 1) {
			struct bt_strbuf m = BT_STRBUF_INIT;
			for (size_t i = 0; i < n; i++)
				bt_strbuf_addf(&m, "%s%s", i ? ", " : "", ids[i]);
			rc = bt_error(err, BT_EINVAL, "run id prefix '%s' is ambiguous: %s%s",
				      ref, m.buf, n == 8 ? ", ..." : "");
			bt_strbuf_release(&m);
		}
		if (!rc && n == 1) {
			struct bt_store_filter f = { .run_id = ids[0], .include_archived = 1 };
			struct bt_store_list l;
			rc = bt_store_query(st, &f, &l, err);
			if (!rc && l.n == 1 && !l.items[0].path)
				rc = bt_error(err, BT_ENOTFOUND, "run %s is archived in %s; "
					      "`benchtrack restore %.8s` brings it back",
					      ids[0], l.items[0].archive, ids[0]);
			else if (!rc && l.n == 1 &&
				 !(*path = bt__pathf("%s/%s", st->dir, l.items[0].path)))
				rc = BT_ENOMEM;
			else if (!rc && l.n == 1)
				rc = store_file_ok(st, path, err);
			bt_store_list_release(&l);
		}
		bt__arena_free(a);
		if (rc || *path)
			return rc;
		/* not a run id: a commit */
		struct bt_store_filter f = { .commit = ref, .limit = 1 };
		rc = first_path(st, &f, ref, path, err);
		if (rc == BT_ENOTFOUND)
			return bt_error(err, BT_ENOTFOUND, "%s: no run id, commit or file "
					"'%s'", st->dir, ref);
		return rc;
	}
	return bt_error(err, BT_ENOTFOUND, "'%s': no such file, and not a run id, "
			"commit, latest or latest:TYPE", ref);
}

int bt_store_load(struct bt_store *st, const char *ref, struct bt_run *run,
		  struct bt_strbuf *err)
{
	char *p;
	if (st->pg)
		return bt__pg_load(st, ref, run, err);
	int rc = bt_store_resolve(st, ref, &p, err);
	if (rc)
		return rc;
	rc = bt_run_read_file(run, p, err);
	free(p);
	return rc;
}

int bt__store_load_summary(struct bt_store *st, const char *ref, struct bt_run *run,
			   struct bt_strbuf *err)
{
	if (st->pg)
		return bt__pg_load_as(st, ref, run, 1, err);
	char *p;
	int rc = bt_store_resolve(st, ref, &p, err);
	if (rc)
		return rc;
	rc = bt__run_read_file_summary(run, p, err);
	free(p);
	return rc;
}

/* --- tags -------------------------------------------------------------- */

int bt__store_valid_tag(const char *t)
{
	size_t n = t ? strlen(t) : 0;
	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)t[i]) && !strchr("._-:", t[i]))
			return 0;
	return 1;
}

int bt_store_tag(struct bt_store *st, const char *ref, const char *tag,
		 int add, struct bt_strbuf *err)
{
	if (!bt__store_valid_tag(tag))
		return bt_error(err, BT_EINVAL, "tag '%s': use letters, digits and "
				"'.', '_', '-', ':' (at most 64)", tag ? tag : "");
	if (st->pg)
		return bt__pg_tag(st, ref, tag, add, err);
	char *file = NULL;
	int rc = bt_store_resolve(st, ref, &file, err);
	if (rc)
		return rc;
	struct bt_run run;
	struct bt_arena *a = bt__arena_new();
	const char **tags = NULL;
	size_t n = 0;
	int lock = -1;
	char *dir = strdup(file), *slash = dir ? strrchr(dir, '/') : NULL;
	bt_run_init(&run);
	if (!a || !slash) {
		rc = BT_ENOMEM;
		goto out;
	}
	*slash = '\0';
	if ((rc = bt_run_read_file(&run, file, err)))
		goto out;
	if ((lock = bt__store_lock(st->dir, err)) < 0) {
		rc = lock;
		goto out;
	}
	if ((rc = bt__store_read_tags(dir, a, &tags, &n, err)))
		goto out;
	struct bt_strbuf o = BT_STRBUF_INIT;
	const char **keep = bt__arena_alloc(a, (n + 1) * sizeof *keep);
	size_t nk = 0;
	int had = 0;
	for (size_t i = 0; keep && i < n; i++) {
		if (strcmp(tags[i], tag) == 0) {
			had = 1;
			if (!add)
				continue;
		}
		keep[nk++] = tags[i];
	}
	if (keep && add && !had)
		keep[nk++] = tag;
	for (size_t i = 0; keep && i < nk; i++)
		bt_strbuf_addf(&o, "%s\n", keep[i]);
	char *tf = bt__pathf("%s/tags", dir);
	if (!keep || !tf)
		rc = BT_ENOMEM;
	else if (nk == 0)
		rc = unlink(tf) == 0 || errno == ENOENT ? 0
			: bt_error(err, BT_EIO, "%s: %s", tf, strerror(errno));
	else
		rc = bt__write_file_atomic(tf, o.buf, o.len, err);
	free(tf);
	bt_strbuf_release(&o);
	if (rc)
		goto out;
	void *h;
	if (!(rc = bt__store_index_open(st, &h, 0, err))) {
		rc = st->ops->set_tags(h, run.run_id, keep, nk, err);
		st->ops->close(h);
	}
	if (!rc)
		rc = bt_store_write_readme(st, err);
out:
	bt__store_unlock(lock);
	bt_run_release(&run);
	bt__arena_free(a);
	free(dir);
	free(file);
	return rc;
}

