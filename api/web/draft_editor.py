"""An edit form for any kind of draft, laid out from the kind's schema.

A reviewer edits text, never JSON: each text field of the kind's output schema is
a text box, a list of texts is one line per entry, and a list of small records
(a brief's guidance, an answer's claims, a check's verdicts) is one line per
record with its parts separated by " | ". What a reviewer does not write (the
citations, the document a snippet came from, the passages a claim rests on)
is not on the form: it is kept from the draft as it stands, record by record.
"""

from __future__ import annotations

import copy
import functools
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from api.web import forms
from prompts import schemas

SEPARATOR = " | "
# Parts of a draft that name sources rather than say anything: kept, never typed.
KEPT = frozenset({"citations", "document_id"})
# A text this long or shorter is one line; longer ones get a text box.
ONE_LINE_MAX = 300
LINE = "line {n}: "

Shape = Literal["text", "textarea", "lines", "rows", "date", "number", "check"]


@dataclass(frozen=True)
class EditorField:
    """One field of the edit form: its name is the content's path (`preparation.mentor`)."""

    name: str
    label: str
    shape: Shape
    columns: tuple[str, ...] = ()  # for rows: the parts typed on each line, in order
    hint: str = ""


# Labels a reader understands where the field's own name is not enough.
LABELS = {
    "for_mentee": "Questions for the mentee",
    "for_mentor": "Questions for the mentor",
    "time_bound": "Time-bound",
    "insufficient": "The guidance given does not answer this question",
    "claims": "Claims (each keeps the passages it cites)",
    "guidance": "Guidance quoted (each keeps the guide it comes from)",
    "verdicts": "Verdicts",
}


def _label(path: str) -> str:
    name = path.rsplit(".", 1)[-1]
    return LABELS.get(name, name.replace("_", " ").capitalize())


def _inner(annotation: Any) -> Any:
    """`X | None` as X."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        kinds = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(kinds) == 1:
            return kinds[0]
    return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _longest(info: FieldInfo) -> int | None:
    return next((m.max_length for m in info.metadata if hasattr(m, "max_length")), None)


def _scalar_shape(annotation: Any, info: FieldInfo) -> Shape | None:
    if annotation is bool:
        return "check"
    if annotation is int:
        return "number"
    if annotation is date:
        return "date"
    if annotation is str or typing.get_origin(annotation) is Literal:
        longest = _longest(info)
        return "text" if longest is not None and longest <= ONE_LINE_MAX else "textarea"
    return None


def fields_of(model: type[BaseModel], prefix: str = "") -> list[EditorField]:
    """The form's fields for a schema, nested records flattened into their own fields."""
    found: list[EditorField] = []
    for name, info in model.model_fields.items():
        if name in KEPT:
            continue
        path = f"{prefix}{name}"
        annotation = _inner(info.annotation)
        label = _label(path) if not prefix else f"{_label(prefix[:-1])}: {_label(name)}"
        if _is_model(annotation):
            found.extend(fields_of(annotation, f"{path}."))
            continue
        if typing.get_origin(annotation) is list:
            (item,) = typing.get_args(annotation)
            if _is_model(item):
                columns = tuple(
                    column
                    for column, sub in item.model_fields.items()
                    if column not in KEPT
                    and _scalar_shape(_inner(sub.annotation), sub) not in (None, "check")
                )
                example = SEPARATOR.join(_label(column).lower() for column in columns)
                hint = f"One per line, as {example}." if len(columns) > 1 else "One per line."
                found.append(EditorField(path, label, "rows", columns, hint))
            else:
                found.append(EditorField(path, label, "lines", hint="One per line."))
            continue
        shape = _scalar_shape(annotation, info)
        if shape is not None:
            hint = "" if shape == "check" else info.description or ""
            found.append(EditorField(path, label, shape, hint=hint))
    return found


@functools.cache
def editor_for(kind: str) -> tuple[EditorField, ...]:
    """The form of a kind, worked out once per process: schemas do not change at run time."""
    return tuple(fields_of(schemas.OUTPUTS[schemas.DraftKind(kind)]))


def _get(content: Mapping[str, Any], path: str) -> Any:
    value: Any = content
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _set(content: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        content = content.setdefault(part, {})
    content[last] = value


def values_of(kind: str, content: Mapping[str, Any] | None) -> dict[str, str]:
    """The edit form prefilled from a draft's content."""
    content = content or {}
    values: dict[str, str] = {}
    for field in editor_for(kind):
        value = _get(content, field.name)
        if field.shape == "lines":
            values[field.name] = "\n".join(str(v) for v in value or [])
        elif field.shape == "rows":
            values[field.name] = "\n".join(
                SEPARATOR.join(str(row.get(c) or "") for c in field.columns).rstrip(" |")
                for row in value or []
            )
        elif field.shape == "check":
            values[field.name] = "1" if value else ""
        else:
            values[field.name] = "" if value is None else str(value)
    return values


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def content_from(
    kind: str, current: Mapping[str, Any] | None, form: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The edited content and the values as typed; what is not on the form is kept from
    `current` (a record's kept parts by its position)."""
    content = copy.deepcopy(dict(current or {}))
    values: dict[str, str] = {}
    for field in editor_for(kind):
        raw = str(form.get(field.name, "") or "")
        values[field.name] = raw
        if field.shape == "lines":
            _set(content, field.name, _lines(raw))
        elif field.shape == "rows":
            before = _get(current or {}, field.name) or []
            rows = []
            for index, line in enumerate(_lines(raw)):
                kept = {
                    key: value
                    for key, value in (before[index] if index < len(before) else {}).items()
                    if key not in field.columns
                }
                parts = [part.strip() for part in line.split("|", len(field.columns) - 1)]
                typed = {c: p for c, p in zip(field.columns, parts, strict=False) if p}
                rows.append({**kept, **typed})
            _set(content, field.name, rows)
        elif field.shape == "check":
            _set(content, field.name, raw == "1")
        elif field.shape == "date":
            _set(content, field.name, raw.strip() or None)
        else:
            _set(content, field.name, raw.strip())
    return content, values


def error_places(kind: str) -> dict[str, forms.Place]:
    """Where the schema's complaints about an edit are shown: beside the field they name,
    with the line for a list."""
    fields = editor_for(kind)
    places: dict[str, forms.Place] = {"note": "note"}
    if fields:
        places["*"] = fields[0].name
        places["content"] = fields[0].name
    for field in fields:
        places[field.name] = field.name
        if field.shape in ("lines", "rows"):
            places[f"{field.name}.#"] = (field.name, LINE)
    return places
