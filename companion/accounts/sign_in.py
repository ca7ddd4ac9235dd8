"""Signing in with a password, and changing one's own: throttled, and each starts a new
browser session."""

from __future__ import annotations

from sqlalchemy.orm import Session

from companion.accounts import passwords, throttle, web_sessions
from companion.accounts.models import User
from companion.accounts.principal import actor_of
from companion.accounts.web_sessions import StartedSession
from companion.errors import InvalidInput, Unauthenticated


def sign_in(
    *, session: Session, email: str, password: str, address: str, limits: throttle.Limits
) -> StartedSession:
    """A new session for the account with this email and password.

    Raises TooManyRequests while the account or the address is in back-off (the
    password is then not checked), Unauthenticated when they do not match.
    """
    throttle.check(session=session, email=email, address=address)
    try:
        user = passwords.authenticate(session=session, email=email, password=password)
    except Unauthenticated:
        throttle.record_failure(session=session, email=email, address=address, limits=limits)
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
    address: str,
    limits: throttle.Limits,
) -> StartedSession:
    """Change one's own password, proving the current one first.

    Setting it ends every session of the account, this one too; the returned
    session replaces it, so the person stays signed in only where they are.
    Wrong current passwords count against the account like failed sign-ins.
    """
    throttle.check(session=session, email=principal.email, address=address)
    try:
        passwords.authenticate(session=session, email=principal.email, password=current_password)
    except Unauthenticated:
        throttle.record_failure(
            session=session, email=principal.email, address=address, limits=limits
        )
        raise InvalidInput(
            "current_password: that is not your current password.",
            details=[
                {"field": "current_password", "message": "That is not your current password."}
            ],
        ) from None
    if password != confirm:
        raise InvalidInput(
            "confirm: the two new passwords are not the same.",
            details=[{"field": "confirm", "message": "The two new passwords are not the same."}],
        )
    passwords.set_password(
        session=session, user=principal, password=password, actor=actor_of(principal)
    )
    return web_sessions.start(session=session, user=principal)
