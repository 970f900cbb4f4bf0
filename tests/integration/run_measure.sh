#!/usr/bin/env bash
# benchtrack run and the runner flags: a --param no benchmark
# declares is a usage error everywhere (nothing stored), unless
# --allow-unknown-params says the suites differ on purpose; the run takes
# the type all its benchmarks declare; items and bytes throughputs both
# kept, custom metrics in the table; --repetitions recomputes throughput
# from the pooled samples and sums the durations; durations need a unit;
# a plain progress line per case in a pipe; a program that writes no run
# is not a benchmark suite. Only the work is bounded, never the time.
set -euo pipefail
. "${BASH_SOURCE%/*}/lib/common.sh" run_measure "$@"
suite=$build/suite_measure
faults=$build/suite_faults
quick=(--min-sample-time 1ms --warmup-iterations 1 --measurement-iterations 4)
py=/usr/bin/python3

nothing_stored() {
	[ -z "$(find "$1" -name run.json 2>/dev/null)" ] || fail "$2: a run was stored"
}

# 1. --param typos: usage errors, nothing stored
for p in m=3 seqlen=4K; do
	expect 2 "$bt" run "$suite" "${quick[@]}" --param "$p" --store "$tmp/s1"
	grep -q "no benchmark has a parameter '${p%%=*}'" "$tmp/err" || fail "--param $p: $(cat "$tmp/err")"
	nothing_stored "$tmp/s1" "--param $p"
	expect 2 "$suite" "${quick[@]}" --param "$p"
done
# several suites: each checks its own names ...
expect 2 "$bt" run "$suite" "$faults" "${quick[@]}" --filter '^copy$' --param batch=8 --store "$tmp/s1"
grep -q "no benchmark has a parameter 'batch'" "$tmp/err" || fail "two suites: $(cat "$tmp/err")"
nothing_stored "$tmp/s1" "two suites"
# ... unless they differ on purpose; a name no suite knows is still an error
expect 0 "$bt" run "$suite" "$faults" "${quick[@]}" --filter '^copy$' --param batch=8 \
	--allow-unknown-params --no-store --format csv
grep -q '^copy,' "$tmp/out" || fail "--allow-unknown-params: no copy row"
expect 2 "$bt" run "$suite" "$faults" "${quick[@]}" --param zz=1 --allow-unknown-params \
	--store "$tmp/s1"
grep -q "no benchmark of any suite has a parameter 'zz'" "$tmp/err" || fail "zz: $(cat "$tmp/err")"
grep -q '\[1/' "$tmp/err" && fail "zz: cases ran before the error"
nothing_stored "$tmp/s1" "--param zz"
expect 2 "$bt" run "$suite" "$faults" "${quick[@]}" --options nosuch --allow-unknown-params --no-store
grep -q "no benchmark of any suite declares option 'nosuch'" "$tmp/err" || fail "options: $(cat "$tmp/err")"

# 2. the declared type: all "micro" -> by-type/micro; mixed -> comprehensive
expect 0 "$bt" run "$suite" "${quick[@]}" --store "$tmp/s2" --format none
[ -n "$(find "$tmp/s2/by-type/micro" -name run.json)" ] || fail "not stored under micro: $(find "$tmp/s2")"
expect 0 "$bt" run "$suite" "$faults" "${quick[@]}" --filter '^(copy|skips)$' --store "$tmp/s2" --format none
[ -n "$(find "$tmp/s2/by-type/comprehensive" -name run.json)" ] || fail "mixed types not comprehensive"
expect 0 "$bt" run "$suite" "${quick[@]}" --type nightly --store "$tmp/s2" --format none
[ -n "$(find "$tmp/s2/by-type/nightly" -name run.json)" ] || fail "--type does not win"
expect 0 "$suite" "${quick[@]}" --format json
"$py" -c 'import json,sys; assert json.load(open(sys.argv[1]))["benchmark_type"] == "micro"' "$tmp/out" ||
	fail "a suite run directly is not micro"

# 3. items and bytes both kept; the custom metric and bandwidth in the table
expect 0 "$suite" "${quick[@]}" --filter '^copy$' --format json
"$py" - "$tmp/out" <<'PY' || fail "throughputs in the run"
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
med = r["metrics"]["time"]["stats"]["median"]
t, b = r["throughput"], r["bytes_throughput"]
assert t["unit"] == "tokens/s" and t["items_per_op"] == 256, t
assert b["unit"] == "B/s" and b["bytes_per_op"] == 4096, b
assert abs(t["value"] - 256 / med) <= 1e-9 * t["value"], (t, med)
assert abs(b["value"] - 4096 / med) <= 1e-9 * b["value"], (b, med)
assert r["metrics"]["ttft"]["stats"]["median"] == 0.25
PY
# bytes alone: the throughput is in B/s, and no second one
expect 0 "$suite" "${quick[@]}" --filter '^fill$' --format json
"$py" - "$tmp/out" <<'PY' || fail "bytes-only throughput"
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
med = r["metrics"]["time"]["stats"]["median"]
t = r["throughput"]
assert t["unit"] == "B/s", t
assert abs(t["value"] - 1024 / med) <= 1e-9 * t["value"], (t, med)
assert "bytes_throughput" not in r, r
PY
expect 0 "$suite" "${quick[@]}" --filter '^copy$'
head -1 "$tmp/out" | grep -q 'bandwidth' || fail "no bandwidth column: $(cat "$tmp/out")"
head -1 "$tmp/out" | grep -q 'ttft median' || fail "no ttft column: $(cat "$tmp/out")"
grep -q '250 ms' "$tmp/out" || fail "no ttft median value: $(cat "$tmp/out")"
grep -q 'GB/s\|MB/s' "$tmp/out" || fail "no bandwidth value: $(cat "$tmp/out")"
expect 0 "$suite" "${quick[@]}" --filter '^copy$' --format csv
head -1 "$tmp/out" | grep -q 'bytes_per_s,ttft_median_s' || fail "csv header: $(head -1 "$tmp/out")"

# 5. --repetitions: throughput from the pooled median, durations summed
expect 0 "$bt" run "$suite" --min-sample-time 2ms --warmup-iterations 0 \
	--measurement-iterations 5 --repetitions 3 --no-store --format json
"$py" - "$tmp/out" <<'PY' || fail "--repetitions"
import json, sys
d = json.load(open(sys.argv[1]))
measured = 0
for r in d["results"]:
    t = r["metrics"]["time"]
    assert len(t["samples"]) == 15, len(t["samples"])
    med = t["stats"]["median"]
    tp = r["throughput"]
    assert abs(tp["value"] - tp["items_per_op"] / med) <= 1e-9 * tp["value"], (r["name"], tp, med)
    assert ("bytes_throughput" in r) == (r["name"] == "copy"), r["name"]
    if "bytes_throughput" in r:
        b = r["bytes_throughput"]
        assert abs(b["value"] - b["bytes_per_op"] / med) <= 1e-9 * b["value"]
    # wall_s is summed over the processes: each ran at least one batch of
    # --min-sample-time (measuring starts only after one). Not samples x
    # iterations_per_sample, even halved: that is the median process's
    # count, and a process calibrated while idle then measured while
    # loaded (ctest -j 8) makes it overshoot; failed twice that way. The
    # exact sums are checked in 10 on planned numbers.
    assert r["wall_s"] >= 3 * 2e-3, (r["name"], r["wall_s"])
    measured += r["wall_s"]
# the run lasts at least the cases' summed wall time
assert d["duration_s"] >= measured, (d["duration_s"], measured)
PY

# 6. durations need a unit, for every duration flag and every command
for flag in --min-sample-time --timeout --time-budget; do
	expect 2 "$bt" run "$suite" "$flag" 5 --no-store
	grep -q -- "$flag: '5' has no unit: write 5s, 5ms or 5us" "$tmp/err" || fail "run $flag 5: $(cat "$tmp/err")"
	expect 2 "$suite" "$flag" 5
	grep -q -- "$flag: '5' has no unit" "$tmp/err" || fail "suite $flag 5: $(cat "$tmp/err")"
	expect 2 "$bt" ab "$suite" "$suite" "$flag=5"
	grep -q -- "$flag: '5' has no unit" "$tmp/err" || fail "ab $flag 5: $(cat "$tmp/err")"
done
expect 2 "$suite" --min-sample-time 0
grep -q -- "--min-sample-time: must be above 0" "$tmp/err" || fail "min-sample-time 0: $(cat "$tmp/err")"
expect 0 "$suite" --timeout 0 --time-budget 0 --list
expect 0 "$suite" --timeout 2m --time-budget 0.5s --min-sample-time 250us --list

# 7. in a pipe, a plain progress line per case on stderr, none on stdout
expect 0 "$bt" run "$suite" "${quick[@]}" --no-store --format json
for c in '\[1/4\] copy (elapsed' '\[2/4\] fill (elapsed' '\[3/4\] sum/n=1000 (elapsed' '\[4/4\] sum/n=2000 (elapsed'; do
	grep -q "$c" "$tmp/err" || fail "no progress line $c: $(cat "$tmp/err")"
done
grep -q $'\033' "$tmp/err" && fail "escape codes in a pipe"
"$py" -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/out" || fail "stdout is not JSON"
expect 0 "$suite" "${quick[@]}" -q --format none
[ ! -s "$tmp/err" ] || fail "-q still prints: $(cat "$tmp/err")"

# 8. a program that writes no run is not a benchmark suite
expect 2 "$bt" run /bin/true --store "$tmp/s8"
grep -q "/bin/true: not a benchmark suite" "$tmp/err" || fail "/bin/true: $(cat "$tmp/err")"
grep -q "to time an arbitrary command" "$tmp/err" || fail "/bin/true: no hint"
grep -q "No such file" "$tmp/err" && fail "/bin/true: $(cat "$tmp/err")"
nothing_stored "$tmp/s8" "/bin/true"
# after a real suite, a stale run is not taken for its
expect 2 "$bt" run "$suite" /bin/true "${quick[@]}" --store "$tmp/s8"
grep -q "/bin/true: not a benchmark suite" "$tmp/err" || fail "suite then /bin/true: $(cat "$tmp/err")"
nothing_stored "$tmp/s8" "suite then /bin/true"
# 9. a reader of run's stderr that went away (`2>&1 | head`) does not kill
# it: the run is still stored and the exit code is the run's own
"$py" - "$bt" "$suite" "$tmp/s9" <<'PY' || fail "run with a closed stderr"
import os, subprocess, sys
bt, suite, store = sys.argv[1:4]
r, w = os.pipe()
os.close(r)
p = subprocess.run([bt, "run", suite, "--min-sample-time", "1ms",
                    "--warmup-iterations", "1", "--measurement-iterations", "4",
                    "--store", store], stdout=subprocess.DEVNULL, stderr=w)
os.close(w)
if p.returncode != 0:
    sys.exit("exit %d" % p.returncode)
runs = [d for d, _, f in os.walk(store) if "run.json" in f]
if len(runs) != 1:
    sys.exit("%d runs stored" % len(runs))
PY

# 10. --repetitions pools per case: wall_s, CPU times and context switches
# summed, the highest peak memory, iterations_per_sample the median of the
# ok processes; skipped in one process and ok in others is ok with their
# samples (and a warning); a failure in any process wins. A stand-in suite
# writes a run per process from a real one, by a plan, so every number is
# known.
expect 0 "$suite" "${quick[@]}" --format none --out "$tmp/tpl.json"
cat > "$tmp/planned" <<'PY'
#!/usr/bin/python3
import copy, json, os, sys
out = sys.argv[sys.argv.index("--out") + 1]
counter = os.environ["PLAN_COUNTER"]
k = int(open(counter).read()) if os.path.exists(counter) else 0
open(counter, "w").write(str(k + 1))
run = json.load(open(os.environ["PLAN_TEMPLATE"]))
by_name = {r["name"]: r for r in run["results"]}
copy_r, sum_r = by_name["copy"], by_name["sum"]
# case -> the status in process 0, 1, 2 (s skipped, f failed, c crashed)
plan = {("copy", None): "ooo", ("sum", "1000"): "soo", ("sum", "2000"): "oco",
        ("sum", "3000"): "sss", ("sum", "4000"): "sfo"}
results, failed = [], False
for (name, n), statuses in plan.items():
    r = copy.deepcopy(copy_r if name == "copy" else sum_r)
    r.pop("series_key", None)
    if n:
        r["params"] = {"n": n}
    st = statuses[k]
    r["wall_s"] = (k + 1) * 1.0
    r["cpu"] = {"user_s": (k + 1) * 0.5, "sys_s": 0.25}
    r["ctx_switches"] = {"voluntary": 10 * (k + 1), "involuntary": 1}
    r["peak_memory_bytes"] = [3000, 9000, 5000][k]
    r["iterations_per_sample"] = [10, 30, 20][k]
    t = r["metrics"]["time"]
    t["samples"] = [(k + 1) * 1e-6] * 4
    del t["stats"]
    if st != "o":
        r["metrics"] = {}
        r["status"] = {"s": "skipped", "f": "failed", "c": "crashed"}[st]
        r["message"] = {"s": "no GPU here", "f": "bad input",
                        "c": "killed by signal 11 (SIGSEGV)"}[st]
        failed = failed or st != "s"
    results.append(r)
run["results"] = results
json.dump(run, open(out, "w"))
sys.exit(4 if failed else 0)
PY
chmod +x "$tmp/planned"
PLAN_COUNTER=$tmp/counter PLAN_TEMPLATE=$tmp/tpl.json \
	expect 4 "$bt" run "$tmp/planned" --repetitions 3 --no-store --format json
"$py" - "$tmp/out" <<'PY' || fail "--repetitions per case: $(cat "$tmp/err")"
import json, sys
res = {(r["name"], r["params"].get("n")): r for r in json.load(open(sys.argv[1]))["results"]}
c = res[("copy", None)]
assert c["status"] == "ok", c["status"]
assert c["wall_s"] == 6.0, c["wall_s"]
assert c["cpu"] == {"user_s": 3.0, "sys_s": 0.75}, c["cpu"]
assert c["ctx_switches"] == {"voluntary": 60, "involuntary": 3}, c["ctx_switches"]
assert c["peak_memory_bytes"] == 9000, c["peak_memory_bytes"]
assert c["iterations_per_sample"] == 20, c["iterations_per_sample"]
assert c["metrics"]["time"]["samples"] == [1e-6] * 4 + [2e-6] * 4 + [3e-6] * 4
# skipped in process 0 only: ok with the samples of 1 and 2
s = res[("sum", "1000")]
assert (s["status"], s["message"]) == ("ok", None), (s["status"], s["message"])
t = s["metrics"]["time"]
assert t["samples"] == [2e-6] * 4 + [3e-6] * 4, t["samples"]
assert t["stats"]["n"] == 8 and abs(t["stats"]["median"] - 2.5e-6) < 1e-15, t["stats"]
assert s["wall_s"] == 6.0 and s["cpu"]["user_s"] == 3.0, (s["wall_s"], s["cpu"])
assert s["iterations_per_sample"] == 20, s["iterations_per_sample"]  # of 30, 20
# a crash in one process, ok in the others: crashed
s = res[("sum", "2000")]
assert (s["status"], s["message"]) == ("crashed", "killed by signal 11 (SIGSEGV)"), s["status"]
# skipped everywhere: skipped; skipped then failed then ok: failed
assert (res[("sum", "3000")]["status"], res[("sum", "3000")]["message"]) == ("skipped", "no GPU here")
s = res[("sum", "4000")]
assert (s["status"], s["message"]) == ("failed", "bad input"), (s["status"], s["message"])
PY
grep -q "warning: run: sum/n=1000: skipped in 1 of 3 processes (no GPU here): its samples are those of the other 2" "$tmp/err" ||
	fail "no warning of the partial skip: $(cat "$tmp/err")"
[ "$(grep -c 'skipped in' "$tmp/err")" = 1 ] || fail "skip warnings: $(cat "$tmp/err")"
echo "run_measure: ok"
