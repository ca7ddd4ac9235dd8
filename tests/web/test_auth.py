"""Signing in: passwords, sessions, CSRF, invitations, redirects."""

from __future__ import annotations

from fastapi.testclient import TestClient

from companion.accounts import passwords
from companion.accounts import service as accounts
from companion.accounts.models import LinkPurpose
from tests.helpers import TEST_ACTOR, app_for
from tests.relationships.conftest import World
from tests.web.conftest import PASSWORD, Browser, csrf_of


def test_pages_need_a_sign_in_and_come_back_after_it(web: World) -> None:
    with TestClient(app_for(web.services)) as client:
        first = client.get("/?tab=2", follow_redirects=False)
        assert first.status_code == 303 and first.headers["location"] == "/login?next=/%3Ftab%3D2"
        browser = Browser(client)
        browser.get("/login?next=/%3Ftab%3D2")
        wrong = browser.post("/login", {"email": "maya@example.org", "password": "nope"})
        assert wrong.status_code == 401 and "do not match" in wrong.text
        assert 'aria-invalid="true"' in wrong.text
        right = browser.post(
            "/login",
            {"email": "maya@example.org", "password": PASSWORD, "next": "/?tab=2"},
            follow_redirects=False,
        )
        assert right.headers["location"] == "/?tab=2"
        assert "Welcome, Maya" in browser.get("/").text
        out = browser.post("/logout", follow_redirects=False)
        assert out.status_code == 303
        assert client.get("/", follow_redirects=False).status_code == 303


def test_a_form_without_the_csrf_token_is_refused(web: World) -> None:
    with TestClient(app_for(web.services)) as client:
        client.get("/login")
        forged = client.post("/login", data={"email": "maya@example.org", "password": PASSWORD})
        assert forged.status_code == 403 and "expired" in forged.text


def test_sign_in_never_redirects_to_another_site(web: World) -> None:
    with TestClient(app_for(web.services)) as client:
        browser = Browser(client)
        browser.get("/login")
        response = browser.post(
            "/login",
            {"email": "maya@example.org", "password": PASSWORD, "next": "//evil.example/x"},
            follow_redirects=False,
        )
        assert response.headers["location"] == "/"


def test_an_invitation_sets_a_password_once(web: World) -> None:
    with web.services.sessions() as session:
        user = accounts.get_by_email(session=session, email="pia@example.org")
        user.password_hash = None
        token = passwords.issue_link(
            session=session, user=user, purpose=LinkPurpose.invite, actor=TEST_ACTOR
        )
        session.commit()
    with TestClient(app_for(web.services)) as client:
        page = client.get(f"/invite/{token}")
        assert "pia@example.org" in page.text
        short = client.post(
            f"/invite/{token}",
            data={"csrf_token": csrf_of(page.text), "password": "short", "confirm": "short"},
        )
        assert short.status_code == 422 and "12 characters" in short.text
        done = client.post(
            f"/invite/{token}",
            data={
                "csrf_token": csrf_of(short.text),
                "password": "a long new password",
                "confirm": "a long new password",
            },
            follow_redirects=False,
        )
        assert done.status_code == 303
        assert "Welcome, Pia" in client.get("/").text
        again = client.get(f"/invite/{token}")
        assert again.status_code == 404 and "not valid any more" in again.text


def test_the_api_keeps_answering_json_and_tokens_keep_working(web: World) -> None:
    response = web.client.get("/api/v1/relationships/9999", headers=web.headers("maya"))
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    page = web.client.get("/no-such-page")
    assert page.status_code == 404 and "<html" in page.text
