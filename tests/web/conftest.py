"""Web pages: the small program of the relationships tests, with passwords to sign in."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from companion.accounts import passwords
from companion.accounts import service as accounts
from tests.helpers import TEST_ACTOR, app_for
from tests.relationships.conftest import World, world  # noqa: F401

PASSWORD = "correct horse battery"
EMAILS = {
    "maya": "maya@example.org",
    "eli": "eli@example.org",
    "nora": "nora@example.org",
    "omar": "omar@example.org",
    "pia": "pia@example.org",
    "lead": "lead@example.org",
    "org": "org@example.org",
    "elsewhere": "else@example.org",
}


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


class Browser:
    """A signed-in TestClient that reads the CSRF token from each page before posting."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.token = ""

    def get(self, url: str, **kwargs):
        response = self.client.get(url, **kwargs)
        if 'name="csrf_token"' in response.text:
            self.token = csrf_of(response.text)
        return response

    def post(self, url: str, data: dict | None = None, **kwargs):
        if not self.token:
            self.get("/login")
        return self.client.post(url, data={"csrf_token": self.token, **(data or {})}, **kwargs)


@pytest.fixture
def web(world: World):  # noqa: F811
    """world, with every person's password set to PASSWORD."""
    with world.services.sessions() as session:
        for email in EMAILS.values():
            user = accounts.get_by_email(session=session, email=email)
            passwords.set_password(session=session, user=user, password=PASSWORD, actor=TEST_ACTOR)
        session.commit()
    return world


@pytest.fixture
def browser_for(web: World):
    """browser_for("maya") -> a Browser signed in as Maya (each with its own cookies)."""
    clients = []

    def sign_in(who: str) -> Browser:
        client = TestClient(app_for(web.services))
        client.__enter__()
        clients.append(client)
        browser = Browser(client)
        browser.get("/login")
        response = browser.post(
            "/login",
            {"email": EMAILS[who], "password": PASSWORD, "next": "/"},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        browser.get("/")  # signing in starts a new session, with a new CSRF token
        return browser

    yield sign_in
    for client in clients:
        client.__exit__(None, None, None)
