#!/usr/bin/env bash
# Installs the Debian packages benchtrack needs that are missing. Idempotent:
# does nothing (and needs no network) when everything is present.
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config git   # toolchain
  libjansson-dev                         # JSON
  libsqlite3-dev                         # the store's index
  libarchive-dev                         # the store's archives
  libcmocka-dev                          # unit tests
  libmicrohttpd-dev                      # benchtrack serve
  libxml2-utils                          # xmllint: the SVG tests
  chromium                               # the dashboard tests (headless)
)
# Node.js and npm install the dashboard's front-end packages (web/).
command -v npm >/dev/null 2>&1 || PKGS+=(nodejs npm)
# Peers measured side by side in bench/ (optional for the build).
OPTIONAL=(libbenchmark-dev hyperfine)

missing=()
for p in "${PKGS[@]}" "${OPTIONAL[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The npm packages pinned in web/package-lock.json (uPlot, playwright-core),
# installed exactly as locked; nothing to do when they are there.
web="$(cd "$(dirname "$0")/.." && pwd)/web"
if [ ! -f "$web/node_modules/uplot/package.json" ] ||
   [ ! -f "$web/node_modules/playwright-core/package.json" ] ||
   [ "$web/package-lock.json" -nt "$web/node_modules/.package-lock.json" ]; then
  echo "install-deps: npm ci in web/" >&2
  (cd "$web" && npm ci --no-audit --no-fund --loglevel=error)
fi
