#!/usr/bin/env bash
# --find-limit AXIS: the axis doubled from its smallest planned value
# until a case stops it (out of memory under --memory-limit, past
# --timeout, failed validation); every step is a result of the run, and
# the summary names the largest value that passed and why the next did
# not. The fixtures stop at known values (tests/fixtures/suite_limit.c);
# the timeout step sleeps far past an 8 s --timeout, given to that case
# alone; the others (a 512 MiB step, slow on a loaded machine) run with
# a timeout of 300 s. Nothing is timed.
set -euo pipefail
. "${BASH_SOURCE%/*}/lib/common.sh" find_limit "$@"
suite=$build/suite_limit
need_built "$bt" "$suite"
py=/usr/bin/python3
# RLIMIT_AS cannot bound an ASan process (the runner does not apply
# --memory-limit there): the allocator's own cap plays its part, at the
# same 600 MiB, so the same steps pass and stop
if [ -n "$bt_sanitize" ]; then
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}allocator_may_return_null=1:max_allocation_size_mb=600
fi

expect 4 "$suite" --find-limit n --memory-limit 600M --timeout 300s --exclude '^slow' --quick \
	--format none --out "$tmp/run.json"
grep -q '^find-limit n: the largest value that passed' "$tmp/err" || fail "no summary: $(cat "$tmp/err")"
grep -q '^  alloc  n=512  stopped at 1024: oom' "$tmp/err" || fail "alloc: $(cat "$tmp/err")"
grep -q '^  wrong  n=32  stopped at 64: failed: validation failed' "$tmp/err" || fail "wrong: $(cat "$tmp/err")"
! grep -q '^  slow ' "$tmp/err" || fail "slow ran despite --exclude: $(cat "$tmp/err")"
expect 4 "$suite" --find-limit n --memory-limit 600M --timeout 8s --filter '^slow' --quick \
	--format none --out "$tmp/slow.json"
grep -q '^find-limit n: the largest value that passed' "$tmp/err" || fail "no summary: $(cat "$tmp/err")"
grep -q '^  slow  n=16  stopped at 32: timeout: timed out after 8 s' "$tmp/err" || fail "slow: $(cat "$tmp/err")"
$py - "$tmp/run.json" "$tmp/slow.json" <<'PY' || fail "the steps in the run files"
import json, sys
steps = {}
for path in sys.argv[1:]:
    for r in json.load(open(path))["results"]:
        steps.setdefault(r["name"], []).append((int(r["params"]["n"]), r["status"]))
assert sorted(steps) == ["alloc", "slow", "wrong"], sorted(steps)
assert steps["alloc"] == [(16 << i, "ok") for i in range(6)] + [(1024, "oom")], steps["alloc"]
assert steps["wrong"] == [(16, "ok"), (32, "ok"), (64, "failed")], steps["wrong"]
assert steps["slow"] == [(8, "ok"), (16, "ok"), (32, "timeout")], steps["slow"]
PY

# through benchtrack run: the flag is passed on to the suite
expect 4 "$bt" run "$suite" --no-store --find-limit n --filter '^wrong' \
	--quick --format none
grep -q '^  wrong  n=32  stopped at 64: failed' "$tmp/err" || fail "benchtrack run: $(cat "$tmp/err")"

# an axis no case has runs nothing; a bad use is a usage error naming it
expect 2 "$suite" --find-limit
grep -q "find-limit" "$tmp/err" || fail "missing value not named"
