"""A throwaway PostgreSQL 15 for the Python test drivers (the fault and load suites), over cluster.sh, and
what /proc says about it while it runs. Standard library only.

    with Cluster() as url:      # Unavailable (exit 77 in the drivers) when PostgreSQL 15 is not installed
        ...                     # stopped and removed on the way out, also after an exception
"""
import os
import shutil
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "cluster.sh")
BIN = "/usr/lib/postgresql/15/bin"
SKIP = 77  # ctest's SKIP_RETURN_CODE for the suites that need it


class Unavailable(Exception):
    """PostgreSQL 15 is not installed: the suite is skipped (exit 77), not failed."""


class Cluster:
    """cluster.sh start in a folder of its own under the system's temp folder (cluster.sh hands it to the
    postgres user when run as root, who could not enter a driver's 0700 work folder); `url` once started."""

    def __init__(self, prefix="svarboks-postgresql-"):
        self.dir = tempfile.mkdtemp(prefix=prefix)
        self.url = None

    def start(self):
        started = subprocess.run([SCRIPT, "start", self.dir], capture_output=True, text=True, timeout=120)
        if started.returncode == SKIP:
            shutil.rmtree(self.dir, ignore_errors=True)
            raise Unavailable(started.stderr.strip())
        if started.returncode != 0:
            raise RuntimeError(f"cluster.sh start failed: {started.stderr.strip()[-800:]}")
        self.url = started.stdout.strip().splitlines()[-1]
        return self.url

    def stop(self):
        """Stops the server and removes its folder; says so on stderr when that fails, never raises."""
        try:
            stopped = subprocess.run([SCRIPT, "stop", self.dir], capture_output=True, text=True, timeout=120)
            if stopped.returncode != 0:
                print(f"cluster.sh stop failed: {stopped.stderr.strip()[-300:]}", flush=True)
        except subprocess.TimeoutExpired:
            print("cluster.sh stop did not finish within 120 s", flush=True)
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False


def postmaster_pid(url):
    """The pid of the server behind `url`, from postmaster.pid in its data directory (asked of the server:
    `SHOW data_directory` needs a superuser, which cluster.sh's svarboks is); None when that fails."""
    try:
        data_directory = psql(url, "SHOW data_directory")[0][0]
        with open(os.path.join(data_directory, "postmaster.pid")) as f:
            return int(f.readline())
    except (OSError, ValueError, IndexError, RuntimeError, subprocess.TimeoutExpired):
        return None


def _pids():
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def _stat(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return fields  # fields[0] is the state, [1] the ppid, [11] utime, [12] stime, [13] cutime, [14] cstime


def server_status(postmaster):
    """The whole server: the postmaster and its children (backends, checkpointer, WAL writer, ...).
    pss_mib: their proportional set sizes summed (shared buffers counted once, not once per backend as RSS
    would); cpu_seconds: user + system of all of them, children that have exited included (the postmaster's
    cutime); processes. None once the postmaster has gone."""
    tick = os.sysconf("SC_CLK_TCK")
    try:
        fields = _stat(postmaster)
    except OSError:
        return None
    cpu = sum(int(fields[i]) for i in (11, 12, 13, 14)) / tick
    members = [postmaster]
    for pid in _pids():
        try:
            child = _stat(pid)
        except OSError:
            continue
        if int(child[1]) == postmaster:
            members.append(pid)
            cpu += (int(child[11]) + int(child[12])) / tick
    pss = 0.0
    for pid in members:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1]) / 1024.0
                        break
        except OSError:
            pass
    return {"pss_mib": pss, "cpu_seconds": cpu, "processes": len(members)}


def psql(url, sql, timeout=30):
    """Runs one statement with psql; its rows as lists of fields ('|'-separated), or raises on an error."""
    done = subprocess.run([os.path.join(BIN, "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
                          capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"psql: {done.stderr.strip()[-500:]}")
    return [line.split("|") for line in done.stdout.splitlines() if line]
