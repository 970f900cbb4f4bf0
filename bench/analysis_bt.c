/* benchtrack's own analysis benchmarks: the cost of one two-sample
 * comparison (bt_compare_samples: medians, Mann-Whitney U, Hodges-Lehmann
 * ratio with its CI, Welch t on logs, verdict) at n = 15 per side (exact
 * Mann-Whitney distribution) and n = 100 (normal approximation; the HL
 * step then works on 10,000 pairwise differences).
 *
 *   benchtrack run build/analysis_bt --no-store
 *
 * The samples are lognormal times (CV 2%), B 3% slower than A, from a
 * fixed seed, so every iteration does the same work. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include <benchtrack.h>
#include <benchtrack/analysis.h>

#include "bench_util.h"

static void lognormal(uint64_t *s, double *v, size_t n, double median)
{
	double sigma = sqrt(log(1 + 0.02 * 0.02));
	for (size_t i = 0; i < n; i++) {
		double z = sqrt(-2 * log(bt_test_unif(s))) * cos(2 * M_PI * bt_test_unif(s));
		v[i] = median * exp(sigma * z);
	}
}

static void bm_compare(bt_state *s)
{
	size_t n = (size_t)bt_param_int(s, "n");
	double *a = bench_doubles(s, 2 * n), *b;
	struct bt_verdict_opts o;
	struct bt_sample_cmp c;
	uint64_t seed = 42;

	if (!a)
		return;
	b = a + n;
	lognormal(&seed, a, n, 100);
	lognormal(&seed, b, n, 103);
	bt_verdict_opts_default(&o);
	int rc = 0;
	while (!rc && bt_loop(s)) {
		rc = bt_compare_samples(a, n, b, n, 0, &o, &c);
		bt_do_not_optimize(&c);
	}
	if (rc)
		bt_fail(s, "bt_compare_samples failed");
	bt_set_items(s, 1, "comparisons");
	free(a);
}
BT_BENCH(bm_compare, .name = "compare", .params = "n=15,100",
	 .type = "micro");

BT_MAIN()
