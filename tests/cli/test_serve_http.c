/* benchtrack serve through the real binary and plain sockets, the HTTP
 * layer: traversal attempts, oversized requests, methods, SIGHUP/SIGQUIT,
 * a raw NUL in the target (400), the header deadline and the cap of
 * messages on stderr, and a bounded stop with stuck threads
 * (BENCHTRACK_TEST_SERVE_STALL). The store and the client are
 * serve_fixture.h. */
#include "serve_fixture.h"

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
/* GET url with Accept-Encoding: ae; asserts 200 and Content-Encoding ce
 * ("" none), and that the body starts with magic (n bytes). */
static void get_coded(const char *url, const char *ae, const char *ce,
		      const char *magic, size_t n)
{
	char req[512], got[64];
	struct resp r;
	int len = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
			   "Accept-Encoding: %s\r\nConnection: close\r\n\r\n", url, ae);
	assert_int_equal(http_raw(req, (size_t)len, &r), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(header(&r, "Content-Encoding", got, sizeof got), ce);
	assert_true(r.body_len > n);
	assert_memory_equal(r.body, magic, n);
	resp_free(&r);
}

/* A run file stored compressed (docs/STORE.md "Compressed run files"),
 * with zstd as the store writes it or with gzip: /api/runs/ID serves it
 * inflated to a client that does not take that coding, and as it is,
 * with Content-Encoding, to one that does. */
static void test_run_compressed(void **state)
{
	(void)state;
	struct bt_store *st = NULL;
	struct bt_strbuf err = BT_STRBUF_INIT;
	struct bt_run run;
	char *path = NULL, url[128];
	assert_int_equal(bt_store_open(&st, store, BT_STORE_READONLY, &err), 0);
	assert_int_equal(bt_store_resolve(st, ids[1], &path, &err), 0);
	bt_store_close(st);
	assert_int_equal(bt_run_init(&run), 0);
	assert_int_equal(bt_run_read_file(&run, path, &err), 0);
	snprintf(url, sizeof url, "/api/runs/%s", ids[1]);

	assert_int_equal(bt_run_write_file_as(&run, path, BT_RUN_FILE_ZSTD, &err), 0);
	json_t *j = get_json(url, 200);
	assert_string_equal(json_string_value(json_object_get(j, "run_id")), ids[1]);
	json_decref(j);
	get_coded(url, "gzip, zstd", "zstd", "\x28\xb5\x2f\xfd", 4);
	get_coded(url, "zstd;q=0, gzip", "", "{", 1); /* q=0 refuses */

	assert_int_equal(bt_run_write_file_as(&run, path, BT_RUN_FILE_GZIP, &err), 0);
	j = get_json(url, 200);
	assert_string_equal(json_string_value(json_object_get(j, "run_id")), ids[1]);
	json_decref(j);
	get_coded(url, "br, gzip;q=0.8", "gzip", "\x1f\x8b", 2);
	get_coded(url, "zstd", "", "{", 1);

	assert_int_equal(bt_run_write_file(&run, path, &err), 0); /* as it was */
	bt_run_release(&run);
	bt_strbuf_release(&err);
	free(path);
}

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
#define HD_BYTES 600     /* the trickle: a byte every 100 ms, 60 s at most */
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
	/* the idle one too (it has a CLIENT_TIMEOUT_S receive timeout) */
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
	assert_int_equal(wait_exit(xserver, WAIT_LIMIT_S, &status), 0);
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
 * answer: SIGTERM (twice: second) ends it all the same, after
 * SERVE_STOP_MS (at once), with exit 0, its directory removed and the
 * client answered 503. That it gave up waiting is what stderr says; the
 * time is printed (WAIT_LIMIT_S only ends a test whose server hangs). */
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
	for (t0 = now_s(); (n = count_entries(sub)) < 2 && now_s() - t0 < WAIT_LIMIT_S;) {
		struct resp r;
		assert_int_equal(http("GET", "/", &r), 0);
		resp_free(&r);
		usleep(100000);
	}
	if (n != 2)
		fail_msg("%s: %d entries %.0f s after a run was stored, want 2 (a new copy "
			 "begun)", sub, n, WAIT_LIMIT_S);

	t0 = now_s();
	assert_int_equal(kill(xserver, SIGTERM), 0);
	if (second)
		assert_int_equal(kill(xserver, SIGINT), 0);
	n = wait_exit(xserver, WAIT_LIMIT_S, &status);
	xserver = -1;
	if (n != 0)
		fail_msg("still running %.0f s after SIGTERM", WAIT_LIMIT_S);
	dt = now_s() - t0;
	print_message("stuck threads, SIGTERM%s: exit after %.2f s\n",
		      second ? " and SIGINT" : "", dt);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_traversal),
		cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_methods),
		cmocka_unit_test(test_sighup),
		cmocka_unit_test(test_run_compressed),
		cmocka_unit_test(test_raw_nul),
		cmocka_unit_test_teardown(test_header_deadline, end_xserver),
		cmocka_unit_test_teardown(test_stop_stuck, end_xserver),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
