/* Run reports: Markdown (with links to the SVG charts), JSON and CSV, and
 * the writer of a report folder. Contracts in include/benchtrack/report.h
 * ("Run reports"). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "benchtrack/error.h"
#include "benchtrack/report.h"
#include "internal.h"

static int streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static const char *gkey(const struct bt_result *r)
{
	return r->group ? r->group : r->name ? r->name : "";
}

static const char *variant_of(const struct bt_result *r)
{
	return r->variant ? r->variant : "default";
}

static int failed(const struct bt_result *r)
{
	return r->status != BT_STATUS_OK && r->status != BT_STATUS_SKIPPED;
}

/* "NAME/KEY=VALUE/...:VARIANT" */
static int case_id(struct bt_strbuf *o, const struct bt_result *r)
{
	bt_strbuf_adds(o, r->name ? r->name : "");
	for (size_t i = 0; i < r->n_params; i++)
		bt_strbuf_addf(o, "/%s=%s", r->params[i].key ? r->params[i].key : "",
			       r->params[i].value ? r->params[i].value : "");
	if (!streq(variant_of(r), "default"))
		bt_strbuf_addf(o, ":%s", variant_of(r));
	return o->failed ? BT_ENOMEM : 0;
}

/* Markdown text: the one escaper (bt__md_escape). Like the other
 * appends of the prose, an out-of-memory failure is not reported here. */
static void md(struct bt_strbuf *o, const char *s)
{
	bt__md_escape(o, s);
}

/* A code span: delimited by one backtick more than the longest run inside. */
static void code(struct bt_strbuf *o, const char *s)
{
	size_t run = 0, max = 0;
	s = s ? s : "";
	for (const char *p = s; *p; p++) {
		run = *p == '`' ? run + 1 : 0;
		max = run > max ? run : max;
	}
	size_t n = strlen(s);
	int pad = n && (s[0] == '`' || s[n - 1] == '`' || s[0] == ' ');
	for (size_t i = 0; i <= max; i++)
		bt_strbuf_addc(o, '`');
	if (pad)
		bt_strbuf_addc(o, ' ');
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		bt_strbuf_addc(o, c < 0x20 || c == 0x7f ? ' ' : (char)c);
	}
	if (pad)
		bt_strbuf_addc(o, ' ');
	for (size_t i = 0; i <= max; i++)
		bt_strbuf_addc(o, '`');
}

/* --- per group tables --------------------------------------------------- */

struct groups {
	const char **names; /* in order of first appearance */
	size_t n;
};

static int groups_of(const struct bt_run *run, struct groups *g)
{
	g->n = 0;
	g->names = malloc((run->n_results ? run->n_results : 1) * sizeof *g->names);
	if (!g->names)
		return BT_ENOMEM;
	for (size_t i = 0; i < run->n_results; i++) {
		const char *k = gkey(&run->results[i]);
		size_t j;
		for (j = 0; j < g->n; j++)
			if (streq(g->names[j], k))
				break;
		if (j == g->n)
			g->names[g->n++] = k;
	}
	return 0;
}

/* The table of the results of one group: a shallow copy of the run that
 * holds only them. *skipped = 1 (and 0 returned) when no result of the
 * group has the metric asked for. */
static int group_table(const struct bt_run *run, const char *group,
		       const struct bt_table_opts *opts, struct bt_table *t,
		       int *skipped, struct bt_strbuf *err)
{
	struct bt_run sub = *run;
	struct bt_table_opts o = { NULL, opts ? opts->metric : NULL };
	*skipped = 0;
	memset(t, 0, sizeof *t);
	sub.results = malloc((run->n_results ? run->n_results : 1) * sizeof *sub.results);
	if (!sub.results)
		return bt_error(err, BT_ENOMEM, "report: out of memory");
	sub.n_results = 0;
	int has_metric = 0;
	for (size_t i = 0; i < run->n_results; i++) {
		const struct bt_result *r = &run->results[i];
		if (!streq(gkey(r), group))
			continue;
		sub.results[sub.n_results++] = *r;
		if (opts && opts->baseline && streq(r->name, opts->baseline))
			o.baseline = opts->baseline;
		if (o.metric && bt_result_metric(r, o.metric))
			has_metric = 1;
	}
	sub.results_alloc = sub.n_results;
	int rc = 0;
	if (o.metric && !has_metric)
		*skipped = 1;
	else
		rc = bt_table_from_run(&sub, &o, t, err);
	free(sub.results);
	return rc;
}

/* The whole-run checks of bt_table_from_run (baseline, metric names). */
static int check_opts(const struct bt_run *run, const struct bt_table_opts *opts,
		      struct bt_strbuf *err)
{
	struct bt_table t;
	int rc = bt_table_from_run(run, opts, &t, err);
	bt_table_release(&t);
	return rc;
}

/* --- Markdown ------------------------------------------------------------ */

static void summary(const struct bt_run *run, struct bt_strbuf *o)
{
	char a[BT_FORMAT_MAX];
	size_t ok = 0, bad = 0, skipped = 0;
	for (size_t i = 0; i < run->n_results; i++) {
		const struct bt_result *r = &run->results[i];
		if (r->status == BT_STATUS_OK)
			ok++;
		else if (r->status == BT_STATUS_SKIPPED)
			skipped++;
		else
			bad++;
	}
	bt_strbuf_adds(o, "# Benchmark report: ");
	md(o, run->suite ? run->suite : "(unnamed suite)");
	bt_strbuf_adds(o, "\n\n- **Suite:** ");
	md(o, run->suite ? run->suite : "-");
	bt_strbuf_adds(o, "\n- **Type:** ");
	md(o, run->benchmark_type ? run->benchmark_type : "-");
	bt_strbuf_adds(o, "\n- **Run:** ");
	code(o, run->run_id ? run->run_id : "-");
	bt_strbuf_adds(o, "\n- **When:** ");
	md(o, run->timestamp ? run->timestamp : "-");
	if (run->duration_s > 0)
		bt_strbuf_addf(o, " (took %s)", bt_format_duration(run->duration_s, a, sizeof a));
	const struct bt_machine *m = &run->machine;
	bt_strbuf_adds(o, "\n- **Machine:** ");
	md(o, m->name ? m->name : "-");
	if (m->fingerprint) {
		bt_strbuf_adds(o, " (fingerprint ");
		code(o, m->fingerprint);
		bt_strbuf_adds(o, ")");
	}
	if (m->cpu_model || m->cpu_cores > 0) {
		bt_strbuf_adds(o, "\n- **CPU:** ");
		md(o, m->cpu_model ? m->cpu_model : "unknown");
		if (m->cpu_cores > 0)
			bt_strbuf_addf(o, ", %d logical cores", m->cpu_cores);
		if (m->memory_bytes > 0)
			bt_strbuf_addf(o, ", %s memory",
				       bt_format_bytes((double)m->memory_bytes, a, sizeof a));
	}
	for (size_t i = 0; i < m->n_gpus; i++) {
		bt_strbuf_adds(o, "\n- **GPU:** ");
		md(o, m->gpus[i].name ? m->gpus[i].name : "unknown");
	}
	if (m->os || m->kernel) {
		bt_strbuf_adds(o, "\n- **OS:** ");
		md(o, m->os ? m->os : "-");
		if (m->kernel) {
			bt_strbuf_adds(o, ", kernel ");
			md(o, m->kernel);
		}
	}
	bt_strbuf_adds(o, "\n- **Commit:** ");
	if (run->git.commit) {
		char c[13];
		snprintf(c, sizeof c, "%.12s", run->git.commit);
		code(o, c);
		if (run->git.branch) {
			bt_strbuf_adds(o, " on ");
			code(o, run->git.branch);
		}
		if (run->git.dirty == 1)
			bt_strbuf_adds(o, " (uncommitted changes)");
	} else {
		bt_strbuf_adds(o, "-");
	}
	if (run->build.compiler || run->build.flags) {
		bt_strbuf_adds(o, "\n- **Build:** ");
		md(o, run->build.compiler ? run->build.compiler : "-");
		if (run->build.flags) {
			bt_strbuf_adds(o, ", ");
			code(o, run->build.flags);
		}
	}
	bt_strbuf_addf(o, "\n- **Cases:** %zu: %zu ok, %zu failed", run->n_results, ok, bad);
	if (skipped)
		bt_strbuf_addf(o, ", %zu skipped", skipped);
	bt_strbuf_adds(o, "\n");
}

static void image(struct bt_strbuf *o, const struct bt_chart *c)
{
	bt_strbuf_adds(o, "![");
	md(o, c->title);
	bt_strbuf_addf(o, "](%s)\n\n", c->file);
}

int bt_report_markdown(const struct bt_run *run, const struct bt_table_opts *opts,
		       const struct bt_charts *charts, struct bt_strbuf *o,
		       struct bt_strbuf *err)
{
	if (!run || !o)
		return bt_error(err, BT_EINVAL, "report: no run or output");
	int rc = check_opts(run, opts, err);
	if (rc)
		return rc;
	struct groups g;
	if (groups_of(run, &g))
		return bt_error(err, BT_ENOMEM, "report: out of memory");
	summary(run, o);
	if (charts && charts->n)
		bt_strbuf_adds(o, "\nThe data of the tables: [report.csv](report.csv).\n");
	for (size_t k = 0; k < g.n && !rc; k++) {
		struct bt_table t;
		int skipped;
		bt_strbuf_adds(o, "\n## ");
		md(o, g.names[k]);
		bt_strbuf_adds(o, "\n\n");
		rc = group_table(run, g.names[k], opts, &t, &skipped, err);
		if (rc)
			break;
		if (skipped) {
			bt_strbuf_adds(o, "No result of this group has the metric ");
			code(o, opts->metric);
			bt_strbuf_adds(o, ".\n");
		} else {
			rc = bt_table_render_markdown(&t, o);
			bt_table_release(&t);
		}
		bt_strbuf_adds(o, "\n");
		for (size_t i = 0; charts && i < charts->n; i++) {
			const struct bt_chart *c = &charts->items[i];
			if (!streq(c->group, g.names[k]))
				continue;
			if (c->kind == BT_CHART_ABLATION) {
				bt_strbuf_adds(o, "### Ablation: ");
				md(o, c->benchmark);
				bt_strbuf_adds(o, "\n\n");
			}
			image(o, c);
		}
	}
	free(g.names);
	if (rc)
		return rc;

	struct bt_crossovers x;
	rc = bt_report_crossovers(run, opts ? opts->baseline : NULL, &x, err);
	if (rc)
		return rc;
	if (x.n) {
		bt_strbuf_adds(o, "## Crossovers\n\n");
		rc = bt_crossovers_render(&x, 1, o);
		bt_strbuf_adds(o, "\n");
	}
	bt_crossovers_release(&x);

	size_t n_checked = 0;
	for (size_t i = 0; i < run->n_results; i++)
		n_checked += run->results[i].validation.checked != 0;
	if (n_checked) {
		bt_strbuf_adds(o, "## Validation\n\n"
				  "| case | max abs err | max rel err | tolerance | passed |\n"
				  "| --- | ---: | ---: | ---: | --- |\n");
		for (size_t i = 0; i < run->n_results; i++) {
			const struct bt_result *r = &run->results[i];
			const struct bt_validation *v = &r->validation;
			char a[BT_FORMAT_MAX], b[BT_FORMAT_MAX], c[BT_FORMAT_MAX];
			if (!v->checked)
				continue;
			struct bt_strbuf id = BT_STRBUF_INIT;
			if (case_id(&id, r))
				o->failed = 1;
			bt_strbuf_adds(o, "| ");
			md(o, bt_strbuf_str(&id));
			bt_strbuf_addf(o, " | %s | %s | %s | %s |\n",
				       bt_format_relerr(v->max_abs_err, a, sizeof a),
				       bt_format_relerr(v->max_rel_err, b, sizeof b),
				       v->tolerance > 0 ? bt_format_relerr(v->tolerance, c, sizeof c)
							: "-",
				       v->passed ? "yes" : "**no**");
			bt_strbuf_release(&id);
		}
		bt_strbuf_adds(o, "\n");
	}

	bt_strbuf_adds(o, "## Failures\n\n");
	size_t n_failed = 0, n_skipped = 0;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < run->n_results; i++) {
			const struct bt_result *r = &run->results[i];
			if (pass == 0 ? !failed(r) : r->status != BT_STATUS_SKIPPED)
				continue;
			if (pass == 1 && n_skipped++ == 0)
				bt_strbuf_adds(o, "Skipped:\n\n");
			if (pass == 0)
				n_failed++;
			struct bt_strbuf id = BT_STRBUF_INIT;
			if (case_id(&id, r))
				o->failed = 1;
			bt_strbuf_adds(o, "- ");
			code(o, bt_strbuf_str(&id));
			bt_strbuf_addf(o, ": **%s**\n", bt_status_name(r->status));
			bt_strbuf_release(&id);
			if (!r->message || !*r->message)
				continue;
			/* a fence longer than any backtick run of the message */
			size_t run_len = 0, max = 2;
			for (const char *p = r->message; *p; p++) {
				run_len = *p == '`' ? run_len + 1 : 0;
				max = run_len > max ? run_len : max;
			}
			bt_strbuf_adds(o, "\n  ");
			for (size_t q = 0; q <= max; q++)
				bt_strbuf_addc(o, '`');
			bt_strbuf_adds(o, "\n  ");
			for (const char *p = r->message; *p; p++) {
				if (*p == '\n')
					bt_strbuf_adds(o, "\n  ");
				else if (*p != '\r')
					bt_strbuf_addc(o, ((unsigned char)*p < 0x20 && *p != '\t') ? ' ' : *p);
			}
			bt_strbuf_adds(o, "\n  ");
			for (size_t q = 0; q <= max; q++)
				bt_strbuf_addc(o, '`');
			bt_strbuf_adds(o, "\n\n");
		}
		if (pass == 0 && n_failed == 0)
			bt_strbuf_adds(o, "None: every case ran.\n\n");
	}
	/* one trailing newline */
	while (o->len >= 2 && o->buf[o->len - 1] == '\n' && o->buf[o->len - 2] == '\n')
		o->buf[--o->len] = '\0';
	if (!rc && !o->buf)
		rc = bt_error(err, BT_ENOMEM, "report: out of memory");
	return rc;
}

/* --- CSV ----------------------------------------------------------------- */

int bt_report_csv(const struct bt_run *run, const struct bt_table_opts *opts,
		  struct bt_strbuf *out, struct bt_strbuf *err)
{
	struct bt_table t;
	int rc = bt_table_from_run(run, opts, &t, err);
	if (rc)
		return rc;
	rc = bt_table_render_csv(&t, out);
	bt_table_release(&t);
	if (rc)
		return bt_error(err, rc, "report: %s", bt_strerror(rc));
	return 0;
}

static const char *kind_name(enum bt_crossover_kind k)
{
	switch (k) {
	case BT_CROSS_OVERTAKES: return "overtakes";
	case BT_CROSS_FALLS_BEHIND: return "falls_behind";
	case BT_CROSS_ALWAYS_FASTER: return "always_faster";
	case BT_CROSS_ALWAYS_SLOWER: return "always_slower";
	case BT_CROSS_NO_DIFFERENCE: return "no_difference";
	}
	return "?";
}

static void csv_num(struct bt_strbuf *o, double v)
{
	if (isfinite(v))
		bt_strbuf_addf(o, "%.17g", v);
}

int bt_report_crossovers_csv(const struct bt_run *run, const struct bt_table_opts *opts,
			     struct bt_strbuf *o, struct bt_strbuf *err)
{
	struct bt_crossovers x;
	int rc = bt_report_crossovers(run, opts ? opts->baseline : NULL, &x, err);
	if (rc)
		return rc;
	bt_strbuf_adds(o, "group,name,baseline,param,kind,at,lo,hi,min_speedup,max_speedup,points\r\n");
	for (size_t i = 0; i < x.n; i++) {
		const struct bt_crossover *c = &x.items[i];
		bt_csv_field(o, c->group);
		bt_strbuf_addc(o, ',');
		bt_csv_field(o, c->name);
		bt_strbuf_addc(o, ',');
		bt_csv_field(o, c->baseline);
		bt_strbuf_addc(o, ',');
		bt_csv_field(o, c->param);
		bt_strbuf_addf(o, ",%s,", kind_name(c->kind));
		csv_num(o, c->kind == BT_CROSS_OVERTAKES || c->kind == BT_CROSS_FALLS_BEHIND
				   ? c->at : NAN);
		bt_strbuf_addc(o, ',');
		csv_num(o, c->lo);
		bt_strbuf_addc(o, ',');
		csv_num(o, c->hi);
		bt_strbuf_addc(o, ',');
		csv_num(o, c->min_speedup);
		bt_strbuf_addc(o, ',');
		csv_num(o, c->max_speedup);
		bt_strbuf_addf(o, ",%zu\r\n", c->points);
	}
	bt_crossovers_release(&x);
	return o->buf ? 0 : bt_error(err, BT_ENOMEM, "report: out of memory");
}

/* --- JSON ---------------------------------------------------------------- */

/* A JSON string; invalid UTF-8 bytes become '?'. NULL -> null. */
static json_t *jstr(const char *s)
{
	if (!s)
		return json_null();
	json_t *j = json_string(s);
	if (j)
		return j;
	char *c = strdup(s);
	if (!c)
		return NULL;
	for (unsigned char *p = (unsigned char *)c; *p; p++)
		if (*p >= 0x80)
			*p = '?';
	j = json_string(c);
	free(c);
	return j;
}

static json_t *jnum(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

/* Adds v to obj under key; returns 1 on failure. */
static int set(json_t *obj, const char *key, json_t *v)
{
	return !v || json_object_set_new(obj, key, v) != 0;
}

static int json_rows(const struct bt_run *run, const struct bt_table *t,
		     const char *group, json_t *rows)
{
	int bad = 0;
	for (size_t i = 0; i < t->n_rows && !bad; i++) {
		const struct bt_table_row *row = &t->rows[i];
		json_t *o = json_object(), *params = json_object();
		const struct bt_result *r = NULL;
		/* row->result indexes the group's results: find it in the run */
		size_t k = 0;
		for (size_t j = 0; j < run->n_results; j++) {
			if (!streq(gkey(&run->results[j]), group))
				continue;
			if (k++ == row->result) {
				r = &run->results[j];
				break;
			}
		}
		if (!o || !params || !r) {
			json_decref(o);
			json_decref(params);
			return 1;
		}
		struct bt_strbuf id = BT_STRBUF_INIT;
		bad |= case_id(&id, r) != 0;
		for (size_t p = 0; p < r->n_params; p++)
			bad |= set(params, r->params[p].key ? r->params[p].key : "",
				   jstr(r->params[p].value));
		bad |= set(o, "group", jstr(group));
		bad |= set(o, "case", jstr(bt_strbuf_str(&id)));
		bad |= set(o, "params", params);
		bt_strbuf_release(&id);
		for (size_t c = 0; c < t->n_columns && !bad; c++) {
			const struct bt_table_column *col = &t->columns[c];
			const struct bt_table_cell *cell = &row->cells[c];
			if (col->csv_only < 0 || col->kind == BT_COL_PARAM)
				continue;
			json_t *v = cell->has_value ? json_real(cell->value)
				    : cell->raw	    ? jstr(cell->raw)
						    : json_null();
			bad |= set(o, col->csv_name, v);
		}
		/* json_array_append_new takes o even when it fails */
		if (bad)
			json_decref(o);
		if (bad || json_array_append_new(rows, o))
			return 1;
	}
	return bad;
}

int bt_report_json(const struct bt_run *run, const struct bt_table_opts *opts,
		   const struct bt_charts *charts, struct bt_strbuf *out,
		   struct bt_strbuf *err)
{
	if (!run || !out)
		return bt_error(err, BT_EINVAL, "report: no run or output");
	int rc = check_opts(run, opts, err);
	if (rc)
		return rc;
	size_t ok = 0, bad_n = 0;
	for (size_t i = 0; i < run->n_results; i++) {
		ok += run->results[i].status == BT_STATUS_OK;
		bad_n += failed(&run->results[i]);
	}
	json_t *root = json_object(), *info = json_object(), *groups = json_array(),
	       *xs = json_array(), *val = json_array(), *fails = json_array(),
	       *ch = json_array();
	int bad = !root || !info || !groups || !xs || !val || !fails || !ch;
	if (!bad) {
		bad |= set(info, "run_id", jstr(run->run_id));
		bad |= set(info, "suite", jstr(run->suite));
		bad |= set(info, "type", jstr(run->benchmark_type));
		bad |= set(info, "timestamp", jstr(run->timestamp));
		bad |= set(info, "duration_s", jnum(run->duration_s));
		bad |= set(info, "commit", jstr(run->git.commit));
		bad |= set(info, "branch", jstr(run->git.branch));
		bad |= set(info, "dirty", run->git.dirty < 0 ? json_null()
							      : json_boolean(run->git.dirty));
		bad |= set(info, "machine", jstr(run->machine.name));
		bad |= set(info, "fingerprint", jstr(run->machine.fingerprint));
		bad |= set(info, "cpu_model", jstr(run->machine.cpu_model));
		bad |= set(info, "cases", json_integer((json_int_t)run->n_results));
		bad |= set(info, "ok", json_integer((json_int_t)ok));
		bad |= set(info, "failed", json_integer((json_int_t)bad_n));
	}
	struct groups g = { NULL, 0 };
	if (!bad && groups_of(run, &g))
		bad = 1;
	for (size_t k = 0; k < g.n && !bad && !rc; k++) {
		struct bt_table t;
		int skipped;
		json_t *go = json_object(), *rows = json_array();
		if (!go || !rows) {
			json_decref(go);
			json_decref(rows);
			bad = 1;
			break;
		}
		rc = group_table(run, g.names[k], opts, &t, &skipped, err);
		if (!rc && !skipped) {
			bad |= json_rows(run, &t, g.names[k], rows);
			bt_table_release(&t);
		}
		bad |= set(go, "name", jstr(g.names[k]));
		bad |= set(go, "rows", rows);
		bad |= json_array_append_new(groups, go) != 0;
	}
	free(g.names);
	struct bt_crossovers x;
	memset(&x, 0, sizeof x);
	if (!bad && !rc)
		rc = bt_report_crossovers(run, opts ? opts->baseline : NULL, &x, err);
	for (size_t i = 0; i < x.n && !bad && !rc; i++) {
		const struct bt_crossover *c = &x.items[i];
		int at = c->kind == BT_CROSS_OVERTAKES || c->kind == BT_CROSS_FALLS_BEHIND;
		json_t *o = json_object();
		bad |= !o;
		if (bad)
			break;
		bad |= set(o, "group", jstr(c->group));
		bad |= set(o, "name", jstr(c->name));
		bad |= set(o, "baseline", jstr(c->baseline));
		bad |= set(o, "param", jstr(c->param));
		bad |= set(o, "kind", json_string(kind_name(c->kind)));
		bad |= set(o, "at", at ? jnum(c->at) : json_null());
		bad |= set(o, "lo", jnum(c->lo));
		bad |= set(o, "hi", jnum(c->hi));
		bad |= set(o, "min_speedup", jnum(c->min_speedup));
		bad |= set(o, "max_speedup", jnum(c->max_speedup));
		bad |= set(o, "points", json_integer((json_int_t)c->points));
		bad |= set(o, "faster_points", json_integer((json_int_t)c->n_faster));
		bad |= set(o, "slower_points", json_integer((json_int_t)c->n_slower));
		bad |= json_array_append_new(xs, o) != 0;
	}
	bt_crossovers_release(&x);
	for (size_t i = 0; i < run->n_results && !bad && !rc; i++) {
		const struct bt_result *r = &run->results[i];
		struct bt_strbuf id = BT_STRBUF_INIT;
		bad |= case_id(&id, r) != 0;
		if (r->validation.checked) {
			const struct bt_validation *v = &r->validation;
			json_t *o = json_pack("{s:o, s:o, s:o, s:o, s:b}", "case",
					      jstr(bt_strbuf_str(&id)), "max_abs_err",
					      jnum(v->max_abs_err), "max_rel_err",
					      jnum(v->max_rel_err), "tolerance",
					      v->tolerance > 0 ? jnum(v->tolerance) : json_null(),
					      "passed", v->passed);
			bad |= !o || json_array_append_new(val, o) != 0;
		}
		if (r->status != BT_STATUS_OK) {
			json_t *o = json_pack("{s:o, s:s, s:o}", "case", jstr(bt_strbuf_str(&id)),
					      "status", bt_status_name(r->status), "message",
					      jstr(r->message));
			bad |= !o || json_array_append_new(fails, o) != 0;
		}
		bt_strbuf_release(&id);
	}
	for (size_t i = 0; charts && i < charts->n && !bad && !rc; i++) {
		const struct bt_chart *c = &charts->items[i];
		static const char *const kinds[] = { "time", "throughput", "memory", "ablation",
						     "metric", "speedup" };
		json_t *o = json_pack("{s:o, s:s, s:o, s:o}", "file", jstr(c->file), "kind",
				      kinds[c->kind], "group", jstr(c->group), "title",
				      jstr(c->title));
		bad |= !o || json_array_append_new(ch, o) != 0;
	}
	if (!bad && !rc) {
		bad |= set(root, "schema", json_string("benchtrack.report/1"));
		bad |= set(root, "run", info);
		info = NULL;
		bad |= set(root, "metric", json_string(opts && opts->metric ? opts->metric : "time"));
		bad |= set(root, "baseline", jstr(opts ? opts->baseline : NULL));
		bad |= set(root, "groups", groups);
		bad |= set(root, "crossovers", xs);
		bad |= set(root, "validation", val);
		bad |= set(root, "failures", fails);
		bad |= set(root, "charts", ch);
		groups = xs = val = fails = ch = NULL;
	}
	if (!bad && !rc) {
		char *s = bt__json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
		if (!s) {
			bad = 1;
		} else {
			bt_strbuf_adds(out, s);
			bt_strbuf_addc(out, '\n');
			free(s);
		}
	}
	json_decref(root);
	json_decref(info);
	json_decref(groups);
	json_decref(xs);
	json_decref(val);
	json_decref(fails);
	json_decref(ch);
	if (rc)
		return rc;
	if (bad || !out->buf)
		return bt_error(err, BT_ENOMEM, "report: out of memory");
	return 0;
}

/* --- the report folder --------------------------------------------------- */

static int put(const char *dir, const char *name, const struct bt_strbuf *data,
	       struct bt_strbuf *err)
{
	struct bt_strbuf path = BT_STRBUF_INIT;
	size_t n = strlen(dir);
	bt_strbuf_addf(&path, "%s%s%s", dir, n && dir[n - 1] == '/' ? "" : "/", name);
	if (!path.buf || data->failed) { /* the text cut short */
		bt_strbuf_release(&path);
		return bt_error(err, BT_ENOMEM, "report: out of memory");
	}
	int rc = bt__write_file_atomic(path.buf, data->buf ? data->buf : "", data->len, err);
	bt_strbuf_release(&path);
	return rc;
}

int bt_report_write(const struct bt_run *run, const struct bt_table_opts *opts,
		    enum bt_report_format format, const char *dir,
		    struct bt_strbuf *err)
{
	if (!run || !dir || !*dir)
		return bt_error(err, BT_EINVAL, "report: no run or directory");
	struct bt_charts charts;
	memset(&charts, 0, sizeof charts);
	struct bt_strbuf a = BT_STRBUF_INIT, b = BT_STRBUF_INIT;
	int rc = 0;
	if (format != BT_REPORT_CSV)
		rc = bt_report_charts(run, opts, &charts, err);
	if (!rc) {
		switch (format) {
		case BT_REPORT_MD:
			rc = bt_report_markdown(run, opts, &charts, &a, err);
			if (!rc)
				rc = bt_report_csv(run, opts, &b, err);
			break;
		case BT_REPORT_CSV:
			rc = bt_report_csv(run, opts, &a, err);
			if (!rc)
				rc = bt_report_crossovers_csv(run, opts, &b, err);
			break;
		case BT_REPORT_JSON:
			rc = bt_report_json(run, opts, &charts, &a, err);
			break;
		default:
			rc = bt_error(err, BT_EINVAL, "report: unknown format %d", (int)format);
		}
	}
	if (!rc)
		rc = bt__mkdir_p_mode(dir, 0777, err);
	for (size_t i = 0; !rc && i < charts.n; i++) {
		struct bt_strbuf s = { (char *)charts.items[i].svg, charts.items[i].svg_len,
				       charts.items[i].svg_len + 1, 0 };
		rc = put(dir, charts.items[i].file, &s, err);
	}
	if (!rc)
		rc = put(dir, format == BT_REPORT_MD ? "report.md"
			      : format == BT_REPORT_CSV ? "report.csv"
							: "report.json",
			 &a, err);
	if (!rc && format != BT_REPORT_JSON)
		rc = put(dir, format == BT_REPORT_MD ? "report.csv" : "crossovers.csv", &b, err);
	bt_charts_release(&charts);
	bt_strbuf_release(&a);
	bt_strbuf_release(&b);
	return rc;
}
