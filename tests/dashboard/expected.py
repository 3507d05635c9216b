#!/usr/bin/env python3
"""What the dashboard must show, computed independently of the server's report code: straight from the
central store's tables with Python's sqlite3 and from the survey file, for the browser test.

    expected.py DATA_DIR SURVEY_FILE OUT_JSON

Writes {"units": [{id, name, group, respondents}], "total", "weeks" (ISO weeks with responses), "questions": {unit: [{name, title_da, title_en,
rows: [{label_da, label_en, count}]}]}, "dead_letters", "consent_da", "consent_en"}.
"""
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
    units = []
    for unit_id, name, group in db.execute("SELECT id, name, group_name FROM units ORDER BY id"):
        (count,) = db.execute("SELECT count(*) FROM responses WHERE unit_id = ?", (unit_id,)).fetchone()
        units.append({"id": unit_id, "name": name, "group": group, "respondents": count})

    choice_questions = [e for page in survey["pages"] for e in page["elements"] if e["type"] == "radiogroup"]
    questions = {}
    for unit in units:
        answers = [json.loads(a) for (a,) in db.execute("SELECT answers FROM responses WHERE unit_id = ?", (unit["id"],))]
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
    weeks = [week for (week,) in db.execute("SELECT DISTINCT period FROM responses ORDER BY period")]
    json.dump({"units": units, "total": sum(u["respondents"] for u in units), "weeks": weeks, "questions": questions, "dead_letters": dead_letters,
               "consent_da": text(survey["consent"], "da"), "consent_en": text(survey["consent"], "en")},
              open(out, "w", encoding="utf-8"), ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
