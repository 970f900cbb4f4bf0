#!/usr/bin/env bash
# What the build puts into benchmark executables (bt_suite in
# CMakeLists.txt), checked on the build under test:
#   - the flags a run records (build.flags) are those the compiler got:
#     each is on the suite's compile line, the -O level is the last one
#     there (a suite's own -O3 after the build type's -O2 records -O3
#     only), a sanitizer build records its -fsanitize flags, a build
#     without one none;
#   - a suite carries the help page of the runner (run.md), not the
#     tool's other pages (those go into benchtrack only).
set -euo pipefail
. "${BASH_SOURCE%/*}/lib/common.sh" build_flags "$@"

cache() { sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt"; }
sanitize=$(cache BT_SANITIZE)

# the flags recorded by a run of suite_measure (no flags of its own)
"$build/suite_measure" --filter '^copy' --quick --format none --out "$tmp/run.json" 2>/dev/null
rec=$(jq -r '.build.flags // ""' "$tmp/run.json")
# the same string is compiled into the attention suite (-O3 -march of its own)
attn=$(strings "$build/attention" | grep -e '^-.*-march=x86-64-v2' | head -n1 || true)
[ -n "$attn" ] || fail "attention: no build flags with -march=x86-64-v2 in the executable"

check() { # NAME RECORDED FLAGS.MAKE
	local name=$1 flags=$2 make=$3 f got last_o=""
	case " $flags " in
	*" -fsanitize=address,undefined "*|*" -fsanitize=address,undefined,"*)
		[ "$sanitize" = ON ] || fail "$name: records -fsanitize in a build without sanitizer: '$flags'" ;;
	*)
		[ "$sanitize" != ON ] || fail "$name: a sanitizer build records no -fsanitize: '$flags'" ;;
	esac
	[ "$(grep -o -e '-O[^ ]*' <<<"$flags" | wc -l)" -le 1 ] ||
		fail "$name: records more than one -O level: '$flags'"
	# against the compile line (Makefile generators write it to flags.make)
	[ -f "$make" ] || return 0
	got=$(sed -n 's/^C_FLAGS = //p' "$make")
	for f in $flags; do
		case " $got " in *" $f "*) ;; *) fail "$name: records '$f', not on the compile line: '$got'" ;; esac
	done
	for f in $got; do
		case $f in -O*) last_o=$f ;; esac
	done
	if [ -n "$last_o" ]; then
		case " $flags " in *" $last_o "*) ;; *) fail "$name: the compiler's -O level $last_o not recorded: '$flags'" ;; esac
	fi
	for f in $got; do
		case $f in -f*sanitize*|-march=*|-mtune=*|-g*)
			case " $flags " in *" $f "*) ;; *) fail "$name: '$f' of the compile line not recorded: '$flags'" ;; esac ;;
		esac
	done
}
check suite_measure "$rec" "$build/CMakeFiles/suite_measure.dir/flags.make"
check attention "$attn" "$build/CMakeFiles/attention.dir/flags.make"
case " $attn " in *" -O3 -march=x86-64-v2 "*) ;; *) fail "attention: expected '-O3 -march=x86-64-v2' in '$attn'" ;; esac

# help pages: run.md in a suite and in the tool, serve.md in the tool only
run_title=$(head -n1 "$src/docs/cmd/run.md")
serve_title=$(head -n1 "$src/docs/cmd/serve.md")
for exe in attention suite_measure; do
	grep -qF -- "$run_title" "$build/$exe" || fail "$exe: run.md missing (its --help)"
	! grep -qF -- "$serve_title" "$build/$exe" || fail "$exe: carries the tool's help pages (serve.md)"
done
grep -qF -- "$serve_title" "$build/benchtrack" || fail "benchtrack: serve.md missing"
"$build/attention" --help > "$tmp/attention-help"
cmp -s "$tmp/attention-help" "$src/docs/cmd/run.md" || fail "attention --help: not run.md"
"$build/benchtrack" help run > "$tmp/run-help"
cmp -s "$tmp/run-help" "$src/docs/cmd/run.md" || fail "benchtrack help run: not run.md"
"$build/benchtrack" help serve > "$tmp/serve-help"
cmp -s "$tmp/serve-help" "$src/docs/cmd/serve.md" || fail "benchtrack help serve: not serve.md"
echo "build_flags: ok"
