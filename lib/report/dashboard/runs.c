/* The dashboard's run pages and the threads that write them
 * (bt__dash_runs_start, _finish, _release; contracts in dash.h).
 *
 * data/runs/ID.js: {id, type, suite, t, duration, commit, branch, dirty,
 * machine, fingerprint, cpu, os, compiler, flags, cases, ok, failed,
 * groups [{title, columns [{name, right}], rows [{start, cells [[text,
 * style]]}]}], rank [{group, params, items [{name, variant, median,
 * speedup, style}]}], crossovers [text], charts [{file, title, svg}],
 * failures [{case, status, message}]}. A run never changes once stored,
 * so an existing run file (its first line naming RUN_FORMAT) is kept.
 *
 * Run files (bt__run_read_file_summary: no raw samples) are written by
 * RUN_THREADS threads; each file depends only on its run.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "benchtrack/report.h"
#include "../../internal.h"
#include "../../result/json_scan.h"
#include "dash.h"

#define RUN_FORMAT "/* benchtrack dashboard run v2 */"

/* A file name from a run id: [A-Za-z0-9._-] kept, others '_', at most
 * 127 characters, no leading '.', "_" for none; the same as safe() in
 * web/dashboard.js. */
static void safe_name(const char *id, char *out, size_t size)
{
	size_t i = 0;
	for (; id && id[i] && i + 1 < size; i++) {
		char c = id[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			 (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
		out[i] = ok ? c : '_';
	}
	out[i] = '\0';
	if (out[0] == '.')
		out[0] = '_';
	if (!out[0] && size > 1)
		snprintf(out, size, "_");
}

static const char *style_class(enum bt_cell_style s)
{
	switch (s) {
	case BT_STYLE_GOOD: return "good";
	case BT_STYLE_WARN: return "warn";
	case BT_STYLE_BAD: return "bad";
	default: return NULL;
	}
}

static void case_name(struct bt_strbuf *b, const struct bt_result *r)
{
	bt_strbuf_adds(b, r->name ? r->name : "?");
	for (size_t i = 0; i < r->n_params; i++)
		bt_strbuf_addf(b, "/%s=%s", r->params[i].key, r->params[i].value);
	if (r->variant && strcmp(r->variant, "default") != 0)
		bt_strbuf_addf(b, ":%s", r->variant);
}

static const char *group_of(const struct bt_result *r)
{
	return r->group ? r->group : r->name ? r->name : "?";
}

struct rank_item {
	double median;
	size_t row;
};

static int cmp_rank(const void *a, const void *b)
{
	const struct rank_item *x = a, *y = b;
	return (x->median > y->median) - (x->median < y->median);
}

/* The tables of run: one per group (rows of the same group or benchmark
 * name), and the rankings: per comparison set of the table (group and
 * parameter values) with at least two medians, best first. */
static int run_tables(struct bt_strbuf *f, const struct bt_run *run,
		      struct bt_strbuf *err)
{
	struct bt_table t;
	int rc = bt_table_from_run(run, NULL, &t, err);
	if (rc)
		return rc;
	int c_med = -1, c_speed = -1;
	for (size_t c = 0; c < t.n_columns; c++) {
		if (t.columns[c].kind == BT_COL_MEDIAN)
			c_med = (int)c;
		if (t.columns[c].kind == BT_COL_SPEEDUP)
			c_speed = (int)c;
	}
	/* one table per group title, in order of first appearance; rows in
	 * table order (a parameter value that first ran later, such as a
	 * failed size, still joins its group) */
	const char **titles = malloc((t.n_rows ? t.n_rows : 1) * sizeof *titles);
	size_t n_titles = 0;
	if (!titles) {
		bt_table_release(&t);
		return BT_ENOMEM;
	}
	for (size_t i = 0; i < t.n_rows; i++) {
		const char *g = group_of(&run->results[t.rows[i].result]);
		size_t k = 0;
		while (k < n_titles && strcmp(titles[k], g) != 0)
			k++;
		if (k == n_titles)
			titles[n_titles++] = g;
	}
	bt__js_key(f, "groups");
	bt_strbuf_addc(f, '[');
	for (size_t g = 0; g < n_titles; g++) {
		bt_strbuf_addc(f, '{');
		bt__js_kstr(f, "title", titles[g]);
		bt__js_key(f, "columns");
		bt_strbuf_addc(f, '[');
		for (size_t c = 0; c < t.n_columns; c++) {
			if (t.columns[c].csv_only == 1)
				continue;
			bt_strbuf_addc(f, '{');
			bt__js_kstr(f, "name", t.columns[c].name);
			bt__js_kint(f, "right", t.columns[c].align == BT_ALIGN_RIGHT);
			bt__js_close(f, '}');
			bt_strbuf_addc(f, ',');
		}
		bt__js_close(f, ']');
		bt_strbuf_adds(f, ",\"rows\":[");
		int first_row = 1;
		for (size_t i = 0; i < t.n_rows; i++) {
			const struct bt_table_row *row = &t.rows[i];
			if (strcmp(group_of(&run->results[row->result]), titles[g]) != 0)
				continue;
			if (!first_row)
				bt_strbuf_addc(f, ',');
			bt_strbuf_addc(f, '{');
			bt__js_kint(f, "start", row->group_start && !first_row);
			first_row = 0;
			bt__js_key(f, "cells");
			bt_strbuf_addc(f, '[');
			int first = 1;
			for (size_t c = 0; c < t.n_columns; c++) {
				if (t.columns[c].csv_only == 1)
					continue;
				if (!first)
					bt_strbuf_addc(f, ',');
				first = 0;
				bt_strbuf_addc(f, '[');
				bt__js_str(f, row->cells[c].text);
				const char *st = style_class(row->cells[c].style);
				if (st) {
					bt_strbuf_addc(f, ',');
					bt__js_str(f, st);
				}
				bt_strbuf_addc(f, ']');
			}
			bt_strbuf_add(f, "]}", 2);
		}
		bt_strbuf_add(f, "]},", 3);
	}
	free(titles);
	bt__js_close(f, ']');
	bt_strbuf_addc(f, ',');

	bt__js_key(f, "rank");
	bt_strbuf_addc(f, '[');
	struct rank_item *items = malloc((t.n_rows ? t.n_rows : 1) * sizeof *items);
	if (!items) {
		bt_table_release(&t);
		return BT_ENOMEM;
	}
	for (size_t i = 0; i < t.n_rows && c_med >= 0;) {
		size_t j = i + 1, n = 0;
		while (j < t.n_rows && !t.rows[j].group_start)
			j++;
		const struct bt_result *r0 = &run->results[t.rows[i].result];
		int higher = 0;
		for (size_t k = i; k < j; k++) {
			const struct bt_table_cell *mc = &t.rows[k].cells[c_med];
			const struct bt_result *r = &run->results[t.rows[k].result];
			if (r->status != BT_STATUS_OK || !mc->has_value)
				continue;
			if (r->n_metrics && r->metrics[0].direction == BT_HIGHER_IS_BETTER)
				higher = 1;
			items[n].median = mc->value;
			items[n].row = k;
			n++;
		}
		if (n >= 2) {
			qsort(items, n, sizeof *items, cmp_rank);
			if (higher)
				for (size_t a = 0, b = n - 1; a < b; a++, b--) {
					struct rank_item x = items[a];
					items[a] = items[b];
					items[b] = x;
				}
			bt_strbuf_addc(f, '{');
			bt__js_kstr(f, "group", group_of(r0));
			struct bt_strbuf pk = BT_STRBUF_INIT;
			for (size_t p = 0; p < r0->n_params; p++)
				bt_strbuf_addf(&pk, "%s%s=%s", p ? ";" : "", r0->params[p].key,
					       r0->params[p].value);
			bt__js_kstr(f, "params", bt_strbuf_str(&pk));
			bt_strbuf_release(&pk);
			bt__js_key(f, "items");
			bt_strbuf_addc(f, '[');
			for (size_t k = 0; k < n; k++) {
				const struct bt_table_row *row = &t.rows[items[k].row];
				const struct bt_result *r = &run->results[row->result];
				bt_strbuf_addc(f, '{');
				bt__js_kstr(f, "name", r->name);
				bt__js_kstr(f, "variant", r->variant);
				bt__js_kstr(f, "median", row->cells[c_med].text);
				bt__js_kstr(f, "speedup", c_speed >= 0 ? row->cells[c_speed].text : "-");
				if (c_speed >= 0 && style_class(row->cells[c_speed].style))
					bt__js_kstr(f, "style", style_class(row->cells[c_speed].style));
				bt__js_close(f, '}');
				bt_strbuf_addc(f, ',');
			}
			bt__js_close(f, ']');
			bt_strbuf_add(f, "},", 2);
		}
		i = j;
	}
	free(items);
	bt__js_close(f, ']');
	bt_strbuf_addc(f, ',');
	bt_table_release(&t);
	return 0;
}

static int run_file(struct bt_strbuf *f, const struct bt_run *run, struct bt_strbuf *err)
{
	size_t ok = 0, failed = 0;
	int rc;
	for (size_t i = 0; i < run->n_results; i++) {
		if (run->results[i].status == BT_STATUS_OK)
			ok++;
		else if (run->results[i].status != BT_STATUS_SKIPPED)
			failed++;
	}
	bt_strbuf_reset(f);
	bt_strbuf_adds(f, RUN_FORMAT "\nbtData(\"run\",");
	bt__js_str(f, run->run_id);
	bt_strbuf_adds(f, ",{");
	bt__js_kstr(f, "id", run->run_id);
	bt__js_kstr(f, "type", run->benchmark_type);
	bt__js_kstr(f, "suite", run->suite);
	bt__js_kstr(f, "t", run->timestamp);
	bt__js_knum(f, "duration", run->duration_s);
	bt__js_kstr(f, "commit", run->git.commit);
	bt__js_kstr(f, "branch", run->git.branch);
	bt__js_kint(f, "dirty", run->git.dirty);
	bt__js_kstr(f, "machine", run->machine.name);
	bt__js_kstr(f, "fingerprint", run->machine.fingerprint);
	bt__js_kstr(f, "cpu", run->machine.cpu_model);
	bt__js_kstr(f, "os", run->machine.os);
	bt__js_kstr(f, "compiler", run->build.compiler);
	bt__js_kstr(f, "flags", run->build.flags);
	bt__js_kint(f, "cases", (long long)run->n_results);
	bt__js_kint(f, "ok", (long long)ok);
	bt__js_kint(f, "failed", (long long)failed);
	if ((rc = run_tables(f, run, err)))
		return rc;

	struct bt_crossovers cx;
	struct bt_strbuf text = BT_STRBUF_INIT;
	bt__js_key(f, "crossovers");
	bt_strbuf_addc(f, '[');
	if (bt_report_crossovers(run, NULL, &cx, NULL) == 0) {
		bt_crossovers_render(&cx, 0, &text);
		bt_crossovers_release(&cx);
		for (char *p = text.buf, *nl; p && *p; p = nl ? nl + 1 : NULL) {
			nl = strchr(p, '\n');
			if (nl)
				*nl = '\0';
			if (*p) {
				bt__js_str(f, p);
				bt_strbuf_addc(f, ',');
			}
		}
	}
	bt_strbuf_release(&text);
	bt__js_close(f, ']');
	bt_strbuf_addc(f, ',');

	struct bt_charts ch;
	bt__js_key(f, "charts");
	bt_strbuf_addc(f, '[');
	if (bt_report_charts(run, NULL, &ch, NULL) == 0) {
		for (size_t i = 0; i < ch.n; i++) {
			bt_strbuf_addc(f, '{');
			bt__js_kstr(f, "file", ch.items[i].file);
			bt__js_kstr(f, "title", ch.items[i].title);
			bt__js_kstr(f, "svg", ch.items[i].svg);
			bt__js_close(f, '}');
			bt_strbuf_addc(f, ',');
		}
		bt_charts_release(&ch);
	}
	bt__js_close(f, ']');
	bt_strbuf_addc(f, ',');

	bt__js_key(f, "failures");
	bt_strbuf_addc(f, '[');
	for (size_t i = 0; i < run->n_results; i++) {
		const struct bt_result *r = &run->results[i];
		struct bt_strbuf cn = BT_STRBUF_INIT;
		if (r->status == BT_STATUS_OK || r->status == BT_STATUS_SKIPPED)
			continue;
		case_name(&cn, r);
		f->failed |= cn.failed; /* a name cut short cuts the file */
		bt_strbuf_addc(f, '{');
		bt__js_kstr(f, "case", bt_strbuf_str(&cn));
		bt__js_kstr(f, "status", bt_status_name(r->status));
		bt__js_kstr(f, "message", r->message);
		bt__js_close(f, '}');
		bt_strbuf_addc(f, ',');
		bt_strbuf_release(&cn);
	}
	bt__js_close(f, ']');
	bt_strbuf_adds(f, "});\n");
	return f->failed ? BT_ENOMEM : 0; /* an append ran out of memory */
}

/* 1 when dir/rel exists and starts with RUN_FORMAT. */
static int run_file_current(const char *dir, const char *rel)
{
	char *path = bt__pathf("%s/%s", dir, rel);
	char head[sizeof RUN_FORMAT];
	int fd, ok = 0;
	if (!path)
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return 0;
	ok = read(fd, head, sizeof head - 1) == (ssize_t)(sizeof head - 1) &&
	     memcmp(head, RUN_FORMAT, sizeof head - 1) == 0;
	close(fd);
	return ok;
}

enum { PAGE_NONE, PAGE_WRITTEN, PAGE_KEPT, PAGE_ERROR };

/* 1 when path, symlinks resolved, lies inside the store (d->store_real);
 * 0 when not or when it does not resolve; -1 out of memory. */
static int inside_store(const struct dash *d, const char *path)
{
	char *real = realpath(path, NULL);
	if (!real)
		return errno == ENOMEM ? -1 : 0;
	size_t n = strlen(d->store_real);
	int in = strncmp(real, d->store_real, n) == 0 &&
		 (real[n] == '/' || (n == 1 && d->store_real[0] == '/'));
	free(real);
	return in;
}

static void *run_worker_main(void *arg)
{
	struct run_worker *w = arg;
	struct dash *d = w->d;
	const char *store_dir = bt_store_dir(d->st);
	for (;;) {
		size_t i = __atomic_fetch_add(w->next, 1, __ATOMIC_RELAXED);
		if (i >= d->runs.n)
			break;
		const struct bt_store_entry *e = &d->runs.items[i];
		char stem[128], rel[200];
		struct bt_run run;
		struct bt_strbuf lerr = BT_STRBUF_INIT;
		int rc;
		if (!e->path)
			continue; /* archived: its points stay in the trends */
		safe_name(e->run_id, stem, sizeof stem);
		snprintf(rel, sizeof rel, "data/runs/%s.js", stem);
		if (!d->store_real) {
			/* a PostgreSQL store: the document from the database */
			if (run_file_current(d->dir, rel)) {
				w->state[i] = PAGE_KEPT;
				continue;
			}
			if (bt_run_init(&run)) {
				rc = BT_ENOMEM;
				goto fatal;
			}
			rc = bt__store_load_summary(d->st, e->run_id, &run, &lerr);
			goto loaded;
		}
		char *path = bt__pathf("%s/%s", store_dir, e->path);
		if (!path) {
			rc = BT_ENOMEM;
			goto fatal;
		}
		/* only what serve's API would give out: a run file that
		 * resolves (symlinks followed) to a path inside the store;
		 * one outside gets no page, nor keeps an earlier one */
		if ((rc = inside_store(d, path)) != 1) {
			free(path);
			if (rc < 0) {
				rc = BT_ENOMEM;
				goto fatal;
			}
			w->state[i] = PAGE_ERROR;
			w->why[i] = bt__pathf("%s/%s: does not resolve to a file inside the store",
					      store_dir, e->path);
			continue;
		}
		if (run_file_current(d->dir, rel)) {
			free(path);
			w->state[i] = PAGE_KEPT;
			continue;
		}
		if (bt_run_init(&run)) {
			free(path);
			rc = BT_ENOMEM;
			goto fatal;
		}
		/* pages and rankings show summary statistics only: no samples */
		rc = bt__run_read_file_summary(&run, path, &lerr);
		free(path);
loaded:
		if (!rc)
			rc = run_file(&w->file, &run, &lerr);
		bt_run_release(&run);
		if (rc == BT_ENOMEM) {
			bt_strbuf_release(&lerr);
			goto fatal;
		}
		if (rc) {
			w->state[i] = PAGE_ERROR; /* unreadable run: no page */
			w->why[i] = lerr.len ? strdup(lerr.buf)
					     : bt__pathf("%s/%s: %s", store_dir, e->path,
							 bt_strerror(rc));
			bt_strbuf_release(&lerr);
			continue;
		}
		bt_strbuf_release(&lerr);
		if ((rc = bt__dash_put_file_at(d->dir, rel, w->file.buf, w->file.len, w->tag, &w->err)))
			goto fatal;
		w->files++;
		w->state[i] = PAGE_WRITTEN;
		continue;
fatal:
		w->rc = rc;
		w->rc_at = i;
		/* stop the others soon: no new runs are taken */
		__atomic_store_n(w->next, d->runs.n, __ATOMIC_RELAXED);
		break;
	}
	return NULL;
}

/* Contract in dash.h. */
int bt__dash_runs_start(struct dash *d, struct run_pool *p)
{
	memset(p, 0, sizeof *p);
	p->keep = calloc(d->runs.n ? d->runs.n : 1, sizeof *p->keep);
	p->state = calloc(d->runs.n ? d->runs.n : 1, 1);
	p->why = calloc(d->runs.n ? d->runs.n : 1, sizeof *p->why);
	p->n_why = d->runs.n;
	if (!p->keep || !p->state || !p->why)
		return BT_ENOMEM;
	for (unsigned t = 0; t < RUN_THREADS; t++) {
		p->w[t].d = d;
		p->w[t].tag = t;
		p->w[t].next = &p->next;
		p->w[t].state = p->state;
		p->w[t].why = p->why;
		bt_strbuf_init(&p->w[t].err);
		bt_strbuf_init(&p->w[t].file);
	}
	/* worker 0 is this thread (in bt__dash_runs_finish); a worker
	 * that cannot start leaves its share to the others */
	for (unsigned t = 1; t < RUN_THREADS; t++)
		p->started[t] = pthread_create(&p->th[t], NULL, run_worker_main,
					       &p->w[t]) == 0;
	return 0;
}

/* Contract in dash.h. */
int bt__dash_runs_finish(struct dash *d, struct run_pool *p, int abort)
{
	int rc = 0;
	if (abort)
		__atomic_store_n(&p->next, d->runs.n, __ATOMIC_RELAXED);
	else if (p->state)
		run_worker_main(&p->w[0]);
	for (unsigned t = 1; t < RUN_THREADS; t++)
		if (p->started[t])
			pthread_join(p->th[t], NULL);
	if (!abort && p->state) {
		/* the fatal error of the lowest run index, whatever the timing */
		int first = -1;
		for (unsigned t = 0; t < RUN_THREADS; t++) {
			d->stats.files += p->w[t].files;
			if (p->w[t].rc && (first < 0 || p->w[t].rc_at < p->w[first].rc_at))
				first = (int)t;
		}
		if (first >= 0) {
			rc = p->w[first].rc;
			if (d->err && p->w[first].err.len)
				bt_strbuf_add(d->err, p->w[first].err.buf, p->w[first].err.len);
		}
		for (size_t i = 0; i < d->runs.n; i++) {
			switch (p->state[i]) {
			case PAGE_WRITTEN: d->has_page[i] = 1; d->stats.run_pages++; break;
			case PAGE_KEPT: d->has_page[i] = 1; d->stats.run_pages_kept++; break;
			case PAGE_ERROR:
				d->stats.run_errors++;
				if (d->run_errors)
					bt_strbuf_addf(d->run_errors, "%s: %s\n",
						       d->runs.items[i].run_id ? d->runs.items[i].run_id : "?",
						       p->why[i] ? p->why[i] : "cannot be read");
				break;
			}
		}
		/* the pages to keep: those of runs with a page now (an
		 * unreadable run's earlier page goes) */
		for (size_t i = 0; !rc && i < d->runs.n; i++) {
			char stem[128];
			if (!d->has_page[i])
				continue;
			safe_name(d->runs.items[i].run_id, stem, sizeof stem);
			if (!(p->keep[p->n_keep++] = strdup(stem)))
				rc = BT_ENOMEM;
		}
		if (!rc)
			qsort(p->keep, p->n_keep, sizeof *p->keep, bt__dash_cmp_str);
	}
	for (unsigned t = 0; t < RUN_THREADS; t++) {
		bt_strbuf_release(&p->w[t].err);
		bt_strbuf_release(&p->w[t].file);
	}
	free(p->state);
	p->state = NULL;
	return rc;
}

/* Frees what bt__dash_runs_start and bt__dash_runs_finish left. */
void bt__dash_runs_release(struct run_pool *p)
{
	for (size_t i = 0; i < p->n_keep; i++)
		free(p->keep[i]);
	free(p->keep);
	if (p->why)
		for (size_t i = 0; i < p->n_why; i++)
			free(p->why[i]);
	free(p->why);
	memset(p, 0, sizeof *p);
}
