#!/usr/bin/env bash
# Keeps the bootstrap honest: fails, naming the Debian package, when a build
# read a file that the README's two commands would not install on a fresh
# machine. Run by .ci/run after the build; a package installed by hand hides
# exactly this kind of bug, so CI checks what the compiler really read.
#
#   scripts/check-deps.sh [BUILD_DIR ...]     (default: build, and build-asan if it exists)
#
# What it maps to packages (dpkg -S):
#   - every system header the compiler read  (ninja -t deps: the depfiles Ninja keeps)
#   - every CMake file the configure step read (the inputs of build.ninja's re-run rule,
#     e.g. find_package's boost_json-config.cmake)
#   - every library given to the linker by path (the LINK_LIBRARIES of build.ninja)
#   - every shared library the binaries load (ldd)
# A package is allowed when the bootstrap lists it (scripts/bootstrap.sh --list,
# bench/setup.sh --list), when a listed package depends on it (Depends and
# Pre-Depends, recursively), or when it is base system: priority required or
# important, or the build-essential set. A file no package owns is an error too
# (something was installed by hand under /usr).
# Then the npm side: scripts/check-npm-deps.mjs.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
if (($#)); then build_dirs=("$@"); else
  build_dirs=(build)
  [[ -d build-asan ]] && build_dirs+=(build-asan)
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# --- the allowed packages -------------------------------------------------------------
{ scripts/bootstrap.sh --list; bench/setup.sh --list; } | grep -v '^#' > "$work/listed"
# build-essential's own Depends, whether or not build-essential itself is installed.
printf '%s\n' build-essential libc6-dev gcc g++ make dpkg-dev >> "$work/listed"

# One line per installed package: name, priority, its dependencies, what it provides.
dpkg-query -W -f='${db:Status-Abbrev}\t${Package}\t${Priority}\t${Depends}, ${Pre-Depends}\t${Provides}\n' \
  | awk -F'\t' '$1 ~ /^ii/' > "$work/installed"

# Closure over Depends/Pre-Depends (every installed alternative, virtual packages through
# their installed providers), from the listed packages and the base system.
awk -F'\t' '
  function clean(s) { gsub(/\([^)]*\)/, "", s); gsub(/:[a-z0-9]+/, "", s); gsub(/[ \t]/, "", s); return s }
  FNR == NR { listed[$1] = 1; next }
  {
    name = $2; installed[name] = 1; deps[name] = $4
    if ($3 == "required" || $3 == "important") listed[name] = 1
    n = split($5, provided, ",")
    for (i = 1; i <= n; i++) { p = clean(provided[i]); if (p != "") providers[p] = providers[p] " " name }
  }
  END {
    for (p in listed) if (p in installed) queue[++tail] = p
    for (p in listed) if (!(p in installed) && p in providers) {
      m = split(providers[p], ps, " "); for (j = 1; j <= m; j++) queue[++tail] = ps[j]
    }
    head = 1
    while (head <= tail) {
      p = queue[head++]
      if (p in allowed) continue
      allowed[p] = 1; print p
      n = split(deps[p], groups, ",")
      for (i = 1; i <= n; i++) {
        k = split(groups[i], alts, "|")
        for (a = 1; a <= k; a++) {
          d = clean(alts[a]); if (d == "") continue
          if (d in installed) queue[++tail] = d
          else if (d in providers) { m = split(providers[d], ps, " "); for (j = 1; j <= m; j++) queue[++tail] = ps[j] }
        }
      }
    }
  }' "$work/listed" "$work/installed" | sort -u > "$work/allowed"

# --- the files the builds used ------------------------------------------------------
# Lines of "<file>\t<how it was used>", without the build's own sources and outputs.
for dir in "${build_dirs[@]}"; do
  [[ -f "$dir/build.ninja" ]] || { echo "check-deps: $dir/build.ninja not found: build first" >&2; exit 2; }
  source_dir=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$dir/CMakeCache.txt")
  build_abs=$(cd "$dir" && pwd)
  {
    ninja -C "$dir" -t deps | awk -v d="$dir" '/^[ \t]+\// { sub(/^[ \t]+/, ""); print $0 "\theader read by the compiler (" d ")" }'
    # The configure step's inputs: the line after `build build.ninja ...: RERUN_CMAKE ... |`.
    awk -v d="$dir" '
      /^build build\.ninja.*RERUN_CMAKE/ { grab = 1 }
      grab { gsub(/\$ /, "\001"); n = split($0, w, " ")
             for (i = 1; i <= n; i++) if (w[i] ~ /^\//) { gsub("\001", " ", w[i]); print w[i] "\tCMake file read by configure (" d ")" }
             if ($0 !~ /\$$/) grab = 0 }' "$dir/build.ninja"
    awk -v d="$dir" '/^ *LINK_LIBRARIES = / { n = split($0, w, " ")
             for (i = 3; i <= n; i++) if (w[i] ~ /^\//) print w[i] "\tlibrary linked by path (" d ")" }' "$dir/build.ninja"
    while IFS= read -r -d '' bin; do
      [[ "$(head -c 4 "$bin" | od -An -c | tr -d ' ')" == '177ELF' ]] || continue
      ldd "$bin" 2> /dev/null | awk -v b="$bin" '
        / => \// { print $3 "\tshared library loaded by " b }
        /^[ \t]+\/[^ ]+ \(0x/ { print $1 "\tshared library loaded by " b }'
    done < <(find "$dir" -type f -perm -u+x -print0)
  } | awk -F'\t' -v src="$source_dir/" -v out="$build_abs/" 'index($1, src) != 1 && index($1, out) != 1'
done | awk -F'\t' '!seen[$1]++' > "$work/used"

# Paths as dpkg records them: without "..", and resolved, for the /lib and /usr/lib
# that Debian 12 merges with symlinks.
cut -f1 "$work/used" | xargs -r -d '\n' realpath -m -s > "$work/clean"
cut -f1 "$work/used" | xargs -r -d '\n' realpath -m > "$work/real"
paste "$work/clean" "$work/real" <(cut -f2 "$work/used") > "$work/paths"

cut -f1 "$work/paths" | sort -u > "$work/q1"
xargs -r dpkg -S < "$work/q1" 2> /dev/null | sed 's/:[a-z0-9]*\(, \|: \)/\1/g' > "$work/owners" || true
# For what dpkg did not find as written: the resolved path, and its /usr-merged twin.
owned() { awk -F': ' '{ print $2 }' "$work/owners" | sort -u; }
awk -F'\t' 'NR == FNR { have[$1] = 1; next } !($1 in have) { print $2; p = $2
  if (p ~ /^\/usr\/lib\//) { sub(/^\/usr/, "", p); print p } else if (p ~ /^\/lib/) print "/usr" p }' \
  <(owned) "$work/paths" | sort -u > "$work/q2"
xargs -r dpkg -S < "$work/q2" 2> /dev/null | sed 's/:[a-z0-9]*\(, \|: \)/\1/g' >> "$work/owners" || true

# --- the verdict ----------------------------------------------------------------------
awk -F'\t' '
  FILENAME == ARGV[1] { allowed[$1] = 1; next }
  FILENAME == ARGV[2] { split($0, kv, ": "); owner[kv[2]] = kv[1]; next }
  {
    clean = $1; real = $2; how = $3; twin = real
    if (twin ~ /^\/usr\/lib\//) sub(/^\/usr/, "", twin); else if (twin ~ /^\/lib/) twin = "/usr" twin
    pk = (clean in owner) ? owner[clean] : (real in owner) ? owner[real] : (twin in owner) ? owner[twin] : ""
    if (pk == "") { print "  " clean ": no Debian package owns it (" how "): installed by hand?"; bad++; next }
    n = split(pk, ps, ", "); ok = 0
    for (i = 1; i <= n; i++) if (ps[i] in allowed) ok = 1
    if (!ok && !(pk in reported)) {
      reported[pk] = 1; bad++
      print "  " pk ": not installed by the bootstrap, yet " clean " is a " how
    }
  }
  END { exit bad > 0 }' "$work/allowed" "$work/owners" "$work/paths" > "$work/verdict" && status=0 || status=1

files=$(wc -l < "$work/paths")
if ((status)); then
  echo "check-deps: FAILED. Add these Debian packages to scripts/bootstrap.sh (or bench/setup.sh):"
  cat "$work/verdict"
else
  echo "check-deps: the ${files} system files the build used (${build_dirs[*]}) all come from packages the bootstrap installs"
fi

node scripts/check-npm-deps.mjs || status=1
exit "$status"
