/* The example of docs/API.md: a benchmark written against the public header
 * only. Build it after `make install`:
 *     cc -O2 my_bench.c $(pkg-config --cflags --libs benchtrack) -o my_bench
 * and run `./my_bench` or `benchtrack run ./my_bench`. */
#include <stdlib.h>

#include <benchtrack.h>

static double sum(const double *x, size_t n)
{
	double acc = 0;
	for (size_t i = 0; i < n; i++)
		acc += x[i];
	return acc;
}

static void bm_sum(bt_state *s)
{
	size_t n = (size_t)bt_param_int(s, "n"); /* current value of a declared parameter */
	double *x = malloc(n * sizeof *x);       /* setup: untimed */
	if (!x) {
		bt_oom(s);
		return;
	}
	for (size_t i = 0; i < n; i++)
		x[i] = 1.0;
	while (bt_loop(s)) {                     /* timed: calibrated batches */
		double acc = sum(x, n);
		bt_do_not_optimize(&acc);
	}
	double got = sum(x, n), want = (double)n;
	bt_check_close(s, &got, &want, 1, 1e-12);
	bt_set_items(s, (double)n, "elements");  /* throughput */
	free(x);
}
BT_BENCH(bm_sum, .params = "n=1024,4096,65536", .type = "micro");
BT_MAIN()
