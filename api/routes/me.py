"""Who am I: the signed-in user and their roles, and their own API tokens."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy.orm import Session

from api.deps import CurrentUser, ServicesDep, SessionDep, Token, run_as_user
from api.responses import ReadModel
from companion.accounts import api_tokens
from companion.accounts.models import User
from companion.accounts.schemas import ApiTokenPublic, UserPublic

router = APIRouter(prefix="/api/v1", tags=["users"])


@router.get("/me", response_model=UserPublic)
async def me(services: ServicesDep, token: Token) -> Response:
    # A quick read, as clients ask it on every start: one worker trip (`run_as_user`).
    def read(session: Session, user: User) -> Response:
        return ReadModel(UserPublic.model_validate(user))

    return await run_as_user(services, token, read)


@router.get("/me/tokens", response_model=list[ApiTokenPublic])
def my_tokens(session: SessionDep, user: CurrentUser) -> list[ApiTokenPublic]:
    """Your API tokens, live and revoked, oldest first (never the token itself)."""
    rows = api_tokens.listed(session=session, principal=user, user_id=user.id)
    return [ApiTokenPublic.model_validate(row) for row in rows]


@router.post("/me/tokens/{token_id}/revoke", response_model=ApiTokenPublic)
def revoke_my_token(token_id: int, session: SessionDep, user: CurrentUser) -> ApiTokenPublic:
    """Revoke one of your API tokens, the one you are using too: requests with it are
    refused from now on. Anyone else's token answers 404, as one that does not exist."""
    token = api_tokens.revoke_own(session=session, principal=user, token_id=token_id)
    return ApiTokenPublic.model_validate(token)
