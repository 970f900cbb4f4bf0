/* Crossover points of implementations along a swept parameter. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "benchtrack/analysis.h"
#include "benchtrack/report.h"
#include "internal.h"

struct point {
	double v, r;   /* axis value, speedup vs baseline */
	double lo, hi; /* its interval (lo = hi = r when none is known) */
	int side;      /* +1 interval above 1, -1 below, 0 straddles it */
};

/* The level of the speedup's interval (as the verdicts' 1 - alpha). */
#define CROSS_LEVEL 0.99
/* Beyond this many sample pairs the medians' intervals are used. */
#define CROSS_MAX_PAIRS 4e6

static int streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static const char *param_of(const struct bt_result *r, const char *key)
{
	for (size_t i = 0; i < r->n_params; i++)
		if (streq(r->params[i].key, key))
			return r->params[i].value;
	return NULL;
}

/* The speedup base / impl of p->r with its interval into p (ARCHITECTURE
 * and report.h: Hodges-Lehmann, else the medians' intervals, else none);
 * 0, or BT_ENOMEM (never another interval for want of memory). */
static int speedup_interval(const struct bt_result *base,
			    const struct bt_result *impl, struct point *p)
{
	const struct bt_metric *mb = bt_result_metric(base, "time");
	const struct bt_metric *mi = bt_result_metric(impl, "time");
	double r, lo, hi;
	int hl = 1; /* not tried */

	p->lo = p->hi = p->r;
	if (mb->n_samples >= 2 && mi->n_samples >= 2 && mb->samples && mi->samples &&
	    (double)mb->n_samples * (double)mi->n_samples <= CROSS_MAX_PAIRS)
		hl = bt_hodges_lehmann_ratio(mi->samples, mi->n_samples, mb->samples,
					     mb->n_samples, CROSS_LEVEL, &r, &lo, &hi);
	if (hl == BT_ENOMEM)
		return BT_ENOMEM;
	if (hl == 0 && lo > 0 && hi >= lo) {
		p->lo = lo;
		p->hi = hi;
	} else if (mb->stats.median_ci_low > 0 && mi->stats.median_ci_low > 0 &&
		   isfinite(mb->stats.median_ci_high) &&
		   isfinite(mi->stats.median_ci_high) &&
		   mb->stats.median_ci_high >= mb->stats.median_ci_low &&
		   mi->stats.median_ci_high >= mi->stats.median_ci_low) {
		p->lo = mb->stats.median_ci_low / mi->stats.median_ci_high;
		p->hi = mb->stats.median_ci_high / mi->stats.median_ci_low;
	}
	/* the point estimate belongs to its interval */
	if (p->lo > p->r)
		p->lo = p->r;
	if (p->hi < p->r)
		p->hi = p->r;
	p->side = p->lo > 1 ? 1 : p->hi < 1 ? -1 : 0;
	return 0;
}

static double median_of(const struct bt_result *r)
{
	const struct bt_metric *m = bt_result_metric(r, "time");
	if (r->status != BT_STATUS_OK || !m || m->stats.n == 0 ||
	    !(m->stats.median > 0))
		return NAN;
	return m->stats.median;
}

/* Same parameters except key. */
static int same_but(const struct bt_result *a, const struct bt_result *b,
		    const char *key)
{
	if (a->n_params != b->n_params)
		return 0;
	for (size_t i = 0; i < a->n_params; i++) {
		if (streq(a->params[i].key, key))
			continue;
		if (!streq(param_of(b, a->params[i].key), a->params[i].value))
			return 0;
	}
	return 1;
}

/* Per result, worked out once (by sorting, so a run of n results costs
 * O(n log n), not O(n^2)): whether its benchmark is an ablation benchmark
 * (has a "none" variant), and whether it is the first result of its group
 * and of its (group, name) pair in run order. */
struct rinfo {
	unsigned char ablation, first_of_group, first_of_impl;
};

struct rkey {
	const char *group, *name;
	size_t idx;
};

static int by_name(const void *a, const void *b)
{
	const struct rkey *x = a, *y = b;
	int c = strcmp(x->name ? x->name : "", y->name ? y->name : "");
	return c ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

static int by_group_name(const void *a, const void *b)
{
	const struct rkey *x = a, *y = b;
	int c = strcmp(x->group ? x->group : "", y->group ? y->group : "");
	if (c)
		return c;
	return by_name(a, b);
}

static int by_group(const void *a, const void *b)
{
	const struct rkey *x = a, *y = b;
	int c = strcmp(x->group ? x->group : "", y->group ? y->group : "");
	return c ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

static struct rinfo *run_info(const struct bt_run *run)
{
	size_t n = run->n_results;
	struct rinfo *info = calloc(n ? n : 1, sizeof *info);
	struct rkey *k = malloc((n ? n : 1) * sizeof *k);

	if (!info || !k) {
		free(info);
		free(k);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		k[i].group = run->results[i].group;
		k[i].name = run->results[i].name;
		k[i].idx = i;
	}
	/* ablation: some result of the same name has variant "none" */
	qsort(k, n, sizeof *k, by_name);
	for (size_t a = 0, b; a < n; a = b) {
		int abl = 0;
		for (b = a; b < n && streq(k[b].name, k[a].name); b++)
			abl |= streq(run->results[k[b].idx].variant, "none");
		for (size_t j = a; j < b; j++)
			info[k[j].idx].ablation = (unsigned char)abl;
	}
	qsort(k, n, sizeof *k, by_group);
	for (size_t j = 0; j < n; j++)
		info[k[j].idx].first_of_group =
			j == 0 || !streq(k[j].group, k[j - 1].group);
	qsort(k, n, sizeof *k, by_group_name);
	for (size_t j = 0; j < n; j++)
		info[k[j].idx].first_of_impl =
			j == 0 || !streq(k[j].group, k[j - 1].group) ||
			!streq(k[j].name, k[j - 1].name);
	free(k);
	return info;
}

static int cmp_point(const void *a, const void *b)
{
	double x = ((const struct point *)a)->v, y = ((const struct point *)b)->v;
	return (x > y) - (x < y);
}

/* The one axis whose numeric values vary among the group's usable results;
 * NULL when none or several do. */
static const char *swept_axis(const struct bt_run *run, const char *group)
{
	const struct bt_result *first = NULL;
	const char *axis = NULL;
	for (size_t i = 0; i < run->n_results; i++) {
		const struct bt_result *r = &run->results[i];
		if (!streq(r->group, group) || isnan(median_of(r)))
			continue;
		if (!first) {
			first = r;
			continue;
		}
		for (size_t k = 0; k < r->n_params; k++) {
			const char *v0 = param_of(first, r->params[k].key);
			if (v0 && streq(v0, r->params[k].value))
				continue;
			if (axis && !streq(axis, r->params[k].key))
				return NULL;
			axis = r->params[k].key;
		}
	}
	if (!axis)
		return NULL;
	/* a log axis needs positive numbers */
	for (size_t i = 0; i < run->n_results; i++) {
		if (!streq(run->results[i].group, group))
			continue;
		const char *v = param_of(&run->results[i], axis);
		if (!v)
			continue;
		char *end;
		double x = strtod(v, &end);
		if (end == v || *end || !(x > 0))
			return NULL;
	}
	return axis;
}

static int push(struct bt_crossovers *c, size_t *alloc,
		const struct bt_crossover *x)
{
	if (c->n == *alloc) {
		size_t cap = *alloc ? *alloc * 2 : 8;
		struct bt_crossover *p = bt__arena_alloc(c->arena, cap * sizeof *p);
		if (!p)
			return BT_ENOMEM;
		if (c->n)
			memcpy(p, c->items, c->n * sizeof *p);
		c->items = p;
		*alloc = cap;
	}
	c->items[c->n++] = *x;
	return 0;
}

/* Compares implementation impl (its first variant) with base along axis. */
static int compare(const struct bt_run *run, const char *group,
		   const char *base, const char *impl, const char *axis,
		   struct bt_crossovers *c, size_t *alloc)
{
	struct point *pts = malloc(run->n_results * sizeof *pts);
	if (!pts)
		return BT_ENOMEM;
	size_t n = 0;
	const char *variant = NULL;
	for (size_t i = 0; i < run->n_results; i++) {
		const struct bt_result *x = &run->results[i];
		if (!streq(x->group, group) || !streq(x->name, impl))
			continue;
		if (!variant)
			variant = x->variant ? x->variant : "default";
		if (!streq(x->variant ? x->variant : "default", variant))
			continue;
		double mx = median_of(x);
		if (isnan(mx))
			continue;
		for (size_t j = 0; j < run->n_results; j++) {
			const struct bt_result *b = &run->results[j];
			if (!streq(b->group, group) || !streq(b->name, base) ||
			    !streq(param_of(b, axis), param_of(x, axis)) ||
			    !same_but(b, x, axis))
				continue;
			double mb = median_of(b);
			if (!isnan(mb)) {
				pts[n].v = strtod(param_of(x, axis), NULL);
				pts[n].r = mb / mx;
				if (speedup_interval(b, x, &pts[n])) {
					free(pts);
					return BT_ENOMEM;
				}
				n++;
			}
			break;
		}
	}
	int rc = 0;
	if (n == 0)
		goto out;
	qsort(pts, n, sizeof *pts, cmp_point);
	struct bt_crossover item = { group, impl, base, axis,
				     BT_CROSS_ALWAYS_FASTER, NAN, pts[0].v,
				     pts[n - 1].v, pts[0].r, pts[0].r, n, 0, 0 };
	for (size_t i = 0; i < n; i++) {
		if (pts[i].r < item.min_speedup)
			item.min_speedup = pts[i].r;
		if (pts[i].r > item.max_speedup)
			item.max_speedup = pts[i].r;
		item.n_faster += pts[i].side > 0;
		item.n_slower += pts[i].side < 0;
	}
	int crossed = 0;
	size_t prev = n; /* the last value with a significant side */
	for (size_t q = 0; q < n && !rc; q++) {
		if (!pts[q].side)
			continue;
		if (prev < n && pts[prev].side != pts[q].side) {
			/* the crossing: the first sign change of r - 1 in the
			 * right direction between the two significant values */
			int up = pts[q].side > 0;
			size_t i = prev;
			double a = 0, b = 0;
			for (; i < q; i++) {
				a = log(pts[i].r), b = log(pts[i + 1].r);
				if (up ? a < 0 && b >= 0 : a >= 0 && b < 0)
					break;
			}
			double la = log(pts[i].v), lb = log(pts[i + 1].v);
			struct bt_crossover x = item;
			x.kind = up ? BT_CROSS_OVERTAKES : BT_CROSS_FALLS_BEHIND;
			x.at = b != a ? exp(la + (0 - a) * (lb - la) / (b - a)) : pts[i].v;
			x.lo = pts[prev].v;
			x.hi = pts[q].v;
			rc = push(c, alloc, &x);
			crossed = 1;
		}
		prev = q;
	}
	if (!crossed && !rc) {
		item.kind = item.n_faster ? BT_CROSS_ALWAYS_FASTER
			    : item.n_slower ? BT_CROSS_ALWAYS_SLOWER
					    : BT_CROSS_NO_DIFFERENCE;
		rc = push(c, alloc, &item);
	}
out:
	free(pts);
	return rc;
}

int bt_report_crossovers(const struct bt_run *run, const char *baseline,
			 struct bt_crossovers *out, struct bt_strbuf *err)
{
	memset(out, 0, sizeof *out);
	if (!run)
		return bt_error(err, BT_EINVAL, "crossovers: no run");
	out->arena = bt__arena_new();
	if (!out->arena)
		return BT_ENOMEM;
	size_t alloc = 0;
	int rc = 0;
	struct rinfo *info = run_info(run);
	if (!info) {
		bt_crossovers_release(out);
		return bt_error(err, BT_ENOMEM, "crossovers: %s", bt_strerror(BT_ENOMEM));
	}
	for (size_t g = 0; g < run->n_results && !rc; g++) {
		const struct bt_result *rg = &run->results[g];
		/* each group once, at its first result */
		if (!rg->group || !info[g].first_of_group)
			continue;
		const char *axis = swept_axis(run, rg->group);
		if (!axis)
			continue;
		/* the baseline: as for the table's speedup column */
		const char *base = NULL;
		for (size_t i = 0; i < run->n_results; i++) {
			const struct bt_result *r = &run->results[i];
			if (!streq(r->group, rg->group) || info[i].ablation)
				continue;
			if (baseline && streq(r->name, baseline)) {
				base = r->name;
				break;
			}
			if (!base)
				base = r->name;
		}
		if (!base)
			continue;
		for (size_t i = 0; i < run->n_results && !rc; i++) {
			const struct bt_result *r = &run->results[i];
			/* each implementation once, at its first result */
			if (!streq(r->group, rg->group) || streq(r->name, base) ||
			    info[i].ablation || !info[i].first_of_impl)
				continue;
			rc = compare(run, rg->group, base, r->name, axis, out, &alloc);
		}
	}
	free(info);
	if (rc) {
		bt_crossovers_release(out);
		return bt_error(err, rc, "crossovers: %s", bt_strerror(rc));
	}
	return 0;
}

void bt_crossovers_release(struct bt_crossovers *c)
{
	bt__arena_free(c->arena);
	memset(c, 0, sizeof *c);
}

int bt_crossovers_render(const struct bt_crossovers *c, int markdown,
			 struct bt_strbuf *out)
{
	int rc = 0;
	struct bt_strbuf pb = BT_STRBUF_INIT;
	for (size_t i = 0; i < c->n && !rc; i++) {
		const struct bt_crossover *x = &c->items[i];
		/* in Markdown, names escaped as in the tables */
		const char *param = x->param;
		if (markdown) {
			bt_strbuf_reset(&pb);
			if ((rc = bt_strbuf_adds(out, "- ")) || (rc = bt__md_escape(out, x->name)) ||
			    (rc = bt_strbuf_adds(out, " vs ")) ||
			    (rc = bt__md_escape(out, x->baseline)) ||
			    (rc = bt_strbuf_adds(out, ": ")) || (rc = bt__md_escape(&pb, x->param)))
				break;
			param = bt_strbuf_str(&pb);
		} else if ((rc = bt_strbuf_addf(out, "%s vs %s: ", x->name, x->baseline))) {
			break;
		}
		switch (x->kind) {
		case BT_CROSS_OVERTAKES:
		case BT_CROSS_FALLS_BEHIND:
			rc = bt_strbuf_addf(out, "%s at %s ~ %.0f (interpolated between %g and %g)\n",
					    x->kind == BT_CROSS_OVERTAKES ? "overtakes"
									  : "falls behind",
					    param, x->at, x->lo, x->hi);
			break;
		case BT_CROSS_ALWAYS_FASTER:
		case BT_CROSS_ALWAYS_SLOWER: {
			const char *how = x->kind == BT_CROSS_ALWAYS_FASTER ? "faster" : "slower";
			size_t k = x->kind == BT_CROSS_ALWAYS_FASTER ? x->n_faster : x->n_slower;
			if (x->points == 1)
				rc = bt_strbuf_addf(out, "%.2fx at %s %g (one point, no crossover)\n",
						    x->min_speedup, param, x->lo);
			else if (k == x->points)
				rc = bt_strbuf_addf(out, "%s at every %s from %g to %g "
						    "(%.2fx to %.2fx), no crossover\n",
						    how, param, x->lo, x->hi,
						    x->min_speedup, x->max_speedup);
			else
				rc = bt_strbuf_addf(out, "%s at %zu of %zu %s values from %g to %g "
						    "(%.2fx to %.2fx), no significant difference "
						    "at the others, no crossover\n",
						    how, k, x->points, param, x->lo, x->hi,
						    x->min_speedup, x->max_speedup);
			break;
		}
		case BT_CROSS_NO_DIFFERENCE:
			if (x->points == 1)
				rc = bt_strbuf_addf(out, "%.2fx at %s %g (one point, no significant "
						    "difference)\n", x->min_speedup, param, x->lo);
			else
				rc = bt_strbuf_addf(out, "no significant difference at any %s from "
						    "%g to %g (%.2fx to %.2fx)\n", param, x->lo,
						    x->hi, x->min_speedup, x->max_speedup);
			break;
		}
	}
	bt_strbuf_release(&pb);
	return rc;
}
