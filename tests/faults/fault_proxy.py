#!/usr/bin/env python3
"""A fault-injecting TCP proxy between a kiosk and the central endpoint, for tests (127.0.0.1 only).

Every connection the kiosk opens draws one kind from a shuffled deck (seeded; the seed is printed):

  pass             TLS terminated here, the request relayed to the central, its reply relayed back
  tcp_pass         raw TCP relay: the kiosk's TLS goes to the central untouched (kept alive as it likes)
  reset            TLS terminated, then a TCP RST: half of them before the request reaches the central,
                   half after the central has answered (it committed; the kiosk never hears it)
  cut              the request is relayed, only part of the reply (headers or body) comes back, then close
  html             a captive portal: "HTTP/1.1 200 OK", text/html, the request never reaches the central
  stall_reply      the request is relayed, the reply is held back until the kiosk gives up (its total timeout)
  stall_handshake  the TCP connection is accepted and nothing is ever said (the kiosk's connect timeout)
  tls_close        the ClientHello is read, then the connection is closed
  tls_garbage      the ClientHello is read, then bytes that are not TLS come back
  tls_untrusted    a TLS handshake with a self-signed certificate the kiosk does not trust

To relay or to play the captive portal, the proxy terminates TLS with the central's own certificate and key
(which the kiosk trusts) and opens a new TLS connection to the central per request, asking it to close
after its reply. Relayed replies carry "Connection: close", so the next batch opens a new connection and
draws again. When the central is down (restarted or killed) the kiosk's connection is reset. A stall
costs the kiosk a whole timeout, so stalls are capped (--cap) and wait until every quick fault has been
met once; a kind counts when the kiosk really met it (not when it went away first).

Several upstreams (--upstream A,B: replicas of the central on one database) are taken in turn, one per
relayed request or TCP relay, as a load balancer does (nginx's default round-robin). As nginx does with a
request it has not sent yet, a refused connection goes on to the next upstream; a request that was handed
to a replica that then dies is not sent again (the kiosk's connection is reset and the kiosk retries).

  tests/faults/fault_proxy.py --upstream 127.0.0.1:8443[,127.0.0.1:8444] --cert DIR/tls/cert.pem --key DIR/tls/key.pem \
      [--listen 127.0.0.1:0] [--seed N] [--deck pass=4,tcp_pass=1,reset=1,...] [--cap stall_reply=1]

Standard library only. The fault suite (run_faults.py) imports FaultProxy and runs it in its own thread.
"""

import argparse
import asyncio
import collections
import os
import random
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time

KINDS = ("pass", "tcp_pass", "reset", "cut", "html", "stall_reply", "stall_handshake",
         "tls_close", "tls_garbage", "tls_untrusted")
FAULTS = tuple(k for k in KINDS if k not in ("pass", "tcp_pass"))
DEFAULT_DECK = {"pass": 4, "tcp_pass": 1, "reset": 1, "cut": 1, "html": 1, "stall_reply": 1,
                "stall_handshake": 1, "tls_close": 1, "tls_garbage": 1, "tls_untrusted": 1}
# A stall costs the kiosk a whole timeout (10 s to connect, 60 s for a request): a few are enough.
DEFAULT_CAPS = {"stall_reply": 1, "stall_handshake": 2}

EVENTS = ("forwarded", "central_down", "central_died_with_request", "reset_before_forwarding", "reset_after_reply",
          "untrusted_handshake_completed", "client_gone")

MAX_HEAD = 64 * 1024
MAX_BODY = 16 * 1024 * 1024
IDLE_SECONDS = 120  # a kiosk that says nothing for this long is dropped (its own timeouts are shorter)

CAPTIVE_PAGE = (b"<!DOCTYPE html>\n<html><head><title>Guest Wi-Fi</title></head>\n"
                b"<body><h1>Welcome to the guest network</h1>\n"
                b"<form method=\"post\" action=\"/login\"><input name=\"room\"><button>Accept the terms</button></form>\n"
                b"</body></html>\n")


class HttpError(Exception):
    pass


def parse_spec(text, what):
    """'a=1,b=2' -> {'a': 1, 'b': 2}, names checked against KINDS."""
    out = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, value = part.partition("=")
        if name not in KINDS:
            raise ValueError(f"{what}: unknown kind '{name}' (known: {', '.join(KINDS)})")
        try:
            out[name] = int(value)
        except ValueError:
            raise ValueError(f"{what}: '{part}' needs a whole number after '='") from None
    return out


def with_connection_close(head):
    """The head of an HTTP message with any Connection header replaced by 'Connection: close'."""
    lines = head.split(b"\r\n")
    kept = [line for line in lines[1:] if line and not line.lower().startswith(b"connection:")]
    return b"\r\n".join([lines[0], *kept, b"Connection: close"]) + b"\r\n\r\n"


async def read_message(reader, response_to=None):
    """Reads one HTTP/1.1 message; returns (head, body) as raw bytes. head ends with CRLF CRLF.
    response_to is the request method for a response (None for a request). None at a clean EOF."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as e:
        if not e.partial:
            return None
        raise HttpError("the connection closed inside the headers") from None
    except asyncio.LimitOverrunError:
        raise HttpError("headers too long") from None
    lines = head.split(b"\r\n")
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    status = None
    if response_to is not None:
        parts = lines[0].split(b" ")
        status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
    if response_to == b"HEAD" or status in (204, 304) or (status is not None and 100 <= status < 200):
        return head, b""
    if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
        body = bytearray()
        while True:
            size_line = await reader.readuntil(b"\r\n")
            body += size_line
            size = int(size_line.split(b";")[0].strip(), 16)
            if size == 0:
                while True:  # trailers, then the empty line
                    trailer = await reader.readuntil(b"\r\n")
                    body += trailer
                    if trailer == b"\r\n":
                        return head, bytes(body)
            if len(body) + size > MAX_BODY:
                raise HttpError("chunked body too long")
            body += await reader.readexactly(size + 2)
    if b"content-length" in headers:
        length = int(headers[b"content-length"])
        if length > MAX_BODY:
            raise HttpError("body too long")
        return head, await reader.readexactly(length)
    if response_to is None:
        return head, b""
    return head, await reader.read(MAX_BODY)  # a reply delimited by the end of the connection


def request_line(head):
    first = head.split(b"\r\n", 1)[0].split(b" ")
    return (first[0], first[1] if len(first) > 1 else b"")


def make_untrusted_cert(folder):
    """A self-signed certificate for 127.0.0.1 that no kiosk trusts (made with the openssl CLI)."""
    cert, key = os.path.join(folder, "untrusted-cert.pem"), os.path.join(folder, "untrusted-key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


def reset(writer):
    """Closes with a TCP RST (SO_LINGER 0) instead of a FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    writer.transport.abort()


async def wait_for_close(reader, limit=IDLE_SECONDS):
    """Says nothing until the peer closes (or `limit` seconds pass)."""
    try:
        async with asyncio.timeout(limit):
            while await reader.read(65536):
                pass
    except (TimeoutError, OSError, ssl.SSLError):
        pass


def parse_upstreams(upstream):
    """'host:port' or 'host:port,host:port' (or a list of them) -> [(host, port), ...]."""
    parts = upstream.split(",") if isinstance(upstream, str) else list(upstream)
    out = []
    for part in (p.strip() for p in parts):
        host, _, port = part.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"upstream '{part}' is not HOST:PORT")
        out.append((host, int(port)))
    if not out:
        raise ValueError("no upstream")
    return out


class FaultProxy:
    """The proxy. Counts are per kind; `events` also counts what happened upstream; `per_upstream` counts the
    requests and relays each upstream got. Hooks (called on the proxy's event loop thread):
    on_forwarded(method, path, port) right after a request was written to the central on that port."""

    def __init__(self, upstream, cert, key, seed=None, deck=None, caps=None, log=None):
        self.upstreams = parse_upstreams(upstream)
        self.next_upstream = 0
        self.per_upstream = collections.Counter({port: 0 for _, port in self.upstreams})
        self.seed = seed if seed is not None else random.SystemRandom().randrange(1, 2**31)
        self.random = random.Random(self.seed)
        self.deck_spec = dict(DEFAULT_DECK if deck is None else deck)
        self.caps = dict(DEFAULT_CAPS if caps is None else caps)
        self.deck = []
        self.met = collections.Counter()
        # Every key exists from the start, so that other threads may copy the counters at any time.
        self.counts = collections.Counter({kind: 0 for kind in KINDS})
        self.events = collections.Counter({event: 0 for event in EVENTS})
        self.typical_batch_seconds = 0.05  # from a batch handed to the central to its reply (moving average)
        self.on_forwarded = None
        self.log = log or (lambda line: None)
        self.port = None
        self._tasks = set()
        self._server = None
        self._tmp = tempfile.TemporaryDirectory(prefix="svarboks-fault-proxy-")
        self.trusted = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.trusted.load_cert_chain(cert, key)
        untrusted_cert, untrusted_key = make_untrusted_cert(self._tmp.name)
        self.untrusted = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.untrusted.load_cert_chain(untrusted_cert, untrusted_key)
        self.client_ctx = ssl.create_default_context(cafile=cert)

    def shuffled_deck(self):
        deck = [kind for kind, n in self.deck_spec.items() for _ in range(n)]
        self.random.shuffle(deck)
        return deck

    def draw(self):
        if not self.deck:
            self.deck = self.shuffled_deck()
        kind = self.deck.pop()
        if kind in self.caps and self.met[kind] >= self.caps[kind]:
            return "pass"
        # A stall costs a whole kiosk timeout, during which nothing else happens on that kiosk: stalls wait
        # until every quick fault has been met once, so that a short run still meets them all.
        if kind.startswith("stall") and not self.quick_faults_met():
            self.deck.insert(0, kind)
            if all(k.startswith("stall") for k in self.deck):
                self.deck += self.shuffled_deck()  # drawn from the end: the deferred stalls stay at the bottom
            return self.draw()
        return kind

    def quick_faults_met(self):
        return all(self.met[k] > 0 for k in FAULTS if not k.startswith("stall") and self.deck_spec.get(k, 0) > 0)

    def all_met(self):
        """True once every fault kind of the deck (and allowed by the caps) has been met."""
        return all(self.met[k] > 0 for k in FAULTS if self.deck_spec.get(k, 0) > 0 and self.caps.get(k, 1) > 0)

    def played(self, kind):
        """Counts a kind when the kiosk really met it (not when the kiosk went away first, and not when the
        central was down and the kiosk got a reset instead)."""
        self.counts[kind] += 1
        self.met[kind] += 1

    async def start(self, listen="127.0.0.1:0"):
        host, _, port = listen.rpartition(":")
        if host not in ("127.0.0.1", "localhost"):
            raise ValueError("the fault proxy listens on 127.0.0.1 only")
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", int(port), limit=MAX_HEAD, backlog=512)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self):
        if self._server:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tmp.cleanup()

    async def _accept(self, reader, writer):
        task = asyncio.current_task()
        self._tasks.add(task)
        kind = self.draw()
        began = time.monotonic()
        outcome = "cancelled"
        try:
            outcome = await self._serve(kind, reader, writer)
        except (OSError, ssl.SSLError, asyncio.IncompleteReadError, HttpError, TimeoutError, ValueError) as e:
            self.events["client_gone"] += 1
            outcome = f"the kiosk's connection failed: {type(e).__name__}: {e}"
        except asyncio.CancelledError:
            pass
        finally:
            self._tasks.discard(task)
            if not writer.transport.is_closing():
                writer.transport.abort()
            self.log(f"{kind}: {outcome} ({time.monotonic() - began:.2f} s)")

    async def _serve(self, kind, reader, writer):
        """Plays `kind` on one connection; returns what happened, in a few words."""
        if kind == "stall_handshake":
            self.played(kind)
            await wait_for_close(reader)
            return "silent until the kiosk gave up"
        if kind in ("tls_close", "tls_garbage"):
            hello = await asyncio.wait_for(reader.read(4096), IDLE_SECONDS)
            if hello:
                self.played(kind)
            if kind == "tls_garbage" and hello:
                writer.write(b"SSH-2.0-OpenSSH_9.2p1\r\n" + self.random.randbytes(300))
                await writer.drain()
            writer.close()
            return f"closed after a {len(hello)}-byte ClientHello"
        if kind == "tls_untrusted":
            self.played(kind)
            try:
                await writer.start_tls(self.untrusted, ssl_handshake_timeout=30)
            except (ssl.SSLError, OSError, ConnectionError, TimeoutError) as e:
                return f"the kiosk refused the certificate ({type(e).__name__})"
            self.events["untrusted_handshake_completed"] += 1  # a kiosk that accepts it is a bug
            writer.transport.abort()
            return "THE KIOSK ACCEPTED AN UNTRUSTED CERTIFICATE"
        if kind == "tcp_pass":
            return await self._relay_tcp(kind, reader, writer)

        await writer.start_tls(self.trusted, ssl_handshake_timeout=30)
        message = await asyncio.wait_for(read_message(reader), IDLE_SECONDS)
        if message is None:
            return "the kiosk closed without a request"
        head, body = message
        method, path = request_line(head)
        request = f"{method.decode('latin-1')} {path.decode('latin-1')}"
        if kind == "html":
            self.played(kind)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: "
                         + str(len(CAPTIVE_PAGE)).encode() + b"\r\nConnection: close\r\n\r\n" + CAPTIVE_PAGE)
            await writer.drain()
            writer.close()
            return f"{request}: answered with the captive portal's page"
        if kind == "reset" and self.random.random() < 0.5:
            self.played(kind)
            self.events["reset_before_forwarding"] += 1
            reset(writer)
            return f"{request}: reset before it reached the central"
        reply = await self._forward(method, path, head, body)
        if reply is None:  # the central was down or died with the request: the kiosk's connection dies too
            reset(writer)
            return f"{request}: the central was down or died with it; reset"
        status = reply.split(b"\r\n", 1)[0].decode("latin-1")
        self.played(kind)
        if kind == "reset":
            self.events["reset_after_reply"] += 1
            reset(writer)
            return f"{request}: the central answered {status}; reset instead"
        if kind == "cut":
            part = reply[:self.random.randrange(1, len(reply))]
            writer.write(part)
            await writer.drain()
            if self.random.random() < 0.5:
                reset(writer)
            else:
                writer.transport.abort()
            return f"{request}: the central answered {status}; cut after {len(part)} of {len(reply)} bytes"
        if kind == "stall_reply":
            await wait_for_close(reader)
            return f"{request}: the central answered {status}; held back until the kiosk gave up"
        writer.write(reply)
        await writer.drain()
        writer.close()
        return f"{request}: {status}"

    async def _connect(self, tls):
        """A connection to the next upstream in turn, going on to the following ones when it is refused (as
        nginx does before it has sent anything); (reader, writer, port), or None when every one is down."""
        for _ in range(len(self.upstreams)):
            host, port = self.upstreams[self.next_upstream]
            self.next_upstream = (self.next_upstream + 1) % len(self.upstreams)
            try:
                if tls:
                    reader, writer = await asyncio.wait_for(
                        asyncio.open_connection(host, port, ssl=self.client_ctx, server_hostname=host, limit=MAX_HEAD), 15)
                else:
                    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 15)
            except (OSError, ssl.SSLError, TimeoutError):
                continue
            self.per_upstream[port] += 1
            return reader, writer, port
        self.events["central_down"] += 1
        return None

    async def _forward(self, method, path, head, body):
        """The request to the central on a new TLS connection; its whole reply (with Connection: close),
        or None when the central is down or the connection failed before the reply was complete."""
        connected = await self._connect(tls=True)
        if connected is None:
            return None
        up_reader, up_writer, port = connected
        try:
            up_writer.write(with_connection_close(head) + body)
            await up_writer.drain()
            sent = time.monotonic()
            if self.on_forwarded:
                self.on_forwarded(method.decode("latin-1"), path.decode("latin-1"), port)
            message = await asyncio.wait_for(read_message(up_reader, response_to=method), 90)
            if message is None:
                raise HttpError("the central closed without a reply")
            self.events["forwarded"] += 1
            if path == b"/api/v1/batches":
                self.typical_batch_seconds = 0.8 * self.typical_batch_seconds + 0.2 * (time.monotonic() - sent)
            return with_connection_close(message[0]) + message[1]
        except (OSError, ssl.SSLError, asyncio.IncompleteReadError, HttpError, TimeoutError, ValueError) as e:
            self.events["central_died_with_request"] += 1
            return None
        finally:
            up_writer.transport.abort()

    async def _relay_tcp(self, kind, reader, writer):
        connected = await self._connect(tls=False)
        if connected is None:
            reset(writer)
            return "the central was down; reset"
        up_reader, up_writer, _ = connected
        self.played(kind)

        async def pipe(src, dst):
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            finally:
                if not dst.transport.is_closing():
                    dst.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer), return_exceptions=True)
        return "relayed until one side closed"

    def summary(self):
        return ", ".join(f"{kind} {self.counts[kind]}" for kind in KINDS)


class ProxyThread:
    """Runs a FaultProxy on its own event loop thread (for test drivers that are not asyncio)."""

    def __init__(self, proxy):
        self.proxy = proxy
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="fault-proxy", daemon=True)

    def start(self, listen="127.0.0.1:0"):
        self.thread.start()
        return asyncio.run_coroutine_threadsafe(self.proxy.start(listen), self.loop).result(30)

    def stop(self):
        asyncio.run_coroutine_threadsafe(self.proxy.stop(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(30)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--upstream", required=True, help="the central endpoint, HOST:PORT (replicas: HOST:PORT,HOST:PORT,... taken in turn)")
    parser.add_argument("--cert", required=True, help="the central's certificate (DIR/tls/cert.pem)")
    parser.add_argument("--key", required=True, help="the central's key (DIR/tls/key.pem)")
    parser.add_argument("--listen", default="127.0.0.1:0", help="127.0.0.1:PORT (0: any free port)")
    parser.add_argument("--seed", type=int, help="the seed of the fault deck (default: random, printed)")
    parser.add_argument("--deck", default="", help="kind=weight,... replacing the default deck")
    parser.add_argument("--cap", default="", help="kind=n,...: at most n of that kind (default stall_reply=1,stall_handshake=2)")
    parser.add_argument("--verbose", action="store_true", help="print a line per failed connection")
    args = parser.parse_args()
    try:
        parse_upstreams(args.upstream)
        deck = parse_spec(args.deck, "--deck") or None
        caps = parse_spec(args.cap, "--cap") if args.cap else None
    except ValueError as e:
        parser.error(str(e))

    async def run():
        proxy = FaultProxy(args.upstream, args.cert, args.key, seed=args.seed, deck=deck, caps=caps,
                           log=(lambda line: print("fault_proxy:", line, flush=True)) if args.verbose else None)
        port = await proxy.start(args.listen)
        print(f"fault_proxy: seed {proxy.seed}, listening on 127.0.0.1:{port}, central {args.upstream}", flush=True)
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            asyncio.get_running_loop().add_signal_handler(sig, stop.set)
        await stop.wait()
        await proxy.stop()
        print(f"fault_proxy: connections by kind: {proxy.summary()}", flush=True)
        print(f"fault_proxy: events: {dict(proxy.events)}; requests and relays per upstream port: {dict(proxy.per_upstream)}", flush=True)

    asyncio.run(run())


if __name__ == "__main__":
    sys.exit(main())
