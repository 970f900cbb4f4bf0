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
 * and at the end out = O / l. Scores are held for one 4 x BK slab at a
 * time, never for the whole sequence.
 *
 * Per key block, the query block is processed in slabs of 4 rows: scores
 * of the slab (S = Qs Kt_b), its softmax step, then its O += P V_b, so
 * that the slab's scores and probabilities stay in L1 while K_b and V_b
 * are reused by all slabs.
 *
 * Both products are one register-blocked micro-kernel of 4 rows x 8
 * columns (eight 4-float accumulators, 16 mul+add per 6 loads, no
 * shuffles): the left operand is stored broadcast ([t][row][4 lanes], Q
 * once per query block, P by the softmax step) and the right one has the
 * output column contiguous (K is packed transposed per block, V rows are
 * contiguous over d). With SSE4.1 (x86-64-v2) the micro-kernel, 2^x, and
 * the row max/sum use SSE intrinsics; otherwise plain C computes the same
 * thing. No reduction is reassociated except through explicit lanes.
 */
#include "attention.h"

#include <math.h>
#ifdef __SSE4_1__
#include <smmintrin.h>
#endif

_Static_assert(ATTN_BQ % 4 == 0 && ATTN_BK % 8 == 0,
	       "slabs are 4 rows, micro-kernel columns 8");

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

/* Work layout (floats), one query block of up to BQ rows taken as slabs
 * of 4 rows:
 *   qb [BQ/4][D][4 rows][4 lanes]   q * log2(e)/sqrt(D), each value
 *                                   broadcast to 4 lanes (so the
 *                                   micro-kernel loads, never shuffles)
 *   s  [4][BK]                      scores of the current slab
 *   pb [BK][4 rows][4 lanes]        probabilities of the slab, broadcast
 *   o  [BQ][D]                      unnormalised output accumulator
 *   m, l [BQ]                       running max (log2 units) and sum
 *   alpha [4]                       rescale factor of the slab's rows */
size_t attn__work_floats(int D)
{
	return (size_t)ATTN_BQ * D * 4 + 4 * ATTN_BK + (size_t)ATTN_BK * 16 +
	       (size_t)ATTN_BQ * D + 2 * ATTN_BQ + 4;
}

#ifdef __SSE4_1__
/* attn_exp2f on 4 lanes, the same operations in the same order. */
static inline __m128 exp2_ps(__m128 x)
{
	x = _mm_max_ps(x, _mm_set1_ps(-127.0f));
	x = _mm_min_ps(x, _mm_set1_ps(126.0f));
	__m128 n = _mm_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
	__m128 f = _mm_sub_ps(x, n);
	__m128 p = _mm_set1_ps(1.535336188319500e-4f);
	p = _mm_add_ps(_mm_mul_ps(p, f), _mm_set1_ps(1.339887440266574e-3f));
	p = _mm_add_ps(_mm_mul_ps(p, f), _mm_set1_ps(9.618437357674640e-3f));
	p = _mm_add_ps(_mm_mul_ps(p, f), _mm_set1_ps(5.550332471162809e-2f));
	p = _mm_add_ps(_mm_mul_ps(p, f), _mm_set1_ps(2.402264791363012e-1f));
	p = _mm_add_ps(_mm_mul_ps(p, f), _mm_set1_ps(6.931472028550421e-1f));
	p = _mm_add_ps(_mm_mul_ps(p, f), _mm_set1_ps(1.0f));
	__m128i e = _mm_add_epi32(_mm_cvtps_epi32(n), _mm_set1_epi32(127));
	return _mm_mul_ps(p, _mm_castsi128_ps(_mm_slli_epi32(e, 23)));
}

static inline float hmax_ps(__m128 x)
{
	x = _mm_max_ps(x, _mm_movehl_ps(x, x));
	x = _mm_max_ss(x, _mm_shuffle_ps(x, x, 1));
	return _mm_cvtss_f32(x);
}

static inline float hsum_ps(__m128 x)
{
	x = _mm_add_ps(x, _mm_movehl_ps(x, x));
	x = _mm_add_ss(x, _mm_shuffle_ps(x, x, 1));
	return _mm_cvtss_f32(x);
}
#endif

/* Packs q[nq][D] into qb, scaled and broadcast; rows nq..rows-1 zero. */
static void pack_q(const float *q, int nq, int rows, int D, float scale,
		   float *restrict qb)
{
	for (int i0 = 0; i0 < rows; i0 += 4) {
		float *dst = qb + (size_t)i0 * D * 4;
		for (int d = 0; d < D; d++)
			for (int r = 0; r < 4; r++) {
				float x = i0 + r < nq ?
					q[(size_t)(i0 + r) * D + d] * scale : 0.0f;
				for (int lane = 0; lane < 4; lane++)
					dst[((size_t)d * 4 + r) * 4 + lane] = x;
			}
	}
}

/* The micro-kernel of both products, a 4 x 8 block held in eight 4-float
 * accumulators: acc[r][x] = sum_{t < kn} ab[t][r] * b[t][x], ab the
 * broadcast operand ([t][4 rows][4 lanes]), rows of b ldb apart. Then
 * c[r][x] = acc (scale NULL) or c[r][x] = c[r][x] * scale[r] + acc, rows
 * of c ldc apart. */
static inline __attribute__((always_inline)) void
mk_4x8(const float *restrict ab, const float *restrict b, size_t ldb, int kn,
       float *restrict c, size_t ldc, const float *scale)
{
#ifdef __SSE4_1__
	__m128 c00 = _mm_setzero_ps(), c01 = c00, c10 = c00, c11 = c00;
	__m128 c20 = c00, c21 = c00, c30 = c00, c31 = c00;
	for (int t = 0; t < kn; t++) {
		const float *br = b + (size_t)t * ldb;
		const float *ar = ab + (size_t)t * 16;
		__m128 b0 = _mm_loadu_ps(br), b1 = _mm_loadu_ps(br + 4);
		__m128 a = _mm_loadu_ps(ar);
		c00 = _mm_add_ps(c00, _mm_mul_ps(a, b0));
		c01 = _mm_add_ps(c01, _mm_mul_ps(a, b1));
		a = _mm_loadu_ps(ar + 4);
		c10 = _mm_add_ps(c10, _mm_mul_ps(a, b0));
		c11 = _mm_add_ps(c11, _mm_mul_ps(a, b1));
		a = _mm_loadu_ps(ar + 8);
		c20 = _mm_add_ps(c20, _mm_mul_ps(a, b0));
		c21 = _mm_add_ps(c21, _mm_mul_ps(a, b1));
		a = _mm_loadu_ps(ar + 12);
		c30 = _mm_add_ps(c30, _mm_mul_ps(a, b0));
		c31 = _mm_add_ps(c31, _mm_mul_ps(a, b1));
	}
	__m128 acc[4][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}};
	for (int r = 0; r < 4; r++) {
		float *cr = c + (size_t)r * ldc;
		if (scale) {
			__m128 sr = _mm_set1_ps(scale[r]);
			acc[r][0] = _mm_add_ps(_mm_mul_ps(_mm_loadu_ps(cr), sr), acc[r][0]);
			acc[r][1] = _mm_add_ps(_mm_mul_ps(_mm_loadu_ps(cr + 4), sr), acc[r][1]);
		}
		_mm_storeu_ps(cr, acc[r][0]);
		_mm_storeu_ps(cr + 4, acc[r][1]);
	}
#else
	float acc[4][8] = {{0}};
	for (int t = 0; t < kn; t++)
		for (int r = 0; r < 4; r++) {
			float a = ab[(size_t)t * 16 + r * 4];
			for (int x = 0; x < 8; x++)
				acc[r][x] += a * b[(size_t)t * ldb + x];
		}
	for (int r = 0; r < 4; r++)
		for (int x = 0; x < 8; x++) {
			float *cr = c + (size_t)r * ldc + x;
			*cr = scale ? *cr * scale[r] + acc[r][x] : acc[r][x];
		}
#endif
}

/* Online-softmax step of a slab: s[4][BK] scores (log2 units, columns kn..
 * masked), running m[4], l[4]. Writes pb = 2^(s - m') broadcast, alpha[r]
 * = 2^(m - m') (0 on the first block, m = -inf) and updates m, l. */
static void softmax_slab(float *restrict s, int kn, float *m, float *l,
			 float *restrict alpha, float *restrict pb)
{
	for (int r = 0; r < 4; r++) {
		float *sr = s + (size_t)r * ATTN_BK;
		for (int c = kn; c < ATTN_BK; c++)
			sr[c] = -INFINITY;
#ifdef __SSE4_1__
		__m128 mx = _mm_loadu_ps(sr);
		for (int c = 4; c < ATTN_BK; c += 4)
			mx = _mm_max_ps(mx, _mm_loadu_ps(sr + c));
		float mb = hmax_ps(mx);
		float mn = mb > m[r] ? mb : m[r];
		__m128 mv = _mm_set1_ps(mn), sum = _mm_setzero_ps();
		for (int c = 0; c < ATTN_BK; c += 4) {
			__m128 p = exp2_ps(_mm_sub_ps(_mm_loadu_ps(sr + c), mv));
			sum = _mm_add_ps(sum, p);
			float *dst = pb + ((size_t)c * 4 + r) * 4;
			_mm_storeu_ps(dst, _mm_shuffle_ps(p, p, 0x00));
			_mm_storeu_ps(dst + 16, _mm_shuffle_ps(p, p, 0x55));
			_mm_storeu_ps(dst + 32, _mm_shuffle_ps(p, p, 0xaa));
			_mm_storeu_ps(dst + 48, _mm_shuffle_ps(p, p, 0xff));
		}
		float rs = hsum_ps(sum);
#else
		float mb = sr[0];
		for (int c = 1; c < ATTN_BK; c++)
			mb = sr[c] > mb ? sr[c] : mb;
		float mn = mb > m[r] ? mb : m[r];
		float rs = 0.0f;
		for (int c = 0; c < ATTN_BK; c++) {
			float p = attn_exp2f(sr[c] - mn);
			rs += p;
			for (int lane = 0; lane < 4; lane++)
				pb[((size_t)c * 4 + r) * 4 + lane] = p;
		}
#endif
		float a = mn == m[r] ? 1.0f : attn_exp2f(m[r] - mn);
		alpha[r] = a;
		l[r] = l[r] * a + rs;
		m[r] = mn;
	}
}

void attn__attend_block(const float *q, int nq, const float *kt,
			const float *v, int nk, const int *kbl, int nkb, int D,
			float *out, float *lse2, float *work)
{
	float *qb = work;
	float *s = qb + (size_t)ATTN_BQ * D * 4;
	float *pb = s + 4 * ATTN_BK;
	float *o = pb + (size_t)ATTN_BK * 16;
	float *m = o + (size_t)ATTN_BQ * D;
	float *l = m + ATTN_BQ;
	float *alpha = l + ATTN_BQ;
	int rows = (nq + 3) & ~3;

	pack_q(q, nq, rows, D, ATTN_LOG2E / sqrtf((float)D), qb);
	memset(o, 0, (size_t)rows * D * sizeof *o);
	for (int i = 0; i < rows; i++) {
		m[i] = -INFINITY;
		l[i] = 0.0f;
	}

	for (int t = 0; t < nkb; t++) {
		int b = kbl ? kbl[t] : t;
		int kn = nk - b * ATTN_BK;
		if (kn > ATTN_BK)
			kn = ATTN_BK;
		const float *ktb = kt + (size_t)b * D * ATTN_BK;
		const float *vb = v + (size_t)b * ATTN_BK * D;
		/* Prefetch the next key block's K and V (from L3 for long
		 * sequences) while this one is used: its nl cache lines are
		 * spread evenly over this block's slabs. */
		const char *pk = NULL, *pv = NULL;
		size_t kbytes = 0, nl = 0, per = 0;
		if (t + 1 < nkb) {
			int bn = kbl ? kbl[t + 1] : t + 1;
			int kn2 = nk - bn * ATTN_BK;
			pk = (const char *)(kt + (size_t)bn * D * ATTN_BK);
			pv = (const char *)(v + (size_t)bn * ATTN_BK * D);
			kbytes = (size_t)D * ATTN_BK * sizeof(float);
			nl = (kbytes + (size_t)(kn2 < ATTN_BK ? kn2 : ATTN_BK) *
					       D * sizeof(float) + 63) / 64;
			per = (nl + (size_t)rows / 4 - 1) / ((size_t)rows / 4);
		}
		for (int i0 = 0; i0 < rows; i0 += 4) {
			const float *qs = qb + (size_t)i0 * D * 4;
			size_t ln = (size_t)i0 / 4 * per;
			for (size_t e = ln + per < nl ? ln + per : nl; ln < e; ln++) {
				size_t off = ln * 64;
				__builtin_prefetch(off < kbytes ? pk + off :
						   pv + (off - kbytes), 0, 3);
			}
			/* S = Qs Kt_b: ab = qb slab over d, b = kt rows. */
			for (int c0 = 0; c0 < ATTN_BK; c0 += 8)
				mk_4x8(qs, ktb + c0, ATTN_BK, D, s + c0, ATTN_BK,
				       NULL);
			softmax_slab(s, kn, m + i0, l + i0, alpha, pb);
			/* O = alpha O + P V_b over the kn valid keys. */
			for (int d0 = 0; d0 < D; d0 += 8)
				mk_4x8(pb, vb + d0, (size_t)D, kn,
				       o + (size_t)i0 * D + d0, (size_t)D, alpha);
		}
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
