#!/usr/bin/env bash
# Installs what ferry needs on Debian 12, and only what is missing: exactly the
# Debian packages the build and the tests use, and the npm packages of the tests.
# Uses sudo when not run as root. Safe to run again.
#
#   scripts/bootstrap.sh [--with-npm | --list | --list-npm]
#
# scripts/check-deps.sh (run by .ci/run) fails when the build reads a header,
# a CMake file or a library that no package below provides: add a package here
# in the same commit that starts using it. The bench's extra packages are in
# bench/setup.sh.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=install_lib.sh
source "$here/scripts/install_lib.sh"

debian_packages=(
  g++ cmake ninja-build make
  # Boost: the headers (Asio, Beast, System), and the two compiled components
  # CMakeLists.txt asks for. Not libboost1.81-all-dev: it brings neither JSON
  # nor URL, and drags in MPI and Python.
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libsqlite3-dev libspdlog-dev libfmt-dev libcli11-dev libtomlplusplus-dev
  libgtest-dev
  # The sqlite3 shell: an e2e test (store_lock.test.mjs) holds the event log's
  # write lock with it, as an operator's shell would.
  sqlite3
)
# Folders whose package-lock.json `--with-npm` installs with `npm ci`.
npm_dirs=(tests/e2e)
# --list / --list-npm: print the packages or the npm folders (scripts/check-deps.sh
# reads them), install nothing.
if [[ "${1:-}" == "--list" ]]; then printf '%s\n' "${debian_packages[@]}"; exit 0; fi
if [[ "${1:-}" == "--list-npm" ]]; then printf '%s\n' "${npm_dirs[@]}"; exit 0; fi
# Node.js may come with its own npm (not Debian's); only ask Debian when absent.
if ! command -v node > /dev/null; then debian_packages+=(nodejs); fi
if ! command -v npm > /dev/null; then debian_packages+=(npm); fi

mapfile -t missing < <(missing_debian_packages "${debian_packages[@]}")
APT_FLAGS=--no-install-recommends apt_install bootstrap "${missing[@]}"

# npm packages of the end-to-end tests, installed from the lock file.
if [[ "${1:-}" == "--with-npm" ]]; then
  for dir in "${npm_dirs[@]}"; do npm_ci_once bootstrap "$here/$dir"; done
fi
