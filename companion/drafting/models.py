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


class Draft(Base):
    __tablename__ = "drafts"
    __table_args__ = (Index("ix_drafts_program_status", "program_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    status: Mapped[DraftStatus] = mapped_column(
        Enum(DraftStatus, native_enum=False, length=30, validate_strings=True),
        default=DraftStatus.pending_review,
    )
    # Bumped on every change, so that a decision can name the version it saw.
    version: Mapped[int] = mapped_column(default=1)
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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
