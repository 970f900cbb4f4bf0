/* Change points of a stored series, classified (include/benchtrack/regress.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "benchtrack/error.h"
#include "benchtrack/regress.h"
#include "benchtrack/result.h"

int bt_series_changepoints(const struct bt_series *s, const struct bt_cp_opts *o,
			   struct bt_cp_result *out, struct bt_strbuf *err)
{
	struct bt_cp_opts def;
	double *v = malloc((s->n ? s->n : 1) * sizeof *v);
	int rc;

	if (!o) {
		bt_cp_opts_default(&def);
		o = &def;
	}
	if (!v) {
		memset(out, 0, sizeof *out);
		return BT_ENOMEM;
	}
	for (size_t i = 0; i < s->n; i++)
		v[i] = s->points[i].value;
	rc = bt_changepoints(v, s->n, o, out, err);
	free(v);
	return rc;
}

int bt_series_change_worse(const struct bt_series *s,
			   const struct bt_change_point *c)
{
	/* by the means, not rel_change: also right from a mean of 0 (an
	 * infinite relative change, null in JSON) or a negative one */
	return s->direction == BT_HIGHER_IS_BETTER ? c->mean_after < c->mean_before
						   : c->mean_after > c->mean_before;
}

int bt_series_change_acked(const struct bt_series *s, size_t index,
			   const struct bt_ack_list *acks)
{
	if (!acks || s->n == 0)
		return 0;
	size_t lo = index >= BT_ACK_RADIUS ? index - BT_ACK_RADIUS : 0;
	size_t hi = index + BT_ACK_RADIUS < s->n ? index + BT_ACK_RADIUS : s->n - 1;
	for (size_t k = lo; k <= hi; k++)
		if (s->points[k].commit &&
		    bt_ack_matches(acks, s->series_key, s->points[k].commit))
			return 1;
	return 0;
}

const char *bt_event_status_name(enum bt_event_status st)
{
	return st == BT_EVENT_REVERTED ? "reverted" : "pending";
}

int bt_series_event_claims(const struct bt_series_event *ev, size_t n, size_t index)
{
	for (size_t i = 0; i < n; i++)
		if (ev[i].excursion && (ev[i].index == index || ev[i].end == index))
			return 1;
	return 0;
}

static int worse_by(const struct bt_series *s, double before, double after)
{
	return s->direction == BT_HIGHER_IS_BETTER ? after < before : after > before;
}

/* 1 when the change point at index is an edge of a short excursion (not
 * a paired one) among ev[0..n). */
static int short_edge(const struct bt_series_event *ev, size_t n, size_t index)
{
	for (size_t i = 0; i < n; i++)
		if (ev[i].excursion && !ev[i].paired &&
		    (ev[i].index == index || ev[i].end == index))
			return 1;
	return 0;
}

/* How much worse level is than ref for the direction of s (negative:
 * better). */
static double worse_amount(const struct bt_series *s, double ref, double level)
{
	return s->direction == BT_HIGHER_IS_BETTER ? ref - level : level - ref;
}

int bt_series_change_fix(const struct bt_series *s, const struct bt_cp_result *cps,
			 size_t k, const struct bt_series_event *ev, size_t n_ev,
			 struct bt_change_fix *fix)
{
	const struct bt_change_point *c;
	size_t last = (size_t)-1, last_better = (size_t)-1;
	double thr, change;

	if (!cps || k >= cps->n)
		return 0;
	c = &cps->points[k];
	thr = c->min_change;
	change = worse_amount(s, c->mean_before, c->mean_after);
	/* otava_compat has no min_change: nothing is paired */
	if (!isfinite(thr) || thr < 0 || !(change > 0) || !isfinite(change) ||
	    short_edge(ev, n_ev, c->index))
		return 0;
	for (size_t j = k + 1; j < cps->n; j++) {
		const struct bt_change_point *b = &cps->points[j];
		if (short_edge(ev, n_ev, b->index))
			continue; /* a short excursion: judged on its own */
		if (!bt_series_change_worse(s, b))
			last_better = j;
		last = j;
		if (worse_amount(s, c->mean_before, b->mean_after) <= thr) {
			fix->back = j;
			fix->index = b->index;
			fix->restored = 1;
			fix->mean_back = b->mean_after;
			fix->recovered = worse_amount(s, b->mean_after, c->mean_after) / change;
			return 1;
		}
	}
	if (last == (size_t)-1 || last_better == (size_t)-1)
		return 0;
	double now = cps->points[last].mean_after;
	if (!(worse_amount(s, now, c->mean_after) > thr))
		return 0; /* not back by a change that would be reported */
	fix->back = last_better;
	fix->index = cps->points[last_better].index;
	fix->restored = 0;
	fix->mean_back = now;
	fix->recovered = worse_amount(s, now, c->mean_after) / change;
	return 1;
}

/* Fills e (zeroed) as the excursion x of s: reverted once o->min_after
 * points follow its return, else pending with how many more confirm it. */
static void excursion_event(struct bt_series_event *e, const struct bt_excursion *x,
			    const struct bt_series *s, const struct bt_cp_opts *o)
{
	e->excursion = 1;
	e->exc = *x;
	e->index = x->start;
	e->end = x->end;
	e->mean_before = x->mean_before;
	e->mean_after = x->mean_during;
	e->mean_back = x->mean_after;
	e->rel_change = x->rel_change;
	e->p_value = x->p_value;
	e->points_after = x->points_after;
	e->status = e->points_after >= o->min_after ? BT_EVENT_REVERTED : BT_EVENT_PENDING;
	e->more = e->status == BT_EVENT_PENDING ? o->min_after - e->points_after : 0;
	e->worse = worse_by(s, e->mean_before, e->mean_after);
}

const struct bt_change_fix *bt_series_change_partly_fixed(
	const struct bt_series *s, const struct bt_cp_result *cps, size_t k,
	const struct bt_series_event *ev, size_t n_ev, struct bt_change_fix *fix)
{
	if (!cps || k >= cps->n || !bt_series_change_worse(s, &cps->points[k]) ||
	    !bt_series_change_fix(s, cps, k, ev, n_ev, fix) || fix->restored)
		return NULL;
	return fix;
}

static int by_index(const void *a, const void *b)
{
	const struct bt_series_event *x = a, *y = b;

	return (x->index > y->index) - (x->index < y->index);
}

int bt_series_events(const struct bt_series *s, const struct bt_cp_opts *o,
		     const struct bt_cp_result *cps, struct bt_series_event **out,
		     size_t *n, struct bt_strbuf *err)
{
	struct bt_cp_opts def;
	struct bt_excursion *ex = NULL;
	struct bt_series_event *ev;
	size_t ne = 0, k = 0;
	double *v;
	int rc;

	*out = NULL;
	*n = 0;
	if (!o) {
		bt_cp_opts_default(&def);
		o = &def;
	}
	if (o->otava_compat)
		return 0;
	v = malloc((s->n ? s->n : 1) * sizeof *v);
	if (!v)
		return bt_error(err, BT_ENOMEM, "%s", bt_strerror(BT_ENOMEM));
	for (size_t i = 0; i < s->n; i++)
		v[i] = s->points[i].value;
	rc = bt_excursions(v, s->n, o, cps, &ex, &ne, err);
	free(v);
	if (rc)
		return rc;
	ev = calloc(ne + cps->n_pending + cps->n + 1, sizeof *ev);
	if (!ev) {
		free(ex);
		return bt_error(err, BT_ENOMEM, "%s", bt_strerror(BT_ENOMEM));
	}
	for (size_t i = 0; i < ne; i++)
		excursion_event(&ev[k++], &ex[i], s, o);
	for (size_t j = 0; j < cps->n_pending; j++) {
		const struct bt_change_point *c = &cps->pending[j];
		struct bt_series_event *e;
		size_t i;

		for (i = 0; i < ne; i++)
			if (c->index + 1 >= ex[i].start && c->index <= ex[i].end)
				break;
		if (i < ne || c->index >= s->n)
			continue; /* the excursion says it */
		e = &ev[k++];
		e->status = BT_EVENT_PENDING;
		e->index = c->index;
		e->mean_before = c->mean_before;
		e->mean_after = c->mean_after;
		e->mean_back = NAN;
		e->rel_change = c->rel_change;
		e->p_value = c->p_value;
		e->points_after = s->n - c->index;
		e->more = e->points_after < o->min_after ? o->min_after - e->points_after : 0;
		e->worse = bt_series_change_worse(s, c);
		e->cp = c;
	}
	free(ex);
	/* slowdowns fixed later: the short excursions (ev[0..ne)) are known,
	 * the pairs are added after them */
	for (size_t j = 0, n_short = k; j < cps->n; j++) {
		const struct bt_change_point *c = &cps->points[j], *b;
		struct bt_change_fix fix;
		struct bt_series_event *e;
		struct bt_excursion x;

		if (!bt_series_change_worse(s, c) ||
		    !bt_series_change_fix(s, cps, j, ev, n_short, &fix) || !fix.restored)
			continue;
		b = &cps->points[fix.back];
		x = (struct bt_excursion){
			.start = c->index, .end = b->index,
			.mean_before = c->mean_before, .mean_during = c->mean_after,
			.mean_after = b->mean_after, .rel_change = c->rel_change,
			.p_value = c->p_value, .noise_sd = c->noise_sd,
			.autocorr = c->autocorr, .min_change = c->min_change,
			.n_before = c->n_before, .n_after = b->n_after,
			.points_after = s->n - b->index,
		};
		e = &ev[k++];
		excursion_event(e, &x, s, o);
		/* both edges confirmed: reverted whatever points_after says */
		e->status = BT_EVENT_REVERTED;
		e->more = 0;
		e->paired = 1;
		e->cp = c;
		e->back_cp = b;
	}
	qsort(ev, k, sizeof *ev, by_index);
	if (!k) {
		free(ev);
		ev = NULL;
	}
	*out = ev;
	*n = k;
	return 0;
}
