/* Comparison tables, JSON and the Markdown summary of check (contracts in
 * include/benchtrack/report.h, "Comparisons"). */
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchtrack.h"
#include "benchtrack/analysis.h"
#include "benchtrack/report.h"
#include "internal.h"

struct cbuild {
	struct bt_table *t;
	int oom;
	const char **axes;
	size_t n_axes;
};

#define cdup(b, s) bt__table_strdup((b)->t, &(b)->oom, (s))
#define cprint(b, ...) bt__table_printf((b)->t, &(b)->oom, __VA_ARGS__)

static void col(struct cbuild *b, size_t *n, enum bt_column_kind kind,
		const char *name, const char *csv, const char *param,
		enum bt_align align, int csv_only)
{
	struct bt_table_column *c = &b->t->columns[(*n)++];
	c->kind = kind;
	c->name = cdup(b, name);
	c->csv_name = cdup(b, csv);
	c->param = param;
	c->align = align;
	c->csv_only = csv_only;
}

/* "<0.0001", "0.0123", "0.45" */
static void format_p(double p, char *buf, size_t size)
{
	if (!isfinite(p))
		snprintf(buf, size, "-");
	else if (p < 1e-4)
		snprintf(buf, size, "<0.0001");
	else if (p < 0.01)
		snprintf(buf, size, "%.4f", p);
	else
		snprintf(buf, size, "%.2f", p);
}

static const char *verdict_text(struct cbuild *b, const struct bt_cmp_row *r)
{
	const char *v = bt_verdict_name(r->s.verdict);
	if (r->acknowledged)
		return cprint(b, "%s (acknowledged)", v);
	if (r->s.verdict == BT_VERDICT_MISSING && r->status_b)
		return cprint(b, "missing (%s)", r->status_b);
	return v;
}

/* Why a row is noisy, in a few words (the table's "why" column); the
 * footnotes after the table (bt_comparison_noisy_notes) say more. */
static const char *noisy_short(enum bt_noisy_cause c)
{
	switch (c) {
	case BT_NOISY_FEW:
		return "few samples";
	case BT_NOISY_SAMPLE_TEST:
		return "sample test";
	case BT_NOISY_CI:
		return "CI vs threshold";
	case BT_NOISY_PROCESSES:
		return "between processes";
	case BT_NOISY_COUNTS:
		return "count spread";
	default:
		return "";
	}
}

static enum bt_cell_style verdict_style(const struct bt_cmp_row *r)
{
	if (r->acknowledged)
		return BT_STYLE_PLAIN;
	switch (r->s.verdict) {
	case BT_VERDICT_REGRESSED:
	case BT_VERDICT_MISSING:
		return BT_STYLE_BAD;
	case BT_VERDICT_IMPROVED:
		return BT_STYLE_GOOD;
	case BT_VERDICT_NOISY:
		return BT_STYLE_WARN;
	default:
		return BT_STYLE_PLAIN;
	}
}

static void set_num(struct cbuild *b, struct bt_table_cell *c, double v,
		    const char *text)
{
	c->text = cdup(b, isfinite(v) ? text : "-");
	c->has_value = isfinite(v);
	c->value = v;
}

static void set_text(struct cbuild *b, struct bt_table_cell *c, const char *s)
{
	c->text = cdup(b, s && *s ? s : "-");
	c->raw = s ? cdup(b, s) : NULL;
}

static const char *param_of(const struct bt_cmp_row *r, const char *key)
{
	for (size_t i = 0; i < r->n_params; i++)
		if (strcmp(r->param_kv[i].key, key) == 0)
			return r->param_kv[i].value;
	return NULL;
}

int bt_table_from_comparison(const struct bt_run_cmp *c, double alpha,
			     struct bt_table *t, struct bt_strbuf *err)
{
	struct cbuild b = { t, 0, NULL, 0 };
	int any_variant = 0, any_noisy = 0;
	const char *unit = NULL;
	char slug[64], buf[BT_FORMAT_MAX], buf2[BT_FORMAT_MAX];
	size_t nc = 0, max_axes = 0;

	memset(t, 0, sizeof *t);
	if (!c)
		return bt_error(err, BT_EINVAL, "no comparison");
	t->arena = bt__arena_new();
	if (!t->arena)
		return bt_error(err, BT_ENOMEM, "%s", bt_strerror(BT_ENOMEM));
	for (size_t i = 0; i < c->n; i++) {
		max_axes += c->rows[i].n_params;
		if (strcmp(c->rows[i].variant, "default") != 0)
			any_variant = 1;
		if (!unit && c->rows[i].unit)
			unit = c->rows[i].unit;
		any_noisy |= c->rows[i].s.verdict == BT_VERDICT_NOISY;
	}
	/* parameter axes in order of first appearance */
	b.axes = bt__arena_alloc(t->arena, (max_axes ? max_axes : 1) * sizeof *b.axes);
	if (!b.axes)
		b.oom = 1;
	for (size_t i = 0; b.axes && i < c->n; i++)
		for (size_t k = 0; k < c->rows[i].n_params; k++) {
			const char *key = c->rows[i].param_kv[k].key;
			size_t j;
			for (j = 0; j < b.n_axes; j++)
				if (strcmp(b.axes[j], key) == 0)
					break;
			if (j == b.n_axes)
				b.axes[b.n_axes++] = key;
		}
	bt__unit_slug(unit ? unit : "s", slug, sizeof slug);
	t->columns = bt__arena_alloc(t->arena, (14 + b.n_axes) * sizeof *t->columns);
	if (!t->columns || b.oom)
		goto oom;
	col(&b, &nc, BT_COL_BENCHMARK, "benchmark", "benchmark", NULL, BT_ALIGN_LEFT, 0);
	if (any_variant)
		col(&b, &nc, BT_COL_VARIANT, "variant", "variant", NULL, BT_ALIGN_LEFT, 0);
	for (size_t k = 0; k < b.n_axes; k++)
		col(&b, &nc, BT_COL_PARAM, b.axes[k], b.axes[k], b.axes[k],
		    BT_ALIGN_RIGHT, 0);
	col(&b, &nc, BT_COL_MEDIAN_A, "A", cprint(&b, "median_a_%s", slug), NULL,
	    BT_ALIGN_RIGHT, 0);
	col(&b, &nc, BT_COL_MEDIAN_B, "B", cprint(&b, "median_b_%s", slug), NULL,
	    BT_ALIGN_RIGHT, 0);
	col(&b, &nc, BT_COL_RATIO, "B/A", "ratio", NULL, BT_ALIGN_RIGHT, 0);
	col(&b, &nc, BT_COL_CI, cprint(&b, "%g%% CI", 100 * (1 - alpha)), "ci",
	    NULL, BT_ALIGN_RIGHT, 0);
	t->columns[nc - 1].csv_only = -1; /* CSV has ci_low, ci_high */
	col(&b, &nc, BT_COL_CI_LOW, "ci_low", "ci_low", NULL, BT_ALIGN_RIGHT, 1);
	col(&b, &nc, BT_COL_CI_HIGH, "ci_high", "ci_high", NULL, BT_ALIGN_RIGHT, 1);
	col(&b, &nc, BT_COL_P_VALUE, "p", "p_value", NULL, BT_ALIGN_RIGHT, 0);
	col(&b, &nc, BT_COL_P_ADJUSTED, "p_adjusted", "p_adjusted", NULL,
	    BT_ALIGN_RIGHT, 1);
	col(&b, &nc, BT_COL_VERDICT, "verdict", "verdict", NULL, BT_ALIGN_LEFT, 0);
	if (any_noisy)
		col(&b, &nc, BT_COL_NOISY_REASON, "why", "noisy_reason", NULL,
		    BT_ALIGN_LEFT, 0);
	/* the key that benchtrack ack takes (a unique prefix will do) */
	col(&b, &nc, BT_COL_SERIES_KEY, "series", "series_key", NULL, BT_ALIGN_LEFT, 0);
	t->n_columns = nc;

	t->rows = bt__arena_alloc(t->arena, (c->n ? c->n : 1) * sizeof *t->rows);
	if (!t->rows || b.oom)
		goto oom;
	for (size_t i = 0; i < c->n; i++) {
		const struct bt_cmp_row *r = &c->rows[i];
		struct bt_table_row *row = &t->rows[i];
		struct bt_table_cell *cell;
		size_t k = 0;

		row->cells = cell = bt__arena_alloc(t->arena, nc * sizeof *cell);
		row->result = i;
		row->group_start = i == 0;
		if (!cell)
			goto oom;
		/* a row compared on another metric than the table's (its
		 * primary one: it has no "time") names it */
		if (r->metric && c->metric && strcmp(r->metric, c->metric) != 0)
			set_text(&b, &cell[k++], cprint(&b, "%s (%s)", r->name, r->metric));
		else
			set_text(&b, &cell[k++], r->name);
		if (any_variant)
			set_text(&b, &cell[k++], r->variant);
		for (size_t j = 0; j < b.n_axes; j++)
			set_text(&b, &cell[k++], param_of(r, b.axes[j]));
		set_num(&b, &cell[k++], r->s.median_a,
			bt_format_quantity(r->s.median_a, r->unit ? r->unit : "s",
					   buf, sizeof buf));
		set_num(&b, &cell[k++], r->s.median_b,
			bt_format_quantity(r->s.median_b, r->unit ? r->unit : "s",
					   buf, sizeof buf));
		set_num(&b, &cell[k++], r->s.ratio,
			bt_format_ratio(r->s.ratio, buf, sizeof buf));
		snprintf(buf, sizeof buf, "[%.3f, %.3f]", r->s.ci_low, r->s.ci_high);
		cell[k].text = cdup(&b, isfinite(r->s.ci_low) ? buf : "-");
		k++;
		set_num(&b, &cell[k++], r->s.ci_low, "");
		set_num(&b, &cell[k++], r->s.ci_high, "");
		format_p(r->s.p_adjusted, buf2, sizeof buf2);
		set_num(&b, &cell[k], r->s.p_value, buf2);
		k++;
		set_num(&b, &cell[k++], r->s.p_adjusted, "");
		set_text(&b, &cell[k], verdict_text(&b, r));
		cell[k++].style = verdict_style(r);
		if (any_noisy) {
			set_text(&b, &cell[k], noisy_short(r->s.cause));
			cell[k].raw = r->s.cause ? bt_noisy_cause_name(r->s.cause) : NULL;
			k++;
		}
		set_text(&b, &cell[k], r->series_key);
		if (r->series_key)
			cell[k].text = cprint(&b, "%.8s", r->series_key);
		k++;
	}
	t->n_rows = c->n;
	t->n_groups = c->n ? 1 : 0;
	if (b.oom)
		goto oom;
	return 0;
oom:
	bt_table_release(t);
	return bt_error(err, BT_ENOMEM, "%s", bt_strerror(BT_ENOMEM));
}

/* --- notes under the table -------------------------------------------------- */

int bt_comparison_notes(const struct bt_run_cmp *c, int markdown,
			struct bt_strbuf *out)
{
	size_t both = 0, cause[BT_NOISY_COUNTS + 1] = { 0 }, summarised = 0;
	size_t min_pa = 0, min_pb = 0, counts = 0;
	const char *why[BT_NOISY_COUNTS + 1] = { NULL }, *decide[BT_NOISY_COUNTS + 1] = { NULL };
	const char *b = markdown ? "- " : "";
	int e = 0;

	for (size_t i = 0; i < c->n; i++) {
		const struct bt_sample_cmp *s = &c->rows[i].s;
		if (s->process_test) {
			if (!both++ || s->procs_a < min_pa)
				min_pa = s->procs_a;
			if (both == 1 || s->procs_b < min_pb)
				min_pb = s->procs_b;
		}
		if (s->verdict == BT_VERDICT_NOISY && s->cause) {
			cause[s->cause]++;
			why[s->cause] = s->reason;
			decide[s->cause] = s->decide;
		}
		summarised += c->rows[i].values_a || c->rows[i].values_b;
		counts += s->deterministic;
	}
	if (both && both < c->n_compared)
		e |= bt_strbuf_addf(out, "%sbetween-process test: %zu series (at least "
					 "%zu processes in A, %zu in B) also had to pass "
					 "Welch's t-test on their per-process medians; "
					 "the other %zu were judged on their samples alone\n",
				    b, both, min_pa, min_pb, c->n_compared - both);
	else if (both)
		e |= bt_strbuf_addf(out, "%sbetween-process test: every series (at least "
					 "%zu processes in A, %zu in B) also had to pass "
					 "Welch's t-test on its per-process medians\n",
				    b, min_pa, min_pb);
	else if (c->n_compared > counts)
		e |= bt_strbuf_addf(out, "%ssample test only: no series has 3 or more "
					 "processes on both sides (run --repetitions, ab) "
					 "for the between-process test\n", b);
	if (counts)
		e |= bt_strbuf_addf(out, "%s%zu series of a deterministic metric "
					 "(counts): judged by the threshold on the ratio "
					 "of medians, without p-values\n",
				    b, counts);
	for (int k = BT_NOISY_FEW; k <= BT_NOISY_COUNTS; k++)
		if (cause[k])
			e |= bt_strbuf_addf(out, "%snoisy (%s): %zu series: %s; would be "
						 "decided by %s\n",
					    b, noisy_short((enum bt_noisy_cause)k), cause[k],
					    why[k], decide[k] ? decide[k] : "more data");
	if (summarised)
		e |= bt_strbuf_addf(out, "%s%zu series of a metric recorded once per "
					 "iteration: summarised per sample (the mean of "
					 "each sample's values) before the tests\n",
				    b, summarised);
	return e ? BT_ENOMEM : 0;
}

/* --- which runs ------------------------------------------------------------ */

/* s with control characters as '?' (a run file is untrusted input). */
static int plain_text(struct bt_strbuf *out, const char *s)
{
	int e = 0;
	for (; *s; s++)
		e |= bt_strbuf_addc(out, (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
	return e;
}

static int run_line(struct bt_strbuf *out, const char *label, const struct bt_run *r)
{
	int e = bt_strbuf_addf(out, "%s  run ", label);
	e |= plain_text(out, r && r->run_id ? r->run_id : "?");
	if (r && r->git.commit) {
		char c[13];
		e |= bt_strbuf_adds(out, "  commit ");
		snprintf(c, sizeof c, "%.12s", r->git.commit);
		e |= plain_text(out, c);
	} else {
		e |= bt_strbuf_adds(out, "  unknown commit");
	}
	if (r && r->git.dirty == 1)
		e |= bt_strbuf_adds(out, " (dirty tree)");
	e |= bt_strbuf_adds(out, "  ");
	e |= plain_text(out, r && r->timestamp ? r->timestamp : "unknown date");
	e |= bt_strbuf_addc(out, '\n');
	return e;
}

int bt_comparison_runs_text(const struct bt_run *a, const struct bt_run *b,
			    struct bt_strbuf *out, struct bt_strbuf *err)
{
	int e = run_line(out, "A", a);
	e |= run_line(out, "B", b);
	e |= bt_strbuf_addc(out, '\n');
	return e ? bt_error(err, BT_ENOMEM, "%s", bt_strerror(BT_ENOMEM)) : 0;
}

/* --- JSON ------------------------------------------------------------------ */

static json_t *num_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *run_ref(const struct bt_run *r)
{
	if (!r)
		return json_null();
	return json_pack("{s:s?, s:s?, s:o, s:s?, s:s?, s:s?}", "run_id", r->run_id,
			 "commit", r->git.commit, "dirty",
			 r->git.dirty < 0 ? json_null() : json_boolean(r->git.dirty),
			 "machine", r->machine.name, "fingerprint",
			 r->machine.fingerprint, "timestamp", r->timestamp);
}

static const char *correction_name(enum bt_correction c)
{
	return c == BT_CORRECT_HOLM ? "holm" : c == BT_CORRECT_BH ? "bh" : "none";
}

int bt_comparison_to_json(const struct bt_run_cmp *c, const struct bt_run *a,
			  const struct bt_run *b,
			  const struct bt_run_cmp_opts *o, struct bt_strbuf *out,
			  struct bt_strbuf *err)
{
	json_t *root, *rows, *counts;
	char *text;
	int rc = 0;

	root = json_object();
	rows = json_array();
	counts = json_object();
	if (!root || !rows || !counts)
		goto oom;
	for (int v = 0; v <= BT_VERDICT_MISSING; v++)
		if (json_object_set_new(counts, bt_verdict_name((enum bt_verdict)v),
					json_integer((json_int_t)c->counts[v])))
			goto oom;
	for (size_t i = 0; i < c->n; i++) {
		const struct bt_cmp_row *r = &c->rows[i];
		json_t *params = json_object(), *row;
		if (!params)
			goto oom;
		for (size_t k = 0; k < r->n_params; k++)
			if (json_object_set_new(params, r->param_kv[k].key,
						json_string(r->param_kv[k].value))) {
				json_decref(params);
				goto oom;
			}
		row = json_pack("{s:s, s:s, s:o, s:s, s:s, s:s?, s:o, s:o, s:o, s:o,"
				" s:o, s:o, s:o, s:s, s:b, s:I, s:I, s:s?}",
				"series_key", r->series_key, "name", r->name,
				"params", params, "variant", r->variant, "metric",
				r->metric, "unit", r->unit, "median_a",
				num_or_null(r->s.median_a), "median_b",
				num_or_null(r->s.median_b), "ratio",
				num_or_null(r->s.ratio), "ci_low",
				num_or_null(r->s.ci_low), "ci_high",
				num_or_null(r->s.ci_high), "p_value",
				num_or_null(r->s.p_value), "p_adjusted",
				num_or_null(r->s.p_adjusted), "verdict",
				bt_verdict_name(r->s.verdict), "acknowledged",
				r->acknowledged, "n_a", (json_int_t)r->s.n_a, "n_b",
				(json_int_t)r->s.n_b, "status_b", r->status_b);
		if (!row || json_array_append_new(rows, row))
			goto oom;
		if (json_object_set_new(row, "reason",
					r->s.reason ? json_string(r->s.reason) : json_null()) ||
		    json_object_set_new(row, "noisy_reason",
					r->s.cause ? json_string(bt_noisy_cause_name(r->s.cause))
						   : json_null()) ||
		    json_object_set_new(row, "decide",
					r->s.decide ? json_string(r->s.decide) : json_null()) ||
		    json_object_set_new(row, "test",
					json_string(r->s.deterministic  ? "counts"
						    : r->s.process_test ? "samples+processes"
									: "samples")) ||
		    json_object_set_new(row, "processes_a",
					json_integer((json_int_t)r->s.procs_a)) ||
		    json_object_set_new(row, "processes_b",
					json_integer((json_int_t)r->s.procs_b)) ||
		    json_object_set_new(row, "p_processes", num_or_null(r->s.p_process)) ||
		    json_object_set_new(row, "values_a",
					r->values_a ? json_integer((json_int_t)r->values_a)
						    : json_null()) ||
		    json_object_set_new(row, "values_b",
					r->values_b ? json_integer((json_int_t)r->values_b)
						    : json_null()))
			goto oom;
	}
	/* every set runs: each takes its value, also when it fails, so
	 * that counts and rows are root's whatever happens */
	int bad = json_object_set_new(root, "metric", json_string(c->metric));
	bad |= json_object_set_new(root, "a", run_ref(a));
	bad |= json_object_set_new(root, "b", run_ref(b));
	bad |= json_object_set_new(root, "alpha", json_real(o->verdict.alpha));
	bad |= json_object_set_new(root, "delta", json_real(o->verdict.delta));
	bad |= json_object_set_new(root, "correction",
				   json_string(correction_name(o->correction)));
	bad |= json_object_set_new(root, "geomean", num_or_null(c->geomean));
	bad |= json_object_set_new(root, "counts", counts);
	bad |= json_object_set_new(root, "rows", rows);
	if (bad)
		goto oom_owned;
	text = bt__json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
					JSON_REAL_PRECISION(17));
	json_decref(root);
	if (!text)
		return bt_error(err, BT_ENOMEM, "%s", bt_strerror(BT_ENOMEM));
	rc = bt_strbuf_adds(out, text);
	if (!rc)
		rc = bt_strbuf_addc(out, '\n');
	free(text);
	return rc;
oom:
	json_decref(rows);
	json_decref(counts);
oom_owned:
	json_decref(root);
	return bt_error(err, BT_ENOMEM, "%s", bt_strerror(BT_ENOMEM));
}

/* --- Markdown summary -------------------------------------------------------- */

static const char *short_commit(const struct bt_run *r, char buf[13])
{
	if (!r || !r->git.commit)
		return "unknown commit";
	snprintf(buf, 13, "%.12s", r->git.commit);
	return buf;
}

/* Inline text for Markdown: the one escaper (bt__md_escape). */
static int md_text(struct bt_strbuf *out, const char *s)
{
	return bt__md_escape(out, s) ? 1 : 0;
}

/* After a run's id and commit: " on BRANCH", ", TIMESTAMP" and ", from a
 * dirty working tree" where the run says so. */
static int md_run_more(struct bt_strbuf *out, const struct bt_run *r)
{
	int e = 0;
	if (r && r->git.branch) {
		e |= bt_strbuf_adds(out, " on ");
		e |= md_text(out, r->git.branch);
	}
	if (r && r->timestamp) {
		e |= bt_strbuf_adds(out, ", ");
		e |= md_text(out, r->timestamp);
	}
	if (r && r->git.dirty == 1)
		e |= bt_strbuf_adds(out, ", from a dirty working tree");
	return e;
}

static int md_case(struct bt_strbuf *out, const struct bt_cmp_row *r)
{
	int e = md_text(out, r->name);
	if (strcmp(r->variant, "default") != 0) {
		e |= bt_strbuf_adds(out, " [");
		e |= md_text(out, r->variant);
		e |= bt_strbuf_adds(out, "]");
	}
	if (*r->params) {
		e |= bt_strbuf_adds(out, " (");
		e |= md_text(out, r->params);
		e |= bt_strbuf_adds(out, ")");
	}
	return e;
}

static int md_list(struct bt_strbuf *out, const struct bt_run_cmp *c,
		   enum bt_verdict v, int acknowledged, const char *title)
{
	char ma[BT_FORMAT_MAX], mb[BT_FORMAT_MAX], p[BT_FORMAT_MAX];
	int e = 0, any = 0;

	for (size_t i = 0; i < c->n; i++) {
		const struct bt_cmp_row *r = &c->rows[i];
		if (r->s.verdict != v || r->acknowledged != acknowledged)
			continue;
		if (!any++)
			e |= bt_strbuf_addf(out, "\n### %s\n\n", title);
		e |= bt_strbuf_adds(out, "- **");
		e |= md_case(out, r);
		if (v == BT_VERDICT_MISSING || v == BT_VERDICT_NEW) {
			/* one side only: its median, and B's status */
			e |= bt_strbuf_addf(
				out, "**: %s -> %s\n",
				bt_format_quantity(r->s.median_a, r->unit ? r->unit : "s",
						   ma, sizeof ma),
				r->status_b ? r->status_b
					    : bt_format_quantity(r->s.median_b,
								 r->unit ? r->unit : "s",
								 mb, sizeof mb));
			continue;
		}
		format_p(r->s.p_adjusted, p, sizeof p);
		e |= bt_strbuf_addf(
			out, "**: %s -> %s, %.3fx (%.3f to %.3f), p %s%s, series `%.8s`\n",
			bt_format_quantity(r->s.median_a, r->unit ? r->unit : "s",
					   ma, sizeof ma),
			bt_format_quantity(r->s.median_b, r->unit ? r->unit : "s",
					   mb, sizeof mb),
			r->s.ratio, r->s.ci_low, r->s.ci_high, p[0] == '<' ? "< " : "= ",
			p[0] == '<' ? p + 1 : p, r->series_key ? r->series_key : "-");
	}
	return e;
}

int bt_comparison_summary_md(const struct bt_run_cmp *c,
			     const struct bt_run *a, const struct bt_run *b,
			     const struct bt_run_cmp_opts *o,
			     struct bt_strbuf *out, struct bt_strbuf *err)
{
	size_t reg = 0, acked = 0;
	char ca[13], cb[13];
	struct bt_table t;
	int e = 0, rc;

	for (size_t i = 0; i < c->n; i++) {
		if (c->rows[i].s.verdict == BT_VERDICT_REGRESSED) {
			if (c->rows[i].acknowledged)
				acked++;
			else
				reg++;
		}
	}
	/* a gate that could not judge some series says so in its headline,
	 * not only in the counts below it */
	if (reg)
		e |= bt_strbuf_addf(out, "## Benchmarks: %zu regression%s", reg,
				    reg == 1 ? "" : "s");
	else
		e |= bt_strbuf_adds(out, "## Benchmarks: no regressions");
	if (c->counts[BT_VERDICT_NOISY])
		e |= bt_strbuf_addf(out, ", %zu noisy (not judged)",
				    c->counts[BT_VERDICT_NOISY]);
	e |= bt_strbuf_adds(out, "\n\n");
	e |= bt_strbuf_addf(out,
			    "%zu compared: %zu regressed, %zu improved, %zu unchanged,"
			    " %zu noisy, %zu new, %zu missing",
			    c->n, c->counts[BT_VERDICT_REGRESSED],
			    c->counts[BT_VERDICT_IMPROVED],
			    c->counts[BT_VERDICT_UNCHANGED],
			    c->counts[BT_VERDICT_NOISY], c->counts[BT_VERDICT_NEW],
			    c->counts[BT_VERDICT_MISSING]);
	if (acked)
		e |= bt_strbuf_addf(out, " (%zu regression%s acknowledged)", acked,
				    acked == 1 ? "" : "s");
	if (isfinite(c->geomean))
		e |= bt_strbuf_addf(out, "; geometric mean B/A %.3fx", c->geomean);
	e |= bt_strbuf_adds(out, ".\n\n");
	e |= bt_strbuf_addf(out, "- baseline (A): `%s` at `%s`",
			    a && a->run_id ? a->run_id : "?", short_commit(a, ca));
	e |= md_run_more(out, a);
	e |= bt_strbuf_addf(out, "\n- candidate (B): `%s` at `%s`",
			    b && b->run_id ? b->run_id : "?", short_commit(b, cb));
	e |= md_run_more(out, b);
	e |= bt_strbuf_adds(out, "\n- machine: ");
	e |= md_text(out, b && b->machine.name ? b->machine.name : "unknown");
	e |= bt_strbuf_addf(out,
			    "\n- rule: %s regressed when p < %g (Mann-Whitney, %s"
			    " across %zu series) and the %g%% CI of the slowdown"
			    " is above +%g%%\n",
			    c->metric, o->verdict.alpha,
			    o->correction == BT_CORRECT_HOLM ? "Holm"
			    : o->correction == BT_CORRECT_BH ? "Benjamini-Hochberg"
							     : "no correction",
			    c->n_family, 100 * (1 - o->verdict.alpha),
			    100 * o->verdict.delta);
	e |= bt_comparison_notes(c, 1, out) ? 1 : 0;
	e |= md_list(out, c, BT_VERDICT_REGRESSED, 0, "Regressions");
	e |= md_list(out, c, BT_VERDICT_REGRESSED, 1, "Acknowledged");
	e |= md_list(out, c, BT_VERDICT_IMPROVED, 0, "Improvements");
	e |= md_list(out, c, BT_VERDICT_MISSING, 0, "Missing or failed in B");
	e |= md_list(out, c, BT_VERDICT_NEW, 0, "New in B");
	if (e)
		return bt_error(err, BT_ENOMEM, "%s", bt_strerror(BT_ENOMEM));
	rc = bt_table_from_comparison(c, o->verdict.alpha, &t, err);
	if (rc)
		return rc;
	e |= bt_strbuf_adds(out, "\n<details><summary>All series</summary>\n\n");
	rc = bt_table_render_markdown(&t, out);
	e |= bt_strbuf_adds(out, "\n</details>\n");
	bt_table_release(&t);
	if (rc || e)
		return bt_error(err, BT_ENOMEM, "%s", bt_strerror(BT_ENOMEM));
	return 0;
}
