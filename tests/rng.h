/* Seeded random numbers for tests: splitmix64, a uniform in (0, 1) and a
 * standard normal (Box-Muller, cosine branch). The same seed gives the
 * same sequence on every machine, so tests that pick seeds stay exact. */
#ifndef BT_TESTS_RNG_H
#define BT_TESTS_RNG_H

#include <math.h>
#include <stdint.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static inline uint64_t bt_test_rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* uniform in (0, 1): never 0 or 1 */
static inline double bt_test_unif(uint64_t *s)
{
	return ((double)(bt_test_rng_next(s) >> 11) + 0.5) / 9007199254740992.0;
}

static inline double bt_test_gauss(uint64_t *s)
{
	double u = bt_test_unif(s), v = bt_test_unif(s);

	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

#endif
