"""Questions each section of a built-in guide answers, in the words people ask them.

The guides' own wording rarely matches how a worried mentor puts a question ("she's
cancelled on me again"), so `asked.yaml` lists, for each section, a few questions put
that way. A cited answer compares the question asked with them as further evidence of
which section answers it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

ASKED_FILE = Path(__file__).parent / "asked.yaml"


@dataclass(frozen=True)
class AskedQuestion:
    """A question the section `section` of guide `doc_id` answers."""

    doc_id: str
    section: str
    text: str


@cache
def asked_questions() -> tuple[AskedQuestion, ...]:
    """Every listed question, guide by guide and section by section, as in the file."""
    listed = yaml.safe_load(ASKED_FILE.read_text(encoding="utf-8")) or {}
    return tuple(
        AskedQuestion(doc_id=doc_id, section=section, text=text)
        for doc_id, sections in listed.items()
        for section, texts in sections.items()
        for text in texts
    )
