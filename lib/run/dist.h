/* Distributed cases (internal to lib/run/, front/ and lib/mpi/): the
 * operations an MPI world gives, registered by libbenchtrack_mpi
 * (lib/mpi/mpi.c) so that the core library never needs MPI, and the
 * in-step sampling measure.c does with them (docs/API.md, distributed
 * benchmarks; ARCHITECTURE.md §5). */
#ifndef BENCHTRACK_DIST_H
#define BENCHTRACK_DIST_H

#include <stddef.h>
#include <stdint.h>

#include "internal.h"

/* What an MPI implementation provides. All but init run inside the world
 * after init returned 0. */
struct bt__dist_ops {
	/* MPI_Init; sets *rank and *size of MPI_COMM_WORLD. 0 or -1. */
	int (*init)(int *argc, char ***argv, int *rank, int *size);
	void (*finalize)(void);
	/* A fresh communicator for a case's benchmark (a duplicate of the
	 * world) and its control communicator; freed by case_end. The
	 * benchmark's is returned as a pointer to its MPI_Comm. */
	void *(*case_begin)(void);
	void (*case_end)(void *bench_comm);
	/* Element-wise maximum of v[0..n) over the world's ranks, on the
	 * control communicator: every rank gets it. 0 or -1. */
	int (*allreduce_max)(double *v, int n);
	/* Every rank's bytes[0..len) to rank 0's all[size * len]. */
	int (*gather)(const void *bytes, size_t len, void *all);
	/* Ends every rank of the world (a rank that cannot go on). */
	void (*abort)(int code);
};

/* Set by libbenchtrack_mpi's constructor; NULL without it. */
extern const struct bt__dist_ops *bt__dist;

/* The world this process is in: size 0 outside one. */
extern int bt__dist_rank, bt__dist_size;

/* 1 when the case's benchmark is distributed (.ranks). */
int bt__case_distributed(const struct bt_case *c);
/* The case's `ranks` value (1 when it has none). */
int bt__case_ranks(const struct bt_case *c);

/* --- in-step sampling (measure.c) ----------------------------------- */

/* At the start of a case (every rank): makes the case's communicator
 * when c is distributed and this process is in a world; returns 1 then
 * (bt__dist_active), else 0. */
int bt__dist_begin(const struct bt_case *c);
int bt__dist_active(void);
/* At the end of a distributed case, after the result was filled: every
 * rank sends rank 0 its status, validation and peak memory; rank 0's r
 * gets the worst status ("rank K: ..."), the validation of all ranks,
 * peak_memory_bytes the most of any rank and the counters
 * peak_memory_rankK, peak_memory_max and ranks. Frees the communicator.
 * 0 or BT_ENOMEM. */
int bt__dist_end(struct bt_run *run, struct bt_result *r, int64_t peak_rss);

/* One step of the world's control protocol, on every rank: *elapsed_ns
 * becomes the slowest rank's; *stop is set when some rank has stopped
 * (failed, skipped or returned). Also the barrier before each sample. */
void bt__dist_step(uint64_t *elapsed_ns, int failed, int *stop);

/* After the benchmark function returned: steps until every rank has
 * returned. */
void bt__dist_drain(void);

/* What each rank sends rank 0 at the end of a case. */
struct bt__dist_report {
	int32_t status;
	int32_t val_checked, val_passed;
	int64_t peak_rss;
	double max_abs_err, max_rel_err, tolerance;
	char message[240];
};

/* --- a case run by mpirun (isolate.c, mpi_launch.c) ------------------ */

/* In the forked child of an isolated case: runs mpirun for c (cfg->mpi
 * set, c distributed) with the case's rank 0 writing its result as JSON
 * to result_path. Never returns: when mpirun cannot be started, why (one
 * line, no newline, at most 1 KiB: "cannot run mpirun: ...") is written to
 * err_fd (close-on-exec: nothing else writes there) and the exit status
 * is 127. Prints nothing. */
void bt__mpi_exec(const struct bt_case *c, const struct bt_config *cfg,
		  const char *result_path, int err_fd) __attribute__((noreturn));

/* Before the fork: a distributed case that cannot run here is skipped
 * (no --mpi, or more ranks than --mpi allows): r says why, returns 1;
 * else makes a fresh file for its result, path in result_path[cap],
 * returns 0; BT_E* on failure. */
int bt__mpi_prepare(const struct bt_case *c, const struct bt_config *cfg,
		    struct bt_run *run, struct bt_result *r, char *result_path,
		    size_t cap, struct bt_strbuf *err);

/* After the launch ended: what rank 0 wrote to result_path (at most cap
 * bytes, else *too_big) appended to data; the file is removed. */
void bt__mpi_collect(const char *result_path, struct bt_strbuf *data,
		     size_t cap, int *too_big);

/* --- --find-limit AXIS (findlimit.c) ------------------------------ */

/* bt_plan_run with cfg->find_limit: each group of plan's cases (one
 * benchmark, variant and set of the other parameters) runs at its
 * smallest planned value of the axis, then twice that, and so on until a
 * case's status is not ok; every step appended to run. Cases without the
 * axis (or a non-integer value) are not run. 0 or BT_E*. */
int bt__find_limit(const struct bt_plan *plan, const struct bt_config *cfg,
		   struct bt_run *run, bt_progress_fn progress, void *ud,
		   struct bt_strbuf *err);

#endif
