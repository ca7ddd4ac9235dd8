"""ORM model for programs."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from companion.db.base import Base, UTCDateTime, utcnow


class ProgramKind(enum.StrEnum):
    one_on_one = "one_on_one"
    peer = "peer"
    reverse = "reverse"
    circle = "circle"
    speed = "speed"
    advisory_board = "advisory_board"


class Program(Base):
    __tablename__ = "programs"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[ProgramKind] = mapped_column(
        Enum(ProgramKind, native_enum=False, length=30, validate_strings=True),
        default=ProgramKind.one_on_one,
    )
    values: Mapped[str] = mapped_column(Text, default="")
    cadence_days: Mapped[int] = mapped_column(default=14)
    session_minutes: Mapped[int] = mapped_column(default=45)
    duration_weeks: Mapped[int] = mapped_column(default=26)
    # Relationships: when a pair counts as stalled, when feedback is revealed.
    stalled_after_days: Mapped[int] = mapped_column(default=21)
    overdue_after_days: Mapped[int] = mapped_column(default=14)
    feedback_reveal_days: Mapped[int] = mapped_column(default=7)
    # Empty: the built-in default questions (companion.relationships.feedback).
    feedback_questions: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Four eyes: a coordinator must approve drafts in addition to their usual reviewer.
    four_eyes: Mapped[bool] = mapped_column(default=False)
    # Profile fields that may be sent to a non-local LLM provider (never demographics).
    llm_profile_fields: Mapped[list[str]] = mapped_column(
        JSON, default=lambda: ["title", "expertise", "goals"]
    )
    # AI features an administrator switched off for this program (companion.programs.ai).
    ai_off: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Weights and rules of matching (companion.matching.config.MatchingSettings).
    matching: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
