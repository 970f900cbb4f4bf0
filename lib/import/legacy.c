/* What the readers of foreign formats share at the run level: text of
 * JSON scalars, members by alias, the commit, the suite from a file name
 * (contracts in import.h). */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "import.h"
#include "internal.h"

int bt__imp_in_list(const char *w, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(w, *list) == 0)
			return 1;
	return 0;
}

/* Shortest "%.*g" text that reads back as v. */
static void num_text(double v, char buf[40])
{
	if (v == floor(v) && fabs(v) < 9007199254740992.0) {
		snprintf(buf, 40, "%.0f", v);
		return;
	}
	for (int p = 6; p <= 17; p++) {
		snprintf(buf, 40, "%.*g", p, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

/* Canonical text of a JSON scalar for a param (arena of run); NULL for
 * null or out of memory (*oom set). Objects and arrays: compact JSON. */
const char *bt__imp_jtext(struct bt_run *run, const json_t *v, int *oom)
{
	char buf[40];
	const char *s = NULL;
	char *dump = NULL;
	switch (json_typeof(v)) {
	case JSON_STRING:
		s = json_string_value(v);
		break;
	case JSON_INTEGER:
	case JSON_REAL:
		num_text(json_number_value(v), buf);
		s = buf;
		break;
	case JSON_TRUE:
		s = "true";
		break;
	case JSON_FALSE:
		s = "false";
		break;
	case JSON_NULL:
		return NULL;
	default:
		dump = bt__json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
		if (!dump) {
			*oom = 1;
			return NULL;
		}
		s = dump;
	}
	char *r = bt_run_strdup(run, s);
	free(dump);
	if (!r)
		*oom = 1;
	return r;
}

const json_t *bt__imp_member(const json_t *o, const char *const *keys)
{
	for (; *keys; keys++) {
		const json_t *v = json_object_get(o, *keys);
		if (v && !json_is_null(v))
			return v;
	}
	return NULL;
}

const char *const bt__imp_warm_keys[] = { "warmup_iterations", "warmup",
	"warmup_runs", "num_warmup", NULL };
const char *const bt__imp_meas_keys[] = { "measurement_iterations",
	"iterations", "num_runs", "runs", "repeats", "num_iterations", NULL };

/* git.commit (and dirty) from a commit text; anything but hex is dropped. */
int bt__imp_set_commit(struct bt_run *run, const json_t *v)
{
	if (!json_is_string(v))
		return 0;
	char buf[80];
	snprintf(buf, sizeof buf, "%s", json_string_value(v));
	size_t n = strlen(buf);
	if (n > 6 && strcmp(buf + n - 6, "-dirty") == 0) {
		buf[n - 6] = '\0';
		run->git.dirty = 1;
	}
	if (!bt__is_hex(buf, 4, 64)) {
		run->git.dirty = -1;
		return 0;
	}
	for (char *c = buf; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	run->git.commit = bt_run_strdup(run, buf);
	return run->git.commit ? 0 : BT_ENOMEM;
}

/* A timestamp in the content: text (ISO 8601 and the like, or digits of
 * Unix seconds / milliseconds) or a number of Unix seconds or ms. */
int bt__imp_time(const json_t *v, time_t *t)
{
	double x;
	if (json_is_number(v)) {
		x = json_number_value(v);
	} else if (json_is_string(v)) {
		const char *s = json_string_value(v), *end;
		while (isspace((unsigned char)*s))
			s++;
		size_t n = strspn(s, "0123456789");
		if ((n == 10 || n == 13) && !s[n]) {
			x = strtod(s, NULL);
		} else {
			if (bt__parse_time(s, t, &end))
				return -1;
			while (isspace((unsigned char)*end))
				end++;
			return *end ? -1 : 0;
		}
	} else {
		return -1;
	}
	if (x > 1e11)
		x /= 1000; /* milliseconds */
	if (!(x >= 0 && x < 32503680000.0)) /* before 3000-01-01 */
		return -1;
	*t = (time_t)x;
	return 0;
}

/* t as "YYYY-MM-DDTHH:MM:SSZ" in the arena of run. */
char *bt__imp_iso(struct bt_run *run, time_t t)
{
	struct tm tm;
	char buf[32];
	if (!gmtime_r(&t, &tm) || !strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm))
		return bt_run_strdup(run, "1970-01-01T00:00:00Z");
	return bt_run_strdup(run, buf);
}

int bt__imp_set_timestamp(struct bt_run *run, const json_t *v)
{
	time_t t;
	if (!v || bt__imp_time(v, &t))
		return 0;
	return (run->timestamp = bt__imp_iso(run, t)) ? 1 : BT_ENOMEM;
}

/* The suite of a converted file: its name without the extension and the
 * date stamp [b, e) (when found), else the whole stem. */
char *bt__imp_suite_name(struct bt_run *run, const char *base, int has_date,
			 size_t b, size_t e)
{
	char stem[256];
	snprintf(stem, sizeof stem, "%s", base);
	char *dot = strrchr(stem, '.');
	if (dot && dot != stem)
		*dot = '\0';
	size_t n = strlen(stem);
	if (!has_date || b >= n)
		return bt_run_strdup(run, stem);
	if (e > n)
		e = n;
	const char *sep = "_-. ";
	size_t l = b, r = e;
	while (l && strchr(sep, stem[l - 1]))
		l--;
	while (stem[r] && strchr(sep, stem[r]))
		r++;
	/* a zone word after the stamp ("_20240131_142233_UTC") goes too */
	size_t zl = strcspn(stem + r, sep);
	if ((zl == 3 && (!strncasecmp(stem + r, "utc", 3) ||
			 !strncasecmp(stem + r, "gmt", 3))) ||
	    (zl == 1 && (stem[r] == 'Z' || stem[r] == 'z'))) {
		r += zl;
		while (stem[r] && strchr(sep, stem[r]))
			r++;
	}
	size_t ls = 0;
	while (ls < l && strchr(sep, stem[ls]))
		ls++;
	size_t re = n;
	while (re > r && strchr(sep, stem[re - 1]))
		re--;
	if (ls >= l && r >= re)
		return bt_run_strdup(run, stem);
	return bt_run_printf(run, "%.*s%s%.*s", (int)(l - ls), stem + ls,
			     l > ls && re > r ? "_" : "", (int)(re - r), stem + r);
}
