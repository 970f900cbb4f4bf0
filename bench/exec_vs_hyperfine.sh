#!/usr/bin/env bash
# benchtrack exec against hyperfine, side by side in one script.
#
#   bench/exec_vs_hyperfine.sh BUILD_DIR
#
# 1. Medians: `sleep 0.02` and `sleep 0.05` (about 20 and 50 ms), each
#    measured REPS times (default 5) by both tools in alternation, with a
#    shell (both subtract its spawn cost) and without (-N), RUNS runs each
#    (default 30). Prints per command the median over the REPS of each
#    tool's median and the median of the rounds' ratios benchtrack /
#    hyperfine; the two should agree within 3%.
# 2. Cost per run: the whole of `hyperfine -N --runs 300 true` and of
#    `benchtrack exec -N --runs 300 true --no-store` timed (wall clock,
#    and CPU time with the children), COST_REPS rounds (default 7) of
#    hyperfine, benchtrack, hyperfine; prints the median per run of each
#    and the median of the rounds' ratios benchtrack / hyperfine.
#
# Environment: REPS, RUNS, COST_REPS, OUTDIR (a new temporary directory;
# the JSON files stay there). Needs hyperfine and /usr/bin/python3.
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
# (wall clock, and user + system time of each with its children, from
# getrusage), hyperfine before and after benchtrack in every round so
# that a drift hits both alike; also 1 run of each, so that the fixed
# start (benchtrack reads the git checkout and the machine once) is told
# apart from the cost of each further run: (T(300) - T(1)) / 299
"$py" - "$OUT/cost.tsv" "$COST_REPS" hyperfine -N --runs RUNS --style none true -- \
	"$bt" exec -N --runs RUNS --no-store -q --format none true <<'PY'
import resource, subprocess, sys, time
out, reps = sys.argv[1], int(sys.argv[2])
cut = sys.argv.index("--")
cmds = {"hf": sys.argv[3:cut], "bt": sys.argv[cut + 1:]}
with open(out, "w") as f:
    for rep in range(reps):
        for runs in ("300", "1"):
            for tool in ("hf", "bt", "hf"):
                argv = [runs if a == "RUNS" else a for a in cmds[tool]]
                r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
                t0 = time.perf_counter()
                subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
                t1 = time.perf_counter()
                r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
                f.write("%d %s %s %.6f %.6f\n" % (rep, tool, runs, t1 - t0, cpu))
        print("  cost round %d" % (rep + 1), file=sys.stderr)
PY

"$py" - "$OUT/medians.tsv" "$OUT/cost.tsv" <<'PY'
import statistics as st, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
print("medians, %d rounds of each tool in alternation" % (len(rows) // 4))
print("%-12s %-8s %12s %12s %8s" % ("command", "shell", "hyperfine", "benchtrack", "bt/hf"))
worst = 0.0
for mode in ("shell", "noshell"):
    for cmd in ("sleep 0.02", "sleep 0.05"):
        sel = [r for r in rows if r[0] == cmd and r[1] == mode]
        hf = st.median(float(r[2]) for r in sel)
        bt = st.median(float(r[3]) for r in sel)
        ratio = st.median(float(r[3]) / float(r[2]) for r in sel)
        worst = max(worst, abs(ratio - 1))
        print("%-12s %-8s %9.3f ms %9.3f ms %8.4f" % (cmd, mode, hf * 1e3, bt * 1e3, ratio))
print("(each tool: the median of its medians; bt/hf: the median of the rounds' ratios)")
print("largest difference: %.2f%% (%s)" % (worst * 100, "within 3%" if worst <= 0.03
                                           else "MORE THAN 3%"))
cost = [l.split() for l in open(sys.argv[2]) if l.strip()]
rounds = sorted({c[0] for c in cost})
for what, k in (("wall", 3), ("cpu (user+sys)", 4)):
    def per(tool, r, runs):
        v = [float(c[k]) for c in cost if c[0] == r and c[1] == tool and c[2] == runs]
        return sum(v) / len(v)
    hf = st.median(per("hf", r, "300") for r in rounds)
    bt = st.median(per("bt", r, "300") for r in rounds)
    ratio = st.median(per("bt", r, "300") / per("hf", r, "300") for r in rounds)
    print("300 runs of `true` -N, %s, median of %d rounds: hyperfine %.3f s (%.3f ms a run), "
          "benchtrack %.3f s (%.3f ms a run); benchtrack / hyperfine %.3f"
          % (what, len(rounds), hf, hf / 300 * 1e3, bt, bt / 300 * 1e3, ratio))
    mhf = st.median((per("hf", r, "300") - per("hf", r, "1")) / 299 for r in rounds)
    mbt = st.median((per("bt", r, "300") - per("bt", r, "1")) / 299 for r in rounds)
    fhf = st.median(per("hf", r, "1") for r in rounds)
    fbt = st.median(per("bt", r, "1") for r in rounds)
    print("  %s of each further run (T(300) - T(1)) / 299: hyperfine %.4f ms, benchtrack "
          "%.4f ms, ratio %.3f; one run alone: hyperfine %.1f ms, benchtrack %.1f ms"
          % (what, mhf * 1e3, mbt * 1e3, mbt / mhf if mhf > 0 else float("nan"),
             fhf * 1e3, fbt * 1e3))
PY
