"""Every route of the API, as every role: unapproved drafted text never reaches a non-reviewer.

A pending agenda, a rejected brief, an agenda delivered only after a human
edit (its AI original kept for reviewers), a delivered nudge and a pending
SMART goal exist; then every path and method of the OpenAPI schema is called
as a coordinator, the pair's mentor and mentee, and people outside the pair,
with path parameters filled from the ids that exist. No response to someone
who does not review a draft may carry its unapproved text, and requests with
an empty body change no draft.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import icalendar
from sqlalchemy import func, select

from companion.audit.models import AuditEvent
from companion.drafting.models import Draft
from tests.relationships.conftest import World

ROLES = ("lead", "maya", "eli", "nora", "omar", "pia")
EDITED_OBJECTIVE = "ZEBRA-EDITED objective: rehearse the guild talk end to end"
# Drafted sentences shorter than this are too generic to tell a leak from a coincidence.
FRAGMENT_MIN = 20
# Values for required query parameters that name no id.
QUERY_VALUES = {"q": "agenda for the next mentoring session", "mentee_id": "E1"}


@dataclass(frozen=True)
class Secret:
    """Text of a draft that only its reviewers may read."""

    label: str
    fragments: frozenset[str]
    readers: frozenset[str]


@dataclass
class Setup:
    ids: dict[str, list[Any]]
    drafts: dict[str, int]
    secrets: list[Secret]


def strings(value: Any) -> Iterator[str]:
    """Every string inside a JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def ask(world: World, who: str, **body: Any) -> dict[str, Any]:
    response = world.client.post("/api/v1/drafts", headers=world.headers(who), json=body)
    assert response.status_code == 201, response.json()
    return response.json()


def decide(world: World, who: str, draft: dict[str, Any], action: str, **extra: Any) -> dict:
    response = world.client.post(
        f"/api/v1/review/drafts/{draft['id']}/decisions",
        headers=world.headers(who),
        json={"action": action, "version": draft["version"], **extra},
    )
    assert response.status_code == 200, response.json()
    return response.json()


def created(world: World, who: str, url: str, body: dict[str, Any]) -> dict[str, Any]:
    response = world.client.post(url, headers=world.headers(who), json=body)
    assert response.status_code == 201, (url, response.json())
    return response.json()


def set_up(world: World) -> Setup:
    starts = (datetime.now(UTC) + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    relationship = f"/api/v1/relationships/{world.first}"
    session_id = created(
        world, "maya", f"{relationship}/sessions", {"starts_at": starts.isoformat()}
    )["id"]
    # Maya's time waits for Eli; he accepts, so the session is booked.
    accepted = world.client.post(
        f"/api/v1/sessions/{session_id}/accept", headers=world.headers("eli")
    )
    assert accepted.status_code == 200, accepted.json()

    edited = ask(world, "maya", kind="agenda", relationship_id=world.first)
    original_content = edited["content"]
    edited = decide(
        world,
        "maya",
        edited,
        "approve",
        content={**original_content, "objectives": [EDITED_OBJECTIVE]},
    )
    assert edited["status"] == "delivered"
    pending = ask(world, "maya", kind="agenda", relationship_id=world.first)
    brief = decide(
        world, "lead", ask(world, "maya", kind="brief", relationship_id=world.first), "reject"
    )
    assert brief["status"] == "rejected"
    world.stall(world.first)  # a nudge is for a stalled pair, and this one has a session booked
    nudge = decide(
        world, "lead", ask(world, "lead", kind="nudge", relationship_id=world.first), "approve"
    )
    assert nudge["status"] == "delivered"
    smart_goal = ask(
        world,
        "eli",
        kind="smart_goal",
        relationship_id=world.first,
        text="I want to lead the design review of our retry job",
    )

    goal = created(
        world,
        "eli",
        f"{relationship}/goals",
        {"title": "Practise giving a conference talk", "visibility": "mentor"},
    )
    milestone = created(
        world,
        "eli",
        f"{relationship}/goals/{goal['id']}/milestones",
        {"text": "Give the talk to my own team first"},
    )
    action = created(
        world,
        "maya",
        f"{relationship}/action-items",
        {"text": "Send Eli an outline of a good talk", "owner": "E1"},
    )
    run = world.client.post(
        f"/api/v1/programs/{world.pilot}/matching/runs", headers=world.headers("lead")
    )
    assert run.status_code in (200, 201), run.json()
    proposals = [m["proposal_id"] for m in run.json()["matches"]] or [1]

    delivered = set(strings(edited["content"])) | set(strings(nudge["content"]))

    def fragments(content: dict[str, Any]) -> frozenset[str]:
        found = {s for s in strings(content) if len(s) >= FRAGMENT_MIN} - delivered
        assert found, content
        return frozenset(found)

    reviewers = frozenset({"lead", "maya"})
    secrets = [
        Secret("pending agenda", fragments(pending["content"]), reviewers),
        Secret("rejected brief", fragments(brief["content"]), reviewers),
        Secret("edited agenda's AI original", fragments(original_content), reviewers),
        Secret("pending SMART goal", fragments(smart_goal["content"]), frozenset({"eli"})),
    ]
    drafts = {
        "pending agenda": pending["id"],
        "rejected brief": brief["id"],
        "edited agenda": edited["id"],
        "delivered nudge": nudge["id"],
        "pending SMART goal": smart_goal["id"],
    }
    ids: dict[str, list[Any]] = {
        "program_id": [world.pilot, world.other],
        "relationship_id": [world.first, world.second],
        "session_id": [session_id],
        "draft_id": list(drafts.values()),
        "goal_id": [goal["id"]],
        "milestone_id": [milestone["id"]],
        "action_id": [action["id"]],
        "run_id": [run.json()["run_id"]],
        "proposal_id": proposals[:2],
        "mentee_id": sorted({m["mentee_id"] for m in run.json()["matches"]})[:2] or ["E1"],
        "doc_id": ["no-such-document"],
        "user_id": [1, 2],
        # Address changes held for an administrator hold no drafted text; none is pending.
        "change_id": [1],
        "token_id": [1],
        # Community, stories and training hold no draft of this walk (their own tests check
        # that an unapproved "what our guides say" reply stays invisible): ids that exist
        # or not, each route must still answer without a leak or a server error.
        "question_id": [1],
        "report_id": [1],
        "block_id": [1],
        "story_id": [1],
        "path_id": [1],
        "step_id": [1],
        "job_id": [1],
    }
    return Setup(ids=ids, drafts=drafts, secrets=secrets)


def readable(response: httpx.Response) -> str:
    """Everything a client can read in a response, with JSON and iCalendar escapes undone."""
    parts = [response.text]
    content_type = response.headers.get("content-type", "")
    if "json" in content_type:
        parts += strings(response.json())
    if "calendar" in content_type:
        calendar = icalendar.Calendar.from_ical(response.content)
        parts += [str(value) for part in calendar.walk() for value in part.values()]
    return "\n".join(parts)


def resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return components[schema["$ref"].rsplit("/", 1)[1]]
    return schema


def choices(schema: dict[str, Any], components: dict[str, Any]) -> list[Any]:
    """The values worth trying for an optional query parameter: each enum member, or true."""
    for option in schema.get("anyOf", [schema]):
        option = resolve(option, components)
        if "enum" in option:
            return list(option["enum"])
        if option.get("type") == "boolean":
            return [True]
    return []


def query_variants(
    operation: dict[str, Any], ids: dict[str, list[Any]], components: dict[str, Any]
) -> list[dict[str, Any]]:
    """The required query parameters, then each optional one set to each value worth trying."""
    params = [p for p in operation.get("parameters", []) if p["in"] == "query"]
    required = {p["name"]: QUERY_VALUES[p["name"]] for p in params if p.get("required")}
    variants = [required]
    for param in params:
        if param.get("required"):
            continue
        values = ids.get(param["name"]) or choices(param["schema"], components)
        variants += [{**required, param["name"]: value} for value in values]
    return variants


# Routes the walk leaves out: they would revoke the walkers' own tokens mid-walk, and
# answer only a token's name and dates (tests/security/test_api_tokens.py).
REVOKING = ("/me/tokens/{token_id}/revoke", "/{user_id}/tokens/revoke")


def feed_token(world: World, who: str) -> str:
    """A fresh calendar feed address of `who` (issuing one revokes the one before)."""
    response = world.client.post("/api/v1/me/calendar-feed", headers=world.headers(who))
    assert response.status_code == 201, response.json()
    return response.json()["url"].rsplit("/", 1)[1]


def draft_states(world: World, ids: dict[str, int]) -> dict[str, tuple[str, int]]:
    with world.services.sessions() as session:
        return {
            label: (row.status.value, row.version)
            for label, row in ((label, session.get(Draft, i)) for label, i in ids.items())
        }


def counts(world: World) -> tuple[int, int]:
    with world.services.sessions() as session:
        drafts = session.scalar(select(func.count()).select_from(Draft))
        decisions = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action.like("review.%"), AuditEvent.action != "review.supersede")
        )
        return drafts, decisions


def test_no_route_shows_unapproved_text_to_a_non_reviewer(world: World) -> None:
    setup = set_up(world)
    schema = world.client.app.openapi()
    components = schema["components"]["schemas"]
    states, totals = draft_states(world, setup.drafts), counts(world)

    edited_view = world.client.get("/api/v1/me/deliveries", headers=world.headers("eli")).text
    assert EDITED_OBJECTIVE in edited_view  # the walk can see what was delivered

    path_names = {
        p["name"]
        for operations in schema["paths"].values()
        for operation in operations.values()
        for p in operation.get("parameters", [])
        if p["in"] == "path"
    }
    assert path_names <= {*setup.ids, "token"}, path_names - set(setup.ids)

    checked: set[tuple[str, str, str]] = set()
    leaks, accepted_empty_bodies, server_errors = [], [], []
    requests = 0
    # The one route that drafts without a body: the mentor preparing the next session.
    prepared = 0
    seen: set[str] = set()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method == "delete":
                continue
            if path.endswith(REVOKING):
                continue
            names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            needs_body = bool(body and resolve(body["schema"], components).get("required"))
            for who in ROLES:
                ids = setup.ids
                if "token" in names:
                    ids = {**ids, "token": [feed_token(world, who)]}
                for values in itertools.product(*(ids[name] for name in names)):
                    url = path.format(**dict(zip(names, values, strict=True)))
                    for query in query_variants(operation, ids, components):
                        response = world.client.request(
                            method,
                            url,
                            params=query,
                            headers=world.headers(who),
                            json=None if method == "get" else {},
                        )
                        requests += 1
                        if response.status_code >= 500:
                            server_errors.append((method, url, who, response.status_code))
                        if needs_body and response.is_success:
                            accepted_empty_bodies.append((method, url, who, response.status_code))
                        if path.endswith("/prepare") and response.is_success:
                            prepared += len(response.json())
                        text = readable(response)
                        seen |= {
                            s.label
                            for s in setup.secrets
                            if who in s.readers and any(f in text for f in s.fragments)
                        }
                        leaks += [
                            (method, url, query, who, secret.label, fragment)
                            for secret in setup.secrets
                            if who not in secret.readers
                            for fragment in secret.fragments
                            if fragment in text
                        ]
                checked.add((method, path, who))

    assert leaks == []
    # The fragments are findable: each was read by one of its reviewers during the walk.
    assert seen == {s.label for s in setup.secrets}
    assert server_errors == []
    assert accepted_empty_bodies == []
    after = draft_states(world, setup.drafts)
    # Preparing the session drafts a newer agenda for it: the pending one is superseded
    # (nobody decided anything); every other draft is as it was.
    superseded = {label for label, (status, _) in after.items() if status == "superseded"}
    assert superseded <= ({"pending agenda"} if prepared else set())
    assert {k: v for k, v in after.items() if k not in superseded} == {
        k: v for k, v in states.items() if k not in superseded
    }
    assert counts(world) == (totals[0] + prepared, totals[1])
    routes = {
        (m, p)
        for p, ops in schema["paths"].items()
        for m in ops
        if m != "delete" and not p.endswith(REVOKING)
    }
    assert len(checked) == len(routes) * len(ROLES)
    assert requests > len(checked)
