/* Plot axes: the domain and round ticks of a linear or log axis, and the
 * tick labels (bt__axis_setup, bt__axis_label; contracts in
 * lib/internal.h, "A plot axis"). Numbers only: no SVG, no text layout;
 * lib/report/svg.c maps the domain onto pixels and draws. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchtrack/report.h"
#include "internal.h"

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
	double big = fmax(fabs(mn), fabs(mx)), flat = NAN;
	if (!(mx / 2 - mn / 2 > big * 1e-9) && big > 0) {
		/* one value (or values too close to tell apart), not 0: in the
		 * middle of the axis, not on its edge, even from zero */
		flat = mn / 2 + mx / 2;
		zero = 0;
	}
	if (zero)
		mn = 0;
	big = fmax(fabs(mn), fabs(mx));
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
	if (!isnan(flat)) {
		/* the one value in the middle: widen the nearer side */
		double half = fmax(flat - a->lo, a->hi - flat);
		a->lo = fmax(flat - half, -DBL_MAX);
		a->hi = fmin(flat + half, DBL_MAX);
		if (from_zero && flat > 0 && a->lo < 0)
			a->lo = 0;
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

/* One style for all tick labels of an axis: the same notation (scientific
 * for every tick when the units cannot write one of them: "1e-12 s",
 * "1e-09 s", ...; else each tick in its unit: "1 ns", "10 ns", "1 us") and
 * the same number of significant digits p: the fewest with which every
 * label gives its tick back (to within a->tol) and no two labels are the
 * same. Plain numbers (no unit) likewise: "0.25", "0.50", "0.75" or
 * "1e-05", "1e-04". */
enum { STYLE_FIXED, STYLE_SCI };

/* a >= 0 with p significant digits, fixed notation: at least all digits
 * before the point. Returns the decimals written. */
static int fixed_sig(double a, int p, char *buf, size_t size)
{
	char t[64];
	int e = 0;
	if (a > 0) {
		/* the exponent after rounding to p digits: 999.96 is 1.0e3 */
		snprintf(t, sizeof t, "%.*e", p - 1, a);
		e = atoi(strchr(t, 'e') + 1);
	}
	int dec = p - 1 - e;
	if (dec < 0)
		dec = 0;
	if (dec > 40)
		dec = 40;
	snprintf(buf, size, "%.*f", dec, a);
	return dec;
}

/* Would the report's formats (lib/report/format.c) write v in scientific
 * notation? */
static int needs_sci(double v, const char *unit)
{
	double a = fabs(v);
	if (a == 0)
		return 0;
	if (!unit || !*unit)
		return a < 1e-4 || a >= 1e15;
	if (strcmp(unit, "s") == 0)
		return a < 0.005e-9 || a >= 1e6;
	if (is_bytes(unit))
		return a < 0.5 || a >= 1024.0 * 1024 * 1024 * 1024 * 1024 * 1023.5;
	return a >= 999.5e15 || a < 0.005;
}

/* The label of v in the style and with p significant digits; *back: the
 * value the label stands for. */
static void styled(double v, const char *unit, int style, int p, char *buf, size_t size,
		   double *back)
{
	static const char *const dur[] = { "ns", "us", "ms", "s" };
	static const char *const bytes[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	static const char *const pre[] = { "", "k", "M", "G", "T", "P" };
	static const double fdur[] = { 1e-9, 1e-6, 1e-3, 1 };
	static const double fdec[] = { 1, 1e3, 1e6, 1e9, 1e12, 1e15 };
	static const double fbin[] = { 1, 1024.0, 1048576.0, 1073741824.0, 1099511627776.0,
				       1125899906842624.0 };
	const char *sign = v < 0 ? "-" : "";
	int plain = !unit || !*unit;
	int tight = !plain && (strcmp(unit, "x") == 0 || strcmp(unit, "%") == 0);
	double a = fabs(v), base = 1000;
	const double *fs = fdec;
	char num[64];
	size_t u = 0, nu = 0;
	const char *const *names = pre;

	if (style == STYLE_SCI || a == 0) {
		if (a == 0)
			snprintf(num, sizeof num, "0");
		else
			snprintf(num, sizeof num, "%.*e", p - 1, a);
		*back = (v < 0 ? -1 : 1) * strtod(num, NULL);
		snprintf(buf, size, "%s%s%s%s", sign, num, plain || tight ? "" : " ",
			 plain ? "" : unit);
		return;
	}
	if (plain) {
		fixed_sig(a, p, num, sizeof num);
		*back = (v < 0 ? -1 : 1) * strtod(num, NULL);
		snprintf(buf, size, "%s%s", sign, num);
		return;
	}
	if (strcmp(unit, "s") == 0) {
		names = dur;
		nu = 4;
		fs = fdur;
	} else if (is_bytes(unit)) {
		names = bytes;
		nu = 6;
		base = 1024;
		fs = fbin;
	} else {
		nu = 6;
	}
	for (;;) {
		fixed_sig(a / fs[u], p, num, sizeof num);
		if (u + 1 >= nu || strtod(num, NULL) < base)
			break;
		u++;
	}
	*back = (v < 0 ? -1 : 1) * strtod(num, NULL) * fs[u];
	if (names != pre)
		snprintf(buf, size, "%s%s %s", sign, num, names[u]);
	else if (strncmp(unit, "B/", 2) == 0)
		snprintf(buf, size, "%s%s %s%s", sign, num, pre[u], unit);
	else if (tight && !*pre[u])
		snprintf(buf, size, "%s%s%s", sign, num, unit); /* "2x", "50%" */
	else
		snprintf(buf, size, "%s%s %s%s%s", sign, num, pre[u], *pre[u] ? " " : "", unit);
}

void bt__axis_label(const struct bt__axis *a, size_t i, const char *unit, char *buf,
		    size_t size)
{
	char lab[16][BT_FORMAT_MAX];
	size_t n = a->n_ticks < 16 ? a->n_ticks : 16;
	int style = STYLE_FIXED, p;

	/* a label may round its tick by 2% of the tick spacing: invisible on
	 * the plot, and it keeps round byte counts (1228800 B) from printing
	 * as 1.1718750 MiB */
	double step = INFINITY;
	for (size_t k = 0; k < n; k++) {
		if (needs_sci(a->ticks[k], unit))
			style = STYLE_SCI;
		if (k && fabs(a->ticks[k] - a->ticks[k - 1]) < step)
			step = fabs(a->ticks[k] - a->ticks[k - 1]);
	}
	double near = isfinite(step) ? 0.02 * step : 0;
	for (p = 1; p < 17; p++) {
		int ok = 1;
		for (size_t k = 0; k < n && ok; k++) {
			double v = a->ticks[k], back;
			styled(v, unit, style, p, lab[k], sizeof lab[k], &back);
			ok = fabs(back - v) <= fmax(fmax(a->tol, near), fabs(v) * 1e-9);
			for (size_t j = 0; j < k && ok; j++)
				ok = strcmp(lab[j], lab[k]) != 0;
		}
		if (ok)
			break;
	}
	double back;
	styled(a->ticks[i], unit, style, p, buf, size, &back);
}
