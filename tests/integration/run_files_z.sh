#!/usr/bin/env bash
# Compressed run files (docs/STORE.md "Compressed run files") through the
# CLI: `show PATH` of a run compressed with gzip or zstd reads as the
# plain one; a truncated or damaged one is an error naming the file (exit
# 3); a store holding a zstd-compressed run (stored by organize: the
# fixture's text is above 16 KiB) beside a plain one is listed, shown,
# reindexed, verified, archived by gc and restored, byte for byte.
# Usage: bash tests/integration/run_files_z.sh SRC BUILD
set -uo pipefail
. "${BASH_SOURCE%/*}/lib/common.sh" run_files_z "$@"
need_built "$bt"
command -v gzip >/dev/null || fail "needs gzip"
command -v zstd >/dev/null || fail "needs zstd (scripts/install-deps.sh)"
py=/usr/bin/python3
fx=$src/tests/fixtures

# --- show PATH of a compressed file ---------------------------------------------
gzip -c "$fx/run-attention.json" >"$tmp/att.json.gz"
expect 0 "$bt" show "$fx/run-attention.json" --format json
mv "$tmp/out" "$tmp/plain.out"
expect 0 "$bt" show "$tmp/att.json.gz" --format json
cmp -s "$tmp/plain.out" "$tmp/out" || fail "show of the gzip file differs"
zstd -q -c "$fx/run-attention.json" >"$tmp/att.json.zst"
expect 0 "$bt" show "$tmp/att.json.zst" --format json
cmp -s "$tmp/plain.out" "$tmp/out" || fail "show of the zstd file differs"
head -c 3000 "$tmp/att.json.zst" >"$tmp/trunc.json.zst"
expect 3 "$bt" show "$tmp/trunc.json.zst"
grep -q "trunc.json.zst: compressed run file truncated" "$tmp/err" ||
	fail "truncated zstd: $(cat "$tmp/err")"

n=$(stat -c %s "$tmp/att.json.gz")
head -c $((n / 2)) "$tmp/att.json.gz" >"$tmp/trunc.json.gz"
expect 3 "$bt" show "$tmp/trunc.json.gz"
grep -q "trunc.json.gz: compressed run file truncated" "$tmp/err" ||
	fail "truncated: $(cat "$tmp/err")"
[ ! -s "$tmp/out" ] || fail "truncated: something on stdout"

# the CRC of the trailer (the 8th byte from the end) wrong
$py - "$tmp/att.json.gz" "$tmp/crc.json.gz" <<'EOF'
import sys
d = bytearray(open(sys.argv[1], 'rb').read())
d[-8] ^= 0x55
open(sys.argv[2], 'wb').write(d)
EOF
expect 3 "$bt" show "$tmp/crc.json.gz"
grep -q "crc.json.gz: damaged compressed run file (gzip): incorrect data check" "$tmp/err" ||
	fail "bad crc: $(cat "$tmp/err")"

# --- a store of both forms ------------------------------------------------------
S=$tmp/store
mkdir "$tmp/legacy"
cp "$fx/run-attention.json" "$tmp/legacy/"
cp "$fx/run-faults.json" "$tmp/legacy/"
expect 0 "$bt" organize "$tmp/legacy" --store "$S"
grep -q "2 placed" "$tmp/out" "$tmp/err" || fail "organize: $(cat "$tmp/out" "$tmp/err")"
id_att=$($py -c 'import json,sys; print(json.load(open(sys.argv[1]))["run_id"])' "$fx/run-attention.json")
id_flt=$($py -c 'import json,sys; print(json.load(open(sys.argv[1]))["run_id"])' "$fx/run-faults.json")
f_att=$(ls "$S"/by-type/*/*-"${id_att:0:8}"/run.json)
f_flt=$(ls "$S"/by-type/*/*-"${id_flt:0:8}"/run.json)
[ "$(head -c 4 "$f_att" | od -An -tx1 | tr -d ' ')" = 28b52ffd ] || fail "$f_att is not zstd"
head -c 1 "$f_flt" | grep -q '{' || fail "$f_flt is not plain"
zstd -dc "$f_att" | $py -c 'import json,sys; json.load(sys.stdin)' || fail "zstd -dc of $f_att"

expect 0 "$bt" show "${id_att:0:8}" --store "$S" --format json
cmp -s "$tmp/plain.out" "$tmp/out" || fail "show from the store differs"
expect 0 "$bt" show "$f_att" --format json
cmp -s "$tmp/plain.out" "$tmp/out" || fail "show of the stored file differs"
expect 0 "$bt" reindex --store "$S"
grep -q "2 runs" "$tmp/out" "$tmp/err" || fail "reindex: $(cat "$tmp/out" "$tmp/err")"
expect 0 "$bt" verify --store "$S"
expect 0 "$bt" list --store "$S"
grep -q "${id_att:0:8}" "$tmp/out" || fail "list: no ${id_att:0:8}"

# gc archives both, restore brings the compressed one back as it was
cp "$f_att" "$tmp/att.before"
expect 0 "$bt" gc --keep-days 1 --store "$S"
[ ! -e "$f_att" ] || fail "gc left $f_att"
expect 0 "$bt" verify --store "$S"
expect 0 "$bt" reindex --store "$S"
expect 0 "$bt" restore "${id_att:0:8}" --store "$S"
cmp -s "$tmp/att.before" "$f_att" || fail "restored $f_att differs"
expect 0 "$bt" show "${id_att:0:8}" --store "$S" --format json
cmp -s "$tmp/plain.out" "$tmp/out" || fail "show after restore differs"

# a damaged compressed run: reindex names it, verify reports it, the
# other run stays; the file is not changed
head -c 1000 "$tmp/att.before" >"$f_att"
expect 3 "$bt" reindex --store "$S"
grep -q "compressed run file truncated" "$tmp/err" || fail "reindex: $(cat "$tmp/err")"
grep -q "${id_att:0:8}" "$tmp/err" || fail "reindex does not name the run: $(cat "$tmp/err")"
expect 3 "$bt" verify --store "$S"
grep -q "compressed run file truncated" "$tmp/out" "$tmp/err" ||
	fail "verify: $(cat "$tmp/out" "$tmp/err")"
[ "$(stat -c %s "$f_att")" = 1000 ] || fail "$f_att changed"
echo "run_files_z: ok"
