#!/usr/bin/env bash
# How many ABBA blocks does ab need? The measurement behind ab's default
# (docs/cmd/ab.md, "Measured"): the processes of both builds are recorded
# one by one in randomized ABBA order, MAX_BLOCKS blocks a trial, and the
# first N blocks of each trial are pooled as ab pools them (benchtrack
# merge) and compared (compare --any-machine, ab's matching): the same
# processes judged with each N of BLOCKS. The suite is
# tests/fixtures/suite_spin.c; the slower build is the same binary behind
# a wrapper that sets BT_SPIN_FACTOR (SLOWDOWN, default 1.15). Each trial
# also records the same build against itself (false alarms).
#
#   scripts/ab-blocks.sh BUILD_DIR [TRIALS] [MAX_BLOCKS] [SLOWDOWN] [BLOCKS...]
#
# Defaults: 10 trials, 8 blocks, 1.15, BLOCKS 2 3 4 6; 5 samples a process.
# Trials are classed by the median variation of the samples within a
# process (quiet < 1.5%, moderate < 6%, loaded above): the state of the
# machine while they ran, which the load average follows only late.
set -euo pipefail
build=${1:?usage: ab-blocks.sh BUILD_DIR [TRIALS] [MAX_BLOCKS] [SLOWDOWN] [BLOCKS...]}
trials=${2:-10}
max=${3:-8}
slow=${4:-1.15}
shift $(($# < 4 ? $# : 4))
blocks=("$@")
[ ${#blocks[@]} -gt 0 ] || blocks=(2 3 4 6)
build=$(cd "$build" && pwd)
bt=$build/benchtrack
suite=$build/suite_spin
[ -x "$suite" ] || { echo "ab-blocks.sh: $suite: build the suite_spin target" >&2; exit 2; }
for b in "${blocks[@]}"; do
	[ "$b" -le "$max" ] || { echo "ab-blocks.sh: $b blocks > MAX_BLOCKS $max" >&2; exit 2; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '#!/bin/sh\nBT_SPIN_FACTOR=%s exec %s "$@"\n' "$slow" "$suite" > "$tmp/slow"
chmod +x "$tmp/slow"
for ((t = 1; t <= trials; t++)); do
	for kind in pow null; do
		d=$tmp/t$t-$kind
		mkdir -p "$d"
		cut -d' ' -f1 /proc/loadavg > "$d/load"
		for ((b = 0; b < max; b++)); do
			if ((RANDOM & 1)); then order="A B B A"; else order="B A A B"; fi
			k=0
			for s in $order; do
				k=$((k + 1))
				exe=$suite
				[ "$kind" = pow ] && [ "$s" = B ] && exe=$tmp/slow
				"$exe" --measurement-iterations 5 --warmup-iterations 1 --format none \
					--log-level quiet --out "$d/$s-$b-$k.json"
			done
		done
	done
	echo "trial $t recorded (load $(cat "$tmp/t$t-pow/load"))" >&2
done
/usr/bin/python3 - "$bt" "$tmp" "$trials" "$slow" "${blocks[@]}" <<'PY'
import collections, glob, json, os, statistics, subprocess, sys
bt, tmp, trials, slow = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
blocks = [int(b) for b in sys.argv[5:]]

def cv(d):
    v = [r["metrics"]["time"]["stats"]["cv"] or 0
         for f in glob.glob(d + "/*.json") for r in json.load(open(f))["results"]]
    return statistics.median(v)

def verdicts(d, k):
    for s in "AB":
        runs = [f"{d}/{s}-{b}-{p}.json" for b in range(k) for p in (1, 2, 3, 4)
                if os.path.exists(f"{d}/{s}-{b}-{p}.json")]
        # --force: a commit made while the trial ran changes the runs' commit
        subprocess.run([bt, "merge", *runs, "--out", f"{tmp}/{s}.json", "-q", "--force"],
                       check=True, stderr=subprocess.DEVNULL)
    out = subprocess.run([bt, "compare", f"{tmp}/A.json", f"{tmp}/B.json", "--any-machine",
                          "--format", "json"], capture_output=True, text=True).stdout
    return [r["verdict"] for r in json.loads(out)["rows"]]

count = collections.defaultdict(collections.Counter)
states = collections.Counter()
for t in range(1, trials + 1):
    w = max(cv(f"{tmp}/t{t}-pow"), cv(f"{tmp}/t{t}-null"))
    state = "quiet" if w < 0.015 else "moderate" if w < 0.06 else "loaded"
    states[state] += 1
    for k in blocks:
        for kind in ("pow", "null"):
            for v in verdicts(f"{tmp}/t{t}-{kind}", k):
                c = count[(state, kind, k)]
                c["n"] += 1
                c[v] += 1
print("trials: " + ", ".join(f"{n} {s}" for s, n in sorted(states.items())))
print("%-34s" % "blocks (processes a side)" + "".join("%10s" % f"{k} ({2 * k})" for k in blocks))
for state in ("quiet", "moderate", "loaded"):
    if not states[state]:
        continue
    for kind, what, label in (("pow", "regressed", f"{slow}x slower, regressed"),
                              ("null", None, "same build, false alarms")):
        row = "%-34s" % f"{state}, {label}"
        for k in blocks:
            c = count[(state, kind, k)]
            hit = c["regressed"] if what else c["regressed"] + c["improved"]
            row += "%10s" % f"{hit}/{c['n']}"
        print(row)
PY
