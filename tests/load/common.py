"""What the load tests (run_load.py, run_slow_clients.py) share: a central endpoint set up with the real binary
(init on 127.0.0.1, one unit, the default survey published for every unit; the attack suite's harness.Central
starts and stops it), what /proc says of the running server (memory, threads, CPU time, the connections
established to its port), percentiles, log lines stamped with the seconds since the script started, and the
end of a run (the work folder, the verdict).
"""
import argparse
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "attacks"))
import harness  # noqa: E402
from harness import run  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SURVEY = os.path.join(ROOT, "assets", "surveys", "digital-kompetence.json")
START = time.monotonic()


def log(text):
    print(f"[{time.monotonic() - START:6.1f} s] {text}", flush=True)


def percentile(values, p):
    """The p-th percentile of values (nearest rank); 0.0 for none."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100.0 * (len(ordered) - 1))))] if ordered else 0.0


def argument_parser(doc, connections):
    """The options both tests take (BUILD, --connections, --seconds, --central, --report, --keep); each adds its own."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("build", help="the CMake build folder")
    parser.add_argument("--connections", type=int, default=connections)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--central", help="another svarboks-central binary to measure (default: the build folder's)")
    parser.add_argument("--report", help="write the figures as JSON to this file")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    return parser


def central_binary(args):
    """The svarboks-central to measure: --central, else the build folder's."""
    return args.central or os.path.join(args.build, "sync", "central", "svarboks-central")


class Central(harness.Central):
    """The attack suite's Central with its store in a database when `database` (a postgresql:// URL) is
    given: every command and `serve` get --database too; the data folder keeps the keys and certificate."""

    def __init__(self, binary, data, logfile, database=""):
        super().__init__(binary, data, logfile)
        self.database = database

    def store_options(self):
        return ["--database", self.database] if self.database else []

    def cli(self, *args, **kwargs):
        return super().cli(*args, *self.store_options(), **kwargs)

    def start(self, timeout=60, options=()):
        return super().start(timeout, [*self.store_options(), *options])


def set_up_central(binary, work, unit, unit_name, database=""):
    """`svarboks-central init` in WORK/central (its log WORK/central.log), one unit and the default survey
    published for every unit; with `database`, the store is there. Returns the Central, not started yet, and
    what `survey publish` printed (the definition's and consent's hashes a kiosk seals with)."""
    central = Central(binary, os.path.join(work, "central"), os.path.join(work, "central.log"), database)
    central.cli("init", "--host", "127.0.0.1")
    central.cli("units", "add", unit, "--name", unit_name)
    published = central.cli("survey", "publish", SURVEY, "--all").stdout
    return central, published


def established(port):
    """TCP connections in state ESTABLISHED whose local port is `port` (the server's side), IPv4 and IPv6."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    if fields[3] == "01" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                        count += 1
        except FileNotFoundError:
            pass
    return count


def process_status(pid):
    """A process's VmRSS and VmHWM (MiB), Threads and cpu_seconds (user + system), from /proc; None once it
    has gone."""
    values = {}
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        values["cpu_seconds"] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    values[key] = int(value.split()[0]) / 1024.0
                elif key == "Threads":
                    values[key] = int(value)
    except FileNotFoundError:
        return None
    return values


def clean_up(work, keep):
    """Removes the work folder, or keeps it and says where (after a failure, or with --keep)."""
    if keep:
        log(f"work folder kept: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)


def verdict(name, failures, success):
    """Prints the failed checks, or `success`, after the test's name; returns the exit status."""
    if failures:
        print(f"{name}: " + "\n  ".join(["failed:", *failures]), flush=True)
        return 1
    print(f"{name}: {success}", flush=True)
    return 0
