"""Who may do what: role checks shared by the API and the CLI."""

from __future__ import annotations

from companion.accounts.models import Role, User
from companion.errors import PermissionDenied


def has_role(user: User, role: Role, program_id: int | None = None) -> bool:
    """True if the user holds the role organisation-wide, or in the given program."""
    return any(
        a.role == role and (a.program_id is None or a.program_id == program_id) for a in user.roles
    )


def is_org_coordinator(user: User) -> bool:
    return any(a.role == Role.coordinator and a.program_id is None for a in user.roles)


def program_ids(user: User) -> set[int] | None:
    """The programs a user takes part in; None means every program (org coordinator)."""
    if is_org_coordinator(user):
        return None
    return {a.program_id for a in user.roles if a.program_id is not None}


def require_coordinator(user: User, program_id: int | None = None) -> None:
    if not has_role(user, Role.coordinator, program_id):
        where = "for this program" if program_id is not None else "for the organisation"
        raise PermissionDenied(f"Only a coordinator {where} may do this.")


def require_any_coordinator(user: User) -> None:
    """Coordinators of any program (or of all) curate the shared knowledge base."""
    if not any(a.role == Role.coordinator for a in user.roles):
        raise PermissionDenied("Only coordinators may do this.")


def require_program_access(user: User, program_id: int) -> None:
    allowed = program_ids(user)
    if allowed is not None and program_id not in allowed:
        raise PermissionDenied("You take no part in this program.")
