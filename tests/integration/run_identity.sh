#!/usr/bin/env bash
# Identities a run could not be read back with are refused before anything
# runs: a suite declaring one benchmark name twice, a parameter value that
# is not printable UTF-8. Both are usage errors (exit 2) and store nothing.
set -euo pipefail
. "${BASH_SOURCE%/*}/lib/common.sh" run_identity "$@"

expect 2 "$build/suite_dupname" --min-sample-time 1ms --measurement-iterations 2
grep -q "benchmark 'same' is declared twice" "$tmp/err" || fail "dupname: $(cat "$tmp/err")"
expect 2 "$bt" run "$build/suite_dupname" --store "$tmp/s"
grep -q "declared twice" "$tmp/err" || fail "run dupname: $(cat "$tmp/err")"
[ -z "$(find "$tmp/s" -name run.json 2>/dev/null)" ] || fail "dupname: a run was stored"

bad=$(printf 'n=a\xffb')
expect 2 "$build/suite_measure" --min-sample-time 1ms --measurement-iterations 2 --param "$bad"
grep -q "not printable UTF-8" "$tmp/err" || fail "bad utf-8: $(cat "$tmp/err")"
ctl=$(printf 'n=a\tb')
expect 2 "$build/suite_measure" --min-sample-time 1ms --measurement-iterations 2 --param "$ctl"
grep -q "not printable UTF-8" "$tmp/err" || fail "control byte: $(cat "$tmp/err")"
echo "run_identity: ok"
