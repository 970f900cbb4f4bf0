/* A fast reader of run documents (lib/result/json_scan.c), for bulk readers such
 * as reindex. Internal to lib/ and tests/; not installed. */
#ifndef BENCHTRACK_JSON_SCAN_H
#define BENCHTRACK_JSON_SCAN_H

#include <stddef.h>

#include "benchtrack.h"

/* Keep the raw samples (metrics[].samples); without it they are checked
 * but not stored (samples NULL, n_samples 0). */
#define BT__SCAN_SAMPLES 1

/* Reads text (len bytes, need not be NUL-terminated; compressed text,
 * lib/result/compress.c, is inflated first) into run, which must
 * be initialised and empty, like bt_run_from_json, but in one pass over
 * the text without building a tree. It accepts only what the strict
 * reader accepts and then fills run with the same values (but for the
 * samples without BT__SCAN_SAMPLES). It gives no message: it returns
 * BT_EPARSE on anything it does not accept (bad JSON or schema, or just something
 * it does not handle, such as deep nesting), and the caller is to ask
 * bt_run_from_json, on a fresh run, for the verdict and the message. The
 * run is then in an unspecified state: release it. */
int bt__run_scan(struct bt_run *run, const char *text, size_t len, int flags);

struct bt__field;
struct bt_arena;

/* The strict lexer of bt__run_scan and a field table entry (lib/result/schema.h)
 * for other JSON text that benchtrack writes (the dashboard's cache
 * files): reads the one value at the start of text[0..len) (whitespace
 * before it allowed) as f says into base, allocating in a. With used,
 * *used is the bytes read (what follows is not looked at); without, only
 * whitespace may follow. 0, or BT_EPARSE for anything it does not accept
 * (no message); base is then in an unspecified state. */
int bt__scan_value(const char *text, size_t len, const struct bt__field *f,
		   void *base, struct bt_arena *a, size_t *used);

/* bt_run_read_file for indexing: the fast reader without samples, and
 * on any doubt the strict reader (which gives the error, with its
 * message). run must be initialised and empty. */
int bt__run_read_file_summary(struct bt_run *run, const char *path,
			      struct bt_strbuf *err);

#endif
