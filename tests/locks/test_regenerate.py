"""'Draft it again' after 'request changes' asks the model outside any transaction, as
the first draft does: on SQLite no write lock is held while the model answers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

from sqlalchemy import select

from companion.db import session_scope
from companion.drafting.models import Draft, DraftStatus
from companion.programs.models import Program
from tests.helpers import cli_env
from tests.locks.conftest import Served, SlowModel

FIRST = "The guidance given does not cover this."
SECOND = "None of the guidance given says what to agree at the end of a call."


def _answer(slow_model: SlowModel, text: str) -> None:
    slow_model.content = json.dumps({"answer": text, "insufficient": True})


class TestDraftItAgain:
    def test_other_writers_and_the_cli_go_ahead_while_the_model_drafts_again(
        self, served: Served, slow_model: SlowModel
    ) -> None:
        _answer(slow_model, FIRST)
        slow_model.release.set()
        with served.client(served.coordinator) as client:
            first = client.post(
                "/api/v1/drafts", json={"kind": "answer", "text": "How do I open a first session?"}
            )
            assert first.status_code == 201, first.text
            draft = first.json()
            changes = client.post(
                f"/api/v1/review/drafts/{draft['id']}/decisions",
                json={
                    "action": "request_changes",
                    "version": draft["version"],
                    "note": "Say what to agree at the end of the call.",
                },
            )
            assert changes.status_code == 200, changes.text
        version = changes.json()["version"]

        # The model now waits until released: the regenerate request is held there.
        slow_model.release.clear()
        slow_model.entered.clear()
        _answer(slow_model, SECOND)
        answered: list[int] = []

        def again() -> None:
            with served.client(served.coordinator) as client:
                response = client.post(
                    f"/api/v1/review/drafts/{draft['id']}/decisions",
                    json={"action": "regenerate", "version": version},
                )
                answered.append(response.status_code)

        drafting = threading.Thread(target=again)
        drafting.start()
        try:
            assert slow_model.entered.wait(timeout=60), "the draft never reached the model"
            with served.client(served.admin) as client:
                created = client.post("/api/v1/programs", json={"name": "While drafting again"})
            assert created.status_code == 201, created.text
            cli = subprocess.run(
                [sys.executable, "-m", "companion", "programs", "create", "Again from the CLI"],
                env={**os.environ, **cli_env(served.services.settings.data_dir)},
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert cli.returncode == 0, cli.stderr[-2000:]
            assert answered == []  # still waiting on the model throughout
        finally:
            slow_model.release.set()
            drafting.join(timeout=60)
        assert answered == [200]
        with session_scope(served.services.sessions) as session:
            names = set(session.scalars(select(Program.name)))
            stored = session.get(Draft, draft["id"])
            assert stored is not None
            assert stored.status == DraftStatus.pending_review
            assert SECOND in (stored.text or "") and FIRST not in (stored.text or "")
            assert stored.review_note == "Say what to agree at the end of the call."
            assert (stored.request or {}).get("revision", {}).get("followed_by") == "llm"
        assert {"While drafting again", "Again from the CLI"} <= names

    def test_a_decision_that_lands_while_the_model_drafts_again_wins_and_the_redraft_is_refused(
        self, served: Served, slow_model: SlowModel
    ) -> None:
        """Outside a transaction the draft may change under the call: the version check
        refuses the late write instead of overwriting the other decision."""
        _answer(slow_model, FIRST)
        slow_model.release.set()
        with served.client(served.coordinator) as client:
            draft = client.post(
                "/api/v1/drafts", json={"kind": "answer", "text": "How do I open a first session?"}
            ).json()
            version = client.post(
                f"/api/v1/review/drafts/{draft['id']}/decisions",
                json={"action": "request_changes", "version": draft["version"], "note": "Shorter."},
            ).json()["version"]
        slow_model.release.clear()
        slow_model.entered.clear()
        _answer(slow_model, SECOND)
        answered: list[int] = []

        def again() -> None:
            with served.client(served.coordinator) as client:
                answered.append(
                    client.post(
                        f"/api/v1/review/drafts/{draft['id']}/decisions",
                        json={"action": "regenerate", "version": version},
                    ).status_code
                )

        drafting = threading.Thread(target=again)
        drafting.start()
        try:
            assert slow_model.entered.wait(timeout=60)
            with served.client(served.coordinator) as client:
                edited = client.post(
                    f"/api/v1/review/drafts/{draft['id']}/decisions",
                    json={
                        "action": "edit",
                        "version": version,
                        "content": {"answer": "Edited by hand.", "insufficient": True},
                    },
                )
            assert edited.status_code == 200, edited.text
        finally:
            slow_model.release.set()
            drafting.join(timeout=60)
        assert answered == [409]
        with session_scope(served.services.sessions) as session:
            stored = session.get(Draft, draft["id"])
            assert stored is not None
            assert "Edited by hand." in (stored.text or "") and SECOND not in (stored.text or "")
