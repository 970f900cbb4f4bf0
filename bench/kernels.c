/* The kernels of kernels.h. Compiled once per suite with the project's C
 * flags, never inlined into a harness. */
#include <stdlib.h>
#include <string.h>

#include "kernels.h"

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void *bk_alloc(size_t bytes)
{
	void *p = NULL;
	if (posix_memalign(&p, 64, bytes ? bytes : 64) != 0)
		return NULL;
	return p;
}

int bk_alloc_n(size_t bytes, void **p, int k)
{
	int ok = 1;
	for (int i = 0; i < k; i++)
		ok &= (p[i] = bk_alloc(bytes)) != NULL;
	if (ok)
		return 0;
	for (int i = 0; i < k; i++)
		free(p[i]);
	return -1;
}

void bk_fill(double *x, size_t n, uint64_t seed)
{
	uint64_t s = seed;
	for (size_t i = 0; i < n; i++)
		x[i] = (double)(splitmix64(&s) >> 11) * 0x1.0p-52 - 1.0;
}

void bk_fill_bytes(unsigned char *p, size_t n, uint64_t seed)
{
	uint64_t s = seed;
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(splitmix64(&s) >> 56);
}

double bk_sum(const double *x, size_t n)
{
	double acc = 0;
	for (size_t i = 0; i < n; i++)
		acc += x[i];
	return acc;
}

double bk_dot(const double *x, const double *y, size_t n)
{
	double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
	size_t i = 0;
	for (; i + 4 <= n; i += 4) {
		a0 += x[i] * y[i];
		a1 += x[i + 1] * y[i + 1];
		a2 += x[i + 2] * y[i + 2];
		a3 += x[i + 3] * y[i + 3];
	}
	for (; i < n; i++)
		a0 += x[i] * y[i];
	return (a0 + a1) + (a2 + a3);
}

uint64_t bk_stride(const unsigned char *p, size_t bytes, size_t step)
{
	uint64_t acc = 0;
	for (size_t i = 0; i < bytes; i += step)
		acc += p[i];
	return acc;
}

void bk_copy(void *dst, const void *src, size_t bytes)
{
	memcpy(dst, src, bytes);
}

void bk_matmul(double *c, const double *a, const double *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			double acc = 0;
			for (size_t k = 0; k < n; k++)
				acc += a[i * n + k] * b[k * n + j];
			c[i * n + j] = acc;
		}
}
