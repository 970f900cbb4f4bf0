/* benchtrack's own benchmarks of the store's SQLite index alone
 * (lib/store/sqlite.c through its vtable, lib/store/index.h), measured
 * with benchtrack. These figures were once printed by a unit test
 * (test_index.c); timing belongs here, where it is measured, not in a test.
 *
 *   add    RUNS synthetic runs of 100 results added to an empty index in
 *          one transaction, as reindex does (throughput in results/s);
 *          opening and closing the index are not timed
 *   query  one query of an index of RUNS such runs: every run
 *          (filter=all), the 20 newest runs of one type (filter=type,
 *          a third of them are of that type) or the runs that have a
 *          result of one benchmark (filter=benchmark, all of them)
 *
 * The runs are built in memory; no run file is read or written. Each case
 * works in a fresh directory under $TMPDIR (default /tmp), removed when
 * it ends. For example:
 *
 *   benchtrack run build/index_bt --no-store
 *   build/index_bt --param runs=10000 --measurement-iterations 5
 *
 * This file uses the library's internal index interface (lib/, not
 * installed): the public store API adds one run per transaction and
 * regenerates the store's README each time, which bench/store_bt.c
 * measures on a whole store.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <benchtrack.h>

#include "../lib/internal.h"
#include "../lib/store/index.h"

#define RESULTS_PER_RUN 100

static const struct bt_index_ops *ops = &bt__index_sqlite;

/* --- synthetic runs ---------------------------------------------------------- */

/* One result "bm<i>" with params n and h and 1 to 3 metrics. */
static int add_result(struct bt_run *run, size_t i)
{
	static const char *const names[] = { "time", "ttft", "bytes" };
	struct bt_result *r = bt_run_add_result(run);
	if (!r)
		return -1;
	r->name = bt_run_printf(run, "bm%zu", i);
	r->group = "g";
	r->variant = "default";
	r->params = bt_run_alloc(run, 2 * sizeof *r->params);
	if (!r->name || !r->params)
		return -1;
	r->params[0].key = "h";
	r->params[0].value = "8";
	r->params[1].key = "n";
	r->params[1].value = "1024";
	r->n_params = 2;
	r->n_metrics = 1 + i % 3;
	r->metrics = bt_run_alloc(run, r->n_metrics * sizeof *r->metrics);
	if (!r->metrics)
		return -1;
	for (size_t k = 0; k < r->n_metrics; k++) {
		struct bt_metric *m = &r->metrics[k];
		double v = 1e-3 * (double)(i + 1);
		m->name = names[k];
		m->unit = "s";
		m->direction = BT_LOWER_IS_BETTER;
		m->stats.n = 10;
		m->stats.mean = m->stats.median = v;
		m->stats.std = m->stats.mad = m->stats.iqr = v * 0.01;
		m->stats.min = v * 0.9;
		m->stats.max = v * 1.1;
		m->stats.p5 = m->stats.p25 = m->stats.p75 = v;
		m->stats.p95 = m->stats.p99 = v;
		m->stats.cv = 0.01;
		m->stats.ci_level = 0.95;
		m->stats.median_ci_low = v * 0.99;
		m->stats.median_ci_high = v * 1.01;
	}
	r->throughput.value = 1.0 / (1e-3 * (double)(i + 1));
	r->throughput.unit = "ops/s";
	char key[17];
	bt_series_key(run->suite, r, run->machine.fingerprint,
		      r->metrics[0].name, key);
	r->series_key = bt_run_strdup(run, key);
	return r->series_key ? 0 : -1;
}

/* A run of RESULTS_PER_RUN results; its id, timestamp and type are
 * rewritten per copy by add_runs. 0, or -1 when out of memory. */
static int make_run(struct bt_run *run, char **id, char **ts)
{
	if (bt_run_init(run))
		return -1;
	run->suite = "suite";
	run->duration_s = 1.5;
	run->git.commit = "0123456789abcdef0123456789abcdef01234567";
	run->git.branch = "main";
	run->git.dirty = 0;
	run->machine.name = "host1";
	run->machine.fingerprint = "00000000000000f1";
	run->machine.cpu_model = "Test CPU";
	run->machine.os = "Debian";
	*id = bt_run_alloc(run, 40);
	*ts = bt_run_alloc(run, 40);
	if (!*id || !*ts)
		return -1;
	run->run_id = *id;
	run->timestamp = *ts;
	for (size_t i = 0; i < RESULTS_PER_RUN; i++)
		if (add_result(run, i))
			return -1;
	return 0;
}

/* Adds n copies of run (distinct ids and minutes; every third of type
 * "attention", the others "micro"; every tenth tagged) in one
 * transaction. */
static int add_runs(void *h, struct bt_run *run, char *id, char *ts, size_t n,
		    struct bt_strbuf *err)
{
	static const char *const tags[] = { "nightly" };
	int rc = ops->begin(h, err);
	for (size_t i = 0; !rc && i < n; i++) {
		snprintf(id, 40, "%032zx", i * 2654435761u);
		snprintf(ts, 40, "2026-%02zu-%02zuT%02zu:%02zu:00Z",
			 1 + i / 28 / 24 / 60 % 12, 1 + i / 24 / 60 % 28,
			 i / 60 % 24, i % 60);
		run->benchmark_type = i % 3 ? "micro" : "attention";
		rc = ops->add_run(h, run, NULL, tags, i % 10 == 0, err);
	}
	if (rc)
		ops->rollback(h);
	else
		rc = ops->commit(h, err);
	return rc;
}

/* --- the case's directory ------------------------------------------------------ */

/* A fresh directory under $TMPDIR into dir[size]; 0 or -1. */
static int make_dir(char *dir, size_t size)
{
	const char *t = getenv("TMPDIR");
	snprintf(dir, size, "%s/benchtrack-index-bench-XXXXXX", t && *t ? t : "/tmp");
	return mkdtemp(dir) ? 0 : -1;
}

/* Removes dir and the files in it (the index and its -wal, -shm). */
static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *e;
		char path[4200];
		while ((e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
				snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
				unlink(path);
			}
		closedir(d);
	}
	rmdir(dir);
}

/* --- the cases ------------------------------------------------------------------ */

static void bm_add(bt_state *s)
{
	size_t n = (size_t)bt_param_int(s, "runs");
	struct bt_strbuf err = BT_STRBUF_INIT;
	struct bt_run run;
	char dir[4096], path[4200], *id, *ts;
	if (make_run(&run, &id, &ts) || make_dir(dir, sizeof dir)) {
		bt_fail(s, "out of memory or no temporary directory");
		bt_run_release(&run);
		return;
	}
	unsigned k = 0;
	int rc = 0;
	while (!rc && bt_loop(s)) {
		bt_pause(s);
		void *h = NULL;
		snprintf(path, sizeof path, "%s/index%u.db", dir, k++);
		rc = ops->open(&h, path, 0, &err);
		bt_resume(s);
		if (!rc)
			rc = add_runs(h, &run, id, ts, n, &err);
		bt_pause(s);
		if (h)
			ops->close(h);
		remove_dir(dir); /* emptied, then made again */
		if (!rc && mkdir(dir, 0700) != 0)
			rc = BT_EIO;
		bt_resume(s);
	}
	if (rc)
		bt_fail(s, "%s", err.len ? err.buf : bt_strerror(rc));
	bt_set_items(s, (double)(n * RESULTS_PER_RUN), "results");
	remove_dir(dir);
	bt_run_release(&run);
	bt_strbuf_release(&err);
}
BT_BENCH(bm_add, .name = "add", .type = "store", .params = "runs=100,1000");

static void bm_query(bt_state *s)
{
	size_t n = (size_t)bt_param_int(s, "runs");
	const char *filter = bt_param_str(s, "filter");
	struct bt_strbuf err = BT_STRBUF_INIT;
	struct bt_store_filter f = { 0 };
	struct bt_run run;
	char dir[4096], path[4200], *id, *ts;
	size_t want = n;
	if (filter && strcmp(filter, "type") == 0) {
		f.type = "attention";
		f.limit = 20;
		want = (n + 2) / 3; /* runs 0, 3, 6, ... */
		if (want > f.limit)
			want = f.limit;
	} else if (filter && strcmp(filter, "benchmark") == 0) {
		f.benchmark = "bm42";
	}
	if (make_run(&run, &id, &ts) || make_dir(dir, sizeof dir)) {
		bt_fail(s, "out of memory or no temporary directory");
		bt_run_release(&run);
		return;
	}
	void *h = NULL;
	snprintf(path, sizeof path, "%s/index.db", dir);
	int rc = ops->open(&h, path, 0, &err);
	if (!rc)
		rc = add_runs(h, &run, id, ts, n, &err);
	while (!rc && bt_loop(s)) {
		struct bt_store_list l = { 0 };
		rc = ops->query(h, &f, &l, &err);
		if (!rc && l.n != want)
			rc = bt_error(&err, BT_EIO, "%zu runs listed, want %zu", l.n, want);
		bt_store_list_release(&l);
	}
	if (rc)
		bt_fail(s, "%s", err.len ? err.buf : bt_strerror(rc));
	if (h)
		ops->close(h);
	remove_dir(dir);
	bt_run_release(&run);
	bt_strbuf_release(&err);
}
BT_BENCH(bm_query, .name = "query", .type = "store",
	 .params = "runs=1000;filter=all,type,benchmark");

BT_MAIN()
