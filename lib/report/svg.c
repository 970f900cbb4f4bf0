/* SVG plots: line charts (bt_svg_line_chart) and ablation bar charts
 * (bt_svg_bar_chart), drawn from the values given, with their text
 * layout (bt__text_width) and bt_svg_is_geometric. Contracts in
 * include/benchtrack/report.h ("SVG plots"). The axes' domains, ticks and
 * tick labels come from lib/report/axis.c; which charts a run gets, from
 * lib/report/charts.c. */
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

/* Length of the valid UTF-8 sequence at s (NUL-terminated; 1 to 4), 0
 * when invalid: bt__utf8_seq's rule, and no U+FFFE or U+FFFF (not
 * characters in XML). */
static size_t utf8_len(const unsigned char *s)
{
	size_t n = bt__utf8_seq(s, strnlen((const char *)s, 4));
	if (n == 3 && s[0] == 0xef && s[1] == 0xbf && (s[2] == 0xbe || s[2] == 0xbf))
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

/* Contract in lib/internal.h; lib/report/charts.c uses it too. */
void bt__svg_slug(struct bt_strbuf *o, const char *s, int dots)
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

/* The pixel position of v on a, between p0 and p1; the domain and ticks
 * come from bt__axis_setup (lib/report/axis.c). */
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

/* --- geometric sweeps ------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Contract in lib/internal.h; lib/report/charts.c uses it too. */
size_t bt__svg_distinct(const double *v, size_t n, double *out)
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
	size_t m = bt__svg_distinct(v, n, d);
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

/* Contract in lib/internal.h; lib/report/charts.c uses it too. */
int bt__svg_usable(double v, int log_axis)
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
			if (!bt__svg_usable(x, c->x_log) || !bt__svg_usable(y, c->y_log))
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
	int ref = c->y_ref_on && bt__svg_usable(c->y_ref, c->y_log);
	if (ref) {
		ymn = fmin(ymn, c->y_ref);
		ymx = fmax(ymx, c->y_ref);
	}
	size_t nd = bt__svg_distinct(xs, nx, xd);
	struct bt__axis x = { .log = c->x_log }, y = { .log = c->y_log };
	bt__axis_setup(&x, xmn, xmx, 0, c->x_log ? xd : NULL, nd, c->x_unit);
	bt__axis_setup(&y, ymn, ymx, 1, NULL, 0, c->y_unit);

	/* the labels first: the margins follow from them */
	char lx[MAX_TICKS][BT_FORMAT_MAX], ly[MAX_TICKS][BT_FORMAT_MAX];
	double yw = 0, xw0 = 0, xw1 = 0, lw = 0;
	for (size_t i = 0; i < y.n_ticks; i++) {
		bt__axis_label(&y, i, c->y_unit, ly[i], sizeof ly[i]);
		yw = fmax(yw, bt__text_width(ly[i], FS));
	}
	for (size_t i = 0; i < x.n_ticks; i++)
		bt__axis_label(&x, i, c->x_unit, lx[i], sizeof lx[i]);
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
	if (ref)
		line(o, "reference", x.p0, tr(&y, c->y_ref), x.p1, tr(&y, c->y_ref),
		     "stroke=\"#555555\" stroke-dasharray=\"6 4\"");
	if (ref && c->y_ref_label)
		text(o, x.p1 - 2, tr(&y, c->y_ref) - 4, "reference-label", "text-anchor=\"end\"",
		     c->y_ref_label);
	for (size_t i = 0; i < c->n_x_marks && c->x_marks; i++) {
		double v = c->x_marks[i];
		if (!bt__svg_usable(v, c->x_log) || v < xmn || v > xmx)
			continue;
		/* the label as an attribute: no text to collide with */
		bt_strbuf_adds(o, "<line class=\"mark\" x1=\"");
		bt_strbuf_adds(o, num(tr(&x, v), a));
		bt_strbuf_adds(o, "\" y1=\"");
		bt_strbuf_adds(o, num(y.p0, b));
		bt_strbuf_adds(o, "\" x2=\"");
		bt_strbuf_adds(o, num(tr(&x, v), a));
		bt_strbuf_adds(o, "\" y2=\"");
		bt_strbuf_adds(o, num(y.p1, b));
		bt_strbuf_adds(o, "\" stroke=\"#888888\" stroke-dasharray=\"2 3\" data-label=\"");
		esc(o, c->x_mark_labels && c->x_mark_labels[i] ? c->x_mark_labels[i] : "");
		bt_strbuf_adds(o, "\"/>\n");
	}
	for (size_t s = 0; s < c->n_series; s++) {
		const struct bt_svg_series *se = &c->series[s];
		size_t n = 0;
		for (size_t i = 0; i < se->n; i++)
			if (bt__svg_usable(se->x[i], c->x_log) && bt__svg_usable(se->y[i], c->y_log)) {
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
		bt__svg_slug(o, se->name, 0);
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
				bt__axis_label(&p->ax, k, NULL, num_s, sizeof num_s);
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
