"""Ingestion encodes a run's new chunks and question keys together, and nothing twice."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

import embeddings
from companion.db import session_scope
from companion.guidance import service as kb
from companion.guidance.models import KbDocument
from companion.runtime import Services
from companion.settings import Settings
from knowledge import CORPUS_DIR
from tests.guidance.conftest import ingest_paths


class CountingEncoder(embeddings.Encoder):
    """The real encoder, recording how many texts each call asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[int] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(len(texts))
        return super().encode(texts)


@pytest.fixture
def counted(settings: Settings, own_chroma) -> tuple[Services, CountingEncoder]:
    encoder = CountingEncoder()
    built = Services(settings, encoder=encoder, chroma=own_chroma)
    yield built, encoder
    built.close()


def guides(folder: Path, count: int) -> list[Path]:
    chosen = sorted(CORPUS_DIR.glob("*.md"))[:count]
    for path in chosen:
        (folder / path.name).write_text(path.read_text())
    return chosen


class TestIngestBatching:
    def test_a_run_of_documents_is_encoded_in_one_call(
        self, counted: tuple[Services, CountingEncoder], docs_dir: Path
    ) -> None:
        services, encoder = counted
        guides(docs_dir, 6)
        report = ingest_paths(services, docs_dir)
        assert len(report.ingested) == 6 and not report.failed
        with session_scope(services.sessions) as session:
            rows = session.query(KbDocument).all()
            expected = sum(r.chunk_count + len(set(r.questions or ())) for r in rows)
        assert encoder.calls == [expected]  # one call for the whole run

    def test_unchanged_documents_are_not_encoded_again(
        self, counted: tuple[Services, CountingEncoder], docs_dir: Path
    ) -> None:
        services, encoder = counted
        guides(docs_dir, 3)
        ingest_paths(services, docs_dir)
        encoder.calls.clear()
        again = ingest_paths(services, docs_dir)
        assert len(again.unchanged) == 3 and not again.ingested
        assert encoder.calls == []

    def test_a_bad_file_in_a_group_fails_alone(
        self, counted: tuple[Services, CountingEncoder], docs_dir: Path
    ) -> None:
        services, _ = counted
        guides(docs_dir, 3)
        (docs_dir / "empty.md").write_text("---\ntitle: Nothing here\n---\n")
        report = ingest_paths(services, docs_dir)
        assert len(report.ingested) == 3
        assert [Path(f["source"]).name for f in report.failed] == ["empty.md"]
        with services.sessions() as session:
            found = kb.search(
                session=session, kb=services.knowledge_base, query="listening", top_k=3
            )
        assert found


class TestEncodeCached:
    def test_a_new_process_reuses_stored_vectors_and_encodes_only_new_texts(
        self, chroma, collection_name: str
    ) -> None:
        first = embeddings.Encoder()
        index = embeddings.VectorIndex.for_encoder(chroma, collection_name, first)
        texts = ["I want to lead a team", "I coach new managers", "I want to lead a team"]
        stored = embeddings.encode_cached(first, index, texts)
        assert first.texts_encoded == 2
        later = embeddings.Encoder()  # as in the next run: an empty in-process cache
        again = embeddings.encode_cached(later, index, [*texts, "I negotiate budgets"])
        assert later.texts_encoded == 1
        np.testing.assert_allclose(again[:3], stored, atol=1e-6)
