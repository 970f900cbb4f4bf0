/* TEMPORARY stub: benchtrack import (being written). */
#include "cmd.h"
static int cmd_import(int argc, char **argv)
{
	bt_front_error("import: not implemented yet");
	return BT_EXIT_ERROR;
}
const struct cli_cmd cli_cmd_import = { "import", "import ...", "(being written)", cmd_import, 0 };
