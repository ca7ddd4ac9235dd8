"""Relationship pages: booking, sessions, notes, actions, feedback, the thread, the calendar."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from markupsafe import escape
from sqlalchemy import select

from companion.relationships.models import MentoringSession, SessionStatus
from tests.relationships.conftest import World
from tests.web.conftest import Browser

OUTSIDERS = ["nora", "omar", "pia", "elsewhere"]


def shown(text: str) -> str:
    return str(escape(text))


def add_session(web: World, *, relationship_id: int, started: timedelta) -> int:
    """A session that started `started` ago (negative: in the future), still scheduled."""
    with web.services.sessions() as db:
        row = MentoringSession(
            relationship_id=relationship_id,
            starts_at=datetime.now(UTC) - started,
            duration_minutes=45,
            status=SessionStatus.scheduled,
            created_by="test",
        )
        db.add(row)
        db.commit()
        return row.id


def status_of(web: World, session_id: int) -> str:
    with web.services.sessions() as db:
        return db.get(MentoringSession, session_id).status.value


def held_session(web: World, maya: Browser) -> str:
    """A session yesterday, marked held on its page by Maya; its page's address."""
    session_id = add_session(web, relationship_id=web.first, started=timedelta(days=1))
    url = f"/relationships/{web.first}/sessions/{session_id}"
    maya.get(url)
    marked = maya.post(f"{url}/status", {"status": "held"})
    assert "marked held" in marked.text
    return url


class TestBooking:
    def test_a_proposed_time_or_one_typed_on_my_own_clock(self, web: World, browser_for) -> None:
        eli = browser_for("eli")
        page = eli.get(f"/relationships/{web.first}")
        assert "No sessions yet — propose times below" in page.text
        assert "both free for 45 minutes" in page.text
        first = re.search(r'name="when" value="([^"]+)"', page.text).group(1)
        proposed = eli.post(f"/relationships/{web.first}/sessions", {"when": first})
        assert proposed.status_code == 200 and "Proposed:" in proposed.text
        assert "Maya Berg is asked to accept it" in proposed.text
        assert "America/New_York" in proposed.text and "Prepare this session" not in proposed.text

        typed = (datetime.now(ZoneInfo("America/New_York")) + timedelta(days=40)).replace(
            hour=9, minute=30, second=0, microsecond=0
        )
        again = eli.post(
            f"/relationships/{web.first}/sessions",
            {"when": first, "other_time": typed.strftime("%Y-%m-%dT%H:%M"), "modality": "phone"},
            follow_redirects=False,
        )
        assert again.status_code == 303
        assert again.headers["location"] == f"/relationships/{web.first}#proposals"
        with web.services.sessions() as db:
            row = db.scalars(
                select(MentoringSession).where(MentoringSession.starts_at == typed.astimezone(UTC))
            ).one()
            assert row.modality == "phone" and row.status == SessionStatus.proposed

    def test_refusals_are_shown_next_to_the_booking_form(self, web: World, browser_for) -> None:
        maya = browser_for("maya")
        page = maya.get(f"/relationships/{web.first}")
        first = re.search(r'name="when" value="([^"]+)"', page.text).group(1)
        nothing = maya.post(f"/relationships/{web.first}/sessions", {})
        assert nothing.status_code == 422 and 'id="e-other_time"' in nothing.text
        garbled = maya.post(f"/relationships/{web.first}/sessions", {"other_time": "soon"})
        assert garbled.status_code == 422 and "Enter a date and time" in garbled.text
        assert 'value="soon"' in garbled.text
        too_long = maya.post(
            f"/relationships/{web.first}/sessions", {"when": first, "duration_minutes": "500"}
        )
        assert too_long.status_code == 422 and 'id="e-duration_minutes"' in too_long.text
        maya.post(f"/relationships/{web.first}/sessions", {"when": first})
        overlap = maya.post(f"/relationships/{web.first}/sessions", {"when": first})
        assert overlap.status_code == 409 and 'id="e-when"' in overlap.text
        assert "already proposed" in overlap.text


class TestSessionPage:
    def test_private_notes_stay_with_their_author_and_shared_notes_are_shared(
        self, web: World, browser_for
    ) -> None:
        maya, eli = browser_for("maya"), browser_for("eli")
        url = held_session(web, maya)
        maya.get(url)
        maya.post(f"{url}/private-note", {"private_note": "Eli seems <tired>"})
        maya.post(f"{url}/notes", {"shared_notes": "We agreed on a reading list"})
        mine = maya.get(url).text
        assert shown("Eli seems <tired>") in mine and "Eli seems <tired>" not in mine
        theirs = eli.get(url).text
        assert "tired" not in theirs and "We agreed on a reading list" in theirs
        lead = browser_for("lead").get(url)
        assert lead.status_code == 200
        assert "tired" not in lead.text and "reading list" not in lead.text
        assert "private to the members" in lead.text
        too_long = maya.post(f"{url}/notes", {"shared_notes": "x" * 20_001})
        assert too_long.status_code == 422 and 'id="e-shared_notes"' in too_long.text

    def test_feedback_is_revealed_only_once_both_have_answered(
        self, web: World, browser_for
    ) -> None:
        maya, eli = browser_for("maya"), browser_for("eli")
        url = held_session(web, maya)
        page = maya.get(url)
        questions = len(re.findall(r'name="text_\d+"', page.text))
        assert questions == 3
        missing = maya.post(f"{url}/feedback", {"text_0": "", "text_1": "", "text_2": ""})
        assert missing.status_code == 422 and 'id="e-rating_0"' in missing.text
        answers = {f"rating_{i}": "4" for i in range(questions)}
        answers |= {f"text_{i}": f"Maya's answer {i}" for i in range(questions)}
        assert "Thank you" in maya.post(f"{url}/feedback", answers).text

        before = eli.get(url).text
        assert "Maya Berg has answered" in before and "Maya&#39;s answer" not in before
        eli.post(
            f"{url}/feedback",
            {**{f"rating_{i}": "5" for i in range(3)}, **{f"text_{i}": "" for i in range(3)}},
        )
        after = eli.get(url).text
        assert "Maya Berg's answers" in after and "Maya&#39;s answer 0" in after
        assert "5 of 5" in maya.get(url).text

    def test_attendance_action_items_and_the_calendar_entry(self, web: World, browser_for) -> None:
        maya = browser_for("maya")
        later = add_session(web, relationship_id=web.first, started=-timedelta(days=2))
        url = f"/relationships/{web.first}/sessions/{later}"
        page = maya.get(url)
        assert "Mark held" not in page.text and "Mark cancelled" in page.text
        added = maya.post(
            f"/relationships/{web.first}/actions",
            {"action_text": "Send the talk outline", "action_owner": "E1", "session_id": later},
        )
        assert "Action item added" in added.text and "Send the talk outline" in added.text
        action_id = re.search(rf"/relationships/{web.first}/actions/(\d+)", added.text).group(1)
        ticked = maya.post(
            f"/relationships/{web.first}/actions/{action_id}", {"done": "1", "session_id": later}
        )
        assert "Marked done" in ticked.text and "<s>Send the talk outline</s>" in ticked.text
        no_text = maya.post(
            f"/relationships/{web.first}/actions", {"action_text": " ", "action_owner": "E1"}
        )
        assert no_text.status_code == 422 and 'id="e-action_text"' in no_text.text

        ics = maya.get(f"{url}.ics")
        assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
        [event] = icalendar.Calendar.from_ical(ics.content).walk("VEVENT")
        assert "Mentoring" in str(event["SUMMARY"])
        maya.get(url)
        cancelled = maya.post(f"{url}/status", {"status": "cancelled"})
        assert "marked cancelled" in cancelled.text and status_of(web, later) == "cancelled"
        again = maya.post(f"{url}/status", {"status": "cancelled"})
        assert again.status_code == 200 and status_of(web, later) == "cancelled"


class TestThread:
    def test_messages_are_escaped_links_are_links_and_unread_is_counted(
        self, web: World, browser_for
    ) -> None:
        maya, eli = browser_for("maya"), browser_for("eli")
        maya.get(f"/relationships/{web.first}/thread")
        body = "<script>alert(1)</script> see https://example.org/talk?a=1&b=2."
        sent = maya.post(f"/relationships/{web.first}/thread", {"body": body})
        assert sent.status_code == 200 and "<script>alert(1)</script>" not in sent.text
        assert shown("<script>alert(1)</script>") in sent.text

        assert "Thread (1 unread)" in eli.get(f"/relationships/{web.first}").text
        assert "1 unread" in eli.get("/relationships").text
        thread = eli.get(f"/relationships/{web.first}/thread")
        assert '<a href="https://example.org/talk?a=1&amp;b=2" rel=' in thread.text
        assert 'badge-warn">new</span>' in thread.text
        assert "Thread (1 unread)" not in eli.get(f"/relationships/{web.first}").text

        empty = eli.post(f"/relationships/{web.first}/thread", {"body": "   "})
        assert empty.status_code == 422 and 'id="e-body"' in empty.text
        assert browser_for("lead").get(f"/relationships/{web.first}/thread").status_code == 403


def test_other_relationships_do_not_exist_for_outsiders(web: World, browser_for) -> None:
    session_id = add_session(web, relationship_id=web.first, started=timedelta(days=1))
    theirs = add_session(web, relationship_id=web.second, started=timedelta(days=1))
    base = f"/relationships/{web.first}"
    pages = [base, f"{base}/thread", f"{base}/sessions/{session_id}"]
    pages += [f"{base}/sessions/{session_id}.ics"]
    forms = {
        f"{base}/thread": {"body": "hello"},
        f"{base}/sessions": {"other_time": "2030-01-01T09:00"},
        f"{base}/agreement": {"expectations": "x"},
        f"{base}/status": {"status": "paused"},
        f"{base}/sessions/{session_id}/notes": {"shared_notes": "x"},
        f"{base}/sessions/{session_id}/private-note": {"private_note": "x"},
        f"{base}/sessions/{session_id}/prepare": {},
        f"{base}/sessions/{session_id}/status": {"status": "held"},
    }
    for who in OUTSIDERS:
        browser = browser_for(who)
        for url in pages:
            assert browser.get(url).status_code == 404, (who, url)
        browser.get("/relationships")
        for url, data in forms.items():
            assert browser.post(url, data).status_code == 404, (who, url)
    maya = browser_for("maya")
    assert maya.get(f"{base}/sessions/{theirs}").status_code == 404
    assert maya.get(f"{base}/sessions/{theirs}.ics").status_code == 404
    assert maya.get("/relationships/not-a-number").status_code == 404
    assert status_of(web, session_id) == "scheduled"


def test_every_page_renders_for_those_who_may_see_it(web: World, browser_for) -> None:
    session_id = add_session(web, relationship_id=web.first, started=timedelta(days=1))
    base = f"/relationships/{web.first}"
    for who in ["maya", "eli"]:
        browser = browser_for(who)
        for url in ["/relationships", base, f"{base}/thread", f"{base}/sessions/{session_id}"]:
            page = browser.get(url)
            assert page.status_code == 200, (who, url)
        assert f'href="{base}/goals"' in browser.get(base).text
        assert browser.get(f"{base}/sessions/{session_id}.ics").status_code == 200
    for who in ["lead", "org"]:
        browser = browser_for(who)
        program_level = browser.get(base)
        assert program_level.status_code == 200, who
        assert "/thread" not in program_level.text and "Book the next" not in program_level.text
        assert browser.get(f"{base}/sessions/{session_id}").status_code == 200
        assert "not in a mentoring relationship yet" in browser.get("/relationships").text
    pia = browser_for("pia").get("/relationships")
    assert pia.status_code == 200 and "not in a mentoring relationship yet" in pia.text


def test_the_calendar_address_is_shown_once(web: World, browser_for) -> None:
    eli = browser_for("eli")
    eli.get("/relationships")
    issued = eli.post("/relationships/calendar-feed")
    url = re.search(r'id="f-feed" type="text" readonly value="([^"]+)"', issued.text).group(1)
    assert "/api/v1/calendar/mcal_" in url and url.endswith(".ics")
    assert 'id="f-feed"' not in eli.get("/relationships").text
    feed = eli.client.get(url.replace("http://testserver", ""))
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")


def test_my_expectations_and_pausing(web: World, browser_for) -> None:
    eli, maya = browser_for("eli"), browser_for("maya")
    eli.get(f"/relationships/{web.first}")
    saved = eli.post(
        f"/relationships/{web.first}/agreement", {"expectations": "Honest feedback & <focus>"}
    )
    assert "Your expectations are saved" in saved.text
    assert shown("Honest feedback & <focus>") in maya.get(f"/relationships/{web.first}").text
    too_long = eli.post(f"/relationships/{web.first}/agreement", {"expectations": "x" * 4001})
    assert too_long.status_code == 422 and 'id="e-expectations"' in too_long.text
    paused = eli.post(f"/relationships/{web.first}/status", {"status": "paused"})
    assert "Paused." in paused.text and "resume it to book sessions" in paused.text
    resumed = eli.post(f"/relationships/{web.first}/status", {"status": "active"})
    assert "Resumed." in resumed.text and 'name="when"' in resumed.text
