"""What leaves the building: allowed profile fields only, contact details redacted.

Demographic fields (gender, underrepresented, consent) are never put into a
draft's input at all, so no provider ever sees them. Emails and phone numbers
are redacted from every string before a prompt is rendered, local or not.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

from pydantic import BaseModel

from companion.participants.models import Participant

# Fields of a profile that may describe a person in a prompt; never demographics.
PROFILE_FIELDS = ("title", "department", "expertise", "goals", "challenges", "working_style")
DEFAULT_REMOTE_FIELDS = ("title", "expertise", "goals")

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Seven or more digits with the usual separators, optionally international.
PHONE = re.compile(r"(?<![\w/])\+?\d[\d ()./-]{5,}\d(?![\w/])")

M = TypeVar("M", bound=BaseModel)


def redact(text: str) -> str:
    text = EMAIL.sub("[email removed]", text)
    return PHONE.sub(
        lambda m: m.group(0) if _looks_like_date(m.group(0)) else "[phone removed]", text
    )


def _looks_like_date(text: str) -> bool:
    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()))


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [_redact_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _redact_value(v) for k, v in value.items()}
    return value


def redacted(model: M) -> M:
    """A copy of a draft input with every email address and phone number removed."""
    return type(model).model_validate(_redact_value(model.model_dump()))


def profile_of(
    person: Participant, *, allowed: list[str] | tuple[str, ...] | None
) -> dict[str, str]:
    """The profile fields of a participant that may be sent (None: all non-demographic)."""
    fields = PROFILE_FIELDS if allowed is None else [f for f in allowed if f in PROFILE_FIELDS]
    return {f: getattr(person, f) for f in fields if getattr(person, f, "")}
