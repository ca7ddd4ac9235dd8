"""The declarative base and the column types every model shares."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, TypeDecorator, event, inspect
from sqlalchemy.orm import DeclarativeBase, Session

from companion.errors import InvalidInput

# Stable constraint names, so that Alembic migrations (and SQLite batch mode)
# can refer to constraints on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use datetime.now(UTC)")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def check_stored_text(session: Session, _context: object, _instances: object) -> None:
    """Refuse text a column cannot hold, naming the field, before the database sees it.

    SQLite stores a 1,000-character name in a VARCHAR(200) and a NUL byte in a cell;
    PostgreSQL refuses both with an error that would surface as a 500. Checking here,
    for every engine, makes the answer the same everywhere: a 422 that says which field
    and why, and nothing half-written (the transaction is rolled back by its owner).
    """
    for instance in (*session.new, *session.dirty):
        mapper = inspect(instance).mapper
        for attribute in mapper.column_attrs:
            column = attribute.columns[0]
            value = getattr(instance, attribute.key, None)
            problem = stored_text_problem(value, getattr(column.type, "length", None))
            if problem:
                table = mapper.local_table.name
                raise InvalidInput(
                    f"{attribute.key}: {problem} (in {table}).",
                    details=[{"field": attribute.key, "message": problem}],
                )


def column_lengths(model: type[Base]) -> dict[str, int]:
    """The most characters each sized text column of `model` holds, by attribute name."""
    lengths: dict[str, int] = {}
    for attribute in inspect(model).column_attrs:
        length = getattr(attribute.columns[0].type, "length", None)
        if isinstance(length, int):
            lengths[attribute.key] = length
    return lengths


def stored_text_problem(value: object, length: int | None) -> str | None:
    """Why `value` cannot be stored in a column of `length` characters (None: unsized),
    or None when it can: a NUL character anywhere (in lists and objects too), or too long.
    """
    if isinstance(value, str):
        if "\x00" in value:
            return "contains a NUL character, which cannot be stored; remove it"
        if length is not None and len(value) > length:
            return f"at most {length} characters ({len(value)} given)"
    elif isinstance(value, dict):
        for item in (*value.keys(), *value.values()):
            if problem := stored_text_problem(item, None):
                return problem
    elif isinstance(value, list | tuple):
        for item in value:
            if problem := stored_text_problem(item, None):
                return problem
    return None


event.listen(Session, "before_flush", check_stored_text)
