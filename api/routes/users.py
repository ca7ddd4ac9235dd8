"""Administrators create accounts (and their first API token)."""

from __future__ import annotations

from fastapi import APIRouter, status

from api.deps import CurrentUser, ServicesDep, SessionDep
from companion.accounts import service as accounts
from companion.accounts.models import EmailChangeStatus
from companion.accounts.schemas import (
    EmailChangeDecision,
    EmailChangePublic,
    InvitationCreate,
    InvitationPublic,
    UserCreate,
    UserCreated,
    UserPublic,
)
from companion.credentials import service as credentials

router = APIRouter(prefix="/api/v1/users", tags=["users"])


@router.post("", response_model=UserCreated, status_code=status.HTTP_201_CREATED)
def create_user(body: UserCreate, session: SessionDep, user: CurrentUser) -> UserCreated:
    created, issued = accounts.onboard(
        session=session,
        principal=user,
        email=body.email,
        display_name=body.display_name,
        roles=[(r.role, r.program_id) for r in body.roles],
    )
    return UserCreated(user=UserPublic.model_validate(created), token=issued.plaintext)


@router.post("/invitations", response_model=InvitationPublic)
def invite(
    body: InvitationCreate, session: SessionDep, services: ServicesDep, user: CurrentUser
) -> InvitationPublic:
    """Invite a person who has never signed in to set a password: by email to their own
    address, or (no email configured; administrators only) as a link returned once."""
    outcome = credentials.invite(
        session=session, principal=user, email=body.email, settings=services.settings
    )
    return InvitationPublic(email=outcome.email, emailed=outcome.emailed, link=outcome.link)


@router.get("/email-changes", response_model=list[EmailChangePublic])
def email_changes(
    session: SessionDep, user: CurrentUser, status: EmailChangeStatus | None = None
) -> list[EmailChangePublic]:
    """Address changes that imports asked for (administrators only)."""
    rows = credentials.list_email_changes(session=session, principal=user, status=status)
    return [
        EmailChangePublic.model_validate(r).model_copy(
            update={"account_roles": credentials.account_roles(session, r)}
        )
        for r in rows
    ]


@router.post("/email-changes/{change_id}", response_model=EmailChangePublic)
def decide_email_change(
    change_id: int,
    body: EmailChangeDecision,
    session: SessionDep,
    services: ServicesDep,
    user: CurrentUser,
) -> EmailChangePublic:
    """Apply or reject a held address change (administrators only); audited old -> new."""
    change = credentials.decide_email_change(
        session=session,
        principal=user,
        change_id=change_id,
        approve=body.approve,
        settings=services.settings,
    )
    return EmailChangePublic.model_validate(change)
