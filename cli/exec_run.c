/* benchtrack exec: running the commands (bt_exec_run) with progress,
 * Ctrl-C and warnings, then the run stamped, stored, exported and
 * printed with the hyperfine-like summary. Contracts in cli/exec.h. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "benchtrack/analysis.h"
#include "benchtrack/import.h"
#include "cmd.h"
#include "exec.h"

/* The time samples of an ok result, or NULL. */
static const struct bt_metric *time_of(const struct bt_result *r)
{
	const struct bt_metric *m = bt_result_metric(r, "time");
	if (r->status != BT_STATUS_OK || !m || m->n_samples == 0 ||
	    !(m->stats.median > 0))
		return NULL;
	for (size_t i = 0; i < m->n_samples; i++)
		if (!(m->samples[i] > 0))
			return NULL; /* no ratio on logs */
	return m;
}

struct line {
	size_t i;
	double ratio, lo, hi;
};

static int by_ratio(const void *a, const void *b)
{
	const struct line *x = a, *y = b;
	return (x->ratio > y->ratio) - (x->ratio < y->ratio);
}

int cli_exec_summary(const struct bt_run *run, const char *const *display,
		     size_t n, long ref, struct bt_strbuf *out)
{
	size_t best = (size_t)-1, ok = 0;
	if (n > run->n_results)
		n = run->n_results;
	for (size_t i = 0; i < n; i++) {
		const struct bt_metric *m = time_of(&run->results[i]);
		if (!m)
			continue;
		ok++;
		if (best == (size_t)-1 ||
		    m->stats.median < time_of(&run->results[best])->stats.median)
			best = i;
	}
	if (ref >= 0) {
		if ((size_t)ref >= n || !time_of(&run->results[ref]))
			return 0; /* the reference failed: nothing to say */
		best = (size_t)ref;
	}
	if (ok < 2)
		return 0;
	struct line *lines = calloc(ok, sizeof *lines);
	if (!lines)
		return BT_ENOMEM;
	size_t nl = 0;
	const struct bt_metric *b = time_of(&run->results[best]);
	for (size_t i = 0; i < n; i++) {
		const struct bt_metric *m = time_of(&run->results[i]);
		double ratio, lo, hi;
		if (i == best || !m)
			continue;
		if (bt_hodges_lehmann_ratio(b->samples, b->n_samples, m->samples,
					    m->n_samples, 0.95, &ratio, &lo, &hi) != 0)
			continue;
		lines[nl].i = i;
		lines[nl].ratio = ratio;
		lines[nl].lo = lo;
		lines[nl].hi = hi;
		nl++;
	}
	qsort(lines, nl, sizeof *lines, by_ratio);
	if (nl)
		bt_strbuf_adds(out, "\nSummary (median time, 95% interval)\n");
	for (size_t k = 0; k < nl; k++) {
		double r = lines[k].ratio, h = (lines[k].hi - lines[k].lo) / 2;
		int slower = r < 1;
		if (slower) { /* only a reference can be slower */
			h = (1 / lines[k].lo - 1 / lines[k].hi) / 2;
			r = 1 / r;
		}
		bt_strbuf_addf(out, "  %s ran %.2f \xc2\xb1 %.2f times %s than %s\n",
			       display[best], r, h, slower ? "slower" : "faster",
			       display[lines[k].i]);
	}
	free(lines);
	return 0;
}

static volatile int stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Progress on stderr as run shows it: on a terminal one line redrawn (at
 * most 10 times a second), in a log one line when a command first runs;
 * -v: every run. */
struct progress {
	const struct cli_exec_plan *plan;
	int level, tty;
	double start, last;
	unsigned char *seen;
	int drawn;
};

static void progress(void *ud, const struct bt_exec_progress *p)
{
	struct progress *pr = ud;
	double t = now_s();
	const char *name = p->cmd < pr->plan->n ? pr->plan->display[p->cmd] : "?";
	if (pr->level <= BT_LOG_QUIET)
		return;
	long el = (long)(t - pr->start);
	if (pr->level >= BT_LOG_DEBUG) {
		if (pr->drawn)
			fputs("\r\033[K", stderr);
		pr->drawn = 0;
		fprintf(stderr, "%s %s: %.6f s\n", p->warmup ? "warmup" : "run", name,
			p->last_s);
	}
	if (!pr->tty) {
		if (p->cmd < pr->plan->n && !pr->seen[p->cmd]) {
			pr->seen[p->cmd] = 1;
			fprintf(stderr, "[%zu/%zu] %s (elapsed %02ld:%02ld)\n", p->cmd + 1,
				pr->plan->n, name, el / 60, el % 60);
			fflush(stderr);
		}
		return;
	}
	if (t - pr->last < 0.1 && pr->drawn)
		return;
	pr->last = t;
	pr->drawn = 1;
	fprintf(stderr, "\r\033[K[%zu/%zu] %.50s  %s %zu/%zu  all %zu/%zu  "
		"elapsed %02ld:%02ld", p->cmd + 1, pr->plan->n, name,
		p->warmup ? "warmup, runs" : "runs", p->cmd_done, p->cmd_total,
		p->done, p->total, el / 60, el % 60);
	fflush(stderr);
}

void cli_exec_warnings(const char *cmd, const struct bt_strbuf *warn)
{
	const char *s = bt_strbuf_str(warn);
	while (*s) {
		size_t n = strcspn(s, "\n");
		if (n)
			cli_warn(cmd, "%.*s", (int)n, s);
		s += n + (s[n] == '\n');
	}
}

/* Writes text to path ("-": stdout); 0 or 3 (printed). */
static int write_to(const char *what, const char *path, const struct bt_strbuf *text)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
	int ok = fp && fwrite(text->buf ? text->buf : "", 1, text->len, fp) == text->len;
	if (fp && fp != stdout)
		ok = (fclose(fp) == 0) && ok;
	else if (fp)
		ok = fflush(stdout) == 0 && ok;
	if (!ok) {
		bt_front_error("exec: %s: %s: %s", what, path, strerror(errno));
		return BT_EXIT_ERROR;
	}
	return 0;
}

/* --export-json (hyperfine's format), --export-markdown, --export-csv;
 * 0 or 3 (printed). */
static int exports(const struct cli_exec_out *a, const struct bt_run *run)
{
	struct bt_strbuf out = BT_STRBUF_INIT, err = BT_STRBUF_INIT;
	int code = 0, rc;
	if (a->export_json) {
		if ((rc = bt_export_run(run, BT_FORMAT_HYPERFINE, &out, &err)))
			code = cli_fail(BT_EXIT_ERROR, "exec", rc, &err);
		else
			code = write_to("--export-json", a->export_json, &out);
	}
	for (int k = 0; k < 2 && !code; k++) {
		const char *path = k ? a->export_csv : a->export_md;
		struct bt_table t;
		if (!path)
			continue;
		bt_strbuf_reset(&out);
		if ((rc = bt_table_from_run(run, NULL, &t, &err)) == 0) {
			rc = k ? bt_table_render_csv(&t, &out)
			       : bt_table_render_markdown(&t, &out);
			bt_table_release(&t);
		}
		code = rc ? cli_fail(BT_EXIT_ERROR, "exec", rc, &err)
			  : write_to(k ? "--export-csv" : "--export-markdown", path, &out);
	}
	bt_strbuf_release(&out);
	bt_strbuf_release(&err);
	return code;
}

/* The table (or --format) as run prints it, the summary under a table,
 * then the line of statuses on stderr. Returns bt_front_emit's code. */
static int emit(struct bt_front *f, const struct cli_exec_out *x,
		const struct bt_run *run, const struct cli_exec_plan *plan)
{
	int table = strcmp(f->format, "table") == 0, level = f->log_level;
	f->log_level = BT_LOG_QUIET; /* its status line: after the summary */
	int code = bt_front_emit(f, run);
	f->log_level = level;
	if (code == BT_EXIT_ERROR)
		return code;
	if (table) {
		struct bt_strbuf s = BT_STRBUF_INIT;
		if (cli_exec_summary(run, plan->display, plan->n, x->reference ? 0 : -1,
				     &s) ||
		    cli_write_stdout(&s))
			code = BT_EXIT_ERROR;
		bt_strbuf_release(&s);
	}
	if (level >= BT_LOG_INFO && table) {
		size_t count[BT_STATUS_SKIPPED + 1] = { 0 };
		for (size_t i = 0; i < run->n_results; i++)
			count[run->results[i].status]++;
		fprintf(stderr, "%zu benchmark%s", run->n_results,
			run->n_results == 1 ? "" : "s");
		for (int s = 0, first = 1; s <= BT_STATUS_SKIPPED; s++)
			if (count[s]) {
				fprintf(stderr, "%s %zu %s", first ? ":" : ",", count[s],
					bt_status_name((enum bt_status)s));
				first = 0;
			}
		fprintf(stderr, " (%.1f s)%s%s\n", run->duration_s,
			f->out ? "; written to " : "", f->out ? f->out : "");
	}
	return code;
}

int cli_exec_run(struct bt_front *f, struct bt_exec_opts *o,
		 const struct cli_exec_out *x, const struct cli_exec_plan *plan)
{
	struct bt_run run;
	struct bt_strbuf warn = BT_STRBUF_INIT, err = BT_STRBUF_INIT;
	struct progress pr = { plan, f->log_level, isatty(STDERR_FILENO), now_s(), 0,
			       calloc(plan->n + 1, 1), 0 };
	struct sigaction sa, old_int, old_term;
	int code = BT_EXIT_ERROR, rc;

	if (!pr.seen || bt_run_init(&run)) {
		free(pr.seen);
		bt_front_error("exec: out of memory");
		return BT_EXIT_ERROR;
	}
	if ((rc = bt_front_context(f, &run, NULL, "exec"))) {
		cli_fail(BT_EXIT_ERROR, "exec", rc, NULL);
		goto out;
	}
	o->progress = progress;
	o->ud = &pr;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal; /* no SA_RESTART: the engine's waits return */
	sigemptyset(&sa.sa_mask);
	stop_signal = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	/* the handler sets stop_signal; the engine watches stop */
	o->stop = &stop_signal;
	rc = bt_exec_run(o, plan->cmds, plan->n, &run, &warn, &err);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (pr.drawn)
		fputs("\r\033[K", stderr);
	if (f->log_level >= BT_LOG_INFO)
		cli_exec_warnings("exec", &warn);
	if (rc == BT_EINTR || stop_signal) {
		int sig = stop_signal ? stop_signal : SIGINT;
		bt_front_error("exec: interrupted by signal %d (%s); nothing stored", sig,
			       strsignal(sig));
		code = 128 + sig;
		goto out;
	}
	if (rc) {
		code = cli_fail(rc == BT_EINVAL ? BT_EXIT_USAGE : BT_EXIT_ERROR, "exec",
				rc, &err);
		goto out;
	}
	for (size_t i = 0; i < run.n_results; i++) {
		struct bt_result *r = &run.results[i];
		char key[17];
		bt_series_key(run.suite, r, run.machine.fingerprint,
			      r->n_metrics ? r->metrics[0].name : "time", key);
		r->series_key = bt_run_strdup(&run, key);
	}
	int stored = f->no_store ? BT_EXIT_OK
		     : cli_store_run("exec", f->store, f->log_level < BT_LOG_INFO, &run);
	int exported = exports(x, &run);
	code = emit(f, x, &run, plan);
	if (code == BT_EXIT_OK || code == BT_EXIT_CASE_FAILED)
		code = stored ? stored : exported ? exported : code;
out:
	free(pr.seen);
	bt_run_release(&run);
	bt_strbuf_release(&warn);
	bt_strbuf_release(&err);
	return code;
}
