/* benchtrack verify: check the whole store; --repair fixes what can be
 * derived from the files. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "opts.h"

struct printer {
	const char *prefix; /* before a problem: "" or "unrepaired " */
};

static void print_note(void *ud, const char *what, const char *path,
		       const char *detail)
{
	const struct printer *p = ud;
	if (strcmp(what, "problem") == 0)
		printf("%s%s: %s\n", p->prefix, path, detail ? detail : "");
	else
		printf("%s %s: %s\n", what, path, detail ? detail : "");
}

static int cmd_verify(int argc, char **argv)
{
	const char *store = NULL;
	int n_args, repair = 0, code;
	char *args[1];
	const struct cli_opt opts[] = { { "--store", &store, NULL },
					{ "--repair", NULL, &repair },
					{ NULL, NULL, NULL } };
	if ((code = cli_opts(argc, argv, opts, args, 0, &n_args)) >= 0)
		return code;
	struct bt_strbuf err = BT_STRBUF_INIT;
	struct printer pr = { "" };
	size_t found = 0, left = 0;
	/* a missing index is for verify to report (and --repair to rebuild:
	 * CLI_NO_REBUILD on the table) */
	struct bt_store *st = cli_store_as(store, repair ? 0 : CLI_READONLY);
	if (!st)
		return BT_EXIT_ERROR;
	int rc = bt_store_verify(st, repair, print_note, &pr, &found, &err);
	if (!rc && repair && found) {
		/* what the repair could not fix */
		pr.prefix = "unrepaired ";
		rc = bt_store_verify(st, 0, print_note, &pr, &left, &err);
	}
	if (rc) {
		code = cli_fail(BT_EXIT_ERROR, "verify", rc, &err);
	} else if (!found) {
		printf("%s: no problems found\n", bt_store_dir(st));
		code = BT_EXIT_OK;
	} else if (!repair) {
		printf("%s: %zu problem%s found; `benchtrack verify --repair` fixes "
		       "what can be derived from the files\n", bt_store_dir(st), found,
		       found == 1 ? "" : "s");
		code = BT_EXIT_ERROR;
	} else if (!left) {
		printf("%s: %zu problem%s found, all repaired\n", bt_store_dir(st),
		       found, found == 1 ? "" : "s");
		code = BT_EXIT_OK;
	} else {
		printf("%s: %zu problem%s found, %zu remain%s after the repair\n",
		       bt_store_dir(st), found, found == 1 ? "" : "s", left,
		       left == 1 ? "s" : "");
		code = BT_EXIT_ERROR;
	}
	if (cli_flush() != BT_EXIT_OK)
		code = BT_EXIT_ERROR;
	bt_strbuf_release(&err);
	return code;
}

const struct cli_cmd cli_cmd_verify = { "verify", "verify [--store DIR] [--repair]",
					"check the store; --repair fixes what it can",
					cmd_verify, CLI_STORE | CLI_NO_REBUILD };
