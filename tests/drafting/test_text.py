"""Short quotes of a person's own writing (`key_phrases`), as drafts use them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.draft_quality import VERBATIM_WORDS, broken_phrases, longest_shared_run
from companion.drafting.text import (
    in_their_words,
    key_phrases,
    marked_blocks,
    sentences_of,
    words_of,
)

TUNING = Path(__file__).parent / "data" / "scenarios_tuning.jsonl"
ASPIRATIONS = [
    json.loads(line)["mentee"]["aspiration"]
    for line in TUNING.read_text(encoding="utf-8").splitlines()
    if line.strip()
]


class TestKeyPhrases:
    def test_the_point_of_each_clause_without_its_filler(self) -> None:
        text = (
            "honestly I want people outside my team to take me seriously in design "
            "discussions. right now I stay quiet in the architecture forum"
        )

        assert key_phrases(text) == [
            "people outside my team",
            "stay quiet in the architecture forum",
        ]

    def test_a_long_clause_is_cut_before_a_preposition_never_after_one(self) -> None:
        phrases = key_phrases("I want to be ready to take charge shifts by next summer")

        assert phrases == ["be ready to take charge shifts"]

    @pytest.mark.parametrize("text", ASPIRATIONS, ids=[f"s{i + 1:02}" for i in range(16)])
    def test_quoted_together_they_never_paste_the_text_back(self, text: str) -> None:
        phrases = key_phrases(text)
        together = " and ".join(f'"{p}"' for p in phrases)

        assert len(longest_shared_run(together, text)) <= VERBATIM_WORDS
        assert all(1 < len(p.split()) <= VERBATIM_WORDS for p in phrases)
        vocabulary = {w for w in words_of(text)}
        assert broken_phrases(together, vocabulary) == []

    def test_a_clause_about_when_is_cut_before_when(self) -> None:
        # The brief once quoted only "someone senior in my corner": the aim, said with
        # when it will happen, was no whole phrase and was dropped.
        text = (
            "want to go for watch manager when the next round opens in spring. honestly "
            "id really like someone senior in my corner"
        )

        assert key_phrases(text) == ["go for watch manager", "someone senior in my corner"]

    def test_short_text_is_quoted_whole(self) -> None:
        assert in_their_words("Lead a design review.") == '"Lead a design review"'

    def test_a_point_that_says_only_it_is_quoted_with_what_it_is(self) -> None:
        text = (
            "I freeze when a customer asks a technical question I can't answer on the "
            "spot, and I want to handle it gracefully."
        )

        said = in_their_words(text)

        # Not just "handle it gracefully": the reader cannot tell what "it" is.
        assert "technical question" in said, said
        assert "handle it gracefully" in said, said


TABLE = """Pick the channel by what the exchange is for.

| Type of exchange | Suggested channel |
|---|---|
| First meeting, getting to know each other | In person or video |
| Rescheduling | Chat or email, with as much notice as possible |

A useful rule: switch to a call when writing goes in circles.
"""


class TestTables:
    def test_a_row_reads_as_one_line_and_the_header_is_not_content(self) -> None:
        assert marked_blocks(TABLE) == [
            ("paragraph", "Pick the channel by what the exchange is for."),
            ("row", "First meeting, getting to know each other: In person or video"),
            ("row", "Rescheduling: Chat or email, with as much notice as possible"),
            ("paragraph", "A useful rule: switch to a call when writing goes in circles."),
        ]

    def test_a_cell_is_never_a_sentence_of_its_own(self) -> None:
        sentences = sentences_of(TABLE)

        assert "Chat or email, with as much notice as possible" not in sentences
        assert "Rescheduling: Chat or email, with as much notice as possible" in sentences

    def test_a_table_without_a_rule_keeps_every_row(self) -> None:
        assert marked_blocks("| a | b |\n| c | d |") == [("row", "a: b"), ("row", "c: d")]
