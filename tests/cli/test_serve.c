/* benchtrack serve through the real binary and plain sockets:
 * the JSON API and the dashboard, 404s, traversal attempts, oversized
 * requests, methods, then a bounded load test (2,000 requests from 16
 * client threads) while another process stores runs, and a clean exit on
 * SIGTERM. Hostile clients: a raw NUL in the target (400), the header deadline
 * and the cap of messages on stderr, and a bounded stop with stuck
 * threads (BENCHTRACK_TEST_SERVE_STALL).
 *
 * The store: 20 runs of suite "demo" on machine "m1" (commits c00..c19),
 * attn seq_len=2048 20% slower from run 10 on (a regression), plus one
 * run on machine "m2". */
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

static char dir[256], store[300], tmp[300], out_path[320], err_path[320];
static char ids[N_RUNS + 1 + N_EXTRA][33];
static char step_key[17];  /* attn seq_len=2048 on m1 */
static pid_t server = -1, hserver = -1; /* hserver: test_heavy's */
static pid_t xserver = -1;  /* the server of one test, killed after it */
static int port, main_port;

/* --- the store ------------------------------------------------------------ */


static void add_case(struct bt_run *run, const char *name, const char *key,
		     const char *value, double level, uint64_t *seed, char *key_out)
{
	struct bt_result *r = bt_test_add_case(run, NULL, name, key, value, level,
					       N_SAMPLES, seed);
	if (r && key_out)
		memcpy(key_out, r->series_key, 17);
}

/* Stores run i; 0 or a BT_E* code (also used in the forked writer, where
 * cmocka's asserts must not run). */
static int put_run(struct bt_store *st, int i, const char *machine, const char *fp)
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

static void resp_free(struct resp *r)
{
	free(r->head);
	free(r->body);
	memset(r, 0, sizeof *r);
}

static int connect_server(void)
{
	struct sockaddr_in a;
	struct timeval tv = { 20, 0 };
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

/* Sends req (len bytes) on a new connection, reads until the server
 * closes it. 0, or -1 when no connection could be made. A send error
 * (the server closed early) is not an error: what came back is parsed. */
static int http_raw(const char *req, size_t len, struct resp *r)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap + 1), *sep;
	int fd = connect_server();

	memset(r, 0, sizeof *r);
	r->content_length = -1;
	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	for (size_t off = 0; off < len;) {
		ssize_t k = send(fd, req + off, len - off, MSG_NOSIGNAL);
		if (k <= 0)
			break;
		off += (size_t)k;
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

static int http(const char *method, const char *path, struct resp *r)
{
	char req[8192];
	int n = snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
			 "Connection: close\r\n\r\n", method, path);
	return http_raw(req, (size_t)n, r);
}

/* The value of header name (case-insensitive) or "". */
static const char *header(const struct resp *r, const char *name, char *buf, size_t size)
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
static json_t *get_json(const char *path, int status)
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
static int spawn_server_opt(const char *st, const char *tmpdir, const char *out,
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

static int spawn_server(const char *st, const char *tmpdir, const char *out,
			const char *err, pid_t *pid)
{
	return spawn_server_opt(st, tmpdir, out, err, NULL, NULL, pid);
}

/* Waits for the line "serving STORE at http://127.0.0.1:PORT/" in out
 * within 60 s: the port, or -1 (*pid is -1 when the server exited). */
static int wait_serving(const char *out, pid_t *pid)
{
	for (int i = 0; i < 600; i++) {
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

static int start_server(void)
{
	if (spawn_server(store, tmp, out_path, err_path, &server))
		return -1;
	port = main_port = wait_serving(out_path, &server);
	return port > 0 ? 0 : -1;
}

/* After a test with its own server (xserver): that one is gone, the
 * next test talks to the main server again, whether the test failed or
 * not. */
static int end_xserver(void **state)
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
static int count_entries(const char *d)
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

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int setup(void **state)
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

static int teardown(void **state)
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

/* --- tests ------------------------------------------------------------------- */

static void test_api_runs(void **state)
{
	(void)state;
	json_t *j = get_json("/api/runs", 200), *runs = json_object_get(j, "runs");
	assert_int_equal(json_array_size(runs), N_RUNS + 1);
	assert_int_equal(json_integer_value(json_object_get(j, "count")), N_RUNS + 1);
	json_t *first = json_array_get(runs, 0);
	assert_string_equal(json_string_value(json_object_get(first, "run_id")), ids[N_RUNS]);
	assert_string_equal(json_string_value(json_object_get(first, "type")), "micro");
	assert_non_null(json_string_value(json_object_get(first, "timestamp")));
	assert_int_equal(json_integer_value(json_object_get(first, "n_results")), 3);
	json_decref(j);

	j = get_json("/api/runs?limit=3&machine=m1", 200);
	runs = json_object_get(j, "runs");
	assert_int_equal(json_array_size(runs), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(runs, 0),
								"run_id")), ids[N_RUNS - 1]);
	json_decref(j);
	j = get_json("/api/runs?type=nosuch", 200);
	assert_int_equal(json_array_size(json_object_get(j, "runs")), 0);
	json_decref(j);
	j = get_json("/api/runs?since=2026-11-01T00:15:00Z", 200);
	assert_int_equal(json_array_size(json_object_get(j, "runs")), N_RUNS + 1 - 15);
	json_decref(j);
	/* limit=0: all of them (without limit: at most 1000) */
	j = get_json("/api/runs?limit=0", 200);
	assert_int_equal(json_array_size(json_object_get(j, "runs")), N_RUNS + 1);
	assert_int_equal(json_integer_value(json_object_get(j, "count")), N_RUNS + 1);
	json_decref(j);
	/* dates as the CLI takes them: on the calendar, else 400 */
	json_decref(get_json("/api/runs?since=2026-13-45", 400));
	json_decref(get_json("/api/runs?until=yesterday", 400));
	json_decref(get_json("/api/regressions?since=bad", 400));
	json_decref(get_json("/api/runs?limit=-1", 400));
	json_decref(get_json("/api/runs?limit=100001", 400));
	json_decref(get_json("/api/runs?limit=x", 400));
	j = get_json("/api", 200);
	assert_non_null(json_object_get(j, "endpoints"));
	json_decref(j);
}

static void test_api_run(void **state)
{
	char path[128], prefix[9];
	(void)state;
	snprintf(path, sizeof path, "/api/runs/%s", ids[3]);
	json_t *j = get_json(path, 200);
	assert_string_equal(json_string_value(json_object_get(j, "run_id")), ids[3]);
	assert_string_equal(json_string_value(json_object_get(j, "schema")), "benchtrack.run/1");
	assert_int_equal(json_array_size(json_object_get(j, "results")), 3);
	json_decref(j);
	snprintf(prefix, sizeof prefix, "%.8s", ids[5]);
	snprintf(path, sizeof path, "/api/runs/%s", prefix);
	j = get_json(path, 200);
	assert_string_equal(json_string_value(json_object_get(j, "run_id")), ids[5]);
	json_decref(j);
	j = get_json("/api/runs/latest", 200);
	assert_string_equal(json_string_value(json_object_get(j, "run_id")), ids[N_RUNS]);
	json_decref(j);
	j = get_json("/api/runs/ffffffffffffffffffffffffffffffff", 404);
	assert_non_null(json_string_value(json_object_get(j, "error")));
	json_decref(j);
	json_decref(get_json("/api/runs/latest:nosuch", 404));
	json_decref(get_json("/api/runs/xyz", 400));
	json_decref(get_json("/api/runs/run.json", 400));
}

static void test_api_series(void **state)
{
	char path[128];
	(void)state;
	json_t *j = get_json("/api/series", 200);
	assert_int_equal(json_integer_value(json_object_get(j, "count")), 6);
	json_decref(j);

	snprintf(path, sizeof path, "/api/series/%s", step_key);
	j = get_json(path, 200);
	assert_string_equal(json_string_value(json_object_get(j, "series_key")), step_key);
	assert_string_equal(json_string_value(json_object_get(j, "name")), "attn");
	/* the words of history --format json and of a run file */
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "params"),
							      "seq_len")), "2048");
	assert_string_equal(json_string_value(json_object_get(j, "direction")), "lower");
	json_t *pts = json_object_get(j, "points"), *cps = json_object_get(j, "change_points");
	assert_int_equal(json_array_size(pts), N_RUNS);
	assert_true(json_is_number(json_object_get(json_array_get(pts, 0), "value")));
	assert_int_equal(json_array_size(cps), 1);
	json_t *cp = json_array_get(cps, 0);
	assert_int_equal(json_integer_value(json_object_get(cp, "index")), STEP_AT);
	assert_string_equal(json_string_value(json_object_get(cp, "verdict")), "regressed");
	json_decref(j);

	snprintf(path, sizeof path, "/api/series/%.6s", step_key);
	j = get_json(path, 200);
	assert_string_equal(json_string_value(json_object_get(j, "series_key")), step_key);
	json_decref(j);
	json_decref(get_json("/api/series/0000000000000000", 404));
	json_decref(get_json("/api/series/nothex", 400));
}

static void test_api_regressions(void **state)
{
	(void)state;
	json_t *j = get_json("/api/regressions", 200), *regs = json_object_get(j, "regressions");
	assert_int_equal(json_integer_value(json_object_get(j, "series")), 6);
	assert_int_equal(json_array_size(regs), 1);
	json_t *r = json_array_get(regs, 0);
	assert_string_equal(json_string_value(json_object_get(r, "series_key")), step_key);
	assert_string_equal(json_string_value(json_object_get(r, "verdict")), "regressed");
	assert_string_equal(json_string_value(json_object_get(r, "run_id")), ids[STEP_AT]);
	assert_string_equal(json_string_value(json_object_get(r, "machine")), "m1");
	assert_true(json_real_value(json_object_get(r, "rel_change")) > 0.15);
	assert_false(json_boolean_value(json_object_get(r, "acknowledged")));
	json_decref(j);
	j = get_json("/api/regressions?since=2026-11-02", 200);
	assert_int_equal(json_array_size(json_object_get(j, "regressions")), 0);
	json_decref(j);
	json_decref(get_json("/api/nosuch", 404));
}

static void test_dashboard(void **state)
{
	struct resp r;
	char b[128];
	(void)state;
	assert_int_equal(http("GET", "/", &r), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.content_length, (long)r.body_len);
	assert_string_equal(header(&r, "Content-Type", b, sizeof b), "text/html; charset=utf-8");
	assert_string_equal(header(&r, "Cache-Control", b, sizeof b), "no-cache");
	assert_non_null(strcasestr(r.body, "<html"));
	size_t index_len = r.body_len;
	resp_free(&r);

	assert_int_equal(http("HEAD", "/", &r), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, 0);
	assert_int_equal(r.content_length, (long)index_len);
	resp_free(&r);

	assert_int_equal(http("GET", "/index.html", &r), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, index_len);
	resp_free(&r);

	assert_int_equal(http("GET", "/data/index.js", &r), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(header(&r, "Content-Type", b, sizeof b),
			    "text/javascript; charset=utf-8");
	resp_free(&r);

	assert_int_equal(http("GET", "/nosuch.html", &r), 0);
	assert_int_equal(r.status, 404);
	resp_free(&r);
	assert_int_equal(http("GET", "/data/nosuch/x.js", &r), 0);
	assert_int_equal(r.status, 404);
	resp_free(&r);
}

static void test_traversal(void **state)
{
	static const char *const paths[] = {
		"/../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/assets/..%2f..%2fetc/passwd",
		"//etc/passwd", "/api/runs/..%2f..", "/api/runs/../../../etc/passwd",
		"/%2E%2E/%2E%2E/%2E%2E/etc/passwd", "/assets/%2e%2e/%2e%2e/etc/passwd",
		"/..\\..\\etc\\passwd", "/assets/..%5c..%5cetc%5cpasswd", "/%00/etc/passwd",
		"/index.html%00.js", "/etc/passwd", "/./index.html", "/assets/./../../etc/passwd",
		"/api/series/..%2f..%2f..%2fetc%2fpasswd", "/api/runs/%2fetc%2fpasswd",
		"/.tmp", "/%2e/etc/passwd", "/data/../../etc/passwd",
		"../etc/passwd", "/%", "/%zz",
	};
	(void)state;
	for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
		struct resp r;
		assert_int_equal(http("GET", paths[i], &r), 0);
		if (r.status != 400 && r.status != 404)
			fail_msg("GET %s: status %d", paths[i], r.status);
		if (strstr(r.body, "root:"))
			fail_msg("GET %s: file contents came back", paths[i]);
		resp_free(&r);
	}
	/* an absolute URI as the request target */
	struct resp r;
	assert_int_equal(http("GET", "http://127.0.0.1/../../etc/passwd", &r), 0);
	if (r.status != 400 && r.status != 404)
		fail_msg("GET an absolute URI: status %d, want 400 or 404", r.status);
	assert_null(strstr(r.body, "root:"));
	resp_free(&r);
}

static void test_oversized(void **state)
{
	struct resp r;
	size_t big = 100000;
	char *req = malloc(big + 256), *p;
	(void)state;
	assert_non_null(req);
	/* a long request line: beyond the connection's memory */
	p = req + sprintf(req, "GET /");
	memset(p, 'a', big);
	p += big;
	p += sprintf(p, " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	assert_int_equal(http_raw(req, (size_t)(p - req), &r), 0);
	/* an answer is required (status 0: none came) */
	if (r.status != 414 && r.status != 413 && r.status != 431)
		fail_msg("long request line: status %d, want 414, 413 or 431", r.status);
	resp_free(&r);

	/* a request target above the URL limit, within the memory limit */
	p = req + sprintf(req, "GET /api/runs?x=");
	memset(p, 'b', 3000);
	p += 3000;
	p += sprintf(p, " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	assert_int_equal(http_raw(req, (size_t)(p - req), &r), 0);
	assert_int_equal(r.status, 414);
	resp_free(&r);

	/* many big headers */
	p = req + sprintf(req, "GET / HTTP/1.1\r\nHost: x\r\n");
	for (int i = 0; i < 90; i++) {
		p += sprintf(p, "X-Filler-%d: ", i);
		memset(p, 'c', 1000);
		p += 1000;
		p += sprintf(p, "\r\n");
	}
	p += sprintf(p, "Connection: close\r\n\r\n");
	assert_int_equal(http_raw(req, (size_t)(p - req), &r), 0);
	if (r.status != 431 && r.status != 413 && r.status != 414)
		fail_msg("big headers: status %d, want 431, 413 or 414", r.status);
	resp_free(&r);
	free(req);

	/* still serving */
	json_decref(get_json("/api/runs?limit=1", 200));
}

static void test_methods(void **state)
{
	static const char *const methods[] = { "POST", "PUT", "DELETE", "PATCH", "OPTIONS" };
	char b[64];
	(void)state;
	for (size_t i = 0; i < sizeof methods / sizeof *methods; i++) {
		struct resp r;
		assert_int_equal(http(methods[i], "/api/runs", &r), 0);
		if (r.status != 405)
			fail_msg("%s: status %d", methods[i], r.status);
		assert_string_equal(header(&r, "Allow", b, sizeof b), "GET, HEAD");
		resp_free(&r);
	}
	/* a POST with a body */
	struct resp r;
	const char *post = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
			   "Connection: close\r\n\r\nhello";
	assert_int_equal(http_raw(post, strlen(post), &r), 0);
	assert_int_equal(r.status, 405);
	resp_free(&r);
}

/* A FIFO in place of a stored run's run.json: /api/runs/ID answers at
 * once (404) instead of hanging in open(), and the server goes on. */
static void test_api_run_fifo(void **state)
{
	char path[128], file[700], saved[720];
	struct resp r;
	(void)state;
	json_t *j = get_json("/api/runs", 200), *runs = json_object_get(j, "runs");
	const char *p = NULL;
	for (size_t i = 0; i < json_array_size(runs); i++) {
		json_t *e = json_array_get(runs, i);
		if (strcmp(json_string_value(json_object_get(e, "run_id")), ids[4]) == 0)
			p = json_string_value(json_object_get(e, "path"));
	}
	assert_non_null(p);
	snprintf(file, sizeof file, "%s%s%s/run.json", p[0] == '/' ? "" : store,
		 p[0] == '/' ? "" : "/", p);
	if (strlen(file) > 18 && strcmp(file + strlen(file) - 18, "/run.json/run.json") == 0)
		file[strlen(file) - 9] = '\0'; /* the path named the file itself */
	json_decref(j);
	snprintf(saved, sizeof saved, "%s.saved", file);
	assert_int_equal(rename(file, saved), 0);
	assert_int_equal(mkfifo(file, 0644), 0);

	snprintf(path, sizeof path, "/api/runs/%s", ids[4]);
	double t0 = now_s();
	assert_int_equal(http("GET", path, &r), 0);
	double dt = now_s() - t0;
	if (r.status != 404 && r.status != 500)
		fail_msg("GET %s on a FIFO: status %d after %.1f s", path, r.status, dt);
	assert_true(dt < 5);
	resp_free(&r);
	/* still serving, that run too once it is a file again */
	j = get_json("/api/runs/latest", 200);
	json_decref(j);
	assert_int_equal(unlink(file), 0);
	assert_int_equal(rename(saved, file), 0);
	j = get_json(path, 200);
	assert_string_equal(json_string_value(json_object_get(j, "run_id")), ids[4]);
	json_decref(j);
}

/* --- many heavy requests at once ---------------------------------------------- */

#define H_RUNS 40
#define H_CASES 600
#define H_CLIENTS 16
#define H_ROUNDS 3     /* requests of each, one after the other */
#define H_MAX_STALL 0.4  /* s: the slowest /index.html while they run */

static char hstore[300], htmp[300], hout[320], herr[320];

/* Run i of the heavy store: H_CASES series, a third of them 20% slower
 * from the middle on (regressions). */
static int put_heavy(struct bt_store *st, int i, const char *machine, const char *fp)
{
	struct bt_run run;
	uint64_t seed = 5000 + (uint64_t)i;
	char id[33], v[16];
	int rc;

	if (bt_run_init(&run))
		return BT_ENOMEM;
	snprintf(id, sizeof id, "%04x%c%027x", i, machine[1], 0xbeef);
	run.run_id = bt_run_strdup(&run, id);
	run.benchmark_type = bt_run_strdup(&run, "micro");
	run.suite = bt_run_strdup(&run, "heavy");
	run.timestamp = bt_run_printf(&run, "2026-10-%02dT%02d:%02d:00Z", 1 + i / 1440,
				      i / 60 % 24, i % 60);
	run.git.commit = bt_run_printf(&run, "d%04x%035d", i, 0);
	run.machine.name = bt_run_strdup(&run, machine);
	run.machine.fingerprint = bt_run_strdup(&run, fp);
	for (int k = 0; k < H_CASES; k++) {
		double level = 1e-3 * (1 + k % 7);
		if (k % 3 == 0 && i >= H_RUNS / 2)
			level *= 1.2;
		snprintf(v, sizeof v, "%d", k);
		add_case(&run, "h", "k", v, level, &seed, NULL);
	}
	rc = bt_store_put(st, &run, NULL, NULL);
	bt_run_release(&run);
	return rc;
}

static atomic_int h_next, h_ok, h_busy, h_bad, h_running;
static char h_bad_text[512];

static void *heavy_client(void *arg)
{
	(void)arg;
	for (int k = 0; k < H_ROUNDS; k++) {
	int i = atomic_fetch_add(&h_next, 1);
	const char *path = i % 8 == 1 ? "/api/regressions?all=1"
			 : i % 8 == 2 ? "/api/series" : "/api/regressions";
	struct resp r;
	char b[32];
	if (http("GET", path, &r) != 0)
		r.status = -1;
	if (r.status == 200 && (size_t)r.content_length == r.body_len && r.body_len > 0)
		atomic_fetch_add(&h_ok, 1);
	else if (r.status == 503 && *header(&r, "Retry-After", b, sizeof b))
		atomic_fetch_add(&h_busy, 1);
	else if (atomic_fetch_add(&h_bad, 1) == 0)
		snprintf(h_bad_text, sizeof h_bad_text, "GET %s: status %d: %.200s", path,
			 r.status, r.body ? r.body : "");
	resp_free(&r);
	}
	atomic_fetch_sub(&h_running, 1);
	return NULL;
}

/* GET /api/regressions until it is not 503: the parsed answer. */
static json_t *get_regressions(void)
{
	for (int i = 0; i < 100; i++) {
		struct resp r;
		assert_int_equal(http("GET", "/api/regressions", &r), 0);
		int status = r.status;
		resp_free(&r);
		if (status != 503)
			return get_json("/api/regressions", 200);
		usleep(200000);
	}
	fail_msg("/api/regressions: 503 for 20 s");
	return NULL;
}

static void test_heavy(void **state)
{
	struct bt_store *st;
	pthread_t th[H_CLIENTS];
	int saved_port = port, n_index = 0, index_bad = 0, status;
	double worst = 0, t0;
	(void)state;

	snprintf(hstore, sizeof hstore, "%s/heavy", dir);
	snprintf(htmp, sizeof htmp, "%s/htmp", dir);
	snprintf(hout, sizeof hout, "%s/hout", dir);
	snprintf(herr, sizeof herr, "%s/herr", dir);
	assert_int_equal(mkdir(htmp, 0700), 0);
	t0 = now_s();
	assert_int_equal(bt_store_open(&st, hstore, BT_STORE_CREATE, NULL), 0);
	for (int i = 0; i < H_RUNS; i++)
		assert_int_equal(put_heavy(st, i, "h1", "e1e1e1e1e1e1e1e1"), 0);
	bt_store_close(st);
	print_message("heavy store: %d runs x %d series in %.2f s\n", H_RUNS, H_CASES,
		      now_s() - t0);
	assert_int_equal(spawn_server(hstore, htmp, hout, herr, &hserver), 0);
	port = wait_serving(hout, &hserver);
	assert_true(port > 0);

	/* H_CLIENTS heavy requests at once, none answered yet (nothing
	 * cached): the dashboard's files keep coming quickly meanwhile */
	atomic_store(&h_running, H_CLIENTS);
	t0 = now_s();
	for (int i = 0; i < H_CLIENTS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, heavy_client, NULL), 0);
	while (atomic_load(&h_running) > 0 || n_index < 5) {
		struct resp r;
		double t1 = now_s();
		if (http("GET", "/index.html", &r) != 0 || r.status != 200 ||
		    r.content_length != (long)r.body_len)
			index_bad++;
		resp_free(&r);
		t1 = now_s() - t1;
		worst = t1 > worst ? t1 : worst;
		n_index++;
		usleep(20000);
	}
	for (int i = 0; i < H_CLIENTS; i++)
		pthread_join(th[i], NULL);
	print_message("heavy: %d requests in %.2f s: %d answered, %d busy (503); "
		      "%d of /index.html, the slowest %.3f s\n", H_CLIENTS * H_ROUNDS, now_s() - t0,
		      atomic_load(&h_ok), atomic_load(&h_busy), n_index, worst);
	if (atomic_load(&h_bad))
		fail_msg("%d bad answers; first: %s", atomic_load(&h_bad), h_bad_text);
	assert_int_equal(index_bad, 0);
	assert_true(atomic_load(&h_ok) >= 1);
	if (worst > H_MAX_STALL)
		fail_msg("/index.html took %.2f s while heavy requests ran", worst);

	/* the answer is kept: the same again, at once */
	json_t *j = get_regressions();
	assert_int_equal(json_integer_value(json_object_get(j, "series")), H_CASES);
	assert_true(json_integer_value(json_object_get(j, "found")) >= H_CASES / 3);
	json_decref(j);
	t0 = now_s();
	j = get_json("/api/regressions", 200);
	print_message("heavy: /api/regressions again in %.3f s\n", now_s() - t0);
	json_decref(j);
	/* ... until the store changes: a run of another machine, H_CASES more series */
	assert_int_equal(bt_store_open(&st, hstore, 0, NULL), 0);
	assert_int_equal(put_heavy(st, 0, "h2", "e2e2e2e2e2e2e2e2"), 0);
	bt_store_close(st);
	j = get_regressions();
	assert_int_equal(json_integer_value(json_object_get(j, "series")), 2 * H_CASES);
	json_decref(j);

	assert_int_equal(kill(hserver, SIGTERM), 0);
	assert_int_equal(waitpid(hserver, &status, 0), hserver);
	hserver = -1;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(count_entries(htmp), 0);
	port = saved_port;
}

/* --- signals -------------------------------------------------------------------- */

/* SIGHUP: the private copies are removed, exit 128 + 1; SIGQUIT: 128 + 3. */
static void test_sighup(void **state)
{
	static const int sigs[] = { SIGHUP, SIGQUIT };
	char t[300], o[320], e[320];
	(void)state;
	for (size_t i = 0; i < 2; i++) {
		pid_t pid;
		int status;
		snprintf(t, sizeof t, "%s/tmp-sig%zu", dir, i);
		snprintf(o, sizeof o, "%s/out-sig%zu", dir, i);
		snprintf(e, sizeof e, "%s/err-sig%zu", dir, i);
		assert_int_equal(mkdir(t, 0700), 0);
		assert_int_equal(spawn_server(store, t, o, e, &pid), 0);
		assert_true(wait_serving(o, &pid) > 0);
		assert_int_equal(count_entries(t), 1);
		assert_int_equal(kill(pid, sigs[i]), 0);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (!WIFEXITED(status))
			fail_msg("signal %d: ended by signal %d", sigs[i],
				 WIFSIGNALED(status) ? WTERMSIG(status) : 0);
		assert_int_equal(WEXITSTATUS(status), 128 + sigs[i]);
		assert_int_equal(count_entries(t), 0);
	}
}

/* SIGTERM while the first copy is being written (before "serving"): it
 * still removes it and exits 0. */
static void test_sigterm_early(void **state)
{
	char t[300], o[320], e[320];
	pid_t pid;
	int status, found = 0;
	(void)state;
	snprintf(t, sizeof t, "%s/tmp-early", dir);
	snprintf(o, sizeof o, "%s/out-early", dir);
	snprintf(e, sizeof e, "%s/err-early", dir);
	assert_int_equal(mkdir(t, 0700), 0);
	/* the heavy store (test_heavy) when there: its first copy takes a while */
	assert_int_equal(spawn_server(hstore[0] ? hstore : store, t, o, e, &pid), 0);
	/* as soon as the temporary directory is there */
	for (int i = 0; i < 20000 && !found; i++) {
		found = count_entries(t) > 0;
		if (!found)
			usleep(500);
	}
	assert_true(found);
	char *out = bt_test_slurp(o);
	int early = strstr(out, "serving") == NULL;
	free(out);
	assert_int_equal(kill(pid, SIGTERM), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	print_message("SIGTERM %s \"serving\"\n", early ? "before" : "after");
	if (!WIFEXITED(status))
		fail_msg("ended by signal %d", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(count_entries(t), 0);
}

/* --- hostile requests ------------------------------------------------------------ */

/* The status of GET target (tlen bytes, which may hold a NUL). */
static int raw_target_status(const char *target, size_t tlen, char *body, size_t size)
{
	char req[512];
	size_t n = 0;
	struct resp r;
	int status;
	n += (size_t)sprintf(req, "GET ");
	memcpy(req + n, target, tlen);
	n += tlen;
	n += (size_t)sprintf(req + n, " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	assert_int_equal(http_raw(req, n, &r), 0);
	status = r.status;
	snprintf(body, size, "%s", r.body ? r.body : "");
	resp_free(&r);
	return status;
}

/* A raw NUL in the request target is refused as the encoded %00 is. */
static void test_raw_nul(void **state)
{
#define T(s) { s, sizeof s - 1 }
	static const struct { const char *t; size_t n; } targets[] = {
		T("/index.html\0.js"), T("/\0"), T("/\0/etc/passwd"), T("/api/runs\0"),
		T("/api/runs?limit=1\0x"), T("/data/index.js\0"), T("/api\0/runs"),
	};
#undef T
	char body[256];
	(void)state;
	assert_int_equal(raw_target_status("/index.html", 11, body, sizeof body), 200);
	for (size_t i = 0; i < sizeof targets / sizeof *targets; i++) {
		int st = raw_target_status(targets[i].t, targets[i].n, body, sizeof body);
		if (st != 400)
			fail_msg("GET %s<NUL>...: status %d, want 400", targets[i].t, st);
		assert_non_null(strstr(body, "bad path"));
	}
	json_decref(get_json("/api/runs?limit=1", 200));
}

/* Waits up to limit seconds for pid to exit: 0, or -1 (then it is killed). */
static int wait_exit(pid_t pid, double limit, int *status)
{
	double t0 = now_s();
	while (now_s() - t0 < limit) {
		if (waitpid(pid, status, WNOHANG) == pid)
			return 0;
		usleep(20000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, status, 0);
	return -1;
}

/* 1 when the peer closed fd (end of file or reset), reading what is there. */
static int peer_closed(int fd, int wait)
{
	char b[256];
	for (;;) {
		ssize_t k = recv(fd, b, sizeof b, wait ? 0 : MSG_DONTWAIT);
		if (k > 0)
			continue;
		if (k == 0)
			return 1;
		return errno == ECONNRESET || errno == EPIPE;
	}
}

#define HD_FLOOD 30      /* clients that leave a request half sent */
#define HD_BYTES 100     /* the trickle: a byte every 100 ms, 10 s in all */
#define HD_BURST 5       /* SERVE_LOG_BURST ... */
#define HD_WINDOW 10.0   /* ... every SERVE_LOG_WINDOW_MS */

/* --header-timeout 1s: a client that trickles its headers, one that
 * sends nothing, are closed by the server well before the trickle ends;
 * then HD_FLOOD clients that give up halfway: their messages on stderr
 * are capped, and the rest counted. */
static void test_header_deadline(void **state)
{
	char t[300], o[320], e[320];
	const char *head = "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ";
	const char *half = "GET / HTTP/1.1\r\nHo";
	int status, fd, idle, sent, closed = 0, fds[HD_FLOOD];
	long hidden = 0;
	int shown = 0;
	double t0, dt;
	(void)state;

	snprintf(t, sizeof t, "%s/tmp-hd", dir);
	snprintf(o, sizeof o, "%s/out-hd", dir);
	snprintf(e, sizeof e, "%s/err-hd", dir);
	assert_int_equal(mkdir(t, 0700), 0);
	assert_int_equal(spawn_server_opt(store, t, o, e, "--header-timeout", "1s", &xserver), 0);
	port = wait_serving(o, &xserver);
	assert_true(port > 0);
	t0 = now_s();

	assert_true((fd = connect_server()) >= 0);
	assert_true((idle = connect_server()) >= 0);
	assert_int_equal(send(fd, head, strlen(head), MSG_NOSIGNAL), (ssize_t)strlen(head));
	for (sent = 0; sent < HD_BYTES && !closed; sent++) {
		if (send(fd, "a", 1, MSG_NOSIGNAL) != 1) {
			closed = 1;
			break;
		}
		usleep(100000);
		closed = peer_closed(fd, 0);
	}
	dt = now_s() - t0;
	close(fd);
	print_message("header deadline 1 s: the trickle was closed after %d bytes, %.2f s\n",
		      sent, dt);
	if (!closed)
		fail_msg("a client trickling its headers for %.1f s was not closed", dt);
	assert_true(sent < HD_BYTES);
	/* the idle one too (it has a 20 s receive timeout) */
	assert_true(peer_closed(idle, 1));
	close(idle);
	/* still serving */
	json_decref(get_json("/api/runs?limit=1", 200));

	/* the flood: each leaves a request half sent and waits for the close */
	for (int i = 0; i < HD_FLOOD; i++) {
		assert_true((fds[i] = connect_server()) >= 0);
		assert_int_equal(send(fds[i], half, strlen(half), MSG_NOSIGNAL),
				 (ssize_t)strlen(half));
	}
	for (int i = 0; i < HD_FLOOD; i++)
		shutdown(fds[i], SHUT_WR);
	for (int i = 0; i < HD_FLOOD; i++) {
		assert_true(peer_closed(fds[i], 1));
		close(fds[i]);
	}
	dt = now_s() - t0;
	assert_int_equal(kill(xserver, SIGTERM), 0);
	assert_int_equal(wait_exit(xserver, 60, &status), 0);
	xserver = -1;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(count_entries(t), 0);

	char *err = bt_test_slurp(e), *line = err;
	while (line && *line) {
		char *nl = strchr(line, '\n');
		const char *more = strstr(line, " more messages not shown");
		if (nl)
			*nl = '\0';
		if (more && (!nl || more < nl))
			hidden += atol(line + strlen("benchtrack serve: "));
		else if (strncmp(line, "benchtrack serve: ", 18) == 0)
			shown++;
		line = nl ? nl + 1 : NULL;
	}
	print_message("stderr: %d messages shown, %ld counted, in %.2f s\n", shown, hidden, dt);
	int windows = 1 + (int)(dt / HD_WINDOW);
	if (shown > HD_BURST * windows)
		fail_msg("%d messages on stderr in %.1f s (at most %d): %s", shown, dt,
			 HD_BURST * windows, bt_test_slurp(e));
	assert_true(shown + hidden >= HD_FLOOD);
	free(err);
	err = bt_test_slurp(e);
	assert_non_null(strstr(err, "sent no whole request (line and headers) within 1.0 s"));
	free(err);
}

/* --- stopping with a stuck thread ----------------------------------------------- */

/* A server whose worker and regeneration thread hang (the test hook
 * BENCHTRACK_TEST_SERVE_STALL), both stuck, a client waiting for a heavy
 * answer: SIGTERM (twice: second) ends it all the same, within
 * SERVE_STOP_MS (at once), with exit 0, its directory removed and the
 * client answered 503. */
static void stop_stuck(const char *tag, int second)
{
	char st_dir[300], t[300], o[320], e[320], sub[700];
	const char *req = "GET /api/regressions HTTP/1.1\r\nHost: x\r\n"
			  "Connection: close\r\n\r\n";
	struct bt_store *st;
	int status, c, n = 0;
	double t0, dt;
	DIR *dd;
	struct dirent *de;

	snprintf(st_dir, sizeof st_dir, "%s/store-%s", dir, tag);
	snprintf(t, sizeof t, "%s/tmp-%s", dir, tag);
	snprintf(o, sizeof o, "%s/out-%s", dir, tag);
	snprintf(e, sizeof e, "%s/err-%s", dir, tag);
	assert_int_equal(mkdir(t, 0700), 0);
	assert_int_equal(bt_store_open(&st, st_dir, BT_STORE_CREATE, NULL), 0);
	assert_int_equal(put_run(st, 0, "m1", "f1f1f1f1f1f1f1f1"), 0);
	bt_store_close(st);
	setenv("BENCHTRACK_TEST_SERVE_STALL", "regen,worker", 1);
	assert_int_equal(spawn_server(st_dir, t, o, e, &xserver), 0);
	unsetenv("BENCHTRACK_TEST_SERVE_STALL");
	port = wait_serving(o, &xserver);
	assert_true(port > 0);

	/* the worker hangs on this one */
	assert_true((c = connect_server()) >= 0);
	assert_int_equal(send(c, req, strlen(req), MSG_NOSIGNAL), (ssize_t)strlen(req));
	/* a run stored: the next copy hangs half made */
	assert_int_equal(bt_store_open(&st, st_dir, 0, NULL), 0);
	assert_int_equal(put_run(st, 1, "m1", "f1f1f1f1f1f1f1f1"), 0);
	bt_store_close(st);
	assert_non_null(dd = opendir(t));
	while ((de = readdir(dd)))
		if (de->d_name[0] != '.')
			snprintf(sub, sizeof sub, "%s/%s", t, de->d_name);
	closedir(dd);
	for (int i = 0; i < 100 && (n = count_entries(sub)) < 2; i++) {
		struct resp r;
		assert_int_equal(http("GET", "/", &r), 0);
		resp_free(&r);
		usleep(100000);
	}
	assert_int_equal(n, 2);

	t0 = now_s();
	assert_int_equal(kill(xserver, SIGTERM), 0);
	if (second)
		assert_int_equal(kill(xserver, SIGINT), 0);
	n = wait_exit(xserver, 60, &status);
	xserver = -1;
	if (n != 0)
		fail_msg("still running 60 s after SIGTERM");
	dt = now_s() - t0;
	print_message("stuck threads, SIGTERM%s: exit after %.2f s\n",
		      second ? " and SIGINT" : "", dt);
	assert_true(dt < 30);
	if (!WIFEXITED(status))
		fail_msg("ended by signal %d", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(count_entries(t), 0);
	char *err = bt_test_slurp(e);
	if (!strstr(err, second ? "stopping at once (a second signal)"
				: "work in progress did not stop within 3 s"))
		fail_msg("stderr: %s", err);
	free(err);
	/* the waiting client: answered 503, then closed; after a second
	 * signal serve exits at once and may close it before the 503 has
	 * gone out (serve.md: "stops at once"), so there a closed connection
	 * without an answer is right too, but never any other answer */
	char b[4096];
	size_t got = 0;
	ssize_t k;
	while (got < sizeof b - 1 && (k = recv(c, b + got, sizeof b - 1 - got, 0)) > 0)
		got += (size_t)k;
	b[got] = '\0';
	close(c);
	if (strncmp(b, "HTTP/1.1 503", 12) != 0 && !(second && got == 0))
		fail_msg("the waiting client got: %.100s", b);
	port = main_port;
}

static void test_stop_stuck(void **state)
{
	(void)state;
	stop_stuck("stuck", 0);
	stop_stuck("stuck2", 1);
}

/* --- the load test ---------------------------------------------------------- */

static const char *load_paths[8];
static char load_buf[4][128];
static atomic_int load_next, load_errors;
static char load_error_text[512];
static pthread_mutex_t load_mu = PTHREAD_MUTEX_INITIALIZER;

static void *load_client(void *arg)
{
	(void)arg;
	for (;;) {
		int i = atomic_fetch_add(&load_next, 1);
		struct resp r;
		const char *path;
		if (i >= LOAD_REQUESTS)
			break;
		path = load_paths[i % 8];
		if (http("GET", path, &r) != 0 || r.status != 200 || r.content_length < 0 ||
		    (size_t)r.content_length != r.body_len || r.body_len == 0) {
			if (atomic_fetch_add(&load_errors, 1) == 0) {
				pthread_mutex_lock(&load_mu);
				snprintf(load_error_text, sizeof load_error_text,
					 "GET %s: status %d, %zu of %ld bytes: %.200s", path,
					 r.status, r.body_len, r.content_length,
					 r.body ? r.body : "");
				pthread_mutex_unlock(&load_mu);
			}
		}
		resp_free(&r);
	}
	return NULL;
}

static void test_load(void **state)
{
	pthread_t th[LOAD_THREADS];
	struct timespec t0, t1;
	pid_t writer;
	int st;
	(void)state;

	snprintf(load_buf[0], sizeof load_buf[0], "/api/runs/%s", ids[7]);
	snprintf(load_buf[1], sizeof load_buf[1], "/api/series/%s", step_key);
	load_paths[0] = "/api/runs?limit=10";
	load_paths[1] = load_buf[0];
	load_paths[2] = load_buf[1];
	load_paths[3] = "/api/regressions";
	load_paths[4] = "/";
	load_paths[5] = "/data/index.js";
	load_paths[6] = "/api/series";
	load_paths[7] = "/api/runs/latest";

	/* the writer: another process storing runs into the same store while
	 * the clients run (forked before any thread exists here) */
	writer = fork();
	assert_true(writer >= 0);
	if (writer == 0) {
		struct bt_store *s;
		int rc = bt_store_open(&s, store, 0, NULL);
		for (int i = 0; !rc && i < N_EXTRA; i++) {
			rc = put_run(s, N_RUNS + 1 + i, "m1", "f1f1f1f1f1f1f1f1");
			usleep(50000);
		}
		bt_store_close(s);
		_exit(rc ? 1 : 0);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < LOAD_THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, load_client, NULL), 0);
	for (int i = 0; i < LOAD_THREADS; i++)
		pthread_join(th[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(waitpid(writer, &st, 0), writer);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
	print_message("load: %d requests from %d clients in %.2f s: %.0f requests/s, "
		      "%d errors\n", LOAD_REQUESTS, LOAD_THREADS, s, LOAD_REQUESTS / s,
		      atomic_load(&load_errors));
	if (atomic_load(&load_errors))
		fail_msg("%d errors; first: %s", atomic_load(&load_errors), load_error_text);

	/* every stored run is seen, and the dashboard follows within seconds */
	json_t *j = get_json("/api/runs", 200);
	assert_int_equal(json_array_size(json_object_get(j, "runs")), N_RUNS + 1 + N_EXTRA);
	json_decref(j);
	int seen = 0;
	for (int i = 0; i < 100 && !seen; i++) {
		struct resp r;
		assert_int_equal(http("GET", "/data/index.js", &r), 0);
		assert_int_equal(r.status, 200);
		seen = strstr(r.body, ids[N_RUNS + N_EXTRA]) != NULL;
		resp_free(&r);
		if (!seen)
			usleep(200000);
	}
	assert_true(seen);
}

static void test_sigterm(void **state)
{
	int st;
	DIR *d;
	struct dirent *e;
	int left = 0;
	(void)state;
	assert_int_equal(kill(server, SIGTERM), 0);
	assert_int_equal(waitpid(server, &st, 0), server);
	server = -1;
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	/* the private dashboard copies are gone */
	assert_non_null(d = opendir(tmp));
	while ((e = readdir(d)))
		left += e->d_name[0] != '.';
	closedir(d);
	assert_int_equal(left, 0);
	/* usage errors */
	char *bad_port[] = { BT, "serve", "--port", "70000", "--store", store, NULL };
	assert_int_equal(bt_test_spawn(bad_port, NULL, NULL), 2);
	char *bad_bind[] = { BT, "serve", "--bind", "localhost:80", "--store", store, NULL };
	assert_int_equal(bt_test_spawn(bad_bind, NULL, NULL), 2);
	char *no_store[] = { BT, "serve", "--port", "0", "--store", "/nonexistent/st", NULL };
	assert_int_equal(bt_test_spawn(no_store, NULL, NULL), 3);
	/* --header-timeout: a unit is needed, from 100ms to 60m */
	static const char *const bad_t[] = { "5", "50ms", "2h", "x", "", "-1s", "10 s" };
	for (size_t i = 0; i < sizeof bad_t / sizeof *bad_t; i++) {
		char *bad_ht[] = { BT, "serve", "--header-timeout", (char *)bad_t[i],
				   "--store", store, NULL };
		if (bt_test_spawn(bad_ht, NULL, NULL) != 2)
			fail_msg("--header-timeout '%s': not a usage error", bad_t[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_api_runs),
		cmocka_unit_test(test_api_run),
		cmocka_unit_test(test_api_run_fifo),
		cmocka_unit_test(test_api_series),
		cmocka_unit_test(test_api_regressions),
		cmocka_unit_test(test_dashboard),
		cmocka_unit_test(test_traversal),
		cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_methods),
		cmocka_unit_test(test_heavy),
		cmocka_unit_test(test_sighup),
		cmocka_unit_test(test_sigterm_early),
		cmocka_unit_test(test_raw_nul),
		cmocka_unit_test_teardown(test_header_deadline, end_xserver),
		cmocka_unit_test_teardown(test_stop_stuck, end_xserver),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_sigterm),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
