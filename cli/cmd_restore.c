/* benchtrack restore: bring an archived run back into the store's tree. */
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "opts.h"

static int cmd_restore(int argc, char **argv)
{
	const char *store = NULL;
	int help, n_args;
	char *args[1];
	const struct bt_opt opts[] = { { "--store", &store, NULL }, { NULL, NULL, NULL } };
	int code = bt_opts_parse("restore", argc, argv, opts, &help, args, 1, &n_args);
	if (code)
		return code;
	if (help)
		return bt_cmd_print_help("restore");
	if (n_args != 1) {
		bt_front_error("restore: expected RUN (usage: benchtrack restore RUN)");
		return BT_EXIT_USAGE;
	}
	struct bt_strbuf err = BT_STRBUF_INIT;
	struct bt_store *st = NULL;
	char *path = NULL;
	int rc = bt_store_open(&st, store, 0, &err);
	if (!rc)
		rc = bt_store_restore(st, args[0], &path, &err);
	if (rc) {
		bt_front_error("%s", err.len ? err.buf : bt_strerror(rc));
		code = BT_EXIT_ERROR;
	} else {
		printf("restored %s\n", path);
		code = fflush(stdout) == 0 ? BT_EXIT_OK : BT_EXIT_ERROR;
	}
	free(path);
	bt_store_close(st);
	bt_strbuf_release(&err);
	return code;
}

const struct bt_cmd bt_cmd_restore = { "restore", "restore RUN [--store DIR]",
				       "bring an archived run back into the store",
				       cmd_restore };
