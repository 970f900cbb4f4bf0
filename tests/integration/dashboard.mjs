// Drives Chromium (Debian's /usr/bin/chromium, headless) with playwright-core
// from web/node_modules over a benchtrack dashboard:
//
//   node tests/integration/dashboard.mjs BASE_URL SHOT_DIR EXPECT_JSON
//
// BASE_URL   the dashboard's directory as a URL ending in '/':
//            file:///path/to/dashboard/ (benchtrack dashboard) or
//            http://127.0.0.1:PORT/ (benchtrack serve; the same pages)
// SHOT_DIR   where dashboard-overview.png and dashboard-trend.png go
// EXPECT_JSON what the store holds, e.g.
//            {"regressions":2,"series":12,"latestRuns":2,"filter":"tiled",
//             "filterRows":1,"trendKey":"a646...","trendPoints":30,
//             "trendChangepoints":1,"runId":"a029...","runGroups":2}
//
// Checks: no console errors and no page errors on any page; the overview
// draws one sparkline chart per open regression; the filter and the search
// box narrow the series list; a trend page draws its chart with the
// expected number of points and change points; a run page shows its
// tables; every trend and run link of the overview names a data file that
// exists (file:// only: the page computes file names as the writer does).
// Exits 1 with the reasons on the first failed check.
//
// With {"hostile": true, "runId", "trendKey", "text"} instead: a store
// whose strings hold markup; the overview, the run page and the trend page
// must show it as text: no <img> element, no dialog, text on the page.
// CHROMIUM overrides the browser's path.
import { fileURLToPath } from "node:url";
import path from "node:path";
import fs from "node:fs";
import os from "node:os";

const here = path.dirname(fileURLToPath(import.meta.url));
const pw = path.join(here, "..", "..", "web", "node_modules", "playwright-core", "index.mjs");
if (!fs.existsSync(pw)) {
  console.error(`dashboard.mjs: ${pw} missing: run scripts/install-deps.sh (npm ci in web/)`);
  process.exit(1);
}
const { chromium } = await import(pw);

const [base, shotDir, expectJson] = process.argv.slice(2);
if (!base || !shotDir || !expectJson) {
  console.error("usage: node dashboard.mjs BASE_URL SHOT_DIR EXPECT_JSON");
  process.exit(2);
}
const want = JSON.parse(expectJson);
const exe = process.env.CHROMIUM || "/usr/bin/chromium";
if (!fs.existsSync(exe)) {
  console.error(`dashboard.mjs: ${exe} missing: run scripts/install-deps.sh (apt-get install chromium)`);
  process.exit(1);
}

const profile = fs.mkdtempSync(path.join(os.tmpdir(), "bt-chromium-"));
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: exe,
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--allow-file-access-from-files"],
  viewport: { width: 1280, height: 900 },
});
const problems = [];
let failed = 0;
function check(ok, what) {
  if (ok) {
    console.log(`ok - ${what}`);
  } else {
    console.log(`not ok - ${what}`);
    failed++;
  }
}

async function open(url) {
  const page = await ctx.newPage();
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`${url}: console error: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`${url}: page error: ${e.message}`));
  page.on("dialog", (d) => {
    problems.push(`${url}: a dialog opened (${d.type()}: ${d.message()})`);
    d.dismiss().catch(() => {});
  });
  page.on("requestfailed", (r) => problems.push(`${url}: request failed: ${r.url()}`));
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`${url}: HTTP ${r.status()}: ${r.url()}`);
  });
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 15000 });
  return page;
}

async function hostile() {
  const pages = [["overview", "index.html"], ["run", "run.html#" + want.runId],
                 ["trend", "trend.html#" + want.trendKey]];
  for (const [what, rel] of pages) {
    const pg = await open(base + rel);
    if (what === "trend")
      await pg.waitForFunction(() => document.querySelector("#chart[data-drawn='1']"), null, { timeout: 15000 });
    // let a planted onerror handler fire, were there one
    await pg.waitForTimeout(300);
    const imgs = await pg.locator("img").count();
    check(imgs === 0, `hostile ${what}: ${imgs} <img> elements, want 0`);
    const text = await pg.evaluate(() => document.body.innerText);
    check(text.includes(want.text), `hostile ${what}: the markup shown as text`);
    await pg.close();
  }
}

// file:// only: every trend and run link of the overview has its data file
async function linksHaveFiles(ov) {
  if (!base.startsWith("file://")) return;
  const root = fileURLToPath(base);
  const hrefs = await ov.evaluate(() =>
    Array.from(document.querySelectorAll("a[href]"), (a) => a.getAttribute("href")));
  let n = 0;
  const missing = [];
  for (const h of hrefs) {
    const m = /^(trend|run)\.html#(.+)$/.exec(h);
    if (!m) continue;
    n++;
    const f = path.join(root, "data", m[1] === "trend" ? "series" : "runs", decodeURIComponent(m[2]) + ".js");
    if (!fs.existsSync(f)) missing.push(h);
  }
  check(n > 0 && missing.length === 0,
        `overview: ${n} trend/run links, all with a data file${missing.length ? " (missing: " + missing.slice(0, 3).join(" ") + ")" : ""}`);
}

try {
  if (want.hostile) {
    await hostile();
    throw null;
  }
  // --- overview
  const ov = await open(base + "index.html");
  await linksHaveFiles(ov);
  check(await ov.evaluate(() => document.body.dataset.ready) === "1", "overview ready");
  const sparks = await ov.locator(".bt-spark[data-drawn='1']").count();
  check(sparks === want.regressions, `overview: ${sparks} sparkline charts drawn, want ${want.regressions}`);
  const canvases = await ov.locator(".bt-spark canvas").count();
  check(canvases === want.regressions, `overview: ${canvases} uPlot canvases, want ${want.regressions}`);
  const regRows = await ov.locator("#regressions tbody tr").count();
  check(regRows === want.regressions, `overview: ${regRows} open regressions listed, want ${want.regressions}`);
  const latest = await ov.locator("#latest tbody tr").count();
  check(latest === want.latestRuns, `overview: ${latest} latest runs, want ${want.latestRuns}`);
  const ranks = await ov.locator("#rankings div.rank").count();
  check(ranks >= 1, `overview: ${ranks} ranking groups`);
  const visible = () => ov.locator("#series tbody tr:not([hidden])").count();
  const all = await visible();
  check(all === want.series, `overview: ${all} series rows, want ${want.series}`);
  await ov.screenshot({ path: path.join(shotDir, "dashboard-overview.png"), fullPage: true });

  await ov.fill("#f-name", want.filter);
  const byName = await visible();
  check(byName === want.filterRows, `filter name='${want.filter}': ${byName} series rows, want ${want.filterRows}`);
  await ov.fill("#f-name", "");
  await ov.fill("#f-search", want.search);
  const bySearch = await visible();
  check(bySearch === want.searchRows, `search '${want.search}': ${bySearch} series rows, want ${want.searchRows}`);
  await ov.fill("#f-search", "");
  await ov.selectOption("#f-machine", want.machine);
  const byMachine = await visible();
  check(byMachine === want.machineRows, `machine=${want.machine}: ${byMachine} series rows, want ${want.machineRows}`);
  const runsShown = await ov.locator("#runs tbody tr:not([hidden])").count();
  check(runsShown === want.machineRuns, `machine=${want.machine}: ${runsShown} runs shown, want ${want.machineRuns}`);
  await ov.selectOption("#f-machine", "");

  // --- trend page, reached through the regression's link
  await ov.locator(`#regressions a[href="trend.html#${want.trendKey}"]`).first().click();
  await ov.waitForFunction(() => document.querySelector("#chart[data-drawn='1']"), null, { timeout: 15000 });
  const tp = ov;
  const pts = await tp.getAttribute("#chart", "data-points");
  check(Number(pts) === want.trendPoints, `trend: ${pts} points, want ${want.trendPoints}`);
  const cps = await tp.getAttribute("#chart", "data-changepoints");
  check(Number(cps) === want.trendChangepoints, `trend: ${cps} change points marked, want ${want.trendChangepoints}`);
  const cpRows = await tp.locator("#changes tbody tr.cp").count();
  check(cpRows === want.trendChangepoints, `trend: ${cpRows} change point rows`);
  const cpText = await tp.locator("#changes tbody").innerText();
  check(cpText.includes(want.trendCommit), `trend: change point at ${want.trendCommit}`);
  const canv = await tp.locator("#chart canvas").count();
  check(canv === 1, `trend: ${canv} canvas`);
  // hover in the middle: the legend and the hover line show a commit
  const box = await tp.locator("#chart .u-over").boundingBox();
  await tp.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2);
  const hover = await tp.locator("#hover").innerText();
  check(/commit c\d\d/.test(hover) && hover.includes("median"), `trend: hover shows commit and numbers (${hover.slice(0, 60)}...)`);
  await tp.screenshot({ path: path.join(shotDir, "dashboard-trend.png"), fullPage: true });

  // --- acknowledged series: its change point is marked acknowledged
  if (want.ackKey) {
    const ap = await open(base + "trend.html#" + want.ackKey);
    const acks = await ap.getAttribute("#chart", "data-acks");
    check(Number(acks) === 1, `acknowledged series: ${acks} acknowledgement marked`);
    check((await ap.locator("#changes tbody").innerText()).includes("acknowledged"), "acknowledged series: change point says acknowledged");
    await ap.close();
  }

  // --- run page
  const rp = await open(base + "run.html#" + want.runId);
  const groups = await rp.locator("#tables table").count();
  check(groups === want.runGroups, `run: ${groups} group tables, want ${want.runGroups}`);
  const fails = await rp.locator("#failures h3").count();
  check(fails === want.runFailures, `run: ${fails} failures, want ${want.runFailures}`);
  const svgs = await rp.locator("#charts svg").count();
  check(svgs >= (want.runCharts || 0), `run: ${svgs} SVG plots, want at least ${want.runCharts || 0}`);
  await rp.screenshot({ path: path.join(shotDir, "dashboard-run.png"), fullPage: true });
} catch (e) {
  if (e !== null) problems.push(`exception: ${e.stack || e}`);
}
await ctx.close();
fs.rmSync(profile, { recursive: true, force: true });
for (const p of problems) console.log(`not ok - ${p}`);
if (failed || problems.length) {
  console.log(`dashboard.mjs: ${failed + problems.length} problems`);
  process.exit(1);
}
console.log("dashboard.mjs: all checks passed");
