"""Drafts every member of a relationship receives (an agenda, feedback prompts, a nudge)
hold only what each person shares with the other members: never what a mentee wrote
about their challenges, and not what they want from mentoring once they stop sharing it.
The mentor's brief keeps them back too: the mentor is one of the other members."""

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
        session.add(_held_six_weeks_ago(world.first))
        session.commit()


def _held_six_weeks_ago(relationship_id: int) -> MentoringSession:
    return MentoringSession(
        relationship_id=relationship_id,
        starts_at=datetime.now(UTC) - timedelta(days=42),
        duration_minutes=45,
        status=SessionStatus.held,
        created_by="test",
    )


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


@pytest.mark.parametrize("shared", [None, ["title"]])
def test_the_mentors_brief_keeps_what_the_mentee_keeps_back(
    world: World, shared: list[str] | None
) -> None:
    # The page a mentee shares from promises that what they wrote about their challenges
    # is never shown to the other members; the brief goes to the mentor.
    _mentee_writes(world, shared)
    brief = request(world, DraftKind.brief, relationship_id=world.first)
    assert "undermines" not in _everything(brief)
    if shared is not None:
        assert "billing design review" not in _everything(brief)


def _circle_with_goals(world: World) -> int:
    """A circle of mentor M1 with mentees E3 and E4; E3 has a goal shared with the mentor
    and one shared with the program, and the circle met six weeks ago."""
    from companion.accounts.principal import System
    from companion.programs.models import Program
    from companion.relationships import service as relationships
    from companion.relationships.models import Goal, GoalStatus, GoalVisibility
    from tests.helpers import TEST_ACTOR

    with world.services.sessions() as session:
        circle = relationships.create_circle(
            session=session,
            program=session.get(Program, world.pilot),
            name="Planners",
            mentor="M1",
            mentees=["E3", "E4"],
            principal=System(TEST_ACTOR.label),
        )
        e3 = session.scalars(select(Participant).where(Participant.external_id == "E3")).one()
        for title, visibility in (
            ("Negotiate the Halden supplier contract", GoalVisibility.mentor),
            ("Present the Halden forecast to the board", GoalVisibility.program),
        ):
            session.add(
                Goal(
                    relationship_id=circle.id,
                    mentee_id=e3.id,
                    title=title,
                    status=GoalStatus.active,
                    visibility=visibility,
                )
            )
        session.add(_held_six_weeks_ago(circle.id))
        session.commit()
        return circle.id


@pytest.mark.parametrize("kind", MEMBERS)
def test_in_a_circle_no_mentees_goal_reaches_a_draft_every_member_receives(
    world: World, kind: DraftKind
) -> None:
    # Another mentee of a circle may not know a mentee's goals exist (goals.sight), and
    # an agenda, feedback prompts or a nudge go to every member.
    circle = _circle_with_goals(world)
    draft = request(world, kind, relationship_id=circle)
    assert "halden" not in _everything(draft)


def test_in_a_circle_the_mentors_brief_still_has_the_goals(world: World) -> None:
    circle = _circle_with_goals(world)
    brief = request(world, DraftKind.brief, relationship_id=circle)
    assert "Halden supplier contract" in brief.text
