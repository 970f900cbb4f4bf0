#!/usr/bin/env bash
# Runs over several processes and the gates: `run --repetitions`
# records each metric's per-process medians in the run file; check and
# compare apply the between-process test when both sides have 3 or more
# processes and say which test they applied; a noisy verdict says why and
# what would decide it; gates warn per noisy series and fail on one with
# --fail-on-noisy (check, compare, ab). No verdict asserted depends on
# timing: they come from run files written by hand.
set -euo pipefail
. "${BASH_SOURCE%/*}/lib/common.sh" processes "$@"
spin=$build/suite_spin
need_built "$bt" "$spin"
py=/usr/bin/python3
flags=(--measurement-iterations 6 --warmup-iterations 1 --min-sample-time 0.5ms -q)

# --- the run file: medians of 3 processes, none for one -----------------
expect 0 "$bt" run "$spin" --no-store --repetitions 3 "${flags[@]}" --out "$tmp/r3a.json" --format none
expect 0 "$bt" run "$spin" --no-store --repetitions 3 "${flags[@]}" --out "$tmp/r3b.json" --format none
expect 0 "$bt" run "$spin" --no-store "${flags[@]}" --out "$tmp/r1.json" --format none
$py - "$tmp/r3a.json" "$tmp/r1.json" <<'PY' || fail "per-process medians in the run file"
import json, sys
three = json.load(open(sys.argv[1]))
for r in three["results"]:
    m = r["metrics"]["time"]
    med = m["processes"]["medians"]
    assert len(med) == 3 and len(m["samples"]) == 18, (len(med), len(m["samples"]))
    assert all(x > 0 for x in med)
one = json.load(open(sys.argv[2]))
assert all("processes" not in r["metrics"]["time"] for r in one["results"])
PY

# --- which test: between processes with 3+ a side, else samples ----------
# These compare real runs of one build: whether one case came out
# "regressed" is the machine's doing (under ASan at load ~10 a 1x3 check
# once did, in CI), so they are `judged` (exit 0 or 1) and the assertions
# are on what the output says. Verdicts and exits are asserted below, on
# run files written by hand.
judged "$bt" compare "$tmp/r3a.json" "$tmp/r3b.json" --format json
grep -q '"test": "samples+processes"' "$tmp/out" || fail "compare 3x3: no between-process test"
grep -q '"processes_a": 3' "$tmp/out" || fail "compare 3x3: processes_a"
judged "$bt" compare "$tmp/r3a.json" "$tmp/r3b.json"
grep -q '^between-process test: every series (at least 3 processes in A, 3 in B)' "$tmp/out" ||
	fail "compare 3x3 does not say it tested between processes: $(cat "$tmp/out")"
judged "$bt" check --baseline "$tmp/r1.json" --run "$tmp/r3b.json"
grep -q '^sample test only' "$tmp/out" || fail "check 1x3 does not say sample test only"
judged "$bt" check --baseline "$tmp/r1.json" --run "$tmp/r3b.json" --format json
grep -q '"test": "samples"' "$tmp/out" || fail "check 1x3 json: test"

# --- hand-written runs: verdicts that do not depend on this machine ------
# mk FILE SLOW N_SAMPLES PROC_SPREAD N_PROCS: two cases, samples 1 ms x
# SLOW with a 1% spread, per-process medians spread by PROC_SPREAD
mk() {
	$py - "$@" <<'PY'
import json, sys
path, slow, n, spread, procs = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
res = []
for name in ("a", "b"):
    s = [1e-3 * slow * (1 + 0.01 * (i / n - 0.5)) for i in range(n)]
    t = {"unit": "s", "samples": s}
    if procs:
        t["processes"] = {"medians": [1e-3 * slow * (1 + spread * (k - (procs - 1) / 2) / procs) for k in range(procs)]}
    res.append({"name": name, "status": "ok", "metrics": {"time": t}})
json.dump({"schema": "benchtrack.run/1", "run_id": path[-8:], "suite": "s",
           "timestamp": "2026-12-01T00:00:00Z", "results": res}, open(path, "w"))
PY
}
mk "$tmp/pa.json" 1.0 20 0.4 4
mk "$tmp/pb.json" 1.2 20 0.4 4
# 20% slower on the samples, but the processes disagree by 40%: noisy,
# between processes; the table's "why" and the note say so
expect 0 "$bt" check --baseline "$tmp/pa.json" --run "$tmp/pb.json"
grep -q 'noisy    between processes' "$tmp/out" || fail "no why column: $(cat "$tmp/out")"
grep -q '^noisy (between processes): 2 series: .*would be decided by more processes a side (ab --blocks N' "$tmp/out" ||
	fail "no note on the noisy series: $(cat "$tmp/out")"
[ "$(grep -c 'check: a: noisy, not judged\|check: b: noisy, not judged' "$tmp/err")" -eq 2 ] ||
	fail "no warning per noisy series: $(cat "$tmp/err")"
expect 1 "$bt" check --baseline "$tmp/pa.json" --run "$tmp/pb.json" --fail-on-noisy
grep -q 'fail-on-noisy: the gate fails' "$tmp/err" || fail "--fail-on-noisy not said"
# the CI summary's headline does not say "no regressions" alone
expect 0 "$bt" check --baseline "$tmp/pa.json" --run "$tmp/pb.json" --summary "$tmp/summary.md"
grep -q '^## Benchmarks: no regressions, 2 noisy (not judged)$' "$tmp/summary.md" ||
	fail "summary headline hides the noisy series: $(head -3 "$tmp/summary.md")"
expect 1 "$bt" compare "$tmp/pa.json" "$tmp/pb.json" --fail-on-noisy --format json
$py - "$tmp/out" <<'PY' || fail "compare json: noisy reason"
import json, sys
rows = json.load(open(sys.argv[1]))["rows"]
assert all(r["verdict"] == "noisy" and r["noisy_reason"] == "between_processes" for r in rows), rows
assert all("--blocks" in r["decide"] and r["p_processes"] > 0.01 for r in rows), rows
PY
# the same samples with agreeing processes: regressed
mk "$tmp/qa.json" 1.0 20 0.01 4
mk "$tmp/qb.json" 1.2 20 0.01 4
expect 1 "$bt" check --baseline "$tmp/qa.json" --run "$tmp/qb.json"
grep -q 'regressed' "$tmp/out" || fail "no regression"
[ ! -s "$tmp/err" ] || fail "warnings without noisy series: $(cat "$tmp/err")"
# too few samples: noisy, few samples, what decides it
mk "$tmp/fa.json" 1.0 4 0 0
mk "$tmp/fb.json" 1.0 4 0 0
expect 0 "$bt" compare "$tmp/fa.json" "$tmp/fb.json"
grep -q 'few samples' "$tmp/out" || fail "few samples not said"
grep -q 'would be decided by more samples a side (--measurement-iterations)' "$tmp/err" ||
	fail "few samples: no advice: $(cat "$tmp/err")"

# --- ab: 1 block of 2 samples a process is too few: noisy --------------
expect 0 "$bt" ab "$spin" "$spin" --blocks 1 --measurement-iterations 2 --warmup-iterations 0 --min-sample-time 0.5ms -q
grep -q 'ab: spin/k=1: noisy, not judged' "$tmp/err" || fail "ab: no warning per series: $(cat "$tmp/err")"
expect 1 "$bt" ab "$spin" "$spin" --blocks 1 --measurement-iterations 2 --warmup-iterations 0 --min-sample-time 0.5ms -q --fail-on-noisy
# 2 blocks: 4 processes a side, the between-process test, said so
judged "$bt" ab "$spin" "$spin" --blocks 2 --measurement-iterations 2 --warmup-iterations 0 --min-sample-time 0.5ms -q
grep -q '^between-process test: every series (at least 4 processes in A, 4 in B)' "$tmp/out" ||
	fail "ab: between-process test not said: $(cat "$tmp/out")"
# the default: 3 blocks, 6 processes a side (docs/cmd/ab.md, "Measured")
judged "$bt" ab "$spin" "$spin" --measurement-iterations 2 --warmup-iterations 0 --min-sample-time 0.5ms -q --format json
$py - "$tmp/out" <<'PY' || fail "ab's default blocks"
import json, sys
rows = json.load(open(sys.argv[1]))["rows"]
assert all(r["processes_a"] == 6 and r["processes_b"] == 6 and r["n_a"] == 12 for r in rows), rows
PY
echo "processes: ok"
