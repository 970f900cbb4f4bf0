/* Shared fixtures of test_serve.c (the JSON API, the dashboard, heavy
 * requests, load, exit) and test_serve_http.c (the HTTP layer: traversal,
 * oversized requests, methods, signals, hostile clients, stuck threads).
 * Header-only: each test binary is its own program.
 *
 * The store: 20 runs of suite "demo" on machine "m1" (commits c00..c19),
 * attn seq_len=2048 20% slower from run 10 on (a regression), plus one
 * run on machine "m2"; setup starts the main server on it. */
#ifndef BT_TEST_SERVE_FIXTURE_H
#define BT_TEST_SERVE_FIXTURE_H

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <dirent.h>
#include <time.h>

#include "benchtrack.h"
#include "helpers.h"
#include "runmaker.h"


#define BT BT_BINARY_DIR "/benchtrack"
#define N_RUNS 20
#define STEP_AT 10
#define N_SAMPLES 12
#define N_EXTRA 12        /* runs stored during the load test */
#define LOAD_THREADS 16
#define LOAD_REQUESTS 2000
/* Bounds that only end a test that has already failed (a hang): a
 * passing test never waits for them, so they are wide enough for any
 * load, ASan included. */
#define CLIENT_TIMEOUT_S 120  /* a client's send and receive timeouts */
#define WAIT_LIMIT_S 120.0    /* polling for something the server does */

static char dir[256], store[300], tmp[300], out_path[320], err_path[320];
static char ids[N_RUNS + 1 + N_EXTRA][33];
static char step_key[17];  /* attn seq_len=2048 on m1 */
static pid_t server = -1, hserver = -1; /* hserver: test_heavy's */
static pid_t xserver = -1;  /* the server of one test, killed after it */
static int port, main_port;

/* --- the store ------------------------------------------------------------ */


static inline void add_case(struct bt_run *run, const char *name, const char *key,
		     const char *value, double level, uint64_t *seed, char *key_out)
{
	struct bt_result *r = bt_test_add_case(run, NULL, name, key, value, level,
					       N_SAMPLES, seed);
	if (r && key_out)
		memcpy(key_out, r->series_key, 17);
}

/* Stores run i; 0 or a BT_E* code (also used in the forked writer, where
 * cmocka's asserts must not run). */
static inline int put_run(struct bt_store *st, int i, const char *machine, const char *fp)
{
	struct bt_run run;
	uint64_t seed = 1000 + (uint64_t)i;
	int after = i >= STEP_AT, rc;

	if (bt_run_init(&run))
		return BT_ENOMEM;
	snprintf(ids[i], sizeof ids[i], "%02d%030x", i, 0xabc);
	run.run_id = bt_run_strdup(&run, ids[i]);
	run.benchmark_type = bt_run_strdup(&run, "micro");
	run.suite = bt_run_strdup(&run, "demo");
	run.timestamp = bt_run_printf(&run, "2026-11-01T%02d:%02d:00Z", i / 60, i % 60);
	run.git.commit = bt_run_printf(&run, "c%02d%037d", i, 0);
	run.git.branch = bt_run_strdup(&run, "main");
	run.machine.name = bt_run_strdup(&run, machine);
	run.machine.fingerprint = bt_run_strdup(&run, fp);
	add_case(&run, "attn", "seq_len", "1024", 1e-3, &seed, NULL);
	add_case(&run, "attn", "seq_len", "2048", after ? 4.8e-3 : 4e-3, &seed,
		 i == 0 ? step_key : NULL);
	add_case(&run, "matmul", "n", "64", 2e-4, &seed, NULL);
	rc = bt_store_put(st, &run, NULL, NULL);
	bt_run_release(&run);
	return rc;
}

/* --- a tiny HTTP client ------------------------------------------------------ */

struct resp {
	int status;          /* 0: no status line (connection closed) */
	char *head;          /* status line and headers */
	char *body;
	size_t body_len;
	long content_length; /* -1 when absent */
};

static inline void resp_free(struct resp *r)
{
	free(r->head);
	free(r->body);
	memset(r, 0, sizeof *r);
}

static inline int connect_server(void)
{
	struct sockaddr_in a;
	struct timeval tv = { CLIENT_TIMEOUT_S, 0 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads the answer on fd until the server closes it (or the receive
 * timeout), closes fd and parses what came: 0, or -1 out of memory. */
static inline int read_resp(int fd, struct resp *r)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap + 1), *sep;

	memset(r, 0, sizeof *r);
	r->content_length = -1;
	if (!buf) {
		close(fd);
		return -1;
	}
	for (;;) {
		ssize_t k;
		if (n == cap) {
			char *nb = realloc(buf, 2 * cap + 1);
			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		k = recv(fd, buf + n, cap - n, 0);
		if (k <= 0)
			break;
		n += (size_t)k;
	}
	close(fd);
	buf[n] = '\0';
	sep = strstr(buf, "\r\n\r\n");
	if (sep && strncmp(buf, "HTTP/1.", 7) == 0) {
		r->status = atoi(buf + 9);
		r->head = strndup(buf, (size_t)(sep - buf) + 2);
		r->body_len = n - (size_t)(sep + 4 - buf);
		r->body = malloc(r->body_len + 1);
		memcpy(r->body, sep + 4, r->body_len);
		r->body[r->body_len] = '\0';
		for (char *h = strstr(r->head, "\r\n"); h; h = strstr(h + 2, "\r\n"))
			if (strncasecmp(h + 2, "Content-Length:", 15) == 0)
				r->content_length = atol(h + 17);
	} else {
		r->head = strdup("");
		r->body = strdup("");
	}
	free(buf);
	return 0;
}

/* Sends req (len bytes) on a new connection, reads until the server
 * closes it. 0, or -1 when no connection could be made. A send error
 * (the server closed early) is not an error: what came back is parsed. */
static inline int http_raw(const char *req, size_t len, struct resp *r)
{
	int fd = connect_server();

	memset(r, 0, sizeof *r);
	r->content_length = -1;
	if (fd < 0)
		return -1;
	for (size_t off = 0; off < len;) {
		ssize_t k = send(fd, req + off, len - off, MSG_NOSIGNAL);
		if (k <= 0)
			break;
		off += (size_t)k;
	}
	return read_resp(fd, r);
}

static inline int http(const char *method, const char *path, struct resp *r)
{
	char req[8192];
	int n = snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
			 "Connection: close\r\n\r\n", method, path);
	return http_raw(req, (size_t)n, r);
}

/* The value of header name (case-insensitive) or "". */
static inline const char *header(const struct resp *r, const char *name, char *buf, size_t size)
{
	size_t nl = strlen(name);
	buf[0] = '\0';
	for (const char *h = strstr(r->head, "\r\n"); h; h = strstr(h + 2, "\r\n"))
		if (strncasecmp(h + 2, name, nl) == 0 && h[2 + nl] == ':') {
			const char *v = h + 3 + nl, *e = strstr(v, "\r\n");
			while (*v == ' ')
				v++;
			snprintf(buf, size, "%.*s", (int)(e ? e - v : (long)strlen(v)), v);
			break;
		}
	return buf;
}

/* GET path: asserts status and a complete body, returns the parsed JSON
 * (API paths) or NULL. */
static inline json_t *get_json(const char *path, int status)
{
	struct resp r;
	char ct[128], cc[128];
	json_error_t je;
	json_t *j;
	assert_int_equal(http("GET", path, &r), 0);
	if (r.status != status)
		fail_msg("GET %s: status %d, want %d: %s", path, r.status, status, r.body);
	assert_int_equal(r.content_length, (long)r.body_len);
	assert_string_equal(header(&r, "Content-Type", ct, sizeof ct), "application/json");
	assert_string_equal(header(&r, "Cache-Control", cc, sizeof cc), "no-store");
	j = json_loadb(r.body, r.body_len, 0, &je);
	if (!j)
		fail_msg("GET %s: not JSON (%s): %.200s", path, je.text, r.body);
	resp_free(&r);
	return j;
}

/* --- the server ---------------------------------------------------------- */

/* Starts `serve` on store st with TMPDIR tmpdir (its private dashboard
 * copies, checked at exit), stdout to out, stderr to err, and one more
 * option opt with its value (opt NULL: none): 0 or -1. */
static inline int spawn_server_opt(const char *st, const char *tmpdir, const char *out,
			    const char *err, const char *opt, const char *value, pid_t *pid)
{
	char *argv[] = { BT, "serve", "--port", "0", "--store", (char *)st,
			 (char *)opt, (char *)value, NULL };
	posix_spawn_file_actions_t fa;

	setenv("TMPDIR", tmpdir, 1);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_addopen(&fa, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int rc = posix_spawn(pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	unsetenv("TMPDIR");
	return rc ? -1 : 0;
}

static inline int spawn_server(const char *st, const char *tmpdir, const char *out,
			const char *err, pid_t *pid)
{
	return spawn_server_opt(st, tmpdir, out, err, NULL, NULL, pid);
}

static inline double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Waits for the line "serving STORE at http://127.0.0.1:PORT/" in out
 * within WAIT_LIMIT_S: the port, or -1 (*pid is -1 when the server
 * exited). */
static inline int wait_serving(const char *out, pid_t *pid)
{
	for (double t0 = now_s(); now_s() - t0 < WAIT_LIMIT_S;) {
		char *o = bt_test_slurp(out), *p = strstr(o, "http://127.0.0.1:");
		if (p && strchr(p, '\n')) {
			int n = atoi(p + 17);
			if (strncmp(o, "serving ", 8) != 0)
				n = 0;
			free(o);
			return n > 0 ? n : -1;
		}
		free(o);
		int st;
		if (waitpid(*pid, &st, WNOHANG) == *pid) {
			*pid = -1;
			return -1;
		}
		usleep(100000);
	}
	return -1;
}

static inline int start_server(void)
{
	if (spawn_server(store, tmp, out_path, err_path, &server))
		return -1;
	port = main_port = wait_serving(out_path, &server);
	return port > 0 ? 0 : -1;
}

/* After a test with its own server (xserver): that one is gone, the
 * next test talks to the main server again, whether the test failed or
 * not. */
static inline int end_xserver(void **state)
{
	(void)state;
	if (xserver > 0) {
		kill(xserver, SIGKILL);
		waitpid(xserver, NULL, 0);
		xserver = -1;
	}
	port = main_port;
	return 0;
}

/* The number of entries of directory d (not "." ones), -1 if unreadable. */
static inline int count_entries(const char *d)
{
	DIR *dd = opendir(d);
	struct dirent *e;
	int n = 0;
	if (!dd)
		return -1;
	while ((e = readdir(dd)))
		n += e->d_name[0] != '.';
	closedir(dd);
	return n;
}

static inline int setup(void **state)
{
	struct bt_store *st;
	(void)state;
	if (bt_test_make_tmpdir_io(dir, sizeof dir, "bt-serve", out_path, err_path,
				   sizeof out_path))
		return -1;
	snprintf(store, sizeof store, "%s/store", dir);
	snprintf(tmp, sizeof tmp, "%s/tmp", dir);
	if (mkdir(tmp, 0700) || bt_store_open(&st, store, BT_STORE_CREATE, NULL))
		return -1;
	for (int i = 0; i < N_RUNS; i++)
		if (put_run(st, i, "m1", "f1f1f1f1f1f1f1f1"))
			return -1;
	if (put_run(st, N_RUNS, "m2", "f2f2f2f2f2f2f2f2"))
		return -1;
	bt_store_close(st);
	if (start_server()) {
		char *e = bt_test_slurp(err_path);
		fprintf(stderr, "serve did not start: %s\n", e);
		free(e);
		return -1;
	}
	return 0;
}

static inline int teardown(void **state)
{
	(void)state;
	if (server > 0) {
		kill(server, SIGKILL);
		waitpid(server, NULL, 0);
	}
	if (hserver > 0) {
		kill(hserver, SIGKILL);
		waitpid(hserver, NULL, 0);
	}
	end_xserver(state);
	bt_test_rmtree(dir);
	return 0;
}

#endif
