"""`companion db backup`: an online copy of SQLite that never waits for the writer."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from companion.db.backup import backup_sqlite
from companion.errors import InvalidInput
from companion.settings import Settings
from tests.helpers import cli_env


def users_in(path: Path) -> list[str]:
    with sqlite3.connect(path) as connection:
        return [row[0] for row in connection.execute("SELECT email FROM users ORDER BY email")]


@pytest.mark.sqlite_only(reason="copies SQLite's file with its backup API; PostgreSQL uses pg_dump")
def test_the_copy_has_what_was_committed_and_not_what_a_writer_holds_open(
    settings: Settings, tmp_path: Path
) -> None:
    env = {**os.environ, **cli_env(settings.data_dir)}
    subprocess.run(
        [sys.executable, "-m", "companion", "users", "create", "--email", "kept@example.org",
         "--role", "admin"],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    database = settings.data_dir / "companion.db"
    writer = sqlite3.connect(database, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute(
            "INSERT INTO users (email, display_name, is_active, created_at) "
            "SELECT 'uncommitted@example.org', display_name, is_active, created_at "
            "FROM users LIMIT 1"
        )
        done = subprocess.run(
            [sys.executable, "-m", "companion", "db", "backup", str(tmp_path / "copy.db")],
            env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert done.returncode == 0, done.stderr
    assert "integrity checked" in done.stdout
    assert users_in(tmp_path / "copy.db") == ["kept@example.org"]
    again = subprocess.run(
        [sys.executable, "-m", "companion", "db", "backup", str(tmp_path / "copy.db")],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert again.returncode == 1
    assert "exists already" in again.stderr
    assert users_in(tmp_path / "copy.db") == ["kept@example.org"]


def test_postgresql_is_sent_to_pg_dump(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="pg_dump") as refused:
        backup_sqlite("postgresql+psycopg://postgres@127.0.0.1:5432/companion", tmp_path / "x.db")
    assert refused.value.details[0]["field"] == "database_url"
    assert not (tmp_path / "x.db").exists()
