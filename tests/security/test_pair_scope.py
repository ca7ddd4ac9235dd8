"""Cross-pair reads and acts: for anyone outside a relationship, its contents do not exist.

Two programs, several pairs and a circle. A member of one relationship tries
every relationships, goals, threads, drafts and review route and page (found by
walking the app's routes, so a new one cannot be forgotten) on another
relationship's ids: each answer is the same 404, byte for byte, as for an id that
does not exist. Coordinators read program-level data, never private material.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.routing import APIRoute
from httpx import Response
from sqlalchemy import select

from api.app import create_app
from companion.accounts import service as accounts
from companion.participants import service as participants
from companion.participants.models import Participant
from companion.programs.models import Program
from companion.relationships import service as relationships
from companion.relationships.models import (
    ActionItem,
    Feedback,
    Goal,
    GoalStatus,
    GoalVisibility,
    MentoringSession,
    Message,
    Milestone,
    PrivateNote,
    SessionStatus,
)
from tests.helpers import TEST_ACTOR, TEST_SYSTEM, bearer
from tests.relationships.conftest import World, to_csv
from tests.web.conftest import EMAILS, PASSWORD, browser_for, web, world  # noqa: F401

OBJECT_IDS = ("relationship_id", "session_id", "goal_id", "action_id", "milestone_id", "draft_id")
MISSING = 987_654_321
SECRETS = {
    "notes": "SHARED-NOTES-secret-7c1",
    "private_note": "PRIVATE-NOTE-secret-2f9",
    "message": "THREAD-secret-5d3",
    "feedback": "FEEDBACK-secret-8a2",
    "goal": "PRIVATE-GOAL-secret-4b6",
    "action": "ACTION-secret-9e0",
}
# A valid body for every API route that takes one, so that a refusal is never just a 422.
BODIES = {
    ("PATCH", "/api/v1/relationships/{relationship_id}/agreement"): {"cadence_days": 14},
    ("POST", "/api/v1/relationships/{relationship_id}/status"): {"status": "paused"},
    ("POST", "/api/v1/relationships/{relationship_id}/end"): {"outcome": "completed"},
    ("PUT", "/api/v1/relationships/{relationship_id}/reflection"): {"text": "A fine year."},
    ("POST", "/api/v1/relationships/{relationship_id}/sessions"): {
        "starts_at": (datetime.now(UTC) + timedelta(days=9)).isoformat()
    },
    ("POST", "/api/v1/sessions/{session_id}/suggest"): {
        "starts_at": (datetime.now(UTC) + timedelta(days=10)).isoformat()
    },
    ("PATCH", "/api/v1/sessions/{session_id}"): {"shared_notes": "overwritten"},
    ("PUT", "/api/v1/sessions/{session_id}/private-note"): {"text": "mine now"},
    ("POST", "/api/v1/relationships/{relationship_id}/action-items"): {
        "text": "Do it",
        "owner": "E1",
    },
    ("PATCH", "/api/v1/relationships/{relationship_id}/action-items/{action_id}"): {"done": True},
    ("POST", "/api/v1/relationships/{relationship_id}/goals"): {"title": "Mine"},
    ("POST", "/api/v1/relationships/{relationship_id}/goals/coaching"): {"text": "Pass the exam"},
    ("PATCH", "/api/v1/relationships/{relationship_id}/goals/{goal_id}"): {"title": "Mine"},
    ("POST", "/api/v1/relationships/{relationship_id}/goals/{goal_id}/check-ins"): {"progress": 50},
    ("POST", "/api/v1/relationships/{relationship_id}/goals/{goal_id}/milestones"): {
        "text": "Next"
    },
    (
        "PATCH",
        "/api/v1/relationships/{relationship_id}/goals/{goal_id}/milestones/{milestone_id}",
    ): {"done": True},
    ("POST", "/api/v1/relationships/{relationship_id}/goals/{goal_id}/assessment"): {
        "outcome": "achieved"
    },
    ("POST", "/api/v1/relationships/{relationship_id}/messages"): {"body": "hello"},
    ("PUT", "/api/v1/sessions/{session_id}/feedback"): {
        "answers": [{"rating": 5, "text": "x"}] * 3
    },
    ("PUT", "/api/v1/relationships/{relationship_id}/story-consent"): {"consent": True},
    ("POST", "/api/v1/review/drafts/{draft_id}/decisions"): {"action": "reject", "version": 1},
    ("POST", "/api/v1/programs/{program_id}/circles"): {
        "name": "Mine",
        "mentor": "M1",
        "mentees": ["E3", "E4"],
    },
}
# The modules whose program-level routes are about relationships, goals, threads and drafts.
PAIR_MODULES = {f"api.routes.{name}" for name in ("relationships", "goals", "threads", "drafts")}
FORM = {
    "status": "held",
    "text": "x",
    "body": "x",
    "note": "x",
    "title": "x",
    "action": "reject",
    "version": "1",
    "done": "1",
    "visibility": "mentor",
    "outcome": "achieved",
    "progress": "50",
    "expectations": "x",
    "starts_at": "2030-01-01T10:00",
    "owner": "E1",
    "answer": "accept",
}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str

    @property
    def page(self) -> bool:
        return not self.path.startswith("/api/")

    def ids(self) -> list[str]:
        return [name for name in re.findall(r"\{(\w+)", self.path) if name in OBJECT_IDS]

    def url(self, values: dict[str, int]) -> str:
        return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: str(values[m.group(1)]), self.path)


def routes_of(routes: list, prefix: str = "") -> Iterator[tuple[str, object]]:
    """Every route of the app, including those of routers it includes."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            context = getattr(route, "include_context", None)
            yield from routes_of(included.routes, prefix + (getattr(context, "prefix", "") or ""))
        else:
            yield prefix, route


def object_endpoints() -> list[Endpoint]:
    """Every route and page that names a relationship or something inside one."""
    found = set()
    for prefix, route in routes_of(create_app().routes):
        path = prefix + getattr(route, "path", "")
        for method in getattr(route, "methods", None) or ():
            endpoint = Endpoint(method, path)
            if method != "HEAD" and endpoint.ids() and "{program_id" not in path:
                found.add(endpoint)
                if isinstance(route, APIRoute) and route.body_field is not None:
                    assert (method, path) in BODIES, f"give {method} {path} a valid body"
    return sorted(found, key=lambda e: (e.path, e.method))


def program_endpoints() -> list[Endpoint]:
    """The relationship routes that name a program: its list, circles, health, feedback."""
    found = set()
    for prefix, route in routes_of(create_app().routes):
        if isinstance(route, APIRoute) and route.endpoint.__module__ in PAIR_MODULES:
            path = prefix + route.path
            if "{program_id" in path:
                found.update(Endpoint(method, path) for method in route.methods)
    return sorted(found, key=lambda e: (e.path, e.method))


ENDPOINTS = object_endpoints()
PROGRAM_ENDPOINTS = program_endpoints()


def answer(response: Response, *ids: int) -> str:
    """What a response tells: its status and message, with the ids asked about blanked."""
    text = response.text
    if "<html" in text:
        found = re.search(r'<section class="narrow">(.*?)</section>', text, re.DOTALL)
        text = found.group(1) if found else text
    for number in ids:
        text = re.sub(rf"\b{number}\b", "ID", text)
    return f"{response.status_code} {text}"


@dataclass
class Town:
    """Two programs; pairs first (Maya + Eli) and second (Nora + Omar), a circle, and more."""

    world: World
    victim: dict[str, int]  # ids inside pair `first`
    circle: int
    quinn_goal: int
    tokens: dict[str, str]


@pytest.fixture
def town(web: World) -> Town:  # noqa: F811
    formed = web.client.post(
        f"/api/v1/programs/{web.pilot}/circles",
        headers=web.headers("lead"),
        json={"name": "Planners", "mentor": "M2", "mentees": ["E3", "E4"]},
    )
    assert formed.status_code == 201, formed.text
    circle_id = formed.json()["id"]
    with web.services.sessions() as session:
        other = session.get(Program, web.other)
        participants.import_participants(
            session=session,
            program_id=other.id,
            data=to_csv(
                [
                    ("X1", "Xena Moss", "xena@example.org", "mentor", "UTC", "", "1", ""),
                    ("X2", "Yuri Vale", "yuri@example.org", "mentee", "UTC", "", "0", ""),
                ]
            ),
            filename="other.csv",
            principal=TEST_SYSTEM,
        )
        by_id = {
            p.external_id: p
            for p in session.scalars(select(Participant).where(Participant.program_id == other.id))
        }
        relationships.create_pair(
            session=session, program=other, mentor_id=by_id["X1"].id, mentee_id=by_id["X2"].id
        )
        pilot = {
            p.external_id: p
            for p in session.scalars(select(Participant).where(Participant.program_id == web.pilot))
        }
        eli, maya = pilot["E1"], pilot["M1"]
        held = MentoringSession(
            relationship_id=web.first,
            starts_at=datetime.now(UTC) - timedelta(days=2),
            duration_minutes=45,
            status=SessionStatus.held,
            shared_notes=SECRETS["notes"],
            created_by="test",
        )
        goal = Goal(
            relationship_id=web.first,
            mentee_id=eli.id,
            title=SECRETS["goal"],
            status=GoalStatus.active,
            visibility=GoalVisibility.mentor,
            milestones=[Milestone(text="First step")],
        )
        quinn_goal = Goal(
            relationship_id=circle_id,
            mentee_id=pilot["E4"].id,
            title="Quinn's own goal",
            visibility=GoalVisibility.mentor,
        )
        session.add_all([held, goal, quinn_goal])
        session.flush()
        action = ActionItem(
            relationship_id=web.first,
            session_id=held.id,
            owner_id=eli.id,
            text=SECRETS["action"],
            created_by="test",
        )
        session.add_all(
            [
                action,
                PrivateNote(
                    session_id=held.id, author_user_id=maya.user_id, text=SECRETS["private_note"]
                ),
                Message(relationship_id=web.first, author_id=eli.id, body=SECRETS["message"]),
                Feedback(
                    session_id=held.id,
                    participant_id=eli.id,
                    answers=[{"question": "Useful?", "rating": 4, "text": SECRETS["feedback"]}],
                ),
            ]
        )
        session.commit()
        victim = {
            "relationship_id": web.first,
            "session_id": held.id,
            "goal_id": goal.id,
            "action_id": action.id,
            "milestone_id": goal.milestones[0].id,
        }
        tokens = dict(web.tokens)
        for who in ("quinn", "xena"):
            user = accounts.get_by_email(session=session, email=f"{who}@example.org")
            tokens[who] = accounts.issue_token(
                session=session, user=user, name="test", actor=TEST_ACTOR
            ).plaintext
        session.commit()
        quinn_goal_id = quinn_goal.id
    drafted = web.client.post(
        "/api/v1/drafts",
        headers=web.headers("eli"),
        json={"kind": "smart_goal", "relationship_id": web.first, "text": "Lead reviews"},
    )
    assert drafted.status_code == 201, drafted.text
    victim["draft_id"] = drafted.json()["id"]
    return Town(web, victim, circle_id, quinn_goal_id, tokens)


def ask(town: Town, who, endpoint: Endpoint, values: dict[str, int]) -> Response:
    """One request to the endpoint as `who`: a token for the API, a signed-in browser for pages."""
    url = endpoint.url(values)
    if endpoint.page:
        if endpoint.method == "GET":
            return who.get(url, follow_redirects=False)
        return who.post(url, FORM, follow_redirects=False)
    body = BODIES.get((endpoint.method, endpoint.path))
    return town.world.client.request(
        endpoint.method, url, headers=bearer(town.tokens[who.name]), json=body
    )


class Person:
    """A member of another relationship, signed in to the pages and holding an API token."""

    def __init__(self, name: str, browser) -> None:
        self.name = name
        self.browser = browser

    def get(self, url: str, **kwargs) -> Response:
        return self.browser.get(url, **kwargs)

    def post(self, url: str, data: dict, **kwargs) -> Response:
        return self.browser.post(url, data, **kwargs)


def test_the_walk_covers_every_kind_of_object() -> None:
    named = {name for endpoint in ENDPOINTS for name in endpoint.ids()}
    assert named == set(OBJECT_IDS)
    assert any(e.page for e in ENDPOINTS) and any(not e.page for e in ENDPOINTS)
    assert len(ENDPOINTS) >= 60


@pytest.mark.parametrize("name", ["omar", "nora", "pia", "elsewhere"])
def test_another_relationships_ids_answer_exactly_as_missing_ones(
    town: Town,
    browser_for,  # noqa: F811
    name: str,
) -> None:
    """Omar and Nora (pair second), Pia (the circle), a coordinator of the other program."""
    person = Person(name, browser_for(name))
    missing = dict.fromkeys(OBJECT_IDS, MISSING)
    own = {"omar": town.world.second, "nora": town.world.second, "pia": town.circle}.get(name)
    problems = []
    for endpoint in ENDPOINTS:
        theirs = ask(town, person, endpoint, town.victim)
        absent = ask(town, person, endpoint, missing)
        told = answer(theirs, *town.victim.values())
        if theirs.status_code != 404 or told != answer(absent, MISSING):
            problems.append((endpoint, told[:200], answer(absent, MISSING)[:200]))
        if own is not None and len(endpoint.ids()) > 1:
            # Their own relationship, with another relationship's session, goal, draft...
            mixed = {**town.victim, "relationship_id": own}
            response = ask(town, person, endpoint, mixed)
            told = answer(response, *mixed.values())
            expected = answer(
                ask(town, person, endpoint, {**missing, "relationship_id": own}), own, MISSING
            )
            if response.status_code != 404 or told != expected:
                problems.append((endpoint, told[:200], expected[:200]))
    assert problems == []


@pytest.mark.parametrize("name", ["elsewhere", "xena"])
def test_another_programs_relationship_routes_answer_as_a_missing_program(
    town: Town, name: str
) -> None:
    """A coordinator and a mentor of the other program, against the pilot's relationships."""
    assert len(PROGRAM_ENDPOINTS) >= 4
    person = Person(name, browser=None)
    pilot, missing = {"program_id": town.world.pilot}, {"program_id": MISSING}
    for endpoint in PROGRAM_ENDPOINTS:
        theirs = ask(town, person, endpoint, pilot)
        assert theirs.status_code == 404, (endpoint, theirs.text)
        assert answer(theirs, town.world.pilot) == answer(
            ask(town, person, endpoint, missing), MISSING
        )


def test_a_circle_mentee_cannot_tell_another_mentees_goal_from_a_missing_one(
    town: Town,
) -> None:
    client, headers = town.world.client, town.world.headers("pia")
    base = f"/api/v1/relationships/{town.circle}/goals"
    quinns = client.get(f"{base}/{town.quinn_goal}", headers=headers)
    missing = client.get(f"{base}/{MISSING}", headers=headers)
    assert quinns.status_code == missing.status_code == 404
    assert answer(quinns, town.quinn_goal) == answer(missing, MISSING)


@pytest.mark.parametrize("kind", ["smart_check", "agenda", "brief", "smart_goal", "nudge"])
def test_a_draft_request_tells_nothing_about_another_relationship(town: Town, kind: str) -> None:
    client, headers = town.world.client, town.world.headers("omar")

    def request(relationship_id: int, goal_id: int) -> Response:
        return client.post(
            "/api/v1/drafts",
            headers=headers,
            json={
                "kind": kind,
                "relationship_id": relationship_id,
                "goal_id": goal_id,
                "text": "Grow" if kind == "smart_goal" else None,
            },
        )

    theirs = request(town.victim["relationship_id"], town.victim["goal_id"])
    absent = request(MISSING, MISSING)
    assert theirs.status_code == absent.status_code == 404
    assert answer(theirs, *town.victim.values()) == answer(absent, MISSING)


def test_coordinators_never_read_private_material(town: Town, browser_for) -> None:  # noqa: F811
    """Every GET route and page of the pair, read by the program's and the organisation's
    coordinators: program-level data only."""
    for name in ("lead", "org"):
        person = Person(name, browser_for(name))
        for endpoint in ENDPOINTS:
            if endpoint.method != "GET":
                continue
            response = ask(town, person, endpoint, town.victim)
            assert response.status_code < 500, (name, endpoint)
            leaked = [key for key, secret in SECRETS.items() if secret in response.text]
            assert leaked == [], (name, endpoint, leaked)
