#!/usr/bin/env bash
# benchtrack regressions keeps each series' change points in the store's
# .cache/changepoints (lib/analysis/cpcache.c) and answers from it while a
# series' values are those it was computed on. Whatever happened to the
# store since (a new run, an ack, a reindex, a gc, a restore, other
# options, a damaged cache file), the answer is the one computed without
# the cache. The store: tests/fixtures/gen_dashstore.c (42 runs, 12
# series); a new run is a copy of a stored one placed by benchtrack
# organize.
set -euo pipefail
. "${BASH_SOURCE%/*}/lib/common.sh" regressions_cache "$@"
need_built "$bt" "$build/gen_dashstore"
store=$tmp/store
cache=$store/.cache/changepoints
"$build/gen_dashstore" "$store" >/dev/null

# check WHAT [OPTIONS]: regressions with the cache as it is equals
# regressions without one (that run's cache put aside)
check() {
	local what=$1
	shift
	expect 0 "$bt" regressions --store "$store" --all "$@"
	mv "$tmp/out" "$tmp/cached"
	[ -s "$cache" ] || fail "$what: no $cache"
	mv "$store/.cache" "$tmp/kept"
	expect 0 "$bt" regressions --store "$store" --all "$@"
	rm -rf "$store/.cache"
	mv "$tmp/kept" "$store/.cache"
	cmp -s "$tmp/cached" "$tmp/out" ||
		fail "$what: differs from no cache: $(diff "$tmp/cached" "$tmp/out" | head -c 2000)"
}

check "the first call"
grep -q "^4 change points in 12 series (1 acknowledged)" "$tmp/cached" ||
	fail "first call: $(tail -1 "$tmp/cached")"
before=$(cksum <"$cache")
check "a second call"
[ "$(cksum <"$cache")" = "$before" ] || fail "an unchanged store rewrote the cache"

# a new run, 40% slower than the newest nightly run: every nightly series moves
rm -rf "$tmp/new"
/usr/bin/python3 - "$store" "$tmp/new" <<'PY' || fail "new run"
import glob, json, os, subprocess, sys
store, out = sys.argv[1:3]
src = sorted(glob.glob(store + "/by-type/nightly/*/run.json"))[-1]
raw = open(src, "rb").read()
if raw[:4] == b"\x28\xb5\x2f\xfd":
    raw = subprocess.run(["zstd", "-dc", src], capture_output=True, check=True).stdout
r = json.loads(raw)
r["run_id"] = "e0000001" + r["run_id"][8:]
r["timestamp"] = "2026-11-05T03:00:00Z"
r["git"]["commit"] = "e0000001" + r["git"]["commit"][8:]
for res in r["results"]:
    ms = res.get("metrics") or {}
    for m in (ms.values() if isinstance(ms, dict) else ms):
        if m.get("samples"):
            m["samples"] = [x * 1.4 for x in m["samples"]]
        for f in ("mean", "median", "min", "max", "p25", "p75"):
            if isinstance(m.get("stats", {}).get(f), float):
                m["stats"][f] *= 1.4
os.makedirs(out)
json.dump(r, open(out + "/run.json", "w"))
PY
expect 0 "$bt" organize "$tmp/new" --store "$store"
check "a new run"
grep -q "pending (slower)" "$tmp/cached" || fail "the new run's pending changes: $(cat "$tmp/cached")"
[ "$(cksum <"$cache")" != "$before" ] || fail "a new run left the cache as it was"

expect 0 "$bt" regressions --store "$store"
key=$(awk '/ tiled seq_len=2048/ { for (i = 1; i < NF; i++) if ($i == "series") print $(i + 1) }' "$tmp/out" | head -1)
[ -n "$key" ] || fail "no tiled regression: $(cat "$tmp/out")"
expect 0 "$bt" ack "$key" --at c150 --reason "intended" --store "$store"
check "an ack"
grep -q "(2 acknowledged)" "$tmp/cached" || fail "the ack: $(tail -1 "$tmp/cached")"
expect 0 "$bt" reindex --store "$store"
check "a reindex"
expect 0 "$bt" gc --keep-days 1 --store "$store"
check "a gc"
check "other options" --p-max 0.01 --min-change 0.2
check "other options again" --p-max 0.01 --min-change 0.2
check "a metric" --metric time --since 2026-10-10
printf 'BTCPC\0\0\2 and then garbage' >"$cache"
check "a damaged cache"
head -c 100 /dev/urandom >"$cache"
check "a random cache"
echo "regressions_cache: ok"
