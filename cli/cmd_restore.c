/* benchtrack restore: bring an archived run back into the store's tree. */
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "opts.h"

static int cmd_restore(int argc, char **argv)
{
	const char *store = NULL;
	int n_args, code;
	char *args[1];
	const struct cli_opt opts[] = { { "--store", &store, NULL }, { NULL, NULL, NULL } };
	if ((code = cli_opts(argc, argv, opts, args, 1, &n_args)) >= 0)
		return code;
	if (n_args != 1) {
		bt_front_error("restore: expected RUN (usage: benchtrack restore RUN)");
		return BT_EXIT_USAGE;
	}
	struct bt_strbuf err = BT_STRBUF_INIT;
	struct bt_store *st = cli_store(store);
	char *path = NULL;
	int rc;
	if (!st)
		return BT_EXIT_ERROR;
	if ((rc = bt_store_restore(st, args[0], &path, &err))) {
		code = cli_fail(BT_EXIT_ERROR, "restore", rc, &err);
	} else {
		printf("restored %s\n", path);
		code = cli_flush();
	}
	free(path);
	bt_strbuf_release(&err);
	return code;
}

const struct cli_cmd cli_cmd_restore = { "restore", "restore RUN [--store DIR]",
					 "bring an archived run back into the store",
					 cmd_restore, CLI_STORE };
