/* Parsing the runner flags (docs/cmd/run.md is their documentation). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "front.h"

enum flag_id {
	F_LIST, F_FILTER, F_EXCLUDE, F_PARAM, F_RANGE, F_QUICK, F_WARMUP,
	F_MEASURE, F_MIN_SAMPLE, F_BUDGET, F_TIMEOUT, F_MEMLIMIT, F_NO_ISOLATE,
	F_SEED, F_FORMAT, F_OUT, F_TYPE, F_OPTIONS, F_ABLATION, F_BASELINE,
	F_SUITE, F_VERBOSE, F_QUIET, F_LOG_LEVEL, F_HELP, F_VERSION,
	F_ALLOW_EMPTY, F_STORE, F_NO_STORE, F_REPETITIONS, F_ALLOW_UNKNOWN,
	F_PRESET, F_MODELS, F_NEW_TOKENS, F_GPU_INTERVAL, F_NO_GPU,
	F_MEASURE_KIND, F_CACHE_SIM,
	F_GIT_DIR, F_MPI, F_FIND_LIMIT, F_UPLOAD_HUB, F_RUN_ID
};

struct flag {
	const char *name;  /* long name without "--" */
	char shrt;         /* short letter or 0 */
	int arg;           /* takes a value */
	int forward;       /* passed on to suites by `benchtrack run` */
	enum flag_id id;
};

static const struct flag flags[] = {
	{ "list", 0, 0, 1, F_LIST },
	{ "filter", 0, 1, 1, F_FILTER },
	{ "include", 0, 1, 1, F_FILTER },
	{ "exclude", 0, 1, 1, F_EXCLUDE },
	{ "param", 0, 1, 1, F_PARAM },
	{ "range", 0, 1, 1, F_RANGE },
	{ "suite-preset", 0, 1, 1, F_PRESET },
	{ "models", 0, 1, 1, F_MODELS },
	{ "num-tokens-to-generate", 0, 1, 1, F_NEW_TOKENS },
	{ "quick", 0, 0, 1, F_QUICK },
	{ "warmup-iterations", 0, 1, 1, F_WARMUP },
	{ "measurement-iterations", 0, 1, 1, F_MEASURE },
	{ "min-sample-time", 0, 1, 1, F_MIN_SAMPLE },
	{ "time-budget", 0, 1, 1, F_BUDGET },
	{ "timeout", 0, 1, 1, F_TIMEOUT },
	{ "memory-limit", 0, 1, 1, F_MEMLIMIT },
	{ "no-isolate", 0, 0, 1, F_NO_ISOLATE },
	{ "gpu-sample-interval", 0, 1, 1, F_GPU_INTERVAL },
	{ "no-gpu-metrics", 0, 0, 1, F_NO_GPU },
	{ "measure", 0, 1, 1, F_MEASURE_KIND },
	{ "cache-sim", 0, 0, 1, F_CACHE_SIM },
	{ "seed", 0, 1, 1, F_SEED },
	{ "mpi", 0, 1, 1, F_MPI },
	{ "find-limit", 0, 1, 1, F_FIND_LIMIT },
	{ "format", 0, 1, 0, F_FORMAT },
	{ "out", 'o', 1, 0, F_OUT },
	{ "type", 0, 1, 1, F_TYPE },
	{ "options", 0, 1, 1, F_OPTIONS },
	{ "ablation", 0, 0, 1, F_ABLATION },
	{ "baseline", 0, 1, 0, F_BASELINE },
	{ "suite", 0, 1, 1, F_SUITE },
	{ "git-dir", 0, 1, 1, F_GIT_DIR },
	{ "allow-empty", 0, 0, 0, F_ALLOW_EMPTY },
	{ "allow-unknown-params", 0, 0, 1, F_ALLOW_UNKNOWN },
	{ "store", 0, 1, 0, F_STORE },
	{ "no-store", 0, 0, 0, F_NO_STORE },
	{ "repetitions", 0, 1, 0, F_REPETITIONS },
	{ "upload-to-hub", 0, 1, 0, F_UPLOAD_HUB },
	{ "run-id", 0, 1, 0, F_RUN_ID },
	{ "verbose", 'v', 0, 1, F_VERBOSE },
	{ "quiet", 'q', 0, 1, F_QUIET },
	{ "log-level", 0, 1, 1, F_LOG_LEVEL },
	{ "help", 'h', 0, 0, F_HELP },
	{ "version", 0, 0, 0, F_VERSION },
};

static int parse_int(const char *flag, const char *v, long lo, long hi,
		     long *out, struct bt_strbuf *err)
{
	char *end;
	errno = 0;
	long x = strtol(v, &end, 10);
	if (errno || end == v || *end || x < lo || x > hi)
		return bt_error(err, BT_EINVAL,
				"--%s: '%s' is not an integer in [%ld, %ld]",
				flag, v, lo, hi);
	*out = x;
	return 0;
}

/* A duration with its unit: "0.5s", "250ms", "10us", "2m", "2min".
 * A bare number is refused (is "5" seconds or milliseconds?), except a
 * bare 0 (0 s whatever the unit: "none" for --timeout and --time-budget,
 * refused by --min-sample-time). */
static int parse_seconds(const char *flag, const char *v, double *out,
			 struct bt_strbuf *err)
{
	char *end;
	errno = 0;
	double x = strtod(v, &end);
	double mul = 1;
	int unit = 1;
	if (end != v) {
		if (strcmp(end, "ms") == 0)
			mul = 1e-3, end += 2;
		else if (strcmp(end, "us") == 0)
			mul = 1e-6, end += 2;
		else if (strcmp(end, "s") == 0)
			end += 1;
		else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
			mul = 60, end += strlen(end);
		else
			unit = 0;
	}
	if (errno || end == v || (!unit && *end) || !(x >= 0) || isinf(x))
		return bt_error(err, BT_EINVAL,
				"--%s: '%s' is not a duration (e.g. 0.5s, 250ms, 10us, 2m)",
				flag, v);
	if (!unit && x != 0)
		return bt_error(err, BT_EINVAL,
				"--%s: '%s' has no unit: write %ss, %sms or %sus",
				flag, v, v, v, v);
	*out = x * mul;
	return 0;
}

/* Bytes: "512M", "2G", "1048576", "64KiB". */
static int parse_size(const char *flag, const char *v, int64_t *out,
		      struct bt_strbuf *err)
{
	char *end;
	errno = 0;
	double x = strtod(v, &end);
	double mul = 1;
	switch (*end) {
	case 'k': case 'K': mul = 1024.0; end++; break;
	case 'm': case 'M': mul = 1024.0 * 1024; end++; break;
	case 'g': case 'G': mul = 1024.0 * 1024 * 1024; end++; break;
	case 't': case 'T': mul = 1024.0 * 1024 * 1024 * 1024; end++; break;
	}
	if (mul > 1 && (strcmp(end, "iB") == 0 || strcmp(end, "B") == 0))
		end += strlen(end);
	else if (mul == 1 && strcmp(end, "B") == 0)
		end++;
	if (errno || end == v || *end || !(x > 0) || x * mul > 9e18)
		return bt_error(err, BT_EINVAL,
				"--%s: '%s' is not a size (e.g. 512M, 2G)", flag, v);
	*out = (int64_t)(x * mul);
	return 0;
}

static int apply(struct bt_front *f, const struct flag *fl, const char *v,
		 struct bt_strbuf *err)
{
	struct bt_config *c = &f->cfg;
	long n;
	int rc = 0;
	switch (fl->id) {
	case F_LIST: f->list = 1; break;
	case F_FILTER: c->filter = v; break;
	case F_EXCLUDE: c->exclude = v; break;
	case F_PARAM:
		if (c->n_params >= 64)
			return bt_error(err, BT_EINVAL, "--param: at most 64");
		f->params_store[c->n_params++] = v;
		c->params = f->params_store;
		break;
	case F_RANGE: c->range = v; break;
	case F_PRESET:
		if (!*v)
			return bt_error(err, BT_EINVAL, "--suite-preset: empty name");
		c->preset = v;
		break;
	case F_MODELS:
		if (!*v)
			return bt_error(err, BT_EINVAL, "--models: empty directory name");
		c->models_dir = v;
		break;
	case F_NEW_TOKENS:
		/* the seed's name for --param new_tokens=N */
		if ((rc = parse_int(fl->name, v, 1, 1000000000, &n, err)))
			break;
		if (c->n_params >= 64)
			return bt_error(err, BT_EINVAL, "--param: at most 64");
		snprintf(f->new_tokens, sizeof f->new_tokens, "new_tokens=%ld", n);
		f->params_store[c->n_params++] = f->new_tokens;
		c->params = f->params_store;
		break;
	case F_GPU_INTERVAL:
		rc = parse_seconds(fl->name, v, &c->gpu_sample_interval, err);
		if (!rc && c->gpu_sample_interval < 0.001)
			rc = bt_error(err, BT_EINVAL,
				      "--gpu-sample-interval: '%s' is under 1ms "
				      "(--no-gpu-metrics turns the sampling off)", v);
		break;
	case F_NO_GPU: c->gpu_sample_interval = 0; break;
	case F_MEASURE_KIND:
		if (strcmp(v, "time") && strcmp(v, "instructions") &&
		    strcmp(v, "cycles"))
			return bt_error(err, BT_EINVAL,
					"--measure: '%s' is not one of time, "
					"instructions, cycles", v);
		c->measure = strcmp(v, "time") ? v : NULL;
		break;
	case F_CACHE_SIM: c->cache_sim = 1; break;
	case F_QUICK: c->quick = 1; break;
	case F_WARMUP:
		if (!(rc = parse_int(fl->name, v, 0, 1000000, &n, err)))
			c->warmup_iterations = (int)n;
		break;
	case F_MEASURE:
		if (!(rc = parse_int(fl->name, v, 1, 1000000, &n, err)))
			c->measurement_iterations = (int)n;
		break;
	case F_MIN_SAMPLE:
		rc = parse_seconds(fl->name, v, &c->min_sample_time, err);
		if (!rc && c->min_sample_time <= 0)
			rc = bt_error(err, BT_EINVAL, "--min-sample-time: must be above 0");
		break;
	case F_BUDGET: rc = parse_seconds(fl->name, v, &c->time_budget, err); break;
	case F_TIMEOUT: rc = parse_seconds(fl->name, v, &c->timeout, err); break;
	case F_MEMLIMIT: rc = parse_size(fl->name, v, &c->memory_limit, err); break;
	case F_NO_ISOLATE: c->isolate = 0; break;
	case F_MPI:
		if (!(rc = parse_int(fl->name, v, 1, 4096, &n, err)))
			c->mpi = (int)n;
		break;
	case F_FIND_LIMIT:
		if (!*v)
			return bt_error(err, BT_EINVAL, "--find-limit: empty axis name");
		c->find_limit = v;
		break;
	case F_SEED: {
		char *end;
		errno = 0;
		unsigned long long s = strtoull(v, &end, 10);
		if (errno || end == v || *end || v[0] == '-')
			return bt_error(err, BT_EINVAL, "--seed: '%s' is not an unsigned integer", v);
		c->seed = s;
		break;
	}
	case F_FORMAT:
		if (strcmp(v, "table") && strcmp(v, "json") && strcmp(v, "csv") &&
		    strcmp(v, "md") && strcmp(v, "none"))
			return bt_error(err, BT_EINVAL,
					"--format: '%s' is not one of table, json, csv, md, none", v);
		f->format = v;
		break;
	case F_OUT: f->out = v; break;
	case F_TYPE:
		if (!*v)
			return bt_error(err, BT_EINVAL, "--type: empty name");
		f->type = v;
		break;
	case F_OPTIONS: c->options = v; break;
	case F_ABLATION: c->ablation = 1; break;
	case F_BASELINE: f->baseline = v; break;
	case F_SUITE: f->suite = v; break;
	case F_GIT_DIR: f->git_dir = v; break;
	case F_VERBOSE: f->log_level = BT_LOG_DEBUG; break;
	case F_QUIET: f->log_level = BT_LOG_QUIET; break;
	case F_LOG_LEVEL:
		if (strcmp(v, "quiet") == 0 || strcmp(v, "error") == 0)
			f->log_level = BT_LOG_QUIET;
		else if (strcmp(v, "warn") == 0 || strcmp(v, "warning") == 0)
			f->log_level = BT_LOG_WARN;
		else if (strcmp(v, "info") == 0)
			f->log_level = BT_LOG_INFO;
		else if (strcmp(v, "debug") == 0)
			f->log_level = BT_LOG_DEBUG;
		else
			return bt_error(err, BT_EINVAL,
					"--log-level: '%s' is not one of error, warn, info, debug "
					"(or quiet, the same as error)", v);
		break;
	case F_HELP: f->help = 1; break;
	case F_VERSION: f->version = 1; break;
	case F_STORE: f->store = v; break;
	case F_NO_STORE: f->no_store = 1; break;
	case F_UPLOAD_HUB: f->upload_to_hub = v; break;
	case F_RUN_ID:
		if (!*v)
			return bt_error(err, BT_EINVAL, "--run-id: empty id");
		f->run_id = v;
		break;
	case F_REPETITIONS: {
		long n;
		rc = parse_int(fl->name, v, 1, 1000, &n, err);
		if (!rc)
			f->repetitions = (int)n;
		break;
	}
	case F_ALLOW_EMPTY: f->allow_empty = 1; break;
	case F_ALLOW_UNKNOWN:
		/* suites that differ on purpose: a --param axis or --options
		 * name may belong to another suite (benchtrack run checks
		 * that some suite declares it) */
		f->allow_unknown_params = 1;
		f->cfg.strict_names = 0;
		break;
	}
	return rc;
}

const char *bt_front_log_level_name(int level)
{
	return level <= BT_LOG_QUIET ? "quiet" : level == BT_LOG_WARN ? "warn"
	       : level == BT_LOG_INFO ? "info" : "debug";
}

int bt_front_parse(struct bt_front *f, int argc, char **argv,
		   struct bt_strbuf *err)
{
	memset(f, 0, sizeof *f);
	bt_config_defaults(&f->cfg);
	f->format = "table";
	f->log_level = BT_LOG_INFO;
	f->args = calloc((size_t)argc + 1, sizeof *f->args);
	f->forward = calloc((size_t)argc + 1, sizeof *f->forward);
	if (!f->args || !f->forward)
		return BT_ENOMEM;
	int only_args = 0;
	for (int i = 1; i < argc; i++) {
		char *a = argv[i];
		if (only_args || a[0] != '-' || a[1] == '\0') {
			f->args[f->n_args++] = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_args = 1;
			continue;
		}
		const struct flag *fl = NULL;
		const char *val = NULL;
		if (a[1] == '-') {
			const char *name = a + 2;
			const char *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			for (size_t k = 0; k < sizeof flags / sizeof *flags; k++)
				if (strlen(flags[k].name) == len &&
				    strncmp(flags[k].name, name, len) == 0)
					fl = &flags[k];
			if (!fl)
				return bt_error(err, BT_EINVAL,
						"unknown option '%.*s' (see --help)",
						(int)(len + 2), a);
			if (eq) {
				if (!fl->arg)
					return bt_error(err, BT_EINVAL,
							"option '--%s' takes no value", fl->name);
				val = eq + 1;
			}
		} else {
			for (size_t k = 0; k < sizeof flags / sizeof *flags; k++)
				if (flags[k].shrt && flags[k].shrt == a[1] && !a[2])
					fl = &flags[k];
			if (!fl)
				return bt_error(err, BT_EINVAL,
						"unknown option '%s' (see --help)", a);
		}
		int first = i;
		if (fl->arg && !val) {
			if (i + 1 >= argc)
				return bt_error(err, BT_EINVAL,
						"option '--%s' needs a value", fl->name);
			val = argv[++i];
		}
		int rc = apply(f, fl, val, err);
		if (rc)
			return rc;
		if (fl->forward)
			for (int k = first; k <= i; k++)
				f->forward[f->n_forward++] = argv[k];
	}
	if (f->cfg.cache_sim && !(f->cfg.measure &&
				  strcmp(f->cfg.measure, "instructions") == 0))
		return bt_error(err, BT_EINVAL,
				"--cache-sim goes with --measure instructions");
	if (f->cfg.measure && strcmp(f->cfg.measure, "instructions") == 0) {
		/* counts do not vary: a few samples (docs/MEASURE.md) */
		int explicit_m = 0;
		for (int i = 1; i < argc; i++)
			explicit_m |= strncmp(argv[i], "--measurement-iterations", 24) == 0;
		if (!explicit_m)
			f->cfg.measurement_iterations = 5;
	}
	if (f->cfg.quick) {
		/* --quick: few samples unless given explicitly */
		int explicit_w = 0, explicit_m = 0, explicit_t = 0;
		for (int i = 1; i < argc; i++) {
			explicit_w |= strncmp(argv[i], "--warmup-iterations", 19) == 0;
			explicit_m |= strncmp(argv[i], "--measurement-iterations", 24) == 0;
			explicit_t |= strncmp(argv[i], "--min-sample-time", 17) == 0;
		}
		if (!explicit_w)
			f->cfg.warmup_iterations = 1;
		if (!explicit_m)
			f->cfg.measurement_iterations = 5;
		if (!explicit_t)
			f->cfg.min_sample_time = 0.002;
	}
	return 0;
}

void bt_front_release(struct bt_front *f)
{
	free(f->args);
	free(f->forward);
	f->args = f->forward = NULL;
}
