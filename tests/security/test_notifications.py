"""Notifications carry no private text to shared places, and their link leads to the draft.

Drafts are requested and approved through the API as the people themselves would,
so delivery queues the notifications; they are sent to a loopback webhook and a
real SMTP server, then the link they carry is followed by signed-in browsers.
"""

from __future__ import annotations

import html
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from companion.drafting.models import Draft
from companion.errors import SettingsError
from companion.participants.models import Participant
from companion.relationships.models import MentoringSession, SessionStatus
from companion.review import outbox
from companion.settings import Settings, load_settings
from tests.relationships.conftest import PEOPLE, World, world  # noqa: F401
from tests.review.test_outbox import (  # noqa: F401
    MailRecorder,
    WebhookReceiver,
    mailbox,
    webhook,
)
from tests.web.conftest import browser_for, web  # noqa: F401

PUBLIC_URL = "https://mentoring.example.org"
NAMES_AND_ADDRESSES = [text for row in PEOPLE for text in (row[1], row[2])]
# A safety net for the app's own dispatcher, which may have claimed a message first.
SETTLE_SECONDS = 30


@pytest.fixture
def settings(
    settings: Settings,
    webhook: WebhookReceiver,  # noqa: F811
    mailbox: tuple[MailRecorder, int],  # noqa: F811
) -> Settings:
    """Both channels configured, pointing at the loopback receivers."""
    return settings.model_copy(
        update={
            "webhook_url": webhook.url,
            "smtp_host": "127.0.0.1",
            "smtp_port": mailbox[1],
            "public_url": PUBLIC_URL,
        }
    )


def deliver(world: World, who: str, **request: Any) -> dict[str, Any]:  # noqa: F811
    """Request a draft as `who` and approve it as `who`: it is delivered at once."""
    drafted = world.client.post("/api/v1/drafts", json=request, headers=world.headers(who))
    assert drafted.status_code == 201, drafted.text
    draft = drafted.json()
    decided = world.client.post(
        f"/api/v1/review/drafts/{draft['id']}/decisions",
        json={"action": "approve", "version": draft["version"]},
        headers=world.headers(who),
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "delivered"
    return draft


def send_all(world: World) -> None:  # noqa: F811
    """Send everything queued (the app's background dispatcher may send some of it)."""
    give_up = time.monotonic() + SETTLE_SECONDS
    while True:
        outbox.dispatch(sessions=world.services.sessions, settings=world.services.settings)
        with world.services.sessions() as session:
            left = outbox.pending_count(session)
        if left == 0 or time.monotonic() > give_up:
            break
        time.sleep(0.1)
        assert outbox.pending_count(session) == 0


def text_of(world: World, draft_id: int) -> str:  # noqa: F811
    with world.services.sessions() as session:
        return session.get_one(Draft, draft_id).text


def private_lines(text: str) -> list[str]:
    """The lines of a draft long enough to be its own words, not a bare heading."""
    return [line.strip() for line in text.splitlines() if len(line.strip()) > 15]


def emails_to(mailbox: tuple[MailRecorder, int], address: str) -> list[str]:  # noqa: F811
    return [
        mail.get_content()
        for recipients, mail in mailbox[0].messages
        if recipients == [address] and mail["To"].addresses[0].addr_spec == address
    ]


class TestWebhook:
    def test_carries_a_neutral_headline_and_a_link_never_the_text_or_names(
        self,
        world: World,  # noqa: F811
        webhook: WebhookReceiver,  # noqa: F811
    ) -> None:
        goal = deliver(
            world, "eli", kind="smart_goal", relationship_id=world.first, text="Lead a review"
        )
        brief = deliver(world, "maya", kind="brief", relationship_id=world.first)
        send_all(world)

        posted = [payload["text"] for _, payload in webhook.requests]
        assert sorted(posted) == sorted(
            "A reviewed draft is ready for a participant of Pilot\n\n"
            f"Sign in to read it: {PUBLIC_URL}/drafts/{draft['id']}"
            for draft in (goal, brief)
        )
        secrets = [
            *private_lines(text_of(world, goal["id"])),
            *private_lines(text_of(world, brief["id"])),
            "Lead a review",
            *NAMES_AND_ADDRESSES,
        ]
        assert [s for s in secrets if any(s in text for text in posted)] == []


class TestEmail:
    def test_the_text_goes_only_to_the_person_it_is_for(
        self,
        world: World,  # noqa: F811
        mailbox: tuple[MailRecorder, int],  # noqa: F811
    ) -> None:
        goal = deliver(
            world, "eli", kind="smart_goal", relationship_id=world.first, text="Lead a review"
        )
        agenda = deliver(world, "maya", kind="agenda", relationship_id=world.first)
        send_all(world)

        assert all(len(recipients) == 1 for recipients, _ in mailbox[0].messages)
        assert all(mail["Cc"] is None and mail["Bcc"] is None for _, mail in mailbox[0].messages)
        goal_text, agenda_text = text_of(world, goal["id"]), text_of(world, agenda["id"])
        eli, maya = emails_to(mailbox, "eli@example.org"), emails_to(mailbox, "maya@example.org")
        assert len(eli) == 2 and len(maya) == 1
        assert any(private_lines(goal_text)[0] in mail for mail in eli)
        assert any(private_lines(agenda_text)[0] in mail for mail in eli)
        assert private_lines(agenda_text)[0] in maya[0]
        assert not any(line in maya[0] for line in private_lines(goal_text))

    def test_an_address_that_is_not_the_readers_own_gets_only_the_headline(
        self,
        world: World,  # noqa: F811
        mailbox: tuple[MailRecorder, int],  # noqa: F811
    ) -> None:
        """Eli's seat carries the address of another account (a coordinator of another
        program), and Maya's one of no
        account at all: the text goes to neither, since neither is an account that may
        read the draft."""
        with world.services.sessions() as session:
            seats = {
                p.email: p
                for p in session.scalars(
                    select(Participant).where(Participant.program_id == world.pilot)
                )
            }
            seats["eli@example.org"].email = "else@example.org"
            seats["maya@example.org"].email = "maya.old@example.org"
            session.commit()
        agenda = deliver(world, "maya", kind="agenda", relationship_id=world.first)
        send_all(world)

        link = f"{PUBLIC_URL}/drafts/{agenda['id']}"
        agenda_lines = private_lines(text_of(world, agenda["id"]))
        for address in ("else@example.org", "maya.old@example.org"):
            [mail] = emails_to(mailbox, address)
            assert mail.startswith("A reviewed draft is ready for a participant of Pilot")
            assert link in mail
            assert [line for line in agenda_lines if line in mail] == []


class TestLink:
    def test_leads_its_reader_to_the_draft_and_anyone_else_to_a_404(
        self,
        web: World,  # noqa: F811
        browser_for,  # noqa: F811
        webhook: WebhookReceiver,  # noqa: F811
    ) -> None:
        with web.services.sessions() as session:
            upcoming = MentoringSession(
                relationship_id=web.first,
                starts_at=datetime.now(UTC) + timedelta(days=7),
                duration_minutes=45,
                status=SessionStatus.scheduled,
                created_by="test",
            )
            session.add(upcoming)
            session.commit()
            upcoming_id = upcoming.id
        brief = deliver(web, "maya", kind="brief", relationship_id=web.first)
        goal = deliver(
            web, "eli", kind="smart_goal", relationship_id=web.first, text="Lead a review"
        )
        # Approving a goal keeps it private; Eli shares it, so that the agenda may use it.
        goals = f"/api/v1/relationships/{web.first}/goals"
        [own] = web.client.get(goals, headers=web.headers("eli")).json()["items"]
        shared = web.client.patch(
            f"{goals}/{own['id']}", json={"visibility": "mentor"}, headers=web.headers("eli")
        )
        assert shared.status_code == 200, shared.text
        agenda = deliver(web, "maya", kind="agenda", relationship_id=web.first)
        send_all(web)
        links = {
            urlsplit(line.rpartition(" ")[2]).path
            for _, payload in webhook.requests
            for line in payload["text"].splitlines()
            if line.startswith("Sign in to read it: ")
        }
        assert links == {f"/drafts/{d['id']}" for d in (brief, goal, agenda)}

        maya, eli, omar = browser_for("maya"), browser_for("eli"), browser_for("omar")
        shown = maya.get(f"/drafts/{brief['id']}")
        assert shown.status_code == 200
        assert private_lines(text_of(web, brief["id"]))[0] in shown.text
        gone = eli.get(f"/drafts/{goal['id']}", follow_redirects=False)
        assert gone.status_code == 303
        assert gone.headers["location"].startswith(f"/relationships/{web.first}/goals#goal-")
        assert "Lead a review" in eli.get(gone.headers["location"]).text
        to_session = eli.get(f"/drafts/{agenda['id']}", follow_redirects=False)
        assert to_session.headers["location"] == (
            f"/relationships/{web.first}/sessions/{upcoming_id}#h-agenda"
        )
        agenda_page = html.unescape(eli.get(to_session.headers["location"]).text)
        assert "No approved agenda" not in agenda_page
        # The agenda works on the mentee's approved goal, in the mentee's own words.
        assert "lead a review" in agenda_page.lower()

        missing = omar.get("/drafts/999999")
        assert missing.status_code == 404
        assert "No draft with id 999999." in missing.text
        for who, draft in ((omar, brief), (eli, brief), (maya, goal), (omar, agenda)):
            refused = who.get(f"/drafts/{draft['id']}")
            assert refused.status_code == 404
            assert f"No draft with id {draft['id']}." in refused.text

    def test_asks_a_stranger_to_sign_in_first(self, web: World) -> None:  # noqa: F811
        brief = deliver(web, "maya", kind="brief", relationship_id=web.first)
        response = web.client.get(f"/drafts/{brief['id']}", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == f"/login?next=/drafts/{brief['id']}"

    def test_never_shows_a_draft_before_it_is_delivered(
        self,
        web: World,  # noqa: F811
        browser_for,  # noqa: F811
    ) -> None:
        pending = web.client.post(
            "/api/v1/drafts",
            json={"kind": "brief", "relationship_id": web.first},
            headers=web.headers("maya"),
        ).json()
        maya = browser_for("maya")
        assert maya.get(f"/review/{pending['id']}").status_code == 200  # her to review
        assert maya.get(f"/drafts/{pending['id']}").status_code == 404


def test_links_start_with_a_public_url_that_is_an_address() -> None:
    assert load_settings(public_url="https://mentoring.example.org/").public_url == (
        "https://mentoring.example.org"
    )
    with pytest.raises(SettingsError, match="COMPANION_PUBLIC_URL: must start with http"):
        load_settings(public_url="mentoring.example.org")
