/* benchtrack untag RUN TAG */
#include "cmd.h"

static int cmd_untag(int argc, char **argv)
{
	return bt_cmd_tag_run(argc, argv, "untag", 0);
}

const struct bt_cmd bt_cmd_untag = { "untag", "untag RUN TAG",
				     "remove a tag from a stored run", cmd_untag,
				     CLI_STORE };
