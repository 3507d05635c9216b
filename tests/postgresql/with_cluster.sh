#!/usr/bin/env bash
# Runs a test suite against the throwaway PostgreSQL cluster in DIR (started by `cluster.sh start DIR`):
#   tests/postgresql/with_cluster.sh DIR COMMAND [ARGS...]
# sets SVARBOKS_TEST_DATABASE to the cluster's URL (each fixture then makes a database of its own there).
# Exits 77 (ctest: skipped) when the cluster is not there, e.g. PostgreSQL 15 is not installed.
set -euo pipefail
dir=${1:?usage: with_cluster.sh DIR COMMAND [ARGS...]}
shift
if [[ ! -f $dir/url ]]; then
  echo "with_cluster.sh: no PostgreSQL cluster in $dir (is postgresql-15 installed? see tests/postgresql/cluster.sh)" >&2
  exit 77
fi
SVARBOKS_TEST_DATABASE=$(cat "$dir/url")
export SVARBOKS_TEST_DATABASE
exec "$@"
