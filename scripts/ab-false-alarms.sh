#!/usr/bin/env bash
# How often does a comparison of a build with itself raise a false alarm?
# Interleaved `benchtrack ab S S` (ABBA blocks) against the plain way,
# `benchtrack run S` twice then `benchtrack compare`, and against two runs
# of 4 processes each (`run --repetitions 4`), with the same number of
# samples per side (20). Every regressed/improved verdict is false.
#
#   scripts/ab-false-alarms.sh BUILD_DIR [TRIALS] [SUITE]
#
# SUITE defaults to BUILD_DIR/kernels_bt (5 kernels, ~1 s per run).
set -euo pipefail
build=${1:?usage: ab-false-alarms.sh BUILD_DIR [TRIALS] [SUITE]}
trials=${2:-30}
suite=${3:-$build/kernels_bt}
bt=$build/benchtrack
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
count() { grep -c '"verdict": "\(regressed\|improved\)"' "$1" || true; }
ab_flags=0 seq_flags=0 rep_flags=0 rows=0
for ((t = 1; t <= trials; t++)); do
	"$bt" ab "$suite" "$suite" --blocks 2 --measurement-iterations 5 \
		--warmup-iterations 1 --seed "$t" --format json -q > "$tmp/ab.json" || true
	"$bt" run "$suite" --no-store --measurement-iterations 20 --warmup-iterations 1 \
		--format none --out "$tmp/a.json" -q
	"$bt" run "$suite" --no-store --measurement-iterations 20 --warmup-iterations 1 \
		--format none --out "$tmp/b.json" -q
	"$bt" compare "$tmp/a.json" "$tmp/b.json" --format json > "$tmp/seq.json" || true
	for side in a b; do
		"$bt" run "$suite" --no-store --repetitions 4 --measurement-iterations 5 \
			--warmup-iterations 1 --format none --out "$tmp/r$side.json" -q
	done
	"$bt" compare "$tmp/ra.json" "$tmp/rb.json" --format json > "$tmp/rep.json" || true
	r=$(count "$tmp/rep.json")
	rep_flags=$((rep_flags + r))
	a=$(count "$tmp/ab.json") s=$(count "$tmp/seq.json")
	n=$(grep -c '"verdict"' "$tmp/seq.json")
	ab_flags=$((ab_flags + a)) seq_flags=$((seq_flags + s)) rows=$((rows + n))
	echo "trial $t: ab $a, sequential $s, repetitions $r false alarms of $n series"
done
echo "ab (ABBA, 2 blocks):    $ab_flags false alarms in $rows series-comparisons"
echo "run, run, compare:      $seq_flags false alarms in $rows series-comparisons"
echo "run x2 --repetitions 4: $rep_flags false alarms in $rows series-comparisons"
