"""One check of every number and text a request carries, so none reaches the database
as something it cannot hold.

Every id column is an INTEGER, which PostgreSQL holds in 32 bits (SQLite in 64):
a larger number makes the driver or the server fail (a 500) instead of finding
nothing or refusing a value; PostgreSQL refuses a NUL character in any text.
`storable_input` runs before every route, reads the route's own declaration to find
its integer and float path and query parameters, and refuses any that is out of range
or not finite, any path or query value holding a NUL character, and any such number
or text anywhere in a JSON body, with the same 422 as other invalid input, naming
where it is. Pages that read numbers from a posted form by hand use `whole_number`;
text posted in a form that a column cannot hold is refused before each flush
(`companion.db.base.check_stored_text`) with a message next to its field. Lengths are
checked by each request model (`max_length`) and, for every sized column, before
each flush.
"""

from __future__ import annotations

import math
import types
from typing import Annotated, Any, Union, get_args, get_origin

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import TypeAdapter, ValidationError

from companion.errors import InvalidInput

MIN_INT = -(2**31)
MAX_INT = 2**31 - 1
OUT_OF_RANGE = f"must be a whole number from {MIN_INT} to {MAX_INT}"
NOT_FINITE = "must be a finite number"
HOLDS_NUL = "must not contain a NUL character (\\u0000), which cannot be stored"

_AS_INT = TypeAdapter(int)
_AS_FLOAT = TypeAdapter(float)


def whole_number(text: str, *, field: str) -> int:
    """A whole number typed into a form field, or InvalidInput naming the field."""
    try:
        number = _AS_INT.validate_python(text.strip())
    except ValidationError:
        number = None
    if number is None or not MIN_INT <= number <= MAX_INT:
        raise InvalidInput(
            f"{field}: give a whole number from {MIN_INT} to {MAX_INT}.",
            details=[{"location": "form", "field": field, "message": OUT_OF_RANGE}],
        )
    return number


async def storable_input(request: Request) -> None:
    """Refuse a path, query or JSON body number or text the database could not hold (422)."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    numeric, has_body = _numeric_params(route)
    errors: list[dict[str, Any]] = []
    given = [
        *(("path", name, value) for name, value in request.path_params.items()),
        *(("query", name, value) for name, value in request.query_params.multi_items()),
    ]
    for location, name, value in given:
        if isinstance(value, str) and "\x00" in value:
            errors.append(_error((location, name), HOLDS_NUL, value))
    for location, name, kind in numeric:
        if location == "path":
            values = [request.path_params.get(name)]
        else:
            values = request.query_params.getlist(name)
        for value in values:
            problem = _problem(value, kind)
            if problem:
                errors.append(_error((location, name), problem, value))
    if has_body and _is_json(request.headers.get("content-type", "")):
        try:
            body = await request.json()  # parsed once: FastAPI has already read it this way
        except ValueError:
            body = None  # not JSON: the route's own validation answers
        errors.extend(_body_errors(body, ("body",)))
    if errors:
        raise RequestValidationError(errors)


def _numeric_params(route: APIRoute) -> tuple[list[tuple[str, str, type]], bool]:
    """The (location, name, int or float) of a route's numeric parameters, and whether it
    takes a body, as the route declares them."""
    found = []
    has_body = False
    for dependant in _with_dependencies(route.dependant):
        has_body = has_body or bool(dependant.body_params)
        for location, fields in (
            ("path", dependant.path_params),
            ("query", dependant.query_params),
        ):
            for field in fields:
                kind = _number_type(field.field_info.annotation)
                if kind is not None:
                    found.append((location, field.alias, kind))
    return found, has_body


def _with_dependencies(dependant: Dependant) -> list[Dependant]:
    return [dependant, *(d for sub in dependant.dependencies for d in _with_dependencies(sub))]


def _is_json(content_type: str) -> bool:
    """Whether FastAPI parses the body as JSON (a form has been read another way)."""
    kind = content_type.partition(";")[0].strip().lower()
    return kind == "application/json" or (
        kind.startswith("application/") and kind.endswith("+json")
    )


def _number_type(annotation: Any) -> type | None:
    """int or float if the annotation is one (optional, in a list, annotated), else None."""
    if annotation in (int, float):
        return annotation
    origin = get_origin(annotation)
    if origin is Annotated:
        return _number_type(get_args(annotation)[0])
    if origin in (Union, types.UnionType, list, tuple, set, frozenset):
        kinds = {_number_type(arg) for arg in get_args(annotation)} - {None}
        return kinds.pop() if len(kinds) == 1 else None
    return None


def _problem(value: Any, kind: type) -> str | None:
    """Why a raw parameter is out of range; None when it is fine or when it is not a
    number at all, which the route's own validation reports."""
    try:
        number = (_AS_INT if kind is int else _AS_FLOAT).validate_python(value)
    except ValidationError:
        return None
    if kind is float:
        return None if math.isfinite(number) else NOT_FINITE
    return None if MIN_INT <= number <= MAX_INT else OUT_OF_RANGE


def _body_errors(value: Any, location: tuple[str | int, ...]) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        return [e for key, item in value.items() for e in _body_errors(item, (*location, key))]
    if isinstance(value, list):
        return [
            e for index, item in enumerate(value) for e in _body_errors(item, (*location, index))
        ]
    if isinstance(value, str):
        return [_error(location, HOLDS_NUL, value)] if "\x00" in value else []
    if isinstance(value, bool):
        return []
    if isinstance(value, int) and not MIN_INT <= value <= MAX_INT:
        return [_error(location, OUT_OF_RANGE, value)]
    if isinstance(value, float) and not math.isfinite(value):
        return [_error(location, NOT_FINITE, value)]
    return []


def _error(location: tuple[str | int, ...], message: str, value: Any) -> dict[str, Any]:
    return {"type": "number_out_of_range", "loc": location, "msg": message, "input": str(value)}
