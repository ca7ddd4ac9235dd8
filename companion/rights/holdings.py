"""Where one person's data lives: their profiles, relationships and what they wrote.

Read once, by `export` (to copy it) and `erasure` (to remove it), so the two cannot
disagree about what the service holds about someone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, String, and_, cast, false, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session, selectinload

from companion.accounts.models import User
from companion.audit.models import AuditEvent
from companion.participants.models import Participant
from companion.relationships.models import (
    Feedback,
    Goal,
    Message,
    PrivateNote,
    Relationship,
    RelationshipMember,
)


@dataclass
class Holdings:
    user: User
    participants: list[Participant]
    relationships: list[Relationship]
    goal_ids: list[int]
    note_ids: list[int]
    message_ids: list[int]
    feedback_ids: list[int]
    # When each row the audit trail may name by id began: (table, id) -> created_at.
    # On SQLite an erased row's id can be given to a new row; the events before the new
    # row began are the erased one's.
    began: dict[tuple[str, str], datetime] = field(default_factory=dict)

    @property
    def participant_ids(self) -> list[int]:
        return [p.id for p in self.participants]

    @property
    def relationship_ids(self) -> list[int]:
        return [r.id for r in self.relationships]

    def audit_events(self, session: Session) -> list[AuditEvent]:
        """The audit events by this person, about them or what they wrote, or naming their
        address (an import, an invitation a coordinator sent), oldest first."""
        found = session.scalars(
            select(AuditEvent).where(self.audit_condition()).order_by(AuditEvent.seq)
        )
        return [event for event in found if self.concerns(event)]

    def concerns(self, event: AuditEvent) -> bool:
        """Whether an event the SQL condition found is really this person's: their address
        exactly, not inside another one ("r@x.org" is in "bar@x.org"), and ids only from
        when the row they name began."""
        email = self.user.email.lower()
        if event.actor_label.lower() == email or _names(event.data, email):
            return True
        at = event.occurred_at
        if event.actor_id == self.user.id and at >= self.user.created_at:
            return True
        began = self.began.get((event.subject_type, event.subject_id))
        return began is not None and at >= began

    def audit_condition(self) -> ColumnElement[bool]:
        """SQL for the events that may be this person's (`concerns` decides)."""

        def about(subject_type: str, ids: list[int]) -> ColumnElement[bool]:
            if not ids:
                return false()
            return and_(
                AuditEvent.subject_type == subject_type,
                AuditEvent.subject_id.in_([str(i) for i in ids]),
            )

        email = self.user.email
        return or_(
            AuditEvent.actor_id == self.user.id,
            AuditEvent.actor_label == email,
            cast(AuditEvent.data, String).contains(email, autoescape=True),
            about("user", [self.user.id]),
            about("participants", self.participant_ids),
            about(Goal.__tablename__, self.goal_ids),
            about(PrivateNote.__tablename__, self.note_ids),
            about(Message.__tablename__, self.message_ids),
            about(Feedback.__tablename__, self.feedback_ids),
        )


def _names(value: Any, email: str) -> bool:
    """Whether a piece of event data holds `email` as one of its values."""
    if isinstance(value, str):
        return value.strip().lower() == email
    if isinstance(value, dict):
        return any(_names(v, email) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_names(v, email) for v in value)
    return False


def _began(
    session: Session, table: str, id_column: Any, created: Any, condition: ColumnElement[bool]
) -> dict[tuple[str, str], datetime]:
    rows = session.execute(select(id_column, created).where(condition))
    return {(table, str(row_id)): at for row_id, at in rows}


def _ids(
    session: Session, column: InstrumentedAttribute[int], condition: ColumnElement[bool]
) -> list[int]:
    return list(session.scalars(select(column).where(condition).order_by(column)))


def of(*, session: Session, user: User) -> Holdings:
    participants = list(
        session.scalars(
            select(Participant).where(Participant.user_id == user.id).order_by(Participant.id)
        )
    )
    pids = [p.id for p in participants]
    relationships = list(
        session.scalars(
            select(Relationship)
            .where(
                Relationship.id.in_(
                    select(RelationshipMember.relationship_id).where(
                        RelationshipMember.participant_id.in_(pids)
                    )
                )
            )
            .options(selectinload(Relationship.members))
            .order_by(Relationship.id)
        )
    )
    held = Holdings(
        user=user,
        participants=participants,
        relationships=relationships,
        goal_ids=_ids(session, Goal.id, Goal.mentee_id.in_(pids)),
        note_ids=_ids(session, PrivateNote.id, PrivateNote.author_user_id == user.id),
        message_ids=_ids(session, Message.id, Message.author_id.in_(pids)),
        feedback_ids=_ids(session, Feedback.id, Feedback.participant_id.in_(pids)),
    )
    held.began = {
        ("user", str(user.id)): user.created_at,
        **{("participants", str(p.id)): p.created_at for p in participants},
        # A private note keeps no creation time; it cannot be older than its author.
        **{(PrivateNote.__tablename__, str(i)): user.created_at for i in held.note_ids},
        **_began(session, Goal.__tablename__, Goal.id, Goal.created_at, Goal.mentee_id.in_(pids)),
        **_began(
            session,
            Message.__tablename__,
            Message.id,
            Message.created_at,
            Message.author_id.in_(pids),
        ),
        **_began(
            session,
            Feedback.__tablename__,
            Feedback.id,
            Feedback.submitted_at,
            Feedback.participant_id.in_(pids),
        ),
    }
    return held
