#!/usr/bin/env python3
"""What the dashboard must show, computed independently of the server's report code: straight from the
central store's tables with Python's sqlite3 and from the survey file, for the browser test.

    expected.py DATA_DIR SURVEY_FILE OUT_JSON

Figures are those of the store's one released round (the responses frozen into it); responses in no round
are shown nowhere.

Writes {"round": {id, from, to, k}, "units": [{id, name, group, respondents, weeks: {week: count}}],
"total", "weeks" (every ISO week of the round), "groups": {group: respondents},
"questions": {unit: [{name, title_da, title_en, answered, rows: [{label_da, label_en, count}]}]},
"dead_letters", "consent_da", "consent_en"}.
"""
import datetime
import json
import sqlite3
import sys


def text(value, locale):
    if isinstance(value, dict):
        return value.get(locale) or value.get("default") or next(iter(value.values()), "")
    return value or ""


def main():
    data_dir, survey_file, out = sys.argv[1:4]
    survey = json.load(open(survey_file, encoding="utf-8"))
    db = sqlite3.connect(f"file:{data_dir}/central.db?mode=ro", uri=True)
    released = db.execute("SELECT id, from_week, to_week, k FROM rounds WHERE released_on != '' ORDER BY from_week").fetchall()
    if len(released) != 1:
        sys.exit(f"expected.py: the store should hold exactly one released round, it holds {len(released)}")
    round_id, from_week, to_week, k = released[0]

    units = []
    for unit_id, name, group in db.execute("SELECT id, name, group_name FROM units ORDER BY id"):
        weeks = dict(db.execute("SELECT period, count(*) FROM responses WHERE unit_id = ? AND round_id = ? GROUP BY period", (unit_id, round_id)))
        units.append({"id": unit_id, "name": name, "group": group, "respondents": sum(weeks.values()), "weeks": weeks})

    # The round's groups are those frozen at its release.
    round_groups = dict(db.execute("SELECT unit_id, group_name FROM round_units WHERE round_id = ?", (round_id,)))
    groups = {}
    for unit in units:
        unit["group"] = round_groups.get(unit["id"], unit["group"])
        groups[unit["group"]] = groups.get(unit["group"], 0) + unit["respondents"]

    choice_questions = [e for page in survey["pages"] for e in page["elements"] if e["type"] == "radiogroup"]
    questions = {}
    for unit in units:
        answers = [json.loads(a) for (a,) in db.execute("SELECT answers FROM responses WHERE unit_id = ? AND round_id = ?", (unit["id"], round_id))]
        listed = []
        for element in choice_questions:
            rows = []
            for choice in element["choices"]:
                count = sum(1 for a in answers if a.get(element["name"]) == choice["value"])
                rows.append({"label_da": text(choice["text"], "da"), "label_en": text(choice["text"], "en"), "count": count})
            answered = sum(1 for a in answers if element["name"] in a)
            listed.append({"name": element["name"], "title_da": text(element.get("title", element["name"]), "da"),
                           "title_en": text(element.get("title", element["name"]), "en"), "answered": answered, "rows": rows})
        questions[unit["id"]] = listed

    (dead_letters,) = db.execute("SELECT count(*) FROM dead_letters").fetchone()
    # Every ISO week of the round, answered or not (report.cpp: a list of only the answered weeks would give
    # an unanswered survey version away).
    first_year, first_week = (int(part) for part in from_week.split("-W"))
    day = datetime.date.fromisocalendar(first_year, first_week, 1)
    weeks = []
    while True:
        year, week, _ = day.isocalendar()
        name = f"{year}-W{week:02d}"
        if name > to_week:
            break
        weeks.append(name)
        day += datetime.timedelta(days=7)
    json.dump({"round": {"id": round_id, "from": from_week, "to": to_week, "k": k}, "units": units,
               "total": sum(u["respondents"] for u in units), "weeks": weeks, "groups": groups, "questions": questions,
               "dead_letters": dead_letters, "consent_da": text(survey["consent"], "da"), "consent_en": text(survey["consent"], "en")},
              open(out, "w", encoding="utf-8"), ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
