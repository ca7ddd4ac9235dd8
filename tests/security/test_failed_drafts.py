"""Defect 4: a failed draft is read by exactly those who could read the draft it failed to be.

An agenda drafted from the pair's shared notes is members_only: no coordinator
reviews it. When the model's answer never validates, the failed draft kept in
its place must stay members_only, and the error stored with it must not quote
what the model wrote (which was built from those notes).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import inspect, select

from companion.audit.service import Actor
from companion.drafting import service as drafting
from companion.drafting.models import Draft, DraftStatus
from companion.errors import LLMOutputInvalid
from companion.relationships.models import MentoringSession, SessionStatus
from tests.drafting.test_service import Loopback, gateway_for, loopback, valid_agenda  # noqa: F401
from tests.relationships.conftest import World
from tests.security.test_pair_scope import answer
from tests.web.conftest import browser_for, web, world  # noqa: F401

NOTES = "Eli is thinking of leaving the team after the reorg."
QUOTED = "Eli-is-leaving-after-the-reorg"


def held_session_with_notes(world: World) -> None:  # noqa: F811
    with world.services.sessions() as session:
        session.add_all(
            [
                MentoringSession(
                    relationship_id=world.first,
                    starts_at=datetime.now(UTC) - timedelta(days=3),
                    duration_minutes=45,
                    status=SessionStatus.held,
                    shared_notes=NOTES,
                    created_by="test",
                ),
                MentoringSession(
                    relationship_id=world.first,
                    starts_at=datetime.now(UTC) + timedelta(days=4),
                    duration_minutes=45,
                    status=SessionStatus.scheduled,
                    created_by="test",
                ),
            ]
        )
        session.commit()


def failed_agenda(world: World, loopback: Loopback, monkeypatch) -> int:  # noqa: F811
    """The mentor asks for an agenda; the model twice answers with a citation quoting the notes."""
    held_session_with_notes(world)
    loopback.script = [(200, json.dumps(valid_agenda(cite=QUOTED)))] * 2
    monkeypatch.setattr(drafting, "Gateway", lambda settings: gateway_for(world, loopback))
    response = world.client.post(
        "/api/v1/drafts",
        headers=world.headers("maya"),
        json={"kind": "agenda", "relationship_id": world.first},
    )
    assert response.status_code == 502, response.text
    # The mentor who asked is told what was wrong, model output and all.
    assert QUOTED in response.json()["error"]["message"]
    with world.services.sessions() as session:
        [failed] = session.scalars(select(Draft).where(Draft.status == DraftStatus.failed)).all()
        return failed.id


def test_a_failed_agenda_from_the_pairs_notes_stays_members_only(
    web: World,  # noqa: F811
    loopback: Loopback,  # noqa: F811
    monkeypatch,
    browser_for,  # noqa: F811
) -> None:
    failed = failed_agenda(web, loopback, monkeypatch)
    with web.services.sessions() as session:
        row = session.get(Draft, failed)
        assert row.members_only
        assert QUOTED not in row.error and NOTES not in row.error
    missing = failed + 1000

    for coordinator in ("lead", "org"):
        api = web.client.get(f"/api/v1/drafts/{failed}", headers=web.headers(coordinator))
        absent = web.client.get(f"/api/v1/drafts/{missing}", headers=web.headers(coordinator))
        assert api.status_code == absent.status_code == 404
        assert answer(api, failed) == answer(absent, missing)
        listed = web.client.get("/api/v1/drafts", headers=web.headers(coordinator)).json()
        assert failed not in [d["id"] for d in listed["items"]]
        queue = web.client.get("/api/v1/review/queue", headers=web.headers(coordinator)).json()
        assert failed not in [d["id"] for d in queue["items"]]
        browser = browser_for(coordinator)
        page = browser.get(f"/review/{failed}")
        absent_page = browser.get(f"/review/{missing}")
        assert page.status_code == absent_page.status_code == 404
        assert answer(page, failed) == answer(absent_page, missing)
        assert QUOTED not in browser.get("/review").text

    # The mentor, who may read the pair's notes, still sees the failure, without the quote.
    mine = web.client.get(f"/api/v1/drafts/{failed}", headers=web.headers("maya"))
    assert mine.status_code == 200
    assert mine.json()["members_only"] and mine.json()["status"] == "failed"
    assert QUOTED not in mine.text


def test_every_column_of_the_attempt_reaches_the_failed_draft(world: World) -> None:  # noqa: F811
    """Whatever decides who reads a draft is copied, including columns added later."""
    left_out = drafting.NOT_COPIED_ON_FAILURE
    with world.services.sessions() as session:
        attempt = Draft(
            kind="agenda",
            program_id=world.pilot,
            relationship_id=world.first,
            requested_by="maya@example.org",
            model="openai/test-model",
            prompt="agenda@1",
            request={"relationship_id": world.first},
            sources=[{"document_id": "d", "chunk_id": "c"}],
            members_only=True,
            review_note="kept",
            content={"objectives": [QUOTED]},
            text=QUOTED,
        )
        drafting._record_failure(
            session,
            attempt,
            LLMOutputInvalid("invalid", details=[{"problems": ["value_error"]}]),
            Actor(id=None, label="test"),
        )
        [failed] = session.scalars(select(Draft).where(Draft.status == DraftStatus.failed)).all()
        for column in inspect(Draft).column_attrs:
            if column.key in left_out:
                continue
            given = getattr(attempt, column.key)
            if given is not None:
                assert getattr(failed, column.key) == given, column.key
        assert failed.members_only
        assert failed.content is None and QUOTED not in (failed.text or "")
        assert "value_error" in failed.error
