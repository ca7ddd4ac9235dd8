"""Schemas of programs as the API and CLI show them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from companion.matching.config import MatchingSettings
from companion.programs.models import ProgramKind


class ProgramBase(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=5000)
    kind: ProgramKind = ProgramKind.one_on_one
    values: str = Field(default="", max_length=5000, description="The organisation's values.")
    cadence_days: int = Field(default=14, ge=1, le=90, description="Days between sessions.")
    session_minutes: int = Field(default=45, ge=10, le=240)
    duration_weeks: int = Field(default=26, ge=1, le=156)
    matching: MatchingSettings = MatchingSettings()


class ProgramCreate(ProgramBase):
    model_config = ConfigDict(extra="forbid")


class ProgramUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    kind: ProgramKind | None = None
    values: str | None = Field(default=None, max_length=5000)
    cadence_days: int | None = Field(default=None, ge=1, le=90)
    session_minutes: int | None = Field(default=None, ge=10, le=240)
    duration_weeks: int | None = Field(default=None, ge=1, le=156)
    matching: MatchingSettings | None = None


class ProgramPublic(ProgramBase):
    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: datetime
    updated_at: datetime
