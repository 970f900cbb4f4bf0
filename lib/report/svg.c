/* SVG plots of a run: line charts along a swept parameter and ablation
 * bar charts. Contracts in include/benchtrack/report.h ("SVG plots"). */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchtrack/error.h"
#include "benchtrack/report.h"
#include "internal.h"

/* --- geometry ------------------------------------------------------------ */

/* Text is laid out with bt__text_width, an estimate on the wide side of
 * common sans-serif fonts (DejaVu Sans), so that labels fit whole. */
#define FS 12.0         /* labels */
#define TITLE_FS 15.0   /* the title, bold */
#define BOLD 1.12       /* bold text is this much wider */
#define ASCENT 0.8      /* of a font size, above the baseline */
#define DESCENT 0.25    /* below it */
#define MARGIN 10.0     /* between any text and the edge of the image */

#define LC_W 880.0      /* line chart: default size */
#define LC_H 420.0
#define LC_W_MAX 1600.0 /* wider only by truncating legend labels */
#define PT 50.0         /* plot area, top and bottom */
#define PB 350.0
#define PLOT_MIN_W 420.0
#define LEG_ROW 18.0    /* legend: row height, swatch and gap before a label */
#define LEG_SWATCH 30.0
#define YLAB_X (MARGIN + ASCENT * FS + 1) /* baseline of the rotated y label */

static const char *const palette[] = { "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
				       "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
				       "#bcbd22", "#17becf" };
#define N_PALETTE (sizeof palette / sizeof *palette)
static const char *const dashes[] = { "", "6 3", "2 3", "8 3 2 3" };

/* --- text ---------------------------------------------------------------- */

static int streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* Length of the valid UTF-8 sequence at s (1 to 4), 0 when invalid. */
static size_t utf8_len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	size_t n;
	unsigned cp;
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff)
		return 0;
	return n;
}

/* Appends s escaped for XML text and attribute values. */
static void esc(struct bt_strbuf *o, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	while (*p) {
		size_t n = utf8_len(p);
		if (n == 0 || (*p < 0x20) || *p == 0x7f) {
			bt_strbuf_addc(o, '?');
			p++;
			continue;
		}
		switch (*p) {
		case '&': bt_strbuf_adds(o, "&amp;"); break;
		case '<': bt_strbuf_adds(o, "&lt;"); break;
		case '>': bt_strbuf_adds(o, "&gt;"); break;
		case '"': bt_strbuf_adds(o, "&quot;"); break;
		case '\'': bt_strbuf_adds(o, "&apos;"); break;
		default: bt_strbuf_add(o, (const char *)p, n);
		}
		p += n;
	}
}

/* A coordinate with two decimals, never "-0.00". */
static const char *num(double v, char buf[32])
{
	if (!isfinite(v))
		v = 0;
	double a = fabs(v);
	if (a < 1e8) {
		/* "%.2f" without printf when the rounding is clear */
		double x = a * 100, fl = floor(x), fr = x - fl;
		if (fabs(fr - 0.5) > 1e-6) {
			unsigned long long q = (unsigned long long)fl + (fr > 0.5);
			char tmp[32], *e = tmp + sizeof tmp, *p = e;
			*--e = '\0';
			p = e;
			*--p = (char)('0' + q % 10);
			q /= 10;
			*--p = (char)('0' + q % 10);
			q /= 10;
			*--p = '.';
			do {
				*--p = (char)('0' + q % 10);
				q /= 10;
			} while (q);
			int zero = strcmp(p, "0.00") == 0;
			if (v < 0 && !zero)
				*--p = '-';
			memcpy(buf, p, (size_t)(e - p) + 1);
			return buf;
		}
	}
	snprintf(buf, 32, "%.2f", v);
	if (strcmp(buf, "-0.00") == 0)
		strcpy(buf, "0.00");
	return buf;
}

static void slug(struct bt_strbuf *o, const char *s, int dots)
{
	for (const char *p = s ? s : ""; *p; p++) {
		char c = *p;
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			 (c >= '0' && c <= '9') || c == '_' || c == '-' ||
			 (dots && c == '.' && p != s);
		bt_strbuf_addc(o, ok ? c : '_');
	}
	if (!s || !*s)
		bt_strbuf_addc(o, '_');
}

/* <text> with x, y, optional extra attributes, escaped content. */
static void text(struct bt_strbuf *o, double x, double y, const char *cls,
		 const char *attrs, const char *s)
{
	char a[32], b[32];
	bt_strbuf_addf(o, "<text class=\"%s\" x=\"%s\" y=\"%s\"%s%s>", cls, num(x, a),
		       num(y, b), attrs ? " " : "", attrs ? attrs : "");
	esc(o, s);
	bt_strbuf_adds(o, "</text>\n");
}

static void line(struct bt_strbuf *o, const char *cls, double x1, double y1,
		 double x2, double y2, const char *style)
{
	char a[32], b[32], c[32], d[32];
	bt_strbuf_addf(o, "<line class=\"%s\" x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" %s/>\n",
		       cls, num(x1, a), num(y1, b), num(x2, c), num(y2, d), style);
}

double bt__text_width(const char *s, double px)
{
	double em = 0;
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	while (*p) {
		size_t n = utf8_len(p);
		unsigned char c = *p;
		if (n == 0 || c < 0x20 || c == 0x7f) {
			em += 0.64; /* written as '?' */
			p++;
			continue;
		}
		if (n > 1)
			em += 1.0;
		else if (strchr("ijlIJ.,:;'!|f/\\-()[]tr` ", c))
			em += 0.42;
		else if (strchr("mwMW@%&#+<=>^~", c))
			em += 1.0;
		else if (c >= 'A' && c <= 'Z')
			em += 0.8;
		else
			em += 0.64;
		p += n;
	}
	return em * px;
}

/* s when it is at most maxw wide at font size px, else its longest
 * prefix of whole UTF-8 sequences that is, with "…" appended (in tmp). */
static const char *fit(const char *s, double px, double maxw, struct bt_strbuf *tmp)
{
	static const char ell[] = "\xe2\x80\xa6";
	s = s ? s : "";
	if (bt__text_width(s, px) <= maxw)
		return s;
	double w = bt__text_width(ell, px);
	size_t i = 0;
	while (s[i]) {
		size_t n = utf8_len((const unsigned char *)s + i);
		char ch[5];
		n = n ? n : 1;
		memcpy(ch, s + i, n);
		ch[n] = '\0';
		double cw = bt__text_width(ch, px);
		if (w + cw > maxw)
			break;
		w += cw;
		i += n;
	}
	bt_strbuf_reset(tmp);
	bt_strbuf_add(tmp, s, i);
	bt_strbuf_adds(tmp, ell);
	return tmp->buf ? tmp->buf : "";
}

static void header(struct bt_strbuf *o, double w, double h, const char *title)
{
	char a[32], b[32];
	bt_strbuf_adds(o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	bt_strbuf_addf(o, "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
			  "width=\"%s\" height=\"%s\" viewBox=\"0 0 %s %s\" "
			  "font-family=\"sans-serif\" font-size=\"12\">\n",
		       num(w, a), num(h, b), a, b);
	bt_strbuf_adds(o, "<title>");
	esc(o, title);
	bt_strbuf_adds(o, "</title>\n");
	bt_strbuf_addf(o, "<rect class=\"background\" x=\"0\" y=\"0\" width=\"%s\" "
			  "height=\"%s\" fill=\"#ffffff\"/>\n", a, b);
	struct bt_strbuf t = BT_STRBUF_INIT;
	text(o, w / 2, 24, "title", "text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\"",
	     fit(title, TITLE_FS * BOLD, w - 2 * MARGIN, &t));
	bt_strbuf_release(&t);
}

/* --- axes ------------------------------------------------------------- */

static double tr(const struct bt__axis *a, double v)
{
	double t;
	if (a->log) {
		t = a->lhi > a->llo ? (log10(v) - a->llo) / (a->lhi - a->llo) : 0.5;
	} else {
		/* halves: hi - lo may overflow */
		double d = a->hi / 2 - a->lo / 2;
		t = d > 0 ? (v / 2 - a->lo / 2) / d : 0.5;
	}
	if (!isfinite(t))
		t = t > 0 ? 1 : 0;
	return a->p0 + t * (a->p1 - a->p0);
}

static int is_bytes(const char *unit)
{
	return unit && strcmp(unit, "B") == 0;
}

/* Candidate steps for a range of about 5 * raw (> 0), finest first: round
 * multiples of a power of 10, or for bytes of a power of 1024. Each is at
 * most 2.5 times the one before. Returns their count. */
static size_t steps(double raw, const char *unit, double out[16])
{
	static const double dec[] = { 0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10, 20, 25, 50, 100 };
	static const double bin[] = { 1, 2, 4, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2048 };
	const double *m = dec;
	size_t nm = sizeof dec / sizeof *dec, n = 0;
	double base;
	if (!(raw > 0) || !isfinite(raw))
		return 0;
	if (is_bytes(unit) && raw >= 1024) {
		base = pow(1024, floor(log(raw) / log(1024)));
		m = bin;
		nm = sizeof bin / sizeof *bin;
	} else if (is_bytes(unit) && raw < 1) {
		base = 1; /* whole bytes */
	} else {
		base = pow(10, floor(log10(raw)));
	}
	for (size_t i = 0; i < nm; i++) {
		double s = m[i] * base;
		if (s > 0 && isfinite(s))
			out[n++] = s;
	}
	return n;
}

static void set_ticks(struct bt__axis *a, const double *t, size_t n, size_t stride)
{
	a->n_ticks = 0;
	for (size_t i = 0; i < n && a->n_ticks < sizeof a->ticks / sizeof *a->ticks; i += stride)
		a->ticks[a->n_ticks++] = t[i];
}

static void linear_axis(struct bt__axis *a, double mn, double mx, int from_zero,
			const char *unit)
{
	int zero = from_zero && mn >= 0;
	if (zero)
		mn = 0;
	double big = fmax(fabs(mn), fabs(mx));
	if (!(mx / 2 - mn / 2 > big * 1e-9)) {
		/* one value, or values too close to tell apart */
		double d = big > 0 ? big / 2 : 1;
		mn = zero ? 0 : fmax(mn - d, -DBL_MAX);
		mx = fmin(mx + d, DBL_MAX);
	}
	double hr = mx / 2 - mn / 2, cs[16], step = 0, jlo = 0, jhi = 0;
	int stride = 1;
	size_t nc = steps(hr / 2.5, unit, cs);
	for (size_t i = 0; i < nc; i++) {
		double s = cs[i];
		double l = fmax(floor(mn / s), ceil(-DBL_MAX / s));
		double h = fmin(ceil(mx / s), floor(DBL_MAX / s));
		if (!(h >= l))
			continue;
		if (h - l + 1 < 4 && step > 0 && jhi - jlo + 1 > 6) {
			/* from more than 6 to fewer than 4 (where the double
			 * range ends): every other of the more */
			stride = 2;
			break;
		}
		step = s;
		jlo = l;
		jhi = h;
		if (h - l + 1 <= 6)
			break;
	}
	a->n_ticks = 0;
	if (step == 0) {
		a->lo = mn;
		a->hi = mx;
		a->ticks[a->n_ticks++] = mn;
		a->ticks[a->n_ticks++] = mx;
		a->tol = 0;
		return;
	}
	/* past the last round value where that would overflow */
	a->lo = fmin(fmax(jlo * step, -DBL_MAX), mn);
	a->hi = fmax(fmin(jhi * step, DBL_MAX), mx);
	if (!zero) {
		/* keep the points off the frame */
		a->lo = fmax(fmin(a->lo, mn - hr * 0.1), -DBL_MAX);
		a->hi = fmin(fmax(a->hi, mx + hr * 0.1), DBL_MAX);
	}
	for (int k = 0; k < 16 * stride && jlo + k <= jhi; k += stride) {
		double v = (jlo + k) * step;
		if (fabs(v) < step * 1e-9)
			v = 0;
		if (isfinite(v) && v >= a->lo && v <= a->hi &&
		    a->n_ticks < sizeof a->ticks / sizeof *a->ticks)
			a->ticks[a->n_ticks++] = v;
	}
	a->tol = step * 1e-6;
}

enum { LOG_DECADES, LOG_BINARY, LOG_125, LOG_13, LOG_LINEAR };
#define MAX_COUNT 1000.0

/* One candidate tick set of a log axis: writes up to max ticks into t and
 * returns how many there are in all (MAX_COUNT: at least that many).
 * k: the stride of LOG_DECADES (powers of 10) and LOG_BINARY (of 2). */
static double log_ticks(const struct bt__axis *a, int kind, double k, const char *unit,
			double *t, size_t max)
{
	double lo = a->llo, hi = a->lhi, count = 0;
	size_t n = 0;
	if (kind == LOG_DECADES || kind == LOG_BINARY) {
		double unit_l = kind == LOG_DECADES ? k : k * log10(2.0);
		double jl = ceil(lo / unit_l), jh = floor(hi / unit_l);
		if (jh < jl)
			return 0;
		count = fmin(jh - jl + 1, MAX_COUNT);
		for (double j = jl; j <= jh && n < max; j++) {
			double v = kind == LOG_DECADES ? pow(10, j * k) : ldexp(1, (int)(j * k));
			if (v > 0 && isfinite(v))
				t[n++] = v;
		}
		return count;
	}
	if (kind == LOG_125 || kind == LOG_13) {
		static const double m125[] = { 1, 2, 5 }, m13[] = { 1, 3 };
		const double *m = kind == LOG_125 ? m125 : m13;
		size_t nm = kind == LOG_125 ? 3 : 2;
		if (hi - lo > 8)
			return MAX_COUNT;
		for (double e = floor(lo); e <= ceil(hi); e++)
			for (size_t i = 0; i < nm; i++) {
				double v = m[i] * pow(10, e), lv = log10(v);
				if (!(v > 0) || !isfinite(v) || lv < lo || lv > hi)
					continue;
				if (n < max)
					t[n++] = v;
				count++;
			}
		return count;
	}
	/* LOG_LINEAR: round steps, for spans up to 1.5 decades of normal
	 * numbers */
	double vlo = pow(10, lo), vhi = fmin(pow(10, hi), DBL_MAX), cs[16];
	if (hi - lo > 1.5 || !(vlo >= DBL_MIN) || !(vhi > vlo))
		return 0;
	size_t nc = steps((vhi - vlo) / 5, unit, cs);
	double s = 0, jl = 0, jh = -1, stride = 1;
	for (size_t i = 0; i < nc; i++) {
		double l = fmax(ceil(vlo / cs[i]), 1), h = floor(vhi / cs[i]);
		if (h - l + 1 < 4 && jh - jl + 1 > 6) {
			/* from more than 6 to fewer than 4: every other of the
			 * more */
			stride = 2;
			break;
		}
		s = cs[i];
		jl = l;
		jh = h;
		if (jh - jl + 1 <= 6)
			break;
	}
	if (!(jh >= jl))
		return 0;
	count = fmin(floor((jh - jl) / stride) + 1, MAX_COUNT);
	for (double j = jl; j <= jh && n < max; j += stride)
		t[n++] = j * s;
	return count;
}

/* The stride after k (>= 2) of powers on a log axis: round ones (2, 3,
 * 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 75, 100...) and from
 * there on the next integer. */
static double next_stride(double k)
{
	static const double round[] = { 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60,
					75, 100, 120, 150, 200, 250, 300, 400, 500, 600, 750, 1000 };
	for (size_t i = 0; i < sizeof round / sizeof *round; i++)
		if (round[i] > k)
			return round[i];
	return k + 1;
}

void bt__axis_setup(struct bt__axis *a, double mn, double mx, int from_zero,
		    const double *data, size_t n_data, const char *unit)
{
	a->n_ticks = 0;
	a->tol = 0;
	if (!isfinite(mn) || !isfinite(mx) || mx < mn || (a->log && !(mn > 0))) {
		mn = 1;
		mx = 10;
	}
	if (!a->log) {
		linear_axis(a, mn, mx, from_zero, unit);
		return;
	}
	const double lmin = log10(DBL_TRUE_MIN), lmax = log10(DBL_MAX);
	double l0 = log10(mn), l1 = log10(mx);
	double pad = l1 > l0 ? (l1 - l0) * 0.05 : 0.3;
	a->llo = fmax(l0 - pad, lmin);
	a->lhi = fmin(l1 + pad, lmax);
	if (!(a->lhi > a->llo + 0.3)) {
		/* at an end of the double range: widen inwards */
		if (a->llo <= lmin)
			a->lhi = fmax(a->lhi, a->llo + 0.3);
		else
			a->llo = fmin(a->llo, a->lhi - 0.3);
	}
	a->lo = pow(10, a->llo);
	a->hi = fmin(pow(10, a->lhi), DBL_MAX);
	if (data && n_data >= 4) {
		/* the swept values, every k-th when there are more than 6 */
		set_ticks(a, data, n_data, (n_data + 5) / 6);
		return;
	}
	double t[64], over[64], under[64];
	double n_over = 0, n_under = 0;
	struct {
		int kind;
		double k;
	} order[8];
	size_t no = 0;
	if (is_bytes(unit)) {
		order[no].kind = LOG_BINARY, order[no++].k = 1;
		order[no].kind = LOG_LINEAR, order[no++].k = 0;
	} else {
		order[no].kind = LOG_DECADES, order[no++].k = 1;
		order[no].kind = LOG_125, order[no++].k = 0;
		order[no].kind = LOG_13, order[no++].k = 0;
		order[no].kind = LOG_LINEAR, order[no++].k = 0;
	}
	/* then wider strides of powers (of 2 for bytes, of 10 otherwise),
	 * until fewer than 4 */
	size_t strided = no;
	order[no].kind = is_bytes(unit) ? LOG_BINARY : LOG_DECADES;
	order[no++].k = 2;
	for (size_t i = 0; i < no; i++) {
		double k = order[i].k;
		for (;;) {
			double c = log_ticks(a, order[i].kind, k, unit, t, 64);
			size_t n = c < 64 ? (size_t)c : 64;
			if (c >= 4 && c <= 6) {
				set_ticks(a, t, n, 1);
				return;
			}
			if (c > 6 && c <= 64 && n_over == 0) {
				memcpy(over, t, n * sizeof *t);
				n_over = c;
			}
			if (c >= 1 && c < 4 && c > n_under) {
				memcpy(under, t, n * sizeof *t);
				n_under = c;
			}
			/* strides: the next, while there are more than 6;
			 * round ones first */
			if (i < strided || c <= 6 || k >= 2000)
				break;
			k = next_stride(k);
		}
	}
	if (n_over > 0) {
		size_t n = (size_t)n_over;
		set_ticks(a, over, n, (n + 5) / 6);
	} else if (n_under > 0) {
		set_ticks(a, under, (size_t)n_under, 1);
	} else {
		a->ticks[a->n_ticks++] = mn;
		if (mx > mn)
			a->ticks[a->n_ticks++] = mx;
	}
}

/* The number v as short as tells it apart (to within a->tol). */
static void plain_label(const struct bt__axis *a, double v, char *buf, size_t size)
{
	if (fabs(v) < 1e15 && v == floor(v)) {
		snprintf(buf, size, "%.0f", v);
		return;
	}
	for (int p = 1; p <= 17; p++) {
		snprintf(buf, size, "%.*g", p, v);
		if (fabs(strtod(buf, NULL) - v) <= fmax(a->tol, fabs(v) * 1e-12))
			return;
	}
}

void bt__axis_label(const struct bt__axis *a, size_t i, const char *unit, char *buf,
		    size_t size)
{
	char prev[BT_FORMAT_MAX], cur[BT_FORMAT_MAX];
	int same = 0;
	if (!unit || !*unit) {
		plain_label(a, a->ticks[i], buf, size);
		return;
	}
	for (size_t k = 0; k < a->n_ticks && !same; k++) {
		bt_format_quantity(a->ticks[k], unit, cur, sizeof cur);
		same = k && strcmp(cur, prev) == 0;
		memcpy(prev, cur, sizeof prev);
	}
	if (!same) {
		bt_format_quantity(a->ticks[i], unit, buf, size);
		return;
	}
	/* the units' 3 significant digits do not tell the ticks apart: the
	 * fewest digits that do, for all of them */
	for (int p = 3; p <= 17; p++) {
		same = 0;
		for (size_t k = 0; k < a->n_ticks && !same; k++) {
			snprintf(cur, sizeof cur, "%.*g", p, a->ticks[k]);
			same = k && strcmp(cur, prev) == 0;
			memcpy(prev, cur, sizeof prev);
		}
		if (!same || p == 17) {
			snprintf(buf, size, "%.*g %s", p, a->ticks[i], unit);
			return;
		}
	}
}

/* --- geometric sweeps ------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Sorted distinct finite values of v into out (n entries at most);
 * returns their count. */
static size_t distinct(const double *v, size_t n, double *out)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (isfinite(v[i]))
			out[k++] = v[i];
	qsort(out, k, sizeof *out, cmp_double);
	size_t m = 0;
	for (size_t i = 0; i < k; i++)
		if (m == 0 || out[i] != out[m - 1])
			out[m++] = out[i];
	return m;
}

int bt_svg_is_geometric(const double *v, size_t n)
{
	if (!v || n < 2)
		return 0;
	double *d = malloc(n * sizeof *d);
	if (!d)
		return 0;
	size_t m = distinct(v, n, d);
	int geo = m >= 2 && d[0] > 0;
	if (geo) {
		int all2 = 1;
		double lsum = 0;
		for (size_t i = 1; i < m; i++) {
			double r = d[i] / d[i - 1];
			all2 &= r >= 2 * (1 - 1e-9);
			lsum += log(r);
		}
		if (!all2) {
			double g = exp(lsum / (double)(m - 1));
			geo = g > 1.2;
			for (size_t i = 1; i < m && geo; i++) {
				double r = d[i] / d[i - 1];
				geo = r >= g / 1.1 && r <= g * 1.1;
			}
		}
	}
	free(d);
	return geo;
}

/* --- line charts ------------------------------------------------------ */

struct pt {
	double x, y;
};

static int cmp_pt(const void *a, const void *b)
{
	return cmp_double(&((const struct pt *)a)->x, &((const struct pt *)b)->x);
}

static int usable(double v, int log_axis)
{
	return isfinite(v) && (!log_axis || v > 0);
}

#define MAX_TICKS (sizeof ((struct bt__axis *)0)->ticks / sizeof (double))

/* x axis along the bottom, y axis along the left; labels as given (lx,
 * ly: one per tick), a label left out where it would touch the one
 * before. */
static void draw_axes(struct bt_strbuf *o, const struct bt__axis *x, const struct bt__axis *y,
		      const char *x_label, const char *y_label,
		      char lx[][BT_FORMAT_MAX], char ly[][BT_FORMAT_MAX])
{
	char a[32], b[32];
	struct bt_strbuf tmp = BT_STRBUF_INIT;
	double last = -INFINITY;
	bt_strbuf_addf(o, "<g class=\"axis x-axis\" data-scale=\"%s\">\n",
		       x->log ? "log" : "linear");
	line(o, "axis-line", x->p0, y->p0, x->p1, y->p0, "stroke=\"#333333\"");
	for (size_t i = 0; i < x->n_ticks; i++) {
		double px = tr(x, x->ticks[i]), w = bt__text_width(lx[i], FS);
		line(o, "grid", px, y->p0, px, y->p1, "stroke=\"#e5e5e5\"");
		line(o, "tick", px, y->p0, px, y->p0 + 5, "stroke=\"#333333\"");
		if (px - w / 2 < last + 6)
			continue;
		text(o, px, y->p0 + 18, "tick-label", "text-anchor=\"middle\"", lx[i]);
		last = px + w / 2;
	}
	text(o, (x->p0 + x->p1) / 2, y->p0 + 40, "axis-label", "text-anchor=\"middle\"",
	     fit(x_label, FS, x->p1 - x->p0, &tmp));
	bt_strbuf_adds(o, "</g>\n");
	bt_strbuf_addf(o, "<g class=\"axis y-axis\" data-scale=\"%s\">\n",
		       y->log ? "log" : "linear");
	line(o, "axis-line", x->p0, y->p0, x->p0, y->p1, "stroke=\"#333333\"");
	last = INFINITY;
	for (size_t i = 0; i < y->n_ticks; i++) {
		double py = tr(y, y->ticks[i]);
		line(o, "grid", x->p0, py, x->p1, py, "stroke=\"#e5e5e5\"");
		line(o, "tick", x->p0 - 5, py, x->p0, py, "stroke=\"#333333\"");
		if (py > last - FS - 2)
			continue;
		text(o, x->p0 - 8, py + 4, "tick-label", "text-anchor=\"end\"", ly[i]);
		last = py;
	}
	struct bt_strbuf t = BT_STRBUF_INIT;
	double cy = (y->p0 + y->p1) / 2;
	bt_strbuf_addf(&t, "text-anchor=\"middle\" transform=\"rotate(-90 %s %s)\"",
		       num(YLAB_X, a), num(cy, b));
	text(o, YLAB_X, cy, "axis-label", t.buf, fit(y_label, FS, y->p0 - y->p1 + 40, &tmp));
	bt_strbuf_release(&t);
	bt_strbuf_release(&tmp);
	bt_strbuf_adds(o, "</g>\n");
}

int bt_svg_line_chart(const struct bt_svg_line_chart *c, struct bt_strbuf *o)
{
	if (!c || !o || (c->n_series && !c->series))
		return BT_EINVAL;
	size_t total = 0;
	for (size_t s = 0; s < c->n_series; s++)
		total += c->series[s].n;
	double *xs = malloc((total ? total : 1) * sizeof *xs);
	double *xd = malloc((total ? total : 1) * sizeof *xd);
	struct pt *pts = malloc((total ? total : 1) * sizeof *pts);
	const char **names = malloc((c->n_series ? c->n_series : 1) * sizeof *names);
	struct bt_strbuf *fitted = calloc(c->n_series ? c->n_series : 1, sizeof *fitted);
	if (!xs || !xd || !pts || !names || !fitted) {
		free(xs);
		free(xd);
		free(pts);
		free(names);
		free(fitted);
		return BT_ENOMEM;
	}
	double xmn = INFINITY, xmx = -INFINITY, ymn = INFINITY, ymx = -INFINITY;
	size_t nx = 0;
	for (size_t s = 0; s < c->n_series; s++) {
		const struct bt_svg_series *se = &c->series[s];
		for (size_t i = 0; i < se->n; i++) {
			double x = se->x[i], y = se->y[i];
			if (!usable(x, c->x_log) || !usable(y, c->y_log))
				continue;
			xs[nx++] = x;
			xmn = fmin(xmn, x);
			xmx = fmax(xmx, x);
			ymn = fmin(ymn, y);
			ymx = fmax(ymx, y);
		}
	}
	if (nx == 0) {
		xmn = ymn = 1;
		xmx = ymx = 10;
	}
	size_t nd = distinct(xs, nx, xd);
	struct bt__axis x = { .log = c->x_log }, y = { .log = c->y_log };
	bt__axis_setup(&x, xmn, xmx, 0, c->x_log ? xd : NULL, nd, NULL);
	bt__axis_setup(&y, ymn, ymx, 1, NULL, 0, c->y_unit);

	/* the labels first: the margins follow from them */
	char lx[MAX_TICKS][BT_FORMAT_MAX], ly[MAX_TICKS][BT_FORMAT_MAX];
	double yw = 0, xw0 = 0, xw1 = 0, lw = 0;
	for (size_t i = 0; i < y.n_ticks; i++) {
		bt__axis_label(&y, i, c->y_unit, ly[i], sizeof ly[i]);
		yw = fmax(yw, bt__text_width(ly[i], FS));
	}
	for (size_t i = 0; i < x.n_ticks; i++)
		bt__axis_label(&x, i, NULL, lx[i], sizeof lx[i]);
	if (x.n_ticks) {
		xw0 = bt__text_width(lx[0], FS);
		xw1 = bt__text_width(lx[x.n_ticks - 1], FS);
	}
	for (size_t s = 0; s < c->n_series; s++)
		lw = fmax(lw, bt__text_width(c->series[s].name, FS));
	double pl = fmax(YLAB_X + DESCENT * FS + 6 + yw + 8, MARGIN + xw0 / 2);
	double gap = fmax(20, xw1 / 2 + 8); /* plot to legend */
	double w = LC_W, title_w = bt__text_width(c->title, TITLE_FS * BOLD) + 2 * MARGIN;
	double need = pl + PLOT_MIN_W + gap + LEG_SWATCH + lw + MARGIN;
	w = fmin(LC_W_MAX, fmax(w, fmax(need, title_w)));
	/* legend labels get what is left; longer ones are cut with "…" */
	double lmax = w - MARGIN - LEG_SWATCH - gap - PLOT_MIN_W - pl;
	lw = 0;
	for (size_t s = 0; s < c->n_series; s++) {
		bt_strbuf_init(&fitted[s]);
		names[s] = fit(c->series[s].name, FS, lmax, &fitted[s]);
		lw = fmax(lw, bt__text_width(names[s], FS));
	}
	double legend_x = w - MARGIN - lw - LEG_SWATCH;
	double h = fmax(LC_H, PT + 8 + LEG_ROW * (double)(c->n_series ? c->n_series - 1 : 0) +
				     4 + DESCENT * FS + MARGIN);
	x.p0 = pl;
	x.p1 = legend_x - gap;
	y.p0 = PB;
	y.p1 = PT;

	header(o, w, h, c->title);
	draw_axes(o, &x, &y, c->x_label, c->y_label, lx, ly);
	char a[32], b[32];
	for (size_t s = 0; s < c->n_series; s++) {
		const struct bt_svg_series *se = &c->series[s];
		size_t n = 0;
		for (size_t i = 0; i < se->n; i++)
			if (usable(se->x[i], c->x_log) && usable(se->y[i], c->y_log)) {
				pts[n].x = se->x[i];
				pts[n].y = se->y[i];
				n++;
			}
		if (n == 0)
			continue;
		qsort(pts, n, sizeof *pts, cmp_pt);
		const char *color = palette[s % N_PALETTE];
		const char *dash = dashes[(s / N_PALETTE) % (sizeof dashes / sizeof *dashes)];
		bt_strbuf_adds(o, "<g class=\"series\" data-series=\"");
		esc(o, se->name);
		bt_strbuf_addf(o, "\">\n<path class=\"series\" id=\"series-%zu-", s + 1);
		slug(o, se->name, 0);
		bt_strbuf_adds(o, "\" data-series=\"");
		esc(o, se->name);
		bt_strbuf_adds(o, "\" d=\"");
		for (size_t i = 0; i < n; i++) {
			bt_strbuf_adds(o, i ? " L" : "M");
			bt_strbuf_adds(o, num(tr(&x, pts[i].x), a));
			bt_strbuf_addc(o, ' ');
			bt_strbuf_adds(o, num(tr(&y, pts[i].y), b));
		}
		bt_strbuf_addf(o, "\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s%s%s/>\n",
			       color, *dash ? " stroke-dasharray=\"" : "", dash, *dash ? "\"" : "");
		for (size_t i = 0; i < n; i++) {
			bt_strbuf_adds(o, "<circle cx=\"");
			bt_strbuf_adds(o, num(tr(&x, pts[i].x), a));
			bt_strbuf_adds(o, "\" cy=\"");
			bt_strbuf_adds(o, num(tr(&y, pts[i].y), b));
			bt_strbuf_adds(o, "\" r=\"3\" fill=\"");
			bt_strbuf_adds(o, color);
			bt_strbuf_adds(o, "\"/>\n");
		}
		bt_strbuf_adds(o, "</g>\n");
	}
	bt_strbuf_adds(o, "<g class=\"legend\">\n");
	for (size_t s = 0; s < c->n_series; s++) {
		double lyy = PT + 8 + LEG_ROW * (double)s;
		const char *dash = dashes[(s / N_PALETTE) % (sizeof dashes / sizeof *dashes)];
		struct bt_strbuf st = BT_STRBUF_INIT;
		bt_strbuf_addf(&st, "stroke=\"%s\" stroke-width=\"2\"%s%s%s",
			       palette[s % N_PALETTE], *dash ? " stroke-dasharray=\"" : "",
			       dash, *dash ? "\"" : "");
		line(o, "swatch", legend_x, lyy, legend_x + 24, lyy, st.buf ? st.buf : "");
		bt_strbuf_release(&st);
		text(o, legend_x + LEG_SWATCH, lyy + 4, "legend-label", NULL, names[s]);
	}
	bt_strbuf_adds(o, "</g>\n</svg>\n");
	for (size_t s = 0; s < c->n_series; s++)
		bt_strbuf_release(&fitted[s]);
	free(fitted);
	free(names);
	free(xs);
	free(xd);
	free(pts);
	return o->buf ? 0 : BT_ENOMEM;
}

/* --- bar charts ------------------------------------------------------- */

#define BC_W 800.0      /* at least */
#define BC_PANEL 260.0  /* width of one panel's plot area */
#define BC_GAP 30.0     /* between the panels' labels */
#define BC_ROW 28.0
#define BC_TOP 80.0
#define BC_LABEL_MAX 600.0 /* variant names wider than this are cut */

struct panel {
	int mem;
	struct bt__axis ax;
	char lab[MAX_TICKS][BT_FORMAT_MAX];
	double pw;     /* width of the plot area: BC_PANEL, or what the tick
			  labels need */
	double lm, rm; /* room for labels left and right of the plot area */
};

static double bar_value(const struct bt_svg_bar_chart *c, const struct panel *p, size_t i)
{
	return p->mem ? c->bars[i].mem_change_pct : c->bars[i].speedup;
}

static void bar_label(const struct panel *p, double v, char *buf, size_t size)
{
	if (p->mem)
		bt_format_percent(v, 1, buf, size);
	else
		bt_format_ratio(v, buf, size);
}

/* The axis, tick labels and margins of a panel. */
static void panel_setup(const struct bt_svg_bar_chart *c, struct panel *p, int mem)
{
	double mn = 0, mx = mem ? 0 : 1;
	p->mem = mem;
	for (size_t i = 0; i < c->n_bars; i++) {
		double v = bar_value(c, p, i);
		if (!isfinite(v))
			continue;
		mn = fmin(mn, v);
		mx = fmax(mx, v);
	}
	if (mem && mn == 0 && mx == 0)
		mx = 1;
	memset(&p->ax, 0, sizeof p->ax);
	bt__axis_setup(&p->ax, mn, mx, 1, NULL, 0, NULL);
	double left = 0, right = 0;
	for (size_t i = 0; i < p->ax.n_ticks; i++) {
		if (mem)
			bt_format_percent(p->ax.ticks[i], 1, p->lab[i], sizeof p->lab[i]);
		else if (p->ax.ticks[i] == 0)
			snprintf(p->lab[i], sizeof p->lab[i], "0x");
		else
			bt_format_ratio(p->ax.ticks[i], p->lab[i], sizeof p->lab[i]);
	}
	for (size_t i = 1; i < p->ax.n_ticks; i++)
		if (strcmp(p->lab[i], p->lab[i - 1]) == 0) {
			/* too close for the format's digits */
			for (size_t k = 0; k < p->ax.n_ticks; k++) {
				char num_s[BT_FORMAT_MAX - 1];
				plain_label(&p->ax, p->ax.ticks[k], num_s, sizeof num_s);
				snprintf(p->lab[k], sizeof p->lab[k], "%s%s", num_s, mem ? "%" : "x");
			}
			break;
		}
	p->pw = BC_PANEL;
	for (size_t i = 0; i < p->ax.n_ticks; i++)
		p->pw = fmax(p->pw, (double)(p->ax.n_ticks - 1) *
					    (bt__text_width(p->lab[i], FS) + 8));
	if (p->ax.n_ticks) {
		left = bt__text_width(p->lab[0], FS) / 2;
		right = bt__text_width(p->lab[p->ax.n_ticks - 1], FS) / 2;
	}
	/* value labels: right of a bar >= 0, left of a negative one, "-"
	 * right of 0 for none */
	p->ax.p0 = 0;
	p->ax.p1 = p->pw;
	for (size_t i = 0; i < c->n_bars; i++) {
		char lab[BT_FORMAT_MAX];
		double v = bar_value(c, p, i), px;
		if (!isfinite(v)) {
			right = fmax(right, tr(&p->ax, 0) + 4 + bt__text_width("-", FS) - p->pw);
			continue;
		}
		bar_label(p, v, lab, sizeof lab);
		px = tr(&p->ax, v);
		if (v >= 0)
			right = fmax(right, px + 4 + bt__text_width(lab, FS) - p->pw);
		else
			left = fmax(left, 4 + bt__text_width(lab, FS) - px);
	}
	p->lm = left + 4;
	p->rm = right + 4;
}

static void panel(struct bt_strbuf *o, const struct bt_svg_bar_chart *c, struct panel *p,
		  double x0)
{
	struct bt__axis *ax = &p->ax;
	int mem = p->mem;
	ax->p0 = x0;
	ax->p1 = x0 + p->pw;
	double top = BC_TOP, bottom = BC_TOP + BC_ROW * (double)c->n_bars;
	char lab[BT_FORMAT_MAX], a[32], b[32], cc[32], d[32];
	bt_strbuf_addf(o, "<g class=\"axis x-axis %s\" data-scale=\"linear\">\n",
		       mem ? "memory" : "speedup");
	line(o, "axis-line", ax->p0, bottom, ax->p1, bottom, "stroke=\"#333333\"");
	double last = -INFINITY;
	for (size_t i = 0; i < ax->n_ticks; i++) {
		double px = tr(ax, ax->ticks[i]), w = bt__text_width(p->lab[i], FS);
		line(o, "grid", px, top, px, bottom, "stroke=\"#e5e5e5\"");
		line(o, "tick", px, bottom, px, bottom + 5, "stroke=\"#333333\"");
		if (px - w / 2 < last + 6)
			continue;
		text(o, px, bottom + 18, "tick-label", "text-anchor=\"middle\"", p->lab[i]);
		last = px + w / 2;
	}
	text(o, x0 + p->pw / 2, bottom + 40, "axis-label", "text-anchor=\"middle\"",
	     mem ? "peak memory change vs none" : "speedup vs none");
	bt_strbuf_adds(o, "</g>\n");
	/* reference: 1.00x, or 0% */
	double ref = tr(ax, mem ? 0 : 1);
	line(o, "reference", ref, top - 4, ref, bottom, "stroke=\"#333333\" stroke-dasharray=\"4 3\"");
	double zero = tr(ax, 0);
	for (size_t i = 0; i < c->n_bars; i++) {
		double v = bar_value(c, p, i);
		double ry = top + BC_ROW * (double)i + 5, h = BC_ROW - 10;
		if (!isfinite(v)) {
			text(o, zero + 4, ry + h - 4, "bar-label", NULL, "-");
			continue;
		}
		double px = tr(ax, v), left = fmin(px, zero), w = fabs(px - zero);
		const char *fill = mem ? (v > 0 ? "#d62728" : "#2ca02c")
				       : (v >= 1 ? "#2ca02c" : "#d62728");
		bt_strbuf_addf(o, "<rect class=\"bar %s\" data-variant=\"",
			       mem ? "memory" : "speedup");
		esc(o, c->bars[i].label);
		bt_strbuf_addf(o, "\" x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\" fill=\"%s\"/>\n",
			       num(left, a), num(ry, b), num(w, cc), num(h, d), fill);
		bar_label(p, v, lab, sizeof lab);
		int right = v >= 0;
		text(o, right ? px + 4 : px - 4, ry + h - 4, "bar-label",
		     right ? NULL : "text-anchor=\"end\"", lab);
	}
}

int bt_svg_bar_chart(const struct bt_svg_bar_chart *c, struct bt_strbuf *o)
{
	if (!c || !o || (c->n_bars && !c->bars))
		return BT_EINVAL;
	struct panel *p = malloc(2 * sizeof *p);
	struct bt_strbuf tmp = BT_STRBUF_INIT;
	if (!p)
		return BT_ENOMEM;
	panel_setup(c, &p[0], 0);
	panel_setup(c, &p[1], 1);
	double lw = bt__text_width("variant", FS);
	for (size_t i = 0; i < c->n_bars; i++)
		lw = fmax(lw, fmin(BC_LABEL_MAX, bt__text_width(c->bars[i].label, FS)));
	double label_x = MARGIN + lw; /* variant names end here */
	double x0 = label_x + 10 + p[0].lm;
	double x1 = x0 + p[0].pw + p[0].rm + BC_GAP + p[1].lm;
	double w = x1 + p[1].pw + p[1].rm + MARGIN;
	double title_w = bt__text_width(c->title, TITLE_FS * BOLD) + 2 * MARGIN;
	double sub_w = c->subtitle ? bt__text_width(c->subtitle, FS) + 2 * MARGIN : 0;
	w = fmin(LC_W_MAX, fmax(BC_W, fmax(w, fmax(title_w, sub_w))));
	double h = BC_TOP + BC_ROW * (double)c->n_bars + 60;
	header(o, w, h, c->title);
	if (c->subtitle)
		text(o, w / 2, 44, "subtitle", "text-anchor=\"middle\" fill=\"#555555\"",
		     fit(c->subtitle, FS, w - 2 * MARGIN, &tmp));
	text(o, x0 + p[0].pw / 2, BC_TOP - 12, "panel-title",
	     "text-anchor=\"middle\" font-weight=\"bold\"", "speedup");
	text(o, x1 + p[1].pw / 2, BC_TOP - 12, "panel-title",
	     "text-anchor=\"middle\" font-weight=\"bold\"", "memory change");
	bt_strbuf_adds(o, "<g class=\"axis y-axis\" data-scale=\"band\">\n");
	for (size_t i = 0; i < c->n_bars; i++)
		text(o, label_x, BC_TOP + BC_ROW * (double)i + BC_ROW / 2 + 4, "tick-label",
		     "text-anchor=\"end\"", fit(c->bars[i].label, FS, BC_LABEL_MAX, &tmp));
	text(o, MARGIN, BC_TOP - 12, "axis-label", NULL, "variant");
	bt_strbuf_adds(o, "</g>\n");
	panel(o, c, &p[0], x0);
	panel(o, c, &p[1], x1);
	bt_strbuf_adds(o, "</svg>\n");
	bt_strbuf_release(&tmp);
	free(p);
	return o->buf ? 0 : BT_ENOMEM;
}

/* --- charts of a run -------------------------------------------------- */

struct builder {
	const struct bt_run *run;
	const char *metric;
	struct bt_charts *c;
	size_t alloc;
	int oom;
};

static const char *gkey(const struct bt_result *r)
{
	return r->group ? r->group : r->name ? r->name : "";
}

static const char *variant_of(const struct bt_result *r)
{
	return r->variant ? r->variant : "default";
}

static const char *param_of(const struct bt_result *r, const char *key)
{
	for (size_t i = 0; i < r->n_params; i++)
		if (streq(r->params[i].key, key))
			return r->params[i].value;
	return NULL;
}

static int parse_num(const char *s, double *v)
{
	char *end;
	if (!s || !*s)
		return 0;
	*v = strtod(s, &end);
	return !*end && isfinite(*v);
}

static const char *adup(struct builder *b, const char *s)
{
	char *p = bt__arena_strdup(b->c->arena, s ? s : "");
	if (!p)
		b->oom = 1;
	return p ? p : "";
}

/* A unique file name "BASE-SUFFIX.svg". */
static const char *file_name(struct builder *b, const char *base, const char *suffix)
{
	struct bt_strbuf s = BT_STRBUF_INIT;
	for (int k = 1;; k++) {
		bt_strbuf_reset(&s);
		slug(&s, base, 1);
		bt_strbuf_addf(&s, "-%s", suffix);
		if (k > 1)
			bt_strbuf_addf(&s, "-%d", k);
		bt_strbuf_adds(&s, ".svg");
		if (!s.buf) {
			b->oom = 1;
			return "";
		}
		int taken = 0;
		for (size_t i = 0; i < b->c->n && !taken; i++)
			taken = strcmp(b->c->items[i].file, s.buf) == 0;
		if (!taken)
			break;
	}
	const char *r = adup(b, s.buf);
	bt_strbuf_release(&s);
	return r;
}

static void push(struct builder *b, const struct bt_chart *ch, struct bt_strbuf *svg)
{
	if (!svg->buf) {
		b->oom = 1;
		return;
	}
	if (b->c->n == b->alloc) {
		size_t cap = b->alloc ? b->alloc * 2 : 8;
		struct bt_chart *p = bt__arena_alloc(b->c->arena, cap * sizeof *p);
		if (!p) {
			b->oom = 1;
			return;
		}
		if (b->c->n)
			memcpy(p, b->c->items, b->c->n * sizeof *p);
		b->c->items = p;
		b->alloc = cap;
	}
	struct bt_chart x = *ch;
	char *d = bt__arena_alloc(b->c->arena, svg->len + 1);
	if (!d) {
		b->oom = 1;
		return;
	}
	memcpy(d, svg->buf, svg->len + 1);
	x.svg = d;
	x.svg_len = svg->len;
	b->c->items[b->c->n++] = x;
}

static double metric_median(const struct bt_result *r, const char *metric,
			    const struct bt_metric **mp)
{
	const struct bt_metric *m = bt_result_metric(r, metric);
	if (mp)
		*mp = m;
	if (r->status != BT_STATUS_OK || !m || m->stats.n == 0)
		return NAN;
	return m->stats.median;
}

/* The swept axis of the results idx[0..n): NULL when none. */
static const char *swept_axis(const struct bt_run *run, const size_t *idx, size_t n)
{
	const char *best = NULL;
	size_t best_n = 1;
	double *v = malloc((n ? n : 1) * sizeof *v), *d = malloc((n ? n : 1) * sizeof *d);
	if (!v || !d) {
		free(v);
		free(d);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		const struct bt_result *r = &run->results[idx[i]];
		for (size_t k = 0; k < r->n_params; k++) {
			const char *key = r->params[k].key;
			int seen = 0; /* axis handled already */
			for (size_t j = 0; j < i && !seen; j++)
				seen = param_of(&run->results[idx[j]], key) != NULL;
			for (size_t q = 0; q < k && !seen; q++)
				seen = streq(r->params[q].key, key);
			if (seen)
				continue;
			size_t m = 0;
			int numeric = 1;
			for (size_t j = 0; j < n && numeric; j++)
				numeric = parse_num(param_of(&run->results[idx[j]], key), &v[m++]);
			if (!numeric)
				continue;
			size_t nd = distinct(v, m, d);
			if (nd > best_n || (nd == best_n && best && nd > 1 && strcmp(key, best) < 0)) {
				best = key;
				best_n = nd;
			}
		}
	}
	free(v);
	free(d);
	return best;
}

struct series_def {
	size_t first;      /* result that opened it */
	struct bt_strbuf name;
	double *x, *y;
	size_t n;
};

/* Same series: name, variant and params other than axis. */
static int same_series(const struct bt_result *a, const struct bt_result *b,
		       const char *axis)
{
	if (!streq(a->name, b->name) || !streq(variant_of(a), variant_of(b)) ||
	    a->n_params != b->n_params)
		return 0;
	for (size_t i = 0; i < a->n_params; i++)
		if (!streq(a->params[i].key, axis) &&
		    !streq(param_of(b, a->params[i].key), a->params[i].value))
			return 0;
	return 1;
}

enum yval { Y_TIME, Y_THROUGHPUT, Y_MEMORY };

static double y_of(const struct builder *b, const struct bt_result *r, enum yval k)
{
	if (r->status != BT_STATUS_OK)
		return NAN;
	switch (k) {
	case Y_TIME: return metric_median(r, b->metric, NULL);
	case Y_THROUGHPUT: return r->throughput.unit ? r->throughput.value : NAN;
	case Y_MEMORY: return r->peak_memory_bytes >= 0 ? (double)r->peak_memory_bytes : NAN;
	}
	return NAN;
}

static void line_charts(struct builder *b, const char *group, const size_t *idx,
			size_t n)
{
	const struct bt_run *run = b->run;
	const char *axis = swept_axis(run, idx, n);
	if (!axis)
		return;
	/* series: by first appearance */
	struct series_def *sd = calloc(n, sizeof *sd);
	size_t *sid = calloc(n, sizeof *sid);
	double *ax = calloc(n, sizeof *ax);
	struct bt_svg_series *ss = calloc(n, sizeof *ss);
	double *yv = calloc(n, sizeof *yv);
	if (!sd || !sid || !ax || !ss || !yv) {
		b->oom = 1;
		goto out;
	}
	size_t ns = 0;
	int other_vary = 0;
	for (size_t i = 0; i < n; i++) {
		const struct bt_result *r = &run->results[idx[i]];
		parse_num(param_of(r, axis), &ax[i]);
		size_t s;
		for (s = 0; s < ns; s++)
			if (same_series(&run->results[sd[s].first], r, axis))
				break;
		if (s == ns)
			sd[ns++].first = idx[i];
		sid[i] = s;
		const struct bt_result *r0 = &run->results[idx[0]];
		for (size_t k = 0; k < r->n_params; k++)
			if (!streq(r->params[k].key, axis) &&
			    !streq(param_of(r0, r->params[k].key), r->params[k].value))
				other_vary = 1;
		if (r->n_params != r0->n_params)
			other_vary = 1;
	}
	for (size_t s = 0; s < ns; s++) {
		const struct bt_result *r = &run->results[sd[s].first];
		int variants = 0; /* the benchmark ran several variants */
		for (size_t i = 0; i < n && !variants; i++) {
			const struct bt_result *o = &run->results[idx[i]];
			variants = streq(o->name, r->name) &&
				   !streq(variant_of(o), variant_of(r));
		}
		bt_strbuf_adds(&sd[s].name, r->name ? r->name : "");
		if (variants)
			bt_strbuf_addf(&sd[s].name, ":%s", variant_of(r));
		if (other_vary)
			for (size_t k = 0; k < r->n_params; k++)
				if (!streq(r->params[k].key, axis))
					bt_strbuf_addf(&sd[s].name, " %s=%s", r->params[k].key,
						       r->params[k].value ? r->params[k].value : "");
		if (!sd[s].name.buf)
			b->oom = 1;
	}
	int geo = bt_svg_is_geometric(ax, n);
	static const struct {
		enum yval k;
		enum bt_chart_kind kind;
		const char *suffix, *what;
	} kinds[] = { { Y_TIME, BT_CHART_TIME, "time", NULL },
		      { Y_THROUGHPUT, BT_CHART_THROUGHPUT, "throughput", "throughput" },
		      { Y_MEMORY, BT_CHART_MEMORY, "memory", "peak memory" } };
	for (size_t k = 0; k < 3 && !b->oom; k++) {
		const char *unit = NULL;
		int any = 0, pos = 1;
		for (size_t i = 0; i < n; i++) {
			const struct bt_result *r = &run->results[idx[i]];
			yv[i] = y_of(b, r, kinds[k].k);
			if (kinds[k].k == Y_TIME) {
				const struct bt_metric *m = bt_result_metric(r, b->metric);
				if (m && !unit)
					unit = m->unit;
			} else if (kinds[k].k == Y_THROUGHPUT) {
				if (r->throughput.unit && !unit)
					unit = r->throughput.unit;
			} else {
				unit = "B";
			}
			if (isfinite(yv[i])) {
				any = 1;
				pos &= yv[i] > 0;
			}
		}
		if (!any)
			continue;
		for (size_t s = 0; s < ns; s++) {
			sd[s].n = 0;
			free(sd[s].x);
			free(sd[s].y);
			sd[s].x = malloc(n * sizeof(double));
			sd[s].y = malloc(n * sizeof(double));
			if (!sd[s].x || !sd[s].y) {
				b->oom = 1;
				goto out;
			}
		}
		for (size_t i = 0; i < n; i++) {
			struct series_def *d = &sd[sid[i]];
			d->x[d->n] = ax[i];
			d->y[d->n] = yv[i];
			d->n++;
		}
		for (size_t s = 0; s < ns; s++) {
			ss[s].name = bt_strbuf_str(&sd[s].name);
			ss[s].x = sd[s].x;
			ss[s].y = sd[s].y;
			ss[s].n = sd[s].n;
		}
		struct bt_strbuf title = BT_STRBUF_INIT, ylab = BT_STRBUF_INIT,
				 svg = BT_STRBUF_INIT;
		if (kinds[k].k == Y_TIME) {
			if (streq(b->metric, "time"))
				bt_strbuf_adds(&ylab, "median time per op");
			else
				bt_strbuf_addf(&ylab, "median %s", b->metric ? b->metric : "value");
		} else {
			bt_strbuf_adds(&ylab, kinds[k].what);
		}
		if (unit && *unit)
			bt_strbuf_addf(&ylab, " (%s)", unit);
		bt_strbuf_addf(&title, "%s: %s vs %s", group,
			       kinds[k].k == Y_TIME ? (streq(b->metric, "time") ? "median time"
									 : b->metric)
						    : kinds[k].what,
			       axis);
		struct bt_svg_line_chart lc = {
			.title = bt_strbuf_str(&title),
			.x_label = geo ? NULL : axis,
			.y_label = bt_strbuf_str(&ylab),
			.y_unit = unit,
			.x_log = geo,
			.y_log = geo && pos,
			.series = ss,
			.n_series = ns,
		};
		struct bt_strbuf xl = BT_STRBUF_INIT;
		bt_strbuf_addf(&xl, "%s%s", axis, geo ? " (log scale)" : "");
		lc.x_label = bt_strbuf_str(&xl);
		if (bt_svg_line_chart(&lc, &svg))
			b->oom = 1;
		size_t drawn = 0;
		for (size_t s = 0; s < ns; s++)
			for (size_t i = 0; i < ss[s].n; i++)
				if (usable(ss[s].x[i], lc.x_log) && usable(ss[s].y[i], lc.y_log)) {
					drawn++;
					break;
				}
		struct bt_chart ch = { .kind = kinds[k].kind, .group = adup(b, group),
				       .file = file_name(b, group, kinds[k].suffix),
				       .title = adup(b, bt_strbuf_str(&title)),
				       .n_series = drawn };
		if (!b->oom)
			push(b, &ch, &svg);
		bt_strbuf_release(&title);
		bt_strbuf_release(&ylab);
		bt_strbuf_release(&xl);
		bt_strbuf_release(&svg);
	}
out:
	if (sd)
		for (size_t s = 0; s < n; s++) {
			bt_strbuf_release(&sd[s].name);
			free(sd[s].x);
			free(sd[s].y);
		}
	free(sd);
	free(sid);
	free(ax);
	free(ss);
	free(yv);
}

/* Same params (all keys). */
static int same_params(const struct bt_result *a, const struct bt_result *b)
{
	if (a->n_params != b->n_params)
		return 0;
	for (size_t i = 0; i < a->n_params; i++)
		if (!streq(param_of(b, a->params[i].key), a->params[i].value))
			return 0;
	return 1;
}

static void ablation_chart(struct builder *b, const char *group, const char *bench)
{
	const struct bt_run *run = b->run;
	size_t n = run->n_results;
	struct bt_svg_bar *bars = calloc(n ? n : 1, sizeof *bars);
	if (!bars) {
		b->oom = 1;
		return;
	}
	size_t nb = 0, n_params = 0;
	int higher = 0;
	for (size_t i = 0; i < n; i++) {
		const struct bt_result *r = &run->results[i];
		if (!streq(r->name, bench) || !streq(gkey(r), group))
			continue;
		if (streq(variant_of(r), "none")) {
			n_params++;
			continue;
		}
		int seen = 0;
		for (size_t k = 0; k < nb && !seen; k++)
			seen = streq(bars[k].label, variant_of(r));
		if (seen)
			continue;
		/* this variant over all parameter values */
		double lsum = 0, msum = 0;
		size_t ln = 0, mn = 0;
		for (size_t j = i; j < n; j++) {
			const struct bt_result *v = &run->results[j];
			if (!streq(v->name, bench) || !streq(gkey(v), group) ||
			    !streq(variant_of(v), variant_of(r)) || v->status != BT_STATUS_OK)
				continue;
			for (size_t q = 0; q < n; q++) {
				const struct bt_result *z = &run->results[q];
				if (!streq(z->name, bench) || !streq(gkey(z), group) ||
				    !streq(variant_of(z), "none") || !same_params(z, v))
					continue;
				if (z->status != BT_STATUS_OK)
					break;
				const struct bt_metric *m;
				double mv = metric_median(v, b->metric, &m), mz = metric_median(z, b->metric, NULL);
				if (m && m->direction == BT_HIGHER_IS_BETTER)
					higher = 1;
				if (mv > 0 && mz > 0 && isfinite(mv) && isfinite(mz)) {
					lsum += log(higher ? mv / mz : mz / mv);
					ln++;
				}
				if (v->peak_memory_bytes > 0 && z->peak_memory_bytes > 0) {
					msum += ((double)v->peak_memory_bytes - (double)z->peak_memory_bytes) /
						(double)z->peak_memory_bytes * 100;
					mn++;
				}
				break;
			}
		}
		bars[nb].label = variant_of(r);
		bars[nb].speedup = ln ? exp(lsum / (double)ln) : NAN;
		bars[nb].mem_change_pct = mn ? msum / (double)mn : NAN;
		nb++;
	}
	if (nb) {
		struct bt_strbuf title = BT_STRBUF_INIT, sub = BT_STRBUF_INIT, svg = BT_STRBUF_INIT;
		bt_strbuf_addf(&title, "%s: ablation of %s vs none", group, bench);
		bt_strbuf_addf(&sub, "%s over %zu parameter value%s where both ran ok",
			       n_params > 1 ? "geometric mean of the speedup, mean memory change"
					    : "speedup and memory change",
			       n_params, n_params == 1 ? "" : "s");
		struct bt_svg_bar_chart bc = { bt_strbuf_str(&title), bt_strbuf_str(&sub), bars, nb };
		if (bt_svg_bar_chart(&bc, &svg))
			b->oom = 1;
		struct bt_chart ch = { .kind = BT_CHART_ABLATION, .group = adup(b, group),
				       .benchmark = adup(b, bench),
				       .file = file_name(b, bench, "ablation"),
				       .title = adup(b, bt_strbuf_str(&title)), .n_series = nb };
		if (!b->oom)
			push(b, &ch, &svg);
		bt_strbuf_release(&title);
		bt_strbuf_release(&sub);
		bt_strbuf_release(&svg);
	}
	free(bars);
}

int bt_report_charts(const struct bt_run *run, const struct bt_table_opts *opts,
		     struct bt_charts *out, struct bt_strbuf *err)
{
	if (!out)
		return bt_error(err, BT_EINVAL, "charts: no output");
	memset(out, 0, sizeof *out);
	if (!run)
		return bt_error(err, BT_EINVAL, "charts: no run");
	out->arena = bt__arena_new();
	size_t *idx = malloc((run->n_results ? run->n_results : 1) * sizeof *idx);
	struct builder b = { run, opts && opts->metric ? opts->metric : "time", out, 0, 0 };
	if (!out->arena || !idx) {
		free(idx);
		bt_charts_release(out);
		return bt_error(err, BT_ENOMEM, "charts: out of memory");
	}
	for (size_t g = 0; g < run->n_results && !b.oom; g++) {
		const char *group = gkey(&run->results[g]);
		int seen = 0;
		for (size_t k = 0; k < g && !seen; k++)
			seen = streq(gkey(&run->results[k]), group);
		if (seen)
			continue;
		size_t n = 0;
		for (size_t i = g; i < run->n_results; i++)
			if (streq(gkey(&run->results[i]), group))
				idx[n++] = i;
		line_charts(&b, group, idx, n);
		/* ablation benchmarks of the group, in run order */
		for (size_t i = 0; i < n && !b.oom; i++) {
			const struct bt_result *r = &run->results[idx[i]];
			if (!streq(variant_of(r), "none"))
				continue;
			int done = 0;
			for (size_t j = 0; j < i && !done; j++)
				done = streq(run->results[idx[j]].name, r->name) &&
				       streq(variant_of(&run->results[idx[j]]), "none");
			if (!done)
				ablation_chart(&b, group, r->name ? r->name : "");
		}
	}
	free(idx);
	if (b.oom) {
		bt_charts_release(out);
		return bt_error(err, BT_ENOMEM, "charts: out of memory");
	}
	return 0;
}

void bt_charts_release(struct bt_charts *c)
{
	if (!c)
		return;
	bt__arena_free(c->arena);
	memset(c, 0, sizeof *c);
}
