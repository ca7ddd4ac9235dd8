"""A mentee drafts a SMART goal, edits and approves it; the mentor then sees it."""

from __future__ import annotations

from tests.e2e.conftest import first_pair, screenshot


def test_a_goal_drafted_edited_and_approved_by_the_mentee_reaches_the_mentor(site, sign_in) -> None:
    server, services = site
    relationship_id = first_pair(services)
    goals = f"{server.url}/relationships/{relationship_id}/goals"

    eli = sign_in("eli@example.org")
    eli.goto(goals)
    eli.get_by_label("Your aspiration").fill(
        "I want to get better at leading design reviews for the data platform."
    )
    eli.get_by_role("button", name="Draft a SMART goal").click()
    eli.get_by_role("heading", name="Your drafted SMART goal").wait_for()
    screenshot(eli, "mentee-goal-draft")
    eli.get_by_label("Goal (one sentence)").fill(
        "Lead two design reviews of data platform changes by the end of the quarter."
    )
    eli.get_by_label("Me and my mentor").check()  # approving and sharing are two choices
    eli.get_by_role("button", name="Save and approve").click()
    eli.wait_for_url(f"{goals}*")
    assert eli.get_by_text("Lead two design reviews of data platform changes").first.is_visible()
    screenshot(eli, "mentee-goals")

    maya = sign_in("maya@example.org")
    maya.goto(goals)
    assert maya.get_by_text("Lead two design reviews of data platform changes").first.is_visible()
    # The drafted wording the mentee replaced is nowhere on the mentor's page.
    assert "I want to get better at leading design reviews" not in maya.content()
