"""A blank template of a draft kind, for a person to fill in while AI drafting is off.

The template has the shape of the kind's output model (every field, lists as long
as the model requires, empty text), so the review form shows the same fields a
drafted version would; it does not validate until a person fills it in, and the
review workflow refuses to approve it before they have (`is_blank`).
"""

from __future__ import annotations

import types
import typing
from datetime import date
from typing import Any, Literal, get_args, get_origin

from annotated_types import MinLen
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from companion.drafting.models import Draft

# The model name a blank template is recorded with: no model wrote anything.
BLANK_MODEL = "none (AI drafting off: blank template)"


def is_blank(draft: Draft) -> bool:
    """Whether the draft is a blank template that no person has filled in yet."""
    return draft.model == BLANK_MODEL and not draft.edited


def template(output: type[BaseModel], position: int = 0) -> dict[str, Any]:
    """Every field of `output`, empty, with lists as long as `output` requires.

    `position` is the item's place in a list: a choice field takes the choice at that
    place, so the five verdicts of a SMART check name the five criteria in turn.
    """
    return {name: _blank_field(info, position) for name, info in output.model_fields.items()}


def _blank_field(info: FieldInfo, position: int) -> Any:
    least = max((m.min_length for m in info.metadata if isinstance(m, MinLen)), default=0)
    return _blank(info.annotation, least, position)


def _blank(annotation: Any, least: int = 0, position: int = 0) -> Any:
    origin = get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in get_args(annotation) if a is not type(None)]
        return None if len(options) < len(get_args(annotation)) else _blank(options[0], least)
    if origin is list:
        (item,) = get_args(annotation) or (str,)
        return [_blank(item, 0, i) for i in range(least)]
    if origin is dict:
        return {}
    if origin is Literal:
        choices = get_args(annotation)
        return choices[position % len(choices)]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return template(annotation, position)
    if annotation is bool:
        return False
    if annotation in (int, float):
        return 0
    if annotation is date:
        return None
    return ""


def instructions(headline: str, content: dict[str, Any]) -> str:
    """The text a reviewer reads of a blank template: what to fill in."""
    fields = ", ".join(name.replace("_", " ") for name in content)
    return (
        f"AI drafting is switched off for this kind of draft in this program, so nothing "
        f"was drafted. Fill in this template for {headline.lower()} yourself (edit it: "
        f"{fields}); it is reviewed like any draft before anyone receives it."
    )
