"""Who may do what: role checks shared by every service.

Each function takes a `Principal`: a signed-in `User`, or the `System`
(the command line, a background job), which holds every authority.
"""

from __future__ import annotations

from companion.accounts.models import Role
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
