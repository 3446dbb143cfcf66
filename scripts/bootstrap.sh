#!/usr/bin/env bash
# Installs what ferry needs on Debian 12, and only what is missing:
# the Debian packages of DESIGN.md and the npm packages of the tests.
# Uses sudo when not run as root. Safe to run again.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"

debian_packages=(
  g++ cmake ninja-build pkg-config make
  libboost1.81-all-dev libssl-dev libsqlite3-dev libhiredis-dev libmsgpuck-dev
  libspdlog-dev libfmt-dev libcli11-dev libtomlplusplus-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)
# Node.js may come with its own npm (not Debian's); only ask Debian when absent.
if ! command -v node > /dev/null; then debian_packages+=(nodejs); fi
if ! command -v npm > /dev/null; then debian_packages+=(npm); fi

missing=()
for p in "${debian_packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "bootstrap: installing ${missing[*]}"
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi

# npm packages of the end-to-end tests, installed from the lock file.
if [[ "${1:-}" == "--with-npm" ]]; then
  lock="$here/tests/e2e/package-lock.json"
  stamp="$here/tests/e2e/node_modules/.ferry-lock"
  if [[ ! -f "$stamp" ]] || ! cmp -s "$lock" "$stamp"; then
    echo "bootstrap: npm ci in tests/e2e"
    (cd "$here/tests/e2e" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$lock" "$stamp"
  fi
fi
