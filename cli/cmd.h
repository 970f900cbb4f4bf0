/* The benchtrack command table.
 *
 * Adding a command:
 *   1. write cli/cmd_NAME.c exporting `const struct cli_cmd cli_cmd_NAME`
 *      with its name, one-line usage, function and what it needs
 *      (CLI_STORE, CLI_READONLY, ...);
 *   2. list it in the table in cli/main.c;
 *   3. write docs/cmd/NAME.md (the --help text and the man page, built in);
 *   4. add tests under tests/cli/.
 * A command parses its flags with cli_opts (opts.h), takes its store from
 * cli_store, returns the process exit code (front.h: BT_EXIT_*), prints
 * its output on stdout and its errors with cli_fail (a BT_E* code and its
 * message) or bt_front_error, its warnings with cli_warn.
 *
 * Names: what cli/ defines for itself is cli_ (CLI_ for constants); bt_
 * is the library's public API.
 */
#ifndef BENCHTRACK_CMD_H
#define BENCHTRACK_CMD_H

#include "front.h"

/* What a command needs (git's RUN_SETUP), on its table entry: main()
 * keeps the entry of the command it runs, and cli_store() opens the store
 * as it says (after the command has checked its flags, so that a usage
 * error never depends on the store). */
enum {
	CLI_STORE = 1 << 0,      /* works on a store (--store DIR,
				  * $BENCHTRACK_STORE, benchmark_results/) */
	CLI_READONLY = 1 << 1,   /* ... only reads it */
	CLI_CREATE = 1 << 2,     /* ... creates it when missing */
	CLI_NO_REBUILD = 1 << 3, /* ... a missing index.db is not rebuilt on
				  * open (the command's own work) */
	CLI_NO_SIGPIPE = 1 << 4, /* stores what it measured: a reader of its
				  * stdout or stderr that went away (`2>&1 |
				  * head`) must not kill it first (SIGPIPE
				  * ignored; suites get the default back at
				  * spawn) */
};

struct cli_cmd {
	const char *name;
	const char *usage;  /* one line: "run SUITE... [flags]" */
	const char *summary;
	int (*fn)(int argc, char **argv); /* argv[0] is the command name */
	unsigned flags;     /* CLI_* */
};

extern const struct cli_cmd cli_cmd_run, cli_cmd_show, cli_cmd_list, cli_cmd_tag,
	cli_cmd_untag, cli_cmd_organize, cli_cmd_reindex, cli_cmd_gc, cli_cmd_restore,
	cli_cmd_verify, cli_cmd_compare, cli_cmd_check, cli_cmd_ab, cli_cmd_continuous,
	cli_cmd_merge,
	cli_cmd_history,
	cli_cmd_regressions, cli_cmd_ack, cli_cmd_acks,
	cli_cmd_dashboard,
	cli_cmd_version,
	cli_cmd_serve,
	cli_cmd_report,
	cli_cmd_exec,
	cli_cmd_import,
	cli_cmd_export,
	cli_cmd_new,
	cli_cmd_push, cli_cmd_pull,
	cli_cmd_upload,
	cli_cmd_help;

/* All commands, NULL-terminated. */
extern const struct cli_cmd *const cli_commands[];

/* Prints the --help text of a command (docs/cmd/NAME.md); returns 0, or 2
 * for an unknown command. */
int cli_cmd_print_help(const char *name);

/* tag/untag RUN TAG (cmd_tag.c): add != 0 adds, else removes. */
int cli_cmd_tag_run(int argc, char **argv, const char *name, int add);

/* push [RUN...] --to URL (pull == 0) and pull [RUN...] --from URL
 * (pull != 0), one body (cmd_push.c): copies runs between the store and
 * another one (bt_store_sync). opts is the command's option table
 * (cli/opts.h), storing into fl. */
struct cli_opt;
struct cli_sync_flags {
	const char *store, *remote, *since;
	int dry_run, verbose, no_acks;
};
/* The options push and pull share, for their tables: CLI_SYNC_OPTS(&fl)
 * (tests/integration/help.sh expands it); each adds --to or --from. */
#define CLI_SYNC_OPTS(fl)                                                       \
	{ "--store", &(fl)->store, NULL }, { "--since", &(fl)->since, NULL },  \
	{ "--no-acks", NULL, &(fl)->no_acks },                                 \
	{ "--dry-run", NULL, &(fl)->dry_run },                                 \
	{ "--verbose", NULL, &(fl)->verbose }, { "-v", NULL, &(fl)->verbose }
int cli_cmd_sync_run(int argc, char **argv, int pull, const struct cli_opt *opts,
		     struct cli_sync_flags *fl);

/* Uploads runs to the Hugging Face dataset repo (OWNER/NAME) as
 * `benchtrack upload` does (cmd_upload.c), for `run --upload-to-hub`:
 * run_id NULL for each run's own, hub_url NULL for $HF_ENDPOINT or the
 * Hub, the token from $HF_TOKEN, the scheduled layout when
 * $GITHUB_EVENT_NAME is "schedule". Prints the files added ("uploaded
 * PATH", on stderr: stdout has the run's table) or the error ("CMD:
 * ..."); returns 0 or 3. */
int cli_hub_upload(const char *cmd, const struct bt_run *const *runs, size_t n,
		   const char *repo, const char *run_id);

/* Exits-code helper: the standard "--help" handling for a command taking
 * no other flags: returns -1 when argv asks for nothing special. */
int cli_cmd_help_flag(int argc, char **argv, const char *name);

/* --- the command's setup and messages (cli/main.c) --- */

/* The store of the running command, opened once as its table entry says
 * (CLI_READONLY, CLI_CREATE, CLI_NO_REBUILD), plus extra (CLI_* for this
 * invocation: gc --dry-run is read-only), from dir (--store; NULL:
 * $BENCHTRACK_STORE, else benchmark_results/). A second call returns the
 * same store. NULL when it cannot be opened, with "benchtrack: error:
 * CMD: WHY" printed ("DIR: no such store", "DIR: not a directory"): the
 * command then returns BT_EXIT_ERROR. main() closes it after the command
 * returns. */
struct bt_store *cli_store(const char *dir);
struct bt_store *cli_store_as(const char *dir, unsigned extra);
/* The BT_E* code of the last cli_store open that failed (0: none did). */
int cli_store_rc(void);

/* "benchtrack: error: CMD: MSG" on stderr after stdout is flushed, MSG
 * being err's text when it has some, else bt_strerror(rc) (err may be
 * NULL; no "CMD: " when cmd is NULL). Returns code, for
 * `return cli_fail(BT_EXIT_ERROR, "list", rc, &err);`. */
int cli_fail(int code, const char *cmd, int rc, const struct bt_strbuf *err);

/* "benchtrack: warning: CMD: ..." on stderr (no "CMD: " when cmd is
 * NULL). */
void cli_warn(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Flushes stdout: BT_EXIT_OK, or BT_EXIT_ERROR with the error printed. */
int cli_flush(void);

/* --- shared by several commands (cli/common.c; pooling in cli/pool.c;
 * the verdicts' flags, outputs and words in cli/verdicts.c) --- */

/* The runner flags of the command argv[0] (run, ab, show) parsed into f
 * (bt_front_parse), then its --help, as cli_opts does: -1 for the
 * command to go on, else the exit code for it to return (2 after a usage
 * error, printed; that of the help page). f is released by the caller
 * (bt_front_release) either way. */
int cli_front_opts(struct bt_front *f, int argc, char **argv);

/* Stores run (bt_store_put) in the store cli_store(dir) opens and says
 * "stored PATH" on stderr unless quiet. Returns an exit code: 0, or 3
 * with the error printed ("CMD: ..."). When the store cannot be reached
 * or refuses the credentials (BT_EUNREACHABLE, BT_EAUTH from the open or
 * the put: a PostgreSQL store), or its schema is newer than this
 * benchtrack knows (BT_EUNSUPPORTED), the run is written to
 * benchtrack-unstored-RUNID.json in $BENCHTRACK_SPOOL (created when
 * missing), else in the current directory, and its path and the command
 * that stores it later (`benchtrack push FILE --to STORE`, the store
 * without its password) are printed; still 3. After one such failure,
 * later calls of the process spill at once (import's other runs); after
 * a store that would not open for another reason (its error printed
 * once), they return 3 at once. */
int cli_store_run(const char *cmd, const char *dir, int quiet,
		  const struct bt_run *run);

/* 0 when suite is an executable file, else prints why and returns -1. */
int cli_check_suite(const char *suite);

/* The suites' temporary output (cli/suitetmp.c), for run and ab: a
 * private directory under $TMPDIR (default /tmp) holds the --out file and
 * the suite's own temporaries. While it exists, SIGINT and SIGTERM are
 * caught and forwarded to the running suite; cli_tmp_interrupted()
 * then returns the signal and the caller removes the directory
 * (cli_tmp_close) and exits 128 + the signal.
 * cli_tmp_open returns the path of the --out file inside the new
 * directory (owned by suitetmp.c; NULL with a message printed on
 * failure). cli_spawn_suite spawns suite with args (argv[0] added)
 * and waits, recording the child for the forwarding; it returns the
 * suite's exit code, or -1 with err set (could not start, killed or
 * interrupted by a signal). */
char *cli_tmp_open(const char *prefix);
void cli_tmp_close(void);
int cli_tmp_interrupted(void);
int cli_spawn_suite(const char *suite, char **args, int n_args,
		     struct bt_strbuf *err);

/* Warns on stderr, once per noisy series of c that is not acknowledged,
 * that the gate could not judge it, why (the test that did not pass) and
 * what would decide it; fail_on_noisy adds that the gate fails for it.
 * Returns how many series were noisy. */
size_t cli_noisy_warnings(const char *cmd, const struct bt_run_cmp *c,
			  int fail_on_noisy);

/* Pools the runs of several processes of one suite (run --repetitions,
 * ab) into the first one's, run. Results match by benchmark identity
 * (name, variant, params, version; suite and machine aside); a result of
 * a later process that the first lacks is dropped. Per result:
 * - status: a failure (failed, crashed, timeout, oom) in any process
 *   wins, with the first failure's message; else ok when any process ran
 *   it ok; else skipped. A case skipped in some processes and ok in the
 *   others is ok with the samples of those (cli_pool_finish warns);
 * - samples appended in process order and re-summarised, throughputs at
 *   the pooled median time;
 * - wall_s, cpu user/sys and context switches summed over the processes
 *   (-1 when one is unknown), peak_memory_bytes the highest;
 * - iterations_per_sample the median over the processes that ran it ok
 *   (the lower middle one of an even count), set by cli_pool_finish;
 * - per metric, the median of each process (bt_metric.process_medians;
 *   a pooled run given brings its own), kept by cli_pool_finish where
 *   2 or more processes measured it: check and compare test between
 *   processes with them (bt_compare_runs).
 * The run's duration_s is the sum of the processes'.
 * cli_pool_init starts with first (which the pool does not own: it must
 * outlive the pool and not move until cli_pool_finish); cli_pool_add
 * pools a later process's run (copied into first's arena); both return 0
 * or BT_ENOMEM with err set. cli_pool_finish sets what needs every
 * process and warns ("CMD: WHAT: CASE: skipped in K of N processes ...")
 * for each case that is ok but was skipped somewhere; what may be NULL.
 * cli_pool_release frees the pool (not the run). */
struct cli_pool_case {
	size_t skipped;        /* processes that skipped the case */
	const char *skip_msg;  /* the first skip's reason, in run's arena */
	uint64_t *ips;         /* iterations_per_sample of each ok process */
	size_t n_ips, cap_ips;
};
struct cli_pool {
	struct bt_run *run;    /* the pooled run; not owned */
	size_t procs;          /* processes pooled, the first included */
	struct cli_pool_case *cases; /* one per result of run */
};
int cli_pool_init(struct cli_pool *p, struct bt_run *first, struct bt_strbuf *err);
int cli_pool_add(struct cli_pool *p, const struct bt_run *src, struct bt_strbuf *err);
void cli_pool_finish(struct cli_pool *p, const char *cmd, const char *what);
void cli_pool_release(struct cli_pool *p);

/* Loads a run named by ref: an existing file, else a store reference
 * (bt_store_resolve: id, prefix, latest[:TYPE], commit), else a git ref
 * (branch, tag, HEAD~1) resolved with git rev-parse to a commit of the
 * store. store_dir NULL: the default store. */
int cli_load_run(const char *store_dir, const char *ref, struct bt_run *run,
		 struct bt_strbuf *err);

/* The start of a command that writes a run somewhere (export, report):
 * out_name, the value of its option opt (NULL: not given), must not be
 * empty ("CMD: OPT: empty WHAT name", BT_EXIT_USAGE); then the run named
 * by ref (cli_load_run) is loaded into *run (bt_run_init'd here). 0 with
 * *run to release, or the exit code with the error printed and *run
 * released (or never made). */
int cli_open_run(const char *cmd, const char *opt, const char *out_name, const char *what,
		 const char *store_dir, const char *ref, struct bt_run *run);

/* Rewrites err, set by a failure rc to load the run named by ref, so that
 * it says what ref is (show, compare, check): for rc BT_ENOTFOUND, a ref
 * that is a directory gives "'REF' is a directory, not a run file" (with
 * its run.json named when it has one); otherwise, with no_store (err says
 * why the store could not be opened), "'REF': no such file, and " err.
 * Any other rc or case leaves err alone. Returns rc. */
int cli_ref_error(const char *ref, int rc, int no_store, struct bt_strbuf *err);

/* Warns on stderr ("benchtrack: warning: CMD: ...") when run was made from
 * a working tree with uncommitted changes (git.dirty == 1): its numbers
 * may not be those of the commit it names. what names the run ("A",
 * "the baseline"). */
void cli_warn_dirty(const char *cmd, const char *what, const struct bt_run *run);

/* git rev-parse --verify REF^{commit} into out (41 bytes, the full hash);
 * 0 on success, -1 when git or the ref is missing. */
int cli_git_commit(const char *ref, char out[41]);

/* Parses the verdict flags shared by compare, check and ab (each may be
 * NULL): --format (cli_valid_cmp_format), --threshold ("5%" or
 * "0.05"), --alpha, --correction holm|bh|none, --metric. Prints the error
 * and returns 2 on bad input. */
int cli_cmp_opts(const char *cmd, const char *format, const char *threshold,
		 const char *alpha, const char *correction, const char *metric,
		 struct bt_run_cmp_opts *o);

/* Renders a comparison in format (table, md, json, csv) into out. */
int cli_render_comparison(const char *format, const struct bt_run_cmp *c,
			  const struct bt_run *a, const struct bt_run *b,
			  const struct bt_run_cmp_opts *o, struct bt_strbuf *out,
			  struct bt_strbuf *err);
/* 1 when format is one of table, md, json, csv. */
int cli_valid_cmp_format(const char *format);
/* Appends the Markdown summary of c (bt_comparison_summary_md) to path
 * (appended: $GITHUB_STEP_SUMMARY collects several steps); an empty or
 * NULL path writes nothing. Returns 0, or -1 with the error printed
 * ("CMD: --summary PATH: ..."). */
int cli_append_summary(const char *cmd, const char *path,
		       const struct bt_run_cmp *c, const struct bt_run *a,
		       const struct bt_run *b, const struct bt_run_cmp_opts *o);
/* Appends text[0..len) to path, as cli_append_summary does; 0, or -1
 * with the error printed. */
int cli_append_text(const char *cmd, const char *path, const char *text, size_t len);

/* The DATE of every --since/--until flag (list, history, regressions):
 * a UTC date "YYYY-MM-DD" or time "YYYY-MM-DDTHH:MM[:SS[.fff]][Z]" ('T'
 * or a space) that exists on the calendar. cli_date writes it into out
 * as the index compares it (a date as given; a time with 'T' and without
 * the 'Z') and returns 0, or -1 for anything else. cli_date_flag also
 * prints "CMD: FLAG 'S': " CLI_DATE_EXPECTED and returns 2 (usage). */
#define CLI_DATE_MAX 40
#define CLI_DATE_EXPECTED \
	"expected a date (YYYY-MM-DD) or a UTC time (YYYY-MM-DDTHH:MM:SSZ)"
int cli_date(const char *s, char out[CLI_DATE_MAX]);
int cli_date_flag(const char *cmd, const char *flag, const char *s,
		  char out[CLI_DATE_MAX]);

/* A change point's rel_change as text into buf: "+12.3%" with decimals
 * digits, or "from 0" when it is infinite (the mean before was 0). */
void cli_rel_text(double rel, int decimals, char *buf, size_t size);

/* Change-point options from the flags of history and regressions (each
 * may be NULL): --otava-compat, --p-max, --window, --min-change (the
 * floor of the relative change; --min-magnitude is its older name).
 * Prints the error and returns 2 on bad input. */
int cli_cp_opts(const char *cmd, int otava, const char *p_max,
		const char *window, const char *min_change,
		struct bt_cp_opts *o);
/* How many more points confirm c, a change point of a series of n
 * points found with o: 0 when it is confirmed (reported), else the
 * points still missing of min_after (c is pending). */
size_t cli_cp_pending(const struct bt_change_point *c, size_t n,
		      const struct bt_cp_opts *o);
/* Why change point c (found with o) was reported, in words, as two lines
 * indented by 4 into out: the points and means before and after, the
 * change against the noise sd around it, the smallest change reported
 * there and which rule set it, the tests' p-values. Nothing for a point
 * of --otava-compat (no noise figures). unit NULL: plain numbers. */
void cli_cp_explain(const struct bt_change_point *c, const struct bt_cp_opts *o,
		    const char *unit, struct bt_strbuf *out);

/* An event e of s (bt_series_events) explained in words, as lines
 * indented by 4 into out: for an excursion, how long it lasted, where it
 * came back and to what, and whether more points are needed to confirm
 * the return; for a pending change, the points after it so far and how
 * many more confirm it; then the evidence (the tests, the noise; cp
 * explains a pending change point). unit NULL: plain numbers. */
void cli_event_explain(const struct bt_series *s, const struct bt_series_event *e,
		       const struct bt_cp_opts *o, const char *unit,
		       struct bt_strbuf *out);

/* What `regressions` (and serve's /api/regressions) reports of each
 * series: its change points (found with cp) at or after since (a time as
 * the index has it; NULL: all), those worse for the metric unless all;
 * found and acked count them (acked: acknowledged in acks). */
struct cli_regressions {
	struct bt_cp_opts cp;
	struct bt_ack_list acks;
	const char *since;
	int all;
	int pending;            /* also the events (bt_series_events):
				   pending changes (counted in n_pending)
				   and reverted excursions (n_reverted),
				   not in found */
	size_t found, acked, n_pending, n_reverted;
	struct bt_cp_cache *cache; /* NULL, or the change points of the
				      series from there (bt_cp_cache_series) */
};

/* Opens q->cache with q->cp for store st: the store's change-point cache
 * (BT_CP_CACHE_FILE in its folder, kept where that can be written; in
 * memory only for a store with no folder), shared by `regressions` and
 * serve's /api/regressions. 0 or BT_ENOMEM; bt_cp_cache_save, then
 * bt_cp_cache_close it. */
int cli_cp_cache_open(struct bt_store *st, struct cli_regressions *q);

/* Calls fn for each confirmed change point of s that q reports, oldest
 * first, with c set, ev NULL, worse (1: regressed, 0: improved), acked
 * and fix (a regression partly fixed later, bt_series_change_fix; else
 * NULL) (the edges of an excursion, a slowdown fixed later included, are
 * not reported on their own), then
 * (q->pending) for each event with ev set (c its pending change point or
 * NULL; fix NULL); counts them into q. A non-zero return of fn stops the
 * walk and is returned. Returns 0, or BT_E* with err set. */
int cli_series_regressions(struct cli_regressions *q, const struct bt_series *s,
			   int (*fn)(void *ud, const struct bt_series *s,
				     const struct bt_change_point *c,
				     const struct bt_series_event *ev, int worse,
				     int acked, const struct bt_change_fix *fix),
			   void *ud, struct bt_strbuf *err);

/* A regression partly fixed later (fix of bt_series_change_fix, restored
 * 0) of s in words, one line indented by 4 into out: the level it came
 * back to, where, and the part of the change undone. unit NULL: plain
 * numbers. */
void cli_fix_explain(const struct bt_series *s, const struct bt_change_point *c,
		     const struct bt_change_fix *fix, const char *unit,
		     struct bt_strbuf *out);

/* --filter EXPR of history and ack: comma-separated KEY=VALUE terms, all
 * of which must hold: name, variant, machine (name or fingerprint),
 * suite, and any other key a parameter ("seq_len=4096"), into f (whose
 * other fields are left alone; params, room for max, point into expr,
 * which is modified). Prints the error (cmd names the command) and
 * returns 2 on a term that is not KEY=VALUE or too many parameters. */
int cli_series_filter(const char *cmd, char *expr, struct bt_series_filter *f,
		      const char **params, size_t max);

/* A sparkline of x (UTF-8 block characters, at most width cells; longer
 * series are averaged into buckets) appended to out. */
void cli_sparkline(const double *x, size_t n, size_t width,
		   struct bt_strbuf *out);

/* Writes out to stdout, flushes; returns 0 or 3 with an error printed. */
int cli_write_stdout(const struct bt_strbuf *out);

/* Prints the comparison c of a and b in format, as cli_render_comparison
 * renders it (the text table first says which runs A and B are; md and
 * json carry them); returns 0, or 3 with the error printed (cmd names
 * the command). */
int cli_print_comparison(const char *cmd, const char *format,
			 const struct bt_run_cmp *c, const struct bt_run *a,
			 const struct bt_run *b, const struct bt_run_cmp_opts *o);

#endif
