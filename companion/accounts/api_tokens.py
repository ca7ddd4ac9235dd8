"""An account's API tokens as its owner and administrators handle them: make one, list,
revoke one, revoke them all.

A token is revoked for good (there is no un-revoking): its owner may revoke any of
their own, the one they are using too; an administrator (or the owner) revokes every
token of an account at once; a password reset does it too (`credentials.service`). The
secret and its digest never leave this module's callers: lists show what a person needs
to recognise a token (its name, when it was made and last used).
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from companion.accounts import policy
from companion.accounts import service as accounts
from companion.accounts.models import ApiToken, User
from companion.accounts.principal import Principal, actor_of
from companion.accounts.service import IssuedToken
from companion.audit import service as audit
from companion.audit.service import Actor
from companion.db.base import utcnow
from companion.errors import Conflict, NotFound

# Live tokens one account may hold: enough for every script someone runs, and a ceiling
# on what a signed-in browser left open can mint.
MAX_LIVE = 20


def _authorise(principal: Principal, user_id: int) -> None:
    if principal.id != user_id:
        policy.require_admin(principal)


def listed(*, session: Session, principal: Principal, user_id: int) -> list[ApiToken]:
    """Every token of the account, live and revoked, oldest first: its owner's or an
    administrator's to see."""
    _authorise(principal, user_id)
    return list(
        session.scalars(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id))
    )


def issue_own(*, session: Session, principal: Principal, name: str) -> IssuedToken:
    """A new token for the signed-in person, shown to them once. Only a browser signed in
    with a password or the provider makes one (the account page), never a token: one that
    leaked must not be able to outlive its revocation by minting others."""
    user = session.get(User, principal.id) if principal.id is not None else None
    if user is None:
        raise NotFound("Only a person's own account holds API tokens.")
    live = session.scalars(
        select(ApiToken.id).where(ApiToken.user_id == principal.id, ApiToken.revoked_at.is_(None))
    ).all()
    if len(live) >= MAX_LIVE:
        raise Conflict(
            f"You have {len(live)} live API tokens, the most one account may hold: revoke one "
            "you no longer use first."
        )
    return accounts.issue_token(session=session, user=user, name=name, actor=actor_of(principal))


def revoke_own(*, session: Session, principal: Principal, token_id: int) -> ApiToken:
    """Revoke one of the principal's own tokens (the one in use too); revoking it again
    changes nothing. Someone else's token answers as one that does not exist."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != principal.id:
        raise NotFound(f"No API token with id {token_id}.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(
            session=session,
            actor=actor_of(principal),
            action="token.revoked",
            subject_type="user",
            subject_id=token.user_id,
            data={"token_id": token.id},
        )
    return token


def revoke_all(*, session: Session, principal: Principal, user_id: int) -> int:
    """Revoke every live token of an account: an administrator's to do (or its owner's).

    Returns how many were live."""
    _authorise(principal, user_id)
    if session.get(User, user_id) is None:
        raise NotFound(f"No user with id {user_id}.")
    return revoke_live(
        session=session, user_id=user_id, actor=actor_of(principal), reason="on_request"
    )


def revoke_live(*, session: Session, user_id: int, actor: Actor, reason: str) -> int:
    """Revoke every live token of an account, audited with the reason; the caller has
    already decided it should (a password reset, a change whose owner asked for it).

    Returns how many were live."""
    result = session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    revoked = result.rowcount
    audit.record(
        session=session,
        actor=actor,
        action="api_tokens.revoked_all",
        subject_type="user",
        subject_id=user_id,
        data={"tokens": revoked, "reason": reason},
    )
    return revoked
