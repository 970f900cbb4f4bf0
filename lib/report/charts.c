/* The charts of a run (bt_report_charts, bt_charts_release; contracts in
 * include/benchtrack/report.h, "SVG plots"): which plots a run gets (line
 * charts of each metric, throughput, memory and the speedup over the
 * baseline along the axes of each group, ablation bar charts of variants
 * against "none"), their titles, labels and unique file names.
 * The plots themselves are drawn by lib/report/svg.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchtrack/error.h"
#include "benchtrack/report.h"
#include "internal.h"

static int streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* --- charts of a run -------------------------------------------------- */

struct builder {
	const struct bt_run *run;
	const char *metric;
	struct bt_charts *c;
	size_t alloc;
	int oom;
	const char *baseline;   /* opts->baseline */
	struct bt_crossovers x; /* of the run, for the speedup charts */
};

static const char *gkey(const struct bt_result *r)
{
	return r->group ? r->group : r->name ? r->name : "";
}

static const char *variant_of(const struct bt_result *r)
{
	return r->variant ? r->variant : "default";
}

static const char *param_of(const struct bt_result *r, const char *key)
{
	for (size_t i = 0; i < r->n_params; i++)
		if (streq(r->params[i].key, key))
			return r->params[i].value;
	return NULL;
}

static int parse_num(const char *s, double *v)
{
	char *end;
	if (!s || !*s)
		return 0;
	*v = strtod(s, &end);
	return !*end && isfinite(*v);
}

static const char *adup(struct builder *b, const char *s)
{
	char *p = bt__arena_strdup(b->c->arena, s ? s : "");
	if (!p)
		b->oom = 1;
	return p ? p : "";
}

/* A unique file name "BASE-SUFFIX.svg". */
static const char *file_name(struct builder *b, const char *base, const char *suffix)
{
	struct bt_strbuf s = BT_STRBUF_INIT;
	for (int k = 1;; k++) {
		bt_strbuf_reset(&s);
		bt__svg_slug(&s, base, 1);
		bt_strbuf_addf(&s, "-%s", suffix);
		if (k > 1)
			bt_strbuf_addf(&s, "-%d", k);
		bt_strbuf_adds(&s, ".svg");
		if (!s.buf || s.failed) {
			bt_strbuf_release(&s);
			b->oom = 1;
			return "";
		}
		int taken = 0;
		for (size_t i = 0; i < b->c->n && !taken; i++)
			taken = strcmp(b->c->items[i].file, s.buf) == 0;
		if (!taken)
			break;
	}
	const char *r = adup(b, s.buf);
	bt_strbuf_release(&s);
	return r;
}

static void push(struct builder *b, const struct bt_chart *ch, struct bt_strbuf *svg)
{
	if (!svg->buf || svg->failed) {
		b->oom = 1;
		return;
	}
	if (b->c->n == b->alloc) {
		size_t cap = b->alloc ? b->alloc * 2 : 8;
		struct bt_chart *p = bt__arena_alloc(b->c->arena, cap * sizeof *p);
		if (!p) {
			b->oom = 1;
			return;
		}
		if (b->c->n)
			memcpy(p, b->c->items, b->c->n * sizeof *p);
		b->c->items = p;
		b->alloc = cap;
	}
	struct bt_chart x = *ch;
	char *d = bt__arena_alloc(b->c->arena, svg->len + 1);
	if (!d) {
		b->oom = 1;
		return;
	}
	memcpy(d, svg->buf, svg->len + 1);
	x.svg = d;
	x.svg_len = svg->len;
	b->c->items[b->c->n++] = x;
}

static double metric_median(const struct bt_result *r, const char *metric,
			    const struct bt_metric **mp)
{
	const struct bt_metric *m = bt_result_metric(r, metric);
	if (mp)
		*mp = m;
	if (r->status != BT_STATUS_OK || !m || m->stats.n == 0)
		return NAN;
	return m->stats.median;
}

/* Same params (all keys). */
static int same_params(const struct bt_result *a, const struct bt_result *b)
{
	if (a->n_params != b->n_params)
		return 0;
	for (size_t i = 0; i < a->n_params; i++)
		if (!streq(param_of(b, a->params[i].key), a->params[i].value))
			return 0;
	return 1;
}

static const struct bt_counter *counter_of(const struct bt_result *r, const char *name)
{
	for (size_t i = 0; i < r->n_counters; i++)
		if (streq(r->counters[i].name, name))
			return &r->counters[i];
	return NULL;
}

/* An x axis of a group: a parameter whose values are numbers, or a
 * parameter with other values (model=tiny,small) that a counter of every
 * result maps one to one onto numbers (params=0.9e6,14e6). */
struct axis {
	const char *param;
	const char *counter; /* NULL: the parameter's own numbers */
	size_t distinct;
};

#define MAX_AXES 8
#define MAX_EXTRA_AXES 2     /* per group: axes after the first (time only) */
#define MAX_METRIC_CHARTS 6  /* per group: sampled metrics besides --metric */

static int axis_value(const struct bt_result *r, const struct axis *a, double *v)
{
	if (!a->counter)
		return parse_num(param_of(r, a->param), v);
	const struct bt_counter *c = counter_of(r, a->counter);
	if (!c || !isfinite(c->value))
		return 0;
	*v = c->value;
	return 1;
}

/* The counter of results idx[0..n) that maps the values of param one to
 * one onto numbers: the first such counter of the first result; NULL when
 * none or when param has more than MAX_MAPPED values. O(n * values). */
#define MAX_MAPPED 64
static const char *mapping_counter(const struct bt_run *run, const size_t *idx, size_t n,
				   const char *param)
{
	const struct bt_result *r0 = &run->results[idx[0]];
	const char *val[MAX_MAPPED];
	double num[MAX_MAPPED];
	for (size_t k = 0; k < r0->n_counters; k++) {
		const char *name = r0->counters[k].name;
		size_t nv = 0;
		int ok = 1;
		for (size_t i = 0; i < n && ok; i++) {
			const struct bt_result *r = &run->results[idx[i]];
			const struct bt_counter *c = counter_of(r, name);
			const char *pv = param_of(r, param);
			ok = c && isfinite(c->value) && pv;
			size_t j = 0;
			while (ok && j < nv && !streq(val[j], pv))
				j++;
			if (!ok)
				break;
			if (j < nv) {
				ok = num[j] == c->value; /* a function of the value */
				continue;
			}
			for (size_t q = 0; q < nv && ok; q++)
				ok = num[q] != c->value; /* one to one */
			if (nv == MAX_MAPPED)
				return NULL;
			val[nv] = pv;
			num[nv++] = c->value;
		}
		if (ok)
			return name;
	}
	return NULL;
}

/* The axes of the results idx[0..n), the first one the swept axis:
 * parameters present in every result with at least 2 distinct values,
 * numeric ones first, then by most distinct values, then by name. None,
 * with *oom set, when memory ran out. */
static size_t group_axes(const struct bt_run *run, const size_t *idx, size_t n,
			 struct axis *axes, int *oom)
{
	size_t na = 0;
	double *v = malloc((n ? n : 1) * sizeof *v), *d = malloc((n ? n : 1) * sizeof *d);
	if (!v || !d) {
		*oom = 1;
		goto out;
	}
	for (size_t i = 0; i < n && na < MAX_AXES; i++) {
		const struct bt_result *r = &run->results[idx[i]];
		for (size_t k = 0; k < r->n_params && na < MAX_AXES; k++) {
			const char *key = r->params[k].key;
			int seen = 0; /* handled already */
			for (size_t j = 0; j < i && !seen; j++)
				seen = param_of(&run->results[idx[j]], key) != NULL;
			for (size_t q = 0; q < k && !seen; q++)
				seen = streq(r->params[q].key, key);
			int present = 1, numeric = 1;
			for (size_t j = 0; j < n && present && !seen; j++) {
				const char *pv = param_of(&run->results[idx[j]], key);
				present = pv != NULL;
				if (numeric && !parse_num(pv, &v[j]))
					numeric = 0;
			}
			if (seen || !present)
				continue;
			struct axis a = { key, NULL, 0 };
			if (numeric) {
				a.distinct = bt__svg_distinct(v, n, d);
			} else {
				a.counter = mapping_counter(run, idx, n, key);
				if (!a.counter)
					continue;
				for (size_t j = 0; j < n; j++)
					axis_value(&run->results[idx[j]], &a, &v[j]);
				a.distinct = bt__svg_distinct(v, n, d);
			}
			if (a.distinct < 2)
				continue;
			/* insert in order */
			size_t at = na;
			while (at > 0) {
				const struct axis *p = &axes[at - 1];
				int before = (!a.counter && p->counter) ||
					     (!a.counter == !p->counter &&
					      (a.distinct > p->distinct ||
					       (a.distinct == p->distinct && strcmp(a.param, p->param) < 0)));
				if (!before)
					break;
				axes[at] = axes[at - 1];
				at--;
			}
			axes[at] = a;
			na++;
		}
	}
out:
	free(v);
	free(d);
	return na;
}

/* Same series: name, variant and params other than axis. */
static int same_series(const struct bt_result *a, const struct bt_result *b,
		       const char *axis)
{
	if (!streq(a->name, b->name) || !streq(variant_of(a), variant_of(b)) ||
	    a->n_params != b->n_params)
		return 0;
	for (size_t i = 0; i < a->n_params; i++)
		if (!streq(a->params[i].key, axis) &&
		    !streq(param_of(b, a->params[i].key), a->params[i].value))
			return 0;
	return 1;
}

/* The lines of a group along one axis: the series of each result, its x,
 * and per series its name and first result. */
struct lines {
	const struct bt_run *run;
	const size_t *idx;
	size_t n;              /* results */
	const struct axis *axis;
	size_t *sid;           /* series of result i */
	double *ax;            /* x of result i */
	size_t *first;         /* first result of series s (run index) */
	struct bt_strbuf *names;
	size_t ns;
	int geo;               /* log x */
	/* ablations: the benchmark of result i (abl) or of series s (sabl)
	 * has a "none" variant in the group */
	unsigned char *abl, *sabl;
};

static void lines_release(struct lines *l)
{
	for (size_t s = 0; l->names && s < l->n; s++)
		bt_strbuf_release(&l->names[s]);
	free(l->sid);
	free(l->ax);
	free(l->first);
	free(l->names);
	free(l->abl);
	free(l->sabl);
}

struct name_pos {
	const char *name;
	size_t i;
};

static int cmp_name_pos(const void *a, const void *b)
{
	const struct name_pos *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* l->abl and l->sabl (struct lines): the results with a name sorted by
 * it, then each run of one name marked when one of them has the variant
 * "none"; O(n log n). */
static int mark_ablations(struct lines *l)
{
	const struct bt_run *run = l->run;
	size_t n = l->n, k = 0;
	struct name_pos *v = malloc((n ? n : 1) * sizeof *v);
	l->abl = calloc(n ? n : 1, 1);
	l->sabl = calloc(n ? n : 1, 1);
	if (!v || !l->abl || !l->sabl) {
		free(v);
		return BT_ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		if (run->results[l->idx[i]].name)
			v[k++] = (struct name_pos){ run->results[l->idx[i]].name, i };
	qsort(v, k, sizeof *v, cmp_name_pos);
	for (size_t a = 0, b; a < k; a = b) {
		int none = 0;
		for (b = a; b < k && strcmp(v[b].name, v[a].name) == 0; b++)
			none |= streq(variant_of(&run->results[l->idx[v[b].i]]), "none");
		for (size_t j = a; j < b; j++)
			l->abl[v[j].i] = (unsigned char)none;
	}
	free(v);
	for (size_t i = 0; i < n; i++)
		l->sabl[l->sid[i]] = l->abl[i];
	return 0;
}

static int lines_build(struct lines *l, const struct bt_run *run, const size_t *idx,
		       size_t n, const struct axis *axis)
{
	memset(l, 0, sizeof *l);
	l->run = run;
	l->idx = idx;
	l->n = n;
	l->axis = axis;
	l->sid = calloc(n, sizeof *l->sid);
	l->ax = calloc(n, sizeof *l->ax);
	l->first = calloc(n, sizeof *l->first);
	l->names = calloc(n, sizeof *l->names);
	if (!l->sid || !l->ax || !l->first || !l->names)
		return BT_ENOMEM;
	const struct bt_result *r0 = &run->results[idx[0]];
	for (size_t i = 0; i < n; i++) {
		const struct bt_result *r = &run->results[idx[i]];
		if (!axis_value(r, axis, &l->ax[i]))
			l->ax[i] = NAN;
		size_t s;
		for (s = 0; s < l->ns; s++)
			if (same_series(&run->results[l->first[s]], r, axis->param))
				break;
		if (s == l->ns)
			l->first[l->ns++] = idx[i];
		l->sid[i] = s;
	}
	for (size_t s = 0; s < l->ns; s++) {
		const struct bt_result *r = &run->results[l->first[s]];
		int variants = 0; /* the benchmark ran several variants */
		for (size_t i = 0; i < n && !variants; i++) {
			const struct bt_result *o = &run->results[idx[i]];
			variants = streq(o->name, r->name) && !streq(variant_of(o), variant_of(r));
		}
		bt_strbuf_adds(&l->names[s], r->name ? r->name : "");
		if (variants)
			bt_strbuf_addf(&l->names[s], ":%s", variant_of(r));
		/* the other parameters that vary in the group */
		for (size_t k = 0; k < r->n_params; k++) {
			const char *key = r->params[k].key;
			if (streq(key, axis->param))
				continue;
			int varies = 0;
			for (size_t i = 0; i < n && !varies; i++)
				varies = !streq(param_of(&run->results[idx[i]], key),
						r->params[k].value) ||
					 run->results[idx[i]].n_params != r0->n_params;
			if (varies)
				bt_strbuf_addf(&l->names[s], " %s=%s", key,
					       r->params[k].value ? r->params[k].value : "");
		}
		if (!l->names[s].buf)
			return BT_ENOMEM;
	}
	l->geo = bt_svg_is_geometric(l->ax, n);
	return mark_ablations(l);
}

struct chart_spec {
	enum bt_chart_kind kind;
	const char *suffix;     /* file: GROUP-SUFFIX.svg */
	const char *title, *y_label, *y_unit;
	const char *skip_name;  /* series of this benchmark left out */
	int skip_ablation;      /* series of ablation benchmarks left out */
	int y_ref_on;
	double y_ref;
	const char *y_ref_label;
	const double *marks;
	const char *const *mark_labels;
	size_t n_marks;
};

/* Draws yv[i] (of result i) against the axis as one chart; none when no
 * series has two points to draw. */
static void draw_lines(struct builder *b, const char *group, const struct lines *l,
		       const double *yv, const struct chart_spec *sp)
{
	size_t n = l->n, ns = 0;
	int pos = 1;
	for (size_t i = 0; i < n; i++)
		if (isfinite(yv[i]))
			pos &= yv[i] > 0;
	struct bt_svg_series *ss = calloc(l->ns ? l->ns : 1, sizeof *ss);
	double *x = malloc((n ? n : 1) * sizeof *x), *y = malloc((n ? n : 1) * sizeof *y);
	if (!ss || !x || !y) {
		b->oom = 1;
		goto out;
	}
	/* points series by series, in one array */
	size_t used = 0, best = 0;
	for (size_t s = 0; s < l->ns; s++) {
		const char *name = b->run->results[l->first[s]].name;
		if ((sp->skip_name && streq(name, sp->skip_name)) ||
		    (sp->skip_ablation && l->sabl[s]))
			continue;
		struct bt_svg_series *se = &ss[ns++];
		se->name = bt_strbuf_str(&l->names[s]);
		se->x = x + used;
		se->y = y + used;
		size_t drawable = 0;
		for (size_t i = 0; i < n; i++) {
			if (l->sid[i] != s)
				continue;
			x[used] = l->ax[i];
			y[used] = yv[i];
			drawable += bt__svg_usable(x[used], l->geo) &&
				    bt__svg_usable(y[used], l->geo && pos);
			used++;
			se->n++;
		}
		best = drawable > best ? drawable : best;
	}
	if (best < 2)
		goto out;
	struct bt_strbuf xl = BT_STRBUF_INIT, svg = BT_STRBUF_INIT, file = BT_STRBUF_INIT;
	bt_strbuf_adds(&xl, l->axis->param);
	if (l->axis->counter)
		bt_strbuf_addf(&xl, " (%s%s)", l->axis->counter, l->geo ? ", log scale" : "");
	else if (l->geo)
		bt_strbuf_adds(&xl, " (log scale)");
	struct bt_svg_line_chart lc = {
		.title = sp->title,
		.x_label = bt_strbuf_str(&xl),
		.y_label = sp->y_label,
		.y_unit = sp->y_unit,
		.x_log = l->geo,
		.y_log = l->geo && pos,
		.series = ss,
		.n_series = ns,
		.y_ref_on = sp->y_ref_on,
		.y_ref = sp->y_ref,
		.y_ref_label = sp->y_ref_label,
		.x_unit = l->axis->counter, /* "14.4 M params" */
		.x_marks = sp->marks,
		.x_mark_labels = sp->mark_labels,
		.n_x_marks = sp->n_marks,
	};
	if (bt_svg_line_chart(&lc, &svg))
		b->oom = 1;
	size_t drawn = 0;
	for (size_t s = 0; s < ns; s++)
		for (size_t i = 0; i < ss[s].n; i++)
			if (bt__svg_usable(ss[s].x[i], lc.x_log) && bt__svg_usable(ss[s].y[i], lc.y_log)) {
				drawn++;
				break;
			}
	bt__svg_slug(&file, sp->suffix, 0);
	b->oom |= file.failed || xl.failed;
	struct bt_chart ch = { .kind = sp->kind, .group = adup(b, group),
			       .file = file_name(b, group, bt_strbuf_str(&file)),
			       .title = adup(b, sp->title), .n_series = drawn };
	if (!b->oom)
		push(b, &ch, &svg);
	bt_strbuf_release(&xl);
	bt_strbuf_release(&svg);
	bt_strbuf_release(&file);
out:
	free(ss);
	free(x);
	free(y);
}

static const char *axis_name(const struct axis *a, struct bt_strbuf *s)
{
	bt_strbuf_reset(s);
	bt_strbuf_adds(s, a->param);
	if (a->counter)
		bt_strbuf_addf(s, " (%s)", a->counter);
	return bt_strbuf_str(s);
}

/* The median of metric against the axis. */
static void metric_chart(struct builder *b, const char *group, const struct lines *l,
			 double *yv, const char *metric, enum bt_chart_kind kind,
			 const char *suffix)
{
	const char *unit = NULL;
	int dir = 0;
	for (size_t i = 0; i < l->n; i++) {
		const struct bt_metric *m;
		yv[i] = metric_median(&b->run->results[l->idx[i]], metric, &m);
		if (m && !unit) {
			unit = m->unit;
			dir = m->direction;
		}
	}
	struct bt_strbuf title = BT_STRBUF_INIT, ylab = BT_STRBUF_INIT, an = BT_STRBUF_INIT;
	const char *mn = metric ? metric : "";
	int time = streq(mn, "time");
	bt_strbuf_addf(&title, "%s: median %s vs %s", group, mn, axis_name(l->axis, &an));
	if (!time && dir)
		bt_strbuf_addf(&title, " (%s is better)", dir > 0 ? "higher" : "lower");
	if (time)
		bt_strbuf_adds(&ylab, "median time per op");
	else
		bt_strbuf_addf(&ylab, "median %s", mn);
	if (unit && *unit)
		bt_strbuf_addf(&ylab, " (%s)", unit);
	struct chart_spec sp = { .kind = kind, .suffix = suffix, .title = bt_strbuf_str(&title),
				 .y_label = bt_strbuf_str(&ylab), .y_unit = unit };
	if (title.buf && ylab.buf && an.buf && !title.failed && !ylab.failed && !an.failed)
		draw_lines(b, group, l, yv, &sp);
	else
		b->oom = 1;
	bt_strbuf_release(&title);
	bt_strbuf_release(&ylab);
	bt_strbuf_release(&an);
}

/* The speedup of every other implementation over the group's baseline
 * (as for crossovers: opts->baseline when the group has it, else its
 * first benchmark; ablation benchmarks left out) at the same parameters,
 * with a line at 1x and the crossovers along the axis marked. */
static void speedup_chart(struct builder *b, const char *group, const struct lines *l,
			  double *yv)
{
	const struct bt_run *run = b->run;
	const char *base = NULL;
	for (size_t i = 0; i < l->n; i++) {
		const struct bt_result *r = &run->results[l->idx[i]];
		if (!r->name || l->abl[i])
			continue;
		if (b->baseline && streq(r->name, b->baseline)) {
			base = r->name;
			break;
		}
		if (!base)
			base = r->name;
	}
	if (!base)
		return;
	int dir = BT_LOWER_IS_BETTER;
	for (size_t i = 0; i < l->n; i++) {
		const struct bt_result *r = &run->results[l->idx[i]];
		yv[i] = NAN;
		if (streq(r->name, base) || !r->name || l->abl[i])
			continue;
		const struct bt_metric *m;
		double v = metric_median(r, b->metric, &m);
		if (m)
			dir = m->direction;
		for (size_t j = 0; j < l->n; j++) {
			const struct bt_result *z = &run->results[l->idx[j]];
			if (!streq(z->name, base) || !same_params(z, r))
				continue;
			double w = metric_median(z, b->metric, NULL);
			if (v > 0 && w > 0)
				yv[i] = dir == BT_HIGHER_IS_BETTER ? v / w : w / v;
			break;
		}
	}
	/* the crossovers of this axis (they compare medians of time) */
	size_t nm = 0;
	double *marks = malloc((b->x.n ? b->x.n : 1) * sizeof *marks);
	const char **labels = malloc((b->x.n ? b->x.n : 1) * sizeof *labels);
	struct bt_strbuf title = BT_STRBUF_INIT, ylab = BT_STRBUF_INIT, an = BT_STRBUF_INIT;
	if (!marks || !labels) {
		b->oom = 1;
		goto out;
	}
	for (size_t k = 0; k < b->x.n && !l->axis->counter && streq(b->metric, "time"); k++) {
		const struct bt_crossover *x = &b->x.items[k];
		if (!streq(x->group, group) || !streq(x->param, l->axis->param) ||
		    !streq(x->baseline, base) ||
		    (x->kind != BT_CROSS_OVERTAKES && x->kind != BT_CROSS_FALLS_BEHIND))
			continue;
		bt_strbuf_reset(&title);
		bt_strbuf_addf(&title, "%s %s %s at %s ~ %.4g", x->name,
			       x->kind == BT_CROSS_OVERTAKES ? "overtakes" : "falls behind", base,
			       x->param, x->at);
		marks[nm] = x->at;
		labels[nm] = adup(b, bt_strbuf_str(&title));
		nm++;
	}
	bt_strbuf_reset(&title);
	bt_strbuf_addf(&title, "%s: speedup%s%s over %s vs %s", group,
		       streq(b->metric, "time") ? "" : " in ",
		       streq(b->metric, "time") ? "" : b->metric, base, axis_name(l->axis, &an));
	bt_strbuf_addf(&ylab, "speedup over %s", base);
	struct chart_spec sp = { .kind = BT_CHART_SPEEDUP, .suffix = "speedup",
				 .title = bt_strbuf_str(&title), .y_label = bt_strbuf_str(&ylab),
				 .y_unit = "x", .skip_name = base, .skip_ablation = 1, .y_ref_on = 1, .y_ref = 1, .y_ref_label = "1x",
				 .marks = marks, .mark_labels = labels, .n_marks = nm };
	if (title.buf && ylab.buf && an.buf && !title.failed && !ylab.failed && !an.failed)
		draw_lines(b, group, l, yv, &sp);
	else
		b->oom = 1;
out:
	bt_strbuf_release(&title);
	bt_strbuf_release(&ylab);
	bt_strbuf_release(&an);
	free(marks);
	free(labels);
}

static void line_charts(struct builder *b, const char *group, const size_t *idx,
			size_t n)
{
	const struct bt_run *run = b->run;
	struct axis axes[MAX_AXES];
	size_t na = group_axes(run, idx, n, axes, &b->oom);
	if (na == 0)
		return;
	double *yv = calloc(n, sizeof *yv);
	struct lines l;
	if (!yv || lines_build(&l, run, idx, n, &axes[0])) {
		b->oom = 1;
		if (yv)
			lines_release(&l);
		free(yv);
		return;
	}
	/* the metric of the table, then the other metrics with samples */
	metric_chart(b, group, &l, yv, b->metric, BT_CHART_TIME, "time");
	size_t nmc = 0;
	for (size_t i = 0; i < n && nmc < MAX_METRIC_CHARTS && !b->oom; i++) {
		const struct bt_result *r = &run->results[idx[i]];
		for (size_t k = 0; k < r->n_metrics && nmc < MAX_METRIC_CHARTS && !b->oom; k++) {
			const struct bt_metric *m = &r->metrics[k];
			if (!m->name || streq(m->name, b->metric) || m->n_samples == 0)
				continue;
			int seen = 0;
			for (size_t j = 0; j < i && !seen; j++)
				seen = bt_result_metric(&run->results[idx[j]], m->name) != NULL;
			for (size_t q = 0; q < k && !seen; q++)
				seen = streq(r->metrics[q].name, m->name);
			if (seen)
				continue;
			size_t before = b->c->n;
			metric_chart(b, group, &l, yv, m->name, BT_CHART_METRIC, m->name);
			nmc += b->c->n > before;
		}
	}
	/* throughput, memory */
	const char *tunit = NULL;
	for (size_t i = 0; i < n; i++) {
		const struct bt_result *r = &run->results[idx[i]];
		yv[i] = r->status == BT_STATUS_OK && r->throughput.unit ? r->throughput.value : NAN;
		if (r->throughput.unit && !tunit)
			tunit = r->throughput.unit;
	}
	struct bt_strbuf title = BT_STRBUF_INIT, ylab = BT_STRBUF_INIT, an = BT_STRBUF_INIT;
	const char *axn = axis_name(&axes[0], &an);
	bt_strbuf_addf(&title, "%s: throughput vs %s", group, axn);
	bt_strbuf_adds(&ylab, "throughput");
	if (tunit && *tunit)
		bt_strbuf_addf(&ylab, " (%s)", tunit);
	struct chart_spec sp = { .kind = BT_CHART_THROUGHPUT, .suffix = "throughput",
				 .title = bt_strbuf_str(&title), .y_label = bt_strbuf_str(&ylab),
				 .y_unit = tunit };
	b->oom |= title.failed || ylab.failed || an.failed;
	if (!b->oom)
		draw_lines(b, group, &l, yv, &sp);
	for (size_t i = 0; i < n; i++) {
		const struct bt_result *r = &run->results[idx[i]];
		yv[i] = r->status == BT_STATUS_OK && r->peak_memory_bytes >= 0
				? (double)r->peak_memory_bytes
				: NAN;
	}
	bt_strbuf_reset(&title);
	bt_strbuf_addf(&title, "%s: peak memory vs %s", group, axn);
	struct chart_spec mp = { .kind = BT_CHART_MEMORY, .suffix = "memory",
				 .title = bt_strbuf_str(&title), .y_label = "peak memory (B)",
				 .y_unit = "B" };
	b->oom |= title.failed;
	if (!b->oom)
		draw_lines(b, group, &l, yv, &mp);
	if (!b->oom)
		speedup_chart(b, group, &l, yv);
	lines_release(&l);
	/* the other axes: the metric of the table only */
	for (size_t a = 1; a < na && a <= MAX_EXTRA_AXES && !b->oom; a++) {
		struct bt_strbuf suffix = BT_STRBUF_INIT;
		bt_strbuf_addf(&suffix, "time-by-%s", axes[a].param);
		if (!suffix.buf || suffix.failed || lines_build(&l, run, idx, n, &axes[a]))
			b->oom = 1;
		else
			metric_chart(b, group, &l, yv, b->metric, BT_CHART_TIME, suffix.buf);
		lines_release(&l);
		bt_strbuf_release(&suffix);
	}
	if (!title.buf || !ylab.buf || !an.buf || title.failed || ylab.failed || an.failed)
		b->oom = 1;
	bt_strbuf_release(&title);
	bt_strbuf_release(&ylab);
	bt_strbuf_release(&an);
	free(yv);
}

static void ablation_chart(struct builder *b, const char *group, const char *bench)
{
	const struct bt_run *run = b->run;
	size_t n = run->n_results;
	struct bt_svg_bar *bars = calloc(n ? n : 1, sizeof *bars);
	if (!bars) {
		b->oom = 1;
		return;
	}
	size_t nb = 0, n_params = 0;
	int higher = 0;
	for (size_t i = 0; i < n; i++) {
		const struct bt_result *r = &run->results[i];
		if (!streq(r->name, bench) || !streq(gkey(r), group))
			continue;
		if (streq(variant_of(r), "none")) {
			n_params++;
			continue;
		}
		int seen = 0;
		for (size_t k = 0; k < nb && !seen; k++)
			seen = streq(bars[k].label, variant_of(r));
		if (seen)
			continue;
		/* this variant over all parameter values */
		double lsum = 0, msum = 0;
		size_t ln = 0, mn = 0;
		for (size_t j = i; j < n; j++) {
			const struct bt_result *v = &run->results[j];
			if (!streq(v->name, bench) || !streq(gkey(v), group) ||
			    !streq(variant_of(v), variant_of(r)) || v->status != BT_STATUS_OK)
				continue;
			for (size_t q = 0; q < n; q++) {
				const struct bt_result *z = &run->results[q];
				if (!streq(z->name, bench) || !streq(gkey(z), group) ||
				    !streq(variant_of(z), "none") || !same_params(z, v))
					continue;
				if (z->status != BT_STATUS_OK)
					break;
				const struct bt_metric *m;
				double mv = metric_median(v, b->metric, &m), mz = metric_median(z, b->metric, NULL);
				if (m && m->direction == BT_HIGHER_IS_BETTER)
					higher = 1;
				if (mv > 0 && mz > 0 && isfinite(mv) && isfinite(mz)) {
					lsum += log(higher ? mv / mz : mz / mv);
					ln++;
				}
				if (v->peak_memory_bytes > 0 && z->peak_memory_bytes > 0) {
					msum += ((double)v->peak_memory_bytes - (double)z->peak_memory_bytes) /
						(double)z->peak_memory_bytes * 100;
					mn++;
				}
				break;
			}
		}
		bars[nb].label = variant_of(r);
		bars[nb].speedup = ln ? exp(lsum / (double)ln) : NAN;
		bars[nb].mem_change_pct = mn ? msum / (double)mn : NAN;
		nb++;
	}
	if (nb) {
		struct bt_strbuf title = BT_STRBUF_INIT, sub = BT_STRBUF_INIT, svg = BT_STRBUF_INIT;
		bt_strbuf_addf(&title, "%s: ablation of %s vs none", group, bench);
		bt_strbuf_addf(&sub, "%s over %zu parameter value%s where both ran ok",
			       n_params > 1 ? "geometric mean of the speedup, mean memory change"
					    : "speedup and memory change",
			       n_params, n_params == 1 ? "" : "s");
		struct bt_svg_bar_chart bc = { bt_strbuf_str(&title), bt_strbuf_str(&sub), bars, nb };
		if (bt_svg_bar_chart(&bc, &svg) || title.failed || sub.failed)
			b->oom = 1;
		struct bt_chart ch = { .kind = BT_CHART_ABLATION, .group = adup(b, group),
				       .benchmark = adup(b, bench),
				       .file = file_name(b, bench, "ablation"),
				       .title = adup(b, bt_strbuf_str(&title)), .n_series = nb };
		if (!b->oom)
			push(b, &ch, &svg);
		bt_strbuf_release(&title);
		bt_strbuf_release(&sub);
		bt_strbuf_release(&svg);
	}
	free(bars);
}

int bt_report_charts(const struct bt_run *run, const struct bt_table_opts *opts,
		     struct bt_charts *out, struct bt_strbuf *err)
{
	if (!out)
		return bt_error(err, BT_EINVAL, "charts: no output");
	memset(out, 0, sizeof *out);
	if (!run)
		return bt_error(err, BT_EINVAL, "charts: no run");
	out->arena = bt__arena_new();
	size_t *idx = malloc((run->n_results ? run->n_results : 1) * sizeof *idx);
	struct builder b = { run, opts && opts->metric ? opts->metric : "time", out, 0, 0,
			     opts ? opts->baseline : NULL, { 0 } };
	if (!out->arena || !idx || bt_report_crossovers(run, b.baseline, &b.x, NULL)) {
		free(idx);
		bt_crossovers_release(&b.x);
		bt_charts_release(out);
		return bt_error(err, BT_ENOMEM, "charts: out of memory");
	}
	for (size_t g = 0; g < run->n_results && !b.oom; g++) {
		const char *group = gkey(&run->results[g]);
		int seen = 0;
		for (size_t k = 0; k < g && !seen; k++)
			seen = streq(gkey(&run->results[k]), group);
		if (seen)
			continue;
		size_t n = 0;
		for (size_t i = g; i < run->n_results; i++)
			if (streq(gkey(&run->results[i]), group))
				idx[n++] = i;
		line_charts(&b, group, idx, n);
		/* ablation benchmarks of the group, in run order */
		for (size_t i = 0; i < n && !b.oom; i++) {
			const struct bt_result *r = &run->results[idx[i]];
			if (!streq(variant_of(r), "none"))
				continue;
			int done = 0;
			for (size_t j = 0; j < i && !done; j++)
				done = streq(run->results[idx[j]].name, r->name) &&
				       streq(variant_of(&run->results[idx[j]]), "none");
			if (!done)
				ablation_chart(&b, group, r->name ? r->name : "");
		}
	}
	free(idx);
	bt_crossovers_release(&b.x);
	if (b.oom) {
		bt_charts_release(out);
		return bt_error(err, BT_ENOMEM, "charts: out of memory");
	}
	return 0;
}

void bt_charts_release(struct bt_charts *c)
{
	if (!c)
		return;
	bt__arena_free(c->arena);
	memset(c, 0, sizeof *c);
}
