/* Rebuilding the index from the run directories and archives
 * (bt_store_reindex, bt_store_reindex_notes), and the walk over
 * STORE/by-type/<type>/<name> that gc's recovery and verify share
 * (bt__store_walk_runs). See include/benchtrack/store.h and storeint.h. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
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



/* One run directory to index. Parsed by a worker, added by the caller. */
struct job {
	char *file, *rel, *dir;
	struct bt_run run;
	struct bt_arena *arena;   /* tags */
	const char **tags;
	size_t n_tags;
	int rc;
	struct bt_strbuf err;
	int done;
};

struct pool {
	const char *store;
	struct job *jobs;
	size_t n, next, consumed, window;
	int stop;
	pthread_mutex_t mu;
	pthread_cond_t cv_done, cv_space;
};

static void *parse_worker(void *arg)
{
	struct pool *p = arg;
	for (;;) {
		pthread_mutex_lock(&p->mu);
		while (!p->stop && p->next < p->n && p->next >= p->consumed + p->window)
			pthread_cond_wait(&p->cv_space, &p->mu);
		if (p->stop || p->next >= p->n) {
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		struct job *j = &p->jobs[p->next++];
		pthread_mutex_unlock(&p->mu);

		j->rc = bt_run_init(&j->run);
		/* the run directory and its run.json as the store wrote them:
		 * never a link out of the store */
		if (!j->rc)
			j->rc = bt__store_nolink(p->store, j->file, 0, &j->err);
		/* the index needs no samples: the fast reader skips them (and
		 * leaves anything doubtful to the strict one, for its error) */
		if (!j->rc)
			j->rc = bt__run_read_file_summary(&j->run, j->file,
							  &j->err);
		if (!j->rc)
			j->rc = (j->arena = bt__arena_new()) ? 0 : BT_ENOMEM;
		if (!j->rc)
			j->rc = bt__store_read_tags(j->dir, j->arena, &j->tags,
						    &j->n_tags, &j->err);

		pthread_mutex_lock(&p->mu);
		j->done = 1;
		pthread_cond_broadcast(&p->cv_done);
		pthread_mutex_unlock(&p->mu);
	}
}

static void job_release(struct job *j)
{
	bt_run_release(&j->run);
	bt__arena_free(j->arena);
	bt_strbuf_release(&j->err);
	free(j->file);
	free(j->rel);
	free(j->dir);
}

int bt__store_walk_runs(const char *dir, int strict, bt__store_run_fn fn,
			bt__store_unopened_fn unopened, void *ud,
			struct bt_strbuf *err)
{
	char *bt = bt__pathf("%s/by-type", dir);
	if (!bt)
		return BT_ENOMEM;
	DIR *types = opendir(bt);
	if (!types) {
		int rc = errno == ENOENT ? 0 : bt_error(err, BT_EIO, "%s: %s", bt, strerror(errno));
		free(bt);
		return rc;
	}
	int rc = 0;
	struct dirent *t;
	while (!rc && (t = readdir(types))) {
		if (strict ? !bt__store_valid_type(t->d_name) : t->d_name[0] == '.')
			continue;
		char *td = bt__pathf("%s/%s", bt, t->d_name);
		if (!td) {
			rc = BT_ENOMEM;
			break;
		}
		struct stat ls;
		int want = !strict || (lstat(td, &ls) == 0 && S_ISDIR(ls.st_mode));
		DIR *runs = want ? opendir(td) : NULL;
		/* a stray file, or a directory removed meanwhile, holds no
		 * runs; any other failure hides runs, and unopened hears of it */
		if (want && !runs && errno != ENOTDIR && errno != ENOENT && unopened)
			rc = unopened(ud, t->d_name, td, errno);
		struct dirent *r;
		while (!rc && runs && (r = readdir(runs)))
			if (r->d_name[0] != '.')
				rc = fn(ud, t->d_name, r->d_name, td);
		if (runs)
			closedir(runs);
		free(td);
	}
	closedir(types);
	free(bt);
	return rc;
}

/* What index_tree found besides the runs it added. */
struct tree_stats {
	size_t unreadable;      /* run files */
	int first_rc;           /* the error of the first unreadable run */
	struct bt_strbuf first; /* that run, with why */
	size_t unopened;        /* by-type/<type> directories */
	struct bt_strbuf first_dir; /* the first of them, with why */
};

/* The run directories under by-type, as jobs. */
struct job_list {
	struct job **out;
	size_t *n, cap;
	struct tree_stats *ts;
	bt_store_note_fn note;
	void *note_ud;
};

/* A type directory that cannot be opened (permission, I/O): its runs
 * are not seen; named and counted, the walk goes on. */
static int unopened_type(void *ud, const char *type, const char *td, int errnum)
{
	struct job_list *l = ud;
	(void)type;
	if (l->note)
		l->note(l->note_ud, "unreadable", td, strerror(errnum));
	if (!l->ts->unopened++ &&
	    bt_strbuf_addf(&l->ts->first_dir, "%s: %s", td, strerror(errnum)))
		return BT_ENOMEM;
	return 0;
}

static int add_job(void *ud, const char *type, const char *name, const char *td)
{
	struct job_list *l = ud;
	if (bt__vec_reserve((void **)l->out, &l->cap, *l->n + 1, sizeof **l->out))
		return BT_ENOMEM;
	struct job *j = &(*l->out)[(*l->n)++];
	memset(j, 0, sizeof *j);
	j->dir = bt__pathf("%s/%s", td, name);
	j->file = bt__pathf("%s/%s/run.json", td, name);
	j->rel = bt__pathf("by-type/%s/%s/run.json", type, name);
	return !j->dir || !j->file || !j->rel ? BT_ENOMEM : 0;
}

static int list_runs(struct bt_store *st, struct job **out, size_t *n,
		     struct tree_stats *ts, bt_store_note_fn note, void *ud,
		     struct bt_strbuf *err)
{
	*out = NULL;
	*n = 0;
	struct job_list l = { out, n, 0, ts, note, ud };
	return bt__store_walk_runs(st->dir, 0, add_job, unopened_type, &l, err);
}

static int cmp_id(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Clears the index (h, in a transaction) and adds every run of the
 * archives, then every run directory under by-type that is not also in
 * an archive (a gc interrupted before it removed the directory: the
 * archive is the copy that counts, once). The files are parsed by worker
 * threads (JSON parsing is most of the cost) while this thread clears,
 * adds the archives and then inserts the runs in order. A run file that
 * cannot be read, or a type directory that cannot be opened, is reported
 * through note, counted in ts and left out. */
static int index_tree(struct bt_store *st, void *h, bt_store_note_fn note,
		      void *ud, size_t *n_runs, size_t *n_results,
		      struct tree_stats *ts, struct bt_strbuf *err)
{
	struct pool p;
	memset(&p, 0, sizeof p);
	p.store = st->dir;
	struct bt__idset arch = { NULL, 0, 0 };
	int rc = list_runs(st, &p.jobs, &p.n, ts, note, ud, err);
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nw = cpus < 1 ? 1 : cpus > 8 ? 8 : (size_t)cpus;
	pthread_t tid[8];
	size_t started = 0;
	p.window = 64; /* runs parsed ahead of the inserts: bounds memory */
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.cv_done, NULL);
	pthread_cond_init(&p.cv_space, NULL);
	for (size_t i = 0; !rc && i < nw && i < p.n; i++)
		if (pthread_create(&tid[started], NULL, parse_worker, &p) == 0)
			started++;
	if (!rc && p.n && !started)
		rc = bt_error(err, BT_ESYS, "reindex: cannot start a thread");
	/* the old rows go, and the archives come in, while the workers parse
	 * the first files */
	if (!rc)
		rc = st->ops->clear(h, err);
	if (!rc)
		rc = bt__archive_index_all(st->dir, st->ops, h, n_runs, n_results,
					   &arch, err);
	if (!rc && arch.n)
		qsort(arch.v, arch.n, sizeof *arch.v, cmp_id);
	for (size_t i = 0; !rc && i < p.n; i++) {
		struct job *j = &p.jobs[i];
		pthread_mutex_lock(&p.mu);
		while (!j->done)
			pthread_cond_wait(&p.cv_done, &p.mu);
		pthread_mutex_unlock(&p.mu);
		if (j->rc == BT_ENOMEM) {
			rc = BT_ENOMEM;
		} else if (j->rc) {
			/* a broken run file is named and left out: verify
			 * --repair moves it to quarantine/ */
			struct bt_strbuf why = BT_STRBUF_INIT;
			bt__strip_path(&why, j->err.len ? j->err.buf
				       : bt_strerror(j->rc), j->file);
			if (note)
				note(ud, "unreadable", j->file, bt_strbuf_str(&why));
			if (!ts->unreadable++) {
				ts->first_rc = j->rc;
				bt_strbuf_addf(&ts->first, "%s: %s", j->file,
					       bt_strbuf_str(&why));
			}
			bt_strbuf_release(&why);
		} else if (j->run.run_id && arch.n &&
			   bsearch(&j->run.run_id, arch.v, arch.n, sizeof *arch.v,
				   cmp_id)) {
			/* also archived: indexed (and counted) from the archive */
		} else {
			struct bt_index_loc loc = { j->rel, NULL };
			rc = st->ops->add_run(h, &j->run, &loc, j->tags, j->n_tags, err);
			if (!rc) {
				(*n_runs)++;
				*n_results += j->run.n_results;
			}
		}
		bt_run_release(&j->run);
		pthread_mutex_lock(&p.mu);
		p.consumed = i + 1;
		pthread_cond_broadcast(&p.cv_space);
		pthread_mutex_unlock(&p.mu);
	}
	pthread_mutex_lock(&p.mu);
	p.stop = 1;
	pthread_cond_broadcast(&p.cv_space);
	pthread_mutex_unlock(&p.mu);
	for (size_t i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	for (size_t i = 0; i < p.n; i++)
		job_release(&p.jobs[i]);
	free(p.jobs);
	bt__idset_release(&arch);
	pthread_mutex_destroy(&p.mu);
	pthread_cond_destroy(&p.cv_done);
	pthread_cond_destroy(&p.cv_space);
	return rc;
}

/* The error of a rebuild that left runs out (ts), into err: the type
 * directories that could not be opened first (BT_EIO: all their runs are
 * missing), then the run files; returns its code. */
static int left_out_error(struct bt_strbuf *err, const struct tree_stats *ts)
{
	struct bt_strbuf m = BT_STRBUF_INIT;
	size_t bad = ts->unreadable;
	const char *first = ts->first.len ? ts->first.buf : "?";
	int rc = ts->unopened ? BT_EIO : ts->first_rc;
	if (ts->unopened == 1)
		bt_strbuf_addf(&m, "1 type directory could not be opened and its runs "
			       "are not in the index: %s; make it readable and run "
			       "`benchtrack reindex` again", ts->first_dir.buf);
	else if (ts->unopened)
		bt_strbuf_addf(&m, "%zu type directories could not be opened and their "
			       "runs are not in the index (the first: %s); make them "
			       "readable and run `benchtrack reindex` again",
			       ts->unopened, ts->first_dir.buf);
	if (ts->unopened && bad)
		bt_strbuf_addf(&m, "; also %zu run file%s could not be read (the "
			       "first: %s; `benchtrack verify --repair` moves %s to "
			       "quarantine/)", bad, bad == 1 ? "" : "s", first,
			       bad == 1 ? "it" : "them");
	else if (bad == 1)
		bt_strbuf_addf(&m, "1 run file could not be read and is not in the "
			       "index: %s; `benchtrack verify --repair` moves it to "
			       "quarantine/", first);
	else if (bad)
		bt_strbuf_addf(&m, "%zu run files could not be read and are not in "
			       "the index (the first: %s); `benchtrack verify --repair` "
			       "moves them to quarantine/", bad, first);
	rc = bt_error(err, rc, "%s", bt_strbuf_str(&m));
	bt_strbuf_release(&m);
	return rc;
}

/* See storeint.h. */
int bt__store_reindex_locked(struct bt_store *st, bt_store_note_fn note, void *ud,
			  size_t *n_runs, size_t *n_results, size_t *n_unreadable,
			  int *first_rc, struct bt_strbuf *err)
{
	size_t runs = 0, results = 0;
	struct tree_stats ts = { 0, 0, BT_STRBUF_INIT, 0, BT_STRBUF_INIT };
	void *h;
	/* a damaged index (not a database, corrupt: what "run benchtrack
	 * reindex" is said for) is replaced, the files being the record; a
	 * permission or I/O error is reported and the file left alone */
	char *ip = bt__pathf("%s/index.db", st->dir);
	int rc = ip ? st->ops->open(&h, ip, BT__INDEX_REPLACE_DAMAGED, err) : BT_ENOMEM;
	free(ip);
	if (rc)
		goto out;
	int bulk = st->ops->bulk(h, 1, err) == 0;
	if (!(rc = st->ops->begin(h, err))) {
		/* drop what is there, add what the files say, in one transaction:
		 * readers see the old index or the new one (the clear happens in
		 * index_tree, once its parsers are running) */
		rc = index_tree(st, h, note, ud, &runs, &results, &ts, err);
		if (rc)
			st->ops->rollback(h);
		else
			rc = st->ops->commit(h, err);
	}
	if (bulk)
		st->ops->bulk(h, 0, NULL);
	/* latest/ follows the new index */
	if (!rc) {
		struct bt_arena *a = bt__arena_new();
		const char **types = NULL;
		size_t nt = 0, all = 0, archived = 0;
		rc = a ? st->ops->census(h, &all, &archived, &types, &nt, a, err)
		       : BT_ENOMEM;
		for (size_t i = 0; !rc && i < nt; i++)
			rc = bt__store_update_latest(st, h, types[i], err);
		bt__arena_free(a);
	}
	st->ops->close(h);
	if (!rc)
		rc = bt_store_write_readme(st, err);
	if (!rc && (ts.unreadable || ts.unopened)) {
		int lrc = left_out_error(err, &ts);
		if (first_rc)
			*first_rc = lrc;
	}
out:
	bt_strbuf_release(&ts.first);
	bt_strbuf_release(&ts.first_dir);
	if (n_runs)
		*n_runs = runs;
	if (n_results)
		*n_results = results;
	if (n_unreadable)
		*n_unreadable = ts.unreadable + ts.unopened;
	return rc;
}

int bt_store_reindex_notes(struct bt_store *st, bt_store_note_fn note, void *ud,
			   size_t *n_runs, size_t *n_results,
			   size_t *n_unreadable, struct bt_strbuf *err)
{
	size_t bad = 0;
	if (n_runs)
		*n_runs = 0;
	if (n_results)
		*n_results = 0;
	if (n_unreadable)
		*n_unreadable = 0;
	if (st->pg)
		return bt__pg_reindex(st, note, ud, n_runs, n_results, n_unreadable, err);
	int lock = bt__store_lock(st->dir, err);
	if (lock < 0)
		return lock;
	int first = 0;
	int rc = bt__store_reindex_locked(st, note, ud, n_runs, n_results, &bad, &first, err);
	bt__store_unlock(lock);
	if (n_unreadable)
		*n_unreadable = rc ? 0 : bad; /* only those left out of a new index */
	return !rc && bad ? first : rc;
}

int bt_store_reindex(struct bt_store *st, size_t *n_runs, size_t *n_results,
		     struct bt_strbuf *err)
{
	return bt_store_reindex_notes(st, NULL, NULL, n_runs, n_results, NULL, err);
}
