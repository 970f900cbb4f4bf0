/* bt_export_run (include/benchtrack/import.h) and what the writers of
 * lib/export/ share (export.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "export.h"
#include "internal.h"

int bt_export_run(const struct bt_run *run, enum bt_format f,
		  struct bt_strbuf *out, struct bt_strbuf *err)
{
	switch (f) {
	case BT_FORMAT_GBENCH:
		return bt__export_gbench(run, out);
	case BT_FORMAT_HYPERFINE:
		return bt__export_hyperfine(run, out);
	case BT_FORMAT_PYTEST_BENCHMARK:
		return bt__export_pytest(run, out);
	case BT_FORMAT_CSV:
		return bt__export_csv(run, out);
	default:
		break;
	}
	const char *name = bt_format_name(f);
	return bt_error(err, BT_EINVAL,
			"cannot export to format '%s': expected gbench, hyperfine, "
			"pytest-benchmark or csv", name ? name : "?");
}

size_t bt_export_left_out(const struct bt_run *run, enum bt_format f)
{
	size_t n = 0;
	for (size_t i = 0; i < run->n_results; i++) {
		const struct bt_result *r = &run->results[i];
		int ok = r->status == BT_STATUS_OK, timed = bt__export_time(r) != NULL;
		size_t samples = 0;
		for (size_t k = 0; k < r->n_metrics; k++)
			samples += r->metrics[k].n_samples;
		switch (f) {
		case BT_FORMAT_GBENCH:
			n += ok && !timed;
			break;
		case BT_FORMAT_HYPERFINE:
		case BT_FORMAT_PYTEST_BENCHMARK:
			n += !ok || !timed;
			break;
		case BT_FORMAT_CSV:
			n += samples == 0;
			break;
		default:
			break;
		}
	}
	return n;
}

const struct bt_metric *bt__export_time(const struct bt_result *r)
{
	const struct bt_metric *m = bt_result_metric(r, "time");
	for (size_t i = 0; !m && i < r->n_metrics; i++)
		if (r->metrics[i].unit && strcmp(r->metrics[i].unit, "s") == 0)
			m = &r->metrics[i];
	return m && m->n_samples > 0 ? m : NULL;
}

int bt__export_params(const struct bt_result *r, struct bt_kv **kv, size_t *n)
{
	int variant = r->variant && strcmp(r->variant, "default") != 0;
	for (size_t i = 0; variant && i < r->n_params; i++)
		if (strcmp(r->params[i].key, "variant") == 0)
			variant = 0;
	*n = 0;
	*kv = malloc((r->n_params + 1) * sizeof **kv);
	if (!*kv)
		return BT_ENOMEM;
	for (size_t i = 0; i < r->n_params; i++) {
		if (variant && strcmp(r->params[i].key, "variant") > 0) {
			(*kv)[(*n)++] = (struct bt_kv){ "variant", r->variant };
			variant = 0;
		}
		(*kv)[(*n)++] = r->params[i];
	}
	if (variant)
		(*kv)[(*n)++] = (struct bt_kv){ "variant", r->variant };
	return 0;
}

json_t *bt__export_num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

void bt__export_set(json_t *o, const char *key, json_t *v, int *oom)
{
	if (*oom || !v) {
		json_decref(v);
		*oom = 1;
	} else if (json_object_set_new(o, key, v)) {
		*oom = 1;
	}
}

void bt__export_push(json_t *a, json_t *v, int *oom)
{
	if (*oom || !v) {
		json_decref(v);
		*oom = 1;
	} else if (json_array_append_new(a, v)) {
		*oom = 1;
	}
}

int bt__export_dump(json_t *root, int oom, struct bt_strbuf *out)
{
	char *s = NULL;
	if (root && !oom)
		s = bt__json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
					     JSON_REAL_PRECISION(17));
	json_decref(root);
	int rc = s && !bt_strbuf_adds(out, s) && !bt_strbuf_addc(out, '\n') ? 0 : BT_ENOMEM;
	free(s);
	return rc;
}

void bt__export_time_text(const struct bt_run *run, const char *fmt, char *buf,
			  size_t size)
{
	time_t t;
	const char *end;
	struct tm tm;
	buf[0] = '\0';
	if (run->timestamp && bt__parse_time(run->timestamp, &t, &end) == 0 &&
	    gmtime_r(&t, &tm) && strftime(buf, size, fmt, &tm) == 0)
		buf[0] = '\0';
}
