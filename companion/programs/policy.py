"""Who may read or run a program, and what a program owns: every program-level check.

- Participants and coordinators of a program, coordinators of the whole
  organisation, administrators and the System may read the program.
- Only its coordinators (or the organisation's, or the System) run it: its
  participants, matching runs and proposals.
- Its coordinators and the organisation's administrators manage it: read and
  change its settings. To anyone else its settings do not exist.
- Anyone who may not read a program gets exactly the NotFound of a missing one,
  and anything a program owns (a run, a proposal) answers as if missing to
  everyone who does not coordinate it, so that ids reveal nothing.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from companion.accounts import policy
from companion.accounts.models import Role
from companion.accounts.principal import Principal
from companion.errors import NotFound, PermissionDenied
from companion.programs.models import Program


def program_not_found(program_id: int) -> NotFound:
    return NotFound(f"No program with id {program_id}.")


def readable_program_ids(*, principal: Principal) -> set[int] | None:
    """The programs a principal may read; None means every program."""
    if policy.is_admin(principal):
        return None
    return policy.program_ids(principal)


def may_read(*, program_id: int, principal: Principal) -> bool:
    readable = readable_program_ids(principal=principal)
    return readable is None or program_id in readable


def may_coordinate(*, program_id: int, principal: Principal) -> bool:
    return policy.has_role(principal, Role.coordinator, program_id)


def may_manage(*, program_id: int, principal: Principal) -> bool:
    """Administrators and the program's coordinators read and change its settings."""
    return policy.is_admin(principal) or may_coordinate(program_id=program_id, principal=principal)


def require_manager_of_readable(*, program_id: int, principal: Principal) -> None:
    """Refuse, as forbidden, those who may read the program but not manage it."""
    if may_read(program_id=program_id, principal=principal) and not may_manage(
        program_id=program_id, principal=principal
    ):
        raise PermissionDenied("Only a coordinator of this program may do this.")


def managed_program(*, session: Session, program_id: int, principal: Principal) -> Program:
    """The program for those who manage it; everyone else gets the NotFound of a missing one,
    its own participants included (its settings are not theirs to read)."""
    program = (
        session.get(Program, program_id)
        if may_manage(program_id=program_id, principal=principal)
        else None
    )
    if program is None:
        raise program_not_found(program_id)
    return program


def readable_program(*, session: Session, program_id: int, principal: Principal) -> Program:
    """The program, or the NotFound of a missing one for whoever may not read it."""
    program = (
        session.get(Program, program_id)
        if may_read(program_id=program_id, principal=principal)
        else None
    )
    if program is None:
        raise program_not_found(program_id)
    return program


def coordinated_program(*, session: Session, program_id: int, principal: Principal) -> Program:
    """The program for its coordinators; its participants are refused, others told it is missing."""
    program = readable_program(session=session, program_id=program_id, principal=principal)
    if not may_coordinate(program_id=program_id, principal=principal):
        raise PermissionDenied("Only a coordinator of this program may do this.")
    return program


def require_coordinator_of_owner(
    *, program_id: int, principal: Principal, missing: NotFound
) -> None:
    """For what a program owns: `missing` (the owned thing's own NotFound) unless a coordinator."""
    if not may_coordinate(program_id=program_id, principal=principal):
        raise missing


def switchable_program(*, session: Session, program_id: int, principal: Principal) -> Program:
    """The program for an administrator, who alone turns its AI features off and on.

    Like every administrators' action, anyone else is refused before the program is
    looked up, so the refusal says nothing about whether it exists.
    """
    if not policy.is_admin(principal):
        raise PermissionDenied("Only an administrator turns a program's AI features off or on.")
    return readable_program(session=session, program_id=program_id, principal=principal)
