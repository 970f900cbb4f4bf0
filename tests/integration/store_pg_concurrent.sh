#!/usr/bin/env bash
# Many writers on one PostgreSQL store at once (docs/STORE.md, "Team
# stores"): 8 processes each storing 50 runs (`benchtrack import` of a
# small hyperfine export, one new run per file) give 400 runs, none lost
# or duplicated, and `verify` is clean; then 8 processes pushing the same
# 50 run files at once store each of them once, and all succeed.
set -euo pipefail
. "${BASH_SOURCE%/*}/lib/common.sh" store_pg_concurrent "$@"
. "${BASH_SOURCE%/*}/lib/pg.sh"
need_built "$bt"
pg_start
export PGPASSWORD=$PG_PASSWORD
store=$PG_URL_NOPW

cat > "$tmp/hf.json" <<'EOF'
{"results":[{"command":"true","mean":0.001,"stddev":0.0001,"median":0.001,
 "user":0.0005,"system":0.0003,"min":0.0009,"max":0.0012,
 "times":[0.001,0.0011,0.0009,0.00105],"exit_codes":[0,0,0,0]}]}
EOF
files=()
for ((i = 0; i < 50; i++)); do files+=("$tmp/hf.json"); done

# the store exists before the writers start (each would create it too)
expect 0 "$bt" list --store "$store"
pids=()
for p in 1 2 3 4 5 6 7 8; do
	"$bt" import "${files[@]}" --format hyperfine --type "w$p" --store "$store" \
		> "$tmp/w$p.out" 2> "$tmp/w$p.err" &
	pids+=($!)
done
for p in 1 2 3 4 5 6 7 8; do
	wait "${pids[$((p - 1))]}" || fail "writer $p failed: $(tail -3 "$tmp/w$p.err")"
done
"$bt" list --store "$store" --format csv | tail -n +2 > "$tmp/list.csv"
n=$(wc -l < "$tmp/list.csv")
[ "$n" -eq 400 ] || fail "$n runs stored, want 400"
[ "$(cut -d, -f1 < "$tmp/list.csv" | sort -u | wc -l)" -eq 400 ] || fail "run ids not unique"
for p in 1 2 3 4 5 6 7 8; do
	k=$(grep -c ",w$p," "$tmp/list.csv" || true)
	[ "$k" -eq 50 ] || fail "writer $p: $k runs stored, want 50"
done
expect 0 "$bt" verify --store "$store"

# the same 50 runs pushed by 8 processes at once: each stored once
"$bt" pull --from "$store" --store "$tmp/local" > /dev/null
mkdir -p "$tmp/files"
k=0
for f in "$tmp/local"/by-type/w1/*/run.json; do
	k=$((k + 1))
	sed "s/\"run_id\": \"[0-9a-f]*\"/\"run_id\": \"$(printf 'f%031x' "$k")\"/" "$f" > "$tmp/files/$k.json"
done
[ "$(ls "$tmp/files" | wc -l)" -eq 50 ] || fail "not 50 run files to push"
pids=()
for p in 1 2 3 4 5 6 7 8; do
	"$bt" push "$tmp"/files/*.json --to "$store" > "$tmp/p$p.out" 2> "$tmp/p$p.err" &
	pids+=($!)
done
copied=0
for p in 1 2 3 4 5 6 7 8; do
	wait "${pids[$((p - 1))]}" || fail "pusher $p failed: $(tail -3 "$tmp/p$p.err")"
	c=$(sed -n 's/^pushed \([0-9]*\) run.*/\1/p' "$tmp/p$p.out")
	copied=$((copied + ${c:-0}))
done
[ "$copied" -eq 50 ] || fail "the pushers say they stored $copied runs, want 50"
n=$("$bt" list --store "$store" --format csv | tail -n +2 | wc -l)
[ "$n" -eq 450 ] || fail "$n runs stored, want 450"
expect 0 "$bt" verify --store "$store"
echo "store_pg_concurrent: ok"
