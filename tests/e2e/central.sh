# Sourced by the end-to-end scripts: start_central DATA LOG starts `svarboks-central serve` on a port the
# system picks (127.0.0.1:0), waits until /healthz answers over TLS, and sets $server (its pid) and $port.
# Needs $central (the binary) and a fail function.
start_central() {
  local data=$1 log=$2
  "$central" serve --data "$data" --listen "127.0.0.1:0" >"$log" 2>&1 &
  server=$!
  port=
  for _ in $(seq 300); do
    port=$(sed -n 's/.*"event":"listening","address":"127\.0\.0\.1:\([0-9]*\)".*/\1/p' "$log")
    [[ -n $port ]] && curl -sf --cacert "$data/tls/cert.pem" "https://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return 0
    kill -0 "$server" 2>/dev/null || fail "the server did not start: $(cat "$log")"
    sleep 0.1
  done
  fail "the server did not say where it listens: $(cat "$log")"
}
