"""`companion community`: the code of conduct from a file, and the open reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from companion.cli import app
from tests.community.conftest import World
from tests.helpers import point_cli_at

runner = CliRunner()


@pytest.fixture
def cli(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    point_cli_at(monkeypatch, world.services.settings)
    return world


def test_the_code_of_conduct_is_shown_and_replaced_from_a_file(cli: World, tmp_path: Path) -> None:
    shown = runner.invoke(app, ["community", "conduct"])
    assert shown.exit_code == 0, shown.output
    assert "Be kind" in shown.output and "version 1" in shown.output
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    refused = runner.invoke(app, ["community", "conduct", "--file", str(empty)])
    assert refused.exit_code == 1 and "is empty" in refused.output
    rules = tmp_path / "conduct.txt"
    rules.write_text("Be generous with your time. Keep confidences.\n")
    changed = runner.invoke(
        app, ["community", "conduct", "--file", str(rules), "--organisation-wide"]
    )
    assert changed.exit_code == 0, changed.output
    assert "version 2" in changed.output and "the whole organisation" in changed.output
    assert cli.get("eli", "/conduct").json()["code_of_conduct"].startswith("Be generous")


def test_open_reports_are_listed(cli: World) -> None:
    assert "No open reports." in runner.invoke(app, ["community", "reports"]).output
    qid = cli.ask("eli", "How do I give difficult feedback?").json()["id"]
    filed = cli.post(
        "omar", "/reports", {"target": "question", "target_id": qid, "reason": "Off topic"}
    )
    assert filed.status_code == 201
    listed = runner.invoke(app, ["community", "reports", "--json"])
    assert listed.exit_code == 0, listed.output
    assert [(r["target_id"], r["reason"]) for r in json.loads(listed.output)] == [
        (qid, "Off topic")
    ]
