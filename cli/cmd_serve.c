/* benchtrack serve [--bind ADDR] [--port N] [--store DIR]: the dashboard
 * of a store live, and a read-only JSON API computed from the store for
 * each request, on libmicrohttpd (docs/cmd/serve.md).
 *
 * The dashboard: a private copy written by bt_dashboard_write into
 * BASE/gen-N (BASE a mkdtemp directory, removed at exit). A request looks
 * at the store's signature (index.db, index.db-wal, acks.json: inode,
 * size, mtime) at most once a second; when it changed, the regeneration
 * thread writes a new copy and swaps it in under a write lock, so a
 * request opens its file in one whole copy or the next, never in a half
 * written one (an open file stays readable after its copy is removed).
 *
 * The API opens the store read-only per request (each query opens its
 * own SQLite connection: WAL readers, fine while runs are being stored),
 * except the heavy answers (/api/series, /api/regressions: every series
 * with its change points): those are computed by one worker thread, never
 * by the MHD threads, and kept per store signature and query (a small
 * cache), so that a burst of them neither recomputes the same answer nor
 * holds up the dashboard's files. A request whose answer is not cached is
 * suspended (MHD_suspend_connection) until the worker has it; when too
 * many are waiting already it is answered 503 with Retry-After.
 *
 * Signals: INT, TERM, HUP and QUIT are blocked in every thread before the
 * temporary directory is made and taken by the main thread (sigtimedwait),
 * which does nothing else that can block for long (the first copy too is
 * written by the regeneration thread), so that the directory is removed
 * whichever of them comes, and whenever. Stopping waits SERVE_STOP_MS at
 * most for the threads (a computation or a copy that never ends, a second
 * signal: at once); after that the process removes the directory and
 * exits without joining them (_exit: nothing they use is freed). The
 * threads write the copies only through /proc/self/fd/N (N: the directory
 * open), never by its name, so that once it is removed nothing can be
 * created in it again, nor the directory itself.
 *
 * Requests: GET and HEAD only (405); the path is decoded here, from the
 * raw URI (MHD_OPTION_URI_LOG_CALLBACK), so that an encoded "/" or NUL is
 * refused rather than decoded into the path, and a raw NUL too (400);
 * "." and ".." segments, empty segments, backslashes and control
 * characters are refused (400); files are only ever opened inside the
 * current copy. Request size, connection count (in all and per address),
 * idle time and the time to receive a request's line and headers (in
 * all: a connection that trickles them is closed by a sweep of the main
 * thread) are bounded; libmicrohttpd's messages, and serve's own about
 * closed connections, are rate-limited on stderr.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <ftw.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "opts.h"

#define SERVE_MAX_URI 2048          /* raw request target, bytes (414 above) */
#define SERVE_MEMORY_LIMIT (32 * 1024) /* per connection: request line + headers */
#define SERVE_MAX_CONNECTIONS 256
#define SERVE_MAX_PER_IP 64
#define SERVE_TIMEOUT_S 15          /* idle connections are closed */
#define SERVE_HEADER_MS 10000       /* a request's line and headers, in all */
#define SERVE_STOP_MS 3000          /* waiting for the threads when stopping */
#define SERVE_STOP_SEND_MS 1000     /* ... of which for the 503s to waiters */
#define SERVE_LOG_BURST 5           /* messages on stderr per window ... */
#define SERVE_LOG_WINDOW_MS 10000   /* ... then counted, said at its end */
#define SERVE_THREADS 4             /* MHD thread pool */
#define SERVE_CHECK_MS 1000         /* store signature checked at most this often */
#define SERVE_MAX_LIMIT 100000      /* /api/runs?limit= */
#define SERVE_DEFAULT_LIMIT 1000    /* /api/runs without limit= (limit=0: all) */
#define SERVE_HEAVY_JOBS 4          /* heavy answers queued or computing */
#define SERVE_HEAVY_WAITERS 64      /* requests waiting for them */
#define SERVE_CACHE_ENTRIES 8       /* heavy answers kept */
#define SERVE_RETRY_AFTER "2"       /* seconds, with a 503 */

/* --- the store's signature ---------------------------------------------- */

struct file_sig {
	dev_t dev;
	ino_t ino;
	off_t size;
	long long mtime_ns;
	int exists;
};

struct store_sig {
	struct file_sig f[3]; /* index.db, index.db-wal, acks.json */
};

static void store_sig(const char *dir, struct store_sig *s)
{
	static const char *const names[] = { "index.db", "index.db-wal", "acks.json" };
	char path[PATH_MAX];
	memset(s, 0, sizeof *s);
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

/* --- the server ---------------------------------------------------------- */

/* One request (MHD's req_cls): the raw target, and while it waits for a
 * heavy answer, its place in a job's waiters. */
struct req {
	char *raw;               /* raw request target */
	const char *raw_at;      /* where MHD had it (its buffer): a raw NUL check */
	struct MHD_Connection *c;
	struct req *next;        /* the job's waiters */
	int done;                /* the worker has answered: status, text */
	int answered;            /* resumed with an answer: counted in n_answering */
	unsigned status;
	char *text;
};

/* A heavy answer to compute: what and its parameters, all in key. */
struct job {
	char *key;               /* "what\x1fsince\x1fall\x1fmetric\x1f..." */
	int what;                /* enum series_what */
	char *since, *metric, *machine, *suite, *name;
	int all;
	struct store_sig sig;    /* taken when it started (running only) */
	struct req *waiters;
	size_t n_waiters;
	struct job *next;
};

struct cache_ent {
	char *key;               /* NULL: unused */
	struct store_sig sig;    /* of the store before it was computed */
	char *text;              /* the 200 answer */
	long long used;          /* now_ms() of the last hit */
};

/* A connection (MHD's socket context), for the header deadline. */
struct conn {
	int fd;                  /* its socket (MHD closes it only after
				  * NOTIFY_CLOSED, which unlinks this under cmu) */
	long long since;         /* now_ms() when it began to wait for a request */
	int in_request;          /* the request's headers are in (on_request ran) */
	int shut;                /* shut down by the sweep */
	struct conn *prev, *next;
};

enum { STALL_REGEN = 1, STALL_WORKER = 2 }; /* BENCHTRACK_TEST_SERVE_STALL */

struct server {
	const char *store_dir;
	char *store_real;        /* realpath of the store, for /api/runs/ID */
	char *base;              /* private directory of the dashboard copies */
	int base_fd;             /* base, open (-1: not yet) */
	char *wbase;             /* the path the copies are made and read by:
				  * /proc/self/fd/base_fd (base if unusable) */
	int stall;               /* STALL_*: a test hook, see cmd_serve */
	long long header_ms;     /* --header-timeout */

	atomic_int first;        /* the first copy: 0 being written, 1 done,
				  * -1 failed (first_err says why) */
	struct bt_strbuf first_err;

	pthread_rwlock_t lock;   /* readers open files in cur; the swap writes */
	char *cur;               /* the current copy (under lock) */

	pthread_mutex_t mu;      /* guards what follows */
	pthread_cond_t cv;
	int want, stop;
	struct store_sig sig;    /* of the store when cur was written */
	unsigned gen;            /* copies written */
	pthread_t regen;
	int regen_started;

	atomic_llong last_check; /* CLOCK_MONOTONIC ms of the last look */

	pthread_mutex_t hmu;     /* the heavy answers: guards what follows */
	pthread_cond_t hcv;
	struct job *queue;       /* waiting to be computed, oldest first */
	struct job *running;     /* being computed by the worker */
	size_t n_jobs, n_waiters;
	size_t n_answering;      /* resumed with an answer, not yet completed */
	int hstop;
	struct cache_ent cache[SERVE_CACHE_ENTRIES];
	pthread_t worker;
	int worker_started;

	pthread_mutex_t cmu;     /* the connections */
	struct conn *conns;

	pthread_mutex_t lmu;     /* the rate limit of messages on stderr */
	long long lwin;          /* now_ms() when the window began */
	int lactive, lshown;
	long lhidden;            /* not shown in this window */
};

static long long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)st, (void)type, (void)f;
	return remove(path);
}

static void rmtree(const char *dir)
{
	if (dir)
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
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
		rmtree(dir);
		mkdir(dir, 0700);
	}
	if (stall)
		stall_forever();
	rc = bt_store_open(&st, s->store_dir, BT_STORE_READONLY, err);
	if (!rc)
		rc = bt_dashboard_write(st, dir, &o, NULL, err);
	bt_store_close(st);
	if (rc) {
		rmtree(dir);
		free(dir);
		return rc;
	}
	pthread_rwlock_wrlock(&s->lock);
	old = s->cur;
	s->cur = dir;
	pthread_rwlock_unlock(&s->lock);
	/* no request is opening a file in old any more; open ones stay readable */
	rmtree(old);
	free(old);
	pthread_mutex_lock(&s->mu);
	s->sig = *sig;
	pthread_mutex_unlock(&s->mu);
	return 0;
}

/* msg (err text of a copy) with the copies' directory named by its
 * name rather than by /proc/self/fd/N: malloc'd, or NULL. */
static char *real_paths(const struct server *s, const char *msg)
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
static void *regen_main(void *arg)
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
			char *msg = err.len ? real_paths(s, err.buf) : NULL;
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
static void check_store(struct server *s)
{
	long long now = now_ms(), last = atomic_load(&s->last_check);
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

/* --- responses ------------------------------------------------------------ */

static void common_headers(struct MHD_Response *r, const char *type,
			   const char *cache)
{
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, cache);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
}

static enum MHD_Result queue(struct MHD_Connection *c, unsigned status,
			     struct MHD_Response *r)
{
	enum MHD_Result ret;
	if (!r)
		return MHD_NO; /* out of memory: MHD closes the connection */
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* Sends text (malloc'd, taken) as the body, with one more header hname:
 * hvalue when hname is not NULL. */
static enum MHD_Result reply_text_h(struct MHD_Connection *c, unsigned status,
				    const char *type, char *text,
				    const char *hname, const char *hvalue)
{
	struct MHD_Response *r;
	if (!text)
		return MHD_NO;
	r = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(text);
		return MHD_NO;
	}
	common_headers(r, type, "no-store");
	if (hname)
		MHD_add_response_header(r, hname, hvalue);
	return queue(c, status, r);
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned status,
				  const char *type, char *text)
{
	return reply_text_h(c, status, type, text, NULL, NULL);
}

/* Sends root (a reference taken) as compact JSON. */
static enum MHD_Result reply_json(struct MHD_Connection *c, unsigned status,
				  json_t *root)
{
	char *text = root ? json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(root);
	return reply_text(c, status, "application/json", text);
}

/* {"error": MESSAGE, "status": STATUS} as compact JSON (malloc'd) or NULL. */
static char *error_textv(unsigned status, const char *fmt, va_list ap)
{
	char msg[512];
	json_t *root;
	char *text;
	vsnprintf(msg, sizeof msg, fmt, ap);
	root = json_pack("{s:s, s:i}", "error", msg, "status", (int)status);
	text = root ? json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(root);
	return text;
}

static char *error_text(unsigned status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static char *error_text(unsigned status, const char *fmt, ...)
{
	va_list ap;
	char *text;
	va_start(ap, fmt);
	text = error_textv(status, fmt, ap);
	va_end(ap);
	return text;
}

static enum MHD_Result reply_error(struct MHD_Connection *c, unsigned status,
				   const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static enum MHD_Result reply_error(struct MHD_Connection *c, unsigned status,
				   const char *fmt, ...)
{
	va_list ap;
	char *text;
	va_start(ap, fmt);
	text = error_textv(status, fmt, ap);
	va_end(ap);
	return reply_text(c, status, "application/json", text);
}

/* 503 with Retry-After: too many heavy answers wanted at once. */
static enum MHD_Result reply_busy(struct MHD_Connection *c)
{
	return reply_text_h(c, MHD_HTTP_SERVICE_UNAVAILABLE, "application/json",
			    error_text(MHD_HTTP_SERVICE_UNAVAILABLE,
				       "busy: too many requests for computed "
				       "answers at once; retry later"),
			    MHD_HTTP_HEADER_RETRY_AFTER, SERVE_RETRY_AFTER);
}

/* A store error: not found 404, bad input 400, else 500. */
static enum MHD_Result reply_store_error(struct MHD_Connection *c, int rc,
					 const struct bt_strbuf *err)
{
	unsigned status = rc == BT_ENOTFOUND ? MHD_HTTP_NOT_FOUND
			: rc == BT_EINVAL ? MHD_HTTP_BAD_REQUEST
			: MHD_HTTP_INTERNAL_SERVER_ERROR;
	return reply_error(c, status, "%s", err && err->len ? err->buf : bt_strerror(rc));
}

/* Sends the file open on fd (taken) with its content type. */
static enum MHD_Result reply_fd(struct MHD_Connection *c, int fd, off_t size,
				const char *type, const char *cache)
{
	struct MHD_Response *r = MHD_create_response_from_fd((uint64_t)size, fd);
	if (!r) {
		close(fd);
		return MHD_NO;
	}
	common_headers(r, type, cache);
	return queue(c, MHD_HTTP_OK, r);
}

static const char *content_type(const char *path)
{
	static const char *const types[][2] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" },
		{ ".css", "text/css; charset=utf-8" },
		{ ".json", "application/json" },
		{ ".svg", "image/svg+xml" },
		{ ".png", "image/png" },
		{ ".ico", "image/x-icon" },
		{ ".txt", "text/plain; charset=utf-8" },
		{ ".md", "text/markdown; charset=utf-8" },
		{ ".csv", "text/csv; charset=utf-8" },
		{ ".woff2", "font/woff2" },
	};
	const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
	if (dot && (!slash || dot > slash))
		for (size_t i = 0; i < sizeof types / sizeof *types; i++)
			if (strcmp(dot, types[i][0]) == 0)
				return types[i][1];
	return "application/octet-stream";
}

/* --- the request path ---------------------------------------------------- */

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Decodes the path of the raw request target (up to '?' or '#') into out
 * (at least strlen(raw) + 1 bytes). 0, or -1 for a path that is refused:
 * not starting with '/', a bad or encoded '/', '\' or NUL escape, a
 * backslash, a control character, an empty, "." or ".." segment (a
 * trailing '/' is allowed). */
static int decode_path(const char *raw, char *out)
{
	size_t n = 0;
	const char *p = raw;
	if (*p != '/')
		return -1;
	for (; *p && *p != '?' && *p != '#'; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch == '%') {
			int hi = hexval(p[1]), lo = hi < 0 ? -1 : hexval(p[2]);
			if (hi < 0 || lo < 0)
				return -1;
			ch = (unsigned char)(hi * 16 + lo);
			if (ch == '/' || ch == '\\' || ch == 0)
				return -1;
			p += 2;
		}
		if (ch == '\\' || ch < 0x20 || ch == 0x7f)
			return -1;
		out[n++] = (char)ch;
	}
	out[n] = '\0';
	/* segments */
	for (const char *s = out + 1; *s;) {
		const char *e = strchr(s, '/');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		if (len == 0 || (len == 1 && s[0] == '.') ||
		    (len == 2 && s[0] == '.' && s[1] == '.'))
			return -1;
		if (!e)
			break;
		s = e + 1;
	}
	return 0;
}

/* A dashboard file: rel has no leading '/', no "." / ".." / empty
 * segments (decode_path). */
static enum MHD_Result serve_file(struct server *s, struct MHD_Connection *c,
				  const char *rel)
{
	char path[PATH_MAX];
	struct stat st;
	int fd, n;

	check_store(s);
	/* hidden files (".x") are never part of the dashboard */
	if (rel[0] == '.' || strstr(rel, "/."))
		return reply_error(c, MHD_HTTP_NOT_FOUND, "no such page");
	pthread_rwlock_rdlock(&s->lock);
	n = snprintf(path, sizeof path, "%s/%s%s", s->cur, rel,
		     !*rel || rel[strlen(rel) - 1] == '/' ? "index.html" : "");
	fd = n > 0 && (size_t)n < sizeof path
		     ? open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) : -1;
	pthread_rwlock_unlock(&s->lock);
	if (fd < 0)
		return reply_error(c, MHD_HTTP_NOT_FOUND, "no such page");
	if (fstat(fd, &st) != 0) {
		close(fd);
		return reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot read the page");
	}
	if (!S_ISREG(st.st_mode)) {
		int dir = S_ISDIR(st.st_mode);
		close(fd);
		if (dir) {
			/* a directory: its index page, at the URL with a '/' */
			char *loc = NULL;
			struct MHD_Response *r;
			if (asprintf(&loc, "/%s/", rel) < 0)
				return MHD_NO;
			r = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
			if (r) {
				common_headers(r, "text/plain; charset=utf-8", "no-cache");
				MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, loc);
			}
			free(loc);
			return queue(c, MHD_HTTP_MOVED_PERMANENTLY, r);
		}
		return reply_error(c, MHD_HTTP_NOT_FOUND, "no such page");
	}
	return reply_fd(c, fd, st.st_size, content_type(path), "no-cache");
}

/* --- the JSON API ---------------------------------------------------------- */

static const char *arg(struct MHD_Connection *c, const char *name)
{
	const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
	return v && *v ? v : NULL;
}

/* 1 when every byte of v is in set or alphanumeric, and 0 < len <= max. */
static int token_ok(const char *v, const char *set, size_t max)
{
	size_t n = strlen(v);
	if (n == 0 || n > max)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)v[i];
		if (!(ch >= '0' && ch <= '9') && !(ch >= 'a' && ch <= 'z') &&
		    !(ch >= 'A' && ch <= 'Z') && !strchr(set, ch))
			return 0;
	}
	return 1;
}

static int hex_ok(const char *v, size_t min, size_t max)
{
	size_t n = strlen(v);
	if (n < min || n > max)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (hexval(v[i]) < 0)
			return 0;
	return 1;
}

static json_t *num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *entry_json(const struct bt_store_entry *e)
{
	json_t *tags = json_array();
	for (size_t k = 0; tags && k < e->n_tags; k++)
		json_array_append_new(tags, json_string(e->tags[k]));
	/* the shape of `benchtrack list --format json` */
	return json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:o, s:s?, s:s?, s:s?, s:s?, s:s?,"
			 " s:I, s:I, s:b, s:o}",
			 "run_id", e->run_id, "type", e->type, "timestamp", e->timestamp,
			 "commit", e->commit, "branch", e->branch,
			 "dirty", e->dirty < 0 ? json_null() : json_boolean(e->dirty),
			 "machine", e->machine, "fingerprint", e->fingerprint,
			 "suite", e->suite, "path", e->path, "archive", e->archive,
			 "n_results", (json_int_t)e->n_results,
			 "n_failed", (json_int_t)e->n_failed, "milestone", e->milestone,
			 "tags", tags ? tags : json_array());
}

static enum MHD_Result api_runs(struct server *s, struct MHD_Connection *c)
{
	struct bt_store_filter f;
	struct bt_store_list l;
	struct bt_strbuf err = BT_STRBUF_INIT;
	struct bt_store *st = NULL;
	const char *limit = arg(c, "limit");
	enum MHD_Result ret;
	json_t *runs;
	int rc;

	memset(&f, 0, sizeof f);
	f.type = arg(c, "type");
	f.machine = arg(c, "machine");
	f.since = arg(c, "since");
	f.until = arg(c, "until");
	f.commit = arg(c, "commit");
	f.branch = arg(c, "branch");
	f.benchmark = arg(c, "name");
	f.tag = arg(c, "tag");
	if ((f.since && !token_ok(f.since, "-:.TZ+", 40)) ||
	    (f.until && !token_ok(f.until, "-:.TZ+", 40)))
		return reply_error(c, MHD_HTTP_BAD_REQUEST,
				   "since/until: expected a date (YYYY-MM-DD) or a time");
	if (f.commit && !hex_ok(f.commit, 1, 64))
		return reply_error(c, MHD_HTTP_BAD_REQUEST, "commit: expected hex digits");
	f.limit = SERVE_DEFAULT_LIMIT;
	if (limit) {
		char *end;
		long n = strtol(limit, &end, 10);
		if (*end || n < 0 || n > SERVE_MAX_LIMIT || limit[0] == '-' || limit[0] == '+')
			return reply_error(c, MHD_HTTP_BAD_REQUEST,
					   "limit: expected an integer from 0 (all) to %d",
					   SERVE_MAX_LIMIT);
		f.limit = (size_t)n; /* 0: no limit */
	}
	rc = bt_store_open(&st, s->store_dir, BT_STORE_READONLY, &err);
	if (!rc)
		rc = bt_store_query(st, &f, &l, &err);
	bt_store_close(st);
	if (rc) {
		ret = reply_store_error(c, rc, &err);
		bt_strbuf_release(&err);
		return ret;
	}
	runs = json_array();
	for (size_t i = 0; runs && i < l.n; i++)
		if (json_array_append_new(runs, entry_json(&l.items[i])))
			json_decref(runs), runs = NULL;
	bt_store_list_release(&l);
	bt_strbuf_release(&err);
	if (!runs)
		return MHD_NO;
	return reply_json(c, MHD_HTTP_OK, json_pack("{s:I, s:o}", "count",
						    (json_int_t)json_array_size(runs),
						    "runs", runs));
}

static enum MHD_Result api_run(struct server *s, struct MHD_Connection *c,
			       const char *ref)
{
	struct bt_strbuf err = BT_STRBUF_INIT;
	struct bt_store *st = NULL;
	char *path = NULL, *real = NULL;
	size_t nb = strlen(s->store_real);
	enum MHD_Result ret;
	struct stat sb;
	int rc, fd = -1;

	if (!(strcmp(ref, "latest") == 0 ||
	      (strncmp(ref, "latest:", 7) == 0 && token_ok(ref + 7, "._-", 64) &&
	       ref[7] != '.') ||
	      hex_ok(ref, 4, 64)))
		return reply_error(c, MHD_HTTP_BAD_REQUEST, "'%.80s': expected a run id "
				   "(or a prefix of 4 or more hex digits), latest or latest:TYPE",
				   ref);
	rc = bt_store_open(&st, s->store_dir, BT_STORE_READONLY, &err);
	if (!rc)
		rc = bt_store_resolve(st, ref, &path, &err);
	bt_store_close(st);
	/* only ever a run.json inside the store */
	if (!rc && (!(real = realpath(path, NULL)) || strncmp(real, s->store_real, nb) ||
		    real[nb] != '/' || strlen(real) < 9 ||
		    strcmp(real + strlen(real) - 9, "/run.json")))
		rc = bt_error(&err, BT_ENOTFOUND, "no run '%s' in the store", ref);
	/* O_NONBLOCK: a FIFO (or device) put there must not block the open;
	 * only a regular file is served, then read blocking */
	if (!rc && ((fd = open(real, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
		    fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
		    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0))
		rc = bt_error(&err, BT_ENOTFOUND, "no run '%s' in the store", ref);
	free(path);
	free(real);
	if (rc) {
		if (fd >= 0)
			close(fd);
		ret = reply_store_error(c, rc, &err);
	} else {
		ret = reply_fd(c, fd, sb.st_size, "application/json", "no-store");
	}
	bt_strbuf_release(&err);
	return ret;
}

static const char *direction_name(int d)
{
	return d == BT_HIGHER_IS_BETTER ? "higher_is_better" : "lower_is_better";
}

/* The series without its points (the shape of `benchtrack history
 * --format json`). */
static json_t *series_head(const struct bt_series *s)
{
	return json_pack("{s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s, s:s?, s:s, s:I}",
			 "series_key", s->series_key, "suite", s->suite, "name", s->name,
			 "variant", s->variant, "params", s->params, "machine", s->machine,
			 "fingerprint", s->fingerprint, "metric", s->metric, "unit", s->unit,
			 "direction", direction_name(s->direction),
			 "n_points", (json_int_t)s->n);
}

struct series_walk {
	struct bt_ack_list acks;
	struct bt_cp_opts cp;
	json_t *out;             /* /api/series/KEY: the series; /api/series: array */
	size_t n;
	int one;                 /* /api/series/KEY */
	/* /api/regressions */
	const char *since;
	int all;
	size_t found, acked;
	struct bt_strbuf err;
};

static int series_one(void *ud, const struct bt_series *s)
{
	struct series_walk *w = ud;
	struct bt_cp_result cps;
	json_t *o, *pts, *cpj;
	int rc;

	if (++w->n > 1)
		return 0; /* an ambiguous prefix: counted only */
	if ((rc = bt_series_changepoints(s, &w->cp, &cps, &w->err)))
		return rc;
	o = series_head(s);
	pts = json_array();
	cpj = json_array();
	for (size_t i = 0; pts && i < s->n; i++) {
		const struct bt_series_point *p = &s->points[i];
		json_array_append_new(
			pts, json_pack("{s:I, s:s, s:s?, s:s, s:o, s:o, s:o, s:o, s:o, s:I}",
				       "index", (json_int_t)i, "run_id", p->run_id,
				       "commit", p->commit, "timestamp", p->timestamp,
				       "value", num(p->value), "p25", num(p->p25),
				       "p75", num(p->p75), "min", num(p->min),
				       "max", num(p->max), "n", (json_int_t)p->n));
	}
	for (size_t k = 0; cpj && k < cps.n; k++) {
		const struct bt_change_point *cp = &cps.points[k];
		const struct bt_series_point *p = &s->points[cp->index];
		json_array_append_new(
			cpj, json_pack("{s:I, s:s, s:s?, s:s, s:o, s:o, s:o, s:o, s:s, s:b}",
				       "index", (json_int_t)cp->index, "run_id", p->run_id,
				       "commit", p->commit, "timestamp", p->timestamp,
				       "p_value", num(cp->p_value),
				       "mean_before", num(cp->mean_before),
				       "mean_after", num(cp->mean_after),
				       "rel_change", num(cp->rel_change),
				       "verdict", bt_series_change_worse(s, cp) ? "regressed"
										: "improved",
				       "acknowledged",
				       bt_series_change_acked(s, cp->index, &w->acks)));
	}
	bt_cp_result_release(&cps);
	if (!o || !pts || !cpj || json_object_set_new(o, "points", pts) ||
	    json_object_set_new(o, "change_points", cpj)) {
		json_decref(o);
		return BT_ENOMEM;
	}
	w->out = o;
	return 0;
}

static int series_list_one(void *ud, const struct bt_series *s)
{
	struct series_walk *w = ud;
	json_t *o = series_head(s);
	const struct bt_series_point *last = s->n ? &s->points[s->n - 1] : NULL;
	if (!o)
		return BT_ENOMEM;
	if (last)
		json_object_set_new(o, "last", json_pack("{s:s, s:s?, s:s, s:o}",
							 "run_id", last->run_id,
							 "commit", last->commit,
							 "timestamp", last->timestamp,
							 "value", num(last->value)));
	return json_array_append_new(w->out, o) ? BT_ENOMEM : 0;
}

static int regressions_one(void *ud, const struct bt_series *s)
{
	struct series_walk *w = ud;
	struct bt_cp_result cps;
	int rc = bt_series_changepoints(s, &w->cp, &cps, &w->err);
	if (rc)
		return rc;
	for (size_t k = 0; k < cps.n && !rc; k++) {
		const struct bt_change_point *cp = &cps.points[k];
		const struct bt_series_point *p = &s->points[cp->index];
		int worse = bt_series_change_worse(s, cp);
		int acked;
		if (w->since && strcmp(p->timestamp, w->since) < 0)
			continue;
		if (!worse && !w->all)
			continue;
		acked = bt_series_change_acked(s, cp->index, &w->acks);
		w->found++;
		w->acked += acked;
		json_t *o = json_pack("{s:s, s:s?, s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s?,"
				      " s:s, s:s?, s:s, s:o, s:o, s:o, s:o, s:b}",
				      "timestamp", p->timestamp, "commit", p->commit,
				      "run_id", p->run_id,
				      "verdict", worse ? "regressed" : "improved",
				      "series_key", s->series_key, "suite", s->suite,
				      "name", s->name, "variant", s->variant,
				      "params", s->params, "metric", s->metric,
				      "unit", s->unit, "direction", direction_name(s->direction),
				      "mean_before", num(cp->mean_before),
				      "mean_after", num(cp->mean_after),
				      "rel_change", num(cp->rel_change),
				      "p_value", num(cp->p_value), "acknowledged", acked);
		if (!o || json_object_set_new(o, "machine", s->machine
							 ? json_string(s->machine)
							 : json_null()) ||
		    json_array_append_new(w->out, o))
			rc = BT_ENOMEM;
	}
	bt_cp_result_release(&cps);
	return rc;
}

enum series_what { SERIES_ONE, SERIES_LIST, SERIES_REGRESSIONS };

/* Computes a series answer (what: enum series_what) into *status and
 * its JSON text (malloc'd; NULL: out of memory). The parameters are
 * checked by the caller. */
static char *series_compute(const char *store_dir, int what, const char *key,
			    const char *since, int all, const char *metric,
			    const char *machine, const char *suite, const char *name,
			    unsigned *status)
{
	struct series_walk w;
	struct bt_series_filter f;
	struct bt_store *st = NULL;
	json_t *root = NULL;
	char *text;
	size_t n_series = 0;
	int rc;

	memset(&w, 0, sizeof w);
	memset(&f, 0, sizeof f);
	bt_cp_opts_default(&w.cp);
	f.series_key = key;
	f.metric = metric;
	f.machine = machine;
	if (what == SERIES_LIST) {
		f.suite = suite;
		f.name = name;
	}
	w.since = since;
	w.all = all;
	*status = MHD_HTTP_INTERNAL_SERVER_ERROR;
	if (what != SERIES_ONE && !(w.out = json_array()))
		return NULL;
	rc = bt_store_open(&st, store_dir, BT_STORE_READONLY, &w.err);
	if (!rc && what != SERIES_LIST)
		rc = bt_store_acks(st, &w.acks, &w.err);
	if (!rc)
		rc = bt_store_series(st, &f,
				     what == SERIES_ONE ? series_one
				     : what == SERIES_LIST ? series_list_one
							   : regressions_one,
				     &w, &n_series, &w.err);
	bt_store_close(st);
	if (rc) {
		*status = rc == BT_ENOTFOUND ? MHD_HTTP_NOT_FOUND
			: rc == BT_EINVAL ? MHD_HTTP_BAD_REQUEST
			: MHD_HTTP_INTERNAL_SERVER_ERROR;
		text = error_text(*status, "%s", w.err.len ? w.err.buf : bt_strerror(rc));
	} else if (what == SERIES_ONE && w.n == 0) {
		*status = MHD_HTTP_NOT_FOUND;
		text = error_text(*status, "no series '%s'%s%s", key,
				  f.metric ? " of metric " : "", f.metric ? f.metric : "");
	} else if (what == SERIES_ONE && w.n > 1) {
		*status = MHD_HTTP_BAD_REQUEST;
		text = error_text(*status, "series key prefix '%s' is ambiguous (%zu series)",
				  key, w.n);
	} else {
		*status = MHD_HTTP_OK;
		if (what == SERIES_ONE)
			root = json_incref(w.out);
		else if (what == SERIES_LIST)
			root = json_pack("{s:I, s:O}", "count", (json_int_t)n_series,
					 "series", w.out);
		else
			root = json_pack("{s:I, s:I, s:I, s:O}", "series", (json_int_t)n_series,
					 "found", (json_int_t)w.found,
					 "acknowledged", (json_int_t)w.acked,
					 "regressions", w.out);
		text = root ? json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
		json_decref(root);
	}
	json_decref(w.out);
	bt_ack_list_release(&w.acks);
	bt_strbuf_release(&w.err);
	return text;
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
	e->used = now_ms();
}

static void *worker_main(void *arg)
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
		text = series_compute(s->store_dir, j->what, NULL, j->since, j->all, j->metric,
				      j->machine, j->suite, j->name, &status);
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
		char *text = error_text(MHD_HTTP_SERVICE_UNAVAILABLE, "shutting down");
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
static enum MHD_Result heavy(struct server *s, struct MHD_Connection *c, struct req *r,
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
			e->used = now_ms();
			text = strdup(e->text);
			pthread_mutex_unlock(&s->hmu);
			free(key);
			return reply_text(c, MHD_HTTP_OK, "application/json", text);
		}
	}
	if (s->hstop || s->n_waiters >= SERVE_HEAVY_WAITERS) {
		pthread_mutex_unlock(&s->hmu);
		free(key);
		return reply_busy(c);
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
			return reply_busy(c);
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

static enum MHD_Result api_series(struct server *s, struct MHD_Connection *c,
				  struct req *r, enum series_what what, const char *key)
{
	const char *all_s = arg(c, "all"), *metric = arg(c, "metric"),
		   *machine = arg(c, "machine"), *since = arg(c, "since"),
		   *suite = what == SERIES_LIST ? arg(c, "suite") : NULL,
		   *name = what == SERIES_LIST ? arg(c, "name") : NULL;
	int all = all_s && (strcmp(all_s, "1") == 0 || strcmp(all_s, "true") == 0);
	unsigned status;

	if (key && !hex_ok(key, 4, 64))
		return reply_error(c, MHD_HTTP_BAD_REQUEST, "'%.80s': expected a series key "
				   "(or a prefix of 4 or more hex digits)", key);
	if (metric && !token_ok(metric, "._-:/", 64))
		return reply_error(c, MHD_HTTP_BAD_REQUEST, "metric: not a metric name");
	if (since && !token_ok(since, "-:.TZ+", 40))
		return reply_error(c, MHD_HTTP_BAD_REQUEST,
				   "since: expected a date (YYYY-MM-DD) or a time");
	/* suite, name, machine: compared in SQL, never part of a path */
	if ((suite && strchr(suite, '\x1f')) || (name && strchr(name, '\x1f')) ||
	    (machine && strchr(machine, '\x1f')))
		return reply_error(c, MHD_HTTP_BAD_REQUEST, "bad parameter");
	if (what != SERIES_ONE)
		return heavy(s, c, r, what, since, all, metric, machine, suite, name);
	char *text = series_compute(s->store_dir, what, key, since, all, metric, machine,
				    NULL, NULL, &status);
	return reply_text(c, status, "application/json", text);
}

static enum MHD_Result api(struct server *s, struct MHD_Connection *c,
			   struct req *r, const char *path)
{
	if (strcmp(path, "") == 0 || strcmp(path, "/") == 0)
		return reply_json(c, MHD_HTTP_OK, json_pack(
			"{s:s, s:[s, s, s, s, s]}", "version", BENCHTRACK_VERSION,
			"endpoints", "/api/runs", "/api/runs/ID", "/api/series",
			"/api/series/KEY", "/api/regressions"));
	if (strcmp(path, "/runs") == 0 || strcmp(path, "/runs/") == 0)
		return api_runs(s, c);
	if (strncmp(path, "/runs/", 6) == 0 && !strchr(path + 6, '/'))
		return api_run(s, c, path + 6);
	if (strcmp(path, "/series") == 0 || strcmp(path, "/series/") == 0)
		return api_series(s, c, r, SERIES_LIST, NULL);
	if (strncmp(path, "/series/", 8) == 0 && !strchr(path + 8, '/'))
		return api_series(s, c, r, SERIES_ONE, path + 8);
	if (strcmp(path, "/regressions") == 0 || strcmp(path, "/regressions/") == 0)
		return api_series(s, c, r, SERIES_REGRESSIONS, NULL);
	return reply_error(c, MHD_HTTP_NOT_FOUND, "no such API endpoint");
}

/* --- messages on stderr, rate-limited ----------------------------------------- */

/* Ends the window of messages when it is over (or at once: force), and
 * says how many were not shown in it. */
static void log_roll(struct server *s, int force)
{
	long long now = now_ms();
	pthread_mutex_lock(&s->lmu);
	if (s->lactive && (force || now - s->lwin >= SERVE_LOG_WINDOW_MS)) {
		if (s->lhidden)
			fprintf(stderr, "benchtrack serve: %ld more messages not shown "
				"(at most %d every %d s)\n", s->lhidden, SERVE_LOG_BURST,
				SERVE_LOG_WINDOW_MS / 1000);
		s->lactive = 0;
		s->lshown = 0;
		s->lhidden = 0;
	}
	pthread_mutex_unlock(&s->lmu);
}

/* "benchtrack serve: " and the message (with its newline), unless
 * SERVE_LOG_BURST were shown already in this window: then it is counted. */
static void log_msgv(struct server *s, const char *fmt, va_list ap)
{
	log_roll(s, 0);
	pthread_mutex_lock(&s->lmu);
	if (!s->lactive) {
		s->lactive = 1;
		s->lwin = now_ms();
	}
	if (s->lshown < SERVE_LOG_BURST) {
		s->lshown++;
		fputs("benchtrack serve: ", stderr);
		vfprintf(stderr, fmt, ap);
	} else {
		s->lhidden++;
	}
	pthread_mutex_unlock(&s->lmu);
}

static void log_msg(struct server *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void log_msg(struct server *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_msgv(s, fmt, ap);
	va_end(ap);
}

/* --- connections: the header deadline ----------------------------------------- */

static struct conn *conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

/* The connection's request has its headers (in 1), or it waits for the
 * next request from now on (in 0). */
static void conn_mark(struct server *s, struct MHD_Connection *c, int in)
{
	struct conn *k = conn_of(c);
	if (!k)
		return;
	pthread_mutex_lock(&s->cmu);
	if (!in && k->in_request)
		k->since = now_ms();
	k->in_request = in;
	pthread_mutex_unlock(&s->cmu);
}

static void on_connection(void *cls, struct MHD_Connection *c, void **ctx,
			  enum MHD_ConnectionNotificationCode code)
{
	struct server *s = cls;
	struct conn *k = *ctx;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		if (!ci)
			return;
		if (!(k = calloc(1, sizeof *k))) {
			/* untracked, it would have no deadline: refused */
			shutdown(ci->connect_fd, SHUT_RDWR);
			return;
		}
		k->fd = ci->connect_fd;
		k->since = now_ms();
		pthread_mutex_lock(&s->cmu);
		k->next = s->conns;
		if (s->conns)
			s->conns->prev = k;
		s->conns = k;
		pthread_mutex_unlock(&s->cmu);
		*ctx = k;
	} else if (code == MHD_CONNECTION_NOTIFY_CLOSED && k) {
		pthread_mutex_lock(&s->cmu);
		if (k->prev)
			k->prev->next = k->next;
		else
			s->conns = k->next;
		if (k->next)
			k->next->prev = k->prev;
		pthread_mutex_unlock(&s->cmu);
		free(k);
		*ctx = NULL;
	}
}

/* Shuts down every connection that has waited header_ms or more for a
 * request line and headers, however slowly bytes of them came (MHD's
 * timeout is an idle one, which each byte resets); MHD then closes it. */
static void sweep(struct server *s)
{
	long long now = now_ms();
	int n = 0;
	pthread_mutex_lock(&s->cmu);
	for (struct conn *k = s->conns; k; k = k->next)
		if (!k->in_request && !k->shut && now - k->since >= s->header_ms) {
			shutdown(k->fd, SHUT_RDWR);
			k->shut = 1;
			n++;
		}
	pthread_mutex_unlock(&s->cmu);
	if (n)
		log_msg(s, "closed %d connection%s that sent no whole request (line and "
			"headers) within %.1f s\n", n, n == 1 ? "" : "s",
			(double)s->header_ms / 1000);
}

/* --- libmicrohttpd callbacks ---------------------------------------------- */

/* The request, with its raw target, kept for the handler (freed when
 * completed; never while it waits for the worker: it is suspended). */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct req *r = calloc(1, sizeof *r);
	(void)cls, (void)c;
	if (r && !(r->raw = strdup(uri ? uri : ""))) {
		free(r);
		r = NULL;
	}
	if (r)
		r->raw_at = uri;
	return r;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct server *s = cls;
	struct req *r = *req_cls;
	(void)toe;
	conn_mark(s, c, 0);
	if (r && r->answered) {
		pthread_mutex_lock(&s->hmu);
		s->n_answering--;
		pthread_cond_broadcast(&s->hcv);
		pthread_mutex_unlock(&s->hmu);
	}
	if (r) {
		free(r->raw);
		free(r->text);
		free(r);
	}
	*req_cls = NULL;
}

/* 1 when the raw request target held a NUL byte. MHD hands on_uri the
 * target as a C string, cut at a NUL, in its own buffer, where the
 * target ends one byte (the space) before the HTTP version it hands the
 * handler: a target longer than the string held a NUL. Where the two do
 * not lie so (another libmicrohttpd), 0. */
static int raw_nul(const struct req *r, const char *version)
{
	uintptr_t at = (uintptr_t)r->raw_at, v = (uintptr_t)version;
	if (!r->raw_at || !version || v <= at || v - at > SERVE_MEMORY_LIMIT)
		return 0;
	return v - at - 1 > strlen(r->raw);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *upload_data,
				  size_t *upload_data_size, void **req_cls)
{
	struct server *s = cls;
	struct req *r = *req_cls;
	const char *raw = r ? r->raw : NULL;
	enum MHD_Result ret;
	char *path;

	(void)url, (void)upload_data, (void)upload_data_size;
	conn_mark(s, c, 1);
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
		return reply_text_h(c, MHD_HTTP_METHOD_NOT_ALLOWED, "application/json",
				    error_text(MHD_HTTP_METHOD_NOT_ALLOWED,
					       "method not allowed: use GET or HEAD"),
				    MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	}
	if (!raw)
		return MHD_NO;
	if (r->done) {
		/* resumed: the worker's answer */
		char *text = r->text;
		r->text = NULL;
		r->done = 0;
		if (r->status == MHD_HTTP_SERVICE_UNAVAILABLE) {
			free(text);
			return reply_busy(c);
		}
		return reply_text(c, r->status, "application/json", text);
	}
	if (strlen(raw) > SERVE_MAX_URI)
		return reply_error(c, MHD_HTTP_URI_TOO_LONG, "request target longer "
				   "than %d bytes", SERVE_MAX_URI);
	if (!(path = malloc(strlen(raw) + 1)))
		return MHD_NO;
	if (raw_nul(r, version) || decode_path(raw, path) != 0)
		ret = reply_error(c, MHD_HTTP_BAD_REQUEST, "bad path");
	else if (strncmp(path, "/api", 4) == 0 && (path[4] == '/' || path[4] == '\0'))
		ret = api(s, c, r, path + 4);
	else
		ret = serve_file(s, c, path + 1);
	free(path);
	return ret;
}

static void on_log(void *cls, const char *fmt, va_list ap)
{
	log_msgv(cls, fmt, ap);
}

/* --- the command ----------------------------------------------------------- */

static int is_loopback(const struct sockaddr_storage *a)
{
	if (a->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)a)->sin_addr.s_addr) >> 24) == 127;
	if (a->ss_family == AF_INET6) {
		const struct in6_addr *x = &((const struct sockaddr_in6 *)a)->sin6_addr;
		return IN6_IS_ADDR_LOOPBACK(x) ||
		       (IN6_IS_ADDR_V4MAPPED(x) && x->s6_addr[12] == 127);
	}
	return 0;
}

/* A duration with its unit ("10s", "500ms", "1m") in milliseconds, from
 * 100 ms to an hour; -1 otherwise (a bare number too). */
static long long parse_ms(const char *v)
{
	char *end;
	double x, mul;
	if (!((*v >= '0' && *v <= '9') || *v == '.'))
		return -1;
	errno = 0;
	x = strtod(v, &end);
	if (end == v || errno)
		return -1;
	if (strcmp(end, "ms") == 0)
		mul = 1;
	else if (strcmp(end, "s") == 0)
		mul = 1000;
	else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
		mul = 60000;
	else
		return -1;
	x *= mul;
	return x >= 100 && x <= 3600000 ? (long long)x : -1;
}

/* Stops the worker (whoever waits for a heavy answer, queued or being
 * computed, gets a 503 now, sent before the daemon stops, for up to
 * SERVE_STOP_SEND_MS: so that no connection is left suspended and the
 * daemon need not wait for the worker), the daemon, then the
 * regeneration thread, and joins them: as long as that takes. */
static void stop_threads(struct server *s, struct MHD_Daemon *d)
{
	if (s->worker_started) {
		char *text = error_text(MHD_HTTP_SERVICE_UNAVAILABLE, "shutting down");
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
		while (d && s->n_answering &&
		       pthread_cond_timedwait(&s->hcv, &s->hmu, &until) != ETIMEDOUT)
			;
		pthread_mutex_unlock(&s->hmu);
		free(text);
	}
	if (d)
		MHD_stop_daemon(d);
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

struct stopper {
	struct server *s;
	struct MHD_Daemon *d;
	atomic_int done;
};

static void *stopper_main(void *arg)
{
	struct stopper *t = arg;
	stop_threads(t->s, t->d);
	atomic_store(&t->done, 1);
	return NULL;
}

/* stop_threads within SERVE_STOP_MS: 0 when it was done (all joined);
 * -1 when it was not, -2 when one of sigs came meanwhile. Then the
 * threads may still run, using s: the caller must exit without freeing
 * anything (exit_now). */
static int stop_bounded(struct server *s, struct MHD_Daemon *d, const sigset_t *sigs)
{
	struct stopper *t;
	pthread_t th;
	long long end = now_ms() + SERVE_STOP_MS;

	if (!s->worker_started && !s->regen_started && !d)
		return 0;
	if (!(t = calloc(1, sizeof *t)))
		goto unbounded;
	t->s = s;
	t->d = d;
	if (pthread_create(&th, NULL, stopper_main, t) != 0) {
		free(t);
		goto unbounded;
	}
	while (!atomic_load(&t->done)) {
		long long left = end - now_ms();
		struct timespec ts = { 0, 0 };
		if (left <= 0)
			return -1; /* t stays: the stopper uses it */
		ts.tv_nsec = (left > 20 ? 20 : left) * 1000000L;
		if (sigtimedwait(sigs, NULL, &ts) > 0)
			return -2;
	}
	pthread_join(th, NULL);
	free(t);
	return 0;
unbounded:
	stop_threads(s, d);
	return 0;
}

/* Removes the copies' directory although a thread may still be writing
 * into it (through wbase: once the directory is gone it can create
 * nothing more), then ends the process with code. */
static void exit_now(struct server *s, int code)
{
	struct stat st;
	log_roll(s, 1);
	for (int i = 0; i < 100 && s->base && lstat(s->base, &st) == 0; i++)
		rmtree(s->base);
	fflush(stdout);
	fflush(stderr);
	_exit(code);
}

static int cmd_serve(int argc, char **argv)
{
	const char *store_dir = NULL, *bind_addr = "127.0.0.1", *port_s = "8080",
		   *header_s = NULL;
	int help = 0, n_args = 0, code;
	char *args[1];
	struct bt_opt opts[] = {
		{ "--store", &store_dir, NULL }, { "--bind", &bind_addr, NULL },
		{ "--port", &port_s, NULL },     { "--header-timeout", &header_s, NULL },
		{ NULL, NULL, NULL },
	};
	struct sockaddr_storage sa;
	struct server s;
	struct bt_strbuf err = BT_STRBUF_INIT;
	struct bt_store *st = NULL;
	struct MHD_Daemon *d = NULL;
	const union MHD_DaemonInfo *info;
	sigset_t sigs;
	unsigned flags;
	long port;
	long long header_ms = SERVE_HEADER_MS;
	char *end, tmpl[PATH_MAX];
	const char *tmp = getenv("TMPDIR"), *stall = getenv("BENCHTRACK_TEST_SERVE_STALL");
	int sig_no = 0, ipv6, rc;

	if ((code = bt_opts_parse("serve", argc, argv, opts, &help, args, 0, &n_args)))
		return code;
	if (help)
		return bt_cmd_print_help("serve");
	port = strtol(port_s, &end, 10);
	if (!*port_s || *end || port < 0 || port > 65535) {
		bt_front_error("serve: --port: '%s' is not a port number (0 to 65535)", port_s);
		return BT_EXIT_USAGE;
	}
	if (header_s && (header_ms = parse_ms(header_s)) < 0) {
		bt_front_error("serve: --header-timeout: '%s' is not a duration with its unit "
			       "from 100ms to 60m (e.g. 10s, 500ms)", header_s);
		return BT_EXIT_USAGE;
	}
	memset(&sa, 0, sizeof sa);
	if (inet_pton(AF_INET, bind_addr, &((struct sockaddr_in *)&sa)->sin_addr) == 1) {
		sa.ss_family = AF_INET;
		((struct sockaddr_in *)&sa)->sin_port = htons((uint16_t)port);
		ipv6 = 0;
	} else if (inet_pton(AF_INET6, bind_addr,
			     &((struct sockaddr_in6 *)&sa)->sin6_addr) == 1) {
		sa.ss_family = AF_INET6;
		((struct sockaddr_in6 *)&sa)->sin6_port = htons((uint16_t)port);
		ipv6 = 1;
	} else {
		bt_front_error("serve: --bind: '%s' is not an IPv4 or IPv6 address", bind_addr);
		return BT_EXIT_USAGE;
	}
	if (!is_loopback(&sa))
		fprintf(stderr, "benchtrack serve: warning: binding %s, not a loopback "
			"address: anyone who can reach it can read the store\n", bind_addr);

	memset(&s, 0, sizeof s);
	s.base_fd = -1;
	s.header_ms = header_ms;
	/* a test hook (tests/cli/test_serve.c): "regen" makes the regeneration
	 * thread hang in every copy after the first, "worker" the worker in
	 * every computation, as a bug could */
	if (stall && strstr(stall, "regen"))
		s.stall |= STALL_REGEN;
	if (stall && strstr(stall, "worker"))
		s.stall |= STALL_WORKER;
	pthread_rwlock_init(&s.lock, NULL);
	pthread_mutex_init(&s.mu, NULL);
	pthread_cond_init(&s.cv, NULL);
	pthread_mutex_init(&s.hmu, NULL);
	pthread_cond_init(&s.hcv, NULL);
	pthread_mutex_init(&s.cmu, NULL);
	pthread_mutex_init(&s.lmu, NULL);
	code = BT_EXIT_ERROR;

	/* INT, TERM, HUP and QUIT are taken by sigtimedwait below: blocked in
	 * every thread (the threads inherit the mask) from before the
	 * temporary directory exists, so that it is removed whenever one comes */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGQUIT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (bt_store_open(&st, store_dir, BT_STORE_READONLY, &err)) {
		bt_front_error("serve: %s", err.len ? err.buf : "out of memory");
		goto out;
	}
	s.store_dir = bt_store_dir(st);
	if (!(s.store_real = realpath(s.store_dir, NULL))) {
		bt_front_error("serve: %s: %s", s.store_dir, strerror(errno));
		goto out;
	}
	snprintf(tmpl, sizeof tmpl, "%s/benchtrack-serve-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(tmpl) || !(s.base = strdup(tmpl))) {
		bt_front_error("serve: %s: %s", tmpl, strerror(errno));
		goto out;
	}
	/* the copies are made through the directory open, not its name */
	if ((s.base_fd = open(s.base, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		struct stat a, b;
		char proc[64];
		snprintf(proc, sizeof proc, "/proc/self/fd/%d", s.base_fd);
		if (fstat(s.base_fd, &a) == 0 && stat(proc, &b) == 0 && a.st_dev == b.st_dev &&
		    a.st_ino == b.st_ino)
			s.wbase = strdup(proc);
	}
	if (!s.wbase && !(s.wbase = strdup(s.base))) {
		bt_front_error("serve: out of memory");
		goto out;
	}
	/* the first copy, before serving: by the regeneration thread, while
	 * this one waits for it or for a signal */
	if (pthread_create(&s.regen, NULL, regen_main, &s) != 0) {
		bt_front_error("serve: cannot start a thread");
		goto out;
	}
	s.regen_started = 1;
	while (!(rc = atomic_load(&s.first)))
		if ((sig_no = sigtimedwait(&sigs, NULL, &(struct timespec){ 0, 20000000 })) > 0)
			goto stopped;
	if (rc < 0) {
		char *msg = s.first_err.len ? real_paths(&s, s.first_err.buf) : NULL;
		bt_front_error("serve: dashboard: %s", msg ? msg : "out of memory");
		free(msg);
		goto out;
	}
	atomic_store(&s.last_check, now_ms());

	if (pthread_create(&s.worker, NULL, worker_main, &s) != 0) {
		bt_front_error("serve: cannot start a thread");
		goto out;
	}
	s.worker_started = 1;

	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG |
		MHD_ALLOW_SUSPEND_RESUME | (ipv6 ? MHD_USE_IPv6 : 0);
	d = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, on_request, &s,
			     MHD_OPTION_EXTERNAL_LOGGER, on_log, &s,
			     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
			     MHD_OPTION_THREAD_POOL_SIZE, (unsigned)SERVE_THREADS,
			     MHD_OPTION_CONNECTION_LIMIT, (unsigned)SERVE_MAX_CONNECTIONS,
			     MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)SERVE_MAX_PER_IP,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)SERVE_TIMEOUT_S,
			     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SERVE_MEMORY_LIMIT,
			     MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
			     MHD_OPTION_NOTIFY_COMPLETED, on_completed, &s,
			     MHD_OPTION_NOTIFY_CONNECTION, on_connection, &s,
			     MHD_OPTION_END);
	if (!d) {
		bt_front_error("serve: cannot listen on %s port %ld: %s", bind_addr, port,
			       strerror(errno ? errno : EADDRINUSE));
		goto out;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	if (info)
		port = info->port;
	printf("serving %s at http://%s%s%s:%ld/\n", s.store_dir, ipv6 ? "[" : "",
	       bind_addr, ipv6 ? "]" : "", port);
	if (fflush(stdout) != 0) {
		bt_front_error("serve: stdout: %s", strerror(errno));
		goto out;
	}
	/* waits for a signal, sweeping the connections meanwhile */
	for (;;) {
		long long tick = s.header_ms / 4;
		struct timespec ts = { 0, 0 };
		tick = tick < 20 ? 20 : tick > 250 ? 250 : tick;
		ts.tv_nsec = tick * 1000000L;
		if ((sig_no = sigtimedwait(&sigs, NULL, &ts)) > 0)
			break;
		sweep(&s);
		log_roll(&s, 0);
	}
stopped:
	/* INT, TERM: asked to stop, 0; HUP, QUIT: 128 + the signal, as a
	 * shell reports a process that one ended */
	code = sig_no == SIGHUP || sig_no == SIGQUIT ? 128 + sig_no : BT_EXIT_OK;
out:
	if ((rc = stop_bounded(&s, d, &sigs)) != 0) {
		if (rc == -2)
			fprintf(stderr, "benchtrack serve: stopping at once (a second signal), "
				"without waiting for the work in progress\n");
		else
			fprintf(stderr, "benchtrack serve: warning: work in progress did not "
				"stop within %d s: exiting without waiting for it\n",
				SERVE_STOP_MS / 1000);
		exit_now(&s, code);
	}
	log_roll(&s, 1);
	rmtree(s.base);
	if (s.base_fd >= 0)
		close(s.base_fd);
	free(s.base);
	free(s.wbase);
	free(s.cur);
	free(s.store_real);
	bt_strbuf_release(&s.first_err);
	bt_store_close(st);
	bt_strbuf_release(&err);
	for (int i = 0; i < SERVE_CACHE_ENTRIES; i++) {
		free(s.cache[i].key);
		free(s.cache[i].text);
	}
	pthread_rwlock_destroy(&s.lock);
	pthread_mutex_destroy(&s.mu);
	pthread_cond_destroy(&s.cv);
	pthread_mutex_destroy(&s.hmu);
	pthread_cond_destroy(&s.hcv);
	pthread_mutex_destroy(&s.cmu);
	pthread_mutex_destroy(&s.lmu);
	return code;
}

const struct bt_cmd bt_cmd_serve = {
	"serve", "serve [--bind ADDR] [--port N] [--header-timeout T]",
	"serve the dashboard and a JSON API of the store", cmd_serve
};
