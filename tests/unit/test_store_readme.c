/* Unit tests of STORE/README.md (lib/store/readme.c): what a put, a tag, a
 * gc and a reindex write, from bounded queries of the index, is exactly
 * what verify renders from the list of every run; with more runs than the
 * "Most recent runs" table holds, several types (two of them with their
 * newest runs at the same time), milestones and archived runs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "benchtrack.h"
#include "benchtrack/store.h"
#include "helpers.h"
#include "runmaker.h"
#include "storefx.h"
#include "store/storeint.h"

#define N_RUNS 27

static const char *const types[] = { "micro", "e2e", "inference", "training" };

static int setup(void **state)
{
	struct bt_test_store *f = bt_test_store_new("bt_test_store_readme");
	*state = f;
	return f ? 0 : -1;
}

/* Run i: its id, type and time (January and February 2026; runs 25 and
 * 26, of types micro and e2e, share the newest time). */
static void run_of(size_t i, char id[33], const char **type, char ts[32])
{
	snprintf(id, 33, "%08zx%024zx", i * 0x1111u + 0xa0000000u, i);
	*type = types[i < 25 ? i % 4 : i - 25];
	if (i < 25)
		snprintf(ts, 32, "2026-%02zu-%02zuT%02zu:00:00Z", 1 + i / 14,
			 1 + i % 14 * 2, i % 24);
	else
		snprintf(ts, 32, "2026-02-28T23:00:00Z");
}

/* README.md must be what the renderer gives for every run of the index. */
static void assert_readme_full(struct bt_test_store *f, const char *after)
{
	struct bt_strbuf err = BT_STRBUF_INIT, want = BT_STRBUF_INIT;
	struct bt_store_filter all = { .include_archived = 1 };
	struct bt_store_list l;
	assert_int_equal(bt_store_query(f->st, &all, &l, &err), 0);
	assert_int_equal(bt__store_readme_render(&l, &want), 0);
	bt_store_list_release(&l);
	char *have = bt_test_slurp(bt_test_store_path(f, "README.md"));
	assert_non_null(have);
	if (strcmp(have, bt_strbuf_str(&want)) != 0)
		fail_msg("README.md after %s:\n%s\n--- the full rendering:\n%s", after,
			 have, bt_strbuf_str(&want));
	free(have);
	bt_strbuf_release(&want);
	bt_strbuf_release(&err);
}

static void test_readme_bounded_equals_full(void **state)
{
	struct bt_test_store *f = *state;
	static const struct bt_test_run_kind k = { "suite_readme", "readme-host",
		"8899aabbccddeeff", 0.5, -1, 0 };
	char id[33], ts[32], what[64];
	const char *type;
	for (size_t i = 0; i < N_RUNS; i++) {
		run_of(i, id, &type, ts);
		bt_test_store_put(f->st, &k, id, type, ts, NULL);
		snprintf(what, sizeof what, "put %zu", i);
		assert_readme_full(f, what);
		if (i % 9 == 4) {
			assert_int_equal(bt_test_store_tag(f, id, "milestone"), 0);
			assert_readme_full(f, "tag");
		}
	}
	char *text = bt_test_slurp(bt_test_store_path(f, "README.md"));
	assert_non_null(text);
	assert_non_null(strstr(text, "27 runs (0 archived, 3 milestones)"));
	/* the two newest runs share a time: the larger run id first */
	run_of(26, id, &type, ts);
	char row[64];
	snprintf(row, sizeof row, "| e2e | %s | [%.8s]", ts, id);
	char *e2e = strstr(text, row);
	snprintf(row, sizeof row, "| micro | %s | [", ts);
	char *micro = strstr(text, row);
	assert_non_null(e2e);
	assert_non_null(micro);
	assert_true(e2e < micro);
	free(text);

	/* gc archives the January runs but the milestones */
	struct bt_gc_opts o = { .keep_days = 30, .now = "2026-03-01T00:00:00Z" };
	struct bt_strbuf err = BT_STRBUF_INIT;
	size_t n_arch = 0;
	if (bt_store_gc(f->st, &o, NULL, NULL, &n_arch, &err))
		fail_msg("gc: %s", bt_strbuf_str(&err));
	assert_true(n_arch > 0);
	assert_readme_full(f, "gc");
	text = bt_test_slurp(bt_test_store_path(f, "README.md"));
	snprintf(what, sizeof what, "27 runs (%zu archived, 3 milestones)", n_arch);
	assert_non_null(strstr(text, what));
	free(text);

	/* and a reindex writes it the same way */
	size_t runs = 0;
	assert_int_equal(bt_store_reindex(f->st, &runs, NULL, &err), 0);
	assert_int_equal(runs, N_RUNS);
	assert_readme_full(f, "reindex");
	bt_strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		BT_STORE_TEST(test_readme_bounded_equals_full),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
