/* Comparing two runs series by series (contract: bt_compare_runs in
 * include/benchtrack/analysis.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "benchtrack.h"
#include "benchtrack/analysis.h"

void bt_run_cmp_opts_default(struct bt_run_cmp_opts *o)
{
	memset(o, 0, sizeof *o);
	bt_verdict_opts_default(&o->verdict);
	o->metric = "time";
	o->correction = BT_CORRECT_HOLM;
}

/* One result of a run with the key it is matched on. */
struct keyed {
	char key[17];
	const struct bt_result *r;
	size_t order;
	int used;
};

static int keyed_cmp(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* The metric of r that is compared: o->metric, except that "time" (the
 * default) means the result's primary metric, its first, when it has no
 * "time" (a benchmark that reported only tokens/s through the metric
 * protocol, an imported peer metric). */
static const char *metric_of(const struct bt_result *r,
			     const struct bt_run_cmp_opts *o)
{
	if (r && r->n_metrics > 0 && strcmp(o->metric, "time") == 0 &&
	    !bt_result_metric(r, "time"))
		return r->metrics[0].name;
	return o->metric;
}

static void result_key(const struct bt_run *run, const struct bt_result *r,
		       const struct bt_run_cmp_opts *o, char out[17])
{
	const char *metric = metric_of(r, o);
	if (o->match_identity)
		bt_series_key("", r, "", metric, out);
	else if (strcmp(metric, "time") == 0 && r->series_key &&
		 strlen(r->series_key) == 16)
		memcpy(out, r->series_key, 17);
	else
		bt_series_key(run->suite, r, run->machine.fingerprint, metric,
			      out);
}

static struct keyed *keyed_results(const struct bt_run *run,
				   const struct bt_run_cmp_opts *o)
{
	struct keyed *k = calloc(run->n_results ? run->n_results : 1, sizeof *k);
	if (!k)
		return NULL;
	for (size_t i = 0; i < run->n_results; i++) {
		result_key(run, &run->results[i], o, k[i].key);
		k[i].r = &run->results[i];
		k[i].order = i;
	}
	qsort(k, run->n_results, sizeof *k, keyed_cmp);
	return k;
}

/* The first entry with key, or NULL. */
static struct keyed *find_key(struct keyed *k, size_t n, const char *key)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(k[mid].key, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && strcmp(k[lo].key, key) == 0 ? &k[lo] : NULL;
}

/* The metric's samples when r ran ok and measured it, else NULL. */
static const struct bt_metric *ok_metric(const struct bt_result *r,
					 const char *metric)
{
	const struct bt_metric *m;
	if (!r || r->status != BT_STATUS_OK)
		return NULL;
	m = bt_result_metric(r, metric);
	return m && m->n_samples > 0 ? m : NULL;
}

/* The values of metric m of r that are tested, one per sample: m's
 * samples, or, when m has more values than r has time samples (a metric
 * recorded once per iteration), their means per sample, into *own
 * (caller frees). NULL when out of memory. */
static const double *tested(const struct bt_result *r, const struct bt_metric *m,
			    size_t *n, double **own)
{
	const struct bt_metric *t = bt_result_metric(r, "time");
	*own = NULL;
	*n = m->n_samples;
	if (!t || t == m || !t->n_samples || m->n_samples <= t->n_samples)
		return m->samples;
	if (!(*own = malloc(t->n_samples * sizeof **own)))
		return NULL;
	bt_block_means(m->samples, m->n_samples, t->n_samples, *own);
	*n = t->n_samples;
	return *own;
}

/* The between-process test on row when both sides have the medians of
 * 3 or more processes, then the verdict again. */
static void process_test(struct bt_cmp_row *row, const struct bt_metric *ma,
			 const struct bt_metric *mb, const struct bt_verdict_opts *o)
{
	struct bt_ttest t;
	row->s.procs_a = ma->n_process_medians;
	row->s.procs_b = mb->n_process_medians;
	if (ma->n_process_medians < 3 || mb->n_process_medians < 3 ||
	    bt_process_test(ma->process_medians, ma->n_process_medians,
			    mb->process_medians, mb->n_process_medians, &t))
		return;
	row->s.process_test = 1;
	row->s.p_process = t.p;
	bt_verdict_decide(&row->s, o);
}

static double median_of(const struct bt_metric *m)
{
	return m ? m->stats.median : NAN;
}

static int fill_identity(struct bt_arena *a, struct bt_cmp_row *row,
			 const char *key, const struct bt_result *r,
			 const struct bt_metric *m, const char *metric)
{
	struct bt_strbuf p = BT_STRBUF_INIT;
	int e = 0;

	for (size_t i = 0; i < r->n_params; i++)
		e |= bt_strbuf_addf(&p, "%s%s=%s", i ? "," : "",
				    r->params[i].key, r->params[i].value);
	/* the stored key (the index, history and acks know that one), not
	 * the key the rows were matched on */
	row->series_key = bt__arena_strdup(
		a, r->series_key && strlen(r->series_key) == 16 ? r->series_key : key);
	row->name = bt__arena_strdup(a, r->name ? r->name : "");
	row->variant = bt__arena_strdup(a, r->variant ? r->variant : "default");
	row->params = bt__arena_strdup(a, bt_strbuf_str(&p));
	row->metric = bt__arena_strdup(a, metric);
	row->unit = m && m->unit ? bt__arena_strdup(a, m->unit) : NULL;
	row->n_params = r->n_params;
	if (r->n_params) {
		struct bt_kv *kv = bt__arena_alloc(a, r->n_params * sizeof *kv);
		if (!kv)
			e = 1;
		for (size_t i = 0; kv && i < r->n_params; i++) {
			kv[i].key = bt__arena_strdup(a, r->params[i].key);
			kv[i].value = bt__arena_strdup(a, r->params[i].value);
			if (!kv[i].key || !kv[i].value)
				e = 1;
		}
		row->param_kv = kv;
	}
	bt_strbuf_release(&p);
	return e || !row->series_key || !row->name || !row->variant ||
			       !row->params
		       ? BT_ENOMEM
		       : 0;
}

/* A row with one side only. */
static void one_sided(struct bt_cmp_row *row, const struct bt_metric *ma,
		      const struct bt_metric *mb, enum bt_verdict v, int hib)
{
	struct bt_sample_cmp *s = &row->s;
	memset(s, 0, sizeof *s);
	s->n_a = ma ? ma->n_samples : 0;
	s->n_b = mb ? mb->n_samples : 0;
	s->median_a = median_of(ma);
	s->median_b = median_of(mb);
	s->ratio = s->ci_low = s->ci_high = NAN;
	s->p_value = s->p_adjusted = s->welch_log_p = s->p_process = NAN;
	s->higher_is_better = hib;
	s->verdict = v;
	s->reason = v == BT_VERDICT_NEW ? "only in B" : "not in B, or failed there";
}

void bt_run_cmp_recount(struct bt_run_cmp *c)
{
	memset(c->counts, 0, sizeof c->counts);
	for (size_t i = 0; i < c->n; i++)
		c->counts[c->rows[i].s.verdict]++;
}

int bt_compare_runs(const struct bt_run *a, const struct bt_run *b,
		    const struct bt_run_cmp_opts *opts, struct bt_run_cmp *out,
		    struct bt_strbuf *err)
{
	struct bt_run_cmp_opts o;
	struct keyed *ka = NULL, *kb = NULL;
	double *p = NULL;
	size_t *pi = NULL, np = 0, max_rows;
	int rc = 0;

	memset(out, 0, sizeof *out);
	if (!a || !b)
		return bt_error(err, BT_EINVAL, "compare: two runs are needed");
	if (opts)
		o = *opts;
	else
		bt_run_cmp_opts_default(&o);
	if (!o.metric)
		o.metric = "time";
	out->arena = bt__arena_new();
	max_rows = a->n_results + b->n_results;
	if (!out->arena)
		goto oom;
	out->metric = bt__arena_strdup(out->arena, o.metric);
	out->rows = bt__arena_alloc(out->arena,
				    (max_rows ? max_rows : 1) * sizeof *out->rows);
	ka = keyed_results(a, &o);
	kb = keyed_results(b, &o);
	p = malloc((max_rows ? max_rows : 1) * sizeof *p);
	pi = malloc((max_rows ? max_rows : 1) * sizeof *pi);
	if (!out->metric || !out->rows || !ka || !kb || !p || !pi)
		goto oom;
	out->machines_differ =
		a->machine.fingerprint && b->machine.fingerprint &&
		strcmp(a->machine.fingerprint, b->machine.fingerprint) != 0;

	/* B's results in run order; the first of equal keys counts */
	for (size_t i = 0; i < b->n_results; i++) {
		const struct bt_result *rb = &b->results[i];
		char key[17];
		struct keyed *eb, *ea;
		const struct bt_metric *mb, *ma;
		struct bt_cmp_row *row;

		result_key(b, rb, &o, key);
		eb = find_key(kb, b->n_results, key);
		if (!eb || eb->r != rb)
			continue; /* a later duplicate */
		ea = find_key(ka, a->n_results, key);
		if (ea)
			ea->used = 1;
		mb = ok_metric(rb, metric_of(rb, &o));
		ma = ea ? ok_metric(ea->r, metric_of(ea->r, &o)) : NULL;
		if (!mb && !ma)
			continue; /* measured on neither side */
		if (!mb && rb->status == BT_STATUS_OK && !ea)
			continue;
		row = &out->rows[out->n];
		memset(row, 0, sizeof *row);
		const struct bt_metric *mm = mb ? mb : ma;
		int hib = mm->direction == BT_HIGHER_IS_BETTER;
		if (fill_identity(out->arena, row, key, mb || !ea ? rb : ea->r, mm,
				  metric_of(mb || !ea ? rb : ea->r, &o)))
			goto oom;
		if (rb->status != BT_STATUS_OK)
			row->status_b = bt_status_name(rb->status);
		if (mb && ma) {
			double *fa, *fb;
			size_t na, nb;
			const double *va = tested(ea->r, ma, &na, &fa);
			const double *vb = tested(rb, mb, &nb, &fb);
			/* deterministic counts on both sides: a threshold,
			 * no p-values (bt_compare_counts) */
			int counts = ma->deterministic && mb->deterministic;
			rc = !va || !vb ? BT_ENOMEM
			     : counts   ? bt_compare_counts(va, na, vb, nb, hib,
							    &o.verdict, &row->s)
					: bt_compare_samples(va, na, vb, nb, hib,
							     &o.verdict, &row->s);
			free(fa);
			free(fb);
			if (!rc && na != ma->n_samples)
				row->values_a = ma->n_samples;
			if (!rc && nb != mb->n_samples)
				row->values_b = mb->n_samples;
			if (!rc && !counts)
				process_test(row, ma, mb, &o.verdict);
			if (rc) {
				bt_error(err, rc, "compare %s: %s", row->name,
					 bt_strerror(rc));
				goto fail;
			}
			/* the family of the correction: the rows that can be judged */
			if (isfinite(row->s.p_value) && row->s.n_a >= o.verdict.min_n &&
			    row->s.n_b >= o.verdict.min_n) {
				pi[np] = out->n;
				p[np++] = row->s.p_value;
			}
		} else if (mb) {
			one_sided(row, NULL, mb, BT_VERDICT_NEW, hib);
		} else {
			one_sided(row, ma, NULL, BT_VERDICT_MISSING, hib);
		}
		out->n++;
	}
	/* results of A that B does not have */
	for (size_t i = 0; i < a->n_results; i++) {
		struct keyed *ea = &ka[i];
		const struct bt_metric *ma;
		struct bt_cmp_row *row;

		if (ea->used || (i > 0 && strcmp(ka[i - 1].key, ea->key) == 0))
			continue;
		ma = ok_metric(ea->r, metric_of(ea->r, &o));
		if (!ma)
			continue;
		row = &out->rows[out->n];
		memset(row, 0, sizeof *row);
		if (fill_identity(out->arena, row, ea->key, ea->r, ma,
				  metric_of(ea->r, &o)))
			goto oom;
		one_sided(row, ma, NULL, BT_VERDICT_MISSING,
			  ma->direction == BT_HIGHER_IS_BETTER);
		out->n++;
	}

	/* the correction across the suite, then the verdicts again */
	out->n_family = np;
	if (np > 0 && o.correction != BT_CORRECT_NONE) {
		if (o.correction == BT_CORRECT_HOLM)
			bt_p_adjust_holm(p, np, p);
		else
			bt_p_adjust_bh(p, np, p);
		for (size_t k = 0; k < np; k++) {
			struct bt_sample_cmp *s = &out->rows[pi[k]].s;
			s->p_adjusted = p[k];
			bt_verdict_decide(s, &o.verdict);
		}
	}
	{
		double sum = 0;
		for (size_t i = 0; i < out->n; i++) {
			double r = out->rows[i].s.ratio;
			if (out->rows[i].s.verdict != BT_VERDICT_NEW &&
			    out->rows[i].s.verdict != BT_VERDICT_MISSING &&
			    isfinite(r) && r > 0) {
				sum += log(r);
				out->n_compared++;
			}
		}
		out->geomean = out->n_compared ? exp(sum / (double)out->n_compared)
					       : NAN;
	}
	bt_run_cmp_recount(out);
	goto done;
oom:
	rc = bt_error(err, BT_ENOMEM, "%s", bt_strerror(BT_ENOMEM));
fail:
	bt_run_cmp_release(out);
done:
	free(ka);
	free(kb);
	free(p);
	free(pi);
	return rc;
}

void bt_run_cmp_release(struct bt_run_cmp *c)
{
	bt__arena_free(c->arena);
	memset(c, 0, sizeof *c);
}
