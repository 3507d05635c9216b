#!/usr/bin/env bash
# The README's main command: builds the kiosk and opens it on the default survey.
# First run: makes a demo config in build/demo (unit "Plejecenter Solhaven (demo)", admin PIN 2468,
# and a throwaway key pair whose secret half is discarded: nobody can open these demo responses).
# With no display, it says so and completes 50 simulated respondents into the outbox instead.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh" release
cd "$root"
svarboks=$root/build/release/client/svarboks
demo=${SVARBOKS_DEMO_DIR:-$root/build/demo}
config=$demo/kiosk.json

if [[ ! -f $config ]]; then
  mkdir -p "$demo"
  key=$(head -c 32 /dev/urandom | base64)
  "$svarboks" config init --config "$config" --unit "Plejecenter Solhaven (demo)" --public-key "$key" >/dev/null
  echo 2468 | "$svarboks" config set-pin --config "$config" >/dev/null
  echo "demo: made $config (admin PIN 2468: hold the top-left corner for 3 seconds)"
fi

if [[ -n ${DISPLAY:-} ]] && command -v xdpyinfo >/dev/null 2>&1 && ! xdpyinfo >/dev/null 2>&1; then
  unset DISPLAY
fi
if [[ -z ${DISPLAY:-} && -z ${WAYLAND_DISPLAY:-} ]]; then
  echo "demo: no display here, so no kiosk window; simulating 50 respondents through the kiosk's model instead"
  "$svarboks" simulate 50 --config "$config"
  exit 0
fi
echo "demo: opening the kiosk (windowed 1280x800; Esc or the admin screen's Quit closes it)"
exec "$svarboks" --config "$config" --windowed 1280x800
