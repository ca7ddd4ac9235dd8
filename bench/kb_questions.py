"""How much the questions in the corpus front matter lift retrieval, and how much of
that lift could come from questions that echo an evaluation query's wording.

Usage: .venv/bin/python bench/kb_questions.py [--record]

For the labelled set (knowledge/eval/queries.yaml) and the held-out set
(knowledge/eval/holdout.yaml) it prints recall@1/3/5 and MRR of dense, lexical
and hybrid retrieval over the built-in corpus three ways:

- without questions: the chunks alone (the baseline, same run);
- with questions: what `companion kb eval` measures;
- echoes hidden: for each evaluation query, every question that shares two or
  more word trigrams with it that appear nowhere in the corpus text is hidden,
  as if that question had never been written. Shared trigrams that the corpus
  contains come from both writers reading the same guide; the others are
  phrasing the two writers happened to share, which real users' queries
  would not share. This gives a conservative figure.

Everything is real: the packaged MiniLM encoder and the same HybridSearcher the
service uses, built in memory (no database or vector store is involved).
`--record` keeps hybrid recall@3 "with questions" (what the service ships) in
docs/measurements.json (bench/results.py).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from embeddings import Encoder
from knowledge import CORPUS_DIR, EVAL_QUERIES, HOLDOUT_QUERIES
from knowledge.chunking import chunk_document
from knowledge.evaluation import CUTOFFS, evaluate, load_queries
from knowledge.loaders import load_path
from knowledge.search import HybridSearcher, Passage, SearchFilters, question_id, search_text

ECHO_TRIGRAMS = 2


def trigrams(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z']+", text.lower())
    return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}


def corpus_passages() -> tuple[list[Passage], str]:
    passages: list[Passage] = []
    texts = []
    for path in sorted(CORPUS_DIR.glob("*.md")):
        doc = load_path(path)
        texts.append(doc.text)
        common = {
            "doc_id": doc.doc_id,
            "title": doc.title,
            "source": doc.source,
            "summary": doc.summary,
            # Whom the guide is written for, as the knowledge base records it: a pair's
            # drafts leave out guides for coordinators (`inputs.written_for`).
            "audience": tuple(doc.audience),
        }
        for chunk in chunk_document(doc):
            passages.append(
                Passage(chunk_id=chunk.chunk_id, heading=chunk.heading, text=chunk.text, **common)
            )
        for question in doc.questions:
            passages.append(
                Passage(
                    chunk_id=question_id(doc.doc_id, question),
                    heading="",
                    text=question,
                    is_question=True,
                    **common,
                )
            )
    return passages, "\n".join(texts)


class HiddenRows(HybridSearcher):
    """A searcher that leaves out chosen rows, as if they had never been indexed."""

    hidden: np.ndarray | None = None

    def mask(self, filters: SearchFilters) -> np.ndarray | None:
        return None if self.hidden is None else ~self.hidden


def scores(searcher: HiddenRows, queries, hide=None) -> dict[str, list[float]]:
    totals: dict[str, list[float]] = {}
    for query in queries:
        searcher.hidden = None if hide is None else hide(query.query)
        for row in evaluate(searcher, [query]):
            total = totals.setdefault(row.mode, [0.0] * (len(CUTOFFS) + 1))
            for i, k in enumerate(CUTOFFS):
                total[i] += row.recall[k]
            total[-1] += row.mrr
    searcher.hidden = None
    return {mode: [v / len(queries) for v in total] for mode, total in totals.items()}


def main() -> None:
    encoder = Encoder()
    passages, corpus_text = corpus_passages()
    vectors = encoder.encode([search_text(p) for p in passages])
    with_questions = HiddenRows(encoder, passages, vectors)
    keep = [i for i, p in enumerate(passages) if not p.is_question]
    without = HiddenRows(encoder, [passages[i] for i in keep], vectors[keep])
    corpus_trigrams = trigrams(corpus_text)
    question_trigrams = [trigrams(p.text) if p.is_question else set() for p in passages]

    def echoes(query: str) -> np.ndarray:
        own = trigrams(query) - corpus_trigrams
        return np.array([len(own & qt) >= ECHO_TRIGRAMS for qt in question_trigrams])

    questions = len(passages) - len(keep)
    documents = len({p.doc_id for p in passages})
    print(f"{len(keep)} chunks and {questions} questions of {documents} documents")
    header = "method   " + "".join(f"recall@{k}  " for k in CUTOFFS) + "MRR"
    for name, path in (("labelled", EVAL_QUERIES), ("held-out", HOLDOUT_QUERIES)):
        queries = load_queries(path)
        hidden = sum(int(echoes(q.query).sum()) for q in queries) / len(queries)
        print(f"\n{name}: {len(queries)} queries ({path.name})")
        for label, searcher, hide in (
            ("without questions (baseline)", without, None),
            ("with questions", with_questions, None),
            (f"echoes hidden ({hidden:.2f} questions per query)", with_questions, echoes),
        ):
            print(f"  {label}\n    {header}")
            for mode, row in scores(searcher, queries, hide).items():
                print(f"    {mode:8} " + "".join(f"{v:<10.3f}" for v in row))
                if "--record" in sys.argv and hide is None and searcher is with_questions:
                    _record(name, len(queries), mode, row)


def _record(name: str, count: int, mode: str, row: list[float]) -> None:
    if mode != "hybrid":
        return
    from bench.results import record

    recall3 = row[list(CUTOFFS).index(3)]
    record(
        f"retrieval.{name}.recall_at_3",
        figure=f"Knowledge base: recall@3 of hybrid search, {name} questions",
        value=recall3,
        unit="share",
        detail=f"{count} questions; MRR {row[-1]:.3f}",
    )


if __name__ == "__main__":
    main()
