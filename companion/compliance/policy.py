"""Who may generate a program's evidence pack.

Administrators, for any program; coordinators, for the programs they coordinate
(they run the program and are the ones who inform its people). The pack holds the
program's configuration and aggregate figures, no one's personal data; the fairness
figures are the aggregates coordinators already see on their runs, without the
names of the most-exposed mentors. Participants of the program are refused; anyone
who may not read the program is told it does not exist.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from companion.accounts import policy as accounts_policy
from companion.accounts.principal import Principal
from companion.errors import PermissionDenied
from companion.programs import policy as programs_policy
from companion.programs.models import Program


def may_generate(*, program_id: int, principal: Principal) -> bool:
    return accounts_policy.is_admin(principal) or programs_policy.may_coordinate(
        program_id=program_id, principal=principal
    )


def reportable_program(*, session: Session, program_id: int, principal: Principal) -> Program:
    program = programs_policy.readable_program(
        session=session, program_id=program_id, principal=principal
    )
    if not may_generate(program_id=program_id, principal=principal):
        raise PermissionDenied(
            "Only an administrator or a coordinator of this program generates its evidence pack."
        )
    return program
