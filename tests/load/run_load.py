#!/usr/bin/env python3
"""500 kiosks at once against one central process: no errors but deliberate 429/503, memory bounded, every
accepted response stored exactly once.

  tests/load/run_load.py BUILD_DIR [--connections 500] [--seconds 60] [--batch 20] [--threads N]
                         [--max-rss-mib 512] [--central BINARY] [--report FILE] [--keep]

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


class Sampler(threading.Thread):
    """Every second: VmRSS, VmHWM, Threads and CPU time of the server, and its established connections."""

    def __init__(self, pid, port):
        super().__init__(name="sampler", daemon=True)
        self.pid, self.port = pid, port
        self.stop = threading.Event()
        self.samples = []

    def run(self):
        while not self.stop.wait(1.0):
            status = process_status(self.pid)
            if status is None:
                return
            self.samples.append({"t": time.monotonic() - START, "connections": established(self.port), **status})


def main():
    parser = argument_parser(__doc__, connections=500)
    parser.add_argument("--batch", type=int, default=20, help="responses per batch (default 20)")
    parser.add_argument("--threads", type=int, help="svarboks-central serve --threads (default: the server's default)")
    parser.add_argument("--max-rss-mib", type=float, default=512, help="the server's peak RSS must stay under this")
    args = parser.parse_args()

    binary = central_binary(args)
    generator = os.path.join(args.build, "tests", "load_central")
    work = tempfile.mkdtemp(prefix="svarboks-load-")
    failures = []
    central = None
    try:
        central, _ = set_up_central(binary, work, "load", "Load test unit")
        began = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            codes = list(pool.map(lambda _: central.enrolment_code("load"), range(args.connections)))
        with open(os.path.join(work, "codes.txt"), "w") as f:
            f.write("\n".join(codes) + "\n")
        log(f"{len(codes)} enrolment codes made in {time.monotonic() - began:.1f} s")

        options = ["--threads", str(args.threads)] if args.threads else []
        port = central.start(options=options)
        public_key = base64.b64encode(central.public_key()).decode()
        log(f"central (pid {central.process.pid}) on 127.0.0.1:{port}, {' '.join(options) or 'default threads'}")

        sampler = Sampler(central.process.pid, port)
        sampler.start()
        children_before = os.times()
        report_file = os.path.join(work, "generator.json")
        ids_file = os.path.join(work, "accepted-ids.txt")
        generated = subprocess.run([generator, "--endpoint", f"https://127.0.0.1:{port}", "--ca", central.cert,
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

        status = central.stop(timeout=60)  # 500 connections to close under the sanitizers
        failures += [] if status == 0 else [f"the central exited {status} after SIGTERM"]
        # Which accepted ids are stored (ids only: record-level data leaves the store only k-anonymous).
        checked = json.loads(central.cli("check-ids", ids_file, "--json", expect=None).stdout)
        with open(ids_file) as f:
            accepted = collections.Counter(line.strip() for line in f if line.strip())

        doubled = sum(1 for n in accepted.values() if n > 1)
        missing = len(checked["missing"])
        extra = checked["total"] - checked["stored"]
        stored = {"total": checked["total"]}
        load = [s for s in sampler.samples]
        peak_rss = max((s.get("VmHWM", 0) for s in load), default=0)
        peak_connections = max((s["connections"] for s in load), default=0)
        peak_threads = max((s.get("Threads", 0) for s in load), default=0)
        statuses = figures["statuses"]
        summary = {
            "connections": args.connections, "seconds": round(figures["seconds"], 1), "batch": args.batch,
            "threads": args.threads or "default", "accepted": figures["accepted"], "stored": stored["total"],
            "responses_per_second": round(figures["responses_per_second"]), "batches_per_second": round(figures["batches_per_second"]),
            "latency_ms_200": {k: round(v, 1) for k, v in figures["latency_ms_200"].items()},
            "statuses": statuses, "network_errors": figures["network_errors"], "errors": figures["errors"],
            "tls_connections_opened": figures["tls_connections_opened"], "peak_established_connections": peak_connections,
            "peak_rss_mib": round(peak_rss, 1), "final_rss_mib": round(load[-1].get("VmRSS", 0), 1) if load else 0,
            "peak_threads": peak_threads, "doubled": doubled, "missing": missing, "extra": extra,
            "server_cpu_seconds": round(load[-1].get("cpu_seconds", 0) - load[0].get("cpu_seconds", 0), 1) if load else 0,
            "generator_cpu_seconds": round(generator_cpu, 1), "load_average": os.getloadavg()[0],
        }
        log("figures: " + json.dumps(summary))
        log(f"{figures['accepted']} responses accepted in {figures['seconds']:.0f} s = {summary['responses_per_second']}/s; "
            f"latency of a 200: p50 {summary['latency_ms_200']['p50']} ms, p99 {summary['latency_ms_200']['p99']} ms; "
            f"429: {statuses.get('429', 0)}, 503: {statuses.get('503', 0)}; peak RSS {summary['peak_rss_mib']} MiB; "
            f"up to {peak_connections} connections established at once")
        if args.report:
            with open(args.report, "w") as f:
                json.dump({**summary, "samples": load}, f, indent=2)

        if figures["errors"]:
            failures.append(f"{figures['errors']} errors: statuses {statuses}, network {figures['network_errors']}, "
                            f"bad replies {figures['bad_replies']}, rejected {figures['rejected']}")
        if peak_rss > args.max_rss_mib:
            failures.append(f"the central's peak RSS was {peak_rss:.0f} MiB, over {args.max_rss_mib:.0f} MiB")
        if doubled or missing or extra:
            failures.append(f"the store does not hold exactly the accepted ids: {doubled} doubled, {missing} missing, {extra} extra")
        if figures["accepted"] == 0:
            failures.append("nothing was accepted")
    finally:
        if central is not None:
            central.stop()
        clean_up(work, failures or args.keep)
    return verdict("load", failures, "no errors but 429/503, memory bounded, every accepted response stored once")


if __name__ == "__main__":
    sys.exit(main())
