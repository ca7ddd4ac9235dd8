"""Program templates and the one check of a setting, through the service, the CLI and the API."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from companion.accounts.models import Role
from companion.audit.service import AuditEvent
from companion.cli import app
from companion.errors import InvalidInput, NotFound, PermissionDenied
from companion.programs import service as programs
from companion.programs import templates
from companion.programs.models import Program, ProgramKind
from companion.runtime import Services
from companion.settings import Settings
from tests.helpers import TEST_SYSTEM, app_for, bearer, make_user, point_cli_at

runner = CliRunner()


class TestTemplates:
    def test_each_has_a_one_line_reason_and_makes_a_valid_program(self, services: Services) -> None:
        keys = {t.key for t in templates.TEMPLATES}
        assert keys == {
            "onboarding-buddies",
            "career-growth",
            "leadership-circles",
            "reverse-mentoring",
            "speed-mentoring",
            "blank",
        }
        with services.sessions() as session:
            for template in templates.TEMPLATES:
                assert template.when_to_use and "\n" not in template.when_to_use
                program = programs.create_from_template(
                    session=session, name=template.title, template=template.key,
                    principal=TEST_SYSTEM,
                )  # fmt: skip
                assert program.kind == template.kind
                for name, value in template.settings.items():
                    if name != "matching":
                        assert getattr(program, name) == value, (template.key, name)
                for group, inner in template.settings.get("matching", {}).items():
                    stored = program.matching[group]
                    if isinstance(inner, dict):
                        assert {k: stored[k] for k in inner} == inner, (template.key, group)
                    else:
                        assert stored == inner

    def test_changes_given_with_a_template_win_and_the_rest_stays(self, services: Services) -> None:
        with services.sessions() as session:
            program = programs.create_from_template(
                session=session,
                name="Buddies",
                template="onboarding-buddies",
                principal=TEST_SYSTEM,
                cadence_days=10,
                matching={"weights": {"semantic": 0.5}},
            )
            assert program.cadence_days == 10
            assert program.session_minutes == 30
            assert program.matching["weights"]["semantic"] == 0.5
            assert program.matching["weights"]["availability"] == 0.30

    def test_only_administrators_create_from_one(self, services: Services) -> None:
        with services.sessions() as session:
            lead, _ = make_user(session, "lead@example.org", (Role.coordinator, None))
            with pytest.raises(PermissionDenied):
                programs.create_from_template(
                    session=session, name="Mine", template="blank", principal=lead
                )
            assert programs.list_templates(principal=lead)  # to read, yes
            with pytest.raises(PermissionDenied):
                programs.list_templates(principal=lead, to_create=True)

    def test_an_unknown_template_names_the_ones_there_are(self, services: Services) -> None:
        with services.sessions() as session:
            with pytest.raises(NotFound, match="speed-mentoring"):
                programs.create_from_template(
                    session=session, name="X", template="mystery", principal=TEST_SYSTEM
                )
            assert session.scalars(select(Program)).all() == []

    def test_bad_values_are_refused_together_and_nothing_is_created(
        self, services: Services
    ) -> None:
        with services.sessions() as session:
            with pytest.raises(InvalidInput) as refused:
                programs.create_from_template(
                    session=session, name="X", template="blank", principal=TEST_SYSTEM,
                    cadence_days=0, matching={"weights": {"skills": 2}},
                )  # fmt: skip
            fields = {d["field"] for d in refused.value.details}
            assert fields == {"cadence_days", "matching.weights.skills"}
            assert session.scalars(select(Program)).all() == []


class TestOneMessageEverywhere:
    """The command line, the API and the service refuse a setting with the same words."""

    def test_cli_api_and_service_agree(
        self, settings: Settings, services: Services, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        with services.sessions() as session:
            program = programs.create(session=session, name="Pilot", principal=TEST_SYSTEM)
            program_id = program.id
            session.commit()
            _, token = make_user(session, "lead@example.org", (Role.coordinator, program_id))
        expected = "Input should be less than or equal to 90"
        with services.sessions() as session, pytest.raises(InvalidInput) as refused:
            programs.update(
                session=session, program_id=program_id, changes={"cadence_days": 500},
                principal=TEST_SYSTEM,
            )  # fmt: skip
        assert refused.value.details == [{"field": "cadence_days", "message": expected}]
        point_cli_at(monkeypatch, settings)
        result = runner.invoke(app, ["programs", "set", "Pilot", "cadence_days=500"])
        assert result.exit_code != 0
        assert f"cadence_days: {expected}" in result.output
        with TestClient(app_for(services)) as client:
            answer = client.patch(
                f"/api/v1/programs/{program_id}", json={"cadence_days": 500},
                headers=bearer(token),
            )  # fmt: skip
        assert answer.status_code == 422
        details = answer.json()["error"]["details"]
        assert [(d["field"], d["message"]) for d in details] == [("cadence_days", expected)]


class TestCommandLine:
    def test_templates_are_listed_and_one_is_used(
        self, settings: Settings, services: Services, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        point_cli_at(monkeypatch, settings)
        listing = runner.invoke(app, ["programs", "templates"])
        assert listing.exit_code == 0, listing.output
        for template in templates.TEMPLATES:
            assert f"{template.key}: {template.title}" in listing.output
            assert template.when_to_use in listing.output
        as_json = json.loads(runner.invoke(app, ["programs", "templates", "--json"]).output)
        assert as_json[4]["settings"]["matching.shortlist_size"] == 5
        created = runner.invoke(
            app, ["programs", "create", "Fast", "--template", "speed-mentoring"]
        )
        assert created.exit_code == 0, created.output
        assert "from the template 'speed-mentoring'" in created.output
        with services.sessions() as session:
            program = session.scalars(select(Program).where(Program.name == "Fast")).one()
            assert program.kind == ProgramKind.speed and program.session_minutes == 15
        unknown = runner.invoke(app, ["programs", "create", "Slow", "--template", "mystery"])
        assert unknown.exit_code != 0 and "career-growth" in unknown.output

    def test_set_records_from_and_to(
        self, settings: Settings, services: Services, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        point_cli_at(monkeypatch, settings)
        assert runner.invoke(app, ["programs", "create", "Pilot"]).exit_code == 0
        result = runner.invoke(
            app, ["programs", "set", "Pilot", "cadence_days=7", "matching.circle_size=4"]
        )
        assert result.exit_code == 0, result.output
        with services.sessions() as session:
            event = session.scalars(
                select(AuditEvent).where(AuditEvent.action == "program.updated")
            ).one()
            assert event.data == {
                "cadence_days": {"from": 14, "to": 7},
                "matching.circle_size": {"from": 5, "to": 4},
            }


class TestApi:
    def test_templates_listed_and_used(self, services: Services) -> None:
        with services.sessions() as session:
            _, admin = make_user(session, "admin@example.org", (Role.admin, None))
        with TestClient(app_for(services)) as client:
            listed = client.get("/api/v1/programs/templates", headers=bearer(admin)).json()
            assert [t["key"] for t in listed][:2] == ["onboarding-buddies", "career-growth"]
            created = client.post(
                "/api/v1/programs",
                json={"name": "Reverse", "template": "reverse-mentoring", "cadence_days": 30},
                headers=bearer(admin),
            )
            assert created.status_code == 201, created.text
            body = created.json()
            assert (body["kind"], body["cadence_days"], body["four_eyes"]) == (
                "reverse", 30, True,
            )  # fmt: skip
            unknown = client.post(
                "/api/v1/programs",
                json={"name": "Nope", "template": "mystery"},
                headers=bearer(admin),
            )
            assert unknown.status_code == 404


class TestHistory:
    def test_only_managers_read_the_changes_of_settings(self, services: Services) -> None:
        with services.sessions() as session:
            program = programs.create(session=session, name="Pilot", principal=TEST_SYSTEM)
            other = programs.create(session=session, name="Other", principal=TEST_SYSTEM)
            session.commit()
            lead, _ = make_user(session, "lead@example.org", (Role.coordinator, program.id))
            mentee, _ = make_user(session, "mentee@example.org", (Role.mentee, program.id))
            elsewhere, _ = make_user(session, "else@example.org", (Role.coordinator, other.id))
            programs.update(
                session=session, program_id=program.id, changes={"cadence_days": 7},
                principal=lead,
            )  # fmt: skip
            seen = programs.settings_history(session=session, program_id=program.id, principal=lead)
            assert [e.action for e in seen] == ["program.updated", "program.created"]
            assert seen[0].data == {"cadence_days": {"from": 14, "to": 7}}
            for outsider in (mentee, elsewhere):
                with pytest.raises(NotFound):
                    programs.settings_history(
                        session=session, program_id=program.id, principal=outsider
                    )
