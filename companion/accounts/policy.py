"""Who may do what: role checks shared by every service.

Each function takes a `Principal`: a signed-in `User`, or the `System`
(the command line, a background job), which holds every authority.
"""

from __future__ import annotations

from companion.accounts.models import Role, User
from companion.accounts.principal import Principal, System
from companion.errors import PermissionDenied


def has_role(principal: Principal, role: Role, program_id: int | None = None) -> bool:
    """True if the principal holds the role organisation-wide, or in the given program."""
    if isinstance(principal, System):
        return True
    return any(
        a.role == role and (a.program_id is None or a.program_id == program_id)
        for a in principal.roles
    )


def is_admin(principal: Principal) -> bool:
    """Organisation administrators manage accounts, programs and who coordinates them."""
    if isinstance(principal, System):
        return True
    return any(a.role == Role.admin and a.program_id is None for a in principal.roles)


def require_admin(principal: Principal) -> None:
    if not is_admin(principal):
        raise PermissionDenied("Only an administrator of the organisation may do this.")


def is_org_coordinator(principal: Principal) -> bool:
    if isinstance(principal, System):
        return True
    return any(a.role == Role.coordinator and a.program_id is None for a in principal.roles)


def program_ids(principal: Principal) -> set[int] | None:
    """The programs a principal takes part in; None means every program."""
    if isinstance(principal, System) or is_org_coordinator(principal):
        return None
    return {a.program_id for a in principal.roles if a.program_id is not None}


def coordinated_program_ids(principal: Principal) -> set[int] | None:
    """The programs a principal coordinates (not those they only take part in as a
    mentor or mentee); None means every program."""
    if isinstance(principal, System) or is_org_coordinator(principal):
        return None
    return {
        a.program_id
        for a in principal.roles
        if a.role == Role.coordinator and a.program_id is not None
    }


def require_coordinator(principal: Principal, program_id: int | None = None) -> None:
    if not has_role(principal, Role.coordinator, program_id):
        where = "for this program" if program_id is not None else "for the organisation"
        raise PermissionDenied(f"Only a coordinator {where} may do this.")


def require_any_coordinator(principal: Principal) -> None:
    """Coordinators of any program (or of all) curate the shared knowledge base."""
    if isinstance(principal, System):
        return
    if not any(a.role == Role.coordinator for a in principal.roles):
        raise PermissionDenied("Only coordinators may do this.")


def require_program_access(principal: Principal, program_id: int) -> None:
    allowed = program_ids(principal)
    if allowed is not None and program_id not in allowed:
        raise PermissionDenied("You take no part in this program.")


def may_invite(principal: Principal, account: User, *, by_email: bool) -> bool:
    """Whether `principal` may start an invitation for `account` (which has no credentials).

    An administrator may. A program coordinator may only when the link goes by
    email to the account's own address, and only for an account whose every
    role lies in a program they coordinate: an organisation-wide role, or a seat
    in someone else's program, puts an account beyond them. A link shown on
    screen (no SMTP configured) is for administrators alone.
    """
    if is_admin(principal):
        return True
    return by_email and within_reach(principal, account)


def within_reach(principal: Principal, account: User) -> bool:
    """Whether every role of `account` lies in a program `principal` coordinates (always,
    for an administrator): an organisation-wide role, or a seat in someone else's
    program, puts an account beyond a program coordinator."""
    if is_admin(principal):
        return True
    return bool(account.roles) and all(
        a.program_id is not None and has_role(principal, Role.coordinator, a.program_id)
        for a in account.roles
    )
