"""API tokens can be listed and revoked by their owner, revoked all at once by an
administrator, and do not outlive a password reset (or, if the owner asks, a change).

Written against the code where a token survived every password change and nobody could
revoke one (security review: "API tokens survive a password change or reset").
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from companion.accounts import passwords
from companion.accounts import service as accounts
from companion.accounts.models import ApiToken, LinkPurpose, Role
from companion.audit.models import AuditEvent
from companion.cli import app as cli
from companion.runtime import Services
from tests.helpers import TEST_ACTOR, app_for, bearer, make_user, point_cli_at
from tests.relationships.conftest import World
from tests.web.conftest import EMAILS, PASSWORD, Browser

NEW_PASSWORD = "a different long password"


def works(web: World, token: str) -> bool:
    answer = web.client.get("/api/v1/me", headers=bearer(token))
    assert answer.status_code in (200, 401), answer.text
    return answer.status_code == 200


def second_token(services: Services, who: str, name: str = "laptop") -> tuple[int, str]:
    """Another token of the person's, (id, plaintext)."""
    with services.sessions() as session:
        user = accounts.get_by_email(session=session, email=EMAILS[who])
        issued = accounts.issue_token(session=session, user=user, name=name, actor=TEST_ACTOR)
        session.commit()
        return issued.token.id, issued.plaintext


def token_ids(services: Services, who: str) -> list[int]:
    with services.sessions() as session:
        user = accounts.get_by_email(session=session, email=EMAILS[who])
        return list(
            session.scalars(
                select(ApiToken.id).where(ApiToken.user_id == user.id).order_by(ApiToken.id)
            )
        )


def user_id(services: Services, who: str) -> int:
    with services.sessions() as session:
        return accounts.get_by_email(session=session, email=EMAILS[who]).id


def audited(services: Services, action: str) -> list[AuditEvent]:
    with services.sessions() as session:
        return list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
            )
        )


def admin_token(services: Services) -> str:
    with services.sessions() as session:
        return make_user(session, "admin@example.org", (Role.admin, None))[1]


class TestListingOwnTokens:
    def test_a_person_lists_their_own_tokens_and_never_a_secret(self, web: World) -> None:
        laptop_id, laptop = second_token(web.services, "maya")
        second_token(web.services, "nora", name="nora's")
        listed = web.client.get("/api/v1/me/tokens", headers=web.headers("maya"))
        assert listed.status_code == 200, listed.text
        rows = listed.json()
        assert [row["id"] for row in rows] == token_ids(web.services, "maya")
        assert {row["name"] for row in rows} == {"test", "laptop"}
        assert all(row["live"] and row["revoked_at"] is None for row in rows)
        assert set(rows[0]) == {"id", "name", "created_at", "last_used_at", "revoked_at", "live"}
        with web.services.sessions() as session:
            digest = session.get(ApiToken, laptop_id).token_hash
        assert laptop not in listed.text and digest not in listed.text
        assert web.tokens["maya"] not in listed.text

    def test_a_revoked_token_is_listed_as_revoked(self, web: World) -> None:
        laptop_id, _ = second_token(web.services, "maya")
        web.client.post(f"/api/v1/me/tokens/{laptop_id}/revoke", headers=web.headers("maya"))
        rows = web.client.get("/api/v1/me/tokens", headers=web.headers("maya")).json()
        laptop = next(row for row in rows if row["id"] == laptop_id)
        assert laptop["live"] is False and laptop["revoked_at"] is not None


class TestRevokingOwnTokens:
    def test_a_person_revokes_one_of_their_tokens_and_it_stops_working(self, web: World):
        laptop_id, laptop = second_token(web.services, "maya")
        assert works(web, laptop)
        revoked = web.client.post(
            f"/api/v1/me/tokens/{laptop_id}/revoke", headers=web.headers("maya")
        )
        assert revoked.status_code == 200, revoked.text
        assert revoked.json()["id"] == laptop_id and revoked.json()["live"] is False
        assert not works(web, laptop)
        assert works(web, web.tokens["maya"]), "her other token keeps working"
        events = audited(web.services, "token.revoked")
        assert [e.data["token_id"] for e in events] == [laptop_id]
        assert events[0].actor_label == EMAILS["maya"]

    def test_someone_elses_token_answers_the_same_404_as_no_token(self, web: World) -> None:
        noras_id, noras = second_token(web.services, "nora")
        theirs = web.client.post(
            f"/api/v1/me/tokens/{noras_id}/revoke", headers=web.headers("maya")
        )
        missing_id = noras_id + 1000
        missing = web.client.post(
            f"/api/v1/me/tokens/{missing_id}/revoke", headers=web.headers("maya")
        )
        assert theirs.status_code == missing.status_code == 404
        assert theirs.json()["error"]["message"] == f"No API token with id {noras_id}."
        assert theirs.content == missing.content.replace(
            str(missing_id).encode(), str(noras_id).encode()
        )
        assert works(web, noras)
        assert audited(web.services, "token.revoked") == []

    def test_revoking_the_token_in_use_is_allowed_and_ends_it(self, web: World) -> None:
        [own_id] = token_ids(web.services, "maya")
        revoked = web.client.post(f"/api/v1/me/tokens/{own_id}/revoke", headers=web.headers("maya"))
        assert revoked.status_code == 200, revoked.text
        assert not works(web, web.tokens["maya"])
        again = web.client.get("/api/v1/me/tokens", headers=web.headers("maya"))
        assert again.status_code == 401


class TestAccountPage:
    def test_the_page_lists_tokens_with_a_revoke_form_per_live_token(self, web, browser_for):
        laptop_id, laptop = second_token(web.services, "maya")
        [first_id, _] = token_ids(web.services, "maya")
        maya = browser_for("maya")
        web.client.post(f"/api/v1/me/tokens/{first_id}/revoke", headers=web.headers("maya"))
        page = maya.get("/account")
        assert page.status_code == 200
        assert "API tokens" in page.text and "laptop" in page.text
        forms = re.findall(
            r'<form method="post" action="([^"]+)"[^>]*>\s*<input[^>]*csrf_token', page.text
        )
        assert f"/account/tokens/{laptop_id}/revoke" in forms
        assert f"/account/tokens/{first_id}/revoke" not in page.text, "already revoked"
        assert laptop not in page.text
        done = maya.post(f"/account/tokens/{laptop_id}/revoke", follow_redirects=False)
        assert done.status_code == 303 and done.headers["location"] == "/account"
        assert not works(web, laptop)
        assert "is revoked" in maya.get("/account").text

    def test_the_page_refuses_a_revoke_without_the_csrf_token(self, web, browser_for) -> None:
        laptop_id, laptop = second_token(web.services, "maya")
        maya = browser_for("maya")
        maya.get("/account")
        forged = maya.client.post(f"/account/tokens/{laptop_id}/revoke", data={})
        assert forged.status_code == 403
        assert works(web, laptop)
        assert f"/account/tokens/{laptop_id}/revoke" in maya.get("/account").text

    def test_the_page_answers_404_for_someone_elses_token(self, web, browser_for) -> None:
        noras_id, noras = second_token(web.services, "nora")
        [own_id] = token_ids(web.services, "maya")
        maya = browser_for("maya")
        maya.get("/account")
        own = maya.post(f"/account/tokens/{own_id}/revoke", follow_redirects=False)
        assert own.status_code == 303
        refused = maya.post(f"/account/tokens/{noras_id}/revoke", follow_redirects=False)
        assert refused.status_code == 404 and "<html" in refused.text
        assert works(web, noras)


class TestAdministrators:
    def test_an_administrator_revokes_all_of_a_persons_tokens(self, web: World) -> None:
        admin = admin_token(web.services)
        _, laptop = second_token(web.services, "maya")
        answer = web.client.post(
            f"/api/v1/users/{user_id(web.services, 'maya')}/tokens/revoke", headers=bearer(admin)
        )
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"user_id": user_id(web.services, "maya"), "tokens_revoked": 2}
        assert not works(web, laptop) and not works(web, web.tokens["maya"])
        assert works(web, web.tokens["nora"])
        [event] = audited(web.services, "api_tokens.revoked_all")
        assert event.actor_label == "admin@example.org"
        assert event.subject_id == str(user_id(web.services, "maya"))
        assert event.data["tokens"] == 2

    @pytest.mark.parametrize("who", ["org", "lead", "nora"])
    def test_coordinators_and_others_may_not(self, web: World, who: str) -> None:
        refused = web.client.post(
            f"/api/v1/users/{user_id(web.services, 'maya')}/tokens/revoke",
            headers=web.headers(who),
        )
        # Like every administrators' route: refused before anything is looked up.
        assert refused.status_code == 403, refused.text
        assert refused.json()["error"]["code"] == "permission_denied"
        assert works(web, web.tokens["maya"])
        assert audited(web.services, "api_tokens.revoked_all") == []

    def test_an_administrator_asking_for_nobody_gets_404(self, web: World) -> None:
        admin = admin_token(web.services)
        missing = web.client.post("/api/v1/users/99999/tokens/revoke", headers=bearer(admin))
        assert missing.status_code == 404
        assert missing.json()["error"]["message"] == "No user with id 99999."

    def test_the_operator_revokes_all_of_a_persons_tokens(self, web, monkeypatch) -> None:
        point_cli_at(monkeypatch, web.services.settings)
        _, laptop = second_token(web.services, "maya")
        result = CliRunner().invoke(cli, ["users", "revoke-tokens", EMAILS["maya"]])
        assert result.exit_code == 0, result.output
        assert "2" in result.output
        assert not works(web, laptop) and not works(web, web.tokens["maya"])
        assert works(web, web.tokens["nora"])
        [event] = audited(web.services, "api_tokens.revoked_all")
        assert event.actor_label.startswith("cli:")
        unknown = CliRunner().invoke(cli, ["users", "revoke-tokens", "nobody@example.org"])
        assert unknown.exit_code == 1 and "nobody@example.org" in unknown.output


class TestPasswords:
    def test_a_reset_by_emailed_link_revokes_every_token(self, web: World, browser_for) -> None:
        _, laptop = second_token(web.services, "maya")
        signed_in_elsewhere = browser_for("maya")
        with web.services.sessions() as session:
            maya = accounts.get_by_email(session=session, email=EMAILS["maya"])
            link = passwords.issue_link(
                session=session, user=maya, purpose=LinkPurpose.reset, actor=TEST_ACTOR
            )
            session.commit()
        with TestClient(app_for(web.services)) as client:
            browser = Browser(client)
            assert browser.get(f"/reset/{link}").status_code == 200
            done = browser.post(
                f"/reset/{link}",
                {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
                follow_redirects=False,
            )
            assert done.status_code == 303, done.text
        assert not works(web, laptop) and not works(web, web.tokens["maya"])
        assert works(web, web.tokens["nora"])
        assert signed_in_elsewhere.client.get("/", follow_redirects=False).status_code == 303
        [event] = audited(web.services, "api_tokens.revoked_all")
        assert event.data == {"tokens": 2, "reason": "password_reset"}

    def test_accepting_an_invitation_revokes_nothing_of_anyone_else(self, web: World) -> None:
        with web.services.sessions() as session:
            pia = accounts.get_by_email(session=session, email=EMAILS["pia"])
            pia.password_hash = None
            for token in pia.tokens:
                token.revoked_at = token.created_at
            link = passwords.issue_link(
                session=session, user=pia, purpose=LinkPurpose.invite, actor=TEST_ACTOR
            )
            session.commit()
        with TestClient(app_for(web.services)) as client:
            browser = Browser(client)
            browser.get(f"/invite/{link}")
            done = browser.post(
                f"/invite/{link}",
                {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
                follow_redirects=False,
            )
            assert done.status_code == 303, done.text
            # Signed in with the new password, she sees her (revoked) token listed.
            assert "API tokens" in client.get("/account").text
        assert works(web, web.tokens["maya"])
        assert audited(web.services, "api_tokens.revoked_all") == []

    def test_the_change_form_offers_revoking_tokens_ticked_by_default(self, web, browser_for):
        _, laptop = second_token(web.services, "maya")
        maya = browser_for("maya")
        page = maya.get("/account")
        box = re.search(r'<input type="checkbox"[^>]*name="revoke_tokens"[^>]*>', page.text)
        assert box, "no checkbox to revoke tokens on the password form"
        assert " checked" in box.group(0)
        assert "Also revoke my API tokens" in page.text
        # Unticked (a browser then sends no field): the tokens keep working.
        changed = maya.post(
            "/account/password",
            {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
            follow_redirects=False,
        )
        assert changed.status_code == 303, changed.text
        assert works(web, laptop) and works(web, web.tokens["maya"])
        assert audited(web.services, "api_tokens.revoked_all") == []

    def test_a_change_with_the_box_ticked_revokes_every_token(self, web, browser_for) -> None:
        _, laptop = second_token(web.services, "maya")
        maya = browser_for("maya")
        maya.get("/account")
        changed = maya.post(
            "/account/password",
            {
                "current_password": PASSWORD,
                "password": NEW_PASSWORD,
                "confirm": NEW_PASSWORD,
                "revoke_tokens": "yes",
            },
            follow_redirects=False,
        )
        assert changed.status_code == 303, changed.text
        assert not works(web, laptop) and not works(web, web.tokens["maya"])
        assert works(web, web.tokens["nora"])
        [event] = audited(web.services, "api_tokens.revoked_all")
        assert event.data == {"tokens": 2, "reason": "password_changed"}
        assert "API tokens are revoked" in maya.get("/account").text

    def test_a_refused_change_revokes_nothing_and_keeps_the_choice(self, web, browser_for):
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
        box = re.search(r'<input type="checkbox"[^>]*name="revoke_tokens"[^>]*>', refused.text)
        assert box and " checked" not in box.group(0), "unticked, as it was sent"
        assert works(web, web.tokens["maya"])


class TestMakingATokenAgain:
    """After revoking, a person needs a way to get a new token: the account page (a
    browser signed in with a password or the provider), never the API, where a leaked
    token could mint others that outlive its revocation."""

    def test_the_account_page_makes_one_and_shows_it_once(self, web, browser_for) -> None:
        maya = browser_for("maya")
        maya.get("/account")
        made = maya.post("/account/tokens", {"name": "weekly export"})
        assert made.status_code == 201, made.text
        (token,) = re.findall(r'<code class="token">(mc_[\w-]+)</code>', made.text)
        assert made.headers["cache-control"] == "no-store"
        assert works(web, token)
        again = maya.get("/account").text
        assert "weekly export" in again and token not in again
        [event] = audited(web.services, "token.issued")[-1:]
        assert event.actor_label == EMAILS["maya"]

    def test_a_name_is_required_and_live_tokens_have_a_ceiling(self, web, browser_for) -> None:
        maya = browser_for("maya")
        maya.get("/account")
        unnamed = maya.post("/account/tokens", {"name": "  "})
        assert unnamed.status_code == 422 and "Token name must be" in unnamed.text
        while len(token_ids(web.services, "maya")) < 20:
            second_token(web.services, "maya", name=f"t{len(token_ids(web.services, 'maya'))}")
        full = maya.post("/account/tokens", {"name": "one more"})
        assert full.status_code == 409 and "revoke one" in full.text
        assert len(token_ids(web.services, "maya")) == 20

    def test_the_api_makes_no_token(self, web: World) -> None:
        minted = web.client.post(
            "/api/v1/me/tokens", json={"name": "more"}, headers=web.headers("maya")
        )
        assert minted.status_code == 405
        assert len(token_ids(web.services, "maya")) == 1

    def test_the_operator_gives_an_account_a_new_token(self, web, monkeypatch) -> None:
        point_cli_at(monkeypatch, web.services.settings)
        result = CliRunner().invoke(cli, ["users", "issue-token", EMAILS["maya"], "--name", "ci"])
        assert result.exit_code == 0, result.output
        (token,) = re.findall(r"mc_[\w-]+", result.output)
        assert works(web, token)
