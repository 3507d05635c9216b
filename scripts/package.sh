#!/usr/bin/env bash
# Builds the Debian packages svarboks-kiosk and svarboks-central for this machine's architecture from
# this checkout, checks them with lintian, and puts them in build/packages/ (docs/deployment.md).
#   scripts/package.sh [--version V] [--out DIR]
# Installs what the build needs (Debian packages) when run as root. The packaging files are in
# scripts/debian/; they are copied to debian/ in a clean copy of the tracked sources.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
version=$(sed -n 's/^project(svarboks VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
out=$root/build/packages
while (($# > 0)); do
  case $1 in
    --version) version=${2:?--version needs a value}; shift 2 ;;
    --out) out=${2:?--out needs a value}; shift 2 ;;
    *) echo "usage: scripts/package.sh [--version V] [--out DIR]" >&2; exit 2 ;;
  esac
done
[[ $version =~ ^[0-9][0-9A-Za-z.+~]*$ ]] || { echo "package: '$version' is not a Debian version (digits first)" >&2; exit 2; }

tools=(dpkg-dev debhelper lintian fakeroot)
missing=()
for package in "${tools[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]} > 0)); then
  [[ $(id -u) -eq 0 ]] || { echo "package: installing ${missing[*]} needs root" >&2; exit 1; }
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# A clean copy of the tracked files as they are in the work tree (uncommitted changes included), always at
# the same path so that a compiler cache (ccache) recognises a second build.
work=$root/build/package-src
rm -rf "$work"
source_dir=$work/svarboks
mkdir -p "$source_dir"
(cd "$root" && git ls-files -z --cached --others --exclude-standard | grep -zv '^scripts/debian/' \
   | xargs -0 tar -c --no-recursion -f - ) | tar -x -C "$source_dir"
cp -r "$root/scripts/debian" "$source_dir/debian"
commit=$(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo unknown)
cat > "$source_dir/debian/changelog" <<CHANGELOG
svarboks ($version) bookworm; urgency=medium

  * Built from commit $commit by scripts/package.sh.

 -- Svarboks developers <svarboks@example.invalid>  $(date -R)
CHANGELOG

cd "$source_dir"
if ! dpkg-checkbuilddeps >/dev/null 2>&1; then
  [[ $(id -u) -eq 0 ]] || { echo "package: the build dependencies are missing:" >&2; dpkg-checkbuilddeps; exit 1; }
  DEBIAN_FRONTEND=noninteractive apt-get build-dep -y -q --no-install-recommends ./
fi
echo "package: building svarboks $version (this takes a few minutes)"
DEB_BUILD_OPTIONS="parallel=$(nproc)" dpkg-buildpackage -b -uc -us >"$work/build.log" 2>&1 || {
  tail -15 "$work/build.log" >&2; echo "package: dpkg-buildpackage failed; the log's end is above" >&2; exit 1; }

mkdir -p "$out"
arch=$(dpkg --print-architecture)
debs=("$work"/svarboks-kiosk_"$version"_"$arch".deb "$work"/svarboks-central_"$version"_"$arch".deb)
cp "${debs[@]}" "$out/"
echo "package: lintian"
lintian --fail-on error,warning --suppress-tags no-manual-page "$out/svarboks-kiosk_${version}_$arch.deb" \
  "$out/svarboks-central_${version}_$arch.deb"
ls -l "$out"/svarboks-*_"${version}"_"$arch".deb
