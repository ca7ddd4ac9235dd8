"""The pages of leaders' stories, training paths and leaders' figures: who reads and acts."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from companion.leadership.models import Story
from tests.leadership.conftest import STORY_BODY, STORY_TITLE
from tests.relationships.conftest import World
from tests.rights.conftest import fill_history


def story_id_from(response) -> int:
    found = re.search(r"/stories/(\d+)$", response.headers["location"])
    assert found, response.headers["location"]
    return int(found.group(1))


def write_in_browser(browser) -> int:
    browser.get("/stories/new")
    response = browser.post(
        "/stories", {"title": STORY_TITLE, "body": STORY_BODY}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    return story_id_from(response)


class TestStoryPages:
    def test_write_approve_publish_then_found_in_search_and_on_home(
        self, guided: World, browser_for
    ):
        maya, lead, nora = browser_for("maya"), browser_for("lead"), browser_for("nora")
        story_id = write_in_browser(maya)
        assert nora.get(f"/stories/{story_id}").status_code == 404
        page = lead.get(f"/stories/{story_id}").text
        assert STORY_TITLE in page and "Publish the story" not in page
        # The coordinator's publish is refused until the author approves.
        lead.post(f"/stories/{story_id}/publish")
        assert "has not approved" in lead.get(f"/stories/{story_id}").text
        maya.get(f"/stories/{story_id}")
        maya.post(f"/stories/{story_id}/approve")
        assert "Publish the story" in lead.get(f"/stories/{story_id}").text
        lead.post(f"/stories/{story_id}/publish")
        assert STORY_TITLE in nora.get("/").text
        found = nora.get("/stories", params={"q": "answering every design question"}).text
        assert STORY_TITLE in found
        in_kb = nora.get("/knowledge", params={"q": "leader answering every design question"})
        assert STORY_TITLE in in_kb.text

    def test_a_short_story_is_refused_beside_its_field_and_nothing_is_saved(
        self, guided: World, browser_for
    ):
        maya = browser_for("maya")
        maya.get("/stories/new")
        response = maya.post("/stories", {"title": STORY_TITLE, "body": "Too short."})
        assert response.status_code == 422
        assert 'id="e-body"' in response.text and "Too short." in response.text
        with guided.services.sessions() as session:
            assert session.scalar(select(func.count()).select_from(Story)) == 0

    def test_only_the_author_sees_the_group_consent_form(self, guided: World, browser_for):
        maya, lead = browser_for("maya"), browser_for("lead")
        story_id = write_in_browser(maya)
        assert "List it under a group" in maya.get(f"/stories/{story_id}").text
        assert "List it under a group" not in lead.get(f"/stories/{story_id}").text
        lead.get(f"/stories/{story_id}")
        assert (
            lead.post(
                f"/stories/{story_id}/group", {"group": "Under-represented leaders"}
            ).status_code
            == 403
        )


PATH_FORM = {
    "title": "Mentoring for people leaders: two short reads",
    "step_0_doc": "leaders-as-mentors",
    "step_0_question": "Which manager's habit would get in the way as a mentor?",
    "step_1_doc": "giving-feedback",
    "step_1_question": "What feedback have you been holding back?",
}


class TestTrainingPages:
    def test_assemble_follow_and_see_progress_without_reflections(self, guided: World, browser_for):
        lead, maya, eli = browser_for("lead"), browser_for("maya"), browser_for("eli")
        lead.get("/training")
        response = lead.post(
            "/training/paths", {**PATH_FORM, "program_id": guided.pilot}, follow_redirects=False
        )
        assert response.status_code == 303, response.text
        path_url = response.headers["location"]
        assert eli.get(path_url).status_code == 404
        page = maya.get(path_url).text
        assert "0 of 2 steps done" in page
        assert "/knowledge/guides/leaders-as-mentors" in page
        step = re.search(r'action="/training/steps/(\d+)"', page).group(1)
        path_id = path_url.rsplit("/", 1)[1]
        maya.post(
            f"/training/steps/{step}",
            {"path_id": path_id, "done": "yes", "reflection": "I answer before they ask."},
        )
        page = maya.get(path_url).text
        assert "1 of 2 steps done" in page and "I answer before they ask." in page
        progress = lead.get(path_url).text
        assert "1 of 2" in progress and "I answer before they ask." not in progress

    def test_an_unknown_guide_is_refused_beside_its_row(self, guided: World, browser_for):
        lead = browser_for("lead")
        lead.get("/training")
        form = {**PATH_FORM, "program_id": guided.pilot, "step_1_doc": "no-such-guide"}
        response = lead.post("/training/paths", form)
        assert response.status_code == 422
        assert 'id="e-step_1_doc"' in response.text and "no-such-guide" in response.text


class TestFiguresPages:
    def test_participants_get_the_404_of_a_missing_program(self, world: World, browser_for):
        for who in ("maya", "eli", "elsewhere"):
            page = browser_for(who)
            assert page.get(f"/leadership/programs/{world.pilot}").status_code == 404
            page.get("/leadership")
            assert (
                page.post(
                    f"/leadership/programs/{world.pilot}/switch", {"turned_on": "yes"}
                ).status_code
                == 404
            )

    def test_coordinators_turn_it_on_and_see_counts_never_content(self, world: World, browser_for):
        fill_history(world)
        lead, maya = browser_for("lead"), browser_for("maya")
        off = lead.get(f"/leadership/programs/{world.pilot}").text
        assert "Turn on" in off and "Maya Berg" not in off
        lead.post(f"/leadership/programs/{world.pilot}/switch", {"turned_on": "yes"})
        on = lead.get(f"/leadership/programs/{world.pilot}").text
        assert "Maya Berg" in on and "Nora Diaz" in on
        own = maya.get("/leadership").text
        assert "Pilot" in own and "Sessions held" in own
        for page in (on, own):
            for word in ("private", "says hi", "liked", "shared notes", "future lead"):
                assert word not in page, word


def test_every_leadership_page_for_every_role(guided: World, browser_for):
    from api.web import leadership_pages

    maya = browser_for("maya")
    story_id = write_in_browser(maya)
    lead = browser_for("lead")
    lead.get("/training")
    made = lead.post(
        "/training/paths", {**PATH_FORM, "program_id": guided.pilot}, follow_redirects=False
    )
    ids = {
        "story_id": story_id,
        "path_id": int(made.headers["location"].rsplit("/", 1)[1]),
        "program_id": guided.pilot,
    }
    paths = sorted(
        {r.path for r in leadership_pages.router.routes if "GET" in getattr(r, "methods", set())}
    )
    assert len(paths) == 7
    for who in ("lead", "org", "maya", "eli", "nora", "omar", "pia", "elsewhere"):
        browser = {"maya": maya, "lead": lead}.get(who) or browser_for(who)
        for path in paths:
            url = re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), path)
            response = browser.get(url)
            assert response.status_code in (200, 404), (who, url, response.status_code)
            assert "<html" in response.text
