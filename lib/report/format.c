/* Number formatting for reports: durations, bytes, rates, ratios,
 * percentages, relative errors. Contracts in include/benchtrack/report.h. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "benchtrack/report.h"

static char *dash(char *buf, size_t size)
{
	if (size)
		snprintf(buf, size, "-");
	return buf;
}

/* snprintf(out, size, "%.*f", dec, a) for dec in 0..3 without printf when
 * the rounding is clear (a * 10^dec well inside the exact range and not
 * near a tie); printf decides otherwise. Returns the length. */
static size_t fixed(double a, int dec, char *out, size_t size)
{
	static const double p10[] = { 1, 10, 100, 1000 };
	if (size >= 32 && dec >= 0 && dec <= 3 && !signbit(a) && a < 1e8) {
		double x = a * p10[dec];
		double fl = floor(x), fr = x - fl;
		if (fabs(fr - 0.5) > 1e-6) {
			unsigned long long q = (unsigned long long)fl + (fr > 0.5);
			char tmp[32], *e = tmp + sizeof tmp, *p = e;
			for (int i = 0; i < dec; i++, q /= 10)
				*--p = (char)('0' + q % 10);
			if (dec)
				*--p = '.';
			do {
				*--p = (char)('0' + q % 10);
				q /= 10;
			} while (q);
			size_t n = (size_t)(e - p);
			memcpy(out, p, n);
			out[n] = '\0';
			return n;
		}
	}
	int n = snprintf(out, size, "%.*f", dec, a);
	return n < 0 ? 0 : (size_t)n;
}

/* Scientific notation with 3 significant digits, for magnitudes that the
 * units do not reach: sign, then a (>= 0, finite), then " unit" (unit NULL
 * or "": none; "x" and "%" are appended without a space). Bounded: at most
 * 12 characters before the unit. */
static char *sci(const char *sign, double a, const char *unit, char *buf, size_t size)
{
	int tight = unit && (strcmp(unit, "x") == 0 || strcmp(unit, "%") == 0);
	snprintf(buf, size, "%s%.2e%s%s", sign, a, unit && *unit && !tight ? " " : "",
		 unit ? unit : "");
	return buf;
}

/* a then " " then b into buf (snprintf "%s %s"). */
static void join2(char *buf, size_t size, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la + 1 + lb < size) {
		memcpy(buf, a, la);
		buf[la] = ' ';
		memcpy(buf + la + 1, b, lb + 1);
	} else if (size) {
		snprintf(buf, size, "%s %s", a, b);
	}
}

/* Writes a >= 0 with 3 significant digits (2 decimals below 10, 1 below
 * 100, none from there), deciding on the rounded text. Returns the number
 * of digits before the decimal point. */
static size_t sig3(double a, char *tmp, size_t size)
{
	int dec = 2;
	size_t ip;

	for (;;) {
		fixed(a, dec, tmp, size);
		ip = strcspn(tmp, ".");
		if (dec == 0 || ip + (size_t)dec <= 3)
			break;
		dec--;
	}
	return ip;
}

char *bt_format_duration(double seconds, char *buf, size_t size)
{
	static const char *const units[] = { "ns", "us", "ms", "s" };
	char num[BT_FORMAT_MAX];
	double a;
	size_t u = 0;

	if (!isfinite(seconds) || seconds < 0)
		return dash(buf, size);
	if (seconds == 0) {
		snprintf(buf, size, "0 s");
		return buf;
	}
	/* below 0.005 ns (0.00 ns) and from 1e6 s: "1.00e-12 s" */
	if (seconds < 0.005e-9 || seconds >= 1e6)
		return sci("", seconds, "s", buf, size);
	a = seconds * 1e9;
	while (sig3(a, num, sizeof num) > 3 && u + 1 < sizeof units / sizeof *units) {
		a /= 1000;
		u++;
	}
	join2(buf, size, num, units[u]);
	return buf;
}

char *bt_format_bytes(double bytes, char *buf, size_t size)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	char num[BT_FORMAT_MAX];
	double a = bytes;
	size_t u = 0;

	if (!isfinite(bytes) || bytes < 0)
		return dash(buf, size);
	if (bytes > 0 && bytes < 0.5) /* not 0, but would show as "0 B" */
		return sci("", bytes, "B", buf, size);
	if (bytes < 1024) {
		snprintf(buf, size, "%.0f B", bytes);
		return buf;
	}
	if (bytes >= 1024.0 * 1024 * 1024 * 1024 * 1024 * 1023.5) /* past "1023 PiB" */
		return sci("", bytes, "B", buf, size);
	while (a >= 1024 && u + 1 < sizeof units / sizeof *units) {
		a /= 1024;
		u++;
	}
	sig3(a, num, sizeof num);
	join2(buf, size, num, units[u]);
	return buf;
}

char *bt_format_rate(double per_s, const char *unit, char *buf, size_t size)
{
	static const char *const prefix[] = { "", "k", "M", "G", "T", "P" };
	char num[BT_FORMAT_MAX];
	double a = fabs(per_s);
	const char *sign = per_s < 0 ? "-" : "";
	size_t p = 0;

	if (!isfinite(per_s))
		return dash(buf, size);
	/* past "999 P" or below 0.005 (0.00) but not 0: "1.00e+20 unit" */
	if (a >= 999.5e15 || (a > 0 && a < 0.005))
		return sci(sign, a, unit, buf, size);
	while (sig3(a, num, sizeof num) > 3 && p + 1 < sizeof prefix / sizeof *prefix) {
		a /= 1000;
		p++;
	}
	if (!unit || !*unit) {
		snprintf(buf, size, "%s%s%s%s", sign, num, *prefix[p] ? " " : "",
			 prefix[p]);
	} else if (strncmp(unit, "B/", 2) == 0) {
		snprintf(buf, size, "%s%s %s%s", sign, num, prefix[p], unit);
	} else {
		snprintf(buf, size, "%s%s %s%s%s", sign, num, prefix[p],
			 *prefix[p] ? " " : "", unit);
	}
	return buf;
}

char *bt_format_quantity(double value, const char *unit, char *buf,
			 size_t size)
{
	if (unit && strcmp(unit, "s") == 0)
		return bt_format_duration(value, buf, size);
	if (unit && strcmp(unit, "B") == 0)
		return bt_format_bytes(value, buf, size);
	return bt_format_rate(value, unit, buf, size);
}

char *bt_format_ratio(double ratio, char *buf, size_t size)
{
	char tmp[BT_FORMAT_MAX];

	if (!isfinite(ratio) || ratio < 0)
		return dash(buf, size);
	if (ratio >= 999999.5)
		return sci("", ratio, "x", buf, size);
	size_t n = fixed(ratio, 2, tmp, sizeof tmp);
	if (ratio == 0 || strcmp(tmp, "0.00") != 0) {
		if (strcspn(tmp, ".") > 2) {
			snprintf(buf, size, "%.0fx", ratio);
		} else if (n + 2 <= size) {
			memcpy(buf, tmp, n);
			buf[n] = 'x';
			buf[n + 1] = '\0';
		} else {
			snprintf(buf, size, "%sx", tmp);
		}
	} else {
		snprintf(buf, size, "%.2gx", ratio);
	}
	return buf;
}

char *bt_format_percent(double pct, int plus, char *buf, size_t size)
{
	char tmp[BT_FORMAT_MAX];
	int dec = fabs(pct) < 999.95 ? 1 : 0;

	if (!isfinite(pct))
		return dash(buf, size);
	if (fabs(pct) >= 999999.5)
		return sci(pct < 0 ? "-" : plus ? "+" : "", fabs(pct), "%", buf, size);
	size_t n = fixed(fabs(pct), dec, tmp, sizeof tmp);
	if (strspn(tmp, "0.") == n) {
		snprintf(buf, size, "0.0%%");
	} else {
		const char *sg = pct < 0 ? "-" : plus ? "+" : "";
		size_t ls = strlen(sg);
		if (ls + n + 2 <= size) {
			memcpy(buf, sg, ls);
			memcpy(buf + ls, tmp, n);
			buf[ls + n] = '%';
			buf[ls + n + 1] = '\0';
		} else {
			snprintf(buf, size, "%s%s%%", sg, tmp);
		}
	}
	return buf;
}

char *bt_format_relerr(double err, char *buf, size_t size)
{
	if (!isfinite(err) || err < 0)
		return dash(buf, size);
	if (err == 0)
		snprintf(buf, size, "0");
	else
		snprintf(buf, size, "%.1e", err);
	return buf;
}
