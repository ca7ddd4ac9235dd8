"""Who may read and change a program's settings, and who may create a program: written first.

A program's settings are for its coordinators (and the organisation's) and for
administrators. A mentor, a mentee or another program's coordinator gets the
404 of a program that does not exist, for reading and for saving alike, and
nothing changes. Creating a program is for administrators alone.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select

from companion.audit.service import AuditEvent
from companion.programs.models import Program
from tests.relationships.conftest import World

OUTSIDERS = ("maya", "eli", "elsewhere")  # a mentor, a mentee, another program's coordinator


def main_of(html: str) -> str:
    """What a page says, without the navigation of the person reading it."""
    found = re.search(r"<main.*?</main>", html, re.S)
    assert found, html
    return found.group(0)


def settings_form(**overrides: str) -> dict[str, str]:
    return {"name": "Pilot", "cadence_days": "7", **overrides}


def program_row(world: World, program_id: int) -> tuple[int, str, int]:
    with world.services.sessions() as session:
        program = session.get(Program, program_id)
        events = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action.in_(("program.updated", "program.created")))
        )
        return program.cadence_days, program.name, events


class TestSettingsPage:
    def test_managers_read_it(self, web: World, as_who) -> None:
        for who in ("lead", "org", "admin"):
            page = as_who(who).get(f"/coordinator/programs/{web.pilot}/settings")
            assert page.status_code == 200, who
            assert "Settings of Pilot" in page.text
            assert 'name="matching.weights.semantic"' in page.text
            # The form carries this session's token, not an empty one.
            assert 'name="csrf_token" value=""' not in page.text
        form = as_who("admin").get("/coordinator/programs/new?template=blank").text
        assert 'name="csrf_token" value=""' not in form and 'name="template"' in form

    def test_everyone_else_gets_the_404_of_a_missing_program(self, web: World, as_who) -> None:
        missing = as_who("lead").get("/coordinator/programs/99999/settings")
        assert missing.status_code == 404
        for who in OUTSIDERS:
            page = as_who(who).get(f"/coordinator/programs/{web.pilot}/settings")
            assert page.status_code == 404, who
            assert "Not found" in page.text and "Pilot" not in page.text
            said = main_of(page.text).replace(f"id {web.pilot}.", "id N.")
            assert said == main_of(missing.text).replace("id 99999.", "id N.")

    def test_nobody_else_can_save_it(self, web: World, as_who) -> None:
        before = program_row(web, web.pilot)
        for who in OUTSIDERS:
            browser = as_who(who)
            browser.get("/")
            answer = browser.post(
                f"/coordinator/programs/{web.pilot}/settings", settings_form(name="Taken over")
            )
            assert answer.status_code == 404, who
        assert program_row(web, web.pilot) == before

    def test_a_coordinator_of_one_program_cannot_save_another(self, web: World, as_who) -> None:
        before = program_row(web, web.other)
        lead = as_who("lead")
        answer = lead.post(f"/coordinator/programs/{web.other}/settings", settings_form())
        assert answer.status_code == 404
        assert program_row(web, web.other) == before

    def test_the_api_refuses_them_too(self, web: World) -> None:
        # The program's own participants may read it through the API, so a change is
        # forbidden (403); a coordinator of another program is told it does not exist.
        for who, expected in (("maya", 403), ("eli", 403), ("elsewhere", 404)):
            before = program_row(web, web.pilot)
            answer = web.client.patch(
                f"/api/v1/programs/{web.pilot}", json={"cadence_days": 7}, headers=web.headers(who)
            )
            assert answer.status_code == expected, who
            assert program_row(web, web.pilot) == before


class TestNewProgram:
    def test_only_administrators_see_the_form(self, web: World, as_who) -> None:
        assert as_who("admin").get("/coordinator/programs/new").status_code == 200
        for who in ("lead", "org", "maya", "eli"):
            browser = as_who(who)
            assert browser.get("/coordinator/programs/new").status_code == 403, who
            assert browser.get("/coordinator/programs/new?template=blank").status_code == 403

    def test_nobody_else_creates_one(self, web: World, as_who) -> None:
        for who in ("lead", "org", "maya"):
            browser = as_who(who)
            browser.get("/")
            answer = browser.post(
                "/coordinator/programs/new",
                {"template": "career-growth", "name": f"By {who}", "cadence_days": "14"},
            )
            assert answer.status_code == 403, who
        with web.services.sessions() as session:
            names = set(session.scalars(select(Program.name)))
        assert names == {"Pilot", "Other"}

    def test_templates_in_the_api_are_for_administrators_and_coordinators(self, web: World) -> None:
        assert web.client.get("/api/v1/programs/templates", headers=web.headers("lead")).is_success
        for who in ("maya", "eli"):
            answer = web.client.get("/api/v1/programs/templates", headers=web.headers(who))
            assert answer.status_code == 403, who


class TestProgramList:
    def test_each_sees_the_programs_they_manage(self, web: World, as_who) -> None:
        lead = as_who("lead").get("/coordinator").text
        assert f"/coordinator/programs/{web.pilot}/settings" in lead
        assert f"/coordinator/programs/{web.other}/settings" not in lead
        assert "/coordinator/programs/new" not in lead
        admin = as_who("admin").get("/coordinator").text
        for program_id in (web.pilot, web.other):
            assert f"/coordinator/programs/{program_id}/settings" in admin
        assert "/coordinator/programs/new" in admin
        assert 'href="/coordinator">Programs</a>' in admin  # in the navigation
        assert as_who("maya").get("/coordinator").status_code == 403
