#!/usr/bin/env bash
# A slowdown longer than a short excursion that was fixed later (the
# rule: a regression whose level came back is shown as reverted, with both
# commits, and is not an open regression). The store is written from
# fixed numbers (Google Benchmark files with 5 repetitions, imported one
# commit at a time; no timing): 60 commits, series BM_fixed 20% slower at
# commits 20..31 and back at 32, BM_half 20% slower from 20 and only half
# back from 32 (still open, partly fixed), BM_open 20% slower from 40 on.
# A PostgreSQL store of the same runs (pushed) gives the same answers.
set -euo pipefail
. "${BASH_SOURCE%/*}/lib/common.sh" fixed_regression "$@"
. "${BASH_SOURCE%/*}/lib/pg.sh"
need_built "$bt"
store=$tmp/store
commit() { printf 'c%02d%037d' "$1" 0; }

/usr/bin/python3 - "$tmp" <<'PY' || fail "writing the result files"
import json, random, sys
tmp = sys.argv[1]
rnd = random.Random(20261204)
def level(name, i):
    if name == "BM_fixed":
        return 1.2 if 20 <= i < 32 else 1.0
    if name == "BM_half":
        return 1.2 if 20 <= i < 32 else 1.1 if i >= 32 else 1.0
    return 1.2 if i >= 40 else 1.0
for i in range(60):
    benches = []
    for name in ("BM_fixed", "BM_half", "BM_open"):
        for r in range(5):
            t = level(name, i) * (1 + 0.004 * rnd.gauss(0, 1))
            benches.append({"name": name, "run_name": name, "run_type": "iteration",
                            "repetitions": 5, "repetition_index": r, "threads": 1,
                            "iterations": 1000, "real_time": t, "cpu_time": t,
                            "time_unit": "ms"})
    ctx = {"date": "2026-11-%02dT%02d:00:00+00:00" % (1 + i // 24, i % 24),
           "host_name": "m1", "executable": "./bench", "num_cpus": 2,
           "mhz_per_cpu": 1000, "cpu_scaling_enabled": False, "caches": [],
           "library_build_type": "release"}
    json.dump({"context": ctx, "benchmarks": benches}, open("%s/g%02d.json" % (tmp, i), "w"))
PY
for i in $(seq 0 59); do
	f=$(printf '%s/g%02d.json' "$tmp" "$i")
	expect 0 "$bt" import "$f" --format gbench --commit "$(commit "$i")" --branch main \
		--suite demo --type nightly --store "$store"
done
c20=$(commit 20) c32=$(commit 32) c40=$(commit 40)

# regressions: the fixed one is reverted with both commits, not counted
expect 0 "$bt" regressions --store "$store"
out=$tmp/out
grep -q "^2 regressions in 3 series, 1 reverted$" "$out" || fail "count: $(tail -1 "$out")"
grep -q "${c20:0:12}  reverted (slower)  BM_fixed" "$out" || fail "no reverted BM_fixed: $(cat "$out")"
grep -q "slower for 12 points (.*), fixed at point 32 (commit ${c32:0:12}, 2026-11-02): back to" "$out" ||
	fail "BM_fixed: no fix commit: $(cat "$out")"
grep -q "regressed  BM_fixed" "$out" && fail "BM_fixed still a regression: $(cat "$out")"
grep -q "${c20:0:12}  regressed  BM_half" "$out" || fail "BM_half not open: $(cat "$out")"
grep -q "partly fixed: back to .* since point 32 (commit ${c32:0:12}, 2026-11-02), [45][0-9]% of the change undone; still open" "$out" ||
	fail "BM_half: no partial fix: $(cat "$out")"
grep -q "${c40:0:12}  regressed  BM_open" "$out" || fail "BM_open not open: $(cat "$out")"
cp "$out" "$tmp/first"
# the same from the cache
expect 0 "$bt" regressions --store "$store"
cmp -s "$tmp/first" "$out" || fail "cached answer differs: $(diff "$tmp/first" "$out")"

# --format json: the same words as a short excursion's
expect 0 "$bt" regressions --store "$store" --format json
/usr/bin/python3 - "$out" "$c20" "$c32" <<'PY' || fail "regressions json"
import json, sys
d = json.load(open(sys.argv[1]))
c20, c32 = sys.argv[2:4]
assert (d["found"], d["reverted"], d["pending"]) == (2, 1, 0), d
by = {e["name"]: e for e in d["regressions"]}
f = by["BM_fixed"]
assert f["status"] == "reverted" and f["kind"] == "excursion", f
assert f["commit"] == c20 and f["back"]["commit"] == c32 and f["back"]["index"] == 32, f
assert f["verdict"] == "regressed" and f["points_to_confirm"] == 0, f
assert "fixed at point 32" in f["explanation"] and f["evidence"]["rank_p"] is not None, f
h = by["BM_half"]
assert h["status"] == "confirmed" and h["recovered"]["commit"] == c32, h
assert 0.4 < h["recovered"]["fraction"] < 0.6, h
assert "partly fixed" in h["explanation"], h
assert by["BM_open"]["recovered"] is None, by["BM_open"]
PY

# history: the fixed one is a reverted event, its edges no change points
expect 0 "$bt" history --filter name=BM_fixed --store "$store"
grep -q "^no change points$" "$tmp/out" || fail "history: $(cat "$tmp/out")"
grep -q "  reverted: point 20  commit ${c20:0:12}" "$tmp/out" || fail "history: $(cat "$tmp/out")"
grep -q "fixed at point 32 (commit ${c32:0:12}" "$tmp/out" || fail "history: $(cat "$tmp/out")"
expect 0 "$bt" history --filter name=BM_half --store "$store" --format json
/usr/bin/python3 - "$tmp/out" "$c32" <<'PY' || fail "history json"
import json, sys
s = json.load(open(sys.argv[1]))["series"][0]
cp = [c for c in s["change_points"] if c["verdict"] == "regressed"]
assert len(cp) == 1 and cp[0]["recovered"]["commit"] == sys.argv[2], cp
assert s["reverted"] == [], s["reverted"]
PY
# --otava-compat: the change points alone, nothing paired
expect 0 "$bt" history --filter name=BM_fixed --store "$store" --otava-compat
grep -q "^change points (2):" "$tmp/out" || fail "otava-compat: $(cat "$tmp/out")"
grep -q "reverted" "$tmp/out" && fail "otava-compat paired: $(cat "$tmp/out")"

# the dashboard: not among the open regressions, listed as reverted
expect 0 "$bt" dashboard --store "$store" --out "$tmp/dash"
/usr/bin/python3 - "$tmp/dash/data/index.js" "$c32" <<'PY' || fail "dashboard"
import json, re, sys
text = open(sys.argv[1]).read()
d = json.loads(text[text.index("{"):text.rindex("}") + 1])
# time and cpu_time (the file has both): the same picture
regs = sorted(r["name"] for r in d["regs"])
assert regs == ["BM_half", "BM_half", "BM_open", "BM_open"], regs
ev = [e for e in d["events"] if e["name"] == "BM_fixed" and e.get("metric", "time") == "time"]
assert len(ev) == 1 and ev[0]["status"] == "reverted" and ev[0]["backCommit"] == sys.argv[2], ev
# the partly fixed one says where and how much
half = [r for r in d["regs"] if r["name"] == "BM_half"]
assert all(r["backCommit"] == sys.argv[2] and 0.4 < r["recovered"] < 0.6 for r in half), half
assert all("recovered" not in r for r in d["regs"] if r["name"] == "BM_open"), d["regs"]
PY
# (but the time it was generated)
unstamp() { sed 's/"generated":"[^"]*"//' "$1"; }
unstamp "$tmp/dash/data/index.js" > "$tmp/index.first"
# a rebuild without the last build's state keeps the series files and
# reads their change points back: the same overview
rm -f "$tmp/dash/data/.state"
expect 0 "$bt" dashboard --store "$store" --out "$tmp/dash"
unstamp "$tmp/dash/data/index.js" > "$tmp/index.second"
cmp -s "$tmp/index.first" "$tmp/index.second" ||
	fail "rebuilt overview differs: $(diff "$tmp/index.first" "$tmp/index.second" | head -5)"
# a PostgreSQL store of the same runs: the same answers
pg_start
export PGPASSWORD=$PG_PASSWORD
expect 0 "$bt" push --to "$PG_URL_NOPW" --store "$store"
for args in "regressions" "regressions --format json" "regressions --all" \
	"history --filter name=BM_fixed" "history --filter name=BM_half --format json"; do
	# shellcheck disable=SC2086
	expect 0 "$bt" $args --store "$store"
	mv "$tmp/out" "$tmp/out.dir"
	# shellcheck disable=SC2086
	expect 0 "$bt" $args --store "$PG_URL_NOPW"
	cmp -s "$tmp/out.dir" "$tmp/out" ||
		fail "$args: PostgreSQL differs: $(diff "$tmp/out.dir" "$tmp/out" | head -20)"
done
echo "fixed_regression: ok"
