"""Lexical retrieval: BM25 over stemmed, stop-word-free tokens (bm25s)."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from knowledge import tokens

WORD = re.compile(r"(?u)\b\w\w+\b")


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    import bm25s

    # The shared tokenizer's stemmer, so that search, highlighting and the drafters
    # compare words the same way.
    return bm25s.tokenize(
        list(texts),
        lower=True,
        stopwords="en",
        stemmer=lambda ws: [tokens.stem(w) for w in ws],
        return_ids=False,
        show_progress=False,
    )


def stem_word(word: str) -> str:
    return tokens.stem(word)


class LexicalIndex:
    """BM25 over a fixed list of passages; rows are addressed by position."""

    def __init__(self, texts: Sequence[str]) -> None:
        import bm25s

        self.size = len(texts)
        self._bm25 = bm25s.BM25()
        if texts:
            self._bm25.index(tokenize(texts), show_progress=False)

    def scores(self, query: str) -> np.ndarray:
        """A BM25 score per passage (0 where no query word occurs)."""
        return self.scores_of(tokenize([query])[0])

    def scores_of(self, tokens: list[str]) -> np.ndarray:
        """The scores of a query already tokenized with `tokenize`."""
        if not self.size:
            return np.zeros(0, dtype=np.float32)
        if not tokens:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)
