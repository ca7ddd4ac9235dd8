"""Passwords (Argon2id) and the one-time links that set one (invitations, resets)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from argon2 import Parameters, PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from companion.accounts import api_tokens, web_sessions
from companion.accounts.models import ApiToken, Invitation, LinkPurpose, User
from companion.accounts.service import hash_token, normalise_email
from companion.audit import service as audit
from companion.audit.service import Actor
from companion.db.base import utcnow
from companion.errors import InvalidInput, NotFound, Unauthenticated

MIN_LENGTH = 12
MAX_LENGTH = 200
INVITATION_DAYS = 14
RESET_HOURS = 1
LINK_LIFETIME = {
    LinkPurpose.invite: timedelta(days=INVITATION_DAYS),
    LinkPurpose.reset: timedelta(hours=RESET_HOURS),
}
# Argon2id with the RFC 9106 low-memory profile (64 MiB, three passes): argon2-cffi's
# default, named here so that a test can hold it.
PARAMETERS = profiles.RFC_9106_LOW_MEMORY
_hasher = PasswordHasher.from_parameters(PARAMETERS)
# Verifying against this when the email is unknown keeps the timing the same.
_DUMMY_HASH = _hasher.hash("a password nobody has")


def use_parameters(parameters: Parameters) -> None:
    """Hash and verify with other argon2 parameters from now on, in this process.

    For the test suite only, which signs hundreds of people in: it uses argon2's
    cheapest profile (`tests/conftest.py`). A stored hash records its own
    parameters, so hashes made before still verify, and are rehashed on sign-in.
    """
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher.from_parameters(parameters)
    _DUMMY_HASH = _hasher.hash("a password nobody has")


def check_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise InvalidInput(
            f"password: use at least {MIN_LENGTH} characters (a few words make a good one).",
            details=[{"field": "password", "message": "too short"}],
        )
    if len(password) > MAX_LENGTH:
        raise InvalidInput(
            f"password: at most {MAX_LENGTH} characters.",
            details=[{"field": "password", "message": "too long"}],
        )


def set_password(*, session: Session, user: User, password: str, actor: Actor) -> None:
    check_strength(password)
    user.password_hash = _hasher.hash(password)
    web_sessions.end_all(session=session, user_id=user.id)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="users.password_set",
        subject_type="user",
        subject_id=user.id,
    )


def authenticate(*, session: Session, email: str, password: str) -> User:
    """The active user with this email and password, or Unauthenticated (one message for all)."""
    try:
        address = normalise_email(email)
    except InvalidInput:
        address = ""
    user = session.scalars(select(User).where(User.email == address)).first() if address else None
    stored = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
        ok = user is not None and user.is_active and user.password_hash is not None
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok:
        raise Unauthenticated("That email and password do not match an account.")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def has_credentials(session: Session, user: User) -> bool:
    """A password, or an API token that still works: someone can already sign in as this."""
    if user.password_hash is not None:
        return True
    live = select(ApiToken.id).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    return session.scalars(live.limit(1)).first() is not None


def new_token() -> str:
    """A one-time token for a link; only its digest is ever stored."""
    return secrets.token_urlsafe(24)


def revoke_links(*, session: Session, user_ids: list[int], purpose: LinkPurpose) -> None:
    """Unused links of these accounts for this purpose stop working."""
    session.execute(
        update(Invitation)
        .where(
            Invitation.user_id.in_(user_ids),
            Invitation.purpose == purpose,
            Invitation.used_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow()),
        execution_options={"synchronize_session": False},
    )


def new_link(
    *,
    user: User,
    purpose: LinkPurpose,
    actor: Actor,
    program_id: int | None = None,
    via_sso: bool = False,
) -> tuple[Invitation, str]:
    """An unsaved link row and its token (only the token's digest is stored)."""
    now = utcnow()
    token = new_token()
    row = Invitation(
        user_id=user.id,
        token_hash=hash_token(token),
        purpose=purpose,
        created_by=actor.label,
        created_at=now,
        expires_at=now + LINK_LIFETIME[purpose],
        program_id=program_id,
        via_sso=via_sso,
        reminders_sent=0,
    )
    return row, token


def issue_link(
    *, session: Session, user: User, purpose: LinkPurpose, actor: Actor, via_sso: bool = False
) -> str:
    """A new one-time token to set `user`'s password; earlier unused ones stop working."""
    revoke_links(session=session, user_ids=[user.id], purpose=purpose)
    row, token = new_link(user=user, purpose=purpose, actor=actor, via_sso=via_sso)
    session.add(row)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="users.invited" if purpose == LinkPurpose.invite else "users.reset_requested",
        subject_type="user",
        subject_id=user.id,
    )
    return token


def invitation(*, session: Session, token: str) -> Invitation:
    """The link a token opens, while it is unused and unexpired; NotFound otherwise."""
    found = session.scalars(
        select(Invitation).where(Invitation.token_hash == hash_token(token))
    ).first()
    if (
        found is None
        or found.used_at is not None
        or found.revoked_at is not None
        # Sent where the provider signs people in: its token was never sent to anyone.
        or found.via_sso
        or found.expires_at < utcnow()
        # An invitation sets a first password; it never replaces one.
        or (found.purpose == LinkPurpose.invite and found.user.password_hash is not None)
        or not found.user.is_active
    ):
        raise NotFound(
            "This link is not valid any more (used, replaced or expired). Ask for a new one "
            'from the sign-in page ("Forgot your password?").'
        )
    return found


def accept(*, session: Session, token: str, password: str) -> tuple[User, LinkPurpose]:
    """Set the password a link is for; the link then stops working. A reset also revokes
    every API token of the account (an invitation finds none: it is only for accounts
    without credentials)."""
    found = invitation(session=session, token=token)
    user = found.user
    owner = Actor(id=user.id, label=user.email)
    set_password(session=session, user=user, password=password, actor=owner)
    if found.purpose == LinkPurpose.reset:
        # A reset is what someone does when the account may be in other hands: whoever
        # holds one of its API tokens is cut off, as every signed-in browser is.
        api_tokens.revoke_live(
            session=session, user_id=user.id, actor=owner, reason="password_reset"
        )
    found.used_at = utcnow()
    session.flush()
    return user, found.purpose
