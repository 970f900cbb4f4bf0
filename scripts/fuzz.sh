#!/usr/bin/env bash
# Runs the fuzzing harnesses (fuzz/, docs/internals/FUZZING.md) for a
# bounded time each:
#     scripts/fuzz.sh BT_FUZZ SRC
# BT_FUZZ is the libFuzzer binary (a build with -DBT_FUZZ=ON, CC=clang),
# SRC the source tree (its fuzz/corpus/NAME seeds, fuzz/regress/NAME
# regression inputs and fuzz/dict/NAME.dict dictionaries are read, never
# written). Environment:
#     FUZZ_TIME     seconds per harness (default 60)
#     FUZZ_JOBS     harnesses at a time (default 2)
#     FUZZ_TARGETS  the harnesses to run (default: every fuzz/corpus/NAME)
#     FUZZ_OUT      where each harness's corpus, log and findings go
#                   (default: a temporary directory, removed at the end
#                   unless something was found)
# Prints one line per harness (seconds, executions, coverage, findings)
# and exits 1 when a harness found something (crash, leak, timeout, out of
# memory, a broken invariant): its input is FUZZ_OUT/NAME/crash-* (or
# leak-*, timeout-*, oom-*), and `bt_fuzz_replay NAME FILE` replays it.
set -euo pipefail
bin=$(realpath "$1")
src=$(realpath "$2")
time=${FUZZ_TIME:-60}
jobs=${FUZZ_JOBS:-2}
targets=${FUZZ_TARGETS:-$(cd "$src/fuzz/corpus" && ls)}
keep=1
if [ -z "${FUZZ_OUT:-}" ]; then
	FUZZ_OUT=$(mktemp -d "${TMPDIR:-/tmp}/bt-fuzz.XXXXXX")
	keep=0
fi
mkdir -p "$FUZZ_OUT"
out=$(realpath "$FUZZ_OUT")

one() {
	local t=$1 w=$out/$1
	mkdir -p "$w/corpus"
	local args=("$w/corpus" "$src/fuzz/corpus/$t")
	[ -d "$src/fuzz/regress/$t" ] && args+=("$src/fuzz/regress/$t")
	[ -f "$src/fuzz/dict/$t.dict" ] && args+=("-dict=$src/fuzz/dict/$t.dict")
	local start=$SECONDS rc=0
	# the temporary files of a harness (criterion's directory) go under w
	TMPDIR=$w BT_FUZZ_TARGET=$t \
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
		"$bin" "${args[@]}" -max_total_time="$time" -timeout=10 -rss_limit_mb=2560 \
		-max_len=65536 -artifact_prefix="$w/" -print_final_stats=1 >"$w/log" 2>&1 || rc=$?
	echo "$rc $((SECONDS - start))" >"$w/status"
}
export -f one
export bin src out time

printf '%s\n' $targets | xargs -P "$jobs" -I{} bash -c 'one {}'

found=0
printf '%-18s %6s %12s %6s %s\n' harness secs execs cov findings
for t in $targets; do
	w=$out/$t
	read -r rc secs <"$w/status"
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$w/log" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$w/log" | tail -1 | cut -d' ' -f2 || true)
	arts=$(cd "$w" && ls -d crash-* leak-* timeout-* oom-* slow-unit-* 2>/dev/null | grep -v '^slow-unit' || true)
	what=${arts:-none}
	if [ "$rc" != 0 ] || [ -n "$arts" ]; then
		found=1
		[ "$rc" != 0 ] && what="exit $rc: $what"
	fi
	printf '%-18s %6s %12s %6s %s\n' "$t" "$secs" "${execs:-?}" "${cov:-?}" "$what"
done
if [ "$found" = 1 ]; then
	echo "fuzz: findings above; the logs and inputs are in $out" >&2
	for t in $targets; do
		read -r rc _ <"$out/$t/status"
		[ "$rc" = 0 ] || { echo "--- $t" >&2; grep -A40 -m1 -E 'ERROR|runtime error|fuzz [a-z_]+:|deadly signal' "$out/$t/log" | head -60 >&2 || tail -40 "$out/$t/log" >&2; }
	done
	exit 1
fi
[ "$keep" = 1 ] || rm -rf "$out"
exit 0
