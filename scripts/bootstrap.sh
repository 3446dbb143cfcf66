#!/usr/bin/env bash
# Installs what ferry needs on Debian 12, and only what is missing:
# the Debian packages of DESIGN.md and the npm packages of the tests.
# Uses sudo when not run as root. Safe to run again.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=install_lib.sh
source "$here/scripts/install_lib.sh"

debian_packages=(
  g++ cmake ninja-build pkg-config make
  libboost1.81-all-dev libssl-dev libsqlite3-dev libhiredis-dev libmsgpuck-dev
  libspdlog-dev libfmt-dev libcli11-dev libtomlplusplus-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)
# Node.js may come with its own npm (not Debian's); only ask Debian when absent.
if ! command -v node > /dev/null; then debian_packages+=(nodejs); fi
if ! command -v npm > /dev/null; then debian_packages+=(npm); fi

mapfile -t missing < <(missing_debian_packages "${debian_packages[@]}")
apt_install bootstrap "${missing[@]}"

# npm packages of the end-to-end tests, installed from the lock file.
if [[ "${1:-}" == "--with-npm" ]]; then npm_ci_once bootstrap "$here/tests/e2e"; fi
