"""ORM models of mentoring relationships and everything that happens inside one.

A relationship is a pair (one mentor, one mentee) or a circle (one mentor
leading several mentees). Members are the source of truth for who belongs;
`mentor_id`/`mentee_id` stay on the row for pairs so that matching can read
occupancy in one query.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from companion.db.base import Base, UTCDateTime, utcnow


def _enum(cls: type[enum.Enum], length: int = 20) -> Enum:
    return Enum(cls, native_enum=False, length=length, validate_strings=True)


class RelationshipKind(enum.StrEnum):
    pair = "pair"
    circle = "circle"


class RelationshipStatus(enum.StrEnum):
    active = "active"
    paused = "paused"
    completed = "completed"
    ended_early = "ended_early"

    @property
    def is_open(self) -> bool:
        return self in (RelationshipStatus.active, RelationshipStatus.paused)


class MemberRole(enum.StrEnum):
    mentor = "mentor"
    mentee = "mentee"


class Modality(enum.StrEnum):
    video = "video"
    phone = "phone"
    in_person = "in_person"
    chat = "chat"


class SessionStatus(enum.StrEnum):
    # A time one member proposed, waiting for another member to accept, decline or
    # suggest another; `scheduled` is a confirmed session (both sides agreed, or a
    # coordinator booked it).
    proposed = "proposed"
    declined = "declined"
    scheduled = "scheduled"
    held = "held"
    cancelled = "cancelled"
    no_show = "no_show"


class GoalStatus(enum.StrEnum):
    draft = "draft"
    active = "active"
    achieved = "achieved"
    dropped = "dropped"


class GoalVisibility(enum.StrEnum):
    """Who besides the mentee may read a goal's text."""

    private = "private"  # the mentee alone
    mentor = "mentor"  # and the relationship's mentor
    program = "program"  # and the program's coordinators too


class GoalOutcome(enum.StrEnum):
    achieved = "achieved"
    partly_achieved = "partly_achieved"
    not_achieved = "not_achieved"


class Relationship(Base):
    """An approved mentoring pair or circle; participants see only these, never proposals."""

    __tablename__ = "relationships"

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(
        ForeignKey("programs.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[RelationshipKind] = mapped_column(
        _enum(RelationshipKind, 10), default=RelationshipKind.pair
    )
    name: Mapped[str] = mapped_column(String(200), default="")
    mentor_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    # The mentee of a pair; None for a circle (its mentees are in `members`).
    mentee_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("match_proposals.id", ondelete="SET NULL")
    )
    status: Mapped[RelationshipStatus] = mapped_column(
        _enum(RelationshipStatus), default=RelationshipStatus.active
    )
    start_date: Mapped[date | None] = mapped_column(Date)
    planned_end_date: Mapped[date | None] = mapped_column(Date)
    # The agreement: None means "as the program says".
    cadence_days: Mapped[int | None]
    modalities: Mapped[list[str]] = mapped_column(JSON, default=list)
    end_reason: Mapped[str] = mapped_column(Text, default="")
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # Never loaded one relationship at a time behind the caller's back (a list of 100
    # pairs would cost 100 queries): queries ask for it (`selectinload`), and
    # `access.load_members` fills in, in one query for many, what a query did not load
    # or a rolled-back savepoint expired. Reading it unloaded is a bug, and raises.
    members: Mapped[list[RelationshipMember]] = relationship(
        back_populates="relationship",
        cascade="all, delete-orphan",
        order_by="RelationshipMember.id",
        lazy="raise",
    )


class RelationshipMember(Base):
    __tablename__ = "relationship_members"
    __table_args__ = (UniqueConstraint("relationship_id", "participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    relationship_id: Mapped[int] = mapped_column(
        ForeignKey("relationships.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[MemberRole] = mapped_column(_enum(MemberRole, 10))
    # What this member expects of the relationship, in their own words.
    expectations: Mapped[str] = mapped_column(Text, default="")
    closing_reflection: Mapped[str] = mapped_column(Text, default="")
    reflected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Whether this member agrees to a success story about the relationship being drafted.
    story_consent: Mapped[bool] = mapped_column(default=False)
    # Messages of the thread with an id up to this one have been read.
    last_read_message_id: Mapped[int] = mapped_column(default=0)

    relationship: Mapped[Relationship] = relationship(back_populates="members")


class MentoringSession(Base):
    __tablename__ = "mentoring_sessions"
    __table_args__ = (
        Index("ix_mentoring_sessions_relationship_starts", "relationship_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    relationship_id: Mapped[int] = mapped_column(ForeignKey("relationships.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int]
    modality: Mapped[Modality] = mapped_column(_enum(Modality), default=Modality.video)
    status: Mapped[SessionStatus] = mapped_column(
        _enum(SessionStatus), default=SessionStatus.scheduled
    )
    shared_notes: Mapped[str] = mapped_column(Text, default="")
    # Set by the review workflow once an agenda draft is approved and delivered.
    agenda_draft_id: Mapped[int | None]
    # Questions per member role ({"mentor": [...], "mentee": [...]}), set when drafted
    # feedback prompts for this session are approved and delivered before anyone has
    # answered; None: the program's questions.
    feedback_questions: Mapped[dict[str, list[str]] | None] = mapped_column(JSON)
    # Bumped on every change of time or status, for calendar clients (iCalendar SEQUENCE).
    sequence: Mapped[int] = mapped_column(default=0)
    # Who proposed the time it has now (a member), and when; None for a session a
    # coordinator booked or one recorded after it happened.
    proposed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL")
    )
    proposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the time it has now was agreed: accepted, booked by a coordinator, or moved.
    # None for sessions booked before proposals existed.
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class PrivateNote(Base):
    """A session note only its author ever sees."""

    __tablename__ = "session_private_notes"
    __table_args__ = (UniqueConstraint("session_id", "author_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("mentoring_sessions.id", ondelete="CASCADE"), index=True
    )
    author_user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ActionItem(Base):
    __tablename__ = "action_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    relationship_id: Mapped[int] = mapped_column(
        ForeignKey("relationships.id", ondelete="CASCADE"), index=True
    )
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("mentoring_sessions.id", ondelete="SET NULL")
    )
    owner_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    due_date: Mapped[date | None] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Goal(Base):
    """A mentee's goal, its five SMART parts stored apart."""

    __tablename__ = "goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    relationship_id: Mapped[int] = mapped_column(
        ForeignKey("relationships.id", ondelete="CASCADE"), index=True
    )
    mentee_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(300))
    specific: Mapped[str] = mapped_column(Text, default="")
    measurable: Mapped[str] = mapped_column(Text, default="")
    achievable: Mapped[str] = mapped_column(Text, default="")
    relevant: Mapped[str] = mapped_column(Text, default="")
    time_bound: Mapped[str] = mapped_column(Text, default="")
    target_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[GoalStatus] = mapped_column(_enum(GoalStatus), default=GoalStatus.draft)
    visibility: Mapped[GoalVisibility] = mapped_column(
        _enum(GoalVisibility), default=GoalVisibility.private
    )
    progress: Mapped[int] = mapped_column(default=0)
    final_outcome: Mapped[GoalOutcome | None] = mapped_column(_enum(GoalOutcome))
    final_assessment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    milestones: Mapped[list[Milestone]] = relationship(
        cascade="all, delete-orphan", order_by="Milestone.id"
    )
    check_ins: Mapped[list[CheckIn]] = relationship(
        cascade="all, delete-orphan", order_by="CheckIn.id"
    )


class Milestone(Base):
    __tablename__ = "goal_milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    due_date: Mapped[date | None] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CheckIn(Base):
    __tablename__ = "goal_check_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), index=True)
    progress: Mapped[int]
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Message(Base):
    """One message of a relationship's private asynchronous thread."""

    __tablename__ = "relationship_messages"
    __table_args__ = (Index("ix_relationship_messages_thread", "relationship_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    relationship_id: Mapped[int] = mapped_column(ForeignKey("relationships.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Feedback(Base):
    """One member's answers to one held session's feedback questions."""

    __tablename__ = "session_feedback"
    __table_args__ = (UniqueConstraint("session_id", "participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("mentoring_sessions.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    # [{"question": str, "rating": 1..5, "text": str}, ...]
    answers: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CalendarFeed(Base):
    """A secret address per user that calendar apps poll; only its hash is stored."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MatchReviewRequest(Base):
    """A member of a pair asks a coordinator to look at their match again (audited)."""

    __tablename__ = "match_review_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(
        ForeignKey("programs.id", ondelete="CASCADE"), index=True
    )
    relationship_id: Mapped[int] = mapped_column(
        ForeignKey("relationships.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL")
    )
    requested_by: Mapped[str] = mapped_column(String(320))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(320))
