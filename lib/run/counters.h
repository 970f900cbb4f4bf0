/* Counting instead of timing (internal to lib/run/ and front/): callgrind's
 * client requests and output files (--measure instructions, exec
 * --measure instructions), and the hardware counters of perf_event_open
 * (--measure cycles). docs/MEASURE.md says what the figures mean. */
#ifndef BENCHTRACK_COUNTERS_H
#define BENCHTRACK_COUNTERS_H

#include <stdint.h>

#include "benchtrack.h"

/* What --measure asks for (bt_config.measure: NULL or "time",
 * "instructions", "cycles"). */
enum bt__measure { BT__M_TIME = 0, BT__M_INSTRUCTIONS, BT__M_CYCLES };

/* The kind named by s (NULL: time); -1 for a name that is none of them. */
int bt__measure_kind(const char *s);

/* --- callgrind ------------------------------------------------------- */

/* The events of one or more callgrind output files, summed: from their
 * "totals:" lines (the events named by "events:"; missing ones 0). */
struct bt__cg_totals {
	double ir;                 /* instructions executed */
	double dr, dw;             /* data reads, writes (--cache-sim) */
	double i1mr, d1mr, d1mw;   /* L1 misses */
	double ilmr, dlmr, dlmw;   /* last-level misses */
	int cache;                 /* the files had the cache events */
	int files;                 /* files read */
	char creator[48];          /* "callgrind-3.19.0" from the first */
};

/* Reads and sums the callgrind output files in dir whose names start
 * with prefix (e.g. "cg." or "cg.1234."), removing each after reading
 * when unlink_them. 0 (t->files may be 0), or BT_EIO naming the file
 * (a file without a totals line, an unreadable one). */
int bt__cg_read(const char *dir, const char *prefix, int unlink_them,
		struct bt__cg_totals *t, struct bt_strbuf *err);

/* L1 misses (I1mr + D1mr + D1mw), last-level misses (ILmr + DLmr +
 * DLmw), and the estimated cycles of iai-callgrind:
 *     L1 hits + 5 x LL hits + 35 x RAM hits
 * with RAM hits = LL misses, LL hits = L1 misses - LL misses and L1 hits
 * = Ir + Dr + Dw - L1 misses. */
double bt__cg_l1_misses(const struct bt__cg_totals *t);
double bt__cg_ll_misses(const struct bt__cg_totals *t);
double bt__cg_est_cycles(const struct bt__cg_totals *t);

/* The process runs under valgrind (RUNNING_ON_VALGRIND). */
int bt__on_valgrind(void);
/* CALLGRIND_START_INSTRUMENTATION, once per process (forked children
 * inherit it). */
void bt__cg_instrument(void);
/* CALLGRIND_ZERO_STATS then CALLGRIND_TOGGLE_COLLECT: counting on. */
void bt__cg_on(void);
/* CALLGRIND_TOGGLE_COLLECT: counting off (or on again after a pause). */
void bt__cg_toggle(void);
/* Counting off (when collecting: else it is off already, paused), then
 * CALLGRIND_DUMP_STATS_AT: the counts since bt__cg_on go to a file of dir
 * ("cg.PID.N", --callgrind-out-file=DIR/cg.%p), which is read into t and
 * removed. 0 or BT_EIO (err says why). */
int bt__cg_off_read(const char *dir, int collecting, struct bt__cg_totals *t,
		    struct bt_strbuf *err);

/* The options every counted process gets from benchtrack, after
 * "valgrind": "-q --tool=callgrind ... --callgrind-out-file=OUT" (cache_sim
 * adds --cache-sim=yes; atstart 0: collection and instrumentation off at
 * start, for client requests). A malloc'd NULL-terminated array (free
 * with bt_exec_argv_free), NULL when out of memory. */
char **bt__cg_options(const char *out, int cache_sim, int atstart,
		      int trace_children);

/* argv run under callgrind: [vg, bt__cg_options(out, cache_sim,
 * collection on at start, children traced), argv...]; malloc'd (free
 * with bt_exec_argv_free), NULL when out of memory. */
char **bt__cg_wrap(char *const *argv, const char *vg, const char *out,
		   int cache_sim);

/* The valgrind executable in PATH (malloc'd), NULL when none. */
char *bt__valgrind_path(void);

/* --- perf_event_open ------------------------------------------------- */

/* Cycles and instructions of this thread in user space (exclude_kernel,
 * exclude_hv), one group; counting off until bt__perf_on. */
struct bt__perf {
	int fd_cycles, fd_instr;   /* -1: closed */
};

/* Opens the counters. 0, or BT_EUNSUPPORTED with why and how to get them in
 * err (perf_event_paranoid, no PMU in a VM, ...). */
int bt__perf_open(struct bt__perf *p, struct bt_strbuf *err);
void bt__perf_on(struct bt__perf *p);
/* Counting off (off 1) or on again (off 0) without a reset: bt_pause. */
void bt__perf_pause(struct bt__perf *p, int off);
/* Counting off; *cycles and *instr since bt__perf_on. 0 or -1. */
int bt__perf_off_read(struct bt__perf *p, double *cycles, double *instr);
void bt__perf_close(struct bt__perf *p);

#endif
