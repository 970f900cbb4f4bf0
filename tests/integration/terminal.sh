#!/usr/bin/env bash
# On a terminal (a pty from script(1)) the runner shows a progress line
# (case i of N, elapsed, ETA) and colours; NO_COLOR removes the colours;
# without a terminal there is neither.
set -euo pipefail
src=$1 build=$2
cmd="$build/suite_faults --filter '^(sum|fails)' --min-sample-time 1ms --measurement-iterations 6"
out=$build/terminal.out

TERM=xterm script -qec "$cmd" /dev/null > "$out" || true
grep -q '\[1/5\] sum/n=64' "$out" || { echo "no progress line"; cat -v "$out"; exit 1; }
grep -q 'ETA' "$out" || { echo "no ETA"; exit 1; }
grep -q $'\033\\[32m' "$out" || { echo "no colour on a terminal"; cat -v "$out"; exit 1; }

NO_COLOR=1 TERM=xterm script -qec "$cmd" /dev/null > "$out" || true
grep -q '\[1/5\]' "$out" || { echo "no progress line with NO_COLOR"; exit 1; }
if grep -q $'\033\\[3[0-9]m' "$out"; then echo "colour despite NO_COLOR"; cat -v "$out"; exit 1; fi

set +e
bash -c "$cmd" > "$out" 2> "$build/terminal.err"
rc=$?
set -e
[ $rc -eq 4 ] || { echo "exit $rc, want 4 (a case fails)"; exit 1; }
if grep -q $'\033' "$out" "$build/terminal.err"; then echo "escape codes without a terminal"; exit 1; fi
grep -q 'ETA' "$build/terminal.err" && { echo "progress line without a terminal"; exit 1; }
echo "terminal: ok"
