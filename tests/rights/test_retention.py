"""Retention: nothing goes by default, a dry run only counts, logs are kept six months."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from companion.audit import service as audit
from companion.audit.models import AuditEvent
from companion.cli import app
from companion.db import session_scope
from companion.errors import InvalidInput, PermissionDenied
from companion.relationships.models import Message
from companion.rights import retention
from companion.rights.schemas import RetentionSettings
from tests.helpers import TEST_SYSTEM, app_for, point_cli_at
from tests.relationships.conftest import World
from tests.rights.conftest import NOW


def messages(world: World) -> int:
    with world.services.sessions() as session:
        return session.scalar(select(func.count()).select_from(Message))


class TestSettings:
    @pytest.mark.parametrize("name", ["drafts_days", "audit_days", "closed_relationships_days"])
    def test_logs_are_kept_at_least_six_months(self, world: World, name: str) -> None:
        with world.services.sessions() as session, pytest.raises(InvalidInput) as refused:
            retention.configure(
                session=session,
                principal=TEST_SYSTEM,
                program_id=world.pilot,
                retention=RetentionSettings(**{name: 90}),
            )
        assert refused.value.details == [{"field": name, "message": refused.value.message}]
        assert "Art. 26" in refused.value.message and "183" in refused.value.message

    def test_only_an_administrator_sets_them(self, world: World) -> None:
        from companion.accounts import service as accounts

        with world.services.sessions() as session:
            lead = accounts.get_by_email(session=session, email="lead@example.org")
            with pytest.raises(PermissionDenied):
                retention.configure(
                    session=session,
                    principal=lead,
                    program_id=world.pilot,
                    retention=RetentionSettings(messages_days=30),
                )


class TestRun:
    def test_nothing_goes_by_default(self, world: World, history: dict[str, int]) -> None:
        with session_scope(world.services.write_sessions) as session:
            report = retention.run(session=session, principal=TEST_SYSTEM, dry_run=False)
        assert report.items == []
        assert messages(world) == 4

    def test_a_dry_run_counts_and_a_run_removes(
        self, world: World, history: dict[str, int], monkeypatch
    ) -> None:
        with session_scope(world.services.write_sessions) as session:
            retention.configure(
                session=session,
                principal=TEST_SYSTEM,
                program_id=world.pilot,
                retention=RetentionSettings(messages_days=30, audit_days=200),
            )
        later = NOW + timedelta(days=400)
        with session_scope(world.services.write_sessions) as session:
            dry = retention.run(session=session, principal=TEST_SYSTEM, dry_run=True, now=later)
        counts = {item.what: item.count for item in dry.items}
        assert counts["thread messages"] == 4
        assert counts["audit events (who and data removed)"] > 0
        assert messages(world) == 4
        with world.services.sessions() as session:
            assert not session.scalar(
                select(func.count()).where(AuditEvent.redacted_at.is_not(None))
            )

        with session_scope(world.services.write_sessions) as session:
            done = retention.run(session=session, principal=TEST_SYSTEM, dry_run=False, now=later)
        assert [i.count for i in done.items] == [i.count for i in dry.items]
        assert messages(world) == 0
        with world.services.sessions() as session:
            assert audit.verify(session=session) == []
            # Events of another program keep who and data.
            other = session.scalars(
                select(AuditEvent).where(AuditEvent.program_id == world.other)
            ).all()
            assert all(e.redacted_at is None for e in other)

    def test_the_command_line_says_what_would_go(
        self, world: World, history: dict[str, int], monkeypatch
    ) -> None:
        point_cli_at(monkeypatch, world.services.settings)
        runner = CliRunner()
        refused = runner.invoke(
            app, ["retention", "set", "--program", "Pilot", "--drafts-days", "30"]
        )
        assert refused.exit_code == 1
        assert "drafts_days" in refused.output and "Art. 26" in refused.output
        done = runner.invoke(
            app, ["retention", "set", "--program", "Pilot", "--messages-days", "1"]
        )
        assert done.exit_code == 0, done.output
        dry = runner.invoke(app, ["retention", "run", "--dry-run"])
        assert dry.exit_code == 0, dry.output
        # Every message was written today: none is a day old yet.
        assert "Pilot: would remove 0 thread messages (older than 1 day)" in dry.output
        assert messages(world) == 4


class TestInTheServer:
    def test_the_server_applies_retention_by_itself(
        self, world: World, history: dict[str, int], monkeypatch
    ) -> None:
        import time

        from fastapi.testclient import TestClient

        import api.app
        from companion.db.base import utcnow

        with session_scope(world.services.write_sessions) as session:
            retention.configure(
                session=session,
                principal=TEST_SYSTEM,
                program_id=world.pilot,
                retention=RetentionSettings(messages_days=7),
            )
            for message in session.scalars(select(Message)):
                message.created_at = utcnow() - timedelta(days=8)
        monkeypatch.setattr(api.app, "RETENTION_FIRST_SECONDS", 0)
        with TestClient(app_for(world.services)):
            deadline = time.monotonic() + 60
            while messages(world) and time.monotonic() < deadline:
                time.sleep(0.2)
        assert messages(world) == 0
        with world.services.sessions() as session:
            applied = session.scalars(
                select(AuditEvent).where(AuditEvent.action == retention.RETENTION_ACTION)
            ).one()
            assert applied.actor_label == "retention"
            assert applied.data["removed"] == {"messages_days": 4}


class TestApi:
    def test_administrators_set_them_and_the_minimum_holds(self, world: World) -> None:
        from companion.accounts.models import Role
        from tests.helpers import bearer, make_user

        with world.services.sessions() as session:
            _, token = make_user(session, "admin@example.org", (Role.admin, None))
        url = f"/api/v1/programs/{world.pilot}/data-rights"
        assert world.client.get(url, headers=bearer(token)).json()["retention"] == {
            "closed_relationships_days": None,
            "drafts_days": None,
            "messages_days": None,
            "audit_days": None,
        }
        short = world.client.put(
            url, json={"retention": {"drafts_days": 30}}, headers=bearer(token)
        )
        assert short.status_code == 422
        assert [d["field"] for d in short.json()["error"]["details"]] == ["drafts_days"]
        done = world.client.put(
            url,
            json={"retention": {"messages_days": 90}, "allow_self_erasure": True},
            headers=bearer(token),
        )
        assert done.status_code == 200, done.text
        assert done.json()["retention"]["messages_days"] == 90
        assert done.json()["allow_self_erasure"] is True
        for who in ("lead", "org", "maya"):
            assert world.client.get(url, headers=world.headers(who)).status_code == 403, who
            put = world.client.put(url, json={"retention": {}}, headers=world.headers(who))
            assert put.status_code == 403, who
        assert world.client.get(url, headers=bearer(token)).json()["allow_self_erasure"] is True
