/* The verdicts' side of the commands (contracts in cli/cmd.h): the
 * flags of comparisons and change points, the comparison's outputs and
 * per-series warnings, and the words that explain a change point, an
 * excursion or a fix. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

void cli_rel_text(double rel, int decimals, char *buf, size_t size)
{
	if (isinf(rel))
		snprintf(buf, size, "from 0");
	else
		snprintf(buf, size, "%+.*f%%", decimals, 100 * rel);
}

/* a value in unit (NULL: a plain number) */
static void cp_value(double v, const char *unit, char *buf, size_t size)
{
	if (unit)
		bt_format_quantity(v, unit, buf, size);
	else
		snprintf(buf, size, "%.4g", v);
}

size_t cli_cp_pending(const struct bt_change_point *c, size_t n,
		      const struct bt_cp_opts *o)
{
	if (o->otava_compat || c->index >= n || n - c->index >= o->min_after)
		return 0;
	return o->min_after - (n - c->index);
}

void cli_cp_explain(const struct bt_change_point *c, const struct bt_cp_opts *o,
		    const char *unit, struct bt_strbuf *out)
{
	char mb[BT_FORMAT_MAX], ma[BT_FORMAT_MAX], d[BT_FORMAT_MAX], sd[BT_FORMAT_MAX],
		need[BT_FORMAT_MAX];
	double diff = fabs(c->mean_after - c->mean_before);
	double floor_rel = bt_cp_floor(o, c->mean_before, c->noise_sd);
	double floor_abs = floor_rel * fabs(c->mean_before);

	if (!isfinite(c->noise_sd) || !isfinite(c->min_change))
		return; /* --otava-compat: Otava's rule, nothing more to say */
	cp_value(c->mean_before, unit, mb, sizeof mb);
	cp_value(c->mean_after, unit, ma, sizeof ma);
	cp_value(diff, unit, d, sizeof d);
	cp_value(c->noise_sd, unit, sd, sizeof sd);
	cp_value(c->min_change, unit, need, sizeof need);
	bt_strbuf_addf(out, "    why: %zu point%s at %s, then %zu at %s; the change of %s is ",
		       c->n_before, c->n_before == 1 ? "" : "s", mb, c->n_after, ma, d);
	if (c->noise_sd > 0)
		bt_strbuf_addf(out, "%.1fx the noise (sd %s)\n", diff / c->noise_sd, sd);
	else
		bt_strbuf_addf(out, "against no noise (sd 0)\n");
	bt_strbuf_addf(out, "    and reaches the %s needed (", need);
	if (c->min_change > floor_abs)
		bt_strbuf_addf(out, "%g noise sd", o->noise_k);
	else if (floor_rel > o->min_magnitude)
		bt_strbuf_addf(out, "the %g%% floor of a series without noise, a "
				    "deterministic count", 100 * floor_rel);
	else
		bt_strbuf_addf(out, "the %g%% floor, --min-change", 100 * o->min_magnitude);
	bt_strbuf_addf(out, "); t-test p %.2g < %g", c->p_value, o->max_pvalue);
	if (c->autocorr > 0)
		bt_strbuf_addf(out, " allowing for autocorrelation %.2f", c->autocorr);
	if (isfinite(c->rank_p))
		bt_strbuf_addf(out, ", ranks p %.2g%s", c->rank_p,
			       c->ranks_apart ? " (the two sides do not overlap)" : "");
	if (isfinite(c->perm_p))
		bt_strbuf_addf(out, ", permutations p %.2g", c->perm_p);
	bt_strbuf_adds(out, "\n");
}

void cli_event_explain(const struct bt_series *s, const struct bt_series_event *e,
		       const struct bt_cp_opts *o, const char *unit,
		       struct bt_strbuf *out)
{
	char mb[BT_FORMAT_MAX], ma[BT_FORMAT_MAX], mk[BT_FORMAT_MAX], sd[BT_FORMAT_MAX];
	const struct bt_excursion *x = &e->exc;

	if (!e->excursion) {
		bt_strbuf_addf(out, "    pending: %zu point%s from it so far; %zu more "
			       "confirm%s it\n", e->points_after,
			       e->points_after == 1 ? "" : "s", e->more,
			       e->more == 1 ? "s" : "");
		if (e->cp)
			cli_cp_explain(e->cp, o, unit, out);
		return;
	}
	cp_value(e->mean_before, unit, mb, sizeof mb);
	cp_value(e->mean_after, unit, ma, sizeof ma);
	cp_value(e->mean_back, unit, mk, sizeof mk);
	cp_value(x->noise_sd, unit, sd, sizeof sd);
	if (e->paired) {
		/* a slowdown fixed later: both edges are change points */
		bt_strbuf_addf(out, "    %s for %zu points (%s -> %s), fixed at point %zu",
			       e->worse ? "slower" : "faster", e->end - e->index, mb, ma,
			       e->end);
		if (e->end < s->n && s->points[e->end].commit)
			bt_strbuf_addf(out, " (commit %.12s, %.10s)",
				       s->points[e->end].commit,
				       s->points[e->end].timestamp);
		bt_strbuf_addf(out, ": back to %s, and stayed back for %zu points\n", mk,
			       e->points_after);
		if (e->cp)
			cli_cp_explain(e->cp, o, unit, out);
		if (e->back_cp) {
			cp_value(e->cp ? e->cp->min_change : x->min_change, unit, sd, sizeof sd);
			bt_strbuf_addf(out, "    fixed: the return is a change point too (t-test "
				       "p %.2g), to within %s (the smallest change reported "
				       "there) of the level before\n", e->back_cp->p_value, sd);
		}
		return;
	}
	bt_strbuf_addf(out, "    %s for %zu point%s (%s -> %s), back to %s at point %zu",
		       e->worse ? "slower" : "faster", e->end - e->index,
		       e->end - e->index == 1 ? "" : "s", mb, ma, mk, e->end);
	if (e->end < s->n && s->points[e->end].commit)
		bt_strbuf_addf(out, " (commit %.12s, %.10s)", s->points[e->end].commit,
			       s->points[e->end].timestamp);
	if (e->status == BT_EVENT_PENDING)
		bt_strbuf_addf(out, ";\n    pending: %zu point%s after the return so far, "
			       "%zu more confirm%s it\n", e->points_after,
			       e->points_after == 1 ? "" : "s", e->more,
			       e->more == 1 ? "s" : "");
	else
		bt_strbuf_addf(out, ", and stayed back for %zu points\n", e->points_after);
	bt_strbuf_addf(out, "    why: every point of it lies beyond the %zu before and %zu after; "
		       "the change is %.1fx the noise (sd %s); t-test p %.2g\n",
		       x->n_before, x->n_after,
		       x->noise_sd > 0 ? fabs(e->mean_after - e->mean_before) / x->noise_sd : 0.0,
		       sd, e->p_value);
}

void cli_fix_explain(const struct bt_series *s, const struct bt_change_point *c,
		     const struct bt_change_fix *fix, const char *unit,
		     struct bt_strbuf *out)
{
	char mk[BT_FORMAT_MAX], mb[BT_FORMAT_MAX];
	const struct bt_series_point *p =
		fix->index < s->n ? &s->points[fix->index] : NULL;

	cp_value(fix->mean_back, unit, mk, sizeof mk);
	cp_value(c->mean_before, unit, mb, sizeof mb);
	bt_strbuf_addf(out, "    partly fixed: back to %s (before it: %s) since point %zu",
		       mk, mb, fix->index);
	if (p && p->commit)
		bt_strbuf_addf(out, " (commit %.12s, %.10s)", p->commit, p->timestamp);
	bt_strbuf_addf(out, ", %.0f%% of the change undone; still open\n",
		       100 * fix->recovered);
}

/* "5%" (percent) or "0.05" (a fraction below 1) into *v as a fraction.
 * A bare number of 1 or more is refused: "5" could mean 5% or 500%. */
static int parse_fraction(const char *s, double *v)
{
	char *end;
	errno = 0;
	double x = strtod(s, &end);
	if (end == s || errno || !isfinite(x) || x < 0)
		return -1;
	if (*end == '%') {
		end++;
		x /= 100;
	} else if (x >= 1) {
		return -1;
	}
	if (*end)
		return -1;
	*v = x;
	return 0;
}

int cli_cmp_opts(const char *cmd, const char *format, const char *threshold,
		 const char *alpha, const char *correction, const char *metric,
		 struct bt_run_cmp_opts *o)
{
	bt_run_cmp_opts_default(o);
	if (format && !cli_valid_cmp_format(format)) {
		bt_front_error("%s: --format '%s': expected table, md, json or csv",
			       cmd, format);
		return BT_EXIT_USAGE;
	}
	if (threshold && (parse_fraction(threshold, &o->verdict.delta) ||
			  o->verdict.delta >= 1)) {
		bt_front_error("%s: --threshold '%s': expected a percentage such as 5%% "
			       "or a fraction such as 0.05", cmd, threshold);
		return BT_EXIT_USAGE;
	}
	/* a threshold given applies to deterministic counts too (their
	 * default is 1%, the sampled metrics' 5%) */
	if (threshold)
		o->verdict.count_delta = o->verdict.delta;
	if (alpha) {
		char *end;
		errno = 0;
		o->verdict.alpha = strtod(alpha, &end);
		if (end == alpha || *end || errno || !(o->verdict.alpha > 0) ||
		    !(o->verdict.alpha < 0.5)) {
			bt_front_error("%s: --alpha '%s': expected a probability in "
				       "(0, 0.5), such as 0.01", cmd, alpha);
			return BT_EXIT_USAGE;
		}
	}
	if (correction) {
		if (strcmp(correction, "holm") == 0)
			o->correction = BT_CORRECT_HOLM;
		else if (strcmp(correction, "bh") == 0)
			o->correction = BT_CORRECT_BH;
		else if (strcmp(correction, "none") == 0)
			o->correction = BT_CORRECT_NONE;
		else {
			bt_front_error("%s: --correction '%s': expected holm, bh or none",
				       cmd, correction);
			return BT_EXIT_USAGE;
		}
	}
	if (metric) {
		if (!*metric) {
			bt_front_error("%s: --metric: empty name", cmd);
			return BT_EXIT_USAGE;
		}
		o->metric = metric;
	}
	return 0;
}

int cli_valid_cmp_format(const char *format)
{
	return strcmp(format, "table") == 0 || strcmp(format, "md") == 0 ||
	       strcmp(format, "json") == 0 || strcmp(format, "csv") == 0;
}

int cli_render_comparison(const char *format, const struct bt_run_cmp *c,
			  const struct bt_run *a, const struct bt_run *b,
			  const struct bt_run_cmp_opts *o, struct bt_strbuf *out,
			  struct bt_strbuf *err)
{
	struct bt_table t;
	int rc;

	if (strcmp(format, "json") == 0)
		return bt_comparison_to_json(c, a, b, o, out, err);
	if (strcmp(format, "md") == 0)
		return bt_comparison_summary_md(c, a, b, o, out, err);
	rc = bt_table_from_comparison(c, o->verdict.alpha, &t, err);
	if (rc)
		return rc;
	if (strcmp(format, "csv") == 0) {
		rc = bt_table_render_csv(&t, out);
	} else {
		rc = bt_table_render_text(&t, bt_front_color(stdout), out);
		if (!rc) {
			bt_strbuf_addf(out, "\n%zu series: %zu regressed, %zu improved, "
					    "%zu unchanged, %zu noisy, %zu new, %zu missing",
				       c->n, c->counts[BT_VERDICT_REGRESSED],
				       c->counts[BT_VERDICT_IMPROVED],
				       c->counts[BT_VERDICT_UNCHANGED],
				       c->counts[BT_VERDICT_NOISY],
				       c->counts[BT_VERDICT_NEW],
				       c->counts[BT_VERDICT_MISSING]);
			if (isfinite(c->geomean))
				bt_strbuf_addf(out, "; geometric mean B/A %.3fx",
					       c->geomean);
			bt_strbuf_adds(out, "\n");
			size_t few = 0;
			for (size_t i = 0; i < c->n; i++)
				few += c->rows[i].s.few &&
				       c->rows[i].s.n_a >= o->verdict.min_n &&
				       c->rows[i].s.n_b >= o->verdict.min_n;
			if (few)
				bt_strbuf_addf(out, "%zu series with fewer than %zu samples "
						    "a side: their verdicts are less reliable\n",
					       few, o->verdict.warn_n);
			if (!rc)
				rc = bt_comparison_notes(c, 0, out);
		}
	}
	bt_table_release(&t);
	return rc;
}

size_t cli_noisy_warnings(const char *cmd, const struct bt_run_cmp *c,
			  int fail_on_noisy)
{
	size_t n = 0;
	for (size_t i = 0; i < c->n; i++) {
		const struct bt_cmp_row *r = &c->rows[i];
		if (r->s.verdict != BT_VERDICT_NOISY || r->acknowledged)
			continue;
		n++;
		cli_warn(cmd, "%s%s%s%s%s: noisy, not judged (%s); would be decided by %s%s",
			 r->name, *r->params ? "/" : "", r->params,
			 strcmp(r->variant, "default") ? ":" : "",
			 strcmp(r->variant, "default") ? r->variant : "",
			 r->s.reason ? r->s.reason : "?",
			 r->s.decide ? r->s.decide : "more data",
			 fail_on_noisy ? " (--fail-on-noisy: the gate fails)" : "");
	}
	return n;
}

int cli_append_summary(const char *cmd, const char *path,
		       const struct bt_run_cmp *c, const struct bt_run *a,
		       const struct bt_run *b, const struct bt_run_cmp_opts *o)
{
	struct bt_strbuf md = BT_STRBUF_INIT, err = BT_STRBUF_INIT;
	int rc;

	if (!path || !*path)
		return 0;
	rc = bt_comparison_summary_md(c, a, b, o, &md, &err);
	if (rc) {
		cli_fail(BT_EXIT_ERROR, cmd, rc, &err);
		rc = -1;
	} else {
		rc = cli_append_text(cmd, path, md.buf ? md.buf : "", md.len);
	}
	bt_strbuf_release(&md);
	bt_strbuf_release(&err);
	return rc;
}

int cli_print_comparison(const char *cmd, const char *format,
			 const struct bt_run_cmp *c, const struct bt_run *a,
			 const struct bt_run *b, const struct bt_run_cmp_opts *o)
{
	struct bt_strbuf out = BT_STRBUF_INIT, err = BT_STRBUF_INIT;
	int rc;

	if ((strcmp(format, "table") == 0 &&
	     (rc = bt_comparison_runs_text(a, b, &out, &err))) ||
	    (rc = cli_render_comparison(format, c, a, b, o, &out, &err)))
		rc = cli_fail(BT_EXIT_ERROR, cmd, rc, &err);
	else
		rc = cli_write_stdout(&out);
	bt_strbuf_release(&out);
	bt_strbuf_release(&err);
	return rc;
}

int cli_cp_cache_open(struct bt_store *st, struct cli_regressions *q)
{
	/* (a PostgreSQL store's is a cache of this machine; none without HOME) */
	char *path = bt_store_cache_path(st, BT_CP_CACHE_FILE);
	int rc;

	if (!path && !bt_store_is_remote(st))
		return BT_ENOMEM;
	rc = bt_cp_cache_open(&q->cache, path, &q->cp);
	free(path);
	return rc;
}

int cli_cp_opts(const char *cmd, int otava, const char *p_max,
		const char *window, const char *min_change,
		struct bt_cp_opts *o)
{
	char *end;

	if (otava)
		bt_cp_opts_otava(o, 0.001);
	else
		bt_cp_opts_default(o);
	if (p_max) {
		errno = 0;
		double p = strtod(p_max, &end);
		if (end == p_max || *end || errno || !(p > 0) || !(p < 1)) {
			bt_front_error("%s: --p-max '%s': expected a probability in (0, 1)",
				       cmd, p_max);
			return BT_EXIT_USAGE;
		}
		o->max_pvalue = p;
	}
	if (window) {
		errno = 0;
		long w = strtol(window, &end, 10);
		if (end == window || *end || errno || w < 4 || w > 100000) {
			bt_front_error("%s: --window '%s': expected a number of points "
				       "from 4 to 100000", cmd, window);
			return BT_EXIT_USAGE;
		}
		o->window = (size_t)w;
	}
	if (min_change && (parse_fraction(min_change, &o->min_magnitude) ||
			   o->min_magnitude >= 1)) {
		bt_front_error("%s: --min-change '%s': expected a percentage such "
			       "as 2%% or a fraction such as 0.02", cmd, min_change);
		return BT_EXIT_USAGE;
	}
	return 0;
}

int cli_series_regressions(struct cli_regressions *q, const struct bt_series *s,
			   int (*fn)(void *ud, const struct bt_series *s,
				     const struct bt_change_point *c,
				     const struct bt_series_event *ev, int worse,
				     int acked, const struct bt_change_fix *fix),
			   void *ud, struct bt_strbuf *err)
{
	struct bt_cp_result cps;
	struct bt_series_event *ev = NULL;
	size_t n_ev = 0;
	int rc;

	if (q->cache) {
		rc = bt_cp_cache_series(q->cache, s, &cps, &ev, &n_ev, err);
		if (rc && !cps.n && !cps.n_pending) {
			bt_cp_result_release(&cps);
			return rc;
		}
	} else {
		rc = bt_series_changepoints(s, &q->cp, &cps, err);
		if (rc)
			return rc;
		rc = bt_series_events(s, &q->cp, &cps, &ev, &n_ev, err);
	}
	for (size_t k = 0; !rc && k < cps.n; k++) {
		const struct bt_change_point *c = &cps.points[k];
		int worse = bt_series_change_worse(s, c), acked;
		struct bt_change_fix fix;
		if (q->since && strcmp(s->points[c->index].timestamp, q->since) < 0)
			continue;
		if (!worse && !q->all)
			continue;
		if (bt_series_event_claims(ev, n_ev, c->index))
			continue; /* an edge of an excursion: reported as that */
		acked = bt_series_change_acked(s, c->index, &q->acks);
		q->found++;
		q->acked += acked != 0;
		/* a slowdown fixed later is a reverted event (claimed
		 * above); one partly fixed stays open, saying so */
		rc = fn(ud, s, c, NULL, worse, acked,
			bt_series_change_partly_fixed(s, &cps, k, ev, n_ev, &fix));
	}
	for (size_t k = 0; !rc && q->pending && k < n_ev; k++) {
		const struct bt_series_event *e = &ev[k];
		if (q->since && strcmp(s->points[e->index].timestamp, q->since) < 0)
			continue;
		if (!e->worse && !q->all)
			continue;
		if (e->status == BT_EVENT_PENDING)
			q->n_pending++;
		else
			q->n_reverted++;
		rc = fn(ud, s, e->cp, e, e->worse,
			bt_series_change_acked(s, e->index, &q->acks), NULL);
	}
	free(ev);
	bt_cp_result_release(&cps);
	return rc;
}
