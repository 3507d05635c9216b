#!/usr/bin/env python3
"""Runs the real kiosk full screen, drives it as a person would, saves screenshots and checks each one.

    scripts/kiosk_screenshots.py BUILD_DIR OUT_DIR [--size WxH] [--prefix NAME-] [--short]
    scripts/kiosk_screenshots.py BUILD_DIR OUT_DIR --cage

Under Xvfb with no window manager (as a plain xinit kiosk session), the display WxH (default 1280x800):
taps through with xdotool and saves welcome, consent, question, profile, pin-pad, admin and checks PNGs (at
1280x800 also large-text (a question in the larger text chosen on the welcome screen), keyboard-focus (an
option chosen with Tab and Space, Next pressed with Return), idle-warning,
free-text (typed on the on-screen keyboard) and config-error; --short stops after a question and goes to the admin screen).
With --cage it runs the kiosk under cage (headless wlroots, pixman: no GPU) as an unprivileged user, once
through Wayland itself and once with EGL taken away, where the kiosk must say so and draw through Xwayland,
and saves what grim sees.

Every screenshot is checked: the kiosk's window covers the whole display (an X window at 0,0 of the
display's size; every edge pixel the kiosk's background, so no black band), it draws at the display's
size, every button lies inside the screen (or in a scrolling region) and body text has the size of the
rule in screens.hpp. The kiosk writes where its buttons are (SVARBOKS_UI_MAP, a testing aid) so that
buttons are tapped by their labels. Stops everything it started. Exit 0 on success, 77 when a tool is
missing (--cage only).
"""
import argparse
import base64
import json
import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BACKGROUND = (250, 249, 245)  # the kiosk's background colour (screens.cpp kBackground)


def fail(message):
    print(f"kiosk_screenshots: {message}", file=sys.stderr)
    sys.exit(1)


def body_px(width, height):
    """Body text height for a display of width x height pixels at density 1 (client::uiScale)."""
    return max(30 * min(width, height) / 800, 28)


def read_rgb(path):
    """(width, height, bytes) of a PNG, 8-bit RGB."""
    size = subprocess.run(["identify", "-format", "%w %h", path], capture_output=True, text=True, check=True).stdout
    width, height = (int(v) for v in size.split())
    pixels = subprocess.run(["convert", path, "-depth", "8", "rgb:-"], capture_output=True, check=True).stdout
    return width, height, pixels


def picture_problem(path, width, height, overlay):
    """None if the screenshot is the display's size, its edges are the kiosk's background (dimmed evenly
    under an overlay) and there is something drawn on it; else what is wrong."""
    w, h, pixels = read_rgb(path)
    if (w, h) != (width, height):
        return f"{path}: {w}x{h}, expected {width}x{height}"

    def at(x, y):
        i = 3 * (y * w + x)
        return tuple(pixels[i:i + 3])

    def near(p, q):  # SDL's software renderer may round a channel down by one or two
        return all(abs(a - b) <= 3 for a, b in zip(p, q))

    edge = [at(x, y) for x in range(w) for y in (0, h - 1)] + [at(x, y) for y in range(h) for x in (0, w - 1)]
    expected = at(w // 2, 0) if overlay else BACKGROUND
    wrong = sum(1 for p in edge if not near(p, expected))
    if wrong or near(expected, (0, 0, 0)):
        return (f"{path}: {wrong} of {len(edge)} edge pixels are not the kiosk's background {expected}: "
                "the window does not cover the display")
    drawn = sum(1 for i in range(0, len(pixels), 3 * 97) if not near(pixels[i:i + 3], expected))
    if drawn < len(pixels) // (3 * 97) // 100:
        return f"{path}: nearly blank ({drawn} sampled pixels differ from the background)"
    return None


def check_picture(path, width, height, overlay):
    problem = picture_problem(path, width, height, overlay)
    if problem:
        fail(problem)


LARGE_TEXT = 1.3  # client::kLargeTextScale


def check_layout(ui, width, height, where, text_scale=1):
    """What the kiosk drew: at the display's size, every button inside it, body text as the rule says (times
    text_scale where the respondent chose larger text)."""
    if ui["size"] != [width, height]:
        fail(f"{where}: the kiosk draws {ui['size']}, the display is {width}x{height}")
    for b in ui["buttons"]:
        x0, y0, x1, y1 = b["box"]
        if x0 < 0 or x1 > width or not b["scrolls"] and (y0 < 0 or y1 > height):
            fail(f"{where}: the button '{b['label']}' at {b['box']} is not inside the {width}x{height} screen")
    if abs(ui["body_px"] - body_px(width, height) * text_scale) > 0.01:
        fail(f"{where}: body text is {ui['body_px']} px, the rule gives {body_px(width, height) * text_scale} px")


class Kiosk:
    def __init__(self, binary, work, env):
        self.binary = binary
        self.map_file = os.path.join(work, "ui.json")
        # Under ASan (the CI build) LeakSanitizer would report X11's, SDL's and Mesa's deliberate
        # process-lifetime allocations at exit; our own code's leaks are caught by the unit suites.
        asan = os.environ.get("ASAN_OPTIONS", "")
        self.env = dict(env, SVARBOKS_UI_MAP=self.map_file, ASAN_OPTIONS=(asan + ":" if asan else "") + "detect_leaks=0")
        self.process = None

    def start(self, command):
        if os.path.exists(self.map_file):
            os.remove(self.map_file)
        self.process = subprocess.Popen(command, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        start_new_session=True)

    def ui(self):
        try:
            with open(self.map_file) as f:
                return json.load(f)
        except (OSError, ValueError):
            return {"screen": "", "buttons": [], "idle": False}

    def settle(self, after, timeout=15):
        """Waits until the kiosk has drawn a frame since frame `after`, after which it sleeps (it draws a
        few frames after each input): the map shows the tap's effect."""
        deadline = time.time() + timeout
        last, since = after, time.time()
        while time.time() < deadline and self.process.poll() is None:  # (a tap on Quit ends it)
            ui = self.ui()
            frame = ui.get("frame", 0)
            if frame != last:
                last, since = frame, time.time()
            elif frame > after and ui["idle"] and time.time() - since > 0.05:
                return
            time.sleep(0.01)
        if self.process.poll() is None:
            fail(f"the kiosk did not settle after a tap (frame {last}, {after} before it)")

    def wait_for(self, screen, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                fail(f"the kiosk exited while waiting for '{screen}':\n{self.process.stdout.read()}")
            if self.ui()["screen"] == screen:
                time.sleep(0.3)
                return
            time.sleep(0.05)
        fail(f"the kiosk did not reach the '{screen}' screen (it shows '{self.ui()['screen']}')")

    def stop(self):
        """Ends the process we started and its children (cage and the kiosk under it); returns their output."""
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            return self.process.communicate(timeout=15)[0]
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            return self.process.communicate()[0]
        except ProcessLookupError:
            return self.process.communicate()[0]


class XKiosk(Kiosk):
    """The kiosk on an X display, tapped with xdotool."""

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
        before = self.ui().get("frame", 0)
        self.xdotool("mousemove", str(int(b["x"])), str(int(b["y"])), "click", "1")
        self.settle(before)

    def key(self, name):
        """Presses a key (an external keyboard or a switch), as xdotool names it: Tab, shift+Tab, Return, space."""
        before = self.ui().get("frame", 0)
        self.xdotool("key", name)
        self.settle(before)

    def focused(self):
        """The label of the button with the keyboard focus ring, or None."""
        return next((b["label"] for b in self.ui()["buttons"] if b.get("focused")), None)

    def focus_on(self, label):
        """Tabs to the button labelled `label`."""
        for _ in range(30):
            if self.focused() == label:
                return
            self.key("Tab")
        fail(f"Tab never reached '{label}'")

    def hold_corner(self, seconds=3.4):
        self.xdotool("mousemove", "10", "10", "mousedown", "1")
        time.sleep(seconds)
        self.xdotool("mouseup", "1")
        time.sleep(0.3)

    def window_geometry(self):
        """(x, y, width, height) of the kiosk's X window, as the X server has it."""
        info = subprocess.run(["xwininfo", "-name", "Svarboks"], env=self.env, capture_output=True, text=True, check=True).stdout
        fields = dict(line.strip().split(":", 1) for line in info.splitlines() if ":" in line)
        return tuple(int(fields[k]) for k in ("Absolute upper-left X", "Absolute upper-left Y", "Width", "Height"))


class Shots:
    """Takes and checks the screenshots of one display size."""

    def __init__(self, kiosk, out, prefix, width, height):
        self.kiosk, self.out, self.prefix, self.width, self.height = kiosk, out, prefix, width, height
        self.taken = []

    def shot(self, name, overlay=False, text_scale=1):
        path = os.path.join(self.out, f"{self.prefix}{name}.png")
        subprocess.run(["import", "-window", "root", path], env=self.kiosk.env, check=True)
        geometry = self.kiosk.window_geometry()
        if geometry != (0, 0, self.width, self.height):
            fail(f"{name}: the kiosk's window is {geometry[2]}x{geometry[3]} at {geometry[0]},{geometry[1]}, "
                 f"the display is {self.width}x{self.height}")
        check_layout(self.kiosk.ui(), self.width, self.height, f"{self.prefix}{name}", text_scale)
        check_picture(path, self.width, self.height, overlay)
        self.taken.append(os.path.basename(path))


def make_config(binary, work):
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
    return config, settings


def answer_survey(kiosk):
    rng = random.Random(7)
    scale = ["Det kan jeg ikke endnu", "Det kan jeg med hjælp", "Det kan jeg selv", "Det kan jeg sikkert og kan hjælpe andre"]
    for _ in range(80):
        if kiosk.ui()["screen"] != "question":
            break
        options = [b["label"] for b in kiosk.ui()["buttons"]]
        if "Ja" in options:
            kiosk.tap("Ja")
        elif scale[0] in options:
            kiosk.tap(rng.choice(scale))
        kiosk.tap("Afslut ✓" if kiosk.button("Afslut ✓") else "Næste →")


def start_xvfb(width, height):
    """An Xvfb of width x height on a free display, after checking the X tools are there: (process, ":N")."""
    for tool in ("Xvfb", "xdotool", "xwininfo", "import", "convert", "identify"):
        if shutil.which(tool) is None:
            fail(f"{tool} is missing (Debian packages xvfb, xdotool, x11-utils, imagemagick)")
    read_end, write_end = os.pipe()  # Xvfb picks a free display and writes its number here
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write_end), "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, pass_fds=(write_end,))
    os.close(write_end)
    with os.fdopen(read_end) as numbers:
        return xvfb, ":" + numbers.readline().strip()


def run_x11(binary, out, width, height, prefix, short):
    # A 2x display (2560x1600) is tested as what X11 gives it: a 2560x1600 pixel window, since X11 has no
    # window scale (SDL 2.26 reports a density of 1); the rule in screens.hpp alone doubles the text.
    work = tempfile.mkdtemp(prefix="svarboks-shots-")
    config, settings = make_config(binary, work)
    xvfb, display = start_xvfb(width, height)
    kiosk = XKiosk(binary, work, dict(os.environ, DISPLAY=display))
    shots = Shots(kiosk, out, prefix, width, height)
    reference = (width, height) == (1280, 800)
    try:
        kiosk.start([binary, "--config", config])
        kiosk.wait_for("welcome")
        shots.shot("welcome")
        if reference:  # larger text for one respondent: a question in it, then Start over gives the next one normal text
            kiosk.tap("Større tekst")
            kiosk.tap("Start")
            kiosk.tap("Jeg vil gerne svare")
            kiosk.wait_for("question")
            kiosk.tap("Næste →")
            kiosk.tap("Hjemmepleje")
            kiosk.tap("Næste →")
            shots.shot("large-text", text_scale=LARGE_TEXT)
            kiosk.tap("Start forfra")
            kiosk.tap("Ja, slet og start forfra")
            kiosk.wait_for("welcome")
            check_layout(kiosk.ui(), width, height, "welcome after larger text")
        kiosk.tap("Start")
        kiosk.wait_for("consent")
        shots.shot("consent")
        kiosk.tap("Jeg vil gerne svare")
        kiosk.wait_for("question")
        kiosk.tap("Næste →")
        kiosk.tap("Hjemmepleje")
        kiosk.tap("Næste →")
        kiosk.tap("Det kan jeg selv")
        shots.shot("question")
        if reference:  # without touch: Tab to an option and Space chooses it, the focus ring shows where
            kiosk.focus_on("Det kan jeg med hjælp")
            kiosk.key("space")
            if not kiosk.button("Det kan jeg med hjælp")["selected"]:
                fail("Space on the focused option did not choose it")
            kiosk.focus_on("Næste →")
            shots.shot("keyboard-focus")
            before = [b["label"] for b in kiosk.ui()["buttons"]]
            kiosk.key("Return")
            if kiosk.focused() is not None or kiosk.button("Det kan jeg med hjælp")["selected"]:
                fail(f"Return on Næste → did not move on to a new question (buttons before: {before})")

        if reference:
            time.sleep(31)  # idle_timeout_seconds = 30 in this config
            if kiosk.button("Ja, fortsæt") is None:
                fail("no idle warning after 31 s")
            shots.shot("idle-warning", overlay=True)
            kiosk.tap("Ja, fortsæt")
        if short:
            kiosk.tap("Start forfra")
            kiosk.tap("Ja, slet og start forfra")
        else:
            answer_survey(kiosk)
            kiosk.wait_for("profile")
            shots.shot("profile")
            kiosk.tap("Færdig")
        kiosk.wait_for("welcome", timeout=20)

        kiosk.hold_corner()
        kiosk.wait_for("pin-pad")
        for digit in "246813":
            kiosk.tap(digit)
        shots.shot("pin-pad")
        kiosk.tap("OK")
        kiosk.wait_for("admin")
        shots.shot("admin")
        kiosk.tap("Kontrollér kiosken")  # the checks of svarboks doctor, run off the UI thread
        kiosk.wait_for("checks")
        deadline = time.time() + 20
        while not (kiosk.button("Kontrollér igen") or {}).get("enabled") and time.time() < deadline:
            time.sleep(0.1)
        shots.shot("checks")
        kiosk.tap("← Tilbage")
        kiosk.wait_for("admin")
        kiosk.tap("Luk kiosken")
        code = kiosk.process.wait(timeout=10)
        if code != 0:
            fail(f"the kiosk exited with {code}")
        output = kiosk.process.stdout.read()
        if f"drawing {width}x{height} pixels through x11" not in output:
            fail(f"the kiosk did not say it draws {width}x{height} pixels through x11; it said: {output!r}")

        if reference:  # free text (a survey that allows it): the on-screen keyboard, the count and the warning
            free_text = os.path.join(work, "free-text.json")
            with open(os.path.join(ROOT, "assets", "surveys", "pulse.json")) as f:
                survey = json.load(f)
            survey["allowFreeText"] = True
            survey["pages"].insert(0, {"name": "idea", "elements": [
                {"type": "comment", "name": "idea", "title": {"da": "Hvad ville hjælpe dig mest?", "default": "What would help you most?"}}]})
            with open(free_text, "w") as f:
                json.dump(survey, f, ensure_ascii=False)
            with open(config, "w") as f:
                json.dump(dict(settings, survey_file=free_text), f, indent=2)
            kiosk.start([binary, "--config", config])
            kiosk.wait_for("welcome")
            kiosk.tap("Start")
            kiosk.tap("Jeg vil gerne svare")
            kiosk.wait_for("question")
            for key in ["M", "e", "r", "e", "mellemrum", "t", "i", "d", "mellemrum", "t", "i", "l", "mellemrum", "a", "t", "mellemrum",
                        "ø", "v", "e", "mellemrum", "m", "i", "g", "."]:
                kiosk.tap(key)
            shots.shot("free-text")
            kiosk.tap("Start forfra")
            kiosk.tap("Ja, slet og start forfra")
            kiosk.process.kill()
            kiosk.process.wait()

        if reference:  # a broken config: the kiosk refuses to start, with the message on stderr and on screen
            settings["idle_timeout_seconds"] = "fast"
            with open(config, "w") as f:
                json.dump(settings, f, indent=2)
            kiosk.start([binary, "--config", config])
            kiosk.wait_for("fatal-error")
            shots.shot("config-error")
            kiosk.tap("Quit / Afslut")
            output = kiosk.process.communicate(timeout=10)[0]
            if kiosk.process.returncode == 0 or "idle_timeout_seconds" not in output:
                fail(f"a bad config should stop the kiosk with a message naming the key; it said: {output!r}")
        print(f"{width}x{height}: screenshots checked in {out}: {', '.join(shots.taken)}")
    finally:
        if kiosk.process and kiosk.process.poll() is None:
            kiosk.process.kill()
        xvfb.kill()
        xvfb.wait()
        shutil.rmtree(work, ignore_errors=True)


def run_cage(binary, out):
    """The kiosk as its service runs it: under cage on headless wlroots with the pixman renderer (no GPU)."""
    for tool in ("cage", "grim", "Xwayland", "identify", "convert"):
        if shutil.which(tool) is None:
            print(f"kiosk_screenshots: {tool} is missing (Debian packages cage, grim, xwayland): skipped")
            sys.exit(77)
    work = tempfile.mkdtemp(prefix="svarboks-cage-")
    os.chmod(work, 0o755)
    config, _ = make_config(binary, work)
    runtime = os.path.join(work, "run")
    os.mkdir(runtime, 0o700)
    become = []
    if os.geteuid() == 0:  # cage refuses to run as root: the service runs it as its own user, we as nobody
        become = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
        for path in (work, runtime, config):
            os.chown(path, 65534, 65534)
    # SVARBOKS_REDRAW_MS: the headless backend lets grim copy only a frame drawn while it waits.
    env = {"PATH": "/usr/bin:/bin", "HOME": work, "XDG_RUNTIME_DIR": runtime, "WLR_BACKENDS": "headless",
           "WLR_RENDERER": "pixman", "WLR_LIBINPUT_NO_DEVICES": "1", "SVARBOKS_REDRAW_MS": "200"}
    for key in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "SVARBOKS_FONT_DIR"):
        if key in os.environ:
            env[key] = os.environ[key]
    runs = [("cage-wayland", {}, "through wayland with the opengles2 renderer", None),
            # No EGL (as on a machine whose GL driver is missing): the kiosk must say so and use Xwayland.
            ("cage-xwayland", {"__EGL_VENDOR_LIBRARY_FILENAMES": "/nonexistent.json"},
             "through x11 with the software renderer", "drawing through X11 (Xwayland")]
    try:
        for name, extra, drawing, notice in runs:
            kiosk = Kiosk(binary, work, dict(env, **extra))
            kiosk.start([*become, "cage", "-d", "--", binary, "--config", config])
            try:
                kiosk.wait_for("welcome")
                path = os.path.join(out, f"{name}.png")
                socket = [n for n in os.listdir(runtime) if n.startswith("wayland-") and not n.endswith(".lock")]
                width, height = kiosk.ui()["size"]
                check_layout(kiosk.ui(), width, height, name)
                for _ in range(60):  # the headless output shows nothing for its first seconds
                    subprocess.run(["grim", path], env=dict(env, WAYLAND_DISPLAY=socket[0]), check=True)
                    problem = picture_problem(path, width, height, overlay=False)
                    if problem is None:
                        break
                    time.sleep(0.5)
                if problem:
                    fail(problem)
            finally:
                output = kiosk.stop()
            if f"pixels {drawing}" not in output or (notice and notice not in output):
                fail(f"{name}: the kiosk should draw {drawing}{' and say ' + repr(notice) if notice else ''}; it said:\n{output}")
            print(f"{name}: {[line for line in output.splitlines() if line.startswith('svarboks:')]}, {path} checked")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build")
    parser.add_argument("out")
    parser.add_argument("--size", default="1280x800", help="the display, WxH")
    parser.add_argument("--prefix", default="", help="put before each screenshot's name")
    parser.add_argument("--short", action="store_true", help="no profile: a question, then the admin screen")
    parser.add_argument("--cage", action="store_true", help="under cage (Wayland) instead of Xvfb")
    args = parser.parse_args()
    binary = os.path.join(args.build, "client", "svarboks")
    os.makedirs(args.out, exist_ok=True)
    if args.cage:
        run_cage(binary, args.out)
    else:
        width, height = (int(v) for v in args.size.split("x"))
        run_x11(binary, args.out, width, height, args.prefix, args.short)


if __name__ == "__main__":
    main()
