/* benchtrack version */
#include <stdio.h>

#include "cmd.h"

static int cmd_version(int argc, char **argv)
{
	int h = cli_cmd_help_flag(argc, argv, "version");
	if (h >= 0)
		return h;
	if (argc > 1) {
		bt_front_error("version: unexpected argument '%s'", argv[1]);
		return BT_EXIT_USAGE;
	}
	printf("benchtrack %s\n", BENCHTRACK_VERSION);
	return fflush(stdout) == 0 ? BT_EXIT_OK : BT_EXIT_ERROR;
}

const struct cli_cmd cli_cmd_version = { "version", "version",
					 "print the version", cmd_version, 0 };
