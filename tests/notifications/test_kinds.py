"""Each kind reaches its own recipients only: a match, a goal shared, feedback due, thread
messages (batched), a stalled pair and a matching run; never an outsider, a deactivated
account or someone who left."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from companion.accounts.models import User
from companion.participants.models import Participant
from companion.relationships.models import (
    MentoringSession,
    Message,
    Relationship,
    RelationshipMember,
)
from tests.notifications.conftest import Post, later, parts

PAIR = ("maya@example.org", "eli@example.org")
# The program's own coordinator and the organisation's; never else@ (another program's).
COORDINATORS = ["lead@example.org", "org@example.org"]


def say(post: Post, who: str, body: str, relationship: int | None = None) -> None:
    response = post.world.client.post(
        f"/api/v1/relationships/{relationship or post.world.first}/messages",
        headers=post.world.headers(who),
        json={"body": body},
    )
    assert response.status_code == 201, response.json()


def choose(post: Post, who: str, **choices: str) -> None:
    response = post.world.client.put(
        "/api/v1/me/notifications", headers=post.world.headers(who), json={"choices": choices}
    )
    assert response.status_code == 200, response.json()


def deactivate(post: Post, email: str) -> None:
    with post.world.services.sessions() as session:
        session.scalars(select(User).where(User.email == email)).one().is_active = False
        session.commit()


def run_matching(post: Post) -> dict:
    """A run proposing Maya for Pia (who is made free when Maya is)."""
    with post.world.services.sessions() as session:
        people = {
            p.email: p
            for p in session.scalars(
                select(Participant).where(Participant.program_id == post.world.pilot)
            )
        }
        maya, pia = people["maya@example.org"], people["pia@example.org"]
        pia.availability, pia.availability_text = maya.availability, maya.availability_text
        pia.timezone = maya.timezone
        pia.goals = "I want to learn how to run a data team."
        session.commit()
    response = post.world.client.post(
        f"/api/v1/programs/{post.world.pilot}/matching/runs", headers=post.world.headers("lead")
    )
    assert response.status_code == 201, response.json()
    return response.json()


def held_session(post: Post) -> int:
    with post.world.services.sessions() as session:
        row = MentoringSession(
            relationship_id=post.world.first,
            starts_at=datetime.now(UTC) - timedelta(hours=2),
            duration_minutes=45,
            created_by="test",
        )
        session.add(row)
        session.commit()
        session_id = row.id
    response = post.world.client.patch(
        f"/api/v1/sessions/{session_id}",
        headers=post.world.headers("maya"),
        json={"status": "held"},
    )
    assert response.status_code == 200, response.json()
    return session_id


class TestMatchApproved:
    def test_both_members_learn_why_and_who_the_other_is(self, post: Post) -> None:
        run = run_matching(post)
        post.run()
        coordinator = post.take()
        assert sorted(coordinator) == COORDINATORS, "a run waits for its coordinators"
        proposal = next(m for m in run["matches"] if m["mentor_id"] == "M1")
        response = post.world.client.post(
            f"/api/v1/matching/proposals/{proposal['proposal_id']}:approve",
            headers=post.world.headers("lead"),
        )
        assert response.status_code == 200, response.json()
        post.run()
        mail = post.take()
        assert proposal["mentee_id"] == "E3"
        assert sorted(mail) == ["maya@example.org", "pia@example.org"]
        (to_mentor,) = mail["maya@example.org"]
        text, html = parts(to_mentor)
        assert to_mentor["Subject"].startswith("You have been matched with")
        assert "Why you were matched" in text and proposal["reasons"][0] in text
        assert "your mentee" in text
        assert "Why you were matched" in html and "your mentee" in html
        assert "I lead a data platform team." not in text, "her own profile is not news to her"
        assert "I want to learn how to run a data team." in text, "what the mentee shares"
        (to_mentee,) = mail["pia@example.org"]
        text = parts(to_mentee)[0]
        assert "Maya Berg, your mentor" in text and "I lead a data platform team." in text
        assert "Europe/Berlin" in text
        assert "nora@example.org" not in mail and "eli@example.org" not in mail

    def test_the_mentor_is_not_told_the_mentee_s_challenge(self, post: Post) -> None:
        challenge = "I need help to lead a data platform team of my own"
        with post.world.services.sessions() as session:
            pia = session.scalars(
                select(Participant).where(Participant.email == "pia@example.org")
            ).one()
            pia.challenges = challenge + "."
            session.commit()
        run = run_matching(post)
        post.run()
        post.take()
        proposal = next(m for m in run["matches"] if m["mentor_id"] == "M1")
        assert challenge in proposal["reasons"][0], "the coordinator reads what was matched on"
        approved = post.world.client.post(
            f"/api/v1/matching/proposals/{proposal['proposal_id']}:approve",
            headers=post.world.headers("lead"),
        )
        assert approved.status_code == 200, approved.json()
        post.run()
        mail = post.take()
        to_mentor = parts(mail["maya@example.org"][0])[0]
        assert "Why you were matched" in to_mentor
        assert challenge not in to_mentor
        assert "close in meaning to what Pia" in to_mentor
        assert challenge in parts(mail["pia@example.org"][0])[0], "her own words"
        mine = post.world.client.get("/api/v1/me/data", headers=post.world.headers("maya"))
        assert challenge not in mine.text

    def test_a_circle_tells_each_member_about_the_others(self, post: Post) -> None:
        formed = post.world.client.post(
            f"/api/v1/programs/{post.world.pilot}/circles",
            headers=post.world.headers("lead"),
            json={"name": "Data leads", "mentor": "M1", "mentees": ["E3", "E4"]},
        )
        assert formed.status_code == 201, formed.json()
        post.run()
        mail = post.take()
        # Each member, and nobody outside the circle (Eli, Maya's mentee, is not in it).
        assert sorted(mail) == ["maya@example.org", "pia@example.org", "quinn@example.org"]
        text = parts(mail["pia@example.org"][0])[0]
        assert "mentoring circle" in text and "Maya Berg (mentor)" in text
        assert "Quinn Roy (mentee)" in text


class TestGoalShared:
    def test_the_mentor_hears_of_a_shared_goal_and_nobody_else(self, post: Post) -> None:
        url = f"/api/v1/relationships/{post.world.first}/goals"
        created = post.world.client.post(
            url, headers=post.world.headers("eli"), json={"title": "Lead a team meeting"}
        )
        assert created.status_code == 201, created.json()
        post.run()
        assert post.take() == {}, "a private goal is the mentee's alone"
        shared = post.world.client.patch(
            f"{url}/{created.json()['id']}",
            headers=post.world.headers("eli"),
            json={"visibility": "mentor"},
        )
        assert shared.status_code == 200, shared.json()
        post.run()
        mail = post.take()
        assert list(mail) == ["maya@example.org"]
        assert "Lead a team meeting" in mail["maya@example.org"][0]["Subject"]

    def test_a_goal_unshared_before_sending_is_not_told(self, post: Post) -> None:
        url = f"/api/v1/relationships/{post.world.first}/goals"
        created = post.world.client.post(
            url,
            headers=post.world.headers("eli"),
            json={"title": "Secret plan", "visibility": "mentor"},
        )
        goal = f"{url}/{created.json()['id']}"
        post.world.client.patch(
            goal, headers=post.world.headers("eli"), json={"visibility": "private"}
        )
        post.run()
        assert post.take() == {}


class TestFeedbackDue:
    def test_both_members_are_asked_once_and_not_after_answering(self, post: Post) -> None:
        session_id = held_session(post)
        answered = post.world.client.put(
            f"/api/v1/sessions/{session_id}/feedback",
            headers=post.world.headers("eli"),
            json={"answers": [{"rating": 4, "text": "Good"}] * 3},
        )
        assert answered.status_code == 201, answered.json()
        post.run()
        mail = post.take()
        assert list(mail) == ["maya@example.org"], "Eli has answered already"
        assert mail["maya@example.org"][0]["Subject"].startswith("How did your session on")


class TestThreadMessages:
    def test_messages_are_batched_per_window_for_members_only(self, post: Post) -> None:
        choose(post, "eli", thread_messages="immediately")
        choose(post, "omar", thread_messages="immediately")
        for n in range(3):
            say(post, "maya", f"Message {n} <script>alert(1)</script>")
        post.run()
        assert post.take() == {}, "the window is still open"
        post.run(now=later(1))
        mail = post.take()
        assert list(mail) == ["eli@example.org"]
        (batch,) = mail["eli@example.org"]
        text, html = parts(batch)
        assert batch["Subject"] == "3 new messages from Maya Berg"
        assert all(f"Message {n}" in text for n in range(3))
        assert "<script>" not in html and "&lt;script&gt;" in html

    def test_read_messages_are_not_told(self, post: Post) -> None:
        choose(post, "eli", thread_messages="immediately")
        say(post, "maya", "Read me in the app")
        read = post.world.client.get(
            f"/api/v1/relationships/{post.world.first}/messages", headers=post.world.headers("eli")
        )
        assert read.status_code == 200
        post.run(now=later(1))
        assert post.take() == {}

    def test_by_default_messages_wait_for_the_daily_digest_on_the_readers_clock(
        self, post: Post
    ) -> None:
        say(post, "maya", "For your digest")
        # Eli lives in New York: the digest goes after 07:00 there, once a day.
        day = (datetime.now(UTC) + timedelta(days=1)).date()
        new_york_morning = datetime(day.year, day.month, day.day, 12, 30, tzinfo=UTC)  # 07:30
        post.run(now=new_york_morning - timedelta(hours=6))  # 07:30 in Berlin, 01:30 for Eli
        assert post.take() == {}, "before seven on Eli's clock"
        post.run(now=new_york_morning)
        mail = post.take()
        assert list(mail) == ["eli@example.org"]
        (digest,) = mail["eli@example.org"]
        text, html = parts(digest)
        assert digest["Subject"] == "Your mentoring digest: 1 update"
        assert "For your digest" in text and "For your digest" in html
        assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert "/notifications/unsubscribe/" in digest["List-Unsubscribe"]
        say(post, "maya", "Later the same day")
        with post.world.services.sessions() as session:  # as if written after the digest
            latest = session.scalars(select(Message).order_by(Message.id.desc())).first()
            latest.created_at = new_york_morning + timedelta(hours=1)
            session.commit()
        post.run(now=new_york_morning + timedelta(hours=2))
        assert post.take() == {}, "one digest a day"
        post.run(now=new_york_morning + timedelta(days=1))
        assert "Later the same day" in parts(post.take()["eli@example.org"][0])[0]


class TestNobodyElse:
    def test_a_deactivated_account_gets_nothing(self, post: Post) -> None:
        choose(post, "eli", thread_messages="immediately")
        say(post, "maya", "Are you there?")
        post.run()  # recorded while Eli was active; the window is still open
        deactivate(post, "eli@example.org")
        post.run(now=later(1))
        assert post.take() == {}
        skipped = [n for n in post.notifications() if n.kind == "thread_messages"]
        assert [n.outcome for n in skipped] == ["the account is deactivated"]
        say(post, "maya", "Still there?")
        post.run(now=later(2))
        assert post.take() == {}

    def test_someone_who_left_gets_nothing_about_the_relationship(self, post: Post) -> None:
        choose(post, "eli", thread_messages="immediately")
        say(post, "maya", "Before you leave")
        with post.world.services.sessions() as session:
            eli = session.scalars(
                select(Participant).where(Participant.email == "eli@example.org")
            ).one()
            member = session.scalars(
                select(RelationshipMember).where(RelationshipMember.participant_id == eli.id)
            ).one()
            session.delete(member)
            session.commit()
        post.run(now=later(1))
        assert post.take() == {}

    def test_a_turned_off_kind_is_not_sent(self, post: Post) -> None:
        choose(post, "eli", session_proposed="off")
        response = post.world.client.post(
            f"/api/v1/relationships/{post.world.first}/sessions",
            headers=post.world.headers("maya"),
            json={"starts_at": later(72).isoformat()},
        )
        assert response.status_code == 201
        post.run()
        assert post.take() == {}


class TestStalledPairs:
    def _stall(self, post: Post) -> None:
        with post.world.services.sessions() as session:
            pair = session.get(Relationship, post.world.first)
            pair.start_date = (datetime.now(UTC) - timedelta(days=60)).date()
            session.commit()

    def test_the_programs_coordinators_hear_once_per_stall(self, post: Post) -> None:
        for coordinator in ("lead", "org"):
            choose(post, coordinator, stalled_pairs="immediately")
        self._stall(post)
        post.run()
        mail = post.take()
        assert sorted(mail) == COORDINATORS, "not the members, not other programs' staff"
        (notice,) = mail["lead@example.org"]
        assert notice["Subject"] == "A pair in Pilot has stalled: Maya Berg & Eli Brooks"
        post.run()
        assert post.take() == {}

    def test_by_default_stalled_pairs_come_in_the_coordinators_digest(self, post: Post) -> None:
        self._stall(post)
        day = (datetime.now(UTC) + timedelta(days=1)).date()
        post.run(now=datetime(day.year, day.month, day.day, 5, 0, tzinfo=UTC))
        assert post.take() == {}, "before seven (UTC: the coordinators have no time zone)"
        post.run(now=datetime(day.year, day.month, day.day, 8, 0, tzinfo=UTC))
        mail = post.take()
        assert sorted(mail) == COORDINATORS
        assert "Maya Berg & Eli Brooks" in parts(mail["lead@example.org"][0])[0]
