"""Schemas of invitations: who to invite, what an invitation did, where each person stands."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, model_validator

from companion.credentials.invitations import InviteReport, InviteState, ParticipantStatus


class InviteRequest(BaseModel):
    """Everyone of the program not yet joined, or the people with these addresses."""

    all_pending: bool = Field(
        False,
        description="Everyone not yet joined who holds no invitation that still works.",
    )
    emails: list[str] = Field(
        default_factory=list,
        max_length=5000,
        description="Participants of the program to invite (or invite again: their earlier "
        "link stops working).",
    )

    @model_validator(mode="after")
    def _one_choice(self) -> InviteRequest:
        if self.all_pending == bool(self.emails):
            raise ValueError("give either all_pending: true or a list of emails, not both")
        return self


class SkippedPublic(BaseModel):
    email: str
    reason: str


class InviteReportPublic(BaseModel):
    invited: int
    already_joined: int
    already_invited: int = Field(description="Holding an invitation that still works; not sent.")
    skipped: list[SkippedPublic]

    @classmethod
    def of(cls, report: InviteReport) -> InviteReportPublic:
        return cls(
            invited=report.invited,
            already_joined=report.already_joined,
            already_invited=report.already_invited,
            skipped=[SkippedPublic(email=s.email, reason=s.reason) for s in report.skipped],
        )


class InvitationStatusPublic(BaseModel):
    """A participant, and where they stand with signing in."""

    id: str = Field(description="The participant's id in the program's file.")
    name: str
    email: str
    role: str
    state: InviteState
    invited_at: datetime | None
    expires_at: datetime | None
    reminders_sent: int

    @classmethod
    def of(cls, status: ParticipantStatus) -> InvitationStatusPublic:
        person = status.participant
        return cls(
            id=person.external_id,
            name=person.name,
            email=person.email,
            role=person.role,
            state=status.state,
            invited_at=status.invited_at,
            expires_at=status.expires_at,
            reminders_sent=status.reminders_sent,
        )
