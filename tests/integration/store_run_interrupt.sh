#!/usr/bin/env bash
# `benchtrack run` and `benchtrack ab` killed by SIGINT or SIGTERM while a
# suite runs (the suite_faults "hang" case): no temporary file or directory
# is left in $TMPDIR, the suite is stopped too, and the exit status is
# 128 + the signal (130, 143).
# Usage: bash tests/integration/store_run_interrupt.sh SRC BUILD
set -uo pipefail
. "${BASH_SOURCE%/*}/lib/common.sh" store_run_interrupt "$@"
suite=$build/suite_faults
need_built "$bt" "$suite"
work=$tmp

# check NAME SIGNAL EXPECTED_STATUS COMMAND...: starts the command with a
# private TMPDIR, waits until the suite runs, sends SIGNAL to benchtrack
# only (not its process group: the suite must get it forwarded), then
# checks the status, the TMPDIR and that the suite is gone.
check() {
	local name=$1 sig=$2 want=$3
	shift 3
	local tmp=$work/tmp-$name
	rm -rf "$tmp"
	mkdir -p "$tmp"
	TMPDIR=$tmp "$@" >"$work/$name.out" 2>"$work/$name.err" &
	local pid=$! i
	# wait for the suite (a child of benchtrack) to be started
	for ((i = 0; i < 100; i++)); do
		pgrep -P "$pid" >/dev/null 2>&1 && break
		sleep 0.1
	done
	local kids
	kids=$(pgrep -P "$pid" | tr '\n' ' ')
	[ -n "$kids" ] || fail "$name: the suite was not started"
	sleep 0.5
	[ -n "$(ls -A "$tmp")" ] || fail "$name: no temporary entry in TMPDIR while running"
	kill -"$sig" "$pid"
	local t0=$SECONDS st
	wait "$pid"
	st=$?
	((SECONDS - t0 < 20)) || fail "$name: took $((SECONDS - t0)) s to stop"
	[ "$st" -eq "$want" ] || { cat "$work/$name.err" >&2; fail "$name: exit $st, want $want"; }
	[ -z "$(ls -A "$tmp")" ] || fail "$name: left in TMPDIR: $(ls -A "$tmp")"
	grep -q "interrupted" "$work/$name.err" || fail "$name: no 'interrupted' message: $(cat "$work/$name.err")"
	local k
	for k in $kids; do
		for ((i = 0; i < 50; i++)); do
			kill -0 "$k" 2>/dev/null || break
			sleep 0.1
		done
		! kill -0 "$k" 2>/dev/null || { kill -KILL "$k"; fail "$name: the suite $k still runs"; }
	done
}

store=$work/store
check run-term TERM 143 "$bt" run "$suite" --filter '^hang$' --store "$store" \
	--timeout 600s --warmup-iterations 0 --measurement-iterations 1
check run-int INT 130 "$bt" run "$suite" --filter '^hang$' --store "$store" \
	--timeout 600s --warmup-iterations 0 --measurement-iterations 1
check ab-term TERM 143 "$bt" ab "$suite" "$suite" --filter '^hang$' \
	--timeout 600s --warmup-iterations 0 --measurement-iterations 1
[ ! -e "$store/runs" ] || [ -z "$(find "$store/runs" -type f)" ] ||
	fail "an interrupted run was stored"

# an uninterrupted run still works and leaves TMPDIR empty
mkdir -p "$work/tmp-ok"
TMPDIR=$work/tmp-ok "$bt" run "$suite" --filter 'sum/n=64$' --store "$store" \
	--warmup-iterations 0 --measurement-iterations 2 >/dev/null 2>"$work/ok.err" ||
	{ cat "$work/ok.err" >&2; fail "plain run failed"; }
[ -z "$(ls -A "$work/tmp-ok")" ] || fail "plain run left: $(ls -A "$work/tmp-ok")"
echo "store_run_interrupt: ok"
