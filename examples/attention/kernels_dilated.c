/* Dilated attention, LongNet style. Contract in attention.h.
 *
 * Per head h and pair p = (segment w', rate r), offset o = h mod r, every
 * segment [s, min(s + w', N)) selects its positions s + o, s + o + r, ...
 * (the pattern). Those rows of q, k, v are gathered into dense buffers,
 * attended to each other with the tiled online-softmax tile code (which
 * also gives each row's log2 softmax denominator lse), and scattered back:
 * out keeps, per row, the combination sum_p 2^(lse_p - M) O_p with its
 * running max M and weight sum L, rescaled like an online softmax when a
 * pair brings a larger lse; out = that / L at the end of the head.
 *
 * Pattern cache layout: for pair p and offset o, the indices of all
 * segments one after the other at patterns + pat_off[p * R + o] (R =
 * the largest rate); a full segment holds cnt(w', o) = ceil((w' - o) / r)
 * of them, so segment s starts s * cnt(w', o) in.
 *
 * Scratch of one segment of n selected positions, segment_floats(n, D)
 * floats laid out for that n: qg, vg, og, kg [n][D] | kt packed | work |
 * lse [n] | idx [n] (ints in float slots, used without the pattern
 * cache). The pool holds one for the largest n of any pair, after the
 * per-call combine state M, L [N].
 */
#include "attention.h"

#include <math.h>
#include <stdlib.h>

void attn_dilated_default(struct attn_dilated_cfg *cfg)
{
	static const int seg[] = {512, 1024, 2048}, rate[] = {1, 2, 4};
	memset(cfg, 0, sizeof *cfg);
	cfg->npairs = 3;
	for (int p = 0; p < 3; p++) {
		cfg->segment[p] = seg[p];
		cfg->rate[p] = rate[p];
	}
}

static int max_rate(const struct attn_dilated_cfg *cfg)
{
	int r = 1;
	for (int p = 0; p < cfg->npairs; p++)
		if (cfg->rate[p] > r)
			r = cfg->rate[p];
	return r;
}

/* Positions of offset o in a segment of len tokens at rate r. */
static int sel_count(int len, int o, int r)
{
	return len > o ? (len - o + r - 1) / r : 0;
}

static int max_selected(const struct attn_dilated_plan *pl)
{
	int nmax = 1;
	for (int p = 0; p < pl->cfg.npairs; p++) {
		int n = sel_count(pl->cfg.segment[p], 0, pl->cfg.rate[p]);
		if (n > nmax)
			nmax = n;
	}
	return nmax;
}

static size_t segment_floats(int nmax, int D)
{
	return (size_t)nmax * D * 4 + attn__kt_floats(nmax, D) +
	       attn__work_floats(D) + 2 * (size_t)nmax;
}

static size_t call_floats(const struct attn_shape *sh)
{
	return 2 * (size_t)sh->seq_len;
}

size_t attn_dilated_scratch_bytes(const struct attn_dilated_plan *plan)
{
	return (segment_floats(max_selected(plan), plan->sh.head_dim) +
		call_floats(&plan->sh)) * sizeof(float);
}

size_t attn_dilated_plan_bytes(const struct attn_dilated_plan *plan)
{
	return plan->bytes;
}

void attn_dilated_release(struct attn_dilated_plan *plan)
{
	free(plan->patterns);
	free(plan->pat_off);
	free(plan->pool);
	memset(plan, 0, sizeof *plan);
}

/* Writes the pattern of pair (w, r), offset o, over the whole sequence. */
static int fill_pattern(int N, int w, int r, int o, int *dst)
{
	int n = 0;
	for (int s = 0; s < N; s += w) {
		int end = s + w < N ? s + w : N;
		for (int j = s + o; j < end; j += r)
			dst[n++] = j;
	}
	return n;
}

int attn_dilated_init(struct attn_dilated_plan *plan,
		      const struct attn_shape *sh,
		      const struct attn_dilated_cfg *cfg, unsigned flags)
{
	memset(plan, 0, sizeof *plan);
	if (!attn_shape_ok(sh) || cfg->npairs < 1 ||
	    cfg->npairs > ATTN_DILATED_MAX_PAIRS)
		return -1;
	for (int p = 0; p < cfg->npairs; p++)
		if (cfg->segment[p] < 1 || cfg->rate[p] < 1 ||
		    cfg->rate[p] > cfg->segment[p])
			return -1;
	plan->sh = *sh;
	plan->cfg = *cfg;
	plan->flags = flags;
	/* Segments longer than the sequence are the whole sequence. */
	for (int p = 0; p < cfg->npairs; p++)
		if (plan->cfg.segment[p] > sh->seq_len)
			plan->cfg.segment[p] = sh->seq_len;

	if (flags & ATTN_PATTERN_CACHE) {
		int R = max_rate(&plan->cfg), N = sh->seq_len;
		size_t total = 0, nslots = (size_t)cfg->npairs * R;
		plan->pat_off = malloc((nslots + 1) * sizeof *plan->pat_off);
		if (!plan->pat_off)
			goto oom;
		for (int p = 0; p < cfg->npairs; p++)
			for (int o = 0; o < R; o++) {
				plan->pat_off[(size_t)p * R + o] = total;
				if (o < plan->cfg.rate[p])
					total += (size_t)N / plan->cfg.rate[p] + 1 +
						 (size_t)N / plan->cfg.segment[p] + 1;
			}
		plan->pat_off[nslots] = total;
		plan->patterns = malloc((total ? total : 1) * sizeof *plan->patterns);
		if (!plan->patterns)
			goto oom;
		for (int p = 0; p < cfg->npairs; p++)
			for (int o = 0; o < plan->cfg.rate[p]; o++)
				fill_pattern(N, plan->cfg.segment[p],
					     plan->cfg.rate[p], o,
					     plan->patterns +
						     plan->pat_off[(size_t)p * R + o]);
		plan->bytes += total * sizeof *plan->patterns +
			       (nslots + 1) * sizeof *plan->pat_off;
	}
	if (flags & ATTN_MEMORY_POOL) {
		plan->pool_floats =
			segment_floats(max_selected(plan), sh->head_dim) +
			call_floats(sh);
		plan->pool = malloc(plan->pool_floats * sizeof *plan->pool);
		if (!plan->pool)
			goto oom;
		memset(plan->pool, 0, plan->pool_floats * sizeof *plan->pool);
		plan->bytes += plan->pool_floats * sizeof *plan->pool;
	}
	return 0;
oom:
	attn_dilated_release(plan);
	return -2;
}

/* Attends one segment's selected positions idx[0..n-1] of head (q, k, v
 * head slices) and folds the result into out, M, L. seg: scratch of
 * segment_floats(n, D) floats laid out for this n. */
static void run_segment(const float *q, const float *k, const float *v,
			int D, const int *idx, int n, float *seg, float *out,
			float *M, float *L)
{
	float *qg = seg;
	float *vg = qg + (size_t)n * D;
	float *og = vg + (size_t)n * D;
	float *kg = og + (size_t)n * D;
	float *kt = kg + (size_t)n * D;
	float *work = kt + attn__kt_floats(n, D);
	float *lse = work + attn__work_floats(D);
	size_t rowb = (size_t)D * sizeof(float);

	for (int t = 0; t < n; t++) {
		memcpy(qg + (size_t)t * D, q + (size_t)idx[t] * D, rowb);
		memcpy(kg + (size_t)t * D, k + (size_t)idx[t] * D, rowb);
		memcpy(vg + (size_t)t * D, v + (size_t)idx[t] * D, rowb);
	}
	attn__pack_kt(kg, n, D, kt);
	int nkb = (n + ATTN_BK - 1) / ATTN_BK;
	for (int i0 = 0; i0 < n; i0 += ATTN_BQ) {
		int nq = n - i0 < ATTN_BQ ? n - i0 : ATTN_BQ;
		attn__attend_block(qg + (size_t)i0 * D, nq, kt, vg, n, NULL,
				   nkb, D, og + (size_t)i0 * D, lse + i0, work);
	}

	for (int t = 0; t < n; t++) {
		int i = idx[t];
		float *o = out + (size_t)i * D;
		const float *g = og + (size_t)t * D;
		float e = lse[t];
		if (L[i] == 0.0f) {
			memcpy(o, g, rowb);
			M[i] = e;
			L[i] = 1.0f;
		} else if (e > M[i]) {
			float a = attn_exp2f(M[i] - e);
			for (int d = 0; d < D; d++)
				o[d] = o[d] * a + g[d];
			L[i] = L[i] * a + 1.0f;
			M[i] = e;
		} else {
			float b = attn_exp2f(e - M[i]);
			for (int d = 0; d < D; d++)
				o[d] += b * g[d];
			L[i] += b;
		}
	}
}

int attn_dilated(const struct attn_dilated_plan *plan, const float *q,
		 const float *k, const float *v, float *out)
{
	const struct attn_dilated_cfg *cfg = &plan->cfg;
	int N = plan->sh.seq_len, D = plan->sh.head_dim;
	size_t hs = (size_t)N * D;
	int R = max_rate(cfg);
	int pool = (plan->flags & ATTN_MEMORY_POOL) != 0;
	int cache = (plan->flags & ATTN_PATTERN_CACHE) != 0;
	float *ml, *pseg = NULL;
	int rc = 0;

	if (pool) {
		ml = plan->pool;
		pseg = plan->pool + call_floats(&plan->sh);
	} else {
		ml = malloc(call_floats(&plan->sh) * sizeof *ml);
		if (!ml)
			return -2;
	}
	float *M = ml, *L = ml + N;

	for (int h = 0; h < plan->sh.heads && rc == 0; h++) {
		const float *qh = q + h * hs, *kh = k + h * hs, *vh = v + h * hs;
		float *oh = out + h * hs;
		memset(oh, 0, hs * sizeof *oh);
		for (int i = 0; i < N; i++) {
			M[i] = -INFINITY;
			L[i] = 0.0f;
		}
		for (int p = 0; p < cfg->npairs && rc == 0; p++) {
			int w = cfg->segment[p], r = cfg->rate[p], o = h % r;
			int full = sel_count(w, o, r);
			const int *pat = cache ?
				plan->patterns + plan->pat_off[(size_t)p * R + o] :
				NULL;
			for (int s = 0; s < N; s += w) {
				int len = N - s < w ? N - s : w;
				int n = sel_count(len, o, r);
				if (n == 0)
					continue;
				float *seg = pseg;
				if (!pool) {
					seg = malloc(segment_floats(n, D) * sizeof *seg);
					if (!seg) {
						rc = -2;
						break;
					}
				}
				const int *idx;
				if (cache) {
					idx = pat + (size_t)(s / w) * full;
				} else {
					/* Recomputed for every head, pair and
					 * segment, into the slot after lse. */
					int *fresh = (int *)(seg + segment_floats(n, D) - n);
					for (int t = 0; t < n; t++)
						fresh[t] = s + o + t * r;
					idx = fresh;
				}
				run_segment(qh, kh, vh, D, idx, n, seg, oh, M, L);
				if (!pool)
					free(seg);
			}
		}
		for (int i = 0; i < N; i++)
			if (L[i] > 0.0f) {
				float inv = 1.0f / L[i];
				for (int d = 0; d < D; d++)
					oh[(size_t)i * D + d] *= inv;
			}
	}
	if (!pool)
		free(ml);
	return rc;
}
