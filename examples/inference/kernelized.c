/* The kernelized implementation (model.h): the fused pipeline (fused.c)
 * with vector kernels and threads. The kernels (simd_body.h) are compiled
 * twice, for AVX2 with FMA (x86 intrinsics in functions with a target
 * attribute) and for any CPU (GCC vector extensions); the AVX2 ones run
 * when the CPU has them (__builtin_cpu_supports, checked once) unless
 * INFER_NO_AVX2 is set (to test the portable ones).
 *
 * Threads: a pool of INFER_THREADS (environment) or as many threads as
 * online CPUs (at most 64), the caller being thread 0. Matmuls and SwiGLU
 * are cut into chunks of output features (each chunk streams its own
 * weight rows: decode reads the weights once, in parallel), attention
 * into (row, head) pairs; threads claim chunks as they go (see the pool).
 * A parallel section is one broadcast on a condition variable and one
 * wait; no spinning (the machine may be shared). */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model.h"

#define MAX_THREADS 64
#define PREFETCH(p) __builtin_prefetch(p, 0, 3)

/* --- the kernels, generic ---------------------------------------------- */
typedef float v8f __attribute__((vector_size(32)));

static inline v8f g_load(const float *p)
{
	v8f v;
	memcpy(&v, p, sizeof v);
	return v;
}
static inline float g_hsum(v8f v)
{
	return ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]));
}

#define SFX _gen
#define ATTR
#define VT v8f
#define VZERO ((v8f){ 0, 0, 0, 0, 0, 0, 0, 0 })
#define VLOAD(p) g_load(p)
#define VFMA(a, b, c) ((a) * (b) + (c))
#define VSET1(f) ((v8f){ f, f, f, f, f, f, f, f })
#define VHSUM(v) g_hsum(v)
#include "simd_body.h"

/* --- the kernels, AVX2 + FMA ------------------------------------------- */
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define HAVE_AVX2_PATH 1

__attribute__((target("avx2,fma"))) static inline float a_hsum(__m256 v)
{
	__m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
	s = _mm_add_ps(s, _mm_movehl_ps(s, s));
	s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
	return _mm_cvtss_f32(s);
}

#define SFX _avx2
#define ATTR __attribute__((target("avx2,fma")))
#define VT __m256
#define VZERO _mm256_setzero_ps()
#define VLOAD(p) _mm256_loadu_ps(p)
#define VFMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define VSET1(f) _mm256_set1_ps(f)
#define VHSUM(v) a_hsum(v)
#include "simd_body.h"
#else
#define HAVE_AVX2_PATH 0
#endif

static int use_avx2(void)
{
#if HAVE_AVX2_PATH
	static int v = -1;
	if (v < 0) {
		const char *off = getenv("INFER_NO_AVX2");
		__builtin_cpu_init();
		v = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
		    !(off && *off && strcmp(off, "0") != 0);
	}
	return v;
#else
	return 0;
#endif
}

static void mm_range(float *out, size_t ldo, const float *x, const float *w,
		     int n, int in, int o0, int o1, int accumulate)
{
#if HAVE_AVX2_PATH
	if (use_avx2()) {
		mm_range_avx2(out, ldo, x, w, n, in, o0, o1, accumulate);
		return;
	}
#endif
	mm_range_gen(out, ldo, x, w, n, in, o0, o1, accumulate);
}

static void attn_row(float *o, const float *q, const float *kb, const float *vb,
		     int pos, int dim, int hd, float *s)
{
#if HAVE_AVX2_PATH
	if (use_avx2()) {
		attn_row_avx2(o, q, kb, vb, pos, dim, hd, s);
		return;
	}
#endif
	attn_row_gen(o, q, kb, vb, pos, dim, hd, s);
}

/* --- the pool ------------------------------------------------------------
 * A parallel section is a number of chunks (independent pieces of work);
 * threads claim them one at a time from a shared counter, so a thread
 * that the OS does not run (a busy machine) delays nothing: the others,
 * the caller included, take its chunks. The counter carries the section's
 * generation in its high 32 bits, so a worker that wakes late for a
 * finished section claims nothing of the next one. The caller returns
 * when every chunk is done. */
struct pool {
	int n;
	pthread_t th[MAX_THREADS];
	pthread_mutex_t mu;
	pthread_cond_t go, done_cv;
	uint32_t gen;                 /* under mu */
	int stop;                     /* under mu */
	void (*fn)(void *arg, int chunk, int tid); /* under mu */
	void *arg;                    /* under mu */
	uint32_t n_chunks;            /* under mu */
	_Atomic uint64_t next;        /* gen << 32 | next chunk */
	_Atomic uint32_t done;        /* chunks finished */
};

struct worker_arg {
	struct pool *p;
	int tid;
};

/* Claims and runs chunks of section gen until none is left; returns how
 * many it finished. */
static uint32_t run_chunks(struct pool *p, uint32_t gen, uint32_t n_chunks,
			   void (*fn)(void *, int, int), void *arg, int tid)
{
	uint32_t mine = 0;
	for (;;) {
		uint64_t v = atomic_load(&p->next);
		if ((uint32_t)(v >> 32) != gen || (uint32_t)v >= n_chunks)
			return mine;
		if (!atomic_compare_exchange_weak(&p->next, &v, v + 1))
			continue;
		fn(arg, (int)(uint32_t)v, tid);
		mine++;
	}
}

static void *worker(void *v)
{
	struct worker_arg wa = *(struct worker_arg *)v;
	struct pool *p = wa.p;
	free(v);
	uint32_t seen = 0;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (p->gen == seen && !p->stop)
			pthread_cond_wait(&p->go, &p->mu);
		if (p->stop)
			break;
		seen = p->gen;
		void (*fn)(void *, int, int) = p->fn;
		void *arg = p->arg;
		uint32_t n = p->n_chunks;
		pthread_mutex_unlock(&p->mu);
		uint32_t mine = run_chunks(p, seen, n, fn, arg, wa.tid);
		pthread_mutex_lock(&p->mu);
		if (mine && atomic_fetch_add(&p->done, mine) + mine == n)
			pthread_cond_signal(&p->done_cv);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static void pool_release(void *v)
{
	struct pool *p = v;
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->go);
	pthread_mutex_unlock(&p->mu);
	for (int i = 1; i < p->n; i++)
		pthread_join(p->th[i], NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->go);
	pthread_cond_destroy(&p->done_cv);
	free(p);
}

int kernelized_threads(void)
{
	const char *e = getenv("INFER_THREADS");
	long n = e && *e ? strtol(e, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	return n > MAX_THREADS ? MAX_THREADS : (int)n;
}

static struct pool *pool_create(int n)
{
	struct pool *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->go, NULL);
	pthread_cond_init(&p->done_cv, NULL);
	atomic_init(&p->next, 0);
	atomic_init(&p->done, 0);
	p->n = 1;
	for (int i = 1; i < n; i++) {
		struct worker_arg *wa = malloc(sizeof *wa);
		if (!wa)
			break;
		wa->p = p;
		wa->tid = i;
		if (pthread_create(&p->th[i], NULL, worker, wa) != 0) {
			free(wa);
			break;
		}
		p->n++;
	}
	return p;
}

/* Sections of fewer multiply-adds run on the caller alone: waking a
 * thread costs more than it saves (about 30 us of work here). */
#define POOL_MIN_WORK (1 << 17)

/* Runs fn(arg, chunk, tid) for chunk 0..n_chunks-1 on the pool's threads
 * (the caller is thread 0) and returns when all are done; work is the
 * section's multiply-adds. */
static void pool_run(struct pool *p, int n_chunks, void (*fn)(void *, int, int),
		     void *arg, double work)
{
	if (n_chunks <= 0)
		return;
	if (p->n == 1 || n_chunks == 1 || work < POOL_MIN_WORK) {
		for (int c = 0; c < n_chunks; c++)
			fn(arg, c, 0);
		return;
	}
	pthread_mutex_lock(&p->mu);
	uint32_t gen = ++p->gen;
	p->fn = fn;
	p->arg = arg;
	p->n_chunks = (uint32_t)n_chunks;
	atomic_store(&p->done, 0);
	atomic_store(&p->next, (uint64_t)gen << 32);
	pthread_cond_broadcast(&p->go);
	pthread_mutex_unlock(&p->mu);
	uint32_t mine = run_chunks(p, gen, (uint32_t)n_chunks, fn, arg, 0);
	pthread_mutex_lock(&p->mu);
	atomic_fetch_add(&p->done, mine);
	while (atomic_load(&p->done) < (uint32_t)n_chunks)
		pthread_cond_wait(&p->done_cv, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

/* Output features per chunk: a multiple of 4, about 8 chunks a thread. */
static int chunk_outs(const struct pool *p, int od)
{
	int c = od / (8 * p->n);
	c = (c + 3) / 4 * 4;
	return c < 16 ? 16 : c > 64 ? 64 : c;
}

/* --- the parallel kernels ------------------------------------------------ */
struct mm_job {
	float *out, *out2, *out3;
	const float *x, *w, *w2, *w3;
	int n, in, od, per;
	int accumulate;
	/* attention */
	const float *q, *kc, *vc;
	const int *slot, *pos;
	int dim, heads, max_seq;
	size_t stride;
	float *scratch;
};

static void mm_chunk(void *v, int c, int tid)
{
	struct mm_job *j = v;
	int b = c * j->per, e = b + j->per < j->od ? b + j->per : j->od;
	mm_range(j->out + b, (size_t)j->od, j->x, j->w + (size_t)b * j->in, j->n,
		 j->in, 0, e - b, j->accumulate);
}

static void k_matmul(void *ctx, float *out, const float *x, const float *w,
		     int n, int in, int od, int accumulate)
{
	struct pool *p = ctx;
	struct mm_job j = { .out = out, .x = x, .w = w, .n = n, .in = in,
			    .od = od, .accumulate = accumulate,
			    .per = chunk_outs(p, od) };
	pool_run(p, (od + j.per - 1) / j.per, mm_chunk, &j, (double)n * in * od);
}

/* q, k and v: chunks of each in turn, one parallel section. */
static void qkv_chunk(void *v, int c, int tid)
{
	struct mm_job *j = v;
	int per_m = (j->od + j->per - 1) / j->per, m = c / per_m;
	float *outs[3] = { j->out, j->out2, j->out3 };
	const float *ws[3] = { j->w, j->w2, j->w3 };
	int b = (c % per_m) * j->per, e = b + j->per < j->od ? b + j->per : j->od;
	mm_range(outs[m] + b, (size_t)j->od, j->x, ws[m] + (size_t)b * j->in,
		 j->n, j->in, 0, e - b, 0);
}

static void k_qkv(void *ctx, float *q, float *k, float *vv, const float *x,
		  const float *wq, const float *wk, const float *wv, int n, int d)
{
	struct pool *p = ctx;
	struct mm_job j = { .out = q, .out2 = k, .out3 = vv, .x = x, .w = wq,
			    .w2 = wk, .w3 = wv, .n = n, .in = d, .od = d,
			    .per = chunk_outs(p, 3 * d) };
	pool_run(p, 3 * ((d + j.per - 1) / j.per), qkv_chunk, &j, 3.0 * n * d * d);
}

#define SW_ROWS 4
#define SW_OUTS 64 /* chunk_outs never exceeds it */

static void swiglu_chunk(void *v, int c, int tid)
{
	struct mm_job *j = v;
	float g[SW_ROWS * SW_OUTS], u[SW_ROWS * SW_OUTS];
	int o0 = c * j->per, no = o0 + j->per < j->od ? j->per : j->od - o0;
	for (int r = 0; r < j->n; r += SW_ROWS) {
		int nr = j->n - r < SW_ROWS ? j->n - r : SW_ROWS;
		const float *x = j->x + (size_t)r * j->in;
		mm_range(g, (size_t)no, x, j->w + (size_t)o0 * j->in, nr, j->in, 0, no, 0);
		mm_range(u, (size_t)no, x, j->w2 + (size_t)o0 * j->in, nr, j->in, 0, no, 0);
		for (int i = 0; i < nr; i++)
			for (int o = 0; o < no; o++) {
				float a = g[i * no + o];
				j->out[(size_t)(r + i) * j->od + o0 + o] =
					a / (1.0f + expf(-a)) * u[i * no + o];
			}
	}
}

static void k_swiglu(void *ctx, float *hb, const float *x, const float *wg,
		     const float *wu, int n, int in, int f)
{
	struct pool *p = ctx;
	struct mm_job j = { .out = hb, .x = x, .w = wg, .w2 = wu, .n = n,
			    .in = in, .od = f, .per = chunk_outs(p, f) };
	pool_run(p, (f + j.per - 1) / j.per, swiglu_chunk, &j, 2.0 * n * in * f);
}

/* One (row, head) pair a chunk; the scratch is the thread's. */
static void attn_chunk(void *v, int c, int tid)
{
	struct mm_job *j = v;
	int hd = j->dim / j->heads, r = c / j->heads, h = c % j->heads;
	float *s = j->scratch + (size_t)tid * j->max_seq;
	size_t base = (size_t)j->slot[r] * j->stride + (size_t)h * hd;
	attn_row(j->out + (size_t)r * j->dim + h * hd,
		 j->q + (size_t)r * j->dim + h * hd, j->kc + base, j->vc + base,
		 j->pos[r], j->dim, hd, s);
}

static void k_attention(void *ctx, float *out, const float *q, const float *kc,
			const float *vc, int n, const int *slot, const int *pos,
			int dim, int heads, size_t slot_stride, float *scratch,
			int max_seq)
{
	struct mm_job j = { .out = out, .q = q, .kc = kc, .vc = vc, .n = n,
			    .slot = slot, .pos = pos, .dim = dim, .heads = heads,
			    .stride = slot_stride, .scratch = scratch,
			    .max_seq = max_seq };
	double work = 0;
	for (int r = 0; r < n; r++)
		work += 2.0 * (pos[r] + 1) * dim;
	pool_run(ctx, n * heads, attn_chunk, &j, work);
}

static void *kernelized_create(const struct model *m, int n_slots, int max_seq)
{
	use_avx2(); /* decided here, before any thread asks */
	struct pool *p = pool_create(kernelized_threads());
	if (!p)
		return NULL;
	struct fused_kernels k = { p, k_matmul, k_swiglu, k_attention, k_qkv,
				   p->n, pool_release };
	return fused_create(m, n_slots, max_seq, &k);
}

const char *kernelized_isa(void)
{
	return use_avx2() ? "avx2+fma" : "generic-vector";
}

const struct variant variant_kernelized = {
	"kernelized", kernelized_create, fused_destroy, fused_forward,
	fused_kv_bytes, fused_work_bytes,
};
