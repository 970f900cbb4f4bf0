/* Tests of the inference suite's safetensors reader
 * (examples/inference/safetensors.c, compiled into this test): valid files
 * with metadata and padding, and each way a file can be wrong, checked by
 * the message (file, tensor, what is wrong). Images are built in memory;
 * st_open is tested on files in a temporary directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helpers.h"
#include "safetensors.h"

BT_TEST_TMPDIR_FIXTURE(tmpdir, "bt_test_safetensors")

/* A file image: the header (padded with spaces to a multiple of 8 unless
 * raw), then data_len bytes of data: floats 0, 1, 2, ... */
struct image {
	union {
		unsigned char b[4096];
		uint32_t align;
	} u;
	size_t size;
};

static void build(struct image *im, const char *header, size_t data_len, int raw)
{
	size_t hl = strlen(header);
	memset(im, 0, sizeof *im);
	memcpy(im->u.b + 8, header, hl);
	while (!raw && hl % 8)
		im->u.b[8 + hl++] = ' ';
	for (int k = 0; k < 8; k++)
		im->u.b[k] = (unsigned char)((uint64_t)hl >> (8 * k));
	for (size_t i = 0; i < data_len / 4; i++) {
		float f = (float)i;
		memcpy(im->u.b + 8 + hl + 4 * i, &f, 4);
	}
	im->size = 8 + hl + data_len;
}

/* Parses im; expects failure with every string of the NULL-ended list in
 * the message. */
static void expect_error(struct image *im, ...)
{
	struct st_file f;
	char err[512];
	va_list ap;
	assert_int_equal(st_parse(&f, im->u.b, im->size, "m.safetensors", err, sizeof err), -1);
	assert_null(f.tensors);
	assert_non_null(strstr(err, "m.safetensors: "));
	va_start(ap, im);
	for (const char *s; (s = va_arg(ap, const char *));) {
		if (!strstr(err, s))
			fail_msg("'%s' not in: %s", s, err);
	}
	va_end(ap);
}

#define TWO "{\"__metadata__\":{\"format\":\"pt\"}," \
	    "\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}," \
	    "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[24,32]}}"

static void test_valid(void **state)
{
	struct image im;
	struct st_file f;
	char err[512];
	build(&im, TWO, 32, 0);
	assert_int_equal(st_parse(&f, im.u.b, im.size, "m.safetensors", err, sizeof err), 0);
	assert_int_equal(f.n_tensors, 2);
	const struct st_tensor *a = st_find(&f, "a"), *b = st_find(&f, "b");
	assert_non_null(a);
	assert_non_null(b);
	assert_null(st_find(&f, "c"));
	assert_int_equal(a->ndim, 2);
	assert_int_equal(a->shape[0], 2);
	assert_int_equal(a->shape[1], 3);
	assert_true(a->data[5] == 5.0f);
	assert_true(b->data[0] == 6.0f && b->data[1] == 7.0f);
	const float *p;
	int64_t want[2] = { 2, 3 };
	assert_int_equal(st_expect(&f, "a", 2, want, &p, err, sizeof err), 0);
	assert_ptr_equal(p, a->data);
	int64_t wrong[2] = { 3, 2 };
	assert_int_equal(st_expect(&f, "a", 2, wrong, &p, err, sizeof err), -1);
	assert_string_equal(err, "m.safetensors: tensor 'a': shape [2, 3] where the config needs [3, 2]");
	assert_int_equal(st_expect(&f, "zz", 1, want, &p, err, sizeof err), -1);
	assert_string_equal(err, "m.safetensors: tensor 'zz': missing (the config needs it)");
	st_close(&f);
	assert_null(f.tensors);
}

static void test_header_length(void **state)
{
	struct image im;
	build(&im, TWO, 32, 0);
	im.size = 5;
	expect_error(&im, "too short", NULL);
	build(&im, TWO, 32, 0);
	im.u.b[6] = 1; /* 2^48 bytes */
	expect_error(&im, "header length", "out of bounds", NULL);
	build(&im, TWO, 32, 0);
	im.u.b[0] = 0xf8, im.u.b[1] = 0x0f; /* 4088: past the 4096-byte image */
	im.size = 100;
	expect_error(&im, "reaches past the end of the file", NULL);
	build(&im, "{}", 0, 1);
	expect_error(&im, "unaligned", NULL);
}

static void test_bad_json(void **state)
{
	struct image im;
	/* a bit flipped in tensor b's entry: ',' (0x2c) becomes '-' (0x2d) */
	build(&im, TWO, 32, 0);
	char *h = (char *)im.u.b + 8;
	char *at = strstr(h, "\"shape\":[2],") + strlen("\"shape\":[2]");
	*at ^= 1;
	expect_error(&im, "tensor 'b'", "not valid JSON", NULL);
	build(&im, "[1, 2, 3]", 0, 0);
	expect_error(&im, "does not start with '{'", NULL);
	build(&im, "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
		   "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, 0);
	expect_error(&im, "duplicate", NULL);
	build(&im, "{\"__metadata__\":{\"n\":1}}", 0, 0);
	expect_error(&im, "__metadata__ 'n' is not a string", NULL);
}

static void test_entries(void **state)
{
	struct image im;
	build(&im, "{\"w\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4, 0);
	expect_error(&im, "tensor 'w'", "dtype F16 is not supported", NULL);
	build(&im, "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, 0);
	expect_error(&im, "tensor 'w'", "shape needs 12 bytes", "hold 8", NULL);
	build(&im, "{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4, 0);
	expect_error(&im, "tensor 'w'", "shape[0] is not a non-negative integer", NULL);
	build(&im, "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", 4, 0);
	expect_error(&im, "tensor 'w'", "end before begin", NULL);
	build(&im, "{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, 0);
	expect_error(&im, "tensor 'w'", "data_offsets", NULL);
	build(&im, "{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, 0);
	expect_error(&im, "tensor 'w'", "no \"dtype\"", NULL);
	build(&im, "{\"w\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]}}", 4, 0);
	expect_error(&im, "tensor 'w'", "9 dimensions", NULL);
}

static void test_layout(void **state)
{
	struct image im;
	/* truncated: b reaches past the data */
	build(&im, TWO, 28, 0);
	expect_error(&im, "tensor 'b'", "reach past the data section (28 bytes", NULL);
	/* overlap */
	build(&im, "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
		   "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, 0);
	expect_error(&im, "tensor 'b'", "overlap tensor 'a'", NULL);
	/* hole */
	build(&im, "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
		   "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", 12, 0);
	expect_error(&im, "tensor 'b'", "hole of 4 bytes", NULL);
	/* trailing bytes */
	build(&im, TWO, 40, 0);
	expect_error(&im, "8 bytes after the last tensor", NULL);
	/* misaligned */
	build(&im, "{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},"
		   "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[2,6]}}", 8, 0);
	expect_error(&im, "tensor 'b'", "data offset 2 is not 4-byte aligned", NULL);
}

static void test_open(void **state)
{
	struct image im;
	struct st_file f;
	char path[600], err[1024];
	build(&im, TWO, 32, 0);
	snprintf(path, sizeof path, "%s/ok.safetensors", tmpdir);
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(im.u.b, 1, im.size, fp), im.size);
	fclose(fp);
	assert_int_equal(st_open(&f, path, err, sizeof err), 0);
	assert_true(st_find(&f, "b")->data[1] == 7.0f);
	st_close(&f);
	/* the same file cut short */
	assert_int_equal(truncate(path, (off_t)im.size - 4), 0);
	assert_int_equal(st_open(&f, path, err, sizeof err), -1);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "tensor 'b'"));
	snprintf(path, sizeof path, "%s/none.safetensors", tmpdir);
	assert_int_equal(st_open(&f, path, err, sizeof err), -1);
	assert_non_null(strstr(err, "No such file"));
	assert_int_equal(st_open(&f, tmpdir, err, sizeof err), -1);
	assert_non_null(strstr(err, "not a regular file"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_header_length),
		cmocka_unit_test(test_bad_json),
		cmocka_unit_test(test_entries),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_open),
	};
	return cmocka_run_group_tests(tests, setup_tmpdir, teardown_tmpdir);
}
