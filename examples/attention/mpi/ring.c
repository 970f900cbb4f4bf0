/* Ring attention over MPI ranks (built when Open MPI is found; CMake adds
 * this directory and links benchtrack_mpi). Distributed benchmarks
 * (docs/API.md): `.ranks` makes the world size an axis.
 *
 * ring: each of the P ranks holds a block of B = seq_len / P query rows
 * (of every head) and its own key/value block; the K/V blocks travel
 * around the ring (rank r sends to r + 1, receives from r - 1), P steps
 * per call, and each step attends the local queries to the block at hand
 * with the tiled kernel's block code (attn__attend_block), merging the
 * steps by their log-sum-exp (the online softmax at block level). With
 * option `overlap` (the default variant) the next block's MPI_Irecv and
 * MPI_Isend are posted before computing on the current one; without it,
 * MPI_Sendrecv after the compute (--ablation compares them).
 *
 * ring_dilated: the dilated pattern of kernels_dilated.c (segments
 * {512, 1024, 2048}, rates {1, 2, 4}) over the same ring: a row attends,
 * per pair, to the keys of its segment on its head's dilation offset; a
 * step skips the blocks that no segment of a local row reaches. Computed
 * row by row with one online softmax over the union of the pairs' keys,
 * a key counted once per pair that sees it (what LongNet's combination
 * equals, attention.h).
 *
 * Inputs: those of attn_make_inputs with bt_seed (which ignores `ranks`,
 * so every rank count and the single-process kernels of group
 * "attention" see the same q, k, v); each rank generates only its block,
 * from the same splitmix64 streams at the block's offset. Validation:
 * each rank checks its share of CHECK_ROWS rows per head against a double
 * reference of the same function over all keys (streamed, so it needs no
 * full tensor); the runner gathers every rank's check.
 *
 * Counters: comm_share, the share of a call's wall time spent waiting on
 * the ring's messages (the slowest rank's); block_rows (B); memory
 * (bt_set_memory) is one rank's q, out and three K/V blocks. */
#include <mpi.h>

#include <benchtrack.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../attention.h"

#define CHECK_ROWS 64
#define REL_TOL 1e-4
#define RING_PARAMS "seq_len=@production;heads=4;head_dim=64"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct ring {
	struct attn_shape sh;
	int rank, size, B, dilated, overlap;
	MPI_Comm comm;
	uint64_t st[3];
	float *q, *out;          /* [H][B][D] */
	float *own, *buf[2];     /* K/V blocks: [2][H][B][D] */
	float *kt, *work, *blk, *lse, *lse_s; /* ring: packed keys, tile work */
	float *m, *l;            /* ring_dilated: running max and sum [H][B] */
	float *sc;               /* ring_dilated: one row's scores [B] */
	struct attn_dilated_cfg dcfg;
	double comm_s;
};

static void ring_free(struct ring *g)
{
	void *p[] = { g->q, g->out, g->own, g->buf[0], g->buf[1], g->kt, g->work,
		      g->blk, g->lse, g->lse_s, g->m, g->l, g->sc };
	for (size_t i = 0; i < sizeof p / sizeof *p; i++)
		free(p[i]);
}

static float *falloc(size_t n)
{
	float *p = malloc((n ? n : 1) * sizeof *p);
	if (p)
		memset(p, 0, n * sizeof *p);
	return p;
}

/* 0, or -1 after bt_fail / bt_oom / bt_skip. */
static int ring_init(bt_state *s, struct ring *g, int dilated)
{
	memset(g, 0, sizeof *g);
	g->comm = *(MPI_Comm *)bt_mpi_comm(s);
	g->rank = bt_rank(s);
	g->size = bt_world_size(s);
	g->dilated = dilated;
	g->overlap = bt_option(s, "overlap");
	g->sh.seq_len = (int)bt_param_int(s, "seq_len");
	g->sh.heads = (int)bt_param_int(s, "heads");
	g->sh.head_dim = (int)bt_param_int(s, "head_dim");
	if (!attn_shape_ok(&g->sh)) {
		bt_fail(s, "unsupported shape seq_len=%d heads=%d head_dim=%d",
			g->sh.seq_len, g->sh.heads, g->sh.head_dim);
		return -1;
	}
	if (g->sh.seq_len % g->size) {
		bt_skip(s, "seq_len is not a multiple of the ranks");
		return -1;
	}
	int H = g->sh.heads, D = g->sh.head_dim, N = g->sh.seq_len;
	g->B = N / g->size;
	size_t blk = (size_t)H * g->B * D;
	g->q = falloc(blk);
	g->out = falloc(blk);
	g->own = falloc(2 * blk);
	g->buf[0] = falloc(2 * blk);
	g->buf[1] = falloc(2 * blk);
	if (dilated) {
		attn_dilated_default(&g->dcfg);
		g->m = falloc((size_t)H * g->B);
		g->l = falloc((size_t)H * g->B);
		g->sc = falloc((size_t)g->B);
	} else {
		g->kt = falloc(attn__kt_floats(g->B, D));
		g->work = falloc(attn__work_floats(D));
		g->blk = falloc((size_t)ATTN_BQ * D);
		g->lse = falloc((size_t)H * g->B);
		g->lse_s = falloc(ATTN_BQ);
	}
	if (!g->q || !g->out || !g->own || !g->buf[0] || !g->buf[1] ||
	    (dilated ? !g->m || !g->l || !g->sc : !g->kt || !g->work || !g->blk ||
	     !g->lse || !g->lse_s)) {
		ring_free(g);
		bt_oom(s);
		return -1;
	}
	attn_input_streams(bt_seed(s), g->st);
	size_t r0 = (size_t)g->rank * g->B;
	for (int h = 0; h < H; h++) {
		size_t off = ((size_t)h * N + r0) * D, o = (size_t)h * g->B * D;
		attn_fill_uniform_at(g->q + o, (size_t)g->B * D, g->st[0], off);
		attn_fill_uniform_at(g->own + o, (size_t)g->B * D, g->st[1], off);
		attn_fill_uniform_at(g->own + blk + o, (size_t)g->B * D, g->st[2], off);
	}
	bt_set_memory(s, (int64_t)((2 + 6) * blk * sizeof(float)));
	bt_counter(s, "block_rows", g->B);
	return 0;
}

/* ring: the local queries against the K/V block kv (of every head), the
 * result merged into out and lse; first: the first block of a call. */
static void step_full(struct ring *g, const float *kv, int first)
{
	int H = g->sh.heads, D = g->sh.head_dim, B = g->B;
	size_t blk = (size_t)H * B * D;
	int nkb = (B + ATTN_BK - 1) / ATTN_BK;
	for (int h = 0; h < H; h++) {
		const float *k = kv + (size_t)h * B * D, *v = kv + blk + (size_t)h * B * D;
		attn__pack_kt(k, B, D, g->kt);
		for (int i0 = 0; i0 < B; i0 += ATTN_BQ) {
			int nq = B - i0 < ATTN_BQ ? B - i0 : ATTN_BQ;
			float *o = g->out + ((size_t)h * B + i0) * D;
			float *lse = g->lse + (size_t)h * B + i0;
			if (first) {
				attn__attend_block(g->q + ((size_t)h * B + i0) * D, nq,
						   g->kt, v, B, NULL, nkb, D, o, lse,
						   g->work);
				continue;
			}
			attn__attend_block(g->q + ((size_t)h * B + i0) * D, nq, g->kt,
					   v, B, NULL, nkb, D, g->blk, g->lse_s, g->work);
			for (int i = 0; i < nq; i++) {
				float a = lse[i], b = g->lse_s[i];
				float mx = a > b ? a : b;
				float wa = attn_exp2f(a - mx), wb = attn_exp2f(b - mx);
				float tot = wa + wb;
				wa /= tot;
				wb /= tot;
				for (int d = 0; d < D; d++)
					o[(size_t)i * D + d] = wa * o[(size_t)i * D + d] +
							       wb * g->blk[(size_t)i * D + d];
				lse[i] = mx + log2f(tot);
			}
		}
	}
}

/* The first position >= lo of [s0, s1) at local offset o mod r within
 * the segment starting at s0. */
static int first_on(int lo, int s0, int o, int r)
{
	int x = lo - s0 - o;
	if (x < 0)
		return s0 + o;
	return s0 + o + ((x + r - 1) / r) * r;
}

/* ring_dilated: the local rows against the block of keys [j0, j0 + B);
 * online softmax in out (unnormalised), m, l. */
static void step_dilated(struct ring *g, const float *kv, int j0)
{
	int H = g->sh.heads, D = g->sh.head_dim, B = g->B, N = g->sh.seq_len;
	size_t blk = (size_t)H * B * D;
	float scale = 1.0f / sqrtf((float)D);
	int i0 = g->rank * B;
	for (int h = 0; h < H; h++) {
		const float *k = kv + (size_t)h * B * D, *v = kv + blk + (size_t)h * B * D;
		for (int li = 0; li < B; li++) {
			int i = i0 + li;
			const float *q = g->q + ((size_t)h * B + li) * D;
			float *acc = g->out + ((size_t)h * B + li) * D;
			float *m = &g->m[(size_t)h * B + li], *l = &g->l[(size_t)h * B + li];
			for (int p = 0; p < g->dcfg.npairs; p++) {
				int w = g->dcfg.segment[p] < N ? g->dcfg.segment[p] : N;
				int r = g->dcfg.rate[p], o = h % r;
				int s0 = i / w * w, s1 = s0 + w < N ? s0 + w : N;
				if ((i - s0) % r != o)
					continue;
				int lo = s0 > j0 ? s0 : j0, hi = s1 < j0 + B ? s1 : j0 + B;
				int jf = first_on(lo, s0, o, r), nk = 0;
				if (jf >= hi)
					continue;
				/* the scores of the pair's keys here, then one
				 * rescale of the running sums */
				float bmax = -INFINITY;
				for (int j = jf; j < hi; j += r, nk++) {
					const float *kj = k + (size_t)(j - j0) * D;
					/* 8 partial sums (D is a multiple of 8):
					 * a reduction the compiler vectorises */
					float a8[8] = { 0 };
					for (int d = 0; d < D; d += 8)
						for (int u = 0; u < 8; u++)
							a8[u] += q[d + u] * kj[d + u];
					float sc = ((a8[0] + a8[1]) + (a8[2] + a8[3])) +
						   ((a8[4] + a8[5]) + (a8[6] + a8[7]));
					g->sc[nk] = sc * scale;
					bmax = g->sc[nk] > bmax ? g->sc[nk] : bmax;
				}
				if (bmax > *m) {
					float c = *m == -INFINITY ? 0.0f : expf(*m - bmax);
					*l *= c;
					for (int d = 0; d < D; d++)
						acc[d] *= c;
					*m = bmax;
				}
				float mm = *m;
				for (int t = 0; t < nk; t++)
					g->sc[t] = attn_exp2f((g->sc[t] - mm) * ATTN_LOG2E);
				for (int t = 0, j = jf; t < nk; t++, j += r) {
					const float *vj = v + (size_t)(j - j0) * D;
					float e = g->sc[t];
					*l += e;
					for (int d = 0; d < D; d++)
						acc[d] += e * vj[d];
				}
			}
		}
	}
}

/* One call: P steps around the ring. */
static void ring_call(struct ring *g)
{
	int P = g->size, H = g->sh.heads, D = g->sh.head_dim;
	size_t n = 2 * (size_t)H * g->B * D;
	int right = (g->rank + 1) % P, left = (g->rank + P - 1) % P;
	if (g->dilated) {
		size_t rows = (size_t)H * g->B;
		memset(g->out, 0, rows * D * sizeof *g->out);
		memset(g->l, 0, rows * sizeof *g->l);
		for (size_t i = 0; i < rows; i++)
			g->m[i] = -INFINITY;
	}
	const float *cur = g->own;
	for (int t = 0; t < P; t++) {
		float *nxt = g->buf[t & 1];
		int src = (g->rank - t + P) % P, more = t + 1 < P;
		MPI_Request rq[2];
		if (more && g->overlap) {
			MPI_Irecv(nxt, (int)n, MPI_FLOAT, left, t, g->comm, &rq[0]);
			MPI_Isend(cur, (int)n, MPI_FLOAT, right, t, g->comm, &rq[1]);
		}
		if (g->dilated) {
			/* a block no local row's largest segment reaches is skipped */
			int wmax = 0;
			for (int p = 0; p < g->dcfg.npairs; p++)
				if (g->dcfg.segment[p] > wmax)
					wmax = g->dcfg.segment[p];
			wmax = wmax < g->sh.seq_len ? wmax : g->sh.seq_len;
			int j0 = src * g->B, i0 = g->rank * g->B;
			int lo = i0 / wmax * wmax, hi = ((i0 + g->B - 1) / wmax + 1) * wmax;
			if (j0 + g->B > lo && j0 < hi)
				step_dilated(g, cur, j0);
		} else {
			step_full(g, cur, t == 0);
		}
		if (more) {
			double c0 = now_s();
			if (g->overlap)
				MPI_Waitall(2, rq, MPI_STATUSES_IGNORE);
			else
				MPI_Sendrecv(cur, (int)n, MPI_FLOAT, right, t, nxt, (int)n,
					     MPI_FLOAT, left, t, g->comm, MPI_STATUS_IGNORE);
			g->comm_s += now_s() - c0;
		}
		cur = nxt;
	}
	if (g->dilated) {
		size_t rows = (size_t)H * g->B;
		for (size_t i = 0; i < rows; i++) {
			float inv = g->l[i] > 0 ? 1.0f / g->l[i] : 0.0f;
			for (int d = 0; d < D; d++)
				g->out[i * D + d] *= inv;
		}
	}
}

/* Multiplicity of key j for row i of head h under the dilated pattern
 * (0 for the full pattern's "every key once": returns 1). */
static int mult(const struct ring *g, int h, int i, int j)
{
	if (!g->dilated)
		return 1;
	int N = g->sh.seq_len, c = 0;
	for (int p = 0; p < g->dcfg.npairs; p++) {
		int w = g->dcfg.segment[p] < N ? g->dcfg.segment[p] : N;
		int r = g->dcfg.rate[p], o = h % r;
		if (i / w == j / w && (i % w - o) % r == 0 && i % w >= o &&
		    (j % w - o) % r == 0 && j % w >= o)
			c++;
	}
	return c;
}

/* Validates this rank's check rows against a double reference over all
 * keys, generated key by key from the input streams. */
static void ring_check(bt_state *s, struct ring *g)
{
	int H = g->sh.heads, D = g->sh.head_dim, N = g->sh.seq_len, B = g->B;
	int all[CHECK_ROWS], rows[CHECK_ROWS], nr = 0;
	int na = attn_check_rows(N, CHECK_ROWS, all);
	for (int i = 0; i < na; i++)
		if (all[i] / B == g->rank)
			rows[nr++] = all[i];
	size_t cnt = (size_t)H * nr * D;
	double *want = calloc(cnt + 1, sizeof *want), *mx = calloc((size_t)H * nr + 1, sizeof *mx);
	double *sum = calloc((size_t)H * nr + 1, sizeof *sum);
	float *got = malloc((cnt + 1) * sizeof *got), kj[ATTN_MAX_DIM], vj[ATTN_MAX_DIM];
	if (!want || !mx || !sum || !got) {
		bt_fail(s, "out of memory for validation");
		goto out;
	}
	for (size_t i = 0; i < (size_t)H * nr; i++)
		mx[i] = -INFINITY;
	double scale = 1.0 / sqrt((double)D);
	for (int h = 0; h < H; h++)
		for (int j = 0; j < N; j++) {
			size_t off = ((size_t)h * N + j) * D;
			attn_fill_uniform_at(kj, (size_t)D, g->st[1], off);
			attn_fill_uniform_at(vj, (size_t)D, g->st[2], off);
			for (int a = 0; a < nr; a++) {
				int c = mult(g, h, rows[a], j);
				if (!c)
					continue;
				const float *q = g->q + ((size_t)h * B + rows[a] - g->rank * B) * D;
				double sc = 0;
				for (int d = 0; d < D; d++)
					sc += (double)q[d] * kj[d];
				sc *= scale;
				size_t ix = (size_t)h * nr + a;
				double *w = want + ix * D;
				if (sc > mx[ix]) {
					double f = exp(mx[ix] - sc);
					sum[ix] *= f;
					for (int d = 0; d < D; d++)
						w[d] *= f;
					mx[ix] = sc;
				}
				double e = c * exp(sc - mx[ix]);
				sum[ix] += e;
				for (int d = 0; d < D; d++)
					w[d] += e * vj[d];
			}
		}
	for (int h = 0; h < H; h++)
		for (int a = 0; a < nr; a++) {
			size_t ix = (size_t)h * nr + a;
			for (int d = 0; d < D; d++) {
				want[ix * D + d] = sum[ix] > 0 ? want[ix * D + d] / sum[ix] : 0;
				got[ix * D + d] = g->out[((size_t)h * B + rows[a] - g->rank * B) * D + d];
			}
		}
	if (nr)
		bt_check_close_f(s, got, want, cnt, REL_TOL);
out:
	free(want);
	free(mx);
	free(sum);
	free(got);
}

static void run_ring(bt_state *s, int dilated)
{
	struct ring g;
	if (ring_init(s, &g, dilated))
		return;
	double t_all = 0;
	while (bt_loop(s)) {
		double t0 = now_s();
		ring_call(&g);
		t_all += now_s() - t0;
		bt_do_not_optimize(g.out);
	}
	/* the slowest rank's share of waiting on the ring */
	double share = t_all > 0 ? g.comm_s / t_all : 0;
	MPI_Allreduce(MPI_IN_PLACE, &share, 1, MPI_DOUBLE, MPI_MAX, g.comm);
	bt_counter(s, "comm_share", share);
	ring_check(s, &g);
	bt_set_items(s, (double)g.sh.seq_len, "tokens");
	ring_free(&g);
}

static void bm_ring(bt_state *s)
{
	run_ring(s, 0);
}
BT_BENCH(bm_ring, .name = "ring", .group = "attention", .params = RING_PARAMS,
	 .ranks = "1,2,4", .options = "overlap", .unit = "tokens");

static void bm_ring_dilated(bt_state *s)
{
	run_ring(s, 1);
}
BT_BENCH(bm_ring_dilated, .name = "ring_dilated", .group = "attention",
	 .params = RING_PARAMS, .ranks = "1,2,4", .options = "overlap",
	 .unit = "tokens");
