"""Booking both sides agree to, as email: a proposal reaches the member it waits for (no
calendar entry yet), a confirmation reaches both with the invitation, and a move or a
cancellation reaches both with the update, all through a real SMTP server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from tests.notifications.conftest import Post, calendar_of, later, parts
from tests.notifications.test_kinds import choose

MAYA, ELI = "maya@example.org", "eli@example.org"
PAIR = {MAYA, ELI}


def at(days: float, hour: int = 9) -> datetime:
    moment = datetime.now(UTC) + timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


def propose(post: Post, who: str, starts_at: datetime) -> int:
    response = post.world.client.post(
        f"/api/v1/relationships/{post.world.first}/sessions",
        headers=post.world.headers(who),
        json={"starts_at": starts_at.isoformat()},
    )
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "proposed"
    return response.json()["id"]


def answer(post: Post, who: str, session_id: int, action: str, body: dict | None = None) -> None:
    response = post.world.client.post(
        f"/api/v1/sessions/{session_id}/{action}", headers=post.world.headers(who), json=body
    )
    assert response.status_code == 200, response.json()


def change(post: Post, who: str, session_id: int, **fields: object) -> None:
    response = post.world.client.patch(
        f"/api/v1/sessions/{session_id}", headers=post.world.headers(who), json=fields
    )
    assert response.status_code == 200, response.json()


def one_each(post: Post) -> dict[str, EmailMessage]:
    mail = post.take()
    assert {address: len(messages) for address, messages in mail.items()} == dict.fromkeys(
        mail, 1
    ), "one email per person"
    return {address: messages[0] for address, messages in mail.items()}


class TestProposals:
    def test_a_proposal_asks_the_other_member_and_attaches_no_calendar_entry(
        self, post: Post
    ) -> None:
        session_id = propose(post, "maya", at(6))
        post.run()
        mail = one_each(post)
        assert list(mail) == [ELI], "the proposer knows; outsiders and coordinators never"
        email = mail[ELI]
        assert email["Subject"].strip().startswith("Maya Berg proposes a session: ")
        text, html = parts(email)
        assert "Accept it, or suggest another time" in text
        assert f"https://mentoring.example.org/relationships/{post.world.first}#proposals" in text
        assert "Maya Berg" in html
        assert calendar_of(email) is None, "nothing in a calendar until it is accepted"
        assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert session_id

    def test_a_suggestion_goes_back_and_a_decline_is_told(self, post: Post) -> None:
        session_id = propose(post, "maya", at(6))
        answer(post, "eli", session_id, "suggest", {"starts_at": at(7, 14).isoformat()})
        post.run()
        mail = one_each(post)
        # Eli's own answer replaced Maya's time before the job ran: only the news is told.
        assert list(mail) == [MAYA]
        assert mail[MAYA]["Subject"].strip().startswith("Eli Brooks suggests another time: ")
        assert calendar_of(mail[MAYA]) is None
        answer(post, "maya", session_id, "decline")
        post.run()
        mail = one_each(post)
        assert list(mail) == [ELI]
        assert mail[ELI]["Subject"].strip().startswith("Maya Berg declined your proposed time")
        assert f"/relationships/{post.world.first}#book" in parts(mail[ELI])[0]

    def test_a_turned_off_proposal_kind_leaves_the_confirmation_on(self, post: Post) -> None:
        choose(post, "eli", session_proposed="off")
        session_id = propose(post, "maya", at(6))
        post.run()
        assert post.take() == {}
        answer(post, "eli", session_id, "accept")
        post.run()
        assert set(one_each(post)) == PAIR


class TestConfirmedSessions:
    def test_confirmed_moved_cancelled_reach_both_with_one_calendar_entry(self, post: Post) -> None:
        session_id = propose(post, "maya", at(6))
        post.run()
        post.take()
        answer(post, "eli", session_id, "accept")
        post.run()
        mail = one_each(post)
        assert set(mail) == PAIR, "both members get the invitation, whoever accepted"
        uid = f"session-{session_id}@mentoring-companion"
        for address, email in mail.items():
            assert email["Subject"].strip().startswith("Session confirmed: "), address
            text, _html = parts(email)
            assert "you have both agreed the time" in text
            calendar = calendar_of(email)
            assert calendar is not None and str(calendar["METHOD"]) == "REQUEST"
            (event,) = calendar.walk("VEVENT")
            assert str(event["UID"]) == uid
            assert int(event["SEQUENCE"]) == 1, "proposed at 0, accepted at 1"
            assert str(event["STATUS"]) == "CONFIRMED"
            # The instant is right whatever the reader's zone: stored and sent in UTC.
            assert event.decoded("DTSTART") == at(6)
            assert event.decoded("DTSTART").utcoffset() == timedelta(0)
            assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=45)
            assert {str(a) for a in event["ATTENDEE"]} == {f"mailto:{a}" for a in PAIR}
        # Each reader sees the time on their own clock.
        for address, zone in ((MAYA, "Europe/Berlin"), (ELI, "America/New_York")):
            local = at(6).astimezone(ZoneInfo(zone))
            assert f"{local:%H:%M}" in parts(mail[address])[0]
            assert f"({zone})" in parts(mail[address])[0]

        change(post, "eli", session_id, starts_at=at(8).isoformat())
        post.run()
        mail = one_each(post)
        assert set(mail) == PAIR, "both calendars hold the entry, so both get the update"
        for email in mail.values():
            calendar = calendar_of(email)
            assert str(calendar["METHOD"]) == "REQUEST"
            (event,) = calendar.walk("VEVENT")
            assert (str(event["UID"]), int(event["SEQUENCE"])) == (uid, 2)
            assert event.decoded("DTSTART") == at(8)

        change(post, "maya", session_id, status="cancelled")
        post.run()
        mail = one_each(post)
        assert set(mail) == PAIR
        for email in mail.values():
            calendar = calendar_of(email)
            assert str(calendar["METHOD"]) == "CANCEL"
            (event,) = calendar.walk("VEVENT")
            assert (str(event["UID"]), int(event["SEQUENCE"])) == (uid, 3)
            assert str(event["STATUS"]) == "CANCELLED"

    def test_confirmed_less_than_a_day_ahead_gets_no_separate_reminder(self, post: Post) -> None:
        session_id = propose(post, "maya", later(5))
        answer(post, "eli", session_id, "accept")
        post.run()
        mail = one_each(post)
        assert set(mail) == PAIR
        assert all(m["Subject"].startswith("Session confirmed") for m in mail.values())
        post.run(now=later(1))
        post.run(now=later(3))
        assert post.take() == {}, "the confirmation was the reminder"

    def test_confirmed_days_ahead_still_gets_its_reminder(self, post: Post) -> None:
        session_id = propose(post, "maya", later(50))
        answer(post, "eli", session_id, "accept")
        post.run()
        post.take()
        post.run(now=later(30))
        mail = one_each(post)
        assert set(mail) == PAIR
        assert all(m["Subject"].startswith("Reminder") for m in mail.values())

    def test_a_withdrawn_proposal_sends_no_cancellation(self, post: Post) -> None:
        session_id = propose(post, "maya", at(6))
        post.run()
        post.take()
        change(post, "maya", session_id, status="cancelled")
        post.run()
        mail = one_each(post)
        assert list(mail) == [ELI]
        assert mail[ELI]["Subject"].strip().startswith("Maya Berg withdrew the proposed time")
        assert calendar_of(mail[ELI]) is None
