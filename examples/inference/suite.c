/* The inference suite (examples/inference/README.md): a llama-style model
 * in three implementations (eager, compiled, kernelized), measured the way
 * model benchmarks are: load time, time to first token and decode speed,
 * batch throughput, memory, and accuracy against a double-precision
 * reference, with the machine's memory bandwidth beside decode speed.
 *
 * Every kind of benchmark has one benchmark per implementation, named
 * KIND.VARIANT, in group inference.KIND, so the table compares the
 * variants (speedups over eager) and filters select by kind or variant:
 * `--filter '^generate\.'`, `--filter '\.kernelized/'`.
 *
 * Models: the param `model` names NAME.json + NAME.safetensors in the
 * models directory (--models DIR, else $BT_MODELS_DIR, else the build's
 * generated models, INFER_MODELS_DIR), or is a path to them. A model that does not load
 * fails its case with the reader's message (file, tensor, what is wrong);
 * the other cases go on.
 */
#include <benchtrack.h>

#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "model.h"

#ifndef INFER_MODELS_DIR
#define INFER_MODELS_DIR "models"
#endif

/* Accuracy: normwise relative tolerance of the logits (max |got - want| /
 * max |want| over a prompt's positions), and continuation length. */
#define ACC_TOL 1e-4
#define ACC_NEW 8

#define MODELS "model=tiny,small"

static const char *const PROMPTS[] = {
	"The quick brown fox",
	"Once upon a time",
	"int main(void)",
	"1 + 1 = 2",
};
#define N_PROMPTS (sizeof PROMPTS / sizeof PROMPTS[0])

static const char TEXT[] =
	"In the beginning the model read its weights from the disk, and the "
	"weights were many and the bandwidth was finite. Every token it wrote "
	"asked for all of them again, layer after layer, so the speed of its "
	"writing was the speed of the memory divided by the size of the model. ";

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* --models DIR, else $BT_MODELS_DIR, else the build's models. */
static const char *models_dir(bt_state *s)
{
	const char *d = bt_models_dir(s);
	if (d && *d)
		return d;
	d = getenv("BT_MODELS_DIR");
	return d && *d ? d : INFER_MODELS_DIR;
}

/* Opens the case's model; 0, or -1 after failing the case. */
static int open_model(bt_state *s, struct model *m)
{
	char err[1024];
	if (model_open(m, models_dir(s), bt_param_str(s, "model"), err, sizeof err)) {
		bt_fail(s, "%s", err);
		return -1;
	}
	bt_counter(s, "params", (double)m->n_params);
	bt_counter(s, "threads", kernelized_threads());
	bt_counter(s, "avx2", strcmp(kernelized_isa(), "avx2+fma") == 0);
	bt_counter(s, "weight_bytes_per_token", (double)m->weight_bytes_per_token);
	return 0;
}

/* A prompt of n tokens: BOS, then TEXT repeated, starting at offset. */
static void make_prompt(int *tok, int n, size_t offset)
{
	size_t len = sizeof TEXT - 1;
	for (int i = 0; i < n; i++)
		tok[i] = i == 0 ? TOK_BOS : (unsigned char)TEXT[(offset + (size_t)i) % len];
}

static int argmax(const float *v, int n)
{
	int b = 0;
	for (int i = 1; i < n; i++)
		if (v[i] > v[b])
			b = i;
	return b;
}

/* --- memory bandwidth: a STREAM-like copy -------------------------------- */
struct copy_job {
	float *a, *c;
	size_t n;
	int tid, nth;
};

static void *copy_part(void *v)
{
	struct copy_job *j = v;
	size_t per = (j->n + (size_t)j->nth - 1) / (size_t)j->nth;
	size_t b = per * (size_t)j->tid, e = b + per < j->n ? b + per : j->n;
	float *restrict c = j->c;
	const float *restrict a = j->a;
	for (size_t i = b; i < e; i++)
		c[i] = a[i];
	return NULL;
}

/* One copy of n floats by nth threads; seconds. */
static double copy_once(float *a, float *c, size_t n, int nth)
{
	pthread_t th[64];
	struct copy_job jobs[64];
	double t0 = now();
	int started = 1;
	for (int t = 0; t < nth; t++)
		jobs[t] = (struct copy_job){ a, c, n, t, nth };
	for (int t = 1; t < nth; t++)
		if (pthread_create(&th[t], NULL, copy_part, &jobs[t]) == 0)
			started++;
		else
			copy_part(&jobs[t]);
	copy_part(&jobs[0]);
	for (int t = 1; t < started; t++)
		pthread_join(th[t], NULL);
	return now() - t0;
}

#define STREAM_FLOATS (32u << 20) /* 128 MiB per array, 4x the L3 here */

/* Best copy bandwidth (bytes read + written per second, STREAM's count)
 * over reps copies with the kernelized thread count; 0 on no memory. */
static double stream_bandwidth(int reps)
{
	size_t n = STREAM_FLOATS;
	float *a = malloc(n * sizeof *a), *c = malloc(n * sizeof *c);
	double best = 0;
	if (a && c) {
		for (size_t i = 0; i < n; i++)
			a[i] = (float)i, c[i] = 0;
		int nth = kernelized_threads();
		for (int r = 0; r < reps; r++) {
			double t = copy_once(a, c, n, nth);
			double bw = 2.0 * (double)n * sizeof(float) / t;
			if (bw > best)
				best = bw;
		}
	}
	free(a);
	free(c);
	return best;
}

/* stream_bandwidth in a child process, so that its 256 MiB of arrays do
 * not count in the case's peak memory; 0 when that fails. */
static double stream_bandwidth_child(int reps)
{
	int fd[2];
	double bw = 0;
	if (pipe(fd) != 0)
		return 0;
	pid_t pid = fork();
	if (pid == 0) {
		close(fd[0]);
		bw = stream_bandwidth(reps);
		_exit(write(fd[1], &bw, sizeof bw) == sizeof bw ? 0 : 1);
	}
	close(fd[1]);
	if (pid < 0 || read(fd[0], &bw, sizeof bw) != sizeof bw)
		bw = 0;
	close(fd[0]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return bw;
}

static void bm_bandwidth(bt_state *s)
{
	size_t n = STREAM_FLOATS;
	float *a = malloc(n * sizeof *a), *c = malloc(n * sizeof *c);
	if (!a || !c) {
		free(a);
		free(c);
		bt_oom(s);
		return;
	}
	for (size_t i = 0; i < n; i++)
		a[i] = (float)i, c[i] = 0;
	int nth = kernelized_threads();
	bt_counter(s, "threads", nth);
	while (bt_loop(s)) {
		copy_once(a, c, n, nth);
		bt_do_not_optimize(c);
	}
	bt_set_bytes(s, 2.0 * (double)n * sizeof(float));
	free(a);
	free(c);
}
BT_BENCH(bm_bandwidth, .name = "bandwidth", .group = "inference.bandwidth",
	 .type = "inference");

/* --- load ------------------------------------------------------------------ */

/* Drops path from the page cache; returns the fraction of its pages still
 * resident afterwards (mincore), or -1 when that cannot be told. */
static double drop_cache(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	fdatasync(fd);
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	off_t size = lseek(fd, 0, SEEK_END);
	double frac = -1;
	long page = sysconf(_SC_PAGESIZE);
	if (size > 0 && page > 0) {
		void *map = mmap(NULL, (size_t)size, PROT_READ, MAP_SHARED, fd, 0);
		size_t np = ((size_t)size + (size_t)page - 1) / (size_t)page;
		unsigned char *vec = malloc(np);
		if (map != MAP_FAILED && vec && mincore(map, (size_t)size, vec) == 0) {
			size_t in = 0;
			for (size_t i = 0; i < np; i++)
				in += vec[i] & 1;
			frac = (double)in / (double)np;
		}
		free(vec);
		if (map != MAP_FAILED)
			munmap(map, (size_t)size);
	}
	close(fd);
	return frac;
}

static void run_load(bt_state *s, const struct variant *v)
{
	struct model m;
	const char *cache = bt_param_str(s, "cache");
	int cold = cache && strcmp(cache, "cold") == 0;
	if (!cache || (!cold && strcmp(cache, "warm") != 0)) {
		bt_fail(s, "cache must be cold or warm, not '%s'", cache ? cache : "");
		return;
	}
	if (open_model(s, &m))
		return;
	char *path = strdup(m.weights_path);
	double bytes = (double)m.file_bytes;
	model_close(&m);
	if (!path) {
		bt_oom(s);
		return;
	}
	if (cold)
		bt_counter(s, "resident_after_drop", drop_cache(path));
	float sink = 0;
	char err[1024];
	while (bt_loop(s)) {
		if (cold) {
			bt_pause(s);
			drop_cache(path);
			bt_resume(s);
		}
		if (model_open(&m, models_dir(s), path, err, sizeof err)) {
			bt_fail(s, "%s", err);
			break;
		}
		sink += model_touch(&m);
		void *ctx = v->create(&m, 1, 256);
		bt_pause(s);
		if (!ctx) {
			model_close(&m);
			bt_oom(s);
			break;
		}
		v->destroy(ctx);
		model_close(&m);
		bt_resume(s);
	}
	bt_do_not_optimize(&sink);
	bt_set_bytes(s, bytes);
	free(path);
}

/* --- generate -------------------------------------------------------------- */

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void run_generate(bt_state *s, const struct variant *v)
{
	struct model m;
	if (open_model(s, &m))
		return;
	int P = (int)bt_param_int(s, "prompt_len");
	int N = (int)bt_param_int(s, "new_tokens");
	if (P < 1 || N < 2 || P + N > m.cfg.max_seq_len) {
		model_close(&m);
		bt_skip(s, "prompt_len + new_tokens beyond the model's max_seq_len (or new_tokens < 2)");
		return;
	}
	int *tok = malloc((size_t)(P + N) * sizeof *tok);
	int *pos = malloc((size_t)(P + N) * sizeof *pos);
	int *slot = calloc((size_t)(P + N), sizeof *slot);
	float *logits = malloc((size_t)m.cfg.vocab_size * sizeof *logits);
	double *tps = malloc(4096 * sizeof *tps);
	void *ctx = tok && pos && slot && logits && tps ? v->create(&m, 1, P + N) : NULL;
	if (!ctx) {
		free(tok), free(pos), free(slot), free(logits), free(tps);
		model_close(&m);
		bt_oom(s);
		return;
	}
	make_prompt(tok, P, 0);
	for (int i = 0; i < P + N; i++)
		pos[i] = i;
	bt_set_memory(s, (int64_t)(v->kv_bytes(ctx) + v->work_bytes(ctx)));
	int n_tps = 0, failed = 0;
	while (bt_loop(s)) {
		double t0 = now();
		if (v->forward(ctx, P, slot, tok, pos, logits, LOGITS_LAST)) {
			failed = 1;
			break;
		}
		int next = argmax(logits, m.cfg.vocab_size);
		double t1 = now();
		for (int i = 1; i < N && !failed; i++) {
			tok[P + i - 1] = next;
			failed = v->forward(ctx, 1, slot, &tok[P + i - 1], &pos[P + i - 1],
					    logits, LOGITS_LAST);
			next = argmax(logits, m.cfg.vocab_size);
		}
		double t2 = now();
		if (failed)
			break;
		bt_metric(s, "ttft", t1 - t0, "s");
		bt_metric(s, "inter_token_latency", (t2 - t1) / (N - 1), "s");
		bt_metric(s, "decode_tokens_per_s", (N - 1) / (t2 - t1), "tokens/s");
		bt_metric(s, "e2e_latency", t2 - t0, "s");
		if (n_tps < 4096)
			tps[n_tps++] = (N - 1) / (t2 - t1);
	}
	size_t kv = v->kv_bytes(ctx);
	v->destroy(ctx);
	if (failed) {
		bt_oom(s);
	} else {
		bt_set_items(s, N, "tokens");
		/* The roofline: decode reads every weight but the embedding
		 * once a token, so it cannot beat bandwidth / those bytes. */
		double bw = stream_bandwidth_child(5);
		double roof = bw / (double)m.weight_bytes_per_token;
		qsort(tps + 1, n_tps > 1 ? (size_t)n_tps - 1 : 0, sizeof *tps, cmp_d);
		double med = n_tps > 1 ? tps[1 + (n_tps - 1) / 2] : n_tps ? tps[0] : 0;
		bt_counter(s, "stream_copy_bytes_per_s", bw);
		bt_counter(s, "roofline_tokens_per_s", roof);
		bt_counter(s, "roofline_fraction", roof > 0 ? med / roof : 0);
		bt_counter(s, "kv_cache_bytes", (double)kv);
	}
	free(tok), free(pos), free(slot), free(logits), free(tps);
	model_close(&m);
}

/* --- batch ----------------------------------------------------------------- */

static void run_batch(bt_state *s, const struct variant *v)
{
	struct model m;
	if (open_model(s, &m))
		return;
	int B = (int)bt_param_int(s, "batch");
	int P = (int)bt_param_int(s, "prompt_len");
	int steps = (int)bt_param_int(s, "steps");
	int V = m.cfg.vocab_size;
	if (B < 1 || P < 1 || steps < 1 || P + steps > m.cfg.max_seq_len) {
		model_close(&m);
		bt_skip(s, "batch, prompt_len or steps out of range for the model");
		return;
	}
	int *prompt = malloc((size_t)P * sizeof *prompt);
	int *pp = malloc((size_t)P * sizeof *pp);
	int *zero = calloc((size_t)P, sizeof *zero);
	int *slots = malloc((size_t)B * sizeof *slots);
	int *tok = malloc((size_t)B * sizeof *tok);
	int *pos = malloc((size_t)B * sizeof *pos);
	float *logits = malloc((size_t)B * V * sizeof *logits);
	void *ctx = NULL;
	if (prompt && pp && zero && slots && tok && pos && logits)
		ctx = v->create(&m, B, P + steps);
	int ok = ctx != NULL;
	for (int b = 0; ok && b < B; b++) {
		/* every sequence its own prompt, prefilled untimed */
		make_prompt(prompt, P, (size_t)b * 7);
		for (int i = 0; i < P; i++)
			pp[i] = i, zero[i] = b;
		ok = v->forward(ctx, P, zero, prompt, pp, logits, LOGITS_LAST) == 0;
		slots[b] = b;
		tok[b] = argmax(logits, V);
	}
	if (ok) {
		bt_set_memory(s, (int64_t)(v->kv_bytes(ctx) + v->work_bytes(ctx)));
		bt_counter(s, "kv_cache_bytes", (double)v->kv_bytes(ctx));
	}
	while (ok && bt_loop(s)) {
		for (int i = 0; i < steps && ok; i++) {
			for (int b = 0; b < B; b++)
				pos[b] = P + i;
			ok = v->forward(ctx, B, slots, tok, pos, logits, LOGITS_ALL) == 0;
			for (int b = 0; b < B; b++)
				tok[b] = argmax(logits + (size_t)b * V, V);
		}
	}
	if (!ok)
		bt_oom(s);
	else
		bt_set_items(s, (double)B * steps, "tokens");
	if (ctx)
		v->destroy(ctx);
	free(prompt), free(pp), free(zero), free(slots), free(tok), free(pos);
	free(logits);
	model_close(&m);
}

/* --- memory ----------------------------------------------------------------
 * The prompt is prefilled once, untimed (that is when memory peaks: the KV
 * cache full, the prefill's activations); the loop then times one decode
 * step at that context length. The peak RSS is the result's
 * peak_memory_bytes (benchtrack measures it per case). */

static void run_memory(bt_state *s, const struct variant *v)
{
	struct model m;
	if (open_model(s, &m))
		return;
	int P = (int)bt_param_int(s, "prompt_len");
	if (P < 1 || P + 1 > m.cfg.max_seq_len) {
		model_close(&m);
		bt_skip(s, "prompt_len beyond the model's max_seq_len");
		return;
	}
	int *tok = malloc((size_t)(P + 1) * sizeof *tok);
	int *pos = malloc((size_t)(P + 1) * sizeof *pos);
	int *slot = calloc((size_t)(P + 1), sizeof *slot);
	float *logits = malloc((size_t)m.cfg.vocab_size * sizeof *logits);
	void *ctx = tok && pos && slot && logits ? v->create(&m, 1, P + 1) : NULL;
	int ok = ctx != NULL;
	if (ok) {
		make_prompt(tok, P, 0);
		for (int i = 0; i <= P; i++)
			pos[i] = i;
		ok = v->forward(ctx, P, slot, tok, pos, logits, LOGITS_LAST) == 0;
		tok[P] = argmax(logits, m.cfg.vocab_size);
	}
	while (ok && bt_loop(s))
		ok = v->forward(ctx, 1, slot, &tok[P], &pos[P], logits, LOGITS_LAST) == 0;
	if (!ok) {
		bt_oom(s);
	} else {
		size_t kv = v->kv_bytes(ctx), work = v->work_bytes(ctx);
		bt_set_memory(s, (int64_t)(kv + work));
		bt_counter(s, "kv_cache_bytes", (double)kv);
		bt_counter(s, "work_bytes", (double)work);
		bt_counter(s, "weight_file_bytes", (double)m.file_bytes);
		bt_set_items(s, 1, "tokens");
	}
	if (ctx)
		v->destroy(ctx);
	free(tok), free(pos), free(slot), free(logits);
	model_close(&m);
}

/* --- accuracy -------------------------------------------------------------- */

/* The reference's view of one prompt: the tokens (prompt, then its greedy
 * continuation but the last), and its logits at every position. */
struct ref_seq {
	int n, prompt_len;
	int tok[64 + ACC_NEW];
	int next[64 + ACC_NEW];  /* the token that follows each position */
	double *logits;          /* n * V */
};

static int ref_run(const struct model *m, struct ref_seq *rs, size_t np)
{
	int V = m->cfg.vocab_size;
	struct ref *r = ref_create(m, 64 + ACC_NEW);
	if (!r)
		return -1;
	for (size_t p = 0; p < np; p++) {
		struct ref_seq *q = &rs[p];
		q->prompt_len = tokenize(PROMPTS[p], q->tok, 64);
		q->n = q->prompt_len + ACC_NEW - 1;
		q->logits = malloc((size_t)q->n * V * sizeof(double));
		if (!q->logits) {
			ref_destroy(r);
			return -1;
		}
		for (int i = 0; i < q->n; i++) {
			double *lg = q->logits + (size_t)i * V;
			ref_forward(r, q->tok[i], i, lg);
			int b = 0;
			for (int k = 1; k < V; k++)
				if (lg[k] > lg[b])
					b = k;
			if (i + 1 >= q->prompt_len && i + 1 < q->n)
				q->tok[i + 1] = b;
			q->next[i] = i + 1 < q->n ? q->tok[i + 1] : b;
		}
	}
	ref_destroy(r);
	return 0;
}

/* log softmax(lg)[k] in double. */
static double log_prob(const double *lg, int V, int k)
{
	double mx = lg[0], sum = 0;
	for (int i = 1; i < V; i++)
		mx = lg[i] > mx ? lg[i] : mx;
	for (int i = 0; i < V; i++)
		sum += exp(lg[i] - mx);
	return lg[k] - mx - log(sum);
}

static void run_accuracy(bt_state *s, const struct variant *v)
{
	struct model m;
	if (open_model(s, &m))
		return;
	int V = m.cfg.vocab_size;
	struct ref_seq rs[N_PROMPTS];
	float *got[N_PROMPTS] = { 0 };
	int pos[64 + ACC_NEW], slot[64 + ACC_NEW] = { 0 }, total = 0;
	memset(rs, 0, sizeof rs);
	for (int i = 0; i < 64 + ACC_NEW; i++)
		pos[i] = i;
	void *ctx = NULL;
	int ok = ref_run(&m, rs, N_PROMPTS) == 0;
	for (size_t p = 0; ok && p < N_PROMPTS; p++) {
		got[p] = malloc((size_t)rs[p].n * V * sizeof(float));
		ok = got[p] != NULL;
		total += rs[p].n;
	}
	if (ok)
		ctx = v->create(&m, 1, 64 + ACC_NEW);
	ok = ok && ctx;
	while (ok && bt_loop(s))
		for (size_t p = 0; ok && p < N_PROMPTS; p++)
			ok = v->forward(ctx, rs[p].n, slot, rs[p].tok, pos, got[p],
					LOGITS_ALL) == 0;
	if (!ok) {
		bt_oom(s);
		goto out;
	}
	bt_set_items(s, total, "tokens");
	/* logits: the normwise relative error over all prompts and positions */
	size_t count = (size_t)total * V, at = 0;
	float *g = malloc(count * sizeof *g);
	double *w = malloc(count * sizeof *w);
	if (!g || !w) {
		free(g), free(w);
		bt_oom(s);
		goto out;
	}
	double wmax = 0, worst = 0, *row = malloc((size_t)V * sizeof *row);
	if (!row) {
		free(g), free(w);
		bt_oom(s);
		goto out;
	}
	for (size_t p = 0; p < N_PROMPTS; p++) {
		memcpy(g + at, got[p], (size_t)rs[p].n * V * sizeof(float));
		memcpy(w + at, rs[p].logits, (size_t)rs[p].n * V * sizeof(double));
		at += (size_t)rs[p].n * V;
	}
	for (size_t i = 0; i < count; i++)
		wmax = fabs(w[i]) > wmax ? fabs(w[i]) : wmax;
	for (size_t i = 0; i < count; i++)
		worst = fabs((double)g[i] - w[i]) > worst ? fabs((double)g[i] - w[i]) : worst;
	/* greedy tokens at the continuation positions; a disagreement where the
	 * reference's top two are within the tolerance is a near tie */
	int agree = 0, checked = 0, ties = 0, wrong = 0;
	double nll = 0, nll_ref = 0;
	double tie_gap = ACC_TOL * wmax;
	for (size_t p = 0; p < N_PROMPTS; p++) {
		for (int i = rs[p].prompt_len - 1; i < rs[p].n; i++) {
			const double *lw = rs[p].logits + (size_t)i * V;
			const float *lg = got[p] + (size_t)i * V;
			int b1 = 0, b2 = -1;
			for (int k = 1; k < V; k++)
				if (lw[k] > lw[b1])
					b2 = b1, b1 = k;
				else if (b2 < 0 || lw[k] > lw[b2])
					b2 = k;
			int mine = argmax(lg, V);
			checked++;
			if (mine == rs[p].next[i])
				agree++;
			else if (lw[b1] - lw[b2] < tie_gap)
				ties++;
			else
				wrong++;
			for (int k = 0; k < V; k++)
				row[k] = lg[k];
			nll -= log_prob(row, V, rs[p].next[i]);
			nll_ref -= log_prob(lw, V, rs[p].next[i]);
		}
	}
	bt_check_close_f(s, g, w, count, ACC_TOL);
	bt_counter(s, "max_rel_err", wmax > 0 ? worst / wmax : worst);
	bt_counter(s, "tolerance", ACC_TOL);
	bt_counter(s, "greedy_agreement_pct", 100.0 * agree / (checked ? checked : 1));
	bt_counter(s, "greedy_checked", checked);
	bt_counter(s, "near_ties", ties);
	bt_counter(s, "perplexity", exp(nll / (checked ? checked : 1)));
	bt_counter(s, "perplexity_reference", exp(nll_ref / (checked ? checked : 1)));
	if (wrong)
		bt_fail(s, "greedy token differs from the reference at %d of %d positions "
			   "where its top two logits are further apart than the tolerance",
			wrong, checked);
	free(g);
	free(w);
	free(row);
out:
	for (size_t p = 0; p < N_PROMPTS; p++) {
		free(rs[p].logits);
		free(got[p]);
	}
	if (ctx)
		v->destroy(ctx);
	model_close(&m);
}

/* --- the benchmarks, one per kind and implementation ----------------------- */

#define LOAD_PARAMS MODELS ";cache=cold,warm"
#define GEN_PARAMS MODELS ";prompt_len=32..2048*2;new_tokens=32"
#define BATCH_PARAMS MODELS ";batch=1..32*2;prompt_len=64;steps=8"
#define MEM_PARAMS MODELS ";prompt_len=32..2048*2"

#define KINDS(V)                                                              \
	static void bm_load_##V(bt_state *s) { run_load(s, &variant_##V); }   \
	BT_BENCH(bm_load_##V, .name = "load." #V, .group = "inference.load",  \
		 .type = "inference", .params = LOAD_PARAMS);                 \
	static void bm_generate_##V(bt_state *s)                              \
	{                                                                     \
		run_generate(s, &variant_##V);                                \
	}                                                                     \
	BT_BENCH(bm_generate_##V, .name = "generate." #V,                     \
		 .group = "inference.generate", .type = "inference",          \
		 .params = GEN_PARAMS, .unit = "tokens", .max_time = 30);                     \
	static void bm_batch_##V(bt_state *s) { run_batch(s, &variant_##V); } \
	BT_BENCH(bm_batch_##V, .name = "batch." #V, .group = "inference.batch", \
		 .type = "inference", .params = BATCH_PARAMS,                 \
		 .adaptive = "batch", .unit = "tokens", .max_time = 30);                      \
	static void bm_memory_##V(bt_state *s) { run_memory(s, &variant_##V); } \
	BT_BENCH(bm_memory_##V, .name = "memory." #V,                         \
		 .group = "inference.memory", .type = "inference",            \
		 .params = MEM_PARAMS, .unit = "tokens", .max_time = 30);                     \
	static void bm_accuracy_##V(bt_state *s)                              \
	{                                                                     \
		run_accuracy(s, &variant_##V);                                \
	}                                                                     \
	BT_BENCH(bm_accuracy_##V, .name = "accuracy." #V,                     \
		 .group = "inference.accuracy", .type = "inference",          \
		 .params = MODELS, .unit = "tokens")

KINDS(eager);
KINDS(compiled);
KINDS(kernelized);

/* The seed's predefined suites (--suite-preset NAME; --list shows them). */
BT_PRESET(performance,
	  .description = "speed: load, generate and memory at prompts 128 and "
			 "1024, batch 1 and 16 at prompt 128",
	  .exclude = "^accuracy\\.|^batch\\..*/prompt_len=1024/",
	  .params = "prompt_len=128,1024;batch=1,16");
BT_PRESET(accuracy, .description = "agreement with the double-precision reference",
	  .filter = "^accuracy\\.");
BT_PRESET(full, .description = "every benchmark over its whole range");

BT_MAIN()
