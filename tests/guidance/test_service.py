"""Ingestion, idempotency, replacement, deletion and search through the core service."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from companion.audit.models import AuditEvent
from companion.errors import InvalidInput
from companion.guidance import service as kb
from companion.guidance.models import KbChunk, KbDocument
from companion.runtime import Services
from knowledge import CORPUS_DIR
from knowledge.lexical import tokenize
from knowledge.search import SearchFilters, make_snippet, split_sentences
from tests.guidance.conftest import SYSTEM, ingest_paths

GUIDE = """---
id: remote-check-ins
title: Remote check-ins
audience: [mentor]
topics: [remote]
---
# Remote check-ins

## Keeping a rhythm

Agree on a fixed fortnightly slot and protect it like any client meeting. If a slot
is missed, the mentor proposes two alternatives within a day.

## When energy drops

Ask what changed since the last conversation. Low energy often means the goal no
longer matters; revisit it together before adding more actions.
"""


def search(services: Services, query: str, **filters) -> list:
    with services.sessions() as session:
        return kb.search(
            session=session,
            kb=services.knowledge_base,
            query=query,
            top_k=5,
            filters=SearchFilters(**filters),
        )


def vector_ids(services: Services) -> set[str]:
    return set(services.knowledge_base.index.ids())


def chunk_ids(services: Services, doc_id: str | None = None) -> set[str]:
    with services.sessions() as session:
        query = select(KbChunk.chunk_id).join(KbDocument)
        if doc_id:
            query = query.where(KbDocument.doc_id == doc_id)
        return set(session.scalars(query))


class TestIngest:
    def test_unchanged_files_add_nothing(self, services: Services, docs_dir: Path) -> None:
        (docs_dir / "guide.md").write_text(GUIDE)
        first = ingest_paths(services, docs_dir)
        assert [i["doc_id"] for i in first.ingested] == ["remote-check-ins"]
        with services.sessions() as session:
            events = session.scalar(select(func.count()).select_from(AuditEvent))
        second = ingest_paths(services, docs_dir)
        assert second.ingested == [] and len(second.unchanged) == 1
        with services.sessions() as session:
            assert session.scalar(select(func.count()).select_from(AuditEvent)) == events
        assert vector_ids(services) == chunk_ids(services)

    def test_a_changed_file_replaces_exactly_its_chunks(
        self, services: Services, docs_dir: Path
    ) -> None:
        (docs_dir / "guide.md").write_text(GUIDE)
        (docs_dir / "other.txt").write_text("Notes on speed mentoring rounds.\n\nKeep them short.")
        ingest_paths(services, docs_dir)
        before, other_before = chunk_ids(services, "remote-check-ins"), chunk_ids(services, "other")
        (docs_dir / "guide.md").write_text(GUIDE.replace("fortnightly", "weekly"))
        report = ingest_paths(services, docs_dir)
        assert [i["doc_id"] for i in report.ingested] == ["remote-check-ins"]
        after = chunk_ids(services, "remote-check-ins")
        assert after != before and len(after) == len(before)
        assert chunk_ids(services, "other") == other_before
        search(services, "anything")  # the searcher rebuild also prunes stale vectors
        assert vector_ids(services) == chunk_ids(services)
        assert not (before - after) & vector_ids(services)

    def test_bad_files_fail_alone_with_reasons(self, services: Services, docs_dir: Path) -> None:
        (docs_dir / "good.md").write_text(GUIDE)
        (docs_dir / "empty.txt").write_text("")
        (docs_dir / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
        (docs_dir / "slides.pptx").write_bytes(b"PK\x03\x04")
        report = ingest_paths(services, docs_dir)
        assert [i["doc_id"] for i in report.ingested] == ["remote-check-ins"]
        failed = {Path(f["source"]).name: f["error"] for f in report.failed}
        assert set(failed) == {"empty.txt", "broken.pdf", "slides.pptx"}
        assert "unsupported file type" in failed["slides.pptx"]
        assert "PDF" in failed["broken.pdf"]
        assert "empty" in failed["empty.txt"]

    def test_duplicate_ids_in_one_batch_are_reported(
        self, services: Services, docs_dir: Path
    ) -> None:
        (docs_dir / "a.md").write_text(GUIDE)
        (docs_dir / "b.md").write_text(GUIDE.replace("Remote check-ins", "Copy"))
        report = ingest_paths(services, docs_dir)
        assert len(report.ingested) == 1
        assert "also used by" in report.failed[0]["error"]

    def test_leaders_stories_are_tagged_and_filterable(
        self, services: Services, docs_dir: Path
    ) -> None:
        story = docs_dir / "cfo-story.txt"
        story.write_text(
            "How our finance director found her first sponsor\n\n"
            "I spent six years in accounts payable before anyone asked what I wanted next. "
            "A regional controller invited me to shadow the budget review, and that single "
            "afternoon changed how I saw my career.\n\n"
            "What I tell people now: ask to sit in on the meeting where decisions are made."
        )
        ingest_paths(services, CORPUS_DIR / "reverse-mentoring.md")
        report = ingest_paths(services, story, tags=["story"])
        assert report.ingested[0]["doc_id"] == "cfo-story"
        hits = search(services, "how did a leader get noticed early in their career", kind="story")
        assert [h.doc_id for h in hits] == ["cfo-story"]


CLOSING = """---
id: closing-well
title: Closing well
audience: [mentor, mentee]
---
# Closing well

## The last session

Agree on a final session in advance. Review the goals you set at the start, name
what changed, and say what each of you will carry forward. Thank each other for
something specific.
"""
CLOSING_QUESTIONS = """questions:
  - "we have nothing left to discuss, is it time to wrap up the mentoring?"
  - "how do we say goodbye properly at the end of the program"
"""
DRIFTING = "we've run out of things to talk about, should we stop meeting?"


def with_questions(text: str, questions: str) -> str:
    return text.replace("audience:", questions + "audience:", 1)


def question_vector_ids(services: Services) -> set[str]:
    return vector_ids(services) - chunk_ids(services)


class TestQuestions:
    def test_a_question_lifts_its_document_and_a_passage_answers(
        self, services: Services, docs_dir: Path
    ) -> None:
        (docs_dir / "guide.md").write_text(GUIDE)
        (docs_dir / "closing.md").write_text(CLOSING)
        ingest_paths(services, docs_dir)
        assert search(services, DRIFTING)[0].doc_id == "remote-check-ins"

        (docs_dir / "closing.md").write_text(with_questions(CLOSING, CLOSING_QUESTIONS))
        ingest_paths(services, docs_dir)
        top = search(services, DRIFTING)[0]

        assert top.doc_id == "closing-well"
        assert top.chunk_id in chunk_ids(services, "closing-well")
        assert top.heading == "Closing well > The last session"

    def test_questions_are_never_shown_as_results(self, services: Services, docs_dir: Path) -> None:
        (docs_dir / "closing.md").write_text(with_questions(CLOSING, CLOSING_QUESTIONS))
        ingest_paths(services, docs_dir)
        real = chunk_ids(services)
        for query in ("how do we say goodbye properly at the end of the program", "wrap up"):
            for hit in search(services, query):
                assert hit.chunk_id in real and "?" not in hit.text

    def test_changed_questions_replace_their_vectors_and_delete_removes_them(
        self, services: Services, docs_dir: Path
    ) -> None:
        (docs_dir / "closing.md").write_text(with_questions(CLOSING, CLOSING_QUESTIONS))
        ingest_paths(services, docs_dir)
        first = question_vector_ids(services)
        assert len(first) == 2
        with services.sessions() as session:
            document = kb.get_document(session=session, doc_id="closing-well", principal=SYSTEM)
            assert document.questions == [
                "we have nothing left to discuss, is it time to wrap up the mentoring?",
                "how do we say goodbye properly at the end of the program",
            ]

        fewer = CLOSING_QUESTIONS.rsplit("\n  - ", 1)[0] + "\n"
        (docs_dir / "closing.md").write_text(with_questions(CLOSING, fewer))
        ingest_paths(services, docs_dir)
        second = question_vector_ids(services)
        assert len(second) == 1 and second < first  # the dropped question's vector is gone

        with services.sessions() as session:
            kb.delete_document(
                session=session, kb=services.knowledge_base, doc_id="closing-well", principal=SYSTEM
            )
            session.commit()
        assert vector_ids(services) == set()


class TestDelete:
    def test_removes_from_both_stores(self, services: Services, docs_dir: Path) -> None:
        (docs_dir / "guide.md").write_text(GUIDE)
        ingest_paths(services, docs_dir)
        assert vector_ids(services)
        with services.sessions() as session:
            kb.delete_document(
                session=session,
                kb=services.knowledge_base,
                doc_id="remote-check-ins",
                principal=SYSTEM,
            )
            session.commit()
        assert chunk_ids(services) == set()
        assert vector_ids(services) == set()
        assert search(services, "fortnightly slot") == []


class TestSearch:
    def test_material_we_did_not_write_is_found_by_paraphrase(
        self, services: Services, docs_dir: Path
    ) -> None:
        articles = docs_dir / "articles"
        articles.mkdir()
        (articles / "budget.txt").write_text(
            "Quarterly budgeting for small teams\n\n"
            "Start from last quarter's actual spend rather than last year's plan. Flag any line "
            "that moved more than ten percent and ask its owner for one sentence of reasoning.\n\n"
            "Close the review by agreeing who signs off on overruns before they happen."
        )
        (articles / "onboarding.html").write_text(
            "<html><head><title>Welcome week</title></head><body><nav>Home | About</nav>"
            "<h1>Welcome week for new hires</h1><h2>Day one</h2>"
            "<p>Give the new colleague a laptop that already works and a named buddy who "
            "eats lunch with them.</p><h2>End of the first week</h2>"
            "<p>Ask what surprised them and what still confuses them, then fix one thing "
            "before Friday.</p><footer>Copyright</footer></body></html>"
        )
        report = ingest_paths(services, articles)
        assert not report.failed
        top = search(services, "who approves going over the spending plan")[0]
        assert top.doc_id == "budget"
        assert "signs off" in top.text
        top = search(services, "making a newcomer's first days feel less lonely")[0]
        assert top.doc_id == "onboarding"
        assert top.heading.endswith("Welcome week for new hires > Day one")
        assert "Copyright" not in top.text and "Home | About" not in top.text

    def test_results_carry_citations_and_snippets(self, corpus_services: Services) -> None:
        results = search(corpus_services, "my mentee keeps interrupting me before I finish")
        assert results, "no results"
        first = results[0]
        assert first.source.endswith(".md") and first.title and first.heading
        assert first.text and first.score > 0
        assert "**" in first.snippet
        assert len(first.snippet.split()) <= 45

    def test_snippets_kept_between_searches_match_a_fresh_reading_of_the_text(
        self, corpus_services: Services
    ) -> None:
        queries = ["giving feedback", "first session agenda", "feedback that lands", "goals"]
        first = {q: search(corpus_services, q) for q in queries}
        again = {q: search(corpus_services, q) for q in reversed(queries)}
        assert first == again
        for query, results in first.items():
            query_stems = set(tokenize([query])[0])
            for hit in results:
                assert hit.snippet == make_snippet(hit.text, query_stems)
                assert hit.snippet == make_snippet(
                    hit.text, query_stems, sentences=split_sentences(hit.text)
                )
        assert any("**feedback**" in hit.snippet for hit in first["giving feedback"])

    def test_filters_restrict_results(self, corpus_services: Services) -> None:
        with corpus_services.sessions() as session:
            docs = {
                d.doc_id: d
                for d in kb.list_documents(session=session, principal=SYSTEM, limit=200)[0]
            }
        for hit in search(corpus_services, "how to set up a program", audience="mentee"):
            assert "mentee" in docs[hit.doc_id].audience
        for hit in search(corpus_services, "running a group", program_type="circle"):
            assert "circle" in docs[hit.doc_id].program_types
        only = search(corpus_services, "feedback", document="giving-feedback")
        assert {h.doc_id for h in only} == {"giving-feedback"}
        assert search(corpus_services, "feedback", audience="nobody") == []

    def test_bad_queries_are_refused(self, corpus_services: Services) -> None:
        for query, top_k in (("   ", 5), ("x" * 1001, 5), ("goals", 0)):
            with pytest.raises(InvalidInput), corpus_services.sessions() as session:
                kb.search(
                    session=session,
                    kb=corpus_services.knowledge_base,
                    query=query,
                    top_k=top_k,
                )

    def test_missing_vectors_are_re_encoded_on_rebuild(
        self, services: Services, docs_dir: Path
    ) -> None:
        (docs_dir / "guide.md").write_text(GUIDE)
        ingest_paths(services, docs_dir)
        base = services.knowledge_base
        base.index.delete(sorted(vector_ids(services)))
        base._built = None  # as a fresh worker process would start
        assert search(services, "protect the meeting slot")[0].doc_id == "remote-check-ins"
        assert vector_ids(services) == chunk_ids(services)
