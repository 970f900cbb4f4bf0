#!/usr/bin/env bash
# benchtrack exec, hyperfine's options on the command line of benchtrack:
# usage errors name the option and store nothing; -L/-P expand into one
# benchmark per value with the values as params ({NAME} substituted in
# commands, names and hooks); -n names, -N splits without a shell; a
# failing command is failed (exit 4) with its exit status, -i keeps it,
# --timeout kills it; --export-json is hyperfine's JSON; the command
# lines of hyperfine's README run; two stored runs compare (a slower
# command regressed) and make a history; ab --exec compares two commands;
# Ctrl-C stores nothing. Commands sleep a few ms: only gross differences
# (3x) are asserted, never a duration.
set -euo pipefail
. "${BASH_SOURCE%/*}/lib/common.sh" exec "$@"
need_built "$bt"
py=/usr/bin/python3
st=$tmp/store
q=(-q --no-store)

nothing_stored() {
	[ -z "$(find "$st" -name run.json 2>/dev/null)" ] || fail "$1: a run was stored"
}

# json EXPR: evaluates EXPR with d = the run in $tmp/out; prints the result
json() {
	"$py" -c "import json,sys; d=json.load(open(sys.argv[1])); print($1)" "$tmp/out"
}

# 1. usage errors: exit 2, the message names the option, nothing stored
usage_case() {
	local want=$1
	shift
	expect 2 "$bt" exec --store "$st" "$@"
	grep -qF -- "$want" "$tmp/err" || fail "exec $*: no '$want' in: $(cat "$tmp/err")"
	nothing_stored "exec $*"
}
usage_case "unknown option '--bogus'" --bogus true
usage_case "unknown option '-Z'" -Z true
usage_case "option '--runs': 'x' is not an integer" -r x true
usage_case "option '--runs': '0' is not an integer" --runs=0 true
usage_case "option '--warmup' needs 1 value" true --warmup
usage_case "option '--parameter-scan' needs 3 values" -P n 1
usage_case "'--runs' cannot be combined with '--min-runs'" -r 3 -m 2 true
usage_case "'--min-runs' (5) is above '--max-runs' (2)" -m 5 -M 2 true
usage_case "'--parameter-step-size' needs '--parameter-scan'" -D 0.1 true
usage_case "is not an integer (decimal values need" -P n 0.5 2 'echo {n}'
usage_case "the minimum 5 is above the maximum 1" -P n 5 1 'echo {n}'
usage_case "parameter 'n' is given twice" -L n 1,2 -L n 3 'echo {n}'
usage_case "'--command-name': 2 names for 1 command" -n a -n b true
usage_case "'--prepare': give it once, or once per command" -p true -p true -p true a b
usage_case "option '--export-orgmode' is not supported" --export-orgmode x.org true
usage_case "option '--style': 'loud' is not one of" --style loud true
usage_case "option '--timeout': 'soon' is not a duration" --timeout soon true
usage_case "unterminated" -N "echo 'oops"
usage_case "no command given" -r 2
usage_case "option '--format': 'xml' is not one of" --format xml true

# 2. -L and -P: one benchmark per combination, the values as params, the
# template as the name, {NAME} in the command, the -n name and the hooks
expect 0 "$bt" exec "${q[@]}" -r 1 --format json -L a x,y -P n 1 2 \
	-p "echo prep {a}{n} >> $tmp/hooks" -n 'show {a}' "echo {a}{n} >> $tmp/log"
[ "$(json 'len(d["results"])')" = 4 ] || fail "-L x -P: $(json 'len(d["results"])') results"
[ "$(json '" ".join(r["params"]["a"]+r["params"]["n"] for r in d["results"])')" = "x1 x2 y1 y2" ] ||
	fail "-L/-P params: $(json '[r["params"] for r in d["results"]]')"
[ "$(json '{r["name"] for r in d["results"]}')" = "{'show {a}'}" ] || fail "-n with -L: name"
[ "$(json '{r["group"] for r in d["results"]}')" = "{'exec'}" ] || fail "group"
[ "$(sort "$tmp/log" | tr '\n' ' ')" = "x1 x2 y1 y2 " ] || fail "{NAME}: $(cat "$tmp/log")"
grep -qx 'prep y2' "$tmp/hooks" || fail "{NAME} in --prepare: $(cat "$tmp/hooks")"
# decimals with a step, as hyperfine writes them
expect 0 "$bt" exec "${q[@]}" -r 1 --format json -P d 0.3 0.7 -D 0.2 'true {d}'
[ "$(json '",".join(r["params"]["d"] for r in d["results"])')" = "0.3,0.5,0.7" ] ||
	fail "-D 0.2: $(json '[r["params"] for r in d["results"]]')"
# the values' text as the real hyperfine writes it: the first as LO was
# written, the others with the decimals of LO or STEP ("0 0.25 0.50 ..."),
# never those of HI
for scan in '0 1 -D 0.25' '1 2 -D 0.5' '0 1.000 -D 0.5' '-1 1 -D 1'; do
	# shellcheck disable=SC2086
	hyperfine -N -r 1 --style none --export-json "$tmp/hfscan.json" -P d $scan 'true {d}' \
		>/dev/null 2>&1 || fail "hyperfine -P d $scan"
	# shellcheck disable=SC2086
	expect 0 "$bt" exec "${q[@]}" -N -r 1 --format json -P d $scan 'true {d}'
	want=$("$py" -c 'import json,sys; print(",".join(r["parameters"]["d"]
		for r in json.load(open(sys.argv[1]))["results"]))' "$tmp/hfscan.json")
	[ "$(json '",".join(r["params"]["d"] for r in d["results"])')" = "$want" ] ||
		fail "-P d $scan: $(json '[r["params"]["d"] for r in d["results"]]'), hyperfine: $want"
done

# -i: --export-json has each run's exit status, as the real hyperfine's
hyperfine -r 3 -i --style none --export-json "$tmp/hfi.json" 'exit 3' >/dev/null 2>&1 ||
	fail "hyperfine -i"
expect 0 "$bt" exec "${q[@]}" -r 3 -i --format none --export-json "$tmp/bti.json" 'exit 3'
"$py" - "$tmp/hfi.json" "$tmp/bti.json" <<'PY' || fail "-i: exit_codes differ from hyperfine's"
import json, sys
hf, bt = (json.load(open(p))["results"][0] for p in sys.argv[1:3])
assert hf["exit_codes"] == bt["exit_codes"] == [3, 3, 3], (hf["exit_codes"], bt["exit_codes"])
PY

# 3. -n names in order; the table's summary uses them; --reference first
# (-N: with a shell, a 1 ms command on a loaded machine can measure 0 s
# once the shell's spawn cost is subtracted, and a ratio to 0 is none;
# 0.3 s: in a sanitizer build under ctest -j 8 the spawn of `sleep 0.001`
# took 54 ms, and it came out slower than a 30 ms sleep)
expect 0 "$bt" exec "${q[@]}" -N -r 3 -n fast -n slow 'sleep 0.001' 'sleep 0.3'
grep -q '^fast ' "$tmp/out" && grep -q '^slow ' "$tmp/out" || fail "-n: $(cat "$tmp/out")"
grep -q 'fast ran .* times faster than slow' "$tmp/out" || fail "summary: $(cat "$tmp/out")"
expect 0 "$bt" exec "${q[@]}" -N -r 3 --reference 'sleep 0.3' 'sleep 0.001'
grep -q 'sleep 0.3 ran .* times slower than sleep 0.001' "$tmp/out" ||
	fail "--reference: $(cat "$tmp/out")"

# hyperfine's spellings: bundled flags (-Ni), a value attached (-r2);
# benchtrack's --seed and --no-interleave recorded
expect 0 "$bt" exec "${q[@]}" -r2 -Ni --format json --seed 7 --no-interleave false
[ "$(json 'd["results"][0]["status"], d["config"]["seed"], d["config"]["measurement_iterations"]')" = \
	"ok 7 2" ] || fail "-r2 -Ni --seed 7: $(json 'd["config"]')"

# 4. -N: split like a shell (quotes), no shell; --output FILE gets stdout
expect 0 "$bt" exec "${q[@]}" -r 1 -N --output "$tmp/o" "printf '%s|' 'a b' c\\ d"
[ "$(cat "$tmp/o")" = "a b|c d|" ] || fail "-N split: $(cat "$tmp/o")"
expect 0 "$bt" exec "${q[@]}" -r 1 --shell=none --format json "true"
[ "$(json '"shell_spawn_s" in str(d["results"][0].get("counters"))')" = False ] ||
	fail "--shell=none: a shell cost was subtracted"

# 5. a failing command: failed, its exit status and stderr in the message,
# exit 4, stored; -i keeps the runs; --timeout kills
expect 4 "$bt" exec --store "$st" -q -r 3 --format json "echo boom >&2; exit 3"
[ "$(json 'd["results"][0]["status"]')" = failed ] || fail "failing command: status"
json 'd["results"][0]["message"]' | grep -q 'exit status 3: boom' ||
	fail "failing command: $(json 'd["results"][0]["message"]')"
[ -n "$(find "$st" -name run.json)" ] || fail "a failed run is stored"
expect 0 "$bt" exec "${q[@]}" -r 3 -i --format json "exit 3"
[ "$(json 'd["results"][0]["status"], d["results"][0]["counters"]["exit_code_nonzero"]')" = \
	"ok 3.0" ] || fail "-i: $(json 'd["results"][0]')"
expect 4 "$bt" exec "${q[@]}" -r 2 --timeout 0.2 --format json "sleep 30"
[ "$(json 'd["results"][0]["status"]')" = timeout ] || fail "--timeout: status"
expect 4 "$bt" exec "${q[@]}" -r 2 -N no-such-command-xyz
grep -q 'failed' "$tmp/out" || fail "command not found: $(cat "$tmp/out")"

# 6. --export-json: hyperfine's format, read by Debian's python
expect 0 "$bt" exec "${q[@]}" -r 4 -L t 0.001,0.002 'sleep {t}' --export-json "$tmp/h.json"
"$py" - "$tmp/h.json" <<'PY' || fail "--export-json: $(head -c 400 "$tmp/h.json")"
import json, sys
d = json.load(open(sys.argv[1]))
rs = d["results"]
assert len(rs) == 2, rs
for r in rs:
    for k in ("command", "mean", "stddev", "median", "user", "system", "min", "max",
              "times", "exit_codes", "parameters"):
        assert k in r, k
    assert len(r["times"]) == 4 and r["exit_codes"] == [0, 0, 0, 0], r
    assert r["min"] <= r["median"] <= r["max"], r
assert [r["parameters"]["t"] for r in rs] == ["0.001", "0.002"], rs
assert [r["command"] for r in rs] == ["sleep 0.001", "sleep 0.002"], rs
PY
# and --export-markdown / --export-csv: the table
expect 0 "$bt" exec "${q[@]}" -r 2 true --export-markdown "$tmp/t.md" --export-csv "$tmp/t.csv"
grep -q '^| *true' "$tmp/t.md" || fail "--export-markdown: $(cat "$tmp/t.md")"
grep -q '^true,' "$tmp/t.csv" || fail "--export-csv: $(cat "$tmp/t.csv")"

# 7. hyperfine's README, its command lines unchanged (--runs 2 appended;
# programs it names that this machine lacks are stand-ins on PATH)
mkdir -p "$tmp/readme/bin" "$tmp/readme/src"
for p in zsh:bash clang:gcc xxd:od hexdump:od; do
	command -v "${p%%:*}" >/dev/null ||
		ln -s "$(command -v "${p#*:}")" "$tmp/readme/bin/${p%%:*}"
done
cd "$tmp/readme"
echo 'TODO: nothing' > src/notes.txt
head -c 4096 /dev/zero > file
printf 'int main(void) { return 0; }\n' > main.cpp
printf 'all:\n\t@true\nclean:\n\t@true\n' > Makefile
my_function() { sleep 0.01; }
export -f my_function
readme_case() {
	PATH="$tmp/readme/bin:$PATH" expect 0 "$bt" exec "${q[@]}" "$@" --runs 2 ||
		fail "README: $*"
}
readme_case 'sleep 0.3'
readme_case --runs 5 'sleep 0.3'
readme_case 'hexdump file' 'xxd file'
readme_case --warmup 3 'grep -R TODO *'
readme_case --prepare 'sync' 'grep -R TODO *'
readme_case --prepare 'make clean' --parameter-scan num_threads 1 12 'make -j {num_threads}'
[ "$(grep -c '^make -j {num_threads}' "$tmp/out")" = 12 ] || fail "README -P: $(cat "$tmp/out")"
readme_case --parameter-scan delay 0.3 0.7 -D 0.2 'sleep {delay}'
# (which delay comes out fastest on 2 runs each is the machine's doing:
# the rows and the summary are asserted; §3 asserts an order on a 300x gap)
[ "$(grep -Ec '^sleep \{delay\} +0\.[357] ' "$tmp/out")" = 3 ] || fail "README -D rows: $(cat "$tmp/out")"
[ "$(grep -Ec '^  sleep 0\.[357] ran .* faster than sleep 0\.[357]$' "$tmp/out")" = 2 ] ||
	fail "README -D summary: $(cat "$tmp/out")"
readme_case -L compiler gcc,clang '{compiler} -O2 main.cpp'
readme_case --shell zsh 'for i in {1..10000}; do echo test; done'
readme_case -N "grep TODO $tmp/readme/src/notes.txt"
readme_case --shell=bash my_function
readme_case 'my_function() { sleep 0.01; }; my_function'
readme_case --export-markdown "$tmp/readme/t.md" 'sleep 0.01'
cd - >/dev/null

# 8. two stored runs, the second command slower: compare says regressed,
# history has both points
# (no shell, and 50x: under ctest -j 8 on 2 cores the scheduler's delays
# add tens of ms to a run, so that a 4x and then a 10x change (5 ms
# against 50 ms) came out noisy; a run of the slower one never lasts
# under its 250 ms sleep)
expect 0 "$bt" exec --store "$st" --suite cmdsuite -q -N -r 12 -n work 'sleep 0.005'
expect 0 "$bt" exec --store "$st" --suite cmdsuite -q -N -r 12 -n work 'sleep 0.25'
ids=$("$bt" list --store "$st" --format json | "$py" -c '
import json, sys
runs = [r for r in json.load(sys.stdin) if r.get("suite") == "cmdsuite"]
print(" ".join(r["run_id"] for r in sorted(runs, key=lambda r: r["timestamp"])))')
set -- $ids
[ $# = 2 ] || fail "two stored exec runs: $ids"
expect 1 "$bt" compare "$1" "$2" --store "$st"
grep -q 'regressed' "$tmp/out" || fail "compare: $(cat "$tmp/out")"
expect 0 "$bt" history --filter name=work --store "$st" --format json
[ "$("$py" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["series"][0]["points"]))' \
	"$tmp/out")" = 2 ] || fail "history: $(head -c 400 "$tmp/out")"

# 9. ab --exec: two commands in ABBA blocks, the slower one regressed
# (20x apart, no shell, 3 blocks of 2 runs a process: under ctest -j 8 a
# 5 ms sleep took 50 ms in some processes, and the between-process test
# on the logs of the medians then called a 4x and a 10x change noisy; a
# 20 ms floor keeps A's medians within a few x of each other, and B's
# 400 ms sleep is far above what the scheduler adds)
expect 1 "$bt" ab --exec --shell none 'sleep 0.02' 'sleep 0.4' --blocks 3 \
	--measurement-iterations 2 --warmup-iterations 0 -q
grep -q 'regressed' "$tmp/out" || fail "ab --exec: $(cat "$tmp/out")"
expect 2 "$bt" ab --shell sh 'true' 'true'
grep -q -- '--shell needs --exec' "$tmp/err" || fail "ab --shell: $(cat "$tmp/err")"
expect 2 "$bt" ab --exec --shell none "echo 'x" true
grep -q 'unterminated' "$tmp/err" || fail "ab --shell none: $(cat "$tmp/err")"

# 10. Ctrl-C: the running command is stopped, nothing stored, exit 130
rm -rf "$st"
"$bt" exec --store "$st" -r 3 --setup "touch $tmp/started" 'sleep 30' >/dev/null 2>"$tmp/err" &
pid=$!
for _ in $(seq 200); do [ -e "$tmp/started" ] && break; sleep 0.05; done
sleep 0.2
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" = 130 ] || fail "SIGINT: exit $rc: $(cat "$tmp/err")"
grep -q 'interrupted' "$tmp/err" || fail "SIGINT: $(cat "$tmp/err")"
nothing_stored "SIGINT"
echo "exec: ok"
