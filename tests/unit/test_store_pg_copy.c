/* Tests of the binary COPY decoding of the PostgreSQL store (lib/store/
 * pg.c, contracts in lib/store/pgint.h): the header, tuples and their
 * int8 / int4 / float8 / NULL fields, as the series read gets them from
 * the server (bt__pg_copy). The reads against a real server are
 * tests/integration/store_pg.sh's. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store/pgint.h"

/* A buffer being built in network byte order. */
struct buf {
	unsigned char b[512];
	size_t n;
};

static void put(struct buf *b, uint64_t v, int size)
{
	for (int k = size - 1; k >= 0; k--)
		b->b[b->n++] = (unsigned char)(v >> (8 * k));
}

static void put_f64(struct buf *b, double d)
{
	uint64_t v;
	memcpy(&v, &d, sizeof v);
	put(b, 8, 4);
	put(b, v, 8);
}

static void header(struct buf *b, uint32_t flags, uint32_t ext)
{
	static const unsigned char sig[11] = { 'P', 'G', 'C', 'O', 'P', 'Y', '\n', 0xff,
					       '\r', '\n', 0 };
	memcpy(b->b + b->n, sig, sizeof sig);
	b->n += sizeof sig;
	put(b, flags, 4);
	put(b, ext, 4);
	for (uint32_t i = 0; i < ext; i++)
		b->b[b->n++] = 0xee;
}

static void test_header(void **state)
{
	(void)state;
	struct buf b = { .n = 0 };
	header(&b, 0, 0);
	assert_int_equal(bt__pg_copy_header(b.b, b.n), 19);
	/* too short, or a byte of the signature off */
	assert_int_equal(bt__pg_copy_header(b.b, 18), -1);
	b.b[7] = 0xfe;
	assert_int_equal(bt__pg_copy_header(b.b, b.n), -1);
	/* an extension area is skipped */
	b.n = 0;
	header(&b, 0, 5);
	assert_int_equal(bt__pg_copy_header(b.b, b.n), 24);
	assert_int_equal(bt__pg_copy_header(b.b, b.n - 1), -1);
	/* OIDs (bit 16) or another critical flag: not read */
	b.n = 0;
	header(&b, 1u << 16, 0);
	assert_int_equal(bt__pg_copy_header(b.b, b.n), -1);
	b.n = 0;
	header(&b, 1u << 31, 0);
	assert_int_equal(bt__pg_copy_header(b.b, b.n), -1);
	/* a non-critical flag (bits 0-15) is fine */
	b.n = 0;
	header(&b, 1u, 0);
	assert_int_equal(bt__pg_copy_header(b.b, b.n), 19);
}

static void test_tuple_fields(void **state)
{
	(void)state;
	struct buf b = { .n = 0 };
	struct bt__pg_field f[8];
	int nf;
	size_t used;

	put(&b, 7, 2);                       /* 7 fields */
	put(&b, 8, 4);
	put(&b, (uint64_t)-2LL, 8);          /* int8 -2 */
	put(&b, 8, 4);
	put(&b, 0x0123456789abcdefULL, 8);   /* int8, every byte distinct */
	put(&b, 4, 4);
	put(&b, (uint32_t)-7, 4);            /* int4 -7 */
	put_f64(&b, 1.5);                    /* float8 */
	put_f64(&b, -1e-300);
	put(&b, 0xffffffffu, 4);             /* NULL */
	put(&b, 2, 4);
	memcpy(b.b + b.n, "ms", 2);          /* text */
	b.n += 2;
	size_t one = b.n;
	put(&b, 0xffff, 2);                  /* the trailer */

	assert_int_equal(bt__pg_copy_tuple(b.b, b.n, f, 8, &nf, &used), 1);
	assert_int_equal(nf, 7);
	assert_int_equal(used, one);
	assert_int_equal(bt__pg_field_i64(&f[0]), -2);
	assert_true(bt__pg_field_i64(&f[1]) == 0x0123456789abcdefLL);
	assert_int_equal(bt__pg_field_i32(&f[2]), -7);
	assert_true(bt__pg_field_f64(&f[3]) == 1.5);
	assert_true(bt__pg_field_f64(&f[4]) == -1e-300);
	assert_null(f[5].p);
	assert_int_equal(f[5].len, -1);
	assert_int_equal(f[6].len, 2);
	assert_memory_equal(f[6].p, "ms", 2);
	/* NULL: 0 and NaN; a field of another size reads as NULL does */
	assert_int_equal(bt__pg_field_i64(&f[5]), 0);
	assert_int_equal(bt__pg_field_i32(&f[5]), 0);
	assert_true(isnan(bt__pg_field_f64(&f[5])));
	assert_int_equal(bt__pg_field_i64(&f[2]), 0);
	assert_int_equal(bt__pg_field_i32(&f[0]), 0);
	assert_true(isnan(bt__pg_field_f64(&f[2])));

	/* then the trailer */
	assert_int_equal(bt__pg_copy_tuple(b.b + used, b.n - used, f, 8, &nf, &used), 0);
	assert_int_equal(nf, 0);
	assert_int_equal(used, 2);
}

static void test_tuple_malformed(void **state)
{
	(void)state;
	struct buf b = { .n = 0 };
	struct bt__pg_field f[2];
	int nf;
	size_t used;

	put(&b, 2, 2);
	put(&b, 8, 4);
	put(&b, 42, 8);
	put(&b, 0, 4); /* an empty value (a text '') */
	assert_int_equal(bt__pg_copy_tuple(b.b, b.n, f, 2, &nf, &used), 1);
	assert_int_equal(bt__pg_field_i64(&f[0]), 42);
	assert_int_equal(f[1].len, 0);
	/* cut anywhere: malformed, never read past the end */
	for (size_t n = 0; n < b.n; n++)
		assert_int_equal(bt__pg_copy_tuple(b.b, n, f, 2, &nf, &used), -1);
	/* more fields than the caller has room for */
	assert_int_equal(bt__pg_copy_tuple(b.b, b.n, f, 1, &nf, &used), -1);
	/* a length past the end, a negative count or length other than -1 */
	b.n = 0;
	put(&b, 1, 2);
	put(&b, 100, 4);
	put(&b, 1, 8);
	assert_int_equal(bt__pg_copy_tuple(b.b, b.n, f, 2, &nf, &used), -1);
	b.n = 0;
	put(&b, 0xfffe, 2);
	assert_int_equal(bt__pg_copy_tuple(b.b, b.n, f, 2, &nf, &used), -1);
	b.n = 0;
	put(&b, 1, 2);
	put(&b, 0xfffffffeu, 4);
	assert_int_equal(bt__pg_copy_tuple(b.b, b.n, f, 2, &nf, &used), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_tuple_fields),
		cmocka_unit_test(test_tuple_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
