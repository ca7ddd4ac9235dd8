"""Questions the guides leave to the organisation's own policies and teams.

`elsewhere.yaml` lists areas such as expense claims or IT access, each with who answers
them and a few questions of that kind in everyday words. A cited answer that finds the
question closer to one of these than to any passage says who to ask instead of quoting
a guide that merely shares its words.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

ELSEWHERE_FILE = Path(__file__).parent / "elsewhere.yaml"


@dataclass(frozen=True)
class Area:
    """What the questions of one area are about, and who answers them."""

    key: str
    about: str
    ask: str
    asked: tuple[str, ...]


@cache
def areas() -> tuple[Area, ...]:
    """Every area, as in the file; a malformed entry names itself."""
    listed = yaml.safe_load(ELSEWHERE_FILE.read_text(encoding="utf-8")) or {}
    found = []
    for key, entry in listed.items():
        if not isinstance(entry, dict) or set(entry) != {"about", "ask", "asked"}:
            raise ValueError(
                f"{ELSEWHERE_FILE.name}: area {key!r} needs exactly 'about', 'ask' and 'asked'."
            )
        about, ask, asked = entry["about"], entry["ask"], entry["asked"]
        if not all(isinstance(text, str) and text.strip() for text in (about, ask)):
            raise ValueError(
                f"{ELSEWHERE_FILE.name}: area {key!r} needs 'about' and 'ask' as text."
            )
        if (
            not isinstance(asked, list)
            or not asked
            or not all(isinstance(text, str) and text.strip() for text in asked)
        ):
            raise ValueError(f"{ELSEWHERE_FILE.name}: area {key!r} needs a list of questions.")
        found.append(Area(key=key, about=about, ask=ask, asked=tuple(asked)))
    return tuple(found)
