"""The labelled questions of bench/answer_sections.py name sections the guides have: a
guide renamed or a heading reworded would otherwise make the measure quietly wrong."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from knowledge import CORPUS_DIR

DATA = Path(__file__).parent / "data"
HALVES = ("answer_sections_tuning.jsonl", "answer_sections_heldout.jsonl")


def headings() -> dict[str, set[str]]:
    """Guide id -> its "## " section headings."""
    found = {}
    for path in CORPUS_DIR.glob("*.md"):
        text = path.read_text()
        guide = re.search(r"^id:\s*(\S+)", text, re.MULTILINE).group(1)
        found[guide] = {h.strip() for h in re.findall(r"^## (.+)$", text, re.MULTILINE)}
    return found


@pytest.mark.parametrize("name", HALVES)
def test_every_label_is_a_section_of_a_guide(name: str) -> None:
    sections = headings()
    rows = [json.loads(line) for line in (DATA / name).read_text().splitlines() if line]
    assert len(rows) == 32
    for row in rows:
        assert row["none"] == (row["answers"] == []), row["id"]
        for label in row["answers"]:
            assert label["section"] in sections.get(label["doc"], set()), (row["id"], label)


def test_the_halves_share_no_question() -> None:
    ids = [
        {json.loads(line)["id"] for line in (DATA / name).read_text().splitlines() if line}
        for name in HALVES
    ]
    assert not ids[0] & ids[1]
