#!/usr/bin/env python3
"""Kiosk vs. Chromium + SurveyJS, side by side on one X display (docs/benchmarks.md, issue #3).

Launches, alternately, the svarboks kiosk and Debian's Chromium in kiosk mode showing the same default
survey through SurveyJS (served by web/server.js on 127.0.0.1), and measures for each launch:

  first screen  launch -> first frame on the display (kiosk: the CLOCK_MONOTONIC time it prints with
                SVARBOKS_TRACE_FIRST_FRAME=1, after SwapWindow + glFinish) or first-contentful-paint
                (Chromium: performance.timeOrigin + the FCP entry, epoch ms, moved to CLOCK_MONOTONIC with
                the offset between the two clocks read back to back at launch).
  PSS           sum of Pss from /proc/PID/smaps_rollup over the launched process and all its
                descendants, once when the first screen shows and once after the idle window.
  idle CPU      utime+stime (/proc/PID/stat) of the whole tree over --idle seconds, starting --settle
                seconds after the first screen, as a % of one core; cross-checked with the nanosecond
                run time of every thread (/proc/PID/task/TID/schedstat).

Only the standard library. Run by scripts/bench-kiosk.sh, which provides the X display (Xvfb), builds the
kiosk and installs Chromium and the npm packages; this script starts and stops everything else it uses
and leaves no process behind.
"""
import argparse
import base64
import json
import os
import queue
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
CLK_TCK = os.sysconf("SC_CLK_TCK")

# The Chromium command line (after the binary): a kiosk-like setup with nothing that phones home.
CHROMIUM_FLAGS = [
    "--kiosk",
    "--no-sandbox",  # we run as root, where Chromium refuses its sandbox
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-features=Translate",
    "--password-store=basic",  # no keyring daemon to ask over D-Bus
    "--window-position=0,0",
    "--window-size=1280,800",  # there is no window manager to make --kiosk full screen
]
# Chromium 156 still offers to translate with --disable-features=Translate alone (a page in Danish, an
# English UI), so the fresh profile also has translation switched off in its preferences.
CHROMIUM_PREFERENCES = {"translate": {"enabled": False}}


def mono():
    return time.clock_gettime(time.CLOCK_MONOTONIC)


# ---- /proc ----

def read_stat(pid):
    """(ppid, utime+stime ticks, starttime, state) of a process, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read().decode("ascii", "replace")
    except OSError:
        return None
    fields = data[data.rindex(")") + 2:].split()
    # fields[0] is field 3 (state): ppid = field 4, utime/stime = 14/15, starttime = 22
    return int(fields[1]), int(fields[11]) + int(fields[12]), int(fields[19]), fields[0]


def alive(pid, starttime):
    """True while this very process (not a reused PID) exists and is not a zombie."""
    stat = read_stat(pid)
    return stat is not None and stat[2] == starttime and stat[3] != "Z"


def process_tree(root):
    """PIDs of `root` and all its descendants."""
    children = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            stat = read_stat(int(name))
            if stat:
                children.setdefault(stat[0], []).append(int(name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        if pid in tree:
            continue
        if pid == root and read_stat(pid) is None:
            continue
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def pss_kib(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            pass
    return total


def pss_by_process(pids):
    """[(what, PSS KiB)] per process: Chromium's --type= (browser for none), else the command name."""
    rows = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = f.read().decode("utf-8", "replace").rstrip("\0").split("\0")
        except OSError:
            continue
        if len(argv) == 1:  # Chromium rewrites its children's command lines into one space-separated string
            argv = argv[0].split(" ")
        kind = next((a.split("=", 1)[1] for a in argv if a.startswith("--type=")), None)
        if kind is None:
            kind = "browser" if "chromium" in os.path.basename(argv[0]) else os.path.basename(argv[0])
        sub = next((a.split("=", 1)[1] for a in argv if a.startswith("--utility-sub-type=")), "")
        if sub:
            kind += " (" + sub.split(".")[-1] + ")"
        if "--top-chrome-webui" in argv:
            kind += " (browser UI)"
        rows.append((kind, pss_kib([pid])))
    return sorted(rows, key=lambda row: -row[1])


def pss_by_mapping(pid, top=8):
    """The largest PSS contributors of one process by mapping (file name, or [anon]/[heap]/...)."""
    totals = {}
    current = "[anon]"
    try:
        with open(f"/proc/{pid}/smaps") as f:
            for line in f:
                parts = line.split()
                if parts and not parts[0].endswith(":") and "-" in parts[0]:
                    current = parts[5] if len(parts) > 5 else "[anon]"
                elif parts and parts[0] == "Pss:":
                    totals[current] = totals.get(current, 0) + int(parts[1])
    except OSError:
        return []
    return sorted(totals.items(), key=lambda item: -item[1])[:top]


def renderers_mapped(pids):
    """Graphics libraries mapped by the tree (which OpenGL / software renderer is in use)."""
    found = set()
    for pid in pids:
        try:
            with open(f"/proc/{pid}/maps") as f:
                for line in f:
                    path = line.split()[-1] if len(line.split()) >= 6 else ""
                    name = os.path.basename(path)
                    if "/dri/" in path or "swiftshader" in name or name.startswith(("libLLVM", "libGLESv2", "libEGL")):
                        found.add(name)
        except OSError:
            pass
    return sorted(found)


def thread_runtime_ns(pid):
    total = 0
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total


def cpu_snapshot(pids):
    """{(pid, starttime): (ticks, thread run time ns)}"""
    snap = {}
    for pid in pids:
        stat = read_stat(pid)
        if stat:
            snap[(pid, stat[2])] = (stat[1], thread_runtime_ns(pid))
    return snap


def cpu_between(before, after, seconds):
    ticks = ns = 0
    for key, (t1, n1) in after.items():
        t0, n0 = before.get(key, (0, 0))  # a process started in the window counts from zero
        ticks += t1 - t0
        ns += n1 - n0
    gone = len(set(before) - set(after))
    return {
        "cpu_pct": 100.0 * ticks / CLK_TCK / seconds,
        "cpu_ticks": ticks,
        "cpu_ns_pct": 100.0 * ns / 1e9 / seconds,
        "processes_gone": gone,
    }


# ---- process handling ----

class Launched:
    """A process started in its own session, so that it and its children can be ended together."""

    def __init__(self, argv, env, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL):
        self.launch_mono_before = mono()
        self.launch_wall = time.time()
        self.launch_mono = mono()
        self.proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr,
                                     start_new_session=True)
        self.seen = {}  # pid -> starttime

    @property
    def pid(self):
        return self.proc.pid

    def tree(self):
        pids = process_tree(self.pid)
        self.remember(pids)
        return pids

    def remember(self, pids):
        for pid in pids:
            stat = read_stat(pid)
            if stat:
                self.seen.setdefault(pid, stat[2])

    def stop(self):
        """SIGTERM to the process group, then SIGKILL to the group and to every descendant ever seen."""
        self.remember(process_tree(self.pid))
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.pid, sig)
            except ProcessLookupError:
                pass
            if sig == signal.SIGKILL:
                for pid, start in self.seen.items():
                    if alive(pid, start):
                        try:
                            os.kill(pid, signal.SIGKILL)
                        except ProcessLookupError:
                            pass
            deadline = mono() + 5.0
            while mono() < deadline:
                self.proc.poll()
                if self.proc.returncode is not None and not any(alive(p, s) for p, s in self.seen.items()):
                    return
                time.sleep(0.05)


def lines_to_queue(stream, q):
    for raw in iter(stream.readline, b""):
        q.put(raw.decode("utf-8", "replace"))
    q.put(None)


# ---- the two sides ----

def run_one(side, args, server, workdir, index, xvfb_pid):
    # No session bus for either side: where dbus-launch is installed, SDL and Chromium would otherwise
    # autolaunch a dbus-daemon that outlives them and sits outside the measured process tree.
    env = dict(os.environ, DISPLAY=args.display, DBUS_SESSION_BUS_ADDRESS="disabled:")
    rundir = tempfile.mkdtemp(prefix=f"{side}-{index}-", dir=workdir)
    result = {"side": side, "run": index}
    if side == "kiosk":
        config = {
            "unit_name": "Bench",
            "survey_file": args.survey,
            "central_public_key": base64.b64encode(os.urandom(32)).decode(),
            "outbox_file": os.path.join(rundir, "outbox.db"),
        }
        config_file = os.path.join(rundir, "kiosk.json")
        with open(config_file, "w") as f:
            json.dump(config, f)
        env["SVARBOKS_TRACE_FIRST_FRAME"] = "1"
        launched = Launched([args.svarboks, "--config", config_file, "--windowed", "1280x800"], env,
                            stderr=subprocess.PIPE)
        q = queue.Queue()
        threading.Thread(target=lines_to_queue, args=(launched.proc.stderr, q), daemon=True).start()
        deadline = time.time() + args.timeout
        first = None
        while first is None:
            try:
                line = q.get(timeout=max(0.01, deadline - time.time()))
            except queue.Empty:
                line = None
            if line is None:
                launched.stop()
                raise RuntimeError(f"kiosk run {index}: no 'first frame' line within {args.timeout} s")
            if line.startswith("svarboks: first frame at "):
                first = float(line.split()[-1])
            elif line.strip():
                result.setdefault("stderr", []).append(line.rstrip())
        shown_at = mono()
        result["first_screen_ms"] = (first - launched.launch_mono) * 1000
    else:
        profile = os.path.join(rundir, "profile")
        os.makedirs(os.path.join(profile, "Default"))
        with open(os.path.join(profile, "Default", "Preferences"), "w") as f:
            json.dump(CHROMIUM_PREFERENCES, f)
        url = f"http://127.0.0.1:{server.port}/?run={side}-{index}"
        log = open(os.path.join(rundir, "chromium.log"), "wb")
        launched = Launched([args.chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", url], env,
                            stderr=log, stdout=log)
        log.close()
        try:
            report = server.next_report(args.timeout)
        except RuntimeError:
            launched.stop()
            raise
        shown_at = mono()
        offset = launched.launch_wall - (launched.launch_mono_before + launched.launch_mono) / 2
        fcp_mono = (report["timeOrigin"] + report["fcp"]) / 1000 - offset
        result["first_screen_ms"] = (fcp_mono - launched.launch_mono) * 1000
        # Cross-check without the wall clock: the server's CLOCK_MONOTONIC receipt time, less the page's
        # own elapsed time between FCP and sending (an upper bound: it includes the POST itself).
        fcp_mono_check = report["received_monotonic"] - (report["now"] - report["fcp"]) / 1000
        result["first_screen_check_ms"] = (fcp_mono_check - launched.launch_mono) * 1000
        result["lcp_ms"] = (report["timeOrigin"] + report["lcp"]) / 1000 - offset - launched.launch_mono
        result["lcp_ms"] *= 1000
        result["survey_rendered_ms"] = ((report["timeOrigin"] + report["rendered"]) / 1000 - offset
                                        - launched.launch_mono) * 1000
        result["user_agent"] = report.get("userAgent", "")
    try:
        tree = launched.tree()
        result["pss_first_kib"] = pss_kib(tree)
        result["processes_first"] = len(tree)
        if index == 1:  # what the memory is, once per side
            result["pss_by_process_kib"] = pss_by_process(tree)
            result["kiosk_pss_by_mapping_kib" if side == "kiosk" else "browser_pss_by_mapping_kib"] = \
                pss_by_mapping(launched.pid)
            result["graphics_libraries"] = renderers_mapped(tree)
        time.sleep(max(0.0, shown_at + args.settle - mono()))
        before_pids = launched.tree()
        x_before = cpu_snapshot([xvfb_pid]) if xvfb_pid else {}
        t0 = mono()
        before = cpu_snapshot(before_pids)
        time.sleep(args.idle)
        after_pids = launched.tree()
        after = cpu_snapshot(after_pids)
        t1 = mono()
        x_after = cpu_snapshot([xvfb_pid]) if xvfb_pid else {}
        result.update(cpu_between(before, after, t1 - t0))
        result["idle_seconds"] = t1 - t0
        if xvfb_pid:
            result["xvfb_cpu_pct"] = cpu_between(x_before, x_after, t1 - t0)["cpu_pct"]
        result["pss_idle_kib"] = pss_kib(after_pids)
        result["processes_idle"] = len(after_pids)
        if launched.proc.poll() is not None:
            raise RuntimeError(f"{side} run {index}: exited with {launched.proc.returncode} during the measurement")
        if args.screenshots and index == 1 and shutil.which("import"):
            shot = os.path.join(args.out, f"{side}.png")
            subprocess.run(["import", "-display", args.display, "-window", "root", shot],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)
    finally:
        launched.stop()
        shutil.rmtree(rundir, ignore_errors=True)
    return result


class Server:
    """web/server.js; it exits when our end of its stdin closes, so it cannot outlive this script."""

    def __init__(self, web, survey):
        self.proc = subprocess.Popen(["node", os.path.join(web, "server.js"), "--survey", survey],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, start_new_session=True)
        self.q = queue.Queue()
        threading.Thread(target=lines_to_queue, args=(self.proc.stdout, self.q), daemon=True).start()
        first = self.q.get(timeout=30)
        if first is None:
            raise RuntimeError("the SurveyJS server did not start")
        self.port = json.loads(first)["port"]

    def next_report(self, timeout):
        deadline = time.time() + timeout
        while True:
            try:
                line = self.q.get(timeout=max(0.01, deadline - time.time()))
            except queue.Empty:
                raise RuntimeError(f"Chromium: no first-paint report within {timeout} s")
            if line is None:
                raise RuntimeError("the SurveyJS server stopped")
            message = json.loads(line)
            if "report" in message:
                return message["report"]

    def stop(self):
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=5)
        except Exception:
            self.proc.kill()
            self.proc.wait()


# ---- report ----

def median(results, key):
    values = [r[key] for r in results if r.get(key) is not None]
    return statistics.median(values) if values else None


def fmt(value, digits=1):
    return "n/a" if value is None else f"{value:.{digits}f}"


def summarise(runs, commit):
    kiosk = [r for r in runs if r["side"] == "kiosk"]
    chrome = [r for r in runs if r["side"] == "chromium"]
    def medians(results):
        keys = [key for key, value in results[0].items() if isinstance(value, (int, float)) and key != "run"]
        return {key: median(results, key) for key in keys}

    k, c = medians(kiosk), medians(chrome)

    def ratio(a, b):
        return None if a is None or b in (None, 0) else a / b

    rows = []
    # (label, kiosk value, chromium value, digits, target text, met)
    first_ratio = ratio(k["first_screen_ms"], c["first_screen_ms"])
    rows.append(("launch -> first screen (ms): kiosk first frame / Chromium FCP", k["first_screen_ms"],
                 c["first_screen_ms"], 0, "kiosk <= 1/5 of Chromium", first_ratio is not None and first_ratio <= 0.2,
                 first_ratio))
    pss_ratio = ratio(k["pss_first_kib"], c["pss_first_kib"])
    rows.append(("PSS of the process tree at first screen (MiB)", k["pss_first_kib"] / 1024,
                 c["pss_first_kib"] / 1024, 1, "kiosk <= 1/10 of Chromium", pss_ratio is not None and pss_ratio <= 0.1,
                 pss_ratio))
    pss_idle_ratio = ratio(k["pss_idle_kib"], c["pss_idle_kib"])
    rows.append((f"PSS after the idle window (MiB)", k["pss_idle_kib"] / 1024, c["pss_idle_kib"] / 1024, 1,
                 "(same target)", pss_idle_ratio is not None and pss_idle_ratio <= 0.1, pss_idle_ratio))
    rows.append(("idle CPU, utime+stime (% of one core)", k["cpu_pct"], c["cpu_pct"], 2, "kiosk < 0.2 %",
                 k["cpu_pct"] < 0.2, ratio(k["cpu_pct"], c["cpu_pct"])))
    rows.append(("idle CPU, thread run time from schedstat (% of one core)", k["cpu_ns_pct"], c["cpu_ns_pct"], 3,
                 "", None, ratio(k["cpu_ns_pct"], c["cpu_ns_pct"])))
    if k.get("xvfb_cpu_pct") is not None:
        rows.append(("Xvfb CPU during the idle window (% of one core, not in the figures above)",
                     k["xvfb_cpu_pct"], c["xvfb_cpu_pct"], 2, "", None, None))
    rows.append(("processes", k["processes_idle"], c["processes_idle"], 0, "", None, None))
    rows.append(("Chromium: largest-contentful-paint (ms after launch)", None, c.get("lcp_ms"), 0, "", None, None))
    rows.append(("Chromium: FCP cross-check, server receipt time less the page's own delay (ms)", None,
                 c.get("first_screen_check_ms"), 0, "", None, None))
    if commit:
        rows.append(("Finish -> committed p50 (ms)", commit["p50_ms"], None, 2, "", None, None))
        rows.append(("Finish -> committed p99 (ms)", commit["p99_ms"], None, 2, "kiosk < 15 ms",
                     commit["p99_ms"] < 15, None))
        rows.append(("Finish -> committed max (ms)", commit["max_ms"], None, 2, "", None, None))
    return rows, k, c


def table(rows):
    out = ["| | kiosk | Chromium + SurveyJS | kiosk / Chromium | target | |", "|---|---|---|---|---|---|"]
    for label, kv, cv, digits, target, met, r in rows:
        mark = "" if met is None else ("met" if met else "**missed**")
        out.append(f"| {label} | {fmt(kv, digits) if kv is not None else '—'} | "
                   f"{fmt(cv, digits) if cv is not None else '—'} | "
                   f"{fmt(r, 3) if r is not None else ''} | {target} | {mark} |")
    return "\n".join(out)


def runs_table(runs):
    out = ["| run | side | first screen (ms) | PSS first (MiB) | PSS idle (MiB) | CPU % (stat) | CPU % (schedstat) | "
           "Xvfb CPU % | processes |", "|---|---|---|---|---|---|---|---|---|"]
    for r in runs:
        out.append(f"| {r['run']} | {r['side']} | {r['first_screen_ms']:.0f} | {r['pss_first_kib'] / 1024:.1f} | "
                   f"{r['pss_idle_kib'] / 1024:.1f} | {r['cpu_pct']:.2f} | {r['cpu_ns_pct']:.3f} | "
                   f"{fmt(r.get('xvfb_cpu_pct'), 2)} | {r['processes_idle']} |")
    return "\n".join(out)


def load_commit(path):
    """Medians over the repetitions of BM_FinishToCommitted from bench_commit's JSON output."""
    if not path or not os.path.exists(path):
        return None
    with open(path) as f:
        data = json.load(f)
    reps = [b for b in data["benchmarks"]
            if b["name"].startswith("BM_FinishToCommitted") and b.get("run_type") == "iteration"]
    if not reps:
        return None
    return {key: statistics.median(b[key] for b in reps) for key in ("p50_ms", "p99_ms", "max_ms", "real_time")} | {
        "repetitions": len(reps), "samples": sum(b["samples"] for b in reps)}


def machine():
    model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])
    return {"cpu": model, "cores": os.cpu_count(), "memory_gib": round(mem_kib / 1048576, 1),
            "kernel": os.uname().release}


def memory_text(runs):
    lines = []
    for r in runs:
        if "pss_by_process_kib" not in r:
            continue
        procs = ", ".join(f"{kind} {kib / 1024:.1f}" for kind, kib in r["pss_by_process_kib"])
        lines.append(f"- {r['side']} run {r['run']}, PSS by process (MiB): {procs}")
        key = "kiosk_pss_by_mapping_kib" if r["side"] == "kiosk" else "browser_pss_by_mapping_kib"
        maps = ", ".join(f"{os.path.basename(name) or name} {kib / 1024:.1f}" for name, kib in r.get(key, []))
        lines.append(f"- {r['side']} run {r['run']}, largest PSS of the {'kiosk' if r['side'] == 'kiosk' else 'browser'} "
                     f"process by mapping (MiB): {maps}")
        lines.append(f"- {r['side']}: graphics libraries mapped: {', '.join(r.get('graphics_libraries', [])) or 'none'}")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--display", default=os.environ.get("DISPLAY"), help="X display to use (default $DISPLAY)")
    parser.add_argument("--xvfb-pid", type=int, default=0, help="the X server's PID, to report its CPU too")
    parser.add_argument("--svarboks", default=os.path.join(ROOT, "build/release/client/svarboks"))
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    parser.add_argument("--survey", default=os.path.join(ROOT, "assets/surveys/digital-kompetence.json"))
    parser.add_argument("--web", default=os.path.join(HERE, "web"))
    parser.add_argument("--runs", type=int, default=5, help="measured launches of each side (alternating)")
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured launches of each side first")
    parser.add_argument("--settle", type=float, default=5.0, help="seconds after the first screen before idling")
    parser.add_argument("--idle", type=float, default=10.0, help="length of the idle CPU window, seconds")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--commit-json", help="bench_commit --benchmark_out file to include in the table")
    parser.add_argument("--out", default=os.path.join(ROOT, "build/bench-kiosk"), help="results folder")
    parser.add_argument("--screenshots", action="store_true", help="save a screenshot of each side's first run")
    args = parser.parse_args()
    # On SIGTERM (scripts/bench-kiosk.sh's trap) unwind through the finally blocks, which stop what we started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if not args.display:
        parser.error("no X display: pass --display or set DISPLAY (scripts/bench-kiosk.sh starts an Xvfb)")
    os.makedirs(args.out, exist_ok=True)
    args.survey = os.path.abspath(args.survey)

    load_before = os.getloadavg()
    workdir = tempfile.mkdtemp(prefix="svarboks-bench-kiosk-")
    server = Server(args.web, args.survey)
    runs = []
    try:
        order = []
        for i in range(args.warmup):
            order += [("kiosk", -i), ("chromium", -i)]
        for i in range(1, args.runs + 1):
            order += [("kiosk", i), ("chromium", i)] if i % 2 else [("chromium", i), ("kiosk", i)]
        for side, index in order:
            result = run_one(side, args, server, workdir, index, args.xvfb_pid)
            label = "warm-up" if index <= 0 else f"run {index}"
            print(f"  {side:8} {label:8} first screen {result['first_screen_ms']:7.0f} ms   "
                  f"PSS {result['pss_first_kib'] / 1024:7.1f} MiB (idle {result['pss_idle_kib'] / 1024:7.1f})   "
                  f"idle CPU {result['cpu_pct']:5.2f} % ({result['cpu_ns_pct']:.3f} %)   "
                  f"{result['processes_idle']} processes", flush=True)
            if index > 0:
                runs.append(result)
            time.sleep(1.0)
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    commit = load_commit(args.commit_json)
    rows, k, c = summarise(runs, commit)
    summary = {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "chromium_version": subprocess.run([args.chromium, "--version"], capture_output=True, text=True).stdout.strip(),
        "chromium_flags": CHROMIUM_FLAGS,
        "chromium_preferences": CHROMIUM_PREFERENCES,
        "settle_seconds": args.settle,
        "idle_seconds": args.idle,
        "machine": machine(),
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "medians": {"kiosk": k, "chromium": c},
        "commit": commit,
        "runs": runs,
    }
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(summary, f, indent=2)
    m = summary["machine"]
    text = (f"{summary['date']}; {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, Linux {m['kernel']}; "
            f"{summary['chromium_version']}; load average {load_before[0]:.1f} before, "
            f"{summary['load_average_after'][0]:.1f} after.\n\n"
            f"Medians of {args.runs} launches each (alternating, after {args.warmup} warm-up each); "
            f"idle window {args.idle:g} s starting {args.settle:g} s after the first screen.\n\n"
            + table(rows) + "\n\nEvery launch:\n\n" + runs_table(runs) + "\n\nWhat the memory is (first run):\n\n"
            + memory_text(runs) + "\n")
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write(text)
    print()
    print(text)
    print(f"Raw results: {os.path.join(args.out, 'results.json')}")


if __name__ == "__main__":
    main()
