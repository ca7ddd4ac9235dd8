"""ORM models for matching runs and their proposals (approved ones become Relationships)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from companion.db.base import Base, UTCDateTime, utcnow
from companion.relationships.models import Relationship

__all__ = ["MatchProposal", "MatchRun", "ProposalStatus", "Relationship", "RunStatus"]


class RunStatus(enum.StrEnum):
    awaiting_approval = "awaiting_approval"
    closed = "closed"
    # A newer run of the program replaced it: what it still proposed cannot be approved.
    superseded = "superseded"


class ProposalStatus(enum.StrEnum):
    proposed = "proposed"
    approved = "approved"
    rejected = "rejected"
    superseded = "superseded"


class MatchRun(Base):
    __tablename__ = "match_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(
        ForeignKey("programs.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[RunStatus] = mapped_column(
        Enum(RunStatus, native_enum=False, length=30), default=RunStatus.awaiting_approval
    )
    objective: Mapped[float]
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    unmatched: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    fairness: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    proposals: Mapped[list[MatchProposal]] = relationship(
        back_populates="run", cascade="all, delete-orphan", order_by="MatchProposal.id"
    )


class MatchProposal(Base):
    __tablename__ = "match_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("match_runs.id", ondelete="CASCADE"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    mentee_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    score: Mapped[float]
    components: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[ProposalStatus] = mapped_column(
        Enum(ProposalStatus, native_enum=False, length=20), default=ProposalStatus.proposed
    )
    decided_by: Mapped[str | None] = mapped_column(String(320))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    run: Mapped[MatchRun] = relationship(back_populates="proposals")
