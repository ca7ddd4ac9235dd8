"""Numbers a database cannot hold are refused as invalid input (422, naming the field), never a 500.

Every route is walked: each integer or float path and query parameter gets numbers
past what the database holds, infinity and NaN, from a signed-in organisation
coordinator (a bearer token for the API, a signed-in browser for the pages), so
that a request which got past validation would reach the handlers' queries.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from api.app import create_app
from api.params import MAX_INT, MIN_INT
from companion.relationships.models import MentoringSession, SessionStatus
from tests.relationships.conftest import World, world  # noqa: F401
from tests.web.conftest import Browser, browser_for, web  # noqa: F401

OUT_OF_RANGE = [str(2**63), str(2**64), str(-(2**63) - 1), str(MAX_INT + 1), str(MIN_INT - 1)]
NOT_FINITE = ["1e309", "-1e309", "nan", "inf"]
_PATH_PARAM = re.compile(r"\{(\w+)(?::(\w+))?\}")


def numeric_parameters() -> list[tuple[APIRoute, str, str]]:
    """(route, "path" or "query", name) for every int or float parameter a route declares."""
    found = []
    for route in _api_routes(create_app().routes):
        for dependant in _and_below(route.dependant):
            for location, fields in (
                ("path", dependant.path_params),
                ("query", dependant.query_params),
            ):
                for field in fields:
                    if re.search(r"\b(int|float)\b", str(field.field_info.annotation)):
                        found.append((route, location, field.alias))
    return found


def _api_routes(routes: list[Any]) -> list[APIRoute]:
    """The app's routes, including those of the routers it includes."""
    found = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):  # an included router keeps its own routes
            found.extend(_api_routes(route.original_router.routes))
    return found


def _and_below(dependant: Dependant) -> list[Dependant]:
    return [dependant, *(d for sub in dependant.dependencies for d in _and_below(sub))]


def _request(route: APIRoute, location: str, name: str, value: str) -> tuple[str, str, dict]:
    """Method, URL and query for a request putting `value` in one parameter, 1 in the others."""

    def fill(match: re.Match[str]) -> str:
        return value if location == "path" and match.group(1) == name else "1"

    url = _PATH_PARAM.sub(fill, route.path)
    query = {name: value} if location == "query" else {}
    return sorted(route.methods)[0], url, query


def _converted_path_refuses(route: APIRoute, name: str, value: str) -> bool:
    """Starlette's `{x:int}` matches digits only: any other text is simply no such page."""
    converted = any(m.group(1) == name and m.group(2) for m in _PATH_PARAM.finditer(route.path))
    return converted and not value.isdigit()


def test_the_walk_finds_the_numeric_parameters() -> None:
    names = {(route.path, location, name) for route, location, name in numeric_parameters()}
    assert ("/api/v1/drafts/{draft_id}", "path", "draft_id") in names
    assert ("/api/v1/review/queue", "query", "offset") in names
    assert ("/api/v1/review/queue", "query", "older_than_hours") in names
    assert ("/review/{draft_id:int}", "path", "draft_id") in names
    assert ("/inbox", "query", "offset") in names


def test_every_numeric_parameter_refuses_what_the_database_cannot_hold(
    web: World,  # noqa: F811
    browser_for,  # noqa: F811
) -> None:
    page_browser: Browser = browser_for("org")
    api_headers = web.headers("org")
    failures = []
    for route, location, name in numeric_parameters():
        for value in OUT_OF_RANGE + NOT_FINITE:
            method, url, query = _request(route, location, name, value)
            if url.startswith("/api/"):
                response = web.client.request(method, url, params=query, headers=api_headers)
            elif method == "GET":
                response = page_browser.get(url, params=query, follow_redirects=False)
            else:
                response = page_browser.post(url, params=query, follow_redirects=False)
            if location == "path" and _converted_path_refuses(route, name, value):
                expected = 404
            else:
                expected = 422
            named = _names_the_field(response, location, name)
            if response.status_code != expected or (expected == 422 and not named):
                failures.append(f"{method} {url} {query}: {response.status_code}")
    assert failures == []


def _names_the_field(response: Any, location: str, name: str) -> bool:
    if response.headers.get("content-type", "").startswith("application/json"):
        details = response.json()["error"].get("details", [])
        return {"location": location, "field": name} in [
            {"location": d["location"], "field": d["field"]} for d in details
        ]
    return f"{location} field &#39;{name}&#39;" in response.text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (f'{{"kind": "smart_goal", "relationship_id": {2**63}, "text": "x"}}', "relationship_id"),
        ('{"kind": "smart_goal", "relationship_id": 1e309, "text": "x"}', "relationship_id"),
        ('{"kind": "smart_goal", "relationship_id": NaN, "text": "x"}', "relationship_id"),
        (f'{{"kind": "smart_check", "goal_id": {-(2**63) - 1}}}', "goal_id"),
    ],
)
def test_a_json_body_number_out_of_range_is_refused(
    world: World,  # noqa: F811
    body: str,
    field: str,
) -> None:
    response = world.client.post(
        "/api/v1/drafts",
        content=body,
        headers={**world.headers("eli"), "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert {"location": "body", "field": field} in [
        {"location": d["location"], "field": d["field"]}
        for d in response.json()["error"]["details"]
    ]


def test_a_number_deep_in_a_json_body_is_refused(world: World) -> None:  # noqa: F811
    response = world.client.post(
        "/api/v1/review/bulk-approve",
        json={"drafts": [{"id": 1, "version": 1}, {"id": 2**64, "version": 1}]},
        headers=world.headers("org"),
    )
    assert response.status_code == 422, response.text
    [detail] = response.json()["error"]["details"]
    assert (detail["location"], detail["field"]) == ("body", "drafts.1.id")


def test_a_number_in_range_still_reaches_the_route(world: World) -> None:  # noqa: F811
    for draft_id in (MAX_INT, MIN_INT, 0):
        response = world.client.get(f"/api/v1/drafts/{draft_id}", headers=world.headers("org"))
        assert response.status_code == 404, response.text
    response = world.client.post(
        "/api/v1/review/bulk-approve",
        json={"drafts": [{"id": MAX_INT, "version": 1}]},
        headers=world.headers("org"),
    )
    assert response.status_code == 200, response.text
    assert response.json()["results"][0]["error"] == "not_found"


# Page forms read numbers by hand: each such field, with a number the database cannot hold.


@pytest.fixture
def held_session(web: World) -> int:  # noqa: F811
    with web.services.sessions() as session:
        held = MentoringSession(
            relationship_id=web.first,
            starts_at=datetime.now(UTC) - timedelta(days=2),
            duration_minutes=45,
            status=SessionStatus.held,
            created_by="test",
        )
        session.add(held)
        session.commit()
        return held.id


def test_page_forms_refuse_numbers_they_cannot_use(
    web: World,  # noqa: F811
    browser_for,  # noqa: F811
    held_session: int,
) -> None:
    """Each form field read as a number, with one too large to store and with a digit
    (a superscript two) that str.isdigit accepts and int() does not."""
    huge, superscript = str(2**64), "\u00b2"
    maya, org = browser_for("maya"), browser_for("org")
    relationship = f"/relationships/{web.first}"
    feedback = f"{relationship}/sessions/{held_session}/feedback"
    answers = {
        f"{part}_{n}": "3" if part == "rating" else ""
        for n in range(3)
        for part in ("rating", "text")
    }
    booking = {"other_time": "2031-03-03 09:00", "modality": "video"}
    forms = [
        (
            maya,
            f"{relationship}/actions",
            {"action_text": "Read", "session_id": huge},
            "session_id:",
        ),
        (
            maya,
            f"{relationship}/actions",
            {"action_text": "Read", "session_id": superscript},
            "session_id:",
        ),
        (maya, feedback, {**answers, "rating_0": superscript}, "a whole number is required"),
        (
            maya,
            f"{relationship}/sessions",
            {**booking, "duration_minutes": superscript},
            "whole number",
        ),
        (org, "/review/bulk-approve", {"draft": f"{huge}:1"}, "draft:"),
        (org, "/review/bulk-approve", {"draft": f"1:{superscript}"}, "draft:"),
    ]
    failures = []
    for browser, url, data, message in forms:
        response = browser.post(url, data, follow_redirects=False)
        if response.status_code != 422 or message not in response.text:
            failures.append(f"{url} {data}: {response.status_code}")
    assert failures == []
