#!/usr/bin/env python3
"""The per-response exports read back with a real CSV parser (Python's csv module).

A central endpoint on 127.0.0.1 (init, a unit, tests/data/exports/export-test.json published), a kiosk
enrolled with a one-time code, 40 simulated respondents synced over TLS: the same path real answers take.
Then `svarboks-central export` as csv, csv-da and jsonl, and checks that
- every response is in each export exactly once, and nothing else is;
- the CSV header is unit, period, survey_id, survey_version, locale and the survey's question names in order;
- every CSV cell equals the JSON Lines answer: multi-choice joined by ';', booleans true/false, numbers with
  '.' (csv) or ',' (csv-da), unanswered empty, and text starting with = + - @ prefixed with ';
- csv is RFC 4180 (',' and CRLF, no BOM); csv-da has a UTF-8 BOM, ';' and CRLF, and reads with utf-8-sig.

  tests/exports/read_back.py BUILD_DIR
"""
import collections
import csv
import io
import json
import os
import random
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SURVEY = os.path.join(ROOT, "tests", "data", "exports", "export-test.json")
FIXED = ["unit", "period", "survey_id", "survey_version", "locale"]
RESPONDENTS = 40


def fail(message):
    print("export_read_back: " + message, file=sys.stderr)
    sys.exit(1)


def run(*args, expect=0):
    done = subprocess.run(list(args), capture_output=True, timeout=120)
    if done.returncode != expect:
        fail("%s exited %d (expected %d): %s" % (" ".join(args), done.returncode, expect, done.stderr.decode(errors="replace")))
    return done.stdout


def neutralised(text):
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def number_text(value, danish):
    text = str(value) if isinstance(value, int) else repr(value)
    return text.replace(".", ",") if danish else text


def expected_cell(value, danish):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return number_text(value, danish)
    if isinstance(value, list):
        return neutralised(";".join(number_text(v, danish) if isinstance(v, (int, float)) and not isinstance(v, bool) else str(v) for v in value))
    return neutralised(value)


def check_csv(path, danish, questions, lines):
    raw = open(path, "rb").read()
    bom = b"\xef\xbb\xbf"
    if danish != raw.startswith(bom):
        fail("%s: %s" % (path, "no UTF-8 BOM" if danish else "a BOM in the standard dialect"))
    if raw.count(b"\n") != raw.count(b"\r\n") or not raw.endswith(b"\r\n"):
        fail("%s: rows must end with CRLF" % path)
    with open(path, newline="", encoding="utf-8-sig" if danish else "utf-8") as file:
        rows = list(csv.reader(file, delimiter=";" if danish else ","))
    header = FIXED + questions
    if rows[0] != header:
        fail("%s: header %r, expected %r" % (path, rows[0], header))
    expected = collections.Counter()
    for line in lines:
        answers = line["answers"]
        row = [line["unit"], line["period"], line["survey_id"], line["survey_version"], line["locale"]]
        row += [expected_cell(answers.get(name), danish) for name in questions]
        expected[tuple(row)] += 1
    found = collections.Counter(tuple(row) for row in rows[1:])
    if found != expected:
        missing = list((expected - found).elements())[:3]
        extra = list((found - expected).elements())[:3]
        fail("%s: rows differ from the JSON Lines export; missing %r, unexpected %r" % (path, missing, extra))
    # No cell a spreadsheet would run: text cells starting with a formula character carry the quote.
    numeric = ("decimal", "rate", "count")
    for row in rows[1:]:
        for name, cell in zip(header, row):
            if cell[:1] in ("=", "+", "-", "@") and name not in numeric:
                fail("%s: cell %r of %s is not neutralised" % (path, cell, name))
    formula = [row[header.index("formula")] for row in rows[1:]]
    if not any(cell.startswith("'=") for cell in formula):
        fail("%s: no respondent chose the '=' answer (change the simulate seed)" % path)
    if danish and not any("," in row[header.index("decimal")] for row in rows[1:]):
        fail("%s: no decimal number with a decimal comma" % path)
    return len(rows) - 1


def main():
    if len(sys.argv) != 2:
        fail("usage: read_back.py BUILD_DIR")
    build = sys.argv[1]
    svarboks = os.path.join(build, "client", "svarboks")
    central = os.path.join(build, "sync", "server", "svarboks-central")
    work = tempfile.mkdtemp(prefix="svarboks-export-read-back-")
    server = None
    try:
        data = os.path.join(work, "central")
        run(central, "init", "--data", data, "--host", "127.0.0.1")
        run(central, "units", "add", "solhaven", "--name", "Solhaven", "--data", data)
        run(central, "survey", "publish", SURVEY, "--all", "--data", data)
        port = random.randint(20000, 39999)
        log = open(os.path.join(work, "central.log"), "wb")
        server = subprocess.Popen([central, "serve", "--data", data, "--listen", "127.0.0.1:%d" % port], stdout=log, stderr=log)
        cert = os.path.join(data, "tls", "cert.pem")
        context = ssl.create_default_context(cafile=cert)
        for _ in range(100):
            try:
                urllib.request.urlopen("https://127.0.0.1:%d/healthz" % port, context=context, timeout=2)
                break
            except OSError:
                if server.poll() is not None:
                    fail("the server did not start: " + open(os.path.join(work, "central.log")).read())
                time.sleep(0.1)
        else:
            fail("the server did not answer on 127.0.0.1:%d" % port)

        config = os.path.join(work, "kiosk", "kiosk.json")
        run(svarboks, "config", "init", "--config", config, "--survey", SURVEY, "--unit", "Solhaven")
        code = run(central, "enroll", "--unit", "solhaven", "--data", data).decode().splitlines()[2].split()[0]
        run(svarboks, "enroll", code, "--endpoint", "https://127.0.0.1:%d" % port, "--ca", cert, "--config", config)
        simulated = run(svarboks, "simulate", str(RESPONDENTS), "--seed", "5", "--config", config, "--print-ids",
                        "--into-production-outbox").decode()
        kiosk_ids = sorted(line.split()[1] for line in simulated.splitlines() if line.startswith("committed"))
        if len(kiosk_ids) != RESPONDENTS:
            fail("the kiosk committed %d responses, expected %d" % (len(kiosk_ids), RESPONDENTS))
        run(svarboks, "sync", "--config", config)
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        server = None

        jsonl = os.path.join(work, "responses.jsonl")
        run(central, "export", "--format", "jsonl", "--output", jsonl, "--data", data)
        lines = [json.loads(line) for line in open(jsonl, encoding="utf-8")]
        if sorted(line["id"] for line in lines) != kiosk_ids:
            fail("the JSON Lines export does not hold exactly the kiosk's %d responses" % RESPONDENTS)
        for line in lines:
            if list(line) != ["id", "unit", "survey_id", "survey_version", "period", "locale", "answers"]:
                fail("a JSON Lines row has the keys %r" % list(line))

        survey = json.load(open(SURVEY, encoding="utf-8"))
        questions = [e["name"] for page in survey["pages"] for e in page["elements"] if e["type"] != "html"]
        for dialect, danish in (("csv", False), ("csv-da", True)):
            path = os.path.join(work, "responses-%s.csv" % dialect)
            run(central, "export", "--format", dialect, "--output", path, "--data", data)
            count = check_csv(path, danish, questions, lines)
            if count != RESPONDENTS:
                fail("%s: %d rows, expected %d" % (path, count, RESPONDENTS))
            streamed = run(central, "export", "--format", dialect, "--survey", "export-test", "--data", data)
            if streamed != open(path, "rb").read():
                fail("export --format %s to standard output differs from --output" % dialect)
        print("export_read_back: %d responses read back from csv, csv-da and jsonl with Python's csv module" % RESPONDENTS)
    finally:
        if server is not None:
            server.kill()
            server.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
