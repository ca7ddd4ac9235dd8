"""A reviewer decides and lands on the next row of their queue; superseded drafts are out of
the way until asked for; a mentee reads their mentor's shared profile and first-session
advice. At desktop and phone widths."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from companion.drafting import service as drafting
from companion.guidance import service as kb
from companion.participants.models import Participant
from companion.programs.models import Program
from companion.relationships import service as relationships
from companion.relationships.models import Relationship
from knowledge import CORPUS_DIR
from prompts.schemas import DraftKind
from tests.e2e.conftest import first_pair, screenshot
from tests.helpers import TEST_SYSTEM

WIDTHS = {"desktop": 1280, "phone": 390}
MAYA = {
    "title": "Engineering manager",
    "department": "Data platform",
    "location": "Berlin",
    "expertise": "Leads a data platform team of nine; has run design reviews for years.",
    "goals": "Get better at coaching first-time leads.",
    "challenges": "PRIVATE: my own manager is leaving",
}


def second_pair(services) -> int:
    """Nora (M2) mentors Omar (E2), created on first use."""
    with services.sessions() as session:
        people = {p.external_id: p for p in session.scalars(select(Participant))}
        existing = session.scalars(
            select(Relationship.id).where(Relationship.mentee_id == people["E2"].id)
        ).first()
        if existing:
            return existing
        program = session.get(Program, people["M2"].program_id)
        pair = relationships.create_pair(
            session=session, program=program, mentor_id=people["M2"].id, mentee_id=people["E2"].id
        )
        session.commit()
        return pair.id


def draft(services, kind: DraftKind, relationship_id: int) -> int:
    with services.sessions() as session:
        made = drafting.request_draft(
            services=services,
            session=session,
            kind=kind,
            principal=TEST_SYSTEM,
            relationship_id=relationship_id,
        )
        session.commit()
        return made.id


@pytest.mark.parametrize("size", sorted(WIDTHS))
def test_a_decision_lands_on_the_next_row_and_superseded_drafts_wait_aside(
    site, sign_in, size
) -> None:
    server, services = site
    first, second = first_pair(services), second_pair(services)
    older_nudge = draft(services, DraftKind.nudge, first)
    draft(services, DraftKind.brief, second)
    newer_nudge = draft(services, DraftKind.nudge, first)  # supersedes the older one
    last = draft(services, DraftKind.nudge, second)

    lead = sign_in("lead@example.org", width=WIDTHS[size])
    lead.goto(f"{server.url}/review")
    lead.get_by_label("Order").select_option("newest")
    lead.get_by_role("button", name="Show").click()
    lead.locator(f"#draft-{last}").wait_for()
    assert not lead.locator(f"#draft-{older_nudge}").count()
    screenshot(lead, f"review-queue-{size}")

    lead.locator(f"#draft-{newer_nudge} h2 a").click()
    lead.get_by_role("heading", name="Your decision").wait_for()
    assert lead.get_by_text("version 1", exact=True).count()
    lead.get_by_role("button", name="Approve", exact=True).click()
    lead.wait_for_url(re.compile(r".*/review\?sort=newest#draft-\d+$"))
    landed = int(lead.url.rsplit("-", 1)[1])
    assert landed != newer_nudge
    card = lead.locator(f"#draft-{landed}")
    box = card.bounding_box()
    assert box is not None and 0 <= box["y"] < 900  # in view, not the top of the list
    assert lead.get_by_text("Approved and delivered").count()
    assert lead.evaluate("document.documentElement.scrollWidth") <= WIDTHS[size]
    screenshot(lead, f"review-queue-next-row-{size}")

    lead.get_by_label("Show superseded drafts").check()
    lead.get_by_role("button", name="Show").click()
    superseded = lead.locator(f"#draft-{older_nudge}")
    superseded.wait_for()
    assert "Replaced by a newer draft" in superseded.inner_text()
    superseded.locator("h2 a").click()
    lead.get_by_text("This one can no longer be approved").wait_for()
    assert not lead.get_by_role("button", name="Approve", exact=True).count()
    screenshot(lead, f"review-superseded-{size}")


@pytest.fixture(scope="module")
def first_session_guide(site):
    _, services = site
    loads, problems = kb.path_loads([CORPUS_DIR / "first-session-and-mentoring-agreement.md"])
    assert not problems
    with services.sessions() as session:
        kb.ingest_many(
            session=session, kb=services.knowledge_base, loads=loads, principal=TEST_SYSTEM
        )
        maya = session.scalars(
            select(Participant).where(Participant.email == "maya@example.org")
        ).one()
        for name, value in MAYA.items():
            setattr(maya, name, value)
        session.commit()
    return site


@pytest.mark.parametrize("size", sorted(WIDTHS))
def test_the_mentee_reads_the_mentor_and_how_to_start(first_session_guide, sign_in, size) -> None:
    server, services = first_session_guide
    url = f"{server.url}/relationships/{first_pair(services)}"
    eli = sign_in("eli@example.org", width=WIDTHS[size])
    eli.goto(url)
    partner = eli.locator("#partner")
    partner.wait_for()
    text = partner.inner_text()
    assert "Your mentor, Maya Berg" in text
    for name, value in MAYA.items():
        assert (value in text) == (name != "challenges"), name
    eli.locator("#first-session").scroll_into_view_if_needed()
    assert eli.evaluate("document.documentElement.scrollWidth") <= WIDTHS[size]
    screenshot(eli, f"relationship-mentee-partner-{size}")

    eli.get_by_role("link", name="What the first session is for").click()
    eli.wait_for_url(re.compile(r".*/knowledge/guides/first-session-and-mentoring-agreement#s-"))
    anchor = eli.url.split("#")[1]
    assert eli.locator(f"#{anchor}").is_visible()
