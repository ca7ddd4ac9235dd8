"""The SMART check through the real litellm path: a model's three-valued answer is
validated against the same schema as the offline check, and stored for review."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from companion.accounts.principal import System
from companion.db.engine import session_scope
from companion.drafting import service as drafting
from companion.drafting.gateway import Gateway
from companion.drafting.models import Draft, DraftStatus
from companion.errors import LLMOutputInvalid
from companion.participants.models import Participant
from companion.relationships.models import Goal, GoalStatus, GoalVisibility
from companion.settings import Settings
from prompts.schemas import CRITERIA, DraftKind
from tests.relationships.conftest import World

OPERATOR = System("test")


def verdicts(unclear_question: str) -> dict:
    met = [
        {"criterion": c, "status": "met", "why": "Written in the goal."}
        for c in CRITERIA
        if c != "time_bound"
    ]
    unclear = {
        "criterion": "time_bound",
        "status": "unclear",
        "why": "'Before my annual review' has no date.",
        "question": unclear_question,
    }
    return {
        "verdicts": [*met, unclear],
        "suggested_rewrite": "Finish the course before my annual review. [When is it?]",
    }


@pytest.fixture
def goal_id(world: World) -> int:
    with world.services.sessions() as session:
        eli = session.scalars(select(Participant).where(Participant.external_id == "E1")).one()
        goal = Goal(
            relationship_id=world.first,
            mentee_id=eli.id,
            title="Finish the wound-care certificate course before my annual review",
            status=GoalStatus.active,
            visibility=GoalVisibility.private,
        )
        session.add(goal)
        session.commit()
        return goal.id


def check(world: World, goal_id: int, answer: dict) -> Draft:
    gateway = Gateway(
        Settings(
            environment="test",
            data_dir=world.services.settings.data_dir,
            llm_model="openai/gpt-4o-mini",
        )
    )
    # One unit of work, as a request or a CLI command: a failed draft is still recorded.
    with session_scope(world.services.sessions) as session:
        draft = drafting.request_draft(
            services=world.services,
            session=session,
            kind=DraftKind.smart_check,
            principal=OPERATOR,
            goal_id=goal_id,
            gateway=gateway,
            mock_response=json.dumps(answer),
        )
        session.flush()
        session.refresh(draft)
        session.expunge(draft)
        return draft


def test_a_three_valued_answer_is_stored_for_the_mentee_to_review(
    world: World, goal_id: int
) -> None:
    draft = check(world, goal_id, verdicts("When is your annual review?"))

    assert draft.status == DraftStatus.pending_review
    assert draft.prompt == "smart_check@3"
    statuses = {v["criterion"]: v["status"] for v in draft.content["verdicts"]}
    assert statuses["time_bound"] == "unclear"
    [unclear] = [v for v in draft.content["verdicts"] if v["status"] == "unclear"]
    assert unclear["question"] == "When is your annual review?"


def test_a_verdict_not_met_without_a_question_is_a_failed_draft(world: World, goal_id: int) -> None:
    with pytest.raises(LLMOutputInvalid):
        check(world, goal_id, verdicts(""))

    with world.services.sessions() as session:
        [failed] = session.scalars(select(Draft)).all()
    assert failed.status == DraftStatus.failed
    assert "smart_check@3 schema" in failed.error
