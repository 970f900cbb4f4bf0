/* Tests of the peer readers of `benchtrack import` (lib/import/pyperf.c,
 * criterion.c, asv.c, hf_v2.c): the fixtures of tests/fixtures/import/
 * (written from each tool's documented schema, see their READMEs) read
 * through bt_import_path, with the expected samples typed here from the
 * fixtures' numbers and their medians computed here; asv's failed and
 * skipped combinations, criterion's division of totals by iterations,
 * pyperf's warmups left out, the hf-v2 runner's lines; every fixture
 * recognised by its own sniffer only; truncated and malformed files
 * rejected with the field named; the `benchtrack import` command on
 * them. */
#include <dirent.h>
#include <ftw.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "benchtrack.h"
#include "benchtrack/import.h"
#include "import/import.h"
#include "helpers.h"

#ifndef BT_SOURCE_DIR
#define BT_SOURCE_DIR "."
#endif
#ifndef BT_BINARY_DIR
#define BT_BINARY_DIR "."
#endif
#define FIX BT_SOURCE_DIR "/tests/fixtures/import"
#define BT BT_BINARY_DIR "/benchtrack"

BT_TEST_TMPDIR_FIXTURE(tmpdir, "bt_test_import_peers")

/* --- helpers -------------------------------------------------------------- */

static void assert_rel(double got, double want)
{
	double tol = 1e-9 * fmax(fabs(want), 1e-300);
	if (!(fabs(got - want) <= tol)) {
		print_error("got %.17g, want %.17g\n", got, want);
		fail();
	}
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The median of x[0..n), computed here (not by bt_stats). */
static double median(const double *x, size_t n)
{
	double *s = malloc(n * sizeof *s);
	memcpy(s, x, n * sizeof *s);
	qsort(s, n, sizeof *s, cmp);
	double m = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	free(s);
	return m;
}

/* metric m has exactly the samples want[0..n), in order, and their median. */
static void assert_samples(const struct bt_metric *m, const double *want, size_t n)
{
	assert_non_null(m);
	assert_int_equal(m->n_samples, n);
	assert_int_equal(m->stats.n, n);
	for (size_t i = 0; i < n; i++)
		assert_rel(m->samples[i], want[i]);
	assert_rel(m->stats.median, median(want, n));
}

static const char *param(const struct bt_result *r, const char *key)
{
	for (size_t i = 0; i < r->n_params; i++)
		if (!strcmp(r->params[i].key, key))
			return r->params[i].value;
	return NULL;
}

static int has_counter(const struct bt_result *r, const char *name, double *v)
{
	for (size_t i = 0; i < r->n_counters; i++)
		if (!strcmp(r->counters[i].name, name)) {
			*v = r->counters[i].value;
			return 1;
		}
	return 0;
}

static double counter(const struct bt_result *r, const char *name)
{
	double v = NAN;
	if (!has_counter(r, name, &v)) {
		print_error("no counter %s in %s\n", name, r->name);
		fail();
	}
	return v;
}

/* The result named name whose param key is value (key NULL: any). */
static const struct bt_result *find(const struct bt_run *run, const char *name,
				    const char *key, const char *value)
{
	for (size_t i = 0; i < run->n_results; i++) {
		const struct bt_result *r = &run->results[i];
		const char *v = key ? param(r, key) : NULL;
		if (!strcmp(r->name, name) && (!key || (v && !strcmp(v, value))))
			return r;
	}
	print_error("no result %s %s=%s\n", name, key ? key : "", value ? value : "");
	fail();
	return NULL;
}

/* Imports FIX/rel in format f into run (initialised here). */
static int import(const char *rel, enum bt_format f, struct bt_run *run,
		  struct bt_import_info *info, struct bt_strbuf *err)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", FIX, rel);
	assert_int_equal(bt_run_init(run), 0);
	memset(info, 0, sizeof *info);
	bt_strbuf_reset(err);
	return bt_import_path(run, path, f, info, err);
}

/* Imports FIX/rel with auto-detection: read as format f, n results. */
static void import_ok(const char *rel, enum bt_format f, size_t n, struct bt_run *run,
		      struct bt_import_info *info)
{
	struct bt_strbuf err = BT_STRBUF_INIT;
	int rc = import(rel, BT_FORMAT_AUTO, run, info, &err);
	if (rc) {
		print_error("%s: %d %s\n", rel, rc, bt_strbuf_str(&err));
		fail();
	}
	bt_strbuf_release(&err);
	assert_int_equal(info->format, f);
	assert_true(info->detected);
	assert_int_equal(run->n_results, n);
}

/* Imports text (label) in format f; the run is released here. */
static int import_text(const char *text, const char *label, enum bt_format f,
		       struct bt_strbuf *err)
{
	struct bt_run run;
	struct bt_import_info info;
	assert_int_equal(bt_run_init(&run), 0);
	bt_strbuf_reset(err);
	int rc = bt_import_text(&run, text, strlen(text), label, f, &info, err);
	bt_run_release(&run);
	return rc;
}

static void assert_has(const char *text, const char *needle)
{
	if (!text || !strstr(text, needle)) {
		print_error("\"%s\" not in \"%s\"\n", needle, text ? text : "(null)");
		fail();
	}
}

/* --- pyperf ------------------------------------------------------------- */

static void test_pyperf(void **state)
{
	(void)state;
	struct bt_run run;
	struct bt_import_info info;
	struct bt_strbuf err = BT_STRBUF_INIT;
	import_ok("pyperf/telco.json", BT_FORMAT_PYPERF, 2, &run, &info);

	/* values of the two runs with values; the calibration run's and
	 * every run's warmups are not samples */
	const struct bt_result *t = find(&run, "telco", NULL, NULL);
	const double telco[] = { 0.022752201875846367, 0.022529058374857414,
		0.022569017250134493, 0.022562820375242154, 0.022442164625317673,
		0.02241712374961935 };
	assert_int_equal(t->status, BT_STATUS_OK);
	assert_string_equal(t->metrics[0].name, "time");
	assert_string_equal(t->metrics[0].unit, "s");
	assert_samples(&t->metrics[0], telco, 6);
	assert_int_equal(t->iterations_per_sample, 8);
	assert_rel(counter(t, "runs"), 2);
	assert_rel(t->wall_s, 0.33765527700597886 + 0.7234010050015058 + 0.719920061994344);
	assert_has(info.note, "telco: 6 warmup values not counted as samples");

	const struct bt_result *m = find(&run, "json_dumps_memory", NULL, NULL);
	const double mem[] = { 1048576, 1049600, 1047552 };
	assert_string_equal(m->metrics[0].name, "memory");
	assert_string_equal(m->metrics[0].unit, "B");
	assert_samples(&m->metrics[0], mem, 3);

	/* context: the earliest run's date, the commit pyperformance adds,
	 * the machine */
	assert_true(info.has_git && info.has_machine && info.has_timestamp);
	assert_string_equal(run.timestamp, "2026-11-20T10:00:00Z");
	assert_string_equal(run.git.commit, "9f2c1d0e4b6a8c0d2e4f6a8b0c2d4e6f8a0b2c4d");
	assert_string_equal(run.git.branch, "main");
	assert_string_equal(run.machine.name, "bench-host");
	assert_int_equal(run.machine.cpu_cores, 8);
	assert_string_equal(run.machine.cpu_model, "Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz");
	bt_run_release(&run);

	/* format version 6; a benchmark with warmups only is failed */
	const char *v6 = "{\"version\": 6, \"benchmarks\": [{\"metadata\": {\"name\": \"a\"},"
		" \"runs\": [{\"warmups\": [[1, 0.5]], \"values\": [0.25, 0.75]}]},"
		" {\"metadata\": {\"name\": \"b\"}, \"runs\": [{\"warmups\": [[1, 0.5]]}]}]}";
	assert_int_equal(bt_run_init(&run), 0);
	assert_int_equal(bt_import_text(&run, v6, strlen(v6), "v6.json", BT_FORMAT_AUTO,
					&info, &err), 0);
	assert_int_equal(run.n_results, 2);
	const double ab[] = { 0.25, 0.75 };
	assert_samples(&run.results[0].metrics[0], ab, 2);
	assert_int_equal(run.results[1].status, BT_STATUS_FAILED);
	assert_int_equal(run.results[1].n_metrics, 0);
	bt_run_release(&run);
	bt_strbuf_release(&err);
}

/* --- criterion --------------------------------------------------------- */

/* criterion's per-iteration samples: times[i] / iters[i], ns to s. */
static void per_iter(const double *iters, const double *times, size_t n, double *out)
{
	for (size_t i = 0; i < n; i++)
		out[i] = times[i] / iters[i] / 1e9;
}

static void test_criterion_dir(void **state)
{
	(void)state;
	struct bt_run run;
	struct bt_import_info info;
	struct bt_strbuf err = BT_STRBUF_INIT;
	/* new/ only: the base/ baseline is not read */
	import_ok("criterion", BT_FORMAT_CRITERION, 3, &run, &info);
	assert_false(info.has_git || info.has_machine || info.has_timestamp);

	const struct bt_result *it = find(&run, "Fibonacci/Iterative", NULL, NULL);
	const double it_iters[] = { 10, 20, 30, 40, 50 };
	const double it_times[] = { 12000, 23000, 35100, 47000, 60500 };
	double want[5];
	per_iter(it_iters, it_times, 5, want);
	assert_string_equal(it->group, "Fibonacci");
	assert_string_equal(it->metrics[0].name, "time");
	assert_samples(&it->metrics[0], want, 5);
	assert_rel(it->metrics[0].stats.median, 1175e-9);
	assert_int_equal(it->iterations_per_sample, 30);
	assert_rel(counter(it, "time.source_mean"), 1181.0 / 1e9);
	assert_rel(counter(it, "time.source_median"), 1175.0 / 1e9);
	assert_rel(counter(it, "time.source_std"), 23.5 / 1e9);
	assert_rel(counter(it, "time.source_mad"), 25.0 / 1e9);
	assert_rel(counter(it, "time.source_slope"), 1182.5 / 1e9);

	const struct bt_result *rec = find(&run, "Fibonacci/Recursive", NULL, NULL);
	const double rec_iters[] = { 100, 100, 100, 100 };
	const double rec_times[] = { 1530000, 1490000, 1510000, 1620000 };
	double want4[4];
	per_iter(rec_iters, rec_times, 4, want4);
	assert_samples(&rec->metrics[0], want4, 4);
	assert_int_equal(rec->iterations_per_sample, 100);
	double slope;
	assert_false(has_counter(rec, "time.source_slope", &slope)); /* null */

	const struct bt_result *p = find(&run, "parse", "value", "1024");
	const double p_iters[] = { 1000, 1000, 1000 };
	const double p_times[] = { 2000000, 2100000, 1900000 };
	double want3[3];
	per_iter(p_iters, p_times, 3, want3);
	assert_samples(&p->metrics[0], want3, 3);
	assert_string_equal(p->throughput.unit, "B/s");
	assert_rel(p->throughput.value, 1024 / median(want3, 3));
	assert_rel(p->throughput.items_per_op, 1024);
	bt_run_release(&run);

	/* one sample.json: named by the benchmark.json beside it */
	import_ok("criterion/Fibonacci/Recursive/new/sample.json", BT_FORMAT_CRITERION, 1,
		  &run, &info);
	assert_string_equal(run.results[0].name, "Fibonacci/Recursive");
	assert_samples(&run.results[0].metrics[0], want4, 4);
	bt_run_release(&run);

	/* one benchmark's directory */
	assert_int_equal(import("criterion/Fibonacci/Iterative", BT_FORMAT_CRITERION, &run,
				&info, &err), 0);
	assert_int_equal(run.n_results, 1);
	assert_samples(&run.results[0].metrics[0], want, 5);
	bt_run_release(&run);

	/* a directory without results */
	char empty[512];
	snprintf(empty, sizeof empty, "%s/empty", tmpdir);
	assert_int_equal(mkdir(empty, 0755), 0);
	assert_int_equal(bt_run_init(&run), 0);
	assert_int_equal(bt_import_path(&run, empty, BT_FORMAT_AUTO, &info, &err), BT_ENOTFOUND);
	assert_has(bt_strbuf_str(&err), "no criterion results");
	bt_run_release(&run);
	bt_strbuf_release(&err);
}

static void test_criterion_text(void **state)
{
	(void)state;
	struct bt_run run;
	struct bt_import_info info;
	struct bt_strbuf err = BT_STRBUF_INIT;
	/* criterion 0.2's [[iters], [times]], read by its reader directly */
	const char *old = "[[2.0, 4.0, 6.0], [3000.0, 6400.0, 8700.0]]";
	int jsonl = 0;
	json_t *root = bt__import_parse(old, strlen(old), "old.json", &jsonl, &err);
	assert_non_null(root);
	assert_true(bt__sniff_criterion(root));
	assert_int_equal(bt_run_init(&run), 0);
	memset(&info, 0, sizeof info);
	assert_int_equal(bt__import_criterion(&run, root, "old.json", &info, &err), 0);
	const double it[] = { 2, 4, 6 }, tm[] = { 3000, 6400, 8700 };
	double want[3];
	per_iter(it, tm, 3, want);
	assert_samples(&run.results[0].metrics[0], want, 3);
	assert_string_equal(run.results[0].name, "criterion");
	json_decref(root);
	bt_run_release(&run);
	bt_strbuf_release(&err);
}

/* --- asv ----------------------------------------------------------------- */

#define ASV_FILE "asv/results/bench-host/4f7d2a9c-virtualenv-py3.11-numpy.json"

static void test_asv(void **state)
{
	(void)state;
	struct bt_run run;
	struct bt_import_info info;
	struct bt_strbuf err = BT_STRBUF_INIT;
	/* time_sort 2 x 2, time_skip 2, mem_list, track_items, time_broken */
	import_ok(ASV_FILE, BT_FORMAT_ASV, 9, &run, &info);

	/* the cartesian product, the last parameter fastest; names of the
	 * parameters from results/benchmarks.json; Python reprs unquoted */
	const char *sort = "benchmarks.TimeSuite.time_sort";
	const struct bt_result *r0 = find(&run, sort, "dtype", "float64");
	assert_string_equal(param(r0, "n"), "10");
	assert_string_equal(param(r0, "env"), "virtualenv-py3.11-numpy");
	const double s0[] = { 1.2e-06, 1.1e-06, 1.3e-06 };
	assert_int_equal(r0->status, BT_STATUS_OK);
	assert_string_equal(r0->metrics[0].name, "time");
	assert_samples(&r0->metrics[0], s0, 3);
	assert_rel(counter(r0, "time.source_result"), 1.2e-06);
	assert_rel(counter(r0, "time.source_ci99_low"), 1.1e-06);
	assert_rel(counter(r0, "time.source_ci99_high"), 1.3e-06);
	assert_rel(counter(r0, "time.source_p25"), 1.15e-06);
	assert_rel(counter(r0, "time.source_p75"), 1.25e-06);
	assert_rel(counter(r0, "repeat"), 10);
	assert_int_equal(r0->iterations_per_sample, 2000);
	int seen = 0;
	for (size_t i = 0; i < run.n_results; i++) {
		const struct bt_result *r = &run.results[i];
		if (strcmp(r->name, sort))
			continue;
		const char *n = param(r, "n"), *d = param(r, "dtype");
		seen++;
		if (!strcmp(n, "10") && !strcmp(d, "int32")) {
			const double s1[] = { 1.5e-06, 1.4e-06, 1.6e-06, 1.5e-06 };
			assert_samples(&r->metrics[0], s1, 4);
		} else if (!strcmp(n, "1000") && !strcmp(d, "float64")) {
			const double s2[] = { 0.000105, 9.9e-05, 0.000111 };
			assert_samples(&r->metrics[0], s2, 3);
			assert_int_equal(r->iterations_per_sample, 20);
		} else if (!strcmp(n, "1000") && !strcmp(d, "int32")) {
			/* null: failed, nothing measured */
			assert_int_equal(r->status, BT_STATUS_FAILED);
			assert_has(r->message, "result null");
			assert_int_equal(r->n_metrics, 0);
		}
	}
	assert_int_equal(seen, 4);

	/* NaN: skipped */
	const char *skip = "benchmarks.TimeSuite.time_skip";
	const struct bt_result *a = find(&run, skip, "mode", "a");
	const double one[] = { 1e-05 };
	assert_samples(&a->metrics[0], one, 1);
	const struct bt_result *b = find(&run, skip, "mode", "b");
	assert_int_equal(b->status, BT_STATUS_SKIPPED);
	assert_int_equal(b->n_metrics, 0);

	const struct bt_result *br = find(&run, "benchmarks.TimeSuite.time_broken", NULL, NULL);
	assert_int_equal(br->status, BT_STATUS_FAILED);

	const struct bt_result *mem = find(&run, "benchmarks.MemSuite.mem_list", NULL, NULL);
	const double m[] = { 8056 };
	assert_string_equal(mem->metrics[0].name, "memory");
	assert_string_equal(mem->metrics[0].unit, "B");
	assert_samples(&mem->metrics[0], m, 1);
	assert_int_equal(mem->memory_bytes, 8056);

	const struct bt_result *tr = find(&run, "benchmarks.track_items", NULL, NULL);
	assert_string_equal(tr->metrics[0].name, "value");
	assert_string_equal(tr->metrics[0].unit, "items");
	assert_rel(tr->wall_s, 0.1);

	/* context: the commit and its date, the earliest started_at, the
	 * machine of the file's params */
	assert_true(info.has_git && info.has_machine && info.has_timestamp);
	assert_string_equal(run.git.commit, "4f7d2a9c1e3b5d7f9a0b2c4d6e8f0a1b3c5d7e9f");
	assert_string_equal(run.git.commit_time, "2025-11-20T09:13:20Z");
	assert_string_equal(run.timestamp, "2025-11-20T11:59:50Z");
	assert_string_equal(run.machine.name, "bench-host");
	assert_string_equal(run.machine.arch, "x86_64");
	assert_int_equal(run.machine.cpu_cores, 8);
	assert_int_equal(run.machine.memory_bytes, 16777216000LL);
	bt_run_release(&run);

	/* without benchmarks.json: param1, param2, the kind from the name */
	char *text = bt_test_slurp(FIX "/" ASV_FILE);
	assert_int_equal(bt_run_init(&run), 0);
	assert_int_equal(bt_import_text(&run, text, strlen(text), "piped", BT_FORMAT_ASV,
					&info, &err), 0);
	const struct bt_result *q = find(&run, sort, "param2", "int32");
	assert_string_equal(param(q, "param1"), "10");
	assert_string_equal(find(&run, "benchmarks.MemSuite.mem_list", NULL, NULL)
			    ->metrics[0].unit, "B");
	assert_null(find(&run, "benchmarks.track_items", NULL, NULL)->metrics[0].unit);
	free(text);
	bt_run_release(&run);
	bt_strbuf_release(&err);
}

/* --- hf-v2 ----------------------------------------------------------------- */

static void test_hf_seed(void **state)
{
	(void)state;
	struct bt_run run;
	struct bt_import_info info;
	struct bt_strbuf err = BT_STRBUF_INIT;
	import_ok("hf-v2/seed_gemma.json", BT_FORMAT_HF_V2, 2, &run, &info);
	const struct bt_result *e = find(&run, "eager", "model", "google/gemma-2b");
	assert_string_equal(param(e, "attn_implementation"), "eager");
	assert_string_equal(param(e, "batch_size"), "1");
	assert_null(param(e, "warmup_iterations"));
	const double lat[] = { 0.51, 0.49, 0.5, 0.53 };
	assert_string_equal(e->metrics[0].name, "time");
	assert_samples(&e->metrics[0], lat, 4);
	/* the file's own statistics beside ours */
	assert_rel(counter(e, "time.source_mean"), 0.5075);
	assert_rel(counter(e, "time.source_median"), 0.505);
	assert_rel(counter(e, "time.source_std"), 0.0171);
	assert_int_equal(e->n_metrics, 2);
	const double tps[] = { 62.7, 65.3, 64.0, 60.4 };
	assert_samples(&e->metrics[1], tps, 4);
	assert_int_equal(e->metrics[1].direction, BT_HIGHER_IS_BETTER);
	const struct bt_result *s = find(&run, "sdpa", NULL, NULL);
	const double lat2[] = { 0.42, 0.41, 0.44, 0.43 };
	assert_samples(&s->metrics[0], lat2, 4);
	assert_true(info.has_git && info.has_machine && info.has_timestamp);
	assert_string_equal(run.timestamp, "2026-11-20T09:15:00Z");
	assert_string_equal(run.git.commit, "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d");
	assert_int_equal(run.machine.n_gpus, 1);
	assert_string_equal(run.machine.gpus[0].name, "NVIDIA H100 80GB HBM3");
	assert_int_equal(run.config.warmup_iterations, 2);
	assert_int_equal(run.config.measurement_iterations, 4);
	bt_run_release(&run);
	bt_strbuf_release(&err);
}

/* The two measured lines of the runner's fixture. */
static void check_runner_lines(const struct bt_run *run)
{
	const char *model = "meta-llama/Llama-3.2-1B-Instruct";
	const struct bt_result *e = find(run, model, "attn_implementation", "eager");
	/* params: the config but its name and iteration counts; nulls and
	 * empty objects left out */
	assert_string_equal(param(e, "batch_size"), "1");
	assert_string_equal(param(e, "sequence_length"), "128");
	assert_string_equal(param(e, "num_tokens_to_generate"), "4");
	assert_string_equal(param(e, "gpu_monitoring"), "true");
	assert_string_equal(param(e, "kernelize"), "false");
	assert_null(param(e, "name"));
	assert_null(param(e, "warmup_iterations"));
	assert_null(param(e, "measurement_iterations"));
	assert_null(param(e, "sdpa_backend"));
	assert_null(param(e, "compile_options"));
	/* per-iteration samples, seconds */
	const double e2e[] = { 0.0812, 0.0798, 0.0805 };
	const double ttft[] = { 0.0231, 0.0225, 0.0228 };
	const double itl[] = { 0.0194, 0.0191, 0.0192 };
	assert_string_equal(e->metrics[0].name, "time");
	assert_samples(&e->metrics[0], e2e, 3);
	assert_samples(bt_result_metric(e, "time_to_first_token"), ttft, 3);
	assert_samples(bt_result_metric(e, "inter_token_latency"), itl, 3);
	assert_string_equal(bt_result_metric(e, "inter_token_latency")->unit, "s");
	/* tokens/s of each iteration: batch_size x num_tokens_to_generate / e2e */
	double tps[3];
	for (int i = 0; i < 3; i++)
		tps[i] = 1.0 * 4 / e2e[i];
	const struct bt_metric *th = bt_result_metric(e, "throughput");
	assert_samples(th, tps, 3);
	assert_int_equal(th->direction, BT_HIGHER_IS_BETTER);
	assert_string_equal(e->throughput.unit, "tokens/s");
	assert_rel(e->throughput.value, median(tps, 3));
	/* the GPU monitor's samples */
	assert_rel(counter(e, "gpu_utilization_mean_pct"),
		   (35 + 80 + 90 + 40 + 85 + 88 + 38 + 82 + 91) / 9.0);
	assert_rel(counter(e, "gpu_memory_used_max_gb"), 4.4);

	const struct bt_result *s = find(run, model, "attn_implementation", "sdpa");
	assert_string_equal(param(s, "sdpa_backend"), "flash_attention");
	assert_string_equal(param(s, "compile_mode"), "default");
	assert_string_equal(param(s, "batch_size"), "2");
	const double e2e2[] = { 0.0641, 0.0655, 0.0629 };
	assert_samples(&s->metrics[0], e2e2, 3);
	for (int i = 0; i < 3; i++)
		tps[i] = 2.0 * 4 / e2e2[i];
	assert_samples(bt_result_metric(s, "throughput"), tps, 3);
}

static void test_hf_runner(void **state)
{
	(void)state;
	struct bt_run run;
	struct bt_import_info info;
	struct bt_strbuf err = BT_STRBUF_INIT;
	import_ok("hf-v2/runner_full_results.jsonl", BT_FORMAT_HF_V2, 3, &run, &info);
	check_runner_lines(&run);
	const struct bt_result *f = find(&run, "meta-llama/Llama-3.2-1B-Instruct",
					 "attn_implementation", "flex_attention");
	assert_int_equal(f->status, BT_STATUS_FAILED);
	assert_has(f->message, "metadata.success false");
	assert_int_equal(f->n_metrics, 0);
	assert_true(info.has_git && info.has_machine && info.has_timestamp);
	assert_string_equal(run.timestamp, "2026-11-20T10:30:00Z");
	assert_string_equal(run.git.commit, "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567");
	assert_string_equal(run.git.branch, "main");
	assert_string_equal(run.machine.gpus[0].name, "NVIDIA H100 80GB HBM3");
	assert_int_equal(run.config.warmup_iterations, 2);
	assert_int_equal(run.config.measurement_iterations, 3);
	bt_run_release(&run);

	/* the runner's own file: the lines keyed by their config hash */
	assert_int_equal(import("hf-v2/runner_results.json", BT_FORMAT_HF_V2, &run, &info,
				&err), 0);
	assert_int_equal(run.n_results, 2);
	check_runner_lines(&run);
	bt_run_release(&run);

	/* token-level lists nested per request are flattened, nulls skipped;
	 * one line alone is a document */
	const char *nested = "{\"benchmark_config_hash\": \"ab\", \"config\": {\"batch_size\": 2},"
		" \"measurements\": {\"e2e_latency\": [0.5, 0.25],"
		" \"inter_token_latency\": [[0.01, 0.02], [0.03, null]]},"
		" \"metadata\": {\"model_id\": \"m\"}}";
	assert_int_equal(bt_run_init(&run), 0);
	assert_int_equal(bt_import_text(&run, nested, strlen(nested), "one", BT_FORMAT_AUTO,
					&info, &err), 0);
	assert_int_equal(info.format, BT_FORMAT_HF_V2);
	const double flat[] = { 0.01, 0.02, 0.03 };
	assert_samples(bt_result_metric(&run.results[0], "inter_token_latency"), flat, 3);
	assert_null(bt_result_metric(&run.results[0], "throughput"));
	bt_run_release(&run);

	/* two configs that differ only in their iteration counts (not
	 * params): the second is renamed, so that each is stored */
	const char *twice = "{\"benchmark_config_hash\": \"a1\", \"config\": "
		"{\"measurement_iterations\": 3}, \"measurements\": {\"e2e_latency\": [0.5]},"
		" \"metadata\": {\"model_id\": \"m\"}}\n"
		"{\"benchmark_config_hash\": \"b2\", \"config\": {\"measurement_iterations\": 5},"
		" \"measurements\": {\"e2e_latency\": [0.25]}, \"metadata\": {\"model_id\": \"m\"}}\n";
	assert_int_equal(bt_run_init(&run), 0);
	assert_int_equal(bt_import_text(&run, twice, strlen(twice), "twice", BT_FORMAT_HF_V2,
					&info, &err), 0);
	assert_int_equal(run.n_results, 2);
	assert_string_equal(run.results[0].name, "m");
	assert_string_equal(run.results[1].name, "m (2)");
	bt_run_release(&run);
	bt_strbuf_release(&err);
}

/* --- detection -------------------------------------------------------- */

static const char *const aux_files[] = { "benchmark.json", "estimates.json",
	"machine.json", "benchmarks.json", "tukey.json", NULL };

/* Every JSON file under dir (recursively; auxiliary files of criterion
 * and asv left out) must be recognised by the sniffer of f alone. */
static int sniff_tree(const char *dir, enum bt_format f)
{
	static const struct {
		enum bt_format f;
		int (*sniff)(const json_t *);
	} sniffers[] = {
		{ BT_FORMAT_GBENCH, bt__sniff_gbench },
		{ BT_FORMAT_HYPERFINE, bt__sniff_hyperfine },
		{ BT_FORMAT_PYTEST_BENCHMARK, bt__sniff_pytest_benchmark },
		{ BT_FORMAT_PYPERF, bt__sniff_pyperf },
		{ BT_FORMAT_ASV, bt__sniff_asv },
		{ BT_FORMAT_HF_V2, bt__sniff_hf_v2_import },
		{ BT_FORMAT_CRITERION, bt__sniff_criterion },
	};
	int files = 0;
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[1024];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		struct stat st;
		assert_int_equal(stat(path, &st), 0);
		if (S_ISDIR(st.st_mode)) {
			files += sniff_tree(path, f);
			continue;
		}
		size_t n = strlen(e->d_name);
		int json = (n > 5 && !strcmp(e->d_name + n - 5, ".json")) ||
			   (n > 6 && !strcmp(e->d_name + n - 6, ".jsonl"));
		int aux = 0;
		for (size_t i = 0; aux_files[i]; i++)
			aux |= !strcmp(e->d_name, aux_files[i]);
		if (!json || aux || strstr(path, "/base/"))
			continue;
		char *text = bt_test_slurp(path);
		struct bt_strbuf err = BT_STRBUF_INIT;
		int jsonl = 0;
		json_t *root = bt__import_parse(text, strlen(text), path, &jsonl, &err);
		if (!root) {
			print_error("%s\n", bt_strbuf_str(&err));
			fail();
		}
		for (size_t i = 0; i < sizeof sniffers / sizeof *sniffers; i++) {
			int want = sniffers[i].f == f, got = sniffers[i].sniff(root) != 0;
			if (want != got) {
				print_error("%s: the %s sniffer says %d\n", path,
					    bt_format_name(sniffers[i].f), got);
				fail();
			}
		}
		/* and auto-detection through the dispatcher agrees */
		struct bt_run run;
		struct bt_import_info info;
		assert_int_equal(bt_run_init(&run), 0);
		int rc = bt_import_path(&run, path, BT_FORMAT_AUTO, &info, &err);
		if (rc) {
			print_error("%s: %s\n", path, bt_strbuf_str(&err));
			fail();
		}
		assert_int_equal(info.format, f);
		assert_true(info.detected);
		bt_run_release(&run);
		json_decref(root);
		bt_strbuf_release(&err);
		free(text);
		files++;
	}
	closedir(d);
	return files;
}

static void test_detection(void **state)
{
	(void)state;
	/* every directory of tests/fixtures/import/ is named by its format */
	DIR *d = opendir(FIX);
	assert_non_null(d);
	struct dirent *e;
	int dirs = 0;
	while ((e = readdir(d))) {
		int f = bt_format_parse(e->d_name);
		if (e->d_name[0] == '.' || f <= 0)
			continue;
		char path[512];
		snprintf(path, sizeof path, "%s/%s", FIX, e->d_name);
		int n = sniff_tree(path, (enum bt_format)f);
		if (n == 0) {
			print_error("%s: no fixture\n", path);
			fail();
		}
		dirs++;
	}
	closedir(d);
	assert_true(dirs >= 4);
}

/* --- malformed files ----------------------------------------------------- */

/* Every fixture cut short is a parse error naming the file, in its own
 * format and with auto-detection. */
static void test_truncated(void **state)
{
	(void)state;
	static const struct {
		const char *rel;
		enum bt_format f;
	} files[] = {
		{ "pyperf/telco.json", BT_FORMAT_PYPERF },
		{ ASV_FILE, BT_FORMAT_ASV },
		{ "hf-v2/seed_gemma.json", BT_FORMAT_HF_V2 },
		{ "hf-v2/runner_full_results.jsonl", BT_FORMAT_HF_V2 },
		{ "hf-v2/runner_results.json", BT_FORMAT_HF_V2 },
		{ "criterion/parse/1024/new/sample.json", BT_FORMAT_CRITERION },
	};
	struct bt_strbuf err = BT_STRBUF_INIT;
	for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
		char path[512];
		snprintf(path, sizeof path, "%s/%s", FIX, files[i].rel);
		char *text = bt_test_slurp(path);
		size_t len = strlen(text);
		size_t cuts[] = { len / 3, len / 2, len - 3 };
		for (size_t c = 0; c < 3; c++) {
			size_t cut = cuts[c];
			while (cut > 1 && (text[cut - 1] == '\n' || text[cut - 1] == ' '))
				cut--; /* not at the end of a line: a partial one */
			char *part = strndup(text, cut);
			for (int a = 0; a < 2; a++) {
				enum bt_format f = a ? BT_FORMAT_AUTO : files[i].f;
				if (f == BT_FORMAT_CRITERION)
					continue; /* text: criterion needs a directory */
				int rc = import_text(part, files[i].rel, f, &err);
				if (rc != BT_EPARSE) {
					print_error("%s cut at %zu: %d %s\n", files[i].rel, cut, rc,
						    bt_strbuf_str(&err));
					fail();
				}
				assert_has(bt_strbuf_str(&err), files[i].rel);
			}
			free(part);
		}
		free(text);
	}
	/* criterion's sample.json cut short, in its directory */
	char dir[512];
	snprintf(dir, sizeof dir, "%s/crit/b/new", tmpdir);
	char cmd[600];
	snprintf(cmd, sizeof cmd, "%s/crit", tmpdir);
	assert_int_equal(mkdir(cmd, 0755), 0);
	snprintf(cmd, sizeof cmd, "%s/crit/b", tmpdir);
	assert_int_equal(mkdir(cmd, 0755), 0);
	assert_int_equal(mkdir(dir, 0755), 0);
	const char *cut = "{\"sampling_mode\":\"Flat\",\"iters\":[1.0,1.0],\"times\":[5.0,";
	assert_int_equal(bt_test_write_file(dir, "sample.json", cut, strlen(cut)), 0);
	struct bt_run run;
	struct bt_import_info info;
	assert_int_equal(bt_run_init(&run), 0);
	snprintf(cmd, sizeof cmd, "%s/crit", tmpdir);
	assert_int_equal(bt_import_path(&run, cmd, BT_FORMAT_AUTO, &info, &err), BT_EPARSE);
	assert_has(bt_strbuf_str(&err), "crit/b/new/sample.json");
	bt_run_release(&run);
	bt_strbuf_release(&err);
}

/* Malformed content: BT_ESCHEMA naming the field. */
static void test_malformed(void **state)
{
	(void)state;
	static const struct {
		enum bt_format f;
		const char *text, *want;
	} cases[] = {
		{ BT_FORMAT_PYPERF, "{\"version\": \"1.0\", \"benchmarks\": [{\"runs\": "
		  "[{\"values\": [0.5, \"x\"]}]}]}", "m.json: benchmarks[0].runs[0].values[1]: "
		  "not a number" },
		{ BT_FORMAT_PYPERF, "{\"version\": \"9.0\", \"benchmarks\": [{\"runs\": []}]}",
		  "m.json: version: unsupported" },
		{ BT_FORMAT_PYPERF, "{\"version\": \"1.0\", \"benchmarks\": [{\"metadata\": "
		  "{\"unit\": \"furlong\"}, \"runs\": []}]}",
		  "m.json: benchmarks[0].metadata.unit: unknown unit \"furlong\"" },
		{ BT_FORMAT_PYPERF, "{\"version\": \"1.0\", \"benchmarks\": [{\"runs\": 3}]}",
		  "m.json: benchmarks[0].runs: not an array" },
		{ BT_FORMAT_PYPERF, "{\"version\": \"1.0\", \"benchmarks\": []}",
		  "m.json: benchmarks: empty" },
		{ BT_FORMAT_AUTO, "{\"sampling_mode\": \"Flat\", \"iters\": [1.0, 2.0, 3.0], "
		  "\"times\": [5.0, 6.0]}", "m.json: times: 2 values for 3 iters" },
		{ BT_FORMAT_AUTO, "{\"sampling_mode\": \"Flat\", \"iters\": [1.0, 0.0], "
		  "\"times\": [5.0, 6.0]}", "m.json: iters[1]: not a positive count" },
		{ BT_FORMAT_AUTO, "{\"sampling_mode\": \"Flat\", \"iters\": [1.0, 2.0], "
		  "\"times\": [5.0, \"6\"]}", "m.json: times[1]: not a number" },
		{ BT_FORMAT_ASV, "{\"version\": 2, \"result_columns\": [\"result\", \"params\"], "
		  "\"results\": {\"b.time_x\": [[1.0, \"fast\"], [[\"1\", \"2\"]]]}}",
		  "m.json: results.b.time_x[0][1] (result): not a number" },
		{ BT_FORMAT_ASV, "{\"version\": 2, \"result_columns\": [\"result\", \"params\"], "
		  "\"results\": {\"b.time_x\": [[1.0], [[\"1\", \"2\"]]]}}",
		  "m.json: results.b.time_x[0] (result): 1 values for 2 parameter combinations" },
		{ BT_FORMAT_ASV, "{\"version\": 2, \"result_columns\": [\"result\", \"samples\"], "
		  "\"results\": {\"b.time_x\": [[1.0], [[1.0, \"s\"]]]}}",
		  "m.json: results.b.time_x[1][0] (samples)[1]: not a number" },
		{ BT_FORMAT_ASV, "{\"version\": 1, \"result_columns\": [], \"results\": {}}",
		  "m.json: version: unsupported asv results version" },
		{ BT_FORMAT_HF_V2, "{\"benchmark_config_hash\": \"a\", \"config\": {}, "
		  "\"measurements\": {\"e2e_latency\": [0.5, \"slow\"]}}",
		  "m.json: measurements.e2e_latency[1]: not a number" },
		{ BT_FORMAT_HF_V2, "[{\"benchmark_config_hash\": \"a\", \"config\": {}, "
		  "\"measurements\": {}}, {\"benchmark_config_hash\": \"b\", \"measurements\": {}}]",
		  "m.json: [1].config: missing" },
		{ BT_FORMAT_HF_V2, "{\"model_name\": \"m\", \"benchmark_scenarios\": [{\"measurements\": "
		  "{\"latency\": {\"measurements\": [1.0, null]}}}]}",
		  "m.json: benchmark_scenarios[0].measurements.latency.measurements[1]: not a number" },
		{ BT_FORMAT_HF_V2, "{\"model_name\": \"m\", \"benchmark_scenarios\": []}",
		  "m.json: benchmark_scenarios: empty" },
		/* the seed document's own statistics must be numbers too */
		{ BT_FORMAT_AUTO, "{\"model_name\": \"m\", \"benchmark_scenarios\": [{"
		  "\"scenario_name\": \"s\", \"measurements\": {\"latency\": {\"mean\": 2.5, "
		  "\"median\": \"x\"}}}]}",
		  "m.json: benchmark_scenarios[0].measurements.latency.median: not a number" },
		/* pyperf refuses values <= 0: a negative one is a broken file */
		{ BT_FORMAT_AUTO, "{\"version\": \"1.0\", \"metadata\": {\"name\": \"b\", "
		  "\"unit\": \"second\"}, \"benchmarks\": [{\"runs\": [{\"values\": "
		  "[0.5, -0.25]}]}]}",
		  "m.json: benchmarks[0].runs[0].values[1]: negative" },
	};
	struct bt_strbuf err = BT_STRBUF_INIT;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		int rc = import_text(cases[i].text, "m.json", cases[i].f, &err);
		if (rc != BT_ESCHEMA || !strstr(bt_strbuf_str(&err), cases[i].want)) {
			print_error("case %zu: %d \"%s\", want \"%s\"\n", i, rc,
				    bt_strbuf_str(&err), cases[i].want);
			fail();
		}
	}
	/* JSON Lines with a partial last line */
	const char *lines = "{\"benchmark_config_hash\": \"a\", \"config\": {}, "
		"\"measurements\": {\"e2e_latency\": [0.5]}, \"metadata\": {}}\n"
		"{\"benchmark_config_hash\": \"b\", \"config\": {\"batch_s";
	assert_int_equal(import_text(lines, "l.jsonl", BT_FORMAT_HF_V2, &err), BT_EPARSE);
	assert_has(bt_strbuf_str(&err), "l.jsonl");
	bt_strbuf_release(&err);
}

/* --- the command ---------------------------------------------------------- */

static int run_bt(char *const argv[], char **out, char **errs)
{
	char o[512], e[512];
	snprintf(o, sizeof o, "%s/out.txt", tmpdir);
	snprintf(e, sizeof e, "%s/err.txt", tmpdir);
	int rc = bt_test_spawn(argv, o, e);
	*out = bt_test_slurp(o);
	*errs = bt_test_slurp(e);
	return rc;
}

static int n_run_files;
static int count_run(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	size_t n = strlen(path);
	if (type == FTW_F && n >= 9 && !strcmp(path + n - 9, "/run.json"))
		n_run_files++;
	return 0;
}

/* The run files stored under dir. */
static int stored_runs(const char *dir)
{
	n_run_files = 0;
	nftw(dir, count_run, 16, FTW_PHYS);
	return n_run_files;
}

static void test_cli(void **state)
{
	(void)state;
	/* exit 4 where the file has failed benchmarks */
	static const struct {
		const char *rel, *format;
		int exit;
	} files[] = {
		{ "pyperf/telco.json", "pyperf", 0 },
		{ "criterion", "criterion", 0 },
		{ ASV_FILE, "asv", 4 },
		{ "hf-v2/seed_gemma.json", "hf-v2", 0 },
		{ "hf-v2/runner_full_results.jsonl", "hf-v2", 4 },
		{ "hf-v2/runner_results.json", "hf-v2", 0 },
	};
	for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
		char path[512];
		snprintf(path, sizeof path, "%s/%s", FIX, files[i].rel);
		char *argv[] = { BT, "import", "--no-store", "--format", "auto", path, NULL };
		char *out, *errs;
		int rc = run_bt(argv, &out, &errs);
		if (rc != files[i].exit) {
			print_error("%s: exit %d: %s\n", files[i].rel, rc, errs);
			fail();
		}
		/* auto-detection says which format it chose */
		char said[64];
		snprintf(said, sizeof said, "read as %s (detected)", files[i].format);
		assert_has(errs, said);
		free(out);
		free(errs);
	}
	/* a truncated file: exit 3 naming the file, nothing stored; the
	 * whole file is stored */
	char store[512];
	snprintf(store, sizeof store, "%s/store", tmpdir);
	char *text = bt_test_slurp(FIX "/" ASV_FILE);
	assert_int_equal(bt_test_write_file(tmpdir, "cut.json", text, strlen(text) / 2), 0);
	free(text);
	char cut[512];
	snprintf(cut, sizeof cut, "%s/cut.json", tmpdir);
	char *argv[] = { BT, "import", "--store", store, "--format", "auto", cut, NULL };
	char *out, *errs;
	assert_int_equal(run_bt(argv, &out, &errs), 3);
	assert_has(errs, "cut.json");
	free(out);
	free(errs);
	assert_int_equal(stored_runs(store), 0);
	char whole[512];
	snprintf(whole, sizeof whole, "%s/pyperf/telco.json", FIX);
	char *argv2[] = { BT, "import", "--store", store, whole, NULL };
	assert_int_equal(run_bt(argv2, &out, &errs), 0);
	free(out);
	free(errs);
	assert_int_equal(stored_runs(store), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pyperf),
		cmocka_unit_test(test_criterion_dir),
		cmocka_unit_test(test_criterion_text),
		cmocka_unit_test(test_asv),
		cmocka_unit_test(test_hf_seed),
		cmocka_unit_test(test_hf_runner),
		cmocka_unit_test(test_detection),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_cli),
	};
	return cmocka_run_group_tests(tests, setup_tmpdir, teardown_tmpdir);
}
