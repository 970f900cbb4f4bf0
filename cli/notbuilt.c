/* The commands of the parts a build left out (CMake BT_WITH_SERVE=OFF,
 * BT_WITH_DASHBOARD=OFF): compiled only then, in place of cmd_serve.c and
 * cmd_dashboard.c. Each keeps its name and --help and says that this
 * build does not have it (exit 3). BT_WITH_SERVE and BT_WITH_DASHBOARD are
 * 0 or 1 (CMakeLists.txt defines both for this file). */
#include "cmd.h"

static int not_built(int argc, char **argv, const char *what,
		     const char *option)
{
	int h = cli_cmd_help_flag(argc, argv, argv[0]);
	if (h >= 0)
		return h;
	bt_front_error("%s: this benchtrack was built without %s (%s=OFF)",
		       argv[0], what, option);
	return BT_EXIT_ERROR;
}

#if !BT_WITH_SERVE
static int cmd_serve(int argc, char **argv)
{
	return not_built(argc, argv, "the server (libmicrohttpd)",
			 "BT_WITH_SERVE");
}

const struct cli_cmd cli_cmd_serve = {
	.name = "serve", .usage = "serve",
	.summary = "serve the dashboard (not in this build)", .fn = cmd_serve
};
#endif

#if !BT_WITH_DASHBOARD
static int cmd_dashboard(int argc, char **argv)
{
	return not_built(argc, argv, "the dashboard", "BT_WITH_DASHBOARD");
}

const struct cli_cmd cli_cmd_dashboard = {
	.name = "dashboard", .usage = "dashboard",
	.summary = "the HTML dashboard (not in this build)", .fn = cmd_dashboard
};
#endif
