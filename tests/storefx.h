/* A store in a fresh temporary directory, for the store tests (test_gc,
 * test_verify). Header-only: each test binary is its own program.
 * Include it after cmocka.h. */
#ifndef BT_TEST_STOREFX_H
#define BT_TEST_STOREFX_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "benchtrack.h"
#include "benchtrack/store.h"
#include "helpers.h"
#include "runmaker.h"

struct bt_test_store {
	char root[512];          /* the temporary directory */
	char dir[600];           /* the store: root/store */
	struct bt_store *st;
};

/* Makes $TMPDIR/<name>.XXXXXX and creates the store "store" in it; 0, or
 * -1 with the reason on stderr. */
static inline int bt_test_store_create(struct bt_test_store *s, const char *name)
{
	struct bt_strbuf err = BT_STRBUF_INIT;
	if (bt_test_make_tmpdir(s->root, sizeof s->root, name))
		return -1;
	snprintf(s->dir, sizeof s->dir, "%s/store", s->root);
	int rc = bt_store_open(&s->st, s->dir, BT_STORE_CREATE, &err);
	if (rc)
		fprintf(stderr, "setup: %s\n", bt_strbuf_str(&err));
	bt_strbuf_release(&err);
	return rc ? -1 : 0;
}

/* Adds tag to run id; 0, or -1 with the reason on stderr. */
static inline int bt_test_store_tag(struct bt_test_store *s, const char *id,
				    const char *tag)
{
	struct bt_strbuf err = BT_STRBUF_INIT;
	int rc = bt_store_tag(s->st, id, tag, 1, &err);
	if (rc)
		fprintf(stderr, "setup: %s\n", bt_strbuf_str(&err));
	bt_strbuf_release(&err);
	return rc ? -1 : 0;
}

/* Closes the store and removes the temporary directory; 0 or -1. */
static inline int bt_test_store_remove(struct bt_test_store *s)
{
	bt_store_close(s->st);
	return bt_test_rmtree(s->root) == 0 ? 0 : -1;
}

/* The notes of a store operation (gc, verify): counted, all and by kind,
 * and their log "WHAT PATH: DETAIL\n" (cut when full). */
struct bt_test_notes {
	size_t n_notes, n_archive, n_problem, n_repaired;
	char log[16384];
};

/* The note callback (bt_store_note_fn) for a struct bt_test_notes ud. */
static inline void bt_test_on_note(void *ud, const char *what, const char *path,
				   const char *detail)
{
	struct bt_test_notes *n = ud;
	size_t l = strlen(n->log);
	n->n_notes++;
	n->n_archive += strcmp(what, "archive") == 0;
	n->n_problem += strcmp(what, "problem") == 0;
	n->n_repaired += strcmp(what, "repaired") == 0;
	snprintf(n->log + l, sizeof n->log - l, "%s %s: %s\n", what, path,
		 detail ? detail : "");
}

/* A calloc'd store fixture (bt_test_store_create), or NULL. */
static inline struct bt_test_store *bt_test_store_new(const char *name)
{
	struct bt_test_store *s = calloc(1, sizeof *s);
	if (s && bt_test_store_create(s, name)) {
		free(s);
		s = NULL;
	}
	return s;
}

/* A cmocka teardown for a bt_test_store_new fixture in *state. */
static inline int bt_test_store_teardown(void **state)
{
	struct bt_test_store *s = *state;
	int rc = bt_test_store_remove(s);
	free(s);
	return rc;
}

/* A cmocka test entry for fn with the including file's static setup()
 * and bt_test_store_teardown. */
#define BT_STORE_TEST(fn) \
	cmocka_unit_test_setup_teardown(fn, setup, bt_test_store_teardown)

/* Asserts that loading id from st fails with want and, when needle is not
 * NULL, that the error names it. */
static inline void bt_test_load_fails(struct bt_store *st, const char *id,
				      int want, const char *needle)
{
	struct bt_run run;
	struct bt_strbuf err = BT_STRBUF_INIT;
	bt_run_init(&run);
	assert_int_equal(bt_store_load(st, id, &run, &err), want);
	if (needle)
		assert_non_null(strstr(bt_strbuf_str(&err), needle));
	bt_run_release(&run);
	bt_strbuf_release(&err);
}

/* The path of rel inside the store s (one of 4 rotating buffers). */
static inline const char *bt_test_store_path(const struct bt_test_store *s,
					     const char *rel)
{
	static char buf[4][1024];
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", s->dir, rel);
	return buf[k];
}

/* What the runs a store test puts have in common. */
struct bt_test_run_kind {
	const char *suite, *machine, *fingerprint;
	double duration_s;
	int dirty;          /* 0, 1, -1 unknown */
	int with_samples;   /* as bt_test_add_naive_tiled */
};

/* Puts a run of kind k into st: id, type, timestamp ts, commit (NULL:
 * none; else on branch "main") and the results of
 * bt_test_add_naive_tiled. The test fails when it cannot. */
static inline void bt_test_store_put(struct bt_store *st,
				     const struct bt_test_run_kind *k,
				     const char *id, const char *type,
				     const char *ts, const char *commit)
{
	struct bt_run run;
	struct bt_strbuf err = BT_STRBUF_INIT;
	assert_int_equal(bt_run_init(&run), 0);
	run.run_id = id;
	run.benchmark_type = type;
	run.suite = k->suite;
	run.timestamp = ts;
	run.duration_s = k->duration_s;
	run.git.commit = commit;
	run.git.branch = commit ? "main" : NULL;
	run.git.dirty = k->dirty;
	run.machine.name = k->machine;
	run.machine.fingerprint = k->fingerprint;
	assert_int_equal(bt_test_add_naive_tiled(&run, k->with_samples), 0);
	if (bt_store_put(st, &run, NULL, &err))
		fail_msg("put %s: %s", id, bt_strbuf_str(&err));
	bt_run_release(&run);
	bt_strbuf_release(&err);
}

/* 1 when path exists (a link counts, whatever it points to). */
static inline int bt_test_exists(const char *path)
{
	struct stat s;
	return lstat(path, &s) == 0;
}

#endif
