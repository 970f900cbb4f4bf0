#!/usr/bin/env bash
# benchtrack vs Google Benchmark on the same kernels (bench/kernels.c).
#
#   scripts/bench-vs-gbench.sh BUILD_DIR
#
# Runs REPS (default 5) fresh processes of each tool at its default
# settings, interleaved (the order rotates each round, so slow drift of the
# machine hits every tool alike):
#   bt        BUILD/kernels_bt --format json --out F        (a fork per case)
#   bt-noiso  BUILD/kernels_bt --no-isolate ...             (NOISO=0 drops it)
#   gb        BUILD/kernels_gbench --benchmark_format=json --benchmark_out=F
#   bt-x      BUILD/kernels_bt $BT_EXTRA ...                (only with BT_EXTRA,
#             to try other settings, e.g. BT_EXTRA="--measurement-iterations 100")
# and times each process (wall clock). Then prints per kernel: the median of
# the per-process medians of each tool (Google Benchmark reports one figure
# per process, the mean over its iterations: that figure is its "median"),
# the ratio to Google Benchmark, and the CV (sample std / mean) of the
# per-process figures across the REPS processes; then the wall time of each
# tool. VERBOSE=1 also prints every per-process figure.
#
# Environment: REPS (5), NOISO (1), BT_EXTRA (unset), OUTDIR (a new temporary directory; the
# JSON files and logs stay there), VERBOSE (0).
# Needs python3 for the JSON. A measurement tool, not a test.
set -eu
. "$(dirname "$0")/bench-common.sh"

bench_start bench-vs-gbench "$@"
REPS=${REPS:-5}
NOISO=${NOISO:-1}
VERBOSE=${VERBOSE:-0}
bench_need kernels_bt kernels_gbench
command -v python3 >/dev/null || { echo "$0: needs python3" >&2; exit 2; }

tools="bt gb"
[ "$NOISO" = 1 ] && tools="bt bt-noiso gb"
BT_EXTRA=${BT_EXTRA:-}
[ -n "$BT_EXTRA" ] && tools="$tools bt-x"

now() { date +%s.%N; }

# run_one TOOL REP: one fresh process; appends "TOOL REP SECONDS RC" to wall.tsv
run_one() {
	local tool=$1 rep=$2 t0 t1 rc=0
	local json="$OUT/$tool.$rep.json" log="$OUT/$tool.$rep.log"
	t0=$(now)
	case $tool in
	bt)       "$BUILD/kernels_bt" --format json --out "$json" >"$log" 2>&1 || rc=$? ;;
	bt-noiso) "$BUILD/kernels_bt" --no-isolate --format json --out "$json" >"$log" 2>&1 || rc=$? ;;
	bt-x)     "$BUILD/kernels_bt" $BT_EXTRA --format json --out "$json" >"$log" 2>&1 || rc=$? ;;
	gb)       "$BUILD/kernels_gbench" --benchmark_format=json \
			--benchmark_out="$json" >"$log" 2>&1 || rc=$? ;;
	esac
	t1=$(now)
	echo "$tool $rep $(awk "BEGIN { printf \"%.4f\", $t1 - $t0 }") $rc" >>"$OUT/wall.tsv"
	[ "$rc" = 0 ] || echo "$0: $tool round $rep exited $rc (see $log)" >&2
	printf '  round %d %-9s %6.2f s\n' "$rep" "$tool" "$(tail -n1 "$OUT/wall.tsv" | cut -d' ' -f3)" >&2
}

: >"$OUT/wall.tsv"
echo "bench-vs-gbench: $REPS rounds of: $tools (files in $OUT)" >&2
[ -n "$BT_EXTRA" ] && echo "bt-x: kernels_bt $BT_EXTRA" >&2
set -- $tools
ntools=$#
for rep in $(seq 1 "$REPS"); do
	# rotate the order by one tool per round
	order=""
	for k in $(seq 0 $((ntools - 1))); do
		idx=$(( (k + rep - 1) % ntools + 1 ))
		order="$order ${!idx}"
	done
	for tool in $order; do
		run_one "$tool" "$rep"
	done
done

OUT="$OUT" REPS="$REPS" TOOLS="$tools" VERBOSE="$VERBOSE" python3 - <<'EOF'
import json, os, statistics as st

out, reps, tools = os.environ["OUT"], int(os.environ["REPS"]), os.environ["TOOLS"].split()
unit_s = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}

def bt_medians(path):
	"""kernel key -> median time per op (s) of one benchtrack process."""
	d = json.load(open(path))
	res = {}
	for r in d["results"]:
		if r["status"] != "ok":
			continue
		p = r["params"]
		key = r["name"] + "/" + ",".join(str(p[k]) for k in sorted(p))
		res[key] = r["metrics"]["time"]["stats"]["median"]
	return res

def gb_medians(path):
	"""kernel key -> real time per op (s) of one Google Benchmark process
	(name gb_KERNEL/ARG -> KERNEL/ARG)."""
	d = json.load(open(path))
	res = {}
	for b in d["benchmarks"]:
		if b.get("run_type", "iteration") != "iteration" or b.get("error_occurred"):
			continue
		name = b["name"]
		if name.startswith("gb_"):
			name = name[3:]
		res[name] = b["real_time"] * unit_s[b["time_unit"]]
	return res

per = {t: {} for t in tools}   # tool -> key -> [per-process figure]
for t in tools:
	for rep in range(1, reps + 1):
		path = os.path.join(out, "%s.%d.json" % (t, rep))
		try:
			m = (gb_medians if t == "gb" else bt_medians)(path)
		except (OSError, ValueError, KeyError) as e:
			print("warning: %s: %s" % (path, e))
			continue
		for k, v in m.items():
			per[t].setdefault(k, []).append(v)

def fmt_t(s):
	for u, f in (("s", 1), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9)):
		if s >= f:
			return "%.4g %s" % (s / f, u)
	return "%.4g ns" % (s / 1e-9)

def cv(v):
	return st.stdev(v) / st.mean(v) if len(v) > 1 and st.mean(v) > 0 else float("nan")

keys = sorted(set().union(*[set(per[t]) for t in tools]),
              key=lambda k: st.median(per["gb"].get(k) or per["bt"].get(k) or [0]))
cols = [t for t in tools]
hdr = "%-20s" % "kernel" + "".join("%13s" % ("med " + t) for t in cols)
hdr += "".join("%12s" % (t + "/gb") for t in cols if t != "gb")
hdr += "".join("%12s" % ("CV " + t) for t in cols)
print()
print("Median of per-process medians (%d processes each), ratio to Google Benchmark, CV across processes" % reps)
print(hdr)
print("-" * len(hdr))
agree, cvok = [], []
for k in keys:
	med = {t: st.median(per[t][k]) if per[t].get(k) else float("nan") for t in cols}
	c = {t: cv(per[t].get(k, [])) for t in cols}
	line = "%-20s" % k + "".join("%13s" % fmt_t(med[t]) for t in cols)
	line += "".join("%12.3f" % (med[t] / med["gb"]) for t in cols if t != "gb")
	line += "".join("%11.2f%%" % (100 * c[t]) for t in cols)
	print(line)
	agree.append(abs(med["bt"] / med["gb"] - 1) <= 0.03)
	cvok.append(c["bt"] <= c["gb"])

walls = {t: [] for t in tools}
for line in open(os.path.join(out, "wall.tsv")):
	t, rep, s, rc = line.split()
	walls[t].append(float(s))
print()
print("Wall time per process (s)")
print("%-10s %8s %8s %8s %8s %8s" % ("tool", "total", "mean", "median", "min", "max"))
for t in tools:
	w = walls[t]
	print("%-10s %8.2f %8.2f %8.2f %8.2f %8.2f" % (t, sum(w), st.mean(w), st.median(w), min(w), max(w)))

print()
print("targets (bt vs gb): medians within 3%%: %d/%d kernels; CV no worse: %d/%d kernels; wall no more: %s"
      % (sum(agree), len(agree), sum(cvok), len(cvok),
         "yes" if sum(walls["bt"]) <= sum(walls["gb"]) else "no"))

if os.environ.get("VERBOSE") == "1":
	print()
	print("Per-process figures")
	for k in keys:
		for t in cols:
			print("%-20s %-9s %s" % (k, t, "  ".join(fmt_t(v) for v in per[t].get(k, []))))
EOF
