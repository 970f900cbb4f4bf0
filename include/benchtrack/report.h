/* Reports: one comparison table model built from a run, rendered as
 * terminal text, Markdown or CSV, plus the number formatting they share.
 *
 *     struct bt_table t;
 *     struct bt_strbuf out = BT_STRBUF_INIT, err = BT_STRBUF_INIT;
 *     if (bt_table_from_run(&run, NULL, &t, &err) == 0) {
 *         bt_table_render_text(&t, isatty(1), &out);
 *         bt_table_release(&t);
 *     }
 *
 * The library never prints: renderers append to a struct bt_strbuf that
 * the caller owns. Every format uses the same model; a format supplies only
 * its header / row / escape primitives (lib/report/render.c).
 *
 * The table (lib/report/table.c). One row per result (case); rows are
 * grouped by (group, or the benchmark name when it has no group) and
 * parameter values, groups in order of first appearance in the run, rows
 * in run order inside a group. Columns, in this order; the ones marked
 * "when" are present only when at least one result has data for them:
 *
 *   benchmark        name
 *   variant          when any variant is not "default"
 *   <param>...       one column per parameter axis (union over the run, in
 *                    order of first appearance), "-" when a case lacks it
 *   median           median of the metric with the 95% CI of the median as
 *                    the half-width relative to the median, ASCII:
 *                    "1.23 ms +-2.1%" ((ci_high - ci_low) / 2 / median)
 *   p95, p99
 *   throughput       when any throughput unit is set: "3.40 M tokens/s"
 *   bandwidth        when any result set bytes as well as items
 *                    (bytes_throughput): "1.20 GB/s"
 *   <metric> median  one per metric other than the table's metric (union
 *                    over the run, in order of first appearance): its
 *                    median, "-" when a case lacks it; "time median" when
 *                    the table's metric is not "time"
 *   peak mem         when any peak_memory_bytes >= 0 (peak RSS): "1.50 MiB"
 *   mem              when any memory_bytes >= 0 (bt_set_memory)
 *   max rel err      when any validation was checked: "3.1e-07", "-" when
 *                    that case was not checked
 *   speedup          when any result has a group or a benchmark has
 *                    ablation variants (see below): "2.00x"
 *   mem change       when a benchmark has ablation variants: "+12.5%"
 *   status           "ok", or "<status>: <message>" with the message cut to
 *                    its first line and 40 bytes ("..." appended),
 *                    control characters as spaces
 * CSV-only columns (machine formats; text and Markdown leave them out):
 * median_ci_low_<u> and median_ci_high_<u> right after the median,
 * throughput_unit after throughput, message (in full) after status. CSV
 * names: "bytes_per_s" for bandwidth, "<metric>_median_<u>" for a metric
 * column. <u> is
 * the metric's unit with '/' spelled "_per_" and other characters that are
 * not letters or digits as '_' ("s" for time, so "median_s", "p95_s").
 * For a metric other than "time" the display headers are prefixed with its
 * name ("ttft median").
 *
 * Missing values are "-" in the display text and empty fields in CSV.
 *
 * Speedup. Comparison set = results with the same group and the same
 * parameter values; the baseline's result with the same variant when it
 * has one, else its first (so an implementation whose options name its
 * variant is still compared). The baseline of a group is opts->baseline
 * when some result of that group has that name, else the first benchmark
 * of the group in run order (ablation benchmarks are never a group's
 * baseline). speedup = median(baseline) / median(this) (this / baseline for
 * a metric where higher is better); the baseline shows "1.00x". "-" when
 * the result has no group, the set has no baseline result, either side is
 * not ok, or a median is missing or not positive.
 *
 * Ablation. A benchmark with a result of variant "none" is an ablation
 * benchmark: for all its results speedup is against the "none" result of
 * the same benchmark and parameter values (instead of the group baseline),
 * and "mem change" is (peak(this) - peak(none)) / peak(none) in percent of
 * peak_memory_bytes ("0.0%" for "none" itself; "-" when unknown or either
 * side is not ok).
 *
 * Ownership: struct bt_table is allocated by the caller; bt_table_from_run
 * fills it and everything it points to (columns, rows, cells, strings)
 * lives in the table's own arena, independent of the run (the run may be
 * released first). bt_table_release frees it all.
 */
#ifndef BENCHTRACK_REPORT_H
#define BENCHTRACK_REPORT_H

#include <stddef.h>

#include "analysis.h"
#include "result.h"
#include "strbuf.h"

#ifdef __cplusplus
extern "C" {
#endif

/* --- Number formatting (lib/report/format.c) ---------------------------
 *
 * Each function writes NUL-terminated ASCII text into buf (size bytes,
 * BT_FORMAT_MAX is always enough; shorter buffers truncate like snprintf)
 * and returns buf. NAN, infinities and, where noted, negative values give
 * "-". "3 significant digits" means 2 decimals below 10, 1 below 100,
 * none below 1000, decided after rounding (9.996 -> "10.0").
 * Any finite double gives bounded text: magnitudes beyond the units
 * (from 1e6 s, past 1023 PiB, past 999 P, ratios and percentages from
 * 1e6) and durations, bytes and rates that are not 0 but would show as 0 are
 * written in scientific notation with 3 significant digits:
 * 1e308 s -> "1.00e+308 s", 1e-320 s -> "1.00e-320 s".
 */
#define BT_FORMAT_MAX 64

/* Seconds with a unit chosen so the number is below 1000 after rounding to
 * 3 significant digits: ns while the rounded number is below 1000, then
 * us, ms, s ("us" for microseconds: ASCII). 999e-9 -> "999 ns",
 * 999.6e-9 -> "1.00 us",
 * 1.234e-3 -> "1.23 ms", 4.56 -> "4.56 s", 1234 -> "1234 s",
 * 0.5e-9 -> "0.50 ns", 0 -> "0 s". Negative: "-". */
char *bt_format_duration(double seconds, char *buf, size_t size);

/* Bytes in binary units: below 1024 as an integer "1023 B"; else KiB, MiB,
 * GiB, TiB, PiB with 3 significant digits, switching unit at 1024:
 * 1024 -> "1.00 KiB", 1572864 -> "1.50 MiB", 1023 KiB -> "1023 KiB".
 * Negative (unknown): "-". */
char *bt_format_bytes(double bytes, char *buf, size_t size);

/* A rate with a decimal prefix (k, M, G, T, P at 1000; 3 significant
 * digits, switching when the rounded number reaches 1000):
 * (3.4e6, "tokens/s") -> "3.40 M tokens/s", (999, "items/s") ->
 * "999 items/s". A unit starting with "B/" takes the prefix directly:
 * (2.5e9, "B/s") -> "2.50 GB/s". unit NULL or "": the number and prefix
 * only ("3.40 M"). Negative values keep their sign. */
char *bt_format_rate(double per_s, const char *unit, char *buf, size_t size);

/* A value of any metric unit: "s" -> bt_format_duration, "B" ->
 * bt_format_bytes, anything else -> bt_format_rate with that unit. */
char *bt_format_quantity(double value, const char *unit, char *buf,
			 size_t size);

/* Ratio: "2.31x"; 2 decimals from 0.01 to below 100 ("2.00x", "0.50x"),
 * none from 100 ("123x"), 2 significant digits below 0.01 ("0.0043x").
 * Negative: "-". */
char *bt_format_ratio(double ratio, char *buf, size_t size);

/* Percent (pct is already x100): one decimal below 1000 in magnitude, none
 * from there: "2.1%", "-4.0%", "1234%". plus != 0 puts '+' before
 * positive values ("+12.5%"); anything that rounds to zero is "0.0%". */
char *bt_format_percent(double pct, int plus, char *buf, size_t size);

/* Relative error in scientific notation with 2 significant digits:
 * "3.1e-07"; exactly 0 gives "0". Negative: "-". */
char *bt_format_relerr(double err, char *buf, size_t size);

/* --- Table model (lib/report/table.c) -------------------------------- */

enum bt_align { BT_ALIGN_LEFT = 0, BT_ALIGN_RIGHT = 1 };

/* What a column holds (for renderers and callers that look columns up). */
enum bt_column_kind {
	BT_COL_BENCHMARK,
	BT_COL_VARIANT,
	BT_COL_PARAM,          /* one per parameter axis; see .param */
	BT_COL_MEDIAN,
	BT_COL_MEDIAN_CI_LOW,  /* csv only */
	BT_COL_MEDIAN_CI_HIGH, /* csv only */
	BT_COL_P95,
	BT_COL_P99,
	BT_COL_THROUGHPUT,
	BT_COL_THROUGHPUT_UNIT, /* csv only */
	BT_COL_PEAK_MEMORY,
	BT_COL_MEMORY,
	BT_COL_MAX_REL_ERR,
	BT_COL_SPEEDUP,
	BT_COL_MEM_CHANGE,
	BT_COL_STATUS,
	BT_COL_MESSAGE,        /* csv only */
	/* comparison tables (bt_table_from_comparison) */
	BT_COL_MEDIAN_A,
	BT_COL_MEDIAN_B,
	BT_COL_RATIO,
	BT_COL_CI,             /* display: "[0.98, 1.03]" */
	BT_COL_CI_LOW,         /* csv only */
	BT_COL_CI_HIGH,        /* csv only */
	BT_COL_P_VALUE,        /* adjusted p in the display; raw in csv */
	BT_COL_P_ADJUSTED,     /* csv only */
	BT_COL_VERDICT,
	/* run tables, added later (numbering above kept) */
	BT_COL_BYTES_THROUGHPUT, /* bytes rate of a result that set items too */
	BT_COL_METRIC,         /* median of another metric; see .param */
	BT_COL_NOISY_REASON,   /* comparisons: why a row is noisy */
	BT_COL_SERIES_KEY      /* comparisons: the series key (its first 8
				  hex digits on display, whole in CSV), what
				  benchtrack ack takes */
};

/* How the text renderer may colour a cell (only with color != 0). */
enum bt_cell_style {
	BT_STYLE_PLAIN = 0,
	BT_STYLE_GOOD,         /* status ok; speedup >= 1.05 */
	BT_STYLE_WARN,         /* status skipped */
	BT_STYLE_BAD           /* status failed/crashed/...; speedup <= 0.95 */
};

struct bt_table_column {
	enum bt_column_kind kind;
	const char *name;      /* display header: "median", "n", "speedup" */
	const char *csv_name;  /* machine header with the unit: "median_s",
				  "p95_s", "throughput_per_s",
				  "peak_memory_bytes", "mem_change_pct" */
	const char *param;     /* axis name for BT_COL_PARAM, metric name
				  for BT_COL_METRIC, else NULL */
	enum bt_align align;
	int csv_only;          /* 1: only machine formats (CSV) show it;
				  -1: only display formats (text, Markdown) */
};

struct bt_table_cell {
	const char *text;      /* display text, never NULL; "-" when missing */
	const char *raw;       /* machine text used when has_value == 0 (name,
				  param value, status name, full message);
				  NULL = empty field */
	double value;          /* raw number in the column's csv unit (seconds,
				  bytes, per second, ratio, percent) */
	int has_value;         /* 1 when value holds a finite number */
	enum bt_cell_style style;
};

struct bt_table_row {
	struct bt_table_cell *cells; /* n_columns cells */
	size_t result;         /* index into run->results */
	int group_start;       /* 1 on the first row of every group (row 0 too) */
};

struct bt_table {
	struct bt_table_column *columns;
	size_t n_columns;
	struct bt_table_row *rows;
	size_t n_rows;
	size_t n_groups;
	struct bt_arena *arena; /* owns all of the above */
};

struct bt_table_opts {
	const char *baseline;  /* baseline implementation; NULL = first in run
				  order of each group */
	const char *metric;    /* metric for median/p95/p99/speedup; NULL =
				  "time" */
};

/* Builds the comparison table of run (see the top of this file). opts may
 * be NULL (defaults). t is overwritten (it need not be initialised).
 * Returns 0; BT_EINVAL for a NULL run or t; BT_ENOTFOUND when
 * opts->baseline names no result of the run, or opts->metric (given
 * explicitly) is in no result; BT_ENOMEM. On error t is left empty (zeroed,
 * safe to release) with the detail in err. */
int bt_table_from_run(const struct bt_run *run,
		      const struct bt_table_opts *opts, struct bt_table *t,
		      struct bt_strbuf *err);

/* Frees everything the table owns and zeroes it. Safe on a zeroed table. */
void bt_table_release(struct bt_table *t);

/* Index of the first column with that csv_name, or -1. */
int bt_table_find_column(const struct bt_table *t, const char *csv_name);

/* --- Renderers (lib/report/render.c) ----------------------------------
 *
 * Each appends the whole table to out (the caller owns out; on error out
 * may hold a partial table). Return 0, BT_EINVAL for NULL arguments,
 * BT_ENOMEM. An empty table renders its header only.
 */

/* Terminal text: columns aligned (left for text, right for numbers),
 * separated by two spaces, a rule of '-' under the header, a blank line
 * between groups. Widths count UTF-8 code points; control characters in
 * cells become '?'. Every cell is padded to its column width, so all
 * non-blank lines have the same width. color != 0 wraps styled cells
 * (status, speedup) in ANSI SGR colours (the padding stays outside). CSV-
 * only columns are left out. Lines end with '\n'. */
int bt_table_render_text(const struct bt_table *t, int color,
			 struct bt_strbuf *out);

/* GitHub-flavoured Markdown pipe table: header, alignment row ("---" /
 * "---:"), one line per row; in a cell \ ` * _ [ ] < > | # ! & ~ are
 * backslash-escaped (the one escaper of every Markdown the library writes,
 * so a name reads the same in tables, reports and summaries) and line
 * breaks and other control characters become spaces. Group breaks are not shown (a table cannot hold blank
 * lines). CSV-only columns are left out. Lines end with '\n'. */
int bt_table_render_markdown(const struct bt_table *t, struct bt_strbuf *out);

/* CSV (RFC 4180): a header of csv_name, then one record per row, all
 * columns including CSV-only ones, lines ending "\r\n". A cell with a
 * value is written with full precision ("%.17g"); otherwise its raw text,
 * or an empty field. Fields containing ',', '"', CR or LF, or starting or
 * ending with a space, are quoted with '"' doubled. */
int bt_table_render_csv(const struct bt_table *t, struct bt_strbuf *out);

/* One CSV field by the rule above (quoted when it holds ',', '"', CR or
 * LF, or starts or ends with a space; '"' doubled), appended to out;
 * NULL appends nothing (an empty field). Returns 0 or BT_ENOMEM. */
int bt_csv_field(struct bt_strbuf *out, const char *s);

/* --- Crossover points (lib/analysis/crossover.c) ------------------------
 *
 * Where one implementation overtakes another along a sweep. For every
 * group whose ok results vary in exactly one numeric parameter (the swept
 * axis), every implementation is compared with the group's baseline (as
 * for the speedup column; ablation benchmarks are left out) at the values
 * both ran: speedup r(v) = median_baseline(v) / median_impl(v), with its
 * 99% interval: the Hodges-Lehmann ratio interval of the two samples
 * (bt_hodges_lehmann_ratio; at most 4e6 sample pairs), else from the two
 * medians' confidence intervals (base_low / impl_high, base_high /
 * impl_low), else none (then the point estimate decides alone). A value
 * is significantly faster when its interval lies wholly above 1, slower
 * when wholly below, and shows no significant difference otherwise. A
 * crossover is reported only between a significantly faster and a
 * significantly slower value (with only insignificant values between
 * them, which are then its bracket lo..hi); the crossing is interpolated
 * linearly in log(v) and log(r) between the neighbouring values where r - 1
 * changes sign. Without a crossover the item says the implementation is
 * faster (or slower) where it differs, or that it shows no significant
 * difference anywhere.
 */
enum bt_crossover_kind {
	BT_CROSS_OVERTAKES = 0, /* becomes faster than the baseline above at */
	BT_CROSS_FALLS_BEHIND,  /* becomes slower than the baseline above at */
	BT_CROSS_ALWAYS_FASTER, /* faster at n_faster values, never slower */
	BT_CROSS_ALWAYS_SLOWER, /* slower at n_slower values, never faster */
	BT_CROSS_NO_DIFFERENCE, /* no value significantly faster or slower */
};

struct bt_crossover {
	const char *group;
	const char *name;       /* the implementation */
	const char *baseline;   /* what it is compared with */
	const char *param;      /* the swept axis */
	enum bt_crossover_kind kind;
	double at;              /* interpolated axis value (OVERTAKES/FALLS_BEHIND) */
	double lo, hi;          /* ALWAYS_*: first and last value compared;
				   OVERTAKES/FALLS_BEHIND: the two values
				   that bracket the crossing */
	double min_speedup, max_speedup; /* over the compared values */
	size_t points;          /* values compared */
	size_t n_faster, n_slower; /* values significantly faster / slower */
};

struct bt_crossovers {
	struct bt_crossover *items; /* in group order, then run order */
	size_t n;
	struct bt_arena *arena;     /* owns everything */
};

/* Finds the crossovers of run. baseline as in bt_table_opts (NULL = first
 * of each group). out need not be initialised. Returns 0 (possibly with no
 * items) or BT_ENOMEM / BT_EINVAL; out is then empty. */
int bt_report_crossovers(const struct bt_run *run, const char *baseline,
			 struct bt_crossovers *out, struct bt_strbuf *err);
void bt_crossovers_release(struct bt_crossovers *c);

/* One line per item, e.g.
 *   "tiled vs naive: faster at every seq_len from 1024 to 16384 (2.1x to 3.4x)"
 *   "block_sparse vs tiled: overtakes at seq_len ~ 1843 (interpolated)"
 *   "online vs naive: no significant difference at any n from 1024 to
 *    32768 (0.98x to 1.01x)"
 * markdown != 0 writes a bullet list. Appends to out. */
int bt_crossovers_render(const struct bt_crossovers *c, int markdown,
			 struct bt_strbuf *out);

/* --- Comparisons (lib/report/comparison.c) -------------------------------
 * The table of a bt_run_cmp: one row per comparison row, in its order.
 * Columns: benchmark; variant (when any is not "default"); one per
 * parameter axis; "A" and "B" (medians with the metric's unit; csv
 * median_a_<u>, median_b_<u>); "B/A" ratio ("1.07x"); "99% CI" of the
 * ratio at level 1 - alpha (csv ci_low, ci_high); "p" (the adjusted
 * p-value, "<0.0001" below 1e-4; csv p_value raw and p_adjusted); verdict
 * ("regressed", "improved", ..., with " (acknowledged)" when the row is;
 * a failed B says "missing (crashed)"); when a row is noisy, "why" (which
 * test did not pass: "few samples", "sample test", "CI vs threshold",
 * "between processes"; csv noisy_reason: bt_noisy_cause_name). Styles:
 * regressed BAD, improved GOOD, noisy WARN. alpha is the level the CI was
 * computed at.
 */
int bt_table_from_comparison(const struct bt_run_cmp *c, double alpha,
			     struct bt_table *t, struct bt_strbuf *err);

/* The notes under a comparison table, one line each (markdown != 0: a
 * bullet each): how many rows were also judged by the between-process
 * test (both sides with 3 or more processes) and how many by their
 * samples alone; per cause of a noisy verdict, how many rows, why and
 * what would decide them; rows of a metric recorded once per iteration,
 * summarised per sample. Nothing when none applies. Appends to out;
 * 0 or BT_ENOMEM. */
int bt_comparison_notes(const struct bt_run_cmp *c, int markdown,
			struct bt_strbuf *out);

/* Which runs a comparison is between, for the text table: a line per run,
 * "A  run <run_id>  commit <12 hex>  <timestamp>" and the same for B
 * ("?", "unknown commit", "unknown date" where the run lacks one; " (dirty
 * tree)" after the commit of a run made from a working tree with
 * uncommitted changes; control characters as '?'), then an empty line.
 * Appends to out; 0 or BT_ENOMEM with err set. */
int bt_comparison_runs_text(const struct bt_run *a, const struct bt_run *b,
			    struct bt_strbuf *out, struct bt_strbuf *err);

/* The comparison as JSON: {"metric", "a": {run_id, commit, dirty (true,
 * false or null when unknown), machine, fingerprint, timestamp}, "b":
 * {...}, "alpha", "delta", "correction", "geomean", "counts": {verdict:
 * n}, "rows": [{series_key, name, params (object), variant, metric, unit,
 * median_a, median_b, ratio, ci_low, ci_high, p_value, p_adjusted,
 * verdict, acknowledged, n_a, n_b, status_b, reason (the verdict's
 * sentence), noisy_reason (bt_noisy_cause_name, null unless noisy),
 * decide (what would decide a noisy row, else null), test ("samples", or
 * "samples+processes" when the between-process test applied),
 * processes_a, processes_b (0: one process or unknown), p_processes,
 * values_a, values_b (values before they were summarised per sample,
 * null when not)}]}; numbers that are unknown are null.
 * Appends to out. */
int bt_comparison_to_json(const struct bt_run_cmp *c, const struct bt_run *a,
			  const struct bt_run *b,
			  const struct bt_run_cmp_opts *o, struct bt_strbuf *out,
			  struct bt_strbuf *err);

/* A Markdown summary for a CI job summary or a PR comment: a headline
 * with the outcome and counts, what was compared (runs with their
 * commits, branches, dates and a dirty working tree; machine; rule), the
 * regressions and improvements with their numbers, then the whole table
 * in a <details> block. Appends to out. */
int bt_comparison_summary_md(const struct bt_run_cmp *c,
			     const struct bt_run *a, const struct bt_run *b,
			     const struct bt_run_cmp_opts *o,
			     struct bt_strbuf *out, struct bt_strbuf *err);


/* --- SVG plots (lib/report/svg.c, axis.c, charts.c) -------------------------------------
 *
 * Small, dependency-free SVG 1.1 documents: well-formed XML (an XML
 * declaration, one <svg> root in the SVG namespace), every text from the
 * run escaped (& < > " ' as entities; control characters and bytes that
 * are not valid UTF-8 as '?'), coordinates with two decimals ("-0.00"
 * never written), no timestamps: the same input gives the same bytes.
 *
 * Structure (tests and style sheets rely on it):
 *   <title>                       the chart title (also the alt text)
 *   <text class="title">          the title, drawn
 *   <g class="axis x-axis" data-scale="log|linear"> and the same for
 *   "y-axis": an axis <line>, per tick a <line class="tick"> and a
 *   <text class="tick-label">, and one <text class="axis-label">
 *   line charts: per series a <g class="series"> holding exactly one
 *   <path class="series" id="series-N-SLUG" data-series="NAME"> (N from
 *   1 in series order, SLUG the name with characters other than
 *   [A-Za-z0-9_-] as '_') and a <circle> per point; a <g class="legend">
 *   with a <line> swatch and a <text> per series. <path> is used for
 *   nothing else, so counting "<path" counts the series drawn.
 *   bar charts: <rect class="bar speedup|memory" data-variant="NAME">
 *   per bar, a <text class="bar-label"> per bar.
 */

/* 1 when the values (any order; duplicates and order ignored) form a
 * geometric sweep: at least 2 distinct values, all positive, and the
 * ratios of consecutive distinct sorted values either all >= 2 or all
 * within 10% of their geometric mean (and > 1.2). Else 0. */
int bt_svg_is_geometric(const double *v, size_t n);

struct bt_svg_series {
	const char *name;      /* legend text, data-series attribute */
	const double *x, *y;   /* n points in any x order (drawn sorted by
				  x); a non-finite value, or one <= 0 on a
				  log axis, is left out */
	size_t n;
};

struct bt_svg_line_chart {
	const char *title;
	const char *x_label, *y_label; /* axis labels, drawn as given */
	const char *y_unit;    /* tick labels via bt_format_quantity; NULL:
				  plain numbers ("%g") */
	int x_log, y_log;      /* logarithmic axes (base 10) */
	const struct bt_svg_series *series;
	size_t n_series;
	int y_ref_on;          /* 1: a dashed horizontal <line class="reference">
				  at y = y_ref (kept inside the y range), as
				  1x on a speedup chart */
	double y_ref;
	const char *y_ref_label; /* drawn at the line's right end; NULL none */
	const char *x_unit;    /* x tick labels via bt_format_quantity
				  ("14.4 M params"); NULL: plain numbers */
	const double *x_marks; /* n_x_marks dashed vertical <line class="mark">
				  at these x values (crossovers), each with
				  data-label="x_mark_labels[i]" ("" when
				  NULL); values outside the data's x
				  range or not drawable are left out */
	const char *const *x_mark_labels;
	size_t n_x_marks;
};

/* Appends a line chart (one path per series that has at least one point
 * to draw; a series without any is listed in the legend only). Ticks: on
 * a log x axis with at most 12 distinct x values, one per value; else
 * powers of ten (with 2 and 5 multiples when fewer than 3 fall inside),
 * or "nice" 1/2/5 steps on a linear axis (which starts at 0 for y when
 * all values are >= 0). Returns 0, BT_EINVAL (NULL chart/out),
 * BT_ENOMEM. */
int bt_svg_line_chart(const struct bt_svg_line_chart *c, struct bt_strbuf *out);

struct bt_svg_bar {
	const char *label;     /* variant: "pattern_cache", "a+b" (combined) */
	double speedup;        /* ratio, NAN unknown (no bar) */
	double mem_change_pct; /* percent, NAN unknown (no bar) */
};

struct bt_svg_bar_chart {
	const char *title;
	const char *subtitle;  /* drawn under the title; NULL none */
	const struct bt_svg_bar *bars;
	size_t n_bars;
};

/* Appends a horizontal bar chart with two panels side by side: speedup
 * (bars from 0, a reference line at 1.00x) and memory change (bars from
 * 0%), one row per bar, value labels at the bar ends. Returns 0,
 * BT_EINVAL, BT_ENOMEM. */
int bt_svg_bar_chart(const struct bt_svg_bar_chart *c, struct bt_strbuf *out);

/* The charts of a run. Groups are as for crossovers: results with the
 * same group (or, without one, the same benchmark name), in order of
 * first appearance. A group's axes are its parameters present in every
 * result with at least 2 distinct values: numeric ones (x = the number),
 * and others whose values a counter of every result maps one to one onto
 * numbers (x = the counter: model=tiny,small by "params"; the first such
 * counter of the first result; x ticks in the counter's name, "14.4 M
 * params"). The first axis (the swept one) is numeric when there is one,
 * then has the most distinct values, then the first name. Along it:
 *   BT_CHART_TIME        median of opts->metric ("time")
 *   BT_CHART_METRIC      median of each other metric with samples, in
 *                        order of first appearance, at most 6 per group;
 *                        the title ends in "(lower is better)" or
 *                        "(higher is better)"
 *   BT_CHART_THROUGHPUT  throughput (results with a throughput unit)
 *   BT_CHART_MEMORY      peak memory (peak_memory_bytes >= 0)
 *   BT_CHART_SPEEDUP     the speedup in the median of opts->metric
 *                        (base / impl, impl / base when higher is
 *                        better) of every implementation over the
 *                        group's baseline (as for crossovers:
 *                        opts->baseline when the group has it, else its
 *                        first benchmark; ablation benchmarks left out)
 *                        at the same parameters; a reference line at 1x
 *                        and, for "time" on a numeric axis, a mark at
 *                        each crossover that overtakes or falls behind
 * and along each other axis (at most 2) BT_CHART_TIME of opts->metric,
 * file SLUG-time-by-PARAM.svg. Log axes for x when the axis's values are
 * geometric (bt_svg_is_geometric) and then for y too when all y values
 * are > 0. One series per benchmark (in run order), split by variant when
 * the benchmark ran more than one ("dilated:pattern_cache"), and by the
 * other parameters that vary in the group ("naive heads=8"). Only ok
 * results are drawn; a chart is made only when a series has 2 points to
 * draw. And for each ablation benchmark (one with a "none"
 * variant) BT_CHART_ABLATION: one bar per other variant in run order,
 * speedup = geometric mean over the parameter values of median(none) /
 * median(variant) (inverted for a higher-is-better metric) and memory
 * change = mean of (peak - peak(none)) / peak(none), over the parameter
 * values where both ran ok.
 *
 * Files are named SLUG-time.svg, SLUG-METRIC.svg, SLUG-throughput.svg,
 * SLUG-memory.svg, SLUG-speedup.svg (SLUG: the group; METRIC slugged as
 * SLUG but '.' as '_' too) and SLUG-ablation.svg (the benchmark), SLUG
 * being the name with characters other than [A-Za-z0-9._-] as '_' and a
 * leading '.' as '_'; "-2", "-3"... is added before ".svg" when two names
 * would be equal. */
enum bt_chart_kind {
	BT_CHART_TIME = 0,
	BT_CHART_THROUGHPUT,
	BT_CHART_MEMORY,
	BT_CHART_ABLATION,
	BT_CHART_METRIC,   /* the median of another sampled metric */
	BT_CHART_SPEEDUP   /* speedup over the group's baseline */
};

struct bt_chart {
	enum bt_chart_kind kind;
	const char *group;     /* the group it belongs to */
	const char *benchmark; /* BT_CHART_ABLATION: the benchmark; else NULL */
	const char *file;      /* file name, no directory */
	const char *title;     /* also the alt text */
	const char *svg;       /* the document */
	size_t svg_len;
	size_t n_series;       /* paths (line charts) or bars (ablation) */
};

struct bt_charts {
	struct bt_chart *items; /* groups in order; per group time, the
				   other metrics, throughput, memory,
				   speedup, time by the other axes, then
				   ablations */
	size_t n;
	struct bt_arena *arena; /* owns everything */
};

/* Builds all charts of run (possibly none). opts as for the table (NULL:
 * defaults; baseline is not used). out need not be initialised. Returns
 * 0, BT_EINVAL, BT_ENOMEM; out is empty on error. */
int bt_report_charts(const struct bt_run *run, const struct bt_table_opts *opts,
		     struct bt_charts *out, struct bt_strbuf *err);
void bt_charts_release(struct bt_charts *c);

/* --- Run reports (lib/report/report.c) ------------------------------
 *
 * bt_report_markdown: the Markdown report of a run, appended to out:
 *   "# Benchmark report: SUITE" and a summary list (suite, type, run id,
 *   when, duration, machine, CPU, OS, commit and branch, compiler and
 *   flags, cases: total, ok, failed), then per group "## NAME"
 *   with the table of the group's results (bt_table_from_run on those
 *   results, rendered with bt_table_render_markdown; opts->baseline is
 *   applied to the groups that have it) followed by image links to the
 *   group's charts ("![TITLE](FILE)"), then "## Crossovers"
 *   (bt_crossovers_render, when there are any), "## Validation" (per
 *   checked case: case, max abs err, max rel err, tolerance, passed),
 *   "## Failures" (per case not ok or skipped: case, status and the whole
 *   message in a fenced block; "None." when all ran). A case is written
 *   "NAME/KEY=VALUE/...:VARIANT" as by the runner (params sorted by key,
 *   ":default" left out). charts may be NULL: no image links. Text from
 *   the run is escaped for Markdown.
 *
 * bt_report_json: the same data as one JSON object:
 *   {"schema": "benchtrack.report/1", "run": {run_id, suite, type,
 *   timestamp, duration_s, commit, branch, dirty, machine, fingerprint,
 *   cpu_model, cases, ok, failed}, "metric", "baseline", "groups":
 *   [{"name", "rows": [{"group", "case", params (object), and one member
 *   per CSV column of the table (csv_name: the number, else the text,
 *   else null)}]}], "crossovers": [{group, name, baseline, param, kind
 *   ("overtakes", "falls_behind", "always_faster", "always_slower",
 *   "no_difference"), at, lo, hi, min_speedup, max_speedup, points,
 *   faster_points, slower_points}], "validation": [{case,
 *   max_abs_err, max_rel_err, tolerance, passed}], "failures": [{case,
 *   status, message}], "charts": [{file, kind, group, title}]}. Unknown
 *   numbers are null.
 *
 * bt_report_csv: the table of the whole run as CSV
 * (bt_table_render_csv): validation and failures are its max_rel_err,
 * status and message columns. bt_report_crossovers_csv: the crossovers,
 * one per line: group,name,baseline,param,kind,at,lo,hi,min_speedup,
 * max_speedup,points (CR LF, "%.17g").
 *
 * All return 0, BT_EINVAL, BT_ENOTFOUND (opts->baseline names no result,
 * opts->metric in no result; as bt_table_from_run) or BT_ENOMEM, with the
 * detail in err; out may then hold a partial document.
 */
int bt_report_markdown(const struct bt_run *run,
		       const struct bt_table_opts *opts,
		       const struct bt_charts *charts, struct bt_strbuf *out,
		       struct bt_strbuf *err);
int bt_report_json(const struct bt_run *run, const struct bt_table_opts *opts,
		   const struct bt_charts *charts, struct bt_strbuf *out,
		   struct bt_strbuf *err);
int bt_report_csv(const struct bt_run *run, const struct bt_table_opts *opts,
		  struct bt_strbuf *out, struct bt_strbuf *err);
int bt_report_crossovers_csv(const struct bt_run *run,
			     const struct bt_table_opts *opts,
			     struct bt_strbuf *out, struct bt_strbuf *err);

enum bt_report_format { BT_REPORT_MD = 0, BT_REPORT_CSV, BT_REPORT_JSON };

/* Writes the report of run into the directory dir (created with its
 * parents when missing, mode 0777 & ~umask):
 *   BT_REPORT_MD    report.md, report.csv and every chart's SVG file
 *   BT_REPORT_CSV   report.csv and crossovers.csv
 *   BT_REPORT_JSON  report.json and every chart's SVG file
 * Each file is written atomically (temporary file, fsync, rename), so a
 * reader never sees half a file; files of an earlier report that this
 * one does not write are left alone. Returns 0, or BT_EIO / BT_ESYS with
 * the path in err ("out/report.md: Permission denied"), or the errors of
 * the functions above. */
int bt_report_write(const struct bt_run *run, const struct bt_table_opts *opts,
		    enum bt_report_format format, const char *dir,
		    struct bt_strbuf *err);

#ifdef __cplusplus
}
#endif
#endif
