/* Google Benchmark side of the benchtrack vs Google Benchmark comparison
 * (scripts/bench-vs-gbench.sh): the kernels of kernels.h with the same
 * sizes and inputs as kernels_bt.c, default Google Benchmark settings.
 * Names are "gb_KERNEL/SIZE"; the script matches them to benchtrack's
 * "KERNEL" with the same parameter value. */
#include <cstdint>
#include <cstdlib>

#include <benchmark/benchmark.h>

#include "kernels.h"

static void gb_sum(benchmark::State &state)
{
	size_t n = (size_t)state.range(0);
	double *x = (double *)bk_alloc(n * sizeof *x);
	if (!x) {
		state.SkipWithError("out of memory");
		return;
	}
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
	double *x = (double *)bk_alloc(n * sizeof *x);
	double *y = (double *)bk_alloc(n * sizeof *y);
	if (!x || !y) {
		free(x);
		free(y);
		state.SkipWithError("out of memory");
		return;
	}
	bk_fill(x, n, BK_SEED);
	bk_fill(y, n, BK_SEED + 1);
	for (auto _ : state) {
		double acc = bk_dot(x, y, n);
		benchmark::DoNotOptimize(acc);
	}
	state.SetItemsProcessed((int64_t)state.iterations() * (int64_t)n);
	free(x);
	free(y);
}
BENCHMARK(gb_dot)->Arg(BK_DOT_N);

static void gb_stride(benchmark::State &state)
{
	size_t bytes = (size_t)state.range(0);
	unsigned char *p = (unsigned char *)bk_alloc(bytes);
	if (!p) {
		state.SkipWithError("out of memory");
		return;
	}
	bk_fill_bytes(p, bytes, BK_SEED);
	for (auto _ : state) {
		uint64_t acc = bk_stride(p, bytes, BK_STRIDE_STEP);
		benchmark::DoNotOptimize(acc);
	}
	state.SetBytesProcessed((int64_t)state.iterations() * (int64_t)bytes);
	free(p);
}
BENCHMARK(gb_stride)->Arg(BK_STRIDE_BYTES);

static void gb_copy(benchmark::State &state)
{
	size_t bytes = (size_t)state.range(0);
	unsigned char *src = (unsigned char *)bk_alloc(bytes);
	unsigned char *dst = (unsigned char *)bk_alloc(bytes);
	if (!src || !dst) {
		free(src);
		free(dst);
		state.SkipWithError("out of memory");
		return;
	}
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
	double *a = (double *)bk_alloc(n * n * sizeof *a);
	double *b = (double *)bk_alloc(n * n * sizeof *b);
	double *c = (double *)bk_alloc(n * n * sizeof *c);
	if (!a || !b || !c) {
		free(a);
		free(b);
		free(c);
		state.SkipWithError("out of memory");
		return;
	}
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
