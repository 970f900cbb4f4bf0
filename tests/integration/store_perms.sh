#!/usr/bin/env bash
# reindex run by a user who cannot open one by-type/<type> directory
# (docs/cmd/reindex.md): the directory is named on stderr and in the
# summary, the runs of the other types are indexed and committed, and the
# exit status is 3; once the directory is readable again, reindex indexes
# every run and exits 0. A stray file under by-type/ is no type and no
# error.
# Permissions bind only users other than root: benchtrack runs here as
# nobody (setpriv, else runuser, from util-linux), which needs root to
# start; without root or either tool the test is skipped (exit 77).
# Usage: bash tests/integration/store_perms.sh SRC BUILD
set -euo pipefail
. "${BASH_SOURCE%/*}/lib/common.sh" store_perms "$@"
need_built "$bt"

nobody_setup

# the store: three runs of three types, laid out as docs/STORE.md says
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
grep -q "reindexed $s: 3 runs" "$tmp/out" || fail "setup: $(cat "$tmp/out")"
nobody_owns "$s" # and the tool copied to $tmp/benchtrack

# one type directory that nobody cannot open
chmod 000 "$s/by-type/comprehensive"
as_nobody test -r "$s/by-type/comprehensive" && fail "mode 000 does not bind nobody"
expect 3 as_nobody "$tmp/benchtrack" reindex --store "$s"
grep -q "^reindexed $s: 2 runs" "$tmp/out" || fail "reindex: stdout $(cat "$tmp/out")"
grep -qx "benchtrack: $s/by-type/comprehensive: Permission denied; not indexed" "$tmp/err" ||
	fail "reindex does not name the directory: $(cat "$tmp/err")"
grep -q "1 type directory could not be opened and its runs are not in the index: $s/by-type/comprehensive: Permission denied; make it readable" "$tmp/err" ||
	fail "reindex summary: $(cat "$tmp/err")"
# the rest is indexed, and README.md says what the index holds
expect 0 "$bt" list --store "$s" --format csv
[ "$(tail -n +2 "$tmp/out" | wc -l)" -eq 2 ] || fail "list after reindex: $(cat "$tmp/out")"
grep -q ",comprehensive," "$tmp/out" && fail "a run of the unopened directory is listed"
grep -q "^2 runs (0 archived, 0 milestones)" "$s/README.md" || fail "README.md: $(cat "$s/README.md")"

# readable again, with a stray file beside the types: every run, exit 0
chmod 755 "$s/by-type/comprehensive"
echo "notes" > "$s/by-type/NOTES.txt"
chown nobody:"$nobody_group" "$s/by-type/NOTES.txt"
expect 0 as_nobody "$tmp/benchtrack" reindex --store "$s"
grep -q "^reindexed $s: 3 runs" "$tmp/out" || fail "second reindex: $(cat "$tmp/out")"
[ ! -s "$tmp/err" ] || fail "second reindex says: $(cat "$tmp/err")"
grep -q "^3 runs (0 archived, 0 milestones)" "$s/README.md" || fail "README.md: $(cat "$s/README.md")"
echo "store_perms: ok"
