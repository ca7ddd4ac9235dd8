"""Hybrid retrieval: dense (encoder + vectors) and lexical (BM25), fused by reciprocal rank."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from embeddings import Encoder
from knowledge.lexical import LexicalIndex, stem_word, tokenize

Mode = Literal["hybrid", "dense", "lexical"]
RRF_K = 60  # the constant of Cormack, Clarke & Büttcher (2009); damps the top ranks
CANDIDATES = 50  # how deep each method's list goes into the fusion


@dataclass(frozen=True)
class Passage:
    """A chunk as search sees it: its text, citation and filterable metadata."""

    chunk_id: str
    doc_id: str
    title: str
    source: str
    heading: str
    text: str
    summary: str = ""
    kind: str = "guide"
    audience: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    program_types: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    is_question: bool = False  # a question the document answers: searched, never shown


@dataclass(frozen=True)
class SearchFilters:
    """Each set field must match; an empty field does not filter."""

    audience: str | None = None
    topic: str | None = None
    program_type: str | None = None
    document: str | None = None
    kind: str | None = None


@dataclass(frozen=True)
class SearchResult:
    doc_id: str
    title: str
    source: str
    heading: str
    text: str
    snippet: str
    score: float
    chunk_id: str = field(repr=False, default="")
    # Whom the passage's document is written for (a guide's `audience`; empty: anyone).
    audience: tuple[str, ...] = field(repr=False, default=())


def question_id(doc_id: str, question: str) -> str:
    """The stable id of a document's question as a search key (its vector's id)."""
    return hashlib.sha256(f"{doc_id}\x1fquestion\x1f{question}".encode()).hexdigest()


def _result(passage: Passage, *, snippet: str, score: float) -> SearchResult:
    return SearchResult(
        doc_id=passage.doc_id,
        title=passage.title,
        source=passage.source,
        heading=passage.heading,
        text=passage.text,
        snippet=snippet,
        score=score,
        chunk_id=passage.chunk_id,
        audience=passage.audience,
    )


def search_text(passage: Passage) -> str:
    """What gets embedded and indexed for a passage.

    The heading path and the document's summary give a passage the context it
    lost when it was cut out of its document; on the labelled questions this
    lifts hybrid recall@3 from 0.74 to 0.84 (docs/knowledge.md).
    """
    if passage.is_question:
        return passage.text
    return f"{passage.heading}\n{passage.summary}\n{passage.text}"


class HybridSearcher:
    """Searches a fixed set of passages; rebuild it when the passages change."""

    def __init__(self, encoder: Encoder, passages: Sequence[Passage], vectors: np.ndarray) -> None:
        if len(passages) != len(vectors):
            raise ValueError(f"{len(passages)} passages but {len(vectors)} vectors")
        self.encoder = encoder
        self.passages = list(passages)
        self.matrix = np.ascontiguousarray(vectors, dtype=np.float32)
        self.lexical = LexicalIndex([search_text(p) for p in self.passages])
        self._facets = _build_facets(self.passages)
        text_rows: dict[str, list[int]] = {}
        for row, passage in enumerate(self.passages):
            if not passage.is_question:
                text_rows.setdefault(passage.doc_id, []).append(row)
        self._text_rows = {doc: np.array(rows) for doc, rows in text_rows.items()}
        # Each shown passage's sentences and their words' stems, made the first time it
        # is shown: a snippet then only counts the query's stems in them.
        self._sentences: dict[int, Sentences] = {}

    def __len__(self) -> int:
        return len(self.passages)

    def mask(self, filters: SearchFilters) -> np.ndarray | None:
        """Which passages the filters allow (None: all of them)."""
        wanted = [
            ("audience", filters.audience),
            ("topic", filters.topic),
            ("program_type", filters.program_type),
            ("document", filters.document),
            ("kind", filters.kind),
        ]
        mask: np.ndarray | None = None
        for facet, value in wanted:
            if not value:
                continue
            allowed = self._facets[facet].get(value)
            if allowed is None:
                return np.zeros(len(self.passages), dtype=bool)
            mask = allowed if mask is None else mask & allowed
        return mask

    def section(self, doc_id: str, heading: str) -> list[SearchResult]:
        """The passages of one section of a document, in the document's order: those whose
        heading path names `heading` right under the document's title. None when the
        document or the section is not among the passages (retired, renamed, removed)."""
        rows = self._text_rows.get(doc_id)
        if rows is None:
            return []
        found = []
        for row in rows:
            passage = self.passages[int(row)]
            parts = [part.strip() for part in passage.heading.split(" > ")]
            if len(parts) > 1 and parts[1] == heading:
                found.append(_result(passage, snippet="", score=0.0))
        return found

    def dense_scores(self, query: str) -> np.ndarray:
        return self.matrix @ self.encoder.encode_one(query)

    def search(
        self,
        query: str,
        *,
        top_k: int = 5,
        filters: SearchFilters | None = None,
        mode: Mode = "hybrid",
        max_per_doc: int = 2,
    ) -> list[SearchResult]:
        """The best passages for a query, best first, at most max_per_doc per document."""
        query = query.strip()
        if not query or top_k < 1 or not self.passages:
            return []
        mask = self.mask(filters or SearchFilters())
        query_stems = tokenize([query])[0]  # the query's words as BM25 and highlighting see them
        depth = max(CANDIDATES, top_k * 4)
        rankings = []
        relevance: np.ndarray | None = None
        if mode in ("hybrid", "dense"):
            relevance = self.dense_scores(query)
            rankings.append(_top(relevance, mask, depth, require_positive=False))
        if mode in ("hybrid", "lexical"):
            lexical = self.lexical.scores_of(query_stems)
            relevance = lexical if relevance is None else relevance
            rankings.append(_top(lexical, mask, depth, require_positive=True))
        fused: dict[int, float] = {}
        for ranking in rankings:
            for rank, row in enumerate(ranking):
                fused[row] = fused.get(row, 0.0) + 1.0 / (RRF_K + rank + 1)
        fused = self._answer_questions(fused, relevance)
        ordered = sorted(fused.items(), key=lambda item: (-item[1], item[0]))
        stem_set = set(query_stems)
        per_doc: dict[str, int] = {}
        results: list[SearchResult] = []
        for row, score in ordered:
            passage = self.passages[row]
            if per_doc.get(passage.doc_id, 0) >= max_per_doc:
                continue
            per_doc[passage.doc_id] = per_doc.get(passage.doc_id, 0) + 1
            snippet = make_snippet(passage.text, stem_set, sentences=self._sentences_of(row))
            results.append(_result(passage, snippet=snippet, score=round(score, 6)))
            if len(results) == top_k:
                break
        return results

    def _sentences_of(self, row: int) -> Sentences:
        sentences = self._sentences.get(row)
        if sentences is None:
            sentences = self._sentences[row] = split_sentences(self.passages[row].text)
        return sentences

    def _answer_questions(self, fused: dict[int, float], relevance: np.ndarray) -> dict[int, float]:
        """Credit a matched question to its document's best passage (questions are never shown).

        The passage gets the question's score when that is higher than its own;
        which passage stands for the document is decided by the query's relevance.
        """
        credited: dict[int, float] = {}
        for row, score in fused.items():
            passage = self.passages[row]
            if passage.is_question:
                rows = self._text_rows.get(passage.doc_id)
                if rows is None:
                    continue
                row = int(rows[np.argmax(relevance[rows])])
            credited[row] = max(credited.get(row, 0.0), score)
        return credited


def _top(scores: np.ndarray, mask: np.ndarray | None, depth: int, *, require_positive: bool):
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    if require_positive:
        scores = np.where(scores > 0, scores, -np.inf)
    depth = min(depth, len(scores))
    if depth == 0:
        return []
    candidates = np.argpartition(-scores, depth - 1)[:depth]
    candidates = candidates[np.isfinite(scores[candidates])]
    return sorted(candidates.tolist(), key=lambda row: (-scores[row], row))


def _build_facets(passages: Sequence[Passage]) -> dict[str, dict[str, np.ndarray]]:
    facets: dict[str, dict[str, list[int]]] = {
        "audience": {},
        "topic": {},
        "program_type": {},
        "document": {},
        "kind": {},
    }
    for row, p in enumerate(passages):
        values = {
            "audience": p.audience,
            "topic": p.topics,
            "program_type": p.program_types,
            "document": (p.doc_id,),
            "kind": (p.kind, *p.tags),
        }
        for facet, items in values.items():
            for item in items:
                facets[facet].setdefault(item, []).append(row)
    size = len(passages)
    masks: dict[str, dict[str, np.ndarray]] = {}
    for facet, rows_by_value in facets.items():
        masks[facet] = {}
        for value, rows in rows_by_value.items():
            mask = np.zeros(size, dtype=bool)
            mask[rows] = True
            masks[facet][value] = mask
    return masks


SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
TOKEN = re.compile(r"\w[\w'-]*|\W+")
SNIPPET_WORDS = 36
URL = re.compile(r"(https?://\S+?)(?=[)\]>\s]|$)")


def _highlight(text: str, query_stems: set[str]) -> str:
    return "".join(
        f"**{piece}**" if piece[0].isalnum() and stem_word(piece) in query_stems else piece
        for piece in TOKEN.findall(text)
    )


@dataclass(frozen=True)
class Sentences:
    """A text's sentences, and the stems of each sentence's words (what a snippet counts)."""

    texts: tuple[str, ...]
    stems: tuple[tuple[str, ...], ...]


def split_sentences(text: str) -> Sentences:
    texts = tuple(s for s in SENTENCE_END.split(" ".join(text.split())) if s)
    return Sentences(
        texts, tuple(tuple(stem_word(w) for w in re.findall(r"\w+", s)) for s in texts)
    )


def make_snippet(
    text: str,
    query_stems: set[str],
    words: int = SNIPPET_WORDS,
    *,
    sentences: Sentences | None = None,
) -> str:
    """The sentence run that shares most words with the query, matches in **bold**.

    `sentences` is `split_sentences(text)`, when the caller keeps it for many queries.
    """
    split = sentences or split_sentences(text)
    if not split.texts:
        return ""

    def hits(i: int) -> int:
        return sum(1 for stem in split.stems[i] if stem in query_stems)

    best = max(range(len(split.texts)), key=lambda i: (hits(i), -i))
    chosen = split.texts[best].split()
    follow = best + 1
    while len(chosen) < words and follow < len(split.texts):
        chosen += split.texts[follow].split()
        follow += 1
    clipped = len(chosen) > words
    snippet = " ".join(chosen[:words])
    highlighted = "".join(
        part if URL.fullmatch(part) else _highlight(part, query_stems)
        for part in URL.split(snippet)
        if part
    )
    prefix = "… " if best > 0 else ""
    return prefix + highlighted + (" …" if clipped or follow < len(split.texts) else "")
