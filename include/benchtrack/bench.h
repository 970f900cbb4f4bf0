/* The benchmark author's API (docs/API.md is the tour).
 *
 *     static void bm_sum(bt_state *s)
 *     {
 *         size_t n = (size_t)bt_param_int(s, "n");
 *         double *x = malloc(n * sizeof *x);        setup: untimed
 *         while (bt_loop(s)) {                      timed
 *             double acc = sum(x, n);
 *             bt_do_not_optimize(&acc);
 *         }
 *         bt_set_items(s, n, "elements");
 *         free(x);
 *     }
 *     BT_BENCH(bm_sum, .params = "n=1024,4096,65536", .type = "micro");
 *     BT_MAIN()
 *
 * The benchmark function is called once per case. bt_loop() runs the whole
 * measurement: calibration batches, warmup samples (discarded) and
 * measurement samples (kept), each sample a calibrated batch of iterations.
 * Everything outside the loop is untimed.
 */
#ifndef BENCHTRACK_BENCH_H
#define BENCHTRACK_BENCH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bt_state bt_state;
typedef void (*bt_bench_fn)(bt_state *s);

/* What BT_BENCH declares. All fields but fn are optional. */
struct bt_bench_def {
	bt_bench_fn fn;
	const char *fn_name;  /* set by BT_BENCH */
	const char *name;     /* default: fn_name */
	const char *group;    /* benchmarks compared with each other */
	const char *params;   /* parameter spec, see params.h */
	const char *type;     /* benchmark type, e.g. "micro", "attention" */
	const char *options;  /* boolean switches "a,b" for ablation */
	const char *adaptive; /* parameter halved and retried on OOM */
	const char *unit;     /* items unit when bt_set_items gives none */
	int version;          /* bump when the meaning changes; 0 means 1 */
	const char *file;     /* set by BT_BENCH */
	int line;
	const char *presets;  /* the named selections ("performance,full")
				 it belongs to, see BT_PRESET */
	const char *ranks;    /* distributed (MPI): the world sizes it runs
				 at ("1,2,4"), a parameter axis `ranks`;
				 type "distributed" unless .type says */
	double max_time;      /* s of measurement a case may take at most:
				 once reached, with at least 3 samples, it
				 stops measuring whatever the sample count
				 says (for cases whose one call takes
				 seconds); 0: no limit */
};

/* A named selection of the suite's cases (`--suite-preset NAME`, listed
 * by --list). The cases of a preset are those of the benchmarks that name
 * it in their .presets (all benchmarks when none does), then .filter and
 * .exclude on the case id; .params and .range then apply as if given on
 * the command line before its own --param and --range. All fields but
 * name are optional; name is BT_PRESET's first argument. */
struct bt_preset_def {
	const char *name;        /* set by BT_PRESET */
	const char *description; /* one line, shown by --list */
	const char *filter;      /* POSIX ERE on case ids, as --filter */
	const char *exclude;     /* as --exclude */
	const char *params;      /* a --param spec ("prompt_len=128,1024") */
	const char *range;       /* a --range value */
	const char *file;        /* set by BT_PRESET */
	int line;
};

/* The hot part of the state, public only so bt_loop can be inline. */
struct bt_state {
	uint64_t bt__left;    /* iterations left in the current batch */
	void *bt__impl;       /* runner state */
};

/* Registers a benchmark (BT_BENCH does this before main). def must stay
 * valid for the life of the process (BT_BENCH makes it static). */
void bt_register(const struct bt_bench_def *def);

/* Registers a preset (BT_PRESET does this before main); def must stay
 * valid for the life of the process. */
void bt_register_preset(const struct bt_preset_def *def);

/*     BT_PRESET(performance, .description = "speed on the tiny model",
 *               .params = "model=tiny;prompt_len=128,1024");
 * name_ is the preset's name (a C identifier). */
#define BT_PRESET(name_, ...)                                                \
	static void __attribute__((constructor)) bt__preset_##name_(void)    \
	{                                                                    \
		static const struct bt_preset_def bt__pdef_##name_ = {       \
			.name = #name_, .file = __FILE__, .line = __LINE__,  \
			__VA_ARGS__                                          \
		};                                                           \
		bt_register_preset(&bt__pdef_##name_);                       \
	}                                                                    \
	extern int bt__preset_declared_##name_

#define BT_BENCH(fn_, ...)                                                   \
	static void __attribute__((constructor)) bt__register_##fn_(void)    \
	{                                                                    \
		static const struct bt_bench_def bt__def_##fn_ = {           \
			.fn = fn_, .fn_name = #fn_, .file = __FILE__,        \
			.line = __LINE__, __VA_ARGS__                        \
		};                                                           \
		bt_register(&bt__def_##fn_);                                 \
	}                                                                    \
	/* swallows the ';' after BT_BENCH(...) (no -Wpedantic warning) */   \
	extern int bt__bench_declared_##fn_

/* Called by bt_loop when a batch is used up: ends the sample, decides the
 * next batch. Returns 1 to go on, 0 when measuring is done. */
int bt__loop_next(bt_state *s);

/* True while the benchmark should run one more iteration. */
static inline int bt_loop(bt_state *s)
{
	if (__builtin_expect(s->bt__left != 0, 1)) {
		s->bt__left--;
		return 1;
	}
	return bt__loop_next(s);
}

/* Keeps the compiler from optimising away the value at p / reordering
 * memory accesses around the timed region. */
static inline void bt_do_not_optimize(const void *p)
{
	__asm__ __volatile__("" : : "g"(p) : "memory");
}
static inline void bt_clobber_memory(void)
{
	__asm__ __volatile__("" : : : "memory");
}

/* Current value of a declared parameter. An undeclared name or a value
 * that is not an integer fails the case (bt_param_int then returns 0). */
int64_t bt_param_int(bt_state *s, const char *name);
double bt_param_double(bt_state *s, const char *name);
/* NULL (and the case fails) for an undeclared name. Owned by the runner. */
const char *bt_param_str(bt_state *s, const char *name);
/* 1 when boolean option name is on in this case, 0 otherwise. */
int bt_option(bt_state *s, const char *name);

/* The directory given with --models DIR (as given), or NULL without it.
 * With --models, a benchmark that declares a parameter `model` runs once
 * per model file found in DIR: the values are the names of its
 * *.safetensors files without the extension, smallest file first (see
 * `benchtrack help run`, Models), so the model of a case is at
 * bt_models_dir(s) + "/" + bt_param_str(s, "model") + ".safetensors".
 * Owned by the runner. */
const char *bt_models_dir(bt_state *s);

/* Timing asynchronous work (a GPU stream): fn(ud) is called right before
 * every clock read of the timed loop (the start and end of each batch,
 * bt_pause and bt_resume), so that work queued on the device is finished
 * inside the time it belongs to. Without it, bt_loop times how long it
 * takes to queue the work, not to do it. Call before bt_loop; fn NULL
 * removes the hook. The cost of fn is part of each sample (once per batch
 * of iterations, so calibrated batches amortise it). */
typedef void (*bt_sync_fn)(void *ud);
void bt_set_sync(bt_state *s, bt_sync_fn fn, void *ud);

/* Exclude a region inside the loop from the time (costs two clock reads;
 * prefer setup outside the loop). */
void bt_pause(bt_state *s);
void bt_resume(bt_state *s);

/* Throughput: items (bytes) processed per iteration; reported per second
 * at the median time ("tokens/s", "B/s"). unit NULL uses .unit or "items". */
void bt_set_items(bt_state *s, double items_per_op, const char *unit);
void bt_set_bytes(bt_state *s, double bytes_per_op);
/* Memory the benchmark knows it uses (device memory, an arena), in bytes. */
void bt_set_memory(bt_state *s, int64_t bytes);

/* Records one sample of a named metric (e.g. "ttft", unit "s"); each
 * metric gets its own statistics. Calls made during calibration or warmup
 * are discarded. A unit ending in "/s" means higher is better. */
void bt_metric(bt_state *s, const char *name, double value, const char *unit);
/* A single named value (last call wins). */
void bt_counter(bt_state *s, const char *name, double value);

/* Correctness check against a reference: records max absolute error and
 * the normwise relative error max|got-want| / max|want|; when that exceeds
 * rel_tol the case fails validation. Returns 1 when within tolerance. */
int bt_check_close(bt_state *s, const double *got, const double *want,
		   size_t count, double rel_tol);
int bt_check_close_f(bt_state *s, const float *got, const double *want,
		     size_t count, double rel_tol);

/* End the case early. The case is recorded as failed / skipped / out of
 * memory with the message; bt_loop returns 0 from then on. Return from the
 * benchmark function after calling these. bt_oom retries with a halved
 * adaptive parameter when the benchmark declares one. */
void bt_fail(bt_state *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void bt_skip(bt_state *s, const char *reason);
void bt_oom(bt_state *s);

/* Distributed benchmarks (.ranks; docs/API.md): this process's rank in
 * the case's world (0 .. world size - 1) and the world size; 0 and 1 for
 * a benchmark that is not distributed. bt_mpi_comm is the case's
 * communicator (an MPI_Comm, as void * so that this header needs no
 * mpi.h: `MPI_Comm comm = *(MPI_Comm *)bt_mpi_comm(s);`), NULL outside
 * an MPI world. Samples are taken in step: every rank starts a sample
 * together and a sample's time is the slowest rank's. */
int bt_rank(bt_state *s);
int bt_world_size(bt_state *s);
void *bt_mpi_comm(bt_state *s);

/* Deterministic seed for generating inputs: depends on --seed, the
 * benchmark's group (its name when it has none) and its parameter values
 * only, so every implementation in a group sees the same inputs (the
 * `ranks` of a distributed benchmark does not count). */
uint64_t bt_seed(bt_state *s);

/* Build information recorded in runs (BT_MAIN passes the benchmark's). */
struct bt_build_info {
	const char *compiler; /* __VERSION__ */
	const char *flags;    /* BT_BUILD_FLAGS if the build defines it */
	int optimized;        /* __OPTIMIZE__ */
	const char *marker;   /* BT__SUITE_MARKER: what `benchtrack run DIR`
				 looks for in a file to know a suite */
};

/* The runner command line of a benchmark executable (see `benchtrack help
 * run`): parses argv, runs the registered benchmarks, prints the table or
 * writes JSON. Returns the process exit code (0, 2 usage, 3 error, 4 some
 * case failed). Defined in libbenchtrack_main, not libbenchtrack. */
int bt_main(int argc, char **argv, const struct bt_build_info *build);

#ifndef BT_BUILD_FLAGS
#define BT_BUILD_FLAGS NULL
#endif
#ifdef __OPTIMIZE__
#define BT__OPTIMIZED 1
#else
#define BT__OPTIMIZED 0
#endif
#if defined(__clang__)
#define BT__COMPILER "clang " __clang_version__
#elif defined(__GNUC__)
#define BT__COMPILER "gcc " __VERSION__
#elif defined(__VERSION__)
#define BT__COMPILER __VERSION__
#else
#define BT__COMPILER NULL
#endif

/* Bytes that only a BT_MAIN executable holds (split into pieces here so
 * that no other file has them whole). */
#define BT__SUITE_MARKER "\177" "BENCHTRACK" "_SUITE_MAIN_V1" "\177"

#define BT_MAIN()                                                            \
	int main(int argc, char **argv)                                      \
	{                                                                    \
		static const struct bt_build_info bt__build = {              \
			BT__COMPILER, BT_BUILD_FLAGS, BT__OPTIMIZED,         \
			BT__SUITE_MARKER                                     \
		};                                                           \
		return bt_main(argc, argv, &bt__build);                      \
	}

#ifdef __cplusplus
}
#endif
#endif
