/* benchtrack ack SERIES|--filter EXPR --at COMMIT --reason TEXT: accepts an
 * intended change of a series, or of every series a filter selects (a
 * baseline reset that history and check respect). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "opts.h"

#define MAX_PARAMS 16

/* One matching series: its key, name and params (for the lines printed)
 * and the full commit of its point at --at (NULL: none there). */
struct match {
	char *key, *label, *commit;
};

struct find {
	const char *commit;     /* as given */
	struct match *m;
	size_t n, alloc;
};

static void label_of(struct bt_strbuf *b, const struct bt_series *s)
{
	bt_strbuf_adds(b, s->name ? s->name : "?");
	if (s->variant && strcmp(s->variant, "default") != 0)
		bt_strbuf_addf(b, " [%s]", s->variant);
	if (s->params && *s->params) {
		bt_strbuf_addc(b, ' ');
		for (const char *p = s->params; *p; p++)
			bt_strbuf_addc(b, *p == ';' ? ' ' : *p);
	}
}

static int one_series(void *ud, const struct bt_series *s)
{
	struct find *f = ud;
	struct bt_strbuf lb = BT_STRBUF_INIT;
	struct match *m;

	if (f->n == f->alloc) {
		size_t na = f->alloc ? 2 * f->alloc : 16;
		struct match *p = realloc(f->m, na * sizeof *p);
		if (!p)
			return BT_ENOMEM;
		f->m = p;
		f->alloc = na;
	}
	m = &f->m[f->n++];
	memset(m, 0, sizeof *m);
	label_of(&lb, s);
	m->label = bt_strbuf_detach(&lb);
	m->key = strdup(s->series_key);
	for (size_t i = 0; i < s->n && !m->commit; i++)
		if (s->points[i].commit &&
		    strncmp(s->points[i].commit, f->commit, strlen(f->commit)) == 0)
			m->commit = strdup(s->points[i].commit);
	return m->key && m->label ? 0 : BT_ENOMEM;
}

static int is_hex(const char *s)
{
	return strspn(s, "0123456789abcdef") == strlen(s);
}

static int cmd_ack(int argc, char **argv)
{
	const char *store_dir = NULL, *at = NULL, *reason = NULL, *metric = NULL,
		   *filter = NULL;
	const char *params[MAX_PARAMS];
	int n_args = 0, code, rc;
	char *args[1], *fcopy = NULL;
	struct cli_opt opts[] = {
		{ "--store", &store_dir, NULL }, { "--at", &at, NULL },
		{ "--reason", &reason, NULL },   { "--metric", &metric, NULL },
		{ "--filter", &filter, NULL },   { NULL, NULL, NULL },
	};
	struct bt_strbuf err = BT_STRBUF_INIT;
	struct bt_series_filter sf;
	struct bt_store *st;
	struct bt_ack_req *req = NULL;
	enum bt_ack_outcome *res = NULL;
	size_t n_req = 0, n_missing = 0, counts[3] = { 0, 0, 0 };
	struct find fd;

	if ((code = cli_opts(argc, argv, opts, args, 1, &n_args)) >= 0)
		return code;
	if ((n_args == 1) == (filter != NULL) || !at || !reason) {
		bt_front_error("ack: usage: benchtrack ack SERIES|--filter EXPR --at COMMIT "
			       "--reason TEXT");
		return BT_EXIT_USAGE;
	}
	if (!*reason) {
		bt_front_error("ack: --reason: say why the change is intended");
		return BT_EXIT_USAGE;
	}
	memset(&sf, 0, sizeof sf);
	if (n_args == 1) {
		for (char *p = args[0]; *p; p++)
			if (*p >= 'A' && *p <= 'F')
				*p = (char)(*p - 'A' + 'a');
		if (strlen(args[0]) < 4 || !is_hex(args[0])) {
			bt_front_error("ack: '%s' is not a series key (at least 4 of its 16 hex "
				       "digits; see benchtrack history)", args[0]);
			return BT_EXIT_USAGE;
		}
		sf.series_key = args[0];
	} else {
		if (!*filter) {
			bt_front_error("ack: --filter: empty (say which series, e.g. "
				       "name=online)");
			return BT_EXIT_USAGE;
		}
		if (!(fcopy = strdup(filter)))
			return BT_EXIT_ERROR;
		if ((code = cli_series_filter("ack", fcopy, &sf, params, MAX_PARAMS))) {
			free(fcopy);
			return code;
		}
	}
	if (strlen(at) < 4 || !is_hex(at)) {
		bt_front_error("ack: --at '%s': expected a commit hash (at least 4 hex "
			       "digits)", at);
		free(fcopy);
		return BT_EXIT_USAGE;
	}
	memset(&fd, 0, sizeof fd);
	code = BT_EXIT_ERROR;
	if (!(st = cli_store(store_dir)))
		goto out;
	fd.commit = at;
	sf.metric = metric;
	if ((rc = bt_store_series(st, &sf, one_series, &fd, NULL, &err))) {
		cli_fail(code, "ack", rc, &err);
		goto out;
	}
	if (fd.n == 0) {
		if (filter)
			bt_front_error("ack: no series matches --filter '%s' in %s", filter,
				       bt_store_dir(st));
		else
			bt_front_error("ack: no series %s in %s", args[0], bt_store_dir(st));
		goto out;
	}
	if (!filter && fd.n > 1) {
		bt_front_error("ack: series prefix '%s' is ambiguous: %s, %s%s (use the "
			       "whole key, or --filter for several)", args[0], fd.m[0].key,
			       fd.m[1].key, fd.n > 2 ? ", ..." : "");
		code = BT_EXIT_USAGE;
		goto out;
	}
	req = calloc(fd.n, sizeof *req);
	res = calloc(fd.n, sizeof *res);
	if (!req || !res)
		goto out;
	for (size_t i = 0; i < fd.n; i++)
		if (fd.m[i].commit) {
			req[n_req].series_key = fd.m[i].key;
			req[n_req++].commit = fd.m[i].commit;
		} else {
			n_missing++;
		}
	if (n_req == 0) {
		if (filter)
			bt_front_error("ack: none of the %zu series matching --filter '%s' has "
				       "a run at commit %s", fd.n, filter, at);
		else
			bt_front_error("ack: series %s has no run at commit %s", fd.m[0].key, at);
		goto out;
	}
	if ((rc = bt_store_ack_many(st, req, n_req, reason, NULL, res, &err))) {
		cli_fail(code, "ack", rc, &err);
		goto out;
	}
	for (size_t i = 0, k = 0; i < fd.n; i++) {
		const struct match *m = &fd.m[i];
		if (!m->commit) {
			if (filter)
				printf("skipped series %s %s: no run at commit %s\n", m->key,
				       m->label, at);
			continue;
		}
		counts[res[k]]++;
		printf("%s series %s %s at commit %.12s\n",
		       res[k] == BT_ACK_ADDED ? "acknowledged"
		       : res[k] == BT_ACK_UPDATED ? "updated the reason of"
						  : "already acknowledged (same reason):",
		       m->key, m->label, m->commit);
		k++;
	}
	if (filter) {
		printf("%zu series acknowledged at commit %s", counts[BT_ACK_ADDED], at);
		if (counts[BT_ACK_EXISTS])
			printf(", %zu already were", counts[BT_ACK_EXISTS]);
		if (counts[BT_ACK_UPDATED])
			printf(", %zu with a new reason", counts[BT_ACK_UPDATED]);
		if (n_missing)
			printf(", %zu without a run there skipped", n_missing);
		printf("\n");
	}
	code = cli_flush();
out:
	for (size_t i = 0; i < fd.n; i++) {
		free(fd.m[i].key);
		free(fd.m[i].label);
		free(fd.m[i].commit);
	}
	free(fd.m);
	free(req);
	free(res);
	free(fcopy);
	bt_strbuf_release(&err);
	return code;
}

const struct cli_cmd cli_cmd_ack = {
	"ack", "ack SERIES|--filter EXPR --at COMMIT --reason TEXT",
	"accept an intended change of a series", cmd_ack, CLI_STORE
};
