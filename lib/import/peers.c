/* What the readers of peer formats share (contracts in import.h): arrays
 * of numbers as samples, notes, what the context gave. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "import.h"
#include "internal.h"
#include "benchtrack/import.h"

static int numbers(const json_t *a, int flat, size_t *nulls, struct bt__imp_vec *v,
		   const char *label, struct bt_strbuf *path, struct bt_strbuf *err)
{
	size_t mark = path->len;
	for (size_t i = 0; i < json_array_size(a); i++) {
		const json_t *e = json_array_get(a, i);
		double x;
		path->len = mark;
		if (bt_strbuf_addf(path, "[%zu]", i))
			return BT_ENOMEM;
		if (json_is_null(e) && nulls) {
			(*nulls)++;
		} else if (json_is_array(e) && flat) {
			int rc = numbers(e, flat, nulls, v, label, path, err);
			if (rc)
				return rc;
		} else if (!bt__imp_num(e, &x)) {
			return bt_error(err, BT_ESCHEMA, "%s: %s: not a number", label,
					bt_strbuf_str(path));
		} else if (!isfinite(x)) {
			return bt_error(err, BT_ESCHEMA, "%s: %s: not a finite number",
					label, bt_strbuf_str(path));
		} else {
			if (bt__vec_reserve((void **)&v->x, &v->alloc, v->n + 1, sizeof *v->x))
				return BT_ENOMEM;
			v->x[v->n++] = x;
		}
	}
	path->len = mark;
	if (path->buf)
		path->buf[mark] = '\0';
	return 0;
}

int bt__imp_numbers(const json_t *a, int flat, size_t *nulls, struct bt__imp_vec *v,
		    const char *label, const char *path, struct bt_strbuf *err)
{
	if (!json_is_array(a))
		return bt_error(err, BT_ESCHEMA, "%s: %s: %s", label, path,
				a ? "not an array" : "missing");
	struct bt_strbuf p = BT_STRBUF_INIT;
	int rc = bt_strbuf_adds(&p, path) ? BT_ENOMEM
		: numbers(a, flat, nulls, v, label, &p, err);
	bt_strbuf_release(&p);
	return rc;
}

void bt__imp_note(struct bt_import_info *info, const char *fmt, ...)
{
	size_t n = strlen(info->note);
	if (n + 3 >= sizeof info->note)
		return;
	if (n) {
		memcpy(info->note + n, "; ", 3);
		n += 2;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(info->note + n, sizeof info->note - n, fmt, ap);
	va_end(ap);
}

void bt__imp_context_found(const struct bt_run *run, struct bt_import_info *info)
{
	info->has_git = run->git.commit != NULL;
	info->has_machine = run->machine.fingerprint &&
		strcmp(run->machine.fingerprint, "unknown") != 0;
	info->has_timestamp = run->timestamp != NULL;
}

struct bt_result *bt__imp_last_result(struct bt_run *run)
{
	return run->n_results ? &run->results[run->n_results - 1] : NULL;
}

int bt__imp_unique_names(struct bt_run *run, size_t from)
{
	for (size_t i = from; i < run->n_results; i++) {
		struct bt_result *r = &run->results[i];
		const char *base = r->name;
		for (int k = 2; bt__imp_identity_taken(run, i, r); k++)
			if (!(r->name = bt_run_printf(run, "%s (%d)", base, k)))
				return BT_ENOMEM;
	}
	return 0;
}
