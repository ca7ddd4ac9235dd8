"""Program pages: the relationships tests' small world, with an administrator who signs in."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from companion.accounts import passwords
from companion.accounts.models import Role
from tests.helpers import TEST_ACTOR, app_for, make_user
from tests.relationships.conftest import World
from tests.web.conftest import PASSWORD, Browser

ADMIN = "admin@example.org"


@pytest.fixture
def as_who(web: World, browser_for):
    """as_who("admin") or as_who("lead"): a Browser signed in as that person."""
    with web.services.sessions() as session:
        admin, _ = make_user(session, ADMIN, (Role.admin, None))
        passwords.set_password(session=session, user=admin, password=PASSWORD, actor=TEST_ACTOR)
        session.commit()
    clients: list[TestClient] = []

    def sign_in(who: str) -> Browser:
        if who != "admin":
            return browser_for(who)
        client = TestClient(app_for(web.services))
        client.__enter__()
        clients.append(client)
        browser = Browser(client)
        browser.get("/login")
        answer = browser.post(
            "/login", {"email": ADMIN, "password": PASSWORD, "next": "/"}, follow_redirects=False
        )
        assert answer.status_code == 303, answer.text
        browser.get("/")
        return browser

    yield sign_in
    for client in clients:
        client.__exit__(None, None, None)
