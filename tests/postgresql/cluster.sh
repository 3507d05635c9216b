#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for the test suites, as Debian packages it (postgresql-15).
#   tests/postgresql/cluster.sh start DIR   initialises DIR (if new), starts the server on 127.0.0.1 and a
#                                           free port, and prints the store's URL; DIR/url holds it too
#   tests/postgresql/cluster.sh stop DIR    stops it (fast shutdown) and removes DIR
# PostgreSQL refuses to run as root: as root, the cluster belongs to the `postgres` user (made by the
# package) and lives in a folder of its own under /tmp (DIR names it in DIR/cluster), since `postgres` may
# not enter DIR's parents (a clone under /root). Authentication is `trust`, on 127.0.0.1 and the socket in DIR only: a test cluster, never a
# deployment (docs/deployment.md has that). fsync stays on: the fault suite kills servers mid-write.
set -euo pipefail

action=${1:?usage: cluster.sh start|stop DIR}
dir=${2:?usage: cluster.sh start|stop DIR}
bin=/usr/lib/postgresql/15/bin
[[ -x $bin/initdb ]] || { echo "cluster.sh: PostgreSQL 15 is not installed (apt-get install postgresql-15)" >&2; exit 77; }

as_owner() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# The folder the cluster's files and socket are in.
cluster_of() {
  if [[ -f $1/cluster ]]; then cat "$1/cluster"; else echo "$1"; fi
}

case $action in
start)
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [[ $(id -u) -eq 0 && ! -f $dir/cluster ]]; then
    mktemp -d /tmp/svarboks-pg-XXXXXX >"$dir/cluster"
  fi
  home=$(cluster_of "$dir")
  [[ $(id -u) -eq 0 ]] && chown postgres: "$home" && chmod 700 "$home"
  if [[ ! -f $home/data/PG_VERSION ]]; then
    as_owner "$bin/initdb" -D "$home/data" -U svarboks --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
  fi
  # A free port: ask the kernel for one, then give it to the server (a race only with other test runs,
  # and pg_ctl then fails loudly).
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  as_owner "$bin/pg_ctl" -D "$home/data" -l "$home/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$home -c max_connections=200 -c shared_buffers=128MB -c log_min_messages=warning" \
    start >/dev/null || { cat "$home/server.log" >&2; exit 1; }
  as_owner "$bin/psql" -q -h "$home" -p "$port" -U svarboks -d postgres -c "CREATE DATABASE svarboks" >/dev/null 2>&1 || true
  url="postgresql://svarboks@127.0.0.1:$port/svarboks"
  echo "$url" >"$dir/url"
  echo "$url"
  ;;
stop)
  home=$(cluster_of "$dir")
  if [[ -f $home/data/postmaster.pid ]]; then
    as_owner "$bin/pg_ctl" -D "$home/data" -m fast -w stop >/dev/null || true
  fi
  rm -rf "$home" "$dir"
  ;;
*)
  echo "usage: cluster.sh start|stop DIR" >&2
  exit 2
  ;;
esac
