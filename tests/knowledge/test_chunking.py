"""Splitting documents into heading-aware, bounded, overlapping chunks."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import random
import re
from pathlib import Path

import pytest

from knowledge import CORPUS_DIR
from knowledge.chunking import chunk_document
from knowledge.documents import Chunk, SourceDocument
from knowledge.loaders import load_path

TITLE = "Active listening for mentors"
MAX_WORDS = 60
OVERLAP_WORDS = 12


def make_doc(text: str, *, title: str = TITLE, doc_id: str = "active-listening") -> SourceDocument:
    return SourceDocument(
        doc_id=doc_id, title=title, source="test", kind="guide", text=text, content_hash="-"
    )


def words(text: str) -> list[str]:
    return text.split()


def overlap_length(previous: Chunk, current: Chunk, limit: int) -> int:
    """How many leading words of `current` repeat the trailing words of `previous`."""
    before, after = words(previous.text), words(current.text)
    return max(
        (k for k in range(1, limit + 1) if after[:k] == before[-k:]),
        default=0,
    )


class SyntheticDocument:
    """A long document of unique words ('w0', 'w1', ...) that remembers each word's section."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.counter = itertools.count()
        self.lines: list[str] = [f"# {TITLE}", ""]
        self.section_of: dict[str, str] = {}
        self.path = [TITLE]
        self.body_words: list[str] = []

    def heading(self, level: int, name: str) -> None:
        self.lines += [f"{'#' * level} {name}", ""]
        self.path = [*self.path[: level - 1], name]

    def sentence(self, length: int) -> str:
        sentence = " ".join(f"w{next(self.counter)}" for _ in range(length)) + "."
        for word in sentence.split():
            self.section_of[word] = " > ".join(self.path)
        return sentence

    def paragraph(self, sentences: int) -> None:
        self.add(" ".join(self.sentence(self.rng.randint(4, 25)) for _ in range(sentences)))

    def bullet_list(self, items: int) -> None:
        self.add("\n".join(f"- {self.sentence(self.rng.randint(3, 12))}" for _ in range(items)))

    def add(self, block: str) -> None:
        self.lines += [block, ""]
        self.body_words += block.split()

    def build(self) -> SourceDocument:
        return make_doc("\n".join(self.lines))


def long_document(seed: int = 1) -> SyntheticDocument:
    synthetic = SyntheticDocument(seed)
    synthetic.paragraph(2)
    synthetic.paragraph(1)
    synthetic.heading(2, "Reflecting back")
    for sentences in (3, 6, 2, 15, 1, 4, 8):
        synthetic.paragraph(sentences)
    synthetic.heading(3, "Example phrases")
    synthetic.add(synthetic.sentence(170))
    synthetic.bullet_list(25)
    synthetic.heading(2, "Silence")
    synthetic.heading(2, "Closing")
    synthetic.add(synthetic.sentence(2))
    return synthetic


class TestChunkDocument:
    def test_heading_paths_follow_nesting(self) -> None:
        text = (
            f"# {TITLE}\n\nIntro before any section.\n\n"
            "## Reflecting back\n\nSay back what you heard.\n\n"
            "### Example phrases\n\n- So you mean...\n- It sounds like...\n\n"
            "## Silence\n\nWait a little longer.\n"
        )

        chunks = chunk_document(make_doc(text))

        assert [(c.position, c.heading, c.text) for c in chunks] == [
            (0, TITLE, "Intro before any section."),
            (1, f"{TITLE} > Reflecting back", "Say back what you heard."),
            (
                2,
                f"{TITLE} > Reflecting back > Example phrases",
                "- So you mean...\n- It sounds like...",
            ),
            (3, f"{TITLE} > Silence", "Wait a little longer."),
        ]
        assert {c.doc_id for c in chunks} == {"active-listening"}

    def test_a_first_heading_other_than_the_title_is_part_of_the_path(self) -> None:
        text = "# Listening\n\nText.\n\n## Deeper\n\nMore text.\n"

        chunks = chunk_document(make_doc(text))

        assert [c.heading for c in chunks] == [
            f"{TITLE} > Listening",
            f"{TITLE} > Listening > Deeper",
        ]

    def test_empty_sections_give_no_chunk_and_tiny_ones_do(self) -> None:
        text = "## Empty\n\n## Also empty\n\n### Tiny\n\nOne line.\n"

        chunks = chunk_document(make_doc(text))

        assert [(c.heading, c.text) for c in chunks] == [
            (f"{TITLE} > Also empty > Tiny", "One line.")
        ]

    def test_hash_lines_in_code_fences_are_not_headings(self) -> None:
        text = (
            "## Setup\n\n"
            "```bash\n# install the tool\n\n## still code\n```\n\n"
            "~~~\n# more code\n~~~\n\n"
            "After the code.\n\n"
            "#hashtag is not a heading either\n"
        )

        chunks = chunk_document(make_doc(text))

        assert [c.heading for c in chunks] == [f"{TITLE} > Setup"]
        assert chunks[0].text == (
            "```bash\n# install the tool\n\n## still code\n```\n\n"
            "~~~\n# more code\n~~~\n\n"
            "After the code.\n\n"
            "#hashtag is not a heading either"
        )

    def test_closing_hashes_are_not_part_of_the_heading(self) -> None:
        chunks = chunk_document(make_doc("## Silence ##\n\nWait.\n"))

        assert chunks[0].heading == f"{TITLE} > Silence"

    def test_a_long_paragraph_is_cut_between_sentences(self) -> None:
        sentence = "The mentor listens closely and then asks one more open question."
        doc = make_doc(" ".join([sentence] * 20))

        chunks = chunk_document(doc, max_words=50, overlap_words=0)

        assert len(chunks) == 5
        for chunk in chunks:
            assert chunk.text.endswith(".")
            assert chunk.text.startswith("The mentor")
            assert len(words(chunk.text)) <= 50

    def test_a_sentence_longer_than_the_limit_is_cut_between_words(self) -> None:
        doc = make_doc(" ".join(f"w{i}" for i in range(130)))

        chunks = chunk_document(doc, max_words=50, overlap_words=0)

        assert [len(words(c.text)) for c in chunks] == [50, 50, 30]

    def test_chunks_stay_within_one_section_and_the_size_bound(self) -> None:
        synthetic = long_document()

        chunks = chunk_document(synthetic.build(), max_words=MAX_WORDS, overlap_words=OVERLAP_WORDS)

        assert [c.position for c in chunks] == list(range(len(chunks)))
        for chunk in chunks:
            assert 1 <= len(words(chunk.text)) <= MAX_WORDS + OVERLAP_WORDS
            sections = {synthetic.section_of[w] for w in words(chunk.text) if w != "-"}
            assert sections == {chunk.heading}

    def test_consecutive_chunks_of_a_section_overlap_a_little(self) -> None:
        chunks = chunk_document(
            long_document().build(), max_words=MAX_WORDS, overlap_words=OVERLAP_WORDS
        )

        pairs = [(a, b) for a, b in itertools.pairwise(chunks) if a.heading == b.heading]
        assert len(pairs) > 5
        for previous, current in pairs:
            assert 1 <= overlap_length(previous, current, OVERLAP_WORDS) <= OVERLAP_WORDS
        for previous, current in itertools.pairwise(chunks):
            if previous.heading != current.heading:
                assert overlap_length(previous, current, OVERLAP_WORDS) == 0

    def test_overlap_prefers_whole_sentences(self) -> None:
        sentences = [f"Sentence {i} has exactly six words." for i in range(40)]
        doc = make_doc(" ".join(sentences))

        chunks = chunk_document(doc, max_words=60, overlap_words=15)

        for previous, current in itertools.pairwise(chunks):
            assert overlap_length(previous, current, 15) == 12
            assert re.match(r"Sentence \d+ has", current.text)

    def test_no_words_are_lost(self) -> None:
        for seed in range(5):
            synthetic = long_document(seed)
            chunks = chunk_document(
                synthetic.build(), max_words=MAX_WORDS, overlap_words=OVERLAP_WORDS
            )

            rebuilt = words(chunks[0].text)
            for previous, current in itertools.pairwise(chunks):
                skip = (
                    overlap_length(previous, current, OVERLAP_WORDS)
                    if previous.heading == current.heading
                    else 0
                )
                rebuilt += words(current.text)[skip:]

            assert rebuilt == synthetic.body_words

    def test_ids_are_stable_and_follow_the_text(self) -> None:
        doc = long_document().build()
        first = chunk_document(doc)
        again = chunk_document(doc)
        edited = chunk_document(dataclasses.replace(doc, text=doc.text.replace("w3 ", "w3x ")))
        renamed = chunk_document(dataclasses.replace(doc, doc_id="other"))

        assert [c.chunk_id for c in first] == [c.chunk_id for c in again]
        changed = [
            a.position for a, b in zip(first, edited, strict=True) if a.chunk_id != b.chunk_id
        ]
        assert changed == [0]
        assert not {c.chunk_id for c in first} & {c.chunk_id for c in renamed}
        expected = f"{doc.doc_id}\x1f0\x1f{first[0].heading}\x1f{first[0].text}"
        assert first[0].chunk_id == hashlib.sha256(expected.encode()).hexdigest()

    @pytest.mark.parametrize(("max_words", "overlap_words"), [(0, 0), (10, 10), (10, -1)])
    def test_bad_sizes_are_rejected(self, max_words: int, overlap_words: int) -> None:
        with pytest.raises(ValueError):
            chunk_document(make_doc("Text."), max_words=max_words, overlap_words=overlap_words)


class TestChunkCorpus:
    CORPUS_FILES = sorted(CORPUS_DIR.glob("*.md"))

    @pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda path: path.stem)
    def test_every_corpus_chunk_is_bounded_and_titled(self, path: Path) -> None:
        doc = load_path(path)

        chunks = chunk_document(doc, max_words=200, overlap_words=30)

        assert chunks
        for chunk in chunks:
            assert 1 <= len(words(chunk.text)) <= 230
            assert chunk.heading.startswith(doc.title)
            assert not chunk.text.lstrip().startswith("## ")
