/* benchtrack organize: migrate a folder of legacy result files into the
 * store (bt_store_organize). Prints one line per file and a summary; the
 * exit status is 0 when the folder was gone through, whatever was skipped
 * (docs/cmd/organize.md). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "opts.h"


static void print_note(void *ud, const char *what, const char *path,
		       const char *detail)
{
	(void)ud;
	if (strcmp(what, "place") == 0)
		printf("placed %s %s\n", path, detail ? detail : "");
	else if (strcmp(what, "would place") == 0)
		printf("would place %s %s\n", path, detail ? detail : "");
	else if (strcmp(what, "skip") == 0)
		printf("skipped %s: %s\n", path, detail ? detail : "");
	else
		printf("%s %s%s%s\n", what, path, detail ? ": " : "", detail ? detail : "");
}

static int cmd_organize(int argc, char **argv)
{
	const char *store = NULL;
	int n_args, dry_run = 0, recursive = 0, code;
	char *args[1];
	const struct cli_opt opts[] = { { "--store", &store, NULL },
					{ "--dry-run", NULL, &dry_run },
					{ "--recursive", NULL, &recursive },
					{ NULL, NULL, NULL } };
	if ((code = cli_opts(argc, argv, opts, args, 1, &n_args)) >= 0)
		return code;
	if (n_args != 1) {
		bt_front_error("organize: expected one folder (usage: benchtrack %s)",
			       cli_cmd_organize.usage);
		return BT_EXIT_USAGE;
	}
	const char *src = args[0];
	struct stat sb;
	if (stat(src, &sb) != 0) {
		bt_front_error("%s: %s", src, strerror(errno));
		return BT_EXIT_ERROR;
	}
	if (!S_ISDIR(sb.st_mode)) {
		bt_front_error("%s: not a directory", src);
		return BT_EXIT_ERROR;
	}

	struct bt_strbuf err = BT_STRBUF_INIT;
	struct bt_store *st = NULL;
	int rc;
	if (dry_run) {
		/* never writes: a store that does not exist yet is empty */
		rc = bt_store_open(&st, store, BT_STORE_READONLY, &err);
		if (rc == BT_ENOTFOUND) {
			st = NULL;
			rc = 0;
			bt_strbuf_reset(&err);
		}
	} else {
		rc = bt_store_open(&st, store, BT_STORE_CREATE, &err);
	}
	struct bt_organize_opts o = { dry_run, recursive };
	size_t placed = 0, skipped = 0;
	if (!rc)
		rc = bt_store_organize(st, src, &o, print_note, NULL, &placed,
				       &skipped, &err);
	if (!rc || placed || skipped)
		printf("%zu %s, %zu skipped%s\n", placed,
		       dry_run ? "would be placed" : "placed", skipped,
		       rc ? " (stopped by the error below)" : "");
	if (fflush(stdout) != 0 && !rc) {
		bt_front_error("organize: cannot write the output: %s", strerror(errno));
		code = BT_EXIT_ERROR;
	} else if (rc) {
		code = cli_fail(BT_EXIT_ERROR, "organize", rc, &err);
	} else {
		code = BT_EXIT_OK;
	}
	bt_store_close(st);
	bt_strbuf_release(&err);
	return code;
}

const struct cli_cmd cli_cmd_organize = {
	"organize", "organize DIR [--store DIR] [--dry-run] [--recursive]",
	"move a folder of legacy result files into the store", cmd_organize,
	0 /* its store: read-only and maybe missing with --dry-run */
};
