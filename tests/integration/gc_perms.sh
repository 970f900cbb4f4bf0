#!/usr/bin/env bash
# gc run by a user who cannot open one by-type/<type>
# directory: the recovery of an interrupted gc (lib/store/gc_recover.c)
# cannot tell whether a run in it is also in its archive, so it stops,
# names the directory and exits 3, before any run moves (the old run of
# another type stays in place); once the directory is readable again, gc
# archives the old runs and exits 0.
# Permissions bind only users other than root: benchtrack runs here as
# nobody (setpriv, else runuser, from util-linux), which needs root to
# start; without root or either tool the test is skipped (exit 77).
# Usage: bash tests/integration/gc_perms.sh SRC BUILD
set -euo pipefail
. "${BASH_SOURCE%/*}/lib/common.sh" gc_perms "$@"
need_built "$bt"

nobody_setup

# the store: three runs of three types from November 2026 (older than
# --keep-days 1 on any later day), laid out as docs/STORE.md says
s=$tmp/store
fx=$src/tests/fixtures
place() { # FIXTURE TYPE DIR
	mkdir -p "$s/by-type/$2/$3"
	cp "$fx/$1" "$s/by-type/$2/$3/run.json"
}
place run-attention.json ablation 2026-11-22-2231-UTC-07318947
place run-faults.json comprehensive 2026-11-22-2036-UTC-ab016d40
place run-extreme.json micro 2026-11-22-2231-UTC-e0e0e0e0
expect 0 "$bt" reindex --store "$s"
nobody_owns "$s" # and the tool copied to $tmp/benchtrack

chmod 000 "$s/by-type/comprehensive"
as_nobody test -r "$s/by-type/comprehensive" && fail "mode 000 does not bind nobody"
expect 3 as_nobody "$tmp/benchtrack" gc --keep-days 1 --store "$s"
grep -qx "benchtrack: error: gc: $s/by-type/comprehensive: Permission denied; the recovery of an interrupted gc or restore needs every type directory (make it readable)" "$tmp/err" ||
	fail "gc does not name the directory: $(cat "$tmp/err")"
# verify --repair stops at the same directory (its own check finds it first)
expect 3 as_nobody "$tmp/benchtrack" verify --repair --store "$s"
grep -q "$s/by-type/comprehensive: Permission denied" "$tmp/err" ||
	fail "verify --repair does not name the directory: $(cat "$tmp/err")"
# nothing moved
[ -f "$s/by-type/micro/2026-11-22-2231-UTC-e0e0e0e0/run.json" ] || fail "a run moved: $(ls -R "$s")"
[ ! -e "$s/archive/2026-11.tar.gz" ] || fail "an archive was written"

# readable again: gc archives the three runs
chmod 755 "$s/by-type/comprehensive"
expect 0 as_nobody "$tmp/benchtrack" gc --keep-days 1 --store "$s"
[ -f "$s/archive/2026-11.tar.gz" ] || fail "gc wrote no archive: $(cat "$tmp/out")"
[ ! -e "$s/by-type/comprehensive/2026-11-22-2036-UTC-ab016d40" ] || fail "gc left a run: $(cat "$tmp/out")"
expect 0 "$bt" verify --store "$s"
echo "gc_perms: ok"
