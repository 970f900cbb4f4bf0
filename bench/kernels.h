/* Plain C kernels shared by the benchtrack suite (kernels_bt.c) and the
 * Google Benchmark suite (kernels_gbench.cc), so that both tools time the
 * very same machine code (kernels.c is its own translation unit: neither
 * harness can inline or specialise a kernel).
 *
 *     kernel   parameter           roughly per op
 *     sum      n = 16 doubles      ~10 ns
 *     dot      n = 4096 doubles    ~1 us
 *     stride   1 MiB, 64 B stride  ~10 us
 *     copy     1 MiB memcpy        ~50 us
 *     matmul   160 x 160 naive     ~5-10 ms
 */
#ifndef BENCH_KERNELS_H
#define BENCH_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The sizes both suites use. */
#define BK_SUM_N 16
#define BK_DOT_N 4096
#define BK_STRIDE_BYTES 1048576 /* 1 MiB */
#define BK_STRIDE_STEP 64
#define BK_COPY_BYTES 1048576   /* 1 MiB */
#define BK_MATMUL_N 160

/* Plain numbers, so that BK_STR() can put them in a parameter spec. */
#define BK_STR_(x) #x
#define BK_STR(x) BK_STR_(x)

/* Fixed seed: the same inputs in both suites and every run. */
#define BK_SEED 42u

/* 64-byte aligned memory (free() it), NULL when out of memory. */
void *bk_alloc(size_t bytes);
/* k buffers of `bytes` each (bk_alloc) into p[]; 0, or -1 when out of
 * memory, with none of them left allocated. */
int bk_alloc_n(size_t bytes, void **p, int k);
/* Deterministic input: n doubles in [-1, 1) from seed (splitmix64). */
void bk_fill(double *x, size_t n, uint64_t seed);
/* Deterministic bytes from seed. */
void bk_fill_bytes(unsigned char *p, size_t n, uint64_t seed);

/* Sum of x[0..n) in order. */
double bk_sum(const double *x, size_t n);
/* Dot product of x and y (four interleaved partial sums). */
double bk_dot(const double *x, const double *y, size_t n);
/* Sum of one byte every step bytes of p[0..bytes): one read per cache line
 * for step 64. */
uint64_t bk_stride(const unsigned char *p, size_t bytes, size_t step);
/* memcpy of bytes from src to dst. */
void bk_copy(void *dst, const void *src, size_t bytes);
/* c = a * b for n x n row-major matrices, naive i-j-k loops. */
void bk_matmul(double *c, const double *a, const double *b, size_t n);

#ifdef __cplusplus
}
#endif
#endif
