"""The participants and matching API over real HTTP: coordinators decide, members see pairs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select

from companion.accounts import service as accounts
from companion.accounts.models import Role
from companion.audit.models import AuditEvent
from companion.programs import service as programs
from companion.runtime import Services
from tests.helpers import TEST_ACTOR, TEST_SYSTEM, app_for, bearer, make_user
from tests.matching.conftest import (
    BEST_PAIRS,
    DEMO_CSV,
    SMALL,
    XAVIER,
    to_csv,
)

BAD_FILE = (
    b"id,name,email,role,timezone,availability,manager_id\n"
    b"M1,Good Mentor,m1@example.org,mentor,Europe/Berlin,Mon 09:00-10:00,\n"
    b"E1,Bad Email,e1-at-example.org,mentee,,,\n"
    b"E2,Bad Zone,e2@example.org,mentee,Mars/Olympus_Mons,,\n"
    b"E3,Lost Manager,e3@example.org,mentee,,,nobody\n"
)
BAD_FILE_PROBLEMS = [(3, "email"), (4, "timezone"), (5, "manager_id")]
RUN_KEYS = {"run_id", "program", "status", "matches", "unmatched", "objective", "fairness"}
MATCH_KEYS = {"proposal_id", "mentor_id", "mentee_id", "score", "reasons", "components", "status"}
DEMOGRAPHICS = {"gender", "underrepresented", "consent_demographics"}


# Members of the pilot may read it but not run it (403); a coordinator of another
# program may not even read it, and is answered as if it did not exist (404).
REFUSED = {"mentor": 403, "mentee": 403, "elsewhere": 404}


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
def people(services: Services, program_id: int) -> dict[str, str]:
    """Tokens: org and Pilot coordinators, a coordinator elsewhere, a Pilot mentor and mentee."""
    with services.sessions() as session:
        other_id = programs.get_by_name(session=session, name="Other").id
        return {
            "org": make_user(session, "org@example.org", (Role.coordinator, None))[1],
            "lead": make_user(session, "lead@example.org", (Role.coordinator, program_id))[1],
            "elsewhere": make_user(session, "else@example.org", (Role.coordinator, other_id))[1],
            "mentor": make_user(session, "mentor@example.org", (Role.mentor, program_id))[1],
            "mentee": make_user(session, "mentee@example.org", (Role.mentee, program_id))[1],
        }


def upload(
    client: TestClient,
    token: str,
    program_id: int,
    data: bytes,
    filename: str = "cohort.csv",
    **form: str,
) -> Response:
    return client.post(
        f"/api/v1/programs/{program_id}/participants:import",
        files={"file": (filename, data, "text/csv")},
        data=form,
        headers=bearer(token),
    )


def start_run(client: TestClient, token: str, program_id: int) -> dict[str, Any]:
    response = client.post(f"/api/v1/programs/{program_id}/matching/runs", headers=bearer(token))
    assert response.status_code == 201, response.json()
    return response.json()


def proposal_for(payload: dict[str, Any], mentee_id: str) -> int:
    [found] = [m["proposal_id"] for m in payload["matches"] if m["mentee_id"] == mentee_id]
    return found


def pairs(payload: dict[str, Any]) -> dict[str, str]:
    return {m["mentee_id"]: m["mentor_id"] for m in payload["matches"]}


def token_for(services: Services, email: str) -> str:
    """An API token for a user the import created."""
    with services.sessions() as session:
        user = accounts.get_by_email(session=session, email=email)
        issued = accounts.issue_token(session=session, user=user, name="test", actor=TEST_ACTOR)
        session.commit()
        return issued.plaintext


def participant_ids(client: TestClient, token: str, program_id: int, **params: str) -> list[str]:
    response = client.get(
        f"/api/v1/programs/{program_id}/participants", params=params, headers=bearer(token)
    )
    assert response.status_code == 200, response.json()
    return [item["id"] for item in response.json()["items"]]


@pytest.fixture
def pilot(client: TestClient, people: dict[str, str], program_id: int) -> int:
    """The small cohort imported into Pilot by its coordinator."""
    response = upload(client, people["lead"], program_id, to_csv(SMALL))
    assert response.status_code == 200, response.json()
    return program_id


class TestImportParticipants:
    def test_only_the_programs_coordinators_may_import(
        self, client: TestClient, services: Services, people: dict[str, str], program_id: int
    ) -> None:
        # Members of the program are refused; a coordinator of another program is told
        # the program does not exist, exactly as for a missing one.
        for who, status in REFUSED.items():
            response = upload(client, people[who], program_id, to_csv(SMALL))
            assert response.status_code == status, who
        assert participant_ids(client, people["lead"], program_id) == []

        response = upload(client, people["lead"], program_id, to_csv(SMALL))
        assert response.status_code == 200, response.json()
        assert response.json() == {
            "created": 6,
            "updated": 0,
            "unchanged": 0,
            "users_created": 6,
            "email_changes_held": 0,
        }
        again = upload(client, people["org"], program_id, to_csv(SMALL))
        assert again.json() == {
            "created": 0,
            "updated": 0,
            "unchanged": 6,
            "users_created": 0,
            "email_changes_held": 0,
        }
        with services.sessions() as session:
            actors = session.scalars(
                select(AuditEvent.actor_label).where(AuditEvent.action == "participants.imported")
            ).all()
        assert actors == ["lead@example.org", "org@example.org"]

    def test_dry_run_previews_and_saves_nothing(
        self, client: TestClient, people: dict[str, str], program_id: int
    ) -> None:
        good = upload(client, people["lead"], program_id, to_csv(SMALL), dry_run="true")
        assert good.status_code == 200, good.json()
        assert good.json() == {
            "valid": True,
            "participants": 6,
            "mentors": 3,
            "mentees": 3,
            "problems": [],
        }
        bad = upload(client, people["lead"], program_id, BAD_FILE, dry_run="true")
        assert bad.status_code == 200, bad.json()
        preview = bad.json()
        assert preview["valid"] is False
        assert (preview["participants"], preview["mentors"], preview["mentees"]) == (1, 1, 0)
        assert [(p["line"], p["column"]) for p in preview["problems"]] == BAD_FILE_PROBLEMS
        assert all(set(p) == {"line", "column", "message"} for p in preview["problems"])
        assert participant_ids(client, people["lead"], program_id) == []

    def test_a_bad_file_is_422_listing_every_problem(
        self, client: TestClient, people: dict[str, str], program_id: int
    ) -> None:
        response = upload(client, people["lead"], program_id, BAD_FILE)
        assert response.status_code == 422
        error = response.json()["error"]
        assert error["code"] == "invalid_input"
        assert "3 problem(s); nothing was imported" in error["message"]
        assert [(d["line"], d["column"]) for d in error["details"]] == BAD_FILE_PROBLEMS
        assert "e1-at-example.org" in error["details"][0]["message"]
        assert "'nobody'" in error["details"][2]["message"]
        assert participant_ids(client, people["lead"], program_id) == []

    def test_a_spreadsheet_is_422_with_a_hint(
        self, client: TestClient, people: dict[str, str], program_id: int
    ) -> None:
        response = upload(client, people["lead"], program_id, b"PK\x03\x04", "people.xlsx")
        assert response.status_code == 422
        assert "save it as CSV" in response.json()["error"]["message"]

    def test_json_lines_are_accepted(
        self, client: TestClient, people: dict[str, str], program_id: int
    ) -> None:
        data = b'{"id": "J1", "name": "Jo Park", "email": "jo@example.org", "role": "both"}\n'
        response = upload(client, people["lead"], program_id, data, "people.jsonl")
        assert response.status_code == 200, response.json()
        assert response.json()["created"] == 1

    def test_unknown_program_is_404(self, client: TestClient, people: dict[str, str]) -> None:
        assert upload(client, people["org"], 9999, to_csv(SMALL)).status_code == 404


class TestListParticipants:
    def test_pages_and_filters_by_role(
        self, client: TestClient, people: dict[str, str], pilot: int
    ) -> None:
        url = f"/api/v1/programs/{pilot}/participants"
        page = client.get(url, params={"limit": 2, "offset": 1}, headers=bearer(people["lead"]))
        assert page.status_code == 200
        body = page.json()
        assert (body["total"], body["limit"], body["offset"]) == (6, 2, 1)
        assert [item["id"] for item in body["items"]] == ["E2", "E3"]
        assert participant_ids(client, people["lead"], pilot, role="mentor") == ["M1", "M2", "M3"]
        assert participant_ids(client, people["lead"], pilot, role="mentee") == ["E1", "E2", "E3"]
        bogus = client.get(url, params={"role": "boss"}, headers=bearer(people["lead"]))
        assert bogus.status_code == 422

    def test_never_shows_demographic_fields(
        self, client: TestClient, people: dict[str, str], pilot: int
    ) -> None:
        response = client.get(
            f"/api/v1/programs/{pilot}/participants", headers=bearer(people["org"])
        )
        items = {item["id"]: item for item in response.json()["items"]}
        assert items["E1"]["name"] == "Ana Silva"  # the one who consented and gave a gender
        for item in items.values():
            assert not DEMOGRAPHICS & set(item), item
        assert "woman" not in response.text

    def test_members_may_not_list_participants(
        self, client: TestClient, people: dict[str, str], pilot: int
    ) -> None:
        for who, status in REFUSED.items():
            response = client.get(
                f"/api/v1/programs/{pilot}/participants", headers=bearer(people[who])
            )
            assert response.status_code == status, who


class TestRunMatching:
    def test_returns_the_run_with_ids_as_imported(
        self, client: TestClient, people: dict[str, str], pilot: int
    ) -> None:
        payload = start_run(client, people["lead"], pilot)
        assert set(payload) >= RUN_KEYS
        assert payload["program"] == "Pilot" and payload["status"] == "awaiting_approval"
        assert pairs(payload) == BEST_PAIRS
        for match in payload["matches"]:
            assert set(match) >= MATCH_KEYS
            assert match["reasons"] and 0 <= match["score"] <= 1
            assert all(0 <= v <= 1 for v in match["components"].values())
        assert payload["unmatched"] == []
        assert payload["objective"] == pytest.approx(
            sum(m["score"] for m in payload["matches"]), abs=1e-3
        )
        assert payload["fairness"]["coverage"] == 1.0

    def test_on_the_demo_cohort(
        self, client: TestClient, services: Services, people: dict[str, str], program_id: int
    ) -> None:
        imported = upload(client, people["lead"], program_id, DEMO_CSV.read_bytes(), "demo.csv")
        assert imported.json()["created"] == 52
        payload = start_run(client, people["lead"], program_id)
        proposed = {m["mentee_id"] for m in payload["matches"]}
        unmatched = {u["mentee_id"]: u["reason"] for u in payload["unmatched"]}
        assert "E1020" in proposed | set(unmatched)
        assert all(key.startswith("E1") for key in proposed | set(unmatched))
        assert all(m["mentor_id"].startswith("E1") for m in payload["matches"])
        assert len(proposed) + len(unmatched) == 40
        assert all(unmatched.values())
        # Samuel, the demo mentee, sees nothing until a coordinator approves.
        samuel = token_for(services, "mentee@demo.example")
        url = f"/api/v1/programs/{program_id}/relationships"
        assert client.get(url, headers=bearer(samuel)).json()["items"] == []

    def test_members_may_not_run_or_read_runs(
        self, client: TestClient, people: dict[str, str], pilot: int
    ) -> None:
        run_id = start_run(client, people["lead"], pilot)["run_id"]
        for who, status in REFUSED.items():
            headers = bearer(people[who])
            runs = f"/api/v1/programs/{pilot}/matching/runs"
            assert client.post(runs, headers=headers).status_code == status, who
            assert client.get(runs, headers=headers).status_code == status, who
            # A run is the coordinators' own: to anyone else it is missing.
            assert client.get(f"/api/v1/matching/runs/{run_id}", headers=headers).status_code == 404

    def test_a_program_without_participants_is_422(
        self, client: TestClient, people: dict[str, str], program_id: int
    ) -> None:
        response = client.post(
            f"/api/v1/programs/{program_id}/matching/runs", headers=bearer(people["lead"])
        )
        assert response.status_code == 422
        assert "import some first" in response.json()["error"]["message"]


class TestListAndReadRuns:
    def test_summaries_newest_first_and_one_run_in_full(
        self, client: TestClient, people: dict[str, str], pilot: int
    ) -> None:
        first = start_run(client, people["lead"], pilot)
        second = start_run(client, people["lead"], pilot)
        url = f"/api/v1/programs/{pilot}/matching/runs"
        page = client.get(url, params={"limit": 1}, headers=bearer(people["lead"])).json()
        assert (page["total"], page["limit"]) == (2, 1)
        [summary] = page["items"]
        assert summary["run_id"] == second["run_id"]
        assert summary["status"] == "awaiting_approval"
        assert (summary["proposals"], summary["unmatched"]) == (3, 0)
        assert summary["objective"] == second["objective"]
        assert summary["created_by"] == "lead@example.org"

        read = client.get(
            f"/api/v1/matching/runs/{first['run_id']}", headers=bearer(people["lead"])
        )
        assert read.status_code == 200
        # The second run superseded the first: same pairs, none of them approvable.
        old = read.json()
        assert (old["status"], old["superseded_by"]) == ("superseded", second["run_id"])
        assert [m["status"] for m in old["matches"]] == ["superseded"] * 3
        same = ("run_id", "program", "objective", "unmatched", "fairness")
        assert {k: old[k] for k in same} == {k: first[k] for k in same}
        assert [m["score"] for m in old["matches"]] == [m["score"] for m in first["matches"]]

    def test_unknown_run_is_404(self, client: TestClient, people: dict[str, str]) -> None:
        response = client.get("/api/v1/matching/runs/9999", headers=bearer(people["org"]))
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


class TestDecisions:
    def test_approve_reject_and_approve_all(
        self, client: TestClient, people: dict[str, str], pilot: int
    ) -> None:
        payload = start_run(client, people["lead"], pilot)
        headers = bearer(people["lead"])
        ana, ben, chen = (proposal_for(payload, e) for e in ("E1", "E2", "E3"))

        approved = client.post(f"/api/v1/matching/proposals/{ana}:approve", headers=headers)
        assert approved.status_code == 200, approved.json()
        relationship = approved.json()
        assert relationship["status"] == "active" and relationship["program_id"] == pilot
        again = client.post(f"/api/v1/matching/proposals/{ana}:approve", headers=headers)
        assert again.status_code == 200 and again.json()["id"] == relationship["id"]

        rejected = client.post(f"/api/v1/matching/proposals/{chen}:reject", headers=headers)
        assert rejected.status_code == 200, rejected.json()
        assert rejected.json()["status"] == "rejected"
        assert rejected.json()["decided_by"] == "lead@example.org"
        conflict = client.post(f"/api/v1/matching/proposals/{chen}:approve", headers=headers)
        assert conflict.status_code == 409
        assert conflict.json()["error"]["code"] == "conflict"

        run_url = f"/api/v1/matching/runs/{payload['run_id']}"
        rest = client.post(f"{run_url}:approve-all", headers=headers)
        assert rest.status_code == 200
        assert rest.json() == {"approved": 1, "approved_ids": [ben], "refused": []}
        after = client.get(run_url, headers=headers).json()
        assert after["status"] == "closed"
        assert {m["mentee_id"]: m["status"] for m in after["matches"]} == {
            "E1": "approved",
            "E2": "approved",
            "E3": "rejected",
        }
        assert ben in {m["proposal_id"] for m in after["matches"]}

    def test_members_may_not_decide(
        self, client: TestClient, people: dict[str, str], pilot: int
    ) -> None:
        payload = start_run(client, people["lead"], pilot)
        proposal = proposal_for(payload, "E1")
        for who in ("mentor", "mentee", "elsewhere"):
            headers = bearer(people[who])
            for action in ("approve", "reject"):
                url = f"/api/v1/matching/proposals/{proposal}:{action}"
                assert client.post(url, headers=headers).status_code == 404, (who, action)
            run_url = f"/api/v1/matching/runs/{payload['run_id']}"
            assert client.post(f"{run_url}:approve-all", headers=headers).status_code == 404
            swap = client.post(
                f"{run_url}:swap", json={"first": proposal, "second": proposal}, headers=headers
            )
            assert swap.status_code == 404

    def test_unknown_proposal_is_404(self, client: TestClient, people: dict[str, str]) -> None:
        response = client.post(
            "/api/v1/matching/proposals/9999:approve", headers=bearer(people["org"])
        )
        assert response.status_code == 404


class TestSwap:
    def test_exchanges_mentors(
        self, client: TestClient, people: dict[str, str], pilot: int
    ) -> None:
        payload = start_run(client, people["lead"], pilot)
        ana, ben = proposal_for(payload, "E1"), proposal_for(payload, "E2")
        run_url = f"/api/v1/matching/runs/{payload['run_id']}"

        body = {"first": ana, "second": ben}
        lower = client.post(f"{run_url}:swap", json=body, headers=bearer(people["lead"]))
        assert lower.status_code == 409
        assert "lowers the score by" in lower.json()["error"]["message"]
        response = client.post(
            f"{run_url}:swap", json={**body, "accept_lower": True}, headers=bearer(people["lead"])
        )

        assert response.status_code == 200, response.json()
        first, second = response.json()
        assert (first["id"], second["id"]) == (ana, ben)
        assert first["status"] == second["status"] == "proposed"
        after = client.get(run_url, headers=bearer(people["lead"])).json()
        assert pairs(after) == {"E1": "M3", "E2": "M1", "E3": "M2"}
        by_id = {m["proposal_id"]: m for m in after["matches"]}
        assert (by_id[ana]["score"], by_id[ben]["score"]) == (first["score"], second["score"])
        assert by_id[ana]["reasons"] == first["reasons"]

    def test_a_swap_breaking_a_rule_is_409_and_changes_nothing(
        self, client: TestClient, people: dict[str, str], pilot: int
    ) -> None:
        payload = start_run(client, people["lead"], pilot)
        run_url = f"/api/v1/matching/runs/{payload['run_id']}"
        body = {"first": proposal_for(payload, "E2"), "second": proposal_for(payload, "E3")}
        response = client.post(f"{run_url}:swap", json=body, headers=bearer(people["lead"]))
        assert response.status_code == 409
        assert (
            "Ben Okoro cannot be paired with Xavier Dupont" in response.json()["error"]["message"]
        )
        assert client.get(run_url, headers=bearer(people["lead"])).json() == payload

    def test_proposals_of_another_run_or_a_bad_body_are_422(
        self, client: TestClient, people: dict[str, str], pilot: int
    ) -> None:
        first = start_run(client, people["lead"], pilot)
        second = start_run(client, people["lead"], pilot)
        headers = bearer(people["lead"])
        url = f"/api/v1/matching/runs/{first['run_id']}:swap"
        foreign = {"first": proposal_for(second, "E1"), "second": proposal_for(second, "E2")}
        assert client.post(url, json=foreign, headers=headers).status_code == 422
        mixed = {"first": proposal_for(first, "E1"), "second": proposal_for(second, "E2")}
        assert client.post(url, json=mixed, headers=headers).status_code == 422
        extra = {"first": 1, "second": 2, "third": 3}
        response = client.post(url, json=extra, headers=headers)
        assert response.status_code == 422
        assert "third" in {d["field"] for d in response.json()["error"]["details"]}


class TestRelationships:
    def test_coordinators_see_all_pairs_and_mentees_their_own(
        self, client: TestClient, services: Services, people: dict[str, str], pilot: int
    ) -> None:
        url = f"/api/v1/programs/{pilot}/relationships"
        ana = token_for(services, "ana@example.org")
        payload = start_run(client, people["lead"], pilot)
        # Proposals are for coordinators only.
        assert client.get(url, headers=bearer(people["lead"])).json()["items"] == []
        assert client.get(url, headers=bearer(ana)).json()["items"] == []

        approved = client.post(
            f"/api/v1/matching/runs/{payload['run_id']}:approve-all",
            headers=bearer(people["lead"]),
        )
        assert approved.json()["approved"] == 3 and approved.json()["refused"] == []

        everyone = client.get(url, headers=bearer(people["lead"]))
        assert everyone.status_code == 200
        assert {(r["mentee_name"], r["mentor_name"]) for r in everyone.json()["items"]} == {
            ("Ana Silva", "Yasmin Haddad"),
            ("Ben Okoro", "Zoe Park"),
            ("Chen Li", "Xavier Dupont"),
        }
        [own] = client.get(url, headers=bearer(ana)).json()["items"]
        assert (own["mentee_name"], own["mentor_name"]) == ("Ana Silva", "Yasmin Haddad")
        assert own["status"] == "active"
        assert not {"score", "reasons", "components"} & set(own)
        # A Pilot member who is in no pair sees none.
        assert client.get(url, headers=bearer(people["mentee"])).json()["items"] == []

    def test_a_mentor_sees_their_mentees(
        self, client: TestClient, services: Services, people: dict[str, str], pilot: int
    ) -> None:
        payload = start_run(client, people["lead"], pilot)
        client.post(
            f"/api/v1/matching/proposals/{proposal_for(payload, 'E3')}:approve",
            headers=bearer(people["lead"]),
        )
        client.post(
            f"/api/v1/matching/proposals/{proposal_for(payload, 'E1')}:approve",
            headers=bearer(people["lead"]),
        )
        url = f"/api/v1/programs/{pilot}/relationships"
        xavier = token_for(services, XAVIER["email"])
        assert [
            r["mentee_name"] for r in client.get(url, headers=bearer(xavier)).json()["items"]
        ] == ["Chen Li"]
        ben = token_for(services, "ben@example.org")
        assert client.get(url, headers=bearer(ben)).json()["items"] == []

    def test_people_outside_the_program_are_told_it_does_not_exist(
        self, client: TestClient, people: dict[str, str], pilot: int
    ) -> None:
        headers = bearer(people["elsewhere"])
        response = client.get(f"/api/v1/programs/{pilot}/relationships", headers=headers)
        missing = client.get("/api/v1/programs/987654/relationships", headers=headers)
        assert response.status_code == missing.status_code == 404
        assert response.json()["error"]["message"] == f"No program with id {pilot}."


class TestMatchingSettings:
    def patch(self, client: TestClient, token: str, program_id: int, matching: dict) -> Response:
        return client.patch(
            f"/api/v1/programs/{program_id}", json={"matching": matching}, headers=bearer(token)
        )

    def test_a_rule_change_applies_to_the_next_run(
        self, client: TestClient, people: dict[str, str], pilot: int
    ) -> None:
        assert pairs(start_run(client, people["lead"], pilot))["E1"] == "M1"  # both engineering

        response = self.patch(
            client, people["lead"], pilot, {"rules": {"exclude_same_department": True}}
        )
        assert response.status_code == 200, response.json()
        assert response.json()["matching"]["rules"]["exclude_same_department"] is True

        after = pairs(start_run(client, people["lead"], pilot))
        departments = {"E1": "engineering", "E2": "sales", "E3": "engineering", "M1": "engineering"}
        assert after and after != BEST_PAIRS
        for mentee_id, mentor_id in after.items():
            assert departments.get(mentee_id) != departments.get(mentor_id, "elsewhere")

    @pytest.mark.parametrize(
        ("matching", "field"),
        [
            ({"weights": {"semantic": 2}}, "matching.weights.semantic"),
            ({"rules": {"exclude_left_handers": True}}, "matching.rules.exclude_left_handers"),
            ({"rules": {"candidates_per_mentee": 0}}, "matching.rules.candidates_per_mentee"),
        ],
    )
    def test_invalid_settings_are_422(
        self, client: TestClient, people: dict[str, str], pilot: int, matching: dict, field: str
    ) -> None:
        response = self.patch(client, people["lead"], pilot, matching)
        assert response.status_code == 422
        error = response.json()["error"]
        assert error["code"] == "invalid_input"
        assert field in {d["field"] for d in error["details"]}, error

    def test_only_the_programs_coordinators_change_settings(
        self, client: TestClient, people: dict[str, str], pilot: int
    ) -> None:
        for who, status in REFUSED.items():
            rules = {"rules": {"exclude_same_department": True}}
            assert self.patch(client, people[who], pilot, rules).status_code == status, who

    def test_changing_one_setting_keeps_the_others(
        self, client: TestClient, people: dict[str, str], pilot: int
    ) -> None:
        weights = self.patch(client, people["lead"], pilot, {"weights": {"semantic": 0.9}})
        assert weights.json()["matching"]["weights"]["semantic"] == 0.9

        rules = self.patch(
            client, people["lead"], pilot, {"rules": {"exclude_same_department": True}}
        )

        matching = rules.json()["matching"]
        assert matching["rules"]["exclude_same_department"] is True
        assert matching["weights"]["semantic"] == 0.9


class TestNextSteps:
    """Approve-all reports refusals by name; a mentee without a pair can be paired by hand."""

    def test_pair_by_hand_then_approve_all_reports_what_it_refused(
        self, client: TestClient, people: dict[str, str], pilot: int
    ) -> None:
        headers = bearer(people["lead"])
        payload = start_run(client, people["lead"], pilot)
        run_url = f"/api/v1/matching/runs/{payload['run_id']}"
        chen = proposal_for(payload, "E3")
        assert client.post(f"/api/v1/matching/proposals/{chen}:reject", headers=headers).is_success

        options = client.get(f"{run_url}/mentees/E3/options", headers=headers)
        assert options.status_code == 200, options.json()
        shown = options.json()
        assert shown["mentee"] == "Chen Li"
        scores = [o["score"] for o in shown["options"]]
        assert scores == sorted(scores, reverse=True) and len(scores) == 3
        assert all(o["reasons"] for o in shown["options"])

        # A mentee with a pending proposal is not paired by hand.
        busy = client.post(
            f"{run_url}:pair",
            json={"mentee_id": "E1", "mentor_id": "M3", "note": "why not"},
            headers=headers,
        )
        assert busy.status_code == 409 and "pending proposal" in busy.json()["error"]["message"]
        no_note = client.post(
            f"{run_url}:pair",
            json={"mentee_id": "E3", "mentor_id": "M1", "note": " "},
            headers=headers,
        )
        assert no_note.status_code == 422

        paired = client.post(
            f"{run_url}:pair",
            json={"mentee_id": "E3", "mentor_id": "M1", "note": "Chen asked for Yasmin."},
            headers=headers,
        )
        assert paired.status_code == 201, paired.json()
        assert paired.json()["status"] == "approved"
        assert paired.json()["reasons"][0].startswith("Paired by hand by lead@example.org")
        assert paired.json()["reasons"][0].endswith("Chen asked for Yasmin.")

        # Yasmin is now full: approve-all approves Ben and names Ana's refused proposal.
        report = client.post(f"{run_url}:approve-all", headers=headers)
        assert report.status_code == 200
        body = report.json()
        assert body["approved"] == 1 and body["approved_ids"] == [proposal_for(payload, "E2")]
        [refused] = body["refused"]
        assert (refused["mentee"], refused["mentor"]) == ("Ana Silva", "Yasmin Haddad")
        assert refused["proposal_id"] == proposal_for(payload, "E1")
        assert "no capacity left" in refused["reason"]
        with client.app.state.services.sessions() as session:
            [event] = session.scalars(
                select(AuditEvent).where(AuditEvent.action == "matching.paired_by_hand")
            ).all()
            assert event.data["note"] == "Chen asked for Yasmin."

    def test_a_rule_still_holds_when_pairing_by_hand(
        self, client: TestClient, people: dict[str, str], pilot: int
    ) -> None:
        headers = bearer(people["lead"])
        payload = start_run(client, people["lead"], pilot)
        run_url = f"/api/v1/matching/runs/{payload['run_id']}"
        ben = proposal_for(payload, "E2")
        client.post(f"/api/v1/matching/proposals/{ben}:reject", headers=headers)
        shown = client.get(f"{run_url}/mentees/E2/options", headers=headers).json()
        assert "M2" not in [o["mentor_id"] for o in shown["options"]]
        assert [e["mentor_id"] for e in shown["excluded"]] == ["M2"]  # Ben avoids Xavier
        refused = client.post(
            f"{run_url}:pair",
            json={"mentee_id": "E2", "mentor_id": "M2", "note": "try anyway"},
            headers=headers,
        )
        assert refused.status_code == 409
        assert "Ben Okoro cannot be paired with Xavier Dupont" in refused.json()["error"]["message"]

    def test_a_superseded_run_offers_no_pairing(
        self, client: TestClient, people: dict[str, str], pilot: int
    ) -> None:
        headers = bearer(people["lead"])
        first = start_run(client, people["lead"], pilot)
        start_run(client, people["lead"], pilot)
        answer = client.get(
            f"/api/v1/matching/runs/{first['run_id']}/mentees/E1/options", headers=headers
        )
        assert answer.status_code == 409 and "superseded" in answer.json()["error"]["message"]

    @pytest.mark.parametrize("who", ["elsewhere", "mentor", "mentee"])
    def test_nobody_else_may_see_or_act_on_next_steps(
        self, client: TestClient, people: dict[str, str], pilot: int, who: str
    ) -> None:
        payload = start_run(client, people["lead"], pilot)
        run_url = f"/api/v1/matching/runs/{payload['run_id']}"
        chen = proposal_for(payload, "E3")
        client.post(f"/api/v1/matching/proposals/{chen}:reject", headers=bearer(people["lead"]))
        token = bearer(people[who])
        attempts = [
            client.get(f"{run_url}/mentees/E3/options", headers=token),
            client.post(
                f"{run_url}:pair",
                json={"mentee_id": "E3", "mentor_id": "M1", "note": "me"},
                headers=token,
            ),
            client.get(f"{run_url}/rebalance", headers=token),
            client.post(f"{run_url}:rebalance", headers=token),
            client.post(f"{run_url}:approve-all", headers=token),
        ]
        assert [a.status_code for a in attempts] == [404] * 5
        assert all(a.json()["error"]["code"] == "not_found" for a in attempts)
        after = client.get(run_url, headers=bearer(people["lead"])).json()
        assert [m["status"] for m in after["matches"]] == ["proposed", "proposed", "rejected"]

    def test_rebalance_with_no_group_to_lift_says_so(
        self, client: TestClient, people: dict[str, str], pilot: int
    ) -> None:
        payload = start_run(client, people["lead"], pilot)
        run_url = f"/api/v1/matching/runs/{payload['run_id']}"
        shown = client.get(f"{run_url}/rebalance", headers=bearer(people["lead"]))
        assert shown.status_code == 200
        assert shown.json()["boosted_group"] is None and shown.json()["cost"] == 0
        assert "nothing to re-balance" in shown.json()["note"]
        applied = client.post(f"{run_url}:rebalance", headers=bearer(people["lead"]))
        assert applied.status_code == 409
