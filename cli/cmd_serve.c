/* benchtrack serve [--bind ADDR] [--port N] [--store DIR]: the dashboard
 * of a store live, and a read-only JSON API computed from the store for
 * each request, on libmicrohttpd (docs/cmd/serve.md). This file is the
 * command: its flags, the setup, the main loop and stopping; the server
 * itself is in serve/ (serve/serve.h: the dashboard copies, the API, the
 * worker, the requests and their limits).
 *
 * Signals: INT, TERM, HUP and QUIT are blocked in every thread before the
 * temporary directory is made and taken by the main thread (sigtimedwait),
 * which does nothing else that can block for long (the first copy too is
 * written by the regeneration thread), so that the directory is removed
 * whichever of them comes, and whenever. Stopping waits SERVE_STOP_MS at
 * most for the threads (a computation or a copy that never ends, a second
 * signal: at once); after that the process removes the directory and
 * exits without joining them (_exit: nothing they use is freed); the
 * threads write the copies only through the directory open (serve.h), so
 * that once it is removed nothing can be created in it again, nor the
 * directory itself. Between signals the main thread sweeps the
 * connections (serve_sweep: the header deadline).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
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
#include "serve/serve.h"

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
	if (s->worker_started)
		serve_worker_stop(s, d != NULL);
	if (d)
		MHD_stop_daemon(d);
	serve_join_threads(s);
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
	long long end = serve_now_ms() + SERVE_STOP_MS;

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
		long long left = end - serve_now_ms();
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
	serve_log_roll(s, 1);
	for (int i = 0; i < 100 && s->base && lstat(s->base, &st) == 0; i++)
		serve_rmtree(s->base);
	fflush(stdout);
	fflush(stderr);
	_exit(code);
}

static int cmd_serve(int argc, char **argv)
{
	const char *store_dir = NULL, *bind_addr = "127.0.0.1", *port_s = "8080",
		   *header_s = NULL;
	int n_args = 0, code;
	char *args[1];
	struct cli_opt opts[] = {
		{ "--store", &store_dir, NULL }, { "--bind", &bind_addr, NULL },
		{ "--port", &port_s, NULL },     { "--header-timeout", &header_s, NULL },
		{ NULL, NULL, NULL },
	};
	struct sockaddr_storage sa;
	struct server s;
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

	if ((code = cli_opts(argc, argv, opts, args, 0, &n_args)) >= 0)
		return code;
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
	if (!(st = cli_store(store_dir))) /* open while it serves; main closes it */
		goto out;
	s.store_dir = bt_store_dir(st);
	if (bt_store_is_remote(st)) {
		/* a PostgreSQL store is opened again by its URL as given (its
		 * password included; bt_store_dir is what is printed) */
		s.store_dir = store_dir && *store_dir ? store_dir : getenv("BENCHTRACK_STORE");
	} else if (!(s.store_real = realpath(s.store_dir, NULL))) {
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
	if (pthread_create(&s.regen, NULL, serve_regen_main, &s) != 0) {
		bt_front_error("serve: cannot start a thread");
		goto out;
	}
	s.regen_started = 1;
	while (!(rc = atomic_load(&s.first)))
		if ((sig_no = sigtimedwait(&sigs, NULL, &(struct timespec){ 0, 20000000 })) > 0)
			goto stopped;
	if (rc < 0) {
		char *msg = s.first_err.len ? serve_real_paths(&s, s.first_err.buf) : NULL;
		bt_front_error("serve: dashboard: %s", msg ? msg : "out of memory");
		free(msg);
		goto out;
	}
	atomic_store(&s.last_check, serve_now_ms());

	if (pthread_create(&s.worker, NULL, serve_worker_main, &s) != 0) {
		bt_front_error("serve: cannot start a thread");
		goto out;
	}
	s.worker_started = 1;

	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG |
		MHD_ALLOW_SUSPEND_RESUME | (ipv6 ? MHD_USE_IPv6 : 0);
	d = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, serve_on_request, &s,
			     MHD_OPTION_EXTERNAL_LOGGER, serve_on_log, &s,
			     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
			     MHD_OPTION_THREAD_POOL_SIZE, (unsigned)SERVE_THREADS,
			     MHD_OPTION_CONNECTION_LIMIT, (unsigned)SERVE_MAX_CONNECTIONS,
			     MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)SERVE_MAX_PER_IP,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)SERVE_TIMEOUT_S,
			     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SERVE_MEMORY_LIMIT,
			     MHD_OPTION_URI_LOG_CALLBACK, serve_on_uri, NULL,
			     MHD_OPTION_NOTIFY_COMPLETED, serve_on_completed, &s,
			     MHD_OPTION_NOTIFY_CONNECTION, serve_on_connection, &s,
			     MHD_OPTION_END);
	if (!d) {
		bt_front_error("serve: cannot listen on %s port %ld: %s", bind_addr, port,
			       strerror(errno ? errno : EADDRINUSE));
		goto out;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	if (info)
		port = info->port;
	printf("serving %s at http://%s%s%s:%ld/\n", bt_store_dir(st), ipv6 ? "[" : "",
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
		serve_sweep(&s);
		serve_log_roll(&s, 0);
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
	serve_log_roll(&s, 1);
	serve_rmtree(s.base);
	if (s.base_fd >= 0)
		close(s.base_fd);
	free(s.base);
	free(s.wbase);
	free(s.cur);
	free(s.store_real);
	bt_strbuf_release(&s.first_err);
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

const struct cli_cmd cli_cmd_serve = {
	"serve", "serve [--bind ADDR] [--port N] [--header-timeout T]",
	"serve the dashboard and a JSON API of the store", cmd_serve,
	CLI_STORE | CLI_READONLY
};
