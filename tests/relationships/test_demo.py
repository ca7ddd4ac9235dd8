"""The demo program shows relationships at work: sessions, notes, goals, one stalled pair."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from companion import demo
from companion.drafting.models import Draft, DraftStatus
from companion.matching.cohort import settings_of
from companion.matching.models import MatchProposal, MatchRun
from companion.matching.profiles import to_profile
from companion.matching.scoring import rule_masks
from companion.participants.models import Participant
from companion.programs.models import Program
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


def test_every_demo_pair_keeps_the_programs_hard_rules(
    loaded: tuple[TestClient, int], services: Services
) -> None:
    """The demo's pairs are made directly, not by a matching run: each must still be one
    the matcher could propose (nobody mentored by their own manager, or by their manager's
    manager), as the guides call anything else a conflict of interest."""
    _, program_id = loaded
    with services.sessions() as session:
        program = session.get(Program, program_id)
        everyone = session.scalars(
            select(Participant).where(Participant.program_id == program_id)
        ).all()
        by_id = {p.id: p for p in everyone}
        managers = {p.external_id: p.manager_id for p in everyone}
        pairs = session.scalars(select(Relationship).where(Relationship.program_id == program_id))
        checked = 0
        for pair in pairs:
            if pair.mentee_id is None:
                continue
            mentee, mentor = by_id[pair.mentee_id], by_id[pair.mentor_id]
            masks = rule_masks(
                [to_profile(mentee)], [to_profile(mentor)], settings_of(program), managers=managers
            )
            assert masks.allowed[0][0], (mentee.name, mentor.name)
            checked += 1
    assert checked == 3
