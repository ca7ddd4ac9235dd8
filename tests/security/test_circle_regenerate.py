"""Defect 5: regenerating a draft in a circle re-drafts from exactly its own subject.

Mentee G of a circle drafts her SMART goal, asks for changes and regenerates it.
The new version must be made from G's profile, never from another mentee's (the
circle's first mentee, F), and only someone entitled to the draft may regenerate it.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from companion.accounts import service as accounts
from companion.drafting import service as drafting
from companion.participants.models import Participant
from tests.drafting.test_service import Loopback, gateway_for, loopback  # noqa: F401
from tests.helpers import TEST_ACTOR, bearer
from tests.relationships.conftest import World, world  # noqa: F401

F_PROFILE = "F-ONLY: wants to move into data science"
G_PROFILE = "G-ONLY: wants to lead the release train"


def smart_goal() -> str:
    target = date.today() + timedelta(days=90)
    return json.dumps(
        {
            "goal": "Lead two release trains by the end of the quarter",
            "specific": "Lead the release train",
            "measurable": "Two releases shipped",
            "achievable": "With the mentor's support",
            "relevant": "It is the next step",
            "time_bound": "Within the quarter",
            "target_date": target.isoformat(),
            "milestones": [
                {"text": "Shadow a release", "due_date": (target - timedelta(days=60)).isoformat()},
                {"text": "Lead a release", "due_date": (target - timedelta(days=10)).isoformat()},
            ],
        }
    )


@pytest.fixture
def circle(world: World, loopback: Loopback, monkeypatch) -> dict:  # noqa: F811
    """A circle of mentor M1 with mentees F (Pia, first) and G (Quinn), drafting remotely."""
    formed = world.client.post(
        f"/api/v1/programs/{world.pilot}/circles",
        headers=world.headers("lead"),
        json={"name": "Release planners", "mentor": "M1", "mentees": ["E3", "E4"]},
    )
    assert formed.status_code == 201, formed.text
    with world.services.sessions() as session:
        people = {
            p.external_id: p
            for p in session.scalars(
                select(Participant).where(Participant.program_id == world.pilot)
            )
        }
        people["E3"].goals = F_PROFILE
        people["E4"].goals = G_PROFILE
        quinn = accounts.get_by_email(session=session, email="quinn@example.org")
        token = accounts.issue_token(
            session=session, user=quinn, name="test", actor=TEST_ACTOR
        ).plaintext
        session.commit()
    monkeypatch.setattr(drafting, "Gateway", lambda settings: gateway_for(world, loopback))
    return {"id": formed.json()["id"], "g": bearer(token), "f": world.headers("pia")}


def decide(world: World, headers: dict, draft: dict, action: str, **extra) -> dict:  # noqa: F811
    response = world.client.post(
        f"/api/v1/review/drafts/{draft['id']}/decisions",
        headers=headers,
        json={"action": action, "version": draft["version"], **extra},
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_a_regenerated_goal_is_drafted_from_its_own_mentee(
    world: World,  # noqa: F811
    loopback: Loopback,  # noqa: F811
    circle: dict,
) -> None:
    loopback.script = [(200, smart_goal()), (200, smart_goal())]
    asked = world.client.post(
        "/api/v1/drafts",
        headers=circle["g"],
        json={"kind": "smart_goal", "relationship_id": circle["id"], "text": "Lead releases"},
    )
    assert asked.status_code == 201, asked.text
    first_prompt = loopback.sent_text()
    assert G_PROFILE in first_prompt and F_PROFILE not in first_prompt

    draft = decide(world, circle["g"], asked.json(), "request_changes", note="Make it bolder")
    draft = decide(world, circle["g"], draft, "regenerate")

    assert draft["status"] == "pending_review"
    regenerated = "\n".join(m["content"] for m in loopback.requests[-1]["messages"])
    assert G_PROFILE in regenerated
    assert F_PROFILE not in regenerated
    # Still G's draft: F may not read it, exactly as if it did not exist.
    assert world.client.get(f"/api/v1/drafts/{draft['id']}", headers=circle["g"]).status_code == 200
    assert world.client.get(f"/api/v1/drafts/{draft['id']}", headers=circle["f"]).status_code == 404


def test_only_someone_entitled_to_the_draft_regenerates_it(
    world: World,  # noqa: F811
    loopback: Loopback,  # noqa: F811
    circle: dict,
) -> None:
    loopback.script = [(200, smart_goal())]
    asked = world.client.post(
        "/api/v1/drafts",
        headers=circle["g"],
        json={"kind": "smart_goal", "relationship_id": circle["id"], "text": "Lead releases"},
    ).json()
    draft = decide(world, circle["g"], asked, "request_changes", note="Make it bolder")
    sent = len(loopback.requests)

    def regenerate(headers: dict, draft_id: int) -> tuple[int, dict]:
        response = world.client.post(
            f"/api/v1/review/drafts/{draft_id}/decisions",
            headers=headers,
            json={"action": "regenerate", "version": draft["version"]},
        )
        return response.status_code, response.json()

    missing = 9_999_999
    for who in (circle["f"], world.headers("maya"), world.headers("lead")):
        status, body = regenerate(who, draft["id"])
        assert status == 404
        assert json.dumps(body).replace(str(draft["id"]), "ID") == json.dumps(
            regenerate(who, missing)[1]
        ).replace(str(missing), "ID")
    assert len(loopback.requests) == sent  # nothing was drafted for them
