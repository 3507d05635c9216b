#!/usr/bin/env python3
"""Read aloud on the real kiosk, heard through SDL's disk audio driver: text in, audio out.

    scripts/read_aloud_test.py BUILD_DIR OUT_DIR

Runs the kiosk full screen under Xvfb (1280x800) with SDL_AUDIODRIVER=disk, so what it would play goes to a
file (SDL_DISKAUDIOFILE: mono signed 16-bit at espeak-ng's rate), and drives it with xdotool:
  - an idle kiosk has opened no sound device (the file does not exist): speech is loaded on first use;
  - on the welcome screen, Læs op plays exactly what libespeak-ng's Danish voice makes of the screen's text
    (the text the kiosk reports in its UI map, synthesised here through ctypes), and not the English voice's,
    and the button turns back into Læs op when it has finished;
  - on a question, Læs op turns into Stop and plays audible speech (RMS over a threshold) for some seconds;
    the screenshot read-aloud.png is taken then; tapping Next stops it: the audio written after that is silence;
  - in English, the welcome screen is read with the English voice (by its length: see expect_voice).
Exit 0 on success.
"""
import array
import ctypes
import math
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiosk_screenshots import Shots, XKiosk, fail, make_config, start_xvfb  # noqa: E402  (the same driver as the screenshots)

WORDS_PER_MINUTE = 150  # client/src/speech.cpp kWordsPerMinute
SAMPLE_BYTES = 2


class Espeak:
    """libespeak-ng in this process, set up as the kiosk sets it up, to know what a voice makes of a text."""

    def __init__(self):
        self.lib = ctypes.CDLL("libespeak-ng.so.1")
        self.rate = self.lib.espeak_Initialize(2, 100, None, 0x8000)  # AUDIO_OUTPUT_SYNCHRONOUS, 100 ms, DONT_EXIT
        if self.rate <= 0:
            fail("espeak-ng cannot start here (is espeak-ng-data installed?)")
        self.samples = array.array("h")

        def collect(wav, count, _events):
            if wav and count > 0:
                self.samples.extend(wav[:count])
            return 0

        self.callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)(collect)
        self.lib.espeak_SetSynthCallback(self.callback)

    def synthesise(self, text, voice):
        self.samples = array.array("h")
        if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
            fail(f"espeak-ng has no voice {voice}")
        self.lib.espeak_SetParameter(1, WORDS_PER_MINUTE, 0)  # espeakRATE
        data = text.encode()
        self.lib.espeak_Synth(data, len(data) + 1, 0, 1, 0, 1, None, None)  # POS_CHARACTER, espeakCHARS_UTF8
        return self.samples


def recorded(path, start=0):
    """The samples the kiosk has played since byte `start` of the disk audio file."""
    with open(path, "rb") as f:
        f.seek(start)
        data = f.read()
    samples = array.array("h")
    samples.frombytes(data[:len(data) - len(data) % SAMPLE_BYTES])
    return samples


def rms(samples):
    return math.sqrt(sum(s * s for s in samples) / len(samples)) if samples else 0.0


def voiced(samples):
    """The samples from the first to the last one that is not silence."""
    loud = [i for i, s in enumerate(samples) if abs(s) > 64]
    return samples[loud[0]:loud[-1] + 1] if loud else array.array("h")


def settled(path, start):
    """The voiced samples after `start` once the sound card has written the last of them: the button turns
    back when the kiosk has handed over its last buffer, and SDL's disk driver writes it a few ms later."""
    heard = voiced(recorded(path, start))
    deadline = time.time() + 2
    while time.time() < deadline:
        time.sleep(0.25)
        now = voiced(recorded(path, start))
        if len(now) == len(heard):
            break
        heard = now
    return heard


def wait_until(condition, what, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.05)
    fail(what)


def expect_voice(kiosk, audio, espeak, voice, other, start, exact):
    """Taps Read aloud and waits until it has finished: the audio after `start` must be `voice` saying the
    screen's text, not `other`. `exact`: sample for sample (espeak-ng's first utterance in a process; later
    ones differ by a few milliseconds with what was said before): else the length must be within 2 % of
    `voice`'s and nearer to it than to `other`'s (a language's voice reads the same text at its own length)."""
    text = kiosk.ui()["spoken"]
    if not text:
        fail(f"the '{kiosk.ui()['screen']}' screen has nothing to read aloud")
    expected = voiced(espeak.synthesise(text, voice))
    wrong = voiced(espeak.synthesise(text, other))
    kiosk.tap(label_of(kiosk, "▶"))
    wait_until(lambda: kiosk.button("■ Stop") is not None, "Read aloud did not turn into Stop")
    wait_until(lambda: kiosk.button("■ Stop") is None, f"the kiosk did not finish saying '{text}'", 60)
    heard = settled(audio, start)
    if exact and heard != expected:
        same = next((i for i, (a, b) in enumerate(zip(heard, expected)) if a != b), min(len(heard), len(expected)))
        fail(f"what the kiosk played is not espeak-ng's {voice} voice saying '{text}' "
             f"(the first {same} of {len(expected)} samples agree; it played {len(heard)})")
    if abs(len(heard) - len(expected)) > 0.02 * len(expected) or abs(len(heard) - len(expected)) >= abs(len(heard) - len(wrong)):
        fail(f"the kiosk played {len(heard)} samples for '{text}': espeak-ng's {voice} voice makes {len(expected)}, "
             f"its {other} voice {len(wrong)}")
    return text


def label_of(kiosk, prefix):
    for b in kiosk.ui()["buttons"]:
        if b["label"].startswith(prefix):
            return b["label"]
    fail(f"no button starting with '{prefix}' on the '{kiosk.ui()['screen']}' screen")


def main():
    build, out = sys.argv[1], sys.argv[2]
    binary = os.path.join(build, "client", "svarboks")
    os.makedirs(out, exist_ok=True)
    espeak = Espeak()
    work = tempfile.mkdtemp(prefix="svarboks-speech-")
    config, _ = make_config(binary, work)
    audio = os.path.join(work, "audio.raw")
    xvfb, display = start_xvfb(1280, 800)
    kiosk = XKiosk(binary, work, dict(os.environ, DISPLAY=display, SDL_AUDIODRIVER="disk", SDL_DISKAUDIOFILE=audio))
    shots = Shots(kiosk, out, "", 1280, 800)
    try:
        kiosk.start([binary, "--config", config])
        kiosk.wait_for("welcome")
        time.sleep(1)
        if os.path.exists(audio):
            fail("the idle kiosk has opened a sound device: speech must load only when first used")

        text = expect_voice(kiosk, audio, espeak, "da", "en", 0, exact=True)
        print(f"welcome: the Danish voice said '{text}'")

        kiosk.tap("Start")
        kiosk.wait_for("consent")
        kiosk.tap("Jeg vil gerne svare")
        kiosk.tap("Næste →")
        spoken = kiosk.ui()["spoken"]
        options = [b["label"] for b in kiosk.ui()["buttons"] if b["scrolls"]]
        if "Hvor arbejder du?" not in spoken or not options or any(option not in spoken for option in options):
            fail(f"the question's read-aloud text should hold its title and every option {options}: '{spoken}'")
        start = os.path.getsize(audio)
        kiosk.tap("▶ Læs op")
        wait_until(lambda: kiosk.button("■ Stop") is not None, "Læs op did not turn into Stop")
        wait_until(lambda: rms(recorded(audio, start)) > 1000 and len(recorded(audio, start)) > 2 * espeak.rate,
                   "no audible speech for the question within 20 s")
        shots.shot("read-aloud")
        kiosk.tap("Hjemmepleje")  # answering moves on: speech stops
        wait_until(lambda: kiosk.button("▶ Læs op") is not None, "Stop did not turn back into Læs op after an answer")
        time.sleep(0.3)  # what the sound card had already taken
        after = os.path.getsize(audio)
        time.sleep(1.5)
        tail = recorded(audio, after)
        if len(tail) < espeak.rate // 2 or rms(tail) > 10:
            fail(f"after the answer the kiosk went on playing (RMS {rms(tail):.0f} over {len(tail)} samples)")
        print(f"question: {len(recorded(audio, start)) / espeak.rate:.1f} s of audio, stopped by an answer")

        kiosk.tap("Start forfra")
        kiosk.tap("Ja, slet og start forfra")
        kiosk.wait_for("welcome")
        kiosk.tap("English")
        text = expect_voice(kiosk, audio, espeak, "en", "da", os.path.getsize(audio), exact=False)
        print(f"welcome in English: the English voice said '{text}'")
        print(f"read aloud checked; screenshot {os.path.join(out, 'read-aloud.png')}")
    finally:
        kiosk.stop()
        xvfb.kill()
        xvfb.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
