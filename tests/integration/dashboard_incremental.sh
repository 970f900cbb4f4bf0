#!/usr/bin/env bash
# A dashboard rebuilt after new runs reads only the series they touched
# (lib/report/dashboard/state.c) and writes the same files, byte for byte,
# as a dashboard written from scratch (index.js but its "generated" time):
# nothing new, a newer run, a run older than the newest, an ack, a gc. The
# store: tests/fixtures/gen_dashstore.c (42 runs, 12 series: 10 nightly,
# 2 micro); new runs are copies of a stored run with another id, time and
# values, placed by benchtrack organize.
set -euo pipefail
. "${BASH_SOURCE%/*}/lib/common.sh" dashboard_incremental "$@"
need_built "$bt" "$build/gen_dashstore"
py=/usr/bin/python3
store=$tmp/store
"$build/gen_dashstore" "$store" >/dev/null

# newrun K TYPE TIME SCALE: TYPE's newest run as run K at TIME, values * SCALE
newrun() {
	rm -rf "$tmp/new"
	"$py" - "$store" "$tmp/new" "$@" <<'PY' || fail "newrun $*"
import glob, json, os, subprocess, sys
store, out, k, typ, ts, scale = sys.argv[1:7]
src = sorted(glob.glob(store + "/by-type/" + typ + "/*/run.json"))[-1]
raw = open(src, "rb").read()
if raw[:4] == b"\x28\xb5\x2f\xfd":
    raw = subprocess.run(["zstd", "-dc", src], capture_output=True, check=True).stdout
r = json.loads(raw)
r["run_id"] = "e%07x" % int(k) + r["run_id"][8:]
r["timestamp"] = ts
r["git"]["commit"] = "e%07x" % int(k) + r["git"]["commit"][8:]
for res in r["results"]:
    ms = res.get("metrics") or {}
    for m in (ms.values() if isinstance(ms, dict) else ms):
        if m.get("samples"):
            m["samples"] = [x * float(scale) for x in m["samples"]]
        for f in ("mean", "median", "min", "max", "p25", "p75"):
            if isinstance(m.get("stats", {}).get(f), float):
                m["stats"][f] *= float(scale)
os.makedirs(out)
json.dump(r, open(out + "/run.json", "w"))
PY
	expect 0 "$bt" organize "$tmp/new" --store "$store"
}

# same DIR: DIR holds the files of a dashboard written from scratch
same() {
	rm -rf "$tmp/F"
	expect 0 "$bt" dashboard --store "$store" --out "$tmp/F"
	grep -q "; 1[0-9] series read$" "$tmp/out" || fail "from scratch: $(cat "$tmp/out")"
	diff -r -x index.js "$1" "$tmp/F" >"$tmp/diff" || fail "$2: files differ: $(head -c 2000 "$tmp/diff")"
	sed 's/"generated":"[^"]*"//' "$1/data/index.js" >"$tmp/a.js"
	sed 's/"generated":"[^"]*"//' "$tmp/F/data/index.js" >"$tmp/b.js"
	cmp -s "$tmp/a.js" "$tmp/b.js" || fail "$2: index.js differs: $(diff "$tmp/a.js" "$tmp/b.js" | head -c 2000)"
}

# build WANT WHAT: a rebuild of $D that read WANT series
D=$tmp/D
build() {
	expect 0 "$bt" dashboard --store "$store" --out "$D"
	grep -q "; $1 series read$" "$tmp/out" || fail "$2: $(cat "$tmp/out"), want $1 series read"
	same "$D" "$2"
}

build 12 "first build"
[ -s "$D/data/.state" ] || fail "no data/.state"
build 0 "nothing new"
newrun 1 nightly 2026-11-05T03:00:00Z 1.0
build 10 "a newer nightly run"
newrun 2 micro 2026-11-06T12:00:00Z 1.5
build 2 "a newer micro run, 50% slower"
grep -q '"pending":1' "$D/data/index.js" || fail "the slower micro run (pending): $(head -c 300 "$D/data/index.js")"
newrun 3 nightly 2026-10-05T05:00:00Z 1.0
build 12 "a run older than the newest"
build 0 "nothing new again"
expect 0 "$bt" regressions --store "$store"
key=$(awk '/ tiled seq_len=2048/ { for (i = 1; i < NF; i++) if ($i == "series") print $(i + 1) }' "$tmp/out")
[ -n "$key" ] || fail "no tiled regression: $(cat "$tmp/out")"
expect 0 "$bt" ack "$key" --at c150 --reason "intended" --store "$store"
build 12 "an ack"
grep -q '"acked":2' "$D/data/index.js" || fail "the ack: $(head -c 300 "$D/data/index.js")"
# a state that is not ours is ignored: a full build
printf 'garbage' >"$D/data/.state"
build 12 "a damaged state"
expect 0 "$bt" gc --keep-days 1 --store "$store"
expect 0 "$bt" dashboard --store "$store" --out "$D"
same "$D" "after gc"
echo "dashboard_incremental: ok"
