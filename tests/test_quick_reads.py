"""Quick reads (`api.deps.run_as_user`) never write, on either engine: a write in one is
refused before it reaches the database, where on PostgreSQL it would otherwise be
committed at once (quick reads run in autocommit there: tests/test_postgres.py)."""

from __future__ import annotations

import anyio
import pytest
from sqlalchemy import event, select, update

from api.deps import run_as_user
from companion.accounts.models import Role, User
from companion.db.engine import WriteInQuickRead
from companion.runtime import Services
from tests.helpers import make_user


@pytest.fixture
def maya(services: Services) -> tuple[int, str]:
    with services.write_sessions() as session:
        user, token = make_user(session, "maya@example.org", (Role.mentee, None))
        session.commit()
        return user.id, token


def _name_of(services: Services, user_id: int) -> str | None:
    with services.sessions() as session:
        return session.scalar(select(User.display_name).where(User.id == user_id))


def test_a_statement_that_writes_is_refused_and_changes_nothing(services, maya) -> None:
    user_id, token = maya
    before = _name_of(services, user_id)

    def work(session, user):
        session.execute(update(User).where(User.id == user.id).values(display_name="Changed"))

    with pytest.raises(WriteInQuickRead, match="quick read tried to write"):
        anyio.run(run_as_user, services, token, work)
    assert _name_of(services, user_id) == before


def test_a_changed_object_is_refused_at_its_flush_and_changes_nothing(services, maya) -> None:
    user_id, token = maya
    before = _name_of(services, user_id)

    def work(session, user):
        user.display_name = "Changed"
        session.flush()

    with pytest.raises(WriteInQuickRead):
        anyio.run(run_as_user, services, token, work)

    def work_without_flush(session, user):
        user.display_name = "Changed"  # the end of the unit of work would flush it
        return user.id

    with pytest.raises(WriteInQuickRead):
        anyio.run(run_as_user, services, token, work_without_flush)
    assert _name_of(services, user_id) == before


def test_a_read_still_answers(services, maya) -> None:
    user_id, token = maya
    found = anyio.run(run_as_user, services, token, lambda session, user: user.id)
    assert found == user_id


def test_a_quick_read_sends_its_selects_and_nothing_else(services, maya) -> None:
    """No BEGIN and no COMMIT around a quick read, on either engine: each costs the read a
    call into the driver (docs/performance.md, "Throughput")."""
    _, token = maya
    sent: list[str] = []

    def seen(conn, cursor, statement, *args) -> None:
        sent.append(statement.strip().split()[0].upper())

    def work(session, user):
        return session.scalar(select(User.display_name).where(User.id == user.id))

    event.listen(services.quick_read_engine, "before_cursor_execute", seen)
    try:
        assert anyio.run(run_as_user, services, token, work) is not None
    finally:
        event.remove(services.quick_read_engine, "before_cursor_execute", seen)
    assert sent == ["SELECT", "SELECT"]


def test_each_statement_of_a_quick_read_sees_what_was_committed_before_it(services, maya) -> None:
    """As on PostgreSQL at READ COMMITTED, on SQLite too: a quick read holds no snapshot
    from one statement to the next, so it never keeps an old one alive either."""
    user_id, token = maya

    def work(session, user):
        first = session.scalar(select(User.display_name).where(User.id == user_id))
        with services.write_sessions() as writer:
            writer.execute(update(User).where(User.id == user_id).values(display_name="Later"))
            writer.commit()
        return first, session.scalar(select(User.display_name).where(User.id == user_id))

    first, second = anyio.run(run_as_user, services, token, work)
    assert first != "Later"
    assert second == "Later"
