#!/usr/bin/env bash
# End to end over real TLS on 127.0.0.1: a central endpoint (init, unit, publish), a kiosk enrolled with a
# one-time code, 40 simulated respondents synced, then the central store must hold exactly those 40 ids
# (nothing lost, nothing doubled: check-ids), and once a round of this week is released (early: figures and
# exports exist only for released rounds) its report must count 40 and its export have 40 rows with no id
# or device; a second sync must be a no-op, and a revoked kiosk must get 401.
#   tests/e2e/kiosk_to_central.sh BUILD_DIR
set -euo pipefail
build=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
svarboks=$build/client/svarboks
central=$build/sync/central/svarboks-central
work=$(mktemp -d /tmp/svarboks-e2e-XXXXXX)
server=
cleanup() {
  [[ -n $server ]] && kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "kiosk_to_central: $*" >&2; exit 1; }

"$central" init --data "$work/central" --host 127.0.0.1 >/dev/null
"$central" units add solhaven --name "Solhaven" --data "$work/central" >/dev/null
"$central" survey publish "$root/assets/surveys/digital-kompetence.json" --all --data "$work/central" >/dev/null
source "$root/tests/e2e/central.sh"
start_central "$work/central" "$work/central.log"

config=$work/kiosk/kiosk.json
"$svarboks" config init --config "$config" --unit "Solhaven" >/dev/null
code=$("$central" enroll --unit solhaven --data "$work/central" | awk 'NR==3 {print $1}')
"$svarboks" enroll "$code" --endpoint "https://127.0.0.1:$port" --ca "$work/central/tls/cert.pem" --config "$config" >/dev/null
# A used code is refused.
if "$svarboks" enroll "$code" --endpoint "https://127.0.0.1:$port" --ca "$work/central/tls/cert.pem" --config "$work/other.json" >/dev/null 2>&1; then
  fail "a used enrolment code was accepted"
fi

# The kiosk is enrolled, so simulate needs to be told that its fake answers are meant for this (test) endpoint.
"$svarboks" simulate 40 --seed 11 --config "$config" --print-ids --into-production-outbox | awk '/^committed/ {print $2}' | sort >"$work/kiosk-ids"
"$svarboks" sync --config "$config" >/dev/null || fail "sync failed: $("$svarboks" status --config "$config")"
[[ $(wc -l <"$work/kiosk-ids") -eq 40 ]] || fail "the kiosk committed $(wc -l <"$work/kiosk-ids") responses, expected 40"
# Which ids are stored (ids only: record-level data leaves the store k-anonymous, without ids).
checked=$("$central" check-ids "$work/kiosk-ids" --json --data "$work/central") || fail "not every committed id is stored: $checked"
python3 -c 'import json,sys; c = json.loads(sys.argv[1]); sys.exit(0 if (c["stored"], c["total"], c["missing"]) == (40, 40, []) else 1)' \
  "$checked" || fail "the central store does not hold exactly the kiosk's 40 ids: $checked"

# Figures and exports exist only for released rounds: a round of this week, released now (--early).
week=$(date +%G-W%V)
"$central" rounds add e2e --from "$week" --to "$week" --data "$work/central" >/dev/null
"$central" rounds release e2e --early --data "$work/central" >/dev/null
respondents=$("$central" report --round e2e --format json --data "$work/central" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["rows"][0]["respondents"])')
[[ $respondents == 40 ]] || fail "the released round's report counts $respondents respondents, expected 40"
"$central" export --format jsonl --round e2e --data "$work/central" >"$work/export.jsonl"
[[ $(wc -l <"$work/export.jsonl") -eq 40 ]] || fail "the round's export has $(wc -l <"$work/export.jsonl") rows, expected 40"
grep -q '"device' "$work/export.jsonl" && fail "an exported response carries a device field"
grep -q '"id"' "$work/export.jsonl" && fail "an exported response carries its id"
"$svarboks" sync --config "$config" >/dev/null || fail "a second sync with nothing to send failed"

device=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["device_id"])' "$config")
"$central" devices revoke "$device" --data "$work/central" >/dev/null
"$svarboks" simulate 1 --config "$config" --into-production-outbox >/dev/null
if "$svarboks" sync --config "$config" >"$work/revoked.txt" 2>&1; then fail "a revoked kiosk could sync"; fi
grep -q "401" <("$svarboks" status --config "$config") || fail "status does not report the 401: $(cat "$work/revoked.txt")"
echo "kiosk_to_central: 40 responses enrolled, synced and stored exactly once, counted in the released round; the revoked kiosk got 401"
