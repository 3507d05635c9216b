#!/usr/bin/env python3
"""Slow clients cannot stop the central: hundreds of connections trickle bytes while /healthz, a batch and a
dashboard page each answer in time.

  tests/load/run_slow_clients.py BUILD_DIR [--connections 300] [--seconds 60] [--interval 2] [--limit 2]
                                 [--central BINARY] [--report FILE] [--keep]

Sets up a central endpoint on 127.0.0.1 (common.py: init, a unit, the default survey) and a dashboard user,
starts `svarboks-central serve` with its defaults, enrols a scripted kiosk and signs the user in. Then, for
--seconds, --connections slow connections from 127.0.0.2 ... 127.0.0.11 (Linux routes all of 127/8 to lo)
each send one byte every --interval seconds (with jitter), in three kinds, a third each:
- hello: a TLS ClientHello, byte by byte (the handshake never ends);
- head: a completed handshake, then a request head byte by byte;
- body: a completed handshake and a whole POST head, then its body byte by byte.
A connection the server closes is opened again at once, so there are always --connections of them.
Meanwhile, every second, from 127.0.0.1 on fresh connections: GET /healthz, POST a batch of one valid
sealed response with the kiosk's token, GET the dashboard's overview signed in. Each must answer as
expected (200; the response accepted; the overview page) within --limit seconds, every time.

Also checked: the slow connections were open (the established connections to the server's port reach
--connections), a trickled handshake or head is cut within the head deadline (10 s, plus a little), the
server logs that it cut connections, and it exits 0 on SIGTERM. Prints the latencies (p50, p99, max per
kind), the server's threads and memory; --report writes them as JSON. Exit 0 when every check holds.
"""

import datetime
import http.client
import json
import os
import random
import re
import selectors
import socket
import ssl
import sys
import tempfile
import threading
import time
import uuid

from common import (SURVEY, START, argument_parser, central_binary, clean_up, established, log, percentile, process_status,
                    set_up_central, verdict)
from harness import Https, ScriptedKiosk, Session, Survey

HEAD_DEADLINE = 10.0   # the server's default: handshake start to the end of the request head
CUT_SLACK = 3.0        # the watchdog's tick, the trickle interval and a loaded machine
SLOW_ADDRESSES = [f"127.0.0.{i}" for i in range(2, 12)]
USER, PASSWORD = "admin", "slow-clients-password-01"


def client_hello():
    """The bytes of a real TLS ClientHello, as a browser or kiosk would open with."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname="127.0.0.1")
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


class Slow:
    """One slow connection: its socket, what it still has to send, and when it was opened."""

    def __init__(self, kind, source, sock, payload):
        self.kind, self.source, self.sock, self.payload = kind, source, sock, payload
        self.sent = 0
        self.opened = time.monotonic()
        self.next_send = self.opened + random.uniform(0.1, 2.0)


class Trickler(threading.Thread):
    """Keeps `count` slow connections open (reopening the ones the server closes), a byte each per interval."""

    def __init__(self, port, cafile, count, interval):
        super().__init__(name="trickler", daemon=True)
        self.port, self.count, self.interval = port, count, interval
        self.context = ssl.create_default_context(cafile=cafile)
        self.hello = client_hello()
        self.selector = selectors.DefaultSelector()
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.opened = {"hello": 0, "head": 0, "body": 0}
        self.refused = 0          # could not connect or complete a handshake (the cap, or a cut mid-handshake)
        self.lifetimes = {"hello": [], "head": [], "body": []}  # seconds from open to the server's close
        self.open_now = 0

    def payload(self, kind):
        if kind == "hello":
            return self.hello
        if kind == "head":
            return (f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nUser-Agent: slow\r\n"
                    f"X-Padding: {'a' * 4000}\r\n\r\n").encode()
        return b"x" * 100_000

    def open(self, kind, source):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.settimeout(5)
        try:
            sock.bind((source, 0))
            sock.connect(("127.0.0.1", self.port))
            if kind != "hello":
                sock = self.context.wrap_socket(sock, server_hostname="127.0.0.1")
                if kind == "body":
                    sock.sendall((f"POST /api/v1/batches HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
                                  f"Authorization: Bearer {'0' * 43}\r\nContent-Type: application/json\r\n"
                                  f"Content-Length: 100000\r\n\r\n").encode())
            sock.setblocking(False)
        except (OSError, ssl.SSLError):
            sock.close()
            with self.lock:
                self.refused += 1
            return None
        slow = Slow(kind, source, sock, self.payload(kind))
        self.selector.register(sock, selectors.EVENT_READ, slow)
        with self.lock:
            self.opened[kind] += 1
        return slow

    def closed(self, slow):
        """Whether the server has closed the connection (drains what it sent: tickets, alerts, a reply)."""
        try:
            while True:
                data = slow.sock.recv(65536)
                if not data:
                    return True
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError, BlockingIOError):
            return False
        except (OSError, ssl.SSLError):
            return True

    def run(self):
        kinds = ["hello", "head", "body"]
        pending = [(kinds[i % 3], SLOW_ADDRESSES[i % len(SLOW_ADDRESSES)]) for i in range(self.count)]
        live = []
        while not self.stop.is_set():
            # (Re)open what is missing, up to 100 a round so that sending does not stall long; what cannot be
            # opened now is tried again on a later round.
            batch, pending = pending[:100], pending[100:]
            for kind, source in batch:
                slow = self.open(kind, source)
                if slow:
                    live.append(slow)
                else:
                    pending.append((kind, source))
            now = time.monotonic()
            gone = []
            for key, _ in self.selector.select(timeout=0.05):
                if self.closed(key.data):
                    gone.append(key.data)
            for slow in live:
                if slow in gone or now < slow.next_send:
                    continue
                try:
                    slow.sock.send(slow.payload[slow.sent % len(slow.payload):][:1])
                    slow.sent += 1
                except (ssl.SSLWantWriteError, BlockingIOError):
                    pass
                except (OSError, ssl.SSLError):
                    gone.append(slow)
                slow.next_send = now + self.interval * random.uniform(0.75, 1.25)
            for slow in set(gone):
                with self.lock:
                    self.lifetimes[slow.kind].append(time.monotonic() - slow.opened)
                self.selector.unregister(slow.sock)
                slow.sock.close()
                live.remove(slow)
                pending.append((slow.kind, slow.source))
            with self.lock:
                self.open_now = len(live)
        for slow in live:
            self.selector.unregister(slow.sock)
            slow.sock.close()


class Prober(threading.Thread):
    """Every second, on fresh connections from 127.0.0.1: /healthz, a batch of one, the dashboard's overview."""

    def __init__(self, port, cafile, token, sealed, cookies, limit):
        super().__init__(name="prober", daemon=True)
        self.port, self.token, self.sealed, self.cookies, self.limit = port, token, sealed, cookies, limit
        self.context = ssl.create_default_context(cafile=cafile)
        self.stop = threading.Event()
        self.latencies = {"healthz": [], "batch": [], "dashboard": []}
        self.failures = []
        self.lock = threading.Lock()

    def request(self, method, path, body=None, headers=None):
        began = time.monotonic()
        connection = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.context, timeout=30,
                                                 source_address=("127.0.0.1", 0))
        try:
            connection.request(method, path, body=body, headers=headers or {})
            reply = connection.getresponse()
            data = reply.read()
            return reply.status, data, time.monotonic() - began
        except (OSError, ssl.SSLError, http.client.HTTPException) as error:
            return None, repr(error).encode(), time.monotonic() - began
        finally:
            connection.close()

    def probe(self, kind):
        if kind == "healthz":
            status, body, took = self.request("GET", "/healthz")
            ok = status == 200 and body == b"ok"
        elif kind == "batch":
            sealed = self.sealed.pop()
            item = str(uuid.uuid4())
            batch = {"protocol": 1, "batch_id": str(uuid.uuid4()), "responses": [{"id": item, "sealed": sealed}]}
            status, body, took = self.request("POST", "/api/v1/batches", json.dumps(batch).encode(),
                                              {"Authorization": "Bearer " + self.token, "Content-Type": "application/json"})
            try:
                ok = status == 200 and json.loads(body)["results"][0]["status"] == "accepted"
            except (ValueError, KeyError, IndexError):
                ok = False
        else:
            status, body, took = self.request("GET", "/", headers={"Cookie": self.cookies})
            ok = status == 200 and b"<html" in body.lower()
        with self.lock:
            self.latencies[kind].append(took)
            if not ok:
                self.failures.append(f"{kind} at {time.monotonic() - START:.1f} s: {status} {body[:200]!r} after {took:.2f} s")
            elif took > self.limit:
                self.failures.append(f"{kind} at {time.monotonic() - START:.1f} s took {took:.2f} s, over {self.limit} s")

    def run(self):
        next_round = time.monotonic()
        while not self.stop.is_set():
            probes = [threading.Thread(target=self.probe, args=(kind,)) for kind in self.latencies]
            for probe in probes:
                probe.start()
            for probe in probes:
                probe.join()
            next_round += 1.0
            self.stop.wait(max(0.0, next_round - time.monotonic()))


def sample(pid, port, trickler):
    values = {"t": round(time.monotonic() - START, 1), "established": established(port), "slow_open": trickler.open_now}
    for key, value in (process_status(pid) or {}).items():
        values[key] = round(value, 1) if isinstance(value, float) else value
    return values


def main():
    parser = argument_parser(__doc__, connections=300)
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between two bytes of a slow connection")
    parser.add_argument("--limit", type=float, default=2.0, help="the most seconds a probe may take")
    args = parser.parse_args()

    binary = central_binary(args)
    work = tempfile.mkdtemp(prefix="svarboks-slow-")
    failures = []
    central = trickler = prober = None
    try:
        central, published = set_up_central(binary, work, "slow", "Slow clients unit")
        survey = Survey(SURVEY)
        survey.definition_sha256 = re.search(r"definition_sha256 (\w+)", published).group(1)
        survey.consent_sha256 = re.search(r"consent_sha256\s+(\w+)", published).group(1)
        central.cli("users", "add", USER, "--role", "administrator", "--password-stdin", stdin=PASSWORD + "\n")
        port = central.start()
        log(f"central (pid {central.process.pid}) on 127.0.0.1:{port}")
        https = Https(port, central.cert)
        kiosk = ScriptedKiosk(https, central, "slow", 13)
        year, week, _ = datetime.date.today().isocalendar()  # the server's week is local time too
        period = f"{year}-W{week:02d}"
        sealed = [kiosk.seal(survey, period) for _ in range(int(args.seconds) + 30)]
        session = Session(https, USER, PASSWORD)

        trickler = Trickler(port, central.cert, args.connections, args.interval)
        trickler.start()
        # Let the slow connections build up before measuring, as an attacker would.
        began = time.monotonic()
        while trickler.open_now < args.connections * 0.95 and time.monotonic() - began < 30:
            time.sleep(0.2)
        log(f"{trickler.open_now} slow connections open after {time.monotonic() - began:.1f} s "
            f"({established(port)} established to the server)")
        prober = Prober(port, central.cert, kiosk.token, sealed, session.cookie_header(), args.limit)
        prober.start()
        samples = []
        end = time.monotonic() + args.seconds
        while time.monotonic() < end:
            time.sleep(1.0)
            samples.append(sample(central.process.pid, port, trickler))
            if len(samples) % 10 == 0:
                with prober.lock:
                    worst = {k: round(max(v, default=0.0), 2) for k, v in prober.latencies.items()}
                log(f"{samples[-1]}; worst so far (s): {worst}")
        prober.stop.set()
        prober.join()
        trickler.stop.set()
        trickler.join()

        status = central.stop()
        failures += [] if status == 0 else [f"the central exited {status} after SIGTERM"]
        with open(central.logfile, encoding="utf-8", errors="replace") as f:
            cut_lines = [json.loads(line) for line in f if '"event":"connections_cut"' in line]

        figures = {"connections": args.connections, "seconds": args.seconds, "interval_s": args.interval, "limit_s": args.limit,
                   "probes": {}, "slow_opened": trickler.opened, "slow_refused": trickler.refused,
                   "slow_lifetime_max_s": {k: round(max(v, default=0.0), 1) for k, v in trickler.lifetimes.items()},
                   "slow_cut": {k: len(v) for k, v in trickler.lifetimes.items()},
                   "peak_established": max((s["established"] for s in samples), default=0),
                   "min_slow_open": min((s["slow_open"] for s in samples), default=0),
                   "peak_threads": max((s.get("Threads", 0) for s in samples), default=0),
                   "peak_rss_mib": max((s.get("VmHWM", 0) for s in samples), default=0),
                   "server_cut_lines": cut_lines, "load_average": os.getloadavg()[0]}
        for kind, values in prober.latencies.items():
            figures["probes"][kind] = {"count": len(values), "over_limit": sum(1 for v in values if v > args.limit),
                                       "p50_ms": round(percentile(values, 50) * 1000),
                                       "p99_ms": round(percentile(values, 99) * 1000), "max_ms": round(max(values, default=0) * 1000)}
        log("figures: " + json.dumps({k: v for k, v in figures.items() if k != "server_cut_lines"}))
        for kind, p in figures["probes"].items():
            log(f"{kind}: {p['count']} probes, {p['over_limit']} over {args.limit} s; p50 {p['p50_ms']} ms, p99 {p['p99_ms']} ms, "
                f"max {p['max_ms']} ms")
        log(f"slow connections: opened {trickler.opened}, cut {figures['slow_cut']}, longest lives (s) "
            f"{figures['slow_lifetime_max_s']}, refused {trickler.refused}; at least {figures['min_slow_open']} open at "
            f"any time, up to {figures['peak_established']} established; server threads up to {figures['peak_threads']}, "
            f"peak RSS {figures['peak_rss_mib']} MiB; the server's lines: {cut_lines}")
        if args.report:
            with open(args.report, "w") as f:
                json.dump({**figures, "samples": samples}, f, indent=2)

        failures += prober.failures[:20]
        if len(prober.failures) > 20:
            failures.append(f"... and {len(prober.failures) - 20} more slow or failed probes")
        for kind, values in prober.latencies.items():
            if len(values) < args.seconds * 0.8:
                failures.append(f"only {len(values)} {kind} probes in {args.seconds:.0f} s")
        if figures["peak_established"] < args.connections:
            failures.append(f"at most {figures['peak_established']} connections were established, not {args.connections}")
        for kind in ("hello", "head"):
            if figures["slow_lifetime_max_s"][kind] > HEAD_DEADLINE + CUT_SLACK:
                failures.append(f"a trickled {kind} lived {figures['slow_lifetime_max_s'][kind]} s, "
                                f"past the {HEAD_DEADLINE:.0f} s head deadline")
            if figures["slow_cut"][kind] == 0:
                failures.append(f"no trickled {kind} was cut")
        if not cut_lines:
            failures.append("the server logged no connections_cut line")
    finally:
        for thread in (prober, trickler):
            if thread is not None:
                thread.stop.set()
        if central is not None:
            central.stop()
        clean_up(work, failures or args.keep)
    return verdict("slow clients", failures, f"every probe answered within {args.limit} s while {args.connections} connections trickled")


if __name__ == "__main__":
    sys.exit(main())
