/* benchtrack show FILE: the table of a stored run. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"

static int cmd_show(int argc, char **argv)
{
	struct bt_front f;
	struct bt_strbuf err = BT_STRBUF_INIT;
	struct bt_run run;
	int code;
	if ((code = cli_front_opts(&f, argc, argv)) >= 0)
		goto out;
	/* the runner flags parse here too, but only these mean something */
	static const struct {
		const char *name;
		int arg;
	} allowed[] = { { "--format", 1 }, { "--baseline", 1 }, { "--log-level", 1 },
			{ "--store", 1 },
			{ "--verbose", 0 }, { "--quiet", 0 }, { "-v", 0 }, { "-q", 0 } };
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] != '-' || !argv[i][1])
			continue;
		size_t len = strcspn(argv[i], "="), k, n = sizeof allowed / sizeof *allowed;
		for (k = 0; k < n; k++)
			if (strlen(allowed[k].name) == len &&
			    strncmp(argv[i], allowed[k].name, len) == 0)
				break;
		if (k == n) {
			bt_front_error("show: option '%.*s' does not apply to show",
				       (int)len, argv[i]);
			code = BT_EXIT_USAGE;
			goto out;
		}
		if (allowed[k].arg && !argv[i][len])
			i++; /* its value */
	}
	if (f.n_args != 1) {
		bt_front_error("show: expected one run (usage: benchtrack show RUN|FILE)");
		code = BT_EXIT_USAGE;
		goto out;
	}
	if (bt_run_init(&run)) {
		code = BT_EXIT_ERROR;
		goto out;
	}
	/* a file, else a reference into the store (id, latest, commit...) */
	int rc;
	struct stat sb;
	if (stat(f.args[0], &sb) == 0 && S_ISREG(sb.st_mode)) {
		rc = bt_run_read_file(&run, f.args[0], &err);
	} else if (stat(f.args[0], &sb) == 0 && !S_ISDIR(sb.st_mode)) {
		/* a FIFO, a device: there, but not a run file */
		rc = bt_error(&err, BT_EIO, "%s: not a regular file", f.args[0]);
	} else {
		struct bt_store *st;
		rc = bt_store_open(&st, f.store, BT_STORE_READONLY, &err);
		if (!rc) {
			rc = cli_ref_error(f.args[0],
					   bt_store_load(st, f.args[0], &run, &err), 0,
					   &err);
			bt_store_close(st);
		} else {
			cli_ref_error(f.args[0], rc, 1, &err);
		}
	}
	if (rc) {
		code = cli_fail(BT_EXIT_ERROR, "show", rc, &err);
	} else {
		f.out = NULL;
		code = bt_front_emit(&f, &run);
		/* showing a run with failed cases is not itself a failure */
		if (code == BT_EXIT_CASE_FAILED)
			code = BT_EXIT_OK;
	}
	bt_run_release(&run);
out:
	bt_front_release(&f);
	bt_strbuf_release(&err);
	return code;
}

const struct cli_cmd cli_cmd_show = { "show", "show RUN|FILE [--format F]",
				      "print the table of a stored run", cmd_show,
				      0 /* a run file or one of the store */ };
