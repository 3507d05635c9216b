"""The attack suite's tools: the real binaries (svarboks-central, the svarboks kiosk CLI), a scripted kiosk
that speaks PROTOCOL.md itself, HTTPS with the central's own certificate, dashboard sessions signed in
through the /login form, and what an attacker does with what comes back (parse exports, narrow the
bounds of hidden report cells). Standard library only.
"""
import base64
import collections
import csv
import http.client
import io
import json
import os
import random
import re
import signal
import sqlite3
import ssl
import subprocess
import time
import urllib.parse
import uuid

import sealbox

COMMAND_TIMEOUT = 60  # seconds for one CLI run (the slowest, an export, takes well under a second here)
HTTP_TIMEOUT = 30
SESSION_COOKIE = "__Host-svarboks_session"
LANGUAGE_COOKIE = "__Host-svarboks_lang"


class SetupError(Exception):
    """The scenario could not be built: not an attack that succeeded, but nothing after it can be trusted."""


def run(args, expect=0, stdin=None, binary=False):
    """Runs a command with a timeout; with expect set, a different exit status is a SetupError. Output is
    text, or bytes with binary (exports and reports compared byte for byte)."""
    try:
        done = subprocess.run([str(a) for a in args], input=stdin, capture_output=True, text=not binary, timeout=COMMAND_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise SetupError(f"{' '.join(map(str, args))} did not finish within {COMMAND_TIMEOUT} s")
    if expect is not None and done.returncode != expect:
        stderr = done.stderr.decode(errors="replace") if binary else done.stderr
        raise SetupError(f"{' '.join(map(str, args))} exited {done.returncode} (expected {expect}): {stderr.strip()[-800:]}")
    return done


class Attack:
    """One attack: its checks, each of which fails when the attacker learns something."""

    def __init__(self, name, what):
        self.name, self.what = name, what
        self.checks = 0
        self.failures = []
        self.notes = []

    def check(self, condition, message):
        self.checks += 1
        if not condition:
            self.failures.append(message)
        return condition

    def note(self, text):
        self.notes.append(text)


# ---- the central endpoint ----

class Central:
    def __init__(self, binary, data, logfile):
        self.binary, self.data, self.logfile = binary, data, logfile
        self.process = None
        self.port = None

    def cli(self, *args, expect=0, stdin=None, binary=False):
        return run([self.binary, *args, "--data", self.data], expect=expect, stdin=stdin, binary=binary)

    def start(self, timeout=60, options=()):
        """`serve` on a free port of 127.0.0.1 (with further `options`); returns the port once it listens."""
        offset = os.path.getsize(self.logfile) if os.path.exists(self.logfile) else 0
        with open(self.logfile, "ab") as out:
            self.process = subprocess.Popen([self.binary, "serve", "--data", self.data, "--listen", "127.0.0.1:0", *options],
                                            stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with open(self.logfile, "rb") as f:
                f.seek(offset)
                match = re.search(rb'"event":"listening","address":"127\.0\.0\.1:(\d+)"', f.read())
            if match:
                self.port = int(match.group(1))
                return self.port
            if self.process.poll() is not None:
                break
            time.sleep(0.02)
        raise SetupError(f"svarboks-central serve did not start (exit {self.process.poll()}); see {self.logfile}")

    def stop(self, timeout=30):
        """SIGTERM, then SIGKILL after `timeout` seconds; returns the exit status (None if it was not running)."""
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()

    @property
    def cert(self):
        return os.path.join(self.data, "tls", "cert.pem")

    def public_key(self):
        with open(os.path.join(self.data, "public.key")) as f:
            return base64.b64decode(f.read().strip())

    def enrolment_code(self, unit):
        return self.cli("enroll", "--unit", unit).stdout.splitlines()[2].split()[0]


# ---- HTTPS ----

class Reply:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def header(self, name):
        values = [v for k, v in self.headers if k.lower() == name.lower()]
        return values[0] if values else ""

    def all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def text(self):
        return self.body.decode("utf-8", errors="replace")


class Https:
    """Requests to the central on 127.0.0.1 over TLS, verified against its self-signed certificate."""

    def __init__(self, port, cafile):
        self.port = port
        self.context = ssl.create_default_context(cafile=cafile)
        self.origin = f"https://127.0.0.1:{port}"

    def request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.context, timeout=HTTP_TIMEOUT)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return Reply(response.status, response.getheaders(), response.read())
        finally:
            connection.close()

    def json(self, method, path, document, token=None):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = "Bearer " + token
        reply = self.request(method, path, json.dumps(document).encode(), headers)
        try:
            parsed = json.loads(reply.body)
        except ValueError:
            parsed = None
        return reply.status, parsed


class Session:
    """A dashboard user signed in through the /login form, as a browser would (English pages)."""

    def __init__(self, https, user, password):
        self.https, self.user = https, user
        self.cookies = {LANGUAGE_COOKIE: "en"}
        form = self.get("/login")
        if form.status != 200 or b'name="password"' not in form.body or b'action="/login"' not in form.body:
            raise SetupError(f"GET /login: {form.status}, no sign-in form")
        body = urllib.parse.urlencode({"user": user, "password": password}).encode()
        reply = https.request("POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded", "Origin": https.origin,
                                                       "Cookie": self.cookie_header()})
        session = [c for c in reply.all("Set-Cookie") if c.startswith(SESSION_COOKIE + "=")]
        if reply.status != 303 or not session:
            raise SetupError(f"signing in as {user}: {reply.status} {reply.text()[:300]}")
        attributes = [a.strip().lower() for a in session[0].split(";")[1:]]
        if "secure" not in attributes or "httponly" not in attributes:
            raise SetupError(f"the session cookie is not Secure and HttpOnly: {session[0]}")
        self.cookies[SESSION_COOKIE] = session[0].split(";")[0].split("=", 1)[1]

    def cookie_header(self):
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def get(self, path, params=()):
        query = urllib.parse.urlencode(list(params))
        return self.https.request("GET", path + ("?" + query if query else ""), headers={"Cookie": self.cookie_header()})


# ---- kiosks ----

class Kiosk:
    """The real kiosk CLI (svarboks) with its own config and outbox, enrolled with a one-time code."""

    def __init__(self, binary, folder, unit_id, unit_name):
        self.binary, self.unit_id, self.unit_name = binary, unit_id, unit_name
        self.config = os.path.join(folder, "kiosk.json")

    def enroll(self, central, https):
        run([self.binary, "config", "init", "--config", self.config, "--unit", self.unit_name])
        code = central.enrolment_code(self.unit_id)
        run([self.binary, "enroll", code, "--endpoint", https.origin, "--ca", central.cert, "--config", self.config])
        # The first sync (nothing to send) fetches the survey published for the unit; simulate answers it.
        run([self.binary, "sync", "--config", self.config])

    def settings(self):
        with open(self.config) as f:
            return json.load(f)

    def simulate(self, count, seed, into_production=True, expect=0):
        args = [self.binary, "simulate", str(count), "--seed", str(seed), "--config", self.config, "--print-ids"]
        if into_production:
            args.append("--into-production-outbox")
        done = run(args, expect=expect)
        return [line.split()[1] for line in done.stdout.splitlines() if line.startswith("committed ")], done

    def sync(self):
        return run([self.binary, "sync", "--config", self.config], expect=None)

    def status(self):
        return json.loads(run([self.binary, "status", "--json", "--config", self.config]).stdout)

    def outbox_path(self):
        outbox = self.settings()["outbox_file"]
        return outbox if os.path.isabs(outbox) else os.path.join(os.path.dirname(self.config), outbox)

    def outbox_items(self):
        """(id, sealed bytes, state) of what an outbox export would carry: every item not held, oldest first."""
        db = sqlite3.connect(self.outbox_path(), timeout=10)
        try:
            return [(i, bytes(s), st) for i, s, st in db.execute("SELECT id, sealed, state FROM responses WHERE held = 0 ORDER BY seq")]
        finally:
            db.close()

    def export_outbox(self, path):
        """The admin screen's "export outbox" file (docs/outbox-export.md), written from the outbox as
        Outbox::exportTo writes it: the kiosk CLI has no command for it, only the kiosk's admin screen."""
        items = self.outbox_items()
        settings = self.settings()
        header = {"format": "svarboks-outbox-export", "version": 1, "count": len(items), "device_id": settings["device_id"],
                  "unit": settings["unit_name"]}
        lines = [json.dumps(header, separators=(",", ":"), ensure_ascii=False)]
        lines += [json.dumps({"id": i, "sealed": base64.b64encode(s).decode(), "state": st}, separators=(",", ":")) for i, s, st in items]
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        return items


class Survey:
    """What a respondent can answer in a survey definition: its questions, choices and conditions."""

    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            self.definition = json.load(f)
        self.id = self.definition["surveyId"]
        self.version = self.definition["surveyVersion"]
        self.elements = [e for page in self.definition["pages"] for e in page["elements"]]
        self.questions = [e["name"] for e in self.elements if e["type"] != "html"]
        self.identifying = [e["name"] for e in self.elements if e.get("identifying")]
        self.definition_sha256 = ""
        self.consent_sha256 = ""

    def random_answers(self, rng):
        answers = {}
        for e in self.elements:
            if e["type"] == "html" or not self.visible(e, answers):
                continue
            if e["type"] == "boolean":
                answers[e["name"]] = rng.random() < 0.5
            elif e["type"] == "radiogroup":
                values = [c["value"] if isinstance(c, dict) else c for c in e["choices"]]
                if e.get("showNoneItem"):
                    values.append("none")
                answers[e["name"]] = rng.choice(values)
            else:
                raise SetupError(f"the scripted kiosk cannot answer a {e['type']} question ({e['name']})")
        return answers

    @staticmethod
    def visible(element, answers):
        # The three conditions of digital-kompetence.json, evaluated as the kiosk does.
        condition = element.get("visibleIf")
        if not condition:
            return True
        match = re.fullmatch(r"\{(\w+)\} anyof \[(.*)\]", condition)
        if match:
            return answers.get(match.group(1)) in [v.strip().strip("'") for v in match.group(2).split(",")]
        match = re.fullmatch(r"\{(\w+)\} = 1 or \{\1\} = 2", condition)
        if match:
            return answers.get(match.group(1)) in (1, 2)
        match = re.fullmatch(r"\{(\w+)\} = true", condition)
        if match:
            return answers.get(match.group(1)) is True
        raise SetupError(f"the scripted kiosk does not know the condition {condition!r}")


class ScriptedKiosk:
    """A device enrolled with a one-time code over POST /api/v1/enroll that seals and sends responses as
    PROTOCOL.md says (sealbox.py): for what the kiosk CLI cannot choose, a response's week and language."""

    def __init__(self, https, central, unit_id, seed):
        self.https, self.unit_id = https, unit_id
        self.rng = random.Random(seed)
        self.central_key = central.public_key()
        status, reply = https.json("POST", "/api/v1/enroll", {"code": central.enrolment_code(unit_id), "request_id": str(uuid.uuid4())})
        if status != 200:
            raise SetupError(f"enrolling a scripted kiosk for {unit_id}: {status} {reply}")
        self.device_id, self.token = reply["device_id"], reply["device_token"]

    def seal(self, survey, period, locale="da", answers=None):
        payload = {"survey_id": survey.id, "survey_version": survey.version, "definition_sha256": survey.definition_sha256,
                   "consent_sha256": survey.consent_sha256, "period": period, "locale": locale,
                   "answers": answers if answers is not None else survey.random_answers(self.rng)}
        return base64.b64encode(sealbox.seal(json.dumps(payload).encode(), self.central_key)).decode()

    def post(self, items, token=None):
        """POST /api/v1/batches with (id, base64 sealed) items; returns (status, {id: result})."""
        batch = {"protocol": 1, "batch_id": str(uuid.uuid4()), "responses": [{"id": i, "sealed": s} for i, s in items]}
        status, reply = self.https.json("POST", "/api/v1/batches", batch, token or self.token)
        results = {r["id"]: r for r in reply.get("results", [])} if isinstance(reply, dict) else {}
        return status, results

    def send(self, survey, period, count, locale="da"):
        items = [(str(uuid.uuid4()), self.seal(survey, period, locale)) for _ in range(count)]
        status, results = self.post(items)
        accepted = [i for i, _ in items if results.get(i, {}).get("status") == "accepted"]
        if status != 200 or len(accepted) != count:
            raise SetupError(f"the scripted kiosk of {self.unit_id} sent {count} responses of week {period}: {status}, "
                             f"{[r for r in results.values() if r.get('status') != 'accepted'][:2]}")
        return accepted


# ---- what the attacker reads ----

QUASI_IDENTIFIERS = ("unit", "group", "period", "survey_version", "locale")


def export_records(fmt, data, identifying):
    """The rows of an export as dicts of its quasi-identifiers (identifying answers as text, "*" when
    withheld, "" when unanswered), from csv, csv-da or jsonl bytes."""
    records = []
    if fmt == "jsonl":
        for line in data.decode("utf-8").splitlines():
            row = json.loads(line)
            record = {q: row.get(q) for q in QUASI_IDENTIFIERS}
            record["id"] = row.get("id")
            withheld = set(row.get("withheld", []))
            for name in identifying:
                value = row.get("answers", {}).get(name)
                record[name] = "*" if name in withheld else "" if value is None else str(value)
            records.append(record)
        return records
    text = data.decode("utf-8-sig" if fmt == "csv-da" else "utf-8")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";" if fmt == "csv-da" else ","))
    if not rows:
        return records
    header = rows[0]
    for row in rows[1:]:
        cells = dict(zip(header, row))
        record = {q: cells.get(q) for q in QUASI_IDENTIFIERS}
        record["id"] = cells.get("id")
        for name in identifying:
            record[name] = cells.get(name, "")
        records.append(record)
    return records


def small_combinations(records, identifying, k):
    """Combinations of quasi-identifiers shared by fewer than k rows: [(combination, rows)]."""
    counts = collections.Counter(tuple(r[q] for q in QUASI_IDENTIFIERS + tuple(identifying)) for r in records)
    return [(combination, n) for combination, n in counts.items() if n < k]


INFINITY = 1 << 50


def bounds_of(value, label, k, row_label=None, row_value=None):
    """What a reader knows of a count from its cell: exact when shown; "fewer than k" is 0..k-1; "hidden"
    (secondary) is k or more. A cell hidden with its row (the row's own count is hidden) is a count of
    some of the row's people: 0 up to what the row's label allows."""
    if value is not None:
        return [value, value]
    if row_label is not None:
        return [0, k - 1 if row_label.startswith("fewer") else INFINITY]
    hi = INFINITY if row_value is None else row_value
    if label.startswith("fewer"):
        return [0, min(k - 1, hi)]
    return [k, hi]


def narrow(tree, bounds):
    """parent = sum(children) for every parent in tree ({parent: [children]}); narrows bounds in place."""
    changed = True
    while changed:
        changed = False
        for parent, children in tree.items():
            if not children:
                continue
            lo = sum(bounds[c][0] for c in children)
            hi = min(INFINITY, sum(bounds[c][1] for c in children))
            p = bounds[parent]
            if lo > p[0]:
                p[0], changed = lo, True
            if hi < p[1]:
                p[1], changed = hi, True
            for c in children:
                others_lo = sum(bounds[o][0] for o in children if o != c)
                others_hi = min(INFINITY, sum(bounds[o][1] for o in children if o != c))
                if others_hi < INFINITY and p[0] - others_hi > bounds[c][0]:
                    bounds[c][0], changed = p[0] - others_hi, True
                if p[1] < INFINITY and p[1] - others_lo < bounds[c][1]:
                    bounds[c][1], changed = p[1] - others_lo, True
    return bounds


def row_tree(rows):
    """The tree of a report's rows (by unit): municipality -> groups -> units, by (level, id) keys."""
    keys = [(r["level"], r["id"]) for r in rows]
    groups = [r for r in rows if r["level"] == "group"]
    tree = {}
    total = ("municipality", "")
    if groups:
        tree[total] = [("group", g["id"]) for g in groups]
        for g in groups:
            tree[("group", g["id"])] = [("unit", r["id"]) for r in rows if r["level"] == "unit" and r["group"] == g["id"]]
    else:
        tree[total] = [("unit", r["id"]) for r in rows if r["level"] == "unit"]
    return {p: c for p, c in tree.items() if p in keys}
