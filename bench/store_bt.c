/* benchtrack's own store benchmarks, measured with benchtrack rather than
 * asserted in tests (scripts/bench-store.sh prints the figures).
 *
 * A deterministic generator writes a synthetic store of RUNS runs x RESULTS
 * results straight into the file layout of docs/STORE.md (by-type/<type>/
 * <YYYY-MM-DD-HHMM-UTC-id8>/run.json, by-date/ and latest/ links), not
 * through bt_store_put (which regenerates README.md and updates the index
 * once per run). The cases then time the library on it:
 *
 *   reindex      bt_store_reindex of the whole store (throughput in
 *                results/s); counters: the store's size on disk
 *   list         bt_store_query of every run (filter=none), or of the runs
 *                of one type (filter=type; about 40% of them)
 *   show_latest  bt_store_load(st, "latest") (resolve + parse one run.json)
 *   show_prefix  bt_store_load by an 8-digit run id prefix
 *   put_concurrent  8 writer processes each storing 4 new runs at once
 *                (bt_store_put: the run file, then under the store lock
 *                the index, latest/ and README.md) into a hard-linked copy
 *                of the store, at 2,000 and 10,000 runs (throughput in
 *                puts/s)
 *
 * The store is generated once per size and cached under
 * $BT_STORE_BENCH_DIR (default $TMPDIR/benchtrack-store-bench, TMPDIR
 * default /tmp) as runs<G>-results<R>-v<N>; a directory is renamed into
 * place only when complete, so an interrupted generation is redone. Delete
 * the directory to regenerate. A run's JSON text is ~320 KB (100 results,
 * 1-2 metrics of 20 samples each), its file ~66 KB zstd-compressed as the
 * store writes it: 10,000 runs take ~0.66 GB of run files (3.2 GB plain,
 * BT_STORE_BENCH_FORM=plain) and a few minutes to generate on 2 CPUs (one
 * worker process per CPU, up to 8); 1,000 runs a tenth of that. The
 * generated store passes `benchtrack verify`.
 *
 *   write_run    bt_run_write_file_as of one generated run (form=plain,
 *                zstd or gzip): the JSON text made and written durably
 *   read_run     bt_run_read_file of that file (the strict reader)
 *
 * One reindex of 10,000 runs x 100 results takes tens of seconds, so run it
 * with few samples and a longer timeout:
 *
 *   benchtrack run build/store_bt --no-store --warmup-iterations 1 \
 *       --measurement-iterations 5 --timeout 3600s
 *
 * (scripts/bench-store.sh BUILD_DIR does that and times the CLI too.)
 * Files are read through the page cache: the figures are warm-cache ones.
 *
 * The generator is in this file because CMake builds each bench/NAME_bt.c
 * from that one source file.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <benchtrack.h>

#include "bench_util.h"

/* Bump when the generated content changes (names the cache directory).
 * 2: shortest reals, and run files written as the store writes them
 * (zstd-compressed from BT_RUN_ZSTD_MIN bytes; BT_STORE_BENCH_FORM=plain
 * generates a "-plain" store of plain files instead, to compare). */
#define GEN_VERSION 2
#define GEN_SEED 0x5eed5701ull
#define GEN_SAMPLES 20
#define GEN_DAYS 60
/* 2026-09-23T00:00:00Z: the runs lie in the 60 days after it */
#define GEN_EPOCH 1790121600LL

/* --- deterministic random numbers (splitmix64) ---------------------------- */

struct rng {
	uint64_t s;
};

static uint64_t rnext(struct rng *r)
{
	return bt_test_rng_next(&r->s);
}

static double runif(struct rng *r) /* [0, 1) */
{
	return (double)(rnext(r) >> 11) * 0x1.0p-53;
}

static unsigned rbelow(struct rng *r, unsigned n)
{
	return (unsigned)(runif(r) * n);
}

static double rgauss(struct rng *r)
{
	double u = runif(r), v = runif(r);
	return sqrt(-2.0 * log(1.0 - u)) * cos(6.283185307179586 * v);
}

static uint64_t mix(uint64_t a, uint64_t b)
{
	struct rng r = { a ^ (b * 0xd1342543de82ef95ull) };
	return rnext(&r);
}

/* --- what the synthetic runs contain ------------------------------------ */

struct axis {
	const char *key;
	const char *values[6];
};

/* One benchmark type: the suite that produces it, its benchmarks and their
 * parameter axes (keys in sorted order), the second metric. */
struct kind {
	const char *type, *suite;
	unsigned weight; /* share of the runs, in % */
	const char *names[6];
	struct axis axes[4];
	const char *metric2, *unit2, *items_unit;
};

static const struct kind kinds[] = {
	{ "attention", "attention", 40,
	  { "naive", "tiled", "flash", "dilated" },
	  { { "head_dim", { "64", "128" } },
	    { "heads", { "4", "8", "16" } },
	    { "seq_len", { "512", "1024", "2048", "4096", "8192" } } },
	  "tokens_per_s", "tokens/s", "tokens" },
	{ "micro", "kernels_bt", 25,
	  { "sum", "dot", "copy", "stride", "matmul" },
	  { { "align", { "8", "64" } },
	    { "n", { "1024", "4096", "16384", "65536", "262144" } },
	    { "threads", { "1", "2", "4" } } },
	  "bandwidth", "B/s", "B" },
	{ "inference", "llm_serving", 25,
	  { "prefill", "decode" },
	  { { "batch", { "1", "4", "16", "64" } },
	    { "dtype", { "fp16", "bf16" } },
	    { "model", { "llama-7b", "mistral-7b", "qwen-14b" } },
	    { "seq_len", { "128", "512", "2048", "8192" } } },
	  "ttft", "s", "tokens" },
	{ "training", "train_step", 10,
	  { "fwd", "bwd", "step" },
	  { { "batch", { "8", "16", "32", "64" } },
	    { "dtype", { "fp32", "bf16", "fp8" } },
	    { "seq_len", { "512", "1024", "2048" } } },
	  "samples_per_s", "samples/s", "samples" },
};
#define N_KINDS (sizeof kinds / sizeof kinds[0])

static size_t count_values(const struct axis *a)
{
	size_t n = 0;
	while (n < 6 && a->values[n])
		n++;
	return n;
}

static size_t count_names(const struct kind *k)
{
	size_t n = 0;
	while (n < 6 && k->names[n])
		n++;
	return n;
}

struct machine_def {
	const char *name, *cpu, *os, *gpu;
	int cores;
	int64_t mem;
	double speed; /* relative time factor */
};

static const struct machine_def machines[] = {
	{ "ci-runner-01", "AMD EPYC 7763 64-Core Processor",
	  "Ubuntu 22.04.4 LTS", "NVIDIA A100-SXM4-80GB", 64, 270582939648LL, 1.0 },
	{ "ci-runner-02", "Intel(R) Xeon(R) Platinum 8480+",
	  "Ubuntu 22.04.4 LTS", "NVIDIA H100 80GB HBM3", 112, 2164663517184LL, 0.7 },
	{ "dev-laptop", "Apple M2 Pro (Virtual)", "Debian GNU/Linux 12 (bookworm)",
	  NULL, 12, 34359738368LL, 1.6 },
};
#define N_MACHINES (sizeof machines / sizeof machines[0])

static const char *const branches[] = { "main", "main", "main", "dev",
					"feature/paged-kv", "release/0.2" };
#define N_BRANCHES (sizeof branches / sizeof branches[0])
#define N_COMMITS 40

/* What a run is, drawn first from its own generator so that the parent can
 * know every run's type, time and id without generating its results. */
struct head {
	unsigned kind, machine, commit, branch;
	int64_t t_ms;  /* ms since the epoch */
	char id[33];
	char ts[64];   /* 2026-11-22T20:08:32.417Z */
	char dir[80];  /* 2026-11-22-2008-UTC-<id8> */
};

static void hex(struct rng *r, char *out, size_t digits)
{
	static const char h[] = "0123456789abcdef";
	uint64_t v = 0;
	for (size_t i = 0; i < digits; i++) {
		if (i % 16 == 0)
			v = rnext(r);
		out[i] = h[v & 15];
		v >>= 4;
	}
	out[digits] = '\0';
}

static void run_head(size_t i, struct head *h, struct rng *r)
{
	r->s = mix(GEN_SEED, (uint64_t)i + 1);
	unsigned w = rbelow(r, 100), acc = 0;
	h->kind = N_KINDS - 1;
	for (unsigned k = 0; k < N_KINDS; k++) {
		acc += kinds[k].weight;
		if (w < acc) {
			h->kind = k;
			break;
		}
	}
	h->machine = rbelow(r, N_MACHINES);
	h->branch = rbelow(r, N_BRANCHES);
	h->t_ms = (GEN_EPOCH * 1000) + (int64_t)(runif(r) * GEN_DAYS * 86400e3);
	/* later runs see later commits: commit index follows the time */
	h->commit = (unsigned)((double)(h->t_ms - GEN_EPOCH * 1000) /
			       (GEN_DAYS * 86400e3) * N_COMMITS);
	if (h->commit >= N_COMMITS)
		h->commit = N_COMMITS - 1;
	hex(r, h->id, 32);
	time_t t = (time_t)(h->t_ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	snprintf(h->ts, sizeof h->ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, (int)(h->t_ms % 1000));
	snprintf(h->dir, sizeof h->dir, "%04d-%02d-%02d-%02d%02d-UTC-%.8s",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, h->id);
}

static void commit_hash(unsigned c, char out[41])
{
	struct rng r = { mix(GEN_SEED ^ 0xc0ffee, c) };
	hex(&r, out, 40);
}

static void fingerprint(unsigned m, char out[17])
{
	struct rng r = { mix(GEN_SEED ^ 0xf1f1, m) };
	hex(&r, out, 16);
}

static int cmp_kv(const void *a, const void *b)
{
	return strcmp(((const struct bt_kv *)a)->key,
		      ((const struct bt_kv *)b)->key);
}

/* Fills one metric with n samples around base (relative noise, an
 * occasional outlier) and their statistics. */
static int fill_metric(struct bt_run *run, struct bt_metric *m,
		       const char *name, const char *unit,
		       enum bt_direction dir, const double *x, size_t n)
{
	m->name = bt_run_strdup(run, name);
	m->unit = bt_run_strdup(run, unit);
	m->direction = dir;
	m->samples = bt_run_alloc(run, n * sizeof *m->samples);
	if (!m->name || !m->unit || !m->samples)
		return BT_ENOMEM;
	memcpy(m->samples, x, n * sizeof *x);
	m->n_samples = n;
	return bt_stats_summarize(x, n, &m->stats);
}

/* Builds run i (head h) with n_results results. */
static int build_run(size_t i, size_t n_results, struct bt_run *run)
{
	struct head h;
	struct rng r;
	run_head(i, &h, &r);
	const struct kind *k = &kinds[h.kind];
	const struct machine_def *md = &machines[h.machine];
	char commit[41], fp[17];
	commit_hash(h.commit, commit);
	fingerprint(h.machine, fp);
	int rc = bt_run_init(run);
	if (rc)
		return rc;
	run->run_id = bt_run_strdup(run, h.id);
	run->benchmark_type = bt_run_strdup(run, k->type);
	run->suite = bt_run_strdup(run, k->suite);
	run->timestamp = bt_run_strdup(run, h.ts);
	run->git.commit = bt_run_strdup(run, commit);
	run->git.branch = bt_run_strdup(run, branches[h.branch]);
	run->git.dirty = rbelow(&r, 10) == 0;
	{
		time_t ct = (time_t)(GEN_EPOCH + (int64_t)h.commit *
					 (GEN_DAYS * 86400 / N_COMMITS));
		struct tm tm;
		gmtime_r(&ct, &tm);
		run->git.commit_time = bt_run_printf(
			run, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
			tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	}
	struct bt_machine *m = &run->machine;
	m->name = bt_run_strdup(run, md->name);
	m->fingerprint = bt_run_strdup(run, fp);
	m->arch = bt_run_strdup(run, "x86_64");
	m->cpu_model = bt_run_strdup(run, md->cpu);
	m->cpu_cores = md->cores;
	m->cpu_physical_cores = md->cores / 2;
	m->cpu_mhz = 2450.0;
	m->cache_l1d = 49152;
	m->cache_l2 = 2097152;
	m->cache_l3 = 268435456;
	m->memory_bytes = md->mem;
	m->os = bt_run_strdup(run, md->os);
	m->kernel = bt_run_strdup(run, "6.8.0-45-generic");
	m->governor = bt_run_strdup(run, "performance");
	if (md->gpu) {
		m->gpus = bt_run_alloc(run, sizeof *m->gpus);
		if (!m->gpus)
			return BT_ENOMEM;
		m->n_gpus = 1;
		m->gpus[0].name = bt_run_strdup(run, md->gpu);
		m->gpus[0].memory_bytes = 85899345920LL;
		m->gpus[0].driver = bt_run_strdup(run, "550.90.07");
	}
	run->build.compiler = bt_run_strdup(run, "gcc 12.2.0");
	run->build.flags = bt_run_strdup(run, "-O3 -march=x86-64-v2");
	run->build.optimized = 1;
	run->build.benchtrack_version = bt_run_strdup(run, BENCHTRACK_VERSION);
	bt_config_defaults(&run->config);
	run->config.measurement_iterations = GEN_SAMPLES;
	run->config.timer_resolution_s = 1e-9;
	run->config.timer_overhead_s = 2.5e-8;
	run->config.clock = bt_run_strdup(run, "CLOCK_MONOTONIC");

	size_t nn = count_names(k), na = 0, combos = nn;
	while (na < 4 && k->axes[na].key) {
		combos *= count_values(&k->axes[na]);
		na++;
	}
	/* slow drift over the commits, and the odd regression */
	double drift = 1.0 + 0.03 * sin((double)h.commit * 0.7) +
		       (h.commit >= 30 && h.commit < 33 ? 0.12 : 0.0);
	double x[GEN_SAMPLES], y[GEN_SAMPLES];
	double duration = 0;
	for (size_t j = 0; j < n_results; j++) {
		struct bt_result *res = bt_run_add_result(run);
		if (!res)
			return BT_ENOMEM;
		size_t c = j % combos, rep = j / combos;
		res->name = bt_run_strdup(run, k->names[c % nn]);
		res->type = bt_run_strdup(run, k->type);
		res->variant = bt_run_strdup(run, "default");
		res->version = 1;
		res->n_params = na + (rep > 0);
		res->params = bt_run_alloc(run, res->n_params * sizeof *res->params);
		if (!res->params)
			return BT_ENOMEM;
		size_t q = c / nn;
		double size = 1.0;
		for (size_t a = 0; a < na; a++) {
			size_t nv = count_values(&k->axes[a]), v = q % nv;
			q /= nv;
			res->params[a].key = k->axes[a].key;
			res->params[a].value = k->axes[a].values[v];
			size *= (double)(v + 1);
		}
		if (rep > 0) {
			res->params[na].key = "rep";
			res->params[na].value = bt_run_printf(run, "%zu", rep);
		}
		qsort(res->params, res->n_params, sizeof *res->params, cmp_kv);
		/* the case's own speed, stable across runs */
		struct rng cr = { mix(GEN_SEED ^ h.kind, c + 1) };
		double base = 1e-6 * size * (1.0 + 20.0 * runif(&cr)) * md->speed *
			      drift;
		if (rbelow(&r, 200) == 0) {
			res->status = BT_STATUS_FAILED;
			res->message = bt_run_printf(
				run, "validation failed: max relative error "
				     "%.3g exceeds tolerance 0.001",
				0.001 + runif(&r));
			res->series_key = NULL;
		} else {
			res->status = BT_STATUS_OK;
			int two = (j % 2) == 0;
			res->metrics = bt_run_alloc(run, (two ? 2 : 1) *
							      sizeof *res->metrics);
			if (!res->metrics)
				return BT_ENOMEM;
			res->n_metrics = two ? 2 : 1;
			double items = 1024.0 * size;
			for (size_t s = 0; s < GEN_SAMPLES; s++) {
				double noise = 1.0 + 0.02 * rgauss(&r);
				if (rbelow(&r, 40) == 0)
					noise *= 1.3; /* an outlier */
				x[s] = base * (noise > 0.5 ? noise : 0.5);
				y[s] = strcmp(k->unit2, "s") == 0
					       ? x[s] * 0.1 * (1.0 + 0.05 * rgauss(&r))
					       : items / x[s];
			}
			if ((rc = fill_metric(run, &res->metrics[0], "time", "s",
					      BT_LOWER_IS_BETTER, x, GEN_SAMPLES)))
				return rc;
			if (two &&
			    (rc = fill_metric(run, &res->metrics[1], k->metric2,
					      k->unit2,
					      strcmp(k->unit2, "s") == 0
						      ? BT_LOWER_IS_BETTER
						      : BT_HIGHER_IS_BETTER,
					      y, GEN_SAMPLES)))
				return rc;
			res->throughput.items_per_op = items;
			res->throughput.value = items / res->metrics[0].stats.median;
			res->throughput.unit = bt_run_printf(run, "%s/s", k->items_unit);
			res->iterations_per_sample =
				(uint64_t)(0.005 / base) + 1;
			char key[17];
			bt_series_key(run->suite, res, fp, "time", key);
			res->series_key = bt_run_strdup(run, key);
		}
		res->peak_memory_bytes = (int64_t)(4e6 + 1e5 * size * 64);
		res->memory_bytes = -1;
		res->cpu_user_s = base * GEN_SAMPLES * 1.1;
		res->cpu_sys_s = 0.001 * runif(&r);
		res->ctx_switches_voluntary = (int64_t)rbelow(&r, 5);
		res->ctx_switches_involuntary = (int64_t)rbelow(&r, 30);
		res->wall_s = 0.12 + base * GEN_SAMPLES * 1.2;
		duration += res->wall_s;
	}
	run->duration_s = duration;
	return 0;
}

/* --- writing the store ----------------------------------------------------- */

/* mkdir -p of a malloc'd copy of p; 0 or -1 with errno. */
static int mkdir_p(const char *path)
{
	char *p = strdup(path);
	if (!p)
		return -1;
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		int rc = mkdir(p, 0777);
		*s = '/';
		if (rc != 0 && errno != EEXIST) {
			free(p);
			return -1;
		}
	}
	int rc = mkdir(p, 0777) != 0 && errno != EEXIST ? -1 : 0;
	free(p);
	return rc;
}

/* The form of the generated run files: as the store writes them, or
 * plain with BT_STORE_BENCH_FORM=plain. */
static enum bt_run_file_form gen_form(void)
{
	const char *f = getenv("BT_STORE_BENCH_FORM");
	return f && strcmp(f, "plain") == 0 ? BT_RUN_FILE_PLAIN : BT_RUN_FILE_STORE;
}

/* Writes run i (its directory, run.json, its by-date link) into store. */
static int write_run(const char *store, size_t i, size_t n_results,
		     struct bt_strbuf *err)
{
	struct bt_run run;
	struct head h;
	struct rng r;
	memset(&run, 0, sizeof run); /* bt_run_release is safe on it */
	run_head(i, &h, &r);
	const char *type = kinds[h.kind].type;
	char *dir = bench_pathf("%s/by-type/%s/%s", store, type, h.dir);
	char *file = dir ? bench_pathf("%s/run.json", dir) : NULL;
	/* by-date/YYYY-MM/DD/<type>/<dir> -> ../../../../by-type/<type>/<dir> */
	char *ddir = bench_pathf("%s/by-date/%.7s/%.2s/%s", store, h.ts, h.ts + 8, type);
	char *link = ddir ? bench_pathf("%s/%s", ddir, h.dir) : NULL;
	char *target = bench_pathf("../../../../by-type/%s/%s", type, h.dir);
	int rc = !file || !link || !target ? BT_ENOMEM : build_run(i, n_results, &run);
	if (!rc && (mkdir_p(dir) != 0 || mkdir_p(ddir) != 0))
		rc = bt_error(err, BT_EIO, "%s: %s", dir, strerror(errno));
	if (!rc)
		rc = bt_run_write_file_as(&run, file, gen_form(), err);
	if (!rc && symlink(target, link) != 0)
		rc = bt_error(err, BT_EIO, "%s: %s", link, strerror(errno));
	bt_run_release(&run);
	free(dir);
	free(file);
	free(ddir);
	free(link);
	free(target);
	return rc;
}

/* Writes runs worker, worker + workers, ... into store; 0 or -1 (message
 * on stderr). */
static int write_runs(const char *store, size_t n_runs, size_t n_results,
		      unsigned worker, unsigned workers)
{
	for (size_t i = worker; i < n_runs; i += workers) {
		struct bt_strbuf err = BT_STRBUF_INIT;
		int rc = write_run(store, i, n_results, &err);
		if (rc) {
			fprintf(stderr, "store_bt: generating run %zu in %s: %s\n",
				i, store, err.len ? err.buf : bt_strerror(rc));
			bt_strbuf_release(&err);
			return -1;
		}
		bt_strbuf_release(&err);
	}
	return 0;
}

static unsigned n_workers(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 8 ? 8 : (unsigned)n;
}

/* latest/<type>.json -> the newest run of each type. */
static int write_latest(const char *store, size_t n_runs)
{
	struct head best[N_KINDS];
	int have[N_KINDS] = { 0 };
	for (size_t i = 0; i < n_runs; i++) {
		struct head h;
		struct rng r;
		run_head(i, &h, &r);
		if (!have[h.kind] || strcmp(h.ts, best[h.kind].ts) > 0 ||
		    (strcmp(h.ts, best[h.kind].ts) == 0 &&
		     strcmp(h.id, best[h.kind].id) > 0)) {
			best[h.kind] = h;
			have[h.kind] = 1;
		}
	}
	char *p = bench_pathf("%s/latest", store);
	int rc = !p || mkdir_p(p) != 0 ? -1 : 0;
	free(p);
	for (unsigned k = 0; !rc && k < N_KINDS; k++) {
		if (!have[k])
			continue;
		char *l = bench_pathf("%s/latest/%s.json", store, kinds[k].type);
		char *t = bench_pathf("../by-type/%s/%s/run.json", kinds[k].type,
				best[k].dir);
		if (!l || !t || symlink(t, l) != 0)
			rc = -1;
		free(l);
		free(t);
	}
	return rc;
}

static int rm_entry(const char *p, const struct stat *sb, int flag,
		    struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(p);
}

static void rm_rf(const char *p)
{
	nftw(p, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Generates the store into DIR.tmp.PID (workers in parallel), then renames
 * it to dir. 0 or -1 (message on stderr). */
static int generate(const char *dir, size_t n_runs, size_t n_results)
{
	char *tmp = bench_pathf("%s.tmp.%ld", dir, (long)getpid());
	if (!tmp)
		return -1;
	rm_rf(tmp);
	const char *sub[] = { "by-type", "by-date", "comparisons", "archive" };
	int ok = 1;
	for (size_t i = 0; ok && i < 4; i++) {
		char *p = bench_pathf("%s/%s", tmp, sub[i]);
		if (!p || mkdir_p(p) != 0) {
			fprintf(stderr, "store_bt: %s: %s\n", p ? p : tmp,
				strerror(errno));
			ok = 0;
		}
		free(p);
	}
	unsigned w = n_workers();
	pid_t pids[8];
	for (unsigned k = 0; k < w; k++) {
		pids[k] = -1;
		if (!ok)
			continue;
		fflush(NULL);
		pids[k] = fork();
		if (pids[k] == 0)
			_exit(write_runs(tmp, n_runs, n_results, k, w) ? 1 : 0);
		if (pids[k] < 0)
			ok = 0;
	}
	for (unsigned k = 0; k < w; k++) {
		int st;
		if (pids[k] > 0 && (waitpid(pids[k], &st, 0) != pids[k] ||
				    !WIFEXITED(st) || WEXITSTATUS(st) != 0))
			ok = 0;
	}
	if (ok && write_latest(tmp, n_runs) != 0)
		ok = 0;
	if (ok && rename(tmp, dir) != 0) {
		/* another process may have finished the same store first */
		struct stat st;
		int e = errno;
		if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
			fprintf(stderr, "store_bt: %s: %s\n", dir, strerror(e));
			ok = 0;
		}
		rm_rf(tmp);
	}
	if (!ok) {
		fprintf(stderr, "store_bt: generating %s failed\n", dir);
		rm_rf(tmp);
	}
	free(tmp);
	return ok ? 0 : -1;
}

/* The cached store of this size, generated when missing; with indexed, a
 * store that has an index (reindexed once, untimed). malloc'd path, or
 * NULL after bt_fail. */
static char *store_for(bt_state *s, int indexed)
{
	int64_t runs = bt_param_int(s, "runs"), results = bt_param_int(s, "results");
	if (runs <= 0 || results <= 0) {
		bt_fail(s, "runs and results must be positive");
		return NULL;
	}
	const char *root = getenv("BT_STORE_BENCH_DIR");
	const char *t = getenv("TMPDIR");
	char *rootbuf = NULL;
	if (!root || !*root)
		root = rootbuf = bench_pathf("%s/benchtrack-store-bench",
				       t && *t ? t : "/tmp");
	char *dir = root ? bench_pathf("%s/runs%lld-results%lld-v%d%s", root,
				 (long long)runs, (long long)results, GEN_VERSION,
				 gen_form() == BT_RUN_FILE_PLAIN ? "-plain" : "")
			 : NULL;
	char *idx = dir ? bench_pathf("%s/index.db", dir) : NULL;
	struct stat st;
	if (!idx) {
		bt_fail(s, "out of memory");
		goto fail;
	}
	if (mkdir_p(root) != 0) {
		bt_fail(s, "%s: %s", root, strerror(errno));
		goto fail;
	}
	if (stat(dir, &st) != 0) {
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		fprintf(stderr, "store_bt: generating %s ...\n", dir);
		if (generate(dir, (size_t)runs, (size_t)results) != 0) {
			bt_fail(s, "could not generate %s (see stderr)", dir);
			goto fail;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		fprintf(stderr, "store_bt: generated %s in %.1f s\n", dir,
			(double)(t1.tv_sec - t0.tv_sec) +
				(double)(t1.tv_nsec - t0.tv_nsec) * 1e-9);
	}
	if (indexed && stat(idx, &st) != 0 && bench_reindex(s, dir, BT_STORE_NO_REBUILD))
		goto fail;
	free(rootbuf);
	free(idx);
	return dir;
fail:
	free(rootbuf);
	free(idx);
	free(dir);
	return NULL;
}

/* --- sizes on disk ----------------------------------------------------------- */

static double du_bytes, du_alloc, du_files;

static int du_entry(const char *p, const struct stat *sb, int flag,
		    struct FTW *ftw)
{
	(void)p, (void)ftw;
	if (flag == FTW_F && S_ISREG(sb->st_mode)) {
		du_bytes += (double)sb->st_size;
		du_files += 1;
	}
	if (flag != FTW_SL)
		du_alloc += (double)sb->st_blocks * 512.0;
	return 0;
}

static double file_size(const char *dir, const char *name)
{
	char *p = bench_pathf("%s/%s", dir, name);
	struct stat st;
	double n = p && stat(p, &st) == 0 ? (double)st.st_size : 0.0;
	free(p);
	return n;
}

/* --- the cases ------------------------------------------------------------- */

static void bm_reindex(bt_state *s)
{
	char *dir = store_for(s, 0);
	if (!dir)
		return;
	size_t want = (size_t)bt_param_int(s, "runs") *
		      (size_t)bt_param_int(s, "results");
	struct bt_store *st;
	struct bt_strbuf err = BT_STRBUF_INIT;
	int rc = bt_store_open(&st, dir, BT_STORE_NO_REBUILD, &err);
	if (rc) {
		bt_fail(s, "%s", bt_strbuf_str(&err));
		goto out;
	}
	size_t runs = 0, results = 0;
	while (bt_loop(s)) {
		rc = bt_store_reindex(st, &runs, &results, &err);
		if (rc) {
			bt_fail(s, "reindex: %s", bt_strbuf_str(&err));
			break;
		}
	}
	bt_store_close(st);
	if (rc)
		goto out;
	/* failed results are in the files too: every result is indexed */
	if (runs != (size_t)bt_param_int(s, "runs") || results != want) {
		bt_fail(s, "reindex saw %zu runs, %zu results; expected %zu",
			runs, results, want);
		goto out;
	}
	bt_set_items(s, (double)want, "results");
	du_bytes = du_alloc = du_files = 0;
	nftw(dir, du_entry, 32, FTW_PHYS);
	bt_counter(s, "store_bytes", du_bytes);
	bt_counter(s, "store_disk_bytes", du_alloc);
	bt_counter(s, "store_files", du_files);
	bt_counter(s, "index_bytes", file_size(dir, "index.db") +
					     file_size(dir, "index.db-wal"));
out:
	bt_strbuf_release(&err);
	free(dir);
}
BT_BENCH(bm_reindex, .name = "reindex", .type = "store",
	 .params = "runs=1000,10000;results=100");

static void bm_list(bt_state *s)
{
	char *dir = store_for(s, 1);
	if (!dir)
		return;
	const char *filter = bt_param_str(s, "filter");
	struct bt_store_filter f;
	memset(&f, 0, sizeof f);
	if (filter && strcmp(filter, "type") == 0)
		f.type = kinds[0].type;
	struct bt_store *st;
	struct bt_strbuf err = BT_STRBUF_INIT;
	int rc = bt_store_open(&st, dir, BT_STORE_READONLY, &err);
	size_t n = 0;
	while (!rc && bt_loop(s)) {
		struct bt_store_list l;
		rc = bt_store_query(st, &f, &l, &err);
		n = l.n;
		bt_store_list_release(&l);
	}
	if (rc)
		bt_fail(s, "%s", bt_strbuf_str(&err));
	else if (n == 0)
		bt_fail(s, "%s: no runs listed", dir);
	else
		bt_set_items(s, (double)n, "runs");
	bt_counter(s, "runs_listed", (double)n);
	if (st)
		bt_store_close(st);
	bt_strbuf_release(&err);
	free(dir);
}
BT_BENCH(bm_list, .name = "list", .type = "store",
	 .params = "runs=1000,10000;results=100;filter=none,type");

/* Loads ref ("latest", or a run id prefix when ref is NULL) each iteration. */
static void show(bt_state *s, const char *ref)
{
	char *dir = store_for(s, 1);
	if (!dir)
		return;
	size_t n = 0;
	char prefix[9];
	if (!ref) {
		/* a run from the middle of the generated ones */
		struct head h;
		struct rng r;
		run_head((size_t)bt_param_int(s, "runs") / 2, &h, &r);
		snprintf(prefix, sizeof prefix, "%.8s", h.id);
		ref = prefix;
	}
	struct bt_store *st;
	struct bt_strbuf err = BT_STRBUF_INIT;
	int rc = bt_store_open(&st, dir, BT_STORE_READONLY, &err);
	while (!rc && bt_loop(s)) {
		struct bt_run run;
		if ((rc = bt_run_init(&run)))
			break;
		rc = bt_store_load(st, ref, &run, &err);
		n = run.n_results;
		bt_run_release(&run);
	}
	if (rc)
		bt_fail(s, "show %s: %s", ref, bt_strbuf_str(&err));
	else
		bt_counter(s, "results_loaded", (double)n);
	if (st)
		bt_store_close(st);
	bt_strbuf_release(&err);
	free(dir);
}

static void bm_show_latest(bt_state *s)
{
	show(s, "latest");
}
BT_BENCH(bm_show_latest, .name = "show_latest", .type = "store",
	 .params = "runs=1000,10000;results=100");

static void bm_show_prefix(bt_state *s)
{
	show(s, NULL);
}
BT_BENCH(bm_show_prefix, .name = "show_prefix", .type = "store",
	 .params = "runs=1000,10000;results=100");

/* --- concurrent writers ---------------------------------------------------- */

/* Puts per writer process per timed iteration. */
#define PUTS_PER_WRITER 4
/* Runs put by put_concurrent are numbered from here (the generated store
 * holds runs 0 .. runs-1): new ids, times within the same 60 days. */
#define PUT_FIRST 1000000

/* A copy of the cached store src at dst to put runs into, so that the
 * cache keeps its size: the run files hard-linked (the store never
 * changes a run file in place; links and README.md are replaced by
 * rename), index.db and its -wal/-shm copied. 0 or -1. */
static int copy_store(const char *src, const char *dst)
{
	char *cmd = bench_pathf("rm -rf '%s' && cp -al '%s' '%s' && rm -f '%s'/index.db* "
				"&& for f in '%s'/index.db*; do cp \"$f\" '%s'/; done",
				dst, src, dst, dst, src, dst);
	int rc = cmd ? system(cmd) : -1;
	free(cmd);
	return rc == 0 ? 0 : -1;
}

/* One writer: builds its runs, opens the store, says so on ready and
 * waits for go to close; then puts them. Exit status 0 or 1 (message on
 * stderr). */
static int writer(const char *dir, size_t first, size_t n_results, int ready,
		  int go)
{
	struct bt_run runs[PUTS_PER_WRITER];
	struct bt_strbuf err = BT_STRBUF_INIT;
	struct bt_store *st = NULL;
	int rc = 0;
	char c = 'r';
	memset(runs, 0, sizeof runs);
	for (size_t k = 0; !rc && k < PUTS_PER_WRITER; k++)
		rc = build_run(first + k, n_results, &runs[k]);
	if (!rc)
		rc = bt_store_open(&st, dir, 0, &err);
	if (write(ready, &c, 1) != 1 || read(go, &c, 1) != 0)
		rc = rc ? rc : BT_ESYS;
	for (size_t k = 0; !rc && k < PUTS_PER_WRITER; k++) {
		char *path = NULL;
		rc = bt_store_put(st, &runs[k], &path, &err);
		free(path);
	}
	if (rc)
		fprintf(stderr, "store_bt: writer: %s\n", err.len ? bt_strbuf_str(&err)
			: bt_strerror(rc));
	if (st)
		bt_store_close(st);
	for (size_t k = 0; k < PUTS_PER_WRITER; k++)
		bt_run_release(&runs[k]);
	bt_strbuf_release(&err);
	return rc ? 1 : 0;
}

/* W writer processes each putting PUTS_PER_WRITER new runs into a copy of
 * the store at once (each put takes the store lock to index the run and
 * refresh latest/ and README.md); times from their start (runs built,
 * store open) to the last one's exit: puts/s. The copy grows by
 * W x PUTS_PER_WRITER runs per iteration. */
static void bm_put_concurrent(bt_state *s)
{
	char *src = store_for(s, 1);
	if (!src)
		return;
	int64_t w = bt_param_int(s, "writers");
	size_t results = (size_t)bt_param_int(s, "results");
	char *dir = bench_pathf("%s.put.%ld", src, (long)getpid());
	size_t next = PUT_FIRST;
	if (w < 1 || w > 64) {
		bt_fail(s, "writers must be 1 to 64");
		goto out;
	}
	if (!dir || copy_store(src, dir) != 0) {
		bt_fail(s, "could not copy %s", src);
		goto out;
	}
	while (bt_loop(s)) {
		bt_pause(s);
		int ready[2], go[2], ok = 1;
		pid_t pids[64];
		if (pipe(ready) != 0 || pipe(go) != 0) {
			bt_fail(s, "pipe: %s", strerror(errno));
			break;
		}
		fflush(NULL);
		for (int64_t k = 0; k < w; k++) {
			pids[k] = fork();
			if (pids[k] == 0) {
				close(ready[0]);
				close(go[1]);
				_exit(writer(dir, next + (size_t)k * PUTS_PER_WRITER,
					     results, ready[1], go[0]));
			}
			ok &= pids[k] > 0;
		}
		next += (size_t)w * PUTS_PER_WRITER;
		close(ready[1]);
		close(go[0]);
		char c;
		for (int64_t k = 0; ok && k < w; k++)
			ok = read(ready[0], &c, 1) == 1;
		bt_resume(s);
		close(go[1]); /* go */
		for (int64_t k = 0; k < w; k++) {
			int status;
			if (pids[k] > 0 && (waitpid(pids[k], &status, 0) != pids[k] ||
					    !WIFEXITED(status) || WEXITSTATUS(status)))
				ok = 0;
		}
		close(ready[0]);
		if (!ok) {
			bt_fail(s, "a writer failed (see stderr)");
			break;
		}
	}
	bt_set_items(s, (double)w * PUTS_PER_WRITER, "puts");
	bt_counter(s, "runs_put", (double)(next - PUT_FIRST));
out:
	if (dir)
		rm_rf(dir);
	free(dir);
	free(src);
}
BT_BENCH(bm_put_concurrent, .name = "put_concurrent", .type = "store",
	 .params = "runs=2000,10000;results=100;writers=8");

/* One run of the generator (run 0, RESULTS results) written to a file in
 * the form given (write_run: bt_run_write_file_as, the JSON text made
 * each time), or read back (read_run: bt_run_read_file, the strict
 * reader; reindex times the fast one). Counters: the JSON text's bytes
 * and the file's. */
static void run_file(bt_state *s, int write)
{
	const char *form = bt_param_str(s, "form");
	enum bt_run_file_form fm = strcmp(form, "gzip") == 0   ? BT_RUN_FILE_GZIP
				   : strcmp(form, "zstd") == 0 ? BT_RUN_FILE_ZSTD
							       : BT_RUN_FILE_PLAIN;
	const char *t = getenv("TMPDIR");
	char *dir = bench_pathf("%s/store_bt.XXXXXX", t && *t ? t : "/tmp");
	char *file = NULL;
	struct bt_run run;
	struct bt_strbuf err = BT_STRBUF_INIT, js = BT_STRBUF_INIT;
	memset(&run, 0, sizeof run);
	int rc = !dir || !mkdtemp(dir) ? BT_EIO : 0;
	if (!rc)
		file = bench_pathf("%s/run.json", dir);
	if (!rc && !file)
		rc = BT_ENOMEM;
	if (!rc)
		rc = build_run(0, (size_t)bt_param_int(s, "results"), &run);
	if (!rc)
		rc = bt_run_to_json(&run, 1, &js, &err);
	if (!rc)
		rc = bt_run_write_file_as(&run, file, fm, &err);
	while (!rc && bt_loop(s)) {
		if (write) {
			rc = bt_run_write_file_as(&run, file, fm, &err);
			continue;
		}
		struct bt_run back;
		if ((rc = bt_run_init(&back)))
			break;
		rc = bt_run_read_file(&back, file, &err);
		bt_run_release(&back);
	}
	if (rc) {
		bt_fail(s, "%s: %s", file ? file : "run file", bt_strbuf_str(&err));
	} else {
		struct stat st;
		bt_set_items(s, 1, "runs");
		bt_counter(s, "json_bytes", (double)(js.len + 1));
		if (stat(file, &st) == 0)
			bt_counter(s, "file_bytes", (double)st.st_size);
	}
	if (file)
		unlink(file);
	if (dir)
		rmdir(dir);
	bt_run_release(&run);
	bt_strbuf_release(&err);
	bt_strbuf_release(&js);
	free(file);
	free(dir);
}

static void bm_write_run(bt_state *s)
{
	run_file(s, 1);
}
BT_BENCH(bm_write_run, .name = "write_run", .type = "store",
	 .params = "results=100;form=plain,zstd,gzip");

static void bm_read_run(bt_state *s)
{
	run_file(s, 0);
}
BT_BENCH(bm_read_run, .name = "read_run", .type = "store",
	 .params = "results=100;form=plain,zstd,gzip");

BT_MAIN()
