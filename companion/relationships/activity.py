"""What has happened in many relationships at once, each answer one query whatever their number."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import Select, and_, bindparam, func, null, select
from sqlalchemy.orm import Session, aliased

from companion.relationships.models import (
    ActionItem,
    MentoringSession,
    Message,
    Modality,
    RelationshipMember,
    SessionStatus,
)

# A scheduled session that began up to this long ago is still the "next" one.
NEXT_SESSION_GRACE = timedelta(hours=12)


def session_counts(session: Session, relationship_ids: list[int]) -> dict[int, dict[str, int]]:
    """Relationship id -> sessions per status (every status present, 0 if none)."""
    counts: dict[int, dict[str, int]] = {
        rid: {s.value: 0 for s in SessionStatus} for rid in relationship_ids
    }
    if not relationship_ids:
        return counts
    rows = session.execute(
        select(MentoringSession.relationship_id, MentoringSession.status, func.count())
        .where(MentoringSession.relationship_id.in_(relationship_ids))
        .group_by(MentoringSession.relationship_id, MentoringSession.status)
    ).all()
    for rid, status, n in rows:
        counts[rid][SessionStatus(status).value] = n
    return counts


def next_sessions(
    session: Session, relationship_ids: list[int], now: datetime
) -> dict[int, MentoringSession]:
    """Relationship id -> its next scheduled session (one that began up to 12 hours ago counts)."""
    found: dict[int, MentoringSession] = {}
    if not relationship_ids:
        return found
    rows = session.scalars(
        select(MentoringSession)
        .where(
            MentoringSession.relationship_id.in_(relationship_ids),
            MentoringSession.status == SessionStatus.scheduled,
            MentoringSession.starts_at >= now - NEXT_SESSION_GRACE,
        )
        .order_by(MentoringSession.starts_at, MentoringSession.id)
    ).all()
    for row in rows:
        found.setdefault(row.relationship_id, row)
    return found


def unread_count(session: Session, member: RelationshipMember) -> int:
    """Messages of the member's thread they have not read, their own not counted."""
    return (
        session.scalar(
            select(func.count()).where(
                Message.relationship_id == member.relationship_id,
                Message.id > member.last_read_message_id,
                Message.author_id != member.participant_id,
            )
        )
        or 0
    )


def unread_counts(session: Session, members: list[RelationshipMember]) -> dict[int, int]:
    """Membership id -> messages of its thread the member has not read, in one query."""
    counts = {m.id: 0 for m in members}
    if not members:
        return counts
    rows = session.execute(
        select(RelationshipMember.id, func.count(Message.id))
        .join(
            Message,
            and_(
                Message.relationship_id == RelationshipMember.relationship_id,
                Message.id > RelationshipMember.last_read_message_id,
                Message.author_id != RelationshipMember.participant_id,
            ),
        )
        .where(RelationshipMember.id.in_(list(counts)))
        .group_by(RelationshipMember.id)
    ).all()
    counts.update(dict(rows))
    return counts


class NextSession(NamedTuple):
    """What a relationship's read shows of its next session."""

    id: int
    starts_at: datetime
    modality: Modality


@dataclass(frozen=True)
class Activity:
    """What has happened in one relationship: what its read shows besides its own row."""

    sessions: dict[str, int]  # sessions per status, every status present
    upcoming: NextSession | None  # as `next_sessions` finds it
    last_held_at: datetime | None  # the latest held session's start
    overdue_actions: int  # open action items due before `overdue_before`
    unread: int | None  # the member's unread messages; None without a member


def of_relationship(
    session: Session,
    relationship_id: int,
    *,
    now: datetime,
    overdue_before: date,
    member: RelationshipMember | None,
) -> Activity:
    """`session_counts`, `next_sessions`, the held and overdue facts of `health.assess` and
    `unread_count` for one relationship, in one statement: the read of one relationship
    is the API's commonest request (docs/performance.md, "Throughput")."""
    values: dict[str, object] = {
        "relationship_id": relationship_id,
        "since": now - NEXT_SESSION_GRACE,
        "overdue_before": overdue_before,
    }
    if member is not None:
        values |= {"last_read": member.last_read_message_id, "reader": member.participant_id}
    # Only columns: run on the session's connection, without the ORM's loading machinery
    # (half the time of this statement), after flushing as the session itself would.
    if session.autoflush:
        session.flush()
    statement = _activity_statement(reader=member is not None)
    row = session.connection().execute(statement, values).one()
    held = row.last_held_at
    if held is not None and held.tzinfo is None:
        held = held.replace(tzinfo=UTC)
    return Activity(
        sessions={status.value: row._mapping[status.value] for status in SessionStatus},
        upcoming=(
            NextSession(row.upcoming_id, row.upcoming_starts_at, row.upcoming_modality)
            if row.upcoming_id is not None
            else None
        ),
        last_held_at=held,
        overdue_actions=row.overdue,
        unread=row.unread,
    )


@cache
def _activity_statement(*, reader: bool) -> Select[Any]:
    """`of_relationship`'s statement, built once: building it costs more than running it."""
    relationship_id = bindparam("relationship_id")
    tally = (
        select(
            *(
                func.count().filter(MentoringSession.status == status).label(status.value)
                for status in SessionStatus
            ),
            func.max(MentoringSession.starts_at)
            .filter(MentoringSession.status == SessionStatus.held)
            .label("last_held_at"),
        )
        .where(MentoringSession.relationship_id == relationship_id)
        .subquery("tally")
    )
    candidate = aliased(MentoringSession)
    next_id = (
        select(candidate.id)
        .where(
            candidate.relationship_id == relationship_id,
            candidate.status == SessionStatus.scheduled,
            candidate.starts_at >= bindparam("since"),
        )
        .order_by(candidate.starts_at, candidate.id)
        .limit(1)
        .scalar_subquery()
    )
    overdue = (
        select(func.count())
        .select_from(ActionItem)
        .where(
            ActionItem.relationship_id == relationship_id,
            ActionItem.done_at.is_(None),
            ActionItem.due_date < bindparam("overdue_before"),
        )
        .scalar_subquery()
    )
    unread = (
        select(func.count())
        .select_from(Message)
        .where(
            Message.relationship_id == relationship_id,
            Message.id > bindparam("last_read"),
            Message.author_id != bindparam("reader"),
        )
        .scalar_subquery()
        if reader
        else null()
    )
    upcoming = aliased(MentoringSession, name="upcoming")
    return (
        select(
            tally,
            upcoming.id.label("upcoming_id"),
            upcoming.starts_at.label("upcoming_starts_at"),
            upcoming.modality.label("upcoming_modality"),
            overdue.label("overdue"),
            unread.label("unread"),
        )
        .select_from(tally)
        .outerjoin(upcoming, upcoming.id == next_id)
    )
