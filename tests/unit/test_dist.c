/* Distributed cases in process, with a fake two-rank world in place of
 * MPI (lib/run/dist.h): the plan inside a world keeps only the cases of
 * its size, `ranks` is a parameter and not part of bt_seed, a sample's
 * time is the slowest rank's, rank 0 gathers the other rank's status,
 * validation and peak memory, and the type is "distributed". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "run/dist.h"

/* --- the fake world: this process is rank 0 of 2 ----------------------- */

#define OTHER_NS 7000000.0 /* rank 1's time of every batch: 7 ms */
static struct bt__dist_report other; /* what rank 1 reports */
static int comms, steps;

static void *fake_begin(void)
{
	comms++;
	return &comms;
}
static void fake_end(void *c)
{
	(void)c;
	comms--;
}
static int fake_allreduce(double *v, int n)
{
	assert_int_equal(n, 3);
	steps++;
	if (v[2] > 0 && v[0] < OTHER_NS) /* in the loop: rank 1 is slower */
		v[0] = OTHER_NS;
	return 0;
}
static int fake_gather(const void *b, size_t len, void *all)
{
	assert_int_equal(len, sizeof other);
	memcpy(all, b, len);
	memcpy((char *)all + len, &other, len);
	return 0;
}
static void fake_abort(int code)
{
	fail_msg("abort %d", code);
}
static const struct bt__dist_ops fake = {
	NULL, NULL, fake_begin, fake_end, fake_allreduce, fake_gather, fake_abort,
};

/* --- the benchmarks ------------------------------------------------------ */

static void bm_dist(bt_state *s)
{
	bt_counter(s, "seed_lo", (double)(bt_seed(s) & 0xffffffu));
	bt_counter(s, "rank", bt_rank(s));
	bt_counter(s, "world", bt_world_size(s));
	bt_counter(s, "has_comm", bt_mpi_comm(s) != NULL);
	double got = 1, want = 1;
	while (bt_loop(s))
		bt_do_not_optimize(&got);
	bt_check_close(s, &got, &want, 1, 1e-9);
}
BT_BENCH(bm_dist, .name = "dist", .group = "g", .params = "n=3", .ranks = "1,2");

static void bm_plain(bt_state *s)
{
	while (bt_loop(s))
		bt_clobber_memory();
}
BT_BENCH(bm_plain, .name = "plain", .group = "g", .params = "n=3");

static const struct bt_counter *counter(const struct bt_result *r, const char *n)
{
	for (size_t i = 0; i < r->n_counters; i++)
		if (strcmp(r->counters[i].name, n) == 0)
			return &r->counters[i];
	return NULL;
}

/* Runs the plan of a world of size world (0: none) into run. */
static void run_world(int world, struct bt_run *run)
{
	struct bt_config cfg;
	struct bt_plan plan;
	struct bt_strbuf err = BT_STRBUF_INIT;
	bt_config_defaults(&cfg);
	cfg.isolate = 0;
	cfg.mpi_world = world;
	cfg.warmup_iterations = 1;
	cfg.measurement_iterations = 4;
	cfg.gpu_sample_interval = 0;
	bt__dist = world ? &fake : NULL;
	bt__dist_size = world;
	bt__dist_rank = 0;
	assert_int_equal(bt_plan_build(&plan, &cfg, &err), 0);
	assert_int_equal(bt_run_init(run), 0);
	run->suite = "t";
	assert_int_equal(bt_plan_run(&plan, &cfg, run, NULL, NULL, &err), 0);
	bt_plan_release(&plan);
	bt_strbuf_release(&err);
	bt__dist = NULL;
	bt__dist_size = 0;
}

static void test_world_of_two(void **st)
{
	(void)st;
	memset(&other, 0, sizeof other);
	other.status = BT_STATUS_OK;
	other.peak_rss = 123456789;
	other.val_checked = other.val_passed = 1;
	other.max_rel_err = 1e-12;
	other.tolerance = 1e-9;
	struct bt_run run;
	steps = 0;
	run_world(2, &run);
	assert_int_equal(run.n_results, 1); /* plain and ranks=1 not here */
	const struct bt_result *r = &run.results[0];
	assert_string_equal(r->name, "dist");
	assert_string_equal(r->type, "distributed");
	assert_int_equal(r->status, BT_STATUS_OK);
	assert_true(r->validation.checked && r->validation.passed);
	assert_int_equal(comms, 0); /* the communicator was freed */
	assert_true(steps >= 6);    /* a step per batch, and the drain */
	int found = 0;
	for (size_t i = 0; i < r->n_params; i++)
		if (strcmp(r->params[i].key, "ranks") == 0) {
			assert_string_equal(r->params[i].value, "2");
			found = 1;
		}
	assert_true(found);
	/* every sample is rank 1's 7 ms: batches of one iteration */
	assert_string_equal(r->metrics[0].name, "time");
	assert_int_equal(r->metrics[0].n_samples, 4);
	for (size_t i = 0; i < r->metrics[0].n_samples; i++)
		assert_true(r->metrics[0].samples[i] == 0.007);
	assert_true(counter(r, "world")->value == 2);
	assert_true(counter(r, "has_comm")->value == 1);
	assert_true(counter(r, "ranks")->value == 2);
	assert_true(counter(r, "peak_memory_rank1")->value == 123456789);
	assert_true(counter(r, "peak_memory_rank0")->value > 0);
	assert_true(counter(r, "peak_memory_max")->value >= 123456789);
	assert_true(r->peak_memory_bytes == (int64_t)counter(r, "peak_memory_max")->value);
	double seed2 = counter(r, "seed_lo")->value;
	bt_run_release(&run);

	/* the world of one sees the inputs of the world of two */
	run_world(1, &run);
	assert_int_equal(run.n_results, 1);
	assert_true(counter(&run.results[0], "seed_lo")->value == seed2);
	bt_run_release(&run);
}

static void test_rank1_fails(void **st)
{
	(void)st;
	memset(&other, 0, sizeof other);
	other.status = BT_STATUS_FAILED;
	other.peak_rss = 1000;
	other.val_checked = 1;
	other.val_passed = 0;
	other.max_rel_err = 0.5;
	other.tolerance = 1e-9;
	snprintf(other.message, sizeof other.message, "validation failed: max relative error 0.5");
	struct bt_run run;
	run_world(2, &run);
	const struct bt_result *r = &run.results[0];
	assert_int_equal(r->status, BT_STATUS_FAILED);
	assert_string_equal(r->message, "rank 1: validation failed: max relative error 0.5");
	assert_false(r->validation.passed);
	assert_true(r->validation.max_rel_err == 0.5);
	bt_run_release(&run);
}

static void test_outside_a_world(void **st)
{
	(void)st;
	/* no --mpi and no world: the distributed cases are skipped */
	struct bt_run run;
	run_world(0, &run);
	assert_int_equal(run.n_results, 3);
	size_t skipped = 0;
	for (size_t i = 0; i < run.n_results; i++)
		if (strcmp(run.results[i].name, "dist") == 0) {
			assert_int_equal(run.results[i].status, BT_STATUS_SKIPPED);
			assert_string_equal(run.results[i].message,
					    "distributed: runs with --mpi N or under mpirun");
			skipped++;
		}
	assert_int_equal(skipped, 2);
	bt_run_release(&run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_world_of_two),
		cmocka_unit_test(test_rank1_fails),
		cmocka_unit_test(test_outside_a_world),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
