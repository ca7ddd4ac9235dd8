"""Proposed times on the relationship page: who proposed, when, whose answer it waits for,
and the answers (accept, decline, suggest, withdraw) for the members only."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from companion.relationships.models import MentoringSession, SessionStatus
from tests.relationships.conftest import World
from tests.web.conftest import Browser

OUTSIDERS = ["nora", "omar", "pia", "elsewhere"]


def propose(web: World, maya: Browser) -> int:
    page = maya.get(f"/relationships/{web.first}")
    first = re.search(r'name="when" value="([^"]+)"', page.text).group(1)
    done = maya.post(f"/relationships/{web.first}/sessions", {"when": first})
    assert "Proposed:" in done.text
    found = re.search(r'id="proposal-(\d+)"', done.text)
    assert found, "the proposal is listed on the page"
    return int(found.group(1))


def status_of(web: World, session_id: int) -> SessionStatus:
    with web.services.sessions() as db:
        return db.get_one(MentoringSession, session_id).status


class TestWhoSeesAndAnswers:
    @pytest.mark.parametrize("who", OUTSIDERS)
    def test_outsiders_get_404_and_change_nothing(self, web: World, browser_for, who) -> None:
        session_id = propose(web, browser_for("maya"))
        outsider = browser_for(who)
        outsider.get("/relationships")  # a page of their own, for a form token
        for answer in ("accept", "decline", "withdraw"):
            refused = outsider.post(
                f"/relationships/{web.first}/sessions/{session_id}/answer", {"answer": answer}
            )
            assert refused.status_code == 404
        assert outsider.get(f"/relationships/{web.first}").status_code == 404
        assert status_of(web, session_id) == SessionStatus.proposed

    def test_the_coordinator_sees_the_state_and_no_buttons(self, web: World, browser_for) -> None:
        session_id = propose(web, browser_for("maya"))
        lead = browser_for("lead")
        page = lead.get(f"/relationships/{web.first}")
        assert page.status_code == 200
        assert "Proposed by Maya Berg" in page.text
        assert "Waiting for Eli Brooks to accept it or suggest another time" in page.text
        assert "Accept this time" not in page.text and "Withdraw" not in page.text
        refused = lead.post(
            f"/relationships/{web.first}/sessions/{session_id}/answer",
            {"answer": "accept"},
            follow_redirects=True,
        )
        assert "Only the members of the relationship" in refused.text
        assert status_of(web, session_id) == SessionStatus.proposed

    def test_the_proposer_waits_and_cannot_accept(self, web: World, browser_for) -> None:
        maya = browser_for("maya")
        session_id = propose(web, maya)
        page = maya.get(f"/relationships/{web.first}")
        assert "Proposed by you" in page.text and "Waiting for Eli Brooks" in page.text
        assert "Accept this time" not in page.text and "Withdraw this proposal" in page.text
        own = maya.post(
            f"/relationships/{web.first}/sessions/{session_id}/answer", {"answer": "accept"}
        )
        assert "it waits for Eli Brooks" in own.text
        assert status_of(web, session_id) == SessionStatus.proposed


class TestAnswers:
    def test_suggest_then_accept(self, web: World, browser_for) -> None:
        maya, eli = browser_for("maya"), browser_for("eli")
        session_id = propose(web, maya)
        page = eli.get(f"/relationships/{web.first}")
        assert "Waiting for your answer" in page.text and "Accept this time" in page.text
        field = f"suggest_{session_id}"
        garbled = eli.post(
            f"/relationships/{web.first}/sessions/{session_id}/answer",
            {"answer": "suggest", field: "next week"},
        )
        assert garbled.status_code == 422 and f'id="e-{field}"' in garbled.text
        assert 'value="next week"' in garbled.text
        typed = (datetime.now(ZoneInfo("America/New_York")) + timedelta(days=20)).replace(
            hour=10, minute=0, second=0, microsecond=0
        )
        suggested = eli.post(
            f"/relationships/{web.first}/sessions/{session_id}/answer",
            {"answer": "suggest", field: typed.strftime("%Y-%m-%dT%H:%M")},
        )
        assert "Suggested." in suggested.text
        assert "Proposed by you" in suggested.text and "Waiting for Maya Berg" in suggested.text
        accepted = maya.post(
            f"/relationships/{web.first}/sessions/{session_id}/answer", {"answer": "accept"}
        )
        assert "Accepted: the session is confirmed" in accepted.text
        assert 'id="proposals"' not in accepted.text, "nothing left to answer"
        assert status_of(web, session_id) == SessionStatus.scheduled
        with web.services.sessions() as db:
            assert db.get_one(MentoringSession, session_id).starts_at == typed

    def test_decline_and_withdraw(self, web: World, browser_for) -> None:
        maya, eli = browser_for("maya"), browser_for("eli")
        first = propose(web, maya)
        eli.get(f"/relationships/{web.first}")
        declined = eli.post(
            f"/relationships/{web.first}/sessions/{first}/answer", {"answer": "decline"}
        )
        assert "Declined." in declined.text
        assert status_of(web, first) == SessionStatus.declined
        second = propose(web, maya)
        withdrawn = maya.post(
            f"/relationships/{web.first}/sessions/{second}/answer", {"answer": "withdraw"}
        )
        assert "Withdrawn." in withdrawn.text
        assert status_of(web, second) == SessionStatus.cancelled


class TestSessionPage:
    def test_a_proposed_session_says_whose_answer_it_waits_for(
        self, web: World, browser_for
    ) -> None:
        maya, eli = browser_for("maya"), browser_for("eli")
        session_id = propose(web, maya)
        url = f"/relationships/{web.first}/sessions/{session_id}"
        mine = maya.get(url).text
        assert "Proposed by you" in mine and "waiting for Eli Brooks" in mine
        assert "Mark cancelled" not in mine, "withdrawn on the relationship page, not marked"
        theirs = eli.get(url).text
        assert "waiting for your answer" in theirs and f"#proposal-{session_id}" in theirs
        assert ".ics" not in theirs, "no calendar entry before it is agreed"
