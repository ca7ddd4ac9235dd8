"""The drafting commands: one JSON object per draft, stored pending review; the SMART eval."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from companion.cli import app, source_line
from tests.helpers import point_cli_at
from tests.relationships.conftest import World

KEYS = {"id", "kind", "status", "model", "prompt", "content", "text", "sources"}


@pytest.fixture
def cli(world: World, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    point_cli_at(monkeypatch, world.services.settings)
    return CliRunner()


@pytest.mark.parametrize(
    "args",
    [
        ["draft", "agenda", "--relationship", "1"],
        ["draft", "brief", "--relationship", "1"],
        ["draft", "feedback", "--relationship", "2"],
        ["draft", "nudge", "--relationship", "2"],
        ["draft", "goal", "--mentee", "E1", "--text", "I want to lead our design reviews"],
        ["ask", "How do I prepare for a first mentoring session?"],
    ],
)
def test_each_draft_prints_one_json_object_pending_review(cli: CliRunner, args) -> None:
    result = cli.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    draft = json.loads(result.stdout)
    assert set(draft) >= KEYS
    assert (draft["status"], draft["model"]) == ("pending_review", "offline")
    assert "@" in draft["prompt"] and draft["text"].strip()
    shown = cli.invoke(app, ["draft", "show", str(draft["id"]), "--json"])
    assert json.loads(shown.stdout)["content"] == draft["content"]


def test_a_source_names_its_guide_once() -> None:
    title = "Getting the most out of mentoring as a mentee"
    shown = source_line(
        {
            "document_id": "preparing-as-a-mentee",
            "title": title,
            "heading": f"{title} > Preparing before each mentoring session",
        }
    )

    # Once "Getting the most …: Getting the most … > Preparing before each session".
    assert shown == f"  [preparing-as-a-mentee] {title} > Preparing before each mentoring session"
    assert source_line({"document_id": "x", "title": "Notes", "heading": "Intro"}) == (
        "  [x] Notes: Intro"
    )


def test_bad_targets_are_named(cli: CliRunner) -> None:
    missing = cli.invoke(app, ["draft", "agenda", "--relationship", "99"])
    assert missing.exit_code == 1 and "99" in missing.output
    nobody = cli.invoke(app, ["draft", "goal", "--mentee", "E9", "--text", "x"])
    assert nobody.exit_code == 1 and "E9" in nobody.output
    unpaired = cli.invoke(app, ["draft", "goal", "--mentee", "E3", "--text", "x"])
    assert unpaired.exit_code == 1 and "no active or paused relationship" in unpaired.output


def test_the_smart_eval_reports_agreement_per_criterion(cli: CliRunner) -> None:
    result = cli.invoke(app, ["draft", "eval", "--json"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)["offline"]
    assert scores["goals"] >= 20
    assert set(scores["per_criterion"]) == {
        "specific",
        "measurable",
        "achievable",
        "relevant",
        "time_bound",
    }
    # The offline checker was tuned on this file: a floor, not a claim of quality.
    assert scores["goals"] == 38 and scores["smart_verdict"] >= 0.85


def test_the_eval_names_a_bad_label(cli: CliRunner, tmp_path) -> None:
    path = tmp_path / "goals.jsonl"
    path.write_text(json.dumps({"id": "g7", "text": "Pass", "labels": {}}) + "\n")
    result = cli.invoke(app, ["draft", "eval", "--file", str(path)])
    assert result.exit_code == 2 and "entry g7" in result.output


def test_the_eval_names_a_missing_file(cli: CliRunner, tmp_path) -> None:
    result = cli.invoke(app, ["draft", "eval", "--file", str(tmp_path / "none.yaml")])
    assert result.exit_code == 2 and "none.yaml" in result.output


def test_coaching_asks_about_each_gap_and_composes_from_the_answers() -> None:
    runner = CliRunner()
    asked = runner.invoke(app, ["draft", "coach", "--text", "Pass the CKA exam", "--json"])
    assert asked.exit_code == 0, asked.output
    first = json.loads(asked.stdout)
    assert first["complete"] is False
    [gap] = [v for v in first["verdicts"] if v["status"] != "met"]
    assert (gap["criterion"], gap["question"]) == ("time_bound", "By when?")

    answered = runner.invoke(
        app,
        ["draft", "coach", "--text", "Pass the CKA exam", "--answer", "time_bound=30 June 2099"],
    )
    assert answered.exit_code == 0 and "Pass the CKA exam. By 30 June 2099." in answered.stdout

    wrong = runner.invoke(app, ["draft", "coach", "--text", "x", "--answer", "timely=soon"])
    assert wrong.exit_code != 0 and "criterion=text" in wrong.output
