/* benchtrack merge RUN...: the runs of one suite at one commit, made by
 * several processes or machines' jobs, pooled into one run whose cases
 * keep each process's median (docs/cmd/merge.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "opts.h"

#define MERGE_MAX 256

/* The processes of run: the most per-process medians of a metric (a
 * pooled run), else 1. */
static size_t processes_of(const struct bt_run *run)
{
	size_t n = 1;
	for (size_t i = 0; i < run->n_results; i++)
		for (size_t m = 0; m < run->results[i].n_metrics; m++)
			if (run->results[i].metrics[m].n_process_medians > n)
				n = run->results[i].metrics[m].n_process_medians;
	return n;
}

static int same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* How many results of src have no result in the first run, whose
 * identity keys are kd[0..nd) (cli_pool_add leaves them out). */
static size_t not_in_first(const char (*kd)[17], size_t nd, const struct bt_run *src)
{
	size_t n = 0;
	for (size_t j = 0; j < src->n_results; j++) {
		char ks[17];
		size_t i;
		bt_series_key("", &src->results[j], "", "time", ks);
		for (i = 0; i < nd && strcmp(ks, kd[i]) != 0; i++)
			;
		n += i == nd;
	}
	return n;
}

/* Refuses (message printed, returns 1) runs that are not of one suite
 * and one commit unless force (then each difference is a warning), and
 * the same run given twice; notes runs from other machines (not when
 * quiet). */
static int check_runs(char **refs, const struct bt_run *r, int n, int force,
		      int quiet)
{
	struct bt_strbuf why = BT_STRBUF_INIT;
	int bad = 0;
	for (int i = 1; i < n; i++) {
		for (int k = 0; k < i; k++)
			if (r[i].run_id && r[k].run_id && strcmp(r[i].run_id, r[k].run_id) == 0) {
				bt_front_error("merge: '%s' and '%s' are the same run (%.32s): "
					       "its processes would count twice", refs[k],
					       refs[i], r[i].run_id);
				bt_strbuf_release(&why);
				return 1;
			}
		bt_strbuf_reset(&why);
		if (!same_str(r[0].suite, r[i].suite))
			bt_strbuf_addf(&why, "'%s' is of suite '%s', '%s' of suite '%s'",
				       refs[i], r[i].suite ? r[i].suite : "?", refs[0],
				       r[0].suite ? r[0].suite : "?");
		if (!same_str(r[0].git.commit, r[i].git.commit))
			bt_strbuf_addf(&why, "%s'%s' is of commit %.12s, '%s' of commit %.12s",
				       why.len ? "; " : "", refs[i],
				       r[i].git.commit ? r[i].git.commit : "(none)", refs[0],
				       r[0].git.commit ? r[0].git.commit : "(none)");
		if (why.len && force)
			cli_warn("merge", "%s (merged: --force)", why.buf);
		else if (why.len)
			bt_front_error("merge: %s", why.buf);
		bad |= why.len > 0;
		if (!quiet && !same_str(r[0].machine.fingerprint, r[i].machine.fingerprint))
			fprintf(stderr, "merge: '%s' is from another machine (%s) than '%s' "
				"(%s); the merged run keeps the first's machine\n", refs[i],
				r[i].machine.name ? r[i].machine.name : "?", refs[0],
				r[0].machine.name ? r[0].machine.name : "?");
	}
	bt_strbuf_release(&why);
	if (bad && !force) {
		bt_front_error("merge: runs of different suites or commits measure "
			       "different things, so their processes are not one "
			       "sample; pass --force to merge them anyway");
		return 1;
	}
	return 0;
}

static int cmd_merge(int argc, char **argv)
{
	const char *store = NULL, *outfile = NULL;
	int force = 0, quiet = 0, n_args = 0, code, rc;
	char *args[MERGE_MAX];
	struct cli_opt opts[] = {
		{ "--out", &outfile, NULL },
		{ "--store", &store, NULL },
		{ "--force", NULL, &force },
		{ "--quiet", NULL, &quiet },
		{ "-q", NULL, &quiet },
		{ NULL, NULL, NULL },
	};
	struct bt_strbuf err = BT_STRBUF_INIT;
	struct bt_run *runs;
	struct cli_pool pool;
	char (*kd)[17] = NULL; /* the identity keys of the first run's results */
	int pooled = 0;

	if ((code = cli_opts(argc, argv, opts, args, MERGE_MAX, &n_args)) >= 0)
		return code;
	if (n_args < 2) {
		bt_front_error("merge: expected two or more runs (usage: benchtrack "
			       "merge RUN RUN... [--out FILE] [--store DIR])");
		return BT_EXIT_USAGE;
	}
	if (outfile && !*outfile) {
		bt_front_error("merge: --out: expected a file name, or - for stdout");
		return BT_EXIT_USAGE;
	}
	if (!(runs = calloc((size_t)n_args, sizeof *runs)))
		return BT_EXIT_ERROR;
	code = BT_EXIT_ERROR;
	for (int i = 0; i < n_args; i++) {
		if ((rc = bt_run_init(&runs[i])) ||
		    (rc = cli_load_run(store, args[i], &runs[i], &err))) {
			cli_fail(code, "merge", rc, &err);
			goto out;
		}
	}
	if (check_runs(args, runs, n_args, force, quiet))
		goto out;
	size_t procs = 0;
	for (int i = 0; i < n_args; i++)
		procs += processes_of(&runs[i]);
	if ((rc = cli_pool_init(&pool, &runs[0], &err))) {
		cli_fail(code, "merge", rc, &err);
		goto out;
	}
	pooled = 1;
	if (!(kd = malloc((runs[0].n_results ? runs[0].n_results : 1) * sizeof *kd))) {
		cli_fail(code, "merge", BT_ENOMEM, NULL);
		goto out;
	}
	for (size_t i = 0; i < runs[0].n_results; i++)
		bt_series_key("", &runs[0].results[i], "", "time", kd[i]);
	for (int i = 1; i < n_args; i++) {
		size_t left = not_in_first((const char (*)[17])kd, runs[0].n_results, &runs[i]);
		if (left)
			cli_warn("merge", "%s: %zu case%s not in '%s' left out (the "
				 "first run names the cases)", args[i], left,
				 left == 1 ? "" : "s", args[0]);
		if ((rc = cli_pool_add(&pool, &runs[i], &err))) {
			cli_fail(code, "merge", rc, &err);
			goto out;
		}
	}
	cli_pool_finish(&pool, "merge", NULL);

	/* a run of its own: a fresh id, the earliest start */
	const char *start = runs[0].timestamp;
	for (int i = 1; i < n_args; i++)
		if (runs[i].timestamp && (!start || strcmp(runs[i].timestamp, start) < 0))
			start = runs[i].timestamp;
	if ((rc = bt_context_stamp(&runs[0])) ||
	    (start && !(runs[0].timestamp = bt_run_strdup(&runs[0], start)))) {
		cli_fail(code, "merge", rc ? rc : BT_ENOMEM, NULL);
		goto out;
	}
	if (!quiet)
		fprintf(stderr, "merge: %d runs, %zu processes pooled into run %.8s\n",
			n_args, procs, runs[0].run_id);
	if (outfile && strcmp(outfile, "-") == 0) {
		struct bt_strbuf js = BT_STRBUF_INIT;
		rc = bt_run_to_json(&runs[0], 1, &js, &err);
		if (!rc)
			bt_strbuf_addc(&js, '\n');
		code = rc ? cli_fail(BT_EXIT_ERROR, "merge", rc, &err) : cli_write_stdout(&js);
		bt_strbuf_release(&js);
	} else if (outfile) {
		rc = bt_run_write_file(&runs[0], outfile, &err);
		code = rc ? cli_fail(BT_EXIT_ERROR, "merge", rc, &err) : BT_EXIT_OK;
		if (!rc && !quiet)
			fprintf(stderr, "wrote %s\n", outfile);
	} else {
		code = BT_EXIT_OK;
	}
	/* stored unless only --out was asked for */
	if (code == BT_EXIT_OK && (!outfile || store))
		code = cli_store_run("merge", store, quiet, &runs[0]);
out:
	if (pooled)
		cli_pool_release(&pool);
	for (int i = 0; i < n_args; i++)
		bt_run_release(&runs[i]);
	free(runs);
	free(kd);
	bt_strbuf_release(&err);
	return code;
}

const struct cli_cmd cli_cmd_merge = {
	"merge", "merge RUN RUN... [--out FILE] [--store DIR] [--force]",
	"pool runs of one suite from several processes or machines into one run",
	cmd_merge, CLI_STORE | CLI_CREATE
};
