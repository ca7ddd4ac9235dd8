"""Text a column cannot hold is refused with the field named, on every engine.

SQLite accepts an over-long VARCHAR and a NUL byte; PostgreSQL refuses both. The
check before each flush gives both engines the same answer (the PostgreSQL side
runs in tests/test_postgres.py).
"""

from __future__ import annotations

import enum
from typing import get_args

import pytest
from pydantic import BaseModel
from sqlalchemy import func, select

from companion.db.base import Base, column_lengths
from companion.errors import InvalidInput
from companion.models import load_all_models
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
        # Found while the file is read: the problem names its line and column.
        [problem] = refused.value.details
        assert (problem["line"], problem["column"]) == (4, "expertise")
        assert "NUL" in problem["message"] and "line 4" in refused.value.message
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


def test_a_cell_longer_than_its_column_names_the_line_and_column(services: Services) -> None:
    rows = [list(p) for p in PEOPLE]
    rows[0][1] = "N" * 300  # the name column holds 200 characters
    with services.sessions() as session:
        program = programs.create(session=session, name="Pilot", principal=TEST_SYSTEM)
        with pytest.raises(InvalidInput) as refused:
            participants.import_participants(
                session=session,
                program_id=program.id,
                data=to_csv([tuple(r) for r in rows]),
                filename="p.csv",
                principal=TEST_SYSTEM,
            )
        assert refused.value.details == [
            {"line": 2, "column": "name", "message": "at most 200 characters (300 given)"}
        ]


def _request_models() -> set[type[BaseModel]]:
    """Every model a route (API or page) validates a body with, and the models inside them."""
    import importlib
    import pkgutil

    from fastapi.routing import APIRoute

    import api.routes
    import api.web

    found: set[type[BaseModel]] = set()

    def walk(annotation: object) -> None:
        is_model = isinstance(annotation, type) and issubclass(annotation, BaseModel)
        if is_model and annotation not in found:
            found.add(annotation)
            for field in annotation.model_fields.values():
                walk(field.annotation)
        for argument in get_args(annotation):
            walk(argument)

    for package in (api.routes, api.web):
        for module in pkgutil.iter_modules(package.__path__, f"{package.__name__}."):
            router = getattr(importlib.import_module(module.name), "router", None)
            for route in getattr(router, "routes", []):
                if isinstance(route, APIRoute):
                    for parameter in route.dependant.body_params:
                        walk(parameter.field_info.annotation)
    return found


def _declared_type(annotation: object) -> object:
    """str or an Enum class inside Optional[...], else the annotation itself."""
    arguments = [a for a in get_args(annotation) if a is not type(None)]
    return arguments[0] if len(arguments) == 1 else annotation


def test_every_request_text_field_fits_the_column_that_stores_it() -> None:
    """Lengths are derived from the models: a request field named like a sized column of
    its domain may not allow more characters than that column holds (enums: their values).
    """
    load_all_models()
    columns: dict[str, dict[str, int]] = {}
    for mapper in Base.registry.mappers:
        domain = mapper.class_.__module__.rpartition(".")[0]
        for name, length in column_lengths(mapper.class_).items():
            known = columns.setdefault(domain, {})
            known[name] = min(length, known.get(name, length))
    checked, too_long = 0, []
    for model in _request_models():
        domain = model.__module__.rpartition(".")[0]
        for name, field in model.model_fields.items():
            length = columns.get(domain, {}).get(name)
            declared = _declared_type(field.annotation)
            if length is None:
                continue
            if isinstance(declared, type) and issubclass(declared, enum.Enum):
                allowed = max(len(str(member.value)) for member in declared)
            elif declared is str:
                allowed = next(
                    (m.max_length for m in field.metadata if getattr(m, "max_length", None)),
                    None,
                )
            else:
                continue
            checked += 1
            if allowed is None or allowed > length:
                too_long.append(f"{model.__name__}.{name}: {allowed} > {length}")
    assert too_long == []
    assert checked >= 15  # the check found the fields it is about
