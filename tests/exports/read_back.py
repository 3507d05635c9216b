#!/usr/bin/env python3
"""The per-response exports read back with a real CSV parser (Python's csv module).

A central endpoint on 127.0.0.1 (init; units solhaven, nord and lille in group hjemmeplejen;
tests/data/exports/export-test.json published), a kiosk in each unit enrolled with a one-time code, 40
simulated respondents at solhaven, 6 at nord and 2 at lille, synced over TLS: the same path real answers take. Then a round
around this week is added and released (`rounds add`, `rounds release --early`), and `svarboks-central
export` is run as csv, csv-da and jsonl. What the kiosks answered is read from the central store (the ids
the kiosks printed are exactly the ids stored, each unit's under its unit, all in the round), and each
export is compared with it row for row and cell for cell:
- the CSV header is unit, group, period, survey_id, survey_version, locale and the survey's question
  names in order; a JSON Lines row has the keys unit, group, period, survey_id, survey_version, locale,
  answers, and no id;
- the rows are those the export must show, computed here from the round's report as `report --format
  json` prints it and the rule of docs (export.hpp, anonymise.hpp): a unit is named where the report shows
  its respondents, else "*" with its group where the report shows the group's, else "*" and "*" where it
  shows the municipality's, else its rows are left out; then the cheapest generalisation (unit 4, week 2,
  language 1; ties: the unit kept first, then the week) under which every combination of unit, group,
  week and language has at least k rows. The two lille respondents are never named;
- every answer cell equals the stored answer: multi-choice joined by ';', booleans true/false, numbers
  with '.' (csv) or ',' (csv-da), unanswered empty, text starting with = + - @ prefixed with ';
- csv is RFC 4180 (',' and CRLF, no BOM); csv-da has a UTF-8 BOM, ';' and CRLF, and reads with utf-8-sig;
- the same export to standard output is byte for byte the file, and so is the same export asked again.
- the codebook `--output` writes beside each file lists its columns in order, with every question's title
  and choice's label in Danish and English as the survey file has them.

  tests/exports/read_back.py BUILD_DIR
"""
import collections
import csv
import datetime
import itertools
import json
import os
import random
import shutil
import signal
import sqlite3
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SURVEY = os.path.join(ROOT, "tests", "data", "exports", "export-test.json")
FIXED = ["unit", "group", "period", "survey_id", "survey_version", "locale"]
JSONL_KEYS = FIXED + ["answers"]
ROUND = "read-back"
# unit -> (group, respondents), one kiosk each: lille's two must never be singled out. The report hides
# lille (fewer than 5) and, so that lille cannot be worked out from the group, nord; their 8 rows show the
# group only.
UNITS = {"solhaven": ("hjemmeplejen", 40), "nord": ("hjemmeplejen", 6), "lille": ("hjemmeplejen", 2)}
NO_GROUP = "(no group)"


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


def iso_week(day):
    year, week, _ = day.isocalendar()
    return "%04d-W%02d" % (year, week)


def expected_rows(stored, report):
    """The quasi-identifiers each stored response must show in the export, or None when it is left out.

    stored: dicts with unit, group, period, locale, answers. report: `report --format json`."""
    k = report["k"]
    shown = {}
    for row in report["rows"]:
        shown[(row["level"], row["id"])] = row["respondents"] is not None
    # 1. The unit as the round's report shows it.
    pre = []
    for response in stored:
        unit, group = response["unit"], response["group"]
        if shown[("unit", unit)]:
            pre.append((unit, group))
        elif shown.get(("group", group), False):
            pre.append(("*", group))
        elif shown[("municipality", "")]:
            pre.append(("*", "*"))
        else:
            pre.append(None)

    # 2. The cheapest generalisation under which every combination has at least k rows (none withheld).
    def generalised(index, unit_level, period_level, locale_level):
        unit, group = pre[index]
        group = NO_GROUP if group == "" else group
        if unit_level == 1:
            unit = "*"
        elif unit_level == 2:
            unit, group = "*", "*"
        period = ROUND if period_level else stored[index]["period"]
        locale = "*" if locale_level else stored[index]["locale"]
        return (unit, group, period, locale)

    kept = [i for i in range(len(stored)) if pre[i] is not None]
    nodes = sorted(itertools.product(range(3), range(2), range(2)), key=lambda node: (4 * node[0] + 2 * node[1] + node[2], node))
    for node in nodes:
        classes = collections.Counter(generalised(i, *node) for i in kept)
        if all(count >= k for count in classes.values()):
            break
    else:
        node = (2, 1, 1)  # fewer than k rows in all: every row is left out below
        kept = []
    result = [None] * len(stored)
    for i in kept:
        result[i] = generalised(i, *node)
    return result, node


def check_csv(path, danish, questions, expected):
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
    wanted = collections.Counter()
    for quasi, response in expected:
        row = [quasi[0], quasi[1], quasi[2], response["survey_id"], response["survey_version"], quasi[3]]
        row += [expected_cell(response["answers"].get(name), danish) for name in questions]
        wanted[tuple(row)] += 1
    found = collections.Counter(tuple(row) for row in rows[1:])
    if found != wanted:
        missing = list((wanted - found).elements())[:3]
        extra = list((found - wanted).elements())[:3]
        fail("%s: rows differ from what the kiosks answered; missing %r, unexpected %r" % (path, missing, extra))
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


def check_jsonl(path, expected):
    wanted = collections.Counter()
    for quasi, response in expected:
        line = dict(zip(FIXED, [quasi[0], quasi[1], quasi[2], response["survey_id"], response["survey_version"], quasi[3]]))
        line["answers"] = response["answers"]
        wanted[json.dumps(line, sort_keys=True)] += 1
    found = collections.Counter()
    for text in open(path, encoding="utf-8"):
        line = json.loads(text)
        if list(line) != JSONL_KEYS:
            fail("a JSON Lines row has the keys %r, expected %r" % (list(line), JSONL_KEYS))
        found[json.dumps(line, sort_keys=True)] += 1
    if found != wanted:
        missing = list((wanted - found).elements())[:2]
        extra = list((found - wanted).elements())[:2]
        fail("%s: rows differ from what the kiosks answered; missing %r, unexpected %r" % (path, missing, extra))
    return sum(found.values())


def check_codebook(path, danish, survey):
    """The codebook `export --output` writes beside a CSV, read as Excel/R would read it: one row per column of
    the data (same names, same order), each question's title and each choice's label in Danish and English."""
    book_path = path[:-len(".csv")] + "-codebook.csv"
    with open(book_path, encoding="utf-8-sig" if danish else "utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter=";" if danish else ","))
    with open(path, encoding="utf-8-sig" if danish else "utf-8", newline="") as f:
        header = next(csv.reader(f, delimiter=";" if danish else ","))
    if [r["column"] for r in rows if r["kind"] != "value"] != header:
        fail("%s: its columns are not those of %s" % (book_path, path))
    say = lambda t, lang: t if isinstance(t, str) else t.get(lang, t.get("default", next(iter(t.values()))))
    for element in (e for page in survey["pages"] for e in page["elements"] if e["type"] != "html"):
        question = next(r for r in rows if r["column"] == element["name"] and r["kind"] != "value")
        if "title" in element and (question["text_da"], question["text_en"]) != (say(element["title"], "da"), say(element["title"], "en")):
            fail("%s: %s is titled %r" % (book_path, element["name"], (question["text_da"], question["text_en"])))
        for choice in element.get("choices", []):
            if not isinstance(choice, dict) or "text" not in choice:
                continue
            value = str(choice["value"]).replace(".", ",") if danish and isinstance(choice["value"], float) else str(choice["value"])
            labels = [(r["text_da"], r["text_en"]) for r in rows if r["column"] == element["name"] and r["kind"] == "value" and r["value"] == value]
            if labels != [(say(choice["text"], "da"), say(choice["text"], "en"))]:
                fail("%s: %s = %s is labelled %r" % (book_path, element["name"], value, labels))


def main():
    if len(sys.argv) != 2:
        fail("usage: read_back.py BUILD_DIR")
    build = sys.argv[1]
    svarboks = os.path.join(build, "client", "svarboks")
    central = os.path.join(build, "sync", "central", "svarboks-central")
    work = tempfile.mkdtemp(prefix="svarboks-export-read-back-")
    server = None
    try:
        data = os.path.join(work, "central")
        run(central, "init", "--data", data, "--host", "127.0.0.1")
        for unit, (group, _) in UNITS.items():
            run(central, "units", "add", unit, "--name", unit.capitalize(), "--group", group, "--data", data)
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

        kiosk_ids = {}
        for seed, (unit, (_, respondents)) in enumerate(UNITS.items(), start=5):
            config = os.path.join(work, "kiosk-" + unit, "kiosk.json")
            run(svarboks, "config", "init", "--config", config, "--survey", SURVEY, "--unit", unit.capitalize())
            code = run(central, "enroll", "--unit", unit, "--data", data).decode().splitlines()[2].split()[0]
            run(svarboks, "enroll", code, "--endpoint", "https://127.0.0.1:%d" % port, "--ca", cert, "--config", config)
            simulated = run(svarboks, "simulate", str(respondents), "--seed", str(seed), "--config", config, "--print-ids",
                            "--into-production-outbox").decode()
            kiosk_ids[unit] = sorted(line.split()[1] for line in simulated.splitlines() if line.startswith("committed"))
            if len(kiosk_ids[unit]) != respondents:
                fail("the %s kiosk committed %d responses, expected %d" % (unit, len(kiosk_ids[unit]), respondents))
            run(svarboks, "sync", "--config", config)
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        server = None

        # A round around this week (simulated respondents may run into the next), released now.
        today = datetime.date.today()
        run(central, "rounds", "add", ROUND, "--from", iso_week(today - datetime.timedelta(weeks=1)),
            "--to", iso_week(today + datetime.timedelta(weeks=2)), "--data", data)
        run(central, "rounds", "release", ROUND, "--early", "--data", data)

        # What the kiosks answered, as the central stored it: exactly their ids, under their units, in the round.
        store = sqlite3.connect("file:%s?mode=ro" % os.path.join(data, "central.db"), uri=True)
        stored = []
        for row in store.execute("SELECT id, unit_id, survey_id, survey_version, period, locale, answers, round_id FROM responses"):
            stored.append(dict(zip(["id", "unit", "survey_id", "survey_version", "period", "locale", "answers", "round"], row)))
        store.close()
        for unit in UNITS:
            ids = sorted(r["id"] for r in stored if r["unit"] == unit)
            if ids != kiosk_ids[unit]:
                fail("the store does not hold exactly the %s kiosk's %d responses under unit %s" % (unit, len(kiosk_ids[unit]), unit))
        if len(stored) != sum(respondents for _, respondents in UNITS.values()):
            fail("the store holds %d responses, expected %d" % (len(stored), sum(r for _, r in UNITS.values())))
        if any(r["round"] != ROUND for r in stored):
            fail("not every response was frozen into round %s" % ROUND)
        for response in stored:
            response["group"] = UNITS[response["unit"]][0]
            response["answers"] = json.loads(response["answers"])

        report = json.loads(run(central, "report", "--format", "json", "--data", data))
        if report["round"] != ROUND:
            fail("the report is of round %r" % report["round"])
        rows_of = {(row["level"], row["id"]): row for row in report["rows"]}
        if rows_of[("unit", "lille")]["respondents"] is not None:
            fail("the report shows lille's %r respondents" % rows_of[("unit", "lille")]["respondents"])
        quasi, node = expected_rows(stored, report)
        expected = [(q, r) for q, r in zip(quasi, stored) if q is not None]
        if any(q[0] == "lille" for q, _ in expected):
            fail("the expectation names lille (a bug in this script)")
        # What this setup must come to, whatever week the kiosks wrote: solhaven named, nord and lille only as
        # the group (the report hides them both), nobody left out.
        if len(expected) != len(stored) or collections.Counter(q[0] for q, _ in expected) != {"solhaven": 40, "*": 8}:
            fail("unexpected expectation %r (has the report's suppression changed?)" % collections.Counter(q[0] for q, _ in expected))

        jsonl = os.path.join(work, "responses.jsonl")
        run(central, "export", "--format", "jsonl", "--output", jsonl, "--data", data)
        if check_jsonl(jsonl, expected) != len(expected):
            fail("the JSON Lines export has the wrong number of rows")

        survey = json.load(open(SURVEY, encoding="utf-8"))
        questions = [e["name"] for page in survey["pages"] for e in page["elements"] if e["type"] != "html"]
        for dialect, danish in (("csv", False), ("csv-da", True)):
            path = os.path.join(work, "responses-%s.csv" % dialect)
            run(central, "export", "--format", dialect, "--output", path, "--data", data)
            count = check_csv(path, danish, questions, expected)
            if count != len(expected):
                fail("%s: %d rows, expected %d" % (path, count, len(expected)))
            content = open(path, "rb").read()
            if b"lille" in content:
                fail("%s names lille, a unit of 2" % path)
            check_codebook(path, danish, survey)
            streamed = run(central, "export", "--format", dialect, "--survey", "export-test", "--round", ROUND, "--data", data)
            if streamed != content:
                fail("export --format %s to standard output differs from --output (or from the export asked before)" % dialect)
        book = json.load(open(os.path.join(work, "responses-codebook.json"), encoding="utf-8"))
        if [c["column"] for c in book["columns"]][6:] != questions or book["survey_id"] != survey["surveyId"]:
            fail("the JSON codebook beside %s does not list the survey's questions" % jsonl)
        if b"lille" in open(jsonl, "rb").read():
            fail("%s names lille, a unit of 2" % jsonl)

        audit = run(central, "audit", "list", "--data", data).decode()
        if audit.count(" export ") != 5:
            fail("the audit log lists %d exports, expected 5:\n%s" % (audit.count(" export "), audit))
        run(central, "export", "--format", "csv", "--k", "3", "--data", data, expect=2)

        shown = collections.Counter(q[0] for q, _ in expected)
        print("export_read_back: %d of %d responses read back from csv, csv-da and jsonl with Python's csv module "
              "(units shown %s, generalisation unit/week/language %r, k %d)"
              % (len(expected), len(stored), dict(shown), node, report["k"]))
    finally:
        if server is not None:
            server.kill()
            server.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
