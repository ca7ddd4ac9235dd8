"""Passwords (Argon2id) and invitation links to set one."""

from __future__ import annotations

import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from companion.accounts import web_sessions
from companion.accounts.models import Invitation, User
from companion.accounts.service import hash_token, normalise_email
from companion.audit import service as audit
from companion.audit.service import Actor
from companion.db.base import utcnow
from companion.errors import InvalidInput, NotFound, Unauthenticated

MIN_LENGTH = 12
MAX_LENGTH = 200
INVITATION_DAYS = 14
_hasher = PasswordHasher()
# Verifying against this when the email is unknown keeps the timing the same.
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


def invite(*, session: Session, user: User, actor: Actor) -> str:
    """A new one-time token for `user` to set their password (valid 14 days)."""
    token = secrets.token_urlsafe(24)
    session.add(
        Invitation(
            user_id=user.id,
            token_hash=hash_token(token),
            created_by=actor.label,
            expires_at=utcnow() + timedelta(days=INVITATION_DAYS),
        )
    )
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="users.invited",
        subject_type="user",
        subject_id=user.id,
    )
    return token


def invitation(*, session: Session, token: str) -> Invitation:
    found = session.scalars(
        select(Invitation).where(Invitation.token_hash == hash_token(token))
    ).first()
    if found is None or found.used_at is not None or found.expires_at < utcnow():
        raise NotFound(
            "This invitation link is not valid any more (used or expired); "
            "ask your coordinator for a new one."
        )
    return found


def accept(*, session: Session, token: str, password: str) -> User:
    found = invitation(session=session, token=token)
    user = session.get(User, found.user_id)
    set_password(
        session=session, user=user, password=password, actor=Actor(id=user.id, label=user.email)
    )
    found.used_at = utcnow()
    session.flush()
    return user
