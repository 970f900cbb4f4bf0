/* The runs of several processes of one suite pooled into one run (run
 * --repetitions, ab, merge): results matched by benchmark identity,
 * samples appended and re-summarised, statuses, resources and per-process
 * medians combined. The contract, rule by rule, is struct cli_pool's in
 * cli/cmd.h; nothing here prints but cli_pool_finish's warnings. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "internal.h"

/* a failure (failed, crashed, timeout, oom) in any process wins over ok
 * and skipped; ok wins over skipped */
static int pool_failed(enum bt_status st)
{
	return st != BT_STATUS_OK && st != BT_STATUS_SKIPPED;
}

/* Counts result i of a process in p: a skip (its reason kept, in the
 * pooled run's arena), or the iterations per sample of an ok one. */
static int pool_note(struct cli_pool *p, size_t i, const struct bt_result *r)
{
	struct cli_pool_case *c = &p->cases[i];
	if (r->status == BT_STATUS_SKIPPED) {
		c->skipped++;
		if (!c->skip_msg && r->message)
			c->skip_msg = bt_run_strdup(p->run, r->message);
	} else if (r->status == BT_STATUS_OK) {
		if (bt__vec_reserve((void **)&c->ips, &c->cap_ips, c->n_ips + 1, sizeof *c->ips))
			return BT_ENOMEM;
		c->ips[c->n_ips++] = r->iterations_per_sample;
	}
	return 0;
}

/* Appends to m (of run) the per-process medians of src, one process's
 * metric (its own medians when src is itself pooled, else the median of
 * its samples). Returns 0 or BT_ENOMEM. */
static int pool_medians(struct bt_run *run, struct bt_metric *m,
			const struct bt_metric *src)
{
	size_t k = src->n_process_medians ? src->n_process_medians : 1;
	double *v;
	if (!src->n_samples && !src->n_process_medians)
		return 0;
	if (!(v = bt_run_alloc(run, (m->n_process_medians + k) * sizeof *v)))
		return BT_ENOMEM;
	if (m->n_process_medians)
		memcpy(v, m->process_medians, m->n_process_medians * sizeof *v);
	if (src->n_process_medians) {
		memcpy(v + m->n_process_medians, src->process_medians, k * sizeof *v);
	} else {
		/* a run file without stats (written by hand, by another tool):
		 * the median of its samples */
		struct bt_stats st = src->stats;
		if (!isfinite(st.median) && bt_stats_summarize(src->samples, src->n_samples, &st))
			return BT_ENOMEM;
		v[m->n_process_medians] = st.median;
	}
	m->process_medians = v;
	m->n_process_medians += k;
	return 0;
}

/* The first process's medians of every metric of r (a pooled run keeps
 * its own). */
static int pool_medians_first(struct bt_run *run, struct bt_result *r)
{
	for (size_t m = 0; m < r->n_metrics; m++) {
		struct bt_metric *x = &r->metrics[m];
		struct bt_metric one = *x;
		if (x->n_process_medians)
			continue;
		one.n_process_medians = 0;
		if (pool_medians(run, x, &one))
			return BT_ENOMEM;
	}
	return 0;
}

int cli_pool_init(struct cli_pool *p, struct bt_run *first, struct bt_strbuf *err)
{
	p->run = first;
	p->procs = 1;
	p->cases = calloc(first->n_results ? first->n_results : 1, sizeof *p->cases);
	if (!p->cases)
		return bt_error(err, BT_ENOMEM, "out of memory");
	for (size_t i = 0; i < first->n_results; i++)
		if (pool_note(p, i, &first->results[i]) ||
		    pool_medians_first(first, &first->results[i])) {
			cli_pool_release(p);
			return bt_error(err, BT_ENOMEM, "out of memory");
		}
	return 0;
}

/* Pools the resources of s into d: times and context switches summed,
 * the highest peak memory. */
static void pool_resources(struct bt_result *d, const struct bt_result *s)
{
	d->wall_s += s->wall_s;
	d->cpu_user_s += s->cpu_user_s;
	d->cpu_sys_s += s->cpu_sys_s;
	d->ctx_switches_voluntary =
		d->ctx_switches_voluntary >= 0 && s->ctx_switches_voluntary >= 0
			? d->ctx_switches_voluntary + s->ctx_switches_voluntary : -1;
	d->ctx_switches_involuntary =
		d->ctx_switches_involuntary >= 0 && s->ctx_switches_involuntary >= 0
			? d->ctx_switches_involuntary + s->ctx_switches_involuntary : -1;
	if (s->peak_memory_bytes > d->peak_memory_bytes)
		d->peak_memory_bytes = s->peak_memory_bytes;
}

/* A result skipped so far takes the whole of s, ok in this process (a
 * copy through JSON, so that the pooled run's arena owns it), keeping the
 * resources already summed. */
static int pool_take(struct bt_run *dst, struct bt_result *d, const struct bt_result *s,
		     struct bt_strbuf *err)
{
	struct bt_strbuf js = BT_STRBUF_INIT;
	struct bt_result before = *d;
	int rc = bt_result_to_json(s, &js, err);
	if (!rc)
		rc = bt_result_from_json(dst, d, js.buf, js.len, "pool", err);
	bt_strbuf_release(&js);
	if (rc)
		return rc;
	d->wall_s = before.wall_s;
	d->cpu_user_s = before.cpu_user_s;
	d->cpu_sys_s = before.cpu_sys_s;
	d->ctx_switches_voluntary = before.ctx_switches_voluntary;
	d->ctx_switches_involuntary = before.ctx_switches_involuntary;
	d->peak_memory_bytes = before.peak_memory_bytes;
	if (!d->series_key)
		d->series_key = before.series_key;
	pool_resources(d, s);
	return pool_medians_first(dst, d) ? bt_error(err, BT_ENOMEM, "out of memory")
					  : 0;
}

int cli_pool_add(struct cli_pool *p, const struct bt_run *src, struct bt_strbuf *err)
{
	struct bt_run *dst = p->run;
	/* the identity keys of src, once (not per pair of results) */
	char (*ks)[17] = malloc((src->n_results ? src->n_results : 1) * sizeof *ks);
	if (!ks)
		return bt_error(err, BT_ENOMEM, "out of memory");
	for (size_t j = 0; j < src->n_results; j++)
		bt_series_key("", &src->results[j], "", "time", ks[j]);
	int rc = 0;
	for (size_t i = 0; i < dst->n_results && !rc; i++) {
		struct bt_result *d = &dst->results[i];
		char kd[17];
		bt_series_key("", d, "", "time", kd);
		for (size_t j = 0; j < src->n_results; j++) {
			const struct bt_result *s = &src->results[j];
			if (strcmp(kd, ks[j]) != 0)
				continue;
			if (pool_note(p, i, s)) {
				rc = bt_error(err, BT_ENOMEM, "out of memory");
				break;
			}
			if (d->status == BT_STATUS_SKIPPED && s->status == BT_STATUS_OK) {
				rc = pool_take(dst, d, s, err);
				break;
			}
			pool_resources(d, s);
			if (s->status == BT_STATUS_SKIPPED)
				break; /* nothing measured */
			if (pool_failed(s->status) && !pool_failed(d->status)) {
				d->status = s->status;
				d->message = bt_run_strdup(dst, s->message);
			}
			for (size_t m = 0; m < d->n_metrics; m++) {
				struct bt_metric *dm = &d->metrics[m];
				const struct bt_metric *sm = bt_result_metric(s, dm->name);
				if (!sm || !sm->n_samples)
					continue;
				double *x = bt_run_alloc(dst, (dm->n_samples + sm->n_samples) *
								      sizeof *x);
				if (!x || pool_medians(dst, dm, sm)) {
					rc = bt_error(err, BT_ENOMEM, "out of memory");
					break;
				}
				if (dm->n_samples)
					memcpy(x, dm->samples, dm->n_samples * sizeof *x);
				memcpy(x + dm->n_samples, sm->samples,
				       sm->n_samples * sizeof *x);
				dm->samples = x;
				dm->n_samples += sm->n_samples;
				if (bt_stats_summarize(x, dm->n_samples, &dm->stats)) {
					rc = bt_error(err, BT_ENOMEM, "out of memory");
					break;
				}
			}
			/* throughput at the pooled median, not the first
			 * process's */
			const struct bt_metric *t = bt_result_metric(d, "time");
			double med = t && t->stats.n ? t->stats.median : NAN;
			if (d->throughput.unit)
				d->throughput.value = med > 0 ? d->throughput.items_per_op / med
							      : NAN;
			if (d->bytes_throughput.unit)
				d->bytes_throughput.value =
					med > 0 ? d->bytes_throughput.items_per_op / med : NAN;
			break;
		}
	}
	free(ks);
	if (!rc) {
		dst->duration_s += src->duration_s;
		p->procs++;
	}
	return rc;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

void cli_pool_finish(struct cli_pool *p, const char *cmd, const char *what)
{
	for (size_t i = 0; i < p->run->n_results; i++) {
		struct bt_result *r = &p->run->results[i];
		struct cli_pool_case *c = &p->cases[i];
		if (c->n_ips) {
			qsort(c->ips, c->n_ips, sizeof *c->ips, cmp_u64);
			r->iterations_per_sample = c->ips[(c->n_ips - 1) / 2];
		}
		/* per-process medians only where several processes measured */
		for (size_t m = 0; m < r->n_metrics; m++)
			if (r->metrics[m].n_process_medians < 2) {
				r->metrics[m].process_medians = NULL;
				r->metrics[m].n_process_medians = 0;
			}
		if (r->status != BT_STATUS_OK || !c->skipped)
			continue;
		struct bt_strbuf id = BT_STRBUF_INIT;
		bt_strbuf_adds(&id, r->name ? r->name : "?");
		for (size_t k = 0; k < r->n_params; k++)
			bt_strbuf_addf(&id, "/%s=%s", r->params[k].key, r->params[k].value);
		if (r->variant && strcmp(r->variant, "default") != 0)
			bt_strbuf_addf(&id, ":%s", r->variant);
		cli_warn(cmd, "%s%s%s: skipped in %zu of %zu processes%s%s%s: its "
			 "samples are those of the other %zu", what ? what : "",
			 what ? ": " : "", bt_strbuf_str(&id), c->skipped, p->procs,
			 c->skip_msg ? " (" : "", c->skip_msg ? c->skip_msg : "",
			 c->skip_msg ? ")" : "", p->procs - c->skipped);
		bt_strbuf_release(&id);
	}
}

void cli_pool_release(struct cli_pool *p)
{
	if (p->cases)
		for (size_t i = 0; i < p->run->n_results; i++)
			free(p->cases[i].ips);
	free(p->cases);
	p->cases = NULL;
}
