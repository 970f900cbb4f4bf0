# The start the integration tests share (not a test itself: CMake runs only
# tests/integration/*.sh). A test sources it first, after its `set` line:
#   . "${BASH_SOURCE%/*}/lib/common.sh" NAME "$@"
# It sets src and build (the test's SRC and BUILD arguments), bt (the tool,
# $build/benchtrack) and tmp, a new temporary directory under $TMPDIR (else
# /tmp) that is removed when the test exits; it unsets BENCHTRACK_STORE and
# sets NO_COLOR (a test sees neither the caller's store nor colours), and
# defines:
#   fail MSG...        "NAME: FAIL: MSG..." on stderr, exit 1;
#   need_built FILE... fail unless each FILE is an executable (built);
#   expect CODE CMD... runs CMD, stdout to $tmp/out and stderr to $tmp/err,
#                      and fails unless it exits CODE;
#   judged CMD...      as expect, for a gate (compare, check, ab) judging
#                      real timings of one build: exit 0 or 1 both pass
#                      (a false alarm on a loaded machine is the machine's
#                      doing); assert on what $tmp/out and $tmp/err say;
#   skip MSG...        "NAME: skipped: MSG..." on stdout, exit 77 (ctest's
#                      SKIP_RETURN_CODE);
#   nobody_setup       for a test of permissions (they bind only users other
#                      than root): defines as_nobody CMD..., which runs CMD
#                      as user nobody (setpriv, else runuser, from
#                      util-linux), and sets nobody_group; skips the test
#                      without root, the user nobody or either tool;
#   nobody_owns DIR    after nobody_setup: $tmp opened to others (0755), the
#                      tool copied to $tmp/benchtrack (the build directory
#                      need not be open to nobody), DIR given to nobody;
#                      skips the test when nobody cannot write DIR
#                      (a TMPDIR closed to others);
# and bt_sanitize: "-fsanitize=address,undefined" in a sanitizer build
# (BT_SANITIZE=ON), else empty: what a program linked here against the
# build's libraries needs on its cc line (their objects call the runtime).
bt_test_name=$1
src=$2 build=${3-}
bt=$build/benchtrack
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bt-$bt_test_name.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export NO_COLOR=1
unset BENCHTRACK_STORE
bt_sanitize=
if grep -q '^BT_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null; then
	bt_sanitize=-fsanitize=address,undefined
fi

fail() {
	echo "$bt_test_name: FAIL: $*" >&2
	exit 1
}

need_built() {
	local f
	for f in "$@"; do
		[ -x "$f" ] || fail "$f not built"
	done
}

expect() {
	local want=$1 rc=0
	shift
	"$@" > "$tmp/out" 2> "$tmp/err" || rc=$?
	[ "$rc" -eq "$want" ] || fail "$*: exit $rc, want $want: $(cat "$tmp/err")"
}

judged() {
	local rc=0
	"$@" > "$tmp/out" 2> "$tmp/err" || rc=$?
	[ "$rc" -eq 0 ] || [ "$rc" -eq 1 ] || fail "$*: exit $rc, want 0 or 1: $(cat "$tmp/err")"
}

skip() {
	echo "$bt_test_name: skipped: $*"
	exit 77
}

nobody_setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root to run benchtrack as nobody"
	id nobody > /dev/null 2>&1 || skip "no user nobody"
	nobody_group=$(id -gn nobody)
	if command -v setpriv > /dev/null; then
		as_nobody() { setpriv --reuid=nobody --regid="$nobody_group" --clear-groups -- "$@"; }
	elif command -v runuser > /dev/null; then
		as_nobody() { runuser -u nobody -- "$@"; }
	else
		skip "neither setpriv nor runuser (util-linux) is installed"
	fi
}

nobody_owns() {
	chmod 755 "$tmp"
	cp "$bt" "$tmp/benchtrack"
	chown -R nobody:"$nobody_group" "$1"
	as_nobody test -w "$1" ||
		skip "nobody cannot reach $1 (TMPDIR=${TMPDIR:-/tmp} is closed to others)"
}
