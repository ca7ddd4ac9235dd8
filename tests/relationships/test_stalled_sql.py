"""The stalled rule is stated twice: in Python for relationships already read
(`health.assess`, which also says why) and in SQL for a list the database pages
(`health.stalled_clause`). Here they are checked against each other, relationship by
relationship, around every edge of the rule: the day a quiet pair turns stalled, a pair
never met, sessions booked but not held, action items done or due, paused and ended
pairs, a start date or only a creation time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import product

from sqlalchemy import select
from sqlalchemy.orm import Session

from companion.participants.models import Participant
from companion.programs import service as programs
from companion.relationships import health
from companion.relationships import service as relationships
from companion.relationships.models import (
    ActionItem,
    MentoringSession,
    Relationship,
    RelationshipStatus,
    SessionStatus,
)
from tests.helpers import TEST_SYSTEM

NOW = datetime(2026, 6, 15, 10, 30, tzinfo=UTC)


def _person(session: Session, program_id: int, external_id: str, role: str) -> Participant:
    person = Participant(
        program_id=program_id,
        external_id=external_id,
        name=f"Person {external_id}",
        email=f"{external_id.lower()}@example.org",
        role=role,
        capacity=1 if role == "mentor" else 0,
    )
    session.add(person)
    session.flush()
    return person


def test_sql_and_python_agree_on_every_relationship(session: Session) -> None:
    program = programs.create(session=session, name="Edges", principal=TEST_SYSTEM)
    program.stalled_after_days = 21
    program.overdue_after_days = 7
    quiet = program.stalled_after_days
    # Days before NOW: either side of the threshold, and the threshold itself.
    ages = (None, 0, quiet - 1, quiet, quiet + 1, quiet + 2, 200)
    statuses = tuple(RelationshipStatus)
    cases = product(
        ages, (1, quiet, quiet + 1, 90, None), statuses, ("none", "open", "due", "done")
    )
    for n, (held_age, start_age, status, action) in enumerate(cases, 1):
        mentor = _person(session, program.id, f"M{n}", "mentor")
        mentee = _person(session, program.id, f"E{n}", "mentee")
        pair = relationships.create_pair(
            session=session,
            program=program,
            mentor_id=mentor.id,
            mentee_id=mentee.id,
            start=(NOW - timedelta(days=start_age or 0)).date(),
        )
        pair.status = status
        # Without a start date the creation time counts, at hours that straddle midnight.
        if start_age is None:
            pair.start_date = None
        pair.created_at = NOW - timedelta(days=quiet + 1, hours=n % 24)
        if held_age is not None:
            held = NOW - timedelta(days=held_age, hours=n % 3)
            session.add(
                MentoringSession(
                    relationship_id=pair.id,
                    starts_at=held,
                    duration_minutes=30,
                    status=SessionStatus.held,
                    created_by="test",
                )
            )
        # A session booked but not held never counts as met.
        session.add(
            MentoringSession(
                relationship_id=pair.id,
                starts_at=NOW - timedelta(days=2),
                duration_minutes=30,
                status=SessionStatus.scheduled,
                created_by="test",
            )
        )
        if action != "none":
            overdue = program.overdue_after_days + (1 if action != "due" else 0)
            session.add(
                ActionItem(
                    relationship_id=pair.id,
                    owner_id=mentee.id,
                    text="Send the summary",
                    due_date=NOW.date() - timedelta(days=overdue),
                    done_at=NOW if action == "done" else None,
                    created_by="test",
                )
            )
    session.flush()

    rows = list(
        session.scalars(select(Relationship).where(Relationship.program_id == program.id)).all()
    )
    flags = health.assess(session=session, program=program, relationships=rows, now=NOW)
    in_python = {r.id for r in rows if flags[r.id].stalled}
    in_sql = set(
        session.scalars(
            select(Relationship.id).where(
                Relationship.program_id == program.id,
                health.stalled_clause(program=program, now=NOW),
            )
        )
    )
    assert in_sql == in_python
    # Both sides of the rule are exercised, not one vacuous answer.
    assert 0 < len(in_python) < len(rows)


def test_the_stalled_list_pages_in_the_database(session: Session) -> None:
    program = programs.create(session=session, name="Paging", principal=TEST_SYSTEM)
    stalled_ids = []
    for n in range(7):
        mentor = _person(session, program.id, f"M{n}", "mentor")
        mentee = _person(session, program.id, f"E{n}", "mentee")
        # Every other pair started long ago and never met: stalled.
        started = date(2026, 1, 5) if n % 2 == 0 else NOW.date()
        pair = relationships.create_pair(
            session=session,
            program=program,
            mentor_id=mentor.id,
            mentee_id=mentee.id,
            start=started,
        )
        if n % 2 == 0:
            stalled_ids.append(pair.id)
    session.flush()
    seen = []
    for offset in (0, 2, 4):
        page, total = relationships.list_visible(
            session=session,
            program=program,
            principal=TEST_SYSTEM,
            stalled_only=True,
            limit=2,
            offset=offset,
            now=NOW,
        )
        assert total == len(stalled_ids)
        assert all(item.stalled for item in page)
        seen += [item.id for item in page]
    assert seen == stalled_ids
