/* The dashboard's overview, data/index.js, and its HTML pages
 * (bt__dash_write_index, bt__dash_write_pages; contracts in dash.h).
 *
 * data/index.js: {title, generated, version, totals {runs, series, points,
 * regressions, acked, pending, reverted}, types [], machines [], latest [RUN] (newest run of
 * each type), runs [RUN] (the INDEX_RUNS newest), rt {id [], t [],
 * commit []} (every run, oldest first: the run table that series files
 * index), series [{k, name, suite,
 * variant, params, machine, metric, unit, dir, type, n, last, lastT,
 * lastCommit, regs}], regs [{k, name, variant, params, machine, type, unit,
 * t, commit, run, before, after, rel, p, i, spark [], sparkAt}] (newest
 * first), events [the same as regs, and status ("pending" or
 * "reverted"), kind ("step" or "excursion"), more (points that would
 * confirm it), end, back, backCommit, backT (an excursion's return, else
 * -1 / null)] (pending changes and reverted excursions that got worse, not
 * acknowledged; newest first)}; RUN = {id, type, suite, t, commit, branch, machine, n, failed,
 * page (1 when data/runs/ID.js exists)}. Only identities and last values:
 * the points live in the series files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../web_assets.h"
#include "dash.h"

#define INDEX_RUNS 200    /* runs listed in data/index.js */

static int cmp_reg_newest(const void *a, const void *b)
{
	const struct reg *x = a, *y = b;
	return strcmp(y->t, x->t);
}

static void js_run(struct bt_strbuf *b, const struct bt_store_entry *e, int page)
{
	bt_strbuf_addc(b, '{');
	bt__js_kstr(b, "id", e->run_id);
	bt__js_kstr(b, "type", e->type);
	bt__js_kstr(b, "suite", e->suite);
	bt__js_kstr(b, "t", e->timestamp);
	bt__js_kstr(b, "commit", e->commit);
	bt__js_kstr(b, "branch", e->branch);
	bt__js_kstr(b, "machine", e->machine);
	bt__js_kint(b, "n", (long long)e->n_results);
	bt__js_kint(b, "failed", (long long)e->n_failed);
	bt__js_kint(b, "page", page);
	bt__js_close(b, '}');
}

/* Appends the distinct values of a field of the runs (sorted). */
static int js_distinct(struct bt_strbuf *b, const struct dash *d, int machine)
{
	const char **v = malloc((d->runs.n ? d->runs.n : 1) * sizeof *v);
	size_t n = 0;
	if (!v)
		return BT_ENOMEM;
	for (size_t i = 0; i < d->runs.n; i++) {
		const char *s = machine ? d->runs.items[i].machine : d->runs.items[i].type;
		if (s)
			v[n++] = s;
	}
	qsort(v, n, sizeof *v, bt__dash_cmp_str);
	bt_strbuf_addc(b, '[');
	for (size_t i = 0; i < n; i++) {
		if (i && strcmp(v[i], v[i - 1]) == 0)
			continue;
		bt__js_str(b, v[i]);
		bt_strbuf_addc(b, ',');
	}
	bt__js_close(b, ']');
	bt_strbuf_addc(b, ',');
	free(v);
	return 0;
}

int bt__dash_write_index(struct dash *d)
{
	struct bt_strbuf *b = &d->file;
	char now[32];
	time_t t = time(NULL);
	struct tm tm;
	size_t shown = 0;
	int rc;

	gmtime_r(&t, &tm);
	strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
	bt_strbuf_reset(b);
	bt_strbuf_adds(b, "btData(\"index\",\"\",{");
	bt__js_kstr(b, "title", d->title);
	bt__js_kstr(b, "generated", now);
	bt__js_kint(b, "version", 1);
	bt__js_key(b, "totals");
	bt_strbuf_addf(b, "{\"runs\":%zu,\"series\":%zu,\"points\":%zu,"
		       "\"regressions\":%zu,\"acked\":%zu,\"pending\":%zu,"
		       "\"reverted\":%zu},\n",
		       d->runs.n, d->stats.series, d->stats.points, d->n_regs, d->acked,
		       d->n_pending, d->n_reverted);
	bt__js_key(b, "types");
	if ((rc = js_distinct(b, d, 0)))
		return rc;
	bt__js_key(b, "machines");
	if ((rc = js_distinct(b, d, 1)))
		return rc;
	/* the newest run of each type: runs are newest first; each run is
	 * compared with the types already listed (few), not with every
	 * newer run */
	bt__js_key(b, "latest");
	bt_strbuf_addc(b, '[');
	const char **listed = malloc((d->runs.n ? d->runs.n : 1) * sizeof *listed);
	size_t n_listed = 0;
	if (!listed)
		return BT_ENOMEM;
	for (size_t i = 0; i < d->runs.n; i++) {
		const struct bt_store_entry *e = &d->runs.items[i];
		int seen = 0;
		for (size_t j = 0; j < n_listed && !seen; j++)
			seen = strcmp(listed[j], e->type) == 0;
		if (seen)
			continue;
		listed[n_listed++] = e->type;
		js_run(b, e, d->has_page[i]);
		bt_strbuf_addc(b, ',');
	}
	free(listed);
	bt__js_close(b, ']');
	bt_strbuf_add(b, ",\n", 2);
	bt__js_key(b, "runs");
	bt_strbuf_addc(b, '[');
	for (size_t i = 0; i < d->runs.n && shown < INDEX_RUNS; i++, shown++) {
		js_run(b, &d->runs.items[i], d->has_page[i]);
		bt_strbuf_add(b, ",\n", 2);
	}
	if (shown)
		b->len -= 2;
	bt_strbuf_add(b, "],\n", 3);
	/* the run table of the series files' points ("r": indexes), oldest
	 * first */
	static const char *const rt_keys[] = { "id", "t", "commit" };
	bt__js_key(b, "rt");
	bt_strbuf_addc(b, '{');
	for (int k = 0; k < 3; k++) {
		bt__js_key(b, rt_keys[k]);
		bt_strbuf_addc(b, '[');
		for (size_t i = d->runs.n; i-- > 0;) {
			const struct bt_store_entry *e = &d->runs.items[i];
			bt__js_str(b, k == 0 ? e->run_id : k == 1 ? e->timestamp : e->commit);
			if (i)
				bt_strbuf_addc(b, ',');
		}
		bt_strbuf_add(b, k < 2 ? "]," : "]", k < 2 ? 2 : 1);
	}
	bt_strbuf_add(b, "},\n", 3);
	bt__js_key(b, "series");
	bt_strbuf_add(b, "[\n", 2);
	if (d->series_ix.len) {
		bt_strbuf_add(b, d->series_ix.buf, d->series_ix.len - 2);
	}
	bt_strbuf_add(b, "],\n", 3);
	if (d->n_regs) /* regs is NULL without any */
		qsort(d->regs, d->n_regs, sizeof *d->regs, cmp_reg_newest);
	bt__js_key(b, "regs");
	bt_strbuf_add(b, "[\n", 2);
	for (size_t i = 0; i < d->n_regs; i++) {
		bt_strbuf_adds(b, d->regs[i].json);
		if (i + 1 < d->n_regs)
			bt_strbuf_add(b, ",\n", 2);
	}
	bt_strbuf_adds(b, "],\n");
	if (d->n_evs)
		qsort(d->evs, d->n_evs, sizeof *d->evs, cmp_reg_newest);
	bt__js_key(b, "events");
	bt_strbuf_add(b, "[\n", 2);
	for (size_t i = 0; i < d->n_evs; i++) {
		bt_strbuf_adds(b, d->evs[i].json);
		if (i + 1 < d->n_evs)
			bt_strbuf_add(b, ",\n", 2);
	}
	bt_strbuf_adds(b, "]});\n");
	return bt__dash_put_file(d, "data/index.js", b->buf, b->len);
}

/* The HTML templates with {{TITLE}} replaced (HTML-escaped), and the
 * other assets under assets/. */
int bt__dash_write_pages(struct dash *d)
{
	struct bt_strbuf esc = BT_STRBUF_INIT, *b = &d->file;
	int rc = 0;
	for (const char *p = d->title; *p; p++) {
		switch (*p) {
		case '&': bt_strbuf_adds(&esc, "&amp;"); break;
		case '<': bt_strbuf_adds(&esc, "&lt;"); break;
		case '>': bt_strbuf_adds(&esc, "&gt;"); break;
		case '"': bt_strbuf_adds(&esc, "&quot;"); break;
		case '\'': bt_strbuf_adds(&esc, "&#39;"); break;
		default: bt_strbuf_addc(&esc, *p);
		}
	}
	for (const struct bt_web_asset *a = bt_web_assets; a->name && !rc; a++) {
		size_t n = strlen(a->name);
		char rel[256];
		if (n > 5 && strcmp(a->name + n - 5, ".html") == 0) {
			const char *s = (const char *)a->data, *m;
			bt_strbuf_reset(b);
			while ((m = strstr(s, "{{TITLE}}"))) {
				bt_strbuf_add(b, s, (size_t)(m - s));
				bt_strbuf_add(b, esc.buf ? esc.buf : "", esc.len);
				s = m + 9;
			}
			bt_strbuf_adds(b, s);
			snprintf(rel, sizeof rel, "%s", a->name);
			rc = esc.failed ? BT_ENOMEM : bt__dash_put_file(d, rel, b->buf, b->len);
		} else {
			snprintf(rel, sizeof rel, "assets/%s", a->name);
			rc = bt__dash_put_file(d, rel, (const char *)a->data, a->len);
		}
	}
	bt_strbuf_release(&esc);
	return rc;
}
