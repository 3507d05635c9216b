#!/usr/bin/env bash
# The arm64 kiosk package, tested on an amd64 machine: its binary runs under qemu-user against this build's
# central endpoint, enrols with a code, takes 20 simulated answers and sends them; every id must be stored.
#   scripts/package.sh --arch arm64 --out build/packages-arm64   # first (a cross build, about 20 min)
#   tests/packaging/arm64_qemu.sh [BUILD_DIR] [DEBS_DIR]
# Needs qemu-user-static and the arm64 run-time libraries (`dpkg --add-architecture arm64`; the cross
# build's dependencies bring them). Not in CI: the cross build alone takes longer than the suite's budget.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build/asan-ubsan}
debs=${2:-$root/build/packages-arm64}
central=$build/sync/central/svarboks-central
work=$(mktemp -d)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
fail() { echo "arm64_qemu: $*" >&2; exit 1; }
command -v qemu-aarch64-static >/dev/null || fail "qemu-aarch64-static is missing (apt install qemu-user-static)"
deb=$(ls "$debs"/svarboks-kiosk_*_arm64.deb 2>/dev/null | head -1)
[[ -n $deb ]] || fail "no svarboks-kiosk_*_arm64.deb in $debs (scripts/package.sh --arch arm64 --out $debs)"
dpkg-deb -x "$deb" "$work/root"
kiosk() { qemu-aarch64-static -L /usr/aarch64-linux-gnu "$work/root/usr/bin/svarboks" "$@"; }
export SVARBOKS_ASSETS=$work/root/usr/share/svarboks SVARBOKS_DEFAULTS=$work/none.json ASAN_OPTIONS=detect_leaks=0

"$central" init --data "$work/central" --host 127.0.0.1 >/dev/null
"$central" units add solhoj --name "Plejecenter Solhøj" --data "$work/central" >/dev/null
"$central" survey publish "$SVARBOKS_ASSETS/surveys/digital-kompetence.json" --all --data "$work/central" >/dev/null
code=$("$central" enroll --unit solhoj --data "$work/central" | awk '/^Enrolment code/ {getline; getline; print $1; exit}')
"$central" serve --data "$work/central" --listen 127.0.0.1:0 >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 200); do grep -q listening "$work/serve.log" && break; sleep 0.1; done
port=$(sed -n 's/.*"address":"127\.0\.0\.1:\([0-9]*\)".*/\1/p' "$work/serve.log" | head -1)
[[ -n $port ]] || fail "the central endpoint did not start: $(cat "$work/serve.log")"

kiosk enroll "$code" --endpoint "https://127.0.0.1:$port" --ca "$work/central/tls/cert.pem" --config "$work/kiosk/kiosk.json"
kiosk simulate 20 --config "$work/kiosk/kiosk.json" --into-production-outbox --print-ids 2>/dev/null \
  | awk '/^committed/ {print $2}' >"$work/ids.txt"
kiosk sync --config "$work/kiosk/kiosk.json"
kiosk doctor --config "$work/kiosk/kiosk.json" || true
"$central" check-ids "$work/ids.txt" --data "$work/central"
echo "arm64_qemu: $(wc -l <"$work/ids.txt") answers made and sent by the arm64 kiosk binary, all stored"
