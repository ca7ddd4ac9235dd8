"""ORM models: leaders' stories, mentor training paths and progress, accountability switches."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from companion.db.base import Base, UTCDateTime, utcnow


class StoryStatus(enum.StrEnum):
    draft = "draft"  # being written; the author has not approved this text
    approved = "approved"  # the author approved this exact text; a coordinator may publish it
    published = "published"  # in the knowledge base under the tag "story", on the home page
    withdrawn = "withdrawn"  # taken out of the knowledge base by a coordinator


class StoryForm(enum.StrEnum):
    written = "written"
    video_transcript = "video_transcript"


def _enum(cls: type[enum.Enum]) -> Enum:
    return Enum(cls, native_enum=False, length=20, validate_strings=True)


class Story(Base):
    """A leader's story: an experience and what they learned from it."""

    __tablename__ = "leader_stories"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    form: Mapped[StoryForm] = mapped_column(_enum(StoryForm), default=StoryForm.written)
    status: Mapped[StoryStatus] = mapped_column(_enum(StoryStatus), default=StoryStatus.draft)
    # The SHA-256 of the title and text the author approved: publishing checks it still holds.
    approved_hash: Mapped[str | None] = mapped_column(String(64))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A coordinator's suggested text and why; the author takes it or leaves it.
    suggested_body: Mapped[str | None] = mapped_column(Text)
    suggestion_note: Mapped[str] = mapped_column(Text, default="")
    suggested_by: Mapped[str | None] = mapped_column(String(320))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by: Mapped[str | None] = mapped_column(String(320))
    # Listed under a group (e.g. "Under-represented leaders") only while its author consents.
    consented_group: Mapped[str | None] = mapped_column(String(100))
    group_consented_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TrainingPath(Base):
    """Guides to read in order, each with a reflection question, for a program's mentors."""

    __tablename__ = "training_paths"

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(
        ForeignKey("programs.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    steps: Mapped[list[TrainingStep]] = relationship(
        back_populates="path",
        cascade="all, delete-orphan",
        order_by="TrainingStep.position",
        passive_deletes=True,
    )


class TrainingStep(Base):
    __tablename__ = "training_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    path_id: Mapped[int] = mapped_column(
        ForeignKey("training_paths.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    # The guide (a knowledge-base document id) and the section to open it at.
    doc_id: Mapped[str] = mapped_column(String(200))
    section: Mapped[str] = mapped_column(String(1000), default="")
    question: Mapped[str] = mapped_column(Text)

    path: Mapped[TrainingPath] = relationship(back_populates="steps")


class StepProgress(Base):
    """A mentor's step: done or not, and their private reflection (read by nobody else)."""

    __tablename__ = "training_step_progress"
    __table_args__ = (UniqueConstraint("step_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    step_id: Mapped[int] = mapped_column(
        ForeignKey("training_steps.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reflection: Mapped[str] = mapped_column(Text, default="")
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PathCompletion(Base):
    """A mentor finished every step of a path (kept if steps are added later)."""

    __tablename__ = "training_completions"
    __table_args__ = (UniqueConstraint("path_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    path_id: Mapped[int] = mapped_column(
        ForeignKey("training_paths.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AccountabilitySetting(Base):
    """Whether a program shows its leaders' figures to its coordinators (off unless turned on)."""

    __tablename__ = "leader_accountability"

    program_id: Mapped[int] = mapped_column(
        ForeignKey("programs.id", ondelete="CASCADE"), primary_key=True
    )
    turned_on: Mapped[bool] = mapped_column(default=False)
    changed_by: Mapped[str] = mapped_column(String(320))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
