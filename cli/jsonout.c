/* The JSON the tool writes about the store (contracts in cli/jsonout.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "internal.h"
#include "jsonout.h"

json_t *cli_json_num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

const char *cli_json_direction(int direction)
{
	return direction == BT_HIGHER_IS_BETTER ? "higher" : "lower";
}

json_t *cli_json_entry(const struct bt_store_entry *e)
{
	json_t *tags = json_array();
	for (size_t k = 0; tags && k < e->n_tags; k++)
		if (json_array_append_new(tags, json_string(e->tags[k])))
			json_decref(tags), tags = NULL;
	if (!tags)
		return NULL;
	return json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:o, s:s?, s:s?, s:s?, s:s?, s:s?,"
			 " s:I, s:I, s:b, s:o}",
			 "run_id", e->run_id, "type", e->type, "timestamp", e->timestamp,
			 "commit", e->commit, "branch", e->branch,
			 "dirty", e->dirty < 0 ? json_null() : json_boolean(e->dirty),
			 "machine", e->machine, "fingerprint", e->fingerprint,
			 "suite", e->suite, "path", e->path, "archive", e->archive,
			 "n_results", (json_int_t)e->n_results,
			 "n_failed", (json_int_t)e->n_failed, "milestone", e->milestone,
			 "tags", tags);
}

json_t *cli_json_params(const char *params)
{
	json_t *o = json_object();
	for (const char *p = params; o && p && *p;) {
		size_t len = strcspn(p, ";"), klen = strcspn(p, "=");
		json_t *v;
		char key[256];
		if (klen > len)
			klen = len; /* "k" alone: an empty value */
		if (klen >= sizeof key)
			klen = sizeof key - 1;
		memcpy(key, p, klen);
		key[klen] = '\0';
		v = klen < len ? json_stringn(p + klen + 1, len - klen - 1) : json_string("");
		if (!v || json_object_set_new(o, key, v))
			json_decref(o), o = NULL;
		p += len + (p[len] == ';');
	}
	return o;
}

json_t *cli_json_series_head(const struct bt_series *s)
{
	json_t *params = cli_json_params(s->params);
	if (!params)
		return NULL;
	return json_pack("{s:s, s:s?, s:s?, s:s?, s:o, s:s?, s:s?, s:s, s:s?, s:s, s:I}",
			 "series_key", s->series_key, "suite", s->suite, "name", s->name,
			 "variant", s->variant, "params", params, "machine", s->machine,
			 "fingerprint", s->fingerprint, "metric", s->metric, "unit", s->unit,
			 "direction", cli_json_direction(s->direction),
			 "n_points", (json_int_t)s->n);
}

json_t *cli_json_point(const struct bt_series *s, size_t i)
{
	const struct bt_series_point *p = &s->points[i];
	return json_pack("{s:I, s:s, s:s?, s:s, s:o, s:o, s:o, s:o, s:o, s:I}",
			 "index", (json_int_t)i, "run_id", p->run_id, "commit", p->commit,
			 "timestamp", p->timestamp, "value", cli_json_num(p->value),
			 "p25", cli_json_num(p->p25), "p75", cli_json_num(p->p75),
			 "min", cli_json_num(p->min), "max", cli_json_num(p->max),
			 "n", (json_int_t)p->n);
}

json_t *cli_json_change(const struct bt_series *s, const struct bt_change_point *c,
			const struct bt_ack_list *acks)
{
	const struct bt_series_point *p = &s->points[c->index];
	return json_pack("{s:I, s:s, s:s?, s:s, s:o, s:o, s:o, s:o, s:s, s:b}",
			 "index", (json_int_t)c->index, "run_id", p->run_id,
			 "commit", p->commit, "timestamp", p->timestamp,
			 "p_value", cli_json_num(c->p_value),
			 "mean_before", cli_json_num(c->mean_before),
			 "mean_after", cli_json_num(c->mean_after),
			 "rel_change", cli_json_num(c->rel_change),
			 "verdict", bt_series_change_worse(s, c) ? "regressed" : "improved",
			 "acknowledged", bt_series_change_acked(s, c->index, acks));
}

json_t *cli_json_event(const struct bt_series *s, const struct bt_series_event *e,
		       const struct bt_ack_list *acks)
{
	const struct bt_series_point *p = &s->points[e->index];
	json_t *back = json_null();
	if (e->excursion && e->end < s->n) {
		const struct bt_series_point *b = &s->points[e->end];
		back = json_pack("{s:I, s:s, s:s?, s:s}", "index", (json_int_t)e->end,
				 "run_id", b->run_id, "commit", b->commit,
				 "timestamp", b->timestamp);
	}
	if (!back)
		return NULL;
	return json_pack("{s:s, s:s, s:I, s:s, s:s?, s:s, s:o, s:o, s:o, s:o, s:o, s:o,"
			 " s:s, s:I, s:I, s:b}",
			 "status", bt_event_status_name(e->status),
			 "kind", e->excursion ? "excursion" : "step",
			 "index", (json_int_t)e->index, "run_id", p->run_id,
			 "commit", p->commit, "timestamp", p->timestamp, "back", back,
			 "mean_before", cli_json_num(e->mean_before),
			 "mean_after", cli_json_num(e->mean_after),
			 "mean_back", cli_json_num(e->mean_back),
			 "rel_change", cli_json_num(e->rel_change),
			 "p_value", cli_json_num(e->p_value),
			 "verdict", e->worse ? "regressed" : "improved",
			 "points_after", (json_int_t)e->points_after,
			 "points_to_confirm", (json_int_t)e->more,
			 "acknowledged", bt_series_change_acked(s, e->index, acks));
}

json_t *cli_json_series(const struct bt_series *s, const struct bt_cp_result *cps,
			const struct bt_series_event *ev, size_t n_ev,
			const struct bt_ack_list *acks)
{
	json_t *o = cli_json_series_head(s), *pts = json_array(), *cpj = json_array();
	json_t *pend = json_array(), *rev = json_array();
	for (size_t i = 0; pts && i < s->n; i++)
		if (json_array_append_new(pts, cli_json_point(s, i)))
			json_decref(pts), pts = NULL;
	for (size_t k = 0; cpj && k < cps->n; k++) {
		const struct bt_change_point *c = &cps->points[k];
		struct bt_change_fix fix;
		json_t *cj;
		if (bt_series_event_claims(ev, n_ev, c->index))
			continue;
		/* a regression partly fixed later says so */
		cj = cli_json_change(s, c, acks);
		if (!cj || cli_json_fix(cj, s, c,
					bt_series_change_partly_fixed(s, cps, k, ev, n_ev, &fix),
					NULL)) {
			json_decref(cj);
			json_decref(cpj), cpj = NULL;
		} else if (json_array_append_new(cpj, cj)) {
			json_decref(cpj), cpj = NULL;
		}
	}
	for (size_t k = 0; pend && rev && k < n_ev; k++) {
		json_t **a = ev[k].status == BT_EVENT_PENDING ? &pend : &rev;
		if (json_array_append_new(*a, cli_json_event(s, &ev[k], acks)))
			json_decref(*a), *a = NULL;
	}
	if (!o || !pts || !cpj || !pend || !rev) {
		json_decref(o);
		json_decref(pts);
		json_decref(cpj);
		json_decref(pend);
		json_decref(rev);
		return NULL;
	}
	/* json_object_set_new takes the value, set or not: all are called */
	int bad = json_object_set_new(o, "points", pts);
	bad |= json_object_set_new(o, "change_points", cpj);
	bad |= json_object_set_new(o, "pending", pend);
	bad |= json_object_set_new(o, "reverted", rev);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *cli_json_regression(const struct bt_series *s, const struct bt_change_point *c,
			    int worse, int acked)
{
	const struct bt_series_point *p = &s->points[c->index];
	json_t *params = cli_json_params(s->params);
	if (!params)
		return NULL;
	return json_pack("{s:s, s:s?, s:s, s:s, s:s, s:s, s:s?, s:s?, s:s?, s:o, s:s, s:s?,"
			 " s:s, s:o, s:o, s:o, s:o, s:b, s:s?}",
			 "timestamp", p->timestamp, "commit", p->commit,
			 "run_id", p->run_id, "status", "confirmed",
			 "verdict", worse ? "regressed" : "improved",
			 "series_key", s->series_key, "suite", s->suite, "name", s->name,
			 "variant", s->variant, "params", params, "metric", s->metric,
			 "unit", s->unit, "direction", cli_json_direction(s->direction),
			 "mean_before", cli_json_num(c->mean_before),
			 "mean_after", cli_json_num(c->mean_after),
			 "rel_change", cli_json_num(c->rel_change),
			 "p_value", cli_json_num(c->p_value), "acknowledged", acked,
			 "machine", s->machine);
}

json_t *cli_json_regressions(size_t n_series, const struct cli_regressions *q,
			     json_t *list)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:O}", "series", (json_int_t)n_series,
			 "found", (json_int_t)q->found, "acknowledged", (json_int_t)q->acked,
			 "pending", (json_int_t)q->n_pending, "reverted",
			 (json_int_t)q->n_reverted, "regressions", list);
}

json_t *cli_json_regression_event(const struct bt_series *s,
				  const struct bt_series_event *e, int acked)
{
	json_t *o = cli_json_event(s, e, NULL), *params = cli_json_params(s->params);
	if (!o || !params) {
		json_decref(o);
		json_decref(params);
		return NULL;
	}
	int bad = json_object_set_new(o, "series_key", json_string(s->series_key));
	bad |= json_object_set_new(o, "suite", s->suite ? json_string(s->suite) : json_null());
	bad |= json_object_set_new(o, "name", json_string(s->name ? s->name : ""));
	bad |= json_object_set_new(o, "variant",
				   s->variant ? json_string(s->variant) : json_null());
	bad |= json_object_set_new(o, "params", params);
	bad |= json_object_set_new(o, "metric", json_string(s->metric ? s->metric : "time"));
	bad |= json_object_set_new(o, "unit", s->unit ? json_string(s->unit) : json_null());
	bad |= json_object_set_new(o, "direction",
				   json_string(cli_json_direction(s->direction)));
	bad |= json_object_set_new(o, "machine",
				   s->machine ? json_string(s->machine) : json_null());
	bad |= json_object_set_new(o, "acknowledged", json_boolean(acked));
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Which rule set min_change, the smallest change that passed at mean
 * with noise sd (cli_json_explain's min_change_rule). */
static const char *min_change_rule(const struct bt_cp_opts *o, double min_change,
				   double mean, double sd)
{
	double floor_rel = bt_cp_floor(o, mean, sd);
	return min_change > floor_rel * fabs(mean) ? "noise"
	       : floor_rel > o->min_magnitude      ? "count_floor"
						   : "floor";
}

static json_t *evidence(double noise_sd, double diff, double min_change, const char *rule,
			double autocorr, double rank_p, double perm_p, int apart,
			size_t n_before, size_t n_after)
{
	return json_pack("{s:o, s:o, s:o, s:s, s:o, s:o, s:o, s:b, s:I, s:I}",
			 "noise_sd", cli_json_num(noise_sd), "change_in_noise_sd",
			 cli_json_num(noise_sd > 0 ? diff / noise_sd : NAN),
			 "min_change", cli_json_num(min_change), "min_change_rule", rule,
			 "autocorrelation", cli_json_num(autocorr), "rank_p",
			 cli_json_num(rank_p), "permutation_p", cli_json_num(perm_p),
			 "ranks_apart", apart, "n_before", (json_int_t)n_before,
			 "n_after", (json_int_t)n_after);
}

int cli_json_explain(json_t *o, const struct bt_series *s,
		     const struct bt_change_point *c, const struct bt_series_event *e,
		     const struct bt_cp_opts *opts, const char *unit)
{
	struct bt_strbuf text = BT_STRBUF_INIT, flat = BT_STRBUF_INIT;
	json_t *ev = json_null();
	/* a short excursion has its own evidence; a pending change and a
	 * slowdown fixed later (paired) their change point's */
	const struct bt_change_point *cp = c ? c : e->excursion && !e->paired ? NULL : e->cp;
	int bad;

	if (cp && isfinite(cp->noise_sd) && isfinite(cp->min_change)) {
		ev = evidence(cp->noise_sd, fabs(cp->mean_after - cp->mean_before),
			      cp->min_change,
			      min_change_rule(opts, cp->min_change, cp->mean_before,
					      cp->noise_sd),
			      cp->autocorr, cp->rank_p, cp->perm_p, cp->ranks_apart,
			      cp->n_before, cp->n_after);
	} else if (!c && e->excursion) {
		const struct bt_excursion *x = &e->exc;
		ev = evidence(x->noise_sd, fabs(e->mean_after - e->mean_before),
			      x->min_change,
			      min_change_rule(opts, x->min_change, x->mean_before,
					      x->noise_sd),
			      x->autocorr, NAN, NAN, 0, x->n_before, x->n_after);
	}
	if (c)
		cli_cp_explain(c, opts, unit, &text);
	else
		cli_event_explain(s, e, opts, unit, &text);
	/* the lines unindented, without the last newline */
	for (const char *p = bt_strbuf_str(&text); *p;) {
		size_t len = strcspn(p, "\n");
		const char *q = p;
		while (*q == ' ' && q < p + len)
			q++;
		if (flat.len)
			bt_strbuf_addc(&flat, '\n');
		bt_strbuf_add(&flat, q, len - (size_t)(q - p));
		p += len + (p[len] == '\n');
	}
	bad = !ev || json_object_set_new(o, "evidence", ev);
	bad |= json_object_set_new(o, "explanation", json_string(bt_strbuf_str(&flat)));
	bt_strbuf_release(&text);
	bt_strbuf_release(&flat);
	return bad ? -1 : 0;
}

int cli_json_fix(json_t *o, const struct bt_series *s, const struct bt_change_point *c,
		 const struct bt_change_fix *fix, const char *unit)
{
	json_t *r = json_null(), *ex = json_object_get(o, "explanation");
	const struct bt_series_point *p;
	int bad = 0;

	if (fix && fix->index < s->n) {
		p = &s->points[fix->index];
		r = json_pack("{s:I, s:s, s:s?, s:s, s:o, s:o}", "index",
			      (json_int_t)fix->index, "run_id", p->run_id, "commit",
			      p->commit, "timestamp", p->timestamp, "mean_back",
			      cli_json_num(fix->mean_back), "fraction",
			      cli_json_num(fix->recovered));
	}
	if (!r || json_object_set_new(o, "recovered", r))
		return -1;
	if (fix && json_is_string(ex)) {
		struct bt_strbuf t = BT_STRBUF_INIT;
		const char *line;
		bt_strbuf_adds(&t, json_string_value(ex));
		if (t.len)
			bt_strbuf_addc(&t, '\n');
		size_t at = t.len;
		cli_fix_explain(s, c, fix, unit, &t);
		/* unindented, without the newline, as the other lines */
		line = bt_strbuf_str(&t) + at;
		while (*line == ' ')
			line++;
		struct bt_strbuf u = BT_STRBUF_INIT;
		bt_strbuf_add(&u, bt_strbuf_str(&t), at);
		bt_strbuf_add(&u, line, strcspn(line, "\n"));
		bad = t.failed || u.failed ||
		      json_object_set_new(o, "explanation", json_string(bt_strbuf_str(&u)));
		bt_strbuf_release(&t);
		bt_strbuf_release(&u);
	}
	return bad ? -1 : 0;
}

int cli_json_print(const json_t *root, size_t flags, struct bt_strbuf *out)
{
	char *text = root ? bt__json_dumps(root, flags) : NULL;
	int rc = !text || bt_strbuf_adds(out, text) || bt_strbuf_addc(out, '\n') ? BT_ENOMEM : 0;
	free(text);
	return rc;
}
