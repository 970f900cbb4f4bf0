/* benchtrack pull [RUN...] [--since DATE] --from URL: copies runs of
 * another store (a team's PostgreSQL store say) into this one; the body is
 * push's (cmd_push.c) the other way. */
#include "cmd.h"

static int cmd_pull(int argc, char **argv)
{
	return cli_cmd_sync(argc, argv, 1);
}

const struct cli_cmd cli_cmd_pull = {
	"pull", "pull [RUN...] --from URL", "copy runs of another store into this one",
	cmd_pull, CLI_STORE | CLI_CREATE
};
