/* The dashboard's own figures at scale, measured with benchtrack;
 * scripts/bench-dashboard.sh runs it and adds the paint time of a trend
 * page in Chromium.
 *
 * A deterministic generator writes a synthetic store of RUNS runs (one per
 * commit, an hour apart) x SERIES results (benchmarks impl0..impl4 of group
 * "kern" at SERIES/5 values of n; 5 samples each, 1% noise; impl1 gets 10%
 * slower from the commit at 60% of the history, so a fifth of the series
 * have a change point) straight into by-type/micro/<dir>/run.json, then
 * indexes it with bt_store_reindex. Stores are cached under
 * $BT_DASH_BENCH_DIR (default $TMPDIR/benchtrack-dashboard-bench, TMPDIR
 * default /tmp) as runs<R>-series<S>-v<N>, renamed into place only when
 * complete; delete the directory to regenerate. 1,000 x 500 is ~0.5 GiB
 * and takes about a minute to generate; 10,000 x 1 (the 10,000-point
 * series of the paint test) ~40 MiB.
 *
 * Cases (output written under the store, in dashboard-bench/):
 *   build pages=cold   bt_dashboard_write from nothing: every series
 *                      file, every run file (each run.json parsed and
 *                      tabulated), the index and pages
 *   build pages=warm   a rebuild of an unchanged store: the run files of
 *                      the earlier dashboard are kept (stored runs never
 *                      change), and so are the series files (their hash
 *                      unchanged; no change points computed); the series
 *                      query, the index and the pages are redone. After
 *                      one new run every series file is rewritten too
 *                      (each got a point): cold minus the run pages.
 *                      Since the dashboard keeps its state (data/.state),
 *                      nothing is read from the index but the runs.
 *   build pages=run    a rebuild after one new run (put, untimed, into a
 *                      working copy of the store, STORE-work: run files
 *                      linked, the index copied; removed at the end):
 *                      the new run's page, the series it touched (all of
 *                      them here), the index.
 * Counters: series, points, files written, and the bytes of data/.
 *
 *   benchtrack run build/dashboard_bt --no-store --warmup-iterations 1 \
 *       --measurement-iterations 3 --timeout 3600s
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <benchtrack.h>

#include "bench_util.h"

#define GEN_VERSION 1
#define GEN_SAMPLES 5
#define GEN_EPOCH 1790121600LL /* 2026-09-23T00:00:00Z */

static double rgauss(uint64_t *s)
{
	double u = (double)(bt_test_rng_next(s) >> 11) * 0x1.0p-53;
	double v = (double)(bt_test_rng_next(s) >> 11) * 0x1.0p-53;
	return sqrt(-2.0 * log(1.0 - u)) * cos(6.283185307179586 * v);
}

static int mkdir_p(const char *path)
{
	char *p = strdup(path);
	if (!p)
		return -1;
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s)
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, 0755) != 0 && errno != EEXIST) {
			free(p);
			return -1;
		}
		*s = c;
		if (!c)
			break;
	}
	free(p);
	return 0;
}

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb, (void)flag, (void)f;
	return remove(p);
}

static void rm_rf(const char *dir)
{
	nftw(dir, rm_entry, 32, FTW_DEPTH | FTW_PHYS);
}

static int build_run(size_t i, size_t n_runs, size_t n_series, struct bt_run *run)
{
	uint64_t seed = 0x5eedda5bull ^ (i * 0x9e3779b97f4a7c15ull);
	time_t t = (time_t)(GEN_EPOCH + (int64_t)i * 3600);
	struct tm tm;
	int rc = bt_run_init(run);
	if (rc)
		return rc;
	gmtime_r(&t, &tm);
	run->run_id = bt_run_printf(run, "%08zx%024llx", i, (unsigned long long)bt_test_rng_next(&seed));
	run->benchmark_type = bt_run_strdup(run, "micro");
	run->suite = bt_run_strdup(run, "kernels");
	run->timestamp = bt_run_printf(run, "%04d-%02d-%02dT%02d:%02d:%02dZ",
				       tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
				       tm.tm_hour, tm.tm_min, tm.tm_sec);
	run->git.commit = bt_run_printf(run, "%08zx%032llx", i, (unsigned long long)bt_test_rng_next(&seed));
	run->git.branch = bt_run_strdup(run, "main");
	run->git.dirty = 0;
	run->machine.name = bt_run_strdup(run, "bench-box");
	run->machine.fingerprint = bt_run_strdup(run, "d0d0d0d0d0d0d0d0");
	run->machine.cpu_model = bt_run_strdup(run, "Synthetic CPU");
	bt_config_defaults(&run->config);
	size_t per = n_series >= 5 ? n_series / 5 : 1;
	for (size_t j = 0; j < n_series; j++) {
		struct bt_result *r = bt_run_add_result(run);
		char key[17];
		if (!r)
			return BT_ENOMEM;
		size_t impl = n_series >= 5 ? j / per : j, v = n_series >= 5 ? j % per : 0;
		r->name = bt_run_printf(run, "impl%zu", impl);
		r->group = bt_run_strdup(run, "kern");
		r->type = bt_run_strdup(run, "micro");
		r->variant = bt_run_strdup(run, "default");
		r->params = bt_run_alloc(run, sizeof *r->params);
		r->n_params = 1;
		r->params[0].key = "n";
		r->params[0].value = bt_run_printf(run, "%zu", 1024 * (v + 1));
		r->metrics = bt_run_alloc(run, sizeof *r->metrics);
		r->n_metrics = 1;
		struct bt_metric *m = &r->metrics[0];
		m->name = "time";
		m->unit = "s";
		m->direction = BT_LOWER_IS_BETTER;
		m->samples = bt_run_alloc(run, GEN_SAMPLES * sizeof *m->samples);
		m->n_samples = GEN_SAMPLES;
		double level = 1e-6 * (double)(v + 1) * (1.0 + 0.3 * (double)impl);
		if (impl == 1 && i >= n_runs * 6 / 10)
			level *= 1.10;
		for (int k = 0; k < GEN_SAMPLES; k++)
			m->samples[k] = level * (1 + 0.01 * rgauss(&seed));
		if ((rc = bt_stats_summarize(m->samples, GEN_SAMPLES, &m->stats)))
			return rc;
		bt_series_key(run->suite, r, run->machine.fingerprint, "time", key);
		r->series_key = bt_run_strdup(run, key);
	}
	return 0;
}

/* The cached store RUNS x SERIES (generated and indexed when missing);
 * malloc'd path or NULL after bt_fail. */
static char *store_for(bt_state *s)
{
	int64_t runs = bt_param_int(s, "runs"), series = bt_param_int(s, "series");
	const char *root = getenv("BT_DASH_BENCH_DIR"), *t = getenv("TMPDIR");
	char *rootbuf = NULL, *dir = NULL, *tmp = NULL;
	struct stat st;
	if (!root || !*root)
		root = rootbuf = bench_pathf("%s/benchtrack-dashboard-bench", t && *t ? t : "/tmp");
	dir = root ? bench_pathf("%s/runs%lld-series%lld-v%d", root, (long long)runs,
			   (long long)series, GEN_VERSION) : NULL;
	tmp = dir ? bench_pathf("%s.tmp", dir) : NULL;
	if (!tmp) {
		bt_fail(s, "out of memory");
		goto fail;
	}
	if (stat(dir, &st) == 0)
		goto done;
	fprintf(stderr, "dashboard_bt: generating %s ...\n", dir);
	rm_rf(tmp);
	for (size_t i = 0; i < (size_t)runs; i++) {
		struct bt_run run;
		struct bt_strbuf err = BT_STRBUF_INIT;
		int rc = build_run(i, (size_t)runs, (size_t)series, &run);
		char *rd = NULL, *rf = NULL;
		if (!rc) {
			/* by-type/micro/<YYYY-MM-DD-HHMM-UTC>-<id8>/run.json */
			rd = bench_pathf("%s/by-type/micro/%.4s-%.2s-%.2s-%.2s%.2s-UTC-%.8s", tmp,
				   run.timestamp, run.timestamp + 5, run.timestamp + 8,
				   run.timestamp + 11, run.timestamp + 14, run.run_id);
			rf = rd ? bench_pathf("%s/run.json", rd) : NULL;
			if (!rf || mkdir_p(rd) != 0)
				rc = BT_EIO;
			else
				rc = bt_run_write_file(&run, rf, &err);
		}
		bt_run_release(&run);
		free(rd);
		free(rf);
		if (rc)
			bt_fail(s, "generate run %zu: %s", i, bt_strbuf_str(&err));
		bt_strbuf_release(&err);
		if (rc)
			goto fail;
	}
	if (bench_reindex(s, tmp, BT_STORE_CREATE | BT_STORE_NO_REBUILD))
		goto fail;
	if (rename(tmp, dir) != 0) {
		bt_fail(s, "%s: %s", dir, strerror(errno));
		goto fail;
	}
	fprintf(stderr, "dashboard_bt: generated %s\n", dir);
done:
	free(rootbuf);
	free(tmp);
	return dir;
fail:
	free(rootbuf);
	free(tmp);
	free(dir);
	return NULL;
}

static double du_bytes;

static int du_entry(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
	(void)p, (void)f;
	if (flag == FTW_F)
		du_bytes += (double)sb->st_size;
	return 0;
}

/* A copy of the store at dir to add runs to (run files linked, the
 * index copied): dir-work, made afresh. */
static char *work_copy(bt_state *s, const char *dir)
{
	char *work = bench_pathf("%s-work", dir);
	char *cmd = work ? bench_pathf("rm -rf '%s' && cp -al '%s' '%s' && rm -f '%s/index.db'"
				 " '%s/index.db-wal' '%s/index.db-shm' '%s/.lock' &&"
				 " rm -rf '%s/dashboard-bench' && cp '%s/index.db' '%s/index.db'",
				 work, dir, work, work, work, work, work, work, dir, work)
			 : NULL;
	if (!cmd || system(cmd) != 0) {
		bt_fail(s, "%s: cannot make a working copy", dir);
		free(work);
		work = NULL;
	}
	free(cmd);
	return work;
}

static void bm_build(bt_state *s)
{
	char *dir = store_for(s);
	if (!dir)
		return;
	const char *pages = bt_param_str(s, "pages");
	int cold = strcmp(pages, "cold") == 0, add = strcmp(pages, "run") == 0;
	size_t added = 0;
	if (add) {
		char *work = work_copy(s, dir);
		free(dir);
		if (!(dir = work))
			return;
	}
	char *out = bench_pathf("%s/dashboard-bench", dir);
	char *runs_dir = out ? bench_pathf("%s/data/runs", out) : NULL;
	struct bt_store *st = NULL;
	struct bt_strbuf err = BT_STRBUF_INIT;
	struct bt_dashboard_stats stats;
	int rc = runs_dir ? bt_store_open(&st, dir, BT_STORE_READONLY, &err) : BT_ENOMEM;

	memset(&stats, 0, sizeof stats);
	/* warm: an earlier dashboard exists (untimed) */
	if (!rc && !cold)
		rc = bt_dashboard_write(st, out, NULL, NULL, &err);
	while (!rc && bt_loop(s)) {
		if (cold) {
			bt_pause(s);
			rm_rf(out);
			bt_resume(s);
		}
		if (add) {
			/* one new run (newer than every other), untimed */
			struct bt_store *wst = NULL;
			struct bt_run run;
			size_t runs = (size_t)bt_param_int(s, "runs");
			bt_pause(s);
			rc = build_run(runs + added, runs, (size_t)bt_param_int(s, "series"), &run);
			if (!rc)
				rc = bt_store_open(&wst, dir, 0, &err);
			if (!rc)
				rc = bt_store_put(wst, &run, NULL, &err);
			if (wst)
				bt_store_close(wst);
			bt_run_release(&run);
			added++;
			bt_resume(s);
			if (rc)
				break;
		}
		rc = bt_dashboard_write(st, out, NULL, &stats, &err);
	}
	if (rc) {
		bt_fail(s, "dashboard: %s", bt_strbuf_str(&err));
	} else {
		char *data = bench_pathf("%s/data", out);
		du_bytes = 0;
		if (data)
			nftw(data, du_entry, 16, FTW_PHYS);
		free(data);
		bt_set_items(s, (double)stats.points, "points");
		bt_counter(s, "series", (double)stats.series);
		bt_counter(s, "points", (double)stats.points);
		bt_counter(s, "files_written", (double)stats.files);
		bt_counter(s, "run_pages_written", (double)stats.run_pages);
		bt_counter(s, "data_bytes", du_bytes);
		bt_counter(s, "series_read", (double)stats.series_read);
	}
	if (st)
		bt_store_close(st);
	bt_strbuf_release(&err);
	free(runs_dir);
	free(out);
	if (add)
		rm_rf(dir); /* the working copy */
	free(dir);
}
BT_BENCH(bm_build, .name = "build", .type = "dashboard",
	 .params = "runs=1000;series=500;pages=cold,warm,run");

static void bm_build_long(bt_state *s)
{
	bm_build(s);
}
BT_BENCH(bm_build_long, .name = "build_long", .type = "dashboard",
	 .params = "runs=10000;series=1;pages=cold,warm");

BT_MAIN()
