/* One case in process: the bt_state behind the author API, the sampling
 * state machine behind bt_loop, and turning what was measured into a
 * result. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "counters.h"
#include "dist.h"
#include "internal.h"

enum phase { PH_SETUP, PH_CALIBRATE, PH_WARMUP, PH_MEASURE, PH_DONE };

#define MAX_BATCH 1000000000ULL /* iterations per sample */
#define MAX_SAMPLES 1000000
#define MIN_BUDGET_SAMPLES 3
/* --measure instructions: a sample holds about this many instructions
 * (the iterations are set from the first call's count, at most
 * COUNT_MAX_BATCH); see docs/MEASURE.md */
#define COUNT_TARGET 100000.0
#define COUNT_MAX_BATCH 100000ULL

struct dvec {
	double *v;
	size_t n, alloc;
};

struct umetric {
	char *name, *unit;
	struct dvec vals;
	int deterministic;
};

struct exec {
	const struct bt_case *c;
	const struct bt_config *cfg;
	enum phase phase;
	enum phase batch_phase; /* phase the running batch started in */
	uint64_t batch;         /* iterations in the running batch */
	uint64_t iters;         /* calibrated iterations per sample */
	uint64_t min_ns;
	uint64_t start, pause_start, paused;
	uint64_t measured_ns;   /* sum of measurement sample times */
	int warm_done;          /* warmup samples run (the calibration
				   batch that met the sample time counts) */
	int verified;           /* the last batch at iters met the sample
				   time (or iters is MAX_BATCH) */
	int target;             /* samples to keep */
	struct dvec times;      /* seconds per op */
	struct umetric *metrics;
	size_t n_metrics;
	struct bt_counter *counters; /* names malloc'd */
	size_t n_counters;
	double items_per_op;
	char *items_unit;
	double bytes_per_op;
	int64_t memory_bytes;
	struct bt_validation val;
	enum bt_status status;
	char *message;
	int nomem;
	bt_sync_fn sync;        /* bt_set_sync: before every clock read */
	void *sync_ud;
	int kind;               /* enum bt__measure */
	int counting;           /* callgrind or perf counting on now */
	int paused_count;       /* counting off for bt_pause */
	struct bt__perf perf;   /* --measure cycles */
	double last_cycles, last_instr; /* of the batch that just ended */
	int count_samples;      /* --measure instructions: samples taken */
};

/* The clock, after the device work queued so far is done (bt_set_sync). */
static uint64_t clock_synced(struct exec *e)
{
	if (e->sync)
		e->sync(e->sync_ud);
	return bt__clock();
}

static struct exec *X(bt_state *s)
{
	return s->bt__impl;
}

static int dvec_push(struct dvec *d, double x)
{
	if (bt__vec_reserve((void **)&d->v, &d->alloc, d->n + 1, sizeof *d->v))
		return BT_ENOMEM;
	d->v[d->n++] = x;
	return 0;
}

/* Ends the case with a status unless one was set already (first wins). */
static void finish(struct exec *e, enum bt_status st, const char *fmt,
		   va_list ap)
{
	if (e->status != BT_STATUS_OK)
		return;
	e->status = st;
	struct bt_strbuf sb = BT_STRBUF_INIT;
	if (fmt)
		bt_strbuf_vaddf(&sb, fmt, ap);
	free(e->message);
	e->message = sb.buf ? bt_strbuf_detach(&sb) : NULL;
	e->phase = PH_DONE;
}

static void finishf(struct exec *e, enum bt_status st, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	finish(e, st, fmt, ap);
	va_end(ap);
}

/* The next batch size after one of n iterations took elapsed ns, aiming
 * at 1.4 x min_ns: the estimate clamped to [lo, 10] times n. */
static uint64_t grow(uint64_t n, uint64_t elapsed, uint64_t min_ns, double lo)
{
	double f = elapsed ? 1.4 * (double)min_ns / (double)elapsed : 10;
	if (f > 10)
		f = 10;
	if (f < lo)
		f = lo;
	double nb = ceil((double)n * f);
	return nb > (double)MAX_BATCH ? MAX_BATCH : (uint64_t)nb;
}

static int metric_push(struct exec *e, const char *name, const char *unit,
		       double value, int deterministic);

/* --measure instructions: the first call (1 iteration) is counted to set
 * the iterations of a sample (about COUNT_TARGET instructions), then
 * e->target samples are counted, each as instructions per iteration
 * (with --cache-sim also the misses and estimated cycles). Counting is on
 * only while the batch runs: the runner between batches, the setup and
 * everything before are not counted. No clock is read. */
static int loop_next_count(bt_state *s)
{
	struct exec *e = X(s);
	struct bt__cg_totals t;
	if (e->counting) {
		struct bt_strbuf err = BT_STRBUF_INIT;
		e->counting = 0;
		int rc = bt__cg_off_read(e->cfg->measure_dir, !e->paused_count,
					 &t, &err);
		if (rc) {
			finishf(e, BT_STATUS_FAILED, "--measure instructions: %s",
				err.len ? err.buf : bt_strerror(rc));
			bt_strbuf_release(&err);
			s->bt__left = 0;
			return 0;
		}
		e->paused_count = 0;
	}
	switch (e->phase) {
	case PH_SETUP:
		bt__cg_instrument();
		e->phase = PH_CALIBRATE;
		e->batch = 1;
		break;
	case PH_CALIBRATE: {
		double n = t.ir > 0 ? ceil(COUNT_TARGET / t.ir) : 1;
		e->iters = n > (double)COUNT_MAX_BATCH ? COUNT_MAX_BATCH : (uint64_t)n;
		e->batch = e->iters;
		e->phase = PH_MEASURE;
		break;
	}
	case PH_MEASURE: {
		double k = (double)e->batch;
		int bad = metric_push(e, "instructions", "instr", t.ir / k, 1);
		if (t.cache) {
			bad |= metric_push(e, "l1_misses", "misses",
					   bt__cg_l1_misses(&t) / k, 1);
			bad |= metric_push(e, "ll_misses", "misses",
					   bt__cg_ll_misses(&t) / k, 1);
			bad |= metric_push(e, "est_cycles", "cycles",
					   bt__cg_est_cycles(&t) / k, 1);
		}
		if (bad)
			e->nomem = 1;
		e->count_samples++;
		if (e->count_samples >= e->target || e->nomem)
			e->phase = PH_DONE;
		break;
	}
	default:
		e->phase = PH_DONE;
		break;
	}
	if (e->phase == PH_DONE) {
		s->bt__left = 0;
		return 0;
	}
	e->batch_phase = e->phase;
	s->bt__left = e->batch - 1;
	e->counting = 1;
	bt__cg_on();
	return 1;
}

/* --measure cycles: counters off at the end of a batch, kept for
 * push_time. */
static void perf_batch_end(struct exec *e)
{
	e->counting = 0;
	if (bt__perf_off_read(&e->perf, &e->last_cycles, &e->last_instr) != 0)
		finishf(e, BT_STATUS_FAILED, "--measure cycles: reading the counters failed");
}

/* A kept sample of elapsed ns for the batch that just ended; with
 * --measure cycles also its cycles and instructions per iteration. */
static void push_time(struct exec *e, uint64_t elapsed)
{
	double k = (double)e->batch;
	if (dvec_push(&e->times, (double)elapsed * 1e-9 / k))
		e->nomem = 1;
	if (e->kind == BT__M_CYCLES &&
	    (metric_push(e, "cycles", "cycles", e->last_cycles / k, 0) ||
	     metric_push(e, "hw_instructions", "instr", e->last_instr / k, 0)))
		e->nomem = 1;
}

int bt__loop_next(bt_state *s)
{
	struct exec *e = X(s);

	if (e->kind == BT__M_INSTRUCTIONS)
		return loop_next_count(s);
	if (e->counting)
		perf_batch_end(e);
	if (e->phase == PH_SETUP) {
		e->phase = PH_CALIBRATE;
		e->batch_phase = PH_CALIBRATE;
		e->batch = 1;
		e->paused = 0;
		if (bt__dist_active()) { /* distributed: start together */
			uint64_t z = 0;
			int stop;
			bt__dist_step(&z, e->status != BT_STATUS_OK, &stop);
			if (stop) {
				e->phase = PH_DONE;
				s->bt__left = 0;
				return 0;
			}
		}
		if (e->kind == BT__M_CYCLES) {
			e->counting = 1;
			bt__perf_on(&e->perf);
		}
		e->start = clock_synced(e);
		s->bt__left = 0;
		return 1;
	}
	if (e->phase == PH_DONE) {
		s->bt__left = 0;
		return 0;
	}

	uint64_t now = clock_synced(e); /* the end of the batch */
	uint64_t elapsed = now - e->start;
	elapsed = elapsed > e->paused ? elapsed - e->paused : 0;
	e->paused = 0;
	if (bt__dist_active()) {
		/* the slowest rank's time, the same decisions on every rank,
		 * and the barrier before the next sample (dist.h) */
		int stop;
		bt__dist_step(&elapsed, 0, &stop);
		if (stop) {
			e->phase = PH_DONE;
			s->bt__left = 0;
			return 0;
		}
	}

	switch (e->phase) {
	case PH_CALIBRATE:
		if (elapsed >= e->min_ns || e->batch >= MAX_BATCH) {
			/* this batch meets the sample time: it is the first
			 * warmup sample (or the first kept one). The very first
			 * call alone decides nothing (lazy initialisation, page
			 * faults, autotuning): it only sets 1 iteration, which
			 * the warmup samples then confirm or grow. */
			e->iters = e->batch;
			e->verified = e->batch > 1; /* not the first call: it
						     * grew (x2 at least) */
			if (e->cfg->warmup_iterations > 0) {
				e->warm_done = 1;
				e->phase = PH_WARMUP;
			} else if (e->verified) {
				e->phase = PH_MEASURE;
				push_time(e, elapsed);
				e->measured_ns += elapsed;
			} else {
				e->phase = PH_WARMUP; /* one sample to confirm it */
			}
		} else {
			e->batch = grow(e->batch, elapsed, e->min_ns, 2);
		}
		break;
	case PH_WARMUP:
		/* calibration goes on: a warmup sample shorter than the sample
		 * time grows the iterations, and measuring starts only after
		 * a sample at the final count met the sample time */
		e->warm_done++;
		e->verified = elapsed >= e->min_ns || e->iters >= MAX_BATCH;
		if (!e->verified)
			e->iters = grow(e->iters, elapsed, e->min_ns, 1.4);
		break;
	case PH_MEASURE:
		push_time(e, elapsed);
		e->measured_ns += elapsed;
		break;
	default:
		break;
	}
	if (e->phase == PH_WARMUP && e->verified &&
	    e->warm_done >= e->cfg->warmup_iterations)
		e->phase = PH_MEASURE;

	if (e->phase == PH_MEASURE) {
		int done;
		if (e->cfg->time_budget > 0)
			done = (e->times.n >= MIN_BUDGET_SAMPLES &&
				(double)e->measured_ns * 1e-9 >= e->cfg->time_budget);
		else
			done = e->times.n >= (size_t)e->target;
		/* the benchmark's own cap on measuring time (.max_time) */
		if (e->c->def->max_time > 0 && e->times.n >= MIN_BUDGET_SAMPLES &&
		    (double)e->measured_ns * 1e-9 >= e->c->def->max_time)
			done = 1;
		if (done || e->times.n >= MAX_SAMPLES || e->nomem)
			e->phase = PH_DONE;
	}
	if (e->phase == PH_DONE) {
		s->bt__left = 0;
		return 0;
	}
	e->batch_phase = e->phase;
	if (e->phase != PH_CALIBRATE)
		e->batch = e->iters;
	s->bt__left = e->batch - 1;
	if (e->kind == BT__M_CYCLES) {
		e->counting = 1;
		bt__perf_on(&e->perf);
	}
	e->start = clock_synced(e);
	return 1;
}

/* --- parameters ----------------------------------------------------- */

static const char *param(bt_state *s, const char *name)
{
	struct exec *e = X(s);
	for (size_t i = 0; i < e->c->n_params; i++)
		if (strcmp(e->c->params[i].key, name) == 0)
			return e->c->params[i].value;
	finishf(e, BT_STATUS_FAILED, "undeclared parameter '%s'", name);
	return NULL;
}

const char *bt_param_str(bt_state *s, const char *name)
{
	return param(s, name);
}

int64_t bt_param_int(bt_state *s, const char *name)
{
	const char *v = param(s, name);
	int64_t x = 0;
	if (v && bt_param_parse_int(v, &x) != 0) {
		finishf(X(s), BT_STATUS_FAILED,
			"parameter '%s' = '%s' is not an integer", name, v);
		return 0;
	}
	return x;
}

double bt_param_double(bt_state *s, const char *name)
{
	const char *v = param(s, name);
	if (!v)
		return 0;
	int64_t i;
	if (bt_param_parse_int(v, &i) == 0)
		return (double)i;
	char *end;
	double d = strtod(v, &end);
	if (end == v || *end) {
		finishf(X(s), BT_STATUS_FAILED,
			"parameter '%s' = '%s' is not a number", name, v);
		return 0;
	}
	return d;
}

int bt_option(bt_state *s, const char *name)
{
	struct exec *e = X(s);
	for (size_t i = 0; i < e->c->n_options; i++)
		if (strcmp(e->c->options[i], name) == 0)
			return 1;
	return 0;
}

uint64_t bt_seed(bt_state *s)
{
	struct exec *e = X(s);
	const struct bt_bench_def *d = e->c->def;
	uint64_t h = bt__fnv1a_str(BT__FNV_INIT, d->group ? d->group : e->c->name);
	for (size_t i = 0; i < e->c->n_params; i++) {
		/* a distributed case's world size is not its input: every
		 * rank count sees the inputs of one process */
		if (d->ranks && strcmp(e->c->params[i].key, "ranks") == 0)
			continue;
		h = bt__fnv1a_str(h, e->c->params[i].key);
		h = bt__fnv1a_str(h, e->c->params[i].value);
	}
	return bt__mix64(h ^ bt__mix64(e->cfg->seed));
}

/* --- timing controls and what the benchmark reports ----------------- */

void bt_pause(bt_state *s)
{
	struct exec *e = X(s);
	if (e->kind == BT__M_INSTRUCTIONS) {
		if (e->counting && !e->paused_count) {
			bt__cg_toggle();
			e->paused_count = 1;
		}
		return;
	}
	e->pause_start = clock_synced(e);
	if (e->kind == BT__M_CYCLES && e->counting)
		bt__perf_pause(&e->perf, 1);
}

void bt_resume(bt_state *s)
{
	struct exec *e = X(s);
	if (e->kind == BT__M_INSTRUCTIONS) {
		if (e->counting && e->paused_count) {
			e->paused_count = 0;
			bt__cg_toggle();
		}
		return;
	}
	if (e->kind == BT__M_CYCLES && e->counting)
		bt__perf_pause(&e->perf, 0);
	e->paused += clock_synced(e) - e->pause_start;
}

void bt_set_sync(bt_state *s, bt_sync_fn fn, void *ud)
{
	X(s)->sync = fn;
	X(s)->sync_ud = ud;
}

const char *bt_models_dir(bt_state *s)
{
	return X(s)->cfg->models_dir;
}

void bt_set_items(bt_state *s, double items_per_op, const char *unit)
{
	struct exec *e = X(s);
	e->items_per_op = items_per_op;
	free(e->items_unit);
	const char *u = unit ? unit : e->c->def->unit ? e->c->def->unit : "items";
	e->items_unit = strdup(u);
}

void bt_set_bytes(bt_state *s, double bytes_per_op)
{
	X(s)->bytes_per_op = bytes_per_op;
}

void bt_set_memory(bt_state *s, int64_t bytes)
{
	X(s)->memory_bytes = bytes;
}

void bt_metric(bt_state *s, const char *name, double value, const char *unit)
{
	struct exec *e = X(s);
	if (e->phase == PH_CALIBRATE || e->phase == PH_WARMUP)
		return;
	if (e->phase == PH_MEASURE && e->batch_phase != PH_MEASURE)
		return;
	if (metric_push(e, name, unit, value, 0))
		e->nomem = 1;
}

/* Appends value to the metric name (made on first use). 0 or BT_ENOMEM. */
static int metric_push(struct exec *e, const char *name, const char *unit,
		       double value, int deterministic)
{
	struct umetric *m = NULL;
	for (size_t i = 0; i < e->n_metrics; i++)
		if (strcmp(e->metrics[i].name, name) == 0)
			m = &e->metrics[i];
	if (!m) {
		struct umetric *p = realloc(e->metrics, (e->n_metrics + 1) * sizeof *p);
		if (!p)
			return BT_ENOMEM;
		e->metrics = p;
		m = &p[e->n_metrics++];
		memset(m, 0, sizeof *m);
		m->name = strdup(name);
		m->unit = strdup(unit ? unit : "");
		m->deterministic = deterministic;
		if (!m->name || !m->unit)
			return BT_ENOMEM;
	}
	return dvec_push(&m->vals, value);
}

void bt_counter(bt_state *s, const char *name, double value)
{
	struct exec *e = X(s);
	for (size_t i = 0; i < e->n_counters; i++)
		if (strcmp(e->counters[i].name, name) == 0) {
			e->counters[i].value = value;
			return;
		}
	struct bt_counter *p = realloc(e->counters, (e->n_counters + 1) * sizeof *p);
	if (!p) {
		e->nomem = 1;
		return;
	}
	e->counters = p;
	p[e->n_counters].name = strdup(name);
	p[e->n_counters].value = value;
	e->n_counters++;
}

void bt__exec_validation(bt_state *s, double abs_err, double rel_err,
			 double rel_tol)
{
	struct exec *e = X(s);
	int ok = rel_err <= rel_tol; /* false for NaN */
	if (!e->val.checked) {
		e->val.checked = 1;
		e->val.passed = 1;
		e->val.tolerance = rel_tol;
	}
	if (!(abs_err <= e->val.max_abs_err))
		e->val.max_abs_err = abs_err;
	if (!(rel_err <= e->val.max_rel_err))
		e->val.max_rel_err = rel_err;
	if (rel_tol < e->val.tolerance)
		e->val.tolerance = rel_tol;
	if (!ok)
		e->val.passed = 0;
}

void bt_fail(bt_state *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	finish(X(s), BT_STATUS_FAILED, fmt, ap);
	va_end(ap);
	s->bt__left = 0;
}

void bt_skip(bt_state *s, const char *reason)
{
	finishf(X(s), BT_STATUS_SKIPPED, "%s", reason ? reason : "skipped");
	s->bt__left = 0;
}

void bt_oom(bt_state *s)
{
	finishf(X(s), BT_STATUS_OOM, "out of memory");
	s->bt__left = 0;
}

/* --- the case ------------------------------------------------------- */

int bt__result_identity(struct bt_run *run, struct bt_result *r,
			const struct bt_case *c)
{
	const struct bt_bench_def *d = c->def;
	r->name = bt_run_strdup(run, c->name);
	r->group = bt_run_strdup(run, d->group);
	r->type = bt_run_strdup(run, d->type ? d->type
					     : d->ranks ? "distributed" : NULL);
	r->variant = bt_run_strdup(run, c->variant);
	r->version = d->version > 0 ? d->version : 1;
	r->n_params = c->n_params;
	r->params = bt_run_alloc(run, (c->n_params + 1) * sizeof *r->params);
	r->n_options = c->n_options;
	r->options = bt_run_alloc(run, (c->n_options + 1) * sizeof *r->options);
	if (!r->name || !r->variant || !r->params || !r->options)
		return BT_ENOMEM;
	for (size_t i = 0; i < c->n_params; i++) {
		/* insertion sort by key: few parameters */
		struct bt_kv kv = { bt_run_strdup(run, c->params[i].key),
				    bt_run_strdup(run, c->params[i].value) };
		if (!kv.key || !kv.value)
			return BT_ENOMEM;
		size_t j = i;
		while (j > 0 && strcmp(r->params[j - 1].key, kv.key) > 0) {
			r->params[j] = r->params[j - 1];
			j--;
		}
		r->params[j] = kv;
	}
	for (size_t i = 0; i < c->n_options; i++)
		if (!(r->options[i] = bt_run_strdup(run, c->options[i])))
			return BT_ENOMEM;
	return 0;
}

static int add_metric(struct bt_run *run, struct bt_result *r,
		      const char *name, const char *unit, const double *v,
		      size_t n, int deterministic)
{
	struct bt_metric *m = &r->metrics[r->n_metrics];
	m->name = bt_run_strdup(run, name);
	m->unit = bt_run_strdup(run, unit);
	size_t ul = strlen(unit);
	m->direction = ul >= 2 && strcmp(unit + ul - 2, "/s") == 0
			       ? BT_HIGHER_IS_BETTER : BT_LOWER_IS_BETTER;
	m->samples = bt_run_alloc(run, (n ? n : 1) * sizeof(double));
	if (!m->name || !m->unit || !m->samples)
		return BT_ENOMEM;
	if (n)
		memcpy(m->samples, v, n * sizeof(double));
	m->n_samples = n;
	m->deterministic = deterministic;
	int rc = bt_stats_summarize(v, n, &m->stats);
	if (rc)
		return rc;
	r->n_metrics++;
	return 0;
}

/* One throughput figure: per_op units per operation at median seconds
 * per operation med; BT_ENOMEM when unit (from the run's arena) is NULL. */
static int set_throughput(struct bt_throughput *t, double per_op,
			  const char *unit, double med)
{
	if (!unit)
		return BT_ENOMEM;
	t->items_per_op = per_op;
	t->unit = unit;
	t->value = med > 0 ? per_op / med : NAN;
	return 0;
}

static int fill_result(struct exec *e, struct bt_run *run, struct bt_result *r)
{
	int rc;
	r->metrics = bt_run_alloc(run, (e->n_metrics + 1) * sizeof *r->metrics);
	r->counters = bt_run_alloc(run, (e->n_counters + 1) * sizeof *r->counters);
	if (!r->metrics || !r->counters)
		return BT_ENOMEM;
	if (e->times.n && (rc = add_metric(run, r, "time", "s", e->times.v,
					   e->times.n, 0)))
		return rc;
	for (size_t i = 0; i < e->n_metrics; i++)
		if ((rc = add_metric(run, r, e->metrics[i].name, e->metrics[i].unit,
				     e->metrics[i].vals.v, e->metrics[i].vals.n,
				     e->metrics[i].deterministic)))
			return rc;
	for (size_t i = 0; i < e->n_counters; i++) {
		r->counters[i].name = bt_run_strdup(run, e->counters[i].name);
		r->counters[i].value = e->counters[i].value;
		if (!r->counters[i].name)
			return BT_ENOMEM;
	}
	r->n_counters = e->n_counters;

	r->iterations_per_sample = e->iters;
	r->memory_bytes = e->memory_bytes;
	r->validation = e->val;

	double med = e->times.n ? r->metrics[0].stats.median : NAN;
	/* items and bytes both kept (as Google Benchmark does): throughput
	 * holds items when set, else bytes; bytes_throughput holds the bytes
	 * when both were set */
	if (e->items_per_op > 0 &&
	    set_throughput(&r->throughput, e->items_per_op,
			   bt_run_printf(run, "%s/s", e->items_unit), med))
		return BT_ENOMEM;
	if (e->bytes_per_op > 0 &&
	    set_throughput(e->items_per_op > 0 ? &r->bytes_throughput
						: &r->throughput,
			   e->bytes_per_op, bt_run_strdup(run, "B/s"), med))
		return BT_ENOMEM;

	if (e->nomem)
		finishf(e, BT_STATUS_OOM, "out of memory while recording samples");
	if (e->status == BT_STATUS_OK && e->val.checked && !e->val.passed)
		finishf(e, BT_STATUS_FAILED,
			"validation failed: max relative error %.3g > tolerance %.3g",
			e->val.max_rel_err, e->val.tolerance);
	if (e->status == BT_STATUS_OK && e->phase == PH_SETUP &&
	    r->n_metrics == 0)
		finishf(e, BT_STATUS_FAILED,
			"benchmark returned without calling bt_loop or bt_metric");
	if (e->status == BT_STATUS_OK && e->phase != PH_SETUP &&
	    e->phase != PH_DONE)
		finishf(e, BT_STATUS_FAILED,
			"benchmark left bt_loop before it returned 0");
	r->status = e->status;
	r->message = bt_run_strdup(run, e->message);
	return 0;
}

int bt__exec_case(const struct bt_case *c, const struct bt_config *cfg,
		  struct bt_run *run, struct bt_result *r)
{
	struct exec e;
	memset(&e, 0, sizeof e);
	e.c = c;
	e.cfg = cfg;
	e.phase = PH_SETUP;
	e.memory_bytes = -1;
	e.target = cfg->measurement_iterations > 0 ? cfg->measurement_iterations : 1;
	double mst = cfg->min_sample_time > 0 ? cfg->min_sample_time
					      : BT_DEFAULT_MIN_SAMPLE_TIME;
	e.min_ns = (uint64_t)(mst * 1e9);
	e.kind = bt__measure_kind(cfg->measure);
	e.perf.fd_cycles = e.perf.fd_instr = -1;
	if (e.kind < 0)
		finishf(&e, BT_STATUS_FAILED, "unknown --measure '%s'", cfg->measure);
	if (e.kind == BT__M_INSTRUCTIONS && !bt__on_valgrind())
		finishf(&e, BT_STATUS_FAILED, "--measure instructions: the case "
			"does not run under callgrind (a suite run by its "
			"front runs itself again under valgrind)");
	if (e.kind == BT__M_CYCLES) {
		struct bt_strbuf perr = BT_STRBUF_INIT;
		if (bt__perf_open(&e.perf, &perr))
			finishf(&e, BT_STATUS_FAILED, "%s", bt_strbuf_str(&perr));
		bt_strbuf_release(&perr);
	}

	bt_state st = { 0, &e };
	int dist = bt__dist_begin(c);
	if (dist && e.kind == BT__M_INSTRUCTIONS)
		finishf(&e, BT_STATUS_FAILED, "--measure instructions: not for "
			"distributed benchmarks");
	c->def->fn(&st);
	if (dist)
		bt__dist_drain();
	if (e.counting && e.kind == BT__M_INSTRUCTIONS) {
		/* left bt_loop early (bt_fail, bt_skip): counting off, the
		 * dump thrown away */
		struct bt__cg_totals t;
		bt__cg_off_read(cfg->measure_dir, !e.paused_count, &t, NULL);
	}
	bt__perf_close(&e.perf);
	int rc = fill_result(&e, run, r);
	if (dist && !rc)
		rc = bt__dist_end(run, r, bt__peak_rss());

	free(e.times.v);
	for (size_t i = 0; i < e.n_metrics; i++) {
		free(e.metrics[i].name);
		free(e.metrics[i].unit);
		free(e.metrics[i].vals.v);
	}
	free(e.metrics);
	for (size_t i = 0; i < e.n_counters; i++)
		free((char *)e.counters[i].name);
	free(e.counters);
	free(e.items_unit);
	free(e.message);
	return rc;
}
