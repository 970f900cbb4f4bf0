/* The parts of `benchtrack serve` (cli/cmd_serve.c: the command, its
 * flags, setup, main loop and shutdown), internal to the command.
 *
 *   path.c    the request's path, decoded from the raw target
 *   http.c    the request: the raw target and its path (path.c),
 *             the reply builders and headers, the dashboard's files, the
 *             libmicrohttpd callbacks, the connections' header deadline
 *             and the rate limit of messages on stderr
 *   api.c     the JSON API's answers, computed from the store
 *   worker.c  the store's signature, the dashboard copies and the thread
 *             that rebuilds them, the worker thread that computes the
 *             heavy answers and their cache
 *
 * The dashboard: a private copy written by bt_dashboard_write into
 * BASE/gen-N (BASE a mkdtemp directory, removed at exit). A request looks
 * at the store's signature (index.db, index.db-wal, acks.json: inode,
 * size, mtime) at most once a second; when it changed, the regeneration
 * thread writes a new copy and swaps it in under a write lock, so a
 * request opens its file in one whole copy or the next, never in a half
 * written one (an open file stays readable after its copy is removed).
 * The threads write the copies only through /proc/self/fd/N (N: the
 * directory open), never by its name, so that once it is removed nothing
 * can be created in it again, nor the directory itself.
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
 *
 * Names: serve_ for what one file gives another, static otherwise.
 */
#ifndef BENCHTRACK_CLI_SERVE_H
#define BENCHTRACK_CLI_SERVE_H

#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <sys/types.h>

#include "benchtrack.h"

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

/* --- the server ---------------------------------------------------------- */

struct file_sig {
	dev_t dev;
	ino_t ino;
	off_t size;
	long long mtime_ns;
	int exists;
};

/* The store's signature: equal signatures, the same store content. */
struct store_sig {
	struct file_sig f[3]; /* index.db, index.db-wal, acks.json */
};

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
	long long used;          /* serve_now_ms() of the last hit */
};

/* A connection (MHD's socket context), for the header deadline. */
struct conn {
	int fd;                  /* its socket (MHD closes it only after
				  * NOTIFY_CLOSED, which unlinks this under cmu) */
	long long since;         /* serve_now_ms() when it began to wait for a request */
	int in_request;          /* the request's headers are in (serve_on_request ran) */
	int shut;                /* shut down by the sweep */
	struct conn *prev, *next;
};

enum { STALL_REGEN = 1, STALL_WORKER = 2 }; /* BENCHTRACK_TEST_SERVE_STALL */

/* The server: set up and released by cmd_serve (zeroed, base_fd -1, the
 * locks initialised), shared by every thread. */
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
	long long lwin;          /* serve_now_ms() when the window began */
	int lactive, lshown;
	long lhidden;            /* not shown in this window */
};

/* --- http.c: replies ------------------------------------------------------ */

/* CLOCK_MONOTONIC in milliseconds. */
long long serve_now_ms(void);

/* Each serve_reply_* queues a reply on c with the headers every reply
 * has (Content-Type, Cache-Control, nosniff, no referrer) and returns
 * MHD's result; MHD_NO (the connection is closed) when out of memory. */

/* text (malloc'd, taken; NULL: out of memory) as the body, no-store,
 * with one more header hname: hvalue when hname is not NULL. */
enum MHD_Result serve_reply_text_h(struct MHD_Connection *c, unsigned status,
				   const char *type, char *text,
				   const char *hname, const char *hvalue);
enum MHD_Result serve_reply_text(struct MHD_Connection *c, unsigned status,
				 const char *type, char *text);
/* root (a reference taken; NULL: out of memory) as compact JSON. */
enum MHD_Result serve_reply_json(struct MHD_Connection *c, unsigned status,
				 json_t *root);
/* {"error": MESSAGE, "status": STATUS} as compact JSON (malloc'd) or NULL;
 * MESSAGE is cut at 511 bytes. */
char *serve_error_text(unsigned status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* That error as the reply, application/json. */
enum MHD_Result serve_reply_error(struct MHD_Connection *c, unsigned status,
				  const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* 503 with Retry-After: too many heavy answers wanted at once. */
enum MHD_Result serve_reply_busy(struct MHD_Connection *c);
/* A store error rc (BT_E*, detail in err when set): not found 404, bad
 * input 400, else 500. */
enum MHD_Result serve_reply_store_error(struct MHD_Connection *c, int rc,
					const struct bt_strbuf *err);
/* 200 with the file open on fd (taken, closed on failure) of size bytes. */
enum MHD_Result serve_reply_fd(struct MHD_Connection *c, int fd, off_t size,
			       const char *type, const char *cache);
/* serve_reply_fd with one more header hname: hvalue (when hname is not
 * NULL). */
enum MHD_Result serve_reply_fd_h(struct MHD_Connection *c, int fd, off_t size,
				 const char *type, const char *cache,
				 const char *hname, const char *hvalue);

/* --- path.c: the request path (no libmicrohttpd in it: fuzz/ links it) ----- */

/* The value of hex digit ch, or -1. */
int serve_hexval(int ch);

/* Decodes the path of the raw request target raw (up to '?' or '#') into
 * out (at least strlen(raw) + 1 bytes). 0, or -1 for a path that is
 * refused: not starting with '/', a bad or encoded '/', '\' or NUL
 * escape, a backslash, a control character, an empty, "." or ".."
 * segment (a trailing '/' is allowed). */
int serve_decode_path(const char *raw, char *out);

/* --- http.c: messages on stderr, rate-limited ------------------------------- */

/* Ends the window of messages when it is over (or at once: force), and
 * says on stderr how many were not shown in it. Any thread. */
void serve_log_roll(struct server *s, int force);

/* --- http.c: connections and libmicrohttpd's callbacks ----------------------- */

/* Shuts down every connection that has waited s->header_ms or more for a
 * request line and headers, however slowly bytes of them came (MHD's
 * timeout is an idle one, which each byte resets); MHD then closes it.
 * Called by the main thread. */
void serve_sweep(struct server *s);

/* MHD_OPTION_URI_LOG_CALLBACK (cls unused): the request, with its raw
 * target, kept for serve_on_request (NULL: out of memory). */
void *serve_on_uri(void *cls, const char *uri, struct MHD_Connection *c);
/* MHD_OPTION_NOTIFY_COMPLETED (cls: the server): frees the request. */
void serve_on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
			enum MHD_RequestTerminationCode toe);
/* MHD_OPTION_NOTIFY_CONNECTION (cls: the server): tracks connections
 * for the header deadline. */
void serve_on_connection(void *cls, struct MHD_Connection *c, void **ctx,
			 enum MHD_ConnectionNotificationCode code);
/* The access handler (cls: the server): the API under /api, else a file
 * of the dashboard's current copy. */
enum MHD_Result serve_on_request(void *cls, struct MHD_Connection *c,
				 const char *url, const char *method,
				 const char *version, const char *upload_data,
				 size_t *upload_data_size, void **req_cls);
/* MHD_OPTION_EXTERNAL_LOGGER (cls: the server): rate-limited on stderr. */
void serve_on_log(void *cls, const char *fmt, va_list ap);

/* --- api.c: the JSON API ---------------------------------------------------- */

/* Answers the API request r on c for path (decoded, below "/api": "",
 * "/runs", "/series/KEY", ...): at once, or, for a heavy answer, later
 * (serve_heavy). */
enum MHD_Result serve_api(struct server *s, struct MHD_Connection *c,
			  struct req *r, const char *path);

enum series_what { SERIES_ONE, SERIES_LIST, SERIES_REGRESSIONS };

/* Computes a series answer (what: enum series_what) into *status and
 * its JSON text (malloc'd; NULL: out of memory). The parameters are
 * checked by the caller. Any thread; opens the store read-only. */
char *serve_series_compute(const char *store_dir, int what, const char *key,
			   const char *since, int all, const char *metric,
			   const char *machine, const char *suite, const char *name,
			   unsigned *status);

/* --- worker.c: the dashboard copies and the heavy answers -------------------- */

/* Removes the tree dir (NULL: nothing), not following links; errors are
 * ignored. */
void serve_rmtree(const char *dir);

/* The regeneration thread (arg: the server): the first copy (s->first
 * says how it went), then a new one whenever asked and the store
 * changed, until s->stop. */
void *serve_regen_main(void *arg);

/* msg (err text of a copy) with the copies' directory named by its
 * name rather than by /proc/self/fd/N: malloc'd, or NULL. */
char *serve_real_paths(const struct server *s, const char *msg);

/* Called by requests: at most once per SERVE_CHECK_MS, wakes the
 * regeneration thread when the store changed. Never blocks for long. */
void serve_check_store(struct server *s);

/* The worker thread (arg: the server): computes the queued heavy answers
 * one at a time and hands them to their waiters, until s->hstop; then
 * whoever still waits gets a 503. */
void *serve_worker_main(void *arg);

/* A heavy answer for request r: from the cache when the store has not
 * changed since it was computed, else by the worker (the request is
 * suspended until it is there), or 503 when too many wait already.
 * Parameters: as serve_series_compute, checked by the caller. */
enum MHD_Result serve_heavy(struct server *s, struct MHD_Connection *c, struct req *r,
			    int what, const char *since, int all, const char *metric,
			    const char *machine, const char *suite, const char *name);

/* Stopping, first step (the worker was started): the worker takes no
 * more work; whoever waits for a heavy answer, queued or being computed,
 * is answered 503 and resumed; when wait (the daemon runs), waits until
 * those answers are sent, SERVE_STOP_SEND_MS at most. */
void serve_worker_stop(struct server *s, int wait);

/* Stopping, last step (after the daemon stopped): joins the worker, then
 * stops and joins the regeneration thread (those started): as long as
 * that takes. */
void serve_join_threads(struct server *s);

#endif
