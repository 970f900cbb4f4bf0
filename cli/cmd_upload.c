/* benchtrack upload RUN... --hub OWNER/NAME: runs into a Hugging Face
 * dataset in the transformers benchmark runner's layout (bt_hub_layout,
 * bt_hub_push; docs/cmd/upload.md); cli_hub_upload for run
 * --upload-to-hub. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "opts.h"

#define MAX_RUNS 256

struct hub_opts {
	const char *repo, *run_id, *token, *revision, *hub_url;
	int scheduled;
};

static const char *env_or_null(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

/* Lays out and pushes runs; prints the files added on stdout, or on
 * stderr as "uploaded PATH" when quiet_stdout. 0 or 3. */
static int upload(const char *cmd, const struct bt_run *const *runs, size_t n,
		  const struct hub_opts *o, int quiet_stdout)
{
	struct bt_hub_dest d = {
		.repo = o->repo,
		.base_url = o->hub_url ? o->hub_url : env_or_null("HF_ENDPOINT"),
		.revision = o->revision,
		.token = o->token ? o->token : env_or_null("HF_TOKEN"),
		.scheduled = o->scheduled,
		.run_number = env_or_null("GITHUB_RUN_NUMBER"),
		.run_id = o->run_id ? o->run_id : env_or_null("GITHUB_RUN_ID"),
	};
	const char *event = env_or_null("GITHUB_EVENT_NAME");
	if (event && strcmp(event, "schedule") == 0)
		d.scheduled = 1;
	struct bt_hub_files files = { 0 };
	struct bt_strbuf err = BT_STRBUF_INIT, log = BT_STRBUF_INIT, msg = BT_STRBUF_INIT;
	int rc = 0;
	for (size_t i = 0; !rc && i < n; i++)
		rc = bt_hub_layout(runs[i], &d, &files, &err);
	if (!rc) {
		bt_strbuf_addf(&msg, "benchtrack: %zu run%s", n, n == 1 ? "" : "s");
		for (size_t i = 0; i < n && i < 4; i++)
			bt_strbuf_addf(&msg, "%s%.12s", i ? ", " : " (",
				       runs[i]->run_id ? runs[i]->run_id : "?");
		bt_strbuf_addf(&msg, "%s", n > 4 ? ", ...)" : ")");
		rc = bt_hub_push(&d, &files, bt_strbuf_str(&msg), &log, &err);
	}
	int code = BT_EXIT_OK;
	if (rc) {
		code = cli_fail(BT_EXIT_ERROR, cmd, rc, &err);
	} else {
		for (size_t i = 0; i < files.n; i++)
			if (quiet_stdout)
				fprintf(stderr, "uploaded %s\n", files.v[i].path);
			else
				printf("%s\n", files.v[i].path);
		code = quiet_stdout ? BT_EXIT_OK : cli_flush();
		if (log.len)
			fprintf(stderr, "%s", bt_strbuf_str(&log));
	}
	bt_hub_files_release(&files);
	bt_strbuf_release(&err);
	bt_strbuf_release(&log);
	bt_strbuf_release(&msg);
	return code;
}

int cli_hub_upload(const char *cmd, const struct bt_run *const *runs, size_t n,
		   const char *repo, const char *run_id)
{
	struct hub_opts o = { .repo = repo, .run_id = run_id };
	return upload(cmd, runs, n, &o, 1);
}

/* --token -: the first line of stdin, into buf. */
static int token_from_stdin(char *buf, size_t size)
{
	if (!fgets(buf, (int)size, stdin))
		return -1;
	buf[strcspn(buf, "\r\n")] = '\0';
	return *buf ? 0 : -1;
}

static int cmd_upload(int argc, char **argv)
{
	struct hub_opts o = { 0 };
	const char *store = NULL;
	int n_args;
	char *args[MAX_RUNS + 1];
	const struct cli_opt opts[] = {
		{ "--hub", &o.repo, NULL },
		{ "--run-id", &o.run_id, NULL },
		{ "--token", &o.token, NULL },
		{ "--revision", &o.revision, NULL },
		{ "--hub-url", &o.hub_url, NULL },
		{ "--scheduled", NULL, &o.scheduled },
		{ "--store", &store, NULL },
		{ NULL, NULL, NULL },
	};
	int code;
	if ((code = cli_opts(argc, argv, opts, args, MAX_RUNS + 1, &n_args)) >= 0)
		return code;
	if (n_args == 0 || n_args > MAX_RUNS) {
		bt_front_error("upload: expected 1 to %d runs (usage: benchtrack upload "
			       "RUN... --hub OWNER/NAME)", MAX_RUNS);
		return BT_EXIT_USAGE;
	}
	if (!o.repo) {
		bt_front_error("upload: --hub OWNER/NAME is required: the dataset");
		return BT_EXIT_USAGE;
	}
	if (!bt_hub_valid_repo(o.repo)) {
		bt_front_error("upload: --hub '%s': expected OWNER/NAME (letters, digits, "
			       "'.', '_', '-')", o.repo);
		return BT_EXIT_USAGE;
	}
	if ((o.run_id && !*o.run_id) || (o.revision && !*o.revision) ||
	    (o.hub_url && !*o.hub_url)) {
		bt_front_error("upload: %s: empty value", o.run_id && !*o.run_id ? "--run-id"
				: o.revision && !*o.revision ? "--revision" : "--hub-url");
		return BT_EXIT_USAGE;
	}
	if (o.run_id && !bt_hub_valid_run_id(o.run_id)) {
		bt_front_error("upload: --run-id '%s': expected letters, digits, '.', '_' "
			       "or '-' (a folder of the dataset)", o.run_id);
		return BT_EXIT_USAGE;
	}
	char stdin_token[1024];
	if (o.token && strcmp(o.token, "-") == 0) {
		if (token_from_stdin(stdin_token, sizeof stdin_token)) {
			bt_front_error("upload: --token -: no token on the first line of stdin");
			return BT_EXIT_USAGE;
		}
		o.token = stdin_token;
	}

	struct bt_run *runs = calloc((size_t)n_args, sizeof *runs);
	const struct bt_run **ptrs = calloc((size_t)n_args, sizeof *ptrs);
	struct bt_strbuf err = BT_STRBUF_INIT;
	int loaded = 0;
	code = BT_EXIT_OK;
	if (!runs || !ptrs) {
		bt_front_error("out of memory");
		code = BT_EXIT_ERROR;
	}
	for (; code == BT_EXIT_OK && loaded < n_args; loaded++) {
		int rc = bt_run_init(&runs[loaded]);
		if (!rc)
			rc = cli_load_run(store, args[loaded], &runs[loaded], &err);
		if (rc) {
			cli_ref_error(args[loaded], rc, 0, &err);
			code = cli_fail(BT_EXIT_ERROR, "upload", rc, &err);
		}
		ptrs[loaded] = &runs[loaded];
	}
	if (code == BT_EXIT_OK)
		code = upload("upload", ptrs, (size_t)n_args, &o, 0);
	for (int i = 0; runs && i < loaded; i++)
		bt_run_release(&runs[i]);
	memset(stdin_token, 0, sizeof stdin_token);
	free(runs);
	free(ptrs);
	bt_strbuf_release(&err);
	return code;
}

const struct cli_cmd cli_cmd_upload = {
	"upload", "upload RUN... --hub OWNER/NAME [--run-id ID] [--scheduled]",
	"add runs to a Hugging Face dataset (the transformers runner's layout)", cmd_upload,
	0 /* run files or runs of the store */
};
