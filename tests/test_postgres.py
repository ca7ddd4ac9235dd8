"""The same migrations and core flows on PostgreSQL (no SQLite-only SQL).

Runs on a PostgreSQL server the tests start themselves (`make test` installs
Debian's package), or on COMPANION_TEST_POSTGRES_URL: an empty database that the
tests may reset, e.g. postgresql+psycopg://companion:companion@127.0.0.1/companion_test.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select, text

from companion.audit import service as audit
from companion.db import current_revision, head_revision, make_engine, session_scope, upgrade
from companion.demo import DEMO_PARTICIPANTS
from companion.matching import service as matching
from companion.matching.models import Relationship
from companion.participants import service as participants
from companion.programs import service as programs
from companion.runtime import Services
from companion.settings import Settings
from tests.helpers import TEST_SYSTEM


@pytest.fixture
def pg_services(tmp_path, encoder, own_chroma, postgres_url: str) -> Iterator[Services]:
    engine = make_engine(postgres_url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade(postgres_url)
    built = Services(
        Settings(environment="test", data_dir=tmp_path / "var", database_url=postgres_url),
        encoder=encoder,
        chroma=own_chroma,
    )
    yield built
    built.close()


def test_migrations_and_the_matching_flow_run_on_postgresql(pg_services: Services) -> None:
    assert current_revision(pg_services.engine) == head_revision()
    with session_scope(pg_services.sessions) as session:
        program = programs.create(session=session, name="Postgres cohort", principal=TEST_SYSTEM)
        summary = participants.import_participants(
            session=session,
            program_id=program.id,
            data=DEMO_PARTICIPANTS.read_bytes(),
            filename="participants.csv",
            principal=TEST_SYSTEM,
        )
        assert summary.created == 52
        run = matching.run(
            session=session,
            vectors=pg_services.profile_vectors,
            program_id=program.id,
            principal=TEST_SYSTEM,
        )
        assert run.proposals
        matching.approve(session=session, proposal_id=run.proposals[0].id, principal=TEST_SYSTEM)
    with session_scope(pg_services.sessions) as session:
        assert audit.verify(session=session) == []
        assert session.scalar(select(func.count()).select_from(Relationship)) == 1


def test_overlapping_audited_writes_all_land_in_one_unbroken_chain(pg_services: Services) -> None:
    """Eight writers at once: each appends to the audit chain in its own transaction.

    Appending used to read the latest event and insert seq + 1, so two overlapping
    transactions collided on the unique seq and one of them failed.
    """
    import threading

    failures: list[BaseException] = []
    start = threading.Barrier(8)

    def writer(n: int) -> None:
        start.wait()
        for k in range(10):
            try:
                with session_scope(pg_services.sessions) as session:
                    programs.create(session=session, name=f"P{n}-{k}", principal=TEST_SYSTEM)
            except BaseException as exc:  # noqa: BLE001 - collected and asserted below
                failures.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with session_scope(pg_services.sessions) as session:
        assert audit.verify(session=session) == []
        created = session.scalar(
            select(func.count())
            .select_from(audit.AuditEvent)
            .where(audit.AuditEvent.action == "program.created")
        )
        assert created == 80


def test_text_postgresql_would_refuse_is_a_422_naming_the_field(pg_services: Services) -> None:
    """What SQLite would store and PostgreSQL refuse (a NUL byte, an over-long value)."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from companion.accounts.models import Role
    from tests.helpers import bearer, make_user

    with session_scope(pg_services.sessions) as session:
        programs.create(session=session, name="Pilot", principal=TEST_SYSTEM)
    with pg_services.sessions() as session:
        from companion.accounts.models import Role

        _, admin = make_user(session, "admin@example.org", (Role.admin, None))
    with TestClient(create_app(services=pg_services)) as client:
        nul = client.post(
            "/api/v1/programs",
            json={"name": "Spring", "description": "Listen first\u0000."},
            headers=bearer(admin),
        )
        assert nul.status_code == 422, nul.text
        assert nul.json()["error"]["details"][0]["field"] == "description"
        listed = client.get("/api/v1/programs", headers=bearer(admin)).json()
        assert [p["name"] for p in listed["items"]] == ["Pilot"]


def test_a_quick_read_runs_outside_a_transaction(pg_services: Services) -> None:
    """No BEGIN and COMMIT around a quick read: each statement is its own transaction,
    so `now()` (a transaction's start) moves between two statements of one read."""
    import time

    import anyio

    from api.deps import run_as_user
    from companion.accounts.models import Role
    from tests.helpers import make_user

    with pg_services.write_sessions() as session:
        _, token = make_user(session, "maya@example.org", (Role.mentee, None))
        session.commit()

    def work(session, _user):
        first = session.scalar(text("SELECT now()"))
        time.sleep(0.01)
        return first, session.scalar(text("SELECT now()"))

    first, second = anyio.run(run_as_user, pg_services, token, work)
    assert second > first
    # A unit of work that is not a quick read keeps its transaction.
    with pg_services.sessions() as session:
        first = session.scalar(text("SELECT now()"))
        time.sleep(0.01)
        assert session.scalar(text("SELECT now()")) == first


def test_a_quick_read_whose_connection_was_closed_answers(pg_services: Services) -> None:
    """The quick reads' pool lends a connection without pinging it first; when the server
    closed it (a restart, an idle timeout), the read is run again on a new one."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from companion.accounts.models import Role
    from tests.helpers import bearer, make_user

    with pg_services.write_sessions() as session:
        _, token = make_user(session, "maya@example.org", (Role.mentee, None))
        session.commit()
    with TestClient(create_app(services=pg_services)) as client:
        assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
        with pg_services.engine.connect() as connection:
            closed = connection.scalar(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        assert closed >= 1
        for _ in range(3):
            answer = client.get("/api/v1/me", headers=bearer(token))
            assert answer.status_code == 200, answer.text
            assert answer.json()["email"] == "maya@example.org"
