/* serve's threads: the store's signature, the dashboard copies and the
 * regeneration thread that writes them, the worker thread that computes
 * the heavy answers and their cache (serve.h). */
#include <errno.h>
#include <fts.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "serve.h"

/* --- the store's signature ---------------------------------------------- */

static void store_sig(const char *dir, struct store_sig *s)
{
	static const char *const names[] = { "index.db", "index.db-wal", "acks.json" };
	char path[PATH_MAX];
	memset(s, 0, sizeof *s);
	if (bt__pg_is_url(dir)) {
		/* a PostgreSQL store: its stamp, hashed (no files to look at) */
		struct bt_store *st = NULL;
		char stamp[256];
		if (bt_store_open(&st, dir, BT_STORE_READONLY, NULL) == 0 &&
		    bt_store_stamp(st, stamp, sizeof stamp, NULL) == 0) {
			unsigned long long h = 1469598103934665603ULL;
			for (const char *p = stamp; *p; p++)
				h = (h ^ (unsigned char)*p) * 1099511628211ULL;
			s->f[0].exists = 1;
			s->f[0].size = (off_t)(h >> 1);
		}
		bt_store_close(st);
		return;
	}
	for (int i = 0; i < 3; i++) {
		struct stat st;
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		if (stat(path, &st) != 0)
			continue;
		s->f[i].exists = 1;
		s->f[i].dev = st.st_dev;
		s->f[i].ino = st.st_ino;
		s->f[i].size = st.st_size;
		s->f[i].mtime_ns = (long long)st.st_mtim.tv_sec * 1000000000LL +
				   st.st_mtim.tv_nsec;
	}
}

static int sig_equal(const struct store_sig *a, const struct store_sig *b)
{
	for (int i = 0; i < 3; i++) {
		const struct file_sig *x = &a->f[i], *y = &b->f[i];
		if (x->exists != y->exists || x->dev != y->dev || x->ino != y->ino ||
		    x->size != y->size || x->mtime_ns != y->mtime_ns)
			return 0;
	}
	return 1;
}

/* --- the dashboard copies ----------------------------------------------- */

void serve_rmtree(const char *dir)
{
	if (dir)
		bt__rm_tree(dir, NULL); /* the library's one tree remover */
}


/* Copies the tree from into to (which exists) with hard links, so that
 * bt_dashboard_write can update the copy incrementally (it keeps run
 * files it wrote before) while from stays whole: it replaces files by
 * renaming new ones into place, never writing into a linked file. 0 or -1
 * (then the copy is simply written from scratch). */
static int link_tree(const char *from, const char *to)
{
	char *argv_from = strdup(from);
	FTS *fts;
	FTSENT *e;
	char *const roots[] = { argv_from, NULL };
	size_t nf = strlen(from);
	int rc = 0;

	if (!argv_from || !(fts = fts_open(roots, FTS_PHYSICAL | FTS_NOCHDIR, NULL))) {
		free(argv_from);
		return -1;
	}
	while (!rc && (e = fts_read(fts))) {
		char dst[PATH_MAX];
		if (e->fts_level == 0 || e->fts_info == FTS_DP)
			continue;
		if (snprintf(dst, sizeof dst, "%s%s", to, e->fts_path + nf) >= (int)sizeof dst)
			rc = -1;
		else if (e->fts_info == FTS_D)
			rc = mkdir(dst, 0700);
		else if (e->fts_info == FTS_F)
			rc = link(e->fts_path, dst);
	}
	fts_close(fts);
	free(argv_from);
	return rc ? -1 : 0;
}

/* Never returns (BENCHTRACK_TEST_SERVE_STALL: a thread that is stuck). */
static void stall_forever(void)
{
	for (;;)
		sleep(3600);
}

/* Writes a new copy of the dashboard and swaps it in; 0 or BT_E* with
 * err set. sig is the store's signature taken before reading it. Called
 * by the regeneration thread only; stall: never returns once the new
 * copy is half made (a test hook). */
static int regenerate(struct server *s, const struct store_sig *sig,
		      struct bt_strbuf *err, int stall)
{
	struct bt_store *st = NULL;
	struct bt_dashboard_opts o = { 0 };
	char *dir = NULL, *old;
	unsigned gen;
	int rc;

	pthread_mutex_lock(&s->mu);
	gen = ++s->gen;
	pthread_mutex_unlock(&s->mu);
	if (asprintf(&dir, "%s/gen-%u", s->wbase, gen) < 0)
		return BT_ENOMEM;
	if (mkdir(dir, 0700) != 0) {
		rc = bt_error(err, BT_EIO, "%s: %s", dir, strerror(errno));
		free(dir);
		return rc;
	}
	/* only this thread changes cur */
	if (s->cur && link_tree(s->cur, dir) != 0) {
		serve_rmtree(dir);
		mkdir(dir, 0700);
	}
	if (stall)
		stall_forever();
	rc = bt_store_open(&st, s->store_dir, BT_STORE_READONLY, err);
	if (!rc)
		rc = bt_dashboard_write(st, dir, &o, NULL, err);
	bt_store_close(st);
	if (rc) {
		serve_rmtree(dir);
		free(dir);
		return rc;
	}
	pthread_rwlock_wrlock(&s->lock);
	old = s->cur;
	s->cur = dir;
	pthread_rwlock_unlock(&s->lock);
	/* no request is opening a file in old any more; open ones stay readable */
	serve_rmtree(old);
	free(old);
	pthread_mutex_lock(&s->mu);
	s->sig = *sig;
	pthread_mutex_unlock(&s->mu);
	return 0;
}

/* msg (err text of a copy) with the copies' directory named by its
 * name rather than by /proc/self/fd/N: malloc'd, or NULL. */
char *serve_real_paths(const struct server *s, const char *msg)
{
	struct bt_strbuf b = BT_STRBUF_INIT;
	size_t nw = strlen(s->wbase);
	const char *p;
	if (strcmp(s->wbase, s->base) == 0)
		return strdup(msg);
	while ((p = strstr(msg, s->wbase))) {
		bt_strbuf_addf(&b, "%.*s%s", (int)(p - msg), msg, s->base);
		msg = p + nw;
	}
	bt_strbuf_addf(&b, "%s", msg);
	return bt_strbuf_detach(&b);
}

/* The regeneration thread: the first copy (s->first says how it went),
 * then a new one whenever asked and the store changed, until stop. */
void *serve_regen_main(void *arg)
{
	struct server *s = arg;
	struct store_sig first;
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	store_sig(s->store_dir, &first);
	if (regenerate(s, &first, &s->first_err, 0)) {
		atomic_store(&s->first, -1);
		return NULL;
	}
	atomic_store(&s->first, 1);
	for (;;) {
		struct store_sig now, had;
		struct bt_strbuf err = BT_STRBUF_INIT;
		pthread_mutex_lock(&s->mu);
		while (!s->want && !s->stop)
			pthread_cond_wait(&s->cv, &s->mu);
		if (s->stop) {
			pthread_mutex_unlock(&s->mu);
			break;
		}
		s->want = 0;
		had = s->sig;
		pthread_mutex_unlock(&s->mu);
		store_sig(s->store_dir, &now);
		if (sig_equal(&now, &had))
			continue;
		if (regenerate(s, &now, &err, s->stall & STALL_REGEN)) {
			char *msg = err.len ? serve_real_paths(s, err.buf) : NULL;
			fprintf(stderr, "benchtrack serve: warning: dashboard not updated: %s\n",
				msg ? msg : "out of memory");
			free(msg);
			/* not again until the store changes again */
			pthread_mutex_lock(&s->mu);
			s->sig = now;
			pthread_mutex_unlock(&s->mu);
		}
		bt_strbuf_release(&err);
	}
	return NULL;
}

/* Called by requests: at most once per SERVE_CHECK_MS, wakes the
 * regeneration thread when the store changed. Never blocks for long. */
void serve_check_store(struct server *s)
{
	long long now = serve_now_ms(), last = atomic_load(&s->last_check);
	struct store_sig sig;
	if (now - last < SERVE_CHECK_MS ||
	    !atomic_compare_exchange_strong(&s->last_check, &last, now))
		return;
	store_sig(s->store_dir, &sig);
	pthread_mutex_lock(&s->mu);
	if (!sig_equal(&sig, &s->sig)) {
		s->want = 1;
		pthread_cond_signal(&s->cv);
	}
	pthread_mutex_unlock(&s->mu);
}

/* --- heavy answers: the worker and its cache ------------------------------- */

static void job_free(struct job *j)
{
	if (!j)
		return;
	free(j->key);
	free(j->since);
	free(j->metric);
	free(j->machine);
	free(j->suite);
	free(j->name);
	free(j);
}

/* Hands status and text (copied) to every waiter of j and resumes them;
 * under hmu. */
static void job_answer(struct server *s, struct job *j, unsigned status,
		       const char *text)
{
	struct req *r, *next;
	for (r = j->waiters; r; r = next) {
		next = r->next;
		r->next = NULL;
		r->status = status;
		r->text = text ? strdup(text) : NULL;
		r->done = 1;
		r->answered = 1;
		s->n_answering++;
		s->n_waiters--;
		MHD_resume_connection(r->c);
	}
	j->waiters = NULL;
	j->n_waiters = 0;
}

static void cache_put(struct server *s, const struct job *j, const char *text)
{
	struct cache_ent *e = NULL;
	char *k = strdup(j->key), *t = strdup(text);
	if (!k || !t) {
		free(k);
		free(t);
		return;
	}
	for (int i = 0; i < SERVE_CACHE_ENTRIES && !e; i++)
		if (s->cache[i].key && strcmp(s->cache[i].key, j->key) == 0)
			e = &s->cache[i];
	for (int i = 0; i < SERVE_CACHE_ENTRIES && !e; i++)
		if (!s->cache[i].key)
			e = &s->cache[i];
	if (!e) {
		e = &s->cache[0];
		for (int i = 1; i < SERVE_CACHE_ENTRIES; i++)
			if (s->cache[i].used < e->used)
				e = &s->cache[i];
	}
	free(e->key);
	free(e->text);
	e->key = k;
	e->text = t;
	e->sig = j->sig;
	e->used = serve_now_ms();
}

void *serve_worker_main(void *arg)
{
	struct server *s = arg;
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	pthread_mutex_lock(&s->hmu);
	for (;;) {
		struct job *j;
		unsigned status;
		char *text;
		while (!s->queue && !s->hstop)
			pthread_cond_wait(&s->hcv, &s->hmu);
		if (s->hstop)
			break;
		j = s->queue;
		s->queue = j->next;
		j->next = NULL;
		s->running = j;
		/* the signature before reading the store: an answer is never
		 * newer than the signature it is kept under */
		store_sig(s->store_dir, &j->sig);
		pthread_mutex_unlock(&s->hmu);
		if (s->stall & STALL_WORKER)
			stall_forever();
		text = serve_series_compute(s->store_dir, j->what, NULL, j->since, j->all,
					    j->metric, j->machine, j->suite, j->name, &status);
		pthread_mutex_lock(&s->hmu);
		if (text && status == MHD_HTTP_OK)
			cache_put(s, j, text);
		job_answer(s, j, status, text);
		free(text);
		s->running = NULL;
		s->n_jobs--;
		job_free(j);
	}
	/* stopping: whoever still waits gets a 503 */
	while (s->queue) {
		struct job *j = s->queue;
		char *text = serve_error_text(MHD_HTTP_SERVICE_UNAVAILABLE, "shutting down");
		s->queue = j->next;
		job_answer(s, j, MHD_HTTP_SERVICE_UNAVAILABLE, text);
		free(text);
		s->n_jobs--;
		job_free(j);
	}
	pthread_mutex_unlock(&s->hmu);
	return NULL;
}

static char *dup_opt(const char *v, int *fail)
{
	char *d = v ? strdup(v) : NULL;
	if (v && !d)
		*fail = 1;
	return d;
}

/* A heavy answer for request r: from the cache when the store has not
 * changed since it was computed, else by the worker (the request is
 * suspended until it is there), or 503 when too many wait already. */
enum MHD_Result serve_heavy(struct server *s, struct MHD_Connection *c, struct req *r,
			    int what, const char *since, int all, const char *metric,
			    const char *machine, const char *suite, const char *name)
{
	struct store_sig now;
	struct job *j = NULL;
	char *key = NULL, *text = NULL;
	int fail = 0;

	/* \x1f is in no parameter (refused); "=" marks one given */
	if (asprintf(&key, "%d\x1f%d\x1f%s%s\x1f%s%s\x1f%s%s\x1f%s%s\x1f%s%s", what, all,
		     since ? "=" : "", since ? since : "", metric ? "=" : "",
		     metric ? metric : "", machine ? "=" : "", machine ? machine : "",
		     suite ? "=" : "", suite ? suite : "", name ? "=" : "",
		     name ? name : "") < 0)
		return MHD_NO;
	store_sig(s->store_dir, &now);
	pthread_mutex_lock(&s->hmu);
	for (int i = 0; i < SERVE_CACHE_ENTRIES; i++) {
		struct cache_ent *e = &s->cache[i];
		if (e->key && strcmp(e->key, key) == 0 && sig_equal(&e->sig, &now)) {
			e->used = serve_now_ms();
			text = strdup(e->text);
			pthread_mutex_unlock(&s->hmu);
			free(key);
			return serve_reply_text(c, MHD_HTTP_OK, "application/json", text);
		}
	}
	if (s->hstop || s->n_waiters >= SERVE_HEAVY_WAITERS) {
		pthread_mutex_unlock(&s->hmu);
		free(key);
		return serve_reply_busy(c);
	}
	/* the same answer, already wanted: wait for it too (a running one
	 * only when it started on the store as it is now) */
	if (s->running && strcmp(s->running->key, key) == 0 &&
	    sig_equal(&s->running->sig, &now))
		j = s->running;
	for (struct job *q = s->queue; q && !j; q = q->next)
		if (strcmp(q->key, key) == 0)
			j = q;
	if (!j) {
		struct job **tail;
		if (s->n_jobs >= SERVE_HEAVY_JOBS || !(j = calloc(1, sizeof *j))) {
			pthread_mutex_unlock(&s->hmu);
			free(key);
			return serve_reply_busy(c);
		}
		j->key = key;
		key = NULL;
		j->what = what;
		j->all = all;
		j->since = dup_opt(since, &fail);
		j->metric = dup_opt(metric, &fail);
		j->machine = dup_opt(machine, &fail);
		j->suite = dup_opt(suite, &fail);
		j->name = dup_opt(name, &fail);
		if (fail) {
			pthread_mutex_unlock(&s->hmu);
			job_free(j);
			return MHD_NO;
		}
		for (tail = &s->queue; *tail; tail = &(*tail)->next)
			;
		*tail = j;
		s->n_jobs++;
		pthread_cond_signal(&s->hcv);
	}
	free(key);
	r->c = c;
	r->next = j->waiters;
	j->waiters = r;
	j->n_waiters++;
	s->n_waiters++;
	MHD_suspend_connection(c);
	pthread_mutex_unlock(&s->hmu);
	return MHD_YES;
}

/* --- stopping ---------------------------------------------------------------- */

void serve_worker_stop(struct server *s, int wait)
{
	char *text = serve_error_text(MHD_HTTP_SERVICE_UNAVAILABLE, "shutting down");
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += SERVE_STOP_SEND_MS / 1000;
	until.tv_nsec += (SERVE_STOP_SEND_MS % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&s->hmu);
	s->hstop = 1;
	if (s->running)
		job_answer(s, s->running, MHD_HTTP_SERVICE_UNAVAILABLE, text);
	for (struct job *j = s->queue; j; j = j->next)
		job_answer(s, j, MHD_HTTP_SERVICE_UNAVAILABLE, text);
	pthread_cond_broadcast(&s->hcv);
	while (wait && s->n_answering &&
	       pthread_cond_timedwait(&s->hcv, &s->hmu, &until) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&s->hmu);
	free(text);
}

void serve_join_threads(struct server *s)
{
	if (s->worker_started)
		pthread_join(s->worker, NULL);
	if (s->regen_started) {
		pthread_mutex_lock(&s->mu);
		s->stop = 1;
		pthread_cond_signal(&s->cv);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->regen, NULL);
	}
}
