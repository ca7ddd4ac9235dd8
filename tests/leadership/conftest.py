"""The relationships' small program with two guides in the knowledge base, and a story text."""

from __future__ import annotations

from pathlib import Path

import pytest

from companion.accounts import service as accounts
from companion.db import session_scope
from companion.guidance import service as kb
from tests.helpers import TEST_SYSTEM
from tests.relationships.conftest import World, world  # noqa: F401
from tests.web.conftest import browser_for, web  # noqa: F401

CORPUS = Path(__file__).resolve().parents[2] / "knowledge" / "corpus"
GUIDES = ("leaders-as-mentors.md", "giving-feedback.md")

STORY_TITLE = "The quarter I stopped answering every question"
STORY_BODY = (
    "Two years into running the platform group I was the bottleneck: every design "
    "question came to me, and I answered it within the hour because it felt like help. "
    "A staff engineer I mentor told me, kindly, that nobody proposed anything any more; "
    "they waited for my answer. For one quarter I replied to design questions with a "
    "question of my own and a date to decide by. Decisions got slower for three weeks "
    "and then faster than before, and two people now lead reviews I used to run. What "
    "I learned: the help a leader gives can crowd out the growth of the people asking."
)


@pytest.fixture
def guided(world: World) -> World:  # noqa: F811
    """world, with two guides of the corpus in its knowledge base."""
    with session_scope(world.services.write_sessions) as session:
        loads, problems = kb.path_loads([CORPUS / name for name in GUIDES])
        report = kb.ingest_many(
            session=session,
            kb=world.services.knowledge_base,
            loads=loads,
            principal=TEST_SYSTEM,
            problems=problems,
        )
        assert not report.failed, report.failed
    return world


def user(session, who: str):
    return accounts.get_by_email(session=session, email=f"{who}@example.org")
