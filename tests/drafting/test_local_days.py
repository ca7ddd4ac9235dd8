"""Dates in drafts are the pair's own days: a session at 23:00 UTC is the next morning in
Berlin, and a nudge or brief names the day the pair will see in their calendar."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from companion.participants.models import Participant
from companion.relationships.models import ActionItem, MentoringSession, SessionStatus
from prompts.schemas import DraftKind
from tests.drafting.test_service import request
from tests.relationships.conftest import World


def _berlin_pair_with_late_sessions(world: World) -> tuple[datetime, datetime]:
    """The first pair in Berlin, a session held at 23:00 UTC forty days ago (the pair has
    stalled since) and one booked at 23:00 UTC in a week: each a day later in Berlin than
    in UTC."""
    today = datetime.now(UTC).date()
    held = datetime.combine(today - timedelta(days=40), time(23, 0), tzinfo=UTC)
    booked = datetime.combine(today + timedelta(days=7), time(23, 0), tzinfo=UTC)
    with world.services.sessions() as session:
        for external_id in ("E1", "M1"):
            person = session.scalars(
                select(Participant).where(Participant.external_id == external_id)
            ).one()
            person.timezone = "Europe/Berlin"
        for starts, status in ((held, SessionStatus.held), (booked, SessionStatus.scheduled)):
            session.add(
                MentoringSession(
                    relationship_id=world.first,
                    starts_at=starts,
                    duration_minutes=45,
                    status=status,
                    shared_notes="Talked about the design review.",
                    created_by="test",
                )
            )
        session.commit()
    return held, booked


def _spoken(day: datetime) -> str:
    local = (day + timedelta(hours=1)).date()  # Berlin in winter and late spring alike: +1/+2
    return f"{local.day} {local:%B %Y}"


def test_a_nudge_names_the_booked_day_as_the_pair_sees_it(world: World) -> None:
    _, booked = _berlin_pair_with_late_sessions(world)

    draft = request(world, DraftKind.nudge, relationship_id=world.first)

    text = str(draft.content)
    assert _spoken(booked) in text, text
    utc_day = booked.date()
    assert f"{utc_day.day} {utc_day:%B %Y}" not in text, text


def test_a_brief_dates_the_last_session_as_the_pair_saw_it(world: World) -> None:
    held, _ = _berlin_pair_with_late_sessions(world)

    draft = request(world, DraftKind.brief, relationship_id=world.first)

    assert _spoken(held) in draft.content["last_time"], draft.content["last_time"]


def test_an_agenda_says_what_is_due_against_its_session_day(world: World) -> None:
    """The agenda is for the booked session, read that day in Berlin: an action due that
    day is due "the day of this session", never "due in 8 days" from the drafting day."""
    _, booked = _berlin_pair_with_late_sessions(world)
    session_day = (booked + timedelta(hours=1)).date()
    with world.services.sessions() as session:
        mentee = session.scalars(select(Participant).where(Participant.external_id == "E1")).one()
        session.add(
            ActionItem(
                relationship_id=world.first,
                owner_id=mentee.id,
                text="Send the draft design note",
                due_date=session_day,
                created_by="test",
            )
        )
        session.commit()

    draft = request(world, DraftKind.agenda, relationship_id=world.first)

    text = str(draft.content)
    assert f"due {_spoken(booked)}, the day of this session" in text, text
    assert "due in" not in text, text
