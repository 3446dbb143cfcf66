#!/usr/bin/env bash
# The library as a user gets it: installs a build tree into a scratch prefix
# (cmake --install), then configures, builds and runs tests/install/consumer
# against that prefix alone (find_package(ferry)). Fails when a header, a
# library, a dependency or the exported package is missing, or when the
# installed files still point into this source tree. Run by .ci/run.
#
#   scripts/check-install.sh [BUILD_DIR]     (default: build, already built)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
build="${1:-build}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" > "$work/install.log"
# (The archives keep source paths in their debug info; the package files must not.)
if grep -rlF "$root" "$work/prefix/lib/cmake" "$work/prefix/include" > "$work/leaks"; then
  echo "check-install: installed files refer to the source tree $root:" >&2
  cat "$work/leaks" >&2
  exit 1
fi
cmake -S tests/install/consumer -B "$work/consumer" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_PREFIX_PATH="$work/prefix" > "$work/configure.log" \
  || { cat "$work/configure.log" >&2; exit 1; }
cmake --build "$work/consumer" > "$work/build.log" || { cat "$work/build.log" >&2; exit 1; }
timeout 30 "$work/consumer/consumer"
echo "check-install: find_package(ferry) from an installed tree works"
