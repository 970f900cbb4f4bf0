/* Output of the runner front end: context, progress line, table / JSON /
 * CSV / Markdown, errors. */
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "benchtrack/report.h"
#include "front.h"

int bt_front_color(FILE *stream)
{
	const char *nc = getenv("NO_COLOR");
	if (nc && *nc)
		return 0;
	const char *term = getenv("TERM");
	if (term && strcmp(term, "dumb") == 0)
		return 0;
	return isatty(fileno(stream));
}

void bt_front_error(const char *fmt, ...)
{
	int color = bt_front_color(stderr);
	fprintf(stderr, "%sbenchtrack: error:%s ", color ? "\033[1;31m" : "",
		color ? "\033[0m" : "");
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int bt_front_context(struct bt_front *f, struct bt_run *run,
		     const struct bt_build_info *build, const char *argv0)
{
	int rc;
	if ((rc = bt_context_stamp(run)) || (rc = bt_context_machine(run)) ||
	    (rc = bt_context_git(run, f->git_dir)))
		return rc;
	if (f->git_dir && !run->git.commit) {
		bt_front_error("--git-dir %s: no git commit there (not a "
			       "repository, or git is missing)", f->git_dir);
		return BT_EINVAL;
	}
	/* a suite started from outside its repository: the repository of
	 * the executable's directory (argv0 as it was started) */
	if (!f->git_dir && !run->git.commit && argv0 && strchr(argv0, '/')) {
		char *copy = strdup(argv0);
		if (!copy)
			return BT_ENOMEM;
		rc = bt_context_git(run, dirname(copy));
		free(copy);
		if (rc)
			return rc;
	}
	const char *type = f->type ? f->type
			   : f->cfg.ablation ? "ablation" : "comprehensive";
	run->benchmark_type = bt_run_strdup(run, type);
	if (f->suite) {
		run->suite = bt_run_strdup(run, f->suite);
	} else {
		char *copy = strdup(argv0 ? argv0 : "suite");
		run->suite = bt_run_strdup(run, copy ? basename(copy) : "suite");
		free(copy);
	}
	if (build) {
		run->build.compiler = bt_run_strdup(run, build->compiler);
		run->build.flags = bt_run_strdup(run, build->flags);
		run->build.optimized = build->optimized;
	}
	run->build.benchtrack_version = BENCHTRACK_VERSION;
	if (!run->benchmark_type || !run->suite)
		return BT_ENOMEM;
	return 0;
}

void bt_front_declared_type(const struct bt_front *f, struct bt_run *run)
{
	if (f->type || f->cfg.ablation)
		return;
	const char *t = bt_run_declared_type(run);
	const char *copy = bt_run_strdup(run, t ? t : "comprehensive");
	if (copy)
		run->benchmark_type = copy;
}

static void clock_text(double s, char *buf, size_t n)
{
	long t = (long)(s + 0.5);
	if (t >= 3600)
		snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(buf, n, "%02ld:%02ld", t / 60, t % 60);
}

void bt_front_progress(void *ud, size_t index, size_t total,
		       const struct bt_case *c, const struct bt_result *done)
{
	struct bt_front *f = ud;
	static double start;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	double now = (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
	if (index == 0 && !done)
		start = now;
	int tty = isatty(STDERR_FILENO);
	if (done) {
		struct bt_strbuf w = BT_STRBUF_INIT;
		double res = 0;
		bt_timer_info(&res, NULL);
		int warn = f->log_level >= BT_LOG_WARN &&
			   bt_result_sample_warning(done, res, f->cfg.min_sample_time, &w);
		if (f->log_level >= BT_LOG_DEBUG ||
		    (f->log_level >= BT_LOG_WARN && done->status != BT_STATUS_OK &&
		     done->status != BT_STATUS_SKIPPED)) {
			if (tty)
				fputs("\r\033[K", stderr);
			fprintf(stderr, "[%zu/%zu] %s: %s%s%s (%.2f s)\n", index + 1,
				total, c->id, bt_status_name(done->status),
				done->message ? ": " : "",
				done->message ? done->message : "", done->wall_s);
		}
		if (warn) {
			if (tty)
				fputs("\r\033[K", stderr);
			fprintf(stderr, "benchtrack: warning: %s: %s\n", c->id, w.buf);
		}
		bt_strbuf_release(&w);
		if (tty && index + 1 == total)
			fputs("\r\033[K", stderr);
		return;
	}
	if (f->log_level < BT_LOG_INFO)
		return;
	char el[32], eta[32] = "--:--";
	clock_text(now - start, el, sizeof el);
	if (index > 0)
		clock_text((now - start) / (double)index * (double)(total - index),
			   eta, sizeof eta);
	if (!tty) {
		/* a log (CI): one plain line per case, so that a long job
		 * shows it lives */
		fprintf(stderr, "[%zu/%zu] %s (elapsed %s, left %s%s)\n", index + 1,
			total, c->id, el, index > 0 ? "~" : "", eta);
		fflush(stderr);
		return;
	}
	fprintf(stderr, "\r\033[K[%zu/%zu] %.60s  elapsed %s  ETA %s", index + 1,
		total, c->id, el, eta);
	fflush(stderr);
}

int bt_front_emit(struct bt_front *f, const struct bt_run *run)
{
	struct bt_strbuf out = BT_STRBUF_INIT, err = BT_STRBUF_INIT;
	int rc = 0, code = BT_EXIT_OK;
	if (f->out && (rc = bt_run_write_file(run, f->out, &err))) {
		bt_front_error("%s", bt_strbuf_str(&err));
		code = BT_EXIT_ERROR;
		goto done;
	}
	if (strcmp(f->format, "none") == 0) {
		/* nothing on stdout */
	} else if (strcmp(f->format, "json") == 0) {
		rc = bt_run_to_json(run, 1, &out, &err);
		if (!rc)
			bt_strbuf_addc(&out, '\n');
	} else {
		struct bt_table t;
		struct bt_table_opts o = { f->baseline, NULL };
		rc = bt_table_from_run(run, &o, &t, &err);
		if (!rc) {
			if (strcmp(f->format, "csv") == 0)
				rc = bt_table_render_csv(&t, &out);
			else if (strcmp(f->format, "md") == 0)
				rc = bt_table_render_markdown(&t, &out);
			else
				rc = bt_table_render_text(&t, bt_front_color(stdout), &out);
		}
		bt_table_release(&t);
		/* where implementations overtake each other, under the table */
		int md = strcmp(f->format, "md") == 0;
		struct bt_crossovers cx;
		if (!rc && (md || strcmp(f->format, "table") == 0) &&
		    !(rc = bt_report_crossovers(run, f->baseline, &cx, &err))) {
			if (cx.n) {
				bt_strbuf_adds(&out, md ? "\n**Crossovers**\n\n"
							: "\ncrossovers:\n");
				rc = bt_crossovers_render(&cx, md, &out);
			}
			bt_crossovers_release(&cx);
		}
	}
	if (rc) {
		bt_front_error("%s", err.len ? err.buf : bt_strerror(rc));
		code = BT_EXIT_ERROR;
		goto done;
	}
	if (out.len && fwrite(out.buf, 1, out.len, stdout) != out.len)
		code = BT_EXIT_ERROR;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		bt_front_error("could not write the output: stdout");
		code = BT_EXIT_ERROR;
	}
	size_t failed = bt_run_failures(run);
	if (f->log_level >= BT_LOG_INFO && strcmp(f->format, "table") == 0) {
		size_t count[BT_STATUS_SKIPPED + 1] = { 0 };
		for (size_t i = 0; i < run->n_results; i++)
			count[run->results[i].status]++;
		fprintf(stderr, "%zu case%s", run->n_results,
			run->n_results == 1 ? "" : "s");
		const char *sep = ":";
		for (int s = 0; s <= BT_STATUS_SKIPPED; s++)
			if (count[s]) {
				fprintf(stderr, "%s %zu %s", sep, count[s],
					bt_status_name((enum bt_status)s));
				sep = ",";
			}
		fprintf(stderr, " (%.1f s)%s%s\n", run->duration_s,
			f->out ? "; written to " : "", f->out ? f->out : "");
	}
	if (code == BT_EXIT_OK && failed > 0)
		code = BT_EXIT_CASE_FAILED;
done:
	bt_strbuf_release(&out);
	bt_strbuf_release(&err);
	return code;
}
