"""Retrieval on the built-in corpus and its labelled questions (knowledge/eval)."""

import pytest

from companion.guidance.service import KnowledgeBase
from companion.runtime import Services
from knowledge import EVAL_QUERIES, HOLDOUT_QUERIES
from knowledge.evaluation import evaluate, load_queries
from tests.guidance.conftest import SYSTEM

# Measured 2026-11-24 (docs/knowledge.md): hybrid recall@3 0.911, MRR 0.903 on the
# labelled set (dense 0.811, lexical 0.859); 0.94 and 0.874 on the held-out set.
RECALL_AT_3_GOAL = 0.9


def scores(services: Services, path) -> dict:
    queries = load_queries(path)
    assert len(queries) >= 40
    kb: KnowledgeBase = services.knowledge_base
    with services.sessions() as session:
        return {row.mode: row for row in evaluate(kb.searcher(session), queries)}


def test_hybrid_reaches_the_goal_and_beats_both_single_methods(corpus_services: Services) -> None:
    rows = scores(corpus_services, EVAL_QUERIES)
    hybrid = rows["hybrid"]
    assert hybrid.recall[3] >= RECALL_AT_3_GOAL, hybrid
    assert hybrid.mrr > rows["dense"].mrr, rows
    assert hybrid.mrr > rows["lexical"].mrr, rows


def test_questions_written_afterwards_are_found_as_well(corpus_services: Services) -> None:
    # Written after the design was fixed and never used to tune it. Lexical search
    # edges hybrid on MRR here (0.881 vs 0.874), so only recall is held.
    rows = scores(corpus_services, HOLDOUT_QUERIES)
    assert rows["hybrid"].recall[3] >= RECALL_AT_3_GOAL, rows["hybrid"]
    assert rows["hybrid"].mrr > rows["dense"].mrr, rows


@pytest.mark.parametrize("path", [EVAL_QUERIES, HOLDOUT_QUERIES], ids=["labelled", "held-out"])
def test_every_labelled_document_exists_in_the_corpus(corpus_services: Services, path) -> None:
    from companion.guidance import service as kb

    queries = load_queries(path)
    with corpus_services.sessions() as session:
        _, total = kb.list_documents(session=session, principal=SYSTEM)
        ids = {
            d.doc_id for d in kb.list_documents(session=session, principal=SYSTEM, limit=total)[0]
        }
    assert {doc for q in queries for doc in q.relevant} <= ids
    assert total >= 40
