"""Text a column cannot hold is refused with the field named, on every engine.

SQLite accepts an over-long VARCHAR and a NUL byte; PostgreSQL refuses both. The
check before each flush gives both engines the same answer (the PostgreSQL side
runs in tests/test_postgres.py).
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from companion.errors import InvalidInput
from companion.participants import service as participants
from companion.participants.models import Participant
from companion.programs import service as programs
from companion.runtime import Services
from tests.helpers import TEST_SYSTEM
from tests.relationships.conftest import PEOPLE, to_csv


def test_a_nul_character_in_a_cell_is_refused_and_nothing_is_imported(
    services: Services,
) -> None:
    rows = [list(p) for p in PEOPLE]
    rows[2][7] = "I run support\x00 operations."
    with services.sessions() as session:
        program = programs.create(session=session, name="Pilot", principal=TEST_SYSTEM)
        session.commit()
        with pytest.raises(InvalidInput) as refused:
            participants.import_participants(
                session=session,
                program_id=program.id,
                data=to_csv([tuple(r) for r in rows]),
                filename="p.csv",
                principal=TEST_SYSTEM,
            )
        session.rollback()
        assert refused.value.details[0]["field"] == "expertise"
        assert "NUL" in refused.value.message
        assert session.scalar(select(func.count()).select_from(Participant)) == 0


def test_text_longer_than_its_column_names_the_field(services: Services) -> None:
    with services.sessions() as session:
        program = programs.create(session=session, name="Pilot", principal=TEST_SYSTEM)
        session.flush()
        program.name = "x" * 1000  # past the service's own check, as a bug might
        with pytest.raises(InvalidInput) as refused:
            session.flush()
        assert refused.value.details == [
            {"field": "name", "message": "at most 200 characters (1000 given)"}
        ]


def test_a_nul_character_inside_a_list_is_refused(services: Services) -> None:
    rows = [list(p) for p in PEOPLE]
    with services.sessions() as session:
        program = programs.create(session=session, name="Pilot", principal=TEST_SYSTEM)
        participants.import_participants(
            session=session,
            program_id=program.id,
            data=to_csv([tuple(r) for r in rows]),
            filename="p.csv",
            principal=TEST_SYSTEM,
        )
        session.flush()
        person = session.scalars(select(Participant)).first()
        person.languages = ["english", "ger\x00man"]
        with pytest.raises(InvalidInput) as refused:
            session.flush()
        assert refused.value.details[0]["field"] == "languages"
