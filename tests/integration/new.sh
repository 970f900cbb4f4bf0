#!/usr/bin/env bash
# benchtrack new: each template is written, compiled with the build line
# it prints (pkg-config, with a benchtrack.pc made from
# scripts/benchtrack.pc.in for this build tree) and run; the folder they
# are in follows the layout (new --check), and a folder that breaks each
# rule gets one line per problem and exit 3.
set -euo pipefail
. "${BASH_SOURCE%/*}/lib/common.sh" new "$@"
need_built "$bt"
for a in libbenchtrack.a libbenchtrack_main.a; do
	[ -f "$build/$a" ] || fail "$build/$a not built"
done
py=/usr/bin/python3

# benchtrack.pc for the build tree: the libraries in $build, the headers in $src
mkdir "$tmp/pc"
sed -e "s|@BT_PC_PREFIX@|$build|" -e "s|@BT_PC_LIBDIR@|$build|" \
    -e "s|@BT_PC_INCLUDEDIR@|$src/include|" -e "s|@BT_PC_VERSION@|0|" \
    -e "s|@BT_PC_EXTRA_LIBS@|${bt_sanitize:+ $bt_sanitize}|" "$src/scripts/benchtrack.pc.in" > "$tmp/pc/benchtrack.pc"
export PKG_CONFIG_PATH=$tmp/pc

mkdir "$tmp/suites"
for kind in kernel inference; do
	name=my_$kind
	expect 0 "$bt" new "$name" --kind "$kind" --dir "$tmp/suites"
	grep -qx "wrote $tmp/suites/$name.c ($kind suite)" "$tmp/out" || fail "$kind: $(cat "$tmp/out")"
	line=$(grep '^cc ' "$tmp/out") || fail "$kind: no build line: $(cat "$tmp/out")"
	[ "$line" = "cc -O2 $tmp/suites/$name.c \$(pkg-config --cflags --libs benchtrack) -o $tmp/suites/$name" ] ||
		fail "$kind: build line: $line"
	grep -qF "Build:  cc -O2 $name.c \$(pkg-config --cflags --libs benchtrack) -o $name" "$tmp/suites/$name.c" ||
		fail "$kind: the file does not say how to build it"
	# as written: compiled by the shell, with warnings as errors
	eval "${line/cc -O2/cc -O2 -Wall -Wextra -Werror}" 2> "$tmp/cc.err" || fail "$kind: does not compile: $(cat "$tmp/cc.err")"
	# and in strict ISO C (no GNU extensions: the POSIX parts it uses are asked for)
	eval "${line/cc -O2/cc -O2 -std=c11 -Wall -Wextra -Werror}" 2> "$tmp/cc.err" ||
		fail "$kind: does not compile with -std=c11: $(cat "$tmp/cc.err")"
	"$tmp/suites/$name" --quick --format none --out "$tmp/$name.json" 2> "$tmp/run.err" ||
		fail "$kind: the suite failed: $(cat "$tmp/run.err")"
	"$py" - "$tmp/$name.json" "$kind" <<'PY' || fail "$kind: its run"
import json, sys
run = json.load(open(sys.argv[1]))
st = {r["name"]: r["status"] for r in run["results"]}
if sys.argv[2] == "kernel":
    assert st == {"naive": "ok", "unrolled": "ok"}, st
    assert all(r["validation"]["passed"] for r in run["results"]), run["results"]
else:
    assert st == {"load": "skipped", "generate": "ok", "accuracy": "ok"}, st
    gen = [r for r in run["results"] if r["name"] == "generate"][0]
    assert "ttft" in gen["metrics"] and "decode" in gen["metrics"], gen["metrics"].keys()
PY
	"$tmp/suites/$name" --list | grep -q '^# presets' || fail "$kind: no presets"
done
# the inference template reads --models
mkdir "$tmp/models"
head -c 4096 /dev/zero > "$tmp/models/tiny.safetensors"
"$tmp/suites/my_inference" --quick --models "$tmp/models" --filter '^load' --format none \
	--out "$tmp/load.json" 2> "$tmp/run.err" || fail "load with --models: $(cat "$tmp/run.err")"
grep -q '"status": "ok"' "$tmp/load.json" || fail "load with --models: not ok"
# no overwriting without --force; names and kinds checked
expect 3 "$bt" new my_kernel --dir "$tmp/suites"
grep -qF "new: $tmp/suites/my_kernel.c exists (--force replaces it)" "$tmp/err" || fail "$(cat "$tmp/err")"
expect 0 "$bt" new my_kernel --dir "$tmp/suites" --force
expect 2 "$bt" new 9lives
grep -qF "new: '9lives' is not a suite name" "$tmp/err" || fail "$(cat "$tmp/err")"
expect 2 "$bt" new x --kind gpu
grep -qF "new: --kind: 'gpu' is not one of kernel, inference" "$tmp/err" || fail "$(cat "$tmp/err")"
expect 2 "$bt" new
expect 3 "$bt" new x --dir "$tmp/nowhere"

# --- the layout
rm -f "$tmp/suites/my_kernel" "$tmp/suites/my_inference"
expect 0 "$bt" new --check "$tmp/suites"
[ "$(cat "$tmp/out")" = "$tmp/suites: 2 suites follow the layout" ] || fail "check: $(cat "$tmp/out")"

bad=$tmp/bad
mkdir -p "$bad/folder" "$bad/data"
cat > "$bad/a.c" <<'EOF'
#include <benchtrack.h>
static void f(bt_state *s) { while (bt_loop(s)); }
/* BT_MAIN() in a comment does not count */
BT_BENCH(f, .params = "n=1..", .type = "x");
BT_BENCH(g, .name = "f", .params = "n=1", .presets = "ok, not-one");
EOF
cat > "$bad/b.c" <<'EOF'
#include <benchtrack.h>
BT_MAIN()
BT_MAIN()
EOF
cat > "$bad/folder/main.c" <<'EOF'
#include "benchtrack.h"
BT_PRESET(fast, .params = "n=");
BT_PRESET(fast);
BT_MAIN()
EOF
cat > "$bad/folder/kernels.c" <<'EOF'
static const char *s = "BT_BENCH(in a string)";
BT_BENCH(k, .type = "kernel");
EOF
echo 'not a suite' > "$bad/data/notes.txt"
expect 3 "$bt" new --check "$bad"
want="$bad/a.c:4: benchmark 'f': .params \"n=1..\":
$bad/a.c:5: benchmark 'f' is declared twice in this suite
$bad/a.c:5: benchmark 'f': no .type = \"...\" (the type its runs are filed under)
$bad/a.c:5: benchmark 'f': .presets: 'not-one' is not a preset name (a C identifier)
$bad/a.c: no BT_MAIN() (a suite has one)
$bad/b.c:3: a second BT_MAIN() in this suite
$bad/b.c: no BT_BENCH (a suite declares at least one benchmark)
$bad/folder/kernels.c:1: uses BT_BENCH/BT_PRESET/BT_MAIN without #include <benchtrack.h>
$bad/folder/main.c:2: preset 'fast': .params \"n=\":
$bad/folder/main.c:3: preset 'fast' is declared twice in this suite
$bad: 3 suites, 10 problems"
# the spec errors end with the parser's message: compare up to the colon
got=$(sed -E 's/(\.params "[^"]*":).*/\1/' "$tmp/out")
[ "$got" = "$want" ] || fail "check of a bad folder:
$(diff <(echo "$want") <(echo "$got"))"
mkdir "$tmp/none"
expect 3 "$bt" new --check "$tmp/none"
grep -qF "$tmp/none: no suite (a *.c file, or a folder of them, with BT_MAIN())" "$tmp/out" || fail "$(cat "$tmp/out")"
expect 3 "$bt" new --check "$tmp/nowhere"
expect 2 "$bt" new x --check "$tmp/none"

# .params through the file's object-like macros; a BT_BENCH inside a
# macro's #define counts as a benchmark but is not checked (its fields
# are known where the macro is used), so the bundled suites pass
mkdir "$tmp/mac"
cat > "$tmp/mac/m.c" <<'EOF'
#include <benchtrack.h>
#define AXIS "n="
#define SPEC AXIS "1..;m=2"
#define GOOD "n=1,2"
static void f(bt_state *s) { while (bt_loop(s)); }
BT_BENCH(f, .type = "x", .params = SPEC);
BT_BENCH(g, .type = "x", .params = GOOD ";m=3");
#define BOTH(V) \
	static void h_##V(bt_state *s) { f(s); } \
	BT_BENCH(h_##V, .name = "h." #V, .type = "x", .params = V)
BOTH(a);
BT_BENCH(k, .type = "x", .params = NOT_HERE);
BT_MAIN()
EOF
expect 3 "$bt" new --check "$tmp/mac"
want="$tmp/mac/m.c:6: benchmark 'f': .params \"n=1..;m=2\":
$tmp/mac/m.c:12: benchmark 'k': .params is not a string literal (nor a macro this file defines as one)
$tmp/mac: 1 suite, 2 problems"
got=$(sed -E 's/(\.params "[^"]*":).*/\1/' "$tmp/out")
[ "$got" = "$want" ] || fail "check with macros:
$(diff <(echo "$want") <(echo "$got"))"
expect 0 "$bt" new --check "$src/examples"
grep -qx "$src/examples: [0-9]* suites follow the layout" "$tmp/out" || fail "examples: $(cat "$tmp/out")"
echo "new: ok"
