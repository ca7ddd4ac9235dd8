"""What has happened in many relationships at once, each answer one query whatever their number."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from companion.relationships.models import (
    MentoringSession,
    Message,
    RelationshipMember,
    SessionStatus,
)


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
            MentoringSession.starts_at >= now - timedelta(hours=12),
        )
        .order_by(MentoringSession.starts_at)
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
