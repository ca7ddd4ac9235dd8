"""A mentor prepares a session: the agenda is drafted, edited and approved; the mentee sees
only the approved version."""

from __future__ import annotations

import re

from tests.e2e.conftest import agreed_session, first_pair, screenshot


def test_the_mentee_sees_only_the_approved_agenda(site, sign_in) -> None:
    server, services = site
    relationship_id = first_pair(services)
    url = f"{server.url}/relationships/{relationship_id}"

    maya = sign_in("maya@example.org")
    maya.goto(url)
    screenshot(maya, "relationship-mentor")
    # Maya proposes the first free time and Eli accepts it; then the session is theirs.
    agreed_session(maya, sign_in, url)
    maya.get_by_role("button", name="Prepare this session").click()
    maya.get_by_role("heading", name="Drafts waiting for your review").wait_for()
    maya.get_by_role("link", name=re.compile(r"Review the .*agenda", re.I)).first.click()
    maya.get_by_role("heading", name="Your decision").wait_for()
    original = maya.get_by_label("Objectives (one per line)").input_value()
    maya.get_by_label("Objectives (one per line)").fill(
        "Rehearse the guild talk from start to end\nAgree who reviews the slides"
    )
    screenshot(maya, "review-agenda")
    review_url = maya.url
    maya.get_by_role("button", name="Save and approve").click()
    # A decision returns the reviewer to their queue; the draft keeps its diff.
    maya.get_by_text("Approved and delivered").wait_for()
    maya.goto(review_url)
    maya.get_by_role("heading", name="The drafted original and the human version").wait_for()
    screenshot(maya, "review-agenda-diff")

    eli = sign_in("eli@example.org")
    eli.goto(url)
    eli.get_by_text("The agenda").first.click()
    page = eli.content()
    assert "Rehearse the guild talk from start to end" in page
    assert original.splitlines()[0] not in page
    screenshot(eli, "relationship-mentee")
    eli.goto(f"{server.url}/inbox")
    assert "Rehearse the guild talk" in eli.content()
    assert original.splitlines()[0] not in eli.content()
