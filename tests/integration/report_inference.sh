#!/usr/bin/env bash
# The plots of `benchtrack report` on the inference suite: a quick run of
# its load benchmarks on the tiny and small models and of generate and
# batch on tiny (three prompt lengths, three batch sizes), put together as
# one run; report --format md writes, per group, the time, each metric
# with samples (ttft, decode_tokens_per_s...), throughput, memory and the
# speedup over eager, and the load time against the model's size (the
# counter "params"). Checked in the SVGs with xmllint: the files and
# their titles, the axis labels with units and direction, one series per
# variant (and model), the 1x line, the links from report.md, the chart
# kinds in report.json. No duration is asserted.
set -euo pipefail
. "${BASH_SOURCE%/*}/lib/common.sh" report_inference "$@"
suite=$build/inference
need_built "$bt" "$suite"
command -v xmllint >/dev/null || fail "xmllint is missing (apt-get install libxml2-utils)"
py=/usr/bin/python3
unset BT_MODELS_DIR

expect 0 "$bt" run "$suite" --quick --no-store --format none --filter '^load\.' \
	--param model=tiny,small --out "$tmp/load.json"
expect 0 "$bt" run "$suite" --quick --no-store --format none --filter '^(generate|batch)\.' \
	--param model=tiny --num-tokens-to-generate 4 \
	--param batch=1,2,4 --param steps=2 --out "$tmp/gen.json"
"$py" - "$tmp/load.json" "$tmp/gen.json" "$tmp/run.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))
a["results"] += json.load(open(sys.argv[2]))["results"]
json.dump(a, open(sys.argv[3], "w"))
PY
expect 0 "$bt" report "$tmp/run.json" --format md --out "$tmp/r"
r=$tmp/r
[ "$(cat "$tmp/out")" = "$r/report.md" ] || fail "stdout: $(cat "$tmp/out")"

# q FILE XPATH: the XPath's value in the SVG (its namespace ignored)
q() {
	xmllint --xpath "$2" "$1" 2>/dev/null || true
}
# el NAME: an element of the SVG namespace
el() { echo "*[local-name()=\"$1\"]"; }

g=inference.generate
want="inference.batch-memory.svg inference.batch-speedup.svg inference.batch-throughput.svg
inference.batch-time.svg inference.generate-decode_tokens_per_s.svg
inference.generate-e2e_latency.svg inference.generate-inter_token_latency.svg
inference.generate-memory.svg inference.generate-speedup.svg
inference.generate-throughput.svg inference.generate-time.svg inference.generate-ttft.svg
inference.load-memory.svg inference.load-speedup.svg inference.load-throughput.svg
inference.load-time.svg"
got=$(cd "$r" && ls *.svg | tr '\n' ' ' | sed 's/ $//')
[ "$got" = "$(echo $want)" ] || fail "svg files: '$got', want '$(echo $want)'"
for f in $want; do
	xmllint --noout "$r/$f" || fail "$f is not well-formed XML"
	grep -q "](${f})\$" "$r/report.md" || fail "$f is not linked from report.md"
done

# title, x label, y label, number of series of a plot
check() {
	local f=$r/$1 t x y n
	t=$(q "$f" "string(//$(el title))")
	x=$(q "$f" "string(//$(el g)[contains(@class,'x-axis')]/$(el text)[@class='axis-label'])")
	y=$(q "$f" "string(//$(el g)[contains(@class,'y-axis')]/$(el text)[@class='axis-label'])")
	n=$(q "$f" "count(//$(el path)[@class='series'])")
	[ "$t" = "$2" ] || fail "$1: title '$t', want '$2'"
	[ "$x" = "$3" ] || fail "$1: x label '$x', want '$3'"
	[ "$y" = "$4" ] || fail "$1: y label '$y', want '$4'"
	[ "$n" = "$5" ] || fail "$1: $n series, want $5"
}
check $g-ttft.svg "$g: median ttft vs prompt_len (lower is better)" "prompt_len (log scale)" \
	"median ttft (s)" 3
check $g-decode_tokens_per_s.svg "$g: median decode_tokens_per_s vs prompt_len (higher is better)" \
	"prompt_len (log scale)" "median decode_tokens_per_s (tokens/s)" 3
check $g-inter_token_latency.svg "$g: median inter_token_latency vs prompt_len (lower is better)" \
	"prompt_len (log scale)" "median inter_token_latency (s)" 3
check $g-time.svg "$g: median time vs prompt_len" "prompt_len (log scale)" "median time per op (s)" 3
check inference.batch-throughput.svg "inference.batch: throughput vs batch" "batch (log scale)" \
	"throughput (tokens/s)" 3
check inference.load-time.svg "inference.load: median time vs model (params)" \
	"model (params, log scale)" "median time per op (s)" 6
check $g-speedup.svg "$g: speedup over generate.eager vs prompt_len" "prompt_len (log scale)" \
	"speedup over generate.eager" 2
check inference.batch-speedup.svg "inference.batch: speedup over batch.eager vs batch" \
	"batch (log scale)" "speedup over batch.eager" 2

# series: one per variant; in load one per variant and cache
for v in eager compiled kernelized; do
	for f in $g-ttft.svg $g-decode_tokens_per_s.svg; do
		[ "$(q "$r/$f" "count(//$(el path)[@data-series='generate.$v'])")" = 1 ] ||
			fail "$f: no series generate.$v"
		[ "$(q "$r/$f" "count(//$(el text)[@class='legend-label'][.='generate.$v'])")" = 1 ] ||
			fail "$f: no legend generate.$v"
	done
	for c in cold warm; do
		[ "$(q "$r/inference.load-time.svg" "count(//$(el path)[@data-series='load.$v cache=$c'])")" = 1 ] ||
			fail "load-time: no series load.$v cache=$c"
	done
done
# units on the ticks: seconds on the y axis of ttft, model sizes on load's x
q "$r/$g-ttft.svg" "//$(el g)[contains(@class,'y-axis')]/$(el text)[@class='tick-label']" |
	grep -qE '>[0-9.]+ (ns|us|ms|s)<' || fail "ttft: y ticks without a time unit"
q "$r/inference.load-time.svg" "//$(el g)[contains(@class,'x-axis')]/$(el text)[@class='tick-label']" |
	grep -qE '>[0-9.]+ [kM] params<' || fail "load-time: x ticks are not model sizes"
# the speedup: compiled and kernelized, not eager; a line at 1x, ticks in x
f=$r/$g-speedup.svg
for v in compiled kernelized; do
	[ "$(q "$f" "count(//$(el path)[@data-series='generate.$v'])")" = 1 ] || fail "speedup: no generate.$v"
done
[ "$(q "$f" "count(//$(el path)[@data-series='generate.eager'])")" = 0 ] || fail "speedup: eager drawn"
[ "$(q "$f" "count(//$(el line)[@class='reference'])")" = 1 ] || fail "speedup: no 1x line"
[ "$(q "$f" "string(//$(el text)[@class='reference-label'])")" = 1x ] || fail "speedup: no 1x label"
q "$f" "//$(el g)[contains(@class,'y-axis')]/$(el text)[@class='tick-label']" | grep -qE '>[0-9.]+x<' ||
	fail "speedup: y ticks not in x"

# report.json lists them with their kinds
expect 0 "$bt" report "$tmp/run.json" --format json --out "$tmp/j"
"$py" - "$tmp/j/report.json" <<'PY' || fail "report.json charts"
import json, sys
c = {x["file"]: x["kind"] for x in json.load(open(sys.argv[1]))["charts"]}
assert c["inference.generate-ttft.svg"] == "metric", c
assert c["inference.generate-speedup.svg"] == "speedup", c
assert c["inference.load-time.svg"] == "time", c
assert c["inference.batch-throughput.svg"] == "throughput", c
PY
echo "report_inference: ok"
