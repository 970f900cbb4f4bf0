/* The attention demo suite (docs/internals/ARCHITECTURE.md §9): naive,
 * tiled, dilated and block-sparse attention over the production sequence
 * range, compared with each other in group "attention".
 *
 * Every case: inputs from bt_seed (uniform in [-1, 1]), all buffers
 * allocated and touched before the timed loop (so page faults and an
 * out-of-memory condition land outside the timing; a failed malloc is
 * reported with bt_oom), one kernel call per iteration, then validation
 * against the double-precision reference of the same function.
 *
 * Validation covers CHECK_ROWS query rows of every head, spread evenly
 * over the sequence (first and last row included, see attn_check_rows),
 * not all rows: the reference costs O(rows * keys * D) in double, which
 * keeps validating a 16K-token case well under a second, where all rows
 * would cost more than the kernel. The error measure is bt_check_close_f's
 * normwise relative error, tolerance REL_TOL.
 *
 * Memory reported with bt_set_memory: q, k, v, out plus the kernel's own
 * working memory (scratch, or the dilated plan plus what one call mallocs
 * at its peak without a pool); not the validation buffers.
 */
#include <benchtrack.h>

#include <stdlib.h>
#include <string.h>

#include "attention.h"

#define CHECK_ROWS 64
#define REL_TOL 1e-4

#define ATTN_PARAMS "seq_len=@production;heads=4;head_dim=64"

/* Inputs and output of one case. */
struct io {
	struct attn_shape sh;
	float *q, *k, *v, *out;
	size_t bytes; /* of q, k, v, out */
};

static void io_release(struct io *io)
{
	free(io->q);
	free(io->k);
	free(io->v);
	free(io->out);
}

/* Reads the shape parameters, allocates and fills the tensors. Returns 0,
 * or -1 after failing the case (bt_fail, bt_oom); io is released then. */
static int io_init(bt_state *s, struct io *io)
{
	memset(io, 0, sizeof *io);
	io->sh.seq_len = (int)bt_param_int(s, "seq_len");
	io->sh.heads = (int)bt_param_int(s, "heads");
	io->sh.head_dim = (int)bt_param_int(s, "head_dim");
	if (!attn_shape_ok(&io->sh)) {
		bt_fail(s, "unsupported shape seq_len=%d heads=%d head_dim=%d "
			   "(head_dim must be a multiple of 8 up to %d)",
			io->sh.seq_len, io->sh.heads, io->sh.head_dim,
			ATTN_MAX_DIM);
		return -1;
	}
	size_t n = attn_tensor_floats(&io->sh);
	io->q = malloc(n * sizeof(float));
	io->k = malloc(n * sizeof(float));
	io->v = malloc(n * sizeof(float));
	io->out = malloc(n * sizeof(float));
	if (!io->q || !io->k || !io->v || !io->out) {
		io_release(io);
		bt_oom(s);
		return -1;
	}
	io->bytes = 4 * n * sizeof(float);
	attn_make_inputs(&io->sh, bt_seed(s), io->q, io->k, io->v);
	memset(io->out, 0, n * sizeof(float));
	return 0;
}

/* Scratch of n floats, touched; NULL after bt_oom. */
static float *scratch_alloc(bt_state *s, size_t n)
{
	float *p = malloc((n ? n : 1) * sizeof *p);
	if (!p) {
		bt_oom(s);
		return NULL;
	}
	memset(p, 0, n * sizeof *p);
	return p;
}

enum ref_kind { REF_FULL, REF_DILATED, REF_SPARSE };

/* Validates io->out against the reference on CHECK_ROWS rows per head and
 * sets the throughput. cfg: the kernel's attn_dilated_cfg or
 * attn_sparse_cfg, NULL for REF_FULL. */
static void finish(bt_state *s, const struct io *io, enum ref_kind kind,
		   const void *cfg)
{
	int rows[CHECK_ROWS];
	int nrows = attn_check_rows(io->sh.seq_len, CHECK_ROWS, rows);
	size_t count = (size_t)io->sh.heads * nrows * io->sh.head_dim;
	double *want = malloc(count * sizeof *want);
	float *got = malloc(count * sizeof *got);
	if (!want || !got) {
		free(want);
		free(got);
		bt_fail(s, "out of memory for validation (%zu values)", count);
		return;
	}
	switch (kind) {
	case REF_FULL:
		attn_ref_full(&io->sh, io->q, io->k, io->v, rows, nrows, want);
		break;
	case REF_DILATED:
		attn_ref_dilated(&io->sh, cfg, io->q, io->k, io->v, rows,
				 nrows, want);
		break;
	case REF_SPARSE:
		attn_ref_sparse(&io->sh, cfg, io->q, io->k, io->v, rows, nrows,
				want);
		break;
	}
	attn_gather_rows(&io->sh, io->out, rows, nrows, got);
	bt_check_close_f(s, got, want, count, REL_TOL);
	bt_set_items(s, (double)io->sh.seq_len, "tokens");
	free(want);
	free(got);
}

/* A dense kernel (naive, tiled): scratch of scratch_floats(), one call
 * per iteration, validated against the full reference. */
static void run_dense(bt_state *s,
		      size_t (*scratch_floats)(const struct attn_shape *),
		      void (*kernel)(const struct attn_shape *, const float *,
				     const float *, const float *, float *,
				     float *))
{
	struct io io;
	if (io_init(s, &io))
		return;
	size_t ns = scratch_floats(&io.sh);
	float *scratch = scratch_alloc(s, ns);
	if (!scratch) {
		io_release(&io);
		return;
	}
	bt_set_memory(s, (int64_t)(io.bytes + ns * sizeof(float)));
	while (bt_loop(s)) {
		kernel(&io.sh, io.q, io.k, io.v, io.out, scratch);
		bt_do_not_optimize(io.out);
	}
	free(scratch);
	finish(s, &io, REF_FULL, NULL);
	io_release(&io);
}

static void bm_naive(bt_state *s)
{
	run_dense(s, attn_naive_scratch_floats, attn_naive);
}
BT_BENCH(bm_naive, .name = "naive", .group = "attention", .type = "attention",
	 .params = ATTN_PARAMS, .unit = "tokens");

static void bm_tiled(bt_state *s)
{
	run_dense(s, attn_tiled_scratch_floats, attn_tiled);
}
BT_BENCH(bm_tiled, .name = "tiled", .group = "attention", .type = "attention",
	 .params = ATTN_PARAMS, .unit = "tokens");

static void bm_dilated(bt_state *s)
{
	struct io io;
	struct attn_dilated_cfg cfg;
	struct attn_dilated_plan plan;
	unsigned flags = 0;
	if (io_init(s, &io))
		return;
	if (bt_option(s, "pattern_cache"))
		flags |= ATTN_PATTERN_CACHE;
	if (bt_option(s, "memory_pool"))
		flags |= ATTN_MEMORY_POOL;
	attn_dilated_default(&cfg);
	int rc = attn_dilated_init(&plan, &io.sh, &cfg, flags);
	if (rc != 0) {
		io_release(&io);
		if (rc == -2)
			bt_oom(s);
		else
			bt_fail(s, "dilated attention rejects the configuration");
		return;
	}
	size_t mem = io.bytes + attn_dilated_plan_bytes(&plan);
	if (!(flags & ATTN_MEMORY_POOL))
		mem += attn_dilated_scratch_bytes(&plan);
	bt_set_memory(s, (int64_t)mem);
	while (bt_loop(s)) {
		if (attn_dilated(&plan, io.q, io.k, io.v, io.out) != 0) {
			bt_oom(s);
			attn_dilated_release(&plan);
			io_release(&io);
			return;
		}
		bt_do_not_optimize(io.out);
	}
	attn_dilated_release(&plan);
	finish(s, &io, REF_DILATED, &cfg);
	io_release(&io);
}
BT_BENCH(bm_dilated, .name = "dilated", .group = "attention",
	 .type = "attention", .params = ATTN_PARAMS,
	 .options = "pattern_cache,memory_pool", .unit = "tokens");

static void bm_block_sparse(bt_state *s)
{
	struct io io;
	struct attn_sparse_cfg cfg;
	if (io_init(s, &io))
		return;
	attn_sparse_default(&cfg);
	size_t ns = attn_sparse_scratch_floats(&io.sh);
	float *scratch = scratch_alloc(s, ns);
	if (!scratch) {
		io_release(&io);
		return;
	}
	bt_set_memory(s, (int64_t)(io.bytes + ns * sizeof(float)));
	/* Fraction of the N x N score blocks the pattern computes. */
	int nb = (io.sh.seq_len + ATTN_BK - 1) / ATTN_BK;
	double on = 0.0;
	for (int a = 0; a < nb; a++)
		for (int b = 0; b < nb; b++)
			on += attn_sparse_block_on(&cfg, a, b);
	bt_counter(s, "block_density", on / ((double)nb * nb));
	while (bt_loop(s)) {
		attn_sparse(&io.sh, &cfg, io.q, io.k, io.v, io.out, scratch);
		bt_do_not_optimize(io.out);
	}
	free(scratch);
	finish(s, &io, REF_SPARSE, &cfg);
	io_release(&io);
}
BT_BENCH(bm_block_sparse, .name = "block_sparse", .group = "attention",
	 .type = "attention", .params = ATTN_PARAMS, .unit = "tokens");

BT_MAIN()
