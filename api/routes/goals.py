"""A mentee's goals inside a relationship; what each reader sees follows the goal's visibility."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, ConfigDict, Field

from api.deps import CurrentUser, PageDep, SessionDep
from companion.drafting import coaching
from companion.drafting.coaching import CoachingPublic
from companion.pagination import Page
from companion.relationships import access
from companion.relationships import goals as goals_service
from companion.relationships.access import View
from companion.relationships.goals import ANSWER_MAX, COACHING_TEXT_MAX
from companion.relationships.schemas import (
    AssessmentCreate,
    CheckInCreate,
    GoalCreate,
    GoalPublic,
    GoalUpdate,
    MilestoneCreate,
    MilestoneUpdate,
)
from prompts.schemas import Criterion

router = APIRouter(prefix="/api/v1", tags=["goals"])

GOALS = "/relationships/{relationship_id}/goals"
GOAL = GOALS + "/{goal_id}"

Goal = GoalPublic
# Who reads a goal decides how much of it they get; what is not theirs is left out.
ONLY_WHAT_THEY_MAY_READ = {"response_model_exclude_unset": True}


def relationship_view(relationship_id: int, session: SessionDep, user: CurrentUser) -> View:
    return access.view(session=session, relationship_id=relationship_id, principal=user)


RelationshipView = Annotated[View, Depends(relationship_view)]


class CoachingRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(
        min_length=1, max_length=COACHING_TEXT_MAX, description="The goal as written."
    )
    answers: dict[Criterion, Annotated[str, Field(max_length=ANSWER_MAX)]] = Field(
        default_factory=dict, description="Answers to the coaching questions, by criterion."
    )


@router.get(GOALS, response_model=Page[Goal], **ONLY_WHAT_THEY_MAY_READ)
def list_goals(view: RelationshipView, page: PageDep) -> Page[Goal]:
    items, total = goals_service.list_goals(view=view, limit=page.limit, offset=page.offset)
    return Page[GoalPublic](items=items, total=total, limit=page.limit, offset=page.offset)


@router.post(
    GOALS, response_model=Goal, **ONLY_WHAT_THEY_MAY_READ, status_code=status.HTTP_201_CREATED
)
def create_goal(body: GoalCreate, view: RelationshipView) -> Goal:
    return goals_service.create(view=view, **body.model_dump())


@router.post(GOALS + "/coaching", response_model=CoachingPublic)
def coach_goal(body: CoachingRequest, view: RelationshipView) -> CoachingPublic:
    """Coaching on a goal the mentee is writing: per criterion met, missing or unclear,
    a question for each gap, and the goal composed from their words. Nothing is stored."""
    return coaching.coach(view=view, text=body.text, answers=dict(body.answers))


@router.get(GOAL, response_model=Goal, **ONLY_WHAT_THEY_MAY_READ)
def get_goal(goal_id: int, view: RelationshipView) -> Goal:
    return goals_service.get_goal(view=view, goal_id=goal_id)


@router.patch(GOAL, response_model=Goal, **ONLY_WHAT_THEY_MAY_READ)
def update_goal(goal_id: int, body: GoalUpdate, view: RelationshipView) -> Goal:
    return goals_service.update(view=view, goal_id=goal_id, **body.model_dump(exclude_unset=True))


@router.post(
    GOAL + "/check-ins",
    response_model=Goal,
    **ONLY_WHAT_THEY_MAY_READ,
    status_code=status.HTTP_201_CREATED,
)
def check_in(goal_id: int, body: CheckInCreate, view: RelationshipView) -> Goal:
    return goals_service.check_in(
        view=view, goal_id=goal_id, progress=body.progress, note=body.note
    )


@router.post(
    GOAL + "/milestones",
    response_model=Goal,
    **ONLY_WHAT_THEY_MAY_READ,
    status_code=status.HTTP_201_CREATED,
)
def add_milestone(goal_id: int, body: MilestoneCreate, view: RelationshipView) -> Goal:
    return goals_service.add_milestone(
        view=view, goal_id=goal_id, text=body.text, due_date=body.due_date
    )


@router.patch(GOAL + "/milestones/{milestone_id}", response_model=Goal, **ONLY_WHAT_THEY_MAY_READ)
def complete_milestone(
    goal_id: int, milestone_id: int, body: MilestoneUpdate, view: RelationshipView
) -> Goal:
    return goals_service.complete_milestone(
        view=view, goal_id=goal_id, milestone_id=milestone_id, done=body.done
    )


@router.post(GOAL + "/assessment", response_model=Goal, **ONLY_WHAT_THEY_MAY_READ)
def assess_goal(goal_id: int, body: AssessmentCreate, view: RelationshipView) -> Goal:
    return goals_service.assess(
        view=view, goal_id=goal_id, outcome=body.outcome, assessment=body.assessment
    )
