#!/usr/bin/env bash
# The dashboard's figures at scale (build time, paint time):
#
#   scripts/bench-dashboard.sh BUILD_DIR
#
# 1. Build time: runs the suite bench/dashboard_bt.c with benchtrack itself
#      BUILD/benchtrack run BUILD/dashboard_bt --no-store --warmup-iterations 1 \
#          --measurement-iterations 3 --timeout 3600s --out OUT/dashboard.json
#    build: 1,000 commits x 500 series, cold (every file), warm (a
#    rebuild, nothing new) and run (a rebuild after one new run, in a
#    working copy of the store); build_long: 10,000 commits x 1 series.
#    The synthetic stores are generated once and cached under
#    $BT_DASH_BENCH_DIR (default ${TMPDIR:-/tmp}/benchtrack-dashboard-bench).
# 2. Paint time: writes the dashboard of the 10,000-run store and opens the
#    trend page of its one series (10,000 points) in headless Chromium
#    (playwright-core from web/node_modules, /usr/bin/chromium) REPS times,
#    each in a new page: the time from navigation start to the chart drawn
#    (window.BT_DRAWN_AT, set by web/dashboard.js at uPlot's first draw
#    hook: the series file loaded, parsed and drawn). Target: under 1 s.
#
# Environment: REPS (10), OUTDIR (a new temporary directory), SKIP_SUITE=1
# (only the paint time), BT_DASH_BENCH_DIR, CHROMIUM (/usr/bin/chromium).
set -eu
. "$(dirname "$0")/bench-common.sh"

bench_start bench-dashboard "$@"
SRC=$(cd "$(dirname "$0")/.." && pwd)
REPS=${REPS:-10}
export BT_DASH_BENCH_DIR=${BT_DASH_BENCH_DIR:-${TMPDIR:-/tmp}/benchtrack-dashboard-bench}
bench_need benchtrack dashboard_bt
command -v node >/dev/null || { echo "$0: needs node (scripts/install-deps.sh)" >&2; exit 2; }
[ -f "$SRC/web/node_modules/playwright-core/index.mjs" ] ||
	{ echo "$0: web/node_modules missing: run scripts/install-deps.sh (npm ci in web/)" >&2; exit 2; }

# --- 1. build time ----------------------------------------------------------
if [ "${SKIP_SUITE:-0}" != 1 ]; then
	echo "== benchtrack run dashboard_bt (stores under $BT_DASH_BENCH_DIR)"
	"$BUILD/benchtrack" run "$BUILD/dashboard_bt" --no-store --warmup-iterations 1 \
		--measurement-iterations 3 --timeout 3600s --format table \
		--out "$OUT/dashboard.json"
fi

# --- 2. paint time of a 10,000-point trend page -------------------------------
S=$BT_DASH_BENCH_DIR/runs10000-series1-v1
if [ ! -d "$S" ]; then
	echo "$0: $S missing (run without SKIP_SUITE=1 first)" >&2
	exit 3
fi
"$BUILD/benchtrack" dashboard --store "$S" --out "$OUT/d10k"
key=$(ls "$OUT/d10k/data/series" | sed -n 's/\.js$//p' | head -1)
echo
echo "== trend page of series $key (10,000 points) in Chromium, $REPS loads"
cat >"$OUT/paint.mjs" <<'JS'
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
const [pw, url, reps] = process.argv.slice(2);
const { chromium } = await import(pw);
const profile = fs.mkdtempSync(path.join(os.tmpdir(), "bt-chromium-"));
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium", headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  viewport: { width: 1280, height: 900 },
});
const times = [];
for (let i = 0; i < Number(reps); i++) {
  const page = await ctx.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  await page.goto(url);
  await page.waitForFunction(() => window.BT_DRAWN_AT, null, { timeout: 30000 });
  const r = await page.evaluate(() => ({ t: window.BT_DRAWN_AT,
    n: Number(document.querySelector("#chart").dataset.points) }));
  if (errors.length || r.n !== 10000) {
    console.error("problem:", errors, r);
    process.exit(1);
  }
  times.push(r.t);
  await page.close();
}
await ctx.close();
fs.rmSync(profile, { recursive: true, force: true });
times.sort((a, b) => a - b);
const med = times[Math.floor(times.length / 2)];
console.log(`paint ms: median ${med.toFixed(0)}, min ${times[0].toFixed(0)}, max ${times[times.length - 1].toFixed(0)}`);
console.log(`target < 1000 ms: ${med < 1000 ? "met" : "MISSED"}`);
JS
node "$OUT/paint.mjs" "$SRC/web/node_modules/playwright-core/index.mjs" \
	"file://$OUT/d10k/trend.html#$key" "$REPS"
ls -l "$OUT/d10k/data/series/$key.js" | awk '{ printf "series file: %.1f KiB\n", $5 / 1024 }'
echo "(output: $OUT)"
