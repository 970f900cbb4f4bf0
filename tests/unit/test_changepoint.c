/* Unit tests of lib/analysis/changepoint.c: parity with Apache Otava on the
 * committed corpus subset (tests/fixtures/changepoint/subset.json, made by
 * scripts/changepoint-fixture.py) and, when present, on the full corpus
 * ($BT_CHANGEPOINT_CORPUS, else /work/shared/changepoint/dev); hand-checkable
 * series; the defaults' false-alarm rate and recall on seeded simulations;
 * incremental update == full run. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <jansson.h>

#include "benchtrack.h"
#include "benchtrack/analysis.h"
#include "runmaker.h"

#ifndef BT_SOURCE_DIR
#error "BT_SOURCE_DIR must be defined"
#endif
#define SUBSET_PATH BT_SOURCE_DIR "/tests/fixtures/changepoint/subset.json"
#define CORPUS_DEFAULT "/work/shared/changepoint/dev"

static const double pvals[2] = {0.001, 0.0001};
static const char *pkeys[2] = {"p0.001", "p0.0001"};

/* --- helpers -------------------------------------------------------------- */

/* Index sets equal: ours (res) against a JSON array of indices or of
 * objects with "index". */
static int same_set(const struct bt_cp_result *r, json_t *arr)
{
	size_t i;

	if (json_array_size(arr) != r->n)
		return 0;
	for (i = 0; i < r->n; i++) {
		json_t *e = json_array_get(arr, i);
		json_int_t idx = json_is_object(e) ? json_integer_value(json_object_get(e, "index"))
						   : json_integer_value(e);
		if ((size_t)idx != r->points[i].index)
			return 0;
	}
	return 1;
}

static void fmt_set(char *buf, size_t cap, const size_t *v, size_t n)
{
	size_t i, len = 0;

	buf[0] = 0;
	for (i = 0; i < n && len + 12 < cap; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%s%zu", i ? "," : "", v[i]);
}

static double *load_csv(const char *path, size_t *n)
{
	FILE *f = fopen(path, "r");
	char line[256];
	double *v = NULL;
	size_t cap = 0;

	*n = 0;
	if (!f)
		return NULL;
	if (!fgets(line, sizeof line, f) || strncmp(line, "index,value", 11)) {
		fclose(f);
		return NULL;
	}
	while (fgets(line, sizeof line, f)) {
		char *c = strchr(line, ',');
		if (!c)
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 256;
			v = realloc(v, cap * sizeof *v);
			assert_non_null(v);
		}
		v[(*n)++] = strtod(c + 1, NULL);
	}
	fclose(f);
	return v;
}

static double *json_values(json_t *arr, size_t *n)
{
	size_t i;
	double *v;

	*n = json_array_size(arr);
	v = malloc((*n + 1) * sizeof *v);
	assert_non_null(v);
	for (i = 0; i < *n; i++)
		v[i] = json_number_value(json_array_get(arr, i));
	return v;
}

/* --- deterministic generator ---------------------------------------------- */

struct rng {
	uint64_t s;
	int have;
	double spare;
};

static uint64_t rnext(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double runif(struct rng *r)
{
	return ((double)(rnext(r) >> 11) + 0.5) / 9007199254740992.0;
}

static double runif_cb(void *r)
{
	return runif(r);
}

static double rnorm(struct rng *r)
{
	return bt_test_normal(runif_cb, r, &r->have, &r->spare);
}

/* Level 100, Gaussian noise with sd cv*100; step of rel (0: none) at idx;
 * with spike_frac > 0, round(frac*n) distinct points get +6 sd. */
static void gen(double *x, size_t n, uint64_t seed, double cv, double rel,
		size_t idx, double spike_frac)
{
	struct rng r = {seed * 0x2545f4914f6cdd1dull + 1, 0, 0};
	double sd = cv * 100;
	size_t i, ns = (size_t)lround(spike_frac * (double)n);

	for (i = 0; i < n; i++)
		x[i] = 100 * (1 + (rel != 0 && i >= idx ? rel : 0)) + sd * rnorm(&r);
	while (ns) {
		size_t k = (size_t)(runif(&r) * (double)n);
		if (k >= n || x[k] > 100 * (1 + rel) + 5.5 * sd)
			continue; /* already a spike: pick another */
		x[k] += 6 * sd;
		ns--;
	}
}

/* --- parity --------------------------------------------------------------- */

struct parity {
	size_t total, same[2];
};

static void report_mismatch(const char *id, int k, const struct bt_cp_result *r,
			    json_t *want, struct parity *pa)
{
	char ours[256], theirs[256];
	size_t v[64], i, n = json_array_size(want);

	for (i = 0; i < n && i < 64; i++) {
		json_t *e = json_array_get(want, i);
		v[i] = (size_t)(json_is_object(e) ? json_integer_value(json_object_get(e, "index"))
						  : json_integer_value(e));
	}
	fmt_set(theirs, sizeof theirs, v, n < 64 ? n : 64);
	for (i = 0; i < r->n && i < 64; i++)
		v[i] = r->points[i].index;
	fmt_set(ours, sizeof ours, v, r->n < 64 ? r->n : 64);
	if (pa->total - pa->same[k] <= 20)
		print_message("  mismatch %s %s: ours [%s] otava [%s]\n", id, pkeys[k], ours, theirs);
}

static void check_series(const char *id, const double *x, size_t n,
			 json_t *ans[2], struct parity *pa)
{
	int k;

	pa->total++;
	for (k = 0; k < 2; k++) {
		struct bt_cp_opts o;
		struct bt_cp_result r;

		bt_cp_opts_otava(&o, pvals[k]);
		assert_int_equal(bt_changepoints(x, n, &o, &r, NULL), 0);
		if (same_set(&r, ans[k]))
			pa->same[k]++;
		else
			report_mismatch(id, k, &r, ans[k], pa);
		bt_cp_result_release(&r);
	}
}

static void test_subset_parity(void **state)
{
	json_error_t je;
	json_t *doc = json_load_file(SUBSET_PATH, 0, &je), *arr;
	struct parity pa = {0, {0, 0}};
	size_t i;

	(void)state;
	assert_non_null(doc);
	arr = json_object_get(doc, "series");
	assert_true(json_array_size(arr) >= 90);
	for (i = 0; i < json_array_size(arr); i++) {
		json_t *s = json_array_get(arr, i), *ans[2];
		size_t n;
		double *x = json_values(json_object_get(s, "values"), &n);

		assert_int_equal(n, json_integer_value(json_object_get(s, "N")));
		ans[0] = json_object_get(json_object_get(s, "otava"), pkeys[0]);
		ans[1] = json_object_get(json_object_get(s, "otava"), pkeys[1]);
		check_series(json_string_value(json_object_get(s, "id")), x, n, ans, &pa);
		free(x);
	}
	print_message("subset parity: p=0.001 %zu/%zu, p=0.0001 %zu/%zu\n", pa.same[0],
		      pa.total, pa.same[1], pa.total);
	assert_true(pa.same[0] * 100 >= pa.total * 99);
	assert_true(pa.same[1] * 100 >= pa.total * 99);
	json_decref(doc);
}

static const char *corpus_dir(void)
{
	const char *d = getenv("BT_CHANGEPOINT_CORPUS");
	static char path[4096];
	struct stat sb;

	if (!d || !*d)
		d = CORPUS_DEFAULT;
	snprintf(path, sizeof path, "%s/otava.json", d);
	return stat(path, &sb) == 0 ? d : NULL;
}

/* Defaults on the corpus: per cell counts, printed (the corpus has few
 * series per cell; the simulations below assert the targets). */
struct cell {
	size_t n, hit;
};

static int found_near(const struct bt_cp_result *r, long idx, long tol)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (labs((long)r->points[i].index - idx) <= tol)
			return 1;
	return 0;
}

static void test_corpus(void **state)
{
	const char *dir = corpus_dir();
	char path[4096];
	json_error_t je;
	json_t *man, *ota, *ms, *os;
	struct parity pa = {0, {0, 0}};
	/* null flagged: [0] gauss CV2, [1] gauss_spikes 3% CV2, [2] all gauss,
	 * [3] all gauss_spikes 3%, [4] all null; [5] spike_revert any */
	struct cell nul[6] = {{0, 0}};
	/* recall: [0] 5% steps CV2 (2.5 sd), [1] 2-sd steps (2% at CV1),
	 * [2] 10% steps CV5 (2 sd), [3] all steps >= 5% */
	struct cell rec[4] = {{0, 0}};
	size_t i;

	(void)state;
	if (!dir) {
		print_message("full corpus not found (set BT_CHANGEPOINT_CORPUS): skipped\n");
		skip();
		return;
	}
	snprintf(path, sizeof path, "%s/manifest.json", dir);
	man = json_load_file(path, 0, &je);
	snprintf(path, sizeof path, "%s/otava.json", dir);
	ota = json_load_file(path, 0, &je);
	assert_non_null(man);
	assert_non_null(ota);
	ms = json_object_get(man, "series");
	os = json_object_get(ota, "series");
	assert_int_equal(json_array_size(ms), json_array_size(os));
	for (i = 0; i < json_array_size(ms); i++) {
		json_t *s = json_array_get(ms, i), *a = json_array_get(os, i), *ans[2];
		json_t *noise = json_object_get(s, "noise"), *inj = json_object_get(s, "injection");
		const char *nk = json_string_value(json_object_get(noise, "kind"));
		const char *ik = json_string_value(json_object_get(inj, "kind"));
		double cv = json_number_value(json_object_get(noise, "cv_pct"));
		double sf = json_number_value(json_object_get(noise, "spike_frac"));
		struct bt_cp_opts o;
		struct bt_cp_result r;
		size_t n;
		double *x;

		assert_string_equal(json_string_value(json_object_get(s, "id")),
				    json_string_value(json_object_get(a, "id")));
		snprintf(path, sizeof path, "%s/%s", dir,
			 json_string_value(json_object_get(s, "file")));
		x = load_csv(path, &n);
		assert_non_null(x);
		assert_int_equal(n, json_integer_value(json_object_get(s, "N")));
		ans[0] = json_object_get(json_object_get(a, pkeys[0]), "change_points");
		ans[1] = json_object_get(json_object_get(a, pkeys[1]), "change_points");
		check_series(json_string_value(json_object_get(s, "id")), x, n, ans, &pa);

		bt_cp_opts_default(&o);
		assert_int_equal(bt_changepoints(x, n, &o, &r, NULL), 0);
		if (!strcmp(ik, "null")) {
			int g = !strcmp(nk, "gauss"), sp = !strcmp(nk, "gauss_spikes") && sf > 0.02;
			int f = r.n > 0;

			if (g && cv == 2.0)
				nul[0].n++, nul[0].hit += f;
			if (sp && cv == 2.0)
				nul[1].n++, nul[1].hit += f;
			if (g)
				nul[2].n++, nul[2].hit += f;
			if (sp)
				nul[3].n++, nul[3].hit += f;
			nul[4].n++, nul[4].hit += f;
		} else if (!strcmp(ik, "spike_revert")) {
			nul[5].n++, nul[5].hit += r.n > 0;
		} else if (!strcmp(ik, "step")) {
			double mag = json_number_value(json_object_get(inj, "magnitude_pct"));
			long idx = (long)json_integer_value(json_object_get(inj, "index"));
			int f = found_near(&r, idx, 3);

			if (mag == 5.0 && cv == 2.0)
				rec[0].n++, rec[0].hit += f;
			if (mag == 2.0 && cv == 1.0)
				rec[1].n++, rec[1].hit += f;
			if (mag == 10.0 && cv == 5.0)
				rec[2].n++, rec[2].hit += f;
			if (mag >= 5.0)
				rec[3].n++, rec[3].hit += f;
		}
		bt_cp_result_release(&r);
		free(x);
	}
	print_message("corpus parity with Otava (%zu series): p=0.001 %zu (%.2f%%), "
		      "p=0.0001 %zu (%.2f%%)\n", pa.total, pa.same[0],
		      100.0 * (double)pa.same[0] / (double)pa.total, pa.same[1],
		      100.0 * (double)pa.same[1] / (double)pa.total);
#define PR(name, c) print_message("  defaults %-38s %zu/%zu (%.1f%%)\n", name, (c).hit, (c).n, \
				  (c).n ? 100.0 * (double)(c).hit / (double)(c).n : 0.0)
	PR("null gauss CV2% flagged", nul[0]);
	PR("null gauss_spikes 3% CV2% flagged", nul[1]);
	PR("null gauss (all CV) flagged", nul[2]);
	PR("null gauss_spikes 3% (all CV) flagged", nul[3]);
	PR("null (all noise) flagged", nul[4]);
	PR("spike_revert: any CP", nul[5]);
	PR("recall 5% steps CV2% (2.5 sd, +-3)", rec[0]);
	PR("recall 2% steps CV1% (2 sd = min magn.)", rec[1]);
	PR("recall 10% steps CV5% (2 sd, +-3)", rec[2]);
	PR("recall steps >= 5% (all CV, +-3)", rec[3]);
#undef PR
	assert_true(pa.same[0] * 100 >= pa.total * 99);
	assert_true(pa.same[1] * 100 >= pa.total * 99);
	json_decref(man);
	json_decref(ota);
}

/* --- hand-checkable series ------------------------------------------------ */

/* x[0..120): lo before index 60, hi from there on, plus a deterministic
 * noise of -2, -1, 0, 1 or 2 times noise. */
static void step_series(double x[120], double lo, double hi, double noise)
{
	for (size_t i = 0; i < 120; i++)
		x[i] = (i < 60 ? lo : hi) + ((int)(i * 7 % 5) - 2) * noise;
}

static void test_clean_step(void **state)
{
	double x[120];
	int mode;

	(void)state;
	step_series(x, 100.0, 110.0, 0.1);
	for (mode = 0; mode < 3; mode++) {
		struct bt_cp_opts o;
		struct bt_cp_result r;

		if (mode == 2)
			bt_cp_opts_default(&o);
		else
			bt_cp_opts_otava(&o, pvals[mode]);
		assert_int_equal(bt_changepoints(x, 120, &o, &r, NULL), 0);
		assert_int_equal(r.n, 1);
		assert_int_equal(r.points[0].index, 60);
		assert_true(fabs(r.points[0].mean_before - 100.0) < 0.05);
		assert_true(fabs(r.points[0].mean_after - 110.0) < 0.05);
		assert_true(fabs(r.points[0].rel_change - 0.1) < 0.001);
		assert_true(r.points[0].p_value < 1e-10);
		assert_true(r.n_series == 120);
		bt_cp_result_release(&r);
	}
}

/* The same step far out of the range of timings (1e160, 1e-160, near
 * DBL_MAX): found at the same place with the same p-value, means in the
 * caller's units, in both modes; incremental updates agree. */
static void test_extreme_scale(void **state)
{
	static const double scales[] = { 1e160, 1e-160, 1e300, 1e-300, 0x1p-1000 };
	double x[120], y[120];
	size_t i, k;
	int mode;

	(void)state;
	step_series(x, 1.0, 1.7, 0.01);
	for (mode = 0; mode < 2; mode++) {
		struct bt_cp_opts o;
		struct bt_cp_result r0, r;

		if (mode == 1)
			bt_cp_opts_default(&o);
		else
			bt_cp_opts_otava(&o, pvals[0]);
		assert_int_equal(bt_changepoints(x, 120, &o, &r0, NULL), 0);
		assert_int_equal(r0.n, 1);
		for (k = 0; k < sizeof scales / sizeof *scales; k++) {
			for (i = 0; i < 120; i++)
				y[i] = x[i] * scales[k];
			assert_int_equal(bt_changepoints(y, 100, &o, &r, NULL), 0);
			assert_int_equal(bt_changepoints_update(y, 120, &o, &r, NULL), 0);
			if (r.n != 1)
				fail_msg("scale %g, mode %d: %zu change points", scales[k], mode, r.n);
			assert_int_equal(r.points[0].index, 60);
			assert_true(fabs(r.points[0].mean_before / scales[k] - 1.0) < 0.01);
			assert_true(fabs(r.points[0].mean_after / scales[k] - 1.7) < 0.01);
			assert_true(fabs(r.points[0].rel_change - r0.points[0].rel_change) < 1e-9);
			assert_true(r.points[0].p_value < 1e-10);
			bt_cp_result_release(&r);
		}
		bt_cp_result_release(&r0);
	}
}

/* Worse or better is read from the means, in the series' direction: also
 * from a mean of exactly 0 (an infinite relative change) and with
 * negative means, where the sign of rel_change would mislead. */
static void test_change_worse(void **state)
{
	struct bt_series lower, higher;
	struct bt_change_point up = { .mean_before = 0, .mean_after = 5,
				      .rel_change = INFINITY };
	struct bt_change_point down = { .mean_before = 5, .mean_after = 0,
					.rel_change = -1 };
	/* -10 -> -5: rel_change -0.5, yet the value rose */
	struct bt_change_point neg = { .mean_before = -10, .mean_after = -5,
				       .rel_change = -0.5 };

	(void)state;
	memset(&lower, 0, sizeof lower);
	memset(&higher, 0, sizeof higher);
	lower.direction = BT_LOWER_IS_BETTER;
	higher.direction = BT_HIGHER_IS_BETTER;
	assert_true(bt_series_change_worse(&lower, &up));
	assert_false(bt_series_change_worse(&higher, &up));
	assert_false(bt_series_change_worse(&lower, &down));
	assert_true(bt_series_change_worse(&higher, &down));
	assert_true(bt_series_change_worse(&lower, &neg));
	assert_false(bt_series_change_worse(&higher, &neg));
}

static void test_constant_and_short(void **state)
{
	double x[200];
	size_t i, n;
	int mode;

	(void)state;
	for (i = 0; i < 200; i++)
		x[i] = 42.0;
	for (mode = 0; mode < 2; mode++) {
		struct bt_cp_opts o;
		struct bt_cp_result r;

		if (mode)
			bt_cp_opts_default(&o);
		else
			bt_cp_opts_otava(&o, 0.001);
		for (n = 0; n <= 200; n += (n < 5 ? 1 : 65)) {
			assert_int_equal(bt_changepoints(x, n, &o, &r, NULL), 0);
			assert_int_equal(r.n, 0);
			assert_int_equal(r.n_series, n);
			bt_cp_result_release(&r);
		}
	}
}

static void test_nan_rejected(void **state)
{
	double x[50];
	struct bt_strbuf err = BT_STRBUF_INIT;
	struct bt_cp_opts o;
	struct bt_cp_result r;
	size_t i;

	(void)state;
	for (i = 0; i < 50; i++)
		x[i] = 100 + (double)(i % 3);
	x[17] = NAN;
	bt_cp_opts_default(&o);
	assert_int_equal(bt_changepoints(x, 50, &o, &r, &err), BT_EINVAL);
	assert_non_null(strstr(bt_strbuf_str(&err), "17"));
	assert_null(r.points);
	bt_strbuf_reset(&err);
	x[17] = INFINITY;
	assert_int_equal(bt_changepoints(x, 50, &o, &r, &err), BT_EINVAL);
	assert_non_null(strstr(bt_strbuf_str(&err), "index 17"));
	/* a NAN among appended points */
	x[17] = 1;
	x[45] = NAN;
	assert_int_equal(bt_changepoints(x, 40, &o, &r, NULL), 0);
	bt_strbuf_reset(&err);
	assert_int_equal(bt_changepoints_update(x, 50, &o, &r, &err), BT_EINVAL);
	assert_non_null(strstr(bt_strbuf_str(&err), "index 45"));
	bt_cp_result_release(&r);
	o.window = 1;
	assert_int_equal(bt_changepoints(x, 10, &o, &r, NULL), BT_EINVAL);
	bt_strbuf_release(&err);
}

/* One-point spikes that revert. A lone +20% spike at CV 0.5% is not
 * reported; two such spikes two points apart (+10% each, a seed and
 * position where it matters) are reported by Otava and by our defaults
 * without spike suppression, not by our defaults. */
static void test_spike_suppressed(void **state)
{
	double x[200];
	struct bt_cp_opts o;
	struct bt_cp_result r;

	(void)state;
	gen(x, 200, 2, 0.005, 0, 0, 0);
	x[145] *= 1.2;
	bt_cp_opts_default(&o);
	assert_int_equal(bt_changepoints(x, 200, &o, &r, NULL), 0);
	assert_int_equal(r.n, 0);
	bt_cp_result_release(&r);

	gen(x, 200, 1, 0.005, 0, 0, 0);
	x[96] *= 1.1;
	x[98] *= 1.1;
	bt_cp_opts_otava(&o, 0.001);
	assert_int_equal(bt_changepoints(x, 200, &o, &r, NULL), 0);
	assert_true(r.n >= 1);
	bt_cp_result_release(&r);
	bt_cp_opts_default(&o);
	o.suppress_spikes = 0;
	assert_int_equal(bt_changepoints(x, 200, &o, &r, NULL), 0);
	assert_true(r.n >= 1);
	bt_cp_result_release(&r);
	bt_cp_opts_default(&o);
	assert_int_equal(bt_changepoints(x, 200, &o, &r, NULL), 0);
	assert_int_equal(r.n, 0);
	bt_cp_result_release(&r);
}

/* min_after: a step 3 points before the end is not reported yet; it is
 * once 5 points follow it. */
static void test_min_after(void **state)
{
	double x[205];
	struct bt_cp_opts o;
	struct bt_cp_result r;
	size_t i;

	(void)state;
	gen(x, 205, 11, 0.005, 0.10, 197, 0);
	bt_cp_opts_default(&o);
	assert_int_equal(bt_changepoints(x, 200, &o, &r, NULL), 0);
	for (i = 0; i < r.n; i++)
		assert_true(r.points[i].index + 5 <= 200);
	/* pending meanwhile, with its evidence: 3 points after it */
	assert_int_equal(r.n_pending, 1);
	assert_int_equal(r.pending[0].index, 197);
	assert_int_equal(r.pending[0].n_after, 3);
	assert_true(r.pending[0].rel_change > 0.08 && r.pending[0].p_value < 1e-4);
	assert_int_equal(bt_changepoints_update(x, 202, &o, &r, NULL), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.points[0].index, 197);
	assert_int_equal(r.n_pending, 0);
	bt_cp_result_release(&r);
	/* a slowdown in the newest point is pending at once */
	assert_int_equal(bt_changepoints(x, 198, &o, &r, NULL), 0);
	assert_int_equal(r.n, 0);
	assert_int_equal(r.n_pending, 1);
	assert_int_equal(r.pending[0].index, 197);
	assert_int_equal(r.pending[0].n_after, 1);
	bt_cp_result_release(&r);
	bt_cp_opts_otava(&o, 0.001);
	assert_int_equal(bt_changepoints(x, 200, &o, &r, NULL), 0);
	assert_int_equal(r.n_pending, 0);
	bt_cp_result_release(&r);
}

/* --- simulations of the defaults (ARCHITECTURE.md §8) ------------------ */

#define SIM_N 200

static void test_sim_false_alarms(void **state)
{
	double x[SIM_N];
	size_t s, flagged[2] = {0, 0}, runs = 600;
	struct bt_cp_opts o;
	int k;

	(void)state;
	bt_cp_opts_default(&o);
	for (k = 0; k < 2; k++) {
		for (s = 0; s < runs; s++) {
			struct bt_cp_result r;

			gen(x, SIM_N, 1000 + s + 100000 * (uint64_t)k, 0.02, 0, 0, k ? 0.03 : 0);
			assert_int_equal(bt_changepoints(x, SIM_N, &o, &r, NULL), 0);
			flagged[k] += r.n > 0;
			bt_cp_result_release(&r);
		}
	}
	print_message("defaults, simulated null CV 2%% N=200: flagged %zu/%zu (%.2f%%); "
		      "with 3%% +6sd spikes %zu/%zu (%.2f%%)\n", flagged[0], runs,
		      100.0 * (double)flagged[0] / (double)runs, flagged[1], runs,
		      100.0 * (double)flagged[1] / (double)runs);
	assert_true(flagged[0] * 100 <= runs * 2);
	assert_true(flagged[1] * 100 <= runs * 5);
}

static void test_sim_recall(void **state)
{
	double x[SIM_N];
	size_t s, hit = 0, exact = 0, runs = 400;
	struct bt_cp_opts o;

	(void)state;
	bt_cp_opts_default(&o);
	for (s = 0; s < runs; s++) {
		struct bt_cp_result r;
		struct rng pr = {77 + s, 0, 0};
		size_t idx = 60 + (size_t)(runif(&pr) * 81); /* [0.3 N, 0.7 N] */
		double sign = (rnext(&pr) & 1) ? 1 : -1;
		size_t i;

		gen(x, SIM_N, 5000 + s, 0.02, sign * 0.04, idx, 0);
		assert_int_equal(bt_changepoints(x, SIM_N, &o, &r, NULL), 0);
		hit += found_near(&r, (long)idx, 3);
		for (i = 0; i < r.n; i++)
			exact += r.points[i].index == idx;
		bt_cp_result_release(&r);
	}
	print_message("defaults, simulated 2 sd steps (4%% at CV 2%%) N=200: recall +-3 "
		      "%zu/%zu (%.2f%%), exact index %zu\n", hit, runs,
		      100.0 * (double)hit / (double)runs, exact);
	assert_true(hit * 100 >= runs * 95);
}

/* --- the noise estimators (lib/analysis/noise.c), values by hand --------- */

static void test_noise_estimators(void **state)
{
	/* differences 1 2 3 4: median 2.5, absolute deviations 1.5 .5 .5 1.5,
	 * MAD 1; sd = 1.4826 * 1 / sqrt(2) */
	const double x[5] = {1, 2, 4, 7, 11};
	/* a step of 100 before index 3: differences 1 2 103 4, median 3,
	 * deviations 2 1 100 1, MAD 1.5; without the difference across 3
	 * (split at 3): 1 2 4, median 2, deviations 1 0 2, MAD 1 */
	const double st[5] = {1, 2, 4, 107, 111};
	const double lin[5] = {1, 2, 3, 4, 5};     /* e -2..2: 4 / 10 */
	const double alt[4] = {1, -1, 1, -1};      /* -3 / 4 */
	/* e -5.5 -4.5 -3.5 3.5 4.5 5.5: 68.75 / 125.5; split at 3: 0 / 4 */
	const double two[6] = {1, 2, 3, 10, 11, 12};
	const double flat[4] = {3, 3, 3, 3};
	const double k = 1.482602218505602 / sqrt(2.0);
	double work[8];

	(void)state;
	assert_float_equal(bt_noise_sd_diff(x, 5, work), k, 1e-15);
	assert_float_equal(bt_noise_sd_diff(x, 5, NULL), k, 1e-15);
	assert_float_equal(bt_noise_sd_diff(st, 5, work), 1.5 * k, 1e-15);
	assert_float_equal(bt_noise_sd_diff_split(st, 5, 3, work), k, 1e-15);
	assert_float_equal(bt_noise_sd_diff(flat, 4, work), 0, 0);
	assert_true(isnan(bt_noise_sd_diff(x, 2, work)));
	assert_true(isnan(bt_noise_sd_diff_split(x, 3, 1, work))); /* 1 difference */

	assert_float_equal(bt_lag1_autocorr(lin, 5), 0.4, 1e-15);
	assert_float_equal(bt_lag1_autocorr(alt, 4), -0.75, 1e-15);
	assert_float_equal(bt_lag1_autocorr(two, 6), 68.75 / 125.5, 1e-15);
	assert_float_equal(bt_lag1_autocorr_split(two, 6, 3), 0, 1e-15);
	assert_float_equal(bt_lag1_autocorr_split(two, 6, 0), 68.75 / 125.5, 1e-15);
	assert_true(isnan(bt_lag1_autocorr(flat, 4)));

	assert_float_equal(bt_effective_n(100, 0.5), 100.0 / 3.0, 1e-12);
	assert_float_equal(bt_effective_n(100, 0.6), 25, 1e-12);
	assert_float_equal(bt_effective_n(100, -0.2), 100, 0);
	assert_float_equal(bt_effective_n(100, NAN), 100, 0);
	assert_float_equal(bt_effective_n(100, 1), 0, 0);
}

/* Level 100, AR(1) noise of stationary sd cv*100 (phi), or (phi < 0)
 * Gaussian noise with a second mode: +gap sd on each point with
 * probability 0.1; a step of rel at idx. */
static void gen_ar1(double *x, size_t n, uint64_t seed, double cv, double phi,
		    double gap, double rel, size_t idx)
{
	struct rng r = {seed * 0x2545f4914f6cdd1dull + 7, 0, 0};
	double sd = cv * 100, e = 0;

	for (size_t i = 0; i < n; i++) {
		double z = rnorm(&r);

		if (phi < 0)
			e = sd * z + (runif(&r) < 0.1 ? gap * sd : 0);
		else
			e = i == 0 ? sd * z : phi * e + sqrt(1 - phi * phi) * sd * z;
		x[i] = 100 * (1 + (i >= idx ? rel : 0)) + e;
	}
}

/* The issue-13 targets on seeded simulations of the corpus design:
 * AR(1) null series (phi 0.6) flagged <= 8%, bimodal <= 5%, 1% steps at
 * 0.5% noise found >= 80% (the old fixed 2% floor found none). */
static void test_sim_adaptive(void **state)
{
	double x[SIM_N];
	size_t s, runs = 300, ar = 0, bi = 0, hit = 0, ar_otava = 0;
	struct bt_cp_opts o, ot;

	(void)state;
	bt_cp_opts_default(&o);
	bt_cp_opts_otava(&ot, 0.001);
	for (s = 0; s < runs; s++) {
		struct bt_cp_result r;
		struct rng pr = {91 + s, 0, 0};
		size_t idx = 60 + (size_t)(runif(&pr) * 81);

		gen_ar1(x, SIM_N, 100 + s, 0.02, 0.6, 0, 0, SIM_N);
		assert_int_equal(bt_changepoints(x, SIM_N, &o, &r, NULL), 0);
		ar += r.n > 0;
		bt_cp_result_release(&r);
		assert_int_equal(bt_changepoints(x, SIM_N, &ot, &r, NULL), 0);
		ar_otava += r.n > 0;
		bt_cp_result_release(&r);
		gen_ar1(x, SIM_N, 700 + s, 0.02, -1, s % 2 ? 5 : 3, 0, SIM_N);
		assert_int_equal(bt_changepoints(x, SIM_N, &o, &r, NULL), 0);
		bi += r.n > 0;
		bt_cp_result_release(&r);
		gen(x, SIM_N, 9000 + s, 0.005, (rnext(&pr) & 1) ? 0.01 : -0.01, idx, 0);
		assert_int_equal(bt_changepoints(x, SIM_N, &o, &r, NULL), 0);
		hit += found_near(&r, (long)idx, 3);
		bt_cp_result_release(&r);
	}
	print_message("defaults, simulated N=200: AR(1) phi 0.6 null flagged %zu/%zu "
		      "(Otava p0.001 %zu); bimodal null flagged %zu/%zu; 1%% steps at "
		      "0.5%% noise found %zu/%zu\n", ar, runs, ar_otava, bi, runs, hit, runs);
	assert_true(ar * 100 <= runs * 8);
	assert_true(ar_otava * 100 >= runs * 50); /* the problem is real */
	assert_true(bi * 100 <= runs * 5);
	assert_true(hit * 100 >= runs * 80);
}

/* Null series of 1000 points: somewhere two neighbouring 3% spikes, or a
 * few points of a 10% second mode in a row, stand out from their
 * segments; a short excursion must lie beyond its context, where the
 * noise's other outliers are (before that rule 23% and 17% of such
 * series were flagged, 4% and 5% after it in the review's corpus; here
 * 9 and 9 of 60 before it, 3 and 2 after). */
static void test_sim_long_null(void **state)
{
	enum { N = 1000 };
	static double x[N];
	size_t s, runs = 60, sp = 0, bi = 0;
	struct bt_cp_opts o;

	(void)state;
	bt_cp_opts_default(&o);
	for (s = 0; s < runs; s++) {
		struct bt_cp_result r;

		gen(x, N, 5100 + s, 0.01, 0, N, 0.03);
		assert_int_equal(bt_changepoints(x, N, &o, &r, NULL), 0);
		sp += r.n > 0;
		bt_cp_result_release(&r);
		gen_ar1(x, N, 5300 + s, 0.01, -1, 5, 0, N);
		assert_int_equal(bt_changepoints(x, N, &o, &r, NULL), 0);
		bi += r.n > 0;
		bt_cp_result_release(&r);
	}
	print_message("defaults, simulated N=1000 null: 3%% spikes flagged %zu/%zu, "
		      "bimodal (5 sd) %zu/%zu\n", sp, runs, bi, runs);
	assert_true(sp <= 4); /* 9 and 9 without the rule */
	assert_true(bi <= 4);
}

/* The minimum change: the noise around a point (a clean 1% step at 0.1%
 * noise passes 1 sd easily) and the absolute floor (min_magnitude 2%
 * stops it); what the point reports of its judgement; NAN in compat. */
static void test_min_change(void **state)
{
	double x[SIM_N];
	struct bt_cp_opts o;
	struct bt_cp_result r;

	(void)state;
	gen(x, SIM_N, 4242, 0.001, 0.01, 100, 0);
	bt_cp_opts_default(&o);
	assert_int_equal(bt_changepoints(x, SIM_N, &o, &r, NULL), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.points[0].index, 100);
	/* noise sd 0.1 (robust estimate within 20%), floor 0.5% of 100 */
	assert_true(fabs(r.points[0].noise_sd - 0.1) < 0.02);
	assert_float_equal(r.points[0].min_change, 0.005 * r.points[0].mean_before, 1e-9);
	assert_true(r.points[0].autocorr >= 0 && r.points[0].autocorr < 0.3);
	assert_true(r.points[0].perm_p <= o.perm_max_pvalue);
	assert_true(r.points[0].p_value < 1e-10);
	bt_cp_result_release(&r);

	o.min_magnitude = 0.02;
	assert_int_equal(bt_changepoints(x, SIM_N, &o, &r, NULL), 0);
	assert_int_equal(r.n, 0);
	bt_cp_result_release(&r);

	/* the same step in 1% noise is 1 sd: the noise rule needs 1 sd and
	 * with noise_k 3 nothing that small passes */
	gen(x, SIM_N, 4242, 0.01, 0.03, 100, 0);
	bt_cp_opts_default(&o);
	assert_int_equal(bt_changepoints(x, SIM_N, &o, &r, NULL), 0);
	assert_int_equal(r.n, 1);
	assert_true(r.points[0].min_change > 0.005 * r.points[0].mean_before);
	assert_float_equal(r.points[0].min_change, r.points[0].noise_sd, 1e-12);
	bt_cp_result_release(&r);
	o.noise_k = 4;
	assert_int_equal(bt_changepoints(x, SIM_N, &o, &r, NULL), 0);
	assert_int_equal(r.n, 0);
	bt_cp_result_release(&r);

	bt_cp_opts_otava(&o, 0.0001);
	assert_int_equal(bt_changepoints(x, SIM_N, &o, &r, NULL), 0);
	assert_true(r.n >= 1);
	assert_true(isnan(r.points[0].noise_sd) && isnan(r.points[0].min_change));
	assert_true(isnan(r.points[0].autocorr) && isnan(r.points[0].perm_p));
	assert_true(isnan(r.points[0].rank_p) && r.points[0].n_before == 0);
	bt_cp_result_release(&r);
}

/* A 3-point excursion (a slowdown fixed 3 commits later) is not a spike:
 * both edges are found. */
static void test_short_excursion(void **state)
{
	double x[SIM_N];
	struct bt_cp_opts o;
	struct bt_cp_result r;

	(void)state;
	gen(x, SIM_N, 77, 0.01, 0, SIM_N, 0);
	for (size_t i = 120; i < 123; i++)
		x[i] += 20;
	bt_cp_opts_default(&o);
	assert_int_equal(bt_changepoints(x, SIM_N, &o, &r, NULL), 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.points[0].index, 120);
	assert_int_equal(r.points[1].index, 123);
	bt_cp_result_release(&r);
}

/* Neighbouring spikes are not an excursion when other spikes as high lie
 * on their sides: the short-excursion rule compares the raw values, not
 * those spike suppression cleaned, which had removed the isolated spikes,
 * so that two or three neighbouring ones stood alone. Here 3% spikes on
 * 1000 points put two together at 98 and 99 (97 is 2 sd up); judged on
 * the cleaned values they were reported as two change points (97 and
 * 100). Of 400 such null series 20 were flagged so, 5 with raw values. */
static void test_short_excursion_spikes(void **state)
{
	enum { N = 1000 };
	static double x[N];
	struct bt_cp_opts o;
	struct bt_cp_result r;
	size_t above = 0;

	(void)state;
	gen(x, N, 1, 0.01, 0, N, 0.03);
	assert_true(x[98] > 104 && x[99] > 104); /* the neighbouring spikes */
	for (size_t i = 0; i < N; i++)
		above += x[i] > 104 && i != 98 && i != 99;
	assert_true(above >= 20); /* and the others */
	bt_cp_opts_default(&o);
	assert_int_equal(bt_changepoints(x, N, &o, &r, NULL), 0);
	assert_int_equal(r.n, 0);
	bt_cp_result_release(&r);
}

/* A short history (12 points, 30% slower from the 7th): the rank test
 * cannot reach 1e-4 with 6 against 6 (its smallest p is 2 / C(12, 6) =
 * 0.0022), so sides wholly apart pass it. */
static void test_short_series(void **state)
{
	double x[12];
	struct bt_cp_opts o;
	struct bt_cp_result r;

	(void)state;
	gen(x, 12, 5, 0.01, 0.3, 6, 0);
	bt_cp_opts_default(&o);
	assert_int_equal(bt_changepoints(x, 12, &o, &r, NULL), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.points[0].index, 6);
	assert_true(r.points[0].ranks_apart);
	assert_float_equal(r.points[0].rank_p, 2.0 / 924.0, 1e-12);
	assert_int_equal(r.points[0].n_before, 6);
	assert_int_equal(r.points[0].n_after, 6);
	bt_cp_result_release(&r);
}

/* --- incremental update ----------------------------------------------------- */

static void assert_same_result(const struct bt_cp_result *a, const struct bt_cp_result *b)
{
	size_t i;

	assert_int_equal(a->n, b->n);
	assert_int_equal(a->n_weak, b->n_weak);
	assert_int_equal(a->n_series, b->n_series);
	for (i = 0; i < a->n; i++)
		assert_memory_equal(&a->points[i], &b->points[i], sizeof a->points[i]);
	for (i = 0; i < a->n_weak; i++)
		assert_memory_equal(&a->weak[i], &b->weak[i], sizeof a->weak[i]);
}

static void test_incremental(void **state)
{
	double x[400];
	int mode, v;
	size_t total_cp = 0;

	(void)state;
	for (v = 0; v < 6; v++) {
		/* two steps and spikes, various noise */
		gen(x, 400, 900 + (uint64_t)v, v % 2 ? 0.01 : 0.02, 0, 0, v >= 3 ? 0.03 : 0);
		for (size_t i = 130; i < 400; i++)
			x[i] += (i < 260 ? 6.0 : -3.0) * (1 + v % 3);
		for (mode = 0; mode < 2; mode++) {
			struct bt_cp_opts o;
			struct bt_cp_result inc;
			size_t n;

			if (mode)
				bt_cp_opts_default(&o);
			else
				bt_cp_opts_otava(&o, 0.001);
			assert_int_equal(bt_changepoints(x, 100, &o, &inc, NULL), 0);
			for (n = 101; n <= 400; n += (n < 300 ? 1 : 7)) {
				struct bt_cp_result full;

				assert_int_equal(bt_changepoints_update(x, n, &o, &inc, NULL), 0);
				assert_int_equal(bt_changepoints(x, n, &o, &full, NULL), 0);
				assert_same_result(&inc, &full);
				bt_cp_result_release(&full);
			}
			total_cp += inc.n;
			bt_cp_result_release(&inc);
		}
	}
	assert_true(total_cp >= 12); /* the steps were found */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_step),
		cmocka_unit_test(test_extreme_scale),
		cmocka_unit_test(test_change_worse),
		cmocka_unit_test(test_constant_and_short),
		cmocka_unit_test(test_nan_rejected),
		cmocka_unit_test(test_spike_suppressed),
		cmocka_unit_test(test_min_after),
		cmocka_unit_test(test_subset_parity),
		cmocka_unit_test(test_sim_false_alarms),
		cmocka_unit_test(test_sim_recall),
		cmocka_unit_test(test_noise_estimators),
		cmocka_unit_test(test_sim_adaptive),
		cmocka_unit_test(test_min_change),
		cmocka_unit_test(test_sim_long_null),
		cmocka_unit_test(test_short_excursion),
		cmocka_unit_test(test_short_excursion_spikes),
		cmocka_unit_test(test_short_series),
		cmocka_unit_test(test_incremental),
		cmocka_unit_test(test_corpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
