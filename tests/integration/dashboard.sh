#!/usr/bin/env bash
# The static dashboard (benchtrack dashboard) of a store of constructed runs
# (tests/fixtures/gen_dashstore.c: 42 runs, 12 series, 2 open regressions,
# 1 acknowledged), checked in Chromium by dashboard.mjs over file:// and
# then over HTTP from `benchtrack serve --port 0` (the same checks).
# Screenshots: BUILD/dashboard-overview.png, BUILD/dashboard-trend.png
# (and dashboard-run.png); from serve BUILD/dashboard-serve-*.png.
#
# Needs node, web/node_modules (scripts/install-deps.sh: npm ci in web/) and
# /usr/bin/chromium; a missing one FAILS the test (install-deps installs
# them all), it is never skipped.
#
# The browser part runs against any base URL:
#   node tests/integration/dashboard.mjs http://127.0.0.1:PORT/ OUTDIR "$expect"
# with $expect as built below.
set -euo pipefail
src=$1 build=$2
bt=$build/benchtrack
fail() { echo "dashboard: FAIL: $*" >&2; exit 1; }

command -v node >/dev/null || fail "node not found: run scripts/install-deps.sh"
[ -f "$src/web/node_modules/playwright-core/index.mjs" ] ||
	fail "web/node_modules/playwright-core missing: run scripts/install-deps.sh (npm ci in web/)"
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] ||
	fail "${CHROMIUM:-/usr/bin/chromium} missing: run scripts/install-deps.sh"
[ -x "$build/gen_dashstore" ] || fail "$build/gen_dashstore not built"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bt-dashboard.XXXXXX")
server_pid=
cleanup() {
	if [ -n "$server_pid" ]; then
		kill -TERM "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
store=$tmp/store
ack_key=$("$build/gen_dashstore" "$store")

# the open regressions as the CLI sees them
"$bt" regressions --store "$store" >"$tmp/regs"
tiled_key=$(awk '/tiled seq_len=2048/ { for (i = 1; i < NF; i++) if ($i == "series") print $(i + 1) }' "$tmp/regs")
[ -n "$tiled_key" ] || fail "no regression of tiled seq_len=2048: $(cat "$tmp/regs")"
grep -q "^3 regressions in 12 series (1 acknowledged)" "$tmp/regs" || fail "regressions: $(cat "$tmp/regs")"

# --- the command ---------------------------------------------------------------
set +e
"$bt" dashboard --store "$store" extra >/dev/null 2>&1; rc=$?
set -e
[ $rc -eq 2 ] || fail "an argument: exit $rc, want 2"
set +e
"$bt" dashboard --store "$tmp/nosuch" >/dev/null 2>"$tmp/err"; rc=$?
set -e
[ $rc -eq 3 ] || fail "missing store: exit $rc, want 3"

"$bt" dashboard --store "$store" --title 'Bench <&> "x"' >"$tmp/out"
grep -q "^$store/dashboard/index.html: 42 runs, 12 series, 324 points (42 run pages written, 0 kept)" "$tmp/out" ||
	fail "summary: $(cat "$tmp/out")"
out=$store/dashboard
for f in index.html trend.html run.html assets/uPlot.iife.min.js assets/uPlot.min.css \
	assets/dashboard.js assets/dashboard.css data/index.js "data/series/$tiled_key.js"; do
	[ -s "$out/$f" ] || fail "$f not written"
done
grep -q '<title>Bench &lt;&amp;&gt; &quot;x&quot;</title>' "$out/index.html" || fail "title not escaped"
cmp -s "$out/assets/uPlot.iife.min.js" "$src/web/node_modules/uplot/dist/uPlot.iife.min.js" ||
	fail "uPlot differs from web/node_modules"
[ "$(ls "$out/data/series" | wc -l)" -eq 12 ] || fail "want 12 series files"
[ "$(ls "$out/data/runs" | wc -l)" -eq 42 ] || fail "want 42 run files"
! grep -q 'http[s]*://' "$out/index.html" "$out/trend.html" "$out/run.html" ||
	fail "a page links to the network"
! grep -q '"v":\[' "$out/data/index.js" || fail "index.js holds points"

# a rebuild keeps the run files, removes stale series files and leftovers
touch "$out/data/series/0000dead0000beef.js" "$out/data/series/x.js.tmp.123"
"$bt" dashboard --store "$store" --out "$out" >"$tmp/out2"
grep -q "(0 run pages written, 42 kept)" "$tmp/out2" || fail "rebuild: $(cat "$tmp/out2")"
[ ! -e "$out/data/series/0000dead0000beef.js" ] || fail "stale series file kept"
[ ! -e "$out/data/series/x.js.tmp.123" ] || fail "temporary file kept"
! ls "$out"/*.tmp.* "$out"/data/*.tmp.* >/dev/null 2>&1 || fail "temporary files left"

# --- runs that must not be published -------------------------------------------
# A copy of the store with one run.json replaced by a FIFO (no writer:
# reading it would block forever) and one run directory moved out of the
# store and symlinked back (serve's API refuses it): neither gets a page,
# the rest is written, and the command names both and exits 3.
s2=$tmp/store2 out2=$tmp/dash2 outside=$tmp/outside
cp -a "$store" "$s2"
mkdir -p "$outside"
mapfile -t runs2 < <(find "$s2/by-type" -name run.json | sort)
run_id_of() { sed -n 's/^ *"run_id": *"\([0-9a-f]*\)".*/\1/p' "$1" | head -1; }
fifo_id=$(run_id_of "${runs2[0]}")
link_id=$(run_id_of "${runs2[1]}")
[ -n "$fifo_id" ] && [ -n "$link_id" ] || fail "no run ids in ${runs2[0]} ${runs2[1]}"
rm "${runs2[0]}"
mkfifo "${runs2[0]}"
link_dir=$(dirname "${runs2[1]}")
mv "$link_dir" "$outside/"
ln -s "$outside/$(basename "$link_dir")" "$link_dir"
set +e
timeout 60 "$bt" dashboard --store "$s2" --out "$out2" >"$tmp/out3" 2>"$tmp/err3"; rc=$?
set -e
[ $rc -ne 124 ] || fail "dashboard hangs on a FIFO run.json"
[ $rc -eq 3 ] || fail "dashboard with a FIFO and a link out: exit $rc, want 3: $(cat "$tmp/out3" "$tmp/err3")"
grep -q "dashboard: 2 runs could not be read and have no page" "$tmp/err3" || fail "run errors not reported: $(cat "$tmp/err3")"
grep -q "dashboard: no page for run $fifo_id: .*run.json" "$tmp/err3" || fail "the FIFO's run not named: $(cat "$tmp/err3")"
grep -q "dashboard: no page for run $link_id: .*inside the store" "$tmp/err3" || fail "the linked run not named: $(cat "$tmp/err3")"
grep -q "(40 run pages written, 0 kept)" "$tmp/out3" || fail "FIFO/link summary: $(cat "$tmp/out3")"
[ ! -e "$out2/data/runs/$fifo_id.js" ] || fail "a FIFO run published"
[ ! -e "$out2/data/runs/$link_id.js" ] || fail "a run outside the store published"
[ "$(ls "$out2/data/runs" | wc -l)" -eq 40 ] || fail "want 40 run files next to a FIFO and a link"
for f in index.html run.html trend.html data/index.js "data/series/$tiled_key.js"; do
	[ -s "$out2/$f" ] || fail "FIFO/link: $f not written"
done
# over the earlier dashboard (all 42 pages): the page of the run outside
# the store is removed, not kept
rm -rf "$out2"
cp -a "$out" "$out2"
set +e
timeout 60 "$bt" dashboard --store "$s2" --out "$out2" >"$tmp/out3" 2>"$tmp/err3"; rc=$?
set -e
[ $rc -eq 3 ] || fail "dashboard over an earlier one with a link out: exit $rc, want 3: $(cat "$tmp/err3")"
grep -q "^$out2/index.html: 42 runs" "$tmp/out3" || fail "link out: summary: $(cat "$tmp/out3")"
grep -q "dashboard: 1 run could not be read and has no page" "$tmp/err3" || fail "link out not reported: $(cat "$tmp/err3")"
grep -q "dashboard: no page for run $link_id: " "$tmp/err3" || fail "link out not named: $(cat "$tmp/err3")"
[ ! -e "$out2/data/runs/$link_id.js" ] || fail "the page of a run outside the store kept"
[ "$(ls "$out2/data/runs" | wc -l)" -eq 41 ] || fail "want 41 run files over an earlier dashboard"
rm -f "${runs2[0]}"

# --- hostile strings -------------------------------------------------------------
# run-faults.json with markup in a benchmark name, a parameter value, a
# failure message, the branch and the machine name, stored by organize:
# the pages show it as text (no <img> element, no dialog) and no data file
# holds "</".
evil='</script><img src=x onerror=alert(1)>'
hs=$tmp/hostile-store hin=$tmp/hostile-in
mkdir -p "$hin"
EVIL=$evil node -e '
const fs = require("fs");
const r = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
const e = process.env.EVIL;
r.results[0].name = e;
r.results[0].params.n = e;
/* its series key again (docs/FORMAT.md): the readers refuse a stale one */
const x = r.results[0];
let h = 0xcbf29ce484222325n;
const parts = [r.suite, x.name, x.variant, ...Object.keys(x.params).sort()
	.flatMap((k) => [k, x.params[k]]), r.machine.fingerprint,
	Object.keys(x.metrics)[0] || "time", String(x.version || 1)];
for (const p of parts)
	for (const b of Buffer.concat([Buffer.from(p || "", "utf8"), Buffer.from([0])]))
		h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
x.series_key = h.toString(16).padStart(16, "0");
const f = r.results.find((x) => x.status !== "ok");
f.message = e;
r.git.branch = e;
r.machine.name = e;
fs.writeFileSync(process.argv[2], JSON.stringify(r, null, 2));
' "$src/tests/fixtures/run-faults.json" "$hin/run-faults.json"
grep -qF "$evil" "$hin/run-faults.json" || fail "hostile run file not written"
"$bt" organize "$hin" --store "$hs" >"$tmp/org" 2>&1 || fail "organize: $(cat "$tmp/org")"
grep -q "^1 placed" "$tmp/org" || fail "organize: $(cat "$tmp/org")"
"$bt" dashboard --store "$hs" --title "$evil" >"$tmp/hout" || fail "hostile dashboard"
hout=$hs/dashboard
! grep -rlF '</' "$hout/data" || fail "a data file holds '</'"
! grep -qF "$evil" "$hout/index.html" || fail "the title is not escaped"
hostile_id=$(sed -n 's/^ *"run_id": *"\([0-9a-f]*\)".*/\1/p' "$hin/run-faults.json" | head -1)
hostile_key=$(sed -n 's/^ *"series_key": *"\([0-9a-f]*\)".*/\1/p' "$hin/run-faults.json" | head -1)
[ -s "$hout/data/runs/$hostile_id.js" ] && [ -s "$hout/data/series/$hostile_key.js" ] ||
	fail "hostile: run or series file missing"
node "$src/tests/integration/dashboard.mjs" "file://$hout/" "$tmp" \
	"{\"hostile\": true, \"runId\": \"$hostile_id\", \"trendKey\": \"$hostile_key\", \"text\": \"onerror=alert(1)\"}" ||
	fail "Chromium: hostile strings"

# --- extreme numbers and the layout in Chromium ---------------------------------
# A store of run-attention.json (long implementation and variant names,
# wide tables), run-extreme.json (medians from 1e-320 to 1.8e308: the
# dashboard is written in bounded time with finite numbers) and 24 nightly
# runs of two series (24 and 8 points; one open regression), checked at
# 1400 and 800 px: no sideways scrolling, no overlapping text, plots and
# commit labels whole.
ws=$tmp/wide-store win=$tmp/wide-in
mkdir -p "$win"
cp "$src/tests/fixtures/run-attention.json" "$src/tests/fixtures/run-extreme.json" "$win/"
node -e '
const fs = require("fs");
const r = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
const keep = (x, n) => x.params.seq_len === "256" && (x.name === "naive" || (x.name === "tiled" && n >= 16));
for (let n = 0; n < 24; n++) {
  const t = JSON.parse(JSON.stringify(r));
  const hex = (k) => (k * 2654435761 % 4294967296).toString(16).padStart(8, "0");
  t.run_id = "7e" + hex(n + 1) + hex(n + 7) + hex(n + 13) + "0000000000";
  t.run_id = t.run_id.slice(0, 32);
  t.benchmark_type = "nightly";
  t.machine.name = "nightly-host";    /* series of their own */
  t.machine.fingerprint = "0123456789abcdef";
  t.timestamp = new Date(Date.UTC(2026, 9, 1 + n, 3)).toISOString();
  t.git.commit = hex(n + 101) + hex(n + 202) + hex(n + 303) + hex(n + 404) + hex(n + 505);
  t.results = t.results.filter((x) => keep(x, n));
  for (const x of t.results) {
    /* the series key of docs/FORMAT.md: FNV-1a 64 over the identity */
    let h = 0xcbf29ce484222325n;
    const parts = [t.suite, x.name, x.variant];
    for (const k of Object.keys(x.params).sort()) parts.push(k, x.params[k]);
    parts.push(t.machine.fingerprint, "time", String(x.version));
    for (const b of Buffer.from(parts.join("\0") + "\0"))
      h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
    x.series_key = h.toString(16).padStart(16, "0");
    const m = x.metrics.time, f = x.name === "naive" && n >= 16 ? 1.5 : 1;
    m.samples = m.samples.map((v, i) => v * f * (1 + 0.001 * ((n * 7 + i) % 5)));
    const s = [...m.samples].sort((a, b) => a - b);
    Object.assign(m.stats, { median: s[1], mean: s[1], min: s[0], max: s[2], p5: s[0], p25: s[0], p75: s[2], p95: s[2], p99: s[2] });
  }
  fs.writeFileSync(process.argv[2] + "/nightly-" + n + ".json", JSON.stringify(t, null, 1));
}
' "$src/tests/fixtures/run-attention.json" "$win"
"$bt" organize "$win" --store "$ws" >"$tmp/org" 2>&1 || fail "organize the wide store: $(cat "$tmp/org")"
grep -q "^26 placed" "$tmp/org" || fail "organize the wide store: $(cat "$tmp/org")"
set +e
timeout 120 "$bt" dashboard --store "$ws" >"$tmp/wout" 2>"$tmp/werr"; rc=$?
set -e
[ $rc -ne 124 ] || fail "dashboard of run-extreme.json still running after 120 s"
[ $rc -eq 0 ] || fail "dashboard of the wide store: exit $rc: $(cat "$tmp/werr")"
grep -q "^$ws/dashboard/index.html: 26 runs, " "$tmp/wout" || fail "wide store: $(cat "$tmp/wout")"
ext_id=$(sed -n 's/^ *"run_id": *"\([0-9a-f]*\)".*/\1/p' "$src/tests/fixtures/run-extreme.json" | head -1)
grep -q '1.00e-320 s' "$ws/dashboard/data/runs/$ext_id.js" || fail "extreme run page: no 1e-320 s median"
grep -q '1.80e+308 s' "$ws/dashboard/data/runs/$ext_id.js" || fail "extreme run page: no 1.8e308 s median"
! grep -qE '"[^"]*\b(inf|nan)\b[^"]*"' "$ws/dashboard/data/runs/$ext_id.js" || fail "extreme run page: inf or nan"
node "$src/tests/integration/dashboard.mjs" "file://$ws/dashboard/" "$build" \
	'{"layout": true, "trendPoints": [8, 24], "regressions": 1}' ||
	fail "Chromium: the layout of the wide store"

# --- long names in Chromium -----------------------------------------------------
# run-attention.json with 60-character benchmark names and four more
# parameters: every cell of the run page and of the overview's tables whole
# on the screen at 1400 and 800 px (no scroll box hides a column), and the
# rankings say what their speedups are against (an ablation's own "none"
# variant).
ls_=$tmp/long-store lin=$tmp/long-in
mkdir -p "$lin"
node -e '
const fs = require("fs");
const r = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
r.run_id = "10e9" + r.run_id.slice(4);
r.benchmark_type = "longnames";
const long = (n) => (n + "_fused_multi_head/attention=v2,rope+alibi_kernel_variant_with_tiles").slice(0, 60);
for (const x of r.results) {
  x.name = long(x.name);
  Object.assign(x.params, { batch: "8", dtype: "bfloat16", layout: "batch_heads_seq_dim", causal: "true" });
  let h = 0xcbf29ce484222325n;
  const parts = [r.suite, x.name, x.variant];
  for (const k of Object.keys(x.params).sort()) parts.push(k, x.params[k]);
  parts.push(r.machine.fingerprint, Object.keys(x.metrics)[0] || "time", String(x.version || 1));
  for (const b of Buffer.from(parts.join("\0") + "\0"))
    h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  x.series_key = h.toString(16).padStart(16, "0");
}
fs.writeFileSync(process.argv[2] + "/run-long.json", JSON.stringify(r, null, 1));
' "$src/tests/fixtures/run-attention.json" "$lin"
"$bt" organize "$lin" --store "$ls_" >"$tmp/org" 2>&1 || fail "organize the long-name store: $(cat "$tmp/org")"
grep -q "^1 placed" "$tmp/org" || fail "organize the long-name store: $(cat "$tmp/org")"
"$bt" dashboard --store "$ls_" >"$tmp/lout" 2>&1 || fail "dashboard of the long-name store: $(cat "$tmp/lout")"
node "$src/tests/integration/dashboard.mjs" "file://$ls_/dashboard/" "$tmp" '{"layout": true, "ablation": true}' ||
	fail "Chromium: the layout of long benchmark names"

# --- in Chromium ---------------------------------------------------------------
latest_nightly=$("$bt" list --store "$store" --type nightly --limit 1 --format csv | sed -n 2p | cut -d, -f1)
expect=$(cat <<JSON
{"regressions": 2, "series": 12, "latestRuns": 2,
 "filter": "tiled", "filterRows": 3, "search": "seq_len=2048", "searchRows": 3,
 "machine": "m2", "machineRows": 2, "machineRuns": 12,
 "trendKey": "$tiled_key", "trendPoints": 30, "trendChangepoints": 1, "trendCommit": "c15",
 "ackKey": "$ack_key",
 "runId": "$latest_nightly", "runGroups": 2, "runFailures": 1, "runCharts": 1}
JSON
)
node "$src/tests/integration/dashboard.mjs" "file://$out/" "$build" "$expect" ||
	fail "Chromium checks failed"
node "$src/tests/integration/dashboard.mjs" "file://$out/" "$build" '{"layout": true, "trendPoints": [12, 30]}' ||
	fail "Chromium: the layout of the store"
for f in dashboard-overview.png dashboard-trend.png; do
	[ -s "$build/$f" ] || fail "$build/$f not written"
done

# --- in Chromium, from benchtrack serve ------------------------------------------
# serve prints "serving STORE at http://127.0.0.1:PORT/" once it listens
"$bt" serve --port 0 --store "$store" >"$tmp/serve.out" 2>"$tmp/serve.err" &
server_pid=$!
# (it first writes its dashboard copy: 120 s only ends a test that failed)
url=
SECONDS=0
while [ "$SECONDS" -lt 120 ]; do
	url=$(sed -n 's|^serving .* at \(http://127\.0\.0\.1:[0-9][0-9]*/\)$|\1|p' "$tmp/serve.out")
	[ -n "$url" ] && break
	kill -0 "$server_pid" 2>/dev/null ||
		fail "serve exited early: $(cat "$tmp/serve.out" "$tmp/serve.err")"
	sleep 0.1
done
[ -n "$url" ] || fail "serve printed no address in 120 s: $(cat "$tmp/serve.out" "$tmp/serve.err")"
shots=$tmp/serve-shots
mkdir -p "$shots"
node "$src/tests/integration/dashboard.mjs" "$url" "$shots" "$expect" ||
	fail "Chromium checks against serve ($url) failed; serve: $(cat "$tmp/serve.err")"
for f in dashboard-overview.png dashboard-trend.png dashboard-run.png; do
	[ -s "$shots/$f" ] || fail "serve: $f not written"
	cp "$shots/$f" "$build/dashboard-serve-${f#dashboard-}"
done
kill -TERM "$server_pid" || fail "serve ($server_pid) gone before SIGTERM"
set +e
wait "$server_pid"; rc=$?
set -e
server_pid=
[ $rc -eq 0 ] || fail "serve exited $rc on SIGTERM, want 0: $(cat "$tmp/serve.err")"
# one run: the summary line in the singular
mkdir -p "$tmp/one-in"
cp "$src/tests/fixtures/run-attention.json" "$tmp/one-in/"
"$bt" organize "$tmp/one-in" --store "$tmp/one" > /dev/null || fail "organize one run"
"$bt" dashboard --store "$tmp/one" > "$tmp/one.out" || fail "dashboard of one run"
grep -q "index.html: 1 run, [0-9]* series, [0-9]* points (1 run page written, 0 kept)" "$tmp/one.out" ||
	fail "one run: $(cat "$tmp/one.out")"
# --- every metric of a run has its series -----------------------------------------
# 12 runs of one result with its time and an instruction count (marked
# deterministic) that steps up 20% after the sixth: two series, the
# count's with its own id (KEY-HASH), trend and open regression.
ms=$tmp/metric-store min=$tmp/metric-in
mkdir -p "$min"
node -e '
const fs = require("fs");
const r = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
for (let n = 0; n < 12; n++) {
  const t = JSON.parse(JSON.stringify(r));
  t.run_id = ("5e" + (n + 1).toString(16).padStart(4, "0")).padEnd(32, "0");
  t.benchmark_type = "counts";
  t.timestamp = new Date(Date.UTC(2026, 10, 1 + n, 3)).toISOString();
  t.git.commit = (n + 1).toString(16).padStart(40, "c");
  t.results = t.results.filter((x) => x.name === "naive" && x.params.seq_len === "256");
  const v = n < 6 ? 1e6 : 1.2e6;
  t.results[0].metrics.instructions = { unit: "instr", direction: "lower", deterministic: true,
    samples: [v, v, v], stats: { n: 3, median: v, mean: v, min: v, max: v, p25: v, p75: v } };
  fs.writeFileSync(process.argv[2] + "/counts-" + n + ".json", JSON.stringify(t));
}
' "$src/tests/fixtures/run-attention.json" "$min"
"$bt" organize "$min" --store "$ms" >"$tmp/org" 2>&1 || fail "organize the metric store: $(cat "$tmp/org")"
"$bt" dashboard --store "$ms" >"$tmp/mout" || fail "dashboard of the metric store"
grep -q "^$ms/dashboard/index.html: 12 runs, 2 series, 24 points" "$tmp/mout" || fail "metric store: $(cat "$tmp/mout")"
mkey=$(ls "$ms/dashboard/data/series" | sed -n 's/^\([0-9a-f]\{16\}\)\.js$/\1/p')
mid=$(ls "$ms/dashboard/data/series" | sed -n 's/^\([0-9a-f]\{16\}-[0-9a-f]\{8\}\)\.js$/\1/p')
[ -n "$mkey" ] && [ "${mid%-*}" = "$mkey" ] || fail "metric store: series files $(ls "$ms/dashboard/data/series")"
grep -q "^btData(\"series\",\"$mid\",{\"key\":\"$mkey\",\"k\":\"$mid\",.*\"metric\":\"instructions\"" "$ms/dashboard/data/series/$mid.js" ||
	fail "metric store: the count's series file: $(head -c 300 "$ms/dashboard/data/series/$mid.js")"
node "$src/tests/integration/dashboard.mjs" "file://$ms/dashboard/" "$tmp" \
	"{\"metrics\": {\"$mkey\": \"time\", \"$mid\": \"instructions\"}, \"series\": 2, \"regMetric\": \"instructions\"}" ||
	fail "Chromium: every metric's series"

echo "dashboard: ok"
