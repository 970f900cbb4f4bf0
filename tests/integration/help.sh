#!/usr/bin/env bash
# Every command's help is its docs/cmd page, by `help CMD` and `CMD --help`;
# a BT_MAIN executable's --help is the run page; usage errors exit 2.
set -euo pipefail
src=$1 build=$2
bt=$build/benchtrack
for md in "$src"/docs/cmd/*.md; do
	name=$(basename "$md" .md)
	[ "$name" = benchtrack ] && continue
	diff -u "$md" <("$bt" help "$name")
	diff -u "$md" <("$bt" "$name" --help)
done
diff -u "$src/docs/cmd/benchtrack.md" <("$bt" help)
diff -u "$src/docs/cmd/run.md" <("$build/suite_faults" --help)
"$bt" version | grep -qE '^benchtrack [0-9]+\.[0-9]+\.[0-9]+$'
for args in "" "nosuch" "help a b" "version extra" "run" "show" \
	"show $src/tests/fixtures/run-faults.json --quick"; do
	set +e
	"$bt" $args >/dev/null 2>&1
	rc=$?
	set -e
	[ $rc -eq 2 ] || { echo "benchtrack $args: exit $rc, want 2"; exit 1; }
done
echo "help: ok"
