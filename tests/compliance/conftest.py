"""The small program of the relationship tests, its web browsers, an administrator who
signs in, and the loopback LLM server of drafting."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from companion.accounts import passwords
from companion.accounts.models import Role
from tests.drafting.test_service import grounded, loopback  # noqa: F401
from tests.helpers import TEST_ACTOR, app_for, make_user
from tests.relationships.conftest import World, world  # noqa: F401
from tests.web.conftest import PASSWORD, Browser, browser_for, web  # noqa: F401

ADMIN = "admin@example.org"


@pytest.fixture
def admin_browser(web: World):  # noqa: F811
    """A browser signed in as an administrator of the organisation."""
    with web.services.sessions() as session:
        user, _ = make_user(session, ADMIN, (Role.admin, None))
        passwords.set_password(session=session, user=user, password=PASSWORD, actor=TEST_ACTOR)
        session.commit()
    with TestClient(app_for(web.services)) as client:
        browser = Browser(client)
        browser.get("/login")
        signed = browser.post(
            "/login", {"email": ADMIN, "password": PASSWORD, "next": "/"}, follow_redirects=False
        )
        assert signed.status_code == 303, signed.text
        browser.get("/")
        yield browser
