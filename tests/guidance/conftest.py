"""A knowledge base holding the built-in corpus, built once and shared read-only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import embeddings
from companion.accounts.principal import System
from companion.db import session_scope
from companion.guidance import service as kb
from companion.runtime import Services
from knowledge import CORPUS_DIR
from tests.conftest import Databases

SYSTEM = System("test")


def ingest_paths(services: Services, *paths: Path, **options) -> kb.IngestReport:
    loads, problems = kb.path_loads(list(paths), **options)
    with session_scope(services.sessions) as session:
        return kb.ingest_many(
            session=session,
            kb=services.knowledge_base,
            loads=loads,
            principal=SYSTEM,
            problems=problems,
        )


@pytest.fixture(scope="session")
def corpus_services(
    tmp_path_factory: pytest.TempPathFactory, databases: Databases, encoder
) -> Iterator[Services]:
    """Read-only: tests that change the knowledge base use `services` instead."""
    settings = databases.new(tmp_path_factory.mktemp("corpus") / "var")
    data_dir = settings.data_dir
    built = Services(
        settings,
        encoder=encoder,
        chroma=embeddings.make_chroma_client(path=data_dir / "chroma"),
    )
    report = ingest_paths(built, CORPUS_DIR)
    assert not report.failed, report.failed
    yield built
    built.close()


@pytest.fixture
def docs_dir(tmp_path: Path) -> Path:
    """A folder for the files a test ingests (apart from its database and vectors)."""
    folder = tmp_path / "docs"
    folder.mkdir()
    return folder
