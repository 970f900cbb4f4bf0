#!/usr/bin/env bash
# Distributed benchmarks on Open MPI (docs/API.md, benchtrack-run(1)
# "Distributed benchmarks"): `benchtrack run --mpi 2` on the attention
# suite's ring variants gives a stored run of type distributed with ranks
# among the params, validation passed, on the dashboard; a fixture suite
# where rank 1 crashes in one case and hangs in another gets those two
# marked (crashed, timeout) while the others pass, and leaves no process
# behind; `mpirun -n 2 SUITE` directly writes one run from rank 0.
# Skipped (77) only when Open MPI is not installed (install-deps installs
# it) or the build did not find it. Nothing asserts a duration: the hang
# is cut by a 10 s --timeout, far below the test's own limit, in a run of
# its own; the cases that must pass or crash run under the default
# timeout (300 s), as a loaded machine may start 2 ASan ranks slowly.
set -euo pipefail
. "${BASH_SOURCE%/*}/lib/common.sh" mpi "$@"
# mpirun keeps its session directory (ompi.*) under $TMPDIR and leaves it
# there: keep it inside this test's own directory, removed at exit
export TMPDIR=$tmp
if ! command -v mpirun >/dev/null 2>&1 || [ ! -x "$build/suite_mpi" ]; then
	echo "mpi: skipped: Open MPI (mpirun, libopenmpi-dev) not installed or not found by the build" >&2
	exit 77
fi
need_built "$bt" "$build/attention" "$build/suite_mpi"
py=/usr/bin/python3
store=$tmp/store
# what runs under mpirun in a sanitizer build: without LeakSanitizer, as
# Open MPI leaves allocations of its own (and of its unloaded components)
# at exit, which would fail every rank
mpi_env=()
[ -z "$bt_sanitize" ] || mpi_env=(env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0")

# --- ring attention on 1 and 2 ranks, stored, on the dashboard -----------
expect 0 "${mpi_env[@]}" "$bt" run --mpi 2 "$build/attention" --filter ring --quick \
	--store "$store" --out "$tmp/ring.json" --format none
$py - "$tmp/ring.json" <<'PY' || fail "the ring run"
import json, sys
run = json.load(open(sys.argv[1]))
assert run["benchmark_type"] == "distributed", run["benchmark_type"]
got = sorted((r["name"], r["params"]["ranks"], r["params"]["seq_len"]) for r in run["results"])
want = sorted((n, k, s) for n in ("ring", "ring_dilated") for k in ("1", "2")
              for s in ("1024", "2048"))
assert got == want, got
for r in run["results"]:
    assert r["status"] == "ok", (r["name"], r["status"], r.get("message"))
    v = r["validation"]
    assert v and v["passed"] and v["max_rel_err"] < 1e-4, v
    c = r["counters"]
    k = int(r["params"]["ranks"])
    assert c["ranks"] == k, c
    assert all(c["peak_memory_rank%d" % i] > 0 for i in range(k)), c
    assert c["peak_memory_max"] == max(c["peak_memory_rank%d" % i] for i in range(k))
    assert 0 <= c["comm_share"] <= 1 and (k > 1 or c["comm_share"] == 0), c
PY
ls "$store"/by-type/distributed/*/run.json* >/dev/null 2>&1 ||
	fail "no run stored under by-type/distributed: $(ls -R "$store" | head -20)"
expect 0 "$bt" dashboard --store "$store" --out "$tmp/dash"
grep -rqs 'ring_dilated' "$tmp/dash" || fail "the dashboard does not show the ring cases"
grep -rqs 'distributed' "$tmp/dash" || fail "the dashboard does not show the type distributed"

# --- rank 1 crashes in one case and hangs in another ---------------------
# every case but the hang, under the default timeout: the crash is the
# only one that fails
expect 4 "${mpi_env[@]}" "$bt" run --mpi 2 "$build/suite_mpi" --quick --exclude '^hang_rank1' \
	--no-store --out "$tmp/faults.json" --format none
# the hang alone, cut by its --timeout
expect 4 "${mpi_env[@]}" "$bt" run --mpi 2 "$build/suite_mpi" --quick --filter '^hang_rank1' \
	--timeout 10s --no-store --out "$tmp/hang.json" --format none
$py - "$tmp/faults.json" "$tmp/hang.json" <<'PY' || fail "the fault fixture's statuses"
import json, sys
st = {}
for path in sys.argv[1:]:
    run = json.load(open(path))
    for r in run["results"]:
        key = (r["name"], r["params"].get("ranks"))
        assert key not in st, key
        st[key] = (r["status"], r.get("message", ""))
assert sorted(st, key=str) == sorted([("allreduce", "1"), ("allreduce", "2"), ("plain", None),
                                      ("crash_rank1", "2"), ("hang_rank1", "2")], key=str), st
assert st[("allreduce", "1")][0] == "ok", st
assert st[("allreduce", "2")][0] == "ok", st
assert st[("plain", None)][0] == "ok", st
assert st[("crash_rank1", "2")][0] == "crashed", st
assert st[("hang_rank1", "2")] == ("timeout", "timed out after 10 s"), st
PY
left=$(ps -eo pid=,args= | grep -F "$build/suite_mpi" | grep -v grep || true)
[ -z "$left" ] || fail "processes of the run left behind: $left"

# --- a launcher that cannot start: the case says why (the library, in the
# forked child, prints nothing: lib/run/mpi_launch.c) ---------------------
expect 4 env BT_MPIRUN="$tmp/no-mpirun" "$bt" run --mpi 2 "$build/suite_mpi" \
	--filter allreduce --quick --no-store --out "$tmp/nolaunch.json" --format none
$py - "$tmp/nolaunch.json" "$tmp/no-mpirun" <<'PY' || fail "a launcher that cannot start"
import json, sys
run = json.load(open(sys.argv[1]))
st = {r["params"].get("ranks"): (r["status"], r.get("message", "")) for r in run["results"]}
want = ("crashed", "cannot run %s: No such file or directory (install openmpi-bin, "
        "or set BT_MPIRUN)" % sys.argv[2])
assert st["1"] == want and st["2"] == want, st
PY
! grep -q "^benchtrack: cannot run" "$tmp/err" ||
	fail "the launch printed its error: $(cat "$tmp/err")"

# --- without --mpi the distributed cases are skipped, said why -----------
expect 0 "$build/suite_mpi" --filter allreduce --quick --format none --out "$tmp/skip.json"
grep -q '"status": "skipped"' "$tmp/skip.json" || fail "no skipped case without --mpi"
grep -q 'runs with --mpi N or under mpirun' "$tmp/skip.json" || fail "skip reason"

# --- mpirun directly: one run document, written by rank 0 -----------------
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
root=()
[ "$(id -u)" -ne 0 ] || root=(--allow-run-as-root)
expect 0 "${mpi_env[@]}" timeout 600 mpirun "${root[@]}" --oversubscribe -n 2 "$build/suite_mpi" \
	--filter allreduce --quick --format none --out "$tmp/direct.json"
$py - "$tmp/direct.json" <<'PY' || fail "the direct mpirun run"
import json, sys
run = json.load(open(sys.argv[1]))
assert run["benchmark_type"] == "distributed"
assert [(r["name"], r["params"]["ranks"], r["status"]) for r in run["results"]] == \
    [("allreduce", "2", "ok")], run["results"]
c = run["results"][0]["counters"]
assert c["world_size"] == 2 and c["ranks"] == 2 and c["peak_memory_rank1"] > 0, c
PY
