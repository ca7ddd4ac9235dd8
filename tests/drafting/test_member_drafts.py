"""Drafts every member of a relationship receives (an agenda, feedback prompts, a nudge)
hold only what each person shares with the other members: never what a mentee wrote
about their challenges, and not what they want from mentoring once they stop sharing it.
The mentor's brief, which the mentor alone receives, still leads with the challenge."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from companion.drafting.models import Draft
from companion.participants.models import Participant
from companion.relationships.models import MentoringSession, SessionStatus
from prompts.schemas import DraftKind
from tests.drafting.test_service import request
from tests.relationships.conftest import World

WANTS = "Lead the billing design review"
CHALLENGE = "My manager undermines me in front of the team and I do not know why"
MEMBERS = (DraftKind.agenda, DraftKind.feedback_prompts, DraftKind.nudge)


def _mentee_writes(world: World, shared: list[str] | None) -> None:
    """Eli writes what they want and their challenge, shares `shared` (None: all that can
    be shared); the pair met once, six weeks ago, so a nudge recalls what Eli wants."""
    with world.services.sessions() as session:
        eli = session.scalars(select(Participant).where(Participant.external_id == "E1")).one()
        eli.goals, eli.challenges, eli.shared_fields = WANTS, CHALLENGE, shared
        session.add(
            MentoringSession(
                relationship_id=world.first,
                starts_at=datetime.now(UTC) - timedelta(days=42),
                duration_minutes=45,
                status=SessionStatus.held,
                created_by="test",
            )
        )
        session.commit()


def _everything(draft: Draft) -> str:
    """All a reader of the draft could see: its text, content, request and sources."""
    return json.dumps(
        [draft.text, draft.content, draft.request, draft.sources], default=str
    ).lower()


@pytest.mark.parametrize("kind", MEMBERS)
def test_a_challenge_never_reaches_a_draft_every_member_receives(
    world: World, kind: DraftKind
) -> None:
    _mentee_writes(world, None)  # shares everything that can be shared
    draft = request(world, kind, relationship_id=world.first)
    assert "undermines" not in _everything(draft)


@pytest.mark.parametrize("kind", MEMBERS)
def test_what_the_mentee_stopped_sharing_stays_out(world: World, kind: DraftKind) -> None:
    _mentee_writes(world, ["title"])
    draft = request(world, kind, relationship_id=world.first)
    assert "billing design review" not in _everything(draft)


def test_what_the_mentee_shares_shapes_the_first_goal_and_the_nudge(world: World) -> None:
    _mentee_writes(world, None)
    nudge = request(world, DraftKind.nudge, relationship_id=world.first)
    assert "Lead the billing design review" in nudge.text
    agenda = request(world, DraftKind.agenda, relationship_id=world.first)
    assert 'what Eli wants, in their words ("Lead the billing design review")' in agenda.text


def test_the_brief_for_the_mentor_alone_leads_with_the_challenge(world: World) -> None:
    _mentee_writes(world, ["title"])
    brief = request(world, DraftKind.brief, relationship_id=world.first)
    assert "undermines me in front of the team" in brief.text
