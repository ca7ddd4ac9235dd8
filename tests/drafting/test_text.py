"""Short quotes of a person's own writing (`key_phrases`), as drafts use them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.draft_quality import VERBATIM_WORDS, broken_phrases, longest_shared_run
from companion.drafting.text import in_their_words, key_phrases, words_of

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
