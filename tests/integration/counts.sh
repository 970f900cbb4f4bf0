#!/usr/bin/env bash
# --measure instructions|cycles (docs/MEASURE.md): a suite under callgrind
# counts only around the loop (a heavy setup and a paused part are not
# counted: the same count as the plain loop), the counts are the same in
# every process, also with a 4 KB environment variable added and from
# another, longer directory with the suite at a longer path; they are
# stored deterministic, with the valgrind version in the config, and
# --cache-sim adds the misses and estimated cycles; --measure cycles
# either counts or (no PMU, perf_event_paranoid) exits 3 saying why and
# how; exec --measure instructions counts a command the same in 5 runs.
# Only counts are asserted, never a duration. A sanitizer build checks
# all but the suite under callgrind (valgrind cannot run an ASan program).
set -euo pipefail
. "${BASH_SOURCE%/*}/lib/common.sh" counts "$@"
suite=$build/suite_counts
need_built "$bt" "$suite"
command -v valgrind >/dev/null || fail "valgrind not installed (scripts/install-deps.sh)"
py=/usr/bin/python3

# counts FILE: "name=instructions" per case, one line
counts() {
	"$py" -c '
import json, sys
r = json.load(open(sys.argv[1]))
print(" ".join("%s=%r" % (x["name"], x["metrics"]["instructions"]["samples"])
               for x in r["results"]))' "$1"
}

# 1. usage errors
expect 2 "$suite" --cache-sim --format none
grep -q -- "--cache-sim goes with --measure instructions" "$tmp/err" || fail "--cache-sim alone: $(cat "$tmp/err")"
expect 2 "$suite" --measure ticks --format none
grep -q "'ticks' is not one of time, instructions, cycles" "$tmp/err" || fail "--measure ticks: $(cat "$tmp/err")"

# 2. --measure cycles: counted, or refused with the reason and the remedy
rc=0
"$suite" --measure cycles --filter '^plain' --format none -o "$tmp/f.json" >"$tmp/out" 2>"$tmp/err" || rc=$?
if [ "$rc" -eq 0 ]; then
	"$py" -c '
import json, sys
m = json.load(open(sys.argv[1]))["results"][0]["metrics"]
assert m["cycles"]["stats"]["median"] > 0 and m["hw_instructions"]["stats"]["median"] > 0
assert "time" in m' "$tmp/f.json" || fail "--measure cycles counted nothing"
else
	[ "$rc" -eq 3 ] || fail "--measure cycles: exit $rc, want 0 or 3: $(cat "$tmp/err")"
	for want in "perf_event_open" "perf_event_paranoid is" "--measure instructions"; do
		grep -q -- "$want" "$tmp/err" || fail "--measure cycles error lacks '$want': $(cat "$tmp/err")"
	done
	grep -Eq "no PMU|refuses counters|no perf_event_open|refused" "$tmp/err" ||
		fail "--measure cycles error says no reason: $(cat "$tmp/err")"
	[ ! -e "$tmp/f.json" ] || fail "--measure cycles refused but wrote a run"
fi

# 3. exec --measure instructions of a small C program: the same count in
# 5 runs
cat >"$tmp/small.c" <<'C'
#include <stdio.h>
int main(void)
{
	unsigned long x = 1;
	for (int i = 0; i < 20000; i++)
		x = x * 6364136223846793005UL + 1;
	printf("%lu\n", x);
	return 0;
}
C
cc -O1 -o "$tmp/small" "$tmp/small.c"
expect 0 "$bt" exec --measure instructions -r 5 -N "$tmp/small" --no-store --format json
"$py" - "$tmp/out" <<'PY' || fail "exec --measure instructions: $(cat "$tmp/out")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["config"]["measure"]["kind"] == "instructions"
m = r["results"][0]["metrics"]
names = list(m)
assert names[0] == "instructions", names
s = m["instructions"]["samples"]
assert len(s) == 5 and len(set(s)) == 1 and s[0] > 20000 * 3, s
assert m["instructions"]["deterministic"] is True
PY
expect 2 "$bt" exec --cache-sim -N "$tmp/small" --no-store
grep -q -- "--cache-sim" "$tmp/err" || fail "exec --cache-sim alone: $(cat "$tmp/err")"
expect 2 "$bt" exec --measure cycles -N "$tmp/small" --no-store

# the suite under callgrind: not in a sanitizer build, whose suites
# valgrind cannot run (the ASan runtime must be the first library loaded)
if [ -n "$bt_sanitize" ]; then
	echo "counts: the suite's counts not checked: valgrind cannot run an ASan-built suite" >&2
	echo "counts: ok"
	exit 0
fi

# 4. counting on only around the loop
expect 0 "$suite" --measure instructions --format none -o "$tmp/a.json"
"$py" - "$tmp/a.json" <<'PY' || fail "counts of the cases: $(counts "$tmp/a.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["config"]["measure"]["kind"] == "instructions", r["config"]
assert r["config"]["measure"]["tool"].startswith("valgrind-3"), r["config"]
res = {x["name"]: x for x in r["results"]}
for x in res.values():
    assert x["status"] == "ok", x
    m = x["metrics"]["instructions"]
    assert m["deterministic"] is True and m["direction"] == "lower", m
    assert len(m["samples"]) == 5 and len(set(m["samples"])) == 1, m["samples"]
    assert "time" not in x["metrics"], x["metrics"].keys()
plain = res["plain"]["metrics"]["instructions"]["samples"][0]
# the loop: 512 multiply-adds and the call, some thousands of instructions
assert 2000 < plain < 50000, plain
# ~20M instructions of setup are not counted
assert res["heavy_setup"]["metrics"]["instructions"]["samples"][0] == plain
# the paused part (~4000 instructions) is not counted: what is left is
# the cost of the two calls around it
paused = res["paused"]["metrics"]["instructions"]["samples"][0]
assert 0 <= paused - plain < 200, (paused, plain)
PY

# 5. the same counts again, with the environment grown by 4 KB, and from
# a longer directory with the suite at a longer path
base=$(counts "$tmp/a.json")
expect 0 "$suite" --measure instructions --format none -o "$tmp/b.json"
[ "$(counts "$tmp/b.json")" = "$base" ] || fail "second process: $(counts "$tmp/b.json") != $base"
big=$(head -c 4096 /dev/zero | tr '\0' x)
BT_COUNTS_PAD=$big expect 0 "$suite" --measure instructions --format none -o "$tmp/c.json"
[ "$(counts "$tmp/c.json")" = "$base" ] || fail "4 KB more environment: $(counts "$tmp/c.json") != $base"
deep=$tmp/a/much/longer/directory/path/than/the/build/directory/of/the/suite/xxxxxxxxxxxxxxxxxxxxxxxx
mkdir -p "$deep"
cp "$suite" "$deep/suite_counts_at_a_longer_path"
(cd "$deep" && ./suite_counts_at_a_longer_path --measure instructions --format none \
	-o "$tmp/d.json") >"$tmp/out" 2>"$tmp/err" || fail "from $deep: $(cat "$tmp/err")"
[ "$(counts "$tmp/d.json")" = "$base" ] || fail "longer path: $(counts "$tmp/d.json") != $base"
# the launcher's directory (its args file names our files) is gone
! grep -lsF "$tmp/" /tmp/btcg-*/args >/dev/null ||
	fail "a /tmp/btcg-* directory was left behind: $(grep -lsF "$tmp/" /tmp/btcg-*/args)"

# 6. --cache-sim: misses and estimated cycles, deterministic too
expect 0 "$suite" --measure instructions --cache-sim --filter '^plain' --format none -o "$tmp/e.json"
"$py" - "$tmp/e.json" <<'PY' || fail "--cache-sim: $(cat "$tmp/e.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["config"]["measure"]["cache_sim"] is True
m = r["results"][0]["metrics"]
for k in ("instructions", "l1_misses", "ll_misses", "est_cycles"):
    assert m[k]["deterministic"] is True, k
# L1 hits + 5 LL hits + 35 RAM hits >= instructions + data accesses
assert m["est_cycles"]["stats"]["median"] > m["instructions"]["stats"]["median"]
assert m["ll_misses"]["stats"]["median"] <= m["l1_misses"]["stats"]["median"]
PY

# 7. benchtrack run stores the counts
expect 0 "$bt" run --store "$tmp/st" "$suite" --measure instructions --filter '^plain' -q
run=$(find "$tmp/st" -name 'run.json*' | head -1)
[ -n "$run" ] || fail "benchtrack run --measure instructions stored nothing"
echo "counts: ok"
