/* Parameter spaces: the sweep a benchmark runs over.
 *
 * Grammar of a spec (docs/API.md, Parameters):
 *     spec   := axis (';' axis)*            cartesian product of the axes
 *     axis   := name '=' values
 *     values := item (',' item)*
 *     item   := value                        literal (text or number)
 *             | '@' preset                   values of a named preset
 *             | value '..' value '*' factor  geometric: lo, lo*f, ... <= hi
 *             | value '..' value '+' step    arithmetic: lo, lo+s, ... <= hi
 *     value  := number with optional suffix K (x1024) or M (x1048576), or any
 *               text without ',', ';', '=' (for string parameters)
 * Whitespace around tokens is ignored. Names are [A-Za-z_][A-Za-z0-9_]*.
 * Values are kept as canonical text: numbers expand to plain integers
 * ("4K" -> "4096"), so bt_param_int and the result's params agree.
 *
 * Presets (the sequence-length guide; K = 1024):
 *   production 1024,2048,4096,8192,12288,16384           (1K..16K)
 *   medium     32768,49152,65536,98304,131072            (32K,49K,64K,98K,128K)
 *   long       262144,524288,1048576                     (256K..1M)
 *   document   512,1024,2048,4096
 *   context    4096,8192,16384,32768
 *   book       50000,100000,200000                       (50K,100K,200K tokens)
 *   quick      256,512,1024                              (--quick sizes)
 */
#ifndef BENCHTRACK_PARAMS_H
#define BENCHTRACK_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

#ifdef __cplusplus
extern "C" {
#endif

struct bt_param_axis {
	char *name;     /* owned */
	char **values;  /* owned, n_values canonical strings, in order */
	size_t n_values;
};

struct bt_param_space {
	struct bt_param_axis *axes; /* owned, in declaration order */
	size_t n_axes;
};
#define BT_PARAM_SPACE_INIT { NULL, 0 }

/* Parses spec into ps (ps must be initialised, empty). NULL or "" gives an
 * empty space (one combination with no parameters). On error returns
 * BT_EPARSE (or BT_ENOMEM, BT_ERANGE for a range with more than 4096 values)
 * with a message naming the spec and the 1-based column, and leaves ps
 * empty. A duplicate axis name is an error. */
int bt_param_space_parse(struct bt_param_space *ps, const char *spec,
			 struct bt_strbuf *err);

/* Applies an override spec (same grammar, e.g. "seq_len=1K,2K") to ps: each
 * axis named in it replaces the values of the axis with that name. An axis
 * ps does not have is BT_ENOTFOUND when strict, else ignored (a suite-wide
 * --param may name an axis only some benchmarks declare). */
int bt_param_space_override(struct bt_param_space *ps, const char *spec,
			    int strict, struct bt_strbuf *err);

/* Frees everything; ps becomes empty. */
void bt_param_space_release(struct bt_param_space *ps);

/* Number of combinations (product of the axis sizes; 1 for no axes). */
size_t bt_param_space_count(const struct bt_param_space *ps);

/* The index-th combination, 0 <= index < count: values[k] is the value of
 * axis k (pointers into ps). The last axis varies fastest. */
void bt_param_space_combo(const struct bt_param_space *ps, size_t index,
			  const char **values);

/* Index of the axis called name, or -1. */
int bt_param_space_find(const struct bt_param_space *ps, const char *name);

/* Values of a preset: *values points to a static array of n strings.
 * BT_ENOTFOUND for an unknown name. */
int bt_param_preset(const char *name, const char *const **values, size_t *n);

/* Name of the i-th preset, NULL past the end (for listings). */
const char *bt_param_preset_name(size_t i);

/* Parses an integer value with optional K/M suffix ("12K" -> 12288).
 * Returns 0, BT_EPARSE for non-numbers, BT_ERANGE on overflow. */
int bt_param_parse_int(const char *s, int64_t *out);

#ifdef __cplusplus
}
#endif
#endif
