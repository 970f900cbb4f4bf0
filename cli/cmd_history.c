/* benchtrack history SERIES | --filter EXPR | --input FILE.csv: a series
 * over commits with its change points. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
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
		if (json_array_append_new(h->json, cli_json_series(s, &cps, ev, n_ev,
								   &h->acks)))
			rc = bt_error(&h->err, BT_ENOMEM, "out of memory");
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

/* Spaces and tabs around a CSV field (or header name) are not part of it:
 * strips them from both ends of s in place and returns its first
 * character that is not one. */
static char *csv_trim(char *s)
{
	size_t n;
	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

/* 1 when s is a decimal number as history.md allows: an optional sign,
 * digits with at most one '.' (at least one digit), an optional exponent
 * (e or E, an optional sign, digits); 0 for anything else (hex, inf, nan,
 * text, an empty string). */
static int csv_is_decimal(const char *s)
{
	int digits = 0;
	if (*s == '+' || *s == '-')
		s++;
	for (; *s >= '0' && *s <= '9'; s++)
		digits++;
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++)
			digits++;
	if (!digits)
		return 0;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (*s < '0' || *s > '9')
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == '\0';
}

/* --input FILE.csv: reads column (default "value") of a CSV with a
 * header line into *v, as history.md says: every line after the header
 * holds a finite decimal number in that column (spaces and tabs around it
 * ignored); an empty line or field, hex, inf, nan or text is BT_EPARSE
 * with err naming the file, the line and the column. */
static int read_csv(const char *path, const char *column, double **v, size_t *n,
		    struct bt_strbuf *err)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, alloc = 0, lineno = 0;
	ssize_t len;
	int col = -1, rc = 0;

	*v = NULL;
	*n = 0;
	if (!fp)
		return bt_error(err, BT_ENOTFOUND, "%s: %s", path, strerror(errno));
	while ((len = getline(&line, &cap, fp)) >= 0) {
		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (lineno == 1) {
			int k = 0;
			for (char *tok = line, *next; tok; tok = next, k++) {
				next = strchr(tok, ',');
				if (next)
					*next++ = '\0';
				if (col < 0 && strcmp(csv_trim(tok), column) == 0)
					col = k;
			}
			if (col < 0) {
				rc = bt_error(err, BT_EPARSE, "%s:1: no column '%s' in the "
					      "header (use --column NAME)", path, column);
				break;
			}
			continue;
		}
		if (*csv_trim(line) == '\0') {
			rc = bt_error(err, BT_EPARSE, "%s:%zu: empty line: no value in "
				      "column '%s'", path, lineno, column);
			break;
		}
		char *tok = line;
		int k;
		for (k = 0; k < col && tok; k++) {
			tok = strchr(tok, ',');
			if (tok)
				tok++;
		}
		if (!tok) {
			rc = bt_error(err, BT_EPARSE, "%s:%zu: column '%s' (field %d) is "
				      "missing: the line has %d field%s", path, lineno,
				      column, col + 1, k, k == 1 ? "" : "s");
			break;
		}
		tok[strcspn(tok, ",")] = '\0';
		tok = csv_trim(tok);
		if (!*tok) {
			rc = bt_error(err, BT_EPARSE, "%s:%zu: column '%s' (field %d) is "
				      "empty", path, lineno, column, col + 1);
			break;
		}
		double x = csv_is_decimal(tok) ? strtod(tok, NULL) : NAN;
		if (!isfinite(x)) {
			rc = bt_error(err, BT_EPARSE, "%s:%zu: column '%s' (field %d): "
				      "'%s' is not a finite decimal number", path, lineno,
				      column, col + 1, tok);
			break;
		}
		if (*n == alloc) {
			size_t na = alloc ? 2 * alloc : 256;
			double *nv = realloc(*v, na * sizeof *nv);
			if (!nv) {
				rc = BT_ENOMEM;
				break;
			}
			*v = nv;
			alloc = na;
		}
		(*v)[(*n)++] = x;
	}
	if (!rc && ferror(fp))
		rc = bt_error(err, BT_EIO, "%s: %s", path, strerror(errno));
	if (!rc && lineno == 0)
		rc = bt_error(err, BT_EPARSE, "%s: empty file (expected a header such as "
			      "index,value)", path);
	if (!rc && *n == 0)
		rc = bt_error(err, BT_EPARSE, "%s: the series is empty", path);
	if (fp != stdin)
		fclose(fp);
	free(line);
	if (rc) {
		free(*v);
		*v = NULL;
		*n = 0;
	}
	return rc;
}

static int history_input(struct hist *h, const char *path, const char *column)
{
	double *v;
	size_t n;
	struct bt_cp_result cps;
	int rc = read_csv(path, column, &v, &n, &h->err);

	if (rc)
		return rc;
	rc = bt_changepoints(v, n, &h->cp, &cps, &h->err);
	if (rc) {
		free(v);
		return rc;
	}
	if (strcmp(h->format, "json") == 0) {
		json_t *arr = json_array();
		for (size_t k = 0; k < cps.n; k++) {
			const struct bt_change_point *c = &cps.points[k];
			json_array_append_new(
				arr, json_pack("{s:I, s:o, s:o, s:o, s:o}", "index",
					       (json_int_t)c->index,
					       "p_value", cli_json_num(c->p_value),
					       "mean_before", cli_json_num(c->mean_before),
					       "mean_after", cli_json_num(c->mean_after),
					       "rel_change", cli_json_num(c->rel_change)));
		}
		json_t *root = json_pack("{s:o}", "change_points", arr);
		char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
						      JSON_REAL_PRECISION(17));
		bt_strbuf_adds(&h->out, text ? text : "");
		bt_strbuf_addc(&h->out, '\n');
		free(text);
		json_decref(root);
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
		/* pending changes and excursions, as for a stored series
		 * (lower is better: the values' direction is not known) */
		struct bt_series fs;
		struct bt_series_point *fp = calloc(n, sizeof *fp);
		struct bt_series_event *ev = NULL;
		size_t n_ev = 0;
		memset(&fs, 0, sizeof fs);
		fs.series_key = path;
		fs.points = fp;
		fs.n = n;
		fs.direction = BT_LOWER_IS_BETTER;
		for (size_t i = 0; fp && i < n; i++)
			fp[i].value = v[i];
		rc = fp ? bt_series_events(&fs, &h->cp, &cps, &ev, &n_ev, &h->err) : BT_ENOMEM;
		for (size_t k = 0; !rc && k < n_ev; k++) {
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
		free(ev);
		free(fp);
	}
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
		char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
						      JSON_REAL_PRECISION(17));
		bt_strbuf_adds(&h.out, text ? text : "");
		bt_strbuf_addc(&h.out, '\n');
		free(text);
		json_decref(root);
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
