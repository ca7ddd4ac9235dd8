"""Each person's own settings (page and API), and the one-click unsubscribe link: it turns
off one kind for one person, and nothing a forger makes of it does anything."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from companion.accounts.models import User
from companion.audit.models import AuditEvent
from companion.notifications import preferences
from companion.notifications.models import Kind, NotificationPreference
from tests.helpers import app_for
from tests.notifications.conftest import Post, later, parts
from tests.relationships.conftest import World
from tests.web.conftest import browser_for, web  # noqa: F401

SECRET_OF_ANOTHER_SERVER = "another server's secret key, 32+ chars"


def chosen(world: World, email: str) -> dict[str, str]:
    """What the person has chosen, kind by kind (defaults are not stored)."""
    with world.services.sessions() as session:
        user = session.scalars(select(User).where(User.email == email)).one()
        return {
            row.kind.value: row.delivery.value
            for row in session.scalars(
                select(NotificationPreference).where(NotificationPreference.user_id == user.id)
            )
        }


def user_id(world: World, email: str) -> int:
    with world.services.sessions() as session:
        return session.scalars(select(User.id).where(User.email == email)).one()


def token(world: World, email: str, kind: Kind | str) -> str:
    secret = world.services.settings.secret_key.get_secret_value()
    return preferences.unsubscribe_token(secret=secret, user_id=user_id(world, email), kind=kind)


@pytest.fixture
def stranger(world: World) -> Iterator[TestClient]:
    """A client with no cookies and no token, as a mail client is."""
    with TestClient(app_for(world.services)) as client:
        yield client


class TestApi:
    def test_every_kind_is_listed_with_its_default(self, world: World) -> None:
        response = world.client.get("/api/v1/me/notifications", headers=world.headers("eli"))
        assert response.status_code == 200
        kinds = {k["kind"]: k for k in response.json()["kinds"]}
        coordinator_kinds = {"stalled_pairs", "matching_runs"}
        assert set(kinds) == {kind.value for kind in Kind} - coordinator_kinds
        assert kinds["thread_messages"]["delivery"] == "digest"
        assert kinds["session_reminder"]["delivery"] == "immediately"
        lead = world.client.get("/api/v1/me/notifications", headers=world.headers("lead"))
        assert {k["kind"] for k in lead.json()["kinds"]} == {kind.value for kind in Kind}

    def test_a_change_is_kept_and_audited_and_a_bad_value_is_named(self, world: World) -> None:
        url = "/api/v1/me/notifications"
        changed = world.client.put(
            url, headers=world.headers("eli"), json={"choices": {"thread_messages": "off"}}
        )
        assert changed.status_code == 200
        assert chosen(world, "eli@example.org") == {"thread_messages": "off"}
        assert chosen(world, "maya@example.org") == {}, "one's own settings only"
        bad = world.client.put(
            url, headers=world.headers("eli"), json={"choices": {"no_such_kind": "off"}}
        )
        assert bad.status_code == 422
        assert bad.json()["error"]["details"][0]["field"] == "no_such_kind"
        with world.services.sessions() as session:
            actions = session.scalars(
                select(AuditEvent.action).where(AuditEvent.action.like("notifications.%"))
            ).all()
        assert actions == ["notifications.preferences_changed"]

    def test_without_a_token_there_are_no_settings(self, world: World) -> None:
        assert world.client.get("/api/v1/me/notifications").status_code == 401


class TestPage:
    def test_the_page_saves_the_choice(self, web: World, browser_for) -> None:  # noqa: F811
        eli = browser_for("eli")
        page = eli.get("/account/notifications")
        assert page.status_code == 200
        tokens = re.findall(r'name="csrf_token" value="([^"]*)"', page.text)
        assert len(tokens) == 2 and all(tokens), "the sign-out form's and this form's"
        assert "New messages in your relationship threads" in page.text
        saved = eli.post(
            "/account/notifications",
            {"thread_messages": "immediately", "session_reminder": "off"},
            follow_redirects=False,
        )
        assert saved.status_code == 303
        assert chosen(web, "eli@example.org") == {
            "thread_messages": "immediately",
            "session_reminder": "off",
        }
        refused = eli.post("/account/notifications", {"thread_messages": "hourly"})
        assert refused.status_code == 422
        assert "choose immediately, digest or off" in refused.text
        assert chosen(web, "eli@example.org")["thread_messages"] == "immediately"

    def test_the_account_page_links_to_it(self, web: World, browser_for) -> None:  # noqa: F811
        account = browser_for("maya").get("/account").text
        assert 'href="/account/notifications"' in account
        tokens = re.findall(r'name="csrf_token" value="([^"]*)"', account)
        assert len(tokens) >= 3 and all(tokens), "every form of the page carries the token"

    def test_signed_out_it_asks_to_sign_in(self, stranger: TestClient) -> None:
        response = stranger.get("/account/notifications", follow_redirects=False)
        assert response.status_code in (302, 303, 401)


class TestUnsubscribe:
    def test_the_link_asks_first_and_then_turns_off_that_kind_only(
        self, world: World, stranger: TestClient
    ) -> None:
        link = f"/notifications/unsubscribe/{token(world, 'eli@example.org', Kind.session_changes)}"
        client = stranger
        page = client.get(link)
        assert page.status_code == 200 and "Unsubscribe" in page.text
        assert chosen(world, "eli@example.org") == {}, "opening the link changes nothing"
        done = client.post(link, data={"List-Unsubscribe": "One-Click"})
        assert done.status_code == 200 and "You are unsubscribed" in done.text
        assert chosen(world, "eli@example.org") == {"session_changes": "off"}
        assert chosen(world, "maya@example.org") == {}

    @pytest.mark.parametrize(
        "forge",
        [
            pytest.param(lambda t, other: t.replace(t.split(".")[0], other, 1), id="another-user"),
            pytest.param(
                lambda t, other: t.replace("session_changes", "thread_messages"), id="kind"
            ),
            pytest.param(
                lambda t, other: t[:-2] + ("AA" if t[-2:] != "AA" else "BB"), id="signature"
            ),
            pytest.param(lambda t, other: t.rsplit(".", 1)[0], id="unsigned"),
            pytest.param(lambda t, other: "١." + t.split(".", 1)[1], id="arabic-digit"),
        ],
    )
    def test_an_altered_link_does_nothing(self, world: World, forge, stranger: TestClient) -> None:
        real = token(world, "eli@example.org", Kind.session_changes)
        forged = forge(real, str(user_id(world, "maya@example.org")))
        assert forged != real
        client = stranger
        assert client.get(f"/notifications/unsubscribe/{forged}").status_code == 404
        assert client.post(f"/notifications/unsubscribe/{forged}").status_code == 404
        assert chosen(world, "eli@example.org") == {}
        assert chosen(world, "maya@example.org") == {}

    def test_a_link_signed_with_another_key_does_nothing(
        self, world: World, stranger: TestClient
    ) -> None:
        forged = preferences.unsubscribe_token(
            secret=SECRET_OF_ANOTHER_SERVER,
            user_id=user_id(world, "eli@example.org"),
            kind=Kind.session_changes,
        )
        assert stranger.post(f"/notifications/unsubscribe/{forged}").status_code == 404
        assert chosen(world, "eli@example.org") == {}

    def test_the_digest_link_turns_off_what_is_in_the_digest_only(
        self, world: World, stranger: TestClient
    ) -> None:
        world.client.put(
            "/api/v1/me/notifications",
            headers=world.headers("eli"),
            json={"choices": {"goal_shared": "digest"}},
        )
        link = f"/notifications/unsubscribe/{token(world, 'eli@example.org', 'digest')}"
        assert stranger.post(link).status_code == 200
        assert chosen(world, "eli@example.org") == {
            "goal_shared": "off",
            "thread_messages": "off",
            "stalled_pairs": "off",  # a digest kind too, though Eli coordinates nothing
        }

    def test_the_emails_own_link_works_in_one_click(self, post: Post, stranger: TestClient) -> None:
        response = post.world.client.post(
            f"/api/v1/relationships/{post.world.first}/sessions",
            headers=post.world.headers("maya"),
            json={"starts_at": later(72).isoformat()},
        )
        assert response.status_code == 201
        post.run()
        (email,) = post.take()["eli@example.org"]
        header = email["List-Unsubscribe"].strip("<>")
        assert header in parts(email)[0] and header in parts(email)[1]
        path = header.removeprefix("https://mentoring.example.org")
        # RFC 8058: the mail client POSTs this body to the link, with no cookies.
        answer = stranger.post(
            path,
            content=b"List-Unsubscribe=One-Click",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert answer.status_code == 200
        assert chosen(post.world, "eli@example.org") == {"session_proposed": "off"}
        with post.world.services.sessions() as session:
            assert (
                session.scalar(
                    select(func.count()).where(AuditEvent.action == "notifications.unsubscribed")
                )
                == 1
            )
