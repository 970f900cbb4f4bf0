/* Tiled online-softmax (flash-attention style) attention, and the tile
 * code the dilated and block-sparse kernels share. Contracts in
 * attention.h.
 *
 * One query block of ATTN_BQ rows is attended to one key block of ATTN_BK
 * keys at a time:
 *   S  = Qs Kt_b            (Qs: q scaled by log2(e)/sqrt(D), so that the
 *                            softmax uses 2^x instead of e^x)
 *   m' = max(m, rowmax S);  P = 2^(S - m');  alpha = 2^(m - m')
 *   l  = alpha l + rowsum P; O = alpha O + P V_b
 * and at the end out = O / l. Scores never exceed one BQ x BK tile (16 KiB).
 *
 * Both products are register-blocked micro-kernels of 4 rows x 8 columns
 * (eight 4-float accumulators), written in plain C that gcc -O3 turns into
 * SSE code: the key block is stored transposed (kt[d][c]) so that the
 * column index is the contiguous, vectorised one in S = Qs Kt, and V rows
 * are contiguous over d in O += P V. No reduction is vectorised across
 * its summation order except through explicit 8-lane partial results.
 */
#include "attention.h"

#include <math.h>

size_t attn__kt_floats(int nk, int D)
{
	size_t nb = ((size_t)nk + ATTN_BK - 1) / ATTN_BK;
	return nb * (size_t)D * ATTN_BK;
}

void attn__pack_kt(const float *k, int nk, int D, float *kt)
{
	int nb = (nk + ATTN_BK - 1) / ATTN_BK;
	for (int b = 0; b < nb; b++) {
		float *dst = kt + (size_t)b * D * ATTN_BK;
		int c_end = nk - b * ATTN_BK;
		if (c_end > ATTN_BK)
			c_end = ATTN_BK;
		for (int c = 0; c < ATTN_BK; c++) {
			const float *src = k + ((size_t)b * ATTN_BK + c) * D;
			if (c < c_end) {
				for (int d = 0; d < D; d++)
					dst[(size_t)d * ATTN_BK + c] = src[d];
			} else {
				for (int d = 0; d < D; d++)
					dst[(size_t)d * ATTN_BK + c] = 0.0f;
			}
		}
	}
}

/* Work layout (floats): qs[BQ][D] | s[BQ][BK] | o[BQ][D] | m[BQ] | l[BQ]. */
size_t attn__work_floats(int D)
{
	return (size_t)ATTN_BQ * D * 2 + (size_t)ATTN_BQ * ATTN_BK + 2 * ATTN_BQ;
}

/* The register-blocked micro-kernel of both products: for a 4 x 8 block,
 * c[r][x] (= or +=) sum_t a[r][t] * b[t][x], t < kn, rows of a lda apart,
 * rows of b ldb apart, rows of c ldc apart. The block's sum is formed in
 * eight 4-float accumulators, then stored or added to c. */
static inline __attribute__((always_inline)) void
mk_4x8(const float *restrict a, size_t lda, const float *restrict b,
       size_t ldb, int kn, float *restrict c, size_t ldc, int add)
{
	float acc[4][8] = {{0}};
	for (int t = 0; t < kn; t++) {
		const float *br = b + (size_t)t * ldb;
		for (int r = 0; r < 4; r++) {
			float x = a[(size_t)r * lda + t];
			for (int j = 0; j < 8; j++)
				acc[r][j] += x * br[j];
		}
	}
	for (int r = 0; r < 4; r++)
		for (int j = 0; j < 8; j++) {
			float *cr = c + (size_t)r * ldc + j;
			*cr = add ? *cr + acc[r][j] : acc[r][j];
		}
}

/* s[rows][BK] = qs[rows][D] kt[D][BK] for rows a multiple of 4. */
static void qk_tile(const float *restrict qs, int rows, int D,
		    const float *restrict kt, float *restrict s)
{
	for (int i = 0; i < rows; i += 4)
		for (int c0 = 0; c0 < ATTN_BK; c0 += 8)
			mk_4x8(qs + (size_t)i * D, (size_t)D, kt + c0, ATTN_BK,
			       D, s + (size_t)i * ATTN_BK + c0, ATTN_BK, 0);
}

/* o[rows][D] += p[rows][BK] v[kn][D] over the first kn keys, rows a
 * multiple of 4. */
static void pv_tile(const float *restrict p, int rows, int kn, int D,
		    const float *restrict v, float *restrict o)
{
	for (int i = 0; i < rows; i += 4)
		for (int d0 = 0; d0 < D; d0 += 8)
			mk_4x8(p + (size_t)i * ATTN_BK, ATTN_BK, v + d0,
			       (size_t)D, kn, o + (size_t)i * D + d0,
			       (size_t)D, 1);
}

/* Online-softmax update of one row of scores s[BK] (in log2 units):
 * replaces s by 2^(s - m'), updates m, l and rescales o[D]. */
static void softmax_row(float *restrict s, float *m, float *l,
			float *restrict o, int D)
{
	float mx[8];
	for (int c = 0; c < 8; c++)
		mx[c] = s[c];
	for (int j = 8; j < ATTN_BK; j += 8)
		for (int c = 0; c < 8; c++)
			mx[c] = s[j + c] > mx[c] ? s[j + c] : mx[c];
	float mb = mx[0];
	for (int c = 1; c < 8; c++)
		mb = mx[c] > mb ? mx[c] : mb;
	float mn = mb > *m ? mb : *m;

	float sum[8] = {0};
	for (int j = 0; j < ATTN_BK; j += 8)
		for (int c = 0; c < 8; c++) {
			float e = attn_exp2f(s[j + c] - mn);
			s[j + c] = e;
			sum[c] += e;
		}
	float rs = ((sum[0] + sum[1]) + (sum[2] + sum[3])) +
		   ((sum[4] + sum[5]) + (sum[6] + sum[7]));

	if (mn != *m) {
		/* 2^(-inf) is 0 on the first block: l and o start at 0. */
		float alpha = attn_exp2f(*m - mn);
		*l = *l * alpha + rs;
		for (int d = 0; d < D; d++)
			o[d] *= alpha;
		*m = mn;
	} else {
		*l += rs;
	}
}

void attn__attend_block(const float *q, int nq, const float *kt,
			const float *v, int nk, const int *kbl, int nkb, int D,
			float *out, float *lse2, float *work)
{
	float *qs = work;
	float *s = qs + (size_t)ATTN_BQ * D;
	float *o = s + (size_t)ATTN_BQ * ATTN_BK;
	float *m = o + (size_t)ATTN_BQ * D;
	float *l = m + ATTN_BQ;
	int rows = (nq + 3) & ~3;
	const float qscale = ATTN_LOG2E / sqrtf((float)D);

	for (int i = 0; i < rows; i++) {
		for (int d = 0; d < D; d++) {
			qs[(size_t)i * D + d] =
				i < nq ? q[(size_t)i * D + d] * qscale : 0.0f;
			o[(size_t)i * D + d] = 0.0f;
		}
		m[i] = -INFINITY;
		l[i] = 0.0f;
	}

	for (int t = 0; t < nkb; t++) {
		int b = kbl ? kbl[t] : t;
		int kn = nk - b * ATTN_BK;
		if (kn > ATTN_BK)
			kn = ATTN_BK;
		qk_tile(qs, rows, D, kt + (size_t)b * D * ATTN_BK, s);
		for (int i = 0; i < rows; i++) {
			float *si = s + (size_t)i * ATTN_BK;
			for (int c = kn; c < ATTN_BK; c++)
				si[c] = -INFINITY;
			softmax_row(si, &m[i], &l[i], o + (size_t)i * D, D);
		}
		pv_tile(s, rows, kn, D, v + (size_t)b * ATTN_BK * D, o);
	}

	for (int i = 0; i < nq; i++) {
		float inv = 1.0f / l[i];
		for (int d = 0; d < D; d++)
			out[(size_t)i * D + d] = o[(size_t)i * D + d] * inv;
		if (lse2)
			lse2[i] = m[i] + log2f(l[i]);
	}
}

size_t attn_tiled_scratch_floats(const struct attn_shape *sh)
{
	return attn__kt_floats(sh->seq_len, sh->head_dim) +
	       attn__work_floats(sh->head_dim);
}

void attn_tiled(const struct attn_shape *sh, const float *q, const float *k,
		const float *v, float *out, float *scratch)
{
	int N = sh->seq_len, D = sh->head_dim;
	size_t hs = (size_t)N * D;
	float *kt = scratch;
	float *work = kt + attn__kt_floats(N, D);
	int nkb = (N + ATTN_BK - 1) / ATTN_BK;

	for (int h = 0; h < sh->heads; h++) {
		attn__pack_kt(k + h * hs, N, D, kt);
		for (int i0 = 0; i0 < N; i0 += ATTN_BQ) {
			int nq = N - i0 < ATTN_BQ ? N - i0 : ATTN_BQ;
			attn__attend_block(q + h * hs + (size_t)i0 * D, nq, kt,
					   v + h * hs, N, NULL, nkb, D,
					   out + h * hs + (size_t)i0 * D, NULL,
					   work);
		}
	}
}
