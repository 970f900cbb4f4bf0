/* The registry of benchmarks, the plan (cases from parameter spaces,
 * variants and filters) and running a plan with OOM retries. */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dist.h"
#include "runint.h"

/* --- registry ------------------------------------------------------- */

static const struct bt_bench_def **registry;
static size_t n_registry, registry_alloc;

void bt_register(const struct bt_bench_def *def)
{
	if (n_registry == registry_alloc) {
		size_t cap = registry_alloc ? registry_alloc * 2 : 16;
		const struct bt_bench_def **p = realloc(registry, cap * sizeof *p);
		if (!p)
			return; /* before main: nothing better to do; --list shows it */
		registry = p;
		registry_alloc = cap;
	}
	registry[n_registry++] = def;
}

const struct bt_bench_def *const *bt_registry(size_t *n)
{
	*n = n_registry;
	return registry;
}

void bt_config_defaults(struct bt_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->warmup_iterations = BT_DEFAULT_WARMUP;
	cfg->measurement_iterations = BT_DEFAULT_MEASUREMENT;
	cfg->min_sample_time = BT_DEFAULT_MIN_SAMPLE_TIME;
	cfg->timeout = BT_DEFAULT_TIMEOUT;
	cfg->isolate = 1;
	cfg->seed = 42;
	cfg->clock = "CLOCK_MONOTONIC";
	cfg->strict_names = 1;
	cfg->gpu_sample_interval = BT_DEFAULT_GPU_SAMPLE_INTERVAL;
}

size_t bt_run_failures(const struct bt_run *run)
{
	size_t n = 0;
	for (size_t i = 0; i < run->n_results; i++)
		if (run->results[i].status != BT_STATUS_OK &&
		    run->results[i].status != BT_STATUS_SKIPPED)
			n++;
	return n;
}

/* --- plan ----------------------------------------------------------- */

static const char *bench_name(const struct bt_bench_def *d)
{
	return d->name ? d->name : d->fn_name;
}

/* Splits a comma list into arena strings; returns the count. */
static size_t split_list(struct bt_arena *a, const char *s, const char ***out)
{
	size_t n = 0, cap = 0;
	const char **v = NULL;
	*out = NULL;
	if (!s)
		return 0;
	for (const char *p = s; *p;) {
		while (*p == ' ' || *p == ',')
			p++;
		if (!*p)
			break;
		const char *e = p;
		while (*e && *e != ',')
			e++;
		const char *t = e;
		while (t > p && t[-1] == ' ')
			t--;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 8;
			const char **nv = bt__arena_alloc(a, nc * sizeof *nv);
			if (!nv)
				return n;
			if (n)
				memcpy(nv, v, n * sizeof *nv);
			v = nv;
			cap = nc;
		}
		v[n++] = bt__arena_strndup(a, p, (size_t)(t - p));
		p = e;
	}
	*out = v;
	return n;
}

static int has(const char **v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return 1;
	return 0;
}

/* The axis --range applies to: "AXIS=PRESET" names it; else the axis the
 * spec declares with '@', else "seq_len". */
static int range_override(const struct bt_bench_def *d, const char *range,
			  struct bt_strbuf *spec)
{
	const char *eq = strchr(range, '=');
	if (eq)
		return bt_strbuf_addf(spec, "%.*s=@%s", (int)(eq - range), range, eq + 1);
	const char *at = d->params ? strchr(d->params, '@') : NULL;
	if (at) {
		const char *e = at;
		while (e > d->params && e[-1] != '=')
			e--;
		const char *b = e > d->params ? e - 1 : e;
		while (b > d->params && b[-1] != ';')
			b--;
		while (*b == ' ')
			b++;
		const char *ne = e > d->params ? e - 1 : e;
		while (ne > b && ne[-1] == ' ')
			ne--;
		return bt_strbuf_addf(spec, "%.*s=@%s", (int)(ne - b), b, range);
	}
	return bt_strbuf_addf(spec, "seq_len=@%s", range);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* --quick: every all-integer axis keeps its two smallest values. */
static void quick_axes(struct bt_param_space *ps)
{
	for (size_t k = 0; k < ps->n_axes; k++) {
		struct bt_param_axis *ax = &ps->axes[k];
		if (ax->n_values <= 2)
			continue;
		int64_t v[4096];
		size_t n = ax->n_values < 4096 ? ax->n_values : 4096;
		int all = 1;
		for (size_t i = 0; i < n && all; i++)
			all = bt_param_parse_int(ax->values[i], &v[i]) == 0;
		if (!all)
			continue;
		qsort(v, n, sizeof *v, cmp_i64);
		/* keep the values in declared order that are <= second smallest */
		size_t out = 0;
		for (size_t i = 0; i < ax->n_values; i++) {
			int64_t x;
			bt_param_parse_int(ax->values[i], &x);
			if (x <= v[1] && out < 2)
				ax->values[out++] = ax->values[i];
			else
				free(ax->values[i]);
		}
		ax->n_values = out;
	}
}

struct variant {
	const char **on;
	size_t n_on;
	const char *name;
};

/* list[0..n) joined with '+' in the arena. */
static const char *join(struct bt_arena *a, const char **list, size_t n)
{
	struct bt_strbuf sb = BT_STRBUF_INIT;
	for (size_t i = 0; i < n; i++)
		bt_strbuf_addf(&sb, "%s%s", i ? "+" : "", list[i]);
	const char *s = bt__arena_strdup(a, bt_strbuf_str(&sb));
	bt_strbuf_release(&sb);
	return s;
}

/* Variants of one benchmark: default (all options on), --options (those
 * on), or --ablation (none, each alone, all). At most max. */
static size_t variants_of(struct bt_arena *a, const struct bt_bench_def *d,
			  const struct bt_config *cfg, struct variant *out,
			  size_t max)
{
	const char **opts;
	size_t n = split_list(a, d->options, &opts);
	size_t nv = 0;
	if (n == 0) {
		out[nv++] = (struct variant){ NULL, 0, "default" };
	} else if (cfg->ablation) {
		out[nv++] = (struct variant){ NULL, 0, "none" };
		for (size_t i = 0; i < n && nv < max - 1; i++)
			out[nv++] = (struct variant){ &opts[i], 1, opts[i] };
		if (n > 1)
			out[nv++] = (struct variant){ opts, n, join(a, opts, n) };
	} else if (cfg->options) {
		const char **want;
		size_t nw = split_list(a, cfg->options, &want);
		const char **on = bt__arena_alloc(a, (n + 1) * sizeof *on);
		size_t non = 0;
		for (size_t i = 0; on && i < n; i++)
			if (has(want, nw, opts[i]) || has(want, nw, "all"))
				on[non++] = opts[i];
		out[nv++] = non ? (struct variant){ on, non, join(a, on, non) }
				: (struct variant){ NULL, 0, "none" };
	} else {
		out[nv++] = (struct variant){ opts, n, join(a, opts, n) };
	}
	return nv;
}

static int check_options_known(const struct bt_config *cfg, struct bt_arena *a,
			       struct bt_strbuf *err)
{
	if (!cfg->options)
		return 0;
	const char **want;
	size_t nw = split_list(a, cfg->options, &want);
	size_t nr;
	const struct bt_bench_def *const *reg = bt_registry(&nr);
	for (size_t w = 0; w < nw; w++) {
		if (strcmp(want[w], "none") == 0 || strcmp(want[w], "all") == 0)
			continue;
		int found = 0;
		for (size_t i = 0; i < nr && !found; i++) {
			const char **opts;
			size_t n = split_list(a, reg[i]->options, &opts);
			found = has(opts, n, want[w]);
		}
		if (!found)
			return bt_error(err, BT_ENOTFOUND,
					"--options: no benchmark declares option '%s'",
					want[w]);
	}
	return 0;
}

/* What --suite-preset selects (pre NULL without one), and the models'
 * "model=a,b" spec of --models, made when first needed. */
struct selection {
	const char *name;
	const struct bt_preset_def *pre;
	int members;            /* some benchmark lists it in .presets */
	regex_t inc, exc;
	int have_inc, have_exc;
	struct bt_strbuf models; /* "model=..." once listed */
};

static int apply_range(const struct bt_bench_def *d, struct bt_param_space *ps,
		       const char *range, const char *what,
		       struct bt_strbuf *spec, struct bt_strbuf *e2,
		       struct bt_strbuf *err)
{
	int rc = range_override(d, range, spec);
	if (!rc && (rc = bt_param_space_override(ps, spec->buf, 0, e2)))
		rc = bt_error(err, rc, "%s%s: %s", what, range, bt_strbuf_str(e2));
	return rc;
}

/* The parameter spec of d: its .params, with .ranks as the axis
 * `ranks` (distributed benchmarks, dist.h). NULL-safe; sb released by the
 * caller. */
static const char *def_spec(const struct bt_bench_def *d, struct bt_strbuf *sb)
{
	if (!d->ranks)
		return d->params;
	bt_strbuf_addf(sb, "%s%sranks=%s", d->params ? d->params : "",
		       d->params && *d->params ? ";" : "", d->ranks);
	return bt_strbuf_str(sb);
}

/* Inside an MPI world (cfg->mpi_world), only the distributed cases of
 * that many ranks; in one launch (cfg->mpi_case), only that case. */
static int world_keeps(const struct bt_config *cfg, const struct bt_bench_def *d,
		       const struct bt_param_space *ps, const char **vals,
		       const char *id)
{
	if (cfg->mpi_case)
		return strcmp(id, cfg->mpi_case) == 0;
	if (!cfg->mpi_world)
		return 1;
	int k = d->ranks ? bt_param_space_find(ps, "ranks") : -1;
	int64_t v;
	return k >= 0 && bt_param_parse_int(vals[k], &v) == 0 && v == cfg->mpi_world;
}

static int add_cases(struct bt_plan *plan, size_t *alloc,
		     const struct bt_bench_def *d, const struct bt_config *cfg,
		     regex_t *inc, regex_t *exc, struct selection *sel,
		     struct bt_strbuf *err)
{
	struct bt_arena *a = plan->arena;
	struct bt_param_space ps = BT_PARAM_SPACE_INIT;
	struct bt_strbuf e2 = BT_STRBUF_INIT, spec = BT_STRBUF_INIT;
	if (sel->name && sel->members && !bt__preset_in_list(d->presets, sel->name))
		return 0;
	struct bt_strbuf dspec = BT_STRBUF_INIT;
	int rc = bt_param_space_parse(&ps, def_spec(d, &dspec), &e2);
	bt_strbuf_release(&dspec);
	if (rc) {
		rc = bt_error(err, rc, "benchmark '%s' (%s:%d): %s", bench_name(d),
			      d->file ? d->file : "?", d->line, bt_strbuf_str(&e2));
		goto out;
	}
	/* --quick cuts the declared sweep, not what the user asked for */
	if (cfg->quick)
		quick_axes(&ps);
	if (sel->pre && sel->pre->range &&
	    (rc = apply_range(d, &ps, sel->pre->range, "preset range ", &spec,
			      &e2, err)))
		goto out;
	if (cfg->range &&
	    (rc = apply_range(d, &ps, cfg->range, "--range ", &spec, &e2, err)))
		goto out;
	if (cfg->models_dir && bt_param_space_find(&ps, "model") >= 0) {
		if (!sel->models.len) {
			char **names;
			size_t nn;
			if ((rc = bt_model_names(cfg->models_dir, &names, &nn, err)))
				goto out;
			bt_strbuf_adds(&sel->models, "model=");
			for (size_t i = 0; i < nn; i++)
				bt_strbuf_addf(&sel->models, "%s%s", i ? "," : "",
					       names[i]);
			bt_model_names_free(names, nn);
		}
		if ((rc = bt_param_space_override(&ps, sel->models.buf, 0, &e2))) {
			rc = bt_error(err, rc, "--models %s: %s", cfg->models_dir,
				      bt_strbuf_str(&e2));
			goto out;
		}
	}
	if (sel->pre && sel->pre->params &&
	    (rc = bt_param_space_override(&ps, sel->pre->params, 0, &e2))) {
		rc = bt_error(err, rc, "preset '%s' (%s:%d): params %s: %s",
			      sel->name, sel->pre->file ? sel->pre->file : "?",
			      sel->pre->line, sel->pre->params, bt_strbuf_str(&e2));
		goto out;
	}
	for (size_t i = 0; i < cfg->n_params; i++) {
		rc = bt_param_space_override(&ps, cfg->params[i], 0, &e2);
		if (rc) {
			rc = bt_error(err, rc, "--param %s: %s", cfg->params[i],
				      bt_strbuf_str(&e2));
			goto out;
		}
	}
	struct variant vars[64];
	size_t nv = variants_of(a, d, cfg, vars, 64);
	size_t ncombo = bt_param_space_count(&ps);
	const char *vals[64];
	if (ps.n_axes > 64) {
		rc = bt_error(err, BT_ERANGE, "benchmark '%s': more than 64 parameters",
			      bench_name(d));
		goto out;
	}
	for (size_t ci = 0; ci < ncombo; ci++) {
		bt_param_space_combo(&ps, ci, vals);
		for (size_t vi = 0; vi < nv; vi++) {
			struct bt_strbuf id = BT_STRBUF_INIT;
			bt_strbuf_adds(&id, bench_name(d));
			for (size_t k = 0; k < ps.n_axes; k++)
				bt_strbuf_addf(&id, "/%s=%s", ps.axes[k].name, vals[k]);
			if (strcmp(vars[vi].name, "default") != 0)
				bt_strbuf_addf(&id, ":%s", vars[vi].name);
			int keep = cfg->mpi_case ? world_keeps(cfg, d, &ps, vals, id.buf) :
				   world_keeps(cfg, d, &ps, vals, id.buf) &&
				   (!inc || regexec(inc, id.buf, 0, NULL, 0) == 0) &&
				   (!exc || regexec(exc, id.buf, 0, NULL, 0) != 0) &&
				   (!sel->have_inc ||
				    regexec(&sel->inc, id.buf, 0, NULL, 0) == 0) &&
				   (!sel->have_exc ||
				    regexec(&sel->exc, id.buf, 0, NULL, 0) != 0);
			if (!keep) {
				bt_strbuf_release(&id);
				continue;
			}
			if (plan->n_cases == *alloc) {
				size_t cap = *alloc ? *alloc * 2 : 64;
				struct bt_case *p = realloc(plan->cases, cap * sizeof *p);
				if (!p) {
					bt_strbuf_release(&id);
					rc = BT_ENOMEM;
					goto out;
				}
				plan->cases = p;
				*alloc = cap;
			}
			struct bt_case *c = &plan->cases[plan->n_cases++];
			memset(c, 0, sizeof *c);
			c->def = d;
			c->name = bench_name(d);
			c->n_params = ps.n_axes;
			c->params = bt__arena_alloc(a, (ps.n_axes + 1) * sizeof *c->params);
			for (size_t k = 0; k < ps.n_axes && c->params; k++) {
				c->params[k].key = bt__arena_strdup(a, ps.axes[k].name);
				c->params[k].value = bt__arena_strdup(a, vals[k]);
			}
			c->options = vars[vi].on;
			c->n_options = vars[vi].n_on;
			c->variant = vars[vi].name;
			c->id = bt__arena_strdup(a, id.buf);
			bt_strbuf_release(&id);
			if (!c->params || !c->id) {
				rc = BT_ENOMEM;
				goto out;
			}
		}
	}
out:
	bt_param_space_release(&ps);
	bt_strbuf_release(&e2);
	bt_strbuf_release(&spec);
	return rc;
}

/* Every axis a --param names must be declared by some benchmark: a typo
 * would otherwise silently run the declared sweep. */
static int check_params_known(const struct bt_config *cfg,
			      struct bt_strbuf *err)
{
	size_t nr;
	const struct bt_bench_def *const *reg = bt_registry(&nr);
	int rc = 0;
	for (size_t i = 0; i < cfg->n_params && !rc; i++) {
		struct bt_param_space o = BT_PARAM_SPACE_INIT;
		struct bt_strbuf e2 = BT_STRBUF_INIT;
		if ((rc = bt_param_space_parse(&o, cfg->params[i], &e2))) {
			rc = bt_error(err, rc, "--param %s: %s", cfg->params[i],
				      bt_strbuf_str(&e2));
			bt_strbuf_release(&e2);
			break;
		}
		for (size_t k = 0; k < o.n_axes && !rc; k++) {
			int found = 0;
			for (size_t b = 0; b < nr && !found; b++) {
				struct bt_param_space ps = BT_PARAM_SPACE_INIT;
				struct bt_strbuf sb = BT_STRBUF_INIT;
				if (bt_param_space_parse(&ps, def_spec(reg[b], &sb), NULL) == 0)
					found = bt_param_space_find(&ps, o.axes[k].name) >= 0;
				bt_param_space_release(&ps);
				bt_strbuf_release(&sb);
			}
			if (!found)
				rc = bt_error(err, BT_ENOTFOUND,
					      "--param %s: no benchmark has a parameter '%s'",
					      cfg->params[i], o.axes[k].name);
		}
		bt_param_space_release(&o);
		bt_strbuf_release(&e2);
	}
	return rc;
}

static int compile_re(regex_t *re, const char *pat, const char *flag,
		      struct bt_strbuf *err)
{
	int rc = regcomp(re, pat, REG_EXTENDED | REG_NOSUB);
	if (rc) {
		char msg[256];
		regerror(rc, re, msg, sizeof msg);
		return bt_error(err, BT_EPARSE, "%s '%s': %s", flag, pat, msg);
	}
	return 0;
}

/* Finds cfg->preset and compiles its filters into sel. */
static int select_preset(struct selection *sel, const struct bt_config *cfg,
			 struct bt_strbuf *err)
{
	struct bt_preset *v;
	size_t n;
	int rc = bt_presets(&v, &n, err);
	if (rc)
		return rc;
	int found = 0;
	for (size_t i = 0; i < n && !found; i++)
		if (strcmp(v[i].name, cfg->preset) == 0) {
			found = 1;
			sel->name = v[i].name;
			sel->pre = v[i].def;
		}
	if (!found) {
		struct bt_strbuf names = BT_STRBUF_INIT;
		for (size_t i = 0; i < n; i++)
			bt_strbuf_addf(&names, "%s%s", i ? ", " : "", v[i].name);
		rc = bt_error(err, BT_ENOTFOUND,
			      "--suite-preset %s: no such preset (%s%s)", cfg->preset,
			      n ? "this suite has: " : "this suite declares none",
			      bt_strbuf_str(&names));
		bt_strbuf_release(&names);
	}
	free(v);
	if (rc)
		return rc;
	size_t nb;
	const struct bt_bench_def *const *b = bt_registry(&nb);
	for (size_t i = 0; i < nb && !sel->members; i++)
		sel->members = bt__preset_in_list(b[i]->presets, sel->name);
	struct bt_strbuf what = BT_STRBUF_INIT;
	bt_strbuf_addf(&what, "preset '%s': filter", sel->name);
	if (sel->pre && sel->pre->filter &&
	    !(rc = compile_re(&sel->inc, sel->pre->filter, what.buf, err)))
		sel->have_inc = 1;
	bt_strbuf_reset(&what);
	bt_strbuf_addf(&what, "preset '%s': exclude", sel->name);
	if (!rc && sel->pre && sel->pre->exclude &&
	    !(rc = compile_re(&sel->exc, sel->pre->exclude, what.buf, err)))
		sel->have_exc = 1;
	bt_strbuf_release(&what);
	return rc;
}

static void selection_release(struct selection *sel)
{
	if (sel->have_inc)
		regfree(&sel->inc);
	if (sel->have_exc)
		regfree(&sel->exc);
	bt_strbuf_release(&sel->models);
}

int bt_plan_build(struct bt_plan *plan, const struct bt_config *cfg,
		  struct bt_strbuf *err)
{
	memset(plan, 0, sizeof *plan);
	plan->arena = bt__arena_new();
	if (!plan->arena)
		return BT_ENOMEM;
	regex_t inc, exc;
	struct selection sel;
	memset(&sel, 0, sizeof sel);
	int have_inc = 0, have_exc = 0, rc;
	if (cfg->preset && (rc = select_preset(&sel, cfg, err)))
		goto fail;
	if (cfg->filter && (rc = compile_re(&inc, cfg->filter, "--filter", err)))
		goto fail;
	have_inc = cfg->filter != NULL;
	if (cfg->exclude && (rc = compile_re(&exc, cfg->exclude, "--exclude", err)))
		goto fail;
	have_exc = cfg->exclude != NULL;
	if (cfg->strict_names &&
	    ((rc = check_options_known(cfg, plan->arena, err)) ||
	     (rc = check_params_known(cfg, err))))
		goto fail;
	size_t n, alloc = 0;
	const struct bt_bench_def *const *reg = bt_registry(&n);
	/* a name is a series' identity: two benchmarks of one name would
	 * write a run that no reader accepts */
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(bench_name(reg[i]), bench_name(reg[j])) == 0) {
				rc = bt_error(err, BT_EINVAL,
					      "benchmark '%s' is declared twice (%s:%d and %s:%d)",
					      bench_name(reg[i]),
					      reg[j]->file ? reg[j]->file : "?", reg[j]->line,
					      reg[i]->file ? reg[i]->file : "?", reg[i]->line);
				goto fail;
			}
	for (size_t i = 0; i < n; i++)
		if ((rc = add_cases(plan, &alloc, reg[i], cfg,
				    have_inc ? &inc : NULL,
				    have_exc ? &exc : NULL, &sel, err)))
			goto fail;
	if (have_inc)
		regfree(&inc);
	if (have_exc)
		regfree(&exc);
	selection_release(&sel);
	return 0;
fail:
	if (have_inc)
		regfree(&inc);
	if (have_exc)
		regfree(&exc);
	selection_release(&sel);
	bt_plan_release(plan);
	return rc;
}

void bt_plan_release(struct bt_plan *plan)
{
	free(plan->cases);
	bt__arena_free(plan->arena);
	memset(plan, 0, sizeof *plan);
}

/* --- running -------------------------------------------------------- */

static void copy_config(struct bt_run *run, const struct bt_config *cfg)
{
	struct bt_config *c = &run->config;
	*c = *cfg;
	c->filter = bt_run_strdup(run, cfg->filter);
	c->exclude = bt_run_strdup(run, cfg->exclude);
	c->range = bt_run_strdup(run, cfg->range);
	c->options = bt_run_strdup(run, cfg->options);
	c->preset = bt_run_strdup(run, cfg->preset);
	c->models_dir = bt_run_strdup(run, cfg->models_dir);
	c->gpu_monitoring = bt_run_strdup(run, cfg->gpu_monitoring);
	c->clock = bt_run_strdup(run, cfg->clock ? cfg->clock : "CLOCK_MONOTONIC");
	c->params = bt_run_alloc(run, (cfg->n_params + 1) * sizeof *c->params);
	for (size_t i = 0; i < cfg->n_params && c->params; i++)
		c->params[i] = bt_run_strdup(run, cfg->params[i]);
	bt_timer_info(&c->timer_resolution_s, &c->timer_overhead_s);
}

/* Runs c, halving its adaptive parameter after each out-of-memory result
 * while it stays >= 1. */
static int run_adaptive(const struct bt_case *c, const struct bt_config *cfg,
			struct bt_run *run, struct bt_result *r,
			struct bt_strbuf *err)
{
	const char *ap = c->def->adaptive;
	int k = -1;
	for (size_t i = 0; ap && i < c->n_params; i++)
		if (strcmp(c->params[i].key, ap) == 0)
			k = (int)i;
	int rc = bt__run_case(c, cfg, run, r, err);
	if (rc || k < 0)
		return rc;
	int64_t v;
	if (bt_param_parse_int(c->params[k].value, &v) != 0)
		return 0;
	r->adaptive.param = bt_run_strdup(run, ap);
	r->adaptive.requested = bt_run_strdup(run, c->params[k].value);
	struct bt_case cc = *c;
	struct bt_kv kv[64];
	if (c->n_params > 64)
		return 0;
	memcpy(kv, c->params, c->n_params * sizeof *kv);
	cc.params = kv;
	int retries = 0;
	while (r->status == BT_STATUS_OOM && v > 1) {
		v /= 2;
		retries++;
		char *nv = bt_run_printf(run, "%lld", (long long)v);
		if (!nv)
			return BT_ENOMEM;
		kv[k].value = nv;
		struct bt_adaptive keep = r->adaptive;
		bt__result_defaults(r);
		if ((rc = bt__run_case(&cc, cfg, run, r, err)))
			return rc;
		r->adaptive = keep;
	}
	r->adaptive.ran = bt_run_printf(run, "%lld", (long long)v);
	r->adaptive.retries = retries;
	return r->adaptive.ran ? 0 : BT_ENOMEM;
}

int bt_plan_run(const struct bt_plan *plan, const struct bt_config *cfg,
		struct bt_run *run, bt_progress_fn progress, void *ud,
		struct bt_strbuf *err)
{
	copy_config(run, cfg);
	bt__ignore_sigpipe(); /* before the first progress line */
	const struct bt__gpu_source *gpu = bt__gpu_source_override
					   ? bt__gpu_source_override : &bt__gpu_nvml;
	int n_gpus = 0;
	if (cfg->gpu_sample_interval > 0 && plan->n_cases > 0)
		n_gpus = gpu->open(gpu->ud);
	if (n_gpus > BT__GPU_MAX)
		n_gpus = BT__GPU_MAX;
	run->config.gpu_monitoring =
		bt_run_strdup(run, !(cfg->gpu_sample_interval > 0) ? "off"
				   : n_gpus > 0 ? gpu->name : "unavailable");
	if (cfg->find_limit) /* findlimit.c: cases made as it goes */
		return bt__find_limit(plan, cfg, run, progress, ud, err);
	for (size_t i = 0; i < plan->n_cases; i++) {
		const struct bt_case *c = &plan->cases[i];
		if (progress)
			progress(ud, i, plan->n_cases, c, NULL);
		struct bt_result *r = bt_run_add_result(run);
		if (!r)
			return BT_ENOMEM;
		struct bt__gpu_sampler *sm = n_gpus > 0
			? bt__gpu_sampler_start(gpu, n_gpus, cfg->gpu_sample_interval)
			: NULL;
		int rc = run_adaptive(c, cfg, run, r, err);
		if (sm) {
			struct bt__gpu_summary sum;
			bt__gpu_sampler_stop(sm, &sum);
			if (!rc)
				rc = bt__gpu_counters(run, r, &sum);
		}
		if (rc)
			return rc;
		char key[17];
		const char *metric = r->n_metrics ? r->metrics[0].name : "time";
		bt_series_key(run->suite, r, run->machine.fingerprint, metric, key);
		r->series_key = bt_run_strdup(run, key);
		if (progress)
			progress(ud, i, plan->n_cases, c, r);
	}
	return 0;
}
