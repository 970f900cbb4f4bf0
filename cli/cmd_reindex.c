/* benchtrack reindex: rebuild index.db from the run files. */
#include <stdio.h>
#include <time.h>

#include "cmd.h"
#include "opts.h"

/* A run left out of the index: named on stderr, as it is found. */
static void on_unreadable(void *ud, const char *what, const char *path,
			  const char *detail)
{
	(void)ud;
	(void)what;
	fprintf(stderr, "benchtrack: %s: %s; not indexed\n", path,
		detail ? detail : "cannot be read");
}

static int cmd_reindex(int argc, char **argv)
{
	const char *store = NULL;
	int n_args, code;
	char *args[1];
	const struct cli_opt opts[] = { { "--store", &store, NULL }, { NULL, NULL, NULL } };
	if ((code = cli_opts(argc, argv, opts, args, 0, &n_args)) >= 0)
		return code;
	struct bt_strbuf err = BT_STRBUF_INIT;
	struct bt_store *st;
	size_t runs = 0, results = 0, bad = 0;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* no rebuild on open (CLI_NO_REBUILD): that is this command's work */
	if (!(st = cli_store(store)))
		return BT_EXIT_ERROR;
	int rc = bt_store_reindex_notes(st, on_unreadable, NULL, &runs, &results,
					&bad, &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!rc || bad) {
		/* with unreadable runs the others are indexed all the same */
		double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
		printf("reindexed %s: %zu runs, %zu results in %.2f s\n", bt_store_dir(st),
		       runs, results, s);
		code = cli_flush();
	}
	if (rc)
		code = cli_fail(BT_EXIT_ERROR, "reindex", rc, &err);
	bt_strbuf_release(&err);
	return code;
}

const struct cli_cmd cli_cmd_reindex = { "reindex", "reindex [--store DIR]",
					 "rebuild the store's index from its files",
					 cmd_reindex, CLI_STORE | CLI_NO_REBUILD };
