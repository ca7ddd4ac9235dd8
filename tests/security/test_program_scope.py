"""Program-level authority, walked over every route and page of programs, matching and the KB.

Who may do what is written once in RULES below. Every route of the modules in
SCOPED_MODULES must appear there, so a new route cannot be added unchecked.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.routing import APIRoute

from companion.accounts.models import Role
from tests.helpers import bearer, make_user
from tests.relationships.conftest import World, world  # noqa: F401
from tests.web.conftest import browser_for, web  # noqa: F401

SCOPED_MODULES = {
    "api.routes.programs",
    "api.routes.matching",
    "api.routes.matching_modes",
    "api.routes.knowledge",
    "api.web.coordinator",
    "api.web.knowledge_pages",
    "api.web.matching_pages",
}

# Who may use a route:
SIGNED_IN = "anyone signed in"
READER = "participants and coordinators of the program"
COORDINATOR = "coordinators of the program"
ANY_COORDINATOR = "coordinators of any program (the shared knowledge base, their programs)"
ADMIN = "administrators of the organisation"

MODES = "/api/v1/programs/{program_id}/matching"
RULES: dict[tuple[str, str], str] = {
    ("GET", "/api/v1/programs"): SIGNED_IN,
    ("POST", "/api/v1/programs"): ADMIN,
    ("GET", "/api/v1/programs/templates"): ANY_COORDINATOR,
    ("GET", "/api/v1/programs/{program_id}"): READER,
    ("PATCH", "/api/v1/programs/{program_id}"): COORDINATOR,
    ("DELETE", "/api/v1/programs/{program_id}"): ADMIN,
    ("GET", "/api/v1/programs/{program_id}/ai"): READER,
    ("PUT", "/api/v1/programs/{program_id}/ai"): ADMIN,
    ("POST", "/api/v1/programs/{program_id}/participants:import"): COORDINATOR,
    ("GET", "/api/v1/programs/{program_id}/participants"): COORDINATOR,
    ("POST", "/api/v1/programs/{program_id}/matching/runs"): COORDINATOR,
    ("GET", "/api/v1/programs/{program_id}/matching/runs"): COORDINATOR,
    ("GET", "/api/v1/matching/runs/{run_id}"): COORDINATOR,
    ("GET", "/api/v1/matching/runs/{run_id}/proposals"): COORDINATOR,
    ("POST", "/api/v1/matching/proposals/{proposal_id}:approve"): COORDINATOR,
    ("POST", "/api/v1/matching/proposals/{proposal_id}:reject"): COORDINATOR,
    ("POST", "/api/v1/matching/runs/{run_id}:approve-all"): COORDINATOR,
    ("POST", "/api/v1/matching/runs/{run_id}:swap"): COORDINATOR,
    ("GET", "/api/v1/matching/runs/{run_id}/mentees/{mentee_id}/options"): COORDINATOR,
    ("POST", "/api/v1/matching/runs/{run_id}:pair"): COORDINATOR,
    ("GET", "/api/v1/matching/runs/{run_id}/rebalance"): COORDINATOR,
    ("POST", "/api/v1/matching/runs/{run_id}:rebalance"): COORDINATOR,
    # A mentee only their own (tested in tests/matching/test_modes_api.py).
    ("GET", f"{MODES}/recommendations"): READER,
    ("POST", f"{MODES}/speed/shortlists"): READER,
    ("POST", f"{MODES}/circles"): COORDINATOR,
    ("POST", f"{MODES}/speed/assignment"): COORDINATOR,
    ("POST", f"{MODES}/advisory-boards"): COORDINATOR,
    ("POST", f"{MODES}/ask"): READER,
    ("GET", "/api/v1/knowledge/search"): SIGNED_IN,
    ("GET", "/api/v1/knowledge/documents"): SIGNED_IN,
    ("GET", "/api/v1/knowledge/documents/{doc_id}"): SIGNED_IN,
    ("POST", "/api/v1/knowledge/documents/{doc_id}/retire"): ANY_COORDINATOR,
    ("POST", "/api/v1/knowledge/documents/{doc_id}/restore"): ANY_COORDINATOR,
    ("DELETE", "/api/v1/knowledge/documents/{doc_id}"): ANY_COORDINATOR,
    ("POST", "/api/v1/knowledge/documents"): ANY_COORDINATOR,
    ("GET", "/coordinator"): ANY_COORDINATOR,
    ("GET", "/coordinator/programs/{program_id}"): COORDINATOR,
    ("GET", "/coordinator/programs/{program_id}/participants"): COORDINATOR,
    ("GET", "/coordinator/programs/{program_id}/relationships"): COORDINATOR,
    ("POST", "/coordinator/programs/{program_id}/participants"): COORDINATOR,
    ("POST", "/coordinator/programs/{program_id}/invitations"): COORDINATOR,
    ("POST", "/coordinator/programs/{program_id}/invitations/bulk"): COORDINATOR,
    ("GET", "/coordinator/programs/{program_id}/matching"): COORDINATOR,
    ("POST", "/coordinator/programs/{program_id}/matching"): COORDINATOR,
    ("GET", "/coordinator/runs/{run_id}"): COORDINATOR,
    ("POST", "/coordinator/runs/{run_id}/proposals/{proposal_id}/approve"): COORDINATOR,
    ("POST", "/coordinator/runs/{run_id}/proposals/{proposal_id}/reject"): COORDINATOR,
    ("POST", "/coordinator/runs/{run_id}/approve-all"): COORDINATOR,
    ("POST", "/coordinator/runs/{run_id}/swap"): COORDINATOR,
    ("GET", "/coordinator/runs/{run_id}/pair/{mentee_id}"): COORDINATOR,
    ("POST", "/coordinator/runs/{run_id}/pair/{mentee_id}"): COORDINATOR,
    ("GET", "/coordinator/runs/{run_id}/rebalance"): COORDINATOR,
    ("POST", "/coordinator/runs/{run_id}/rebalance"): COORDINATOR,
    ("POST", "/coordinator/programs/{program_id}/exports"): COORDINATOR,
    # Guidance for everyone (companion/guidance/policy.py); curation for coordinators.
    ("GET", "/knowledge"): SIGNED_IN,
    ("GET", "/knowledge/guides/{doc_id}"): SIGNED_IN,
    ("GET", "/knowledge/passages/{chunk_id}"): SIGNED_IN,
    ("POST", "/knowledge/documents"): ANY_COORDINATOR,
    ("POST", "/knowledge/documents/{doc_id}/delete"): ANY_COORDINATOR,
    ("POST", "/knowledge/documents/{doc_id}/retire"): ANY_COORDINATOR,
    ("POST", "/knowledge/documents/{doc_id}/restore"): ANY_COORDINATOR,
    ("POST", "/knowledge/ask"): ANY_COORDINATOR,
}

# A well-formed request for each route that needs one, so validation never answers first.
CSV = b"id,name,email,role\nE9,Rae Quist,rae@example.org,mentee\n"
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/api/v1/programs"): {"json": {"name": "Third"}},
    ("PATCH", "/api/v1/programs/{program_id}"): {"json": {"description": "Changed."}},
    ("PUT", "/api/v1/programs/{program_id}/ai"): {"json": {"off": ["drafting:nudge"]}},
    ("POST", "/api/v1/programs/{program_id}/participants:import"): {
        "files": {"file": ("p.csv", CSV, "text/csv")},
        "data": {"dry_run": "true"},
    },
    ("POST", "/api/v1/matching/runs/{run_id}:swap"): {
        "json": {"first": "{proposal_id}", "second": "{proposal_id}"}
    },
    ("GET", f"{MODES}/recommendations"): {"params": {"mentee_id": "E3"}},
    ("POST", f"{MODES}/speed/assignment"): {"json": {}},
    ("POST", f"{MODES}/ask"): {"json": {"question": "Who knows about data platforms?"}},
    ("GET", "/api/v1/knowledge/search"): {"params": {"q": "listening"}},
    ("POST", "/api/v1/knowledge/documents"): {
        "files": {"files": ("note.md", b"# A note\n\nListen first.\n", "text/markdown")}
    },
    ("POST", "/coordinator/programs/{program_id}/invitations"): {
        "data": {"email": "x@example.org"}
    },
    ("POST", "/coordinator/programs/{program_id}/invitations/bulk"): {"data": {"scope": "pending"}},
    ("POST", "/coordinator/runs/{run_id}/swap"): {
        "data": {"first": "{proposal_id}", "second": "{proposal_id}"}
    },
    ("POST", "/api/v1/matching/runs/{run_id}:pair"): {
        "json": {"mentee_id": "{mentee_id}", "mentor_id": "M1", "note": "By hand."}
    },
    ("POST", "/coordinator/runs/{run_id}/pair/{mentee_id}"): {
        "data": {"mentor_id": "M1", "note": "By hand."}
    },
    ("POST", "/knowledge/ask"): {"data": {"text": "How do I listen well?"}},
    ("POST", "/coordinator/programs/{program_id}/exports"): {
        "data": {"dataset": "participants", "format": "csv"}
    },
}

MISSING = 987_654_321
PLACEHOLDERS = ("program_id", "run_id", "proposal_id")


def scoped_routes() -> list[tuple[str, str]]:
    found = []
    for name in SCOPED_MODULES:
        for route in importlib.import_module(name).router.routes:
            assert isinstance(route, APIRoute)
            found += [(method, route.path) for method in route.methods if method != "HEAD"]
    return sorted(found)


def is_page(path: str) -> bool:
    return not path.startswith("/api/")


def owned_by_a_program(path: str) -> bool:
    return any("{" + p + "}" in path for p in PLACEHOLDERS)


@dataclass
class Ids:
    program_id: int
    run_id: int
    proposal_id: int
    doc_id: str = "no-such-document"
    chunk_id: str = "no-such-passage"
    # Not an owning id: a mentee is reached through the run, which is checked first.
    mentee_id: str = "E3"

    def url(self, path: str) -> str:
        return path.format(**vars(self))

    def fill(self, options: dict[str, Any]) -> dict[str, Any]:
        """The request's form or JSON fields, with this program's ids written in."""
        return {
            key: {k: self.url(v) if isinstance(v, str) else v for k, v in value.items()}
            if key in ("json", "data")
            else value
            for key, value in options.items()
        }


@dataclass
class Scope:
    world: World
    pilot: Ids  # a run and a proposal of the pilot program
    other: Ids  # a run of the other program (coordinated by "elsewhere")
    missing: Ids
    call: Callable[..., Any]  # call(who, method, path, ids) -> response


def _ids_of_a_run(program: World, program_id: int, token: str) -> Ids:
    response = program.client.post(
        f"/api/v1/programs/{program_id}/matching/runs", headers=bearer(token)
    )
    assert response.status_code == 201, response.text
    run = response.json()
    return Ids(program_id, run["run_id"], run["matches"][0]["proposal_id"])


@pytest.fixture
def scope(web: World, browser_for) -> Scope:  # noqa: F811
    with web.services.sessions() as session:
        web.tokens["admin"] = make_user(session, "admin@example.org", (Role.admin, None))[1]
    # A mentor who shares hours with the pilot's unpaired mentees, so that its run proposes.
    added = web.client.post(
        f"/api/v1/programs/{web.pilot}/participants:import",
        headers=web.headers("lead"),
        files={
            "file": (
                "m.csv",
                b"id,name,email,role,timezone,availability,capacity,expertise\n"
                b"M3,Ravi Shah,ravi@example.org,mentor,Europe/Stockholm,"
                b'"Wed 09:00-12:00; Fri 08:00-13:00",2,I coach first-time managers.\n',
                "text/csv",
            )
        },
    )
    assert added.status_code == 200, added.text
    pilot = _ids_of_a_run(web, web.pilot, web.tokens["lead"])
    # The other program gets a cohort of its own, so that it has a run too.
    imported = web.client.post(
        f"/api/v1/programs/{web.other}/participants:import",
        headers=web.headers("elsewhere"),
        files={
            "file": (
                "o.csv",
                b"id,name,email,role,expertise\n"
                b"X1,Ida Voss,ida@example.org,mentor,I run finance teams.\n"
                b"X2,Jon Lake,jon@example.org,mentee,\n",
                "text/csv",
            )
        },
    )
    assert imported.status_code == 200, imported.text
    other = _ids_of_a_run(web, web.other, web.tokens["elsewhere"])
    browsers: dict[str, Any] = {}

    def call(who: str, method: str, path: str, ids: Ids):
        options = ids.fill(BODIES.get((method, path), {}))
        if is_page(path):
            if who not in browsers:
                browsers[who] = browser_for(who)
            browser = browsers[who]
            if method == "GET":
                return browser.get(ids.url(path), params=options.get("params"))
            return browser.post(ids.url(path), options.get("data"), follow_redirects=False)
        return web.client.request(method, ids.url(path), headers=web.headers(who), **options)

    return Scope(web, pilot, other, Ids(MISSING, MISSING, MISSING), call)


def test_every_route_of_programs_matching_and_the_knowledge_base_has_a_rule() -> None:
    found = set(scoped_routes())
    assert found - RULES.keys() == set(), "add the new routes to RULES, with who may use them"
    assert RULES.keys() - found == set(), "RULES names routes that no longer exist"


def _same_body(unreadable, missing, path: str, ids: Ids) -> bool:
    """Byte for byte the same, once the missing id it names is written as the unreadable one."""
    return any(
        unreadable.content
        == missing.content.replace(str(MISSING).encode(), str(getattr(ids, name)).encode())
        for name in PLACEHOLDERS
        if "{" + name + "}" in path
    )


def _uniform(scope: Scope, who: str, ids: Ids, paths: list[tuple[str, str]]) -> list[str]:
    problems = []
    for method, path in paths:
        unreadable = scope.call(who, method, path, ids)
        missing = scope.call(who, method, path, scope.missing)
        # Administrators' routes refuse everyone else before looking anything up.
        expected = 403 if RULES[method, path] == ADMIN else 404
        if unreadable.status_code != expected or missing.status_code != expected:
            problems.append(
                f"{who} {method} {path}: {unreadable.status_code}/{missing.status_code}"
            )
        elif not _same_body(unreadable, missing, path, ids):
            problems.append(f"{who} {method} {path}: bodies differ")
    return problems


def test_what_a_principal_may_not_read_answers_exactly_as_if_it_did_not_exist(
    scope: Scope,
) -> None:
    owned = [key for key in sorted(RULES) if owned_by_a_program(key[1])]
    # A coordinator of the other program, against the pilot's program, runs and proposals.
    problems = _uniform(scope, "elsewhere", scope.pilot, owned)
    # A participant of the pilot, against the other program.
    problems += _uniform(scope, "pia", scope.other, owned)
    assert problems == []


def test_a_participant_cannot_act_as_a_coordinator(scope: Scope) -> None:
    refused = [key for key in sorted(RULES) if RULES[key] in (COORDINATOR, ANY_COORDINATOR, ADMIN)]
    problems = []
    for who in ("pia", "maya"):
        for method, path in refused:
            response = scope.call(who, method, path, scope.pilot)
            # The program itself they may read (403); its runs and proposals they may not (404).
            expected = 404 if "{run_id}" in path or "{proposal_id}" in path else 403
            if response.status_code != expected:
                problems.append(f"{who} {method} {path}: {response.status_code}")
    assert problems == []
    runs = scope.world.client.get(
        f"/api/v1/programs/{scope.world.pilot}/matching/runs", headers=scope.world.headers("lead")
    ).json()
    assert runs["total"] == 1, "a refused request started a run"


def test_only_an_administrator_creates_or_deletes_a_program(scope: Scope) -> None:
    for who in ("org", "lead", "maya"):
        assert scope.call(who, "POST", "/api/v1/programs", scope.pilot).status_code == 403
        response = scope.call(who, "DELETE", "/api/v1/programs/{program_id}", scope.pilot)
        assert response.status_code == 403, who
    created = scope.call("admin", "POST", "/api/v1/programs", scope.pilot)
    assert created.status_code == 201, created.text
    gone = Ids(created.json()["id"], MISSING, MISSING)
    assert scope.call("admin", "DELETE", "/api/v1/programs/{program_id}", gone).status_code == 204


def test_whoever_the_table_allows_is_let_through(scope: Scope) -> None:
    allowed = {SIGNED_IN: "pia", READER: "pia", COORDINATOR: "lead", ANY_COORDINATOR: "elsewhere"}
    problems = []
    for (method, path), rule in sorted(RULES.items()):
        if rule == ADMIN:
            continue
        if path.endswith("/invitations"):
            # Without email configured only administrators invite: test_identity.py covers it.
            continue
        who = allowed[rule]
        response = scope.call(who, method, path, scope.pilot)
        # Anything but a refusal: a 409 or 422 means the check let the request through.
        if response.status_code in (401, 403) or (
            response.status_code == 404 and "{doc_id}" not in path and "{chunk_id}" not in path
        ):
            problems.append(f"{who} {method} {path}: {response.status_code} {response.text[:200]}")
    assert problems == []
