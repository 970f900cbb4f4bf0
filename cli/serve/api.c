/* serve's JSON API: /api/runs, /api/runs/ID, /api/series,
 * /api/series/KEY and /api/regressions, computed from the store
 * (serve.h; the heavy ones by the worker, worker.c). */
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "internal.h"
#include "jsonout.h"
#include "serve.h"

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
	/* the CLI's dates: on the calendar, normalised as the index compares */
	char since_d[CLI_DATE_MAX], until_d[CLI_DATE_MAX];
	if ((f.since && cli_date(f.since, since_d)) || (f.until && cli_date(f.until, until_d)))
		return serve_reply_error(c, MHD_HTTP_BAD_REQUEST,
					 "since/until: " CLI_DATE_EXPECTED);
	if (f.since)
		f.since = since_d;
	if (f.until)
		f.until = until_d;
	if (f.commit && !bt__is_hex(f.commit, 1, 64))
		return serve_reply_error(c, MHD_HTTP_BAD_REQUEST, "commit: expected hex digits");
	f.limit = SERVE_DEFAULT_LIMIT;
	if (limit) {
		char *end;
		long n = strtol(limit, &end, 10);
		if (*end || n < 0 || n > SERVE_MAX_LIMIT || limit[0] == '-' || limit[0] == '+')
			return serve_reply_error(c, MHD_HTTP_BAD_REQUEST,
						 "limit: expected an integer from 0 (all) to %d",
						 SERVE_MAX_LIMIT);
		f.limit = (size_t)n; /* 0: no limit */
	}
	rc = bt_store_open(&st, s->store_dir, BT_STORE_READONLY, &err);
	if (!rc)
		rc = bt_store_query(st, &f, &l, &err);
	bt_store_close(st);
	if (rc) {
		ret = serve_reply_store_error(c, rc, &err);
		bt_strbuf_release(&err);
		return ret;
	}
	runs = json_array();
	for (size_t i = 0; runs && i < l.n; i++)
		if (json_array_append_new(runs, cli_json_entry(&l.items[i])))
			json_decref(runs), runs = NULL;
	bt_store_list_release(&l);
	bt_strbuf_release(&err);
	if (!runs)
		return MHD_NO;
	return serve_reply_json(c, MHD_HTTP_OK, json_pack("{s:I, s:o}", "count",
							  (json_int_t)json_array_size(runs),
							  "runs", runs));
}

/* 1 when the request's Accept-Encoding names coding (not refused: q=0). */
static int accepts(struct MHD_Connection *c, const char *coding)
{
	const char *a = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						    MHD_HTTP_HEADER_ACCEPT_ENCODING);
	size_t n = strlen(coding);
	for (const char *p = a; p && (p = strstr(p, coding)); p += n) {
		if (p > a && !strchr(" ,", p[-1]))
			continue;
		const char *q = p + n;
		while (*q == ' ')
			q++;
		if (*q == ',' || !*q)
			return 1;
		if (*q == ';') {
			const char *v = strstr(q, "q=");
			const char *comma = strchr(q, ',');
			return !(v && (!comma || v < comma) && strtod(v + 2, NULL) == 0);
		}
	}
	return 0;
}

/* The run file open on fd (path, size bytes) as JSON: a plain one as it
 * is; a compressed one (docs/STORE.md) as it is, with Content-Encoding
 * zstd or gzip, when the client takes that, else inflated. */
static enum MHD_Result reply_run_file(struct MHD_Connection *c, int fd,
				      const char *path, off_t size)
{
	char magic[4];
	ssize_t got = pread(fd, magic, sizeof magic, 0);
	int z = got > 0 ? bt__run_compressed(magic, (size_t)got) : 0;
	const char *coding = z == BT__RUN_ZSTD ? "zstd" : "gzip";
	if (!z)
		return serve_reply_fd(c, fd, size, "application/json", "no-store");
	if (accepts(c, coding))
		return serve_reply_fd_h(c, fd, size, "application/json", "no-store",
					MHD_HTTP_HEADER_CONTENT_ENCODING, coding);
	close(fd);
	struct bt_strbuf err = BT_STRBUF_INIT;
	char *data = NULL, *text = NULL;
	size_t len, tlen;
	int rc = bt__read_file(path, (size_t)256 << 20, &data, &len, &err);
	if (!rc)
		rc = bt__run_inflate(path, data, len, (size_t)256 << 20, &text, &tlen, &err);
	free(data);
	/* a damaged file in the store is the server's problem: 500 */
	enum MHD_Result ret = rc ? serve_reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "%s",
						     bt_strbuf_str(&err))
				 : serve_reply_text_h(c, MHD_HTTP_OK, "application/json",
						      text, NULL, NULL);
	bt_strbuf_release(&err);
	return ret;
}

static enum MHD_Result api_run(struct server *s, struct MHD_Connection *c,
			       const char *ref)
{
	struct bt_strbuf err = BT_STRBUF_INIT;
	struct bt_store *st = NULL;
	char *path = NULL, *real = NULL;
	size_t nb = s->store_real ? strlen(s->store_real) : 0;
	enum MHD_Result ret;
	struct stat sb;
	int rc, fd = -1;

	if (!(strcmp(ref, "latest") == 0 ||
	      (strncmp(ref, "latest:", 7) == 0 && token_ok(ref + 7, "._-", 64) &&
	       ref[7] != '.') ||
	      bt__is_hex(ref, 4, 64)))
		return serve_reply_error(c, MHD_HTTP_BAD_REQUEST,
					 "'%.80s': expected a run id (or a prefix of 4 or more "
					 "hex digits), latest or latest:TYPE", ref);
	rc = bt_store_open(&st, s->store_dir, BT_STORE_READONLY, &err);
	if (!rc && bt_store_is_remote(st)) {
		/* a PostgreSQL store: the document from the database */
		struct bt_run run;
		struct bt_strbuf js = BT_STRBUF_INIT;
		if (!(rc = bt_run_init(&run)) && !(rc = bt_store_load(st, ref, &run, &err)))
			rc = bt_run_to_json(&run, 1, &js, &err);
		bt_run_release(&run);
		bt_store_close(st);
		if (rc) {
			bt_strbuf_release(&js);
			ret = serve_reply_store_error(c, rc, &err);
		} else {
			ret = serve_reply_text(c, MHD_HTTP_OK, "application/json",
					       bt_strbuf_detach(&js));
		}
		bt_strbuf_release(&err);
		return ret;
	}
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
	if (rc) {
		if (fd >= 0)
			close(fd);
		ret = serve_reply_store_error(c, rc, &err);
	} else {
		ret = reply_run_file(c, fd, real, sb.st_size);
	}
	free(real);
	bt_strbuf_release(&err);
	return ret;
}

struct series_walk {
	struct cli_regressions q; /* acks, cp; for /api/regressions, what it
				   * reports (since, all) and the counts */
	json_t *out;             /* /api/series/KEY: the series; /api/series: array */
	size_t n;
	int one;                 /* /api/series/KEY */
	struct bt_strbuf err;
};

static int series_one(void *ud, const struct bt_series *s)
{
	struct series_walk *w = ud;
	struct bt_cp_result cps;
	int rc;

	if (++w->n > 1)
		return 0; /* an ambiguous prefix: counted only */
	struct bt_series_event *ev = NULL;
	size_t n_ev = 0;
	if ((rc = bt_series_changepoints(s, &w->q.cp, &cps, &w->err)))
		return rc;
	if (!(rc = bt_series_events(s, &w->q.cp, &cps, &ev, &n_ev, &w->err)))
		w->out = cli_json_series(s, &cps, ev, n_ev, &w->q.acks);
	free(ev);
	bt_cp_result_release(&cps);
	return rc ? rc : w->out ? 0 : BT_ENOMEM;
}

static int series_list_one(void *ud, const struct bt_series *s)
{
	struct series_walk *w = ud;
	json_t *o = cli_json_series_head(s);
	const struct bt_series_point *last = s->n ? &s->points[s->n - 1] : NULL;
	if (!o)
		return BT_ENOMEM;
	if (last)
		json_object_set_new(o, "last", json_pack("{s:s, s:s?, s:s, s:o}",
							 "run_id", last->run_id,
							 "commit", last->commit,
							 "timestamp", last->timestamp,
							 "value", cli_json_num(last->value)));
	return json_array_append_new(w->out, o) ? BT_ENOMEM : 0;
}

static int regression_one(void *ud, const struct bt_series *s,
			  const struct bt_change_point *c, const struct bt_series_event *ev,
			  int worse, int acked, const struct bt_change_fix *fix)
{
	struct series_walk *w = ud;
	json_t *o = ev ? cli_json_regression_event(s, ev, acked)
		       : cli_json_regression(s, c, worse, acked);
	/* with its evidence and explanation (and a partial fix), as
	 * regressions --format json */
	if (o && (cli_json_explain(o, s, ev ? NULL : c, ev, &w->q.cp, s->unit ? s->unit : "s") ||
		  (!ev && cli_json_fix(o, s, c, fix, s->unit ? s->unit : "s")))) {
		json_decref(o);
		o = NULL;
	}
	return json_array_append_new(w->out, o) ? BT_ENOMEM : 0;
}

static int regressions_one(void *ud, const struct bt_series *s)
{
	struct series_walk *w = ud;
	return cli_series_regressions(&w->q, s, regression_one, w, &w->err);
}

/* Computes a series answer (what: enum series_what) into *status and
 * its JSON text (malloc'd; NULL: out of memory). The parameters are
 * checked by the caller. */
char *serve_series_compute(const char *store_dir, int what, const char *key,
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
	bt_cp_opts_default(&w.q.cp);
	f.series_key = key;
	f.metric = metric;
	f.machine = machine;
	if (what == SERIES_LIST) {
		f.suite = suite;
		f.name = name;
	}
	w.q.since = since;
	w.q.all = all;
	w.q.pending = 1;
	*status = MHD_HTTP_INTERNAL_SERVER_ERROR;
	if (what != SERIES_ONE && !(w.out = json_array()))
		return NULL;
	rc = bt_store_open(&st, store_dir, BT_STORE_READONLY, &w.err);
	if (!rc && what != SERIES_LIST)
		rc = bt_store_acks(st, &w.q.acks, &w.err);
	/* regressions: the change points of unchanged series from the
	 * store's cache, as `regressions` has them (cli_cp_cache_open) */
	if (!rc && what == SERIES_REGRESSIONS)
		rc = cli_cp_cache_open(st, &w.q);
	if (!rc)
		rc = bt_store_series(st, &f,
				     what == SERIES_ONE ? series_one
				     : what == SERIES_LIST ? series_list_one
							   : regressions_one,
				     &w, &n_series, &w.err);
	if (!rc && w.q.cache)
		bt_cp_cache_save(w.q.cache, NULL);
	bt_cp_cache_close(w.q.cache);
	bt_store_close(st);
	if (rc) {
		*status = rc == BT_ENOTFOUND ? MHD_HTTP_NOT_FOUND
			: rc == BT_EINVAL ? MHD_HTTP_BAD_REQUEST
			: MHD_HTTP_INTERNAL_SERVER_ERROR;
		text = serve_error_text(*status, "%s", w.err.len ? w.err.buf : bt_strerror(rc));
	} else if (what == SERIES_ONE && w.n == 0) {
		*status = MHD_HTTP_NOT_FOUND;
		text = serve_error_text(*status, "no series '%s'%s%s", key,
					f.metric ? " of metric " : "", f.metric ? f.metric : "");
	} else if (what == SERIES_ONE && w.n > 1) {
		*status = MHD_HTTP_BAD_REQUEST;
		text = serve_error_text(*status,
					"series key prefix '%s' is ambiguous (%zu series)",
					key, w.n);
	} else {
		*status = MHD_HTTP_OK;
		if (what == SERIES_ONE)
			root = json_incref(w.out);
		else if (what == SERIES_LIST)
			root = json_pack("{s:I, s:O}", "count", (json_int_t)n_series,
					 "series", w.out);
		else
			root = cli_json_regressions(n_series, &w.q, w.out);
		text = root ? bt__json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
		json_decref(root);
	}
	json_decref(w.out);
	bt_ack_list_release(&w.q.acks);
	bt_strbuf_release(&w.err);
	return text;
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

	if (key && !bt__is_hex(key, 4, 64))
		return serve_reply_error(c, MHD_HTTP_BAD_REQUEST,
					 "'%.80s': expected a series key (or a prefix of 4 "
					 "or more hex digits)", key);
	if (metric && !token_ok(metric, "._-:/", 64))
		return serve_reply_error(c, MHD_HTTP_BAD_REQUEST, "metric: not a metric name");
	/* a date on the calendar, or a commit (as regressions --since) */
	char since_d[CLI_DATE_MAX];
	if (since && !bt__is_hex(since, 4, 40)) {
		if (cli_date(since, since_d))
			return serve_reply_error(c, MHD_HTTP_BAD_REQUEST,
						 "since: " CLI_DATE_EXPECTED
						 ", or a commit (4 or more hex digits)");
		since = since_d;
	}
	/* suite, name, machine: compared in SQL, never part of a path */
	if ((suite && strchr(suite, '\x1f')) || (name && strchr(name, '\x1f')) ||
	    (machine && strchr(machine, '\x1f')))
		return serve_reply_error(c, MHD_HTTP_BAD_REQUEST, "bad parameter");
	if (what != SERIES_ONE)
		return serve_heavy(s, c, r, what, since, all, metric, machine, suite, name);
	char *text = serve_series_compute(s->store_dir, what, key, since, all, metric, machine,
					  NULL, NULL, &status);
	return serve_reply_text(c, status, "application/json", text);
}

enum MHD_Result serve_api(struct server *s, struct MHD_Connection *c,
			  struct req *r, const char *path)
{
	if (strcmp(path, "") == 0 || strcmp(path, "/") == 0)
		return serve_reply_json(c, MHD_HTTP_OK, json_pack(
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
	return serve_reply_error(c, MHD_HTTP_NOT_FOUND, "no such API endpoint");
}
