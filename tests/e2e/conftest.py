"""End-to-end: the real app served by uvicorn on loopback, driven by Debian's Chromium.

No browser is downloaded: Playwright drives /usr/bin/chromium (`make test`
installs the Debian package when it is missing). Screenshots of the main
pages are written to docs/screenshots/.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from api.app import create_app
from companion.accounts import passwords
from companion.accounts import service as accounts
from companion.runtime import Services
from tests.helpers import TEST_ACTOR, TEST_SYSTEM, free_port
from tests.relationships.conftest import PEOPLE, to_csv

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "correct horse battery"


class Server:
    def __init__(self, services: Services) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            create_app(services=services), host="127.0.0.1", port=self.port, log_level="warning"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("the app did not start on loopback within 30 s")

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def site(tmp_path_factory, databases, encoder) -> Iterator[tuple[Server, Services]]:
    """A program Pilot with coordinator lead@example.org and the six people of PEOPLE."""
    from companion.accounts.models import Role
    from companion.participants import service as participants
    from companion.programs import service as programs

    services = Services(databases.new(tmp_path_factory.mktemp("e2e") / "var"), encoder=encoder)
    with services.sessions() as session:
        pilot = programs.create(session=session, name="Pilot", principal=TEST_SYSTEM)
        participants.import_participants(
            session=session,
            program_id=pilot.id,
            data=to_csv(PEOPLE),
            filename="p.csv",
            principal=TEST_SYSTEM,
        )
        accounts.create(
            session=session,
            email="lead@example.org",
            display_name="Lee Coordinator",
            roles=[(Role.coordinator, pilot.id)],
            actor=TEST_ACTOR,
        )
        for user in accounts.by_emails(
            session=session, emails=["lead@example.org", *(p[2] for p in PEOPLE)]
        ).values():
            passwords.set_password(session=session, user=user, password=PASSWORD, actor=TEST_ACTOR)
        session.commit()
    with Server(services) as server:
        yield server, services
    services.close()


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), "Debian's chromium is missing: `apt-get install chromium`"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def sign_in(site, chromium):
    """sign_in(email) -> a Playwright page signed in as that person (own cookies)."""
    server, _ = site
    contexts = []

    def open_as(email: str, *, width: int = 1100):
        context = chromium.new_context(viewport={"width": width, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{server.url}/login")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{server.url}/")
        return page

    yield open_as
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def first_pair(services: Services) -> int:
    """Maya (M1) mentors Eli (E1) in the site's program, created on first use."""
    from sqlalchemy import select

    from companion.participants.models import Participant
    from companion.programs.models import Program
    from companion.relationships import service as relationships
    from companion.relationships.models import Relationship

    with services.sessions() as session:
        people = {p.external_id: p for p in session.scalars(select(Participant))}
        existing = session.scalars(
            select(Relationship.id).where(Relationship.mentee_id == people["E1"].id)
        ).first()
        if existing:
            return existing
        program = session.get(Program, people["M1"].program_id)
        pair = relationships.create_pair(
            session=session, program=program, mentor_id=people["M1"].id, mentee_id=people["E1"].id
        )
        session.commit()
        return pair.id


def agreed_session(page, sign_in, url: str, other: str = "eli@example.org") -> str:
    """`page`'s member proposes the first free time on the relationship page at `url`, the
    `other` member accepts it in their own browser: the confirmed session's address."""
    import re

    page.goto(url)
    page.locator("input[name=when]").first.check()
    page.get_by_role("button", name="Propose this time").click()
    page.get_by_text("Proposed by you").last.wait_for()
    action = page.locator("#proposals form[action*='/sessions/']").last.get_attribute("action")
    session_id = re.search(r"/sessions/(\d+)/", action).group(1)
    answerer = sign_in(other)
    answerer.goto(url)
    answerer.locator(f"form[action$='/sessions/{session_id}/answer']").get_by_role(
        "button", name="Accept this time"
    ).click()
    answerer.get_by_text("Accepted: the session is confirmed").wait_for()
    answerer.close()
    page.goto(f"{url}/sessions/{session_id}")
    return page.url
