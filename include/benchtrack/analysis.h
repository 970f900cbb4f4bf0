/* Analysis: distributions, two-sample tests and verdicts, change points
 * (lib/analysis/, docs/internals/ARCHITECTURE.md §8).
 *
 * Every estimator and test is a named function with unit tests against
 * published or SciPy reference values. Nothing here allocates unless it
 * says so; nothing prints.
 */
#ifndef BENCHTRACK_ANALYSIS_H
#define BENCHTRACK_ANALYSIS_H

#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

#ifdef __cplusplus
extern "C" {
#endif

/* --- distributions (lib/analysis/dist.c) ---------------------------------- */

/* Standard normal: cdf Phi(z), survival 1 - Phi(z) (accurate in the tail),
 * quantile Phi^-1(p) for p in (0,1) (NAN outside). */
double bt_dist_normal_cdf(double z);
double bt_dist_normal_sf(double z);
double bt_dist_normal_quantile(double p);
/* Regularized incomplete beta I_x(a, b), a, b > 0, x in [0,1]; NAN outside. */
double bt_dist_beta_inc(double a, double b, double x);
/* Student t with df > 0 degrees of freedom (df may be fractional):
 * survival P(T > t). t = +-inf gives 0 / 1; NAN in, NAN out. */
double bt_dist_t_sf(double t, double df);
/* Two-sided p-value of a t statistic: 2 * P(T > |t|), clipped to 1. */
double bt_dist_t_p2(double t, double df);

/* --- two-sample tests (lib/analysis/twosample.c) -------------------------- */

/* Mann-Whitney U, two-sided, SciPy 1.10 conventions (see
 * tests/fixtures/stats-reference.json): u1 = pairs x_i > y_j plus half the
 * ties (midranks), u2 = nx*ny - u1, p = min(1, 2 P(U >= max(u1, u2))).
 * BT_MWU_EXACT uses the no-ties null distribution (k = max(u1,u2)
 * truncated); BT_MWU_ASYMPTOTIC the normal approximation with tie
 * correction and, when continuity != 0, the 0.5 continuity correction;
 * BT_MWU_AUTO is exact when the pooled sample has no ties and both samples
 * have at most 50 values, else asymptotic with continuity (the continuity
 * argument is then ignored). BT_MWU_EXACT falls back to the asymptotic
 * method (exact = 0) when the exact counts would not fit 128 bits
 * (beyond about 60 x 60). Returns 0, BT_EINVAL when a sample is empty or
 * holds a NAN, BT_ENOMEM. */
enum bt_mwu_method { BT_MWU_AUTO, BT_MWU_EXACT, BT_MWU_ASYMPTOTIC };
struct bt_mwu {
	double u1, u2;
	double z;      /* asymptotic z (NAN when exact) */
	double p;
	int exact;     /* 1 when the exact distribution was used */
};
int bt_mann_whitney_u(const double *x, size_t nx, const double *y, size_t ny,
		      enum bt_mwu_method method, int continuity,
		      struct bt_mwu *out);

/* Two-sample t-tests, two-sided: Student's pooled-variance test
 * (equal_var) and Welch's test with Welch-Satterthwaite df. Zero variance
 * follows SciPy: equal constants give t = p = NAN, different constants
 * t = +-inf, p = 0. Returns 0 or BT_EINVAL (n < 2 on a side). */
struct bt_ttest {
	double t, df, p;
};
int bt_ttest_student(const double *x, size_t nx, const double *y, size_t ny,
		     struct bt_ttest *out);
int bt_ttest_welch(const double *x, size_t nx, const double *y, size_t ny,
		   struct bt_ttest *out);
/* The same from summary statistics (scipy.stats.ttest_ind_from_stats):
 * sd are whatever standard deviations the caller chose (Otava passes
 * population sd, ddof 0). */
int bt_ttest_from_stats(double mean1, double sd1, size_t n1, double mean2,
			double sd2, size_t n2, int equal_var,
			struct bt_ttest *out);

/* Hodges-Lehmann estimate of the shift y - x (median of the nx*ny
 * differences y_j - x_i) with its distribution-free confidence interval at
 * level (e.g. 0.99): the order statistics d_(k), d_(nx*ny+1-k) of the
 * differences, k from the Mann-Whitney null distribution (exact for small
 * samples, normal approximation otherwise; the exact rule for k is in
 * twosample.c). When the samples are too small to reach the level the
 * interval is [min d, max d]. shift, lo, hi may be NULL. Allocates nx*ny
 * doubles; BT_ENOMEM, BT_EINVAL (empty, NAN or infinite values, level not
 * in (0, 1)). */
int bt_hodges_lehmann(const double *x, size_t nx, const double *y, size_t ny,
		      double level, double *shift, double *lo, double *hi);
/* The ratio y / x as exp(Hodges-Lehmann shift of the log values), with
 * its interval the same way. All values must be > 0, else BT_EINVAL. */
int bt_hodges_lehmann_ratio(const double *x, size_t nx, const double *y,
			    size_t ny, double level, double *ratio,
			    double *lo, double *hi);

/* Multiple-testing corrections of n p-values (NAN stays NAN and does not
 * count): Holm's step-down (family-wise error) and Benjamini-Hochberg
 * (false discovery rate). adj may equal p. Adjusted values are clipped to
 * 1 and monotone as in R's p.adjust. They allocate n indices; out of
 * memory they write Bonferroni's min(1, m p), an upper bound of both. */
void bt_p_adjust_holm(const double *p, size_t n, double *adj);
void bt_p_adjust_bh(const double *p, size_t n, double *adj);

/* --- verdicts (lib/analysis/verdict.c) ----------------------------------- */

enum bt_verdict {
	BT_VERDICT_UNCHANGED,
	BT_VERDICT_REGRESSED,
	BT_VERDICT_IMPROVED,
	BT_VERDICT_NOISY,    /* too few samples, or the CI straddles delta */
	BT_VERDICT_NEW,      /* only in B */
	BT_VERDICT_MISSING,  /* only in A (or failed in B) */
};
/* "unchanged", "regressed", "improved", "noisy", "new", "missing". */
const char *bt_verdict_name(enum bt_verdict v);

/* Why a verdict is noisy: which test did not pass. */
enum bt_noisy_cause {
	BT_NOISY_NONE,         /* not noisy */
	BT_NOISY_FEW,          /* fewer than min_n samples a side: no test */
	BT_NOISY_SAMPLE_TEST,  /* the sample test (Mann-Whitney) did not pass,
				  and the CI reaches beyond the threshold */
	BT_NOISY_CI,           /* significant, but the CI of the slowdown
				  straddles the threshold (or no ratio) */
	BT_NOISY_PROCESSES,    /* significant on the samples, but the
				  between-process test did not pass */
	BT_NOISY_COUNTS,       /* a deterministic metric whose counts vary
				  within a run by more than half the
				  threshold (bt_compare_counts) */
};
/* "few_samples", "sample_test", "ci_threshold", "between_processes",
 * "count_spread";
 * "" for BT_NOISY_NONE. */
const char *bt_noisy_cause_name(enum bt_noisy_cause c);

struct bt_verdict_opts {
	double alpha;   /* 0.01 */
	double delta;   /* 0.05: the smallest slowdown worth reporting */
	size_t min_n;   /* 6: refuse to judge below this many samples a side */
	size_t warn_n;  /* 10: judge, but warn below this */
	double count_delta; /* 0.01: the threshold of deterministic metrics
			       (bt_compare_counts) */
};
void bt_verdict_opts_default(struct bt_verdict_opts *o);

/* One metric of one series, A (baseline) against B (candidate).
 * ratio = B / A (Hodges-Lehmann on logs, CI at level 1 - alpha); for a
 * higher-is-better metric the slowdown is 1/ratio. Rule (ARCHITECTURE §8):
 * regressed iff p < alpha AND the CI's lower bound of the slowdown
 * exceeds 1 + delta; improved iff p < alpha AND the CI's upper bound of
 * the slowdown is below 1 / (1 + delta); noisy when a side has fewer
 * than min_n samples, or the CI reaches beyond 1 + delta or below
 * 1 / (1 + delta) without lying wholly beyond it (significant or not:
 * the data cannot tell whether the change exceeds delta); unchanged when
 * the CI lies within [1 / (1 + delta), 1 + delta], or no p-value exists
 * (all values tied). Above 4e6 pairs the Hodges-Lehmann estimate and CI
 * use 2000 evenly spaced order statistics a side. */
struct bt_sample_cmp {
	size_t n_a, n_b;
	double median_a, median_b;
	double ratio, ci_low, ci_high; /* B / A */
	double p_value;                /* Mann-Whitney, two-sided */
	double p_adjusted;             /* = p_value until a correction */
	double welch_log_p;            /* Welch t on the logs (diagnostic) */
	int exact;                     /* Mann-Whitney exact */
	int higher_is_better;
	int few;                       /* n below warn_n on a side */
	enum bt_verdict verdict;
	const char *reason;            /* static sentence explaining it */
	/* the between-process test (bt_process_test), applied by the caller
	 * when both sides ran in at least 3 processes (bt_compare_runs):
	 * process_test 1, the counts and its p; else 0, 0 and NAN.
	 * bt_verdict_decide then calls a significant change noisy unless
	 * p_process < alpha as well. */
	int process_test;
	size_t procs_a, procs_b;
	double p_process;
	enum bt_noisy_cause cause;     /* why noisy; BT_NOISY_NONE otherwise */
	const char *decide;            /* noisy: static sentence saying what
					  would decide it; NULL otherwise */
	int deterministic;             /* judged by bt_compare_counts */
};
/* Compares a (na values) with b. When some value is <= 0 no ratio can be
 * formed on logs: then ratio = 1 + shift / |median_a| (HL shift of the raw
 * values, CI the same way; NAN when median_a is 0) and welch_log_p is NAN
 * (also NAN with fewer than 2 values a side). o NULL means the defaults.
 * Returns 0, BT_EINVAL (NAN or infinite values, empty, alpha not in
 * (0, 1)), BT_ENOMEM. */
int bt_compare_samples(const double *a, size_t na, const double *b,
		       size_t nb, int higher_is_better,
		       const struct bt_verdict_opts *o,
		       struct bt_sample_cmp *out);
/* Compares the samples of a deterministic metric (bt_metric.deterministic:
 * an instruction count), which have (almost) no noise, so that p-values
 * do not apply (lib/analysis/counts.c). ratio = median B / median A, the
 * "CI" the range [min B / max A, max B / min A]; p-values NAN, so the row
 * stays out of a suite's correction; c->deterministic = 1. Rule, with
 * d = o->count_delta, ratios rounded to 4 decimals (0.01%): regressed
 * when the slowdown (ratio, or 1 / ratio for a higher-is-better metric)
 * reaches 1 + d, improved when the speedup (its inverse) does,
 * unchanged otherwise; noisy (BT_NOISY_COUNTS) when a side's
 * values spread by more than d / 2 of its median (not a deterministic
 * count after all), or a median is <= 0. One value a side suffices.
 * Returns 0, BT_EINVAL (empty, NAN or infinite values). */
int bt_compare_counts(const double *a, size_t na, const double *b, size_t nb,
		      int higher_is_better, const struct bt_verdict_opts *o,
		      struct bt_sample_cmp *out);
/* Re-decides c->verdict, c->reason, c->cause, c->decide and c->few from
 * c->p_adjusted (after a suite correction) and, when c->process_test is
 * set, c->p_process; o NULL means the defaults. A significant result
 * whose CI lies wholly between 1 / (1 + delta) and 1 + delta is
 * unchanged. */
void bt_verdict_decide(struct bt_sample_cmp *c, const struct bt_verdict_opts *o);

/* The between-process test: Welch's t-test, two-sided, on the logs of
 * the per-process medians a[0..na) and b[0..nb) (on the values
 * themselves when one is <= 0). Samples of one process share its luck
 * (memory layout, frequency, neighbours), so the process, not the
 * sample, is the independent unit. Non-finite values are left out.
 * Returns 0, BT_EINVAL (fewer than 2 values on a side), BT_ENOMEM. */
int bt_process_test(const double *a, size_t na, const double *b, size_t nb,
		    struct bt_ttest *out);

/* The means of k consecutive blocks of x[0..n) into out[0..k): block i
 * is x[floor(i n / k) .. floor((i + 1) n / k)). Values recorded once per
 * iteration (bt_metric in the timed loop) become one value per sample
 * this way (k = the number of time samples) before they are tested: the
 * iterations of one sample are not independent observations. Returns 0,
 * or BT_EINVAL (k = 0, k > n). */
int bt_block_means(const double *x, size_t n, size_t k, double *out);

/* --- comparing two runs (lib/analysis/compare_runs.c) ------------------------ */

struct bt_run; /* result.h */
struct bt_kv;

enum bt_correction {
	BT_CORRECT_HOLM,  /* family-wise, the default when gating a suite */
	BT_CORRECT_BH,    /* false discovery rate */
	BT_CORRECT_NONE,
};

struct bt_run_cmp_opts {
	struct bt_verdict_opts verdict;
	const char *metric;         /* NULL: "time"; "time" compares a
				       result that has no "time" metric on
				       its first (primary) metric */
	enum bt_correction correction;
	/* 0: rows match on series_key (same suite, machine, version...);
	 * 1: on the benchmark identity only (name, variant, params, metric,
	 * version), for runs of two builds or machines. */
	int match_identity;
};
void bt_run_cmp_opts_default(struct bt_run_cmp_opts *o);

struct bt_cmp_row {
	const char *series_key;     /* B's stored series_key (A's when missing
				       in B): the key of the time series in the
				       store, whatever the metric or matching */
	const char *name, *variant;
	const char *params;         /* "k=v,k=v" in key order, "" for none */
	const struct bt_kv *param_kv; /* the same, as key/value pairs */
	size_t n_params;
	const char *metric, *unit;
	struct bt_sample_cmp s;     /* verdict NEW / MISSING when one side has
				       no ok result (then only its median) */
	const char *status_b;       /* B's status name when not ok, else NULL */
	int acknowledged;           /* set by the caller (check, acks) */
	size_t values_a, values_b;  /* a metric recorded more often than the
				       time samples (once per iteration):
				       the values recorded, summarised per
				       sample (bt_block_means) into s.n_a,
				       s.n_b before the tests; 0 otherwise */
};

struct bt_run_cmp {
	struct bt_cmp_row *rows;    /* in B's result order, then A-only rows */
	size_t n;
	size_t counts[BT_VERDICT_MISSING + 1]; /* rows per verdict */
	double geomean;             /* geometric mean of ratio over rows with
				       both sides (NAN when none) */
	size_t n_compared;          /* rows with a ratio on both sides */
	size_t n_family;            /* rows in the correction (p-value and
				       at least min_n samples a side) */
	const char *metric;
	int machines_differ;        /* fingerprints of A and B differ */
	struct bt_arena *arena;     /* owns everything */
};

/* Compares run a (baseline) with run b per series: samples of the metric
 * through bt_compare_samples, then the correction across all compared
 * rows and the verdicts re-decided on the adjusted p-values. A metric
 * with more values than the result has time samples is summarised per
 * sample first (bt_block_means, row values_a/values_b). When both sides
 * hold the per-process medians of at least 3 processes
 * (bt_metric.process_medians), the between-process test
 * (bt_process_test) must pass too (s.process_test). out need not
 * be initialised; release with bt_run_cmp_release. Returns 0, BT_ENOMEM,
 * BT_EINVAL. */
int bt_compare_runs(const struct bt_run *a, const struct bt_run *b,
		    const struct bt_run_cmp_opts *o, struct bt_run_cmp *out,
		    struct bt_strbuf *err);
void bt_run_cmp_release(struct bt_run_cmp *c);
/* Recounts c->counts after a caller changed verdicts. */
void bt_run_cmp_recount(struct bt_run_cmp *c);

/* --- the noise of a series (lib/analysis/noise.c) ------------------------- */

/* Robust sd of the points of x[0..n) from their first differences:
 * 1.4826 * MAD(d) / sqrt(2), d_i = x[i+1] - x[i], MAD the median absolute
 * deviation from the median of d. A level shift moves one difference, so
 * the estimate ignores steps (and isolated spikes). The _split form leaves
 * out the difference across index c (x[c] - x[c-1]; c = 0: none). work
 * holds n - 1 doubles, or NULL to allocate. NAN below 3 points (or 2
 * differences), or out of memory. */
double bt_noise_sd_diff(const double *x, size_t n, double *work);
double bt_noise_sd_diff_split(const double *x, size_t n, size_t c, double *work);
/* Lag-1 autocorrelation sum (e_t e_{t+1}) / sum (e_t^2), e the deviations
 * from the mean; the _split form pools the sums of x[0..c) and x[c..n),
 * each around its own mean (the two sides of a change). NAN when all
 * values of each segment are equal. */
double bt_lag1_autocorr(const double *x, size_t n);
double bt_lag1_autocorr_split(const double *x, size_t n, size_t c);
/* Effective sample size of n points of an AR(1) process with lag-1
 * autocorrelation rho, for the variance of their mean:
 * n (1 - rho) / (1 + rho); n when rho <= 0 or NAN (never more than n),
 * 0 when rho >= 1. */
double bt_effective_n(double n, double rho);

/* --- change points (lib/analysis/changepoint.c) -------------------------- */

/* Windowed E-divisive means (Fleming et al., "Hunter", as Apache Otava
 * implements it) with a pooled t-test:
 *
 *  split  windows of `window` points, step window/2; in each window the
 *         energy statistic Qhat (alpha = 1) proposes candidates (argmax
 *         over (tau, kappa) within the segments of the window), kept while
 *         the two-sided pooled t-test of the adjacent segments (means and
 *         population sd) gives p <= 10 * max_pvalue (the "weak" points);
 *         the next window starts at max(last point found, start + step).
 *  merge  the weak point with the largest p-value is removed while that
 *         p-value is >= max_pvalue, its neighbours recomputed.
 *
 * otava_compat = 1 reproduces Otava's compute_change_points exactly,
 * including its merge-step quirk (after a removal the right neighbour and
 * the one after it are recomputed, the left neighbour keeps stale
 * statistics, which are reported). Our defaults (otava_compat = 0)
 * recompute both neighbours and add, as further elimination rules of the
 * merge step: |rel_change| >= min_magnitude, and a seeded permutation test
 * of the energy statistic of the two adjacent segments (at most `window`
 * points each side; p = (1 + #perm >= observed) / (permutations + 1)) with
 * p <= perm_max_pvalue. With suppress_spikes, a point that deviates from
 * the medians of its 3 neighbours on each side by more than 4 local robust
 * sd while those two medians agree is an isolated spike: it is replaced by
 * the mean of the two medians before the analysis (all reported statistics
 * are of the analysed values). Points with fewer than min_after points
 * from their index to the end of the series are found but not reported
 * yet: they are pending (bt_cp_result.pending). Our defaults also judge a
 * change against the noise around it (noise_k, lib/analysis/noise.c),
 * run the t-test on the effective sample size of AR(1) noise (autocorr)
 * and confirm a change by a Mann-Whitney test of its segments (an
 * excursion that comes back against both its sides; p <= rank_max_pvalue,
 * or the two sides wholly apart where their sizes cannot reach it) before the
 * permutation test; docs/cmd/history.md gives the reasons. */
struct bt_cp_opts {
	size_t window;          /* 50 (>= 2); step = window / 2 */
	double max_pvalue;      /* 1e-4, in (0, 1] */
	double min_magnitude;   /* 0.005: floor of the relative change of the
				   means (the CLI's --min-change) */
	double noise_k;         /* 1: a change must also reach noise_k times
				   the noise sd around it (0 = off) */
	int autocorr;           /* 1: t-test on the effective sample size */
	double rank_max_pvalue; /* 1e-4: Mann-Whitney p needed to confirm
				   (0 = no rank test) */
	unsigned permutations;  /* 199 permutation confirmations (0 = none) */
	uint64_t seed;          /* of the permutation test */
	size_t min_after;       /* 5: points after a change before it is reported */
	int suppress_spikes;    /* one-point spikes that revert are not changes */
	int otava_compat;       /* Otava's algorithm exactly, no extras */
	double perm_max_pvalue; /* 0.01: permutation p needed to confirm */
	double count_floor;     /* 0.01: the floor of the relative change
				   where the series has (almost) no noise
				   (robust noise sd <= BT_CP_COUNT_NOISE of
				   |mean before|: a deterministic count), in
				   place of min_magnitude when larger: the
				   threshold compare and check apply to
				   such metrics (bt_compare_counts); 0 off */
};
/* Relative noise below which a series counts as deterministic. */
#define BT_CP_COUNT_NOISE 1e-4
/* Our defaults (docs/internals/ARCHITECTURE.md §8). */
void bt_cp_opts_default(struct bt_cp_opts *o);
/* Otava's compute_change_points(window_len=50, max_pvalue=p,
 * min_magnitude=0): no permutation test, no spike suppression, no
 * min_after, otava_compat = 1. */
void bt_cp_opts_otava(struct bt_cp_opts *o, double max_pvalue);
/* The relative floor of a change from mean with noise sd noise_sd:
 * count_floor when that is larger than min_magnitude and noise_sd is at
 * most BT_CP_COUNT_NOISE * |mean| (a deterministic count), else
 * min_magnitude (also for a NAN noise). */
double bt_cp_floor(const struct bt_cp_opts *o, double mean, double noise_sd);

struct bt_change_point {
	size_t index;          /* first point of the new regime (>= 1) */
	double p_value;        /* pooled t-test of the adjacent segments */
	double mean_before, mean_after;
	double std_before, std_after; /* population sd (ddof 0) */
	double rel_change;     /* mean_after / mean_before - 1; +-INFINITY (the
				* sign of mean_after) when mean_before is 0
				* and mean_after is not, 0 when both are */
	double qhat;           /* E-divisive statistic where it was found */
	/* Why our defaults kept it (NAN, and 0 points, in otava_compat and
	 * in weak): noise_sd the noise of the points around it (robust sd
	 * of the two adjacent segments), autocorr the lag-1 autocorrelation
	 * the t-test allowed for (p_value is then that test's), min_change
	 * the smallest |mean_after - mean_before| it had to reach
	 * (max(min_magnitude * |mean_before|, noise_k * noise_sd)), rank_p
	 * and perm_p the Mann-Whitney and permutation p-values (NAN: not
	 * run), n_before and n_after the points of its two segments. */
	double noise_sd, autocorr, min_change, rank_p, perm_p;
	size_t n_before, n_after;
	int ranks_apart;       /* the rank test passed because no value of one
				  side lies within the range of the other (the
				  smallest p its sizes allow: short series) */
};

struct bt_cp_state; /* opaque */
struct bt_cp_result {
	struct bt_change_point *points; /* ascending index, malloc'd */
	size_t n;
	/* The weak points of the split step, ascending, with statistics
	 * against their neighbouring weak points (Otava's
	 * weak_change_points); malloc'd. */
	struct bt_change_point *weak;
	size_t n_weak;
	/* Our defaults: the change points among the last min_after points,
	 * not reported yet (pending), with their evidence so far (n_after
	 * points after them; min_after - n_after more confirm them). They
	 * passed the t-test and the minimum change; the rank and permutation
	 * tests wait for min_after points. Ascending, malloc'd; none in
	 * otava_compat. */
	struct bt_change_point *pending;
	size_t n_pending;
	size_t n_series;       /* points analysed */
	/* State for bt_changepoints_update (owned, opaque to callers). */
	struct bt_cp_state *state;
};
/* Change points of x[0..n) into *out (need not be initialised; release
 * with bt_cp_result_release). Returns 0, BT_EINVAL (NAN/inf in x: err
 * names the index; bad options), BT_ENOMEM. On error *out is empty. */
int bt_changepoints(const double *x, size_t n, const struct bt_cp_opts *o,
		    struct bt_cp_result *out, struct bt_strbuf *err);
/* Incremental update after points were appended: x[0..n) extends the
 * series res was computed on (res->n_series points; those must be
 * unchanged); only the windows that can see the new points (or whose spike
 * suppression can change) are analysed again, then the merge step is
 * redone. The result equals bt_changepoints(x, n, o) exactly. When res
 * holds no state, was computed with other options or on more points, this
 * is a full run. res is updated in place; on error it is left empty. */
int bt_changepoints_update(const double *x, size_t n,
			   const struct bt_cp_opts *o, struct bt_cp_result *res,
			   struct bt_strbuf *err);
void bt_cp_result_release(struct bt_cp_result *r);

/* --- short excursions (lib/analysis/excursion.c) -------------------------- */

/* A few points that moved and came back: x[start..end) away from the
 * level on both sides, x[end] the first point back. The windowed
 * E-divisive step seldom finds such a pair of edges (a 3-point segment
 * barely moves its statistic), so bt_excursions searches for them
 * directly. Each candidate x[s..s+L), L in [BT_EXCURSION_MIN_LEN,
 * BT_EXCURSION_MAX_LEN], with no change point of cps inside it (one at
 * s or s+L, an edge E-divisive found, is allowed), is tested against its
 * context: up to 60 points on each side, not across another change point
 * of cps, at least 5 before and 1 after. It is an excursion when
 *  - every point of it lies beyond every point of the context (a second
 *    mode of the noise cannot mimic that: its other points fall among the
 *    context);
 *  - it came back: |mean after - mean before| <= half of |mean during -
 *    mean before|, and its neighbours x[s-1] and x[s+L] lie within that
 *    half of the means before and after (they are not part of it);
 *  - |mean during - mean of the context| reaches the change points'
 *    minimum change: max(min_magnitude * |mean before|, noise_k * noise
 *    sd), the noise sd the robust sd of the context (MAD of first
 *    differences) scaled by 1 / sqrt(1 - r) for its lag-1
 *    autocorrelation r (the larger of the context's and that of up to
 *    100 points on each side; clipped to [0, 0.9]);
 *  - a t-test of the means (with the larger of that sd and the robust sd
 *    of the context's values, 1.4826 MAD; effective sample sizes of r)
 *    gives p <= max_pvalue / 10 (several lengths are tried at each
 *    point).
 * Of overlapping or adjacent candidates the largest |t| is kept. Nothing
 * in otava_compat. Two neighbouring outliers (3% spikes) are common, so
 * a two-point excursion must also reach 10 noise sd. */
#define BT_EXCURSION_MIN_LEN 2
#define BT_EXCURSION_MAX_LEN 8
struct bt_excursion {
	size_t start, end;     /* x[start..end) moved; x[end] is back */
	double mean_before, mean_during, mean_after; /* context before, the
				  excursion, context after */
	double rel_change;     /* mean_during / mean_before - 1 (+-INFINITY
				  from 0) */
	double p_value;        /* the t-test */
	double noise_sd, autocorr, min_change; /* as in bt_change_point */
	size_t n_before, n_after; /* context points used before and after */
	size_t points_after;   /* points from end to the end of the series */
};
/* The excursions of x[0..n) beside the change points cps (may be NULL:
 * none), ascending, into *out (malloc'd, caller frees; NULL when none)
 * and *n_out. o NULL: bt_cp_opts_default. Returns 0, BT_EINVAL (a value
 * not finite), BT_ENOMEM. */
int bt_excursions(const double *x, size_t n, const struct bt_cp_opts *o,
		  const struct bt_cp_result *cps, struct bt_excursion **out,
		  size_t *n_out, struct bt_strbuf *err);

#ifdef __cplusplus
}
#endif
#endif
