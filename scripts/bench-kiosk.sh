#!/usr/bin/env bash
# Kiosk vs. Chromium + SurveyJS (issue #3), and the kiosk's Finish-to-committed latency, in one command:
#   scripts/bench-kiosk.sh [compare.py options, e.g. --runs 5 --idle 10]
# Installs what is missing (Chromium, Xvfb, Node.js from Debian; the pinned SurveyJS packages with npm ci),
# builds the release preset, runs bench/bench_commit, starts its own Xvfb on a free display, runs
# bench/kiosk_vs_chromium/compare.py and prints the results table, then the floor experiment
# (bench/kiosk_vs_chromium/floor/; SVARBOKS_BENCH_FLOOR=0 skips it). Everything it starts is stopped on exit,
# also on Ctrl-C. Results: build/bench-kiosk/ (results.md, results.json, commit.json, screenshots,
# floor/floor.md).
# docs/benchmarks.md says what each figure means.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=$root/build/bench-kiosk
web=bench/kiosk_vs_chromium/web

# --- what the comparison needs beyond the build (scripts/setup.sh installs the build's packages) ---
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v Xvfb >/dev/null || missing+=(xvfb)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
command -v python3 >/dev/null || missing+=(python3)
command -v import >/dev/null || missing+=(imagemagick)  # screenshots of the two first screens
# The kiosk's OpenGL under Xvfb (Mesa's software renderer) and its font.
for package in libgl1-mesa-dri fonts-dejavu-core; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]} > 0)); then
  echo "bench-kiosk: installing ${missing[*]}"
  if [[ $(id -u) -ne 0 ]]; then
    echo "bench-kiosk: these Debian packages are missing and installing them needs root: ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The pinned SurveyJS packages (bench/kiosk_vs_chromium/web/package-lock.json).
stamp=$web/node_modules/.svarboks-lock-sha256
want=$(sha256sum "$web/package-lock.json" | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  echo "bench-kiosk: installing the pinned SurveyJS packages ($web)"
  (cd "$web" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" > "$stamp"
fi

# The release build. Only the kiosk and bench_commit are needed here, so a failure elsewhere in the tree
# (say, a test that does not link while someone is mid-change) is reported but does not stop the benchmark.
if ! "$root/scripts/setup.sh" release; then
  echo "bench-kiosk: the full release build failed (see above); building only what the benchmark needs" >&2
  cmake --build --preset release --target svarboks bench_commit
fi

# --- cleanup of everything started below ---
tmp=$(mktemp -d /tmp/svarboks-bench-kiosk.XXXXXX)
xvfb_pid=""
compare_pid=""
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [[ -n $compare_pid ]] && kill -0 "$compare_pid" 2>/dev/null; then
    kill -TERM "$compare_pid" 2>/dev/null || true  # it stops its kiosk/Chromium/server on the way out
    wait "$compare_pid" 2>/dev/null || true
  fi
  if [[ -n $xvfb_pid ]] && kill -0 "$xvfb_pid" 2>/dev/null; then
    kill -TERM "$xvfb_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$xvfb_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$xvfb_pid" 2>/dev/null || true
    wait "$xvfb_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$out"
echo
echo "== Finish -> committed: build/release/bench/bench_commit (5 x 2,000 commits)"
build/release/bench/bench_commit --benchmark_repetitions=5 --benchmark_out="$out/commit.json" \
  --benchmark_out_format=json

# --- our own X server on a free display number (Xvfb picks it and writes it to fd 3) ---
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$tmp/display" 2>"$tmp/xvfb.log" &
xvfb_pid=$!
for _ in $(seq 100); do
  [[ -s $tmp/display ]] && break
  kill -0 "$xvfb_pid" 2>/dev/null || { cat "$tmp/xvfb.log" >&2; echo "bench-kiosk: Xvfb did not start" >&2; exit 1; }
  sleep 0.1
done
[[ -s $tmp/display ]] || { echo "bench-kiosk: Xvfb did not report a display" >&2; exit 1; }
display=:$(head -n1 "$tmp/display")
echo
echo "== Kiosk vs. Chromium + SurveyJS on Xvfb $display (1280x800), $(chromium --version 2>/dev/null)"
python3 bench/kiosk_vs_chromium/compare.py --display "$display" --xvfb-pid "$xvfb_pid" \
  --svarboks build/release/client/svarboks --commit-json "$out/commit.json" --out "$out" --screenshots "$@" &
compare_pid=$!
wait "$compare_pid"
compare_pid=""

# Where the kiosk's time and memory go under Xvfb: its OpenGL floor, and ImGui without OpenGL.
if [[ ${SVARBOKS_BENCH_FLOOR:-1} != 0 ]]; then
  echo
  echo "== Floor experiment: the kiosk, an empty SDL + OpenGL window, ImGui on SDL's software renderer"
  python3 bench/kiosk_vs_chromium/floor/floor.py --display "$display" --svarboks build/release/client/svarboks \
    --build "$out/floor" &
  compare_pid=$!
  wait "$compare_pid"
  compare_pid=""
fi
