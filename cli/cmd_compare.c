/* benchtrack compare A B: per series verdicts between two runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "opts.h"

/* Saves the comparison in three formats under comparisons/NAME/. */
static int save(const char *store, const char *name, const struct bt_run_cmp *c,
		const struct bt_run *a, const struct bt_run *b,
		const struct bt_run_cmp_opts *o)
{
	struct bt_strbuf js = BT_STRBUF_INIT, md = BT_STRBUF_INIT,
			 csv = BT_STRBUF_INIT, err = BT_STRBUF_INIT;
	struct bt_store *st = NULL;
	char *dir = NULL;
	int rc = cli_render_comparison("json", c, a, b, o, &js, &err);
	if (!rc)
		rc = cli_render_comparison("md", c, a, b, o, &md, &err);
	if (!rc)
		rc = cli_render_comparison("csv", c, a, b, o, &csv, &err);
	if (!rc)
		rc = bt_store_open(&st, store, BT_STORE_CREATE, &err);
	if (!rc) {
		struct bt_store_file files[] = {
			{ "comparison.json", js.buf, js.len },
			{ "comparison.md", md.buf, md.len },
			{ "comparison.csv", csv.buf, csv.len },
		};
		rc = bt_store_save_comparison(st, name, files, 3, &dir, &err);
	}
	if (rc)
		cli_fail(BT_EXIT_ERROR, "compare: --save", rc, &err);
	else
		fprintf(stderr, "saved %s/\n", dir);
	free(dir);
	bt_store_close(st);
	bt_strbuf_release(&js);
	bt_strbuf_release(&md);
	bt_strbuf_release(&csv);
	bt_strbuf_release(&err);
	return rc ? BT_EXIT_ERROR : 0;
}

static int cmd_compare(int argc, char **argv)
{
	const char *save_name = NULL, *store = NULL;
	struct cli_verdict_flags v = { .format = "table" };
	int n_args = 0, code, rc;
	char *args[2];
	struct cli_opt opts[] = {
		CLI_VERDICT_OPTS(&v),
		{ "--save", &save_name, NULL },
		{ "--store", &store, NULL },
		{ NULL, NULL, NULL },
	};
	struct bt_run_cmp_opts o;
	struct bt_run a, b;
	struct bt_run_cmp c;
	struct bt_strbuf err = BT_STRBUF_INIT;

	if ((code = cli_opts(argc, argv, opts, args, 2, &n_args)) >= 0)
		return code;
	if (n_args != 2) {
		bt_front_error("compare: expected two runs (usage: benchtrack compare A B)");
		return BT_EXIT_USAGE;
	}
	if ((code = cli_cmp_opts("compare", v.format, v.threshold, v.alpha,
				 v.correction, v.metric, &o)))
		return code;
	if (save_name && (!*save_name || save_name[0] == '.' || strlen(save_name) > 64 ||
			  strspn(save_name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					    "0123456789._-") != strlen(save_name))) {
		bt_front_error("compare: --save '%s': a comparison name is letters, digits, "
			       "'.', '_' and '-' (at most 64, not starting with '.')",
			       save_name);
		return BT_EXIT_USAGE;
	}
	o.match_identity = v.any_machine;
	memset(&c, 0, sizeof c);
	if (bt_run_init(&a) || bt_run_init(&b))
		return BT_EXIT_ERROR;
	code = BT_EXIT_ERROR;
	if ((rc = cli_load_run(store, args[0], &a, &err)) ||
	    (rc = cli_load_run(store, args[1], &b, &err))) {
		cli_fail(code, "compare", rc, &err);
		goto out;
	}
	if (a.run_id && b.run_id && strcmp(a.run_id, b.run_id) == 0)
		cli_warn("compare", "A and B are the same run (%.32s): every series is "
			 "compared with itself", a.run_id);
	cli_warn_dirty("compare", "A", &a);
	cli_warn_dirty("compare", "B", &b);
	if ((rc = bt_compare_runs(&a, &b, &o, &c, &err))) {
		cli_fail(code, "compare", rc, &err);
		goto out;
	}
	if (c.machines_differ && !v.any_machine) {
		bt_front_error("compare: the runs are from different machines (%s, "
			       "fingerprint %s; %s, fingerprint %s), so no series "
			       "matches; pass --any-machine to compare by benchmark "
			       "identity",
			       a.machine.name ? a.machine.name : "?",
			       a.machine.fingerprint, b.machine.name ? b.machine.name : "?",
			       b.machine.fingerprint);
		goto out;
	}
	if (cli_print_comparison("compare", v.format, &c, &a, &b, &o))
		goto out;
	if (save_name && save(store, save_name, &c, &a, &b, &o))
		goto out;
	code = c.counts[BT_VERDICT_REGRESSED] ||
			       (cli_noisy_warnings("compare", &c, v.fail_on_noisy) &&
				v.fail_on_noisy)
		       ? BT_EXIT_REGRESSION
		       : BT_EXIT_OK;
out:
	bt_run_cmp_release(&c);
	bt_run_release(&a);
	bt_run_release(&b);
	bt_strbuf_release(&err);
	return code;
}

const struct cli_cmd cli_cmd_compare = {
	"compare", "compare A B [--format F] [--threshold P] [--save NAME]",
	"compare two runs series by series", cmd_compare,
	0 /* run files or runs of the store; --save creates it */
};
