"""A small program with two pairs, an unpaired mentee and coordinators, over HTTP."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from companion.accounts import service as accounts
from companion.accounts.models import Role
from companion.participants import service as participants
from companion.programs import service as programs
from companion.relationships import service as relationships
from companion.runtime import Services
from tests.helpers import TEST_ACTOR, TEST_SYSTEM, app_for, bearer, make_user

COLUMNS = ("id", "name", "email", "role", "timezone", "availability", "capacity", "expertise")
PEOPLE = [
    (
        "M1",
        "Maya Berg",
        "maya@example.org",
        "mentor",
        "Europe/Berlin",
        "Tue 09:00-12:00; Thu 14:00-17:00",
        "2",
        "I lead a data platform team.",
    ),
    (
        "E1",
        "Eli Brooks",
        "eli@example.org",
        "mentee",
        "America/New_York",
        "Tue 04:00-08:00; Thu 09:00-11:00",
        "0",
        "",
    ),
    (
        "M2",
        "Nora Diaz",
        "nora@example.org",
        "mentor",
        "Europe/Madrid",
        "Mon 10:00-12:00",
        "1",
        "I run customer support operations.",
    ),
    ("E2", "Omar Farah", "omar@example.org", "mentee", "Europe/Madrid", "Mon 10:00-11:00", "0", ""),
    ("E3", "Pia Lind", "pia@example.org", "mentee", "Europe/Stockholm", "Wed 09:00-10:00", "0", ""),
    ("E4", "Quinn Roy", "quinn@example.org", "mentee", "Asia/Tokyo", "Fri 20:00-21:00", "0", ""),
]


def to_csv(rows: list[tuple[str, ...]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return out.getvalue().encode()


@dataclass
class World:
    """Program `pilot` with pairs `first` (Maya + Eli) and `second` (Nora + Omar)."""

    services: Services
    client: TestClient
    pilot: int
    other: int
    first: int
    second: int
    tokens: dict[str, str]

    def headers(self, who: str) -> dict[str, str]:
        return bearer(self.tokens[who])

    def stall(self, relationship_id: int) -> None:
        """Make the relationship stalled, as a nudge needs when its next session is
        booked: it started three months ago (nothing held since, in these worlds)."""
        from datetime import timedelta

        from companion.relationships.models import Relationship

        with self.services.sessions() as session:
            relationship = session.get(Relationship, relationship_id)
            assert relationship is not None and relationship.start_date is not None
            relationship.start_date -= timedelta(days=90)
            if relationship.planned_end_date is not None:
                relationship.planned_end_date -= timedelta(days=90)
            session.commit()


@pytest.fixture
def world(services: Services) -> Iterator[World]:
    with services.sessions() as session:
        pilot = programs.create(session=session, name="Pilot", principal=TEST_SYSTEM)
        other = programs.create(session=session, name="Other", principal=TEST_SYSTEM)
        participants.import_participants(
            session=session,
            program_id=pilot.id,
            data=to_csv(PEOPLE),
            filename="p.csv",
            principal=TEST_SYSTEM,
        )
        people = {
            p.external_id: p
            for p in participants.all_participants(session=session, program_id=pilot.id)
        }
        first = relationships.create_pair(
            session=session, program=pilot, mentor_id=people["M1"].id, mentee_id=people["E1"].id
        )
        second = relationships.create_pair(
            session=session, program=pilot, mentor_id=people["M2"].id, mentee_id=people["E2"].id
        )
        session.commit()
        ids = (pilot.id, other.id, first.id, second.id)
        tokens = {}
        for key, email in [
            ("maya", "maya@example.org"),
            ("eli", "eli@example.org"),
            ("nora", "nora@example.org"),
            ("omar", "omar@example.org"),
            ("pia", "pia@example.org"),
        ]:
            user = accounts.get_by_email(session=session, email=email)
            tokens[key] = accounts.issue_token(
                session=session, user=user, name="test", actor=TEST_ACTOR
            ).plaintext
        session.commit()
        tokens["lead"] = make_user(session, "lead@example.org", (Role.coordinator, ids[0]))[1]
        tokens["org"] = make_user(session, "org@example.org", (Role.coordinator, None))[1]
        tokens["elsewhere"] = make_user(session, "else@example.org", (Role.coordinator, ids[1]))[1]
    with TestClient(app_for(services)) as client:
        yield World(services, client, *ids, tokens)
