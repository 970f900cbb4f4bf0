#!/usr/bin/env bash
# Instruction counts against wall-clock times, side by side in one script
# (docs/MEASURE.md: the figures there come from this script).
#
#   bench/counts_vs_time.sh BUILD_DIR
#
# 1. The four fast kernels of bench/ (kernels_bt: sum, dot, stride, copy),
#    each in REPS fresh processes (default 5) under --measure instructions
#    and under the default --measure time, alternately; then the same again
#    while a CPU-heavy job (one busy loop per CPU) runs. Prints per kernel
#    and load the coefficient of variation (sd / mean, in %) over the
#    processes of each process's median: instructions and time.
# 2. The wall time of each whole `kernels_bt --measure instructions` run of
#    the four kernels (the acceptance asks for under a minute).
# 3. `benchtrack exec --measure instructions -r 5` of a small C program
#    (compiled here with cc -O1): the five counts, which must be equal.
#
# Environment: REPS, OUTDIR (a new temporary directory; the JSON files stay
# there). Needs valgrind, cc and /usr/bin/python3. A measurement tool, not
# a test.
set -eu
. "$(dirname "$0")/../scripts/bench-common.sh"

bench_start counts-vs-time "$@"
bench_need benchtrack kernels_bt
REPS=${REPS:-5}
py=/usr/bin/python3
command -v valgrind >/dev/null || { echo "$0: needs valgrind" >&2; exit 2; }
[ -x "$py" ] || { echo "$0: needs $py" >&2; exit 2; }
k=$BUILD/kernels_bt
filter='^(sum|dot|stride|copy)/'
echo "counts-vs-time: $(valgrind --version), $REPS processes per kernel and measure (files in $OUT)" >&2

now() { date +%s.%N; }
busy_pids=
busy_start() {
	local i
	for i in $(seq "$(nproc)"); do
		sh -c 'while :; do :; done' &
		busy_pids="$busy_pids $!"
	done
}
busy_stop() {
	local p
	for p in $busy_pids; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	busy_pids=
}
trap busy_stop EXIT

: >"$OUT/suite_wall.tsv"
for load in idle busy; do
	[ "$load" = idle ] || busy_start
	for i in $(seq "$REPS"); do
		t0=$(now)
		"$k" --measure instructions --filter "$filter" --format none \
			-o "$OUT/count-$load-$i.json" 2>/dev/null
		t1=$(now)
		echo "$load	$i	$t0	$t1" >>"$OUT/suite_wall.tsv"
		"$k" --filter "$filter" --format none -o "$OUT/time-$load-$i.json" 2>/dev/null
	done
	busy_stop
done

# 3. exec --measure instructions of a small C program
cat >"$OUT/small.c" <<'C'
#include <stdio.h>
#include <string.h>
int main(void)
{
	unsigned long x = 1;
	for (int i = 0; i < 100000; i++)
		x = x * 6364136223846793005UL + 1442695040888963407UL;
	char buf[64];
	snprintf(buf, sizeof buf, "%lu", x);
	printf("%zu\n", strlen(buf));
	return 0;
}
C
cc -O1 -o "$OUT/small" "$OUT/small.c"
"$BUILD/benchtrack" exec --measure instructions -r 5 -N "$OUT/small" --no-store \
	--format json -o "$OUT/exec.json" >/dev/null 2>&1

"$py" - "$OUT" "$REPS" <<'PY'
import json, statistics as st, sys
out, reps = sys.argv[1], int(sys.argv[2])
def med(path, metric):
    r = json.load(open(path))
    return {x["name"]: st.median(x["metrics"][metric]["samples"]) for x in r["results"]}
def cv(v):
    m = st.mean(v)
    return 100 * st.pstdev(v) / m if m else float("nan")
print("kernel   load   instructions (median)   CV instr     time (median)   CV time")
for load in ("idle", "busy"):
    cnt = [med(f"{out}/count-{load}-{i}.json", "instructions") for i in range(1, reps + 1)]
    tim = [med(f"{out}/time-{load}-{i}.json", "time") for i in range(1, reps + 1)]
    for name in cnt[0]:
        c = [d[name] for d in cnt]
        t = [d[name] for d in tim]
        print(f"{name:8s} {load:5s} {st.median(c):20.1f}  {cv(c):9.4f}%  {st.median(t)*1e9:12.1f} ns  {cv(t):7.2f}%")
walls = [l.split("\t") for l in open(f"{out}/suite_wall.tsv")]
w = [float(b) - float(a) for _, _, a, b in walls]
print(f"suite of 4 kernels under --measure instructions: wall {min(w):.2f} .. {max(w):.2f} s per run ({len(w)} runs)")
e = json.load(open(f"{out}/exec.json"))["results"][0]["metrics"]["instructions"]["samples"]
print(f"exec --measure instructions -r 5 of a small C program: {' '.join('%.0f' % x for x in e)} "
      f"({'all equal' if len(set(e)) == 1 else 'NOT EQUAL'})")
PY
