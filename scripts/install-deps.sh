#!/usr/bin/env bash
# Installs the Debian packages benchtrack needs that are missing. Idempotent:
# does nothing (and needs no network) when everything is present.
#   scripts/install-deps.sh              what the build and the tests need
#                                        (make run, make test)
#   scripts/install-deps.sh --optional   also the optional peers of bench/
#                                        (make deps); one that cannot be
#                                        installed is a warning, not a failure
set -euo pipefail
optional=0
case "${1:-}" in
  --optional) optional=1 ;;
  "") ;;
  *) echo "usage: install-deps.sh [--optional]" >&2; exit 2 ;;
esac

PKGS=(
  build-essential cmake pkg-config git   # toolchain
  libjansson-dev                         # JSON
  libsqlite3-dev                         # the store's index
  libarchive-dev                         # the store's archives
  zlib1g-dev libzstd-dev zstd            # compressed run files (zstd: tests)
  libcmocka-dev                          # unit tests
  libmicrohttpd-dev                      # benchtrack serve
  libxml2-utils                          # xmllint: the SVG tests
  chromium                               # the dashboard tests (headless)
  libbenchmark-dev hyperfine             # import's tests: output of the
  python3-pytest-benchmark               # real tools, made during the test
  libbenchmark-tools python3-scipy       # export's tests: gbench's compare.py
  python3-numpy                          # the metric protocol's NumPy example
  valgrind                               # --measure instructions (callgrind)
  libopenmpi-dev openmpi-bin             # distributed benchmarks (--mpi)
  libpq-dev postgresql                   # the PostgreSQL store (its tests
                                         # start a real server)
  procps                                 # ps, pgrep: the tests' process checks
  lighttpd                               # benchtrack upload --hub: its test
                                         # serves a git repository over HTTP
  clang libclang-rt-14-dev               # make fuzz: libFuzzer, ASan, UBSan
)
# Node.js and npm install the dashboard's front-end packages (web/).
command -v npm >/dev/null 2>&1 || PKGS+=(nodejs npm)
# Peers measured side by side in bench/ (optional for the build; none
# left: the import tests need them, so they are in PKGS).
OPTIONAL=()

installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}
missing=() missing_optional=()
for p in "${PKGS[@]}"; do
  installed "$p" || missing+=("$p")
done
if [ "$optional" -eq 1 ]; then
  for p in "${OPTIONAL[@]}"; do
    installed "$p" || missing_optional+=("$p")
  done
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
if [ $((${#missing[@]} + ${#missing_optional[@]})) -gt 0 ]; then
  $SUDO apt-get update -qq
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
for p in "${missing_optional[@]}"; do
  echo "install-deps: installing $p (optional)" >&2
  $SUDO apt-get install -y -qq --no-install-recommends "$p" ||
    echo "install-deps: warning: optional package $p not installed" >&2
done

# The npm packages pinned in web/package-lock.json (uPlot, playwright-core),
# installed exactly as locked; nothing to do when they are there.
web="$(cd "$(dirname "$0")/.." && pwd)/web"
if [ ! -f "$web/node_modules/uplot/package.json" ] ||
   [ ! -f "$web/node_modules/playwright-core/package.json" ] ||
   [ "$web/package-lock.json" -nt "$web/node_modules/.package-lock.json" ]; then
  echo "install-deps: npm ci in web/" >&2
  (cd "$web" && npm ci --no-audit --no-fund --loglevel=error)
fi
