#!/usr/bin/env bash
# Installs benchtrack into a temporary prefix, compiles the quickstart
# example against the installed header with pkg-config (and once more
# without installing, with the flags the README gives), runs both and
# checks the results they write.
set -euo pipefail
src=$1 build=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig:$tmp/prefix/lib/x86_64-linux-gnu/pkgconfig"
flags=$(pkg-config --cflags --libs benchtrack)
# a sanitizer build's libraries need the sanitizer runtime at link time
if grep -q '^BT_SANITIZE:BOOL=ON' "$build/CMakeCache.txt"; then
	flags="$flags -fsanitize=address,undefined"
fi
cc -O2 "$src/examples/quickstart/my_bench.c" $flags -o "$tmp/my_bench"

"$tmp/my_bench" --quick --format none --out "$tmp/run.json"
"$tmp/prefix/bin/benchtrack" show "$tmp/run.json" --format csv > "$tmp/run.csv"
# three cases (n = 1024, 4096, 65536 under --quick: the two smallest), all ok
lines=$(grep -c ',ok,' "$tmp/run.csv" || true)
[ "$lines" -eq 2 ] || { echo "expected 2 ok rows, got $lines"; cat "$tmp/run.csv"; exit 1; }
grep -q '^bm_sum,' "$tmp/run.csv" || { echo "bm_sum missing"; cat "$tmp/run.csv"; exit 1; }
# the man pages and the header were installed
test -f "$tmp/prefix/include/benchtrack.h"
test -f "$tmp/prefix/share/man/man1/benchtrack-run.1"

# without installing: the README's flags
cc -O2 "$src/examples/quickstart/my_bench.c" -I"$src/include" \
	"$build/libbenchtrack_main.a" "$build/libbenchtrack.a" -ljansson -lsqlite3 -larchive -lpthread -lm $(grep -q '^BT_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" && echo -fsanitize=address,undefined) \
	-o "$tmp/my_bench2"
"$tmp/my_bench2" --list > "$tmp/list"
diff <(printf 'bm_sum/n=1024\nbm_sum/n=4096\nbm_sum/n=65536\n') "$tmp/list"
echo "pkgconfig: ok"
