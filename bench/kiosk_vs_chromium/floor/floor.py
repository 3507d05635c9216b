#!/usr/bin/env python3
"""Floor experiment for the kiosk-vs-Chromium comparison (docs/benchmarks.md): how much of the kiosk's
first-frame time and PSS under Xvfb is OpenGL itself (Mesa's llvmpipe, which loads LLVM), measured with the
same method as compare.py on three programs that print the same first-frame trace:

  kiosk               build/release/client/svarboks, as in compare.py
  gl_clear            SDL window + OpenGL 3.0 context + one glClear (the floor of the kiosk's GL path)
  sdl_software_imgui  ImGui with the kiosk's fonts on SDL's software renderer, no OpenGL at all

Builds the two small programs into --build (needs g++, libsdl2-dev, libimgui-dev), then launches the three
alternately --runs times and prints medians. Run by scripts/bench-kiosk.sh when SVARBOKS_BENCH_FLOOR=1.
"""
import argparse
import base64
import json
import os
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(HERE))
import compare  # noqa: E402

SDLRENDERER_SOURCE = "/usr/share/doc/libimgui-dev/examples/backends/imgui_impl_sdlrenderer.cpp"


def pkg_config(*names):
    return subprocess.run(["pkg-config", "--cflags", "--libs", *names], check=True, capture_output=True,
                          text=True).stdout.split()


def build(out):
    os.makedirs(out, exist_ok=True)
    gl = os.path.join(out, "gl_clear")
    soft = os.path.join(out, "sdl_software_imgui")
    subprocess.run(["gcc", "-O2", os.path.join(HERE, "gl_clear.c"), "-o", gl, *pkg_config("sdl2"), "-lGL"], check=True)
    if not os.path.exists(SDLRENDERER_SOURCE):  # e.g. an image that drops /usr/share/doc
        print(f"floor: {SDLRENDERER_SOURCE} is missing; skipping sdl_software_imgui", file=sys.stderr)
        return gl, None
    subprocess.run(["g++", "-O2", "-std=c++17", "-I/usr/include/imgui/backends", os.path.join(HERE, "sdl_software_imgui.cpp"),
                    SDLRENDERER_SOURCE, "-o", soft, *pkg_config("imgui", "sdl2")], check=True)
    return gl, soft


def measure(argv, display, timeout=30.0, settle=2.0):
    env = dict(os.environ, DISPLAY=display, DBUS_SESSION_BUS_ADDRESS="disabled:", SVARBOKS_TRACE_FIRST_FRAME="1")
    launched = compare.Launched(argv, env, stderr=subprocess.PIPE)
    q = queue.Queue()
    threading.Thread(target=compare.lines_to_queue, args=(launched.proc.stderr, q), daemon=True).start()
    try:
        deadline = time.time() + timeout
        while True:
            line = q.get(timeout=max(0.01, deadline - time.time()))
            if line is None:
                raise RuntimeError(f"{argv[0]}: exited before its first frame")
            if line.startswith("svarboks: first frame at "):
                first = float(line.split()[-1])
                break
        time.sleep(settle)
        tree = launched.tree()
        return {"first_frame_ms": (first - launched.launch_mono) * 1000, "pss_kib": compare.pss_kib(tree),
                "graphics_libraries": compare.renderers_mapped(tree)}
    finally:
        launched.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--display", default=os.environ.get("DISPLAY"))
    parser.add_argument("--svarboks", default=os.path.join(compare.ROOT, "build/release/client/svarboks"))
    parser.add_argument("--build", default=os.path.join(compare.ROOT, "build/bench-kiosk/floor"))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    signal_exit = lambda *_: sys.exit(143)  # noqa: E731
    compare.signal.signal(compare.signal.SIGTERM, signal_exit)
    gl, soft = build(args.build)
    workdir = tempfile.mkdtemp(prefix="svarboks-floor-")
    try:
        config = os.path.join(workdir, "kiosk.json")
        with open(config, "w") as f:
            json.dump({"unit_name": "Bench", "survey_file": os.path.join(compare.ROOT, "assets/surveys/digital-kompetence.json"),
                       "central_public_key": base64.b64encode(os.urandom(32)).decode(),
                       "outbox_file": os.path.join(workdir, "outbox.db")}, f)
        programs = {
            "kiosk (SDL + OpenGL 3.0 + ImGui)": [args.svarboks, "--config", config, "--windowed", "1280x800"],
            "gl_clear (SDL + OpenGL 3.0, one glClear)": [gl],
        }
        if soft:
            programs["sdl_software_imgui (SDL software renderer + ImGui, no OpenGL)"] = [soft]
        results = {name: [] for name in programs}
        for run in range(args.runs + 1):  # the first round warms the page cache and is not counted
            for name, argv in programs.items():
                result = measure(argv, args.display)
                if run > 0:
                    results[name].append(result)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    lines = [f"Medians of {args.runs} launches each (PSS 2 s after the first frame):", "",
             "| program | launch -> first frame (ms) | PSS (MiB) | graphics libraries mapped |", "|---|---|---|---|"]
    for name, rows in results.items():
        lines.append(f"| {name} | {statistics.median(r['first_frame_ms'] for r in rows):.0f} | "
                     f"{statistics.median(r['pss_kib'] for r in rows) / 1024:.1f} | "
                     f"{', '.join(rows[0]['graphics_libraries']) or 'none'} |")
    print("\n".join(lines))
    with open(os.path.join(args.build, "floor.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(args.build, "floor.json"), "w") as f:
        json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
