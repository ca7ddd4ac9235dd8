"""The web world with two guides of the built-in corpus in its knowledge base."""

from __future__ import annotations

import pytest

from companion.guidance import service as kb
from knowledge import CORPUS_DIR
from tests.helpers import TEST_SYSTEM
from tests.relationships.conftest import World

CORPUS_FILES = ("active-listening.md", "giving-feedback.md")


@pytest.fixture
def corpus(web: World) -> World:
    loads, problems = kb.path_loads([CORPUS_DIR / name for name in CORPUS_FILES])
    assert not problems
    with web.services.sessions() as session:
        report = kb.ingest_many(
            session=session, kb=web.services.knowledge_base, loads=loads, principal=TEST_SYSTEM
        )
        session.commit()
    assert len(report.ingested) == 2
    return web
