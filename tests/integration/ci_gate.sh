#!/usr/bin/env bash
# What a CI job needs of check and run, on a git repository made here with a tiny C
# suite built against this build tree: check --allow-no-baseline on a
# store's first run (exit 0, a warning and a note in the summary; exit 3
# without it); the git state of a suite started from outside its
# repository (its own directory's repository, --git-dir, a --git-dir
# without a commit); the dirty-tree warning of check and compare; and
# check --baseline main in a push-to-main job (the run before it on
# main, not "same run").
set -euo pipefail
. "${BASH_SOURCE%/*}/lib/common.sh" ci_gate "$@"
need_built "$bt"
for a in libbenchtrack.a libbenchtrack_main.a; do
	[ -f "$build/$a" ] || fail "$build/$a not built"
done
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t
export GIT_CONFIG_NOSYSTEM=1 HOME=$tmp

repo=$tmp/repo
mkdir -p "$repo" "$tmp/away"
git -C "$repo" init -q -b main
cat > "$repo/s.c" <<'C'
#include <benchtrack.h>
static volatile double sink;
static void bm_work(bt_state *s)
{
	while (bt_loop(s)) {
		double a = 0;
		for (int i = 0; i < 2000; i++)
			a += i * 0.5;
		sink = a;
	}
}
BT_BENCH(bm_work);
BT_MAIN()
C
printf 's\n' > "$repo/.gitignore"
git -C "$repo" add s.c .gitignore
git -C "$repo" commit -q -m one
c1=$(git -C "$repo" rev-parse HEAD)
cc -O2 "$repo/s.c" -I"$src/include" -L"$build" -lbenchtrack_main -lbenchtrack \
	-ljansson -lsqlite3 -larchive -lz -lzstd -lpthread -lm $bt_sanitize -o "$repo/s" ||
	fail "the suite does not build"
fast=(--measurement-iterations 8 --warmup-iterations 1 --min-sample-time 1ms)
store=$tmp/store

commit_of() {
	/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["git"]["commit"])' "$1"
}

# started from a directory outside any repository: the suite's own
# directory's repository is recorded, not none
cd "$tmp/away"
expect 0 "$repo/s" "${fast[@]}" --format none --out "$tmp/r1.json"
[ "$(commit_of "$tmp/r1.json")" = "$c1" ] || fail "fallback: commit $(commit_of "$tmp/r1.json"), want $c1"
# --git-dir names another repository; one without a commit is an error
other=$tmp/other
mkdir "$other"
git -C "$other" init -q -b main
git -C "$other" commit -q --allow-empty -m other
expect 0 "$repo/s" "${fast[@]}" --format none --out "$tmp/r2.json" --git-dir "$other"
[ "$(commit_of "$tmp/r2.json")" = "$(git -C "$other" rev-parse HEAD)" ] || fail "--git-dir: $(commit_of "$tmp/r2.json")"
expect 3 "$repo/s" "${fast[@]}" --format none --out "$tmp/r3.json" --git-dir "$tmp/away"
grep -q "error: --git-dir $tmp/away: no git commit there" "$tmp/err" || fail "--git-dir without a commit: $(cat "$tmp/err")"
# benchtrack run passes it on
expect 0 "$bt" run "$repo/s" "${fast[@]}" --no-store --format none --out "$tmp/r4.json" --git-dir "$other"
[ "$(commit_of "$tmp/r4.json")" = "$(git -C "$other" rev-parse HEAD)" ] || fail "run --git-dir: $(commit_of "$tmp/r4.json")"

# the first run of a store: check fails (3) unless --allow-no-baseline
expect 0 "$bt" run "$repo/s" "${fast[@]}" --store "$store" --format none
expect 3 "$bt" check --store "$store"
grep -q "no earlier run of type" "$tmp/err" || fail "first check: $(cat "$tmp/err")"
: > "$tmp/summary.md"
expect 0 "$bt" check --store "$store" --allow-no-baseline --summary "$tmp/summary.md"
grep -q "warning: check: no baseline yet (no earlier run of type 'comprehensive'.*passing without a comparison (--allow-no-baseline)" "$tmp/err" ||
	fail "--allow-no-baseline: $(cat "$tmp/err")"
grep -q "^No baseline yet: run \`[0-9a-f]\{8\}\` (commit \`${c1:0:12}\`)" "$tmp/summary.md" ||
	fail "--allow-no-baseline summary: $(cat "$tmp/summary.md")"
# a missing candidate is still an error
expect 3 "$bt" check --store "$tmp/nostore" --allow-no-baseline

# push to main: the second commit's run, check --baseline main compares
# it with the first commit's run (main is the candidate's own commit)
cd "$repo"
echo "// two" >> s.c
git commit -q -am two
c2=$(git rev-parse HEAD)
expect 0 "$bt" run ./s "${fast[@]}" --store "$store" --format none
judged "$bt" check --store "$store" --baseline main --threshold 50%
grep -q "warning: check: --baseline main is the candidate's own commit ${c2:0:12}: comparing with the run before it on main (run [0-9a-f]\{8\}, commit ${c1:0:12})" "$tmp/err" ||
	fail "--baseline main on main: $(cat "$tmp/err")"
grep -q "same run" "$tmp/err" && fail "--baseline main: same run"
grep -q "A  run [0-9a-f]*  commit ${c1:0:12}" "$tmp/out" || fail "--baseline main: A is not the first commit's run: $(cat "$tmp/out")"

# a dirty tree: check and compare warn, and the table says so
echo "// dirty" >> s.c
expect 0 "$bt" run ./s "${fast[@]}" --store "$store" --format none
judged "$bt" check --store "$store" --threshold 50%
grep -q "warning: check: the candidate (run [0-9a-f]\{8\}) was made from a dirty working tree" "$tmp/err" ||
	fail "check of a dirty run: $(cat "$tmp/err")"
grep -q "(dirty tree)" "$tmp/out" || fail "check table: no dirty mark: $(cat "$tmp/out")"
judged "$bt" compare "$c2" latest --store "$store" --threshold 50%
grep -q "warning: compare: B (run [0-9a-f]\{8\}) was made from a dirty working tree" "$tmp/err" ||
	fail "compare of a dirty run: $(cat "$tmp/err")"
echo "ci_gate: ok"
