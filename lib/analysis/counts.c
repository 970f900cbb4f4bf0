/* Verdicts on deterministic metrics: instruction counts and the like,
 * judged by a threshold on the ratio of medians instead of p-values
 * (contract: bt_compare_counts in include/benchtrack/analysis.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "benchtrack/analysis.h"
#include "benchtrack/error.h"
#include "benchtrack/stats.h"

/* Median, min and max of x[0..n) (n >= 1); -1 when out of memory. */
static int summary(const double *x, size_t n, double *med, double *lo, double *hi)
{
	double *t = malloc(n * sizeof *t);
	if (!t)
		return -1;
	memcpy(t, x, n * sizeof *t);
	bt_stats_sort(t, n);
	*med = bt_stats_median_sorted(t, n);
	*lo = t[0];
	*hi = t[n - 1];
	free(t);
	return 0;
}

int bt_compare_counts(const double *a, size_t na, const double *b, size_t nb,
		      int higher_is_better, const struct bt_verdict_opts *o,
		      struct bt_sample_cmp *out)
{
	struct bt_verdict_opts def;
	double lo_a, hi_a, lo_b, hi_b, d, up, slow;

	if (!o) {
		bt_verdict_opts_default(&def);
		o = &def;
	}
	if (bt__cmp_begin(a, na, b, nb, higher_is_better, o->count_delta >= 0, out))
		return BT_EINVAL;
	out->deterministic = 1;
	out->p_value = out->p_adjusted = out->welch_log_p = out->p_process = NAN;
	out->ratio = out->ci_low = out->ci_high = NAN;
	if (summary(a, na, &out->median_a, &lo_a, &hi_a) ||
	    summary(b, nb, &out->median_b, &lo_b, &hi_b))
		return BT_ENOMEM;
	d = o->count_delta;
	if (!(out->median_a > 0) || !(out->median_b > 0) || !(lo_a > 0) ||
	    !(lo_b > 0)) {
		out->verdict = BT_VERDICT_NOISY;
		out->cause = BT_NOISY_COUNTS;
		out->reason = "a deterministic count that is not positive: no "
			      "ratio can be formed";
		out->decide = "a positive count";
		return 0;
	}
	out->ratio = out->median_b / out->median_a;
	out->ci_low = lo_b / hi_a;
	out->ci_high = hi_b / lo_a;
	/* a count that moves within a run by half the threshold would
	 * decide the verdict by luck: it is not deterministic after all */
	if ((hi_a - lo_a) > d / 2 * out->median_a ||
	    (hi_b - lo_b) > d / 2 * out->median_b) {
		out->verdict = BT_VERDICT_NOISY;
		out->cause = BT_NOISY_COUNTS;
		out->reason = "a deterministic metric whose counts vary within a "
			      "run by more than half the threshold";
		out->decide = "a larger --threshold, or counts made stable (the "
			      "measured process's environment, address "
			      "randomisation)";
		return 0;
	}
	/* at a resolution of 0.01%: 1% more work in a loop that also counts
	 * its own overhead is a 0.9999..% larger count, and is 1% */
	up = round((1 + d) * 1e4) / 1e4;
	slow = higher_is_better ? 1 / out->ratio : out->ratio;
	if (round(slow * 1e4) / 1e4 >= up) {
		out->verdict = BT_VERDICT_REGRESSED;
		out->reason = "deterministic count: the slowdown reaches the "
			      "threshold";
	} else if (round(1 / slow * 1e4) / 1e4 >= up) {
		out->verdict = BT_VERDICT_IMPROVED;
		out->reason = "deterministic count: the speedup reaches the "
			      "threshold";
	} else {
		out->verdict = BT_VERDICT_UNCHANGED;
		out->reason = "deterministic count: the change is within the "
			      "threshold";
	}
	return 0;
}
