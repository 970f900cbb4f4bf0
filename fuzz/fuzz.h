/* The fuzzing harnesses of benchtrack's parsers (fuzz/README: docs/internals/FUZZING.md).
 *
 * Each fuzz/fuzz_NAME.c defines
 *     int bt_fuzz_NAME(const uint8_t *data, size_t size);
 * which feeds data to one parser, checks what must hold (no crash, no
 * leak, no undefined behaviour: the sanitizers; the harness's own
 * invariants: abort()), and returns 0. BT_FUZZ_TARGETS lists them; one
 * binary holds them all:
 *   - bt_fuzz (libFuzzer, BT_FUZZ=ON): the target named by the environment
 *     variable BT_FUZZ_TARGET (fuzz/libfuzzer.c);
 *   - bt_fuzz_replay (any compiler, built with the tests): every file of
 *     fuzz/corpus/NAME/ and fuzz/regress/NAME/ through bt_fuzz_NAME
 *     (fuzz/replay.c), the ctest entry fuzz_replay. */
#ifndef BENCHTRACK_FUZZ_H
#define BENCHTRACK_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#define BT_FUZZ_TARGETS(X) \
	X(run)              \
	X(run_diff)         \
	X(compressed)       \
	X(params)           \
	X(exec_words)       \
	X(protocol)         \
	X(import)           \
	X(gbench)           \
	X(hyperfine)        \
	X(pytest_benchmark) \
	X(pyperf)           \
	X(criterion)        \
	X(asv)              \
	X(hf_v2)            \
	X(seed)             \
	X(csv_series)       \
	X(safetensors)      \
	X(serve_path)

#define BT_FUZZ_DECLARE(name) int bt_fuzz_##name(const uint8_t *data, size_t size);
BT_FUZZ_TARGETS(BT_FUZZ_DECLARE)
#undef BT_FUZZ_DECLARE

struct bt_fuzz_target {
	const char *name;
	int (*fn)(const uint8_t *data, size_t size);
};
extern const struct bt_fuzz_target bt_fuzz_targets[];
extern const size_t bt_fuzz_n_targets;

/* The target called name, or NULL. */
const struct bt_fuzz_target *bt_fuzz_find(const char *name);

/* A NUL-terminated copy of data (malloc'd; abort when out of memory:
 * harnesses are not torture tests). */
char *bt_fuzz_str(const uint8_t *data, size_t size);

/* The peer-format harness (fuzz_import.c) with format (enum bt_format). */
int bt_fuzz_import_as(const uint8_t *data, size_t size, int format);

/* A harness's invariant broken: says what on stderr and aborts (a finding). */
void bt_fuzz_fail(const char *target, const char *what) __attribute__((noreturn));

#endif
