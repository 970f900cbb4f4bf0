/* The eager implementation (model.h): one operation at a time over the
 * whole batch of rows, as a framework's eager mode runs it. Every op
 * allocates its output (and frees its inputs when they are dead), loops
 * are the straightforward ones (a dot product per output, in order), RoPE
 * angles are computed on the fly, and logits are computed for every row
 * and then the ones asked for copied out. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

struct eager {
	const struct model *m;
	int n_slots, max_seq;
	float *kc, *vc; /* [slot][layer][pos][dim] */
};

static void *eager_create(const struct model *m, int n_slots, int max_seq)
{
	struct eager *e = calloc(1, sizeof *e);
	if (!e)
		return NULL;
	size_t kv = (size_t)n_slots * m->cfg.n_layers * (size_t)max_seq * m->cfg.dim;
	e->m = m;
	e->n_slots = n_slots;
	e->max_seq = max_seq;
	e->kc = calloc(kv, sizeof(float));
	e->vc = calloc(kv, sizeof(float));
	if (!e->kc || !e->vc) {
		free(e->kc);
		free(e->vc);
		free(e);
		return NULL;
	}
	return e;
}

static void eager_destroy(void *ctx)
{
	struct eager *e = ctx;
	if (!e)
		return;
	free(e->kc);
	free(e->vc);
	free(e);
}

static size_t eager_kv_bytes(void *ctx)
{
	struct eager *e = ctx;
	return 2 * (size_t)e->n_slots * e->m->cfg.n_layers * (size_t)e->max_seq *
	       e->m->cfg.dim * sizeof(float);
}

static size_t eager_work_bytes(void *ctx)
{
	return 0; /* allocated per op */
}

static float *op_alloc(size_t n)
{
	return malloc((n ? n : 1) * sizeof(float));
}

static float *op_rmsnorm(const float *x, const float *w, int n, int d, double eps)
{
	float *out = op_alloc((size_t)n * d);
	if (!out)
		return NULL;
	for (int r = 0; r < n; r++) {
		const float *xr = x + (size_t)r * d;
		float ss = 0;
		for (int i = 0; i < d; i++)
			ss += xr[i] * xr[i];
		float inv = 1.0f / sqrtf(ss / d + (float)eps);
		for (int i = 0; i < d; i++)
			out[(size_t)r * d + i] = xr[i] * inv * w[i];
	}
	return out;
}

static float *op_linear(const float *x, const float *w, int n, int in, int od)
{
	float *out = op_alloc((size_t)n * od);
	if (!out)
		return NULL;
	for (int r = 0; r < n; r++)
		for (int o = 0; o < od; o++) {
			const float *row = w + (size_t)o * in;
			float acc = 0;
			for (int i = 0; i < in; i++)
				acc += x[(size_t)r * in + i] * row[i];
			out[(size_t)r * od + o] = acc;
		}
	return out;
}

static void op_rope(float *v, int n, const int *pos, int d, int hd, double theta)
{
	for (int r = 0; r < n; r++)
		for (int h = 0; h < d; h += hd)
			for (int i = 0; i < hd; i += 2) {
				float ang = (float)(pos[r] * pow(theta, -(double)i / hd));
				float c = cosf(ang), s = sinf(ang);
				float *p = v + (size_t)r * d + h + i;
				float a = p[0], b = p[1];
				p[0] = a * c - b * s;
				p[1] = a * s + b * c;
			}
}

static float *op_attention(struct eager *e, int l, const float *q, int n,
			   const int *slot, const int *pos)
{
	const struct model_config *c = &e->m->cfg;
	int D = c->dim, hd = D / c->n_heads;
	float *out = op_alloc((size_t)n * D);
	float *s = op_alloc((size_t)e->max_seq);
	if (!out || !s) {
		free(out);
		free(s);
		return NULL;
	}
	for (int r = 0; r < n; r++) {
		size_t base = ((size_t)slot[r] * c->n_layers + l) * e->max_seq * D;
		for (int h = 0; h < c->n_heads; h++) {
			const float *qh = q + (size_t)r * D + h * hd;
			float mx = -INFINITY, sum = 0;
			for (int t = 0; t <= pos[r]; t++) {
				const float *k = e->kc + base + (size_t)t * D + h * hd;
				float d = 0;
				for (int i = 0; i < hd; i++)
					d += qh[i] * k[i];
				s[t] = d / sqrtf((float)hd);
				if (s[t] > mx)
					mx = s[t];
			}
			for (int t = 0; t <= pos[r]; t++) {
				s[t] = expf(s[t] - mx);
				sum += s[t];
			}
			float *o = out + (size_t)r * D + h * hd;
			for (int i = 0; i < hd; i++)
				o[i] = 0;
			for (int t = 0; t <= pos[r]; t++) {
				const float *v = e->vc + base + (size_t)t * D + h * hd;
				for (int i = 0; i < hd; i++)
					o[i] += s[t] / sum * v[i];
			}
		}
	}
	free(s);
	return out;
}

static int eager_forward(void *ctx, int n, const int *slot, const int *tok,
			 const int *pos, float *logits, int mode)
{
	struct eager *e = ctx;
	const struct model *m = e->m;
	const struct model_config *c = &m->cfg;
	int D = c->dim, F = c->ffn_dim, V = c->vocab_size;
	float *x = op_alloc((size_t)n * D);
	if (!x)
		return -1;
	for (int r = 0; r < n; r++)
		memcpy(x + (size_t)r * D, m->embed + (size_t)tok[r] * D, D * sizeof(float));
	for (int l = 0; l < c->n_layers; l++) {
		const struct layer_weights *L = &m->layers[l];
		float *a = op_rmsnorm(x, L->attn_norm, n, D, c->norm_eps);
		float *q = a ? op_linear(a, L->wq, n, D, D) : NULL;
		float *k = q ? op_linear(a, L->wk, n, D, D) : NULL;
		float *v = k ? op_linear(a, L->wv, n, D, D) : NULL;
		free(a);
		if (!v) {
			free(q), free(k), free(x);
			return -1;
		}
		op_rope(q, n, pos, D, D / c->n_heads, c->rope_theta);
		op_rope(k, n, pos, D, D / c->n_heads, c->rope_theta);
		for (int r = 0; r < n; r++) {
			size_t at = (((size_t)slot[r] * c->n_layers + l) * e->max_seq +
				     pos[r]) * D;
			memcpy(e->kc + at, k + (size_t)r * D, D * sizeof(float));
			memcpy(e->vc + at, v + (size_t)r * D, D * sizeof(float));
		}
		free(k);
		free(v);
		float *att = op_attention(e, l, q, n, slot, pos);
		free(q);
		float *o = att ? op_linear(att, L->wo, n, D, D) : NULL;
		free(att);
		if (!o) {
			free(x);
			return -1;
		}
		for (size_t i = 0; i < (size_t)n * D; i++)
			x[i] += o[i];
		free(o);
		float *h = op_rmsnorm(x, L->ffn_norm, n, D, c->norm_eps);
		float *g = h ? op_linear(h, L->w_gate, n, D, F) : NULL;
		float *u = g ? op_linear(h, L->w_up, n, D, F) : NULL;
		free(h);
		if (!u) {
			free(g), free(x);
			return -1;
		}
		for (size_t i = 0; i < (size_t)n * F; i++)
			g[i] = g[i] / (1.0f + expf(-g[i]));
		for (size_t i = 0; i < (size_t)n * F; i++)
			g[i] *= u[i];
		free(u);
		float *d = op_linear(g, L->w_down, n, F, D);
		free(g);
		if (!d) {
			free(x);
			return -1;
		}
		for (size_t i = 0; i < (size_t)n * D; i++)
			x[i] += d[i];
		free(d);
	}
	float *f = op_rmsnorm(x, m->final_norm, n, D, c->norm_eps);
	free(x);
	float *lg = f ? op_linear(f, m->lm_head, n, D, V) : NULL;
	free(f);
	if (!lg)
		return -1;
	if (mode == LOGITS_ALL)
		memcpy(logits, lg, (size_t)n * V * sizeof(float));
	else
		memcpy(logits, lg + (size_t)(n - 1) * V, (size_t)V * sizeof(float));
	free(lg);
	return 0;
}

const struct variant variant_eager = {
	"eager", eager_create, eager_destroy, eager_forward, eager_kv_bytes,
	eager_work_bytes,
};
