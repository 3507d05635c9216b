#!/usr/bin/env python3
"""The kiosk's setup on the touch screen, end to end: the real kiosk under Xvfb against the real
svarboks-central over TLS, driven with xdotool as IT staff would.

    scripts/setup_screenshots.py BUILD_DIR OUT_DIR [--size WxH] [--prefix NAME-]

A kiosk with no config starts on the setup screen, its address prefilled from IT's defaults
($SVARBOKS_DEFAULTS here, /etc/svarboks/kiosk.json on a real kiosk). The one-time code and a new admin PIN
(twice) are typed on the on-screen keyboard; Enrol enrols and fetches the unit's survey. The unit has
none yet, so the kiosk shows the not-ready screen; once the central publishes one, the kiosk switches to
the welcome screen by itself. Saves setup.png and not-ready.png (on a display of WxH, default 1280x800,
named with the prefix), checks each screen was really reached and each screenshot as
kiosk_screenshots.py does, and stops everything it started. Exit 0 on success.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiosk_screenshots import Shots, XKiosk, fail  # noqa: E402  (the same driver as the other screenshots)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def start_central(binary, data, log):
    process = subprocess.Popen([binary, "serve", "--data", data, "--listen", "127.0.0.1:0"],
                               stdout=open(log, "w"), stderr=subprocess.STDOUT)
    for _ in range(300):
        with open(log) as f:
            found = re.search(r'"event":"listening","address":"127\.0\.0\.1:(\d+)"', f.read())
        if found:
            return process, int(found.group(1))
        if process.poll() is not None:
            fail(f"the central endpoint did not start: {open(log).read()}")
        time.sleep(0.1)
    process.kill()
    fail("the central endpoint did not say where it listens")


def main():
    parser = argparse.ArgumentParser(description="The kiosk's setup on the touch screen, end to end, with screenshots")
    parser.add_argument("build")
    parser.add_argument("out")
    parser.add_argument("--size", default="1280x800", help="the display, WxH")
    parser.add_argument("--prefix", default="", help="put before each screenshot's name")
    args = parser.parse_args()
    build, out = args.build, args.out
    width, height = (int(v) for v in args.size.split("x"))
    binary = os.path.join(build, "client", "svarboks")
    central_binary = os.path.join(build, "sync", "central", "svarboks-central")
    for tool in ("Xvfb", "xdotool", "xwininfo", "import", "convert", "identify"):
        if shutil.which(tool) is None:
            fail(f"{tool} is missing (Debian packages xvfb, xdotool, x11-utils, imagemagick)")
    os.makedirs(out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="svarboks-setup-shots-")
    data = os.path.join(work, "central")

    def central(*args):
        return subprocess.run([central_binary, *args, "--data", data], check=True, capture_output=True, text=True).stdout

    subprocess.run([central_binary, "init", "--data", data, "--host", "127.0.0.1"], check=True, stdout=subprocess.DEVNULL)
    central("units", "add", "solhoj", "--name", "Plejecenter Solhøj")
    code = central("enroll", "--unit", "solhoj").splitlines()[2].split()[0]
    server, port = start_central(central_binary, data, os.path.join(work, "central.log"))

    # IT's defaults: where the central endpoint is and which CA to trust. A short sync interval, so that the
    # kiosk looks for its survey again within the test.
    defaults = os.path.join(work, "it-defaults.json")
    with open(defaults, "w") as f:
        json.dump({"endpoint_url": f"https://127.0.0.1:{port}", "ca_file": os.path.join(data, "tls", "cert.pem"),
                   "sync_interval_seconds": 30}, f)
    config = os.path.join(work, "kiosk", "kiosk.json")

    read_end, write_end = os.pipe()  # Xvfb picks a free display and writes its number here
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write_end), "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, pass_fds=(write_end,))
    os.close(write_end)
    with os.fdopen(read_end) as numbers:
        display = ":" + numbers.readline().strip()
    kiosk = XKiosk(binary, work, dict(os.environ, DISPLAY=display, SVARBOKS_DEFAULTS=defaults))
    shots = Shots(kiosk, out, args.prefix, width, height)
    try:
        kiosk.start([binary, "--config", config])
        kiosk.wait_for("setup")
        if kiosk.button(f"https://127.0.0.1:{port}##endpoint") is None:
            fail("the address is not prefilled from IT's defaults")
        for key in code:
            kiosk.tap(key)
        if kiosk.button(f"{code}##code") is None:
            fail(f"the code field does not show {code}")
        kiosk.tap("##pin")
        for key in "482913" * 2:  # the PIN, then its repetition (the focus moves on after six digits)
            kiosk.tap(key)
        if not kiosk.button("Tilmeld")["enabled"]:
            fail("Enrol is not enabled after the address, the code and the PIN twice")
        shots.shot("setup")
        kiosk.tap("Tilmeld")
        kiosk.wait_for("not-ready", timeout=60)
        time.sleep(2)  # the reason (no survey for the unit yet) appears once the uploader's status is read
        shots.shot("not-ready")
        with open(config) as f:
            settings = json.load(f)
        if not settings["device_token"] or settings["sync_interval_seconds"] != 30:
            fail(f"the kiosk's config is not enrolled from IT's defaults: {settings}")

        central("survey", "publish", os.path.join(ROOT, "assets", "surveys", "pulse.json"), "--unit", "solhoj")
        kiosk.wait_for("welcome", timeout=90)
        if kiosk.button("Start") is None:
            fail("no Start button on the welcome screen once the survey arrived")

        kiosk.hold_corner()
        kiosk.wait_for("pin-pad")
        for digit in "482913":
            kiosk.tap(digit)
        kiosk.tap("OK")
        kiosk.wait_for("admin")
        kiosk.tap("Luk kiosken")
        if kiosk.process.wait(timeout=10) != 0:
            fail(f"the kiosk exited with {kiosk.process.returncode}")
        print(f"setup screenshots at {width}x{height} in {out}: {args.prefix}setup.png, {args.prefix}not-ready.png; "
              "enrolled on the touch screen, "
              "not ready until the unit's survey was published, then the welcome screen")
    finally:
        if kiosk.process and kiosk.process.poll() is None:
            kiosk.process.kill()
        xvfb.kill()
        xvfb.wait()
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
