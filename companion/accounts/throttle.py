"""Back-off after failed password sign-ins, per account and per client address.

A few failures are free; each one after that blocks its key (the email that
was typed, known or not, and the address it came from) for a delay that
doubles up to a cap. While a key is blocked the password is not even
checked, so a right guess then tells nothing. Counters live in the database,
shared by every server process, and are forgotten a day after the last
failure. A successful sign-in clears the account's counter, never the
address's: one known password must not buy an address more guesses.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from companion.accounts.models import SignInThrottle
from companion.accounts.service import normalise_email
from companion.audit import service as audit
from companion.audit.service import Actor
from companion.db.base import utcnow
from companion.errors import InvalidInput, TooManyRequests
from companion.settings import Settings

ACCOUNT = "account"
ADDRESS = "address"
FORGET_AFTER = timedelta(days=1)
# 2**40 seconds is far past any cap; it keeps the doubling from overflowing.
_MAX_DOUBLINGS = 40
_ACTOR = Actor(id=None, label="sign-in")


@dataclass(frozen=True)
class Limits:
    free_per_account: int
    free_per_address: int
    first_delay: timedelta
    max_delay: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            free_per_account=settings.sign_in_free_attempts,
            free_per_address=settings.sign_in_free_attempts_per_address,
            first_delay=timedelta(seconds=settings.sign_in_first_delay_seconds),
            max_delay=timedelta(seconds=settings.sign_in_max_delay_seconds),
        )


def account_key(email: str) -> str:
    """The same key for every spelling of an address, and for addresses that do not exist."""
    try:
        return normalise_email(email)
    except InvalidInput:
        return email.strip().lower()


def _digest(scope: str, key: str) -> str:
    return hashlib.sha256(f"{scope}:{key}".encode()).hexdigest()


def _keys(email: str, address: str) -> list[tuple[str, str]]:
    return [(ACCOUNT, _digest(ACCOUNT, account_key(email))), (ADDRESS, _digest(ADDRESS, address))]


def delay_after(failures: int, free: int, limits: Limits) -> timedelta | None:
    """How long a key is blocked after its n-th failure in a row; None while still free."""
    over = failures - free
    if over <= 0:
        return None
    doubled = limits.first_delay * 2 ** min(over - 1, _MAX_DOUBLINGS)
    return min(doubled, limits.max_delay)


def _when(moment: datetime) -> str:
    return moment.strftime("%H:%M:%S UTC")


def check(*, session: Session, email: str, address: str) -> None:
    """Raise TooManyRequests while the account or the address is blocked."""
    now = utcnow()
    blocked = [
        until
        for scope, key_hash in _keys(email, address)
        if (
            until := session.scalars(
                select(SignInThrottle.blocked_until).where(
                    SignInThrottle.scope == scope, SignInThrottle.key_hash == key_hash
                )
            ).first()
        )
        is not None
        and until > now
    ]
    if blocked:
        until = max(blocked)
        raise TooManyRequests(
            "Too many failed sign-ins. For your safety, signing in is paused: "
            f"try again after {_when(until)}.",
            retry_after=max(1, math.ceil((until - now).total_seconds())),
        )


def _count_failure(session: Session, scope: str, key_hash: str, now: datetime) -> int:
    """Add one failure in a single statement, so concurrent processes never lose one."""
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(SignInThrottle).values(
        scope=scope, key_hash=key_hash, failures=1, last_failure_at=now
    )
    statement = statement.on_conflict_do_update(
        index_elements=[SignInThrottle.scope, SignInThrottle.key_hash],
        set_={
            "failures": case(
                (SignInThrottle.last_failure_at < now - FORGET_AFTER, 1),
                else_=SignInThrottle.failures + 1,
            ),
            "last_failure_at": now,
        },
    ).returning(SignInThrottle.failures)
    return session.execute(statement).scalar_one()


def record_failure(*, session: Session, email: str, address: str, limits: Limits) -> None:
    """Count a failed sign-in against the account and the address; block the keys that have
    used their free attempts."""
    now = utcnow()
    session.execute(
        delete(SignInThrottle).where(
            SignInThrottle.last_failure_at < now - FORGET_AFTER,
            (SignInThrottle.blocked_until.is_(None)) | (SignInThrottle.blocked_until < now),
        )
    )
    for scope, key_hash in _keys(email, address):
        failures = _count_failure(session, scope, key_hash, now)
        free = limits.free_per_account if scope == ACCOUNT else limits.free_per_address
        delay = delay_after(failures, free, limits)
        if delay is None:
            continue
        session.execute(
            update(SignInThrottle)
            .where(SignInThrottle.scope == scope, SignInThrottle.key_hash == key_hash)
            .values(blocked_until=now + delay)
        )
        audit.record(
            session=session,
            actor=_ACTOR,
            action="sign_in.throttled",
            subject_type="sign_in",
            subject_id=scope,
            data={
                "email": account_key(email),
                "address": address,
                "failures": failures,
                "blocked_seconds": int(delay.total_seconds()),
            },
        )


def clear(*, session: Session, email: str) -> None:
    """After a successful sign-in: the account starts again from its free attempts."""
    session.execute(
        delete(SignInThrottle).where(
            SignInThrottle.scope == ACCOUNT,
            SignInThrottle.key_hash == _digest(ACCOUNT, account_key(email)),
        )
    )
