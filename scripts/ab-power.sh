#!/usr/bin/env bash
# How often does a gate catch a real slowdown, and how often does it cry
# wolf? The power beside scripts/ab-false-alarms.sh. The suite is
# tests/fixtures/suite_spin.c (2 cases of fixed integer work), and the
# "slower build" is the same binary behind a wrapper that sets
# BT_SPIN_FACTOR, so the slowdown is exactly known.
#
#   scripts/ab-power.sh BUILD_DIR [TRIALS] [AB_SLOWDOWN] [CHECK_SLOWDOWN] [BLOCKS...]
#
# Per trial (TRIALS, default 10), with 5 samples a process:
#   ab A B --blocks N       for each N of BLOCKS (default: ab's default)
#                           with B slower by AB_SLOWDOWN (default 1.15):
#                           regressed verdicts are hits
#   ab A A                  the same build: regressed or improved are
#                           false alarms
#   check between two runs of `run --repetitions 4` (4 processes each):
#                           B slower by CHECK_SLOWDOWN (default 1.10) for
#                           the power, A against A for the false alarms
# and prints the counts over all series (2 per trial).
set -euo pipefail
build=${1:?usage: ab-power.sh BUILD_DIR [TRIALS] [AB_SLOWDOWN] [CHECK_SLOWDOWN] [BLOCKS...]}
trials=${2:-10}
ab_slow=${3:-1.15}
check_slow=${4:-1.10}
shift $(($# < 4 ? $# : 4))
blocks=("$@")
build=$(cd "$build" && pwd)
bt=$build/benchtrack
suite=$build/suite_spin
[ -x "$suite" ] || { echo "ab-power.sh: $suite: build the suite_spin target" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
wrap() { # wrap NAME FACTOR: a "build" slower by FACTOR
	printf '#!/bin/sh\nBT_SPIN_FACTOR=%s exec %s "$@"\n' "$2" "$suite" > "$tmp/$1"
	chmod +x "$tmp/$1"
}
wrap ab_slow "$ab_slow"
wrap check_slow "$check_slow"
flags=(--measurement-iterations 5 --warmup-iterations 1 -q)
count() { grep -c "\"verdict\": \"\\($2\\)\"" "$1" || true; }
declare -A hit noisy why
ab_false=0 check_hit=0 check_noisy=0 check_false=0 rows=0
for ((t = 1; t <= trials; t++)); do
	line="trial $t (load $(cut -d' ' -f1 /proc/loadavg)):"
	for b in "${blocks[@]:-default}"; do
		bf=()
		[ "$b" = default ] || bf=(--blocks "$b")
		"$bt" ab "$suite" "$tmp/ab_slow" "${bf[@]}" "${flags[@]}" --seed "$t" \
			--format json > "$tmp/ab.json" 2>/dev/null || true
		h=$(count "$tmp/ab.json" regressed) z=$(count "$tmp/ab.json" noisy)
		hit[$b]=$((${hit[$b]:-0} + h)) noisy[$b]=$((${noisy[$b]:-0} + z))
		why[$b]+=$(grep -o '"noisy_reason": "[a-z_]*"' "$tmp/ab.json" |
			sed 's/.*: "\(.*\)"/ \1/' | tr -d '\n' || true)
		line+=" ab($b blocks) $h regressed $z noisy;"
	done
	"$bt" ab "$suite" "$suite" "${flags[@]}" --seed "$t" --format json \
		> "$tmp/abnull.json" 2>/dev/null || true
	f=$(count "$tmp/abnull.json" 'regressed\|improved')
	ab_false=$((ab_false + f))
	for side in a a2 b; do
		s=$suite
		[ "$side" = b ] && s=$tmp/check_slow
		"$bt" run "$s" --no-store --repetitions 4 "${flags[@]}" --seed "$t" \
			--format none --out "$tmp/$side.json"
	done
	"$bt" check --baseline "$tmp/a.json" --run "$tmp/b.json" --format json \
		> "$tmp/check.json" 2>/dev/null || true
	"$bt" check --baseline "$tmp/a.json" --run "$tmp/a2.json" --format json \
		> "$tmp/checknull.json" 2>/dev/null || true
	ch=$(count "$tmp/check.json" regressed) cz=$(count "$tmp/check.json" noisy)
	cf=$(count "$tmp/checknull.json" 'regressed\|improved')
	check_hit=$((check_hit + ch)) check_noisy=$((check_noisy + cz))
	check_false=$((check_false + cf))
	rows=$((rows + $(grep -c '"verdict"' "$tmp/checknull.json")))
	echo "$line ab A A $f false; check $ch regressed $cz noisy, A A $cf false"
done
for b in "${blocks[@]:-default}"; do
	echo "ab, $b blocks, ${ab_slow}x slower:  ${hit[$b]} regressed, ${noisy[$b]} noisy in $rows series"
	echo "  noisy because:$(tr ' ' '\n' <<< "${why[$b]:-}" | grep . | sort | uniq -c | tr -s ' \n' ' ')"
done
echo "ab, same build:               $ab_false false alarms in $rows series"
echo "check, 4 processes a side, ${check_slow}x slower: $check_hit regressed, $check_noisy noisy in $rows series"
echo "check, 4 processes a side, same build: $check_false false alarms in $rows series"
