/* Verdicts on two samples of one metric (contracts in
 * include/benchtrack/analysis.h; the rule in
 * docs/internals/ARCHITECTURE.md §8). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "benchtrack/analysis.h"
#include "benchtrack/error.h"
#include "benchtrack/stats.h"

const char *bt_verdict_name(enum bt_verdict v)
{
	switch (v) {
	case BT_VERDICT_UNCHANGED:
		return "unchanged";
	case BT_VERDICT_REGRESSED:
		return "regressed";
	case BT_VERDICT_IMPROVED:
		return "improved";
	case BT_VERDICT_NOISY:
		return "noisy";
	case BT_VERDICT_NEW:
		return "new";
	case BT_VERDICT_MISSING:
		return "missing";
	}
	return "unknown";
}

void bt_verdict_opts_default(struct bt_verdict_opts *o)
{
	o->alpha = 0.01;
	o->delta = 0.05;
	o->min_n = 6;
	o->warn_n = 10;
	o->count_delta = 0.01;
}

const char *bt_noisy_cause_name(enum bt_noisy_cause c)
{
	switch (c) {
	case BT_NOISY_NONE:
		return "";
	case BT_NOISY_FEW:
		return "few_samples";
	case BT_NOISY_SAMPLE_TEST:
		return "sample_test";
	case BT_NOISY_CI:
		return "ci_threshold";
	case BT_NOISY_PROCESSES:
		return "between_processes";
	case BT_NOISY_COUNTS:
		return "count_spread";
	}
	return "";
}

static void noisy(struct bt_sample_cmp *c, enum bt_noisy_cause why,
		  const char *reason, const char *decide)
{
	c->verdict = BT_VERDICT_NOISY;
	c->cause = why;
	c->reason = reason;
	c->decide = decide;
}

/* what would decide a noisy verdict */
#define MORE_SAMPLES "more samples a side (--measurement-iterations)"
#define MORE_PROCS "more processes a side (ab --blocks N, run --repetitions N)"

void bt_verdict_decide(struct bt_sample_cmp *c, const struct bt_verdict_opts *o)
{
	struct bt_verdict_opts def;
	double up, down, slo, shi, p = c->p_adjusted;

	if (!o) {
		bt_verdict_opts_default(&def);
		o = &def;
	}
	c->cause = BT_NOISY_NONE;
	c->decide = NULL;
	c->few = c->n_a < o->warn_n || c->n_b < o->warn_n;
	if (c->n_a < o->min_n || c->n_b < o->min_n) {
		noisy(c, BT_NOISY_FEW,
		      "too few samples to judge (below the minimum per side)",
		      MORE_SAMPLES);
		return;
	}
	/* the slowdown's CI: B/A when lower is better, A/B otherwise */
	if (c->higher_is_better) {
		slo = 1 / c->ci_high;
		shi = 1 / c->ci_low;
	} else {
		slo = c->ci_low;
		shi = c->ci_high;
	}
	up = 1 + o->delta;
	down = 1 / up;
	if (!(p < o->alpha)) {
		if (isnan(p)) {
			c->verdict = BT_VERDICT_UNCHANGED;
			c->reason = "no p-value (all values tied)";
		} else if (!isnan(slo) && !isnan(shi) && (shi > up || slo < down)) {
			/* no evidence of a change, and none that there is none */
			noisy(c, BT_NOISY_SAMPLE_TEST,
			      "the sample test did not pass (p >= alpha), and the "
			      "CI of the slowdown reaches beyond the threshold",
			      MORE_PROCS " or more samples, which narrow the CI");
		} else {
			c->verdict = BT_VERDICT_UNCHANGED;
			c->reason = "not significant (p >= alpha)";
		}
		return;
	}
	if (isnan(slo) || isnan(shi)) {
		noisy(c, BT_NOISY_CI, "significant, but no ratio can be formed",
		      "a metric with positive values (no ratio of medians "
		      "exists)");
		return;
	}
	if (slo > up) {
		c->verdict = BT_VERDICT_REGRESSED;
		c->reason = "significant and the whole CI of the slowdown is "
			    "beyond the threshold";
	} else if (shi < down) {
		c->verdict = BT_VERDICT_IMPROVED;
		c->reason = "significant and the whole CI of the speedup is "
			    "beyond the threshold";
	} else if (shi > up || slo < down) {
		noisy(c, BT_NOISY_CI,
		      "significant, but the CI of the slowdown straddles the "
		      "threshold",
		      MORE_PROCS ", which narrow the CI (the change is close "
		      "to the threshold)");
		return;
	} else {
		c->verdict = BT_VERDICT_UNCHANGED;
		c->reason = "significant, but the whole CI is within the "
			    "threshold";
		return;
	}
	/* a change must also stand out from the variation between
	 * processes */
	if (c->process_test && !(c->p_process < o->alpha))
		noisy(c, BT_NOISY_PROCESSES,
		      "significant on the samples, but the between-process test "
		      "did not pass (the change is within the variation between "
		      "processes)",
		      MORE_PROCS);
}

int bt_process_test(const double *a, size_t na, const double *b, size_t nb,
		    struct bt_ttest *out)
{
	size_t ka = 0, kb = 0;
	int logs = 1, rc;
	double *x;

	if (!a || !b || !out)
		return BT_EINVAL;
	for (size_t i = 0; i < na; i++)
		if (isfinite(a[i]))
			ka++, logs &= a[i] > 0;
	for (size_t i = 0; i < nb; i++)
		if (isfinite(b[i]))
			kb++, logs &= b[i] > 0;
	if (ka < 2 || kb < 2)
		return BT_EINVAL;
	if (!(x = malloc((ka + kb) * sizeof *x)))
		return BT_ENOMEM;
	ka = kb = 0;
	for (size_t i = 0; i < na; i++)
		if (isfinite(a[i]))
			x[ka++] = logs ? log(a[i]) : a[i];
	for (size_t i = 0; i < nb; i++)
		if (isfinite(b[i]))
			x[ka + kb++] = logs ? log(b[i]) : b[i];
	rc = bt_ttest_welch(x, ka, x + ka, kb, out);
	free(x);
	return rc;
}

int bt_block_means(const double *x, size_t n, size_t k, double *out)
{
	if (!x || !out || k == 0 || k > n)
		return BT_EINVAL;
	for (size_t i = 0; i < k; i++) {
		size_t lo = (size_t)((double)i * (double)n / (double)k);
		size_t hi = (size_t)((double)(i + 1) * (double)n / (double)k);
		double sum = 0;
		if (i == k - 1)
			hi = n;
		for (size_t j = lo; j < hi; j++)
			sum += x[j];
		out[i] = sum / (double)(hi - lo);
	}
	return 0;
}

/* Above this many pairs the Hodges-Lehmann estimate works on thinned
 * samples (memory and time grow with na * nb). */
#define HL_MAX_PAIRS 4000000.0
#define HL_THIN 2000

/* m evenly spaced order statistics of x (the (i + 1/2) / m quantiles)
 * into out; tmp holds n doubles. */
static void thin(const double *x, size_t n, size_t m, double *tmp, double *out)
{
	memcpy(tmp, x, n * sizeof *x);
	bt_stats_sort(tmp, n);
	for (size_t i = 0; i < m; i++)
		out[i] = tmp[(size_t)(((double)i + 0.5) * (double)n / (double)m)];
}

static int all_positive(const double *x, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!(x[i] > 0) || isinf(x[i]))
			return 0;
	return 1;
}

static double median_of(const double *x, size_t n, double *tmp)
{
	memcpy(tmp, x, n * sizeof *x);
	bt_stats_sort(tmp, n);
	return bt_stats_median_sorted(tmp, n);
}

int bt__cmp_begin(const double *a, size_t na, const double *b, size_t nb,
		  int higher_is_better, int opts_ok, struct bt_sample_cmp *out)
{
	if (!opts_ok || !a || !b || !out || na == 0 || nb == 0 ||
	    !bt__all_finite(a, na) || !bt__all_finite(b, nb))
		return BT_EINVAL;
	memset(out, 0, sizeof *out);
	out->n_a = na;
	out->n_b = nb;
	out->higher_is_better = higher_is_better != 0;
	return 0;
}

int bt_compare_samples(const double *a, size_t na, const double *b,
		       size_t nb, int higher_is_better,
		       const struct bt_verdict_opts *o,
		       struct bt_sample_cmp *out)
{
	struct bt_verdict_opts def;
	struct bt_mwu mwu;
	double *tmp, level, *thinned = NULL;
	int rc;

	if (!o) {
		bt_verdict_opts_default(&def);
		o = &def;
	}
	if ((rc = bt__cmp_begin(a, na, b, nb, higher_is_better,
				o->alpha > 0 && o->alpha < 1, out)))
		return rc;
	out->p_process = NAN;
	level = 1 - o->alpha;

	tmp = malloc((na + nb) * sizeof *tmp);
	if (!tmp)
		return BT_ENOMEM;
	out->median_a = median_of(a, na, tmp);
	out->median_b = median_of(b, nb, tmp);

	rc = bt_mann_whitney_u(a, na, b, nb, BT_MWU_AUTO, 1, &mwu);
	if (rc)
		goto done;
	out->p_value = mwu.p;
	out->p_adjusted = mwu.p;
	out->exact = mwu.exact;
	out->welch_log_p = NAN;

	/* very large pooled samples: the estimate and its CI from 2000
	 * quantiles a side (the CI is then a little wider: conservative) */
	const double *ha = a, *hb = b;
	size_t hna = na, hnb = nb;
	if ((double)na * (double)nb > HL_MAX_PAIRS) {
		double *big = malloc((na > nb ? na : nb) * sizeof *big);
		hna = na < HL_THIN ? na : HL_THIN;
		hnb = nb < HL_THIN ? nb : HL_THIN;
		thinned = malloc((hna + hnb) * sizeof *thinned);
		if (!big || !thinned) {
			free(big);
			rc = BT_ENOMEM;
			goto done;
		}
		thin(a, na, hna, big, thinned);
		thin(b, nb, hnb, big, thinned + hna);
		free(big);
		ha = thinned;
		hb = thinned + hna;
	}
	if (all_positive(a, na) && all_positive(b, nb)) {
		rc = bt_hodges_lehmann_ratio(ha, hna, hb, hnb, level, &out->ratio,
					     &out->ci_low, &out->ci_high);
		if (rc)
			goto done;
		if (na >= 2 && nb >= 2) {
			struct bt_ttest t;
			for (size_t i = 0; i < na; i++)
				tmp[i] = log(a[i]);
			for (size_t i = 0; i < nb; i++)
				tmp[na + i] = log(b[i]);
			if (bt_ttest_welch(tmp, na, tmp + na, nb, &t) == 0)
				out->welch_log_p = t.p;
		}
	} else {
		/* no logs: the shift relative to |median A| */
		double s, l, h, m = fabs(out->median_a);
		rc = bt_hodges_lehmann(ha, hna, hb, hnb, level, &s, &l, &h);
		if (rc)
			goto done;
		if (m > 0) {
			out->ratio = 1 + s / m;
			out->ci_low = 1 + l / m;
			out->ci_high = 1 + h / m;
		} else {
			out->ratio = out->ci_low = out->ci_high = NAN;
		}
	}
	bt_verdict_decide(out, o);
done:
	free(thinned);
	free(tmp);
	return rc;
}
