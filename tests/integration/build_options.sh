#!/usr/bin/env bash
# A build of its own (a scratch build directory, Debug, only the libraries,
# the tool and its man pages), on a system where pkg-config finds neither
# cmocka nor libmicrohttpd:
#   - configuring with the tests (the default) stops with an error naming
#     cmocka, instead of leaving every unit test out;
#   - without the tests, configuring with serve (the default) stops with an
#     error naming libmicrohttpd;
#   - with BT_WITH_SERVE=OFF and BT_WITH_DASHBOARD=OFF the libraries and
#     the tool build: no dashboard and no uPlot in libbenchtrack, no
#     libmicrohttpd in the tool, whose serve and dashboard commands say
#     that this build lacks them (exit 3);
#   - `make install PREFIX=/usr DESTDIR=DIR` on that build, configured for
#     /usr/local, installs the layout of /usr (Debian: lib/<multiarch>)
#     with a benchtrack.pc whose paths are those of /usr, and the
#     quickstart example builds against the staged tree with it.
set -euo pipefail
src=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "build_options: $*" >&2; [ ! -f "$tmp/log" ] || tail -n 30 "$tmp/log" >&2; exit 1; }
unset MAKEFLAGS MFLAGS MAKELEVEL PKG_CONFIG_PATH

# pkg-config: the system's modules but cmocka and libmicrohttpd
mkdir "$tmp/pc"
IFS=: read -r -a pcdirs <<<"$(pkg-config --variable pc_path pkg-config)"
for d in "${pcdirs[@]}"; do
	for f in "$d"/*.pc; do
		[ -e "$f" ] || continue
		case ${f##*/} in cmocka.pc | libmicrohttpd.pc) continue ;; esac
		[ -e "$tmp/pc/${f##*/}" ] || ln -s "$f" "$tmp/pc/${f##*/}"
	done
done
export PKG_CONFIG_LIBDIR="$tmp/pc"
pkg-config --exists cmocka && fail "cmocka still visible to pkg-config"

b=$tmp/build
configure() { cmake -S "$src" -B "$b" -DCMAKE_BUILD_TYPE=Debug "$@" > "$tmp/log" 2>&1; }

if configure; then fail "configured with the tests and without cmocka"; fi
grep -q 'cmocka not found' "$tmp/log" || fail "no error naming cmocka"
if configure -DBT_BUILD_TESTS=OFF; then fail "configured serve without libmicrohttpd"; fi
grep -q 'libmicrohttpd not found' "$tmp/log" || fail "no error naming libmicrohttpd"
configure -DBT_BUILD_TESTS=OFF -DBT_WITH_SERVE=OFF -DBT_WITH_DASHBOARD=OFF ||
	fail "configure without tests, serve and dashboard failed"

# make install PREFIX=/usr DESTDIR=...: builds the targets named, then
# installs them for /usr
make -C "$src" --no-print-directory install BUILD="$b" PREFIX=/usr DESTDIR="$tmp/stage" JOBS=2 \
	TARGETS="benchtrack benchtrack_main benchtrack-cli benchtrack-man" > "$tmp/log" 2>&1 ||
	fail "make install failed"

# the library without the dashboard, the tool without libmicrohttpd
nm "$b/libbenchtrack.a" > "$tmp/nm" 2>/dev/null
grep -qE ' [TDR] (bt_dashboard_write|bt_web_assets)$' "$tmp/nm" && fail "libbenchtrack.a has the dashboard"
grep -qE ' T bt_run_write_file$' "$tmp/nm" || fail "nm: no bt_run_write_file in libbenchtrack.a"
readelf -d "$b/benchtrack" > "$tmp/elf"
grep -q microhttpd "$tmp/elf" && fail "benchtrack needs libmicrohttpd"
for cmd in serve dashboard; do
	rc=0
	"$b/benchtrack" $cmd > "$tmp/out" 2> "$tmp/err" || rc=$?
	[ $rc -eq 3 ] || fail "benchtrack $cmd: exit $rc, want 3"
	grep -q "built without" "$tmp/err" || fail "benchtrack $cmd: $(cat "$tmp/err")"
done
"$b/benchtrack" help serve > /dev/null || fail "benchtrack help serve"

# the layout of /usr, and a .pc that says so
arch=$(sed -n 's/^CMAKE_LIBRARY_ARCHITECTURE:[A-Z]*=//p' "$b/CMakeCache.txt")
if [ -f /etc/debian_version ] && [ -n "$arch" ]; then
	libdir=lib/$arch
else
	libdir=$(sed -n 's/^CMAKE_INSTALL_LIBDIR:[A-Z]*=//p' "$b/CMakeCache.txt")
fi
grep -q '^CMAKE_INSTALL_PREFIX:PATH=/usr$' "$b/CMakeCache.txt" || fail "make install PREFIX=/usr did not reconfigure for /usr"
test -f "$tmp/stage/usr/$libdir/libbenchtrack.a" || fail "libbenchtrack.a not in /usr/$libdir"
test -x "$tmp/stage/usr/bin/benchtrack" || fail "benchtrack not in /usr/bin"
test -f "$tmp/stage/usr/include/benchtrack.h" || fail "benchtrack.h not in /usr/include"
test -f "$tmp/stage/usr/share/man/man1/benchtrack-run.1" || fail "man pages not in /usr/share/man"
export PKG_CONFIG_PATH="$tmp/stage/usr/$libdir/pkgconfig"
test -f "$PKG_CONFIG_PATH/benchtrack.pc" || fail "benchtrack.pc not in /usr/$libdir/pkgconfig"
[ "$(pkg-config --variable=libdir benchtrack)" = "/usr/$libdir" ] ||
	fail "libdir: $(pkg-config --variable=libdir benchtrack), want /usr/$libdir"
[ "$(pkg-config --variable=includedir benchtrack)" = /usr/include ] ||
	fail "includedir: $(pkg-config --variable=includedir benchtrack), want /usr/include"
flags=$(PKG_CONFIG_SYSROOT_DIR="$tmp/stage" PKG_CONFIG_ALLOW_SYSTEM_CFLAGS=1 \
	PKG_CONFIG_ALLOW_SYSTEM_LIBS=1 pkg-config --cflags --libs benchtrack)
cc "$src/examples/quickstart/my_bench.c" $flags -o "$tmp/my_bench" 2> "$tmp/log" ||
	fail "quickstart against the staged tree: $flags"
"$tmp/my_bench" --list > "$tmp/list"
diff <(printf 'bm_sum/n=1024\nbm_sum/n=4096\nbm_sum/n=65536\n') "$tmp/list"
echo "build_options: ok"
