"""Browser sessions live on the server: signing out, a password change and "sign out
everywhere" end them at once, in every server process, and a copied cookie stops working."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from typer.testing import CliRunner

from companion.accounts import passwords
from companion.accounts import service as accounts
from companion.accounts.models import LinkPurpose, Role, WebSession
from companion.accounts.principal import CLI
from companion.audit.models import AuditEvent
from companion.cli import app as cli
from companion.db.base import utcnow
from companion.runtime import Services
from tests.helpers import TEST_ACTOR, app_for, bearer, make_user, point_cli_at
from tests.relationships.conftest import World
from tests.web.conftest import EMAILS, PASSWORD, Browser

COOKIE = "mc_session"
NEW_PASSWORD = "a different long password"


def signed_in(client: TestClient) -> bool:
    response = client.get("/", follow_redirects=False)
    assert response.status_code in (200, 303), response.text
    return response.status_code == 200


def replay(services: Services, cookie: str) -> bool:
    """Whether a client that knows nothing but a copied session cookie is signed in."""
    with TestClient(app_for(services), cookies={COOKIE: cookie}) as client:
        return signed_in(client)


def actions(services: Services) -> list[str]:
    with services.sessions() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def user_id(services: Services, who: str) -> int:
    with services.sessions() as session:
        return accounts.get_by_email(session=session, email=EMAILS[who]).id


class TestSignOut:
    def test_a_cookie_saved_before_sign_out_is_refused_after_it(self, web: World, browser_for):
        maya = browser_for("maya")
        saved = maya.client.cookies[COOKIE]
        assert replay(web.services, saved)
        assert maya.post("/logout", follow_redirects=False).status_code == 303
        assert not replay(web.services, saved)
        assert "web_session.ended" in actions(web.services)

    def test_signing_out_ends_only_that_browser(self, web: World, browser_for) -> None:
        at_work, at_home = browser_for("maya"), browser_for("maya")
        at_work.post("/logout")
        assert not signed_in(at_work.client)
        assert signed_in(at_home.client)

    def test_sign_out_in_one_process_is_seen_by_another(self, web: World, browser_for) -> None:
        """Two server processes on one database: the second refuses what the first ended."""
        second = Services(web.services.settings, encoder=web.services.encoder)
        try:
            maya = browser_for("maya")
            saved = maya.client.cookies[COOKIE]
            assert replay(second, saved)
            maya.post("/logout")
            assert not replay(second, saved)
        finally:
            second.close()


class TestSignIn:
    def test_sign_in_starts_a_new_session_and_keeps_only_a_digest(self, web: World) -> None:
        with TestClient(app_for(web.services)) as client:
            browser = Browser(client)
            browser.get("/login")
            before = client.cookies[COOKIE]
            browser.post("/login", {"email": EMAILS["maya"], "password": PASSWORD})
            after = client.cookies[COOKIE]
        assert after != before
        assert not replay(web.services, before)
        assert replay(web.services, after)
        with web.services.sessions() as session:
            rows = session.scalars(select(WebSession)).all()
        assert len(rows) == 1 and len(rows[0].token_hash) == 64
        assert rows[0].user_id == user_id(web.services, "maya")
        assert "web_session.started" in actions(web.services)

    def test_an_expired_session_is_signed_out(self, web: World, browser_for) -> None:
        maya = browser_for("maya")
        with web.services.sessions() as session:
            session.execute(update(WebSession).values(expires_at=utcnow() - timedelta(seconds=1)))
            session.commit()
        assert not signed_in(maya.client)

    def test_a_deactivated_account_is_signed_out(self, web: World, browser_for) -> None:
        maya = browser_for("maya")
        with web.services.sessions() as session:
            accounts.get_by_email(session=session, email=EMAILS["maya"]).is_active = False
            session.commit()
        assert not signed_in(maya.client)

    def test_last_seen_is_written_coarsely(self, web: World, browser_for) -> None:
        """A write on every page would serialise readers on SQLite."""
        maya = browser_for("maya")
        with web.services.sessions() as session:
            first = session.scalars(select(WebSession.last_seen_at)).one()
        maya.get("/")
        with web.services.sessions() as session:
            assert session.scalars(select(WebSession.last_seen_at)).one() == first
            an_hour_ago = utcnow() - timedelta(hours=1)
            session.execute(update(WebSession).values(last_seen_at=an_hour_ago))
            session.commit()
        maya.get("/")
        with web.services.sessions() as session:
            assert session.scalars(select(WebSession.last_seen_at)).one() > an_hour_ago

    def test_accepting_an_invitation_starts_a_server_side_session(self, web: World) -> None:
        with web.services.sessions() as session:
            pia = accounts.get_by_email(session=session, email=EMAILS["pia"])
            pia.password_hash = None
            token = passwords.issue_link(
                session=session, user=pia, purpose=LinkPurpose.invite, actor=TEST_ACTOR
            )
            session.commit()
        with TestClient(app_for(web.services)) as client:
            browser = Browser(client)
            browser.get(f"/invite/{token}")
            browser.post(f"/invite/{token}", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
            assert signed_in(client)
            saved = client.cookies[COOKIE]
        with web.services.sessions() as session:
            assert session.scalars(select(WebSession.user_id)).all() == [pia.id]
            session.execute(update(WebSession).values(ended_at=utcnow()))
            session.commit()
        assert not replay(web.services, saved)


class TestPasswordChange:
    def test_changing_the_password_ends_every_other_session(self, web: World, browser_for):
        at_work, at_home = browser_for("maya"), browser_for("maya")
        saved = at_work.client.cookies[COOKIE]
        at_work.get("/account")
        changed = at_work.post(
            "/account/password",
            {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
            follow_redirects=False,
        )
        assert changed.status_code == 303, changed.text
        assert signed_in(at_work.client), "the browser that changed it stays signed in"
        assert at_work.client.cookies[COOKIE] != saved
        assert not signed_in(at_home.client)
        assert not replay(web.services, saved)
        with web.services.sessions() as session:
            assert passwords.authenticate(
                session=session, email=EMAILS["maya"], password=NEW_PASSWORD
            )

    def test_a_wrong_current_password_changes_nothing(self, web: World, browser_for) -> None:
        maya = browser_for("maya")
        maya.get("/account")
        refused = maya.post(
            "/account/password",
            {
                "current_password": "not it at all",
                "password": NEW_PASSWORD,
                "confirm": NEW_PASSWORD,
            },
        )
        assert refused.status_code == 422
        assert 'id="f-current_password" name="current_password" type="password"' in refused.text
        assert 'aria-describedby="e-current_password"' in refused.text
        mismatched = maya.post(
            "/account/password",
            {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": "something else"},
        )
        assert mismatched.status_code == 422 and "not the same" in mismatched.text
        assert signed_in(maya.client)
        with web.services.sessions() as session:
            assert passwords.authenticate(session=session, email=EMAILS["maya"], password=PASSWORD)

    def test_a_password_set_elsewhere_ends_every_session(self, web: World, browser_for) -> None:
        """A reset (here by the operator) signs out every browser of the account."""
        maya = browser_for("maya")
        with web.services.sessions() as session:
            user = accounts.get_by_email(session=session, email=EMAILS["maya"])
            passwords.set_password(
                session=session, user=user, password=NEW_PASSWORD, actor=TEST_ACTOR
            )
            session.commit()
        assert not signed_in(maya.client)


class TestSignOutEverywhere:
    def test_the_owner_signs_out_everywhere_from_the_account_page(self, web, browser_for):
        at_work, at_home, nora = browser_for("maya"), browser_for("maya"), browser_for("nora")
        page = at_work.get("/account")
        assert page.status_code == 200 and "Sign out everywhere" in page.text
        assert 'href="/account"' in page.text
        done = at_work.post("/account/sessions/end", follow_redirects=False)
        assert done.status_code == 303
        assert not signed_in(at_work.client) and not signed_in(at_home.client)
        assert signed_in(nora.client)
        assert "web_sessions.ended_everywhere" in actions(web.services)

    def test_an_administrator_signs_anyone_out_everywhere(self, web: World, browser_for):
        with web.services.sessions() as session:
            _, admin = make_user(session, "admin@example.org", (Role.admin, None))
        maya = browser_for("maya")
        ended = web.client.post(
            f"/api/v1/users/{user_id(web.services, 'maya')}/sessions/end", headers=bearer(admin)
        )
        assert ended.status_code == 200, ended.text
        assert ended.json()["sessions_ended"] == 1
        assert not signed_in(maya.client)

    @pytest.mark.parametrize("who", ["org", "lead", "nora"])
    def test_nobody_else_may(self, web: World, browser_for, who: str) -> None:
        maya = browser_for("maya")
        refused = web.client.post(
            f"/api/v1/users/{user_id(web.services, 'maya')}/sessions/end", headers=web.headers(who)
        )
        assert refused.status_code in (403, 404)
        assert refused.json()["error"]["code"] in ("permission_denied", "not_found")
        assert signed_in(maya.client)

    def test_an_administrator_asking_for_nobody_gets_404(self, web: World) -> None:
        with web.services.sessions() as session:
            _, admin = make_user(session, "admin@example.org", (Role.admin, None))
        missing = web.client.post("/api/v1/users/99999/sessions/end", headers=bearer(admin))
        assert missing.status_code == 404

    def test_the_operator_signs_anyone_out_everywhere(self, web, browser_for, monkeypatch):
        point_cli_at(monkeypatch, web.services.settings)
        maya = browser_for("maya")
        result = CliRunner().invoke(cli, ["users", "sign-out-everywhere", EMAILS["maya"]])
        assert result.exit_code == 0, result.output
        assert "1" in result.output
        assert not signed_in(maya.client)
        unknown = CliRunner().invoke(cli, ["users", "sign-out-everywhere", "nobody@example.org"])
        assert unknown.exit_code == 1 and "nobody@example.org" in unknown.output

    def test_the_service_takes_a_principal(self, web: World, browser_for) -> None:
        from companion.accounts import web_sessions
        from companion.errors import PermissionDenied

        maya = browser_for("maya")
        with web.services.sessions() as session:
            nora = accounts.get_by_email(session=session, email=EMAILS["nora"])
            with pytest.raises(PermissionDenied):
                web_sessions.sign_out_everywhere(
                    session=session, principal=nora, user_id=user_id(web.services, "maya")
                )
            assert (
                web_sessions.sign_out_everywhere(
                    session=session, principal=CLI, user_id=user_id(web.services, "maya")
                )
                == 1
            )
            session.commit()
        assert not signed_in(maya.client)
