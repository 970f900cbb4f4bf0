/* Reading the reference data of tests/fixtures/stats-reference.json
 * (SciPy/NumPy values; see /work/shared/stats-reference/README.md) in the
 * statistics tests. Header-only: each test binary is its own program.
 * Define REF_PATH and include <cmocka.h> and <jansson.h> first. */
#ifndef BT_TEST_REFDATA_H
#define BT_TEST_REFDATA_H

#include <math.h>
#include <string.h>

/* The whole reference document, loaded by the group setup load_ref. */
static json_t *ref;

static int load_ref(void **state)
{
	json_error_t jerr;

	(void)state;
	ref = json_load_file(REF_PATH, 0, &jerr);
	if (!ref) {
		print_error("%s:%d: %s\n", REF_PATH, jerr.line, jerr.text);
		return -1;
	}
	return 0;
}

static int free_ref(void **state)
{
	(void)state;
	json_decref(ref);
	ref = NULL;
	return 0;
}

/* Reference numbers are JSON numbers, or the strings nan/inf/-inf. */
static double jnum(const json_t *v, const char *ctx, const char *what)
{
	const char *s;

	if (json_is_number(v))
		return json_number_value(v);
	s = json_string_value(v);
	if (s && !strcmp(s, "nan"))
		return NAN;
	if (s && !strcmp(s, "inf"))
		return INFINITY;
	if (s && !strcmp(s, "-inf"))
		return -INFINITY;
	print_error("%s: %s is not a number\n", ctx, what);
	fail();
	return NAN;
}

static double jget(const json_t *obj, const char *key, const char *ctx)
{
	json_t *v = json_object_get(obj, key);

	if (!v) {
		print_error("%s: missing %s\n", ctx, key);
		fail();
	}
	return jnum(v, ctx, key);
}

#endif
