# The start the measurement scripts share (bench-store.sh, bench-dashboard.sh,
# bench-vs-gbench.sh); sourced, not run. A script calls, after `set -eu`:
#   bench_start NAME "$@"   its one argument must be a build directory
#                           (else usage, exit 2); sets BUILD (that directory,
#                           absolute) and OUT ($OUTDIR, else a new temporary
#                           directory NAME.XXXXXX), and creates OUT;
#   bench_need EXE...       exit 2 unless each EXE is built in BUILD.
bench_start() {
	local name=$1
	shift
	if [ $# -ne 1 ] || [ ! -d "$1" ]; then
		echo "usage: $0 BUILD_DIR" >&2
		exit 2
	fi
	BUILD=$(cd "$1" && pwd)
	OUT=${OUTDIR:-$(mktemp -d "${TMPDIR:-/tmp}/$name.XXXXXX")}
	mkdir -p "$OUT"
}

bench_need() {
	local exe target
	for exe in "$@"; do
		target=$exe
		[ "$exe" != benchtrack ] || target=benchtrack-cli
		if [ ! -x "$BUILD/$exe" ]; then
			echo "$0: $BUILD/$exe not built (cmake --build $BUILD --target $target)" >&2
			exit 2
		fi
	done
}
