"""A mentee finds and reads guidance; a coordinator finds people, exports, and keeps their
place after a decision; at desktop and phone widths."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from companion.guidance import service as kb
from companion.programs.models import Program
from knowledge import CORPUS_DIR
from tests.e2e.conftest import SCREENSHOTS, screenshot
from tests.helpers import TEST_SYSTEM

WIDTHS = {"desktop": 1280, "phone": 390}


@pytest.fixture(scope="module")
def guides(site):
    _, services = site
    loads, problems = kb.path_loads(
        [CORPUS_DIR / "active-listening.md", CORPUS_DIR / "giving-feedback.md"]
    )
    assert not problems
    with services.sessions() as session:
        kb.ingest_many(
            session=session, kb=services.knowledge_base, loads=loads, principal=TEST_SYSTEM
        )
        session.commit()
    return site


def program_id(services) -> int:
    with services.sessions() as session:
        return session.scalars(select(Program.id).where(Program.name == "Pilot")).one()


@pytest.mark.parametrize("size", sorted(WIDTHS))
def test_a_mentee_searches_and_reads_a_guide_at_the_section(guides, sign_in, size) -> None:
    server, _ = guides
    eli = sign_in("eli@example.org", width=WIDTHS[size])
    eli.get_by_role("link", name="Knowledge base").first.click()
    eli.get_by_label("What are you looking for?").fill("how do I show I am really listening")
    eli.get_by_role("button", name="Search").click()
    first = eli.locator("ol li a").first
    first.wait_for()
    href = first.get_attribute("href")
    assert href.startswith("/knowledge/guides/") and "#s-" in href
    first.click()
    eli.wait_for_url(f"{server.url}{href}")
    anchor = href.split("#")[1]
    target = eli.locator(f"#{anchor}")
    assert target.is_visible()
    # The cited section is on screen, not somewhere below.
    box = target.bounding_box()
    assert 0 <= box["y"] < WIDTHS[size] * 2
    assert eli.evaluate("document.documentElement.scrollWidth") <= WIDTHS[size]
    assert not eli.get_by_role("button", name="Retire this guide").count()
    # What the reader sees on arrival: the cited section at the top of the screen.
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    eli.screenshot(path=str(SCREENSHOTS / f"guide-mentee-{size}.png"))


@pytest.mark.parametrize("size", sorted(WIDTHS))
def test_a_coordinator_finds_people_and_returns_to_the_decided_proposal(
    site, sign_in, size
) -> None:
    server, services = site
    pid = program_id(services)
    lead = sign_in("lead@example.org", width=WIDTHS[size])
    lead.goto(f"{server.url}/coordinator/programs/{pid}/participants")
    lead.get_by_label("Name, email or id").fill("eli")
    lead.get_by_role("button", name="Show").click()
    lead.wait_for_url("**q=eli*")  # the filtered page, not the list before it
    rows = lead.locator("section[aria-labelledby=list-title] .table-wrap tbody tr")
    rows.first.wait_for()
    assert rows.count() >= 1 and all("eli" in t.lower() for t in rows.all_inner_texts())
    assert lead.evaluate("document.documentElement.scrollWidth") <= WIDTHS[size]
    screenshot(lead, f"coordinator-participants-{size}")

    lead.goto(f"{server.url}/coordinator/programs/{pid}/matching")
    propose = lead.get_by_role("button", name="Propose matches")
    if propose.count():
        propose.click()
        lead.get_by_role("link", name="See the result").click(timeout=120_000)  # the job's page
        lead.get_by_role("heading", name="Proposed pairs").wait_for()
    pending = lead.get_by_role("button", name="Reject proposal").all()
    if not pending:
        pytest.skip("this run has nothing left to decide")
    last = pending[-1]
    label = last.get_attribute("aria-label")
    proposal = re.search(r"proposal (\d+)", label).group(1)
    last.click()
    lead.wait_for_url(f"**#proposal-{proposal}")
    card = lead.locator(f"#proposal-{proposal}")
    assert "rejected" in card.inner_text()
    box = card.bounding_box()
    assert box["y"] < 900  # in view, not at the top of a long page
