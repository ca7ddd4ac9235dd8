"""What the community keeps: questions, answers, who was suggested to answer, who is
willing to be asked, the code of conduct, reports, warnings and blocks."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    Enum,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from companion.db.base import Base, UTCDateTime, utcnow


def _enum(cls: type[enum.Enum]) -> Enum:
    return Enum(cls, native_enum=False, length=20, validate_strings=True)


class PostStatus(enum.StrEnum):
    visible = "visible"
    hidden = "hidden"  # by a moderator: gone for peers, kept for the author and moderators


class ReportTarget(enum.StrEnum):
    question = "question"
    answer = "answer"
    message = "message"  # a message in a relationship's thread


class ReportStatus(enum.StrEnum):
    open = "open"
    resolved = "resolved"


class CommunitySettings(Base):
    """The organisation's community: its code of conduct and how wide questions reach.

    One row (id 1); absent until an administrator first changes something, and then
    the defaults of `companion.community.conduct` apply.
    """

    __tablename__ = "community_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_of_conduct: Mapped[str] = mapped_column(Text)
    # Raised on every edit of the code, so that everyone accepts the new text once.
    conduct_version: Mapped[int] = mapped_column(default=1)
    # Whether people may ask the whole organisation, not only their own program.
    organisation_wide: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConductAcceptance(Base):
    """That a person accepted a version of the code of conduct (before their first post)."""

    __tablename__ = "community_conduct_acceptances"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    version: Mapped[int] = mapped_column()
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Helper(Base):
    """A person who opted in to being suggested as someone to ask."""

    __tablename__ = "community_helpers"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    # In their own words; matched by meaning with their program profile's experience.
    helps_with: Mapped[str] = mapped_column(Text, default="")
    opted_in_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Question(Base):
    __tablename__ = "community_questions"
    __table_args__ = (Index("ix_community_questions_scope", "program_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # None: asked of the whole organisation.
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    # None once the author's account is erased: shown as "a former member".
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    topic: Mapped[str] = mapped_column(String(60))
    # The MiniLM vector of title and body (float32 bytes), for "asked before" by meaning.
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[PostStatus] = mapped_column(_enum(PostStatus), default=PostStatus.visible)
    # The answer the asker marked as the one that helped (an id of community_answers;
    # no foreign key, so the two tables do not refer to each other).
    helpful_answer_id: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Answer(Base):
    __tablename__ = "community_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("community_questions.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[PostStatus] = mapped_column(_enum(PostStatus), default=PostStatus.visible)
    # "What our guides say": the approved draft it was published from, and the line that
    # says how it was made and who approved it ("" for a person's own answer).
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("drafts.id", ondelete="SET NULL"))
    disclosure: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class GuideDraft(Base):
    """A drafted "what our guides say" answer to a question, waiting for a person to
    approve it in the review queue; only then may it be published to the question."""

    __tablename__ = "community_guide_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("community_questions.id", ondelete="CASCADE"), index=True
    )
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id", ondelete="CASCADE"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Suggestion(Base):
    """Someone suggested to the asker as a mentor-of-the-moment for a question."""

    __tablename__ = "community_suggestions"
    __table_args__ = (UniqueConstraint("question_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("community_questions.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    score: Mapped[float] = mapped_column()


class Report(Base):
    """Someone's report of a post or a message, for a moderator to decide on."""

    __tablename__ = "community_reports"
    __table_args__ = (Index("ix_community_reports_open", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reporter_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    target: Mapped[ReportTarget] = mapped_column(_enum(ReportTarget))
    target_id: Mapped[int] = mapped_column()
    # The program whose moderators decide; None for an organisation-wide question.
    program_id: Mapped[int | None] = mapped_column(
        ForeignKey("programs.id", ondelete="CASCADE"), index=True
    )
    # Whose post or message it is, so a warning reaches them (None once erased).
    offender_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[ReportStatus] = mapped_column(_enum(ReportStatus), default=ReportStatus.open)
    outcome: Mapped[str] = mapped_column(String(20), default="")
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ModeratorWarning(Base):
    """A moderator's warning to a person about something they posted."""

    __tablename__ = "community_warnings"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    report_id: Mapped[int | None] = mapped_column(
        ForeignKey("community_reports.id", ondelete="SET NULL")
    )
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Block(Base):
    """`blocker` does not want to be contacted by `blocked`."""

    __tablename__ = "community_blocks"
    __table_args__ = (UniqueConstraint("blocker_id", "blocked_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    blocker_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    blocked_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
