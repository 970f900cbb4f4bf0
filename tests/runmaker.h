/* Runs made by hand for the tests and the test-store generators
 * (tests/fixtures/gen_*.c). Header-only: each test binary is its own
 * program. */
#ifndef BT_TEST_RUNMAKER_H
#define BT_TEST_RUNMAKER_H

#include <math.h>
#include <stdint.h>

#include "benchtrack.h"

/* Deterministic noise of mean 0 and sd 1 (a sum of 4 uniforms from
 * splitmix64, close to normal); *s is the state. */
static inline double bt_test_noise(uint64_t *s)
{
	double sum = 0;
	for (int k = 0; k < 4; k++) {
		uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		z ^= z >> 31;
		sum += (double)(z >> 11) / 9007199254740992.0 - 0.5;
	}
	return sum * 1.7320508;
}

/* Box-Muller: a standard normal from two uniforms in (0, 1) that
 * unif(ctx) draws; the second normal of each pair is kept in *spare
 * (*have = 1) and given by the next call. */
static inline double bt_test_normal(double (*unif)(void *), void *ctx, int *have,
				    double *spare)
{
	const double two_pi = 6.283185307179586476925286766559;
	if (*have) {
		*have = 0;
		return *spare;
	}
	double u = unif(ctx), v = unif(ctx);
	*spare = sqrt(-2 * log(u)) * sin(two_pi * v);
	*have = 1;
	return sqrt(-2 * log(u)) * cos(two_pi * v);
}

/* Appends a result of benchmark name (group may be NULL; variant
 * "default"; one parameter key=value) to run: a "time" metric of n
 * samples level * (1 + 1% noise), its statistics and its series key (run's
 * suite and fingerprint must be set). level <= 0 makes a crashed result
 * without metrics. Returns the result, NULL when out of memory. */
static inline struct bt_result *bt_test_add_case(struct bt_run *run,
						 const char *group,
						 const char *name, const char *key,
						 const char *value, double level,
						 size_t n, uint64_t *seed)
{
	struct bt_result *r = bt_run_add_result(run);
	char skey[17];
	if (!r)
		return NULL;
	r->name = bt_run_strdup(run, name);
	r->group = group ? bt_run_strdup(run, group) : NULL;
	r->variant = bt_run_strdup(run, "default");
	r->params = bt_run_alloc(run, sizeof *r->params);
	if (!r->params)
		return NULL;
	r->params[0].key = bt_run_strdup(run, key);
	r->params[0].value = bt_run_strdup(run, value);
	r->n_params = 1;
	if (level <= 0) {
		r->status = BT_STATUS_CRASHED;
		r->message = bt_run_strdup(run, "killed by signal 11 (Segmentation fault)");
		return r;
	}
	r->metrics = bt_run_alloc(run, sizeof *r->metrics);
	if (!r->metrics)
		return NULL;
	r->n_metrics = 1;
	struct bt_metric *m = &r->metrics[0];
	m->name = bt_run_strdup(run, "time");
	m->unit = bt_run_strdup(run, "s");
	m->direction = BT_LOWER_IS_BETTER;
	m->samples = bt_run_alloc(run, n * sizeof *m->samples);
	if (!m->samples)
		return NULL;
	m->n_samples = n;
	for (size_t k = 0; k < n; k++)
		m->samples[k] = level * (1 + 0.01 * bt_test_noise(seed));
	if (bt_stats_summarize(m->samples, n, &m->stats))
		return NULL;
	bt_series_key(run->suite, r, run->machine.fingerprint, "time", skey);
	r->series_key = bt_run_strdup(run, skey);
	return r;
}

/* Appends the two results of the store tests to run: "naive" and
 * "tiled" (variant "default", version 1, status ok), each a "time"
 * metric in s of level 1 ms and 2 ms. with_samples: three samples
 * level + 0, 1, 2 us and statistics to match (median level + 1 us);
 * else no samples and every statistic the level. Returns 0, or -1 when
 * out of memory. */
static inline int bt_test_add_naive_tiled(struct bt_run *run, int with_samples)
{
	for (int i = 0; i < 2; i++) {
		struct bt_result *r = bt_run_add_result(run);
		double level = 1e-3 * (i + 1);
		if (!r || !(r->metrics = bt_run_alloc(run, sizeof *r->metrics)))
			return -1;
		r->name = i ? "tiled" : "naive";
		r->variant = "default";
		r->version = 1;
		r->status = BT_STATUS_OK;
		r->n_metrics = 1;
		struct bt_metric *m = &r->metrics[0];
		m->name = "time";
		m->unit = "s";
		m->direction = BT_LOWER_IS_BETTER;
		struct bt_stats *s = &m->stats;
		s->n = 3;
		s->ci_level = 0.95;
		if (!with_samples) {
			s->mean = s->median = s->p5 = s->p25 = s->p75 = s->p95 = s->p99 =
				s->min = s->max = s->median_ci_low = s->median_ci_high = level;
			continue;
		}
		if (!(m->samples = bt_run_alloc(run, 3 * sizeof(double))))
			return -1;
		m->n_samples = 3;
		for (int k = 0; k < 3; k++)
			m->samples[k] = level + 1e-6 * k;
		s->mean = s->median = s->p5 = s->p25 = s->p75 = s->p95 = s->p99 =
			level + 1e-6;
		s->min = level;
		s->max = level + 2e-6;
		s->std = s->mad = s->iqr = 1e-6;
		s->cv = 1e-3;
		s->median_ci_low = s->min;
		s->median_ci_high = s->max;
	}
	return 0;
}

#endif
