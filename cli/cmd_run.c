/* benchtrack run SUITE... [flags]: runs benchmark executables (built with
 * BT_MAIN) with the runner flags, merges their runs, prints one table. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "benchtrack/store.h"
#include "cmd.h"

/* Appends every result of src to dst (a copy through JSON, so dst's arena
 * owns it). */
static int merge(struct bt_run *dst, const struct bt_run *src,
		 struct bt_strbuf *err)
{
	struct bt_strbuf js = BT_STRBUF_INIT;
	int rc = 0;
	for (size_t i = 0; i < src->n_results && !rc; i++) {
		bt_strbuf_reset(&js);
		struct bt_result *r;
		if ((rc = bt_result_to_json(&src->results[i], &js, err)))
			break;
		if (!(r = bt_run_add_result(dst)))
			rc = BT_ENOMEM;
		else
			rc = bt_result_from_json(dst, r, js.buf, js.len, "merge", err);
	}
	bt_strbuf_release(&js);
	if (!rc) {
		dst->suite = bt_run_printf(dst, "%s+%s", dst->suite, src->suite);
		dst->duration_s += src->duration_s;
	}
	return rc;
}

/* Stores the run (--store DIR, $BENCHTRACK_STORE, or benchmark_results/;
 * created when missing: CLI_CREATE, unless --no-store); returns an exit
 * code. */
static int store_run(const struct bt_front *f, const struct bt_run *run)
{
	return cli_store_run("run", f->store, f->log_level < BT_LOG_INFO, run);
}

/* Each suite checks that its benchmarks declare every --param axis (or,
 * with --allow-unknown-params, that some suite does); an axis that only
 * benchmarks left out by the filters declare still changes nothing: say
 * so. */
static void warn_unused_params(const struct bt_front *f, const struct bt_run *run)
{
	for (size_t i = 0; i < f->cfg.n_params; i++) {
		struct bt_param_space ps = BT_PARAM_SPACE_INIT;
		if (bt_param_space_parse(&ps, f->cfg.params[i], NULL) != 0)
			continue;
		for (size_t k = 0; k < ps.n_axes; k++) {
			int used = 0;
			for (size_t r = 0; r < run->n_results && !used; r++)
				for (size_t p = 0; p < run->results[r].n_params && !used; p++)
					used = strcmp(run->results[r].params[p].key,
						      ps.axes[k].name) == 0;
			if (!used)
				cli_warn(NULL, "--param %s: no case has a parameter '%s'",
					 f->cfg.params[i], ps.axes[k].name);
		}
		bt_param_space_release(&ps);
	}
}

extern char **environ;

/* Runs `suite --list --allow-empty FLAG VALUE` with its output to
 * /dev/null: 0 when it ends with status 0 (it declares the name, as its
 * strict check says), else 1. */
static int suite_knows(const char *suite, const char *flag, const char *value)
{
	char *av[] = { (char *)suite, "--list", "--allow-empty", (char *)flag,
		       (char *)value, NULL };
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	int rc = posix_spawn(&pid, suite, &fa, NULL, av, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return 1;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}

/* --allow-unknown-params: each suite ignores the names it does not
 * declare, but a --param axis or --options name that no suite declares is
 * still a usage error, found before anything runs. Returns 0 or 2 (with
 * the message printed). */
static int check_names_somewhere(const struct bt_front *f)
{
	struct bt_strbuf v = BT_STRBUF_INIT;
	int code = 0;
	for (size_t i = 0; i < f->cfg.n_params && !code; i++) {
		struct bt_param_space ps = BT_PARAM_SPACE_INIT;
		if (bt_param_space_parse(&ps, f->cfg.params[i], NULL) != 0)
			continue; /* the suites say what is wrong with it */
		for (size_t k = 0; k < ps.n_axes && !code; k++) {
			int known = 0;
			bt_strbuf_reset(&v);
			bt_strbuf_addf(&v, "%s=1", ps.axes[k].name);
			for (int s = 0; s < f->n_args && !known; s++)
				known = suite_knows(f->args[s], "--param", v.buf) == 0;
			if (!known) {
				bt_front_error("run: --param %s: no benchmark of any suite "
					       "has a parameter '%s'", f->cfg.params[i],
					       ps.axes[k].name);
				code = BT_EXIT_USAGE;
			}
		}
		bt_param_space_release(&ps);
	}
	const char *o = f->cfg.options;
	while (o && *o && !code) {
		size_t n = strcspn(o, ",");
		bt_strbuf_reset(&v);
		bt_strbuf_addf(&v, "%.*s", (int)n, o);
		char *name = v.buf;
		while (*name == ' ')
			name++;
		for (char *e = name + strlen(name); e > name && e[-1] == ' ';)
			*--e = '\0';
		if (*name && strcmp(name, "all") && strcmp(name, "none")) {
			int known = 0;
			for (int s = 0; s < f->n_args && !known; s++)
				known = suite_knows(f->args[s], "--options", name) == 0;
			if (!known) {
				bt_front_error("run: --options: no benchmark of any suite "
					       "declares option '%s'", name);
				code = BT_EXIT_USAGE;
			}
		}
		o += n + (o[n] == ',');
	}
	bt_strbuf_release(&v);
	return code;
}

/* benchtrack run DIR: each directory among the SUITEs stands for the
 * suite executables found under it (bt_discover_suites: the marker of
 * BT_MAIN, nothing is run), in sorted order. The paths found go to
 * *found (freed by the caller); f->args is replaced. Returns 0, 2 (a
 * directory without a suite) or 3 (one that cannot be read). */
static int expand_dirs(struct bt_front *f, char ***found, size_t *n_found)
{
	struct bt_strbuf err = BT_STRBUF_INIT;
	char **args = NULL;
	int n = 0, code = BT_EXIT_OK;
	for (int i = 0; i < f->n_args && code == BT_EXIT_OK; i++) {
		struct stat st;
		char **v = NULL;
		size_t nv = 0;
		if (stat(f->args[i], &st) != 0 || !S_ISDIR(st.st_mode)) {
			v = &f->args[i];
			nv = 1;
		} else {
			int rc = bt_discover_suites(f->args[i], &v, &nv, &err);
			if (rc) {
				code = cli_fail(BT_EXIT_ERROR, "run", rc, &err);
				break;
			}
			if (nv == 0) {
				bt_front_error("run: %s: no benchmark suite there (an "
					       "executable built with BT_MAIN())",
					       f->args[i]);
				free(v);
				code = BT_EXIT_USAGE;
				break;
			}
			if (f->log_level >= BT_LOG_DEBUG)
				for (size_t k = 0; k < nv; k++)
					fprintf(stderr, "run: %s: found %s\n", f->args[i], v[k]);
		}
		char **na = realloc(args, ((size_t)n + nv + 1) * sizeof *na);
		char **nf = v != &f->args[i]
			    ? realloc(*found, (*n_found + nv) * sizeof *nf) : *found;
		if (!na || (v != &f->args[i] && !nf)) {
			free(na ? na : args);
			args = NULL;
			if (v != &f->args[i])
				bt_model_names_free(v, nv);
			bt_front_error("run: %s", bt_strerror(BT_ENOMEM));
			code = BT_EXIT_ERROR;
			if (nf)
				*found = nf;
			break;
		}
		args = na;
		for (size_t k = 0; k < nv; k++)
			args[n++] = v[k];
		if (v != &f->args[i]) {
			*found = nf;
			memcpy(*found + *n_found, v, nv * sizeof *v);
			*n_found += nv;
			free(v);
		}
	}
	bt_strbuf_release(&err);
	if (code != BT_EXIT_OK) {
		free(args);
		return code;
	}
	free(f->args);
	f->args = args;
	f->n_args = n;
	if (args)
		args[n] = NULL;
	return BT_EXIT_OK;
}

static int cmd_run(int argc, char **argv)
{
	struct bt_front f;
	struct bt_strbuf err = BT_STRBUF_INIT;
	struct bt_run all, one;
	int have_all = 0, code = BT_EXIT_OK;
	char *tmp = NULL;
	char **found = NULL; /* suites found under directories */
	size_t n_found = 0;
	memset(&all, 0, sizeof all);

	if ((code = cli_front_opts(&f, argc, argv)) >= 0)
		goto out;
	code = BT_EXIT_OK;
	if (f.version) {
		printf("benchtrack %s\n", BENCHTRACK_VERSION);
		code = fflush(stdout) == 0 ? BT_EXIT_OK : BT_EXIT_ERROR;
		goto out;
	}
	if (f.n_args == 0) {
		bt_front_error("run: no suite given (usage: benchtrack run SUITE... [flags])");
		code = BT_EXIT_USAGE;
		goto out;
	}
	if (f.run_id && !f.upload_to_hub) {
		bt_front_error("run: --run-id names the run's folder of --upload-to-hub, "
			       "which is not given");
		code = BT_EXIT_USAGE;
		goto out;
	}
	if (f.upload_to_hub && !bt_hub_valid_repo(f.upload_to_hub)) {
		bt_front_error("run: --upload-to-hub '%s': expected OWNER/NAME (letters, "
			       "digits, '.', '_', '-')", f.upload_to_hub);
		code = BT_EXIT_USAGE;
		goto out;
	}
	if (f.run_id && !bt_hub_valid_run_id(f.run_id)) {
		bt_front_error("run: --run-id '%s': expected letters, digits, '.', '_' or "
			       "'-' (a folder of the dataset)", f.run_id);
		code = BT_EXIT_USAGE;
		goto out;
	}
	if ((code = expand_dirs(&f, &found, &n_found)) != BT_EXIT_OK)
		goto out;
	for (int i = 0; i < f.n_args; i++)
		if (cli_check_suite(f.args[i])) {
			code = BT_EXIT_USAGE;
			goto out;
		}
	if (f.list) {
		/* a suite without the --suite-preset lists nothing (as it
		 * runs nothing); f.forward has room for one more */
		int nf = f.n_forward;
		if (f.cfg.preset)
			f.forward[nf++] = "--allow-empty";
		for (int i = 0; i < f.n_args && code == BT_EXIT_OK; i++) {
			int x = cli_spawn_suite(f.args[i], f.forward, nf, &err);
			if (x < 0)
				cli_fail(BT_EXIT_ERROR, NULL, x, &err);
			code = x < 0 ? BT_EXIT_ERROR : x;
		}
		goto out;
	}
	if (f.allow_unknown_params && (code = check_names_somewhere(&f)))
		goto out;
	if (!(tmp = cli_tmp_open("benchtrack-run"))) {
		code = BT_EXIT_ERROR;
		goto out;
	}

	char **args = calloc((size_t)f.n_forward + 8, sizeof *args);
	if (!args) {
		code = BT_EXIT_ERROR;
		goto out;
	}
	for (int s = 0; s < f.n_args; s++) {
		int n = 0;
		for (int i = 0; i < f.n_forward; i++)
			args[n++] = f.forward[i];
		args[n++] = "--format";
		args[n++] = "none";
		args[n++] = "--allow-empty";
		args[n++] = "--log-level";
		args[n++] = (char *)bt_front_log_level_name(f.log_level);
		args[n++] = "--out";
		args[n++] = tmp;
		/* --repetitions N: N fresh processes of the suite, samples pooled */
		struct bt_run srun;
		struct cli_pool pool;
		int have_s = 0, rc = 0; /* have_s: srun read, pool started */
		int reps = f.repetitions ? f.repetitions : 1;
		for (int rep = 0; rep < reps; rep++) {
			/* no stale run from the previous suite or repetition */
			if (unlink(tmp) != 0 && errno != ENOENT) {
				bt_front_error("%s: %s", tmp, strerror(errno));
				code = BT_EXIT_ERROR;
				break;
			}
			int x = cli_spawn_suite(f.args[s], args, n, &err);
			if (cli_tmp_interrupted())
				break;
			if (x < 0) {
				code = cli_fail(BT_EXIT_ERROR, NULL, x, &err);
				break;
			}
			if (x != BT_EXIT_OK && x != BT_EXIT_CASE_FAILED) {
				bt_front_error("%s exited with status %d", f.args[s], x);
				code = x == BT_EXIT_USAGE ? BT_EXIT_USAGE : BT_EXIT_ERROR;
				break;
			}
			if (access(tmp, F_OK) != 0 && errno == ENOENT) {
				/* /bin/true and the like: exit 0, no run */
				bt_front_error("%s: not a benchmark suite: it wrote no run "
					       "(a suite is an executable built with "
					       "BT_MAIN(), see benchtrack help run); to time "
					       "an arbitrary command, call it from a "
					       "benchmark of a suite", f.args[s]);
				code = BT_EXIT_USAGE;
				break;
			}
			struct bt_run *dst = have_s ? &one : &srun;
			rc = bt_run_init(dst);
			if (!rc)
				rc = bt_run_read_file(dst, tmp, &err);
			if (!rc)
				rc = have_s ? cli_pool_add(&pool, &one, &err)
					    : cli_pool_init(&pool, &srun, &err);
			if (have_s || rc)
				bt_run_release(dst);
			if (rc)
				break;
			have_s = 1;
		}
		int ok = !rc && have_s && code == BT_EXIT_OK && !cli_tmp_interrupted();
		if (have_s) {
			if (ok)
				cli_pool_finish(&pool, "run", f.n_args > 1 ? f.args[s] : NULL);
			cli_pool_release(&pool);
		}
		if (ok) {
			if (have_all) {
				rc = merge(&all, &srun, &err);
			} else {
				all = srun; /* the arena moves with the struct */
				have_s = 0;
				have_all = 1;
			}
		}
		if (have_s)
			bt_run_release(&srun);
		if (rc)
			code = cli_fail(BT_EXIT_ERROR, f.args[s], rc, &err);
		if (rc || code != BT_EXIT_OK || cli_tmp_interrupted())
			break;
		if (f.suite)
			all.suite = bt_run_strdup(&all, f.suite);
	}
	free(args);
	if (cli_tmp_interrupted()) {
		bt_front_error("run: interrupted by signal %d (%s)",
			       (int)cli_tmp_interrupted(),
			       strsignal(cli_tmp_interrupted()));
		code = 128 + cli_tmp_interrupted();
	} else if (code == BT_EXIT_OK && have_all && all.n_results == 0) {
		bt_front_error("no benchmark case matches the filters");
		code = BT_EXIT_USAGE;
	} else if (code == BT_EXIT_OK && have_all) {
		warn_unused_params(&f, &all);
		bt_front_declared_type(&f, &all);
		int stored = f.no_store ? BT_EXIT_OK : store_run(&f, &all);
		code = bt_front_emit(&f, &all);
		if (code == BT_EXIT_OK || (code == BT_EXIT_CASE_FAILED && stored != BT_EXIT_OK))
			code = stored;
		if (f.upload_to_hub && code != BT_EXIT_ERROR) {
			const struct bt_run *up = &all;
			if (cli_hub_upload("run", &up, 1, f.upload_to_hub, f.run_id)) {
				code = BT_EXIT_ERROR;
				if (stored == BT_EXIT_OK && !f.no_store && all.run_id)
					cli_warn("run", "the run is stored: `benchtrack upload "
						 "%.12s%s%s --hub %s%s%s` sends it later",
						 all.run_id, f.store ? " --store " : "",
						 f.store ? f.store : "", f.upload_to_hub,
						 f.run_id ? " --run-id " : "",
						 f.run_id ? f.run_id : "");
			}
		}
	}
out:
	bt_model_names_free(found, n_found);
	cli_tmp_close();
	if (code == BT_EXIT_OK && cli_tmp_interrupted())
		code = 128 + cli_tmp_interrupted();
	bt_run_release(&all);
	bt_front_release(&f);
	bt_strbuf_release(&err);
	return code;
}

const struct cli_cmd cli_cmd_run = { "run", "run SUITE... [flags]",
				     "run benchmark suites and print the table",
				     cmd_run, CLI_STORE | CLI_CREATE | CLI_NO_SIGPIPE };
