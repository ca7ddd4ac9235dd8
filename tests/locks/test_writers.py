"""Writers on SQLite wait their turn, and no write lock is held across a model call."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from companion.accounts.models import ApiToken
from companion.db import session_scope
from companion.drafting.models import Draft, DraftStatus
from companion.programs.models import Program
from tests.helpers import cli_env
from tests.locks.conftest import Served, SlowModel

WRITERS = 8
WRITES_EACH = 10


def _create_programs(served: Served, writer: int) -> list[int]:
    with served.client(served.admin) as client:
        return [
            client.post("/api/v1/programs", json={"name": f"Writer {writer} program {n}"})
            .raise_for_status()
            .status_code
            for n in range(WRITES_EACH)
        ]


def _answer(slow_model: SlowModel) -> None:
    slow_model.content = json.dumps(
        {"answer": "The guidance given does not cover this.", "insufficient": True}
    )


class TestConcurrentWriters:
    def test_eight_writers_creating_ten_programs_each_all_succeed(self, served: Served) -> None:
        with ThreadPoolExecutor(WRITERS) as pool:
            statuses = [
                s
                for batch in pool.map(lambda w: _create_programs(served, w), range(WRITERS))
                for s in batch
            ]
        assert statuses == [201] * (WRITERS * WRITES_EACH)
        with session_scope(served.services.sessions) as session:
            names = session.scalars(select(Program.name)).all()
        assert len([n for n in names if n.startswith("Writer ")]) == WRITERS * WRITES_EACH


class TestADraftWaitingOnTheModel:
    def test_other_writers_and_the_cli_go_ahead_while_the_model_thinks(
        self, served: Served, slow_model: SlowModel
    ) -> None:
        _answer(slow_model)
        answered: list[int] = []

        def ask() -> None:
            with served.client(served.coordinator) as client:
                response = client.post(
                    "/api/v1/drafts",
                    json={"kind": "answer", "text": "How do I open a first session?"},
                )
                answered.append(response.status_code)

        # A fresh token: its last-used stamp is due, which used to hold the write lock.
        drafting = threading.Thread(target=ask)
        drafting.start()
        try:
            assert slow_model.entered.wait(timeout=60), "the draft never reached the model"
            with served.client(served.admin) as client:
                created = client.post("/api/v1/programs", json={"name": "While drafting"})
            assert created.status_code == 201, created.text
            cli = subprocess.run(
                [sys.executable, "-m", "companion", "programs", "create", "From the CLI"],
                env={**os.environ, **cli_env(served.services.settings.data_dir)},
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert cli.returncode == 0, cli.stderr[-2000:]
            assert answered == []  # the draft was still waiting on the model throughout
        finally:
            slow_model.release.set()
            drafting.join(timeout=60)
        assert answered == [201]
        with session_scope(served.services.sessions) as session:
            names = set(session.scalars(select(Program.name)))
            statuses = session.scalars(select(Draft.status)).all()
            stamps = session.scalars(select(ApiToken.last_used_at)).all()
        assert {"While drafting", "From the CLI"} <= names
        assert statuses == [DraftStatus.pending_review]
        assert all(stamp is not None for stamp in stamps)

    def test_a_failed_draft_keeps_its_record_and_the_token_stamp(
        self, served: Served, slow_model: SlowModel
    ) -> None:
        slow_model.status = 400
        slow_model.content = "model refuses"
        slow_model.release.set()
        with served.client(served.coordinator) as client:
            response = client.post(
                "/api/v1/drafts", json={"kind": "answer", "text": "How do I close a session?"}
            )
        assert response.status_code == 503, response.text
        with session_scope(served.services.sessions) as session:
            statuses = session.scalars(select(Draft.status)).all()
            stamps = session.scalars(select(ApiToken.last_used_at)).all()
        assert statuses == [DraftStatus.failed]
        # Only the coordinator's token was used: stamped although its request failed.
        assert len([s for s in stamps if s is not None]) == 1
