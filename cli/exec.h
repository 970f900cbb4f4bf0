/* benchtrack exec (cli/cmd_exec.c: its options), the commands they make
 * (cli/exec_plan.c: hyperfine's command templates, -L/-P parameters and
 * hooks expanded into the struct bt_exec_cmd list of include/benchtrack/
 * exec.h, one per template and combination of parameter values) and
 * running them (cli/exec_run.c). */
#ifndef BENCHTRACK_CLI_EXEC_H
#define BENCHTRACK_CLI_EXEC_H

#include <stddef.h>

#include "benchtrack/exec.h"
#include "front.h"

/* One -L NAME V1,V2 or -P NAME LO HI: its values as text. */
struct cli_exec_param {
	const char *name;        /* points into argv */
	char **values;           /* malloc'd, each malloc'd */
	size_t n_values;
};

/* What the options say about the commands (strings point into argv). */
struct cli_exec_spec {
	const char **templates;  /* the commands as given; --reference first */
	size_t n_templates;
	const char **names;      /* -n, in order: names[i] for templates[i] */
	size_t n_names;
	const char **prepare;    /* -p: once for all, or once per template */
	size_t n_prepare;
	const char **conclude;   /* -C: likewise */
	size_t n_conclude;
	const char *setup, *cleanup; /* -s, -c */
	struct cli_exec_param *params; /* -L and -P in the order given */
	size_t n_params;
	int no_shell;            /* -N, --shell=none: split, no shell */
};

/* The commands made from a spec. cmds[i] belongs to template
 * tmpl[i]; display[i] is what a person reads for it (the -n name or the
 * command, {NAME} substituted, as hyperfine shows it). The stored
 * benchmark name (cmds[i].name) is the template itself (the -n name or the
 * command as given, {NAME} not substituted), so that one template is one
 * benchmark whose parameter values are its params: each value is its own
 * series, and the table's speedups compare the templates at equal
 * values. */
struct cli_exec_plan {
	struct bt_exec_cmd *cmds;
	const char **display;
	size_t *tmpl;
	size_t n;
	void **owned;            /* every allocation above, freed at release */
	size_t n_owned, cap_owned;
};

/* Expands spec into plan: templates in order, for each the cartesian
 * product of the parameter values (the first -L/-P varies slowest),
 * {NAME} substituted in the command, its name for display and its hooks;
 * without a shell the command is split (bt_exec_split). At most
 * CLI_EXEC_MAX_CMDS commands. Returns 0, or -1 with a message naming the
 * option or command in err (a usage error: exit 2), or -2 out of memory.
 * plan is released by cli_exec_plan_release either way. */
#define CLI_EXEC_MAX_CMDS 10000
int cli_exec_plan_build(const struct cli_exec_spec *spec,
			struct cli_exec_plan *plan, struct bt_strbuf *err);
void cli_exec_plan_release(struct cli_exec_plan *plan);

/* The values of -P NAME LO HI [-D STEP] as hyperfine makes them: LO, HI
 * integers without a step (LO..HI by 1); with a step, decimals written
 * with the most decimal places of LO, HI and STEP ("0.3", "0.5", "0.7").
 * Fills p->values; -1 with err set ("--parameter-scan: ..."), -2 out of
 * memory. */
int cli_exec_scan(struct cli_exec_param *p, const char *lo, const char *hi,
		  const char *step, struct bt_strbuf *err);
/* -L NAME V1,V2,...: the values split at commas. 0, or -2 out of memory. */
int cli_exec_list(struct cli_exec_param *p, const char *values);
void cli_exec_param_release(struct cli_exec_param *p);

/* What cli_exec_run writes besides the table (NULL: nothing). */
struct cli_exec_out {
	const char *export_json; /* --export-json: hyperfine's JSON */
	const char *export_md;   /* --export-markdown: the table */
	const char *export_csv;  /* --export-csv: the table */
	int reference;           /* the first command is --reference */
};

/* Runs plan's commands (bt_exec_run with o, its progress on stderr as f's
 * log level says, SIGINT and SIGTERM stopping it), then stamps the run's
 * context (bt_front_context: suite f->suite or "exec"), sets the series
 * keys, stores it unless f->no_store, writes x's exports and prints it
 * in f->format (a table is followed by the summary, then the line of
 * statuses on stderr). Returns the exit code: 0; 2 for options the
 * engine refuses; 3 (store, export or output failed); 4 (a command
 * failed); 128 + the signal when interrupted (nothing stored). */
int cli_exec_run(struct bt_front *f, struct bt_exec_opts *o,
		 const struct cli_exec_out *x, const struct cli_exec_plan *plan);

/* Each line of warn (the engine's warnings) as "benchtrack: warning:
 * CMD: LINE" on stderr. */
void cli_exec_warnings(const char *cmd, const struct bt_strbuf *warn);

/* The hyperfine-like summary of run's first n results (those of plan,
 * display names from display): the fastest (by median time; ref >= 0:
 * result ref instead, as hyperfine's --reference) against each other
 * ok result, the ratio of the other's time to its own as the
 * Hodges-Lehmann ratio with the half width of its 95% interval:
 *     "  NAME ran 1.42 ± 0.03 times faster than OTHER\n"
 * ("slower than" when a reference is faster than it). Appends nothing
 * when fewer than two results are ok. Returns 0 or BT_ENOMEM. */
int cli_exec_summary(const struct bt_run *run, const char *const *display,
		     size_t n, long ref, struct bt_strbuf *out);

#endif
