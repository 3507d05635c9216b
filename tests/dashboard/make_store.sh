#!/usr/bin/env bash
# A central store with real data, made with the real binaries, for the dashboard's browser test (and for
# looking at the dashboard by hand): units in two groups and one without, the default survey, one kiosk
# per unit enrolled over TLS, simulated respondents synced, and a reporting round over their weeks
# (the half year of the latest one) released early. The sizes are chosen so that the report has to hide
# figures: vest has fewer than 5 respondents, and nord would then give vest's count away by subtraction
# from their group's total (secondary suppression). After the release a few more arrive (late for the
# round): 6 from solhoj and 2 from vest, which no page may show.
#   tests/dashboard/make_store.sh BUILD_DIR DATA_DIR
# Leaves no server running. Prints nothing but errors.
set -euo pipefail
build=$1
data=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
svarboks=$build/client/svarboks
central=$build/sync/central/svarboks-central
work=$(mktemp -d /tmp/svarboks-dashboard-store-XXXXXX)
server=
cleanup() {
  [[ -n $server ]] && kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "make_store: $*" >&2; exit 1; }

"$central" init --data "$data" --host 127.0.0.1 >/dev/null
# id|name|group|respondents
units=(
  "solhoj|Plejecenter Solhøj|Plejecentre|23"
  "egely|Plejecenter Egely|Plejecentre|12"
  "nord|Hjemmepleje Nord|Hjemmeplejen|9"
  "vest|Hjemmepleje Vest|Hjemmeplejen|3"
  "skovvang|Skovvang Skole||7"
)
for entry in "${units[@]}"; do
  IFS='|' read -r id name group _ <<<"$entry"
  if [[ -n $group ]]; then
    "$central" units add "$id" --name "$name" --group "$group" --data "$data" >/dev/null
  else
    "$central" units add "$id" --name "$name" --data "$data" >/dev/null
  fi
done
"$central" survey publish "$root/assets/surveys/digital-kompetence.json" --all --data "$data" >/dev/null 2>&1

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
"$central" serve --data "$data" --listen "127.0.0.1:$port" >"$work/central.log" 2>&1 &
server=$!
for _ in $(seq 100); do
  curl -sf --cacert "$data/tls/cert.pem" "https://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || fail "the server did not start: $(cat "$work/central.log")"
  sleep 0.1
done

seed=100
for entry in "${units[@]}"; do
  IFS='|' read -r id name _ count <<<"$entry"
  config=$work/$id/kiosk.json
  "$svarboks" config init --config "$config" --unit "$name" >/dev/null
  code=$("$central" enroll --unit "$id" --data "$data" | awk 'NR==3 {print $1}')
  "$svarboks" enroll "$code" --endpoint "https://127.0.0.1:$port" --ca "$data/tls/cert.pem" --config "$config" >/dev/null
  seed=$((seed + 1))
  # (It warns, rightly, that these answers go to a real endpoint: here that is the point.)
  "$svarboks" simulate "$count" --seed "$seed" --config "$config" --into-production-outbox >/dev/null 2>"$work/simulate.err" ||
    fail "simulate for $id failed: $(cat "$work/simulate.err")"
  "$svarboks" sync --config "$config" >/dev/null || fail "sync of $id failed: $("$svarboks" status --config "$config")"
done

# The round: the half year of the latest week with responses (widened to the first one, should the
# simulated answers straddle the half-year), released early since its last week has not ended.
read -r round from to < <(python3 - "$data/central.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
weeks = [w for (w,) in db.execute("SELECT DISTINCT period FROM responses ORDER BY period")]
if not weeks:
    sys.exit("make_store: no responses were stored")
year, week = weeks[-1].split("-W")
first_half = int(week) <= 26
start = f"{year}-W01" if first_half else f"{year}-W27"
end = f"{year}-W26" if first_half else f"{year}-W52"
print(f"{year}-h{1 if first_half else 2}", min(weeks[0], start), max(weeks[-1], end))
PY
)
[[ -n ${round:-} ]] || fail "no round could be made from the stored weeks"
"$central" rounds add "$round" --from "$from" --to "$to" --data "$data" >/dev/null
"$central" rounds release "$round" --early --data "$data" >/dev/null

# Late for the round: stored, never in it, and shown nowhere.
late=(solhoj:6 vest:2)
for entry in "${late[@]}"; do
  id=${entry%%:*}
  count=${entry##*:}
  seed=$((seed + 1))
  "$svarboks" simulate "$count" --seed "$seed" --config "$work/$id/kiosk.json" --into-production-outbox >/dev/null 2>"$work/simulate.err" ||
    fail "simulate for $id failed: $(cat "$work/simulate.err")"
  "$svarboks" sync --config "$work/$id/kiosk.json" >/dev/null || fail "late sync of $id failed: $("$svarboks" status --config "$work/$id/kiosk.json")"
done

# Two items that cannot be opened (sealed to another key), imported from the last kiosk's export file:
# the dead letters the dashboard lists with their reasons.
python3 - "$work/$id/kiosk.json" "$work/bad-export.jsonl" <<'PY'
import base64, json, os, sys, uuid
device = json.load(open(sys.argv[1]))["device_id"]
items = [{"id": str(uuid.uuid4()), "sealed": base64.b64encode(os.urandom(160)).decode(), "state": "quarantined"} for _ in range(2)]
with open(sys.argv[2], "w") as out:
    out.write(json.dumps({"format": "svarboks-outbox-export", "version": 1, "count": len(items), "device_id": device}) + "\n")
    for item in items:
        out.write(json.dumps(item) + "\n")
PY
"$central" import "$work/bad-export.jsonl" --data "$data" >/dev/null
