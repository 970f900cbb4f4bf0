/* benchtrack help [COMMAND] */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

static int cmd_help(int argc, char **argv)
{
	if (argc > 2) {
		bt_front_error("help: too many arguments");
		return BT_EXIT_USAGE;
	}
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
		return cli_cmd_print_help("help");
	return cli_cmd_print_help(argc == 2 ? argv[1] : "benchtrack");
}

const struct cli_cmd cli_cmd_help = { "help", "help [COMMAND]",
				      "show the manual of a command", cmd_help, 0 };
