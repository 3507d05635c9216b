#!/usr/bin/env bash
# The README's main command: a local central endpoint and a kiosk enrolled to it.
# First run (kept in build/demo, reused later): the central data dir with a self-signed certificate for
# 127.0.0.1, a demo unit, the default survey published; a kiosk config enrolled with a one-time code
# (admin PIN 246813); a dashboard user "demo" with a generated password (kept in build/demo/dashboard-password,
# mode 0600, so that every run can print it). Then it serves on https://127.0.0.1:8443 (the kiosk API and
# the dashboard) and opens the kiosk; with no display it says so, completes 50 simulated respondents, syncs
# them, releases a reporting round of this week early if this week has none yet (on the first run: figures
# exist only for released rounds), prints the central count and the report, and keeps the dashboard up
# until Ctrl-C (or exits at once when no terminal is attached). Ctrl-C stops everything.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh" release
cd "$root"
bin=$root/build/release
svarboks=$bin/client/svarboks
central_bin=$bin/sync/central/svarboks-central
demo=${SVARBOKS_DEMO_DIR:-$root/build/demo}
central=$demo/central
config=$demo/kiosk/kiosk.json
port=${SVARBOKS_DEMO_PORT:-8443}
endpoint=https://127.0.0.1:$port

if [[ ! -f $central/tls/cert.pem ]]; then
  mkdir -p "$demo"
  "$central_bin" init --data "$central" --host 127.0.0.1 --host localhost
  "$central_bin" units add solhaven --name "Plejecenter Solhaven (demo)" --data "$central"
  "$central_bin" survey publish assets/surveys/digital-kompetence.json --all --data "$central"
fi
if [[ ! -f $demo/dashboard-password ]]; then
  password=$("$central_bin" users add demo --data "$central" </dev/null | awk '/^    [A-Za-z0-9]+-/ {print $1}')
  [[ -n $password ]] || { echo "demo: could not make the dashboard user" >&2; exit 1; }
  (umask 077 && echo "$password" > "$demo/dashboard-password")
fi

"$central_bin" serve --data "$central" --listen "127.0.0.1:$port" > "$demo/central.log" 2>&1 &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 50); do
  curl -sf --cacert "$central/tls/cert.pem" "$endpoint/healthz" >/dev/null 2>&1 && break
  kill -0 $server 2>/dev/null || { echo "demo: the central endpoint did not start:"; cat "$demo/central.log"; exit 1; }
  sleep 0.1
done
echo "demo: central endpoint on $endpoint (log: $demo/central.log)"
echo "demo: dashboard on $endpoint/ : user demo, password $(cat "$demo/dashboard-password")"
echo "      (the certificate is the demo's own self-signed one: $central/tls/cert.pem; let the browser accept it)"

if [[ ! -f $config ]]; then
  mkdir -p "$(dirname "$config")"
  code=$("$central_bin" enroll --unit solhaven --data "$central" | awk 'NR==3 {print $1}')
  "$svarboks" config init --config "$config" --unit "Plejecenter Solhaven (demo)" >/dev/null
  echo 246813 | "$svarboks" config set-pin --config "$config" >/dev/null
  "$svarboks" enroll "$code" --endpoint "$endpoint" --ca "$central/tls/cert.pem" --config "$config"
  echo "demo: kiosk enrolled with code $code; admin PIN 246813 (hold the top-left corner for 3 seconds)"
fi

# Reports, the dashboard's figures and exports exist only for released reporting rounds (docs/anonymity.md).
week=$(date +%G-W%V)
round=demo-$(date +%G-w%V)
# Whether a round already covers this week (ISO weeks "2026-W05" compare as text).
week_has_round() {
  "$central_bin" rounds list --data "$central" | awk -v w="$week" 'NR > 1 && $2 <= w && w <= $3 {found = 1} END {exit !found}'
}

if [[ -z ${DISPLAY:-} && -z ${WAYLAND_DISPLAY:-} ]]; then
  echo "demo: no display here, so no kiosk window; simulating 50 respondents and syncing them instead"
  # The demo's kiosk is enrolled to the demo's own throwaway central endpoint, so simulated answers are what it wants.
  "$svarboks" simulate 50 --config "$config" --into-production-outbox --print-ids | awk '/^committed/ {print $2}' > "$demo/last-ids"
  "$svarboks" sync --config "$config" || true
  "$svarboks" status --config "$config"
  if ! week_has_round; then
    "$central_bin" rounds add "$round" --from "$week" --to "$week" --data "$central" >/dev/null
    "$central_bin" rounds release "$round" --early --data "$central" >/dev/null
    echo "demo: released reporting round $round ($week) early, as the central team would once a round has ended:"
    echo "      figures and exports exist only for released rounds, and a released round never changes, so nobody can"
    echo "      tell one person's answers by comparing figures before and after they answered. Answers given later"
    echo "      this week are kept but not counted in it."
  else
    echo "demo: this week's reporting round is released already, so these 50 are kept but not counted in it (a"
    echo "      released round never changes); the dashboard's live counts show them in steps of the group size"
  fi
  # check-ids: whether this run's ids are stored, and how many responses the store holds (ids only, no answers).
  stored=$("$central_bin" check-ids "$demo/last-ids" --data "$central" || true)
  echo "demo: responses stored centrally: ${stored%%$'\n'*}"
  "$central_bin" report --data "$central"
  if [[ -t 0 ]]; then
    echo "demo: the dashboard stays up on $endpoint/ (user demo, password $(cat "$demo/dashboard-password")); Ctrl-C stops it"
    wait $server || true
  fi
  exit 0
fi
if ! week_has_round; then
  echo "demo: figures appear once a reporting round is released; after answering, release this week's with:"
  echo "      $central_bin rounds add $round --from $week --to $week --data $central"
  echo "      $central_bin rounds release $round --early --data $central"
fi
echo "demo: opening the kiosk (windowed 1280x800; Esc or the admin screen's Quit closes it)"
echo "      answers are sent 20-60 minutes after they are given (the send schedule), or at once with the admin"
echo "      screen's \"Synkronisér nu\""
"$svarboks" --config "$config" --windowed 1280x800
