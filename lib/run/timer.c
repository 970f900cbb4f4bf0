/* Monotonic clock and its measured resolution and overhead. */
#include <time.h>

#include "internal.h"

static uint64_t monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t (*bt__clock)(void) = monotonic_ns;

void bt_timer_info(double *resolution_s, double *overhead_s)
{
	static double res = -1, ovh = -1;
	if (res < 0) {
		/* overhead: mean cost of one read over a long burst */
		enum { N = 20000 };
		uint64_t t0 = monotonic_ns(), t = t0;
		for (int i = 0; i < N; i++)
			t = monotonic_ns();
		ovh = (double)(t - t0) / N * 1e-9;
		/* resolution: the smallest non-zero step seen between reads,
		 * never finer than what clock_getres claims */
		uint64_t best = UINT64_MAX, prev = monotonic_ns();
		for (int i = 0; i < N; i++) {
			uint64_t now = monotonic_ns();
			if (now > prev && now - prev < best)
				best = now - prev;
			prev = now;
		}
		struct timespec r;
		double claimed = 1e-9;
		if (clock_getres(CLOCK_MONOTONIC, &r) == 0)
			claimed = (double)r.tv_sec + (double)r.tv_nsec * 1e-9;
		res = best == UINT64_MAX ? claimed : (double)best * 1e-9;
		if (res < claimed)
			res = claimed;
	}
	if (resolution_s)
		*resolution_s = res;
	if (overhead_s)
		*overhead_s = ovh;
}
