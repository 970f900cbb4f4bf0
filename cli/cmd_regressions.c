/* benchtrack regressions [--since DATE|COMMIT]: every change point across
 * the store, one line each. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "jsonout.h"
#include "opts.h"

struct regs {
	struct cli_regressions q;
	struct bt_strbuf out;
	struct bt_strbuf err;
	json_t *json;           /* --format json: the array of entries */
};

/* --format json: the entry of a change point or event, as serve's
 * /api/regressions has it, with its evidence and explanation. */
static int one_json(struct regs *r, const struct bt_series *s,
		    const struct bt_change_point *c, const struct bt_series_event *ev,
		    int worse, int acked, const struct bt_change_fix *fix)
{
	json_t *o = ev ? cli_json_regression_event(s, ev, acked)
		       : cli_json_regression(s, c, worse, acked);
	if (!o || cli_json_explain(o, s, ev ? NULL : c, ev, &r->q.cp,
				   s->unit ? s->unit : "s") ||
	    (!ev && cli_json_fix(o, s, c, fix, s->unit ? s->unit : "s"))) {
		json_decref(o);
		return bt_error(&r->err, BT_ENOMEM, "out of memory");
	}
	return json_array_append_new(r->json, o) ? bt_error(&r->err, BT_ENOMEM,
							    "out of memory")
						 : 0;
}

/* One line per change point or event reported, and its explanation. */
static int one_change(void *ud, const struct bt_series *s,
		      const struct bt_change_point *c, const struct bt_series_event *ev,
		      int worse, int acked, const struct bt_change_fix *fix)
{
	struct regs *r = ud;
	size_t index = ev ? ev->index : c->index;
	const struct bt_series_point *p = &s->points[index];
	double before = ev ? ev->mean_before : c->mean_before;
	double after = ev ? ev->mean_after : c->mean_after;
	char a[BT_FORMAT_MAX], b[BT_FORMAT_MAX], rel[32];
	const char *status = worse ? "regressed" : "improved";

	if (r->json)
		return one_json(r, s, c, ev, worse, acked, fix);
	if (ev && ev->status == BT_EVENT_PENDING)
		status = worse ? "pending (slower)" : "pending (faster)";
	else if (ev)
		status = worse ? "reverted (slower)" : "reverted (faster)";
	bt_format_quantity(before, s->unit ? s->unit : "s", a, sizeof a);
	bt_format_quantity(after, s->unit ? s->unit : "s", b, sizeof b);
	bt_strbuf_addf(&r->out, "%.10s  %.12s  %s  %s", p->timestamp,
		       p->commit ? p->commit : "-", status, s->name);
	if (s->variant && strcmp(s->variant, "default") != 0)
		bt_strbuf_addf(&r->out, " [%s]", s->variant);
	if (s->params && *s->params) {
		bt_strbuf_addc(&r->out, ' ');
		for (const char *q = s->params; *q; q++)
			bt_strbuf_addc(&r->out, *q == ';' ? ' ' : *q);
	}
	cli_rel_text(ev ? ev->rel_change : c->rel_change, 1, rel, sizeof rel);
	bt_strbuf_addf(&r->out, "  %s -> %s (%s)  p %.2g  series %s on %s%s\n",
		       a, b, rel, ev ? ev->p_value : c->p_value, s->series_key,
		       s->machine ? s->machine : "?",
		       acked ? "  (acknowledged)" : "");
	if (ev)
		cli_event_explain(s, ev, &r->q.cp, s->unit ? s->unit : "s", &r->out);
	else
		cli_cp_explain(c, &r->q.cp, s->unit ? s->unit : "s", &r->out);
	if (fix)
		cli_fix_explain(s, c, fix, s->unit ? s->unit : "s", &r->out);
	return 0;
}

static int one_series(void *ud, const struct bt_series *s)
{
	struct regs *r = ud;
	return cli_series_regressions(&r->q, s, one_change, r, &r->err);
}

/* --since: a date or time (cli_date), else a commit (4 or more hex
 * digits) as the time of its oldest run in the store. BT_EINVAL for
 * neither. */
static int since_time(struct bt_store *st, const char *since, char **out,
		      struct bt_strbuf *err)
{
	size_t n = strlen(since);
	char d[CLI_DATE_MAX];
	int date = cli_date(since, d) == 0;

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
				"(4 or more hex digits)", since, CLI_DATE_EXPECTED);
	*out = strdup(d);
	return *out ? 0 : BT_ENOMEM;
}

static int cmd_regressions(int argc, char **argv)
{
	const char *store_dir = NULL, *since = NULL, *metric = NULL, *machine = NULL,
		   *p_max = NULL, *min_mag = NULL, *min_change = NULL, *format = "table";
	int all = 0, n_args = 0, code, rc;
	char *args[1], *since_ts = NULL;
	struct cli_opt opts[] = {
		{ "--store", &store_dir, NULL }, { "--since", &since, NULL },
		{ "--metric", &metric, NULL },   { "--machine", &machine, NULL },
		{ "--p-max", &p_max, NULL },     { "--min-change", &min_change, NULL },
		{ "--min-magnitude", &min_mag, NULL },
		{ "--format", &format, NULL },   { "--all", NULL, &all },
		{ NULL, NULL, NULL },
	};
	struct regs r;
	struct bt_series_filter f;
	struct bt_store *st;
	size_t n_series = 0;

	if ((code = cli_opts(argc, argv, opts, args, 0, &n_args)) >= 0)
		return code;
	if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0) {
		bt_front_error("regressions: --format '%s': expected table or json", format);
		return BT_EXIT_USAGE;
	}
	memset(&r, 0, sizeof r);
	r.q.all = all;
	r.q.pending = 1;
	if ((code = cli_cp_opts("regressions", 0, p_max, NULL,
				min_change ? min_change : min_mag, &r.q.cp)))
		return code;
	if (since) {
		/* a bad --since is a usage error before the store is looked at */
		char d[CLI_DATE_MAX];
		size_t n = strlen(since);
		if (cli_date(since, d) != 0 &&
		    !(n >= 4 && strspn(since, "0123456789abcdef") == n)) {
			bt_front_error("regressions: --since '%s': %s, or a commit (4 or "
				       "more hex digits)", since, CLI_DATE_EXPECTED);
			return BT_EXIT_USAGE;
		}
	}
	code = BT_EXIT_ERROR;
	if (strcmp(format, "json") == 0 && !(r.json = json_array()))
		goto out;
	if (!(st = cli_store(store_dir)))
		goto out;
	if ((rc = bt_store_acks(st, &r.q.acks, &r.err))) {
		cli_fail(code, "regressions", rc, &r.err);
		goto out;
	}
	if (since && (rc = since_time(st, since, &since_ts, &r.err))) {
		code = cli_fail(rc == BT_EINVAL ? BT_EXIT_USAGE : BT_EXIT_ERROR,
				"regressions", rc, &r.err);
		goto out;
	}
	r.q.since = since_ts;
	/* change points of unchanged series from the store's cache (kept
	 * where the store can be written; a PostgreSQL store's on this
	 * machine, bt_store_cache_path) */
	if ((rc = cli_cp_cache_open(st, &r.q))) {
		cli_fail(code, "regressions", rc, &r.err);
		goto out;
	}
	memset(&f, 0, sizeof f);
	f.metric = metric;
	f.machine = machine;
	f.values_only = 1; /* neither the lines nor the JSON show a spread */
	if ((rc = bt_store_series(st, &f, one_series, &r, &n_series, &r.err))) {
		cli_fail(code, "regressions", rc, &r.err);
		goto out;
	}
	bt_cp_cache_save(r.q.cache, NULL);
	if (r.json) {
		/* the shape of serve's /api/regressions */
		json_t *root = cli_json_regressions(n_series, &r.q, r.json);
		rc = cli_json_print(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
					  JSON_REAL_PRECISION(17), &r.out);
		json_decref(root);
		if (rc) {
			cli_fail(code, "regressions", rc, NULL);
			goto out;
		}
		code = cli_write_stdout(&r.out);
		goto out;
	}
	bt_strbuf_addf(&r.out, "%zu %s in %zu series", r.q.found,
		       all ? (r.q.found == 1 ? "change point" : "change points")
			   : (r.q.found == 1 ? "regression" : "regressions"),
		       n_series);
	if (r.q.acked)
		bt_strbuf_addf(&r.out, " (%zu acknowledged)", r.q.acked);
	if (r.q.n_pending)
		bt_strbuf_addf(&r.out, ", %zu pending", r.q.n_pending);
	if (r.q.n_reverted)
		bt_strbuf_addf(&r.out, ", %zu reverted", r.q.n_reverted);
	bt_strbuf_adds(&r.out, "\n");
	code = cli_write_stdout(&r.out);
out:
	bt_cp_cache_close(r.q.cache);
	free(since_ts);
	bt_ack_list_release(&r.q.acks);
	json_decref(r.json);
	bt_strbuf_release(&r.out);
	bt_strbuf_release(&r.err);
	return code;
}

const struct cli_cmd cli_cmd_regressions = {
	"regressions", "regressions [--since DATE|COMMIT] [--all] [--format table|json]",
	"every change point across the store", cmd_regressions,
	CLI_STORE | CLI_READONLY
};
