"""`companion stories` and `companion leaders`: what a coordinator scripts."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from companion.cli import app
from companion.leadership import stories
from companion.settings import Settings
from tests.helpers import point_cli_at
from tests.leadership.test_stories import act, write
from tests.relationships.conftest import World

runner = CliRunner()


def test_publish_only_what_its_author_approved(guided: World, settings: Settings, monkeypatch):
    point_cli_at(monkeypatch, settings)
    story_id = write(guided)
    listed = runner.invoke(app, ["stories", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    assert [(s["id"], s["status"]) for s in json.loads(listed.stdout)] == [(story_id, "draft")]
    refused = runner.invoke(app, ["stories", "publish", str(story_id)])
    assert refused.exit_code == 1 and "not approved" in refused.output
    act(guided, "maya", stories.approve, story_id)
    done = runner.invoke(app, ["stories", "publish", str(story_id)])
    assert done.exit_code == 0, done.output
    assert f"story-{story_id}" in done.output


def test_figures_only_once_turned_on(world: World, settings: Settings, monkeypatch):
    point_cli_at(monkeypatch, settings)
    off = runner.invoke(app, ["leaders", "figures", "--program", "Pilot"])
    assert off.exit_code == 1 and "off" in off.output
    world.client.put(
        f"/api/v1/programs/{world.pilot}/leaders/switch",
        json={"turned_on": True},
        headers=world.headers("lead"),
    )
    on = runner.invoke(app, ["leaders", "figures", "--program", "Pilot", "--json"])
    assert on.exit_code == 0, on.output
    assert {x["name"] for x in json.loads(on.stdout)["leaders"]} == {"Maya Berg", "Nora Diaz"}
