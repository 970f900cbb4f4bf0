/* benchtrack side of the benchtrack vs Google Benchmark comparison
 * (scripts/bench-vs-gbench.sh): the kernels of kernels.h, from ~10 ns to
 * ~10 ms per op. kernels_gbench.cc times the same kernels with Google
 * Benchmark; keep the two suites' names and sizes in step. */
#include <stdlib.h>

#include <benchtrack.h>

#include "kernels.h"

/* bk_alloc_n, or -1 after bt_oom(s). */
static int alloc_bufs(bt_state *s, size_t bytes, void **p, int k)
{
	if (bk_alloc_n(bytes, p, k) == 0)
		return 0;
	bt_oom(s);
	return -1;
}

static void bm_sum(bt_state *s)
{
	size_t n = (size_t)bt_param_int(s, "n");
	void *buf;
	if (alloc_bufs(s, n * sizeof(double), &buf, 1))
		return;
	double *x = buf;
	bk_fill(x, n, BK_SEED);
	while (bt_loop(s)) {
		double acc = bk_sum(x, n);
		bt_do_not_optimize(&acc);
	}
	bt_set_items(s, (double)n, "elements");
	free(x);
}
BT_BENCH(bm_sum, .name = "sum", .type = "micro",
	 .params = "n=" BK_STR(BK_SUM_N));

static void bm_dot(bt_state *s)
{
	size_t n = (size_t)bt_param_int(s, "n");
	void *buf[2];
	if (alloc_bufs(s, n * sizeof(double), buf, 2))
		return;
	double *x = buf[0], *y = buf[1];
	bk_fill(x, n, BK_SEED);
	bk_fill(y, n, BK_SEED + 1);
	while (bt_loop(s)) {
		double acc = bk_dot(x, y, n);
		bt_do_not_optimize(&acc);
	}
	free(x);
	free(y);
	bt_set_items(s, (double)n, "elements");
}
BT_BENCH(bm_dot, .name = "dot", .params = "n=" BK_STR(BK_DOT_N),
	 .type = "micro");

static void bm_stride(bt_state *s)
{
	size_t bytes = (size_t)bt_param_int(s, "bytes");
	void *buf;
	if (alloc_bufs(s, bytes, &buf, 1))
		return;
	unsigned char *p = buf;
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
	void *buf[2];
	if (alloc_bufs(s, bytes, buf, 2))
		return;
	unsigned char *src = buf[0], *dst = buf[1];
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
	void *buf[3];
	if (alloc_bufs(s, n * n * sizeof(double), buf, 3))
		return;
	double *a = buf[0], *b = buf[1], *c = buf[2];
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
