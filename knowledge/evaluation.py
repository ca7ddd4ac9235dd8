"""Retrieval quality on labelled questions: recall@k and MRR per retrieval method."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from knowledge.search import HybridSearcher, Mode

CUTOFFS = (1, 3, 5)
MODES: tuple[Mode, ...] = ("dense", "lexical", "hybrid")


@dataclass(frozen=True)
class LabelledQuery:
    query: str
    relevant: tuple[str, ...]
    asker: str | None = None


def load_queries(path: Path) -> list[LabelledQuery]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    queries = []
    for number, item in enumerate(data.get("queries", []), start=1):
        if not item.get("query") or not item.get("relevant"):
            raise ValueError(f"{path}: query #{number} needs 'query' and 'relevant'")
        queries.append(
            LabelledQuery(
                query=str(item["query"]),
                relevant=tuple(str(r) for r in item["relevant"]),
                asker=item.get("asker"),
            )
        )
    return queries


@dataclass(frozen=True)
class Scores:
    mode: str
    recall: dict[int, float]
    mrr: float
    queries: int


def ranked_documents(searcher: HybridSearcher, query: str, mode: Mode, depth: int) -> list[str]:
    results = searcher.search(query, top_k=depth, mode=mode, max_per_doc=1)
    return [r.doc_id for r in results]


def evaluate(
    searcher: HybridSearcher,
    queries: Sequence[LabelledQuery],
    modes: Sequence[Mode] = MODES,
    cutoffs: Sequence[int] = CUTOFFS,
) -> list[Scores]:
    """Document-level scores, one row per retrieval method.

    recall@k: of a query's relevant documents, the share found in the top k,
    where a query can at most find k (so one relevant document in first place
    scores 1 at k=1). MRR: the mean of 1/rank of the first relevant document.
    """
    depth = max(max(cutoffs), 10)
    rows = []
    for mode in modes:
        recall = dict.fromkeys(cutoffs, 0.0)
        reciprocal = 0.0
        for labelled in queries:
            ranking = ranked_documents(searcher, labelled.query, mode, depth)
            relevant = set(labelled.relevant)
            for k in cutoffs:
                found = len(relevant & set(ranking[:k]))
                recall[k] += found / min(k, len(relevant))
            first = next((i for i, doc in enumerate(ranking) if doc in relevant), None)
            reciprocal += 0.0 if first is None else 1.0 / (first + 1)
        n = max(len(queries), 1)
        rows.append(
            Scores(
                mode=mode,
                recall={k: v / n for k, v in recall.items()},
                mrr=reciprocal / n,
                queries=len(queries),
            )
        )
    return rows
