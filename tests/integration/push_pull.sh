#!/usr/bin/env bash
# benchtrack push and pull (docs/cmd/push.md): runs, tags and acks copied
# between two stores, idempotent by run id, the documents unchanged;
# --since, RUN refs, run files, --dry-run, usage errors. First between two
# directories, then between a directory and a real PostgreSQL server
# (lib/pg.sh) both ways.
set -euo pipefail
. "${BASH_SOURCE%/*}/lib/common.sh" push_pull "$@"
need_built "$bt"

# five runs made from the fixture: ids r1..r5, one a day from Nov 20
mkdir -p "$tmp/files"
ids=()
for i in 1 2 3 4 5; do
	id=$(printf '%031x%x' 0 "$i" | sed 's/^0/a/')
	ids+=("$id")
	sed -e "s/\"run_id\": \"[0-9a-f]*\"/\"run_id\": \"$id\"/" \
	    -e "s/\"timestamp\": \"[^\"]*\"/\"timestamp\": \"2026-11-2${i}T10:00:00Z\"/" \
	    -e "s/\"commit\": null/\"commit\": \"$(printf '%040x' "$i")\"/" \
	    "$src/tests/fixtures/run-faults.json" > "$tmp/files/run$i.json"
done
a=$tmp/a
expect 0 "$bt" push "$tmp"/files/run*.json --to "$a"
grep -q "^pushed 5 runs to $a (0 already there)" "$tmp/out" || fail "push files: $(cat "$tmp/out")"
expect 0 "$bt" tag "${ids[1]}" milestone --store "$a"
expect 0 "$bt" tag "${ids[1]}" v1 --store "$a"
key=ee32d09c194a9f28
expect 0 "$bt" ack "$key" --at "$(printf '%040x' 2)" --reason "new algorithm" --store "$a"

# the semantic content of a run, as show prints it
same_run() { # STORE1 STORE2 ID
	"$bt" show "$3" --store "$1" --format json > "$tmp/s1" || fail "show $3 in $1"
	"$bt" show "$3" --store "$2" --format json > "$tmp/s2" || fail "show $3 in $2"
	cmp -s "$tmp/s1" "$tmp/s2" || fail "run $3 differs between $1 and $2"
}

# check_copy SRC DST: what push/pull must have carried
check_copy() {
	local s=$1 d=$2 id
	"$bt" list --store "$d" --format csv | tail -n +2 | cut -d, -f1 | sort > "$tmp/ids.d"
	printf '%s\n' "${ids[@]}" | sort > "$tmp/ids.want"
	cmp -s "$tmp/ids.d" "$tmp/ids.want" || fail "$d: runs $(tr '\n' ' ' < "$tmp/ids.d")"
	for id in "${ids[@]}"; do same_run "$s" "$d" "$id"; done
	"$bt" list --store "$d" --tag milestone --format csv | grep -q "^${ids[1]}," || fail "$d: milestone tag lost"
	"$bt" list --store "$d" --tag v1 --format csv | grep -q "^${ids[1]}," || fail "$d: tag v1 lost"
	"$bt" acks --store "$d" --format json > "$tmp/acks"
	grep -q "new algorithm" "$tmp/acks" && grep -q "$key" "$tmp/acks" || fail "$d: ack lost: $(cat "$tmp/acks")"
}

# sync_tests SRC DST: push SRC -> DST, idempotence, then pull DST -> a new local store
sync_tests() {
	local s=$1 d=$2 name=$3 c=$tmp/pulled-$3
	expect 0 "$bt" push --store "$s" --to "$d" --dry-run
	grep -q "^would copy ${ids[0]} " "$tmp/out" || fail "$name: dry run lists nothing: $(cat "$tmp/out")"
	grep -q "^would push 5 runs" "$tmp/out" || fail "$name: dry run summary: $(cat "$tmp/out")"
	expect 0 "$bt" push --store "$s" --to "$d" --since 2026-11-24
	grep -q "^pushed 2 runs to .* (0 already there), 0 tags, 1 ack" "$tmp/out" || fail "$name: push --since: $(cat "$tmp/out")"
	[ "$("$bt" list --store "$d" --format csv | tail -n +2 | wc -l)" -eq 2 ] || fail "$name: --since copied other runs"
	expect 0 "$bt" push "${ids[0]}" --store "$s" --to "$d"
	grep -q "^pushed 1 run to" "$tmp/out" || fail "$name: push RUN: $(cat "$tmp/out")"
	expect 0 "$bt" push --store "$s" --to "$d" -v
	grep -q "^copied ${ids[1]} " "$tmp/out" || fail "$name: -v: $(cat "$tmp/out")"
	grep -q "^present ${ids[0]}$" "$tmp/out" || fail "$name: -v present: $(cat "$tmp/out")"
	grep -q "^pushed 2 runs to .* (3 already there), 2 tags, 0 acks" "$tmp/out" || fail "$name: push rest: $(cat "$tmp/out")"
	check_copy "$s" "$d"
	# a second push copies nothing and says so
	expect 0 "$bt" push --store "$s" --to "$d"
	grep -q "^nothing to push: .* already has the 5 runs$" "$tmp/out" || fail "$name: second push: $(cat "$tmp/out")"
	expect 0 "$bt" push "$tmp/files/run3.json" --to "$d"
	grep -q "^nothing to push" "$tmp/out" || fail "$name: push of a stored file: $(cat "$tmp/out")"
	[ "$("$bt" list --store "$d" --format csv | tail -n +2 | wc -l)" -eq 5 ] || fail "$name: runs duplicated"
	# a tag added later travels on the next push, for a run already there
	expect 0 "$bt" tag "${ids[4]}" late --store "$s"
	expect 0 "$bt" push --store "$s" --to "$d"
	grep -q "^pushed 0 runs .* 1 tag" "$tmp/out" || fail "$name: late tag: $(cat "$tmp/out")"
	"$bt" list --store "$d" --tag late --format csv | grep -q "^${ids[4]}," || fail "$name: late tag not pushed"
	expect 0 "$bt" untag "${ids[4]}" late --store "$s"
	# pull back into a new store: --since, then the rest, then nothing
	expect 0 "$bt" pull --since 2026-11-25 --from "$d" --store "$c"
	grep -q "^pulled 1 run from" "$tmp/out" || fail "$name: pull --since: $(cat "$tmp/out")"
	expect 0 "$bt" pull --from "$d" --store "$c"
	grep -q "^pulled 4 runs from .* (1 already there), 2 tags, 0 acks" "$tmp/out" || fail "$name: pull: $(cat "$tmp/out")"
	check_copy "$d" "$c"
	expect 0 "$bt" pull --from "$d" --store "$c"
	grep -q "^nothing to pull: the store already has the 5 runs of" "$tmp/out" || fail "$name: second pull: $(cat "$tmp/out")"
	for id in "${ids[@]}"; do same_run "$s" "$c" "$id"; done
}

# --- directory to directory ---------------------------------------------------
sync_tests "$a" "$tmp/b" local
# the files themselves are identical between two directories
for f in $(cd "$a" && find by-type -name run.json); do
	cmp -s "$a/$f" "$tmp/b/$f" || fail "$f differs after push"
done

# usage errors and missing things
expect 2 "$bt" push --store "$a"
grep -q "push: --to URL is required" "$tmp/err" || fail "no --to: $(cat "$tmp/err")"
expect 2 "$bt" pull --store "$a" --from "$tmp/b" --since yesterday
grep -q "pull: --since 'yesterday': expected a date" "$tmp/err" || fail "bad --since: $(cat "$tmp/err")"
expect 2 "$bt" push "${ids[0]}" --since 2026-11-01 --store "$a" --to "$tmp/b"
expect 3 "$bt" push nosuchrun --store "$a" --to "$tmp/b"
grep -q "nosuchrun" "$tmp/err" || fail "unknown run: $(cat "$tmp/err")"
expect 3 "$bt" pull --from "$tmp/nosuch" --store "$a"
grep -q "no such store" "$tmp/err" || fail "missing source: $(cat "$tmp/err")"

# --- a directory and PostgreSQL, both ways ------------------------------------
. "${BASH_SOURCE%/*}/lib/pg.sh"
pg_start
# the password from the environment, not the URL (as docs/STORE.md advises)
export PGPASSWORD=$PG_PASSWORD
sync_tests "$a" "$PG_URL_NOPW" pg
expect 0 "$bt" verify --store "$PG_URL_NOPW"
# pushing from PostgreSQL into a directory
expect 0 "$bt" push --store "$PG_URL_NOPW" --to "$tmp/from-pg"
grep -q "^pushed 5 runs to $tmp/from-pg (0 already there), 3 tags, 1 ack" "$tmp/out" || fail "pg -> dir: $(cat "$tmp/out")"
check_copy "$PG_URL_NOPW" "$tmp/from-pg"
# a URL with the password in it is printed without it
expect 0 "$bt" push --store "$a" --to "$PG_URL"
grep -q "nothing to push: $PG_URL_NOPW already has the 5 runs" "$tmp/out" || fail "URL shown: $(cat "$tmp/out")"
grep -rq "$PG_PASSWORD" "$tmp/out" "$tmp/err" && fail "the password was printed"
echo "push_pull: ok"
