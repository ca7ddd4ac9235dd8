"""The questions listed per section of the built-in guides name sections that exist."""

from __future__ import annotations

from knowledge import CORPUS_DIR
from knowledge.asked import asked_questions
from knowledge.chunking import iter_headings
from knowledge.loaders import load_path


def test_every_listed_section_is_a_section_of_its_guide() -> None:
    sections = set()
    for path in CORPUS_DIR.glob("*.md"):
        doc = load_path(path)
        sections |= {(doc.doc_id, heading) for _, _, heading in iter_headings(doc.text)}

    listed = {(q.doc_id, q.section) for q in asked_questions()}

    assert listed and listed <= sections, sorted(listed - sections)


def test_listed_questions_are_short_and_not_repeated() -> None:
    texts = [q.text for q in asked_questions()]

    assert all(3 <= len(text.split()) <= 20 for text in texts)
    assert len(set(texts)) == len(texts)
