/* benchtrack exec [options] COMMAND...: any command benchmarked as
 * hyperfine benchmarks it (hyperfine's options, same names and meaning),
 * the run stored and printed as `run` does (docs/cmd/exec.md). The
 * engine is bt_exec_run (include/benchtrack/exec.h); the commands the
 * options make are cli/exec_plan.c's, running them and the output
 * cli/exec_run.c's. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "exec.h"

enum xid {
	X_WARMUP, X_MIN_RUNS, X_MAX_RUNS, X_RUNS, X_SETUP, X_PREPARE, X_CONCLUDE,
	X_CLEANUP, X_SCAN, X_STEP, X_LIST, X_SHELL, X_NO_SHELL, X_IGNORE,
	X_STYLE, X_SORT, X_ELAPSED, X_TIME_UNIT, X_EXPORT_JSON, X_EXPORT_MD,
	X_EXPORT_CSV, X_EXPORT_NO, X_SHOW_OUTPUT, X_OUTPUT, X_INPUT, X_NAME,
	X_REFERENCE, X_MIN_TIME, X_TIMEOUT, X_NO_INTERLEAVE, X_SEED, X_STORE,
	X_NO_STORE, X_TYPE, X_SUITE, X_FORMAT, X_OUT, X_LOG_LEVEL, X_QUIET,
	X_VERBOSE, X_HELP, X_VERSION, X_MEASURE, X_CACHE_SIM
};

/* An option: its short and long spelling (either may be NULL) and how
 * many values follow it. */
struct cli_xopt {
	const char *shrt, *name;
	int nargs;
	enum xid id;
};

static const struct cli_xopt exec_flags[] = {
	/* hyperfine's */
	{ "-w", "--warmup", 1, X_WARMUP },
	{ "-m", "--min-runs", 1, X_MIN_RUNS },
	{ "-M", "--max-runs", 1, X_MAX_RUNS },
	{ "-r", "--runs", 1, X_RUNS },
	{ "-s", "--setup", 1, X_SETUP },
	{ "-p", "--prepare", 1, X_PREPARE },
	{ "-C", "--conclude", 1, X_CONCLUDE },
	{ "-c", "--cleanup", 1, X_CLEANUP },
	{ "-P", "--parameter-scan", 3, X_SCAN },
	{ "-D", "--parameter-step-size", 1, X_STEP },
	{ "-L", "--parameter-list", 2, X_LIST },
	{ "-S", "--shell", 1, X_SHELL },
	{ "-N", NULL, 0, X_NO_SHELL },
	{ "-i", "--ignore-failure", 0, X_IGNORE },
	{ NULL, "--style", 1, X_STYLE },
	{ NULL, "--sort", 1, X_SORT },
	{ "-E", "--show-elapsed", 0, X_ELAPSED },
	{ "-u", "--time-unit", 1, X_TIME_UNIT },
	{ NULL, "--export-json", 1, X_EXPORT_JSON },
	{ NULL, "--export-markdown", 1, X_EXPORT_MD },
	{ NULL, "--export-csv", 1, X_EXPORT_CSV },
	{ NULL, "--export-asciidoc", 1, X_EXPORT_NO },
	{ NULL, "--export-orgmode", 1, X_EXPORT_NO },
	{ NULL, "--show-output", 0, X_SHOW_OUTPUT },
	{ NULL, "--output", 1, X_OUTPUT },
	{ NULL, "--input", 1, X_INPUT },
	{ "-n", "--command-name", 1, X_NAME },
	{ NULL, "--reference", 1, X_REFERENCE },
	{ NULL, "--min-benchmarking-time", 1, X_MIN_TIME },
	/* benchtrack's */
	{ NULL, "--time-budget", 1, X_MIN_TIME },
	{ NULL, "--timeout", 1, X_TIMEOUT },
	{ NULL, "--no-interleave", 0, X_NO_INTERLEAVE },
	{ NULL, "--seed", 1, X_SEED },
	{ NULL, "--measure", 1, X_MEASURE },
	{ NULL, "--cache-sim", 0, X_CACHE_SIM },
	{ NULL, "--store", 1, X_STORE },
	{ NULL, "--no-store", 0, X_NO_STORE },
	{ NULL, "--type", 1, X_TYPE },
	{ NULL, "--suite", 1, X_SUITE },
	{ NULL, "--format", 1, X_FORMAT },
	{ "-o", "--out", 1, X_OUT },
	{ NULL, "--log-level", 1, X_LOG_LEVEL },
	{ "-q", "--quiet", 0, X_QUIET },
	{ "-v", "--verbose", 0, X_VERBOSE },
	{ "-h", "--help", 0, X_HELP },
	{ "-V", "--version", 0, X_VERSION },
};

/* A -L or -P as given (expanded once -D is known). */
struct rawparam {
	int scan;
	const char *name, *a, *b;
};

/* Everything the command line says. */
struct xargs {
	struct bt_front f;
	struct bt_exec_opts o;
	struct cli_exec_spec spec;
	const char **cmds, **names, **prepare, **conclude; /* argc each */
	size_t n_cmds, n_names, n_prepare, n_conclude;
	struct rawparam *raw;
	size_t n_raw;
	const char *step, *reference, *shell;
	const char *export_json, *export_md, *export_csv;
	int runs_given, minmax_given, format_given, style_none, help, version;
};

static const char *flag_name(const struct cli_xopt *x)
{
	return x->name ? x->name : x->shrt;
}

static int usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage(const char *fmt, ...)
{
	struct bt_strbuf m = BT_STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	bt_strbuf_vaddf(&m, fmt, ap);
	va_end(ap);
	bt_front_error("exec: %s", bt_strbuf_str(&m));
	bt_strbuf_release(&m);
	return BT_EXIT_USAGE;
}

static int int_value(const struct cli_xopt *x, const char *v, long lo, long hi, int *out)
{
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < lo || n > hi)
		return usage("option '%s': '%s' is not an integer from %ld to %ld",
			     flag_name(x), v, lo, hi);
	*out = (int)n;
	return 0;
}

/* Seconds: a number ("0.5", as hyperfine writes them) or with a unit
 * ("500ms", "10us", "2s", "1m"). */
static int seconds_value(const struct cli_xopt *x, const char *v, double *out)
{
	char *end;
	errno = 0;
	double s = strtod(v, &end);
	double mul = strcmp(end, "ms") == 0 ? 1e-3 : strcmp(end, "us") == 0 ? 1e-6
		     : strcmp(end, "m") == 0 || strcmp(end, "min") == 0 ? 60
		     : strcmp(end, "s") == 0 || !*end ? 1 : -1;
	if (errno || end == v || mul < 0 || !(s >= 0) || !isfinite(s))
		return usage("option '%s': '%s' is not a duration (seconds, or "
			     "with a unit: 500ms, 2s, 1m)", flag_name(x), v);
	*out = s * mul;
	return 0;
}

static int one_of(const struct cli_xopt *x, const char *v, const char *const *ok)
{
	struct bt_strbuf list = BT_STRBUF_INIT;
	for (size_t i = 0; ok[i]; i++) {
		if (strcmp(v, ok[i]) == 0) {
			bt_strbuf_release(&list);
			return 0;
		}
		bt_strbuf_addf(&list, "%s%s", i ? ", " : "", ok[i]);
	}
	int code = usage("option '%s': '%s' is not one of %s", flag_name(x), v,
			 bt_strbuf_str(&list));
	bt_strbuf_release(&list);
	return code;
}

static int apply(struct xargs *a, const struct cli_xopt *x, char **v)
{
	static const char *const styles[] = { "auto", "basic", "full", "nocolor",
					      "color", "none", NULL };
	static const char *const sorts[] = { "auto", "command", "mean-time", NULL };
	static const char *const units[] = { "microsecond", "millisecond", "second",
					     NULL };
	static const char *const formats[] = { "table", "json", "csv", "md", "none",
					       NULL };
	static const char *const levels[] = { "quiet", "error", "info", "debug", NULL };
	int code = 0;
	switch (x->id) {
	case X_WARMUP: return int_value(x, v[0], 0, 1000000, &a->o.warmup);
	case X_MIN_RUNS:
		a->minmax_given = 1;
		return int_value(x, v[0], 1, 10000000, &a->o.min_runs);
	case X_MAX_RUNS:
		a->minmax_given = 1;
		return int_value(x, v[0], 1, 10000000, &a->o.max_runs);
	case X_RUNS:
		a->runs_given = 1;
		return int_value(x, v[0], 1, 10000000, &a->o.runs);
	case X_SETUP: a->spec.setup = v[0]; break;
	case X_CLEANUP: a->spec.cleanup = v[0]; break;
	case X_PREPARE: a->prepare[a->n_prepare++] = v[0]; break;
	case X_CONCLUDE: a->conclude[a->n_conclude++] = v[0]; break;
	case X_SCAN:
	case X_LIST: {
		for (size_t i = 0; i < a->n_raw; i++)
			if (strcmp(a->raw[i].name, v[0]) == 0)
				return usage("option '%s': parameter '%s' is given twice",
					     flag_name(x), v[0]);
		if (!*v[0] || strpbrk(v[0], "{}"))
			return usage("option '%s': '%s' is not a parameter name",
				     flag_name(x), v[0]);
		struct rawparam *r = &a->raw[a->n_raw++];
		r->scan = x->id == X_SCAN;
		r->name = v[0];
		r->a = v[1];
		r->b = x->id == X_SCAN ? v[2] : NULL;
		break;
	}
	case X_STEP: a->step = v[0]; break;
	case X_SHELL: a->shell = v[0]; break;
	case X_NO_SHELL: a->shell = "none"; break;
	case X_IGNORE: a->o.ignore_failure = 1; break;
	case X_STYLE:
		if (!(code = one_of(x, v[0], styles)))
			a->style_none = strcmp(v[0], "none") == 0;
		break;
	case X_SORT: code = one_of(x, v[0], sorts); break;
	case X_ELAPSED: break;
	case X_TIME_UNIT: code = one_of(x, v[0], units); break;
	case X_EXPORT_JSON: a->export_json = v[0]; break;
	case X_EXPORT_MD: a->export_md = v[0]; break;
	case X_EXPORT_CSV: a->export_csv = v[0]; break;
	case X_EXPORT_NO:
		return usage("option '%s' is not supported: use --export-markdown, "
			     "--export-csv or --export-json", flag_name(x));
	case X_SHOW_OUTPUT: a->o.output = BT_EXEC_OUT_INHERIT; break;
	case X_OUTPUT:
		a->o.output = strcmp(v[0], "null") == 0 ? BT_EXEC_OUT_NULL
			      : strcmp(v[0], "pipe") == 0 ? BT_EXEC_OUT_PIPE
			      : strcmp(v[0], "inherit") == 0 ? BT_EXEC_OUT_INHERIT
			      : BT_EXEC_OUT_FILE;
		a->o.output_file = a->o.output == BT_EXEC_OUT_FILE ? v[0] : NULL;
		if (!*v[0])
			return usage("option '--output': empty file name");
		break;
	case X_INPUT:
		if (!*v[0])
			return usage("option '--input': empty file name");
		a->o.input_file = strcmp(v[0], "null") == 0 ? NULL : v[0];
		break;
	case X_NAME: a->names[a->n_names++] = v[0]; break;
	case X_REFERENCE: a->reference = v[0]; break;
	case X_MIN_TIME: return seconds_value(x, v[0], &a->o.time_budget_s);
	case X_TIMEOUT: return seconds_value(x, v[0], &a->o.timeout_s);
	case X_NO_INTERLEAVE: a->o.interleave = 0; break;
	case X_MEASURE: {
		static const char *const measures[] = { "time", "instructions", NULL };
		if ((code = one_of(x, v[0], measures)))
			return code;
		a->o.measure = strcmp(v[0], "time") ? v[0] : NULL;
		break;
	}
	case X_CACHE_SIM: a->o.cache_sim = 1; break;
	case X_SEED: {
		char *end;
		errno = 0;
		unsigned long long s = strtoull(v[0], &end, 10);
		if (errno || end == v[0] || *end || v[0][0] == '-')
			return usage("option '--seed': '%s' is not an unsigned integer",
				     v[0]);
		a->o.seed = s;
		break;
	}
	case X_STORE: a->f.store = v[0]; break;
	case X_NO_STORE: a->f.no_store = 1; break;
	case X_TYPE:
		if (!*v[0])
			return usage("option '--type': empty name");
		a->f.type = v[0];
		break;
	case X_SUITE:
		if (!*v[0])
			return usage("option '--suite': empty name");
		a->f.suite = v[0];
		break;
	case X_FORMAT:
		if (!(code = one_of(x, v[0], formats))) {
			a->f.format = v[0];
			a->format_given = 1;
		}
		break;
	case X_OUT: a->f.out = v[0]; break;
	case X_LOG_LEVEL:
		if (!(code = one_of(x, v[0], levels)))
			a->f.log_level = v[0][0] == 'q' || v[0][0] == 'e' ? BT_LOG_QUIET
					 : v[0][0] == 'i' ? BT_LOG_INFO : BT_LOG_DEBUG;
		break;
	case X_QUIET: a->f.log_level = BT_LOG_QUIET; break;
	case X_VERBOSE: a->f.log_level = BT_LOG_DEBUG; break;
	case X_HELP: a->help = 1; break;
	case X_VERSION: a->version = 1; break;
	}
	return code;
}

static const struct cli_xopt *find_long(const char *a, size_t len)
{
	for (size_t k = 0; k < sizeof exec_flags / sizeof *exec_flags; k++)
		if (exec_flags[k].name && strlen(exec_flags[k].name) == len &&
		    strncmp(exec_flags[k].name, a, len) == 0)
			return &exec_flags[k];
	return NULL;
}

static const struct cli_xopt *find_short(char c)
{
	for (size_t k = 0; k < sizeof exec_flags / sizeof *exec_flags; k++)
		if (exec_flags[k].shrt && exec_flags[k].shrt[1] == c)
			return &exec_flags[k];
	return NULL;
}

/* Parses argv as hyperfine does: long options with their values after
 * them or after '=', short ones bundled (-Ni) or with the value attached
 * (-r5), -P's three and -L's two values as the next arguments, commands
 * anywhere (all after "--"). Returns 0 or 2 (printed). */
static int parse(struct xargs *a, int argc, char **argv)
{
	int only_args = 0;
	for (int i = 1; i < argc; i++) {
		char *s = argv[i];
		if (only_args || s[0] != '-' || !s[1]) {
			a->cmds[a->n_cmds++] = s;
			continue;
		}
		if (strcmp(s, "--") == 0) {
			only_args = 1;
			continue;
		}
		char *v[3] = { NULL, NULL, NULL };
		int nv = 0, code;
		const struct cli_xopt *x;
		if (s[1] == '-') {
			size_t len = strcspn(s, "=");
			if (!(x = find_long(s, len)))
				return usage("unknown option '%.*s' (see benchtrack help exec)",
					     (int)len, s);
			if (s[len]) {
				if (x->nargs != 1)
					return usage("option '%s' takes %s", x->name,
						     x->nargs ? "its values as separate "
						     "arguments" : "no value");
				v[nv++] = s + len + 1;
			}
		} else {
			/* bundled flags, then at most one option with a value */
			for (s++;; s++) {
				if (!(x = find_short(*s)))
					return usage("unknown option '-%c' (see benchtrack "
						     "help exec)", *s);
				if (x->nargs || !s[1])
					break;
				if ((code = apply(a, x, v)))
					return code;
			}
			if (x->nargs && s[1])
				v[nv++] = s[1] == '=' && x->nargs == 1 ? s + 2 : s + 1;
		}
		while (nv < x->nargs) {
			if (i + 1 >= argc)
				return usage("option '%s' needs %d value%s", flag_name(x),
					     x->nargs, x->nargs > 1 ? "s" : "");
			v[nv++] = argv[++i];
		}
		if ((code = apply(a, x, v)))
			return code;
	}
	return 0;
}

/* The spec of the commands from what parse found; 0 or 2 (printed). */
static int make_spec(struct xargs *a)
{
	struct cli_exec_spec *sp = &a->spec;
	size_t n = a->n_cmds, off = a->reference ? 1 : 0;
	if (a->runs_given && a->minmax_given)
		return usage("option '--runs' cannot be combined with '--min-runs' "
			     "or '--max-runs'");
	if (a->o.cache_sim && !a->o.measure)
		return usage("option '--cache-sim' goes with '--measure instructions'");
	if (a->o.measure && !a->runs_given && !a->minmax_given)
		a->o.runs = 3; /* counts do not vary: a few runs (docs/MEASURE.md) */
	if (a->o.max_runs && a->o.min_runs > a->o.max_runs)
		return usage("option '--min-runs' (%d) is above '--max-runs' (%d)",
			     a->o.min_runs, a->o.max_runs);
	if (a->n_names > n)
		return usage("option '--command-name': %zu names for %zu command%s",
			     a->n_names, n, n == 1 ? "" : "s");
	if (a->n_prepare > 1 && a->n_prepare != n)
		return usage("option '--prepare': give it once, or once per command "
			     "(%zu times, not %zu)", n, a->n_prepare);
	if (a->n_conclude > 1 && a->n_conclude != n)
		return usage("option '--conclude': give it once, or once per command "
			     "(%zu times, not %zu)", n, a->n_conclude);
	if (a->step) {
		size_t scans = 0;
		for (size_t i = 0; i < a->n_raw; i++)
			scans += a->raw[i].scan;
		if (!scans)
			return usage("option '--parameter-step-size' needs "
				     "'--parameter-scan'");
	}
	if (a->shell && strcmp(a->shell, "none") == 0)
		sp->no_shell = 1;
	else if (!a->shell || strcmp(a->shell, "default") == 0)
		a->o.shell = "sh";
	else if (!*a->shell)
		return usage("option '--shell': empty shell");
	else
		a->o.shell = a->shell;
	/* --reference first: it is the table's baseline and the summary's */
	if (off) {
		memmove(a->cmds + 1, a->cmds, n * sizeof *a->cmds);
		a->cmds[0] = a->reference;
		memmove(a->names + 1, a->names, a->n_names * sizeof *a->names);
		a->names[0] = a->reference;
		a->n_names++;
		for (int h = 0; h < 2; h++) {
			const char **hk = h ? a->conclude : a->prepare;
			size_t nh = h ? a->n_conclude : a->n_prepare;
			if (nh > 1) {
				memmove(hk + 1, hk, nh * sizeof *hk);
				hk[0] = NULL;
				*(h ? &a->n_conclude : &a->n_prepare) = nh + 1;
			}
		}
	}
	sp->templates = a->cmds;
	sp->n_templates = n + off;
	sp->names = a->names;
	sp->n_names = a->n_names;
	sp->prepare = a->prepare;
	sp->n_prepare = a->n_prepare;
	sp->conclude = a->conclude;
	sp->n_conclude = a->n_conclude;
	if (a->n_raw && !(sp->params = calloc(a->n_raw, sizeof *sp->params)))
		return BT_EXIT_ERROR;
	struct bt_strbuf err = BT_STRBUF_INIT;
	for (size_t i = 0; i < a->n_raw; i++) {
		struct cli_exec_param *p = &sp->params[sp->n_params++];
		const struct rawparam *r = &a->raw[i];
		p->name = r->name;
		int rc = r->scan ? cli_exec_scan(p, r->a, r->b, a->step, &err)
				 : cli_exec_list(p, r->a);
		if (rc == -1) {
			int code = usage("%s", bt_strbuf_str(&err));
			bt_strbuf_release(&err);
			return code;
		}
		if (rc)
			return BT_EXIT_ERROR;
	}
	return 0;
}

static void xargs_release(struct xargs *a)
{
	for (size_t i = 0; i < a->spec.n_params; i++)
		cli_exec_param_release(&a->spec.params[i]);
	free(a->spec.params);
	free(a->cmds);
	free(a->names);
	free(a->prepare);
	free(a->conclude);
	free(a->raw);
}

static int cmd_exec(int argc, char **argv)
{
	struct xargs a;
	struct cli_exec_plan plan;
	struct bt_strbuf err = BT_STRBUF_INIT;
	int code;

	memset(&a, 0, sizeof a);
	memset(&plan, 0, sizeof plan);
	bt_config_defaults(&a.f.cfg);
	a.f.format = "table";
	a.f.log_level = BT_LOG_INFO;
	bt_exec_opts_init(&a.o);
	size_t cap = (size_t)argc + 2;
	a.cmds = calloc(cap, sizeof *a.cmds);
	a.names = calloc(cap, sizeof *a.names);
	a.prepare = calloc(cap, sizeof *a.prepare);
	a.conclude = calloc(cap, sizeof *a.conclude);
	a.raw = calloc(cap, sizeof *a.raw);
	if (!a.cmds || !a.names || !a.prepare || !a.conclude || !a.raw) {
		code = BT_EXIT_ERROR;
		goto out;
	}
	if ((code = parse(&a, argc, argv)))
		goto out;
	if (a.help) {
		code = cli_cmd_print_help("exec");
		goto out;
	}
	if (a.version) {
		printf("benchtrack %s\n", BENCHTRACK_VERSION);
		code = cli_flush();
		goto out;
	}
	if (a.style_none) {
		a.f.log_level = BT_LOG_QUIET;
		if (!a.format_given)
			a.f.format = "none";
	}
	if (a.n_cmds == 0) {
		code = usage("no command given (usage: benchtrack exec [options] "
			     "COMMAND...)");
		goto out;
	}
	if ((code = make_spec(&a)))
		goto out;
	int rc = cli_exec_plan_build(&a.spec, &plan, &err);
	if (rc) {
		code = rc == -1 ? usage("%s", bt_strbuf_str(&err)) : BT_EXIT_ERROR;
		if (rc != -1)
			bt_front_error("exec: out of memory");
		goto out;
	}
	struct cli_exec_out x = { a.export_json, a.export_md, a.export_csv,
				  a.reference != NULL };
	code = cli_exec_run(&a.f, &a.o, &x, &plan);
out:
	cli_exec_plan_release(&plan);
	xargs_release(&a);
	bt_strbuf_release(&err);
	return code;
}

const struct cli_cmd cli_cmd_exec = {
	"exec", "exec [options] COMMAND...",
	"benchmark commands as hyperfine does; store and print the run",
	cmd_exec, CLI_STORE | CLI_CREATE | CLI_NO_SIGPIPE
};
