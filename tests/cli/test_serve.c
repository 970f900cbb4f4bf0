/* benchtrack serve through the real binary and plain sockets: the JSON
 * API and the dashboard, 404s, a FIFO in place of a run file, many heavy
 * requests at once, the dashboard while heavy answers are stuck for good
 * (BENCHTRACK_TEST_SERVE_STALL), then a bounded load test (2,000 requests from 16
 * client threads) while another process stores runs, and a clean exit on
 * SIGTERM. The HTTP layer (traversal, oversized requests, methods,
 * signals, hostile clients, stuck threads) is test_serve_http.c; the
 * store and the client are serve_fixture.h. */
#include "serve_fixture.h"

#include <poll.h>

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
	/* a commit filter is hex digits; a metric a name */
	j = get_json("/api/runs?commit=c0g", 400);
	assert_non_null(strstr(json_string_value(json_object_get(j, "error")),
			       "commit: expected hex digits"));
	json_decref(j);
	j = get_json("/api/runs?commit=c00", 200);
	assert_int_equal(json_array_size(json_object_get(j, "runs")), 1);
	json_decref(j);
	j = get_json("/api/regressions?metric=a%20b", 400);
	assert_non_null(strstr(json_string_value(json_object_get(j, "error")),
			       "metric: not a metric name"));
	json_decref(j);
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
	/* a confirmed step; nothing pending or reverted */
	assert_string_equal(json_string_value(json_object_get(r, "status")), "confirmed");
	assert_int_equal(json_integer_value(json_object_get(j, "pending")), 0);
	assert_int_equal(json_integer_value(json_object_get(j, "reverted")), 0);
	/* why it was reported: the noise it was judged against, in words too */
	json_t *ev = json_object_get(r, "evidence");
	assert_true(json_real_value(json_object_get(ev, "noise_sd")) > 0);
	assert_true(json_real_value(json_object_get(ev, "change_in_noise_sd")) > 1);
	assert_non_null(json_string_value(json_object_get(ev, "min_change_rule")));
	const char *why = json_string_value(json_object_get(r, "explanation"));
	if (!why || strncmp(why, "why: ", 5) != 0 || !strstr(why, "x the noise (sd "))
		fail_msg("/api/regressions explanation: %s", why ? why : "(none)");
	json_decref(j);
	/* a series carries its pending and reverted changes (none here) */
	char path[64];
	snprintf(path, sizeof path, "/api/series/%s", step_key);
	j = get_json(path, 200);
	assert_int_equal(json_array_size(json_object_get(j, "change_points")), 1);
	assert_true(json_is_array(json_object_get(j, "pending")));
	assert_int_equal(json_array_size(json_object_get(j, "reverted")), 0);
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
	/* a server hanging in open() never answers: status 0 once the
	 * client gives up (CLIENT_TIMEOUT_S) */
	if (r.status != 404 && r.status != 500)
		fail_msg("GET %s on a FIFO: status %d after %.1f s", path, r.status, dt);
	print_message("GET on a FIFO: %d in %.3f s\n", r.status, dt);
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

/* GET /api/regressions until it is not 503 (within WAIT_LIMIT_S): the
 * parsed answer. */
static json_t *get_regressions(void)
{
	for (double t0 = now_s(); now_s() - t0 < WAIT_LIMIT_S;) {
		struct resp r;
		assert_int_equal(http("GET", "/api/regressions", &r), 0);
		int status = r.status;
		resp_free(&r);
		if (status != 503)
			return get_json("/api/regressions", 200);
		usleep(200000);
	}
	fail_msg("/api/regressions: 503 for %.0f s", WAIT_LIMIT_S);
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
	 * cached): the dashboard's files keep coming, whole, meanwhile (how
	 * fast is printed, not asserted: that they never wait for a heavy
	 * answer is test_heavy_stuck) */
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

/* --- the dashboard while heavy answers are stuck for good ------------------------ */

#define S_JOBS 4  /* SERVE_HEAVY_JOBS (cli/serve/serve.h): queued or computing */
#define S_BUSY 4  /* distinct heavy requests beyond them: answered 503 */
#define S_PAGES 5 /* GET /index.html while they are stuck */

/* A server whose worker never finishes a computation (the test hook
 * BENCHTRACK_TEST_SERVE_STALL=worker) and S_JOBS + S_BUSY distinct heavy
 * requests, each on its own connection. The worker's queue holds S_JOBS,
 * the rest are answered 503 at once; once S_BUSY 503s have come, the
 * other S_JOBS requests are queued and will never be answered (the worker
 * never frees a place, and a suspended connection never times out).
 * S_JOBS is as many as MHD's threads (SERVE_THREADS). Then the dashboard's
 * page and a light API answer must still come, whole: a static file that
 * waited for the worker, or a thread blocked on a heavy answer instead of
 * suspending it, would never be answered and the client would give up
 * (CLIENT_TIMEOUT_S). This holds however slow the machine; the latency is
 * printed, not asserted. */
static void test_heavy_stuck(void **state)
{
	enum { N = S_JOBS + S_BUSY };
	char t[300], o[320], e[320], req[256], b[32];
	struct pollfd pf[N];
	struct resp r;
	int busy = 0, queued = 0;
	double t0, worst = 0;
	(void)state;

	snprintf(t, sizeof t, "%s/tmp-hstuck", dir);
	snprintf(o, sizeof o, "%s/out-hstuck", dir);
	snprintf(e, sizeof e, "%s/err-hstuck", dir);
	assert_int_equal(mkdir(t, 0700), 0);
	setenv("BENCHTRACK_TEST_SERVE_STALL", "worker", 1);
	assert_int_equal(spawn_server(store, t, o, e, &xserver), 0);
	unsetenv("BENCHTRACK_TEST_SERVE_STALL");
	port = wait_serving(o, &xserver);
	assert_true(port > 0);

	/* the page as served before any heavy request */
	assert_int_equal(http("GET", "/index.html", &r), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.content_length, (long)r.body_len);
	assert_true(r.body_len > 0);
	size_t page_len = r.body_len;
	char *page = r.body;
	r.body = NULL;
	resp_free(&r);

	for (int i = 0; i < N; i++) {
		int n = snprintf(req, sizeof req, "GET /api/regressions?since=2026-10-%02d "
				 "HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
				 i + 1);
		assert_true((pf[i].fd = connect_server()) >= 0);
		pf[i].events = POLLIN;
		assert_int_equal(send(pf[i].fd, req, (size_t)n, MSG_NOSIGNAL), n);
	}
	/* S_BUSY answers, each a 503 with Retry-After (the bound only ends a
	 * failed test) */
	t0 = now_s();
	while (busy < S_BUSY && now_s() - t0 < WAIT_LIMIT_S) {
		if (poll(pf, N, 1000) <= 0)
			continue;
		for (int i = 0; i < N; i++) {
			if (pf[i].fd < 0 || !pf[i].revents)
				continue;
			assert_int_equal(read_resp(pf[i].fd, &r), 0);
			pf[i].fd = -1; /* closed; poll skips it */
			if (r.status != 503 || !*header(&r, "Retry-After", b, sizeof b))
				fail_msg("heavy request %d with the worker stuck: status %d: %.200s",
					 i, r.status, r.body);
			resp_free(&r);
			busy++;
		}
	}
	if (busy < S_BUSY)
		fail_msg("%d of %d distinct heavy requests answered 503 in %.0f s; want %d "
			 "(SERVE_HEAVY_JOBS %d queued)", busy, N, WAIT_LIMIT_S, S_BUSY, S_JOBS);

	/* the rest wait for good; the dashboard comes all the same */
	for (int k = 0; k < S_PAGES; k++) {
		double t1 = now_s();
		assert_int_equal(http("GET", "/index.html", &r), 0);
		t1 = now_s() - t1;
		worst = t1 > worst ? t1 : worst;
		if (r.status != 200)
			fail_msg("GET /index.html with %d heavy requests stuck: status %d after "
				 "%.1f s", S_JOBS, r.status, t1);
		assert_int_equal(r.content_length, (long)r.body_len);
		assert_int_equal(r.body_len, page_len);
		assert_memory_equal(r.body, page, page_len);
		resp_free(&r);
	}
	json_decref(get_json("/api/runs?limit=1", 200));
	/* ... and those S_JOBS still had no answer: they were stuck meanwhile */
	assert_int_equal(poll(pf, N, 0), 0);
	for (int i = 0; i < N; i++)
		if (pf[i].fd >= 0) {
			close(pf[i].fd);
			queued++;
		}
	assert_int_equal(queued, S_JOBS);
	print_message("heavy stuck: %d queued for good, %d answered 503; %d of /index.html, "
		      "the slowest %.3f s\n", queued, busy, S_PAGES, worst);
	free(page);
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
	for (double t0 = now_s(); !found && now_s() - t0 < WAIT_LIMIT_S;) {
		found = count_entries(t) > 0;
		if (!found)
			usleep(500);
	}
	if (!found)
		fail_msg("serve made no directory in %s within %.0f s", t, WAIT_LIMIT_S);
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

	/* every stored run is seen, and the dashboard follows (seconds; the
	 * bound only ends a failed test) */
	json_t *j = get_json("/api/runs", 200);
	assert_int_equal(json_array_size(json_object_get(j, "runs")), N_RUNS + 1 + N_EXTRA);
	json_decref(j);
	int seen = 0;
	double t0s = now_s();
	while (!seen && now_s() - t0s < WAIT_LIMIT_S) {
		struct resp r;
		assert_int_equal(http("GET", "/data/index.js", &r), 0);
		assert_int_equal(r.status, 200);
		seen = strstr(r.body, ids[N_RUNS + N_EXTRA]) != NULL;
		resp_free(&r);
		if (!seen)
			usleep(200000);
	}
	if (!seen)
		fail_msg("/data/index.js: run %s not there %.0f s after it was stored",
			 ids[N_RUNS + N_EXTRA], WAIT_LIMIT_S);
	print_message("load: the dashboard showed the last run %.2f s after the load\n",
		      now_s() - t0s);
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
		cmocka_unit_test(test_heavy),
		cmocka_unit_test_teardown(test_heavy_stuck, end_xserver),
		cmocka_unit_test(test_sigterm_early),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_sigterm),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
