/* Helpers shared by several commands (contracts in cli/cmd.h); the
 * pooling of several processes' runs is cli/pool.c, the verdicts' flags,
 * outputs (tables, CI summaries) and words are cli/verdicts.c. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "benchtrack/sync.h"
#include "cmd.h"

extern char **environ;

int cli_front_opts(struct bt_front *f, int argc, char **argv)
{
	struct bt_strbuf err = BT_STRBUF_INIT;
	int rc = bt_front_parse(f, argc, argv, &err), code = -1;
	if (rc)
		code = cli_fail(BT_EXIT_USAGE, argv[0], rc, &err);
	else if (f->help)
		code = cli_cmd_print_help(argv[0]);
	bt_strbuf_release(&err);
	return code;
}

/* Whether a store failure rc leaves the run to be kept elsewhere: the
 * store is out of reach (not the run's fault, nor the disk's), or its
 * schema is newer than this benchtrack (a newer one pushes the file). */
static int store_unreachable(int rc)
{
	return rc == BT_EUNREACHABLE || rc == BT_EAUTH || rc == BT_EUNSUPPORTED;
}

/* Writes run to benchtrack-unstored-RUNID.json ($BENCHTRACK_SPOOL, else
 * the current directory) and says how to store it later; returns 3. */
static int spill_run(const char *cmd, const char *dir, const struct bt_run *run)
{
	const char *spool = getenv("BENCHTRACK_SPOOL");
	struct bt_strbuf err = BT_STRBUF_INIT, file = BT_STRBUF_INIT;
	char *abs = NULL, *where = NULL;
	int rc;

	if (!spool || !*spool)
		spool = ".";
	else if (mkdir(spool, 0777) != 0 && errno != EEXIST)
		bt_front_error("%s: BENCHTRACK_SPOOL %s: %s", cmd, spool, strerror(errno));
	abs = realpath(spool, NULL);
	bt_strbuf_addf(&file, "%s/benchtrack-unstored-%s.json", abs ? abs : spool,
		       run->run_id ? run->run_id : "unknown");
	if (!dir || !*dir)
		dir = getenv("BENCHTRACK_STORE");
	where = bt_store_location_public(dir && *dir ? dir : BT_STORE_DEFAULT_DIR);
	fflush(stdout);
	if (!file.buf || !where)
		rc = BT_ENOMEM;
	else
		rc = bt_run_write_file(run, file.buf, &err);
	if (rc) {
		cli_fail(BT_EXIT_ERROR, cmd, rc, &err);
		bt_front_error("%s: the run %s could not be kept either: it is lost",
			       cmd, run->run_id ? run->run_id : "");
	} else {
		fprintf(stderr, "benchtrack: %s: the run was not stored; it is kept in %s\n"
			"benchtrack: %s: store it later with: benchtrack push '%s' --to '%s'\n",
			cmd, file.buf, cmd, file.buf, where);
	}
	free(abs);
	free(where);
	bt_strbuf_release(&file);
	bt_strbuf_release(&err);
	return BT_EXIT_ERROR;
}

int cli_store_run(const char *cmd, const char *dir, int quiet,
		  const struct bt_run *run)
{
	static int unreachable; /* an earlier run of this process found it so */
	static int unopened;    /* ... or found it not to open (error said) */
	struct bt_strbuf err = BT_STRBUF_INIT;
	struct bt_store *st;
	char *path = NULL;
	int rc;
	if (unreachable)
		return spill_run(cmd, dir, run);
	if (unopened)
		return BT_EXIT_ERROR;
	if (!(st = cli_store(dir))) {
		if (!store_unreachable(cli_store_rc())) {
			unopened = 1;
			return BT_EXIT_ERROR;
		}
		unreachable = 1;
		return spill_run(cmd, dir, run);
	}
	if ((rc = bt_store_put(st, run, &path, &err)))
		cli_fail(BT_EXIT_ERROR, cmd, rc, &err);
	else if (!quiet)
		fprintf(stderr, "stored %s\n", path);
	free(path);
	bt_strbuf_release(&err);
	if (store_unreachable(rc)) {
		unreachable = 1;
		return spill_run(cmd, dir, run);
	}
	return rc ? BT_EXIT_ERROR : BT_EXIT_OK;
}

int cli_check_suite(const char *suite)
{
	struct stat st;
	if (stat(suite, &st) != 0) {
		bt_front_error("%s: %s", suite, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) || access(suite, X_OK) != 0) {
		bt_front_error("%s: not an executable benchmark suite", suite);
		return -1;
	}
	return 0;
}

int cli_git_commit(const char *ref, char out[41])
{
	char spec[512];
	int fds[2];
	pid_t pid;
	posix_spawn_file_actions_t fa;
	int devnull, n = 0, st;
	ssize_t r;

	if (strlen(ref) > 400 || ref[0] == '-' || pipe(fds) != 0)
		return -1;
	snprintf(spec, sizeof spec, "%s^{commit}", ref);
	char *av[] = { "git", "rev-parse", "--verify", "--quiet", spec, NULL };
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_addclose(&fa, fds[0]);
	devnull = open("/dev/null", O_WRONLY);
	if (devnull >= 0)
		posix_spawn_file_actions_adddup2(&fa, devnull, 2);
	int rc = posix_spawnp(&pid, "git", &fa, NULL, av, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (devnull >= 0)
		close(devnull);
	if (rc != 0) {
		close(fds[0]);
		return -1;
	}
	while (n < 40 && (r = read(fds[0], out + n, (size_t)(40 - n))) > 0)
		n += (int)r;
	close(fds[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	out[n < 40 ? 0 : 40] = '\0';
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 && n == 40 ? 0 : -1;
}

int cli_load_run(const char *store_dir, const char *ref, struct bt_run *run,
		 struct bt_strbuf *err)
{
	struct stat sb;
	struct bt_store *st;
	int rc;

	if (stat(ref, &sb) == 0 && S_ISREG(sb.st_mode))
		return bt_run_read_file(run, ref, err);
	if (stat(ref, &sb) == 0 && !S_ISDIR(sb.st_mode))
		return bt_error(err, BT_EIO, "%s: not a regular file", ref);
	rc = bt_store_open(&st, store_dir, BT_STORE_READONLY, err);
	if (rc)
		return cli_ref_error(ref, rc, 1, err);
	rc = bt_store_load(st, ref, run, err);
	if (rc == BT_ENOTFOUND) {
		/* a git ref (main, v1.2, HEAD~1) naming a commit of the store */
		char commit[41];
		if (cli_git_commit(ref, commit) != 0) {
			cli_ref_error(ref, rc, 0, err);
		} else {
			struct bt_strbuf e2 = BT_STRBUF_INIT;
			rc = bt_store_load(st, commit, run, &e2);
			if (rc == BT_ENOTFOUND)
				bt_error(err, rc, "'%s' is commit %.12s, which has no run in %s",
					 ref, commit, bt_store_dir(st));
			else if (rc)
				bt_error(err, rc, "%s", bt_strbuf_str(&e2));
			bt_strbuf_release(&e2);
		}
	}
	bt_store_close(st);
	return rc;
}

int cli_ref_error(const char *ref, int rc, int no_store, struct bt_strbuf *err)
{
	struct bt_strbuf m = BT_STRBUF_INIT;
	struct stat sb;

	if (rc != BT_ENOTFOUND)
		return rc;
	if (stat(ref, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		/* a store reads DIR/run.json; without one, say where it is */
		struct bt_strbuf rj = BT_STRBUF_INIT;
		bt_strbuf_addf(&rj, "%s/run.json", ref);
		bt_strbuf_addf(&m, "'%s' is a directory, not a run file", ref);
		if (stat(bt_strbuf_str(&rj), &sb) == 0 && S_ISREG(sb.st_mode))
			bt_strbuf_addf(&m, " (give %s)", bt_strbuf_str(&rj));
		bt_strbuf_release(&rj);
	} else if (no_store) {
		bt_strbuf_addf(&m, "'%s': no such file, and %s", ref, bt_strbuf_str(err));
	} else {
		return rc;
	}
	bt_error(err, rc, "%s", bt_strbuf_str(&m));
	bt_strbuf_release(&m);
	return rc;
}

void cli_warn_dirty(const char *cmd, const char *what, const struct bt_run *run)
{
	if (run->git.dirty != 1)
		return;
	cli_warn(cmd, "%s (run %.8s) was made from a dirty working tree: its "
		 "numbers may not be those of commit %.12s", what,
		 run->run_id ? run->run_id : "?",
		 run->git.commit ? run->git.commit : "(unknown)");
}

static int date_digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int cli_date(const char *s, char out[CLI_DATE_MAX])
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	size_t n = s ? strlen(s) : 0;
	int y, mo, d, h, mi, sec = 0;

	if (n < 10 || s[4] != '-' || s[7] != '-')
		return -1;
	y = date_digits(s, 4);
	mo = date_digits(s + 5, 2);
	d = date_digits(s + 8, 2);
	if (y < 0 || mo < 1 || mo > 12 || d < 1)
		return -1;
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (d > mdays[mo - 1] + (mo == 2 && leap))
		return -1;
	if (n == 10) {
		memcpy(out, s, 11);
		return 0;
	}
	/* a time: T (or a space), HH:MM, optional :SS and fraction, optional Z */
	const char *p = s + 10;
	if ((*p != 'T' && *p != ' ') || strlen(p) < 6 || p[3] != ':')
		return -1;
	h = date_digits(p + 1, 2);
	mi = date_digits(p + 4, 2);
	p += 6;
	if (*p == ':') {
		sec = date_digits(p + 1, 2);
		if (sec < 0)
			return -1;
		p += 3;
		if (*p == '.' && p[1] >= '0' && p[1] <= '9')
			for (p++; *p >= '0' && *p <= '9'; p++)
				;
	}
	if (*p == 'Z')
		p++;
	if (*p || h < 0 || h > 23 || mi < 0 || mi > 59 || sec > 59)
		return -1;
	/* as the index writes times ("2026-11-22T20:00:00Z") but without the
	 * zone letter, so that string order is time order, fractions too */
	size_t len = (size_t)(p - s) - (p[-1] == 'Z');
	if (len >= CLI_DATE_MAX)
		return -1;
	memcpy(out, s, len);
	out[10] = 'T';
	out[len] = '\0';
	return 0;
}

int cli_date_flag(const char *cmd, const char *flag, const char *s,
		  char out[CLI_DATE_MAX])
{
	if (cli_date(s, out) == 0)
		return 0;
	bt_front_error("%s: %s '%s': %s", cmd, flag, s, CLI_DATE_EXPECTED);
	return BT_EXIT_USAGE;
}

int cli_open_run(const char *cmd, const char *opt, const char *out_name, const char *what,
		 const char *store_dir, const char *ref, struct bt_run *run)
{
	struct bt_strbuf err = BT_STRBUF_INIT;
	int rc;

	if (out_name && !*out_name) {
		bt_front_error("%s: %s: empty %s name", cmd, opt, what);
		return BT_EXIT_USAGE;
	}
	if (bt_run_init(run)) {
		bt_front_error("out of memory");
		return BT_EXIT_ERROR;
	}
	rc = cli_load_run(store_dir, ref, run, &err);
	if (rc) {
		rc = cli_fail(BT_EXIT_ERROR, cmd, rc, &err);
		bt_run_release(run);
	}
	bt_strbuf_release(&err);
	return rc;
}

int cli_write_stdout(const struct bt_strbuf *out)
{
	if (out->len && fwrite(out->buf, 1, out->len, stdout) != out->len) {
		bt_front_error("cannot write the output: %s", strerror(errno));
		return BT_EXIT_ERROR;
	}
	return cli_flush();
}

void cli_sparkline(const double *x, size_t n, size_t width,
		   struct bt_strbuf *out)
{
	static const char *const bars[] = { "\u2581", "\u2582", "\u2583", "\u2584",
					    "\u2585", "\u2586", "\u2587", "\u2588" };
	size_t cells = n < width ? n : width;
	double lo = INFINITY, hi = -INFINITY;

	if (n == 0 || width == 0)
		return;
	double *v = malloc(cells * sizeof *v);
	if (!v)
		return;
	for (size_t c = 0; c < cells; c++) {
		size_t a = c * n / cells, b = (c + 1) * n / cells;
		double sum = 0;
		/* the mean as a sum of x / count: no overflow near DBL_MAX */
		for (size_t i = a; i < b; i++)
			sum += x[i] / (double)(b - a);
		v[c] = sum;
		lo = v[c] < lo ? v[c] : lo;
		hi = v[c] > hi ? v[c] : hi;
	}
	for (size_t c = 0; c < cells; c++) {
		/* the position in [lo, hi] in halves when hi - lo overflows (a
		 * series from -1.7e308 to 1.7e308); never NaN into the int */
		double f = isfinite(hi - lo) ? (v[c] - lo) / (hi - lo)
					     : (v[c] / 2 - lo / 2) / (hi / 2 - lo / 2);
		int k = hi > lo && f >= 0 && f <= 1 ? (int)(f * 7.999) : 3;
		bt_strbuf_adds(out, bars[k < 0 ? 0 : k > 7 ? 7 : k]);
	}
	free(v);
}

int cli_series_filter(const char *cmd, char *expr, struct bt_series_filter *f,
		      const char **params, size_t max)
{
	for (char *tok = expr, *next; tok && *tok; tok = next) {
		next = strchr(tok, ',');
		if (next)
			*next++ = '\0';
		char *eq = strchr(tok, '=');
		if (!eq || eq == tok) {
			bt_front_error("%s: --filter: '%s' is not KEY=VALUE", cmd, tok);
			return BT_EXIT_USAGE;
		}
		*eq = '\0';
		if (strcmp(tok, "name") == 0)
			f->name = eq + 1;
		else if (strcmp(tok, "variant") == 0)
			f->variant = eq + 1;
		else if (strcmp(tok, "machine") == 0)
			f->machine = eq + 1;
		else if (strcmp(tok, "suite") == 0)
			f->suite = eq + 1;
		else {
			*eq = '=';
			if (f->n_params == max) {
				bt_front_error("%s: --filter: too many parameters", cmd);
				return BT_EXIT_USAGE;
			}
			params[f->n_params++] = tok;
		}
	}
	f->params = params;
	return 0;
}

int cli_append_text(const char *cmd, const char *path, const char *text, size_t len)
{
	FILE *fp = fopen(path, "a");
	int rc = 0;

	if (!fp) {
		bt_front_error("%s: --summary %s: %s", cmd, path, strerror(errno));
		return -1;
	}
	if (fwrite(text, 1, len, fp) != len)
		rc = -1;
	if (fclose(fp) != 0)
		rc = -1;
	if (rc)
		bt_front_error("%s: --summary %s: cannot write: %s", cmd, path, strerror(errno));
	return rc;
}
