#!/usr/bin/env bash
# `benchtrack report` of a stored run with groups, a geometric sweep, an
# ablation benchmark and failed cases: report.md and report.csv against
# golden files (timings replaced by placeholders, see norm_md / norm_csv),
# every SVG well-formed (xmllint) with its axes, labels and one <path> per
# implementation, and the error exits. A change of layout is reviewed by
# regenerating the golden files:
#   build/benchtrack report tests/fixtures/run-attention.json --out /tmp/r
#   bash -c 'source tests/integration/report.sh --norm; norm_md' < /tmp/r/report.md \
#       > tests/fixtures/golden/report.md   (and norm_csv for report.csv)
set -euo pipefail

# timings and what is derived from them: durations, their CI, rates,
# speedups, interpolated crossovers
norm_md() {
	sed -E -e 's/[0-9]+(\.[0-9]+)? (ns|us|ms|s)\b/<time>/g' \
		-e 's/\+-[0-9.]+%/+-<pct>/g' \
		-e 's/[0-9.]+ ([kMGTP] )?[A-Za-z]+\/s\b/<rate>/g' \
		-e 's/\b[0-9]+(\.[0-9]+)?x\b/<x>/g' \
		-e 's/~ [0-9]+/~ <n>/g'
}
# every number with a fraction or an exponent (times, rates, ratios,
# errors); integers (parameters, bytes) stay
norm_csv() {
	sed -E -e 's/-?[0-9]+\.[0-9]+(e[-+]?[0-9]+)?|-?[0-9]+e[-+]?[0-9]+/<n>/g'
}
[ "${1:-}" = --norm ] && return 0

src=$1 build=$2
bt=$build/benchtrack
fx=$src/tests/fixtures/run-attention.json
golden=$src/tests/fixtures/golden
out=$build/report-out
fail() { echo "report: $*"; exit 1; }
command -v xmllint >/dev/null || fail "xmllint is missing (apt-get install libxml2-utils)"

rm -rf "$out" "$out-2"
"$bt" report "$fx" --format md --out "$out" > "$build/report.stdout"
[ "$(cat "$build/report.stdout")" = "$out/report.md" ] || fail "stdout: $(cat "$build/report.stdout")"
diff -u "$golden/report.md" <(norm_md < "$out/report.md")
diff -u "$golden/report.csv" <(norm_csv < "$out/report.csv")

# the plots: the files the data calls for, each linked from report.md
want="attention-memory.svg attention-speedup.svg attention-throughput.svg attention-time.svg dilated-ablation.svg"
got=$(cd "$out" && ls *.svg | tr '\n' ' ' | sed 's/ $//')
[ "$got" = "$want" ] || fail "svg files: '$got', want '$want'"
for f in $want; do
	xmllint --noout "$out/$f" || fail "$f is not well-formed XML"
	grep -q "](${f})\$" "$out/report.md" || fail "$f is not linked from report.md"
	[ "$(grep -c '<title>' "$out/$f")" = 1 ] || fail "$f: no title"
	[ "$(grep -c '<g class="axis x-axis' "$out/$f")" -ge 1 ] || fail "$f: no x axis"
	[ "$(grep -c '<g class="axis y-axis' "$out/$f")" = 1 ] || fail "$f: no y axis"
	[ "$(grep -c 'class="tick-label"' "$out/$f")" -ge 4 ] || fail "$f: too few tick labels"
done
# line charts: naive, tiled, dilated's 4 variants, block_sparse; log-log
for f in attention-time.svg attention-throughput.svg attention-memory.svg; do
	n=$(grep -c '<path' "$out/$f")
	[ "$n" = 7 ] || fail "$f: $n paths, want 7"
	for s in naive tiled dilated:none dilated:pattern_cache dilated:memory_pool \
		dilated:pattern_cache+memory_pool block_sparse; do
		grep -q "<path class=\"series\" id=\"series-[0-9]*-[a-z_+-]*\" data-series=\"$s\"" "$out/$f" ||
			fail "$f: no path for $s"
		grep -q "class=\"legend-label\"[^>]*>$s</text>" "$out/$f" || fail "$f: no legend for $s"
	done
	grep -q '<g class="axis x-axis" data-scale="log">' "$out/$f" || fail "$f: x axis not log"
	grep -q '<g class="axis y-axis" data-scale="log">' "$out/$f" || fail "$f: y axis not log"
	grep -q 'class="axis-label"[^>]*>seq_len (log scale)</text>' "$out/$f" || fail "$f: no x label"
	[ "$(grep -c 'class="axis-label"' "$out/$f")" = 2 ] || fail "$f: axis labels"
done
grep -q '>median time per op (s)</text>' "$out/attention-time.svg" || fail "time: y label"
grep -q '>throughput (tokens/s)</text>' "$out/attention-throughput.svg" || fail "throughput: y label"
grep -q '>peak memory (B)</text>' "$out/attention-memory.svg" || fail "memory: y label"
# the speedup over naive: tiled and block_sparse (the ablation benchmark
# left out), a dashed line at 1x, ticks in x
f=$out/attention-speedup.svg
[ "$(grep -c '<path' "$f")" = 2 ] || fail "speedup: $(grep -c '<path' "$f") paths, want 2"
for s in tiled block_sparse; do
	grep -q "<path class=\"series\" id=\"series-[0-9]*-$s\" data-series=\"$s\"" "$f" || fail "speedup: no $s"
done
grep -q '<title>attention: speedup over naive vs seq_len</title>' "$f" || fail "speedup: title"
grep -q '>speedup over naive</text>' "$f" || fail "speedup: y label"
[ "$(grep -c '<line class="reference"' "$f")" = 1 ] || fail "speedup: no 1x line"
grep -qE 'class="tick-label"[^>]*>[0-9.]+x</text>' "$f" || fail "speedup: y ticks not in x"
# ablation: no lines, a speedup and a memory bar per variant
f=$out/dilated-ablation.svg
[ "$(grep -c '<path' "$f")" = 0 ] || fail "ablation: paths"
for v in pattern_cache memory_pool pattern_cache+memory_pool; do
	[ "$(grep -c "<rect class=\"bar [a-z]*\" data-variant=\"$v\"" "$f")" = 2 ] || fail "ablation: bars of $v"
done
[ "$(grep -c '<rect class="bar' "$f")" = 6 ] || fail "ablation: bar count"

# deterministic: the same bytes again
"$bt" report "$fx" --out "$out-2" > /dev/null
for f in report.md report.csv $want; do
	cmp "$out/$f" "$out-2/$f" || fail "$f differs between two reports"
done

# without --out: Markdown without image links, the CSV as in the folder
"$bt" report "$fx" > "$build/report.stdout.md"
head -1 "$build/report.stdout.md" | grep -q '^# Benchmark report: attention$' || fail "md on stdout"
! grep -q '!\[' "$build/report.stdout.md" || fail "md on stdout has image links"
"$bt" report "$fx" --format csv | cmp - "$out/report.csv" || fail "csv on stdout"
"$bt" report "$fx" --format csv --out "$out-csv" > /dev/null
cmp "$out/report.csv" "$out-csv/report.csv" || fail "csv folder"
head -1 "$out-csv/crossovers.csv" | grep -q '^group,name,baseline,param,kind,' || fail "crossovers.csv"
"$bt" report "$fx" --format json --out "$out-json" > /dev/null
grep -q '"schema": "benchtrack.report/1"' "$out-json/report.json" || fail "json schema"
grep -q '"file": "attention-time.svg"' "$out-json/report.json" || fail "json charts"
grep -q '"status": "crashed"' "$out-json/report.json" || fail "json failures"
[ -f "$out-json/attention-time.svg" ] || fail "json: no svg"
if command -v python3 >/dev/null; then
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["groups"][0]["rows"]) == 28, d' \
		"$out-json/report.json" || fail "json content"
fi

# a run whose medians reach from subnormal numbers (1e-320) to 1.8e308:
# the report is written, in bounded time, with every number finite text
ext=$src/tests/fixtures/run-extreme.json
rm -rf "$out-ext"
set +e
timeout 120 "$bt" report "$ext" --out "$out-ext" > "$build/report.stdout" 2> "$build/report.err"
rc=$?
set -e
[ $rc -ne 124 ] || fail "report of run-extreme.json still running after 120 s"
[ $rc -eq 0 ] || fail "report of run-extreme.json: exit $rc: $(cat "$build/report.err")"
[ "$(cat "$build/report.stdout")" = "$out-ext/report.md" ] || fail "extreme: stdout: $(cat "$build/report.stdout")"
grep -q '| 1.00e-320 s +-0.0% |' "$out-ext/report.md" || fail "extreme: no 1e-320 s median"
grep -q '| 1.80e+308 s +-0.0% |' "$out-ext/report.md" || fail "extreme: no 1.8e308 s median"
! grep -qE '\binf\b|\bnan\b' "$out-ext/report.md" || fail "extreme: inf or nan in report.md"
[ "$(ls "$out-ext"/*.svg | wc -l)" = 15 ] || fail "extreme: want 15 plots: $(ls "$out-ext")"
for f in "$out-ext"/*.svg; do
	xmllint --noout "$f" || fail "$f is not well-formed XML"
	[ "$(grep -c 'class="tick-label"' "$f")" -ge 8 ] || fail "$f: too few tick labels"
	! grep -qE '>[^<]*(inf|nan)[^<]*</text>' "$f" || fail "$f: inf or nan in a label"
done
set +e
timeout 120 "$bt" report "$ext" --format json > /dev/null; rc=$?
set -e
[ $rc -eq 0 ] || fail "report --format json of run-extreme.json: exit $rc"

# errors: exit 3 naming the path; usage errors exit 2
expect() {
	local want=$1 needle=$2
	shift 2
	set +e
	"$bt" report "$@" > /dev/null 2> "$build/report.err"
	local rc=$?
	set -e
	[ $rc -eq "$want" ] || fail "report $*: exit $rc, want $want"
	[ -z "$needle" ] || grep -qF -- "$needle" "$build/report.err" ||
		fail "report $*: message does not name '$needle': $(cat "$build/report.err")"
}
expect 3 "no-such-run.json" "$build/no-such-run.json" --store "$build/no-such-store" --out "$out-x"
touch "$build/report-file"
expect 3 "$build/report-file/sub" "$fx" --out "$build/report-file/sub"
head -c 3000 "$fx" > "$build/report-truncated.json"
expect 3 "report-truncated.json" "$build/report-truncated.json"
expect 2 "" "$fx" --format html
expect 2 "nosuch" "$fx" --baseline nosuch
expect 2 "" "$fx" "$fx"
expect 2 "" --out "$out"
# --store without a run: a usage error that points to the dashboard, and
# nothing written
mkdir -p "$build/report-store"
expect 2 "expected one run" --store "$build/report-store"
grep -qF 'benchtrack dashboard --store' "$build/report.err" || fail "report --store: $(cat "$build/report.err")"
[ -z "$(ls -A "$build/report-store")" ] || fail "report --store wrote into the store: $(ls -A "$build/report-store")"
rm -rf "$build/report-store"
echo "report: ok"
