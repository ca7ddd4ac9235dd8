"""Schemas of users and tokens as the API and CLI show them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, computed_field

from companion.accounts.models import EmailChangeStatus, Role, User
from companion.db.base import column_lengths

WIDTH = column_lengths(User)  # the schema allows what the columns hold


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

    email: str = Field(min_length=3, max_length=WIDTH["email"])
    display_name: str | None = Field(default=None, max_length=WIDTH["display_name"])
    roles: list[RoleGrant] = Field(min_length=1)


class UserCreated(BaseModel):
    user: UserPublic
    token: str = Field(description="Shown once; only its hash is stored.")


class InvitationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=WIDTH["email"])


class InvitationPublic(BaseModel):
    email: str
    emailed: bool = Field(description="True: the link went by email to the account's address.")
    link: str | None = Field(
        default=None,
        description="Only without email configured, only for administrators: shown once.",
    )


class EmailChangePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: int
    program_id: int | None
    old_email: str
    new_email: str
    requested_by: str
    status: EmailChangeStatus
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    account_roles: list[str] = Field(
        default_factory=list,
        description='What the account is now: "administrator", "mentee of Pilot".',
    )


class EmailChangeDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    approve: bool


class SessionsEnded(BaseModel):
    user_id: int
    sessions_ended: int = Field(description="Browser sessions that were open and are now ended.")


class ApiTokenPublic(BaseModel):
    """An API token as its owner sees it: never the token, nor its digest."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None = Field(description="To the hour; None: never used.")
    revoked_at: datetime | None

    @computed_field(description="False once revoked: requests with it are refused.")
    @property
    def live(self) -> bool:
        return self.revoked_at is None


class TokensRevoked(BaseModel):
    user_id: int
    tokens_revoked: int = Field(description="API tokens that were live and are now revoked.")
