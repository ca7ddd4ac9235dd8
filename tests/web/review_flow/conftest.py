"""The web world with the guides a first session's agenda quotes in its knowledge base."""

from __future__ import annotations

import pytest

from companion.guidance import service as kb
from knowledge import CORPUS_DIR
from tests.helpers import TEST_SYSTEM
from tests.relationships.conftest import World

GUIDES = (
    "first-session-and-mentoring-agreement.md",
    "session-agendas.md",
    "giving-feedback.md",
    "preparing-as-a-mentee.md",
)


@pytest.fixture
def guides(web: World) -> World:
    loads, problems = kb.path_loads([CORPUS_DIR / name for name in GUIDES])
    assert not problems
    with web.services.sessions() as session:
        report = kb.ingest_many(
            session=session, kb=web.services.knowledge_base, loads=loads, principal=TEST_SYSTEM
        )
        session.commit()
    assert len(report.ingested) == len(GUIDES)
    return web
