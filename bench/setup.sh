#!/usr/bin/env bash
# Installs what the benchmark needs beyond scripts/bootstrap.sh, and only what
# is missing: nginx with the Nchan module (the Nchan peer), perf, and the npm
# packages of the Node Socket.IO peer (from bench/peers/package-lock.json).
# Uses sudo when not run as root. Safe to run again.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"

debian_packages=(nginx libnginx-mod-nchan gnuplot-nox)
missing=()
for p in "${debian_packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  echo "bench/setup: installing ${missing[*]}"
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  nginx_was_running=0
  if pgrep -x nginx > /dev/null; then nginx_was_running=1; fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  # A service the package just started (where policy-rc.d allows it) is not
  # wanted: the bench runs its own private nginx on a loopback port.
  if ((!nginx_was_running)) && [[ -f /run/nginx.pid ]]; then $sudo nginx -s stop 2> /dev/null || true; fi
fi

# The Node Socket.IO peer, from its lock file.
lock="$here/peers/package-lock.json"
stamp="$here/peers/node_modules/.ferry-lock"
if [[ ! -f "$stamp" ]] || ! cmp -s "$lock" "$stamp"; then
  echo "bench/setup: npm ci in bench/peers"
  (cd "$here/peers" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$lock" "$stamp"
fi
