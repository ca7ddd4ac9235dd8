"""A long action's state, kept in the database so any server process can show it."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from companion.db.base import Base, UTCDateTime, utcnow


class JobKind(enum.StrEnum):
    matching = "matching"
    participant_import = "participant_import"
    knowledge_ingest = "knowledge_ingest"


class JobState(enum.StrEnum):
    running = "running"
    done = "done"
    failed = "failed"


class Job(Base):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[JobKind] = mapped_column(
        Enum(JobKind, native_enum=False, length=30, validate_strings=True)
    )
    # The program it acts in; None for the organisation's knowledge base.
    program_id: Mapped[int | None] = mapped_column(
        ForeignKey("programs.id", ondelete="CASCADE"), index=True
    )
    started_by_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    state: Mapped[JobState] = mapped_column(
        Enum(JobState, native_enum=False, length=20, validate_strings=True),
        default=JobState.running,
    )
    steps_done: Mapped[int] = mapped_column(default=0)
    steps_total: Mapped[int] = mapped_column(default=1)
    step: Mapped[str] = mapped_column(String(300), default="")
    # Which server process runs it, and when it last said it is alive: a job whose
    # process stopped is shown as failed instead of running for ever.
    runner: Mapped[str] = mapped_column(String(200), default="")
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    summary: Mapped[str] = mapped_column(Text, default="")
    result_url: Mapped[str] = mapped_column(String(300), default="")
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
