"""ORM model of a program's data-rights settings: retention periods and self-erasure."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from companion.db.base import Base, UTCDateTime, utcnow


class DataRightsSettings(Base):
    """One program's settings; a program without a row keeps everything and lets only an
    administrator erase a person."""

    __tablename__ = "program_data_rights"

    program_id: Mapped[int] = mapped_column(
        ForeignKey("programs.id", ondelete="CASCADE"), primary_key=True
    )
    # companion.rights.schemas.RetentionSettings: days per kind of record, None = keep.
    retention: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Whether a participant may erase their own account (when every program they are in
    # allows it).
    allow_self_erasure: Mapped[bool] = mapped_column(default=False)
    updated_by: Mapped[str] = mapped_column(String(320), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
