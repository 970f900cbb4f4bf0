/* A small option parser for the commands that do not take the runner
 * flags (list, tag, reindex, ...). */
#ifndef BENCHTRACK_CLI_OPTS_H
#define BENCHTRACK_CLI_OPTS_H

struct cli_opt {
	const char *name;  /* long name with the dashes: "--type" */
	const char **str;  /* takes a value: stored here (points into argv) */
	int *flag;         /* no value: set to 1 */
};

/* Parses argv[1..argc) of the command argv[0]: options from opts (plus
 * --help/-h; opts ends with a NULL name), positional arguments into args
 * (at most max_args, *n_args their count). Returns -1 for the command to
 * go on; else the exit code for it to return: 2 after a usage error
 * (printed: "benchtrack: error: CMD: ..."), or that of its help page
 * (printed) when --help was given and the rest parsed:
 *   if ((code = cli_opts(argc, argv, opts, args, 1, &n_args)) >= 0)
 *           return code; */
int cli_opts(int argc, char **argv, const struct cli_opt *opts, char **args,
	     int max_args, int *n_args);

/* The verdict flags that compare and check both take, as one piece of
 * their option tables: CLI_VERDICT_OPTS(&v) stands for the entries
 * --format, --metric, --threshold, --alpha, --correction, --any-machine
 * and --fail-on-noisy, stored in the struct cli_verdict_flags v (format set to
 * its default, "table", by the command). tests/integration/help.sh
 * expands the macro when it reads the option tables. */
struct cli_verdict_flags {
	const char *format, *metric, *threshold, *alpha, *correction;
	int any_machine;
	int fail_on_noisy; /* the gate fails (exit 1) on a noisy series */
};

#define CLI_VERDICT_OPTS(v)                                                    \
	{ "--format", &(v)->format, NULL }, { "--metric", &(v)->metric, NULL }, \
	{ "--threshold", &(v)->threshold, NULL },                              \
	{ "--alpha", &(v)->alpha, NULL },                                      \
	{ "--correction", &(v)->correction, NULL },                            \
	{ "--any-machine", NULL, &(v)->any_machine },                          \
	{ "--fail-on-noisy", NULL, &(v)->fail_on_noisy }

#endif
