/* benchtrack list: the stored runs, newest first, with filters. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd.h"
#include "jsonout.h"
#include "opts.h"

static void tags_text(const struct bt_store_entry *e, struct bt_strbuf *o)
{
	for (size_t k = 0; k < e->n_tags; k++)
		bt_strbuf_addf(o, "%s%s", k ? " " : "", e->tags[k]);
}

/* The commit column: 10 digits, "+dirty" when the working tree had
 * uncommitted changes (a run that is not exactly that commit). */
static void commit_text(const struct bt_store_entry *e, char out[24])
{
	if (e->commit)
		snprintf(out, 24, "%.10s%s", e->commit, e->dirty == 1 ? "+dirty" : "");
	else
		snprintf(out, 24, "%s", e->dirty == 1 ? "dirty" : "-");
}

static void render_table(const struct bt_store_list *l, struct bt_strbuf *o)
{
	int wt = 4, wd = 10, wc = 10;
	for (size_t i = 0; i < l->n; i++) {
		int t = (int)strlen(l->items[i].type), d = (int)strlen(l->items[i].timestamp);
		wt = t > wt ? t : wt;
		wd = d > wd ? d : wd;
		if (l->items[i].dirty == 1)
			wc = 16;
	}
	bt_strbuf_addf(o, "%-8s  %-*s  %-*s  %-*s  %-12s  %-12s  %5s  %6s  %s\n",
		       "run", wt, "type", wd, "date (UTC)", wc, "commit", "branch",
		       "machine", "cases", "failed", "tags");
	for (size_t i = 0; i < l->n; i++) {
		const struct bt_store_entry *e = &l->items[i];
		struct bt_strbuf t = BT_STRBUF_INIT;
		char c[24];
		commit_text(e, c);
		tags_text(e, &t);
		if (e->archive)
			bt_strbuf_addf(&t, "%s(archived)", t.len ? " " : "");
		bt_strbuf_addf(o, "%-8.8s  %-*s  %-*s  %-*s  %-12.12s  %-12.12s  %5zu  %6zu  %s\n",
			       e->run_id, wt, e->type, wd, e->timestamp, wc, c,
			       e->branch ? e->branch : "-",
			       e->machine ? e->machine : "-", e->n_results, e->n_failed,
			       bt_strbuf_str(&t));
		bt_strbuf_release(&t);
	}
}

static void render_csv(const struct bt_store_list *l, struct bt_strbuf *o)
{
	bt_strbuf_adds(o, "run_id,type,timestamp,commit,branch,dirty,machine,fingerprint,"
			  "suite,path,archive,n_results,n_failed,tags\r\n");
	for (size_t i = 0; i < l->n; i++) {
		const struct bt_store_entry *e = &l->items[i];
		const char *f[] = { e->run_id, e->type, e->timestamp, e->commit, e->branch,
				    e->dirty < 0 ? NULL : e->dirty ? "1" : "0", e->machine,
				    e->fingerprint, e->suite, e->path, e->archive };
		for (size_t k = 0; k < sizeof f / sizeof *f; k++) {
			bt_csv_field(o, f[k]);
			bt_strbuf_addc(o, ',');
		}
		struct bt_strbuf t = BT_STRBUF_INIT;
		tags_text(e, &t);
		bt_strbuf_addf(o, "%zu,%zu,", e->n_results, e->n_failed);
		bt_csv_field(o, t.len ? t.buf : NULL);
		bt_strbuf_adds(o, "\r\n");
		bt_strbuf_release(&t);
	}
}

static int render_json(const struct bt_store_list *l, struct bt_strbuf *o)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < l->n; i++)
		if (json_array_append_new(arr, cli_json_entry(&l->items[i])))
			json_decref(arr), arr = NULL;
	int rc = cli_json_print(arr, JSON_INDENT(1) | JSON_PRESERVE_ORDER, o);
	json_decref(arr);
	return rc;
}

static int cmd_list(int argc, char **argv)
{
	struct bt_store_filter f;
	memset(&f, 0, sizeof f);
	const char *store = NULL, *format = "table", *limit = NULL;
	int n_args, code;
	char *args[1];
	const struct cli_opt opts[] = {
		{ "--store", &store, NULL }, { "--type", &f.type, NULL },
		{ "--since", &f.since, NULL }, { "--until", &f.until, NULL },
		{ "--commit", &f.commit, NULL }, { "--branch", &f.branch, NULL },
		{ "--machine", &f.machine, NULL }, { "--name", &f.benchmark, NULL },
		{ "--tag", &f.tag, NULL }, { "--archived", NULL, &f.include_archived },
		{ "--limit", &limit, NULL }, { "--format", &format, NULL }, { NULL, NULL, NULL },
	};
	if ((code = cli_opts(argc, argv, opts, args, 0, &n_args)) >= 0)
		return code;
	if (strcmp(format, "table") && strcmp(format, "json") && strcmp(format, "csv")) {
		bt_front_error("list: --format: '%s' is not one of table, json, csv", format);
		return BT_EXIT_USAGE;
	}
	if (limit) {
		char *end;
		long n = strtol(limit, &end, 10);
		if (*end || end == limit || n < 1) {
			bt_front_error("list: --limit: '%s' is not a positive integer", limit);
			return BT_EXIT_USAGE;
		}
		f.limit = (size_t)n;
	}
	char since[CLI_DATE_MAX], until[CLI_DATE_MAX];
	if ((f.since && (code = cli_date_flag("list", "--since", f.since, since))) ||
	    (f.until && (code = cli_date_flag("list", "--until", f.until, until))))
		return code;
	f.since = f.since ? since : NULL;
	f.until = f.until ? until : NULL;
	struct bt_strbuf err = BT_STRBUF_INIT, out = BT_STRBUF_INIT;
	struct bt_store *st = cli_store(store);
	struct bt_store_list l;
	if (!st)
		return BT_EXIT_ERROR;
	memset(&l, 0, sizeof l);
	int rc = bt_store_query(st, &f, &l, &err);
	if (!rc) {
		if (strcmp(format, "json") == 0)
			rc = render_json(&l, &out);
		else if (strcmp(format, "csv") == 0)
			render_csv(&l, &out);
		else
			render_table(&l, &out);
	}
	if (rc)
		code = cli_fail(BT_EXIT_ERROR, "list", rc, &err);
	else
		code = cli_write_stdout(&out);
	bt_store_list_release(&l);
	bt_strbuf_release(&err);
	bt_strbuf_release(&out);
	return code;
}

const struct cli_cmd cli_cmd_list = { "list", "list [--type T] [filters]",
				      "list the stored runs", cmd_list,
				      CLI_STORE | CLI_READONLY };
