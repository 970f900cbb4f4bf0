/* Seeded inputs and double-precision references of the attention kernels.
 * Contracts in attention.h.
 *
 * Each reference builds, for one query row, the set of keys the kernel's
 * pattern lets it see, and computes the softmax-weighted sum of values in
 * double with natural e^x: independent of the kernels' tile code, 2^x
 * polynomial and fp32 accumulation. Rows are computed one at a time, so
 * validating a subset of rows costs O(rows * keys * D).
 */
#include "attention.h"

#include <math.h>
#include <stdlib.h>

int attn_shape_ok(const struct attn_shape *sh)
{
	if (sh->seq_len < 1 || sh->heads < 1 || sh->head_dim < 8 ||
	    sh->head_dim > ATTN_MAX_DIM || sh->head_dim % 8 != 0)
		return 0;
	/* Keep N*N (naive scratch) and H*N*D well inside size_t and int
	 * index arithmetic on the row level. */
	if (sh->seq_len > (1 << 24) || sh->heads > (1 << 16))
		return 0;
	return 1;
}

size_t attn_tensor_floats(const struct attn_shape *sh)
{
	return (size_t)sh->heads * (size_t)sh->seq_len * (size_t)sh->head_dim;
}

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void attn_fill_uniform(float *x, size_t n, uint64_t seed)
{
	attn_fill_uniform_at(x, n, seed, 0);
}

void attn_fill_uniform_at(float *x, size_t n, uint64_t seed, size_t offset)
{
	/* splitmix64's state advances by its constant once per value */
	uint64_t st = seed + (uint64_t)offset * 0x9e3779b97f4a7c15ull;
	for (size_t i = 0; i < n; i++) {
		/* 24 random bits -> [0, 1) exactly representable -> [-1, 1). */
		uint64_t r = splitmix64(&st) >> 40;
		x[i] = (float)r * (2.0f / 16777216.0f) - 1.0f;
	}
}

void attn_input_streams(uint64_t seed, uint64_t streams[3])
{
	uint64_t st = seed;
	for (int i = 0; i < 3; i++)
		streams[i] = splitmix64(&st);
}

void attn_make_inputs(const struct attn_shape *sh, uint64_t seed, float *q,
		      float *k, float *v)
{
	size_t n = attn_tensor_floats(sh);
	uint64_t st[3];
	attn_input_streams(seed, st);
	attn_fill_uniform(q, n, st[0]);
	attn_fill_uniform(k, n, st[1]);
	attn_fill_uniform(v, n, st[2]);
}

int attn_check_rows(int seq_len, int max_rows, int *rows)
{
	if (max_rows <= 0 || seq_len <= 0)
		return 0;
	if (seq_len <= max_rows) {
		for (int i = 0; i < seq_len; i++)
			rows[i] = i;
		return seq_len;
	}
	if (max_rows == 1) {
		rows[0] = 0;
		return 1;
	}
	/* i * (N-1) / (max_rows-1): strictly increasing since N > max_rows;
	 * the step is not a multiple of the dilation rates in general, so
	 * the rows hit every head offset. */
	for (int i = 0; i < max_rows; i++)
		rows[i] = (int)((int64_t)i * (seq_len - 1) / (max_rows - 1));
	return max_rows;
}

void attn_gather_rows(const struct attn_shape *sh, const float *out,
		      const int *rows, int nrows, float *got)
{
	size_t N = (size_t)sh->seq_len, D = (size_t)sh->head_dim;
	for (int h = 0; h < sh->heads; h++)
		for (int t = 0; t < nrows; t++)
			memcpy(got + ((size_t)h * nrows + t) * D,
			       out + ((size_t)h * N + (size_t)rows[t]) * D,
			       D * sizeof *got);
}

/* Softmax attention of one query row qi[D] over the keys idx[0..n-1] of
 * one head, in double. Writes o[D] and returns the natural log of the
 * softmax denominator of the scaled scores. sc: room for n doubles. */
static double ref_row(const float *qi, const float *kh, const float *vh,
		      int D, const int *idx, int n, double *sc, double *o)
{
	double scale = 1.0 / sqrt((double)D);
	double mx = -INFINITY;
	for (int t = 0; t < n; t++) {
		const float *kj = kh + (size_t)idx[t] * D;
		double acc = 0.0;
		for (int d = 0; d < D; d++)
			acc += (double)qi[d] * (double)kj[d];
		sc[t] = acc * scale;
		if (sc[t] > mx)
			mx = sc[t];
	}
	double sum = 0.0;
	for (int d = 0; d < D; d++)
		o[d] = 0.0;
	for (int t = 0; t < n; t++) {
		double p = exp(sc[t] - mx);
		const float *vj = vh + (size_t)idx[t] * D;
		sum += p;
		for (int d = 0; d < D; d++)
			o[d] += p * (double)vj[d];
	}
	for (int d = 0; d < D; d++)
		o[d] /= sum;
	return mx + log(sum);
}

/* Scratch of the references: key index list and scores, n each. */
struct ref_scratch {
	int *idx;
	double *sc;
};

static int ref_scratch_init(struct ref_scratch *rs, size_t n)
{
	rs->idx = malloc(n * sizeof *rs->idx);
	rs->sc = malloc(n * sizeof *rs->sc);
	if (!rs->idx || !rs->sc) {
		free(rs->idx);
		free(rs->sc);
		return -1;
	}
	return 0;
}

static void ref_scratch_release(struct ref_scratch *rs)
{
	free(rs->idx);
	free(rs->sc);
}

/* The references abort on allocation failure: they run once per case,
 * outside the timing, on memory tiny next to the kernels' own. */
static void ref_need(int rc)
{
	if (rc != 0)
		abort();
}

void attn_ref_full(const struct attn_shape *sh, const float *q,
		   const float *k, const float *v, const int *rows, int nrows,
		   double *want)
{
	int N = sh->seq_len, D = sh->head_dim;
	size_t hs = (size_t)N * D;
	struct ref_scratch rs;
	ref_need(ref_scratch_init(&rs, (size_t)N));
	for (int j = 0; j < N; j++)
		rs.idx[j] = j;
	for (int h = 0; h < sh->heads; h++)
		for (int t = 0; t < nrows; t++)
			ref_row(q + h * hs + (size_t)rows[t] * D, k + h * hs,
				v + h * hs, D, rs.idx, N, rs.sc,
				want + ((size_t)h * nrows + t) * D);
	ref_scratch_release(&rs);
}

void attn_ref_dilated(const struct attn_shape *sh,
		      const struct attn_dilated_cfg *cfg, const float *q,
		      const float *k, const float *v, const int *rows,
		      int nrows, double *want)
{
	double *op = malloc((size_t)sh->head_dim * sizeof *op);
	int N = sh->seq_len, D = sh->head_dim;
	size_t hs = (size_t)N * D;
	struct ref_scratch rs;
	ref_need(op ? 0 : -1);
	ref_need(ref_scratch_init(&rs, (size_t)N));
	for (int h = 0; h < sh->heads; h++)
		for (int t = 0; t < nrows; t++) {
			int i = rows[t];
			double *w = want + ((size_t)h * nrows + t) * D;
			double lse_max = -INFINITY;
			double lse[ATTN_DILATED_MAX_PAIRS];
			for (int d = 0; d < D; d++)
				w[d] = 0.0;
			/* Pass 1: lse of each covering pair; pass 2: combine.
			 * Recomputing the row in pass 2 keeps this plain. */
			for (int pass = 0; pass < 2; pass++) {
				double wsum = 0.0;
				for (int p = 0; p < cfg->npairs; p++) {
					int seg = cfg->segment[p] < N ? cfg->segment[p] : N;
					int r = cfg->rate[p];
					int off = h % r;
					int start = i / seg * seg;
					int end = start + seg < N ? start + seg : N;
					if ((i - start) % r != off)
						continue;
					int n = 0;
					for (int j = start + off; j < end; j += r)
						rs.idx[n++] = j;
					double l = ref_row(q + h * hs + (size_t)i * D,
							   k + h * hs, v + h * hs, D,
							   rs.idx, n, rs.sc, op);
					if (pass == 0) {
						lse[p] = l;
						if (l > lse_max)
							lse_max = l;
						continue;
					}
					double wt = exp(lse[p] - lse_max);
					wsum += wt;
					for (int d = 0; d < D; d++)
						w[d] += wt * op[d];
				}
				if (pass == 1 && wsum > 0.0)
					for (int d = 0; d < D; d++)
						w[d] /= wsum;
			}
		}
	ref_scratch_release(&rs);
	free(op);
}

void attn_ref_sparse(const struct attn_shape *sh,
		     const struct attn_sparse_cfg *cfg, const float *q,
		     const float *k, const float *v, const int *rows,
		     int nrows, double *want)
{
	int N = sh->seq_len, D = sh->head_dim;
	size_t hs = (size_t)N * D;
	struct ref_scratch rs;
	ref_need(ref_scratch_init(&rs, (size_t)N));
	for (int h = 0; h < sh->heads; h++)
		for (int t = 0; t < nrows; t++) {
			int i = rows[t], n = 0;
			/* Per key, straight from the pattern's definition. */
			for (int j = 0; j < N; j++)
				if (attn_sparse_block_on(cfg, i / ATTN_BK, j / ATTN_BK))
					rs.idx[n++] = j;
			ref_row(q + h * hs + (size_t)i * D, k + h * hs,
				v + h * hs, D, rs.idx, n, rs.sc,
				want + ((size_t)h * nrows + t) * D);
		}
	ref_scratch_release(&rs);
}

double attn_rel_error(const float *got, const double *want, size_t count)
{
	double emax = 0.0, wmax = 0.0;
	for (size_t i = 0; i < count; i++) {
		double e = fabs((double)got[i] - want[i]);
		if (e > emax || e != e)
			emax = e;
		if (fabs(want[i]) > wmax)
			wmax = fabs(want[i]);
	}
	if (wmax == 0.0)
		return emax == 0.0 ? 0.0 : INFINITY;
	return emax / wmax;
}
