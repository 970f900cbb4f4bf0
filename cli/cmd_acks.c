/* benchtrack acks: the acknowledged changes of the store. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "jsonout.h"
#include "opts.h"

static int cmd_acks(int argc, char **argv)
{
	const char *store_dir = NULL, *format = "table";
	int n_args = 0, code, rc;
	char *args[1];
	struct cli_opt opts[] = {
		{ "--store", &store_dir, NULL }, { "--format", &format, NULL },
		{ NULL, NULL, NULL },
	};
	struct bt_strbuf err = BT_STRBUF_INIT, out = BT_STRBUF_INIT;
	struct bt_store *st;
	struct bt_ack_list l;

	if ((code = cli_opts(argc, argv, opts, args, 0, &n_args)) >= 0)
		return code;
	if (strcmp(format, "table") && strcmp(format, "json")) {
		bt_front_error("acks: --format '%s': expected table or json", format);
		return BT_EXIT_USAGE;
	}
	if (!(st = cli_store(store_dir)))
		return BT_EXIT_ERROR;
	memset(&l, 0, sizeof l);
	if ((rc = bt_store_acks(st, &l, &err))) {
		code = cli_fail(BT_EXIT_ERROR, "acks", rc, &err);
		goto out;
	}
	if (strcmp(format, "json") == 0) {
		json_t *arr = json_array();
		int bad = !arr;
		for (size_t i = 0; !bad && i < l.n; i++)
			bad = json_array_append_new(
				arr, json_pack("{s:s, s:s, s:s, s:s, s:s}", "series_key",
					       l.items[i].series_key, "commit",
					       l.items[i].commit, "who", l.items[i].who,
					       "when", l.items[i].when, "reason",
					       l.items[i].reason)) != 0;
		/* out of memory: an error, never a list with entries left out */
		if (!bad)
			bad = cli_json_print(arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER, &out);
		json_decref(arr);
		if (bad) {
			code = cli_fail(BT_EXIT_ERROR, "acks", BT_ENOMEM, NULL);
			goto out;
		}
	} else if (l.n == 0) {
		bt_strbuf_adds(&out, "no acknowledged changes\n");
	} else {
		bt_strbuf_addf(&out, "%-16s  %-12s  %-20s  %-12s  %s\n", "series", "commit",
			       "when (UTC)", "who", "reason");
		for (size_t i = 0; i < l.n; i++) {
			const struct bt_ack *a = &l.items[i];
			bt_strbuf_addf(&out, "%-16s  %-12.12s  %-20s  %-12s  ", a->series_key,
				       a->commit, a->when, a->who);
			for (const char *p = a->reason; *p; p++)
				bt_strbuf_addc(&out, *p == '\n' || *p == '\r' ? ' ' : *p);
			bt_strbuf_addc(&out, '\n');
		}
	}
	code = cli_write_stdout(&out);
out:
	bt_ack_list_release(&l);
	bt_strbuf_release(&err);
	bt_strbuf_release(&out);
	return code;
}

const struct cli_cmd cli_cmd_acks = { "acks", "acks [--format table|json]",
				      "list the acknowledged changes", cmd_acks,
				      CLI_STORE | CLI_READONLY };
