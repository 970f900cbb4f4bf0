/* benchtrack dashboard: the script of index.html, trend.html and run.html.
 *
 * Data files are JavaScript that call btData(kind, id, object), loaded
 * with <script> tags so that the pages work from file:// (where fetch()
 * of local files is refused) as well as from `benchtrack serve`:
 *   data/index.js          btData("index", "", {...})   runs, series list, regressions
 *   data/series/KEY.js     btData("series", KEY, {...}) the points of one series
 *   data/runs/ID.js        btData("run", ID, {...})     the table and plots of one run
 * lib/report/dashboard/ writes them; it documents the fields (index.c,
 * trends.c, runs.c).
 *
 * When a chart has been drawn its element gets data-drawn="1" (and the
 * trend chart data-points and data-changepoints); window.BT_DRAWN_AT is
 * performance.now() at the first draw of the trend chart, and
 * window.BT_TREND_PLOT the trend chart's uPlot. Tests and
 * scripts/bench-dashboard.sh rely on these.
 */
(function () {
	"use strict";

	var DATA = {};
	window.btData = function (kind, id, obj) {
		DATA[kind + ":" + (id || "")] = obj;
	};

	/* Loads a data file once; resolves with its object. */
	function load(kind, id, src) {
		var k = kind + ":" + (id || "");
		return new Promise(function (resolve, reject) {
			if (DATA[k])
				return resolve(DATA[k]);
			var s = document.createElement("script");
			s.src = src;
			s.onload = function () {
				if (DATA[k])
					resolve(DATA[k]);
				else
					reject(new Error(src + ": holds no " + kind + " data"));
			};
			s.onerror = function () {
				reject(new Error("cannot load " + src));
			};
			document.head.appendChild(s);
		});
	}

	/* A file name from an id, as safe_name() in lib/report/dashboard/runs.c:
	 * [A-Za-z0-9._-] kept, others '_', at most 127 characters, no
	 * leading '.', "_" for none. Series keys are 16 hex digits (the
	 * readers refuse others), which this leaves as they are. */
	function safe(id) {
		var s = String(id || "");
		/* bytes, as the writer counts them: UTF-8 */
		try { s = unescape(encodeURIComponent(s)); } catch (e) { /* lone surrogate */ }
		s = s.slice(0, 127).replace(/[^A-Za-z0-9._-]/g, "_");
		if (s.charAt(0) === ".") s = "_" + s.slice(1);
		return s || "_";
	}

	/* --- formatting (as lib/report/format.c) ------------------------------ */

	function sig3(x) {
		var a = Math.abs(x);
		if (a < 9.995) return x.toFixed(2);
		if (a < 99.95) return x.toFixed(1);
		return x.toFixed(0);
	}
	function fmtDur(s) {
		if (s == null || !isFinite(s) || s < 0) return "-";
		if (s === 0) return "0 s";
		var units = [["ns", 1e-9], ["us", 1e-6], ["ms", 1e-3], ["s", 1]];
		for (var i = 0; i < units.length; i++) {
			var v = s / units[i][1];
			if (i === units.length - 1 || Math.abs(Number(sig3(v))) < 1000)
				return sig3(v) + " " + units[i][0];
		}
	}
	function fmtBytes(b) {
		if (b == null || !isFinite(b) || b < 0) return "-";
		if (b < 1024) return Math.round(b) + " B";
		var u = ["KiB", "MiB", "GiB", "TiB", "PiB"], v = b;
		for (var i = 0; i < u.length; i++) {
			v /= 1024;
			if (Number(sig3(v)) < 1024 || i === u.length - 1)
				return sig3(v) + " " + u[i];
		}
	}
	function fmtRate(v, unit) {
		if (v == null || !isFinite(v)) return "-";
		var p = ["", "k", "M", "G", "T", "P"], i = 0, x = v;
		while (i < p.length - 1 && Math.abs(Number(sig3(x))) >= 1000) {
			x /= 1000;
			i++;
		}
		if (unit && unit.indexOf("B/") === 0)
			return sig3(x) + " " + p[i] + unit;
		return sig3(x) + (p[i] || unit ? " " : "") + p[i] + (unit ? (p[i] ? " " : "") + unit : "");
	}
	function fmtQ(v, unit) {
		if (v == null || !isFinite(v)) return "-";
		if (!unit || unit === "s") return fmtDur(v);
		if (unit === "B") return fmtBytes(v);
		return fmtRate(v, unit);
	}
	function fmtPct(x) {
		if (x == null || !isFinite(x)) return "-";
		var p = 100 * x;
		return (p > 0 ? "+" : "") + (Math.abs(p) < 1000 ? p.toFixed(1) : p.toFixed(0)) + "%";
	}
	function fmtP(p) {
		if (p == null || !isFinite(p)) return "-";
		return p < 1e-4 ? "<0.0001" : p.toPrecision(2);
	}
	function short(c) {
		return c ? String(c).slice(0, 10) : "-";
	}
	function day(t) {
		return t ? String(t).replace("T", " ").slice(0, 16) : "-";
	}
	function paramsText(p) {
		return p ? String(p).split(";").join(" ") : "";
	}
	/* "1 run", "2 runs": n and the word, plural ("s" added unless given)
	 * when n is not 1 */
	function count(n, word, plural) {
		return n + " " + (n === 1 ? word : plural || word + "s");
	}
	/* Text order with numbers by value: "n=256" before "n=1024". */
	var collator = typeof Intl !== "undefined" && Intl.Collator ?
		new Intl.Collator("en", { numeric: true, sensitivity: "base" }) : null;
	function cmpText(a, b) {
		a = a == null ? "" : String(a);
		b = b == null ? "" : String(b);
		if (collator) return collator.compare(a, b);
		return a < b ? -1 : a > b ? 1 : 0;
	}

	/* --- DOM helpers ------------------------------------------------------ */

	function el(tag, attrs, kids) {
		var e = document.createElement(tag);
		if (attrs)
			for (var k in attrs) {
				if (attrs[k] == null) continue;
				if (k === "text") e.textContent = attrs[k];
				else if (k === "cls") e.className = attrs[k];
				else e.setAttribute(k, attrs[k]);
			}
		(kids || []).forEach(function (c) {
			if (c == null) return;
			e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
		});
		return e;
	}
	function td(text, cls) {
		return el("td", { text: text, cls: cls });
	}
	/* node with text in it that a line may break after '+', '/', ',',
	 * '=' or '_' (long names of implementations and variants) */
	function breakable(node, text) {
		String(text).split(/([+\/,=_])/).forEach(function (part, i) {
			if (!part) return;
			node.appendChild(document.createTextNode(part));
			if (i % 2) node.appendChild(document.createElement("wbr"));
		});
		return node;
	}
	function link(href, text) {
		return el("a", { href: href, text: text });
	}
	function $(sel) {
		return document.querySelector(sel);
	}
	function fail(where, e) {
		var msg = (e && e.message) || String(e);
		var box = $(where) || document.body;
		box.appendChild(el("p", { cls: "error", text: msg }));
	}
	/* Tables in a div.fit: each cell's data-label is its column's
	 * header; a table wider than its box is stacked (class "stack", a
	 * block of "column: value" lines per row; dashboard.css), so that no
	 * column is out of view and nothing scrolls sideways. Again on every
	 * resize. */
	function fitTables() {
		document.querySelectorAll(".fit > table.list").forEach(function (t) {
			var hr = t.tHead && t.tHead.rows[0];
			if (hr)
				Array.prototype.forEach.call(t.tBodies, function (tb) {
					Array.prototype.forEach.call(tb.rows, function (tr) {
						Array.prototype.forEach.call(tr.cells, function (c, i) {
							var h = hr.cells[i] ? hr.cells[i].textContent.replace(/[\u25b2\u25bc]/g, "").trim() : "";
							if (h) c.dataset.label = h;
						});
					});
				});
			t.classList.remove("stack");
			if (t.offsetWidth > t.parentElement.clientWidth + 1)
				t.classList.add("stack");
		});
	}
	var fitPending = false;
	window.addEventListener("resize", function () {
		if (fitPending) return;
		fitPending = true;
		requestAnimationFrame(function () { fitPending = false; fitTables(); });
	});
	function plotWidth(node, fallback) {
		var w = node.clientWidth || fallback;
		return Math.max(240, w);
	}

	/* --- overview --------------------------------------------------------- */

	function runRow(r, cols) {
		var tr = el("tr");
		tr.dataset.type = r.type || "";
		tr.dataset.machine = r.machine || "";
		tr.dataset.names = "";
		var cells = {
			type: r.type, suite: r.suite, date: day(r.t), branch: r.branch || "-",
			machine: r.machine || "-"
		};
		cols.forEach(function (c) {
			if (c === "commit") {
				var t = td(null, "mono");
				t.appendChild(r.page ? link("run.html#" + safe(r.id), short(r.commit))
						     : document.createTextNode(short(r.commit)));
				tr.appendChild(t);
			} else if (c === "date" && r.page) {
				var d = td(null);
				d.appendChild(link("run.html#" + safe(r.id), day(r.t)));
				tr.appendChild(d);
			} else if (c === "n") {
				tr.appendChild(td(String(r.n), "num"));
			} else if (c === "failed") {
				tr.appendChild(td(String(r.failed), r.failed ? "num bad" : "num"));
			} else {
				tr.appendChild(td(cells[c] == null ? "-" : String(cells[c])));
			}
		});
		tr.dataset.text = [r.type, r.suite, r.commit, r.branch, r.machine, r.id].join(" ").toLowerCase();
		return tr;
	}

	function sparkline(node, r) {
		var xs = [], ys = r.spark;
		for (var i = 0; i < ys.length; i++) xs.push(i);
		var opts = {
			width: 160, height: 36, pxAlign: false,
			legend: { show: false }, cursor: { show: false },
			select: { show: false },
			scales: { x: { time: false } },
			axes: [{ show: false }, { show: false }],
			series: [{}, { stroke: "#334", width: 1.25 }],
			hooks: {
				draw: [function (u) {
					var x = u.valToPos(r.sparkAt, "x", true), c = u.ctx;
					c.save();
					c.strokeStyle = "#d33";
					c.setLineDash([3, 2]);
					c.beginPath();
					c.moveTo(x, u.bbox.top);
					c.lineTo(x, u.bbox.top + u.bbox.height);
					c.stroke();
					c.restore();
					node.dataset.drawn = "1";
				}]
			}
		};
		new uPlot(opts, [xs, ys], node);
	}

	function filtersInit(ix) {
		var ft = $("#f-type"), fm = $("#f-machine");
		(ix.types || []).forEach(function (t) { ft.appendChild(el("option", { value: t, text: t })); });
		(ix.machines || []).forEach(function (m) { fm.appendChild(el("option", { value: m, text: m })); });
		var q = new URLSearchParams(location.search);
		if (q.get("type")) ft.value = q.get("type");
		if (q.get("machine")) fm.value = q.get("machine");
		if (q.get("name")) $("#f-name").value = q.get("name");
		if (q.get("q")) $("#f-search").value = q.get("q");
		["#f-type", "#f-machine", "#f-name", "#f-search"].forEach(function (s) {
			$(s).addEventListener("input", applyFilters);
			$(s).addEventListener("change", applyFilters);
		});
	}

	/* Hides the rows of every filterable table that do not match. A row
	 * carries data-type, data-machine, data-names (benchmark names, space
	 * separated) and data-text (what the search box looks in). */
	function applyFilters() {
		var type = $("#f-type").value, machine = $("#f-machine").value;
		var name = $("#f-name").value.trim().toLowerCase();
		var words = $("#f-search").value.trim().toLowerCase().split(/\s+/).filter(Boolean);
		var shown = 0, total = 0;
		document.querySelectorAll("tr[data-text], div.rank[data-text]").forEach(function (row) {
			/* run rows have no benchmark names: the name filter leaves them */
			var names = (row.dataset.names || "").toLowerCase();
			var ok = (!type || row.dataset.type === type) &&
				(!machine || row.dataset.machine === machine) &&
				(!name || !names || names.indexOf(name) >= 0) &&
				words.every(function (w) { return row.dataset.text.indexOf(w) >= 0; });
			row.hidden = !ok;
			total++;
			if (ok) shown++;
		});
		document.querySelectorAll("section").forEach(function (s) {
			var c = s.querySelector("h2 .count");
			if (!c) return;
			var rows = s.querySelectorAll("tr[data-text]");
			var vis = 0;
			rows.forEach(function (r) { if (!r.hidden) vis++; });
			c.textContent = "(" + (vis === rows.length ? rows.length : vis + " of " + rows.length) + ")";
		});
		$("#f-count").textContent = shown + " of " + total + " rows shown";
	}

	/* The series list: by type, benchmark, params (numbers by value), then
	 * variant, machine and key, until a column header is clicked. */
	function seriesOrder(a, b) {
		return cmpText(a.type, b.type) || cmpText(a.name, b.name) ||
			cmpText(paramsText(a.params), paramsText(b.params)) ||
			cmpText(a.variant || "default", b.variant || "default") ||
			cmpText(a.machine, b.machine) || cmpText(a.metric, b.metric) ||
			cmpText(a.k, b.k);
	}

	/* " · METRIC" after a benchmark's name when its metric is not time
	 * (every metric of a run has its series). */
	function metricNote(s) {
		return s.metric && s.metric !== "time" ? " · " + s.metric : "";
	}

	/* A click on a header of the series table (th[data-sort]) sorts the
	 * rows by that column, a second click the other way round; ties keep
	 * the default order. aria-sort on the header says which. */
	function sortableSeries() {
		var table = $("#series table"), tb = table.querySelector("tbody");
		var num = { last: 1, n: 1, regs: 1 };
		function value(s, key) {
			if (key === "params") return paramsText(s.params);
			if (key === "variant") return s.variant || "default";
			if (key === "regs") return s.regs || 0;
			return s[key];
		}
		function sortBy(th) {
			var key = th.dataset.sort;
			var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
			table.querySelectorAll("th[data-sort]").forEach(function (h) { h.removeAttribute("aria-sort"); });
			th.setAttribute("aria-sort", dir > 0 ? "ascending" : "descending");
			var rows = Array.prototype.slice.call(tb.rows);
			rows.sort(function (ra, rb) {
				var a = value(ra._series, key), b = value(rb._series, key), c;
				if (num[key]) {
					/* unknown numbers last, either way */
					var ua = a == null || !isFinite(a), ub = b == null || !isFinite(b);
					if (ua || ub) return ua - ub || seriesOrder(ra._series, rb._series);
					c = a - b;
				} else {
					c = cmpText(a, b);
				}
				return dir * c || seriesOrder(ra._series, rb._series);
			});
			rows.forEach(function (r) { tb.appendChild(r); });
		}
		table.querySelectorAll("th[data-sort]").forEach(function (th) {
			th.tabIndex = 0;
			th.title = "sort by " + th.textContent;
			th.addEventListener("click", function () { sortBy(th); });
			th.addEventListener("keydown", function (e) {
				if (e.key === "Enter" || e.key === " ") {
					e.preventDefault();
					sortBy(th);
				}
			});
		});
	}

	function rankingBlock(run, rd) {
		var box = el("details", { cls: "rankrun" });
		box.open = true;
		box.appendChild(el("summary", null, [
			el("strong", { text: run.type }), " — ", link("run.html#" + safe(run.id), short(run.commit)),
			" · " + day(run.t) + " · " + (run.machine || "-")]));
		var wrap = el("div", { cls: "rankgrid" });
		(rd.rank || []).forEach(function (g) {
			var names = g.items.map(function (it) { return it.name; });
			var d = el("div", { cls: "rank" });
			d.dataset.type = run.type || "";
			d.dataset.machine = run.machine || "";
			d.dataset.names = names.join(" ");
			d.dataset.text = (g.group + " " + g.params + " " + names.join(" ")).toLowerCase();
			d.appendChild(el("h3", { text: g.group + (g.params ? " · " + paramsText(g.params) : "") }));
			var t = el("table", { cls: "list compact" });
			g.items.forEach(function (it, i) {
				t.appendChild(el("tr", null, [td(String(i + 1), "num"),
					breakable(td(null, "name"), it.name + (it.variant && it.variant !== "default" ? " [" + it.variant + "]" : "")),
					td(it.median, "num"), td(it.speedup, "num " + (it.style || ""))]));
			});
			d.appendChild(t);
			/* an ablation's speedups are against the benchmark's own
			 * "none" variant (lib/report/table.c), the others' against
			 * the group's baseline: say which are which */
			var abl = g.items.filter(function (it) { return it.variant === "none"; })
				.map(function (it) { return it.name; });
			if (abl.length) {
				var rest = g.items.some(function (it) { return abl.indexOf(it.name) < 0; });
				d.appendChild(breakable(el("p", { cls: "muted note" }),
					"speedup of " + abl.join(", ") + " [variants]: against its own \"none\" variant" +
					(rest ? "; of the others: against the group's baseline" : "")));
			}
			wrap.appendChild(d);
		});
		if (!(rd.rank || []).length)
			wrap.appendChild(el("p", { cls: "muted", text: "no group with more than one implementation" }));
		box.appendChild(wrap);
		return box;
	}

	/* What an event (a pending change, a reverted excursion) is, in words. */
	function eventState(e, backCommit) {
		var more = e.more + " more point" + (e.more === 1 ? "" : "s");
		if (e.kind === "excursion" || e.x) {
			var back = "back at " + (backCommit ? short(backCommit) : "point " + (e.end != null ? e.end : e.e));
			return e.status === "reverted" || e.s === 1 ? "reverted: " + back
				: "pending: " + back + ", " + more + " confirm" + (e.more === 1 ? "s" : "") + " it";
		}
		return "pending: " + more + " confirm" + (e.more === 1 ? "s" : "") + " it";
	}

	/* The first cells of a row of the overview's changes (open regressions,
	 * pending and reverted events) of entry r of index.js: the filters'
	 * data (extra: more words for the text filter), the date, the commit
	 * (to its run), the benchmark (to its trend) and the machine. cls: the
	 * row's class, or null. */
	function changeRow(r, cls, extra) {
		var tr = el("tr", { cls: cls });
		tr.dataset.type = r.type || "";
		tr.dataset.machine = r.machine || "";
		tr.dataset.names = r.name;
		tr.dataset.text = [r.name, r.variant, paramsText(r.params), r.machine, r.commit, r.k,
			r.type].concat(extra).join(" ").toLowerCase();
		tr.appendChild(td(day(r.t)));
		var c = td(null, "mono");
		c.appendChild(link("run.html#" + safe(r.run), short(r.commit)));
		tr.appendChild(c);
		var b = td(null);
		b.className = "name";
		b.appendChild(breakable(link("trend.html#" + safe(r.k), null), r.name +
			(r.variant && r.variant !== "default" ? " [" + r.variant + "]" : "") +
			(r.params ? " " + paramsText(r.params) : "") + metricNote(r)));
		tr.appendChild(b);
		tr.appendChild(td(r.machine || "-"));
		return tr;
	}

	/* Appends to tr the cells a change point and an event c of series s
	 * share in the trend page's table: the date and commit (to its run) of
	 * point c.i, the values before and after, the change, the p-value.
	 * Returns tr. */
	function changeCells(tr, s, c, unit) {
		tr.appendChild(td(day(s.t[c.i])));
		var cc = td(null, "mono");
		cc.appendChild(link("run.html#" + safe(s.run[c.i]), short(s.commit[c.i])));
		tr.appendChild(cc);
		tr.appendChild(td(fmtQ(c.before, unit), "num"));
		tr.appendChild(td(fmtQ(c.after, unit), "num"));
		tr.appendChild(td(fmtPct(c.rel), "num " + (c.worse ? "bad" : "good")));
		tr.appendChild(td(fmtP(c.p), "num"));
		return tr;
	}

	function pageIndex() {
		load("index", "", "data/index.js").then(function (ix) {
			var t = ix.totals;
			$("#summary").textContent = count(t.runs, "run") + " · " + count(t.series, "series", "series") +
				" · " + count(t.points, "point") + " · " + count(t.regressions, "open regression") +
				(t.acked ? " (" + t.acked + " acknowledged)" : "") + " · generated " + day(ix.generated) + " UTC";
			filtersInit(ix);

			var tb = $("#latest tbody");
			ix.latest.forEach(function (r) {
				tb.appendChild(runRow(r, ["type", "suite", "date", "commit", "branch", "machine", "n", "failed"]));
			});
			tb = $("#runs tbody");
			ix.runs.forEach(function (r) {
				tb.appendChild(runRow(r, ["date", "type", "suite", "commit", "branch", "machine", "n", "failed"]));
			});
			if (t.runs > ix.runs.length)
				$("#runs").appendChild(el("p", { cls: "muted note",
					text: "the " + ix.runs.length + " newest of " + count(t.runs, "run") + "; every run has a page, linked from the trend charts" }));

			tb = $("#regressions tbody");
			if (!ix.regs.length)
				$("#regressions").appendChild(el("p", { cls: "good", text: "No open regressions." }));
			var sparks = [];
			ix.regs.forEach(function (r) {
				var tr = changeRow(r, null, r.recovered != null ? ["partly fixed"] : []);
				/* a regression partly fixed later: the level now, where and how much */
				tr.appendChild(td(fmtQ(r.before, r.unit) + " → " + fmtQ(r.after, r.unit) +
					(r.recovered != null ? " → " + fmtQ(r.back, r.unit) + " (partly fixed at " +
						short(r.backCommit) + ", " + Math.round(100 * r.recovered) + "% undone)" : ""),
					"num"));
				tr.appendChild(td(fmtPct(r.rel), "num bad"));
				var sc = td(null, "spark");
				var a = el("a", { href: "trend.html#" + safe(r.k), title: "open the trend" });
				var div = el("div", { cls: "bt-chart bt-spark" });
				a.appendChild(div);
				sc.appendChild(a);
				tr.appendChild(sc);
				tb.appendChild(tr);
				if (r.spark && r.spark.length > 1) sparks.push([div, r]);
			});
			sparks.forEach(function (s) { sparkline(s[0], s[1]); });

			/* pending changes (not confirmed yet) and reverted excursions */
			tb = $("#events tbody");
			if (!(ix.events || []).length)
				$("#events").appendChild(el("p", { cls: "muted", text: "None." }));
			(ix.events || []).forEach(function (r) {
				var tr = changeRow(r, "ev " + r.status, [r.status]);
				tr.appendChild(td(fmtQ(r.before, r.unit) + " → " + fmtQ(r.after, r.unit) +
					(r.kind === "excursion" ? " → " + fmtQ(r.back, r.unit) : ""), "num"));
				tr.appendChild(td(fmtPct(r.rel), "num bad"));
				tr.appendChild(td(eventState(r, r.backCommit), r.status === "pending" ? "bad" : "muted"));
				tb.appendChild(tr);
			});

			tb = $("#series tbody");
			ix.series.slice().sort(seriesOrder).forEach(function (s) {
				var tr = el("tr");
				tr._series = s;
				tr.dataset.last = s.last == null ? "" : String(s.last);
				tr.dataset.type = s.type || "";
				tr.dataset.machine = s.machine || "";
				tr.dataset.names = s.name;
				tr.dataset.text = [s.name, s.variant, paramsText(s.params), s.machine, s.metric, s.k, s.type, s.suite].join(" ").toLowerCase();
				var n = td(null, "name");
				n.appendChild(breakable(link("trend.html#" + safe(s.k), null), s.name));
				tr.appendChild(n);
				tr.appendChild(breakable(td(null), s.variant || "default"));
				tr.appendChild(breakable(td(null, "brk"), paramsText(s.params) || "-"));
				tr.appendChild(td(s.machine || "-"));
				tr.appendChild(td(s.metric || "time"));
				tr.appendChild(td(s.type || "-"));
				tr.appendChild(td(fmtQ(s.last, s.unit), "num"));
				tr.appendChild(td(String(s.n), "num"));
				tr.appendChild(td(s.regs ? count(s.regs, "open regression") : "ok",
					s.regs ? "bad" : "good"));
				tb.appendChild(tr);
			});
			sortableSeries();
			applyFilters();

			/* rankings: each latest run's own data file */
			var rk = $("#rankings .body");
			var jobs = ix.latest.filter(function (r) { return r.page; }).map(function (r) {
				return load("run", r.id, "data/runs/" + safe(r.id) + ".js").then(function (rd) {
					return rankingBlock(r, rd);
				}, function (e) {
					return el("p", { cls: "error", text: r.type + ": " + e.message });
				});
			});
			return Promise.all(jobs).then(function (blocks) {
				blocks.forEach(function (b) { rk.appendChild(b); });
				if (!blocks.length) rk.appendChild(el("p", { cls: "muted", text: "no runs" }));
				applyFilters();
				fitTables();
				document.body.dataset.ready = "1";
			});
		}).catch(function (e) { fail("main", e); document.body.dataset.ready = "error"; });
	}

	/* --- trend page ------------------------------------------------------- */

	function trendKey() {
		var k = location.hash.replace(/^#/, "");
		if (!k) k = new URLSearchParams(location.search).get("key") || "";
		return decodeURIComponent(k);
	}

	var trendPlot = null;

	function pageTrend() {
		var key = trendKey();
		if (!key) {
			fail("main", new Error("no series given: open trend.html#SERIES_KEY"));
			return;
		}
		/* the series file names its points' runs by their index in the
		 * index's run table (rt): both are needed */
		Promise.all([load("index", "", "data/index.js"),
			     load("series", key, "data/series/" + safe(key) + ".js")])
			.then(function (both) { drawTrend(withRuns(both[1], both[0].rt)); })
			.catch(function (e) { fail("main", e); document.body.dataset.ready = "error"; });
	}

	/* s.run, s.commit and s.t (per point) from the run table. */
	function withRuns(s, rt) {
		var r = s.r || [], n = r.length;
		s.run = new Array(n);
		s.commit = new Array(n);
		s.t = new Array(n);
		for (var i = 0; i < n; i++) {
			var j = r[i];
			var ok = rt && j >= 0 && j < rt.id.length;
			s.run[i] = ok ? rt.id[j] : null;
			s.commit[i] = ok ? rt.commit[j] : null;
			s.t[i] = ok ? rt.t[j] : null;
		}
		return s;
	}

	function drawTrend(s) {
		var n = s.v.length, xs = new Array(n);
		for (var i = 0; i < n; i++) xs[i] = i;
		var unit = s.unit || "s";
		document.title = s.name + " · " + document.title;
		$("#summary").textContent = s.name + (s.variant && s.variant !== "default" ? " [" + s.variant + "]" : "") +
			(s.params ? " · " + paramsText(s.params) : "") + " · " + s.metric + " (" + unit + ", " +
			(s.dir > 0 ? "higher" : "lower") + " is better) · " + (s.machine || s.fingerprint) +
			" · " + s.suite + " · " + count(n, "run") + " · series " + s.key;

		var node = $("#chart"), hover = $("#hover");
		var fmt = function (u, v) { return v == null ? "-" : fmtQ(v, unit); };
		var cps = s.cps || [], acks = (s.acks || []).filter(function (a) { return a.i >= 0; });
		var first = true;
		/* commit labels: ticks at least the widest label (measured in the
		 * axis font) plus a gap apart, and room at the right for half a
		 * label centred on the last point */
		var AXIS_FONT = "12px system-ui, -apple-system, \"Segoe UI\", Roboto, \"DejaVu Sans\", sans-serif";
		var commitLabel = function (i) {
			return Number.isInteger(i) && s.commit[i] ? String(s.commit[i]).slice(0, 7) : "";
		};
		var labelW = 0, mctx = document.createElement("canvas").getContext("2d");
		mctx.font = AXIS_FONT;
		for (var li = 0; li < n; li++)
			labelW = Math.max(labelW, mctx.measureText(commitLabel(li)).width);
		labelW = Math.ceil(labelW);
		var opts = {
			width: plotWidth(node, 900), height: 360,
			padding: [12, Math.ceil(labelW / 2) + 8, 0, 0],
			scales: { x: { time: false } },
			axes: [
				{ values: function (u, sp) { return sp.map(commitLabel); },
				  font: AXIS_FONT,
				  space: labelW + 16,
				  incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000],
				  label: "commit (oldest → newest)" },
				{ values: function (u, sp) { return sp.map(function (v) { return fmtQ(v, unit); }); }, size: 70,
				  label: s.metric }
			],
			series: [
				{ label: "run", value: function (u, i) { return i == null ? "-" : "#" + (i + 1) + " " + short(s.commit[i]) + " " + day(s.t[i]); } },
				{ label: "median", stroke: "#1f5fbf", width: 1.5, value: fmt, points: { size: 4 } },
				{ label: "p75", stroke: "rgba(31,95,191,0.25)", width: 0.5, value: fmt, points: { show: false } },
				{ label: "p25", stroke: "rgba(31,95,191,0.25)", width: 0.5, value: fmt, points: { show: false } },
				{ label: "max", stroke: "rgba(120,120,140,0.25)", width: 0.5, value: fmt, points: { show: false } },
				{ label: "min", stroke: "rgba(120,120,140,0.25)", width: 0.5, value: fmt, points: { show: false } }
			],
			bands: [
				{ series: [4, 5], fill: "rgba(120,120,140,0.10)" },
				{ series: [2, 3], fill: "rgba(31,95,191,0.18)" }
			],
			hooks: {
				draw: [function (u) {
					var c = u.ctx, top = u.bbox.top, h = u.bbox.height;
					c.save();
					c.lineWidth = 1.5 * devicePixelRatio;
					cps.forEach(function (p) {
						var x = u.valToPos(p.i, "x", true);
						c.strokeStyle = p.worse ? "#d33" : "#2a2";
						c.setLineDash([6, 4]);
						c.beginPath(); c.moveTo(x, top); c.lineTo(x, top + h); c.stroke();
					});
					acks.forEach(function (a) {
						var x = u.valToPos(a.i, "x", true);
						c.strokeStyle = "#36c";
						c.setLineDash([2, 3]);
						c.beginPath(); c.moveTo(x, top); c.lineTo(x, top + h); c.stroke();
					});
					c.restore();
					if (first) {
						first = false;
						window.BT_DRAWN_AT = performance.now();
						node.dataset.points = String(n);
						node.dataset.changepoints = String(cps.length);
						node.dataset.acks = String(acks.length);
						node.dataset.drawn = "1";
						document.body.dataset.ready = "1";
					}
				}],
				setCursor: [function (u) {
					var i = u.cursor.idx;
					if (i == null) return;
					hover.textContent = "run " + (i + 1) + " of " + n + " · commit " + (s.commit[i] || "-") +
						" · " + day(s.t[i]) + " UTC · median " + fmtQ(s.v[i], unit) +
						" · p25–p75 " + fmtQ(s.p25[i], unit) + " – " + fmtQ(s.p75[i], unit) +
						" · min–max " + fmtQ(s.min[i], unit) + " – " + fmtQ(s.max[i], unit) +
						" · n " + (s.n[i] == null ? "-" : s.n[i]);
				}]
			}
		};
		trendPlot = new uPlot(opts, [xs, s.v, s.p75, s.p25, s.max, s.min], node);
		window.BT_TREND_PLOT = trendPlot;
		trendPlot.over.addEventListener("click", function () {
			var i = trendPlot.cursor.idx;
			if (i != null && s.run[i]) location.href = "run.html#" + safe(s.run[i]);
		});
		window.addEventListener("resize", function () {
			trendPlot.setSize({ width: plotWidth(node, 900), height: 360 });
		});

		var tb = $("#changes tbody");
		if (!cps.length && !(s.ev || []).length)
			$("#changes").appendChild(el("p", { cls: "muted", text: "No change points." }));
		cps.forEach(function (p) {
			var tr = changeCells(el("tr", { cls: "cp" }), s, p, unit);
			tr.appendChild(td((p.worse ? "regressed" : "improved") +
				(p.fx != null && p.fx >= 0 ? ", partly fixed at " + short(s.commit[p.fx]) + " (" +
					Math.round(100 * p.fr) + "% undone)" : "") + (p.acked ? " (acknowledged)" : ""),
				p.acked ? "muted" : p.worse ? "bad" : "good"));
			tb.appendChild(tr);
		});
		(s.ev || []).forEach(function (e) {
			var tr = changeCells(el("tr", { cls: "ev " + (e.s === 1 ? "reverted" : "pending") }), s, e, unit);
			tr.appendChild(td(eventState(e, e.x ? s.commit[e.e] : null) + (e.acked ? " (acknowledged)" : ""),
				e.s === 1 || e.acked ? "muted" : e.worse ? "bad" : "good"));
			tb.appendChild(tr);
		});
		tb = $("#acks tbody");
		if (!(s.acks || []).length)
			$("#acks").appendChild(el("p", { cls: "muted", text: "None." }));
		(s.acks || []).forEach(function (a) {
			tb.appendChild(el("tr", null, [td(a.commit, "mono"), td(a.reason), td(a.who), td(day(a.when))]));
		});
		fitTables();
	}

	/* --- run page --------------------------------------------------------- */

	function pageRun() {
		var id = decodeURIComponent(location.hash.replace(/^#/, "")) ||
			new URLSearchParams(location.search).get("id") || "";
		if (!id) {
			fail("main", new Error("no run given: open run.html#RUN_ID"));
			return;
		}
		load("run", id, "data/runs/" + safe(id) + ".js").then(drawRun)
			.catch(function (e) { fail("main", e); document.body.dataset.ready = "error"; });
	}

	function drawRun(r) {
		document.title = r.suite + " " + short(r.commit) + " · " + document.title;
		$("#summary").textContent = r.suite + " · " + r.type + " · " + day(r.t) + " UTC · commit " +
			short(r.commit) + " · " + (r.machine || "-") + " · " + count(r.cases, "case") + ", " + r.failed + " failed";
		var dl = $("#meta dl");
		[["run", r.id], ["suite", r.suite], ["type", r.type], ["when", r.t],
		 ["duration", r.duration == null ? "-" : r.duration.toFixed(1) + " s"],
		 ["commit", (r.commit || "-") + (r.dirty === 1 ? " (dirty)" : "")], ["branch", r.branch || "-"],
		 ["machine", (r.machine || "-") + " (" + (r.fingerprint || "-") + ")"], ["CPU", r.cpu || "-"],
		 ["OS", r.os || "-"], ["compiler", (r.compiler || "-") + (r.flags ? " " + r.flags : "")],
		 ["cases", r.cases + " (" + r.ok + " ok, " + r.failed + " failed)"]].forEach(function (kv) {
			dl.appendChild(el("dt", { text: kv[0] }));
			dl.appendChild(el("dd", { text: String(kv[1]) }));
		});
		var box = $("#tables");
		(r.groups || []).forEach(function (g) {
			box.appendChild(el("h2", { text: "Group: " + g.title }));
			/* columns that no row of this group fills (another group's
			 * parameter) are left out */
			var keep = g.columns.map(function (c, i) {
				return i === 0 || g.rows.some(function (row) { return row.cells[i][0] !== "-"; });
			});
			var t = el("table", { cls: "list run" });
			t.appendChild(el("thead", null, [el("tr", null, g.columns.filter(function (c, i) {
				return keep[i];
			}).map(function (c) {
				return el("th", { text: c.name, cls: c.right ? "num" : null });
			}))]));
			var tb = el("tbody");
			g.rows.forEach(function (row) {
				var tr = el("tr", { cls: row.start ? "start" : null });
				row.cells.forEach(function (c, i) {
					if (!keep[i]) return;
					var cls = (i === 0 ? "name " : "") + (g.columns[i].right ? "num " : "") +
						(g.columns[i].name === "status" ? "wrap " : "") + (c[1] || "");
					tr.appendChild(g.columns[i].right ? td(c[0], cls) : breakable(td(null, cls), c[0]));
				});
				tb.appendChild(tr);
			});
			t.appendChild(tb);
			box.appendChild(el("div", { cls: "fit" }, [t]));
		});
		var ul = $("#crossovers ul");
		(r.crossovers || []).forEach(function (c) { ul.appendChild(el("li", { text: c })); });
		if (!(r.crossovers || []).length) $("#crossovers").hidden = true;
		var ch = $("#charts .charts");
		(r.charts || []).forEach(function (c) {
			var f = el("figure", { cls: "svg" });
			var holder = el("div");
			/* the SVG documents come from lib/report/svg.c, which escapes
			 * every text of the run */
			holder.innerHTML = c.svg.replace(/^<\?xml[^>]*>\s*/, "");
			f.appendChild(holder);
			f.appendChild(el("figcaption", { text: c.title }));
			ch.appendChild(f);
		});
		if (!(r.charts || []).length) $("#charts").hidden = true;
		var fb = $("#failures .body");
		if (!(r.failures || []).length) fb.appendChild(el("p", { cls: "good", text: "None." }));
		(r.failures || []).forEach(function (f) {
			fb.appendChild(el("h3", { text: f.case + ": " + f.status }));
			if (f.message) fb.appendChild(el("pre", { text: f.message }));
		});
		fitTables();
		document.body.dataset.ready = "1";
	}

	var page = document.body.dataset.page;
	if (page === "index") pageIndex();
	else if (page === "trend") {
		pageTrend();
		window.addEventListener("hashchange", function () { location.reload(); });
	} else if (page === "run") {
		pageRun();
		window.addEventListener("hashchange", function () { location.reload(); });
	}
})();
