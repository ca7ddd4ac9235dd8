"""Who may read, erase or set the keeping of whose data."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from companion.accounts import policy as accounts_policy
from companion.accounts.models import Role, User
from companion.accounts.principal import Principal
from companion.errors import NotFound, PermissionDenied
from companion.participants.models import Participant
from companion.rights.models import DataRightsSettings


def account_not_found() -> NotFound:
    return NotFound("No such account.")


def require_may_export(*, principal: Principal, user_id: int) -> None:
    """A person downloads their own data; an administrator may for anyone (an access
    request made by letter). Anyone else gets the same 404 as for no account at all."""
    if accounts_policy.is_admin(principal):
        return
    if isinstance(principal, User) and principal.id == user_id:
        return
    raise account_not_found()


def self_erasure_refusal(*, session: Session, user: User) -> str | None:
    """Why `user` may not erase their own account, or None if they may."""
    if any(a.role in (Role.admin, Role.coordinator) for a in user.roles):
        return (
            "An administrator or coordinator's account is erased by an administrator, "
            "so that the programs they run are handed over first."
        )
    program_ids = set(
        session.scalars(select(Participant.program_id).where(Participant.user_id == user.id))
    )
    if not program_ids:
        return "Ask an administrator to erase your account."
    allowing = set(
        session.scalars(
            select(DataRightsSettings.program_id).where(
                DataRightsSettings.program_id.in_(program_ids),
                DataRightsSettings.allow_self_erasure.is_(True),
            )
        )
    )
    if allowing != program_ids:
        return (
            "Your program does not let participants erase their own account; "
            "ask an administrator, who can."
        )
    return None


def require_may_erase(*, session: Session, principal: Principal, user: User) -> None:
    if accounts_policy.is_admin(principal):
        if isinstance(principal, User) and principal.id == user.id:
            raise PermissionDenied("Another administrator must erase an administrator's account.")
        return
    if not (isinstance(principal, User) and principal.id == user.id):
        raise account_not_found()
    refusal = self_erasure_refusal(session=session, user=user)
    if refusal is not None:
        raise PermissionDenied(refusal)


def require_may_set_retention(*, principal: Principal) -> None:
    accounts_policy.require_admin(principal)
