"""Blocking work runs off the event loop: the server answers others while it is done."""

from __future__ import annotations

import inspect
import threading
from collections.abc import Iterator

import httpx
from fastapi.routing import APIRoute
from sqlalchemy import event

from api.app import create_app
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
    assert [r.path for r in endpoints if inspect.iscoroutinefunction(r.endpoint)] == []


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
