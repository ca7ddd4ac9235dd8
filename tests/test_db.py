import pytest
from sqlalchemy import inspect, text

from companion.db import current_revision, head_revision, make_engine, upgrade
from companion.runtime import Services


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

    def test_migrations_match_the_models(self, tmp_path) -> None:
        """A model changed without a migration shows up here, not in production."""
        from alembic.autogenerate import compare_metadata
        from alembic.migration import MigrationContext

        from companion.db.base import Base
        from companion.models import load_all_models

        load_all_models()
        url = f"sqlite:///{tmp_path / 'drift.db'}"
        upgrade(url)
        engine = make_engine(url)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": False})
            drift = compare_metadata(context, Base.metadata)
        engine.dispose()
        assert drift == []

    def test_pairs_approved_before_0004_get_their_members(self, tmp_path) -> None:
        url = f"sqlite:///{tmp_path / 'old.db'}"
        upgrade(url, "0003")
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(
                text(
                    'INSERT INTO programs (name, description, kind, "values", cadence_days, '
                    "session_minutes, duration_weeks, matching, created_at, updated_at) VALUES "
                    "('P', '', 'one_on_one', '', 14, 45, 26, '{}', '2026-01-01', '2026-01-01')"
                )
            )
            for pid in ("m", "e"):
                connection.execute(
                    text(
                        "INSERT INTO participants (program_id, external_id, name, email, role, "
                        "title, department, location, timezone, languages, skills, expertise, "
                        "goals, challenges, industry, working_style, communication, "
                        "availability, availability_text, capacity, avoid, "
                        "consent_demographics, created_at, updated_at) VALUES (1, :pid, :pid, "
                        ":email, 'mentor', '', '', '', 'UTC', '[]', '[]', '', '', '', '', '', "
                        "'[]', '[]', '', 1, '[]', 0, '2026-01-01', '2026-01-01')"
                    ),
                    {"pid": pid, "email": f"{pid}@example.org"},
                )
            connection.execute(
                text(
                    "INSERT INTO relationships (program_id, mentor_id, mentee_id, status, "
                    "created_at) VALUES (1, 1, 2, 'active', '2026-01-01')"
                )
            )
        upgrade(url)
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT participant_id, role FROM relationship_members ORDER BY id")
            ).all()
            kind = connection.execute(text("SELECT kind FROM relationships")).scalar()
        engine.dispose()
        assert [tuple(r) for r in rows] == [(1, "mentor"), (2, "mentee")]
        assert kind == "pair"


class TestSqliteEngine:
    @pytest.mark.sqlite_only(reason="reads SQLite's PRAGMAs (WAL, foreign keys)")
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
