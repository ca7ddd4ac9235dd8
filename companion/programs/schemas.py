"""Schemas of programs as the API and CLI show them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from companion.db.base import column_lengths
from companion.matching.config import MatchingSettings
from companion.programs.models import Program, ProgramKind

WIDTH = column_lengths(Program)  # the schema allows what the columns hold
Question = Annotated[str, Field(min_length=1, max_length=300)]


class ProgramBase(BaseModel):
    name: str = Field(min_length=1, max_length=WIDTH["name"])
    description: str = Field(default="", max_length=5000)
    kind: ProgramKind = ProgramKind.one_on_one
    values: str = Field(default="", max_length=5000, description="The organisation's values.")
    cadence_days: int = Field(default=14, ge=1, le=90, description="Days between sessions.")
    session_minutes: int = Field(default=45, ge=10, le=240)
    duration_weeks: int = Field(default=26, ge=1, le=156)
    stalled_after_days: int = Field(
        default=21,
        ge=1,
        le=365,
        description="Days without a held session before a pair is stalled.",
    )
    overdue_after_days: int = Field(
        default=14, ge=1, le=365, description="Days past due before an action item stalls a pair."
    )
    feedback_reveal_days: int = Field(
        default=7, ge=0, le=90, description="Days after a session when feedback is revealed anyway."
    )
    feedback_questions: list[Question] = Field(
        default_factory=list,
        max_length=10,
        description="Questions asked after each session; empty means the built-in ones.",
    )
    four_eyes: bool = Field(
        default=False, description="Drafts also need a coordinator's approval (two people)."
    )
    matching: MatchingSettings = MatchingSettings()


class ProgramCreate(ProgramBase):
    model_config = ConfigDict(extra="forbid")

    template: str | None = Field(
        default=None,
        description="Start from this template (GET /api/v1/programs/templates); the other "
        "fields given change its values, those not given keep them.",
    )


class ProgramUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=WIDTH["name"])
    description: str | None = Field(default=None, max_length=5000)
    kind: ProgramKind | None = None
    values: str | None = Field(default=None, max_length=5000)
    cadence_days: int | None = Field(default=None, ge=1, le=90)
    session_minutes: int | None = Field(default=None, ge=10, le=240)
    duration_weeks: int | None = Field(default=None, ge=1, le=156)
    stalled_after_days: int | None = Field(default=None, ge=1, le=365)
    overdue_after_days: int | None = Field(default=None, ge=1, le=365)
    feedback_reveal_days: int | None = Field(default=None, ge=0, le=90)
    feedback_questions: list[Question] | None = Field(default=None, max_length=10)
    four_eyes: bool | None = None
    matching: MatchingSettings | None = None


class ProgramPublic(ProgramBase):
    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: datetime
    updated_at: datetime


class AIFeaturePublic(BaseModel):
    name: str = Field(description="`drafting:<kind>`, `matching` or `answers`.")
    label: str = Field(description="What the feature is, in words.")
    on: bool
    fallback: str = Field(description="What the product does instead while it is off.")


class AISwitchesPublic(BaseModel):
    """A program's AI stop switches, as everyone who may read the program sees them."""

    program_id: int
    off: list[str]
    features: list[AIFeaturePublic]


class AISwitchesUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    off: list[str] = Field(default_factory=list, max_length=20, description="Features to turn off.")
    on: list[str] = Field(default_factory=list, max_length=20, description="Features to turn on.")


class ProgramTemplatePublic(BaseModel):
    """A starting point for a new program: the values it fills in, each one editable."""

    key: str = Field(description="What to pass as `template` to create a program from it.")
    title: str
    when_to_use: str
    kind: ProgramKind
    description: str = Field(description="The description a new program starts with.")
    settings: dict[str, Any] = Field(
        description="Every setting the template fills in, named as `companion programs set` "
        "names it (`cadence_days`, `matching.weights.semantic`)."
    )
