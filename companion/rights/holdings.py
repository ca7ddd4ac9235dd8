"""Where one person's data lives: their profiles, relationships and what they wrote.

Read once, by `export` (to copy it) and `erasure` (to remove it), so the two cannot
disagree about what the service holds about someone.
"""

from __future__ import annotations

from dataclasses import dataclass

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

    @property
    def participant_ids(self) -> list[int]:
        return [p.id for p in self.participants]

    @property
    def relationship_ids(self) -> list[int]:
        return [r.id for r in self.relationships]

    def audit_condition(self) -> ColumnElement[bool]:
        """The audit events by this person, about them or what they wrote, or naming their
        address (an import, an invitation a coordinator sent)."""

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
    return Holdings(
        user=user,
        participants=participants,
        relationships=relationships,
        goal_ids=_ids(session, Goal.id, Goal.mentee_id.in_(pids)),
        note_ids=_ids(session, PrivateNote.id, PrivateNote.author_user_id == user.id),
        message_ids=_ids(session, Message.id, Message.author_id.in_(pids)),
        feedback_ids=_ids(session, Feedback.id, Feedback.participant_id.in_(pids)),
    )
