#!/usr/bin/env bash
# The README's test command: installs what is missing, builds under ASan+UBSan, runs the default suites
# (unit, the survey-core differential test, crash, GUI, browser, end to end; about 4 min) and prints
# ctest's summary. With no arguments (as CI runs it) it then runs the server suites again on PostgreSQL 15
# (label postgresql, a throwaway cluster; about 6 min), the slow suites (labels faults and load,
# about 2 min each; screens, the real kiosk at three more display sizes, about 1 min), the Debian packages
# on a clean Debian 12 (label packaging, about 10 min), the uploader and outbox suites under
# ThreadSanitizer (build/tsan) and every fuzz target for 20 s (scripts/fuzz.sh, build/fuzz). With
# arguments it runs only ctest over every suite with them, e.g. `scripts/test.sh -R report` or
# `scripts/test.sh -L load`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh" asan-ubsan --test-tools
cd "$root"
if (($# > 0)); then
  exec ctest --preset asan-ubsan-all --parallel 2 "$@"
fi
ctest --preset asan-ubsan --parallel 2

echo "test: the server suites on PostgreSQL 15 and two replicas behind nginx (ctest -L postgresql)"
ctest --preset asan-ubsan-postgresql --parallel 2

echo "test: the slow suites, faults, load and screens (ctest -L 'faults|load|screens')"
ctest --preset asan-ubsan-slow

echo "test: the Debian packages on a clean Debian 12 (ctest -L packaging)"
ctest --test-dir build/asan-ubsan -L packaging --output-on-failure

echo "test: the uploader and outbox suites under ThreadSanitizer (build/tsan)"
werror=OFF
[[ ${CI:-} == true ]] && werror=ON
cmake --preset tsan -DSVARBOKS_WERROR=$werror >/dev/null
cmake --build --preset tsan --target uploader_tests sync_tests
ctest --test-dir build/tsan -R 'uploader_tests|sync_tests' --output-on-failure

echo "test: every fuzz target for 20 s (build/fuzz)"
scripts/fuzz.sh 20
