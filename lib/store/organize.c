/* Migration of a folder of legacy result files into the store
 * (bt_store_organize, include/benchtrack/store.h; the command is
 * docs/cmd/organize.md).
 *
 * Files. Every regular file of src is read (sorted by name with strcmp;
 * with o->recursive, subdirectories too, depth first in the same order),
 * never written. Names starting with '.' are ignored (files and
 * directories), as is the store's own directory when it lies inside src.
 * Symbolic links are not followed (skipped), nor are other special files.
 * A file is skipped, with its reason, when it is larger than 64 MiB,
 * empty (or only white space), binary (a NUL byte or invalid UTF-8 in its
 * first 4 KiB), not JSON (jansson's line and column in the reason), JSON
 * of none of the formats below, or a copy (same bytes, or the same run
 * id) of a file placed earlier in the same call.
 *
 * Formats, recognised in this order on a JSON object:
 *
 * 1. benchtrack run: "schema" is "benchtrack.run/1". Read strictly with
 *    bt_run_from_json and stored as it is; its run_id is kept when it is
 *    8 to 64 hex digits. Only what the store needs is filled in: a missing
 *    or unusable benchmark_type, a timestamp the store cannot use (both as
 *    below). Another "benchtrack.run/N" schema is skipped.
 *
 * 2. HF benchmark_v2: "benchmark_scenarios" is an array.
 *      {"model_name": M, "benchmark_scenarios": [{"scenario_name": S,
 *        "metadata": {"timestamp", "commit_id", "hardware_info",
 *                     "config": {...}},
 *        "measurements" (or "metrics"): {KEY: {"mean", "median", "std",
 *            "min", "max", "p5".."p99", "unit", "measurements": [...]}
 *            or KEY: number},
 *        "gpu_metrics": {KEY: number}}]}
 *    One result per scenario, named S, with params model=M plus the
 *    scalars of metadata.config (except name, model_id and the
 *    iteration counts, which go to the run's config). Every measurement
 *    becomes a metric (KEY naming it as for the seed format below; a
 *    "unit" member converts it); gpu_metrics become counters. Timestamp,
 *    commit and hardware come from the first scenario's metadata (or the
 *    same members at the top level).
 *
 * 3. Seed proposal metadata: "benchmark_type" is present.
 *      {"benchmark_type", "timestamp", "git_commit", "hardware",
 *       "parameters": {...}, "results": [...] or {...}}
 *    Also accepted: "date"/"datetime"/"created_at" for the timestamp,
 *    "commit"/"commit_id"/"git": {"commit", "branch"} and "git_branch",
 *    "hardware_info"/"machine"/"system" for the hardware, "params" for the
 *    parameters. "parameters" go to config.params ("key=value") and into
 *    the params of every result (a result's own value wins). "results":
 *      - an array: one result per object;
 *      - an object whose members are all metric objects (see below), or
 *        that has a number or string member: one result;
 *      - another object: one result per member, named by its key.
 *    A file of this format without results is skipped.
 *
 * A result object (seed rows; HF scenarios use the metric rules only):
 *   - name: "name", else "benchmark", "test", "kernel", "method",
 *     "implementation", "algorithm", else the member key, else "result";
 *   - "params"/"parameters"/"config" objects: params; other strings and
 *     booleans: params; "status" ("ok", "failed", "oom", ..., also
 *     "success", "error", "out_of_memory"), "error"/"message" (a failure):
 *     status and message; an error marks an ok row failed and leaves a
 *     status that says more (oom, timeout, crashed) as it is;
 *   - numbers, by their key split into words at '_', '-', '.', ' ' and
 *     lower/upper case changes:
 *       time-like (a word time, latency, duration, elapsed, runtime,
 *       ttft, tpot, itl, or a unit word s/sec/seconds, ms, us, ns):
 *         a metric in seconds (ms, us, ns converted; no unit word: the
 *         result's "unit"/"time_unit" string, else seconds). The unit and
 *         a statistic word (mean/avg, median/p50, std, min, max, p5, p25,
 *         p75, p95, p99) are taken out; what is left names the metric,
 *         "time" when it is empty or one of time, latency, duration,
 *         elapsed, runtime, wall_time, total_time, ... so
 *         {"name": "flash", "mean_ms": 12.3} is metric "time" with
 *         stats.mean 0.0123;
 *       rate-like ("X_per_second", "X_per_ms", throughput, tps, qps,
 *         gflops, tflops, bandwidth): a metric, higher is better, unit
 *         "X/s" (tokens_per_second: "tokens/s"); the first one is also
 *         the result's throughput;
 *       memory-like (memory, mem, rss, vram, bytes, or a unit word b, kb,
 *         mb, gb, kib, mib, gib): a counter under its key, and with a unit
 *         word also peak_memory_bytes (a word peak or max) or memory_bytes;
 *       a whole number whose key names a size or count of the problem
 *         (seq_len, batch_size, num_heads, head_dim, block_size, n, ...):
 *         a param;
 *       any other number: a counter under its key;
 *   - arrays of numbers under keys like samples, times, timings,
 *     latencies, measurements, values (with unit words as above): raw
 *     samples of the metric;
 *   - objects with statistic members ({"mean": .., "p99": .., "unit":
 *     "ms"}): a metric named by the key; "metrics"/"measurements" objects:
 *     every member is a metric.
 *   Inside "metrics"/"measurements" objects (and HF measurements) memory
 *   sizes and other numbers are metrics too (bytes, or the unit given).
 *   A metric given without samples gets one sample (its median, else its
 *   mean, min, max), n = 1; its mean, median, min and max are the file's
 *   or that sample, its other statistics the file's or unknown (NaN).
 *   Results get variant "default" and a series_key. A file with two
 *   results of the same identity (name, params) is skipped.
 *
 * Run fields for formats 2 and 3:
 *   - run_id: FNV-1a 64 of the file's bytes with two different offset
 *     bases, 32 hex digits: the same file always gives the same id, so a
 *     second organize finds it stored (skipped "already in the store").
 *   - benchmark_type: from the content (lower-cased; characters a type
 *     directory cannot have become '-'), else the first keyword of the
 *     file's path below src (long_seq/long-seq/long_context ->
 *     long-sequences, ablation, regression, distributed/multi_gpu,
 *     memory, comprehensive, attention/attn, throughput, latency,
 *     scaling, inference, sparse, micro), else "legacy".
 *   - timestamp "YYYY-MM-DDTHH:MM:SSZ": from the content (ISO 8601 with
 *     'T', ' ' or '_', optional fraction and zone, a time without zone
 *     taken as UTC; YYYYMMDD_HHMMSS; Unix seconds or milliseconds), else a
 *     date in the file name (20240131_142233, 20240131-142233,
 *     20240131142233, 2024-01-31, 2024-01-31T14-22-33, 2024_01_31, ...;
 *     a year 1970-2999 not preceded by a digit), else the file's
 *     modification time. The place note says when it is not from the
 *     content.
 *   - suite: the file name without its extension and without the date
 *     found in it and a zone word after it (UTC, GMT, Z:
 *     "memory_20240131_142233_UTC.json" -> "memory"), so files of one
 *     series share a suite.
 *   - git.commit: 4 to 64 hex digits (lower-cased; a "-dirty" suffix sets
 *     git.dirty), anything else is dropped.
 *   - machine: cpu (string or {model, cores, physical_cores, mhz}),
 *     cpu_model, cpu_count/cpu_cores/num_cpus, memory (bytes with a unit
 *     in the key or the string, "64 GB"; a bare number: below 2048 GiB,
 *     below 2^24 MiB, else bytes), gpu/gpus/gpu_name (string, object or
 *     array), gpu_count, gpu_memory*, hostname, os/platform, arch. A bare
 *     memory key (memory, mem; not ram/host/system) that comes right after
 *     GPU keys (gpu*, cuda*, driver), when no GPU memory is given
 *     otherwise, is the GPU's memory, else the host's. The fingerprint is
 *     computed as lib/context.c does from what is known, "unknown" when
 *     nothing is.
 *
 * Each placed run is stored with bt_store_put and its original file copied
 * to STORE/archive/legacy/<file name> ("name.2.json", ... when another file
 * of that name is there; nothing when the same bytes are), then reported
 * as note("place", path, "-> by-type/<type>/<dir> (<format>[, date from
 * the file name|time])"). A run whose id the index already has (archived
 * runs included; or bt_store_put says BT_EEXISTS) is note("skip", path,
 * "already in the store as <id8>"), counted as skipped, and nothing is
 * written for it. With dry_run nothing is written at all, placements are
 * note("would place", ...) and st may be NULL (no store yet: nothing is
 * stored). An error of the store (a failed put or archive copy) stops
 * the walk and is returned; the runs placed before it stay.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "storeint.h"
#include "internal.h"

#define ORGANIZE_CAP ((size_t)64 << 20)
#define SNIFF_BYTES 4096
#define MAX_DEPTH 64

/* --- the walk's state ------------------------------------------------- */

struct seen {
	uint64_t h1, h2;    /* content hash */
	char *id;           /* run id */
	char *first;        /* the file placed with it */
};

struct org {
	struct bt_store *st;
	int dry_run, recursive;
	bt_store_note_fn note;
	void *ud;
	struct bt_strbuf *err;
	size_t placed, skipped;
	struct seen *seen;
	size_t n_seen, a_seen;
	char **stored;      /* run ids in the store before the call, sorted */
	size_t n_stored;
	int have_store;
	dev_t store_dev;
	ino_t store_ino;
};

static void note(struct org *g, const char *what, const char *path,
		 const char *detail)
{
	if (g->note)
		g->note(g->ud, what, path, detail);
}

/* note("skip") with a formatted reason. */
static int skip(struct org *g, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int skip(struct org *g, const char *path, const char *fmt, ...)
{
	struct bt_strbuf m = BT_STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	int rc = bt_strbuf_vaddf(&m, fmt, ap);
	va_end(ap);
	if (!rc) {
		note(g, "skip", path, m.buf);
		g->skipped++;
	}
	bt_strbuf_release(&m);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* --- small text helpers ----------------------------------------------- */

static int in_list(const char *w, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(w, *list) == 0)
			return 1;
	return 0;
}

/* Shortest "%.*g" text that reads back as v. */
static void num_text(double v, char buf[40])
{
	if (v == floor(v) && fabs(v) < 9007199254740992.0) {
		snprintf(buf, 40, "%.0f", v);
		return;
	}
	for (int p = 6; p <= 17; p++) {
		snprintf(buf, 40, "%.*g", p, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

/* Canonical text of a JSON scalar for a param (arena of run); NULL for
 * null or out of memory (*oom set). Objects and arrays: compact JSON. */
static const char *jtext(struct bt_run *run, const json_t *v, int *oom)
{
	char buf[40];
	const char *s = NULL;
	char *dump = NULL;
	switch (json_typeof(v)) {
	case JSON_STRING:
		s = json_string_value(v);
		break;
	case JSON_INTEGER:
	case JSON_REAL:
		num_text(json_number_value(v), buf);
		s = buf;
		break;
	case JSON_TRUE:
		s = "true";
		break;
	case JSON_FALSE:
		s = "false";
		break;
	case JSON_NULL:
		return NULL;
	default:
		dump = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
		if (!dump) {
			*oom = 1;
			return NULL;
		}
		s = dump;
	}
	char *r = bt_run_strdup(run, s);
	free(dump);
	if (!r)
		*oom = 1;
	return r;
}

/* A timestamp in the content: text (ISO 8601 and the like, or digits of
 * Unix seconds / milliseconds) or a number of Unix seconds or ms. */
static int content_time(const json_t *v, time_t *t)
{
	double x;
	if (json_is_number(v)) {
		x = json_number_value(v);
	} else if (json_is_string(v)) {
		const char *s = json_string_value(v), *end;
		while (isspace((unsigned char)*s))
			s++;
		size_t n = strspn(s, "0123456789");
		if ((n == 10 || n == 13) && !s[n]) {
			x = strtod(s, NULL);
		} else {
			if (bt__parse_time(s, t, &end))
				return -1;
			while (isspace((unsigned char)*end))
				end++;
			return *end ? -1 : 0;
		}
	} else {
		return -1;
	}
	if (x > 1e11)
		x /= 1000; /* milliseconds */
	if (!(x >= 0 && x < 32503680000.0)) /* before 3000-01-01 */
		return -1;
	*t = (time_t)x;
	return 0;
}

/* A date in a file name: the first position where one parses (a year
 * 19xx/20xx not preceded by a digit, the stamp not followed by one).
 * [*b, *e) is the stamp. */
static int name_time(const char *name, time_t *t, size_t *b, size_t *e)
{
	for (size_t i = 0; name[i]; i++) {
		if (i && isdigit((unsigned char)name[i - 1]))
			continue;
		if (strncmp(name + i, "19", 2) && strncmp(name + i, "20", 2))
			continue;
		const char *end;
		if (bt__parse_time(name + i, t, &end) == 0 &&
		    !isdigit((unsigned char)*end)) {
			*b = i;
			*e = (size_t)(end - name);
			return 0;
		}
	}
	return -1;
}

static void fmt_time(time_t t, char out[32])
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* --- types ------------------------------------------------------------ */

/* in as a type directory name: characters other than [A-Za-z0-9._-]
 * become '-', repeated '-' collapse, leading '.'/'-' and trailing '-'
 * go; lower-cased when lower. 0 when something valid is left. */
static int sanitize_type(const char *in, int lower, char out[65])
{
	size_t n = 0;
	for (const char *s = in; *s && n < 64; s++) {
		unsigned char c = (unsigned char)*s;
		char o = isalnum(c) || c == '.' || c == '_' || c == '-'
			? (char)(lower ? tolower(c) : c) : '-';
		if (o == '-' && (n == 0 || out[n - 1] == '-'))
			continue;
		if (o == '.' && n == 0)
			continue;
		out[n++] = o;
	}
	while (n && out[n - 1] == '-')
		n--;
	out[n] = '\0';
	return bt__store_valid_type(out) ? 0 : -1;
}

static const struct {
	const char *kw, *type;
} name_types[] = {
	{ "long_seq", "long-sequences" }, { "long-seq", "long-sequences" },
	{ "longseq", "long-sequences" }, { "long_context", "long-sequences" },
	{ "long-context", "long-sequences" }, { "ablation", "ablation" },
	{ "regression", "regression" }, { "distributed", "distributed" },
	{ "multi_gpu", "distributed" }, { "multi-gpu", "distributed" },
	{ "multigpu", "distributed" }, { "memory", "memory" },
	{ "comprehensive", "comprehensive" }, { "attention", "attention" },
	{ "attn", "attention" }, { "throughput", "throughput" },
	{ "latency", "latency" }, { "scaling", "scaling" },
	{ "inference", "inference" }, { "sparse", "sparse" },
	{ "micro", "micro" },
};

/* The type a file's path (below src) suggests; NULL when none. */
static const char *type_from_name(const char *rel)
{
	char low[512];
	size_t n = 0;
	for (; rel[n] && n + 1 < sizeof low; n++)
		low[n] = (char)tolower((unsigned char)rel[n]);
	low[n] = '\0';
	for (size_t i = 0; i < sizeof name_types / sizeof *name_types; i++)
		if (strstr(low, name_types[i].kw))
			return name_types[i].type;
	return NULL;
}

/* --- keys of numbers --------------------------------------------------- */

enum { S_MEAN, S_MEDIAN, S_STD, S_MIN, S_MAX, S_P5, S_P25, S_P75, S_P95,
       S_P99, S_N };
enum kind { K_OTHER, K_TIME, K_RATE, K_MEMORY };

struct keyinfo {
	enum kind kind;
	int stat;          /* S_*, -1: the value itself */
	int odd_stat;      /* a statistic without a field (p90): a counter */
	int samples;       /* the key names raw samples */
	int scaled;        /* a unit word gave scale */
	double scale;      /* to s, B, 1/s */
	int peak;          /* memory: a word peak or max */
	int param;         /* a word naming a problem size or count */
	char name[96];     /* metric name */
	char unit[48];
};

#define MAX_WORDS 16

/* Splits key into lower-case words at non-alphanumerics and at a lower
 * case letter or digit followed by an upper case one. */
static size_t split_words(const char *key, char w[MAX_WORDS][32])
{
	size_t n = 0, len = 0;
	for (const char *s = key;; s++) {
		unsigned char c = (unsigned char)*s;
		int brk = !c || !isalnum(c) ||
			(len && isupper(c) && s > key &&
			 (islower((unsigned char)s[-1]) || isdigit((unsigned char)s[-1])));
		if (brk && len) {
			w[n][len] = '\0';
			if (++n == MAX_WORDS)
				return n;
			len = 0;
		}
		if (!c)
			return n;
		if (isalnum(c) && len < 31)
			w[n][len++] = (char)tolower(c);
	}
}

/* Seconds per unit word, 0 when w is not one. */
static double time_unit(const char *w)
{
	static const char *const s[] = { "s", "sec", "secs", "second", "seconds", NULL };
	static const char *const ms[] = { "ms", "msec", "msecs", "millis",
		"millisecond", "milliseconds", NULL };
	static const char *const us[] = { "us", "usec", "usecs", "micros",
		"microsecond", "microseconds", NULL };
	static const char *const ns[] = { "ns", "nsec", "nsecs", "nanos",
		"nanosecond", "nanoseconds", NULL };
	return in_list(w, s) ? 1 : in_list(w, ms) ? 1e-3 : in_list(w, us) ? 1e-6
		: in_list(w, ns) ? 1e-9 : 0;
}

/* Bytes per unit word, 0 when w is not one. */
static double mem_unit(const char *w)
{
	static const struct {
		const char *w;
		double b;
	} u[] = { { "b", 1 }, { "byte", 1 }, { "bytes", 1 }, { "kb", 1024.0 },
		  { "kib", 1024.0 }, { "mb", 1048576.0 }, { "mib", 1048576.0 },
		  { "gb", 1073741824.0 }, { "gib", 1073741824.0 },
		  { "tb", 1099511627776.0 }, { "tib", 1099511627776.0 } };
	for (size_t i = 0; i < sizeof u / sizeof *u; i++)
		if (strcmp(w, u[i].w) == 0)
			return u[i].b;
	return 0;
}

static int stat_word(const char *w, int *odd)
{
	static const struct {
		const char *w;
		int s;
	} t[] = { { "mean", S_MEAN }, { "avg", S_MEAN }, { "average", S_MEAN },
		  { "median", S_MEDIAN }, { "med", S_MEDIAN }, { "p50", S_MEDIAN },
		  { "std", S_STD }, { "stdev", S_STD }, { "stddev", S_STD },
		  { "sd", S_STD }, { "min", S_MIN }, { "minimum", S_MIN },
		  { "max", S_MAX }, { "maximum", S_MAX }, { "p5", S_P5 },
		  { "p05", S_P5 }, { "p25", S_P25 }, { "p75", S_P75 },
		  { "p95", S_P95 }, { "p99", S_P99 } };
	for (size_t i = 0; i < sizeof t / sizeof *t; i++)
		if (strcmp(w, t[i].w) == 0)
			return t[i].s;
	if (w[0] == 'p' && w[1] && strspn(w + 1, "0123456789") == strlen(w + 1)) {
		*odd = 1;
		return -1;
	}
	return -1;
}

/* What a unit text ("ms", "seconds", "tokens/sec", "MB") says. */
static void unit_hint(const char *u, struct keyinfo *k)
{
	if (!u || !*u)
		return;
	char low[48];
	size_t n = 0;
	for (; u[n] && n + 1 < sizeof low; n++)
		low[n] = (char)tolower((unsigned char)u[n]);
	low[n] = '\0';
	double f;
	if ((f = time_unit(low)) > 0) {
		if (k->kind == K_OTHER)
			k->kind = K_TIME;
		if (k->kind == K_TIME && !k->scaled)
			k->scale = f;
		return;
	}
	if ((f = mem_unit(low)) > 0) {
		if (k->kind == K_OTHER)
			k->kind = K_MEMORY;
		if (k->kind == K_MEMORY && !k->scaled)
			k->scale = f, k->scaled = 1;
		return;
	}
	const char *slash = strchr(low, '/');
	const char *per = strstr(low, " per ");
	const char *after = slash ? slash + 1 : per ? per + 5 : NULL;
	if (after && (f = time_unit(after)) > 0) {
		k->kind = K_RATE;
		if (!k->scaled)
			k->scale = 1 / f;
		size_t m = (size_t)((slash ? slash : per) - low);
		snprintf(k->unit, sizeof k->unit, "%.*s/s", (int)m, u);
		return;
	}
	if (k->kind == K_OTHER && !k->unit[0])
		snprintf(k->unit, sizeof k->unit, "%s", u);
}

/* Classifies a key of a number (see the top of this file); hint is the
 * unit a "unit" member gives, or NULL. */
static void classify(const char *key, const char *hint, struct keyinfo *k)
{
	static const char *const time_words[] = { "time", "times", "latency",
		"latencies", "duration", "durations", "elapsed", "runtime",
		"ttft", "tpot", "itl", "timing", "timings", NULL };
	static const char *const mem_words[] = { "memory", "mem", "rss", "vram",
		"footprint", NULL };
	static const char *const rate_words[] = { "throughput", "tps", "qps",
		"rps", "flops", "gflops", "tflops", "bandwidth", "gbps", NULL };
	static const char *const sample_words[] = { "samples", "times",
		"timings", "latencies", "durations", "measurements", "values",
		NULL };
	static const char *const time_alias[] = { "", "time", "times",
		"latency", "latencies", "duration", "elapsed", "runtime",
		"run_time", "wall", "wall_time", "wall_clock", "elapsed_time",
		"total_time", "exec_time", "execution_time", "kernel_time",
		"step_time", "iter_time", "iteration_time", "e2e_latency",
		"end_to_end_latency", "timing", "timings", NULL };
	static const char *const param_words[] = { "len", "length", "seq",
		"sequence", "batch", "bs", "heads", "head", "dim", "hidden",
		"size", "block", "segment", "dilation", "layers", "window",
		"threads", "workers", "world", "gpus", "nodes", "chunk", "tile",
		"stride", "n", "d", "k", "m", "num", "dtype", NULL };
	char w[MAX_WORDS][32];
	size_t n = split_words(key, w);
	int drop[MAX_WORDS] = { 0 };

	memset(k, 0, sizeof *k);
	k->stat = -1;
	k->scale = 1;
	for (size_t i = 0; i < n; i++) {
		int s = stat_word(w[i], &k->odd_stat);
		if (s >= 0 && k->stat < 0) {
			k->stat = s;
			drop[i] = 1;
		}
		if (strcmp(w[i], "peak") == 0 || strcmp(w[i], "max") == 0)
			k->peak = 1;
		if (in_list(w[i], param_words))
			k->param = 1;
	}
	/* rate: X per <time unit>, or a rate word */
	for (size_t i = 0; i + 1 < n && k->kind == K_OTHER; i++) {
		double f = time_unit(w[i + 1]);
		if (strcmp(w[i], "per") == 0 && f > 0) {
			struct bt_strbuf u = BT_STRBUF_INIT;
			for (size_t j = 0; j < i; j++)
				if (!drop[j])
					bt_strbuf_addf(&u, "%s%s", u.len ? "_" : "", w[j]);
			snprintf(k->unit, sizeof k->unit, "%s/s", u.len ? u.buf : "1");
			bt_strbuf_release(&u);
			k->kind = K_RATE;
			k->scale = 1 / f;
			k->scaled = 1;
		}
	}
	for (size_t i = 0; i < n && (k->kind == K_OTHER || (k->kind == K_RATE &&
					!k->scaled && !k->unit[0])); i++) {
		if (!in_list(w[i], rate_words))
			continue;
		k->kind = K_RATE;
		const char *u = !strcmp(w[i], "gflops") ? "GFLOP/s"
			: !strcmp(w[i], "tflops") ? "TFLOP/s"
			: !strcmp(w[i], "tps") ? "tokens/s"
			: !strcmp(w[i], "qps") ? "queries/s"
			: !strcmp(w[i], "rps") ? "requests/s"
			: !strcmp(w[i], "gbps") ? "GB/s" : "";
		snprintf(k->unit, sizeof k->unit, "%s", u);
	}
	if (k->kind == K_OTHER) {
		for (size_t i = 0; i < n; i++) {
			double f = mem_unit(w[i]);
			if ((f > 0 && (n > 1 || strcmp(w[i], "b"))) ||
			    in_list(w[i], mem_words))
				k->kind = K_MEMORY;
			if (f > 0 && !k->scaled) {
				k->scale = f;
				k->scaled = 1;
				drop[i] = 1;
			}
		}
		if (k->kind != K_MEMORY) {
			k->scaled = 0;
			k->scale = 1;
			for (size_t i = 0; i < n; i++)
				if (mem_unit(w[i]) > 0)
					drop[i] = 0;
		}
	}
	if (k->kind == K_OTHER) {
		for (size_t i = 0; i < n; i++) {
			double f = time_unit(w[i]);
			if (f > 0 && !k->scaled) {
				k->scale = f;
				k->scaled = 1;
				drop[i] = 1;
				k->kind = K_TIME;
			}
			if (in_list(w[i], time_words))
				k->kind = K_TIME;
		}
	}
	unit_hint(hint, k);
	for (size_t i = 0; i < n; i++)
		if (in_list(w[i], sample_words) && n > 0) {
			k->samples = 1;
			if (strcmp(w[i], "times") && strcmp(w[i], "latencies") &&
			    strcmp(w[i], "timings") && strcmp(w[i], "durations"))
				drop[i] = 1;
		}
	struct bt_strbuf nm = BT_STRBUF_INIT;
	for (size_t i = 0; i < n; i++)
		if (!drop[i])
			bt_strbuf_addf(&nm, "%s%s", nm.len ? "_" : "", w[i]);
	const char *base = bt_strbuf_str(&nm);
	if (k->kind == K_TIME && in_list(base, time_alias))
		base = "time";
	snprintf(k->name, sizeof k->name, "%s", *base ? base : "value");
	bt_strbuf_release(&nm);
	if (k->kind == K_TIME)
		snprintf(k->unit, sizeof k->unit, "s");
	else if (k->kind == K_MEMORY && k->scaled)
		snprintf(k->unit, sizeof k->unit, "B");
	else if (k->kind == K_RATE && !k->unit[0])
		snprintf(k->unit, sizeof k->unit, "1/s");
}

/* --- building a result ------------------------------------------------- */

struct mb {
	char name[96];
	char unit[48];
	enum kind kind;
	double *samples;
	size_t n, alloc;
	double st[S_N];     /* given statistics, NAN when not given */
};

struct rb {
	struct bt_run *run;
	const char *name;
	enum bt_status status;
	const char *message;
	struct bt_kv *params;
	size_t n_params, a_params;
	struct bt_counter *counters;
	size_t n_counters, a_counters;
	struct mb *metrics;
	size_t n_metrics, a_metrics;
	int64_t memory_bytes, peak_memory_bytes;
	int oom;
};

static void *grow(void *p, size_t *alloc, size_t n, size_t size, int *oom)
{
	if (bt__vec_reserve(&p, alloc, n + 1, size)) {
		*oom = 1;
		return NULL;
	}
	return p;
}

/* Sets param key (copied into the run) to value (already in the run);
 * replace: an existing value is replaced, else kept. */
static void rb_param(struct rb *b, const char *key, const char *value,
		     int replace)
{
	if (!value)
		return;
	for (size_t i = 0; i < b->n_params; i++)
		if (strcmp(b->params[i].key, key) == 0) {
			if (replace)
				b->params[i].value = value;
			return;
		}
	struct bt_kv *p = grow(b->params, &b->a_params, b->n_params, sizeof *p, &b->oom);
	if (!p)
		return;
	b->params = p;
	p[b->n_params].key = bt_run_strdup(b->run, key);
	p[b->n_params].value = value;
	if (!p[b->n_params].key) {
		b->oom = 1;
		return;
	}
	b->n_params++;
}

static void rb_counter(struct rb *b, const char *key, double v)
{
	for (size_t i = 0; i < b->n_counters; i++)
		if (strcmp(b->counters[i].name, key) == 0) {
			b->counters[i].value = v;
			return;
		}
	struct bt_counter *c = grow(b->counters, &b->a_counters, b->n_counters,
				    sizeof *c, &b->oom);
	if (!c)
		return;
	b->counters = c;
	c[b->n_counters].name = bt_run_strdup(b->run, key);
	c[b->n_counters].value = v;
	if (!c[b->n_counters].name) {
		b->oom = 1;
		return;
	}
	b->n_counters++;
}

static struct mb *rb_metric(struct rb *b, const struct keyinfo *k)
{
	for (size_t i = 0; i < b->n_metrics; i++)
		if (strcmp(b->metrics[i].name, k->name) == 0)
			return &b->metrics[i];
	struct mb *m = grow(b->metrics, &b->a_metrics, b->n_metrics, sizeof *m, &b->oom);
	if (!m)
		return NULL;
	b->metrics = m;
	m = &b->metrics[b->n_metrics++];
	memset(m, 0, sizeof *m);
	snprintf(m->name, sizeof m->name, "%s", k->name);
	snprintf(m->unit, sizeof m->unit, "%s", k->unit);
	m->kind = k->kind;
	for (int i = 0; i < S_N; i++)
		m->st[i] = NAN;
	return m;
}

static void mb_push(struct rb *b, struct mb *m, double x)
{
	double *p = grow(m->samples, &m->alloc, m->n, sizeof *p, &b->oom);
	if (!p)
		return;
	m->samples = p;
	p[m->n++] = x;
}

/* v in the canonical unit: v / 1000 rather than v * 1e-3 for the small
 * factors (ms, us, ns): 1e-3 is inexact, so the product rounds twice
 * (0.9 ms * 1e-3 is 0.0009000000000000001 s, 0.9 / 1000 is 0.0009). */
static double scaled(double v, double scale)
{
	return scale < 1 ? v / round(1 / scale) : v * scale;
}

/* A value for metric k: a statistic, or a sample. */
static void metric_value(struct rb *b, const struct keyinfo *k, double v)
{
	struct mb *m = rb_metric(b, k);
	if (!m)
		return;
	if (k->stat >= 0)
		m->st[k->stat] = scaled(v, k->scale);
	else
		mb_push(b, m, scaled(v, k->scale));
}

/* The members of an object describing one metric (name/kind from its
 * key): statistics, "unit", sample arrays. */
static void metric_object(struct rb *b, const char *key, const json_t *o)
{
	const json_t *u = json_object_get(o, "unit");
	const char *hint = json_is_string(u) ? json_string_value(u) : NULL;
	struct keyinfo k;
	classify(key, hint, &k);
	const char *ik;
	json_t *iv;
	if (k.kind == K_OTHER) {
		/* the unit of a statistic's key ({"mean_ms": ..}) says it */
		json_object_foreach((json_t *)o, ik, iv) {
			struct keyinfo s;
			classify(ik, NULL, &s);
			if (s.stat >= 0 && s.kind != K_OTHER && s.scaled) {
				k.kind = s.kind;
				snprintf(k.unit, sizeof k.unit, "%s", s.unit);
				break;
			}
		}
	}
	json_object_foreach((json_t *)o, ik, iv) {
		struct keyinfo s;
		classify(ik, hint, &s);
		double scale = s.scaled ? s.scale : k.scale;
		struct keyinfo t = k;
		t.stat = s.stat;
		t.scale = scale;
		if (json_is_number(iv) && s.stat >= 0) {
			metric_value(b, &t, json_number_value(iv));
		} else if (json_is_array(iv) && s.samples) {
			t.stat = -1;
			for (size_t i = 0; i < json_array_size(iv); i++)
				if (json_is_number(json_array_get(iv, i)))
					metric_value(b, &t, json_number_value(json_array_get(iv, i)));
		}
	}
}

/* 1 when o looks like one metric: statistics or samples, and nothing else
 * but a unit, a name, a count or statistics without a field (p90). */
static int is_metric_object(const json_t *o)
{
	static const char *const extra[] = { "unit", "units", "name", "n",
		"count", "description", NULL };
	if (!json_is_object(o))
		return 0;
	const char *ik;
	json_t *iv;
	int any = 0;
	json_object_foreach((json_t *)o, ik, iv) {
		struct keyinfo s;
		classify(ik, NULL, &s);
		if ((json_is_number(iv) && s.stat >= 0) ||
		    (json_is_array(iv) && s.samples))
			any = 1;
		else if (!(json_is_number(iv) && s.odd_stat) && !in_list(ik, extra))
			return 0;
	}
	return any;
}

/* Every member of a "metrics"/"measurements" object is a metric. */
static void metrics_object(struct rb *b, const json_t *o, const char *hint)
{
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)o, key, v) {
		struct keyinfo k;
		classify(key, hint, &k);
		if (json_is_number(v)) {
			metric_value(b, &k, json_number_value(v));
		} else if (json_is_object(v)) {
			metric_object(b, key, v);
		} else if (json_is_array(v)) {
			k.stat = -1;
			for (size_t i = 0; i < json_array_size(v); i++)
				if (json_is_number(json_array_get(v, i)))
					metric_value(b, &k, json_number_value(json_array_get(v, i)));
		}
	}
}

static const char *const warm_keys[] = { "warmup_iterations", "warmup",
	"warmup_runs", "num_warmup", NULL };
static const char *const meas_keys[] = { "measurement_iterations",
	"iterations", "num_runs", "runs", "repeats", "num_iterations", NULL };

/* The members of o as params; the run's parameters (replace == 0) without
 * the iteration counts, which are the run's config. */
static void params_object(struct rb *b, const json_t *o, int replace)
{
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)o, key, v)
		if (replace || (!in_list(key, warm_keys) && !in_list(key, meas_keys)))
			rb_param(b, key, jtext(b->run, v, &b->oom), replace);
}

static void set_status(struct rb *b, const char *s)
{
	static const char *const ok[] = { "success", "succeeded", "passed",
		"pass", "completed", "complete", "done", "finished", NULL };
	static const char *const bad[] = { "error", "fail", "failure", "errored",
		NULL };
	static const char *const oom[] = { "out_of_memory", "out-of-memory",
		"out of memory", "outofmemory", NULL };
	char low[32];
	size_t n = 0;
	for (; s[n] && n + 1 < sizeof low; n++)
		low[n] = (char)tolower((unsigned char)s[n]);
	low[n] = '\0';
	int st = bt_status_parse(low);
	if (st >= 0)
		b->status = (enum bt_status)st;
	else if (in_list(low, ok))
		b->status = BT_STATUS_OK;
	else if (in_list(low, bad))
		b->status = BT_STATUS_FAILED;
	else if (in_list(low, oom))
		b->status = BT_STATUS_OOM;
	else {
		b->status = BT_STATUS_FAILED;
		if (!b->message)
			b->message = bt_run_printf(b->run, "legacy status \"%.60s\"", s);
	}
}

/* One member of a seed result row. */
static void row_member(struct rb *b, const char *key, const json_t *v,
		       const char *hint)
{
	static const char *const name_keys[] = { "name", "benchmark", "test",
		"kernel", "method", "implementation", "algorithm", NULL };
	static const char *const ignored[] = { "unit", "time_unit", "units",
		"description", "notes", "note", "comment", "comments",
		"timestamp", "date", "datetime", NULL };
	static const char *const counts[] = { "iterations", "iters", "runs",
		"repeats", "repetitions", "count", "trials", "rounds", "warmup",
		NULL };
	char low[64];
	snprintf(low, sizeof low, "%s", key);
	for (char *c = low; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	if (in_list(low, ignored))
		return;
	if (strcmp(low, "status") == 0 && json_is_string(v)) {
		set_status(b, json_string_value(v));
		return;
	}
	if ((strcmp(low, "error") == 0 || strcmp(low, "message") == 0 ||
	     strcmp(low, "error_message") == 0) && json_is_string(v)) {
		/* an error marks an ok row failed; a status that says more
		 * (oom, timeout, crashed) stays */
		if (strcmp(low, "message") != 0 && b->status == BT_STATUS_OK)
			b->status = BT_STATUS_FAILED;
		if (!(b->message = bt_run_strdup(b->run, json_string_value(v))))
			b->oom = 1;
		return;
	}
	if (strcmp(low, "success") == 0 && json_is_boolean(v)) {
		if (!json_is_true(v) && b->status == BT_STATUS_OK)
			b->status = BT_STATUS_FAILED;
		return;
	}
	if (in_list(low, name_keys) && json_is_string(v) && !b->name) {
		if (!(b->name = bt_run_strdup(b->run, json_string_value(v))))
			b->oom = 1;
		return;
	}
	if ((!strcmp(low, "params") || !strcmp(low, "parameters") ||
	     !strcmp(low, "config")) && json_is_object(v)) {
		params_object(b, v, 1);
		return;
	}
	if ((!strcmp(low, "metrics") || !strcmp(low, "measurements")) &&
	    json_is_object(v)) {
		metrics_object(b, v, hint);
		return;
	}
	if (json_is_string(v) || json_is_boolean(v)) {
		rb_param(b, key, jtext(b->run, v, &b->oom), 1);
		return;
	}
	if (json_is_object(v)) {
		if (is_metric_object(v))
			metric_object(b, key, v);
		return;
	}
	struct keyinfo k;
	classify(key, hint, &k);
	if (json_is_array(v)) {
		if (!k.samples || (k.kind != K_TIME && k.kind != K_RATE))
			return;
		k.stat = -1;
		for (size_t i = 0; i < json_array_size(v); i++)
			if (json_is_number(json_array_get(v, i)))
				metric_value(b, &k, json_number_value(json_array_get(v, i)));
		return;
	}
	if (!json_is_number(v))
		return;
	double x = json_number_value(v);
	if (k.odd_stat) {
		rb_counter(b, key, x);
		return;
	}
	switch (k.kind) {
	case K_TIME:
	case K_RATE:
		metric_value(b, &k, x);
		return;
	case K_MEMORY:
		rb_counter(b, key, x);
		if (k.scaled && x >= 0 && x * k.scale < 9.2e18) {
			int64_t bytes = (int64_t)llround(scaled(x, k.scale));
			if (k.peak && b->peak_memory_bytes < 0)
				b->peak_memory_bytes = bytes;
			else if (!k.peak && b->memory_bytes < 0)
				b->memory_bytes = bytes;
		}
		return;
	case K_OTHER:
		break;
	}
	int whole = x == floor(x) && fabs(x) < 9007199254740992.0;
	if (whole && k.param && !in_list(low, counts))
		rb_param(b, key, jtext(b->run, v, &b->oom), 1);
	else
		rb_counter(b, key, x);
}

static int kv_cmp(const void *a, const void *b)
{
	const struct bt_kv *x = a, *y = b;
	return strcmp(x->key, y->key);
}

/* Turns the builder into a result of run; frees the builder. */
static int rb_finish(struct rb *b, const char *fallback_name)
{
	struct bt_run *run = b->run;
	int rc = b->oom ? BT_ENOMEM : 0;
	struct bt_result *r = rc ? NULL : bt_run_add_result(run);
	if (!rc && !r)
		rc = BT_ENOMEM;
	if (!rc) {
		r->name = b->name ? b->name : bt_run_strdup(run, fallback_name);
		r->variant = bt_run_strdup(run, "default");
		r->status = b->status;
		r->message = b->status == BT_STATUS_OK ? NULL : b->message;
		r->memory_bytes = b->memory_bytes;
		r->peak_memory_bytes = b->peak_memory_bytes;
		if (!r->name || !r->variant)
			rc = BT_ENOMEM;
	}
	if (!rc && b->n_params) {
		r->params = bt_run_alloc(run, b->n_params * sizeof *r->params);
		if (!r->params)
			rc = BT_ENOMEM;
		else {
			memcpy(r->params, b->params, b->n_params * sizeof *r->params);
			qsort(r->params, b->n_params, sizeof *r->params, kv_cmp);
			r->n_params = b->n_params;
		}
	}
	if (!rc && b->n_counters) {
		r->counters = bt_run_alloc(run, b->n_counters * sizeof *r->counters);
		if (!r->counters)
			rc = BT_ENOMEM;
		else {
			memcpy(r->counters, b->counters, b->n_counters * sizeof *r->counters);
			r->n_counters = b->n_counters;
		}
	}
	if (!rc && b->n_metrics) {
		r->metrics = bt_run_alloc(run, b->n_metrics * sizeof *r->metrics);
		if (!r->metrics)
			rc = BT_ENOMEM;
	}
	/* "time" first, then in the order of the file */
	for (size_t pass = 0; !rc && pass < 2; pass++)
		for (size_t i = 0; !rc && i < b->n_metrics; i++) {
			struct mb *m = &b->metrics[i];
			if ((strcmp(m->name, "time") == 0) != (pass == 0))
				continue;
			struct bt_metric *o = &r->metrics[r->n_metrics];
			/* without samples, one: the median, else the mean, ... */
			double one = NAN;
			const int pick[] = { S_MEDIAN, S_MEAN, S_MIN, S_MAX, S_P25,
					     S_P75, S_P95, S_P99, S_P5 };
			for (size_t j = 0; m->n == 0 && j < sizeof pick / sizeof *pick; j++)
				if (!isnan(m->st[pick[j]])) {
					one = m->st[pick[j]];
					break;
				}
			if (m->n == 0 && isnan(one))
				continue; /* only a std: nothing to keep */
			size_t n = m->n ? m->n : 1;
			o->samples = bt_run_alloc(run, n * sizeof *o->samples);
			o->name = bt_run_strdup(run, m->name);
			o->unit = m->unit[0] ? bt_run_strdup(run, m->unit) : NULL;
			if (!o->samples || !o->name || (m->unit[0] && !o->unit)) {
				rc = BT_ENOMEM;
				break;
			}
			if (m->n)
				memcpy(o->samples, m->samples, n * sizeof *o->samples);
			else
				o->samples[0] = one;
			o->n_samples = n;
			o->direction = m->kind == K_RATE ? BT_HIGHER_IS_BETTER
							 : BT_LOWER_IS_BETTER;
			if ((rc = bt_stats_summarize(o->samples, n, &o->stats)))
				break;
			if (m->n == 0) {
				/* what the file gives; mean, median, min and max
				 * default to the one sample, the rest is unknown */
				struct bt_stats *s = &o->stats;
				double *f[S_N] = { &s->mean, &s->median, &s->std, &s->min,
						   &s->max, &s->p5, &s->p25, &s->p75,
						   &s->p95, &s->p99 };
				s->std = s->p5 = s->p25 = s->p75 = s->p95 = s->p99 = NAN;
				s->mad = s->iqr = s->cv = NAN;
				s->median_ci_low = s->median_ci_high = NAN;
				s->outliers = 0;
				for (int j = 0; j < S_N; j++)
					if (!isnan(m->st[j]))
						*f[j] = m->st[j];
				if (!isnan(s->p25) && !isnan(s->p75))
					s->iqr = s->p75 - s->p25;
				if (!isnan(s->std) && s->mean != 0)
					s->cv = s->std / fabs(s->mean);
			}
			if (m->kind == K_RATE && !r->throughput.unit) {
				r->throughput.value = isnan(o->stats.median)
					? o->stats.mean : o->stats.median;
				r->throughput.unit = o->unit ? o->unit
					: bt_run_strdup(run, "1/s");
			}
			r->n_metrics++;
		}
	for (size_t i = 0; i < b->n_metrics; i++)
		free(b->metrics[i].samples);
	free(b->metrics);
	free(b->params);
	free(b->counters);
	memset(b, 0, sizeof *b);
	return rc;
}

static void rb_init(struct rb *b, struct bt_run *run)
{
	memset(b, 0, sizeof *b);
	b->run = run;
	b->status = BT_STATUS_OK;
	b->memory_bytes = -1;
	b->peak_memory_bytes = -1;
}

/* --- hardware ------------------------------------------------------------ */

/* A memory size in bytes: a number with the scale its key gave (scale >
 * 0), a bare number (below 2048: GiB, below 2^24: MiB, else bytes) or a
 * string "64 GB". -1 when not understood. */
static int64_t mem_bytes(const json_t *v, double scale)
{
	double x;
	if (json_is_number(v)) {
		x = json_number_value(v);
	} else if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end;
		x = strtod(s, &end);
		if (end == s)
			return -1;
		while (isspace((unsigned char)*end))
			end++;
		char low[16];
		size_t n = 0;
		for (; end[n] && n + 1 < sizeof low; n++)
			low[n] = (char)tolower((unsigned char)end[n]);
		low[n] = '\0';
		if (*low) {
			scale = mem_unit(low);
			if (scale == 0 && !strcmp(low, "g"))
				scale = 1073741824.0;
			if (scale == 0 && !strcmp(low, "m"))
				scale = 1048576.0;
			if (scale == 0)
				return -1;
		}
	} else {
		return -1;
	}
	if (scale <= 0)
		scale = x < 2048 ? 1073741824.0 : x < 16777216 ? 1048576.0 : 1;
	double y = x * scale;
	if (!(y >= 0) || y > 9.2e18)
		return -1;
	return (int64_t)llround(y);
}

/* The scale a key's unit word gives a memory size, 0 when none. */
static double key_mem_scale(const char *key)
{
	char w[MAX_WORDS][32];
	size_t n = split_words(key, w);
	for (size_t i = 0; i < n; i++)
		if (mem_unit(w[i]) > 0 && strcmp(w[i], "b"))
			return mem_unit(w[i]);
	return 0;
}

static int key_has(const char *key, const char *const *words)
{
	char w[MAX_WORDS][32];
	size_t n = split_words(key, w);
	for (size_t i = 0; i < n; i++)
		if (in_list(w[i], words))
			return 1;
	return 0;
}

enum hw_ctx { CTX_NONE, CTX_CPU, CTX_GPU };

struct hw {
	struct bt_run *run;
	struct bt_gpu gpus[64];
	size_t n_gpus;
	long gpu_count;
	int64_t gpu_mem;
	const char *driver;
	int oom;
	enum hw_ctx ctx;      /* what the last CPU or GPU key described */
	int64_t plain_mem;    /* a bare "memory*" key, -1 none */
	enum hw_ctx plain_ctx; /* ctx when it came */
};

static const char *hw_str(struct hw *h, const json_t *v)
{
	if (!json_is_string(v) || !*json_string_value(v))
		return NULL;
	const char *s = bt_run_strdup(h->run, json_string_value(v));
	if (!s)
		h->oom = 1;
	return s;
}

static int hw_int(const json_t *v, int *out)
{
	if (!json_is_number(v))
		return -1;
	double x = json_number_value(v);
	if (!(x >= 1 && x < 1e7) || x != floor(x))
		return -1;
	*out = (int)x;
	return 0;
}

static void hw_gpu(struct hw *h, const json_t *v)
{
	static const char *const count_keys[] = { "count", "gpu_count", "num_gpus",
		"n_gpus", NULL };
	if (h->n_gpus >= 64)
		return;
	struct bt_gpu *g = &h->gpus[h->n_gpus];
	g->memory_bytes = -1;
	if (json_is_string(v)) {
		g->name = hw_str(h, v);
		h->n_gpus++;
		return;
	}
	if (!json_is_object(v))
		return;
	const char *key;
	json_t *x;
	int count = 0;
	json_object_foreach((json_t *)v, key, x) {
		static const char *const mem_w[] = { "memory", "mem", "vram", NULL };
		if (!strcmp(key, "name") || !strcmp(key, "model") ||
		    !strcmp(key, "gpu_name") || !strcmp(key, "gpu_model") ||
		    !strcmp(key, "product"))
			g->name = g->name ? g->name : hw_str(h, x);
		else if (strstr(key, "driver"))
			g->driver = g->driver ? g->driver : hw_str(h, x);
		else if (in_list(key, count_keys))
			hw_int(x, &count);
		else if (key_has(key, mem_w) && g->memory_bytes < 0 &&
			 !strstr(key, "used") && !strstr(key, "free"))
			g->memory_bytes = mem_bytes(x, key_mem_scale(key));
	}
	h->n_gpus++;
	for (int i = 1; i < count && h->n_gpus < 64; i++)
		h->gpus[h->n_gpus++] = *g;
}

static void hw_object(struct hw *h, const json_t *o, int in_cpu);

static void hw_member(struct hw *h, const char *key, const json_t *v, int in_cpu)
{
	static const char *const cpu_model[] = { "cpu_model", "cpu_name",
		"cpu_brand", "cpu_type", "processor", "processor_name",
		"cpu_brand_raw", NULL };
	static const char *const cores[] = { "cpu_count", "cpu_cores", "num_cpus",
		"n_cpus", "cores", "logical_cores", "nproc", "cpu_logical_cores",
		"num_cores", "cpu_threads", "threads", "count", NULL };
	static const char *const phys[] = { "physical_cores", "cpu_physical_cores",
		NULL };
	static const char *const gpu_keys[] = { "gpu", "gpus", "gpu_name",
		"gpu_names", "gpu_model", "gpu_type", "gpu_info", "devices",
		"accelerator", "accelerators", NULL };
	static const char *const gpu_count[] = { "gpu_count", "num_gpus",
		"n_gpus", "gpu_number", NULL };
	static const char *const names[] = { "hostname", "host", "node",
		"node_name", "machine_name", "host_name", NULL };
	static const char *const oses[] = { "os", "platform", "system", "os_name",
		"distro", "os_version", NULL };
	static const char *const kernels[] = { "kernel", "os_release",
		"kernel_version", NULL };
	static const char *const arches[] = { "arch", "architecture", "machine",
		"cpu_arch", NULL };
	static const char *const mem_w[] = { "memory", "mem", "ram", NULL };
	static const char *const gpu_w[] = { "gpu", "gpus", "cuda", "device", NULL };
	struct bt_machine *m = &h->run->machine;
	char low[64];
	snprintf(low, sizeof low, "%s", key);
	for (char *c = low; *c; c++)
		*c = (char)tolower((unsigned char)*c);

	if (!strcmp(low, "cpu") && json_is_object(v)) {
		hw_object(h, v, 1);
		h->ctx = CTX_CPU;
	} else if ((!strcmp(low, "cpu") || in_list(low, cpu_model) ||
		    (in_cpu && (!strcmp(low, "model") || !strcmp(low, "name") ||
				!strcmp(low, "brand")))) && json_is_string(v)) {
		if (!m->cpu_model)
			m->cpu_model = hw_str(h, v);
		h->ctx = CTX_CPU;
	} else if (in_list(low, cores) && (in_cpu || strcmp(low, "count") != 0)) {
		hw_int(v, &m->cpu_cores);
		h->ctx = CTX_CPU;
	} else if (in_list(low, phys)) {
		hw_int(v, &m->cpu_physical_cores);
		h->ctx = CTX_CPU;
	} else if (strstr(low, "mhz") || strstr(low, "ghz") ||
		   (in_cpu && strstr(low, "freq"))) {
		if (json_is_number(v) && json_number_value(v) > 0)
			m->cpu_mhz = json_number_value(v) * (strstr(low, "ghz") ? 1000 : 1);
		h->ctx = CTX_CPU;
	} else if (in_list(low, gpu_keys)) {
		h->ctx = CTX_GPU;
		if (json_is_array(v)) {
			for (size_t i = 0; i < json_array_size(v); i++)
				hw_gpu(h, json_array_get(v, i));
		} else {
			hw_gpu(h, v);
		}
	} else if (in_list(low, gpu_count)) {
		int n = 0;
		if (!hw_int(v, &n))
			h->gpu_count = n;
		h->ctx = CTX_GPU;
	} else if (key_has(low, gpu_w) && key_has(low, mem_w)) {
		if (!strstr(low, "used") && !strstr(low, "free") && h->gpu_mem < 0)
			h->gpu_mem = mem_bytes(v, key_mem_scale(low));
		h->ctx = CTX_GPU;
	} else if (strstr(low, "driver")) {
		if (!h->driver)
			h->driver = hw_str(h, v);
		h->ctx = CTX_GPU;
	} else if (key_has(low, mem_w) && !in_cpu) {
		static const char *const host_w[] = { "ram", "host", "system", "sys",
			"cpu", NULL };
		if (strstr(low, "used") || strstr(low, "free") || strstr(low, "avail"))
			return;
		if (key_has(low, host_w)) {
			if (m->memory_bytes < 0)
				m->memory_bytes = mem_bytes(v, key_mem_scale(low));
		} else if (h->plain_mem < 0) {
			/* "memory_gb": the host's or a GPU's, settled in
			 * machine_from by what came before it */
			h->plain_mem = mem_bytes(v, key_mem_scale(low));
			h->plain_ctx = h->ctx;
		}
	} else if (!in_cpu && key_has(low, gpu_w)) {
		h->ctx = CTX_GPU; /* cuda_version, device_name, ... */
	} else if (in_list(low, names)) {
		if (!m->name)
			m->name = hw_str(h, v);
	} else if (in_list(low, oses)) {
		if (!m->os)
			m->os = hw_str(h, v);
	} else if (in_list(low, kernels)) {
		if (!m->kernel)
			m->kernel = hw_str(h, v);
	} else if (in_list(low, arches)) {
		if (!m->arch)
			m->arch = hw_str(h, v);
	}
}

static void hw_object(struct hw *h, const json_t *o, int in_cpu)
{
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)o, key, v)
		hw_member(h, key, v, in_cpu);
}

/* Fills run->machine from a hardware object (NULL: nothing known). */
static int machine_from(struct bt_run *run, const json_t *hwo)
{
	struct hw h;
	memset(&h, 0, sizeof h);
	h.run = run;
	h.gpu_mem = -1;
	h.plain_mem = -1;
	if (json_is_object(hwo))
		hw_object(&h, hwo, 0);
	if (h.oom)
		return BT_ENOMEM;
	if (h.plain_mem >= 0) {
		/* a bare memory key right after the GPU's keys, with no GPU
		 * memory given otherwise, is the GPU's ({"gpu": "A100",
		 * "memory_gb": 80}); else the host's */
		int gpu_has_mem = h.gpu_mem >= 0;
		for (size_t i = 0; i < h.n_gpus; i++)
			gpu_has_mem |= h.gpus[i].memory_bytes >= 0;
		if (h.plain_ctx == CTX_GPU && (h.n_gpus || h.gpu_count > 0) && !gpu_has_mem)
			h.gpu_mem = h.plain_mem;
		else if (run->machine.memory_bytes < 0)
			run->machine.memory_bytes = h.plain_mem;
	}
	for (size_t i = h.n_gpus; (long)i < h.gpu_count && i < 64; i++) {
		h.gpus[i] = h.n_gpus ? h.gpus[0] : (struct bt_gpu){ NULL, -1, NULL };
		h.n_gpus = i + 1;
	}
	struct bt_machine *m = &run->machine;
	if (h.n_gpus) {
		m->gpus = bt_run_alloc(run, h.n_gpus * sizeof *m->gpus);
		if (!m->gpus)
			return BT_ENOMEM;
		for (size_t i = 0; i < h.n_gpus; i++) {
			m->gpus[i] = h.gpus[i];
			if (m->gpus[i].memory_bytes < 0)
				m->gpus[i].memory_bytes = h.gpu_mem;
			if (!m->gpus[i].driver)
				m->gpus[i].driver = h.driver;
		}
		m->n_gpus = h.n_gpus;
	}
	int known = m->cpu_model || m->cpu_cores > 0 || m->memory_bytes >= 0 ||
		    m->n_gpus;
	char fp[17];
	if (known)
		bt__machine_fingerprint(m, fp);
	m->fingerprint = bt_run_strdup(run, known ? fp : "unknown");
	return m->fingerprint ? 0 : BT_ENOMEM;
}

/* --- conversions --------------------------------------------------------- */

/* The conversions below fill run and return 0, BT_EUNSUPPORTED when the
 * file is to be skipped (the reason in why), or BT_ENOMEM. */

/* What a conversion found out besides the run. */
struct found {
	const char *format;      /* "benchtrack run", ... */
	const char *type;        /* benchmark type in the content, or NULL */
	const json_t *ts;        /* timestamp in the content, or NULL */
};

static const json_t *member(const json_t *o, const char *const *keys)
{
	for (; *keys; keys++) {
		const json_t *v = json_object_get(o, *keys);
		if (v && !json_is_null(v))
			return v;
	}
	return NULL;
}

/* git.commit (and dirty) from a commit text; anything but hex is dropped. */
static int set_commit(struct bt_run *run, const json_t *v)
{
	if (!json_is_string(v))
		return 0;
	char buf[80];
	snprintf(buf, sizeof buf, "%s", json_string_value(v));
	size_t n = strlen(buf);
	if (n > 6 && strcmp(buf + n - 6, "-dirty") == 0) {
		buf[n - 6] = '\0';
		run->git.dirty = 1;
	}
	if (!bt__is_hex(buf, 4, 64)) {
		run->git.dirty = -1;
		return 0;
	}
	for (char *c = buf; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	run->git.commit = bt_run_strdup(run, buf);
	return run->git.commit ? 0 : BT_ENOMEM;
}

/* Run config from a parameters object: "key=value" strings, iteration
 * counts. */
static int config_from(struct bt_run *run, const json_t *params)
{
	struct bt_config *c = &run->config;
	size_t n = json_object_size(params), i = 0;
	if (!n)
		return 0;
	c->params = bt_run_alloc(run, n * sizeof *c->params);
	if (!c->params)
		return BT_ENOMEM;
	const char *key;
	json_t *v;
	int oom = 0;
	json_object_foreach((json_t *)params, key, v) {
		const char *t = jtext(run, v, &oom);
		if (oom)
			return BT_ENOMEM;
		if (!t)
			continue;
		if (!(c->params[i++] = bt_run_printf(run, "%s=%s", key, t)))
			return BT_ENOMEM;
		double x = json_is_number(v) ? json_number_value(v) : -1;
		if (x >= 0 && x < 1e9 && x == floor(x)) {
			if (in_list(key, warm_keys))
				c->warmup_iterations = (int)x;
			else if (in_list(key, meas_keys))
				c->measurement_iterations = (int)x;
		}
	}
	c->n_params = i;
	return 0;
}

/* One seed result row. */
static int seed_row(struct bt_run *run, const json_t *row, const char *name,
		    const json_t *global)
{
	struct rb b;
	rb_init(&b, run);
	const json_t *u = member(row, (const char *const[]){ "unit", "time_unit",
							     "units", NULL });
	const char *hint = json_is_string(u) ? json_string_value(u) : NULL;
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)row, key, v)
		row_member(&b, key, v, hint);
	if (json_is_object(global))
		params_object(&b, global, 0);
	return rb_finish(&b, name);
}

/* 1 when the results object is one result (flat members or only metric
 * objects), 0 when it maps names to results. */
static int single_result(const json_t *res)
{
	const char *key;
	json_t *v;
	int all_metrics = 1;
	json_object_foreach((json_t *)res, key, v) {
		if (json_is_number(v) || json_is_string(v) || json_is_boolean(v))
			return 1;
		if (!is_metric_object(v))
			all_metrics = 0;
	}
	return all_metrics;
}

static int seed(struct bt_run *run, const json_t *root, struct found *f,
		struct bt_strbuf *why)
{
	static const char *const ts_keys[] = { "timestamp", "date", "datetime",
		"created_at", "start_time", NULL };
	static const char *const commit_keys[] = { "git_commit", "commit",
		"commit_id", "git_hash", "commit_hash", NULL };
	static const char *const branch_keys[] = { "git_branch", "branch", NULL };
	static const char *const hw_keys[] = { "hardware", "hardware_info",
		"machine", "system", "environment", NULL };
	static const char *const par_keys[] = { "parameters", "params", "config",
		NULL };
	f->format = "seed metadata";
	const json_t *t = json_object_get(root, "benchmark_type");
	if (json_is_string(t))
		f->type = json_string_value(t);
	else if (t && !json_is_null(t))
		return bt_error(why, BT_EUNSUPPORTED, "seed metadata: benchmark_type is not a string");
	f->ts = member(root, ts_keys);
	const json_t *res = json_object_get(root, "results");
	if (!res || json_is_null(res))
		return bt_error(why, BT_EUNSUPPORTED, "seed metadata without results");
	if (!json_is_array(res) && !json_is_object(res))
		return bt_error(why, BT_EUNSUPPORTED, "seed metadata: results is neither an "
				"array nor an object");
	if ((json_is_array(res) ? json_array_size(res) : json_object_size(res)) == 0)
		return bt_error(why, BT_EUNSUPPORTED, "seed metadata with no results (results is empty)");

	int rc;
	const json_t *git = json_object_get(root, "git");
	const json_t *c = member(root, commit_keys);
	if (!c && json_is_object(git))
		c = json_object_get(git, "commit");
	if ((rc = set_commit(run, c)))
		return rc;
	const json_t *br = member(root, branch_keys);
	if (!br && json_is_object(git))
		br = json_object_get(git, "branch");
	if (json_is_string(br) && !(run->git.branch = bt_run_strdup(run, json_string_value(br))))
		return BT_ENOMEM;
	if ((rc = machine_from(run, member(root, hw_keys))))
		return rc;
	const json_t *params = member(root, par_keys);
	if (!json_is_object(params))
		params = NULL;
	if (params && (rc = config_from(run, params)))
		return rc;

	if (json_is_array(res)) {
		for (size_t i = 0; i < json_array_size(res); i++)
			if (!json_is_object(json_array_get(res, i)))
				return bt_error(why, BT_EUNSUPPORTED, "seed metadata: results[%zu] is "
						"not an object", i);
		for (size_t i = 0; i < json_array_size(res); i++)
			if ((rc = seed_row(run, json_array_get(res, i), "result", params)))
				return rc;
	} else if (single_result(res)) {
		if ((rc = seed_row(run, res, f->type ? f->type : "result", params)))
			return rc;
	} else {
		const char *key;
		json_t *v;
		json_object_foreach((json_t *)res, key, v)
			if (json_is_object(v) && (rc = seed_row(run, v, key, params)))
				return rc;
		if (run->n_results == 0)
			return bt_error(why, BT_EUNSUPPORTED, "seed metadata: results has no "
					"result objects");
	}
	return 0;
}

static int hf(struct bt_run *run, const json_t *root, struct found *f,
	      struct bt_strbuf *why)
{
	static const char *const skip_cfg[] = { "name", "model_id",
		"warmup_iterations", "measurement_iterations", NULL };
	f->format = "HF benchmark_v2";
	const json_t *sc = json_object_get(root, "benchmark_scenarios");
	size_t n = json_array_size(sc);
	if (n == 0)
		return bt_error(why, BT_EUNSUPPORTED, "HF benchmark_v2 with no scenarios");
	for (size_t i = 0; i < n; i++)
		if (!json_is_object(json_array_get(sc, i)))
			return bt_error(why, BT_EUNSUPPORTED, "HF benchmark_v2: benchmark_scenarios[%zu] "
					"is not an object", i);
	const json_t *model = json_object_get(root, "model_name");
	const char *model_name = json_is_string(model) ? json_string_value(model) : NULL;
	const json_t *meta0 = json_object_get(json_array_get(sc, 0), "metadata");
	if (!json_is_object(meta0))
		meta0 = NULL;
	const json_t *ts = meta0 ? json_object_get(meta0, "timestamp") : NULL;
	f->ts = ts && !json_is_null(ts) ? ts : json_object_get(root, "timestamp");
	if (f->ts && json_is_null(f->ts))
		f->ts = NULL;
	const json_t *t = json_object_get(root, "benchmark_type");
	if (json_is_string(t))
		f->type = json_string_value(t);
	static const char *const commit_keys[] = { "commit_id", "git_commit",
		"commit", NULL };
	const json_t *c = meta0 ? member(meta0, commit_keys) : NULL;
	int rc;
	if ((rc = set_commit(run, c ? c : member(root, commit_keys))))
		return rc;
	const json_t *hwo = meta0 ? json_object_get(meta0, "hardware_info") : NULL;
	if ((rc = machine_from(run, hwo ? hwo : json_object_get(root, "hardware_info"))))
		return rc;
	const json_t *cfg0 = meta0 ? json_object_get(meta0, "config") : NULL;
	if (json_is_object(cfg0)) {
		const json_t *w = json_object_get(cfg0, "warmup_iterations");
		const json_t *m = json_object_get(cfg0, "measurement_iterations");
		if (json_is_integer(w) && json_integer_value(w) >= 0 &&
		    json_integer_value(w) < 1000000000)
			run->config.warmup_iterations = (int)json_integer_value(w);
		if (json_is_integer(m) && json_integer_value(m) >= 0 &&
		    json_integer_value(m) < 1000000000)
			run->config.measurement_iterations = (int)json_integer_value(m);
	}
	for (size_t i = 0; i < n; i++) {
		const json_t *s = json_array_get(sc, i);
		struct rb b;
		rb_init(&b, run);
		const json_t *nm = json_object_get(s, "scenario_name");
		if (!json_is_string(nm))
			nm = json_object_get(s, "name");
		if (json_is_string(nm) &&
		    !(b.name = bt_run_strdup(run, json_string_value(nm))))
			b.oom = 1;
		if (model_name) {
			const char *mv = bt_run_strdup(run, model_name);
			if (!mv)
				b.oom = 1;
			rb_param(&b, "model", mv, 1);
		}
		const json_t *meta = json_object_get(s, "metadata");
		const json_t *cfg = json_is_object(meta) ? json_object_get(meta, "config") : NULL;
		const char *key;
		json_t *v;
		if (json_is_object(cfg))
			json_object_foreach((json_t *)cfg, key, v)
				if (!in_list(key, skip_cfg) && !json_is_null(v))
					rb_param(&b, key, jtext(run, v, &b.oom), 0);
		const json_t *ms = json_object_get(s, "measurements");
		if (!json_is_object(ms))
			ms = json_object_get(s, "metrics");
		if (json_is_object(ms))
			metrics_object(&b, ms, NULL);
		const json_t *gm = json_object_get(s, "gpu_metrics");
		if (json_is_object(gm))
			json_object_foreach((json_t *)gm, key, v)
				if (json_is_number(v))
					rb_counter(&b, key, json_number_value(v));
		const json_t *e = json_object_get(s, "error");
		if (json_is_string(e)) {
			b.status = BT_STATUS_FAILED;
			b.message = bt_run_strdup(run, json_string_value(e));
		}
		char fallback[32];
		snprintf(fallback, sizeof fallback, "scenario%zu", i + 1);
		if ((rc = rb_finish(&b, fallback)))
			return rc;
	}
	return 0;
}

/* --- one file ------------------------------------------------------------ */

/* 1 when the first SNIFF_BYTES of data look binary: a NUL byte or invalid
 * UTF-8 (*off where, *nul which). */
static int looks_binary(const char *data, size_t len, size_t *off, int *nul)
{
	const unsigned char *p = (const unsigned char *)data;
	size_t lim = len < SNIFF_BYTES ? len : SNIFF_BYTES;
	for (size_t i = 0; i < lim;) {
		if (p[i] == 0) {
			*off = i;
			*nul = 1;
			return 1;
		}
		size_t k = bt__utf8_seq(p + i, len - i);
		if (!k) {
			*off = i;
			*nul = 0;
			return 1;
		}
		i += k;
	}
	return 0;
}

/* The suite of a converted file: its name without the extension and the
 * date stamp [b, e) (when found), else the whole stem. */
static char *suite_name(struct bt_run *run, const char *base, int has_date,
			size_t b, size_t e)
{
	char stem[256];
	snprintf(stem, sizeof stem, "%s", base);
	char *dot = strrchr(stem, '.');
	if (dot && dot != stem)
		*dot = '\0';
	size_t n = strlen(stem);
	if (!has_date || b >= n)
		return bt_run_strdup(run, stem);
	if (e > n)
		e = n;
	const char *sep = "_-. ";
	size_t l = b, r = e;
	while (l && strchr(sep, stem[l - 1]))
		l--;
	while (stem[r] && strchr(sep, stem[r]))
		r++;
	/* a zone word after the stamp ("_20240131_142233_UTC") goes too */
	size_t zl = strcspn(stem + r, sep);
	if ((zl == 3 && (!strncasecmp(stem + r, "utc", 3) ||
			 !strncasecmp(stem + r, "gmt", 3))) ||
	    (zl == 1 && (stem[r] == 'Z' || stem[r] == 'z'))) {
		r += zl;
		while (stem[r] && strchr(sep, stem[r]))
			r++;
	}
	size_t ls = 0;
	while (ls < l && strchr(sep, stem[ls]))
		ls++;
	size_t re = n;
	while (re > r && strchr(sep, stem[re - 1]))
		re--;
	if (ls >= l && r >= re)
		return bt_run_strdup(run, stem);
	return bt_run_printf(run, "%.*s%s%.*s", (int)(l - ls), stem + ls,
			     l > ls && re > r ? "_" : "", (int)(re - r), stem + r);
}

static struct seen *find_seen(struct org *g, uint64_t h1, uint64_t h2,
			      const char *id)
{
	for (size_t i = 0; i < g->n_seen; i++)
		if (id ? strcmp(g->seen[i].id, id) == 0
		       : g->seen[i].h1 == h1 && g->seen[i].h2 == h2)
			return &g->seen[i];
	return NULL;
}

static int add_seen(struct org *g, uint64_t h1, uint64_t h2, const char *id,
		    const char *path)
{
	int oom = 0;
	struct seen *s = grow(g->seen, &g->a_seen, g->n_seen, sizeof *s, &oom);
	if (!s)
		return BT_ENOMEM;
	g->seen = s;
	s = &g->seen[g->n_seen];
	s->h1 = h1;
	s->h2 = h2;
	s->id = strdup(id);
	s->first = strdup(path);
	if (!s->id || !s->first) {
		free(s->id);
		free(s->first);
		return BT_ENOMEM;
	}
	g->n_seen++;
	return 0;
}

static int is_stored(struct org *g, const char *id)
{
	return g->n_stored &&
	       bsearch(&id, g->stored, g->n_stored, sizeof *g->stored, cmp_str);
}

/* Copies the original into STORE/archive/legacy/ under its name, or
 * name.N.ext when another file has that name; nothing when the same bytes
 * are there. */
static int archive_original(struct org *g, const char *base, const char *data,
			    size_t len, const struct stat *sb)
{
	char *dir = bt__pathf("%s/archive/legacy", g->st->dir);
	if (!dir)
		return BT_ENOMEM;
	int rc = bt__mkdir_p(dir, g->err);
	int lock = rc ? -1 : bt__store_lock(g->st->dir, g->err);
	if (lock < 0 && !rc)
		rc = lock;
	const char *dot = strrchr(base, '.');
	if (!dot || dot == base)
		dot = base + strlen(base);
	for (int k = 1; !rc && k <= 10000; k++) {
		char *p = k == 1 ? bt__pathf("%s/%s", dir, base)
			: bt__pathf("%s/%.*s.%d%s", dir, (int)(dot - base), base, k, dot);
		if (!p) {
			rc = BT_ENOMEM;
			break;
		}
		struct stat ex;
		if (lstat(p, &ex) != 0 && errno == ENOENT) {
			rc = bt__write_file_atomic(p, data, len, g->err);
			if (!rc) {
				struct timespec t[2] = { sb->st_atim, sb->st_mtim };
				utimensat(AT_FDCWD, p, t, AT_SYMLINK_NOFOLLOW);
			}
			free(p);
			break;
		}
		int same = bt__file_equals(p, data, len);
		free(p);
		if (same)
			break;
		if (k == 10000)
			rc = bt_error(g->err, BT_EIO, "%s: too many files named %s", dir, base);
	}
	bt__store_unlock(lock);
	free(dir);
	return rc;
}

/* Detects the format of root and converts it into run. 0, BT_EUNSUPPORTED
 * (skip: the reason in why) or BT_ENOMEM. */
static int convert(struct bt_run *run, const char *text, size_t len,
		   const json_t *root, const char *base, struct found *f,
		   struct bt_strbuf *why)
{
	if (!json_is_object(root)) {
		const char *what = json_is_array(root) ? "an array" : "a scalar";
		return bt_error(why, BT_EUNSUPPORTED, "unrecognised JSON (top level is %s, "
				"not an object)", what);
	}
	const json_t *schema = json_object_get(root, "schema");
	const char *sv = json_is_string(schema) ? json_string_value(schema) : NULL;
	if (sv && strcmp(sv, BT_RUN_SCHEMA) == 0) {
		struct bt_strbuf e = BT_STRBUF_INIT;
		f->format = "benchtrack run";
		int rc = bt_run_from_json(run, text, len, base, &e);
		if (rc && rc != BT_ENOMEM)
			rc = bt_error(why, BT_EUNSUPPORTED, "not a valid benchtrack run: %s",
				      bt_strbuf_str(&e));
		bt_strbuf_release(&e);
		if (!rc && run->benchmark_type)
			f->type = run->benchmark_type;
		return rc;
	}
	if (sv && strncmp(sv, "benchtrack.run/", 15) == 0)
		return bt_error(why, BT_EUNSUPPORTED, "unsupported schema \"%.40s\" (this version "
				"reads %s)", sv, BT_RUN_SCHEMA);
	if (json_is_array(json_object_get(root, "benchmark_scenarios")))
		return hf(run, root, f, why);
	if (json_object_get(root, "benchmark_type"))
		return seed(run, root, f, why);
	if (sv)
		return bt_error(why, BT_EUNSUPPORTED, "unrecognised JSON (unknown schema \"%.40s\", "
				"no benchmark_type or benchmark_scenarios)", sv);
	return bt_error(why, BT_EUNSUPPORTED, "unrecognised JSON (no schema, benchmark_type or "
			"benchmark_scenarios)");
}

static int organize_file(struct org *g, const char *path, const char *rel,
			 const char *base, const struct stat *sb)
{
	if ((size_t)sb->st_size > ORGANIZE_CAP)
		return skip(g, path, "larger than 64 MiB");
	char *data = NULL;
	size_t len;
	struct bt_strbuf rerr = BT_STRBUF_INIT, m = BT_STRBUF_INIT;
	int e = bt__read_file(path, ORGANIZE_CAP, &data, &len, &rerr);
	if (e) {
		/* the reason without the path the note already carries */
		e = e == BT_ENOMEM ? e
			: e == BT_ETOOBIG ? skip(g, path, "larger than 64 MiB")
			: bt__strip_path(&m, bt_strbuf_str(&rerr), path) ? BT_ENOMEM
			: skip(g, path, "cannot read: %s", m.buf);
		bt_strbuf_release(&m);
	}
	bt_strbuf_release(&rerr);
	if (!data)
		return e;

	struct bt_run run;
	struct bt_strbuf why = BT_STRBUF_INIT;
	json_t *root = NULL;
	char *stored = NULL;
	int rc = bt_run_init(&run);
	size_t off;
	int nul;
	const char *text = data;
	size_t tlen = len;
	if (rc)
		goto out;
	if (len == 0) {
		rc = skip(g, path, "empty file");
		goto out;
	}
	if (looks_binary(data, len, &off, &nul)) {
		rc = skip(g, path, "binary file (%s at byte %zu)",
			  nul ? "NUL byte" : "invalid UTF-8", off);
		goto out;
	}
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		text += 3, tlen -= 3; /* a byte order mark */
	if (strspn(text, " \t\r\n") == tlen) {
		rc = skip(g, path, "empty file (only white space)");
		goto out;
	}
	uint64_t h1 = bt__fnv1a(BT__FNV_INIT, data, len);
	uint64_t h2 = bt__fnv1a(bt__mix64(BT__FNV_INIT), data, len);
	struct seen *dup = find_seen(g, h1, h2, NULL);
	if (dup) {
		rc = skip(g, path, "duplicate of %s", dup->first);
		goto out;
	}
	json_error_t je;
	root = json_loadb(text, tlen, 0, &je);
	if (!root) {
		rc = skip(g, path, "unparseable JSON (line %d, column %d): %s",
			  je.line, je.column, je.text);
		goto out;
	}
	struct found f = { NULL, NULL, NULL };
	rc = convert(&run, text, tlen, root, base, &f, &why);
	if (rc == BT_EUNSUPPORTED) {
		rc = skip(g, path, "%s", why.buf);
		goto out;
	}
	if (rc)
		goto out;
	int native = strcmp(f.format, "benchtrack run") == 0;

	/* id */
	char id[33];
	snprintf(id, sizeof id, "%016" PRIx64 "%016" PRIx64, h1, h2);
	if (!native || !bt__is_hex(run.run_id, 8, 64))
		run.run_id = bt_run_strdup(&run, id);
	/* type */
	char type[65];
	const char *nt = type_from_name(rel);
	if (native && run.benchmark_type && bt__store_valid_type(run.benchmark_type))
		snprintf(type, sizeof type, "%s", run.benchmark_type);
	else if (!(f.type && sanitize_type(f.type, 1, type) == 0))
		snprintf(type, sizeof type, "%s", nt ? nt : "legacy");
	run.benchmark_type = bt_run_strdup(&run, type);
	/* date */
	char ts[32], y[5], mo[3], d[3], hm[5];
	const char *from = NULL;
	time_t t;
	size_t db = 0, de = 0;
	int name_date = name_time(base, &t, &db, &de) == 0;
	if (native && !bt__store_split_time(run.timestamp, y, mo, d, hm)) {
		snprintf(ts, sizeof ts, "%s", run.timestamp);
	} else {
		json_t *nts = native ? json_object_get(root, "timestamp") : NULL;
		const json_t *cv = native ? nts : f.ts;
		if (cv && content_time(cv, &t) == 0) {
			fmt_time(t, ts);
		} else if (name_date) {
			fmt_time(t, ts);
			from = "date from the file name";
		} else {
			fmt_time(sb->st_mtime, ts);
			from = "date from the file time";
		}
		run.timestamp = bt_run_strdup(&run, ts);
	}
	if (!native) {
		run.suite = suite_name(&run, base, name_date, db, de);
		for (size_t i = 0; run.suite && i < run.n_results; i++) {
			struct bt_result *r = &run.results[i];
			char key[17];
			bt_series_key(run.suite, r, run.machine.fingerprint,
				      r->n_metrics ? r->metrics[0].name : "time", key);
			if (!(r->series_key = bt_run_strdup(&run, key)))
				break;
		}
	}
	if (!run.run_id || !run.benchmark_type || !run.timestamp || !run.suite ||
	    (run.n_results && !native && !run.results[run.n_results - 1].series_key)) {
		rc = BT_ENOMEM;
		goto out;
	}
	if (!native) {
		/* two rows of one benchmark would be one series point twice
		 * (the reader refuses such runs): the file is skipped */
		bt_strbuf_reset(&why);
		rc = bt__run_check_identity(&run, f.format, &why);
		if (rc == BT_ESCHEMA)
			rc = skip(g, path, "%s", bt_strbuf_str(&why));
		if (rc || why.len)
			goto out;
	}
	if (bt__store_split_time(run.timestamp, y, mo, d, hm)) {
		rc = bt_error(g->err, BT_EINVAL, "%s: bad timestamp '%s'", path,
			      run.timestamp); /* cannot happen: made above */
		goto out;
	}

	/* already there? */
	struct seen *same = find_seen(g, 0, 0, run.run_id);
	if (same) {
		rc = skip(g, path, "duplicate of %s (same run id %.8s)", same->first,
			  run.run_id);
		goto out;
	}
	if (is_stored(g, run.run_id)) {
		rc = add_seen(g, h1, h2, run.run_id, path);
		if (!rc)
			rc = skip(g, path, "already in the store as %.8s", run.run_id);
		goto out;
	}
	struct bt_strbuf detail = BT_STRBUF_INIT;
	bt_strbuf_addf(&detail, "-> by-type/%s/%s-%s-%s-%s-UTC-%.8s (%s%s%s)", type,
		       y, mo, d, hm, run.run_id, f.format, from ? ", " : "",
		       from ? from : "");
	if (!g->dry_run) {
		rc = bt_store_put(g->st, &run, &stored, g->err);
		if (rc == BT_EEXISTS) {
			bt_strbuf_release(&detail);
			rc = add_seen(g, h1, h2, run.run_id, path);
			if (!rc)
				rc = skip(g, path, "already in the store as %.8s", run.run_id);
			goto out;
		}
		if (!rc)
			rc = archive_original(g, base, data, len, sb);
	}
	if (!rc)
		rc = add_seen(g, h1, h2, run.run_id, path);
	if (!rc && detail.buf) {
		note(g, g->dry_run ? "would place" : "place", path, detail.buf);
		g->placed++;
	} else if (!rc) {
		rc = BT_ENOMEM;
	}
	bt_strbuf_release(&detail);
out:
	free(stored);
	json_decref(root);
	bt_strbuf_release(&why);
	bt_run_release(&run);
	free(data);
	return rc;
}

/* --- the walk ------------------------------------------------------------ */

static int walk(struct org *g, const char *dir, const char *rel, int depth)
{
	DIR *d = opendir(dir);
	if (!d && depth > 0)
		return skip(g, dir, "cannot read directory: %s", strerror(errno));
	if (!d)
		return bt_error(g->err, errno == ENOENT ? BT_ENOTFOUND : BT_EIO,
				"%s: %s", dir, strerror(errno));
	char **names = NULL;
	size_t n = 0, alloc = 0;
	int rc = 0, oom = 0;
	struct dirent *e;
	errno = 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char **p = grow(names, &alloc, n, sizeof *names, &oom);
		if (!p || !(p[n] = strdup(e->d_name))) {
			names = p ? p : names;
			rc = BT_ENOMEM;
			break;
		}
		names = p;
		n++;
	}
	closedir(d);
	if (!rc && n)
		qsort(names, n, sizeof *names, cmp_str);
	for (size_t i = 0; !rc && i < n; i++) {
		char *path = strcmp(dir, ".") ? bt__pathf("%s/%s", dir, names[i])
					      : strdup(names[i]);
		char *r = *rel ? bt__pathf("%s/%s", rel, names[i]) : strdup(names[i]);
		struct stat sb;
		if (!path || !r)
			rc = BT_ENOMEM;
		else if (lstat(path, &sb) != 0)
			rc = skip(g, path, "cannot read: %s", strerror(errno));
		else if (S_ISLNK(sb.st_mode))
			rc = skip(g, path, "symbolic link (not followed)");
		else if (S_ISDIR(sb.st_mode)) {
			int is_store = g->have_store && sb.st_dev == g->store_dev &&
				       sb.st_ino == g->store_ino;
			if (g->recursive && !is_store && depth < MAX_DEPTH)
				rc = walk(g, path, r, depth + 1);
			else if (g->recursive && !is_store)
				rc = skip(g, path, "directory nested deeper than %d levels",
					  MAX_DEPTH);
		} else if (S_ISREG(sb.st_mode))
			rc = organize_file(g, path, r, names[i], &sb);
		else
			rc = skip(g, path, "not a regular file");
		free(path);
		free(r);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

int bt_store_organize(struct bt_store *st, const char *src,
		      const struct bt_organize_opts *o, bt_store_note_fn note_fn,
		      void *ud, size_t *n_placed, size_t *n_skipped,
		      struct bt_strbuf *err)
{
	if (n_placed)
		*n_placed = 0;
	if (n_skipped)
		*n_skipped = 0;
	struct org g;
	memset(&g, 0, sizeof g);
	g.st = st;
	g.dry_run = o && o->dry_run;
	g.recursive = o && o->recursive;
	g.note = note_fn;
	g.ud = ud;
	g.err = err;
	if (!src || !*src)
		return bt_error(err, BT_EINVAL, "organize: no folder given");
	if (!st && !g.dry_run)
		return bt_error(err, BT_EINVAL, "organize: no store");
	if (st && !g.dry_run && (st->flags & BT_STORE_READONLY))
		return bt_error(err, BT_EINVAL, "%s: store opened read-only", st->dir);
	struct stat sb;
	if (stat(src, &sb) != 0)
		return bt_error(err, errno == ENOENT ? BT_ENOTFOUND : BT_EIO,
				"%s: %s", src, strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return bt_error(err, BT_EINVAL, "%s: not a directory", src);
	char *dir = strdup(src);
	if (!dir)
		return BT_ENOMEM;
	for (size_t n = strlen(dir); n > 1 && dir[n - 1] == '/';)
		dir[--n] = '\0';

	int rc = 0;
	if (st) {
		struct stat ss;
		if (stat(st->dir, &ss) == 0) {
			g.have_store = 1;
			g.store_dev = ss.st_dev;
			g.store_ino = ss.st_ino;
		}
		struct bt_store_filter f = { .include_archived = 1 };
		struct bt_store_list l;
		struct bt_strbuf qe = BT_STRBUF_INIT;
		rc = bt_store_query(st, &f, &l, &qe);
		if (rc)
			bt_error(err, rc, "%s", bt_strbuf_str(&qe));
		bt_strbuf_release(&qe);
		if (!rc && l.n && !(g.stored = calloc(l.n, sizeof *g.stored)))
			rc = BT_ENOMEM;
		for (size_t i = 0; !rc && i < l.n; i++, g.n_stored++)
			if (!(g.stored[i] = strdup(l.items[i].run_id)))
				rc = BT_ENOMEM;
		bt_store_list_release(&l);
		if (!rc && g.n_stored)
			qsort(g.stored, g.n_stored, sizeof *g.stored, cmp_str);
	}
	if (!rc)
		rc = walk(&g, dir, "", 0);
	if (rc == BT_ENOMEM && !bt_strbuf_str(err)[0])
		bt_error(err, rc, "organize %s: out of memory", dir);
	for (size_t i = 0; i < g.n_stored; i++)
		free(g.stored[i]);
	free(g.stored);
	for (size_t i = 0; i < g.n_seen; i++) {
		free(g.seen[i].id);
		free(g.seen[i].first);
	}
	free(g.seen);
	free(dir);
	if (n_placed)
		*n_placed = g.placed;
	if (n_skipped)
		*n_skipped = g.skipped;
	return rc;
}
