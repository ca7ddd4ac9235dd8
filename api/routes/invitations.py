"""Invitations by email to a program's people, and where each of them stands."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CurrentUser, PageDep, ServicesDep, SessionDep
from companion.credentials import invitations
from companion.credentials.invitations import InviteState
from companion.credentials.schemas import (
    InvitationStatusPublic,
    InviteReportPublic,
    InviteRequest,
)
from companion.pagination import Page, page_of

router = APIRouter(prefix="/api/v1/programs/{program_id}/invitations", tags=["invitations"])


@router.post("", response_model=InviteReportPublic)
def invite(
    program_id: int,
    body: InviteRequest,
    session: SessionDep,
    services: ServicesDep,
    user: CurrentUser,
) -> InviteReportPublic:
    """Email a one-use link to the chosen people of the program (a coordinator of it)."""
    report = invitations.invite_participants(
        session=session,
        principal=user,
        program_id=program_id,
        settings=services.settings,
        emails=body.emails,
        all_pending=body.all_pending,
    )
    return InviteReportPublic.of(report)


@router.get("", response_model=Page[InvitationStatusPublic])
def statuses(
    program_id: int,
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    state: Annotated[InviteState | None, Query(description="Only people in this state.")] = None,
) -> Page[InvitationStatusPublic]:
    """Who has joined, who was invited when (and reminded how often), who has not."""
    rows, total = invitations.list_statuses(
        session=session,
        principal=user,
        program_id=program_id,
        state=state,
        limit=page.limit,
        offset=page.offset,
    )
    return page_of(
        InvitationStatusPublic,
        rows,
        total,
        limit=page.limit,
        offset=page.offset,
        convert=InvitationStatusPublic.of,
    )
