"""Typed dependencies: the services built in the lifespan, a DB session, the current user."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from companion.accounts import service as accounts
from companion.accounts.models import User
from companion.accounts.principal import Principal
from companion.db import session_scope
from companion.errors import Unauthenticated
from companion.pagination import MAX_PAGE_SIZE
from companion.runtime import Services

if TYPE_CHECKING:
    from companion.matching.cohort import ProfileVectors

T = TypeVar("T")


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


@dataclass(frozen=True)
class Matcher:
    """The matching calls of one request. Encoding and solving are CPU-bound, so each
    call runs in a worker thread, off the event loop, with the request's session, the
    stored profile vectors and the acting principal."""

    session: Session
    vectors: ProfileVectors
    principal: Principal

    async def __call__(self, call: Callable[..., T], /, **arguments: Any) -> T:
        return await run_in_threadpool(
            call,
            session=self.session,
            vectors=self.vectors,
            principal=self.principal,
            **arguments,
        )


def get_matcher(session: SessionDep, services: ServicesDep, user: CurrentUser) -> Matcher:
    return Matcher(session, services.profile_vectors, user)


MatcherDep = Annotated[Matcher, Depends(get_matcher)]
