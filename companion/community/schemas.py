"""Requests and read models of the community: what the API, the pages and the CLI share."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from companion.community.models import ReportTarget

TITLE_MAX = 200
BODY_MAX = 5000
TOPIC_MAX = 60
ANONYMOUS = "Anonymous member"
FORMER_MEMBER = "a former member"


def _stripped(value: str) -> str:
    return value.strip()


class QuestionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=TITLE_MAX, description="The question, in a line.")
    body: str = Field(default="", max_length=BODY_MAX, description="More context, if useful.")
    topic: str = Field(min_length=1, max_length=TOPIC_MAX, description="A topic tag.")
    program_id: int | None = Field(
        default=None, description="The program to ask in; none asks the whole organisation."
    )
    anonymous: bool = Field(
        default=False,
        description="Hide your name from other members (moderators still see it).",
    )
    accept_code_of_conduct: bool = Field(
        default=False, description="Needed once before a first post, and after the code changes."
    )

    _strip = field_validator("title", "body", "topic", mode="before")(
        lambda v: _stripped(v) if isinstance(v, str) else v
    )


class AnswerCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(min_length=1, max_length=BODY_MAX)
    accept_code_of_conduct: bool = False

    _strip = field_validator("body", mode="before")(
        lambda v: _stripped(v) if isinstance(v, str) else v
    )


class HelpfulMark(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer_id: int | None = Field(description="The answer that helped; none clears the mark.")


class HelperUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    opted_in: bool = Field(description="Whether you may be suggested as someone to ask.")
    helps_with: str = Field(
        default="", max_length=2000, description="What you are happy to be asked about."
    )


class HelperPublic(BaseModel):
    opted_in: bool
    helps_with: str


class ReportCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target: ReportTarget
    target_id: int
    reason: str = Field(min_length=1, max_length=2000)

    _strip = field_validator("reason", mode="before")(
        lambda v: _stripped(v) if isinstance(v, str) else v
    )


class ModerationDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal["hide", "restore", "warn", "dismiss"]
    note: str = Field(default="", max_length=2000, description="Required to warn: what to say.")


class BlockCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=320, description="Who may no longer reach you.")


class ConductUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code_of_conduct: str | None = Field(default=None, min_length=1, max_length=20_000)
    organisation_wide: bool | None = None


class ConductPublic(BaseModel):
    code_of_conduct: str
    version: int
    organisation_wide: bool
    accepted: bool = Field(description="Whether you accepted this version.")


class SuggestedPerson(BaseModel):
    name: str
    score: float


class AnswerPublic(BaseModel):
    id: int
    body: str
    author_name: str
    mine: bool
    helpful: bool
    hidden: bool
    guide: bool = Field(
        default=False, description="A 'what our guides say' answer, approved by a person."
    )
    disclosure: str = Field(default="", description="How a guide answer was made, who approved.")
    created_at: datetime


class QuestionPublic(BaseModel):
    id: int
    program_id: int | None
    title: str
    body: str
    topic: str
    anonymous: bool
    author_name: str = Field(
        description="The asker's name; 'Anonymous member' to peers when anonymous."
    )
    mine: bool
    hidden: bool
    answers: int
    helpful_answer_id: int | None
    created_at: datetime


class QuestionDetail(QuestionPublic):
    answer_list: list[AnswerPublic]
    suggested: list[SuggestedPerson] = Field(
        default_factory=list, description="Mentors-of-the-moment: shown to the asker only."
    )
    guide_drafts: list[int] = Field(
        default_factory=list,
        description="Your drafted guide answers not yet published (moderators only).",
    )


class GuideDraftPublic(BaseModel):
    draft_id: int
    status: str


class GuidePublish(BaseModel):
    model_config = ConfigDict(extra="forbid")

    draft_id: int


class SimilarQuestion(BaseModel):
    id: int
    title: str
    topic: str
    answers: int
    answered: bool
    created_at: datetime
    score: float


class ReportPublic(BaseModel):
    id: int
    target: ReportTarget
    target_id: int
    reason: str
    status: str
    outcome: str
    program_id: int | None
    reporter_name: str
    offender_name: str
    excerpt: str = Field(description="The reported text, for the moderator to judge.")
    target_hidden: bool
    created_at: datetime


class ReportReceipt(BaseModel):
    id: int
    status: str


class WarningPublic(BaseModel):
    note: str
    created_at: datetime


class BlockPublic(BaseModel):
    id: int
    name: str
    email: str
    created_at: datetime
