/* benchtrack untag RUN TAG */
#include "cmd.h"

static int cmd_untag(int argc, char **argv)
{
	return cli_cmd_tag_run(argc, argv, "untag", 0);
}

const struct cli_cmd cli_cmd_untag = { "untag", "untag RUN TAG",
				       "remove a tag from a stored run", cmd_untag,
				       CLI_STORE };
