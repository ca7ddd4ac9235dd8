"""What the notifications job remembers: preferences, each notification once, its place in
the audit trail, and the team chat a program posts its coordinator notices to."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from companion.db.base import Base, UTCDateTime, utcnow


def _enum(cls: type[enum.Enum]) -> Enum:
    return Enum(cls, native_enum=False, length=20, validate_strings=True)


class Kind(enum.StrEnum):
    """What a person may choose to hear about, each on its own."""

    match_approved = "match_approved"
    session_proposed = "session_proposed"
    session_confirmed = "session_confirmed"
    session_changes = "session_changes"
    session_reminder = "session_reminder"
    thread_messages = "thread_messages"
    feedback_due = "feedback_due"
    goal_shared = "goal_shared"
    stalled_pairs = "stalled_pairs"
    matching_runs = "matching_runs"
    community_question = "community_question"


class Delivery(enum.StrEnum):
    immediately = "immediately"
    digest = "digest"  # in one email a day
    off = "off"


class NotificationStatus(enum.StrEnum):
    pending = "pending"  # waiting for its time, or for the day's digest
    queued = "queued"  # handed to the outbox, alone or in a digest
    skipped = "skipped"  # not sent: turned off, no longer relevant, or no longer theirs


class NotificationPreference(Base):
    """One person's choice for one kind; no row means the kind's default."""

    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[Kind] = mapped_column(_enum(Kind))
    delivery: Mapped[Delivery] = mapped_column(_enum(Delivery))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Notification(Base):
    """One thing to tell one person (or one program's team chat), at most once.

    `dedupe_key` names the occurrence (kind, subject, recipient, and which change or
    day): its unique constraint is what keeps two processes that both run the job
    from queueing the same notice twice.
    """

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(30))  # a Kind, "digest" or "team_chat"
    # None for a team chat notice, which goes to the program's channel.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    program_id: Mapped[int | None] = mapped_column(
        ForeignKey("programs.id", ondelete="CASCADE"), index=True
    )
    relationship_id: Mapped[int | None] = mapped_column(
        ForeignKey("relationships.id", ondelete="CASCADE"), index=True
    )
    # What the notice is about, as it was when it happened (ids and facts, never text
    # that needs a reader's permission: that is read again when it is sent).
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[NotificationStatus] = mapped_column(
        _enum(NotificationStatus), default=NotificationStatus.pending
    )
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Why it was skipped, or "digest" when it went out in one.
    outcome: Mapped[str] = mapped_column(String(200), default="")
    outbox_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox.id", ondelete="SET NULL"), index=True
    )
    digest_id: Mapped[int | None] = mapped_column(
        ForeignKey("notifications.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NotificationCursor(Base):
    """How far into the audit trail the job has turned events into notifications."""

    __tablename__ = "notification_cursor"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    last_seq: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TeamChat(Base):
    """A program's incoming webhook (Slack or Teams) for coordinator notices only."""

    __tablename__ = "program_team_chats"

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(
        ForeignKey("programs.id", ondelete="CASCADE"), unique=True
    )
    webhook_url: Mapped[str] = mapped_column(String(500))
    set_by: Mapped[str] = mapped_column(String(320))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
