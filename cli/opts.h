/* A small option parser for the commands that do not take the runner
 * flags (list, tag, reindex, ...). */
#ifndef BENCHTRACK_CLI_OPTS_H
#define BENCHTRACK_CLI_OPTS_H

struct bt_opt {
	const char *name;  /* long name with the dashes: "--type" */
	const char **str;  /* takes a value: stored here (points into argv) */
	int *flag;         /* no value: set to 1 */
};

/* Parses argv[1..argc) (argv[0] is the command): options from opts (plus
 * --help/-h into *help), positional arguments into args (at most max_args,
 * *n_args their count). Prints "benchtrack CMD: ..." and returns 2 on a
 * usage error, else 0. */
int bt_opts_parse(const char *cmd, int argc, char **argv,
		  const struct bt_opt *opts, int *help, char **args,
		  int max_args, int *n_args);

/* bt_opts_parse for the command argv[0], then its --help: returns -1 for
 * the command to go on, else the exit code it returns (2 after a usage
 * error, printed; the help page's code after --help):
 *   if ((code = cli_opts(argc, argv, opts, args, 1, &n_args)) >= 0)
 *           return code; */
int cli_opts(int argc, char **argv, const struct bt_opt *opts, char **args,
	     int max_args, int *n_args);

#endif
