"""The relationships tests' small program, with email going to a real SMTP server on loopback,
and a few more people who have never signed in."""

from __future__ import annotations

import re
from datetime import datetime
from email.message import EmailMessage

import pytest

from companion.participants import service as participants
from companion.review import outbox
from companion.settings import Settings
from tests.helpers import TEST_SYSTEM
from tests.relationships.conftest import World, to_csv
from tests.relationships.conftest import world as world
from tests.review.test_outbox import MailRecorder
from tests.review.test_outbox import mailbox as mailbox
from tests.web.conftest import browser_for as browser_for
from tests.web.conftest import web as web

PUBLIC_URL = "https://mc.test"
# Quinn (E4) of the world never signed in; these three are new to the program.
NEWCOMERS = [
    ("N1", "Nia Obi", "nia@example.org", "mentee", "UTC", "", "0", ""),
    ("N2", "Noa Kim", "noa@example.org", "mentor", "UTC", "", "1", ""),
    ("N3", "Ned Park", "ned@example.org", "mentee", "UTC", "", "0", ""),
]
NOT_JOINED = ["quinn@example.org", "nia@example.org", "noa@example.org", "ned@example.org"]
JOINED = ["maya@example.org", "eli@example.org", "nora@example.org", "omar@example.org",
          "pia@example.org"]  # fmt: skip


@pytest.fixture
def settings(settings: Settings, mailbox: tuple[MailRecorder, int]) -> Settings:
    """The test's settings, sending email to the loopback SMTP server."""
    return settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": mailbox[1], "public_url": PUBLIC_URL}
    )


@pytest.fixture
def pilot(world: World) -> World:
    """The world, with three newcomers in the pilot program."""
    with world.services.sessions() as session:
        participants.import_participants(
            session=session,
            program_id=world.pilot,
            data=to_csv(NEWCOMERS),
            filename="more.csv",
            principal=TEST_SYSTEM,
        )
        session.commit()
    return world


def send_mail(world: World, now: datetime | None = None) -> outbox.DispatchReport:
    return outbox.dispatch(
        sessions=world.services.sessions, settings=world.services.settings, now=now
    )


def plain(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def html(message: EmailMessage) -> str:
    return message.get_body(("html",)).get_content()


def links_in(text: str) -> list[str]:
    return re.findall(rf"{re.escape(PUBLIC_URL)}/(?:invite/[\w-]+|login/sso)", text)


def mail_to(recorder: MailRecorder, address: str) -> list[EmailMessage]:
    return [message for recipients, message in recorder.messages if recipients == [address]]
