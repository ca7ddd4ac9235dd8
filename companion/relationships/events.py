"""What every relationship service shares: the database session of a row, and its audit event.

The services of this package (the agreement, meetings, goals, threads, feedback)
receive a `View` rather than a database session; the session is that of the rows
they change, and every change is audited under the relationship's program.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, object_session

from companion.audit import service as audit
from companion.audit.models import AuditEvent
from companion.audit.service import Actor
from companion.relationships.access import View


def session_of(row: Any) -> Session:
    """The database session holding `row`; a row outside any session is a programming error."""
    session = object_session(row)
    assert session is not None, "a relationship row that is not in a database session"
    return session


def record(
    view_or_program_id: View | int, actor: Actor, action: str, subject: Any, **data: Any
) -> AuditEvent:
    """Audit a change to `subject` (a row of this package) in the caller's transaction."""
    program_id = (
        view_or_program_id.relationship.program_id
        if isinstance(view_or_program_id, View)
        else view_or_program_id
    )
    return audit.record(
        session=session_of(subject),
        actor=actor,
        action=action,
        subject_type=type(subject).__tablename__,
        subject_id=subject.id,
        program_id=program_id,
        data=data,
    )
