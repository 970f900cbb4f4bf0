/* benchtrack exec: the commands its options make (-L/-P expansion,
 * {NAME} substitution, hooks, splitting without a shell). Contracts in
 * cli/exec.h. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "exec.h"

/* Keeps p to be freed with the plan; p itself on success, NULL (p
 * freed) out of memory. */
static void *keep(struct cli_exec_plan *pl, void *p)
{
	if (!p)
		return NULL;
	if (pl->n_owned == pl->cap_owned) {
		size_t cap = pl->cap_owned ? 2 * pl->cap_owned : 64;
		void **o = realloc(pl->owned, cap * sizeof *o);
		if (!o) {
			free(p);
			return NULL;
		}
		pl->owned = o;
		pl->cap_owned = cap;
	}
	pl->owned[pl->n_owned++] = p;
	return p;
}

/* text with every {NAME} of a parameter replaced by its value at idx
 * (malloc'd; NULL out of memory). NULL text gives NULL. */
static char *subst(const char *text, const struct cli_exec_param *ps, size_t np,
		   const size_t *idx)
{
	struct bt_strbuf b = BT_STRBUF_INIT;
	if (!text)
		return NULL;
	for (const char *p = text; *p;) {
		size_t k = np;
		if (*p == '{')
			for (k = 0; k < np; k++) {
				size_t len = strlen(ps[k].name);
				if (strncmp(p + 1, ps[k].name, len) == 0 && p[1 + len] == '}')
					break;
			}
		if (k < np) {
			bt_strbuf_adds(&b, ps[k].values[idx[k]]);
			p += strlen(ps[k].name) + 2;
		} else {
			bt_strbuf_addc(&b, *p++);
		}
	}
	return bt_strbuf_detach(&b);
}

/* The hook of template t: one for all, one per template, or none. */
static const char *hook_of(const char **h, size_t n, size_t t)
{
	return n == 0 ? NULL : n == 1 ? h[0] : h[t];
}

int cli_exec_plan_build(const struct cli_exec_spec *s, struct cli_exec_plan *pl,
			struct bt_strbuf *err)
{
	memset(pl, 0, sizeof *pl);
	size_t combos = 1;
	for (size_t k = 0; k < s->n_params; k++) {
		if (s->params[k].n_values == 0)
			return bt_error(err, -1, "parameter '%s' has no value",
					s->params[k].name), -1;
		combos *= s->params[k].n_values;
		if (combos > CLI_EXEC_MAX_CMDS)
			break;
	}
	if (s->n_templates == 0 || combos > CLI_EXEC_MAX_CMDS ||
	    s->n_templates * combos > CLI_EXEC_MAX_CMDS) {
		if (s->n_templates)
			bt_error(err, -1, "%zu commands and %zu parameter combinations make "
				 "more than %d benchmarks", s->n_templates, combos,
				 CLI_EXEC_MAX_CMDS);
		else
			bt_error(err, -1, "no command given (usage: benchtrack exec "
				 "[options] COMMAND...)");
		return -1;
	}
	size_t n = s->n_templates * combos;
	size_t *idx = calloc(s->n_params + 1, sizeof *idx);
	pl->cmds = keep(pl, calloc(n, sizeof *pl->cmds));
	pl->display = keep(pl, calloc(n, sizeof *pl->display));
	pl->tmpl = keep(pl, calloc(n, sizeof *pl->tmpl));
	struct bt_kv *kv = keep(pl, calloc(n * s->n_params + 1, sizeof *kv));
	if (!idx || !pl->cmds || !pl->display || !pl->tmpl || !kv) {
		free(idx);
		return -2;
	}
	int rc = 0;
	for (size_t t = 0; t < s->n_templates && !rc; t++) {
		for (size_t c = 0; c < combos && !rc; c++) {
			size_t rest = c;
			for (size_t k = s->n_params; k-- > 0;) {
				idx[k] = rest % s->params[k].n_values;
				rest /= s->params[k].n_values;
			}
			struct bt_exec_cmd *x = &pl->cmds[pl->n];
			const char *name = t < s->n_names ? s->names[t] : NULL;
			const char *hooks[4] = { s->setup, hook_of(s->prepare, s->n_prepare, t),
						 hook_of(s->conclude, s->n_conclude, t),
						 s->cleanup };
			char *h[4];
			char *text = keep(pl, subst(s->templates[t], s->params, s->n_params, idx));
			char *shown = name ? keep(pl, subst(name, s->params, s->n_params, idx))
					   : text;
			for (int i = 0; i < 4; i++)
				h[i] = hooks[i] ? keep(pl, subst(hooks[i], s->params,
								 s->n_params, idx))
						: NULL;
			if (!text || !shown || (hooks[0] && !h[0]) || (hooks[1] && !h[1]) ||
			    (hooks[2] && !h[2]) || (hooks[3] && !h[3])) {
				rc = -2;
				break;
			}
			x->name = name ? name : s->templates[t];
			x->text = text;
			x->setup = h[0];
			x->prepare = h[1];
			x->conclude = h[2];
			x->cleanup = h[3];
			x->params = s->n_params ? kv + pl->n * s->n_params : NULL;
			x->n_params = s->n_params;
			for (size_t k = 0; k < s->n_params; k++) {
				kv[pl->n * s->n_params + k].key = s->params[k].name;
				kv[pl->n * s->n_params + k].value = s->params[k].values[idx[k]];
			}
			if (s->no_shell) {
				struct bt_strbuf e = BT_STRBUF_INIT;
				x->argv = bt_exec_split(text, &e);
				if (!x->argv) {
					bt_error(err, -1, "command '%s': %s", text,
						 e.len ? e.buf : "cannot be split");
					rc = -1;
				} else if (!x->argv[0]) {
					bt_error(err, -1, "command '%s' is empty", text);
					rc = -1;
				}
				bt_strbuf_release(&e);
			} else if (!*text || strspn(text, " \t\n") == strlen(text)) {
				bt_error(err, -1, "command %zu is empty", t + 1);
				rc = -1;
			}
			pl->display[pl->n] = shown;
			pl->tmpl[pl->n] = t;
			pl->n++;
		}
	}
	free(idx);
	return rc;
}

void cli_exec_plan_release(struct cli_exec_plan *pl)
{
	for (size_t i = 0; pl->cmds && i < pl->n; i++)
		bt_exec_argv_free(pl->cmds[i].argv);
	for (size_t i = 0; i < pl->n_owned; i++)
		free(pl->owned[i]);
	free(pl->owned);
	memset(pl, 0, sizeof *pl);
}

static int push_value(struct cli_exec_param *p, const char *v, size_t len)
{
	char **vs = realloc(p->values, (p->n_values + 1) * sizeof *vs);
	if (!vs)
		return -2;
	p->values = vs;
	if (!(vs[p->n_values] = strndup(v, len)))
		return -2;
	p->n_values++;
	return 0;
}

int cli_exec_list(struct cli_exec_param *p, const char *values)
{
	for (const char *v = values;;) {
		size_t len = strcspn(v, ",");
		if (push_value(p, v, len))
			return -2;
		if (!v[len])
			return 0;
		v += len + 1;
	}
}

/* Decimal places of the number s ("0.25" 2, "3" 0). */
static int decimals(const char *s)
{
	const char *dot = strchr(s, '.');
	if (!dot)
		return 0;
	size_t n = strspn(dot + 1, "0123456789");
	return (int)n;
}

/* s as a number scaled by 10^d, rounded to an integer: 0, or -1 when s is
 * not a plain decimal number (digits, an optional sign and point). */
static int scaled(const char *s, int d, long long *out)
{
	char *end;
	errno = 0;
	double x = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(x) ||
	    strspn(s, "+-0123456789.") != strlen(s) || fabs(x) * pow(10, d) > 1e15)
		return -1;
	*out = llround(x * pow(10, d));
	return 0;
}

int cli_exec_scan(struct cli_exec_param *p, const char *lo, const char *hi,
		  const char *step, struct bt_strbuf *err)
{
	int d = 0;
	long long a, b, st = 1;
	if (step) {
		d = decimals(lo);
		if (decimals(hi) > d)
			d = decimals(hi);
		if (decimals(step) > d)
			d = decimals(step);
		if (d > 9)
			d = 9;
	}
	if (scaled(lo, d, &a) || scaled(hi, d, &b) || (!step && (strchr(lo, '.') ||
							       strchr(hi, '.')))) {
		bt_error(err, -1, "--parameter-scan %s: '%s' or '%s' is not %s", p->name,
			 lo, hi, step ? "a number" : "an integer (decimal values need "
			 "--parameter-step-size)");
		return -1;
	}
	if (step && (scaled(step, d, &st) || st <= 0)) {
		bt_error(err, -1, "--parameter-step-size: '%s' is not a number above 0", step);
		return -1;
	}
	if (a > b) {
		bt_error(err, -1, "--parameter-scan %s: the minimum %s is above the maximum %s",
			 p->name, lo, hi);
		return -1;
	}
	if ((b - a) / st + 1 > CLI_EXEC_MAX_CMDS) {
		bt_error(err, -1, "--parameter-scan %s: more than %d values", p->name,
			 CLI_EXEC_MAX_CMDS);
		return -1;
	}
	/* Written as hyperfine writes them: the first value with the decimals
	 * of LO, the others with those of LO or STEP (never HI's, which only
	 * bounds): "-P x 0 1 -D 0.25" gives 0, 0.25, 0.50, 0.75, 1.00. Digits
	 * beyond those are zeros, since LO and STEP have no more. */
	int first = step ? decimals(lo) : 0, rest = first;
	if (step && decimals(step) > rest)
		rest = decimals(step);
	if (first > d)
		first = d;
	if (rest > d)
		rest = d;
	for (long long v = a; v <= b; v += st) {
		char buf[64];
		long long m = v < 0 ? -v : v;
		int f = v == a ? first : rest;
		long long scale = 1, drop = 1;
		for (int i = 0; i < d; i++)
			scale *= 10;
		for (int i = f; i < d; i++)
			drop *= 10;
		if (f)
			snprintf(buf, sizeof buf, "%s%lld.%0*lld", v < 0 ? "-" : "",
				 m / scale, f, (m % scale) / drop);
		else
			snprintf(buf, sizeof buf, "%s%lld", v < 0 ? "-" : "", m / scale);
		if (push_value(p, buf, strlen(buf)))
			return -2;
	}
	return 0;
}

void cli_exec_param_release(struct cli_exec_param *p)
{
	for (size_t i = 0; i < p->n_values; i++)
		free(p->values[i]);
	free(p->values);
	p->values = NULL;
	p->n_values = 0;
}
