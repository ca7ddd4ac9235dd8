"""A request that loses to concurrent work is run again, then answered 503 or 409; never 500.

On real PostgreSQL: the test database runs at REPEATABLE READ, and another connection
commits a change to the row a request is about to update, between the request's read and
its write, which is exactly when PostgreSQL refuses the write with a serialisation failure.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from api.app import create_app
from api.errors import CONCURRENCY_RETRIES
from companion.accounts.models import Role, User
from companion.audit import service as audit
from companion.db import session_scope
from companion.programs import service as programs
from companion.programs.models import Program
from companion.runtime import Services
from tests.conftest import Databases
from tests.helpers import TEST_SYSTEM, bearer, make_user

CHANGE_ELSEWHERE = "UPDATE programs SET description = 'changed elsewhere {n}' WHERE id = %d"


class Interference:
    """Before the app's next `times` statements that start with `prefix`, commits `sql`
    from another connection: a concurrent transaction that got there first."""

    def __init__(self, services: Services) -> None:
        self.other = create_engine(services.settings.database_url, poolclass=NullPool)
        self.prefix = ""
        self.sql = ""
        self.times = 0
        self.seen = 0
        event.listen(services.engine, "before_cursor_execute", self._before)

    def arm(self, prefix: str, sql: str, times: int) -> None:
        self.prefix, self.sql, self.times = prefix, sql, times

    def _before(self, _conn, _cursor, statement: str, *_args: object) -> None:
        if not self.prefix or not statement.lstrip().upper().startswith(self.prefix):
            return
        self.seen += 1
        if self.times > 0:
            self.times -= 1
            with self.other.begin() as connection:
                connection.execute(text(self.sql.format(n=self.seen)))


@pytest.fixture
def world(tmp_path, postgres_databases: Databases, encoder, own_chroma) -> Iterator[tuple]:
    settings = postgres_databases.new(tmp_path / "var")
    name = make_url(settings.database_url).database
    postgres_databases.execute(
        f"ALTER DATABASE {name} SET default_transaction_isolation = 'repeatable read'"
    )
    services = Services(settings, encoder=encoder, chroma=own_chroma)
    with session_scope(services.sessions) as session:
        program_id = programs.create(session=session, name="Pilot", principal=TEST_SYSTEM).id
    with services.sessions() as session:
        _, lead = make_user(session, "lead@example.org", (Role.coordinator, program_id))
        _, admin = make_user(session, "admin@example.org", (Role.admin, None))
    interference = Interference(services)
    with TestClient(create_app(services=services)) as client:
        yield client, services, lead, admin, program_id, interference
    services.close()
    interference.other.dispose()
    postgres_databases.drop(settings)


def description_of(services: Services, program_id: int) -> str:
    with services.sessions() as session:
        return session.get_one(Program, program_id).description


def test_a_write_that_lost_once_is_run_again_and_succeeds(world) -> None:
    client, services, lead, _admin, program_id, interference = world
    interference.arm("UPDATE PROGRAMS", CHANGE_ELSEWHERE % program_id, times=1)
    answer = client.patch(
        f"/api/v1/programs/{program_id}", json={"description": "Ours"}, headers=bearer(lead)
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["description"] == "Ours"
    assert interference.seen == 2  # refused once, then run again
    assert description_of(services, program_id) == "Ours"
    with services.sessions() as session:
        assert audit.verify(session=session) == []
        updated = session.scalar(
            select(func.count())
            .select_from(audit.AuditEvent)
            .where(audit.AuditEvent.action == "program.updated")
        )
    assert updated == 1  # the lost try left nothing behind


def test_a_write_that_keeps_losing_is_a_503_with_retry_after(world) -> None:
    client, services, lead, _admin, program_id, interference = world
    interference.arm("UPDATE PROGRAMS", CHANGE_ELSEWHERE % program_id, times=100)
    answer = client.patch(
        f"/api/v1/programs/{program_id}", json={"description": "Ours"}, headers=bearer(lead)
    )
    assert answer.status_code == 503, answer.text
    assert answer.headers["Retry-After"] == "1"
    assert answer.json()["error"]["code"] == "busy"
    assert "nothing was saved" in answer.json()["error"]["message"]
    assert interference.seen == CONCURRENCY_RETRIES + 1  # bounded
    assert description_of(services, program_id) == f"changed elsewhere {CONCURRENCY_RETRIES + 1}"


def test_a_unique_value_taken_at_the_same_moment_is_a_409_not_a_500(world) -> None:
    client, services, _lead, admin, program_id, interference = world
    interference.arm(
        "INSERT INTO USERS",
        "INSERT INTO users (email, display_name, is_active, created_at) "
        "VALUES ('pia@example.org', 'Pia elsewhere', true, now())",
        times=1,
    )
    answer = client.post(
        "/api/v1/users",
        json={
            "email": "pia@example.org",
            "display_name": "Pia",
            "roles": [{"role": "mentor", "program_id": program_id}],
        },
        headers=bearer(admin),
    )
    assert answer.status_code == 409, answer.text
    assert interference.seen == 1  # run again, the service saw the address taken
    with services.sessions() as session:
        names = session.scalars(
            select(User.display_name).where(User.email == "pia@example.org")
        ).all()
    assert names == ["Pia elsewhere"]
