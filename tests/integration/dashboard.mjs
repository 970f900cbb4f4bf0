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
// The overview's series list is sorted by type, benchmark and params, and a
// click on a column header sorts it by that column (again: the other way).
//
// With {"hostile": true, "runId", "trendKey", "text"} instead: a store
// whose strings hold markup; the overview, the run page and the trend page
// must show it as text: no <img> element, no dialog, text on the page.
//
// With {"layout": true, "trendPoints": [N...]} instead: the layout at 1400
// and 800 px wide of the overview, the run page of the latest run of each
// type and a trend page per distinct number of points (those in
// trendPoints among them): no sideways scrolling
// (documentElement.scrollWidth <= innerWidth); no two texts of the
// ranking cards, tables and run details overlapping, and none outside its
// ranking card; every text of every SVG plot inside the plot; the trend
// chart's commit labels (uPlot 1.6's drawn axis values, measured in the
// axis font) apart from each other and inside the chart; every table
// cell inside the viewport horizontally, not clipped by a scroll box and
// no narrower than its content. With "ablation": true as well, the
// ranking cards of an ablation say that their speedups are against each
// benchmark's own "none" variant.
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

// How long a page may take to get ready or draw, and any other wait
// (navigation, clicks): only a page that never gets there waits this long,
// so it is wide enough for a loaded machine and a sanitized server.
const WAIT_MS = 60000;

const profile = fs.mkdtempSync(path.join(os.tmpdir(), "bt-chromium-"));
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: exe,
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--allow-file-access-from-files"],
  viewport: { width: 1280, height: 900 },
});
ctx.setDefaultTimeout(WAIT_MS);
ctx.setDefaultNavigationTimeout(WAIT_MS);
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

async function open(url, width) {
  const page = await ctx.newPage();
  if (width) await page.setViewportSize({ width, height: 900 });
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
  await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: WAIT_MS });
  return page;
}

async function hostile() {
  const pages = [["overview", "index.html"], ["run", "run.html#" + want.runId],
                 ["trend", "trend.html#" + want.trendKey]];
  for (const [what, rel] of pages) {
    const pg = await open(base + rel);
    if (what === "trend")
      await pg.waitForFunction(() => document.querySelector("#chart[data-drawn='1']"), null, { timeout: WAIT_MS });
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

// Overlapping or spilling text on the page (see the header); returns the
// problems found, at most a few.
function textProblems() {
  const out = [];
  const seen = new Set(), boxes = [];
  const visible = (r) => r.width > 0.5 && r.height > 0.5;
  for (const root of document.querySelectorAll(".rank, table, dl.meta")) {
    const w = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n; (n = w.nextNode()); ) {
      if (seen.has(n) || !n.data.trim()) continue;
      seen.add(n);
      const e = n.parentElement;
      if (e.closest("[hidden]") || e.closest("svg") || e.closest("details:not([open]) > :not(summary)")) continue;
      const rg = document.createRange();
      rg.selectNodeContents(n);
      for (const b of rg.getClientRects())
        if (visible(b)) boxes.push({ b, t: n.data.trim().slice(0, 40), card: e.closest(".rank") });
    }
  }
  for (let i = 0; i < boxes.length && out.length < 5; i++) {
    const a = boxes[i];
    if (a.card) {
      const c = a.card.getBoundingClientRect();
      if (a.b.left < c.left - 0.5 || a.b.right > c.right + 0.5)
        out.push(`'${a.t}' sticks out of its ranking card (${Math.round(a.b.left)}-${Math.round(a.b.right)} vs ${Math.round(c.left)}-${Math.round(c.right)})`);
    }
    for (let j = 0; j < i; j++) {
      const b = boxes[j];
      if (a.b.left < b.b.right - 1 && b.b.left < a.b.right - 1 &&
          a.b.top < b.b.bottom - 1 && b.b.top < a.b.bottom - 1) {
        out.push(`'${a.t}' overlaps '${b.t}'`);
        break;
      }
    }
  }
  for (const svg of document.querySelectorAll("#charts svg")) {
    const r = svg.getBoundingClientRect();
    const title = svg.querySelector("title") ? svg.querySelector("title").textContent : "plot";
    for (const t of svg.querySelectorAll("text")) {
      const b = t.getBoundingClientRect();
      if (visible(b) && (b.left < r.left - 0.5 || b.right > r.right + 0.5 || b.top < r.top - 0.5 || b.bottom > r.bottom + 0.5))
        out.push(`${title}: '${t.textContent}' outside the plot`);
    }
  }
  // every table cell whole on the screen: inside the viewport horizontally
  // and not clipped by a box that scrolls or hides (overflow-x), and its
  // content no wider than the cell
  const vw = document.documentElement.clientWidth;
  const cellName = (c) => {
    const t = c.closest("table"), hr = t && t.tHead && t.tHead.rows[0];
    const h = c.tagName === "TD" && hr && hr.cells[c.cellIndex] ? hr.cells[c.cellIndex].textContent.trim() : "";
    return `'${c.textContent.trim().slice(0, 30)}'${h ? " (" + h + ")" : ""}`;
  };
  let ncell = 0;
  for (const c of document.querySelectorAll("table td, table th")) {
    if (ncell >= 4) break;
    if (c.closest("[hidden]") || c.closest("details:not([open])")) continue;
    const r = c.getBoundingClientRect();
    if (!visible(r)) continue;
    let why = null;
    if (r.left < -0.5 || r.right > vw + 0.5)
      why = `lies outside the viewport (${Math.round(r.left)}-${Math.round(r.right)} of 0-${vw})`;
    for (let p = c.parentElement; !why && p && p !== document.documentElement; p = p.parentElement) {
      if (getComputedStyle(p).overflowX === "visible") continue;
      const pr = p.getBoundingClientRect();
      if (r.left < pr.left - 0.5 || r.right > pr.right + 0.5)
        why = `is clipped by a scroll box (${Math.round(r.left)}-${Math.round(r.right)} in ${Math.round(pr.left)}-${Math.round(pr.right)})`;
    }
    if (!why && c.scrollWidth > c.clientWidth + 1)
      why = `is wider than its cell (${c.scrollWidth} > ${c.clientWidth})`;
    if (why) {
      out.push(`cell ${cellName(c)} ${why}`);
      ncell++;
    }
  }
  const sw = document.documentElement.scrollWidth;
  if (sw > innerWidth) out.push(`the page scrolls sideways: scrollWidth ${sw} > innerWidth ${innerWidth}`);
  return out.slice(0, 8);
}

// The trend chart's x labels as uPlot drew them (uPlot 1.6: axis._values
// and _splits, in canvas pixels): [labels, problems].
function trendLabels() {
  const u = window.BT_TREND_PLOT, ax = u.axes[0], c = u.ctx;
  const out = [], drawn = [];
  c.save();
  c.font = ax.font[0];
  (ax._values || []).forEach((v, i) => {
    if (v == null || v === "") return;
    const x = u.valToPos(ax._splits[i], "x", true), w = c.measureText(String(v)).width;
    drawn.push([x - w / 2, x + w / 2, String(v)]);
  });
  c.restore();
  const cw = c.canvas.width, gap = 2 * devicePixelRatio;
  drawn.forEach((d, i) => {
    /* flush with the edge reads as cut: 2 px in at least */
    if (d[0] < gap || d[1] > cw - gap) out.push(`label '${d[2]}' at ${Math.round(d[0])}-${Math.round(d[1])} outside the chart (0-${cw})`);
    if (i && d[0] < drawn[i - 1][1] + gap) out.push(`label '${d[2]}' runs into '${drawn[i - 1][2]}'`);
  });
  return [drawn.length, out.slice(0, 5)];
}

async function layout() {
  const ov = await open(base + "index.html", 1400);
  const latest = await ov.evaluate(() =>
    Array.from(document.querySelectorAll("#latest tbody a[href^='run.html#']"), (a) => a.getAttribute("href")));
  const trends = await ov.evaluate(() => {
    const by = {};
    document.querySelectorAll("#series tbody tr").forEach((tr) => {
      const n = Number(tr.cells[7].textContent), a = tr.cells[0].querySelector("a");
      if (n > 1 && a && !by[n]) by[n] = a.getAttribute("href");
    });
    return by;
  });
  if (want.regressions != null) {
    const sum = await ov.locator("#summary").innerText();
    const r = want.regressions;
    check(sum.includes(` · ${r} open regression${r === 1 ? "" : "s"} `), `layout: summary '${sum.slice(0, 80)}...'`);
  }
  if (want.ablation) {
    /* an ablation's speedups are against each benchmark's own "none"
       variant, and its ranking card says so; the note names both bases */
    const [note, cards] = await ov.evaluate(() => [document.querySelector("#rankings .note").textContent,
      Array.from(document.querySelectorAll("#rankings div.rank"), (d) => d.innerText)]);
    const abl = cards.filter((t) => /\[none\]/.test(t));
    check(abl.length > 0 && abl.every((t) => t.includes('against its own "none" variant') && t.includes("the group's baseline")),
          `layout: ${abl.length} ranking cards with an ablation, each says which speedups are against a "none" variant`);
    check(note.includes("the group's baseline") && note.includes('own "none" variant'),
          `layout: the rankings note names both baselines ('${note.slice(0, 120)}...')`);
  }
  await ov.close();
  for (const n of want.trendPoints || [])
    check(trends[n], `layout: a series with ${n} points`);
  const pages = [["overview", "index.html"]];
  [...new Set(latest)].forEach((h) => pages.push([`run page ${h.slice(9, 17)}`, h]));
  Object.keys(trends).forEach((n) => pages.push([`trend page (${n} points)`, trends[n]]));
  for (const width of [1400, 800]) {
    for (const [what, rel] of pages) {
      const pg = await open(base + rel, width);
      if (rel.startsWith("trend"))
        await pg.waitForFunction(() => document.querySelector("#chart[data-drawn='1']"), null, { timeout: WAIT_MS });
      const bad = await pg.evaluate(textProblems);
      check(bad.length === 0, `layout ${width} px, ${what}: ${bad.length ? bad.join("; ") : "no overlapping, cut or sideways text"}`);
      if (rel.startsWith("trend")) {
        const [n, lbad] = await pg.evaluate(trendLabels);
        check(n >= 2 && lbad.length === 0, `layout ${width} px, ${what}: ${n} commit labels${lbad.length ? ": " + lbad.join("; ") : ", apart and inside the chart"}`);
      }
      if (width === 800 && what === "overview")
        await pg.screenshot({ path: path.join(shotDir, "dashboard-layout-overview-800.png"), fullPage: true });
      await pg.close();
    }
  }
}

// The series list: sorted by type, benchmark, params; sortable by column.
async function seriesOrder(ov) {
  const rows = () => ov.evaluate(() => Array.from(document.querySelectorAll("#series tbody tr"), (tr) =>
    ({ type: tr.cells[5].textContent, name: tr.cells[0].textContent, params: tr.cells[2].textContent,
       last: tr.dataset.last === "" ? null : Number(tr.dataset.last) })));
  const coll = new Intl.Collator("en", { numeric: true, sensitivity: "base" });
  const sorted = (a, f) => a.every((r, i) => i === 0 || f(a[i - 1], r) <= 0);
  let r = await rows();
  check(r.length > 1 && sorted(r, (a, b) => coll.compare(a.type, b.type) || coll.compare(a.name, b.name) || coll.compare(a.params, b.params)),
        `series: sorted by type, benchmark, params (${r.slice(0, 3).map((x) => x.type + " " + x.name + " " + x.params).join(", ")}...)`);
  await ov.click("#series th[data-sort='last']");
  r = await rows();
  check(sorted(r.filter((x) => x.last != null), (a, b) => a.last - b.last) &&
        await ov.getAttribute("#series th[data-sort='last']", "aria-sort") === "ascending", "series: sorted by last, ascending");
  await ov.click("#series th[data-sort='last']");
  r = await rows();
  check(sorted(r.filter((x) => x.last != null), (a, b) => b.last - a.last) &&
        await ov.getAttribute("#series th[data-sort='last']", "aria-sort") === "descending", "series: sorted by last, descending");
  await ov.click("#series th[data-sort='name']");
  r = await rows();
  check(sorted(r, (a, b) => coll.compare(a.name, b.name)) &&
        await ov.getAttribute("#series th[data-sort='last']", "aria-sort") === null, "series: sorted by benchmark");
}

// Every metric of a run has its series (want.metrics: {ID: METRIC} of
// the trends, want.series the rows of the overview): the overview lists
// each with its metric, each trend page draws its chart and names its
// metric, and an open regression of a metric says which.
async function metrics() {
  const ov = await open(base + "index.html");
  const rows = await ov.evaluate(() => Array.from(document.querySelectorAll("#series tbody tr"), (tr) =>
    [tr.cells[0].querySelector("a").getAttribute("href"), tr.cells[4].textContent]));
  check(rows.length === want.series, `metrics: ${rows.length} series rows, want ${want.series}`);
  for (const [id, metric] of Object.entries(want.metrics)) {
    check(rows.some(([h, m]) => h === "trend.html#" + id && m === metric), `metrics: a row of ${id} with metric ${metric}`);
    const tp = await open(base + "trend.html#" + id);
    await tp.waitForFunction(() => document.querySelector("#chart[data-drawn='1']"), null, { timeout: WAIT_MS });
    const sum = await tp.locator("#summary").innerText();
    check(sum.includes(" · " + metric + " ("), `metrics: trend ${id} names ${metric} ('${sum.slice(0, 80)}...')`);
    await tp.close();
  }
  if (want.regMetric) {
    const regs = await ov.locator("#regressions tbody").innerText();
    check(regs.includes(" · " + want.regMetric), `metrics: the open regression names ${want.regMetric} ('${regs.slice(0, 80)}...')`);
  }
  await ov.close();
}

try {
  if (want.metrics) {
    await metrics();
    throw null;
  }
  if (want.hostile) {
    await hostile();
    throw null;
  }
  if (want.layout) {
    await layout();
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
  const summary = await ov.locator("#summary").innerText();
  check(/^\d+ runs · \d+ series · \d+ points · (\d+ open regressions|1 open regression) /.test(summary) &&
        !/\b1 (runs|points|open regressions)\b/.test(summary), `overview: summary '${summary.slice(0, 70)}...'`);
  await ov.screenshot({ path: path.join(shotDir, "dashboard-overview.png"), fullPage: true });

  await seriesOrder(ov);
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
  await ov.waitForFunction(() => document.querySelector("#chart[data-drawn='1']"), null, { timeout: WAIT_MS });
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
