/* Tests of the shared internal helpers of lib/ (lib/util.c, lib/fsutil.c,
 * the Markdown escaper of lib/report/render.c): the one copy of each that
 * organize, gc, verify, sqlite, the readers and the reports use. Their
 * contracts are in lib/internal.h. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal.h"
#include "result/json_scan.h"
#include "helpers.h"

BT_TEST_TMPDIR_FIXTURE(tmpdir, "bt_test_util")

static const char *tpath(const char *rel)
{
	static char buf[4][512];
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, rel);
	return buf[k];
}

static void put_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* --- dates ---------------------------------------------------------------- */

static void test_days_in_month(void **state)
{
	(void)state;
	assert_int_equal(bt__days_in_month(2024, 2), 29);
	assert_int_equal(bt__days_in_month(2023, 2), 28);
	assert_int_equal(bt__days_in_month(2000, 2), 29);
	assert_int_equal(bt__days_in_month(1900, 2), 28);
	assert_int_equal(bt__days_in_month(2026, 4), 30);
	assert_int_equal(bt__days_in_month(2026, 12), 31);
}

static void test_parse_time(void **state)
{
	time_t t;
	const char *end;
	(void)state;
	/* ISO 8601 in UTC, what the runs and gc's --now say */
	assert_int_equal(bt__parse_time("2026-11-22T00:00:00Z", &t, &end), 0);
	assert_int_equal((long long)t, 1795305600LL);
	assert_string_equal(end, "");
	/* a date alone is midnight UTC; the rest is left to the caller */
	assert_int_equal(bt__parse_time("2026-11-22 rest", &t, &end), 0);
	assert_int_equal((long long)t, 1795305600LL);
	assert_string_equal(end, " rest");
	/* a zone offset is applied; a compact file-name stamp reads */
	assert_int_equal(bt__parse_time("2026-11-22T02:30:00+02:30", &t, &end), 0);
	assert_int_equal((long long)t, 1795305600LL);
	assert_int_equal(bt__parse_time("20240131_142233", &t, &end), 0);
	assert_int_equal((long long)t, 1706710953LL);
	/* dates that do not exist, and years outside 1970..2999: BT_EINVAL,
	 * never -1 (which is BT_ENOMEM) */
	assert_int_equal(bt__parse_time("2026-02-30T00:00:00Z", &t, &end), BT_EINVAL);
	assert_int_equal(bt__parse_time("2026-13-01", &t, &end), BT_EINVAL);
	assert_int_equal(bt__parse_time("1969-12-31", &t, &end), BT_EINVAL);
	assert_int_equal(bt__parse_time("nonsense", &t, &end), BT_EINVAL);
}

static void test_parse_u64_dec(void **state)
{
	uint64_t v = 0;
	(void)state;
	assert_int_equal(bt__parse_u64_dec("18446744073709551615", 20, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(bt__parse_u64_dec("18446744073709551616", 20, &v), BT_EINVAL);
	assert_int_equal(bt__parse_u64_dec("12a", 3, &v), BT_EINVAL);
	assert_int_equal(bt__parse_u64_dec("", 0, &v), BT_EINVAL);
}

/* The fast reader refuses with BT_EPARSE, never -1 (BT_ENOMEM). */
static void test_scan_refusal_code(void **state)
{
	struct bt_run run;
	(void)state;
	assert_int_equal(bt_run_init(&run), 0);
	assert_int_equal(bt__run_scan(&run, "{\"schema\": 1", 13, 0), BT_EPARSE);
	bt_run_release(&run);
}

/* --- hex and series keys -------------------------------------------------- */

static void test_hex_and_series_key(void **state)
{
	(void)state;
	assert_true(bt__is_hex("09afAF", 1, 64));
	assert_false(bt__is_hex("09ag", 1, 64));
	assert_false(bt__is_hex("abc", 4, 64));   /* too short */
	assert_false(bt__is_hex("abcdef", 1, 5)); /* too long */
	assert_false(bt__is_hex("", 1, 64));
	assert_false(bt__is_hex(NULL, 0, 64));
	assert_true(bt__is_series_key("0123456789abcdef"));
	assert_false(bt__is_series_key("0123456789ABCDEF")); /* lowercase only */
	assert_false(bt__is_series_key("0123456789abcde"));
	assert_false(bt__is_series_key("0123456789abcdef0"));
	assert_false(bt__is_series_key(NULL));
}

/* --- the growable vector -------------------------------------------------- */

static void test_vec_reserve(void **state)
{
	int *v = NULL;
	size_t alloc = 0;
	(void)state;
	for (size_t i = 0; i < 1000; i++) {
		assert_int_equal(bt__vec_reserve((void **)&v, &alloc, i + 1, sizeof *v), 0);
		assert_true(alloc >= i + 1);
		v[i] = (int)i;
	}
	for (size_t i = 0; i < 1000; i++)
		assert_int_equal(v[i], (int)i);
	/* an impossible size fails and leaves the vector as it was */
	int *before = v;
	size_t a = alloc;
	assert_int_equal(bt__vec_reserve((void **)&v, &alloc, SIZE_MAX / 2, sizeof *v),
			 BT_ENOMEM);
	assert_ptr_equal(v, before);
	assert_int_equal(alloc, a);
	free(v);
}

/* --- files ---------------------------------------------------------------- */

static void test_mkdir_rm_tree(void **state)
{
	struct bt_strbuf err = BT_STRBUF_INIT;
	struct stat st;
	(void)state;
	assert_int_equal(bt__mkdir_p(tpath("a/b/c"), &err), 0);
	assert_int_equal(bt__mkdir_p_mode(tpath("m/n"), 0700, &err), 0);
	assert_int_equal(stat(tpath("m/n"), &st), 0);
	assert_int_equal(st.st_mode & 0077, 0);
	put_text(tpath("a/b/c/f"), "x");
	assert_int_equal(symlink(tmpdir, tpath("a/b/link")), 0);
	/* a file in the way: BT_EIO naming it */
	assert_int_equal(bt__mkdir_p(tpath("a/b/c/f/g"), &err), BT_EIO);
	assert_non_null(strstr(bt_strbuf_str(&err), "/a/b/c/f"));
	/* the tree goes, the link's target stays; a missing path is fine */
	assert_int_equal(bt__rm_tree(tpath("a"), NULL), 0);
	assert_int_equal(lstat(tpath("a"), &st), -1);
	assert_int_equal(stat(tmpdir, &st), 0);
	assert_int_equal(bt__rm_tree(tpath("a"), NULL), 0);
	assert_int_equal(bt__rm_tree(tpath("m"), NULL), 0);
	bt_strbuf_release(&err);
}

static void test_file_equals(void **state)
{
	(void)state;
	put_text(tpath("eq"), "same bytes");
	assert_true(bt__file_equals(tpath("eq"), "same bytes", 10));
	assert_false(bt__file_equals(tpath("eq"), "same byte", 9));
	assert_false(bt__file_equals(tpath("eq"), "same bytez", 10));
	assert_false(bt__file_equals(tpath("eq"), NULL, 0));
	/* a missing file is the same as no data */
	assert_true(bt__file_equals(tpath("missing"), NULL, 0));
	assert_false(bt__file_equals(tpath("missing"), "x", 1));
	/* never through a link */
	assert_int_equal(symlink(tpath("eq"), tpath("eq-link")), 0);
	assert_false(bt__file_equals(tpath("eq-link"), "same bytes", 10));
	unlink(tpath("eq-link"));
	unlink(tpath("eq"));
}

/* --- Markdown ------------------------------------------------------------- */

static void test_md_escape(void **state)
{
	struct bt_strbuf o = BT_STRBUF_INIT;
	(void)state;
	assert_int_equal(bt__md_escape(&o, "a*b_c|d`e<f>[g]h#i!j&k~l\\m"), 0);
	assert_string_equal(bt_strbuf_str(&o),
			    "a\\*b\\_c\\|d\\`e\\<f\\>\\[g\\]h\\#i\\!j\\&k\\~l\\\\m");
	bt_strbuf_reset(&o);
	assert_int_equal(bt__md_escape(&o, "two\nlines\tand\x7f"), 0);
	assert_string_equal(bt_strbuf_str(&o), "two lines and ");
	bt_strbuf_reset(&o);
	assert_int_equal(bt__md_escape(&o, NULL), 0);
	assert_string_equal(bt_strbuf_str(&o), "");
	bt_strbuf_release(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_days_in_month),
		cmocka_unit_test(test_parse_time),
		cmocka_unit_test(test_parse_u64_dec),
		cmocka_unit_test(test_scan_refusal_code),
		cmocka_unit_test(test_hex_and_series_key),
		cmocka_unit_test(test_vec_reserve),
		cmocka_unit_test(test_mkdir_rm_tree),
		cmocka_unit_test(test_file_equals),
		cmocka_unit_test(test_md_escape),
	};
	return cmocka_run_group_tests(tests, setup_tmpdir, teardown_tmpdir);
}
