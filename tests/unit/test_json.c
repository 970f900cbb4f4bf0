/* Tests of the run model (lib/result/result.c) and its JSON form (lib/result/json.c). */
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "internal.h"
#include "result/json_scan.h"
#include "result/schema.h"
#include "helpers.h"

/* ---------------------------------------------------------------------
 * Fixtures
 * ------------------------------------------------------------------- */

BT_TEST_TMPDIR_FIXTURE(tmpdir, "bt_test_json")

static const char *tmppath(const char *name)
{
	static char buf[512];
	snprintf(buf, sizeof buf, "%s/%s", tmpdir, name);
	return buf;
}

static double *dup_doubles(struct bt_run *run, const double *x, size_t n)
{
	double *p = bt_run_alloc(run, n * sizeof *p + 1);
	assert_non_null(p);
	memcpy(p, x, n * sizeof *p);
	return p;
}

static void fill_stats(struct bt_stats *s, size_t n, double base)
{
	s->n = n;
	s->mean = base * 1.01;
	s->median = base;
	s->std = base * 0.0123456789;
	s->min = base * 0.97;
	s->max = base * 1.1;
	s->p5 = base * 0.975;
	s->p25 = base * 0.99;
	s->p75 = base * 1.02;
	s->p95 = base * 1.08;
	s->p99 = base * 1.09;
	s->mad = base * 0.011;
	s->iqr = base * 0.03;
	s->cv = 0.0122234;
	s->ci_level = 0.95;
	s->median_ci_low = base * 0.985;
	s->median_ci_high = base * 1.015;
	s->outliers = 1;
}

static void nan_stats(struct bt_stats *s)
{
	s->n = 0;
	s->mean = s->median = s->std = s->min = s->max = NAN;
	s->p5 = s->p25 = s->p75 = s->p95 = s->p99 = NAN;
	s->mad = s->iqr = s->cv = NAN;
	s->ci_level = 0.95;
	s->median_ci_low = s->median_ci_high = NAN;
	s->outliers = 0;
}

/* r's series key as the runner computes it (the readers check it). */
static const char *key_of(struct bt_run *run, const struct bt_result *r)
{
	char k[17];
	bt_series_key(run->suite, r, run->machine.fingerprint,
		      r->n_metrics ? r->metrics[0].name : "time", k);
	return bt_run_strdup(run, k);
}

/* Names m; with n samples x (stats from fill_stats at base), else no
 * samples set and NaN stats. */
static void set_metric(struct bt_run *run, struct bt_metric *m,
		       const char *name, const char *unit,
		       enum bt_direction direction,
		       const double *x, size_t n, double base)
{
	m->name = name;
	m->unit = unit;
	m->direction = direction;
	if (!x) {
		nan_stats(&m->stats);
		return;
	}
	m->samples = dup_doubles(run, x, n);
	m->n_samples = n;
	fill_stats(&m->stats, n, base);
}

/* A run with every field set: an ok result with two metrics, a failed one
 * with a message, a crashed one without samples (NaN stats). */
static void build_run(struct bt_run *run)
{
	assert_int_equal(bt_run_init(run), 0);
	run->run_id = "0123456789abcdef0123456789abcdef";
	run->benchmark_type = bt_run_strdup(run, "comprehensive");
	run->suite = bt_run_strdup(run, "attention");
	run->timestamp = bt_run_strdup(run, "2026-11-22T20:08:32Z");
	run->duration_s = 12.345678901234567;

	run->git.commit = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c";
	run->git.branch = "main";
	run->git.dirty = 1;
	run->git.commit_time = "2026-11-22T19:00:00Z";

	/* every field of the machine and of the config is given */
	run->machine = (struct bt_machine){
		.name = "bench-host", .fingerprint = "0011223344556677",
		.arch = "x86_64",
		.cpu_model = "AMD EPYC 9654 96-Core Processor \"quoted\"\\",
		.cpu_cores = 16, .cpu_physical_cores = 8, .cpu_mhz = 3700.5,
		.cache_l1d = 32768, .cache_l2 = 1048576, .cache_l3 = 33554432,
		.memory_bytes = 137438953472LL,
		.os = "Debian GNU/Linux 12 (bookworm)", .kernel = "6.1.0-18-amd64",
		.governor = NULL,
	};
	struct bt_machine *m = &run->machine;
	m->gpus = bt_run_alloc(run, 2 * sizeof *m->gpus);
	m->n_gpus = 2;
	m->gpus[0].name = "NVIDIA H100 80GB HBM3";
	m->gpus[0].memory_bytes = 85520809984LL;
	m->gpus[0].driver = "550.54.15";
	m->gpus[1].name = "NVIDIA H100 80GB HBM3 \xc3\xa9";
	m->gpus[1].memory_bytes = -1;
	m->gpus[1].driver = NULL;

	run->build.compiler = "gcc 12.2.0";
	run->build.flags = "-O2 -march=native";
	run->build.optimized = 1;
	run->build.benchtrack_version = "0.1.0";

	run->config = (struct bt_config){
		.warmup_iterations = 3, .measurement_iterations = 20,
		.min_sample_time = 0.01, .time_budget = 5, .timeout = 60,
		.memory_limit = 8589934592LL, .isolate = 1, .seed = 42,
		.quick = 0, .ablation = 1, .filter = "attn*", .exclude = NULL,
		.range = "small", .options = "flash,fused",
		.timer_resolution_s = 1e-9, .timer_overhead_s = 2.5e-8,
		.clock = "CLOCK_MONOTONIC",
	};
	struct bt_config *c = &run->config;
	c->params = bt_run_alloc(run, 2 * sizeof *c->params);
	c->params[0] = "n=1024,4096";
	c->params[1] = "heads=8";
	c->n_params = 2;

	/* 0: ok, everything */
	struct bt_result *r = bt_run_add_result(run);
	assert_non_null(r);
	r->name = "attention_fwd";
	r->group = "attention";
	r->type = "attention";
	r->variant = "flash+fused";
	r->params = bt_run_alloc(run, 2 * sizeof *r->params);
	r->params[0] = (struct bt_kv){ "d", "64" };
	r->params[1] = (struct bt_kv){ "n", "4096" };
	r->n_params = 2;
	r->options = bt_run_alloc(run, 2 * sizeof *r->options);
	r->options[0] = "flash";
	r->options[1] = "fused";
	r->n_options = 2;
	r->version = 2;
	r->status = BT_STATUS_OK;
	r->metrics = bt_run_alloc(run, 2 * sizeof *r->metrics);
	r->n_metrics = 2;
	static const double t0[] = { 1.234e-3, 1.2351e-3, 1.2299e-3,
				     1.3e-3, 0.1 + 0.2 };
	set_metric(run, &r->metrics[0], "time", "s", BT_LOWER_IS_BETTER, t0, 5,
		   1.234e-3);
	static const double tp[] = { 3319286.9, 3316428.1, 3330351.7 };
	set_metric(run, &r->metrics[1], "tokens/s", "tokens/s",
		   BT_HIGHER_IS_BETTER, tp, 3, 3319286.9);
	r->counters = bt_run_alloc(run, 2 * sizeof *r->counters);
	r->counters[0] = (struct bt_counter){ "flops", 1.5e9 };
	r->counters[1] = (struct bt_counter){ "bytes", -0.0 };
	r->n_counters = 2;
	r->throughput.value = 3319286.9;
	r->throughput.unit = "tokens/s";
	r->throughput.items_per_op = 4096;
	r->bytes_throughput.value = 1.6e9;
	r->bytes_throughput.unit = "B/s";
	r->bytes_throughput.items_per_op = 524288;
	r->iterations_per_sample = 128;
	r->peak_memory_bytes = 123456789;
	r->memory_bytes = 600000000;
	r->cpu_user_s = 1.25;
	r->cpu_sys_s = 0.05;
	r->ctx_switches_voluntary = 3;
	r->ctx_switches_involuntary = 17;
	r->wall_s = 2.5;
	r->validation = (struct bt_validation){ 1, 1e-6, 3e-7, 1e-5, 1 };
	r->adaptive = (struct bt_adaptive){ "n", "8192", "4096", 1 };
	r->series_key = key_of(run, r);

	/* 1: failed validation, with a message */
	r = bt_run_add_result(run);
	r->name = "attention_fwd";
	r->group = "attention";
	r->type = "attention";
	r->variant = "none";
	r->params = bt_run_alloc(run, sizeof *r->params);
	r->params[0] = (struct bt_kv){ "n", "4096" };
	r->n_params = 1;
	r->status = BT_STATUS_FAILED;
	r->message = "validation failed: max_rel_err 0.2 > 1e-05\n\ttab";
	r->metrics = bt_run_alloc(run, sizeof *r->metrics);
	r->n_metrics = 1;
	static const double t1[] = { 2e-3, 2.1e-3, 1.9e-3 };
	set_metric(run, &r->metrics[0], "time", "s", BT_LOWER_IS_BETTER, t1, 3,
		   2e-3);
	r->metrics[0].stats.std = NAN;
	r->iterations_per_sample = 64;
	r->cpu_user_s = 0.5;
	r->wall_s = 1.0;
	r->validation = (struct bt_validation){ 1, 0.5, 0.2, 1e-5, 0 };
	r->series_key = key_of(run, r);

	/* 2: crashed before any sample */
	r = bt_run_add_result(run);
	r->name = "matmul";
	r->variant = "default";
	r->status = BT_STATUS_CRASHED;
	r->message = "killed by signal 11 (SIGSEGV)";
	r->metrics = bt_run_alloc(run, sizeof *r->metrics);
	r->n_metrics = 1;
	set_metric(run, &r->metrics[0], "time", "s", BT_LOWER_IS_BETTER, NULL, 0,
		   0);
	r->wall_s = 0.125;
}

/* ---------------------------------------------------------------------
 * Comparison
 * ------------------------------------------------------------------- */

static void str_eq(const char *a, const char *b, const char *what)
{
	if (!a || !b) {
		if (a != b)
			fail_msg("%s: \"%s\" != \"%s\"", what, a ? a : "(null)",
				 b ? b : "(null)");
		return;
	}
	if (strcmp(a, b))
		fail_msg("%s: \"%s\" != \"%s\"", what, a, b);
}

static void dbl_eq(double a, double b, const char *what)
{
	if (isnan(a) && isnan(b))
		return;
	if (memcmp(&a, &b, sizeof a))
		fail_msg("%s: %.17g != %.17g", what, a, b);
}

static void int_eq(long long a, long long b, const char *what)
{
	if (a != b)
		fail_msg("%s: %lld != %lld", what, a, b);
}

#define S(f) str_eq(a->f, b->f, #f)
#define D(f) dbl_eq(a->f, b->f, #f)
#define I(f) int_eq((long long)a->f, (long long)b->f, #f)
/* The count n, then each element of the array x by eq. */
#define EACH(n, x, eq)                                                       \
	do {                                                                 \
		I(n);                                                        \
		for (size_t i = 0; i < a->n; i++)                            \
			eq(&a->x[i], &b->x[i]);                              \
	} while (0)

static void stats_eq(const struct bt_stats *a, const struct bt_stats *b)
{
	I(n);
	D(mean);
	D(median);
	D(std);
	D(min);
	D(max);
	D(p5);
	D(p25);
	D(p75);
	D(p95);
	D(p99);
	D(mad);
	D(iqr);
	D(cv);
	D(ci_level);
	D(median_ci_low);
	D(median_ci_high);
	I(outliers);
}

static void kv_eq(const struct bt_kv *a, const struct bt_kv *b)
{
	S(key);
	S(value);
}

static void metric_eq(const struct bt_metric *a, const struct bt_metric *b)
{
	S(name);
	S(unit);
	I(direction);
	I(n_samples);
	for (size_t j = 0; j < a->n_samples; j++)
		D(samples[j]);
	stats_eq(&a->stats, &b->stats);
}

static void counter_eq(const struct bt_counter *a,
		       const struct bt_counter *b)
{
	S(name);
	D(value);
}

static void throughput_eq(const struct bt_throughput *a,
			  const struct bt_throughput *b)
{
	S(unit);
	if (a->unit) {
		D(value);
		D(items_per_op);
	}
}

static void result_eq(const struct bt_result *a, const struct bt_result *b)
{
	S(name);
	S(group);
	S(type);
	S(variant);
	EACH(n_params, params, kv_eq);
	I(n_options);
	for (size_t i = 0; i < a->n_options; i++)
		S(options[i]);
	I(version);
	I(status);
	S(message);
	EACH(n_metrics, metrics, metric_eq);
	EACH(n_counters, counters, counter_eq);
	throughput_eq(&a->throughput, &b->throughput);
	throughput_eq(&a->bytes_throughput, &b->bytes_throughput);
	I(iterations_per_sample);
	I(peak_memory_bytes);
	I(memory_bytes);
	D(cpu_user_s);
	D(cpu_sys_s);
	I(ctx_switches_voluntary);
	I(ctx_switches_involuntary);
	D(wall_s);
	I(validation.checked);
	if (a->validation.checked) {
		D(validation.max_abs_err);
		D(validation.max_rel_err);
		D(validation.tolerance);
		I(validation.passed);
	}
	S(adaptive.param);
	if (a->adaptive.param) {
		S(adaptive.requested);
		S(adaptive.ran);
		I(adaptive.retries);
	}
	S(series_key);
}

static void run_eq(const struct bt_run *a, const struct bt_run *b)
{
	S(schema);
	S(run_id);
	S(benchmark_type);
	S(suite);
	S(timestamp);
	D(duration_s);
	S(git.commit);
	S(git.branch);
	I(git.dirty);
	S(git.commit_time);
	S(machine.name);
	S(machine.fingerprint);
	S(machine.arch);
	S(machine.cpu_model);
	I(machine.cpu_cores);
	I(machine.cpu_physical_cores);
	D(machine.cpu_mhz);
	I(machine.cache_l1d);
	I(machine.cache_l2);
	I(machine.cache_l3);
	I(machine.memory_bytes);
	S(machine.os);
	S(machine.kernel);
	S(machine.governor);
	I(machine.n_gpus);
	for (size_t i = 0; i < a->machine.n_gpus; i++) {
		S(machine.gpus[i].name);
		I(machine.gpus[i].memory_bytes);
		S(machine.gpus[i].driver);
	}
	S(build.compiler);
	S(build.flags);
	I(build.optimized);
	S(build.benchtrack_version);
	I(config.warmup_iterations);
	I(config.measurement_iterations);
	D(config.min_sample_time);
	D(config.time_budget);
	D(config.timeout);
	I(config.memory_limit);
	I(config.isolate);
	int_eq(a->config.seed == b->config.seed, 1, "config.seed");
	I(config.quick);
	I(config.ablation);
	S(config.filter);
	S(config.exclude);
	I(config.n_params);
	for (size_t i = 0; i < a->config.n_params; i++)
		S(config.params[i]);
	S(config.range);
	S(config.options);
	D(config.timer_resolution_s);
	D(config.timer_overhead_s);
	S(config.clock);
	I(n_results);
	for (size_t i = 0; i < a->n_results; i++)
		result_eq(&a->results[i], &b->results[i]);
}

#undef S
#undef D
#undef I
#undef EACH

/* Asserts that run (not yet initialised) reads t, named name, without
 * an error. */
static void from_json_ok(struct bt_run *run, const char *t, const char *name)
{
	assert_int_equal(bt_run_init(run), 0);
	assert_int_equal(bt_run_from_json(run, t, strlen(t), name, NULL), 0);
}

/* Serialises run (pretty) into a malloc'd string. */
static char *to_text(const struct bt_run *run, int pretty)
{
	struct bt_strbuf sb = BT_STRBUF_INIT, err = BT_STRBUF_INIT;
	int rc = bt_run_to_json(run, pretty, &sb, &err);
	if (rc)
		fail_msg("bt_run_to_json: %s", bt_strbuf_str(&err));
	bt_strbuf_release(&err);
	return bt_strbuf_detach(&sb);
}

/* build_run's run serialised (pretty), as a malloc'd string. */
static char *built_text(int pretty)
{
	struct bt_run a;
	build_run(&a);
	char *t = to_text(&a, pretty);
	bt_run_release(&a);
	return t;
}

/* The fast reader (lib/result/json_scan.c) against the strict one on text whose
 * strict verdict is strict_rc (and run strict when 0): it may refuse
 * anything, but what it accepts the strict reader accepts, with the same
 * values, samples included with BT__SCAN_SAMPLES and none without.
 * Returns the fast reader's verdict (0 accepted). */
static int scan_agrees(const char *text, size_t len, int strict_rc,
		       const struct bt_run *strict)
{
	int verdict = -1;
	for (int flags = 0; flags < 2; flags++) {
		struct bt_run run;
		assert_int_equal(bt_run_init(&run), 0);
		int rc = bt__run_scan(&run, text, len,
				      flags ? BT__SCAN_SAMPLES : 0);
		if (rc == 0 && strict_rc != 0)
			fail_msg("the fast reader accepts what the strict one "
				 "refuses (%d): %.*s", strict_rc,
				 (int)(len < 300 ? len : 300), text);
		if (rc == 0 && flags) {
			run_eq(strict, &run);
		} else if (rc == 0) {
			for (size_t i = 0; i < run.n_results; i++)
				for (size_t j = 0; j < run.results[i].n_metrics;
				     j++) {
					assert_null(run.results[i].metrics[j].samples);
					assert_int_equal(run.results[i].metrics[j].n_samples, 0);
				}
			/* the rest is as with samples */
			struct bt_run full;
			assert_int_equal(bt_run_init(&full), 0);
			assert_int_equal(bt__run_scan(&full, text, len,
						      BT__SCAN_SAMPLES), 0);
			for (size_t i = 0; i < full.n_results; i++)
				for (size_t j = 0; j < full.results[i].n_metrics;
				     j++)
					full.results[i].metrics[j].n_samples = 0;
			run_eq(&full, &run);
			bt_run_release(&full);
		}
		if (flags && rc != verdict)
			fail_msg("the fast reader's verdict depends on "
				 "BT__SCAN_SAMPLES");
		verdict = rc;
		bt_run_release(&run);
	}
	return verdict;
}

/* Parses text; returns the code, the message in msg (static). The fast
 * reader is checked against the strict one on every text. */
static int parse_text(const char *text, size_t len, const char *name,
		      const char **msg)
{
	static struct bt_strbuf err;
	struct bt_run run;
	bt_strbuf_reset(&err);
	assert_int_equal(bt_run_init(&run), 0);
	int rc = bt_run_from_json(&run, text, len, name, &err);
	scan_agrees(text, len, rc, &run);
	bt_run_release(&run);
	if (msg)
		*msg = bt_strbuf_str(&err);
	return rc;
}

/* ---------------------------------------------------------------------
 * The run model
 * ------------------------------------------------------------------- */

static void test_status_names(void **state)
{
	(void)state;
	static const char *names[] = { "ok", "failed", "crashed",
				       "timeout", "oom", "skipped" };
	for (int i = 0; i < 6; i++) {
		assert_string_equal(bt_status_name((enum bt_status)i),
				    names[i]);
		assert_int_equal(bt_status_parse(names[i]), i);
	}
	assert_int_equal(bt_status_parse("OK"), -1);
	assert_int_equal(bt_status_parse(""), -1);
	assert_int_equal(bt_status_parse("okay"), -1);
	assert_int_equal(bt_status_parse(NULL), -1);
	assert_string_equal(bt_status_name((enum bt_status)99), "unknown");
}

static void test_run_init_release(void **state)
{
	(void)state;
	struct bt_run run;
	assert_int_equal(bt_run_init(&run), 0);
	assert_string_equal(run.schema, BT_RUN_SCHEMA);
	assert_null(run.run_id);
	assert_null(run.results);
	assert_int_equal(run.n_results, 0);
	assert_int_equal(run.git.dirty, -1);
	assert_int_equal(run.machine.cpu_physical_cores, -1);
	assert_int_equal(run.machine.cache_l1d, -1);
	assert_int_equal(run.machine.cache_l2, -1);
	assert_int_equal(run.machine.cache_l3, -1);
	assert_int_equal(run.machine.memory_bytes, -1);
	assert_int_equal(run.build.optimized, -1);

	char *s = bt_run_strdup(&run, "hello");
	assert_string_equal(s, "hello");
	assert_null(bt_run_strdup(&run, NULL));
	char *p = bt_run_printf(&run, "%s-%03d-%.2f", "x", 7, 1.5);
	assert_string_equal(p, "x-007-1.50");
	unsigned char *z = bt_run_alloc(&run, 100000);
	assert_non_null(z);
	for (size_t i = 0; i < 100000; i++)
		assert_int_equal(z[i], 0);
	assert_int_equal((uintptr_t)z % 16, 0);

	bt_run_release(&run);
	assert_null(run.arena);
	assert_null(run.schema);
	bt_run_release(&run); /* safe on a zeroed run */
	assert_null(bt_run_add_result(&run));
	assert_null(bt_run_alloc(&run, 8));
	bt_run_release(NULL);
}

static void test_add_result(void **state)
{
	(void)state;
	struct bt_run run;
	assert_int_equal(bt_run_init(&run), 0);
	for (int i = 0; i < 1000; i++) {
		struct bt_result *r = bt_run_add_result(&run);
		assert_non_null(r);
		assert_int_equal(r->version, 1);
		assert_int_equal(r->status, BT_STATUS_OK);
		assert_int_equal(r->peak_memory_bytes, -1);
		assert_int_equal(r->memory_bytes, -1);
		assert_int_equal(r->ctx_switches_voluntary, -1);
		assert_int_equal(r->ctx_switches_involuntary, -1);
		assert_null(r->name);
		assert_null(r->metrics);
		assert_int_equal(r->validation.checked, 0);
		assert_null(r->throughput.unit);
		assert_null(r->adaptive.param);
		r->name = bt_run_printf(&run, "bench%d", i);
		r->iterations_per_sample = (uint64_t)i;
	}
	assert_int_equal(run.n_results, 1000);
	assert_true(run.results_alloc >= 1000);
	for (int i = 0; i < 1000; i++) {
		char want[32];
		snprintf(want, sizeof want, "bench%d", i);
		assert_string_equal(run.results[i].name, want);
		assert_int_equal(run.results[i].iterations_per_sample, i);
	}
	bt_run_release(&run);
}

static void test_result_metric(void **state)
{
	(void)state;
	struct bt_run run;
	build_run(&run);
	const struct bt_result *r = &run.results[0];
	assert_ptr_equal(bt_result_metric(r, "time"), &r->metrics[0]);
	assert_ptr_equal(bt_result_metric(r, "tokens/s"), &r->metrics[1]);
	assert_null(bt_result_metric(r, "memory"));
	assert_null(bt_result_metric(r, NULL));
	assert_null(bt_result_metric(NULL, "time"));
	bt_run_release(&run);
}

/* ---------------------------------------------------------------------
 * Series keys
 * ------------------------------------------------------------------- */

/* The documented algorithm, written out independently. */
static void ref_key(const char *const *parts, size_t n, char out[17])
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++) {
		const unsigned char *p = (const unsigned char *)parts[i];
		for (;;) {
			h ^= *p;
			h *= 0x100000001b3ULL;
			if (!*p++)
				break;
		}
	}
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

static void test_series_key(void **state)
{
	(void)state;
	struct bt_kv params[3] = { { "d", "64" }, { "heads", "8" },
				   { "n", "4096" } };
	struct bt_result r = { 0 };
	r.name = "attention_fwd";
	r.variant = "flash";
	r.params = params;
	r.n_params = 3;
	r.version = 1;
	char k[17], k2[17], ref[17];

	bt_series_key("attention", &r, "0011223344556677", "time", k);
	assert_int_equal(strlen(k), 16);
	assert_int_equal(strspn(k, "0123456789abcdef"), 16);
	/* stable: the same identity always gives the same key ... */
	bt_series_key("attention", &r, "0011223344556677", "time", k2);
	assert_string_equal(k, k2);
	/* ... which is the documented FNV-1a 64 over NUL-terminated fields */
	const char *parts[] = { "attention", "attention_fwd", "flash",
				"d", "64", "heads", "8", "n", "4096",
				"0011223344556677", "time", "1" };
	ref_key(parts, sizeof parts / sizeof parts[0], ref);
	assert_string_equal(k, ref);
	/* and a literal, so a change of algorithm cannot go unnoticed */
	assert_string_equal(k, "03aa63edcf5595c5");

	/* param order does not matter */
	struct bt_kv shuffled[3] = { params[2], params[0], params[1] };
	struct bt_result r2 = r;
	r2.params = shuffled;
	bt_series_key("attention", &r2, "0011223344556677", "time", k2);
	assert_string_equal(k, k2);

	/* any change of a component changes the key */
#define DIFFERS(stmt, suite, fp, metric)                                    \
	do {                                                                \
		struct bt_kv p2[3] = { params[0], params[1], params[2] };   \
		struct bt_result x = r;                                     \
		x.params = p2;                                              \
		stmt;                                                       \
		bt_series_key(suite, &x, fp, metric, k2);                   \
		if (!strcmp(k, k2))                                         \
			fail_msg("key unchanged by: %s", #stmt);            \
	} while (0)
	DIFFERS((void)0, "attention2", "0011223344556677", "time");
	DIFFERS(x.name = "attention_bwd", "attention", "0011223344556677",
		"time");
	DIFFERS(x.variant = "none", "attention", "0011223344556677", "time");
	DIFFERS(x.variant = NULL, "attention", "0011223344556677", "time");
	DIFFERS(p2[0].key = "e", "attention", "0011223344556677", "time");
	DIFFERS(p2[1].value = "16", "attention", "0011223344556677", "time");
	DIFFERS(x.n_params = 2, "attention", "0011223344556677", "time");
	DIFFERS(x.n_params = 0, "attention", "0011223344556677", "time");
	DIFFERS((void)0, "attention", "0011223344556678", "time");
	DIFFERS((void)0, "attention", "0011223344556677", "tokens/s");
	DIFFERS(x.version = 2, "attention", "0011223344556677", "time");
	/* fields do not run together */
	DIFFERS((x.name = "attention_fw", x.variant = "dflash"), "attention",
		"0011223344556677", "time");
	DIFFERS((p2[0].key = "d6", p2[0].value = "4"), "attention",
		"0011223344556677", "time");
#undef DIFFERS
}

/* ---------------------------------------------------------------------
 * Round trips
 * ------------------------------------------------------------------- */

static void test_roundtrip_file(void **state)
{
	(void)state;
	struct bt_run a, b;
	struct bt_strbuf err = BT_STRBUF_INIT;
	const char *path = tmppath("run.json");

	build_run(&a);
	assert_int_equal(bt_run_write_file(&a, path, &err), 0);
	assert_int_equal(bt_run_init(&b), 0);
	int rc = bt_run_read_file(&b, path, &err);
	if (rc)
		fail_msg("read: %s", bt_strbuf_str(&err));
	run_eq(&a, &b);

	/* spot checks of the conventions */
	assert_int_equal(b.results[2].peak_memory_bytes, -1);
	assert_int_equal(b.results[2].ctx_switches_voluntary, -1);
	assert_true(isnan(b.results[2].metrics[0].stats.median));
	assert_int_equal(b.results[2].metrics[0].n_samples, 0);
	assert_null(b.results[1].adaptive.param);
	assert_null(b.results[1].throughput.unit);
	assert_string_equal(b.results[1].message,
			    "validation failed: max_rel_err 0.2 > 1e-05\n\ttab");
	assert_int_equal(b.results[0].metrics[1].direction,
			 BT_HIGHER_IS_BETTER);
	assert_null(b.machine.governor);
	assert_int_equal(b.machine.gpus[1].memory_bytes, -1);

	bt_run_release(&a);
	bt_run_release(&b);
	bt_strbuf_release(&err);
}

static void test_reserialize_identical(void **state)
{
	(void)state;
	for (int pretty = 0; pretty <= 1; pretty++) {
		struct bt_run a, b, c;
		build_run(&a);
		char *t1 = to_text(&a, pretty);
		assert_int_equal(bt_run_init(&b), 0);
		assert_int_equal(bt_run_from_json(&b, t1, strlen(t1), "t1",
						  NULL), 0);
		char *t2 = to_text(&b, pretty);
		assert_string_equal(t1, t2);
		/* and a third generation, through the other style */
		char *t3 = to_text(&b, !pretty);
		assert_int_equal(bt_run_init(&c), 0);
		assert_int_equal(bt_run_from_json(&c, t3, strlen(t3), "t3",
						  NULL), 0);
		char *t4 = to_text(&c, pretty);
		assert_string_equal(t1, t4);
		run_eq(&a, &c);
		free(t1);
		free(t2);
		free(t3);
		free(t4);
		bt_run_release(&a);
		bt_run_release(&b);
		bt_run_release(&c);
	}
}

static void test_writer_shape(void **state)
{
	(void)state;
	struct bt_run a;
	build_run(&a);
	char *t = to_text(&a, 0);
	/* order of the top level and of a result, nulls, NaN as null */
	static const char *const has[] = {
		"{\"schema\":\"benchtrack.run/1\",\"run_id\":"
		"\"0123456789abcdef0123456789abcdef\","
		"\"benchmark_type\":\"comprehensive\","
		"\"suite\":\"attention\",\"timestamp\":",
		"\"governor\":null",
		"\"dirty\":true",
		"\"seed\":42",
		"\"metrics\":{\"time\":{\"unit\":\"s\","
		"\"direction\":\"lower\",\"samples\":[",
		"\"tokens/s\":{\"unit\":\"tokens/s\","
		"\"direction\":\"higher\"",
		"\"samples\":[],\"stats\":{\"n\":0,"
		"\"mean\":null,\"median\":null",
		"\"throughput\":null",
		"\"adaptive\":null",
		"\"validation\":null",
		"\"peak_memory_bytes\":-1",
		"\"params\":{\"d\":\"64\",\"n\":\"4096\"}",
		"\"cpu\":{\"user_s\":1.25,\"sys_s\":0.05",
		/* full precision */
		"0.30000000000000004",
		"\"bytes\":-0.0",
	};
	assert_string_equal(BT_TEST_MISSING(t, has), "");
	free(t);
	bt_run_release(&a);
}

static void test_seed_u64(void **state)
{
	(void)state;
	struct bt_run a, b;
	build_run(&a);
	a.config.seed = UINT64_MAX;
	a.results[0].iterations_per_sample = (uint64_t)INT64_MAX + 1;
	char *t = to_text(&a, 0);
	assert_non_null(strstr(t, "\"seed\":\"18446744073709551615\""));
	assert_non_null(strstr(t, "\"iterations_per_sample\":"
				  "\"9223372036854775808\""));
	from_json_ok(&b, t, "t");
	assert_true(b.config.seed == UINT64_MAX);
	assert_true(b.results[0].iterations_per_sample ==
		    (uint64_t)INT64_MAX + 1);
	bt_run_release(&b);
	free(t);
	a.config.seed = (uint64_t)INT64_MAX;
	t = to_text(&a, 0);
	assert_non_null(strstr(t, "\"seed\":9223372036854775807"));
	free(t);
	bt_run_release(&a);
}

static void test_result_json(void **state)
{
	(void)state;
	struct bt_run a, b;
	struct bt_strbuf sb = BT_STRBUF_INIT, err = BT_STRBUF_INIT;
	build_run(&a);
	assert_int_equal(bt_run_init(&b), 0);
	for (size_t i = 0; i < a.n_results; i++) {
		struct bt_result r;
		bt_strbuf_reset(&sb);
		assert_int_equal(bt_result_to_json(&a.results[i], &sb, &err),
				 0);
		assert_null(strchr(sb.buf, '\n'));
		assert_int_equal(bt_result_from_json(&b, &r, sb.buf, sb.len,
						     "child", &err), 0);
		result_eq(&a.results[i], &r);
	}
	/* errors name the label and the path inside the result */
	struct bt_result r;
	const char *bad = "{\"name\":\"x\",\"status\":\"ok\",\"metrics\":"
			  "{\"time\":{\"samples\":[1,\"2\"]}}}";
	assert_int_equal(bt_result_from_json(&b, &r, bad, strlen(bad),
					     "child", &err), BT_ESCHEMA);
	assert_string_equal(bt_strbuf_str(&err),
			    "child: metrics.time.samples[1]: expected a "
			    "number, got string");
	bad = "[]";
	assert_int_equal(bt_result_from_json(&b, &r, bad, strlen(bad),
					     "child", &err), BT_ESCHEMA);
	assert_string_equal(bt_strbuf_str(&err),
			    "child: expected an object, got array");
	bad = "{\"name\":";
	assert_int_equal(bt_result_from_json(&b, &r, bad, strlen(bad),
					     "child", &err), BT_EPARSE);
	assert_true(!strncmp(bt_strbuf_str(&err), "child:1:", 8));
	bt_run_release(&a);
	bt_run_release(&b);
	bt_strbuf_release(&sb);
	bt_strbuf_release(&err);
}

static void test_minimal_defaults(void **state)
{
	(void)state;
	const char *t = "{\"schema\":\"benchtrack.run/1\",\"run_id\":\"r\","
			"\"timestamp\":\"2026-01-01T00:00:00Z\",\"suite\":\"s\","
			"\"results\":[{\"name\":\"a\",\"status\":\"skipped\","
			"\"metrics\":{}},{\"name\":\"b\",\"status\":\"oom\","
			"\"metrics\":{\"mem\":{\"samples\":[]}},"
			"\"throughput\":null,\"message\":null,"
			"\"validation\":null,\"adaptive\":null}]}";
	struct bt_run run;
	from_json_ok(&run, t, "min");
	assert_null(run.benchmark_type);
	assert_int_equal(run.git.dirty, -1);
	assert_int_equal(run.machine.cache_l2, -1);
	assert_int_equal(run.build.optimized, -1);
	assert_int_equal(run.n_results, 2);
	const struct bt_result *r = &run.results[0];
	assert_string_equal(r->name, "a");
	assert_int_equal(r->status, BT_STATUS_SKIPPED);
	assert_int_equal(r->version, 1);
	assert_int_equal(r->n_metrics, 0);
	assert_int_equal(r->peak_memory_bytes, -1);
	assert_int_equal(r->memory_bytes, -1);
	assert_int_equal(r->ctx_switches_voluntary, -1);
	assert_int_equal(r->ctx_switches_involuntary, -1);
	assert_int_equal(r->validation.checked, 0);
	assert_null(r->throughput.unit);
	assert_null(r->series_key);
	r = &run.results[1];
	assert_int_equal(r->status, BT_STATUS_OOM);
	assert_int_equal(r->n_metrics, 1);
	assert_int_equal(r->metrics[0].direction, BT_LOWER_IS_BETTER);
	assert_null(r->metrics[0].unit);
	assert_int_equal(r->metrics[0].stats.n, 0);
	assert_true(isnan(r->metrics[0].stats.median));
	bt_run_release(&run);
}

static void test_time_first_and_unknown_fields(void **state)
{
	(void)state;
	const char *t =
		"{\"future\":{\"x\":[1,2,{}]},\"schema\":\"benchtrack.run/1\","
		"\"run_id\":\"r\",\"timestamp\":\"t\",\"suite\":\"s\","
		"\"machine\":{\"cpu\":{\"future\":true},\"extra\":1},"
		"\"results\":[{\"name\":\"a\",\"status\":\"ok\",\"new\":null,"
		"\"params\":{\"z\":\"1\",\"a\":\"2\",\"m\":\"3\"},"
		"\"metrics\":{\"mem\":{\"unit\":\"B\"},\"flops\":{},"
		"\"time\":{\"unit\":\"s\",\"samples\":[1,null,2.5],"
		"\"what\":\"ever\"},\"energy\":{\"unit\":\"J\"}}}]}";
	struct bt_run run;
	from_json_ok(&run, t, "x");
	const struct bt_result *r = &run.results[0];
	assert_int_equal(r->n_metrics, 4);
	assert_string_equal(r->metrics[0].name, "time");
	assert_string_equal(r->metrics[1].name, "mem");
	assert_string_equal(r->metrics[2].name, "flops");
	assert_string_equal(r->metrics[3].name, "energy");
	assert_int_equal(r->metrics[0].n_samples, 3);
	assert_true(r->metrics[0].samples[0] == 1.0);
	assert_true(isnan(r->metrics[0].samples[1]));
	assert_true(r->metrics[0].samples[2] == 2.5);
	/* params come back sorted by key */
	assert_string_equal(r->params[0].key, "a");
	assert_string_equal(r->params[1].key, "m");
	assert_string_equal(r->params[2].key, "z");
	assert_string_equal(r->params[2].value, "1");
	bt_run_release(&run);
}

static void test_nan_inf_utf8(void **state)
{
	(void)state;
	struct bt_run a, b;
	build_run(&a);
	double *s = a.results[0].metrics[0].samples;
	s[0] = INFINITY;
	s[1] = -INFINITY;
	s[2] = NAN;
	a.results[0].wall_s = NAN;
	a.results[1].message = "bad \xff\xfe utf-8 \xc3";
	a.results[0].counters[0].name = "fl\xc0\xafops"; /* overlong '/' */
	a.results[0].params[0].key = "\xed\xa0\x80"; /* a surrogate */
	a.results[0].options[0] = "\xf4\x90\x80\x80"; /* above U+10FFFF */
	/* the key of the bytes written differs from the key of those given */
	a.results[0].series_key = NULL;
	char *t = to_text(&a, 0);
	static const char *const has[] = {
		"\"fl\xef\xbf\xbd\xef\xbf\xbdops\":",
		"\"params\":{\"\xef\xbf\xbd\xef\xbf\xbd"
		"\xef\xbf\xbd\":\"64\"",
		"\"options\":[\"\xef\xbf\xbd\xef\xbf\xbd"
		"\xef\xbf\xbd\xef\xbf\xbd\",",
		"\"samples\":[null,null,null,",
		"bad \xef\xbf\xbd\xef\xbf\xbd utf-8 "
		"\xef\xbf\xbd\"",
	};
	assert_string_equal(BT_TEST_MISSING(t, has), "");
	from_json_ok(&b, t, "t");
	for (int i = 0; i < 3; i++)
		assert_true(isnan(b.results[0].metrics[0].samples[i]));
	assert_true(isnan(b.results[0].wall_s));
	free(t);
	bt_run_release(&a);
	bt_run_release(&b);
}

/* ---------------------------------------------------------------------
 * Robustness: every truncation, random byte flips
 * ------------------------------------------------------------------- */

static void test_truncation(void **state)
{
	(void)state;
	char *full = built_text(1);
	size_t len = strlen(full);
	const char *msg;
	assert_int_equal(parse_text(full, len, "run.json", &msg), 0);
	/* every proper prefix of the object (up to its closing brace) is
	 * malformed JSON */
	size_t end = len;
	while (end > 0 && full[end - 1] != '}')
		end--;
	assert_true(end > 100);
	for (size_t off = 0; off < end; off++) {
		/* a copy of exactly off bytes, so ASan sees any overread */
		char *cut = malloc(off ? off : 1);
		memcpy(cut, full, off);
		int rc = parse_text(cut, off, "run.json", &msg);
		free(cut);
		if (rc != BT_EPARSE)
			fail_msg("offset %zu: rc %d: %s", off, rc, msg);
		if (strncmp(msg, "run.json:", 9))
			fail_msg("offset %zu: message %s", off, msg);
	}

	/* through a file the message names the file, with line:column */
	struct bt_strbuf err = BT_STRBUF_INIT;
	const char *path = tmppath("cut.json");
	char prefix[600];
	snprintf(prefix, sizeof prefix, "%s:", path);
	for (size_t off = 0; off < end; off += 97) {
		FILE *f = fopen(path, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(full, 1, off, f), off);
		assert_int_equal(fclose(f), 0);
		struct bt_run b;
		assert_int_equal(bt_run_init(&b), 0);
		assert_int_equal(bt_run_read_file(&b, path, &err), BT_EPARSE);
		bt_run_release(&b);
		assert_true(!strncmp(bt_strbuf_str(&err), prefix,
				     strlen(prefix)));
		/* "<path>:<line>:<column>: <text>" */
		int line = 0, col = -1, n = 0;
		assert_int_equal(sscanf(bt_strbuf_str(&err) + strlen(prefix),
					"%d:%d: %n", &line, &col, &n), 2);
		assert_true(line >= 1 && col >= 0 && n > 0);
		assert_true(strlen(bt_strbuf_str(&err) + strlen(prefix) + n) >
			    0);
	}
	bt_strbuf_release(&err);
	free(full);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rng(void)
{
	rng_state = bt__mix64(rng_state);
	return rng_state;
}

static void test_byte_flips(void **state)
{
	(void)state;
	char *full = built_text(0);
	size_t len = strlen(full);
	static const char interesting[] = "\"{}[],:0-.eE\\ntfu\x00\xff\x80";
	int ok = 0, bad = 0;
	for (int iter = 0; iter < 4000; iter++) {
		char *t = malloc(len);
		memcpy(t, full, len);
		int flips = 1 + (int)(rng() % 4);
		for (int f = 0; f < flips; f++) {
			size_t at = (size_t)(rng() % len);
			uint64_t how = rng();
			if (how % 3 == 0)
				t[at] = (char)(how >> 8);
			else if (how % 3 == 1)
				t[at] ^= (char)(1u << ((how >> 8) % 8));
			else
				t[at] = interesting[(how >> 8) %
						    (sizeof interesting - 1)];
		}
		const char *msg;
		int rc = parse_text(t, len, "flip.json", &msg);
		free(t);
		if (rc == 0) {
			ok++;
			continue;
		}
		bad++;
		if (rc != BT_EPARSE && rc != BT_ESCHEMA)
			fail_msg("iteration %d: rc %d: %s", iter, rc, msg);
		if (strncmp(msg, "flip.json:", 10))
			fail_msg("iteration %d: message %s", iter, msg);
	}
	assert_true(bad > 0);
	free(full);
}

/* ---------------------------------------------------------------------
 * Schema errors with exact field paths
 * ------------------------------------------------------------------- */

/* Navigates "results[1].metrics.time" from root. */
static json_t *jpath(json_t *root, const char *path)
{
	json_t *cur = root;
	const char *p = path;
	while (*p && cur) {
		if (*p == '.')
			p++;
		if (*p == '[') {
			char *end;
			size_t i = strtoul(p + 1, &end, 10);
			cur = json_array_get(cur, i);
			p = end + 1;
		} else {
			size_t n = strcspn(p, ".[");
			char key[128];
			snprintf(key, sizeof key, "%.*s", (int)n, p);
			cur = json_object_get(cur, key);
			p += n;
		}
	}
	return cur;
}

struct mutation {
	const char *parent; /* path of the container, "" for the top */
	const char *key;    /* member, or "[i]" for element i of an array */
	const char *value;  /* JSON text; NULL deletes the member */
	int code;
	/* what follows "run.json: <member>: " (the member at parent, key or
	 * index), or a whole message starting "run.json: ", or "" for none */
	const char *message;
};

/* The message m expects: see struct mutation. */
static void mutation_message(const struct mutation *m, char *out, size_t n)
{
	if (!m->message[0] || !strncmp(m->message, "run.json: ", 10))
		snprintf(out, n, "%s", m->message);
	else
		snprintf(out, n, "run.json: %s%s%s: %s", m->parent,
			 m->parent[0] && m->key[0] != '[' ? "." : "", m->key,
			 m->message);
}

static void apply_mutations(const struct mutation *ms, size_t n)
{
	char *full = built_text(1);
	for (size_t i = 0; i < n; i++) {
		const struct mutation *m = &ms[i];
		json_error_t je;
		json_t *root = json_loads(full, 0, &je);
		assert_non_null(root);
		json_t *parent = jpath(root, m->parent);
		if (!parent)
			fail_msg("no such path %s", m->parent);
		json_t *v = NULL;
		if (m->value) {
			v = json_loads(m->value, JSON_DECODE_ANY, &je);
			assert_non_null(v);
		}
		if (m->key[0] == '[')
			assert_int_equal(json_array_set_new(parent,
						strtoul(m->key + 1, NULL, 10), v),
					 0);
		else if (v)
			assert_int_equal(json_object_set_new(parent, m->key, v),
					 0);
		else
			assert_int_equal(json_object_del(parent, m->key), 0);
		char *t = json_dumps(root, JSON_PRESERVE_ORDER | JSON_INDENT(1));
		json_decref(root);
		const char *msg;
		int rc = parse_text(t, strlen(t), "run.json", &msg);
		free(t);
		char want[512];
		mutation_message(m, want, sizeof want);
		if (rc != m->code || strcmp(msg, want))
			fail_msg("mutation %zu (%s %s): got %d \"%s\", want "
				 "%d \"%s\"", i, m->parent,
				 m->key, rc, msg, m->code, want);
	}
	free(full);
}

static void test_wrong_types(void **state)
{
	(void)state;
	static const struct mutation ms[] = {
		{ "results[1].metrics.time.samples", "[2]", "\"x\"", BT_ESCHEMA, "expected a number, got string" },
		{ "", "schema", "5", BT_ESCHEMA, "expected a string, got number" },
		{ "", "run_id", "null", BT_ESCHEMA, "expected a string, got null" },
		{ "", "duration_s", "\"1\"", BT_ESCHEMA, "expected a number, got string" },
		{ "git", "dirty", "1", BT_ESCHEMA, "expected a boolean, got number" },
		{ "machine.cpu", "cores", "\"8\"", BT_ESCHEMA, "expected an integer, got string" },
		{ "machine.cpu.cache", "l2", "1.5", BT_ESCHEMA, "expected an integer, got number" },
		{ "machine.gpus[0]", "memory_bytes", "true", BT_ESCHEMA, "expected an integer, got boolean" },
		{ "machine.gpus", "[1]", "\"gpu\"", BT_ESCHEMA, "expected an object, got string" },
		{ "machine", "cpu", "[]", BT_ESCHEMA, "expected an object, got array" },
		{ "config", "seed", "-1", BT_ESCHEMA, "integer -1 out of range [0, 18446744073709551615]" },
		{ "config", "seed", "\"12a\"", BT_ESCHEMA, "expected an unsigned integer, got string \"12a\"" },
		{ "config", "seed", "\"18446744073709551616\"", BT_ESCHEMA, "expected an unsigned integer, got string \"18446744073709551616\"" },
		{ "config", "params", "{}", BT_ESCHEMA, "expected an array, got object" },
		{ "config.params", "[1]", "3", BT_ESCHEMA, "expected a string, got number" },
		{ "config.timer", "resolution_s", "{}", BT_ESCHEMA, "expected a number, got object" },
		{ "", "results", "{}", BT_ESCHEMA, "expected an array, got object" },
		{ "results", "[0]", "1", BT_ESCHEMA, "expected an object, got number" },
		{ "results[0].params", "n", "4096", BT_ESCHEMA, "expected a string, got number" },
		{ "results[1]", "status", "\"exploded\"", BT_ESCHEMA, "unknown status \"exploded\"" },
		{ "results[1]", "status", "0", BT_ESCHEMA, "expected a string, got number" },
		{ "results[0].metrics.time", "direction", "\"up\"", BT_ESCHEMA, "unknown direction \"up\" (expected \"lower\" or \"higher\")" },
		{ "results[0].metrics.time.stats", "median", "\"x\"", BT_ESCHEMA, "expected a number, got string" },
		{ "results[0].metrics.tokens/s.stats", "n", "-3", BT_ESCHEMA, "integer -3 out of range [0, 9223372036854775807]" },
		{ "results[0].metrics", "time", "[]", BT_ESCHEMA, "expected an object, got array" },
		{ "results[0].validation", "passed", "1", BT_ESCHEMA, "expected a boolean, got number" },
		{ "results[0].throughput", "value", "\"fast\"", BT_ESCHEMA, "expected a number, got string" },
		{ "results[0]", "version", "3000000000", BT_ESCHEMA, "integer 3000000000 out of range [-2147483648, 2147483647]" },
		{ "results[0].counters", "flops", "\"x\"", BT_ESCHEMA, "expected a number, got string" },
		{ "results[0].adaptive", "retries", "\"1\"", BT_ESCHEMA, "expected an integer, got string" },
		{ "results[0].options", "[0]", "1", BT_ESCHEMA, "expected a string, got number" },
		{ "results[2].cpu", "user_s", "false", BT_ESCHEMA, "expected a number, got boolean" },
		{ "results[2].ctx_switches", "voluntary", "1.0", BT_ESCHEMA, "expected an integer, got number" },
		{ "results[2]", "series_key", "7", BT_ESCHEMA, "expected a string, got number" },
		/* the key becomes a file name (dashboard): 16 lowercase hex
		 * digits, nothing else; both readers refuse the rest */
		{ "results[2]", "series_key", "\"../AAAAAAAAAAAAA\"", BT_ESCHEMA, "expected 16 hex digits" },
		{ "results[2]", "series_key", "\"0123456789ABCDEF\"", BT_ESCHEMA, "expected 16 hex digits" },
		{ "results[2]", "series_key", "\"0123456789abcde\"", BT_ESCHEMA, "expected 16 hex digits" },
		{ "results[2]", "series_key", "\"0123456789abcdef0\"", BT_ESCHEMA, "expected 16 hex digits" },
		{ "results[2]", "series_key", "\"\"", BT_ESCHEMA, "expected 16 hex digits" },
		{ "results[2]", "series_key", "\".0123456789abcde\"", BT_ESCHEMA, "expected 16 hex digits" },
	};
	apply_mutations(ms, sizeof ms / sizeof ms[0]);
}

static void test_missing_required(void **state)
{
	(void)state;
	static const struct mutation ms[] = {
		{ "", "schema", NULL, BT_ESCHEMA, "missing required field" },
		{ "", "run_id", NULL, BT_ESCHEMA, "missing required field" },
		{ "", "timestamp", NULL, BT_ESCHEMA, "missing required field" },
		{ "", "suite", NULL, BT_ESCHEMA, "missing required field" },
		{ "", "results", NULL, BT_ESCHEMA, "missing required field" },
		{ "results[0]", "name", NULL, BT_ESCHEMA, "missing required field" },
		{ "results[1]", "status", NULL, BT_ESCHEMA, "missing required field" },
		{ "results[2]", "metrics", NULL, BT_ESCHEMA, "missing required field" },
		{ "results[2]", "metrics", "null", BT_ESCHEMA, "expected an object, got null" },
		/* optional ones may go */
		{ "", "git", NULL, 0, "" },
		{ "machine", "cpu", NULL, 0, "" },
		{ "results[0]", "validation", NULL, 0, "" },
		{ "results[0].metrics.time", "stats", NULL, 0, "" },
		{ "results[2]", "params", "null", 0, "" },
		/* a series key must be its result's: a result whose key is
		 * given can lose neither its params nor the machine */
		{ "results[0]", "params", "null", BT_ESCHEMA,
		  "run.json: results[0].series_key: \"21f093cf0b3b6b4d\" is not the "
		  "key of the result's identity (\"attention_fwd [flash+fused]\" "
		  "version 2 of suite \"attention\" on machine 0011223344556677 "
		  "gives \"64e2830b8e69bba4\"): a forged or damaged series key" },
		{ "", "machine", NULL, BT_ESCHEMA,
		  "run.json: results[0].series_key: \"21f093cf0b3b6b4d\" is not the "
		  "key of the result's identity (\"attention_fwd [flash+fused] d=64 "
		  "n=4096\" version 2 of suite \"attention\" on machine (none) gives "
		  "\"27edfa02fc6a694d\"): a forged or damaged series key" },
	};
	apply_mutations(ms, sizeof ms / sizeof ms[0]);
}

static void test_schema_version(void **state)
{
	(void)state;
	static const struct mutation ms[] = {
		{ "", "schema", "\"benchtrack.run/2\"", BT_ESCHEMA,
		  "run.json: schema: unsupported schema \"benchtrack.run/2\" "
		  "(expected \"benchtrack.run/1\")" },
		{ "", "schema", "\"\"", BT_ESCHEMA,
		  "run.json: schema: unsupported schema \"\" "
		  "(expected \"benchtrack.run/1\")" },
	};
	apply_mutations(ms, sizeof ms / sizeof ms[0]);
	/* the schema is checked before anything else */
	const char *t = "{\"results\":5,\"schema\":\"benchtrack.run/2\"}";
	const char *msg;
	assert_int_equal(parse_text(t, strlen(t), "run.json", &msg),
			 BT_ESCHEMA);
	assert_string_equal(msg, "run.json: schema: unsupported schema "
				 "\"benchtrack.run/2\" (expected "
				 "\"benchtrack.run/1\")");
}

static void test_parse_errors(void **state)
{
	(void)state;
	const char *msg;
	const char *t = "{\n  \"schema\": tru\n}";
	assert_int_equal(parse_text(t, strlen(t), "x.json", &msg), BT_EPARSE);
	assert_string_equal(msg, "x.json:2:15: invalid token near 'tru'");
	t = "{\"a\":1,\"a\":2}";
	assert_int_equal(parse_text(t, strlen(t), "x.json", &msg), BT_EPARSE);
	assert_true(!strncmp(msg, "x.json:1:", 9));
	assert_non_null(strstr(msg, "duplicate object key"));
	t = "{} x";
	assert_int_equal(parse_text(t, strlen(t), "x.json", &msg), BT_EPARSE);
	assert_int_equal(parse_text("", 0, "x.json", &msg), BT_EPARSE);
	assert_int_equal(parse_text(NULL, 0, "x.json", &msg), BT_EPARSE);
	t = "{\"a\":\"\\u0000\"}";
	assert_int_equal(parse_text(t, strlen(t), "x.json", &msg), BT_EPARSE);
	t = "{\"a\":\"x\0y\"}";
	assert_int_equal(parse_text(t, 11, "x.json", &msg), BT_EPARSE);
	t = "[1,2]";
	assert_int_equal(parse_text(t, strlen(t), "x.json", &msg), BT_ESCHEMA);
	assert_string_equal(msg, "x.json: expected an object, got array");
	/* deep nesting is refused, not a stack overflow */
	size_t depth = 100000;
	char *deep = malloc(2 * depth + 1);
	memset(deep, '[', depth);
	memset(deep + depth, ']', depth);
	deep[2 * depth] = '\0';
	assert_int_equal(parse_text(deep, 2 * depth, "x.json", &msg),
			 BT_EPARSE);
	free(deep);
	/* too big: the length is refused before the text is looked at */
	assert_int_equal(parse_text("{}", ((size_t)256 << 20) + 1, "x.json",
				    &msg), BT_ETOOBIG);

	struct bt_run run;
	struct bt_strbuf err = BT_STRBUF_INIT;
	assert_int_equal(bt_run_init(&run), 0);
	assert_int_equal(bt_run_read_file(&run, tmppath("nonexistent.json"),
					  &err), BT_ENOTFOUND);
	/* run must be empty */
	bt_run_add_result(&run);
	t = "{}";
	assert_int_equal(bt_run_from_json(&run, t, 2, "x", &err), BT_EINVAL);
	bt_run_release(&run);
	bt_strbuf_release(&err);
}

/* ---------------------------------------------------------------------
 * Series identity: keys are checked, a benchmark twice is refused
 * ------------------------------------------------------------------- */

/* The key of a result {name, params n=N} of suite on machine
 * "00112233aabbccdd" for metric. */
static void key_for(const char *suite, const char *name, const char *n,
		    const char *metric, char out[17])
{
	struct bt_kv p = { "n", (char *)n };
	struct bt_result r = { 0 };
	r.name = (char *)name;
	r.variant = "default";
	r.params = &p;
	r.n_params = 1;
	r.version = 1;
	bt_series_key(suite, &r, "00112233aabbccdd", metric, out);
}

/* A run of suite with two results, each {name, n, key}. */
static char *two_results(const char *suite, const char *n1, const char *n2,
			 const char *k1, const char *k2)
{
	static char t[2048];
	snprintf(t, sizeof t,
		 "{\"schema\":\"benchtrack.run/1\",\"run_id\":\"r\","
		 "\"timestamp\":\"t\",\"suite\":\"%s\","
		 "\"machine\":{\"fingerprint\":\"00112233aabbccdd\"},\"results\":["
		 "{\"name\":\"%s\",\"variant\":\"default\",\"params\":{\"n\":\"4096\"},"
		 "\"status\":\"ok\",\"metrics\":{\"time\":{\"samples\":[1,2]}}"
		 "%s%s%s},"
		 "{\"name\":\"%s\",\"variant\":\"default\",\"params\":{\"n\":\"4096\"},"
		 "\"status\":\"ok\",\"metrics\":{\"time\":{\"samples\":[100,200]}}"
		 "%s%s%s}]}",
		 suite, n1, k1 ? ",\"series_key\":\"" : "", k1 ? k1 : "", k1 ? "\"" : "",
		 n2, k2 ? ",\"series_key\":\"" : "", k2 ? k2 : "", k2 ? "\"" : "");
	return t;
}

static void test_series_identity(void **state)
{
	(void)state;
	char naive[17], impostor[17], a[17], b[17], ttft[17];
	const char *msg;
	key_for("attention", "naive", "4096", "time", naive);
	key_for("attention", "impostor", "4096", "time", impostor);

	/* the honest run reads */
	char *t = two_results("attention", "naive", "impostor", naive, impostor);
	assert_int_equal(parse_text(t, strlen(t), "run.json", &msg), 0);

	/* an impostor claiming naive's key (so that compare and history
	 * would take it for naive) is refused by both readers */
	t = two_results("attention", "naive", "impostor", naive, naive);
	assert_int_equal(parse_text(t, strlen(t), "run.json", &msg), BT_ESCHEMA);
	char want[512];
	snprintf(want, sizeof want,
		 "run.json: results[1].series_key: \"%s\" is not the key of the "
		 "result's identity (\"impostor n=4096\" of suite \"attention\" on "
		 "machine 00112233aabbccdd gives \"%s\"): a forged or damaged series key",
		 naive, impostor);
	assert_string_equal(msg, want);

	/* the same benchmark twice in one run: refused, naming both */
	t = two_results("attention", "naive", "naive", naive, naive);
	assert_int_equal(parse_text(t, strlen(t), "run.json", &msg), BT_ESCHEMA);
	assert_string_equal(msg, "run.json: results[0] and results[1]: the same "
				 "benchmark identity (\"naive n=4096\") twice in one run");
	/* ... with or without keys */
	t = two_results("attention", "naive", "naive", NULL, NULL);
	assert_int_equal(parse_text(t, strlen(t), "run.json", &msg), BT_ESCHEMA);
	assert_non_null(strstr(msg, "results[0] and results[1]: the same benchmark"));

	/* results without keys read as before */
	t = two_results("attention", "naive", "impostor", NULL, NULL);
	assert_int_equal(parse_text(t, strlen(t), "run.json", &msg), 0);

	/* `benchtrack run A B` merges runs: suite "A+B", each result keeps
	 * the key of its own suite */
	key_for("a", "naive", "4096", "time", a);
	key_for("b+c", "impostor", "4096", "time", b);
	t = two_results("a+b+c", "naive", "impostor", a, b);
	assert_int_equal(parse_text(t, strlen(t), "run.json", &msg), 0);
	key_for("d", "impostor", "4096", "time", b);
	t = two_results("a+b+c", "naive", "impostor", a, b);
	assert_int_equal(parse_text(t, strlen(t), "run.json", &msg), BT_ESCHEMA);

	/* the key of a result whose first metric was not "time" (the
	 * readers move "time" first) */
	key_for("attention", "naive", "4096", "ttft", ttft);
	char doc[1024];
	snprintf(doc, sizeof doc,
		 "{\"schema\":\"benchtrack.run/1\",\"run_id\":\"r\","
		 "\"timestamp\":\"t\",\"suite\":\"attention\","
		 "\"machine\":{\"fingerprint\":\"00112233aabbccdd\"},\"results\":["
		 "{\"name\":\"naive\",\"params\":{\"n\":\"4096\"},\"variant\":\"default\","
		 "\"status\":\"ok\",\"metrics\":{\"ttft\":{\"samples\":[1]},"
		 "\"time\":{\"samples\":[2]}},\"series_key\":\"%s\"}]}", ttft);
	assert_int_equal(parse_text(doc, strlen(doc), "run.json", &msg), 0);

	/* bt__run_read_file_summary gives the strict reader's message */
	t = two_results("attention", "naive", "impostor", naive, naive);
	const char *path = tmppath("forged.json");
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(t, 1, strlen(t), f), strlen(t));
	assert_int_equal(fclose(f), 0);
	struct bt_run run;
	struct bt_strbuf err = BT_STRBUF_INIT;
	assert_int_equal(bt_run_init(&run), 0);
	assert_int_equal(bt__run_read_file_summary(&run, path, &err), BT_ESCHEMA);
	assert_non_null(strstr(bt_strbuf_str(&err), "forged.json: results[1].series_key: "));
	bt_run_release(&run);
	bt_strbuf_release(&err);
	unlink(path);
}

/* ---------------------------------------------------------------------
 * The fast reader (lib/result/json_scan.c) against the strict one
 * ------------------------------------------------------------------- */

/* Text the strict reader accepts: the fast one accepts it too, with the
 * same run (parse_text checks the values). */
static void accepts(const char *t, size_t len)
{
	struct bt_run run;
	struct bt_strbuf err = BT_STRBUF_INIT;
	assert_int_equal(bt_run_init(&run), 0);
	int rc = bt_run_from_json(&run, t, len, "ok.json", &err);
	if (rc)
		fail_msg("strict reader: %s", bt_strbuf_str(&err));
	if (scan_agrees(t, len, rc, &run))
		fail_msg("the fast reader refuses: %.*s",
			 (int)(len < 400 ? len : 400), t);
	bt_run_release(&run);
	bt_strbuf_release(&err);
}

/* One valid run with what is put at @ (a member of its first result) */
static char *doc_with(const char *member)
{
	static const char head[] =
		"{\"schema\":\"benchtrack.run/1\",\"run_id\":\"r\","
		"\"timestamp\":\"t\",\"suite\":\"s\",\"results\":[{\"name\":"
		"\"a\",\"status\":\"ok\",\"metrics\":{\"time\":{\"samples\":"
		"[1,2]}}";
	size_t n = strlen(head) + strlen(member) + 8;
	char *t = malloc(n);
	snprintf(t, n, "%s%s%s}]}", head, *member ? "," : "", member);
	return t;
}

static void test_scan_same_run(void **state)
{
	(void)state;
	struct bt_run a;
	build_run(&a);
	for (int pretty = 0; pretty < 2; pretty++) {
		char *t = to_text(&a, pretty);
		accepts(t, strlen(t));
		free(t);
	}
	bt_run_release(&a);

	/* strings, numbers and shapes the writer does not make */
	static const char *const members[] = {
		"",
		"\"message\":\"\\u00e9\\u4e2d\\ud83d\\ude00 \\\"q\\\" \\\\ \\/"
		" \\b\\f\\n\\r\\t\"",
		"\"message\":\"raw \xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80 \x7f\"",
		"\"params\":{\"z\":\"1\",\"\\u0061\":\"2\",\"b\\u00e9\":\"\"}",
		"\"counters\":{\"x\":-0,\"y\":1e-400,\"z\":-2.5E+3,\"w\":null,"
		"\"v\":9223372036854775807,\"u\":-9223372036854775808,"
		"\"t\":1.7976931348623157e308,\"s\":0.000001e310,"
		"\"r\":123456789012345678901234567890.5}",
		"\"iterations_per_sample\":\"18446744073709551615\"",
		"\"iterations_per_sample\":9223372036854775807",
		"\"version\":-2147483648,\"peak_memory_bytes\":null,"
		"\"memory_bytes\":0",
		"\"future\":{\"a\":[[],{},[{\"b\":[null,true,false,\"x\"]}]],"
		"\"big\":[1e308,-1e308,12345678901234567890e-5,"
		"-9223372036854775808]}",
		"\"validation\":{\"passed\":null,\"max_rel_err\":null},"
		"\"adaptive\":{\"param\":\"n\",\"retries\":3,\"x\":{}},"
		"\"cpu\":null,\"ctx_switches\":{\"voluntary\":null}",
		"\"throughput\":{\"value\":5,\"unit\":\"B/s\"},"
		"\"options\":[\"x\",null,\"y\"],\"group\":null,"
		"\"type\":\"t\",\"variant\":\"v\",\"series_key\":\"0689e121cd67e5f7\"",
	};
	for (size_t i = 0; i < sizeof members / sizeof *members; i++) {
		char *t = doc_with(members[i]);
		accepts(t, strlen(t));
		free(t);
	}
	/* metrics in document order but time first; samples with nulls;
	 * machine, config and build in full */
	const char *t =
		"\n\t{\"schema\":\"benchtrack.run/1\",\"run_id\":\"r\","
		"\"timestamp\":\"t\",\"suite\":\"s\",\"benchmark_type\":null,"
		"\"duration_s\":null,\"git\":{\"dirty\":null,\"commit\":\"c\"},"
		"\"machine\":{\"name\":\"m\",\"cpu\":{\"model\":\"x\",\"cores\":"
		"4,\"cache\":{\"l1d\":1,\"l2\":null,\"l3\":3},\"mhz\":2.5},"
		"\"gpus\":[{\"name\":\"g\",\"memory_bytes\":8},{}],"
		"\"memory_bytes\":5},\"build\":{\"optimized\":null,\"flags\":"
		"\"-O2\"},\"config\":{\"seed\":\"18446744073709551615\","
		"\"params\":[\"a=1\",null],\"isolate\":true,\"quick\":null,"
		"\"timer\":{\"clock\":\"c\",\"resolution_s\":1e-9}},"
		"\"results\":[{\"name\":\"a\",\"status\":\"failed\",\"metrics\":"
		"{\"mem\":{\"unit\":\"B\",\"direction\":\"higher\"},\"time\":{"
		"\"samples\":[1,null,2.5e-3],\"stats\":{\"n\":3,\"median\":null,"
		"\"mean\":1.5,\"outliers\":0}},\"x\":{\"samples\":null,\"stats\":"
		"null,\"direction\":null}}},{\"name\":\"b\",\"status\":\"ok\","
		"\"metrics\":{}}]}\r\n ";
	accepts(t, strlen(t));
}

/* What the strict reader refuses the fast one refuses (parse_text checks
 * that on every text of this file; these aim at its own code). */
static void test_scan_refuses(void **state)
{
	(void)state;
	static const char *const members[] = {
		"\"message\":\"\\ud83d\"",         /* lone high surrogate */
		"\"message\":\"\\ude00\"",         /* lone low surrogate */
		"\"message\":\"\\ud83d\\u0041\"",  /* not a low surrogate */
		"\"message\":\"\\u00\"",
		"\"message\":\"\\u0000\"",
		"\"future\":\"\\u0000\"",
		"\"fu\\u0000ture\":1",
		"\"message\":\"\\x\"",
		"\"message\":\"a\tb\"",
		"\"future\":\"\xc3\"",             /* truncated UTF-8 */
		"\"future\":\"\xed\xa0\x80\"",     /* encoded surrogate */
		"\"future\":\"\xc0\xaf\"",         /* overlong */
		"\"future\":\"\xf4\x90\x80\x80\"", /* above U+10FFFF */
		"\"message\":\"x\",\"m\\u0065ssage\":\"y\"", /* duplicate */
		"\"future\":1,\"fut\\u0075re\":2",  /* duplicate unknown key */
		"\"wall_s\":1,\"group\":null,\"wall_s\":2",
		"\"future\":{\"a\":1,\"\\u0061\":2}",
		"\"future\":[1e309]",
		"\"future\":-1e309",
		"\"future\":9223372036854775808",
		"\"future\":-9223372036854775809",
		"\"future\":01",
		"\"future\":-",
		"\"future\":1.",
		"\"future\":.5",
		"\"future\":1e",
		"\"future\":+1",
		"\"future\":[1,]",
		"\"future\":{\"a\":1,}",
		"\"future\":tru",
		"\"future\":nul",
		"\"future\":NaN",
		"\"future\":Infinity",
		"\"future\":[1 2]",
		"\"version\":1.0",
		"\"version\":2147483648",
		"\"peak_memory_bytes\":1.5",
		"\"iterations_per_sample\":-1",
		"\"iterations_per_sample\":\"18446744073709551616\"",
		"\"iterations_per_sample\":\"\"",
		"\"params\":{\"a\":1}",
		"\"params\":{\"a\":null}",
		"\"params\":[]",
		"\"options\":[1]",
		"\"counters\":{\"a\":\"1\"}",
		"\"status\":\"ok\"",
		"\"name\":null",
		"\"validation\":{\"passed\":1}",
		"\"throughput\":[]",
		"\"metrics\":null",
	};
	for (size_t i = 0; i < sizeof members / sizeof *members; i++) {
		char *t = doc_with(members[i]);
		const char *msg;
		int rc = parse_text(t, strlen(t), "x.json", &msg);
		if (rc == 0)
			fail_msg("member %zu accepted: %s", i, members[i]);
		free(t);
	}
	/* samples that are not numbers */
	static const char *const runs[] = {
		"{\"schema\":\"benchtrack.run/1\",\"run_id\":\"r\",\"timestamp\":"
		"\"t\",\"suite\":\"s\",\"results\":[{\"name\":\"a\",\"status\":"
		"\"ok\",\"metrics\":{\"time\":{\"samples\":[1,\"2\"]}}}]}",
		"{\"schema\":\"benchtrack.run/1\",\"run_id\":\"r\",\"timestamp\":"
		"\"t\",\"suite\":\"s\",\"results\":[{\"name\":\"a\",\"status\":"
		"\"ok\",\"metrics\":{\"time\":{\"samples\":[1,[]]}}}]}",
		"{\"schema\":\"benchtrack.run/1\",\"run_id\":\"r\",\"timestamp\":"
		"\"t\",\"suite\":\"s\",\"results\":[{\"name\":\"a\",\"status\":"
		"\"ok\",\"metrics\":{\"time\":{\"samples\":{}}}}]}",
		"{\"schema\":\"benchtrack.run/2\",\"run_id\":\"r\",\"timestamp\":"
		"\"t\",\"suite\":\"s\",\"results\":[]}",
		"{\"schema\":\"benchtrack.run/1\",\"run_id\":\"r\",\"timestamp\":"
		"\"t\",\"suite\":\"s\"}",
		"{\"schema\":\"benchtrack.run/1\",\"run_id\":\"r\",\"timestamp\":"
		"\"t\",\"suite\":\"s\",\"results\":[]} x",
		"{\"schema\":\"benchtrack.run/1\",\"run_id\":\"r\",\"timestamp\":"
		"\"t\",\"suite\":\"s\",\"results\":[]}\0",
		"\xef\xbb\xbf{\"schema\":\"benchtrack.run/1\",\"run_id\":\"r\","
		"\"timestamp\":\"t\",\"suite\":\"s\",\"results\":[]}",
	};
	for (size_t i = 0; i < sizeof runs / sizeof *runs; i++) {
		const char *msg;
		size_t len = strlen(runs[i]) + (i == 6); /* with its NUL */
		if (parse_text(runs[i], len, "x.json", &msg) == 0)
			fail_msg("run %zu accepted", i);
	}
	/* deep nesting in an unknown member: refused by both or accepted
	 * by both with the same run (parse_text) */
	for (size_t depth = 10; depth <= 4000; depth *= 4) {
		char *deep = malloc(2 * depth + 16);
		memset(deep, '[', depth);
		memset(deep + depth, ']', depth);
		memcpy(deep + 2 * depth, "", 1);
		size_t n = strlen("\"future\":") + 2 * depth + 1;
		char *m = malloc(n);
		snprintf(m, n, "\"future\":%s", deep);
		char *t = doc_with(m);
		parse_text(t, strlen(t), "x.json", NULL);
		free(t);
		free(m);
		free(deep);
	}
}

/* The fixture files: the same verdict, and the same run for a run. */
static void scan_fixture(const char *path)
{
	char *data;
	size_t len;
	struct bt_strbuf err = BT_STRBUF_INIT;
	assert_int_equal(bt__read_file(path, (size_t)1 << 28, &data, &len,
				       &err), 0);
	struct bt_run run;
	assert_int_equal(bt_run_init(&run), 0);
	int rc = bt_run_from_json(&run, data, len, path, &err);
	int fast = scan_agrees(data, len, rc, &run);
	if (rc == 0 && fast != 0)
		fail_msg("%s: the fast reader refuses it", path);
	bt_run_release(&run);
	free(data);
	bt_strbuf_release(&err);
}

static void test_scan_fixtures(void **state)
{
	(void)state;
	static const char *const files[] = {
		"run-faults.json", "stats-reference.json",
		"legacy/attention_ablation.json",
		"legacy/hf_gpt2_latency_2024-04-10T08-30-00.json",
		"legacy/hf_llama_benchmark.json",
		"legacy/long_seq_results_2024-02-05.json",
		"legacy/memory_benchmark_20240131_142233.json",
		"legacy/nightly_run.json",
		"legacy/regression_20231215-080000.json",
	};
	for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
		char path[1024];
		snprintf(path, sizeof path, "%s/tests/fixtures/%s",
			 BT_SOURCE_DIR, files[i]);
		if (access(path, R_OK) == 0)
			scan_fixture(path);
	}
}

/* Generated runs: random names, params, messages (with escapes and
 * non-ASCII text) and numbers, written by the writer. */
static void test_scan_generated(void **state)
{
	(void)state;
	static const char *const words[] = {
		"a", "\xc3\xa9t\xc3\xa9", "q\"uote", "back\\slash", "tab\there",
		"nl\nx", "\xf0\x9f\x98\x80", "\x01\x1f", "/", "time", "k=v;x",
	};
	size_t nw = sizeof words / sizeof *words;
	for (int iter = 0; iter < 60; iter++) {
		struct bt_run a;
		build_run(&a);
		for (size_t i = 0; i < a.n_results; i++) {
			struct bt_result *r = &a.results[i];
			r->message = words[rng() % nw];
			r->variant = words[rng() % nw];
			r->series_key = r->series_key ? key_of(&a, r) : NULL;
			for (size_t j = 0; j < r->n_metrics; j++) {
				struct bt_metric *m = &r->metrics[j];
				union { uint64_t u; double d; } x;
				do
					x.u = rng();
				while (!isfinite(x.d));
				m->stats.mean = x.d;
				m->stats.median = (double)(int64_t)rng();
				m->stats.std = ldexp((double)(rng() >> 11),
						     (int)(rng() % 2000) - 1100);
				for (size_t k = 0; k < m->n_samples; k++)
					m->samples[k] = (double)(rng() % 1000) *
							1e-7;
			}
			r->iterations_per_sample = rng();
		}
		a.config.seed = rng();
		char *t = to_text(&a, iter & 1);
		accepts(t, strlen(t));
		free(t);
		bt_run_release(&a);
	}
}

/* bt__run_read_file_summary: the fast reader when it can; otherwise the
 * strict reader's verdict and message, word for word. */
static void test_scan_read_file(void **state)
{
	(void)state;
	char *full = built_text(1);
	size_t len = strlen(full);
	const char *path = tmppath("scan.json");
	struct bt_strbuf e1 = BT_STRBUF_INIT, e2 = BT_STRBUF_INIT;

	/* a good file: the run without samples */
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(full, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	struct bt_run b, c;
	assert_int_equal(bt_run_init(&b), 0);
	assert_int_equal(bt__run_read_file_summary(&b, path, &e1), 0);
	assert_int_equal(bt_run_init(&c), 0);
	assert_int_equal(bt_run_read_file(&c, path, &e2), 0);
	for (size_t i = 0; i < c.n_results; i++)
		for (size_t j = 0; j < c.results[i].n_metrics; j++) {
			assert_null(b.results[i].metrics[j].samples);
			c.results[i].metrics[j].n_samples = 0;
		}
	run_eq(&c, &b);
	bt_run_release(&b);
	bt_run_release(&c);

	/* truncated, broken JSON and schema errors: the strict message */
	static const struct {
		const char *from, *to;
	} edits[] = {
		{ NULL, NULL },                       /* truncated */
		{ "\"median\": ", "\"median\": \"x\", \"m\": " },
		{ "\"status\": \"ok\"", "\"status\": \"fine\"" },
		{ "\"name\": \"", "\"name\": 1, \"n\": \"" },
		{ "\"schema\": \"benchtrack.run/1\"", "\"schema\": \"x\"" },
		{ "\"samples\": [", "\"samples\": [\"s\", " },
		{ "\"suite\": ", "\"suite\": \"\\ud800\", \"x\": " },
		{ "\"series_key\": \"", "\"series_key\": \"../" },
	};
	for (size_t i = 0; i < sizeof edits / sizeof *edits; i++) {
		char *t;
		size_t tl;
		if (!edits[i].from) {
			t = strdup(full);
			tl = len / 2;
		} else {
			const char *at = strstr(full, edits[i].from);
			assert_non_null(at);
			size_t pre = (size_t)(at - full);
			tl = len - strlen(edits[i].from) + strlen(edits[i].to);
			t = malloc(tl + 1);
			memcpy(t, full, pre);
			strcpy(t + pre, edits[i].to);
			strcat(t, at + strlen(edits[i].from));
		}
		f = fopen(path, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(t, 1, tl, f), tl);
		assert_int_equal(fclose(f), 0);
		free(t);
		bt_strbuf_reset(&e1);
		bt_strbuf_reset(&e2);
		assert_int_equal(bt_run_init(&b), 0);
		assert_int_equal(bt_run_init(&c), 0);
		int r1 = bt__run_read_file_summary(&b, path, &e1);
		int r2 = bt_run_read_file(&c, path, &e2);
		bt_run_release(&b);
		bt_run_release(&c);
		if (r2 == 0 || r1 != r2 ||
		    strcmp(bt_strbuf_str(&e1), bt_strbuf_str(&e2)))
			fail_msg("edit %zu: %d \"%s\" vs strict %d \"%s\"", i,
				 r1, bt_strbuf_str(&e1), r2,
				 bt_strbuf_str(&e2));
		/* the message names the file, and the field when it is one */
		assert_true(!strncmp(bt_strbuf_str(&e1), path, strlen(path)));
		if (i == 1)
			assert_non_null(strstr(bt_strbuf_str(&e1),
					       ".metrics.time.stats.median: "
					       "expected a number, got string"));
		if (i == sizeof edits / sizeof *edits - 1)
			assert_non_null(strstr(bt_strbuf_str(&e1),
					       ".series_key: expected 16 hex "
					       "digits"));
	}
	assert_int_equal(bt_run_init(&b), 0);
	assert_int_equal(bt__run_read_file_summary(&b, tmppath("none.json"),
						   &e1), BT_ENOTFOUND);
	bt_run_release(&b);
	bt_strbuf_release(&e1);
	bt_strbuf_release(&e2);
	free(full);
}

/* bt__read_file: the buffer is sized from fstat, so a file too large for
 * the cap is refused before anything is read (a sparse 1 GiB file with a
 * 512 MiB cap: no 512 MiB read into memory, which the doubling buffer did),
 * sizes around the old 4 KiB step read exactly, files with no size
 * (/proc) still grow the buffer up to the cap, and a FIFO is refused
 * without blocking. */
static void test_read_file_sizes(void **state)
{
	(void)state;
	char dir[256];
	assert_int_equal(bt_test_make_tmpdir(dir, sizeof dir, "bt_test_readfile"), 0);
	char path[512];
	snprintf(path, sizeof path, "%s/f", dir);
	static const size_t sizes[] = { 0, 1, 4094, 4095, 4096, 4097, 8191, 100001 };
	char *want = malloc(100001);
	assert_non_null(want);
	for (size_t i = 0; i < 100001; i++)
		want[i] = (char)('a' + i % 23);
	for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
		size_t n = sizes[k];
		FILE *fp = fopen(path, "wb");
		assert_non_null(fp);
		assert_int_equal(fwrite(want, 1, n, fp), n);
		assert_int_equal(fclose(fp), 0);
		char *data = NULL;
		size_t len = 99;
		assert_int_equal(bt__read_file(path, n, &data, &len, NULL), 0);
		assert_int_equal(len, n);
		assert_int_equal(data[n], '\0');
		assert_memory_equal(data, want, n);
		free(data);
		if (n > 0) {
			struct bt_strbuf err = BT_STRBUF_INIT;
			assert_int_equal(bt__read_file(path, n - 1, &data, &len, &err),
					 BT_ETOOBIG);
			assert_null(data);
			assert_non_null(strstr(bt_strbuf_str(&err), path));
			bt_strbuf_release(&err);
		}
	}
	/* no size: /proc and a FIFO fed by a child */
	char *data = NULL;
	size_t len = 0;
	assert_int_equal(bt__read_file("/proc/self/status", 1 << 20, &data, &len, NULL), 0);
	assert_true(len > 0 && strstr(data, "Name:"));
	free(data);
	/* a FIFO is not read at all: no writer, and the open must not wait
	 * for one (a FIFO run.json in a store hung the dashboard); the
	 * alarm turns a hang into a failure */
	char fifo[512];
	snprintf(fifo, sizeof fifo, "%s/fifo", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	alarm(10);
	struct bt_strbuf ferr = BT_STRBUF_INIT;
	assert_int_equal(bt__read_file(fifo, 1 << 20, &data, &len, &ferr), BT_EIO);
	assert_null(data);
	assert_non_null(strstr(bt_strbuf_str(&ferr), "not a regular file"));
	assert_non_null(strstr(bt_strbuf_str(&ferr), fifo));
	for (int fast = 0; fast <= 1; fast++) {
		struct bt_run run;
		assert_int_equal(bt_run_init(&run), 0);
		bt_strbuf_reset(&ferr);
		int rc = fast ? bt__run_read_file_summary(&run, fifo, &ferr)
			      : bt_run_read_file(&run, fifo, &ferr);
		assert_int_not_equal(rc, 0);
		assert_non_null(strstr(bt_strbuf_str(&ferr), "not a regular file"));
		bt_run_release(&run);
	}
	alarm(0);
	bt_strbuf_release(&ferr);
	free(want);
	/* a sparse file far over the cap: refused from its size */
	int fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)1 << 30), 0);
	close(fd);
	struct rusage before, after;
	getrusage(RUSAGE_SELF, &before);
	struct bt_strbuf err = BT_STRBUF_INIT;
	assert_int_equal(bt__read_file(path, (size_t)512 << 20, &data, &len, &err),
			 BT_ETOOBIG);
	getrusage(RUSAGE_SELF, &after);
	assert_non_null(strstr(bt_strbuf_str(&err), "larger than"));
	bt_strbuf_release(&err);
	/* ru_maxrss is in KiB */
	assert_true(after.ru_maxrss - before.ru_maxrss < 64 * 1024);
	assert_int_equal(bt_test_rmtree(dir), 0);
}

/* The field table (lib/result/schema.c) that the writer and both readers walk:
 * each object's n_req counts its required fields, keys are unique in an
 * object and klen is their length, an object has fewer than 64 fields
 * (the fast reader's bit set of the fields seen). */
static void check_schema_value(const struct bt__field *f);

static void check_schema_obj(const struct bt__obj *o)
{
	size_t req = 0;
	assert_true(o->n > 0 && o->n < 64);
	for (size_t i = 0; i < o->n; i++) {
		const struct bt__field *f = &o->f[i];
		assert_non_null(f->key);
		assert_int_equal(f->klen, strlen(f->key));
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(o->f[j].key, f->key);
		req += (f->flags & BT__F_REQ) != 0;
		check_schema_value(f);
	}
	assert_int_equal(o->n_req, req);
}

static void check_schema_value(const struct bt__field *f)
{
	if (f->type == BT__T_OBJ) {
		check_schema_obj(f->sub);
	} else if (f->type == BT__T_LIST || f->type == BT__T_MAP) {
		assert_non_null(f->val);
		assert_true(f->esize > 0);
		check_schema_value(f->val);
	} else if (f->type == BT__T_ENUM) {
		assert_non_null(f->en);
	}
}

static void test_schema_table(void **state)
{
	(void)state;
	check_schema_value(&bt__schema_run);
	check_schema_value(&bt__schema_result);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_names),
		cmocka_unit_test(test_run_init_release),
		cmocka_unit_test(test_add_result),
		cmocka_unit_test(test_result_metric),
		cmocka_unit_test(test_series_key),
		cmocka_unit_test(test_series_identity),
		cmocka_unit_test(test_roundtrip_file),
		cmocka_unit_test(test_reserialize_identical),
		cmocka_unit_test(test_writer_shape),
		cmocka_unit_test(test_seed_u64),
		cmocka_unit_test(test_result_json),
		cmocka_unit_test(test_minimal_defaults),
		cmocka_unit_test(test_time_first_and_unknown_fields),
		cmocka_unit_test(test_nan_inf_utf8),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_byte_flips),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_missing_required),
		cmocka_unit_test(test_schema_version),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_scan_same_run),
		cmocka_unit_test(test_scan_refuses),
		cmocka_unit_test(test_scan_fixtures),
		cmocka_unit_test(test_scan_generated),
		cmocka_unit_test(test_scan_read_file),
		cmocka_unit_test(test_read_file_sizes),
		cmocka_unit_test(test_schema_table),
	};
	return cmocka_run_group_tests(tests, setup_tmpdir, teardown_tmpdir);
}
