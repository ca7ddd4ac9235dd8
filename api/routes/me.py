"""Who am I: the signed-in user and their roles."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy.orm import Session

from api.deps import ServicesDep, Token, run_as_user
from api.responses import ReadModel
from companion.accounts.models import User
from companion.accounts.schemas import UserPublic

router = APIRouter(prefix="/api/v1", tags=["users"])


@router.get("/me", response_model=UserPublic)
async def me(services: ServicesDep, token: Token) -> Response:
    # A quick read, as clients ask it on every start: one worker trip (`run_as_user`).
    def read(session: Session, user: User) -> Response:
        return ReadModel(UserPublic.model_validate(user))

    return await run_as_user(services, token, read)
