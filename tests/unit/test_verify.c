/* Unit tests of bt_store_verify (lib/store/verify.c): a clean store
 * verifies clean; each kind of damage is reported with its path, fixed by
 * repair (broken runs quarantined, never deleted), and a second verify is
 * clean. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "benchtrack.h"
#include "benchtrack/store.h"
#include "helpers.h"
#include "runmaker.h"
#include "storefx.h"
#include "store/storeint.h"

#define ID_A "a1a1a1a1000000000000000000000001"
#define ID_B "b2b2b2b2000000000000000000000002"
#define ID_C "c3c3c3c3000000000000000000000003"
#define ID_D "d4d4d4d4000000000000000000000004"
#define DIR_A "2026-01-05-1000-UTC-a1a1a1a1"
#define DIR_B "2026-01-06-1130-UTC-b2b2b2b2"
#define DIR_C "2026-01-07-0915-UTC-c3c3c3c3"
#define DIR_D "2026-01-06-1200-UTC-d4d4d4d4"

/* The path of rel inside the store. */
static const char *sp(struct bt_test_store *f, const char *rel)
{
	return bt_test_store_path(f, rel);
}

/* The whole file at path, which must exist (malloc'd). */
static char *read_text(const char *path)
{
	assert_true(bt_test_exists(path));
	char *s = bt_test_slurp(path);
	assert_non_null(s);
	return s;
}

static void put_run(struct bt_store *st, const char *id, const char *type,
		    const char *ts)
{
	static const struct bt_test_run_kind k = { "suite_verify", "verify-host",
		"8899aabbccddeeff", 0.5, -1, 0 };
	bt_test_store_put(st, &k, id, type, ts, NULL);
}

static int setup(void **state)
{
	struct bt_test_store *f = bt_test_store_new("bt_test_verify");
	if (!f)
		return -1;
	put_run(f->st, ID_A, "micro", "2026-01-05T10:00:00Z");
	put_run(f->st, ID_B, "micro", "2026-01-06T11:30:00Z");
	put_run(f->st, ID_C, "micro", "2026-01-07T09:15:00Z");
	put_run(f->st, ID_D, "e2e", "2026-01-06T12:00:00Z");
	*state = f;
	return bt_test_store_tag(f, ID_B, "milestone") ? -1 : 0;
}

/* --- verify with a log of the notes ------------------------------------ */

static size_t verify(struct bt_test_store *f, int repair, struct bt_test_notes *n)
{
	struct bt_strbuf err = BT_STRBUF_INIT;
	size_t problems = 99;
	memset(n, 0, sizeof *n);
	int rc = bt_store_verify(f->st, repair, bt_test_on_note, n, &problems, &err);
	if (rc)
		fail_msg("verify%s: %s\n%s", repair ? " --repair" : "",
			 bt_strbuf_str(&err), n->log);
	bt_strbuf_release(&err);
	return problems;
}

static void assert_clean(struct bt_test_store *f)
{
	struct bt_test_notes n;
	size_t p = verify(f, 0, &n);
	if (p != 0 || n.n_problem != 0)
		fail_msg("expected a clean store, got %zu problems:\n%s", p, n.log);
}

/* A line of the log with that verb whose path ends with (or contains)
 * path_part. */
static void assert_note(const struct bt_test_notes *n, const char *what,
			const char *path_part, const char *detail_part)
{
	char want[1024];
	snprintf(want, sizeof want, "%s ", what);
	for (const char *l = n->log; *l;) {
		const char *e = strchr(l, '\n');
		size_t len = e ? (size_t)(e - l) : strlen(l);
		char line[2048];
		snprintf(line, sizeof line, "%.*s", (int)len, l);
		if (strncmp(line, want, strlen(want)) == 0 && strstr(line, path_part) &&
		    (!detail_part || strstr(line, detail_part)))
			return;
		l += len + (e != NULL);
	}
	fail_msg("no '%s' note for %s%s%s in:\n%s", what, path_part,
		 detail_part ? " with " : "", detail_part ? detail_part : "", n->log);
}

/* Damage reported (problems > 0, one naming path_part), repaired, then
 * clean. */
static void damage_cycle(struct bt_test_store *f, const char *path_part, const char *detail)
{
	struct bt_test_notes n;
	size_t p = verify(f, 0, &n);
	assert_true(p > 0);
	assert_int_equal(p, n.n_problem);
	assert_note(&n, "problem", path_part, detail);
	/* a check changes nothing: the same again */
	struct bt_test_notes again;
	assert_int_equal(verify(f, 0, &again), p);
	size_t pr = verify(f, 1, &n);
	assert_int_equal(pr, p);
	assert_note(&n, "problem", path_part, detail);
	assert_note(&n, "repaired", path_part, NULL);
	assert_clean(f);
}

static void write_text(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

static void query_ids(struct bt_test_store *f, char *out, size_t cap)
{
	struct bt_store_filter all = { .include_archived = 1 };
	struct bt_store_list l;
	struct bt_strbuf err = BT_STRBUF_INIT;
	int rc = bt_store_query(f->st, &all, &l, &err);
	if (rc)
		fail_msg("query: %s", bt_strbuf_str(&err));
	out[0] = '\0';
	for (size_t i = 0; i < l.n; i++)
		snprintf(out + strlen(out), cap - strlen(out), "%.8s ", l.items[i].run_id);
	bt_store_list_release(&l);
	bt_strbuf_release(&err);
}

/* --- tests --------------------------------------------------------------- */

static void test_clean_store(void **state)
{
	struct bt_test_store *f = *state;
	assert_clean(f);
	/* repair of a clean store does nothing */
	struct bt_test_notes n;
	assert_int_equal(verify(f, 1, &n), 0);
	assert_int_equal(n.n_repaired, 0);
	/* an empty store is clean too */
	struct bt_store *e;
	char p[700];
	snprintf(p, sizeof p, "%s/empty", f->root);
	assert_int_equal(bt_store_open(&e, p, BT_STORE_CREATE, NULL), 0);
	size_t np = 9;
	assert_int_equal(bt_store_verify(e, 0, NULL, NULL, &np, NULL), 0);
	assert_int_equal(np, 0);
	bt_store_close(e);
	/* repair of a store opened read-only is refused */
	struct bt_store *ro;
	struct bt_strbuf err = BT_STRBUF_INIT;
	assert_int_equal(bt_store_open(&ro, f->dir, BT_STORE_READONLY, NULL), 0);
	assert_int_equal(bt_store_verify(ro, 0, NULL, NULL, &np, NULL), 0);
	assert_int_equal(np, 0);
	assert_int_equal(bt_store_verify(ro, 1, NULL, NULL, &np, &err), BT_EINVAL);
	assert_non_null(strstr(bt_strbuf_str(&err), "read-only"));
	bt_strbuf_release(&err);
	bt_store_close(ro);
}

static void test_missing_link(void **state)
{
	struct bt_test_store *f = *state;
	const char *link = sp(f, "by-date/2026-01/06/micro/" DIR_B);
	assert_int_equal(unlink(link), 0);
	damage_cycle(f, "by-date/2026-01/06/micro/" DIR_B, "missing link");
	char t[512];
	ssize_t n = readlink(link, t, sizeof t - 1);
	assert_true(n > 0);
	t[n] = '\0';
	assert_string_equal(t, "../../../../by-type/micro/" DIR_B);
}

static void test_dangling_link(void **state)
{
	struct bt_test_store *f = *state;
	const char *link = sp(f, "by-date/2026-01/05/micro/2026-01-05-0800-UTC-deadbeef");
	assert_int_equal(symlink("../../../../by-type/micro/2026-01-05-0800-UTC-deadbeef",
				 link), 0);
	damage_cycle(f, "2026-01-05-0800-UTC-deadbeef", "dangling");
	assert_false(bt_test_exists(link));
	/* a link that lost its run: the run directory was removed by hand */
	char cmd[1200];
	snprintf(cmd, sizeof cmd, "mv '%s' '%s/moved-away'", sp(f, "by-type/e2e/" DIR_D),
		 f->root);
	assert_int_equal(system(cmd), 0);
	struct bt_test_notes n;
	assert_true(verify(f, 0, &n) >= 2);
	assert_note(&n, "problem", "by-date/2026-01/06/e2e/" DIR_D, "dangling");
	assert_note(&n, "problem", "index.db", ID_D);
	assert_note(&n, "problem", "latest/e2e.json", NULL);
	verify(f, 1, &n);
	assert_clean(f);
	assert_false(bt_test_exists(sp(f, "latest/e2e.json")));
}

static void test_latest_older(void **state)
{
	struct bt_test_store *f = *state;
	const char *latest = sp(f, "latest/micro.json");
	char t[512];
	ssize_t n = readlink(latest, t, sizeof t - 1);
	assert_true(n > 0);
	t[n] = '\0';
	assert_string_equal(t, "../by-type/micro/" DIR_C "/run.json");
	assert_int_equal(unlink(latest), 0);
	assert_int_equal(symlink("../by-type/micro/" DIR_A "/run.json", latest), 0);
	damage_cycle(f, "latest/micro.json", DIR_C);
	n = readlink(latest, t, sizeof t - 1);
	assert_true(n > 0);
	t[n] = '\0';
	assert_string_equal(t, "../by-type/micro/" DIR_C "/run.json");
	/* missing altogether, and one for a type that has no run */
	assert_int_equal(unlink(latest), 0);
	assert_int_equal(symlink("../by-type/gone/x/run.json", sp(f, "latest/gone.json")), 0);
	struct bt_test_notes nt;
	assert_int_equal(verify(f, 0, &nt), 2);
	assert_note(&nt, "problem", "latest/micro.json", "missing");
	assert_note(&nt, "problem", "latest/gone.json", "no run of type gone");
	verify(f, 1, &nt);
	assert_clean(f);
	assert_true(bt_test_exists(latest));
	assert_false(bt_test_exists(sp(f, "latest/gone.json")));
}

static void test_readme_edited(void **state)
{
	struct bt_test_store *f = *state;
	const char *readme = sp(f, "README.md");
	char *orig = read_text(readme);
	assert_non_null(strstr(orig, "a1a1a1a1"));
	write_text(readme, "# my notes\n");
	damage_cycle(f, "README.md", NULL);
	char *now = read_text(readme);
	assert_string_equal(now, orig);
	free(now);
	free(orig);
	/* and missing */
	assert_int_equal(unlink(readme), 0);
	damage_cycle(f, "README.md", "missing");
	assert_true(bt_test_exists(readme));
}

/* README.md is checked against a rendering of the index made in memory:
 * verify needs no temporary directory (TMPDIR names none), writes
 * nothing there, and still finds a README edited by hand. The rendering
 * is the text bt_store_write_readme wrote. */
static void test_readme_rendered_in_memory(void **state)
{
	struct bt_test_store *f = *state;
	char nowhere[700], *readme_text = NULL;
	const char *old = getenv("TMPDIR");
	char *saved = old ? strdup(old) : NULL;
	struct bt_test_notes clean, edited;
	snprintf(nowhere, sizeof nowhere, "%s/no-such-dir", f->root);
	assert_int_equal(setenv("TMPDIR", nowhere, 1), 0);
	size_t p_clean = verify(f, 0, &clean);
	write_text(sp(f, "README.md"), "# my notes\n");
	size_t p_edited = verify(f, 0, &edited);
	if (saved)
		setenv("TMPDIR", saved, 1);
	else
		unsetenv("TMPDIR");
	free(saved);
	if (p_clean != 0)
		fail_msg("expected a clean store without TMPDIR, got:\n%s", clean.log);
	assert_int_equal(p_edited, 1);
	assert_note(&edited, "problem", "README.md", "not what the index gives");
	assert_false(bt_test_exists(nowhere));

	/* the renderer gives what the writer writes, from the index's runs */
	struct bt_strbuf err = BT_STRBUF_INIT, text = BT_STRBUF_INIT;
	assert_int_equal(bt_store_write_readme(f->st, &err), 0);
	struct bt_store_filter all = { .include_archived = 1 };
	struct bt_store_list l;
	assert_int_equal(bt_store_query(f->st, &all, &l, &err), 0);
	assert_int_equal(bt__store_readme_render(&l, &text), 0);
	bt_store_list_release(&l);
	readme_text = read_text(sp(f, "README.md"));
	assert_int_equal(strlen(readme_text), text.len);
	assert_string_equal(readme_text, bt_strbuf_str(&text));
	assert_non_null(strstr(readme_text, "4 runs (0 archived, 1 milestone)"));
	free(readme_text);
	/* no runs: the headings and the count */
	memset(&l, 0, sizeof l);
	bt_strbuf_reset(&text);
	assert_int_equal(bt__store_readme_render(&l, &text), 0);
	assert_non_null(strstr(bt_strbuf_str(&text), "# Benchmark results\n"));
	assert_non_null(strstr(bt_strbuf_str(&text), "\n0 runs (0 archived, 0 milestones)."));
	assert_null(strstr(bt_strbuf_str(&text), "## Milestones"));
	bt_strbuf_release(&text);
	bt_strbuf_release(&err);
}

static void test_index_garbage(void **state)
{
	struct bt_test_store *f = *state;
	const char *idx = sp(f, "index.db");
	char junk[8192];
	memset(junk, 'x', sizeof junk - 1);
	junk[sizeof junk - 1] = '\0';
	write_text(idx, junk);
	unlink(sp(f, "index.db-wal"));
	unlink(sp(f, "index.db-shm"));
	damage_cycle(f, "index.db", NULL);
	char ids[512];
	query_ids(f, ids, sizeof ids);
	assert_string_equal(ids, "c3c3c3c3 d4d4d4d4 b2b2b2b2 a1a1a1a1 ");
	/* a missing index */
	assert_int_equal(unlink(idx), 0);
	damage_cycle(f, "index.db", "missing");
	query_ids(f, ids, sizeof ids);
	assert_string_equal(ids, "c3c3c3c3 d4d4d4d4 b2b2b2b2 a1a1a1a1 ");
}

static void sql(struct bt_test_store *f, const char *stmt)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(sp(f, "index.db"), &db), SQLITE_OK);
	char *msg = NULL;
	if (sqlite3_exec(db, stmt, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", stmt, msg ? msg : "?");
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static void test_index_out_of_date(void **state)
{
	struct bt_test_store *f = *state;
	char ids[512];
	/* a run only the files know */
	sql(f, "PRAGMA foreign_keys=ON; DELETE FROM runs WHERE run_id = '" ID_B "'");
	query_ids(f, ids, sizeof ids);
	assert_string_equal(ids, "c3c3c3c3 d4d4d4d4 a1a1a1a1 ");
	damage_cycle(f, "index.db", ID_B);
	query_ids(f, ids, sizeof ids);
	assert_string_equal(ids, "c3c3c3c3 d4d4d4d4 b2b2b2b2 a1a1a1a1 ");
	/* a location that is wrong */
	sql(f, "UPDATE runs SET path = 'by-type/micro/elsewhere/run.json' WHERE run_id = '"
	       ID_A "'");
	damage_cycle(f, "index.db", ID_A);
	/* tags the files do not have */
	write_text(sp(f, "by-type/micro/" DIR_A "/tags"), "nightly\n");
	damage_cycle(f, "index.db", "nightly");
}

static void test_truncated_run(void **state)
{
	struct bt_test_store *f = *state;
	const char *file = sp(f, "by-type/micro/" DIR_C "/run.json");
	assert_int_equal(truncate(file, 100), 0);
	struct bt_test_notes n;
	size_t p = verify(f, 0, &n);
	assert_true(p >= 1);
	assert_note(&n, "problem", "by-type/micro/" DIR_C "/run.json", NULL);
	/* the note names the file once: its detail is the reason alone */
	const char *line = strstr(n.log, DIR_C "/run.json: ");
	assert_non_null(line);
	const char *eol = strchr(line, '\n');
	const char *again = strstr(line + 1, DIR_C);
	assert_true(!again || (eol && again > eol));
	assert_non_null(strstr(line, "run.json: line "));
	/* the newest micro run is broken: latest goes back to the one before */
	assert_note(&n, "problem", "latest/micro.json", DIR_B);
	assert_int_equal(verify(f, 1, &n), p);
	assert_note(&n, "repaired", "by-type/micro/" DIR_C, "quarantine/" DIR_C);
	assert_clean(f);
	/* quarantined, never deleted */
	struct stat s;
	assert_int_equal(stat(sp(f, "quarantine/" DIR_C "/run.json"), &s), 0);
	assert_int_equal(s.st_size, 100);
	assert_false(bt_test_exists(sp(f, "by-type/micro/" DIR_C)));
	assert_false(bt_test_exists(sp(f, "by-date/2026-01/07/micro/" DIR_C)));
	char ids[512];
	query_ids(f, ids, sizeof ids);
	assert_string_equal(ids, "d4d4d4d4 b2b2b2b2 a1a1a1a1 ");
	/* the same name again goes next to it */
	put_run(f->st, ID_C, "micro", "2026-01-07T09:15:00Z");
	assert_int_equal(truncate(file, 0), 0);
	verify(f, 1, &n);
	assert_note(&n, "repaired", "by-type/micro/" DIR_C, "quarantine/" DIR_C ".1");
	assert_clean(f);
}

static void test_tmp_leftover(void **state)
{
	struct bt_test_store *f = *state;
	/* a pid that is gone: a child that has exited and been reaped */
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	char rel[256];
	snprintf(rel, sizeof rel, ".tmp/e5e5e5e5000000000000000000000005.%ld", (long)pid);
	assert_int_equal(mkdir(sp(f, ".tmp"), 0755) == 0 || errno == EEXIST, 1);
	assert_int_equal(mkdir(sp(f, rel), 0755), 0);
	char file[300];
	snprintf(file, sizeof file, "%s/run.json", rel);
	write_text(sp(f, file), "{\"schema\": \"benchtrack.run/1\", \"run_id\": \"e5");
	damage_cycle(f, rel, "interrupted");
	assert_false(bt_test_exists(sp(f, rel)));
	/* a writer that is alive is left alone */
	snprintf(rel, sizeof rel, ".tmp/e5e5e5e5000000000000000000000005.%ld",
		 (long)getpid());
	assert_int_equal(mkdir(sp(f, rel), 0755), 0);
	assert_clean(f);
	struct bt_test_notes n;
	assert_int_equal(verify(f, 1, &n), 0);
	assert_true(bt_test_exists(sp(f, rel)));
	/* temporary files of an interrupted atomic write */
	snprintf(rel, sizeof rel, "README.md.tmp.%ld", (long)pid);
	write_text(sp(f, rel), "# Bench");
	damage_cycle(f, rel, "interrupted");
	assert_false(bt_test_exists(sp(f, rel)));
}

static void test_misplaced_run(void **state)
{
	struct bt_test_store *f = *state;
	/* renamed by hand: it goes back where its timestamp and id say */
	assert_int_equal(rename(sp(f, "by-type/micro/" DIR_A), sp(f, "by-type/micro/old-run")), 0);
	struct bt_test_notes n;
	size_t p = verify(f, 0, &n);
	assert_note(&n, "problem", "by-type/micro/old-run", "belongs at by-type/micro/" DIR_A);
	assert_int_equal(verify(f, 1, &n), p);
	assert_note(&n, "repaired", "by-type/micro/old-run", "moved to by-type/micro/" DIR_A);
	assert_clean(f);
	assert_true(bt_test_exists(sp(f, "by-type/micro/" DIR_A "/run.json")));
	/* in the wrong type directory */
	assert_int_equal(mkdir(sp(f, "by-type/other"), 0755), 0);
	assert_int_equal(rename(sp(f, "by-type/e2e/" DIR_D), sp(f, "by-type/other/" DIR_D)), 0);
	damage_cycle(f, "by-type/other/" DIR_D, "type e2e");
	assert_true(bt_test_exists(sp(f, "by-type/e2e/" DIR_D "/run.json")));
	/* a stray file where runs go is moved aside */
	write_text(sp(f, "by-type/micro/notes.txt"), "hello\n");
	damage_cycle(f, "by-type/micro/notes.txt", "not a run directory");
	assert_true(bt_test_exists(sp(f, "quarantine/notes.txt")));
}

static void test_bad_tags(void **state)
{
	struct bt_test_store *f = *state;
	const char *tags = sp(f, "by-type/micro/" DIR_B "/tags");
	write_text(tags, "milestone\nbad tag!\n");
	struct bt_test_notes n;
	verify(f, 0, &n);
	assert_note(&n, "problem", "by-type/micro/" DIR_B "/tags", "line 2");
	verify(f, 1, &n);
	assert_clean(f);
	char *kept = read_text(tags);
	assert_string_equal(kept, "milestone\n");
	free(kept);
	assert_true(bt_test_exists(sp(f, "quarantine/" DIR_B ".tags")));
}

/* Empty month, day and type directories under by-date/ (what gc left
 * before it removed them): harmless, so no problem, but --repair removes
 * them; directories that still hold a link stay. */
static void test_empty_date_dirs(void **state)
{
	struct bt_test_store *f = *state;
	char cmd[2048];
	snprintf(cmd, sizeof cmd, "mkdir -p '%s' '%s' '%s'",
		 sp(f, "by-date/2025-12/31/micro"), sp(f, "by-date/2026-01/09"),
		 sp(f, "by-date/2026-01/05/gpu"));
	assert_int_equal(system(cmd), 0);
	assert_clean(f);
	struct bt_test_notes n;
	assert_int_equal(verify(f, 1, &n), 0);
	assert_note(&n, "repaired", "by-date/2025-12/31/micro", "empty directory");
	assert_note(&n, "repaired", "by-date/2025-12", "empty directory");
	assert_note(&n, "repaired", "by-date/2026-01/09", "empty directory");
	assert_note(&n, "repaired", "by-date/2026-01/05/gpu", "empty directory");
	assert_false(bt_test_exists(sp(f, "by-date/2025-12")));
	assert_false(bt_test_exists(sp(f, "by-date/2026-01/09")));
	assert_false(bt_test_exists(sp(f, "by-date/2026-01/05/gpu")));
	assert_true(bt_test_exists(sp(f, "by-date/2026-01/05/micro")));
	assert_true(bt_test_exists(sp(f, "by-date")));
	assert_clean(f);
	/* nothing more to do */
	assert_int_equal(verify(f, 1, &n), 0);
	assert_int_equal(n.n_repaired, 0);
}

/* A tags file that cannot be read (here a directory) stops bt_store_tag
 * with its path in the message, not a bare "I/O error"; reindex leaves
 * that run out, indexes the others and then fails naming it. */
static void test_unreadable_tags(void **state)
{
	struct bt_test_store *f = *state;
	const char *tags = sp(f, "by-type/micro/" DIR_B "/tags");
	char cmd[1400];
	snprintf(cmd, sizeof cmd, "rm -f '%s' && mkdir '%s'", tags, tags);
	assert_int_equal(system(cmd), 0);
	struct bt_strbuf err = BT_STRBUF_INIT;
	size_t runs, results;
	assert_int_equal(bt_store_tag(f->st, ID_B, "nightly", 1, &err), BT_EIO);
	assert_non_null(strstr(bt_strbuf_str(&err), tags));
	bt_strbuf_reset(&err);
	assert_int_equal(bt_store_reindex(f->st, &runs, &results, &err), BT_EIO);
	assert_non_null(strstr(bt_strbuf_str(&err), tags));
	assert_non_null(strstr(bt_strbuf_str(&err), "1 run file could not be read"));
	assert_int_equal(runs, 3);
	bt_strbuf_release(&err);
	assert_int_equal(rmdir(tags), 0);
}

static void test_archived_runs(void **state)
{
	struct bt_test_store *f = *state;
	struct bt_gc_opts o = { .keep_days = 30, .now = "2026-03-01T00:00:00Z" };
	size_t n_arch = 0;
	struct bt_strbuf err = BT_STRBUF_INIT;
	if (bt_store_gc(f->st, &o, NULL, NULL, &n_arch, &err))
		fail_msg("gc: %s", bt_strbuf_str(&err));
	bt_strbuf_release(&err);
	assert_int_equal(n_arch, 3); /* all but the milestone */
	assert_clean(f);
	/* the index forgets an archived run: the archive is read to find it */
	sql(f, "PRAGMA foreign_keys=ON; DELETE FROM runs WHERE run_id = '" ID_A "'");
	damage_cycle(f, "index.db", ID_A);
	char ids[512];
	query_ids(f, ids, sizeof ids);
	assert_string_equal(ids, "c3c3c3c3 d4d4d4d4 b2b2b2b2 a1a1a1a1 ");
}

/* A run.json, a tags file or a run directory that is a symbolic link
 * (out of the store) is reported, never read through: the repair moves
 * the link to quarantine/ and leaves what it points at alone. */
static void test_symlinks(void **state)
{
	struct bt_test_store *f = *state;
	char cmd[3000];
	snprintf(cmd, sizeof cmd, "cd '%s' && mkdir outside && "
		 "cp store/by-type/micro/" DIR_A "/run.json outside/a.json && "
		 "rm store/by-type/micro/" DIR_A "/run.json && "
		 "ln -s \"$PWD/outside/a.json\" store/by-type/micro/" DIR_A "/run.json && "
		 "printf 'milestone\\n' > outside/tags && "
		 "ln -s \"$PWD/outside/tags\" store/by-type/e2e/" DIR_D "/tags", f->root);
	assert_int_equal(system(cmd), 0);
	struct bt_test_notes n;
	size_t p = verify(f, 0, &n);
	assert_true(p >= 2);
	assert_note(&n, "problem", "by-type/micro/" DIR_A "/run.json", "symbolic link");
	assert_note(&n, "problem", "by-type/e2e/" DIR_D "/tags", "symbolic link");
	/* not read through the link */
	bt_test_load_fails(f->st, ID_A, BT_EIO, DIR_A "/run.json: a symbolic link");
	bt_test_load_fails(f->st, "by-type/micro/" DIR_A, BT_EIO, NULL);
	verify(f, 1, &n);
	assert_note(&n, "repaired", "by-type/micro/" DIR_A, "quarantine/");
	assert_clean(f);
	char ids[512];
	query_ids(f, ids, sizeof ids);
	assert_string_equal(ids, "c3c3c3c3 d4d4d4d4 b2b2b2b2 ");
	/* the outside files are untouched; D is not a milestone */
	char path[1024];
	snprintf(path, sizeof path, "%s/outside/a.json", f->root);
	assert_true(bt_test_exists(path));
	struct bt_store_filter ms = { .tag = "milestone" };
	struct bt_store_list l;
	assert_int_equal(bt_store_query(f->st, &ms, &l, NULL), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.items[0].run_id, ID_B);
	bt_store_list_release(&l);

	/* a run directory that is a link */
	snprintf(cmd, sizeof cmd, "cd '%s' && mv store/by-type/micro/" DIR_C " outside/ && "
		 "ln -s \"$PWD/outside/" DIR_C "\" store/by-type/micro/" DIR_C, f->root);
	assert_int_equal(system(cmd), 0);
	verify(f, 0, &n);
	assert_note(&n, "problem", "by-type/micro/" DIR_C, "a symbolic link (to ");
	verify(f, 1, &n);
	assert_clean(f);
	snprintf(path, sizeof path, "%s/outside/" DIR_C "/run.json", f->root);
	assert_true(bt_test_exists(path));
}

/* What the notify hook heard. */
struct heard {
	int n;
	char what[64], path[1024], detail[1024];
};

static void on_notify(void *ud, const char *what, const char *path,
		      const char *detail)
{
	struct heard *h = ud;
	h->n++;
	snprintf(h->what, sizeof h->what, "%s", what);
	snprintf(h->path, sizeof h->path, "%s", path);
	snprintf(h->detail, sizeof h->detail, "%s", detail ? detail : "");
}

/* A store without index.db (kept in git without *.db, copied) is not
 * empty: opening it rebuilds the index from the files and says so;
 * BT_STORE_NO_REBUILD leaves it to verify and reindex. A path that is a
 * file is not a store. */
static void test_missing_index_rebuilt_on_open(void **state)
{
	struct bt_test_store *f = *state;
	struct heard h;
	memset(&h, 0, sizeof h);
	bt_store_set_notify(on_notify, &h);
	unlink(sp(f, "index.db"));
	unlink(sp(f, "index.db-wal"));
	unlink(sp(f, "index.db-shm"));
	struct bt_store *st;
	struct bt_strbuf err = BT_STRBUF_INIT;
	/* left alone when asked */
	assert_int_equal(bt_store_open(&st, f->dir, BT_STORE_READONLY |
				       BT_STORE_NO_REBUILD, &err), 0);
	assert_int_equal(h.n, 0);
	assert_false(bt_test_exists(sp(f, "index.db")));
	bt_store_close(st);
	/* rebuilt, also for a reader */
	assert_int_equal(bt_store_open(&st, f->dir, BT_STORE_READONLY, &err), 0);
	assert_int_equal(h.n, 1);
	assert_string_equal(h.what, "rebuilt");
	assert_string_equal(h.path, sp(f, "index.db"));
	assert_string_equal(h.detail, "missing: rebuilt from 4 runs");
	struct bt_store_filter all = { 0 };
	struct bt_store_list l;
	assert_int_equal(bt_store_query(st, &all, &l, &err), 0);
	assert_int_equal(l.n, 4);
	bt_store_list_release(&l);
	bt_store_close(st);
	/* once: the next open finds it */
	assert_int_equal(bt_store_open(&st, f->dir, BT_STORE_READONLY, &err), 0);
	assert_int_equal(h.n, 1);
	bt_store_close(st);
	assert_clean(f);
	/* an empty store has nothing to rebuild from */
	char p[700];
	snprintf(p, sizeof p, "%s/empty", f->root);
	assert_int_equal(bt_store_open(&st, p, BT_STORE_CREATE, &err), 0);
	bt_store_close(st);
	assert_int_equal(bt_store_open(&st, p, BT_STORE_READONLY, &err), 0);
	assert_int_equal(h.n, 1);
	bt_store_close(st);
	/* a file is not a store */
	assert_int_equal(bt_store_open(&st, sp(f, "README.md"), BT_STORE_READONLY, &err),
			 BT_EINVAL);
	assert_null(st);
	assert_non_null(strstr(bt_strbuf_str(&err), "README.md: not a directory"));
	assert_int_equal(bt_store_open(&st, sp(f, "README.md"), BT_STORE_CREATE, &err),
			 BT_EINVAL);
	assert_non_null(strstr(bt_strbuf_str(&err), "not a directory"));
	bt_store_set_notify(NULL, NULL);
	bt_strbuf_release(&err);
}

/* reindex indexes every run it can read: a truncated run.json is named
 * (through the note and in the error) and left out, the rest indexed. */
static void test_reindex_skips_unreadable(void **state)
{
	struct bt_test_store *f = *state;
	assert_int_equal(truncate(sp(f, "by-type/micro/" DIR_B "/run.json"), 100), 0);
	struct bt_test_notes n;
	memset(&n, 0, sizeof n);
	struct bt_strbuf err = BT_STRBUF_INIT;
	size_t runs = 0, results = 0, bad = 0;
	int rc = bt_store_reindex_notes(f->st, bt_test_on_note, &n, &runs, &results, &bad, &err);
	assert_int_equal(rc, BT_EPARSE);
	assert_int_equal(runs, 3);
	assert_int_equal(results, 6);
	assert_int_equal(bad, 1);
	assert_non_null(strstr(n.log, "unreadable "));
	assert_non_null(strstr(n.log, DIR_B "/run.json: line "));
	assert_non_null(strstr(bt_strbuf_str(&err), "1 run file could not be read"));
	assert_non_null(strstr(bt_strbuf_str(&err), DIR_B "/run.json"));
	char ids[512];
	query_ids(f, ids, sizeof ids);
	assert_string_equal(ids, "c3c3c3c3 d4d4d4d4 a1a1a1a1 ");
	/* and once verify --repair has quarantined it, reindex is clean */
	verify(f, 1, &n);
	assert_int_equal(bt_store_reindex(f->st, &runs, NULL, &err), 0);
	assert_int_equal(runs, 3);
	bt_strbuf_release(&err);
	assert_clean(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		BT_STORE_TEST(test_clean_store),
		BT_STORE_TEST(test_missing_link),
		BT_STORE_TEST(test_dangling_link),
		BT_STORE_TEST(test_latest_older),
		BT_STORE_TEST(test_readme_edited),
		BT_STORE_TEST(test_readme_rendered_in_memory),
		BT_STORE_TEST(test_index_garbage),
		BT_STORE_TEST(test_index_out_of_date),
		BT_STORE_TEST(test_truncated_run),
		BT_STORE_TEST(test_tmp_leftover),
		BT_STORE_TEST(test_misplaced_run),
		BT_STORE_TEST(test_bad_tags),
		BT_STORE_TEST(test_archived_runs),
		BT_STORE_TEST(test_empty_date_dirs),
		BT_STORE_TEST(test_unreadable_tags),
		BT_STORE_TEST(test_symlinks),
		BT_STORE_TEST(test_missing_index_rebuilt_on_open),
		BT_STORE_TEST(test_reindex_skips_unreadable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
