/* The benchtrack command table.
 *
 * Adding a command:
 *   1. write cli/cmd_NAME.c exporting `const struct bt_cmd bt_cmd_NAME`
 *      with its name, one-line usage and function;
 *   2. list it in the table in cli/main.c;
 *   3. write docs/cmd/NAME.md (the --help text and the man page, built in);
 *   4. add tests under tests/cli/.
 * A command returns the process exit code (front.h: BT_EXIT_*), prints its
 * output on stdout and errors with bt_front_error().
 */
#ifndef BENCHTRACK_CMD_H
#define BENCHTRACK_CMD_H

#include "front.h"

struct bt_cmd {
	const char *name;
	const char *usage;  /* one line: "run SUITE... [flags]" */
	const char *summary;
	int (*fn)(int argc, char **argv); /* argv[0] is the command name */
};

extern const struct bt_cmd bt_cmd_run, bt_cmd_show, bt_cmd_list, bt_cmd_tag,
	bt_cmd_untag, bt_cmd_organize, bt_cmd_reindex, bt_cmd_gc, bt_cmd_restore,
	bt_cmd_verify,
	bt_cmd_version,
	bt_cmd_help;

/* All commands, NULL-terminated. */
extern const struct bt_cmd *const bt_commands[];

/* Prints the --help text of a command (docs/cmd/NAME.md); returns 0, or 2
 * for an unknown command. */
int bt_cmd_print_help(const char *name);

/* tag/untag RUN TAG (cmd_tag.c): add != 0 adds, else removes. */
int bt_cmd_tag_run(int argc, char **argv, const char *name, int add);

/* Exits-code helper: the standard "--help" handling for a command taking
 * no other flags: returns -1 when argv asks for nothing special. */
int bt_cmd_help_flag(int argc, char **argv, const char *name);

#endif
