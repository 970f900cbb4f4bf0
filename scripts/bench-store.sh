#!/usr/bin/env bash
# The store's own figures, measured rather than asserted in tests.
#
#   scripts/bench-store.sh BUILD_DIR
#
# 1. Runs the suite bench/store_bt.c with benchtrack itself:
#      BUILD/benchtrack run BUILD/store_bt --no-store --warmup-iterations 1 \
#          --measurement-iterations 5 --timeout 3600s --format table --out F
#    (reindex, list, show_latest, show_prefix at 1,000 and 10,000 runs of
#    100 results, put_concurrent (8 writer processes storing runs at once)
#    at 2,000 and 10,000, write_run and read_run of one run file, plain and
#    compressed; the first run generates the synthetic stores, run files
#    compressed as the store writes them, ~0.07 GB and ~0.66 GB plus the
#    index (BT_STORE_BENCH_FORM=plain: plain files, 0.33 and 3.3 GB),
#    once, under $BT_STORE_BENCH_DIR, default
#    ${TMPDIR:-/tmp}/benchtrack-store-bench; delete it to regenerate).
# 2. Times the CLI end to end on the 10,000-run store (the same cached
#    store, reindexed by step 1):
#      benchtrack list --store S > /dev/null
#      benchtrack list --store S --type attention > /dev/null
#      benchtrack show latest --store S > /dev/null
#    with hyperfine when it is installed, else a bash loop (REPS runs,
#    median).
# 3. Prints the figures against the targets of the issues: reindex at least
#    100,000 results/s, index.db at most 200 bytes per result, list under
#    100 ms (library) and 50 ms (CLI) at 10,000 runs; and how each cost
#    grows from 1,000 to 10,000 runs.
#
# Environment: BT_STORE_BENCH_DIR (see above), REPS (10), OUTDIR (a new
# temporary directory: run JSON, logs), SKIP_SUITE=1 (reuse OUTDIR/store.json
# from an earlier run and only time the CLI), FILTER (passed to --filter).
# Needs python3 for the JSON. A measurement tool, not a test: the files are
# read through the page cache (warm-cache figures), and a reindex of 10,000
# runs takes tens of seconds, so the whole script takes several minutes
# (plus ~3 minutes the first time, to generate the stores).
set -eu
. "$(dirname "$0")/bench-common.sh"

bench_start bench-store "$@"
REPS=${REPS:-10}
export BT_STORE_BENCH_DIR=${BT_STORE_BENCH_DIR:-${TMPDIR:-/tmp}/benchtrack-store-bench}
bench_need benchtrack store_bt
command -v python3 >/dev/null || { echo "$0: needs python3" >&2; exit 2; }

# --- 1. the suite -------------------------------------------------------------
if [ "${SKIP_SUITE:-0}" != 1 ]; then
	echo "== benchtrack run store_bt (stores under $BT_STORE_BENCH_DIR)"
	rc=0
	"$BUILD/benchtrack" run "$BUILD/store_bt" --no-store \
		--warmup-iterations 1 --measurement-iterations 5 --timeout 3600s \
		${FILTER:+--filter "$FILTER"} \
		--format table --out "$OUT/store.json" || rc=$?
	if [ $rc -ne 0 ] && [ $rc -ne 4 ]; then
		echo "$0: benchtrack run failed (exit $rc)" >&2
		exit $rc
	fi
fi
[ -f "$OUT/store.json" ] || { echo "$0: no $OUT/store.json" >&2; exit 3; }

# --- 2. the CLI, end to end ---------------------------------------------------
S="$BT_STORE_BENCH_DIR/runs10000-results100-v2"
: >"$OUT/cli.tsv"
if [ -f "$S/index.db" ]; then
	echo
	echo "== CLI on $S"
	names=(list list_type show_latest)
	cmds=("'$BUILD/benchtrack' list --store '$S'"
	      "'$BUILD/benchtrack' list --store '$S' --type attention"
	      "'$BUILD/benchtrack' show latest --store '$S'")
	for i in "${!names[@]}"; do
		n=${names[$i]} c=${cmds[$i]}
		if command -v hyperfine >/dev/null; then
			hyperfine -N --warmup 2 --runs "$REPS" --style basic \
				--export-json "$OUT/cli_$n.json" --output null "$c" \
				>"$OUT/cli_$n.log" 2>&1 ||
				{ cat "$OUT/cli_$n.log" >&2; exit 3; }
			python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print(sys.argv[2], r["median"], r["min"], r["max"])' \
				"$OUT/cli_$n.json" "$n" >>"$OUT/cli.tsv"
		else
			eval "$c" >/dev/null # warm up
			ts=()
			for ((k = 0; k < REPS; k++)); do
				t0=$(date +%s%N)
				eval "$c" >/dev/null
				t1=$(date +%s%N)
				ts+=("$(((t1 - t0) / 1000))")
			done
			printf '%s\n' "${ts[@]}" | sort -n | python3 -c 'import sys; v=[int(x)*1e-6 for x in sys.stdin]; print(sys.argv[1], v[len(v)//2], v[0], v[-1])' "$n" >>"$OUT/cli.tsv"
		fi
	done
	"$BUILD/benchtrack" list --store "$S" | head -3
else
	echo "$0: $S/index.db missing (the suite did not reindex the 10,000-run store); CLI not timed" >&2
fi

# --- 3. the figures -----------------------------------------------------------
echo
python3 - "$OUT/store.json" "$OUT/cli.tsv" <<'EOF'
import json, sys
run = json.load(open(sys.argv[1]))
cli = {}
for line in open(sys.argv[2]):
    n, med, lo, hi = line.split()
    cli[n] = (float(med), float(lo), float(hi))

def res(name, runs, **kw):
    for r in run["results"]:
        p = r["params"]
        if r["name"] == name and p.get("runs") == (None if runs is None else str(runs)) and \
           all(p.get(k) == v for k, v in kw.items()):
            return r
    return None

def med(r):
    if not r or r["status"] != "ok":
        return None
    return r["metrics"]["time"]["stats"]["median"]

def ctr(r, k):
    return r["counters"].get(k) if r and r["status"] == "ok" else None

def fmt_t(t):
    if t is None:
        return "-"
    return "%.3g s" % t if t >= 1 else "%.3g ms" % (t * 1e3)

def fmt_b(b):
    return "-" if b is None else "%.1f MiB" % (b / 2**20)

def growth(a, b):
    return "-" if a is None or b is None or a == 0 else "x%.1f" % (b / a)

print("== figures (medians; 'x' = cost at 10,000 runs / cost at 1,000 runs)")
rows = []
for label, name, kw in [("reindex", "reindex", {}),
                        ("list (all runs)", "list", {"filter": "none"}),
                        ("list --type", "list", {"filter": "type"}),
                        ("show latest", "show_latest", {}),
                        ("show <id prefix>", "show_prefix", {})]:
    a, b = res(name, 1000, **kw), res(name, 10000, **kw)
    rows.append((label, fmt_t(med(a)), fmt_t(med(b)), growth(med(a), med(b))))
w = max(len(r[0]) for r in rows)
print("%-*s  %12s  %12s  %7s" % (w, "case", "1,000 runs", "10,000 runs", "growth"))
for r in rows:
    print("%-*s  %12s  %12s  %7s" % ((w,) + r))

print()
print("== one run file of 100 results (write: text made, written durably; read: strict)")
for form in ("plain", "zstd", "gzip"):
    wr, rd = res("write_run", None, form=form), res("read_run", None, form=form)
    print("%-5s  file %s KB (text %s KB)  write %s  read %s"
          % (form, "%.0f" % (ctr(wr, "file_bytes") / 1e3) if ctr(wr, "file_bytes") else "-",
             "%.0f" % (ctr(wr, "json_bytes") / 1e3) if ctr(wr, "json_bytes") else "-",
             fmt_t(med(wr)), fmt_t(med(rd))))

print()
ok = True
for runs in (1000, 10000):
    r = res("reindex", runs)
    t = med(r)
    if t is None:
        print("reindex %6d runs: no result (%s)" % (runs, r and r.get("message")))
        ok = False
        continue
    n = float(r["params"]["results"]) * runs
    rate = n / t
    print("reindex %6d runs: %.0f results/s (%.0f runs/s)  target >= 100,000 results/s: %s"
          % (runs, rate, runs / t, "met" if rate >= 100000 else "MISSED"))
    ok &= rate >= 100000
    print("   store %s in %d files (%s allocated), index.db %s"
          % (fmt_b(ctr(r, "store_bytes")), ctr(r, "store_files") or 0,
             fmt_b(ctr(r, "store_disk_bytes")), fmt_b(ctr(r, "index_bytes"))))
    if ctr(r, "index_bytes"):
        per = ctr(r, "index_bytes") / n
        print("   index.db %.0f bytes per result  target <= 200: %s"
              % (per, "met" if per <= 200 else "MISSED"))
        ok &= per <= 200
t = med(res("list", 10000, filter="none"))
if t is not None:
    print("list (library) 10,000 runs: %s  target < 100 ms: %s"
          % (fmt_t(t), "met" if t < 0.1 else "MISSED"))
    ok &= t < 0.1
for n, label in (("list", "benchtrack list"), ("list_type", "benchtrack list --type attention"),
                 ("show_latest", "benchtrack show latest")):
    if n in cli:
        m, lo, hi = cli[n]
        extra = ""
        if n == "list":
            extra = "  target < 50 ms: %s" % ("met" if m < 0.05 else "MISSED")
            ok &= m < 0.05
        print("%s (CLI, 10,000 runs): median %s (min %s, max %s)%s"
              % (label, fmt_t(m), fmt_t(lo), fmt_t(hi), extra))
for runs in (2000, 10000):
    r = res("put_concurrent", runs, writers="8")
    t = med(r)
    if t is not None:
        n = float(r["params"]["writers"]) * 4
        print("8 writers storing at once, %6d runs: %.1f puts/s (%s for %d puts)"
              % (runs, n / t, fmt_t(t), n))
print()
print("all targets met" if ok else "a target was MISSED")
EOF
echo "(run JSON, logs: $OUT)"
