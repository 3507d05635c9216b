#!/usr/bin/env bash
# Builds the libFuzzer targets (the `fuzz` preset: clang, ASan+UBSan) and runs each for SECONDS, with a
# fresh working corpus in build/fuzz/corpus/<target> on top of the seeds listed below (read in place,
# never copied). Prints per target: executions, exec/s, corpus size, coverage, crashes. Exits 1 when any
# target crashed (an ASan/UBSan report, a leak, a timeout, a broken property); the input that did it is
# kept in build/fuzz/crashes/, and `build/fuzz/tests/fuzz/<target> FILE` replays it.
#   scripts/fuzz.sh SECONDS [TARGET...]     e.g. scripts/fuzz.sh 600 fuzz_survey
# A second run installs nothing and rebuilds only what changed.
set -euo pipefail

seconds=${1:?usage: scripts/fuzz.sh SECONDS [TARGET...]}
shift
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# Seed folders (relative to the source folder) and dictionary of each target.
declare -A seeds=(
  [fuzz_survey]="assets/surveys tests/data/bad-surveys"
  [fuzz_expression]="tests/fuzz/seeds/expression"
  [fuzz_config]="assets/examples tests/fuzz/seeds/config"
  [fuzz_batch]="tests/data/protocol tests/fuzz/seeds/batch"
  [fuzz_seal]="tests/data/protocol tests/fuzz/seeds/seal"
  [fuzz_import]="tests/fuzz/seeds/import"
)
declare -A dictionaries=(
  [fuzz_survey]=json.dict [fuzz_expression]=expression.dict [fuzz_config]=json.dict
  [fuzz_batch]=json.dict [fuzz_seal]=json.dict [fuzz_import]=json.dict
)
all_targets=(fuzz_survey fuzz_expression fuzz_config fuzz_batch fuzz_seal fuzz_import)
targets=("$@")
((${#targets[@]} > 0)) || targets=("${all_targets[@]}")
for target in "${targets[@]}"; do
  [[ -n ${seeds[$target]:-} ]] || { echo "fuzz: unknown target '$target'; the targets are ${all_targets[*]}" >&2; exit 2; }
done

# clang and its runtimes (libFuzzer, the sanitizers), plus what scripts/setup.sh installs for every build.
missing=()
for package in clang libclang-rt-dev; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if ((${#missing[@]} > 0)); then
  echo "fuzz: installing ${missing[*]}"
  if [[ $(id -u) -ne 0 ]]; then
    echo "fuzz: these Debian packages are missing and installing them needs root: ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
"$root/scripts/setup.sh" fuzz

build=build/fuzz
rm -rf "$build/crashes"
mkdir -p "$build/crashes" "$build/logs"
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
failed=()
printf '%-16s %8s %12s %9s %8s %8s %8s %8s\n' target seconds executions exec/s corpus cov ft crashes
for target in "${targets[@]}"; do
  corpus=$build/corpus/$target
  log=$build/logs/$target.log
  rm -rf "$corpus"
  mkdir -p "$corpus"
  read -r -a seed_dirs <<<"${seeds[$target]}"
  status=0
  "$build/tests/fuzz/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -dict="tests/fuzz/${dictionaries[$target]}" -artifact_prefix="$build/crashes/$target-" \
    "$corpus" "${seed_dirs[@]}" >"$log" 2>&1 || status=$?
  # The last status line ("#N DONE cov: C ft: F corp: ...", or the last one before a crash) and the final stats.
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")
  ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$last")
  executions=$(sed -nE 's/^stat::number_of_executed_units: ([0-9]+)/\1/p' "$log")
  rate=$(sed -nE 's/^stat::average_exec_per_sec: +([0-9]+)/\1/p' "$log")
  crashes=$(find "$build/crashes" -name "$target-*" -type f | wc -l)
  files=$(find "$corpus" -type f | wc -l)
  ((status == 0 && crashes == 0)) || failed+=("$target")
  if ((status != 0 && crashes == 0)); then crashes="exit $status"; fi
  printf '%-16s %8s %12s %9s %8s %8s %8s %8s\n' "$target" "$seconds" "${executions:-?}" "${rate:-?}" "$files" "${cov:-?}" "${ft:-?}" "$crashes"
done
echo "fuzz: corpus = new inputs found in this run (build/fuzz/corpus/<target>); logs in $build/logs"
if ((${#failed[@]} > 0)); then
  for target in "${failed[@]}"; do
    echo "fuzz: $target FAILED; the end of $build/logs/$target.log:" >&2
    grep -E -A25 '^==[0-9]+==ERROR|runtime error|fuzz: property violated|^SUMMARY|ERROR: libFuzzer' "$build/logs/$target.log" | head -60 >&2 || tail -40 "$build/logs/$target.log" >&2
    find "$build/crashes" -name "$target-*" -type f -printf 'fuzz: the input: %p\n' >&2
  done
  exit 1
fi
