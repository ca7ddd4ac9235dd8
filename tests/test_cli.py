import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from companion.cli import app
from companion.settings import Settings
from tests.helpers import point_cli_at

runner = CliRunner()


@pytest.fixture
def env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    point_cli_at(monkeypatch, settings)
    return settings


class TestHelp:
    @pytest.mark.parametrize(
        "args",
        [[], ["db"], ["users", "create"], ["demo", "load"], ["serve"], ["programs", "create"]],
    )
    def test_every_command_has_help(self, args: list[str]) -> None:
        result = runner.invoke(app, [*args, "--help"])
        assert result.exit_code == 0
        assert "Usage" in result.output

    def test_help_does_not_import_the_heavy_libraries(self) -> None:
        code = (
            "import sys; from companion.cli import app; "
            "heavy = {'torch', 'sentence_transformers', 'chromadb', 'litellm', 'fastapi'}; "
            "print(sorted(heavy & set(sys.modules)))"
        )
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert result.stdout.strip() == "[]"


class TestUsersCreate:
    def test_prints_a_token_that_authenticates(self, env: Settings) -> None:
        from companion.accounts import service as accounts
        from companion.runtime import Services

        result = runner.invoke(
            app,
            ["users", "create", "--email", "ops@example.org", "--role", "coordinator", "--json"],
        )
        assert result.exit_code == 0, result.output
        token = json.loads(result.output)["token"]
        services = Services(env)
        with services.sessions() as session:
            user = accounts.authenticate(session=session, token=token)
            assert user.email == "ops@example.org"
        services.close()

    def test_bad_email_fails_with_the_reason(self, env: Settings) -> None:
        result = runner.invoke(app, ["users", "create", "--email", "nope", "--role", "mentor"])
        assert result.exit_code == 1
        assert "not a valid email address" in result.output

    def test_unknown_program_fails_and_creates_nothing(self, env: Settings) -> None:
        result = runner.invoke(
            app,
            ["users", "create", "--email", "a@example.org", "--role", "mentor", "--program", "X"],
        )
        assert result.exit_code == 1
        assert "No program named 'X'" in result.output
        again = runner.invoke(
            app, ["users", "create", "--email", "a@example.org", "--role", "mentor"]
        )
        assert again.exit_code == 0  # the failed attempt left no half-created user

    def test_invalid_settings_exit_2_naming_the_variable(
        self, env: Settings, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("COMPANION_DATABASE_URL", "oracle://x")
        result = runner.invoke(app, ["db", "current"])
        assert result.exit_code == 2
        assert "COMPANION_DATABASE_URL" in result.output


class TestDemoLoad:
    def test_is_idempotent(self, env: Settings) -> None:
        first = runner.invoke(app, ["demo", "load"])
        assert first.exit_code == 0, first.output
        assert "Loaded the demo program" in first.output
        second = runner.invoke(app, ["demo", "load"])
        assert "already loaded" in second.output
        listing = runner.invoke(app, ["programs", "list", "--json"])
        assert json.loads(listing.output)["total"] == 1
        assert runner.invoke(app, ["audit", "verify"]).exit_code == 0

    def test_refused_in_production(self, env: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("COMPANION_ENVIRONMENT", "production")
        monkeypatch.setenv("COMPANION_SECRET_KEY", "x" * 40)
        result = runner.invoke(app, ["demo", "load"])
        assert result.exit_code == 1
        assert "not loaded in production" in result.output


class TestDbUpgrade:
    def test_creates_the_data_dir_and_migrates(self, tmp_path: Path) -> None:
        data_dir = tmp_path / "fresh" / "var"
        result = subprocess.run(
            [sys.executable, "-m", "companion", "db", "upgrade"],
            capture_output=True,
            text=True,
            env={**os.environ, "COMPANION_DATA_DIR": str(data_dir)},
        )
        assert result.returncode == 0, result.stderr
        assert "Database at revision" in result.stdout
        assert (data_dir / "companion.db").exists()


class TestUnmigratedDatabase:
    """A command on a data dir nobody has migrated says what to run, not a traceback."""

    @pytest.fixture
    def empty(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
        monkeypatch.setenv("COMPANION_DATA_DIR", str(tmp_path))
        return tmp_path

    @pytest.mark.parametrize("args", [["ask", "How do we start?"], ["programs", "list"]])
    def test_no_tables_says_run_db_upgrade(self, empty: Path, args: list[str]) -> None:
        result = runner.invoke(app, args)
        assert result.exit_code == 2
        assert "has no tables yet: run `companion db upgrade`" in result.output
        assert "Traceback" not in result.output
        assert isinstance(result.exception, SystemExit)  # a clean exit, not an error

    def test_an_old_revision_names_both_revisions(self, empty: Path) -> None:
        assert runner.invoke(app, ["db", "upgrade", "0001"]).exit_code == 0
        result = runner.invoke(app, ["programs", "list"])
        assert result.exit_code == 2
        assert "is at revision 0001" in result.output
        assert "run `companion db upgrade`" in result.output

    def test_after_upgrade_the_command_works(self, empty: Path) -> None:
        assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
        result = runner.invoke(app, ["programs", "list"])
        assert result.exit_code == 0, result.output


@pytest.mark.sqlite_only(reason="holds SQLite's write lock; PostgreSQL locks rows, not the file")
class TestLosingToConcurrentWork:
    """A command that gives way to another writer says so and saves nothing."""

    def test_a_held_write_lock_is_a_clear_error_and_nothing_is_written(self, env: Settings) -> None:
        import sqlite3

        holder = sqlite3.connect(env.data_dir / "companion.db", isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")  # as a long write elsewhere would
            result = runner.invoke(app, ["programs", "create", "Held Out"])
        finally:
            holder.execute("ROLLBACK")
            holder.close()

        assert result.exit_code == 75, result.output
        assert "nothing it did was saved. Run it again." in " ".join(result.output.split())
        assert "Traceback" not in result.output
        listing = runner.invoke(app, ["programs", "list", "--json"])
        assert "Held Out" not in listing.output
        again = runner.invoke(app, ["programs", "create", "Held Out"])
        assert again.exit_code == 0, again.output


class TestProgramSettings:
    """`programs set` changes settings, matching weights and rules; `programs show` lists them."""

    def test_sets_weights_and_rules_and_shows_them(self, env: Settings) -> None:
        assert runner.invoke(app, ["programs", "create", "Growth"]).exit_code == 0
        result = runner.invoke(
            app,
            [
                "programs",
                "set",
                "Growth",
                "cadence_days=14",
                "matching.weights.semantic=0.6",
                "matching.rules.exclude_same_department=true",
            ],
        )
        assert result.exit_code == 0, result.output

        shown = json.loads(runner.invoke(app, ["programs", "show", "Growth", "--json"]).output)
        assert shown["cadence_days"] == 14
        assert shown["matching"]["weights"]["semantic"] == 0.6
        assert shown["matching"]["weights"]["skills"] == 0.15  # untouched weights stay
        assert shown["matching"]["rules"]["exclude_same_department"] is True
        assert runner.invoke(app, ["audit", "verify"]).exit_code == 0

    @pytest.mark.parametrize(
        ("assignment", "message"),
        [
            ("cadence_days=0", "cadence_days: Input should be greater than or equal to 1"),
            ("matching.weights.semantic=3", "matching.weights.semantic"),
            ("matching.weights.bogus=1", "matching.weights.bogus"),
            ("cadence_days", "write each setting as NAME=VALUE"),
        ],
    )
    def test_a_bad_setting_names_itself_and_changes_nothing(
        self, env: Settings, assignment: str, message: str
    ) -> None:
        assert runner.invoke(app, ["programs", "create", "Growth"]).exit_code == 0
        result = runner.invoke(app, ["programs", "set", "Growth", "session_minutes=30", assignment])

        assert result.exit_code == 1
        assert message in " ".join(result.output.split())
        shown = json.loads(runner.invoke(app, ["programs", "show", "Growth", "--json"]).output)
        assert shown["session_minutes"] == 45  # the good setting beside it was not applied


class TestTeamChat:
    """`programs team-chat` points a program's coordinator notices at a webhook, or stops."""

    def test_set_show_and_stop_with_the_address_never_printed(self, env: Settings) -> None:
        assert runner.invoke(app, ["programs", "create", "Growth"]).exit_code == 0
        secret = "https://hooks.slack.com/services/T000/B000/SECRET-PART"

        refused = runner.invoke(
            app, ["programs", "team-chat", "Growth", "--url", "http://example.com/hook"]
        )
        assert refused.exit_code == 1 and "https address" in refused.output
        set_ = runner.invoke(app, ["programs", "team-chat", "Growth", "--url", secret])
        assert set_.exit_code == 0, set_.output
        shown = runner.invoke(app, ["programs", "team-chat", "Growth"])
        assert "hooks.slack.com" in shown.output and "SECRET-PART" not in shown.output
        stopped = runner.invoke(app, ["programs", "team-chat", "Growth", "--off"])
        assert "posts nothing" in stopped.output
        exported = runner.invoke(app, ["audit", "export"])
        assert "SECRET-PART" not in exported.output
        assert "notifications.team_chat_set" in exported.output
