#!/usr/bin/env python3
"""500 kiosks at once against one central process: no errors but deliberate 429/503, memory bounded, every
accepted response stored exactly once.

  tests/load/run_load.py BUILD_DIR [--connections 500] [--seconds 60] [--batch 20] [--threads N]
                         [--max-rss-mib 512] [--central BINARY] [--report FILE] [--keep]
                         [--postgresql | --database URL] [--replicas N]

Sets up a central endpoint on 127.0.0.1 (common.py: init, a unit, the default survey), makes one enrolment code per
connection, starts `svarboks-central serve` (with --threads N when given, else its default) and runs the load
generator (BUILD_DIR/tests/load_central; see load_central.cpp): it enrols every device, then each kiosk
posts sealed batches on its own kept-alive TLS connection for --seconds, retrying on 429/503 after
Retry-After as PROTOCOL.md says. Meanwhile, every second: the server's VmRSS and VmHWM (/proc/PID/status),
its threads, and the TLS connections established to its port (/proc/net/tcp). Then SIGTERM (must exit 0),
the export, and the checks:
- no status but 200, 429 and 503, no network error (reset, timeout), no reply that is not the server's;
- the peak RSS (VmHWM) under --max-rss-mib;
- the store holds exactly the ids the server answered "accepted" or "duplicate" for, each once.
Prints the figures (throughput, latency percentiles, 429/503 counts, peak RSS, peak connections); --report
writes them as JSON. Exit 0 when every check holds.

PostgreSQL and replicas (issue 18): --postgresql starts a throwaway PostgreSQL 15 for the run
(tests/postgresql/cluster.sh; stopped and removed at the end; exit 77 when it is not installed), --database
URL uses an existing, empty database. --replicas N starts N `serve` processes on that one database; the
generator spreads the kiosks over them round-robin (kiosk i on replica i mod N: load_central.cpp). With a
database the driver also samples, every second, the PostgreSQL server as a whole (the postmaster and every
backend: their summed PSS, which counts the shared buffers once, their CPU time, the processes) and what its
active sessions wait on (pg_stat_activity's wait events), and the memory and CPU checks and figures are per
replica.
"""

import base64
import collections
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

from common import (SURVEY, START, argument_parser, central_binary, clean_up, established, log, process_status, set_up_central,
                    verdict)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "postgresql"))
import cluster  # noqa: E402


class Sampler(threading.Thread):
    """Every second: VmRSS, VmHWM, Threads and CPU time of each server process, and its established
    connections; with a PostgreSQL server, its summed PSS, CPU and processes, and its sessions' wait events."""

    def __init__(self, servers, postmaster=None, database=""):
        super().__init__(name="sampler", daemon=True)
        self.servers = servers  # [(pid, port), ...]
        self.postmaster, self.database = postmaster, database
        self.stop = threading.Event()
        self.samples = [[] for _ in servers]
        self.postgresql = []
        self.waits = collections.Counter()  # "type:event" (or "cpu" when not waiting) -> sessions seen, summed over samples
        self.wait_samples = 0

    def run(self):
        while not self.stop.wait(1.0):
            for n, (pid, port) in enumerate(self.servers):
                status = process_status(pid)
                if status is not None:
                    self.samples[n].append({"t": time.monotonic() - START, "connections": established(port), **status})
            if self.postmaster:
                status = cluster.server_status(self.postmaster)
                if status is not None:
                    self.postgresql.append({"t": time.monotonic() - START, **status})
            if self.database:
                try:
                    self.wait_samples += 1
                    for event, count in cluster.psql(self.database, (
                            "SELECT coalesce(wait_event_type || ':' || wait_event, 'cpu'), count(*) FROM pg_stat_activity "
                            "WHERE state = 'active' AND pid <> pg_backend_pid() AND backend_type = 'client backend' GROUP BY 1"), timeout=5):
                        self.waits[event] += int(count)
                except (RuntimeError, subprocess.TimeoutExpired):
                    self.waits["(not sampled)"] += 1


def cpu_used(samples):
    """CPU seconds between the first and the last sample."""
    return round(samples[-1].get("cpu_seconds", 0) - samples[0].get("cpu_seconds", 0), 1) if samples else 0


def main():
    parser = argument_parser(__doc__, connections=500)
    parser.add_argument("--batch", type=int, default=20, help="responses per batch (default 20)")
    parser.add_argument("--threads", type=int, help="svarboks-central serve --threads (default: the server's default)")
    parser.add_argument("--max-rss-mib", type=float, default=512, help="each server process's peak RSS must stay under this")
    store = parser.add_mutually_exclusive_group()
    store.add_argument("--postgresql", action="store_true",
                       help="the store in a throwaway PostgreSQL 15 started here (tests/postgresql/cluster.sh); exit 77 without one")
    store.add_argument("--database", metavar="URL", help="the store in this (empty) PostgreSQL database")
    parser.add_argument("--replicas", type=int, default=1, help="serve processes on the one store (default 1; more need a database)")
    args = parser.parse_args()
    if args.replicas < 1 or (args.replicas > 1 and not (args.postgresql or args.database)):
        parser.error("--replicas above 1 needs --postgresql or --database: SQLite is one process's store")

    binary = central_binary(args)
    generator = os.path.join(args.build, "tests", "load_central")
    work = tempfile.mkdtemp(prefix="svarboks-load-")
    failures = []
    replicas = []
    postgresql = cluster.Cluster("svarboks-load-postgresql-") if args.postgresql else None
    try:
        database = args.database or ""
        if postgresql:
            database = postgresql.start()
            log(f"PostgreSQL 15 started for this run: {database}")
        central, _ = set_up_central(binary, work, "load", "Load test unit", database)
        # Every replica on the one data folder (keys, certificate) and store; each logs to a file of its own.
        replicas = [central] + [type(central)(binary, central.data, os.path.join(work, f"central-{n + 1}.log"), database)
                                for n in range(1, args.replicas)]
        began = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            codes = list(pool.map(lambda _: central.enrolment_code("load"), range(args.connections)))
        with open(os.path.join(work, "codes.txt"), "w") as f:
            f.write("\n".join(codes) + "\n")
        log(f"{len(codes)} enrolment codes made in {time.monotonic() - began:.1f} s")

        options = ["--threads", str(args.threads)] if args.threads else []
        ports = [replica.start(options=options) for replica in replicas]
        public_key = base64.b64encode(central.public_key()).decode()
        for replica in replicas:
            log(f"central (pid {replica.process.pid}) on 127.0.0.1:{replica.port}, {' '.join(options) or 'default threads'}"
                f"{', store ' + database if database else ''}")

        postmaster = cluster.postmaster_pid(database) if database else None
        if database and postmaster is None:
            log("the PostgreSQL server's pid is unknown (not a superuser, or not on this machine): its memory and CPU are not sampled")
        sampler = Sampler([(r.process.pid, r.port) for r in replicas], postmaster, database)
        sampler.start()
        children_before = os.times()
        report_file = os.path.join(work, "generator.json")
        ids_file = os.path.join(work, "accepted-ids.txt")
        endpoints = ",".join(f"https://127.0.0.1:{port}" for port in ports)
        generated = subprocess.run([generator, "--endpoint", endpoints, "--ca", central.cert,
                                    "--survey", SURVEY, "--public-key", public_key, "--codes", os.path.join(work, "codes.txt"),
                                    "--connections", str(args.connections), "--seconds", str(args.seconds), "--batch", str(args.batch),
                                    "--accepted-ids", ids_file, "--report", report_file], text=True, capture_output=True)
        sampler.stop.set()
        sampler.join()
        children_after = os.times()
        generator_cpu = (children_after.children_user + children_after.children_system
                         - children_before.children_user - children_before.children_system)
        print(generated.stdout, end="", flush=True)
        if generated.returncode != 0:
            raise RuntimeError(f"the load generator failed: {generated.stderr.strip()}")
        with open(report_file) as f:
            figures = json.load(f)

        for replica in replicas:
            status = replica.stop(timeout=60)  # 500 connections to close under the sanitizers
            failures += [] if status == 0 else [f"the central (pid {replica.process.pid}) exited {status} after SIGTERM"]
        # Which accepted ids are stored (ids only: record-level data leaves the store only k-anonymous).
        checked = json.loads(central.cli("check-ids", ids_file, "--json", expect=None).stdout)
        with open(ids_file) as f:
            accepted = collections.Counter(line.strip() for line in f if line.strip())

        doubled = sum(1 for n in accepted.values() if n > 1)
        missing = len(checked["missing"])
        extra = checked["total"] - checked["stored"]
        stored = {"total": checked["total"]}
        per_server = []
        for load in sampler.samples:
            per_server.append({
                "peak_rss_mib": round(max((s.get("VmHWM", 0) for s in load), default=0), 1),
                "final_rss_mib": round(load[-1].get("VmRSS", 0), 1) if load else 0,
                "peak_threads": max((s.get("Threads", 0) for s in load), default=0),
                "peak_established_connections": max((s["connections"] for s in load), default=0),
                "cpu_seconds": cpu_used(load),
            })
        peak_rss = max(s["peak_rss_mib"] for s in per_server)
        peak_connections = sum(s["peak_established_connections"] for s in per_server)
        statuses = figures["statuses"]
        summary = {
            "connections": args.connections, "seconds": round(figures["seconds"], 1), "batch": args.batch,
            "threads": args.threads or "default", "store": "postgresql" if database else "sqlite", "replicas": len(replicas),
            "accepted": figures["accepted"], "stored": stored["total"],
            "responses_per_second": round(figures["responses_per_second"]), "batches_per_second": round(figures["batches_per_second"]),
            "latency_ms_200": {k: round(v, 1) for k, v in figures["latency_ms_200"].items()},
            "statuses": statuses, "network_errors": figures["network_errors"], "errors": figures["errors"],
            "tls_connections_opened": figures["tls_connections_opened"], "peak_established_connections": peak_connections,
            "peak_rss_mib": peak_rss, "final_rss_mib": per_server[0]["final_rss_mib"],
            "peak_threads": max(s["peak_threads"] for s in per_server), "doubled": doubled, "missing": missing, "extra": extra,
            "server_cpu_seconds": round(sum(s["cpu_seconds"] for s in per_server), 1),
            "generator_cpu_seconds": round(generator_cpu, 1), "load_average": os.getloadavg()[0],
        }
        if len(replicas) > 1:
            summary["per_replica"] = per_server
        if sampler.postgresql:
            pg = sampler.postgresql
            summary["postgresql"] = {"peak_pss_mib": round(max(s["pss_mib"] for s in pg), 1), "cpu_seconds": cpu_used(pg),
                                     "peak_processes": max(s["processes"] for s in pg)}
        if sampler.waits:
            total = sum(sampler.waits.values())
            summary.setdefault("postgresql", {})["active_sessions_by_wait_event"] = {
                event: f"{100.0 * count / total:.0f} %" for event, count in sampler.waits.most_common(8)}
            summary["postgresql"]["mean_active_sessions"] = round(total / max(1, sampler.wait_samples), 1)
        log("figures: " + json.dumps(summary))
        log(f"{figures['accepted']} responses accepted in {figures['seconds']:.0f} s = {summary['responses_per_second']}/s; "
            f"latency of a 200: p50 {summary['latency_ms_200']['p50']} ms, p99 {summary['latency_ms_200']['p99']} ms; "
            f"429: {statuses.get('429', 0)}, 503: {statuses.get('503', 0)}; peak RSS "
            + " / ".join(f"{s['peak_rss_mib']} MiB" for s in per_server)
            + (f" (PostgreSQL {summary['postgresql']['peak_pss_mib']} MiB PSS)" if "peak_pss_mib" in summary.get("postgresql", {}) else "")
            + f"; CPU: server {summary['server_cpu_seconds']} s"
            + (f", PostgreSQL {summary['postgresql']['cpu_seconds']} s" if "cpu_seconds" in summary.get("postgresql", {}) else "")
            + f", generator {summary['generator_cpu_seconds']} s; up to {peak_connections} connections established at once")
        if args.report:
            with open(args.report, "w") as f:
                json.dump({**summary, "samples": sampler.samples[0] if len(replicas) == 1 else sampler.samples,
                           "postgresql_samples": sampler.postgresql}, f, indent=2)

        if figures["errors"]:
            failures.append(f"{figures['errors']} errors: statuses {statuses}, network {figures['network_errors']}, "
                            f"bad replies {figures['bad_replies']}, rejected {figures['rejected']}")
        if peak_rss > args.max_rss_mib:
            failures.append(f"a central's peak RSS was {peak_rss:.0f} MiB, over {args.max_rss_mib:.0f} MiB")
        if doubled or missing or extra:
            failures.append(f"the store does not hold exactly the accepted ids: {doubled} doubled, {missing} missing, {extra} extra")
        if figures["accepted"] == 0:
            failures.append("nothing was accepted")
    except cluster.Unavailable as e:
        log(f"skipped: {e}")
        clean_up(work, False)
        return cluster.SKIP
    finally:
        for replica in replicas:
            replica.stop()
        if postgresql:
            postgresql.stop()
        clean_up(work, failures or args.keep)
    return verdict("load", failures, "no errors but 429/503, memory bounded, every accepted response stored once")


if __name__ == "__main__":
    sys.exit(main())
