/* Tests of the run files' text and forms: the shortest reals of the writer
 * (lib/result/json_write.c) read back bit for bit by the strict and the
 * fast reader, and the compressed forms (lib/result/compress.c: zstd, as
 * the store writes large runs, and gzip) read by every reader: show's,
 * reindex, verify, gc and restore (the archive), organize; damaged
 * compressed files named in a clear error, with nothing stored lost. */
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "internal.h"
#include "result/json_scan.h"
#include "helpers.h"
#include "rng.h"
#include "json_fixture.h"

/* expr (using the bt_strbuf err) gives 0, or the test fails with err */
#define OK(expr)                                                             \
	do {                                                                 \
		if ((expr) != 0)                                             \
			fail_msg("%s: %s", #expr, bt_strbuf_str(&err));      \
	} while (0)

/* --- shortest reals ------------------------------------------------------ */

static void real_is(double x, const char *want)
{
	char buf[BT__REAL_TEXT_MAX];
	size_t n = bt__real_text(x, buf);
	if (strcmp(buf, want) != 0)
		fail_msg("%.17g: got \"%s\", want \"%s\"", x, buf, want);
	assert_int_equal(n, strlen(want));
}

/* Worked out by hand: the fewest digits that strtod takes back to x
 * (0.1 is the double nearest to 1/10, so "0.1" reads back to it; 2^-1074
 * is 4.94e-324, and "5e-324" is nearer to it than to 0 or 2^-1073), then
 * the shorter of the fixed and exponent forms, ties fixed; a real keeps a
 * '.' or an 'e'. */
static void test_real_known(void **state)
{
	(void)state;
	real_is(0.1, "0.1");
	real_is(-0.1, "-0.1");
	real_is(0.5, "0.5");
	real_is(1.0, "1.0");
	real_is(-2.0, "-2.0");
	real_is(10.0, "1e1"); /* "10.0" is one longer */
	real_is(100.0, "1e2"); /* "100.0" is two longer */
	real_is(123.0, "123.0");
	real_is(1.5e-5, "1.5e-5");
	real_is(0.001, "1e-3");
	real_is(0.0123, "0.0123");
	real_is(1.0 / 3.0, "0.3333333333333333");
	real_is(2.0 / 3.0, "0.6666666666666666");
	real_is(1e-300, "1e-300");
	real_is(5e-324, "5e-324");   /* the least subnormal */
	real_is(-5e-324, "-5e-324");
	real_is(2.2250738585072014e-308, "2.2250738585072014e-308"); /* least normal */
	real_is(1.7976931348623157e308, "1.7976931348623157e308"); /* DBL_MAX */
	real_is(123456789012345678.0, "123456789012345680.0"); /* 17 digits */
	real_is(9007199254740993.0, "9007199254740992.0"); /* 2^53 + 1 is 2^53 */
	real_is(1e21, "1e21");
	real_is(1e23, "1e23");
	real_is(0.30000000000000004, "0.30000000000000004");
	real_is(0.0, "0.0");
	real_is(-0.0, "-0.0");
	real_is(NAN, "null");
	real_is(INFINITY, "null");
}

/* Random doubles of every kind: any bit pattern (huge, tiny, subnormal,
 * both signs), subnormals alone, values near 1, measurement-like ones. */
static double random_double(uint64_t *s, size_t i)
{
	uint64_t b = bt_test_rng_next(s);
	double x;
	switch (i % 5) {
	case 0:
		b &= 0x800fffffffffffffULL; /* subnormal (or zero) */
		break;
	case 1:
		x = (double)(b >> 11) * 0x1p-53 * 1e-4;
		return x;
	case 2:
		x = 1.0 + (double)(b >> 11) * 0x1p-53;
		return (b & 1) ? -x : x;
	case 3:
		x = (double)(b % 1000000) / 1000.0; /* few digits */
		return x;
	}
	memcpy(&x, &b, sizeof x);
	return isfinite(x) ? x : 1.0 / (double)(b | 1);
}

/* Every text reads back to its double, and no text of one digit fewer
 * (printf's correctly rounded one) does: the shortest. */
static void test_real_roundtrip(void **state)
{
	(void)state;
	uint64_t s = 42;
	char buf[BT__REAL_TEXT_MAX], shorter[64];
	for (size_t i = 0; i < 200000; i++) {
		double x = random_double(&s, i);
		bt__real_text(x, buf);
		char *end;
		double y = strtod(buf, &end);
		if (*end || memcmp(&x, &y, sizeof x))
			fail_msg("%a written \"%s\" reads back %a", x, buf, y);
		assert_true(strpbrk(buf, ".e") != NULL);
		if (x == 0 || i % 4)
			continue;
		/* significant digits written */
		int nd = 0, lead = 1;
		for (const char *p = buf; *p && *p != 'e'; p++) {
			if (*p < '0' || *p > '9')
				continue;
			if (lead && *p == '0')
				continue;
			lead = 0;
			nd++;
		}
		/* trailing zeros of the fixed form ("120.0") are not digits */
		const char *dot = strchr(buf, '.');
		if (!strchr(buf, 'e') && dot && !strcmp(dot, ".0")) {
			nd--;
			for (const char *p = dot - 1; p >= buf && *p == '0'; p--)
				nd--;
		}
		if (nd <= 1)
			continue;
		snprintf(shorter, sizeof shorter, "%.*e", nd - 2, x);
		y = strtod(shorter, NULL);
		if (memcmp(&x, &y, sizeof x) == 0)
			fail_msg("%a: \"%s\" has %d digits, \"%s\" reads back too", x,
				 buf, nd, shorter);
	}
}

/* A run whose first metric holds n random samples (of every kind) and
 * whose statistics are extreme values. */
static void big_run(struct bt_run *run, size_t n, uint64_t seed)
{
	build_run(run);
	struct bt_metric *m = &run->results[0].metrics[0];
	double *x = bt_run_alloc(run, n * sizeof *x);
	assert_non_null(x);
	for (size_t i = 0; i < n; i++)
		x[i] = random_double(&seed, i);
	x[0] = -0.0;
	x[1] = 5e-324;
	x[2] = 1.7976931348623157e308;
	x[3] = 0.1;
	m->samples = x;
	m->n_samples = n;
	m->stats.n = n;
	m->stats.min = -1.7976931348623157e308;
	m->stats.max = 4.9406564584124654e-324;
}

static void samples_identical(const struct bt_run *a, const struct bt_run *b)
{
	const struct bt_metric *x = &a->results[0].metrics[0];
	const struct bt_metric *y = &b->results[0].metrics[0];
	assert_int_equal(x->n_samples, y->n_samples);
	for (size_t i = 0; i < x->n_samples; i++)
		if (memcmp(&x->samples[i], &y->samples[i], sizeof(double)))
			fail_msg("sample %zu: %a written, %a read", i, x->samples[i],
				 y->samples[i]);
	assert_memory_equal(&x->stats.min, &y->stats.min, sizeof(double));
	assert_memory_equal(&x->stats.max, &y->stats.max, sizeof(double));
}

/* The writer's reals through both readers, in both forms. */
static void test_run_reals_both_readers(void **state)
{
	(void)state;
	struct bt_run a, b, c;
	struct bt_strbuf err = BT_STRBUF_INIT;
	big_run(&a, 20000, 7);
	char *text = to_text(&a, 1);
	/* a real is never printed with more digits than it needs */
	assert_null(strstr(text, "0.10000000000000001"));
	assert_non_null(strstr(text, "5e-324"));
	from_json_ok(&b, text, "strict");
	samples_identical(&a, &b);
	assert_int_equal(bt_run_init(&c), 0);
	assert_int_equal(bt__run_scan(&c, text, strlen(text), BT__SCAN_SAMPLES), 0);
	samples_identical(&a, &c);
	run_eq(&b, &c);
	bt_run_release(&b);
	bt_run_release(&c);
	/* compact too (the forked child's results) */
	free(text);
	text = to_text(&a, 0);
	from_json_ok(&b, text, "compact");
	samples_identical(&a, &b);
	bt_run_release(&b);

	/* the compressed forms: read by the file reader and the fast one */
	static const struct { enum bt_run_file_form form; int kind; } forms[] = {
		{ BT_RUN_FILE_ZSTD, BT__RUN_ZSTD }, { BT_RUN_FILE_GZIP, BT__RUN_GZIP }
	};
	for (size_t f = 0; f < 2; f++) {
		const char *p = tmppath("big.json.z");
		assert_int_equal(bt_run_write_file_as(&a, p, forms[f].form, &err), 0);
		size_t n;
		char *data = NULL;
		assert_int_equal(bt__read_file(p, 1 << 30, &data, &n, NULL), 0);
		assert_int_equal(bt__run_compressed(data, n), forms[f].kind);
		assert_true(n < strlen(text)); /* random samples: little to gain */
		free(data);
		assert_int_equal(bt_run_init(&b), 0);
		assert_int_equal(bt_run_read_file(&b, p, &err), 0);
		samples_identical(&a, &b);
		bt_run_release(&b);
		assert_int_equal(bt_run_init(&b), 0);
		assert_int_equal(bt__run_read_file_summary(&b, p, &err), 0);
		assert_int_equal(b.n_results, a.n_results);
		assert_string_equal(b.run_id, a.run_id);
		bt_run_release(&b);
	}
	free(text);
	bt_run_release(&a);
	bt_strbuf_release(&err);
}

/* --- damaged compressed files ----------------------------------------------- */

static char *read_all(const char *path, size_t *len)
{
	char *d;
	assert_int_equal(bt__read_file(path, 1 << 30, &d, len, NULL), 0);
	return d;
}

static void write_all(const char *path, const char *d, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(d, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* bt_run_read_file of path fails with code, the message naming the file
 * and saying want. */
static void read_fails(const char *path, int code, const char *want)
{
	struct bt_run r;
	struct bt_strbuf err = BT_STRBUF_INIT;
	assert_int_equal(bt_run_init(&r), 0);
	assert_int_equal(bt_run_read_file(&r, path, &err), code);
	if (!strstr(bt_strbuf_str(&err), path) || !strstr(bt_strbuf_str(&err), want))
		fail_msg("%s: message \"%s\" lacks the path or \"%s\"", path,
			 bt_strbuf_str(&err), want);
	bt_run_release(&r);
	/* the fast reader refuses it too (and the strict one then says why) */
	assert_int_equal(bt_run_init(&r), 0);
	bt_strbuf_reset(&err);
	assert_int_equal(bt__run_read_file_summary(&r, path, &err), code);
	assert_non_null(strstr(bt_strbuf_str(&err), want));
	bt_run_release(&r);
	bt_strbuf_release(&err);
}

/* Damaged compressed files of form form: truncated, the checksum wrong,
 * the data damaged, bytes after the stream; crc names the checksum's
 * complaint, end what follows "bytes after the". */
static void damaged(enum bt_run_file_form form, const char *crc_msg, const char *end)
{
	struct bt_run a;
	struct bt_strbuf err = BT_STRBUF_INIT;
	big_run(&a, 3000, 11);
	char good[512], p[512];
	snprintf(good, sizeof good, "%s", tmppath("good.json.z"));
	assert_int_equal(bt_run_write_file_as(&a, good, form, &err), 0);
	size_t n;
	char *d = read_all(good, &n);
	assert_true(n > 100);

	/* truncated: the stream does not end */
	snprintf(p, sizeof p, "%s", tmppath("trunc.json.z"));
	write_all(p, d, n / 2);
	read_fails(p, BT_EPARSE, "compressed run file truncated");
	write_all(p, d, n - 3); /* the trailer cut */
	read_fails(p, BT_EPARSE, "compressed run file truncated");

	/* the checksum wrong: gzip's CRC-32 is the 8th byte from the end,
	 * zstd's the last 4 bytes */
	size_t at = form == BT_RUN_FILE_GZIP ? n - 8 : n - 1;
	snprintf(p, sizeof p, "%s", tmppath("crc.json.z"));
	d[at] ^= 0x55;
	write_all(p, d, n);
	read_fails(p, BT_EPARSE, crc_msg);
	d[at] ^= 0x55;

	/* the compressed data damaged */
	snprintf(p, sizeof p, "%s", tmppath("bad.json.z"));
	for (size_t i = 20; i < 60; i++)
		d[i] ^= 0xa5;
	write_all(p, d, n);
	read_fails(p, BT_EPARSE, "damaged compressed run file");
	for (size_t i = 20; i < 60; i++)
		d[i] ^= 0xa5;

	/* bytes after the stream */
	char *more = malloc(n + 4);
	memcpy(more, d, n);
	memcpy(more + n, "junk", 4);
	snprintf(p, sizeof p, "%s", tmppath("tail.json.z"));
	write_all(p, more, n + 4);
	read_fails(p, BT_EPARSE, end);
	free(more);

	/* a bomb stops at the cap */
	char *out;
	size_t ol;
	assert_int_equal(bt__run_inflate("x.z", d, n, 1000, &out, &ol, &err), BT_ETOOBIG);
	assert_non_null(strstr(bt_strbuf_str(&err), "x.z: compressed run file larger than"));
	free(d);
	bt_run_release(&a);
	bt_strbuf_release(&err);
}

static void test_damaged(void **state)
{
	(void)state;
	damaged(BT_RUN_FILE_ZSTD, "damaged compressed run file (zstd): checksum mismatch",
		"bytes after the zstd frame");
	damaged(BT_RUN_FILE_GZIP, "damaged compressed run file (gzip): incorrect data check",
		"bytes after the gzip stream");
}

/* --- the store --------------------------------------------------------------- */

struct notes {
	char text[8192];
};

static void note(void *ud, const char *what, const char *path, const char *detail)
{
	struct notes *n = ud;
	size_t l = strlen(n->text);
	snprintf(n->text + l, sizeof n->text - l, "%s %s: %s\n", what, path ? path : "",
		 detail ? detail : "");
}

/* A small run of one result (plain when stored) at timestamp ts. */
static void small_run(struct bt_run *run, const char *id, const char *ts)
{
	build_run(run);
	run->run_id = bt_run_strdup(run, id);
	run->timestamp = bt_run_strdup(run, ts);
	run->n_results = 1;
}

/* How the file at path is compressed (BT__RUN_*, 0 plain). */
static int compressed(const char *path)
{
	size_t n;
	char *d = read_all(path, &n);
	int z = bt__run_compressed(d, n);
	free(d);
	return z;
}

/* A store of both forms: put writes the big run compressed and the small
 * one plain; a plain run file of an older store (the big run as text)
 * sits beside them. Every reader takes them all. */
static void test_store_mixed(void **state)
{
	(void)state;
	char dir[600];
	snprintf(dir, sizeof dir, "%s/mixed", tmpdir);
	struct bt_store *st;
	struct bt_strbuf err = BT_STRBUF_INIT;
	OK(bt_store_open(&st, dir, BT_STORE_CREATE, &err));
	struct bt_run big, small, old;
	char *pbig, *psmall, *pold;
	big_run(&big, 3000, 5);
	big.run_id = "aaaaaaaa11111111aaaaaaaa11111111";
	big.timestamp = "2026-11-01T10:00:00Z";
	small_run(&small, "bbbbbbbb22222222bbbbbbbb22222222", "2026-11-02T10:00:00Z");
	big_run(&old, 3000, 6);
	old.run_id = "cccccccc33333333cccccccc33333333";
	old.timestamp = "2026-11-03T10:00:00Z";
	OK(bt_store_put(st, &big, &pbig, &err));
	OK(bt_store_put(st, &small, &psmall, &err));
	OK(bt_store_put(st, &old, &pold, &err));
	assert_int_equal(compressed(pbig), BT__RUN_ZSTD);
	assert_int_equal(compressed(psmall), 0);
	/* the third as an older benchtrack wrote it: plain */
	assert_int_equal(compressed(pold), BT__RUN_ZSTD);
	assert_int_equal(bt_run_write_file(&old, pold, &err), 0);
	assert_int_equal(compressed(pold), 0);

	/* reindex reads all three */
	size_t runs = 0, results = 0, unreadable = 0;
	OK(bt_store_reindex_notes(st, NULL, NULL, &runs, &results,
						&unreadable, &err));
	assert_int_equal(runs, 3);
	assert_int_equal(results, big.n_results + 1 + old.n_results);
	/* load (show) by id: bit for bit */
	struct bt_run back;
	assert_int_equal(bt_run_init(&back), 0);
	OK(bt_store_load(st, "aaaaaaaa", &back, &err));
	samples_identical(&big, &back);
	bt_run_release(&back);
	assert_int_equal(bt_run_init(&back), 0);
	OK(bt_store_load(st, "cccccccc", &back, &err));
	samples_identical(&old, &back);
	bt_run_release(&back);
	/* verify finds nothing wrong */
	struct notes nt = { "" };
	size_t problems = 9;
	OK(bt_store_verify(st, 0, note, &nt, &problems, &err));
	if (problems)
		fail_msg("verify: %s", nt.text);

	/* gc moves the compressed run and the plain one into the archive of
	 * their month; restore brings the compressed one back, byte for byte */
	size_t before_n;
	char *before = read_all(pbig, &before_n);
	struct bt_gc_opts o = { .keep_days = 1, .now = "2026-12-30T00:00:00Z" };
	size_t archived = 0;
	memset(&nt, 0, sizeof nt);
	OK(bt_store_gc(st, &o, note, &nt, &archived, &err));
	assert_int_equal(archived, 3);
	assert_int_equal(access(pbig, F_OK), -1);
	assert_int_equal(bt_run_init(&back), 0);
	OK(bt_store_reindex_notes(st, NULL, NULL, &runs, &results,
						&unreadable, &err));
	assert_int_equal(runs, 3); /* the archive read back into the index */
	bt_run_release(&back);
	problems = 9;
	OK(bt_store_verify(st, 0, note, &nt, &problems, &err));
	if (problems)
		fail_msg("verify after gc: %s", nt.text);
	char *rp = NULL;
	OK(bt_store_restore(st, "aaaaaaaa", &rp, &err));
	size_t after_n;
	char *after = read_all(rp, &after_n);
	assert_int_equal(after_n, before_n);
	assert_memory_equal(after, before, before_n);
	assert_int_equal(bt_run_init(&back), 0);
	OK(bt_store_load(st, "aaaaaaaa", &back, &err));
	samples_identical(&big, &back);
	bt_run_release(&back);
	OK(bt_store_restore(st, "cccccccc", NULL, &err));
	assert_int_equal(bt_run_init(&back), 0);
	OK(bt_store_load(st, "cccccccc", &back, &err));
	samples_identical(&old, &back);
	bt_run_release(&back);

	free(before);
	free(after);
	free(rp);
	free(pbig);
	free(psmall);
	free(pold);
	bt_run_release(&big);
	bt_run_release(&small);
	bt_run_release(&old);
	bt_store_close(st);
	bt_strbuf_release(&err);
}

/* A damaged compressed run file in a store: reindex names it and indexes
 * the others, verify reports it, and neither removes or changes it. */
static void test_store_damaged_gz(void **state)
{
	(void)state;
	char dir[600];
	snprintf(dir, sizeof dir, "%s/damaged", tmpdir);
	struct bt_store *st;
	struct bt_strbuf err = BT_STRBUF_INIT;
	OK(bt_store_open(&st, dir, BT_STORE_CREATE, &err));
	struct bt_run a, b;
	char *pa, *pb;
	big_run(&a, 3000, 9);
	a.run_id = "dddddddd44444444dddddddd44444444";
	a.timestamp = "2026-11-05T10:00:00Z";
	small_run(&b, "eeeeeeee55555555eeeeeeee55555555", "2026-11-06T10:00:00Z");
	OK(bt_store_put(st, &a, &pa, &err));
	OK(bt_store_put(st, &b, &pb, &err));
	size_t n;
	char *d = read_all(pa, &n);
	write_all(pa, d, n - 100); /* truncated */

	struct notes nt = { "" };
	size_t runs = 0, results = 0, unreadable = 0;
	bt_strbuf_reset(&err);
	bt_store_reindex_notes(st, note, &nt, &runs, &results, &unreadable, &err);
	assert_int_equal(unreadable, 1);
	assert_int_equal(runs, 1);
	if (!strstr(nt.text, pa) || !strstr(nt.text, "truncated"))
		fail_msg("reindex notes: %s", nt.text);

	memset(&nt, 0, sizeof nt);
	size_t problems = 0;
	bt_store_verify(st, 0, note, &nt, &problems, &err);
	assert_true(problems >= 1);
	if (!strstr(nt.text, "truncated"))
		fail_msg("verify notes: %s", nt.text);
	/* repair moves the run aside (quarantine/), byte for byte */
	memset(&nt, 0, sizeof nt);
	bt_store_verify(st, 1, note, &nt, &problems, &err);
	if (!strstr(nt.text, "moved to quarantine/2026-11-05-1000-UTC-dddddddd"))
		fail_msg("verify --repair: %s", nt.text);
	char q[800];
	snprintf(q, sizeof q, "%s/quarantine/2026-11-05-1000-UTC-dddddddd/run.json", dir);
	size_t m;
	char *now = read_all(q, &m);
	assert_int_equal(m, n - 100);
	assert_memory_equal(now, d, m);
	free(now);
	/* the other run is untouched */
	struct bt_run back;
	assert_int_equal(bt_run_init(&back), 0);
	OK(bt_store_load(st, "eeeeeeee", &back, &err));
	bt_run_release(&back);
	free(d);
	free(pa);
	free(pb);
	bt_run_release(&a);
	bt_run_release(&b);
	bt_store_close(st);
	bt_strbuf_release(&err);
}

/* organize takes a compressed benchtrack run (run.json.gz, as gzip wrote it) */
static void test_organize_gz(void **state)
{
	(void)state;
	char src[600], dir[600];
	snprintf(src, sizeof src, "%s/legacy", tmpdir);
	snprintf(dir, sizeof dir, "%s/organized", tmpdir);
	assert_int_equal(mkdir(src, 0755), 0);
	struct bt_run a;
	struct bt_strbuf err = BT_STRBUF_INIT;
	big_run(&a, 100, 3);
	a.run_id = "ffffffff66666666ffffffff66666666";
	char f[700];
	snprintf(f, sizeof f, "%s/old-run.json.gz", src);
	assert_int_equal(bt_run_write_file_as(&a, f, BT_RUN_FILE_GZIP, &err), 0);
	struct bt_store *st;
	OK(bt_store_open(&st, dir, BT_STORE_CREATE, &err));
	struct bt_organize_opts o = { 0, 0 };
	struct notes nt = { "" };
	size_t placed = 0, skipped = 0;
	OK(bt_store_organize(st, src, &o, note, &nt, &placed, &skipped,
					   &err));
	if (placed != 1)
		fail_msg("organize: %s", nt.text);
	struct bt_run back;
	assert_int_equal(bt_run_init(&back), 0);
	OK(bt_store_load(st, "ffffffff", &back, &err));
	samples_identical(&a, &back);
	bt_run_release(&back);
	/* a damaged one is skipped with the reason */
	size_t n;
	char *d = read_all(f, &n);
	write_all(f, d, n / 2);
	free(d);
	memset(&nt, 0, sizeof nt);
	OK(bt_store_organize(st, src, &o, note, &nt, &placed, &skipped,
					   &err));
	assert_int_equal(skipped, 1);
	if (!strstr(nt.text, "truncated"))
		fail_msg("organize: %s", nt.text);
	bt_store_close(st);
	bt_run_release(&a);
	bt_strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_known),
		cmocka_unit_test(test_real_roundtrip),
		cmocka_unit_test(test_run_reals_both_readers),
		cmocka_unit_test(test_damaged),
		cmocka_unit_test(test_store_mixed),
		cmocka_unit_test(test_store_damaged_gz),
		cmocka_unit_test(test_organize_gz),
	};
	return cmocka_run_group_tests(tests, setup_tmpdir, teardown_tmpdir);
}
