"""Drafts: machine-written text awaiting a human decision, with its provenance."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from companion.db.base import Base, UTCDateTime, utcnow


class DraftStatus(enum.StrEnum):
    pending_review = "pending_review"
    approved = "approved"
    rejected = "rejected"
    changes_requested = "changes_requested"
    delivered = "delivered"
    withdrawn = "withdrawn"
    # The generation failed; kept so that nothing is lost silently.
    failed = "failed"
    # A newer draft of the same kind for the same subject was made or approved: this
    # one can no longer be approved (`superseded_by_id` names the newer one).
    superseded = "superseded"


class Draft(Base):
    __tablename__ = "drafts"
    __table_args__ = (Index("ix_drafts_program_status", "program_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    status: Mapped[DraftStatus] = mapped_column(
        Enum(DraftStatus, native_enum=False, length=30, validate_strings=True),
        default=DraftStatus.pending_review,
    )
    # Bumped by SQLAlchemy on every change (an UPDATE names the version it read, so
    # of two concurrent decisions one wins), and named by every decision.
    version: Mapped[int] = mapped_column(default=1)
    # The version people are shown: 1 as drafted, then one more for each decision or
    # edit a person makes (the column above also counts the system's own writes).
    shown_version: Mapped[int] = mapped_column(default=1, server_default="1")
    superseded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("drafts.id", ondelete="SET NULL")
    )
    program_id: Mapped[int | None] = mapped_column(
        ForeignKey("programs.id", ondelete="CASCADE"), index=True
    )
    relationship_id: Mapped[int | None] = mapped_column(
        ForeignKey("relationships.id", ondelete="CASCADE"), index=True
    )
    goal_id: Mapped[int | None] = mapped_column(ForeignKey("goals.id", ondelete="SET NULL"))
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("mentoring_sessions.id", ondelete="SET NULL")
    )
    # The participant the draft is about or for (e.g. the mentee of a SMART goal).
    subject_participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL")
    )
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    requested_by: Mapped[str] = mapped_column(String(320))
    # Provenance.
    model: Mapped[str] = mapped_column(String(200))
    prompt: Mapped[str] = mapped_column(String(100))  # name@version
    request: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # what was asked
    sources: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    content: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the validated output
    text: Mapped[str] = mapped_column(Text, default="")  # rendered for humans
    prompt_tokens: Mapped[int | None]
    completion_tokens: Mapped[int | None]
    cost_usd: Mapped[float | None]
    latency_ms: Mapped[float | None]
    attempts: Mapped[int] = mapped_column(default=1)
    error: Mapped[str] = mapped_column(Text, default="")
    # Drafted from material only the relationship's members may read (shared notes,
    # open action items, goals shared with the mentor): no coordinator may review it.
    members_only: Mapped[bool] = mapped_column(default=False)
    # Review: the AI's original is kept apart from a human's edit.
    original_content: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    original_text: Mapped[str | None] = mapped_column(Text)
    edited_by: Mapped[str | None] = mapped_column(String(320))
    # [{"user_id", "by", "role", "at"}]: approvals so far (four eyes, story members).
    approvals: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    review_note: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str | None] = mapped_column(String(320))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    @property
    def edited(self) -> bool:
        return self.original_content is not None

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
