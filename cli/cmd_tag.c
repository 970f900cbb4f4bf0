/* benchtrack tag RUN TAG */
#include <stdio.h>

#include "cmd.h"
#include "opts.h"

/* tag and untag: add != 0 adds the tag (shared with cmd_untag.c). */
int cli_cmd_tag_run(int argc, char **argv, const char *name, int add)
{
	const char *store = NULL;
	int n_args, code, rc;
	char *args[2];
	const struct cli_opt opts[] = { { "--store", &store, NULL }, { NULL, NULL, NULL } };
	if ((code = cli_opts(argc, argv, opts, args, 2, &n_args)) >= 0)
		return code;
	if (n_args != 2) {
		bt_front_error("%s: expected RUN and TAG (usage: benchtrack %s RUN TAG)", name, name);
		return BT_EXIT_USAGE;
	}
	struct bt_strbuf err = BT_STRBUF_INIT;
	struct bt_store *st = cli_store(store);
	if (!st)
		return BT_EXIT_ERROR;
	code = BT_EXIT_OK;
	if ((rc = bt_store_tag(st, args[0], args[1], add, &err)))
		code = cli_fail(rc == BT_EINVAL ? BT_EXIT_USAGE : BT_EXIT_ERROR, name,
				rc, &err);
	bt_strbuf_release(&err);
	return code;
}

static int cmd_tag(int argc, char **argv)
{
	return cli_cmd_tag_run(argc, argv, "tag", 1);
}

const struct cli_cmd cli_cmd_tag = {
	"tag", "tag RUN TAG", "tag a stored run (milestone runs are never archived)",
	cmd_tag, CLI_STORE
};
