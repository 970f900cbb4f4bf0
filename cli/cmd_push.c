/* benchtrack push [RUN...] --to URL: copies runs of the store (or run
 * files) into another store, a team's PostgreSQL store say
 * (lib/store/sync.c). Also pull's body (cmd_pull.c), the same copy the
 * other way. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "benchtrack/sync.h"
#include "cmd.h"
#include "opts.h"

struct sync_out {
	int verbose, dry_run;
};

static void sync_note(void *ud, const char *what, const char *id, const char *detail)
{
	const struct sync_out *o = ud;
	if (strcmp(what, "copy") == 0 && (o->verbose || o->dry_run))
		printf("%s %s %s\n", o->dry_run ? "would copy" : "copied", id,
		       detail ? detail : "");
	else if (strcmp(what, "present") == 0 && o->verbose)
		printf("present %s\n", id);
	else if (strcmp(what, "tag") == 0 && (o->verbose || o->dry_run))
		printf("%s %s %s\n", o->dry_run ? "would tag" : "tagged", id, detail);
	else if (strcmp(what, "ack") == 0 && (o->verbose || o->dry_run))
		printf("%s %s %s\n", o->dry_run ? "would ack" : "acked", id, detail);
}

static const char *plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static int is_file(const char *p)
{
	struct stat sb;
	return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* The summary line: what was copied where, and what was there. */
static void summary(int pull, const char *where, const struct bt_sync_stats *s,
		    int dry_run)
{
	if (!s->copied && !s->tags && !s->acks) {
		if (!s->present)
			printf("nothing to %s: no runs\n", pull ? "pull" : "push");
		else if (pull)
			printf("nothing to pull: the store already has the %zu %s of %s\n",
			       s->present, plural(s->present, "run", "runs"), where);
		else
			printf("nothing to push: %s already has the %zu %s\n", where,
			       s->present, plural(s->present, "run", "runs"));
		return;
	}
	printf("%s %zu %s %s %s (%zu already there), %zu %s, %zu %s\n",
	       dry_run ? (pull ? "would pull" : "would push") : (pull ? "pulled" : "pushed"),
	       s->copied, plural(s->copied, "run", "runs"), pull ? "from" : "to", where,
	       s->present, s->tags, plural(s->tags, "tag", "tags"), s->acks,
	       plural(s->acks, "ack", "acks"));
}

int cli_cmd_sync_run(int argc, char **argv, int pull, const struct cli_opt *opts,
		     struct cli_sync_flags *fl)
{
	const char *name = pull ? "pull" : "push";
	const char *store, *remote, *since_s;
	int dry_run, verbose, no_acks, n_args, code, rc;
	char since[CLI_DATE_MAX];
	char **args = calloc((size_t)argc + 1, sizeof *args);
	if (!args) {
		bt_front_error("%s: out of memory", name);
		return BT_EXIT_ERROR;
	}
	if ((code = cli_opts(argc, argv, opts, args, argc, &n_args)) >= 0)
		goto out;
	store = fl->store;
	remote = fl->remote;
	since_s = fl->since;
	dry_run = fl->dry_run;
	verbose = fl->verbose;
	no_acks = fl->no_acks;
	code = BT_EXIT_USAGE;
	if (!remote || !*remote) {
		bt_front_error("%s: %s URL is required (the other store: a directory "
			       "or postgresql://USER@HOST:PORT/DB)", name,
			       pull ? "--from" : "--to");
		goto out;
	}
	if (since_s && n_args) {
		bt_front_error("%s: give RUN... or --since, not both", name);
		goto out;
	}
	if (since_s && (code = cli_date_flag(name, "--since", since_s, since)))
		goto out;

	/* push FILE... alone needs no local store */
	int all_files = n_args > 0 && !pull;
	for (int i = 0; i < n_args && all_files; i++)
		all_files = is_file(args[i]);

	struct bt_strbuf err = BT_STRBUF_INIT;
	struct bt_store *local = NULL, *other = NULL;
	char *where = bt_store_location_public(remote);
	struct sync_out so = { verbose, dry_run };
	struct bt_sync_stats stats;
	struct bt_sync_opts o;
	memset(&o, 0, sizeof o);
	o.refs = (const char *const *)args;
	o.n_refs = (size_t)n_args;
	o.since = since_s ? since : NULL;
	o.no_acks = no_acks;
	o.dry_run = dry_run;
	code = BT_EXIT_ERROR;
	if (!where)
		goto done;
	if (!all_files && !(local = cli_store_as(store, pull && dry_run ? CLI_READONLY : 0)))
		goto done;
	rc = bt_store_open(&other, remote,
			   pull || dry_run ? BT_STORE_READONLY : BT_STORE_CREATE, &err);
	if (rc == BT_ENOTFOUND && dry_run && !pull) {
		/* a missing destination of a dry run: everything would be copied */
		other = NULL;
		bt_strbuf_reset(&err);
	} else if (rc) {
		cli_fail(BT_EXIT_ERROR, name, rc, &err);
		goto done;
	}
	rc = pull ? bt_store_sync(other, local, &o, sync_note, &so, &stats, &err)
		  : bt_store_sync(local, other, &o, sync_note, &so, &stats, &err);
	if (rc) {
		fflush(stdout);
		if (stats.copied)
			fprintf(stderr, "benchtrack: %s: %zu %s copied before the error\n",
				name, stats.copied, plural(stats.copied, "run was", "runs were"));
		cli_fail(BT_EXIT_ERROR, name, rc, &err);
		goto done;
	}
	summary(pull, where, &stats, dry_run);
	code = cli_flush();
done:
	bt_store_close(other);
	free(where);
	bt_strbuf_release(&err);
out:
	free(args);
	return code;
}

static int cmd_push(int argc, char **argv)
{
	struct cli_sync_flags fl = { 0 };
	const struct cli_opt opts[] = {
		{ "--to", &fl.remote, NULL }, CLI_SYNC_OPTS(&fl), { NULL, NULL, NULL }
	};
	return cli_cmd_sync_run(argc, argv, 0, opts, &fl);
}

const struct cli_cmd cli_cmd_push = {
	"push", "push [RUN...] --to URL", "copy runs into another store (a team's PostgreSQL)",
	cmd_push, CLI_STORE | CLI_READONLY
};
