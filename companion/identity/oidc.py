"""Single sign-on with an OpenID Connect provider: the authorization code flow with PKCE.

A person is recognised by the provider's (issuer, subject), never by an email
they could type. The first time a subject comes back it may be linked to an
account by email, but only when the provider says it verified that email, its
domain is allowed, and the account is one an email alone may open: an invited
participant's, with no password and no administrator role. Anyone else links
the provider from their account page after signing in with their password, or
is turned away: signing in with a provider never creates an account or a role.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import OAuth2Client
from authlib.integrations.httpx_client._compat import httpx2 as authlib_http
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from companion.accounts import policy, web_sessions
from companion.accounts.models import User
from companion.accounts.principal import actor_of
from companion.accounts.service import hash_token, normalise_email
from companion.accounts.web_sessions import StartedSession
from companion.audit import service as audit
from companion.audit.service import Actor
from companion.db.base import utcnow
from companion.errors import (
    Conflict,
    InvalidInput,
    PermissionDenied,
    ServiceUnavailable,
    Unauthenticated,
)
from companion.identity.models import ExternalIdentity, OidcSignIn
from companion.settings import Settings

CALLBACK_PATH = "/login/sso/callback"
# The provider's page may take a while (a password, a second factor), not all day.
SIGN_IN_LIFETIME = timedelta(minutes=15)
# Clocks of two servers differ a little; a token is not refused for seconds of drift.
CLOCK_LEEWAY_SECONDS = 60
METADATA_SECONDS = 3600
HTTP_TIMEOUT_SECONDS = 10.0
SIGNING_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384"]

NOT_LINKED = (
    "Your {provider} account is not linked to an account here. If you sign in here with a "
    "password, do that and link {provider} from your account page; otherwise ask your "
    "program's coordinator to add you."
)


def redirect_uri(settings: Settings) -> str:
    return settings.public_url.rstrip("/") + CALLBACK_PATH


@dataclass
class _Provider:
    metadata: dict[str, Any]
    keys: KeySet
    fetched_at: float


_providers: dict[str, _Provider] = {}
_providers_lock = threading.Lock()


def _get_json(url: str) -> dict[str, Any]:
    try:
        response = httpx.get(url, timeout=HTTP_TIMEOUT_SECONDS, follow_redirects=False)
        response.raise_for_status()
        body = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise ServiceUnavailable(
            f"The sign-in provider could not be reached ({url}): {exc}. Try again shortly."
        ) from None
    if not isinstance(body, dict):
        raise ServiceUnavailable(f"The sign-in provider answered {url} with no JSON object.")
    return body


def _load(issuer: str) -> _Provider:
    metadata = _get_json(f"{issuer}/.well-known/openid-configuration")
    if str(metadata.get("issuer", "")).rstrip("/") != issuer:
        raise ServiceUnavailable(
            f"The provider at {issuer} names itself {metadata.get('issuer')!r}: check "
            "COMPANION_OIDC_ISSUER (it must be the provider's issuer exactly)."
        )
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not metadata.get(key):
            raise ServiceUnavailable(f"The provider at {issuer} publishes no {key}.")
    keys = KeySet.import_key_set(_get_json(metadata["jwks_uri"]))
    return _Provider(metadata=metadata, keys=keys, fetched_at=time.monotonic())


def _provider(issuer: str, *, refresh: bool = False) -> _Provider:
    """The provider's discovery document and signing keys, read once an hour per process
    (and again when a token names a key we have not seen: the provider rotated them)."""
    with _providers_lock:
        known = _providers.get(issuer)
        if refresh or known is None or time.monotonic() - known.fetched_at > METADATA_SECONDS:
            known = _providers[issuer] = _load(issuer)
        return known


def _client(settings: Settings, metadata: dict[str, Any]) -> OAuth2Client:
    methods = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    auth_method = (
        "client_secret_basic" if "client_secret_basic" in methods else "client_secret_post"
    )
    assert settings.oidc_client_secret is not None  # settings refuse an issuer without it
    return OAuth2Client(
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret.get_secret_value(),
        scope=settings.oidc_scopes,
        redirect_uri=redirect_uri(settings),
        code_challenge_method="S256",
        token_endpoint_auth_method=auth_method,
        timeout=HTTP_TIMEOUT_SECONDS,
    )


def _require_sso(settings: Settings) -> str:
    if not settings.oidc_issuer:
        raise PermissionDenied("Single sign-on is not configured on this server.")
    return settings.oidc_issuer


def begin(
    *, session: Session, settings: Settings, next_path: str, link_to: User | None
) -> tuple[str, str]:
    """Start a sign-in: returns the provider's authorization URL and the state, which the
    caller keeps in this browser's cookie to compare when the provider sends it back.

    `link_to` is the signed-in person who is linking the provider to their own account;
    None for a sign-in, which opens only the account the provider's identity is bound to.
    """
    issuer = _require_sso(settings)
    provider = _provider(issuer)
    state = secrets.token_urlsafe(32)
    nonce = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)
    now = utcnow()
    # Sign-ins nobody finished are of no use after they expire; keep a day for incidents.
    session.execute(delete(OidcSignIn).where(OidcSignIn.expires_at < now - timedelta(days=1)))
    session.add(
        OidcSignIn(
            state_hash=hash_token(state),
            nonce=nonce,
            code_verifier=verifier,
            next_path=next_path[:500],
            link_user_id=link_to.id if link_to is not None else None,
            created_at=now,
            expires_at=now + SIGN_IN_LIFETIME,
        )
    )
    session.flush()
    with _client(settings, provider.metadata) as client:
        url, _ = client.create_authorization_url(
            provider.metadata["authorization_endpoint"],
            state=state,
            code_verifier=verifier,
            nonce=nonce,
        )
    return url, state


@dataclass(frozen=True)
class SsoSignIn:
    """A new web session, and the page the person was on their way to."""

    started: StartedSession
    next_path: str


@dataclass(frozen=True)
class Claims:
    """What a validated ID token says about the person."""

    issuer: str
    subject: str
    email: str | None
    email_verified: bool
    name: str | None


def _claim_pending(session: Session, state: str) -> OidcSignIn:
    """The sign-in this state started, marked used at once: a state works for one return."""
    now = utcnow()
    claimed = session.execute(
        update(OidcSignIn)
        .where(
            OidcSignIn.state_hash == hash_token(state),
            OidcSignIn.used_at.is_(None),
            OidcSignIn.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise Unauthenticated(
            "This sign-in was already completed or has expired; start again from the sign-in page."
        )
    return session.scalars(
        select(OidcSignIn).where(OidcSignIn.state_hash == hash_token(state))
    ).one()


def _validate_id_token(settings: Settings, id_token: str, nonce: str) -> Claims:
    issuer = _require_sso(settings)
    provider = _provider(issuer)
    try:
        try:
            token = jwt.decode(id_token, provider.keys, algorithms=SIGNING_ALGORITHMS)
        except ValueError:
            # An unknown key id: the provider may have rotated its keys since we read them.
            token = jwt.decode(
                id_token, _provider(issuer, refresh=True).keys, algorithms=SIGNING_ALGORITHMS
            )
        jwt.JWTClaimsRegistry(
            leeway=CLOCK_LEEWAY_SECONDS,
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": settings.oidc_client_id},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        ).validate(token.claims)
    except (JoseError, ValueError) as exc:
        raise Unauthenticated(
            f"The sign-in provider's answer could not be trusted ({exc}); start again."
        ) from None
    claims = token.claims
    if len(str(claims["sub"])) > 255:
        raise Unauthenticated("The sign-in provider sent a subject longer than 255 characters.")
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != settings.oidc_client_id:
        raise Unauthenticated(
            "The sign-in provider's answer was issued to another application; start again."
        )
    verified = claims.get(settings.oidc_email_verified_claim)
    email = claims.get("email")
    return Claims(
        issuer=issuer,
        subject=str(claims["sub"]),
        email=str(email) if email else None,
        email_verified=verified is True or verified == "true",
        name=str(claims["name"]) if claims.get("name") else None,
    )


def _domain_allowed(settings: Settings, email: str | None) -> bool:
    if not settings.oidc_allowed_domains:
        return True
    if not email or "@" not in email:
        return False
    return email.rsplit("@", 1)[1].lower() in settings.oidc_allowed_domains


def _refuse(session: Session, claims: Claims, reason: str, message: str) -> Unauthenticated:
    audit.record(
        session=session,
        actor=Actor(id=None, label=f"sso:{claims.issuer}"[:320]),
        action="sso.refused",
        subject_type="external_identity",
        subject_id=claims.subject[:100],
        data={"reason": reason, "email": claims.email},
    )
    return Unauthenticated(message)


def _may_link_by_email(session: Session, user: User) -> bool:
    """An email alone may open only an invited participant's account: no password (nothing
    to take over), not deactivated, no administrator role, and no provider account linked
    yet: an address the provider gave a new person (a leaver's, reassigned) must not open
    the account the leaver's own subject is linked to."""
    if not user.is_active or user.password_hash is not None or policy.is_admin(user):
        return False
    linked = select(ExternalIdentity.id).where(ExternalIdentity.user_id == user.id)
    return session.scalars(linked.limit(1)).first() is None


def _link(session: Session, user: User, claims: Claims, how: str) -> ExternalIdentity:
    holder = session.scalars(
        select(ExternalIdentity).where(
            ExternalIdentity.issuer == claims.issuer, ExternalIdentity.subject == claims.subject
        )
    ).first()
    if holder is not None:
        if holder.user_id != user.id:
            raise Conflict(
                "This provider account is already linked to another account here; ask an "
                "administrator."
            )
        return holder
    identity = ExternalIdentity(
        user_id=user.id,
        issuer=claims.issuer,
        subject=claims.subject,
        email_at_link=(claims.email or "")[:320],
    )
    session.add(identity)
    session.flush()
    audit.record(
        session=session,
        actor=actor_of(user),
        action="sso.linked",
        subject_type="user",
        subject_id=user.id,
        data={"issuer": claims.issuer, "subject": claims.subject, "how": how},
    )
    return identity


def complete(
    *,
    session: Session,
    settings: Settings,
    state: str,
    browser_state: str | None,
    code: str | None,
    error: str | None,
    signed_in: User | None,
) -> SsoSignIn:
    """Finish a sign-in the provider sent back: a new web session for the account it opens.

    `browser_state` is the state this browser kept when it started; `signed_in` is who
    this browser is signed in as, which matters only when linking an account.
    """
    provider_name = settings.oidc_provider_name
    if error and not state:
        # A refusal that names no sign-in (some providers leave the state out): nothing to
        # finish, but the person should learn why they are back here.
        raise Unauthenticated(f"{provider_name} did not sign you in ({error[:100]}).")
    if not browser_state or not secrets.compare_digest(state, browser_state):
        raise Unauthenticated(
            "This sign-in did not start in this browser (or was already used); start again "
            "from the sign-in page."
        )
    pending = _claim_pending(session, state)
    if error:
        raise Unauthenticated(f"{provider_name} did not sign you in ({error[:100]}).")
    if not code:
        raise Unauthenticated(f"{provider_name} sent no authorization code; start again.")
    provider = _provider(_require_sso(settings))
    try:
        with _client(settings, provider.metadata) as client:
            tokens = client.fetch_token(
                provider.metadata["token_endpoint"],
                code=code,
                code_verifier=pending.code_verifier,
                grant_type="authorization_code",
            )
    except OAuthError as exc:
        raise Unauthenticated(
            f"{provider_name} refused the sign-in ({exc.error}); start again."
        ) from None
    except (authlib_http.HTTPError, httpx.HTTPError) as exc:  # authlib's client is on httpx2
        raise ServiceUnavailable(f"{provider_name} could not be reached: {exc}.") from None
    if not tokens.get("id_token"):
        raise Unauthenticated(f"{provider_name} sent no ID token; is the 'openid' scope set?")
    claims = _validate_id_token(settings, tokens["id_token"], pending.nonce)
    if not _domain_allowed(settings, claims.email):
        raise _refuse(
            session,
            claims,
            "domain",
            f"Sign-in with {provider_name} is open only to addresses at "
            f"{', '.join(settings.oidc_allowed_domains)}.",
        )
    user = _account_for(session, settings, claims, pending, signed_in)
    if not user.is_active:
        raise _refuse(session, claims, "deactivated", "This account is deactivated.")
    started = web_sessions.start(session=session, user=user)
    audit.record(
        session=session,
        actor=actor_of(user),
        action="sso.signed_in",
        subject_type="user",
        subject_id=user.id,
        data={"issuer": claims.issuer, "web_session_id": started.record.id},
    )
    return SsoSignIn(started=started, next_path=pending.next_path)


def _account_for(
    session: Session,
    settings: Settings,
    claims: Claims,
    pending: OidcSignIn,
    signed_in: User | None,
) -> User:
    provider_name = settings.oidc_provider_name
    if pending.link_user_id is not None:
        if signed_in is None or signed_in.id != pending.link_user_id:
            raise Unauthenticated("Sign in here first, then link your account again.")
        _link(session, signed_in, claims, "by its owner")
        return signed_in
    identity = session.scalars(
        select(ExternalIdentity).where(
            ExternalIdentity.issuer == claims.issuer, ExternalIdentity.subject == claims.subject
        )
    ).first()
    if identity is not None:
        identity.last_sign_in_at = utcnow()
        return session.get(User, identity.user_id)
    if not claims.email or not claims.email_verified:
        raise _refuse(
            session,
            claims,
            "email not verified",
            f"{provider_name} did not confirm that it verified your email address, so it "
            "cannot be matched to an account here. Ask your administrator.",
        )
    try:
        address = normalise_email(claims.email)
    except InvalidInput:
        address = ""
    user = session.scalars(select(User).where(User.email == address)).first() if address else None
    if user is None or not _may_link_by_email(session, user):
        reason = "no account" if user is None else "account needs its owner to link"
        raise _refuse(session, claims, reason, NOT_LINKED.format(provider=provider_name))
    _link(session, user, claims, "by verified email")
    return user
