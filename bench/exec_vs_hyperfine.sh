#!/usr/bin/env bash
# benchtrack exec against hyperfine, side by side in one script.
#
#   bench/exec_vs_hyperfine.sh BUILD_DIR
#
# 1. Medians: `sleep 0.02` and `sleep 0.05` (about 20 and 50 ms), each
#    measured REPS times (default 5) by both tools in alternation, with a
#    shell (both subtract its spawn cost) and without (-N), RUNS runs each
#    (default 30). Prints per command the median over the REPS of each
#    tool's median and their ratio benchtrack / hyperfine; the two should
#    agree within 3%.
# 2. Cost per run: the whole of `hyperfine -N --runs 300 true` and of
#    `benchtrack exec -N --runs 300 true --no-store` timed (wall clock),
#    COST_REPS times (default 7), hyperfine before and after benchtrack;
#    prints the median per run of each and the ratio benchtrack /
#    hyperfine.
#
# Environment: REPS, RUNS, COST_REPS, OUTDIR (a new temporary directory;
# the JSON files stay there). Needs hyperfine, /usr/bin/time (Debian's
# time) and /usr/bin/python3.
# A measurement tool, not a test.
set -eu
. "$(dirname "$0")/../scripts/bench-common.sh"

bench_start exec-vs-hyperfine "$@"
bench_need benchtrack
REPS=${REPS:-5}
RUNS=${RUNS:-30}
COST_REPS=${COST_REPS:-7}
py=/usr/bin/python3
command -v hyperfine >/dev/null || { echo "$0: needs hyperfine" >&2; exit 2; }
[ -x "$py" ] || { echo "$0: needs $py" >&2; exit 2; }
bt=$BUILD/benchtrack
hf_ver=$(hyperfine --version)
echo "exec-vs-hyperfine: $hf_ver, $REPS x $RUNS runs a command (files in $OUT)" >&2

now() { date +%s.%N; }

# 1. medians, alternating tools
: >"$OUT/medians.tsv"
for mode in shell noshell; do
	flag=
	[ "$mode" = noshell ] && flag=-N
	for cmd in 'sleep 0.02' 'sleep 0.05'; do
		tag=${cmd// /_}.$mode
		for rep in $(seq "$REPS"); do
			# the order alternates, so that a drift hits both alike
			for tool in $([ $((rep % 2)) = 1 ] && echo hf bt || echo bt hf); do
				if [ "$tool" = hf ]; then
					hyperfine $flag --runs "$RUNS" --warmup 2 --style none \
						--export-json "$OUT/hf.$tag.$rep.json" "$cmd" >/dev/null
				else
					"$bt" exec $flag --runs "$RUNS" --warmup 2 --no-store -q \
						--format none --out "$OUT/bt.$tag.$rep.json" "$cmd"
				fi
			done
			"$py" - "$OUT/hf.$tag.$rep.json" "$OUT/bt.$tag.$rep.json" \
				"$cmd" "$mode" >>"$OUT/medians.tsv" <<'PY'
import json, sys
hf = json.load(open(sys.argv[1]))["results"][0]["median"]
bt = json.load(open(sys.argv[2]))["results"][0]["metrics"]["time"]["stats"]["median"]
print("%s\t%s\t%.9f\t%.9f" % (sys.argv[3], sys.argv[4], hf, bt))
PY
			echo "  $mode '$cmd' round $rep" >&2
		done
	done
done

# 2. the cost of a run: 300 runs of `true` without a shell, whole commands
# (wall, user and system time of each with its children), hyperfine
# before and after benchtrack so that a drift hits both alike
: >"$OUT/cost.tsv"
timed() { # TOOL CMD...: appends "TOOL WALL USER SYS" to cost.tsv
	local tool=$1
	shift
	/usr/bin/time -f "$tool %e %U %S" -a -o "$OUT/cost.tsv" "$@" >/dev/null
}
for rep in $(seq "$COST_REPS"); do
	timed hf hyperfine -N --runs 300 --style none true
	timed bt "$bt" exec -N --runs 300 --no-store -q --format none true
	timed hf hyperfine -N --runs 300 --style none true
	echo "  cost round $rep" >&2
done

"$py" - "$OUT/medians.tsv" "$OUT/cost.tsv" <<'PY'
import statistics as st, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
print("median of each tool's median over %d rounds" % (len(rows) // 4))
print("%-12s %-8s %12s %12s %10s" % ("command", "shell", "hyperfine", "benchtrack", "bt/hf"))
worst = 0.0
for mode in ("shell", "noshell"):
    for cmd in ("sleep 0.02", "sleep 0.05"):
        sel = [r for r in rows if r[0] == cmd and r[1] == mode]
        hf = st.median(float(r[2]) for r in sel)
        bt = st.median(float(r[3]) for r in sel)
        worst = max(worst, abs(bt / hf - 1))
        print("%-12s %-8s %9.3f ms %9.3f ms %10.4f" % (cmd, mode, hf * 1e3, bt * 1e3, bt / hf))
print("largest difference: %.2f%% (%s)" % (worst * 100, "within 3%" if worst <= 0.03 else "MORE THAN 3%"))
cost = [l.split() for l in open(sys.argv[2]) if l.strip()]
def med(tool, f):
    return st.median(f(c) for c in cost if c[0] == tool)
for what, f in (("wall", lambda c: float(c[1])),
                ("cpu (user+sys)", lambda c: float(c[2]) + float(c[3]))):
    hf, bt = med("hf", f), med("bt", f)
    print("300 runs of `true` -N, %s, median of %d: hyperfine %.3f s (%.3f ms a run), "
          "benchtrack %.3f s (%.3f ms a run); benchtrack / hyperfine %.3f"
          % (what, sum(c[0] == "bt" for c in cost), hf, hf / 300 * 1e3, bt,
             bt / 300 * 1e3, bt / hf))
PY
