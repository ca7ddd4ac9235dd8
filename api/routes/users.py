"""Coordinators create users (and their first API token)."""

from __future__ import annotations

from fastapi import APIRouter, status

from api.deps import CoordinatorUser, SessionDep
from companion.accounts import service as accounts
from companion.accounts.schemas import UserCreate, UserCreated, UserPublic

router = APIRouter(prefix="/api/v1/users", tags=["users"])


@router.post("", response_model=UserCreated, status_code=status.HTTP_201_CREATED)
def create_user(body: UserCreate, session: SessionDep, user: CoordinatorUser) -> UserCreated:
    created, issued = accounts.onboard(
        session=session,
        email=body.email,
        display_name=body.display_name,
        roles=[(r.role, r.program_id) for r in body.roles],
        actor=accounts.actor_for(user),
    )
    return UserCreated(user=UserPublic.model_validate(created), token=issued.plaintext)
