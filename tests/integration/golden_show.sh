#!/usr/bin/env bash
# `benchtrack show` of a stored run is deterministic: compare the table,
# Markdown and CSV renderings with the golden files. A change of layout is
# reviewed by regenerating them:
#   for f in table md csv; do NO_COLOR=1 build/benchtrack show \
#     tests/fixtures/run-faults.json --format $f > tests/fixtures/golden/show.$f; done
set -euo pipefail
src=$1 build=$2
export NO_COLOR=1
for f in table md csv; do
	"$build/benchtrack" show "$src/tests/fixtures/run-faults.json" --format "$f" > "$build/show.$f"
	diff -u "$src/tests/fixtures/golden/show.$f" "$build/show.$f"
done
# a run with failed cases can be shown: exit 0; a broken file cannot: exit 3
head -c 2000 "$src/tests/fixtures/run-faults.json" > "$build/truncated.json"
set +e
"$build/benchtrack" show "$build/truncated.json" 2> "$build/show.err"
rc=$?
set -e
[ $rc -eq 3 ] || { echo "truncated run: exit $rc, want 3"; exit 1; }
grep -q "truncated.json" "$build/show.err" || { echo "error does not name the file:"; cat "$build/show.err"; exit 1; }
echo "golden_show: ok"
