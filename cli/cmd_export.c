/* benchtrack export RUN --format F [--out FILE]: a run in another tool's
 * format (lib/export/, bt_export_run). */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "internal.h"
#include "opts.h"

static int cmd_export(int argc, char **argv)
{
	const char *store = NULL, *format = NULL, *out_file = NULL;
	int n_args;
	char *args[2];
	const struct cli_opt opts[] = {
		{ "--format", &format, NULL },
		{ "--out", &out_file, NULL },
		{ "--store", &store, NULL },
		{ NULL, NULL, NULL },
	};
	int code;
	if ((code = cli_opts(argc, argv, opts, args, 2, &n_args)) >= 0)
		return code;
	if (n_args != 1) {
		bt_front_error("export: expected one run (usage: benchtrack export RUN "
			       "--format gbench|hyperfine|pytest-benchmark|csv [--out FILE])");
		return BT_EXIT_USAGE;
	}
	if (!format) {
		bt_front_error("export: --format is required: gbench, hyperfine, "
			       "pytest-benchmark or csv");
		return BT_EXIT_USAGE;
	}
	int f = bt_format_parse(format);
	if (f != BT_FORMAT_GBENCH && f != BT_FORMAT_HYPERFINE &&
	    f != BT_FORMAT_PYTEST_BENCHMARK && f != BT_FORMAT_CSV) {
		bt_front_error("export: --format '%s': expected gbench, hyperfine, "
			       "pytest-benchmark or csv%s",
			       format, f >= 0 ? " (the others can be imported, not exported)" : "");
		return BT_EXIT_USAGE;
	}

	struct bt_strbuf err = BT_STRBUF_INIT, out = BT_STRBUF_INIT;
	struct bt_run run;
	if ((code = cli_open_run("export", "--out", out_file, "file", store, args[0], &run)))
		return code;
	int rc = bt_export_run(&run, (enum bt_format)f, &out, &err);
	if (!rc && out_file)
		rc = bt__write_file_atomic(out_file, out.buf ? out.buf : "", out.len, &err);
	if (rc) {
		code = cli_fail(BT_EXIT_ERROR, "export", rc, &err);
		goto done;
	}
	size_t left = bt_export_left_out(&run, (enum bt_format)f);
	if (left)
		cli_warn("export", "%s: %zu of %zu results left out (%s)", format, left,
			 run.n_results,
			 f == BT_FORMAT_CSV	   ? "no samples"
			 : f == BT_FORMAT_GBENCH ? "no time samples"
						 : "not ok, or no time samples");
	code = out_file ? BT_EXIT_OK : cli_write_stdout(&out);
done:
	bt_run_release(&run);
	bt_strbuf_release(&err);
	bt_strbuf_release(&out);
	return code;
}

const struct cli_cmd cli_cmd_export = {
	"export", "export RUN --format gbench|hyperfine|pytest-benchmark|csv [--out FILE]",
	"write a run in another tool's format (Google Benchmark, hyperfine, ...)", cmd_export,
	0 /* a run file or one of the store */
};
