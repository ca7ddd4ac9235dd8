"""Notification settings (your own, per kind) and a program's team chat for coordinators."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CurrentUser, ServicesDep, SessionDep
from companion.notifications import preferences, team_chat
from companion.notifications.schemas import (
    PreferencesPublic,
    PreferencesUpdate,
    TeamChatPublic,
    TeamChatUpdate,
)

router = APIRouter(prefix="/api/v1", tags=["notifications"])


@router.get("/me/notifications", response_model=PreferencesPublic)
def my_notifications(session: SessionDep, user: CurrentUser) -> PreferencesPublic:
    """Every kind of notification, and how you receive it: immediately, digest or off."""
    return preferences.read(session=session, principal=user, user_id=user.id)


@router.put("/me/notifications", response_model=PreferencesPublic)
def change_my_notifications(
    body: PreferencesUpdate, session: SessionDep, user: CurrentUser
) -> PreferencesPublic:
    return preferences.update(
        session=session,
        principal=user,
        user_id=user.id,
        choices={kind: delivery.value for kind, delivery in body.choices.items()},
    )


@router.get("/programs/{program_id}/team-chat", response_model=TeamChatPublic)
def program_team_chat(program_id: int, session: SessionDep, user: CurrentUser) -> TeamChatPublic:
    return team_chat.read(session=session, program_id=program_id, principal=user)


@router.put("/programs/{program_id}/team-chat", response_model=TeamChatPublic)
def set_program_team_chat(
    program_id: int,
    body: TeamChatUpdate,
    session: SessionDep,
    services: ServicesDep,
    user: CurrentUser,
) -> TeamChatPublic:
    """Post the program's coordinator notices (runs awaiting approval, stalled pairs) to a
    Slack or Teams incoming webhook. Personal notifications never go there. Only public
    https addresses: loopback, private and link-local ones are refused (422) unless the
    server's operator allows their network."""
    return team_chat.set_webhook(
        session=session,
        program_id=program_id,
        webhook_url=body.webhook_url,
        principal=user,
        settings=services.settings,
    )


@router.delete("/programs/{program_id}/team-chat", response_model=TeamChatPublic)
def clear_program_team_chat(
    program_id: int, session: SessionDep, user: CurrentUser
) -> TeamChatPublic:
    return team_chat.clear(session=session, program_id=program_id, principal=user)
