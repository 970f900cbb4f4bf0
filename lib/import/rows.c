/* Result rows of foreign formats (contracts in import.h): what the key
 * of a number says (a statistic of a time, rate or memory metric, a
 * param, a counter), statuses, and the builder that turns what a row
 * gave into a struct bt_result. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"
#include "internal.h"

/* --- keys of numbers --------------------------------------------------- */

enum { S_MEAN, S_MEDIAN, S_STD, S_MIN, S_MAX, S_P5, S_P25, S_P75, S_P95,
       S_P99, S_N };
enum kind { K_OTHER, K_TIME, K_RATE, K_MEMORY };

struct keyinfo {
	enum kind kind;
	int stat;          /* S_*, -1: the value itself */
	int odd_stat;      /* a statistic without a field (p90): a counter */
	int samples;       /* the key names raw samples */
	int scaled;        /* a unit word gave scale */
	double scale;      /* to s, B, 1/s */
	int peak;          /* memory: a word peak or max */
	int param;         /* a word naming a problem size or count */
	char name[96];     /* metric name */
	char unit[48];
};

/* Splits key into lower-case words at non-alphanumerics and at a lower
 * case letter or digit followed by an upper case one. */
size_t bt__imp_split_words(const char *key, char w[BT__IMP_MAX_WORDS][32])
{
	size_t n = 0, len = 0;
	for (const char *s = key;; s++) {
		unsigned char c = (unsigned char)*s;
		int brk = !c || !isalnum(c) ||
			(len && isupper(c) && s > key &&
			 (islower((unsigned char)s[-1]) || isdigit((unsigned char)s[-1])));
		if (brk && len) {
			w[n][len] = '\0';
			if (++n == BT__IMP_MAX_WORDS)
				return n;
			len = 0;
		}
		if (!c)
			return n;
		if (isalnum(c) && len < 31)
			w[n][len++] = (char)tolower(c);
	}
}

/* Seconds per unit word, 0 when w is not one. */
static double time_unit(const char *w)
{
	static const char *const s[] = { "s", "sec", "secs", "second", "seconds", NULL };
	static const char *const ms[] = { "ms", "msec", "msecs", "millis",
		"millisecond", "milliseconds", NULL };
	static const char *const us[] = { "us", "usec", "usecs", "micros",
		"microsecond", "microseconds", NULL };
	static const char *const ns[] = { "ns", "nsec", "nsecs", "nanos",
		"nanosecond", "nanoseconds", NULL };
	return bt__imp_in_list(w, s) ? 1 : bt__imp_in_list(w, ms) ? 1e-3
		: bt__imp_in_list(w, us) ? 1e-6 : bt__imp_in_list(w, ns) ? 1e-9 : 0;
}

/* Bytes per unit word, 0 when w is not one. */
double bt__imp_mem_unit(const char *w)
{
	static const struct {
		const char *w;
		double b;
	} u[] = { { "b", 1 }, { "byte", 1 }, { "bytes", 1 }, { "kb", 1024.0 },
		  { "kib", 1024.0 }, { "mb", 1048576.0 }, { "mib", 1048576.0 },
		  { "gb", 1073741824.0 }, { "gib", 1073741824.0 },
		  { "tb", 1099511627776.0 }, { "tib", 1099511627776.0 } };
	for (size_t i = 0; i < sizeof u / sizeof *u; i++)
		if (strcmp(w, u[i].w) == 0)
			return u[i].b;
	return 0;
}

static int stat_word(const char *w, int *odd)
{
	static const struct {
		const char *w;
		int s;
	} t[] = { { "mean", S_MEAN }, { "avg", S_MEAN }, { "average", S_MEAN },
		  { "median", S_MEDIAN }, { "med", S_MEDIAN }, { "p50", S_MEDIAN },
		  { "std", S_STD }, { "stdev", S_STD }, { "stddev", S_STD },
		  { "sd", S_STD }, { "min", S_MIN }, { "minimum", S_MIN },
		  { "max", S_MAX }, { "maximum", S_MAX }, { "p5", S_P5 },
		  { "p05", S_P5 }, { "p25", S_P25 }, { "p75", S_P75 },
		  { "p95", S_P95 }, { "p99", S_P99 } };
	for (size_t i = 0; i < sizeof t / sizeof *t; i++)
		if (strcmp(w, t[i].w) == 0)
			return t[i].s;
	if (w[0] == 'p' && w[1] && strspn(w + 1, "0123456789") == strlen(w + 1)) {
		*odd = 1;
		return -1;
	}
	return -1;
}

/* What a unit text ("ms", "seconds", "tokens/sec", "MB") says. */
static void unit_hint(const char *u, struct keyinfo *k)
{
	if (!u || !*u)
		return;
	char low[48];
	size_t n = 0;
	for (; u[n] && n + 1 < sizeof low; n++)
		low[n] = (char)tolower((unsigned char)u[n]);
	low[n] = '\0';
	double f;
	if ((f = time_unit(low)) > 0) {
		if (k->kind == K_OTHER)
			k->kind = K_TIME;
		if (k->kind == K_TIME && !k->scaled)
			k->scale = f;
		return;
	}
	if ((f = bt__imp_mem_unit(low)) > 0) {
		if (k->kind == K_OTHER)
			k->kind = K_MEMORY;
		if (k->kind == K_MEMORY && !k->scaled)
			k->scale = f, k->scaled = 1;
		return;
	}
	const char *slash = strchr(low, '/');
	const char *per = strstr(low, " per ");
	const char *after = slash ? slash + 1 : per ? per + 5 : NULL;
	if (after && (f = time_unit(after)) > 0) {
		k->kind = K_RATE;
		if (!k->scaled)
			k->scale = 1 / f;
		size_t m = (size_t)((slash ? slash : per) - low);
		snprintf(k->unit, sizeof k->unit, "%.*s/s", (int)m, u);
		return;
	}
	if (k->kind == K_OTHER && !k->unit[0])
		snprintf(k->unit, sizeof k->unit, "%s", u);
}

/* Classifies a key of a number (see bt__rb_row_member, import.h); hint
 * is the unit a "unit" member gives, or NULL. */
static void classify(const char *key, const char *hint, struct keyinfo *k)
{
	static const char *const time_words[] = { "time", "times", "latency",
		"latencies", "duration", "durations", "elapsed", "runtime",
		"ttft", "tpot", "itl", "timing", "timings", NULL };
	static const char *const mem_words[] = { "memory", "mem", "rss", "vram",
		"footprint", NULL };
	static const char *const rate_words[] = { "throughput", "tps", "qps",
		"rps", "flops", "gflops", "tflops", "bandwidth", "gbps", NULL };
	static const char *const sample_words[] = { "samples", "times",
		"timings", "latencies", "durations", "measurements", "values",
		NULL };
	static const char *const time_alias[] = { "", "time", "times",
		"latency", "latencies", "duration", "elapsed", "runtime",
		"run_time", "wall", "wall_time", "wall_clock", "elapsed_time",
		"total_time", "exec_time", "execution_time", "kernel_time",
		"step_time", "iter_time", "iteration_time", "e2e_latency",
		"end_to_end_latency", "timing", "timings", NULL };
	static const char *const param_words[] = { "len", "length", "seq",
		"sequence", "batch", "bs", "heads", "head", "dim", "hidden",
		"size", "block", "segment", "dilation", "layers", "window",
		"threads", "workers", "world", "gpus", "nodes", "chunk", "tile",
		"stride", "n", "d", "k", "m", "num", "dtype", NULL };
	char w[BT__IMP_MAX_WORDS][32];
	size_t n = bt__imp_split_words(key, w);
	int drop[BT__IMP_MAX_WORDS] = { 0 };

	memset(k, 0, sizeof *k);
	k->stat = -1;
	k->scale = 1;
	for (size_t i = 0; i < n; i++) {
		int s = stat_word(w[i], &k->odd_stat);
		if (s >= 0 && k->stat < 0) {
			k->stat = s;
			drop[i] = 1;
		}
		if (strcmp(w[i], "peak") == 0 || strcmp(w[i], "max") == 0)
			k->peak = 1;
		if (bt__imp_in_list(w[i], param_words))
			k->param = 1;
	}
	/* rate: X per <time unit>, or a rate word */
	for (size_t i = 0; i + 1 < n && k->kind == K_OTHER; i++) {
		double f = time_unit(w[i + 1]);
		if (strcmp(w[i], "per") == 0 && f > 0) {
			struct bt_strbuf u = BT_STRBUF_INIT;
			for (size_t j = 0; j < i; j++)
				if (!drop[j])
					bt_strbuf_addf(&u, "%s%s", u.len ? "_" : "", w[j]);
			snprintf(k->unit, sizeof k->unit, "%s/s", u.len ? u.buf : "1");
			bt_strbuf_release(&u);
			k->kind = K_RATE;
			k->scale = 1 / f;
			k->scaled = 1;
		}
	}
	for (size_t i = 0; i < n && (k->kind == K_OTHER || (k->kind == K_RATE &&
					!k->scaled && !k->unit[0])); i++) {
		if (!bt__imp_in_list(w[i], rate_words))
			continue;
		k->kind = K_RATE;
		const char *u = !strcmp(w[i], "gflops") ? "GFLOP/s"
			: !strcmp(w[i], "tflops") ? "TFLOP/s"
			: !strcmp(w[i], "tps") ? "tokens/s"
			: !strcmp(w[i], "qps") ? "queries/s"
			: !strcmp(w[i], "rps") ? "requests/s"
			: !strcmp(w[i], "gbps") ? "GB/s" : "";
		snprintf(k->unit, sizeof k->unit, "%s", u);
	}
	if (k->kind == K_OTHER) {
		for (size_t i = 0; i < n; i++) {
			double f = bt__imp_mem_unit(w[i]);
			if ((f > 0 && (n > 1 || strcmp(w[i], "b"))) ||
			    bt__imp_in_list(w[i], mem_words))
				k->kind = K_MEMORY;
			if (f > 0 && !k->scaled) {
				k->scale = f;
				k->scaled = 1;
				drop[i] = 1;
			}
		}
		if (k->kind != K_MEMORY) {
			k->scaled = 0;
			k->scale = 1;
			for (size_t i = 0; i < n; i++)
				if (bt__imp_mem_unit(w[i]) > 0)
					drop[i] = 0;
		}
	}
	if (k->kind == K_OTHER) {
		for (size_t i = 0; i < n; i++) {
			double f = time_unit(w[i]);
			if (f > 0 && !k->scaled) {
				k->scale = f;
				k->scaled = 1;
				drop[i] = 1;
				k->kind = K_TIME;
			}
			if (bt__imp_in_list(w[i], time_words))
				k->kind = K_TIME;
		}
	}
	unit_hint(hint, k);
	for (size_t i = 0; i < n; i++)
		if (bt__imp_in_list(w[i], sample_words) && n > 0) {
			k->samples = 1;
			if (strcmp(w[i], "times") && strcmp(w[i], "latencies") &&
			    strcmp(w[i], "timings") && strcmp(w[i], "durations"))
				drop[i] = 1;
		}
	struct bt_strbuf nm = BT_STRBUF_INIT;
	for (size_t i = 0; i < n; i++)
		if (!drop[i])
			bt_strbuf_addf(&nm, "%s%s", nm.len ? "_" : "", w[i]);
	const char *base = bt_strbuf_str(&nm);
	if (k->kind == K_TIME && bt__imp_in_list(base, time_alias))
		base = "time";
	snprintf(k->name, sizeof k->name, "%s", *base ? base : "value");
	bt_strbuf_release(&nm);
	if (k->kind == K_TIME)
		snprintf(k->unit, sizeof k->unit, "s");
	else if (k->kind == K_MEMORY && k->scaled)
		snprintf(k->unit, sizeof k->unit, "B");
	else if (k->kind == K_RATE && !k->unit[0])
		snprintf(k->unit, sizeof k->unit, "1/s");
}

/* --- building a result ------------------------------------------------- */

struct bt__mb {
	char name[96];
	char unit[48];
	enum kind kind;
	double *samples;
	size_t n, alloc;
	double st[S_N];     /* given statistics, NAN when not given */
};

static void *grow(void *p, size_t *alloc, size_t n, size_t size, int *oom)
{
	if (bt__vec_reserve(&p, alloc, n + 1, size)) {
		*oom = 1;
		return NULL;
	}
	return p;
}

/* Sets param key (copied into the run) to value (already in the run);
 * replace: an existing value is replaced, else kept. */
void bt__rb_param(struct bt__rb *b, const char *key, const char *value,
		  int replace)
{
	if (!value)
		return;
	for (size_t i = 0; i < b->n_params; i++)
		if (strcmp(b->params[i].key, key) == 0) {
			if (replace)
				b->params[i].value = value;
			return;
		}
	struct bt_kv *p = grow(b->params, &b->a_params, b->n_params, sizeof *p, &b->oom);
	if (!p)
		return;
	b->params = p;
	p[b->n_params].key = bt_run_strdup(b->run, key);
	p[b->n_params].value = value;
	if (!p[b->n_params].key) {
		b->oom = 1;
		return;
	}
	b->n_params++;
}

void bt__rb_counter(struct bt__rb *b, const char *key, double v)
{
	for (size_t i = 0; i < b->n_counters; i++)
		if (strcmp(b->counters[i].name, key) == 0) {
			b->counters[i].value = v;
			return;
		}
	struct bt_counter *c = grow(b->counters, &b->a_counters, b->n_counters,
				    sizeof *c, &b->oom);
	if (!c)
		return;
	b->counters = c;
	c[b->n_counters].name = bt_run_strdup(b->run, key);
	c[b->n_counters].value = v;
	if (!c[b->n_counters].name) {
		b->oom = 1;
		return;
	}
	b->n_counters++;
}

static struct bt__mb *rb_metric(struct bt__rb *b, const struct keyinfo *k)
{
	for (size_t i = 0; i < b->n_metrics; i++)
		if (strcmp(b->metrics[i].name, k->name) == 0)
			return &b->metrics[i];
	struct bt__mb *m = grow(b->metrics, &b->a_metrics, b->n_metrics, sizeof *m, &b->oom);
	if (!m)
		return NULL;
	b->metrics = m;
	m = &b->metrics[b->n_metrics++];
	memset(m, 0, sizeof *m);
	snprintf(m->name, sizeof m->name, "%s", k->name);
	snprintf(m->unit, sizeof m->unit, "%s", k->unit);
	m->kind = k->kind;
	for (int i = 0; i < S_N; i++)
		m->st[i] = NAN;
	return m;
}

static void mb_push(struct bt__rb *b, struct bt__mb *m, double x)
{
	double *p = grow(m->samples, &m->alloc, m->n, sizeof *p, &b->oom);
	if (!p)
		return;
	m->samples = p;
	p[m->n++] = x;
}

/* v in the canonical unit: v / 1000 rather than v * 1e-3 for the small
 * factors (ms, us, ns): 1e-3 is inexact, so the product rounds twice
 * (0.9 ms * 1e-3 is 0.0009000000000000001 s, 0.9 / 1000 is 0.0009). */
static double scaled(double v, double scale)
{
	return scale < 1 ? v / round(1 / scale) : v * scale;
}

/* A value for metric k: a statistic, or a sample. */
static void metric_value(struct bt__rb *b, const struct keyinfo *k, double v)
{
	struct bt__mb *m = rb_metric(b, k);
	if (!m)
		return;
	if (k->stat >= 0)
		m->st[k->stat] = scaled(v, k->scale);
	else
		mb_push(b, m, scaled(v, k->scale));
}

/* The members of an object describing one metric (name/kind from its
 * key): statistics, "unit", sample arrays. */
static void metric_object(struct bt__rb *b, const char *key, const json_t *o)
{
	const json_t *u = json_object_get(o, "unit");
	const char *hint = json_is_string(u) ? json_string_value(u) : NULL;
	struct keyinfo k;
	classify(key, hint, &k);
	const char *ik;
	json_t *iv;
	if (k.kind == K_OTHER) {
		/* the unit of a statistic's key ({"mean_ms": ..}) says it */
		json_object_foreach((json_t *)o, ik, iv) {
			struct keyinfo s;
			classify(ik, NULL, &s);
			if (s.stat >= 0 && s.kind != K_OTHER && s.scaled) {
				k.kind = s.kind;
				snprintf(k.unit, sizeof k.unit, "%s", s.unit);
				break;
			}
		}
	}
	json_object_foreach((json_t *)o, ik, iv) {
		struct keyinfo s;
		classify(ik, hint, &s);
		double scale = s.scaled ? s.scale : k.scale;
		struct keyinfo t = k;
		t.stat = s.stat;
		t.scale = scale;
		if (json_is_number(iv) && s.stat >= 0) {
			metric_value(b, &t, json_number_value(iv));
		} else if (json_is_array(iv) && s.samples) {
			t.stat = -1;
			for (size_t i = 0; i < json_array_size(iv); i++)
				if (json_is_number(json_array_get(iv, i)))
					metric_value(b, &t, json_number_value(json_array_get(iv, i)));
		}
	}
}

/* 1 when o looks like one metric: statistics or samples, and nothing else
 * but a unit, a name, a count or statistics without a field (p90). */
int bt__rb_is_metric_object(const json_t *o)
{
	static const char *const extra[] = { "unit", "units", "name", "n",
		"count", "description", NULL };
	if (!json_is_object(o))
		return 0;
	const char *ik;
	json_t *iv;
	int any = 0;
	json_object_foreach((json_t *)o, ik, iv) {
		struct keyinfo s;
		classify(ik, NULL, &s);
		if ((json_is_number(iv) && s.stat >= 0) ||
		    (json_is_array(iv) && s.samples))
			any = 1;
		else if (!(json_is_number(iv) && s.odd_stat) && !bt__imp_in_list(ik, extra))
			return 0;
	}
	return any;
}

/* Every member of a "metrics"/"measurements" object is a metric. */
void bt__rb_metrics(struct bt__rb *b, const json_t *o, const char *hint)
{
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)o, key, v) {
		struct keyinfo k;
		classify(key, hint, &k);
		if (json_is_number(v)) {
			metric_value(b, &k, json_number_value(v));
		} else if (json_is_object(v)) {
			metric_object(b, key, v);
		} else if (json_is_array(v)) {
			k.stat = -1;
			for (size_t i = 0; i < json_array_size(v); i++)
				if (json_is_number(json_array_get(v, i)))
					metric_value(b, &k, json_number_value(json_array_get(v, i)));
		}
	}
}

/* The members of o as params; the run's parameters (replace == 0) without
 * the iteration counts, which are the run's config. */
void bt__rb_params(struct bt__rb *b, const json_t *o, int replace)
{
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)o, key, v)
		if (replace || (!bt__imp_in_list(key, bt__imp_warm_keys) &&
				 !bt__imp_in_list(key, bt__imp_meas_keys)))
			bt__rb_param(b, key, bt__imp_jtext(b->run, v, &b->oom), replace);
}

static void set_status(struct bt__rb *b, const char *s)
{
	static const char *const ok[] = { "success", "succeeded", "passed",
		"pass", "completed", "complete", "done", "finished", NULL };
	static const char *const bad[] = { "error", "fail", "failure", "errored",
		NULL };
	static const char *const oom[] = { "out_of_memory", "out-of-memory",
		"out of memory", "outofmemory", NULL };
	char low[32];
	size_t n = 0;
	for (; s[n] && n + 1 < sizeof low; n++)
		low[n] = (char)tolower((unsigned char)s[n]);
	low[n] = '\0';
	int st = bt_status_parse(low);
	if (st >= 0)
		b->status = (enum bt_status)st;
	else if (bt__imp_in_list(low, ok))
		b->status = BT_STATUS_OK;
	else if (bt__imp_in_list(low, bad))
		b->status = BT_STATUS_FAILED;
	else if (bt__imp_in_list(low, oom))
		b->status = BT_STATUS_OOM;
	else {
		b->status = BT_STATUS_FAILED;
		if (!b->message)
			b->message = bt_run_printf(b->run, "legacy status \"%.60s\"", s);
	}
}

/* One member of a seed result row. */
void bt__rb_row_member(struct bt__rb *b, const char *key, const json_t *v,
		       const char *hint)
{
	static const char *const name_keys[] = { "name", "benchmark", "test",
		"kernel", "method", "implementation", "algorithm", NULL };
	static const char *const ignored[] = { "unit", "time_unit", "units",
		"description", "notes", "note", "comment", "comments",
		"timestamp", "date", "datetime", NULL };
	static const char *const counts[] = { "iterations", "iters", "runs",
		"repeats", "repetitions", "count", "trials", "rounds", "warmup",
		NULL };
	char low[64];
	snprintf(low, sizeof low, "%s", key);
	for (char *c = low; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	if (bt__imp_in_list(low, ignored))
		return;
	if (strcmp(low, "status") == 0 && json_is_string(v)) {
		set_status(b, json_string_value(v));
		return;
	}
	if ((strcmp(low, "error") == 0 || strcmp(low, "message") == 0 ||
	     strcmp(low, "error_message") == 0) && json_is_string(v)) {
		/* an error marks an ok row failed; a status that says more
		 * (oom, timeout, crashed) stays */
		if (strcmp(low, "message") != 0 && b->status == BT_STATUS_OK)
			b->status = BT_STATUS_FAILED;
		if (!(b->message = bt_run_strdup(b->run, json_string_value(v))))
			b->oom = 1;
		return;
	}
	if (strcmp(low, "success") == 0 && json_is_boolean(v)) {
		if (!json_is_true(v) && b->status == BT_STATUS_OK)
			b->status = BT_STATUS_FAILED;
		return;
	}
	if (bt__imp_in_list(low, name_keys) && json_is_string(v) && !b->name) {
		if (!(b->name = bt_run_strdup(b->run, json_string_value(v))))
			b->oom = 1;
		return;
	}
	if ((!strcmp(low, "params") || !strcmp(low, "parameters") ||
	     !strcmp(low, "config")) && json_is_object(v)) {
		bt__rb_params(b, v, 1);
		return;
	}
	if ((!strcmp(low, "metrics") || !strcmp(low, "measurements")) &&
	    json_is_object(v)) {
		bt__rb_metrics(b, v, hint);
		return;
	}
	if (json_is_string(v) || json_is_boolean(v)) {
		bt__rb_param(b, key, bt__imp_jtext(b->run, v, &b->oom), 1);
		return;
	}
	if (json_is_object(v)) {
		if (bt__rb_is_metric_object(v))
			metric_object(b, key, v);
		return;
	}
	struct keyinfo k;
	classify(key, hint, &k);
	if (json_is_array(v)) {
		if (!k.samples || (k.kind != K_TIME && k.kind != K_RATE))
			return;
		k.stat = -1;
		for (size_t i = 0; i < json_array_size(v); i++)
			if (json_is_number(json_array_get(v, i)))
				metric_value(b, &k, json_number_value(json_array_get(v, i)));
		return;
	}
	if (!json_is_number(v))
		return;
	double x = json_number_value(v);
	if (k.odd_stat) {
		bt__rb_counter(b, key, x);
		return;
	}
	switch (k.kind) {
	case K_TIME:
	case K_RATE:
		metric_value(b, &k, x);
		return;
	case K_MEMORY:
		bt__rb_counter(b, key, x);
		if (k.scaled && x >= 0 && x * k.scale < 9.2e18) {
			int64_t bytes = (int64_t)llround(scaled(x, k.scale));
			if (k.peak && b->peak_memory_bytes < 0)
				b->peak_memory_bytes = bytes;
			else if (!k.peak && b->memory_bytes < 0)
				b->memory_bytes = bytes;
		}
		return;
	case K_OTHER:
		break;
	}
	int whole = x == floor(x) && fabs(x) < 9007199254740992.0;
	if (whole && k.param && !bt__imp_in_list(low, counts))
		bt__rb_param(b, key, bt__imp_jtext(b->run, v, &b->oom), 1);
	else
		bt__rb_counter(b, key, x);
}

static int kv_cmp(const void *a, const void *b)
{
	const struct bt_kv *x = a, *y = b;
	return strcmp(x->key, y->key);
}

/* Turns the builder into a result of run; frees the builder. */
int bt__rb_finish(struct bt__rb *b, const char *fallback_name)
{
	struct bt_run *run = b->run;
	static const char *const st_names[S_N] = { "mean", "median", "std",
		"min", "max", "p5", "p25", "p75", "p95", "p99" };
	for (size_t i = 0; b->source_stats && i < b->n_metrics; i++)
		for (int j = 0; j < S_N; j++)
			if (!isnan(b->metrics[i].st[j])) {
				char key[128];
				snprintf(key, sizeof key, "%s.source_%s",
					 b->metrics[i].name, st_names[j]);
				bt__rb_counter(b, key, b->metrics[i].st[j]);
			}
	int rc = b->oom ? BT_ENOMEM : 0;
	struct bt_result *r = rc ? NULL : bt_run_add_result(run);
	if (!rc && !r)
		rc = BT_ENOMEM;
	if (!rc) {
		r->name = b->name ? b->name : bt_run_strdup(run, fallback_name);
		r->variant = bt_run_strdup(run, "default");
		r->status = b->status;
		r->message = b->status == BT_STATUS_OK ? NULL : b->message;
		r->memory_bytes = b->memory_bytes;
		r->peak_memory_bytes = b->peak_memory_bytes;
		if (!r->name || !r->variant)
			rc = BT_ENOMEM;
	}
	if (!rc && b->n_params) {
		r->params = bt_run_alloc(run, b->n_params * sizeof *r->params);
		if (!r->params)
			rc = BT_ENOMEM;
		else {
			memcpy(r->params, b->params, b->n_params * sizeof *r->params);
			qsort(r->params, b->n_params, sizeof *r->params, kv_cmp);
			r->n_params = b->n_params;
		}
	}
	if (!rc && b->n_counters) {
		r->counters = bt_run_alloc(run, b->n_counters * sizeof *r->counters);
		if (!r->counters)
			rc = BT_ENOMEM;
		else {
			memcpy(r->counters, b->counters, b->n_counters * sizeof *r->counters);
			r->n_counters = b->n_counters;
		}
	}
	if (!rc && b->n_metrics) {
		r->metrics = bt_run_alloc(run, b->n_metrics * sizeof *r->metrics);
		if (!r->metrics)
			rc = BT_ENOMEM;
	}
	/* "time" first, then in the order of the file */
	for (size_t pass = 0; !rc && pass < 2; pass++)
		for (size_t i = 0; !rc && i < b->n_metrics; i++) {
			struct bt__mb *m = &b->metrics[i];
			if ((strcmp(m->name, "time") == 0) != (pass == 0))
				continue;
			struct bt_metric *o = &r->metrics[r->n_metrics];
			/* without samples, one: the median, else the mean, ... */
			double one = NAN;
			const int pick[] = { S_MEDIAN, S_MEAN, S_MIN, S_MAX, S_P25,
					     S_P75, S_P95, S_P99, S_P5 };
			for (size_t j = 0; m->n == 0 && j < sizeof pick / sizeof *pick; j++)
				if (!isnan(m->st[pick[j]])) {
					one = m->st[pick[j]];
					break;
				}
			if (m->n == 0 && isnan(one))
				continue; /* only a std: nothing to keep */
			size_t n = m->n ? m->n : 1;
			o->samples = bt_run_alloc(run, n * sizeof *o->samples);
			o->name = bt_run_strdup(run, m->name);
			o->unit = m->unit[0] ? bt_run_strdup(run, m->unit) : NULL;
			if (!o->samples || !o->name || (m->unit[0] && !o->unit)) {
				rc = BT_ENOMEM;
				break;
			}
			if (m->n)
				memcpy(o->samples, m->samples, n * sizeof *o->samples);
			else
				o->samples[0] = one;
			o->n_samples = n;
			o->direction = m->kind == K_RATE ? BT_HIGHER_IS_BETTER
							 : BT_LOWER_IS_BETTER;
			if ((rc = bt_stats_summarize(o->samples, n, &o->stats)))
				break;
			if (m->n == 0) {
				/* what the file gives; mean, median, min and max
				 * default to the one sample, the rest is unknown */
				struct bt_stats *s = &o->stats;
				double *f[S_N] = { &s->mean, &s->median, &s->std, &s->min,
						   &s->max, &s->p5, &s->p25, &s->p75,
						   &s->p95, &s->p99 };
				s->std = s->p5 = s->p25 = s->p75 = s->p95 = s->p99 = NAN;
				s->mad = s->iqr = s->cv = NAN;
				s->median_ci_low = s->median_ci_high = NAN;
				s->outliers = 0;
				for (int j = 0; j < S_N; j++)
					if (!isnan(m->st[j]))
						*f[j] = m->st[j];
				if (!isnan(s->p25) && !isnan(s->p75))
					s->iqr = s->p75 - s->p25;
				if (!isnan(s->std) && s->mean != 0)
					s->cv = s->std / fabs(s->mean);
			}
			if (m->kind == K_RATE && !r->throughput.unit) {
				r->throughput.value = isnan(o->stats.median)
					? o->stats.mean : o->stats.median;
				r->throughput.unit = o->unit ? o->unit
					: bt_run_strdup(run, "1/s");
			}
			r->n_metrics++;
		}
	for (size_t i = 0; i < b->n_metrics; i++)
		free(b->metrics[i].samples);
	free(b->metrics);
	free(b->params);
	free(b->counters);
	memset(b, 0, sizeof *b);
	return rc;
}

void bt__rb_init(struct bt__rb *b, struct bt_run *run)
{
	memset(b, 0, sizeof *b);
	b->run = run;
	b->status = BT_STATUS_OK;
	b->memory_bytes = -1;
	b->peak_memory_bytes = -1;
}
