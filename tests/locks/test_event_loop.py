"""Blocking work runs off the event loop: the server answers others while it is done."""

from __future__ import annotations

import ast
import inspect
import textwrap
import threading
from collections.abc import Iterator

import anyio
import httpx
from fastapi.routing import APIRoute
from sqlalchemy import event

from api.app import create_app
from api.deps import run_as_user
from companion.demo import DEMO_PARTICIPANTS
from companion.settings import Settings
from tests.locks.conftest import Served


def _endpoints(routes: list) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):  # an included router
            yield from _endpoints(route.original_router.routes)
        elif hasattr(route, "routes"):
            yield from _endpoints(route.routes)


def test_no_route_or_page_is_a_coroutine(settings: Settings) -> None:
    """FastAPI runs plain `def` handlers in its thread pool; an `async def` one that
    touches the database (or parses, or encodes) stalls every other request."""
    endpoints = list(_endpoints(create_app(settings).routes))
    assert len(endpoints) > 100  # the whole API and every page were looked at
    coroutines = [r for r in endpoints if inspect.iscoroutinefunction(r.endpoint)]
    assert [r.path for r in coroutines if not _all_in_worker_trips(r.endpoint)] == []


def _awaits(node: ast.AST | None, name: str) -> bool:
    """Whether `node` is `await <name>(...)` (`name` a plain or dotted call)."""
    if not (isinstance(node, ast.Await) and isinstance(node.value, ast.Call)):
        return False
    return ast.unparse(node.value.func) == name


def _all_in_worker_trips(endpoint) -> bool:
    """Whether an `async def` handler only defines its work and awaits it in worker
    threads: `return await run_as_user(...)` (one trip), or a result of
    `await run_as_user(...)` then `return await anyio.to_thread.run_sync(...)` (the
    search: the token is checked before anything else is done). Nothing else runs on
    the event loop."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(endpoint)))
    handler = tree.body[0]
    assert isinstance(handler, ast.AsyncFunctionDef)
    *steps, last = handler.body
    returned = last.value if isinstance(last, ast.Return) else None
    work = [s for s in steps if not isinstance(s, ast.FunctionDef)]
    if not work:
        return _awaits(returned, "run_as_user")
    first = work[0]
    return (
        len(work) == 1
        and isinstance(first, ast.Assign)
        and _awaits(first.value, "run_as_user")
        and _awaits(returned, "anyio.to_thread.run_sync")
    )


def test_a_coroutine_handler_that_does_work_on_the_loop_is_caught() -> None:
    async def reads_on_the_loop(session, token):
        rows = session.execute("SELECT 1")
        return await run_as_user(session, token, lambda user: rows)

    async def one_trip(session, token):
        def read(user):
            return session.execute("SELECT 1")

        return await run_as_user(session, token, read)

    async def works_before_checking_the_token(session, token):
        def encode():
            return session.execute("SELECT 1")

        found = await anyio.to_thread.run_sync(encode)
        return await run_as_user(session, token, lambda user: found)

    async def checks_the_token_then_works(session, token):
        contents = await run_as_user(session, token, lambda user: 1)

        def encode():
            return contents

        return await anyio.to_thread.run_sync(encode)

    async def works_on_the_loop_between_trips(session, token):
        contents = await run_as_user(session, token, lambda user: 1)
        rows = session.execute("SELECT 1")
        return await anyio.to_thread.run_sync(lambda: (contents, rows))

    assert not _all_in_worker_trips(reads_on_the_loop)
    assert _all_in_worker_trips(one_trip)
    assert not _all_in_worker_trips(works_before_checking_the_token)
    assert _all_in_worker_trips(checks_the_token_then_works)
    assert not _all_in_worker_trips(works_on_the_loop_between_trips)


def test_healthz_answers_while_an_import_is_writing(served: Served) -> None:
    inside, go_on = threading.Event(), threading.Event()

    def pause_the_import(_conn, _cursor, statement: str, *_args) -> None:
        if statement.startswith("INSERT INTO participants") and not inside.is_set():
            inside.set()
            go_on.wait(timeout=30)

    event.listen(served.services.engine, "before_cursor_execute", pause_the_import)
    imported: list[int] = []

    def import_file() -> None:
        with served.client(served.coordinator) as client:
            response = client.post(
                f"/api/v1/programs/{served.program_id}/participants:import",
                files={"file": ("participants.csv", DEMO_PARTICIPANTS.read_bytes(), "text/csv")},
            )
            imported.append(response.status_code)

    importing = threading.Thread(target=import_file)
    importing.start()
    try:
        assert inside.wait(timeout=60), "the import never reached its first insert"
        health = httpx.get(f"{served.base}/healthz", timeout=10)
        # Answered while the import was held inside its transaction.
        assert health.status_code == 200
        assert imported == []
    finally:
        go_on.set()
        importing.join(timeout=60)
        event.remove(served.services.engine, "before_cursor_execute", pause_the_import)
    assert imported == [200]
