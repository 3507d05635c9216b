#!/usr/bin/env bash
# End to end over real TLS on 127.0.0.1 with the real svarboks-central: enrolment brings the unit's survey
# before anyone can answer (issue 15).
# - The central publishes the pulse survey (not the kiosk's bundled default) for unit solhoj. A kiosk made
#   with `config init` (which names the bundled survey) enrols: `svarboks enroll` fetches pulse, its first
#   answers are pulse answers, and every one is accepted: none in quarantine.
# - Unit nord has no survey yet: enrolling says so (exit 1), and nobody can answer on that kiosk; once the
#   central publishes one, a sync fetches it and answers are accepted.
# - The old failure, reproduced: a kiosk that took answers on the bundled survey before it was enrolled gets
#   them rejected into quarantine; once the central team publishes that survey for the unit,
#   `svarboks outbox retry-quarantined` and a sync deliver them, and the central stores every one.
#   tests/e2e/enrol_survey.sh BUILD_DIR
set -euo pipefail
build=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
svarboks=$build/client/svarboks
central=$build/sync/central/svarboks-central
work=$(mktemp -d /tmp/svarboks-e2e-enrol-XXXXXX)
server=
cleanup() {
  [[ -n $server ]] && kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "enrol_survey: $*" >&2; exit 1; }
data=$work/central
# IT's defaults must not come from this machine's /etc.
export SVARBOKS_DEFAULTS=$work/no-defaults.json

"$central" init --data "$data" --host 127.0.0.1 >/dev/null
"$central" units add solhoj --name "Plejecenter Solhøj" --data "$data" >/dev/null
"$central" units add nord --name "Hjemmeplejen Nord" --data "$data" >/dev/null
"$central" survey publish "$root/assets/surveys/pulse.json" --unit solhoj --data "$data" >/dev/null
source "$root/tests/e2e/central.sh"
start_central "$data" "$work/central.log"
endpoint=https://127.0.0.1:$port
code() { "$central" enroll --unit "$1" --data "$data" | awk 'NR==3 {print $1}'; }
outbox_counts() {  # pending quarantined held
  "$svarboks" status --json --config "$1" | python3 -c 'import json,sys; d = json.load(sys.stdin); print(d["pending"], d["quarantined"], d["held"])'
}
stored() {  # how many of the ids in FILE the central store holds
  "$central" check-ids "$1" --json --data "$data" | python3 -c 'import json,sys; print(json.load(sys.stdin)["stored"])' || true
}

# 1. Enrolled with the unit's survey: the first answers are accepted.
config=$work/solhoj/kiosk.json
"$svarboks" config init --config "$config" --unit "Solhøj" >/dev/null
out=$("$svarboks" enroll "$(code solhoj)" --endpoint "$endpoint" --ca "$data/tls/cert.pem" --config "$config") ||
  fail "enrolling at solhoj failed: $out"
grep -q "The unit's survey is on the kiosk: pulse " <<<"$out" || fail "enrol did not fetch the unit's survey: $out"
"$svarboks" simulate 12 --seed 5 --config "$config" --into-production-outbox --print-ids | awk '/^committed/ {print $2}' >"$work/solhoj-ids"
"$svarboks" sync --config "$config" >/dev/null || fail "sync failed: $("$svarboks" status --config "$config")"
[[ $(outbox_counts "$config") == "0 0 0" ]] || fail "after the first sync the outbox holds (pending quarantined held) $(outbox_counts "$config")"
[[ $(stored "$work/solhoj-ids") == 12 ]] || fail "the central stores $(stored "$work/solhoj-ids") of the kiosk's 12 first answers"
surveys=$(python3 -c 'import sqlite3,sys; print(",".join(r[0] for r in sqlite3.connect(sys.argv[1]).execute("SELECT DISTINCT survey_id FROM responses")))' \
  "$data/central.db")
[[ $surveys == pulse ]] || fail "the first answers are on survey '$surveys', expected pulse"

# 2. No survey for the unit yet: enrolled, not ready; nobody can answer until the central publishes one.
config=$work/nord/kiosk.json
if out=$("$svarboks" enroll "$(code nord)" --endpoint "$endpoint" --ca "$data/tls/cert.pem" --config "$config" 2>&1); then
  fail "enrol reported success for a unit with no survey: $out"
fi
grep -q "not ready" <<<"$out" || fail "enrol without a survey did not say the kiosk is not ready: $out"
if "$svarboks" simulate 1 --config "$config" --into-production-outbox >/dev/null 2>&1; then
  fail "a kiosk without its unit's survey took an answer"
fi
"$central" survey publish "$root/assets/surveys/pulse.json" --unit nord --data "$data" >/dev/null
"$svarboks" sync --config "$config" >/dev/null || fail "the sync that fetches the survey failed"
"$svarboks" simulate 3 --seed 6 --config "$config" --into-production-outbox --print-ids | awk '/^committed/ {print $2}' >"$work/nord-ids"
"$svarboks" sync --config "$config" >/dev/null || fail "nord's sync failed: $("$svarboks" status --config "$config")"
[[ $(stored "$work/nord-ids") == 3 ]] || fail "the central stores $(stored "$work/nord-ids") of nord's 3 answers"

# 3. Answers taken on the bundled survey before enrolling are rejected into quarantine; sent again after the fix.
config=$work/early/kiosk.json
"$svarboks" config init --config "$config" --public-key "$(cat "$data/public.key")" >/dev/null
"$svarboks" simulate 4 --seed 7 --config "$config" --print-ids | awk '/^committed/ {print $2}' >"$work/early-ids"
"$svarboks" enroll "$(code solhoj)" --endpoint "$endpoint" --ca "$data/tls/cert.pem" --config "$config" >/dev/null ||
  fail "enrolling the early kiosk failed"
if "$svarboks" sync --config "$config" >/dev/null 2>&1; then fail "answers to a survey the unit does not have were accepted"; fi
[[ $(outbox_counts "$config") == "0 4 0" ]] || fail "expected the 4 early answers in quarantine, the outbox holds $(outbox_counts "$config")"
"$svarboks" status --config "$config" | grep -q "is not published" || fail "status does not show why they were rejected"
# The central team's fix: the bundled survey published for the unit too.
"$central" survey publish "$root/assets/surveys/digital-kompetence.json" --unit solhoj --data "$data" >/dev/null
"$svarboks" outbox retry-quarantined --config "$config" | grep -q "^svarboks outbox: 4 responses were moved" ||
  fail "retry-quarantined did not move the 4 answers"
"$svarboks" sync --config "$config" >/dev/null || fail "the answers sent again were not accepted: $("$svarboks" status --config "$config")"
[[ $(outbox_counts "$config") == "0 0 0" ]] || fail "after sending again the outbox holds $(outbox_counts "$config")"
[[ $(stored "$work/early-ids") == 4 ]] || fail "the central stores $(stored "$work/early-ids") of the 4 answers sent again"
echo "enrol_survey: enrolment fetched the unit's survey (12 first answers accepted, none in quarantine); a unit without one" \
     "took no answer until it was published; 4 quarantined answers sent again after the fix were accepted"
