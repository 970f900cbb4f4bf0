/* SVG plots of a run: line charts along a swept parameter and ablation
 * bar charts. Contracts in include/benchtrack/report.h ("SVG plots"). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchtrack/error.h"
#include "benchtrack/report.h"
#include "internal.h"

/* --- geometry ------------------------------------------------------------ */

#define LC_W 880.0 /* line chart */
#define LC_H 420.0
#define PL 90.0    /* plot area */
#define PR 570.0
#define PT 50.0
#define PB 350.0
#define LEGEND_X 590.0

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
	text(o, w / 2, 24, "title", "text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\"",
	     title);
}

/* --- axes ------------------------------------------------------------- */

struct axis {
	int log;
	double lo, hi;    /* domain (data units) */
	double p0, p1;    /* pixel range */
	double ticks[64];
	size_t n_ticks;
};

static double tr(const struct axis *a, double v)
{
	double t;
	if (a->log)
		t = (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo));
	else
		t = (v - a->lo) / (a->hi - a->lo);
	return a->p0 + t * (a->p1 - a->p0);
}

static double nice_step(double range, int target)
{
	double raw = range / target, mag = pow(10, floor(log10(raw))), f = raw / mag;
	double step = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
	return step * mag;
}

/* Domain and ticks of an axis holding values in [mn, mx] (finite, > 0 when
 * log). data/n_data: the distinct values for value ticks (or NULL). */
static void axis_setup(struct axis *a, double mn, double mx, int from_zero,
		       const double *data, size_t n_data)
{
	a->n_ticks = 0;
	if (a->log) {
		double l0 = log10(mn), l1 = log10(mx);
		double pad = l1 > l0 ? (l1 - l0) * 0.05 : 0.3;
		a->lo = pow(10, l0 - pad);
		a->hi = pow(10, l1 + pad);
		if (data && n_data >= 2 && n_data <= 12) {
			for (size_t i = 0; i < n_data; i++)
				a->ticks[a->n_ticks++] = data[i];
			return;
		}
		static const double mult[][3] = { { 1, 0, 0 }, { 1, 2, 5 } };
		for (int m = 0; m < 2; m++) {
			a->n_ticks = 0;
			for (int e = (int)floor(log10(a->lo)); e <= (int)ceil(log10(a->hi)); e++)
				for (int k = 0; k < 3; k++) {
					if (mult[m][k] == 0)
						continue;
					double v = mult[m][k] * pow(10, e);
					if (v >= a->lo && v <= a->hi && a->n_ticks < 64)
						a->ticks[a->n_ticks++] = v;
				}
			if (a->n_ticks >= 3)
				return;
		}
		if (a->n_ticks < 2) {
			a->n_ticks = 0;
			a->ticks[a->n_ticks++] = mn;
			if (mx > mn)
				a->ticks[a->n_ticks++] = mx;
		}
		return;
	}
	if (from_zero && mn >= 0)
		mn = 0;
	if (mx <= mn) {
		double d = mn != 0 ? fabs(mn) * 0.5 : 1;
		mn -= d;
		mx += d;
		if (from_zero && mn < 0 && mx - d >= 0)
			mn = 0;
	}
	double step = nice_step(mx - mn, 5);
	a->lo = floor(mn / step) * step;
	a->hi = ceil(mx / step) * step;
	if (!from_zero) {
		/* keep the points off the frame */
		a->lo = fmin(a->lo, mn - (mx - mn) * 0.05);
		a->hi = fmax(a->hi, mx + (mx - mn) * 0.05);
	}
	for (double v = ceil(a->lo / step) * step; v <= a->hi + step * 1e-9 && a->n_ticks < 64;
	     v += step)
		a->ticks[a->n_ticks++] = fabs(v) < step * 1e-9 ? 0 : v;
}

static void tick_label(double v, const char *unit, char *buf, size_t size)
{
	if (unit && *unit) {
		bt_format_quantity(v, unit, buf, size);
		return;
	}
	if (fabs(v) < 1e15 && v == floor(v))
		snprintf(buf, size, "%.0f", v);
	else
		snprintf(buf, size, "%g", v);
}

/* x axis along the bottom, y axis along the left. */
static void draw_axes(struct bt_strbuf *o, const struct axis *x, const struct axis *y,
		      const char *x_label, const char *y_label, const char *x_unit,
		      const char *y_unit)
{
	char lab[BT_FORMAT_MAX], a[32], b[32];
	bt_strbuf_addf(o, "<g class=\"axis x-axis\" data-scale=\"%s\">\n",
		       x->log ? "log" : "linear");
	line(o, "axis-line", x->p0, y->p0, x->p1, y->p0, "stroke=\"#333333\"");
	for (size_t i = 0; i < x->n_ticks; i++) {
		double px = tr(x, x->ticks[i]);
		line(o, "grid", px, y->p0, px, y->p1, "stroke=\"#e5e5e5\"");
		line(o, "tick", px, y->p0, px, y->p0 + 5, "stroke=\"#333333\"");
		tick_label(x->ticks[i], x_unit, lab, sizeof lab);
		text(o, px, y->p0 + 18, "tick-label", "text-anchor=\"middle\"", lab);
	}
	text(o, (x->p0 + x->p1) / 2, y->p0 + 40, "axis-label", "text-anchor=\"middle\"",
	     x_label);
	bt_strbuf_adds(o, "</g>\n");
	bt_strbuf_addf(o, "<g class=\"axis y-axis\" data-scale=\"%s\">\n",
		       y->log ? "log" : "linear");
	line(o, "axis-line", x->p0, y->p0, x->p0, y->p1, "stroke=\"#333333\"");
	for (size_t i = 0; i < y->n_ticks; i++) {
		double py = tr(y, y->ticks[i]);
		line(o, "grid", x->p0, py, x->p1, py, "stroke=\"#e5e5e5\"");
		line(o, "tick", x->p0 - 5, py, x->p0, py, "stroke=\"#333333\"");
		tick_label(y->ticks[i], y_unit, lab, sizeof lab);
		text(o, x->p0 - 8, py + 4, "tick-label", "text-anchor=\"end\"", lab);
	}
	struct bt_strbuf t = BT_STRBUF_INIT;
	bt_strbuf_addf(&t, "text-anchor=\"middle\" transform=\"rotate(-90 %s %s)\"",
		       num(18, a), num((y->p0 + y->p1) / 2, b));
	text(o, 18, (y->p0 + y->p1) / 2, "axis-label", t.buf, y_label);
	bt_strbuf_release(&t);
	bt_strbuf_adds(o, "</g>\n");
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
	if (!xs || !xd || !pts) {
		free(xs);
		free(xd);
		free(pts);
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
	struct axis x = { .log = c->x_log, .p0 = PL, .p1 = PR };
	struct axis y = { .log = c->y_log, .p0 = PB, .p1 = PT };
	axis_setup(&x, xmn, xmx, 0, c->x_log ? xd : NULL, nd);
	axis_setup(&y, ymn, ymx, 1, NULL, 0);

	header(o, LC_W, LC_H, c->title);
	draw_axes(o, &x, &y, c->x_label, c->y_label, NULL, c->y_unit);
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
		double ly = PT + 8 + 18.0 * (double)s;
		const char *dash = dashes[(s / N_PALETTE) % (sizeof dashes / sizeof *dashes)];
		struct bt_strbuf st = BT_STRBUF_INIT;
		bt_strbuf_addf(&st, "stroke=\"%s\" stroke-width=\"2\"%s%s%s",
			       palette[s % N_PALETTE], *dash ? " stroke-dasharray=\"" : "",
			       dash, *dash ? "\"" : "");
		line(o, "swatch", LEGEND_X, ly, LEGEND_X + 24, ly, st.buf ? st.buf : "");
		bt_strbuf_release(&st);
		text(o, LEGEND_X + 30, ly + 4, "legend-label", NULL, c->series[s].name);
	}
	bt_strbuf_adds(o, "</g>\n</svg>\n");
	free(xs);
	free(xd);
	free(pts);
	return o->buf ? 0 : BT_ENOMEM;
}

/* --- bar charts ------------------------------------------------------- */

#define BC_W 800.0
#define BC_LABEL 200.0  /* left column: variant names */
#define BC_PANEL 260.0  /* width of one panel's plot area */
#define BC_GAP 60.0
#define BC_ROW 28.0
#define BC_TOP 80.0

static void panel(struct bt_strbuf *o, const struct bt_svg_bar_chart *c, int mem,
		  double x0)
{
	double mn = 0, mx = mem ? 0 : 1;
	for (size_t i = 0; i < c->n_bars; i++) {
		double v = mem ? c->bars[i].mem_change_pct : c->bars[i].speedup;
		if (!isfinite(v))
			continue;
		mn = fmin(mn, v);
		mx = fmax(mx, v);
	}
	if (mem && mn == 0 && mx == 0)
		mx = 1;
	struct axis ax = { .log = 0, .p0 = x0, .p1 = x0 + BC_PANEL };
	axis_setup(&ax, mn, mx, 1, NULL, 0);
	double top = BC_TOP, bottom = BC_TOP + BC_ROW * (double)c->n_bars;
	char lab[BT_FORMAT_MAX], a[32], b[32], cc[32], d[32];
	bt_strbuf_addf(o, "<g class=\"axis x-axis %s\" data-scale=\"linear\">\n",
		       mem ? "memory" : "speedup");
	line(o, "axis-line", ax.p0, bottom, ax.p1, bottom, "stroke=\"#333333\"");
	for (size_t i = 0; i < ax.n_ticks; i++) {
		double px = tr(&ax, ax.ticks[i]);
		line(o, "grid", px, top, px, bottom, "stroke=\"#e5e5e5\"");
		line(o, "tick", px, bottom, px, bottom + 5, "stroke=\"#333333\"");
		if (mem)
			bt_format_percent(ax.ticks[i], 1, lab, sizeof lab);
		else
			bt_format_ratio(ax.ticks[i], lab, sizeof lab);
		if (!mem && ax.ticks[i] == 0)
			snprintf(lab, sizeof lab, "0x");
		text(o, px, bottom + 18, "tick-label", "text-anchor=\"middle\"", lab);
	}
	text(o, x0 + BC_PANEL / 2, bottom + 40, "axis-label", "text-anchor=\"middle\"",
	     mem ? "peak memory change vs none" : "speedup vs none");
	bt_strbuf_adds(o, "</g>\n");
	/* reference: 1.00x, or 0% */
	double ref = tr(&ax, mem ? 0 : 1);
	line(o, "reference", ref, top - 4, ref, bottom, "stroke=\"#333333\" stroke-dasharray=\"4 3\"");
	double zero = tr(&ax, 0);
	for (size_t i = 0; i < c->n_bars; i++) {
		double v = mem ? c->bars[i].mem_change_pct : c->bars[i].speedup;
		double ry = top + BC_ROW * (double)i + 5, h = BC_ROW - 10;
		if (!isfinite(v)) {
			text(o, zero + 4, ry + h - 4, "bar-label", NULL, "-");
			continue;
		}
		double px = tr(&ax, v), left = fmin(px, zero), w = fabs(px - zero);
		const char *fill = mem ? (v > 0 ? "#d62728" : "#2ca02c")
				       : (v >= 1 ? "#2ca02c" : "#d62728");
		bt_strbuf_addf(o, "<rect class=\"bar %s\" data-variant=\"",
			       mem ? "memory" : "speedup");
		esc(o, c->bars[i].label);
		bt_strbuf_addf(o, "\" x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\" fill=\"%s\"/>\n",
			       num(left, a), num(ry, b), num(w, cc), num(h, d), fill);
		if (mem)
			bt_format_percent(v, 1, lab, sizeof lab);
		else
			bt_format_ratio(v, lab, sizeof lab);
		int right = v >= 0;
		text(o, right ? px + 4 : px - 4, ry + h - 4, "bar-label",
		     right ? NULL : "text-anchor=\"end\"", lab);
	}
}

int bt_svg_bar_chart(const struct bt_svg_bar_chart *c, struct bt_strbuf *o)
{
	if (!c || !o || (c->n_bars && !c->bars))
		return BT_EINVAL;
	double h = BC_TOP + BC_ROW * (double)c->n_bars + 60;
	header(o, BC_W, h, c->title);
	if (c->subtitle)
		text(o, BC_W / 2, 44, "subtitle", "text-anchor=\"middle\" fill=\"#555555\"",
		     c->subtitle);
	text(o, BC_LABEL + BC_PANEL / 2, BC_TOP - 12, "panel-title",
	     "text-anchor=\"middle\" font-weight=\"bold\"", "speedup");
	text(o, BC_LABEL + BC_PANEL + BC_GAP + BC_PANEL / 2, BC_TOP - 12, "panel-title",
	     "text-anchor=\"middle\" font-weight=\"bold\"", "memory change");
	bt_strbuf_adds(o, "<g class=\"axis y-axis\" data-scale=\"band\">\n");
	for (size_t i = 0; i < c->n_bars; i++)
		text(o, BC_LABEL - 10, BC_TOP + BC_ROW * (double)i + BC_ROW / 2 + 4,
		     "tick-label", "text-anchor=\"end\"", c->bars[i].label);
	text(o, 14, BC_TOP - 12, "axis-label", NULL, "variant");
	bt_strbuf_adds(o, "</g>\n");
	panel(o, c, 0, BC_LABEL);
	panel(o, c, 1, BC_LABEL + BC_PANEL + BC_GAP);
	bt_strbuf_adds(o, "</svg>\n");
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
