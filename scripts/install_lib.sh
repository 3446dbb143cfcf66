# Shared by scripts/bootstrap.sh and bench/setup.sh (sourced, not run):
# install only what is missing, with sudo when not root.

# Prints the Debian packages of "$@" that are not installed.
missing_debian_packages() {
  local p
  for p in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      echo "$p"
    fi
  done
}

# apt_install WHO PACKAGE... — installs the packages (extra apt-get flags in APT_FLAGS).
apt_install() {
  local who=$1
  shift
  (($#)) || return 0
  echo "$who: installing $*"
  local sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq ${APT_FLAGS:-} "$@"
}

# npm_ci_once WHO DIR — `npm ci` in DIR unless its lock file is what was installed last.
npm_ci_once() {
  local who=$1 dir=$2
  local lock="$dir/package-lock.json" stamp="$dir/node_modules/.ferry-lock"
  if [[ ! -f "$stamp" ]] || ! cmp -s "$lock" "$stamp"; then
    echo "$who: npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$lock" "$stamp"
  fi
}
