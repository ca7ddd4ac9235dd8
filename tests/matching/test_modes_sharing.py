"""What "who could answer" and self-match show a participant: only what each mentor shares.

A person's sharing choice (`participants.sharing`) decides what the other members of
their relationships read; the matching modes a participant reads follow the same
choice, and never show what cannot be shared at all (skills, years, what a mentee
wants to learn presented as what they offer). Coordinators keep whole profiles.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from companion.accounts.models import Role
from companion.participants.models import Participant
from companion.programs import service as programs
from companion.runtime import Services
from tests.helpers import TEST_SYSTEM, app_for, bearer, make_user
from tests.matching.test_modes_api import token_for, url

COLUMNS = (
    "id",
    "name",
    "email",
    "role",
    "title",
    "languages",
    "skills",
    "expertise",
    "goals",
    "years_experience",
    "capacity",
)
PRIYA = {
    "id": "M1",
    "name": "Priya Raman",
    "email": "priya@example.org",
    "role": "mentor",
    "title": "Staff Software Engineer",
    "languages": "english",
    "skills": "system design;API design",
    "expertise": "I have spent ten years building the backend services our customers rely "
    "on. I like walking people through the trade-offs behind an architecture.",
    "years_experience": "14",
    "capacity": "2",
}
OMAR = {
    "id": "M2",
    "name": "Omar Farouk",
    "email": "omar@example.org",
    "role": "mentor",
    "title": "Principal Engineer",
    "languages": "english",
    "skills": "system design;distributed systems",
    "expertise": "I design backend services and help engineers reason about system design "
    "trade-offs, scaling and reliability.",
    "years_experience": "18",
    "capacity": "2",
}
SAMUEL = {
    "id": "E1",
    "name": "Samuel Osei",
    "email": "samuel@example.org",
    "role": "mentee",
    "title": "Software Engineer",
    "languages": "english",
    "skills": "system design",
    "goals": "I want to learn how to design backend services and weigh system design trade-offs.",
    "years_experience": "2",
}
PRIYANKA = {
    "id": "E2",
    "name": "Priyanka Iyer",
    "email": "priyanka@example.org",
    "role": "mentee",
    "title": "Software Engineer",
    "languages": "english",
    # What she wants to learn, never what she offers.
    "skills": "Go;microservices;PostgreSQL",
    "years_experience": "3",
}
SYSTEM_DESIGN = "Who can walk me through system design trade-offs of backend services?"
NEVER_SHAREABLE = ("Skills", "system design, API design", "years of experience", "14", "18")


def to_csv(rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(app_for(services)) as test_client:
        yield test_client


@pytest.fixture
def lead(services: Services) -> dict[str, str]:
    with services.sessions() as session:
        program = programs.create(session=session, name="Backend", principal=TEST_SYSTEM)
        session.commit()
        return bearer(make_user(session, "lead@example.org", (Role.coordinator, program.id))[1])


@pytest.fixture
def program_id(client: TestClient, services: Services, lead: dict[str, str]) -> int:
    with services.sessions() as session:
        program_id = programs.get_by_name(session=session, name="Backend").id
    response = client.post(
        f"/api/v1/programs/{program_id}/participants:import",
        files={"file": ("people.csv", to_csv([PRIYA, OMAR, SAMUEL, PRIYANKA]), "text/csv")},
        headers=lead,
    )
    assert response.status_code == 200, response.json()
    return program_id


def shares(services: Services, program_id: int, person: str, fields: list[str]) -> None:
    """`person` chooses what they share, as "What you share with …" stores it."""
    with services.sessions() as session:
        participant = session.scalar(
            select(Participant).where(
                Participant.program_id == program_id, Participant.external_id == person
            )
        )
        participant.shared_fields = fields
        session.commit()


def ask(client: TestClient, program_id: int, question: str, headers: dict[str, str]) -> dict:
    response = client.post(url(program_id, "ask"), json={"question": question}, headers=headers)
    assert response.status_code == 200, response.json()
    return response.json()


class TestWhoCouldAnswer:
    def test_a_mentor_who_shares_nothing_is_not_suggested_and_nothing_of_theirs_shows(
        self, client: TestClient, services: Services, program_id: int
    ) -> None:
        shares(services, program_id, "M1", [])
        samuel = bearer(token_for(services, SAMUEL["email"]))
        body = ask(client, program_id, SYSTEM_DESIGN, samuel)
        assert "M1" not in {p["id"] for p in body["people"]}
        text = str(body)
        for private in ("Priya", "Staff Software Engineer", "ten years", "customers rely"):
            assert private not in text, private
        # A mentor who shares their expertise still answers, with a reason in their words.
        omar = next(p for p in body["people"] if p["id"] == "M2")
        assert omar["reasons"][0].startswith('Omar Farouk offers: "I design backend services')

    def test_a_mentee_is_never_presented_as_offering_what_they_want_to_learn(
        self, client: TestClient, services: Services, program_id: int
    ) -> None:
        omar = bearer(token_for(services, OMAR["email"]))
        body = ask(client, program_id, "Who knows Go, microservices and PostgreSQL?", omar)
        assert {p["id"] for p in body["people"]} <= {"M1"}
        answer = str(body["people"])
        assert "Priyanka" not in answer and "Go, microservices" not in answer

    def test_skills_and_years_are_never_shown_and_the_title_only_when_shared(
        self, client: TestClient, services: Services, program_id: int
    ) -> None:
        shares(services, program_id, "M1", ["expertise"])
        samuel = bearer(token_for(services, SAMUEL["email"]))
        people = {p["id"]: p for p in ask(client, program_id, SYSTEM_DESIGN, samuel)["people"]}
        assert set(people) == {"M1", "M2"}
        priya, omar = people["M1"], people["M2"]
        assert not priya["title"] and "Staff Software Engineer" not in str(priya)
        assert priya["reasons"][0].startswith('Priya Raman offers: "')
        assert omar["title"] == "Principal Engineer"  # shared: nobody has chosen otherwise
        for reason in priya["reasons"] + omar["reasons"]:
            for never in NEVER_SHAREABLE:
                assert never not in reason, (never, reason)


class TestSelfMatch:
    def test_a_mentee_reads_only_what_each_mentor_shares_a_coordinator_everything(
        self, client: TestClient, services: Services, lead: dict[str, str], program_id: int
    ) -> None:
        shares(services, program_id, "M1", [])
        samuel = bearer(token_for(services, SAMUEL["email"]))
        response = client.get(
            url(program_id, "recommendations"), params={"mentee_id": "E1"}, headers=samuel
        )
        assert response.status_code == 200, response.json()
        found = {r["mentor_id"]: r for r in response.json()["recommendations"]}
        assert set(found) == {"M2"}
        assert "Priya" not in str(response.json())
        omar = found["M2"]
        assert omar["title"] == "Principal Engineer"
        assert any(
            r.startswith("Samuel Osei wants") and "Omar Farouk offers" in r for r in omar["reasons"]
        )
        assert set(omar["components"]) == {"semantic"}
        for reason in omar["reasons"]:
            for never in NEVER_SHAREABLE:
                assert never not in reason, (never, reason)

        # The coordinator, who reads whole profiles in the program's lists, still does here.
        coordinated = client.get(
            url(program_id, "recommendations"), params={"mentee_id": "E1"}, headers=lead
        ).json()["recommendations"]
        assert {r["mentor_id"] for r in coordinated} == {"M1", "M2"}
        assert "Staff Software Engineer" in {r["title"] for r in coordinated}
