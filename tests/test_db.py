from sqlalchemy import inspect, text

from companion.db import current_revision, head_revision, make_engine, upgrade
from companion.services import Services


class TestMigrations:
    def test_fresh_database_reaches_head_with_all_tables(self, tmp_path) -> None:
        url = f"sqlite:///{tmp_path / 'fresh.db'}"
        upgrade(url)
        engine = make_engine(url)
        assert current_revision(engine) == head_revision()
        tables = set(inspect(engine).get_table_names())
        assert {"users", "role_assignments", "api_tokens", "programs", "audit_events"} <= tables
        upgrade(url)  # a second run changes nothing and does not fail
        assert current_revision(engine) == head_revision()
        engine.dispose()


class TestSqliteEngine:
    def test_wal_and_foreign_keys_are_on(self, services: Services) -> None:
        with services.engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1

    def test_foreign_keys_are_enforced(self, services: Services) -> None:
        import pytest
        from sqlalchemy.exc import IntegrityError

        with services.engine.connect() as connection, pytest.raises(IntegrityError):
            connection.execute(
                text(
                    "INSERT INTO role_assignments (user_id, role, program_id, created_at) "
                    "VALUES (999, 'mentor', NULL, '2026-01-01')"
                )
            )
