/* The comparison table model built from a run. Contract and column rules
 * in include/benchtrack/report.h. */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchtrack/report.h"
#include "internal.h"

#define STATUS_MESSAGE_MAX 40
#define SPEEDUP_GOOD 1.05
#define SPEEDUP_BAD 0.95

struct build {
	const struct bt_run *run;
	const char *metric;
	const char *baseline;       /* opts->baseline or NULL */
	struct bt_table *t;
	int oom;
	/* per result, n_results entries each */
	const struct bt_metric **m; /* the chosen metric or NULL */
	unsigned char *ablation;    /* its benchmark has a "none" variant */
	size_t *gid;                /* display group */
	size_t *base;               /* speedup baseline result, or NONE */
	uint64_t *psig;             /* order-free hash of the parameters */
	unsigned char *pdup;        /* a parameter key repeats: no psig */
	size_t *grp;                /* index into groups, or NONE (no group) */
	struct bgroup *groups;      /* distinct result groups */
	size_t n_groups_;
	/* parameter axes */
	const char **axes;
	size_t n_axes;
	/* metrics other than the table's, and a unit of each */
	const char **metrics;
	const char **metric_units;
	size_t n_metrics;
};

#define NONE ((size_t)-1)

/* A distinct result group (r->group) and its speedup baseline. */
struct bgroup {
	const char *name;
	uint64_t h;
	const char *first;     /* first non-ablation result's name */
	const char *bname;     /* the baseline name, or NULL */
	size_t *cand;          /* its non-ablation results named bname */
	size_t n_cand;
};

static uint64_t hstr(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	return h;
}

static uint64_t hmix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

static const char *str(const char *s)
{
	return s ? s : "";
}

static const char *variant_of(const struct bt_result *r)
{
	return r->variant ? r->variant : "default";
}

static int streq(const char *a, const char *b)
{
	return strcmp(str(a), str(b)) == 0;
}

const char *bt__table_strdup(struct bt_table *t, int *oom, const char *s)
{
	char *p = bt__arena_strdup(t->arena, str(s));
	if (!p) {
		*oom = 1;
		return "";
	}
	return p;
}

const char *bt__table_printf(struct bt_table *t, int *oom, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	return bt__table_strdup(t, oom, tmp);
}

#define sdup(b, s) bt__table_strdup((b)->t, &(b)->oom, (s))
#define sprint(b, ...) bt__table_printf((b)->t, &(b)->oom, __VA_ARGS__)

static void *aalloc(struct build *b, size_t size)
{
	void *p = bt__arena_alloc(b->t->arena, size);
	if (!p)
		b->oom = 1;
	return p;
}

static const char *param_value(const struct bt_result *r, const char *key)
{
	for (size_t i = 0; i < r->n_params; i++)
		if (streq(r->params[i].key, key))
			return str(r->params[i].value);
	return NULL;
}

/* Same parameter values (as sets of key=value). */
static int same_params(const struct bt_result *a, const struct bt_result *b)
{
	if (a->n_params != b->n_params)
		return 0;
	for (size_t i = 0; i < a->n_params; i++) {
		const char *v = param_value(b, str(a->params[i].key));
		if (!v || !streq(v, a->params[i].value))
			return 0;
	}
	return 1;
}

/* 0 when a and b cannot have the same parameters (cheap test first),
 * else same_params. */
static int same_params_b(const struct build *b, size_t i, size_t j)
{
	const struct bt_result *x = &b->run->results[i], *y = &b->run->results[j];
	if (x->n_params != y->n_params)
		return 0;
	if (!b->pdup[i] && !b->pdup[j] && b->psig[i] != b->psig[j])
		return 0;
	return same_params(x, y);
}

static const struct bt_metric *find_metric(const struct bt_result *r,
					   const char *name)
{
	for (size_t i = 0; i < r->n_metrics; i++)
		if (streq(r->metrics[i].name, name))
			return &r->metrics[i];
	return NULL;
}

/* Median of the chosen metric when usable for a ratio, else NAN. */
static double ratio_median(const struct build *b, size_t i)
{
	const struct bt_metric *m = b->m[i];

	if (!m || m->stats.n == 0 || !isfinite(m->stats.median) ||
	    m->stats.median <= 0 || b->run->results[i].status != BT_STATUS_OK)
		return NAN;
	return m->stats.median;
}

static int same_display_group(const struct bt_result *a,
			      const struct bt_result *b)
{
	if ((a->group != NULL) != (b->group != NULL))
		return 0;
	if (a->group ? !streq(a->group, b->group) : !streq(a->name, b->name))
		return 0;
	return same_params(a, b);
}

/* Baseline benchmark name of a group: opts->baseline when one of the
 * group's (non-ablation) results has it, else the first non-ablation
 * result's name in run order. NULL when the group has none. Worked out
 * once per group, with the group's results of that name as candidates. */
static int group_baselines(struct build *b)
{
	const struct bt_run *run = b->run;
	size_t n = run->n_results;

	b->grp = malloc((n ? n : 1) * sizeof *b->grp);
	b->groups = calloc(n ? n : 1, sizeof *b->groups);
	if (!b->grp || !b->groups)
		return BT_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct bt_result *r = &run->results[i];
		b->grp[i] = NONE;
		if (!r->group)
			continue;
		uint64_t h = hstr(r->group);
		size_t g = 0;
		while (g < b->n_groups_ &&
		       (b->groups[g].h != h || !streq(b->groups[g].name, r->group)))
			g++;
		if (g == b->n_groups_) {
			b->groups[g].name = r->group;
			b->groups[g].h = h;
			b->n_groups_++;
		}
		b->grp[i] = g;
		if (b->ablation[i])
			continue;
		struct bgroup *bg = &b->groups[g];
		if (b->baseline && !bg->bname && streq(r->name, b->baseline))
			bg->bname = b->baseline;
		if (!bg->first)
			bg->first = str(r->name);
	}
	for (size_t g = 0; g < b->n_groups_; g++)
		if (!b->groups[g].bname)
			b->groups[g].bname = b->groups[g].first;
	size_t *cand = malloc((n ? n : 1) * sizeof *cand), used = 0;
	if (!cand)
		return BT_ENOMEM;
	b->groups[0].cand = cand; /* owns the block */
	/* candidates grouped per group, in run order */
	size_t *cnt = calloc(b->n_groups_ ? b->n_groups_ : 1, sizeof *cnt);
	if (!cnt)
		return BT_ENOMEM;
	for (size_t j = 0; j < n; j++) {
		size_t g = b->grp[j];
		if (g != NONE && !b->ablation[j] && b->groups[g].bname &&
		    streq(run->results[j].name, b->groups[g].bname))
			cnt[g]++;
	}
	for (size_t g = 0; g < b->n_groups_; g++) {
		b->groups[g].cand = cand + used;
		used += cnt[g];
	}
	free(cnt);
	for (size_t j = 0; j < n; j++) {
		size_t g = b->grp[j];
		if (g != NONE && !b->ablation[j] && b->groups[g].bname &&
		    streq(run->results[j].name, b->groups[g].bname))
			b->groups[g].cand[b->groups[g].n_cand++] = j;
	}
	return 0;
}

static void find_baselines(struct build *b)
{
	const struct bt_run *run = b->run;

	for (size_t i = 0; i < run->n_results; i++) {
		const struct bt_result *r = &run->results[i];
		b->base[i] = NONE;
		if (b->ablation[i]) {
			for (size_t j = 0; j < run->n_results; j++) {
				const struct bt_result *o = &run->results[j];
				if (streq(o->name, r->name) &&
				    streq(variant_of(o), "none") &&
				    same_params_b(b, j, i)) {
					b->base[i] = j;
					break;
				}
			}
			continue;
		}
		if (!r->group)
			continue;
		const struct bgroup *bg = &b->groups[b->grp[i]];
		if (!bg->bname)
			continue;
		/* the baseline's result at the same parameters: with the
		 * same variant when it has one, else its first (an optimised
		 * implementation's options must not hide its speedup) */
		for (size_t c = 0; c < bg->n_cand; c++) {
			size_t j = bg->cand[c];
			const struct bt_result *o = &run->results[j];
			if (!same_params_b(b, j, i))
				continue;
			if (b->base[i] == NONE)
				b->base[i] = j;
			if (streq(variant_of(o), variant_of(r))) {
				b->base[i] = j;
				break;
			}
		}
	}
}

static void add_column(struct build *b, size_t *n, enum bt_column_kind kind,
		      const char *name, const char *csv_name, const char *param,
		      enum bt_align align, int csv_only)
{
	struct bt_table_column *c = &b->t->columns[(*n)++];

	c->kind = kind;
	c->name = sdup(b, name);
	c->csv_name = sdup(b, csv_name);
	c->param = param ? sdup(b, param) : NULL;
	c->align = align;
	c->csv_only = csv_only;
}

/* "tokens/s" -> "tokens_per_s"; other non-alphanumerics -> '_'. */
void bt__unit_slug(const char *unit, char *out, size_t size)
{
	size_t o = 0;

	for (const char *p = str(unit); *p && o + 6 < size; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch == '/') {
			memcpy(out + o, "_per_", 5);
			o += 5;
		} else if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			   (ch >= '0' && ch <= '9')) {
			out[o++] = (char)ch;
		} else {
			out[o++] = '_';
		}
	}
	out[o] = '\0';
}

/* "status: message", message cut to its first line and
 * STATUS_MESSAGE_MAX bytes (not inside a UTF-8 sequence), control
 * characters as spaces. */
static const char *status_text(struct build *b, const struct bt_result *r)
{
	char msg[STATUS_MESSAGE_MAX + 4];
	const char *m = r->message;
	size_t n = 0;

	if (r->status == BT_STATUS_OK || !m || !*m)
		return sdup(b, bt_status_name(r->status));
	while (m[n] && m[n] != '\n' && m[n] != '\r')
		n++;
	if (n > STATUS_MESSAGE_MAX) {
		n = STATUS_MESSAGE_MAX;
		while (n > 0 && ((unsigned char)m[n] & 0xC0) == 0x80)
			n--;
	}
	int cut = m[n] != '\0'; /* shortened or a further line dropped */
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)m[i];
		msg[i] = (ch < 0x20 || ch == 0x7f) ? ' ' : (char)ch;
	}
	while (n > 0 && msg[n - 1] == ' ')
		n--;
	msg[n] = '\0';
	return sprint(b, "%s: %s%s", bt_status_name(r->status), msg,
		      cut ? "..." : "");
}

static void cell_text(struct build *b, struct bt_table_cell *c,
		      const char *text)
{
	c->text = sdup(b, text);
	c->raw = c->text;
}

static void cell_num(struct build *b, struct bt_table_cell *c, double v,
		     const char *text)
{
	if (!isfinite(v)) {
		c->text = "-";
		return;
	}
	c->text = sdup(b, text);
	c->value = v;
	c->has_value = 1;
}

static void fill_row(struct build *b, struct bt_table_row *row, size_t i)
{
	const struct bt_table *t = b->t;
	const struct bt_result *r = &b->run->results[i];
	const struct bt_metric *m = b->m[i];
	char buf[BT_FORMAT_MAX], pct[BT_FORMAT_MAX];

	row->result = i;
	for (size_t k = 0; k < t->n_columns; k++) {
		const struct bt_table_column *col = &t->columns[k];
		struct bt_table_cell *c = &row->cells[k];
		int have_m = m && m->stats.n > 0;
		const char *unit = m ? m->unit : NULL;
		double v;

		c->text = "-";
		switch (col->kind) {
		case BT_COL_BENCHMARK:
			cell_text(b, c, r->name);
			break;
		case BT_COL_VARIANT:
			cell_text(b, c, variant_of(r));
			break;
		case BT_COL_PARAM: {
			const char *pv = param_value(r, col->param);
			if (pv)
				cell_text(b, c, pv);
			break;
		}
		case BT_COL_MEDIAN:
			if (!have_m)
				break;
			v = m->stats.median;
			bt_format_quantity(v, unit, buf, sizeof buf);
			if (isfinite(m->stats.median_ci_low) &&
			    isfinite(m->stats.median_ci_high) && v > 0 &&
			    isfinite(v)) {
				double half = (m->stats.median_ci_high -
					       m->stats.median_ci_low) / 2 / v * 100;
				bt_format_percent(fabs(half), 0, pct, sizeof pct);
				cell_num(b, c, v, sprint(b, "%s +-%s", buf, pct));
			} else {
				cell_num(b, c, v, buf);
			}
			break;
		case BT_COL_MEDIAN_CI_LOW:
		case BT_COL_MEDIAN_CI_HIGH:
		case BT_COL_P95:
		case BT_COL_P99:
			if (!have_m)
				break;
			v = col->kind == BT_COL_MEDIAN_CI_LOW ? m->stats.median_ci_low
			    : col->kind == BT_COL_MEDIAN_CI_HIGH ? m->stats.median_ci_high
			    : col->kind == BT_COL_P95 ? m->stats.p95 : m->stats.p99;
			cell_num(b, c, v, bt_format_quantity(v, unit, buf, sizeof buf));
			break;
		case BT_COL_THROUGHPUT:
		case BT_COL_BYTES_THROUGHPUT: {
			const struct bt_throughput *tp = col->kind == BT_COL_THROUGHPUT
				? &r->throughput : &r->bytes_throughput;
			if (tp->unit && tp->value > 0)
				cell_num(b, c, tp->value,
					 bt_format_rate(tp->value, tp->unit, buf, sizeof buf));
			break;
		}
		case BT_COL_THROUGHPUT_UNIT:
			if (r->throughput.unit && r->throughput.value > 0)
				cell_text(b, c, r->throughput.unit);
			break;
		case BT_COL_METRIC: {
			const struct bt_metric *om = find_metric(r, col->param);
			if (om && om->stats.n > 0)
				cell_num(b, c, om->stats.median,
					 bt_format_quantity(om->stats.median,
							    om->unit, buf, sizeof buf));
			break;
		}
		case BT_COL_PEAK_MEMORY:
		case BT_COL_MEMORY:
			v = (double)(col->kind == BT_COL_MEMORY ? r->memory_bytes
				     : r->peak_memory_bytes);
			if (v >= 0)
				cell_num(b, c, v, bt_format_bytes(v, buf, sizeof buf));
			break;
		case BT_COL_MAX_REL_ERR:
			if (r->validation.checked)
				cell_num(b, c, r->validation.max_rel_err,
					 bt_format_relerr(r->validation.max_rel_err,
							  buf, sizeof buf));
			break;
		case BT_COL_SPEEDUP: {
			size_t j = b->base[i];
			double mine = ratio_median(b, i);
			double theirs = j == NONE ? NAN : ratio_median(b, j);
			if (isnan(mine) || isnan(theirs))
				break;
			v = j == i ? 1.0 :
			    m->direction == BT_HIGHER_IS_BETTER ? mine / theirs :
								  theirs / mine;
			cell_num(b, c, v, bt_format_ratio(v, buf, sizeof buf));
			if (j != i)
				c->style = v >= SPEEDUP_GOOD  ? BT_STYLE_GOOD :
					   v <= SPEEDUP_BAD ? BT_STYLE_BAD :
							      BT_STYLE_PLAIN;
			break;
		}
		case BT_COL_MEM_CHANGE: {
			size_t j = b->base[i];
			if (!b->ablation[i] || j == NONE ||
			    r->status != BT_STATUS_OK ||
			    b->run->results[j].status != BT_STATUS_OK ||
			    r->peak_memory_bytes < 0 ||
			    b->run->results[j].peak_memory_bytes <= 0)
				break;
			double base = (double)b->run->results[j].peak_memory_bytes;
			v = ((double)r->peak_memory_bytes - base) / base * 100;
			cell_num(b, c, v, bt_format_percent(v, 1, buf, sizeof buf));
			break;
		}
		case BT_COL_STATUS:
			c->text = status_text(b, r);
			c->raw = sdup(b, bt_status_name(r->status));
			c->style = r->status == BT_STATUS_OK      ? BT_STYLE_GOOD :
				   r->status == BT_STATUS_SKIPPED ? BT_STYLE_WARN :
								    BT_STYLE_BAD;
			break;
		case BT_COL_MESSAGE:
			if (r->message)
				cell_text(b, c, r->message);
			break;
		default: /* comparison columns are not in run tables */
			break;
		}
	}
}

static int build_columns(struct build *b)
{
	const struct bt_run *run = b->run;
	int any_variant = 0, any_tp = 0, any_peak = 0, any_mem = 0;
	int any_checked = 0, any_group = 0, any_ablation = 0, any_btp = 0;
	const char *unit = NULL;
	char slug[64], name[128], csv[128];
	size_t n = 0;

	for (size_t i = 0; i < run->n_results; i++) {
		const struct bt_result *r = &run->results[i];
		any_variant |= !streq(variant_of(r), "default");
		any_tp |= r->throughput.unit != NULL && r->throughput.value > 0;
		any_btp |= r->bytes_throughput.unit != NULL &&
			   r->bytes_throughput.value > 0;
		any_peak |= r->peak_memory_bytes >= 0;
		any_mem |= r->memory_bytes >= 0;
		any_checked |= r->validation.checked != 0;
		any_group |= r->group != NULL;
		any_ablation |= b->ablation[i];
		if (!unit && b->m[i] && b->m[i]->unit)
			unit = b->m[i]->unit;
	}
	if (!unit && strcmp(b->metric, "time") == 0)
		unit = "s";
	bt__unit_slug(unit, slug, sizeof slug);

	b->t->columns = aalloc(b, (22 + b->n_axes + b->n_metrics) *
				       sizeof *b->t->columns);
	if (!b->t->columns)
		return BT_ENOMEM;

	int is_time = strcmp(b->metric, "time") == 0;
#define METRIC_COL(kind, label, csvbase, align, csv_only)                     \
	do {                                                                 \
		if (is_time)                                                 \
			snprintf(name, sizeof name, "%s", label);            \
		else                                                         \
			snprintf(name, sizeof name, "%s %s", b->metric, label); \
		snprintf(csv, sizeof csv, "%s%s%s", csvbase, *slug ? "_" : "", \
			 slug);                                              \
		add_column(b, &n, kind, name, csv, NULL, align, csv_only);   \
	} while (0)

	add_column(b, &n, BT_COL_BENCHMARK, "benchmark", "benchmark", NULL,
		   BT_ALIGN_LEFT, 0);
	if (any_variant)
		add_column(b, &n, BT_COL_VARIANT, "variant", "variant", NULL,
			   BT_ALIGN_LEFT, 0);
	for (size_t a = 0; a < b->n_axes; a++)
		add_column(b, &n, BT_COL_PARAM, b->axes[a], b->axes[a],
			   b->axes[a], BT_ALIGN_RIGHT, 0);
	METRIC_COL(BT_COL_MEDIAN, "median", "median", BT_ALIGN_RIGHT, 0);
	METRIC_COL(BT_COL_MEDIAN_CI_LOW, "median ci low", "median_ci_low",
		   BT_ALIGN_RIGHT, 1);
	METRIC_COL(BT_COL_MEDIAN_CI_HIGH, "median ci high", "median_ci_high",
		   BT_ALIGN_RIGHT, 1);
	METRIC_COL(BT_COL_P95, "p95", "p95", BT_ALIGN_RIGHT, 0);
	METRIC_COL(BT_COL_P99, "p99", "p99", BT_ALIGN_RIGHT, 0);
#undef METRIC_COL
	if (any_tp) {
		add_column(b, &n, BT_COL_THROUGHPUT, "throughput",
			   "throughput_per_s", NULL, BT_ALIGN_RIGHT, 0);
		add_column(b, &n, BT_COL_THROUGHPUT_UNIT, "throughput unit",
			   "throughput_unit", NULL, BT_ALIGN_LEFT, 1);
	}
	if (any_btp)
		add_column(b, &n, BT_COL_BYTES_THROUGHPUT, "bandwidth",
			   "bytes_per_s", NULL, BT_ALIGN_RIGHT, 0);
	/* the other metrics (bt_metric), a median column each */
	for (size_t k = 0; k < b->n_metrics; k++) {
		bt__unit_slug(b->metric_units[k], slug, sizeof slug);
		snprintf(name, sizeof name, "%s median", b->metrics[k]);
		snprintf(csv, sizeof csv, "%s_median%s%s", b->metrics[k],
			 *slug ? "_" : "", slug);
		add_column(b, &n, BT_COL_METRIC, name, csv, b->metrics[k],
			   BT_ALIGN_RIGHT, 0);
	}
	if (any_peak)
		add_column(b, &n, BT_COL_PEAK_MEMORY, "peak mem",
			   "peak_memory_bytes", NULL, BT_ALIGN_RIGHT, 0);
	if (any_mem)
		add_column(b, &n, BT_COL_MEMORY, "mem", "memory_bytes", NULL,
			   BT_ALIGN_RIGHT, 0);
	if (any_checked)
		add_column(b, &n, BT_COL_MAX_REL_ERR, "max rel err",
			   "max_rel_err", NULL, BT_ALIGN_RIGHT, 0);
	if (any_group || any_ablation)
		add_column(b, &n, BT_COL_SPEEDUP, "speedup", "speedup", NULL,
			   BT_ALIGN_RIGHT, 0);
	if (any_ablation)
		add_column(b, &n, BT_COL_MEM_CHANGE, "mem change",
			   "mem_change_pct", NULL, BT_ALIGN_RIGHT, 0);
	add_column(b, &n, BT_COL_STATUS, "status", "status", NULL,
		   BT_ALIGN_LEFT, 0);
	add_column(b, &n, BT_COL_MESSAGE, "message", "message", NULL,
		   BT_ALIGN_LEFT, 1);
	b->t->n_columns = n;
	return b->oom ? BT_ENOMEM : 0;
}

/* The index of name among the n names; n when it is not one of them. */
static size_t name_index(const char *const *names, size_t n, const char *name)
{
	size_t a = 0;

	while (a < n && strcmp(names[a], name) != 0)
		a++;
	return a;
}

/* The parameter keys of the results (b->axes) and the metrics other than
 * b->metric with samples in some result (b->metrics, a unit of each in
 * b->metric_units), each in order of first appearance. */
static int collect_names(struct build *b)
{
	const struct bt_run *run = b->run;
	size_t n_params = 0, n_metrics = 0;

	for (size_t i = 0; i < run->n_results; i++) {
		n_params += run->results[i].n_params;
		n_metrics += run->results[i].n_metrics;
	}
	if (!n_params)
		n_params = 1;
	if (!n_metrics)
		n_metrics = 1;
	b->axes = calloc(n_params, sizeof *b->axes);
	b->metrics = calloc(n_metrics, sizeof *b->metrics);
	b->metric_units = calloc(n_metrics, sizeof *b->metric_units);
	if (!b->axes || !b->metrics || !b->metric_units)
		return BT_ENOMEM;
	for (size_t i = 0; i < run->n_results; i++) {
		const struct bt_result *r = &run->results[i];
		for (size_t p = 0; p < r->n_params; p++) {
			const char *key = str(r->params[p].key);
			if (name_index(b->axes, b->n_axes, key) == b->n_axes)
				b->axes[b->n_axes++] = key;
		}
		for (size_t k = 0; k < r->n_metrics; k++) {
			const struct bt_metric *m = &r->metrics[k];
			if (!m->name || streq(m->name, b->metric) || m->stats.n == 0 ||
			    name_index(b->metrics, b->n_metrics, m->name) < b->n_metrics)
				continue;
			b->metrics[b->n_metrics] = m->name;
			b->metric_units[b->n_metrics++] = m->unit;
		}
	}
	return 0;
}

static int build(struct build *b)
{
	const struct bt_run *run = b->run;
	size_t n = run->n_results, *reps = NULL, n_groups = 0, *order = NULL;
	int rc;

	b->m = calloc(n ? n : 1, sizeof *b->m);
	b->ablation = calloc(n ? n : 1, 1);
	b->gid = calloc(n ? n : 1, sizeof *b->gid);
	b->base = calloc(n ? n : 1, sizeof *b->base);
	reps = calloc(n ? n : 1, sizeof *reps);
	order = calloc(n ? n : 1, sizeof *order);
	if (!b->m || !b->ablation || !b->gid || !b->base || !reps || !order) {
		rc = BT_ENOMEM;
		goto out;
	}

	b->psig = malloc((n ? n : 1) * sizeof *b->psig);
	b->pdup = calloc(n ? n : 1, 1);
	if (!b->psig || !b->pdup) {
		rc = BT_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const struct bt_result *r = &run->results[i];
		uint64_t sig = 0;
		for (size_t p = 0; p < r->n_params; p++) {
			uint64_t hk = hstr(r->params[p].key);
			sig += hmix(hk ^ hmix(hstr(r->params[p].value) + 0x9e3779b97f4a7c15ull));
			for (size_t q = 0; q < p && !b->pdup[i]; q++)
				b->pdup[i] = streq(r->params[q].key, r->params[p].key);
		}
		b->psig[i] = sig;
	}
	for (size_t i = 0; i < n; i++) {
		const struct bt_result *r = &run->results[i];
		b->m[i] = find_metric(r, b->metric);
		if (streq(variant_of(r), "none")) {
			for (size_t j = 0; j < n; j++)
				if (streq(run->results[j].name, r->name))
					b->ablation[j] = 1;
		}
	}
	for (size_t i = 0; i < n; i++) {
		size_t g = 0;
		while (g < n_groups &&
		       (run->results[reps[g]].n_params != run->results[i].n_params ||
			(!b->pdup[i] && !b->pdup[reps[g]] &&
			 b->psig[i] != b->psig[reps[g]]) ||
			!same_display_group(&run->results[reps[g]], &run->results[i])))
			g++;
		if (g == n_groups)
			reps[n_groups++] = i;
		b->gid[i] = g;
	}
	rc = group_baselines(b);
	if (rc)
		goto out;
	find_baselines(b);
	rc = collect_names(b);
	if (rc)
		goto out;
	rc = build_columns(b);
	if (rc)
		goto out;

	/* rows: groups in order of first appearance, run order inside */
	size_t k = 0;
	for (size_t g = 0; g < n_groups; g++)
		for (size_t i = reps[g]; i < n; i++)
			if (b->gid[i] == g)
				order[k++] = i;

	struct bt_table *t = b->t;
	t->rows = aalloc(b, (n ? n : 1) * sizeof *t->rows);
	if (!t->rows) {
		rc = BT_ENOMEM;
		goto out;
	}
	t->n_rows = n;
	t->n_groups = n_groups;
	for (size_t r = 0; r < n; r++) {
		struct bt_table_row *row = &t->rows[r];
		row->cells = aalloc(b, (t->n_columns ? t->n_columns : 1) *
					       sizeof *row->cells);
		if (!row->cells) {
			rc = BT_ENOMEM;
			goto out;
		}
		row->group_start = r == 0 || b->gid[order[r]] != b->gid[order[r - 1]];
		fill_row(b, row, order[r]);
	}
	rc = b->oom ? BT_ENOMEM : 0;
out:
	free(b->m);
	free(b->ablation);
	free(b->gid);
	free(b->base);
	free(b->axes);
	free(b->metrics);
	free(b->metric_units);
	free(b->psig);
	free(b->pdup);
	free(b->grp);
	if (b->groups)
		free(b->groups[0].cand);
	free(b->groups);
	free(reps);
	free(order);
	return rc;
}

int bt_table_from_run(const struct bt_run *run,
		      const struct bt_table_opts *opts, struct bt_table *t,
		      struct bt_strbuf *err)
{
	struct build b;
	int rc;

	if (!t)
		return bt_error(err, BT_EINVAL, "table: no table given");
	memset(t, 0, sizeof *t);
	if (!run)
		return bt_error(err, BT_EINVAL, "table: no run given");
	if (run->n_results && !run->results)
		return bt_error(err, BT_EINVAL, "table: run has no results array");

	memset(&b, 0, sizeof b);
	b.run = run;
	b.t = t;
	b.metric = opts && opts->metric ? opts->metric : "time";
	b.baseline = opts ? opts->baseline : NULL;

	if (b.baseline) {
		size_t i = 0;
		while (i < run->n_results && !streq(run->results[i].name, b.baseline))
			i++;
		if (i == run->n_results)
			return bt_error(err, BT_ENOTFOUND,
					"baseline '%s': no benchmark of that name in the run",
					b.baseline);
	}
	if (opts && opts->metric) {
		size_t i = 0;
		while (i < run->n_results && !find_metric(&run->results[i], b.metric))
			i++;
		if (i == run->n_results)
			return bt_error(err, BT_ENOTFOUND,
					"metric '%s': not in any result of the run",
					b.metric);
	}

	t->arena = bt__arena_new();
	if (!t->arena)
		return bt_error(err, BT_ENOMEM, "table: out of memory");
	rc = build(&b);
	if (rc) {
		bt_table_release(t);
		return bt_error(err, rc, "table: %s", bt_strerror(rc));
	}
	return 0;
}

void bt_table_release(struct bt_table *t)
{
	if (!t)
		return;
	bt__arena_free(t->arena);
	memset(t, 0, sizeof *t);
}

int bt_table_find_column(const struct bt_table *t, const char *csv_name)
{
	if (!t || !csv_name)
		return -1;
	for (size_t k = 0; k < t->n_columns; k++)
		if (strcmp(t->columns[k].csv_name, csv_name) == 0)
			return (int)k;
	return -1;
}
