#!/usr/bin/env bash
# Shared set-up for the README's two commands: installs what is missing (Debian packages, and the npm
# test tools when asked), then configures and builds one CMake preset incrementally.
#   scripts/setup.sh PRESET [--test-tools]
# A second run installs nothing: every step checks first.
set -euo pipefail

preset=${1:?usage: scripts/setup.sh PRESET [--test-tools]}
test_tools=${2:-}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# Everything the build needs, as Debian 12 packages.
packages=(g++ cmake ninja-build pkg-config git curl nlohmann-json3-dev libsodium-dev libsqlite3-dev libcurl4-openssl-dev zlib1g-dev libcpp-httplib-dev libssl-dev openssl doctest-dev libbenchmark-dev
          libsdl2-dev libimgui-dev libstb-dev libgl-dev fonts-dejavu-core libqrencode-dev libcli11-dev libespeak-ng-dev espeak-ng-data libpq-dev)
# The test tools: the survey-core reference (node), a virtual display for the GUI tests, and Debian's
# Chromium for the dashboard's browser test, and PostgreSQL 15 for the suites run against that store
# (tests/postgresql/cluster.sh starts a throwaway cluster), with nginx in front of two replicas.
test_packages=(xvfb xdotool imagemagick libgl1-mesa-dri python3 chromium postgresql-15 nginx)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if [[ $test_tools == --test-tools ]]; then
  for package in "${test_packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$package")
    fi
  done
  command -v node >/dev/null || missing+=(nodejs npm)
fi

if ((${#missing[@]} > 0)); then
  echo "setup: installing ${missing[*]}"
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: these Debian packages are missing and installing them needs root: ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
  # The tests start their own PostgreSQL cluster and nginx on 127.0.0.1; the services these packages start
  # on installation (PostgreSQL's main cluster, nginx's default site on port 80) are not needed.
  for service in postgresql nginx; do
    if [[ " ${missing[*]} " == *" $service"* ]] && [[ -d /run/systemd/system ]]; then
      systemctl disable --now "$service" >/dev/null 2>&1 || true
    fi
  done
fi

# The reference implementation for the differential test and playwright-core for the dashboard's browser
# test (each pinned in its package-lock.json).
if [[ $test_tools == --test-tools ]]; then
  for tools in tests/reference tests/dashboard; do
    stamp=$tools/node_modules/.svarboks-lock-sha256
    want=$(sha256sum "$tools/package-lock.json" | cut -d' ' -f1)
    if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
      echo "setup: installing the npm test tools ($tools)"
      (cd "$tools" && npm ci --no-audit --no-fund --loglevel=error)
      echo "$want" > "$stamp"
    fi
  done
fi

werror=OFF
[[ ${CI:-} == true ]] && werror=ON
if [[ ! -f build/$preset/build.ninja ]]; then
  cmake --preset "$preset" -DSVARBOKS_WERROR=$werror
else
  cmake --preset "$preset" -DSVARBOKS_WERROR=$werror >/dev/null
fi
cmake --build --preset "$preset"
