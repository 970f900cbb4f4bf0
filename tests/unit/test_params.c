/* Unit tests for lib/params.c: spec grammar, presets, canonical values,
 * errors with columns, overrides and combination order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "benchtrack/error.h"
#include "benchtrack/params.h"
#include "benchtrack/strbuf.h"

/* Parses spec, which must succeed. */
static void parse_ok(struct bt_param_space *ps, const char *spec)
{
	struct bt_strbuf err = BT_STRBUF_INIT;
	int rc = bt_param_space_parse(ps, spec, &err);

	if (rc)
		fail_msg("parse \"%s\": %s", spec, bt_strbuf_str(&err));
	bt_strbuf_release(&err);
}

/* Checks that axis k of ps is called name and has the n values given as a
 * comma-joined string. */
static void check_axis(const struct bt_param_space *ps, size_t k,
		       const char *name, const char *joined)
{
	struct bt_strbuf sb = BT_STRBUF_INIT;

	assert_true(k < ps->n_axes);
	assert_string_equal(ps->axes[k].name, name);
	for (size_t i = 0; i < ps->axes[k].n_values; i++) {
		if (i)
			bt_strbuf_addc(&sb, ',');
		bt_strbuf_adds(&sb, ps->axes[k].values[i]);
	}
	assert_string_equal(bt_strbuf_str(&sb), joined);
	bt_strbuf_release(&sb);
}

/* One-axis spec must give exactly joined. */
static void check_values(const char *spec, const char *joined)
{
	struct bt_param_space ps = BT_PARAM_SPACE_INIT;

	parse_ok(&ps, spec);
	assert_int_equal(ps.n_axes, 1);
	check_axis(&ps, 0, ps.axes[0].name, joined);
	bt_param_space_release(&ps);
}

/* spec must fail with code, a message containing the column and want, and
 * leave the space empty. */
static void check_error(const char *spec, int code, int column,
			const char *want)
{
	struct bt_param_space ps = BT_PARAM_SPACE_INIT;
	struct bt_strbuf err = BT_STRBUF_INIT;
	char col[32], quoted[256];
	int rc = bt_param_space_parse(&ps, spec, &err);
	const char *msg = bt_strbuf_str(&err);

	if (rc != code)
		fail_msg("parse \"%s\": got %s (%s), want %s", spec,
			 bt_err_name(rc), msg, bt_err_name(code));
	snprintf(col, sizeof col, ": column %d: ", column);
	snprintf(quoted, sizeof quoted, "param spec \"%s\"", spec);
	if (!strstr(msg, col) || !strstr(msg, want) || !strstr(msg, quoted))
		fail_msg("parse \"%s\": message \"%s\" lacks \"%s\" / \"%s\"",
			 spec, msg, col, want);
	assert_null(ps.axes);
	assert_int_equal(ps.n_axes, 0);
	bt_strbuf_release(&err);
}

/* --- grammar -------------------------------------------------------------- */

/* A value is part of a series' identity and is written into JSON: bytes
 * that would not read back the same are refused, with their column. */
static void test_unprintable_values(void **state)
{
	(void)state;
	check_error("mode=a\xff" "b", BT_EPARSE, 7, "is not printable UTF-8");
	check_error("n=1;mode=x\ty", BT_EPARSE, 11, "is not printable UTF-8");
	check_error("mode=\xc0\x80", BT_EPARSE, 6, "is not printable UTF-8");
	struct bt_param_space ps = BT_PARAM_SPACE_INIT;
	parse_ok(&ps, "mode=caf\xc3\xa9,\xe2\x82\xac");
	assert_int_equal(ps.axes[0].n_values, 2);
	bt_param_space_release(&ps);
}

static void test_empty_spec(void **state)
{
	struct bt_param_space ps = BT_PARAM_SPACE_INIT;
	const char *none[1] = { NULL };

	(void)state;
	parse_ok(&ps, NULL);
	assert_int_equal(ps.n_axes, 0);
	assert_int_equal(bt_param_space_count(&ps), 1);
	bt_param_space_combo(&ps, 0, none);
	parse_ok(&ps, "");
	assert_int_equal(ps.n_axes, 0);
	parse_ok(&ps, "  \t ");
	assert_int_equal(ps.n_axes, 0);
	assert_int_equal(bt_param_space_count(&ps), 1);
	bt_param_space_release(&ps);
}

static void test_literals(void **state)
{
	(void)state;
	check_values("n=1024,4096,65536", "1024,4096,65536");
	check_values("n=1", "1");
	check_values("n=1K,2K,1M", "1024,2048,1048576");
	check_values("n=007,-3,+5,-2K", "7,-3,5,-2048");
	check_values("x=0.5, 1.25 ,1e3", "0.5,1.25,1e3");
	check_values("mode=fast,safe mode, slow ", "fast,safe mode,slow");
	check_values("u=4KB,K,1.5K,k", "4KB,K,1.5K,k");
	check_values("path=../data,a..b", "../data,a..b");
	check_values("who=user@host", "user@host");
}

static void test_whitespace(void **state)
{
	struct bt_param_space ps = BT_PARAM_SPACE_INIT;

	(void)state;
	parse_ok(&ps, "  seq_len = 1K , 2K ;\tb = @quick ; c = 1 .. 4 + 1 ");
	assert_int_equal(ps.n_axes, 3);
	check_axis(&ps, 0, "seq_len", "1024,2048");
	check_axis(&ps, 1, "b", "256,512,1024");
	check_axis(&ps, 2, "c", "1,2,3,4");
	bt_param_space_release(&ps);
}

static void test_geometric(void **state)
{
	(void)state;
	check_values("n=1..16*2", "1,2,4,8,16");
	check_values("n=1K..16K*2", "1024,2048,4096,8192,16384");
	check_values("n=1..20*3", "1,3,9");
	check_values("n=5..5*2", "5");
	check_values("n=1..1M*1K", "1,1024,1048576");
	/* Near INT64_MAX without overflow. */
	check_values("n=4611686018427387904..9223372036854775807*2",
		     "4611686018427387904");
}

static void test_arithmetic(void **state)
{
	(void)state;
	check_values("n=1..5+1", "1,2,3,4,5");
	check_values("n=0..10+3", "0,3,6,9");
	check_values("n=-4..-1+1", "-4,-3,-2,-1");
	check_values("n=-2..2+2", "-2,0,2");
	check_values("n=1K..4K+1K", "1024,2048,3072,4096");
	check_values("n=7..7+100", "7");
}

static void test_range_4096_ok(void **state)
{
	struct bt_param_space ps = BT_PARAM_SPACE_INIT;

	(void)state;
	parse_ok(&ps, "n=1..4096+1");
	assert_int_equal(ps.axes[0].n_values, 4096);
	assert_string_equal(ps.axes[0].values[0], "1");
	assert_string_equal(ps.axes[0].values[4095], "4096");
	bt_param_space_release(&ps);
}

static void test_mixed_items(void **state)
{
	(void)state;
	check_values("seq=@document,8K", "512,1024,2048,4096,8192");
	check_values("seq=100,@quick,1..4*2", "100,256,512,1024,1,2,4");
	/* Duplicates are dropped, the first occurrence keeps its place. */
	check_values("seq=@document,4K,1K,@context", "512,1024,2048,4096,8192,"
		     "16384,32768");
}

static void test_trailing_semicolon(void **state)
{
	struct bt_param_space ps = BT_PARAM_SPACE_INIT;

	(void)state;
	parse_ok(&ps, "a=1;b=2;");
	assert_int_equal(ps.n_axes, 2);
	parse_ok(&ps, "a=1 ; ");
	assert_int_equal(ps.n_axes, 1);
	check_axis(&ps, 0, "a", "1");
	bt_param_space_release(&ps);
}

static void test_names(void **state)
{
	struct bt_param_space ps = BT_PARAM_SPACE_INIT;

	(void)state;
	parse_ok(&ps, "_=1;A9_b=2;x=3");
	check_axis(&ps, 0, "_", "1");
	check_axis(&ps, 1, "A9_b", "2");
	check_axis(&ps, 2, "x", "3");
	bt_param_space_release(&ps);
}

/* --- presets -------------------------------------------------------------- */

static void test_presets(void **state)
{
	static const struct {
		const char *name, *values;
	} want[] = {
		{ "production", "1024,2048,4096,8192,12288,16384" },
		{ "medium", "32768,49152,65536,98304,131072" },
		{ "long", "262144,524288,1048576" },
		{ "document", "512,1024,2048,4096" },
		{ "context", "4096,8192,16384,32768" },
		{ "book", "50000,100000,200000" },
		{ "quick", "256,512,1024" },
	};
	size_t n_want = sizeof want / sizeof want[0];

	(void)state;
	for (size_t i = 0; i < n_want; i++) {
		const char *const *values = NULL;
		size_t n = 0;
		char spec[64];
		struct bt_strbuf sb = BT_STRBUF_INIT;

		assert_string_equal(bt_param_preset_name(i), want[i].name);
		assert_int_equal(bt_param_preset(want[i].name, &values, &n), 0);
		for (size_t k = 0; k < n; k++) {
			int64_t v;
			if (k)
				bt_strbuf_addc(&sb, ',');
			bt_strbuf_adds(&sb, values[k]);
			/* Preset values are canonical integers. */
			assert_int_equal(bt_param_parse_int(values[k], &v), 0);
		}
		assert_string_equal(bt_strbuf_str(&sb), want[i].values);
		bt_strbuf_release(&sb);

		snprintf(spec, sizeof spec, "s=@%s", want[i].name);
		check_values(spec, want[i].values);
	}
	assert_null(bt_param_preset_name(n_want));
	assert_null(bt_param_preset_name((size_t)-1));
}

static void test_preset_unknown(void **state)
{
	const char *const *values = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(bt_param_preset("nope", &values, &n), BT_ENOTFOUND);
	assert_int_equal(bt_param_preset("", &values, &n), BT_ENOTFOUND);
	assert_int_equal(bt_param_preset(NULL, &values, &n), BT_ENOTFOUND);
	assert_int_equal(bt_param_preset("Book", &values, &n), BT_ENOTFOUND);
}

/* --- parse_int ------------------------------------------------------------ */

static void test_parse_int(void **state)
{
	int64_t v = 0;

	(void)state;
	assert_int_equal(bt_param_parse_int("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(bt_param_parse_int("12K", &v), 0);
	assert_int_equal(v, 12288);
	assert_int_equal(bt_param_parse_int("3M", &v), 0);
	assert_int_equal(v, 3145728);
	assert_int_equal(bt_param_parse_int("-2K", &v), 0);
	assert_int_equal(v, -2048);
	assert_int_equal(bt_param_parse_int("+42", &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(bt_param_parse_int("9223372036854775807", &v), 0);
	assert_true(v == INT64_MAX);
	assert_int_equal(bt_param_parse_int("-9223372036854775808", &v), 0);
	assert_true(v == INT64_MIN);
	assert_int_equal(bt_param_parse_int("8796093022207M", &v), 0);
	assert_true(v == INT64_C(8796093022207) * 1048576);
	assert_int_equal(bt_param_parse_int("-8796093022208M", &v), 0);
	assert_true(v == INT64_MIN);
}

static void test_parse_int_errors(void **state)
{
	static const char *const bad[] = {
		"", "K", "-", "+", "-K", "1.5", "1.5K", "12k", "1KM", "1 K",
		" 1", "1 ", "0x10", "1e3", "abc", "1KB", "--1",
	};
	int64_t v = 77;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (bt_param_parse_int(bad[i], &v) != BT_EPARSE)
			fail_msg("\"%s\" should not parse", bad[i]);
	}
	assert_int_equal(bt_param_parse_int(NULL, &v), BT_EPARSE);
	assert_int_equal(v, 77);
	assert_int_equal(bt_param_parse_int("9223372036854775808", &v),
			 BT_ERANGE);
	assert_int_equal(bt_param_parse_int("-9223372036854775809", &v),
			 BT_ERANGE);
	assert_int_equal(bt_param_parse_int("99999999999999999999", &v),
			 BT_ERANGE);
	assert_int_equal(bt_param_parse_int("9007199254740992K", &v),
			 BT_ERANGE);
	assert_int_equal(bt_param_parse_int("8796093022208M", &v), BT_ERANGE);
	assert_int_equal(bt_param_parse_int("-8796093022209M", &v),
			 BT_ERANGE);
	assert_int_equal(v, 77);
}

/* --- errors --------------------------------------------------------------- */

static void test_error_empty_value(void **state)
{
	(void)state;
	/* The empty item starts at column 12 (the second ','). */
	check_error("seq_len=1K,,2K", BT_EPARSE, 12, "empty value");
	check_error("a=", BT_EPARSE, 3, "empty value");
	check_error("a=1,", BT_EPARSE, 5, "empty value");
	check_error("a=  ;b=1", BT_EPARSE, 3, "empty value");
	check_error(",", BT_EPARSE, 1, "missing '='");
}

static void test_error_missing_eq(void **state)
{
	(void)state;
	check_error("abc", BT_EPARSE, 4, "missing '='");
	check_error("a=1;seq 1,2", BT_EPARSE, 8, "missing '='");
	check_error("a=1; 1,2", BT_EPARSE, 6, "missing '='");
}

static void test_error_bad_name(void **state)
{
	(void)state;
	check_error("=1", BT_EPARSE, 1, "missing parameter name");
	check_error("a=1; =2", BT_EPARSE, 6, "missing parameter name");
	check_error("1a=2", BT_EPARSE, 1, "bad parameter name \"1a\"");
	check_error("a-b=2", BT_EPARSE, 2, "bad parameter name \"a-b\"");
	check_error("x=1;my name=2", BT_EPARSE, 7,
		    "bad parameter name \"my name\"");
}

static void test_error_stray_eq(void **state)
{
	(void)state;
	check_error("a=b=c", BT_EPARSE, 4, "unexpected '='");
	check_error("a=1,x=2", BT_EPARSE, 6, "unexpected '='");
}

static void test_error_empty_axis(void **state)
{
	(void)state;
	check_error(";", BT_EPARSE, 1, "empty axis");
	check_error("a=1;;b=2", BT_EPARSE, 5, "empty axis");
	check_error("a=1; ;", BT_EPARSE, 6, "empty axis");
	check_error(" ;a=1", BT_EPARSE, 2, "empty axis");
}

static void test_error_unknown_preset(void **state)
{
	(void)state;
	check_error("seq=1,@novel", BT_EPARSE, 7, "unknown preset \"novel\"");
	check_error("seq=@", BT_EPARSE, 5, "unknown preset \"\"");
	check_error("seq=@book*2", BT_EPARSE, 5, "unknown preset \"book*2\"");
	check_error("seq=@novel", BT_EPARSE, 5,
		    "(known: production, medium, long, document, context, "
		    "book, quick)");
}

static void test_error_range(void **state)
{
	(void)state;
	check_error("n=16..1*2", BT_EPARSE, 3, "start 16 > end 1");
	check_error("n=2..1+1", BT_EPARSE, 3, "> end");
	check_error("n=1..16*1", BT_EPARSE, 9, "factor 1 must be > 1");
	check_error("n=1..16*0", BT_EPARSE, 9, "factor 0 must be > 1");
	check_error("n=1..16*-2", BT_EPARSE, 9, "must be > 1");
	check_error("n=1..16+0", BT_EPARSE, 9, "step 0 must be > 0");
	check_error("n=1..16+-1", BT_EPARSE, 9, "step -1 must be > 0");
	check_error("n=0..16*2", BT_EPARSE, 3, "start > 0");
	check_error("n=1.5..8*2", BT_EPARSE, 3,
		    "range start \"1.5\" is not an integer");
	check_error("n=1..8.5*2", BT_EPARSE, 6,
		    "range end \"8.5\" is not an integer");
	check_error("n=1..x*2", BT_EPARSE, 6, "range end \"x\"");
	check_error("n=1..*2", BT_EPARSE, 6, "range end \"\"");
	check_error("n=1..8*1.5", BT_EPARSE, 8,
		    "factor \"1.5\" is not an integer");
	check_error("n=1..8+", BT_EPARSE, 8, "step \"\" is not an integer");
	check_error("n=1..16", BT_EPARSE, 8, "needs '*factor' or '+step'");
	check_error("a=1;n=1..4097+1", BT_ERANGE, 7, "more than 4096 values");
	check_error("n=-9223372036854775808..9223372036854775807+1",
		    BT_ERANGE, 3, "more than 4096 values");
	check_error("n=1..9999999999999999999*2", BT_ERANGE, 6,
		    "integer overflow in range end");
}

static void test_error_overflow(void **state)
{
	(void)state;
	check_error("n=1,9007199254740992K", BT_ERANGE, 5,
		    "integer overflow in \"9007199254740992K\"");
	check_error("n=99999999999999999999", BT_ERANGE, 3,
		    "integer overflow");
	check_error("n=1..8*9999999999999M", BT_ERANGE, 8,
		    "integer overflow in factor");
}

static void test_error_duplicate_axis(void **state)
{
	(void)state;
	check_error("a=1;b=2; a=3", BT_EPARSE, 10, "duplicate axis \"a\"");
}

static void test_error_too_many_combos(void **state)
{
	(void)state;
	check_error("a=1..4096+1;b=1..4096+1;c=1..4096+1;d=1..4096+1;"
		    "e=1..4096+1;f=1..4096+1", BT_ERANGE, 1,
		    "too many combinations");
}

static void test_error_without_err(void **state)
{
	struct bt_param_space ps = BT_PARAM_SPACE_INIT;

	(void)state;
	assert_int_equal(bt_param_space_parse(&ps, "a=1;;", NULL), BT_EPARSE);
	assert_int_equal(ps.n_axes, 0);
}

static void test_parse_replaces_old_space(void **state)
{
	struct bt_param_space ps = BT_PARAM_SPACE_INIT;
	struct bt_strbuf err = BT_STRBUF_INIT;

	(void)state;
	parse_ok(&ps, "a=1,2;b=x");
	/* A failed parse leaves the space empty. */
	assert_int_equal(bt_param_space_parse(&ps, "a=", &err), BT_EPARSE);
	assert_null(ps.axes);
	assert_int_equal(ps.n_axes, 0);
	parse_ok(&ps, "c=3");
	check_axis(&ps, 0, "c", "3");
	bt_param_space_release(&ps);
	bt_strbuf_release(&err);
}

/* --- spaces --------------------------------------------------------------- */

static void test_count_find(void **state)
{
	struct bt_param_space ps = BT_PARAM_SPACE_INIT;

	(void)state;
	parse_ok(&ps, "n=1,2,3;mode=a,b;seq=@production");
	assert_int_equal(bt_param_space_count(&ps), 3 * 2 * 6);
	assert_int_equal(bt_param_space_find(&ps, "n"), 0);
	assert_int_equal(bt_param_space_find(&ps, "mode"), 1);
	assert_int_equal(bt_param_space_find(&ps, "seq"), 2);
	assert_int_equal(bt_param_space_find(&ps, "se"), -1);
	assert_int_equal(bt_param_space_find(&ps, "N"), -1);
	assert_int_equal(bt_param_space_find(&ps, ""), -1);
	assert_int_equal(bt_param_space_find(&ps, NULL), -1);
	bt_param_space_release(&ps);
	assert_int_equal(bt_param_space_find(&ps, "n"), -1);
}

static void test_combos_two_axes(void **state)
{
	struct bt_param_space ps = BT_PARAM_SPACE_INIT;
	static const char *const want[][2] = {
		{ "1", "x" }, { "1", "y" }, { "1", "z" },
		{ "2", "x" }, { "2", "y" }, { "2", "z" },
	};
	const char *v[2];

	(void)state;
	parse_ok(&ps, "a=1,2;b=x,y,z");
	assert_int_equal(bt_param_space_count(&ps), 6);
	for (size_t i = 0; i < 6; i++) {
		bt_param_space_combo(&ps, i, v);
		assert_string_equal(v[0], want[i][0]);
		assert_string_equal(v[1], want[i][1]);
	}
	/* Pointers are into the space. */
	bt_param_space_combo(&ps, 5, v);
	assert_ptr_equal(v[0], ps.axes[0].values[1]);
	assert_ptr_equal(v[1], ps.axes[1].values[2]);
	bt_param_space_release(&ps);
}

static void test_combos_three_axes(void **state)
{
	struct bt_param_space ps = BT_PARAM_SPACE_INIT;
	struct bt_strbuf sb = BT_STRBUF_INIT;
	const char *v[3];

	(void)state;
	parse_ok(&ps, "a=1,2;b=x,y,z;c=1K,2K");
	assert_int_equal(bt_param_space_count(&ps), 12);
	for (size_t i = 0; i < 12; i++) {
		bt_param_space_combo(&ps, i, v);
		bt_strbuf_addf(&sb, "%s%s/%s/%s", i ? " " : "", v[0], v[1],
			       v[2]);
	}
	assert_string_equal(bt_strbuf_str(&sb),
			    "1/x/1024 1/x/2048 1/y/1024 1/y/2048 "
			    "1/z/1024 1/z/2048 2/x/1024 2/x/2048 "
			    "2/y/1024 2/y/2048 2/z/1024 2/z/2048");
	bt_strbuf_release(&sb);
	bt_param_space_release(&ps);
}

static void test_release(void **state)
{
	struct bt_param_space ps = BT_PARAM_SPACE_INIT;

	(void)state;
	parse_ok(&ps, "a=1,2;b=@long");
	bt_param_space_release(&ps);
	assert_null(ps.axes);
	assert_int_equal(ps.n_axes, 0);
	assert_int_equal(bt_param_space_count(&ps), 1);
	/* Releasing twice (and NULL) is harmless. */
	bt_param_space_release(&ps);
	bt_param_space_release(NULL);
}

/* --- override ------------------------------------------------------------- */

static void test_override(void **state)
{
	struct bt_param_space ps = BT_PARAM_SPACE_INIT;
	struct bt_strbuf err = BT_STRBUF_INIT;

	(void)state;
	parse_ok(&ps, "batch=1,8;seq_len=@production;mode=a,b");
	assert_int_equal(bt_param_space_override(&ps, "seq_len=1K, 2K", 1,
						 &err), 0);
	assert_int_equal(ps.n_axes, 3);
	check_axis(&ps, 0, "batch", "1,8");
	check_axis(&ps, 1, "seq_len", "1024,2048");
	check_axis(&ps, 2, "mode", "a,b");
	assert_int_equal(bt_param_space_count(&ps), 8);

	/* Order of the override does not change axis order. */
	assert_int_equal(bt_param_space_override(&ps, "mode=z;batch=@quick",
						 1, &err), 0);
	check_axis(&ps, 0, "batch", "256,512,1024");
	check_axis(&ps, 1, "seq_len", "1024,2048");
	check_axis(&ps, 2, "mode", "z");

	/* Empty and NULL overrides change nothing. */
	assert_int_equal(bt_param_space_override(&ps, "", 1, &err), 0);
	assert_int_equal(bt_param_space_override(&ps, NULL, 1, &err), 0);
	assert_int_equal(bt_param_space_count(&ps), 6);
	bt_param_space_release(&ps);
	bt_strbuf_release(&err);
}

static void test_override_unknown_axis(void **state)
{
	struct bt_param_space ps = BT_PARAM_SPACE_INIT;
	struct bt_strbuf err = BT_STRBUF_INIT;

	(void)state;
	parse_ok(&ps, "n=1,2;m=3");
	/* Not strict: the unknown axis is ignored, the known one applied. */
	assert_int_equal(bt_param_space_override(&ps, "other=5;n=9", 0, &err),
			 0);
	check_axis(&ps, 0, "n", "9");
	check_axis(&ps, 1, "m", "3");
	assert_int_equal(ps.n_axes, 2);

	/* Strict: BT_ENOTFOUND naming the axis, and ps is unchanged. */
	assert_int_equal(bt_param_space_override(&ps, "m=4;other=5", 1, &err),
			 BT_ENOTFOUND);
	assert_non_null(strstr(bt_strbuf_str(&err), "\"other\""));
	assert_non_null(strstr(bt_strbuf_str(&err), "axes: n, m"));
	check_axis(&ps, 0, "n", "9");
	check_axis(&ps, 1, "m", "3");
	bt_param_space_release(&ps);

	/* An empty space has no axes at all. */
	assert_int_equal(bt_param_space_override(&ps, "n=1", 0, &err), 0);
	assert_int_equal(ps.n_axes, 0);
	assert_int_equal(bt_param_space_override(&ps, "n=1", 1, &err),
			 BT_ENOTFOUND);
	assert_non_null(strstr(bt_strbuf_str(&err), "unknown axis \"n\""));
	bt_strbuf_release(&err);
}

static void test_override_parse_error(void **state)
{
	struct bt_param_space ps = BT_PARAM_SPACE_INIT;
	struct bt_strbuf err = BT_STRBUF_INIT;

	(void)state;
	parse_ok(&ps, "n=1,2");
	assert_int_equal(bt_param_space_override(&ps, "n=1,,2", 0, &err),
			 BT_EPARSE);
	assert_non_null(strstr(bt_strbuf_str(&err),
			       "param spec \"n=1,,2\": column 5: empty value"));
	check_axis(&ps, 0, "n", "1,2");
	bt_param_space_release(&ps);
	bt_strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_spec),
		cmocka_unit_test(test_literals),
		cmocka_unit_test(test_whitespace),
		cmocka_unit_test(test_unprintable_values),
		cmocka_unit_test(test_geometric),
		cmocka_unit_test(test_arithmetic),
		cmocka_unit_test(test_range_4096_ok),
		cmocka_unit_test(test_mixed_items),
		cmocka_unit_test(test_trailing_semicolon),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_presets),
		cmocka_unit_test(test_preset_unknown),
		cmocka_unit_test(test_parse_int),
		cmocka_unit_test(test_parse_int_errors),
		cmocka_unit_test(test_error_empty_value),
		cmocka_unit_test(test_error_missing_eq),
		cmocka_unit_test(test_error_bad_name),
		cmocka_unit_test(test_error_stray_eq),
		cmocka_unit_test(test_error_empty_axis),
		cmocka_unit_test(test_error_unknown_preset),
		cmocka_unit_test(test_error_range),
		cmocka_unit_test(test_error_overflow),
		cmocka_unit_test(test_error_duplicate_axis),
		cmocka_unit_test(test_error_too_many_combos),
		cmocka_unit_test(test_error_without_err),
		cmocka_unit_test(test_parse_replaces_old_space),
		cmocka_unit_test(test_count_find),
		cmocka_unit_test(test_combos_two_axes),
		cmocka_unit_test(test_combos_three_axes),
		cmocka_unit_test(test_release),
		cmocka_unit_test(test_override),
		cmocka_unit_test(test_override_unknown_axis),
		cmocka_unit_test(test_override_parse_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
