/* The field table of the run document (see schema.h). Table order is the
 * order the writer writes the members in (the documents already stored,
 * docs/FORMAT.md); `pass` is the order the strict reader checks them in. */
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "schema.h"

#define K(k) .key = k, .klen = sizeof(k) - 1
#define AT(s, m) .off = offsetof(s, m)
#define F_STR(k, s, m, ...) { K(k), .type = BT__T_STR, AT(s, m), __VA_ARGS__ }
#define F_NUM(k, s, m) { K(k), .type = BT__T_NUM, AT(s, m) }
#define F_INT(k, s, m) \
	{ K(k), .type = BT__T_INT, AT(s, m), .lo = INT_MIN, .hi = INT_MAX }
#define F_I64(k, s, m) \
	{ K(k), .type = BT__T_I64, AT(s, m), .lo = INT64_MIN, .hi = INT64_MAX }
#define F_SIZE(k, s, m) \
	{ K(k), .type = BT__T_SIZE, AT(s, m), .lo = 0, .hi = INT64_MAX }
#define F_U64(k, s, m) { K(k), .type = BT__T_U64, AT(s, m) }
#define F_BOOL(k, s, m, ...) { K(k), .type = BT__T_BOOL, AT(s, m), __VA_ARGS__ }
#define F_TRI(k, s, m) { K(k), .type = BT__T_TRI, AT(s, m) }
/* an object whose members sit in the same struct (base + 0) or in a
 * member struct */
#define F_OBJ(k, off_, subobj, ...) \
	{ K(k), .type = BT__T_OBJ, .off = (off_), .sub = &(subobj), __VA_ARGS__ }
#define F_LIST(k, s, m, nm, et, v, ...)                                    \
	{ K(k), .type = BT__T_LIST, AT(s, m), .n_off = offsetof(s, nm),    \
	  .esize = sizeof(et), .val = &(v), __VA_ARGS__ }
#define F_MAP(k, s, m, nm, et, km, v, ...)                                 \
	{ K(k), .type = BT__T_MAP, AT(s, m), .n_off = offsetof(s, nm),     \
	  .esize = sizeof(et), .key_off = offsetof(et, km), .val = &(v),   \
	  __VA_ARGS__ }
#define OBJ_REQ(name, arr, n_req) \
	static const struct bt__obj name = { arr, sizeof arr / sizeof arr[0], n_req }
#define OBJ(name, arr) OBJ_REQ(name, arr, 0)

/* --- hooks ------------------------------------------------------------------ */

static const char *direction_name(int v)
{
	return v == BT_HIGHER_IS_BETTER ? "higher" : "lower";
}

static int direction_parse(const char *s, int *out)
{
	if (!strcmp(s, "lower"))
		*out = BT_LOWER_IS_BETTER;
	else if (!strcmp(s, "higher"))
		*out = BT_HIGHER_IS_BETTER;
	else
		return -1;
	return 0;
}

static const char *status_name(int v)
{
	return bt_status_name((enum bt_status)v);
}

static int status_parse(const char *s, int *out)
{
	return (*out = bt_status_parse(s)) < 0 ? -1 : 0;
}

static const struct bt__enum en_direction = {
	direction_parse, direction_name, "direction",
	" (expected \"lower\" or \"higher\")"
};
static const struct bt__enum en_status = {
	status_parse, status_name, "status", ""
};

static void stats_nan(struct bt_stats *s)
{
	s->n = 0;
	s->mean = s->median = s->std = s->min = s->max = NAN;
	s->p5 = s->p25 = s->p75 = s->p95 = s->p99 = NAN;
	s->mad = s->iqr = s->cv = NAN;
	s->ci_level = s->median_ci_low = s->median_ci_high = NAN;
	s->outliers = 0;
}

static void metric_init(void *e)
{
	struct bt_metric *m = e;
	m->direction = BT_LOWER_IS_BETTER;
	stats_nan(&m->stats);
}

static void gpu_init(void *e)
{
	((struct bt_gpu *)e)->memory_bytes = -1;
}

static void result_init(void *e)
{
	bt__result_defaults(e);
}

/* the primary metric ("time") goes first */
static void metrics_post(void *base)
{
	struct bt_result *r = base;
	for (size_t i = 1; i < r->n_metrics; i++)
		if (r->metrics[i].name && !strcmp(r->metrics[i].name, "time")) {
			struct bt_metric t = r->metrics[i];
			memmove(&r->metrics[1], &r->metrics[0], i * sizeof t);
			r->metrics[0] = t;
			break;
		}
}

static int kv_cmp(const void *a, const void *b)
{
	const struct bt_kv *x = a, *y = b;
	return strcmp(x->key, y->key);
}

/* params sorted by key, as bt_result promises */
static void params_post(void *base)
{
	struct bt_result *r = base;
	if (r->n_params > 1)
		qsort(r->params, r->n_params, sizeof *r->params, kv_cmp);
}

static void results_post(void *base)
{
	struct bt_run *run = base;
	run->results_alloc = run->n_results;
}

/* the dashboard uses the key as a file name: nothing but the 16 lowercase
 * hex digits bt_series_key() writes */
static const char *series_key_check(const void *value)
{
	const char *k = *(const char *const *)value;
	if (!k)
		return NULL;
	for (int i = 0; i < 16; i++)
		if (!((k[i] >= '0' && k[i] <= '9') || (k[i] >= 'a' && k[i] <= 'f')))
			return "expected 16 hex digits";
	return k[16] ? "expected 16 hex digits" : NULL;
}

/* --- element values --------------------------------------------------------- */

static const struct bt__field v_string = { .type = BT__T_STR };
static const struct bt__field v_number = { .type = BT__T_NUM };
static const struct bt__field v_param = {
	.type = BT__T_STR, .flags = BT__F_REQ, AT(struct bt_kv, value)
};
static const struct bt__field v_counter = {
	.type = BT__T_NUM, AT(struct bt_counter, value)
};

/* --- the result --------------------------------------------------------------- */

static const struct bt__field stats_f[] = {
	F_SIZE("n", struct bt_stats, n),
	F_NUM("mean", struct bt_stats, mean),
	F_NUM("median", struct bt_stats, median),
	F_NUM("std", struct bt_stats, std),
	F_NUM("min", struct bt_stats, min),
	F_NUM("max", struct bt_stats, max),
	F_NUM("p5", struct bt_stats, p5),
	F_NUM("p25", struct bt_stats, p25),
	F_NUM("p75", struct bt_stats, p75),
	F_NUM("p95", struct bt_stats, p95),
	F_NUM("p99", struct bt_stats, p99),
	F_NUM("mad", struct bt_stats, mad),
	F_NUM("iqr", struct bt_stats, iqr),
	F_NUM("cv", struct bt_stats, cv),
	F_NUM("ci_level", struct bt_stats, ci_level),
	F_NUM("median_ci_low", struct bt_stats, median_ci_low),
	F_NUM("median_ci_high", struct bt_stats, median_ci_high),
	F_SIZE("outliers", struct bt_stats, outliers),
};
OBJ(stats_o, stats_f);

static const struct bt__field processes_f[] = {
	F_LIST("medians", struct bt_metric, process_medians, n_process_medians,
	       double, v_number),
};
OBJ(processes_o, processes_f);

static const struct bt__field metric_f[] = {
	F_STR("unit", struct bt_metric, unit),
	{ K("direction"), .type = BT__T_ENUM, AT(struct bt_metric, direction),
	  .en = &en_direction },
	F_LIST("samples", struct bt_metric, samples, n_samples, double,
	       v_number, .flags = BT__F_SAMPLES),
	F_OBJ("stats", offsetof(struct bt_metric, stats), stats_o),
	/* written only when true */
	F_BOOL("deterministic", struct bt_metric, deterministic,
	       .flags = BT__F_OMIT),
	/* written only for a run pooled over several processes */
	F_OBJ("processes", 0, processes_o, .pres = BT__P_PTR,
	      .pres_off = offsetof(struct bt_metric, process_medians),
	      .flags = BT__F_OMIT),
};
OBJ(metric_o, metric_f);
static const struct bt__field v_metric = {
	.type = BT__T_OBJ, .flags = BT__F_REQ, .sub = &metric_o
};

#define THROUGHPUT(k, m, per, flags_)                                          \
	F_OBJ(k, offsetof(struct bt_result, m), per, .pres = BT__P_PTR,         \
	      .pres_off = offsetof(struct bt_result, m.unit), .flags = flags_,  \
	      .pass = 1)

static const struct bt__field throughput_f[] = {
	F_NUM("value", struct bt_throughput, value),
	F_STR("unit", struct bt_throughput, unit),
	F_NUM("items_per_op", struct bt_throughput, items_per_op),
};
OBJ(throughput_o, throughput_f);

static const struct bt__field bytes_throughput_f[] = {
	F_NUM("value", struct bt_throughput, value),
	F_STR("unit", struct bt_throughput, unit),
	F_NUM("bytes_per_op", struct bt_throughput, items_per_op),
};
OBJ(bytes_throughput_o, bytes_throughput_f);

static const struct bt__field result_cpu_f[] = {
	F_NUM("user_s", struct bt_result, cpu_user_s),
	F_NUM("sys_s", struct bt_result, cpu_sys_s),
};
OBJ(result_cpu_o, result_cpu_f);

static const struct bt__field ctx_f[] = {
	F_I64("voluntary", struct bt_result, ctx_switches_voluntary),
	F_I64("involuntary", struct bt_result, ctx_switches_involuntary),
};
OBJ(ctx_o, ctx_f);

static const struct bt__field validation_f[] = {
	F_NUM("max_abs_err", struct bt_validation, max_abs_err),
	F_NUM("max_rel_err", struct bt_validation, max_rel_err),
	F_NUM("tolerance", struct bt_validation, tolerance),
	F_BOOL("passed", struct bt_validation, passed),
};
OBJ(validation_o, validation_f);

static const struct bt__field adaptive_f[] = {
	F_STR("param", struct bt_adaptive, param),
	F_STR("requested", struct bt_adaptive, requested),
	F_STR("ran", struct bt_adaptive, ran),
	F_INT("retries", struct bt_adaptive, retries),
};
OBJ(adaptive_o, adaptive_f);

/* pass 0: the required fields; pass 1: the rest */
static const struct bt__field result_f[] = {
	F_STR("name", struct bt_result, name, .flags = BT__F_REQ),
	F_STR("group", struct bt_result, group, .pass = 1),
	F_STR("type", struct bt_result, type, .pass = 1),
	F_STR("variant", struct bt_result, variant, .pass = 1),
	F_MAP("params", struct bt_result, params, n_params, struct bt_kv, key,
	      v_param, .pass = 1, .post = params_post),
	F_LIST("options", struct bt_result, options, n_options, const char *,
	       v_string, .pass = 1),
	{ K("version"), .type = BT__T_INT, AT(struct bt_result, version),
	  .lo = INT_MIN, .hi = INT_MAX, .pass = 1 },
	{ K("status"), .type = BT__T_ENUM, AT(struct bt_result, status),
	  .flags = BT__F_REQ, .en = &en_status },
	F_STR("message", struct bt_result, message, .pass = 1),
	F_MAP("metrics", struct bt_result, metrics, n_metrics, struct bt_metric,
	      name, v_metric, .flags = BT__F_REQ, .init = metric_init,
	      .post = metrics_post),
	F_MAP("counters", struct bt_result, counters, n_counters,
	      struct bt_counter, name, v_counter, .pass = 1),
	THROUGHPUT("throughput", throughput, throughput_o, 0),
	THROUGHPUT("bytes_throughput", bytes_throughput, bytes_throughput_o,
		   BT__F_OMIT),
	{ K("iterations_per_sample"), .type = BT__T_U64,
	  AT(struct bt_result, iterations_per_sample), .pass = 1 },
	{ K("peak_memory_bytes"), .type = BT__T_I64,
	  AT(struct bt_result, peak_memory_bytes), .lo = INT64_MIN,
	  .hi = INT64_MAX, .pass = 1 },
	{ K("memory_bytes"), .type = BT__T_I64, AT(struct bt_result, memory_bytes),
	  .lo = INT64_MIN, .hi = INT64_MAX, .pass = 1 },
	F_OBJ("cpu", 0, result_cpu_o, .pass = 1),
	F_OBJ("ctx_switches", 0, ctx_o, .pass = 1),
	{ K("wall_s"), .type = BT__T_NUM, AT(struct bt_result, wall_s), .pass = 1 },
	F_OBJ("validation", offsetof(struct bt_result, validation), validation_o,
	      .pass = 1, .pres = BT__P_FLAG,
	      .pres_off = offsetof(struct bt_result, validation.checked)),
	F_OBJ("adaptive", offsetof(struct bt_result, adaptive), adaptive_o,
	      .pass = 1, .pres = BT__P_PTR,
	      .pres_off = offsetof(struct bt_result, adaptive.param)),
	F_STR("series_key", struct bt_result, series_key, .pass = 1,
	      .check = series_key_check),
};
OBJ_REQ(result_o, result_f, 3); /* name, status, metrics */

const struct bt__field bt__schema_result = {
	.type = BT__T_OBJ, .flags = BT__F_REQ, .sub = &result_o
};

/* --- the run ------------------------------------------------------------------ */

static const struct bt__field git_f[] = {
	F_STR("commit", struct bt_git, commit),
	F_STR("branch", struct bt_git, branch),
	F_TRI("dirty", struct bt_git, dirty),
	F_STR("commit_time", struct bt_git, commit_time),
};
OBJ(git_o, git_f);

static const struct bt__field cache_f[] = {
	F_I64("l1d", struct bt_machine, cache_l1d),
	F_I64("l2", struct bt_machine, cache_l2),
	F_I64("l3", struct bt_machine, cache_l3),
};
OBJ(cache_o, cache_f);

static const struct bt__field machine_cpu_f[] = {
	F_STR("model", struct bt_machine, cpu_model),
	F_INT("cores", struct bt_machine, cpu_cores),
	F_INT("physical_cores", struct bt_machine, cpu_physical_cores),
	F_NUM("mhz", struct bt_machine, cpu_mhz),
	F_OBJ("cache", 0, cache_o),
};
OBJ(machine_cpu_o, machine_cpu_f);

static const struct bt__field gpu_f[] = {
	F_STR("name", struct bt_gpu, name),
	F_I64("memory_bytes", struct bt_gpu, memory_bytes),
	F_STR("driver", struct bt_gpu, driver),
};
OBJ(gpu_o, gpu_f);
static const struct bt__field v_gpu = {
	.type = BT__T_OBJ, .flags = BT__F_REQ, .sub = &gpu_o
};

static const struct bt__field machine_f[] = {
	F_STR("name", struct bt_machine, name),
	F_STR("fingerprint", struct bt_machine, fingerprint),
	F_STR("arch", struct bt_machine, arch),
	F_OBJ("cpu", 0, machine_cpu_o),
	F_I64("memory_bytes", struct bt_machine, memory_bytes),
	F_STR("os", struct bt_machine, os),
	F_STR("kernel", struct bt_machine, kernel),
	F_STR("governor", struct bt_machine, governor),
	F_LIST("gpus", struct bt_machine, gpus, n_gpus, struct bt_gpu, v_gpu,
	       .init = gpu_init),
};
OBJ(machine_o, machine_f);

static const struct bt__field build_f[] = {
	F_STR("compiler", struct bt_build, compiler),
	F_STR("flags", struct bt_build, flags),
	F_TRI("optimized", struct bt_build, optimized),
	F_STR("benchtrack_version", struct bt_build, benchtrack_version),
};
OBJ(build_o, build_f);

static const struct bt__field timer_f[] = {
	F_STR("clock", struct bt_config, clock),
	F_NUM("resolution_s", struct bt_config, timer_resolution_s),
	F_NUM("overhead_s", struct bt_config, timer_overhead_s),
};
OBJ(timer_o, timer_f);

static const struct bt__field measure_f[] = {
	F_STR("kind", struct bt_config, measure),
	F_STR("tool", struct bt_config, measure_tool),
	F_BOOL("cache_sim", struct bt_config, cache_sim, .flags = BT__F_OMIT),
};
OBJ(measure_o, measure_f);

static const struct bt__field config_f[] = {
	F_INT("warmup_iterations", struct bt_config, warmup_iterations),
	F_INT("measurement_iterations", struct bt_config, measurement_iterations),
	F_NUM("min_sample_time", struct bt_config, min_sample_time),
	F_NUM("time_budget", struct bt_config, time_budget),
	F_NUM("timeout", struct bt_config, timeout),
	F_I64("memory_limit", struct bt_config, memory_limit),
	F_BOOL("isolate", struct bt_config, isolate),
	F_U64("seed", struct bt_config, seed),
	F_BOOL("quick", struct bt_config, quick),
	F_BOOL("ablation", struct bt_config, ablation),
	F_STR("filter", struct bt_config, filter),
	F_STR("exclude", struct bt_config, exclude),
	F_LIST("params", struct bt_config, params, n_params, const char *,
	       v_string),
	F_STR("range", struct bt_config, range),
	F_STR("options", struct bt_config, options),
	F_OBJ("timer", 0, timer_o),
	F_STR("preset", struct bt_config, preset),
	F_STR("models_dir", struct bt_config, models_dir),
	F_NUM("gpu_sample_interval", struct bt_config, gpu_sample_interval),
	F_STR("gpu_monitoring", struct bt_config, gpu_monitoring),
	/* written only for --measure instructions|cycles (docs/MEASURE.md) */
	F_OBJ("measure", 0, measure_o, .pres = BT__P_PTR,
	      .pres_off = offsetof(struct bt_config, measure),
	      .flags = BT__F_OMIT),
};
OBJ(config_o, config_f);

/* pass 0: schema first (a newer document gets that error, not another),
 * run_id, timestamp; 1: suite; 2: benchmark_type, duration_s; 3: results
 * (there, or the document is reported as such; read last); 4: the rest */
static const struct bt__field run_f[] = {
	{ K("schema"), .type = BT__T_CONST, AT(struct bt_run, schema),
	  .flags = BT__F_REQ, .cval = BT_RUN_SCHEMA },
	F_STR("run_id", struct bt_run, run_id, .flags = BT__F_REQ),
	F_STR("benchmark_type", struct bt_run, benchmark_type, .pass = 2),
	F_STR("suite", struct bt_run, suite, .flags = BT__F_REQ, .pass = 1),
	F_STR("timestamp", struct bt_run, timestamp, .flags = BT__F_REQ),
	{ K("duration_s"), .type = BT__T_NUM, AT(struct bt_run, duration_s),
	  .pass = 2 },
	F_OBJ("git", offsetof(struct bt_run, git), git_o, .pass = 4),
	F_OBJ("machine", offsetof(struct bt_run, machine), machine_o, .pass = 4),
	F_OBJ("build", offsetof(struct bt_run, build), build_o, .pass = 4),
	F_OBJ("config", offsetof(struct bt_run, config), config_o, .pass = 4),
	F_LIST("results", struct bt_run, results, n_results, struct bt_result,
	       bt__schema_result, .flags = BT__F_REQ | BT__F_LATE, .pass = 3,
	       .init = result_init, .post = results_post),
};
OBJ_REQ(run_o, run_f, 5); /* schema, run_id, suite, timestamp, results */

const struct bt__field bt__schema_run = {
	.type = BT__T_OBJ, .flags = BT__F_REQ, .sub = &run_o
};
