/* The writer of the JSON form of a run (schema "benchtrack.run/1",
 * docs/FORMAT.md): a walk of the field table of lib/result/schema.c that
 * prints straight into a buffer, in the layout jansson's json_dumps gave
 * (JSON_PRESERVE_ORDER, JSON_INDENT(2) or JSON_COMPACT), but for the
 * reals: each is the shortest text that strtod reads back to the same
 * double (bt__real_text), where jansson printed 17 digits. The readers
 * are json.c (strict) and json_scan.c (fast). */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "schema.h"

/* ---------------------------------------------------------------------
 * Reals
 * ------------------------------------------------------------------- */

#if defined(__x86_64__) && LDBL_MANT_DIG == 64
int bt__decimal_double(uint64_t w, long k, int neg, double *out)
{
	static const long double p10[] = {
		1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,  1e7L,
		1e8L,  1e9L,  1e10L, 1e11L, 1e12L, 1e13L, 1e14L, 1e15L,
		1e16L, 1e17L, 1e18L, 1e19L, 1e20L, 1e21L, 1e22L, 1e23L,
		1e24L, 1e25L, 1e26L, 1e27L
	};
	if (w == 0) {
		*out = neg ? -0.0 : 0.0;
		return 0;
	}
	if (k < -27 || k > 27)
		return -1;
	long double v = (long double)w;
	v = k < 0 ? v / p10[-k] : v * p10[k];
	uint64_t sig;
	memcpy(&sig, &v, sizeof sig);
	unsigned low = (unsigned)(sig & 0x7ff);
	if (low >= 0x3ff && low <= 0x401)
		return -1; /* near a halfway point: strtod decides */
	double d = (double)v;
	*out = neg ? -d : d;
	return 0;
}
#else
int bt__decimal_double(uint64_t w, long k, int neg, double *out)
{
	(void)w;
	(void)k;
	(void)neg;
	(void)out;
	return -1;
}
#endif

/* 1 when the p digits d, the first at 10^e10, read back to ax (> 0):
 * bt__decimal_double, or strtod when that is not certain. */
static int reads_back(const char *d, int p, int e10, double ax)
{
	uint64_t w = 0;
	double y;
	for (int i = 0; i < p; i++)
		w = w * 10 + (uint64_t)(d[i] - '0');
	if (bt__decimal_double(w, e10 - (p - 1), 0, &y) != 0) {
		char buf[48];
		snprintf(buf, sizeof buf, "%c.%.*se%d", d[0], p - 1, d + 1, e10);
		y = strtod(buf, NULL);
	}
	return y == ax;
}

/* The p leading significant digits of |x|, correctly rounded, into d
 * (NUL-terminated, p chars), *e10 the power of ten of the first digit.
 * d17 holds the 17 digits of "%.16e" and e17 its exponent: rounding them
 * again is exact unless what is cut off reads as an exact half, when
 * printf rounds x itself. */
static void digits_at(double x, const char *d17, int e17, int p, char *d,
		      int *e10)
{
	const char *cut = d17 + p;
	int half = *cut == '5', up = *cut >= '5';
	for (const char *q = cut + 1; half && *q; q++)
		half = *q == '0';
	if (half) {
		char buf[40];
		snprintf(buf, sizeof buf, "%.*e", p - 1, fabs(x));
		size_t k = 0;
		for (const char *q = buf; *q && *q != 'e'; q++)
			if (*q != '.')
				d[k++] = *q;
		d[k] = '\0';
		*e10 = atoi(strchr(buf, 'e') + 1);
		return;
	}
	memcpy(d, d17, (size_t)p);
	d[p] = '\0';
	*e10 = e17;
	for (int i = p - 1; up && i >= 0; i--) {
		if (d[i] == '9') {
			d[i] = '0';
		} else {
			d[i]++;
			up = 0;
		}
	}
	if (up) { /* 9.99 -> 10.0: one digit more to the left */
		memmove(d + 1, d, (size_t)p);
		d[0] = '1';
		d[p] = '\0';
		(*e10)++;
	}
}

/* The digits d (no trailing zeros) and exponent e10 of x (sign neg) as the
 * shorter of the fixed and the exponent forms, each with a '.' or an 'e'
 * so that every reader takes it for a real (jansson's rule: "1.0", never
 * "1"). Ties go to the fixed form. */
static size_t real_form(int neg, const char *d, int e10, char *out)
{
	char fx[400], ex[40];
	size_t n = strlen(d), f = 0, e = 0;
	if (neg)
		fx[f++] = ex[e++] = '-';
	/* exponent form: d.ddde-7 */
	ex[e++] = d[0];
	if (n > 1) {
		ex[e++] = '.';
		memcpy(ex + e, d + 1, n - 1);
		e += n - 1;
	}
	e += (size_t)snprintf(ex + e, sizeof ex - e, "e%d", e10);
	/* fixed form, when not absurdly long */
	if (e10 >= -20 && e10 <= 40) {
		if (e10 < 0) {
			fx[f++] = '0';
			fx[f++] = '.';
			for (int i = -1; i > e10; i--)
				fx[f++] = '0';
			memcpy(fx + f, d, n);
			f += n;
		} else if ((int)n <= e10 + 1) {
			memcpy(fx + f, d, n);
			f += n;
			for (int i = (int)n; i <= e10; i++)
				fx[f++] = '0';
			fx[f++] = '.';
			fx[f++] = '0';
		} else {
			memcpy(fx + f, d, (size_t)e10 + 1);
			f += (size_t)e10 + 1;
			fx[f++] = '.';
			memcpy(fx + f, d + e10 + 1, n - (size_t)e10 - 1);
			f += n - (size_t)e10 - 1;
		}
		if (f <= e) {
			memcpy(out, fx, f);
			out[f] = '\0';
			return f;
		}
	}
	memcpy(out, ex, e);
	out[e] = '\0';
	return e;
}

size_t bt__real_text(double x, char out[BT__REAL_TEXT_MAX])
{
	if (!isfinite(x)) {
		memcpy(out, "null", 5);
		return 4;
	}
	int neg = signbit(x) != 0;
	if (x == 0)
		return real_form(neg, "0", 0, out);
	/* the 17 digits that always read back; then fewer, while they do */
	double ax = fabs(x);
	char s17[40], d17[20], d[20], best[20];
	snprintf(s17, sizeof s17, "%.16e", ax);
	size_t k = 0;
	for (const char *q = s17; *q && *q != 'e' && k < 17; q++)
		if (*q != '.')
			d17[k++] = *q;
	d17[k] = '\0';
	int e17 = atoi(strchr(s17, 'e') + 1), e10 = e17, pe;
	memcpy(best, d17, sizeof d17);
	/* measured values need 16 or 17 digits (about half each): 16 first,
	 * then 15, then a bisection below (reading back is monotone in the
	 * digits but for rare cases, where a digit more is kept) */
	digits_at(x, d17, e17, 16, d, &pe);
	if (reads_back(d, 16, pe, ax)) {
		memcpy(best, d, sizeof d);
		e10 = pe;
		int lo = 1, hi = 15;
		while (lo <= hi) {
			int p = hi == 15 ? 15 : (lo + hi) / 2;
			digits_at(x, d17, e17, p, d, &pe);
			if (reads_back(d, p, pe, ax)) {
				memcpy(best, d, sizeof d);
				e10 = pe;
				hi = p - 1;
			} else {
				lo = p + 1;
			}
		}
	}
	size_t n = strlen(best);
	while (n > 1 && best[n - 1] == '0')
		best[--n] = '\0';
	return real_form(neg, best, e10, out);
}

/* ---------------------------------------------------------------------
 * The document
 * ------------------------------------------------------------------- */

struct wr {
	struct bt_strbuf *out;
	int pretty, depth, oom;
};

static void add(struct wr *w, const char *s, size_t n)
{
	if (!w->oom && bt_strbuf_add(w->out, s, n))
		w->oom = 1;
}

static void adds(struct wr *w, const char *s)
{
	add(w, s, strlen(s));
}

/* A string as jansson quotes it: \" \\ \b \f \n \r \t, other control
 * characters as \u00XX, the rest (UTF-8) as it is; an invalid UTF-8 byte
 * becomes U+FFFD, so a stray byte in a benchmark's message never loses
 * the whole run. NULL is null. */
static void w_str(struct wr *w, const char *s)
{
	if (!s) {
		adds(w, "null");
		return;
	}
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), run = 0;
	add(w, "\"", 1);
	for (size_t i = 0; i < n;) {
		unsigned c = p[i];
		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			run++;
			i++;
			continue;
		}
		add(w, (const char *)p + i - run, run);
		run = 0;
		if (c >= 0x80) {
			size_t k = bt__utf8_seq(p + i, n - i);
			if (k) {
				add(w, (const char *)p + i, k);
				i += k;
			} else {
				add(w, "\xef\xbf\xbd", 3);
				i++;
			}
			continue;
		}
		char esc[8];
		switch (c) {
		case '"': adds(w, "\\\""); break;
		case '\\': adds(w, "\\\\"); break;
		case '\b': adds(w, "\\b"); break;
		case '\f': adds(w, "\\f"); break;
		case '\n': adds(w, "\\n"); break;
		case '\r': adds(w, "\\r"); break;
		case '\t': adds(w, "\\t"); break;
		default:
			snprintf(esc, sizeof esc, "\\u%04X", c);
			adds(w, esc);
		}
		i++;
	}
	add(w, (const char *)p + n - run, run);
	add(w, "\"", 1);
}

static void w_num(struct wr *w, double x)
{
	char buf[BT__REAL_TEXT_MAX];
	add(w, buf, bt__real_text(x, buf));
}

static void w_i64(struct wr *w, int64_t x)
{
	char buf[24];
	add(w, buf, (size_t)snprintf(buf, sizeof buf, "%" PRId64, x));
}

/* Unsigned 64-bit: an integer when it fits int64, else a decimal string. */
static void w_u64(struct wr *w, uint64_t x)
{
	char buf[24];
	if (x <= (uint64_t)INT64_MAX) {
		w_i64(w, (int64_t)x);
		return;
	}
	snprintf(buf, sizeof buf, "%" PRIu64, x);
	w_str(w, buf);
}

/* Before member or element i of the container now open. */
static void w_sep(struct wr *w, size_t i)
{
	if (i)
		add(w, ",", 1);
	if (w->pretty) {
		add(w, "\n", 1);
		for (int d = 0; d < w->depth; d++)
			add(w, "  ", 2);
	}
}

static void w_open(struct wr *w, char c)
{
	add(w, &c, 1);
	w->depth++;
}

static void w_close(struct wr *w, char c, size_t n)
{
	w->depth--;
	if (n && w->pretty) {
		add(w, "\n", 1);
		for (int d = 0; d < w->depth; d++)
			add(w, "  ", 2);
	}
	add(w, &c, 1);
}

static void w_key(struct wr *w, size_t i, const char *key)
{
	w_sep(w, i);
	w_str(w, key);
	adds(w, w->pretty ? ": " : ":");
}

/* The value of field f of the object at base (schema.h). */
static void w_value(struct wr *w, const struct bt__field *f, const char *base);

static void w_object(struct wr *w, const struct bt__obj *o, const char *base)
{
	size_t n = 0;
	w_open(w, '{');
	for (size_t i = 0; i < o->n; i++) {
		const struct bt__field *f = &o->f[i];
		if (f->type == BT__T_BOOL && (f->flags & BT__F_OMIT) &&
		    !*(const int *)(base + f->off))
			continue;
		if (f->type == BT__T_OBJ && f->pres != BT__P_ALWAYS &&
		    (f->pres == BT__P_FLAG ? !*(const int *)(base + f->pres_off)
					   : !*(const char *const *)(base + f->pres_off))) {
			if (!(f->flags & BT__F_OMIT)) {
				w_key(w, n++, f->key);
				adds(w, "null");
			}
			continue;
		}
		w_key(w, n++, f->key);
		w_value(w, f, base);
	}
	w_close(w, '}', n);
}

/* A map's key as written: "" for none, invalid UTF-8 made valid (as
 * w_str does), so that keys compare as the reader will see them. NULL
 * when out of memory; *own when malloc'd. */
static const char *map_key(const char *k, int *own)
{
	*own = 0;
	if (!k)
		return "";
	const unsigned char *p = (const unsigned char *)k;
	size_t n = strlen(k), o = 0;
	for (size_t i = 0, q; i < n; i += q)
		if (!(q = bt__utf8_seq(p + i, n - i)))
			goto bad;
	return k;
bad:
	if (n > (SIZE_MAX - 1) / 3)
		return NULL;
	char *out = malloc(n * 3 + 1);
	if (!out)
		return NULL;
	for (size_t i = 0; i < n;) {
		size_t q = bt__utf8_seq(p + i, n - i);
		if (q) {
			memcpy(out + o, p + i, q);
			o += q;
			i += q;
		} else {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	out[o] = '\0';
	*own = 1;
	return out;
}

/* A map of n elements at e. A key given twice is written once, where it
 * first comes, with its last value (as a JSON object built member by
 * member keeps it), so that readers that refuse duplicate keys read it. */
static void w_map(struct wr *w, const struct bt__field *f, const char *e, size_t n)
{
	const char *small[16];
	int small_own[16];
	const char **k = n <= 16 ? small : malloc(n * sizeof *k);
	int *own = n <= 16 ? small_own : malloc(n * sizeof *own);
	size_t done = 0, m = 0;
	if (n && (!k || !own))
		goto oom;
	for (; done < n; done++)
		if (!(k[done] = map_key(*(const char *const *)(e + done * f->esize +
								 f->key_off),
					&own[done])))
			goto oom;
	w_open(w, '{');
	for (size_t i = 0; i < n; i++) {
		size_t j = 0, last = i;
		while (j < i && strcmp(k[j], k[i]))
			j++;
		if (j < i)
			continue; /* written at its first place */
		for (size_t q = i + 1; q < n; q++)
			if (!strcmp(k[q], k[i]))
				last = q;
		w_key(w, m++, k[i]);
		w_value(w, f->val, e + last * f->esize);
	}
	w_close(w, '}', m);
	goto out;
oom:
	w->oom = 1;
out:
	for (size_t i = 0; i < done; i++)
		if (own[i])
			free((char *)k[i]);
	if (k != small)
		free(k);
	if (own != small_own)
		free(own);
}

static void w_value(struct wr *w, const struct bt__field *f, const char *base)
{
	const char *at = base + f->off;
	switch (f->type) {
	case BT__T_STR:
		w_str(w, *(const char *const *)at);
		return;
	case BT__T_CONST: {
		const char *v = *(const char *const *)at;
		w_str(w, v ? v : f->cval);
		return;
	}
	case BT__T_NUM:
		w_num(w, *(const double *)at);
		return;
	case BT__T_INT:
		w_i64(w, *(const int *)at);
		return;
	case BT__T_I64:
		w_i64(w, *(const int64_t *)at);
		return;
	case BT__T_SIZE:
		w_u64(w, *(const size_t *)at);
		return;
	case BT__T_U64:
		w_u64(w, *(const uint64_t *)at);
		return;
	case BT__T_BOOL:
		adds(w, *(const int *)at ? "true" : "false");
		return;
	case BT__T_TRI: {
		int b = *(const int *)at;
		adds(w, b == 1 ? "true" : b == 0 ? "false" : "null");
		return;
	}
	case BT__T_ENUM:
		w_str(w, f->en->name(*(const int *)at));
		return;
	case BT__T_OBJ:
		w_object(w, f->sub, at);
		return;
	case BT__T_LIST:
	case BT__T_MAP: {
		const char *e;
		size_t n = *(const size_t *)(base + f->n_off);
		memcpy(&e, at, sizeof e);
		if (f->type == BT__T_MAP) {
			w_map(w, f, e, n);
			return;
		}
		w_open(w, '[');
		for (size_t i = 0; i < n; i++, e += f->esize) {
			w_sep(w, i);
			w_value(w, f->val, e);
		}
		w_close(w, ']', n);
		return;
	}
	}
	adds(w, "null");
}

/* The document of field f at base into out, appended; on failure out is
 * as it was. */
static int dump(const struct bt__field *f, const char *base, int pretty,
		struct bt_strbuf *out, struct bt_strbuf *err)
{
	size_t start = out->len;
	struct wr w = { out, pretty != 0, 0, 0 };
	w_value(&w, f, base);
	if (w.oom) {
		out->len = start;
		if (out->buf)
			out->buf[start] = '\0';
		return bt_error(err, BT_ENOMEM, "out of memory writing JSON");
	}
	return 0;
}

int bt_run_to_json(const struct bt_run *run, int pretty, struct bt_strbuf *out,
		   struct bt_strbuf *err)
{
	if (!run || !out)
		return bt_error(err, BT_EINVAL, "bt_run_to_json: no run/output");
	return dump(&bt__schema_run, (const char *)run, pretty, out, err);
}

int bt_result_to_json(const struct bt_result *r, struct bt_strbuf *out,
		      struct bt_strbuf *err)
{
	if (!r || !out)
		return bt_error(err, BT_EINVAL,
				"bt_result_to_json: no result/output");
	return dump(&bt__schema_result, (const char *)r, 0, out, err);
}

int bt_run_write_file_as(const struct bt_run *run, const char *path,
			 enum bt_run_file_form form, struct bt_strbuf *err)
{
	if (!path)
		return bt_error(err, BT_EINVAL, "bt_run_write_file: no path");
	struct bt_strbuf sb = BT_STRBUF_INIT;
	int rc = bt_run_to_json(run, 1, &sb, err);
	if (!rc)
		rc = bt_strbuf_addc(&sb, '\n');
	if (!rc)
		rc = bt__run_file_write(path, sb.buf, sb.len, form, err);
	bt_strbuf_release(&sb);
	return rc;
}

int bt_run_write_file(const struct bt_run *run, const char *path,
		      struct bt_strbuf *err)
{
	return bt_run_write_file_as(run, path, BT_RUN_FILE_PLAIN, err);
}
