/* Allocation torture (docs/internals/TORTURE.md): each entry point of the
 * library is run once counting its allocations (alloc_fail.h), then once
 * for every N with the Nth allocation failing, until a pass makes no
 * failure. For every N: no crash; a negative BT_E* code, or 0 with the
 * very output of the pass without failure (a failure absorbed, not a
 * wrong result); the store still verifies (problems left by a failure
 * must be ones verify --repair completes, and after it none remain); no
 * temporary files left; and, under LeakSanitizer, no leak (checked after
 * each entry point's sweep, with the leaked blocks' stacks).
 *
 * The sweep of every N can take long under ASan: by default each entry
 * point tries at most BT_TORTURE_POINTS points (default 150), evenly
 * strided over its count; BT_TORTURE_FULL=1 tries every N;
 * BT_TORTURE_ONLY=NAME runs one entry point, BT_TORTURE_FROM=N starts
 * its sweep at N and BT_TORTURE_TO=M ends it after M (to look at one
 * failure point: BT_TORTURE_POINTS=1, or FROM=TO=N);
 * BT_TORTURE_VERBOSE=1 prints each failure point's code and message. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
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
#include "benchtrack/dashboard.h"
#include "benchtrack/import.h"
#include "benchtrack/store.h"
#include "helpers.h"
#include "internal.h"
#include "runmaker.h"
#include "torture/alloc_fail.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define BT_TORTURE_LSAN 1
#else
#define BT_TORTURE_LSAN 0
#endif

#define FX BT_SOURCE_DIR "/tests/fixtures"

/* --- the fixtures --------------------------------------------------------- */

static char root[512];           /* the temporary directory */
static char tpl2[600], tpl3[600]; /* stores of 2 and 3 runs, never changed */
static char work[600];           /* the copy an entry point works on */
static char out_dir[600];        /* files an entry point writes */
static char plain_file[600], zstd_file[600];
static struct bt_run attention, extreme, cmp_a, cmp_b;
/* outputs and the sweep's buffers: static, so that a failed check (a
 * longjmp out of the sweep) leaks nothing LeakSanitizer would report */
static struct bt_strbuf json_out, cmp_out, ref, d, err;

/* the in-process suite: a fake clock, 1 us per iteration */
static uint64_t fake_now;
static uint64_t fake_clock(void)
{
	return fake_now;
}
static void bm_loop(bt_state *s)
{
	while (bt_loop(s))
		fake_now += 1000;
}
static void bm_counter(bt_state *s)
{
	while (bt_loop(s))
		fake_now += 2000;
	bt_counter(s, "items", 42);
}
static const struct bt_bench_def defs[] = {
	{ .fn = bm_loop, .fn_name = "loop", .params = "n=8,64" },
	{ .fn = bm_counter, .fn_name = "counted", .params = "k=1" },
};

static int copy_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw);
static const char *copy_from, *copy_to;

/* Copies the tree src to dst (which must not exist): directories,
 * regular files, symbolic links as links. 0 or -1. */
static int copy_tree(const char *src, const char *dst)
{
	copy_from = src;
	copy_to = dst;
	return nftw(src, copy_one, 16, FTW_PHYS);
}

static int copy_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)ftw;
	char to[1200], buf[65536];
	snprintf(to, sizeof to, "%s%s", copy_to, path + strlen(copy_from));
	if (flag == FTW_D)
		return mkdir(to, 0755);
	if (flag == FTW_SL) {
		ssize_t n = readlink(path, buf, sizeof buf - 1);
		if (n < 0)
			return -1;
		buf[n] = 0;
		return symlink(buf, to);
	}
	if (flag != FTW_F)
		return -1;
	int in = open(path, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_EXCL, sb->st_mode & 0777);
	ssize_t n = 0;
	while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, (size_t)n) != n)
			n = -1;
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return in < 0 || out < 0 || n < 0 ? -1 : 0;
}

/* Temporary files left anywhere under dir ("*.tmp*" names, .tmp/
 * entries): counted into tmp_left. */
static size_t tmp_left;
static char tmp_first[1200];
static int count_tmp(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	const char *base = path + ftw->base;
	int in_tmp = strstr(path, "/.tmp/") != NULL;
	if ((flag == FTW_F || flag == FTW_SL) && (strstr(base, ".tmp") || in_tmp)) {
		if (!tmp_left++)
			snprintf(tmp_first, sizeof tmp_first, "%s", path);
	}
	return 0;
}

static size_t temporaries_in(const char *dir)
{
	tmp_left = 0;
	tmp_first[0] = 0;
	struct stat sb;
	if (stat(dir, &sb) == 0)
		nftw(dir, count_tmp, 16, FTW_PHYS);
	return tmp_left;
}

static int read_fixture(struct bt_run *run, const char *name)
{
	char p[600];
	snprintf(p, sizeof p, FX "/%s", name);
	return bt_test_read_run(run, p);
}

/* A store at dir holding the fixture runs named. */
static int make_store(const char *dir, const char *const *runs, size_t n)
{
	struct bt_store *st = NULL;
	struct bt_strbuf err = BT_STRBUF_INIT;
	int rc = bt_store_open(&st, dir, BT_STORE_CREATE, &err);
	for (size_t i = 0; !rc && i < n; i++) {
		struct bt_run run;
		if ((rc = read_fixture(&run, runs[i])) == 0)
			rc = bt_store_put(st, &run, NULL, &err);
		bt_run_release(&run);
	}
	if (rc)
		fprintf(stderr, "setup: %s: %s\n", dir, bt_strbuf_str(&err));
	bt_store_close(st);
	bt_strbuf_release(&err);
	return rc;
}

/* Two runs of the same series, b's "b" case twice as slow. */
static int make_cmp_run(struct bt_run *run, double slow)
{
	uint64_t seed = slow > 1 ? 7 : 3;
	if (bt_run_init(run))
		return -1;
	run->suite = "torture";
	run->machine.fingerprint = "f00dfeed";
	run->run_id = slow > 1 ? "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" : "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	return !bt_test_add_case(run, "g", "a", "n", "1", 1e-3, 20, &seed) ||
	       !bt_test_add_case(run, "g", "b", "n", "1", 2e-3 * slow, 20, &seed) ||
	       !bt_test_add_case(run, "g", "c", "n", "2", 1e-4, 20, &seed) ? -1 : 0;
}

static int group_setup(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof defs / sizeof *defs; i++)
		bt_register(&defs[i]);
	double res;
	bt_timer_info(&res, NULL);
	bt__clock = fake_clock;
	if (bt_torture_install()) {
		fprintf(stderr, "setup: SQLite refused the allocator\n");
		return -1;
	}
	if (bt_test_make_tmpdir(root, sizeof root, "bt-torture"))
		return -1;
	snprintf(tpl2, sizeof tpl2, "%s/tpl2", root);
	snprintf(tpl3, sizeof tpl3, "%s/tpl3", root);
	snprintf(work, sizeof work, "%s/work", root);
	snprintf(out_dir, sizeof out_dir, "%s/out", root);
	snprintf(plain_file, sizeof plain_file, "%s/run.json", root);
	snprintf(zstd_file, sizeof zstd_file, "%s/run.json.zst", root);
	static const char *const runs[] = { "run-attention.json", "run-faults.json",
					    "run-extreme.json" };
	struct bt_strbuf err = BT_STRBUF_INIT;
	int rc = make_store(tpl2, runs, 2) || make_store(tpl3, runs, 3) ||
		 read_fixture(&attention, "run-attention.json") ||
		 read_fixture(&extreme, "run-extreme.json") ||
		 bt_run_write_file_as(&attention, plain_file, BT_RUN_FILE_PLAIN, &err) ||
		 bt_run_write_file_as(&attention, zstd_file, BT_RUN_FILE_ZSTD, &err) ||
		 make_cmp_run(&cmp_a, 1) || make_cmp_run(&cmp_b, 2);
	if (rc)
		fprintf(stderr, "setup failed: %s\n", bt_strbuf_str(&err));
	bt_strbuf_release(&err);
	return rc ? -1 : 0;
}

static int group_teardown(void **state)
{
	(void)state;
	bt_run_release(&attention);
	bt_run_release(&extreme);
	bt_run_release(&cmp_a);
	bt_run_release(&cmp_b);
	bt_strbuf_release(&ref);
	bt_strbuf_release(&d);
	bt_strbuf_release(&err);
	bt_strbuf_release(&json_out);
	bt_strbuf_release(&cmp_out);
	return bt_test_rmtree(root) == 0 ? 0 : -1;
}

/* --- the entry points -----------------------------------------------------
 * prepare (not counted) sets up what run (counted, the Nth allocation
 * fails) works on; digest (not counted) appends what run produced to d
 * and releases it. */

struct entry {
	const char *name;
	int store;                 /* work is a store: verified after each pass */
	void (*prepare)(void);
	int (*run)(struct bt_strbuf *err);
	void (*digest)(int rc, struct bt_strbuf *d);
	int case_oom;              /* a case may fail for memory (status oom,
				      "out of memory") while the run goes on:
				      a digest line each, the rest the same */
};

static void fresh(const char *tpl)
{
	bt_test_rmtree(work);
	bt_test_rmtree(out_dir);
	if (tpl && copy_tree(tpl, work))
		fail_msg("cannot copy %s: %s", tpl, strerror(errno));
}

static void digest_run(struct bt_strbuf *d, struct bt_run *run)
{
	assert_int_equal(bt_run_to_json(run, 0, d, NULL), 0);
	bt_run_release(run);
}

static void digest_file(struct bt_strbuf *d, const char *path)
{
	char *s = bt_test_slurp(path);
	bt_strbuf_addf(d, "%s:\n%s\n", path, s ? s : "(missing)");
	free(s);
}

/* suite: plan and run two benchmarks in process */
static struct bt_run suite_run;
static void suite_prepare(void)
{
	fresh(NULL);
	assert_int_equal(bt_run_init(&suite_run), 0);
	suite_run.suite = "torture";
	suite_run.machine.fingerprint = "f00dfeed";
}
static int suite_run_fn(struct bt_strbuf *err)
{
	struct bt_config cfg;
	struct bt_plan plan;
	bt_config_defaults(&cfg);
	cfg.isolate = 0;
	cfg.min_sample_time = 1e-3;
	cfg.warmup_iterations = 1;
	cfg.measurement_iterations = 5;
	cfg.gpu_sample_interval = 0;
	int rc = bt_plan_build(&plan, &cfg, err);
	if (!rc) {
		rc = bt_plan_run(&plan, &cfg, &suite_run, NULL, NULL, err);
		bt_plan_release(&plan);
	}
	return rc;
}
static void suite_digest(int rc, struct bt_strbuf *d)
{
	for (size_t i = 0; !rc && i < suite_run.n_results; i++) {
		const struct bt_result *r = &suite_run.results[i];
		bt_strbuf_addf(d, "%s %s %s %s:", r->name, r->variant, bt_status_name(r->status),
			       r->series_key ? r->series_key : "-");
		for (size_t m = 0; m < r->n_metrics; m++)
			for (size_t k = 0; k < r->metrics[m].n_samples; k++)
				bt_strbuf_addf(d, " %g", r->metrics[m].samples[k]);
		for (size_t k = 0; k < r->n_counters; k++)
			bt_strbuf_addf(d, " %s=%g", r->counters[k].name, r->counters[k].value);
		bt_strbuf_addf(d, "%s\n", r->message ? r->message : "");
	}
	bt_run_release(&suite_run);
}

/* run_write: a run to JSON, to a plain and a zstd file */
static void write_prepare(void)
{
	fresh(NULL);
	bt_strbuf_release(&json_out);
	mkdir(out_dir, 0755);
}
static int write_run(struct bt_strbuf *err)
{
	char p[700], z[700];
	snprintf(p, sizeof p, "%s/run.json", out_dir);
	snprintf(z, sizeof z, "%s/run.json.zst", out_dir);
	int rc = bt_run_to_json(&attention, 1, &json_out, err);
	if (!rc)
		rc = bt_run_write_file_as(&attention, p, BT_RUN_FILE_PLAIN, err);
	if (!rc)
		rc = bt_run_write_file_as(&attention, z, BT_RUN_FILE_ZSTD, err);
	return rc;
}
static void write_digest(int rc, struct bt_strbuf *d)
{
	char p[700];
	snprintf(p, sizeof p, "%s/run.json", out_dir);
	if (!rc) {
		bt_strbuf_add(d, json_out.buf ? json_out.buf : "", json_out.len);
		digest_file(d, p);
		struct bt_run back;
		snprintf(p, sizeof p, "%s/run.json.zst", out_dir);
		assert_int_equal(bt_test_read_run(&back, p), 0);
		digest_run(d, &back);
	}
	bt_strbuf_release(&json_out);
}

/* run_read: a plain and a zstd run file, strictly */
static struct bt_run read_a, read_b;
static void read_prepare(void)
{
	fresh(NULL);
	assert_int_equal(bt_run_init(&read_a), 0);
	assert_int_equal(bt_run_init(&read_b), 0);
}
static int read_run(struct bt_strbuf *err)
{
	int rc = bt_run_read_file(&read_a, plain_file, err);
	return rc ? rc : bt_run_read_file(&read_b, zstd_file, err);
}
static void read_digest(int rc, struct bt_strbuf *d)
{
	if (!rc) {
		digest_run(d, &read_a);
		digest_run(d, &read_b);
	}
	bt_run_release(&read_a);
	bt_run_release(&read_b);
}

/* the store's digest: its runs as the index lists them, README.md */
static void store_digest(int rc, struct bt_strbuf *d)
{
	struct bt_store *st;
	struct bt_store_list l;
	struct bt_store_filter f = { .include_archived = 1 };
	if (rc)
		return;
	assert_int_equal(bt_store_open(&st, work, BT_STORE_READONLY, NULL), 0);
	assert_int_equal(bt_store_query(st, &f, &l, NULL), 0);
	for (size_t i = 0; i < l.n; i++)
		bt_strbuf_addf(d, "%s %s %s %zu\n", l.items[i].run_id, l.items[i].type,
			       l.items[i].path ? l.items[i].path : "-", l.items[i].n_results);
	bt_store_list_release(&l);
	bt_store_close(st);
	char p[700];
	snprintf(p, sizeof p, "%s/README.md", work);
	digest_file(d, p);
}

/* store_put: open a store of two runs, put a third */
static void put_prepare(void)
{
	fresh(tpl2);
}
static int put_run(struct bt_strbuf *err)
{
	struct bt_store *st;
	char *path = NULL;
	int rc = bt_store_open(&st, work, 0, err);
	if (rc)
		return rc;
	rc = bt_store_put(st, &extreme, &path, err);
	free(path);
	bt_store_close(st);
	return rc;
}

/* reindex: open a store of three runs, rebuild its index */
static void reindex_prepare(void)
{
	fresh(tpl3);
}
static int reindex_run(struct bt_strbuf *err)
{
	struct bt_store *st;
	size_t runs = 0, results = 0;
	int rc = bt_store_open(&st, work, BT_STORE_NO_REBUILD, err);
	if (rc)
		return rc;
	rc = bt_store_reindex(st, &runs, &results, err);
	bt_store_close(st);
	return rc;
}

/* compare: two runs, their table (text, Markdown) and JSON */
static void compare_prepare(void)
{
	fresh(NULL);
	bt_strbuf_release(&cmp_out);
}
static int compare_run(struct bt_strbuf *err)
{
	struct bt_run_cmp_opts o;
	struct bt_run_cmp c;
	struct bt_table t;
	bt_run_cmp_opts_default(&o);
	int rc = bt_compare_runs(&cmp_a, &cmp_b, &o, &c, err);
	if (rc)
		return rc;
	rc = bt_table_from_comparison(&c, o.verdict.alpha, &t, err);
	if (!rc) {
		rc = bt_table_render_text(&t, 0, &cmp_out);
		if (!rc)
			rc = bt_table_render_markdown(&t, &cmp_out);
		bt_table_release(&t);
	}
	if (!rc)
		rc = bt_comparison_to_json(&c, &cmp_a, &cmp_b, &o, &cmp_out, err);
	bt_run_cmp_release(&c);
	return rc;
}
static void compare_digest(int rc, struct bt_strbuf *d)
{
	if (!rc)
		bt_strbuf_add(d, cmp_out.buf ? cmp_out.buf : "", cmp_out.len);
	bt_strbuf_release(&cmp_out);
}

/* report: a run's Markdown report (with its SVG charts) and JSON report */
static void report_prepare(void)
{
	fresh(NULL);
}
static int report_run(struct bt_strbuf *err)
{
	char j[700];
	snprintf(j, sizeof j, "%s/json", out_dir);
	int rc = bt_report_write(&attention, NULL, BT_REPORT_MD, out_dir, err);
	return rc ? rc : bt_report_write(&attention, NULL, BT_REPORT_JSON, j, err);
}
static void report_digest(int rc, struct bt_strbuf *d)
{
	char p[700];
	if (rc)
		return;
	snprintf(p, sizeof p, "%s/report.md", out_dir);
	digest_file(d, p);
	snprintf(p, sizeof p, "%s/json/report.json", out_dir);
	digest_file(d, p);
}

/* dashboard: the dashboard of a store of three runs */
static void dashboard_prepare(void)
{
	fresh(tpl3);
}
static int dashboard_run(struct bt_strbuf *err)
{
	struct bt_store *st;
	struct bt_dashboard_stats stats;
	int rc = bt_store_open(&st, work, BT_STORE_READONLY, err);
	if (rc)
		return rc;
	rc = bt_dashboard_write(st, out_dir, NULL, &stats, err);
	bt_store_close(st);
	return rc;
}
static void dashboard_digest(int rc, struct bt_strbuf *d)
{
	char p[700];
	if (rc)
		return;
	snprintf(p, sizeof p, "%s/data/index.js", out_dir);
	/* less the time it was generated */
	char *s = bt_test_slurp(p), *g = s ? strstr(s, "\"generated\":\"") : NULL;
	if (g)
		memset(g, '-', 33);
	bt_strbuf_addf(d, "%s\n", s ? s : "(missing)");
	free(s);
	snprintf(p, sizeof p, "%s/index.html", out_dir);
	digest_file(d, p);
}

/* import: Google Benchmark and hyperfine text, pyperf, hf-v2 JSONL,
 * criterion's directory and asv files */
#define N_IMPORTS 6
static struct bt_run imported[N_IMPORTS];
static void import_prepare(void)
{
	fresh(NULL);
	for (size_t i = 0; i < N_IMPORTS; i++)
		assert_int_equal(bt_run_init(&imported[i]), 0);
}
static int import_run(struct bt_strbuf *err)
{
	static const char gb[] = "{\"context\": {\"date\": \"2026-11-22T20:08:32+00:00\", "
		"\"host_name\": \"h\", \"num_cpus\": 4, \"mhz_per_cpu\": 3000}, \"benchmarks\": ["
		"{\"name\": \"BM_a/8\", \"run_name\": \"BM_a/8\", \"run_type\": \"iteration\", "
		"\"repetitions\": 2, \"repetition_index\": 0, \"iterations\": 10, \"real_time\": 5, "
		"\"cpu_time\": 5, \"time_unit\": \"ns\", \"items_per_second\": 2e8},"
		"{\"name\": \"BM_a/8\", \"run_name\": \"BM_a/8\", \"run_type\": \"iteration\", "
		"\"repetitions\": 2, \"repetition_index\": 1, \"iterations\": 10, \"real_time\": 6, "
		"\"cpu_time\": 6, \"time_unit\": \"ns\", \"items_per_second\": 1.6e8},"
		"{\"name\": \"BM_a/8_mean\", \"run_name\": \"BM_a/8\", \"run_type\": \"aggregate\", "
		"\"aggregate_name\": \"mean\", \"iterations\": 2, \"real_time\": 5.5, "
		"\"cpu_time\": 5.5, \"time_unit\": \"ns\"}]}";
	static const char hf[] = "{\"results\": [{\"command\": \"sleep 0.1\", \"mean\": 0.1, "
		"\"times\": [0.1, 0.11, 0.09], \"exit_codes\": [0, 0, 0], "
		"\"parameters\": {\"t\": \"0.1\"}}]}";
	static const struct {
		const char *path;
		enum bt_format f;
	} files[] = {
		{ FX "/import/pyperf/telco.json", BT_FORMAT_PYPERF },
		{ FX "/import/hf-v2/runner_full_results.jsonl", BT_FORMAT_AUTO },
		{ FX "/import/criterion/Fibonacci", BT_FORMAT_CRITERION },
		{ FX "/import/asv/results/bench-host/4f7d2a9c-virtualenv-py3.11-numpy.json",
		  BT_FORMAT_ASV },
	};
	struct bt_import_info info;
	int rc = bt_import_text(&imported[0], gb, sizeof gb - 1, "gb.json", BT_FORMAT_AUTO,
				&info, err);
	if (!rc)
		rc = bt_import_text(&imported[1], hf, sizeof hf - 1, "hf.json", BT_FORMAT_AUTO,
				    &info, err);
	for (size_t i = 0; !rc && i < sizeof files / sizeof *files; i++)
		rc = bt_import_path(&imported[2 + i], files[i].path, files[i].f, &info, err);
	return rc;
}
static void import_digest(int rc, struct bt_strbuf *d)
{
	for (size_t i = 0; i < N_IMPORTS; i++) {
		if (!rc)
			digest_run(d, &imported[i]);
		bt_run_release(&imported[i]);
	}
}

static const struct entry entries[] = {
	{ "suite", 0, suite_prepare, suite_run_fn, suite_digest, 1 },
	{ "run_write", 0, write_prepare, write_run, write_digest, 0 },
	{ "run_read", 0, read_prepare, read_run, read_digest, 0 },
	{ "store_put", 1, put_prepare, put_run, store_digest, 0 },
	{ "reindex", 1, reindex_prepare, reindex_run, store_digest, 0 },
	{ "compare", 0, compare_prepare, compare_run, compare_digest, 0 },
	{ "report", 0, report_prepare, report_run, report_digest, 0 },
	{ "dashboard", 1, dashboard_prepare, dashboard_run, dashboard_digest, 0 },
	{ "import", 0, import_prepare, import_run, import_digest, 0 },
};

/* --- the sweep --------------------------------------------------------------- */

static int env_flag(const char *name)
{
	const char *v = getenv(name);
	return v && *v && strcmp(v, "0") != 0;
}

/* 1 when the lines of got are those of want, but for lines that say
 * "out of memory" in place of some. */
static int same_but_oom(const struct bt_strbuf *got, const struct bt_strbuf *want)
{
	const char *g = bt_strbuf_str(got), *w = bt_strbuf_str(want);
	int oom = 0;
	while (*g || *w) {
		size_t gl = strcspn(g, "\n"), wl = strcspn(w, "\n");
		char line[4096];
		snprintf(line, sizeof line, "%.*s", (int)gl, g);
		if (gl != wl || memcmp(g, w, gl) != 0) {
			if (!strstr(line, "out of memory"))
				return 0;
			oom = 1;
		}
		g += gl + (g[gl] == '\n');
		w += wl + (w[wl] == '\n');
	}
	return oom;
}

/* After a pass of a store entry point: the store verifies; what a failure
 * left must be completed by verify --repair, and then nothing is left.
 * Returns 1 when a repair was needed. */
static int check_store(const struct entry *e, long n, const char *why)
{
	static struct bt_strbuf verr; /* static: see ref */
	struct bt_store *st;
	size_t problems = 0, after = 0;
	bt_strbuf_release(&verr);
	if (bt_store_open(&st, work, 0, &verr))
		fail_msg("%s, N=%ld (%s): the store does not open: %s", e->name, n, why,
			 bt_strbuf_str(&verr));
	int rc = bt_store_verify(st, 0, NULL, NULL, &problems, &verr);
	if (rc == 0 && problems) {
		rc = bt_store_verify(st, 1, NULL, NULL, NULL, &verr);
		if (rc == 0)
			rc = bt_store_verify(st, 0, NULL, NULL, &after, &verr);
	}
	bt_store_close(st);
	if (rc || after)
		fail_msg("%s, N=%ld (%s): the store does not verify (%zu problems, %zu after "
			 "repair): %d %s", e->name, n, why, problems, after, rc, bt_strbuf_str(&verr));
	bt_strbuf_release(&verr);
	return problems > 0;
}

static void sweep(const struct entry *e)
{
	bt_strbuf_release(&ref);
	bt_strbuf_release(&d);
	bt_strbuf_release(&err);
	const char *only = getenv("BT_TORTURE_ONLY");
	int verbose = env_flag("BT_TORTURE_VERBOSE");
	if (only && *only && strcmp(only, e->name) != 0) {
		skip();
		return;
	}
	/* the pass without failure: its count and its output */
	e->prepare();
	bt_torture_arm(0);
	int rc = e->run(&err);
	long total = bt_torture_disarm();
	if (rc)
		fail_msg("%s: fails without a failure: %d %s", e->name, rc, bt_strbuf_str(&err));
	e->digest(rc, &ref);
	if (e->store)
		check_store(e, 0, "no failure");
	long stride = 1;
	const char *pts = getenv("BT_TORTURE_POINTS");
	long points = pts && *pts ? atol(pts) : 150;
	if (!env_flag("BT_TORTURE_FULL") && points > 0 && total > points)
		stride = (total + points - 1) / points;
	size_t tried = 0, absorbed = 0, repaired = 0, by_code[16] = { 0 };
	long n;
	const char *from = getenv("BT_TORTURE_FROM"), *to = getenv("BT_TORTURE_TO");
	for (n = from && atol(from) > 0 ? atol(from) : 1;; n += stride) {
		if (to && atol(to) > 0 && n > atol(to))
			break;
		e->prepare();
		bt_strbuf_reset(&err);
		bt_torture_arm(n);
		rc = e->run(&err);
		bt_torture_disarm();
		int injected = bt_torture_injected();
		if (!injected) {
			/* past the last allocation: a whole pass, as the first */
			if (rc)
				fail_msg("%s, N=%ld: no failure made, still %d %s", e->name, n, rc,
					 bt_strbuf_str(&err));
			e->digest(rc, &d);
			bt_strbuf_release(&d);
			break;
		}
		tried++;
		if (rc > 0 || rc < BT_EINTR)
			fail_msg("%s, N=%ld: %d is no BT_E* code (%s)", e->name, n, rc,
				 bt_strbuf_str(&err));
		if (verbose)
			fprintf(stderr, "torture: %s N=%ld: %s %s\n", e->name, n,
				rc ? bt_err_name(rc) : "absorbed", bt_strbuf_str(&err));
		by_code[-rc]++;
		bt_strbuf_reset(&d);
		e->digest(rc, &d);
		if (rc == 0) {
			/* the failure absorbed: the same output as without it */
			absorbed++;
			size_t at = 0;
			while (at < d.len && at < ref.len && d.buf[at] == ref.buf[at])
				at++;
			if ((at < d.len || at < ref.len) && !(e->case_oom && same_but_oom(&d, &ref))) {
				size_t from = at > 40 ? at - 40 : 0;
				fail_msg("%s, N=%ld: succeeded with a different output, from byte "
					 "%zu:\n...%.320s\n--- want:\n...%.320s", e->name, n, at,
					 bt_strbuf_str(&d) + (from < d.len ? from : d.len),
					 bt_strbuf_str(&ref) + (from < ref.len ? from : ref.len));
			}
		}
		if (e->store)
			repaired += (size_t)check_store(e, n, rc ? bt_err_name(rc) : "ok");
		if (temporaries_in(work) || temporaries_in(out_dir))
			fail_msg("%s, N=%ld (%s): a temporary file is left: %s", e->name, n,
				 rc ? bt_err_name(rc) : "ok", tmp_first);
	}
	fprintf(stderr, "torture: %-10s %6ld allocations, %5zu failure points tried "
		"(stride %ld): %zu ENOMEM, %zu other errors, %zu absorbed, %zu needed "
		"verify --repair\n", e->name, total, tried, stride, by_code[-BT_ENOMEM],
		tried - by_code[-BT_ENOMEM] - absorbed, absorbed, repaired);
	for (int k = 2; k < 16; k++)
		if (by_code[k])
			fprintf(stderr, "torture: %-10s %zu x %s\n", e->name, by_code[k],
				bt_err_name(-k));
	bt_strbuf_release(&ref);
	bt_strbuf_release(&d);
	bt_strbuf_release(&err);
	fresh(NULL);
#if BT_TORTURE_LSAN
	if (__lsan_do_recoverable_leak_check())
		fail_msg("%s: memory leaked on an error path (LeakSanitizer's report above)",
			 e->name);
#endif
}

static void test_entry(void **state)
{
	sweep(*state);
}

int main(void)
{
#define ENTRY(i) { entries[i].name, test_entry, NULL, NULL, (void *)&entries[i] }
	const struct CMUnitTest tests[] = {
		ENTRY(0), ENTRY(1), ENTRY(2), ENTRY(3), ENTRY(4),
		ENTRY(5), ENTRY(6), ENTRY(7), ENTRY(8),
	};
	_Static_assert(sizeof tests / sizeof *tests == sizeof entries / sizeof *entries,
		       "one test per entry point");
	return cmocka_run_group_tests_name("torture", tests, group_setup, group_teardown);
}
