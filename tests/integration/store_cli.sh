#!/usr/bin/env bash
# The store through the commands: benchtrack run stores by default (here
# in --store / BENCHTRACK_STORE), the layout of DESIGN §6, list with its
# filters and formats, show by every kind of reference, tag/untag,
# reindex, and clear errors for bad references.
set -euo pipefail
src=$1 build=$2
bt=$build/benchtrack
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "store_cli: $*"; exit 1; }
store=$tmp/store
quick=(--filter '^sum/n=64$' --min-sample-time 1ms --measurement-iterations 6 --format none)

# three runs: two of type micro, one of type nightly (through the env var)
"$bt" run "$build/suite_faults" "${quick[@]}" --type micro --store "$store" 2> "$tmp/err1"
grep -q "^stored $store/by-type/micro/[0-9-]*-UTC-[0-9a-f]\{8\}/run.json" "$tmp/err1" || fail "no 'stored' line: $(cat "$tmp/err1")"
sleep 1
"$bt" run "$build/suite_faults" "${quick[@]}" --type micro --store "$store" 2>/dev/null
BENCHTRACK_STORE=$store "$bt" run "$build/suite_faults" "${quick[@]}" --type nightly 2>/dev/null

# the layout
n=$(find "$store/by-type/micro" -name run.json | wc -l)
[ "$n" -eq 2 ] || fail "expected 2 micro runs, found $n"
[ -L "$store/latest/micro.json" ] || fail "latest/micro.json is not a link"
[ -L "$store/latest/nightly.json" ] || fail "latest/nightly.json missing"
d=$(find "$store/by-date" -mindepth 4 -maxdepth 4 | wc -l)
[ "$d" -eq 3 ] || fail "expected 3 by-date links, found $d"
for l in $(find "$store/by-date" -mindepth 4 -maxdepth 4); do
	[ -f "$l/run.json" ] || fail "by-date link $l does not resolve"
done
grep -q "^# Benchmark results" "$store/README.md" || fail "README.md missing"
grep -q "| nightly |" "$store/README.md" || fail "README.md lacks the nightly type"
[ -d "$store/comparisons" ] && [ -d "$store/archive" ] || fail "comparisons/ or archive/ missing"

# list: all, by type, formats
[ "$("$bt" list --store "$store" --format csv | tail -n +2 | wc -l)" -eq 3 ] || fail "list: not 3 runs"
[ "$("$bt" list --store "$store" --type micro --format csv | tail -n +2 | wc -l)" -eq 2 ] || fail "list --type micro"
[ "$("$bt" list --store "$store" --name sum --format csv | tail -n +2 | wc -l)" -eq 3 ] || fail "list --name sum"
[ "$("$bt" list --store "$store" --name nosuch --format csv | tail -n +2 | wc -l)" -eq 0 ] || fail "list --name nosuch"
"$bt" list --store "$store" --format json | grep -q '"type": "nightly"' || fail "list json"
newest=$("$bt" list --store "$store" --format csv | sed -n 2p | cut -d, -f2)
[ "$newest" = nightly ] || fail "list is not newest first ($newest)"

# show by reference
id=$("$bt" list --store "$store" --type micro --format csv | sed -n 2p | cut -d, -f1)
for ref in latest latest:micro "${id:0:8}" "$id"; do
	"$bt" show "$ref" --store "$store" --format csv > "$tmp/show.csv" || fail "show $ref"
	grep -q '^sum,64,' "$tmp/show.csv" || fail "show $ref: no sum row"
done
"$bt" show "$store/latest/nightly.json" --format csv > /dev/null || fail "show by path"
set +e
"$bt" show nosuch --store "$store" 2> "$tmp/e"; rc=$?
set -e
[ $rc -eq 3 ] || fail "show nosuch: exit $rc, want 3"
grep -q "nosuch" "$tmp/e" || fail "show nosuch: message does not quote the reference"

# tags
"$bt" tag "${id:0:8}" milestone --store "$store"
"$bt" list --store "$store" --tag milestone --format csv | grep -q "$id" || fail "tag not listed"
grep -q "^milestone$" "$(dirname "$("$bt" list --store "$store" --tag milestone --format csv | sed -n 2p | cut -d, -f10 | sed "s|^|$store/|")")/tags" || fail "tags file"
grep -q "## Milestones" "$store/README.md" || fail "README lacks milestones"
set +e
"$bt" tag "$id" 'bad tag!' --store "$store" 2>/dev/null; rc=$?
set -e
[ $rc -eq 2 ] || fail "bad tag: exit $rc, want 2"

# reindex from the files keeps everything, tags included
rm -f "$store/index.db" "$store/index.db-wal" "$store/index.db-shm"
"$bt" reindex --store "$store" | grep -q "3 runs" || fail "reindex count"
"$bt" list --store "$store" --tag milestone --format csv | grep -q "$id" || fail "tag lost by reindex"
"$bt" untag "$id" milestone --store "$store"
[ "$("$bt" list --store "$store" --tag milestone --format csv | tail -n +2 | wc -l)" -eq 0 ] || fail "untag"

# a missing store is an error for list, not created
set +e
"$bt" list --store "$tmp/none" 2> "$tmp/e"; rc=$?
set -e
[ $rc -eq 3 ] && grep -q "$tmp/none" "$tmp/e" || fail "list of a missing store: exit $rc"
[ ! -e "$tmp/none" ] || fail "list created a store"

# a suite run directly refuses --store
set +e
"$build/suite_faults" --store "$store" --list >/dev/null 2>&1; rc=$?
set -e
[ $rc -eq 2 ] || fail "suite --store: exit $rc, want 2"
echo "store_cli: ok"
