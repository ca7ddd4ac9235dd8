"""Reminders of unanswered invitations: at most N, when due, once, and never after joining."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from companion.accounts import passwords
from companion.accounts import service as accounts
from companion.accounts.models import Invitation, LinkPurpose
from companion.credentials import invitations
from companion.review.models import OutboxMessage
from companion.settings import Settings
from tests.helpers import TEST_ACTOR, TEST_SYSTEM
from tests.invitations.conftest import NOT_JOINED, links_in, mail_to, plain, send_mail
from tests.invitations.test_invitations import accept_link
from tests.relationships.conftest import World
from tests.review.test_outbox import MailRecorder


def invite_all(world: World) -> datetime:
    """Invite everyone not yet joined; the moment they were invited."""
    with world.services.write_sessions() as session:
        invitations.invite_participants(
            session=session,
            principal=TEST_SYSTEM,
            program_id=world.pilot,
            settings=world.services.settings,
            all_pending=True,
        )
        session.commit()
        return session.scalars(select(Invitation.created_at)).first()


def remind(world: World, at: datetime, settings: Settings | None = None) -> int:
    return invitations.send_reminders(
        sessions=world.services.write_sessions,
        settings=settings or world.services.settings,
        now=at,
    )


def reminders_queued(world: World) -> list[str]:
    with world.services.sessions() as session:
        return sorted(
            m.target
            for m in session.scalars(select(OutboxMessage))
            if m.subject.startswith("Reminder:")
        )


class TestWhenRemindersGo:
    def test_two_reminders_after_three_and_seven_days_and_no_more(self, pilot: World) -> None:
        sent = invite_all(pilot)
        assert remind(pilot, sent + timedelta(days=2, hours=23)) == 0
        assert remind(pilot, sent + timedelta(days=3, minutes=1)) == 4
        assert remind(pilot, sent + timedelta(days=3, minutes=2)) == 0  # never twice
        assert remind(pilot, sent + timedelta(days=6)) == 0
        assert remind(pilot, sent + timedelta(days=7, minutes=1)) == 4
        assert remind(pilot, sent + timedelta(days=12)) == 0  # at most two
        assert reminders_queued(pilot) == sorted(NOT_JOINED * 2)
        with pilot.services.sessions() as session:
            assert {i.reminders_sent for i in session.scalars(select(Invitation))} == {2}

    def test_the_number_and_days_are_settings(self, pilot: World) -> None:
        sent = invite_all(pilot)
        one_late = pilot.services.settings.model_copy(
            update={"invitation_reminders": 1, "invitation_reminder_days": [5]}
        )
        assert remind(pilot, sent + timedelta(days=4), one_late) == 0
        assert remind(pilot, sent + timedelta(days=5, minutes=1), one_late) == 4
        assert remind(pilot, sent + timedelta(days=13), one_late) == 0
        off = one_late.model_copy(update={"invitation_reminders": 0})
        assert remind(pilot, sent + timedelta(days=13), off) == 0

    def test_nobody_is_reminded_after_joining_or_revocation_or_expiry(self, pilot: World) -> None:
        sent = invite_all(pilot)
        with pilot.services.sessions() as session:
            nia = accounts.get_by_email(session=session, email="nia@example.org")
            passwords.set_password(session=session, user=nia, password="x" * 16, actor=TEST_ACTOR)
            noa = accounts.get_by_email(session=session, email="noa@example.org")
            passwords.revoke_links(session=session, user_ids=[noa.id], purpose=LinkPurpose.invite)
            ned = accounts.get_by_email(session=session, email="ned@example.org")
            ned.is_active = False
            session.commit()
        assert remind(pilot, sent + timedelta(days=3, minutes=1)) == 1
        assert reminders_queued(pilot) == ["quinn@example.org"]
        assert remind(pilot, sent + timedelta(days=15)) == 0  # the link has expired

    def test_nobody_is_reminded_without_email(self, pilot: World) -> None:
        sent = invite_all(pilot)
        no_mail = pilot.services.settings.model_copy(update={"smtp_host": None})
        assert remind(pilot, sent + timedelta(days=3, minutes=1), no_mail) == 0


class TestWhatARemindersSays:
    def test_a_reminder_brings_a_new_link_and_the_old_one_stops(
        self, pilot: World, mailbox: tuple[MailRecorder, int]
    ) -> None:
        recorder, _ = mailbox
        sent = invite_all(pilot)
        send_mail(pilot)
        remind(pilot, sent + timedelta(days=3, minutes=1))
        send_mail(pilot, now=sent + timedelta(days=3, minutes=2))
        first, reminder = mail_to(recorder, "quinn@example.org")
        assert reminder["Subject"] == "Reminder: your invitation to Pilot"
        text = plain(reminder)
        assert "A reminder: you were invited to Pilot on" in text and "no longer works" in text
        [old], [new] = links_in(plain(first)), links_in(text)
        assert old != new
        assert accept_link(pilot, old) == 404
        assert accept_link(pilot, new) == 303


class TestTwoProcesses:
    @pytest.mark.parametrize("round_", range(3))
    def test_two_reminder_jobs_at_once_queue_each_reminder_once(
        self, pilot: World, round_: int
    ) -> None:
        sent = invite_all(pilot)
        due = sent + timedelta(days=3, minutes=1)
        start = threading.Barrier(2)

        def job() -> int:
            start.wait(timeout=30)
            return remind(pilot, due)

        with ThreadPoolExecutor(2) as pool:
            counts = [future.result() for future in [pool.submit(job), pool.submit(job)]]
        assert sum(counts) == 4
        assert reminders_queued(pilot) == sorted(NOT_JOINED)
        with pilot.services.sessions() as session:
            assert {i.reminders_sent for i in session.scalars(select(Invitation))} == {1}


class TestSettings:
    def test_days_come_comma_separated_and_bad_ones_are_named(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from pydantic import ValidationError

        monkeypatch.setenv("COMPANION_INVITATION_REMINDER_DAYS", "2, 5, 9")
        monkeypatch.setenv("COMPANION_INVITATION_REMINDERS", "3")
        assert Settings(environment="test").invitation_reminder_days == [2, 5, 9]
        monkeypatch.setenv("COMPANION_INVITATION_REMINDER_DAYS", "7,3")
        with pytest.raises(ValidationError, match="rising order"):
            Settings(environment="test")
        monkeypatch.setenv("COMPANION_INVITATION_REMINDER_DAYS", "3")
        with pytest.raises(ValidationError, match="give one per reminder"):
            Settings(environment="test")
