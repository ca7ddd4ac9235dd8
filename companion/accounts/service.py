"""Create users, assign roles, issue and check API tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import Row, bindparam, inspect, or_, select, update
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from companion.accounts import policy
from companion.accounts.models import ApiToken, Role, RoleAssignment, User
from companion.accounts.principal import Principal, actor_of
from companion.audit import service as audit
from companion.audit.service import Actor
from companion.db.base import utcnow
from companion.errors import Conflict, InvalidInput, NotFound, Unauthenticated

TOKEN_PREFIX = "mc_"
TOKEN_USE_PRECISION = timedelta(hours=1)


def actor_for(user: User) -> Actor:
    return Actor(id=user.id, label=user.email)


def normalise_email(email: str) -> str:
    """Return the canonical form of an address, or raise InvalidInput saying why."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise InvalidInput(
            f"{email!r} is not a valid email address: {exc}", field="email"
        ) from None


def hash_token(token: str) -> str:
    # Tokens are 256-bit random strings, so a fast digest is safe to store;
    # slow password hashes are for low-entropy secrets.
    return hashlib.sha256(token.encode()).hexdigest()


def role_summary(user: User) -> dict[str, bool]:
    """Which kinds of role a person holds anywhere (for navigation, not for authority)."""
    return {
        "admin": policy.is_admin(user),
        "coordinator": any(a.role == Role.coordinator for a in user.roles),
        "mentor": any(a.role == Role.mentor for a in user.roles),
        "mentee": any(a.role == Role.mentee for a in user.roles),
    }


def get(*, session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"No user with id {user_id}.")
    return user


def get_by_email(*, session: Session, email: str) -> User | None:
    return session.scalars(select(User).where(User.email == normalise_email(email))).first()


def by_emails(*, session: Session, emails: Iterable[str]) -> dict[str, User]:
    """Users by normalised email, in a few queries however many emails are asked."""
    wanted = sorted(set(emails))
    found: dict[str, User] = {}
    for start in range(0, len(wanted), 500):
        batch = wanted[start : start + 500]
        found.update(
            (u.email, u) for u in session.scalars(select(User).where(User.email.in_(batch)))
        )
    return found


def create(
    *,
    session: Session,
    email: str,
    display_name: str | None,
    roles: list[tuple[Role, int | None]],
    actor: Actor,
) -> User:
    """Create a user with the given roles ((role, program_id or None for all programs))."""
    new = NewUser(email=email, display_name=display_name, roles=roles)
    return create_many(session=session, users=[new], actor=actor)[0]


@dataclass(frozen=True)
class NewUser:
    """One account for `create_many`: what `create` takes, less the session and actor."""

    email: str
    display_name: str | None
    roles: list[tuple[Role, int | None]]


def create_many(*, session: Session, users: Sequence[NewUser], actor: Actor) -> list[User]:
    """Create users as `create` does, with the same checks and audit events, in bulk.

    Returns them in the order given. A few queries and one flush for all of them,
    where `create` takes several each: importing thousands of people was spent
    almost entirely in per-account round trips (docs/performance.md). Nothing is
    created if any of them is refused.
    """
    addresses = [normalise_email(new.email) for new in users]
    for new in users:
        if not new.roles:
            raise InvalidInput(
                "A user needs at least one role (coordinator, mentor or mentee).", field="roles"
            )
        if any(role == Role.admin and program_id is not None for role, program_id in new.roles):
            raise InvalidInput(
                "roles: an administrator's role holds for the whole organisation.", field="roles"
            )
    taken = by_emails(session=session, emails=addresses)
    seen: set[str] = set()
    for address in addresses:
        if address in taken or address in seen:
            raise Conflict(f"A user with email {address} already exists.")
        seen.add(address)
    created = [
        User(
            email=address,
            display_name=(new.display_name or address.split("@")[0]).strip(),
            roles=[RoleAssignment(role=r, program_id=p) for r, p in dict.fromkeys(new.roles)],
        )
        for address, new in zip(addresses, users, strict=True)
    ]
    session.add_all(created)
    session.flush()
    audit.record_many(
        session=session,
        actor=actor,
        events=[
            audit.NewEvent(
                action="user.created",
                subject_type="user",
                subject_id=user.id,
                data={
                    "email": user.email,
                    "roles": [
                        {"role": str(r), "program_id": p} for r, p in dict.fromkeys(new.roles)
                    ],
                },
            )
            for user, new in zip(created, users, strict=True)
        ],
    )
    return created


def grant_role(
    *, session: Session, user: User, role: Role, program_id: int | None, actor: Actor
) -> RoleAssignment:
    """Give a user a role (idempotent)."""
    for existing in user.roles:
        if existing.role == role and existing.program_id == program_id:
            return existing
    assignment = RoleAssignment(role=role, program_id=program_id)
    user.roles.append(assignment)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="user.role_granted",
        subject_type="user",
        subject_id=user.id,
        program_id=program_id,
        data={"role": str(role)},
    )
    return assignment


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    plaintext: str


def issue_token(
    *, session: Session, user: User, name: str, actor: Actor, plaintext: str | None = None
) -> IssuedToken:
    """Create a new API token; the plaintext is returned here and never stored.

    A caller may supply the plaintext (the development demo does, so that its
    sign-in tokens can be printed in the README); otherwise it is random.
    """
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("Token name must be 1 to 100 characters.", field="name")
    if plaintext is None:
        plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    elif not plaintext.startswith(TOKEN_PREFIX) or len(plaintext) < 12:
        raise InvalidInput(
            f"A token must start with {TOKEN_PREFIX!r} and be at least 12 characters.",
            field="plaintext",
        )
    token = ApiToken(
        user_id=user.id, name=name, token_hash=hash_token(plaintext), prefix=plaintext[:10]
    )
    session.add(token)
    session.flush()
    audit.record(
        session=session,
        actor=actor,
        action="token.issued",
        subject_type="user",
        subject_id=user.id,
        data={"token_id": token.id, "name": name, "prefix": token.prefix},
    )
    return IssuedToken(token=token, plaintext=plaintext)


def revoke_token(*, session: Session, token_id: int, actor: Actor) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"No API token with id {token_id}.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(
            session=session,
            actor=actor,
            action="token.revoked",
            subject_type="user",
            subject_id=token.user_id,
            data={"token_id": token.id},
        )
    return token


_USER = inspect(User)
_ROLE = inspect(RoleAssignment)
_USER_KEYS = tuple(prop.key for prop in _USER.column_attrs)
_ROLE_KEYS = tuple(prop.key for prop in _ROLE.column_attrs)
_TOKEN_ROWS = (
    select(
        ApiToken.__table__.c.id,
        ApiToken.__table__.c.revoked_at,
        ApiToken.__table__.c.last_used_at,
        *(_USER.columns[key] for key in _USER_KEYS),
        *(_ROLE.columns[key] for key in _ROLE_KEYS),
    )
    .select_from(
        ApiToken.__table__.join(
            User.__table__, User.__table__.c.id == ApiToken.__table__.c.user_id
        ).outerjoin(
            RoleAssignment.__table__,
            RoleAssignment.__table__.c.user_id == User.__table__.c.id,
        )
    )
    .where(ApiToken.__table__.c.token_hash == bindparam("token_hash"))
    .order_by(RoleAssignment.__table__.c.id)
)


def authenticate(*, session: Session, token: str) -> User:
    """Return the active user a bearer token belongs to, or raise Unauthenticated."""
    if not token.startswith(TOKEN_PREFIX):
        raise Unauthenticated("Malformed API token: tokens start with 'mc_'.")
    # The token, its user and the user's roles in one statement, read as plain rows: every
    # API request pays for this, and the ORM's loading of three entities cost twice the
    # statement itself (docs/performance.md, "Throughput").
    if session.autoflush:
        session.flush()
    rows = session.connection().execute(_TOKEN_ROWS, {"token_hash": hash_token(token)}).all()
    if not rows or rows[0][1] is not None:
        raise Unauthenticated("Unknown or revoked API token.")
    token_id, _, last_used_at = rows[0][:3]
    user = _loaded(session, rows)
    if not user.is_active:
        raise Unauthenticated("This user is deactivated.")
    # Coarse on purpose: a write per request would serialise every reader on SQLite.
    # Not written here: the request's unit of work may be slow (a draft) or may fail;
    # `record_token_use` stamps it in a short transaction of its own afterwards.
    if last_used_at is None or utcnow() - last_used_at > TOKEN_USE_PRECISION:
        session.info.setdefault(TOKEN_USE_DUE, set()).add(token_id)
    return user


def _loaded(session: Session, rows: Sequence[Row[Any]]) -> User:
    """The user (with their roles) of `authenticate`'s rows, in `session` as if the ORM had
    loaded them: later reads of its other attributes load them, and changes are flushed."""
    users = len(_USER_KEYS)
    first = rows[0][3 : 3 + users]
    role_rows = [row[3 + users :] for row in rows if row[3 + users] is not None]
    held = session.identity_map
    known = held.get(_USER.identity_key_from_primary_key((first[0],)))
    if known is not None:
        # What the ORM's own query returns: the session's instance, as the session has it.
        return known
    user = User(**dict(zip(_USER_KEYS, first, strict=True)))
    make_transient_to_detached(user)
    roles = []
    for row in role_rows:
        role = held.get(_ROLE.identity_key_from_primary_key((row[0],)))
        if role is None:
            role = RoleAssignment(**dict(zip(_ROLE_KEYS, row, strict=True)))
            make_transient_to_detached(role)
        roles.append(role)
    set_committed_value(user, "roles", roles)
    session.add(user)
    return user


# Set in `session.info` by `authenticate`: the tokens whose last-used stamp is due.
TOKEN_USE_DUE = "companion_token_use_due"


def record_token_use(*, session: Session, token_ids: Iterable[int]) -> None:
    """Stamp the tokens as used now; meant for a short transaction of its own."""
    now = utcnow()
    session.execute(
        update(ApiToken)
        .where(ApiToken.id.in_(list(token_ids)))
        .where(
            or_(
                ApiToken.last_used_at.is_(None),
                ApiToken.last_used_at < now - TOKEN_USE_PRECISION,
            )
        )
        .values(last_used_at=now)
    )


def onboard(
    *,
    session: Session,
    principal: Principal,
    email: str,
    display_name: str | None,
    roles: list[tuple[Role, int | None]],
    token_name: str = "default",
) -> tuple[User, IssuedToken]:
    """An administrator creates an account with roles and its first API token in one step."""
    policy.require_admin(principal)
    actor = actor_of(principal)
    user = create(session=session, email=email, display_name=display_name, roles=roles, actor=actor)
    return user, issue_token(session=session, user=user, name=token_name, actor=actor)
