/* TEMPORARY stub: benchtrack export (being written). */
#include "cmd.h"
static int cmd_export(int argc, char **argv)
{
	bt_front_error("export: not implemented yet");
	return BT_EXIT_ERROR;
}
const struct cli_cmd cli_cmd_export = { "export", "export ...", "(being written)", cmd_export, 0 };
