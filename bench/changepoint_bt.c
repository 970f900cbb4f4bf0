/* benchtrack's own change-point benchmarks (their speed): history on a
 * series, measured with benchtrack.
 *
 *   changepoints  bt_changepoints on a series of n points (n = 200, 1000),
 *                 mode = otava (bt_cp_opts_otava, p = 0.001: Otava's
 *                 compute_change_points takes a median 4.7 ms at N = 200 and
 *                 23.9 ms at N = 1000 on a 2-core 2.8 GHz Xeon, per
 *                 ../shared/changepoint/dev/README.md) or defaults
 *                 (bt_cp_opts_default: spike suppression, permutation test)
 *   update        bt_changepoints_update for one point appended to a series
 *                 of n points (the state of the n-point run is rebuilt,
 *                 untimed, before each iteration)
 *
 * The series: level 100, Gaussian noise CV 2%, steps of +5% at n/3 and -4%
 * at 2n/3, deterministic (splitmix64 + Box-Muller, fixed seed), so both
 * modes find change points and do their full work (merge, confirmation).
 *
 *   build/changepoint_bt   (or: benchtrack run build/changepoint_bt --no-store)
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <benchtrack.h>
#include <benchtrack/analysis.h>

#include "bench_util.h"

/* n values of the benchmark series (n + extra allocated by the caller). */
static void series(double *x, size_t n)
{
	uint64_t s = 0xc4a96e9011ull;
	size_t i;

	for (i = 0; i < n; i++) {
		double u = bt_test_unif(&s), v = bt_test_unif(&s);
		double z = sqrt(-2 * log(u)) * cos(2 * M_PI * v);
		double lvl = i < n / 3 ? 100 : i < 2 * n / 3 ? 105 : 100.8;

		x[i] = lvl + 2.0 * z;
	}
}

static void opts_for(bt_state *s, struct bt_cp_opts *o)
{
	if (!strcmp(bt_param_str(s, "mode"), "otava"))
		bt_cp_opts_otava(o, 0.001);
	else
		bt_cp_opts_default(o);
}

static void bm_changepoints(bt_state *s)
{
	size_t n = (size_t)bt_param_int(s, "n");
	double *x = bench_doubles(s, n);
	struct bt_cp_opts o;
	struct bt_cp_result r;
	size_t found = 0;

	if (!x)
		return;
	series(x, n);
	opts_for(s, &o);
	while (bt_loop(s)) {
		if (bt_changepoints(x, n, &o, &r, NULL)) {
			bt_fail(s, "bt_changepoints failed");
			break;
		}
		found = r.n;
		bt_do_not_optimize(&r);
		bt_cp_result_release(&r);
	}
	bt_set_items(s, (double)n, "points");
	bt_counter(s, "change_points", (double)found);
	free(x);
}
BT_BENCH(bm_changepoints, .name = "changepoints", .group = "changepoint",
	 .params = "n=200,1000;mode=otava,defaults", .type = "micro");

static void bm_update(bt_state *s)
{
	size_t n = (size_t)bt_param_int(s, "n");
	double *x = bench_doubles(s, n + 1);
	struct bt_cp_opts o;
	struct bt_cp_result r;

	if (!x)
		return;
	series(x, n + 1);
	opts_for(s, &o);
	memset(&r, 0, sizeof r);
	while (bt_loop(s)) {
		bt_pause(s);
		bt_cp_result_release(&r);
		if (bt_changepoints(x, n, &o, &r, NULL)) {
			bt_fail(s, "bt_changepoints failed");
			break;
		}
		bt_resume(s);
		if (bt_changepoints_update(x, n + 1, &o, &r, NULL)) {
			bt_fail(s, "bt_changepoints_update failed");
			break;
		}
		bt_do_not_optimize(&r);
	}
	bt_cp_result_release(&r);
	bt_set_items(s, 1, "appended points");
	free(x);
}
BT_BENCH(bm_update, .name = "update", .group = "changepoint",
	 .params = "n=200,1000;mode=otava,defaults", .type = "micro");

BT_MAIN()
