"""Schemas of SCIM tokens as the API shows them to administrators."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ScimTokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, description="Which provider uses it.")


class ScimTokenCreated(BaseModel):
    id: int
    name: str
    token: str = Field(description="Shown once; only its hash is stored. It opens SCIM only.")


class ScimTokenRevoked(BaseModel):
    id: int
    revoked: bool
