/* benchtrack side of the benchtrack vs Google Benchmark comparison
 * (scripts/bench-vs-gbench.sh): the kernels of kernels.h, from ~10 ns to
 * ~10 ms per op. kernels_gbench.cc times the same kernels with Google
 * Benchmark; keep the two suites' names and sizes in step. */
#include <stdlib.h>

#include <benchtrack.h>

#include "kernels.h"

static void bm_sum(bt_state *s)
{
	size_t n = (size_t)bt_param_int(s, "n");
	double *x = bk_alloc(n * sizeof *x);
	if (!x) {
		bt_oom(s);
		return;
	}
	bk_fill(x, n, BK_SEED);
	while (bt_loop(s)) {
		double acc = bk_sum(x, n);
		bt_do_not_optimize(&acc);
	}
	bt_set_items(s, (double)n, "elements");
	free(x);
}
BT_BENCH(bm_sum, .name = "sum", .params = "n=" BK_STR(BK_SUM_N),
	 .type = "micro");

static void bm_dot(bt_state *s)
{
	size_t n = (size_t)bt_param_int(s, "n");
	double *x = bk_alloc(n * sizeof *x);
	double *y = bk_alloc(n * sizeof *y);
	if (!x || !y) {
		free(x);
		free(y);
		bt_oom(s);
		return;
	}
	bk_fill(x, n, BK_SEED);
	bk_fill(y, n, BK_SEED + 1);
	while (bt_loop(s)) {
		double acc = bk_dot(x, y, n);
		bt_do_not_optimize(&acc);
	}
	bt_set_items(s, (double)n, "elements");
	free(x);
	free(y);
}
BT_BENCH(bm_dot, .name = "dot", .params = "n=" BK_STR(BK_DOT_N),
	 .type = "micro");

static void bm_stride(bt_state *s)
{
	size_t bytes = (size_t)bt_param_int(s, "bytes");
	unsigned char *p = bk_alloc(bytes);
	if (!p) {
		bt_oom(s);
		return;
	}
	bk_fill_bytes(p, bytes, BK_SEED);
	while (bt_loop(s)) {
		uint64_t acc = bk_stride(p, bytes, BK_STRIDE_STEP);
		bt_do_not_optimize(&acc);
	}
	bt_set_bytes(s, (double)bytes);
	free(p);
}
BT_BENCH(bm_stride, .name = "stride",
	 .params = "bytes=" BK_STR(BK_STRIDE_BYTES), .type = "micro");

static void bm_copy(bt_state *s)
{
	size_t bytes = (size_t)bt_param_int(s, "bytes");
	unsigned char *src = bk_alloc(bytes);
	unsigned char *dst = bk_alloc(bytes);
	if (!src || !dst) {
		free(src);
		free(dst);
		bt_oom(s);
		return;
	}
	bk_fill_bytes(src, bytes, BK_SEED);
	bk_fill_bytes(dst, bytes, BK_SEED + 1);
	while (bt_loop(s)) {
		bk_copy(dst, src, bytes);
		bt_do_not_optimize(dst);
	}
	bt_set_bytes(s, (double)bytes);
	free(src);
	free(dst);
}
BT_BENCH(bm_copy, .name = "copy", .params = "bytes=" BK_STR(BK_COPY_BYTES),
	 .type = "micro");

static void bm_matmul(bt_state *s)
{
	size_t n = (size_t)bt_param_int(s, "n");
	double *a = bk_alloc(n * n * sizeof *a);
	double *b = bk_alloc(n * n * sizeof *b);
	double *c = bk_alloc(n * n * sizeof *c);
	if (!a || !b || !c) {
		free(a);
		free(b);
		free(c);
		bt_oom(s);
		return;
	}
	bk_fill(a, n * n, BK_SEED);
	bk_fill(b, n * n, BK_SEED + 1);
	while (bt_loop(s)) {
		bk_matmul(c, a, b, n);
		bt_do_not_optimize(c);
	}
	bt_set_items(s, 2.0 * (double)n * (double)n * (double)n, "flop");
	free(a);
	free(b);
	free(c);
}
BT_BENCH(bm_matmul, .name = "matmul", .params = "n=" BK_STR(BK_MATMUL_N),
	 .type = "micro");

BT_MAIN()
