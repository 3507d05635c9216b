#!/usr/bin/env bash
# The dashboard in headless Chromium, end to end with the real binaries (ctest: dashboard_browser):
# a store made by make_store.sh (with a released round), the figures it must show computed by expected.py,
# an account of each role with a generated password (anna administers, ali is an analyst, lea leads the
# group Hjemmeplejen), `svarboks-central serve` on a free port of 127.0.0.1, then dashboard_test.js,
# admin_test.js (the Administration area, with the kiosk binary), admin_surveys_test.js (survey
# administration, with a kiosk binary enrolled to unit vest) and admin_accounts_test.js (accounts). The
# server is stopped on every way out.
#   tests/dashboard/run.sh BUILD_DIR [SCREENSHOT_DIR]
# SCREENSHOT_DIR defaults to BUILD_DIR/screenshots; `tests/dashboard/run.sh build/dev docs/screenshots`
# refreshes the committed ones. Needs tests/dashboard/node_modules (scripts/setup.sh PRESET --test-tools).
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
shots=${2:-$build/screenshots}
central=$build/sync/central/svarboks-central
work=$(mktemp -d /tmp/svarboks-dashboard-XXXXXX)
server=
cleanup() {
  if [[ -n $server ]]; then
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "dashboard_browser: $*" >&2; exit 1; }

[[ -d $here/node_modules/playwright-core ]] || fail "playwright-core is not installed: run scripts/setup.sh PRESET --test-tools (npm ci in tests/dashboard)"
[[ -x /usr/bin/chromium ]] || fail "Debian's chromium is not installed: run scripts/setup.sh PRESET --test-tools"

"$here/make_store.sh" "$build" "$work/central"
python3 "$here/expected.py" "$work/central" "$root/assets/surveys/digital-kompetence.json" "$work/expected.json"
# users add NAME [OPTIONS]: prints the generated password (stdin is no terminal, so one is generated).
add_user() {
  local name=$1 password
  shift
  password=$("$central" users add "$name" "$@" --data "$work/central" </dev/null | awk '/^    [a-z0-9]+-[a-z0-9]+-/ {print $1}')
  [[ -n $password ]] || fail "users add $name printed no generated password"
  echo "$password"
}
leader_group=Hjemmeplejen
admin_password=$(add_user anna)
analyst_password=$(add_user ali --role analyst)
leader_password=$(add_user lea --role unit-leader --group "$leader_group")
cat >"$work/users.json" <<JSON
{"administrator": {"name": "anna", "password": "$admin_password"},
 "analyst": {"name": "ali", "password": "$analyst_password"},
 "unit_leader": {"name": "lea", "password": "$leader_password", "group": "$leader_group"}}
JSON

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
"$central" serve --data "$work/central" --listen "127.0.0.1:$port" >"$work/central.log" 2>&1 &
server=$!
for _ in $(seq 100); do
  curl -sf --cacert "$work/central/tls/cert.pem" "https://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || fail "the server did not start: $(cat "$work/central.log")"
  sleep 0.1
done

mkdir -p "$shots"
if ! node "$here/dashboard_test.js" "https://127.0.0.1:$port" "$work/users.json" "$work/expected.json" "$shots" "$build/dashboard-artifacts"; then
  echo "--- server log ---" >&2
  tail -n 40 "$work/central.log" >&2
  exit 1
fi
# The Administration area with a real kiosk binary (admin_test.js): a unit, a code and its sheet, the kiosk
# enrolled with that code, revoked, and its next sync refused.
if ! node "$here/admin_test.js" "https://127.0.0.1:$port" "$work/users.json" "$shots" "$work/admin" "$build/client/svarboks" \
  "$work/central/tls/cert.pem"; then
  echo "--- server log ---" >&2
  tail -n 40 "$work/central.log" >&2
  exit 1
fi
# Survey administration (admin_surveys_test.js) with a real kiosk enrolled to unit vest, which has the survey
# published to every unit until the test publishes its own to vest alone.
kiosk=$build/client/svarboks
[[ -x $kiosk ]] || fail "the kiosk binary $kiosk is not built"
export SVARBOKS_DEFAULTS=$work/no-defaults.json  # IT's defaults must not come from this machine's /etc
kiosk_config=$work/kiosk/kiosk.json
"$kiosk" config init --config "$kiosk_config" --unit "Hjemmepleje Vest" >/dev/null
kiosk_code=$("$central" enroll --unit vest --data "$work/central" | awk 'NR==3 {print $1}')
"$kiosk" enroll "$kiosk_code" --endpoint "https://127.0.0.1:$port" --ca "$work/central/tls/cert.pem" --config "$kiosk_config" >"$work/enroll.log" 2>&1 ||
  fail "enrolling the kiosk failed: $(cat "$work/enroll.log")"
if ! node "$here/admin_surveys_test.js" "https://127.0.0.1:$port" "$work/users.json" "$shots" "$work" "$kiosk" "$kiosk_config" vest; then
  echo "--- server log ---" >&2
  tail -n 40 "$work/central.log" >&2
  exit 1
fi
# Accounts (admin_accounts_test.js): added with a one-time password, the first sign-in, disable, enable,
# reset, unlock, role, remove; 403 for the analyst and the unit leader.
if ! node "$here/admin_accounts_test.js" "https://127.0.0.1:$port" "$work/users.json" "$shots"; then
  echo "--- server log ---" >&2
  tail -n 40 "$work/central.log" >&2
  exit 1
fi
# 64 colours are plenty for these pages and keep the committed screenshots small.
if command -v convert >/dev/null; then
  for shot in "$shots"/dashboard-*.png "$shots"/admin-*.png; do convert "$shot" -dither None -colors 64 "PNG8:$shot"; done
fi
# The access log never holds a password, a session token, a unit id or round from a query, or an address.
secrets=(-e "$admin_password" -e "$analyst_password" -e "$leader_password" -e "__Host" -e "solhoj" -e "round=" -e "127.0.0.1\"")
if grep -q "${secrets[@]}" "$work/central.log"; then
  fail "the access log holds a password, cookie, query value or address: $(grep "${secrets[@]}" "$work/central.log" | head -3)"
fi
