/* Internal interfaces shared between library files (bt__ names). Not
 * installed; nothing outside lib/, tests/ and the tool's own cli/ (serve's
 * tree remover) includes this. */
#ifndef BENCHTRACK_INTERNAL_H
#define BENCHTRACK_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "benchtrack.h"

/* Arena: bump allocator in chunks; everything is freed at once. */
struct bt_arena *bt__arena_new(void);
void bt__arena_free(struct bt_arena *a);
/* Zeroed, 16-byte aligned; NULL when out of memory. */
void *bt__arena_alloc(struct bt_arena *a, size_t size);
char *bt__arena_strdup(struct bt_arena *a, const char *s);
char *bt__arena_strndup(struct bt_arena *a, const char *s, size_t n);

/* The machine fingerprint (16 hex digits + NUL) of bt_context_machine:
 * FNV-1a over arch, CPU model, logical cores, memory in GiB (rounded),
 * cache sizes, OS and GPU names. Shared with organize, which derives it
 * for legacy results from what their hardware section says. */
struct bt_machine;
void bt__machine_fingerprint(const struct bt_machine *m, char out[17]);

/* The directory under which bt_context_machine reads /proc, /sys and /etc
 * (lib/run/context.c): NULL, "" or "/" for the host (the default). For tests,
 * which point it at the fake machines of tests/fixtures/context/; not
 * thread-safe. Under another root the logical cores come from
 * sys/devices/system/cpu/online and the memory from proc/meminfo (the host
 * asks sysconf first). 0, or BT_EINVAL when dir is too long. */
int bt__context_set_root(const char *dir);

/* 64-bit FNV-1a, incremental: start with BT__FNV_INIT. */
#define BT__FNV_INIT 0xcbf29ce484222325ULL
uint64_t bt__fnv1a(uint64_t h, const void *data, size_t n);
uint64_t bt__fnv1a_str(uint64_t h, const char *s); /* includes the NUL */
/* One 64-bit word into hash h (one multiply, FNV's prime, and a shift):
 * for hashing many numbers fast; a double by its bits. */
static inline uint64_t bt__hash_u64(uint64_t h, uint64_t v)
{
	h ^= v;
	h *= 0x100000001b3ull;
	h ^= h >> 29;
	return h;
}
static inline uint64_t bt__hash_dbl(uint64_t h, double v)
{
	union { double d; uint64_t u; } x = { v };
	return bt__hash_u64(h, x.u);
}

/* The one Markdown escaper (lib/report/render.c) of reports, `show
 * --format md` and `check --summary`: appends s (NULL: nothing) with
 * \ ` * _ [ ] < > | # ! & ~ backslash-escaped and control characters
 * (line breaks included) as spaces, so that a name renders as itself
 * wherever it stands. 0 or BT_ENOMEM. */
int bt__md_escape(struct bt_strbuf *out, const char *s);

/* The number v appended to out as the shortest "%.*g" text (15 to 17
 * significant digits) that reads back as v: CSV cells of the table
 * renderer (lib/report/render.c) and of the CSV export. 0 or BT_ENOMEM. */
int bt__csv_number(struct bt_strbuf *out, double v);

/* Table building (lib/report/table.c, report/comparison.c): a copy of s
 * (NULL: "") in t's arena; when out of memory *oom is set and "" is
 * returned, so that a build goes on and fails once at the end.
 * bt__table_printf: the same for formatted text, cut at 255 bytes. */
struct bt_table;
const char *bt__table_strdup(struct bt_table *t, int *oom, const char *s);
const char *bt__table_printf(struct bt_table *t, int *oom, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A metric unit as a CSV header suffix: '/' spelled "_per_", other
 * characters that are not letters or digits as '_' (lib/report/table.c). */
void bt__unit_slug(const char *unit, char *out, size_t size);

/* A plot axis (lib/report/axis.c). bt__axis_setup fills it for values in
 * [mn, mx] (finite, mn <= mx; > 0 when log): the domain [lo, hi] (log
 * axes: also llo, lhi = its log10, what positions use; lo and hi are then
 * only approximate at the ends of the double range) and 4 to 6 ticks
 * (fewer only where the domain holds fewer representable round values,
 * as between two subnormals): finite, increasing, inside the domain.
 * from_zero: a linear axis reaches down to 0 when mn >= 0. data, n_data:
 * the swept values of a log x axis, used as ticks (every k-th when there
 * are more than 6) when there are at least 4 of them; NULL: none. unit
 * "B": round binary ticks on log axes. Bounded time for any input; the
 * pixel range p0, p1 is left to the caller. */
struct bt__axis {
	int log;
	double lo, hi, llo, lhi;
	double p0, p1;
	double ticks[16];
	size_t n_ticks;
	double tol; /* how close two values may be and get one label */
};
void bt__axis_setup(struct bt__axis *a, double mn, double mx, int from_zero,
		    const double *data, size_t n_data, const char *unit);
/* The label of tick i: bt_format_quantity in unit, or, where that gives
 * two ticks the same text, the number with as many digits as tell them
 * apart and the unit; without a unit the number alone. */
void bt__axis_label(const struct bt__axis *a, size_t i, const char *unit, char *buf,
		    size_t size);
/* The estimated width in pixels of text (UTF-8) at font size px: the
 * layout of the plots and their tests use it. */
double bt__text_width(const char *s, double px);

/* Shared by the plots (lib/report/svg.c) and the charts of a run
 * (lib/report/charts.c). bt__svg_slug appends s with every byte that is
 * not a letter, digit, '_' or '-' (nor, with dots, a '.' after the first
 * byte) as '_'; "_" for NULL or "". bt__svg_distinct writes the sorted
 * distinct finite values of v into out (n entries at most) and returns
 * their count. bt__svg_usable: v can be drawn (finite; > 0 on a log
 * axis). */
void bt__svg_slug(struct bt_strbuf *o, const char *s, int dots);
size_t bt__svg_distinct(const double *v, size_t n, double *out);
int bt__svg_usable(double v, int log_axis);

/* Length of the valid UTF-8 sequence at p (n >= 1 bytes left), 0 if
 * invalid: no overlong forms, surrogates or code points above U+10FFFF
 * (jansson's rules; the JSON readers share it). */
size_t bt__utf8_seq(const unsigned char *p, size_t n);

/* The decimal digits s[0..n) (n 1..20, digits only, no sign) as a
 * uint64_t; BT_EINVAL when they are not that or overflow. The JSON
 * readers use it for 64-bit values written as strings. */
int bt__parse_u64_dec(const char *s, size_t n, uint64_t *out);

/* Days in month m (1..12) of year y (Gregorian leap years). */
int bt__days_in_month(int y, int m);

/* The one timestamp parser (lib/util.c): a date at s, year 1970..2999,
 * "YYYY-MM-DD" (separator '-', '_', '.', '/' or none), optionally a time
 * ('T', 't', ' ', '_' or '-' then HH:MM[:SS][.frac], or compact
 * YYYYMMDDHHMM[SS] after an unseparated date) and a zone (Z, UTC, +HH:MM,
 * +HHMM, +HH). Sets *t (UTC seconds; a date alone is midnight UTC) and
 * *end (the first character not used); 0 when a valid date was read,
 * BT_EINVAL otherwise (*t and *end unset). Callers check *end for what may
 * follow. */
int bt__parse_time(const char *s, time_t *t, const char **end);

/* 1 when s is lo..hi hex digits (either case); 0 otherwise or for NULL. */
int bt__is_hex(const char *s, size_t lo, size_t hi);

/* 1 when every one of the n values of x is finite (n == 0: 1). */
int bt__all_finite(const double *x, size_t n);

/* The checks and set-up bt_compare_samples and bt_compare_counts share
 * (lib/analysis/verdict.c): BT_EINVAL unless opts_ok (the caller's test
 * of its options), a, b and out are given, na and nb > 0 and every value
 * is finite; else *out zeroed with n_a, n_b and higher_is_better set, 0. */
struct bt_sample_cmp;
int bt__cmp_begin(const double *a, size_t na, const double *b, size_t nb,
		  int higher_is_better, int opts_ok, struct bt_sample_cmp *out);

/* 1 for 16 lowercase hex digits: a series key as bt_series_key() writes
 * it and the run readers accept (it names the series' files); 0 for NULL. */
int bt__is_series_key(const char *k);

/* The one growable vector: makes the array *v (elements of size bytes,
 * *alloc of them allocated; NULL and 0 to start) hold at least need
 * elements, doubling from 16. It is realloc'd: pointers into it move.
 * 0, or BT_ENOMEM with *v and *alloc unchanged. */
int bt__vec_reserve(void **v, size_t *alloc, size_t need, size_t size);

/* splitmix64 step: a good 64-bit mixer for seeds. */
uint64_t bt__mix64(uint64_t x);

/* json_dumps(v, flags), but NULL whenever memory ran out: jansson 2.14's
 * own json_dumps leaves out an object key it could not append and goes
 * on (a document "...": null), which this never returns. Caller frees. */
struct json_t;
char *bt__json_dumps(const struct json_t *v, size_t flags);

/* json_loadb(buf, len, flags, je), but NULL with *oom = 1 whenever one of
 * jansson's allocations failed meanwhile: jansson 2.14's lexer drops a
 * character it could not append and goes on (a run id one digit short),
 * and may call a failed allocation a syntax error. Watches through
 * jansson's allocation functions, wrapped on first use (whatever they
 * were then). je may be NULL; *oom is 0 otherwise. */
struct json_error_t;
struct json_t *bt__json_loadb(const char *buf, size_t len, size_t flags,
			      struct json_error_t *je, int *oom);

/* Reads a whole file with a size cap: *data is malloc'd and NUL-terminated
 * (caller frees). BT_ENOTFOUND, BT_EIO, BT_ETOOBIG with the path in err. */
int bt__read_file(const char *path, size_t cap, char **data, size_t *len,
		  struct bt_strbuf *err);

/* Writes data to path atomically: temp file in the same directory, fsync,
 * rename, fsync of the directory. */
int bt__write_file_atomic(const char *path, const char *data, size_t len,
			  struct bt_strbuf *err);

/* --- run files (lib/result/json_write.c, lib/result/compress.c) ------ */

/* The double nearest to (neg ? -1 : 1) * w * 10^k when that is certain
 * without strtod: w of at most 19 digits and |k| <= 27 make w * 10^k one
 * rounding in 64-bit long double precision, and rounding that to double
 * is then correct unless it lies within an ulp of a halfway point
 * between doubles. 0 with *out set, else -1 (ask strtod). The fast
 * reader's reals (json_scan.c), and the writer's check that a shorter
 * text reads back (json_write.c, where it is). */
int bt__decimal_double(uint64_t w, long k, int neg, double *out);

/* The most bytes of bt__real_text, its NUL included. */
#define BT__REAL_TEXT_MAX 32

/* x as the shortest text that strtod reads back to the same double (the
 * sign of zero kept), with a '.' or an 'e' so that it reads as a real:
 * 0.1 -> "0.1", 1.0 -> "1.0", 100.0 -> "1e2", 5e-324 -> "5e-324"; not
 * finite -> "null". Its length. */
size_t bt__real_text(double x, char out[BT__REAL_TEXT_MAX]);

/* How data[0..n) is compressed, by its first bytes: BT__RUN_ZSTD (a zstd
 * frame, 28 b5 2f fd), BT__RUN_GZIP (a gzip member, 1f 8b), or 0 (not:
 * no JSON text starts with either). */
enum { BT__RUN_ZSTD = 1, BT__RUN_GZIP = 2 };
int bt__run_compressed(const char *data, size_t n);

/* The compressed run file data[0..n) (zstd or gzip) inflated into *out
 * (malloc'd, NUL-terminated, *outlen bytes), at most cap bytes. A
 * truncated stream, a bad checksum or length, trailing bytes or more
 * than cap bytes give BT_EPARSE or BT_ETOOBIG with "<name>: <what>" in
 * err ("compressed run file truncated ...", "damaged compressed run file
 * ..."). */
int bt__run_inflate(const char *name, const char *data, size_t n, size_t cap,
		    char **out, size_t *outlen, struct bt_strbuf *err);

/* data[0..n) compressed as form (BT_RUN_FILE_ZSTD, else gzip) into *out
 * (malloc'd, *outlen bytes): the bytes a run file of that form holds. */
int bt__run_deflate(int form, const char *data, size_t n, char **out,
		    size_t *outlen, struct bt_strbuf *err);

/* The text data[0..len) of a run file written to path atomically (as
 * bt__write_file_atomic) in the form form (BT_RUN_FILE_*, result.h). */
int bt__run_file_write(const char *path, const char *data, size_t len,
		       int form, struct bt_strbuf *err);

/* url (a PostgreSQL URL or key=value connection string) without its
 * password: "postgresql://user:secret@host/db" -> "postgresql://user@host/db",
 * "password=..." (in a query part or a connection string) -> "password=****".
 * malloc'd; NULL when url is NULL or out of memory. What every message
 * that names a store URL prints (lib/store/pg.c). */
char *bt__url_redact(const char *url);
/* bt_store_load for reading many runs (the dashboard's run pages): the
 * fast reader without samples (lib/result/json_scan.h), the strict one
 * for the message on any doubt. (lib/store/store.c) */
struct bt_store;
int bt__store_load_summary(struct bt_store *st, const char *ref, struct bt_run *run,
			   struct bt_strbuf *err);
/* 1 when dir names a PostgreSQL store: a "postgresql://" or "postgres://"
 * URL, or a libpq key=value string (starting "host=", "dbname=", "user=",
 * "port=", "hostaddr=", "password=" or "service="). */
int bt__pg_is_url(const char *dir);

/* --- file-system helpers (lib/fsutil.c): paths, directories, links, the
 * store lock. Any part of lib/ may use them. ------------------------- */

/* malloc'd formatted path; NULL when out of memory. */
char *bt__pathf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* mkdir -p with mode 0755 (store directories); 0, BT_ENOMEM, or BT_EIO
 * naming the component that could not be made or the path when it is not
 * a directory. Each directory it makes is fsync'd into its parent.
 * bt__mkdir_p_mode: the same with another mode (before the umask; the
 * report folder uses 0777). */
int bt__mkdir_p(const char *path, struct bt_strbuf *err);
int bt__mkdir_p_mode(const char *path, unsigned mode, struct bt_strbuf *err);

/* Replaces (or creates) the symbolic link at linkpath pointing to target
 * (relative to linkpath's directory) atomically: a temporary link renamed
 * over it. Where the file system refuses symlinks, copies the file the
 * target names instead (copy_from: the target's real path). */
int bt__replace_symlink(const char *target, const char *linkpath,
			const char *copy_from, struct bt_strbuf *err);

/* Removes the directories above path, from its parent up to (not
 * including) top, a prefix of path, while they are empty; stops at the
 * first one that is not (or cannot be removed: best effort). Call it with
 * the store lock held: writers create directories under by-date/ under
 * it. 0 or BT_ENOMEM. */
int bt__rmdir_empty_parents(const char *path, const char *top);

/* Removes path (a file, link or directory with everything in it) without
 * following symbolic links. A missing path, or a part of it that goes
 * while it runs, is fine. 0, BT_ENOMEM, or BT_EIO naming the first thing
 * that could not be removed (err may be NULL). */
int bt__rm_tree(const char *path, struct bt_strbuf *err);

/* 1 when the file at path (a regular file, not through a link) holds
 * exactly data[0..len); a missing file matches data NULL. 0 otherwise,
 * also when it cannot be read. */
int bt__file_equals(const char *path, const char *data, size_t len);

/* fsync of the directory containing path (best effort). */
void bt__fsync_parent(const char *path);

/* Checks, without following links, that path lies in the store at dir as
 * the store wrote it: no component below dir (the store directory itself
 * may be a link) is a symbolic link, and path is a regular file (want_dir
 * 0) or a directory (want_dir 1). path is "DIR/..." or relative to dir;
 * any other path (a file the user named outside the store) is not
 * checked. 0, or BT_ENOTFOUND (missing), BT_EIO (a link, or not a
 * regular file / directory) naming the component. Readers of stored runs
 * call it before opening a file of the store. */
int bt__store_nolink(const char *dir, const char *path, int want_dir,
		     struct bt_strbuf *err);

/* Appends msg to out without a leading "path: " (notes and listings
 * carry the path beside the message); a leading "path:LINE:COL: " (a
 * parse error) becomes "line LINE, column COL: ". 0 or BT_ENOMEM. */
int bt__strip_path(struct bt_strbuf *out, const char *msg, const char *path);

/* The pid at the end of name after sep ("run.json.tmp.123" with sep
 * ".tmp.", "<id>.123" with sep ""), or 0 when name does not end that way. */
long bt__trailing_pid(const char *name, const char *sep);

/* 1 when process pid exists (a writer that is still running). */
int bt__pid_alive(long pid);

/* Exclusive lock on STORE/.lock (blocking); returns the fd or BT_EIO. */
int bt__store_lock(const char *dir, struct bt_strbuf *err);
void bt__store_unlock(int fd);

/* The identity check both run readers (json.c, json_scan.c) make on a run
 * they read (lib/result/json.c). Every series_key present must be the one
 * bt_series_key() gives for the result: the run's suite (or, for a run of
 * several suites merged by `benchtrack run A B`, one of the names joined
 * by '+' in it), name, variant, params, version, machine fingerprint and
 * first metric ("time" when none). No two results may have the same
 * benchmark identity (name, variant, params, version). BT_ESCHEMA with
 * "<name>: results[i]...: <problem>" in err (may be NULL) otherwise,
 * BT_ENOMEM when out of memory, else 0. */
int bt__run_check_identity(const struct bt_run *run, const char *name,
			   struct bt_strbuf *err);

/* Resets r to the defaults of a new result (bt_run_add_result): zero,
 * version 1, status ok, unknown (-1) memory and context switches. */
void bt__result_defaults(struct bt_result *r);

/* --- runner internals (timer.c, measure.c, isolate.c, runner.c) ------- */

/* The monotonic clock in nanoseconds. Tests may point it at a fake clock
 * before running cases in-process. */
extern uint64_t (*bt__clock)(void);

/* Fills the identity of r (name, group, type, params sorted by key,
 * options, variant, version) from c, allocating in run. */
int bt__result_identity(struct bt_run *run, struct bt_result *r,
			const struct bt_case *c);

/* Runs case c in this process: calls the benchmark function and fills r's
 * status, message, metrics (with statistics), counters, throughput,
 * validation, memory_bytes and iterations_per_sample. r's identity must be
 * set. Process-level figures (peak memory, CPU time, wall time) are the
 * caller's. Returns 0 or BT_ENOMEM. */
int bt__exec_case(const struct bt_case *c, const struct bt_config *cfg,
		  struct bt_run *run, struct bt_result *r);

/* Runs case c in a forked child (or in-process when cfg->isolate is 0)
 * and fills every field of r. Returns 0 whatever the case's status, or
 * BT_E* when the runner could not run it (fork/pipe failure). In the
 * child, stdout and stderr go to a pipe that the runner passes on to its
 * stderr, capped; after the case every process it started is killed and
 * reaped (isolate.c says how). */
int bt__run_case(const struct bt_case *c, const struct bt_config *cfg,
		 struct bt_run *run, struct bt_result *r,
		 struct bt_strbuf *err);

/* Sets SIGPIPE to ignored when it is at its default, once per process,
 * so that a closed stderr or stdout makes writes fail with EPIPE instead
 * of ending the run; cases get the default back in their child. */
void bt__ignore_sigpipe(void);

/* Merges one correctness check into the case's validation record
 * (validate.c -> measure.c). */
void bt__exec_validation(bt_state *s, double abs_err, double rel_err,
			 double rel_tol);

/* Peak resident set (VmHWM) of this process in bytes, -1 unknown; and its
 * reset (via /proc/self/clear_refs), returning 0 when it worked. */
int64_t bt__peak_rss(void);
int bt__reset_peak_rss(void);

/* The update state of a change-point result (bt_changepoints_update) as
 * bytes, for a cache of this machine (lib/analysis/cpcache.c): its size
 * (0 when r holds none), its bytes into out (that many), and r (zeroed)
 * made from them: the state of a result on r->n_series points, without
 * the points, ready for bt_changepoints_update. Unpack: 0, or -1 for
 * bytes that do not make a state (r stays empty), BT_ENOMEM. */
size_t bt__cp_state_size(const struct bt_cp_result *r);
void bt__cp_state_pack(const struct bt_cp_result *r, char *out);
int bt__cp_state_unpack(struct bt_cp_result *r, const char *buf, size_t len);

#endif
