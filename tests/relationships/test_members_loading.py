"""`Relationship.members` is never loaded behind the caller's back: a query asks for it,
`access.load_members` fills in what is missing in one query, and reading it unloaded
raises instead of costing one query per relationship."""

from __future__ import annotations

import pytest
from sqlalchemy import event, inspect, select
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import Session

from companion.participants.models import Participant
from companion.programs import service as programs
from companion.relationships import access
from companion.relationships import service as relationships
from companion.relationships.models import Relationship, RelationshipStatus
from companion.runtime import Services
from tests.helpers import TEST_SYSTEM


def _pairs(session: Session, count: int) -> list[int]:
    program = programs.create(session=session, name="Loading", principal=TEST_SYSTEM)
    ids = []
    for n in range(count):
        people = [
            Participant(
                program_id=program.id,
                external_id=f"{role}-{n}",
                name=f"{role} {n}",
                email=f"{role}{n}@example.org",
                role=role,
                capacity=1,
            )
            for role in ("mentor", "mentee")
        ]
        session.add_all(people)
        session.flush()
        pair = relationships.create_pair(
            session=session, program=program, mentor_id=people[0].id, mentee_id=people[1].id
        )
        ids.append(pair.id)
    session.commit()
    return ids


def test_reading_members_unloaded_raises(services: Services) -> None:
    with services.sessions() as session:
        first = _pairs(session, 1)[0]
    with services.sessions() as session:
        pair = session.scalars(select(Relationship).where(Relationship.id == first)).one()
        with pytest.raises(InvalidRequestError, match="lazy='raise'"):
            _ = pair.members


def test_load_members_reads_many_in_one_query(services: Services) -> None:
    with services.sessions() as session:
        ids = _pairs(session, 5)
    with services.sessions() as session:
        rows = list(session.scalars(select(Relationship).where(Relationship.id.in_(ids))))
        statements: list[str] = []

        def count(*args: object) -> None:
            statements.append(str(args[2]))

        event.listen(services.engine, "before_cursor_execute", count)
        try:
            access.load_members(session, rows)
            access.load_members(session, rows)  # loaded: nothing more to read
        finally:
            event.remove(services.engine, "before_cursor_execute", count)
        assert len(statements) == 1
        assert all(len(r.members) == 2 for r in rows)


def test_a_rolled_back_savepoint_is_reloaded_for_the_page(services: Services) -> None:
    """What a refused form does: the call changed the relationship in a savepoint, the
    savepoint is rolled back, and the page is drawn again from the same view."""
    with services.sessions() as session:
        first = _pairs(session, 1)[0]
    with services.sessions() as session:
        view = access.view(session=session, relationship_id=first, principal=TEST_SYSTEM)
        assert len(view.relationship.members) == 2
        savepoint = session.begin_nested()
        view.relationship.status = RelationshipStatus.paused
        session.flush()
        savepoint.rollback()
        assert "members" in inspect(view.relationship).unloaded
        access.load_members(session, [view.relationship])
        assert [m.role.value for m in view.relationship.members] == ["mentor", "mentee"]
        assert view.relationship.status == RelationshipStatus.active


def test_a_view_reads_the_relationship_with_its_members_in_one_statement(
    services: Services,
) -> None:
    with services.sessions() as session:
        first = _pairs(session, 1)[0]
    with services.sessions() as session:
        statements: list[str] = []

        def count(conn, cursor, statement, parameters, context, executemany) -> None:
            statements.append(statement)

        event.listen(services.engine, "before_cursor_execute", count)
        try:
            view = access.view(session=session, relationship_id=first, principal=TEST_SYSTEM)
        finally:
            event.remove(services.engine, "before_cursor_execute", count)
        assert len(view.relationship.members) == 2
        touching = [s for s in statements if "relationship_members" in s]
        assert len(touching) == 1 and "relationships" in touching[0], statements
        # The relationship, its members, their people and the program: one statement.
        assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1
        assert {p.external_id for p in view.people.values()} == {"mentor-0", "mentee-0"}
        assert view.program.name == "Loading"
