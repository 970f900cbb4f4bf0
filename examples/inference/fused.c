/* The fused pipeline shared by the compiled and kernelized implementations
 * (model.h): all activations in one arena allocated at creation, rows
 * processed in chunks of CHUNK, RoPE from precomputed cos/sin tables
 * applied in the same pass that writes K and V into the cache, the
 * residual adds fused into the output projections (matmul accumulate),
 * gate, up, SiLU and product in one kernel, and logits computed only for
 * the rows asked for. The matmul, SwiGLU and attention kernels come from
 * the caller (struct fused_kernels). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

#define CHUNK 128

struct fused {
	const struct model *m;
	struct fused_kernels k;
	int n_slots, max_seq;
	float *kc, *vc;            /* [slot][layer][pos][dim] */
	float *cosv, *sinv;        /* [pos][head_dim / 2] */
	float *arena;
	size_t arena_floats, table_floats;
	float *x, *xb, *q, *kk, *vv, *att, *hb, *scratch;
};

void fused_destroy(void *ctx)
{
	struct fused *f = ctx;
	if (!f)
		return;
	if (f->k.release)
		f->k.release(f->k.ctx);
	free(f->kc);
	free(f->vc);
	free(f->cosv);
	free(f->arena);
	free(f);
}

void *fused_create(const struct model *m, int n_slots, int max_seq,
		   const struct fused_kernels *k)
{
	const struct model_config *c = &m->cfg;
	struct fused *f = calloc(1, sizeof *f);
	if (!f) {
		if (k->release)
			k->release(k->ctx);
		return NULL;
	}
	f->m = m;
	f->k = *k;
	f->n_slots = n_slots;
	f->max_seq = max_seq;
	size_t D = (size_t)c->dim, F = (size_t)c->ffn_dim;
	size_t hd = D / (size_t)c->n_heads, half = hd / 2;
	size_t kv = (size_t)n_slots * c->n_layers * (size_t)max_seq * D;
	f->kc = calloc(kv, sizeof(float));
	f->vc = calloc(kv, sizeof(float));
	f->table_floats = 2 * (size_t)max_seq * half;
	f->cosv = malloc(f->table_floats * sizeof(float));
	int th = k->threads > 0 ? k->threads : 1;
	f->arena_floats = CHUNK * (6 * D + F) + (size_t)th * max_seq;
	f->arena = calloc(f->arena_floats, sizeof(float));
	if (!f->kc || !f->vc || !f->cosv || !f->arena) {
		fused_destroy(f);
		return NULL;
	}
	f->sinv = f->cosv + (size_t)max_seq * half;
	for (int p = 0; p < max_seq; p++)
		for (size_t i = 0; i < half; i++) {
			double ang = p * pow(c->rope_theta, -(double)(2 * i) / (double)hd);
			f->cosv[(size_t)p * half + i] = (float)cos(ang);
			f->sinv[(size_t)p * half + i] = (float)sin(ang);
		}
	float *a = f->arena;
	f->x = a, a += CHUNK * D;
	f->xb = a, a += CHUNK * D;
	f->q = a, a += CHUNK * D;
	f->kk = a, a += CHUNK * D;
	f->vv = a, a += CHUNK * D;
	f->att = a, a += CHUNK * D;
	f->hb = a, a += CHUNK * F;
	f->scratch = a;
	return f;
}

size_t fused_kv_bytes(void *ctx)
{
	struct fused *f = ctx;
	return 2 * (size_t)f->n_slots * f->m->cfg.n_layers * (size_t)f->max_seq *
	       f->m->cfg.dim * sizeof(float);
}

size_t fused_work_bytes(void *ctx)
{
	struct fused *f = ctx;
	return (f->arena_floats + f->table_floats) * sizeof(float);
}

static void rmsnorm_rows(float *out, const float *x, const float *w, int n,
			 int d, float eps)
{
	for (int r = 0; r < n; r++) {
		const float *xr = x + (size_t)r * d;
		float *o = out + (size_t)r * d;
		float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
		int i = 0;
		for (; i + 4 <= d; i += 4) {
			s0 += xr[i] * xr[i];
			s1 += xr[i + 1] * xr[i + 1];
			s2 += xr[i + 2] * xr[i + 2];
			s3 += xr[i + 3] * xr[i + 3];
		}
		for (; i < d; i++)
			s0 += xr[i] * xr[i];
		float inv = 1.0f / sqrtf((s0 + s1 + s2 + s3) / d + eps);
		for (i = 0; i < d; i++)
			o[i] = xr[i] * inv * w[i];
	}
}

/* RoPE on q and k of n rows from the tables; k and v into the cache. */
static void rope_store(struct fused *f, int l, int n, const int *slot,
		       const int *pos)
{
	const struct model_config *c = &f->m->cfg;
	int D = c->dim, hd = D / c->n_heads, half = hd / 2;
	for (int r = 0; r < n; r++) {
		const float *cs = f->cosv + (size_t)pos[r] * half;
		const float *sn = f->sinv + (size_t)pos[r] * half;
		float *q = f->q + (size_t)r * D, *k = f->kk + (size_t)r * D;
		size_t at = (((size_t)slot[r] * c->n_layers + l) * f->max_seq + pos[r]) * D;
		float *kd = f->kc + at;
		for (int h = 0; h < D; h += hd)
			for (int i = 0; i < half; i++) {
				float a = q[h + 2 * i], b = q[h + 2 * i + 1];
				q[h + 2 * i] = a * cs[i] - b * sn[i];
				q[h + 2 * i + 1] = a * sn[i] + b * cs[i];
				a = k[h + 2 * i], b = k[h + 2 * i + 1];
				kd[h + 2 * i] = a * cs[i] - b * sn[i];
				kd[h + 2 * i + 1] = a * sn[i] + b * cs[i];
			}
		memcpy(f->vc + at, f->vv + (size_t)r * D, (size_t)D * sizeof(float));
	}
}

/* One chunk of n <= CHUNK rows through all layers; x holds their
 * embeddings on entry and the final hidden states on return. */
static void chunk_layers(struct fused *f, int n, const int *slot, const int *pos)
{
	const struct model *m = f->m;
	const struct model_config *c = &m->cfg;
	const struct fused_kernels *k = &f->k;
	int D = c->dim, F = c->ffn_dim;
	size_t stride = (size_t)c->n_layers * f->max_seq * D;
	for (int l = 0; l < c->n_layers; l++) {
		const struct layer_weights *L = &m->layers[l];
		size_t lo = (size_t)l * f->max_seq * D;
		rmsnorm_rows(f->xb, f->x, L->attn_norm, n, D, (float)c->norm_eps);
		if (k->qkv) {
			k->qkv(k->ctx, f->q, f->kk, f->vv, f->xb, L->wq, L->wk, L->wv, n, D);
		} else {
			k->matmul(k->ctx, f->q, f->xb, L->wq, n, D, D, 0);
			k->matmul(k->ctx, f->kk, f->xb, L->wk, n, D, D, 0);
			k->matmul(k->ctx, f->vv, f->xb, L->wv, n, D, D, 0);
		}
		rope_store(f, l, n, slot, pos);
		k->attention(k->ctx, f->att, f->q, f->kc + lo, f->vc + lo, n, slot,
			     pos, D, c->n_heads, stride, f->scratch, f->max_seq);
		k->matmul(k->ctx, f->x, f->att, L->wo, n, D, D, 1);
		rmsnorm_rows(f->xb, f->x, L->ffn_norm, n, D, (float)c->norm_eps);
		k->swiglu(k->ctx, f->hb, f->xb, L->w_gate, L->w_up, n, D, F);
		k->matmul(k->ctx, f->x, f->hb, L->w_down, n, F, D, 1);
	}
}

int fused_forward(void *ctx, int n, const int *slot, const int *tok,
		  const int *pos, float *logits, int mode)
{
	struct fused *f = ctx;
	const struct model *m = f->m;
	const struct model_config *c = &m->cfg;
	int D = c->dim, V = c->vocab_size;
	for (int r0 = 0; r0 < n; r0 += CHUNK) {
		int nr = n - r0 < CHUNK ? n - r0 : CHUNK;
		for (int r = 0; r < nr; r++)
			memcpy(f->x + (size_t)r * D, m->embed + (size_t)tok[r0 + r] * D,
			       (size_t)D * sizeof(float));
		chunk_layers(f, nr, slot + r0, pos + r0);
		if (mode == LOGITS_ALL) {
			rmsnorm_rows(f->xb, f->x, m->final_norm, nr, D, (float)c->norm_eps);
			f->k.matmul(f->k.ctx, logits + (size_t)r0 * V, f->xb, m->lm_head,
				    nr, D, V, 0);
		} else if (r0 + nr == n) {
			rmsnorm_rows(f->xb, f->x + (size_t)(nr - 1) * D, m->final_norm,
				     1, D, (float)c->norm_eps);
			f->k.matmul(f->k.ctx, logits, f->xb, m->lm_head, 1, D, V, 0);
		}
	}
	return 0;
}
