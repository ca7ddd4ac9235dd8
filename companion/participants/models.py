"""ORM model for program participants (mentors, mentees, or both)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from companion.db.base import Base, UTCDateTime, utcnow


class Participant(Base):
    """A person in one program, as imported; `external_id` is the file's `id`."""

    __tablename__ = "participants"
    __table_args__ = (
        UniqueConstraint("program_id", "external_id"),
        UniqueConstraint("program_id", "email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(
        ForeignKey("programs.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    external_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(200), default="")
    department: Mapped[str] = mapped_column(String(200), default="")
    manager_id: Mapped[str | None] = mapped_column(String(100))
    location: Mapped[str] = mapped_column(String(200), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    expertise: Mapped[str] = mapped_column(Text, default="")
    goals: Mapped[str] = mapped_column(Text, default="")
    challenges: Mapped[str] = mapped_column(Text, default="")
    industry: Mapped[str] = mapped_column(String(200), default="")
    years_experience: Mapped[float | None]
    working_style: Mapped[str] = mapped_column(Text, default="")
    communication: Mapped[list[str]] = mapped_column(JSON, default=list)
    availability: Mapped[list[list[int]]] = mapped_column(JSON, default=list)
    availability_text: Mapped[str] = mapped_column(Text, default="")
    capacity: Mapped[int] = mapped_column(default=0)
    avoid: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The profile fields (`sharing.SHAREABLE`) the person lets the other members of their
    # relationships read; None until they choose (then all of them, as the match email says).
    shared_fields: Mapped[list[str] | None] = mapped_column(JSON)
    # Used only for fairness reporting, only with consent, never sent anywhere.
    gender: Mapped[str | None] = mapped_column(String(100))
    underrepresented: Mapped[bool | None]
    consent_demographics: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def is_mentor(self) -> bool:
        return self.role in ("mentor", "both")

    @property
    def is_mentee(self) -> bool:
        return self.role in ("mentee", "both")
