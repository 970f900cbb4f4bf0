/* Tests of the SQLite store index (lib/store/sqlite.c) through its vtable
 * (lib/store/index.h). The database is inspected directly with sqlite3
 * where the vtable does not show a fact (row counts, NULLs, pragmas).
 * Its speed is measured by bench/index_bt.c, not here. */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "internal.h"
#include "store/index.h"
#include "helpers.h"

static const struct bt_index_ops *ops = &bt__index_sqlite;

/* --- fixtures ------------------------------------------------------------- */

static char dbpath[512];
static int db_counter;

BT_TEST_TMPDIR_FIXTURE(tmpdir, "bt_test_index")

/* A fresh index.db path (in its own directory) for each test. */
static int setup_db(void **state)
{
	(void)state;
	char dir[400];
	snprintf(dir, sizeof dir, "%s/store%d", tmpdir, ++db_counter);
	char cmd[450];
	snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
	if (system(cmd) != 0)
		return -1;
	snprintf(dbpath, sizeof dbpath, "%s/index.db", dir);
	return 0;
}

static void *open_rw(void)
{
	void *h = NULL;
	struct bt_strbuf err = BT_STRBUF_INIT;
	int rc = ops->open(&h, dbpath, 0, &err);
	if (rc)
		fail_msg("open %s: %s", dbpath, bt_strbuf_str(&err));
	bt_strbuf_release(&err);
	assert_non_null(h);
	return h;
}

/* One integer from a direct query of the database at path. */
static long long sql_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	long long v = -999;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL),
			 SQLITE_OK);
	sqlite3_busy_timeout(db, 10000);
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static void sql_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	sqlite3_close(db);
}

/* --- building runs by hand ------------------------------------------------ */

struct spec {
	const char *id;
	const char *type;
	const char *ts;
	const char *commit;
	const char *branch;
	const char *machine;
	const char *fp;
	size_t n_results; /* benchmarks "bm0".."bmN-1" */
	size_t n_failed;  /* the last n_failed crash */
};

static void add_result(struct bt_run *run, size_t i, size_t n_metrics,
		       int crashed)
{
	struct bt_result *r = bt_run_add_result(run);
	assert_non_null(r);
	r->name = bt_run_printf(run, "bm%zu", i % 1000);
	r->group = bt_run_strdup(run, "g");
	r->variant = bt_run_strdup(run, "default");
	r->params = bt_run_alloc(run, 2 * sizeof *r->params);
	assert_non_null(r->params);
	/* deliberately out of order: the index stores them sorted */
	r->params[0].key = bt_run_strdup(run, "n");
	r->params[0].value = bt_run_printf(run, "%zu", 1024 * (i / 1000 + 1));
	r->params[1].key = bt_run_strdup(run, "h");
	r->params[1].value = bt_run_strdup(run, "8");
	r->n_params = 2;
	if (crashed) {
		r->status = BT_STATUS_CRASHED;
		r->message = bt_run_strdup(run, "SIGSEGV");
	} else {
		r->metrics = bt_run_alloc(run, n_metrics * sizeof *r->metrics);
		assert_non_null(r->metrics);
		r->n_metrics = n_metrics;
		static const char *const names[] = { "time", "ttft", "bytes" };
		for (size_t k = 0; k < n_metrics; k++) {
			struct bt_metric *m = &r->metrics[k];
			m->name = bt_run_strdup(run, names[k % 3]);
			m->unit = bt_run_strdup(run, "s");
			m->direction = BT_LOWER_IS_BETTER;
			double v = 1e-3 * (double)(i + 1);
			m->stats.n = 10;
			m->stats.mean = m->stats.median = v;
			m->stats.std = k == 1 ? NAN : v * 0.01;
			m->stats.min = v * 0.9;
			m->stats.max = v * 1.1;
			m->stats.p5 = m->stats.p25 = v;
			m->stats.p75 = k == 1 ? NAN : v;
			m->stats.p95 = m->stats.p99 = v;
			m->stats.mad = m->stats.iqr = v * 0.01;
			m->stats.cv = 0.01;
			m->stats.ci_level = 0.95;
			m->stats.median_ci_low = v * 0.99;
			m->stats.median_ci_high = v * 1.01;
		}
		r->throughput.value = 1.0 / (1e-3 * (double)(i + 1));
		r->throughput.unit = bt_run_strdup(run, "ops/s");
		r->validation.checked = 1;
		r->validation.max_rel_err = 1e-7;
		r->validation.passed = 1;
	}
	char key[17];
	bt_series_key(run->suite, r, run->machine.fingerprint,
		      r->n_metrics ? r->metrics[0].name : "time", key);
	r->series_key = bt_run_strdup(run, key);
}

static void make_run(struct bt_run *run, const struct spec *sp)
{
	assert_int_equal(bt_run_init(run), 0);
	run->run_id = bt_run_strdup(run, sp->id);
	run->benchmark_type = bt_run_strdup(run, sp->type ? sp->type : "micro");
	run->suite = bt_run_strdup(run, "suite");
	run->timestamp = bt_run_strdup(run, sp->ts);
	run->duration_s = 1.5;
	run->git.commit = bt_run_strdup(run, sp->commit);
	run->git.branch = bt_run_strdup(run, sp->branch);
	run->git.dirty = sp->commit ? 0 : -1;
	run->machine.name = bt_run_strdup(run, sp->machine ? sp->machine
							   : "host1");
	run->machine.fingerprint =
		bt_run_strdup(run, sp->fp ? sp->fp : "00000000000000f1");
	run->machine.cpu_model = bt_run_strdup(run, "Test CPU");
	run->machine.os = bt_run_strdup(run, "Debian");
	for (size_t i = 0; i < sp->n_results; i++)
		add_result(run, i, 1 + i % 3,
			   i >= sp->n_results - sp->n_failed);
}

static void add_spec(void *h, const struct spec *sp, const char *const *tags,
		     size_t n_tags)
{
	struct bt_run run;
	struct bt_strbuf err = BT_STRBUF_INIT;
	char path[128];
	make_run(&run, sp);
	snprintf(path, sizeof path, "by-type/%s/%s/run.json",
		 run.benchmark_type, sp->id);
	struct bt_index_loc loc = { path, NULL };
	int rc = ops->add_run(h, &run, &loc, tags, n_tags, &err);
	if (rc)
		fail_msg("add_run %s: %s", sp->id, bt_strbuf_str(&err));
	bt_run_release(&run);
	bt_strbuf_release(&err);
}

/* Five runs over three days, two machines, two branches. */
static const struct spec fixture[] = {
	{ "aaaa0001", "micro", "2026-11-20T10:00:00Z", "1111aaaa", "main",
	  "host1", "00000000000000f1", 3, 0 },
	{ "aaaa0002", "micro", "2026-11-21T10:00:00Z", "2222bbbb", "main",
	  "host1", "00000000000000f1", 4, 1 },
	{ "bbbb0003", "attention", "2026-11-22T00:00:00Z", "2222cccc", "dev",
	  "host2", "00000000000000f2", 2, 0 },
	{ "bbbb0004", "attention", "2026-11-22T23:59:59Z", NULL, NULL,
	  "host2", "00000000000000f2", 5, 2 },
	/* same timestamp as bbbb0004: run_id breaks the tie (DESC) */
	{ "cccc0005", "micro", "2026-11-22T23:59:59Z", "3333dddd", "main",
	  "host1", "00000000000000f1", 1, 0 },
};
#define N_FIXTURE (sizeof fixture / sizeof fixture[0])

static void *open_fixture(void)
{
	void *h = open_rw();
	for (size_t i = 0; i < N_FIXTURE; i++)
		add_spec(h, &fixture[i], NULL, 0);
	return h;
}

/* The fixture's index, open, and an error buffer: the state of the tests
 * set up by setup_ix; teardown_ix releases both. */
struct ix {
	void *h;
	struct bt_strbuf err;
};

static int setup_ix(void **state)
{
	if (setup_db(state))
		return -1;
	struct ix *x = calloc(1, sizeof *x);
	if (!x)
		return -1;
	x->h = open_fixture();
	*state = x;
	return 0;
}

static int teardown_ix(void **state)
{
	struct ix *x = *state;
	bt_strbuf_release(&x->err);
	ops->close(x->h);
	free(x);
	return 0;
}

/* The points whose result is gone. */
static long long orphan_metrics(void)
{
	return sql_int(dbpath, "SELECT count(*) FROM points p WHERE NOT EXISTS"
			       " (SELECT 1 FROM results r WHERE r.rid = p.rid"
			       " AND r.idx = p.idx)");
}

/* The indexes of the schema (not sqlite's own). */
static long long schema_indexes(void)
{
	return sql_int(dbpath, "SELECT count(*) FROM sqlite_master WHERE"
			       " type = 'index' AND name NOT LIKE 'sqlite_%'");
}

/* Runs matching f as a space-separated list of ids, newest first. */
static const char *query_ids(void *h, const struct bt_store_filter *f)
{
	static char buf[1024];
	struct bt_store_list l = { 0 };
	struct bt_strbuf err = BT_STRBUF_INIT;
	int rc = ops->query(h, f, &l, &err);
	if (rc)
		fail_msg("query: %s", bt_strbuf_str(&err));
	buf[0] = '\0';
	for (size_t i = 0; i < l.n; i++) {
		if (i)
			strcat(buf, " ");
		strcat(buf, l.items[i].run_id);
	}
	bt__arena_free(l.arena);
	bt_strbuf_release(&err);
	return buf;
}

/* --- tests ---------------------------------------------------------------- */

static void test_open_creates_schema(void **state)
{
	(void)state;
	void *h = open_rw();
	ops->close(h);
	assert_int_equal(sql_int(dbpath, "PRAGMA user_version"), 2);
	assert_int_equal(sql_int(dbpath, "SELECT count(*) FROM sqlite_master"
					 " WHERE type = 'table' AND name IN"
					 " ('runs', 'strings', 'results', 'points',"
					 " 'series', 'tags')"), 6);
	assert_int_equal(schema_indexes(), 8);
	/* WAL persists in the file header (read/write versions 2) */
	sqlite3 *db;
	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s,
					    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(s, 0), "wal");
	sqlite3_finalize(s);
	sqlite3_close(db);

	/* reopening (writable and read-only) keeps it as it is */
	h = open_rw();
	ops->close(h);
	struct bt_strbuf err = BT_STRBUF_INIT;
	assert_int_equal(ops->open(&h, dbpath, 1, &err), 0);
	assert_int_equal(ops->check(h, &err), 0);
	ops->close(h);
	bt_strbuf_release(&err);
	assert_string_equal(ops->name, "sqlite");
}

static void test_add_and_list(void **state)
{
	(void)state;
	void *h = open_fixture();
	assert_string_equal(query_ids(h, NULL),
			    "cccc0005 bbbb0004 bbbb0003 aaaa0002 aaaa0001");
	struct bt_store_filter f = { 0 };
	assert_string_equal(query_ids(h, &f),
			    "cccc0005 bbbb0004 bbbb0003 aaaa0002 aaaa0001");

	struct bt_store_list l = { 0 };
	assert_int_equal(ops->query(h, &f, &l, NULL), 0);
	assert_non_null(l.arena);
	assert_int_equal(l.n, 5);
	const struct bt_store_entry *e = &l.items[3]; /* aaaa0002 */
	assert_string_equal(e->run_id, "aaaa0002");
	assert_string_equal(e->type, "micro");
	assert_string_equal(e->suite, "suite");
	assert_string_equal(e->timestamp, "2026-11-21T10:00:00Z");
	assert_string_equal(e->commit, "2222bbbb");
	assert_string_equal(e->branch, "main");
	assert_int_equal(e->dirty, 0);
	assert_string_equal(e->machine, "host1");
	assert_string_equal(e->fingerprint, "00000000000000f1");
	assert_string_equal(e->path, "by-type/micro/aaaa0002/run.json");
	assert_null(e->archive);
	assert_int_equal(e->n_results, 4);
	assert_int_equal(e->n_failed, 1);
	assert_int_equal(e->milestone, 0);
	assert_int_equal(e->n_tags, 0);
	assert_null(e->tags);
	e = &l.items[1]; /* bbbb0004: no git */
	assert_null(e->commit);
	assert_null(e->branch);
	assert_int_equal(e->dirty, -1);
	assert_int_equal(e->n_failed, 2);
	bt__arena_free(l.arena);

	/* a caller-made arena is used as it is */
	l.arena = bt__arena_new();
	struct bt_arena *mine = l.arena;
	assert_int_equal(ops->query(h, NULL, &l, NULL), 0);
	assert_ptr_equal(l.arena, mine);
	assert_int_equal(l.n, 5);
	bt__arena_free(l.arena);
	ops->close(h);

	/* rows: results, metrics (1-3 per ok result), series, NULLs */
	assert_int_equal(sql_int(dbpath, "SELECT count(*) FROM results"), 15);
	assert_int_equal(sql_int(dbpath, "SELECT sum(n_results) FROM runs"),
			 15);
	assert_int_equal(sql_int(dbpath, "SELECT count(*) FROM results WHERE"
					 " status = 'crashed'"), 3);
	assert_int_equal(sql_int(dbpath, "SELECT count(*) FROM points p JOIN"
					 " runs ru ON ru.rid = p.rid"
					 " WHERE ru.run_id = 'aaaa0001'"),
			 1 + 2 + 3);
	assert_int_equal(sql_int(dbpath, "SELECT count(*) FROM results WHERE"
					 " params = (SELECT id FROM strings"
					 " WHERE s = 'h=8;n=1024')"), 15);
	/* a NAN is NULL */
	assert_int_equal(sql_int(dbpath, "SELECT count(*) FROM points WHERE"
					 " metric = (SELECT id FROM strings WHERE"
					 " s = 'ttft') AND p75 IS NULL"),
			 sql_int(dbpath, "SELECT count(*) FROM points WHERE"
					 " metric = (SELECT id FROM strings WHERE"
					 " s = 'ttft')"));
	assert_int_equal(sql_int(dbpath, "SELECT count(*) FROM points WHERE"
					 " metric = (SELECT id FROM strings WHERE"
					 " s = 'time') AND p75 IS NULL"), 0);
	assert_int_equal(sql_int(dbpath, "SELECT count(*) FROM results WHERE"
					 " status = 'crashed' AND (throughput"
					 " IS NOT NULL OR max_rel_err IS NOT"
					 " NULL OR peak_memory_bytes IS NOT"
					 " NULL)"), 0);
	assert_int_equal(sql_int(dbpath, "SELECT idx FROM results WHERE"
					 " rid = (SELECT rid FROM runs WHERE"
					 " run_id = 'bbbb0004') AND name ="
					 " (SELECT id FROM strings WHERE"
					 " s = 'bm4')"), 4);
	/* series: one row per distinct key, matching the results' identity */
	assert_int_equal(sql_int(dbpath, "SELECT count(*) FROM series"),
			 sql_int(dbpath, "SELECT count(DISTINCT sid)"
					 " FROM results"));
	assert_int_equal(sql_int(dbpath, "SELECT count(*) FROM series s JOIN"
					 " results r ON r.sid = s.sid WHERE"
					 " s.name IS NOT (SELECT s FROM strings"
					 " WHERE id = r.name) OR s.params IS NOT"
					 " (SELECT s FROM strings WHERE"
					 " id = r.params)"), 0);
	assert_int_equal(sql_int(dbpath, "SELECT count(*) FROM runs WHERE"
					 " dirty IS NULL"), 1);
}

/* What test_filters asks for and the ids it gets, newest first. */
#define ALL_IDS "cccc0005 bbbb0004 bbbb0003 aaaa0002 aaaa0001"
static const struct {
	struct bt_store_filter f;
	const char *ids;
} filter_cases[] = {
	{ { .type = "attention" }, "bbbb0004 bbbb0003" }, { { .type = "nope" }, "" },
	{ { .since = "2026-11-21" }, "cccc0005 bbbb0004 bbbb0003 aaaa0002" },
	{ { .since = "2026-11-21T10:00:01Z" }, "cccc0005 bbbb0004 bbbb0003" },
	/* a bare date includes that whole day; a time is exclusive */
	{ { .until = "2026-11-21" }, "aaaa0002 aaaa0001" },
	{ { .until = "2026-11-22" }, ALL_IDS },
	{ { .until = "2026-11-22T00:00:00Z" }, "aaaa0002 aaaa0001" },
	{ { .since = "2026-11-21", .until = "2026-11-21" }, "aaaa0002" },
	{ { .until = "2026-11-19" }, "" },
	/* hex prefixes are case-insensitive */
	{ { .commit = "2222" }, "bbbb0003 aaaa0002" },
	{ { .commit = "2222C" }, "bbbb0003" }, { { .commit = "2222bbbb" }, "aaaa0002" },
	{ { .commit = "2_2%" }, "" }, { { .commit = "9" }, "" },
	{ { .branch = "main" }, "cccc0005 aaaa0002 aaaa0001" },
	{ { .machine = "host2" }, "bbbb0004 bbbb0003" },
	{ { .machine = "00000000000000f1" }, "cccc0005 aaaa0002 aaaa0001" },
	/* bm3: runs with at least 4 results */
	{ { .benchmark = "bm3" }, "bbbb0004 aaaa0002" }, { { .benchmark = "bm0" }, ALL_IDS },
	{ { .limit = 2 }, "cccc0005 bbbb0004" },
	{ { .limit = 2, .type = "micro", .branch = "main",
	    .since = "2026-11-21" }, "cccc0005 aaaa0002" },
	{ { .limit = 1, .type = "micro", .branch = "main",
	    .since = "2026-11-21" }, "cccc0005" },
	{ { .limit = 1, .type = "micro", .branch = "main",
	    .since = "2026-11-21", .benchmark = "bm2" }, "aaaa0002" },
};

static void test_filters(void **state)
{
	(void)state;
	void *h = open_fixture();
	for (size_t i = 0; i < sizeof filter_cases / sizeof filter_cases[0];
	     i++) {
		print_message("filter case %zu\n", i);
		assert_string_equal(query_ids(h, &filter_cases[i].f),
				    filter_cases[i].ids);
	}

	/* a date that does not exist is refused, naming it */
	struct bt_store_filter f = { .until = "2026-02-30" };
	struct bt_store_list l = { 0 };
	struct bt_strbuf err = BT_STRBUF_INIT;
	assert_int_equal(ops->query(h, &f, &l, &err), BT_EINVAL);
	assert_non_null(strstr(bt_strbuf_str(&err), "2026-02-30"));
	assert_null(l.arena);
	assert_int_equal(l.n, 0);

	bt_strbuf_release(&err);
	ops->close(h);
}

static void test_replace_run(void **state)
{
	(void)state;
	void *h = open_fixture();
	const char *tags[] = { "old" };
	struct spec sp = fixture[1]; /* aaaa0002, 4 results */
	add_spec(h, &sp, tags, 1);
	add_spec(h, &sp, tags, 1);
	sp.n_results = 2;
	sp.n_failed = 0;
	sp.branch = "rewritten";
	add_spec(h, &sp, NULL, 0);

	struct bt_store_filter f = { 0 };
	assert_string_equal(query_ids(h, &f),
			    "cccc0005 bbbb0004 bbbb0003 aaaa0002 aaaa0001");
	f.branch = "rewritten";
	assert_string_equal(query_ids(h, &f), "aaaa0002");
	f.branch = NULL;
	f.tag = "old";
	assert_string_equal(query_ids(h, &f), "");
	ops->close(h);

	assert_int_equal(sql_int(dbpath, "SELECT count(*) FROM runs"), 5);
	assert_int_equal(sql_int(dbpath, "SELECT count(*) FROM results WHERE"
					 " rid IN (SELECT rid FROM runs"
					 " WHERE run_id = 'aaaa0002')"), 2);
	assert_int_equal(sql_int(dbpath, "SELECT n_results FROM runs WHERE"
					 " run_id = 'aaaa0002'"), 2);
	assert_int_equal(sql_int(dbpath, "SELECT count(*) FROM results"),
			 3 + 2 + 2 + 5 + 1);
	/* no orphaned metrics: 1 + 2 metrics for the two new results */
	assert_int_equal(orphan_metrics(), 0);
	assert_int_equal(sql_int(dbpath, "SELECT count(*) FROM points p JOIN"
					 " runs ru ON ru.rid = p.rid"
					 " WHERE ru.run_id = 'aaaa0002'"), 3);
	assert_int_equal(sql_int(dbpath, "SELECT count(*) FROM tags"), 0);
}

/* The same in bulk mode (foreign keys off, as reindex runs): clear, then
 * one run id added twice (two directories holding one run) leaves no
 * orphaned rows though nothing cascades. */
static void test_bulk_clear_and_replace(void **state)
{
	(void)state;
	void *h = open_fixture();
	struct bt_strbuf err = BT_STRBUF_INIT;
	const char *tags[] = { "old" };
	assert_int_equal(ops->bulk(h, 1, &err), 0);
	assert_int_equal(ops->begin(h, &err), 0);
	assert_int_equal(ops->clear(h, &err), 0);
	struct spec sp = fixture[1]; /* aaaa0002, 4 results */
	add_spec(h, &sp, tags, 1);
	sp.n_results = 2;
	sp.n_failed = 0;
	add_spec(h, &sp, NULL, 0);
	assert_int_equal(ops->commit(h, &err), 0);
	assert_int_equal(ops->bulk(h, 0, &err), 0);
	ops->close(h);
	bt_strbuf_release(&err);
	assert_int_equal(sql_int(dbpath, "SELECT count(*) FROM runs"), 1);
	assert_int_equal(sql_int(dbpath, "SELECT count(*) FROM results"), 2);
	assert_int_equal(orphan_metrics(), 0);
	assert_int_equal(sql_int(dbpath, "SELECT count(*) FROM tags"), 0);
	/* the results indexes that bulk clear drops are back after commit */
	assert_int_equal(schema_indexes(), 8);
	assert_int_equal(sql_int(dbpath, "SELECT count(*) FROM sqlite_master"
					 " WHERE name IN ('results_name')"),
			 1);
}

/* A bulk rebuild that is rolled back (a broken run file stops reindex)
 * leaves the old rows and every index; the next one still works. */
static void test_bulk_rollback_keeps_indexes(void **state)
{
	(void)state;
	void *h = open_fixture();
	struct bt_strbuf err = BT_STRBUF_INIT;
	assert_int_equal(ops->bulk(h, 1, &err), 0);
	assert_int_equal(ops->begin(h, &err), 0);
	assert_int_equal(ops->clear(h, &err), 0);
	add_spec(h, &fixture[0], NULL, 0);
	ops->rollback(h);
	assert_int_equal(sql_int(dbpath, "SELECT count(*) FROM runs"), 5);
	assert_int_equal(schema_indexes(), 8);
	assert_int_equal(ops->begin(h, &err), 0);
	assert_int_equal(ops->clear(h, &err), 0);
	add_spec(h, &fixture[0], NULL, 0);
	add_spec(h, &fixture[1], NULL, 0);
	assert_int_equal(ops->commit(h, &err), 0);
	assert_int_equal(ops->bulk(h, 0, &err), 0);
	assert_string_equal(query_ids(h, NULL), "aaaa0002 aaaa0001");
	ops->close(h);
	bt_strbuf_release(&err);
	assert_int_equal(schema_indexes(), 8);
	assert_int_equal(sql_int(dbpath, "SELECT count(*) FROM"
					 " pragma_integrity_check WHERE"
					 " integrity_check != 'ok'"), 0);
}

static void test_tags_and_milestone(void **state)
{
	struct ix *x = *state;
	void *h = x->h;
	struct bt_strbuf *err = &x->err;
	const char *tags[] = { "release", "milestone", "release", "a:b 9:x" };
	struct spec sp = { "dddd0006", "micro", "2026-11-23T08:00:00Z",
			   "4444eeee", "main", "host1", NULL, 2, 0 };
	add_spec(h, &sp, tags, 4);

	struct bt_store_list l = { 0 };
	struct bt_store_filter f = { .limit = 1 };
	assert_int_equal(ops->query(h, &f, &l, err), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.items[0].run_id, "dddd0006");
	assert_int_equal(l.items[0].milestone, 1);
	assert_int_equal(l.items[0].n_tags, 3); /* duplicates dropped */
	assert_string_equal(l.items[0].tags[0], "a:b 9:x");
	assert_string_equal(l.items[0].tags[1], "milestone");
	assert_string_equal(l.items[0].tags[2], "release");
	bt__arena_free(l.arena);

	f.limit = 0;
	f.tag = "milestone";
	assert_string_equal(query_ids(h, &f), "dddd0006");

	/* set_tags replaces the set */
	const char *t2[] = { "milestone" };
	assert_int_equal(ops->set_tags(h, "aaaa0001", t2, 1, err), 0);
	assert_string_equal(query_ids(h, &f), "dddd0006 aaaa0001");
	const char *t3[] = { "nightly" };
	assert_int_equal(ops->set_tags(h, "dddd0006", t3, 1, err), 0);
	assert_string_equal(query_ids(h, &f), "aaaa0001");
	f.tag = "release";
	assert_string_equal(query_ids(h, &f), "");
	assert_int_equal(ops->set_tags(h, "aaaa0001", NULL, 0, err), 0);
	f.tag = "milestone";
	assert_string_equal(query_ids(h, &f), "");

	l = (struct bt_store_list){ 0 };
	f = (struct bt_store_filter){ .limit = 1 };
	assert_int_equal(ops->query(h, &f, &l, err), 0);
	assert_int_equal(l.items[0].milestone, 0);
	assert_int_equal(l.items[0].n_tags, 1);
	assert_string_equal(l.items[0].tags[0], "nightly");
	bt__arena_free(l.arena);

	assert_int_equal(ops->set_tags(h, "ffff9999", t2, 1, err),
			 BT_ENOTFOUND);
	assert_non_null(strstr(bt_strbuf_str(err), "ffff9999"));
	assert_non_null(strstr(bt_strbuf_str(err), dbpath));
}

static void test_remove_cascades(void **state)
{
	(void)state;
	void *h = open_fixture();
	struct bt_strbuf err = BT_STRBUF_INIT;
	const char *tags[] = { "milestone" };
	assert_int_equal(ops->set_tags(h, "bbbb0004", tags, 1, &err), 0);
	assert_int_equal(ops->remove_run(h, "bbbb0004", &err), 0);
	assert_string_equal(query_ids(h, NULL),
			    "cccc0005 bbbb0003 aaaa0002 aaaa0001");
	assert_int_equal(ops->remove_run(h, "bbbb0004", &err), BT_ENOTFOUND);
	assert_non_null(strstr(bt_strbuf_str(&err), "bbbb0004"));
	ops->close(h);
	assert_int_equal(sql_int(dbpath, "SELECT count(*) FROM results WHERE"
					 " rid IN (SELECT rid FROM runs"
					 " WHERE run_id = 'bbbb0004')"), 0);
	assert_int_equal(sql_int(dbpath, "SELECT count(*) FROM results"), 10);
	assert_int_equal(orphan_metrics(), 0);
	assert_int_equal(sql_int(dbpath, "SELECT count(*) FROM tags"), 0);
	bt_strbuf_release(&err);
}

static void test_location_and_archived(void **state)
{
	struct ix *x = *state;
	void *h = x->h;
	struct bt_strbuf *err = &x->err;
	struct bt_index_loc loc = { NULL, "archive/2026-11.tar.gz" };
	assert_int_equal(ops->set_location(h, "aaaa0001", &loc, err), 0);
	assert_int_equal(ops->set_location(h, "aaaa0002", &loc, err), 0);
	struct bt_store_filter f = { 0 };
	assert_string_equal(query_ids(h, &f), "cccc0005 bbbb0004 bbbb0003");
	f.include_archived = 1;
	assert_string_equal(query_ids(h, &f),
			    "cccc0005 bbbb0004 bbbb0003 aaaa0002 aaaa0001");

	struct bt_store_list l = { 0 };
	assert_int_equal(ops->query(h, &f, &l, err), 0);
	assert_null(l.items[4].path);
	assert_string_equal(l.items[4].archive, "archive/2026-11.tar.gz");
	bt__arena_free(l.arena);

	/* restored */
	loc = (struct bt_index_loc){ "by-type/micro/x/run.json", NULL };
	assert_int_equal(ops->set_location(h, "aaaa0002", &loc, err), 0);
	f.include_archived = 0;
	assert_string_equal(query_ids(h, &f),
			    "cccc0005 bbbb0004 bbbb0003 aaaa0002");
	assert_int_equal(ops->set_location(h, "nope", &loc, err),
			 BT_ENOTFOUND);
}

static void test_find_prefix(void **state)
{
	struct ix *x = *state;
	void *h = x->h;
	struct bt_strbuf *err = &x->err;
	struct bt_arena *a = bt__arena_new();
	const char **ids;
	size_t n;

	assert_int_equal(ops->find_prefix(h, "aaaa", &ids, &n, 10, a, err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(ids[0], "aaaa0001");
	assert_string_equal(ids[1], "aaaa0002");
	assert_int_equal(ops->find_prefix(h, "AAAA", &ids, &n, 10, a, err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(ops->find_prefix(h, "aaaa", &ids, &n, 1, a, err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(ids[0], "aaaa0001");
	assert_int_equal(ops->find_prefix(h, "bbbb0004", &ids, &n, 10, a, err),
			 0);
	assert_int_equal(n, 1);
	assert_string_equal(ids[0], "bbbb0004");
	assert_int_equal(ops->find_prefix(h, "", &ids, &n, 0, a, err), 0);
	assert_int_equal(n, 5);
	/* LIKE wildcards are plain characters */
	assert_int_equal(ops->find_prefix(h, "aaaa%", &ids, &n, 10, a, err),
			 0);
	assert_int_equal(n, 0);
	assert_null(ids);
	assert_int_equal(ops->find_prefix(h, "a_aa", &ids, &n, 10, a, err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(ops->find_prefix(h, "dddd", &ids, &n, 10, a, err), 0);
	assert_int_equal(n, 0);
	bt__arena_free(a);
}

static void test_transactions(void **state)
{
	(void)state;
	void *h = open_rw();
	struct bt_strbuf err = BT_STRBUF_INIT;
	assert_int_equal(ops->begin(h, &err), 0);
	add_spec(h, &fixture[0], NULL, 0);
	add_spec(h, &fixture[1], NULL, 0);
	ops->rollback(h);
	assert_string_equal(query_ids(h, NULL), "");

	assert_int_equal(ops->begin(h, &err), 0);
	add_spec(h, &fixture[0], NULL, 0);
	/* a failing add inside a transaction leaves no partial rows and the
	 * transaction usable */
	struct bt_run bad;
	struct spec sp = fixture[1];
	make_run(&bad, &sp);
	bad.results[1].metrics[0].name = NULL;
	assert_int_equal(ops->add_run(h, &bad, NULL, NULL, 0, &err), BT_EINVAL);
	assert_non_null(strstr(bt_strbuf_str(&err), "aaaa0002"));
	bad.timestamp = NULL;
	assert_int_equal(ops->add_run(h, &bad, NULL, NULL, 0, &err), BT_EINVAL);
	bt_run_release(&bad);
	add_spec(h, &fixture[2], NULL, 0);
	assert_int_equal(ops->commit(h, &err), 0);
	assert_string_equal(query_ids(h, NULL), "bbbb0003 aaaa0001");
	ops->rollback(h); /* nothing open: a no-op */
	ops->close(h);
	assert_int_equal(sql_int(dbpath, "SELECT count(*) FROM results"), 5);

	/* a read-only handle refuses writes */
	assert_int_equal(ops->open(&h, dbpath, 1, &err), 0);
	assert_int_equal(ops->begin(h, &err), BT_EINVAL);
	assert_int_equal(ops->remove_run(h, "aaaa0001", &err), BT_EINVAL);
	assert_string_equal(query_ids(h, NULL), "bbbb0003 aaaa0001");
	ops->close(h);
	bt_strbuf_release(&err);
}

static void test_readonly_missing(void **state)
{
	(void)state;
	void *h = (void *)1;
	struct bt_strbuf err = BT_STRBUF_INIT;
	assert_int_equal(ops->open(&h, dbpath, 1, &err), BT_ENOTFOUND);
	assert_null(h);
	assert_non_null(strstr(bt_strbuf_str(&err), dbpath));
	assert_int_not_equal(access(dbpath, F_OK), 0); /* not created */
	bt_strbuf_release(&err);
}

/* A store in a directory this user cannot write (a read-only store): the
 * index is still listed read-only, though SQLite cannot create its -shm
 * file there. As root, the child drops its powers over the files with a
 * user namespace; where that is not allowed the test is skipped. */
static void test_readonly_directory(void **state)
{
	(void)state;
	void *h = open_fixture();
	ops->close(h); /* checkpointed: no -wal file left */
	char dir[512];
	snprintf(dir, sizeof dir, "%s", dbpath);
	*strrchr(dir, '/') = '\0';
	assert_int_equal(chmod(dir, 0555), 0);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (geteuid() == 0 && unshare(CLONE_NEWUSER) != 0)
			_exit(77);
		if (access(dir, W_OK) == 0)
			_exit(77);
		void *ch = NULL;
		struct bt_store_list l = { 0 };
		if (ops->open(&ch, dbpath, 1, NULL) ||
		    ops->query(ch, NULL, &l, NULL))
			_exit(1);
		_exit(l.n == N_FIXTURE ? 0 : 2);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(chmod(dir, 0755), 0);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		skip();
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_corrupt_file(void **state)
{
	(void)state;
	FILE *fp = fopen(dbpath, "wb");
	assert_non_null(fp);
	for (int i = 0; i < 512; i++)
		fputs("garbage!", fp);
	fclose(fp);
	for (int ro = 0; ro <= 1; ro++) {
		void *h = NULL;
		struct bt_strbuf err = BT_STRBUF_INIT;
		assert_int_equal(ops->open(&h, dbpath, ro, &err), BT_EIO);
		assert_null(h);
		assert_non_null(strstr(bt_strbuf_str(&err), dbpath));
		assert_non_null(strstr(bt_strbuf_str(&err), "not a database"));
		bt_strbuf_release(&err);
	}
}

/* 200 runs in one transaction: enough pages to damage some past the
 * schema. */
static void add_200_runs(void *h)
{
	assert_int_equal(ops->begin(h, NULL), 0);
	for (int i = 0; i < 200; i++) {
		char id[64], ts[64];
		snprintf(id, sizeof id, "%08x", i * 7919);
		snprintf(ts, sizeof ts, "2026-10-%02dT10:00:00Z", 1 + i % 28);
		struct spec sp = { id, "micro", ts, "abc", "main", NULL, NULL,
				   5, 0 };
		add_spec(h, &sp, NULL, 0);
	}
	assert_int_equal(ops->commit(h, NULL), 0);
}

/* Scribbles over four pages a third into the closed database at dbpath,
 * past the schema. */
static void scribble_pages(void)
{
	long long pages = sql_int(dbpath, "PRAGMA page_count");
	long long psize = sql_int(dbpath, "PRAGMA page_size");
	FILE *fp = fopen(dbpath, "r+b");
	assert_non_null(fp);
	for (long long p = pages / 3; p < pages / 3 + 4; p++) {
		fseek(fp, (long)(p * psize + 8), SEEK_SET);
		for (int i = 0; i < 200; i++)
			fputc(0x5a ^ i, fp);
	}
	fclose(fp);
}

static void test_corrupt_pages(void **state)
{
	(void)state;
	void *h = open_rw();
	add_200_runs(h);
	assert_int_equal(ops->check(h, NULL), 0);
	ops->close(h);
	/* scribble over the middle of the file (pages past the schema) */
	scribble_pages();
	struct bt_strbuf err = BT_STRBUF_INIT;
	h = NULL;
	int rc = ops->open(&h, dbpath, 0, &err);
	if (rc == 0)
		rc = ops->check(h, &err);
	assert_int_equal(rc, BT_EIO);
	assert_non_null(strstr(bt_strbuf_str(&err), dbpath));
	if (h)
		ops->close(h);
	bt_strbuf_release(&err);
}

/* Opening for reindex (BT__INDEX_REPLACE_DAMAGED) replaces a file that
 * is not a database, one with corrupt pages and one of a newer schema,
 * but leaves anything else (here: index.db a dangling symlink into a
 * missing directory, an index on an unmounted disk) alone, with the path
 * in the message. */
static void test_replace_damaged(void **state)
{
	(void)state;
	struct bt_strbuf err = BT_STRBUF_INIT;
	void *h = NULL;
	/* not a database */
	FILE *fp = fopen(dbpath, "wb");
	assert_non_null(fp);
	for (int i = 0; i < 512; i++)
		fputs("garbage!", fp);
	fclose(fp);
	assert_int_equal(ops->open(&h, dbpath, BT__INDEX_REPLACE_DAMAGED, &err), 0);
	assert_int_equal(ops->check(h, NULL), 0);
	ops->close(h);
	/* corrupt pages past the header */
	h = open_rw();
	add_200_runs(h);
	ops->close(h);
	scribble_pages();
	h = NULL;
	int rc = ops->open(&h, dbpath, BT__INDEX_REPLACE_DAMAGED, &err);
	if (rc)
		fail_msg("open: %s", bt_strbuf_str(&err));
	assert_int_equal(ops->check(h, NULL), 0);
	assert_int_equal(sql_int(dbpath, "SELECT count(*) FROM runs"), 0);
	ops->close(h);
	/* a newer schema */
	sql_exec(dbpath, "PRAGMA user_version = 99");
	assert_int_equal(ops->open(&h, dbpath, BT__INDEX_REPLACE_DAMAGED, &err), 0);
	ops->close(h);
	assert_int_equal(sql_int(dbpath, "PRAGMA user_version"), 2);
	/* not damaged but unreachable: reported, left alone */
	unlink(dbpath);
	char target[600];
	snprintf(target, sizeof target, "%s.missing-disk/index.db", dbpath);
	assert_int_equal(symlink(target, dbpath), 0);
	bt_strbuf_reset(&err);
	h = NULL;
	assert_int_equal(ops->open(&h, dbpath, BT__INDEX_REPLACE_DAMAGED, &err),
			 BT_EIO);
	assert_null(h);
	assert_non_null(strstr(bt_strbuf_str(&err), dbpath));
	char got[600];
	ssize_t n = readlink(dbpath, got, sizeof got - 1);
	assert_true(n > 0);
	got[n] = '\0';
	assert_string_equal(got, target);
	bt_strbuf_release(&err);
}

static void test_future_version(void **state)
{
	(void)state;
	void *h = open_rw();
	ops->close(h);
	sql_exec(dbpath, "PRAGMA user_version = 99");
	for (int ro = 0; ro <= 1; ro++) {
		struct bt_strbuf err = BT_STRBUF_INIT;
		h = NULL;
		assert_int_equal(ops->open(&h, dbpath, ro, &err),
				 BT_EUNSUPPORTED);
		assert_null(h);
		assert_non_null(strstr(bt_strbuf_str(&err), dbpath));
		assert_non_null(strstr(bt_strbuf_str(&err),
				       "schema version 99 is newer"));
		bt_strbuf_release(&err);
	}
	/* untouched */
	assert_int_equal(sql_int(dbpath, "PRAGMA user_version"), 99);
}

static void test_old_version_readonly(void **state)
{
	(void)state;
	sql_exec(dbpath, "CREATE TABLE x (a)"); /* a database at version 0 */
	struct bt_strbuf err = BT_STRBUF_INIT;
	void *h = NULL;
	assert_int_equal(ops->open(&h, dbpath, 1, &err), BT_EUNSUPPORTED);
	assert_non_null(strstr(bt_strbuf_str(&err), "older"));
	assert_int_equal(sql_int(dbpath, "PRAGMA user_version"), 0);
	/* an empty file is an empty database: read-only it is no index yet
	 * (a first writer is creating it), writable it is migrated */
	FILE *fp = fopen(dbpath, "wb");
	fclose(fp);
	assert_int_equal(ops->open(&h, dbpath, 1, &err), BT_ENOTFOUND);
	assert_int_equal(ops->open(&h, dbpath, 0, &err), 0);
	ops->close(h);
	assert_int_equal(sql_int(dbpath, "PRAGMA user_version"), 2);
	bt_strbuf_release(&err);
}

#define N_WRITERS 4
#define RUNS_PER_WRITER 50

static int writer(int w)
{
	void *h = NULL;
	struct bt_strbuf err = BT_STRBUF_INIT;
	if (ops->open(&h, dbpath, 0, &err)) {
		fprintf(stderr, "writer %d: %s\n", w, bt_strbuf_str(&err));
		return 1;
	}
	for (int i = 0; i < RUNS_PER_WRITER; i++) {
		struct bt_run run;
		char id[64], ts[64], path[128];
		snprintf(id, sizeof id, "%02x%06x", w, i);
		snprintf(ts, sizeof ts, "2026-11-%02dT%02d:%02d:00Z", 1 + w,
			 i / 60, i % 60);
		struct spec sp = { id, "micro", ts, "abcdef", "main", NULL,
				   NULL, 20, 1 };
		make_run(&run, &sp);
		snprintf(path, sizeof path, "by-type/micro/%s/run.json", id);
		struct bt_index_loc loc = { path, NULL };
		const char *tags[] = { "w" };
		int rc = ops->begin(h, &err);
		if (!rc)
			rc = ops->add_run(h, &run, &loc, tags, 1, &err);
		if (!rc)
			rc = ops->commit(h, &err);
		if (rc) {
			ops->rollback(h);
			fprintf(stderr, "writer %d: run %d: %s\n", w, i,
				bt_strbuf_str(&err));
			return 1;
		}
		bt_run_release(&run);
	}
	ops->close(h);
	bt_strbuf_release(&err);
	return 0;
}

static void test_concurrent_writers(void **state)
{
	(void)state;
	/* no index yet: the writers also race to create and migrate it */
	pid_t pids[N_WRITERS];
	for (int w = 0; w < N_WRITERS; w++) {
		fflush(NULL);
		pids[w] = fork();
		assert_true(pids[w] >= 0);
		if (pids[w] == 0)
			_exit(writer(w));
	}
	for (int w = 0; w < N_WRITERS; w++) {
		int status;
		assert_int_equal(waitpid(pids[w], &status, 0), pids[w]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	assert_int_equal(sql_int(dbpath, "SELECT count(*) FROM runs"),
			 N_WRITERS * RUNS_PER_WRITER);
	assert_int_equal(sql_int(dbpath, "SELECT count(*) FROM results"),
			 N_WRITERS * RUNS_PER_WRITER * 20);
	assert_int_equal(sql_int(dbpath, "SELECT count(*) FROM tags"),
			 N_WRITERS * RUNS_PER_WRITER);
	void *h = open_rw();
	struct bt_strbuf err = BT_STRBUF_INIT;
	if (ops->check(h, &err))
		fail_msg("check: %s", bt_strbuf_str(&err));
	struct bt_store_list l = { 0 };
	/* writer 3's runs: all of 2026-11-04 */
	struct bt_store_filter f = { .tag = "w", .since = "2026-11-04",
				     .until = "2026-11-04" };
	assert_int_equal(ops->query(h, &f, &l, &err), 0);
	assert_int_equal(l.n, RUNS_PER_WRITER);
	assert_int_equal(l.items[0].n_failed, 1);
	bt__arena_free(l.arena);
	ops->close(h);
	bt_strbuf_release(&err);
}

/* Writes "g" to the pipe end *arg after GO_DELAY_S: lets test_waits_for_lock's
 * child commit. */
#define GO_DELAY_S 0.3
static void *send_go(void *arg)
{
	int fd = *(int *)arg;
	struct timespec d = { 0, (long)(GO_DELAY_S * 1e9) };
	while (nanosleep(&d, &d) != 0)
		;
	if (write(fd, "g", 1) != 1)
		return (void *)1;
	return NULL;
}

/* A writer waits (busy timeout) for another process's transaction. The
 * child holds its write transaction until told to commit, and that word is
 * sent GO_DELAY_S after the parent starts its clock, so the parent's begin
 * has to wait at least that long whatever the load: nothing here depends on
 * how soon either process is scheduled (the busy timeout, 10 s, only has to
 * cover the child's wake-up and commit after the word). */
static void test_waits_for_lock(void **state)
{
	(void)state;
	void *h = open_rw();
	ops->close(h);
	int locked[2], go[2];
	assert_int_equal(pipe(locked), 0);
	assert_int_equal(pipe(go), 0);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		void *ch = NULL;
		char g;
		close(locked[0]);
		close(go[1]);
		if (ops->open(&ch, dbpath, 0, NULL) || ops->begin(ch, NULL))
			_exit(1);
		struct bt_run run;
		struct spec sp = fixture[0];
		make_run(&run, &sp);
		if (ops->add_run(ch, &run, NULL, NULL, 0, NULL))
			_exit(1);
		if (write(locked[1], "x", 1) != 1)
			_exit(1);
		if (read(go[0], &g, 1) != 1)
			_exit(1);
		if (ops->commit(ch, NULL))
			_exit(1);
		ops->close(ch);
		bt_run_release(&run);
		_exit(0);
	}
	close(locked[1]);
	close(go[0]);
	char c;
	assert_int_equal(read(locked[0], &c, 1), 1);
	close(locked[0]);
	h = open_rw();
	struct bt_strbuf err = BT_STRBUF_INIT;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, send_go, &go[1]), 0);
	int rc = ops->begin(h, &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	void *sent;
	assert_int_equal(pthread_join(th, &sent), 0);
	close(go[1]);
	assert_null(sent);
	if (rc)
		fail_msg("begin: %s", bt_strbuf_str(&err));
	double waited = (double)(t1.tv_sec - t0.tv_sec) +
			1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
	/* it cannot have the lock before the child was told to let go */
	if (!(waited >= GO_DELAY_S))
		fail_msg("begin returned after %.3f s, before the other writer committed",
			 waited);
	/* the other writer's run is visible once we hold the lock */
	assert_string_equal(query_ids(h, NULL), "aaaa0001");
	assert_int_equal(ops->commit(h, &err), 0);
	ops->close(h);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	bt_strbuf_release(&err);
}

/* A test on a fresh database; IX_TEST's is open on the fixture (struct ix). */
#define DB_TEST(fn) cmocka_unit_test_setup(fn, setup_db)
#define IX_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup_ix, teardown_ix)

int main(void)
{
	const struct CMUnitTest tests[] = {
		DB_TEST(test_open_creates_schema),
		DB_TEST(test_add_and_list),
		DB_TEST(test_filters),
		DB_TEST(test_replace_run),
		DB_TEST(test_bulk_clear_and_replace),
		DB_TEST(test_bulk_rollback_keeps_indexes),
		IX_TEST(test_tags_and_milestone),
		DB_TEST(test_remove_cascades),
		IX_TEST(test_location_and_archived),
		IX_TEST(test_find_prefix),
		DB_TEST(test_transactions),
		DB_TEST(test_readonly_missing),
		DB_TEST(test_readonly_directory),
		DB_TEST(test_corrupt_file),
		DB_TEST(test_corrupt_pages),
		DB_TEST(test_future_version),
		DB_TEST(test_replace_damaged),
		DB_TEST(test_old_version_readonly),
		DB_TEST(test_concurrent_writers),
		DB_TEST(test_waits_for_lock),
	};
	return cmocka_run_group_tests(tests, setup_tmpdir, teardown_tmpdir);
}
