"""Schemas of programs as the API and CLI show them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from companion.programs.models import ProgramKind


class ProgramBase(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=5000)
    kind: ProgramKind = ProgramKind.one_on_one


class ProgramCreate(ProgramBase):
    model_config = ConfigDict(extra="forbid")


class ProgramUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    kind: ProgramKind | None = None


class ProgramPublic(ProgramBase):
    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: datetime
    updated_at: datetime
