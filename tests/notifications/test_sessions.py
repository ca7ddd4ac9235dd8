"""Sessions booked by a coordinator, and ended with their relationship; the day before,
everyone gets a reminder with the approved agenda. Proposals, confirmations, moves and
cancellations between the members are in test_booking.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from companion.drafting.models import Draft, DraftStatus
from companion.relationships.models import MentoringSession
from tests.notifications.conftest import Post, book_confirmed, calendar_of, later, parts

PAIR = ("maya@example.org", "eli@example.org")
OUTSIDERS = ("nora@example.org", "omar@example.org", "pia@example.org", "lead@example.org")


def at(days: float, hour: int = 9) -> datetime:
    moment = datetime.now(UTC) + timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


def book(post: Post, who: str, starts_at: datetime) -> int:
    """Proposed by `who`, accepted by the other member two days ago, so that a reminder
    is still due (a session agreed less than a day ahead gets none: test_booking.py)."""
    partner = "eli" if who == "maya" else "maya"
    return book_confirmed(
        post, starts_at, proposer=who, answerer=partner, agreed_ago=timedelta(days=2)
    )


def change(post: Post, who: str, session_id: int, **fields: object) -> None:
    response = post.world.client.patch(
        f"/api/v1/sessions/{session_id}", headers=post.world.headers(who), json=fields
    )
    assert response.status_code == 200, response.json()


class TestSessionChanges:
    def test_a_coordinator_booking_tells_both_members_and_nobody_else(self, post: Post) -> None:
        booked = post.world.client.post(
            f"/api/v1/relationships/{post.world.first}/sessions",
            headers=post.world.headers("lead"),
            json={"starts_at": at(4).isoformat()},
        )
        assert booked.json()["status"] == "scheduled", "a coordinator books outright"
        post.run()
        assert sorted(post.take()) == sorted(PAIR)

    def test_running_again_sends_nothing_more(self, post: Post) -> None:
        book(post, "maya", at(4))
        post.run()
        assert sorted(post.take()) == sorted(PAIR), "the confirmation, to both"
        post.run()
        post.run()
        assert post.take() == {}


class TestReminders:
    def _agenda(self, post: Post, session_id: int, status: DraftStatus, text: str) -> None:
        with post.world.services.sessions() as session:
            draft = Draft(
                kind="agenda",
                status=status,
                requested_by="maya@example.org",
                model="offline",
                prompt="session_agenda@1",
                text=text,
                program_id=post.world.pilot,
                relationship_id=post.world.first,
                session_id=session_id,
            )
            session.add(draft)
            session.flush()
            if status == DraftStatus.delivered:
                session.get(MentoringSession, session_id).agenda_draft_id = draft.id
            session.commit()

    def test_the_day_before_both_members_get_one_reminder_without_a_pending_draft(
        self, post: Post
    ) -> None:
        session_id = book(post, "maya", later(30))
        self._agenda(post, session_id, DraftStatus.pending_review, "PENDING AGENDA TEXT")
        post.run()
        post.take()  # the booking
        post.run()
        assert post.take() == {}, "more than a day ahead: no reminder yet"
        post.run(now=later(7))
        mail = post.take()
        assert sorted(mail) == sorted(PAIR)
        for address in PAIR:
            (reminder,) = mail[address]
            text, html = parts(reminder)
            assert reminder["Subject"].startswith("Reminder: mentoring with")
            assert "PENDING AGENDA TEXT" not in text + html
            assert "No agenda has been shared" in text
        post.run(now=later(8))
        assert post.take() == {}, "one reminder per session"

    def test_the_reminder_carries_the_approved_agenda(self, post: Post) -> None:
        session_id = book(post, "maya", later(20))
        self._agenda(post, session_id, DraftStatus.delivered, "APPROVED: review the CV <b>")
        post.run()
        mail = post.take()
        reminders = [m for m in mail["eli@example.org"] if m["Subject"].startswith("Reminder")]
        (reminder,) = reminders
        text, html = parts(reminder)
        assert "APPROVED: review the CV <b>" in text
        assert "APPROVED: review the CV &lt;b&gt;" in html, "HTML escapes what people wrote"
        # Said where it is read: AI helped draft it, and a person approved it.
        assert "Drafted with AI assistance, reviewed and approved by" in " ".join(text.split())

    def test_the_calendar_entry_says_who_approved_the_agenda(self, post: Post) -> None:
        session_id = book(post, "maya", later(20))
        self._agenda(post, session_id, DraftStatus.delivered, "APPROVED: review the CV")
        world = post.world

        entry = world.client.get(
            f"/api/v1/sessions/{session_id}/calendar.ics", headers=world.headers("eli")
        )

        assert entry.status_code == 200
        unfolded = entry.text.replace("\r\n ", "").replace("\\n", " ").replace("\\,", ",")
        assert "APPROVED: review the CV" in unfolded
        assert "Drafted with AI assistance" in unfolded

    def test_a_moved_session_is_reminded_at_its_new_time_only(self, post: Post) -> None:
        session_id = book(post, "maya", later(20))
        change(post, "maya", session_id, starts_at=later(60).isoformat())
        post.run()
        mail = post.take()
        subjects = [m["Subject"] for m in mail.get("maya@example.org", [])]
        assert not any(s.startswith("Reminder") for s in subjects)


class TestEndingARelationship:
    def test_its_future_sessions_are_cancelled_in_both_members_calendars(self, post: Post) -> None:
        first, second = book(post, "maya", at(3)), book(post, "maya", at(10))
        post.run()
        post.take()
        ended = post.world.client.post(
            f"/api/v1/relationships/{post.world.first}/end",
            headers=post.world.headers("maya"),
            json={"outcome": "completed"},
        )
        assert ended.status_code == 200, ended.json()
        post.run()
        mail = post.take()
        assert sorted(mail) == sorted(PAIR), "both had the invitation, so both get the update"
        for address in PAIR:
            cancelled = {}
            for message in mail[address]:
                calendar = calendar_of(message)
                assert str(calendar["METHOD"]) == "CANCEL"
                (event,) = calendar.walk("VEVENT")
                cancelled[str(event["UID"])] = int(event["SEQUENCE"])
            # Proposed (0), accepted (1), cancelled with the relationship (2).
            assert cancelled == {
                f"session-{first}@mentoring-companion": 2,
                f"session-{second}@mentoring-companion": 2,
            }
