"""Browser sessions of an account: an administrator signs anyone out everywhere."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from api.deps import CurrentUser, SessionDep
from companion.accounts import web_sessions
from companion.accounts.schemas import SessionsEnded

router = APIRouter(prefix="/api/v1/users", tags=["users"])

UserId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The account's user id.")]


@router.post("/{user_id}/sessions/end", response_model=SessionsEnded)
def end_sessions(user_id: UserId, session: SessionDep, user: CurrentUser) -> SessionsEnded:
    """End every browser session of the account at once (its owner, or an administrator)."""
    ended = web_sessions.sign_out_everywhere(session=session, principal=user, user_id=user_id)
    return SessionsEnded(user_id=user_id, sessions_ended=ended)
