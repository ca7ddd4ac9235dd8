"""A large import creates its accounts in bulk, with the same accounts, roles and audit trail."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, event, select

from companion.accounts import service as accounts
from companion.accounts.models import Role, User
from companion.audit import service as audit
from companion.audit.models import AuditEvent
from companion.db import session_scope
from companion.errors import Conflict
from companion.participants import service as participants
from companion.programs import service as programs
from companion.runtime import Services
from tests.helpers import TEST_ACTOR, TEST_SYSTEM, make_user

HEADER = "id,name,email,role,timezone,capacity"


def cohort(n: int, domain: str = "example.org") -> bytes:
    lines = [HEADER]
    for k in range(n):
        role = ("mentor", "mentee", "both")[k % 3]
        lines.append(f"P{k},Person {k},p{k}@{domain},{role},Europe/Berlin,{2 if k % 3 else ''}")
    return ("\n".join(lines) + "\n").encode()


@contextmanager
def counting(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def import_counting(services: Services, n: int) -> int:
    with session_scope(services.sessions) as session:
        program = programs.create(session=session, name=f"Cohort of {n}", principal=TEST_SYSTEM)
        with counting(services.engine) as statements:
            summary = participants.import_participants(
                session=session,
                program_id=program.id,
                data=cohort(n, f"cohort{n}.example.org"),
                filename="c.csv",
                principal=TEST_SYSTEM,
            )
        assert summary.users_created == n
    # SQLite inserts one row a statement when the ids are read back; every other
    # statement is a lookup or a flush's extra round trip.
    return sum(not s.lstrip().upper().startswith("INSERT") for s in statements)


def test_lookups_do_not_grow_with_the_number_of_people(services: Services) -> None:
    # One at a time, each account cost a lookup of its address and a read of the
    # latest audit event: 60 more people were 120 more statements besides inserts.
    small, large = import_counting(services, 30), import_counting(services, 90)
    assert large - small <= 2, (small, large)


def test_every_account_has_its_roles_and_its_audit_event_and_the_chain_holds(
    services: Services,
) -> None:
    with session_scope(services.sessions) as session:
        audit.record(
            session=session,
            actor=TEST_ACTOR,
            action="test.before",
            subject_type="test",
            subject_id=1,
        )
        program = programs.create(session=session, name="Spring", principal=TEST_SYSTEM)
        participants.import_participants(
            session=session,
            program_id=program.id,
            data=cohort(9),
            filename="c.csv",
            principal=TEST_SYSTEM,
        )
        program_id = program.id
    with services.sessions() as session:
        users = {u.email: u for u in session.scalars(select(User))}
        assert len(users) == 9
        roles = {
            email: sorted(str(a.role) for a in u.roles if a.program_id == program_id)
            for email, u in users.items()
        }
        assert roles["p0@example.org"] == ["mentor"]
        assert roles["p1@example.org"] == ["mentee"]
        assert roles["p2@example.org"] == ["mentee", "mentor"]
        created = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "user.created").order_by(AuditEvent.seq)
        ).all()
        assert [e.data["email"] for e in created] == [f"p{k}@example.org" for k in range(9)]
        assert {e.subject_id for e in created} == {str(u.id) for u in users.values()}
        assert created[2].data["roles"] == [
            {"role": "mentor", "program_id": program_id},
            {"role": "mentee", "program_id": program_id},
        ]
        assert audit.verify(session=session) == []


def test_a_person_with_an_account_keeps_it_and_gains_the_role(services: Services) -> None:
    with session_scope(services.sessions) as session:
        program = programs.create(session=session, name="Spring", principal=TEST_SYSTEM)
        program_id = program.id
    with services.sessions() as session:
        existing, _ = make_user(session, "p1@example.org", (Role.coordinator, program_id))
        existing_id = existing.id
    with session_scope(services.sessions) as session:
        program = programs.get(session=session, program_id=program_id)
        summary = participants.import_participants(
            session=session,
            program_id=program.id,
            data=cohort(3),
            filename="c.csv",
            principal=TEST_SYSTEM,
        )
    assert summary.users_created == 2
    with services.sessions() as session:
        user = session.get(User, existing_id)
        assert user is not None
        assert sorted(str(a.role) for a in user.roles) == ["coordinator", "mentee"]
        assert audit.verify(session=session) == []


@pytest.mark.parametrize(
    "emails",
    [["new@example.org", "taken@example.org"], ["twice@example.org", "Twice@Example.org"]],
    ids=["an existing address", "the same address twice"],
)
def test_create_many_refuses_a_taken_address_and_creates_nobody(
    services: Services, emails: list[str]
) -> None:
    with services.sessions() as session:
        make_user(session, "taken@example.org", (Role.admin, None))
    with services.sessions() as session:
        with pytest.raises(Conflict, match="already exists"):
            accounts.create_many(
                session=session,
                users=[accounts.NewUser(e, None, [(Role.mentee, None)]) for e in emails],
                actor=TEST_ACTOR,
            )
        session.rollback()
        assert session.scalars(select(User.email)).all() == ["taken@example.org"]
