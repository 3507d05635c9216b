#!/usr/bin/env python3
"""Runs the real kiosk under Xvfb, drives it with xdotool as a person would, and saves screenshots.

    scripts/kiosk_screenshots.py BUILD_DIR OUT_DIR

The kiosk writes where its buttons are (SVARBOKS_UI_MAP, a testing aid) so that buttons are tapped by
their labels. Saves welcome, consent, question, idle-warning, profile, pin-pad and admin PNGs, checks
that each screen was really reached, and stops everything it started. Exit 0 on success.
"""
import json
import os
import random
import secrets
import base64
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def fail(message):
    print(f"kiosk_screenshots: {message}", file=sys.stderr)
    sys.exit(1)


class Kiosk:
    def __init__(self, binary, work, display):
        self.binary = binary
        self.work = work
        self.display = display
        self.map_file = os.path.join(work, "ui.json")
        # Under ASan (the CI build) LeakSanitizer would report X11's and SDL's deliberate process-lifetime
        # allocations at exit; our own code's leaks are caught by the unit suites.
        asan = os.environ.get("ASAN_OPTIONS", "")
        self.env = dict(os.environ, DISPLAY=display, SVARBOKS_UI_MAP=self.map_file,
                        ASAN_OPTIONS=(asan + ":" if asan else "") + "detect_leaks=0")
        self.process = None

    def start(self, config):
        self.process = subprocess.Popen([self.binary, "--config", config], env=self.env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def ui(self):
        try:
            with open(self.map_file) as f:
                return json.load(f)
        except (OSError, ValueError):
            return {"screen": "", "buttons": []}

    def wait_for(self, screen, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                fail(f"the kiosk exited while waiting for '{screen}':\n{self.process.stdout.read()}")
            if self.ui()["screen"] == screen:
                time.sleep(0.3)
                return
            time.sleep(0.05)
        fail(f"the kiosk did not reach the '{screen}' screen (it shows '{self.ui()['screen']}')")

    def button(self, label):
        for b in self.ui()["buttons"]:
            if b["label"] == label:
                return b
        return None

    def xdotool(self, *args):
        subprocess.run(["xdotool", *args], env=self.env, check=True)

    def tap(self, label):
        b = self.button(label)
        if b is None or not b["enabled"]:
            labels = [x["label"] for x in self.ui()["buttons"]]
            fail(f"no enabled button '{label}' on the '{self.ui()['screen']}' screen; buttons: {labels}")
        self.xdotool("mousemove", str(int(b["x"])), str(int(b["y"])), "click", "1")
        time.sleep(0.35)

    def hold_corner(self, seconds=3.4):
        self.xdotool("mousemove", "10", "10", "mousedown", "1")
        time.sleep(seconds)
        self.xdotool("mouseup", "1")
        time.sleep(0.3)

    def shot(self, path):
        subprocess.run(["import", "-window", "root", path], env=self.env, check=True)


def main():
    if len(sys.argv) != 3:
        fail("usage: kiosk_screenshots.py BUILD_DIR OUT_DIR")
    build, out = sys.argv[1], sys.argv[2]
    binary = os.path.join(build, "client", "svarboks")
    for tool in ("Xvfb", "xdotool", "import"):
        if shutil.which(tool) is None:
            fail(f"{tool} is missing (Debian packages xvfb, xdotool, imagemagick)")
    os.makedirs(out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="svarboks-shots-")
    config = os.path.join(work, "kiosk.json")
    key = base64.b64encode(secrets.token_bytes(32)).decode()  # a throwaway key: nobody will open these
    subprocess.run([binary, "config", "init", "--config", config, "--unit", "Plejecenter Solhaven", "--public-key", key],
                   check=True, stdout=subprocess.DEVNULL)
    with open(config) as f:
        settings = json.load(f)
    settings["idle_timeout_seconds"] = 30
    with open(config, "w") as f:
        json.dump(settings, f, indent=2)
    subprocess.run([binary, "config", "set-pin", "--config", config], input="246813\n", text=True, check=True,
                   stdout=subprocess.DEVNULL)

    display_number = 90 + os.getpid() % 100
    xvfb = subprocess.Popen(["Xvfb", f":{display_number}", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    kiosk = Kiosk(binary, work, f":{display_number}")
    try:
        time.sleep(1)
        kiosk.start(config)
        kiosk.wait_for("welcome")
        kiosk.shot(os.path.join(out, "welcome.png"))
        kiosk.tap("Start")
        kiosk.wait_for("consent")
        kiosk.shot(os.path.join(out, "consent.png"))
        kiosk.tap("Jeg vil gerne svare")
        kiosk.wait_for("question")
        kiosk.tap("Næste →")
        kiosk.tap("Hjemmepleje")
        kiosk.tap("Næste →")
        kiosk.tap("Det kan jeg selv")
        kiosk.shot(os.path.join(out, "question.png"))

        time.sleep(31)  # idle_timeout_seconds = 30 in this config
        if kiosk.button("Ja, fortsæt") is None:
            fail("no idle warning after 31 s")
        kiosk.shot(os.path.join(out, "idle-warning.png"))
        kiosk.tap("Ja, fortsæt")

        rng = random.Random(7)
        scale = ["Det kan jeg ikke endnu", "Det kan jeg med hjælp", "Det kan jeg selv",
                 "Det kan jeg sikkert og kan hjælpe andre"]
        for _ in range(80):
            if kiosk.ui()["screen"] != "question":
                break
            options = [b["label"] for b in kiosk.ui()["buttons"]]
            if "Ja" in options:
                kiosk.tap("Ja")
            elif scale[0] in options:
                kiosk.tap(rng.choice(scale))
            kiosk.tap("Afslut ✓" if kiosk.button("Afslut ✓") else "Næste →")
        kiosk.wait_for("profile")
        kiosk.shot(os.path.join(out, "profile.png"))
        kiosk.tap("Færdig")
        kiosk.wait_for("welcome", timeout=20)

        kiosk.hold_corner()
        kiosk.wait_for("pin-pad")
        for digit in "246813":
            kiosk.tap(digit)
        kiosk.shot(os.path.join(out, "pin-pad.png"))
        kiosk.tap("OK")
        kiosk.wait_for("admin")
        kiosk.shot(os.path.join(out, "admin.png"))
        kiosk.tap("Luk kiosken")
        code = kiosk.process.wait(timeout=10)
        if code != 0:
            fail(f"the kiosk exited with {code}")

        # A broken config: the kiosk refuses to start, with the message on stderr and on screen.
        settings["idle_timeout_seconds"] = "fast"
        with open(config, "w") as f:
            json.dump(settings, f, indent=2)
        kiosk.start(config)
        kiosk.wait_for("fatal-error")
        kiosk.shot(os.path.join(out, "config-error.png"))
        kiosk.tap("Quit / Afslut")
        output = kiosk.process.communicate(timeout=10)[0]
        if kiosk.process.returncode == 0 or "idle_timeout_seconds" not in output:
            fail(f"a bad config should stop the kiosk with a message naming the key; it said: {output!r}")
        print(f"screenshots in {out}: " + ", ".join(sorted(os.listdir(out))))
    finally:
        if kiosk.process and kiosk.process.poll() is None:
            kiosk.process.kill()
        xvfb.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
