/* Naive full attention: the textbook three phases per head, with the whole
 * N x N score matrix in memory. Contract in attention.h.
 *
 * The loops are the straightforward ones, ordered so that gcc vectorises
 * every inner loop (no reduction across a vector): S row i is built as
 * sum_d q[i][d] * Kt[d][:] over a transposed copy of K, the softmax is
 * elementwise with 8-lane partial max/sum, and out row i accumulates
 * P[i][j] * v[j][:]. What it lacks next to the tiled kernel is blocking:
 * S (N*N floats) goes to memory and back, and no product is
 * register-blocked. It uses the same 2^x as the other kernels.
 */
#include "attention.h"

#include <math.h>

size_t attn_naive_scratch_floats(const struct attn_shape *sh)
{
	size_t n = (size_t)sh->seq_len;
	return n * n + n * (size_t)sh->head_dim;
}

void attn_naive(const struct attn_shape *sh, const float *q, const float *k,
		const float *v, float *out, float *scratch)
{
	size_t N = (size_t)sh->seq_len, D = (size_t)sh->head_dim;
	float *S = scratch;     /* [N][N] */
	float *kt = S + N * N;  /* [D][N] */
	const float scale = ATTN_LOG2E / sqrtf((float)D);

	for (int h = 0; h < sh->heads; h++) {
		const float *qh = q + (size_t)h * N * D;
		const float *kh = k + (size_t)h * N * D;
		const float *vh = v + (size_t)h * N * D;
		float *oh = out + (size_t)h * N * D;

		for (size_t j = 0; j < N; j++)
			for (size_t d = 0; d < D; d++)
				kt[d * N + j] = kh[j * D + d];

		/* S = Q K^T scaled by log2(e)/sqrt(D). */
		for (size_t i = 0; i < N; i++) {
			float *srow = S + i * N;
			for (size_t j = 0; j < N; j++)
				srow[j] = 0.0f;
			for (size_t d = 0; d < D; d++) {
				float a = qh[i * D + d] * scale;
				const float *kr = kt + d * N;
				for (size_t j = 0; j < N; j++)
					srow[j] += a * kr[j];
			}
		}

		/* P = softmax(S) row by row, in place. */
		for (size_t i = 0; i < N; i++) {
			float *srow = S + i * N;
			float mx[8], sum[8];
			size_t j8 = N & ~(size_t)7;
			float mb = srow[0];
			for (int c = 0; c < 8; c++)
				mx[c] = mb;
			for (size_t j = 0; j < j8; j += 8)
				for (int c = 0; c < 8; c++)
					mx[c] = srow[j + c] > mx[c] ? srow[j + c] : mx[c];
			for (int c = 0; c < 8; c++)
				mb = mx[c] > mb ? mx[c] : mb;
			for (size_t j = j8; j < N; j++)
				mb = srow[j] > mb ? srow[j] : mb;
			for (int c = 0; c < 8; c++)
				sum[c] = 0.0f;
			for (size_t j = 0; j < j8; j += 8)
				for (int c = 0; c < 8; c++) {
					float e = attn_exp2f(srow[j + c] - mb);
					srow[j + c] = e;
					sum[c] += e;
				}
			float tail = 0.0f;
			for (size_t j = j8; j < N; j++) {
				srow[j] = attn_exp2f(srow[j] - mb);
				tail += srow[j];
			}
			float total = ((sum[0] + sum[1]) + (sum[2] + sum[3])) +
				      ((sum[4] + sum[5]) + (sum[6] + sum[7])) + tail;
			float inv = 1.0f / total;
			for (size_t j = 0; j < N; j++)
				srow[j] *= inv;
		}

		/* out = P V. */
		for (size_t i = 0; i < N; i++) {
			const float *prow = S + i * N;
			float *orow = oh + i * D;
			for (size_t d = 0; d < D; d++)
				orow[d] = 0.0f;
			for (size_t j = 0; j < N; j++) {
				float p = prow[j];
				const float *vr = vh + j * D;
				for (size_t d = 0; d < D; d++)
					orow[d] += p * vr[d];
			}
		}
	}
}
