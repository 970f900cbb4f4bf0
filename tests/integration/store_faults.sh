#!/usr/bin/env bash
# Faults of the results store (docs/STORE.md and
# docs/internals/ARCHITECTURE.md §7):
#   a. 8 `benchtrack run` processes storing into one store at once;
#   b. writers killed with SIGKILL at random points;
#   c. a read-only store (a read-only bind mount: root ignores chmod);
#   d. a full disk (a small tmpfs);
#   e. a corrupt index.db and a corrupt run file.
# Every check asserts the exit status and the message; the first failure
# ends the script (exit 1). c and d need root and mount: without them they
# are skipped with a "skipped:" line (CI runs as root, so they run there).
# Usage: bash tests/integration/store_faults.sh SRC BUILD
set -uo pipefail
. "${BASH_SOURCE%/*}/lib/common.sh" store_faults "$@"
suite=$build/suite_faults
need_built "$bt" "$suite"

work=$tmp
mounts=()
cleanup() {
	local i
	for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
		umount "${mounts[i]}" 2>/dev/null || umount -l "${mounts[i]}" 2>/dev/null
	done
	rm -rf "$work"
}
trap cleanup EXIT

# run_into STORE [more flags]: one quick run of one case, stored into STORE.
run_into() {
	local store=$1
	shift
	"$bt" run "$suite" --filter '^sum/n=64$' --min-sample-time 1ms \
		--measurement-iterations 6 --store "$store" --format none "$@"
}

# expect CODE WHAT CMD...: runs CMD (stdout > $work/out, stderr >
# $work/err) and checks its exit status.
expect() {
	local want=$1 what=$2
	shift 2
	"$@" > "$work/out" 2> "$work/err"
	local rc=$?
	if [ "$rc" -ne "$want" ]; then
		echo "--- stdout" >&2
		cat "$work/out" >&2
		echo "--- stderr" >&2
		cat "$work/err" >&2
		fail "$what: exit $rc, want $want"
	fi
}

# grep_in FILE PATTERN WHAT: FILE must match the (fixed) PATTERN.
grep_in() {
	grep -qF -- "$2" "$1" || { cat "$1" >&2; fail "$3: no '$2' in the output"; }
}

# count_runs STORE: the runs `benchtrack list` sees.
count_runs() {
	"$bt" list --store "$1" --format csv > "$work/list.csv" 2> "$work/list.err" ||
		{ cat "$work/list.err" >&2; fail "list --store $1: exit $?"; }
	echo $(($(wc -l < "$work/list.csv") - 1))
}

# show_all STORE: every run.json under by-type reads (no partial run).
show_all() {
	local f n=0
	while IFS= read -r f; do
		expect 0 "show $f (a partial run is visible)" "$bt" show "$f" --format json
		n=$((n + 1))
	done < <(find "$1/by-type" -name run.json)
	echo "$n"
}

# --- a. 8 concurrent writers --------------------------------------------
a=$work/a
pids=()
for i in 1 2 3 4 5 6 7 8; do
	run_into "$a" > "$work/a.$i.out" 2>&1 &
	pids+=($!)
done
for i in "${!pids[@]}"; do
	wait "${pids[i]}"
	rc=$?
	[ "$rc" -eq 0 ] || { cat "$work/a.$((i + 1)).out" >&2; fail "a: writer $((i + 1)) exit $rc"; }
done
n=$(count_runs "$a") || exit 1
[ "$n" -eq 8 ] || { cat "$work/list.csv" >&2; fail "a: $n runs listed, want 8"; }
[ "$(find "$a/by-type" -name run.json | wc -l)" -eq 8 ] || fail "a: not 8 run files"
[ "$(find "$a/by-date" -mindepth 4 -maxdepth 4 | wc -l)" -eq 8 ] || fail "a: not 8 by-date links"
expect 0 "a: verify after 8 concurrent writers" "$bt" verify --store "$a"
grep_in "$work/out" "no problems found" "a: verify"
echo "a. 8 concurrent writers: ok"

# --- b. writers killed with SIGKILL ---------------------------------------
b=$work/b
expect 0 "b: first run" run_into "$b"
# a run lasts a few tens of ms: kill anywhere in 0..1.5 times that, at
# least 0..300 ms
t0=$(date +%s%N)
expect 0 "b: timed run" run_into "$b"
t1=$(date +%s%N)
span=$(((t1 - t0) / 1000000 * 3 / 2))
[ "$span" -ge 300 ] || span=300
# its own process group (setsid), so that its suite child dies too; a
# killed benchtrack cannot remove its temporary directory, so the killed
# writers get a TMPDIR inside $work, which cleanup removes
setsid=$(command -v setsid || true)
mkdir -p "$work/tmp-kill"
for i in $(seq 1 20); do
	TMPDIR=$work/tmp-kill $setsid "$bt" run "$suite" --filter '^sum/n=64$' \
		--min-sample-time 1ms --measurement-iterations 6 --store "$b" \
		--format none > /dev/null 2>&1 &
	pid=$!
	ms=$((RANDOM % span))
	sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
	kill -9 -- "-$pid" 2>/dev/null || kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
done
n=$(show_all "$b") || exit 1
[ "$n" -ge 2 ] || fail "b: $n run files, want at least the 2 complete runs"
"$bt" verify --store "$b" > "$work/b.verify" 2>&1
echo "b. before repair: $(tail -n 1 "$work/b.verify")"
expect 0 "b: verify --repair after killed writers" "$bt" verify --store "$b" --repair
expect 0 "b: verify after the repair" "$bt" verify --store "$b"
n2=$(count_runs "$b") || exit 1
[ "$n2" -eq "$n" ] || fail "b: $n2 runs listed, $n run files"
echo "b. 20 writers killed: ok ($n runs kept)"

# --- c. read-only store ------------------------------------------------------
c=$work/c
cp -a "$a" "$c"
if [ "$(id -u)" -eq 0 ] && mount --bind "$c" "$c" 2>/dev/null; then
	mounts+=("$c")
	mount -o remount,ro,bind "$c" || fail "c: remount read-only"
	expect 3 "c: run into a read-only store" run_into "$c"
	grep_in "$work/err" "$c/" "c: the error names a path under the store"
	grep_in "$work/err" "Read-only file system" "c: the error says why"
	n=$(count_runs "$c") || exit 1
	[ "$n" -eq 8 ] || fail "c: $n runs listed in the read-only store, want 8"
	expect 0 "c: show latest in a read-only store" "$bt" show latest --store "$c" --format json
	expect 0 "c: verify a read-only store" "$bt" verify --store "$c"
	umount "$c" || fail "c: umount"
	unset 'mounts[-1]'
	# without index.db it cannot be rebuilt there: an error naming reindex
	c2=$work/c2
	cp -a "$a" "$c2"
	rm -f "$c2/index.db" "$c2/index.db-wal" "$c2/index.db-shm"
	mount --bind "$c2" "$c2" || fail "c: bind $c2"
	mounts+=("$c2")
	mount -o remount,ro,bind "$c2" || fail "c: remount $c2 read-only"
	expect 3 "c: list a read-only store without index.db" "$bt" list --store "$c2"
	grep_in "$work/err" "$c2/index.db: missing, and the store cannot be written" \
		"c: the error says the index is missing"
	grep_in "$work/err" "benchtrack reindex" "c: the error names reindex"
	umount "$c2" || fail "c: umount $c2"
	unset 'mounts[-1]'
	expect 0 "c: list once it is writable again" "$bt" list --store "$c2"
	grep_in "$work/err" "rebuilt from 8 runs" "c: the index is rebuilt"
	echo "c. read-only store: ok"
else
	echo "c. skipped: needs root and mount"
fi

# --- d. full disk ---------------------------------------------------------
d=$work/d
mkdir -p "$d"
if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o size=300k tmpfs "$d" 2>/dev/null; then
	mounts+=("$d")
	expect 0 "d: a run into the small file system" run_into "$d"
	dd if=/dev/zero of="$d/filler" bs=4k > /dev/null 2>&1 # until it is full
	[ -s "$d/filler" ] || fail "d: could not fill the file system"
	expect 3 "d: run into a full store" run_into "$d"
	grep_in "$work/err" "$d/" "d: the error names a path under the store"
	grep_in "$work/err" "No space left on device" "d: the error says why"
	n=$(show_all "$d") || exit 1
	[ "$n" -eq 1 ] || fail "d: $n run files, want the 1 stored before"
	[ "$(count_runs "$d")" -eq 1 ] || fail "d: the stored run is not listed"
	rm -f "$d/filler"
	expect 0 "d: verify after freeing the space" "$bt" verify --store "$d"
	expect 0 "d: a run after freeing the space" run_into "$d"
	[ "$(count_runs "$d")" -eq 2 ] || fail "d: 2 runs expected"
	umount "$d" || fail "d: umount"
	unset 'mounts[-1]'
	echo "d. full disk: ok"
else
	echo "d. skipped: needs root and mount"
fi

# --- e. corrupt index.db, corrupt run file ----------------------------------
e=$work/e
cp -a "$a" "$e"
rm -f "$e/index.db-wal" "$e/index.db-shm"
head -c 16384 /dev/urandom > "$e/index.db"
expect 3 "e: list with a corrupt index" "$bt" list --store "$e"
grep_in "$work/err" "index.db" "e: list names the index"
grep_in "$work/err" "reindex" "e: list suggests reindex"
expect 3 "e: verify with a corrupt index" "$bt" verify --store "$e"
grep_in "$work/out" "$e/index.db: " "e: verify names the index"
expect 0 "e: reindex" "$bt" reindex --store "$e"
grep_in "$work/out" "8 runs" "e: reindex"
[ "$(count_runs "$e")" -eq 8 ] || fail "e: 8 runs after reindex"
expect 0 "e: verify after reindex" "$bt" verify --store "$e"
run=$(find "$e/by-type" -name run.json | sort | head -n 1)
id=$(sed -n 's/.*"run_id": *"\([0-9a-f]*\)".*/\1/p' "$run" | head -n 1)
[ -n "$id" ] || fail "e: no run id in $run"
head -c 200 "$run" > "$work/trunc.json"
cat "$work/trunc.json" > "$run"
expect 3 "e: show a corrupt run file" "$bt" show "$run"
grep_in "$work/err" "$run" "e: show names the file"
expect 3 "e: show a corrupt run by id" "$bt" show "${id:0:8}" --store "$e"
grep_in "$work/err" "run.json" "e: show by id names the file"
expect 3 "e: verify a corrupt run file" "$bt" verify --store "$e"
grep_in "$work/out" "$run: " "e: verify names the file"
expect 0 "e: verify --repair" "$bt" verify --store "$e" --repair
grep_in "$work/out" "quarantine/" "e: the broken run goes to quarantine"
[ -f "$e/quarantine/$(basename "$(dirname "$run")")/run.json" ] || fail "e: not quarantined"
[ "$(count_runs "$e")" -eq 7 ] || fail "e: 7 runs after the repair"
expect 0 "e: verify after the repair" "$bt" verify --store "$e"
# an index that cannot be opened but is not damaged (here a link to a disk
# that is not mounted): reindex says so and leaves it alone
mv "$e/index.db" "$work/index.db.saved"
rm -f "$e/index.db-wal" "$e/index.db-shm"
ln -s "$work/unmounted-disk/index.db" "$e/index.db"
expect 3 "e: reindex with an unreachable index" "$bt" reindex --store "$e"
grep_in "$work/err" "$e/index.db" "e: reindex names the index"
[ "$(readlink "$e/index.db")" = "$work/unmounted-disk/index.db" ] ||
	fail "e: reindex replaced an index it could not open"
rm -f "$e/index.db"
mv "$work/index.db.saved" "$e/index.db"
echo "e. corrupt index and run file: ok"

echo "store_faults: ok"
