/* gen_model: writes a seeded model of a named size for the inference suite.
 *
 *     gen_model [--seed N] NAME OUTDIR      writes OUTDIR/NAME.safetensors
 *                                           and OUTDIR/NAME.json
 *     gen_model [--seed N] --dump NAME TENSOR INDEX...
 *                                           prints the values the file holds
 *                                           at those flat indices (%.9g),
 *                                           one a line, writing nothing
 *
 * NAME is tiny (~1M parameters), small (~15M) or base (~100M) (model.c,
 * model_preset). Every tensor has its own generator, seeded from N
 * (default 42) and the tensor's position in the file, so --dump needs
 * only that tensor. Values: uniform with standard deviation 1/sqrt(in)
 * for the projections, 1 for the embedding, 1 + U(-0.1, 0.1) for the norm
 * weights and HEAD_SCALE/sqrt(dim) for the output head, which makes the
 * logits' spread about HEAD_SCALE: the next-token distributions are peaked,
 * so greedy tokens of two implementations can be compared. The files are
 * written to a temporary name and renamed into place.
 *
 * Exit status 0, 2 for usage errors, 3 when writing fails.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

#define HEAD_SCALE 6.0

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [-1, 1). */
static double unif(uint64_t *s)
{
	return (double)(splitmix(s) >> 11) * (2.0 / 9007199254740992.0) - 1.0;
}

/* The values of tensor i (count floats) into out. */
static void gen_tensor(const struct model_config *c, uint64_t seed, int i,
		       float *out, size_t count)
{
	char name[96];
	int64_t sh[2];
	int nd;
	model_tensor_name(c, i, name, sizeof name, sh, &nd);
	uint64_t s = seed ^ ((uint64_t)(i + 1) * 0xd1b54a32d192ed03ull);
	splitmix(&s);
	int last = model_tensor_count(c) - 1;
	double std;
	if (nd == 1) {
		for (size_t k = 0; k < count; k++)
			out[k] = (float)(1.0 + 0.1 * unif(&s));
		return;
	}
	if (i == 0)
		std = 1.0;
	else if (i == last)
		std = HEAD_SCALE / sqrt((double)c->dim);
	else
		std = 1.0 / sqrt((double)sh[1]);
	double a = std * sqrt(3.0);
	for (size_t k = 0; k < count; k++)
		out[k] = (float)(a * unif(&s));
}

static size_t tensor_count(const struct model_config *c, int i)
{
	char name[96];
	int64_t sh[2];
	int nd;
	model_tensor_name(c, i, name, sizeof name, sh, &nd);
	return (size_t)sh[0] * (size_t)(nd == 2 ? sh[1] : 1);
}

static void put_le32(unsigned char *p, const float *v, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		uint32_t u;
		memcpy(&u, &v[k], 4);
		p[4 * k] = (unsigned char)u;
		p[4 * k + 1] = (unsigned char)(u >> 8);
		p[4 * k + 2] = (unsigned char)(u >> 16);
		p[4 * k + 3] = (unsigned char)(u >> 24);
	}
}

/* Closes *f (set to NULL) and renames tmp to path: 0, or -1 with errno. */
static int commit(FILE **f, const char *tmp, const char *path)
{
	int rc = fclose(*f);
	*f = NULL;
	return rc != 0 ? -1 : rename(tmp, path);
}

static int usage(void)
{
	fprintf(stderr, "usage: gen_model [--seed N] NAME OUTDIR\n"
			"       gen_model [--seed N] --dump NAME TENSOR INDEX...\n"
			"NAME: tiny, small or base\n");
	return 2;
}

static int dump(const struct model_config *c, uint64_t seed, const char *tname,
		char **idx, int n)
{
	for (int i = 0; i < model_tensor_count(c); i++) {
		char name[96];
		int64_t sh[2];
		int nd;
		model_tensor_name(c, i, name, sizeof name, sh, &nd);
		if (strcmp(name, tname) != 0)
			continue;
		size_t count = tensor_count(c, i);
		float *v = malloc(count * sizeof *v);
		if (!v)
			return 3;
		gen_tensor(c, seed, i, v, count);
		for (int k = 0; k < n; k++) {
			char *e;
			unsigned long long at = strtoull(idx[k], &e, 10);
			if (*e || at >= count) {
				fprintf(stderr, "gen_model: index '%s' out of range for %s (%zu values)\n",
					idx[k], tname, count);
				free(v);
				return 2;
			}
			printf("%.9g\n", (double)v[at]);
		}
		free(v);
		return 0;
	}
	fprintf(stderr, "gen_model: no tensor '%s' in model '%s'\n", tname, c->name);
	return 2;
}

static int write_model(const struct model_config *c, uint64_t seed,
		       const char *dir)
{
	int nt = model_tensor_count(c);
	size_t hcap = 256 + (size_t)nt * 160, hl = 0;
	char *h = malloc(hcap);
	char path[4096], tmp[4200];
	if (!h)
		return 3;
	hl += (size_t)snprintf(h + hl, hcap - hl,
			       "{\"__metadata__\":{\"format\":\"pt\",\"generator\":"
			       "\"benchtrack gen_model\",\"model\":\"%s\",\"seed\":\"%" PRIu64 "\"}",
			       c->name, seed);
	uint64_t off = 0;
	size_t maxcount = 0;
	for (int i = 0; i < nt; i++) {
		char name[96];
		int64_t sh[2];
		int nd;
		model_tensor_name(c, i, name, sizeof name, sh, &nd);
		size_t count = tensor_count(c, i);
		if (count > maxcount)
			maxcount = count;
		if (nd == 2)
			hl += (size_t)snprintf(h + hl, hcap - hl,
					       ",\"%s\":{\"dtype\":\"F32\",\"shape\":[%" PRId64 ",%" PRId64
					       "],\"data_offsets\":[%" PRIu64 ",%" PRIu64 "]}",
					       name, sh[0], sh[1], off, off + count * 4);
		else
			hl += (size_t)snprintf(h + hl, hcap - hl,
					       ",\"%s\":{\"dtype\":\"F32\",\"shape\":[%" PRId64
					       "],\"data_offsets\":[%" PRIu64 ",%" PRIu64 "]}",
					       name, sh[0], off, off + count * 4);
		off += count * 4;
	}
	hl += (size_t)snprintf(h + hl, hcap - hl, "}");
	while (hl % 8)
		h[hl++] = ' ';
	snprintf(path, sizeof path, "%s/%s.safetensors", dir, c->name);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "wb");
	float *v = malloc(maxcount * sizeof *v);
	unsigned char *b = malloc(maxcount * 4);
	int rc = 3;
	if (!f || !v || !b) {
		fprintf(stderr, "gen_model: %s: %s\n", tmp, strerror(errno));
		goto out;
	}
	unsigned char len[8];
	for (int k = 0; k < 8; k++)
		len[k] = (unsigned char)((uint64_t)hl >> (8 * k));
	if (fwrite(len, 1, 8, f) != 8 || fwrite(h, 1, hl, f) != hl)
		goto werr;
	for (int i = 0; i < nt; i++) {
		size_t count = tensor_count(c, i);
		gen_tensor(c, seed, i, v, count);
		put_le32(b, v, count);
		if (fwrite(b, 4, count, f) != count)
			goto werr;
	}
	if (commit(&f, tmp, path) != 0)
		goto werr;
	snprintf(path, sizeof path, "%s/%s.json", dir, c->name);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		goto werr;
	fprintf(f,
		"{\n  \"name\": \"%s\",\n  \"architecture\": \"llama\",\n"
		"  \"weights\": \"%s.safetensors\",\n  \"dim\": %d,\n  \"n_layers\": %d,\n"
		"  \"n_heads\": %d,\n  \"ffn_dim\": %d,\n  \"vocab_size\": %d,\n"
		"  \"max_seq_len\": %d,\n  \"rope_theta\": %.1f,\n  \"norm_eps\": %g,\n"
		"  \"params\": %" PRIu64 ",\n  \"seed\": %" PRIu64 "\n}\n",
		c->name, c->name, c->dim, c->n_layers, c->n_heads, c->ffn_dim,
		c->vocab_size, c->max_seq_len, c->rope_theta, c->norm_eps,
		model_param_count(c), seed);
	if (commit(&f, tmp, path) != 0)
		goto werr;
	rc = 0;
	goto out;
werr:
	fprintf(stderr, "gen_model: %s: %s\n", tmp, strerror(errno));
out:
	if (f)
		fclose(f);
	free(h);
	free(v);
	free(b);
	return rc;
}

int main(int argc, char **argv)
{
	uint64_t seed = 42;
	int a = 1, dumping = 0;
	while (a < argc && argv[a][0] == '-') {
		if (strcmp(argv[a], "--seed") == 0 && a + 1 < argc) {
			char *e;
			seed = strtoull(argv[a + 1], &e, 10);
			if (*e || !argv[a + 1][0])
				return usage();
			a += 2;
		} else if (strcmp(argv[a], "--dump") == 0) {
			dumping = 1;
			a++;
		} else {
			return usage();
		}
	}
	if (argc - a < (dumping ? 3 : 2) || (!dumping && argc - a != 2))
		return usage();
	struct model_config c;
	if (model_preset(argv[a], &c) != 0) {
		fprintf(stderr, "gen_model: unknown model size '%s' (tiny, small or base)\n",
			argv[a]);
		return 2;
	}
	if (dumping)
		return dump(&c, seed, argv[a + 1], argv + a + 2, argc - a - 2);
	return write_model(&c, seed, argv[a + 1]);
}
