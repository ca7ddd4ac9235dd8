"""Single sign-on end to end: the app, a real OpenID Connect provider process, and a browser.

`oidc-provider-mock` is the provider for every case it can produce. It always
issues ID tokens to the client that asked, so the wrong-audience case uses a
small provider of our own (below) that signs its tokens with a real RSA key.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlencode, urlparse

import httpx
import pytest
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from sqlalchemy import func, select

from companion.accounts import passwords
from companion.accounts import service as accounts
from companion.accounts.models import Role, User, WebSession
from companion.audit.models import AuditEvent
from companion.identity.models import ExternalIdentity
from tests.helpers import TEST_ACTOR
from tests.identity.conftest import CLIENT_ID
from tests.web.conftest import csrf_of

PASSWORD = "correct horse battery"


def add_person(services, email: str, *roles: tuple[Role, int | None], password: bool = False):
    with services.sessions() as session:
        user = accounts.create(
            session=session,
            email=email,
            display_name=email.split("@")[0].title(),
            roles=list(roles) or [(Role.mentee, None)],
            actor=TEST_ACTOR,
        )
        if password:
            passwords.set_password(session=session, user=user, password=PASSWORD, actor=TEST_ACTOR)
        session.commit()
        return user.id


def at_provider(provider: str, sub: str, claims: dict) -> None:
    response = httpx.put(f"{provider}/users/{quote(sub, safe='')}", json=claims)
    assert response.status_code == 204


def start(client: TestClient) -> str:
    """Open the sign-in button; returns the provider's authorization URL."""
    response = client.get("/login/sso", follow_redirects=False)
    assert response.status_code == 303, response.text
    return response.headers["location"]


def authorize(url: str, sub: str) -> str:
    """The person approves at the provider; returns where it sends the browser back."""
    response = httpx.post(url, data={"sub": sub})
    assert response.status_code == 302, response.text
    return response.headers["location"]


def sso_sign_in(client: TestClient, provider: str, sub: str, claims: dict | None = None):
    if claims is not None:
        at_provider(provider, sub, claims)
    callback = authorize(start(client), sub)
    return client.get(callback, follow_redirects=False)


def count(services, model, *where) -> int:
    with services.sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def signed_in_as(client: TestClient) -> str | None:
    page = client.get("/account", follow_redirects=False)
    if page.status_code != 200:
        return None
    return page.text.split("Signed in as <strong>")[1].split("</strong>")[0]


class TestSignIn:
    def test_an_invited_participant_signs_in_and_is_known_by_subject_afterwards(
        self, provider, make_services, client_for
    ):
        services = make_services(provider)
        user_id = add_person(services, "ana@example.org")
        client = client_for(services)
        url = start(client)
        query = parse_qs(urlparse(url).query)
        # State, nonce and PKCE (S256) go to the provider; the secret stays here.
        assert query["client_id"] == [CLIENT_ID]
        assert query["code_challenge_method"] == ["S256"]
        assert query["state"] and query["nonce"] and query["code_challenge"]
        assert "client_secret" not in url
        at_provider(
            provider, "sub-ana", {"email": "ana@example.org", "email_verified": True, "name": "A"}
        )
        answer = client.get(authorize(url, "sub-ana"), follow_redirects=False)
        assert answer.status_code == 303, answer.text
        assert answer.headers["location"] == "/"
        assert signed_in_as(client) == "ana@example.org"
        assert count(services, ExternalIdentity, ExternalIdentity.user_id == user_id) == 1

        # Next time the provider reports another address: the subject still opens Ana's account.
        other = client_for(services)
        at_provider(provider, "sub-ana", {"email": "ana.new@example.org", "email_verified": True})
        assert sso_sign_in(other, provider, "sub-ana").status_code == 303
        assert signed_in_as(other) == "ana@example.org"

    def test_signing_in_starts_a_new_web_session_and_a_planted_cookie_is_not_kept(
        self, provider, make_services, client_for
    ):
        services = make_services(provider)
        user_id = add_person(services, "ben@example.org")
        client = client_for(services)
        client.get("/login")
        before = client.cookies.get("mc_session")
        answer = sso_sign_in(
            client, provider, "sub-ben", {"email": "ben@example.org", "email_verified": True}
        )
        assert answer.status_code == 303
        assert client.cookies.get("mc_session") != before
        assert count(services, WebSession, WebSession.user_id == user_id) == 1

    def test_an_unknown_person_gets_no_account_and_no_access(
        self, provider, make_services, client_for
    ):
        services = make_services(provider)
        client = client_for(services)
        users_before = count(services, User)
        answer = sso_sign_in(
            client, provider, "sub-zed", {"email": "zed@example.org", "email_verified": True}
        )
        assert answer.status_code == 401
        assert "not linked to an account here" in answer.text
        assert count(services, User) == users_before
        assert count(services, ExternalIdentity) == 0
        assert signed_in_as(client) is None
        assert count(services, AuditEvent, AuditEvent.action == "sso.refused") == 1


class TestRefused:
    def test_an_expired_id_token(self, expiring_provider, make_services, client_for):
        services = make_services(expiring_provider)
        add_person(services, "cy@example.org")
        client = client_for(services)
        answer = sso_sign_in(
            client,
            expiring_provider,
            "sub-cy",
            {"email": "cy@example.org", "email_verified": True},
        )
        assert answer.status_code == 401
        assert "could not be trusted" in answer.text and "expired" in answer.text
        assert signed_in_as(client) is None
        assert count(services, ExternalIdentity) == 0

    def test_a_replayed_state(self, provider, make_services, client_for):
        services = make_services(provider)
        add_person(services, "dee@example.org")
        client = client_for(services)
        at_provider(provider, "sub-dee", {"email": "dee@example.org", "email_verified": True})
        url = start(client)
        cookie = client.cookies.get("mc_session")
        callback = authorize(url, "sub-dee")
        assert client.get(callback, follow_redirects=False).status_code == 303
        # The same answer again, with the cookie from before it was used: the state is spent.
        replay = client_for(services)
        replay.cookies.set("mc_session", cookie)
        again = replay.get(callback, follow_redirects=False)
        assert again.status_code == 401
        assert "already completed or has expired" in again.text
        assert signed_in_as(replay) is None

    def test_a_state_from_another_browser(self, provider, make_services, client_for):
        services = make_services(provider)
        add_person(services, "eve@example.org")
        at_provider(provider, "sub-eve", {"email": "eve@example.org", "email_verified": True})
        callback = authorize(start(client_for(services)), "sub-eve")
        victim = client_for(services)
        answer = victim.get(callback, follow_redirects=False)
        assert answer.status_code == 401
        assert "did not start in this browser" in answer.text
        assert signed_in_as(victim) is None

    def test_a_domain_that_is_not_allowed(self, provider, make_services, client_for):
        services = make_services(provider)
        add_person(services, "fay@elsewhere.com")
        client = client_for(services)
        answer = sso_sign_in(
            client, provider, "sub-fay", {"email": "fay@elsewhere.com", "email_verified": True}
        )
        assert answer.status_code == 401
        assert "open only to addresses at example.org" in answer.text
        assert count(services, ExternalIdentity) == 0

    def test_a_linked_person_whose_address_moved_to_another_domain(
        self, provider, make_services, client_for
    ):
        services = make_services(provider)
        add_person(services, "gus@example.org")
        first = client_for(services)
        claims = {"email": "gus@example.org", "email_verified": True}
        assert sso_sign_in(first, provider, "sub-gus", claims).status_code == 303
        moved = {"email": "gus@elsewhere.com", "email_verified": True}
        assert sso_sign_in(client_for(services), provider, "sub-gus", moved).status_code == 401

    @pytest.mark.parametrize("verified", [False, None, "yes"])
    def test_an_email_the_provider_did_not_verify(
        self, provider, make_services, client_for, verified
    ):
        services = make_services(provider)
        add_person(services, "hal@example.org")
        client = client_for(services)
        claims: dict = {"email": "hal@example.org"}
        if verified is not None:
            claims["email_verified"] = verified
        answer = sso_sign_in(client, provider, f"sub-hal-{verified}", claims)
        assert answer.status_code == 401
        assert "did not confirm that it verified your email" in answer.text
        assert count(services, ExternalIdentity) == 0

    def test_the_provider_refuses(self, provider, make_services, client_for):
        services = make_services(provider)
        client = client_for(services)
        response = httpx.post(start(client), data={"action": "deny"})
        answer = client.get(response.headers["location"], follow_redirects=False)
        assert answer.status_code == 401
        assert "did not sign you in (access_denied)" in answer.text


class TestTakeover:
    def test_an_administrators_password_account_is_not_opened_by_the_same_email(
        self, provider, make_services, client_for
    ):
        services = make_services(provider)
        admin_id = add_person(services, "root@example.org", (Role.admin, None), password=True)
        client = client_for(services)
        answer = sso_sign_in(
            client, provider, "sub-intruder", {"email": "root@example.org", "email_verified": True}
        )
        assert answer.status_code == 401
        assert signed_in_as(client) is None
        assert count(services, ExternalIdentity) == 0
        assert count(services, WebSession, WebSession.user_id == admin_id) == 0

    @pytest.mark.parametrize(
        ("roles", "password"),
        [([(Role.mentor, None)], True), ([(Role.admin, None)], False)],
        ids=["a password account", "an administrator without a password"],
    )
    def test_no_account_with_a_password_or_an_administrator_role_is_linked_by_email(
        self, provider, make_services, client_for, roles, password
    ):
        services = make_services(provider)
        add_person(services, "ivy@example.org", *roles, password=password)
        client = client_for(services)
        answer = sso_sign_in(
            client, provider, "sub-ivy", {"email": "ivy@example.org", "email_verified": True}
        )
        assert answer.status_code == 401
        assert count(services, ExternalIdentity) == 0

    def test_an_address_the_provider_gave_someone_new_does_not_open_the_linked_account(
        self, provider, make_services, client_for
    ):
        """A leaver's address reassigned at the provider reaches a new subject with a
        verified email; the account the leaver's own subject opens is not theirs."""
        services = make_services(provider)
        user_id = add_person(services, "kim@example.org")
        first = sso_sign_in(
            client_for(services),
            provider,
            "sub-kim",
            {"email": "kim@example.org", "email_verified": True},
        )
        assert first.status_code == 303
        client = client_for(services)
        answer = sso_sign_in(
            client, provider, "sub-newcomer", {"email": "kim@example.org", "email_verified": True}
        )
        assert answer.status_code == 401
        assert signed_in_as(client) is None
        assert count(services, ExternalIdentity, ExternalIdentity.user_id == user_id) == 1

    def test_the_owner_of_a_password_account_links_the_provider_from_their_account_page(
        self, provider, make_services, client_for
    ):
        services = make_services(provider)
        user_id = add_person(services, "jo@example.org", (Role.admin, None), password=True)
        client = client_for(services)
        page = client.get("/login")
        client.post(
            "/login",
            data={
                "csrf_token": csrf_of(page.text),
                "email": "jo@example.org",
                "password": PASSWORD,
                "next": "/",
            },
        )
        account = client.get("/account")
        assert "Link Example SSO" in account.text
        at_provider(provider, "sub-jo", {"email": "jo@example.org", "email_verified": True})
        linking = client.post(
            "/account/sso/link",
            data={"csrf_token": csrf_of(account.text)},
            follow_redirects=False,
        )
        assert linking.status_code == 303
        back = client.get(authorize(linking.headers["location"], "sub-jo"), follow_redirects=False)
        assert back.status_code == 303 and back.headers["location"] == "/account"
        assert count(services, ExternalIdentity, ExternalIdentity.user_id == user_id) == 1
        # From now on the provider alone opens the account, in any browser.
        assert sso_sign_in(client_for(services), provider, "sub-jo").status_code == 303

    def test_a_link_started_by_one_person_cannot_be_finished_by_another(
        self, provider, make_services, client_for
    ):
        services = make_services(provider)
        add_person(services, "kim@example.org", password=True)
        owner = client_for(services)
        page = owner.get("/login")
        owner.post(
            "/login",
            data={
                "csrf_token": csrf_of(page.text),
                "email": "kim@example.org",
                "password": PASSWORD,
                "next": "/",
            },
        )
        account = owner.get("/account")
        linking = owner.post(
            "/account/sso/link",
            data={"csrf_token": csrf_of(account.text)},
            follow_redirects=False,
        )
        at_provider(provider, "sub-mallory", {"email": "m@example.org", "email_verified": True})
        callback = authorize(linking.headers["location"], "sub-mallory")
        stranger = client_for(services)
        assert stranger.get(callback, follow_redirects=False).status_code == 401
        assert count(services, ExternalIdentity) == 0


class TestPasswordSignInOff:
    def test_only_the_provider_signs_people_in(self, provider, make_services, client_for):
        services = make_services(provider, password_sign_in=False)
        add_person(services, "lou@example.org", password=True)
        client = client_for(services)
        page = client.get("/login")
        assert "Sign in with Example SSO" in page.text
        assert 'name="password"' not in page.text
        token = csrf_of(client.get("/forgot").text)
        refused = client.post(
            "/login",
            data={
                "csrf_token": token,
                "email": "lou@example.org",
                "password": PASSWORD,
                "next": "/",
            },
        )
        assert refused.status_code == 403
        assert "Password sign-in is turned off" in refused.text
        assert signed_in_as(client) is None
        forgot = client.post("/forgot", data={"csrf_token": token, "email": "lou@example.org"})
        assert forgot.status_code == 422
        # The provider still signs people in, and nobody is offered a password to change.
        add_person(services, "mo@example.org")
        claims = {"email": "mo@example.org", "email_verified": True}
        assert sso_sign_in(client, provider, "sub-mo", claims).status_code == 303
        account = client.get("/account")
        assert account.status_code == 200 and "Signed in as <strong>mo@example.org" in account.text
        assert "Change your password" not in account.text

    def test_with_sso_on_the_sign_in_page_offers_both(self, provider, make_services, client_for):
        client = client_for(make_services(provider))
        page = client.get("/login?next=/review")
        assert 'href="/login/sso?next=/review"' in page.text
        assert 'name="password"' in page.text


class TestDeactivated:
    def test_a_deactivated_person_cannot_sign_in_by_either_path(
        self, provider, make_services, client_for
    ):
        services = make_services(provider)
        user_id = add_person(services, "max@example.org", password=True)
        with services.sessions() as session:
            user = session.get(User, user_id)
            user.password_hash = None
            session.commit()
        claims = {"email": "max@example.org", "email_verified": True}
        assert sso_sign_in(client_for(services), provider, "sub-max", claims).status_code == 303
        with services.sessions() as session:
            user = session.get(User, user_id)
            passwords.set_password(session=session, user=user, password=PASSWORD, actor=TEST_ACTOR)
            user.is_active = False
            session.commit()
        client = client_for(services)
        answer = sso_sign_in(client, provider, "sub-max")
        assert answer.status_code == 401 and "deactivated" in answer.text
        page = client.get("/login")
        by_password = client.post(
            "/login",
            data={
                "csrf_token": csrf_of(page.text),
                "email": "max@example.org",
                "password": PASSWORD,
                "next": "/",
            },
        )
        assert by_password.status_code == 401
        assert signed_in_as(client) is None


@contextmanager
def own_provider(audience: str) -> Iterator[str]:
    """A small OpenID provider of our own that signs ID tokens for `audience`."""
    key = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    nonces: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def _json(self, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            url = urlparse(self.path)
            if url.path == "/.well-known/openid-configuration":
                self._json(
                    {
                        "issuer": issuer,
                        "authorization_endpoint": f"{issuer}/authorize",
                        "token_endpoint": f"{issuer}/token",
                        "jwks_uri": f"{issuer}/jwks",
                    }
                )
            elif url.path == "/jwks":
                self._json(KeySet([key]).as_dict(private=False))
            elif url.path == "/authorize":
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                code = secrets.token_urlsafe(16)
                nonces[code] = query["nonce"]
                target = (
                    query["redirect_uri"] + "?" + urlencode({"code": code, "state": query["state"]})
                )
                self.send_response(302)
                self.send_header("Location", target)
                self.end_headers()

        def do_POST(self) -> None:
            body = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
            now = int(time.time())
            claims = {
                "iss": issuer,
                "sub": "sub-own",
                "aud": audience,
                "iat": now,
                "exp": now + 300,
                "nonce": nonces.pop(body["code"][0]),
                "email": "ola@example.org",
                "email_verified": True,
            }
            token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key)
            self._json({"access_token": "at", "token_type": "Bearer", "id_token": token})

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    issuer = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield issuer
    finally:
        server.shutdown()
        server.server_close()


class TestAudience:
    def test_an_id_token_issued_to_another_application_is_refused(self, make_services, client_for):
        with own_provider(audience="someone-elses-app") as issuer:
            services = make_services(issuer)
            add_person(services, "ola@example.org")
            client = client_for(services)
            callback = httpx.get(start(client)).headers["location"]
            answer = client.get(callback, follow_redirects=False)
        assert answer.status_code == 401
        assert "could not be trusted" in answer.text and "aud" in answer.text
        assert signed_in_as(client) is None

    def test_the_same_provider_with_our_audience_signs_in(self, make_services, client_for):
        with own_provider(audience=CLIENT_ID) as issuer:
            services = make_services(issuer)
            add_person(services, "ola@example.org")
            client = client_for(services)
            callback = httpx.get(start(client)).headers["location"]
            assert client.get(callback, follow_redirects=False).status_code == 303
        assert signed_in_as(client) == "ola@example.org"
