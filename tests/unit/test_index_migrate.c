/* The migration of the store index from schema 1 to 2 (lib/store/sqlite.c):
 * tests/fixtures/index_v1/store is a store written by benchtrack before
 * schema 2 (five exec runs, two of them tagged; its index.db at user
 * version 1). Opened writable, its index is migrated in place; every run,
 * result and tag is still there, and every query (runs with each filter,
 * series of every metric, run id prefixes) answers as it did from schema 1
 * (the same SQL schema 1's code ran) and as a reindex from the files
 * answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "internal.h"
#include "store/index.h"
#include "helpers.h"

#define FIXTURE BT_SOURCE_DIR "/tests/fixtures/index_v1/store"

BT_TEST_TMPDIR_FIXTURE(tmpdir, "bt_test_index_migrate")

/* Every row of sql (columns joined by '|', rows by '\n') into out. */
static void sql_rows(const char *path, const char *sql, struct bt_strbuf *out)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	while (sqlite3_step(s) == SQLITE_ROW) {
		for (int i = 0; i < sqlite3_column_count(s); i++) {
			if (i)
				bt_strbuf_addc(out, '|');
			if (sqlite3_column_type(s, i) == SQLITE_FLOAT)
				bt_strbuf_addf(out, "%.17g", sqlite3_column_double(s, i));
			else if (sqlite3_column_type(s, i) == SQLITE_NULL)
				bt_strbuf_adds(out, "-");
			else
				bt_strbuf_adds(out, (const char *)sqlite3_column_text(s, i));
		}
		bt_strbuf_addc(out, '\n');
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
}

/* The integer of the first row of sql. */
static long long sql_int(const char *path, const char *sql)
{
	struct bt_strbuf b = BT_STRBUF_INIT;
	sql_rows(path, sql, &b);
	long long v = b.len ? strtoll(b.buf, NULL, 10) : -1;
	bt_strbuf_release(&b);
	return v;
}

/* A copy of the fixture store at tmpdir/name; its path in out. */
static void copy_fixture(const char *name, char *out, size_t n)
{
	char cmd[1200];
	snprintf(out, n, "%s/%s", tmpdir, name);
	snprintf(cmd, sizeof cmd, "rm -rf '%s' && cp -R '%s' '%s' && mkdir -p '%s/archive'"
		 " '%s/comparisons'", out, FIXTURE, out, out, out);
	assert_int_equal(system(cmd), 0);
}

static void num(struct bt_strbuf *b, double v)
{
	if (v != v)
		bt_strbuf_adds(b, "|-");
	else
		bt_strbuf_addf(b, "|%.17g", v);
}

/* The series of every metric, as sql_rows writes schema 1's rows. */
static int one_series(void *ud, const struct bt_series *s)
{
	struct bt_strbuf *b = ud;
	for (size_t i = 0; i < s->n; i++) {
		const struct bt_series_point *p = &s->points[i];
		bt_strbuf_addf(b, "%s|%s|%s|%s|%s|%s|%d|%s|%s|%s", s->series_key, s->name,
			       s->variant ? s->variant : "-", s->params, s->metric,
			       s->unit ? s->unit : "-",
			       s->direction == BT_HIGHER_IS_BETTER ? 1 : -1, p->run_id,
			       p->commit ? p->commit : "-", p->timestamp);
		num(b, p->value);
		num(b, p->p25);
		num(b, p->p75);
		num(b, p->min);
		num(b, p->max);
		bt_strbuf_addf(b, "|%zu\n", p->n);
	}
	return 0;
}

/* What schema 1's series query read (lib/store/sqlite_series.c before
 * schema 2), in the order of bt_store_series. */
#define V1_SERIES                                                                      \
	"SELECT r.series_key, r.name, r.variant, r.params, m.name, m.unit,"           \
	" CASE WHEN m.direction > 0 THEN 1 ELSE -1 END, ru.run_id, ru.commit_hash,"   \
	" ru.timestamp, m.median, m.p25, m.p75, m.min, m.max, m.n"                    \
	" FROM results r JOIN runs ru ON ru.run_id = r.run_id"                        \
	" JOIN metrics m ON m.result_id = r.id WHERE r.series_key IS NOT NULL"        \
	" AND r.status = 'ok' AND m.median IS NOT NULL"                               \
	" ORDER BY r.series_key, m.name, ru.timestamp, ru.run_id"

static void series_text(struct bt_store *st, const char *metric, struct bt_strbuf *out)
{
	struct bt_series_filter f;
	struct bt_strbuf err = BT_STRBUF_INIT;
	memset(&f, 0, sizeof f);
	f.metric = metric;
	if (bt_store_series(st, &f, one_series, out, NULL, &err))
		fail_msg("series: %s", bt_strbuf_str(&err));
	bt_strbuf_release(&err);
}

/* The runs of f, every field, newest first. */
static void runs_text(struct bt_store *st, const struct bt_store_filter *f,
		      struct bt_strbuf *out)
{
	struct bt_store_list l;
	struct bt_strbuf err = BT_STRBUF_INIT;
	if (bt_store_query(st, f, &l, &err))
		fail_msg("query: %s", bt_strbuf_str(&err));
	for (size_t i = 0; i < l.n; i++) {
		const struct bt_store_entry *e = &l.items[i];
#define S(x) ((x) ? (x) : "-")
		bt_strbuf_addf(out, "%s|%s|%s|%s|%s|%s|%d|%s|%s|%s|%s|%zu|%zu|", e->run_id,
			       e->type, S(e->suite), e->timestamp, S(e->commit), S(e->branch),
			       e->dirty, S(e->machine), S(e->fingerprint), S(e->path),
			       S(e->archive), e->n_results, e->n_failed);
#undef S
		for (size_t k = 0; k < e->n_tags; k++)
			bt_strbuf_addf(out, "%s,", e->tags[k]);
		bt_strbuf_addf(out, "%d\n", e->milestone);
	}
	bt_store_list_release(&l);
	bt_strbuf_release(&err);
}

static void test_migrate_v1(void **state)
{
	(void)state;
	char a[400], b[400], ia[450];
	struct bt_strbuf v1s = BT_STRBUF_INIT, v1r = BT_STRBUF_INIT, err = BT_STRBUF_INIT;
	struct bt_strbuf as = BT_STRBUF_INIT, bs = BT_STRBUF_INIT;
	struct bt_strbuf ar = BT_STRBUF_INIT, br = BT_STRBUF_INIT;
	struct bt_store *sa = NULL, *sb = NULL;
	void *h = NULL;

	copy_fixture("migrated", a, sizeof a);
	copy_fixture("reindexed", b, sizeof b);
	snprintf(ia, sizeof ia, "%s/index.db", a);
	assert_int_equal(sql_int(ia, "PRAGMA user_version"), 1);
	long long runs = sql_int(ia, "SELECT count(*) FROM runs");
	long long results = sql_int(ia, "SELECT count(*) FROM results");
	long long tags = sql_int(ia, "SELECT count(*) FROM tags");
	assert_int_equal(runs, 5);
	sql_rows(ia, V1_SERIES, &v1s);
	sql_rows(ia, "SELECT run_id, path, (SELECT group_concat(tag) FROM tags t"
		     " WHERE t.run_id = runs.run_id) FROM runs ORDER BY timestamp DESC,"
		     " run_id DESC", &v1r);
	assert_true(v1s.len > 0);

	/* read-only, schema 1 is refused (nothing written) */
	assert_int_equal(bt__index_sqlite.open(&h, ia, BT__INDEX_READONLY, &err),
			 BT_EUNSUPPORTED);
	assert_int_equal(sql_int(ia, "PRAGMA user_version"), 1);
	/* writable: migrated in place */
	bt_strbuf_reset(&err);
	if (bt__index_sqlite.open(&h, ia, 0, &err))
		fail_msg("open: %s", bt_strbuf_str(&err));
	assert_int_equal(bt__index_sqlite.check(h, &err), 0);
	bt__index_sqlite.close(h);
	assert_int_equal(sql_int(ia, "PRAGMA user_version"), 2);
	assert_int_equal(sql_int(ia, "SELECT count(*) FROM runs"), runs);
	assert_int_equal(sql_int(ia, "SELECT count(*) FROM results"), results);
	assert_int_equal(sql_int(ia, "SELECT count(*) FROM tags"), tags);
	assert_int_equal(sql_int(ia, "SELECT count(*) FROM sqlite_master WHERE name"
				     " LIKE 'v1_%'"), 0);

	/* the same answers as schema 1 gave */
	assert_int_equal(bt_store_open(&sa, a, BT_STORE_READONLY, &err), 0);
	series_text(sa, "*", &as);
	assert_string_equal(bt_strbuf_str(&as), bt_strbuf_str(&v1s));
	{
		struct bt_store_filter f = { 0 };
		struct bt_strbuf mine = BT_STRBUF_INIT;
		f.include_archived = 1;
		runs_text(sa, &f, &ar);
		/* run id, path and tags as schema 1 listed them */
		for (const char *p = ar.buf; p && *p;) {
			const char *nl = strchr(p, '\n');
			char id[80], path[300], rest[400];
			int n = sscanf(p, "%79[^|]|%*[^|]|%*[^|]|%*[^|]|%*[^|]|%*[^|]|%*[^|]|%*[^|]|"
				       "%*[^|]|%299[^|]|%*[^|]|%*[^|]|%*[^|]|%399[^\n]",
				       id, path, rest);
			assert_int_equal(n, 3);
			char *t = strrchr(rest, ',');
			if (t)
				*t = '\0';
			else
				rest[0] = '\0';
			bt_strbuf_addf(&mine, "%s|%s|%s\n", id, path, *rest ? rest : "-");
			p = nl ? nl + 1 : "";
		}
		assert_string_equal(bt_strbuf_str(&mine), bt_strbuf_str(&v1r));
		bt_strbuf_release(&mine);
	}

	/* and as a reindex from the files */
	assert_int_equal(bt_store_open(&sb, b, 0, &err), 0);
	size_t nr = 0, nres = 0;
	if (bt_store_reindex(sb, &nr, &nres, &err))
		fail_msg("reindex: %s", bt_strbuf_str(&err));
	assert_int_equal(nr, (size_t)runs);
	assert_int_equal(nres, (size_t)results);
	series_text(sb, "*", &bs);
	assert_string_equal(bt_strbuf_str(&as), bt_strbuf_str(&bs));
	bt_strbuf_reset(&as);
	bt_strbuf_reset(&bs);
	series_text(sa, "time", &as);
	series_text(sb, "time", &bs);
	assert_true(as.len > 0);
	assert_string_equal(bt_strbuf_str(&as), bt_strbuf_str(&bs));
	{
		static const char *const bench[] = { NULL, "slow", "fast", "nope" };
		static const char *const tag[] = { NULL, "nightly", "milestone" };
		for (size_t i = 0; i < 4; i++)
			for (size_t k = 0; k < 3; k++) {
				struct bt_store_filter f = { 0 };
				f.include_archived = 1;
				f.benchmark = bench[i];
				f.tag = tag[k];
				bt_strbuf_reset(&ar);
				bt_strbuf_reset(&br);
				runs_text(sa, &f, &ar);
				runs_text(sb, &f, &br);
				assert_string_equal(bt_strbuf_str(&ar), bt_strbuf_str(&br));
				if (i == 3)
					assert_int_equal(ar.len, 0);
			}
	}
	{
		struct bt_store_filter f = { 0 };
		f.run_id = NULL;
		f.type = "comprehensive";
		f.limit = 2;
		bt_strbuf_reset(&ar);
		bt_strbuf_reset(&br);
		runs_text(sa, &f, &ar);
		runs_text(sb, &f, &br);
		assert_string_equal(bt_strbuf_str(&ar), bt_strbuf_str(&br));
	}
	bt_store_close(sa);
	bt_store_close(sb);
	bt_strbuf_release(&v1s);
	bt_strbuf_release(&v1r);
	bt_strbuf_release(&as);
	bt_strbuf_release(&bs);
	bt_strbuf_release(&ar);
	bt_strbuf_release(&br);
	bt_strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_migrate_v1),
	};
	return cmocka_run_group_tests(tests, setup_tmpdir, teardown_tmpdir);
}
