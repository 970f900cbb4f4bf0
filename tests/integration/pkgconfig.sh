#!/usr/bin/env bash
# Installs the build under test (never reconfigured: cmake --install
# --prefix), compiles the quickstart example against what was installed
# with pkg-config (and once more without installing, with the flags the
# README gives), runs them and checks the results they write:
#   - into a temporary prefix, although the build was configured for
#     another one (--prefix is the prefix installed into);
#   - staged: prefix /usr under DESTDIR, the .pc's paths those of the
#     final system (/usr/<libdir>, /usr/include) and pkg-config's
#     PKG_CONFIG_SYSROOT_DIR finds the staged tree with them.
# The Debian multiarch layout of `make install PREFIX=/usr` is
# build_options.sh's.
set -euo pipefail
. "${BASH_SOURCE%/*}/lib/common.sh" pkgconfig "$@"
cache() { sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt"; }
libdir=$(cache CMAKE_INSTALL_LIBDIR)
includedir=$(cache CMAKE_INSTALL_INCLUDEDIR)
[ "$(cache CMAKE_INSTALL_PREFIX)" != "$tmp/prefix" ] # configured for another prefix

# --- into a prefix other than the configured one
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
test -f "$tmp/prefix/$libdir/libbenchtrack.a" || fail "libbenchtrack.a not in $tmp/prefix/$libdir"
test -x "$tmp/prefix/bin/benchtrack" || fail "benchtrack not in $tmp/prefix/bin"
export PKG_CONFIG_PATH="$tmp/prefix/$libdir/pkgconfig"
[ "$(pkg-config --variable=libdir benchtrack)" = "$tmp/prefix/$libdir" ] ||
	fail "libdir: $(pkg-config --variable=libdir benchtrack), want $tmp/prefix/$libdir"
flags=$(pkg-config --cflags --libs benchtrack)
cc -O2 "$src/examples/quickstart/my_bench.c" $flags -o "$tmp/my_bench"

"$tmp/my_bench" --quick --format none --out "$tmp/run.json"
"$tmp/prefix/bin/benchtrack" show "$tmp/run.json" --format csv > "$tmp/run.csv"
# three cases (n = 1024, 4096, 65536 under --quick: the two smallest), all ok
lines=$(grep -c ',ok,' "$tmp/run.csv" || true)
[ "$lines" -eq 2 ] || { echo "expected 2 ok rows, got $lines"; cat "$tmp/run.csv"; exit 1; }
grep -q '^bm_sum,' "$tmp/run.csv" || { echo "bm_sum missing"; cat "$tmp/run.csv"; exit 1; }
# the man pages and the header were installed
test -f "$tmp/prefix/$includedir/benchtrack.h"
test -f "$tmp/prefix/share/man/man1/benchtrack-run.1"

# --- staged: prefix /usr under DESTDIR
DESTDIR="$tmp/stage" cmake --install "$build" --prefix /usr >/dev/null
pc="$tmp/stage/usr/$libdir/pkgconfig/benchtrack.pc"
test -f "$pc" || fail "no $pc"
test -f "$tmp/stage/usr/$libdir/libbenchtrack_main.a" || fail "libbenchtrack_main.a not in $tmp/stage/usr/$libdir"
grep -q "$tmp" "$pc" && fail "the .pc names the staging directory: $(cat "$pc")"
export PKG_CONFIG_PATH="$tmp/stage/usr/$libdir/pkgconfig"
[ "$(pkg-config --variable=prefix benchtrack)" = /usr ] || fail "prefix: $(pkg-config --variable=prefix benchtrack)"
[ "$(pkg-config --variable=libdir benchtrack)" = "/usr/$libdir" ] || fail "libdir: $(pkg-config --variable=libdir benchtrack)"
[ "$(pkg-config --variable=includedir benchtrack)" = "/usr/$includedir" ] ||
	fail "includedir: $(pkg-config --variable=includedir benchtrack)"
# as a cross or package build would: the sysroot in front of -I and -L
# (ALLOW_SYSTEM_*: /usr/include and the system libdir are not dropped, they
# are the staged ones here)
flags=$(PKG_CONFIG_SYSROOT_DIR="$tmp/stage" PKG_CONFIG_ALLOW_SYSTEM_CFLAGS=1 \
	PKG_CONFIG_ALLOW_SYSTEM_LIBS=1 pkg-config --cflags --libs benchtrack)
for want in "-I$tmp/stage/usr/$includedir" "-L$tmp/stage/usr/$libdir"; do
	case " $flags " in *" $want "*) ;; *) fail "flags with PKG_CONFIG_SYSROOT_DIR: no $want in $flags" ;; esac
done
cc -O2 "$src/examples/quickstart/my_bench.c" $flags -o "$tmp/my_bench_staged"
"$tmp/my_bench_staged" --list > "$tmp/list_staged"
diff <(printf 'bm_sum/n=1024\nbm_sum/n=4096\nbm_sum/n=65536\n') "$tmp/list_staged"

# --- without installing: the README's flags
cc -O2 "$src/examples/quickstart/my_bench.c" -I"$src/include" \
	"$build/libbenchtrack_main.a" "$build/libbenchtrack.a" -ljansson -lsqlite3 -larchive -lz -lzstd -ldl \
	-lpthread -lm $bt_sanitize -o "$tmp/my_bench2"
"$tmp/my_bench2" --list > "$tmp/list"
diff <(printf 'bm_sum/n=1024\nbm_sum/n=4096\nbm_sum/n=65536\n') "$tmp/list"
echo "pkgconfig: ok"
