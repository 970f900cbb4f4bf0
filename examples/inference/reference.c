/* The double-precision reference (model.h): one token at a time, every
 * sum and every intermediate in double, straight from the definitions. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

struct ref {
	const struct model *m;
	int max_seq;
	double *kc, *vc;              /* [layer][pos][dim] */
	double *x, *a, *q, *k, *v, *att, *g, *u, *s;
};

struct ref *ref_create(const struct model *m, int max_seq)
{
	const struct model_config *c = &m->cfg;
	struct ref *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	size_t kv = (size_t)c->n_layers * (size_t)max_seq * (size_t)c->dim;
	r->m = m;
	r->max_seq = max_seq;
	r->kc = malloc(kv * sizeof(double));
	r->vc = malloc(kv * sizeof(double));
	double **bufs[] = { &r->x, &r->a, &r->q, &r->k, &r->v, &r->att };
	for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
		*bufs[i] = malloc((size_t)c->dim * sizeof(double));
	r->g = malloc((size_t)c->ffn_dim * sizeof(double));
	r->u = malloc((size_t)c->ffn_dim * sizeof(double));
	r->s = malloc((size_t)max_seq * sizeof(double));
	if (!r->kc || !r->vc || !r->x || !r->a || !r->q || !r->k || !r->v ||
	    !r->att || !r->g || !r->u || !r->s) {
		ref_destroy(r);
		return NULL;
	}
	return r;
}

void ref_destroy(struct ref *r)
{
	if (!r)
		return;
	free(r->kc);
	free(r->vc);
	free(r->x);
	free(r->a);
	free(r->q);
	free(r->k);
	free(r->v);
	free(r->att);
	free(r->g);
	free(r->u);
	free(r->s);
	free(r);
}

static void rmsnorm(double *out, const double *x, const float *w, int n,
		    double eps)
{
	double ss = 0;
	for (int i = 0; i < n; i++)
		ss += x[i] * x[i];
	double inv = 1.0 / sqrt(ss / n + eps);
	for (int i = 0; i < n; i++)
		out[i] = x[i] * inv * (double)w[i];
}

/* out[o] = x . W[o], W [od][in] */
static void matvec(double *out, const double *x, const float *w, int in, int od)
{
	for (int o = 0; o < od; o++) {
		const float *row = w + (size_t)o * in;
		double acc = 0;
		for (int i = 0; i < in; i++)
			acc += x[i] * (double)row[i];
		out[o] = acc;
	}
}

static void rope(double *v, int dim, int hd, int pos, double theta)
{
	for (int h = 0; h < dim; h += hd)
		for (int i = 0; i < hd; i += 2) {
			double ang = pos * pow(theta, -(double)i / hd);
			double c = cos(ang), s = sin(ang);
			double a = v[h + i], b = v[h + i + 1];
			v[h + i] = a * c - b * s;
			v[h + i + 1] = a * s + b * c;
		}
}

void ref_forward(struct ref *r, int tok, int pos, double *logits)
{
	const struct model *m = r->m;
	const struct model_config *c = &m->cfg;
	int D = c->dim, F = c->ffn_dim, H = c->n_heads, hd = D / H;
	for (int i = 0; i < D; i++)
		r->x[i] = m->embed[(size_t)tok * D + i];
	for (int l = 0; l < c->n_layers; l++) {
		const struct layer_weights *L = &m->layers[l];
		double *kc = r->kc + (size_t)l * r->max_seq * D;
		double *vc = r->vc + (size_t)l * r->max_seq * D;
		rmsnorm(r->a, r->x, L->attn_norm, D, c->norm_eps);
		matvec(r->q, r->a, L->wq, D, D);
		matvec(r->k, r->a, L->wk, D, D);
		matvec(r->v, r->a, L->wv, D, D);
		rope(r->q, D, hd, pos, c->rope_theta);
		rope(r->k, D, hd, pos, c->rope_theta);
		memcpy(kc + (size_t)pos * D, r->k, D * sizeof(double));
		memcpy(vc + (size_t)pos * D, r->v, D * sizeof(double));
		for (int h = 0; h < H; h++) {
			double mx = -INFINITY, sum = 0;
			for (int t = 0; t <= pos; t++) {
				double d = 0;
				for (int i = 0; i < hd; i++)
					d += r->q[h * hd + i] * kc[(size_t)t * D + h * hd + i];
				r->s[t] = d / sqrt((double)hd);
				if (r->s[t] > mx)
					mx = r->s[t];
			}
			for (int t = 0; t <= pos; t++) {
				r->s[t] = exp(r->s[t] - mx);
				sum += r->s[t];
			}
			for (int i = 0; i < hd; i++) {
				double acc = 0;
				for (int t = 0; t <= pos; t++)
					acc += r->s[t] * vc[(size_t)t * D + h * hd + i];
				r->att[h * hd + i] = acc / sum;
			}
		}
		matvec(r->a, r->att, L->wo, D, D);
		for (int i = 0; i < D; i++)
			r->x[i] += r->a[i];
		rmsnorm(r->a, r->x, L->ffn_norm, D, c->norm_eps);
		matvec(r->g, r->a, L->w_gate, D, F);
		matvec(r->u, r->a, L->w_up, D, F);
		for (int f = 0; f < F; f++)
			r->g[f] = r->g[f] / (1.0 + exp(-r->g[f])) * r->u[f];
		matvec(r->a, r->g, L->w_down, F, D);
		for (int i = 0; i < D; i++)
			r->x[i] += r->a[i];
	}
	rmsnorm(r->a, r->x, m->final_norm, D, c->norm_eps);
	matvec(logits, r->a, m->lm_head, D, c->vocab_size);
}
