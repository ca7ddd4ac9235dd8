"""A decision returns the reviewer to their queue at the next row, with its filters kept;
superseded drafts are hidden there unless asked for, and cannot be approved from a page."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from api.web import review_pages
from tests.relationships.conftest import World
from tests.review.test_workflow import ask, book
from tests.web.conftest import Browser

OUTSIDERS = ["eli", "nora", "omar", "pia", "elsewhere"]


def back_of(page: str) -> str:
    found = re.search(r'name="back" value="([^"]*)"', page)
    assert found, "the decision form carries no place in the queue"
    return found.group(1).replace("&amp;", "&")


def decide_from(browser: Browser, queue_url: str, draft_id: int, action: str, **extra: str) -> str:
    """Open the draft from the queue as shown at `queue_url`, decide; where it lands."""
    queue = browser.get(queue_url)
    link = re.search(rf'href="(/review/{draft_id}(?:\?[^"#]*)?)"', queue.text)
    assert link, f"draft {draft_id} is not on {queue_url}"
    page = browser.get(link.group(1).replace("&amp;", "&"))
    version = re.search(r'name="version" value="(\d+)"', page.text).group(1)
    response = browser.post(
        f"/review/{draft_id}",
        {"action": action, "version": version, "back": back_of(page.text), **extra},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return response.headers["location"]


@pytest.fixture
def queue(web: World) -> list[int]:
    """Four drafts the pilot's coordinator reviews, oldest first: three briefs, one nudge."""
    made = [
        ask(web, "maya", kind="brief", relationship_id=web.first)["id"],
        ask(web, "nora", kind="brief", relationship_id=web.second)["id"],
        ask(web, "lead", kind="nudge", relationship_id=web.first)["id"],
        ask(web, "lead", kind="nudge", relationship_id=web.second)["id"],
    ]
    return made


class TestBackToTheNextRow:
    def test_each_decision_lands_on_the_row_after_it_with_the_filters_kept(
        self, queue, browser_for
    ) -> None:
        brief_1, brief_2, nudge_1, nudge_2 = queue
        lead = browser_for("lead")

        landed = decide_from(lead, "/review?sort=newest", nudge_2, "approve")
        assert landed == f"/review?sort=newest#draft-{nudge_1}"
        assert f'id="draft-{nudge_1}"' in lead.get(landed).text

        landed = decide_from(lead, "/review?kind=brief", brief_1, "reject")
        assert landed == f"/review?kind=brief#draft-{brief_2}"

        landed = decide_from(
            lead, "/review?q=Farah", brief_2, "request_changes", note="Name the open action."
        )
        assert landed == "/review?q=Farah#waiting"  # nothing follows: the list, not the top
        page = lead.get(landed)
        assert "Changes requested" in page.text

    def test_a_row_on_the_next_page_is_reached_on_its_page(
        self, queue, browser_for, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        _brief_1, brief_2, nudge_1, nudge_2 = queue
        monkeypatch.setattr(review_pages, "QUEUE_PAGE", 1)
        lead = browser_for("lead")
        landed = decide_from(lead, "/review?offset=1", brief_2, "approve")
        # The approved draft left: the next row moved up onto the page the reviewer was on.
        assert landed == f"/review?offset=1#draft-{nudge_1}"
        assert f'id="draft-{nudge_1}"' in lead.get(landed).text
        landed = decide_from(lead, "/review?offset=2", nudge_2, "approve")
        assert landed == "/review?offset=1#waiting"  # the last row: the page before

    def test_an_edit_stays_on_the_draft_and_keeps_the_place(self, queue, browser_for) -> None:
        brief_1, *_ = queue
        lead = browser_for("lead")
        page = lead.get(f"/review/{brief_1}?kind=brief&sort=newest")
        assert f'href="/review?kind=brief&amp;sort=newest#draft-{brief_1}"' in page.text
        assert back_of(page.text) == "kind=brief&sort=newest"

    def test_a_forged_place_goes_nowhere_but_the_queue(self, queue, browser_for) -> None:
        brief_1, *_ = queue
        lead = browser_for("lead")
        page = lead.get(f"/review/{brief_1}")
        version = re.search(r'name="version" value="(\d+)"', page.text).group(1)
        response = lead.post(
            f"/review/{brief_1}",
            {
                "action": "approve",
                "version": version,
                "back": "kind=poem&sort=evil&offset=-3&next=https://evil.example/&q=Berg",
            },
            follow_redirects=False,
        )
        location = response.headers["location"]
        assert urlsplit(location).netloc == "" and location.startswith("/review?q=Berg#")

    def test_outsiders_cannot_decide_or_be_sent_anywhere(self, queue, browser_for) -> None:
        brief_1, _, nudge_1, _ = queue
        for who in OUTSIDERS:  # none of them reviews the first pair's drafts
            browser = browser_for(who)
            for draft_id in (brief_1, nudge_1):
                response = browser.post(
                    f"/review/{draft_id}",
                    {"action": "approve", "version": "1", "back": "q=Berg"},
                    follow_redirects=False,
                )
                assert response.status_code == 404, who


class TestSupersededOnThePages:
    def test_hidden_until_asked_for_then_marked_and_not_approvable(
        self, web: World, browser_for
    ) -> None:
        book(web)
        older = ask(web, "maya", kind="agenda", relationship_id=web.first)["id"]
        newer = ask(web, "maya", kind="agenda", relationship_id=web.first)["id"]
        maya = browser_for("maya")

        queue = maya.get("/review").text
        assert f'id="draft-{newer}"' in queue and f'id="draft-{older}"' not in queue
        shown = maya.get("/review?superseded=1").text
        assert f'id="draft-{older}"' in shown and "Replaced by a newer draft" in shown
        assert f'href="/review/{newer}"' in shown
        assert 'name="superseded" value="1" checked' in shown

        page = maya.get(f"/review/{older}")
        assert "This one can no longer be approved" in page.text
        assert f'href="/review/{newer}"' in page.text
        assert 'value="approve"' not in page.text
        version = re.search(r'name="version" value="(\d+)"', page.text)
        refused = maya.post(
            f"/review/{older}",
            {"action": "approve", "version": version.group(1) if version else "1"},
        )
        assert refused.status_code == 409
        assert f"Review draft {newer} instead" in refused.text

    def test_the_toggle_shows_outsiders_nothing(self, web: World, browser_for) -> None:
        book(web)
        older = ask(web, "maya", kind="agenda", relationship_id=web.first)["id"]
        ask(web, "maya", kind="agenda", relationship_id=web.first)
        for who in OUTSIDERS:
            browser = browser_for(who)
            shown = browser.get("/review?superseded=1")
            assert shown.status_code == 200, who
            assert f'id="draft-{older}"' not in shown.text, who
            assert browser.get(f"/review/{older}").status_code == 404, who
