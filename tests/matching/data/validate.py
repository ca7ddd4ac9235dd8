"""Consistency check for the planted cohorts: python tests/matching/data/validate.py

Checks that each cohort CSV has exactly the header of companion/demo_data/participants.csv,
that ids and e-mail addresses are unique (across all cohorts and the demo file), that
manager_id/avoid refer to people in the same file, and that every id in planted.json
exists with the expected role. It does not compute any match.
"""

import csv
import json
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[2]
COHORTS = ["cohort_a.csv", "cohort_b.csv"]


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return reader.fieldnames, list(reader)


def main():
    errors = []
    header, demo = read(ROOT / "companion/demo_data/participants.csv")
    seen_ids = {r["id"] for r in demo}
    seen_emails = {r["email"].lower() for r in demo}
    people = {}
    for name in COHORTS:
        h, rows = read(HERE / name)
        if h != header:
            errors.append(f"{name}: header differs from the demo file")
        ids = {r["id"] for r in rows}
        for r in rows:
            if None in r or any(v is None for v in r.values()):
                errors.append(f"{name}: row {r.get('id')} has the wrong number of fields")
            if r["id"] in seen_ids:
                errors.append(f"{name}: duplicate id {r['id']}")
            seen_ids.add(r["id"])
            email = r["email"].lower()
            if email in seen_emails or not email.endswith("@example.org"):
                errors.append(f"{name}: bad or duplicate email {email}")
            seen_emails.add(email)
            for col in ("manager_id", "avoid"):
                for ref in filter(None, (x.strip() for x in r[col].split(";"))):
                    if ref not in ids:
                        errors.append(f"{name}: {r['id']} {col} {ref} is not in the file")
            if r["role"] not in ("mentor", "mentee", "both"):
                errors.append(f"{name}: {r['id']} has role {r['role']}")
        people[name] = {r["id"]: r for r in rows}

    planted = json.loads((HERE / "planted.json").read_text(encoding="utf-8"))

    def role(name, pid, want):
        r = people[name].get(pid)
        if r is None:
            errors.append(f"planted.json: {pid} not in {name}")
        elif r["role"] not in (want, "both"):
            errors.append(f"planted.json: {pid} in {name} is {r['role']}, expected {want}")

    total = 0
    for name in COHORTS:
        pairs = planted[name]
        total += len(pairs)
        mentees = [p["mentee"] for p in pairs]
        mentors = [p["mentor"] for p in pairs]
        if len(set(mentees)) != len(mentees) or len(set(mentors)) != len(mentors):
            errors.append(f"planted.json: {name} repeats a mentee or mentor")
        for p in pairs:
            role(name, p["mentee"], "mentee")
            role(name, p["mentor"], "mentor")
            if people[name].get(p["mentee"], {}).get("avoid") == p["mentor"]:
                errors.append(f"planted.json: {p['mentee']} avoids its planted mentor")
        for pid in planted["no_fit"][name]:
            role(name, pid, "mentee")
        for p in planted["cannot_meet"][name]:
            role(name, p["mentee"], "mentee")
            role(name, p["mentor"], "mentor")
        for pid in planted["other_language"][name]:
            if pid not in people[name]:
                errors.append(f"planted.json: other_language {pid} not in {name}")
        n_mentees = sum(r["role"] == "mentee" for r in people[name].values())
        n_mentors = sum(r["role"] == "mentor" for r in people[name].values())
        print(f"{name}: {n_mentees} mentees, {n_mentors} mentors, {len(pairs)} planted pairs")
    print(f"planted pairs in total: {total}")
    for e in errors:
        print("ERROR:", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
