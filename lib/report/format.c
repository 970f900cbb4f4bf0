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

/* Writes a >= 0 with 3 significant digits (2 decimals below 10, 1 below
 * 100, none from there), deciding on the rounded text. Returns the number
 * of digits before the decimal point. */
static size_t sig3(double a, char *tmp, size_t size)
{
	int dec = 2;
	size_t ip;

	for (;;) {
		snprintf(tmp, size, "%.*f", dec, a);
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
	a = seconds * 1e9;
	while (sig3(a, num, sizeof num) > 3 && u + 1 < sizeof units / sizeof *units) {
		a /= 1000;
		u++;
	}
	snprintf(buf, size, "%s %s", num, units[u]);
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
	if (bytes < 1024) {
		snprintf(buf, size, "%.0f B", bytes);
		return buf;
	}
	while (a >= 1024 && u + 1 < sizeof units / sizeof *units) {
		a /= 1024;
		u++;
	}
	sig3(a, num, sizeof num);
	snprintf(buf, size, "%s %s", num, units[u]);
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
	snprintf(tmp, sizeof tmp, "%.2f", ratio);
	if (ratio == 0 || strcmp(tmp, "0.00") != 0) {
		if (strcspn(tmp, ".") > 2)
			snprintf(buf, size, "%.0fx", ratio);
		else
			snprintf(buf, size, "%sx", tmp);
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
	snprintf(tmp, sizeof tmp, "%.*f", dec, fabs(pct));
	if (strspn(tmp, "0.") == strlen(tmp))
		snprintf(buf, size, "0.0%%");
	else
		snprintf(buf, size, "%s%s%%",
			 pct < 0 ? "-" : plus ? "+" : "", tmp);
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
