/* benchtrack pull [RUN...] [--since DATE] --from URL: copies runs of
 * another store (a team's PostgreSQL store say) into this one; the body is
 * push's (cmd_push.c) the other way. */
#include "cmd.h"
#include "opts.h"

static int cmd_pull(int argc, char **argv)
{
	struct cli_sync_flags fl = { 0 };
	const struct cli_opt opts[] = {
		{ "--from", &fl.remote, NULL }, CLI_SYNC_OPTS(&fl), { NULL, NULL, NULL }
	};
	return cli_cmd_sync_run(argc, argv, 1, opts, &fl);
}

const struct cli_cmd cli_cmd_pull = {
	"pull", "pull [RUN...] --from URL", "copy runs of another store into this one",
	cmd_pull, CLI_STORE | CLI_CREATE
};
