"""The audit trail of review decisions, exported as JSON Lines and verified."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from companion.cli import app
from tests.helpers import point_cli_at
from tests.relationships.conftest import World


@pytest.fixture
def cli(world: World, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    point_cli_at(monkeypatch, world.services.settings)
    return CliRunner()


def approved_agenda(world: World) -> dict:
    draft = world.client.post(
        "/api/v1/drafts",
        headers=world.headers("maya"),
        json={"kind": "agenda", "relationship_id": world.first},
    ).json()
    edited = {**draft["content"], "objectives": ["Agree the rollout plan"]}
    response = world.client.post(
        f"/api/v1/review/drafts/{draft['id']}/decisions",
        headers=world.headers("maya"),
        json={"action": "approve", "version": draft["version"], "content": edited},
    )
    assert response.status_code == 200
    return response.json()


def test_the_export_has_every_transition_with_who_when_and_hashes(
    world: World, cli: CliRunner
) -> None:
    draft = approved_agenda(world)
    result = cli.invoke(app, ["audit", "export", "--program", "Pilot"])
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert all(e["program_id"] == world.pilot for e in events)
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(seqs)
    review = [e for e in events if e["subject_id"] == str(draft["id"])]
    approve, deliver = [e for e in review if e["action"].startswith("review.")]
    assert (approve["action"], approve["actor"]) == ("review.approve", "maya@example.org")
    assert (approve["data"]["from"], approve["data"]["to"]) == ("pending_review", "approved")
    assert approve["data"]["edited"] is True
    assert (deliver["data"]["from"], deliver["data"]["to"]) == ("approved", "delivered")
    assert len(deliver["data"]["content_hash"]) == 64 and len(deliver["hash"]) == 64
    # The full trail's chain is intact.
    verified = cli.invoke(app, ["audit", "verify"])
    assert verified.exit_code == 0 and "intact" in verified.output


def test_the_export_writes_a_file_and_names_unknown_programs(
    world: World, cli: CliRunner, tmp_path
) -> None:
    approved_agenda(world)
    target = tmp_path / "trail.jsonl"
    result = cli.invoke(app, ["audit", "export", "--program", "Pilot", "-o", str(target)])
    assert result.exit_code == 0
    lines = target.read_text().splitlines()
    assert lines and all(json.loads(line)["hash"] for line in lines)
    unknown = cli.invoke(app, ["audit", "export", "--program", "Nope"])
    assert unknown.exit_code == 1 and "Nope" in unknown.output
