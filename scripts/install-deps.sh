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
)
# Peers measured side by side in bench/ (optional for the build).
OPTIONAL=(libbenchmark-dev hyperfine)

missing=()
for p in "${PKGS[@]}" "${OPTIONAL[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
