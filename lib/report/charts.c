/* The charts of a run (bt_report_charts, bt_charts_release; contracts in
 * include/benchtrack/report.h, "SVG plots"): which plots a run gets (line
 * charts along the swept parameter of each group, ablation bar charts of
 * variants against "none"), their titles, labels and unique file names.
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
		if (!s.buf) {
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
	if (!svg->buf) {
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

/* The swept axis of the results idx[0..n): NULL when none. */
static const char *swept_axis(const struct bt_run *run, const size_t *idx, size_t n)
{
	const char *best = NULL;
	size_t best_n = 1;
	double *v = malloc((n ? n : 1) * sizeof *v), *d = malloc((n ? n : 1) * sizeof *d);
	if (!v || !d) {
		free(v);
		free(d);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		const struct bt_result *r = &run->results[idx[i]];
		for (size_t k = 0; k < r->n_params; k++) {
			const char *key = r->params[k].key;
			int seen = 0; /* axis handled already */
			for (size_t j = 0; j < i && !seen; j++)
				seen = param_of(&run->results[idx[j]], key) != NULL;
			for (size_t q = 0; q < k && !seen; q++)
				seen = streq(r->params[q].key, key);
			if (seen)
				continue;
			size_t m = 0;
			int numeric = 1;
			for (size_t j = 0; j < n && numeric; j++)
				numeric = parse_num(param_of(&run->results[idx[j]], key), &v[m++]);
			if (!numeric)
				continue;
			size_t nd = bt__svg_distinct(v, m, d);
			if (nd > best_n || (nd == best_n && best && nd > 1 && strcmp(key, best) < 0)) {
				best = key;
				best_n = nd;
			}
		}
	}
	free(v);
	free(d);
	return best;
}

struct series_def {
	size_t first;      /* result that opened it */
	struct bt_strbuf name;
	double *x, *y;
	size_t n;
};

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

enum yval { Y_TIME, Y_THROUGHPUT, Y_MEMORY };

static double y_of(const struct builder *b, const struct bt_result *r, enum yval k)
{
	if (r->status != BT_STATUS_OK)
		return NAN;
	switch (k) {
	case Y_TIME: return metric_median(r, b->metric, NULL);
	case Y_THROUGHPUT: return r->throughput.unit ? r->throughput.value : NAN;
	case Y_MEMORY: return r->peak_memory_bytes >= 0 ? (double)r->peak_memory_bytes : NAN;
	}
	return NAN;
}

static void line_charts(struct builder *b, const char *group, const size_t *idx,
			size_t n)
{
	const struct bt_run *run = b->run;
	const char *axis = swept_axis(run, idx, n);
	if (!axis)
		return;
	/* series: by first appearance */
	struct series_def *sd = calloc(n, sizeof *sd);
	size_t *sid = calloc(n, sizeof *sid);
	double *ax = calloc(n, sizeof *ax);
	struct bt_svg_series *ss = calloc(n, sizeof *ss);
	double *yv = calloc(n, sizeof *yv);
	if (!sd || !sid || !ax || !ss || !yv) {
		b->oom = 1;
		goto out;
	}
	size_t ns = 0;
	int other_vary = 0;
	for (size_t i = 0; i < n; i++) {
		const struct bt_result *r = &run->results[idx[i]];
		parse_num(param_of(r, axis), &ax[i]);
		size_t s;
		for (s = 0; s < ns; s++)
			if (same_series(&run->results[sd[s].first], r, axis))
				break;
		if (s == ns)
			sd[ns++].first = idx[i];
		sid[i] = s;
		const struct bt_result *r0 = &run->results[idx[0]];
		for (size_t k = 0; k < r->n_params; k++)
			if (!streq(r->params[k].key, axis) &&
			    !streq(param_of(r0, r->params[k].key), r->params[k].value))
				other_vary = 1;
		if (r->n_params != r0->n_params)
			other_vary = 1;
	}
	for (size_t s = 0; s < ns; s++) {
		const struct bt_result *r = &run->results[sd[s].first];
		int variants = 0; /* the benchmark ran several variants */
		for (size_t i = 0; i < n && !variants; i++) {
			const struct bt_result *o = &run->results[idx[i]];
			variants = streq(o->name, r->name) &&
				   !streq(variant_of(o), variant_of(r));
		}
		bt_strbuf_adds(&sd[s].name, r->name ? r->name : "");
		if (variants)
			bt_strbuf_addf(&sd[s].name, ":%s", variant_of(r));
		if (other_vary)
			for (size_t k = 0; k < r->n_params; k++)
				if (!streq(r->params[k].key, axis))
					bt_strbuf_addf(&sd[s].name, " %s=%s", r->params[k].key,
						       r->params[k].value ? r->params[k].value : "");
		if (!sd[s].name.buf)
			b->oom = 1;
	}
	int geo = bt_svg_is_geometric(ax, n);
	static const struct {
		enum yval k;
		enum bt_chart_kind kind;
		const char *suffix, *what;
	} kinds[] = { { Y_TIME, BT_CHART_TIME, "time", NULL },
		      { Y_THROUGHPUT, BT_CHART_THROUGHPUT, "throughput", "throughput" },
		      { Y_MEMORY, BT_CHART_MEMORY, "memory", "peak memory" } };
	for (size_t k = 0; k < 3 && !b->oom; k++) {
		const char *unit = NULL;
		int any = 0, pos = 1;
		for (size_t i = 0; i < n; i++) {
			const struct bt_result *r = &run->results[idx[i]];
			yv[i] = y_of(b, r, kinds[k].k);
			if (kinds[k].k == Y_TIME) {
				const struct bt_metric *m = bt_result_metric(r, b->metric);
				if (m && !unit)
					unit = m->unit;
			} else if (kinds[k].k == Y_THROUGHPUT) {
				if (r->throughput.unit && !unit)
					unit = r->throughput.unit;
			} else {
				unit = "B";
			}
			if (isfinite(yv[i])) {
				any = 1;
				pos &= yv[i] > 0;
			}
		}
		if (!any)
			continue;
		for (size_t s = 0; s < ns; s++) {
			sd[s].n = 0;
			free(sd[s].x);
			free(sd[s].y);
			sd[s].x = malloc(n * sizeof(double));
			sd[s].y = malloc(n * sizeof(double));
			if (!sd[s].x || !sd[s].y) {
				b->oom = 1;
				goto out;
			}
		}
		for (size_t i = 0; i < n; i++) {
			struct series_def *d = &sd[sid[i]];
			d->x[d->n] = ax[i];
			d->y[d->n] = yv[i];
			d->n++;
		}
		for (size_t s = 0; s < ns; s++) {
			ss[s].name = bt_strbuf_str(&sd[s].name);
			ss[s].x = sd[s].x;
			ss[s].y = sd[s].y;
			ss[s].n = sd[s].n;
		}
		struct bt_strbuf title = BT_STRBUF_INIT, ylab = BT_STRBUF_INIT,
				 svg = BT_STRBUF_INIT;
		if (kinds[k].k == Y_TIME) {
			if (streq(b->metric, "time"))
				bt_strbuf_adds(&ylab, "median time per op");
			else
				bt_strbuf_addf(&ylab, "median %s", b->metric ? b->metric : "value");
		} else {
			bt_strbuf_adds(&ylab, kinds[k].what);
		}
		if (unit && *unit)
			bt_strbuf_addf(&ylab, " (%s)", unit);
		bt_strbuf_addf(&title, "%s: %s vs %s", group,
			       kinds[k].k == Y_TIME ? (streq(b->metric, "time") ? "median time"
									 : b->metric)
						    : kinds[k].what,
			       axis);
		struct bt_svg_line_chart lc = {
			.title = bt_strbuf_str(&title),
			.x_label = geo ? NULL : axis,
			.y_label = bt_strbuf_str(&ylab),
			.y_unit = unit,
			.x_log = geo,
			.y_log = geo && pos,
			.series = ss,
			.n_series = ns,
		};
		struct bt_strbuf xl = BT_STRBUF_INIT;
		bt_strbuf_addf(&xl, "%s%s", axis, geo ? " (log scale)" : "");
		lc.x_label = bt_strbuf_str(&xl);
		if (bt_svg_line_chart(&lc, &svg))
			b->oom = 1;
		size_t drawn = 0;
		for (size_t s = 0; s < ns; s++)
			for (size_t i = 0; i < ss[s].n; i++)
				if (bt__svg_usable(ss[s].x[i], lc.x_log) && bt__svg_usable(ss[s].y[i], lc.y_log)) {
					drawn++;
					break;
				}
		struct bt_chart ch = { .kind = kinds[k].kind, .group = adup(b, group),
				       .file = file_name(b, group, kinds[k].suffix),
				       .title = adup(b, bt_strbuf_str(&title)),
				       .n_series = drawn };
		if (!b->oom)
			push(b, &ch, &svg);
		bt_strbuf_release(&title);
		bt_strbuf_release(&ylab);
		bt_strbuf_release(&xl);
		bt_strbuf_release(&svg);
	}
out:
	if (sd)
		for (size_t s = 0; s < n; s++) {
			bt_strbuf_release(&sd[s].name);
			free(sd[s].x);
			free(sd[s].y);
		}
	free(sd);
	free(sid);
	free(ax);
	free(ss);
	free(yv);
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
		if (bt_svg_bar_chart(&bc, &svg))
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
	struct builder b = { run, opts && opts->metric ? opts->metric : "time", out, 0, 0 };
	if (!out->arena || !idx) {
		free(idx);
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
