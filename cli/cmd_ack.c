/* benchtrack ack SERIES --at COMMIT --reason TEXT: accepts an intended
 * change of a series (a baseline reset that history and check respect). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "opts.h"

struct find {
	const char *commit;     /* as given */
	char *key;              /* the one matching series */
	size_t n_series;
	char *full_commit;      /* the commit of a point that matches */
	const char *first_key;  /* for the ambiguity message */
	char *second_key;
};

static int one_series(void *ud, const struct bt_series *s)
{
	struct find *f = ud;
	if (++f->n_series > 1) {
		if (!f->second_key)
			f->second_key = strdup(s->series_key);
		return 0;
	}
	f->key = strdup(s->series_key);
	for (size_t i = 0; i < s->n && !f->full_commit; i++)
		if (s->points[i].commit &&
		    strncmp(s->points[i].commit, f->commit, strlen(f->commit)) == 0)
			f->full_commit = strdup(s->points[i].commit);
	return f->key ? 0 : BT_ENOMEM;
}

static int cmd_ack(int argc, char **argv)
{
	const char *store_dir = NULL, *at = NULL, *reason = NULL, *metric = NULL;
	int n_args = 0, code, rc;
	char *args[1];
	struct cli_opt opts[] = {
		{ "--store", &store_dir, NULL }, { "--at", &at, NULL },
		{ "--reason", &reason, NULL },   { "--metric", &metric, NULL },
		{ NULL, NULL, NULL },
	};
	struct bt_strbuf err = BT_STRBUF_INIT;
	struct bt_series_filter sf;
	struct bt_store *st;
	struct find fd;

	if ((code = cli_opts(argc, argv, opts, args, 1, &n_args)) >= 0)
		return code;
	if (n_args != 1 || !at || !reason) {
		bt_front_error("ack: usage: benchtrack ack SERIES --at COMMIT --reason TEXT");
		return BT_EXIT_USAGE;
	}
	if (!*reason) {
		bt_front_error("ack: --reason: say why the change is intended");
		return BT_EXIT_USAGE;
	}
	for (char *p = args[0]; *p; p++)
		if (*p >= 'A' && *p <= 'F')
			*p = (char)(*p - 'A' + 'a');
	if (strlen(args[0]) < 4 ||
	    strspn(args[0], "0123456789abcdef") != strlen(args[0])) {
		bt_front_error("ack: '%s' is not a series key (at least 4 of its 16 hex "
			       "digits; see benchtrack history)", args[0]);
		return BT_EXIT_USAGE;
	}
	if (strlen(at) < 4 || strspn(at, "0123456789abcdef") != strlen(at)) {
		bt_front_error("ack: --at '%s': expected a commit hash (at least 4 hex "
			       "digits)", at);
		return BT_EXIT_USAGE;
	}
	if (!(st = cli_store(store_dir)))
		return BT_EXIT_ERROR;
	memset(&fd, 0, sizeof fd);
	fd.commit = at;
	memset(&sf, 0, sizeof sf);
	sf.series_key = args[0];
	sf.metric = metric;
	code = BT_EXIT_ERROR;
	if ((rc = bt_store_series(st, &sf, one_series, &fd, NULL, &err))) {
		cli_fail(code, "ack", rc, &err);
		goto out;
	}
	if (fd.n_series == 0) {
		bt_front_error("ack: no series %s in %s", args[0], bt_store_dir(st));
		goto out;
	}
	if (fd.n_series > 1) {
		bt_front_error("ack: series prefix '%s' is ambiguous: %s, %s%s", args[0],
			       fd.key, fd.second_key ? fd.second_key : "?",
			       fd.n_series > 2 ? ", ..." : "");
		code = BT_EXIT_USAGE;
		goto out;
	}
	if (!fd.full_commit) {
		bt_front_error("ack: series %s has no run at commit %s", fd.key, at);
		goto out;
	}
	if ((rc = bt_store_ack(st, fd.key, fd.full_commit, reason, NULL, &err))) {
		cli_fail(code, "ack", rc, &err);
		goto out;
	}
	printf("acknowledged series %s at commit %.12s\n", fd.key, fd.full_commit);
	code = cli_flush();
out:
	free(fd.key);
	free(fd.second_key);
	free(fd.full_commit);
	bt_strbuf_release(&err);
	return code;
}

const struct cli_cmd cli_cmd_ack = {
	"ack", "ack SERIES --at COMMIT --reason TEXT",
	"accept an intended change of a series", cmd_ack, CLI_STORE
};
