/* Small helpers shared by benchtrack's own benchmarks (bench/*_bt.c).
 * Header-only: each benchmark is its own executable. */
#ifndef BT_BENCH_UTIL_H
#define BT_BENCH_UTIL_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

/* splitmix64: the next value of the deterministic sequence of state *s. */
static inline uint64_t bench_splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* A uniform double in (0, 1), never 0 or 1, from state *s. */
static inline double bench_unif(uint64_t *s)
{
	return ((double)(bench_splitmix(s) >> 11) + 0.5) * 0x1.0p-53;
}

/* A malloc'd formatted path; NULL when out of memory. */
static inline char *bench_pathf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline char *bench_pathf(const char *fmt, ...)
{
	va_list ap;
	char *p = NULL;
	va_start(ap, fmt);
	if (vasprintf(&p, fmt, ap) < 0)
		p = NULL;
	va_end(ap);
	return p;
}

#endif
