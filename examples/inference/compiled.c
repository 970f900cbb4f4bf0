/* The compiled implementation (model.h): the fused pipeline (fused.c) with
 * portable scalar kernels, blocked so that the compiler keeps a 4 x 4 tile
 * of dot products in registers (4 rows of activations against 4 rows of
 * weights, 16 independent sums) and a block of OB weight rows stays in
 * cache while every row of the chunk passes over it. Single-threaded. */
#include <math.h>
#include <stdlib.h>

#include "model.h"

#define OB 64 /* weight rows per block */

/* out[r][o] (+)= x[r] . w[o] for one 4 x 4 tile (or smaller at edges). */
static void tile(float *out, const float *x, const float *w, int nr, int no,
		 int in, int od, int accumulate)
{
	float acc[4][4] = { { 0 } };
	if (nr == 4 && no == 4) {
		const float *x0 = x, *x1 = x + in, *x2 = x + 2 * (size_t)in, *x3 = x + 3 * (size_t)in;
		const float *w0 = w, *w1 = w + in, *w2 = w + 2 * (size_t)in, *w3 = w + 3 * (size_t)in;
		for (int i = 0; i < in; i++) {
			float a0 = x0[i], a1 = x1[i], a2 = x2[i], a3 = x3[i];
			float b0 = w0[i], b1 = w1[i], b2 = w2[i], b3 = w3[i];
			acc[0][0] += a0 * b0, acc[0][1] += a0 * b1, acc[0][2] += a0 * b2, acc[0][3] += a0 * b3;
			acc[1][0] += a1 * b0, acc[1][1] += a1 * b1, acc[1][2] += a1 * b2, acc[1][3] += a1 * b3;
			acc[2][0] += a2 * b0, acc[2][1] += a2 * b1, acc[2][2] += a2 * b2, acc[2][3] += a2 * b3;
			acc[3][0] += a3 * b0, acc[3][1] += a3 * b1, acc[3][2] += a3 * b2, acc[3][3] += a3 * b3;
		}
	} else if (nr == 1 && no == 4) {
		const float *w0 = w, *w1 = w + in, *w2 = w + 2 * (size_t)in, *w3 = w + 3 * (size_t)in;
		for (int i = 0; i < in; i++) {
			float a = x[i];
			acc[0][0] += a * w0[i], acc[0][1] += a * w1[i];
			acc[0][2] += a * w2[i], acc[0][3] += a * w3[i];
		}
	} else {
		for (int r = 0; r < nr; r++)
			for (int o = 0; o < no; o++) {
				const float *a = x + (size_t)r * in, *b = w + (size_t)o * in;
				float s = 0;
				for (int i = 0; i < in; i++)
					s += a[i] * b[i];
				acc[r][o] = s;
			}
	}
	for (int r = 0; r < nr; r++)
		for (int o = 0; o < no; o++) {
			float *p = out + (size_t)r * od + o;
			*p = accumulate ? *p + acc[r][o] : acc[r][o];
		}
}

static void c_matmul(void *ctx, float *out, const float *x, const float *w,
		     int n, int in, int od, int accumulate)
{
	for (int o0 = 0; o0 < od; o0 += OB) {
		int oe = o0 + OB < od ? o0 + OB : od;
		for (int r = 0; r < n; r += 4) {
			int nr = n - r < 4 ? n - r : 4;
			for (int o = o0; o < oe; o += 4) {
				int no = oe - o < 4 ? oe - o : 4;
				tile(out + (size_t)r * od + o, x + (size_t)r * in,
				     w + (size_t)o * in, nr, no, in, od, accumulate);
			}
		}
	}
}

static void c_swiglu(void *ctx, float *hb, const float *x, const float *wg,
		     const float *wu, int n, int in, int f)
{
	float g[4 * OB], u[4 * OB];
	for (int o0 = 0; o0 < f; o0 += OB) {
		int no = f - o0 < OB ? f - o0 : OB;
		for (int r = 0; r < n; r += 4) {
			int nr = n - r < 4 ? n - r : 4;
			c_matmul(NULL, g, x + (size_t)r * in, wg + (size_t)o0 * in, nr, in, no, 0);
			c_matmul(NULL, u, x + (size_t)r * in, wu + (size_t)o0 * in, nr, in, no, 0);
			for (int i = 0; i < nr; i++)
				for (int o = 0; o < no; o++) {
					float a = g[i * no + o];
					hb[(size_t)(r + i) * f + o0 + o] =
						a / (1.0f + expf(-a)) * u[i * no + o];
				}
		}
	}
}

static void c_attention(void *ctx, float *out, const float *q, const float *kc,
			const float *vc, int n, const int *slot, const int *pos,
			int dim, int heads, size_t slot_stride, float *s, int max_seq)
{
	int hd = dim / heads;
	float scale = 1.0f / sqrtf((float)hd);
	for (int r = 0; r < n; r++) {
		const float *kb = kc + (size_t)slot[r] * slot_stride;
		const float *vb = vc + (size_t)slot[r] * slot_stride;
		for (int h = 0; h < heads; h++) {
			const float *qh = q + (size_t)r * dim + h * hd;
			float mx = -INFINITY, sum = 0;
			for (int t = 0; t <= pos[r]; t++) {
				const float *k = kb + (size_t)t * dim + h * hd;
				float d0 = 0, d1 = 0, d2 = 0, d3 = 0;
				for (int i = 0; i < hd; i += 4) {
					d0 += qh[i] * k[i];
					d1 += qh[i + 1] * k[i + 1];
					d2 += qh[i + 2] * k[i + 2];
					d3 += qh[i + 3] * k[i + 3];
				}
				s[t] = (d0 + d1 + d2 + d3) * scale;
				mx = s[t] > mx ? s[t] : mx;
			}
			for (int t = 0; t <= pos[r]; t++) {
				s[t] = expf(s[t] - mx);
				sum += s[t];
			}
			float *o = out + (size_t)r * dim + h * hd;
			float inv = 1.0f / sum;
			for (int i = 0; i < hd; i++)
				o[i] = 0;
			for (int t = 0; t <= pos[r]; t++) {
				const float *v = vb + (size_t)t * dim + h * hd;
				float p = s[t] * inv;
				for (int i = 0; i < hd; i++)
					o[i] += p * v[i];
			}
		}
	}
}

static void *compiled_create(const struct model *m, int n_slots, int max_seq)
{
	struct fused_kernels k = { NULL, c_matmul, c_swiglu, c_attention, NULL, 1, NULL };
	if (m->cfg.dim / m->cfg.n_heads % 4)
		return NULL;
	return fused_create(m, n_slots, max_seq, &k);
}

const struct variant variant_compiled = {
	"compiled", compiled_create, fused_destroy, fused_forward, fused_kv_bytes,
	fused_work_bytes,
};
