/* TEMPORARY stub: benchtrack exec (being written). */
#include "cmd.h"
static int cmd_exec(int argc, char **argv)
{
	bt_front_error("exec: not implemented yet");
	return BT_EXIT_ERROR;
}
const struct cli_cmd cli_cmd_exec = { "exec", "exec ...", "(being written)", cmd_exec, 0 };
