#!/usr/bin/env bash
# Installs what the benchmark needs beyond scripts/bootstrap.sh, and only what
# is missing: nginx with the Nchan module (the Nchan peer), perf, and the npm
# packages of the Node Socket.IO peer (from bench/peers/package-lock.json).
# Uses sudo when not run as root. Safe to run again.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=../scripts/install_lib.sh
source "$here/../scripts/install_lib.sh"

# libbenchmark-dev: store_bench without --json is a Google Benchmark.
debian_packages=(nginx libnginx-mod-nchan gnuplot-nox libbenchmark-dev)
# Folders whose package-lock.json is installed with `npm ci` (relative to the repo).
npm_dirs=(bench/peers)
# --list / --list-npm: print the packages or the npm folders (scripts/check-deps.sh
# reads them), install nothing.
if [[ "${1:-}" == "--list" ]]; then printf '%s\n' "${debian_packages[@]}"; exit 0; fi
if [[ "${1:-}" == "--list-npm" ]]; then printf '%s\n' "${npm_dirs[@]}"; exit 0; fi
mapfile -t missing < <(missing_debian_packages "${debian_packages[@]}")
if ((${#missing[@]})); then
  nginx_was_running=0
  if pgrep -x nginx > /dev/null; then nginx_was_running=1; fi
  APT_FLAGS=--no-install-recommends apt_install bench/setup "${missing[@]}"
  # A service the package just started (where policy-rc.d allows it) is not
  # wanted: the bench runs its own private nginx on a loopback port.
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
  if ((!nginx_was_running)) && [[ -f /run/nginx.pid ]]; then $sudo nginx -s stop 2> /dev/null || true; fi
fi

# The Node Socket.IO peer, from its lock file.
for dir in "${npm_dirs[@]}"; do npm_ci_once bench/setup "$here/../$dir"; done
