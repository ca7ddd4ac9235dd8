"""Skip an included router with one string comparison when the request's path cannot be
one of its routes.

FastAPI tries an app's routes in order, and an included router tries each of its own
with a regular expression and some bookkeeping: the relationship read, the 77th route,
was found after 76 failed attempts, about 1,800 Python calls of a 6,100-call request
(docs/performance.md, "Throughput"). Each route's path up to its first parameter is a
literal head ("/api/v1/relationships/"); a router none of whose heads starts the path
cannot match it, and `str.startswith` with a tuple of heads says so in one call. A
router with anything but plain routes (a mount, a router of its own) is left as it is.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from fastapi.routing import APIRoute, APIRouter
from starlette._utils import get_route_path  # what FastAPI's own matching reads
from starlette.routing import Match, Route
from starlette.types import Scope

Matches = Callable[[Scope], tuple[Match, Scope]]


def skip_by_prefix(app: FastAPI) -> int:
    """Guard each router included in `app` without a prefix of its own; the number guarded."""
    guarded = 0
    for included in app.routes:
        router = getattr(included, "original_router", None)
        context = getattr(included, "include_context", None)
        if not isinstance(router, APIRouter) or getattr(context, "prefix", None) != "":
            continue
        if "matches" in vars(router):
            guarded += 1  # guarded by an app made before: routers are shared objects
            continue
        heads = heads_of(router)
        if heads:
            router.matches = _guarded(router.matches, heads)  # type: ignore[method-assign]
            guarded += 1
    return guarded


def heads_of(router: APIRouter) -> tuple[str, ...]:
    """The literal heads of the router's routes; () if any route is not a plain one."""
    heads: set[str] = set()
    for route in router.routes:
        if not isinstance(route, APIRoute | Route):
            return ()
        heads.add(route.path.split("{", 1)[0])
    return tuple(sorted(heads))


def _guarded(matches: Matches, heads: tuple[str, ...]) -> Matches:
    def guarded(scope: Scope) -> tuple[Match, Scope]:
        if not get_route_path(scope).startswith(heads):
            return Match.NONE, {}
        return matches(scope)

    return guarded
