#!/usr/bin/env bash
# benchtrack import on output made by the real tools during the test: a
# Google Benchmark binary (tests/fixtures/import_gbench.cc, 3 repetitions),
# hyperfine (--runs 5) and pytest-benchmark
# (tests/fixtures/import_pytest_bench.py). Checked: the sample counts and
# medians against the files (1e-9 relative, computed here by Python),
# aggregates not counted as samples, the source statistics kept,
# auto-detection of each format, truncated and malformed files of each
# format (exit 3 naming the file and the field, nothing stored, also when
# a good file comes first), the `-- COMMAND` form, the context from
# the file, from the flags and from the current checkout and machine, and
# a store out of reach (every run spilled, exit 3).
set -euo pipefail
. "${BASH_SOURCE%/*}/lib/common.sh" import "$@"
need_built "$bt" "$build/import_gbench"
py=/usr/bin/python3
command -v hyperfine >/dev/null || fail "hyperfine not installed (scripts/install-deps.sh)"
$py -c 'import pytest_benchmark' 2>/dev/null ||
	fail "pytest-benchmark not installed (scripts/install-deps.sh)"
store=$tmp/store
cd "$tmp"

# --- the tools' own output ------------------------------------------------
"$build/import_gbench" --benchmark_repetitions=3 --benchmark_format=json \
	> gb.json 2> gb.err || fail "import_gbench: $(cat gb.err)"
hyperfine --runs 5 -N --style none --export-json hf.json -L n 1,2 'echo {n}' \
	> /dev/null 2>&1 || fail "hyperfine failed"
# pytest-benchmark in a git checkout of its own: commit_info has a commit
mkdir repo
cp "$src/tests/fixtures/import_pytest_bench.py" repo/
(
	cd repo
	export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@e GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@e
	git init -q -b side . && git add . && git commit -q -m fixture
	$py -m pytest -q -p no:cacheprovider --benchmark-json=../pb.json \
		import_pytest_bench.py > ../pb.out 2>&1
) || fail "pytest-benchmark failed: $(cat pb.out)"
pb_commit=$(git -C repo rev-parse HEAD)

runs() { find "$store" -name run.json 2>/dev/null | wc -l; }

# --- each format: detected, counts and medians round-trip -----------------
for f in gb hf pb; do
	# exit 4: Google Benchmark's BM_broken reports an error
	expect "$([ $f = gb ] && echo 4 || echo 0)" "$bt" import "$f.json" --no-store \
		--out "$f.run.json" --suite s$f
	[ -s "$f.run.json" ] || fail "$f: no run written"
done
expect 4 "$bt" import gb.json --store "$store"
grep -q "import: gb.json: read as gbench (detected)" "$tmp/err" || fail "gbench not detected: $(cat "$tmp/err")"
grep -q "failed: no device" "$tmp/out" || fail "gbench: the failed benchmark not shown: $(cat "$tmp/out")"
expect 0 "$bt" import hf.json pb.json --store "$store"
grep -q "import: hf.json: read as hyperfine (detected)" "$tmp/err" || fail "hyperfine not detected"
grep -q "import: pb.json: read as pytest-benchmark (detected)" "$tmp/err" || fail "pytest-benchmark not detected"
[ "$(runs)" -eq 3 ] || fail "3 runs expected in the store, found $(runs)"

$py - <<'PY' || fail "the runs do not match the tools' files"
import json, statistics, sys

def load(p):
    with open(p) as f:
        return json.load(f)

def close(a, b):
    return abs(a - b) <= 1e-9 * max(abs(a), abs(b))

errors = []
def check(cond, msg):
    if not cond:
        errors.append(msg)

def by_name(run):
    out = {}
    for r in run["results"]:
        key = (r["name"], tuple(sorted(r["params"].items())))
        out[key] = r
    return out

# Google Benchmark: iteration rows are samples (real_time in time_unit),
# aggregates are not
src, run = load("gb.json"), by_name(load("gb.run.json"))
scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
rows = {}
for b in src["benchmarks"]:
    rows.setdefault(b["run_name"], []).append(b)
check(len(run) == len(rows), "gbench: %d results for %d run names" % (len(run), len(rows)))
for rn, bs in rows.items():
    parts = rn.split("/")
    params, bare = {}, 0
    for p in parts[1:]:
        if ":" in p:
            k, v = p.split(":", 1)
            params[k] = v
        else:
            params["arg%d" % bare] = p
            bare += 1
    r = run.get((parts[0], tuple(sorted(params.items()))))
    if r is None:
        errors.append("gbench: no result for %s" % rn)
        continue
    it = [b for b in bs if b["run_type"] == "iteration"]
    agg = {b["aggregate_name"]: b for b in bs if b["run_type"] == "aggregate"}
    check(len(it) == 3, "gbench: %s: %d iteration rows" % (rn, len(it)))
    if any(b.get("error_occurred") for b in it):
        check(r["status"] == "failed" and r["message"] == "no device",
              "gbench: %s: status %s" % (rn, r["status"]))
        continue
    t = [b["real_time"] * scale[b["time_unit"]] for b in it]
    check(len(agg) >= 3, "gbench: %s: %d aggregate rows" % (rn, len(agg)))
    m = r["metrics"]["time"]
    check(m["stats"]["n"] == 3 and len(m["samples"]) == 3,
          "gbench: %s: n = %d (aggregates counted?)" % (rn, m["stats"]["n"]))
    check(all(close(a, b) for a, b in zip(m["samples"], t)), "gbench: %s: samples differ" % rn)
    check(close(m["stats"]["median"], statistics.median(t)),
          "gbench: %s: median %r, file %r" % (rn, m["stats"]["median"], statistics.median(t)))
    c = [b["cpu_time"] * scale[b["time_unit"]] for b in it]
    check(close(r["metrics"]["cpu_time"]["stats"]["median"], statistics.median(c)),
          "gbench: %s: cpu_time median" % rn)
    med = agg["median"]
    check(close(r["counters"]["time.source_median"], med["real_time"] * scale[med["time_unit"]]),
          "gbench: %s: time.source_median" % rn)
    check(r["iterations_per_sample"] == it[0]["iterations"], "gbench: %s: iterations" % rn)
    if "elements" in it[0]:
        check(close(r["counters"]["elements"], it[0]["elements"]), "gbench: %s: counter" % rn)
        check(r["throughput"]["unit"] == "items/s", "gbench: %s: throughput" % rn)

# hyperfine: times are the samples
src, run = load("hf.json"), by_name(load("hf.run.json"))
check(len(run) == len(src["results"]), "hyperfine: result count")
for h in src["results"]:
    r = run.get((h["command"], tuple(sorted(h["parameters"].items()))))
    if r is None:
        errors.append("hyperfine: no result for %s" % h["command"])
        continue
    m = r["metrics"]["time"]
    check(m["stats"]["n"] == 5 == len(h["times"]), "hyperfine: %s: n" % h["command"])
    check(close(m["stats"]["median"], statistics.median(h["times"])),
          "hyperfine: %s: median" % h["command"])
    check(close(r["counters"]["time.source_mean"], h["mean"]), "hyperfine: source mean")

# pytest-benchmark: stats.data are the samples, per call
src, run = load("pb.json"), by_name(load("pb.run.json"))
check(len(run) == len(src["benchmarks"]), "pytest-benchmark: result count")
for b in src["benchmarks"]:
    name = b["fullname"].split("[")[0]
    params = {k: str(v) for k, v in (b["params"] or {}).items()}
    r = run.get((name, tuple(sorted(params.items()))))
    if r is None:
        errors.append("pytest-benchmark: no result for %s" % b["fullname"])
        continue
    m = r["metrics"]["time"]
    d = b["stats"]["data"]
    check(m["stats"]["n"] == len(d) == b["stats"]["rounds"], "pytest-benchmark: %s: n" % name)
    check(close(m["stats"]["median"], statistics.median(d)), "pytest-benchmark: %s: median" % name)
    check(r["iterations_per_sample"] == b["stats"]["iterations"], "pytest-benchmark: iterations")
    check(r.get("group") == b["group"], "pytest-benchmark: %s: group" % name)

for e in errors:
    print(e, file=sys.stderr)
sys.exit(1 if errors else 0)
PY

# --- context: from the file, from the flags, from here --------------------
$py - "$pb_commit" <<'PY' || fail "context of the imported runs"
import json, socket, sys
pb = json.load(open("pb.run.json"))
gb = json.load(open("gb.run.json"))
hf = json.load(open("hf.run.json"))
src = json.load(open("pb.json"))
ok = True
def check(c, m):
    global ok
    if not c:
        print(m, file=sys.stderr); ok = False
check(pb["git"]["commit"] == sys.argv[1], "pytest-benchmark: commit %r" % pb["git"]["commit"])
check(pb["git"]["branch"] == "side", "pytest-benchmark: branch %r" % pb["git"]["branch"])
check(pb["timestamp"].startswith(src["datetime"][:19]), "pytest-benchmark: timestamp")
check(pb["machine"]["name"] == src["machine_info"]["node"], "pytest-benchmark: machine")
check(gb["machine"]["name"] == json.load(open("gb.json"))["context"]["host_name"], "gbench: host")
check(gb["machine"]["cpu"]["cores"] == json.load(open("gb.json"))["context"]["num_cpus"], "gbench: cpus")
check(hf["suite"] == "shf", "hyperfine: --suite")
sys.exit(0 if ok else 1)
PY
# hyperfine's file says nothing of commit and machine: the flags say it
expect 0 "$bt" import hf.json --no-store --out flags.json --commit ABCDEF12 --branch main \
	--machine ci-7 --type nightly
$py - <<'PY' || fail "hyperfine with flags: $(cat "$tmp/err")"
import json, sys
r = json.load(open("flags.json"))
assert r["git"]["commit"] == "abcdef12", r["git"]
assert r["git"]["branch"] == "main", r["git"]
assert r["machine"]["name"] == "ci-7", r["machine"]
assert len(r["machine"]["fingerprint"]) == 16, r["machine"]
assert r["benchmark_type"] == "nightly"
assert r["suite"] == "hf", r["suite"]
PY
grep -q "no commit in the file" "$tmp/err" && fail "a note about the commit despite --commit"
# ... else the current checkout and machine, with a note
(cd repo && "$bt" import ../hf.json --no-store --out ../here.json) > /dev/null 2> here.err ||
	fail "import in a checkout: $(cat here.err)"
grep -q "hf.json: no commit in the file: using the current checkout's (${pb_commit:0:12}" here.err ||
	fail "no note about the current checkout: $(cat here.err)"
grep -q "hf.json: no machine in the file: using this one" here.err ||
	fail "no note about this machine: $(cat here.err)"
$py -c "
import json, sys
r = json.load(open('here.json'))
sys.exit(0 if r['git']['commit'] == '$pb_commit' and r['machine']['fingerprint'] != 'unknown' else 1)
" || fail "the current checkout's commit is not the run's"
# a flag the file contradicts: a warning, the file wins
expect 0 "$bt" import pb.json --no-store --out contra.json --commit 1234abcd
grep -q "pb.json: --commit ignored: the file gives commit ${pb_commit:0:12}" "$tmp/err" ||
	fail "no warning about --commit: $(cat "$tmp/err")"

# --- the -- COMMAND form --------------------------------------------------
expect 4 "$bt" import --store "$store" --suite gbcmd -- "$build/import_gbench" \
	--benchmark_repetitions=3 --benchmark_format=json
grep -q "read as gbench (detected)" "$tmp/err" || fail "-- COMMAND: not detected"
grep -q "BM_pair" "$tmp/out" || fail "-- COMMAND: no table: $(cat "$tmp/out")"
[ "$(runs)" -eq 4 ] || fail "-- COMMAND: the run was not stored ($(runs) runs)"
# the harness's exit status is reported; its output still imported
expect 4 "$bt" import --store "$store" -- sh -c 'cat hf.json; exit 5'
grep -q "sh exited with status 5" "$tmp/err" || fail "harness status not reported: $(cat "$tmp/err")"
[ "$(runs)" -eq 5 ] || fail "-- COMMAND: output of a failing harness not stored"
expect 3 "$bt" import --store "$store" -- sh -c 'head -c 300 gb.json'
grep -q "output of sh: line" "$tmp/err" || fail "-- COMMAND: truncated output: $(cat "$tmp/err")"
[ "$(runs)" -eq 5 ] || fail "-- COMMAND: truncated output stored"
# a SIGTERM sent to benchtrack alone (a CI job's timeout) reaches the
# harness too: exit 143, a message, nothing stored, no process left
"$bt" import --store "$store" -- sh -c 'echo $$ > started.tmp; mv started.tmp started; exec sleep 20' \
	> term.out 2> term.err &
bpid=$!
for _ in $(seq 200); do [ -s started ] && break; sleep 0.05; done
[ -s started ] || fail "-- COMMAND: the harness did not start"
hpid=$(cat started)
kill -TERM $bpid
rc=0
wait $bpid || rc=$?
if kill -0 "$hpid" 2>/dev/null; then
	kill "$hpid"
	fail "-- COMMAND: SIGTERM: the harness is left running"
fi
[ $rc -eq 143 ] || fail "-- COMMAND: SIGTERM: exit $rc, want 143"
grep -q "import: interrupted by signal 15" term.err || fail "-- COMMAND: SIGTERM: $(cat term.err)"
[ "$(runs)" -eq 5 ] || fail "-- COMMAND: SIGTERM: something stored"

# --- broken files of each format: exit 3, file and field named, nothing stored
$py - <<'PY'
import json
def mangle(src, dst, fn):
    d = json.load(open(src)); fn(d); json.dump(d, open(dst, "w"), indent=1)
mangle("gb.json", "gb_bad.json", lambda d: d["benchmarks"][1].update(real_time="fast"))
mangle("hf.json", "hf_bad.json", lambda d: d["results"][1]["times"].__setitem__(2, None))
mangle("pb.json", "pb_bad.json", lambda d: d["benchmarks"][2].__setitem__("stats", []))
for f in ("gb", "hf", "pb"):
    text = open(f + ".json").read()
    open(f + "_cut.json", "w").write(text[: len(text) // 2])
PY
for f in gb hf pb; do
	expect 3 "$bt" import hf.json "${f}_cut.json" --store "$store"
	grep -q "import: ${f}_cut.json: line [0-9]* column [0-9]*: " "$tmp/err" ||
		fail "$f truncated: $(cat "$tmp/err")"
done
expect 3 "$bt" import pb.json gb_bad.json --store "$store"
grep -q "error: import: gb_bad.json: benchmarks\[1\].real_time: expected a number" "$tmp/err" ||
	fail "gbench malformed: $(cat "$tmp/err")"
expect 3 "$bt" import gb.json hf_bad.json --store "$store"
grep -q "error: import: hf_bad.json: results\[1\].times\[2\]: expected a number" "$tmp/err" ||
	fail "hyperfine malformed: $(cat "$tmp/err")"
expect 3 "$bt" import hf.json pb_bad.json --store "$store"
grep -q "error: import: pb_bad.json: benchmarks\[2\].stats: expected an object" "$tmp/err" ||
	fail "pytest-benchmark malformed: $(cat "$tmp/err")"
[ "$(runs)" -eq 5 ] || fail "a broken file stored something ($(runs) runs)"
grep -q "stored" "$tmp/err" && fail "stored despite a broken file"

# --- not a format, wrong format, usage --------------------------------------
echo '{"results": 1, "x": [NaN]}' > other.json
expect 3 "$bt" import other.json --no-store
grep -q "other.json: not a format benchtrack imports (tried gbench, hyperfine" "$tmp/err" ||
	fail "unknown format: $(cat "$tmp/err")"
expect 3 "$bt" import hf.json --format gbench --no-store
grep -q "hf.json: context: expected an object" "$tmp/err" || fail "forced format: $(cat "$tmp/err")"
expect 2 "$bt" import hf.json --format csv
expect 2 "$bt" import
expect 2 "$bt" import hf.json pb.json --out x.json

# --- a store out of reach (PostgreSQL on a closed loopback port): every ----
# run kept in the spool with its push command, exit 3; pushed later, the
# three runs are all there
port=$($py -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
pgurl=postgresql://bt@127.0.0.1:$port/bt
BENCHTRACK_SPOOL=$tmp/spool expect 3 "$bt" import gb.json hf.json pb.json --store "$pgurl"
[ "$(grep -c "the run was not stored; it is kept in $tmp/spool/benchtrack-unstored-" "$tmp/err")" -eq 3 ] ||
	fail "unreachable store: not every run kept: $(cat "$tmp/err")"
[ "$(grep -c "store it later with: benchtrack push '$tmp/spool/benchtrack-unstored-[0-9a-f]*\.json' --to '$pgurl'" "$tmp/err")" -eq 3 ] ||
	fail "unreachable store: no push command for every run: $(cat "$tmp/err")"
grep -q "error: import: 3 of 3 runs not stored" "$tmp/err" || fail "unreachable store: no summary: $(cat "$tmp/err")"
[ "$(ls spool | wc -l)" -eq 3 ] || fail "unreachable store: $(ls spool | wc -l) files spilled, want 3"
expect 0 "$bt" push spool/benchtrack-unstored-*.json --to "$tmp/later"
expect 0 "$bt" list --store "$tmp/later" --format csv
$py - "$tmp/out" <<'PY' || fail "unreachable store: the pushed runs: $(cat "$tmp/out")"
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
got = sorted((r["suite"], int(r["n_results"])) for r in rows)
want = sorted((s, len(json.load(open("%s.run.json" % s))["results"])) for s in ("gb", "hf", "pb"))
assert got == want, (got, want)
PY
exit 0
