/* benchtrack dashboard [--out DIR] [--store DIR] [--title T]: the static
 * HTML dashboard of the whole store (lib/report/dashboard/). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "opts.h"

/* Writes the dashboard of the store at store_dir (NULL: the default) into
 * out (NULL: STORE/dashboard, or ./dashboard for a PostgreSQL store) and prints where it is; each run that could
 * not be read is named on stderr, and makes the exit code 3 once the rest
 * is written. Returns the exit code. */
static int dashboard_write(const char *cmd, const char *store_dir, const char *out,
			   const char *title)
{
	struct bt_store *st;
	struct bt_strbuf err = BT_STRBUF_INIT, msg = BT_STRBUF_INIT, bad = BT_STRBUF_INIT;
	struct bt_dashboard_opts o;
	struct bt_dashboard_stats stats;
	struct timespec t0, t1;
	char *dir = NULL;
	int code = BT_EXIT_ERROR, rc;

	memset(&o, 0, sizeof o);
	o.title = title;
	o.run_errors = &bad;
	if (!(st = cli_store(store_dir)))
		goto out;
	if (out)
		dir = strdup(out);
	else if (bt_store_is_remote(st))
		dir = strdup("dashboard"); /* a PostgreSQL store: in the working directory */
	else if (asprintf(&dir, "%s/dashboard", bt_store_dir(st)) < 0)
		dir = NULL;
	if (!dir) {
		bt_front_error("%s: out of memory", cmd);
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((rc = bt_dashboard_write(st, dir, &o, &stats, &err))) {
		cli_fail(code, cmd, rc, &err);
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	bt_strbuf_addf(&msg, "%s/index.html: %zu run%s, %zu series, %zu point%s "
		       "(%zu run page%s written, %zu kept) in %.2f s; %zu series read\n", dir,
		       stats.runs, stats.runs == 1 ? "" : "s", stats.series,
		       stats.points, stats.points == 1 ? "" : "s", stats.run_pages,
		       stats.run_pages == 1 ? "" : "s", stats.run_pages_kept,
		       (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec),
		       stats.series_read);
	code = cli_write_stdout(&msg);
	if (stats.run_errors) {
		/* one line per run: "RUN_ID: WHY" */
		for (char *line = bad.buf, *nl; line && (nl = strchr(line, '\n')); line = nl + 1) {
			*nl = '\0';
			bt_front_error("%s: no page for run %s", cmd, line);
		}
		bt_front_error("%s: %zu run%s could not be read and %s no page "
			       "(benchtrack verify checks the store)", cmd, stats.run_errors,
			       stats.run_errors == 1 ? "" : "s",
			       stats.run_errors == 1 ? "has" : "have");
		code = BT_EXIT_ERROR;
	}
out:
	free(dir);
	bt_strbuf_release(&err);
	bt_strbuf_release(&msg);
	bt_strbuf_release(&bad);
	return code;
}

static int cmd_dashboard(int argc, char **argv)
{
	const char *store_dir = NULL, *out = NULL, *title = NULL;
	int n_args = 0, code;
	char *args[1];
	struct cli_opt opts[] = {
		{ "--store", &store_dir, NULL }, { "--out", &out, NULL },
		{ "--title", &title, NULL },     { NULL, NULL, NULL },
	};

	if ((code = cli_opts(argc, argv, opts, args, 0, &n_args)) >= 0)
		return code;
	if (out && !*out) {
		bt_front_error("dashboard: --out: empty directory name");
		return BT_EXIT_USAGE;
	}
	return dashboard_write("dashboard", store_dir, out, title);
}

const struct cli_cmd cli_cmd_dashboard = {
	"dashboard", "dashboard [--out DIR] [--store DIR]",
	"the static HTML dashboard of the store", cmd_dashboard,
	CLI_STORE | CLI_READONLY
};
