"""Credentials of an account: an administrator signs anyone out everywhere, and revokes
anyone's API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from api.deps import CurrentUser, SessionDep
from companion.accounts import api_tokens, web_sessions
from companion.accounts.schemas import SessionsEnded, TokensRevoked

router = APIRouter(prefix="/api/v1/users", tags=["users"])

UserId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The account's user id.")]


@router.post("/{user_id}/sessions/end", response_model=SessionsEnded)
def end_sessions(user_id: UserId, session: SessionDep, user: CurrentUser) -> SessionsEnded:
    """End every browser session of the account at once (its owner, or an administrator)."""
    ended = web_sessions.sign_out_everywhere(session=session, principal=user, user_id=user_id)
    return SessionsEnded(user_id=user_id, sessions_ended=ended)


@router.post("/{user_id}/tokens/revoke", response_model=TokensRevoked)
def revoke_tokens(user_id: UserId, session: SessionDep, user: CurrentUser) -> TokensRevoked:
    """Revoke every API token of the account at once (its owner, or an administrator)."""
    revoked = api_tokens.revoke_all(session=session, principal=user, user_id=user_id)
    return TokensRevoked(user_id=user_id, tokens_revoked=revoked)
