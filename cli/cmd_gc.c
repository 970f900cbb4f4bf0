/* benchtrack gc: move old runs into the store's monthly archives. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "opts.h"

struct gc_out {
	int dry_run;
};

/* One line per note: "would archive PATH (DETAIL)" / "archived PATH
 * (DETAIL)", other notes as "WHAT PATH: DETAIL". */
static void gc_note(void *ud, const char *what, const char *path,
		    const char *detail)
{
	const struct gc_out *o = ud;
	if (strcmp(what, "archive") == 0)
		printf("%s %s%s%s%s\n", o->dry_run ? "would archive" : "archived",
		       path, detail ? " (" : "", detail ? detail : "", detail ? ")" : "");
	else
		printf("%s %s%s%s\n", what, path, detail ? ": " : "",
		       detail ? detail : "");
}

static int cmd_gc(int argc, char **argv)
{
	const char *store = NULL, *keep = NULL;
	int n_args, dry = 0, code;
	char *args[1];
	const struct cli_opt opts[] = { { "--store", &store, NULL },
					{ "--keep-days", &keep, NULL },
					{ "--dry-run", NULL, &dry },
					{ NULL, NULL, NULL } };
	if ((code = cli_opts(argc, argv, opts, args, 0, &n_args)) >= 0)
		return code;
	struct bt_gc_opts o = { .keep_days = 30, .dry_run = dry };
	if (keep) {
		char *end;
		errno = 0;
		long v = strtol(keep, &end, 10);
		if (errno || end == keep || *end || v < 1 || v > 1000000) {
			bt_front_error("gc: --keep-days '%s': expected a whole number "
				       "of days from 1 to 1000000", keep);
			return BT_EXIT_USAGE;
		}
		o.keep_days = (int)v;
	}
	struct gc_out out = { dry };
	struct bt_strbuf err = BT_STRBUF_INIT;
	struct bt_store *st = cli_store_as(store, dry ? CLI_READONLY : 0);
	size_t n = 0;
	int rc;
	if (!st)
		return BT_EXIT_ERROR;
	if ((rc = bt_store_gc(st, &o, gc_note, &out, &n, &err))) {
		code = cli_fail(BT_EXIT_ERROR, "gc", rc, &err);
	} else {
		if (dry)
			printf("would archive %zu run%s older than %d days from %s "
			       "(dry run: nothing changed)\n", n, n == 1 ? "" : "s",
			       o.keep_days, bt_store_dir(st));
		else if (bt_store_is_remote(st)) /* a flag in the database */
			printf("archived %zu run%s older than %d days in %s\n",
			       n, n == 1 ? "" : "s", o.keep_days, bt_store_dir(st));
		else
			printf("archived %zu run%s older than %d days into %s/archive\n",
			       n, n == 1 ? "" : "s", o.keep_days, bt_store_dir(st));
		code = cli_flush();
	}
	bt_strbuf_release(&err);
	return code;
}

const struct cli_cmd cli_cmd_gc = { "gc", "gc [--keep-days N] [--dry-run]",
				    "archive runs older than the retention window",
				    cmd_gc, CLI_STORE };
