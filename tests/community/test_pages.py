"""The community in the browser: asking after checking what was asked before, the
code of conduct before a first post, anonymity on every page, moderation, safety."""

from __future__ import annotations

import re

from tests.community.conftest import World

QUESTION = "How do I give difficult feedback to someone on my new team?"


def _ask(browser, world: World, **extra: str):
    return browser.post(
        "/community/ask",
        {
            "title": QUESTION,
            "topic": "feedback",
            "program_id": str(world.pilot),
            "accept_code_of_conduct": "on",
            **extra,
        },
        follow_redirects=False,
    )


def _question_id(response) -> int:
    assert response.status_code == 303, response.text
    return int(re.search(r"/community/questions/(\d+)", response.headers["location"]).group(1))


def test_the_code_of_conduct_is_shown_and_needed_before_a_first_post(
    world: World, browser_for
) -> None:
    eli = browser_for("eli")
    page = eli.get("/community/ask", params={"title": QUESTION})
    assert "Our code of conduct" in page.text and "Be kind" in page.text
    refused = eli.post(
        "/community/ask",
        {"title": QUESTION, "topic": "feedback", "program_id": str(world.pilot)},
    )
    assert refused.status_code == 409
    assert "Accept the code of conduct to post." in refused.text
    assert world.get("eli", "/questions").json()["total"] == 0
    qid = _question_id(_ask(eli, world))
    assert "Our code of conduct" not in eli.get(f"/community/questions/{qid}").text


def test_checking_first_shows_what_was_asked_before(world: World, browser_for) -> None:
    eli = browser_for("eli")
    qid = _question_id(_ask(eli, world))
    omar = browser_for("omar")
    page = omar.get(
        "/community/ask",
        params={"title": "Tips for telling a new team member their work is not good enough"},
    )
    assert "Asked before?" in page.text
    assert f'href="/community/questions/{qid}"' in page.text


def test_an_anonymous_asker_is_named_on_no_page_a_peer_can_open(world: World, browser_for) -> None:
    world.opt_in("sam")
    eli = browser_for("eli")
    qid = _question_id(_ask(eli, world, anonymous="on"))
    omar = browser_for("omar")
    for url in ("/community", f"/community/questions/{qid}", f"/community/ask?title={QUESTION}"):
        text = omar.get(url).text
        assert "Eli" not in text and "eli@example.org" not in text, url
    assert "Anonymous member" in omar.get(f"/community/questions/{qid}").text
    lead = browser_for("lead")
    assert "Eli Brooks" in lead.get(f"/community/questions/{qid}").text
    own = eli.get(f"/community/questions/{qid}").text
    assert "People who may know" in own and "Sam Okoro" in own


def test_answer_mark_helpful_report_and_hide(world: World, browser_for) -> None:
    eli = browser_for("eli")
    qid = _question_id(_ask(eli, world))
    nora = browser_for("nora")
    posted = nora.post(
        f"/community/questions/{qid}/answers",
        {"body": "Name the behaviour, not the person.", "accept_code_of_conduct": "on"},
        follow_redirects=False,
    )
    assert posted.status_code == 303
    page = eli.get(f"/community/questions/{qid}").text
    aid = int(re.search(r'id="answer-(\d+)"', page).group(1))
    eli.post(f"/community/questions/{qid}/helpful", {"answer_id": str(aid)})
    assert (
        "This answer helped the person who asked." in nora.get(f"/community/questions/{qid}").text
    )
    eli.post(
        "/community/report",
        {
            "target": "answer",
            "target_id": str(aid),
            "reason": "Off topic",
            "back": f"/community/questions/{qid}",
        },
    )
    lead = browser_for("lead")
    queue = lead.get("/community/moderation").text
    assert "Off topic" in queue and "Name the behaviour" in queue
    report_id = int(re.search(r'id="report-(\d+)"', queue).group(1))
    lead.post(f"/community/moderation/{report_id}", {"action": "hide"})
    assert "Name the behaviour" not in browser_for("omar").get(f"/community/questions/{qid}").text
    assert "No open reports." in lead.get("/community/moderation").text


def test_outsiders_get_404_and_peers_have_no_queue(world: World, browser_for) -> None:
    qid = _question_id(_ask(browser_for("eli"), world))
    assert browser_for("xia").get(f"/community/questions/{qid}").status_code == 404
    assert browser_for("omar").get("/community/moderation").status_code == 404


def test_opting_in_and_blocking_from_the_account_page(world: World, browser_for) -> None:
    sam = browser_for("sam")
    sam.post("/account/community/helper", {"opted_in": "on", "helps_with": "feedback"})
    page = sam.get("/account/community").text
    assert "checked" in page and "feedback" in page
    refused = sam.post("/account/community/blocks", {"email": "nobody@example.org"})
    assert refused.status_code == 422 and "No account with the email" in refused.text
    sam.post("/account/community/blocks", {"email": "eli@example.org"})
    assert "Eli Brooks (eli@example.org)" in sam.get("/account/community").text
    assert world.ask("eli", QUESTION).json()["suggested"] == []


def test_too_many_posts_say_when_to_try_again(world: World, browser_for) -> None:
    eli = browser_for("eli")
    for n in range(world.services.settings.community_posts_per_hour):
        _question_id(_ask(eli, world, title=f"Question {n}"))
    refused = _ask(eli, world, title="One more")
    assert refused.status_code == 429
    assert "You can post again at" in refused.text


def test_a_guide_answer_appears_on_the_page_only_once_approved_and_published(
    world: World, browser_for
) -> None:
    qid = _question_id(_ask(browser_for("eli"), world))
    lead = browser_for("lead")
    assert "Draft what our guides say" in lead.get(f"/community/questions/{qid}").text
    omar = browser_for("omar")
    assert "Draft what our guides say" not in omar.get(f"/community/questions/{qid}").text
    lead.post(f"/community/questions/{qid}/guide-drafts", {})
    page = lead.get(f"/community/questions/{qid}").text
    draft_id = int(re.search(r'name="draft_id" value="(\d+)"', page).group(1))
    early = lead.post(f"/community/questions/{qid}/guide-answers", {"draft_id": str(draft_id)})
    assert "Approve the drafted answer in the review queue first" in early.text
    assert "What our guides say" not in omar.get(f"/community/questions/{qid}").text
    world.client.post(
        f"/api/v1/review/drafts/{draft_id}/decisions",
        json={"action": "approve", "version": 1},
        headers=world.headers("lead"),
    )
    lead.post(f"/community/questions/{qid}/guide-answers", {"draft_id": str(draft_id)})
    seen = omar.get(f"/community/questions/{qid}").text
    assert "What our guides say" in seen and "approved by" in seen
