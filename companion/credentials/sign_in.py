"""Signing in with a password, and changing one's own: throttled, and each starts a new
browser session."""

from __future__ import annotations

from sqlalchemy.orm import Session

from companion.accounts import passwords, throttle, web_sessions
from companion.accounts.models import User
from companion.accounts.web_sessions import StartedSession
from companion.credentials import service as credentials
from companion.errors import InvalidInput, PermissionDenied, Unauthenticated
from companion.settings import Settings


def sign_in(
    *, session: Session, email: str, password: str, address: str, settings: Settings
) -> StartedSession:
    """A new session for the account with this email and password.

    Raises TooManyRequests while the account or the address is in back-off (the
    password is then not checked), Unauthenticated when they do not match, and
    PermissionDenied where password sign-in is turned off (single sign-on only).
    """
    if not settings.password_sign_in:
        raise PermissionDenied(
            f"Password sign-in is turned off here: sign in with {settings.oidc_provider_name}."
        )
    throttle.check(session=session, email=email, address=address)
    try:
        user = passwords.authenticate(session=session, email=email, password=password)
    except Unauthenticated:
        throttle.record_failure(
            session=session,
            email=email,
            address=address,
            limits=throttle.Limits.from_settings(settings),
        )
        raise
    throttle.clear(session=session, email=email)
    return web_sessions.start(session=session, user=user)


def change_password(
    *,
    session: Session,
    principal: User,
    current_password: str,
    password: str,
    confirm: str,
    revoke_tokens: bool,
    address: str,
    settings: Settings,
) -> StartedSession:
    """Change one's own password, proving the current one first; the owner is told.

    Setting it ends every session of the account, this one too; the returned
    session replaces it, so the person stays signed in only where they are. With
    `revoke_tokens`, every API token of the account is revoked as well.
    Wrong current passwords count against the account like failed sign-ins.
    """
    throttle.check(session=session, email=principal.email, address=address)
    if password != confirm:
        raise InvalidInput(
            "confirm: the two new passwords are not the same.",
            details=[{"field": "confirm", "message": "The two new passwords are not the same."}],
        )
    try:
        credentials.change_password(
            session=session,
            principal=principal,
            current=current_password,
            new=password,
            revoke_tokens=revoke_tokens,
            settings=settings,
        )
    except InvalidInput as exc:
        if any(detail.get("field") == "current_password" for detail in exc.details):
            throttle.record_failure(
                session=session,
                email=principal.email,
                address=address,
                limits=throttle.Limits.from_settings(settings),
            )
        raise
    return web_sessions.start(session=session, user=principal)
