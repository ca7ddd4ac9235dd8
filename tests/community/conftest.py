"""A program with mentors who opted in (or not) to being asked, mentees, coordinators,
an administrator and a second program, over HTTP against a real database."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from companion.accounts import service as accounts
from companion.accounts.models import Role
from companion.participants import service as participants
from companion.programs import service as programs
from companion.relationships import service as relationships
from companion.runtime import Services
from tests.helpers import TEST_ACTOR, TEST_SYSTEM, app_for, bearer, make_user
from tests.relationships.conftest import to_csv

PEOPLE = [
    (
        "M1",
        "Maya Berg",
        "maya@example.org",
        "mentor",
        "Europe/Berlin",
        "Tue 09:00-12:00",
        "2",
        "I coach first-time managers through giving difficult feedback and "
        "running one-to-ones with their new team.",
    ),
    (
        "M2",
        "Nora Diaz",
        "nora@example.org",
        "mentor",
        "Europe/Madrid",
        "Mon 10:00-12:00",
        "1",
        "I help people prepare for salary negotiations and promotion cases.",
    ),
    (
        "M3",
        "Sam Okoro",
        "sam@example.org",
        "mentor",
        "Europe/London",
        "Wed 10:00-12:00",
        "1",
        "Giving feedback to a struggling report, and handling conflict in a team.",
    ),
    ("E1", "Eli Brooks", "eli@example.org", "mentee", "Europe/Berlin", "Tue 09:00-10:00", "0", ""),
    ("E2", "Omar Farah", "omar@example.org", "mentee", "Europe/Madrid", "Mon 10:00-11:00", "0", ""),
]
OUTSIDER_PEOPLE = [
    ("X1", "Xia Chen", "xia@example.org", "mentee", "Asia/Tokyo", "Fri 09:00-10:00", "0", ""),
]


@dataclass
class World:
    services: Services
    client: TestClient
    pilot: int
    other: int
    pair: int
    tokens: dict[str, str]

    def headers(self, who: str) -> dict[str, str]:
        return bearer(self.tokens[who])

    def get(self, who: str, path: str, **params: object) -> Response:
        return self.client.get(f"/api/v1/community{path}", params=params, headers=self.headers(who))

    def post(self, who: str, path: str, body: dict) -> Response:
        return self.client.post(f"/api/v1/community{path}", json=body, headers=self.headers(who))

    def put(self, who: str, path: str, body: dict) -> Response:
        return self.client.put(f"/api/v1/community{path}", json=body, headers=self.headers(who))

    def opt_in(self, who: str, helps_with: str = "") -> None:
        response = self.put(who, "/me/helper", {"opted_in": True, "helps_with": helps_with})
        assert response.status_code == 200, response.text

    def ask(self, who: str, title: str, **fields: object) -> Response:
        body = {
            "title": title,
            "topic": "feedback",
            "program_id": self.pilot,
            "accept_code_of_conduct": True,
            **fields,
        }
        return self.post(who, "/questions", body)


@pytest.fixture
def world(services: Services) -> Iterator[World]:
    with services.sessions() as session:
        pilot = programs.create(session=session, name="Pilot", principal=TEST_SYSTEM)
        other = programs.create(session=session, name="Other", principal=TEST_SYSTEM)
        for program, people in ((pilot, PEOPLE), (other, OUTSIDER_PEOPLE)):
            participants.import_participants(
                session=session,
                program_id=program.id,
                data=to_csv(people),
                filename="p.csv",
                principal=TEST_SYSTEM,
            )
        rows = {
            p.external_id: p
            for p in participants.all_participants(session=session, program_id=pilot.id)
        }
        pair = relationships.create_pair(
            session=session, program=pilot, mentor_id=rows["M1"].id, mentee_id=rows["E1"].id
        )
        session.commit()
        ids = (pilot.id, other.id, pair.id)
        tokens = {}
        for _, name, email, *_ in PEOPLE + OUTSIDER_PEOPLE:
            user = accounts.get_by_email(session=session, email=email)
            tokens[name.split()[0].lower()] = accounts.issue_token(
                session=session, user=user, name="test", actor=TEST_ACTOR
            ).plaintext
        session.commit()
        tokens["lead"] = make_user(session, "lead@example.org", (Role.coordinator, ids[0]))[1]
        tokens["elsewhere"] = make_user(session, "else@example.org", (Role.coordinator, ids[1]))[1]
        tokens["admin"] = make_user(session, "admin@example.org", (Role.admin, None))[1]
    with TestClient(app_for(services)) as client:
        yield World(services, client, *ids, tokens)


PASSWORD = "correct horse battery"


@pytest.fixture
def browser_for(world: World):
    """browser_for("maya") -> a Browser signed in as that person, with its own cookies."""
    from companion.accounts import passwords
    from tests.web.conftest import Browser

    emails = {
        **{name.split()[0].lower(): email for _, name, email, *_ in PEOPLE + OUTSIDER_PEOPLE},
        "lead": "lead@example.org",
        "elsewhere": "else@example.org",
        "admin": "admin@example.org",
    }
    with world.services.sessions() as session:
        for email in emails.values():
            user = accounts.get_by_email(session=session, email=email)
            passwords.set_password(session=session, user=user, password=PASSWORD, actor=TEST_ACTOR)
        session.commit()
    clients = []

    def sign_in(who: str) -> Browser:
        client = TestClient(app_for(world.services))
        client.__enter__()
        clients.append(client)
        browser = Browser(client)
        browser.get("/login")
        response = browser.post(
            "/login",
            {"email": emails[who], "password": PASSWORD, "next": "/"},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        browser.get("/")
        return browser

    yield sign_in
    for client in clients:
        client.__exit__(None, None, None)
