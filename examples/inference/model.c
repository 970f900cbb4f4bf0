/* Model files, configs, the tokenizer (model.h). */
#include "model.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define fail st_errorf

static const struct {
	const char *name;
	int dim, n_layers, n_heads, ffn_dim, max_seq;
} presets[] = {
	{ "tiny", 128, 4, 4, 384, 4096 },     /* 0.92M parameters */
	{ "small", 384, 8, 6, 1024, 4096 },   /* 14.4M */
	{ "base", 768, 12, 12, 2560, 4096 },  /* 99.5M */
};

int model_preset(const char *name, struct model_config *c)
{
	for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++) {
		if (strcmp(presets[i].name, name) != 0)
			continue;
		memset(c, 0, sizeof *c);
		snprintf(c->name, sizeof c->name, "%s", name);
		c->dim = presets[i].dim;
		c->n_layers = presets[i].n_layers;
		c->n_heads = presets[i].n_heads;
		c->ffn_dim = presets[i].ffn_dim;
		c->vocab_size = INFER_VOCAB;
		c->max_seq_len = presets[i].max_seq;
		c->rope_theta = 10000.0;
		c->norm_eps = 1e-5;
		return 0;
	}
	return -1;
}

int model_tensor_count(const struct model_config *c)
{
	return 3 + 9 * c->n_layers;
}

void model_tensor_name(const struct model_config *c, int i, char *name,
		       size_t len, int64_t shape[2], int *ndim)
{
	int64_t D = c->dim, F = c->ffn_dim, V = c->vocab_size;
	int last = model_tensor_count(c) - 1;
	if (i == 0) {
		snprintf(name, len, "model.embed_tokens.weight");
		shape[0] = V, shape[1] = D, *ndim = 2;
		return;
	}
	if (i == last - 1) {
		snprintf(name, len, "model.norm.weight");
		shape[0] = D, *ndim = 1;
		return;
	}
	if (i == last) {
		snprintf(name, len, "lm_head.weight");
		shape[0] = V, shape[1] = D, *ndim = 2;
		return;
	}
	static const char *const parts[9] = {
		"input_layernorm", "self_attn.q_proj", "self_attn.k_proj",
		"self_attn.v_proj", "self_attn.o_proj", "post_attention_layernorm",
		"mlp.gate_proj", "mlp.up_proj", "mlp.down_proj",
	};
	int l = (i - 1) / 9, p = (i - 1) % 9;
	snprintf(name, len, "model.layers.%d.%s.weight", l, parts[p]);
	*ndim = 2;
	switch (p) {
	case 0:
	case 5:
		shape[0] = D, *ndim = 1;
		break;
	case 6:
	case 7:
		shape[0] = F, shape[1] = D;
		break;
	case 8:
		shape[0] = D, shape[1] = F;
		break;
	default:
		shape[0] = D, shape[1] = D;
	}
}

uint64_t model_param_count(const struct model_config *c)
{
	uint64_t n = 0;
	char name[96];
	int64_t sh[2];
	int nd;
	for (int i = 0; i < model_tensor_count(c); i++) {
		model_tensor_name(c, i, name, sizeof name, sh, &nd);
		n += (uint64_t)sh[0] * (uint64_t)(nd == 2 ? sh[1] : 1);
	}
	return n;
}

static int get_int(json_t *o, const char *path, const char *key, int lo,
		   int hi, int *out, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_integer(v) || json_integer_value(v) < lo ||
	    json_integer_value(v) > hi)
		return fail(err, errlen, "%s: \"%s\" must be an integer in %d..%d",
			    path, key, lo, hi);
	*out = (int)json_integer_value(v);
	return 0;
}

static int get_num(json_t *o, const char *path, const char *key, double lo,
		   double hi, double *out, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_number(v) || json_number_value(v) <= lo ||
	    json_number_value(v) > hi)
		return fail(err, errlen, "%s: \"%s\" must be a number in (%g, %g]",
			    path, key, lo, hi);
	*out = json_number_value(v);
	return 0;
}

int model_config_load(const char *path, struct model_config *c, char *err,
		      size_t errlen)
{
	json_error_t je;
	json_t *root = json_load_file(path, 0, &je);
	memset(c, 0, sizeof *c);
	if (!root)
		return fail(err, errlen, "%s: line %d: %s", path, je.line, je.text);
	int rc = -1;
	json_t *name = json_object_get(root, "name");
	if (!json_is_object(root)) {
		fail(err, errlen, "%s: not a JSON object", path);
		goto out;
	}
	if (!json_is_string(name)) {
		fail(err, errlen, "%s: \"name\" must be a string", path);
		goto out;
	}
	snprintf(c->name, sizeof c->name, "%s", json_string_value(name));
	if (get_int(root, path, "dim", 2, 65536, &c->dim, err, errlen) ||
	    get_int(root, path, "n_layers", 1, 1024, &c->n_layers, err, errlen) ||
	    get_int(root, path, "n_heads", 1, 1024, &c->n_heads, err, errlen) ||
	    get_int(root, path, "ffn_dim", 1, 1 << 20, &c->ffn_dim, err, errlen) ||
	    get_int(root, path, "vocab_size", INFER_VOCAB, 1 << 20, &c->vocab_size,
		    err, errlen) ||
	    get_int(root, path, "max_seq_len", 1, 1 << 20, &c->max_seq_len, err,
		    errlen) ||
	    get_num(root, path, "rope_theta", 1.0, 1e12, &c->rope_theta, err,
		    errlen) ||
	    get_num(root, path, "norm_eps", 0.0, 1.0, &c->norm_eps, err, errlen))
		goto out;
	if (c->dim % c->n_heads || (c->dim / c->n_heads) % 2) {
		fail(err, errlen, "%s: dim %d is not n_heads %d times an even head_dim",
		     path, c->dim, c->n_heads);
		goto out;
	}
	rc = 0;
out:
	json_decref(root);
	return rc;
}

static char *cat(const char *a, const char *b, const char *c)
{
	size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s%s%s", a, b, c);
	return p;
}

static int ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && strcmp(s + a - b, suf) == 0;
}

void model_close(struct model *m)
{
	st_close(&m->file);
	free(m->layers);
	free(m->weights_path);
	free(m->config_path);
	memset(m, 0, sizeof *m);
}

/* The first tensor of m's file that the config does not name (a name
 * corrupted in the file, say), or NULL. */
static const char *stray_tensor(const struct model *m)
{
	for (size_t t = 0; t < m->file.n_tensors; t++) {
		const char *have = m->file.tensors[t].name;
		int known = 0;
		for (int i = 0; i < model_tensor_count(&m->cfg) && !known; i++) {
			char name[96];
			int64_t sh[2];
			int nd;
			model_tensor_name(&m->cfg, i, name, sizeof name, sh, &nd);
			known = strcmp(name, have) == 0;
		}
		if (!known)
			return have;
	}
	return NULL;
}

int model_open(struct model *m, const char *dir, const char *spec, char *err,
	       size_t errlen)
{
	memset(m, 0, sizeof *m);
	char *prefix;
	if (strchr(spec, '/')) {
		size_t n = strlen(spec);
		if (ends_with(spec, ".safetensors"))
			n -= strlen(".safetensors");
		else if (ends_with(spec, ".json"))
			n -= strlen(".json");
		prefix = strndup(spec, n);
	} else {
		prefix = cat(dir ? dir : ".", "/", spec);
	}
	if (!prefix)
		return fail(err, errlen, "out of memory");
	m->weights_path = cat(prefix, ".safetensors", "");
	m->config_path = cat(prefix, ".json", "");
	free(prefix);
	if (!m->weights_path || !m->config_path) {
		model_close(m);
		return fail(err, errlen, "out of memory");
	}
	if (access(m->config_path, R_OK) != 0) {
		fail(err, errlen, "%s: no such model config (model '%s'; models directory %s)",
		     m->config_path, spec, dir ? dir : ".");
		model_close(m);
		return -1;
	}
	if (model_config_load(m->config_path, &m->cfg, err, errlen) ||
	    st_open(&m->file, m->weights_path, err, errlen)) {
		model_close(m);
		return -1;
	}
	const struct model_config *c = &m->cfg;
	m->layers = calloc((size_t)c->n_layers, sizeof *m->layers);
	if (!m->layers) {
		model_close(m);
		return fail(err, errlen, "out of memory");
	}
	int nt = model_tensor_count(c), last = nt - 1;
	for (int i = 0; i < nt; i++) {
		char name[96];
		int64_t sh[2];
		int nd;
		const float *p;
		model_tensor_name(c, i, name, sizeof name, sh, &nd);
		if (st_expect(&m->file, name, nd, sh, &p, err, errlen)) {
			const char *stray = st_find(&m->file, name) ? NULL : stray_tensor(m);
			if (stray)
				fail(err, errlen, "%s: tensor '%s': missing (the config needs it); "
				     "the file has '%s', which the config does not name",
				     m->weights_path, name, stray);
			model_close(m);
			return -1;
		}
		if (i == 0) {
			m->embed = p;
			continue;
		}
		if (i == last - 1) {
			m->final_norm = p;
			continue;
		}
		if (i == last) {
			m->lm_head = p;
			continue;
		}
		struct layer_weights *L = &m->layers[(i - 1) / 9];
		const float **slots[9] = {
			&L->attn_norm, &L->wq, &L->wk, &L->wv, &L->wo,
			&L->ffn_norm, &L->w_gate, &L->w_up, &L->w_down,
		};
		*slots[(i - 1) % 9] = p;
	}
	if ((size_t)nt != m->file.n_tensors) {
		fail(err, errlen, "%s: %zu tensors where the config of '%s' needs %d",
		     m->weights_path, m->file.n_tensors, c->name, nt);
		model_close(m);
		return -1;
	}
	m->file_bytes = m->file.map_size;
	m->n_params = model_param_count(c);
	m->weight_bytes_per_token =
		(m->n_params - (uint64_t)c->vocab_size * (uint64_t)c->dim) * 4;
	return 0;
}

float model_touch(const struct model *m)
{
	const volatile unsigned char *p = m->file.map;
	unsigned acc = 0;
	long page = sysconf(_SC_PAGESIZE);
	if (page <= 0)
		page = 4096;
	for (size_t i = 0; i < m->file.map_size; i += (size_t)page)
		acc += p[i];
	return (float)acc;
}

int tokenize(const char *text, int *out, int max)
{
	int n = 0;
	if (max > 0)
		out[n++] = TOK_BOS;
	for (const unsigned char *p = (const unsigned char *)text; *p && n < max; p++)
		out[n++] = *p;
	return n;
}
