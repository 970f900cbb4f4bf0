/* libbenchtrack_mpi: the MPI side of distributed benchmarks (dist.h).
 * Built only when Open MPI is found (pkg-config ompi-c); a suite with
 * distributed benchmarks links it (CMake: benchtrack_mpi), and its
 * constructor gives the core library the world's operations, so that
 * libbenchtrack itself never needs MPI. */
#include <mpi.h>
#include <stdlib.h>

#include "run/dist.h"

static MPI_Comm control = MPI_COMM_NULL; /* the running case's */

static int mpi_init(int *argc, char ***argv, int *rank, int *size)
{
	int provided;
	if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
		return -1;
	MPI_Comm_rank(MPI_COMM_WORLD, rank);
	MPI_Comm_size(MPI_COMM_WORLD, size);
	return 0;
}

static void mpi_finalize(void)
{
	int done = 0;
	MPI_Finalized(&done);
	if (!done)
		MPI_Finalize();
}

static void *mpi_case_begin(void)
{
	MPI_Comm *bench = malloc(sizeof *bench);
	if (!bench)
		return NULL;
	if (MPI_Comm_dup(MPI_COMM_WORLD, bench) != MPI_SUCCESS) {
		free(bench);
		return NULL;
	}
	if (MPI_Comm_dup(MPI_COMM_WORLD, &control) != MPI_SUCCESS) {
		MPI_Comm_free(bench);
		free(bench);
		return NULL;
	}
	return bench;
}

static void mpi_case_end(void *bench)
{
	MPI_Comm *c = bench;
	MPI_Comm_free(c);
	free(c);
	MPI_Comm_free(&control);
}

static int mpi_allreduce_max(double *v, int n)
{
	return MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_DOUBLE, MPI_MAX, control) ==
	       MPI_SUCCESS ? 0 : -1;
}

static int mpi_gather(const void *bytes, size_t len, void *all)
{
	return MPI_Gather(bytes, (int)len, MPI_BYTE, all, (int)len, MPI_BYTE, 0,
			  control) == MPI_SUCCESS ? 0 : -1;
}

static void mpi_abort(int code)
{
	MPI_Abort(MPI_COMM_WORLD, code);
}

static const struct bt__dist_ops ops = {
	mpi_init, mpi_finalize, mpi_case_begin, mpi_case_end,
	mpi_allreduce_max, mpi_gather, mpi_abort,
};

static void __attribute__((constructor)) bt__mpi_register(void)
{
	bt__dist = &ops;
}
