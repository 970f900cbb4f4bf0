/* bt_hub_layout and the refusals of bt_hub_push that come before any git
 * (lib/export/hf_v2.c, hub.c): the paths of manual, numbered and
 * scheduled runs, one document per model with its scenarios read back by
 * bt_import_text (format hf-v2) with the same samples, the summary's
 * counts, the run itself; and what is refused with its message: no
 * timestamp, a scheduled run without a commit, a run id that is not a
 * folder name, two runs with the same files, a file over 10 MB, a bad
 * dataset, revision or URL, a path outside the dataset. The push itself
 * is tested against a real git server (tests/integration/upload_hub.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "benchtrack.h"

static const double t1[] = { 0.25, 0.5, 0.125, 0.375 };
static const double t2[] = { 1.0 / 3, 2.0 / 3, 0.1 };

static void add_result(struct bt_run *run, const char *name, const char *model,
		       const double *x, size_t n, enum bt_status st)
{
	struct bt_result *r = bt_run_add_result(run);
	assert_non_null(r);
	r->name = name;
	r->variant = "default";
	r->status = st;
	r->message = st == BT_STATUS_OK ? NULL : "boom";
	r->params = bt_run_alloc(run, 2 * sizeof *r->params);
	r->params[0] = (struct bt_kv){ "batch_size", "4" };
	r->params[1] = (struct bt_kv){ "model", model };
	r->n_params = 2;
	if (n) {
		r->metrics = bt_run_alloc(run, sizeof *r->metrics);
		r->metrics[0].name = "time";
		r->metrics[0].unit = "s";
		r->metrics[0].samples = bt_run_alloc(run, n * sizeof *x);
		memcpy(r->metrics[0].samples, x, n * sizeof *x);
		r->metrics[0].n_samples = n;
		assert_int_equal(bt_stats_summarize(x, n, &r->metrics[0].stats), 0);
		r->n_metrics = 1;
	}
	r->counters = bt_run_alloc(run, 2 * sizeof *r->counters);
	r->counters[0] = (struct bt_counter){ "gpu_utilization_mean_pct", 87.5 };
	r->counters[1] = (struct bt_counter){ "tokens", 32 };
	r->n_counters = 2;
}

static void make_run(struct bt_run *run)
{
	assert_int_equal(bt_run_init(run), 0);
	run->run_id = "0123456789abcdef0123456789abcdef";
	run->suite = "inference";
	run->benchmark_type = "comprehensive";
	run->timestamp = "2026-11-20T09:15:07Z";
	run->git.commit = "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d";
	run->config.warmup_iterations = 2;
	run->config.measurement_iterations = 4;
	add_result(run, "generate", "google/gemma-2b", t1, 4, BT_STATUS_OK);
	add_result(run, "prefill", "google/gemma-2b", t2, 3, BT_STATUS_OK);
	add_result(run, "generate", "gpt2", t2, 3, BT_STATUS_OK);
	add_result(run, "decode", "gpt2", NULL, 0, BT_STATUS_CRASHED);
}

static const struct bt_hub_file *find(const struct bt_hub_files *f, const char *path)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->v[i].path, path) == 0)
			return &f->v[i];
	return NULL;
}

static void test_layout_manual(void **state)
{
	(void)state;
	struct bt_run run;
	make_run(&run);
	struct bt_hub_dest d = { .repo = "o/ds" };
	struct bt_hub_files f = { 0 };
	struct bt_strbuf err = BT_STRBUF_INIT;
	assert_int_equal(bt_hub_layout(&run, &d, &f, &err), 0);
	assert_int_equal(f.n, 4);
	const char *dir = "2026-11-20/runs/0123456789abcdef0123456789abcdef/benchmark_results";
	char p[256];
	snprintf(p, sizeof p, "%s/google_gemma-2b/google_gemma-2b_benchmark_20261120_091507.json",
		 dir);
	const struct bt_hub_file *gemma = find(&f, p);
	assert_non_null(gemma);
	snprintf(p, sizeof p, "%s/gpt2/gpt2_benchmark_20261120_091507.json", dir);
	const struct bt_hub_file *gpt2 = find(&f, p);
	assert_non_null(gpt2);
	snprintf(p, sizeof p, "%s/benchmark_summary_20261120_091507.json", dir);
	const struct bt_hub_file *sum = find(&f, p);
	assert_non_null(sum);
	snprintf(p, sizeof p, "%s/run_20261120_091507.json", dir);
	const struct bt_hub_file *self = find(&f, p);
	assert_non_null(self);

	/* the seed's document, read back by the hf-v2 reader */
	json_t *doc = json_loadb(gemma->data, gemma->len, 0, NULL);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "model_name")),
			    "google/gemma-2b");
	json_t *sc = json_array_get(json_object_get(doc, "benchmark_scenarios"), 0);
	json_t *cfg = json_object_get(json_object_get(sc, "metadata"), "config");
	assert_int_equal(json_integer_value(json_object_get(cfg, "batch_size")), 4);
	assert_null(json_object_get(cfg, "model"));
	assert_true(json_is_number(json_object_get(json_object_get(sc, "gpu_metrics"),
						   "gpu_utilization_mean_pct")));
	json_decref(doc);
	struct bt_run back;
	struct bt_import_info info;
	assert_int_equal(bt_run_init(&back), 0);
	assert_int_equal(bt_import_text(&back, gemma->data, gemma->len, "gemma.json",
					BT_FORMAT_HF_V2, &info, &err), 0);
	assert_int_equal(back.n_results, 2);
	const struct bt_metric *m = bt_result_metric(&back.results[0], "time");
	assert_non_null(m);
	assert_int_equal(m->n_samples, 4);
	for (size_t i = 0; i < 4; i++)
		assert_true(m->samples[i] == t1[i]);
	m = bt_result_metric(&back.results[1], "time");
	assert_non_null(m);
	for (size_t i = 0; i < 3; i++)
		assert_true(m->samples[i] == t2[i]);
	assert_string_equal(back.git.commit, run.git.commit);
	bt_run_release(&back);

	/* a case that did not run: its error, no measurements */
	doc = json_loadb(gpt2->data, gpt2->len, 0, NULL);
	sc = json_array_get(json_object_get(doc, "benchmark_scenarios"), 1);
	assert_string_equal(json_string_value(json_object_get(sc, "error")), "boom");
	assert_int_equal(json_object_size(json_object_get(sc, "measurements")), 0);
	json_decref(doc);

	doc = json_loadb(sum->data, sum->len, 0, NULL);
	json_t *meta = json_object_get(doc, "run_metadata");
	assert_int_equal(json_integer_value(json_object_get(meta, "total_benchmarks")), 4);
	assert_int_equal(json_integer_value(json_object_get(meta, "failed_benchmarks")), 1);
	assert_non_null(json_object_get(json_object_get(doc, "benchmark_results"), "gpt2"));
	json_decref(doc);

	struct bt_run same;
	assert_int_equal(bt_run_init(&same), 0);
	assert_int_equal(bt_run_from_json(&same, self->data, self->len, "run.json", &err), 0);
	assert_string_equal(same.run_id, run.run_id);
	assert_int_equal(same.n_results, 4);
	bt_run_release(&same);

	/* the same run again: its files clash, the list is left as it was */
	assert_int_equal(bt_hub_layout(&run, &d, &f, &err), BT_EEXISTS);
	assert_non_null(strstr(bt_strbuf_str(&err), "two files of the upload"));
	assert_int_equal(f.n, 4);
	bt_hub_files_release(&f);
	bt_strbuf_release(&err);
	bt_run_release(&run);
}

/* a run without GPU counters (a CPU suite) still has gpu_metrics, empty,
 * in every scenario, as the seed's document has it */
static void test_layout_no_gpu(void **state)
{
	(void)state;
	struct bt_run run;
	make_run(&run);
	for (size_t i = 0; i < run.n_results; i++) {
		run.results[i].counters = &run.results[i].counters[1];
		run.results[i].n_counters = 1;
	}
	struct bt_hub_dest d = { .repo = "o/ds" };
	struct bt_hub_files f = { 0 };
	struct bt_strbuf err = BT_STRBUF_INIT;
	assert_int_equal(bt_hub_layout(&run, &d, &f, &err), 0);
	const struct bt_hub_file *gpt2 = find(&f, "2026-11-20/runs/0123456789abcdef0123456789abcdef/"
					      "benchmark_results/gpt2/gpt2_benchmark_20261120_091507.json");
	assert_non_null(gpt2);
	json_t *doc = json_loadb(gpt2->data, gpt2->len, 0, NULL);
	assert_non_null(doc);
	json_t *scs = json_object_get(doc, "benchmark_scenarios");
	assert_int_equal(json_array_size(scs), 2);
	for (size_t i = 0; i < json_array_size(scs); i++) {
		json_t *sc = json_array_get(scs, i);
		assert_non_null(json_object_get(sc, "metadata"));
		assert_non_null(json_object_get(sc, "measurements"));
		json_t *gm = json_object_get(sc, "gpu_metrics");
		assert_true(json_is_object(gm));
		assert_int_equal(json_object_size(gm), 0);
		assert_true(json_is_number(json_object_get(json_object_get(sc, "counters"), "tokens")));
	}
	json_decref(doc);
	bt_hub_files_release(&f);
	bt_strbuf_release(&err);
	bt_run_release(&run);
}

static void test_layout_numbered_and_scheduled(void **state)
{
	(void)state;
	struct bt_run run;
	make_run(&run);
	struct bt_hub_dest d = { .repo = "o/ds", .run_number = "42", .run_id = "9876" };
	struct bt_hub_files f = { 0 };
	struct bt_strbuf err = BT_STRBUF_INIT;
	assert_int_equal(bt_hub_layout(&run, &d, &f, &err), 0);
	assert_non_null(find(&f, "2026-11-20/runs/42-9876/benchmark_results/"
			     "benchmark_summary_20261120_091507.json"));
	d.scheduled = 1;
	assert_int_equal(bt_hub_layout(&run, &d, &f, &err), 0);
	assert_non_null(find(&f, "2026-11-20/benchmark_results_1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d/"
			     "gpt2/gpt2_benchmark_20261120_091507.json"));
	assert_int_equal(f.n, 8);
	bt_hub_files_release(&f);

	run.git.commit = NULL;
	assert_int_equal(bt_hub_layout(&run, &d, &f, &err), BT_EINVAL);
	assert_non_null(strstr(bt_strbuf_str(&err), "no git commit"));
	d.scheduled = 0;
	d.run_id = "../x";
	bt_strbuf_reset(&err);
	assert_int_equal(bt_hub_layout(&run, &d, &f, &err), BT_EINVAL);
	assert_non_null(strstr(bt_strbuf_str(&err), "run id '../x'"));
	d.run_id = NULL;
	run.timestamp = NULL;
	bt_strbuf_reset(&err);
	assert_int_equal(bt_hub_layout(&run, &d, &f, &err), BT_EINVAL);
	assert_non_null(strstr(bt_strbuf_str(&err), "no timestamp"));
	assert_int_equal(f.n, 0);
	bt_hub_files_release(&f);
	bt_strbuf_release(&err);
	bt_run_release(&run);
}

/* A run whose document is over 10 MB is refused, naming the file. */
static void test_layout_too_big(void **state)
{
	(void)state;
	struct bt_run run;
	make_run(&run);
	size_t n = 600000;
	double *x = malloc(n * sizeof *x);
	assert_non_null(x);
	for (size_t i = 0; i < n; i++)
		x[i] = 0.1234567890123 + (double)i * 1e-9;
	add_result(&run, "huge", "big", x, n, BT_STATUS_OK);
	free(x);
	struct bt_hub_dest d = { .repo = "o/ds" };
	struct bt_hub_files f = { 0 };
	struct bt_strbuf err = BT_STRBUF_INIT;
	assert_int_equal(bt_hub_layout(&run, &d, &f, &err), BT_EINVAL);
	assert_non_null(strstr(bt_strbuf_str(&err), "big_benchmark_20261120_091507.json"));
	assert_non_null(strstr(bt_strbuf_str(&err), "need git LFS"));
	assert_int_equal(f.n, 0);
	bt_hub_files_release(&f);
	bt_strbuf_release(&err);
	bt_run_release(&run);
}

static void test_push_refusals(void **state)
{
	(void)state;
	struct bt_hub_file one = { "a/b.json", "{}", 2 };
	struct bt_hub_files f = { &one, 1, 1 };
	struct bt_strbuf err = BT_STRBUF_INIT;
	struct bt_hub_dest d = { .repo = "nodataset", .base_url = "http://127.0.0.1:9" };
	assert_int_equal(bt_hub_push(&d, &f, "m", NULL, &err), BT_EINVAL);
	assert_non_null(strstr(bt_strbuf_str(&err), "expected OWNER/NAME"));
	d.repo = "o/../x";
	bt_strbuf_reset(&err);
	assert_int_equal(bt_hub_push(&d, &f, "m", NULL, &err), BT_EINVAL);
	d.repo = "o/ds";
	d.revision = "--upload-pack=x";
	bt_strbuf_reset(&err);
	assert_int_equal(bt_hub_push(&d, &f, "m", NULL, &err), BT_EINVAL);
	assert_non_null(strstr(bt_strbuf_str(&err), "expected a branch name"));
	d.revision = NULL;
	d.base_url = "http://me:secret@127.0.0.1:9";
	bt_strbuf_reset(&err);
	assert_int_equal(bt_hub_push(&d, &f, "m", NULL, &err), BT_EINVAL);
	assert_non_null(strstr(bt_strbuf_str(&err), "holds a password"));
	assert_null(strstr(bt_strbuf_str(&err), "secret"));
	d.base_url = "ftp://127.0.0.1";
	bt_strbuf_reset(&err);
	assert_int_equal(bt_hub_push(&d, &f, "m", NULL, &err), BT_EINVAL);
	/* the dataset's address given as the server's: refused, not
	 * cloned from URL/datasets/o/ds/datasets/o/ds */
	d.base_url = "http://127.0.0.1:9/datasets/o/ds";
	bt_strbuf_reset(&err);
	assert_int_equal(bt_hub_push(&d, &f, "m", NULL, &err), BT_EINVAL);
	assert_non_null(strstr(bt_strbuf_str(&err), "without /datasets"));
	d.base_url = "http://127.0.0.1:9/datasets/";
	bt_strbuf_reset(&err);
	assert_int_equal(bt_hub_push(&d, &f, "m", NULL, &err), BT_EINVAL);
	/* what run and upload check before anything runs */
	assert_int_equal(bt_hub_valid_repo("my-org/bench.v2_x"), 1);
	assert_int_equal(bt_hub_valid_repo("o/d s"), 0);
	assert_int_equal(bt_hub_valid_repo("o/ds/x"), 0);
	assert_int_equal(bt_hub_valid_repo("../x"), 0);
	assert_int_equal(bt_hub_valid_run_id("pr-1234.2_a"), 1);
	assert_int_equal(bt_hub_valid_run_id("a/b"), 0);
	assert_int_equal(bt_hub_valid_run_id(".."), 0);
	assert_int_equal(bt_hub_valid_run_id(""), 0);
	d.base_url = "http://127.0.0.1:9";
	one.path = "a/../../etc/x";
	bt_strbuf_reset(&err);
	assert_int_equal(bt_hub_push(&d, &f, "m", NULL, &err), BT_EINVAL);
	assert_non_null(strstr(bt_strbuf_str(&err), "not a path inside the dataset"));
	one.path = ".git/config";
	assert_int_equal(bt_hub_push(&d, &f, "m", NULL, &err), BT_EINVAL);
	one.path = "a/b.json";
	one.len = BT_HUB_MAX_FILE + 1;
	bt_strbuf_reset(&err);
	assert_int_equal(bt_hub_push(&d, &f, "m", NULL, &err), BT_EINVAL);
	assert_non_null(strstr(bt_strbuf_str(&err), "10 MB"));
	f.n = 0;
	assert_int_equal(bt_hub_push(&d, &f, "m", NULL, &err), BT_EINVAL);
	bt_strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_manual),
		cmocka_unit_test(test_layout_no_gpu),
		cmocka_unit_test(test_layout_numbered_and_scheduled),
		cmocka_unit_test(test_layout_too_big),
		cmocka_unit_test(test_push_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
