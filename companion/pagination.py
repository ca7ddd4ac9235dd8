"""A page of a list, the same shape for every list endpoint and JSON CLI output."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, func

from companion.errors import InvalidInput

MAX_PAGE_SIZE = 200

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(description="Number of items across all pages.")
    limit: int
    offset: int


M = TypeVar("M", bound=BaseModel)


def page_of(
    schema: type[M],
    rows: Iterable[Any],
    total: int,
    *,
    limit: int,
    offset: int,
    convert: Callable[[Any], M] | None = None,
) -> Page[M]:
    """A page of `schema` items from rows (ORM objects by default, or `convert` each)."""
    to_item = convert or schema.model_validate
    return Page[schema](items=[to_item(r) for r in rows], total=total, limit=limit, offset=offset)


def contains(column: Any, search: str) -> ColumnElement[bool]:
    """SQL: `column` holds `search` (any case), with `%`, `_` and `\\` taken literally."""
    escaped = search.strip().casefold()
    for special in ("\\", "%", "_"):
        escaped = escaped.replace(special, "\\" + special)
    return func.lower(column).like(f"%{escaped}%", escape="\\")


def choice(value: str | None, allowed: Iterable[str], *, field: str) -> str | None:
    """`value` if it is one of `allowed` (None or empty: None); otherwise a clear refusal."""
    if not value:
        return None
    names = list(allowed)
    if value not in names:
        raise InvalidInput(f"{field}: choose one of {', '.join(names)}.", field=field)
    return value
