/* The inference suite's model (examples/inference/README.md): a llama-style
 * decoder-only transformer in fp32, its files, its byte-level tokenizer,
 * three implementations and a double-precision reference.
 *
 * Architecture, per token x (dim D, H heads of head_dim D/H, F the MLP's
 * width, V the vocabulary):
 *
 *     h = embed[token]
 *     for each layer:
 *         a = rmsnorm(h, attn_norm)
 *         q, k, v = a Wq^T, a Wk^T, a Wv^T; rope(q, k, position)
 *         h += softmax(q k_cache^T / sqrt(head_dim)) v_cache  Wo^T   (causal)
 *         m = rmsnorm(h, ffn_norm)
 *         h += (silu(m Wg^T) * (m Wu^T)) Wd^T
 *     logits = rmsnorm(h, final_norm) lm_head^T
 *
 * rmsnorm(x, w) = x / sqrt(mean(x^2) + eps) * w. RoPE rotates the pairs
 * (2i, 2i+1) of every head by position * theta^(-2i/head_dim). Weights are
 * stored as in Hugging Face's llama, [out, in] row-major (model_tensor_name
 * lists the names).
 *
 * Files: NAME.safetensors (the weights, F32) and NAME.json (the config:
 * name, dim, n_layers, n_heads, ffn_dim, vocab_size, max_seq_len,
 * rope_theta, norm_eps; gen_model writes both).
 */
#ifndef INFER_MODEL_H
#define INFER_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "safetensors.h"

/* The tokenizer: bytes 0..255 are themselves, then three specials. */
#define TOK_BOS 256
#define TOK_EOS 257
#define TOK_PAD 258
#define INFER_VOCAB 259

struct model_config {
	char name[64];
	int dim, n_layers, n_heads, ffn_dim, vocab_size, max_seq_len;
	double rope_theta, norm_eps;
};

struct layer_weights {
	const float *attn_norm, *wq, *wk, *wv, *wo;
	const float *ffn_norm, *w_gate, *w_up, *w_down;
};

struct model {
	struct model_config cfg;
	struct st_file file;
	struct layer_weights *layers;       /* n_layers */
	const float *embed, *final_norm, *lm_head;
	char *weights_path, *config_path;   /* owned */
	uint64_t file_bytes;
	uint64_t weight_bytes_per_token;    /* all but the embedding table */
	uint64_t n_params;
};

/* The named sizes gen_model writes: tiny (~1M parameters), small (~15M),
 * base (~100M). 0, or -1 for an unknown name. */
int model_preset(const char *name, struct model_config *c);
/* Parameters of a configuration. */
uint64_t model_param_count(const struct model_config *c);
/* Name of tensor i of a configuration in file order, 0 <= i <
 * model_tensor_count; shape[] (<= 2 dims) and *ndim are set. */
int model_tensor_count(const struct model_config *c);
void model_tensor_name(const struct model_config *c, int i, char *name,
		       size_t len, int64_t shape[2], int *ndim);

/* Reads and checks a config JSON. */
int model_config_load(const char *path, struct model_config *c, char *err,
		      size_t errlen);

/* Finds the files of model spec: a name looked up as DIR/NAME.json and
 * DIR/NAME.safetensors (dir: the models directory), or a path (containing
 * '/') to either file or to their common prefix. Opens (mmap) and
 * validates the weights against the config: every tensor present with
 * its shape. Errors name the file and the tensor. */
int model_open(struct model *m, const char *dir, const char *spec, char *err,
	       size_t errlen);
void model_close(struct model *m);
/* Reads every page of the weights (so that a load really loads);
 * returns a checksum to keep the reads from being optimised away. */
float model_touch(const struct model *m);

/* BOS then the bytes of text; at most max tokens. Returns the count. */
int tokenize(const char *text, int *out, int max);

/* --- implementations ------------------------------------------------------
 * A context holds the KV cache of n_slots sequences of up to max_seq
 * positions. forward() runs n token rows at once: row r is token tok[r]
 * at position pos[r] of sequence slot[r]; the rows of one slot come in
 * order of position, consecutive, and a row sees its slot's positions 0 to
 * pos[r] (earlier calls' and this call's). logits: with LOGITS_ALL, n * V
 * floats (row-major), with LOGITS_LAST the last row's V. Returns 0, or -1
 * when memory runs out. */
enum { LOGITS_LAST = 0, LOGITS_ALL = 1 };

struct variant {
	const char *name;
	void *(*create)(const struct model *m, int n_slots, int max_seq);
	void (*destroy)(void *ctx);
	int (*forward)(void *ctx, int n, const int *slot, const int *tok,
		       const int *pos, float *logits, int mode);
	size_t (*kv_bytes)(void *ctx);
	size_t (*work_bytes)(void *ctx); /* activations, tables, pools */
};

extern const struct variant variant_eager;      /* eager.c */
extern const struct variant variant_compiled;   /* compiled.c */
extern const struct variant variant_kernelized; /* kernelized.c */
/* The kernelized pool's size: INFER_THREADS or the online CPUs (<= 64). */
int kernelized_threads(void);
/* The instruction set its kernels use here: "avx2+fma" or "generic-vector"
 * (INFER_NO_AVX2=1 forces the latter). */
const char *kernelized_isa(void);

/* --- the fused pipeline that compiled and kernelized share (fused.c) ----
 * The kernels it calls: out[r][o] (+)= x[r] . W[o] for r < n, o < od
 * (accumulate adds into out); swiglu: hb[r][f] = silu(x[r].Wg[f]) *
 * (x[r].Wu[f]); attention: per row and head, over the slot's cached
 * positions 0..pos[r]. ctx is the kernel set's own (a thread pool). */
struct fused_kernels {
	void *ctx;
	void (*matmul)(void *ctx, float *out, const float *x, const float *w,
		       int n, int in, int od, int accumulate);
	void (*swiglu)(void *ctx, float *hb, const float *x, const float *wg,
		       const float *wu, int n, int in, int f);
	void (*attention)(void *ctx, float *out, const float *q,
			  const float *kc, const float *vc, int n,
			  const int *slot, const int *pos, int dim, int heads,
			  size_t slot_stride, float *scratch, int max_seq);
	/* q, k, v = x Wq^T, x Wk^T, x Wv^T in one call (one parallel
	 * section); NULL: three matmul calls */
	void (*qkv)(void *ctx, float *q, float *k, float *v, const float *x,
		    const float *wq, const float *wk, const float *wv, int n,
		    int d);
	int threads;             /* attention scratch blocks: one a thread */
	void (*release)(void *ctx); /* of ctx, by fused_destroy; may be NULL */
};
void *fused_create(const struct model *m, int n_slots, int max_seq,
		   const struct fused_kernels *k);
void fused_destroy(void *ctx);
int fused_forward(void *ctx, int n, const int *slot, const int *tok,
		  const int *pos, float *logits, int mode);
size_t fused_kv_bytes(void *ctx);
size_t fused_work_bytes(void *ctx);

/* --- the double-precision reference (reference.c): one token at a time,
 * straight from the definitions above. */
struct ref;
struct ref *ref_create(const struct model *m, int max_seq);
void ref_destroy(struct ref *r);
/* Token tok at position pos (positions in order from 0); V logits. */
void ref_forward(struct ref *r, int tok, int pos, double *logits);

#endif
