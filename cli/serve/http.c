/* serve's requests: the raw target and its path, the replies and their
 * headers, the dashboard's files, libmicrohttpd's callbacks, the
 * connections' header deadline and the rate limit of messages on stderr
 * (serve.h). */
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "serve.h"

long long serve_now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
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
enum MHD_Result serve_reply_text_h(struct MHD_Connection *c, unsigned status,
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

enum MHD_Result serve_reply_text(struct MHD_Connection *c, unsigned status,
				 const char *type, char *text)
{
	return serve_reply_text_h(c, status, type, text, NULL, NULL);
}

/* Sends root (a reference taken) as compact JSON. */
enum MHD_Result serve_reply_json(struct MHD_Connection *c, unsigned status,
				 json_t *root)
{
	char *text = root ? bt__json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(root);
	return serve_reply_text(c, status, "application/json", text);
}

/* {"error": MESSAGE, "status": STATUS} as compact JSON (malloc'd) or NULL. */
static char *error_textv(unsigned status, const char *fmt, va_list ap)
{
	char msg[512];
	json_t *root;
	char *text;
	vsnprintf(msg, sizeof msg, fmt, ap);
	root = json_pack("{s:s, s:i}", "error", msg, "status", (int)status);
	text = root ? bt__json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(root);
	return text;
}

char *serve_error_text(unsigned status, const char *fmt, ...)
{
	va_list ap;
	char *text;
	va_start(ap, fmt);
	text = error_textv(status, fmt, ap);
	va_end(ap);
	return text;
}

enum MHD_Result serve_reply_error(struct MHD_Connection *c, unsigned status,
				  const char *fmt, ...)
{
	va_list ap;
	char *text;
	va_start(ap, fmt);
	text = error_textv(status, fmt, ap);
	va_end(ap);
	return serve_reply_text(c, status, "application/json", text);
}

/* 503 with Retry-After: too many heavy answers wanted at once. */
enum MHD_Result serve_reply_busy(struct MHD_Connection *c)
{
	return serve_reply_text_h(c, MHD_HTTP_SERVICE_UNAVAILABLE, "application/json",
				  serve_error_text(MHD_HTTP_SERVICE_UNAVAILABLE,
						   "busy: too many requests for computed "
						   "answers at once; retry later"),
				  MHD_HTTP_HEADER_RETRY_AFTER, SERVE_RETRY_AFTER);
}

/* A store error: not found 404, bad input 400, else 500. */
enum MHD_Result serve_reply_store_error(struct MHD_Connection *c, int rc,
					const struct bt_strbuf *err)
{
	unsigned status = rc == BT_ENOTFOUND ? MHD_HTTP_NOT_FOUND
			: rc == BT_EINVAL ? MHD_HTTP_BAD_REQUEST
			: MHD_HTTP_INTERNAL_SERVER_ERROR;
	return serve_reply_error(c, status, "%s", err && err->len ? err->buf : bt_strerror(rc));
}

/* Sends the file open on fd (taken) with its content type. */
enum MHD_Result serve_reply_fd_h(struct MHD_Connection *c, int fd, off_t size,
				 const char *type, const char *cache,
				 const char *hname, const char *hvalue)
{
	struct MHD_Response *r = MHD_create_response_from_fd((uint64_t)size, fd);
	if (!r) {
		close(fd);
		return MHD_NO;
	}
	common_headers(r, type, cache);
	if (hname)
		MHD_add_response_header(r, hname, hvalue);
	return queue(c, MHD_HTTP_OK, r);
}

enum MHD_Result serve_reply_fd(struct MHD_Connection *c, int fd, off_t size,
			       const char *type, const char *cache)
{
	return serve_reply_fd_h(c, fd, size, type, cache, NULL, NULL);
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

/* A dashboard file: rel has no leading '/', no "." / ".." / empty
 * segments (serve_decode_path). */
static enum MHD_Result dashboard_file(struct server *s, struct MHD_Connection *c,
				      const char *rel)
{
	char path[PATH_MAX];
	struct stat st;
	int fd, n;

	serve_check_store(s);
	/* hidden files (".x") are never part of the dashboard */
	if (rel[0] == '.' || strstr(rel, "/."))
		return serve_reply_error(c, MHD_HTTP_NOT_FOUND, "no such page");
	pthread_rwlock_rdlock(&s->lock);
	n = snprintf(path, sizeof path, "%s/%s%s", s->cur, rel,
		     !*rel || rel[strlen(rel) - 1] == '/' ? "index.html" : "");
	fd = n > 0 && (size_t)n < sizeof path
		     ? open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) : -1;
	pthread_rwlock_unlock(&s->lock);
	if (fd < 0)
		return serve_reply_error(c, MHD_HTTP_NOT_FOUND, "no such page");
	if (fstat(fd, &st) != 0) {
		close(fd);
		return serve_reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
					 "cannot read the page");
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
		return serve_reply_error(c, MHD_HTTP_NOT_FOUND, "no such page");
	}
	return serve_reply_fd(c, fd, st.st_size, content_type(path), "no-cache");
}

/* --- messages on stderr, rate-limited ----------------------------------------- */

/* Ends the window of messages when it is over (or at once: force), and
 * says how many were not shown in it. */
void serve_log_roll(struct server *s, int force)
{
	long long now = serve_now_ms();
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
	serve_log_roll(s, 0);
	pthread_mutex_lock(&s->lmu);
	if (!s->lactive) {
		s->lactive = 1;
		s->lwin = serve_now_ms();
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
		k->since = serve_now_ms();
	k->in_request = in;
	pthread_mutex_unlock(&s->cmu);
}

void serve_on_connection(void *cls, struct MHD_Connection *c, void **ctx,
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
		k->since = serve_now_ms();
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
void serve_sweep(struct server *s)
{
	long long now = serve_now_ms();
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
void *serve_on_uri(void *cls, const char *uri, struct MHD_Connection *c)
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

void serve_on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
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

/* 1 when the raw request target held a NUL byte. MHD hands serve_on_uri the
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

enum MHD_Result serve_on_request(void *cls, struct MHD_Connection *c,
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
		return serve_reply_text_h(c, MHD_HTTP_METHOD_NOT_ALLOWED, "application/json",
					  serve_error_text(MHD_HTTP_METHOD_NOT_ALLOWED,
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
			return serve_reply_busy(c);
		}
		return serve_reply_text(c, r->status, "application/json", text);
	}
	if (strlen(raw) > SERVE_MAX_URI)
		return serve_reply_error(c, MHD_HTTP_URI_TOO_LONG, "request target longer "
					 "than %d bytes", SERVE_MAX_URI);
	if (!(path = malloc(strlen(raw) + 1)))
		return MHD_NO;
	if (raw_nul(r, version) || serve_decode_path(raw, path) != 0)
		ret = serve_reply_error(c, MHD_HTTP_BAD_REQUEST, "bad path");
	else if (strncmp(path, "/api", 4) == 0 && (path[4] == '/' || path[4] == '\0'))
		ret = serve_api(s, c, r, path + 4);
	else
		ret = dashboard_file(s, c, path + 1);
	free(path);
	return ret;
}

void serve_on_log(void *cls, const char *fmt, va_list ap)
{
	log_msgv(cls, fmt, ap);
}
