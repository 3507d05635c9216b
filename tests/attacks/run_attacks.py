#!/usr/bin/env python3
"""The attack suite: each way of learning about fewer than k people (issue 12, shared/ANONYMITY.md) played
against the real binaries, and each must fail, judged by what the attacker sees.

  tests/attacks/run_attacks.py BUILD_DIR [--keep] [--seed S]

The scenario, built with the real binaries in a temp folder inside BUILD_DIR: `svarboks-central init`, units
in two groups and two without, the default survey (with "Where do you work?" marked identifying) published
for every unit as 2026.1 and a copy as 2026.2 for one unit only, an administrator, an analyst and three unit
leaders; `svarboks-central serve` on 127.0.0.1 (a free port; stopped at the end, also on failure). Real
kiosks (the `svarboks` CLI) enrolled with one-time codes commit simulated respondents
(`simulate N --into-production-outbox`) and `sync` them over TLS. A scripted kiosk (harness.ScriptedKiosk,
enrolled the same way, sealing with sealbox.py as PROTOCOL.md says) sends what the CLI kiosk cannot choose:
responses of the two past weeks, the one respondent who answers in English, the one respondent of 2026.2.
Rounds: r-a (two weeks ago: unit solo's 12), r-b (last week: solo's 1 and nord's 6), both released once
ended; r-now (this week) released early after the kiosks synced.

Every dashboard request goes over HTTPS, verified against the central's self-signed certificate, in a
session signed in through the /login form (session cookie __Host-svarboks_session, Secure). The attacks:

 1 record-level downloads: every format of every released round and survey version, by every role and
   the CLI: every combination of quasi-identifiers has >= k rows, no row of the 2-person unit; a unit
   leader gets 403 for each.
 2 two week ranges: --from/--to refused (exit 2), from/to in a URL refused (400), overlapping rounds
   refused, unreleased rounds unavailable; solo's 12 and 1 are never shown as 13; the rounds' exports
   hold only their own weeks.
 3 before and after a sync: every report, page and download of every released round is byte-identical
   after late arrivals (a real kiosk syncing one respondent at a time); no page counts them (the overview reloaded after each is the same bytes).
 4 padding and replay: one respondent's sealed bytes under 4 new ids (batch with the kiosk's token) and in
   an outbox-export file fed to `import` are rejected and counted nowhere; `simulate` into an enrolled
   config without --into-production-outbox is refused.
 5 k below the promise: --k 3 on report, export, serve, init and policy set refused; k=3 in a URL gives
   400 or the same page; raising k later leaves released rounds as they were.
 6 complement within a group: every hidden count of every report (respondents, per area, per question)
   stays a range when narrowed with every shown sum (parent = sum of children).
 7 a unit moved between groups after a release: the released round keeps its groups (same bytes, same access).
 8 a survey version with one respondent: hidden everywhere, no total across versions.
 9 the English respondent: no export row says "en".
10 repeated downloads with different filters: a round's export is the same bytes however it is asked.
11 audit: every download is in the audit log with its user and rows; administrators read it at /audit.
12 a unit leader's reach: 403 for another unit's page, a comparison with it, /audit, /dead-letters.
13 arrival order (issue 13): after 100 batches of one, central.db holds the ids in no order of arrival
   (table order and byte offsets in the file, Kendall's tau near 0), no table with rowids holds a response
   id, the write-ahead log is emptied within seconds, and the access log has no batch sizes or counts.

Prints PASS/FAIL per attack with the failed checks, and the time taken; exit 1 on any failure (the work
folder is then kept). No sleep but short polls while the server starts; every command and request has a
timeout.
"""
import argparse
import base64
import collections
import datetime
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import sys
import tempfile
import time
import traceback
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Attack, Central, Https, Kiosk, ScriptedKiosk, Session, SetupError, Survey, bounds_of,  # noqa: E402
                     export_records, narrow, row_tree, run, small_combinations)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SURVEY = os.path.join(ROOT, "assets", "surveys", "digital-kompetence.json")
K = 5
FORMATS = ("csv", "csv-da", "jsonl")
EXPORT_FORMATS = FORMATS

# id, name, group, respondents this week from the unit's real kiosk
UNITS = [
    ("solhoj", "Plejecenter Solhøj", "Plejecentre", 12),
    ("egely", "Plejecenter Egely", "Plejecentre", 8),
    ("duo", "Plejecenter Duo", "Plejecentre", 2),
    ("nord", "Hjemmepleje Nord", "Hjemmeplejen", 9),
    ("vest", "Hjemmepleje Vest", "Hjemmeplejen", 6),
    ("solo", "Skovvang Skole", "", 0),
    ("annex", "Annekset", "", 0),
]
UNIT_NAMES = {u[0]: u[1] for u in UNITS}
USERS = {  # name: (role options, password)
    "admin": (["--role", "administrator"], "admin-password-0001"),
    "ana": (["--role", "analyst"], "analyst-password-0002"),
    "lead": (["--role", "unit-leader", "--unit", "egely"], "leader-password-0003"),
    "lead2": (["--role", "unit-leader", "--group", "Hjemmeplejen"], "leader-password-0004"),
    "lead3": (["--role", "unit-leader", "--group", "Plejecentre"], "leader-password-0005"),
}


def iso_week(day):
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


class Scenario:
    def __init__(self, build, work, seed):
        self.build, self.work, self.seed = build, work, seed
        self.rng = random.Random(seed)
        self.central = Central(os.path.join(build, "sync", "central", "svarboks-central"), os.path.join(work, "central"),
                               os.path.join(work, "central.log"))
        self.svarboks = os.path.join(build, "client", "svarboks")
        today = datetime.date.today()
        self.w0, self.wm1, self.wm2 = iso_week(today), iso_week(today - datetime.timedelta(days=7)), iso_week(today - datetime.timedelta(days=14))
        self.w1 = iso_week(today + datetime.timedelta(days=7))
        self.attacks = collections.OrderedDict()
        self.kiosks, self.scripted, self.sessions = {}, {}, {}
        self.downloads = []  # (user, action, rows) of every dashboard download made
        self.exports = {}
        # What is in each released round and version: {(round, version): {unit: respondents}}
        self.truth = collections.defaultdict(collections.Counter)

    def attack(self, key, what):
        if key not in self.attacks:
            self.attacks[key] = Attack(key, what)
        if what:
            self.attacks[key].what = what
        return self.attacks[key]

    # ---- set-up ----

    def surveys(self):
        definition = json.load(open(SURVEY, encoding="utf-8"))
        for page in definition["pages"]:
            for element in page["elements"]:
                if element["name"] == "workplace":
                    element["identifying"] = True
        paths = []
        for version in ("2026.1", "2026.2"):
            definition["surveyVersion"] = version
            path = os.path.join(self.work, f"survey-{version}.json")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(definition, f, ensure_ascii=False, indent=1)
            paths.append(path)
        return [Survey(p) for p in paths], paths

    def publish(self, survey, path, *where):
        out = self.central.cli("survey", "publish", path, *where).stdout
        survey.definition_sha256 = re.search(r"definition_sha256 (\w+)", out).group(1)
        survey.consent_sha256 = re.search(r"consent_sha256\s+(\w+)", out).group(1)

    def build_store(self):
        c = self.central
        run([c.binary, "init", "--data", c.data, "--host", "127.0.0.1"])
        for unit, name, group, _ in UNITS:
            c.cli("units", "add", unit, "--name", name, *(["--group", group] if group else []))
        (self.s1, self.s2), paths = self.surveys()
        self.publish(self.s1, paths[0], "--all")
        if self.s1.identifying != ["workplace"]:
            raise SetupError("the survey copy has no identifying question")
        for name, (options, password) in USERS.items():
            c.cli("users", "add", name, *options, "--password-stdin", stdin=password + "\n")
        c.start()
        self.https = Https(c.port, c.cert)
        for name, (_, password) in USERS.items():
            self.sessions[name] = Session(self.https, name, password)
        for unit, name, _, count in UNITS:
            if count:
                kiosk = Kiosk(self.svarboks, os.path.join(self.work, "kiosk-" + unit), unit, name)
                kiosk.enroll(c, self.https)
                self.kiosks[unit] = kiosk
        for unit in ("solo", "nord", "solhoj", "annex"):
            self.scripted[unit] = ScriptedKiosk(self.https, c, unit, self.rng.random())
        # 2026.2 only for the annex (published after the other kiosks took 2026.1).
        self.publish(self.s2, paths[1], "--unit", "annex")

    def past_rounds(self):
        """Weeks A (two weeks ago) and B (last week): solo's 12 and 1, nord's 6; rounds r-a and r-b released."""
        self.scripted["solo"].send(self.s1, self.wm2, 12)
        self.scripted["solo"].send(self.s1, self.wm1, 1)
        self.scripted["nord"].send(self.s1, self.wm1, 6)
        self.truth[("r-a", "2026.1")].update({"solo": 12})
        self.truth[("r-b", "2026.1")].update({"solo": 1, "nord": 6})
        for rnd, week in (("r-a", self.wm2), ("r-b", self.wm1)):
            self.central.cli("rounds", "add", rnd, "--from", week, "--to", week)
            self.central.cli("rounds", "release", rnd)

    def this_week(self):
        """The real kiosks' respondents of this week, synced (duo's outbox exported first), the English one
        and the annex's one from the scripted kiosk. Not released yet."""
        for index, (unit, _, _, count) in enumerate(UNITS):
            if not count:
                continue
            kiosk = self.kiosks[unit]
            ids, _ = kiosk.simulate(count, seed=1000 + index)
            if len(ids) != count:
                raise SetupError(f"the kiosk of {unit} committed {len(ids)} responses, expected {count}")
            if unit == "duo":
                self.duo_export = os.path.join(self.work, "duo-outbox-export.jsonl")
                self.duo_items = kiosk.export_outbox(self.duo_export)
            synced = kiosk.sync()
            if synced.returncode != 0:
                raise SetupError(f"the kiosk of {unit} did not sync: {synced.stderr.strip()}")
            self.truth[("r-now", "2026.1")][unit] += count
        self.scripted["solhoj"].send(self.s1, self.w0, 1, locale="en")
        self.truth[("r-now", "2026.1")]["solhoj"] += 1
        self.scripted["annex"].send(self.s2, self.w0, 1)
        self.truth[("r-now", "2026.2")]["annex"] += 1

    def release_now(self):
        a = self.attack("2 two week ranges", "")
        self.central.cli("rounds", "add", "r-now", "--from", self.w0, "--to", self.w0)
        refused = self.central.cli("rounds", "release", "r-now", expect=None)
        a.check(refused.returncode != 0 and "has not ended" in refused.stderr,
                f"rounds release r-now (this week, not over) without --early: exit {refused.returncode}: {refused.stdout}{refused.stderr}")
        self.central.cli("rounds", "release", "r-now", "--early")
        self.combos = [(r, s) for r in ("r-a", "r-b", "r-now") for s in (self.s1, self.s2)]
        # The versions with respondents in each round (2026.2 has none in r-a and r-b): what snapshots read.
        self.answered = [(r, s) for r, s in self.combos if sum(self.truth[(r, s.version)].values())]

    # ---- what an attacker reads ----

    def report(self, rnd, survey, by="unit", fmt="json", focus=(), expect=0):
        return self.central.cli("report", "--round", rnd, "--survey", survey.id, "--version", survey.version, "--by", by,
                                "--format", fmt, *focus, expect=expect, binary=True)

    def report_json(self, rnd, survey, by="unit", focus=()):
        return json.loads(self.report(rnd, survey, by, "json", focus).stdout)

    def export(self, rnd, survey, fmt):
        return self.central.cli("export", "--format", fmt, "--round", rnd, "--survey", survey.id, "--version", survey.version, binary=True)

    def exported(self, rnd, survey, fmt):
        """The CLI's export of a round and version, read once (a released round's export never changes:
        attacks 3 and 10 read it again to show that)."""
        key = (rnd, survey.version, fmt)
        if key not in self.exports:
            self.exports[key] = self.export(rnd, survey, fmt).stdout
        return self.exports[key]

    def download(self, who, fmt, rnd, survey, extra=()):
        reply = self.sessions[who].get("/download/responses", [("format", fmt), ("survey", f"{survey.id}@{survey.version}"),
                                                               ("round", rnd), *extra])
        if reply.status == 200:
            rows = len(export_records(fmt, reply.body, survey.identifying))
            self.downloads.append((who, "download-responses", rows))
        return reply

    def page(self, who, path, rnd, survey, extra=()):
        return self.sessions[who].get(path, [*extra, ("survey", f"{survey.id}@{survey.version}"), ("round", rnd)])

    def overview_now(self, who="admin"):
        """The overview as it is without a filter (the latest round): what a user reloads while answers come in."""
        reply = self.sessions[who].get("/")
        if reply.status != 200 or b'<section id="collection">' not in reply.body:
            raise SetupError(f"the overview answered {reply.status} or has no collection section")
        return reply.body

    def snapshot(self, combos=None):
        """Everything an attacker can read of the released rounds, by name: reports in every format, per-unit
        question tables, exports, and the dashboard's overview, unit pages, comparisons and downloads as each role sees them."""
        views = {}
        for rnd, survey in combos or self.answered:
            tag = f"{rnd} {survey.version}"
            for by, fmt in (("unit", "json"), ("unit", "table"), ("unit", "csv-da"), ("group", "csv")):
                views[f"report {tag} --by {by} --format {fmt}"] = self.report(rnd, survey, by, fmt).stdout
            for unit in ("egely", "duo"):
                views[f"report {tag} --by question --unit {unit}"] = self.report(rnd, survey, "question", "json", ("--unit", unit)).stdout
            views[f"report {tag} --by area"] = self.report(rnd, survey, "area", "json").stdout
            for fmt in EXPORT_FORMATS:
                views[f"export {tag} {fmt}"] = self.export(rnd, survey, fmt).stdout
            views[f"ana download {tag} csv"] = (lambda r: (r.status, r.body))(self.download("ana", "csv", rnd, survey))
            for who, units in (("admin", ["egely", "duo", "solo", "annex", "vest"]), ("lead", ["egely"]), ("lead2", ["vest"])):
                overview = self.page(who, "/", rnd, survey)
                views[f"{who} overview {tag}"] = (overview.status, overview.body)
                for unit in units:
                    reply = self.page(who, "/unit", rnd, survey, [("id", unit)])
                    views[f"{who} /unit {unit} {tag}"] = (reply.status, reply.body)
                reply = self.page(who, "/download/report", rnd, survey, [("format", "csv")])
                views[f"{who} /download/report {tag}"] = (reply.status, reply.body)
            reply = self.page("admin", "/compare", rnd, survey, [("unit", "egely"), ("unit", "duo"), ("unit", "nord")])
            views[f"admin /compare {tag}"] = (reply.status, reply.body)
        return views

    def compare_snapshots(self, attack, before, after, when):
        # Identical error pages would compare equal too: every page and download read must have been there.
        failed = [f"{name}: {view[0]}" for name, view in after.items() if isinstance(view, tuple) and view[0] != 200]
        attack.check(not failed, f"{when}: views not read (status): {failed[:5]}")
        differing = [name for name in before if before[name] != after.get(name)]
        attack.check(not differing, f"{when}: {len(differing)} of {len(before)} views changed, e.g. {differing[:5]}")
        return differing


# ---- the attacks ----

def attack_record_level(s):
    a = s.attack("1 record-level downloads", "no row of a unit under k, every combination of quasi-identifiers >= k rows, "
                                             "403 for unit leaders")
    for rnd, survey in s.combos:
        truth = s.truth[(rnd, survey.version)]
        small_units = {u for u, _, _, _ in UNITS if truth[u] < K}
        for fmt in EXPORT_FORMATS:
            exported = s.exported(rnd, survey, fmt)
            for source, data in [("export (CLI)", exported)] + [
                    (f"download as {who}", s.download(who, fmt, rnd, survey)) for who in ("admin", "ana")]:
                if not isinstance(data, bytes):
                    if not a.check(data.status == 200, f"{source} {rnd} {survey.version} {fmt}: {data.status} {data.text()[:200]}"):
                        continue
                    a.check(data.body == exported, f"{source} {rnd} {survey.version} {fmt} differs from the CLI export of the same round")
                    data = data.body
                records = export_records(fmt, data, survey.identifying)
                what = f"{source} {rnd} {survey.version} {fmt}"
                a.check(len(records) <= sum(truth.values()), f"{what}: {len(records)} rows, more than the round's {sum(truth.values())}")
                small = small_combinations(records, survey.identifying, K)
                a.check(not small, f"{what}: combinations of fewer than {K} rows: {small[:3]}")
                named = collections.Counter(r["unit"] for r in records if r["unit"] in small_units)
                a.check(not named, f"{what}: rows naming units of fewer than {K} respondents: {dict(named)}")
                a.check(all(r.get("id") is None for r in records), f"{what}: rows carry a response id")
        for who in ("lead", "lead2", "lead3"):
            for fmt in EXPORT_FORMATS:
                reply = s.download(who, fmt, rnd, survey)
                a.check(reply.status == 403, f"unit leader {who}: /download/responses {rnd} {survey.version} {fmt} gave {reply.status}")
                a.check(b"," not in reply.body and b"{" not in reply.body, f"unit leader {who}: the 403 body carries data")
    for who in ("lead", "lead2", "lead3"):
        reply = s.sessions[who].get("/download/responses")
        a.check(reply.status == 403, f"unit leader {who}: /download/responses without parameters gave {reply.status}")
    # The duo's 2 are in r-now: in some form every export of it must still hide them (or leave them out).
    rows = export_records("jsonl", s.exported("r-now", s.s1, "jsonl"), s.s1.identifying)
    a.check(sum(1 for r in rows if r["unit"] == "duo") == 0, "the 2-person unit's rows are in the r-now export under its own name")
    # The check must be able to fail: one row of the analyst's download put back under duo's name is found.
    forged = export_records("csv", s.download("ana", "csv", "r-now", s.s1).body, s.s1.identifying)
    forged[0] = {**forged[0], "unit": "duo", "group": "Plejecentre"}
    a.check(any("duo" in combination for combination, _ in small_combinations(forged, s.s1.identifying, K)),
            "the k-anonymity check does not find a row put back under duo's name")
    unauthenticated = s.https.request("GET", "/download/responses?format=csv")
    a.check(unauthenticated.status == 401, f"/download/responses without a session gave {unauthenticated.status}")


def attack_two_ranges(s):
    a = s.attack("2 two week ranges", "no free week range anywhere; rounds never overlap; solo's 12 and 1 never add up to 13")
    c = s.central
    for args in (["--from", s.wm2, "--to", s.wm2], ["--from", s.wm2, "--to", s.wm1], ["--round", "r-a", "--to", s.wm1], ["--from", s.wm2]):
        done = c.cli("report", *args, expect=None)
        a.check(done.returncode == 2, f"report {' '.join(args)} exited {done.returncode}, expected 2 (usage error)")
        a.check("--from/--to" in done.stderr, f"report {' '.join(args)} does not say why: {done.stderr[:200]}")
    week_range = [("from", s.wm2), ("to", s.wm1)]
    for path, extra in (("/", []), ("/unit", [("id", "solo")]), ("/compare", [("unit", "solo"), ("unit", "nord")]),
                        ("/download/report", [])):
        for who in ("admin", "ana", "lead2"):
            reply = s.sessions[who].get(path, extra + week_range)
            a.check(reply.status == 400, f"{who}: {path} with from/to gave {reply.status}, expected 400")
    plain = s.download("ana", "csv", "r-a", s.s1)
    ranged = s.download("ana", "csv", "r-a", s.s1, week_range)
    a.check(ranged.status == 400 or (ranged.status == 200 and ranged.body == plain.body),
            f"/download/responses with from/to gave {ranged.status} and other rows than without")
    # The central team cannot make overlapping ranges either: rounds never share a week.
    for rnd, start, end in (("r-ab", s.wm2, s.wm1), ("r-b2", s.wm1, s.w0), ("r-a2", s.wm2, s.wm2)):
        done = c.cli("rounds", "add", rnd, "--from", start, "--to", end, expect=None)
        a.check(done.returncode != 0, f"rounds add {rnd} {start}..{end} (overlapping a round) was accepted")
    listed = c.cli("rounds", "list").stdout
    a.check(not re.search(r"^r-ab|^r-b2|^r-a2", listed, re.M), f"an overlapping round is listed: {listed}")
    # Only released rounds exist for reports and downloads.
    c.cli("rounds", "add", "r-next", "--from", s.w1, "--to", s.w1)
    unreleased = c.cli("report", "--round", "r-next", expect=None)
    a.check(unreleased.returncode == 1, f"report --round r-next (not released) exited {unreleased.returncode}: {unreleased.stdout[:200]}")
    exported = c.cli("export", "--round", "r-next", expect=None)
    a.check(exported.returncode == 1, f"export --round r-next (not released) exited {exported.returncode}")
    for path in ("/", "/unit", "/download/report", "/download/responses"):
        reply = s.sessions["admin"].get(path, [("id", "solo"), ("round", "r-next")])
        a.check(reply.status in (400, 404), f"{path}?round=r-next (not released) gave {reply.status}")
    # Solo: 12 in week A (r-a), 1 in week B (r-b). Nothing shows 13, nor the 1.
    shown = {}
    for rnd in ("r-a", "r-b", "r-now"):
        doc = s.report_json(rnd, s.s1)
        row = next((r for r in doc["rows"] if r["level"] == "unit" and r["id"] == "solo"), None)
        shown[rnd] = None if row is None else row["respondents"]
        a.check((doc["from"], doc["to"]) == {"r-a": (s.wm2, s.wm2), "r-b": (s.wm1, s.wm1), "r-now": (s.w0, s.w0)}[rnd],
                f"report {rnd} covers {doc['from']}..{doc['to']}")
    a.check(shown["r-a"] in (12, None), f"r-a shows solo as {shown['r-a']}; 12 answered in week A")
    a.note(f"solo's respondents as reports show them: {shown} (12 in r-a's week, 1 in r-b's)")
    a.check(shown["r-b"] is None, f"r-b shows solo's one respondent of week B: {shown['r-b']}")
    a.check(13 not in shown.values(), f"some report shows solo's 12 + 1: {shown}")
    # Week B's one respondent outside Hjemmeplejen (solo's) must not come out of r-b by subtraction either.
    for row, profile in single_profiles(s.report_json("r-b", s.s1)):
        a.check(False, f"r-b: {row} minus the rows shown under it is one respondent of week B, whose level in every area "
                       f"follows from the level counts: {profile}")
    # A round's export holds its own weeks only (or the round's id where generalised): no respondent in two.
    for rnd, week in (("r-a", s.wm2), ("r-b", s.wm1), ("r-now", s.w0)):
        rows = export_records("jsonl", s.exported(rnd, s.s1, "jsonl"), s.s1.identifying)
        periods = collections.Counter(r["period"] for r in rows)
        a.check(set(periods) <= {week, rnd}, f"the export of {rnd} has rows of other weeks: {dict(periods)}")
        total = s.report_json(rnd, s.s1)["rows"][0]["respondents"]
        expected = sum(s.truth[(rnd, "2026.1")].values())
        a.check(total in (None, expected), f"report {rnd}: the municipality shows {total}, but {expected} answered in its weeks")


def attack_before_after(s):
    a = s.attack("3 before and after a sync", "late arrivals change nothing of a released round, and no page shows them")
    before = s.snapshot()
    overviews = {who: s.overview_now(who) for who in ("admin", "lead")}
    today = datetime.date.today()
    egely = s.kiosks["egely"]
    arrivals = 0

    def one_more():
        nonlocal arrivals
        ids, _ = egely.simulate(1, seed=5000 + arrivals)
        synced = egely.sync()
        a.check(len(ids) == 1 and synced.returncode == 0, f"the egely kiosk could not sync a late respondent: {synced.stderr.strip()}")
        arrivals += 1

    one_more()
    s.scripted["solo"].send(s.s1, s.wm2, 1)  # a late arrival into r-a's week, too
    after = s.snapshot()
    differing = s.compare_snapshots(a, before, after, "one respondent synced (this week's r-now) and one of r-a's week")
    if differing and datetime.date.today() != today:
        a.note("the date changed between the two reads (a page prints it): rerun")
    for name in differing[:3]:
        a.note(f"{name} changed")
    # Nothing counts what no released round holds: the overview reloaded after each of 6 more arrivals (past
    # a multiple of k) is the same bytes, for the administrator and egely's unit leader.
    for _ in range(6):
        one_more()
        for who, page in overviews.items():
            a.check(s.overview_now(who) == page, f"{who}'s overview changed after {arrivals} late respondent(s) of egely")
    now = [(r, v) for r, v in s.answered if r == "r-now"]
    final = s.snapshot(now)
    s.compare_snapshots(a, {n: v for n, v in before.items() if n in final}, final, f"{arrivals} late respondents (r-now's views)")


def attack_padding(s, phase):
    a = s.attack("4 padding and replay", "copies of sealed bytes are rejected and counted nowhere; simulate refuses a production outbox")
    c = s.central
    duo = s.kiosks["duo"]
    token = duo.settings()["device_token"]
    original_id, sealed, _ = s.duo_items[0]
    sealed64 = base64.b64encode(sealed).decode()
    if phase == "before release":
        copies = [(str(uuid.uuid4()), sealed64) for _ in range(4)]
        status, results = s.scripted["solo"].post(copies, token=token)
        a.check(status == 200, f"POST /api/v1/batches with 4 copies: {status}")
        for copy_id, _ in copies:
            result = results.get(copy_id, {})
            a.check(result.get("status") == "rejected" and "same sealed" in result.get("error", ""),
                    f"a copy of one respondent's sealed bytes under a new id was {result}")
        s.replayed = [i for i, _ in copies]
        status, results = s.scripted["solo"].post([(original_id, sealed64)], token=token)
        a.check(status == 200 and results.get(original_id, {}).get("status") == "duplicate",
                f"the original id with its own bytes again: {status} {results}")
        # The outbox export's line, 4 times: a file that repeats an id is refused whole.
        with open(s.duo_export, encoding="utf-8") as f:
            lines = f.read().splitlines()
        header = json.loads(lines[0])
        header["count"] = 4
        repeated = os.path.join(s.work, "repeated-line.jsonl")
        with open(repeated, "w", encoding="utf-8") as f:
            f.write("\n".join([json.dumps(header), lines[1], lines[1], lines[1], lines[1]]) + "\n")
        done = c.cli("import", repeated, expect=None)
        a.check(done.returncode != 0 and "nothing of the file was stored" in done.stderr,
                f"import of 4 copies of one outbox-export line: exit {done.returncode}: {done.stdout}{done.stderr}")
        # The same sealed bytes under 4 new ids in an export file: each is rejected.
        renamed = os.path.join(s.work, "renamed-lines.jsonl")
        new_ids = [str(uuid.uuid4()) for _ in range(4)]
        item = json.loads(lines[1])
        with open(renamed, "w", encoding="utf-8") as f:
            f.write("\n".join([json.dumps(header)] + [json.dumps({**item, "id": i}) for i in new_ids]) + "\n")
        done = c.cli("import", renamed, expect=None)
        a.check(done.returncode == 0 and "0 accepted, 0 duplicate, 4 rejected" in done.stdout,
                f"import of one sealed response under 4 new ids: exit {done.returncode}: {done.stdout}{done.stderr}")
        s.replayed += new_ids
        # The kiosk's own export file imported again: duplicates, nothing new.
        done = c.cli("import", s.duo_export, expect=None)
        a.check(done.returncode == 0 and "0 accepted, 2 duplicate, 0 rejected" in done.stdout,
                f"import of the duo kiosk's own export after its sync: {done.stdout}{done.stderr}")
        # Counted nowhere: r-now's report after its release shows duo under k (phase "after release").
        # Genuinely new answers from the kiosk: simulate refuses the enrolled (production) outbox.
        pending = duo.status()["pending"]
        ids, refused = duo.simulate(3, seed=77, into_production=False, expect=None)
        a.check(refused.returncode == 2 and not ids and "--into-production-outbox" in refused.stderr,
                f"simulate into the enrolled duo kiosk without --into-production-outbox: exit {refused.returncode}")
        a.check(duo.status()["pending"] == pending, "simulate without the flag still added responses to the outbox")
        a.note("a kiosk holds implausibly fast or bursty respondents (client tests); simulate paces itself, so "
               "the held path cannot be reached from the CLI here")
    else:
        doc = s.report_json("r-now", s.s1)
        duo_row = next(r for r in doc["rows"] if r["id"] == "duo")
        a.check(duo_row["respondents"] is None and duo_row["hidden"]["respondents"].startswith("fewer"),
                f"r-now shows duo as {duo_row['respondents']} {duo_row.get('hidden')} (2 real respondents, 8 copies)")
        total = doc["rows"][0]["respondents"]
        expected = sum(s.truth[("r-now", "2026.1")].values())
        a.check(total in (None, expected), f"r-now's municipality shows {total}, but {expected} people answered")
        # The release's audit entry carries no count: over both versions it would be a total no report shows.
        released = [line for line in c.cli("audit", "list", "--limit", "100000").stdout.splitlines() if " release-round " in line
                    and line.rstrip().endswith(" r-now")]
        a.check(len(released) == 1 and int(released[0].split()[-2]) == 0,
                f"the release of r-now is audited as {released}, expected once and with 0 rows")
        dead = c.cli("dead-letters", "list").stdout
        a.check(all(i in dead for i in s.replayed), "not every rejected copy is kept in the dead letters")
        page = s.sessions["admin"].get("/dead-letters").text()
        a.check(all(i in page for i in s.replayed), "the administrator's /dead-letters page does not list every rejected copy")
        rows = export_records("jsonl", s.exported("r-now", s.s1, "jsonl"), s.s1.identifying)
        a.check(len(rows) <= expected, f"the r-now export has {len(rows)} rows for {expected} respondents")


def attack_k(s, phase):
    a = s.attack("5 k below the promise", "no command, URL or format can ask for k < 5")
    c = s.central
    if phase == "commands":
        for args in (["report", "--k", "3"], ["report", "--round", "r-now", "--k", "3"], ["report", "--k", "5"],
                     ["export", "--k", "3"], ["export", "--format", "csv", "--round", "r-now", "--k", "3"]):
            done = c.cli(*args, expect=None)
            a.check(done.returncode == 2, f"{' '.join(args)} exited {done.returncode}, expected 2")
        served = run([c.binary, "serve", "--data", c.data, "--listen", "127.0.0.1:0", "--k", "3"], expect=None)
        a.check(served.returncode == 2, f"serve --k 3 exited {served.returncode}, expected 2")
        for value in ("4", "3", "0", "-5", "4.9"):
            done = c.cli("policy", "set", "--k", value, expect=None)
            a.check(done.returncode != 0, f"policy set --k {value} was accepted")
        a.check("Minimum group size: 5" in c.cli("policy", "show").stdout, "policy show does not say 5")
        fresh = os.path.join(s.work, "central-k3")
        done = run([c.binary, "init", "--data", fresh, "--host", "127.0.0.1", "--k", "3"], expect=None)
        a.check(done.returncode == 2 and not os.path.exists(os.path.join(fresh, "central.db")),
                f"init --k 3 exited {done.returncode} (a store made: {os.path.exists(os.path.join(fresh, 'central.db'))})")
        # k in a URL: 400, or ignored with the same page (the language links carry the page's own URL).
        strip = lambda body: re.sub(rb"return=[^\"&]*", b"", body)  # noqa: E731
        for path, extra in (("/", []), ("/unit", [("id", "duo")]), ("/compare", [("unit", "duo"), ("unit", "egely")]),
                            ("/download/report", [("format", "csv")]), ("/download/responses", [("format", "csv")])):
            for who in ("admin", "ana"):
                plain = s.page(who, path, "r-now", s.s1, extra)
                for k in ("3", "1", "0"):
                    asked = s.page(who, path, "r-now", s.s1, extra + [("k", k)])
                    same = asked.status == plain.status == 200 and strip(asked.body) == strip(plain.body)
                    a.check(asked.status == 400 or same, f"{who}: {path} with k={k} gave {asked.status} and another page than without")
                    a.check(f"fewer than {k}".encode() not in asked.body, f"{who}: {path} with k={k} words figures with k={k}")
    else:
        # Raising k later: released rounds keep the k they were released with, figures and all.
        before = {rnd: s.report(rnd, s.s1).stdout for rnd in ("r-a", "r-b", "r-now")}
        c.cli("policy", "set", "--k", "6")
        for rnd, body in before.items():
            after = s.report(rnd, s.s1).stdout
            a.check(after == body, f"report {rnd} changed when the policy was raised to 6")
            a.check(json.loads(after)["k"] == K, f"report {rnd} has k {json.loads(after)['k']} after the raise")
        lowered = c.cli("policy", "set", "--k", "5", expect=None)
        a.check(lowered.returncode != 0, "policy set --k 5 after 6 (lowering) was accepted")


def exposed(doc, question_docs):
    """Hidden counts of one report a reader can narrow to one value: respondents, respondents per area
    (the sum of the area's level counts) and per question, each over the municipality -> group -> unit tree."""
    k = doc["k"]
    rows = {(r["level"], r["id"]): r for r in doc["rows"]}
    tree = row_tree(doc["rows"])
    found = []

    def check(statistic, bounds, hidden):
        narrow(tree, bounds)

        def exact(key):
            return bounds[key][0] == bounds[key][1]

        for key in hidden:
            if exact(key) and bounds[key][0] < k:
                found.append(f"{statistic} of {key[0]} {key[1] or '(none)'} = {bounds[key][0]}")

        def known(key):
            """The part of a row that follows from exact cells at or below it, and the cells left unknown."""
            if exact(key):
                return bounds[key][0], []
            if not tree.get(key):
                return 0, [key]
            total, unknown = 0, []
            for child in tree[key]:
                part, rest = known(child)
                total, unknown = total + part, unknown + rest
            return total, unknown

        # Several hidden cells together: an exact row minus what is known below it is the sum of the rest,
        # a figure about that many people (with their levels and means by the same subtraction).
        for key in tree:
            if not exact(key):
                continue
            total, unknown = 0, []
            for child in tree[key]:
                part, rest = known(child)
                total, unknown = total + part, unknown + rest
            residual = bounds[key][0] - total
            if unknown and 0 < residual < k:
                names = ", ".join(u[1] or "(no group)" for u in unknown)
                found.append(f"{statistic}: {(key[0] + ' ' + key[1]).strip()} minus what is shown below it leaves {residual} "
                             f"respondent(s) in {names}")

    def row_label(r):
        return r.get("hidden", {}).get("respondents") if r["respondents"] is None else None

    bounds = {key: bounds_of(r["respondents"], r.get("hidden", {}).get("respondents", ""), k) for key, r in rows.items()}
    check("respondents", bounds, [key for key, r in rows.items() if r["respondents"] is None])
    areas = [name[:-len(" mean %")] for name in doc["rows"][0] if name.endswith(" mean %")]
    for area in areas:
        bounds, hidden = {}, []
        for key, r in rows.items():
            levels = [v for name, v in r.items() if name.startswith(area + " ") and not name.endswith(" mean %")]
            value = None if any(v is None for v in levels) else sum(levels)
            label = r.get("hidden", {}).get(area + " mean %", "")
            bounds[key] = bounds_of(value, label, k, row_label(r), r["respondents"])
            if value is None:
                hidden.append(key)
        check(f"respondents in area {area}", bounds, hidden)
    if question_docs:
        names = list(dict.fromkeys(q["question"] for q in next(iter(question_docs.values()))["rows"]))
        for name in names:
            bounds, hidden = {}, []
            for key, r in rows.items():
                first = next(q for q in question_docs[key]["rows"] if q["question"] == name)
                bounds[key] = bounds_of(first["respondents"], first.get("hidden", {}).get("respondents", ""), k, row_label(r), r["respondents"])
                if first["respondents"] is None:
                    hidden.append(key)
            check(f"respondents of question {name}", bounds, hidden)
    direct = [f"{key}: {r['respondents']}" for key, r in rows.items() if r["respondents"] is not None and 0 < r["respondents"] < k]
    found += [f"respondents shown under k: {d}" for d in direct]
    return found


def single_profiles(doc):
    """Rows whose shown count, less their shown parts, leaves exactly one respondent: that person's level in
    each area, as the row's level counts minus the shown parts' level counts give it. [(row, {area: level})]"""
    rows = {(r["level"], r["id"]): r for r in doc["rows"]}
    levels = [name for name in doc["rows"][0] if " " in name and not name.endswith(" mean %") and name != "hidden"]
    found = []
    for key, children in row_tree(doc["rows"]).items():
        parent = rows[key]
        shown = [rows[c] for c in children if rows[c]["respondents"] is not None]
        if parent["respondents"] is None or parent["respondents"] - sum(r["respondents"] for r in shown) != 1:
            continue
        profile = {}
        for name in levels:
            if parent.get(name) is not None and all(r.get(name) is not None for r in shown):
                if parent[name] - sum(r[name] for r in shown) == 1:
                    area, level = name.rsplit(" ", 1)
                    profile[area] = level
        found.append((f"{key[0]} {key[1]}".strip(), profile))
    return found


def contradicts_store(s, rnd, survey, finding):
    """Whether a figure of exposed() ("respondents of question Q of LEVEL ID = N") is false: the store
    holds another count of that round's respondents who answered Q. Other kinds of findings are not judged
    here (False: they stay findings)."""
    match = re.fullmatch(r"respondents of question (\S+) of (municipality|group|unit) (.*) = (\d+)", finding)
    if not match:
        return False
    question, level, ident, value = match.group(1), match.group(2), match.group(3), int(match.group(4))
    ident = "" if ident == "(none)" else ident
    groups = {u: g for u, _, g, _ in UNITS}
    db = sqlite3.connect(f"file:{os.path.join(s.central.data, 'central.db')}?mode=ro", uri=True)
    try:
        rows = db.execute("SELECT unit_id, answers FROM responses WHERE round_id = ? AND survey_version = ?",
                          (rnd, survey.version)).fetchall()
    finally:
        db.close()
    answered = [unit for unit, answers in rows if question in json.loads(answers)]
    truth = sum(1 for unit in answered if level == "municipality" or (level == "group" and groups.get(unit) == ident)
                or (level == "unit" and unit == ident))
    return truth != value


def attack_complement(s):
    a = s.attack("6 complement within a group", "no hidden count follows from the shown ones (parent = sum of children)")
    for rnd, survey in s.answered:
        doc = s.report_json(rnd, survey)
        questions = {}
        for r in doc["rows"]:
            focus = () if r["level"] == "municipality" else ("--unit", r["id"]) if r["level"] == "unit" else ("--group", r["id"])
            questions[(r["level"], r["id"])] = s.report_json(rnd, survey, "question", focus)
        found = exposed(doc, questions)
        # A figure the model "works out" that differs from the store's truth is the model's error, not a
        # leak: sound reasoning from true figures cannot reach a false one. Such an error would make the
        # experiment say nothing, so it fails too (it once read `report --group ""` as the unnamed group's
        # table while the CLI gave the municipality's).
        wrong = [f for f in found if contradicts_store(s, rnd, survey, f)]
        a.check(not wrong, f"report {rnd} {survey.version}: the model reaches {len(wrong)} figures the store contradicts, e.g. {wrong[:2]}")
        a.check(not found, f"report {rnd} {survey.version}: {len(found)} hidden figures a reader can work out, e.g. {found[:3]}")
        for row, profile in single_profiles(doc):
            a.note(f"report {rnd} {survey.version}: {row} minus its shown parts is one person, whose levels are {profile}")
        # The same table as a unit leader of a group gets it: a part of it, nothing more.
        reply = s.page("lead3", "/download/report", rnd, survey, [("format", "csv")])
        a.check(reply.status == 200 and b"municipality" not in reply.body.lower() and b"Hjemmepleje" not in reply.body,
                f"the group leader's report {rnd} {survey.version}: {reply.status}, municipality or another group's rows in it")
    # The experiment must be able to fail: the same check finds the 2 in a table with only duo hidden.
    doc = s.report_json("r-now", s.s1)
    forged = json.loads(json.dumps(doc))
    for r in forged["rows"]:
        if r["respondents"] is None and r["id"] != "duo":
            r["respondents"] = s.truth[("r-now", "2026.1")][r["id"]] if r["level"] == "unit" else sum(
                s.truth[("r-now", "2026.1")][u] for u, _, g, _ in UNITS if r["level"] == "municipality" or g == r["id"])
    a.check(any("duo" in f for f in exposed(forged, {})), "the complement check does not find duo in a table that gives it away")


def attack_moved_unit(s):
    a = s.attack("7 unit moved between groups", "a released round keeps its groups")
    now = [(r, v) for r, v in s.combos if r == "r-now"]
    vest_page = lambda who: s.page(who, "/unit", "r-now", s.s1, [("id", "vest")]).status  # noqa: E731
    a.check(vest_page("lead2") == 200 and vest_page("lead3") == 403, "before the move: vest's page is not Hjemmeplejen's alone")
    # The overview's unit and kiosk counts and its kiosk list are of today's units (which kiosks a leader
    # looks after), not of the round: left out here.
    def of_round(views):
        today = rb'<li><span class="stat-value">[^<]*</span> <span class="stat-label">(units|kiosks)</span></li>|<section id="kiosks">.*?</section>'
        return {name: (v[0], re.sub(today, b"", v[1], flags=re.S)) if " overview " in name else v for name, v in views.items()}

    before = of_round(s.snapshot(now))
    s.central.cli("units", "group", "vest", "Plejecentre")
    after = of_round(s.snapshot(now))
    s.compare_snapshots(a, before, after, "vest moved from Hjemmeplejen to Plejecentre after r-now's release")
    doc = s.report_json("r-now", s.s1)
    vest = next(r for r in doc["rows"] if r["id"] == "vest")
    a.check(vest["group"] == "Hjemmeplejen", f"r-now shows vest in group {vest['group']!r} after the move")
    a.check(vest_page("lead2") == 200, "the leader of vest's group in r-now lost its page after the move")
    a.check(vest_page("lead3") == 403, "the leader of vest's new group reads its page of a round before the move")


def attack_one_version(s):
    a = s.attack("8 survey version with one respondent", "its report hides it; no total across versions")
    doc = s.report_json("r-now", s.s2)
    a.check(not any(r["respondents"] for r in doc["rows"]),
            f"r-now of 2026.2 (one respondent) shows a count: {[(r['id'], r['respondents']) for r in doc['rows'] if r['respondents']]}")
    one = sum(s.truth[("r-now", "2026.2")].values())
    many = sum(s.truth[("r-now", "2026.1")].values())
    for rnd, survey in s.combos:
        total = s.report_json(rnd, survey)["rows"][0]["respondents"]
        a.check(total != one + many, f"report {rnd} {survey.version} shows {total}: both versions together")
    for asked in ("digital-kompetence@*", "digital-kompetence@all", "digital-kompetence@2026.1,2026.2"):
        reply = s.sessions["admin"].get("/", [("survey", asked), ("round", "r-now")])
        a.check(reply.status in (400, 404), f"/?survey={asked} gave {reply.status}")
    done = s.central.cli("report", "--round", "r-now", "--version", "all", expect=None)
    a.check(done.returncode != 0, "report --version all was accepted")
    for fmt in EXPORT_FORMATS:
        rows = export_records(fmt, s.exported("r-now", s.s2, fmt), s.s2.identifying)
        a.check(not rows, f"the {fmt} export of 2026.2 in r-now has {len(rows)} row(s) of its one respondent")
    page = s.page("admin", "/unit", "r-now", s.s2, [("id", "annex")])
    a.check(page.status == 200 and b"fewer than 5" in page.body, f"the annex's 2026.2 page: {page.status}, no 'fewer than 5'")


def attack_english(s):
    a = s.attack("9 the English respondent", "no export row says en")
    for rnd, survey in s.combos:
        for fmt in EXPORT_FORMATS:
            rows = export_records(fmt, s.exported(rnd, survey, fmt), survey.identifying)
            english = [r for r in rows if r["locale"] == "en"]
            a.check(not english, f"export {rnd} {survey.version} {fmt}: {len(english)} row(s) in English")
            solhoj = [r for r in rows if r["unit"] == "solhoj"]
            a.check(len({r["locale"] for r in solhoj}) <= 1, f"export {rnd} {fmt}: solhoj's rows tell languages apart")
    for fmt in EXPORT_FORMATS:
        reply = s.download("ana", fmt, "r-now", s.s1)
        a.check(reply.status == 200 and b'"en"' not in reply.body and b",en," not in reply.body and b";en;" not in reply.body,
                f"the analyst's {fmt} download of r-now names English")
    for rnd in ("r-now",):
        for by in ("unit", "area", "question"):
            body = s.report(rnd, s.s1, by, "csv").stdout
            a.check(b"locale" not in body and b",en," not in body, f"report --by {by} splits by language")


def attack_repeated(s):
    a = s.attack("10 repeated downloads with different filters", "a round's export is the same bytes however it is asked")
    for fmt in EXPORT_FORMATS:
        reference = s.exported("r-now", s.s1, fmt)
        asks = [("CLI again", s.export("r-now", s.s1, fmt).stdout),
                ("CLI --survey only", s.central.cli("export", "--format", fmt, "--round", "r-now", "--survey", "digital-kompetence",
                                                    "--version", "2026.1", binary=True).stdout)]
        for who, label, extra in (("admin", "plain", []), ("ana", "plain", []), ("ana", "unit=duo", [("unit", "duo")]),
                                  ("ana", "group", [("group", "Plejecentre")]), ("ana", "locale=en", [("locale", "en")]),
                                  ("ana", "period", [("period", s.w0)])):
            reply = s.download(who, fmt, "r-now", s.s1, extra)
            asks.append((f"{who} {label}", reply.body if reply.status == 200 else f"status {reply.status}"))
        for label, body in asks:
            a.check(body == reference, f"{fmt}: the export asked as '{label}' differs from the CLI's")
    # Reports asked in different ways are the same table.
    for fmt in ("csv",):
        reference = s.page("ana", "/download/report", "r-now", s.s1, [("format", fmt)])
        for extra in ([("unit", "duo")], [("id", "duo")], [("group", "Plejecentre")], [("by", "question")]):
            reply = s.page("ana", "/download/report", "r-now", s.s1, [("format", fmt), *extra])
            a.check(reply.status == 200 and reply.body == reference.body, f"/download/report with {extra} differs")


def attack_audit(s):
    a = s.attack("11 audit log", "every download is logged with user and rows; administrators read it")
    for who in ("ana", "lead", "lead2"):
        reply = s.sessions[who].get("/audit")
        a.check(reply.status == 403, f"{who} read /audit: {reply.status}")
    reply = s.sessions["admin"].get("/audit")
    a.check(reply.status == 200, f"the administrator's /audit: {reply.status}")
    entries = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td><td class=\"num\">([^<]*)</td></tr>", reply.text())
    logged = collections.Counter((user, action, int(rows.replace(",", "").replace(".", ""))) for _, user, action, _, rows in entries)
    made = collections.Counter(d for d in s.downloads if d[0] in ("ana", "admin"))
    listed = min(len(entries), 500)
    missing = made - logged
    if len(entries) >= 500:
        a.note("the audit page lists the newest 500 entries; older downloads checked in the CLI's audit list")
        cli = s.central.cli("audit", "list", "--limit", "100000").stdout
        logged = collections.Counter()
        for line in cli.splitlines()[1:]:
            parts = line.split()
            if len(parts) >= 4 and parts[2] == "download-responses":
                logged[(parts[1], parts[2], int(parts[3]))] += 1
        missing = made - logged
    a.check(sum(made.values()) > 0, "no download was made to audit")
    a.check(not missing, f"downloads missing from the audit log (user, action, rows): {list(missing.items())[:5]}")
    denied = [d for d in s.downloads if d[0].startswith("lead")]
    a.check(not denied, f"a unit leader's download went through: {denied[:3]}")
    a.check(any(action == "download-report" for _, _, action, _, _ in entries), "no report download is in the audit log")
    cli = s.central.cli("audit", "list").stdout
    a.check("(command line)" in cli and " export " in cli, "the CLI's exports are not in `audit list`")
    a.note(f"{sum(made.values())} dashboard downloads of responses made, {listed} audit entries on the page")


def attack_leader(s):
    a = s.attack("12 a unit leader's reach", "only their own units and groups; nothing record-level, no audit, no dead letters")
    for who, own, other in (("lead", "egely", "solhoj"), ("lead2", "nord", "egely"), ("lead3", "duo", "nord")):
        session = s.sessions[who]
        a.check(s.page(who, "/unit", "r-now", s.s1, [("id", own)]).status == 200, f"{who} cannot read their own unit {own}")
        for unit in (other, "solo", "annex"):
            reply = s.page(who, "/unit", "r-now", s.s1, [("id", unit)])
            a.check(reply.status == 403, f"{who} read unit {unit}'s page: {reply.status}")
            a.check(UNIT_NAMES[unit].encode() not in reply.body, f"{who}: {unit}'s name is on the refusal")
        reply = s.page(who, "/compare", "r-now", s.s1, [("unit", own), ("unit", other)])
        a.check(reply.status == 403, f"{who} compared {own} with {other}: {reply.status}")
        for path in ("/audit", "/dead-letters", "/download/responses"):
            a.check(session.get(path).status == 403, f"{who} read {path}")
        report = s.page(who, "/download/report", "r-now", s.s1, [("format", "csv")])
        a.check(report.status == 200, f"{who}'s own report download: {report.status}")
        a.check(b"municipality" not in report.body and UNIT_NAMES[other].encode() not in report.body,
                f"{who}'s report download has the municipality or {other}")
        overview = s.page(who, "/", "r-now", s.s1)
        a.check(UNIT_NAMES[other].encode() not in overview.body, f"{who}'s overview names {other}")


def kendall_tau(order):
    """Kendall's tau between 0..n-1 and `order` (a permutation's values): 1 sorted, -1 reversed, ~0 random."""
    n = len(order)
    concordant = sum(1 for i in range(n) for j in range(i + 1, n) if order[i] < order[j])
    pairs = n * (n - 1) // 2
    return (2 * concordant - pairs) / pairs if pairs else 0.0


def attack_arrival_order(s):
    a = s.attack("13 arrival order", "100 batches of one leave no order of arrival in the store, its log or the access log")
    c = s.central
    log_start = os.path.getsize(c.logfile)
    arrived = []
    kiosk = s.scripted["annex"]
    for _ in range(100):
        arrived += kiosk.send(s.s1, s.w0, 1)
    wal = os.path.join(c.data, "central.db-wal")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and os.path.exists(wal) and os.path.getsize(wal) > 0:
        time.sleep(0.1)
    wal_size = os.path.getsize(wal) if os.path.exists(wal) else 0
    a.check(wal_size == 0, f"central.db-wal still holds {wal_size} bytes 10 s after the last batch")
    for name in ("central.db", "central.db-wal"):
        path = os.path.join(c.data, name)
        if os.path.exists(path):
            a.check(os.stat(path).st_mode & 0o777 == 0o600, f"{name} has mode {oct(os.stat(path).st_mode & 0o777)}, expected 0600")
    # Byte offsets of each id's first copy in the file, and the table's own order, against arrival order.
    with open(os.path.join(c.data, "central.db"), "rb") as f:
        raw = f.read()
    offsets = [raw.find(i.encode()) for i in arrived]
    a.check(all(o >= 0 for o in offsets), "an accepted id is not in central.db")
    rank = {o: r for r, o in enumerate(sorted(offsets))}
    tau_file = kendall_tau([rank[o] for o in offsets])
    db = sqlite3.connect(f"file:{os.path.join(c.data, 'central.db')}?mode=ro", uri=True)
    table_order = [row[0] for row in db.execute("SELECT id FROM responses") if row[0] in set(arrived)]
    position = {i: n for n, i in enumerate(table_order)}
    tau_table = kendall_tau([position[i] for i in arrived])
    for what, tau in (("byte offset in central.db", tau_file), ("table order of responses", tau_table)):
        a.check(abs(tau) < 0.3, f"{what} follows arrival order: Kendall's tau {tau:.2f}")
    a.note(f"Kendall's tau against arrival order: byte offsets {tau_file:.2f}, table order {tau_table:.2f} (random: 0 +- 0.07)")
    ids = set(arrived)
    for (table, sql) in db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall():
        if "WITHOUT ROWID" in (sql or "").upper():
            continue
        holding = [row for row in db.execute(f'SELECT * FROM "{table}"') if any(str(v) in ids for v in row)]
        a.check(not holding, f"table {table} has rowids (an order of insertion) and holds response ids")
    db.close()
    with open(c.logfile, "rb") as f:
        f.seek(log_start)
        lines = f.read().decode("utf-8", "replace").splitlines()
    batch_lines = [line for line in lines if "/api/v1/batches" in line]
    a.check(len(batch_lines) >= 100, f"the access log has {len(batch_lines)} lines for 100 batches")
    for key in ("batch_size", "accepted", "duplicate", "rejected"):
        a.check(not any(f'"{key}"' in line for line in batch_lines), f"the access log still says {key}")
    a.check(not any(i in "\n".join(lines) for i in arrived), "the access log names a response id")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("build", help="the CMake build folder (client/svarboks, sync/central/svarboks-central)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    began = time.monotonic()
    work = tempfile.mkdtemp(prefix="attacks-", dir=os.path.abspath(args.build))
    s = Scenario(os.path.abspath(args.build), work, args.seed)
    # ctest's timeout sends SIGTERM: stop the server on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    setup_failure = None
    timings = []
    try:
        steps = [
            ("set-up", s.build_store), ("past rounds", s.past_rounds), ("this week", s.this_week),
            ("4 before release", lambda: attack_padding(s, "before release")),
            ("release r-now", s.release_now),
            ("4 after release", lambda: attack_padding(s, "after release")),
            ("5", lambda: attack_k(s, "commands")),
            ("1", lambda: attack_record_level(s)), ("2", lambda: attack_two_ranges(s)),
            ("6", lambda: attack_complement(s)), ("8", lambda: attack_one_version(s)),
            ("9", lambda: attack_english(s)), ("10", lambda: attack_repeated(s)),
            ("12", lambda: attack_leader(s)), ("3", lambda: attack_before_after(s)),
            ("7", lambda: attack_moved_unit(s)), ("11", lambda: attack_audit(s)),
            ("5 raise", lambda: attack_k(s, "raise")),
            ("13", lambda: attack_arrival_order(s)),
        ]
        for name, step in steps:
            t = time.monotonic()
            timings.append(name)
            try:
                step()
            except SetupError as e:
                if name in ("set-up", "past rounds", "this week", "release r-now"):
                    setup_failure = f"{name}: {e}"
                    break
                s.attack(f"{name} (crashed)", "").check(False, f"{name}: {e}")
            except Exception:  # an attack that crashed has not shown that it fails
                s.attack(f"{name} (crashed)", "").check(False, traceback.format_exc().strip().splitlines()[-1])
                traceback.print_exc()
            timings[-1] = f"{name} {time.monotonic() - t:.1f} s"
    finally:
        stopped = s.central.stop()
    seconds = time.monotonic() - began
    failed = bool(setup_failure) or any(a.failures for a in s.attacks.values())
    print(f"attacks: seed {args.seed}, weeks {s.wm2} {s.wm1} {s.w0}, central on 127.0.0.1:{s.central.port}; "
          f"the central exited {stopped} on SIGTERM")
    for key in sorted(s.attacks, key=lambda k: (int(k.split()[0]) if k.split()[0].isdigit() else 99, k)):
        a = s.attacks[key]
        print(f"{'FAIL' if a.failures else 'PASS'}  {a.name}: {a.checks} checks" + (f" ({a.what})" if a.what else ""))
        for failure in a.failures:
            print(f"        - {failure}")
        for note in a.notes:
            print(f"        note: {note}")
    if setup_failure:
        print(f"FAIL  the scenario could not be built: {setup_failure}")
    if stopped not in (0, None):
        print(f"FAIL  svarboks-central serve exited {stopped} on SIGTERM (see {s.central.logfile})")
        failed = True
    print(f"attacks: time per step: {'; '.join(timings)}")
    print(f"attacks: {'FAILED' if failed else 'every attack failed to learn anything'} in {seconds:.1f} s")
    if failed or args.keep:
        print(f"attacks: work folder kept: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
