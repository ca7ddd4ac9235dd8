"""The matching-modes API over real HTTP: read-only proposals for coordinators and members."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from companion.accounts import service as accounts
from companion.accounts.models import Role
from companion.matching.models import MatchProposal, MatchRun, Relationship
from companion.programs import service as programs
from companion.runtime import Services
from tests.helpers import TEST_ACTOR, TEST_SYSTEM, app_for, bearer, make_user
from tests.matching.conftest import BEST_PAIRS, DAN, SMALL, YASMIN, to_csv

COORDINATOR_ONLY = ("circles", "speed/shortlists", "speed/assignment", "advisory-boards")


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(app_for(services)) as test_client:
        yield test_client


@pytest.fixture
def program_id(services: Services) -> int:
    with services.sessions() as session:
        program = programs.create(session=session, name="Pilot", principal=TEST_SYSTEM)
        programs.create(session=session, name="Other", principal=TEST_SYSTEM)
        session.commit()
        return program.id


@pytest.fixture
def lead(services: Services, program_id: int) -> dict[str, str]:
    """Headers of the Pilot coordinator."""
    with services.sessions() as session:
        return bearer(make_user(session, "lead@example.org", (Role.coordinator, program_id))[1])


@pytest.fixture
def pilot(client: TestClient, lead: dict[str, str], program_id: int) -> int:
    """Pilot with the small cohort plus Dan, imported over HTTP by its coordinator."""
    response = client.post(
        f"/api/v1/programs/{program_id}/participants:import",
        files={"file": ("cohort.csv", to_csv([*SMALL, DAN]), "text/csv")},
        headers=lead,
    )
    assert response.status_code == 200, response.json()
    return program_id


def token_for(services: Services, email: str) -> str:
    """An API token for a participant the import created."""
    with services.sessions() as session:
        user = accounts.get_by_email(session=session, email=email)
        issued = accounts.issue_token(session=session, user=user, name="test", actor=TEST_ACTOR)
        session.commit()
        return issued.plaintext


def url(program_id: int, path: str) -> str:
    return f"/api/v1/programs/{program_id}/matching/{path}"


class TestRecommendations:
    def test_a_coordinator_gets_ranked_mentors_with_reasons(
        self, client: TestClient, services: Services, lead: dict[str, str], pilot: int
    ) -> None:
        response = client.get(
            url(pilot, "recommendations"),
            params={"mentee_id": "E1", "limit": 2},
            headers=lead,
        )
        assert response.status_code == 200, response.json()
        body = response.json()
        assert body["mentee_id"] == "E1"
        assert len(body["recommendations"]) <= 2
        first = body["recommendations"][0]
        assert set(first) == {"mentor_id", "name", "title", "score", "components", "reasons"}
        assert first["mentor_id"] == BEST_PAIRS["E1"] and first["reasons"]
        scores = [r["score"] for r in body["recommendations"]]
        assert scores == sorted(scores, reverse=True)

    def test_a_mentee_sees_their_own_but_not_anothers(
        self, client: TestClient, services: Services, lead: dict[str, str], pilot: int
    ) -> None:
        ben = bearer(token_for(services, "ben@example.org"))
        own = client.get(url(pilot, "recommendations"), params={"mentee_id": "E2"}, headers=ben)
        assert own.status_code == 200, own.json()
        assert "M2" not in {r["mentor_id"] for r in own.json()["recommendations"]}  # avoided
        other = client.get(url(pilot, "recommendations"), params={"mentee_id": "E1"}, headers=ben)
        assert other.status_code == 403
        assert other.json()["error"]["code"] == "permission_denied"
        yasmin = bearer(token_for(services, YASMIN["email"]))
        mentor = client.get(
            url(pilot, "recommendations"), params={"mentee_id": "E2"}, headers=yasmin
        )
        assert mentor.status_code == 403

    def test_an_unknown_mentee_is_404(
        self, client: TestClient, services: Services, lead: dict[str, str], pilot: int
    ) -> None:
        for unknown in ("E999", "M1"):
            response = client.get(
                url(pilot, "recommendations"), params={"mentee_id": unknown}, headers=lead
            )
            assert response.status_code == 404, unknown
            assert response.json()["error"]["code"] == "not_found"


class TestCoordinatorModes:
    def test_circles_place_every_mentee_once(
        self, client: TestClient, services: Services, lead: dict[str, str], pilot: int
    ) -> None:
        response = client.post(url(pilot, "circles"), headers=lead)
        assert response.status_code == 200, response.json()
        body = response.json()
        assert set(body) == {"circles", "unplaced"}
        placed = [m for c in body["circles"] for m in c["members"]]
        unplaced = [u["mentee_id"] for u in body["unplaced"]]
        assert sorted(placed + unplaced) == ["E1", "E2", "E3", "E4"]
        for circle in body["circles"]:
            assert set(circle) == {"mentor_id", "members", "score", "theme", "reasons"}
            assert circle["mentor_id"].startswith("M")
        assert all(u["reason"] for u in body["unplaced"])

    def test_speed_shortlists_name_mentors_per_mentee(
        self, client: TestClient, services: Services, lead: dict[str, str], pilot: int
    ) -> None:
        response = client.post(url(pilot, "speed/shortlists"), headers=lead)
        assert response.status_code == 200, response.json()
        lists = response.json()["shortlists"]
        assert set(lists) == {"E1", "E2", "E3", "E4"}
        assert all(set(chosen) <= {"M1", "M2", "M3"} for chosen in lists.values())
        assert "M2" not in lists["E2"]  # Ben avoids Xavier
        assert lists["E1"]

    def test_speed_assignment_follows_stated_preferences(
        self, client: TestClient, services: Services, lead: dict[str, str], pilot: int
    ) -> None:
        body = {
            # Ana prefers Xavier over Yasmin, though Yasmin fits her goals best.
            "mentee_ranks": {"E1": ["M2", "M1"], "E2": ["M3"], "E3": ["M2"]},
            "mentor_ranks": {"M2": ["E1", "E3"], "M3": ["E2"], "M1": ["E1"]},
        }
        response = client.post(url(pilot, "speed/assignment"), json=body, headers=lead)
        assert response.status_code == 200, response.json()
        assert response.json() == {
            "assignment": [
                {"mentee_id": "E1", "mentor_id": "M2"},
                {"mentee_id": "E2", "mentor_id": "M3"},
            ]
        }

    def test_speed_assignment_names_unknown_ids(
        self, client: TestClient, services: Services, lead: dict[str, str], pilot: int
    ) -> None:
        body = {"mentee_ranks": {"E1": ["M9"], "E77": ["M1"]}, "mentor_ranks": {}}
        response = client.post(url(pilot, "speed/assignment"), json=body, headers=lead)
        assert response.status_code == 422
        error = response.json()["error"]
        assert error["code"] == "invalid_input"
        assert "E77" in error["message"] and "M9" in error["message"]

    def test_advisory_boards_seat_mentors_per_need(
        self, client: TestClient, services: Services, lead: dict[str, str], pilot: int
    ) -> None:
        response = client.post(url(pilot, "advisory-boards"), headers=lead)
        assert response.status_code == 200, response.json()
        boards = {b["mentee_id"]: b for b in response.json()["boards"]}
        assert set(boards) == {"E1", "E2", "E3", "E4"}
        for board in boards.values():
            assert set(board) == {"mentee_id", "seats", "notes"}
            for seat in board["seats"]:
                assert set(seat) == {"need", "mentor_id", "similarity", "reason"}
            assert board["seats"] or board["notes"]
        assert all(s["mentor_id"] != "M2" for s in boards["E2"]["seats"])

    def test_a_mentor_may_not_use_them_and_nothing_is_created(
        self, client: TestClient, services: Services, lead: dict[str, str], pilot: int
    ) -> None:
        yasmin = bearer(token_for(services, YASMIN["email"]))
        for path in COORDINATOR_ONLY:
            response = client.post(url(pilot, path), json={}, headers=yasmin)
            assert response.status_code == 403, path
            assert response.json()["error"]["code"] == "permission_denied"
        for path in COORDINATOR_ONLY:
            client.post(url(pilot, path), json={}, headers=lead)
        with services.sessions() as session:
            for model in (MatchRun, MatchProposal, Relationship):
                assert session.scalar(select(func.count()).select_from(model)) == 0


class TestAsk:
    QUESTION = "How do I become an engineering manager and lead a team?"

    def test_a_member_gets_people_but_never_themselves(
        self, client: TestClient, services: Services, lead: dict[str, str], pilot: int
    ) -> None:
        everyone = client.post(url(pilot, "ask"), json={"question": self.QUESTION}, headers=lead)
        assert everyone.status_code == 200, everyone.json()
        body = everyone.json()
        assert body["question"] == self.QUESTION
        assert body["people"][0]["id"] == "M1"
        assert set(body["people"][0]) == {"id", "name", "title", "score", "reasons"}

        yasmin = bearer(token_for(services, YASMIN["email"]))
        asked = client.post(url(pilot, "ask"), json={"question": self.QUESTION}, headers=yasmin)
        assert asked.status_code == 200, asked.json()
        assert "M1" not in {p["id"] for p in asked.json()["people"]}

    def test_an_empty_question_is_422(
        self, client: TestClient, services: Services, lead: dict[str, str], pilot: int
    ) -> None:
        for question in ("", "   "):
            response = client.post(url(pilot, "ask"), json={"question": question}, headers=lead)
            assert response.status_code == 422, question
            assert response.json()["error"]["code"] == "invalid_input"

    def test_outsiders_are_told_the_program_is_missing(
        self, client: TestClient, services: Services, lead: dict[str, str], pilot: int
    ) -> None:
        with services.sessions() as session:
            other_id = programs.get_by_name(session=session, name="Other").id
            _, outsider = make_user(session, "out@example.org", (Role.mentee, other_id))
        response = client.post(
            url(pilot, "ask"), json={"question": self.QUESTION}, headers=bearer(outsider)
        )
        assert response.status_code == 404
