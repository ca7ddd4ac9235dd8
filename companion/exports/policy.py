"""Who may take a program's data out: its coordinators (of the program or of all).

Participants of the program are refused (403: they may read the program, not
export it); anyone who may not read the program gets the NotFound of a missing
one, as everywhere else.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from companion.accounts.principal import Principal
from companion.programs import policy as program_policy
from companion.programs.models import Program


def exportable_program(*, session: Session, program_id: int, principal: Principal) -> Program:
    return program_policy.coordinated_program(
        session=session, program_id=program_id, principal=principal
    )
