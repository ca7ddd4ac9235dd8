"""A nudge is for a pair that has gone quiet. One that is meeting (not stalled, its next
session booked) was nudged to "pick up" what it never put down: a reader who had not
read the code rejected that draft. It is refused, saying why, and nothing is drafted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from companion.drafting.models import Draft
from tests.relationships.conftest import World


def _book(world: World) -> None:
    starts = (datetime.now(UTC) + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    proposed = world.client.post(
        f"/api/v1/relationships/{world.first}/sessions",
        headers=world.headers("maya"),
        json={"starts_at": starts.isoformat()},
    )
    assert proposed.status_code == 201, proposed.json()
    accepted = world.client.post(
        f"/api/v1/sessions/{proposed.json()['id']}/accept", headers=world.headers("eli")
    )
    assert accepted.status_code == 200, accepted.json()


def _drafts(world: World) -> int:
    with world.services.sessions() as session:
        return session.scalar(select(func.count()).select_from(Draft))


def _nudge(world: World):
    return world.client.post(
        "/api/v1/drafts",
        headers=world.headers("lead"),
        json={"kind": "nudge", "relationship_id": world.first},
    )


def test_a_pair_meeting_on_schedule_is_not_nudged(world: World) -> None:
    _book(world)
    before = _drafts(world)

    refused = _nudge(world)

    assert refused.status_code == 409, refused.json()
    message = refused.json()["error"]["message"]
    assert "is not stalled" in message and "next session is booked for" in message
    assert _drafts(world) == before


def test_a_stalled_pair_with_a_session_booked_is_nudged(world: World) -> None:
    _book(world)
    world.stall(world.first)

    assert _nudge(world).status_code == 201
