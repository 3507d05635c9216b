#!/usr/bin/env bash
# Builds the Debian packages svarboks-kiosk and svarboks-central from this checkout, checks them with
# lintian, and puts them in build/packages/ (docs/deployment.md).
#   scripts/package.sh [--version V] [--out DIR] [--arch ARCH]
# For this machine's architecture by default; --arch arm64 cross-builds on an amd64 machine (it needs
# `dpkg --add-architecture arm64`, crossbuild-essential-arm64 and the build dependencies for arm64, which
# it installs as root). Installs what the build needs (Debian packages) when run as root. The packaging
# files are in scripts/debian/; they are copied to debian/ in a clean copy of the tracked sources.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
version=$(sed -n 's/^project(svarboks VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
out=$root/build/packages
build_arch=$(dpkg --print-architecture)
arch=$build_arch
while (($# > 0)); do
  case $1 in
    --version) version=${2:?--version needs a value}; shift 2 ;;
    --out) out=$(realpath -m "${2:?--out needs a value}"); shift 2 ;;
    --arch) arch=${2:?--arch needs a value}; shift 2 ;;
    *) echo "usage: scripts/package.sh [--version V] [--out DIR] [--arch ARCH]" >&2; exit 2 ;;
  esac
done
cross=()
if [[ $arch != "$build_arch" ]]; then
  dpkg --print-foreign-architectures | grep -qx "$arch" \
    || { echo "package: run 'dpkg --add-architecture $arch && apt-get update' first to cross-build for $arch" >&2; exit 1; }
  cross=(-a "$arch" -Pcross,nocheck)
fi
[[ $version =~ ^[0-9][0-9A-Za-z.+~]*$ ]] || { echo "package: '$version' is not a Debian version (digits first)" >&2; exit 2; }

tools=(dpkg-dev debhelper lintian fakeroot)
[[ $arch == "$build_arch" ]] || tools+=("crossbuild-essential-$arch")
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
[[ $arch == "$build_arch" ]] || work=$root/build/package-src-$arch
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
host=()
[[ $arch == "$build_arch" ]] || host=(--host-architecture "$arch")
if ! dpkg-checkbuilddeps "${cross[@]:0:2}" >/dev/null 2>&1; then
  [[ $(id -u) -eq 0 ]] || { echo "package: the build dependencies are missing:" >&2; dpkg-checkbuilddeps "${cross[@]:0:2}"; exit 1; }
  DEBIAN_FRONTEND=noninteractive apt-get build-dep -y -q --no-install-recommends "${host[@]}" ./
fi
echo "package: building svarboks $version for $arch (this takes a few minutes)"
DEB_BUILD_OPTIONS="parallel=$(nproc)" dpkg-buildpackage -b -uc -us "${cross[@]}" >"$work/build.log" 2>&1 || {
  tail -15 "$work/build.log" >&2; echo "package: dpkg-buildpackage failed; the log's end is above" >&2; exit 1; }

mkdir -p "$out"
debs=("$work"/svarboks-kiosk_"$version"_"$arch".deb "$work"/svarboks-central_"$version"_"$arch".deb)
cp "${debs[@]}" "$out/"
echo "package: lintian"
lintian --fail-on error,warning --suppress-tags no-manual-page "$out/svarboks-kiosk_${version}_$arch.deb" \
  "$out/svarboks-central_${version}_$arch.deb"
ls -l "$out"/svarboks-*_"${version}"_"$arch".deb
