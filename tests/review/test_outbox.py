"""The outbox: only delivered text goes out, only to its readers, over real HTTP and SMTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword
from aiosmtpd.smtp import Session as SMTPSession
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from companion.accounts.models import User
from companion.audit import service as audit
from companion.audit.models import AuditEvent
from companion.drafting.models import Draft, DraftStatus
from companion.errors import InvalidInput, InvalidTransition
from companion.programs.models import Program
from companion.review import delivery, outbox
from companion.review.models import OutboxMessage, OutboxStatus
from companion.runtime import Services
from companion.settings import Settings
from tests.helpers import cli_env, free_port
from tests.relationships.conftest import World

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
APPROVED = "APPROVED TEXT: agree on one goal for the quarter."
HEADLINE = "Agenda for Ana & Ben is ready"
# Addresses of no account: they are told that something is ready, never what.
RECIPIENTS = [("Ana Mentor", "ana@example.org"), ("Ben Mentee", "ben@example.org")]
# The accounts of the world's first pair, who may read a draft made for their relationship.
READERS = [("Maya Berg", "maya@example.org"), ("Eli Brooks", "eli@example.org")]
WEBHOOK_PATH = "/hooks/T000/B000/WEBHOOK-TOKEN"
SMTP_USER, SMTP_PASSWORD = "companion", "smtp-pass-1234"
# A safety net for waits between threads and processes, never an expectation.
WAIT_SECONDS = 30
# A dispatcher in a process of its own, so that the test can kill it mid-send.
DISPATCHER = """
import sys
from datetime import datetime

from companion.db import make_engine, make_session_factory
from companion.review import outbox
from companion.settings import Settings

now, max_attempts = sys.argv[1:]
settings = Settings(environment="test")  # the data dir and database from the environment
sessions = make_session_factory(make_engine(settings.resolved_database_url))
outbox.dispatch(
    sessions=sessions,
    settings=settings,
    now=datetime.fromisoformat(now),
    max_attempts=int(max_attempts),
)
"""


class WebhookReceiver:
    """An incoming-webhook endpoint on loopback that answers from a script of statuses.

    With `hold_first` set, the first request is recorded and then left unanswered
    until `release` is set, so that a test can act while a sender waits.
    """

    def __init__(self) -> None:
        self.script: list[int] = []  # statuses to answer with, then 200
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.idempotency_keys: list[str | None] = []
        self.hold_first = False
        self.first_arrived = threading.Event()
        self.release = threading.Event()
        lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                with lock:
                    receiver.requests.append((self.path, json.loads(self.rfile.read(length))))
                    receiver.idempotency_keys.append(self.headers.get("Idempotency-Key"))
                    hold = receiver.hold_first and len(receiver.requests) == 1
                    status = receiver.script.pop(0) if receiver.script else 200
                if hold:
                    receiver.first_arrived.set()
                    receiver.release.wait(WAIT_SECONDS)
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{WEBHOOK_PATH}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )


class MailRecorder:
    """An aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: SMTP, session: SMTPSession, envelope: Envelope) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


def _authenticate(
    server: SMTP, session: SMTPSession, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    valid = isinstance(auth_data, LoginPassword) and (
        auth_data.login.decode(),
        auth_data.password.decode(),
    ) == (SMTP_USER, SMTP_PASSWORD)
    # handled=False: aiosmtpd then answers a refusal with 535 itself.
    return AuthResult(success=valid, handled=False)


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    receiver.thread.start()
    yield receiver
    receiver.release.set()
    receiver.server.shutdown()
    receiver.server.server_close()


@pytest.fixture
def mailbox() -> Iterator[tuple[MailRecorder, int]]:
    recorder = MailRecorder()
    port = free_port()
    controller = Controller(
        recorder,
        hostname="127.0.0.1",
        port=port,
        authenticator=_authenticate,
        auth_require_tls=False,
    )
    controller.start()
    yield recorder, port
    controller.stop()


@pytest.fixture
def notifying(
    settings: Settings, webhook: WebhookReceiver, mailbox: tuple[MailRecorder, int]
) -> Settings:
    """Both channels configured, pointing at the loopback receivers."""
    return settings.model_copy(
        update={"webhook_url": webhook.url, "smtp_host": "127.0.0.1", "smtp_port": mailbox[1]}
    )


@pytest.fixture
def webhook_only(settings: Settings, webhook: WebhookReceiver) -> Settings:
    return settings.model_copy(update={"webhook_url": webhook.url})


def make_draft(
    session: Session,
    status: DraftStatus = DraftStatus.delivered,
    text: str = APPROVED,
    *,
    program_id: int | None = None,
    relationship_id: int | None = None,
) -> Draft:
    draft = Draft(
        kind="agenda",
        status=status,
        requested_by="test",
        model="offline",
        prompt="session_agenda@1",
        text=text,
        program_id=program_id,
        relationship_id=relationship_id,
    )
    session.add(draft)
    session.flush()
    return draft


def readers_draft(session: Session, world: World) -> Draft:
    """An agenda delivered to the world's first pair, whom READERS are."""
    return make_draft(session, program_id=world.pilot, relationship_id=world.first)


def program_named(session: Session, name: str) -> int:
    program = Program(name=name)
    session.add(program)
    session.flush()
    return program.id


def link(settings: Settings, draft: Draft) -> str:
    return f"{settings.public_url}/drafts/{draft.id}"


def announcement(settings: Settings, draft: Draft, program: str = "your mentoring program") -> str:
    """What a shared channel, or an address that is no reader's, is told."""
    return f"{neutral(program)}\n\nSign in to read it: {link(settings, draft)}"


def neutral(program: str = "your mentoring program") -> str:
    return f"A reviewed draft is ready for a participant of {program}"


def text_body(settings: Settings, draft: Draft, text: str = APPROVED) -> str:
    """What a reader's own email says."""
    return f"{HEADLINE}\n\n{text}\n\n{delivery.disclosure(draft)}\n\n{link(settings, draft)}"


def linked_id(text: str) -> int:
    """The id of the draft a message links to (its last line ends with the link)."""
    return int(text.rstrip().rpartition("/drafts/")[2])


def dispatch(session: Session, **options: Any) -> outbox.DispatchReport:
    """Send what `session` queued, as the server's dispatcher would: the queue is
    committed, the dispatcher sends in sessions of its own, and `session` then reads
    what it wrote."""
    session.commit()
    report = outbox.dispatch(sessions=sessionmaker(bind=session.get_bind()), **options)
    session.expire_all()
    return report


def dispatch_apart(
    services: Services, settings: Settings, start: threading.Barrier | None = None
) -> outbox.DispatchReport:
    """Dispatch through a session of its own, as another server process would."""
    if start is not None:
        start.wait()
    return outbox.dispatch(sessions=services.sessions, settings=settings, now=T0)


def slack_escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def stored(services: Services) -> list[OutboxMessage]:
    """The outbox as committed, read through a fresh session."""
    with services.sessions() as fresh:
        return list(fresh.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def queue(
    session: Session,
    settings: Settings,
    draft: Draft,
    recipients: list[tuple[str, str]] = RECIPIENTS,
) -> list[OutboxMessage]:
    messages = outbox.enqueue(
        session=session,
        draft=draft,
        recipients=recipients,
        settings=settings,
        headline=HEADLINE,
        now=T0,
    )
    session.commit()
    return messages


class TestEnqueue:
    def test_one_webhook_message_and_one_email_per_recipient(
        self, session: Session, services: Services, notifying: Settings
    ) -> None:
        draft = make_draft(session)
        outbox.enqueue(
            session=session,
            draft=draft,
            recipients=[*RECIPIENTS, ("Ana again", "ANA@example.org")],
            settings=notifying,
            headline=HEADLINE,
            now=T0,
        )
        session.commit()

        body = announcement(notifying, draft)
        rows = stored(services)
        assert [(row.channel, row.target) for row in rows] == [
            ("webhook", notifying.webhook_url),
            ("email", "ana@example.org"),
            ("email", "ben@example.org"),
        ]
        assert rows[0].payload == {"text": body}
        assert all(row.body == body for row in rows)
        assert [row.subject for row in rows[1:]] == [neutral(), neutral()]
        assert {(row.status, row.attempts, row.next_attempt_at) for row in rows} == {
            (OutboxStatus.pending, 0, T0)
        }

    def test_the_text_goes_by_email_to_the_readers_alone(
        self, session: Session, services: Services, notifying: Settings, world: World
    ) -> None:
        draft = readers_draft(session, world)
        outbox.enqueue(
            session=session,
            draft=draft,
            recipients=[*READERS, RECIPIENTS[0]],
            settings=notifying,
            headline=HEADLINE,
            now=T0,
        )
        session.commit()

        rows = stored(services)
        assert [(row.target, row.subject, row.body) for row in rows] == [
            (notifying.webhook_url, "", announcement(notifying, draft, "Pilot")),
            ("maya@example.org", HEADLINE, text_body(notifying, draft)),
            ("eli@example.org", HEADLINE, text_body(notifying, draft)),
            ("ana@example.org", neutral("Pilot"), announcement(notifying, draft, "Pilot")),
        ]
        assert rows[0].payload == {"text": announcement(notifying, draft, "Pilot")}

    def test_the_text_goes_to_no_reader_of_another_draft(
        self, session: Session, services: Services, notifying: Settings, world: World
    ) -> None:
        """Maya and Eli read their own pair's drafts, not one of the second pair's."""
        other_pair = make_draft(session, program_id=world.pilot, relationship_id=world.second)
        queue(session, notifying, other_pair, READERS)

        assert {row.body for row in stored(services)} == {
            announcement(notifying, other_pair, "Pilot")
        }

    @pytest.mark.parametrize(
        "status", [status for status in DraftStatus if status != DraftStatus.delivered]
    )
    def test_only_a_delivered_draft_is_announced(
        self, session: Session, notifying: Settings, status: DraftStatus
    ) -> None:
        draft = make_draft(session, status=status)
        with pytest.raises(InvalidTransition, match="only a delivered draft"):
            queue(session, notifying, draft)
        assert outbox.pending_count(session) == 0

    def test_nothing_is_queued_when_no_channel_is_configured(
        self, session: Session, settings: Settings
    ) -> None:
        assert queue(session, settings, make_draft(session)) == []
        assert outbox.pending_count(session) == 0

    def test_email_needs_only_smtp(
        self, session: Session, settings: Settings, mailbox: tuple[MailRecorder, int]
    ) -> None:
        smtp_only = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": mailbox[1]})
        messages = queue(session, smtp_only, make_draft(session))
        assert [message.channel for message in messages] == ["email", "email"]

    def test_a_headline_becomes_one_subject_line(
        self, session: Session, notifying: Settings, world: World
    ) -> None:
        draft = readers_draft(session, world)
        messages = outbox.enqueue(
            session=session,
            draft=draft,
            recipients=READERS[:1],
            settings=notifying,
            headline="Agenda\r\nBcc: everyone@example.org",
            now=T0,
        )
        assert messages[1].subject == "Agenda Bcc: everyone@example.org"

    def test_a_program_name_becomes_part_of_one_subject_line(
        self, session: Session, notifying: Settings
    ) -> None:
        program_id = program_named(session, "Pilot\r\nBcc: everyone@example.org")
        messages = queue(session, notifying, make_draft(session, program_id=program_id))
        assert messages[1].subject == neutral("Pilot Bcc: everyone@example.org")

    @pytest.mark.parametrize("address", ["not-an-address", "a@b.org, c@d.org", "x <y@z.org>"])
    def test_an_unusable_address_is_refused(
        self, session: Session, notifying: Settings, address: str
    ) -> None:
        with pytest.raises(InvalidInput, match="not an email address"):
            outbox.enqueue(
                session=session,
                draft=make_draft(session),
                recipients=[("Someone", address)],
                settings=notifying,
                headline=HEADLINE,
            )


class TestDispatch:
    def test_announces_to_the_webhook_and_sends_each_reader_the_text(
        self,
        session: Session,
        services: Services,
        notifying: Settings,
        webhook: WebhookReceiver,
        mailbox: tuple[MailRecorder, int],
        world: World,
    ) -> None:
        draft = readers_draft(session, world)
        queue(session, notifying, draft, READERS)

        report = dispatch(session, settings=notifying, now=T0)
        session.commit()

        assert report == outbox.DispatchReport(sent=3)
        [(path, payload)] = webhook.requests
        assert path == WEBHOOK_PATH
        assert payload == {"text": announcement(notifying, draft, "Pilot")}
        assert APPROVED not in payload["text"]
        recorder, _ = mailbox
        assert [rcpt for rcpt, _ in recorder.messages] == [
            ["maya@example.org"],
            ["eli@example.org"],
        ]
        for (_, mail), (name, address) in zip(recorder.messages, READERS, strict=True):
            assert mail["Subject"] == HEADLINE
            assert mail["From"] == notifying.smtp_from
            assert mail["To"] == f"{name} <{address}>"
            assert mail["Cc"] is None
            assert mail.get_content().replace("\r\n", "\n").rstrip("\n") == (
                text_body(notifying, draft)
            )
        rows = stored(services)
        assert {(row.status, row.attempts, row.sent_at) for row in rows} == {
            (OutboxStatus.sent, 1, T0)
        }
        assert outbox.pending_count(session) == 0

    def test_a_draft_withdrawn_after_queueing_is_cancelled_unsent(
        self,
        session: Session,
        services: Services,
        notifying: Settings,
        webhook: WebhookReceiver,
        mailbox: tuple[MailRecorder, int],
    ) -> None:
        draft = make_draft(session)
        queue(session, notifying, draft)
        with services.sessions() as elsewhere:
            elsewhere.get_one(Draft, draft.id).status = DraftStatus.withdrawn
            elsewhere.commit()
        # This session still holds the draft as it was loaded: delivered.
        assert draft.status == DraftStatus.delivered

        report = dispatch(session, settings=notifying, now=T0)
        session.commit()

        assert report == outbox.DispatchReport(cancelled=3)
        assert webhook.requests == []
        assert mailbox[0].messages == []
        assert {row.status for row in stored(services)} == {OutboxStatus.cancelled}
        assert dispatch(session, settings=notifying, now=T0 + timedelta(days=1)) == (
            outbox.DispatchReport()
        )

    def test_a_failure_is_retried_after_the_base_delay(
        self,
        session: Session,
        services: Services,
        webhook_only: Settings,
        webhook: WebhookReceiver,
    ) -> None:
        webhook.script = [500, 200]
        queue(session, webhook_only, make_draft(session))

        first = dispatch(session, settings=webhook_only, now=T0)
        session.commit()
        [row] = stored(services)
        assert first == outbox.DispatchReport(retried=1)
        assert (row.status, row.attempts) == (OutboxStatus.pending, 1)
        assert row.next_attempt_at == T0 + timedelta(seconds=30)
        assert row.last_error == "webhook answered HTTP 500"

        too_early = T0 + timedelta(seconds=29, microseconds=999_999)
        assert dispatch(session, settings=webhook_only, now=too_early) == (outbox.DispatchReport())
        assert len(webhook.requests) == 1

        due = T0 + timedelta(seconds=30)
        assert dispatch(session, settings=webhook_only, now=due) == (outbox.DispatchReport(sent=1))
        session.commit()
        [row] = stored(services)
        assert (row.status, row.attempts, row.sent_at, row.last_error) == (
            OutboxStatus.sent,
            2,
            due,
            "",
        )
        assert len(webhook.requests) == 2

    def test_gives_up_after_max_attempts_doubling_the_delay(
        self,
        session: Session,
        services: Services,
        webhook_only: Settings,
        webhook: WebhookReceiver,
    ) -> None:
        webhook.script = [503] * 6
        queue(session, webhook_only, make_draft(session))

        now, delays, reports = T0, [], []
        for _ in range(5):
            reports.append(dispatch(session, settings=webhook_only, now=now))
            session.commit()
            [row] = stored(services)
            delays.append((row.next_attempt_at - now).total_seconds())
            now = row.next_attempt_at

        assert reports == [outbox.DispatchReport(retried=1)] * 4 + [outbox.DispatchReport(failed=1)]
        assert delays[:4] == [30, 60, 120, 240]
        assert (row.status, row.attempts) == (OutboxStatus.failed, 5)
        later = now + timedelta(days=1)
        assert dispatch(session, settings=webhook_only, now=later) == (outbox.DispatchReport())
        assert len(webhook.requests) == 5
        assert outbox.pending_count(session) == 0

    def test_sends_oldest_first(
        self, session: Session, webhook_only: Settings, webhook: WebhookReceiver
    ) -> None:
        newer, older = make_draft(session, text="newer"), make_draft(session, text="older")
        for draft, queued_at in ((newer, T0 + timedelta(seconds=1)), (older, T0)):
            outbox.enqueue(
                session=session,
                draft=draft,
                recipients=[],
                settings=webhook_only,
                headline=HEADLINE,
                now=queued_at,
            )

        dispatch(session, settings=webhook_only, now=T0 + timedelta(seconds=1))

        assert [linked_id(payload["text"]) for _, payload in webhook.requests] == [
            older.id,
            newer.id,
        ]

    def test_logs_in_to_smtp_when_a_user_is_set(
        self, session: Session, settings: Settings, mailbox: tuple[MailRecorder, int]
    ) -> None:
        with_login = settings.model_copy(
            update={
                "smtp_host": "127.0.0.1",
                "smtp_port": mailbox[1],
                "smtp_user": SMTP_USER,
                "smtp_password": SecretStr(SMTP_PASSWORD),
            }
        )
        queue(session, with_login, make_draft(session))

        report = dispatch(session, settings=with_login, now=T0)

        assert report == outbox.DispatchReport(sent=2)
        assert len(mailbox[0].messages) == 2

    def test_failures_are_recorded_without_secrets(
        self,
        session: Session,
        services: Services,
        settings: Settings,
        mailbox: tuple[MailRecorder, int],
    ) -> None:
        wrong_password = "not-the-password-5678"
        broken = settings.model_copy(
            update={
                "webhook_url": f"http://127.0.0.1:{free_port()}{WEBHOOK_PATH}",  # nobody there
                "smtp_host": "127.0.0.1",
                "smtp_port": mailbox[1],
                "smtp_user": SMTP_USER,
                "smtp_password": SecretStr(wrong_password),
            }
        )
        queue(session, broken, make_draft(session))

        report = dispatch(session, settings=broken, now=T0)
        session.commit()

        assert report == outbox.DispatchReport(retried=3)
        assert mailbox[0].messages == []
        errors = [row.last_error for row in stored(services)]
        assert errors == [
            "webhook unreachable (ConnectError)",
            "SMTP server answered 535",
            "SMTP server answered 535",
        ]
        assert not any(
            secret in error
            for error in errors
            for secret in ("WEBHOOK-TOKEN", wrong_password, SMTP_USER)
        )

    def test_audits_each_message_sent_without_its_text(
        self, session: Session, notifying: Settings
    ) -> None:
        draft = make_draft(session)
        messages = queue(session, notifying, draft)

        dispatch(session, settings=notifying, now=T0)
        session.commit()

        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "outbox.sent").order_by(AuditEvent.seq)
        ).all()
        assert [(e.subject_type, e.subject_id, e.actor_label) for e in events] == [
            ("draft", str(draft.id), "system")
        ] * 3
        assert [e.data for e in events] == [
            {"channel": "webhook", "target": "127.0.0.1", "message_id": messages[0].id},
            {"channel": "email", "target": "ana@example.org", "message_id": messages[1].id},
            {"channel": "email", "target": "ben@example.org", "message_id": messages[2].id},
        ]
        everything = json.dumps([e.data for e in session.scalars(select(AuditEvent))])
        assert "APPROVED TEXT" not in everything and WEBHOOK_PATH not in everything
        assert audit.verify(session=session) == []

    def test_cancelling_and_giving_up_are_audited(
        self,
        session: Session,
        services: Services,
        webhook_only: Settings,
        webhook: WebhookReceiver,
    ) -> None:
        webhook.script = [500]
        failing, withdrawn = make_draft(session), make_draft(session)
        queue(session, webhook_only, failing)
        queue(session, webhook_only, withdrawn)
        withdrawn.status = DraftStatus.withdrawn

        report = dispatch(session, settings=webhook_only, now=T0, max_attempts=1)
        session.commit()

        assert report == outbox.DispatchReport(failed=1, cancelled=1)
        actions = {
            (e.action, e.subject_id, e.data.get("error"))
            for e in session.scalars(select(AuditEvent).where(AuditEvent.action.like("outbox.%")))
        }
        assert actions == {
            ("outbox.failed", str(failing.id), "webhook answered HTTP 500"),
            ("outbox.cancelled", str(withdrawn.id), "the draft is no longer delivered"),
        }

    def test_webhook_text_is_escaped_for_slack_and_email_is_not(
        self,
        session: Session,
        notifying: Settings,
        webhook: WebhookReceiver,
        mailbox: tuple[MailRecorder, int],
    ) -> None:
        """A program's name is the one thing of the program a channel is told, as written."""
        markup = "Tell <!channel> and <@U123>: <https://x.example|click> & compare 1 < 2 > 0."
        draft = make_draft(session, program_id=program_named(session, markup))
        queue(session, notifying, draft)

        assert dispatch(session, settings=notifying, now=T0) == (outbox.DispatchReport(sent=3))

        [(_, payload)] = webhook.requests
        assert payload["text"].split("\n\n")[0] == neutral(
            "Tell &lt;!channel&gt; and &lt;@U123&gt;: &lt;https://x.example|click&gt; "
            "&amp; compare 1 &lt; 2 &gt; 0."
        )
        assert payload == {"text": slack_escaped(announcement(notifying, draft, markup))}
        for _, mail in mailbox[0].messages:
            assert mail.get_content().replace("\r\n", "\n").rstrip("\n") == (
                announcement(notifying, draft, markup)
            )

    def test_a_message_claimed_by_one_dispatcher_is_not_sent_by_another(
        self,
        session: Session,
        services: Services,
        webhook_only: Settings,
        webhook: WebhookReceiver,
    ) -> None:
        drafts = [make_draft(session, text=f"draft {n}") for n in range(3)]
        for draft in drafts:
            queue(session, webhook_only, draft)
        webhook.hold_first = True

        with ThreadPoolExecutor(max_workers=1) as pool:
            first = pool.submit(dispatch_apart, services, webhook_only)
            # The first dispatcher has read all three messages and waits on the first reply.
            assert webhook.first_arrived.wait(WAIT_SECONDS)
            second = dispatch_apart(services, webhook_only)
            webhook.release.set()
            assert first.result(WAIT_SECONDS) == outbox.DispatchReport(sent=1)

        assert second == outbox.DispatchReport(sent=2)
        linked = [linked_id(payload["text"]) for _, payload in webhook.requests]
        assert sorted(linked) == [draft.id for draft in drafts]
        assert {(row.status, row.attempts) for row in stored(services)} == {(OutboxStatus.sent, 1)}

    def test_two_dispatchers_racing_send_each_message_once(
        self,
        session: Session,
        services: Services,
        notifying: Settings,
        webhook: WebhookReceiver,
        mailbox: tuple[MailRecorder, int],
    ) -> None:
        drafts = [make_draft(session, text=f"draft {n}") for n in range(6)]
        for draft in drafts:
            queue(session, notifying, draft)
        start = threading.Barrier(2, timeout=WAIT_SECONDS)

        with ThreadPoolExecutor(max_workers=2) as pool:
            racing = [pool.submit(dispatch_apart, services, notifying, start) for _ in range(2)]
            reports = [future.result(WAIT_SECONDS) for future in racing]

        assert sum(report.sent for report in reports) == 18
        linked = [linked_id(payload["text"]) for _, payload in webhook.requests]
        assert sorted(linked) == [draft.id for draft in drafts]
        mails = sorted((rcpt, linked_id(mail.get_content())) for rcpt, mail in mailbox[0].messages)
        assert mails == sorted(
            ([address], draft.id) for draft in drafts for _, address in RECIPIENTS
        )
        assert {(row.status, row.attempts) for row in stored(services)} == {(OutboxStatus.sent, 1)}
        sent_events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "outbox.sent")
        ).all()
        assert len(sent_events) == 18
        assert audit.verify(session=session) == []

    @staticmethod
    def _crash_while_sending(
        settings: Settings, webhook: WebhookReceiver, max_attempts: int
    ) -> None:
        """Run a dispatcher in a process of its own and kill it while it waits on the webhook."""
        webhook.hold_first = True
        dispatcher = subprocess.Popen(
            [
                sys.executable,
                "-c",
                DISPATCHER,
                T0.isoformat(),
                str(max_attempts),
            ],
            env={**os.environ, **cli_env(settings.data_dir)},
        )
        try:
            assert webhook.first_arrived.wait(WAIT_SECONDS)
        finally:
            dispatcher.kill()
            dispatcher.wait(WAIT_SECONDS)
        webhook.release.set()

    def test_a_dispatcher_that_died_mid_send_is_never_followed_by_a_second_send(
        self,
        session: Session,
        services: Services,
        webhook_only: Settings,
        webhook: WebhookReceiver,
    ) -> None:
        """Killed while the webhook had the message and had not answered: it may have
        been delivered, so when the claim lapses it is marked, not sent again."""
        draft = make_draft(session)
        queue(session, webhook_only, draft)
        self._crash_while_sending(webhook_only, webhook, max_attempts=5)

        [row] = stored(services)
        assert (row.status, row.attempts, row.last_error) == (
            OutboxStatus.pending,
            1,
            outbox.SENDING,
        )
        lapses = T0 + timedelta(seconds=outbox.CLAIM_SECONDS)
        still_claimed = lapses - timedelta(microseconds=1)
        assert dispatch(session, settings=webhook_only, now=still_claimed) == (
            outbox.DispatchReport()
        )
        assert dispatch(session, settings=webhook_only, now=lapses) == (
            outbox.DispatchReport(failed=1)
        )
        assert dispatch(session, settings=webhook_only, now=lapses + timedelta(days=1)) == (
            outbox.DispatchReport()
        )
        session.commit()

        [row] = stored(services)
        assert (row.status, row.attempts, row.sent_at, row.last_error) == (
            OutboxStatus.failed,
            1,
            None,
            outbox.UNCONFIRMED,
        )
        assert len(webhook.requests) == 1
        [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "outbox.failed"))
        assert (event.subject_id, event.data["error"]) == (str(draft.id), outbox.UNCONFIRMED)
        assert audit.verify(session=session) == []

    def test_a_dispatcher_that_dies_after_sending_never_sends_a_second_copy(
        self,
        session: Session,
        services: Services,
        notifying: Settings,
        webhook: WebhookReceiver,
        mailbox: tuple[MailRecorder, int],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """The SMTP server and the webhook accepted each message; the dispatcher died
        before recording it (its transport raised after the send)."""
        queue(session, notifying, make_draft(session))  # a webhook message and two emails
        real_send = outbox._send

        def send_then_die(message: OutboxMessage, settings: Settings, now: datetime) -> None:
            real_send(message, settings, now)
            raise SystemExit("the dispatcher's process ends here")

        monkeypatch.setattr(outbox, "_send", send_then_die)
        for _ in range(3):
            with pytest.raises(SystemExit):
                dispatch(session, settings=notifying, now=T0)
        assert len(webhook.requests) + len(mailbox[0].messages) == 3
        monkeypatch.setattr(outbox, "_send", real_send)

        lapses = T0 + timedelta(seconds=outbox.CLAIM_SECONDS)
        assert dispatch(session, settings=notifying, now=lapses) == (
            outbox.DispatchReport(failed=3)
        )
        assert (len(webhook.requests), len(mailbox[0].messages)) == (1, 2)
        assert {(row.status, row.last_error) for row in stored(services)} == {
            (OutboxStatus.failed, outbox.UNCONFIRMED)
        }

    def test_a_claim_that_lapses_before_the_send_began_is_sent_once(
        self,
        session: Session,
        services: Services,
        webhook_only: Settings,
        webhook: WebhookReceiver,
    ) -> None:
        """A dispatcher that claimed a message and died before sending it: nothing left,
        so the message is sent when the claim lapses."""
        queue(session, webhook_only, make_draft(session))
        with services.sessions() as dying:
            candidate = dying.execute(
                select(
                    OutboxMessage.id,
                    OutboxMessage.attempts,
                    OutboxMessage.next_attempt_at,
                    OutboxMessage.last_error,
                )
            ).one()
            lapses = T0 + timedelta(seconds=outbox.CLAIM_SECONDS)
            assert outbox._claim(dying, candidate, until=lapses) is not None
            dying.commit()

        assert dispatch(session, settings=webhook_only, now=T0) == outbox.DispatchReport()
        assert dispatch(session, settings=webhook_only, now=lapses) == (
            outbox.DispatchReport(sent=1)
        )
        [row] = stored(services)
        assert (row.status, row.attempts, row.last_error) == (OutboxStatus.sent, 1, "")
        assert len(webhook.requests) == 1

    def test_every_attempt_at_a_webhook_carries_the_same_idempotency_key(
        self,
        session: Session,
        services: Services,
        webhook_only: Settings,
        webhook: WebhookReceiver,
    ) -> None:
        webhook.script = [500]
        queue(session, webhook_only, make_draft(session))
        queue(session, webhook_only, make_draft(session))
        assert dispatch(session, settings=webhook_only, now=T0) == (
            outbox.DispatchReport(sent=1, retried=1)
        )
        later = T0 + timedelta(hours=1)
        assert dispatch(session, settings=webhook_only, now=later) == outbox.DispatchReport(sent=1)

        first, second = stored(services)
        first_key, second_key = outbox.idempotency_key(first), outbox.idempotency_key(second)
        assert webhook.idempotency_keys == [first_key, second_key, first_key]
        assert first_key != second_key

    def test_a_claim_that_lapses_on_the_last_attempt_gives_up(
        self,
        session: Session,
        services: Services,
        webhook_only: Settings,
        webhook: WebhookReceiver,
    ) -> None:
        webhook.script = [500]
        draft = make_draft(session)
        queue(session, webhook_only, draft)
        assert dispatch(session, settings=webhook_only, now=T0, max_attempts=2) == (
            outbox.DispatchReport(retried=1)
        )
        # A dispatcher claims the retry and dies before sending it; max_attempts is 1 now.
        with services.sessions() as dying:
            candidate = dying.execute(
                select(
                    OutboxMessage.id,
                    OutboxMessage.attempts,
                    OutboxMessage.next_attempt_at,
                    OutboxMessage.last_error,
                )
            ).one()
            lapses = T0 + timedelta(hours=1)
            assert outbox._claim(dying, candidate, until=lapses) is not None
            dying.commit()

        report = dispatch(session, settings=webhook_only, now=lapses, max_attempts=1)
        session.commit()

        assert report == outbox.DispatchReport(failed=1)
        [row] = stored(services)
        assert (row.status, row.attempts, row.last_error) == (
            OutboxStatus.failed,
            1,
            outbox.CLAIMED,
        )
        assert len(webhook.requests) == 1
        [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "outbox.failed"))
        assert (event.subject_id, event.data["error"]) == (str(draft.id), outbox.CLAIMED)


class TestPendingCount:
    def test_counts_messages_not_yet_sent_due_or_not(
        self, session: Session, webhook_only: Settings, webhook: WebhookReceiver
    ) -> None:
        webhook.script = [500]
        queue(session, webhook_only, make_draft(session))
        queue(session, webhook_only, make_draft(session))
        assert outbox.pending_count(session) == 2

        dispatch(session, settings=webhook_only, now=T0)

        assert outbox.pending_count(session) == 1  # one sent, one waiting to be retried


class TestAccountEmail:
    """An email about an account may carry an HTML part and list headers, nothing else."""

    def _user(self, session: Session) -> User:
        user = User(email="nia@example.org", display_name="Nia Okafor")
        session.add(user)
        session.flush()
        return user

    def test_sends_a_plain_and_an_html_part_and_keeps_neither_after_sending(
        self, session: Session, notifying: Settings, mailbox: tuple[MailRecorder, int]
    ) -> None:
        user = self._user(session)
        unsubscribe = "<https://companion.example/unsubscribe/abc>"
        outbox.enqueue_account_email(
            session=session,
            user=user,
            subject="You are invited",
            body="Join here: https://companion.example/join/ONE-TIME",
            html="<p>Join <a href='https://companion.example/join/ONE-TIME'>here</a></p>",
            headers={"List-Unsubscribe": unsubscribe, "List-Unsubscribe-Post": "One-Click"},
            settings=notifying,
            now=T0,
        )

        assert dispatch(session, settings=notifying, now=T0) == outbox.DispatchReport(sent=1)

        [(to, email)] = mailbox[0].messages
        assert to == ["nia@example.org"]
        assert email["List-Unsubscribe"] == unsubscribe
        assert email["List-Unsubscribe-Post"] == "One-Click"
        plain = email.get_body(preferencelist=("plain",))
        html = email.get_body(preferencelist=("html",))
        assert plain is not None and "join/ONE-TIME" in plain.get_content()
        assert html is not None and "<a href=" in html.get_content()
        [row] = session.scalars(select(OutboxMessage))
        assert row.body == "" and "html" not in row.payload
        assert "ONE-TIME" not in json.dumps(row.payload)

    def test_refuses_a_header_outside_the_list_headers(
        self, session: Session, notifying: Settings
    ) -> None:
        with pytest.raises(InvalidInput, match="Bcc"):
            outbox.enqueue_account_email(
                session=session,
                user=self._user(session),
                subject="Hello",
                body="Hello",
                headers={"Bcc": "someone@example.org"},
                settings=notifying,
                now=T0,
            )
