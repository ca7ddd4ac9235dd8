"""The evidence pack: who may generate it, and that it follows the live configuration."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from companion.accounts import service as accounts
from companion.compliance import render
from companion.compliance import service as compliance
from companion.db import session_scope
from companion.errors import NotFound, PermissionDenied
from companion.programs import service as programs
from companion.settings import Settings
from tests.helpers import TEST_SYSTEM
from tests.relationships.conftest import World


def pack_for(world: World, who, settings: Settings | None = None, program_id: int | None = None):
    with world.services.sessions() as session:
        principal = who if who is TEST_SYSTEM else accounts.get_by_email(session=session, email=who)
        return compliance.evidence_pack(
            session=session,
            settings=settings or world.services.settings,
            program_id=world.pilot if program_id is None else program_id,
            principal=principal,
        )


class TestWhoGenerates:
    def test_administrators_and_the_programs_coordinators_may(self, world: World):
        assert pack_for(world, TEST_SYSTEM).system.program == "Pilot"
        assert pack_for(world, "lead@example.org").system.program == "Pilot"
        assert pack_for(world, "org@example.org").system.program == "Pilot"

    def test_participants_are_refused_and_others_told_it_is_missing(self, world: World):
        for member in ("maya@example.org", "eli@example.org"):
            with pytest.raises(PermissionDenied):
                pack_for(world, member)
        with pytest.raises(NotFound) as hidden:
            pack_for(world, "else@example.org")
        with pytest.raises(NotFound) as missing:
            pack_for(world, "else@example.org", program_id=987654)
        assert hidden.value.message.replace(str(world.pilot), "N") == missing.value.message.replace(
            "987654", "N"
        )

    def test_the_page_answers_the_same_way(self, browser_for, admin_browser, web: World):
        url = f"/programs/{web.pilot}/evidence-pack"
        assert admin_browser.get(url).status_code == 200
        assert browser_for("lead").get(url).status_code == 200
        assert browser_for("maya").get(url).status_code == 403
        assert browser_for("eli").get(f"{url}?format=json").status_code == 403
        assert browser_for("elsewhere").get(url).status_code == 404
        assert browser_for("elsewhere").get("/programs/987654/evidence-pack").status_code == 404


class TestGeneratedFromLiveConfiguration:
    def test_the_programs_retention_periods_are_the_ones_set(self, world: World):
        from companion.rights import retention
        from companion.rights.schemas import RetentionSettings

        assert pack_for(world, TEST_SYSTEM).logs.retention == []  # none set: all kept
        with session_scope(world.services.write_sessions) as session:
            retention.configure(
                session=session,
                principal=TEST_SYSTEM,
                program_id=world.pilot,
                retention=RetentionSettings(messages_days=90, audit_days=400),
            )

        shown = pack_for(world, TEST_SYSTEM).logs.retention

        assert [row["value"] for row in shown] == ["90 days", "400 days"]
        assert shown[0]["setting"].startswith("messages_days: messages of relationship threads")

    def test_switches_and_four_eyes_show_as_they_are_now(self, world: World):
        before = pack_for(world, TEST_SYSTEM)
        agenda = next(k for k in before.kinds if k.kind == "agenda")
        assert agenda.ai == "on" and "goals" in agenda.prompt_fields
        assert before.oversight.four_eyes is False
        with session_scope(world.services.write_sessions) as session:
            programs.switch_ai(
                session=session,
                program_id=world.pilot,
                principal=TEST_SYSTEM,
                off=["drafting:agenda"],
            )
            programs.update(
                session=session,
                program_id=world.pilot,
                changes={"four_eyes": True},
                principal=TEST_SYSTEM,
            )
        after = pack_for(world, TEST_SYSTEM)
        agenda = next(k for k in after.kinds if k.kind == "agenda")
        assert agenda.ai.startswith("off: a blank template")
        assert agenda.prompt_fields == []
        assert after.oversight.four_eyes is True
        assert {"feature": "drafting:agenda", "state": "off"}.items() <= next(
            s for s in after.oversight.switches if s["feature"] == "drafting:agenda"
        ).items()
        assert "session agenda" not in after.notice.lower() and "agenda," not in after.notice

    def test_a_remote_provider_receives_only_the_programs_allowed_profile_fields(
        self, world: World
    ):
        remote = Settings(
            environment="test",
            data_dir=world.services.settings.data_dir,
            llm_model="openai/gpt-4o-mini",
            llm_api_base="https://llm.example.com/v1",
        )
        pack = pack_for(world, TEST_SYSTEM, settings=remote)
        assert pack.providers.llm_kind == "remote"
        assert pack.providers.llm_endpoint_host == "llm.example.com"
        brief = next(k for k in pack.kinds if k.kind == "brief")
        assert brief.profile_fields == ["title", "expertise", "goals"]
        assert "outside provider (openai/gpt-4o-mini)" in pack.notice
        offline = pack_for(world, TEST_SYSTEM)
        assert offline.providers.llm_kind == "offline"
        assert "no text is sent to an outside AI provider" in offline.notice
        assert "working_style" in next(k for k in offline.kinds if k.kind == "brief").profile_fields

    def test_a_figure_never_measured_says_so(self, tmp_path: Path):
        results = tmp_path / "measurements.json"
        results.write_text(
            json.dumps(
                {
                    "figures": {
                        "smart_check.tuning.verdict": {
                            "figure": "SMART check, tuning half",
                            "value": 0.9,
                            "unit": "share",
                            "detail": "38 goals",
                            "measured_on": "2026-12-01",
                            "command": "python bench/smart_check.py --record",
                        }
                    }
                }
            )
        )
        figures = {f.key: f for f in compliance.published_figures(results)}
        assert figures["smart_check.tuning.verdict"].value == 0.9
        assert figures["smart_check.tuning.verdict"].measured_on.isoformat() == "2026-12-01"
        missing = figures["matching.cohort_b.assigned"]
        assert missing.value is None and missing.detail == "Not measured yet."

    def test_the_committed_results_file_has_every_published_figure(self):
        figures = compliance.published_figures()
        assert all(f.value is not None and f.command and f.measured_on for f in figures)


class TestFormats:
    def test_markdown_json_and_html_carry_the_same_pack(self, world: World):
        pack = pack_for(world, TEST_SYSTEM)
        markdown = render.render(pack, "md")
        assert markdown.startswith("# Evidence pack: Pilot")
        assert "not for evaluating, promoting or dismissing people" in markdown.lower()
        assert "session_agenda@5" in markdown
        assert json.loads(render.render(pack, "json"))["system"]["program"] == "Pilot"
        page = render.render(pack, "html")
        assert page.startswith("<!doctype html>") and '<h2 id="pack-notice">' in page

    def test_the_cli_writes_each_format(self, world: World, monkeypatch, tmp_path: Path):
        from typer.testing import CliRunner

        from companion.cli import app
        from tests.helpers import point_cli_at

        point_cli_at(monkeypatch, world.services.settings)
        runner = CliRunner()
        shown = runner.invoke(app, ["compliance", "report", "--program", "Pilot"])
        assert shown.exit_code == 0, shown.output
        assert "## 9. Template notice for workers and their representatives" in shown.output
        target = tmp_path / "pack.json"
        written = runner.invoke(
            app,
            ["compliance", "report", "--program", "Pilot", "--format", "json", "-o", str(target)],
        )
        assert written.exit_code == 0, written.output
        assert json.loads(target.read_text())["oversight"]["four_eyes"] is False
        wrong = runner.invoke(
            app, ["compliance", "report", "--program", "Pilot", "--format", "pdf"]
        )
        assert wrong.exit_code == 1 and "use md, json or html" in wrong.output
        missing = runner.invoke(app, ["compliance", "report", "--program", "Nope"])
        assert missing.exit_code == 1 and "No program named 'Nope'" in missing.output
