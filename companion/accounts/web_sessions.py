"""Signed-in browsers, recorded on the server so that they can be ended at once.

The browser's cookie carries a random token; the database keeps only its
SHA-256 digest, with the account, when it started, when it was last seen and
when it expires. A session ends when its owner signs out, when the account's
password is set (changed or reset), or when the owner or an administrator
signs the account out everywhere. Every process checks the same rows, so a
session ended in one is ended in all.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from companion.accounts import policy
from companion.accounts.models import User, WebSession
from companion.accounts.principal import Principal, actor_of
from companion.accounts.service import hash_token
from companion.audit import service as audit
from companion.db.base import utcnow
from companion.errors import NotFound

# Unused for this long, a session ends; however busy, it ends after LIFETIME.
IDLE_TIMEOUT = timedelta(hours=8)
LIFETIME = timedelta(days=7)
# Coarse on purpose: a write on every page request would serialise readers on SQLite.
SEEN_PRECISION = timedelta(minutes=5)
# Ended sessions are kept a while for whoever looks into an incident, then dropped.
KEEP_ENDED = timedelta(days=30)


@dataclass(frozen=True)
class StartedSession:
    """A new session; `token` goes into the browser's cookie and is stored nowhere."""

    user: User
    token: str
    record: WebSession


def start(*, session: Session, user: User) -> StartedSession:
    """Start a session for `user`, whom the caller has just authenticated (a password, an
    invitation). Nothing of an earlier session carries over: the token is new."""
    now = utcnow()
    session.execute(
        delete(WebSession).where(
            WebSession.user_id == user.id,
            or_(WebSession.ended_at < now - KEEP_ENDED, WebSession.expires_at < now - KEEP_ENDED),
        )
    )
    token = secrets.token_urlsafe(32)
    record = WebSession(
        user_id=user.id,
        token_hash=hash_token(token),
        created_at=now,
        last_seen_at=now,
        expires_at=now + IDLE_TIMEOUT,
    )
    session.add(record)
    session.flush()
    audit.record(
        session=session,
        actor=actor_of(user),
        action="web_session.started",
        subject_type="user",
        subject_id=user.id,
        data={"web_session_id": record.id},
    )
    return StartedSession(user=user, token=token, record=record)


def _live(session: Session, token: str) -> WebSession | None:
    now = utcnow()
    return session.scalars(
        select(WebSession).where(
            WebSession.token_hash == hash_token(token),
            WebSession.ended_at.is_(None),
            WebSession.expires_at > now,
        )
    ).first()


def current(*, session: Session, token: str) -> tuple[User, WebSession] | None:
    """The active user a session token belongs to and its record, or None: signed out."""
    record = _live(session, token)
    if record is None:
        return None
    user = session.get(User, record.user_id)
    if user is None or not user.is_active:
        return None
    now = utcnow()
    if now - record.last_seen_at > SEEN_PRECISION:
        record.last_seen_at = now
        record.expires_at = min(now + IDLE_TIMEOUT, record.created_at + LIFETIME)
    return user, record


def end(*, session: Session, token: str) -> None:
    """Sign out: the session this token belongs to ends now. Holding the token is the
    authority; an unknown or already ended token changes nothing."""
    record = _live(session, token)
    if record is None:
        return
    record.ended_at = utcnow()
    user = session.get(User, record.user_id)
    audit.record(
        session=session,
        actor=actor_of(user),
        action="web_session.ended",
        subject_type="user",
        subject_id=record.user_id,
        data={"web_session_id": record.id},
    )


def end_all(*, session: Session, user_id: int) -> int:
    """End every session of an account; the caller has already decided it should (its
    password was just set). Returns how many were still open."""
    result = session.execute(
        update(WebSession)
        .where(WebSession.user_id == user_id, WebSession.ended_at.is_(None))
        .values(ended_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount


def _authorise(principal: Principal, user_id: int) -> None:
    if principal.id != user_id:
        policy.require_admin(principal)


def active(*, session: Session, principal: Principal, user_id: int) -> list[WebSession]:
    """The account's open sessions, newest first: its owner's or an administrator's to see."""
    _authorise(principal, user_id)
    return list(
        session.scalars(
            select(WebSession)
            .where(
                WebSession.user_id == user_id,
                WebSession.ended_at.is_(None),
                WebSession.expires_at > utcnow(),
            )
            .order_by(WebSession.created_at.desc(), WebSession.id.desc())
        )
    )


def sign_out_everywhere(*, session: Session, principal: Principal, user_id: int) -> int:
    """End every session of an account: its owner may, and an administrator for anyone.

    Returns how many were open."""
    _authorise(principal, user_id)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"No user with id {user_id}.")
    ended = end_all(session=session, user_id=user_id)
    audit.record(
        session=session,
        actor=actor_of(principal),
        action="web_sessions.ended_everywhere",
        subject_type="user",
        subject_id=user_id,
        data={"sessions": ended},
    )
    return ended
