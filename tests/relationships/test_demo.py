"""The demo program shows relationships at work: sessions, notes, goals, one stalled pair."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from companion import demo
from companion.drafting.models import Draft, DraftStatus
from companion.matching.models import MatchProposal, MatchRun
from companion.relationships.models import Relationship, RelationshipMember
from companion.runtime import Services
from prompts.schemas import DraftKind
from tests.helpers import app_for, bearer

MENTOR, MENTEE, COORDINATOR = "mc_demo-mentor", "mc_demo-mentee", "mc_demo-coordinator"


@pytest.fixture
def loaded(services: Services) -> Iterator[tuple[TestClient, int]]:
    with services.sessions() as session:
        demo.load(session=session, vectors=services.profile_vectors, services=services)
        session.commit()
        program_id = session.scalar(select(MatchRun.program_id))
    with TestClient(app_for(services)) as client:
        yield client, program_id


def test_the_demo_has_pairs_with_a_history_and_one_stalled(
    loaded: tuple[TestClient, int], services: Services
) -> None:
    client, program_id = loaded
    health = client.get(
        f"/api/v1/programs/{program_id}/relationships/health", headers=bearer(COORDINATOR)
    ).json()
    assert health["relationships"] == {"active": 3}
    assert health["sessions"]["held"] == 6 and health["sessions"]["scheduled"] == 2
    [stalled] = health["stalled"]
    assert stalled["members"] == ["Rebecca Goldberg", "Emily Carter"]
    statuses = {g["status"] for item in health["per_relationship"] for g in item["goals"]}
    assert statuses == {"active", "draft", "achieved"}
    assert health["feedback"]["responses"] == 2

    [own] = client.get(
        f"/api/v1/programs/{program_id}/relationships", headers=bearer(MENTEE)
    ).json()["items"]
    assert (own["mentor_name"], own["mentee_name"]) == ("Priya Raman", "Samuel Okafor")
    assert own["sessions"]["held"] == 3 and own["next_session"] is not None
    sessions = client.get(
        f"/api/v1/relationships/{own['id']}/sessions", headers=bearer(MENTOR)
    ).json()
    assert [s["status"] for s in sessions["items"]] == ["scheduled", "held", "held", "held"]
    goals = client.get(f"/api/v1/relationships/{own['id']}/goals", headers=bearer(MENTOR))
    # The mentor sees the goal Samuel shared, not his private draft.
    assert [g["title"] for g in goals.json()["items"]] == [
        "Lead a design review for a service other teams depend on"
    ]
    assert "Speak up" not in goals.text
    actions = client.get(
        f"/api/v1/relationships/{own['id']}/action-items", headers=bearer(MENTEE)
    ).json()
    assert [a["done"] for a in actions] == [True, True, False]

    # The pending run proposes only mentees who are not paired yet.
    with services.sessions() as session:
        paired = set(session.scalars(select(RelationshipMember.participant_id)))
        proposed = set(session.scalars(select(MatchProposal.mentee_id)))
        assert proposed and not proposed & paired
        # Loading again adds nothing.
        demo.load(session=session, vectors=services.profile_vectors, services=services)
        session.commit()
        assert session.scalar(select(func.count()).select_from(Relationship)) == 3
        drafts = session.scalars(select(Draft)).all()
    # Every draft kind, by the offline drafter, waiting for review.
    assert sorted(d.kind for d in drafts) == sorted(k.value for k in DraftKind)
    assert {(d.status, d.model) for d in drafts} == {(DraftStatus.pending_review, "offline")}
