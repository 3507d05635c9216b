#!/usr/bin/env bash
# Two replicas behind nginx on one PostgreSQL, as docs/deployment.md section 6 sets them up, with the
# nginx configuration taken from that document (so the document is what is tested):
# 1. a central endpoint on SQLite: a unit, the survey, a kiosk enrolled, 40 answers synced, a round
#    released; its report is kept;
# 2. `migrate` copies that store into a fresh PostgreSQL: the same report, byte for byte; a second
#    migrate into it is refused;
# 3. two `serve` replicas on the database (keys and certificate copied, as the document says), nginx in
#    front; the kiosk (pointed at nginx: the same certificate, so its pin holds) sends 200 more answers
#    while one replica is killed with SIGKILL and started again: exactly the 240 ids are stored, once;
# 4. a dashboard session made through nginx holds on both replicas (20 pages in a row, round-robin);
# 5. nginx kept no client address: no access log, nothing in its error log after a replica died.
#   tests/e2e/replicas_nginx.sh BUILD_DIR           exit 77 when PostgreSQL 15 or nginx is not installed
set -euo pipefail
build=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
svarboks=$build/client/svarboks
central=$build/sync/central/svarboks-central
nginx=$(command -v nginx || echo /usr/sbin/nginx)
[[ -x $nginx ]] || { echo "replicas_nginx: nginx is not installed" >&2; exit 77; }
[[ -x /usr/lib/postgresql/15/bin/initdb ]] || { echo "replicas_nginx: PostgreSQL 15 is not installed" >&2; exit 77; }
work=$(mktemp -d /tmp/svarboks-replicas-XXXXXX)
chmod 755 "$work"
servers=()
nginx_pid=
server=
cleanup() {
  for pid in $server "${servers[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  [[ -n $nginx_pid ]] && kill -QUIT "$nginx_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  "$root/tests/postgresql/cluster.sh" stop "$work/pg" || true
  if [[ -n ${SVARBOKS_KEEP:-} ]]; then echo "replicas_nginx: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
fail() {
  echo "replicas_nginx: $*" >&2
  for log in "$work"/*.log; do [[ -f $log ]] && { echo "--- $log" >&2; tail -20 "$log" >&2; }; done
  exit 1
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
healthy() { curl -sf --cacert "$work/central/tls/cert.pem" "https://127.0.0.1:$1/healthz" >/dev/null 2>&1; }
wait_healthy() {
  for _ in $(seq 300); do healthy "$1" && return 0; sleep 0.1; done
  fail "nothing answers on port $1"
}
ids_stored() {  # FILE: exit 0 when every id in FILE is stored, and prints check-ids' JSON
  "$central" check-ids "$1" --json --data "$work/central" --database "$url"
}

# ---- 1. one server on SQLite ----
"$central" init --data "$work/central" --host 127.0.0.1 --host localhost >/dev/null
"$central" units add solhaven --name "Solhaven" --data "$work/central" >/dev/null
"$central" survey publish "$root/assets/surveys/digital-kompetence.json" --all --data "$work/central" >/dev/null
echo "correct horse battery staple" | "$central" users add anna --password-stdin --data "$work/central" >/dev/null
source "$root/tests/e2e/central.sh"
start_central "$work/central" "$work/sqlite.log"
config=$work/kiosk/kiosk.json
"$svarboks" config init --config "$config" --unit "Solhaven" >/dev/null
code=$("$central" enroll --unit solhaven --data "$work/central" | awk 'NR==3 {print $1}')
"$svarboks" enroll "$code" --endpoint "https://127.0.0.1:$port" --ca "$work/central/tls/cert.pem" --config "$config" >/dev/null
"$svarboks" simulate 40 --seed 3 --config "$config" --print-ids --into-production-outbox 2>/dev/null | awk '/^committed/ {print $2}' >"$work/ids"
"$svarboks" sync --config "$config" >/dev/null || fail "the first sync failed: $("$svarboks" status --config "$config")"
week=$(date +%G-W%V)
"$central" rounds add first --from "$week" --to "$week" --data "$work/central" >/dev/null
"$central" rounds release first --early --data "$work/central" >/dev/null
"$central" report --round first --format json --data "$work/central" >"$work/report-sqlite.json"
kill -TERM "$server" && wait "$server" || true
server=

# ---- 2. migrate into PostgreSQL ----
url=$("$root/tests/postgresql/cluster.sh" start "$work/pg")
"$central" migrate --data "$work/central" --database "$url" >"$work/migrate.txt" 2>&1 || fail "migrate failed: $(cat "$work/migrate.txt")"
grep -Eq "^  responses +40 rows$" "$work/migrate.txt" || fail "migrate did not copy the 40 responses: $(cat "$work/migrate.txt")"
# A second migrate into the same database is refused and changes nothing (nothing is merged or doubled).
if "$central" migrate --data "$work/central" --database "$url" >"$work/migrate2.txt" 2>&1; then fail "a second migrate into a store that holds data was accepted"; fi
grep -q "already holds a store" "$work/migrate2.txt" || fail "the second migrate did not say why: $(cat "$work/migrate2.txt")"
"$central" report --round first --format json --data "$work/central" --database "$url" >"$work/report-pg.json"
cmp -s "$work/report-sqlite.json" "$work/report-pg.json" || fail "the report differs after migrate: $(diff "$work/report-sqlite.json" "$work/report-pg.json" | head)"

# ---- 3. two replicas behind nginx ----
# The second replica's data folder is a copy of the first, modes and all (the document's tar).
cp -a "$work/central" "$work/central2"
rm -f "$work/central2"/central.db*
p1=$(free_port); p2=$(free_port); pn=$(free_port)
start_replica() {  # INDEX DATA PORT
  "$central" serve --data "$2" --database "$url" --listen "127.0.0.1:$3" --trusted-proxy 127.0.0.1 >>"$work/replica$1.log" 2>&1 &
  servers[$1]=$!
}
start_replica 1 "$work/central" "$p1"
start_replica 2 "$work/central2" "$p2"
wait_healthy "$p1"
wait_healthy "$p2"

mkdir -p "$work/nginx/svarboks" "$work/nginx/logs"
cp "$work/central/tls/cert.pem" "$work/central/tls/key.pem" "$work/nginx/svarboks/"
# The server block from docs/deployment.md, with this machine's addresses and paths.
python3 - "$root/docs/deployment.md" "$work/nginx/svarboks.conf" "$p1" "$p2" "$pn" "$work/nginx" <<'PY'
import re, sys
doc, out, p1, p2, pn, folder = sys.argv[1:]
blocks = re.findall(r"```nginx\n(.*?)```", open(doc, encoding="utf-8").read(), re.S)
assert len(blocks) == 1, f"docs/deployment.md has {len(blocks)} nginx blocks, expected 1"
conf = blocks[0]
for old, new in [("10.0.0.11:8443", f"127.0.0.1:{p1}"), ("10.0.0.12:8443", f"127.0.0.1:{p2}"), ("listen 443 ssl", f"listen 127.0.0.1:{pn} ssl"),
                 ("/etc/nginx/svarboks/", f"{folder}/svarboks/"), ("/var/log/nginx/", f"{folder}/logs/"), ("central.kommune.dk", "localhost")]:
    assert old in conf, f"the nginx block no longer has {old!r}"
    conf = conf.replace(old, new)
open(out, "w").write(conf)
PY
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/main-error.log warn;
events { worker_connections 256; }
http {
    client_body_temp_path $work/nginx/body;
    proxy_temp_path $work/nginx/proxy;
    fastcgi_temp_path $work/nginx/fastcgi;
    uwsgi_temp_path $work/nginx/uwsgi;
    scgi_temp_path $work/nginx/scgi;
    include $work/nginx/svarboks.conf;
}
CONF
"$nginx" -t -c "$work/nginx/nginx.conf" -p "$work/nginx" >"$work/nginx-t.log" 2>&1 || fail "nginx refuses the document's configuration: $(cat "$work/nginx-t.log")"
"$nginx" -c "$work/nginx/nginx.conf" -p "$work/nginx" -g 'daemon off;' >>"$work/nginx.log" 2>&1 &
nginx_pid=$!
wait_healthy "$pn"

# The kiosk now talks to nginx: the same certificate, so its pin holds.
python3 - "$config" "$pn" <<'PY'
import json, sys
path, port = sys.argv[1:]
config = json.load(open(path))
config["endpoint_url"] = f"https://127.0.0.1:{port}"
json.dump(config, open(path, "w"), indent=2)
PY
for round in 1 2 3 4; do
  "$svarboks" simulate 50 --seed "$((10 + round))" --config "$config" --print-ids --into-production-outbox 2>/dev/null | awk '/^committed/ {print $2}' >>"$work/ids"
  if [[ $round == 2 ]]; then
    # Kill replica 1 while the kiosk sends (SIGKILL: no goodbye), then start it again.
    ( sleep 0.05; kill -KILL "${servers[1]}" ) &
  fi
  for _ in 1 2 3 4 5; do "$svarboks" sync --config "$config" >/dev/null 2>&1 && break; sleep 1; done
  if [[ $round == 2 ]]; then
    wait "${servers[1]}" 2>/dev/null || true
    start_replica 1 "$work/central" "$p1"
    wait_healthy "$p1"
    sleep 6  # nginx tries a failed replica again after fail_timeout (5 s)
  fi
done
"$svarboks" sync --config "$config" >/dev/null || fail "the last sync failed: $("$svarboks" status --config "$config")"
sort -o "$work/ids" "$work/ids"
[[ $(wc -l <"$work/ids") -eq 240 ]] || fail "the kiosk committed $(wc -l <"$work/ids") answers, expected 240"
checked=$(ids_stored "$work/ids") || fail "not every id is stored: $checked"
python3 -c 'import json,sys; c = json.loads(sys.argv[1]); sys.exit(0 if (c["stored"], c["total"], c["missing"]) == (240, 240, []) else 1)' \
  "$checked" || fail "the store does not hold exactly the kiosk's 240 ids: $checked"

# ---- 4. one dashboard session across both replicas ----
jar=$work/cookies
curl -sf --cacert "$work/central/tls/cert.pem" -c "$jar" -b "$jar" "https://127.0.0.1:$pn/login" >/dev/null || fail "no login page through nginx"
curl -s --cacert "$work/central/tls/cert.pem" -c "$jar" -b "$jar" -o /dev/null -w '%{http_code}' \
  --data-urlencode "user=anna" --data-urlencode "password=correct horse battery staple" "https://127.0.0.1:$pn/login" >"$work/login-status"
[[ $(cat "$work/login-status") == 303 ]] || fail "sign-in through nginx answered $(cat "$work/login-status"), expected 303"
for i in $(seq 20); do
  status=$(curl -s --cacert "$work/central/tls/cert.pem" -b "$jar" -o "$work/page.html" -w '%{http_code}' "https://127.0.0.1:$pn/")
  [[ $status == 200 ]] || fail "page $i of the signed-in session answered $status (a replica does not know the session)"
  grep -q "anna" "$work/page.html" || fail "page $i is not anna's"
done

for replica in 1 2; do
  grep -q '"path":"/","status":200' "$work/replica$replica.log" || fail "replica $replica served no page of the session: nginx did not spread it"
done

# ---- 5. nginx kept no addresses ----
[[ ! -e $work/nginx/logs/access.log ]] || fail "nginx wrote an access log"
if grep -rq "client: " "$work/nginx/logs/" 2>/dev/null; then fail "nginx logged a client address: $(grep -rh "client: " "$work/nginx/logs/" | head -2)"; fi
echo "replicas_nginx: migrate kept the report; 240 answers through nginx to two replicas (one killed with SIGKILL) stored exactly once; one session on both replicas; nginx kept no address"
