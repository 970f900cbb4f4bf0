/* Shared fixtures and helpers of test_json.c (run model, writer, parser)
 * and test_json_scan.c (scanner, file reader, schema table). Header-only:
 * each test binary is its own program; include it once, after the
 * system headers, cmocka.h, jansson.h and helpers.h. */
#ifndef BT_TEST_JSON_FIXTURE_H
#define BT_TEST_JSON_FIXTURE_H


/* ---------------------------------------------------------------------
 * Fixtures
 * ------------------------------------------------------------------- */

BT_TEST_TMPDIR_FIXTURE(tmpdir, "bt_test_json")

static inline const char *tmppath(const char *name)
{
	static char buf[512];
	snprintf(buf, sizeof buf, "%s/%s", tmpdir, name);
	return buf;
}

static inline double *dup_doubles(struct bt_run *run, const double *x, size_t n)
{
	double *p = bt_run_alloc(run, n * sizeof *p + 1);
	assert_non_null(p);
	memcpy(p, x, n * sizeof *p);
	return p;
}

static inline void fill_stats(struct bt_stats *s, size_t n, double base)
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

static inline void nan_stats(struct bt_stats *s)
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
static inline const char *key_of(struct bt_run *run, const struct bt_result *r)
{
	char k[17];
	bt_series_key(run->suite, r, run->machine.fingerprint,
		      r->n_metrics ? r->metrics[0].name : "time", k);
	return bt_run_strdup(run, k);
}

/* Names m; with n samples x (stats from fill_stats at base), else no
 * samples set and NaN stats. */
static inline void set_metric(struct bt_run *run, struct bt_metric *m,
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
static inline void build_run(struct bt_run *run)
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

static inline void str_eq(const char *a, const char *b, const char *what)
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

static inline void dbl_eq(double a, double b, const char *what)
{
	if (isnan(a) && isnan(b))
		return;
	if (memcmp(&a, &b, sizeof a))
		fail_msg("%s: %.17g != %.17g", what, a, b);
}

static inline void int_eq(long long a, long long b, const char *what)
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

static inline void stats_eq(const struct bt_stats *a, const struct bt_stats *b)
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

static inline void kv_eq(const struct bt_kv *a, const struct bt_kv *b)
{
	S(key);
	S(value);
}

static inline void metric_eq(const struct bt_metric *a, const struct bt_metric *b)
{
	S(name);
	S(unit);
	I(direction);
	I(n_samples);
	for (size_t j = 0; j < a->n_samples; j++)
		D(samples[j]);
	stats_eq(&a->stats, &b->stats);
}

static inline void counter_eq(const struct bt_counter *a,
		       const struct bt_counter *b)
{
	S(name);
	D(value);
}

static inline void throughput_eq(const struct bt_throughput *a,
			  const struct bt_throughput *b)
{
	S(unit);
	if (a->unit) {
		D(value);
		D(items_per_op);
	}
}

static inline void result_eq(const struct bt_result *a, const struct bt_result *b)
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

static inline void run_eq(const struct bt_run *a, const struct bt_run *b)
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
static inline void from_json_ok(struct bt_run *run, const char *t, const char *name)
{
	assert_int_equal(bt_run_init(run), 0);
	assert_int_equal(bt_run_from_json(run, t, strlen(t), name, NULL), 0);
}

/* Serialises run (pretty) into a malloc'd string. */
static inline char *to_text(const struct bt_run *run, int pretty)
{
	struct bt_strbuf sb = BT_STRBUF_INIT, err = BT_STRBUF_INIT;
	int rc = bt_run_to_json(run, pretty, &sb, &err);
	if (rc)
		fail_msg("bt_run_to_json: %s", bt_strbuf_str(&err));
	bt_strbuf_release(&err);
	return bt_strbuf_detach(&sb);
}

/* build_run's run serialised (pretty), as a malloc'd string. */
static inline char *built_text(int pretty)
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
static inline int scan_agrees(const char *text, size_t len, int strict_rc,
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
static inline int parse_text(const char *text, size_t len, const char *name,
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


static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static inline uint64_t rng(void)
{
	rng_state = bt__mix64(rng_state);
	return rng_state;
}

#endif
