/* benchtrack regressions [--since DATE|COMMIT]: every change point across
 * the store, one line each. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "opts.h"

struct regs {
	struct bt_cp_opts cp;
	struct bt_ack_list acks;
	const char *since;      /* change points at or after this time */
	int all;                /* improvements too */
	struct bt_strbuf out;
	struct bt_strbuf err;
	size_t found, acked;
};

static int one_series(void *ud, const struct bt_series *s)
{
	struct regs *r = ud;
	struct bt_cp_result cps;
	int rc = bt_series_changepoints(s, &r->cp, &cps, &r->err);

	if (rc)
		return rc;
	for (size_t k = 0; k < cps.n; k++) {
		const struct bt_change_point *c = &cps.points[k];
		const struct bt_series_point *p = &s->points[c->index];
		int worse = bt_series_change_worse(s, c), acked;
		char a[BT_FORMAT_MAX], b[BT_FORMAT_MAX];

		if (r->since && strcmp(p->timestamp, r->since) < 0)
			continue;
		if (!worse && !r->all)
			continue;
		acked = bt_series_change_acked(s, c->index, &r->acks);
		r->found++;
		r->acked += acked;
		bt_format_quantity(c->mean_before, s->unit ? s->unit : "s", a, sizeof a);
		bt_format_quantity(c->mean_after, s->unit ? s->unit : "s", b, sizeof b);
		bt_strbuf_addf(&r->out, "%.10s  %.12s  %s  %s", p->timestamp,
			       p->commit ? p->commit : "-", worse ? "regressed" : "improved",
			       s->name);
		if (s->variant && strcmp(s->variant, "default") != 0)
			bt_strbuf_addf(&r->out, " [%s]", s->variant);
		if (s->params && *s->params) {
			bt_strbuf_addc(&r->out, ' ');
			for (const char *q = s->params; *q; q++)
				bt_strbuf_addc(&r->out, *q == ';' ? ' ' : *q);
		}
		char rel[32];
		bt_cli_rel_text(c->rel_change, 1, rel, sizeof rel);
		bt_strbuf_addf(&r->out, "  %s -> %s (%s)  p %.2g  series %s on %s%s\n",
			       a, b, rel, c->p_value, s->series_key,
			       s->machine ? s->machine : "?",
			       acked ? "  (acknowledged)" : "");
	}
	bt_cp_result_release(&cps);
	return 0;
}

/* --since: a date or time (bt_cli_date), else a commit (4 or more hex
 * digits) as the time of its oldest run in the store. BT_EINVAL for
 * neither. */
static int since_time(struct bt_store *st, const char *since, char **out,
		      struct bt_strbuf *err)
{
	size_t n = strlen(since);
	char d[BT_CLI_DATE_MAX];
	int date = bt_cli_date(since, d) == 0;

	*out = NULL;
	if (!date && n >= 4 && strspn(since, "0123456789abcdef") == n) {
		struct bt_store_filter f;
		struct bt_store_list l;
		memset(&f, 0, sizeof f);
		f.commit = since;
		f.include_archived = 1;
		int rc = bt_store_query(st, &f, &l, err);
		if (rc)
			return rc;
		if (l.n == 0) {
			bt_store_list_release(&l);
			return bt_error(err, BT_ENOTFOUND, "--since %s: no run at that commit "
					"in the store", since);
		}
		*out = strdup(l.items[l.n - 1].timestamp); /* oldest: newest first */
		bt_store_list_release(&l);
		return *out ? 0 : BT_ENOMEM;
	}
	if (!date)
		return bt_error(err, BT_EINVAL, "--since '%s': %s, or a commit "
				"(4 or more hex digits)", since, BT_CLI_DATE_EXPECTED);
	*out = strdup(d);
	return *out ? 0 : BT_ENOMEM;
}

static int cmd_regressions(int argc, char **argv)
{
	const char *store_dir = NULL, *since = NULL, *metric = NULL, *machine = NULL,
		   *p_max = NULL, *min_mag = NULL;
	int all = 0, n_args = 0, code, rc;
	char *args[1], *since_ts = NULL;
	struct bt_opt opts[] = {
		{ "--store", &store_dir, NULL }, { "--since", &since, NULL },
		{ "--metric", &metric, NULL },   { "--machine", &machine, NULL },
		{ "--p-max", &p_max, NULL },     { "--min-magnitude", &min_mag, NULL },
		{ "--all", NULL, &all },         { NULL, NULL, NULL },
	};
	struct regs r;
	struct bt_series_filter f;
	struct bt_store *st;
	size_t n_series = 0;

	if ((code = cli_opts(argc, argv, opts, args, 0, &n_args)) >= 0)
		return code;
	memset(&r, 0, sizeof r);
	r.all = all;
	if ((code = bt_cli_cp_opts("regressions", 0, p_max, NULL, min_mag, &r.cp)))
		return code;
	if (since) {
		/* a bad --since is a usage error before the store is looked at */
		char d[BT_CLI_DATE_MAX];
		size_t n = strlen(since);
		if (bt_cli_date(since, d) != 0 &&
		    !(n >= 4 && strspn(since, "0123456789abcdef") == n)) {
			bt_front_error("regressions: --since '%s': %s, or a commit (4 or "
				       "more hex digits)", since, BT_CLI_DATE_EXPECTED);
			return BT_EXIT_USAGE;
		}
	}
	code = BT_EXIT_ERROR;
	if (!(st = cli_store(store_dir)))
		goto out;
	if ((rc = bt_store_acks(st, &r.acks, &r.err))) {
		cli_fail(code, "regressions", rc, &r.err);
		goto out;
	}
	if (since && (rc = since_time(st, since, &since_ts, &r.err))) {
		code = cli_fail(rc == BT_EINVAL ? BT_EXIT_USAGE : BT_EXIT_ERROR,
				"regressions", rc, &r.err);
		goto out;
	}
	r.since = since_ts;
	memset(&f, 0, sizeof f);
	f.metric = metric;
	f.machine = machine;
	if ((rc = bt_store_series(st, &f, one_series, &r, &n_series, &r.err))) {
		cli_fail(code, "regressions", rc, &r.err);
		goto out;
	}
	bt_strbuf_addf(&r.out, "%zu %s in %zu series", r.found,
		       all ? (r.found == 1 ? "change point" : "change points")
			   : (r.found == 1 ? "regression" : "regressions"),
		       n_series);
	if (r.acked)
		bt_strbuf_addf(&r.out, " (%zu acknowledged)", r.acked);
	bt_strbuf_adds(&r.out, "\n");
	code = bt_cli_write_stdout(&r.out) ? BT_EXIT_ERROR : BT_EXIT_OK;
out:
	free(since_ts);
	bt_ack_list_release(&r.acks);
	bt_strbuf_release(&r.out);
	bt_strbuf_release(&r.err);
	return code;
}

const struct bt_cmd bt_cmd_regressions = {
	"regressions", "regressions [--since DATE|COMMIT] [--all]",
	"every change point across the store", cmd_regressions,
	CLI_STORE | CLI_READONLY
};
