#!/usr/bin/env bash
# Builds the release preset and runs the benchmarks; results go into docs/benchmarks.md by hand.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh" release
cd "$root"
build/release/bench/bench_survey --benchmark_repetitions=5 --benchmark_report_aggregates_only=true "$@"
