"""Invitations by email, in bulk: who gets what, links that work once, and who may invite."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from companion.accounts import service as accounts
from companion.accounts.models import Invitation, User
from companion.audit.models import AuditEvent
from companion.credentials import invitations
from companion.db.base import utcnow
from companion.errors import InvalidInput
from companion.participants import service as participants
from companion.review.models import OutboxMessage
from tests.helpers import TEST_SYSTEM, app_for
from tests.invitations.conftest import (
    NOT_JOINED,
    PUBLIC_URL,
    html,
    links_in,
    mail_to,
    plain,
    send_mail,
)
from tests.relationships.conftest import World, to_csv
from tests.review.test_outbox import MailRecorder

PASSWORD = "a long enough password"


def invite(world: World, who: str = "lead", **body) -> object:
    return world.client.post(
        f"/api/v1/programs/{world.pilot}/invitations", json=body, headers=world.headers(who)
    )


def accept_link(world: World, link: str) -> int:
    """Open a link in a new browser and choose a password; the status of the answer."""

    with TestClient(app_for(world.services)) as browser:
        form = browser.get(link.removeprefix(PUBLIC_URL))
        if form.status_code != 200:
            return form.status_code
        token = form.text.split('name="csrf_token" value="')[1].split('"')[0]
        done = browser.post(
            link.removeprefix(PUBLIC_URL),
            data={"csrf_token": token, "password": PASSWORD, "confirm": PASSWORD},
            follow_redirects=False,
        )
        return done.status_code


class TestInvitingInBulk:
    def test_everyone_not_yet_joined_gets_an_email_of_their_own(
        self, pilot: World, mailbox: tuple[MailRecorder, int]
    ) -> None:
        recorder, _ = mailbox
        answer = invite(pilot, all_pending=True)
        assert answer.status_code == 200, answer.text
        assert answer.json() == {
            "invited": 4,
            "already_joined": 5,
            "already_invited": 0,
            "skipped": [],
        }
        assert send_mail(pilot).sent == 4
        assert sorted(to for to, _ in recorder.messages) == sorted([a] for a in NOT_JOINED)
        for _recipients, message in recorder.messages:
            text, markup = plain(message), html(message)
            [link] = links_in(text)
            assert set(links_in(markup)) == {link} and "/invite/" in link
            assert message["Subject"] == "lead invites you to Pilot"
            assert "invites you to Pilot" in text and "The link works once, until" in text
            assert "What happens next" in text and "lead@example.org" in text
            assert "<strong>Pilot</strong>" in markup
        # Each link opens its own account, once.
        nia = plain(mail_to(recorder, "nia@example.org")[0])
        [link] = links_in(nia)
        assert accept_link(pilot, link) == 303
        assert accept_link(pilot, link) == 404
        with pilot.services.sessions() as session:
            assert accounts.get_by_email(session=session, email="nia@example.org").password_hash

    def test_names_are_escaped_in_the_html_part(
        self, pilot: World, mailbox: tuple[MailRecorder, int]
    ) -> None:
        recorder, _ = mailbox
        with pilot.services.sessions() as session:
            session.execute(
                update(User)
                .where(User.email == "nia@example.org")
                .values(display_name="<b>Nia</b> & co")
            )
            session.commit()
        assert invite(pilot, emails=["nia@example.org"]).json()["invited"] == 1
        send_mail(pilot)
        [message] = mail_to(recorder, "nia@example.org")
        assert "&lt;b&gt;Nia&lt;/b&gt; &amp; co" in html(message)
        assert "<b>Nia</b> & co" in plain(message)

    def test_running_it_again_goes_on_with_the_people_left(self, pilot: World) -> None:
        assert invite(pilot, emails=["quinn@example.org", "nia@example.org"]).json()["invited"] == 2
        again = invite(pilot, all_pending=True).json()
        assert (again["invited"], again["already_invited"], again["already_joined"]) == (2, 2, 5)
        assert invite(pilot, all_pending=True).json()["invited"] == 0

    def test_inviting_again_revokes_the_earlier_link(
        self, pilot: World, mailbox: tuple[MailRecorder, int]
    ) -> None:
        recorder, _ = mailbox
        invite(pilot, emails=["quinn@example.org"])
        send_mail(pilot)
        invite(pilot, emails=["Quinn@Example.org"])
        send_mail(pilot)
        first, second = (links_in(plain(m))[0] for m in mail_to(recorder, "quinn@example.org"))
        assert first != second
        assert accept_link(pilot, first) == 404
        assert accept_link(pilot, second) == 303

    def test_an_expired_link_opens_nothing(
        self, pilot: World, mailbox: tuple[MailRecorder, int]
    ) -> None:
        recorder, _ = mailbox
        invite(pilot, emails=["ned@example.org"])
        send_mail(pilot)
        with pilot.services.sessions() as session:
            session.execute(update(Invitation).values(expires_at=utcnow() - timedelta(seconds=1)))
            session.commit()
        [link] = links_in(plain(mail_to(recorder, "ned@example.org")[0]))
        assert accept_link(pilot, link) == 404
        statuses = pilot.client.get(
            f"/api/v1/programs/{pilot.pilot}/invitations",
            params={"state": "expired"},
            headers=pilot.headers("lead"),
        ).json()
        assert [s["email"] for s in statuses["items"]] == ["ned@example.org"]

    def test_who_is_skipped_is_said_with_the_reason(self, pilot: World) -> None:
        with pilot.services.sessions() as session:
            session.execute(
                update(User).where(User.email == "ned@example.org").values(is_active=False)
            )
            session.commit()
        report = invite(
            pilot,
            emails=[
                "ned@example.org",
                "maya@example.org",
                "nobody@example.org",
                "else@example.org",
            ],
        ).json()
        assert report["invited"] == 0 and report["already_joined"] == 1
        assert report["skipped"] == [
            {"email": "nobody@example.org", "reason": "not a participant of this program"},
            {"email": "else@example.org", "reason": "not a participant of this program"},
            {"email": "ned@example.org", "reason": "the account is deactivated"},
        ]

    def test_a_failure_half_way_leaves_nothing_behind(self, pilot: World) -> None:
        with pilot.services.sessions() as session:
            # An address the outbox cannot send to, as a broken sync might leave one.
            session.execute(
                update(User).where(User.email == "ned@example.org").values(email="ned example")
            )
            session.commit()
        with pilot.services.sessions() as session, pytest.raises(InvalidInput):
            invitations.invite_participants(
                session=session,
                principal=TEST_SYSTEM,
                program_id=pilot.pilot,
                settings=pilot.services.settings,
                all_pending=True,
                batch_size=1,
            )
        answer = invite(pilot, all_pending=True)
        assert answer.status_code == 422 and "is not an email address" in answer.text
        with pilot.services.sessions() as session:
            assert session.scalars(select(Invitation)).all() == []
            assert session.scalars(select(OutboxMessage)).all() == []

    def test_batches_are_committed_as_they_go_and_a_second_run_resumes(self, pilot: World) -> None:
        with pilot.services.sessions() as session:
            session.execute(
                update(User).where(User.email == "ned@example.org").values(email="ned example")
            )
            session.commit()
        progress: list[tuple[int, int]] = []
        with pytest.raises(InvalidInput):
            invitations.invite_in_batches(
                sessions=pilot.services.write_sessions,
                principal=TEST_SYSTEM,
                program_id=pilot.pilot,
                settings=pilot.services.settings,
                all_pending=True,
                batch_size=1,
                progress=lambda done, total: progress.append((done, total)),
            )
        # Batches go in the order of the participants' ids: E4, N1, N2, then N3 (Ned) fails.
        assert progress == [(1, 4), (2, 4), (3, 4)]
        with pilot.services.sessions() as session:
            done = {i.user.email for i in session.scalars(select(Invitation))}
            assert done == {"quinn@example.org", "nia@example.org", "noa@example.org"}
            assert len(session.scalars(select(OutboxMessage)).all()) == 3
            session.execute(
                update(User).where(User.email == "ned example").values(email="ned@example.org")
            )
            session.commit()
        report = invitations.invite_in_batches(
            sessions=pilot.services.write_sessions,
            principal=TEST_SYSTEM,
            program_id=pilot.pilot,
            settings=pilot.services.settings,
            all_pending=True,
        )
        assert (report.invited, report.already_invited) == (1, 3)

    def test_choose_one_way_to_say_who(self, pilot: World) -> None:
        assert invite(pilot).status_code == 422
        both = invite(pilot, all_pending=True, emails=["nia@example.org"])
        assert both.status_code == 422


class TestSingleSignOn:
    @pytest.fixture
    def settings(self, settings):
        return settings.model_copy(
            update={
                "oidc_issuer": "https://id.example.org",
                "oidc_client_id": "companion",
                "oidc_provider_name": "Example ID",
            }
        )

    def test_the_email_links_to_the_provider_and_no_password_link_exists(
        self, pilot: World, mailbox: tuple[MailRecorder, int]
    ) -> None:
        recorder, _ = mailbox
        assert invite(pilot, emails=["nia@example.org"]).json()["invited"] == 1
        send_mail(pilot)
        [message] = mail_to(recorder, "nia@example.org")
        text = plain(message)
        assert links_in(text) == [f"{PUBLIC_URL}/login/sso"] and "/invite/" not in text
        assert "Sign in with your Example ID account" in text
        assert "Sign in with Example ID" in html(message)
        with pilot.services.sessions() as session:
            assert session.scalars(select(Invitation)).one().via_sso


class TestWhoMayInvite:
    def test_only_a_coordinator_of_the_program_invites_or_sees_who_joined(
        self, pilot: World, mailbox: tuple[MailRecorder, int]
    ) -> None:
        recorder, _ = mailbox
        for who in ("elsewhere", "maya", "pia"):
            answer = invite(pilot, who, all_pending=True)
            assert answer.status_code in (403, 404), (who, answer.status_code)
            listed = pilot.client.get(
                f"/api/v1/programs/{pilot.pilot}/invitations", headers=pilot.headers(who)
            )
            assert listed.status_code in (403, 404) and "quinn" not in listed.text
        # A program that does not exist and one that is not theirs answer alike.
        missing = pilot.client.post(
            "/api/v1/programs/987654/invitations",
            json={"all_pending": True},
            headers=pilot.headers("elsewhere"),
        )
        mine_not = invite(pilot, "elsewhere", all_pending=True)
        assert missing.status_code == mine_not.status_code == 404
        assert invite(pilot, "org", emails=["nia@example.org"]).json()["invited"] == 1
        unsigned = pilot.client.post(
            f"/api/v1/programs/{pilot.pilot}/invitations", json={"all_pending": True}
        )
        assert unsigned.status_code == 401
        send_mail(pilot)
        assert [to for to, _ in recorder.messages] == [["nia@example.org"]]

    def test_someone_also_in_a_program_the_coordinator_does_not_run_is_left_to_an_admin(
        self, pilot: World
    ) -> None:
        with pilot.services.sessions() as session:
            participants.import_participants(
                session=session,
                program_id=pilot.other,
                data=to_csv(
                    [("X1", "Quinn Roy", "quinn@example.org", "mentee", "UTC", "", "0", "")]
                ),
                filename="other.csv",
                principal=TEST_SYSTEM,
            )
            session.commit()
        reason = (
            "they also take part in a program you do not coordinate; an administrator can "
            "invite them"
        )
        for body in ({"emails": ["quinn@example.org"]}, {"all_pending": True}):
            report = invite(pilot, **body).json()
            assert {"email": "quinn@example.org", "reason": reason} in report["skipped"]
        # Whoever coordinates every program may.
        assert invite(pilot, "org", emails=["quinn@example.org"]).json()["invited"] == 1

    def test_an_email_goes_only_to_the_address_of_the_invitees_account(
        self, pilot: World, mailbox: tuple[MailRecorder, int]
    ) -> None:
        recorder, _ = mailbox
        invite(pilot, all_pending=True)
        send_mail(pilot)
        for recipients, message in recorder.messages:
            assert len(recipients) == 1 and message["To"].addresses[0].addr_spec == recipients[0]
            assert message["Cc"] is None and message["Bcc"] is None

    def test_the_link_is_in_no_audit_event_no_log_and_no_stored_message(
        self, pilot: World, mailbox: tuple[MailRecorder, int], caplog: pytest.LogCaptureFixture
    ) -> None:
        recorder, _ = mailbox
        caplog.set_level(logging.DEBUG)
        invite(pilot, all_pending=True)
        send_mail(pilot)
        invitations.send_reminders(
            sessions=pilot.services.write_sessions,
            settings=pilot.services.settings,
            now=utcnow() + timedelta(days=3, minutes=1),
        )
        send_mail(pilot, now=utcnow() + timedelta(days=3, minutes=2))
        tokens = {
            link.rsplit("/", 1)[1]
            for _, message in recorder.messages
            for link in links_in(plain(message))
        }
        assert len(tokens) == 8  # four invitations, four reminders
        with pilot.services.sessions() as session:
            audited = session.scalars(select(AuditEvent)).all()
            events = json.dumps([e.data for e in audited])
            actions = {e.action for e in audited}
            stored = [
                (m.body, json.dumps(m.payload)) for m in session.scalars(select(OutboxMessage))
            ]
        # Everything this process logged, but the receiving SMTP server's own log of the mail.
        logged = "\n".join(r.getMessage() for r in caplog.records if r.name != "mail.log")
        for token in tokens:
            assert token not in events and token not in logged
            assert all(token not in body and token not in payload for body, payload in stored)
        assert {"invitations.sent", "invitations.reminded"} <= actions


class TestOnePersonWithSingleSignOn:
    @pytest.fixture
    def settings(self, settings):
        return settings.model_copy(
            update={
                "oidc_issuer": "https://id.example.org",
                "oidc_client_id": "companion",
                "oidc_provider_name": "Example ID",
            }
        )

    def test_inviting_one_person_links_to_the_provider_too(
        self, pilot: World, mailbox: tuple[MailRecorder, int]
    ) -> None:
        recorder, _ = mailbox
        answer = pilot.client.post(
            "/api/v1/users/invitations",
            json={"email": "quinn@example.org"},
            headers=pilot.headers("lead"),
        )
        assert answer.status_code == 200 and answer.json()["link"] is None
        send_mail(pilot)
        [message] = mail_to(recorder, "quinn@example.org")
        assert links_in(plain(message)) == [f"{PUBLIC_URL}/login/sso"]
        assert message["Subject"] == "lead invites you to Mentoring Companion"
        assert "sign in to Mentoring Companion, where your mentoring program runs" in plain(message)
