/* The static dashboard of a store (bt_dashboard_write, contract in
 * include/benchtrack/dashboard.h).
 *
 *     DIR/index.html trend.html run.html   the pages (web/NAME.html, the title
 *                                          filled in)
 *     DIR/assets/                          uPlot.iife.min.js, uPlot.min.css,
 *                                          dashboard.js, dashboard.css
 *     DIR/data/index.js                    btData("index", "", {...})
 *     DIR/data/series/KEY.js               btData("series", KEY, {...})
 *     DIR/data/runs/ID.js                  btData("run", ID, {...})
 *
 * The pages and assets are compiled in (scripts/embed-web.cmake). Data
 * files are JavaScript calling btData() so that <script> tags can load
 * them from file://. trend.html#KEY shows one series, run.html#ID one run.
 *
 * The data files are described where they are written: index.js in
 * index.c, series files in trends.c, run files in runs.c (dash.h names
 * the parts). The steps: run pages start on helper threads while this
 * thread writes the series files; then the index, the pages, and last
 * the removal of files no longer named.
 *
 * Files are replaced by a rename of a complete temporary file, so a reader
 * (a browser, `benchtrack serve`) sees the old file or the new one, never
 * half of one. They are not fsync'd: the dashboard is derived data that a
 * rerun regenerates, and thousands of fsyncs would dominate its time.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../internal.h"
#include "../web_assets.h"
#include "dash.h"

const struct bt_web_asset *bt__web_asset(const char *name)
{
	for (const struct bt_web_asset *a = bt_web_assets; a->name; a++)
		if (strcmp(a->name, name) == 0)
			return a;
	return NULL;
}

/* Writes data to dir/rel atomically (temporary file + rename); tag tells
 * the temporary files of concurrent writers apart. The temporary file is
 * created new (O_EXCL, O_NOFOLLOW): a file or symlink planted under its
 * name is never written through; another name is tried instead. */
int bt__dash_put_file_at(const char *dir, const char *rel, const char *data, size_t len,
			 unsigned tag, struct bt_strbuf *err)
{
	static unsigned seq; /* shared by the run workers: atomic */
	char *path = bt__pathf("%s/%s", dir, rel);
	char *tmp = NULL;
	int rc = 0, fd = -1;
	if (!path) {
		rc = BT_ENOMEM;
		goto out;
	}
	for (int tries = 0; fd < 0; tries++) {
		unsigned n = __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED);
		free(tmp);
		tmp = bt__pathf("%s/%s.tmp.%ld.%u.%u", dir, rel, (long)getpid(),
				tag, n);
		if (!tmp) {
			rc = BT_ENOMEM;
			goto out;
		}
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			  0644);
		if (fd < 0 && (errno != EEXIST || tries >= 100)) {
			rc = bt_error(err, BT_EIO, "%s: %s", tmp, strerror(errno));
			free(tmp);
			tmp = NULL; /* not ours: never unlinked */
			goto out;
		}
	}
	for (size_t off = 0; off < len;) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			rc = bt_error(err, BT_EIO, "%s: %s", tmp, strerror(errno));
			goto out;
		}
		off += (size_t)w;
	}
	if (close(fd) != 0) {
		fd = -1;
		rc = bt_error(err, BT_EIO, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		rc = bt_error(err, BT_EIO, "%s: %s", path, strerror(errno));
		goto out;
	}
out:
	if (fd >= 0)
		close(fd);
	if (rc && tmp)
		unlink(tmp);
	free(path);
	free(tmp);
	return rc;
}

int bt__dash_put_file(struct dash *d, const char *rel, const char *data, size_t len)
{
	/* the text of d->file or of the index's series cut short by an
	 * append that ran out of memory is never written */
	if (d->file.failed || d->series_ix.failed)
		return BT_ENOMEM;
	int rc = bt__dash_put_file_at(d->dir, rel, data, len, 0, d->err);
	if (!rc)
		d->stats.files++;
	return rc;
}

int bt__dash_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_entry_id(const void *a, const void *b)
{
	const struct bt_store_entry *x = *(const struct bt_store_entry *const *)a;
	const struct bt_store_entry *y = *(const struct bt_store_entry *const *)b;
	return strcmp(x->run_id, y->run_id);
}

const struct bt_store_entry *bt__dash_find_run(const struct dash *d, const char *id)
{
	struct bt_store_entry key;
	const struct bt_store_entry *kp = &key, **hit;
	if (!id || !d->by_id)
		return NULL;
	key.run_id = id;
	hit = bsearch(&kp, d->by_id, d->runs.n, sizeof *d->by_id, cmp_entry_id);
	return hit ? *hit : NULL;
}

/* Removes DIR/sub/ *.js whose stem is not in keep (sorted; NULL: keep
 * none) and leftover temporary files. */
static void remove_stale(struct dash *d, const char *sub, char **keep, size_t n_keep)
{
	char *path = bt__pathf("%s/%s", d->dir, sub);
	DIR *dh = path ? opendir(path) : NULL;
	struct dirent *e;
	if (!dh) {
		free(path);
		return;
	}
	while ((e = readdir(dh))) {
		const char *n = e->d_name;
		size_t len = strlen(n);
		int stale = 0;
		if (strstr(n, ".tmp.")) {
			stale = 1; /* an interrupted earlier write */
		} else if (len > 3 && strcmp(n + len - 3, ".js") == 0) {
			char stem[256], *sp = stem;
			if (len - 3 >= sizeof stem)
				continue;
			memcpy(stem, n, len - 3);
			stem[len - 3] = '\0';
			stale = !keep || !bsearch(&sp, keep, n_keep, sizeof *keep, bt__dash_cmp_str);
		}
		if (stale) {
			char *f = bt__pathf("%s/%s", path, n);
			if (f)
				unlink(f);
			free(f);
		}
	}
	closedir(dh);
	free(path);
}

int bt_dashboard_write(struct bt_store *st, const char *dir,
		       const struct bt_dashboard_opts *o,
		       struct bt_dashboard_stats *stats, struct bt_strbuf *err)
{
	struct dash d;
	struct bt_store_filter f;
	struct bt_series_filter sf;
	struct run_pool pool;
	struct dash_state old;
	struct bt_cp_cache *cpc = NULL;
	const char **new_ids = NULL;
	int rc, have_old = 0;

	memset(&pool, 0, sizeof pool);
	memset(&old, 0, sizeof old);
	if (stats)
		memset(stats, 0, sizeof *stats);
	if (!st || !dir || !*dir)
		return bt_error(err, BT_EINVAL, "bt_dashboard_write: no store or directory");
	memset(&d, 0, sizeof d);
	d.st = st;
	d.dir = dir;
	d.err = err;
	d.run_errors = o ? o->run_errors : NULL;
	d.title = o && o->title && *o->title ? o->title : "benchtrack";
	bt_cp_opts_default(&d.cp);

	static const char *const subdirs[] = { "", "/assets", "/data", "/data/series",
					       "/data/runs" };
	for (size_t i = 0; i < sizeof subdirs / sizeof *subdirs; i++) {
		char *p = bt__pathf("%s%s", dir, subdirs[i]);
		if (!p)
			return BT_ENOMEM;
		rc = bt__mkdir_p(p, err);
		free(p);
		if (rc)
			return rc;
	}

	memset(&f, 0, sizeof f);
	f.include_archived = 1;
	if ((rc = bt_store_query(st, &f, &d.runs, err)))
		return rc;
	if ((rc = bt_store_acks(st, &d.acks, err)))
		goto out;
	d.by_id = malloc((d.runs.n ? d.runs.n : 1) * sizeof *d.by_id);
	d.has_page = calloc(d.runs.n ? d.runs.n : 1, 1);
	if (!d.by_id || !d.has_page) {
		rc = BT_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < d.runs.n; i++)
		d.by_id[i] = &d.runs.items[i];
	qsort(d.by_id, d.runs.n, sizeof *d.by_id, cmp_entry_id);
	{
		/* the change points of the store's series, shared with
		 * `regressions` (kept where the store can be written) */
		char *cp_path = bt_store_cache_path(st, BT_CP_CACHE_FILE);
		rc = cp_path || bt_store_is_remote(st) ? bt_cp_cache_open(&cpc, cp_path, &d.cp)
						       : BT_ENOMEM;
		free(cp_path);
		if (rc)
			goto out;
	}
	/* (a PostgreSQL store has no files: its runs come from the database) */
	if (!bt_store_is_remote(st) && !(d.store_real = realpath(bt_store_dir(st), NULL))) {
		rc = bt_error(err, errno == ENOMEM ? BT_ENOMEM : BT_EIO, "%s: %s",
			      bt_store_dir(st), strerror(errno));
		goto out;
	}

	/* data first, then the index that names it, then the pages, and
	 * only then the files no longer named are removed: an interrupted
	 * run leaves an index whose files all exist */
	/* run pages (helper threads) while this thread writes the trends */
	if ((rc = bt__dash_runs_start(&d, &pool))) {
		bt__dash_runs_finish(&d, &pool, 1);
		goto out;
	}
	memset(&sf, 0, sizeof sf);
	sf.metric = "*"; /* every metric of the runs has its trend */
	/* after the runs the last build saw, only newer ones (the same
	 * acks): only the series they touched are read (state.c) */
	have_old = bt__dash_state_read(&d, &old) == 0 &&
		   old.acks_hash == bt__dash_acks_hash(&d) && old.n_runs <= d.runs.n &&
		   old.runs_hash == bt__dash_runs_hash(&d, 0, old.n_runs);
	if (have_old) {
		sf.n_runs = d.runs.n - old.n_runs; /* the newest */
		new_ids = malloc((sf.n_runs ? sf.n_runs : 1) * sizeof *new_ids);
		if (!new_ids) {
			rc = BT_ENOMEM;
			bt__dash_runs_finish(&d, &pool, 1);
			goto out;
		}
		for (size_t i = 0; i < sf.n_runs; i++)
			new_ids[i] = d.runs.items[i].run_id;
		sf.runs = new_ids;
	}
	d.cpc = cpc;
	if ((!have_old || sf.n_runs) &&
	    (rc = bt_store_series(st, &sf, bt__dash_on_series, &d, NULL, err))) {
		bt__dash_runs_finish(&d, &pool, 1);
		goto out;
	}
	d.stats.series_read = d.n_recs;
	if ((rc = bt__dash_runs_finish(&d, &pool, 0)) ||
	    (rc = bt__dash_assemble(&d, have_old ? &old : NULL)) ||
	    (rc = bt__dash_write_index(&d)) || (rc = bt__dash_write_pages(&d)))
		goto out;
	if (d.n_written)
		qsort(d.written, d.n_written, sizeof *d.written, bt__dash_cmp_str);
	remove_stale(&d, "data/series", d.written, d.n_written);
	remove_stale(&d, "data/runs", pool.keep, pool.n_keep);
	d.stats.runs = d.runs.n;
	/* for the next build (a cache: a failure only makes it a full one) */
	bt__dash_state_write(&d);
	bt_cp_cache_save(cpc, NULL);
	if (stats)
		*stats = d.stats;
out:
	bt__dash_runs_release(&pool);
	bt__dash_state_release(&old);
	free(new_ids);
	bt_cp_cache_close(cpc);
	for (size_t i = 0; i < d.n_recs; i++)
		bt__dash_rec_release(&d.recs[i]);
	free(d.recs);
	free(d.store_real);
	if (rc == BT_ENOMEM && err && !err->len)
		bt_error(err, BT_ENOMEM, "%s: out of memory", dir);
	for (size_t i = 0; i < d.n_regs; i++) {
		free(d.regs[i].t);
		free(d.regs[i].json);
	}
	free(d.regs);
	for (size_t i = 0; i < d.n_evs; i++) {
		free(d.evs[i].t);
		free(d.evs[i].json);
	}
	free(d.evs);
	for (size_t i = 0; i < d.n_written; i++)
		free(d.written[i]);
	free(d.written);
	free(d.by_id);
	free(d.has_page);
	bt_strbuf_release(&d.series_ix);
	bt_strbuf_release(&d.file);
	bt_ack_list_release(&d.acks);
	bt_store_list_release(&d.runs);
	return rc;
}

