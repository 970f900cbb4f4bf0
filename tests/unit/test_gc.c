/* Tests of retention (lib/store/gc.c): bt_store_gc moves old runs into
 * monthly archives that tar reads, keeps milestones, keeps the index
 * summaries; bt_store_restore brings a run back. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "benchtrack.h"
#include "benchtrack/store.h"
#include "helpers.h"
#include "runmaker.h"
#include "storefx.h"

/* ---------------------------------------------------------------------
 * Fixture: a store with five runs
 *
 *   A  attention  2026-08-01  old                 -> archive/2026-08
 *   B  attention  2026-08-15  old, milestone      stays
 *   C  gemm       2026-08-20  old, tag "nightly"  -> archive/2026-08
 *   D  attention  2026-09-10  old                 -> archive/2026-09
 *   E  attention  2026-11-20  recent              stays
 *
 * gc with now 2026-11-22T00:00:00Z and keep_days 30 (cutoff 2026-10-23).
 * ------------------------------------------------------------------- */

#define ID_A "a1a1a1a1000000000000000000000001"
#define ID_B "b2b2b2b2000000000000000000000002"
#define ID_C "c3c3c3c3000000000000000000000003"
#define ID_D "d4d4d4d4000000000000000000000004"
#define ID_E "e5e5e5e5000000000000000000000005"
#define COMMIT_C "0123456789abcdef0123456789abcdef01234567"
#define NOW "2026-11-22T00:00:00Z"

#define DIR_A "2026-08-01-1000-UTC-a1a1a1a1"
#define DIR_C "2026-08-20-0800-UTC-c3c3c3c3"
#define DIR_D "2026-09-10-0900-UTC-d4d4d4d4"

static const char *fpath(const struct bt_test_store *f, const char *rel)
{
	return bt_test_store_path(f, rel);
}

static void put_run(struct bt_store *st, const char *id, const char *type,
		    const char *ts, const char *commit)
{
	static const struct bt_test_run_kind k = { "suite_gc", "gc-host",
		"0011223344556677", 1.5, 0, 1 };
	bt_test_store_put(st, &k, id, type, ts, commit);
}

/* bt_store_reindex of the store finds n runs. */
static void assert_reindexed(struct bt_test_store *f, size_t n)
{
	size_t runs = 0;
	struct bt_strbuf err = BT_STRBUF_INIT;
	if (bt_store_reindex(f->st, &runs, NULL, &err))
		fail_msg("reindex: %s", bt_strbuf_str(&err));
	assert_int_equal(runs, n);
	bt_strbuf_release(&err);
}

static int setup(void **state)
{
	struct bt_test_store *f = bt_test_store_new("bt_test_gc");
	if (!f)
		return -1;
	put_run(f->st, ID_A, "attention", "2026-08-01T10:00:00Z", NULL);
	put_run(f->st, ID_B, "attention", "2026-08-15T12:30:00Z", NULL);
	put_run(f->st, ID_C, "gemm", "2026-08-20T08:00:00Z", COMMIT_C);
	put_run(f->st, ID_D, "attention", "2026-09-10T09:00:00Z", NULL);
	put_run(f->st, ID_E, "attention", "2026-11-20T10:00:00Z", NULL);
	*state = f;
	return bt_test_store_tag(f, ID_B, "milestone") ||
	       bt_test_store_tag(f, ID_C, "nightly") ? -1 : 0;
}

/* ---------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------- */

static size_t gc(struct bt_test_store *f, const char *now, int keep, int dry,
		 struct bt_test_notes *n)
{
	struct bt_gc_opts o = { .keep_days = keep, .dry_run = dry, .now = now };
	struct bt_strbuf err = BT_STRBUF_INIT;
	size_t count = 99;
	int rc = bt_store_gc(f->st, &o, n ? bt_test_on_note : NULL, n, &count, &err);
	if (rc)
		fail_msg("gc: %s", bt_strbuf_str(&err));
	bt_strbuf_release(&err);
	return count;
}

/* Output of a shell command as a malloc'd string. */
static char *sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t cap = 1 << 16, len = 0;
	char *out = malloc(cap);
	assert_non_null(out);
	size_t k;
	while ((k = fread(out + len, 1, cap - 1 - len, p)) > 0)
		len += k;
	out[len] = '\0';
	pclose(p);
	return out;
}

/* Members of archive/<month>.tar.gz as tar lists them. */
static char *tar_list(const struct bt_test_store *f, const char *month)
{
	return sh("tar -tzf '%s/archive/%s.tar.gz' 2>&1", f->dir, month);
}

static int count_str(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* The entry of run id in l, or NULL. */
static const struct bt_store_entry *entry(const struct bt_store_list *l,
					  const char *id)
{
	size_t i = 0;
	while (i < l->n && strcmp(l->items[i].run_id, id) != 0)
		i++;
	return i < l->n ? &l->items[i] : NULL;
}

static void query_all(struct bt_test_store *f, struct bt_store_list *l, int archived)
{
	struct bt_store_filter q = { .include_archived = archived };
	struct bt_strbuf err = BT_STRBUF_INIT;
	int rc = bt_store_query(f->st, &q, l, &err);
	if (rc)
		fail_msg("query: %s", bt_strbuf_str(&err));
	bt_strbuf_release(&err);
}

/* The archive location of run id ("" when not archived). */
static void check_archive(struct bt_test_store *f, const char *id, const char *archive)
{
	struct bt_store_list l;
	query_all(f, &l, 1);
	const struct bt_store_entry *e = entry(&l, id);
	assert_non_null(e);
	if (*archive) {
		assert_non_null(e->archive);
		assert_string_equal(e->archive, archive);
		assert_null(e->path);
	} else {
		assert_null(e->archive);
		assert_non_null(e->path);
	}
	bt_store_list_release(&l);
}

static void restore_ok(struct bt_test_store *f, const char *ref, const char *want_dir)
{
	struct bt_strbuf err = BT_STRBUF_INIT;
	char *path = NULL;
	int rc = bt_store_restore(f->st, ref, &path, &err);
	if (rc)
		fail_msg("restore %s: %s", ref, bt_strbuf_str(&err));
	assert_non_null(path);
	assert_non_null(strstr(path, want_dir));
	assert_true(bt_test_exists(path));
	free(path);
	bt_strbuf_release(&err);
}

/* ---------------------------------------------------------------------
 * Tests
 * ------------------------------------------------------------------- */

static void test_gc_archives_old_runs(void **state)
{
	struct bt_test_store *f = *state;
	struct bt_test_notes n;
	memset(&n, 0, sizeof n);
	assert_int_equal(gc(f, NOW, 30, 0, &n), 3);
	assert_int_equal(n.n_archive, 3);
	assert_int_equal(n.n_notes - n.n_archive, 0);
	assert_non_null(strstr(n.log, DIR_A "/run.json"));
	assert_non_null(strstr(n.log, "archive/2026-08.tar.gz"));

	/* tar reads the archives, members in the documented layout */
	assert_true(bt_test_exists(fpath(f, "archive/2026-08.tar.gz")));
	assert_true(bt_test_exists(fpath(f, "archive/2026-09.tar.gz")));
	char *t = tar_list(f, "2026-08");
	assert_string_equal(t, DIR_A "/run.json\n" DIR_C "/run.json\n" DIR_C "/tags\n");
	free(t);
	t = tar_list(f, "2026-09");
	assert_string_equal(t, DIR_D "/run.json\n");
	free(t);
	t = sh("tar -xzOf '%s/archive/2026-08.tar.gz' " DIR_C "/tags", f->dir);
	assert_string_equal(t, "nightly\n");
	free(t);
	t = sh("ls -a '%s/archive'", f->dir);
	assert_null(strstr(t, ".tmp"));
	free(t);

	/* directories and links gone; milestone and recent runs stay */
	assert_false(bt_test_exists(fpath(f, "by-type/attention/" DIR_A)));
	assert_false(bt_test_exists(fpath(f, "by-type/gemm/" DIR_C)));
	assert_false(bt_test_exists(fpath(f, "by-type/attention/" DIR_D)));
	assert_false(bt_test_exists(fpath(f, "by-date/2026-08/01/attention/" DIR_A)));
	assert_false(bt_test_exists(fpath(f, "by-date/2026-08/20/gemm/" DIR_C)));
	assert_false(bt_test_exists(fpath(f, "by-date/2026-09/10/attention/" DIR_D)));
	assert_true(bt_test_exists(fpath(f, "by-type/attention/2026-08-15-1230-UTC-b2b2b2b2/run.json")));
	assert_true(bt_test_exists(fpath(f, "by-date/2026-08/15/attention/2026-08-15-1230-UTC-b2b2b2b2")));
	assert_true(bt_test_exists(fpath(f, "by-type/attention/2026-11-20-1000-UTC-e5e5e5e5/run.json")));
	/* and the date directories left empty: the day of A and C, the
	 * whole month of D; those still holding a link stay */
	assert_false(bt_test_exists(fpath(f, "by-date/2026-08/01")));
	assert_false(bt_test_exists(fpath(f, "by-date/2026-08/20")));
	assert_false(bt_test_exists(fpath(f, "by-date/2026-09")));
	assert_true(bt_test_exists(fpath(f, "by-date/2026-08/15/attention")));
	assert_true(bt_test_exists(fpath(f, "by-date")));

	/* latest/: never a removed directory */
	assert_false(bt_test_exists(fpath(f, "latest/gemm.json")));
	char buf[512];
	ssize_t k = readlink(fpath(f, "latest/attention.json"), buf, sizeof buf - 1);
	assert_true(k > 0);
	buf[k] = '\0';
	assert_non_null(strstr(buf, "e5e5e5e5"));

	/* the index keeps the summaries */
	struct bt_store_list l;
	query_all(f, &l, 1);
	assert_int_equal(l.n, 5);
	const struct bt_store_entry *e = entry(&l, ID_C);
	assert_non_null(e);
	assert_string_equal(e->archive, "archive/2026-08.tar.gz");
	assert_null(e->path);
	assert_int_equal(e->n_results, 2);
	assert_int_equal(e->n_tags, 1);
	assert_string_equal(e->tags[0], "nightly");
	check_archive(f, ID_A, "archive/2026-08.tar.gz");
	check_archive(f, ID_D, "archive/2026-09.tar.gz");
	check_archive(f, ID_B, "");
	check_archive(f, ID_E, "");
	bt_store_list_release(&l);
	query_all(f, &l, 0);
	assert_int_equal(l.n, 2);
	bt_store_list_release(&l);

	/* README counts them */
	t = sh("cat '%s/README.md'", f->dir);
	assert_non_null(strstr(t, "5 runs (3 archived, 1 milestone)"));
	free(t);

	/* an archived run is not loadable, and says where it is */
	struct bt_strbuf err = BT_STRBUF_INIT;
	bt_test_load_fails(f->st, ID_A, BT_ENOTFOUND, "archive/2026-08.tar.gz");

	/* reindex rebuilds the same picture from the files and archives */
	size_t runs = 0, results = 0;
	int rc = bt_store_reindex(f->st, &runs, &results, &err);
	if (rc)
		fail_msg("reindex: %s", bt_strbuf_str(&err));
	assert_int_equal(runs, 5);
	assert_int_equal(results, 10);
	check_archive(f, ID_A, "archive/2026-08.tar.gz");
	check_archive(f, ID_C, "archive/2026-08.tar.gz");
	check_archive(f, ID_D, "archive/2026-09.tar.gz");
	check_archive(f, ID_B, "");
	query_all(f, &l, 1);
	e = entry(&l, ID_C);
	assert_int_equal(e->n_tags, 1);
	assert_string_equal(e->tags[0], "nightly");
	assert_true(entry(&l, ID_B)->milestone);
	bt_store_list_release(&l);

	/* nothing left to do */
	assert_int_equal(gc(f, NOW, 30, 0, NULL), 0);
	bt_strbuf_release(&err);

	/* a run stored afterwards on an emptied day gets its link again */
	put_run(f->st, "f6f6f6f6000000000000000000000006", "attention",
		"2026-09-10T11:00:00Z", NULL);
	assert_true(bt_test_exists(fpath(f, "by-date/2026-09/10/attention/"
				 "2026-09-10-1100-UTC-f6f6f6f6")));
}

static void test_gc_dry_run_changes_nothing(void **state)
{
	struct bt_test_store *f = *state;
	const char *listing = "cd '%s' && find . ! -name 'index.db*' | sort && cat README.md";
	char *before = sh(listing, f->dir);
	struct bt_test_notes n;
	memset(&n, 0, sizeof n);
	assert_int_equal(gc(f, NOW, 30, 1, &n), 3);
	assert_int_equal(n.n_archive, 3);
	assert_non_null(strstr(n.log, "older than 30 days"));
	assert_null(strstr(n.log, "b2b2b2b2"));
	assert_null(strstr(n.log, "e5e5e5e5"));
	char *after = sh(listing, f->dir);
	assert_string_equal(before, after);
	free(before);
	free(after);
	check_archive(f, ID_A, "");
	check_archive(f, ID_D, "");

	/* a read-only store: dry run works, the real thing is refused */
	struct bt_store *ro;
	struct bt_strbuf err = BT_STRBUF_INIT;
	assert_int_equal(bt_store_open(&ro, f->dir, BT_STORE_READONLY, &err), 0);
	struct bt_gc_opts o = { .keep_days = 30, .dry_run = 1, .now = NOW };
	size_t count = 0;
	assert_int_equal(bt_store_gc(ro, &o, NULL, NULL, &count, &err), 0);
	assert_int_equal(count, 3);
	o.dry_run = 0;
	assert_int_equal(bt_store_gc(ro, &o, NULL, NULL, &count, &err), BT_EINVAL);
	assert_int_equal(count, 0);
	bt_store_close(ro);

	/* a malformed now is refused */
	o.now = "2026-11-22";
	assert_int_equal(bt_store_gc(f->st, &o, NULL, NULL, &count, &err), BT_EINVAL);
	assert_non_null(strstr(bt_strbuf_str(&err), "2026-11-22"));
	bt_strbuf_release(&err);
}

static void test_gc_twice_appends(void **state)
{
	struct bt_test_store *f = *state;
	/* cutoff 2026-08-10: only A */
	assert_int_equal(gc(f, "2026-08-20T00:00:00Z", 10, 0, NULL), 1);
	char *t = tar_list(f, "2026-08");
	assert_string_equal(t, DIR_A "/run.json\n");
	free(t);
	/* then C joins it in the same month's archive */
	assert_int_equal(gc(f, NOW, 30, 0, NULL), 2);
	t = tar_list(f, "2026-08");
	assert_string_equal(t, DIR_A "/run.json\n" DIR_C "/run.json\n" DIR_C "/tags\n");
	free(t);
	check_archive(f, ID_A, "archive/2026-08.tar.gz");
	check_archive(f, ID_C, "archive/2026-08.tar.gz");

	/* both runs read back */
	assert_reindexed(f, 5);
}

static void test_restore(void **state)
{
	struct bt_test_store *f = *state;
	struct bt_strbuf err = BT_STRBUF_INIT;
	assert_int_equal(gc(f, NOW, 30, 0, NULL), 3);

	/* by id prefix */
	restore_ok(f, "a1a1a1a1", "by-type/attention/" DIR_A "/run.json");
	check_archive(f, ID_A, "");
	assert_true(bt_test_exists(fpath(f, "by-date/2026-08/01/attention/" DIR_A "/run.json")));
	char *t = tar_list(f, "2026-08");
	assert_string_equal(t, DIR_C "/run.json\n" DIR_C "/tags\n");
	free(t);
	struct bt_run run;
	bt_run_init(&run);
	int rc = bt_store_load(f->st, "a1a1a1a1", &run, &err);
	if (rc)
		fail_msg("load: %s", bt_strbuf_str(&err));
	assert_string_equal(run.run_id, ID_A);
	assert_int_equal(run.n_results, 2);
	bt_run_release(&run);

	/* by commit prefix, with its tags; the last run of a month takes the
	 * archive file with it; latest/ comes back */
	restore_ok(f, "0123456789ab", "by-type/gemm/" DIR_C "/run.json");
	assert_false(bt_test_exists(fpath(f, "archive/2026-08.tar.gz")));
	t = sh("cat '%s/by-type/gemm/" DIR_C "/tags'", f->dir);
	assert_string_equal(t, "nightly\n");
	free(t);
	assert_true(bt_test_exists(fpath(f, "latest/gemm.json")));
	struct bt_store_list l;
	query_all(f, &l, 1);
	assert_int_equal(entry(&l, ID_C)->n_tags, 1);
	bt_store_list_release(&l);

	/* full id */
	restore_ok(f, ID_D, DIR_D);
	assert_false(bt_test_exists(fpath(f, "archive/2026-09.tar.gz")));
	t = sh("cd '%s' && ls -a .tmp archive", f->dir);
	if (strstr(t, "restore") || strstr(t, "tmp."))
		fail_msg("left behind by restore: %s", t);
	free(t);

	/* not archived, unknown, empty */
	char *path = (char *)"x";
	assert_int_equal(bt_store_restore(f->st, ID_E, &path, &err), BT_EINVAL);
	assert_null(path);
	assert_non_null(strstr(bt_strbuf_str(&err), "not archived"));
	assert_int_equal(bt_store_restore(f->st, "a1a1", NULL, &err), BT_EINVAL);
	assert_int_equal(bt_store_restore(f->st, "ffff0000", NULL, &err), BT_ENOTFOUND);
	assert_int_equal(bt_store_restore(f->st, "nothex", NULL, &err), BT_ENOTFOUND);
	assert_int_equal(bt_store_restore(f->st, "", NULL, &err), BT_EINVAL);

	/* everything consistent: reindex sees 5 runs, none archived */
	size_t runs = 0;
	assert_int_equal(bt_store_reindex(f->st, &runs, NULL, &err), 0);
	assert_int_equal(runs, 5);
	query_all(f, &l, 0);
	assert_int_equal(l.n, 5);
	bt_store_list_release(&l);

	/* and it can be archived again */
	assert_int_equal(gc(f, NOW, 30, 0, NULL), 3);
	bt_strbuf_release(&err);
}

/* A crash between writing the archive and removing the directory leaves
 * the run in both places with the index naming the directory: the next
 * gc writes it once. */
static void test_gc_after_crash_writes_once(void **state)
{
	struct bt_test_store *f = *state;
	assert_int_equal(gc(f, "2026-08-20T00:00:00Z", 10, 0, NULL), 1);
	char *t = sh("cp '%s/archive/2026-08.tar.gz' '%s/../saved.tar.gz' && echo ok",
		     f->dir, f->dir);
	assert_string_equal(t, "ok\n");
	free(t);
	restore_ok(f, ID_A, DIR_A);
	assert_false(bt_test_exists(fpath(f, "archive/2026-08.tar.gz")));
	t = sh("cp '%s/../saved.tar.gz' '%s/archive/2026-08.tar.gz' && echo ok",
	       f->dir, f->dir);
	assert_string_equal(t, "ok\n");
	free(t);
	check_archive(f, ID_A, "");

	assert_int_equal(gc(f, NOW, 30, 0, NULL), 3);
	t = tar_list(f, "2026-08");
	assert_int_equal(count_str(t, DIR_A "/run.json"), 1);
	assert_int_equal(count_str(t, DIR_C "/run.json"), 1);
	free(t);
	assert_reindexed(f, 5);
}

/* A run whose tags file says milestone (the index not knowing yet), a
 * broken run file and a run file holding another run are left in place
 * with a note. */
static void test_gc_skips_and_refuses(void **state)
{
	struct bt_test_store *f = *state;
	char *t = sh("printf 'milestone\\n' > '%s/by-type/attention/" DIR_D "/tags' && "
		     "printf '{' > '%s/by-type/gemm/" DIR_C "/run.json' && echo ok",
		     f->dir, f->dir);
	assert_string_equal(t, "ok\n");
	free(t);
	struct bt_test_notes n;
	memset(&n, 0, sizeof n);
	assert_int_equal(gc(f, NOW, 30, 0, &n), 1);
	assert_int_equal(n.n_notes - n.n_archive, 2);
	assert_non_null(strstr(n.log, "skip"));
	assert_non_null(strstr(n.log, "milestone"));
	assert_true(bt_test_exists(fpath(f, "by-type/attention/" DIR_D "/run.json")));
	assert_true(bt_test_exists(fpath(f, "by-type/gemm/" DIR_C "/run.json")));
	assert_false(bt_test_exists(fpath(f, "archive/2026-09.tar.gz")));
	check_archive(f, ID_A, "archive/2026-08.tar.gz");

	/* C's file replaced by run B's: not the indexed run, skipped */
	t = sh("cp '%s/by-type/attention/2026-08-15-1230-UTC-b2b2b2b2/run.json' "
	       "'%s/by-type/gemm/" DIR_C "/run.json' && echo ok", f->dir, f->dir);
	assert_string_equal(t, "ok\n");
	free(t);
	struct bt_gc_opts o = { .keep_days = 30, .now = NOW };
	struct bt_strbuf err = BT_STRBUF_INIT;
	size_t count = 0;
	memset(&n, 0, sizeof n);
	assert_int_equal(bt_store_gc(f->st, &o, bt_test_on_note, &n, &count, &err), 0);
	assert_int_equal(count, 0);
	assert_non_null(strstr(n.log, "the index says"));
	assert_true(bt_test_exists(fpath(f, "by-type/gemm/" DIR_C "/run.json")));
	bt_strbuf_release(&err);
}

/* gc onto an archive that cannot be read fails and removes nothing. */
/* reindex reads archive members with the fast reader and falls back to
 * the strict one: a member it leaves to the strict reader (deep nesting
 * in an unknown field) is still indexed; a broken member stops the
 * rebuild with archive:member in the message (and leaks nothing). */
static void test_reindex_archive_members(void **state)
{
	struct bt_test_store *f = *state;
	char *t = sh("cp '%s/by-type/attention/" DIR_D "/run.json' '%s/../d.json' && echo ok",
		     f->dir, f->dir);
	assert_string_equal(t, "ok\n");
	free(t);
	assert_int_equal(gc(f, NOW, 30, 0, NULL), 3);
	/* deep nesting: the strict reader accepts it */
	char nest[1024] = "";
	for (int i = 0; i < 200; i++)
		strcat(nest, "[");
	for (int i = 0; i < 200; i++)
		strcat(nest, "]");
	t = sh("cd '%s/..' && rm -rf x && mkdir -p x/" DIR_D " && "
	       "sed '0,/{/s//{\"zz_extra\": %s,/' d.json > x/" DIR_D "/run.json && "
	       "tar -czf store/archive/2026-09.tar.gz -C x " DIR_D "/run.json && echo ok",
	       f->dir, nest);
	assert_string_equal(t, "ok\n");
	free(t);
	size_t runs = 0, results = 0;
	struct bt_strbuf err = BT_STRBUF_INIT;
	int rc = bt_store_reindex(f->st, &runs, &results, &err);
	if (rc)
		fail_msg("reindex: %s", bt_strbuf_str(&err));
	assert_int_equal(runs, 5);
	check_archive(f, ID_D, "archive/2026-09.tar.gz");
	/* broken */
	t = sh("cd '%s/..' && head -c 150 d.json > x/" DIR_D "/run.json && "
	       "tar -czf store/archive/2026-09.tar.gz -C x " DIR_D "/run.json && echo ok",
	       f->dir);
	assert_string_equal(t, "ok\n");
	free(t);
	bt_strbuf_reset(&err);
	rc = bt_store_reindex(f->st, &runs, &results, &err);
	assert_int_not_equal(rc, 0);
	assert_non_null(strstr(bt_strbuf_str(&err), "archive/2026-09.tar.gz:" DIR_D "/run.json"));
	bt_strbuf_release(&err);
}

static void test_gc_corrupt_archive(void **state)
{
	struct bt_test_store *f = *state;
	char *t = sh("mkdir -p '%s/archive' && printf 'not a tarball' > "
		     "'%s/archive/2026-08.tar.gz' && echo ok", f->dir, f->dir);
	assert_string_equal(t, "ok\n");
	free(t);
	struct bt_gc_opts o = { .keep_days = 30, .now = NOW };
	struct bt_strbuf err = BT_STRBUF_INIT;
	size_t count = 0;
	int rc = bt_store_gc(f->st, &o, NULL, NULL, &count, &err);
	assert_int_equal(rc, BT_EIO);
	assert_non_null(strstr(bt_strbuf_str(&err), "archive/2026-08.tar.gz"));
	assert_true(bt_test_exists(fpath(f, "by-type/attention/" DIR_A "/run.json")));
	assert_true(bt_test_exists(fpath(f, "by-type/gemm/" DIR_C "/run.json")));
	check_archive(f, ID_A, "");
	t = sh("cat '%s/archive/2026-08.tar.gz'; ls -a '%s/archive'", f->dir, f->dir);
	assert_non_null(strstr(t, "not a tarball"));
	assert_null(strstr(t, ".tmp"));
	free(t);
	bt_strbuf_release(&err);
}

/* bt_store_verify finds no problem (else fails with its notes). */
static void assert_verify_clean(struct bt_test_store *f, const char *what)
{
	struct bt_test_notes n;
	struct bt_strbuf err = BT_STRBUF_INIT;
	size_t problems = 99;
	memset(&n, 0, sizeof n);
	int rc = bt_store_verify(f->st, 0, bt_test_on_note, &n, &problems, &err);
	if (rc || problems)
		fail_msg("%s: verify: rc %d, %zu problems: %s\n%s", what, rc, problems,
			 bt_strbuf_str(&err), n.log);
	bt_strbuf_release(&err);
}

/* Each of the five runs is in exactly one place (its directory or one
 * archive member), and reindex counts five. */
static void assert_each_run_once(struct bt_test_store *f, const char *what)
{
	static const char *const ids[] = { ID_A, ID_B, ID_C, ID_D, ID_E };
	for (size_t i = 0; i < 5; i++) {
		char *t = sh("cd '%s' && { find by-type -mindepth 2 -maxdepth 2 "
			     "-name '*-%.8s'; for a in archive/*.tar.gz; do "
			     "[ -e \"$a\" ] && tar -tzf \"$a\"; done | "
			     "grep -- '-%.8s/run.json$'; } | wc -l", f->dir, ids[i], ids[i]);
		if (strcmp(t, "1\n") != 0)
			fail_msg("%s: run %.8s is in %s places", what, ids[i], t);
		free(t);
	}
	size_t runs = 0;
	struct bt_strbuf err = BT_STRBUF_INIT;
	if (bt_store_reindex(f->st, &runs, NULL, &err))
		fail_msg("%s: reindex: %s", what, bt_strbuf_str(&err));
	assert_int_equal(runs, 5);
	bt_strbuf_release(&err);
}

/* gc SIGKILLed at each of its steps (BT_GC_KILL_AT=N, a crash point the
 * library raises for tests): whatever it left, a second gc, and
 * separately verify --repair, leave a store that verifies clean with
 * every run exactly once. */
static void test_gc_killed_at_every_step(void **state)
{
	(void)state;
	int step;
	for (step = 1; step < 200; step++) {
		void *vf = NULL;
		assert_int_equal(setup(&vf), 0);
		struct bt_test_store *f = vf;
		char what[64];
		snprintf(what, sizeof what, "killed at step %d", step);
		fflush(NULL);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			char v[16];
			snprintf(v, sizeof v, "%d", step);
			setenv("BT_GC_KILL_AT", v, 1);
			struct bt_gc_opts o = { .keep_days = 30, .now = NOW };
			_exit(bt_store_gc(f->st, &o, NULL, NULL, NULL, NULL) ? 1 : 0);
		}
		int ws;
		assert_int_equal(waitpid(pid, &ws, 0), pid);
		if (WIFEXITED(ws)) {
			/* past the last step: gc finished */
			assert_int_equal(WEXITSTATUS(ws), 0);
			assert_verify_clean(f, "a gc that was not killed");
			bt_test_store_teardown(&vf);
			break;
		}
		assert_true(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL);
		/* a copy of the store as the kill left it, for verify --repair */
		char *t = sh("cp -a '%s' '%s.copy' && echo ok", f->dir, f->dir);
		assert_string_equal(t, "ok\n");
		free(t);

		/* a second gc finishes the work */
		struct bt_test_notes n;
		memset(&n, 0, sizeof n);
		struct bt_gc_opts o = { .keep_days = 30, .now = NOW };
		struct bt_strbuf err = BT_STRBUF_INIT;
		size_t count = 0;
		if (bt_store_gc(f->st, &o, bt_test_on_note, &n, &count, &err))
			fail_msg("%s: second gc: %s", what, bt_strbuf_str(&err));
		assert_verify_clean(f, what);
		assert_each_run_once(f, what);
		check_archive(f, ID_A, "archive/2026-08.tar.gz");
		check_archive(f, ID_C, "archive/2026-08.tar.gz");
		check_archive(f, ID_D, "archive/2026-09.tar.gz");
		check_archive(f, ID_B, "");
		check_archive(f, ID_E, "");

		/* and so does verify --repair, on the copy */
		struct bt_test_store g = *f;
		assert_true(snprintf(g.dir, sizeof g.dir, "%s.copy", f->dir) <
			    (int)sizeof g.dir);
		assert_int_equal(bt_store_open(&g.st, g.dir, 0, &err), 0);
		size_t problems = 0;
		memset(&n, 0, sizeof n);
		if (bt_store_verify(g.st, 1, bt_test_on_note, &n, &problems, &err))
			fail_msg("%s: verify --repair: %s\n%s", what, bt_strbuf_str(&err),
				 n.log);
		assert_verify_clean(&g, what);
		assert_each_run_once(&g, what);
		bt_store_close(g.st);
		bt_strbuf_release(&err);
		t = sh("rm -rf '%s.copy' && echo ok", f->dir);
		assert_string_equal(t, "ok\n");
		free(t);
		bt_test_store_teardown(&vf);
	}
	/* gc has crash points in every phase: archive, index, latest, links,
	 * directories, for both months */
	assert_true(step > 10);
}

/* A run directory that is a link out of the store, and a run.json that
 * is one, are never archived: gc skips them with a note naming the link;
 * the outside files are left alone. */
static void test_gc_refuses_links(void **state)
{
	struct bt_test_store *f = *state;
	char *t = sh("cd '%s' && mkdir -p ../outside && "
		     "mv by-type/attention/" DIR_A " ../outside/ && "
		     "ln -s \"$(cd ../outside && pwd)/" DIR_A "\" by-type/attention/" DIR_A " && "
		     "cp by-type/gemm/" DIR_C "/run.json ../outside/c.json && "
		     "rm by-type/gemm/" DIR_C "/run.json && "
		     "ln -s \"$(cd ../outside && pwd)/c.json\" by-type/gemm/" DIR_C "/run.json && "
		     "echo ok", f->dir);
	assert_string_equal(t, "ok\n");
	free(t);
	struct bt_test_notes n;
	/* a dry run lists what the real gc moves, and skips what it skips */
	memset(&n, 0, sizeof n);
	assert_int_equal(gc(f, NOW, 30, 1, &n), 1); /* D alone */
	assert_int_equal(count_str(n.log, "a symbolic link"), 2);
	assert_int_equal(count_str(n.log, "archive "), 1);
	memset(&n, 0, sizeof n);
	assert_int_equal(gc(f, NOW, 30, 0, &n), 1); /* D alone */
	assert_non_null(strstr(n.log, "skip"));
	assert_int_equal(count_str(n.log, "a symbolic link"), 2);
	assert_non_null(strstr(n.log, DIR_A));
	assert_non_null(strstr(n.log, DIR_C "/run.json"));
	assert_false(bt_test_exists(fpath(f, "archive/2026-08.tar.gz")));
	t = tar_list(f, "2026-09");
	assert_string_equal(t, DIR_D "/run.json\n");
	free(t);
	/* the links and what they point at are still there */
	assert_true(bt_test_exists(fpath(f, "by-type/attention/" DIR_A)));
	assert_true(bt_test_exists(fpath(f, "../outside/" DIR_A "/run.json")));
	assert_true(bt_test_exists(fpath(f, "../outside/c.json")));
	check_archive(f, ID_A, "");
	check_archive(f, ID_C, "");
	/* and a stored run is not read through them */
	bt_test_load_fails(f->st, ID_C, BT_EIO, "symbolic link");
	bt_test_load_fails(f->st, "a1a1a1a1", BT_EIO, DIR_A ": a symbolic link");
	t = sh("rm -rf '%s/../outside' && echo ok", f->dir);
	assert_string_equal(t, "ok\n");
	free(t);
}

/* A tags file that is a link is skipped with that reason; the temporary
 * files of dead writers (README.md, latest/) go with the next gc. */
static void test_gc_tags_link_and_leftovers(void **state)
{
	struct bt_test_store *f = *state;
	char *t = sh("cd '%s' && echo milestone > ../tags-outside && "
		     "ln -s \"$(cd .. && pwd)/tags-outside\" by-type/attention/" DIR_A "/tags && "
		     "echo junk > README.md.tmp.999999999 && "
		     "echo junk > latest/attention.json.tmp.999999998 && echo ok", f->dir);
	assert_string_equal(t, "ok\n");
	free(t);
	struct bt_test_notes n;
	memset(&n, 0, sizeof n);
	assert_int_equal(gc(f, NOW, 30, 0, &n), 2); /* C and D */
	assert_non_null(strstr(n.log, DIR_A "/tags: a symbolic link"));
	assert_null(strstr(n.log, "cannot be read"));
	assert_false(bt_test_exists(fpath(f, "README.md.tmp.999999999")));
	assert_false(bt_test_exists(fpath(f, "latest/attention.json.tmp.999999998")));
	assert_true(bt_test_exists(fpath(f, "README.md")));
	t = sh("rm -f '%s/../tags-outside' && echo ok", f->dir);
	assert_string_equal(t, "ok\n");
	free(t);
}

/* A run both in its directory and in an archive (a gc killed after the
 * index named the archive): the next gc removes the directory (it said
 * "archived 0 runs" before), reindex counts the run once meanwhile. */
static void test_gc_finishes_run_in_both_places(void **state)
{
	struct bt_test_store *f = *state;
	assert_int_equal(gc(f, NOW, 30, 0, NULL), 3);
	/* put A's directory back, as gc left it before removing it */
	char *t = sh("cd '%s' && tar -xzf archive/2026-08.tar.gz -C by-type/attention "
		     DIR_A "/run.json && echo ok", f->dir);
	assert_string_equal(t, "ok\n");
	free(t);
	size_t runs = 0;
	struct bt_strbuf err = BT_STRBUF_INIT;
	assert_int_equal(bt_store_reindex(f->st, &runs, NULL, &err), 0);
	assert_int_equal(runs, 5);
	check_archive(f, ID_A, "archive/2026-08.tar.gz");
	struct bt_test_notes n;
	memset(&n, 0, sizeof n);
	assert_int_equal(gc(f, NOW, 30, 0, &n), 1);
	assert_non_null(strstr(n.log, "finished"));
	assert_non_null(strstr(n.log, DIR_A));
	assert_false(bt_test_exists(fpath(f, "by-type/attention/" DIR_A)));
	t = tar_list(f, "2026-08");
	assert_int_equal(count_str(t, DIR_A "/run.json"), 1);
	free(t);
	assert_verify_clean(f, "after the second gc");
	assert_each_run_once(f, "after the second gc");

	/* what an older gc, removing files one by one, could leave: a run
	 * directory holding only its tags file */
	t = sh("cd '%s' && tar -xzf archive/2026-08.tar.gz -C by-type/gemm "
	       DIR_C "/tags && echo ok", f->dir);
	assert_string_equal(t, "ok\n");
	free(t);
	memset(&n, 0, sizeof n);
	assert_int_equal(gc(f, NOW, 30, 0, &n), 1);
	assert_non_null(strstr(n.log, "finished"));
	assert_false(bt_test_exists(fpath(f, "by-type/gemm/" DIR_C)));
	assert_verify_clean(f, "after a partly removed directory");
	assert_each_run_once(f, "after a partly removed directory");

	/* copies that differ (a tag added to the directory since): the
	 * directory is the record, the copy leaves the archive */
	t = sh("cd '%s' && tar -xzf archive/2026-08.tar.gz -C by-type/gemm "
	       DIR_C "/run.json " DIR_C "/tags && printf 'nightly\\nextra\\n' > "
	       "by-type/gemm/" DIR_C "/tags && echo ok", f->dir);
	assert_string_equal(t, "ok\n");
	free(t);
	memset(&n, 0, sizeof n);
	assert_int_equal(gc(f, "2026-09-15T00:00:00Z", 30, 0, &n), 0);
	assert_non_null(strstr(n.log, "kept"));
	t = tar_list(f, "2026-08");
	assert_string_equal(t, DIR_A "/run.json\n");
	free(t);
	check_archive(f, ID_C, "");
	struct bt_store_list l;
	query_all(f, &l, 1);
	assert_int_equal(entry(&l, ID_C)->n_tags, 2);
	bt_store_list_release(&l);
	assert_verify_clean(f, "after keeping the directory");
	assert_each_run_once(f, "after keeping the directory");
	bt_strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		BT_STORE_TEST(test_gc_archives_old_runs),
		BT_STORE_TEST(test_gc_dry_run_changes_nothing),
		BT_STORE_TEST(test_gc_twice_appends),
		BT_STORE_TEST(test_restore),
		BT_STORE_TEST(test_gc_after_crash_writes_once),
		BT_STORE_TEST(test_gc_skips_and_refuses),
		BT_STORE_TEST(test_gc_corrupt_archive),
		BT_STORE_TEST(test_reindex_archive_members),
		cmocka_unit_test(test_gc_killed_at_every_step),
		BT_STORE_TEST(test_gc_refuses_links),
		BT_STORE_TEST(test_gc_tags_link_and_leftovers),
		BT_STORE_TEST(test_gc_finishes_run_in_both_places),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
