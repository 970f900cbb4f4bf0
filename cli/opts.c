/* The option parser of the non-runner commands. */
#include <string.h>

#include "cmd.h"
#include "opts.h"

static int parse(const char *cmd, int argc, char **argv, const struct cli_opt *opts,
		 int *help, char **args, int max_args, int *n_args)
{
	*n_args = 0;
	*help = 0;
	int only_args = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (only_args || a[0] != '-' || !a[1]) {
			if (*n_args >= max_args) {
				bt_front_error("%s: unexpected argument '%s'", cmd, a);
				return BT_EXIT_USAGE;
			}
			args[(*n_args)++] = argv[i];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_args = 1;
			continue;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			*help = 1;
			continue;
		}
		size_t len = strcspn(a, "=");
		const struct cli_opt *o = NULL;
		for (const struct cli_opt *p = opts; p && p->name; p++)
			if (strlen(p->name) == len && strncmp(p->name, a, len) == 0)
				o = p;
		if (!o) {
			bt_front_error("%s: unknown option '%.*s' (see benchtrack help %s)",
				       cmd, (int)len, a, cmd);
			return BT_EXIT_USAGE;
		}
		if (o->flag) {
			if (a[len]) {
				bt_front_error("%s: option '%s' takes no value", cmd, o->name);
				return BT_EXIT_USAGE;
			}
			*o->flag = 1;
		} else if (a[len]) {
			*o->str = a + len + 1;
		} else if (i + 1 < argc) {
			*o->str = argv[++i];
		} else {
			bt_front_error("%s: option '%s' needs a value", cmd, o->name);
			return BT_EXIT_USAGE;
		}
	}
	return 0;
}

int cli_opts(int argc, char **argv, const struct cli_opt *opts, char **args,
	     int max_args, int *n_args)
{
	int help, code = parse(argv[0], argc, argv, opts, &help, args, max_args, n_args);
	if (code)
		return code;
	return help ? cli_cmd_print_help(argv[0]) : -1;
}
