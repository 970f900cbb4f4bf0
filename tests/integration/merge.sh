#!/usr/bin/env bash
# benchtrack merge: runs of one suite from three "machines" (jobs) pooled
# into one run that keeps each process's median, stored or written; check
# between two merged sets applies the between-process test and says so;
# runs of other suites or commits are refused unless --force, the same
# run twice always; usage errors. The verdicts asserted come from run
# files written here with known values, never from timings.
set -euo pipefail
. "${BASH_SOURCE%/*}/lib/common.sh" merge "$@"
spin=$build/suite_spin
need_built "$bt" "$spin"
py=/usr/bin/python3
flags=(--measurement-iterations 4 --warmup-iterations 1 --min-sample-time 0.5ms -q
	--no-store --format none)

# --- three jobs of the real suite, one of them run --repetitions 2 -------
expect 0 "$bt" run "$spin" "${flags[@]}" --out "$tmp/j1.json"
expect 0 "$bt" run "$spin" "${flags[@]}" --out "$tmp/j2.json"
expect 0 "$bt" run "$spin" "${flags[@]}" --repetitions 2 --out "$tmp/j3.json"
# as if from other machines: another host and fingerprint
$py - "$tmp/j2.json" "$tmp/j3.json" <<'PY'
import json, sys
for k, p in enumerate(sys.argv[1:]):
    d = json.load(open(p))
    d["machine"]["name"] = "runner-%d" % (k + 2)
    d["machine"]["fingerprint"] = "%016x" % (0xabc + k)
    for r in d["results"]:
        del r["series_key"]  # the key of the other machine, computed on reading
    json.dump(d, open(p, "w"))
PY
expect 0 "$bt" merge "$tmp/j1.json" "$tmp/j2.json" "$tmp/j3.json" --out "$tmp/m.json"
grep -q "^merge: 3 runs, 4 processes pooled into run " "$tmp/err" || fail "merge summary: $(cat "$tmp/err")"
grep -q "'$tmp/j2.json' is from another machine (runner-2)" "$tmp/err" ||
	fail "merge does not note the other machine: $(cat "$tmp/err")"
grep -q "^wrote $tmp/m.json" "$tmp/err" || fail "merge --out: $(cat "$tmp/err")"
$py - "$tmp/m.json" "$tmp/j1.json" "$tmp/j2.json" "$tmp/j3.json" <<'PY' || fail "the merged run file"
import json, sys
m, j1, j2, j3 = (json.load(open(p)) for p in sys.argv[1:])
assert m["run_id"] not in (j1["run_id"], j2["run_id"], j3["run_id"]) and len(m["run_id"]) == 32
assert m["timestamp"] == min(j["timestamp"] for j in (j1, j2, j3)), m["timestamp"]
assert m["machine"]["fingerprint"] == j1["machine"]["fingerprint"]
assert m["suite"] == j1["suite"] and m["git"] == j1["git"]
assert len(m["results"]) == len(j1["results"]) == 2
for i, r in enumerate(m["results"]):
    t = r["metrics"]["time"]
    # 1 + 1 + 2 processes of 4 samples: j3 brings the medians of its two
    med = t["processes"]["medians"]
    assert len(med) == 4 and len(t["samples"]) == 16, (len(med), len(t["samples"]))
    assert t["stats"]["n"] == 16
    assert med[0] == j1["results"][i]["metrics"]["time"]["stats"]["median"]
    assert med[1] == j2["results"][i]["metrics"]["time"]["stats"]["median"]
    assert med[2:] == j3["results"][i]["metrics"]["time"]["processes"]["medians"]
    assert t["samples"][:4] == j1["results"][i]["metrics"]["time"]["samples"]
PY
# the first run names the cases: one of j1's left out, said
expect 0 "$bt" run "$spin" "${flags[@]}" --filter 'k=1$' --out "$tmp/k1.json"
expect 0 "$bt" merge "$tmp/k1.json" "$tmp/j1.json" --out "$tmp/mk.json" -q
grep -q "warning: merge: $tmp/j1.json: 1 case not in '$tmp/k1.json' left out" "$tmp/err" ||
	fail "no warning on the case left out: $(cat "$tmp/err")"
$py -c "import json,sys; d=json.load(open(sys.argv[1])); assert len(d['results']) == 1" "$tmp/mk.json" ||
	fail "the merged run has other cases than the first"
# stdout, and the store (without --out, or --out with --store)
expect 0 "$bt" merge "$tmp/j1.json" "$tmp/j2.json" --out - -q
[ ! -s "$tmp/err" ] || fail "merge -q printed: $(cat "$tmp/err")"
$py -c "import json,sys; d=json.load(open(sys.argv[1])); assert len(d['results'][0]['metrics']['time']['processes']['medians']) == 2" "$tmp/out" ||
	fail "merge --out -: $(head -c 300 "$tmp/out")"
expect 0 "$bt" merge "$tmp/j1.json" "$tmp/j2.json" "$tmp/j3.json" --store "$tmp/st"
grep -q "^stored $tmp/st/" "$tmp/err" || fail "merge did not store: $(cat "$tmp/err")"
expect 0 "$bt" list --store "$tmp/st" --format json
[ "$(grep -c '"run_id"' "$tmp/out")" -eq 1 ] || fail "the store holds other than the merged run"
expect 0 "$bt" show latest --store "$tmp/st"
grep -q '^spin' "$tmp/out" || fail "show of the merged run: $(cat "$tmp/out")"
# a stored run merges with files by its reference
expect 0 "$bt" merge latest "$tmp/j1.json" --store "$tmp/st" --out "$tmp/m2.json" -q
$py -c "import json,sys; d=json.load(open(sys.argv[1])); assert len(d['results'][0]['metrics']['time']['processes']['medians']) == 5" "$tmp/m2.json" ||
	fail "merge of a stored run and a file"

# --- check between merged sets: the between-process test, said ----------
# mk FILE SLOW SPREAD: one process's run of 2 cases, 8 samples of 1 ms x
# SLOW (1% apart), the whole process off by SPREAD (a process's luck)
mk() {
	$py - "$@" <<'PY'
import json, sys
path, slow, spread = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
res = []
for name in ("a", "b"):
    s = [1e-3 * slow * (1 + spread) * (1 + 0.01 * (i / 8 - 0.5)) for i in range(8)]
    res.append({"name": name, "status": "ok", "metrics": {"time": {"unit": "s", "samples": s}}})
json.dump({"schema": "benchtrack.run/1", "run_id": "%032x" % abs(hash(path)), "suite": "s",
           "timestamp": "2026-12-01T00:00:00Z", "git": {"commit": "a" * 40},
           "machine": {"name": "m", "fingerprint": "00000000000000f1"},
           "results": res}, open(path, "w"))
PY
}
# A on three machines, B 20% slower on three machines, each within 1%
mk "$tmp/a1.json" 1.0 0.00; mk "$tmp/a2.json" 1.0 0.01; mk "$tmp/a3.json" 1.0 -0.01
mk "$tmp/b1.json" 1.2 0.00; mk "$tmp/b2.json" 1.2 0.01; mk "$tmp/b3.json" 1.2 -0.01
expect 0 "$bt" merge "$tmp/a1.json" "$tmp/a2.json" "$tmp/a3.json" --out "$tmp/a.json"
expect 0 "$bt" merge "$tmp/b1.json" "$tmp/b2.json" "$tmp/b3.json" --out "$tmp/b.json"
expect 1 "$bt" check --baseline "$tmp/a.json" --run "$tmp/b.json"
[ "$(grep -c '  regressed  ' "$tmp/out")" -eq 2 ] || fail "check merged: $(cat "$tmp/out")"
grep -q '^between-process test: every series (at least 3 processes in A, 3 in B)' "$tmp/out" ||
	fail "check does not say it tested between processes: $(cat "$tmp/out")"
expect 1 "$bt" check --baseline "$tmp/a.json" --run "$tmp/b.json" --format json
grep -q '"test": "samples+processes"' "$tmp/out" || fail "check json: test"
grep -q '"processes_b": 3' "$tmp/out" || fail "check json: processes_b"
# B's machines disagree by up to 22%: every sample of B is slower than
# every one of A, but three processes cannot tell: noisy, between processes
mk "$tmp/c1.json" 1.2 0.00; mk "$tmp/c2.json" 1.2 0.12; mk "$tmp/c3.json" 1.2 -0.10
expect 0 "$bt" merge "$tmp/c1.json" "$tmp/c2.json" "$tmp/c3.json" --out "$tmp/c.json" -q
expect 0 "$bt" check --baseline "$tmp/a.json" --run "$tmp/c.json"
grep -q 'noisy    between processes' "$tmp/out" || fail "check spread: $(cat "$tmp/out")"
# unmerged, the same samples are one process a side: the sample test alone
expect 1 "$bt" check --baseline "$tmp/a1.json" --run "$tmp/b1.json"
grep -q '^sample test only' "$tmp/out" || fail "check 1x1: $(cat "$tmp/out")"

# --- refusals -----------------------------------------------------------
$py - "$tmp/a3.json" "$tmp/x_suite.json" "$tmp/x_commit.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["suite"] = "other"; d["run_id"] = "1" * 32
json.dump(d, open(sys.argv[2], "w"))
d = json.load(open(sys.argv[1]))
d["git"]["commit"] = "b" * 40; d["run_id"] = "2" * 32
json.dump(d, open(sys.argv[3], "w"))
PY
expect 3 "$bt" merge "$tmp/a1.json" "$tmp/x_suite.json" --out "$tmp/x.json"
grep -q "merge: '$tmp/x_suite.json' is of suite 'other', '$tmp/a1.json' of suite 's'" "$tmp/err" ||
	fail "suites: $(cat "$tmp/err")"
grep -q "pass --force to merge them anyway" "$tmp/err" || fail "no --force hint: $(cat "$tmp/err")"
[ ! -e "$tmp/x.json" ] || fail "a refused merge wrote its file"
expect 3 "$bt" merge "$tmp/a1.json" "$tmp/a2.json" "$tmp/x_commit.json" --out "$tmp/x.json"
grep -q "is of commit bbbbbbbbbbbb, '$tmp/a1.json' of commit aaaaaaaaaaaa" "$tmp/err" ||
	fail "commits: $(cat "$tmp/err")"
expect 0 "$bt" merge "$tmp/a1.json" "$tmp/x_commit.json" "$tmp/x_suite.json" --force --out "$tmp/x.json"
grep -q "warning: merge: .* (merged: --force)" "$tmp/err" || fail "--force: $(cat "$tmp/err")"
[ -s "$tmp/x.json" ] || fail "--force wrote nothing"
expect 3 "$bt" merge "$tmp/a1.json" "$tmp/a1.json" --out "$tmp/y.json"
grep -q "are the same run" "$tmp/err" || fail "same run: $(cat "$tmp/err")"
expect 3 "$bt" merge "$tmp/a1.json" "$tmp/nonexistent.json" --out "$tmp/y.json"
grep -q "nonexistent.json" "$tmp/err" || fail "missing run: $(cat "$tmp/err")"
[ ! -e "$tmp/y.json" ] || fail "a failed merge wrote its file"
# usage
expect 2 "$bt" merge "$tmp/a1.json"
grep -q "merge: expected two or more runs" "$tmp/err" || fail "one run: $(cat "$tmp/err")"
expect 2 "$bt" merge "$tmp/a1.json" "$tmp/a2.json" --bogus
expect 2 "$bt" merge "$tmp/a1.json" "$tmp/a2.json" --out ""
echo "merge: ok"
