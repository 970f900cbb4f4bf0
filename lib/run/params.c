/* Parameter spaces: parsing of "name=v1,v2;other=@preset" specs, presets,
 * overrides and enumeration of combinations. See benchtrack/params.h. */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchtrack/error.h"
#include "benchtrack/params.h"
#include "benchtrack/strbuf.h"
#include "internal.h"

/* Most values one range (and one axis) may produce. */
#define MAX_VALUES 4096

/* --- presets -------------------------------------------------------------- */

static const char *const preset_production[] = {
	"1024", "2048", "4096", "8192", "12288", "16384",
};
static const char *const preset_medium[] = {
	"32768", "49152", "65536", "98304", "131072",
};
static const char *const preset_long[] = {
	"262144", "524288", "1048576",
};
static const char *const preset_document[] = {
	"512", "1024", "2048", "4096",
};
static const char *const preset_context[] = {
	"4096", "8192", "16384", "32768",
};
static const char *const preset_book[] = {
	"50000", "100000", "200000",
};
static const char *const preset_quick[] = {
	"256", "512", "1024",
};

#define PRESET(n) { #n, preset_##n, sizeof preset_##n / sizeof preset_##n[0] }

static const struct preset {
	const char *name;
	const char *const *values;
	size_t n;
} presets[] = {
	PRESET(production),
	PRESET(medium),
	PRESET(long),
	PRESET(document),
	PRESET(context),
	PRESET(book),
	PRESET(quick),
};

#undef PRESET

#define N_PRESETS (sizeof presets / sizeof presets[0])

int bt_param_preset(const char *name, const char *const **values, size_t *n)
{
	if (!name)
		return BT_ENOTFOUND;
	for (size_t i = 0; i < N_PRESETS; i++) {
		if (strcmp(presets[i].name, name) == 0) {
			if (values)
				*values = presets[i].values;
			if (n)
				*n = presets[i].n;
			return 0;
		}
	}
	return BT_ENOTFOUND;
}

const char *bt_param_preset_name(size_t i)
{
	return i < N_PRESETS ? presets[i].name : NULL;
}

/* --- integers ------------------------------------------------------------- */

/* Parses s[0..len) as [+-]digits[K|M]. */
static int parse_int_n(const char *s, size_t len, int64_t *out)
{
	size_t i = 0;
	int neg = 0;
	uint64_t mag = 0, mult = 1, limit;

	if (i < len && (s[i] == '+' || s[i] == '-')) {
		neg = s[i] == '-';
		i++;
	}
	if (i >= len || !isdigit((unsigned char)s[i]))
		return BT_EPARSE;
	if (s[len - 1] == 'K')
		mult = 1024;
	else if (s[len - 1] == 'M')
		mult = 1048576;
	if (mult != 1)
		len--;
	if (i >= len)
		return BT_EPARSE;
	/* Check the syntax first so that "99999999999999999999x" is text. */
	for (size_t j = i; j < len; j++)
		if (!isdigit((unsigned char)s[j]))
			return BT_EPARSE;
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < len; i++) {
		unsigned d = (unsigned)(s[i] - '0');
		if (mag > (limit - d) / 10)
			return BT_ERANGE;
		mag = mag * 10 + d;
	}
	if (mag > limit / mult)
		return BT_ERANGE;
	mag *= mult;
	if (neg)
		*out = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
	else
		*out = (int64_t)mag;
	return 0;
}

int bt_param_parse_int(const char *s, int64_t *out)
{
	int64_t v;
	int rc;

	if (!s)
		return BT_EPARSE;
	rc = parse_int_n(s, strlen(s), &v);
	if (rc == 0 && out)
		*out = v;
	return rc;
}

/* --- spaces --------------------------------------------------------------- */

static void axis_release(struct bt_param_axis *ax)
{
	for (size_t i = 0; i < ax->n_values; i++)
		free(ax->values[i]);
	free(ax->values);
	free(ax->name);
	ax->values = NULL;
	ax->name = NULL;
	ax->n_values = 0;
}

void bt_param_space_release(struct bt_param_space *ps)
{
	if (!ps)
		return;
	for (size_t i = 0; i < ps->n_axes; i++)
		axis_release(&ps->axes[i]);
	free(ps->axes);
	ps->axes = NULL;
	ps->n_axes = 0;
}

size_t bt_param_space_count(const struct bt_param_space *ps)
{
	size_t n = 1;

	if (!ps)
		return 1;
	for (size_t i = 0; i < ps->n_axes; i++)
		n *= ps->axes[i].n_values;
	return n;
}

void bt_param_space_combo(const struct bt_param_space *ps, size_t index,
			  const char **values)
{
	for (size_t k = ps->n_axes; k-- > 0;) {
		const struct bt_param_axis *ax = &ps->axes[k];
		values[k] = ax->values[index % ax->n_values];
		index /= ax->n_values;
	}
}

int bt_param_space_find(const struct bt_param_space *ps, const char *name)
{
	if (!ps || !name)
		return -1;
	for (size_t i = 0; i < ps->n_axes; i++)
		if (strcmp(ps->axes[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* 0 when the product of the axis sizes fits in size_t. */
static int check_count(const struct bt_param_space *ps)
{
	size_t n = 1;

	for (size_t i = 0; i < ps->n_axes; i++) {
		size_t m = ps->axes[i].n_values;
		if (m && n > SIZE_MAX / m)
			return -1;
		n *= m;
	}
	return 0;
}

/* --- parser --------------------------------------------------------------- */

struct parser {
	const char *spec;
	struct bt_strbuf *err;
};

/* Sets the error "param spec "<spec>": column <col>: <msg>" for position
 * at (a pointer into spec) and returns code. */
static int perr(struct parser *p, int code, const char *at, const char *fmt,
		...) __attribute__((format(printf, 4, 5)));

static int perr(struct parser *p, int code, const char *at, const char *fmt,
		...)
{
	va_list ap;

	if (!p->err)
		return code;
	bt_strbuf_reset(p->err);
	bt_strbuf_addf(p->err, "param spec \"%s\": column %zu: ", p->spec,
		       (size_t)(at - p->spec) + 1);
	va_start(ap, fmt);
	bt_strbuf_vaddf(p->err, fmt, ap);
	va_end(ap);
	return code;
}

static int nomem(struct parser *p)
{
	return bt_error(p->err, BT_ENOMEM, "param spec \"%s\": out of memory",
			p->spec);
}

static const char *skip_ws(const char *s, const char *end)
{
	while (s < end && isspace((unsigned char)*s))
		s++;
	return s;
}

static const char *trim_end(const char *s, const char *end)
{
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	return end;
}

static const char *find_char(const char *s, const char *end, char c)
{
	for (; s < end; s++)
		if (*s == c)
			return s;
	return NULL;
}

static const char *find_str2(const char *s, const char *end, const char *two)
{
	for (; s + 1 < end; s++)
		if (s[0] == two[0] && s[1] == two[1])
			return s;
	return NULL;
}

/* Appends a copy of v[0..len) to ax unless it is already there. at is the
 * item for the error message. */
static int axis_add(struct parser *p, struct bt_param_axis *ax,
		    const char *v, size_t len, const char *at)
{
	char *copy, **values;

	for (size_t i = 0; i < ax->n_values; i++)
		if (strlen(ax->values[i]) == len &&
		    memcmp(ax->values[i], v, len) == 0)
			return 0;
	if (ax->n_values >= MAX_VALUES)
		return perr(p, BT_ERANGE, at,
			    "axis \"%s\" has more than %d values", ax->name,
			    MAX_VALUES);
	copy = malloc(len + 1);
	if (!copy)
		return nomem(p);
	memcpy(copy, v, len);
	copy[len] = '\0';
	values = realloc(ax->values, (ax->n_values + 1) * sizeof *values);
	if (!values) {
		free(copy);
		return nomem(p);
	}
	values[ax->n_values++] = copy;
	ax->values = values;
	return 0;
}

static int axis_add_int(struct parser *p, struct bt_param_axis *ax,
			int64_t v, const char *at)
{
	char buf[32];
	int n = snprintf(buf, sizeof buf, "%" PRId64, v);

	return axis_add(p, ax, buf, (size_t)n, at);
}

/* Parses the integer s[0..e) (already trimmed) of a range; what names the
 * part for messages. */
static int range_int(struct parser *p, const char *s, const char *e,
		     const char *what, int64_t *out)
{
	int rc = parse_int_n(s, (size_t)(e - s), out);

	if (rc == BT_ERANGE)
		return perr(p, BT_ERANGE, s, "integer overflow in %s \"%.*s\"",
			    what, (int)(e - s), s);
	if (rc)
		return perr(p, BT_EPARSE, s, "%s \"%.*s\" is not an integer",
			    what, (int)(e - s), s);
	return 0;
}

/* item [s, e) is trimmed and dots points to its "..". */
static int parse_range(struct parser *p, struct bt_param_axis *ax,
		       const char *s, const char *e, const char *dots)
{
	const char *lo_e = trim_end(s, dots);
	const char *hi_s = skip_ws(dots + 2, e);
	const char *q = hi_s, *op = NULL, *arg;
	int64_t lo, hi, by;
	uint64_t count;
	int rc;

	if (q < e && (*q == '+' || *q == '-'))
		q++;
	for (; q < e; q++) {
		if (*q == '*' || *q == '+') {
			op = q;
			break;
		}
	}
	if (!op)
		return perr(p, BT_EPARSE, e,
			    "range \"%.*s\" needs '*factor' or '+step'",
			    (int)(e - s), s);
	if ((rc = range_int(p, s, lo_e, "range start", &lo)))
		return rc;
	if ((rc = range_int(p, hi_s, trim_end(hi_s, op), "range end", &hi)))
		return rc;
	arg = skip_ws(op + 1, e);
	if ((rc = range_int(p, arg, e, *op == '*' ? "factor" : "step", &by)))
		return rc;
	if (lo > hi)
		return perr(p, BT_EPARSE, s,
			    "range \"%.*s\" has start %" PRId64
			    " > end %" PRId64, (int)(e - s), s, lo, hi);
	if (*op == '*') {
		if (by <= 1)
			return perr(p, BT_EPARSE, arg,
				    "factor %" PRId64 " must be > 1", by);
		if (lo <= 0)
			return perr(p, BT_EPARSE, s,
				    "geometric range needs a start > 0, got %"
				    PRId64, lo);
		for (int64_t v = lo;; v *= by) {
			if ((rc = axis_add_int(p, ax, v, s)))
				return rc;
			if (v > hi / by)
				break;
		}
		return 0;
	}
	if (by <= 0)
		return perr(p, BT_EPARSE, arg, "step %" PRId64 " must be > 0",
			    by);
	count = ((uint64_t)hi - (uint64_t)lo) / (uint64_t)by;
	if (count >= MAX_VALUES)
		return perr(p, BT_ERANGE, s,
			    "range \"%.*s\" has more than %d values",
			    (int)(e - s), s, MAX_VALUES);
	count++;
	for (uint64_t i = 0; i < count; i++) {
		int64_t v = (int64_t)((uint64_t)lo + i * (uint64_t)by);
		if ((rc = axis_add_int(p, ax, v, s)))
			return rc;
	}
	return 0;
}

/* Whether the trimmed item [s, e) with ".." at dots is meant as a range: its
 * start looks like a number (so "../data" stays text). */
static int looks_like_range(const char *s, const char *dots)
{
	if (s < dots && (*s == '+' || *s == '-'))
		s++;
	return s < dots && isdigit((unsigned char)*s);
}

static int parse_item(struct parser *p, struct bt_param_axis *ax,
		      const char *is, const char *ie)
{
	const char *s = skip_ws(is, ie), *e = trim_end(s, ie), *dots;
	int64_t v;
	int rc;

	if (s == e)
		return perr(p, BT_EPARSE, is, "empty value");
	if (*s == '@') {
		const char *n = skip_ws(s + 1, e);
		char name[64];
		const struct preset *pr = NULL;
		struct bt_strbuf known = BT_STRBUF_INIT;

		if ((size_t)(e - n) < sizeof name) {
			memcpy(name, n, (size_t)(e - n));
			name[e - n] = '\0';
			for (size_t i = 0; i < N_PRESETS; i++)
				if (strcmp(presets[i].name, name) == 0)
					pr = &presets[i];
		}
		if (!pr) {
			for (size_t i = 0; i < N_PRESETS; i++)
				bt_strbuf_addf(&known, "%s%s", i ? ", " : "",
					       presets[i].name);
			rc = perr(p, BT_EPARSE, s,
				  "unknown preset \"%.*s\" (known: %s)",
				  (int)(e - n), n, bt_strbuf_str(&known));
			bt_strbuf_release(&known);
			return rc;
		}
		for (size_t i = 0; i < pr->n; i++)
			if ((rc = axis_add(p, ax, pr->values[i],
					   strlen(pr->values[i]), s)))
				return rc;
		return 0;
	}
	dots = find_str2(s, e, "..");
	if (dots && looks_like_range(s, dots))
		return parse_range(p, ax, s, e, dots);
	rc = parse_int_n(s, (size_t)(e - s), &v);
	if (rc == BT_ERANGE)
		return perr(p, BT_ERANGE, s, "integer overflow in \"%.*s\"",
			    (int)(e - s), s);
	if (rc == 0)
		return axis_add_int(p, ax, v, s);
	/* a value is part of a series' identity, written into JSON: it must
	 * read back byte for byte, so no invalid UTF-8 and no control bytes */
	for (const char *q = s; q < e;) {
		size_t k = bt__utf8_seq((const unsigned char *)q, (size_t)(e - q));
		if (!k || (unsigned char)*q < 0x20 || *q == 0x7f)
			return perr(p, BT_EPARSE, q,
				    "value \"%.*s\" is not printable UTF-8",
				    (int)(e - s), s);
		q += k;
	}
	return axis_add(p, ax, s, (size_t)(e - s), s);
}

static int valid_name(const char *s, const char *e, const char **bad)
{
	for (const char *q = s; q < e; q++) {
		int c = (unsigned char)*q;
		if (c == '_' || isalpha(c) || (q > s && isdigit(c)))
			continue;
		*bad = q;
		return 0;
	}
	return 1;
}

/* Parses the axis [s, e) (non-blank) and appends it to ps. */
static int parse_axis(struct parser *p, struct bt_param_space *ps,
		      const char *s, const char *e)
{
	const char *eq = find_char(s, e, '='), *ns, *ne, *bad, *is;
	struct bt_param_axis ax = { NULL, NULL, 0 }, *axes;
	int rc;

	ns = skip_ws(s, e);
	if (!eq) {
		/* Point just past the name, where the '=' should be. */
		const char *q = ns;
		while (q < e && (*q == '_' || isalpha((unsigned char)*q) ||
				 (q > ns && isdigit((unsigned char)*q))))
			q++;
		return perr(p, BT_EPARSE, q, "missing '=' after the name");
	}
	ne = trim_end(ns, eq);
	if (ns == ne)
		return perr(p, BT_EPARSE, eq, "missing parameter name");
	if (!valid_name(ns, ne, &bad))
		return perr(p, BT_EPARSE, bad,
			    "bad parameter name \"%.*s\" "
			    "(want [A-Za-z_][A-Za-z0-9_]*)",
			    (int)(ne - ns), ns);
	for (size_t i = 0; i < ps->n_axes; i++)
		if (strlen(ps->axes[i].name) == (size_t)(ne - ns) &&
		    memcmp(ps->axes[i].name, ns, (size_t)(ne - ns)) == 0)
			return perr(p, BT_EPARSE, ns,
				    "duplicate axis \"%.*s\"",
				    (int)(ne - ns), ns);
	ax.name = malloc((size_t)(ne - ns) + 1);
	if (!ax.name)
		return nomem(p);
	memcpy(ax.name, ns, (size_t)(ne - ns));
	ax.name[ne - ns] = '\0';

	for (is = eq + 1;;) {
		const char *ie = find_char(is, e, ',');
		const char *stray;
		if (!ie)
			ie = e;
		stray = find_char(is, ie, '=');
		if (stray) {
			rc = perr(p, BT_EPARSE, stray, "unexpected '='");
			goto fail;
		}
		if ((rc = parse_item(p, &ax, is, ie)))
			goto fail;
		if (ie == e)
			break;
		is = ie + 1;
	}

	axes = realloc(ps->axes, (ps->n_axes + 1) * sizeof *axes);
	if (!axes) {
		rc = nomem(p);
		goto fail;
	}
	axes[ps->n_axes++] = ax;
	ps->axes = axes;
	return 0;
fail:
	axis_release(&ax);
	return rc;
}

/* Parses spec into the empty out; on error out is left empty. */
static int parse_spec(struct parser *p, struct bt_param_space *out)
{
	const char *s = p->spec, *end = s + strlen(s);
	int rc;

	for (;;) {
		const char *e = find_char(s, end, ';');
		const char *t = skip_ws(s, e ? e : end);
		if (!e)
			e = end;
		if (t == e) {
			/* Blank axis: fine at the end (a trailing ';' or a
			 * blank spec), an error elsewhere. */
			if (e == end)
				break;
			rc = perr(p, BT_EPARSE, e, "empty axis");
			goto fail;
		}
		if ((rc = parse_axis(p, out, s, e)))
			goto fail;
		if (e == end)
			break;
		s = e + 1;
	}
	if (check_count(out)) {
		rc = perr(p, BT_ERANGE, p->spec, "too many combinations");
		goto fail;
	}
	return 0;
fail:
	bt_param_space_release(out);
	return rc;
}

int bt_param_space_parse(struct bt_param_space *ps, const char *spec,
			 struct bt_strbuf *err)
{
	struct parser p = { spec, err };

	bt_param_space_release(ps);
	if (!spec)
		return 0;
	return parse_spec(&p, ps);
}

int bt_param_space_override(struct bt_param_space *ps, const char *spec,
			    int strict, struct bt_strbuf *err)
{
	struct parser p = { spec, err };
	struct bt_param_space ov = BT_PARAM_SPACE_INIT;
	size_t total = 1;
	int rc;

	if (!spec)
		return 0;
	if ((rc = parse_spec(&p, &ov)))
		return rc;
	/* Check everything before changing ps, so that a failed override
	 * leaves it as it was. */
	for (size_t i = 0; i < ov.n_axes; i++) {
		if (bt_param_space_find(ps, ov.axes[i].name) >= 0 || !strict)
			continue;
		struct bt_strbuf known = BT_STRBUF_INIT;
		for (size_t k = 0; k < ps->n_axes; k++)
			bt_strbuf_addf(&known, "%s%s", k ? ", " : "",
				       ps->axes[k].name);
		rc = bt_error(err, BT_ENOTFOUND,
			      "param spec \"%s\": unknown axis \"%s\" "
			      "(axes: %s)", spec, ov.axes[i].name,
			      ps->n_axes ? bt_strbuf_str(&known) : "none");
		bt_strbuf_release(&known);
		goto out;
	}
	for (size_t k = 0; k < ps->n_axes; k++) {
		int j = bt_param_space_find(&ov, ps->axes[k].name);
		size_t m = j >= 0 ? ov.axes[j].n_values : ps->axes[k].n_values;
		if (m && total > SIZE_MAX / m) {
			rc = perr(&p, BT_ERANGE, spec, "too many combinations");
			goto out;
		}
		total *= m;
	}
	for (size_t i = 0; i < ov.n_axes; i++) {
		int k = bt_param_space_find(ps, ov.axes[i].name);
		struct bt_param_axis *dst, *src = &ov.axes[i];
		char **tv;
		size_t tn;
		if (k < 0)
			continue;
		dst = &ps->axes[k];
		tv = dst->values;
		tn = dst->n_values;
		dst->values = src->values;
		dst->n_values = src->n_values;
		src->values = tv;
		src->n_values = tn;
	}
	rc = 0;
out:
	bt_param_space_release(&ov);
	return rc;
}
