/* benchtrack tag RUN TAG */
#include <stdio.h>

#include "cmd.h"
#include "opts.h"

/* tag and untag: add != 0 adds the tag (shared with cmd_untag.c). */
int bt_cmd_tag_run(int argc, char **argv, const char *name, int add)
{
	const char *store = NULL;
	int help, n_args;
	char *args[2];
	const struct bt_opt opts[] = { { "--store", &store, NULL }, { NULL, NULL, NULL } };
	int code = bt_opts_parse(name, argc, argv, opts, &help, args, 2, &n_args);
	if (code)
		return code;
	if (help)
		return bt_cmd_print_help(name);
	if (n_args != 2) {
		bt_front_error("%s: expected RUN and TAG (usage: benchtrack %s RUN TAG)", name, name);
		return BT_EXIT_USAGE;
	}
	struct bt_strbuf err = BT_STRBUF_INIT;
	struct bt_store *st = NULL;
	int rc = bt_store_open(&st, store, 0, &err);
	if (!rc)
		rc = bt_store_tag(st, args[0], args[1], add, &err);
	if (rc) {
		bt_front_error("%s", err.len ? err.buf : bt_strerror(rc));
		code = rc == BT_EINVAL ? BT_EXIT_USAGE : BT_EXIT_ERROR;
	}
	bt_store_close(st);
	bt_strbuf_release(&err);
	return code;
}

static int cmd_tag(int argc, char **argv)
{
	return bt_cmd_tag_run(argc, argv, "tag", 1);
}

const struct bt_cmd bt_cmd_tag = { "tag", "tag RUN TAG", "tag a stored run (milestone runs are never archived)", cmd_tag };
