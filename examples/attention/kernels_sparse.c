/* Block-sparse attention: each query block runs the tiled online-softmax
 * code over only the key blocks its pattern lets it see; masked blocks are
 * never touched. Contract in attention.h.
 */
#include "attention.h"

_Static_assert(ATTN_BQ == ATTN_BK, "query blocks must be the pattern's blocks");

void attn_sparse_default(struct attn_sparse_cfg *cfg)
{
	cfg->window = 2;
	cfg->global = 2;
}

int attn_sparse_block_on(const struct attn_sparse_cfg *cfg, int a, int b)
{
	int dist = a > b ? a - b : b - a;
	return dist <= cfg->window || b < cfg->global || a < cfg->global;
}

/* Scratch layout (floats): kt | work | block list (nb ints stored in
 * float-sized slots). */
size_t attn_sparse_scratch_floats(const struct attn_shape *sh)
{
	size_t nb = ((size_t)sh->seq_len + ATTN_BK - 1) / ATTN_BK;
	return attn__kt_floats(sh->seq_len, sh->head_dim) +
	       attn__work_floats(sh->head_dim) + nb;
}

void attn_sparse(const struct attn_shape *sh, const struct attn_sparse_cfg *cfg,
		 const float *q, const float *k, const float *v, float *out,
		 float *scratch)
{
	int N = sh->seq_len, D = sh->head_dim;
	size_t hs = (size_t)N * D;
	int nb = (N + ATTN_BK - 1) / ATTN_BK;
	float *kt = scratch;
	float *work = kt + attn__kt_floats(N, D);
	int *kbl = (int *)(work + attn__work_floats(D));

	for (int h = 0; h < sh->heads; h++) {
		attn__pack_kt(k + h * hs, N, D, kt);
		/* Query blocks of ATTN_BQ rows are the pattern's blocks as
		 * ATTN_BQ == ATTN_BK. */
		for (int a = 0; a < nb; a++) {
			int nkb = 0;
			if (a < cfg->global) {
				for (int b = 0; b < nb; b++)
					kbl[nkb++] = b;
			} else {
				/* Global key blocks, then the local window, each
				 * block once. */
				int lo = a - cfg->window < 0 ? 0 : a - cfg->window;
				int hi = a + cfg->window >= nb ? nb - 1 : a + cfg->window;
				for (int b = 0; b < cfg->global && b < nb; b++)
					if (b < lo)
						kbl[nkb++] = b;
				for (int b = lo; b <= hi; b++)
					kbl[nkb++] = b;
			}
			int i0 = a * ATTN_BQ;
			int nq = N - i0 < ATTN_BQ ? N - i0 : ATTN_BQ;
			attn__attend_block(q + h * hs + (size_t)i0 * D, nq, kt,
					   v + h * hs, N, kbl, nkb, D,
					   out + h * hs + (size_t)i0 * D, NULL,
					   work);
		}
	}
}
