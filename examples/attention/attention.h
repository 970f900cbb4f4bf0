/* The attention kernels of the bundled demo suite
 * (docs/internals/ARCHITECTURE.md §9).
 *
 * Every kernel computes non-causal scaled dot-product attention (full
 * bidirectional for naive and tiled; the stated sparsity pattern, also
 * without a causal mask, for dilated and block-sparse) in fp32 on the
 * CPU, single-threaded:
 *
 *     out[h][i] = sum_j softmax_j(q[h][i] . k[h][j] / sqrt(dim)) v[h][j]
 *
 * over the keys j that the kernel's pattern lets row i see. Tensors are
 * dense row-major [heads][seq_len][head_dim] floats; q, k, v are read only,
 * out is written whole. The caller owns every buffer; kernels never
 * allocate except where a contract below says so (dilated attention
 * without a memory pool).
 *
 * Each kernel has a double-precision reference of the same function
 * (reference.c) that computes selected query rows, so that validation of
 * large cases stays cheap.
 */
#ifndef ATTENTION_H
#define ATTENTION_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Tile sizes of the blocked kernels: query rows and keys per tile (64 x 64
 * keeps one key block of K and V, 32 KiB, near L1 while 4-row slabs of the
 * query block stream past it). The block-sparse pattern uses ATTN_BK as
 * its block size and needs ATTN_BQ == ATTN_BK. Overridable at compile time
 * for tuning experiments: ATTN_BQ a multiple of 4, ATTN_BK of 8. */
#ifndef ATTN_BQ
#define ATTN_BQ 64
#endif
#ifndef ATTN_BK
#define ATTN_BK 64
#endif
/* Largest head_dim the kernels accept. */
#define ATTN_MAX_DIM 256

struct attn_shape {
	int seq_len;  /* N, tokens per head */
	int heads;    /* H */
	int head_dim; /* D */
};

/* 1 when the kernels accept the shape: seq_len >= 1, heads >= 1,
 * head_dim a multiple of 8 in [8, ATTN_MAX_DIM], and heads * seq_len *
 * head_dim and seq_len * seq_len fit comfortably in size_t. 0 otherwise. */
int attn_shape_ok(const struct attn_shape *sh);

/* Floats in one of q, k, v, out: heads * seq_len * head_dim. */
size_t attn_tensor_floats(const struct attn_shape *sh);

/* --- naive full attention (kernels_naive.c) ------------------------------
 * Per head: materialises the N x N score matrix S = Q K^T / sqrt(D) in
 * scratch, softmaxes it row by row in place, then computes out = P V. The
 * loops are ordered so the compiler vectorises them (K is transposed into
 * scratch first), but there is no cache blocking: S streams through memory.
 * scratch: attn_naive_scratch_floats() floats (N*N + D*N; 1 GiB at N=16K). */
size_t attn_naive_scratch_floats(const struct attn_shape *sh);
void attn_naive(const struct attn_shape *sh, const float *q, const float *k,
		const float *v, float *out, float *scratch);

/* --- tiled online-softmax attention (kernels_tiled.c) --------------------
 * Flash-attention style: ATTN_BQ query rows at a time against ATTN_BK keys
 * at a time, keeping a running row max and row sum, rescaling the output
 * accumulator when the max grows; never holds scores for more than one
 * 4-row slab of a tile (4 x ATTN_BK floats). scratch: attn_tiled_scratch_floats() floats (O(N*D)). */
size_t attn_tiled_scratch_floats(const struct attn_shape *sh);
void attn_tiled(const struct attn_shape *sh, const float *q, const float *k,
		const float *v, float *out, float *scratch);

/* --- dilated attention, LongNet style (kernels_dilated.c) ----------------
 * For each pair (segment w, rate r): the sequence is cut into segments of
 * w' = min(w, N) tokens (the last one may be shorter); in head h, the rows
 * and keys of a segment taking part are those at local positions
 * o, o + r, o + 2r, ... with offset o = h mod r; they attend densely to
 * each other. A row's outputs from the pairs that cover it are combined
 * weighted by their softmax denominators (LongNet eq. 10), computed
 * stably as weights exp(lse_p - logsumexp_p(lse_p)). That equals one
 * softmax over the union of the pairs' key sets, a key counted once per
 * pair that sees it. Pairs with r = 1 cover every row; a row no pair
 * covers gets zeros. */
#define ATTN_DILATED_MAX_PAIRS 8

struct attn_dilated_cfg {
	int npairs;
	int segment[ATTN_DILATED_MAX_PAIRS]; /* w >= 1 */
	int rate[ATTN_DILATED_MAX_PAIRS];    /* 1 <= r <= w */
};

/* The suite's configuration: segments {512, 1024, 2048} with rates
 * {1, 2, 4}: every covered row sees at most 512 keys per pair. */
void attn_dilated_default(struct attn_dilated_cfg *cfg);

/* Option bits of a dilated plan. */
enum {
	/* Build the index pattern of every (pair, head offset) once, at plan
	 * init, and reuse it; without it the kernel recomputes the indices
	 * of each segment for each head and pair. */
	ATTN_PATTERN_CACHE = 1 << 0,
	/* Allocate one scratch buffer, sized for the largest segment, at
	 * plan init (touched there, so its page faults happen at init) and
	 * reuse it; without it the kernel mallocs and frees its per-row
	 * combine state once per call and its segment scratch once per
	 * (head, pair, segment). */
	ATTN_MEMORY_POOL = 1 << 1,
};

/* Everything a dilated call needs besides the tensors. Fields are private
 * to kernels_dilated.c; read them only through the functions below. */
struct attn_dilated_plan {
	struct attn_shape sh;
	struct attn_dilated_cfg cfg;
	unsigned flags;
	int *patterns;     /* ATTN_PATTERN_CACHE: indices, see kernels_dilated.c */
	size_t *pat_off;   /* start of (pair, offset) in patterns */
	float *pool;       /* ATTN_MEMORY_POOL: one scratch buffer */
	size_t pool_floats;
	size_t bytes;      /* memory the plan holds */
};

/* Validates cfg against sh and builds what flags ask for. Returns 0, or -1
 * when the shape or cfg is not accepted (plan zeroed) or -2 when an
 * allocation fails (plan released). Release with attn_dilated_release. */
int attn_dilated_init(struct attn_dilated_plan *plan,
		      const struct attn_shape *sh,
		      const struct attn_dilated_cfg *cfg, unsigned flags);
void attn_dilated_release(struct attn_dilated_plan *plan);
/* Bytes the plan holds (pattern cache + pool). */
size_t attn_dilated_plan_bytes(const struct attn_dilated_plan *plan);
/* Largest scratch the kernel needs at once, in bytes: the pool size, or
 * what one call mallocs at its peak without a pool. */
size_t attn_dilated_scratch_bytes(const struct attn_dilated_plan *plan);
/* Runs the kernel. Returns 0, or -2 when a per-segment malloc fails (only
 * without ATTN_MEMORY_POOL; out is then partly written). */
int attn_dilated(const struct attn_dilated_plan *plan, const float *q,
		 const float *k, const float *v, float *out);

/* --- block-sparse attention (kernels_sparse.c) ---------------------------
 * Blocks of ATTN_BK tokens. Query block a sees key block b when
 * |a - b| <= window (local), or b < global (global key blocks every row
 * sees), or a < global (global query blocks see every key). Masked blocks
 * are skipped entirely; the last block may be partial.
 * scratch: attn_sparse_scratch_floats() floats (O(N*D)). */
struct attn_sparse_cfg {
	int window; /* >= 0 blocks each side */
	int global; /* >= 0 leading blocks */
};

/* The suite's configuration: window 2 (5 local blocks), 2 global blocks. */
void attn_sparse_default(struct attn_sparse_cfg *cfg);
/* 1 when query block a sees key block b under cfg. */
int attn_sparse_block_on(const struct attn_sparse_cfg *cfg, int a, int b);
size_t attn_sparse_scratch_floats(const struct attn_shape *sh);
void attn_sparse(const struct attn_shape *sh, const struct attn_sparse_cfg *cfg,
		 const float *q, const float *k, const float *v, float *out,
		 float *scratch);

/* --- inputs and double-precision references (reference.c) ---------------
 * The references compute the same function as the kernels, in double, for
 * the query rows rows[0..nrows-1] of every head only, written to
 * want[heads][nrows][head_dim]. */

/* Fills x[0..n-1] with uniform floats in [-1, 1] from a splitmix64 stream
 * seeded with seed: the same seed gives the same values everywhere. */
void attn_fill_uniform(float *x, size_t n, uint64_t seed);
/* Values offset .. offset + n - 1 of the stream attn_fill_uniform(.., seed)
 * gives (a block of a tensor without the rest: the ring variants). */
void attn_fill_uniform_at(float *x, size_t n, uint64_t seed, size_t offset);
/* The seeds of the q, k and v streams that attn_make_inputs fills from. */
void attn_input_streams(uint64_t seed, uint64_t streams[3]);
/* q, k, v from three streams derived from seed. */
void attn_make_inputs(const struct attn_shape *sh, uint64_t seed, float *q,
		      float *k, float *v);
/* Chooses at most max_rows query rows spread evenly over [0, seq_len),
 * first and last row included, ascending and distinct, into rows (room for
 * max_rows). Returns how many (min(seq_len, max_rows)). */
int attn_check_rows(int seq_len, int max_rows, int *rows);
/* Copies rows of a kernel's out into got[heads][nrows][head_dim], the
 * layout of want. */
void attn_gather_rows(const struct attn_shape *sh, const float *out,
		      const int *rows, int nrows, float *got);

void attn_ref_full(const struct attn_shape *sh, const float *q,
		   const float *k, const float *v, const int *rows, int nrows,
		   double *want);
void attn_ref_dilated(const struct attn_shape *sh,
		      const struct attn_dilated_cfg *cfg, const float *q,
		      const float *k, const float *v, const int *rows,
		      int nrows, double *want);
void attn_ref_sparse(const struct attn_shape *sh,
		     const struct attn_sparse_cfg *cfg, const float *q,
		     const float *k, const float *v, const int *rows,
		     int nrows, double *want);
/* Normwise relative error max|got - want| / max|want| (0 when both are 0),
 * the measure bt_check_close_f applies. */
double attn_rel_error(const float *got, const double *want, size_t count);

/* --- building blocks shared by the tiled kernels (kernels_tiled.c) -------
 * Not part of the kernel API; exposed so the dilated and block-sparse
 * kernels run the same tile code as the tiled one. */

/* Packs k[nk][D] into key blocks of ATTN_BK: kt[b][d][c] = k[b*BK + c][d],
 * zero where b*BK + c >= nk. kt holds attn__kt_floats(nk, D) floats. */
size_t attn__kt_floats(int nk, int D);
void attn__pack_kt(const float *k, int nk, int D, float *kt);

/* Floats of work that attn__attend_block needs. */
size_t attn__work_floats(int D);

/* Attends the nq <= ATTN_BQ query rows q[nq][D] to the key blocks
 * kbl[0..nkb-1] (ascending or not, each once) of the packed keys kt and
 * values v[nk][D], with online softmax. Writes out[nq][D] (normalised),
 * and when lse2 is not NULL, lse2[i] = log2(sum_j e^(q_i . k_j / sqrt(D)))
 * over the keys seen (the log-sum-exp divided by ln 2). kbl NULL means
 * all blocks 0..ceil(nk/BK)-1. nkb >= 1. work: attn__work_floats(D)
 * floats, contents undefined on return. */
void attn__attend_block(const float *q, int nq, const float *kt,
			const float *v, int nk, const int *kbl, int nkb, int D,
			float *out, float *lse2, float *work);

/* 2^x for -126.5 <= x <= 126, relative error below 1e-7 (measured over
 * that range against exp2 in double); 0 for x < -126.5 and for -inf;
 * 2^126 for x > 126. x must not be NaN. Written in plain C so that loops calling it
 * vectorise (SSE4.1 roundps, integer shifts for the exponent). */
static inline float attn_exp2f(float x)
{
	x = x < -127.0f ? -127.0f : x;
	x = x > 126.0f ? 126.0f : x;
	float n = __builtin_rintf(x);
	float f = x - n; /* [-0.5, 0.5] */
	/* Cephes exp2f minimax polynomial for 2^f on [-0.5, 0.5]. */
	float p = 1.535336188319500e-4f;
	p = p * f + 1.339887440266574e-3f;
	p = p * f + 9.618437357674640e-3f;
	p = p * f + 5.550332471162809e-2f;
	p = p * f + 2.402264791363012e-1f;
	p = p * f + 6.931472028550421e-1f;
	p = p * f + 1.0f;
	int32_t e = (int32_t)n + 127; /* 0 (gives 0.0f) .. 253 */
	uint32_t bits = (uint32_t)e << 23;
	float scale;
	memcpy(&scale, &bits, sizeof scale);
	return p * scale;
}

#define ATTN_LOG2E 1.44269504088896340736f

#endif
