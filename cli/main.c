/* benchtrack: dispatch to one subcommand per file (cli/cmd_*.c). */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"

const struct cli_cmd *const cli_commands[] = {
	&cli_cmd_run, &cli_cmd_exec, &cli_cmd_import, &cli_cmd_export,
	&cli_cmd_show, &cli_cmd_list, &cli_cmd_tag, &cli_cmd_untag,
	&cli_cmd_organize, &cli_cmd_reindex, &cli_cmd_gc, &cli_cmd_restore,
	&cli_cmd_verify, &cli_cmd_compare, &cli_cmd_check, &cli_cmd_ab,
	&cli_cmd_continuous, &cli_cmd_merge,
	&cli_cmd_history, &cli_cmd_regressions, &cli_cmd_ack, &cli_cmd_acks,
	&cli_cmd_dashboard,
	&cli_cmd_version,
	&cli_cmd_serve,
	&cli_cmd_report,
	&cli_cmd_new,
	&cli_cmd_push, &cli_cmd_pull,
	&cli_cmd_upload,
	&cli_cmd_help, NULL
};

/* Generated (cli_docs.c, scripts/embed-docs.cmake): every docs/cmd/ page
 * but run.md, which the runner has (bt_front_doc). */
const char *bt_cli_doc(const char *name);

int cli_cmd_print_help(const char *name)
{
	const char *doc = bt_cli_doc(name);
	if (!doc)
		doc = bt_front_doc(name);
	if (!doc) {
		bt_front_error("no such command: '%s' (see benchtrack help)", name);
		return BT_EXIT_USAGE;
	}
	fputs(doc, stdout);
	return fflush(stdout) == 0 ? BT_EXIT_OK : BT_EXIT_ERROR;
}

int cli_cmd_help_flag(int argc, char **argv, const char *name)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return cli_cmd_print_help(name);
	return -1;
}

/* What the store does unasked (a missing index.db rebuilt on open, the
 * runs that rebuild left out), on stderr: commands keep stdout for their
 * output. */
static void store_notice(void *ud, const char *what, const char *path,
			 const char *detail)
{
	(void)ud;
	if (strcmp(what, "rebuilt") == 0)
		fprintf(stderr, "benchtrack: %s %s\n", path, detail ? detail : "");
	else
		cli_warn(NULL, "%s: %s", path, detail ? detail : what);
}

/* The command main() runs, and its store once cli_store opened it. */
static const struct cli_cmd *running;
static struct bt_store *running_store;
static int running_store_rc; /* of the last open that failed */

int cli_store_rc(void)
{
	return running_store_rc;
}

struct bt_store *cli_store_as(const char *dir, unsigned extra)
{
	unsigned f = (running ? running->flags : 0) | extra;
	struct bt_strbuf err = BT_STRBUF_INIT;
	int rc;

	if (running_store)
		return running_store;
	rc = bt_store_open(&running_store, dir,
			   (f & CLI_READONLY ? BT_STORE_READONLY : 0) |
			   (f & CLI_CREATE ? BT_STORE_CREATE : 0) |
			   (f & CLI_NO_REBUILD ? BT_STORE_NO_REBUILD : 0), &err);
	if (rc) {
		running_store = NULL;
		running_store_rc = rc;
		cli_fail(BT_EXIT_ERROR, running ? running->name : NULL, rc, &err);
	}
	bt_strbuf_release(&err);
	return running_store;
}

struct bt_store *cli_store(const char *dir)
{
	return cli_store_as(dir, 0);
}

int cli_fail(int code, const char *cmd, int rc, const struct bt_strbuf *err)
{
	const char *msg = err && err->len ? err->buf : bt_strerror(rc);
	fflush(stdout);
	if (cmd)
		bt_front_error("%s: %s", cmd, msg);
	else
		bt_front_error("%s", msg);
	return code;
}

void cli_warn(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fflush(stdout);
	fprintf(stderr, "benchtrack: warning: ");
	if (cmd)
		fprintf(stderr, "%s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_flush(void)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return BT_EXIT_OK;
	bt_front_error("cannot write the output: %s", strerror(errno));
	return BT_EXIT_ERROR;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: benchtrack <command> [args]\n\ncommands:\n");
	for (size_t i = 0; cli_commands[i]; i++)
		fprintf(out, "  %-34s %s\n", cli_commands[i]->usage,
			cli_commands[i]->summary);
	fprintf(out, "\nbenchtrack help <command> for details.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return BT_EXIT_USAGE;
	}
	const char *name = argv[1];
	bt_store_set_notify(store_notice, NULL);
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
		usage(stdout);
		return fflush(stdout) == 0 ? BT_EXIT_OK : BT_EXIT_ERROR;
	}
	if (strcmp(name, "--version") == 0)
		name = "version";
	for (size_t i = 0; cli_commands[i]; i++)
		if (strcmp(cli_commands[i]->name, name) == 0) {
			running = cli_commands[i];
			if (running->flags & CLI_NO_SIGPIPE)
				signal(SIGPIPE, SIG_IGN);
			int code = running->fn(argc - 1, argv + 1);
			bt_store_close(running_store);
			running_store = NULL;
			return code;
		}
	bt_front_error("unknown command '%s' (see benchtrack --help)", name);
	return BT_EXIT_USAGE;
}
