"""Retrieval on the built-in corpus and its labelled questions (knowledge/eval)."""

from companion.kb.service import KnowledgeBase
from companion.services import Services
from knowledge import EVAL_QUERIES
from knowledge.evaluation import evaluate, load_queries

# Measured 2026-11-23: hybrid recall@3 0.836, MRR 0.792 (dense 0.712, lexical 0.669).
# The issue asks for recall@3 >= 0.9; not reached yet (docs/knowledge.md). This floor
# catches regressions; raise it as retrieval improves.
RECALL_AT_3_FLOOR = 0.83


def test_hybrid_holds_its_floor_and_beats_both_single_methods(corpus_services: Services) -> None:
    queries = load_queries(EVAL_QUERIES)
    assert len(queries) >= 40
    kb: KnowledgeBase = corpus_services.knowledge_base
    with corpus_services.sessions() as session:
        rows = {row.mode: row for row in evaluate(kb.searcher(session), queries)}
    hybrid = rows["hybrid"]
    assert hybrid.recall[3] >= RECALL_AT_3_FLOOR, hybrid
    assert hybrid.mrr > rows["dense"].mrr, rows
    assert hybrid.mrr > rows["lexical"].mrr, rows


def test_every_labelled_document_exists_in_the_corpus(corpus_services: Services) -> None:
    from companion.kb import service as kb

    queries = load_queries(EVAL_QUERIES)
    with corpus_services.sessions() as session:
        _, total = kb.list_documents(session=session)
        ids = {d.doc_id for d in kb.list_documents(session=session, limit=total)[0]}
    assert {doc for q in queries for doc in q.relevant} <= ids
    assert total >= 40
