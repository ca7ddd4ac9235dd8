"""A real SMTP server and a webhook receiver on loopback, the relationships' small program,
and helpers to run the notifications job and read what arrived."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from icalendar import Calendar
from sqlalchemy import select

from companion.accounts.models import User
from companion.notifications import job
from companion.notifications.models import Notification
from companion.relationships.models import MentoringSession
from companion.review import outbox
from companion.settings import Settings
from tests.helpers import free_port
from tests.relationships.conftest import World, world  # noqa: F401
from tests.review.test_outbox import MailRecorder, WebhookReceiver


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    receiver.thread.start()
    yield receiver
    receiver.release.set()
    receiver.server.shutdown()
    receiver.server.server_close()


@pytest.fixture
def mailbox() -> Iterator[MailRecorder]:
    recorder = MailRecorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    recorder.port = controller.port  # type: ignore[attr-defined]
    yield recorder
    controller.stop()


@dataclass
class Post:
    """The world, its mail server and the settings the job sends with."""

    world: World
    mailbox: MailRecorder
    settings: Settings

    def run(self, now: datetime | None = None) -> job.JobReport:
        """One pass of the job, then the outbox sends what it queued."""
        report = job.run(
            sessions=self.world.services.write_sessions, settings=self.settings, now=now
        )
        outbox.dispatch(
            sessions=self.world.services.sessions, settings=self.settings, now=now or _now()
        )
        return report

    def take(self) -> dict[str, list[EmailMessage]]:
        """The messages that arrived since the last look, by recipient address."""
        found: dict[str, list[EmailMessage]] = {}
        for rcpt_tos, message in self.mailbox.messages:
            for address in rcpt_tos:
                found.setdefault(address, []).append(message)
        self.mailbox.messages.clear()
        return found

    def notifications(self) -> list[Notification]:
        with self.world.services.sessions() as session:
            rows = session.scalars(select(Notification).order_by(Notification.id)).all()
            session.expunge_all()
            return list(rows)

    def user(self, email: str) -> User:
        with self.world.services.sessions() as session:
            found = session.scalars(select(User).where(User.email == email)).one()
            session.expunge(found)
            return found


def _now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def post(world: World, mailbox: MailRecorder) -> Post:  # noqa: F811
    settings = world.services.settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": mailbox.port,  # type: ignore[attr-defined]
            "public_url": "https://mentoring.example.org",
        }
    )
    # Start after the world's own set-up: only what a test does is told.
    job.run(sessions=world.services.write_sessions, settings=settings)
    mailbox.messages.clear()
    return Post(world, mailbox, settings)


def parts(message: EmailMessage) -> tuple[str, str]:
    """The plain-text and the HTML part of a notification email."""
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None, "both parts are expected"
    return text.get_content(), html.get_content()


def calendar_of(message: EmailMessage) -> Calendar | None:
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            return Calendar.from_ical(part.get_content())
    return None


def later(hours: float) -> datetime:
    return datetime.now(UTC) + timedelta(hours=hours)


def book_confirmed(
    post: Post,
    starts_at: datetime,
    *,
    proposer: str = "maya",
    answerer: str = "eli",
    agreed_ago: timedelta | None = None,
) -> int:
    """A session of the first pair one member proposes and the other accepts; with
    `agreed_ago`, as if they had agreed that long ago (a reminder is then still due)."""
    client, pair = post.world.client, post.world
    proposed = client.post(
        f"/api/v1/relationships/{pair.first}/sessions",
        headers=pair.headers(proposer),
        json={"starts_at": starts_at.isoformat()},
    )
    assert proposed.status_code == 201, proposed.json()
    session_id = proposed.json()["id"]
    accepted = client.post(f"/api/v1/sessions/{session_id}/accept", headers=pair.headers(answerer))
    assert accepted.status_code == 200, accepted.json()
    if agreed_ago is not None:
        with pair.services.sessions() as session:
            row = session.get_one(MentoringSession, session_id)
            row.confirmed_at = datetime.now(UTC) - agreed_ago
            session.commit()
    return session_id
