"""Typed dependencies: the services built in the lifespan, a DB session, the current user."""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import anyio
import anyio.to_thread
from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

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


async def get_services(request: Request) -> Services:
    # Not a plain `def`: FastAPI would hand this attribute read to a worker thread.
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]


log = logging.getLogger(__name__)

_READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_session(request: Request, services: ServicesDep) -> AsyncIterator[Session]:
    """One transaction per request, committed before the response is sent.

    A request that reads begins deferred; one that may write takes SQLite's write
    lock first, waiting its turn (see `companion.db.engine`). A token's last-used
    stamp is written after the request's transaction, in one of its own, so that it
    is neither held across the request's slow work nor lost when the request fails.

    What FastAPI does with a plain generator, less one trip to a worker thread: making
    the session touches no database (its connection is taken at the first statement),
    so it is made here; the commit or rollback, and the stamp, run in a worker thread
    (`fastapi.concurrency.contextmanager_in_threadpool`). A quick read does all of it
    in its own worker thread instead (`run_as_user`).
    """
    reads = request.method in _READING_METHODS
    unit = _unit_of_work(services, services.sessions if reads else services.write_sessions)
    session = unit.__enter__()
    try:
        yield session
    except BaseException as exc:
        with anyio.CancelScope(shield=True):
            suppressed = await anyio.to_thread.run_sync(
                unit.__exit__, type(exc), exc, exc.__traceback__, limiter=_exit_limiter()
            )
        if not suppressed:
            raise
    else:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(unit.__exit__, None, None, None, limiter=_exit_limiter())


def _exit_limiter() -> anyio.CapacityLimiter:
    # Its own limiter: the end of a unit of work never waits for a free worker thread
    # behind requests that wait for this one's connection.
    return anyio.CapacityLimiter(1)


@contextmanager
def _unit_of_work(services: Services, factory: Callable[[], Session]) -> Iterator[Session]:
    session = factory()
    try:
        with session_scope(lambda: session) as scoped:
            yield scoped
    finally:
        due = session.info.pop(accounts.TOKEN_USE_DUE, None)
        if due:
            _stamp_token_use(services, due)


def _stamp_token_use(services: Services, token_ids: set[int]) -> None:
    try:
        with session_scope(services.write_sessions) as session:
            accounts.record_token_use(session=session, token_ids=token_ids)
    except OperationalError:
        # Only a coarse "last used" stamp: the next request writes it again.
        log.warning("Could not record an API token's last use: the database is busy.")


SessionDep = Annotated[Session, Depends(get_session, scope="function")]

_bearer = HTTPBearer(auto_error=False, description="An API token: `companion users create`.")


async def get_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """The bearer token as sent; whose it is, is read from the database (`authenticate`)."""
    if credentials is None:
        raise Unauthenticated("Missing API token: send the header 'Authorization: Bearer <token>'.")
    return credentials.credentials


Token = Annotated[str, Depends(get_token)]


def get_current_user(session: SessionDep, token: Token) -> User:
    return accounts.authenticate(session=session, token=token)


CurrentUser = Annotated[User, Depends(get_current_user)]


async def run_as_user(services: Services, token: str, work: Callable[[Session, User], T]) -> T:
    """A quick read in one trip to a worker thread: open the request's read-only
    transaction, authenticate the token, do the work as its user with that session, and
    end the transaction (and stamp the token's use).

    The same as a plain `def` handler with `SessionDep` and `CurrentUser`, which costs
    three trips (the user, the handler, the end of the transaction) and FastAPI's
    handling of a generator dependency; each trip is CPU a busy process spends handing
    over and taking back its interpreter lock (docs/performance.md, "Throughput"). The
    token's revocation and its user's deactivation are read on every call, as
    `authenticate` always does. `work` must return what needs no session (a `Response`,
    such as `ReadModel`, or plain values): the transaction is over when it returns, and
    rolled back if it raises; it must not write (`WriteInQuickRead`). It runs in
    autocommit, without BEGIN and COMMIT (`companion.db.make_quick_read_engine`), each
    statement seeing what was committed before it, and is run once more if its
    connection turns out closed. At most `services.read_threads` (1 on SQLite, 2 on
    PostgreSQL, unless set) such calls of one process run at once; the others wait on the
    event loop, before they have a session.
    """

    def in_worker() -> T:
        try:
            return attempt()
        except DBAPIError as exc:
            # The connection was closed under the read (the database restarted, or
            # closed idle connections): the pool has dropped its connections; a read
            # is safe to run again, once.
            if not exc.connection_invalidated:
                raise
            return attempt()

    def attempt() -> T:
        with _unit_of_work(services, services.quick_reads) as session:
            return work(session, accounts.authenticate(session=session, token=token))

    return await anyio.to_thread.run_sync(in_worker, limiter=_read_lane(services))


# The quick reads of one event loop (one server process) run `read_threads` at a time.
# Eight reads in eight threads spend their CPU handing the interpreter lock to each other
# at every SQLite call (which lets it go): measured with eight connections, a relationship
# read cost 3.1-4.5 ms of CPU that way, 2.1-2.7 ms two at a time and 1.8-2.1 ms one at a
# time (docs/performance.md, "Throughput").
_read_lanes: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
    weakref.WeakKeyDictionary()
)


def _read_lane(services: Services) -> anyio.CapacityLimiter:
    loop = asyncio.get_running_loop()
    lane = _read_lanes.get(loop)
    if lane is None:
        lane = _read_lanes[loop] = anyio.CapacityLimiter(services.read_threads)
    return lane


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
    """The matching calls of one request, with the request's session, the stored
    profile vectors and the acting principal. Encoding and solving are CPU-bound: the
    handlers that call it are plain `def`, so FastAPI runs them off the event loop."""

    session: Session
    vectors: ProfileVectors
    principal: Principal

    def __call__(self, call: Callable[..., T], /, **arguments: Any) -> T:
        return call(
            session=self.session,
            vectors=self.vectors,
            principal=self.principal,
            **arguments,
        )


def get_matcher(session: SessionDep, services: ServicesDep, user: CurrentUser) -> Matcher:
    return Matcher(session, services.profile_vectors, user)


MatcherDep = Annotated[Matcher, Depends(get_matcher)]
