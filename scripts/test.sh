#!/usr/bin/env bash
# The README's test command: installs what is missing, builds under ASan+UBSan, runs every test suite
# (unit, the survey-core differential test, ...) and prints ctest's summary.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh" asan-ubsan --test-tools
cd "$root"
ctest --preset asan-ubsan --parallel 2 "$@"
