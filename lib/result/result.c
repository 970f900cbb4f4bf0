/* The run model: arena-backed run, results, statuses and series keys.
 * The JSON form lives in json.c; the context probes in context.c. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char *const status_names[] = {
	[BT_STATUS_OK] = "ok",
	[BT_STATUS_FAILED] = "failed",
	[BT_STATUS_CRASHED] = "crashed",
	[BT_STATUS_TIMEOUT] = "timeout",
	[BT_STATUS_OOM] = "oom",
	[BT_STATUS_SKIPPED] = "skipped",
};
#define N_STATUS (sizeof status_names / sizeof status_names[0])

const char *bt_status_name(enum bt_status st)
{
	if ((unsigned)st >= N_STATUS)
		return "unknown";
	return status_names[st];
}

int bt_status_parse(const char *s)
{
	if (!s)
		return -1;
	for (size_t i = 0; i < N_STATUS; i++)
		if (!strcmp(s, status_names[i]))
			return (int)i;
	return -1;
}

int bt_run_init(struct bt_run *run)
{
	memset(run, 0, sizeof *run);
	run->arena = bt__arena_new();
	if (!run->arena)
		return BT_ENOMEM;
	run->schema = bt__arena_strdup(run->arena, BT_RUN_SCHEMA);
	if (!run->schema) {
		bt__arena_free(run->arena);
		run->arena = NULL;
		return BT_ENOMEM;
	}
	run->git.dirty = -1;
	run->machine.cpu_cores = -1;
	run->machine.cpu_physical_cores = -1;
	run->machine.cache_l1d = -1;
	run->machine.cache_l2 = -1;
	run->machine.cache_l3 = -1;
	run->machine.memory_bytes = -1;
	run->build.optimized = -1;
	return 0;
}

void bt_run_release(struct bt_run *run)
{
	if (!run)
		return;
	bt__arena_free(run->arena);
	memset(run, 0, sizeof *run);
}

void *bt_run_alloc(struct bt_run *run, size_t size)
{
	if (!run || !run->arena)
		return NULL;
	return bt__arena_alloc(run->arena, size);
}

char *bt_run_strdup(struct bt_run *run, const char *s)
{
	if (!s || !run || !run->arena)
		return NULL;
	return bt__arena_strdup(run->arena, s);
}

char *bt_run_printf(struct bt_run *run, const char *fmt, ...)
{
	if (!run || !run->arena)
		return NULL;
	/* formatted once by the string buffer, then copied into the arena */
	struct bt_strbuf sb = BT_STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	int rc = bt_strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	char *p = rc ? NULL : bt__arena_strndup(run->arena, bt_strbuf_str(&sb), sb.len);
	bt_strbuf_release(&sb);
	return p;
}

struct bt_result *bt_run_add_result(struct bt_run *run)
{
	if (!run || !run->arena)
		return NULL;
	if (run->n_results >= run->results_alloc) {
		/* grow inside the arena; the old array stays there until
		 * bt_run_release (at most as much again as the final array) */
		size_t cap = run->results_alloc ? run->results_alloc * 2 : 8;
		if (cap > SIZE_MAX / sizeof *run->results)
			return NULL;
		struct bt_result *p =
			bt__arena_alloc(run->arena, cap * sizeof *p);
		if (!p)
			return NULL;
		if (run->n_results)
			memcpy(p, run->results,
			       run->n_results * sizeof *p);
		run->results = p;
		run->results_alloc = cap;
	}
	struct bt_result *r = &run->results[run->n_results++];
	bt__result_defaults(r);
	return r;
}

void bt__result_defaults(struct bt_result *r)
{
	memset(r, 0, sizeof *r);
	r->version = 1;
	r->status = BT_STATUS_OK;
	r->peak_memory_bytes = -1;
	r->memory_bytes = -1;
	r->ctx_switches_voluntary = -1;
	r->ctx_switches_involuntary = -1;
}

/* Index of the smallest param (key, then value, then position) strictly
 * after (pk, pv, pi) in that order; n when none. Lets bt_series_key hash
 * params in sorted order without allocating, whatever order they are in. */
static int param_cmp(const struct bt_kv *a, size_t ai, const struct bt_kv *b,
		     size_t bi)
{
	int c = strcmp(a->key ? a->key : "", b->key ? b->key : "");
	if (!c)
		c = strcmp(a->value ? a->value : "", b->value ? b->value : "");
	if (!c)
		c = (ai > bi) - (ai < bi);
	return c;
}

static size_t next_param(const struct bt_kv *p, size_t n, size_t prev)
{
	size_t best = n;
	for (size_t i = 0; i < n; i++) {
		if (prev < n && param_cmp(&p[i], i, &p[prev], prev) <= 0)
			continue;
		if (best == n || param_cmp(&p[i], i, &p[best], best) < 0)
			best = i;
	}
	return best;
}

void bt_series_key(const char *suite, const struct bt_result *r,
		   const char *fingerprint, const char *metric, char out[17])
{
	uint64_t h = BT__FNV_INIT;
	char ver[24];

	h = bt__fnv1a_str(h, suite);
	h = bt__fnv1a_str(h, r ? r->name : NULL);
	h = bt__fnv1a_str(h, r ? r->variant : NULL);
	if (r && r->params) {
		size_t i = r->n_params;
		while ((i = next_param(r->params, r->n_params, i)) <
		       r->n_params) {
			h = bt__fnv1a_str(h, r->params[i].key);
			h = bt__fnv1a_str(h, r->params[i].value);
		}
	}
	h = bt__fnv1a_str(h, fingerprint);
	h = bt__fnv1a_str(h, metric);
	snprintf(ver, sizeof ver, "%d", r ? r->version : 0);
	h = bt__fnv1a_str(h, ver);
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

const struct bt_metric *bt_result_metric(const struct bt_result *r,
					 const char *name)
{
	if (!r || !name || !r->metrics)
		return NULL;
	for (size_t i = 0; i < r->n_metrics; i++)
		if (r->metrics[i].name && !strcmp(r->metrics[i].name, name))
			return &r->metrics[i];
	return NULL;
}

const char *bt_run_declared_type(const struct bt_run *run)
{
	if (!run || run->n_results == 0)
		return NULL;
	const char *t = run->results[0].type;
	if (!t || !*t)
		return NULL;
	for (size_t i = 1; i < run->n_results; i++)
		if (!run->results[i].type || strcmp(run->results[i].type, t) != 0)
			return NULL;
	return t;
}

/* s as "12.3 us" (3 significant digits, ns to s) into buf. */
static const char *seconds_text(double s, char *buf, size_t n)
{
	if (s < 1e-6)
		snprintf(buf, n, "%.3g ns", s * 1e9);
	else if (s < 1e-3)
		snprintf(buf, n, "%.3g us", s * 1e6);
	else if (s < 1)
		snprintf(buf, n, "%.3g ms", s * 1e3);
	else
		snprintf(buf, n, "%.3g s", s);
	return buf;
}

int bt_result_sample_warning(const struct bt_result *r, double resolution_s,
			     double min_sample_time, struct bt_strbuf *msg)
{
	const struct bt_metric *m = bt_result_metric(r, "time");
	if (!r || r->status != BT_STATUS_OK || !m || m->stats.n == 0 ||
	    !(m->stats.median >= 0) || r->iterations_per_sample == 0)
		return 0;
	double sample = m->stats.median * (double)r->iterations_per_sample;
	const char *what = NULL, *advice = NULL;
	double limit = 0;
	if (resolution_s > 0 && sample < 1000 * resolution_s) {
		what = "near the clock's resolution";
		limit = resolution_s;
		advice = "its timing is coarse; raise --min-sample-time";
	} else if (min_sample_time > 0 && sample < min_sample_time / 2) {
		what = "under the minimum sample time";
		limit = min_sample_time;
		advice = "the calibration did not hold (the benchmark got "
			 "faster after it, or the machine was busy while it "
			 "ran); raise --warmup-iterations or measure on a "
			 "quieter machine";
	}
	if (!what)
		return 0;
	char a[32], b[32];
	if (msg)
		bt_strbuf_addf(msg, "a sample lasts %s (%llu iteration%s), %s of %s: %s",
			       seconds_text(sample, a, sizeof a),
			       (unsigned long long)r->iterations_per_sample,
			       r->iterations_per_sample == 1 ? "" : "s", what,
			       seconds_text(limit, b, sizeof b), advice);
	return 1;
}
