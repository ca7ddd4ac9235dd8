"""A new program from a template, and a program's settings changed in the browser."""

from __future__ import annotations

import re

from sqlalchemy import select

from companion.audit.service import AuditEvent
from companion.programs import settings as program_settings
from companion.programs.models import Program, ProgramKind
from tests.relationships.conftest import World


def field_block(html: str, path: str) -> str:
    """The markup of one setting's field: its label, input, explanation and error."""
    field_id = program_settings.BY_PATH[path].field_id
    found = re.search(
        rf'<div class="field[^"]*">\s*'
        rf'(?:<input[^>]*id="{field_id}"|<label for="{field_id}").*?</div>',
        html,
        re.S,
    )
    assert found, f"no field {path}"
    return found.group(0)


def form_of(html: str) -> dict[str, str | list[str]]:
    """Every setting as the page shows it, posted back as a browser would."""
    data: dict[str, str] = {}
    for setting in program_settings.SETTINGS:
        block = field_block(html, setting.path)
        if setting.kind == "yes_no":
            if " checked" in block:
                data[setting.path] = "on"
        elif setting.kind == "choice":
            data[setting.path] = re.search(r'<option value="([^"]+)" selected', block).group(1)
        elif setting.kind in ("long_text", "lines"):
            data[setting.path] = re.search(r"<textarea[^>]*>(.*?)</textarea>", block, re.S).group(1)
        else:
            data[setting.path] = re.search(r'value="([^"]*)"', block).group(1)
    return data


def program_named(world: World, name: str) -> Program:
    with world.services.sessions() as session:
        program = session.scalars(select(Program).where(Program.name == name)).one()
        session.expunge(program)
        return program


def last_event(world: World, action: str) -> AuditEvent:
    with world.services.sessions() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id.desc())
        ).first()
        session.expunge(event)
        return event


class TestNewFromTemplate:
    def test_the_picker_says_when_to_use_each_template(self, web: World, as_who) -> None:
        page = as_who("admin").get("/coordinator/programs/new").text
        for key in ("onboarding-buddies", "career-growth", "leadership-circles",
                    "reverse-mentoring", "speed-mentoring", "blank"):  # fmt: skip
            assert f"?template={key}" in page
        assert "for the questions nobody writes down" in page

    def test_the_templates_values_are_shown_edited_and_kept(self, web: World, as_who) -> None:
        admin = as_who("admin")
        page = admin.get("/coordinator/programs/new?template=leadership-circles").text
        shown = form_of(page)
        assert shown["kind"] == "circle"
        assert shown["cadence_days"] == "28"
        assert shown["matching.circle_size"] == "6"
        assert shown["matching.weights.availability"] == "0.25"
        shown |= {"name": "Leaders 2027", "session_minutes": "75"}
        answer = admin.post("/coordinator/programs/new", shown | {"template": "leadership-circles"})
        assert answer.status_code == 200, answer.text
        assert "Settings of Leaders 2027" in answer.text
        program = program_named(web, "Leaders 2027")
        assert program.kind == ProgramKind.circle
        assert (program.cadence_days, program.session_minutes) == (28, 75)
        assert program.matching["circle_size"] == 6
        assert program.matching["rules"]["exclude_same_department"] is True
        created = last_event(web, "program.created")
        assert created.data["template"] == "leadership-circles"
        assert "Created from the template “Leadership circles”" in answer.text

    def test_a_taken_name_is_refused_beside_the_name(self, web: World, as_who) -> None:
        admin = as_who("admin")
        shown = form_of(admin.get("/coordinator/programs/new?template=blank").text)
        answer = admin.post(
            "/coordinator/programs/new", shown | {"name": "Pilot", "template": "blank"}
        )
        assert answer.status_code == 409
        assert "Another program already has this name." in field_block(answer.text, "name")
        with web.services.sessions() as session:
            assert len(session.scalars(select(Program)).all()) == 2


class TestSettings:
    def test_a_bad_weight_is_shown_beside_it_and_nothing_is_saved(self, web: World, as_who) -> None:
        lead = as_who("lead")
        url = f"/coordinator/programs/{web.pilot}/settings"
        shown = form_of(lead.get(url).text)
        bad = shown | {"matching.weights.semantic": "1.5", "cadence_days": "10"}
        answer = lead.post(url, bad)
        assert answer.status_code == 422
        beside = field_block(answer.text, "matching.weights.semantic")
        assert "Input should be less than or equal to 1" in beside
        assert 'aria-invalid="true"' in beside and 'value="1.5"' in beside
        summary = re.search(r'<div class="flash flash-error" id="error-summary">.*?</div>',
                            answer.text, re.S).group(0)  # fmt: skip
        assert 'href="#setting-matching-weights-semantic">What they write (weight)</a>' in summary
        # What else was typed is still there, and nothing of it was saved.
        assert 'value="10"' in field_block(answer.text, "cadence_days")
        assert program_named(web, "Pilot").cadence_days == 14

        fixed = bad | {"matching.weights.semantic": "0.6"}
        saved = lead.post(url, fixed)
        assert saved.status_code == 200
        assert "What they write (weight): 0.45 → 0.6" in saved.text
        assert "Days between sessions: 14 → 10" in saved.text
        program = program_named(web, "Pilot")
        assert (program.cadence_days, program.matching["weights"]["semantic"]) == (10, 0.6)
        event = last_event(web, "program.updated")
        assert event.data == {
            "cadence_days": {"from": 14, "to": 10},
            "matching.weights.semantic": {"from": 0.45, "to": 0.6},
        }
        assert "lead@example.org" in (event.actor_label or "")
        history = saved.text[saved.text.index('id="history"') :]
        assert "lead@example.org" in history
        assert "Days between sessions: 14 → 10" in history
        assert "What they write (weight): 0.45 → 0.6" in history

    def test_every_weight_at_zero_is_said_above_the_weights(self, web: World, as_who) -> None:
        lead = as_who("lead")
        url = f"/coordinator/programs/{web.pilot}/settings"
        shown = form_of(lead.get(url).text)
        zero = {
            s.path: "0" for s in program_settings.SETTINGS if s.path.startswith("matching.weights")
        }
        answer = lead.post(url, shown | zero)
        assert answer.status_code == 422
        assert re.search(r'id="weights-error">every weight is 0', answer.text)

    def test_unticking_a_rule_and_clearing_questions_are_saved(self, web: World, as_who) -> None:
        lead = as_who("lead")
        url = f"/coordinator/programs/{web.pilot}/settings"
        shown = form_of(lead.get(url).text)
        shown.pop("matching.rules.exclude_same_manager")
        shown["feedback_questions"] = "What helped most?\n\nWhat will you try next?\n"
        assert lead.post(url, shown).status_code == 200
        program = program_named(web, "Pilot")
        assert program.matching["rules"]["exclude_same_manager"] is False
        assert program.feedback_questions == ["What helped most?", "What will you try next?"]
        again = lead.post(url, form_of(lead.get(url).text))
        assert "Nothing to save" in again.text
