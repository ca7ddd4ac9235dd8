"""A mentor proposes a session time and the mentee accepts it, each in their own browser,
at desktop and phone widths."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import first_pair, screenshot

SIZES = [pytest.param(1100, "desktop", id="desktop"), pytest.param(390, "phone", id="phone")]


@pytest.mark.parametrize(("width", "size"), SIZES)
def test_the_mentor_proposes_and_the_mentee_accepts(site, sign_in, width: int, size: str) -> None:
    server, services = site
    page_url = f"{server.url}/relationships/{first_pair(services)}"

    maya = sign_in("maya@example.org", width=width)
    maya.goto(page_url)
    maya.get_by_role("button", name="Propose this time").click()
    maya.get_by_text("Proposed by you").wait_for()
    proposals = maya.locator("#proposals")
    assert "Waiting for Eli Brooks to accept it or suggest another time" in proposals.inner_text()
    assert maya.get_by_role("button", name="Accept this time").count() == 0
    proposals.scroll_into_view_if_needed()
    screenshot(maya, f"booking-proposed-{size}")

    eli = sign_in("eli@example.org", width=width)
    eli.goto(page_url)
    answer = eli.locator("#proposals")
    assert "Proposed by Maya Berg" in answer.inner_text()
    assert "Waiting for your answer" in answer.inner_text()
    screenshot(eli, f"booking-answer-{size}")
    eli.get_by_role("button", name="Accept this time").click()
    eli.get_by_text("Accepted: the session is confirmed").wait_for()
    assert eli.locator("#proposals").count() == 0, "nothing left to answer"
    screenshot(eli, f"booking-confirmed-{size}")

    maya.reload()
    assert maya.locator("#proposals").count() == 0
    upcoming = maya.get_by_role("region", name="Upcoming sessions").inner_text()
    assert "scheduled" in upcoming and "Nothing booked ahead" not in upcoming
