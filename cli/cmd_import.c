/* benchtrack import FILE... | import -- COMMAND ARGS...: other tools'
 * result files (Google Benchmark, hyperfine, pytest-benchmark, pyperf,
 * criterion, asv, HF benchmark_v2) become runs (bt_import_path,
 * bt_import_text), with the context the file lacks from the flags or the
 * current checkout and machine; every file is read and checked before any
 * is stored (docs/cmd/import.md). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "benchtrack/import.h"
#include "cmd.h"
#include "internal.h"
#include "opts.h"

/* The harness's output is read with the cap of a run file. */
#define OUTPUT_CAP ((size_t)256 << 20)

struct flags {
	const char *format, *commit, *branch, *machine, *type, *suite, *store, *out;
	int no_store;
	enum bt_format fmt;
	char commit_hex[41];
};

/* One input: a file (or the harness's output) and its run. */
struct item {
	const char *what;    /* the file, or the command */
	struct bt_run run;
	struct bt_import_info info;
};

/* The suite of a file named path without --suite: its name without the
 * directory and the extension; the format's name when nothing is left. */
static const char *suite_of(struct bt_run *run, const char *path, enum bt_format f)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t n = strlen(base);
	const char *dot = strrchr(base, '.');
	if (dot && dot != base)
		n = (size_t)(dot - base);
	if (n == 0)
		return bt_run_strdup(run, bt_format_name(f));
	return bt_run_printf(run, "%.*s", (int)n, base);
}

/* Fills what the file did not say: id, time, suite, type, git, machine,
 * series keys. Notes on stderr where the current checkout or machine
 * stands in. 0 or BT_ENOMEM. */
static int complete(struct item *it, const struct flags *fl, const char *suite_from)
{
	struct bt_run *run = &it->run;
	const char *ts = run->timestamp;
	if (bt_context_stamp(run))
		return BT_ENOMEM;
	if (it->info.has_timestamp && ts)
		run->timestamp = ts;
	if (fl->suite)
		run->suite = bt_run_strdup(run, fl->suite);
	else if (!run->suite)
		run->suite = suite_of(run, suite_from, it->info.format);
	/* type: the file's (HF benchmark_v2's benchmark_type), else --type,
	 * else the one its results declare, else "comprehensive" */
	const char *type = run->benchmark_type;
	if (type && fl->type && strcmp(fl->type, type))
		cli_warn("import", "%s: --type ignored: the file gives type %s", it->what, type);
	if (!type)
		type = fl->type ? fl->type : bt_run_declared_type(run);
	run->benchmark_type = bt_run_strdup(run, type ? type : "comprehensive");
	if (!run->suite || !run->benchmark_type)
		return BT_ENOMEM;
	/* git: the file's, else the flags', else the current checkout's; each
	 * of commit and branch on its own (a file may give a branch alone) */
	const char *file_branch = run->git.branch;
	if (file_branch && fl->branch && strcmp(fl->branch, file_branch))
		cli_warn("import", "%s: --branch ignored: the file gives branch %s", it->what,
			 file_branch);
	if (it->info.has_git) {
		if (fl->commit && run->git.commit && strcmp(fl->commit_hex, run->git.commit))
			cli_warn("import", "%s: --commit ignored: the file gives commit %.12s",
				 it->what, run->git.commit);
		if (fl->branch && !run->git.branch &&
		    !(run->git.branch = bt_run_strdup(run, fl->branch)))
			return BT_ENOMEM;
	} else if (fl->commit || fl->branch) {
		memset(&run->git, 0, sizeof run->git);
		run->git.dirty = -1;
		if (fl->commit && !(run->git.commit = bt_run_strdup(run, fl->commit_hex)))
			return BT_ENOMEM;
		if (fl->branch && !(run->git.branch = bt_run_strdup(run, fl->branch)))
			return BT_ENOMEM;
	} else {
		if (bt_context_git(run, NULL))
			return BT_ENOMEM;
		if (run->git.commit)
			fprintf(stderr, "import: %s: no commit in the file: using the current "
				"checkout's (%.12s%s)\n", it->what, run->git.commit,
				run->git.dirty == 1 ? ", dirty" : "");
		else
			fprintf(stderr, "import: %s: no commit in the file, none given "
				"(--commit) and not in a git checkout\n", it->what);
	}
	if (file_branch)
		run->git.branch = file_branch;
	/* machine: the file's, else one named by --machine, else this one */
	if (!it->info.has_machine) {
		if (fl->machine) {
			char fp[17];
			snprintf(fp, sizeof fp, "%016llx", (unsigned long long)bt__fnv1a_str(
							    bt__fnv1a_str(BT__FNV_INIT, "machine"),
							    fl->machine));
			struct bt_machine *m = &run->machine;
			memset(m, 0, sizeof *m);
			m->cpu_cores = m->cpu_physical_cores = -1;
			m->cache_l1d = m->cache_l2 = m->cache_l3 = m->memory_bytes = -1;
			m->name = bt_run_strdup(run, fl->machine);
			m->fingerprint = bt_run_strdup(run, fp);
			if (!m->name || !m->fingerprint)
				return BT_ENOMEM;
		} else {
			if (bt_context_machine(run))
				return BT_ENOMEM;
			fprintf(stderr, "import: %s: no machine in the file: using this one (%s)\n",
				it->what, run->machine.name ? run->machine.name : "?");
		}
	} else if (fl->machine && run->machine.name && strcmp(fl->machine, run->machine.name)) {
		cli_warn("import", "%s: --machine ignored: the file gives machine %s", it->what,
			 run->machine.name);
	}
	for (size_t i = 0; i < run->n_results; i++) {
		struct bt_result *r = &run->results[i];
		char key[17];
		bt_series_key(run->suite, r, run->machine.fingerprint,
			      r->n_metrics ? r->metrics[0].name : "time", key);
		if (!(r->series_key = bt_run_strdup(run, key)))
			return BT_ENOMEM;
	}
	return 0;
}

/* Reads the run back from its JSON, as the store and every reader will:
 * what cannot be stored is found before anything is. 0 or the error. */
static int check(const struct item *it, struct bt_strbuf *err)
{
	struct bt_strbuf js = BT_STRBUF_INIT;
	struct bt_run back;
	int rc = bt_run_to_json(&it->run, 0, &js, err);
	if (!rc && !(rc = bt_run_init(&back))) {
		rc = bt_run_from_json(&back, js.buf, js.len, it->what, err);
		bt_run_release(&back);
	}
	bt_strbuf_release(&js);
	return rc;
}

extern char **environ;

/* Runs the harness argv with its stdout into the file out (stderr passed
 * through); *status its exit status, or 128 + the signal that ended it.
 * 0, or -1 with the error printed. */
static int run_harness(char **argv, const char *out, int *status)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		bt_front_error("import: %s: %s", argv[0], strerror(rc));
		return -1;
	}
	/* a SIGINT or SIGTERM caught meanwhile (cli_tmp_open's handler, which
	 * does not know this pid) is passed on to the harness, which a signal
	 * sent to benchtrack alone would not reach */
	int sent = 0;
	for (;;) {
		int sig = cli_tmp_interrupted();
		if (sig && !sent) {
			kill(pid, sig);
			sent = 1;
		}
		if (waitpid(pid, &st, 0) >= 0)
			break;
		if (errno != EINTR) {
			bt_front_error("import: %s: %s", argv[0], strerror(errno));
			return -1;
		}
	}
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return 0;
}

/* The whole file at path (malloc'd, *len bytes), capped; NULL with the
 * error printed. */
static char *slurp(const char *path, const char *what, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;
	if (!f) {
		bt_front_error("import: %s: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (n + 65536 + 1 > cap) {
			size_t nc = cap ? cap * 2 : 1 << 16;
			char *nb = nc <= OUTPUT_CAP + 65537 ? realloc(buf, nc) : NULL;
			if (!nb) {
				bt_front_error("import: %s: output larger than %zu bytes", what,
					       OUTPUT_CAP);
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
			cap = nc;
		}
		size_t got = fread(buf + n, 1, 65536, f);
		n += got;
		if (got < 65536)
			break;
	}
	int bad = ferror(f);
	fclose(f);
	if (bad || n > OUTPUT_CAP) {
		bt_front_error("import: %s: %s", what,
			       bad ? "could not read its output" : "output too large");
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* The harness's output imported into it; returns an exit code (-1: go
 * on), *hstatus the harness's status. */
static int import_command(char **cmd, const struct flags *fl, struct item *it, int *hstatus)
{
	char *tmp = cli_tmp_open("benchtrack-import");
	if (!tmp)
		return BT_EXIT_ERROR;
	int code = -1;
	if (run_harness(cmd, tmp, hstatus))
		return BT_EXIT_ERROR;
	if (cli_tmp_interrupted()) {
		bt_front_error("import: interrupted by signal %d (%s); nothing stored",
			       cli_tmp_interrupted(), strsignal(cli_tmp_interrupted()));
		return 128 + cli_tmp_interrupted();
	}
	if (*hstatus)
		cli_warn("import", "%s exited with status %d", cmd[0], *hstatus);
	size_t len = 0;
	char *text = slurp(tmp, cmd[0], &len);
	if (!text)
		return BT_EXIT_ERROR;
	struct bt_strbuf err = BT_STRBUF_INIT;
	char label[512];
	snprintf(label, sizeof label, "output of %s", cmd[0]);
	int rc = bt_import_text(&it->run, text, len, label, fl->fmt, &it->info, &err);
	if (rc)
		code = cli_fail(BT_EXIT_ERROR, "import", rc, &err);
	free(text);
	bt_strbuf_release(&err);
	return code;
}

/* --commit C: hex as it is, else a ref of this repository. */
static int resolve_commit(struct flags *fl)
{
	size_t n = strlen(fl->commit);
	if (n >= 4 && n <= 40 && strspn(fl->commit, "0123456789abcdefABCDEF") == n) {
		for (size_t i = 0; i <= n; i++)
			fl->commit_hex[i] = (char)(fl->commit[i] >= 'A' && fl->commit[i] <= 'F'
							   ? fl->commit[i] + 32
							   : fl->commit[i]);
		return 0;
	}
	if (cli_git_commit(fl->commit, fl->commit_hex) == 0)
		return 0;
	bt_front_error("import: --commit %s: neither a hash nor a commit of this repository",
		       fl->commit);
	return -1;
}

static int cmd_import(int argc, char **argv)
{
	struct flags fl;
	memset(&fl, 0, sizeof fl);
	const struct cli_opt opts[] = { { "--format", &fl.format, NULL },
					{ "--commit", &fl.commit, NULL },
					{ "--branch", &fl.branch, NULL },
					{ "--machine", &fl.machine, NULL },
					{ "--type", &fl.type, NULL },
					{ "--suite", &fl.suite, NULL },
					{ "--store", &fl.store, NULL },
					{ "--no-store", NULL, &fl.no_store },
					{ "--out", &fl.out, NULL },
					{ NULL, NULL, NULL } };
	/* import [flags] -- COMMAND ARGS...: the flags end at "--" */
	int dash = argc;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			dash = i;
			break;
		}
	char **cmd = dash < argc ? argv + dash + 1 : NULL;
	int n_cmd = dash < argc ? argc - dash - 1 : 0;
	char **args = calloc((size_t)argc + 1, sizeof *args);
	int n_args = 0, code;
	if (!args)
		return BT_EXIT_ERROR;
	if ((code = cli_opts(dash, argv, opts, args, argc, &n_args)) >= 0)
		goto out_args;
	code = BT_EXIT_USAGE;
	if (cmd && (n_cmd == 0 || n_args)) {
		bt_front_error(n_cmd ? "import: files and -- COMMAND cannot be combined"
				     : "import: no command after --");
		goto out_args;
	}
	if (!cmd && n_args == 0) {
		bt_front_error("import: no file given (usage: benchtrack %s)", cli_cmd_import.usage);
		goto out_args;
	}
	int f = bt_format_parse(fl.format ? fl.format : "auto");
	if (f < 0 || f == BT_FORMAT_CSV) {
		bt_front_error("import: --format %s: expected auto, gbench, hyperfine, "
			       "pytest-benchmark, pyperf, criterion, asv or hf-v2", fl.format);
		goto out_args;
	}
	fl.fmt = (enum bt_format)f;
	if (fl.no_store && fl.store) {
		bt_front_error("import: --store and --no-store cannot be combined");
		goto out_args;
	}
	size_t n = cmd ? 1 : (size_t)n_args;
	if (fl.out && n > 1) {
		bt_front_error("import: --out takes one run: give one file");
		goto out_args;
	}
	if (fl.commit && resolve_commit(&fl))
		goto out_args;

	struct item *items = calloc(n, sizeof *items);
	if (!items) {
		code = BT_EXIT_ERROR;
		goto out_args;
	}
	size_t have = 0;
	int hstatus = 0;
	struct bt_strbuf err = BT_STRBUF_INIT;
	code = -1;
	/* read and check every input before storing any */
	for (size_t i = 0; i < n && code < 0; i++) {
		struct item *it = &items[i];
		it->what = cmd ? cmd[0] : args[i];
		if (bt_run_init(&it->run)) {
			code = cli_fail(BT_EXIT_ERROR, "import", BT_ENOMEM, NULL);
			break;
		}
		have++;
		int rc;
		if (cmd) {
			code = import_command(cmd, &fl, it, &hstatus);
			if (code >= 0)
				break;
		} else if ((rc = bt_import_path(&it->run, it->what, fl.fmt, &it->info, &err))) {
			code = cli_fail(BT_EXIT_ERROR, "import", rc, &err);
			break;
		}
		if (it->info.detected)
			fprintf(stderr, "import: %s: read as %s (detected)\n", it->what,
				bt_format_name(it->info.format));
		if (it->info.note[0])
			fprintf(stderr, "import: %s: %s\n", it->what, it->info.note);
		if ((rc = complete(it, &fl, it->what)) || (rc = check(it, &err)))
			code = cli_fail(BT_EXIT_ERROR, "import", rc, &err);
	}
	/* every run stored, or kept in a file when the store is out of reach
	 * (cli_store_run); one that fails does not stop the others */
	size_t unstored = 0;
	for (size_t i = 0; code < 0 && !fl.no_store && i < n; i++)
		unstored += cli_store_run("import", fl.store, 0, &items[i].run) != BT_EXIT_OK;
	if (unstored && n > 1)
		bt_front_error("import: %zu of %zu runs not stored", unstored, n);
	for (size_t i = 0; code < 0 && i < n; i++) {
		struct bt_front fr;
		memset(&fr, 0, sizeof fr);
		fr.format = "table";
		fr.out = fl.out;
		fr.log_level = BT_LOG_QUIET;
		if (n > 1)
			printf("%s%s (%s)\n", i ? "\n" : "", items[i].what,
			       bt_format_name(items[i].info.format));
		int e = bt_front_emit(&fr, &items[i].run);
		if (e == BT_EXIT_ERROR)
			code = e;
		else if (e == BT_EXIT_CASE_FAILED)
			hstatus = hstatus ? hstatus : -1;
	}
	if (code < 0)
		code = unstored ? BT_EXIT_ERROR : hstatus ? BT_EXIT_CASE_FAILED : BT_EXIT_OK;
	for (size_t i = 0; i < have; i++)
		bt_run_release(&items[i].run);
	free(items);
	bt_strbuf_release(&err);
	if (cmd)
		cli_tmp_close();
out_args:
	free(args);
	return code;
}

const struct cli_cmd cli_cmd_import = {
	"import", "import FILE... [--format F] [flags] | import [flags] -- COMMAND ARGS...",
	"import other tools' results (gbench, hyperfine, pytest-benchmark, ...) as runs",
	cmd_import, CLI_STORE | CLI_CREATE | CLI_NO_SIGPIPE
};
