"""Schemas of users and tokens as the API and CLI show them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from companion.accounts.models import Role


class RoleAssignmentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    role: Role
    program_id: int | None = Field(description="None: the role holds in every program.")


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    display_name: str
    is_active: bool
    created_at: datetime
    roles: list[RoleAssignmentPublic]


class RoleGrant(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role
    program_id: int | None = Field(default=None, description="Omit for every program.")


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=320)
    display_name: str | None = Field(default=None, max_length=200)
    roles: list[RoleGrant] = Field(min_length=1)


class UserCreated(BaseModel):
    user: UserPublic
    token: str = Field(description="Shown once; only its hash is stored.")


class SessionsEnded(BaseModel):
    user_id: int
    sessions_ended: int = Field(description="Browser sessions that were open and are now ended.")
