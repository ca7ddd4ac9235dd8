"""Routers skipped by their routes' literal heads (`api.route_guard`) find exactly the
route FastAPI's own matching finds, for every route of the app, every method and a path
that is no route."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi import FastAPI
from starlette.routing import Match

from api import route_guard
from api.app import create_app
from companion.settings import Settings


def _found(app: FastAPI, method: str, path: str) -> tuple[str, str | None]:
    """How the app's routes take a request: the first full match's route, else the
    first partial one (a 405), else none."""
    scope = {"type": "http", "method": method, "path": path, "root_path": "", "headers": []}
    partial = None
    for route in app.routes:
        match, _ = route.matches(scope)
        inner = route._match(scope)[2] if hasattr(route, "_match") else route
        if match == Match.FULL:
            return "full", getattr(inner, "path", repr(inner))
        if match == Match.PARTIAL and partial is None:
            partial = ("partial", getattr(inner, "path", repr(inner)))
    return partial or ("none", None)


@contextmanager
def _unguarded(app: FastAPI) -> Iterator[FastAPI]:
    """The app with its routers' guards taken off (they are shared objects), then put back."""
    taken = []
    for included in app.routes:
        router = getattr(included, "original_router", None)
        if router is not None and "matches" in vars(router):
            taken.append((router, vars(router).pop("matches")))
    try:
        yield app
    finally:
        for router, guard in taken:
            router.matches = guard


def _sample_paths(app: FastAPI) -> list[str]:
    paths = set()
    for included in app.routes:
        router = getattr(included, "original_router", None)
        for route in getattr(router, "routes", []):
            paths.add(re.sub(r"\{[^}:]+(?::path)?\}", "7", route.path))
    return [*sorted(paths), "/api/v1/nothing-here", "/api/v1/relationships", "/", "/nowhere/7"]


def test_most_routers_are_guarded(settings: Settings) -> None:
    app = create_app(settings)
    routers = [getattr(r, "original_router", None) for r in app.routes]
    guarded = [r for r in routers if r is not None and "matches" in vars(r)]

    assert len(guarded) >= 30


@pytest.mark.parametrize("method", ["GET", "POST", "PATCH", "DELETE"])
def test_every_path_is_taken_by_the_same_route_as_without_the_guard(
    settings: Settings, method: str
) -> None:
    app = create_app(settings)
    paths = _sample_paths(app)
    guarded = {path: _found(app, method, path) for path in paths}
    with _unguarded(app):
        plain = {path: _found(app, method, path) for path in paths}

    assert len(paths) > 200
    assert sum(found == "full" for found, _ in plain.values()) >= 5
    for path in paths:
        assert guarded[path] == plain[path], (method, path)


def test_an_app_made_again_guards_each_router_once(settings: Settings) -> None:
    first = create_app(settings)
    create_app(settings)
    router = next(r.original_router for r in first.routes if hasattr(r, "original_router"))

    assert router.matches.__name__ == "guarded"
    assert "guarded" not in repr(router.matches.__closure__[0].cell_contents)


def test_a_router_with_a_mount_is_left_alone() -> None:
    from fastapi import APIRouter
    from starlette.staticfiles import StaticFiles

    router = APIRouter()
    router.add_api_route("/a/{x}", lambda x: x)
    assert route_guard.heads_of(router) == ("/a/",)
    router.mount("/files", StaticFiles(directory="."))
    assert route_guard.heads_of(router) == ()
