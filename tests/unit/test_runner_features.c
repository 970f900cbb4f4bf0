/* The runner features of the inference workload, in process: presets
 * (BT_PRESET, .presets, --suite-preset), the model names of --models, the
 * synchronise hook (bt_set_sync) under a fake clock, the GPU sampler's
 * summary with a fake sample source, the monitoring status, suite
 * discovery by the marker of BT_MAIN, and the new fields of the run's
 * config through both readers. */
#include <dlfcn.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "result/json_scan.h"
#include "run/runint.h"

/* --- the registry: benchmarks and presets ----------------------------- */

static uint64_t fake_now, clock_reads, syncs;
static uint64_t fake_clock(void)
{
	clock_reads++;
	return fake_now;
}

static void count_sync(void *ud)
{
	(*(uint64_t *)ud)++;
}

/* 1 us per iteration; with pauses, 5 us excluded per iteration */
static int with_pause;
static void bm_gen(bt_state *s)
{
	bt_set_sync(s, count_sync, &syncs);
	while (bt_loop(s)) {
		if (with_pause) {
			bt_pause(s);
			fake_now += 5000;
			bt_resume(s);
		}
		fake_now += 1000;
	}
}

static void bm_plain(bt_state *s)
{
	while (bt_loop(s))
		fake_now += 1000;
}

static void bm_model(bt_state *s)
{
	const char *d = bt_models_dir(s);
	if (d)
		bt_counter(s, "has_models_dir", 1);
	while (bt_loop(s))
		fake_now += 1000;
}

static const struct bt_bench_def defs[] = {
	{ .fn = bm_gen, .fn_name = "gen", .params = "prompt_len=32,64;new_tokens=4",
	  .presets = "performance, full" },
	{ .fn = bm_plain, .fn_name = "acc", .params = "prompt_len=32",
	  .presets = "accuracy,full" },
	{ .fn = bm_model, .fn_name = "load", .params = "model=builtin" },
};

static const struct bt_preset_def presets[] = {
	{ .name = "performance", .description = "short prompts",
	  .params = "prompt_len=32;new_tokens=8" },
	{ .name = "accuracy" },
	{ .name = "byfilter", .filter = "^(gen|load)/", .exclude = "prompt_len=64" },
};

static struct bt_config cfg;
static struct bt_run run;

static int setup(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof defs / sizeof *defs; i++)
		bt_register(&defs[i]);
	for (size_t i = 0; i < sizeof presets / sizeof *presets; i++)
		bt_register_preset(&presets[i]);
	double res;
	bt_timer_info(&res, NULL); /* measured once, on the real clock */
	bt__clock = fake_clock;
	return 0;
}

static int test_setup(void **state)
{
	(void)state;
	bt_config_defaults(&cfg);
	cfg.isolate = 0;
	cfg.min_sample_time = 1e-3;
	memset(&run, 0, sizeof run);
	syncs = clock_reads = 0;
	with_pause = 0;
	bt__gpu_source_override = NULL;
	return 0;
}

static int test_teardown(void **state)
{
	(void)state;
	bt_run_release(&run);
	bt__gpu_source_override = NULL;
	return 0;
}

/* The ids of the plan cfg makes, joined with spaces. */
static char *plan_ids(int want_rc, const char *want_err)
{
	struct bt_plan plan;
	struct bt_strbuf err = BT_STRBUF_INIT, ids = BT_STRBUF_INIT;
	int rc = bt_plan_build(&plan, &cfg, &err);
	if (rc != want_rc)
		fail_msg("bt_plan_build: %d (%s), want %d", rc, bt_strbuf_str(&err), want_rc);
	if (want_err)
		assert_non_null(strstr(bt_strbuf_str(&err), want_err));
	for (size_t i = 0; !rc && i < plan.n_cases; i++)
		bt_strbuf_addf(&ids, "%s%s", i ? " " : "", plan.cases[i].id);
	if (!rc)
		bt_plan_release(&plan);
	bt_strbuf_release(&err);
	return ids.buf ? ids.buf : strdup("");
}

static void expect_ids(const char *want)
{
	char *got = plan_ids(0, NULL);
	assert_string_equal(got, want);
	free(got);
}

static void test_presets_listed(void **state)
{
	struct bt_preset *v;
	size_t n;
	assert_int_equal(bt_presets(&v, &n, NULL), 0);
	/* declared ones first, then "full", named only by .presets */
	assert_int_equal(n, 4);
	assert_string_equal(v[0].name, "performance");
	assert_ptr_equal(v[0].def, &presets[0]);
	assert_string_equal(v[2].name, "byfilter");
	assert_string_equal(v[3].name, "full");
	assert_null(v[3].def);
	free(v);
}

static void test_preset_members_and_params(void **state)
{
	expect_ids("gen/prompt_len=32/new_tokens=4 gen/prompt_len=64/new_tokens=4 "
		   "acc/prompt_len=32 load/model=builtin");
	cfg.preset = "performance";
	/* members only; the preset's params; the command line's after them */
	expect_ids("gen/prompt_len=32/new_tokens=8");
	const char *p[] = { "new_tokens=2" };
	cfg.params = p;
	cfg.n_params = 1;
	expect_ids("gen/prompt_len=32/new_tokens=2");
	cfg.n_params = 0;
	cfg.preset = "full";
	expect_ids("gen/prompt_len=32/new_tokens=4 gen/prompt_len=64/new_tokens=4 "
		   "acc/prompt_len=32");
	/* no member: every benchmark, then its filters and --filter */
	cfg.preset = "byfilter";
	expect_ids("gen/prompt_len=32/new_tokens=4 load/model=builtin");
	cfg.filter = "^load";
	expect_ids("load/model=builtin");
}

static void test_preset_unknown(void **state)
{
	cfg.preset = "speed";
	free(plan_ids(BT_ENOTFOUND, "--suite-preset speed: no such preset (this suite "
				    "has: performance, accuracy, byfilter, full)"));
}

/* --- models ------------------------------------------------------------ */

static char tmpdir[256];

static void write_size(const char *name, size_t size)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	for (size_t i = 0; i < size; i++)
		fputc('x', f);
	assert_int_equal(fclose(f), 0);
}

static void rm_tmpdir(void)
{
	char cmd[512];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	assert_int_equal(system(cmd), 0);
}

static void make_tmpdir(void)
{
	const char *t = getenv("TMPDIR");
	snprintf(tmpdir, sizeof tmpdir, "%s/bt-features.XXXXXX", t && *t ? t : "/tmp");
	assert_non_null(mkdtemp(tmpdir));
}

static void test_model_names(void **state)
{
	make_tmpdir();
	char **v;
	size_t n;
	struct bt_strbuf err = BT_STRBUF_INIT;
	assert_int_equal(bt_model_names(tmpdir, &v, &n, &err), BT_ENOTFOUND);
	assert_non_null(strstr(err.buf, "no *.safetensors file there"));
	write_size("small.safetensors", 300);
	write_size("tiny.safetensors", 100);
	write_size("base.safetensors", 900);
	write_size("tiny.json", 10);           /* not a model */
	write_size(".hidden.safetensors", 1);  /* hidden */
	assert_int_equal(bt_model_names(tmpdir, &v, &n, NULL), 0);
	assert_int_equal(n, 3);
	assert_string_equal(v[0], "tiny");
	assert_string_equal(v[1], "small");
	assert_string_equal(v[2], "base");
	bt_model_names_free(v, n);

	/* the plan: every axis `model` gets them; others keep theirs */
	cfg.models_dir = tmpdir;
	cfg.filter = "^load";
	expect_ids("load/model=tiny load/model=small load/model=base");
	/* a --param model= wins */
	const char *p[] = { "model=small" };
	cfg.params = p;
	cfg.n_params = 1;
	expect_ids("load/model=small");
	/* the benchmark reads the directory */
	cfg.n_params = 0;
	cfg.filter = "^load/model=tiny$";
	struct bt_plan plan;
	assert_int_equal(bt_plan_build(&plan, &cfg, NULL), 0);
	assert_int_equal(bt_run_init(&run), 0);
	run.suite = "features";
	assert_int_equal(bt_plan_run(&plan, &cfg, &run, NULL, NULL, NULL), 0);
	bt_plan_release(&plan);
	assert_int_equal(run.results[0].status, BT_STATUS_OK);
	assert_int_equal(run.results[0].n_counters, 1);
	assert_string_equal(run.results[0].counters[0].name, "has_models_dir");
	assert_string_equal(run.config.models_dir, tmpdir);

	write_size("a,b.safetensors", 5);
	bt_strbuf_reset(&err);
	assert_int_equal(bt_model_names(tmpdir, &v, &n, &err), BT_EINVAL);
	assert_non_null(strstr(err.buf, "a,b.safetensors': a model name cannot hold"));
	bt_strbuf_release(&err);
	rm_tmpdir();
	cfg.models_dir = "/nonexistent-bt-models";
	cfg.filter = NULL;
	free(plan_ids(BT_ENOTFOUND, "--models /nonexistent-bt-models: "));
}

/* --- the synchronise hook ---------------------------------------------- */

static const struct bt_result *run_one(const char *filter)
{
	struct bt_plan plan;
	struct bt_strbuf err = BT_STRBUF_INIT;
	cfg.filter = filter;
	fake_now = 1000000;
	assert_int_equal(bt_plan_build(&plan, &cfg, &err), 0);
	assert_int_equal(plan.n_cases, 1);
	assert_int_equal(bt_run_init(&run), 0);
	run.suite = "features";
	int rc = bt_plan_run(&plan, &cfg, &run, NULL, NULL, &err);
	bt_plan_release(&plan);
	bt_strbuf_release(&err);
	assert_int_equal(rc, 0);
	return &run.results[0];
}

/* 1 us per iteration, 1 ms per sample: batches 1, 10, 100, 1000 (the
 * first warmup sample), 2 more warmups, 20 kept: 26 batches, each timed
 * by two clock reads, each read after a synchronisation. */
static void test_sync_before_every_timestamp(void **state)
{
	const struct bt_result *r = run_one("^gen/prompt_len=32/");
	assert_int_equal(r->status, BT_STATUS_OK);
	assert_int_equal(r->metrics[0].n_samples, 20);
	assert_true(r->metrics[0].samples[0] == 1e-6);
	assert_int_equal(syncs, 2 * 26);
	/* every other read of the clock: the case's wall time (isolate.c) */
	assert_int_equal(clock_reads, syncs + 2);
}

/* bt_pause and bt_resume read the clock too: after a synchronisation. */
static void test_sync_around_pauses(void **state)
{
	with_pause = 1;
	const struct bt_result *r = run_one("^gen/prompt_len=32/");
	assert_int_equal(r->status, BT_STATUS_OK);
	assert_true(r->metrics[0].samples[0] == 1e-6); /* pauses excluded */
	uint64_t iters = 1 + 10 + 100 + 1000 + 2 * 1000 + 20 * 1000;
	assert_int_equal(syncs, 2 * 26 + 2 * iters);
	assert_int_equal(clock_reads, syncs + 2);
}

/* --- GPU metrics ------------------------------------------------------- */

/* GPU i reads util[i][k] and mem[i][k] at its k-th read */
struct fake_gpu {
	int n, opened, fail_gpu1;
	int reads[2];
	double util[2][4], mem[2][4];
};

static int fake_open(void *ud)
{
	struct fake_gpu *g = ud;
	g->opened++;
	return g->n;
}

static int fake_read(void *ud, int i, double *util, double *mem)
{
	struct fake_gpu *g = ud;
	if (i == 1 && g->fail_gpu1)
		return -1;
	int k = g->reads[i]++ % 4;
	*util = g->util[i][k];
	*mem = g->mem[i][k];
	return 0;
}

static double counter(const struct bt_result *r, const char *name)
{
	for (size_t i = 0; i < r->n_counters; i++)
		if (strcmp(r->counters[i].name, name) == 0)
			return r->counters[i].value;
	fail_msg("no counter %s", name);
	return NAN;
}

static void test_gpu_summary(void **state)
{
	struct fake_gpu g = { .n = 2, .util = { { 10, 30, 50, 70 }, { 90, 90, 90, 90 } },
			      .mem = { { 100, 200, 300, 400 }, { 1000, 1000, 1000, 1000 } } };
	struct bt__gpu_source src = { "fake", fake_open, fake_read, &g };
	struct bt__gpu_summary s;
	memset(&s, 0, sizeof s);
	s.n_gpus = 2;
	for (int k = 0; k < 4; k++)
		bt__gpu_tick(&s, &src);
	assert_int_equal(bt_run_init(&run), 0);
	struct bt_result *r = bt_run_add_result(&run);
	assert_non_null(r);
	assert_int_equal(bt__gpu_counters(&run, r, &s), 0);
	/* per tick: the mean utilization of the GPUs, their memory summed */
	assert_true(counter(r, "gpu_utilization_mean") == (50 + 60 + 70 + 80) / 4.0);
	assert_true(counter(r, "gpu_utilization_max") == 80);
	assert_true(counter(r, "gpu_memory_used_mean") == 1250);
	assert_true(counter(r, "gpu_memory_used_max") == 1400);
	assert_true(counter(r, "gpu_samples") == 4);
	assert_true(counter(r, "gpu0_utilization_mean") == 40);
	assert_true(counter(r, "gpu0_utilization_max") == 70);
	assert_true(counter(r, "gpu0_memory_used_mean") == 250);
	assert_true(counter(r, "gpu1_memory_used_max") == 1000);
	assert_int_equal(r->n_counters, 5 + 8);

	/* a GPU that cannot be read is left out of its ticks */
	struct fake_gpu g1 = g;
	g1.fail_gpu1 = 1;
	g1.reads[0] = g1.reads[1] = 0;
	src.ud = &g1;
	memset(&s, 0, sizeof s);
	s.n_gpus = 2;
	bt__gpu_tick(&s, &src);
	assert_int_equal(s.all.n, 1);
	assert_true(s.all.util_sum == 10 && s.all.mem_sum == 100);
	assert_int_equal(s.gpu[1].n, 0);
}

/* through bt_plan_run: the sampler thread ticks at least at the start and
 * at the stop of each case, whatever the case takes */
static void test_gpu_sampled_per_case(void **state)
{
	struct fake_gpu g = { .n = 1, .util = { { 40, 40, 40, 40 } },
			      .mem = { { 8, 8, 8, 8 } } };
	struct bt__gpu_source src = { "fake", fake_open, fake_read, &g };
	bt__gpu_source_override = &src;
	const struct bt_result *r = run_one("^acc/");
	assert_int_equal(g.opened, 1);
	assert_string_equal(run.config.gpu_monitoring, "fake");
	assert_true(counter(r, "gpu_samples") >= 2);
	assert_true(counter(r, "gpu_utilization_mean") == 40);
	assert_true(counter(r, "gpu_memory_used_max") == 8);
	/* one GPU: no per-GPU counters */
	assert_int_equal(r->n_counters, 5);
}

static void test_gpu_unavailable_and_off(void **state)
{
	struct fake_gpu g = { .n = 0 };
	struct bt__gpu_source src = { "fake", fake_open, fake_read, &g };
	bt__gpu_source_override = &src;
	const struct bt_result *r = run_one("^acc/");
	assert_string_equal(run.config.gpu_monitoring, "unavailable");
	assert_int_equal(r->n_counters, 0);
	bt_run_release(&run);

	cfg.gpu_sample_interval = 0; /* --no-gpu-metrics */
	g.n = 1;
	g.opened = 0;
	r = run_one("^acc/");
	assert_string_equal(run.config.gpu_monitoring, "off");
	assert_int_equal(g.opened, 0);
	assert_int_equal(r->n_counters, 0);
}

/* The real source on a machine without NVML: no GPU, no crash. */
static void test_gpu_nvml_absent(void **state)
{
	void *probe = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
	if (probe) {
		dlclose(probe);
		skip(); /* a machine with the driver: the device check covers it */
	}
	assert_int_equal(bt__gpu_nvml.open(NULL), 0);
	const struct bt_result *r = run_one("^acc/");
	assert_string_equal(run.config.gpu_monitoring, "unavailable");
	assert_int_equal(r->n_counters, 0);
}

/* --- the config's new fields through both readers --------------------- */

static void test_config_fields_round_trip(void **state)
{
	cfg.preset = "performance";
	struct fake_gpu g = { .n = 0 };
	struct bt__gpu_source src = { "fake", fake_open, fake_read, &g };
	bt__gpu_source_override = &src;
	run_one("^gen/");
	run.run_id = "0123456789abcdef0123456789abcdef";
	run.timestamp = "2026-12-04T08:00:00Z";
	struct bt_strbuf js = BT_STRBUF_INIT, err = BT_STRBUF_INIT;
	assert_int_equal(bt_run_to_json(&run, 1, &js, &err), 0);
	assert_non_null(strstr(js.buf, "\"preset\": \"performance\""));
	assert_non_null(strstr(js.buf, "\"gpu_monitoring\": \"unavailable\""));
	assert_non_null(strstr(js.buf, "\"gpu_sample_interval\": 0.05"));
	struct bt_run a, b;
	assert_int_equal(bt_run_init(&a), 0);
	assert_int_equal(bt_run_from_json(&a, js.buf, js.len, "t", &err), 0);
	assert_int_equal(bt_run_init(&b), 0);
	assert_int_equal(bt__run_scan(&b, js.buf, js.len, 0), 0);
	const struct bt_run *both[] = { &a, &b };
	for (int i = 0; i < 2; i++) {
		assert_string_equal(both[i]->config.preset, "performance");
		assert_null(both[i]->config.models_dir);
		assert_string_equal(both[i]->config.gpu_monitoring, "unavailable");
		assert_true(both[i]->config.gpu_sample_interval == 0.05);
	}
	bt_run_release(&a);
	bt_run_release(&b);
	bt_strbuf_release(&js);
	bt_strbuf_release(&err);
}

/* --- discovery --------------------------------------------------------- */

static void copy_file(const char *from, const char *to, mode_t mode)
{
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "cp '%s' '%s' && chmod %o '%s'", from, to,
		 (unsigned)mode, to);
	assert_int_equal(system(cmd), 0);
}

static void test_discovery(void **state)
{
	const char *suite = BT_BINARY_DIR "/suite_presets";
	assert_int_equal(bt_is_suite_file(suite, NULL), 1);
	assert_int_equal(bt_is_suite_file(BT_BINARY_DIR "/suite_measure", NULL), 1);
	/* the tool links the whole library and is no suite; nor this test */
	assert_int_equal(bt_is_suite_file(BT_BINARY_DIR "/benchtrack", NULL), 0);
	assert_int_equal(bt_is_suite_file(BT_BINARY_DIR "/test_runner_features", NULL), 0);
	struct bt_strbuf err = BT_STRBUF_INIT;
	assert_int_equal(bt_is_suite_file("/nonexistent-bt", &err), BT_ESYS);
	assert_non_null(strstr(err.buf, "/nonexistent-bt: "));
	bt_strbuf_release(&err);

	make_tmpdir();
	char p[512];
	snprintf(p, sizeof p, "%s/sub", tmpdir);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof p, "%s/sub/b_suite", tmpdir);
	copy_file(suite, p, 0755);
	snprintf(p, sizeof p, "%s/a_suite", tmpdir);
	copy_file(BT_BINARY_DIR "/suite_measure", p, 0755);
	snprintf(p, sizeof p, "%s/not_executable", tmpdir);
	copy_file(suite, p, 0644);
	snprintf(p, sizeof p, "%s/.hidden", tmpdir);
	copy_file(suite, p, 0755);
	snprintf(p, sizeof p, "%s/tool", tmpdir);
	copy_file(BT_BINARY_DIR "/benchtrack", p, 0755);
	/* a script holding the marker's text is no ELF file: never a suite */
	snprintf(p, sizeof p, "%s/script.sh", tmpdir);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	/* (made here: this test must not hold the marker itself) */
	fprintf(f, "#!/bin/sh\n# %cBENCHTRACK%s%c\nexit 0\n", 0x7f, "_SUITE_MAIN_V1", 0x7f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(p, 0755), 0);
	assert_int_equal(bt_is_suite_file(p, NULL), 0);

	char **v;
	size_t n;
	assert_int_equal(bt_discover_suites(tmpdir, &v, &n, NULL), 0);
	assert_int_equal(n, 2);
	snprintf(p, sizeof p, "%s/a_suite", tmpdir);
	assert_string_equal(v[0], p);
	snprintf(p, sizeof p, "%s/sub/b_suite", tmpdir);
	assert_string_equal(v[1], p);
	bt_model_names_free(v, n);
	rm_tmpdir();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_presets_listed, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_preset_members_and_params, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_preset_unknown, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_model_names, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_sync_before_every_timestamp, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_sync_around_pauses, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_gpu_summary, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_gpu_sampled_per_case, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_gpu_unavailable_and_off, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_gpu_nvml_absent, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_config_fields_round_trip, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_discovery, test_setup, test_teardown),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
