"""`companion participants invite`: batches with progress, a report, and the same rules."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from companion.cli import app
from tests.helpers import point_cli_at
from tests.invitations.conftest import NOT_JOINED, mail_to, send_mail
from tests.relationships.conftest import World
from tests.review.test_outbox import MailRecorder

runner = CliRunner()


@pytest.fixture
def cli(pilot: World, monkeypatch: pytest.MonkeyPatch) -> World:
    settings = pilot.services.settings
    point_cli_at(monkeypatch, settings)
    monkeypatch.setenv("COMPANION_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("COMPANION_SMTP_PORT", str(settings.smtp_port))
    monkeypatch.setenv("COMPANION_PUBLIC_URL", settings.public_url)
    return pilot


def test_everyone_pending_is_invited_with_progress_and_a_report(
    cli: World, mailbox: tuple[MailRecorder, int]
) -> None:
    recorder, _ = mailbox
    done = runner.invoke(app, ["participants", "invite", "--program", "Pilot", "--all-pending"])
    assert done.exit_code == 0, done.output
    assert "Invited 4 of 4" in done.stderr
    assert "Invitations: 4 invited, 5 already joined." in done.stdout
    again = runner.invoke(
        app, ["participants", "invite", "--program", "Pilot", "--all-pending", "--json"]
    )
    assert json.loads(again.stdout) == {
        "invited": 0,
        "already_joined": 5,
        "already_invited": 4,
        "skipped": [],
    }
    send_mail(cli)
    assert all(len(mail_to(recorder, address)) == 1 for address in NOT_JOINED)


def test_chosen_people_and_bad_choices(cli: World) -> None:
    chosen = runner.invoke(
        app,
        ["participants", "invite", "--program", "Pilot", "--email", "nia@example.org",
         "--email", "stranger@example.org", "--json"],
    )  # fmt: skip
    assert json.loads(chosen.stdout)["skipped"] == [
        {"email": "stranger@example.org", "reason": "not a participant of this program"}
    ]
    neither = runner.invoke(app, ["participants", "invite", "--program", "Pilot"])
    assert neither.exit_code == 2 and "--all-pending" in neither.stderr
    unknown = runner.invoke(app, ["participants", "invite", "--program", "Nope", "--all-pending"])
    assert unknown.exit_code == 1 and "Nope" in unknown.stderr
