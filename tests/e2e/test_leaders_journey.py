"""A leader writes a story, approves it, a coordinator publishes it and everyone finds it;
a mentor follows a training path; at desktop and phone widths."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from companion.guidance import service as kb
from companion.programs.models import Program
from knowledge import CORPUS_DIR
from tests.e2e.conftest import screenshot
from tests.helpers import TEST_SYSTEM
from tests.leadership.conftest import STORY_BODY

WIDTHS = {"desktop": 1280, "phone": 390}
TITLES = {
    "desktop": "The quarter I stopped answering every question",
    "phone": "What a staff engineer taught me about answering",
}


@pytest.fixture(scope="module")
def guides(site):
    _, services = site
    loads, problems = kb.path_loads(
        [CORPUS_DIR / "leaders-as-mentors.md", CORPUS_DIR / "giving-feedback.md"]
    )
    assert not problems
    with services.sessions() as session:
        kb.ingest_many(
            session=session, kb=services.knowledge_base, loads=loads, principal=TEST_SYSTEM
        )
        session.commit()
    return site


def fits(page, size: str) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[size]


@pytest.mark.parametrize("size", sorted(WIDTHS))
def test_write_approve_publish_then_everyone_finds_the_story(guides, sign_in, size) -> None:
    server, _ = guides
    title = TITLES[size]
    maya = sign_in("maya@example.org", width=WIDTHS[size])
    maya.get_by_role("link", name="Leaders' stories").first.click()
    maya.get_by_role("link", name="Write a story").click()
    maya.get_by_label("Title").fill(title)
    maya.get_by_label("Your story").fill(STORY_BODY)
    maya.get_by_role("button", name="Save the story").click()
    maya.get_by_role("button", name="Approve this text").wait_for()
    fits(maya, size)
    screenshot(maya, f"story-author-{size}")
    maya.get_by_role("button", name="Approve this text").click()
    maya.get_by_text("A coordinator can now publish").wait_for()
    story_url = maya.url

    lead = sign_in("lead@example.org", width=WIDTHS[size])
    lead.goto(f"{server.url}/stories")
    lead.get_by_role("link", name=title).click()
    lead.get_by_role("button", name="Publish the story").wait_for()
    fits(lead, size)
    screenshot(lead, f"story-publish-{size}")
    lead.get_by_role("button", name="Publish the story").click()
    lead.get_by_text("in the knowledge base under").wait_for()

    nora = sign_in("nora@example.org", width=WIDTHS[size])
    assert nora.get_by_role("link", name=title).count() == 1  # on the home page
    fits(nora, size)
    screenshot(nora, f"home-stories-{size}")
    nora.goto(f"{server.url}/knowledge")
    nora.get_by_label("What are you looking for?").fill("a leader answering every question")
    nora.get_by_role("button", name="Search").click()
    nora.locator("ol li a", has_text=title).first.wait_for()
    nora.goto(f"{server.url}/stories")
    nora.get_by_label("What are you looking for?").fill("answering every design question")
    nora.get_by_role("button", name="Search").click()
    fits(nora, size)
    screenshot(nora, f"stories-search-{size}")
    nora.locator("ol li a", has_text=title).first.click()
    nora.wait_for_url(story_url)
    assert not nora.get_by_role("button", name="Withdraw the story").count()


def pilot(services) -> int:
    with services.sessions() as session:
        return session.scalars(select(Program.id).where(Program.name == "Pilot")).one()


@pytest.mark.parametrize("size", sorted(WIDTHS))
def test_a_mentor_follows_a_training_path(guides, sign_in, size) -> None:
    server, services = guides
    title = f"Mentoring for people leaders ({size})"
    lead = sign_in("lead@example.org", width=WIDTHS[size])
    lead.goto(f"{server.url}/training")
    lead.get_by_label("For the mentors of").select_option(str(pilot(services)))
    lead.get_by_label("Title").fill(title)
    first, second = lead.locator("fieldset").nth(0), lead.locator("fieldset").nth(1)
    first.get_by_label("Guide id").fill("leaders-as-mentors")
    first.get_by_label("Reflection question").fill(
        "Which of your habits as a manager would get in the way as a mentor?"
    )
    second.get_by_label("Guide id").fill("giving-feedback")
    second.get_by_label("Reflection question").fill("What feedback have you been holding back?")
    lead.get_by_role("button", name="Save the path").click()
    lead.get_by_role("heading", name="The mentors' progress").wait_for()
    path_url = lead.url

    maya = sign_in("maya@example.org", width=WIDTHS[size])
    maya.get_by_role("link", name="Training paths").first.click()
    maya.get_by_role("link", name=title).click()
    maya.get_by_text("0 of 2 steps done").wait_for()
    step = maya.locator("ol.steps > li").first
    step.get_by_label("Your reflection").fill("I answer before people finish asking.")
    step.get_by_role("button", name="Mark done").click()
    maya.get_by_text("1 of 2 steps done").wait_for()
    fits(maya, size)
    screenshot(maya, f"training-path-{size}")

    lead.goto(path_url)
    row = lead.locator("tbody tr", has_text="Maya Berg")
    assert "1 of 2" in row.inner_text()
    assert "finish asking" not in lead.content()


@pytest.mark.parametrize("size", sorted(WIDTHS))
def test_leaders_figures_each_leader_first_then_the_program(guides, sign_in, size) -> None:
    server, _ = guides
    maya = sign_in("maya@example.org", width=WIDTHS[size])
    maya.get_by_role("link", name="Leaders' figures").first.click()
    maya.get_by_role("heading", name="Pilot").wait_for()
    assert not maya.get_by_role("link", name="Pilot").count()  # no program view for her
    screenshot(maya, f"leaders-own-{size}")

    lead = sign_in("lead@example.org", width=WIDTHS[size])
    lead.goto(f"{server.url}/leadership")
    lead.get_by_role("link", name="Pilot").click()
    if lead.get_by_role("button", name="Turn on").count():
        lead.get_by_role("button", name="Turn on").click()
    lead.get_by_role("heading", name="Per leader").wait_for()
    assert lead.locator("tbody tr", has_text="Maya Berg").count() == 1
    fits(lead, size)
    screenshot(lead, f"leaders-program-{size}")
