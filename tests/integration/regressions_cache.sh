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

# --- serve's /api/regressions answers from the same cache -----------------
# Each answer comes from a fresh serve (serve keeps answers in memory per
# store state). serve's dashboard fills the cache as it starts; removed
# then (the store's state is the same, so the dashboard is not written
# again), the first answer is computed without it and writes it, and the
# second is read from it: the same answer, counting what `regressions`
# counts.
if ! "$bt" serve --help >/dev/null 2>&1; then
	echo "regressions_cache: serve not built: its cache not checked" >&2
	echo "regressions_cache: ok"
	exit 0
fi
server_pid=
stop_serve() {
	if [ -n "$server_pid" ]; then
		kill -TERM "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
		server_pid=
	fi
}
trap 'stop_serve; rm -rf "$tmp"' EXIT
# api QUERY FILE [nocache]: serve's /api/regressions?QUERY into FILE;
# nocache: with the cache removed once serve's dashboard wrote it
api() {
	local url= i
	# emptied here, not only by the redirection below: that runs in the
	# background child, and a loaded machine let the loop read the last
	# serve's address (a closed port) before the child had truncated it
	: >"$tmp/serve.out"
	"$bt" serve --port 0 --store "$store" >"$tmp/serve.out" 2>"$tmp/serve.err" &
	server_pid=$!
	for i in $(seq 300); do
		url=$(sed -n 's|^serving .* at \(http://127\.0\.0\.1:[0-9][0-9]*/\)$|\1|p' "$tmp/serve.out")
		[ -z "$url" ] || break
		kill -0 "$server_pid" 2>/dev/null || fail "serve exited: $(cat "$tmp/serve.err")"
		sleep 0.1
	done
	[ -n "$url" ] || fail "serve printed no address: $(cat "$tmp/serve.out" "$tmp/serve.err")"
	if [ "${3-}" = nocache ]; then
		for i in $(seq 300); do
			[ ! -s "$cache" ] || break
			sleep 0.1
		done
		[ -s "$cache" ] || fail "serve's dashboard wrote no $cache"
		rm -rf "$store/.cache"
	fi
	curl -sS --fail --retry 20 --retry-delay 1 --retry-all-errors \
		"${url}api/regressions?$1" -o "$2" 2>"$tmp/curl.err" ||
		fail "/api/regressions?$1: $(cat "$tmp/curl.err")"
	stop_serve
}
# serve_check WHAT QUERY [OPTIONS]: serve's answer with no cache file,
# then from the cache that call wrote, the same; its counts those of
# regressions OPTIONS
serve_check() {
	local what=$1 query=$2
	shift 2
	rm -rf "$store/.cache"
	api "$query" "$tmp/api.none" nocache
	[ -s "$cache" ] || fail "$what: /api/regressions wrote no $cache"
	api "$query" "$tmp/api.cached"
	cmp -s "$tmp/api.none" "$tmp/api.cached" ||
		fail "$what: serve's answer from the cache differs: $(diff "$tmp/api.none" "$tmp/api.cached" | head -c 2000)"
	expect 0 "$bt" regressions --store "$store" "$@"
	/usr/bin/python3 - "$tmp/api.cached" "$tmp/out" <<'PY' || fail "$what: serve and regressions disagree"
import json, re, sys
a = json.load(open(sys.argv[1]))
last = open(sys.argv[2]).read().strip().splitlines()[-1]
m = re.match(r"(\d+) \S+(?: \S+)? in (\d+) series(?: \((\d+) acknowledged\))?"
             r"(?:, (\d+) pending)?(?:, (\d+) reverted)?$", last)
assert m, last
want = [int(g or 0) for g in m.groups()]
got = [a["found"], a["series"], a["acknowledged"], a["pending"], a["reverted"]]
assert got == want, (got, want, last)
assert len(a["regressions"]) == a["found"] + a["pending"] + a["reverted"], a
PY
}
serve_check "serve" ""
serve_check "serve --all" "all=1" --all
# a new run: the cached series of the runs before it are updated
expect 0 "$bt" regressions --store "$store" --all
rm -rf "$tmp/new2"
cp -r "$tmp/new" "$tmp/new2"
/usr/bin/python3 - "$tmp/new2/run.json" <<'PY' || fail "second new run"
import json, sys
r = json.load(open(sys.argv[1]))
r["run_id"] = "e0000002" + r["run_id"][8:]
r["timestamp"] = "2026-11-06T03:00:00Z"
r["git"]["commit"] = "e0000002" + r["git"]["commit"][8:]
json.dump(r, open(sys.argv[1], "w"))
PY
expect 0 "$bt" organize "$tmp/new2" --store "$store"
api "all=1" "$tmp/api.updated"
api "all=1" "$tmp/api.fresh" nocache
cmp -s "$tmp/api.updated" "$tmp/api.fresh" ||
	fail "serve after a new run: $(diff "$tmp/api.updated" "$tmp/api.fresh" | head -c 2000)"
echo "regressions_cache: ok"
