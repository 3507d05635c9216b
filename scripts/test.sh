#!/usr/bin/env bash
# The README's test command: installs what is missing, builds under ASan+UBSan, runs every test suite
# (unit, the survey-core differential test, ...) and prints ctest's summary. With no arguments (as CI runs
# it) it then runs the uploader and outbox suites under ThreadSanitizer (build/tsan) and every fuzz target
# for 20 s (scripts/fuzz.sh, build/fuzz); arguments go to the first ctest only and skip those two stages.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh" asan-ubsan --test-tools
cd "$root"
ctest --preset asan-ubsan --parallel 2 "$@"
(($# == 0)) || exit 0

echo "test: the uploader and outbox suites under ThreadSanitizer (build/tsan)"
werror=OFF
[[ ${CI:-} == true ]] && werror=ON
cmake --preset tsan -DSVARBOKS_WERROR=$werror >/dev/null
cmake --build --preset tsan --target uploader_tests sync_tests
ctest --test-dir build/tsan -R 'uploader_tests|sync_tests' --output-on-failure

echo "test: every fuzz target for 20 s (build/fuzz)"
scripts/fuzz.sh 20
