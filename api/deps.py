"""Typed dependencies: the services built in the lifespan, a DB session, the current user."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from companion.accounts import service as accounts
from companion.accounts.models import User
from companion.db import session_scope
from companion.errors import Unauthenticated
from companion.pagination import MAX_PAGE_SIZE
from companion.runtime import Services


def get_services(request: Request) -> Services:
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_session(services: ServicesDep) -> Iterator[Session]:
    """One transaction per request, committed before the response is sent."""
    with session_scope(services.sessions) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session, scope="function")]

_bearer = HTTPBearer(auto_error=False, description="An API token: `companion users create`.")


def get_current_user(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    if credentials is None:
        raise Unauthenticated("Missing API token: send the header 'Authorization: Bearer <token>'.")
    return accounts.authenticate(session=session, token=credentials.credentials)


CurrentUser = Annotated[User, Depends(get_current_user)]


class PageParams:
    def __init__(
        self,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size.")] = 50,
        offset: Annotated[int, Query(ge=0, description="Items to skip.")] = 0,
    ) -> None:
        self.limit = limit
        self.offset = offset


PageDep = Annotated[PageParams, Depends()]
