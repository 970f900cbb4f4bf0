/* benchtrack history SERIES | --filter EXPR | --input FILE.csv: a series
 * over commits with its change points. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "csv_series.h"
#include "jsonout.h"
#include "opts.h"

#define MAX_SERIES_SHOWN 50

struct hist {
	const char *format;
	int points;             /* --points: list every point */
	struct bt_cp_opts cp;
	struct bt_ack_list acks;
	struct bt_strbuf out;
	json_t *json;           /* array of series (json format) */
	size_t shown;
	int rc;                 /* BT_E* of the first failure */
	struct bt_strbuf err;
};

static void fmt_value(double v, const char *unit, char *buf, size_t size)
{
	bt_format_quantity(v, unit ? unit : "s", buf, size);
}

static void describe(struct bt_strbuf *o, const struct bt_series *s)
{
	bt_strbuf_addf(o, "%s %s", s->series_key, s->name);
	if (s->variant && strcmp(s->variant, "default") != 0)
		bt_strbuf_addf(o, " [%s]", s->variant);
	if (s->params && *s->params) {
		bt_strbuf_addc(o, ' ');
		for (const char *p = s->params; *p; p++)
			bt_strbuf_addc(o, *p == ';' ? ' ' : *p);
	}
	bt_strbuf_addf(o, "  (suite %s, machine %s, %s)\n", s->suite ? s->suite : "?",
		       s->machine ? s->machine : "?", s->metric);
}


/* Adds evidence and explanation (cli_json_explain) to the change points,
 * pending and reverted events of o, the JSON of s (cli_json_series, which
 * lists them in this order). Returns 0 or -1 when out of memory. */
static int explain_series(json_t *o, const struct bt_series *s,
			  const struct bt_cp_result *cps, const struct bt_series_event *ev,
			  size_t n_ev, const struct bt_cp_opts *opts)
{
	const char *unit = s->unit ? s->unit : "s";
	json_t *cpj = json_object_get(o, "change_points");
	size_t k = 0, np = 0, nr = 0;
	for (size_t i = 0; i < cps->n; i++) {
		const struct bt_change_point *c = &cps->points[i];
		struct bt_change_fix fix;
		json_t *cj;
		if (bt_series_event_claims(ev, n_ev, c->index))
			continue;
		cj = json_array_get(cpj, k++);
		/* a regression partly fixed later: its line too */
		if (cli_json_explain(cj, s, c, NULL, opts, unit) ||
		    cli_json_fix(cj, s, c,
				 bt_series_change_partly_fixed(s, cps, i, ev, n_ev, &fix), unit))
			return -1;
	}
	for (size_t i = 0; i < n_ev; i++) {
		int pend = ev[i].status == BT_EVENT_PENDING;
		json_t *a = json_object_get(o, pend ? "pending" : "reverted");
		if (cli_json_explain(json_array_get(a, pend ? np++ : nr++), s, NULL, &ev[i],
				     opts, unit))
			return -1;
	}
	return 0;
}
static int one_series(void *ud, const struct bt_series *s)
{
	struct hist *h = ud;
	struct bt_cp_result cps;
	struct bt_series_event *ev = NULL;
	size_t n_ev = 0, n_cp = 0;
	double *v;
	int rc;

	/* the table stops at MAX_SERIES_SHOWN; json and csv carry them all */
	if (++h->shown > MAX_SERIES_SHOWN && strcmp(h->format, "table") == 0)
		return 0;
	v = malloc((s->n ? s->n : 1) * sizeof *v);
	if (!v)
		return BT_ENOMEM;
	for (size_t i = 0; i < s->n; i++)
		v[i] = s->points[i].value;
	rc = bt_changepoints(v, s->n, &h->cp, &cps, &h->err);
	if (rc) {
		free(v);
		return rc;
	}
	if ((rc = bt_series_events(s, &h->cp, &cps, &ev, &n_ev, &h->err))) {
		bt_cp_result_release(&cps);
		free(v);
		return rc;
	}
	if (strcmp(h->format, "json") == 0) {
		json_t *o = cli_json_series(s, &cps, ev, n_ev, &h->acks);
		if (!o || explain_series(o, s, &cps, ev, n_ev, &h->cp) ||
		    json_array_append(h->json, o))
			rc = bt_error(&h->err, BT_ENOMEM, "out of memory");
		json_decref(o);
	} else if (strcmp(h->format, "csv") == 0) {
		size_t k = 0;
		if (h->shown == 1)
			bt_strbuf_adds(&h->out, "series_key,index,run_id,commit,timestamp,"
						"value,p25,p75,n,change_point\r\n");
		for (size_t i = 0; i < s->n; i++) {
			const struct bt_series_point *p = &s->points[i];
			int cp = k < cps.n && cps.points[k].index == i;
			if (cp)
				k++;
			if (cp && bt_series_event_claims(ev, n_ev, i))
				cp = 0; /* an edge of an excursion, not a change */
			bt_strbuf_addf(&h->out, "%s,%zu,%s,%s,%s,%.17g,", s->series_key, i,
				       p->run_id, p->commit ? p->commit : "", p->timestamp,
				       p->value);
			if (isfinite(p->p25))
				bt_strbuf_addf(&h->out, "%.17g", p->p25);
			bt_strbuf_addc(&h->out, ',');
			if (isfinite(p->p75))
				bt_strbuf_addf(&h->out, "%.17g", p->p75);
			bt_strbuf_addf(&h->out, ",%zu,%d\r\n", p->n, cp);
		}
	} else {
		char a[BT_FORMAT_MAX], b[BT_FORMAT_MAX], c[BT_FORMAT_MAX];
		double lo = INFINITY, hi = -INFINITY;
		for (size_t i = 0; i < s->n; i++) {
			lo = v[i] < lo ? v[i] : lo;
			hi = v[i] > hi ? v[i] : hi;
		}
		if (h->shown > 1)
			bt_strbuf_addc(&h->out, '\n');
		describe(&h->out, s);
		bt_strbuf_addf(&h->out, "%zu point%s, %.10s .. %.10s\n", s->n,
			       s->n == 1 ? "" : "s", s->points[0].timestamp,
			       s->points[s->n - 1].timestamp);
		cli_sparkline(v, s->n, 60, &h->out);
		fmt_value(lo, s->unit, a, sizeof a);
		fmt_value(hi, s->unit, b, sizeof b);
		fmt_value(v[s->n - 1], s->unit, c, sizeof c);
		bt_strbuf_addf(&h->out, "  %s .. %s, last %s\n", a, b, c);
		for (size_t k = 0; k < cps.n; k++)
			n_cp += !bt_series_event_claims(ev, n_ev, cps.points[k].index);
		if (n_cp == 0)
			bt_strbuf_adds(&h->out, "no change points\n");
		else
			bt_strbuf_addf(&h->out, "change points (%zu):\n", n_cp);
		for (size_t k = 0; k < cps.n; k++) {
			const struct bt_change_point *cp = &cps.points[k];
			const struct bt_series_point *p = &s->points[cp->index];
			struct bt_change_fix fix;
			char rel[32];
			if (bt_series_event_claims(ev, n_ev, cp->index))
				continue; /* shown as its excursion below */
			fmt_value(cp->mean_before, s->unit, a, sizeof a);
			fmt_value(cp->mean_after, s->unit, b, sizeof b);
			cli_rel_text(cp->rel_change, 1, rel, sizeof rel);
			bt_strbuf_addf(&h->out,
				       "  point %zu  commit %.12s  %.10s  %s -> %s  %s"
				       "  p %.2g  %s%s\n",
				       cp->index, p->commit ? p->commit : "-", p->timestamp,
				       a, b, rel, cp->p_value,
				       bt_series_change_worse(s, cp) ? "regressed" : "improved",
				       bt_series_change_acked(s, cp->index, &h->acks)
					       ? " (acknowledged)" : "");
			cli_cp_explain(cp, &h->cp, s->unit ? s->unit : "s", &h->out);
			if (bt_series_change_partly_fixed(s, &cps, k, ev, n_ev, &fix))
				cli_fix_explain(s, cp, &fix, s->unit ? s->unit : "s", &h->out);
		}
		for (size_t k = 0; k < n_ev; k++) {
			const struct bt_series_event *e = &ev[k];
			const struct bt_series_point *p = &s->points[e->index];
			char rel[32];
			fmt_value(e->mean_before, s->unit, a, sizeof a);
			fmt_value(e->mean_after, s->unit, b, sizeof b);
			cli_rel_text(e->rel_change, 1, rel, sizeof rel);
			bt_strbuf_addf(&h->out,
				       "  %s: point %zu  commit %.12s  %.10s  %s -> %s  %s"
				       "  p %.2g  %s%s%s\n",
				       e->status == BT_EVENT_PENDING ? "pending" : "reverted",
				       e->index, p->commit ? p->commit : "-", p->timestamp,
				       a, b, rel, e->p_value,
				       e->status == BT_EVENT_PENDING
					       ? (e->worse ? "slower" : "faster")
					       : (e->worse ? "regressed" : "improved"),
				       e->status == BT_EVENT_PENDING ? " so far" : ", then reverted",
				       bt_series_change_acked(s, e->index, &h->acks)
					       ? " (acknowledged)" : "");
			cli_event_explain(s, e, &h->cp, s->unit ? s->unit : "s", &h->out);
		}
		if (h->points) {
			size_t k = 0;
			for (size_t i = 0; i < s->n; i++) {
				const struct bt_series_point *p = &s->points[i];
				int mark = k < cps.n && cps.points[k].index == i;
				if (mark)
					k++;
				if (mark && bt_series_event_claims(ev, n_ev, i))
					mark = 0;
				fmt_value(p->value, s->unit, a, sizeof a);
				bt_strbuf_addf(&h->out, "  %c %4zu  %.12s  %s  %s\n",
					       mark ? '*' : ' ', i,
					       p->commit ? p->commit : "-", p->timestamp, a);
			}
		}
	}
	free(ev);
	bt_cp_result_release(&cps);
	free(v);
	return rc;
}

/* An event of a series from --input (no runs, no commits) as JSON:
 * {status, kind, index, back (an excursion's first point back, else
 * null), mean_before, mean_after, mean_back, rel_change, p_value,
 * points_after, points_to_confirm} and its evidence and explanation. */
static json_t *input_event(const struct bt_series *fs, const struct bt_series_event *e,
			   const struct bt_cp_opts *opts)
{
	json_t *o = json_pack("{s:s, s:s, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:I}",
			      "status", bt_event_status_name(e->status),
			      "kind", e->excursion ? "excursion" : "step",
			      "index", (json_int_t)e->index,
			      "back", e->excursion && e->end < fs->n
					      ? json_integer((json_int_t)e->end)
					      : json_null(),
			      "mean_before", cli_json_num(e->mean_before),
			      "mean_after", cli_json_num(e->mean_after),
			      "mean_back", cli_json_num(e->mean_back),
			      "rel_change", cli_json_num(e->rel_change),
			      "p_value", cli_json_num(e->p_value),
			      "points_after", (json_int_t)e->points_after,
			      "points_to_confirm", (json_int_t)e->more);
	if (o && cli_json_explain(o, fs, NULL, e, opts, NULL)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* --format json of --input: {change_points: [...], pending: [...],
 * reverted: [...]}, each with its evidence and explanation. */
static int input_json(struct hist *h, const struct bt_series *fs,
		      const struct bt_cp_result *cps, const struct bt_series_event *ev,
		      size_t n_ev)
{
	json_t *cpj = json_array(), *pend = json_array(), *rev = json_array();
	json_t *root = cpj && pend && rev
			       ? json_pack("{s:O, s:O, s:O}", "change_points", cpj,
					   "pending", pend, "reverted", rev)
			       : NULL;
	int bad = !root;
	for (size_t k = 0; !bad && k < cps->n; k++) {
		const struct bt_change_point *c = &cps->points[k];
		json_t *o = json_pack("{s:I, s:o, s:o, s:o, s:o}", "index",
				      (json_int_t)c->index,
				      "p_value", cli_json_num(c->p_value),
				      "mean_before", cli_json_num(c->mean_before),
				      "mean_after", cli_json_num(c->mean_after),
				      "rel_change", cli_json_num(c->rel_change));
		bad = !o || cli_json_explain(o, fs, c, NULL, &h->cp, NULL) ||
		      json_array_append(cpj, o);
		json_decref(o);
	}
	for (size_t k = 0; !bad && k < n_ev; k++) {
		json_t *o = input_event(fs, &ev[k], &h->cp);
		bad = !o || json_array_append(ev[k].status == BT_EVENT_PENDING ? pend : rev, o);
		json_decref(o);
	}
	bad = bad || cli_json_print(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
					  JSON_REAL_PRECISION(17), &h->out);
	json_decref(root);
	json_decref(cpj);
	json_decref(pend);
	json_decref(rev);
	return bad ? bt_error(&h->err, BT_ENOMEM, "out of memory") : 0;
}

static int history_input(struct hist *h, const char *path, const char *column)
{
	double *v;
	size_t n;
	struct bt_cp_result cps;
	struct bt_series fs;
	struct bt_series_point *fp = NULL;
	struct bt_series_event *ev = NULL;
	size_t n_ev = 0;
	int rc = cli_read_csv_series(path, column, &v, &n, &h->err);

	if (rc)
		return rc;
	rc = bt_changepoints(v, n, &h->cp, &cps, &h->err);
	if (rc) {
		free(v);
		return rc;
	}
	/* pending changes and excursions, as for a stored series (lower is
	 * better: the values' direction is not known) */
	memset(&fs, 0, sizeof fs);
	fs.series_key = path;
	fs.n = n;
	fs.direction = BT_LOWER_IS_BETTER;
	if (strcmp(h->format, "csv") != 0) {
		fs.points = fp = calloc(n, sizeof *fp);
		for (size_t i = 0; fp && i < n; i++)
			fp[i].value = v[i];
		rc = fp ? bt_series_events(&fs, &h->cp, &cps, &ev, &n_ev, &h->err)
			: bt_error(&h->err, BT_ENOMEM, "out of memory");
	}
	if (rc) {
		/* nothing more */
	} else if (strcmp(h->format, "json") == 0) {
		rc = input_json(h, &fs, &cps, ev, n_ev);
	} else if (strcmp(h->format, "csv") == 0) {
		bt_strbuf_adds(&h->out, "index,p_value,mean_before,mean_after,rel_change\r\n");
		for (size_t k = 0; k < cps.n; k++) {
			const struct bt_change_point *c = &cps.points[k];
			bt_strbuf_addf(&h->out, "%zu,%.17g,%.17g,%.17g,", c->index,
				       c->p_value, c->mean_before, c->mean_after);
			if (isfinite(c->rel_change)) /* empty from a mean of 0 */
				bt_strbuf_addf(&h->out, "%.17g", c->rel_change);
			bt_strbuf_adds(&h->out, "\r\n");
		}
	} else {
		bt_strbuf_addf(&h->out, "%s: %zu points\n", path, n);
		cli_sparkline(v, n, 60, &h->out);
		bt_strbuf_addc(&h->out, '\n');
		if (cps.n == 0)
			bt_strbuf_adds(&h->out, "no change points\n");
		for (size_t k = 0; k < cps.n; k++) {
			const struct bt_change_point *c = &cps.points[k];
			char rel[32];
			cli_rel_text(c->rel_change, 2, rel, sizeof rel);
			bt_strbuf_addf(&h->out, "index %zu: %.6g -> %.6g (%s), p %.3g\n",
				       c->index, c->mean_before, c->mean_after, rel,
				       c->p_value);
			cli_cp_explain(c, &h->cp, NULL, &h->out);
		}
		for (size_t k = 0; k < n_ev; k++) {
			const struct bt_series_event *e = &ev[k];
			char rel[32];
			cli_rel_text(e->rel_change, 2, rel, sizeof rel);
			if (e->excursion)
				bt_strbuf_addf(&h->out, "%s index %zu..%zu: %.6g -> %.6g (%s) -> "
					       "%.6g, p %.3g%s\n",
					       e->status == BT_EVENT_PENDING ? "pending" : "reverted",
					       e->index, e->end - 1, e->mean_before, e->mean_after,
					       rel, e->mean_back, e->p_value,
					       e->status == BT_EVENT_PENDING ? " (its return pending)"
									     : "");
			else
				bt_strbuf_addf(&h->out, "pending index %zu: %.6g -> %.6g (%s), "
					       "p %.3g; %zu more point%s confirm%s it\n", e->index,
					       e->mean_before, e->mean_after, rel, e->p_value,
					       e->more, e->more == 1 ? "" : "s",
					       e->more == 1 ? "s" : "");
			if (e->excursion)
				cli_event_explain(&fs, e, &h->cp, NULL, &h->out);
			else if (e->cp)
				cli_cp_explain(e->cp, &h->cp, NULL, &h->out);
		}
	}
	free(ev);
	free(fp);
	bt_cp_result_release(&cps);
	free(v);
	return rc;
}

static int cmd_history(int argc, char **argv)
{
	const char *format = "table", *metric = NULL, *store_dir = NULL,
		   *filter = NULL, *input = NULL, *column = "value", *p_max = NULL,
		   *window = NULL, *min_mag = NULL, *min_change = NULL, *since = NULL;
	int otava = 0, points = 0, n_args = 0, code, rc;
	char *args[1], *fcopy = NULL;
	const char *params[16];
	struct cli_opt opts[] = {
		{ "--format", &format, NULL },   { "--metric", &metric, NULL },
		{ "--store", &store_dir, NULL }, { "--filter", &filter, NULL },
		{ "--input", &input, NULL },     { "--column", &column, NULL },
		{ "--p-max", &p_max, NULL },     { "--window", &window, NULL },
		{ "--min-change", &min_change, NULL },
		{ "--min-magnitude", &min_mag, NULL }, { "--since", &since, NULL },
		{ "--otava-compat", NULL, &otava }, { "--points", NULL, &points },
		{ NULL, NULL, NULL },
	};
	struct hist h;
	struct bt_series_filter f;
	struct bt_store *st;
	size_t n_series = 0;

	if ((code = cli_opts(argc, argv, opts, args, 1, &n_args)) >= 0)
		return code;
	if (strcmp(format, "table") && strcmp(format, "json") && strcmp(format, "csv")) {
		bt_front_error("history: --format '%s': expected table, json or csv", format);
		return BT_EXIT_USAGE;
	}
	if ((n_args > 0) + (filter != NULL) + (input != NULL) != 1) {
		bt_front_error("history: give one of SERIES, --filter EXPR or --input "
			       "FILE.csv");
		return BT_EXIT_USAGE;
	}
	memset(&h, 0, sizeof h);
	h.format = format;
	h.points = points;
	if ((code = cli_cp_opts("history", otava, p_max, window,
				min_change ? min_change : min_mag, &h.cp)))
		return code;
	char since_d[CLI_DATE_MAX];
	if (since && (code = cli_date_flag("history", "--since", since, since_d)))
		return code;
	code = BT_EXIT_ERROR;
	if (input) {
		if ((rc = history_input(&h, input, column))) {
			cli_fail(code, "history", rc, &h.err);
			goto out;
		}
		code = cli_write_stdout(&h.out);
		goto out;
	}
	memset(&f, 0, sizeof f);
	f.metric = metric;
	f.since = since ? since_d : NULL;
	if (n_args) {
		if (!*args[0] || strspn(args[0], "0123456789abcdefABCDEF") != strlen(args[0])) {
			bt_front_error("history: '%s' is not a series key (16 hex digits or "
				       "a prefix; see --filter to select by name)", args[0]);
			code = BT_EXIT_USAGE;
			goto out;
		}
		f.series_key = args[0];
	} else {
		fcopy = strdup(filter);
		if (!fcopy || (code = cli_series_filter("history", fcopy, &f, params, 16)))
			goto out;
		code = BT_EXIT_ERROR;
	}
	if (!(st = cli_store(store_dir)))
		goto out;
	if ((rc = bt_store_acks(st, &h.acks, &h.err))) {
		cli_fail(code, "history", rc, &h.err);
		goto out;
	}
	h.json = json_array();
	if ((rc = bt_store_series(st, &f, one_series, &h, &n_series, &h.err))) {
		cli_fail(code, "history", rc, &h.err);
		goto out;
	}
	if (n_series == 0) {
		bt_front_error("history: no series matches%s%s", n_args ? " " : "",
			       n_args ? args[0] : "");
		goto out;
	}
	if (strcmp(format, "json") == 0) {
		json_t *root = json_pack("{s:O}", "series", h.json);
		rc = cli_json_print(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
					  JSON_REAL_PRECISION(17), &h.out);
		json_decref(root);
		if (rc) {
			cli_fail(code, "history", rc, NULL);
			goto out;
		}
	}
	if (n_series > MAX_SERIES_SHOWN && strcmp(format, "table") == 0)
		bt_strbuf_addf(&h.out, "\n(%zu series match; the first %d are shown: "
				       "narrow the filter)\n", n_series, MAX_SERIES_SHOWN);
	code = cli_write_stdout(&h.out);
out:
	json_decref(h.json);
	bt_ack_list_release(&h.acks);
	bt_strbuf_release(&h.out);
	bt_strbuf_release(&h.err);
	free(fcopy);
	return code;
}

const struct cli_cmd cli_cmd_history = {
	"history", "history SERIES|--filter EXPR|--input FILE.csv [--format F]",
	"a series over commits with its change points", cmd_history,
	CLI_STORE | CLI_READONLY
};
