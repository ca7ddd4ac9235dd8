"""Who am I: the signed-in user and their roles."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CurrentUser
from companion.accounts.schemas import UserPublic

router = APIRouter(prefix="/api/v1", tags=["users"])


@router.get("/me", response_model=UserPublic)
def me(user: CurrentUser) -> UserPublic:
    return UserPublic.model_validate(user)
