/* benchtrack report RUN: the Markdown (with SVG plots), CSV or JSON report
 * of one run. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "opts.h"

static int cmd_report(int argc, char **argv)
{
	const char *store = NULL, *format = "md", *out_dir = NULL, *baseline = NULL,
		   *metric = NULL;
	int n_args;
	char *args[2];
	const struct cli_opt opts[] = {
		{ "--store", &store, NULL },	   { "--format", &format, NULL },
		{ "--out", &out_dir, NULL },	   { "--baseline", &baseline, NULL },
		{ "--metric", &metric, NULL },	   { NULL, NULL, NULL },
	};
	int code;
	if ((code = cli_opts(argc, argv, opts, args, 2, &n_args)) >= 0)
		return code;
	enum bt_report_format fmt;
	if (strcmp(format, "md") == 0 || strcmp(format, "markdown") == 0) {
		fmt = BT_REPORT_MD;
	} else if (strcmp(format, "csv") == 0) {
		fmt = BT_REPORT_CSV;
	} else if (strcmp(format, "json") == 0) {
		fmt = BT_REPORT_JSON;
	} else {
		bt_front_error("report: --format: '%s' is not one of md, csv, json", format);
		return BT_EXIT_USAGE;
	}
	if (n_args != 1) {
		/* `report --store DIR` alone once wrote the dashboard: say
		 * where that went */
		bt_front_error("report: expected one run (usage: benchtrack report RUN "
			       "[--format md|csv|json] [--out DIR])%s",
			       n_args == 0 && store ? "; the HTML dashboard of a store is "
						      "`benchtrack dashboard --store DIR`"
						    : "");
		return BT_EXIT_USAGE;
	}

	struct bt_strbuf err = BT_STRBUF_INIT, out = BT_STRBUF_INIT;
	struct bt_run run;
	if ((code = cli_open_run("report", "--out", out_dir, "directory", store, args[0], &run)))
		return code;
	struct bt_table_opts topts = { baseline, metric };
	int rc;
	if (out_dir) {
		rc = bt_report_write(&run, &topts, fmt, out_dir, &err);
		if (!rc) {
			size_t n = strlen(out_dir);
			bt_strbuf_addf(&out, "%s%sreport.%s\n", out_dir,
				       out_dir[n - 1] == '/' ? "" : "/",
				       fmt == BT_REPORT_MD ? "md" : fmt == BT_REPORT_CSV ? "csv" : "json");
		}
	} else if (fmt == BT_REPORT_MD) {
		rc = bt_report_markdown(&run, &topts, NULL, &out, &err);
	} else if (fmt == BT_REPORT_CSV) {
		rc = bt_report_csv(&run, &topts, &out, &err);
	} else {
		rc = bt_report_json(&run, &topts, NULL, &out, &err);
	}
	if (rc) {
		/* a --baseline or --metric that names nothing is a usage error */
		code = cli_fail(rc == BT_ENOTFOUND && (baseline || metric) ? BT_EXIT_USAGE
									    : BT_EXIT_ERROR,
				"report", rc, &err);
		goto done;
	}
	code = cli_write_stdout(&out);
done:
	bt_run_release(&run);
	bt_strbuf_release(&err);
	bt_strbuf_release(&out);
	return code;
}

const struct cli_cmd cli_cmd_report = { "report", "report RUN [--format F] [--out DIR]",
					"write the Markdown/CSV/JSON report of a run, with plots",
					cmd_report, 0 /* a run file or one of the store */ };
