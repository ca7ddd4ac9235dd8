"""Cohorts for the matching service, API and CLI tests: a small hand-written one and the demo."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import companion
from companion.db import session_scope
from companion.participants import service as participants
from companion.programs import service as programs
from companion.runtime import Services
from tests.helpers import TEST_SYSTEM

DEMO_CSV = Path(companion.__file__).parent / "demo_data" / "participants.csv"

COLUMNS = (
    "id",
    "name",
    "email",
    "role",
    "department",
    "manager_id",
    "languages",
    "expertise",
    "goals",
    "years_experience",
    "capacity",
    "avoid",
    "gender",
    "underrepresented",
    "consent_demographics",
)

YASMIN = {
    "id": "M1",
    "name": "Yasmin Haddad",
    "email": "yasmin@example.org",
    "role": "mentor",
    "department": "engineering",
    "languages": "english",
    "expertise": "I coached several senior engineers through their first year as "
    "engineering managers.",
    "years_experience": "15",
    "capacity": "1",
}
XAVIER = {
    "id": "M2",
    "name": "Xavier Dupont",
    "email": "xavier@example.org",
    "role": "mentor",
    "department": "finance",
    "languages": "english;french",
    "expertise": "I spent ten years in financial planning, forecasting spend and approving "
    "investment cases.",
    "years_experience": "14",
    "capacity": "1",
}
ZOE = {
    "id": "M3",
    "name": "Zoe Park",
    "email": "zoe@example.org",
    "role": "mentor",
    "department": "communications",
    "languages": "english",
    "expertise": "I help people build confidence on stage and structure talks for senior "
    "audiences.",
    "years_experience": "12",
    "capacity": "1",
}
ANA = {
    "id": "E1",
    "name": "Ana Silva",
    "email": "ana@example.org",
    "role": "mentee",
    "department": "engineering",
    "languages": "english",
    "goals": "I want to move from writing code every day to leading a small team.",
    "years_experience": "4",
    "gender": "woman",
    "underrepresented": "yes",
    "consent_demographics": "yes",
}
BEN = {
    "id": "E2",
    "name": "Ben Okoro",
    "email": "ben@example.org",
    "role": "mentee",
    "department": "sales",
    "languages": "english",
    "goals": "Presenting to executives terrifies me and I freeze in front of a room.",
    "years_experience": "3",
    "avoid": "M2",
}
CHEN = {
    "id": "E3",
    "name": "Chen Li",
    "email": "chen@example.org",
    "role": "mentee",
    "department": "engineering",
    "languages": "english",
    "goals": "I would like to understand budgets and how money decisions get made.",
    "years_experience": "5",
}
DAN = {
    "id": "E4",
    "name": "Dan Moreau",
    "email": "dan@example.org",
    "role": "mentee",
    "department": "support",
    "languages": "english",
    "goals": "I get nervous speaking at all-hands meetings and want to present with confidence.",
    "years_experience": "2",
}
# Three mentors with one place each and three mentees who each clearly need one of them.
SMALL = [YASMIN, XAVIER, ZOE, ANA, BEN, CHEN]
# mentee -> mentor, by meaning; every pair passes the rules (Ben avoids Xavier).
BEST_PAIRS = {"E1": "M1", "E2": "M3", "E3": "M2"}


def to_csv(rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def import_cohort(
    services: Services,
    data: bytes,
    *,
    program: str = "Pilot",
    filename: str = "cohort.csv",
) -> int:
    """Import `data` into the named program (created if missing); return the program id."""
    with session_scope(services.sessions) as session:
        target = programs.get_by_name(session=session, name=program)
        if target is None:
            target = programs.create(session=session, name=program, principal=TEST_SYSTEM)
        participants.import_participants(
            session=session,
            program_id=target.id,
            data=data,
            filename=filename,
            principal=TEST_SYSTEM,
        )
        return target.id
