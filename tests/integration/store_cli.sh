#!/usr/bin/env bash
# The store through the commands: benchtrack run stores by default (here
# in --store / BENCHTRACK_STORE), the layout of docs/STORE.md, list with its
# filters and formats, show by every kind of reference, tag/untag,
# reindex, and clear errors for bad references.
set -euo pipefail
. "${BASH_SOURCE%/*}/lib/common.sh" store_cli "$@"
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
# ... with one message, naming the command, for every command that needs
# a store (opened as the command table says), and none is created
for args in "list" "gc" "verify" "reindex" "restore 0123abcd" "tag 0123abcd x" \
	    "untag 0123abcd x" "acks" "regressions"; do
	set +e
	"$bt" $args --store "$tmp/none" > /dev/null 2> "$tmp/e"; rc=$?
	set -e
	[ $rc -eq 3 ] && [ "$(wc -l < "$tmp/e")" -eq 1 ] &&
		grep -q "^benchtrack: error: ${args%% *}: $tmp/none: no such store$" "$tmp/e" ||
		fail "$args of a missing store: exit $rc, $(cat "$tmp/e")"
	[ ! -e "$tmp/none" ] || fail "$args created a store"
done

# a suite run directly refuses --store
set +e
"$build/suite_faults" --store "$store" --list >/dev/null 2>&1; rc=$?
set -e
[ $rc -eq 2 ] || fail "suite --store: exit $rc, want 2"
# --store naming a file: not a directory, for every command that takes it
for cmd in list verify reindex gc "tag $id x" "untag $id x"; do
	set +e
	"$bt" $cmd --store "$store/README.md" > /dev/null 2> "$tmp/e"; rc=$?
	set -e
	[ $rc -eq 3 ] && grep -q "README.md: not a directory" "$tmp/e" ||
		fail "$cmd --store FILE: exit $rc, $(cat "$tmp/e")"
done
set +e
"$bt" show latest --store "$store/README.md" > /dev/null 2> "$tmp/e"; rc=$?
set -e
[ $rc -eq 3 ] && grep -q "README.md: not a directory" "$tmp/e" && ! grep -q "no such" "$tmp/e" ||
	fail "show --store FILE: exit $rc, $(cat "$tmp/e")"

# show of a FIFO: not a regular file (not "no such file")
mkfifo "$tmp/fifo"
set +e
"$bt" show "$tmp/fifo" --store "$store" > /dev/null 2> "$tmp/e"; rc=$?
set -e
[ $rc -eq 3 ] && grep -q "$tmp/fifo: not a regular file" "$tmp/e" ||
	fail "show FIFO: exit $rc, $(cat "$tmp/e")"

# a store without index.db (kept in git without *.db, copied): every
# command rebuilds it, says so on stderr, and sees the runs
rm -f "$store/index.db" "$store/index.db-wal" "$store/index.db-shm"
"$bt" list --store "$store" --format csv > "$tmp/l.csv" 2> "$tmp/e" || fail "list without index.db"
[ "$(tail -n +2 "$tmp/l.csv" | wc -l)" -eq 3 ] || fail "list without index.db: not 3 runs"
grep -q "^benchtrack: $store/index.db missing: rebuilt from 3 runs$" "$tmp/e" ||
	fail "list without index.db: no notice: $(cat "$tmp/e")"
"$bt" list --store "$store" > /dev/null 2> "$tmp/e"
[ ! -s "$tmp/e" ] || fail "the index was rebuilt twice: $(cat "$tmp/e")"
rm -f "$store/index.db" "$store/index.db-wal" "$store/index.db-shm"
"$bt" show "${id:0:8}" --store "$store" --format csv > /dev/null 2> "$tmp/e" ||
	fail "show by id without index.db: $(cat "$tmp/e")"
grep -q "rebuilt from 3 runs" "$tmp/e" || fail "show without index.db: no notice"

# a run.json that is a link out of the store is not read through it
run=$("$bt" list --store "$store" --type nightly --format csv | sed -n 2p | cut -d, -f10)
nid=$("$bt" list --store "$store" --type nightly --format csv | sed -n 2p | cut -d, -f1)
cp "$store/$run" "$tmp/outside.json"
rm "$store/$run"
ln -s "$tmp/outside.json" "$store/$run"
set +e
"$bt" show "${nid:0:8}" --store "$store" > /dev/null 2> "$tmp/e"; rc=$?
set -e
[ $rc -eq 3 ] && grep -q "$store/$run: a symbolic link (to $tmp/outside.json)" "$tmp/e" ||
	fail "show through a link: exit $rc, $(cat "$tmp/e")"
set +e
"$bt" verify --store "$store" > "$tmp/o" 2>&1; rc=$?
set -e
[ $rc -eq 3 ] && grep -q "^$store/$run: a symbolic link" "$tmp/o" ||
	fail "verify does not report the link: exit $rc, $(cat "$tmp/o")"
rm "$store/$run"
cp "$tmp/outside.json" "$store/$run"

# reindex with a truncated run.json: names it, indexes the others, exit 3
cp "$store/$run" "$tmp/saved.json"
head -c 100 "$tmp/saved.json" > "$store/$run"
set +e
"$bt" reindex --store "$store" > "$tmp/o" 2> "$tmp/e"; rc=$?
set -e
[ $rc -eq 3 ] || fail "reindex with a truncated run: exit $rc, want 3"
grep -q "reindexed $store: 2 runs" "$tmp/o" || fail "reindex: $(cat "$tmp/o")"
grep -q "^benchtrack: $store/$run: line [0-9]*, column [0-9]*: .*; not indexed$" "$tmp/e" ||
	fail "reindex does not name the broken run: $(cat "$tmp/e")"
grep -q "1 run file could not be read" "$tmp/e" || fail "reindex summary: $(cat "$tmp/e")"
[ "$("$bt" list --store "$store" --format csv | tail -n +2 | wc -l)" -eq 2 ] ||
	fail "reindex left an empty index"
# verify names the broken file once per line
set +e
"$bt" verify --store "$store" > "$tmp/o" 2>&1
set -e
line=$(grep -F "$run" "$tmp/o" | head -n 1)
[ "$(grep -o -F "$run" <<< "$line" | wc -l)" -eq 1 ] || fail "verify prints the path twice: $line"
grep -q "^$store/$run: line [0-9]*, column [0-9]*: " "$tmp/o" || fail "verify: $(cat "$tmp/o")"
cp "$tmp/saved.json" "$store/$run"
"$bt" reindex --store "$store" > /dev/null

# a run from a dirty working tree shows as such in list
if command -v git > /dev/null; then
	repo=$tmp/repo
	mkdir "$repo"
	git -C "$repo" init -q
	echo a > "$repo/f"
	git -C "$repo" add f
	git -C "$repo" -c user.name=t -c user.email=t@t commit -q -m one
	echo b > "$repo/f"
	commit=$(git -C "$repo" rev-parse HEAD)
	(cd "$repo" && "$bt" run "$build/suite_faults" "${quick[@]}" --type dirty --store "$store" 2>/dev/null)
	"$bt" list --store "$store" --type dirty > "$tmp/o"
	grep -q "  ${commit:0:10}+dirty  " "$tmp/o" || fail "list does not show the dirty tree: $(cat "$tmp/o")"
	git -C "$repo" -c user.name=t -c user.email=t@t commit -q -a -m two
	commit=$(git -C "$repo" rev-parse HEAD)
	(cd "$repo" && "$bt" run "$build/suite_faults" "${quick[@]}" --type clean --store "$store" 2>/dev/null)
	"$bt" list --store "$store" --type clean > "$tmp/o"
	grep -q "  ${commit:0:10}  " "$tmp/o" && ! grep -q "dirty" "$tmp/o" ||
		fail "list shows a clean tree as dirty: $(cat "$tmp/o")"
fi
echo "store_cli: ok"
