#!/usr/bin/env python3
"""The kiosk's footprint with read aloud loaded only on first use (docs/benchmarks.md, issue 17).

    bench/read_aloud/footprint.py SVARBOKS [SVARBOKS_BEFORE] [--runs N]

For each binary given (the kiosk with read aloud, and optionally one from before it, to compare), N
launches alternating, each full screen on its own Xvfb 1280x800 with a fresh config of the default
survey, measured as bench/kiosk_vs_chromium/compare.py measures the kiosk: launch -> first frame
(SVARBOKS_TRACE_FIRST_FRAME), PSS of the process at the first frame and after 5 s, and idle CPU
(utime+stime) over the next 10 s. Then, for the kiosk with read aloud, it taps Læs op (xdotool) and
measures the PSS again 3 s into the speech, and lists which speech and sound libraries are mapped before
and after the tap (libespeak-ng and SDL's audio driver's libraries must appear only after it). SDL's
audio driver is the disk driver here (no sound card in the VM): a real ALSA or PulseAudio device maps
more. Prints a Markdown table. Only the standard library and xdotool.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "kiosk_vs_chromium"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))
from compare import cpu_between, cpu_snapshot, mono, pss_kib  # noqa: E402
from kiosk_screenshots import XKiosk, make_config, start_xvfb  # noqa: E402

# espeak-ng and what it brings; SDL maps its own audio libraries (ALSA, PulseAudio) from the start
SPEECH_LIBRARIES = ("libespeak-ng", "libpcaudio", "libsonic", "libpulse-simple")


def mapped(pid):
    """The speech and sound libraries mapped into the process."""
    with open(f"/proc/{pid}/maps") as f:
        names = {os.path.basename(line.split()[-1]) for line in f if "/" in line}
    return sorted(n for n in names if n.startswith(SPEECH_LIBRARIES))


def kiosk_pid(kiosk):
    return kiosk.process.pid  # started directly (no shell): the kiosk itself


def one_launch(binary, speak):
    work = tempfile.mkdtemp(prefix="svarboks-footprint-")
    config, _ = make_config(binary, work)
    xvfb, display = start_xvfb(1280, 800)
    kiosk = XKiosk(binary, work, dict(os.environ, DISPLAY=display, SVARBOKS_TRACE_FIRST_FRAME="1", SDL_AUDIODRIVER="disk",
                                      SDL_DISKAUDIOFILE=os.path.join(work, "audio.raw")))
    result = {}
    try:
        launched = mono()
        kiosk.start([binary, "--config", config])
        for line in kiosk.process.stdout:
            if "first frame at" in line:
                result["first_ms"] = (float(line.split()[-1]) - launched) * 1000
                break
        pid = kiosk_pid(kiosk)
        result["pss_first"] = pss_kib([pid]) / 1024
        time.sleep(5)
        result["pss_idle"] = pss_kib([pid]) / 1024
        before = cpu_snapshot([pid])
        time.sleep(10)
        result["cpu_pct"] = cpu_between(before, cpu_snapshot([pid]), 10)["cpu_pct"]
        result["libs_idle"] = mapped(pid)
        if speak:
            kiosk.wait_for("welcome")
            kiosk.tap("▶ Læs op")
            time.sleep(3)
            result["pss_speaking"] = pss_kib([pid]) / 1024
            result["libs_speaking"] = mapped(pid)
    finally:
        kiosk.stop()
        xvfb.kill()
        xvfb.wait()
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binary")
    parser.add_argument("before", nargs="?")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    sides = [("read aloud", args.binary)] + ([("before", args.before)] if args.before else [])
    results = {name: [] for name, _ in sides}
    for run in range(args.runs):
        for name, binary in sides if run % 2 == 0 else reversed(sides):
            results[name].append(one_launch(binary, name == "read aloud"))
            print(f"{name} #{run + 1}: {results[name][-1]}", file=sys.stderr)

    def median(name, key, digits=1):
        values = [r[key] for r in results[name] if key in r]
        return f"{statistics.median(values):.{digits}f}" if values else ""

    rows = [("launch → first frame, ms", "first_ms", 0), ("PSS at first frame, MiB", "pss_first", 1),
            ("PSS 5 s later, idle, MiB", "pss_idle", 1), ("idle CPU over 10 s, %", "cpu_pct", 2),
            ("PSS 3 s into Læs op, MiB", "pss_speaking", 1)]
    print("| medians of " + str(args.runs) + " launches | " + " | ".join(name for name, _ in sides) + " |")
    print("|---|" + "---|" * len(sides))
    for label, key, digits in rows:
        print(f"| {label} | " + " | ".join(median(name, key, digits) for name, _ in sides) + " |")
    first = results["read aloud"][0]
    print(f"\nspeech and sound libraries mapped while idle: {first['libs_idle'] or 'none'}; "
          f"after Læs op: {first.get('libs_speaking') or 'none'}")


if __name__ == "__main__":
    main()
