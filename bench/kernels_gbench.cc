/* Google Benchmark side of the benchtrack vs Google Benchmark comparison
 * (scripts/bench-vs-gbench.sh): the kernels of kernels.h with the same
 * sizes and inputs as kernels_bt.c, default Google Benchmark settings.
 * Names are "gb_KERNEL/SIZE"; the script matches them to benchtrack's
 * "KERNEL" with the same parameter value. */
#include <cstdint>
#include <cstdlib>

#include <benchmark/benchmark.h>

#include "kernels.h"

/* bk_alloc_n, or -1 after the benchmark is skipped with an error. */
static int alloc_bufs(benchmark::State &state, size_t bytes, void **p, int k)
{
	if (bk_alloc_n(bytes, p, k) == 0)
		return 0;
	state.SkipWithError("out of memory");
	return -1;
}

static void gb_sum(benchmark::State &state)
{
	size_t n = (size_t)state.range(0);
	void *buf;
	if (alloc_bufs(state, n * sizeof(double), &buf, 1))
		return;
	double *x = (double *)buf;
	bk_fill(x, n, BK_SEED);
	for (auto _ : state) {
		double acc = bk_sum(x, n);
		benchmark::DoNotOptimize(acc);
	}
	state.SetItemsProcessed((int64_t)state.iterations() * (int64_t)n);
	free(x);
}
BENCHMARK(gb_sum)->Arg(BK_SUM_N);

static void gb_dot(benchmark::State &state)
{
	size_t n = (size_t)state.range(0);
	void *buf[2];
	if (alloc_bufs(state, n * sizeof(double), buf, 2))
		return;
	double *x = (double *)buf[0], *y = (double *)buf[1];
	bk_fill(x, n, BK_SEED);
	bk_fill(y, n, BK_SEED + 1);
	for (auto _ : state) {
		double acc = bk_dot(x, y, n);
		benchmark::DoNotOptimize(acc);
	}
	free(x);
	free(y);
	state.SetItemsProcessed((int64_t)state.iterations() * (int64_t)n);
}
BENCHMARK(gb_dot)->Arg(BK_DOT_N);

static void gb_stride(benchmark::State &state)
{
	size_t bytes = (size_t)state.range(0);
	void *buf;
	if (alloc_bufs(state, bytes, &buf, 1))
		return;
	unsigned char *p = (unsigned char *)buf;
	bk_fill_bytes(p, bytes, BK_SEED);
	for (auto _ : state) {
		uint64_t acc = bk_stride(p, bytes, BK_STRIDE_STEP);
		benchmark::DoNotOptimize(acc);
	}
	free(p);
	state.SetBytesProcessed((int64_t)state.iterations() * (int64_t)bytes);
}
BENCHMARK(gb_stride)->Arg(BK_STRIDE_BYTES);

static void gb_copy(benchmark::State &state)
{
	size_t bytes = (size_t)state.range(0);
	void *buf[2];
	if (alloc_bufs(state, bytes, buf, 2))
		return;
	unsigned char *src = (unsigned char *)buf[0], *dst = (unsigned char *)buf[1];
	bk_fill_bytes(src, bytes, BK_SEED);
	bk_fill_bytes(dst, bytes, BK_SEED + 1);
	for (auto _ : state) {
		bk_copy(dst, src, bytes);
		benchmark::DoNotOptimize(dst);
		benchmark::ClobberMemory();
	}
	state.SetBytesProcessed((int64_t)state.iterations() * (int64_t)bytes);
	free(src);
	free(dst);
}
BENCHMARK(gb_copy)->Arg(BK_COPY_BYTES);

static void gb_matmul(benchmark::State &state)
{
	size_t n = (size_t)state.range(0);
	void *buf[3];
	if (alloc_bufs(state, n * n * sizeof(double), buf, 3))
		return;
	double *a = (double *)buf[0], *b = (double *)buf[1], *c = (double *)buf[2];
	bk_fill(a, n * n, BK_SEED);
	bk_fill(b, n * n, BK_SEED + 1);
	for (auto _ : state) {
		bk_matmul(c, a, b, n);
		benchmark::DoNotOptimize(c);
		benchmark::ClobberMemory();
	}
	state.SetItemsProcessed((int64_t)state.iterations() * 2 * (int64_t)(n * n * n));
	free(a);
	free(b);
	free(c);
}
BENCHMARK(gb_matmul)->Arg(BK_MATMUL_N);

BENCHMARK_MAIN();
