"""Community, in a real browser at desktop and phone widths: ask (after checking what
was asked before) -> people who may know -> an answer -> "this helped me"; and
report -> the moderators' queue -> hide."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from companion.accounts.models import User
from companion.community import service as community
from companion.community.schemas import HelperUpdate
from tests.e2e.conftest import screenshot

WIDTHS = {"desktop": 1280, "phone": 390}
QUESTIONS = {
    "desktop": "How do I stay calm when a customer escalation lands on my desk?",
    "phone": "What helps when an angry customer escalates to me on a Friday?",
}


@pytest.fixture(scope="module")
def community_site(site):
    """Nora (customer support) said yes to being asked."""
    _, services = site
    with services.sessions() as session:
        nora = session.scalars(select(User).where(User.email == "nora@example.org")).one()
        community.set_helper(
            session=session,
            principal=nora,
            change=HelperUpdate(
                opted_in=True, helps_with="Customer escalations and calming angry customers."
            ),
        )
        session.commit()
    return site


def _fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("size", sorted(WIDTHS))
def test_ask_see_who_may_know_get_an_answer_and_mark_it(community_site, sign_in, size) -> None:
    width = WIDTHS[size]
    eli = sign_in("eli@example.org", width=width)
    eli.get_by_role("link", name="Community").first.click()
    eli.get_by_role("link", name="Ask a question").click()
    eli.get_by_label("Your question, in a line").fill(QUESTIONS[size])
    eli.get_by_role("button", name="Check whether it was asked before").click()
    eli.get_by_role("heading", name="Asked before?").wait_for()
    eli.get_by_label("Topic").fill("customer support")
    conduct = eli.get_by_label("I have read the code of conduct and will follow it.")
    if conduct.count():
        conduct.check()
    _fits(eli, width)
    screenshot(eli, f"community-ask-{size}")
    eli.get_by_role("button", name="Post the question").click()
    eli.get_by_role("heading", name="People who may know").wait_for()
    assert "Nora Diaz" in eli.locator("main").inner_text()
    question_url = eli.url

    nora = sign_in("nora@example.org", width=width)
    nora.goto(question_url)
    nora.get_by_label("Your answer").fill(
        "Breathe, then repeat back what the customer needs before you promise anything."
    )
    box = nora.get_by_label("I have read the code of conduct and will follow it.")
    if box.count():
        box.check()
    nora.get_by_role("button", name="Post the answer").click()
    nora.get_by_text("Your answer is posted.").wait_for()

    eli.goto(question_url)
    eli.get_by_role("button", name="This helped me").click()
    eli.get_by_text("This answer helped the person who asked.").wait_for()
    _fits(eli, width)
    screenshot(eli, f"community-question-{size}")


@pytest.mark.parametrize("size", sorted(WIDTHS))
def test_report_reaches_the_queue_and_hiding_removes_the_post(
    community_site, sign_in, size
) -> None:
    server, _ = community_site
    width = WIDTHS[size]
    pia = sign_in("pia@example.org", width=width)
    pia.goto(f"{server.url}/community/ask?title=Where+do+I+find+the+onboarding+checklist%3F+{size}")
    pia.get_by_label("Topic").fill("onboarding")
    box = pia.get_by_label("I have read the code of conduct and will follow it.")
    if box.count():
        box.check()
    pia.get_by_role("button", name="Post the question").click()
    pia.get_by_text("Your question is posted.").wait_for()
    question_url = pia.url

    quinn = sign_in("quinn@example.org", width=width)
    quinn.goto(question_url)
    quinn.get_by_label("Your answer").fill(f"Buy my productivity course today ({size})!")
    box = quinn.get_by_label("I have read the code of conduct and will follow it.")
    if box.count():
        box.check()
    quinn.get_by_role("button", name="Post the answer").click()
    quinn.get_by_text("Your answer is posted.").wait_for()

    pia.goto(question_url)
    pia.locator("article details.report summary").first.click()
    pia.get_by_label("What is wrong with it?").first.fill("An advert, not an answer.")
    pia.get_by_role("button", name="Send the report").first.click()
    pia.get_by_text("A coordinator will look at your report.").wait_for()

    lead = sign_in("lead@example.org", width=width)
    lead.goto(f"{server.url}/community/moderation")
    card = lead.locator("article", has_text=f"Buy my productivity course today ({size})!")
    card.wait_for()
    assert "An advert, not an answer." in card.inner_text()
    _fits(lead, width)
    screenshot(lead, f"community-moderation-{size}")
    card.get_by_role("button", name="Hide").click()
    lead.get_by_text("Hidden from members.").wait_for()

    pia.goto(question_url)
    assert f"productivity course today ({size})" not in pia.locator("main").inner_text()
